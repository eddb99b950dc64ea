/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - aether_mm's tracepoints: the system "aether_mm"
 *
 * DOC: Overview
 *
 * What a person watching the pool and its regions wants to see, as
 * TRACE_EVENT()s under /sys/kernel/tracing/events/aether_mm/, for tracefs,
 * "perf record -e aether_mm:*" and bpftrace alike:
 *
 *   aem_block_alloc, aem_block_free   a block handed out (aem_frame_prep())
 *	and given back (aem_free_prep()): pfn, order, node, zone, migrate
 *	type of its pageblock, owner
 *   aem_region_fault   a page of a region mapped or made: region id, data
 *	page index, kind (zero page, resident frame, new frame, COW copy,
 *	stolen frame, own frame made writable, back from the store,
 *	prefetched, 2 MiB), node and pfn of the frame (-1 and 0 for the
 *	zero page)
 *   aem_reclaim        one walk storing cold region pages: node, pages
 *	wanted, pages offered (scanned), taken, of those dropped as zero
 *	pages, failed; the pool's walk (from an allocation or kreclaimd)
 *	or a QoS group's
 *   aem_compact        one zone compacted: node, zone, pageblocks surveyed,
 *	pageblocks isolated, pages migrated, busy and failed moves,
 *	pageblocks freed; on request or in the background
 *
 * Tracepoints cost a patched-out jump when disabled: the callers pass
 * what they already hold (pointers, counters) and everything that costs
 * a call (the frame's node, zone and migrate type, the region's id) is
 * computed in TP_fast_assign(), that is only when the event is on.  The
 * kinds and owners print by name; their numbers are in each event's
 * "format" file (TRACE_DEFINE_ENUM), so perf and bpftrace read them too.
 *
 * trace.c defines the events (CREATE_TRACE_POINTS); every other file
 * includes this header for the trace_*() calls.  An out-of-tree module
 * says where define_trace.h finds the header again: TRACE_INCLUDE_PATH
 * "." with -I$(src) for trace.o (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aether_mm

#if !defined(_AETHER_MM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AETHER_MM_TRACE_H

#include <linux/tracepoint.h>
#include <aether/mm.h>

#ifndef _AETHER_MM_TRACE_KINDS
#define _AETHER_MM_TRACE_KINDS
/* aem_region_fault's @kind */
#define AEM_FAULT_ZERO	0	/* read: the zero page */
#define AEM_FAULT_MAP	1	/* read: a resident frame */
#define AEM_FAULT_NEW	2	/* write: a new zeroed frame */
#define AEM_FAULT_COW	3	/* write: a copy of a deeper frame */
#define AEM_FAULT_STEAL	4	/* write: a deeper frame moved up */
#define AEM_FAULT_OWN	5	/* write: the view's own frame */
#define AEM_FAULT_STORED	6	/* a stored page back in a frame */
#define AEM_FAULT_PREFETCH 7	/* mapped ahead by the predictor */
#define AEM_FAULT_HUGE	8	/* one PMD for 2 MiB */
#endif

TRACE_DEFINE_ENUM(AETHER_MM_ZONE_DMA);
TRACE_DEFINE_ENUM(AETHER_MM_ZONE_DMA32);
TRACE_DEFINE_ENUM(AETHER_MM_ZONE_NORMAL);
TRACE_DEFINE_ENUM(AETHER_MM_MT_UNMOVABLE);
TRACE_DEFINE_ENUM(AETHER_MM_MT_MOVABLE);
TRACE_DEFINE_ENUM(AETHER_MM_MT_RECLAIMABLE);
TRACE_DEFINE_ENUM(AEM_OWNER_NONE);
TRACE_DEFINE_ENUM(AEM_OWNER_KERNEL);
TRACE_DEFINE_ENUM(AEM_OWNER_USER);
TRACE_DEFINE_ENUM(AEM_OWNER_SELFTEST);
TRACE_DEFINE_ENUM(AEM_OWNER_BENCH);
TRACE_DEFINE_ENUM(AEM_OWNER_SLUB);
TRACE_DEFINE_ENUM(AEM_OWNER_ZRAM);
TRACE_DEFINE_ENUM(AEM_OWNER_DEDUPE);
TRACE_DEFINE_ENUM(AEM_OWNER_QOS);
TRACE_DEFINE_ENUM(AEM_OWNER_REGION);
TRACE_DEFINE_ENUM(AEM_OWNER_LOOPBACK);
TRACE_DEFINE_ENUM(AEM_OWNER_SECURE);

DECLARE_EVENT_CLASS(aem_block,
		    TP_PROTO(const struct aem_frame *f, unsigned int order,
			     unsigned int owner),
		    TP_ARGS(f, order, owner),
		    TP_STRUCT__entry(__field(unsigned long, pfn)
				     __field(unsigned int, order)
				     __field(int, nid)
				     __field(unsigned int, zone)
				     __field(unsigned int, mt)
				     __field(unsigned int, owner)),
		    TP_fast_assign(__entry->pfn = aem_frame_pfn(f);
				   __entry->order = order;
				   __entry->nid = aem_frame_nid(f);
				   __entry->zone = aem_frame_zone(f);
				   __entry->mt = aem_frame_migratetype(f);
				   __entry->owner = owner;),
		    TP_printk("pfn=0x%lx order=%u nid=%d zone=%s mt=%s owner=%s",
			      __entry->pfn, __entry->order, __entry->nid,
			      __print_symbolic(__entry->zone,
					       { AETHER_MM_ZONE_DMA, "DMA" },
					       { AETHER_MM_ZONE_DMA32, "DMA32" },
					       { AETHER_MM_ZONE_NORMAL, "Normal" }),
			      __print_symbolic(__entry->mt,
					       { AETHER_MM_MT_UNMOVABLE, "Unmovable" },
					       { AETHER_MM_MT_MOVABLE, "Movable" },
					       { AETHER_MM_MT_RECLAIMABLE, "Reclaimable" }),
			      __print_symbolic(__entry->owner,
					       { AEM_OWNER_NONE, "none" },
					       { AEM_OWNER_KERNEL, "kernel" },
					       { AEM_OWNER_USER, "user" },
					       { AEM_OWNER_SELFTEST, "selftest" },
					       { AEM_OWNER_BENCH, "bench" },
					       { AEM_OWNER_SLUB, "slub" },
					       { AEM_OWNER_ZRAM, "zram" },
					       { AEM_OWNER_DEDUPE, "dedupe" },
					       { AEM_OWNER_QOS, "qos" },
					       { AEM_OWNER_REGION, "region" },
					       { AEM_OWNER_LOOPBACK, "loopback" },
					       { AEM_OWNER_SECURE, "secure" })));

DEFINE_EVENT(aem_block, aem_block_alloc,
	     TP_PROTO(const struct aem_frame *f, unsigned int order,
		      unsigned int owner),
	     TP_ARGS(f, order, owner));

DEFINE_EVENT(aem_block, aem_block_free,
	     TP_PROTO(const struct aem_frame *f, unsigned int order,
		      unsigned int owner),
	     TP_ARGS(f, order, owner));

TRACE_EVENT(aem_region_fault,
	    TP_PROTO(const struct aem_region *r, unsigned long index,
		     const struct aem_frame *f, unsigned int kind),
	    TP_ARGS(r, index, f, kind),
	    TP_STRUCT__entry(__field(u64, region)
			     __field(unsigned long, index)
			     __field(unsigned int, kind)
			     __field(int, nid)
			     __field(unsigned long, pfn)),
	    TP_fast_assign(__entry->region = aem_share_region_id(r);
			   __entry->index = index;
			   __entry->kind = kind;
			   __entry->nid = f ? aem_frame_nid(f) : NUMA_NO_NODE;
			   __entry->pfn = f ? aem_frame_pfn(f) : 0;),
	    TP_printk("region=%llu index=%lu kind=%s nid=%d pfn=0x%lx",
		      __entry->region, __entry->index,
		      __print_symbolic(__entry->kind,
				       { AEM_FAULT_ZERO, "zero" },
				       { AEM_FAULT_MAP, "map" },
				       { AEM_FAULT_NEW, "new" },
				       { AEM_FAULT_COW, "cow" },
				       { AEM_FAULT_STEAL, "steal" },
				       { AEM_FAULT_OWN, "own" },
				       { AEM_FAULT_STORED, "stored" },
				       { AEM_FAULT_PREFETCH, "prefetch" },
				       { AEM_FAULT_HUGE, "huge" }),
		      __entry->nid, __entry->pfn));

TRACE_EVENT(aem_reclaim,
	    TP_PROTO(int nid, unsigned long wanted, unsigned long scanned,
		     long taken, unsigned long dropped, unsigned long failed,
		     bool group),
	    TP_ARGS(nid, wanted, scanned, taken, dropped, failed, group),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(unsigned long, wanted)
			     __field(unsigned long, scanned)
			     __field(long, taken)
			     __field(unsigned long, dropped)
			     __field(unsigned long, failed)
			     __field(bool, group)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->wanted = wanted;
			   __entry->scanned = scanned;
			   __entry->taken = taken;
			   __entry->dropped = dropped;
			   __entry->failed = failed;
			   __entry->group = group;),
	    TP_printk("nid=%d wanted=%lu scanned=%lu reclaimed=%ld dropped=%lu failed=%lu for=%s",
		      __entry->nid, __entry->wanted, __entry->scanned,
		      __entry->taken, __entry->dropped, __entry->failed,
		      __entry->group ? "group" : "pool"));

TRACE_EVENT(aem_compact,
	    TP_PROTO(int nid, unsigned int zone,
		     const struct aether_mm_compact *before,
		     const struct aether_mm_compact *after, bool background),
	    TP_ARGS(nid, zone, before, after, background),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(unsigned int, zone)
			     __field(u64, scanned)
			     __field(u64, isolated)
			     __field(u64, migrated)
			     __field(u64, busy)
			     __field(u64, failed)
			     __field(u64, freed)
			     __field(bool, background)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->zone = zone;
			   __entry->scanned = after->scanned - before->scanned;
			   __entry->isolated = after->isolated - before->isolated;
			   __entry->migrated = after->migrated - before->migrated;
			   __entry->busy = after->busy - before->busy;
			   __entry->failed = after->failed - before->failed;
			   __entry->freed = after->freed - before->freed;
			   __entry->background = background;),
	    TP_printk("nid=%d zone=%s scanned=%llu isolated=%llu migrated=%llu busy=%llu failed=%llu freed=%llu by=%s",
		      __entry->nid,
		      __print_symbolic(__entry->zone,
				       { AETHER_MM_ZONE_DMA, "DMA" },
				       { AETHER_MM_ZONE_DMA32, "DMA32" },
				       { AETHER_MM_ZONE_NORMAL, "Normal" }),
		      __entry->scanned, __entry->isolated, __entry->migrated,
		      __entry->busy, __entry->failed, __entry->freed,
		      __entry->background ? "background" : "request"));

#endif /* _AETHER_MM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
