// SPDX-License-Identifier: GPL-2.0
/*
 * frag.c - fragmentation analysis of a pool zone
 *
 * For each order the two indices mm/vmstat.c computes for Linux's zones
 * (/sys/kernel/debug/extfrag/), on the pool's buddy lists:
 *
 *  - unusable free space index: the share of free memory that is in
 *    blocks too small for the order; 0 = all usable, 1000 = none;
 *  - external fragmentation index: when no block of the order is free,
 *    how much of the failure is due to fragmentation (towards 1000) rather
 *    than to lack of memory (towards 0); -1000 when a block is free.
 *
 * Both are x1000.  Pages on the per-CPU lists count as in use, as they do
 * for the buddy allocator.
 */
#include <linux/math64.h>
#include "internal.h"

/* mm/vmstat.c unusable_free_index() */
static int aem_unusable_index(unsigned int order, unsigned long free_pages,
			      unsigned long suitable)
{
	if (!free_pages)
		return 1000;	/* no free memory: all of it unusable */
	return div_u64((free_pages - (suitable << order)) * 1000ULL,
		       free_pages);
}

/* mm/vmstat.c __fragmentation_index() */
static int aem_extfrag_index(unsigned int order, unsigned long free_pages,
			     unsigned long total_blocks,
			     unsigned long suitable)
{
	unsigned long requested = 1UL << order;

	if (!total_blocks)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - div_u64(1000 + div_u64(free_pages * 1000ULL, requested),
			      total_blocks);
}

/**
 * aem_zone_frag - fragmentation of a zone, per order
 * @zone: the zone
 * @info: filled in
 */
void aem_zone_frag(struct aem_zone *zone, struct aem_frag_info *info)
{
	unsigned long total_blocks = 0, flags;
	unsigned int o;

	spin_lock_irqsave(&zone->lock, flags);
	info->free_pages = zone->free;
	for (o = 0; o < AEM_NR_ORDERS; o++)
		info->free_blocks[o] = zone->free_area[o].nr_free;
	spin_unlock_irqrestore(&zone->lock, flags);

	for (o = 0; o < AEM_NR_ORDERS; o++)
		total_blocks += info->free_blocks[o];
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		unsigned long suitable = 0;
		unsigned int k;

		/* Blocks of this order or larger, counted in this order's units */
		for (k = o; k < AEM_NR_ORDERS; k++)
			suitable += info->free_blocks[k] << (k - o);
		info->unusable[o] = aem_unusable_index(o, info->free_pages,
						       suitable);
		info->extfrag[o] = aem_extfrag_index(o, info->free_pages,
						     total_blocks, suitable);
	}
}
