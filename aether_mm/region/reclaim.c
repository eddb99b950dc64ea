// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim.c - cold region pages go to the store backend when memory is short
 *
 * DOC: Overview
 *
 * aether_mm registers itself as one of its reclaim clients (hooks.c):
 * when an allocation finds the pool empty even after growing, or a node
 * below its low watermark cannot grow, the core asks its clients for
 * pages.  This one takes the coldest pages (access.c generations, 1 or
 * more scans idle, oldest first) of regions created COMPRESSIBLE, and for
 * each: zaps it from every process, hands the frame to the store backend
 * (struct aem_store_ops, aether_zram's compressed store), puts the
 * backend's handle in the layer slot in the frame's place, and frees the
 * frame (region/evict.c: the calls any reclaim client makes).  A page of
 * zeroes is not stored: its slot is emptied (it reads as zeroes again).
 * The next fault on the page brings it back into a new frame
 * (aem_lookup()).  Without a backend
 * there is nothing to do.  Called from inside pool allocations, it only
 * tries its locks (AEM_COLD_NOWAIT); called by the pool's background
 * reclaimer (kreclaimd, pool.c), which holds none, it waits for them.
 *
 * Shared frames (share.c, pages merged by aether_dedupe) are stored too,
 * once each: a shared frame is cold when every user's page is (each
 * user's region idle at that index for a scan or more, and every user's
 * region COMPRESSIBLE: each owner agreed to have its pages stored).  Its
 * content goes to the store under one handle, kept by the shared frame;
 * every user's slot names the shared frame, "shared, stored" (slot.h);
 * the frame goes back to the pool.  A fault on any user brings it back
 * once into a new shared frame, which the other users map at their next
 * fault (share.c, aem_share_resident()).  Storing one takes the shared
 * frame's move lock and its users' slot locks one after the other, which
 * a caller inside a pool allocation may already hold: from there, this
 * client only queues the work (aem_share_store_work), which stores them
 * right after; the debugfs file below stores them at once.
 *
 * When a policy backend gives regions reclaim tiers (policy.c), the pool's
 * reclaim takes the regions of one tier after the other: BestEffort
 * groups, Normal ones (and regions of no group), RealTime ones, those
 * protected by low, never those under min; the pages of a range that
 * REGION_SET_QOS gave a class (qos.c) in that class's tier instead of the
 * region's, unless the region is protected (a walk offers a region when
 * it has pages of the tier, and its cold fn passes over the pages of
 * other tiers).  A region's tier is asked again for each page (its
 * group's protection moves as its pages leave): a page of a region that
 * left the tier is skipped.  The pages taken in the PROTECTED tier are
 * told to the policy after the walk, region by region
 * (@protected_reclaimed: its low event), for the first AEM_LOW_NOTES
 * regions of a walk.  aem_policy_reclaim() is the same walk for the
 * regions of one group, tiers left to @match (asked again for each page
 * as well): the policy backend's own reclaim, at its max or high.  A
 * page left so was offered all the same, and counts against the walk's
 * budget: the walk is made again for the rest (it no longer chooses that
 * region), as long as each one takes pages.
 *
 * debugfs aether/mm/reclaim: write N to store up to N cold pages now,
 * read the totals.  debugfs aether/mm/store_loopback: write 1 to install
 * a loopback store backend, 2 to install it with its copies in pool
 * pages, 0 to remove it.  The loopback keeps each page as an uncompressed
 * copy, in Linux's memory (1) or in a movable page of the pool (2, as
 * zsmalloc keeps its objects in zspages), whose owner is
 * AEM_OWNER_LOOPBACK and which compaction moves through the loopback's
 * struct aem_movable_ops: it exists to exercise these paths (and the
 * unregistration that brings every page back) until the compressed store
 * module exists, and saves no memory.  Writing 0 fails
 * with -ENOMEM when some pages could not come back (the pool had no frame
 * for them, its reserve included) or -ETIMEDOUT (they did not come back
 * in time); the store is removed all the same.  Writing 1 fails with
 * -EBUSY while such lost pages remain in live regions, or while the
 * other kind of loopback is installed.
 *
 * Locking: the store backend is held by SRCU (hooks.c) around a whole
 * walk; the walk takes aem_access_lock, a region's views_lock and slot
 * locks (access.c, region.h); the backend runs under the slot lock.
 * aem_loop_lock (a mutex) installs and removes the loopback; the pool
 * copies' spinlock aem_loop_copy_lock, innermost, guards where each copy
 * is (its frame, the frame's page->private) against compaction's move.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include "region.h"
#include "../trace.h"

static atomic_long_t aem_store_runs, aem_store_outs, aem_store_failed;
static atomic_long_t aem_store_dropped, aem_store_shared;
static atomic_long_t aem_store_group_runs, aem_store_group_pages;
static atomic_long_t aem_store_group_shared;	/* held frames a group stored */
static atomic_long_t aem_share_store_wanted;	/* for the work below */

/* The regions of a group: aem_policy_reclaim()'s @match on their cookie. */
struct aem_group_match {
	bool (*match)(void *cookie, void *arg);
	void *arg;
	u64 gen;
};

static bool aem_store_group_match(const struct aem_group_match *m,
				  struct aem_region *r)
{
	return r->pol_gen && r->pol_gen == m->gen &&
	       m->match(r->pol_cookie, m->arg);
}

/* A region of the PROTECTED tier a walk took pages of, referenced. */
struct aem_low_note {
	struct aem_region *r;
	unsigned long nr;
};

#define AEM_LOW_NOTES	8	/* regions one walk tells the policy of */

/*
 * @tier: the pool's tier being walked, the region's tier asked again for
 * each page (the policy's protection changes as pages leave: a group that
 * reached its effective low leaves the tier at once), and a page of a
 * region with classed ranges (qos.c) taken only in its own tier;
 * AEM_NR_TIERS for a walk of no tier.  @notes: the PROTECTED tier's
 * regions, for the policy once the walk is done (aem_store_low_notes()).
 * @scanned: pages offered to the walk's cold fn (the aem_reclaim event).
 */
struct aem_store_walk {
	const struct aem_store_ops *ops;
	const struct aem_group_match *m;	/* a group's walk: @match */
	unsigned long scanned;
	unsigned long failed;
	unsigned long dropped;
	unsigned long left;
	unsigned int tier;
	unsigned int nr_notes;
	struct aem_low_note notes[AEM_LOW_NOTES];
};

/* Under the page's slot lock: @r gave a page of the PROTECTED tier. */
static void aem_store_low_note(struct aem_store_walk *w, struct aem_region *r)
{
	unsigned int i;

	for (i = 0; i < w->nr_notes; i++)
		if (w->notes[i].r == r)
			break;
	if (i == w->nr_notes) {
		if (i == AEM_LOW_NOTES)
			return;		/* told of the first few only */
		kref_get(&r->ref);
		w->notes[i].r = r;
		w->notes[i].nr = 0;
		w->nr_notes++;
	}
	w->notes[i].nr++;
}

/* After the walk, outside its locks: tell the policy, drop the regions. */
static void aem_store_low_notes(struct aem_store_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_notes; i++) {
		aem_policy_protected_reclaimed(w->notes[i].r->pol_gen,
					       w->notes[i].r->pol_cookie,
					       w->notes[i].nr);
		aem_region_put(w->notes[i].r);
	}
	w->nr_notes = 0;
}

/*
 * A client of aem_region_cold_pages() as another module's would be: the
 * page leaves the page tables, the backend copies it, its handle takes
 * the frame's place (region/evict.c).
 */
static int aem_store_cold_fn(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, struct aem_frame *f,
			     unsigned int gen, void *arg)
{
	struct aem_store_walk *w = arg;
	unsigned long handle;

	w->scanned++;
	/*
	 * A page of another class's range of a region still in this tier:
	 * its own tier's walk takes it (not counted against the budget).
	 * A region whose group reached a more protected tier since the walk
	 * began, or left the group walked: left, and walked again.
	 */
	if (w->tier < AEM_NR_TIERS) {
		unsigned int rt = aem_policy_tier(r->pol_gen, r->pol_cookie);

		if (aem_region_page_tier(r, rt, idx) != w->tier) {
			if (aem_region_has_tier(r, rt, w->tier))
				return AEM_COLD_PASS;
			w->left++;
			return 0;
		}
	}
	if (w->m && !aem_store_group_match(w->m, r)) {
		w->left++;
		return 0;
	}
	if (aem_cold_page_unmap(r, l, idx, f))
		goto failed;
	/* A page of zeroes needs no copy (zram's same-filled pages). */
	if (!aem_cold_page_drop(r, l, idx, f)) {
		w->dropped++;
		goto taken;
	}
	/*
	 * A page the store kept a copy of since its load (verify.c), which
	 * aem_cold_page_unmap() just found unchanged: that copy is stored
	 * again, no new one is made.
	 */
	if (!aem_integ_kept_take(l, idx, &handle) &&
	    w->ops->store(f, &handle))
		goto failed;
	if (aem_cold_page_set_stored(r, l, idx, f, w->ops, handle)) {
		w->ops->release(handle);
		goto failed;
	}
taken:
	if (w->tier == AEM_TIER_PROTECTED)
		aem_store_low_note(w, r);
	return 1;
failed:
	w->failed++;
	return 0;
}

/*
 * Store up to @nr cold shared frames on @nid (or any node), each once.
 * Process context, no lock held.  Return: frames given back.
 */
static unsigned long aem_store_cold_shared(int nid, unsigned long nr)
{
	const struct aem_store_ops *ops;
	unsigned long got = 0, failed = 0;
	int sidx;

	ops = aem_store_get(&sidx, true);
	if (ops)
		got = aem_share_store_cold(nid, nr, 1, ops, &failed, NULL);
	aem_store_put(sidx);
	atomic_long_add(failed, &aem_store_failed);
	atomic_long_add(got, &aem_store_shared);
	return got;
}

/* Cold shared frames for a reclaim that could not wait: stored here. */
static void aem_share_store_workfn(struct work_struct *work)
{
	unsigned long nr = atomic_long_xchg(&aem_share_store_wanted, 0);

	if (nr)
		aem_store_cold_shared(NUMA_NO_NODE, nr);
}

static DECLARE_WORK(aem_share_store_work, aem_share_store_workfn);

/*
 * aem_region_cold_pages_if() for up to @nr pages, again while the last
 * walk took pages but left some of a region that stopped being wanted
 * mid-walk (they counted against its budget; the next walk does not
 * choose that region).  Return: pages taken, or the first error.
 */
static long aem_store_walk_want(struct aem_store_walk *w, int nid,
				unsigned long nr, unsigned int flags,
				bool (*want)(struct aem_region *r, void *warg),
				void *warg)
{
	long got = 0, ret;

	do {
		w->left = 0;
		ret = aem_region_cold_pages_if(AETHER_MM_REGION_COMPRESSIBLE,
					       nid, 1, nr - got,
					       aem_store_cold_fn, w, flags,
					       want, warg);
		aem_store_low_notes(w);
		if (ret < 0)
			return got ? got : ret;
		got += ret;
	} while (ret > 0 && w->left && got < (long)nr);
	return got;
}

/* Regions with pages of one reclaim tier (policy.c, qos.c). */
static bool aem_store_tier_want(struct aem_region *r, void *arg)
{
	struct aem_store_walk *w = arg;

	return aem_region_has_tier(r, aem_policy_tier(r->pol_gen,
						      r->pol_cookie),
				   w->tier);
}

/*
 * Store up to @nr cold pages of COMPRESSIBLE regions whose frames are on
 * @nid (or any node), tier by tier (enum aem_reclaim_tier: BestEffort
 * groups first, protected ones last, those under min never), then cold
 * shared frames for what is left of @nr: at once, or, with
 * AEM_COLD_NOWAIT, by the work (no frame given back now).  Return: pages
 * whose frames went back to the pool.
 */
static unsigned long aem_store_cold(int nid, unsigned long nr,
				    unsigned int flags)
{
	bool tiered = aem_policy_tiered();
	struct aem_store_walk w = { };
	unsigned int tier;
	long got = 0, ret;
	int sidx;

	w.ops = aem_store_get(&sidx, true);
	/* The policy counts its tiers' figures once for the whole walk. */
	if (w.ops && tiered)
		aem_policy_reclaim_begin();
	/* Without tiers, every region is Normal: one walk. */
	for (tier = tiered ? 0 : AEM_TIER_NORMAL;
	     w.ops && tier < AEM_TIER_NEVER && got < (long)nr; tier++) {
		w.tier = tiered ? tier : AEM_NR_TIERS;
		ret = aem_store_walk_want(&w, nid, nr - got, flags,
					  tiered ? aem_store_tier_want : NULL,
					  &w);
		if (ret < 0)
			break;
		got += ret;
		if (!tiered)
			break;
	}
	aem_store_put(sidx);
	if (!w.ops)
		return 0;
	atomic_long_inc(&aem_store_runs);
	atomic_long_add(w.failed, &aem_store_failed);
	atomic_long_add(w.dropped, &aem_store_dropped);
	atomic_long_add(got - w.dropped, &aem_store_outs);
	trace_aem_reclaim(nid, nr, w.scanned, got, w.dropped, w.failed, false);
	if ((unsigned long)got >= nr)
		return got;
	if (!(flags & AEM_COLD_NOWAIT))
		return got + aem_store_cold_shared(nid, nr - got);
	/* Bounded: the work asks for no more than the last reclaim did. */
	atomic_long_set(&aem_share_store_wanted, nr - got);
	queue_work(system_unbound_wq, &aem_share_store_work);
	return got;
}

static bool aem_store_group_want(struct aem_region *r, void *arg)
{
	return aem_store_group_match(arg, r);
}

/**
 * aem_policy_reclaim - reclaim the cold pages of a group's regions
 * @match: whether the region of a cookie is the group's (a group and its
 *	   descendants); called under aem_access_lock for each charged
 *	   region of the registered policy table, then again for each page
 *	   the walk would take, under its slot lock (a region that no
 *	   longer matches, its group now protected, say, keeps the page);
 *	   must not sleep
 * @arg: passed to @match
 * @nr_pages: take up to this many pages
 * @flags: AEM_RECLAIM_NOWAIT: only try the locks (the caller holds an
 *	   mmap_lock or a VMA lock: a fault's @reclaim); it may then find
 *	   nothing because another walk or scan runs
 *
 * As the pool's reclaim does, but only from the regions @match accepts:
 * their coldest pages (idle for one aether_kaccessd scan or more) of
 * COMPRESSIBLE regions go to the registered store backend, pages of
 * zeroes are dropped.  The group's usage falls as each one leaves
 * (@uncharge).  Then, when that was not enough and the caller may wait,
 * the cold shared frames charged to a group @match accepts (share.c: the
 * creator's group holds them, whichever regions map them, so its own
 * walk would never reach them; review s30 finding 4), each stored once,
 * its frame's charge becoming the store's bytes.  Nothing without a
 * store backend.
 *
 * Context: process context, no aether_mm lock held; may sleep.  Called
 * by the policy backend, typically from its @reclaim or its over-high
 * work.
 *
 * Return: pages taken off the regions (stored or dropped) and shared
 * frames stored, or -EINVAL for unknown @flags.
 */
long aem_policy_reclaim(bool (*match)(void *cookie, void *arg), void *arg,
			unsigned long nr_pages, unsigned int flags)
{
	struct aem_group_match m = { .match = match, .arg = arg };
	struct aem_store_walk w = { .m = &m, .tier = AEM_NR_TIERS };
	struct aem_share_held_match held = { .match = match, .arg = arg };
	unsigned long shared = 0;
	int sidx, pidx;
	long got = 0;

	if (flags & ~AEM_RECLAIM_NOWAIT)
		return -EINVAL;
	might_sleep();
	if (!nr_pages)
		return 0;
	/* The cookies @match reads stay the backend's until we are done. */
	pidx = aem_policy_hold(&m.gen);
	held.gen = m.gen;
	if (!m.gen) {
		aem_policy_unhold(pidx);
		return 0;
	}
	w.ops = aem_store_get(&sidx, true);
	if (w.ops)
		got = aem_store_walk_want(&w, NUMA_NO_NODE, nr_pages,
					  flags & AEM_RECLAIM_NOWAIT ?
					  AEM_COLD_NOWAIT : 0,
					  aem_store_group_want, &m);
	/* Then the cold shared frames the group holds (share.c). */
	if (w.ops && got >= 0 && got < (long)nr_pages &&
	    !(flags & AEM_RECLAIM_NOWAIT))
		shared = aem_share_store_cold(NUMA_NO_NODE, nr_pages - got, 1,
					      w.ops, &w.failed, &held);
	aem_store_put(sidx);
	aem_policy_unhold(pidx);
	if (!w.ops || got < 0)
		return 0;
	atomic_long_inc(&aem_store_group_runs);
	atomic_long_add(w.failed, &aem_store_failed);
	atomic_long_add(w.dropped, &aem_store_dropped);
	atomic_long_add(got - w.dropped, &aem_store_outs);
	atomic_long_add(got, &aem_store_group_pages);
	atomic_long_add(shared, &aem_store_shared);
	atomic_long_add(shared, &aem_store_group_shared);
	trace_aem_reclaim(NUMA_NO_NODE, nr_pages, w.scanned, got, w.dropped, w.failed, true);
	return got + shared;
}
EXPORT_SYMBOL_GPL(aem_policy_reclaim);

static unsigned long aem_region_reclaim(int nid, unsigned long nr_pages)
{
	/* kreclaimd (pool.c) holds no lock of ours: it may wait for them. */
	return aem_store_cold(nid, nr_pages,
			      aem_in_kreclaimd() ? 0 : AEM_COLD_NOWAIT);
}

static struct aem_reclaim_ops aem_region_reclaim_ops = {
	.owner = THIS_MODULE,
	.reclaim = aem_region_reclaim,
};

/* ---- the loopback store ------------------------------------------------ */

/*
 * A copy's handle is its address, a kernel pointer above LONG_MAX, as a
 * zsmalloc handle is: the slot encoding must hold it (region.h).  The
 * copies are also indexed by page frame number of their address (kmalloc
 * of PAGE_SIZE is page aligned), for aem_loop_drain().
 */
static DEFINE_XARRAY(aem_loop_pages);
static DEFINE_MUTEX(aem_loop_lock);	/* installing and removing it */
static unsigned int aem_loop_on;	/* 0, or the kind installed: 1, 2 */
static atomic_t aem_loop_spoiled;	/* loads to spoil (verify.c's knob) */

/*
 * A load the integrity knob asked to spoil: a byte of the page loaded is
 * flipped, as a bad decompression would leave it; the copy stays good.
 */
static void aem_loop_spoil(struct aem_frame *f)
{
	u8 *p;

	if (likely(!atomic_read(&aem_loop_spoiled)) ||
	    atomic_dec_if_positive(&aem_loop_spoiled) < 0)
		return;
	p = kmap_local_page(aem_frame_page(f));
	p[PAGE_SIZE / 2] ^= 0x5a;
	kunmap_local(p);
}

static int aem_loop_store(struct aem_frame *f, unsigned long *handle)
{
	void *copy = kmalloc(PAGE_SIZE, GFP_NOIO | __GFP_NOWARN);
	int err;

	if (!copy)
		return -ENOMEM;
	memcpy_from_page(copy, aem_frame_page(f), 0, PAGE_SIZE);
	err = xa_err(xa_store(&aem_loop_pages,
			      (unsigned long)copy >> PAGE_SHIFT, copy,
			      GFP_NOIO));
	if (err) {
		kfree(copy);
		return err;
	}
	*handle = (unsigned long)copy;
	return 0;
}

static int aem_loop_load(unsigned long handle, struct aem_frame *f)
{
	void *copy = xa_load(&aem_loop_pages, handle >> PAGE_SHIFT);

	if (WARN_ON_ONCE(!copy || (unsigned long)copy != handle))
		return -ENOENT;
	memcpy_to_page(aem_frame_page(f), 0, copy, PAGE_SIZE);
	aem_loop_spoil(f);
	return 0;
}

static void aem_loop_release(unsigned long handle)
{
	kfree(xa_erase(&aem_loop_pages, handle >> PAGE_SHIFT));
}

/*
 * The core has brought every page back before this is called, or given
 * up on some (and said so): their copies go.
 */
static void aem_loop_drain(void)
{
	unsigned long id;
	void *copy;

	xa_for_each(&aem_loop_pages, id, copy)
		kfree(xa_erase(&aem_loop_pages, id));
	/*
	 * A store whose node allocation failed half-way (GFP_NOIO, a tall
	 * tree: the index is an address) leaves empty nodes in the array.
	 */
	xa_destroy(&aem_loop_pages);
}

static const struct aem_store_ops aem_loop_ops = {
	.owner = THIS_MODULE,
	.store = aem_loop_store,
	.load = aem_loop_load,
	.release = aem_loop_release,
	.drain = aem_loop_drain,
};

/*
 * The loopback with its copies in movable pool pages.  A handle is the
 * address of a struct aem_loop_copy (a kernel pointer, as a zsmalloc
 * handle is); the copy's page names it back in its page->private, which
 * is how compaction's move finds it, and is 0 once it is free.
 */
struct aem_loop_copy {
	struct list_head link;		/* on aem_loop_copies */
	struct aem_frame *frame;	/* the pool page holding the bytes */
};

static DEFINE_SPINLOCK(aem_loop_copy_lock);	/* see the top of the file */
static LIST_HEAD(aem_loop_copies);
static atomic_long_t aem_loop_pool_pages, aem_loop_moved;

static int aem_loop_pool_store(struct aem_frame *f, unsigned long *handle)
{
	struct aem_loop_copy *c = kmalloc(sizeof(*c), GFP_NOIO | __GFP_NOWARN);
	struct aem_frame *pf;

	if (!c)
		return -ENOMEM;
	/* Inside a pool allocation: no recursion into its reclaim. */
	pf = aem_alloc_pages(aem_frame_nid(f), 0, AEM_ALLOC_ATOMIC |
			     AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_LOOPBACK));
	if (!pf) {
		kfree(c);
		return -ENOMEM;
	}
	copy_highpage(aem_frame_page(pf), aem_frame_page(f));
	c->frame = pf;
	spin_lock(&aem_loop_copy_lock);
	set_page_private(aem_frame_page(pf), (unsigned long)c);
	list_add(&c->link, &aem_loop_copies);
	spin_unlock(&aem_loop_copy_lock);
	atomic_long_inc(&aem_loop_pool_pages);
	*handle = (unsigned long)c;
	return 0;
}

static int aem_loop_pool_load(unsigned long handle, struct aem_frame *f)
{
	struct aem_loop_copy *c = (struct aem_loop_copy *)handle;

	spin_lock(&aem_loop_copy_lock);
	copy_highpage(aem_frame_page(f), aem_frame_page(c->frame));
	spin_unlock(&aem_loop_copy_lock);
	aem_loop_spoil(f);
	return 0;
}

/* Take @c off the list; return its page, private cleared, to free. */
static struct aem_frame *aem_loop_copy_unlink(struct aem_loop_copy *c)
{
	struct aem_frame *pf = c->frame;

	lockdep_assert_held(&aem_loop_copy_lock);
	list_del(&c->link);
	set_page_private(aem_frame_page(pf), 0);
	return pf;
}

static void aem_loop_pool_release(unsigned long handle)
{
	struct aem_loop_copy *c = (struct aem_loop_copy *)handle;
	struct aem_frame *pf;

	spin_lock(&aem_loop_copy_lock);
	pf = aem_loop_copy_unlink(c);
	spin_unlock(&aem_loop_copy_lock);
	aem_free_pages(pf, 0);
	kfree(c);
	atomic_long_dec(&aem_loop_pool_pages);
}

static void aem_loop_pool_drain(void)
{
	struct aem_loop_copy *c;

	for (;;) {
		spin_lock(&aem_loop_copy_lock);
		c = list_first_entry_or_null(&aem_loop_copies,
					     struct aem_loop_copy, link);
		spin_unlock(&aem_loop_copy_lock);
		if (!c)
			break;
		aem_loop_pool_release((unsigned long)c);
	}
}

/*
 * Compaction moves a copy: @src is one if its page->private names a copy
 * that is in @src (a freed copy's page has 0 there).
 */
static int aem_loop_pool_move(struct aem_frame *src, struct aem_frame *dst)
{
	struct aem_loop_copy *c;
	int err = -ENOENT;

	spin_lock(&aem_loop_copy_lock);
	c = (struct aem_loop_copy *)page_private(aem_frame_page(src));
	if (c && c->frame == src) {
		copy_highpage(aem_frame_page(dst), aem_frame_page(src));
		set_page_private(aem_frame_page(dst), (unsigned long)c);
		set_page_private(aem_frame_page(src), 0);
		c->frame = dst;
		err = 0;
	}
	spin_unlock(&aem_loop_copy_lock);
	if (!err)
		atomic_long_inc(&aem_loop_moved);
	return err;
}

static const struct aem_store_ops aem_loop_pool_ops = {
	.owner = THIS_MODULE,
	.store = aem_loop_pool_store,
	.load = aem_loop_pool_load,
	.release = aem_loop_pool_release,
	.drain = aem_loop_pool_drain,
};

static const struct aem_movable_ops aem_loop_movable_ops = {
	.owner = THIS_MODULE,
	.move = aem_loop_pool_move,
};

/**
 * aem_loop_corrupt() - flip a byte of a stored page's copy (verify.c's knob)
 * @handle: the handle of a page stored in the loopback, its slot lock held
 *
 * Return: 0; -EOPNOTSUPP when the registered store is not the loopback
 * (another backend's copies are its own business).
 */
int aem_loop_corrupt(unsigned long handle)
{
	const struct aem_store_ops *ops;
	struct aem_loop_copy *c;
	int sidx, err = 0;
	u8 *copy;

	ops = aem_store_get(&sidx, false);
	if (ops == &aem_loop_ops) {
		copy = xa_load(&aem_loop_pages, handle >> PAGE_SHIFT);
		if (copy && (unsigned long)copy == handle)
			copy[PAGE_SIZE / 2] ^= 0x5a;
		else
			err = -ENOENT;
	} else if (ops == &aem_loop_pool_ops) {
		c = (struct aem_loop_copy *)handle;
		spin_lock(&aem_loop_copy_lock);
		copy = kmap_local_page(aem_frame_page(c->frame));
		copy[PAGE_SIZE / 2] ^= 0x5a;
		kunmap_local(copy);
		spin_unlock(&aem_loop_copy_lock);
	} else {
		err = -EOPNOTSUPP;
	}
	aem_store_put(sidx);
	return err;
}

/**
 * aem_loop_spoil_loads() - spoil the loopback's next @nr loads
 * @nr: loads whose page gets a byte flipped after the copy (the copy
 *	itself stays good): verify.c's knob, for the repair path
 *
 * Return: 0; -EOPNOTSUPP when the loopback is not installed.
 */
int aem_loop_spoil_loads(unsigned int nr)
{
	if (!READ_ONCE(aem_loop_on))
		return -EOPNOTSUPP;
	atomic_set(&aem_loop_spoiled, min(nr, 1024U));
	return 0;
}

/* Install loopback @kind (1: copies in Linux's memory, 2: in the pool). */
static int aem_loop_set(unsigned int kind)
{
	const struct aem_store_ops *ops[] = { NULL, &aem_loop_ops,
					      &aem_loop_pool_ops };
	int err = 0;

	mutex_lock(&aem_loop_lock);
	if (kind && aem_loop_on && kind != aem_loop_on) {
		err = -EBUSY;
	} else if (kind && !aem_loop_on) {
		err = aem_register_store(ops[kind]);
		aem_loop_on = err ? 0 : kind;
	} else if (!kind && aem_loop_on) {
		/* Gone even when pages could not come back. */
		err = aem_unregister_store(ops[aem_loop_on]);
		aem_loop_on = 0;
	}
	mutex_unlock(&aem_loop_lock);
	return err;
}

/* ---- debugfs ------------------------------------------------------------ */

static int aem_dbg_reclaim_show(struct seq_file *m, void *unused)
{
	int sidx;

	seq_printf(m, "store %s\n", aem_store_get(&sidx, true) ? "yes" : "no");
	aem_store_put(sidx);
	seq_printf(m, "runs %ld\n", atomic_long_read(&aem_store_runs));
	seq_printf(m, "stored %ld\n", atomic_long_read(&aem_store_outs));
	seq_printf(m, "failed %ld\n", atomic_long_read(&aem_store_failed));
	seq_printf(m, "dropped %ld\n", atomic_long_read(&aem_store_dropped));
	seq_printf(m, "shared %ld\n", atomic_long_read(&aem_store_shared));
	seq_printf(m, "group_runs %ld\n",
		   atomic_long_read(&aem_store_group_runs));
	seq_printf(m, "group_pages %ld\n",
		   atomic_long_read(&aem_store_group_pages));
	seq_printf(m, "loopback_pool_pages %ld\n",
		   atomic_long_read(&aem_loop_pool_pages));
	seq_printf(m, "loopback_moved %ld\n",
		   atomic_long_read(&aem_loop_moved));
	seq_printf(m, "group_shared %ld\n",
		   atomic_long_read(&aem_store_group_shared));
	seq_printf(m, "held_moved %ld\n", aem_policy_held_moves());
	return 0;
}

static int aem_dbg_reclaim_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_dbg_reclaim_show, NULL);
}

static ssize_t aem_dbg_reclaim_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	unsigned long nr;
	int err;

	err = kstrtoul_from_user(ubuf, len, 0, &nr);
	if (err)
		return err;
	if (!nr || nr > (1UL << 30))
		return -EINVAL;
	aem_store_cold(NUMA_NO_NODE, nr, 0);
	return len;
}

static const struct file_operations aem_dbg_reclaim_fops = {
	.owner = THIS_MODULE,
	.open = aem_dbg_reclaim_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = aem_dbg_reclaim_write,
};

static ssize_t aem_dbg_loop_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[4];

	snprintf(buf, sizeof(buf), "%u\n", READ_ONCE(aem_loop_on));
	return simple_read_from_buffer(ubuf, len, ppos, buf, strlen(buf));
}

static ssize_t aem_dbg_loop_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	unsigned int kind;
	bool on;
	int err;

	/* 0, 1, 2; or a boolean, as before there were two kinds. */
	err = kstrtouint_from_user(ubuf, len, 0, &kind);
	if (err) {
		err = kstrtobool_from_user(ubuf, len, &on);
		if (err)
			return err;
		kind = on;
	}
	if (kind > 2)
		return -EINVAL;
	err = aem_loop_set(kind);
	return err ? err : len;
}

static const struct file_operations aem_dbg_loop_fops = {
	.owner = THIS_MODULE,
	.read = aem_dbg_loop_read,
	.write = aem_dbg_loop_write,
	.llseek = default_llseek,
};

/**
 * aem_reclaim_debugfs() - create debugfs aether/mm/reclaim, store_loopback
 * @dir: aether/mm/
 */
void aem_reclaim_debugfs(struct dentry *dir)
{
	debugfs_create_file("reclaim", 0600, dir, NULL, &aem_dbg_reclaim_fops);
	debugfs_create_file("store_loopback", 0600, dir, NULL,
			    &aem_dbg_loop_fops);
}

/**
 * aem_region_reclaim_init() - register region reclaim as a reclaim client
 *
 * Return: 0 or a negative errno.
 */
int aem_region_reclaim_init(void)
{
	int err;

	err = aem_register_movable(AEM_OWNER_LOOPBACK, &aem_loop_movable_ops);
	if (err)
		return err;
	err = aem_register_reclaim(&aem_region_reclaim_ops);
	if (err)
		aem_unregister_movable(AEM_OWNER_LOOPBACK,
				       &aem_loop_movable_ops);
	return err;
}

/**
 * aem_region_reclaim_exit() - unregister it, and the loopback store and
 * its move
 */
void aem_region_reclaim_exit(void)
{
	aem_unregister_reclaim(&aem_region_reclaim_ops);
	/* No reclaim queues it any more. */
	cancel_work_sync(&aem_share_store_work);
	aem_loop_set(0);
	aem_unregister_movable(AEM_OWNER_LOOPBACK, &aem_loop_movable_ops);
}
