// SPDX-License-Identifier: GPL-2.0
/*
 * compact.c - free high-order blocks made again by moving movable pages
 *
 * DOC: Overview
 *
 * The pool's movable pages are the order-0 pages of owners that gave
 * compaction a way to move them (struct aem_movable_ops, one per enum
 * aem_owner, as zsmalloc gives Linux its movable_operations): the frames
 * of regions (nothing but a region's layer and page table entries point
 * at one, and region/migrate.c replaces it by a copy under its slot
 * lock), and a store backend's pool pages (the loopback store's copies,
 * aether_zram's zspages).  Compaction allocates the destination, the
 * owner's @move copies into it and repoints its references under its own
 * lock, and compaction frees the source.  Every other allocation (slab
 * pages, blocks held through /dev/aether_mm) stays where it is.
 *
 * A compaction of a zone, like mm/compaction.c but without its two
 * scanners racing towards each other:
 *
 *  1. survey every pageblock (AEM_PB_ORDER, 2 MiB) under zone->lock:
 *     free pages and allocated pages; a pageblock with one page that is
 *     not an order-0 page of a movable owner, or with a page of a reserved
 *     range, is left alone, and so are wholly free and wholly used ones;
 *  2. choose the candidates with the fewest frames to move, as many as
 *     the free pages of the zone above its low watermark can take in
 *     (each candidate takes a whole pageblock: its free pages are set
 *     aside and its frames need as many free pages elsewhere);
 *  3. isolate each candidate as a reserved range (reserve.c): its free
 *     pages are HELD, a page freed in it later is HELD too, and the
 *     allocator hands out none of them, so nothing lands in a pageblock
 *     being emptied and no frame is moved twice;
 *  4. move each allocated page of the candidate to a free page of the
 *     same node (never growing the pool), through its owner's @move;
 *  5. release the ranges: the HELD pages go back to the buddy lists and
 *     merge, up to the pageblock order and beyond.
 *
 * Reading a frame's reverse map: after step 3 a frame of a candidate is
 * either HELD or allocated, and an allocated one that is freed becomes
 * HELD without touching its list (so its @rmap) again.  ALLOC is stored
 * with release semantics after @rmap.layer was cleared (aem_frame_prep()),
 * so a frame seen ALLOC has a NULL map or one the region code wrote.
 *
 * In the background a delayed work looks at each zone every
 * compact_interval_ms and compacts those whose unusable free space index
 * at the pageblock order (frag.c, x1000; Linux's fragmentation score)
 * is above compact_threshold, a few pageblocks per pass.  A pass that
 * frees no pageblock defers the zone for 2, 4, ... 64 passes, as
 * defer_compaction() does.
 *
 * The table of movable owners changes under aem_compact_lock, which every
 * compaction holds from its survey to its last move: an owner that has
 * unregistered is called no more.
 *
 * Lock order (an excerpt of internal.h's): aem_compact_lock (one
 * compaction at a time) around the whole pass.  Under it, one after the
 * other and never nested: aem_resv_lock, inside aem_reserve_range() and
 * aem_unreserve_range() only (steps 3 and 5: each takes and drops it),
 * and an owner's lock inside its @move for each page moved in step 4 (a
 * region's slot lock, in aem_region_move_frame(); the loopback store's
 * lock), which takes the pool's locks to allocate and free.  No page
 * moves under aem_resv_lock.
 * zone->lock is taken alone, for the survey and the release.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include "internal.h"
#include "trace.h"

#define AEM_PB_PAGES		BIT(AEM_PB_ORDER)
#define AEM_COMPACT_BG_BLOCKS	8	/* pageblocks per background pass */
#define AEM_COMPACT_DEFER_MAX	6	/* defer up to 64 passes */

/**
 * struct aem_compact_control - one compaction
 * @max_blocks:	candidates per zone at most
 * @order:	order of the free blocks to count
 * @background:	the background work's (the aem_compact event says so)
 * @c:		what it did, as AETHER_MM_IOC_COMPACT reports it
 */
struct aem_compact_control {
	unsigned int max_blocks;
	unsigned int order;
	bool background;
	struct aether_mm_compact c;
};

/* A pageblock worth emptying. */
struct aem_pb_cand {
	unsigned long pfn;
	unsigned int used;
};

static DEFINE_MUTEX(aem_compact_lock);
static const struct aem_movable_ops *aem_movable[AEM_NR_OWNERS];
static struct delayed_work aem_compact_work;
static bool aem_compact_live;

static unsigned int aem_compact_interval_ms = 1000;
static unsigned int aem_compact_threshold = 500;

/* Totals since load, on request and in the background. */
static atomic_long_t aem_compact_runs, aem_compact_bg_runs;
static atomic_long_t aem_compact_scanned, aem_compact_isolated;
static atomic_long_t aem_compact_migrated, aem_compact_busy;
static atomic_long_t aem_compact_failed, aem_compact_freed;
static atomic_long_t aem_compact_deferred;

/* Free blocks of @order or larger, counted in @order units. */
static u64 aem_zone_free_at(struct aem_zone *zone, unsigned int order)
{
	struct aem_frag_info info;
	unsigned int o;
	u64 n = 0;

	aem_zone_frag(zone, &info);
	for (o = order; o < AEM_NR_ORDERS; o++)
		n += (u64)info.free_blocks[o] << (o - order);
	return n;
}

/* Can compaction move the order-0 pages of @owner? */
static bool aem_owner_movable(unsigned int owner)
{
	lockdep_assert_held(&aem_compact_lock);
	return owner < AEM_NR_OWNERS && aem_movable[owner];
}

/**
 * aem_register_movable - let compaction move the pages of @owner
 * @owner: an enum aem_owner, other than AEM_OWNER_NONE
 * @ops: its move callback; kept until aem_unregister_movable()
 *
 * From now on an order-0 page allocated with AEM_OWNER(@owner) and
 * AEM_MT(AETHER_MM_MT_MOVABLE) no longer pins its pageblock: compaction
 * calls @ops->move to empty it.
 * Context: process context, may sleep (waits for a compaction running).
 *
 * Return: 0; -EINVAL for a bad @owner; -EBUSY when it has ops already.
 */
int aem_register_movable(unsigned int owner,
			 const struct aem_movable_ops *ops)
{
	int err = 0;

	if (owner == AEM_OWNER_NONE || owner >= AEM_NR_OWNERS || !ops->move)
		return -EINVAL;
	mutex_lock(&aem_compact_lock);
	if (aem_movable[owner])
		err = -EBUSY;
	else
		aem_movable[owner] = ops;
	mutex_unlock(&aem_compact_lock);
	return err;
}
EXPORT_SYMBOL_GPL(aem_register_movable);

/**
 * aem_unregister_movable - compaction moves the pages of @owner no more
 * @owner: as registered
 * @ops: as registered
 *
 * Returns once no compaction is running, so no @ops->move is in flight
 * or to come: the owner may then free what @move uses.
 * Context: process context, may sleep; not under a lock that @move takes.
 */
void aem_unregister_movable(unsigned int owner,
			    const struct aem_movable_ops *ops)
{
	if (owner >= AEM_NR_OWNERS)
		return;
	mutex_lock(&aem_compact_lock);
	if (!WARN_ON_ONCE(aem_movable[owner] != ops))
		aem_movable[owner] = NULL;
	mutex_unlock(&aem_compact_lock);
}
EXPORT_SYMBOL_GPL(aem_unregister_movable);

/*
 * Move the allocated page @f, of a pageblock being emptied, to a free page
 * of node @nid through its owner.  Return: 0, or a negative errno
 * (-ENOENT: not movable or no longer allocated; -ENOMEM: no room).
 */
static int aem_compact_move(struct aem_frame *f, int nid)
{
	unsigned int owner = READ_ONCE(f->owner);
	const struct aem_movable_ops *ops;
	struct aem_frame *dst;
	int err;

	if (READ_ONCE(f->order) || !aem_owner_movable(owner))
		return -ENOENT;
	ops = aem_movable[owner];
	dst = aem_alloc_pages(nid, 0, AEM_ALLOC_NOGROW | AEM_ALLOC_THISNODE |
			      AEM_MT(AETHER_MM_MT_MOVABLE) |
			      AEM_OWNER(owner));
	if (!dst)
		return -ENOMEM;
	err = ops->move(f, dst);
	if (err) {
		aem_free_pages(dst, 0);
		return err;
	}
	aem_free_pages(f, 0);
	return 0;
}

/*
 * Survey pageblock @pb of @chunk: the frames to move from it, or -1 when
 * it is not a candidate.  A hint under zone->lock (per-CPU lists change
 * under their own locks); the evacuation checks again.
 */
static int aem_pb_survey(struct aem_chunk *chunk, unsigned int pb)
{
	unsigned int start = pb << AEM_PB_ORDER, end = start + AEM_PB_PAGES;
	unsigned int i = start, used = 0;

	lockdep_assert_held(&chunk->zone->lock);
	if (READ_ONCE(chunk->frames[start].state) == AEM_FS_TAIL)
		return -1;	/* inside a larger block: free, or not ours */
	while (i < end) {
		struct aem_frame *f = &chunk->frames[i];
		unsigned int order = READ_ONCE(f->order);

		if (f->resv)
			return -1;
		switch (READ_ONCE(f->state)) {
		case AEM_FS_BUDDY:
		case AEM_FS_PCP:
			break;
		case AEM_FS_ALLOC:
			if (order || !aem_owner_movable(f->owner))
				return -1;
			used++;
			break;
		default:
			return -1;
		}
		i += 1U << min(order, AEM_PB_ORDER);
	}
	return used && used < AEM_PB_PAGES ? used : -1;
}

static int aem_pb_cand_cmp(const void *a, const void *b)
{
	const struct aem_pb_cand *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/*
 * Steps 1 and 2: fill @cand (room for @max) with the pageblocks of @zone
 * to empty, fewest frames first.
 */
static unsigned int aem_compact_choose(struct aem_zone *zone,
				       struct aem_pb_cand *cand,
				       unsigned int max,
				       struct aem_compact_control *cc)
{
	unsigned long flags, room;
	struct aem_chunk *chunk;
	unsigned int n = 0, pb, fit;
	int used;

	spin_lock_irqsave(&zone->lock, flags);
	room = zone->free > zone->wmark[AEM_WMARK_LOW] ?
	       zone->free - zone->wmark[AEM_WMARK_LOW] : 0;
	list_for_each_entry(chunk, &zone->chunks, link) {
		if (chunk->dead)
			continue;
		for (pb = 0; pb < AEM_PB_PER_CHUNK; pb++) {
			cc->c.scanned++;
			used = aem_pb_survey(chunk, pb);
			if (used < 0)
				continue;
			if (n == max) {
				/* Full: keep the fewest. */
				sort(cand, n, sizeof(*cand), aem_pb_cand_cmp,
				     NULL);
				if (used >= cand[n - 1].used)
					continue;
				n--;
			}
			cand[n].pfn = chunk->base_pfn +
				      ((unsigned long)pb << AEM_PB_ORDER);
			cand[n].used = used;
			n++;
		}
	}
	spin_unlock_irqrestore(&zone->lock, flags);

	sort(cand, n, sizeof(*cand), aem_pb_cand_cmp, NULL);
	/* Each candidate sets a whole pageblock aside. */
	fit = min_t(unsigned long, room / AEM_PB_PAGES, cc->max_blocks);
	return min(n, fit);
}

/* Step 4 for an isolated pageblock of node @nid. */
static void aem_compact_pb(unsigned long pfn, int nid,
			   struct aem_compact_control *cc, bool *no_room)
{
	/* The reservation keeps the chunk. */
	struct aem_chunk *chunk = aem_chunk_lookup(pfn);
	unsigned int i = pfn - chunk->base_pfn, end = i + AEM_PB_PAGES;
	struct aem_frame *f;

	for (; i < end && !*no_room; i++) {
		f = &chunk->frames[i];
		/* Pairs with aem_frame_prep(): @rmap is valid once ALLOC. */
		if (smp_load_acquire(&f->state) != AEM_FS_ALLOC)
			continue;
		switch (aem_compact_move(f, nid)) {
		case 0:
			cc->c.migrated++;
			break;
		case -EBUSY:
			cc->c.busy++;
			break;
		case -ENOMEM:
			*no_room = true;
			fallthrough;
		default:
			cc->c.failed++;
		}
		cond_resched();
	}
}

/* Step 5: release an isolated pageblock; is it wholly free now? */
static bool aem_compact_release(unsigned long pfn)
{
	struct aem_chunk *chunk;
	struct aem_frame *f;
	unsigned long flags;
	bool whole;

	aem_unreserve_range(pfn, AEM_PB_PAGES);
	/* The chunk may go back to Linux now that it can be wholly free. */
	rcu_read_lock();
	chunk = aem_chunk_lookup(pfn);
	if (!chunk) {
		rcu_read_unlock();
		return true;	/* wholly free, and given back to Linux */
	}
	spin_lock_irqsave(&chunk->zone->lock, flags);
	f = aem_find_free_block(chunk, pfn - chunk->base_pfn);
	whole = f && f->order >= AEM_PB_ORDER;
	spin_unlock_irqrestore(&chunk->zone->lock, flags);
	rcu_read_unlock();
	return whole;
}

/* Compact one zone; true when a pageblock became free. */
static bool aem_compact_zone(struct aem_zone *zone,
			     struct aem_compact_control *cc)
{
	unsigned int max = max(cc->max_blocks, 1U), n, i, k;
	struct aether_mm_compact before = cc->c;
	struct aem_pb_cand *cand;
	bool no_room = false;

	lockdep_assert_held(&aem_compact_lock);
	if (!READ_ONCE(zone->managed))
		return false;
	cand = kvmalloc_array(max, sizeof(*cand), GFP_KERNEL);
	if (!cand)
		return false;
	cc->c.free_before += aem_zone_free_at(zone, cc->order);
	/* The per-CPU lists' pages show as allocated in a survey. */
	aem_pcp_drain_zone(zone);
	n = aem_compact_choose(zone, cand, max, cc);
	/*
	 * Step 3 for every candidate before any frame moves, so that no
	 * frame lands in a pageblock that is to be emptied after.
	 */
	for (i = 0, k = 0; i < n; i++)
		if (!aem_reserve_range(cand[i].pfn, AEM_PB_PAGES))
			cand[k++] = cand[i];
	cc->c.isolated += k;
	for (i = 0; i < k; i++)
		aem_compact_pb(cand[i].pfn, zone->node->nid, cc, &no_room);
	for (i = 0; i < k; i++)
		if (aem_compact_release(cand[i].pfn))
			cc->c.freed++;
	kvfree(cand);
	cc->c.free_after += aem_zone_free_at(zone, cc->order);
	trace_aem_compact(zone->node->nid, zone->idx, &before, &cc->c, cc->background);
	return cc->c.freed > before.freed;
}

static void aem_compact_account(const struct aem_compact_control *cc)
{
	atomic_long_add(cc->c.scanned, &aem_compact_scanned);
	atomic_long_add(cc->c.isolated, &aem_compact_isolated);
	atomic_long_add(cc->c.migrated, &aem_compact_migrated);
	atomic_long_add(cc->c.busy, &aem_compact_busy);
	atomic_long_add(cc->c.failed, &aem_compact_failed);
	atomic_long_add(cc->c.freed, &aem_compact_freed);
}

/* Pageblocks a zone of @node could hold, an upper bound on candidates. */
static unsigned int aem_node_max_blocks(struct aem_node *node)
{
	return READ_ONCE(node->max_chunks) * AEM_PB_PER_CHUNK;
}

/**
 * aem_ioc_compact() - AETHER_MM_IOC_COMPACT
 * @uarg: struct aether_mm_compact
 *
 * Return: 0 with the counters written back, or a negative errno.
 */
int aem_ioc_compact(void __user *uarg)
{
	struct aem_compact_control cc = {};
	struct aem_node *node;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&cc.c, sizeof(cc.c), uarg);
	if (ret)
		return ret;
	if (cc.c.flags || cc.c.__reserved0 || cc.c.order > AEM_MAX_ORDER)
		return -EINVAL;
	if (cc.c.node != -1 && !aem_node(cc.c.node))
		return -EINVAL;
	cc.order = cc.c.order ?: AEM_PB_ORDER;
	cc.c = (struct aether_mm_compact){
		.size = sizeof(cc.c),
		.node = cc.c.node,
		.order = cc.c.order,
	};

	if (mutex_lock_killable(&aem_compact_lock))
		return -EINTR;
	for_each_aem_node(node) {
		if (cc.c.node != -1 && node->nid != cc.c.node)
			continue;
		cc.max_blocks = aem_node_max_blocks(node);
		for (int z = 0; z < AEM_NR_ZONES; z++) {
			aem_compact_zone(&node->zones[z], &cc);
			if (fatal_signal_pending(current))
				break;
		}
	}
	mutex_unlock(&aem_compact_lock);
	atomic_long_inc(&aem_compact_runs);
	aem_compact_account(&cc);
	if (fatal_signal_pending(current))
		return -EINTR;
	return aem_copy_out(uarg, &cc.c, sizeof(cc.c));
}

/* Does @zone need compaction now, and is it not deferred? */
static bool aem_compact_wanted(struct aem_zone *zone)
{
	struct aem_frag_info info;

	if (!READ_ONCE(zone->managed))
		return false;
	aem_zone_frag(zone, &info);
	if (info.unusable[AEM_PB_ORDER] <= (int)READ_ONCE(aem_compact_threshold))
		return false;
	if (info.free_pages < zone->wmark[AEM_WMARK_LOW] + 2 * AEM_PB_PAGES)
		return false;
	if (zone->compact_considered < (1U << zone->compact_defer)) {
		zone->compact_considered++;
		atomic_long_inc(&aem_compact_deferred);
		return false;
	}
	return true;
}

static void aem_compact_queue(void)
{
	unsigned int ms = READ_ONCE(aem_compact_interval_ms);

	if (ms && READ_ONCE(aem_compact_live))
		queue_delayed_work(system_unbound_wq, &aem_compact_work,
				   msecs_to_jiffies(ms));
}

static void aem_compact_workfn(struct work_struct *work)
{
	struct aem_compact_control cc = {
		.max_blocks = AEM_COMPACT_BG_BLOCKS,
		.order = AEM_PB_ORDER,
		.background = true,
	};
	struct aem_node *node;
	bool ran = false;

	mutex_lock(&aem_compact_lock);
	for_each_aem_node(node) {
		for (int z = 0; z < AEM_NR_ZONES; z++) {
			struct aem_zone *zone = &node->zones[z];

			if (!aem_compact_wanted(zone))
				continue;
			ran = true;
			zone->compact_considered = 0;
			if (aem_compact_zone(zone, &cc))
				zone->compact_defer = 0;
			else if (zone->compact_defer < AEM_COMPACT_DEFER_MAX)
				zone->compact_defer++;
		}
	}
	mutex_unlock(&aem_compact_lock);
	if (ran) {
		atomic_long_inc(&aem_compact_bg_runs);
		aem_compact_account(&cc);
	}
	aem_compact_queue();
}

static int aem_compact_interval_set(const char *val,
				    const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = aem_parse_interval_ms(val, &ms);
	if (err)
		return err;
	WRITE_ONCE(aem_compact_interval_ms, ms);
	/* aem_compact_exit() clears aem_compact_live under the lock. */
	mutex_lock(&aem_compact_lock);
	if (ms && aem_compact_live)
		mod_delayed_work(system_unbound_wq, &aem_compact_work,
				 msecs_to_jiffies(ms));
	mutex_unlock(&aem_compact_lock);
	return 0;
}

static const struct kernel_param_ops aem_compact_interval_ops = {
	.set = aem_compact_interval_set,
	.get = param_get_uint,
};

module_param_cb(compact_interval_ms, &aem_compact_interval_ops,
		&aem_compact_interval_ms, 0644);
MODULE_PARM_DESC(compact_interval_ms,
		 "Background compaction looks at each zone this often, ms (10..3600000; 0 = off; default 1000)");

static int aem_compact_threshold_set(const char *val,
				     const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1000);
}

static const struct kernel_param_ops aem_compact_threshold_ops = {
	.set = aem_compact_threshold_set,
	.get = param_get_uint,
};

module_param_cb(compact_threshold, &aem_compact_threshold_ops,
		&aem_compact_threshold, 0644);
MODULE_PARM_DESC(compact_threshold,
		 "Compact a zone in the background when its unusable free space index at the pageblock order is above this (0..1000, default 500)");

static int aem_dbg_compact_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "interval_ms %u\n", READ_ONCE(aem_compact_interval_ms));
	seq_printf(m, "threshold %u\n", READ_ONCE(aem_compact_threshold));
	seq_printf(m, "runs %ld\n", atomic_long_read(&aem_compact_runs));
	seq_printf(m, "background_runs %ld\n",
		   atomic_long_read(&aem_compact_bg_runs));
	seq_printf(m, "deferred %ld\n",
		   atomic_long_read(&aem_compact_deferred));
	seq_printf(m, "scanned %ld\n", atomic_long_read(&aem_compact_scanned));
	seq_printf(m, "isolated %ld\n",
		   atomic_long_read(&aem_compact_isolated));
	seq_printf(m, "migrated %ld\n",
		   atomic_long_read(&aem_compact_migrated));
	seq_printf(m, "busy %ld\n", atomic_long_read(&aem_compact_busy));
	seq_printf(m, "failed %ld\n", atomic_long_read(&aem_compact_failed));
	seq_printf(m, "freed %ld\n", atomic_long_read(&aem_compact_freed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_compact);

/**
 * aem_compact_debugfs() - create debugfs aether/mm/compact
 * @dir: aether/mm/
 */
void aem_compact_debugfs(struct dentry *dir)
{
	debugfs_create_file("compact", 0400, dir, NULL, &aem_dbg_compact_fops);
}

/**
 * aem_compact_init() - start background compaction
 */
void aem_compact_init(void)
{
	/* Regions are the first owner of movable pages; shared frames too. */
	aem_movable[AEM_OWNER_REGION] = &aem_region_movable_ops;
	aem_movable[AEM_OWNER_DEDUPE] = &aem_share_movable_ops;
	INIT_DEFERRABLE_WORK(&aem_compact_work, aem_compact_workfn);
	WRITE_ONCE(aem_compact_live, true);
	aem_compact_queue();
}

/**
 * aem_compact_exit() - stop background compaction, before the pool goes
 */
void aem_compact_exit(void)
{
	mutex_lock(&aem_compact_lock);
	WRITE_ONCE(aem_compact_live, false);
	mutex_unlock(&aem_compact_lock);
	cancel_delayed_work_sync(&aem_compact_work);
}
