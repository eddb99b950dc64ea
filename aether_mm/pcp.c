// SPDX-License-Identifier: GPL-2.0
/*
 * pcp.c - per-CPU lists of free blocks, one set per zone
 *
 * Blocks of order 0..AEM_PCP_MAX_ORDER are served from and freed to a list
 * of the running CPU, so the common allocation touches no shared line but
 * its own lock.  An empty list is refilled with a batch from the buddy
 * lists under one zone->lock; a list holding @high pages gives a batch
 * back.  Lists are LIFO: the block freed last, still hot in the cache, is
 * handed out first.
 *
 * Each CPU's lists have their own spinlock rather than a local_lock, as
 * mm/page_alloc.c does since 6.2: another CPU can then drain them directly
 * (reservations, shrinking, unload) without an IPI.  The lock is taken with
 * interrupts off, so the lists are usable from any context.  Finding the
 * CPU's lists and locking them happen with interrupts already off, so the
 * task cannot migrate between the two.
 *
 * A block holding a reserved page never enters a list: it goes straight
 * to the buddy lists, where reserve.c holds the reserved pages back.
 * reserve.c marks a range under zone->lock, then drains every list of the
 * zone; the free path and the pop check the marks under pcp->lock, so a
 * reserved page can be handed out from a list only before the reservation
 * returns, never after.
 *
 * Lock order: pcp->lock, then zone->lock (see internal.h).
 */
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include "internal.h"

static unsigned int aem_pcp_batch_pages(const struct aem_pcp *pcp,
					unsigned int order)
{
	return max(1, pcp->batch >> order);
}

int aem_pcp_init(struct aem_zone *zone)
{
	unsigned int cpu, mt, o;

	zone->pcp = alloc_percpu(struct aem_pcp);
	if (!zone->pcp)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct aem_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		spin_lock_init(&pcp->lock);
		pcp->batch = aem_pcp_batch;
		pcp->high = aem_pcp_high;
		for (mt = 0; mt < AEM_NR_MT; mt++)
			for (o = 0; o < AEM_NR_PCP_ORDERS; o++)
				INIT_LIST_HEAD(&pcp->lists[mt][o]);
	}
	return 0;
}

void aem_pcp_exit(struct aem_zone *zone)
{
	free_percpu(zone->pcp);
	zone->pcp = NULL;
}

/*
 * Move up to a batch of blocks from the buddy lists to @pcp.  Below @wmark
 * (free pages after the refill) nothing moves.
 */
static unsigned int aem_pcp_refill(struct aem_zone *zone, struct aem_pcp *pcp,
				   unsigned int order, unsigned int mt,
				   unsigned long wmark)
{
	struct list_head *list = &pcp->lists[mt][order];
	unsigned int n = aem_pcp_batch_pages(pcp, order), got = 0;

	lockdep_assert_held(&pcp->lock);
	spin_lock(&zone->lock);
	while (got < n) {
		struct aem_frame *f;

		if (zone->free < wmark + (1UL << order))
			break;
		f = aem_rmqueue(zone, order, mt);
		if (!f)
			break;
		WRITE_ONCE(f->state, AEM_FS_PCP);
		list_add_tail(&f->list, list);
		got++;
	}
	spin_unlock(&zone->lock);
	pcp->count += got << order;
	if (got)
		aem_count(AEM_C_PCP_REFILL);
	return got;
}

/*
 * Give @nr pages' worth of blocks back to the buddy lists, coldest first,
 * round robin over the lists as mm/page_alloc.c free_pcppages_bulk().
 */
static void aem_pcp_free_bulk(struct aem_zone *zone, struct aem_pcp *pcp,
			      int nr)
{
	unsigned int mt = 0, o = 0, empty = 0;

	lockdep_assert_held(&pcp->lock);
	spin_lock(&zone->lock);
	while (nr > 0 && pcp->count > 0 &&
	       empty < AEM_NR_MT * AEM_NR_PCP_ORDERS) {
		struct list_head *list = &pcp->lists[mt][o];
		struct aem_frame *f;

		if (!list_empty(list)) {
			f = list_last_entry(list, struct aem_frame, list);
			list_del(&f->list);
			WRITE_ONCE(f->state, AEM_FS_TAIL);
			pcp->count -= 1U << o;
			nr -= 1U << o;
			aem_buddy_free(zone, f->chunk, aem_frame_idx(f), o);
			empty = 0;
		} else {
			empty++;
		}
		if (++o == AEM_NR_PCP_ORDERS) {
			o = 0;
			mt = (mt + 1) % AEM_NR_MT;
		}
	}
	spin_unlock(&zone->lock);
	aem_count(AEM_C_PCP_DRAIN);
}

/* Does the block of @f hold a reserved page?  Cheap when its chunk has none. */
static bool aem_pcp_block_resv(const struct aem_frame *f, unsigned int order)
{
	const struct aem_chunk *chunk = f->chunk;

	return unlikely(READ_ONCE(chunk->nr_resv)) &&
	       aem_block_has_resv(chunk, aem_frame_idx(f), order);
}

/*
 * Pop the hottest block of @list, or NULL.  A block whose chunk gained a
 * reserved range since it was listed goes to the buddy lists instead
 * (where its reserved pages are held back); the reservation drains every
 * list right after, so this only closes the window before that drain.
 */
static struct aem_frame *aem_pcp_pop(struct aem_zone *zone,
				     struct aem_pcp *pcp,
				     struct list_head *list, unsigned int order)
{
	struct aem_frame *f;

	lockdep_assert_held(&pcp->lock);
	while ((f = list_first_entry_or_null(list, struct aem_frame, list))) {
		list_del(&f->list);
		WRITE_ONCE(f->state, AEM_FS_TAIL);
		pcp->count -= 1U << order;
		if (likely(!aem_pcp_block_resv(f, order)))
			return f;
		spin_lock(&zone->lock);
		aem_buddy_free(zone, f->chunk, aem_frame_idx(f), order);
		spin_unlock(&zone->lock);
	}
	return NULL;
}

/**
 * aem_pcp_alloc - take a block from this CPU's list of @zone
 * @zone: the zone
 * @order: order, at most AEM_PCP_MAX_ORDER
 * @mt: migrate type
 * @wmark: watermark a refill from the buddy lists must respect
 *
 * Return: the head frame, state TAIL, or NULL when the list is empty and
 * the buddy lists cannot refill it.
 */
struct aem_frame *aem_pcp_alloc(struct aem_zone *zone, unsigned int order,
				unsigned int mt, unsigned long wmark)
{
	struct list_head *list;
	struct aem_frame *f;
	struct aem_pcp *pcp;
	unsigned long flags;

	local_irq_save(flags);
	pcp = this_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	list = &pcp->lists[mt][order];
	f = aem_pcp_pop(zone, pcp, list, order);
	if (!f && aem_pcp_refill(zone, pcp, order, mt, wmark))
		f = aem_pcp_pop(zone, pcp, list, order);
	if (f)
		aem_count(AEM_C_PCP_HIT);
	spin_unlock(&pcp->lock);
	local_irq_restore(flags);
	return f;
}

/**
 * aem_pcp_alloc_bulk - take up to @nr blocks from this CPU's list
 * @zone: the zone
 * @order: order, at most AEM_PCP_MAX_ORDER
 * @mt: migrate type
 * @wmark: watermark refills must respect
 * @nr: blocks wanted
 * @frames: receives the head frames
 *
 * Return: the number of blocks taken, under one lock.
 */
unsigned int aem_pcp_alloc_bulk(struct aem_zone *zone, unsigned int order,
				unsigned int mt, unsigned long wmark,
				unsigned int nr, struct aem_frame **frames)
{
	struct list_head *list;
	struct aem_pcp *pcp;
	unsigned long flags;
	unsigned int got = 0;

	local_irq_save(flags);
	pcp = this_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	list = &pcp->lists[mt][order];
	while (got < nr) {
		struct aem_frame *f = aem_pcp_pop(zone, pcp, list, order);

		if (!f) {
			if (!aem_pcp_refill(zone, pcp, order, mt, wmark))
				break;
			continue;
		}
		frames[got++] = f;
	}
	aem_count_add(AEM_C_PCP_HIT, got);
	spin_unlock(&pcp->lock);
	local_irq_restore(flags);
	return got;
}

/* Put a freed block on @pcp, or on the buddy lists if it holds reserved pages. */
static void aem_pcp_push(struct aem_zone *zone, struct aem_pcp *pcp,
			 struct aem_frame *f, unsigned int order)
{
	lockdep_assert_held(&pcp->lock);
	if (unlikely(aem_pcp_block_resv(f, order))) {
		spin_lock(&zone->lock);
		aem_buddy_free(zone, f->chunk, aem_frame_idx(f), order);
		spin_unlock(&zone->lock);
		return;
	}
	f->order = order;
	WRITE_ONCE(f->state, AEM_FS_PCP);
	list_add(&f->list, &pcp->lists[f->mt][order]);
	pcp->count += 1U << order;
	if (pcp->count >= pcp->high)
		aem_pcp_free_bulk(zone, pcp, pcp->batch);
}

/**
 * aem_pcp_free - free blocks to this CPU's list of their zone
 * @zone: zone of every block
 * @frames: head frames, order at most AEM_PCP_MAX_ORDER, state TAIL
 * @nr: how many, all under one lock
 * @order: their order
 */
void aem_pcp_free(struct aem_zone *zone, struct aem_frame **frames,
		  unsigned int nr, unsigned int order)
{
	struct aem_pcp *pcp;
	unsigned long flags;
	unsigned int i;

	local_irq_save(flags);
	pcp = this_cpu_ptr(zone->pcp);
	spin_lock(&pcp->lock);
	for (i = 0; i < nr; i++)
		aem_pcp_push(zone, pcp, frames[i], order);
	spin_unlock(&pcp->lock);
	local_irq_restore(flags);
}

/**
 * aem_pcp_drain_zone - give every CPU's list of @zone back to the buddy
 * @zone: the zone
 */
void aem_pcp_drain_zone(struct aem_zone *zone)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct aem_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
		unsigned long flags;

		spin_lock_irqsave(&pcp->lock, flags);
		if (pcp->count)
			aem_pcp_free_bulk(zone, pcp, pcp->count);
		spin_unlock_irqrestore(&pcp->lock, flags);
	}
}

/**
 * aem_pcp_count - pages on the per-CPU lists of @zone, all CPUs
 * @zone: the zone
 *
 * Return: a snapshot; the lists move while it is taken.
 */
unsigned long aem_pcp_count(struct aem_zone *zone)
{
	unsigned long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
	return sum;
}

/**
 * aem_zone_alloc_ok - blocks allocated from @zone since load, all CPUs
 * @zone: the zone
 *
 * Return: the sum of the per-CPU counts.
 */
unsigned long aem_zone_alloc_ok(struct aem_zone *zone)
{
	unsigned long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->alloc_ok);
	return sum;
}
