/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - aether_slub's tracepoints: the system "aether_slub"
 *
 * DOC: Overview
 *
 *   aslub_alloc, aslub_free   an object of a debug cache handed out or
 *	taken back, once its checks passed (debug.c): cache name, object
 *	address, object size, slot size, node of its slab
 *
 * Only debug caches (debug.c: any of F, Z, P, U) have them: their
 * objects go through the slab under the node's list_lock one by one, the
 * place where an object's state changes; the per-CPU magazines of the
 * other caches are left as fast as they are.  The address is the
 * object's own, as kmem:kmalloc shows it (tracefs prints it hashed
 * unless the "hash-ptr" option is off; perf and BPF read it raw): an
 * alloc and a free of one object match on it.  A free that a check
 * refused (double free, damaged state) is the report debug.c makes, not
 * an event.
 *
 * trace.c defines the events; debug.c calls them.  TRACE_INCLUDE_PATH
 * "." with -I$(src) for trace.o (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aether_slub

#if !defined(_AETHER_SLUB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AETHER_SLUB_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <aether/slub.h>

struct aslub_cache;

DECLARE_EVENT_CLASS(aslub_obj,
		    TP_PROTO(const struct aslub_cache *s, const void *obj,
			     int nid),
		    TP_ARGS(s, obj, nid),
		    TP_STRUCT__entry(__array(char, cache, AETHER_SLUB_NAME_LEN)
				     __field(const void *, obj)
				     __field(unsigned int, object_size)
				     __field(unsigned int, size)
				     __field(int, nid)),
		    TP_fast_assign(strscpy(__entry->cache, s->name,
					   sizeof(__entry->cache));
				   __entry->obj = obj;
				   __entry->object_size = s->object_size;
				   __entry->size = s->size;
				   __entry->nid = nid;),
		    TP_printk("cache=%s obj=%p object_size=%u size=%u nid=%d",
			      __entry->cache, __entry->obj,
			      __entry->object_size, __entry->size,
			      __entry->nid));

DEFINE_EVENT(aslub_obj, aslub_alloc,
	     TP_PROTO(const struct aslub_cache *s, const void *obj, int nid),
	     TP_ARGS(s, obj, nid));

DEFINE_EVENT(aslub_obj, aslub_free,
	     TP_PROTO(const struct aslub_cache *s, const void *obj, int nid),
	     TP_ARGS(s, obj, nid));

#endif /* _AETHER_SLUB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
