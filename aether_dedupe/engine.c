// SPDX-License-Identifier: GPL-2.0
/*
 * engine.c - aether_ksmd: finding equal pages and merging them
 *
 * DOC: Overview
 *
 * The merge engine of aether_mm's share table (include/aether/mm.h,
 * "Content sharing"), on KSM's algorithm (mm/ksm.c):
 *
 *  - a kernel thread, aether_ksmd, wakes every sleep_millisecs and visits
 *    pages_to_scan pages of MERGEABLE regions while run = 1, resuming
 *    where it stopped (a cursor: region id and page index; a region gone
 *    is skipped, a new one is seen when the cursor reaches it);
 *  - each page has an rmap item (struct adp_item, in a chunk of the
 *    items of 64 consecutive pages of a layer), found by region id,
 *    index and layer, holding the xxhash64 of its content at the last
 *    pass.  A page whose hash changed since is volatile: it waits for the
 *    next pass (KSM's checksum rule: a page being written is not worth a
 *    merge that the next write undoes);
 *  - a page unchanged since the last pass is looked up in the stable tree
 *    (shared frames, tree.c) and merged into an equal one
 *    (aem_share_merge()); else in the unstable tree (this pass's
 *    unchanged pages, referenced): an equal candidate makes a new shared
 *    frame, a copy of the candidate (aem_share_new(): neither party's
 *    frame, charged to the user of the domain; refused with -EDQUOT at
 *    that user's bound, and then both pages stay private), both pages
 *    merge into it and it enters the stable tree; else the page enters
 *    the unstable tree.  The unstable tree is
 *    emptied at the end of each full pass.
 *
 * aem_share_merge() unmaps the page from every process and compares its
 * bytes with the shared frame's under the slot lock before the slot
 * takes the shared frame: the hash only chooses candidates, equality is
 * always checked in full, and a write racing a merge either reaches the
 * page before the unmapping (the comparison fails) or faults on the
 * shared frame afterwards (and gets a copy).  KSM's write_protect_page()
 * then pages_identical(), with the core holding the slot.  So the tree
 * lookups compare no bytes when a key is the only one of its value
 * (adp_tree_find_key()), and a pass merges its pages at the end of each
 * scan batch (@pg->merge, adp_merge_done()) and the candidates its pages
 * paired with a batch at a time (adp_pend_flush()): the core merges the
 * pages of one slot lock in one hold, one unmapping a run of them.  A
 * page hashed at its last visit is looked up in the stable tree under
 * that visit's hash before it is hashed again, as KSM looks before it
 * checksums, and then among this pass's candidates under it
 * (adp_try_candidate()): a page that merges there holds bytes of that
 * hash, so only a page that finds nothing is hashed again.
 *
 * Nor is that page hashed again when its last visit left a hash it did
 * not doubt (a first hash, or one equal to the visit's before): it is
 * filed under that hash unchecked (adp_page()).  The page that pairs
 * with it takes the second sample for free: the new shared frame is a
 * copy of it whose hash the core took as it filled it
 * (aem_share_hash()); another hash than the one the candidate is filed
 * under, and the candidate changed, merges with nobody and its page is
 * hashed at its next visit (adp_pair(), KSM's checksum rule).  A candidate nobody paired with is
 * marked (@recheck), and its next visit hashes it first, within that
 * visit's pages_to_scan like any other hash: so a page that stays
 * unique is hashed every other pass, not every pass, and no wake-up
 * hashes more pages than it visits.
 *
 * Trees are ordered by (hash, trust domain, node, bytes) (tree.c), each
 * a forest of rbtrees by the hash's top bits: pages meet only pages of
 * their own domain.  With merge_across_nodes = 0 a page meets only pages
 * of its own node, and a new shared frame not on that node (the pool had
 * none free there) is given up.  A stable entry has up to
 * max_page_sharing users per shared frame; a full one gets a second
 * frame of the same content when two more equal pages pair up in the
 * unstable tree (a chain).  Zero-filled pages with use_zero_pages go
 * to the zero page (aem_share_zero()) and never enter a tree.
 *
 * Smart scan (KSM since 6.7): a page that keeps failing to merge is
 * visited less: after three passes without a merge it is skipped for 1
 * pass between visits, then for 2, 4 and at last 8 as its age grows
 * (KSM's ages: skip 1 up to age 3, 2 up to 5, 4 up to 8, then 8); a
 * merge resets it.  Shared frames nobody maps any more leave the stable tree at the
 * end of each pass and, within a long pass, every
 * stable_node_chains_prune_millisecs.
 *
 * The advisor (KSM's scan-time advisor since 6.8): after each full pass,
 * pages_to_scan is scaled so that the next pass takes
 * advisor_target_scan_time seconds, smoothed (30% old, 70% new, KSM's
 * weight), capped so that the thread's CPU share stays under
 * advisor_max_cpu percent (measured over the pass), and bounded by
 * advisor_min/max_pages_to_scan; the result is written to
 * adp_knobs.pages_to_scan, so STATUS shows it.
 *
 * @unshared (a user left one of our shared frames) cannot sleep: it finds
 * the frame's record in an RCU hash and updates atomics.  A shared frame
 * whose users are all gone is dropped at the end of the pass, as KSM
 * prunes stale stable nodes.  @range (AETHER_MM_IOC_REGION_DEDUPE) runs
 * the same per-page logic on a range, in the caller's context, with every
 * page a candidate now (no hash history, no smart-scan skip).
 *
 * Counters have KSM's meanings: pages_shared (our shared frames with a
 * user), pages_sharing (their users beyond the first of each),
 * pages_unshared (the unstable tree), pages_volatile (the other rmap
 * items), general_profit = (pages_sharing + zero_pages) * PAGE_SIZE less
 * the engine's metadata (rmap items, stable entries, shared frame
 * records).  scan_ns is aether_ksmd's CPU time (se.sum_exec_runtime).
 * A wake-up adds up its pages scanned and hashed in its walk and counts
 * them once, at its end (adp_walk_count()), not with an atomic a page.
 *
 * Locking (internal.h): adp_engine_lock (2) around a batch of the
 * thread, a chunk of a range (ADP_RANGE_CHUNK pages: a range lets the
 * engine go between chunks, so nothing waits a whole range), an unmerge,
 * @drain and the debugfs dumps: the trees, the rmap items, the cursor.
 * Readers for userspace (REGION_STATS, debugfs) wait interruptibly.
 * aether_mm's locks are taken inside the aem_share_*() calls only.
 * adp_knobs_lock (1) is never taken under adp_engine_lock: the advisor's
 * result is written once the batch has dropped it.  Counters read
 * outside the lock are atomics.
 */
#include <linux/freezer.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"
#include "trace.h"
#include "tree.h"

#define ADP_RSET_BITS		8	/* hash of regions' rmap items */
#define ADP_DUP_BITS		10	/* hash of our shared frames */
#define ADP_EWMA_OLD		30	/* advisor: weight of the old value, % */
#define ADP_AGE_MAX		U8_MAX
#define ADP_RANGE_CHUNK		512	/* range pages per hold of the engine */
#define ADP_REAP_SLACK		4096	/* see adp_rsets_reap() */
#define ADP_PEND_MAX		64	/* see adp_pend_flush() */
#define ADP_STOCK_MAX		32	/* see struct adp_stock */
#define ADP_CHUNK_SHIFT		6	/* see struct adp_chunk */
#define ADP_CHUNK_PAGES		BIT(ADP_CHUNK_SHIFT)

/**
 * struct adp_item - what the engine knows of one page (KSM's rmap_item)
 * @hash:	xxhash64 of the content at the last visit
 * @un:		its unstable tree node this pass, or NULL
 * @pass:	the last pass that saw it
 * @hashed:	@hash is set
 * @recheck:	the next visit hashes the page before it may be a
 *		candidate: @hash changed at its last look (volatile), or
 *		the last visit filed the page under @hash unchecked and no
 *		pair checked it (adp_try_unstable())
 * @age:	passes without a merge (smart scan)
 * @skips:	passes still to skip (smart scan)
 *
 * Its page is that of its place in its struct adp_chunk.
 */
struct adp_item {
	u64 hash;
	struct adp_unstable *un;
	u32 pass;
	u8 hashed;
	u8 recheck;
	u8 age;
	u8 skips;
};

/**
 * struct adp_chunk - the rmap items of ADP_CHUNK_PAGES pages of a layer
 * @next:	the chunk of another layer at the same indexes
 * @layer:	the layer's identity: its address, compared and never
 *		dereferenced (a layer freed and another allocated at the
 *		same address only inherits hashes: the merge compares bytes)
 * @used:	bit i: @items[i] is an item (its page was visited)
 * @key:	its index in the region's xarray
 * @items:	the items of data page indexes (key << ADP_CHUNK_SHIFT) + i
 *
 * A first pass made an item per page, each a slab object stored in the
 * region's xarray: the two a tenth of the scanner's CPU.  Items come in
 * chunks, as a region's pages come in runs: one allocation and one
 * xarray store per ADP_CHUNK_PAGES pages, a page's item found by one
 * xa_load().  A chunk goes when its last item does.
 */
struct adp_chunk {
	struct adp_chunk *next;
	unsigned long layer;
	u64 used;
	unsigned long key;
	struct adp_item items[ADP_CHUNK_PAGES];
};

/**
 * struct adp_rset - the rmap items of one region
 * @hnode:	in adp_rsets
 * @rid:	the region's id (aem_share_region_id())
 * @items:	data page index >> ADP_CHUNK_SHIFT -> first struct adp_chunk
 * @nr_items:	items in @items' chunks
 * @nr_chunks:	chunks in @items
 * @pass:	the last pass that saw the region
 * @alive:	seen by adp_rsets_sweep_gone()'s walk of the regions
 */
struct adp_rset {
	struct hlist_node hnode;
	u64 rid;
	struct xarray items;
	unsigned long nr_items;
	unsigned long nr_chunks;
	u32 pass;
	bool alive;
};

/**
 * struct adp_unstable - a candidate of this pass (unstable tree node)
 * @t:		in adp_unstable_tree
 * @pg:		the page, with references of its own
 * @item:	its rmap item
 */
struct adp_unstable {
	struct adp_tnode t;
	struct aem_share_page pg;
	struct adp_item *item;
};

/* A batch, a range or an unmerge: what the per-page logic needs. */
struct adp_walk {
	bool range;
	struct adp_rset *rs;
	struct adp_chunk *chunk;	/* of @rs: the last page's, or NULL */
	struct aem_region *region;	/* range: the caller's region */
	pgoff_t start, end;		/* range: its pages */
	struct aether_mm_region_dedupe *out;
	unsigned long waiting;		/* range: its pages in the unstable tree */
	unsigned long scanned, hashed;	/* a pass's, not counted yet */
};

/* Stops the domain walk of a range: no page of it waits any more. */
#define ADP_RANGE_DONE	(-ECANCELED)

/* 2 of internal.h: the trees, the rmap items, the cursor */
static DEFINE_MUTEX(adp_engine_lock);

static struct kmem_cache *adp_chunk_cache, *adp_unstable_cache,
	*adp_stable_cache, *adp_dup_cache;

/**
 * struct adp_stock - free objects of one cache, kept by the engine
 * @cache:	the cache they come from and go back to
 * @nr:		objects in @obj
 * @spill:	objects given back beyond ADP_STOCK_MAX are kept on
 *		@spilled rather than freed (see adp_stock_trim())
 * @spilled:	those objects, each holding the next one's address in its
 *		first word, or NULL
 * @obj:	the objects, not initialised
 *
 * Every pass makes an unstable node per page it files: one slab call each
 * was a tenth of the scanner's CPU.  Every pair makes a frame's record
 * and, for a content not yet in the stable tree, a stable entry: those
 * come from stocks too, so a pair makes no slab call of the engine's
 * but one bulk call per ADP_STOCK_MAX / 2 pairs (the shared frame itself
 * is aether_mm's).  A frame's record is read under RCU (@unshared): it
 * never goes back to its stock, only to its cache after a grace period
 * (adp_dup_free()); the stable entries and the unstable nodes, read
 * under adp_engine_lock only, go back to theirs at once.
 * The stock fills with one kmem_cache_alloc_bulk() and takes back what
 * the engine frees, up to ADP_STOCK_MAX; each object stays a slab object
 * of @cache, so lifetimes and their checks (kmemleak, KASAN) are those
 * of a kmem_cache_alloc().  Under adp_engine_lock; adp_drop_all() gives
 * the stock back before the caches go.
 *
 * A pair frees the node its candidate waited in, and a pass files its
 * unmerged pages after the pairs of earlier regions: the unstable stock
 * keeps every node given back within a pass (@spill), for the pages filed
 * after it, and frees them at the pass's end (adp_unstable_empty()).  A
 * pass so holds at most the nodes it had in its tree at once, and
 * between passes none: of a pass that merges a region's pages into an
 * earlier one's, a third fewer slab objects made and freed.
 */
struct adp_stock {
	struct kmem_cache *cache;
	unsigned int nr;
	bool spill;
	void *spilled;
	void *obj[ADP_STOCK_MAX];
};

/* adp_engine_lock: */
static struct adp_stock adp_unstable_stock, adp_stable_stock, adp_dup_stock;

/* adp_engine_lock: */
static struct adp_tree adp_stable_tree, adp_unstable_tree;
static struct adp_chain_stats adp_cs;
static DEFINE_HASHTABLE(adp_rsets, ADP_RSET_BITS);
static u32 adp_pass = 1;		/* never 0: a new item's pass */
static bool adp_in_pass;		/* a pass is under way */
static bool adp_pass_across;		/* merge_across_nodes of this pass */
static u64 adp_cur_rid;			/* the cursor: region ... */
static pgoff_t adp_cur_index;		/* ... and page index */
static u64 adp_pass_start_ns, adp_pass_cpu_ns;
static unsigned long adp_pass_pages;	/* data pages of the pass's regions */
static u32 adp_advice;			/* advisor's pages_to_scan, 0: none */
static unsigned long adp_pruned_at;	/* jiffies of the last prune */
static u64 adp_unstable_gen;		/* times the unstable tree emptied */
static long adp_reap_base;		/* rmap items after the last sweep */
/* pairs' first pages to merge, and their frames' records (adp_pend_add()) */
static struct aem_share_page adp_pend[ADP_PEND_MAX];
static struct adp_dup *adp_pend_dup[ADP_PEND_MAX];
static unsigned int adp_nr_pend;

/* writers adp_engine_lock, readers RCU (@unshared) */
static DEFINE_HASHTABLE(adp_dups, ADP_DUP_BITS);

static u64 adp_zero_hash;
static struct task_struct *adp_thread;
static struct aem_share_scan_buf *adp_scan_buf;	/* aether_ksmd's scans' */
static DECLARE_WAIT_QUEUE_HEAD(adp_wait);
static atomic_t adp_kicked = ATOMIC_INIT(0);

/* Read without adp_engine_lock (STATUS, debugfs). */
static atomic_long_t adp_users;		/* users of our frames, all */
static atomic_long_t adp_live;		/* our frames with a user */
static atomic_long_t adp_nr_items, adp_nr_chunks, adp_nr_unstable, adp_nr_stable,
	adp_nr_dups, adp_nr_chains, adp_nr_chain_dups;
static atomic_long_t adp_full_scans, adp_pages_scanned, adp_pages_skipped,
	adp_merges, adp_cow_unshares, adp_last_full_scan_ns,
	adp_mergeable_pages;
static atomic_long_t adp_pages_hashed;	/* 4 KiB hashes taken (debugfs) */

/* ---- the stocks of free objects ------------------------------------------ */

/* An object of @st, refilled in one bulk call when empty; NULL: -ENOMEM. */
static void *adp_stock_get(struct adp_stock *st)
{
	void *p;

	lockdep_assert_held(&adp_engine_lock);
	if (!st->nr && st->spilled) {
		p = st->spilled;
		st->spilled = *(void **)p;
		return p;
	}
	if (!st->nr)
		st->nr = kmem_cache_alloc_bulk(st->cache, GFP_KERNEL,
					       ADP_STOCK_MAX / 2, st->obj);
	if (!st->nr)
		return NULL;
	return st->obj[--st->nr];
}

/* @p back to @st, or to its cache when the stock is full. */
static void adp_stock_put(struct adp_stock *st, void *p)
{
	lockdep_assert_held(&adp_engine_lock);
	if (st->nr < ADP_STOCK_MAX) {
		st->obj[st->nr++] = p;
	} else if (st->spill) {
		*(void **)p = st->spilled;
		st->spilled = p;
	} else {
		kmem_cache_free(st->cache, p);
	}
}

/* The objects of @st's @spilled back to its cache, ADP_STOCK_MAX a call. */
static void adp_stock_trim(struct adp_stock *st)
{
	void *batch[ADP_STOCK_MAX];
	unsigned int n;

	lockdep_assert_held(&adp_engine_lock);
	while (st->spilled) {
		for (n = 0; n < ADP_STOCK_MAX && st->spilled; n++) {
			batch[n] = st->spilled;
			st->spilled = *(void **)batch[n];
		}
		kmem_cache_free_bulk(st->cache, n, batch);
		cond_resched();
	}
}

/* Every object of @st back to its cache. */
static void adp_stock_drain(struct adp_stock *st)
{
	lockdep_assert_held(&adp_engine_lock);
	adp_stock_trim(st);
	if (st->nr)
		kmem_cache_free_bulk(st->cache, st->nr, st->obj);
	st->nr = 0;
}

/* ---- hashing and the counters of the trees ----------------------------- */

/* Publish adp_cs (under adp_engine_lock) for readers without it. */
static void adp_cs_publish(void)
{
	lockdep_assert_held(&adp_engine_lock);
	atomic_long_set(&adp_nr_stable, adp_cs.entries);
	atomic_long_set(&adp_nr_dups, adp_cs.dups);
	atomic_long_set(&adp_nr_chains, adp_cs.chains);
	atomic_long_set(&adp_nr_chain_dups, adp_cs.chain_dups);
}

static void adp_stable_prune(bool all);

/* A slot is about to merge into @d: count it first (see adp_unshared()). */
static void adp_dup_user_add(struct adp_dup *d)
{
	atomic_long_inc(&adp_users);
	if (atomic_inc_return(&d->users) == 1)
		atomic_long_inc(&adp_live);
}

/*
 * A slot of @d left, or its merge failed; never below 0 (races).
 * Return: true when that was its last user.
 */
static bool adp_dup_user_drop(struct adp_dup *d)
{
	int left = atomic_dec_if_positive(&d->users);

	if (left < 0)
		return false;
	atomic_long_dec(&adp_users);
	if (left)
		return false;
	atomic_long_dec(&adp_live);
	return true;
}

/*
 * A shared frame nobody maps any more is only our reference: give it back
 * now, not at the next pass's end, which may never come (run = 0 after
 * a REGION_DEDUPE, or a scanner stopped by the administrator).
 */
static void adp_prune_fn(struct work_struct *work)
{
	mutex_lock(&adp_engine_lock);
	adp_stable_prune(false);
	mutex_unlock(&adp_engine_lock);
}

static DECLARE_WORK(adp_prune_work, adp_prune_fn);

/*
 * @unshared: a user left @s.  Our count went up before the core's (a user
 * is counted before its merge), so it never goes below the core's and a
 * frame's count reaches 0 exactly when its last user has left.
 */
static void adp_unshared(struct aem_shared *s, unsigned int users)
{
	struct adp_dup *d;

	trace_adedup_unmerge(s, users);
	atomic_long_inc(&adp_cow_unshares);
	hash_for_each_possible_rcu(adp_dups, d, hnode, (unsigned long)s) {
		if (d->s != s)
			continue;
		/* Under RCU, maybe a slot lock: the prune is deferred. */
		if (adp_dup_user_drop(d))
			schedule_work(&adp_prune_work);
		break;
	}
}

/* A record for @s (whose reference it takes over), in the hash. */
static struct adp_dup *adp_dup_new(struct aem_shared *s)
{
	struct adp_dup *d;

	lockdep_assert_held(&adp_engine_lock);
	d = adp_stock_get(&adp_dup_stock);
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->s = s;
	atomic_set(&d->users, 0);
	hash_add_rcu(adp_dups, &d->hnode, (unsigned long)s);
	return d;
}

static void adp_dup_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(adp_dup_cache, container_of(head, struct adp_dup, rcu));
}

/* Forget @d (off any entry already): its frame goes with its last user. */
static void adp_dup_free(struct adp_dup *d)
{
	lockdep_assert_held(&adp_engine_lock);
	hash_del_rcu(&d->hnode);
	/* Whatever users remain (unmerge found no frame) are no longer ours. */
	while (atomic_read(&d->users) > 0)
		adp_dup_user_drop(d);
	aem_share_put(d->s);
	/* @unshared may still be reading it: to its cache after a grace. */
	call_rcu(&d->rcu, adp_dup_free_rcu);
}

/* ---- the trees ----------------------------------------------------------- */

static int adp_stable_cmp(const void *kaddr, struct adp_tnode *n)
{
	struct adp_stable *st = container_of(n, struct adp_stable, t);
	struct adp_dup *d = list_first_entry(&st->dups, struct adp_dup, link);

	return aem_share_cmp(kaddr, d->s);
}

static int adp_unstable_cmp(const void *kaddr, struct adp_tnode *n)
{
	struct adp_unstable *u = container_of(n, struct adp_unstable, t);
	void *b = kmap_local_page(aem_frame_page(u->pg.frame));
	int c = memcmp(kaddr, b, PAGE_SIZE);

	kunmap_local(b);
	return c;
}

static int adp_dup_nid(struct adp_dup *d)
{
	return aem_share_nid(d->s);
}

/* Take @u out of the unstable tree and drop its references. */
static void adp_unstable_drop(struct adp_unstable *u)
{
	lockdep_assert_held(&adp_engine_lock);
	if (!RB_EMPTY_NODE(&u->t.rb))
		adp_tree_erase(&adp_unstable_tree, &u->t);
	if (u->item)
		u->item->un = NULL;
	/* No region: its page and references went to adp_pend_add(). */
	if (u->pg.region)
		aem_share_page_put(&u->pg);
	adp_stock_put(&adp_unstable_stock, u);
	atomic_long_dec(&adp_nr_unstable);
}

static void adp_unstable_empty(void)
{
	struct adp_unstable *u, *tmp;
	struct rb_root *root;
	unsigned int i;

	lockdep_assert_held(&adp_engine_lock);
	for (i = 0; i < ADP_TREE_ROOTS; i++) {
		root = &adp_unstable_tree.roots[i];
		rbtree_postorder_for_each_entry_safe(u, tmp, root, t.rb) {
			RB_CLEAR_NODE(&u->t.rb);
			adp_unstable_drop(u);
			cond_resched();
		}
		*root = RB_ROOT;
	}
	adp_stock_trim(&adp_unstable_stock);
	/* A range between two chunks: none of its pages waits any more. */
	adp_unstable_gen++;
}

/*
 * Forget shared frames nobody maps (@all: every one), and the entries
 * left with none (freed after the walk of their list, never inside it).
 */
static void adp_stable_prune(bool all)
{
	struct adp_tnode *n = adp_tree_first(&adp_stable_tree), *next;
	struct adp_stable *st;
	struct adp_dup *d, *tmp;

	lockdep_assert_held(&adp_engine_lock);
	adp_pruned_at = jiffies;
	for (; n; n = next) {
		next = adp_tree_next(&adp_stable_tree, n);
		st = container_of(n, struct adp_stable, t);
		list_for_each_entry_safe(d, tmp, &st->dups, link) {
			if (all || !atomic_read(&d->users)) {
				adp_stable_del_dup(st, d, &adp_cs);
				adp_dup_free(d);
			}
		}
		if (!st->nr_dups) {
			adp_tree_erase(&adp_stable_tree, &st->t);
			adp_stock_put(&adp_stable_stock, st);
		}
		cond_resched();
	}
	adp_cs_publish();
}

/*
 * Put @d (a new shared frame with its users) into the stable tree under
 * @dkey (the pair's domain, node and hash): a new entry, or the next
 * frame of an equal one.
 * The frame is not hashed again: adp_pair() checked that the core's hash
 * of it (taken as it filled it) is @dkey's, and a merged page equals it
 * byte for byte.  So an entry holds bytes of the hash it is filed under,
 * and the tree stays ordered (a shared frame's bytes never change).
 */
static int adp_stable_insert(struct adp_dup *d, const struct adp_tkey *dkey)
{
	struct rb_node **link, *parent;
	struct adp_tkey key = *dkey;
	struct adp_tnode *n;
	struct adp_stable *st;
	struct aem_frame *f;
	void *kaddr;

	lockdep_assert_held(&adp_engine_lock);
	f = aem_share_frame_get(d->s);
	if (!f)
		return -EAGAIN;
	kaddr = kmap_local_page(aem_frame_page(f));
	key.domain = aem_share_domain_key(d->s);
	n = adp_tree_find(&adp_stable_tree, &key, kaddr, adp_stable_cmp,
			  &link, &parent);
	kunmap_local(kaddr);
	aem_share_frame_put(f);
	if (n) {
		st = container_of(n, struct adp_stable, t);
	} else {
		st = adp_stock_get(&adp_stable_stock);
		if (!st)
			return -ENOMEM;
		adp_stable_init(st, &key);
		adp_tree_link(&adp_stable_tree, &st->t, link, parent);
	}
	adp_stable_add_dup(st, d, &adp_cs);
	adp_cs_publish();
	return 0;
}

/* ---- rmap items ---------------------------------------------------------- */

static struct adp_rset *adp_rset_find(u64 rid)
{
	struct adp_rset *rs;

	hash_for_each_possible(adp_rsets, rs, hnode, rid)
		if (rs->rid == rid)
			return rs;
	return NULL;
}

static struct adp_rset *adp_rset_get(u64 rid)
{
	struct adp_rset *rs;

	lockdep_assert_held(&adp_engine_lock);
	rs = adp_rset_find(rid);
	if (rs)
		return rs;
	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return NULL;
	rs->rid = rid;
	xa_init(&rs->items);
	hash_add(adp_rsets, &rs->hnode, rid);
	return rs;
}

/* Item @i of @c goes (its candidate with it); @c stays, maybe empty. */
static void adp_item_free(struct adp_rset *rs, struct adp_chunk *c,
			  unsigned int i)
{
	struct adp_item *it = &c->items[i];

	if (it->un)
		adp_unstable_drop(it->un);
	c->used &= ~BIT_ULL(i);
	rs->nr_items--;
	atomic_long_dec(&adp_nr_items);
}

static void adp_chunk_free(struct adp_rset *rs, struct adp_chunk *c)
{
	kmem_cache_free(adp_chunk_cache, c);
	rs->nr_chunks--;
	atomic_long_dec(&adp_nr_chunks);
}

/* Free the items of @rs no pass saw since @pass (all: every one). */
static void adp_rset_sweep(struct adp_rset *rs, bool all)
{
	struct adp_chunk *c, **pp;
	unsigned long idx, used;
	unsigned int i;
	void *e;

	lockdep_assert_held(&adp_engine_lock);
	xa_for_each(&rs->items, idx, e) {
		pp = (struct adp_chunk **)&e;
		for (c = e; c; c = *pp) {
			for (used = c->used; used; used &= used - 1) {
				i = __ffs(used);
				if (all || c->items[i].pass != adp_pass)
					adp_item_free(rs, c, i);
			}
			if (c->used) {
				pp = &c->next;
				continue;
			}
			*pp = c->next;
			adp_chunk_free(rs, c);
		}
		if (e)
			xa_store(&rs->items, idx, e, GFP_KERNEL);
		else
			xa_erase(&rs->items, idx);
		cond_resched();
	}
}

static void adp_rset_free(struct adp_rset *rs)
{
	adp_rset_sweep(rs, true);
	xa_destroy(&rs->items);
	hash_del(&rs->hnode);
	kfree(rs);
}

/* Regions no pass saw (gone), or all. */
static void adp_rsets_sweep(bool all)
{
	struct hlist_node *tmp;
	struct adp_rset *rs;
	int bkt;

	lockdep_assert_held(&adp_engine_lock);
	hash_for_each_safe(adp_rsets, bkt, tmp, rs, hnode)
		if (all || rs->pass != adp_pass)
			adp_rset_free(rs);
	adp_reap_base = atomic_long_read(&adp_nr_items);
}

/*
 * The regions that are gone, now: without a pass to end (the scanner
 * stopped), nothing else frees their items, and REGION_DEDUPE makes one
 * for every page of its range, so a user making, deduping and closing
 * regions would grow them without bound.
 */
static void adp_rsets_sweep_gone(void)
{
	struct hlist_node *tmp;
	struct aem_region *r;
	struct adp_rset *rs;
	int bkt;

	lockdep_assert_held(&adp_engine_lock);
	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r)) {
		rs = adp_rset_find(aem_share_region_id(r));
		if (rs)
			rs->alive = true;
	}
	hash_for_each_safe(adp_rsets, bkt, tmp, rs, hnode) {
		if (rs->alive)
			rs->alive = false;
		else
			adp_rset_free(rs);
	}
	adp_reap_base = atomic_long_read(&adp_nr_items);
}

/*
 * adp_rsets_reap - the items of regions gone, before they pile up
 *
 * A pass end frees the sets of regions it did not see, a stopped scanner
 * those of regions gone; within a long pass (a region of GiBs at a slow
 * pages_to_scan) neither comes, and a user making, deduping and closing
 * regions would leave rmap items without bound.  So whenever the items
 * reach twice what the last sweep left, and ADP_REAP_SLACK more, the
 * regions are walked and the sets of those gone freed: the items of
 * regions gone stay below those of live ones plus the slack, and the
 * walk is paid for by the items made since the last one.  Called before
 * an item is made, from a pass's page or a range's.
 */
static void adp_rsets_reap(void)
{
	lockdep_assert_held(&adp_engine_lock);
	if (atomic_long_read(&adp_nr_items) >=
	    2 * adp_reap_base + ADP_REAP_SLACK)
		adp_rsets_sweep_gone();
}

/* The item of @layer's page @index in @rs, or NULL. */
static struct adp_item *adp_item_find(struct adp_rset *rs,
				      unsigned long layer, pgoff_t index)
{
	unsigned int i = index & (ADP_CHUNK_PAGES - 1);
	struct adp_chunk *c;

	for (c = xa_load(&rs->items, index >> ADP_CHUNK_SHIFT); c; c = c->next)
		if (c->layer == layer)
			return c->used & BIT_ULL(i) ? &c->items[i] : NULL;
	return NULL;
}

/*
 * The item of @pg in @w->rs, made if new; NULL on -ENOMEM.  A walk visits
 * a layer's pages by increasing index: the chunk of the last page is
 * kept in @w->chunk (set to NULL whenever @w->rs is set or the engine
 * lock was let go: chunks go only in sweeps of their set, under it).
 */
static struct adp_item *adp_item_get(struct adp_walk *w,
				     const struct aem_share_page *pg)
{
	unsigned int i = pg->index & (ADP_CHUNK_PAGES - 1);
	unsigned long key = pg->index >> ADP_CHUNK_SHIFT;
	unsigned long layer = (unsigned long)pg->layer;
	struct adp_chunk *first = NULL, *c = w->chunk;
	struct adp_rset *rs = w->rs;

	if (!c || c->layer != layer || c->key != key) {
		first = xa_load(&rs->items, key);
		for (c = first; c; c = c->next)
			if (c->layer == layer)
				break;
		w->chunk = c;
	}
	if (c && (c->used & BIT_ULL(i)))
		return &c->items[i];
	adp_rsets_reap();
	/* The reap freed only sets of regions gone: @rs and @first live. */
	if (!c) {
		c = kmem_cache_alloc(adp_chunk_cache, GFP_KERNEL);
		if (!c)
			return NULL;
		c->layer = layer;
		c->key = key;
		c->used = 0;
		c->next = first;
		if (xa_err(xa_store(&rs->items, key, c, GFP_KERNEL))) {
			kmem_cache_free(adp_chunk_cache, c);
			return NULL;
		}
		rs->nr_chunks++;
		atomic_long_inc(&adp_nr_chunks);
		w->chunk = c;
	}
	memset(&c->items[i], 0, sizeof(c->items[i]));
	c->used |= BIT_ULL(i);
	rs->nr_items++;
	atomic_long_inc(&adp_nr_items);
	return &c->items[i];
}

/* ---- one page ------------------------------------------------------------ */

static bool adp_in_range(const struct adp_walk *w,
			 const struct aem_share_page *pg)
{
	return w->range && pg->region == w->region && pg->index >= w->start &&
	       pg->index < w->end;
}

/* A slot merged (or went to the zero page, @zero): count it. */
static void adp_count_merge(struct adp_walk *w, const struct aem_share_page *pg,
			    bool zero)
{
	trace_adedup_merge(pg, zero, w->range);
	atomic_long_inc(&adp_merges);
	if (!w->range)
		return;
	w->out->saved += PAGE_SIZE;
	if (adp_in_range(w, pg))
		w->out->merged++;
}

/* Smart scan: skip the page this pass?  KSM's ages and skips. */
static bool adp_should_skip(struct adp_item *it)
{
	u8 age = it->age;

	if (age != ADP_AGE_MAX)
		it->age++;
	if (age < 3)
		return false;
	if (!it->skips) {
		it->skips = age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
		return false;
	}
	it->skips--;
	return true;
}

/* Merge @pg into @d; 0 or aem_share_merge()'s errno. */
static int adp_merge_into(struct adp_walk *w, struct aem_share_page *pg,
			  struct adp_dup *d)
{
	int ret;

	adp_dup_user_add(d);
	ret = aem_share_merge(pg, d->s);
	if (ret) {
		adp_dup_user_drop(d);
		return ret;
	}
	adp_count_merge(w, pg, false);
	return 0;
}

/*
 * Merge @pg, the page being visited, into @d: a range's now; a pass's at
 * the end of its scan batch, with the batch's other merges (@pg->merge,
 * aem_share_scan_batch(): one unmapping for each run of them), the result
 * coming to adp_merge_done().  1 merged or asked for, 0 not.
 */
static int adp_merge_page(struct adp_walk *w, struct aem_share_page *pg,
			  struct adp_dup *d)
{
	if (w->range)
		return adp_merge_into(w, pg, d) ? 0 : 1;
	/* Counted now, as adp_merge_into() does: see adp_unshared(). */
	adp_dup_user_add(d);
	pg->merge = d->s;
	return 1;
}

/* The record of our shared frame @s; NULL if none. */
static struct adp_dup *adp_dup_find(struct aem_shared *s)
{
	struct adp_dup *d;

	lockdep_assert_held(&adp_engine_lock);
	hash_for_each_possible(adp_dups, d, hnode, (unsigned long)s)
		if (d->s == s)
			return d;
	return NULL;
}

/*
 * @done of a pass's scan batch: the merge adp_merge_page() asked for was
 * done (@ret 0) or not (aem_share_merge()'s errno).
 */
static void adp_merge_done(struct aem_share_page *pg, int ret, void *arg)
{
	struct adp_walk *w = arg;
	struct adp_dup *d;

	if (!ret) {
		adp_count_merge(w, pg, false);
		return;
	}
	d = adp_dup_find(pg->merge);
	if (!WARN_ON_ONCE(!d))
		adp_dup_user_drop(d);
}

/*
 * The first pages of a pass's pairs (the candidates a page paired with)
 * wait here, with references of their own, to be merged together at the
 * end of the batch (adp_pend_flush(), aem_share_merge_pages()): a run of
 * pages pairing with a run of candidates of another region merges both
 * runs a slot lock hold and an unmapping each, not one per page.
 */
static void adp_pend_flush(struct adp_walk *w)
{
	int rets[ADP_PEND_MAX];
	unsigned int i;

	lockdep_assert_held(&adp_engine_lock);
	if (!adp_nr_pend)
		return;
	aem_share_merge_pages(adp_pend, adp_nr_pend, rets);
	for (i = 0; i < adp_nr_pend; i++) {
		if (!rets[i])
			adp_count_merge(w, &adp_pend[i], false);
		else
			adp_dup_user_drop(adp_pend_dup[i]);
		aem_share_page_put(&adp_pend[i]);
	}
	adp_nr_pend = 0;
}

/* Merge candidate @u's page into @d at the next adp_pend_flush(). */
static void adp_pend_add(struct adp_walk *w, struct adp_unstable *u,
			 struct adp_dup *d)
{
	if (adp_nr_pend == ADP_PEND_MAX)
		adp_pend_flush(w);
	/* Counted now, as adp_merge_into() does: see adp_unshared(). */
	adp_dup_user_add(d);
	/* @u's references go with the page (adp_unstable_drop() is next). */
	adp_pend[adp_nr_pend] = u->pg;
	u->pg.region = NULL;
	adp_pend[adp_nr_pend].merge = d->s;
	adp_pend_dup[adp_nr_pend++] = d;
}

/* The merges of a pair whose frame could not be filed: not any more. */
static void adp_pair_cancel(struct aem_share_page *pg, struct adp_dup *d)
{
	if (pg->merge == d->s) {
		pg->merge = NULL;
		adp_dup_user_drop(d);
	}
	if (adp_nr_pend && adp_pend[adp_nr_pend - 1].merge == d->s) {
		adp_nr_pend--;
		adp_dup_user_drop(d);
		aem_share_page_put(&adp_pend[adp_nr_pend]);
	}
}

/* Stable tree: 1 merged, 0 not (no room, no match, or it failed). */
static int adp_try_stable(struct adp_walk *w, struct aem_share_page *pg,
			  const void *kaddr, const struct adp_tkey *key)
{
	struct adp_tnode *n;
	struct adp_dup *d;

	/* The merge compares the bytes: a lone key's entry needs no look. */
	n = adp_tree_find_key(&adp_stable_tree, key, kaddr, adp_stable_cmp,
			      NULL, NULL);
	if (!n)
		return 0;
	d = adp_stable_pick(container_of(n, struct adp_stable, t),
			    READ_ONCE(adp_knobs.max_page_sharing), key->nid,
			    adp_dup_nid);
	if (!d)
		return 0;
	return adp_merge_page(w, pg, d);
}

/*
 * @pg equals candidate @u: a new shared frame copied from @u, both merged
 * into it, into the stable tree.  1 when @pg merged, 0 when not, -ENOMEM,
 * or -ESTALE when @u's page no longer holds bytes of the hash it is filed
 * under: it changed since (volatile), merges with nobody, and its item
 * takes the hash of its bytes now, to be checked again at its next visit.
 * @u leaves the unstable tree either way.
 */
static int adp_pair(struct adp_walk *w, struct aem_share_page *pg,
		    struct adp_unstable *u, const struct adp_tkey *key)
{
	int merged = 0, ret = 0;
	struct aem_shared *s;
	struct adp_dup *d;

	if (adp_in_range(w, &u->pg))
		w->waiting--;
	s = aem_share_new(&u->pg);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s) == -ENOMEM ? -ENOMEM : 0;
		goto out;
	}
	/*
	 * The frame is a copy of @u's page and the core hashed it as it
	 * filled it: @u's check, for free, whether its visit hashed it or
	 * filed it unchecked (a page written after its visit's hash changed
	 * all the same).  Then a page that merges holds bytes of that hash,
	 * and the stable entry is filed under the hash of its frame.
	 */
	if (aem_share_hash(s) != u->t.key.hash) {
		u->item->hash = aem_share_hash(s);
		u->item->recheck = 1;
		aem_share_put(s);
		ret = -ESTALE;
		goto out;
	}
	u->item->recheck = 0;
	/* Per-node trees: a frame the pool found on another node is no use. */
	if (key->nid != NUMA_NO_NODE && aem_share_nid(s) != key->nid) {
		aem_share_put(s);
		goto out;
	}
	d = adp_dup_new(s);
	if (!d) {
		aem_share_put(s);
		ret = -ENOMEM;
		goto out;
	}
	if (!w->range) {
		/* A pass's pages merge later, with others (see above). */
		adp_pend_add(w, u, d);
		ret = adp_merge_page(w, pg, d);
		merged = 2;
	} else if (!adp_merge_into(w, &u->pg, d)) {
		ret = adp_merge_page(w, pg, d);
		merged = 1 + ret;
	} else if (!adp_merge_into(w, pg, d)) {
		merged++;
		ret = 1;
	}
	if (!merged) {
		adp_dup_free(d);
		goto out;
	}
	if (adp_stable_insert(d, key)) {
		adp_pair_cancel(pg, d);
		/* Unlisted, it cannot be pruned: give its users copies. */
		aem_share_unmerge(s);
		adp_dup_free(d);
		goto out;
	}
	if (w->range)
		w->out->saved -= PAGE_SIZE;
out:
	adp_unstable_drop(u);
	return ret;
}

/*
 * Unstable tree: 1 merged, 0 not (inserted, or a pair that failed).
 * @unchecked: @key is under the hash of @pg's last visit, not taken again
 * (adp_page()): @pg is filed so, marked for its next visit to hash it;
 * and -ESTALE when the candidate it met had changed (adp_pair()): its
 * own key being no surer, the caller hashes it.  A page hashed now takes
 * a stale candidate's place.
 */
static int adp_try_unstable(struct adp_walk *w, struct aem_share_page *pg,
			    struct adp_item *it, const void *kaddr,
			    const struct adp_tkey *key, bool unchecked)
{
	struct rb_node **link, *parent;
	struct adp_unstable *u;
	struct adp_tnode *n;
	int ret;

	/* Both merges of a pair compare the bytes (adp_tree_find_key()). */
	for (;;) {
		n = adp_tree_find_key(&adp_unstable_tree, key, kaddr,
				      adp_unstable_cmp, &link, &parent);
		if (!n)
			break;
		ret = adp_pair(w, pg, container_of(n, struct adp_unstable, t),
			       key);
		if (ret != -ESTALE || unchecked)
			return ret;
		/* The stale candidate is gone: look again. */
	}
	u = adp_stock_get(&adp_unstable_stock);
	if (!u)
		return -ENOMEM;
	u->t.key = *key;
	aem_share_page_get(&u->pg, pg);
	u->item = it;
	it->un = u;
	it->recheck = unchecked;
	adp_tree_link(&adp_unstable_tree, &u->t, link, parent);
	atomic_long_inc(&adp_nr_unstable);
	if (adp_in_range(w, pg))
		w->waiting++;
	return 0;
}

/*
 * adp_try_candidate - pair with a candidate under the last visit's hash
 * @w: the walk (a pass's)
 * @pg: the page being visited, not hashed again yet
 * @kaddr: its bytes, mapped
 * @key: its key under the hash of its last visit
 *
 * A candidate of this pass was hashed at its visit and found unchanged
 * since its last pass (adp_page()).  A page whose last hash is the
 * candidate's needs no new hash to pair with it, as adp_try_stable()
 * needs none under that hash: the pair's merges compare every byte of
 * the page with the copy of the candidate after unmapping it, so a page
 * that merges holds the candidate's bytes, of that same hash: unchanged
 * since its last visit as far as a hash can tell, KSM's rule kept.  A
 * page that changed fails its merge (and the candidate's frame goes to
 * the candidate alone, as when a write races a pair).  This spares the
 * second page of every pair its 4 KiB hash.  Not for a page that may be
 * a zero page (use_zero_pages): that one takes adp_try_zero() first.
 *
 * Return: as adp_pair(), 0 when no candidate has that key.
 */
static int adp_try_candidate(struct adp_walk *w, struct aem_share_page *pg,
			     const void *kaddr, const struct adp_tkey *key)
{
	struct adp_tnode *n;
	int ret;

	if (READ_ONCE(adp_knobs.use_zero_pages) && key->hash == adp_zero_hash)
		return 0;
	n = adp_tree_find_key(&adp_unstable_tree, key, kaddr, adp_unstable_cmp,
			      NULL, NULL);
	if (!n)
		return 0;
	ret = adp_pair(w, pg, container_of(n, struct adp_unstable, t), key);
	/* A stale candidate: @pg is hashed and filed as if none was met. */
	return ret == -ESTALE ? 0 : ret;
}

/*
 * May @it's page, looked up under the hash of its last visit (@key), be
 * filed unchecked (adp_page())?  Not when that visit did not confirm the
 * hash (@recheck), nor when it may be a zero page (adp_try_zero() needs
 * its bytes hashed now).
 */
static bool adp_may_file_unchecked(const struct adp_item *it,
				   const struct adp_tkey *key)
{
	return !it->recheck && !(READ_ONCE(adp_knobs.use_zero_pages) &&
				 key->hash == adp_zero_hash);
}

/* Zero page: 1 given, 0 not, never into a tree. */
static int adp_try_zero(struct adp_walk *w, struct aem_share_page *pg,
			const void *kaddr, u64 hash)
{
	if (!READ_ONCE(adp_knobs.use_zero_pages) || hash != adp_zero_hash ||
	    memchr_inv(kaddr, 0, PAGE_SIZE))
		return 0;
	if (aem_share_zero(pg))
		return 0;
	adp_count_merge(w, pg, true);
	return 1;
}

/*
 * @pg's tree key under @hash.  Made only when a page meets a tree: a
 * page seen for the first time, or found volatile, is only hashed.
 */
static void adp_key_init(struct adp_tkey *key, const struct aem_share_page *pg,
			 u64 hash)
{
	key->hash = hash;
	key->domain = aem_share_region_domain(pg->region);
	key->nid = adp_pass_across ? NUMA_NO_NODE : aem_frame_nid(pg->frame);
}

/*
 * The per-page logic, for aem_share_scan(): a pass's page (@w->range
 * false) or a range's.  Errors stop the walk only for a range (-EINTR,
 * -ENOMEM); a pass goes on with the next page.
 */
static int adp_page(struct aem_share_page *pg, void *arg)
{
	struct adp_walk *w = arg;
	struct adp_tkey key;
	struct adp_item *it;
	bool stable_tried;
	void *kaddr;
	u64 hash;
	int ret;

	lockdep_assert_held(&adp_engine_lock);
	if (w->range) {
		if (signal_pending(current))
			return -EINTR;
		w->out->scanned++;
	} else {
		w->scanned++;
	}
	it = adp_item_get(w, pg);
	if (!it)
		return w->range ? -ENOMEM : 0;
	it->pass = adp_pass;
	/* Seen again: out of the tree (its reference would fail a merge). */
	if (it->un)
		adp_unstable_drop(it->un);
	if (pg->shared) {
		it->age = 0;
		it->skips = 0;
		return 0;
	}
	if (!w->range && READ_ONCE(adp_knobs.smart_scan) &&
	    adp_should_skip(it)) {
		atomic_long_inc(&adp_pages_skipped);
		return 0;
	}
	kaddr = kmap_local_page(aem_frame_page(pg->frame));
	/*
	 * KSM's order: the stable tree first, before the page is hashed
	 * again, here under the hash of its last visit.  The merge compares
	 * every byte with the shared frame's, filed under that hash: a page
	 * that merges holds bytes of that hash, unchanged as far as the
	 * hash can tell, and needs no new one (KSM's cmp_and_merge_page()
	 * checksums no page the stable tree matched either).  Then this
	 * pass's candidates under that hash, on the same ground.
	 *
	 * A page whose last visit left a hash it did not doubt (a first
	 * one, or the same as the visit before's) is filed among them under
	 * it without a new one: a page that pairs with it checks it
	 * (adp_pair(), the frame's hash the second sample), and its next
	 * visit hashes it if none did (@recheck).  Once a candidate it met turns
	 * out stale, its own key is in doubt too: it is hashed now.
	 */
	stable_tried = !w->range && it->hashed;
	if (stable_tried) {
		adp_key_init(&key, pg, it->hash);
		ret = adp_try_stable(w, pg, kaddr, &key);
		if (!ret && adp_may_file_unchecked(it, &key)) {
			ret = adp_try_unstable(w, pg, it, kaddr, &key, true);
			/*
			 * Paired or filed: done.  Not when the candidate was
			 * stale, or the pair refused (-EDQUOT at the user's
			 * bound, a frame on another node, -ENOMEM): hashed and
			 * filed as if it met none, as KSM's rule would have
			 * it, not left out of this pass and the next.
			 */
			if (ret > 0 || it->un)
				goto out;
			ret = 0;
		} else if (!ret) {
			ret = adp_try_candidate(w, pg, kaddr, &key);
		}
		if (ret)
			goto out;
	}
	hash = adp_hash(kaddr);
	if (w->range)
		atomic_long_inc(&adp_pages_hashed);
	else
		w->hashed++;
	if (!w->range && (!it->hashed || it->hash != hash)) {
		/* Volatile: a candidate once unchanged for a pass. */
		it->recheck = it->hashed;
		it->hash = hash;
		it->hashed = 1;
		kunmap_local(kaddr);
		return 0;
	}
	it->hash = hash;
	it->hashed = 1;
	it->recheck = 0;
	ret = adp_try_zero(w, pg, kaddr, hash);
	if (!ret) {
		/* The same key as the stable lookup above, when there was one. */
		if (!stable_tried) {
			adp_key_init(&key, pg, hash);
			ret = adp_try_stable(w, pg, kaddr, &key);
		}
		if (!ret)
			ret = adp_try_unstable(w, pg, it, kaddr, &key, false);
	}
out:
	kunmap_local(kaddr);
	if (ret > 0) {
		it->age = 0;
		it->skips = 0;
		return 0;
	}
	return ret < 0 && w->range ? ret : 0;
}

/*
 * A range's second walk: a page of the range's domain outside the range,
 * looked up in the unstable tree only (never inserted, no rmap item made):
 * an equal page of the range waiting there pairs with it.
 */
static int adp_lookup_page(struct aem_share_page *pg, void *arg)
{
	struct adp_walk *w = arg;
	struct adp_unstable *u;
	struct adp_tkey key;
	struct adp_tnode *n;
	struct adp_item *it;
	struct adp_rset *rs;
	void *kaddr;
	int ret = 0;

	lockdep_assert_held(&adp_engine_lock);
	if (signal_pending(current))
		return -EINTR;
	if (!w->waiting)
		return ADP_RANGE_DONE;
	/* @scanned counts the range's pages only (aether_mm.h). */
	if (pg->shared || adp_in_range(w, pg))
		return 0;
	kaddr = kmap_local_page(aem_frame_page(pg->frame));
	adp_key_init(&key, pg, adp_hash(kaddr));
	atomic_long_inc(&adp_pages_hashed);
	n = adp_tree_find(&adp_unstable_tree, &key, kaddr, adp_unstable_cmp,
			  NULL, NULL);
	u = n ? container_of(n, struct adp_unstable, t) : NULL;
	if (u && u->pg.frame != pg->frame) {
		/* Its own candidate of this pass would fail the merge. */
		rs = adp_rset_find(aem_share_region_id(pg->region));
		it = rs ? adp_item_find(rs, (unsigned long)pg->layer,
					pg->index) : NULL;
		if (it && it->un && it->un != u)
			adp_unstable_drop(it->un);
		ret = adp_pair(w, pg, u, &key);
	}
	kunmap_local(kaddr);
	return ret < 0 && ret != -ESTALE ? ret : 0;
}

/* ---- a pass --------------------------------------------------------------- */

static u64 adp_cpu_ns(void)
{
	return READ_ONCE(current->se.sum_exec_runtime);
}

static void adp_pass_begin(void)
{
	lockdep_assert_held(&adp_engine_lock);
	adp_in_pass = true;
	adp_pass_across = READ_ONCE(adp_knobs.merge_across_nodes);
	adp_cur_rid = 0;
	adp_cur_index = 0;
	adp_pass_pages = 0;
	adp_pass_start_ns = ktime_get_ns();
	adp_pass_cpu_ns = adp_cpu_ns();
}

/*
 * The advisor: pages_to_scan so that a pass takes the target time, within
 * the CPU ceiling and the bounds.  Returns the value, or 0 for none.
 */
static u32 adp_advise(u64 wall_ns, u64 cpu_ns)
{
	u64 pts = READ_ONCE(adp_knobs.pages_to_scan);
	u64 target = (u64)READ_ONCE(adp_knobs.advisor_target_scan_time) *
		     NSEC_PER_SEC;
	u64 max_cpu = READ_ONCE(adp_knobs.advisor_max_cpu);
	u64 lo = READ_ONCE(adp_knobs.advisor_min_pages_to_scan);
	u64 hi = READ_ONCE(adp_knobs.advisor_max_pages_to_scan);
	u64 want, cap;

	if (READ_ONCE(adp_knobs.advisor_mode) !=
	    AETHER_DEDUPE_ADVISOR_SCAN_TIME || !target || !wall_ns || !pts)
		return 0;
	/* The pass time scales as 1 / pages_to_scan. */
	want = mul_u64_u64_div_u64(pts, wall_ns, target);
	/* CPU share at the new rate: cpu / wall * want / pts. */
	if (cpu_ns) {
		cap = mul_u64_u64_div_u64(pts * max_cpu, wall_ns, 100 * cpu_ns);
		want = min(want, cap);
	}
	want = min(want, max(lo, hi));
	want = div64_u64(pts * ADP_EWMA_OLD + want * (100 - ADP_EWMA_OLD),
			 100);
	want = clamp(want, lo, max(lo, hi));
	return max_t(u64, want, 1);
}

/* The pass's figures are taken after its own last work, the sweeps. */
static void adp_pass_end(void)
{
	u64 wall, cpu;

	lockdep_assert_held(&adp_engine_lock);
	adp_unstable_empty();
	adp_stable_prune(false);
	adp_rsets_sweep(false);
	wall = ktime_get_ns() - adp_pass_start_ns;
	cpu = adp_cpu_ns() - adp_pass_cpu_ns;
	atomic_long_inc(&adp_full_scans);
	atomic_long_set(&adp_last_full_scan_ns, wall);
	atomic_long_set(&adp_mergeable_pages, adp_pass_pages);
	adp_advice = adp_advise(wall, cpu);
	adp_in_pass = false;
	if (++adp_pass == 0)
		adp_pass = 1;
}

/* The region of the cursor or the first after it, referenced; or NULL. */
static struct aem_region *adp_cursor_region(void)
{
	struct aem_region *r;

	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r)) {
		if (aem_share_region_id(r) == adp_cur_rid)
			return r;
		if (aem_share_region_id(r) > adp_cur_rid) {
			adp_cur_rid = aem_share_region_id(r);
			adp_cur_index = 0;
			return r;
		}
	}
	return NULL;
}

/* A pass's walk: its pages' counts, into the counters. */
static void adp_walk_count(struct adp_walk *w)
{
	atomic_long_add(w->scanned, &adp_pages_scanned);
	atomic_long_add(w->hashed, &adp_pages_hashed);
	w->scanned = 0;
	w->hashed = 0;
}

/* One wake-up of aether_ksmd: about @budget pages, from the cursor on. */
static void adp_scan_batch(long budget)
{
	struct adp_walk w = {};
	struct aem_region *r;
	unsigned long npages;
	unsigned int prune;
	pgoff_t win;
	long ret;

	lockdep_assert_held(&adp_engine_lock);
	/* KSM's stable_node_chains_prune_millisecs, besides each pass end. */
	prune = READ_ONCE(adp_knobs.stable_node_chains_prune_millisecs);
	if (time_after_eq(jiffies, adp_pruned_at + msecs_to_jiffies(prune)))
		adp_stable_prune(false);
	if (!adp_in_pass)
		adp_pass_begin();
	r = adp_cursor_region();
	if (!r && !adp_cur_rid) {
		/* No mergeable region at all: no pass to count (KSM idles). */
		adp_in_pass = false;
		return;
	}
	while (budget > 0) {
		if (!r) {
			adp_walk_count(&w);
			adp_pass_end();
			return;
		}
		npages = aem_share_region_pages(r);
		w.rs = adp_rset_get(aem_share_region_id(r));
		w.chunk = NULL;
		if (!w.rs || adp_cur_index >= npages) {
			if (w.rs) {
				adp_rset_sweep(w.rs, false);
				adp_pass_pages += npages;
			}
			r = aem_share_region_next(r);
			if (r)
				adp_cur_rid = aem_share_region_id(r);
			adp_cur_index = 0;
			continue;
		}
		w.rs->pass = adp_pass;
		win = min_t(unsigned long, budget, npages - adp_cur_index);
		ret = aem_share_scan_batch(r, adp_cur_index,
					   adp_cur_index + win, adp_page,
					   adp_merge_done, &w, adp_scan_buf);
		adp_pend_flush(&w);
		adp_cur_index += win;
		/* Empty indexes cost little, but not nothing. */
		budget -= max_t(long, max_t(long, ret, 1), win / 8);
		if (kthread_should_stop() ||
		    READ_ONCE(adp_knobs.run) != AETHER_DEDUPE_RUN_MERGE)
			break;
	}
	adp_walk_count(&w);
	aem_share_region_put(r);
}

/* ---- aether_ksmd ------------------------------------------------------------ */

static bool adp_should_run(void)
{
	return READ_ONCE(adp_knobs.run) == AETHER_DEDUPE_RUN_MERGE;
}

static void adp_advisor_apply(u32 pts)
{
	mutex_lock(&adp_knobs_lock);
	if (adp_knobs.advisor_mode == AETHER_DEDUPE_ADVISOR_SCAN_TIME)
		WRITE_ONCE(adp_knobs.pages_to_scan, pts);
	mutex_unlock(&adp_knobs_lock);
}

/*
 * The scanner stops (run != 1) mid-pass: drop the candidates' references
 * rather than pin their frames while nothing scans; the items of live
 * regions keep their hashes, so the next pass starts with its history,
 * and those of regions gone go (no pass end will sweep them).
 */
static void adp_pass_abandon(void)
{
	lockdep_assert_held(&adp_engine_lock);
	adp_unstable_empty();
	adp_rsets_sweep_gone();
	adp_in_pass = false;
}

/* A knob changed (adp_engine_wake()), or the thread must stop. */
static bool adp_woken(void)
{
	return kthread_should_stop() || atomic_xchg(&adp_kicked, 0);
}

static long adp_sleep_jiffies(void)
{
	return msecs_to_jiffies(READ_ONCE(adp_knobs.sleep_millisecs));
}

static int adp_ksmd(void *unused)
{
	u32 advice;

	set_freezable();
	set_user_nice(current, 5);
	while (!kthread_should_stop()) {
		if (adp_should_run()) {
			/*
			 * The batch reads the knobs: a kick before it (one
			 * that came while stopped too) is answered by it.
			 */
			atomic_set(&adp_kicked, 0);
			mutex_lock(&adp_engine_lock);
			adp_scan_batch(READ_ONCE(adp_knobs.pages_to_scan));
			advice = adp_advice;
			adp_advice = 0;
			mutex_unlock(&adp_engine_lock);
			if (advice)
				adp_advisor_apply(advice);
		}
		if (adp_should_run())
			wait_event_freezable_timeout(adp_wait, adp_woken(),
						     adp_sleep_jiffies());
		else if (!kthread_should_stop()) {
			mutex_lock(&adp_engine_lock);
			if (!adp_should_run())
				adp_pass_abandon();
			mutex_unlock(&adp_engine_lock);
			wait_event_freezable(adp_wait, kthread_should_stop() ||
					     adp_should_run());
		}
		cond_resched();
	}
	return 0;
}

/**
 * adp_engine_wake() - a knob changed: aether_ksmd looks at them again
 *
 * Context: any process context.
 */
void adp_engine_wake(void)
{
	atomic_set(&adp_kicked, 1);
	wake_up_interruptible(&adp_wait);
}

/* ---- unmerging, @range, @drain --------------------------------------------- */

/**
 * adp_engine_unmerge_all() - give every merged page a private frame again
 *
 * KSM's run = 2: every shared frame of the stable tree is unmerged (each
 * user slot gets a private copy), the trees are emptied, and the next pass
 * starts afresh.  Pages given to the zero page stay there (they hold no
 * frame; a write gets a fresh one).
 *
 * Context: process context, no lock of this module held.
 * Return: 0, -EINTR on a signal (the rest stays merged), or the first
 * error of aem_share_unmerge() (-ENOMEM: the pool had no frame, the rest
 * stays merged; -EIO: a poisoned frame stays shared, the rest unmerged).
 */
int adp_engine_unmerge_all(void)
{
	struct adp_tnode *n;
	struct adp_stable *st;
	struct adp_dup *d;
	int ret = 0, err;

	if (mutex_lock_interruptible(&adp_engine_lock))
		return -EINTR;
	adp_unstable_empty();
	adp_in_pass = false;
	/* A poisoned frame stays shared (-EIO): the others go on. */
	for (n = adp_tree_first(&adp_stable_tree); n && (!ret || ret == -EIO);
	     n = adp_tree_next(&adp_stable_tree, n)) {
		st = container_of(n, struct adp_stable, t);
		list_for_each_entry(d, &st->dups, link) {
			if (signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			err = aem_share_unmerge(d->s);
			if (err && !ret)
				ret = err;
		}
	}
	adp_stable_prune(false);
	mutex_unlock(&adp_engine_lock);
	return ret;
}

/**
 * adp_engine_quiesce() - hold the engine still while the trees change shape
 *
 * SET of max_page_sharing or merge_across_nodes: no pass, range or
 * unmerge runs until adp_engine_resume().
 *
 * Context: process context, adp_knobs_lock may be held (lock order 1, 2).
 * Return: 0 with adp_engine_lock held, or -EINTR.
 */
int adp_engine_quiesce(void)
{
	return mutex_lock_interruptible(&adp_engine_lock) ? -EINTR : 0;
}

/**
 * adp_engine_resume() - let the engine go on after adp_engine_quiesce()
 * @reshaped: the knobs changed: the pass under way ends (its candidates
 *	      were placed under the old shape) and the next one starts anew
 */
void adp_engine_resume(bool reshaped)
{
	lockdep_assert_held(&adp_engine_lock);
	if (reshaped)
		adp_pass_abandon();
	mutex_unlock(&adp_engine_lock);
}

/**
 * adp_engine_has_merged() - does the stable tree hold a shared frame?
 *
 * max_page_sharing and merge_across_nodes cannot change while it does
 * (the trees' order and the chains depend on them), as KSM's -EBUSY.
 *
 * Return: true when a shared frame is kept (even one whose users left,
 * until the end of the pass).
 */
bool adp_engine_has_merged(void)
{
	return atomic_long_read(&adp_nr_dups) > 0;
}

/*
 * Between two chunks of a range (up to 4 GiB of pages): the engine is let
 * go, so the scanner, REGION_STATS, the debugfs dumps and other ranges
 * wait one chunk at most, never a whole range.  Whatever ran meanwhile
 * may have ended or abandoned the pass: the candidates the range left
 * waiting went with it (adp_unstable_gen), and the caller looks its
 * region's rmap set up again (adp_range_rset()).  The lock is taken back
 * uninterruptibly (every holder keeps it a chunk or a batch), so the
 * range can always clean up after itself.
 * Return: 0, or -EINTR when a signal is pending; the lock is held again
 * either way.
 */
static int adp_range_yield(struct adp_walk *w)
{
	u64 gen = adp_unstable_gen;

	lockdep_assert_held(&adp_engine_lock);
	mutex_unlock(&adp_engine_lock);
	cond_resched();
	mutex_lock(&adp_engine_lock);
	w->chunk = NULL;
	if (adp_unstable_gen != gen)
		w->waiting = 0;
	return signal_pending(current) ? -EINTR : 0;
}

/* [@at, @end)'s first chunk ends here. */
static pgoff_t adp_range_next(pgoff_t at, pgoff_t end)
{
	return end - at > ADP_RANGE_CHUNK ? at + ADP_RANGE_CHUNK : end;
}

/* The range's region's rmap set, in the pass (begun if none is). */
static int adp_range_rset(struct adp_walk *w)
{
	lockdep_assert_held(&adp_engine_lock);
	/* The range's pages meet this pass's candidates: be in a pass. */
	if (!adp_in_pass)
		adp_pass_begin();
	w->rs = adp_rset_get(aem_share_region_id(w->region));
	w->chunk = NULL;
	if (!w->rs)
		return -ENOMEM;
	w->rs->pass = adp_pass;
	return 0;
}

/* One region of the range's domain, chunk by chunk, for adp_lookup_page(). */
static long adp_range_domain_one(struct adp_walk *w, struct aem_region *o)
{
	pgoff_t at = 0, next, end = aem_share_region_pages(o);
	long ret = 0;

	while (at < end && w->waiting) {
		next = adp_range_next(at, end);
		ret = aem_share_scan(o, at, next, adp_lookup_page, w);
		if (ret == ADP_RANGE_DONE)
			return 0;
		if (ret < 0)
			return ret;
		at = next;
		ret = adp_range_yield(w);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The range's pages left waiting in the unstable tree meet every other
 * page of their domain now: the rest of their region and the domain's
 * other regions, whether the scanner saw them or not (run = 0).
 */
static long adp_range_domain(struct adp_walk *w)
{
	u64 domain = aem_share_region_domain(w->region);
	struct aem_region *o;
	long ret = 0;

	lockdep_assert_held(&adp_engine_lock);
	for (o = aem_share_region_next(NULL); o; o = aem_share_region_next(o)) {
		if (aem_share_region_domain(o) != domain ||
		    !aem_share_region_pages(o))
			continue;
		ret = adp_range_domain_one(w, o);
		if (ret < 0 || !w->waiting) {
			aem_share_region_put(o);
			break;
		}
	}
	return ret < 0 ? ret : 0;
}

/*
 * The range's pages still waiting in the unstable tree leave it when the
 * range ends: they met every page of their domain (adp_range_domain()),
 * and a candidate holds its page's region, so a region closed right
 * after its REGION_DEDUPE would live on, with its frames and rmap items,
 * until the scanner's pass ends, which a slow scanner may put off for
 * hours.  Each keeps its hash: the scanner finds it a candidate at its
 * next visit.  Chunk by chunk, as the range; a signal does not stop it.
 */
static void adp_range_forget(struct adp_walk *w)
{
	pgoff_t at = w->start, next, pg;
	struct adp_unstable *un;
	struct adp_chunk *c;
	struct adp_rset *rs;
	unsigned long idx;
	unsigned int i;
	void *e;

	lockdep_assert_held(&adp_engine_lock);
	for (; at < w->end && w->waiting; at = next) {
		next = adp_range_next(at, w->end);
		/* Looked up each time: a pass end may sweep it meanwhile. */
		rs = adp_rset_find(aem_share_region_id(w->region));
		if (!rs)
			break;
		xa_for_each_range(&rs->items, idx, e, at >> ADP_CHUNK_SHIFT,
				  (next - 1) >> ADP_CHUNK_SHIFT)
			for (c = e; c; c = c->next)
				for (i = 0; i < ADP_CHUNK_PAGES; i++) {
					un = c->items[i].un;
					pg = (idx << ADP_CHUNK_SHIFT) + i;
					if ((c->used & BIT_ULL(i)) && un &&
					    pg >= at && pg < next)
						adp_unstable_drop(un);
				}
		if (next < w->end)
			adp_range_yield(w);	/* -EINTR: go on all the same */
	}
	/* Nor do its nodes wait for a pass end, with the scanner stopped. */
	adp_stock_trim(&adp_unstable_stock);
}

/*
 * @range: AETHER_MM_IOC_REGION_DEDUPE.  The range's pages go through the
 * per-page logic with no history needed (stable tree, then this pass's
 * candidates and each other); those still waiting then meet the rest of
 * their domain (adp_range_domain()).  Both walks go ADP_RANGE_CHUNK pages
 * at a time, letting the engine go between chunks (adp_range_yield()).
 */
static long adp_range(struct aem_region *r, pgoff_t start, pgoff_t end,
		      struct aether_mm_region_dedupe *out)
{
	struct adp_walk w = {
		.range = true, .region = r, .start = start, .end = end,
		.out = out,
	};
	pgoff_t at = start, next;
	long ret;

	if (mutex_lock_interruptible(&adp_engine_lock))
		return -EINTR;
	for (;;) {
		ret = adp_range_rset(&w);
		if (ret)
			break;
		next = adp_range_next(at, end);
		ret = aem_share_scan(r, at, next, adp_page, &w);
		at = next;
		if (ret < 0 || at >= end)
			break;
		ret = adp_range_yield(&w);
		if (ret)
			break;
	}
	if (ret >= 0 && w.waiting)
		ret = adp_range_domain(&w);
	/* No pass to come soon: the candidates' references go now. */
	if (!adp_should_run())
		adp_pass_abandon();
	else if (w.waiting)
		adp_range_forget(&w);
	mutex_unlock(&adp_engine_lock);
	return ret < 0 ? ret : 0;
}

static void adp_drop_all(void)
{
	mutex_lock(&adp_engine_lock);
	adp_unstable_empty();
	adp_stable_prune(true);
	adp_rsets_sweep(true);
	adp_in_pass = false;
	adp_stock_drain(&adp_unstable_stock);
	adp_stock_drain(&adp_stable_stock);
	/* Never published: no reader to wait for. */
	adp_stock_drain(&adp_dup_stock);
	mutex_unlock(&adp_engine_lock);
}

/* @drain: the core unmerged what it could; drop every reference. */
static void adp_drain(void)
{
	adp_drop_all();
}

const struct aem_share_ops adp_share_ops = {
	.owner = THIS_MODULE,
	.unshared = adp_unshared,
	.drain = adp_drain,
	.range = adp_range,
};

/* ---- figures ------------------------------------------------------------- */

static unsigned long adp_zero_pages_now(void)
{
	struct aem_share_region_counts c;
	unsigned long zero = 0;
	struct aem_region *r;

	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r)) {
		aem_share_region_counts(r, &c);
		zero += c.zero;
	}
	return zero;
}

static s64 adp_metadata_bytes(long chunks)
{
	return (s64)chunks * sizeof(struct adp_chunk) +
	       atomic_long_read(&adp_nr_stable) * sizeof(struct adp_stable) +
	       atomic_long_read(&adp_nr_dups) * sizeof(struct adp_dup);
}

/**
 * adp_engine_counters() - the engine's figures, all domains
 * @c: filled (struct aether_dedupe_counters: KSM's meanings)
 *
 * Context: process context (walks the regions for the zero pages).
 */
void adp_engine_counters(struct aether_dedupe_counters *c)
{
	long live = atomic_long_read(&adp_live);
	long users = atomic_long_read(&adp_users);
	long items = atomic_long_read(&adp_nr_items);
	long unshared = atomic_long_read(&adp_nr_unstable);
	long sharing = max(users - live, 0L);
	long vol = items - live - sharing - unshared;
	struct task_struct *t = READ_ONCE(adp_thread);

	memset(c, 0, sizeof(*c));
	c->pages_shared = max(live, 0L);
	c->pages_sharing = sharing;
	c->pages_unshared = max(unshared, 0L);
	c->pages_volatile = max(vol, 0L);
	c->full_scans = atomic_long_read(&adp_full_scans);
	c->pages_scanned = atomic_long_read(&adp_pages_scanned);
	c->pages_skipped = atomic_long_read(&adp_pages_skipped);
	c->zero_pages = adp_zero_pages_now();
	c->stable_node_chains = atomic_long_read(&adp_nr_chains);
	c->stable_node_dups = atomic_long_read(&adp_nr_chain_dups);
	c->general_profit = (s64)(sharing + c->zero_pages) * PAGE_SIZE -
			    adp_metadata_bytes(atomic_long_read(&adp_nr_chunks));
	c->merges = atomic_long_read(&adp_merges);
	c->cow_unshares = atomic_long_read(&adp_cow_unshares);
	c->scan_ns = t ? READ_ONCE(t->se.sum_exec_runtime) : 0;
	c->last_full_scan_ns = atomic_long_read(&adp_last_full_scan_ns);
	c->mergeable_pages = atomic_long_read(&adp_mergeable_pages);
}

/**
 * adp_engine_region_stats() - the figures of one region, its domain's only
 * @r: the region (referenced by the caller)
 * @st: @pages, @merging_pages, @zero_pages, @rmap_items, @profit and
 *	@merges filled (KSM's per-process meanings)
 *
 * Context: process context; takes adp_engine_lock interruptibly (a range
 * lets it in between chunks, a batch is short), no lock of dev.c held.
 * Return: 0, or -EINTR on a signal (@st untouched).
 */
int adp_engine_region_stats(struct aem_region *r,
			    struct aether_dedupe_region_stats *st)
{
	struct aem_share_region_counts c;
	unsigned long items, chunks;
	struct adp_rset *rs;

	aem_share_region_counts(r, &c);
	if (mutex_lock_interruptible(&adp_engine_lock))
		return -EINTR;
	rs = adp_rset_find(aem_share_region_id(r));
	items = rs ? rs->nr_items : 0;
	chunks = rs ? rs->nr_chunks : 0;
	mutex_unlock(&adp_engine_lock);
	st->pages = aem_share_region_pages(r);
	st->merging_pages = c.merging;
	st->zero_pages = c.zero;
	st->rmap_items = items;
	st->merges = c.merges;
	/* KSM's ksm_process_profit; the items' memory is their chunks'. */
	st->profit = (s64)(c.merging + c.zero) * PAGE_SIZE -
		     (s64)chunks * sizeof(struct adp_chunk);
	return 0;
}

/**
 * adp_engine_show_stats() - debugfs aether/dedupe/stats
 * @m: the seq_file
 */
void adp_engine_show_stats(struct seq_file *m)
{
	struct aether_dedupe_counters c;

	adp_engine_counters(&c);
	seq_printf(m, "pages_shared %llu\n", c.pages_shared);
	seq_printf(m, "pages_sharing %llu\n", c.pages_sharing);
	seq_printf(m, "pages_unshared %llu\n", c.pages_unshared);
	seq_printf(m, "pages_volatile %llu\n", c.pages_volatile);
	seq_printf(m, "full_scans %llu\n", c.full_scans);
	seq_printf(m, "pages_scanned %llu\n", c.pages_scanned);
	seq_printf(m, "pages_skipped %llu\n", c.pages_skipped);
	seq_printf(m, "zero_pages %llu\n", c.zero_pages);
	seq_printf(m, "stable_node_chains %llu\n", c.stable_node_chains);
	seq_printf(m, "stable_node_dups %llu\n", c.stable_node_dups);
	seq_printf(m, "general_profit %lld\n", c.general_profit);
	seq_printf(m, "merges %llu\n", c.merges);
	seq_printf(m, "cow_unshares %llu\n", c.cow_unshares);
	seq_printf(m, "scan_ns %llu\n", c.scan_ns);
	seq_printf(m, "last_full_scan_ns %llu\n", c.last_full_scan_ns);
	seq_printf(m, "mergeable_pages %llu\n", c.mergeable_pages);
	seq_printf(m, "rmap_items %ld\n", atomic_long_read(&adp_nr_items));
	seq_printf(m, "stable_entries %ld\n", atomic_long_read(&adp_nr_stable));
	seq_printf(m, "shared_frames %ld\n", atomic_long_read(&adp_nr_dups));
	seq_printf(m, "pages_hashed %ld\n",
		   atomic_long_read(&adp_pages_hashed));
}

/**
 * adp_engine_show_stable() - debugfs aether/dedupe/stable
 * @m: the seq_file
 *
 * One line per shared frame: its entry's domain key, node key and hash,
 * the frame's node now, and its users (ours, then the core's).
 * Return: 0, or -EINTR when a signal came while waiting for the engine.
 */
int adp_engine_show_stable(struct seq_file *m)
{
	struct adp_tnode *n;
	struct adp_stable *st;
	struct adp_dup *d;
	unsigned int k;

	if (mutex_lock_interruptible(&adp_engine_lock))
		return -EINTR;
	for (n = adp_tree_first(&adp_stable_tree); n;
	     n = adp_tree_next(&adp_stable_tree, n)) {
		st = container_of(n, struct adp_stable, t);
		k = 0;
		list_for_each_entry(d, &st->dups, link)
			seq_printf(m, "domain %llx nid %d hash %016llx dup %u node %d users %d %u\n",
				   st->t.key.domain, st->t.key.nid,
				   st->t.key.hash, k++, aem_share_nid(d->s),
				   atomic_read(&d->users),
				   aem_share_users(d->s));
	}
	mutex_unlock(&adp_engine_lock);
	return 0;
}

/**
 * adp_engine_show_regions() - debugfs aether/dedupe/regions
 * @m: the seq_file
 *
 * One line per region the engine tracks: its id, rmap items, and the
 * last pass that saw it (the current pass number first).
 * Return: 0, or -EINTR when a signal came while waiting for the engine.
 */
int adp_engine_show_regions(struct seq_file *m)
{
	struct adp_rset *rs;
	int bkt;

	if (mutex_lock_interruptible(&adp_engine_lock))
		return -EINTR;
	seq_printf(m, "pass %u cursor %llu:%lu\n", adp_pass, adp_cur_rid,
		   (unsigned long)adp_cur_index);
	hash_for_each(adp_rsets, bkt, rs, hnode)
		seq_printf(m, "region %llu items %lu pass %u\n", rs->rid,
			   rs->nr_items, rs->pass);
	mutex_unlock(&adp_engine_lock);
	return 0;
}

/* ---- load and unload -------------------------------------------------------- */

/**
 * adp_engine_init() - caches, the share table, aether_ksmd
 *
 * Return: 0, -ENOMEM, -EBUSY when another merge engine is registered
 * (aether_mm's naive one), or kthread_run()'s error.
 */
int adp_engine_init(void)
{
	void *zero;
	int err = -ENOMEM;

	adp_chunk_cache = KMEM_CACHE(adp_chunk, 0);
	if (!adp_chunk_cache)
		goto out;
	adp_unstable_cache = KMEM_CACHE(adp_unstable, 0);
	if (!adp_unstable_cache)
		goto out_item;
	adp_unstable_stock.cache = adp_unstable_cache;
	adp_unstable_stock.spill = true;
	adp_stable_cache = KMEM_CACHE(adp_stable, 0);
	if (!adp_stable_cache)
		goto out_unstable;
	adp_stable_stock.cache = adp_stable_cache;
	adp_dup_cache = KMEM_CACHE(adp_dup, 0);
	if (!adp_dup_cache)
		goto out_stable;
	adp_dup_stock.cache = adp_dup_cache;
	zero = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!zero)
		goto out_dup;
	adp_zero_hash = adp_hash(zero);
	kfree(zero);
	adp_scan_buf = aem_share_scan_buf_alloc();
	if (!adp_scan_buf)
		goto out_dup;

	err = aem_register_share(&adp_share_ops);
	if (err)
		goto out_buf;
	adp_thread = kthread_run(adp_ksmd, NULL, "aether_ksmd");
	if (IS_ERR(adp_thread)) {
		err = PTR_ERR(adp_thread);
		adp_thread = NULL;
		goto out_share;
	}
	return 0;

out_share:
	aem_unregister_share(&adp_share_ops);
	cancel_work_sync(&adp_prune_work);
	adp_drop_all();
	/* adp_dup_free()'s callbacks before their cache goes. */
	rcu_barrier();
out_buf:
	aem_share_scan_buf_free(adp_scan_buf);
out_dup:
	kmem_cache_destroy(adp_dup_cache);
out_stable:
	kmem_cache_destroy(adp_stable_cache);
out_unstable:
	kmem_cache_destroy(adp_unstable_cache);
out_item:
	kmem_cache_destroy(adp_chunk_cache);
out:
	return err;
}

/**
 * adp_engine_exit() - stop aether_ksmd, unmerge everything, free all
 *
 * aem_unregister_share() gives every user of every shared frame a private
 * copy, then calls @drain, where the trees and items go.
 */
void adp_engine_exit(void)
{
	kthread_stop(adp_thread);
	WRITE_ONCE(adp_thread, NULL);
	aem_unregister_share(&adp_share_ops);
	/* No @unshared after the table is gone: no prune queued after. */
	cancel_work_sync(&adp_prune_work);
	adp_drop_all();
	/* @unshared readers of the dup hash, then adp_dup_free()'s callbacks. */
	synchronize_rcu();
	rcu_barrier();
	aem_share_scan_buf_free(adp_scan_buf);
	kmem_cache_destroy(adp_dup_cache);
	kmem_cache_destroy(adp_stable_cache);
	kmem_cache_destroy(adp_unstable_cache);
	kmem_cache_destroy(adp_chunk_cache);
}

/* ---- the self-test of a pass's candidates (debugfs pair_selftest) -------- */

#include "engine_test.c"
