/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - aether_dedupe's tracepoints: the system "aether_dedupe"
 *
 * DOC: Overview
 *
 *   adedup_merge     a page of a MERGEABLE region now maps a shared frame
 *	or the zero page (engine.c, where the merge is counted): region id,
 *	data page index, zero or frame, and whether the scanner's pass or a
 *	REGION_DEDUPE of the range merged it
 *   adedup_unmerge   a user left one of our shared frames (aether_mm's
 *	@unshared: a write that copied it, an unmap of the slot, run = 2):
 *	the shared frame (an address, the same for each of its events) and
 *	the users it has left
 *
 * A pair that makes a new shared frame shows as two merges, one for each
 * page.  trace.c defines the events; engine.c calls them.
 * TRACE_INCLUDE_PATH "." with -I$(src) for trace.o (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aether_dedupe

#if !defined(_AETHER_DEDUPE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AETHER_DEDUPE_TRACE_H

#include <linux/tracepoint.h>
#include <aether/mm.h>

TRACE_EVENT(adedup_merge,
	    TP_PROTO(const struct aem_share_page *pg, bool zero, bool range),
	    TP_ARGS(pg, zero, range),
	    TP_STRUCT__entry(__field(u64, region)
			     __field(unsigned long, index)
			     __field(bool, zero)
			     __field(bool, range)),
	    TP_fast_assign(__entry->region = aem_share_region_id(pg->region);
			   __entry->index = pg->index;
			   __entry->zero = zero;
			   __entry->range = range;),
	    TP_printk("region=%llu index=%lu into=%s by=%s",
		      __entry->region, __entry->index,
		      __entry->zero ? "zero" : "frame",
		      __entry->range ? "range" : "scan"));

TRACE_EVENT(adedup_unmerge,
	    TP_PROTO(const struct aem_shared *s, unsigned int users),
	    TP_ARGS(s, users),
	    TP_STRUCT__entry(__field(const void *, shared)
			     __field(unsigned int, users)),
	    TP_fast_assign(__entry->shared = s;
			   __entry->users = users;),
	    TP_printk("shared=%p users=%u", __entry->shared, __entry->users));

#endif /* _AETHER_DEDUPE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
