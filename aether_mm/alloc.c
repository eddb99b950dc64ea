// SPDX-License-Identifier: GPL-2.0
/*
 * alloc.c - the allocation path and the exported page API
 *
 * An allocation walks the nodes its policy gives (nearest first by
 * node_distance()) and, on each, the zones from the highest allowed down,
 * as a Linux zonelist does.  It is served in three passes:
 *
 *  1. fast: any zone whose free pages stay above the low watermark, small
 *     orders from the CPU's list;
 *  2. min: the same down to the min watermark (to zero with
 *     AEM_ALLOC_HIGH); a zone found below low kicks background growth of
 *     its node;
 *  3. grow: when the caller may sleep and allows it, the pool takes a
 *     chunk from Linux on the first node that can still grow, then pass 2
 *     runs again;
 *  4. reclaim: at the limit, the caller asks the reclaim clients for a
 *     batch (AEM_DIRECT_BATCH pages, Linux's SWAP_CLUSTER_MAX) itself
 *     (direct reclaim), then pass 2 runs again.  A node at its limit
 *     normally never gets there: the allocation that leaves a zone below
 *     low wakes the node's kreclaimd (pool.c), which reclaims back up to
 *     high in the background.  Only a writer faster than kreclaimd
 *     reaches min and reclaims for itself there;
 *  5. drain: still short, the caller gives every CPU's lists of its zones
 *     back to the buddy lists and runs pass 2 once more (Linux's
 *     drain_all_pages() after a failed direct reclaim).
 *
 * The pages between min and 0 are the reserve of AEM_ALLOC_HIGH
 * allocations (a RealTime group's faults): they take them in pass 2
 * without waiting for anyone's reclaim.  One that finds even the reserve
 * empty reclaims for itself and, if that brought nothing (the clients
 * only try their locks, which another walk may hold), waits for kreclaimd
 * to give pages back and tries again, AEM_RESERVE_RETRIES times at most
 * (a region fault of a group only: aem_alloc_pages_who()); it is refused
 * when every try brought nothing, or kreclaimd has given up (it found
 * nothing to take AEM_KRECLAIMD_MAX_FAILURES runs in a row).
 *
 * A block handed out is ALLOC with refcount 1 and its owner recorded; a
 * freed block goes to the CPU's list (small orders) or the buddy lists.
 * Pages are zeroed only when asked (AEM_ALLOC_ZERO); every block that
 * reaches a user is (chardev.c, fault.c), as a freed block keeps the bytes
 * of its last user.
 *
 * Lock order: see internal.h.  Nothing here sleeps but the growth pass.
 */
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>
#include "internal.h"
#include "trace.h"

/* Nodes in the order an allocation tries them. */
struct aem_nodelist {
	u8 nid[AEM_MAX_NODES];
	unsigned int nr;
};

static unsigned int aem_flags_zone(unsigned int flags)
{
	return AETHER_MM_ZONE_NORMAL - ((flags & AEM_ZONE_MASK) >> AEM_ZONE_SHIFT);
}

static unsigned int aem_flags_mt(unsigned int flags)
{
	return (flags & AEM_MT_MASK) >> AEM_MT_SHIFT;
}

/* The pool node nearest to @nid (itself when the pool has it). */
static int aem_nearest_node(int nid)
{
	int n, best = -1, best_dist = INT_MAX;

	if (aem_node(nid))
		return nid;
	for_each_aem_nid(n) {
		int d = nid >= 0 ? node_distance(nid, n) : n;

		if (d < best_dist) {
			best = n;
			best_dist = d;
		}
	}
	return best;
}

/* @start, then the other nodes by distance from it, keeping @mask only. */
static void aem_nodelist_fill(struct aem_nodelist *nl, int start, u32 mask,
			      bool fallback)
{
	struct aem_node *node = aem_node(start);
	unsigned int i;

	nl->nr = 0;
	if (!node)
		return;
	for (i = 0; i < node->nr_fallback; i++) {
		u8 nid = node->fallback[i];

		if (!(mask & BIT(nid)))
			continue;
		nl->nid[nl->nr++] = nid;
		if (!fallback)
			break;
	}
}

static void aem_nodelist_for(struct aem_nodelist *nl,
			     struct aem_mempolicy *pol, int nid,
			     unsigned int flags)
{
	bool fallback = !(flags & AEM_ALLOC_THISNODE);
	unsigned int nr, k;
	u32 mask;
	int start;

	if (!pol || nid >= 0) {
		start = nid >= 0 ? nid : aem_nearest_node(numa_node_id());
		aem_nodelist_fill(nl, start, U32_MAX, fallback);
		return;
	}
	mask = pol->nodemask;
	switch (pol->mode) {
	case AETHER_MM_POL_PREFERRED:
		aem_nodelist_fill(nl, __ffs(mask), U32_MAX, fallback);
		return;
	case AETHER_MM_POL_BIND:
		start = aem_nearest_node(numa_node_id());
		if (!(mask & BIT(start)))
			start = __ffs(mask);
		aem_nodelist_fill(nl, start, mask, fallback);
		return;
	case AETHER_MM_POL_INTERLEAVE:
		nr = hweight32(mask);
		k = (unsigned int)atomic_inc_return(&pol->il_next) % nr;
		for (start = __ffs(mask); k--; )
			start = __ffs(mask & ~GENMASK(start, 0));
		aem_nodelist_fill(nl, start, U32_MAX, fallback);
		return;
	default:
		aem_nodelist_fill(nl, aem_nearest_node(numa_node_id()),
				  U32_MAX, fallback);
	}
}

/**
 * aem_zone_wmark_ok - may @zone give 2^@order pages and stay above @mark
 * @zone: the zone
 * @order: order wanted
 * @mark: free pages that must remain
 *
 * Return: true when it may.  Lockless; the buddy lists decide for real.
 */
bool aem_zone_wmark_ok(struct aem_zone *zone, unsigned int order,
		       unsigned long mark)
{
	return READ_ONCE(zone->free) >= mark + (1UL << order);
}

static struct aem_frame *aem_zone_alloc(struct aem_zone *zone,
					unsigned int order, unsigned int mt,
					unsigned long mark)
{
	struct aem_frame *f;
	unsigned long flags;

	if (order <= AEM_PCP_MAX_ORDER)
		return aem_pcp_alloc(zone, order, mt, mark);
	if (!aem_zone_wmark_ok(zone, order, mark))
		return NULL;
	spin_lock_irqsave(&zone->lock, flags);
	f = zone->free >= mark + (1UL << order) ? aem_rmqueue(zone, order, mt)
						: NULL;
	spin_unlock_irqrestore(&zone->lock, flags);
	return f;
}

enum aem_pass { AEM_PASS_LOW, AEM_PASS_MIN };

static unsigned long aem_pass_mark(struct aem_zone *zone, enum aem_pass pass,
				   unsigned int flags)
{
	if (pass == AEM_PASS_LOW)
		return READ_ONCE(zone->wmark[AEM_WMARK_LOW]);
	if (flags & AEM_ALLOC_HIGH)
		return 0;
	return READ_ONCE(zone->wmark[AEM_WMARK_MIN]);
}

/* One pass over the nodes and zones of @nl. */
static struct aem_frame *aem_alloc_pass(const struct aem_nodelist *nl,
					unsigned int order, unsigned int flags,
					enum aem_pass pass)
{
	unsigned int top = aem_flags_zone(flags), mt = aem_flags_mt(flags);
	unsigned int i;
	int z;

	for (i = 0; i < nl->nr; i++) {
		struct aem_node *node = aem_pool.nodes[nl->nid[i]];

		for (z = top; z >= 0; z--) {
			struct aem_zone *zone = &node->zones[z];
			struct aem_frame *f;

			if (!READ_ONCE(zone->managed))
				continue;
			f = aem_zone_alloc(zone, order, mt,
					   aem_pass_mark(zone, pass, flags));
			if (!f) {
				if (pass == AEM_PASS_MIN &&
				    !(flags & AEM_ALLOC_NOGROW))
					aem_node_kick_grow(node);
				continue;
			}
			if (i)
				aem_count(AEM_C_NODE_FALLBACK);
			if (z != top && node->zones[top].managed)
				aem_count(AEM_C_ZONE_FALLBACK);
			this_cpu_inc(zone->pcp->alloc_ok);
			return f;
		}
	}
	return NULL;
}

/* Take one more chunk from Linux for the first node of @nl that can grow. */
static bool aem_alloc_grow(const struct aem_nodelist *nl)
{
	unsigned int i;

	for (i = 0; i < nl->nr; i++)
		if (!aem_node_grow(aem_pool.nodes[nl->nid[i]], GFP_KERNEL))
			return true;
	return false;
}

/*
 * A zone left below its low watermark asks its node to grow, or reclaim,
 * in the back.  A RealTime allocation that left it below min used the
 * reserve: counted.
 */
static void aem_check_low(struct aem_frame *f, unsigned int flags)
{
	struct aem_zone *zone = f->chunk->zone;
	unsigned long free = READ_ONCE(zone->free);

	if ((flags & AEM_ALLOC_HIGH) &&
	    free < READ_ONCE(zone->wmark[AEM_WMARK_MIN]))
		aem_rstat_inc(AEM_R_RESERVE_ALLOCS);
	if (flags & AEM_ALLOC_NOGROW)
		return;
	if (free < READ_ONCE(zone->wmark[AEM_WMARK_LOW])) {
		aem_count(AEM_C_WMARK_LOW_HIT);
		aem_node_kick_grow(zone->node);
	}
}

/**
 * aem_frame_prep - turn a block just taken from a list into an allocation
 * @f: head frame
 * @order: order of the block
 * @flags: allocation flags (owner, zeroing, tracking)
 */
void aem_frame_prep(struct aem_frame *f, unsigned int order,
		    unsigned int flags)
{
	f->order = order;
	f->owner = (flags & AEM_OWNER_MASK) >> AEM_OWNER_SHIFT;
	/* Compaction reads @rmap once it sees ALLOC (compact.c). */
	WRITE_ONCE(f->rmap.layer, NULL);
	WRITE_ONCE(f->rmap.shared, NULL);	/* a shared frame's map */
	atomic_set(&f->refcount, 1);
	/* Pairs with compaction's acquire: @rmap is cleared before ALLOC. */
	smp_store_release(&f->state, AEM_FS_ALLOC);
	if (flags & AEM_ALLOC_ZERO) {
		struct page *page = aem_frame_page(f);
		unsigned int i;

		for (i = 0; i < (1U << order); i++)
			clear_highpage(page + i);
	}
	if (unlikely(READ_ONCE(aem_track)) && !(flags & AEM_ALLOC_NOTRACK))
		aem_track_alloc(f);
	aem_count(AEM_C_ALLOC);
	trace_aem_block_alloc(f, order, f->owner);
}

/**
 * aem_split_block - make an allocated block as many order-0 allocations
 * @f: head frame, with a single reference
 * @order: its order
 *
 * Each page then has its own descriptor state, owner and reference, and
 * goes back to the pool on its own; the buddy lists merge them again.
 * (A region maps an order-9 block with one PMD but keeps its pages one by
 * one, so copy-on-write, migration and compaction work page by page.)
 */
void aem_split_block(struct aem_frame *f, unsigned int order)
{
	unsigned int i;

	if (WARN_ON_ONCE(READ_ONCE(f->state) != AEM_FS_ALLOC ||
			 f->order != order || atomic_read(&f->refcount) != 1))
		return;
	for (i = 1; i < (1U << order); i++) {
		f[i].order = 0;
		f[i].owner = f->owner;
		f[i].stack = 0;
		atomic_set(&f[i].refcount, 1);
		WRITE_ONCE(f[i].rmap.layer, NULL);
		/* As in aem_frame_prep(): @rmap before ALLOC, for compaction */
		smp_store_release(&f[i].state, AEM_FS_ALLOC);
	}
	f->order = 0;
	aem_count_add(AEM_C_ALLOC, (1U << order) - 1);
}
EXPORT_SYMBOL_GPL(aem_split_block);

static void aem_count_fail(const struct aem_nodelist *nl, unsigned int flags)
{
	if (nl->nr) {
		struct aem_node *node = aem_pool.nodes[nl->nid[0]];

		atomic_long_inc(&node->zones[aem_flags_zone(flags)].alloc_fail);
	}
	aem_count(AEM_C_ALLOC_FAIL);
}

/* Pages a direct reclaim asks for, at least (Linux's SWAP_CLUSTER_MAX). */
#define AEM_DIRECT_BATCH	32UL
/*
 * A RealTime group's fault that found the reserve empty and reclaimed
 * nothing waits for kreclaimd, AEM_RESERVE_WAIT_MS each time at most,
 * AEM_RESERVE_RETRIES times at most.  Other allocations do not wait: a
 * writer throttled on kreclaimd's batches made the bench's hog 50 to 100
 * times slower (it holds the walk's lock across a batch).
 */
#define AEM_RESERVE_RETRIES	8
#define AEM_RESERVE_WAIT_MS	20

/* Direct reclaim: a batch from the clients, then pass 2 again. */
static struct aem_frame *aem_alloc_reclaim(const struct aem_nodelist *nl,
					   unsigned int order,
					   unsigned int flags)
{
	unsigned long got;

	got = aem_reclaim_run(nl->nr == 1 ? nl->nid[0] : NUMA_NO_NODE,
			      max(1UL << order, AEM_DIRECT_BATCH));
	aem_rstat_inc(AEM_R_DIRECT);
	if (!got)
		return NULL;
	aem_rstat_add(AEM_R_DIRECT_PAGES, got);
	aem_kreclaimd_reset(aem_pool.nodes[nl->nid[0]]);
	return aem_alloc_pass(nl, order, flags, AEM_PASS_MIN);
}

/*
 * A group's fault found nothing and its own reclaim brought nothing (the
 * reserve empty, for a RealTime one): wait for the first node's
 * kreclaimd to give pages back (a bounded wait each time), take them, or
 * reclaim again, @tries times at most.
 */
static struct aem_frame *aem_alloc_reserve_wait(const struct aem_nodelist *nl,
						unsigned int order,
						unsigned int flags,
						unsigned int tries)
{
	struct aem_node *node = aem_pool.nodes[nl->nid[0]];
	struct aem_frame *f = NULL;
	unsigned long seq;
	unsigned int i;

	for (i = 0; !f && i < tries; i++) {
		/* kreclaimd found nothing to take, run after run: refused. */
		if (READ_ONCE(node->reclaim_failures) >=
		    AEM_KRECLAIMD_MAX_FAILURES)
			break;
		if (flags & AEM_ALLOC_HIGH)
			aem_rstat_inc(AEM_R_RESERVE_WAITS);
		seq = READ_ONCE(node->reclaim_seq);
		aem_kreclaimd_wake(node);
		wait_event_timeout(node->reclaim_wait,
				   READ_ONCE(node->reclaim_seq) != seq ||
				   READ_ONCE(aem_pool.stopping),
				   msecs_to_jiffies(AEM_RESERVE_WAIT_MS));
		f = aem_alloc_pass(nl, order, flags, AEM_PASS_MIN);
		if (!f)
			f = aem_alloc_reclaim(nl, order, flags);
	}
	return f;
}

/* How long a region fault that found no frame waits for kreclaimd, at most. */
#define AEM_FAULT_WAIT_MS	1000

/* May an allocation from @nl take a page without the reserve? */
static bool aem_nodes_above_min(const struct aem_nodelist *nl)
{
	unsigned int i;

	for (i = 0; i < nl->nr; i++)
		if (!aem_node_below(aem_pool.nodes[nl->nid[i]], AEM_WMARK_MIN))
			return true;
	return false;
}

/* Is some kreclaimd of @nl's nodes still finding pages to take? */
static bool aem_nodes_reclaiming(const struct aem_nodelist *nl)
{
	unsigned int i;

	for (i = 0; i < nl->nr; i++)
		if (READ_ONCE(aem_pool.nodes[nl->nid[i]]->reclaim_failures) <
		    AEM_KRECLAIMD_MAX_FAILURES)
			return true;
	return false;
}

/**
 * aem_alloc_wait_reclaim - a region fault found no frame: wait for kreclaimd
 * @pol: the region's NUMA policy
 *
 * A group's fault that is not RealTime does not wait inside the
 * allocator (aem_alloc_wait()): a writer made to wait on every
 * allocation at the limit crawls behind kreclaimd's batches.  But one
 * that got nothing at all, because its own reclaim only tries the walk's
 * locks and kreclaimd (or a scan) held them, would be a SIGBUS for a
 * page the pool is about to give back.  So the fault, its locks dropped
 * (region/fault.c), waits here once: each kreclaimd of its nodes below
 * low is woken, and the wait ends when one of the nodes is above its min
 * watermark again, when no kreclaimd of them finds anything to take any
 * more, at a fatal signal, or after AEM_FAULT_WAIT_MS.  No wait at all
 * when there is no reclaim client, or every kreclaimd of the nodes has
 * given up (AEM_KRECLAIMD_MAX_FAILURES runs in a row found nothing).
 * The fault is then made again, once, and fails if it still finds
 * nothing.
 *
 * Context: process context, no lock held.  Sleeps (killable).
 */
void aem_alloc_wait_reclaim(struct aem_mempolicy *pol)
{
	struct aem_nodelist nl;
	unsigned int i;

	might_sleep();
	aem_nodelist_for(&nl, pol, NUMA_NO_NODE, 0);
	if (!nl.nr || !aem_reclaim_registered() || !aem_nodes_reclaiming(&nl))
		return;
	for (i = 0; i < nl.nr; i++)
		if (aem_node_below(aem_pool.nodes[nl.nid[i]], AEM_WMARK_LOW))
			aem_kreclaimd_wake(aem_pool.nodes[nl.nid[i]]);
	aem_rstat_inc(AEM_R_FAULT_WAITS);
	wait_event_killable_timeout(aem_pool.nodes[nl.nid[0]]->reclaim_wait,
				    aem_nodes_above_min(&nl) ||
				    !aem_nodes_reclaiming(&nl) ||
				    READ_ONCE(aem_pool.stopping),
				    msecs_to_jiffies(AEM_FAULT_WAIT_MS));
	if (aem_nodes_above_min(&nl))
		aem_rstat_inc(AEM_R_FAULT_WAITED);
}

/*
 * Nothing grown or reclaimed: the pages other CPUs hold on their lists of
 * @nl's zones go back to the buddy lists and pass 2 runs once more, as
 * Linux drains every CPU's lists after a failed direct reclaim
 * (drain_all_pages()).  Without it a fault on one CPU fails while
 * another CPU's list holds free pages of the same zone.
 */
static struct aem_frame *aem_alloc_drained(const struct aem_nodelist *nl,
					   unsigned int order,
					   unsigned int flags)
{
	unsigned int top = aem_flags_zone(flags), i;
	bool drained = false;
	int z;

	for (i = 0; i < nl->nr; i++) {
		struct aem_node *node = aem_pool.nodes[nl->nid[i]];

		for (z = top; z >= 0; z--) {
			struct aem_zone *zone = &node->zones[z];

			if (!READ_ONCE(zone->managed) || !aem_pcp_count(zone))
				continue;
			aem_pcp_drain_zone(zone);
			drained = true;
		}
	}
	if (!drained)
		return NULL;
	aem_rstat_inc(AEM_R_DIRECT_DRAINS);
	return aem_alloc_pass(nl, order, flags, AEM_PASS_MIN);
}

/*
 * Short even after the two passes: grow the pool, reclaim, then take back
 * what other CPUs' lists hold (see the top of the file).  An atomic
 * caller does none of it.  For a region fault of a group (@who), the wait
 * is the group's stall (policy.c).
 */
static struct aem_frame *aem_alloc_wait(const struct aem_nodelist *nl,
					unsigned int order, unsigned int flags,
					const struct aem_alloc_who *who)
{
	bool may_reclaim = aem_reclaim_registered() && nl->nr;
	struct aem_policy_stall st;
	struct aem_frame *f = NULL;

	if (flags & AEM_ALLOC_ATOMIC)
		return NULL;
	if (who)
		aem_policy_stall_begin(who, &st);
	while (!f && !(flags & AEM_ALLOC_NOGROW) && aem_alloc_grow(nl))
		f = aem_alloc_pass(nl, order, flags, AEM_PASS_MIN);
	if (!f && may_reclaim) {
		if (flags & AEM_ALLOC_HIGH)
			aem_rstat_inc(AEM_R_RESERVE_EMPTY);
		f = aem_alloc_reclaim(nl, order, flags);
	}
	if (!f)
		f = aem_alloc_drained(nl, order, flags);
	if (!f && may_reclaim && who && (flags & AEM_ALLOC_HIGH)) {
		f = aem_alloc_reserve_wait(nl, order, flags,
					   AEM_RESERVE_RETRIES);
		if (!f)
			aem_rstat_inc(AEM_R_RESERVE_REFUSED);
	}
	if (who)
		aem_policy_stall_end(&st);
	return f;
}

static struct aem_frame *aem_alloc_nodes(const struct aem_nodelist *nl,
					 unsigned int order,
					 unsigned int flags,
					 const struct aem_alloc_who *who)
{
	struct aem_frame *f;

	f = aem_alloc_pass(nl, order, flags, AEM_PASS_LOW);
	if (!f)
		f = aem_alloc_pass(nl, order, flags, AEM_PASS_MIN);
	if (!f)
		f = aem_alloc_wait(nl, order, flags, who);
	if (!f) {
		aem_count_fail(nl, flags);
		return NULL;
	}
	aem_check_low(f, flags);
	aem_frame_prep(f, order, flags);
	return f;
}

static struct aem_frame *aem_alloc(struct aem_mempolicy *pol, int nid,
				   unsigned int order, unsigned int flags,
				   const struct aem_alloc_who *who)
{
	struct aem_nodelist nl;
	int ret;

	if (WARN_ON_ONCE(order > AEM_MAX_ORDER))
		return NULL;
	if (!(flags & AEM_ALLOC_ATOMIC))
		might_sleep();
	aem_nodelist_for(&nl, pol, nid, flags);
	if (unlikely(aem_should_fail())) {
		aem_count_fail(&nl, flags);
		return NULL;
	}
	if (flags & AEM_ALLOC_ACCOUNT) {
		ret = aem_policy_admit(who, nl.nr ? nl.nid[0] : NUMA_NO_NODE,
				       order, flags);
		if (ret < 0)
			return NULL;
		/* A RealTime group's fault: the reserve below min too. */
		if (ret == AEM_ADMIT_RESERVE)
			flags |= AEM_ALLOC_HIGH;
	}
	return aem_alloc_nodes(&nl, order, flags, who);
}

/**
 * aem_alloc_pages - allocate a block of 2^@order pages from the pool
 * @nid: node to allocate on (then nearer nodes first), or NUMA_NO_NODE
 *	 for the calling CPU's node
 * @order: 0..MAX_PAGE_ORDER
 * @flags: AEM_ALLOC_*, AEM_ZONE(), AEM_MT() and AEM_OWNER() or'ed together
 *
 * May sleep to grow the pool unless AEM_ALLOC_ATOMIC or AEM_ALLOC_NOGROW.
 *
 * Return: the block's head frame, or NULL when the pool cannot serve it.
 */
struct aem_frame *aem_alloc_pages(int nid, unsigned int order,
				  unsigned int flags)
{
	return aem_alloc(NULL, nid, order, flags, NULL);
}
EXPORT_SYMBOL_GPL(aem_alloc_pages);

/**
 * aem_alloc_pages_mpol - allocate a block following a NUMA policy
 * @pol: policy, set up by aem_mempolicy_init()
 * @order: 0..MAX_PAGE_ORDER
 * @flags: as for aem_alloc_pages()
 *
 * Return: the block's head frame, or NULL.
 */
struct aem_frame *aem_alloc_pages_mpol(struct aem_mempolicy *pol,
				       unsigned int order, unsigned int flags)
{
	return aem_alloc(pol, NUMA_NO_NODE, order, flags, NULL);
}
EXPORT_SYMBOL_GPL(aem_alloc_pages_mpol);

/**
 * aem_alloc_pages_who - allocate a block for a region's group
 * @pol: policy, set up by aem_mempolicy_init()
 * @order: 0..MAX_PAGE_ORDER
 * @flags: as for aem_alloc_pages()
 * @who: the group of the region that allocates (region.h)
 *
 * As aem_alloc_pages_mpol(), and the policy backend learns who asks: its
 * admit sees the region's cookie (and may let it use the reserve), and a
 * wait for the pool to grow or be reclaimed is the group's stall.
 *
 * Return: the block's head frame, or NULL.
 */
struct aem_frame *aem_alloc_pages_who(struct aem_mempolicy *pol,
				      unsigned int order, unsigned int flags,
				      const struct aem_alloc_who *who)
{
	return aem_alloc(pol, NUMA_NO_NODE, order, flags,
			 who && who->gen ? who : NULL);
}

/* The highest zone of @node that @flags allow and the pool has, or NULL. */
static struct aem_zone *aem_first_zone(struct aem_node *node,
				       unsigned int flags)
{
	int z;

	for (z = aem_flags_zone(flags); z >= 0; z--)
		if (READ_ONCE(node->zones[z].managed))
			return &node->zones[z];
	return NULL;
}

/**
 * aem_alloc_bulk - allocate up to @nr blocks of one order
 * @nid: node, or NUMA_NO_NODE for the calling CPU's
 * @order: 0..MAX_PAGE_ORDER
 * @flags: as for aem_alloc_pages()
 * @nr: blocks wanted
 * @frames: receives the head frames
 *
 * Small orders come from the CPU's list of the first zone under one lock;
 * the rest one by one.
 *
 * Return: the number of blocks allocated, possibly fewer than @nr.
 */
unsigned int aem_alloc_bulk(int nid, unsigned int order, unsigned int flags,
			    unsigned int nr, struct aem_frame **frames)
{
	unsigned int got = 0, i;
	struct aem_nodelist nl;

	if (WARN_ON_ONCE(order > AEM_MAX_ORDER))
		return 0;
	aem_nodelist_for(&nl, NULL, nid, flags);
	if (nl.nr && !aem_should_fail() && order <= AEM_PCP_MAX_ORDER &&
	    !(flags & AEM_ALLOC_ACCOUNT)) {
		struct aem_zone *zone = aem_first_zone(aem_pool.nodes[nl.nid[0]],
						       flags);

		if (zone)
			got = aem_pcp_alloc_bulk(zone, order, aem_flags_mt(flags),
						 zone->wmark[AEM_WMARK_LOW],
						 nr, frames);
		for (i = 0; i < got; i++)
			aem_frame_prep(frames[i], order, flags);
		if (got) {
			this_cpu_add(zone->pcp->alloc_ok, got);
			aem_check_low(frames[0], flags);
		}
	}
	for (; got < nr; got++) {
		frames[got] = aem_alloc(NULL, nid, order, flags, NULL);
		if (!frames[got])
			break;
	}
	return got;
}
EXPORT_SYMBOL_GPL(aem_alloc_bulk);

/*
 * Mark a block free in its descriptor; it is on no list yet.  A SECURE
 * region's block is wiped first (region/secure.c), whatever path frees
 * it: this is the one door back to the lists.
 */
static void aem_free_prep(struct aem_frame *f, unsigned int order)
{
	if (unlikely(f->owner == AEM_OWNER_SECURE))
		aem_secure_wipe(f, order);
	if (unlikely(f->stack))
		aem_track_free(f);
	trace_aem_block_free(f, order, f->owner);
	WRITE_ONCE(f->state, AEM_FS_TAIL);
	f->owner = AEM_OWNER_NONE;
	aem_count(AEM_C_FREE);
}

/**
 * aem_free_block - give a block back, whatever its refcount
 * @f: head frame of an allocated block
 * @order: its order
 */
void aem_free_block(struct aem_frame *f, unsigned int order)
{
	struct aem_zone *zone = f->chunk->zone;
	unsigned long flags;

	aem_free_prep(f, order);
	if (order <= AEM_PCP_MAX_ORDER) {
		aem_pcp_free(zone, &f, 1, order);
		return;
	}
	spin_lock_irqsave(&zone->lock, flags);
	aem_buddy_free(zone, f->chunk, aem_frame_idx(f), order);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* Drop a reference; true when it was the last and the block is to go. */
static bool aem_put_frame(struct aem_frame *f, unsigned int order)
{
	if (WARN_ON_ONCE(READ_ONCE(f->state) != AEM_FS_ALLOC ||
			 f->order != order))
		return false;
	return atomic_dec_and_test(&f->refcount);
}

/**
 * aem_free_pages - drop a reference to a block, freeing it on the last
 * @frame: head frame returned by an aem_alloc_*() call
 * @order: the order it was allocated with
 */
void aem_free_pages(struct aem_frame *frame, unsigned int order)
{
	if (aem_put_frame(frame, order))
		aem_free_block(frame, order);
}
EXPORT_SYMBOL_GPL(aem_free_pages);

/* Blocks given to the per-CPU lists under one lock by aem_free_bulk(). */
#define AEM_FREE_BATCH	16

/**
 * aem_free_bulk - free blocks of one order
 * @frames: head frames
 * @nr: how many
 * @order: their order
 *
 * Small blocks of one zone go to the CPU's lists in batches, one lock
 * round trip per batch.
 */
void aem_free_bulk(struct aem_frame **frames, unsigned int nr,
		   unsigned int order)
{
	struct aem_frame *batch[AEM_FREE_BATCH];
	struct aem_zone *zone = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < nr; i++) {
		struct aem_frame *f = frames[i];

		if (order > AEM_PCP_MAX_ORDER) {
			aem_free_pages(f, order);
			continue;
		}
		if (!aem_put_frame(f, order))
			continue;
		aem_free_prep(f, order);
		if (n && (n == AEM_FREE_BATCH || f->chunk->zone != zone)) {
			aem_pcp_free(zone, batch, n, order);
			n = 0;
		}
		zone = f->chunk->zone;
		batch[n++] = f;
	}
	if (n)
		aem_pcp_free(zone, batch, n, order);
}
EXPORT_SYMBOL_GPL(aem_free_bulk);

/**
 * aem_mempolicy_init - set up a NUMA policy
 * @pol: the policy
 * @mode: AETHER_MM_POL_*
 * @nodemask: bit n = node n; must name only nodes of the pool, and at
 *	      least one unless @mode is LOCAL
 *
 * Return: 0, or -EINVAL for a bad mode or mask.
 */
int aem_mempolicy_init(struct aem_mempolicy *pol, u32 mode, u64 nodemask)
{
	u64 pool_mask = 0;
	int nid;

	for_each_aem_nid(nid)
		pool_mask |= BIT_ULL(nid);
	if (mode >= AETHER_MM_NR_POL || (nodemask & ~pool_mask))
		return -EINVAL;
	if (mode == AETHER_MM_POL_LOCAL)
		nodemask = 0;
	else if (!nodemask)
		return -EINVAL;
	pol->mode = mode;
	pol->nodemask = nodemask;
	atomic_set(&pol->il_next, -1);
	return 0;
}
EXPORT_SYMBOL_GPL(aem_mempolicy_init);

/**
 * aem_vmap_frames - map scattered order-0 frames into one kernel range
 * @frames: the frames, in the order they are to appear; NULL entries map
 *	    Linux's zero page (read them only)
 * @nr: how many, 1..AEM_VMAP_MAX
 *
 * The frames must stay allocated until aem_vunmap_frames(): hold a
 * reference (the refcount of the frame) if someone else may free them.
 * May sleep.
 *
 * Return: the start of a virtually contiguous mapping of nr pages, or
 * NULL (bad @nr, or no memory for the mapping).
 */
void *aem_vmap_frames(struct aem_frame **frames, unsigned int nr)
{
	struct page *pages[AEM_VMAP_MAX];
	unsigned int i;

	might_sleep();
	if (!nr || nr > AEM_VMAP_MAX)
		return NULL;
	for (i = 0; i < nr; i++)
		pages[i] = frames[i] ? aem_frame_page(frames[i]) :
				       ZERO_PAGE(0);
	return vm_map_ram(pages, nr, NUMA_NO_NODE);
}
EXPORT_SYMBOL_GPL(aem_vmap_frames);

/**
 * aem_vunmap_frames - undo aem_vmap_frames()
 * @addr: what it returned
 * @nr: the same @nr
 */
void aem_vunmap_frames(const void *addr, unsigned int nr)
{
	vm_unmap_ram(addr, nr);
}
EXPORT_SYMBOL_GPL(aem_vunmap_frames);

/**
 * aem_frame_page - the page of a frame
 * @frame: a frame of the pool
 *
 * Return: its struct page.
 */
struct page *aem_frame_page(const struct aem_frame *frame)
{
	return pfn_to_page(aem_frame_pfn(frame));
}
EXPORT_SYMBOL_GPL(aem_frame_page);

/**
 * aem_frame_pfn - the page frame number of a frame
 * @frame: a frame of the pool
 *
 * Return: its pfn.
 */
unsigned long aem_frame_pfn(const struct aem_frame *frame)
{
	return frame->chunk->base_pfn + aem_frame_idx(frame);
}
EXPORT_SYMBOL_GPL(aem_frame_pfn);

/**
 * aem_pfn_to_frame - the frame of a page frame number
 * @pfn: any pfn
 *
 * The caller must know the chunk cannot go away: it holds a block of it.
 *
 * Return: the frame, or NULL when @pfn is not in the pool.
 */
struct aem_frame *aem_pfn_to_frame(unsigned long pfn)
{
	struct aem_chunk *chunk = aem_chunk_lookup(pfn);

	return chunk ? &chunk->frames[pfn - chunk->base_pfn] : NULL;
}
EXPORT_SYMBOL_GPL(aem_pfn_to_frame);

/**
 * aem_page_to_frame - the frame of a page
 * @page: any page
 *
 * Return: the frame, or NULL when @page is not in the pool.
 */
struct aem_frame *aem_page_to_frame(struct page *page)
{
	return aem_pfn_to_frame(page_to_pfn(page));
}
EXPORT_SYMBOL_GPL(aem_page_to_frame);

/**
 * aem_frame_nid - node of a frame
 * @frame: a frame of the pool
 *
 * Return: its node id.
 */
int aem_frame_nid(const struct aem_frame *frame)
{
	return frame->chunk->zone->node->nid;
}
EXPORT_SYMBOL_GPL(aem_frame_nid);

/**
 * aem_frame_zone - zone of a frame
 * @frame: a frame of the pool
 *
 * Return: AETHER_MM_ZONE_*.
 */
unsigned int aem_frame_zone(const struct aem_frame *frame)
{
	return frame->chunk->zone->idx;
}
EXPORT_SYMBOL_GPL(aem_frame_zone);

/**
 * aem_frame_order - order of the block a head frame names
 * @frame: head frame of an allocated block
 *
 * Return: its order.
 */
unsigned int aem_frame_order(const struct aem_frame *frame)
{
	return frame->order;
}
EXPORT_SYMBOL_GPL(aem_frame_order);

/**
 * aem_frame_migratetype - migrate type of a frame's pageblock
 * @frame: a frame of the pool
 *
 * Return: AETHER_MM_MT_*.
 */
unsigned int aem_frame_migratetype(const struct aem_frame *frame)
{
	return READ_ONCE(frame->chunk->pb_mt[aem_pb_idx(aem_frame_idx(frame))]);
}
EXPORT_SYMBOL_GPL(aem_frame_migratetype);

static const size_t aem_stat_offsets[AEM_NR_COUNTERS] = {
	[AEM_C_ALLOC] = offsetof(struct aether_mm_stats, alloc),
	[AEM_C_FREE] = offsetof(struct aether_mm_stats, free),
	[AEM_C_ALLOC_FAIL] = offsetof(struct aether_mm_stats, alloc_fail),
	[AEM_C_PCP_HIT] = offsetof(struct aether_mm_stats, pcp_hit),
	[AEM_C_PCP_REFILL] = offsetof(struct aether_mm_stats, pcp_refill),
	[AEM_C_PCP_DRAIN] = offsetof(struct aether_mm_stats, pcp_drain),
	[AEM_C_SPLIT] = offsetof(struct aether_mm_stats, split),
	[AEM_C_MERGE] = offsetof(struct aether_mm_stats, merge),
	[AEM_C_MT_FALLBACK] = offsetof(struct aether_mm_stats, mt_fallback),
	[AEM_C_MT_STEAL] = offsetof(struct aether_mm_stats, mt_steal),
	[AEM_C_NODE_FALLBACK] = offsetof(struct aether_mm_stats, node_fallback),
	[AEM_C_ZONE_FALLBACK] = offsetof(struct aether_mm_stats, zone_fallback),
	[AEM_C_GROW] = offsetof(struct aether_mm_stats, grow),
	[AEM_C_SHRINK] = offsetof(struct aether_mm_stats, shrink),
	[AEM_C_GROW_FAIL] = offsetof(struct aether_mm_stats, grow_fail),
	[AEM_C_WMARK_LOW_HIT] = offsetof(struct aether_mm_stats, wmark_low_hit),
};

/**
 * aem_get_stats - sum the event counters
 * @stats: filled in; @stats->size is left as it is
 */
void aem_get_stats(struct aether_mm_stats *stats)
{
	u32 size = stats->size;
	unsigned int cpu, i;

	memset(stats, 0, sizeof(*stats));
	stats->size = size;
	for_each_possible_cpu(cpu) {
		const struct aem_counters *c =
			per_cpu_ptr(aem_pool.counters, cpu);

		for (i = 0; i < AEM_NR_COUNTERS; i++)
			*(u64 *)((u8 *)stats + aem_stat_offsets[i]) += c->c[i];
	}
}
EXPORT_SYMBOL_GPL(aem_get_stats);
