// SPDX-License-Identifier: GPL-2.0
/*
 * buddy.c - the buddy free lists of one pool zone
 *
 * DOC: Life of a frame
 *
 * A chunk enters its zone as one free block of AEM_CHUNK_ORDER.  Every
 * free block sits on the list of its order and migrate type, named by its
 * first frame (state BUDDY, @order set); the other frames of the block are
 * TAIL.  An allocation takes the smallest block that fits and splits it,
 * the halves it does not need going back to the lists one order lower
 * (aem_expand, as mm/page_alloc.c expand()).  A freed block merges with its
 * buddy (the block at idx ^ (1 << order)) for as long as the buddy is a
 * free block of the same order; the merged block is named by the lower of
 * the two.  Chunks are aligned to their own size, so a buddy never lies
 * outside its chunk and merging stops at the chunk.
 *
 *   TAIL --(chunk added)--> BUDDY --(aem_rmqueue)--> ALLOC (or PCP first)
 *   ALLOC --(aem_buddy_free)--> BUDDY, merged with its buddies
 *   BUDDY/ALLOC in a reserved range --(reserve.c)--> HELD, one page each
 *
 * Blocks merge across pageblocks of different migrate types, as Linux's
 * do for the three types here; whole free pageblocks so merged take the
 * type of the first.
 *
 * Migrate types group pages by how they may move later, per pageblock
 * (AEM_PB_ORDER pages).  When a type has nothing left, the largest free
 * block of a fallback type is taken; if it is big enough (half a pageblock
 * or more, or the taker is unmovable or reclaimable) its whole pageblock
 * changes type with all its free pages, as mm/page_alloc.c steal_suitable
 * fallback does, so types stay clustered instead of interleaving.
 *
 * DOC: Lock order of the pool (an excerpt: internal.h has the whole module)
 *
 *  1. node->resize_lock	(mutex) growth and shrink of one node
 *  2. aem_resv_lock		(mutex, reserve.c) the reservations
 *  3. pcp->lock		(spinlock, irqs off) one CPU's lists of a zone
 *  4. zone->lock		(spinlock, irqs off) buddy lists, zone counters,
 *				chunk list, pageblock types, frame @resv
 *  5. aem_pool.chunks xa_lock	(taken by the xarray API) pfn -> chunk
 *
 * Everything in this file runs under zone->lock.
 */
#include <linux/list.h>
#include <linux/lockdep.h>
#include "internal.h"

static const char * const aem_mt_names[AEM_NR_MT] = {
	[AETHER_MM_MT_UNMOVABLE] = "Unmovable",
	[AETHER_MM_MT_MOVABLE] = "Movable",
	[AETHER_MM_MT_RECLAIMABLE] = "Reclaimable",
};

static const char * const aem_zone_names[AEM_NR_ZONES] = {
	[AETHER_MM_ZONE_DMA] = "DMA",
	[AETHER_MM_ZONE_DMA32] = "DMA32",
	[AETHER_MM_ZONE_NORMAL] = "Normal",
};

/* Where each migrate type looks when its own lists are empty. */
static const u8 aem_fallbacks[AEM_NR_MT][AEM_NR_MT - 1] = {
	[AETHER_MM_MT_UNMOVABLE] = { AETHER_MM_MT_RECLAIMABLE,
				     AETHER_MM_MT_MOVABLE },
	[AETHER_MM_MT_MOVABLE] = { AETHER_MM_MT_RECLAIMABLE,
				   AETHER_MM_MT_UNMOVABLE },
	[AETHER_MM_MT_RECLAIMABLE] = { AETHER_MM_MT_UNMOVABLE,
				       AETHER_MM_MT_MOVABLE },
};

const char *aem_mt_name(unsigned int mt)
{
	return mt < AEM_NR_MT ? aem_mt_names[mt] : "?";
}

const char *aem_zone_name(unsigned int zone)
{
	return zone < AEM_NR_ZONES ? aem_zone_names[zone] : "?";
}

void aem_zone_init(struct aem_zone *zone, struct aem_node *node,
		   unsigned int idx)
{
	unsigned int o, mt;

	spin_lock_init(&zone->lock);
	for (o = 0; o < AEM_NR_ORDERS; o++)
		for (mt = 0; mt < AEM_NR_MT; mt++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	INIT_LIST_HEAD(&zone->chunks);
	zone->node = node;
	zone->idx = idx;
	atomic_long_set(&zone->alloc_fail, 0);
}

static void aem_add_free(struct aem_zone *zone, struct aem_frame *f,
			 unsigned int order, unsigned int mt)
{
	struct aem_free_area *area = &zone->free_area[order];

	WRITE_ONCE(f->state, AEM_FS_BUDDY);
	f->order = order;
	f->mt = mt;
	list_add(&f->list, &area->free_list[mt]);
	area->nr_free++;
	area->nr_free_mt[mt]++;
	zone->free += 1UL << order;
}

/**
 * aem_del_free - take a free block off its buddy list
 * @zone: its zone
 * @f: head frame of the block (state BUDDY)
 *
 * The frame is left TAIL; the caller gives it its next state.
 */
void aem_del_free(struct aem_zone *zone, struct aem_frame *f)
{
	struct aem_free_area *area = &zone->free_area[f->order];

	lockdep_assert_held(&zone->lock);
	list_del(&f->list);
	area->nr_free--;
	area->nr_free_mt[f->mt]--;
	zone->free -= 1UL << f->order;
	WRITE_ONCE(f->state, AEM_FS_TAIL);
}

static unsigned int aem_pb_mt(const struct aem_chunk *chunk, unsigned int idx)
{
	return chunk->pb_mt[aem_pb_idx(idx)];
}

/**
 * aem_buddy_merge - put a block on the buddy lists, merging it
 * @zone: zone of @chunk
 * @chunk: chunk holding the block
 * @idx: index of the block's first frame in the chunk
 * @order: order of the block
 *
 * The block must hold no page of a reserved range.  It goes on the list
 * of its pageblock's migrate type.
 */
void aem_buddy_merge(struct aem_zone *zone, struct aem_chunk *chunk,
		     unsigned int idx, unsigned int order)
{
	unsigned int mt, pb;

	lockdep_assert_held(&zone->lock);
	while (order < AEM_CHUNK_ORDER) {
		unsigned int buddy_idx = idx ^ (1U << order);
		struct aem_frame *buddy = &chunk->frames[buddy_idx];

		if (READ_ONCE(buddy->state) != AEM_FS_BUDDY ||
		    buddy->order != order)
			break;
		aem_del_free(zone, buddy);
		idx &= buddy_idx;
		order++;
		aem_count(AEM_C_MERGE);
	}
	/*
	 * Whole free pageblocks merged across types take the type of the
	 * first one, so a free block's list always matches its pageblocks.
	 */
	mt = aem_pb_mt(chunk, idx);
	for (pb = aem_pb_idx(idx) + 1; order > AEM_PB_ORDER &&
	     pb < aem_pb_idx(idx) + (1U << (order - AEM_PB_ORDER)); pb++)
		chunk->pb_mt[pb] = mt;
	aem_add_free(zone, &chunk->frames[idx], order, mt);
}

/**
 * aem_buddy_free - give a freed block back to the buddy lists
 * @zone: zone of @chunk
 * @chunk: chunk holding the block
 * @idx: index of the block's first frame in the chunk
 * @order: order of the block
 *
 * Pages of the block that lie in a reserved range stay out, held by their
 * reservation; the rest merge.
 */
void aem_buddy_free(struct aem_zone *zone, struct aem_chunk *chunk,
		    unsigned int idx, unsigned int order)
{
	if (unlikely(chunk->nr_resv))
		aem_free_resv_block(zone, chunk, idx, order);
	else
		aem_buddy_merge(zone, chunk, idx, order);
}

/*
 * Split @f of order @high down to @low, putting the upper halves back on
 * the lists of @mt, as mm/page_alloc.c expand() does.
 */
static void aem_expand(struct aem_zone *zone, struct aem_frame *f,
		       unsigned int low, unsigned int high, unsigned int mt)
{
	while (high > low) {
		high--;
		aem_add_free(zone, f + (1U << high), high, mt);
		aem_count(AEM_C_SPLIT);
	}
}

static struct aem_frame *aem_rmqueue_smallest(struct aem_zone *zone,
					      unsigned int order,
					      unsigned int mt)
{
	unsigned int o;

	for (o = order; o < AEM_NR_ORDERS; o++) {
		struct list_head *list = &zone->free_area[o].free_list[mt];
		struct aem_frame *f;

		f = list_first_entry_or_null(list, struct aem_frame, list);
		if (!f)
			continue;
		aem_del_free(zone, f);
		aem_expand(zone, f, order, o, mt);
		return f;
	}
	return NULL;
}

/*
 * Move every free block of the pageblock holding @idx to the lists of @mt
 * and make @mt the pageblock's type (mm/page_alloc.c move_freepages_block).
 */
static void aem_claim_pageblock(struct aem_zone *zone, struct aem_chunk *chunk,
				unsigned int idx, unsigned int mt)
{
	unsigned int start = idx & ~((1U << AEM_PB_ORDER) - 1);
	unsigned int end = start + (1U << AEM_PB_ORDER);
	unsigned int i = start;

	while (i < end) {
		struct aem_frame *f = &chunk->frames[i];

		if (READ_ONCE(f->state) == AEM_FS_BUDDY && f->mt != mt) {
			struct aem_free_area *area = &zone->free_area[f->order];

			list_move(&f->list, &area->free_list[mt]);
			area->nr_free_mt[f->mt]--;
			area->nr_free_mt[mt]++;
			f->mt = mt;
		}
		if (READ_ONCE(f->state) == AEM_FS_BUDDY)
			i += 1U << f->order;
		else
			i++;
	}
	chunk->pb_mt[aem_pb_idx(start)] = mt;
	aem_count(AEM_C_MT_STEAL);
}

static bool aem_can_claim(unsigned int order, unsigned int start_mt)
{
	return order >= AEM_PB_ORDER / 2 ||
	       start_mt != AETHER_MM_MT_MOVABLE;
}

/*
 * Take the largest free block of a fallback type, claiming its pageblock
 * for @mt when that is worth it, and split it down to @order.
 */
static struct aem_frame *aem_rmqueue_fallback(struct aem_zone *zone,
					      unsigned int order,
					      unsigned int mt)
{
	int o;
	unsigned int i;

	for (o = AEM_MAX_ORDER; o >= (int)order; o--) {
		struct aem_free_area *area = &zone->free_area[o];

		for (i = 0; i < AEM_NR_MT - 1; i++) {
			unsigned int fmt = aem_fallbacks[mt][i];
			struct aem_frame *f;
			struct aem_chunk *chunk;
			unsigned int idx, pb;

			f = list_first_entry_or_null(&area->free_list[fmt],
						     struct aem_frame, list);
			if (!f)
				continue;
			chunk = f->chunk;
			idx = aem_frame_idx(f);
			aem_count(AEM_C_MT_FALLBACK);
			if (o >= AEM_PB_ORDER) {
				/* Whole pageblocks: they all change type. */
				for (pb = aem_pb_idx(idx);
				     pb < aem_pb_idx(idx + (1U << o) - 1) + 1; pb++)
					chunk->pb_mt[pb] = mt;
				aem_count(AEM_C_MT_STEAL);
			} else if (aem_can_claim(o, mt)) {
				aem_claim_pageblock(zone, chunk, idx, mt);
			}
			aem_del_free(zone, f);
			/* The remainder goes to the type now owning it. */
			aem_expand(zone, f, order, o, aem_pb_mt(chunk, idx));
			return f;
		}
	}
	return NULL;
}

/**
 * aem_rmqueue - take a free block of @order from the buddy lists of @zone
 * @zone: the zone
 * @order: order wanted
 * @mt: migrate type wanted; other types are used when it has nothing
 *
 * Return: the head frame, state TAIL and @mt recorded, or NULL.  The
 * caller checked the watermark.
 */
struct aem_frame *aem_rmqueue(struct aem_zone *zone, unsigned int order,
			      unsigned int mt)
{
	struct aem_frame *f;

	lockdep_assert_held(&zone->lock);
	f = aem_rmqueue_smallest(zone, order, mt);
	if (!f)
		f = aem_rmqueue_fallback(zone, order, mt);
	if (f) {
		f->order = order;
		f->mt = mt;
	}
	return f;
}

/**
 * aem_buddy_add_chunk - put a new chunk's pages on the free lists
 * @zone: zone the chunk belongs to
 * @chunk: the chunk, every frame TAIL
 */
void aem_buddy_add_chunk(struct aem_zone *zone, struct aem_chunk *chunk)
{
	unsigned int pb;

	lockdep_assert_held(&zone->lock);
	for (pb = 0; pb < AEM_PB_PER_CHUNK; pb++)
		chunk->pb_mt[pb] = AETHER_MM_MT_MOVABLE;
	list_add_tail(&chunk->link, &zone->chunks);
	zone->nr_chunks++;
	zone->managed += AEM_CHUNK_PAGES;
	aem_add_free(zone, &chunk->frames[0], AEM_CHUNK_ORDER,
		     AETHER_MM_MT_MOVABLE);
	aem_zone_set_wmarks(zone);
}

/**
 * aem_chunk_is_free - is the whole chunk one free block
 * @chunk: the chunk
 *
 * Return: true when no page of the chunk is allocated, on a per-CPU list
 * or held by a reservation.
 */
bool aem_chunk_is_free(const struct aem_chunk *chunk)
{
	const struct aem_frame *f = &chunk->frames[0];

	lockdep_assert_held(&chunk->zone->lock);
	return READ_ONCE(f->state) == AEM_FS_BUDDY &&
	       f->order == AEM_CHUNK_ORDER && !chunk->nr_resv;
}

/**
 * aem_buddy_take_chunk - take a free chunk out of its zone for good
 * @zone: its zone
 * @chunk: a chunk for which aem_chunk_is_free() holds
 */
void aem_buddy_take_chunk(struct aem_zone *zone, struct aem_chunk *chunk)
{
	lockdep_assert_held(&zone->lock);
	aem_del_free(zone, &chunk->frames[0]);
	list_del(&chunk->link);
	zone->nr_chunks--;
	zone->managed -= AEM_CHUNK_PAGES;
	chunk->dead = true;
	aem_zone_set_wmarks(zone);
}

/**
 * aem_find_free_block - the free buddy block holding a page, if any
 * @chunk: chunk of the page
 * @idx: index of the page in the chunk
 *
 * Return: the head frame of the free block containing @idx, or NULL.
 */
struct aem_frame *aem_find_free_block(struct aem_chunk *chunk,
				      unsigned int idx)
{
	unsigned int o;

	lockdep_assert_held(&chunk->zone->lock);
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		unsigned int head = idx & ~((1U << o) - 1);
		struct aem_frame *f = &chunk->frames[head];

		if (READ_ONCE(f->state) == AEM_FS_BUDDY && f->order >= o &&
		    head + (1U << f->order) > idx)
			return f;
	}
	return NULL;
}
