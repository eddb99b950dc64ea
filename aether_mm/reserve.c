// SPDX-License-Identifier: GPL-2.0
/*
 * reserve.c - reserved ranges of the pool
 *
 * A reserved range is a run of pages inside one chunk that the allocator
 * must not hand out until it is released.  Each page of it has @resv set
 * and its chunk counts them in @nr_resv, both under zone->lock.
 *
 * A page of the range is in one of three places when the range is made:
 *  - on a buddy list: its free block is taken off and given back in
 *    pieces around it (aem_free_resv_block); the page itself becomes HELD;
 *  - on a per-CPU list: the lists of the zone are drained right after the
 *    marking, and the drain frees through aem_buddy_free(), which holds
 *    reserved pages back (pcp.c also checks when it pops a block);
 *  - allocated: it stays with its user; when freed, aem_buddy_free()
 *    holds it back.
 * Releasing the range clears @resv and frees the HELD pages; pages still
 * allocated simply go back to the lists when freed.
 *
 *   BUDDY/PCP/ALLOC --(reserve, or free while reserved)--> HELD
 *   HELD --(unreserve)--> BUDDY, merged
 *
 * A chunk with reserved pages is never free, so the shrinker leaves it.
 *
 * DOC: The RealTime reserve
 *
 * The other reserve of the pool is not a range but a count: the pages
 * below each zone's min watermark, which only AEM_ALLOC_HIGH allocations
 * (a RealTime group's faults, alloc.c) may take.  Its base is 1/128 of
 * the zone (pool.c); the policy backend adds what its RealTime groups
 * are owed (aether_qos: their min or low, whichever is larger) through
 * aem_pool_set_reserve().  Each zone then keeps its part of that figure,
 * in proportion to its pages against the pool's largest size (every
 * node at pool_max_mb), so that the parts add up to the figure when the
 * pool is full, which is when the reserve is needed, and a zone's part
 * never depends on when its neighbours grew; at most 1/8 of the zone
 * (AEM_RT_RESERVE_MAX_SHIFT), whatever the figure.  A larger min moves
 * low and high up with it: kreclaimd starts earlier and reclaims
 * further, so the reserve is refilled in the background before a burst
 * of RealTime faults empties it, and the other groups' faults reclaim
 * for themselves at the raised min instead of eating into it.
 *
 * Lock order: aem_resv_lock, then pcp->lock, then zone->lock (internal.h).
 * The RealTime reserve takes no lock of its own: each zone's watermarks
 * are derived again under its zone->lock from the figure read there.
 */
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include "internal.h"

static DEFINE_MUTEX(aem_resv_lock);

/* A zone's part of the RealTime reserve is at most 1/8 of it. */
#define AEM_RT_RESERVE_MAX_SHIFT	3

/* Pages the policy backend asked to keep for AEM_ALLOC_HIGH, pool-wide. */
static unsigned long aem_rt_reserve;

/**
 * aem_block_has_resv - does a block hold a page of a reserved range
 * @chunk: its chunk
 * @idx: first page of the block
 * @order: its order
 *
 * Exact under zone->lock; a hint under pcp->lock (see pcp.c).
 *
 * Return: true when it does.
 */
bool aem_block_has_resv(const struct aem_chunk *chunk, unsigned int idx,
			unsigned int order)
{
	unsigned int i;

	for (i = idx; i < idx + (1U << order); i++)
		if (READ_ONCE(chunk->frames[i].resv))
			return true;
	return false;
}

/**
 * aem_free_resv_block - free a block of a chunk that has reserved pages
 * @zone: zone of @chunk
 * @chunk: the chunk
 * @idx: first page of the block
 * @order: its order
 *
 * The block is halved until each half is either free of reserved pages,
 * and merges as usual, or a single reserved page, which becomes HELD.
 */
void aem_free_resv_block(struct aem_zone *zone, struct aem_chunk *chunk,
			 unsigned int idx, unsigned int order)
{
	lockdep_assert_held(&zone->lock);
	if (!aem_block_has_resv(chunk, idx, order)) {
		aem_buddy_merge(zone, chunk, idx, order);
		return;
	}
	if (!order) {
		WRITE_ONCE(chunk->frames[idx].state, AEM_FS_HELD);
		zone->held++;
		return;
	}
	aem_free_resv_block(zone, chunk, idx, order - 1);
	aem_free_resv_block(zone, chunk, idx + (1U << (order - 1)), order - 1);
}

/* Mark [idx, idx + nr) reserved and pull its free pages off the lists. */
static int aem_resv_mark(struct aem_zone *zone, struct aem_chunk *chunk,
			 unsigned int idx, unsigned int nr)
{
	unsigned int i;

	lockdep_assert_held(&zone->lock);
	if (chunk->dead)
		return -EINVAL;
	for (i = idx; i < idx + nr; i++)
		if (chunk->frames[i].resv)
			return -EBUSY;
	for (i = idx; i < idx + nr; i++)
		chunk->frames[i].resv = 1;
	chunk->nr_resv += nr;
	for (i = idx; i < idx + nr; i++) {
		struct aem_frame *f = aem_find_free_block(chunk, i);

		if (!f)
			continue;
		aem_del_free(zone, f);
		aem_free_resv_block(zone, chunk, aem_frame_idx(f), f->order);
	}
	return 0;
}

/**
 * aem_reserve_range - keep a range of pool pages from being handed out
 * @pfn: first page frame of the range
 * @nr_pages: its length; the range must lie in one chunk
 *
 * Return: 0; -EINVAL when the range is empty, not in the pool or crosses
 * a chunk; -EBUSY when it overlaps another reserved range.
 */
int aem_reserve_range(unsigned long pfn, unsigned long nr_pages)
{
	struct aem_zone *zone = NULL;
	struct aem_chunk *chunk;
	unsigned long flags;
	int ret = -EINVAL;

	if (!nr_pages || nr_pages > AEM_CHUNK_PAGES ||
	    pfn >> AEM_CHUNK_ORDER != (pfn + nr_pages - 1) >> AEM_CHUNK_ORDER)
		return -EINVAL;
	mutex_lock(&aem_resv_lock);
	rcu_read_lock();
	chunk = aem_chunk_lookup(pfn);
	if (chunk) {
		zone = chunk->zone;
		spin_lock_irqsave(&zone->lock, flags);
		ret = aem_resv_mark(zone, chunk, pfn - chunk->base_pfn,
				    nr_pages);
		spin_unlock_irqrestore(&zone->lock, flags);
		/* Marked: the chunk cannot go until the range is released. */
	}
	rcu_read_unlock();
	if (!ret)
		aem_pcp_drain_zone(zone);
	mutex_unlock(&aem_resv_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_reserve_range);

/**
 * aem_unreserve_range - release a range made by aem_reserve_range()
 * @pfn: first page frame, as given to aem_reserve_range()
 * @nr_pages: its length, as given
 */
void aem_unreserve_range(unsigned long pfn, unsigned long nr_pages)
{
	struct aem_chunk *chunk;
	struct aem_zone *zone;
	unsigned long flags, i;

	mutex_lock(&aem_resv_lock);
	chunk = aem_chunk_lookup(pfn);
	if (WARN_ON_ONCE(!chunk))
		goto out;
	zone = chunk->zone;
	spin_lock_irqsave(&zone->lock, flags);
	for (i = pfn - chunk->base_pfn; i < pfn - chunk->base_pfn + nr_pages;
	     i++) {
		struct aem_frame *f = &chunk->frames[i];

		if (WARN_ON_ONCE(!f->resv))
			continue;
		f->resv = 0;
		chunk->nr_resv--;
		if (READ_ONCE(f->state) == AEM_FS_HELD) {
			WRITE_ONCE(f->state, AEM_FS_TAIL);
			zone->held--;
			aem_buddy_free(zone, chunk, i, 0);
		}
	}
	spin_unlock_irqrestore(&zone->lock, flags);
out:
	mutex_unlock(&aem_resv_lock);
}
EXPORT_SYMBOL_GPL(aem_unreserve_range);

/* The pool's largest size in pages: every node at its max_chunks. */
static unsigned long aem_pool_max_pages(void)
{
	struct aem_node *node;
	unsigned long nr = 0;

	for_each_aem_node(node)
		nr += (unsigned long)node->max_chunks * AEM_CHUNK_PAGES;
	return nr;
}

/**
 * aem_rt_reserve_share - @zone's part of the RealTime reserve
 * @zone: a zone, whose lock is held (its @managed is stable)
 *
 * Return: pages to add to the zone's min watermark (DOC above).
 */
unsigned long aem_rt_reserve_share(const struct aem_zone *zone)
{
	unsigned long want = READ_ONCE(aem_rt_reserve), total;
	u64 share;

	lockdep_assert_held(&zone->lock);
	if (!want || !zone->managed)
		return 0;
	total = aem_pool_max_pages();
	if (!total)
		return 0;
	/* Beyond the pool, the whole zone (then its 1/8): no overflow. */
	share = want >= total ? zone->managed :
		div64_u64((u64)want * zone->managed, total);
	return min_t(u64, share, zone->managed >> AEM_RT_RESERVE_MAX_SHIFT);
}

/**
 * aem_pool_set_reserve - size the RealTime reserve beyond the pool's own
 * @nr_pages: pages to keep below the min watermarks for AEM_ALLOC_HIGH
 *	      allocations, pool-wide; 0 for the pool's own reserve only
 *
 * The policy backend's figure (aether_qos: what its RealTime groups are
 * owed), shared among the zones as the DOC above says.  Every zone's
 * watermarks are derived again at once; a node left below its new low
 * watermark is asked to grow or reclaim in the background.  A backend
 * that goes away sets 0.
 *
 * Context: any context that may take zone->lock; does not sleep.
 */
void aem_pool_set_reserve(unsigned long nr_pages)
{
	struct aem_node *node;
	unsigned long flags;
	unsigned int z;

	if (READ_ONCE(aem_rt_reserve) == nr_pages)
		return;
	WRITE_ONCE(aem_rt_reserve, nr_pages);
	aem_rstat_inc(AEM_R_RESERVE_RESIZES);
	for_each_aem_node(node) {
		for (z = 0; z < AEM_NR_ZONES; z++) {
			struct aem_zone *zone = &node->zones[z];

			spin_lock_irqsave(&zone->lock, flags);
			aem_zone_set_wmarks(zone);
			spin_unlock_irqrestore(&zone->lock, flags);
		}
		if (aem_node_below(node, AEM_WMARK_LOW))
			aem_node_kick_grow(node);
	}
}
EXPORT_SYMBOL_GPL(aem_pool_set_reserve);
