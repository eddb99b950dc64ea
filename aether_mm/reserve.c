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
 * Lock order: aem_resv_lock, then pcp->lock, then zone->lock (internal.h).
 */
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include "internal.h"

static DEFINE_MUTEX(aem_resv_lock);

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
