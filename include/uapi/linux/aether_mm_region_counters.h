/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_mm_region_counters.h - the counters of a region, as REGION_INFO
 * returns them
 *
 * The fields of struct aether_mm_region_info (linux/aether_mm.h) from
 * @resident to @migrated, in the order of the struct, each a __u64:
 *
 *	AETHER_MM_REGION_COUNTER(ID, field, label)
 *
 * No include guard: the includer defines AETHER_MM_REGION_COUNTER() as
 * what it makes of each counter (an enum entry, a name, a line of
 * output), includes this file and undefines it again.  The module fills
 * REGION_INFO and names its debugfs columns from this list, and aetherctl
 * prints it, so a counter is added here once for all three.  Included
 * with no definition (a tool that takes in every aether_*.h), it is empty.
 */
#ifndef AETHER_MM_REGION_COUNTER
#define AETHER_MM_REGION_COUNTER(id, field, label)
#define AETHER_MM_REGION_COUNTER_NONE
#endif
AETHER_MM_REGION_COUNTER(RESIDENT, resident, "resident frames")
AETHER_MM_REGION_COUNTER(FAULTS, faults, "faults")
AETHER_MM_REGION_COUNTER(ZERO_MAPS, zero_maps, "zero-page maps")
AETHER_MM_REGION_COUNTER(COW_COPIES, cow_copies, "copy-on-write copies")
AETHER_MM_REGION_COUNTER(COW_STEALS, cow_steals, "copy-on-write steals")
AETHER_MM_REGION_COUNTER(ALLOC_FAIL, alloc_fail, "faults failed (SIGBUS)")
AETHER_MM_REGION_COUNTER(PREDICTED, predicted, "pages predicted")
AETHER_MM_REGION_COUNTER(PREFETCHED, prefetched, "pages mapped ahead")
AETHER_MM_REGION_COUNTER(PREFETCH_HITS, prefetch_hits, "mapped ahead, then used")
AETHER_MM_REGION_COUNTER(PREFETCH_WASTED, prefetch_wasted, "mapped ahead, stream broke off")
AETHER_MM_REGION_COUNTER(MIGRATED, migrated, "frames moved to another node")
#ifdef AETHER_MM_REGION_COUNTER_NONE
#undef AETHER_MM_REGION_COUNTER
#undef AETHER_MM_REGION_COUNTER_NONE
#endif
