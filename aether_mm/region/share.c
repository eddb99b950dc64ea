// SPDX-License-Identifier: GPL-2.0
/*
 * share.c - shared frames: equal pages of regions mapped from one frame
 *
 * DOC: Overview
 *
 * The core side of page merging (include/aether/mm.h, "Content
 * sharing").  A merge engine (aether_dedupe) walks the pages of MERGEABLE
 * regions, finds equal ones and asks the core to map each set of them
 * from one frame.  The core keeps that frame, its users and every slot;
 * the engine keeps its trees.
 *
 * A shared frame is a fresh pool frame (owner DEDUPE, unmovable), a copy
 * of the first page merged into it: neither party's frame.  Its struct
 * aem_shared holds the list of its users, one (layer, index) per layer
 * slot that holds the frame, as KSM keeps rmap_items on a stable node; the
 * frame's reverse map points to it (@rmap.shared, @rmap.layer NULL), so
 * compaction, which follows @rmap.layer, never sees a shared frame as a
 * region's, and its survey leaves pageblocks holding one alone (owner is
 * not REGION).  NUMA migration, the store and huge collapse refuse a
 * shared frame (-EBUSY): moving it would mean every user's slot.
 *
 * The life of a slot's page:
 *
 *   private	a frame of the layer's own (region.c)
 *   merge	aem_share_merge(), under the slot lock: the page is unmapped
 *		from every process mapping the region (every view and every
 *		fork see it through the region's mapping), so no write can
 *		reach it any more; then its content is compared with the
 *		shared frame's (a write between the engine's hash and the
 *		unmapping shows here, as KSM's write_protect_page() then
 *		pages_identical()); if equal, the slot takes the shared
 *		frame, a user is added and the old frame is freed
 *   shared	mapped read-only by every fault (fault.c); the frame is
 *		never written
 *   write	the fault copies it into a new private frame of the
 *		writer's top layer (fault.c); when the slot that held it is
 *		that top's own, the slot leaves the users
 *		(aem_share_user_gone()) and the engine is told (@unshared)
 *   freed	a layer freed (munmap, close, exit) or trimmed leaves the
 *		users of each shared frame it held (region.c)
 *   unmerge	aem_share_unmerge(): each user gets a private copy again
 *
 * A shared frame lives as long as its users and the engine's references
 * (a kref each); the last one frees the frame.  Merges and new shared
 * frames need a registered engine: unregistering stops them first
 * (aem_share_sem for write), then gives every user of every shared frame
 * a private copy, then lets the engine drop its references (@drain).  A
 * shared frame whose users could not all get a frame stays shared, and
 * correct without an engine: writes copy it, users leave it, the last
 * one frees it.
 *
 * Lock order (within region.c's):
 *
 *   aem_share_sem (rwsem)	read: a merge or a new shared frame; write:
 *				unregistration closing the door
 *     region slot lock		what a slot holds (region.c)
 *       shared->lock (spin)	the users list of one shared frame
 *       aem_share_list_lock	the list of every shared frame (spin)
 *
 * The engine's @unshared runs under rcu_read_lock() with the slot lock
 * of the page held or not (a layer being freed), never under a spinlock
 * of this file.
 *
 * debugfs aether/mm/share: the shared frames, their users and what made
 * users leave.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "../frame.h"
#include "region.h"

#define AEM_UNMERGE_WAIT_MS	10000	/* for users whose layer is going */

/**
 * struct aem_shared - a shared frame and its users
 * @ref:	one per user, one per reference of the engine
 * @frame:	the frame; never written once it has a user
 * @lock:	@users, @nr_users
 * @users:	struct aem_share_user, one per layer slot holding @frame
 * @nr_users:	entries on @users
 * @link:	on aem_share_list (aem_share_list_lock)
 * @uid:	creator of the region it was copied from: only pages of that
 *		uid's regions merge into it (one trust domain)
 */
struct aem_shared {
	struct kref ref;
	struct aem_frame *frame;
	spinlock_t lock;		/* see above */
	struct list_head users;
	unsigned int nr_users;
	struct list_head link;
	kuid_t uid;
};

/**
 * struct aem_share_user - one slot holding a shared frame
 * @link:	on its shared frame's @users
 * @layer:	the layer; it removes the entry before it is freed, so the
 *		pointer is good while the entry is on the list
 * @index:	data page index in @layer
 */
struct aem_share_user {
	struct list_head link;
	struct aem_layer *layer;
	pgoff_t index;
};

static DECLARE_RWSEM(aem_share_sem);
static bool aem_share_open;	/* an engine is registered (aem_share_sem) */
static DEFINE_SPINLOCK(aem_share_list_lock);
static LIST_HEAD(aem_share_list);

static atomic_long_t aem_share_frames, aem_share_nr_users, aem_share_merges,
	aem_share_changed, aem_share_left[AEM_SHARE_UNMERGE + 1];

/* ---- regions and pages, for the engine --------------------------------- */

static bool aem_region_mergeable(const struct aem_region *r)
{
	return (r->flags & (AETHER_MM_REGION_MERGEABLE |
			    AETHER_MM_REGION_SECURE)) ==
	       AETHER_MM_REGION_MERGEABLE;
}

/**
 * aem_share_region_next - the mergeable region after @prev
 * @prev: the region the walk is at (its reference is dropped), or NULL to
 *	  start
 *
 * Regions created MERGEABLE and not SECURE, in creation order.  A
 * referenced region stays on the list, so the walk goes on from it;
 * regions created meanwhile may or may not be seen.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 * Return: the region, with a reference (aem_share_region_put() or the
 * next call), or NULL at the end.
 */
struct aem_region *aem_share_region_next(struct aem_region *prev)
{
	struct aem_region *r = prev;

	do
		r = aem_region_next(r);
	while (r && !aem_region_mergeable(r));
	return r;
}
EXPORT_SYMBOL_GPL(aem_share_region_next);

/**
 * aem_share_region_put - drop a reference aem_share_region_next() gave
 * @r: the region
 *
 * Context: process context, may sleep (the last reference frees it).
 */
void aem_share_region_put(struct aem_region *r)
{
	aem_region_put(r);
}
EXPORT_SYMBOL_GPL(aem_share_region_put);

/**
 * aem_share_region_id - the number userspace knows @r by
 * @r: a referenced region
 *
 * Return: its id (REGION_INFO's @id).
 */
u64 aem_share_region_id(const struct aem_region *r)
{
	return r->id;
}
EXPORT_SYMBOL_GPL(aem_share_region_id);

/**
 * aem_share_region_uid - the creator of @r, its default trust domain
 * @r: a referenced region
 *
 * Return: the uid that created it.
 */
kuid_t aem_share_region_uid(const struct aem_region *r)
{
	return r->uid;
}
EXPORT_SYMBOL_GPL(aem_share_region_uid);

/**
 * aem_share_region_pages - data pages of @r
 * @r: a referenced region
 *
 * Return: the number of data page indexes, the bound for aem_share_scan().
 */
unsigned long aem_share_region_pages(const struct aem_region *r)
{
	return r->nr_pages;
}
EXPORT_SYMBOL_GPL(aem_share_region_pages);

/**
 * aem_share_page_get - keep a page a scan visited
 * @dst: receives the page and references of its own
 * @src: the page aem_share_scan() passed
 *
 * Context: any context that may hold a reference; does not sleep.
 */
void aem_share_page_get(struct aem_share_page *dst,
			const struct aem_share_page *src)
{
	*dst = *src;
	kref_get(&dst->region->ref);
	kref_get(&dst->layer->ref);
	aem_frame_get(dst->frame);
	if (dst->shared)
		kref_get(&dst->shared->ref);
}
EXPORT_SYMBOL_GPL(aem_share_page_get);

static void aem_shared_release(struct kref *ref);

/**
 * aem_share_page_put - drop what aem_share_page_get() took
 * @pg: the page
 *
 * Context: process context, may sleep (the last reference on a layer or
 * a region frees it).
 */
void aem_share_page_put(struct aem_share_page *pg)
{
	might_sleep();
	if (pg->shared)
		kref_put(&pg->shared->ref, aem_shared_release);
	aem_free_pages(pg->frame, 0);
	aem_image_put(pg->region, pg->layer);
	aem_region_put(pg->region);
	memset(pg, 0, sizeof(*pg));
}
EXPORT_SYMBOL_GPL(aem_share_page_put);

/* The page at @idx of @l, if it is a frame: the scan's references on it. */
static bool aem_share_page_at(struct aem_region *r, struct aem_layer *l,
			      pgoff_t idx, struct aem_share_page *pg)
{
	struct aem_frame *f;

	mutex_lock(aem_slot_lock(r, idx));
	f = aem_slot_frame(xa_load(&l->slots, idx));
	if (!f) {
		mutex_unlock(aem_slot_lock(r, idx));
		return false;
	}
	aem_frame_get(f);
	pg->region = r;
	pg->layer = l;
	pg->index = idx;
	pg->frame = f;
	pg->shared = aem_frame_is_shared(f) ? f->rmap.shared : NULL;
	if (pg->shared)
		kref_get(&pg->shared->ref);
	mutex_unlock(aem_slot_lock(r, idx));
	return true;
}

/**
 * aem_share_scan - visit the pages of a mergeable region
 * @r: a region from aem_share_region_next()
 * @start: first data page index
 * @end: the index after the last one (at most aem_share_region_pages())
 * @fn: called for each page
 * @arg: passed to @fn
 *
 * Visits, layer by layer, every index in [@start, @end) where a layer of
 * @r holds a frame, private or shared (not a stored page nor a hole):
 * a PRIVATE region forked N times has pages in up to N + 1 images.  Each
 * page comes with references (struct aem_share_page) for the length of
 * the call to @fn; the slot may change meanwhile, which
 * aem_share_merge() finds out.
 *
 * Context: process context, may sleep; no aether_mm lock held.  Takes
 * each page's slot lock briefly, never across @fn.
 * Return: pages visited; -EPERM when @r is not mergeable, -EINVAL for a
 * bad range, -ENOMEM, or the first negative value @fn returned.
 */
long aem_share_scan(struct aem_region *r, pgoff_t start, pgoff_t end,
		    aem_share_scan_fn fn, void *arg)
{
	struct aem_share_page pg;
	struct aem_layer **ls;
	unsigned int k, nl;
	unsigned long idx;
	long visited = 0;
	void *e;
	int ret;

	might_sleep();
	if (!aem_region_mergeable(r))
		return -EPERM;
	if (start >= end || end > r->nr_pages)
		return -EINVAL;
	ls = aem_region_layers_get(r, &nl);
	if (!ls)
		return -ENOMEM;
	for (k = 0; k < nl; k++) {
		xa_for_each_range(&ls[k]->slots, idx, e, start, end - 1) {
			if (aem_slot_is_stored(e) ||
			    !aem_share_page_at(r, ls[k], idx, &pg))
				continue;
			ret = fn(&pg, arg);
			if (pg.shared)
				kref_put(&pg.shared->ref, aem_shared_release);
			aem_free_pages(pg.frame, 0);
			if (ret < 0) {
				visited = ret;
				goto out;
			}
			visited++;
			cond_resched();
		}
	}
out:
	aem_region_layers_put(r, ls, nl);
	return visited;
}
EXPORT_SYMBOL_GPL(aem_share_scan);

/* ---- shared frames ------------------------------------------------------ */

static void aem_shared_release(struct kref *ref)
{
	struct aem_shared *s = container_of(ref, struct aem_shared, ref);

	WARN_ON_ONCE(s->nr_users || !list_empty(&s->users));
	spin_lock(&aem_share_list_lock);
	list_del(&s->link);
	spin_unlock(&aem_share_list_lock);
	WRITE_ONCE(s->frame->rmap.shared, NULL);
	aem_free_pages(s->frame, 0);
	atomic_long_dec(&aem_share_frames);
	kfree(s);
}

/**
 * aem_share_new - a new shared frame with the content of @pg
 * @pg: a page from aem_share_scan()
 *
 * The frame is a fresh one of the pool, on @pg's node if it has one free,
 * neither party's; it has no user yet: aem_share_merge() @pg (and the
 * pages equal to it) into it.  The copy is taken without a lock: a page
 * written meanwhile fails its merge.
 *
 * Context: process context, may sleep; GFP_KERNEL.
 * Return: the shared frame, with a reference for the caller
 * (aem_share_put()); ERR_PTR(-ENODEV) when no engine is registered,
 * -EALREADY when @pg is shared already, -ENOMEM.
 */
struct aem_shared *aem_share_new(const struct aem_share_page *pg)
{
	struct aem_shared *s;
	struct aem_frame *nf;

	might_sleep();
	if (pg->shared)
		return ERR_PTR(-EALREADY);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	down_read(&aem_share_sem);
	if (!aem_share_open) {
		up_read(&aem_share_sem);
		kfree(s);
		return ERR_PTR(-ENODEV);
	}
	nf = aem_alloc_pages(aem_frame_nid(pg->frame), 0,
			     AEM_MT(AETHER_MM_MT_UNMOVABLE) |
			     AEM_OWNER(AEM_OWNER_DEDUPE));
	if (!nf) {
		up_read(&aem_share_sem);
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	copy_highpage(aem_frame_page(nf), aem_frame_page(pg->frame));
	kref_init(&s->ref);
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->users);
	s->frame = nf;
	s->uid = pg->region->uid;
	WRITE_ONCE(nf->rmap.shared, s);
	spin_lock(&aem_share_list_lock);
	list_add_tail(&s->link, &aem_share_list);
	spin_unlock(&aem_share_list_lock);
	atomic_long_inc(&aem_share_frames);
	up_read(&aem_share_sem);
	return s;
}
EXPORT_SYMBOL_GPL(aem_share_new);

/**
 * aem_share_get - take a reference on a shared frame
 * @s: the shared frame, referenced by the caller already
 */
void aem_share_get(struct aem_shared *s)
{
	kref_get(&s->ref);
}
EXPORT_SYMBOL_GPL(aem_share_get);

/**
 * aem_share_put - drop a reference on a shared frame
 * @s: the shared frame
 *
 * The last reference (no user left, no engine reference) frees the frame.
 * Context: any context that may free pool pages: does not sleep.
 */
void aem_share_put(struct aem_shared *s)
{
	kref_put(&s->ref, aem_shared_release);
}
EXPORT_SYMBOL_GPL(aem_share_put);

/**
 * aem_share_frame - the frame of a shared frame, to read its content
 * @s: a referenced shared frame
 *
 * Return: the frame; read it with kmap_local_page(aem_frame_page()).  Its
 * content never changes while it has users.
 */
struct aem_frame *aem_share_frame(const struct aem_shared *s)
{
	return s->frame;
}
EXPORT_SYMBOL_GPL(aem_share_frame);

/**
 * aem_share_users - the slots holding a shared frame now
 * @s: a referenced shared frame
 *
 * Return: the count (a snapshot: writes and frees lower it any time).
 */
unsigned int aem_share_users(const struct aem_shared *s)
{
	return READ_ONCE(s->nr_users);
}
EXPORT_SYMBOL_GPL(aem_share_users);

/* Does @f hold the same bytes as @g?  Both referenced. */
bool aem_frames_equal(struct aem_frame *f, struct aem_frame *g)
{
	void *a = kmap_local_page(aem_frame_page(f));
	void *b = kmap_local_page(aem_frame_page(g));
	bool same = !memcmp(a, b, PAGE_SIZE);

	kunmap_local(b);
	kunmap_local(a);
	return same;
}

/* Slot lock held: the slot now holds @s's frame; @u joins its users. */
static void aem_share_user_add(struct aem_region *r, struct aem_layer *l,
			       pgoff_t idx, struct aem_shared *s,
			       struct aem_share_user *u)
{
	lockdep_assert_held(aem_slot_lock(r, idx));
	u->layer = l;
	u->index = idx;
	kref_get(&s->ref);
	spin_lock(&s->lock);
	list_add_tail(&u->link, &s->users);
	WRITE_ONCE(s->nr_users, s->nr_users + 1);
	spin_unlock(&s->lock);
	atomic_long_inc(&r->merged);
	atomic_long_inc(&aem_share_nr_users);
}

/* Slot lock held: replace @pg's frame by @s's, if still equal. */
static int aem_share_merge_locked(struct aem_share_page *pg,
				  struct aem_shared *s,
				  struct aem_share_user *u)
{
	struct aem_region *r = pg->region;
	struct aem_layer *l = pg->layer;
	struct aem_frame *f = pg->frame;
	pgoff_t idx = pg->index;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (aem_slot_frame(xa_load(&l->slots, idx)) != f)
		return -EAGAIN;		/* written, moved, stored or freed */
	if (aem_frame_is_shared(f))
		return -EALREADY;
	/* The slot's reference and @pg's: no kernel reader in between. */
	if (aem_frame_ref_count(f) != 2)
		return -EBUSY;
	/*
	 * No process maps the page after this (every view and fork maps it
	 * through the region's mapping), and a fault waits for the slot
	 * lock: from here on nobody writes it.
	 */
	aem_region_zap_page(r, idx);
	if (!aem_frames_equal(f, s->frame)) {
		atomic_long_inc(&aem_share_changed);
		return -EAGAIN;
	}
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, aem_slot_mk_frame(s->frame), GFP_KERNEL);
	aem_share_user_add(r, l, idx, s, u);
	aem_region_frame_gone(r, f);
	aem_free_pages(f, 0);	/* the slot's; @pg still holds one */
	atomic_long_inc(&aem_share_merges);
	return 0;
}

/**
 * aem_share_merge - map a page from a shared frame
 * @pg: a page from aem_share_scan() (or kept with aem_share_page_get())
 * @s: the shared frame (referenced by the caller)
 *
 * Under the page's slot lock: the slot must still hold @pg->frame and
 * nobody else hold a reference on it (@pg's is the only one allowed
 * besides the slot's: merge a page from the scan's callback or from a
 * copy kept with aem_share_page_get(), not while holding both); the page
 * is unmapped from every process, then compared with @s's frame byte for
 * byte; only when equal does the slot take @s's frame, @pg's frame going
 * back to the pool once @pg is put.  So a write that raced the engine's
 * hash is never lost: it either reached the page before the unmapping
 * (the comparison fails) or faults after it, on the shared frame, and
 * gets a copy.
 *
 * Context: process context, may sleep; no aether_mm lock held; GFP_KERNEL.
 * Return: 0 when merged; -EAGAIN when the page changed (content or frame:
 * not merged); -EALREADY when it is shared already; -EBUSY when a kernel
 * reader holds it; -EPERM when its region is not mergeable or was
 * created by another uid than the shared frame's; -ENODEV when
 * no engine is registered; -ENOMEM.
 */
int aem_share_merge(struct aem_share_page *pg, struct aem_shared *s)
{
	struct aem_region *r = pg->region;
	struct aem_share_user *u;
	int ret;

	might_sleep();
	/* Pages merge within one trust domain: their regions' creator. */
	if (!aem_region_mergeable(r) || !uid_eq(r->uid, s->uid))
		return -EPERM;
	u = kmalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	down_read(&aem_share_sem);
	if (!aem_share_open) {
		ret = -ENODEV;
	} else {
		mutex_lock(aem_slot_lock(r, pg->index));
		ret = aem_share_merge_locked(pg, s, u);
		mutex_unlock(aem_slot_lock(r, pg->index));
	}
	up_read(&aem_share_sem);
	if (ret)
		kfree(u);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_share_merge);

/**
 * aem_share_user_gone() - the slot at @idx of @l no longer holds @f
 * @r: the region of @l
 * @l: the layer
 * @idx: data page index
 * @f: the shared frame the slot held
 * @why: a write, the layer freed or trimmed, or an unmerge
 *
 * Removes the user, tells the engine and drops the user's reference on
 * the shared frame (which may free it).  The caller took @f out of the
 * slot already, under the slot lock, or is freeing @l.
 */
void aem_share_user_gone(struct aem_region *r, struct aem_layer *l,
			 pgoff_t idx, struct aem_frame *f,
			 enum aem_share_why why)
{
	struct aem_shared *s = f->rmap.shared;
	struct aem_share_user *u, *found = NULL;
	unsigned int users;

	spin_lock(&s->lock);
	list_for_each_entry(u, &s->users, link) {
		if (u->layer == l && u->index == idx) {
			found = u;
			break;
		}
	}
	if (found) {
		list_del(&found->link);
		WRITE_ONCE(s->nr_users, s->nr_users - 1);
	}
	users = s->nr_users;
	spin_unlock(&s->lock);
	if (WARN_ON_ONCE(!found))
		return;
	kfree(found);
	atomic_long_dec(&r->merged);
	atomic_long_dec(&aem_share_nr_users);
	atomic_long_inc(&aem_share_left[why]);
	aem_share_notify(s, users);
	aem_share_put(s);
}

/*
 * Give the user at @idx of @l a private copy of @s's frame again.  The
 * caller holds references on @r and @l.  0 also when the slot no longer
 * holds @s (it left meanwhile).
 */
static int aem_share_unshare_one(struct aem_shared *s, struct aem_region *r,
				 struct aem_layer *l, pgoff_t idx)
{
	struct aem_frame *nf;
	int ret = 0;

	mutex_lock(aem_slot_lock(r, idx));
	if (aem_slot_frame(xa_load(&l->slots, idx)) != s->frame)
		goto out;
	/* A frame of the region's own; the reserve, as for unstoring. */
	nf = aem_alloc_pages_mpol(&r->pol, 0, AEM_MT(AETHER_MM_MT_MOVABLE) |
				  AEM_OWNER(AEM_OWNER_REGION) |
				  AEM_ALLOC_HIGH);
	if (!nf) {
		ret = -ENOMEM;
		goto out;
	}
	copy_highpage(aem_frame_page(nf), aem_frame_page(s->frame));
	/*
	 * The region's group takes the page back whatever its limit, as for
	 * unstoring: the engine is going and the page must stay readable.
	 */
	aem_region_charge(r, aem_frame_nid(nf), 1, AEM_CHARGE_NOFAIL);
	/* Entries map the shared frame: the index resolves anew. */
	aem_region_zap_page(r, idx);
	xa_store(&l->slots, idx, aem_slot_mk_frame(nf), GFP_KERNEL);
	aem_region_frame_add(r, l, idx, nf);
	aem_share_user_gone(r, l, idx, s->frame, AEM_SHARE_UNMERGE);
out:
	mutex_unlock(aem_slot_lock(r, idx));
	return ret;
}

/*
 * A user of @s with references on its region and layer.  A user whose
 * region or layer is being freed leaves by itself.  The entry, and so its
 * layer, stays while it is on the list (under @s->lock); the region is
 * freed after a grace period, and only once its layers left.
 * Return: 0 with *@rp and *@lp referenced; -EAGAIN to try again; -ENOENT
 * when every user left is going away by itself.
 */
static int aem_share_pick_user(struct aem_shared *s, struct aem_region **rp,
			       struct aem_layer **lp, pgoff_t *idx)
{
	struct aem_region *r, *drop = NULL;
	struct aem_share_user *u;
	int ret = -ENOENT;

	rcu_read_lock();
	spin_lock(&s->lock);
	list_for_each_entry(u, &s->users, link) {
		r = u->layer->region;
		if (!kref_get_unless_zero(&r->ref))
			continue;
		if (!kref_get_unless_zero(&u->layer->ref)) {
			drop = r;	/* put outside the spinlock: it sleeps */
			ret = -EAGAIN;
			break;
		}
		*rp = r;
		*lp = u->layer;
		*idx = u->index;
		ret = 0;
		break;
	}
	spin_unlock(&s->lock);
	rcu_read_unlock();
	if (drop)
		aem_region_put(drop);
	return ret;
}

/**
 * aem_share_unmerge - give every user of a shared frame a private copy
 * @s: the shared frame (referenced by the caller)
 *
 * Each user's slot gets a new frame of its region (from the pool's
 * reserve if need be) with the shared content, and leaves the users; the
 * engine hears of each (@unshared).  Users whose layer is being freed
 * leave by themselves: this waits for them, for a bounded time.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 * Return: 0 when @s has no user left; -ENOMEM when a user found no frame
 * (it stays shared, and correct); -ETIMEDOUT.
 */
int aem_share_unmerge(struct aem_shared *s)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(AEM_UNMERGE_WAIT_MS);
	struct aem_region *r;
	struct aem_layer *l;
	pgoff_t idx;
	int ret;

	might_sleep();
	while (READ_ONCE(s->nr_users)) {
		ret = aem_share_pick_user(s, &r, &l, &idx);
		if (ret) {
			if (time_after(jiffies, deadline))
				return -ETIMEDOUT;
			msleep(20);
			continue;
		}
		ret = aem_share_unshare_one(s, r, l, idx);
		aem_image_put(r, l);
		aem_region_put(r);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_GPL(aem_share_unmerge);

/* The next shared frame with users after @prev (put), referenced. */
static struct aem_shared *aem_share_next_used(struct aem_shared *prev)
{
	struct aem_shared *s, *got = NULL;

	/* @prev is referenced, so still on the list. */
	spin_lock(&aem_share_list_lock);
	s = prev ? list_next_entry(prev, link) :
		   list_first_entry(&aem_share_list, struct aem_shared, link);
	list_for_each_entry_from(s, &aem_share_list, link) {
		if (READ_ONCE(s->nr_users) && kref_get_unless_zero(&s->ref)) {
			got = s;
			break;
		}
	}
	spin_unlock(&aem_share_list_lock);
	if (prev)
		aem_share_put(prev);
	return got;
}

/**
 * aem_share_open_engine() - let merges start: an engine is registered
 */
void aem_share_open_engine(void)
{
	down_write(&aem_share_sem);
	aem_share_open = true;
	up_write(&aem_share_sem);
}

/**
 * aem_share_close_engine() - stop merges, then unmerge every shared frame
 *
 * First step of aem_unregister_share(): once it took aem_share_sem for
 * write, no merge is in flight and none starts, nor does a new shared
 * frame.  Then each shared frame with users is unmerged.
 *
 * Return: 0, or the first error of aem_share_unmerge() (the kernel log
 * says how many users stay shared).
 */
int aem_share_close_engine(void)
{
	struct aem_shared *s = NULL;
	int ret = 0, err;

	down_write(&aem_share_sem);
	aem_share_open = false;
	up_write(&aem_share_sem);
	/* The pool or the reserve is empty: trying others would fail too. */
	while ((s = aem_share_next_used(s))) {
		err = aem_share_unmerge(s);
		if (err) {
			ret = err;
			aem_share_put(s);
			break;
		}
	}
	if (ret)
		pr_warn("share: %ld users of shared frames stay shared (%d): they go with their regions\n",
			atomic_long_read(&aem_share_nr_users), ret);
	return ret;
}

/* ---- debugfs ------------------------------------------------------------ */

static int aem_dbg_share_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "engine %d\n", READ_ONCE(aem_share_open));
	seq_printf(m, "shared_frames %ld\n",
		   atomic_long_read(&aem_share_frames));
	seq_printf(m, "users %ld\n", atomic_long_read(&aem_share_nr_users));
	seq_printf(m, "merges %ld\n", atomic_long_read(&aem_share_merges));
	seq_printf(m, "changed %ld\n", atomic_long_read(&aem_share_changed));
	seq_printf(m, "left_write %ld\n",
		   atomic_long_read(&aem_share_left[AEM_SHARE_WRITE]));
	seq_printf(m, "left_freed %ld\n",
		   atomic_long_read(&aem_share_left[AEM_SHARE_FREED]));
	seq_printf(m, "left_unmerge %ld\n",
		   atomic_long_read(&aem_share_left[AEM_SHARE_UNMERGE]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_share);

/**
 * aem_share_debugfs() - create debugfs aether/mm/share
 * @dir: aether/mm/
 */
void aem_share_debugfs(struct dentry *dir)
{
	debugfs_create_file("share", 0400, dir, NULL, &aem_dbg_share_fops);
}
