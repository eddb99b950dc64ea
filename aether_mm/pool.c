// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c - the page pool: chunks taken from Linux, per node, elastic
 *
 * DOC: Life of a chunk
 *
 * A chunk is one block of AEM_CHUNK_ORDER pages that Linux gives us on one
 * node (alloc_pages_node with __GFP_THISNODE).  It is split into order-0
 * pages (split_page()), so each page is an ordinary page to Linux with its
 * own refcount and can later be mapped on its own.  The chunk gets one
 * descriptor per page, is entered in aem_pool.chunks under its base pfn,
 * and its pages go on the buddy lists of the zone its physical address
 * falls in, as one max-order block.
 *
 *   Linux --(aem_node_grow)--> in a zone, pages free or in use
 *         --(aem_pool_shrink: every page free, beyond min_chunks)-->
 *   dead (off the zone, off the xarray) --(RCU grace period)--> Linux
 *
 * Each node starts with pool_init_mb and grows a chunk at a time, up to
 * pool_max_mb: in the background when an allocation leaves a zone below its
 * low watermark, at once when an allocation that may sleep finds nothing.
 * Growth beyond the initial size asks Linux with __GFP_NORETRY: a
 * max-order block is costly, and a node that cannot have one cheaply
 * reclaims from its own pages instead.  A node below its initial size (its
 * population at load, or a node that did not get all of it) asks with
 * __GFP_RETRY_MAYFAIL, as hugetlb's pool does for its pages: reclaim and
 * synchronous compaction before giving up.  Late in a long run a node's
 * memory is fragmented enough that __GFP_NORETRY's one attempt at
 * compaction fails, and a node left with no chunk at load fails every
 * __GFP_THISNODE allocation on it.
 *
 * DOC: kreclaimd, the background reclaimer
 *
 * At its limit a node cannot grow: an allocation that leaves one of its
 * zones below low wakes the node's kreclaimd instead (as one below low
 * wakes kswapd in Linux), an unbound work item that asks the reclaim
 * clients (hooks.c; the pool's region reclaim goes tier by tier:
 * BestEffort, Normal, RealTime, protected) for the pages the node lacks
 * up to its high watermark, a batch at a time, until every zone is above
 * high.  The clients only try their locks (a scan or another walk may
 * hold them): a call that brings nothing is tried again after a tick, and
 * a run gives up after AEM_KRECLAIMD_RETRIES of them in a row.  After
 * AEM_KRECLAIMD_MAX_FAILURES runs in a row that brought nothing (nothing
 * cold to take), a wakeup within a second of the last of them is put off
 * to that second's end, unless an allocation's own reclaim found pages
 * meanwhile (Linux's kswapd_failures, which keeps kswapd asleep until
 * then): at most a run a second while nothing can be taken, and never a
 * request lost, since the node may have nothing else to wake it (a page
 * that cooled in the meantime is taken then; an allocation served from
 * the per-CPU lists below low asks only once).  Each
 * batch given back wakes the RealTime allocations waiting in
 * aem_alloc_wait() (alloc.c) with the reserve empty.  Unloading sets
 * aem_pool.stopping, which ends a run at its next batch, and cancels the
 * work.
 *
 * The watermarks leave kreclaimd room: min is 1/128 of the zone, plus
 * the zone's part of what the policy backend's RealTime groups are owed
 * (reserve.c), the reserve only AEM_ALLOC_HIGH (RealTime) allocations
 * may take; low and
 * high lie AEM_WMARK_SCALE (100, 1 %) of the zone apart, at least min/4,
 * as Linux's watermark_scale_factor sets its gap (default 10, 0.1 %:
 * ours is larger because one batch of the region reclaim under software
 * emulation is slow next to a task writing pages, and the whole gap is
 * what a writer may take before it must reclaim for itself below min).
 * A shrinker gives whole free chunks above pool_init_mb back when Linux is
 * short of memory; it only trylocks resize_lock (a node being resized is
 * skipped, not waited for).  Growth holds resize_lock to count, never
 * while it allocates from Linux: the pool's allocations are made in
 * reclaim too (aether_zram stores pages under kswapd), and one that had
 * to grow would wait for a lock held by a task waiting in reclaim.
 *
 * Lookups of a chunk by pfn are RCU-safe; a chunk is freed only after a
 * grace period.  Lookups that use the chunk beyond that either hold a block
 * of it (so it cannot be free, so it cannot go) or take zone->lock and
 * check chunk->dead.
 *
 * Lock order: see internal.h.
 */
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/sort.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>
#include "internal.h"

struct aem_pool aem_pool;

/* The gap min-low and low-high, per 10000 pages of the zone. */
#define AEM_WMARK_SCALE		100
/* Pages kreclaimd asks the clients for in one call: at least, at most. */
#define AEM_KRECLAIMD_BATCH	32
#define AEM_KRECLAIMD_MAX_BATCH	512
/* Calls in a row that bring nothing before a run gives up. */
#define AEM_KRECLAIMD_RETRIES	4

#define AEM_DMA_LIMIT_PFN	(SZ_16M >> PAGE_SHIFT)
#define AEM_DMA32_LIMIT_PFN	(SZ_4G >> PAGE_SHIFT)

static unsigned int aem_pfn_zone(unsigned long pfn)
{
	if (pfn < AEM_DMA_LIMIT_PFN)
		return AETHER_MM_ZONE_DMA;
	if (pfn < AEM_DMA32_LIMIT_PFN)
		return AETHER_MM_ZONE_DMA32;
	return AETHER_MM_ZONE_NORMAL;
}

/**
 * aem_zone_set_wmarks - derive the watermarks from the zone's size
 * @zone: the zone, managed just changed
 *
 * min is 1/128 of the zone (at least 8 pages), plus the zone's part of
 * the RealTime reserve the policy backend asked for (reserve.c); low is
 * min plus a gap of AEM_WMARK_SCALE ten-thousandths of the zone (at
 * least min/4, the ratio mm/page_alloc.c keeps with a small scale
 * factor), high another gap above (see "kreclaimd" above).
 */
void aem_zone_set_wmarks(struct aem_zone *zone)
{
	unsigned long min = 0, gap = 0;

	lockdep_assert_held(&zone->lock);
	if (zone->managed) {
		min = max(zone->managed >> 7, 8UL);
		gap = max(min / 4,
			  zone->managed * AEM_WMARK_SCALE / 10000);
		min += aem_rt_reserve_share(zone);
	}
	WRITE_ONCE(zone->wmark[AEM_WMARK_MIN], min);
	WRITE_ONCE(zone->wmark[AEM_WMARK_LOW], min + gap);
	WRITE_ONCE(zone->wmark[AEM_WMARK_HIGH], min + 2 * gap);
}

/**
 * aem_chunk_lookup - the chunk holding a pfn
 * @pfn: any page frame number
 *
 * Return: the chunk, or NULL.  See the lifetime rules above.
 */
struct aem_chunk *aem_chunk_lookup(unsigned long pfn)
{
	return xa_load(&aem_pool.chunks, pfn >> AEM_CHUNK_ORDER);
}

static struct aem_chunk *aem_chunk_create(struct aem_node *node, gfp_t gfp)
{
	struct aem_chunk *chunk;
	struct page *page;
	unsigned int i;
	int err;

	page = alloc_pages_node(node->nid, gfp | __GFP_THISNODE | __GFP_NOWARN,
				AEM_CHUNK_ORDER);
	if (!page)
		return NULL;
	chunk = kvzalloc_node(struct_size(chunk, frames, AEM_CHUNK_PAGES),
			      gfp, node->nid);
	if (!chunk)
		goto out_free_pages;
	split_page(page, AEM_CHUNK_ORDER);
	chunk->base_pfn = page_to_pfn(page);
	chunk->zone = &node->zones[aem_pfn_zone(chunk->base_pfn)];
	for (i = 0; i < AEM_CHUNK_PAGES; i++)
		chunk->frames[i].chunk = chunk;
	err = xa_err(xa_store(&aem_pool.chunks,
			      chunk->base_pfn >> AEM_CHUNK_ORDER, chunk, gfp));
	if (err)
		goto out_free_chunk;
	return chunk;

out_free_chunk:
	kvfree(chunk);
	for (i = 0; i < AEM_CHUNK_PAGES; i++)
		__free_page(page + i);
	return NULL;
out_free_pages:
	__free_pages(page, AEM_CHUNK_ORDER);
	return NULL;
}

/* The chunk is off its zone and the xarray, and a grace period passed. */
static void aem_chunk_release(struct aem_chunk *chunk)
{
	struct page *page = pfn_to_page(chunk->base_pfn);
	unsigned int i;

	for (i = 0; i < AEM_CHUNK_PAGES; i++)
		__free_page(page + i);
	kvfree(chunk);
}

/**
 * aem_node_grow - take one more chunk from Linux for a node
 * @node: the node
 * @gfp: how Linux may work for it (GFP_KERNEL; the caller's
 *	 memalloc_noio/nofs scope applies, as to every allocation)
 *
 * resize_lock is held to count, never across the allocation: growth is
 * called from the pool's own allocations, and those are made in reclaim
 * (aether_zram's store under kswapd), so an allocation from Linux under
 * resize_lock could enter reclaim and come back for it.  A slot taken
 * under the lock (@nr_growing) keeps concurrent growers within
 * max_chunks.
 *
 * Return: 0, -ENOSPC at the node's limit, -ENOMEM when Linux says no.
 */
int aem_node_grow(struct aem_node *node, gfp_t gfp)
{
	struct aem_chunk *chunk;
	struct aem_zone *zone;
	unsigned long flags;
	unsigned int nr;

	mutex_lock(&node->resize_lock);
	nr = node->nr_chunks + node->nr_growing;
	if (nr >= node->max_chunks) {
		mutex_unlock(&node->resize_lock);
		return -ENOSPC;
	}
	node->nr_growing++;
	mutex_unlock(&node->resize_lock);

	/* See "Life of a chunk": how hard Linux is asked. */
	if (gfp & __GFP_DIRECT_RECLAIM)
		gfp |= nr < node->min_chunks ? __GFP_RETRY_MAYFAIL :
					       __GFP_NORETRY;
	chunk = aem_chunk_create(node, gfp);

	mutex_lock(&node->resize_lock);
	node->nr_growing--;
	if (!chunk) {
		mutex_unlock(&node->resize_lock);
		aem_count(AEM_C_GROW_FAIL);
		return -ENOMEM;
	}
	zone = chunk->zone;
	spin_lock_irqsave(&zone->lock, flags);
	aem_buddy_add_chunk(zone, chunk);
	spin_unlock_irqrestore(&zone->lock, flags);
	/* Growth is what goes beyond the initial size. */
	if (node->nr_chunks >= node->min_chunks) {
		atomic_long_inc(&aem_pool.grown);
		aem_count(AEM_C_GROW);
	}
	WRITE_ONCE(node->nr_chunks, node->nr_chunks + 1);
	mutex_unlock(&node->resize_lock);
	return 0;
}

/**
 * aem_node_below - is some zone of @node below a watermark
 * @node: the node
 * @mark: the watermark
 *
 * Return: true when one is.  Lockless.
 */
bool aem_node_below(struct aem_node *node, enum aem_wmark mark)
{
	unsigned int z;

	for (z = 0; z < AEM_NR_ZONES; z++) {
		struct aem_zone *zone = &node->zones[z];

		if (READ_ONCE(zone->managed) &&
		    READ_ONCE(zone->free) < READ_ONCE(zone->wmark[mark]))
			return true;
	}
	return false;
}

/* The pages @node's neediest zone lacks to reach @mark; 0 when none does. */
static unsigned long aem_node_deficit(struct aem_node *node,
				      enum aem_wmark mark)
{
	unsigned long want = 0;
	unsigned int z;

	for (z = 0; z < AEM_NR_ZONES; z++) {
		struct aem_zone *zone = &node->zones[z];
		unsigned long free = READ_ONCE(zone->free);
		unsigned long wm = READ_ONCE(zone->wmark[mark]);

		if (READ_ONCE(zone->managed) && free < wm)
			want = max(want, wm - free);
	}
	return want;
}

/* kreclaimd gave pages back, or ended a run: wake RealTime waiters. */
static void aem_kreclaimd_progress(struct aem_node *node)
{
	WRITE_ONCE(node->reclaim_seq, node->reclaim_seq + 1);
	wake_up_all(&node->reclaim_wait);
}

/*
 * kreclaimd's run: the node's zones back above high through the reclaim
 * clients, or give up (see the DOC above).  A work item never runs on two
 * CPUs at once, so @reclaim_seq and the failure count have one writer
 * (but aem_kreclaimd_reset()).
 */
static void aem_kreclaimd_workfn(struct work_struct *work)
{
	struct aem_node *node = container_of(to_delayed_work(work),
					     struct aem_node, reclaim_work);
	unsigned long want, got, total = 0;
	unsigned int idle = 0;

	aem_rstat_inc(AEM_R_KRECLAIMD_WAKEUPS);
	while (!READ_ONCE(aem_pool.stopping)) {
		want = aem_node_deficit(node, AEM_WMARK_HIGH);
		if (!want) {
			aem_rstat_inc(AEM_R_KRECLAIMD_BALANCED);
			break;
		}
		want = clamp_t(unsigned long, want, AEM_KRECLAIMD_BATCH,
			       AEM_KRECLAIMD_MAX_BATCH);
		got = aem_reclaim_run(node->nid, want);
		if (got) {
			total += got;
			idle = 0;
			aem_rstat_add(AEM_R_KRECLAIMD_PAGES, got);
			aem_kreclaimd_progress(node);
			cond_resched();
			continue;
		}
		if (++idle > AEM_KRECLAIMD_RETRIES) {
			aem_rstat_inc(AEM_R_KRECLAIMD_GAVE_UP);
			break;
		}
		/* The clients only trylock: a scan or a walk may hold them. */
		schedule_timeout_uninterruptible(1);
	}
	if (total) {
		WRITE_ONCE(node->reclaim_failures, 0);
	} else {
		WRITE_ONCE(node->reclaim_failed_at, jiffies);
		WRITE_ONCE(node->reclaim_failures,
			   min(node->reclaim_failures + 1,
			       AEM_KRECLAIMD_MAX_FAILURES));
	}
	aem_kreclaimd_progress(node);
}

/**
 * aem_kreclaimd_wake - ask @node's background reclaimer to run
 * @node: a node below its low watermark at its limit
 *
 * Nothing when no reclaim client is registered or when unloading.  Within
 * a second of the last of AEM_KRECLAIMD_MAX_FAILURES fruitless runs in a
 * row, the run is queued for that second's end (an earlier one already
 * queued stays); otherwise now, bringing forward one put off.  Any
 * context: it only queues the work.
 */
void aem_kreclaimd_wake(struct aem_node *node)
{
	unsigned long now = jiffies, until;

	if (READ_ONCE(aem_pool.stopping) || !aem_reclaim_registered())
		return;
	if (READ_ONCE(node->reclaim_failures) >= AEM_KRECLAIMD_MAX_FAILURES) {
		until = READ_ONCE(node->reclaim_failed_at) + HZ;
		if (time_before(now, until)) {
			queue_delayed_work(system_unbound_wq,
					   &node->reclaim_work, until - now);
			return;
		}
	}
	/* Pending already: cheap, as a wakeup per allocation below low is. */
	if (!queue_delayed_work(system_unbound_wq, &node->reclaim_work, 0) &&
	    timer_pending(&node->reclaim_work.timer))
		mod_delayed_work(system_unbound_wq, &node->reclaim_work, 0);
}

/**
 * aem_in_kreclaimd - is the caller a node's kreclaimd
 *
 * The reclaim clients' calls from it hold no lock of aether_mm: they may
 * wait for their locks rather than try them (region/reclaim.c).
 *
 * Return: true in kreclaimd's work.
 */
bool aem_in_kreclaimd(void)
{
	struct work_struct *work = current_work();
	struct aem_node *node;

	if (!work)
		return false;
	for_each_aem_node(node)
		if (work == &node->reclaim_work.work)
			return true;
	return false;
}

/**
 * aem_kreclaimd_reset - an allocation's own reclaim found pages on @node
 * @node: the node
 *
 * kreclaimd's failures no longer hold its wakeups back.
 */
void aem_kreclaimd_reset(struct aem_node *node)
{
	if (READ_ONCE(node->reclaim_failures))
		WRITE_ONCE(node->reclaim_failures, 0);
}

/* Background growth: up to the high watermark, or the node's limit. */
static void aem_grow_workfn(struct work_struct *work)
{
	struct aem_node *node = container_of(work, struct aem_node, grow_work);

	while (aem_node_below(node, AEM_WMARK_HIGH)) {
		if (aem_node_grow(node, GFP_KERNEL)) {
			/* At its limit (or Linux said no): kreclaimd. */
			if (aem_node_below(node, AEM_WMARK_LOW))
				aem_kreclaimd_wake(node);
			break;
		}
		cond_resched();
	}
}

/**
 * aem_node_kick_grow - a zone of @node is below low: grow it, or reclaim
 * @node: the node
 *
 * Background growth while the node is under its limit, kreclaimd at it.
 */
void aem_node_kick_grow(struct aem_node *node)
{
	if (READ_ONCE(aem_pool.stopping))
		return;
	if (READ_ONCE(node->nr_chunks) < node->max_chunks)
		queue_work(system_unbound_wq, &node->grow_work);
	else
		aem_kreclaimd_wake(node);
}

/* Take the free chunks of @zone that may go back; return how many. */
static unsigned long aem_zone_take_free(struct aem_zone *zone,
					unsigned long nr, struct list_head *out)
{
	struct aem_node *node = zone->node;
	struct aem_chunk *chunk, *next;
	unsigned long flags, taken = 0;

	lockdep_assert_held(&node->resize_lock);
	spin_lock_irqsave(&zone->lock, flags);
	list_for_each_entry_safe(chunk, next, &zone->chunks, link) {
		if (taken == nr || node->nr_chunks <= node->min_chunks)
			break;
		if (!aem_chunk_is_free(chunk) ||
		    zone->free < AEM_CHUNK_PAGES + zone->wmark[AEM_WMARK_HIGH])
			continue;
		aem_buddy_take_chunk(zone, chunk);
		list_add(&chunk->rcu_link, out);
		WRITE_ONCE(node->nr_chunks, node->nr_chunks - 1);
		taken++;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return taken;
}

/**
 * aem_pool_shrink - give up to @nr free chunks back to Linux
 * @nr: most chunks to give back
 *
 * Never below a node's min_chunks; skips a node whose resize is under way.
 *
 * Return: chunks given back.
 */
unsigned long aem_pool_shrink(unsigned long nr)
{
	struct aem_chunk *chunk, *next;
	unsigned long freed = 0;
	struct aem_node *node;
	LIST_HEAD(dead);
	int z;

	for_each_aem_node(node) {
		if (!mutex_trylock(&node->resize_lock))
			continue;
		for (z = 0; z < AEM_NR_ZONES && freed < nr; z++) {
			struct aem_zone *zone = &node->zones[z];

			if (!zone->nr_chunks)
				continue;
			aem_pcp_drain_zone(zone);
			freed += aem_zone_take_free(zone, nr - freed, &dead);
		}
		mutex_unlock(&node->resize_lock);
	}
	list_for_each_entry(chunk, &dead, rcu_link)
		xa_erase(&aem_pool.chunks, chunk->base_pfn >> AEM_CHUNK_ORDER);
	if (list_empty(&dead))
		return 0;
	synchronize_rcu();
	list_for_each_entry_safe(chunk, next, &dead, rcu_link)
		aem_chunk_release(chunk);
	atomic_long_add(freed, &aem_pool.shrunk);
	aem_count_add(AEM_C_SHRINK, freed);
	return freed;
}

static unsigned long aem_zone_free_chunks(struct aem_zone *zone)
{
	struct aem_chunk *chunk;
	unsigned long flags, n = 0;

	spin_lock_irqsave(&zone->lock, flags);
	list_for_each_entry(chunk, &zone->chunks, link)
		n += aem_chunk_is_free(chunk);
	spin_unlock_irqrestore(&zone->lock, flags);
	return n;
}

static unsigned long aem_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long n = 0, node_free;
	struct aem_node *node;
	int z;

	for_each_aem_node(node) {
		unsigned int spare = READ_ONCE(node->nr_chunks);

		spare = spare > node->min_chunks ? spare - node->min_chunks : 0;
		node_free = 0;
		for (z = 0; z < AEM_NR_ZONES && spare; z++)
			node_free += aem_zone_free_chunks(&node->zones[z]);
		n += min_t(unsigned long, node_free, spare);
	}
	return n ? n : SHRINK_EMPTY;
}

static unsigned long aem_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long freed = aem_pool_shrink(sc->nr_to_scan);

	return freed ? freed : SHRINK_STOP;
}

static int aem_node_fallback_cmp(const void *a, const void *b, const void *priv)
{
	int nid = *(const int *)priv;

	return node_distance(nid, *(const u8 *)a) -
	       node_distance(nid, *(const u8 *)b);
}

/* Order the pool's nodes by distance from @node, itself first. */
static void aem_node_build_fallback(struct aem_node *node)
{
	unsigned int i, j;
	int nid;

	node->nr_fallback = 0;
	for_each_aem_nid(nid)
		node->fallback[node->nr_fallback++] = nid;
	/* Insertion sort, stable: ties keep node id order. */
	for (i = 1; i < node->nr_fallback; i++) {
		u8 v = node->fallback[i];

		for (j = i; j > 0 &&
		     aem_node_fallback_cmp(&node->fallback[j - 1], &v,
					   &node->nid) > 0; j--)
			node->fallback[j] = node->fallback[j - 1];
		node->fallback[j] = v;
	}
}

static struct aem_node *aem_node_create(int nid, unsigned int min_chunks,
					unsigned int max_chunks)
{
	struct aem_node *node;
	unsigned int z;

	node = kzalloc_node(sizeof(*node), GFP_KERNEL, nid);
	if (!node)
		return NULL;
	node->nid = nid;
	node->min_chunks = min_chunks;
	node->max_chunks = max_chunks;
	mutex_init(&node->resize_lock);
	INIT_WORK(&node->grow_work, aem_grow_workfn);
	INIT_DELAYED_WORK(&node->reclaim_work, aem_kreclaimd_workfn);
	init_waitqueue_head(&node->reclaim_wait);
	for (z = 0; z < AEM_NR_ZONES; z++) {
		aem_zone_init(&node->zones[z], node, z);
		if (aem_pcp_init(&node->zones[z]))
			goto out_free;
	}
	return node;

out_free:
	while (z--)
		aem_pcp_exit(&node->zones[z]);
	kfree(node);
	return NULL;
}

static void aem_node_destroy(struct aem_node *node)
{
	unsigned int z;

	for (z = 0; z < AEM_NR_ZONES; z++)
		aem_pcp_exit(&node->zones[z]);
	kfree(node);
}

static int aem_nodes_create(unsigned int init_mb, unsigned int max_mb)
{
	unsigned int chunk_mb = (AEM_CHUNK_PAGES << PAGE_SHIFT) >> 20;
	unsigned int min_chunks = DIV_ROUND_UP(init_mb, chunk_mb);
	unsigned int max_chunks = max(min_chunks, max_mb / chunk_mb);
	struct aem_node *node;
	int nid;

	aem_pool.nr_nodes = min_t(int, nr_node_ids, AEM_MAX_NODES);
	for_each_node_state(nid, N_MEMORY) {
		if (nid >= AEM_MAX_NODES) {
			pr_warn("node %d beyond the %d nodes supported, unused\n",
				nid, AEM_MAX_NODES);
			continue;
		}
		aem_pool.nodes[nid] = aem_node_create(nid, min_chunks,
						      max_chunks);
		if (!aem_pool.nodes[nid])
			return -ENOMEM;
	}
	for_each_aem_node(node)
		aem_node_build_fallback(node);
	return 0;
}

/* Fill each node up to its initial size. */
static int aem_pool_populate(void)
{
	unsigned long total = 0, wanted = 0;
	struct aem_node *node;
	int err;

	for_each_aem_node(node) {
		while (node->nr_chunks < node->min_chunks) {
			err = aem_node_grow(node, GFP_KERNEL);
			if (err) {
				pr_warn("node %d: %u of %u initial chunks (%d)\n",
					node->nid, node->nr_chunks, node->min_chunks,
					err);
				break;
			}
		}
		total += node->nr_chunks;
		wanted += node->min_chunks;
	}
	return wanted && !total ? -ENOMEM : 0;
}

static void aem_nodes_destroy(void)
{
	int nid;

	for (nid = 0; nid < AEM_MAX_NODES; nid++) {
		if (aem_pool.nodes[nid])
			aem_node_destroy(aem_pool.nodes[nid]);
		aem_pool.nodes[nid] = NULL;
	}
}

/*
 * Give every chunk back.  A chunk still in use means a leak: it is
 * reported with its owners' stacks and, with everything it points to, kept
 * for good rather than handed to Linux under a user's feet.
 *
 * Return: true when everything went back.
 */
static bool aem_pool_release_all(void)
{
	struct aem_chunk *chunk, *next;
	struct aem_node *node;
	bool clean = true;
	LIST_HEAD(dead);
	int z;

	for_each_aem_node(node) {
		for (z = 0; z < AEM_NR_ZONES; z++) {
			struct aem_zone *zone = &node->zones[z];
			unsigned long flags;

			aem_pcp_drain_zone(zone);
			spin_lock_irqsave(&zone->lock, flags);
			list_for_each_entry_safe(chunk, next, &zone->chunks,
						 link) {
				if (!aem_chunk_is_free(chunk)) {
					clean = false;
					continue;
				}
				aem_buddy_take_chunk(zone, chunk);
				list_add(&chunk->rcu_link, &dead);
			}
			spin_unlock_irqrestore(&zone->lock, flags);
		}
	}
	list_for_each_entry(chunk, &dead, rcu_link)
		xa_erase(&aem_pool.chunks, chunk->base_pfn >> AEM_CHUNK_ORDER);
	synchronize_rcu();
	list_for_each_entry_safe(chunk, next, &dead, rcu_link)
		aem_chunk_release(chunk);
	return clean;
}

int aem_pool_init(unsigned int init_mb, unsigned int max_mb)
{
	int err;

	xa_init(&aem_pool.chunks);
	atomic_long_set(&aem_pool.grown, 0);
	atomic_long_set(&aem_pool.shrunk, 0);
	aem_pool.stopping = false;
	aem_pool.counters = alloc_percpu(struct aem_counters);
	if (!aem_pool.counters)
		return -ENOMEM;
	err = aem_nodes_create(init_mb, max_mb);
	if (err)
		goto out_nodes;
	err = aem_pool_populate();
	if (err)
		goto out_release;
	aem_pool.shrinker = shrinker_alloc(0, "aether_mm-pool");
	if (!aem_pool.shrinker) {
		err = -ENOMEM;
		goto out_release;
	}
	aem_pool.shrinker->count_objects = aem_shrink_count;
	aem_pool.shrinker->scan_objects = aem_shrink_scan;
	aem_pool.shrinker->batch = 1;
	shrinker_register(aem_pool.shrinker);
	return 0;

out_release:
	aem_pool_release_all();
out_nodes:
	aem_nodes_destroy();
	free_percpu(aem_pool.counters);
	return err;
}

void aem_pool_exit(void)
{
	struct aem_node *node;

	shrinker_free(aem_pool.shrinker);
	/* No new run of either work; growth's may queue kreclaimd's: first. */
	WRITE_ONCE(aem_pool.stopping, true);
	for_each_aem_node(node) {
		cancel_work_sync(&node->grow_work);
		cancel_delayed_work_sync(&node->reclaim_work);
	}
	if (!aem_pool_release_all()) {
		pr_err("pages still in use at unload; leaked blocks:\n");
		aem_track_report(NULL);
		pr_err("their chunks and descriptors are kept, never reused\n");
		return;
	}
	xa_destroy(&aem_pool.chunks);
	aem_nodes_destroy();
	free_percpu(aem_pool.counters);
}

/**
 * aem_drain_all_pcp - give every per-CPU list of the pool back
 */
void aem_drain_all_pcp(void)
{
	struct aem_node *node;
	int z;

	for_each_aem_node(node)
		for (z = 0; z < AEM_NR_ZONES; z++)
			aem_pcp_drain_zone(&node->zones[z]);
}
EXPORT_SYMBOL_GPL(aem_drain_all_pcp);

/**
 * aem_get_pool_info - describe the pool
 * @info: filled in; @info->size is left as it is
 */
void aem_get_pool_info(struct aether_mm_pool_info *info)
{
	struct aem_node *node;
	u32 size = info->size;
	int onid, z;

	memset(info, 0, sizeof(*info));
	info->size = size;
	info->nr_nodes = aem_pool.nr_nodes;
	info->max_order = AEM_MAX_ORDER;
	info->pcp_max_order = AEM_PCP_MAX_ORDER;
	info->chunk_order = AEM_CHUNK_ORDER;
	info->page_size = PAGE_SIZE;
	info->tracking = READ_ONCE(aem_track);
	info->chunks_grown = atomic_long_read(&aem_pool.grown);
	info->chunks_shrunk = atomic_long_read(&aem_pool.shrunk);
	for_each_aem_node(node) {
		int nid = node->nid;

		for (z = 0; z < AEM_NR_ZONES; z++) {
			struct aem_zone *zone = &node->zones[z];

			info->node_pages[nid] += READ_ONCE(zone->managed);
			info->node_free[nid] += READ_ONCE(zone->free) +
						aem_pcp_count(zone);
			info->pages_reserved += READ_ONCE(zone->held);
		}
		info->pages_total += info->node_pages[nid];
		info->pages_free += info->node_free[nid];
		info->chunks += READ_ONCE(node->nr_chunks);
		info->node_chunks_min[nid] = node->min_chunks;
		info->node_chunks_max[nid] = node->max_chunks;
		for_each_aem_nid(onid)
			info->node_distance[nid][onid] =
				node_distance(nid, onid);
	}
}
EXPORT_SYMBOL_GPL(aem_get_pool_info);

/**
 * aem_pool_has_node() - does the pool have pages on node @nid
 * @nid: any int
 *
 * Return: true for a node of the pool.
 */
bool aem_pool_has_node(int nid)
{
	return aem_node(nid);
}

/**
 * aem_pool_nid_range() - the pool's lowest and highest node ids
 * @lowest: receives the lowest, -1 when the pool has no node
 * @highest: receives the highest (left alone when the pool has no node)
 */
void aem_pool_nid_range(int *lowest, int *highest)
{
	int nid;

	*lowest = -1;
	for_each_aem_nid(nid) {
		if (*lowest < 0)
			*lowest = nid;
		*highest = nid;
	}
}

/**
 * aem_pool_max_bytes() - the pool's largest size, all nodes
 *
 * Return: bytes; no region may be larger.
 */
u64 aem_pool_max_bytes(void)
{
	struct aem_node *node;
	u64 chunks = 0;

	for_each_aem_node(node)
		chunks += node->max_chunks;
	return chunks << (AEM_CHUNK_ORDER + PAGE_SHIFT);
}
