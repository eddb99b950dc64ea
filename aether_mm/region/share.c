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
 * A shared frame is a fresh pool frame (owner DEDUPE, movable), a copy of
 * the first page merged into it: neither party's frame.  It is charged to
 * one user's bound (user.c) for its whole life, stored or not: the user
 * of its trust domain, that is the creator of the region of that first
 * page (the domain's owner for a default domain), taken as it is made
 * (aem_share_new(), which is refused at the bound: the pages stay
 * private, and charged) and given back when it is freed; each merged
 * private frame is uncharged as it goes (aem_region_frame_gone()).  So
 * merging never takes a user beyond user_max_pages, as a page written
 * after a merge (a private copy, charged) does not.  The same frame is
 * charged once to the policy's group of that first page's region (its
 * creator: @pol, policy.c's "shared"), a frame while resident and the
 * store's bytes while stored, until it is freed, whichever region drops
 * it last; the cookie it keeps outlives the region.  Loaded back from the
 * store, it is charged there only if that group takes it, else to the
 * group of the region whose fault loads it, which holds it from then on
 * (aem_share_reload_charge()); and a group's own reclaim stores the cold
 * shared frames it holds (aem_share_store_cold() @held).  The zero page
 * costs nothing.  Its struct aem_shared holds the list of its users, one (layer, index) per layer
 * slot that holds the frame, as KSM keeps rmap_items on a stable node; the
 * frame's reverse map points to it (@rmap.shared, @rmap.layer NULL), so
 * region code that follows @rmap.layer never sees a shared frame as a
 * region's.  The store and huge collapse leave a shared frame where it
 * is.
 *
 * A shared frame moves (compaction: aem_share_movable_ops, the owner
 * DEDUPE's @move; REGION_MIGRATE: aem_share_move(); NUMA balancing,
 * which holds the faulting page's slot lock: aem_share_numa_request()
 * queues the move for a worker) when no kernel reader
 * holds it (aem_share_frame_get(), a scan's page): under @move_lock no
 * page merges into it, every user's region and layer are referenced, the
 * bytes are copied (a shared frame is never written), the new frame
 * becomes @frame, then each user's slot is zapped and repointed under its
 * slot lock, one at a time.  Meanwhile a slot may hold the old frame:
 * same bytes, read-only, its reverse map still naming the same struct
 * aem_shared, so faults, writes and unmerges there are right either way.
 * The old frame's map is cleared before it is freed, and struct
 * aem_shared is freed after a grace period, so compaction, which finds it
 * from a frame under rcu_read_lock(), never follows a stale one.
 *
 * Trust domains: a shared frame keeps the domain key of its first page
 * (aem_share_region_domain(): the creator's uid, or a named domain), and
 * only pages of that key merge into it.  A region's key changes under
 * aem_share_sem for write, so no merge is between its check and its slot
 * update; then the region's pages of another key are unmerged.
 *
 * Zero pages (use_zero_pages): aem_share_zero() takes a page of zeroes
 * out of its slot in the merge's order (unmap, check, free); the empty
 * slot reads as the zero page.  Each such index is recorded in its
 * layer's @zeroed until a frame fills it again or the layer goes, for
 * the per-region count.  An index an older image holds is refused: an
 * empty slot would show that image.
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
 *		frame, a user is added and the old frame is freed.  The
 *		slot takes no checksum record: the frame's @csum is its
 *		record, and any the private page had goes (verify.c,
 *		aem_integ_merged(): no xarray store, no charge).  A
 *		scan batch's merges (aem_share_scan_batch() @merge) and
 *		aem_share_merge_pages() do the same for pages of one slot
 *		lock in one hold of it, each run of consecutive pages
 *		unmapped at once (one page table walk, one TLB flush),
 *		each page compared after that (aem_share_merge_run())
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
 *   aem_share_sem (rwsem)	read: a merge, a zero page or a new shared
 *				frame; write: unregistration closing the
 *				door, a region changing trust domain
 *     stock->lock		a node's fresh frames for new shared frames
 *				(mutex, struct aem_share_stock; only the
 *				pool's own locks inside)
 *     shared->move_lock	a merge into it, a move of it (mutex; taken
 *				by compaction under aem_compact_lock)
 *       region slot lock	what a slot holds (region.c); a move takes
 *				its users' one after the other, never two
 *         layer->slots' xa_lock a merge's check of the slot, its
 *				comparison and its store (spin; only the
 *				integrity records' RCU lookup inside)
 *         shared->load_lock	a stored shared frame brought back, or made
 *				stored (mutex; also under move_lock alone:
 *				a merge, reclaim storing it)
 *           shared->lock (spin) the users list of one shared frame, and
 *				@frame against aem_share_frame_get()
 *         aem_share_list_lock	the list of every shared frame (spin)
 *         aem_share_holder_lock the holders and their lists (spin): taken
 *				alone, or under @load_lock (a reload that
 *				moved a charge); the policy's @match runs
 *				inside it, under no other lock of ours
 *
 * The engine's @unshared runs under rcu_read_lock() with the slot lock
 * of the page held or not (a layer being freed), never under a spinlock
 * of this file.
 *
 * Stored shared frames: reclaim (reclaim.c) stores a shared frame whose
 * every user's page is cold once, one handle for all
 * (aem_share_store_one()): the struct aem_shared keeps the handle, @frame
 * NULL, and every user's slot names it (slot.h, AEM_SLOT_SHARED_STORED);
 * a fault on any user brings it back once into a new shared frame
 * (aem_share_resident(), under @load_lock) and repoints its own slot, the
 * others following at their next fault.  Unmerge, unregistration of the
 * engine or the store, and the last user's going bring it back or release
 * the handle, each exactly once.  A stored shared frame has no frame to
 * move.
 *
 * Holders (review s31b finding 4): a group's own reclaim stores the cold
 * shared frames whose charge its group holds, which no walk of its own
 * regions reaches.  So that it costs what the group holds, not the
 * machine's sharing, each shared frame is on the list of the holder of
 * its charge's cookie (struct aem_share_holder, one per cookie a charge
 * holds, made with the first frame and freed with the last, found by the
 * cookie in a hash), and moves to another's when a reload moves the
 * charge (aem_share_hold_update()).  A group's reclaim asks the policy's
 * @match of each holder, not of each frame, and walks the lists of those
 * it accepts (AEM_SHARE_HELD_WALK of them a walk, taken in turn), each
 * frame it looks at moved to its list's tail, as many as the list had
 * when it began; a frame whose holder could not be made (no memory) is
 * on aem_share_unheld, which every group reclaim walks too.  Each frame's
 * charge is checked again under its @lock before it is stored
 * (aem_share_held_by()): a reload moving it meanwhile is seen there.
 * debugfs share's held_visits counts the frames the walks looked at.
 *
 * debugfs aether/mm/share: the shared frames, their users and what made
 * users leave, and the stored ones.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xxhash.h>
#include "../frame.h"
#include "region.h"
#include "../trace.h"

#define AEM_UNMERGE_WAIT_MS	10000	/* for users whose layer is going */

/**
 * struct aem_shared - a shared frame and its users
 * @ref:	one per user, one per reference of the engine
 * @frame:	the frame; never written once it has a user
 * @lock:	@users, @nr_users
 * @users:	struct aem_share_user, one per layer slot holding @frame
 * @nr_users:	entries on @users
 * @link:	on aem_share_list (aem_share_list_lock)
 * @domain:	trust domain key (aem_share_region_domain()) of the region
 *		it was copied from: only pages of that domain merge into it
 * @move_lock:	held by a merge and by a move of @frame: no user joins
 *		while the frame moves, and @frame is stable under it
 * @rcu:	freed after a grace period: compaction finds it from a frame
 *		(@rmap.shared) under rcu_read_lock()
 * @load_lock:	held to bring a stored shared frame back and while it is
 *		stored: one load for every user (see "Stored shared frames")
 * @handle:	the store backend's handle while @stored
 * @nid:	the node of the frame it was stored from: a load prefers it
 * @stored:	@frame is NULL and the store holds the content (@handle);
 *		@frame NULL and not @stored: the last user left while it was
 *		stored, the handle went with it (only the engine's
 *		references are left).  Both, and @handle, change under
 *		@load_lock and @lock
 * @csum:	xxh64 of the content, taken when it is made (verify.c): the
 *		record of every slot that maps it, which takes none of its
 *		own (verify.c, "Records")
 * @poisoned:	the content no longer matches @csum: every user's fault is
 *		a SIGBUS, a load from the store fails (set once, never
 *		cleared: the copy kept, if any, failed its check too)
 * @user:	the user charged one page for it (referenced), from
 *		aem_share_new() until aem_shared_release()
 * @kept:	the store's handle of its content, kept after it was loaded
 *		back (integrity_keep_copies, verify.c's "Kept copies"), while
 *		@has_kept: a good copy to repair @frame from.  The frame is
 *		never written, so the copy stays good until @s goes, is
 *		stored again (it is reused) or the store goes.  Both change
 *		under @load_lock and @lock; its bytes count in @pol's group
 *		(aem_policy_held_keep()) while it is kept
 * @pol:	its charge to the creator's group (policy.c): a frame, or
 *		the store's bytes while @stored; changes under @load_lock and
 *		@lock with @frame and @stored
 * @holder:	the struct aem_share_holder of @pol's cookie, on whose
 *		@frames it is (@held_link), or NULL: on aem_share_unheld
 *		(no holder could be made) or on no list (nothing held);
 *		both under aem_share_holder_lock, changed after @pol under
 *		@load_lock (aem_share_hold_update())
 *
 * The fields go in the order that packs them (248 bytes on x86-64 without
 * lock debugging, where this list's order took 280): one is made per
 * content merged, zeroed, so its size is part of a pair's cost.
 */
struct aem_shared {
	struct kref ref;
	spinlock_t lock;		/* see above */
	struct aem_frame *frame;
	struct list_head users;
	unsigned int nr_users;
	int nid;
	struct list_head link;
	u64 domain;
	struct mutex move_lock;		/* see above */
	struct rcu_head rcu;
	struct mutex load_lock;		/* see above */
	unsigned long handle;
	u64 csum;
	struct aem_user *user;
	unsigned long kept;
	bool stored;
	bool poisoned;
	bool has_kept;
	struct aem_policy_held pol;
	struct aem_share_holder *holder;
	struct list_head held_link;
};

/**
 * struct aem_share_holder - the shared frames one group's charge holds
 * @hnode:	in aem_share_holders, by @cookie
 * @link:	on aem_share_holder_list, in the order group reclaims take
 *		them
 * @cookie:	the held cookie (the policy's @cookie_hold) of registration
 *		@gen whose charges these are
 * @gen:	that registration
 * @frames:	its struct aem_shared, by their @held_link, in the order a
 *		walk takes them (each taken goes to the tail)
 * @nr:		entries on @frames
 * @walkers:	group reclaims walking it now; it is freed when both are 0
 *
 * All under aem_share_holder_lock.
 */
struct aem_share_holder {
	struct hlist_node hnode;
	struct list_head link;
	void *cookie;
	u64 gen;
	struct list_head frames;
	unsigned long nr;
	unsigned int walkers;
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

/* Shared frames by the group holding their charge ("Holders"). */
#define AEM_SHARE_HOLDER_BITS	6
static DEFINE_SPINLOCK(aem_share_holder_lock);
static DEFINE_HASHTABLE(aem_share_holders, AEM_SHARE_HOLDER_BITS);
static LIST_HEAD(aem_share_holder_list);
static LIST_HEAD(aem_share_unheld);
static atomic_long_t aem_share_held_visits, aem_share_unheld_nr;

/*
 * The users' records: a merge takes one, a user leaving gives it back.  A
 * cache of their own, and a scan batch's merges take theirs in one bulk
 * call (aem_share_merge_run()): a kmalloc() per merged page was a tenth
 * of a merge's cost.  Made at load (aem_share_init()), gone at unload,
 * when no region, so no user, is left.
 */
static struct kmem_cache *aem_share_user_cache;

/* Frames a stock of aem_share_new() takes in one aem_alloc_bulk(). */
#define AEM_SHARE_STOCK		16
#define AEM_SHARE_FRAME_FLAGS	(AEM_MT(AETHER_MM_MT_MOVABLE) | \
				 AEM_OWNER(AEM_OWNER_DEDUPE))

/**
 * struct aem_share_stock - fresh frames for new shared frames, one node's
 * @lock:	@nr and @frames
 * @nr:		frames in @frames
 * @frames:	allocated pool frames (owner DEDUPE), no content, no
 *		struct aem_shared: compaction leaves them (@rmap.shared NULL)
 *
 * A new shared frame is a fresh pool frame, neither party's; one
 * aem_alloc_pages() each was a tenth of aem_share_new()'s cost under the
 * engine's pairs.  So a node's stock takes AEM_SHARE_STOCK at once from
 * the CPU's list (aem_alloc_bulk() with AEM_ALLOC_ATOMIC: no growth, no
 * reclaim for frames not yet wanted) and aem_share_new() takes them one
 * by one, falling back on aem_alloc_pages() when the pool has none to
 * spare.  At most AEM_SHARE_STOCK frames a node wait there, only while
 * an engine is registered: aem_share_close_engine() and aem_share_exit()
 * give them back (aem_share_stock_drain()), as does the pool's DRAIN.
 */
struct aem_share_stock {
	struct mutex lock;		/* see above */
	unsigned int nr;
	struct aem_frame *frames[AEM_SHARE_STOCK];
};

/* nr_node_ids of them, made at load (aem_share_init()) */
static struct aem_share_stock *aem_share_stocks;

/*
 * The struct aem_shared of new shared frames: a cache of their own, and
 * a stock of AEM_SHARE_STOCK of them that aem_share_new() takes one at a
 * time, filled by one kmem_cache_alloc_bulk() outside any lock (a
 * kzalloc() each was a quarter of aem_share_new()'s cost under the
 * engine's pairs).  A struct leaves after a grace period
 * (aem_shared_free_rcu(): compaction may be reading it), straight to the
 * cache; aem_share_exit() waits for those (rcu_barrier()) and gives the
 * stock back before the cache goes.  At most AEM_SHARE_STOCK wait in the
 * stock (about 4 KiB).
 */
static struct kmem_cache *aem_shared_cache;
static DEFINE_SPINLOCK(aem_shared_stock_lock);	/* the two below */
static unsigned int aem_shared_nr;
static void *aem_shared_stock[AEM_SHARE_STOCK];

static atomic_long_t aem_share_frames, aem_share_nr_users, aem_share_merges,
	aem_share_changed, aem_share_left[AEM_SHARE_UNMERGE + 1],
	aem_share_zeroed, aem_share_zero_now, aem_share_zero_filled_nr,
	aem_share_moved, aem_share_numa_moved;
/* Stored shared frames now; stores and loads of one ever (store section). */
static atomic_long_t aem_share_stored_now, aem_share_store_outs,
	aem_share_store_ins;

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
 * aem_share_region_domain - the trust domain key of @r
 * @r: a referenced region
 *
 * Pages merge only with pages of the same key (aem_share_merge()).
 *
 * Return: BIT_ULL(63) | id for a region an administrator put into named
 * domain id, else its creator's uid (in the initial user namespace), so
 * the two kinds never meet.
 */
u64 aem_share_region_domain(const struct aem_region *r)
{
	u32 id = READ_ONCE(r->domain);

	/*
	 * A kuid_t's value is the uid in the initial user namespace, what
	 * from_kuid(&init_user_ns) returns after a walk of its map: this
	 * is asked for every page a pass visits.
	 */
	return id ? BIT_ULL(63) | id : __kuid_val(r->uid);
}
EXPORT_SYMBOL_GPL(aem_share_region_domain);

/**
 * aem_share_region_domain_id - the named trust domain of @r
 * @r: a referenced region
 *
 * Return: the id aem_share_region_set_domain() gave, 0 for none (the
 * creator's uid is its domain).
 */
u32 aem_share_region_domain_id(const struct aem_region *r)
{
	return READ_ONCE(r->domain);
}
EXPORT_SYMBOL_GPL(aem_share_region_domain_id);

/**
 * aem_share_region_counts - what sharing does to @r now
 * @r: a referenced region
 * @c: receives the figures (struct aem_share_region_counts)
 *
 * @merging is exact (every slot of its layers holding a shared frame);
 * @zero counts the indexes of its layers given to the zero page that no
 * frame filled since and whose layer lives; @merges never goes down.
 * Each is read on its own: a snapshot, not a consistent set.
 */
void aem_share_region_counts(const struct aem_region *r,
			     struct aem_share_region_counts *c)
{
	c->merging = max(atomic_long_read(&r->merged), 0L);
	c->zero = max(atomic_long_read(&r->zero_pages), 0L);
	c->merges = atomic_long_read(&r->merges);
}
EXPORT_SYMBOL_GPL(aem_share_region_counts);

/**
 * aem_share_region_fdget - the region behind a region fd
 * @fd: a file descriptor of the current task
 * @writable: receives whether the fd was opened for writing
 *
 * Context: process context.
 * Return: the region with a reference (aem_share_region_put()),
 * ERR_PTR(-EBADF) when @fd is not open, ERR_PTR(-EINVAL) when it is not a
 * region fd.
 */
struct aem_region *aem_share_region_fdget(int fd, bool *writable)
{
	struct aem_region *r;
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &aem_region_fops) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	r = file->private_data;
	kref_get(&r->ref);
	*writable = file->f_mode & FMODE_WRITE;
	fput(file);
	return r;
}
EXPORT_SYMBOL_GPL(aem_share_region_fdget);

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
	dst->merge = NULL;
	kref_get(&dst->region->ref);
	kref_get(&dst->layer->ref);
	aem_frame_get(dst->frame);
	if (dst->shared)
		kref_get(&dst->shared->ref);
}
EXPORT_SYMBOL_GPL(aem_share_page_get);

static void aem_shared_release(struct kref *ref);
static void aem_share_stored_release(unsigned long handle);
static void aem_share_stored_drop(struct aem_shared *s);
static int aem_share_load_for_merge(struct aem_shared *s);
static void aem_share_poison_flush(void);
static void aem_share_poison_users(struct aem_shared *s);
static void aem_share_hold_update(struct aem_shared *s, gfp_t gfp);
static void aem_share_hold_unlink(struct aem_shared *s);

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

/*
 * Pages a scan takes under one hold of a slot lock.  A batch has costs
 * that do not grow with its pages (the fill's lookup and lock, its
 * merges' slot lock hold, one unmapping a run, one bulk allocation of
 * their user records and one bulk free of their frames): at 64 pages
 * rather than 16, aether_ksmd spent 8 to 12 % less CPU per merged page on
 * 6.1 (the dedupe A/B, 40 MiB); on 6.12 the difference was within the
 * runs' noise.
 */
#define AEM_SHARE_SCAN_BATCH	64

/*
 * Layers a scan lists on its stack (aem_region_layers_get_in()): a region
 * mapped by a few processes that never forked lists a few.
 */
#define AEM_SHARE_SCAN_LAYERS	8

/*
 * A page of a scan's batch: what its struct aem_share_page will hold,
 * and the shared frame its callback asked it to merge into.
 */
struct aem_share_scan_ent {
	pgoff_t index;
	struct aem_frame *frame;
	struct aem_shared *shared;
	struct aem_shared *merge;
};

/*
 * What aem_share_scan_batch() works in: a batch (@ent), and for its
 * merges (aem_share_merge_batch()) their pages, their frames and results.
 * Too big for the stack at AEM_SHARE_SCAN_BATCH pages, and too big to
 * allocate per call (init_on_alloc zeroes its 6 KiB each time: Debian's
 * kernels set it): the engine allocates one (aem_share_scan_buf_alloc())
 * and hands it to each of its scans.
 */
struct aem_share_scan_buf {
	struct aem_share_scan_ent ent[AEM_SHARE_SCAN_BATCH];
	struct aem_share_page pgv[AEM_SHARE_SCAN_BATCH];
	struct aem_share_page *pgs[AEM_SHARE_SCAN_BATCH];
	struct aem_frame *frames[AEM_SHARE_SCAN_BATCH];
	int rets[AEM_SHARE_SCAN_BATCH];
};

/*
 * The next batch of @l's frames from *@next on, below @end: the first
 * index holding anything is found under RCU alone, then, under its slot
 * lock (one per 2 MiB, aem_slot_lock()), one walk of the xarray takes a
 * reference on each frame up to @max of them or the end of that
 * lock's indexes, where stored pages are passed over.  *@next moves past
 * what the walk looked at.  Returns the pages taken into @b.
 */
static unsigned int aem_share_scan_fill(struct aem_region *r,
					struct aem_layer *l, pgoff_t *next,
					pgoff_t end, unsigned int max,
					struct aem_share_scan_ent *b)
{
	XA_STATE(xas, &l->slots, 0);
	unsigned long first = *next;
	unsigned int n = 0;
	struct aem_frame *f;
	pgoff_t last;
	void *e;

	if (!xa_find(&l->slots, &first, end - 1, XA_PRESENT)) {
		*next = end;
		return 0;
	}
	/* The last index under the same slot lock as @first. */
	last = ((first + r->guard) | (AEM_HUGE_PAGES - 1)) - r->guard;
	last = min_t(pgoff_t, last, end - 1);
	xas_set(&xas, first);
	mutex_lock(aem_slot_lock(r, first));
	rcu_read_lock();
	xas_for_each(&xas, e, last) {
		if (xas_retry(&xas, e))
			continue;
		f = aem_slot_is_stored(e) ? NULL : aem_slot_frame(e);
		if (!f)
			continue;
		aem_frame_get(f);
		b[n].index = xas.xa_index;
		b[n].frame = f;
		b[n].shared = aem_frame_is_shared(f) ? f->rmap.shared : NULL;
		if (b[n].shared)
			kref_get(&b[n].shared->ref);
		if (++n == max) {
			last = xas.xa_index;
			break;
		}
	}
	rcu_read_unlock();
	mutex_unlock(aem_slot_lock(r, first));
	*next = last + 1;
	return n;
}

/* Drop the references aem_share_scan_fill() took on @e. */
static void aem_share_scan_ent_put(struct aem_share_scan_ent *e)
{
	if (e->shared)
		kref_put(&e->shared->ref, aem_shared_release);
	aem_free_pages(e->frame, 0);
}

/*
 * Is @ls[@k] one of @ls[0..@k)?  A layer is listed once per chain that
 * reaches it (the frozen image under the two tops of a fork, twice).
 */
static bool aem_share_layer_seen(struct aem_layer **ls, unsigned int k)
{
	unsigned int j;

	for (j = 0; j < k; j++)
		if (ls[j] == ls[k])
			return true;
	return false;
}

static void aem_share_merge_batch(struct aem_region *r, struct aem_layer *l,
				  struct aem_share_scan_buf *buf, unsigned int n,
				  aem_share_done_fn done, void *arg);

/*
 * aem_share_scan() (@buf NULL: a page a batch) and aem_share_scan_batch()
 * (AEM_SHARE_SCAN_BATCH pages a batch in @buf); with @done, a page whose
 * callback set @merge keeps its references until the batch's merges
 * (aem_share_merge_batch()), the others go at once.
 */
static long aem_share_scan_n(struct aem_region *r, pgoff_t start,
			     pgoff_t end, aem_share_scan_fn fn,
			     aem_share_done_fn done, void *arg,
			     struct aem_share_scan_buf *buf)
{
	unsigned int max = buf ? AEM_SHARE_SCAN_BATCH : 1;
	struct aem_share_scan_ent one, *batch = buf ? buf->ent : &one;
	struct aem_layer **ls, *lbuf[AEM_SHARE_SCAN_LAYERS];
	struct aem_share_page pg;
	unsigned int k, nl, i, n, merges;
	long visited = 0;
	pgoff_t next;
	int ret = 0;

	might_sleep();
	if (!aem_region_mergeable(r))
		return -EPERM;
	if (start >= end || end > r->nr_pages)
		return -EINVAL;
	ls = aem_region_layers_get_in(r, lbuf, ARRAY_SIZE(lbuf), &nl);
	if (!ls)
		return -ENOMEM;
	for (k = 0; k < nl && ret >= 0; k++) {
		if (aem_share_layer_seen(ls, k))
			continue;
		for (next = start; next < end && ret >= 0;) {
			n = aem_share_scan_fill(r, ls[k], &next, end, max,
						batch);
			merges = 0;
			for (i = 0; i < n; i++) {
				batch[i].merge = NULL;
				if (ret >= 0) {
					pg.region = r;
					pg.layer = ls[k];
					pg.index = batch[i].index;
					pg.frame = batch[i].frame;
					pg.shared = batch[i].shared;
					pg.merge = NULL;
					ret = fn(&pg, arg);
					if (ret < 0)
						visited = ret;
					else
						visited++;
					if (done)
						batch[i].merge = pg.merge;
				}
				/* After an error, the rest only go back. */
				if (batch[i].merge)
					merges++;
				else
					aem_share_scan_ent_put(&batch[i]);
			}
			if (merges)
				aem_share_merge_batch(r, ls[k], buf, n, done,
						      arg);
			cond_resched();
		}
	}
	aem_region_layers_put_in(r, ls, nl, lbuf);
	return visited;
}

/**
 * aem_share_scan - visit the pages of a mergeable region
 * @r: a region from aem_share_region_next()
 * @start: first data page index
 * @end: the index after the last one (at most aem_share_region_pages())
 * @fn: called for each page
 * @arg: passed to @fn
 *
 * Visits, layer by layer (each layer once), every index in [@start, @end)
 * where a layer of @r holds a frame, private or shared (not a stored page
 * nor a hole):
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
	return aem_share_scan_n(r, start, end, fn, NULL, arg, NULL);
}
EXPORT_SYMBOL_GPL(aem_share_scan);

/**
 * aem_share_scan_buf_alloc - what aem_share_scan_batch() works in
 *
 * One per caller that scans (several scans at once need one each); it
 * holds nothing between scans.  About 6 KiB.
 *
 * Context: process context, may sleep; GFP_KERNEL.
 * Return: the buffer, or NULL without memory.
 */
struct aem_share_scan_buf *aem_share_scan_buf_alloc(void)
{
	return kmalloc(sizeof(struct aem_share_scan_buf), GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(aem_share_scan_buf_alloc);

/**
 * aem_share_scan_buf_free - free what aem_share_scan_buf_alloc() gave
 * @buf: the buffer, or NULL
 */
void aem_share_scan_buf_free(struct aem_share_scan_buf *buf)
{
	kfree(buf);
}
EXPORT_SYMBOL_GPL(aem_share_scan_buf_free);

/**
 * aem_share_scan_batch - aem_share_scan(), many pages per slot lock hold
 * @r: a region from aem_share_region_next()
 * @start: first data page index
 * @end: the index after the last one (at most aem_share_region_pages())
 * @fn: called for each page
 * @done: hears the result of each merge @fn asked for
 * @arg: passed to @fn and @done
 * @buf: from aem_share_scan_buf_alloc(), used by one scan at a time
 *
 * The same visit as aem_share_scan(), cheaper per page: up to
 * AEM_SHARE_SCAN_BATCH pages of one layer under one slot lock (one per
 * 2 MiB) are found in one walk of the layer's xarray and referenced in
 * one hold of that lock, then passed to @fn one by one, each page's
 * references dropped as its call returns (KSM's scan takes a page
 * reference per page and a page table walk per page).  The pages of the
 * batch not yet visited hold their references meanwhile: a copy of one
 * of them kept from earlier (aem_share_page_get()) cannot merge until
 * its own visit (-EBUSY: another reference), where it can.  For a scan
 * that visits each page once in order (aether_ksmd's pass); a caller
 * that merges pages it kept ahead of the walk uses aem_share_scan().
 *
 * A callback may set @pg->merge instead of calling aem_share_merge():
 * the page then keeps its references, and once every page of the batch
 * was visited the pages asked for merge in one hold of the batch's slot
 * lock, each run of consecutive ones unmapped from every process at once
 * (one page table walk and one TLB flush for the run, not one a page),
 * each compared in full with its shared frame after that unmapping, as
 * aem_share_merge() does (aem_share_merge_batch()).  @done hears each
 * result.
 *
 * Context: as aem_share_scan().
 * Return: as aem_share_scan().
 */
long aem_share_scan_batch(struct aem_region *r, pgoff_t start, pgoff_t end,
			  aem_share_scan_fn fn, aem_share_done_fn done,
			  void *arg, struct aem_share_scan_buf *buf)
{
	return aem_share_scan_n(r, start, end, fn, done, arg, buf);
}
EXPORT_SYMBOL_GPL(aem_share_scan_batch);

/* ---- shared frames ------------------------------------------------------ */

/*
 * A struct aem_shared, zeroed: from the stock, or NULL without memory.
 * The stock holds zeroed ones only: the slab zeroes a bulk allocation
 * with __GFP_ZERO (once: init_on_alloc, on in Debian's kernels, zeroes
 * the same pass), and one given back unused is zeroed then.
 */
static struct aem_shared *aem_shared_alloc(void)
{
	void *objs[AEM_SHARE_STOCK];
	struct aem_shared *s = NULL;
	unsigned int n;

	spin_lock(&aem_shared_stock_lock);
	if (aem_shared_nr)
		s = aem_shared_stock[--aem_shared_nr];
	spin_unlock(&aem_shared_stock_lock);
	if (s)
		return s;
	n = kmem_cache_alloc_bulk(aem_shared_cache, GFP_KERNEL | __GFP_ZERO,
				  AEM_SHARE_STOCK, objs);
	if (!n)
		return kmem_cache_zalloc(aem_shared_cache, GFP_KERNEL);
	s = objs[--n];
	spin_lock(&aem_shared_stock_lock);
	while (n && aem_shared_nr < AEM_SHARE_STOCK)
		aem_shared_stock[aem_shared_nr++] = objs[--n];
	spin_unlock(&aem_shared_stock_lock);
	/* Another caller filled the stock meanwhile: the rest go back. */
	if (n)
		kmem_cache_free_bulk(aem_shared_cache, n, objs);
	return s;
}

/* A struct aem_shared nobody saw: back to the stock, or to the cache. */
static void aem_shared_unused(struct aem_shared *s)
{
	memset(s, 0, sizeof(*s));
	spin_lock(&aem_shared_stock_lock);
	if (aem_shared_nr < AEM_SHARE_STOCK) {
		aem_shared_stock[aem_shared_nr++] = s;
		s = NULL;
	}
	spin_unlock(&aem_shared_stock_lock);
	if (s)
		kmem_cache_free(aem_shared_cache, s);
}

/* The stock back to the cache (no engine, or unload). */
static void aem_shared_stock_drain(void)
{
	void *objs[AEM_SHARE_STOCK];
	unsigned int n;

	spin_lock(&aem_shared_stock_lock);
	n = aem_shared_nr;
	memcpy(objs, aem_shared_stock, n * sizeof(objs[0]));
	aem_shared_nr = 0;
	spin_unlock(&aem_shared_stock_lock);
	if (n)
		kmem_cache_free_bulk(aem_shared_cache, n, objs);
}

static void aem_shared_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(aem_shared_cache,
			container_of(rcu, struct aem_shared, rcu));
}

static void aem_shared_release(struct kref *ref)
{
	struct aem_shared *s = container_of(ref, struct aem_shared, ref);

	WARN_ON_ONCE(s->nr_users || !list_empty(&s->users));
	spin_lock(&aem_share_list_lock);
	list_del(&s->link);
	spin_unlock(&aem_share_list_lock);
	if (s->frame) {
		WRITE_ONCE(s->frame->rmap.shared, NULL);
		aem_free_pages(s->frame, 0);
	} else if (s->stored) {
		/* Stored, and nobody left to load it: the one handle goes. */
		aem_share_stored_release(s->handle);
	}
	if (s->has_kept)
		aem_integ_kept_release(s->kept, false);
	aem_share_hold_unlink(s);
	aem_policy_held_drop(&s->pol);
	aem_user_uncharge(s->user, PAGE_SIZE);
	aem_user_put(s->user);
	atomic_long_dec(&aem_share_frames);
	mutex_destroy(&s->move_lock);
	mutex_destroy(&s->load_lock);
	call_rcu(&s->rcu, aem_shared_free_rcu);
}

/*
 * A fresh frame for a new shared frame, on @nid if the pool has one
 * there; NULL when none.  Under aem_share_sem for read with an engine
 * registered: aem_share_close_engine() drains the stocks after that.
 */
static struct aem_frame *aem_share_frame_alloc(int nid)
{
	struct aem_share_stock *st = &aem_share_stocks[nid];
	struct aem_frame *f = NULL;

	lockdep_assert_held(&aem_share_sem);
	mutex_lock(&st->lock);
	if (!st->nr)
		st->nr = aem_alloc_bulk(nid, 0, AEM_SHARE_FRAME_FLAGS |
					AEM_ALLOC_ATOMIC, AEM_SHARE_STOCK,
					st->frames);
	if (st->nr)
		f = st->frames[--st->nr];
	mutex_unlock(&st->lock);
	return f ?: aem_alloc_pages(nid, 0, AEM_SHARE_FRAME_FLAGS);
}

/**
 * aem_share_stock_drain - every node's stock back to the pool
 *
 * The stocks are a cache of the pool's like its per-CPU lists: whoever
 * drains those (DRAIN, aether_mm's settle before a test) drains these.
 * aem_share_frame_alloc() fills a stock again when it next needs one.
 */
void aem_share_stock_drain(void)
{
	struct aem_share_stock *st;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		st = &aem_share_stocks[nid];
		mutex_lock(&st->lock);
		aem_free_bulk(st->frames, st->nr, 0);
		st->nr = 0;
		mutex_unlock(&st->lock);
	}
}

/**
 * aem_share_new - a new shared frame with the content of @pg
 * @pg: a page from aem_share_scan()
 *
 * The frame is a fresh one of the pool, on @pg's node if it has one free,
 * neither party's; it has no user yet: aem_share_merge() @pg (and the
 * pages equal to it) into it.  The copy is taken without a lock: a page
 * written meanwhile fails its merge.  It is charged, until it is freed,
 * to the per-user bound of @pg's region's creator (the owner of its
 * trust domain; never refused for a region of CAP_SYS_ADMIN's, as its
 * own frames are not): a user at the bound merges no more pages until
 * the merges it made gave their private frames back.
 *
 * Context: process context, may sleep; GFP_KERNEL.
 * Return: the shared frame, with a reference for the caller
 * (aem_share_put()); ERR_PTR(-ENODEV) when no engine is registered,
 * -EALREADY when @pg is shared already, -EDQUOT when the page would take
 * the user above user_max_pages (the engine leaves the page private),
 * -ENOMEM.
 */
struct aem_shared *aem_share_new(const struct aem_share_page *pg)
{
	struct aem_region *r = pg->region;
	struct aem_shared *s;
	struct aem_frame *nf;
	int err;

	might_sleep();
	if (pg->shared)
		return ERR_PTR(-EALREADY);
	s = aem_shared_alloc();
	if (!s)
		return ERR_PTR(-ENOMEM);
	down_read(&aem_share_sem);
	if (!aem_share_open) {
		err = -ENODEV;
		goto out_unlock;
	}
	/* An atomic, no lock: fine under aem_share_sem (user.c). */
	if (aem_user_charge(r->user, PAGE_SIZE, r->user_force)) {
		err = -EDQUOT;
		goto out_unlock;
	}
	nf = aem_share_frame_alloc(aem_frame_nid(pg->frame));
	if (!nf) {
		err = -ENOMEM;
		goto out_uncharge;
	}
	s->user = aem_user_hold(r->user);
	/* The creator's group, as its user: the cookie outlives @r. */
	spin_lock(&r->pol_lock);
	aem_policy_held_take(&s->pol, r->pol_gen, r->pol_cookie,
			     aem_frame_nid(nf));
	spin_unlock(&r->pol_lock);
	INIT_LIST_HEAD(&s->held_link);
	aem_share_hold_update(s, GFP_KERNEL);
	/* Never written from here on: its checksum holds (verify.c). */
	s->csum = aem_integ_shared_copy(nf, pg->frame);
	kref_init(&s->ref);
	spin_lock_init(&s->lock);
	mutex_init(&s->move_lock);
	mutex_init(&s->load_lock);
	INIT_LIST_HEAD(&s->users);
	s->frame = nf;
	s->domain = aem_share_region_domain(pg->region);
	WRITE_ONCE(nf->rmap.shared, s);
	spin_lock(&aem_share_list_lock);
	list_add_tail(&s->link, &aem_share_list);
	spin_unlock(&aem_share_list_lock);
	atomic_long_inc(&aem_share_frames);
	up_read(&aem_share_sem);
	return s;

out_uncharge:
	aem_user_uncharge(r->user, PAGE_SIZE);
out_unlock:
	up_read(&aem_share_sem);
	aem_shared_unused(s);
	return ERR_PTR(err);
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
 * content never changes while it has users.  NULL while reclaim has its
 * content in the store (aem_share_frame_get() brings nothing back).
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

/**
 * aem_share_frame_get - hold a shared frame where it is
 * @s: a referenced shared frame
 *
 * Compaction and NUMA migration move a shared frame nobody holds this
 * way: until aem_share_frame_put(), the frame returned is @s's and keeps
 * its place and its bytes.  A shared frame whose content reclaim put in
 * the store has no frame (and is not brought back here).
 *
 * Context: any; does not sleep.
 * Return: the frame, with a reference; NULL while @s is stored.
 */
struct aem_frame *aem_share_frame_get(struct aem_shared *s)
{
	struct aem_frame *f;

	spin_lock(&s->lock);
	f = s->frame;
	if (f)
		aem_frame_get(f);
	spin_unlock(&s->lock);
	return f;
}
EXPORT_SYMBOL_GPL(aem_share_frame_get);

/**
 * aem_share_frame_put - let go of what aem_share_frame_get() returned
 * @frame: the frame
 *
 * Context: any context that may free pool pages: does not sleep.
 */
void aem_share_frame_put(struct aem_frame *frame)
{
	aem_free_pages(frame, 0);
}
EXPORT_SYMBOL_GPL(aem_share_frame_put);

/**
 * aem_share_cmp - compare a page with a shared frame's bytes
 * @kaddr: PAGE_SIZE bytes, mapped
 * @s: a referenced shared frame
 *
 * Safe against a move of @s's frame (it is held for the comparison).  A
 * shared frame reclaim stored is brought back first (once, for all its
 * users): the engine's use of its content makes it warm again.
 *
 * Context: process context, no aether_mm lock held (a stored @s is
 * loaded: it allocates, may sleep); does not sleep when @s is resident.
 * Return: memcmp() of @kaddr with the frame's bytes: <0, 0 or >0; 1 when
 * a stored @s could not be brought back (no frame, or no store).
 */
int aem_share_cmp(const void *kaddr, struct aem_shared *s)
{
	struct aem_frame *f = aem_share_frame_get(s);
	void *p;
	int ret;

	if (!f)
		f = aem_share_resident(s, 0);
	if (IS_ERR(f))
		return 1;
	p = kmap_local_page(aem_frame_page(f));
	ret = memcmp(kaddr, p, PAGE_SIZE);

	kunmap_local(p);
	aem_share_frame_put(f);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_share_cmp);

/**
 * aem_share_page_hash - the content hash of a page
 * @kaddr: the page's bytes, mapped
 *
 * The one function behind a shared frame's checksum (aem_share_hash(),
 * the integrity records of verify.c) and the hash an engine files pages
 * under: an engine that compares the two (a new frame's hash against
 * its candidate's) hashes with this, so they cannot drift apart.
 *
 * Return: xxh64 of its PAGE_SIZE bytes, seed 0.
 */
u64 aem_share_page_hash(const void *kaddr)
{
	return xxh64(kaddr, PAGE_SIZE, 0);
}
EXPORT_SYMBOL_GPL(aem_share_page_hash);

/* xxhash64's primes (lib/xxhash.c; Collet's specification). */
#define AEM_XXH_P1	0x9E3779B185EBCA87ULL
#define AEM_XXH_P2	0xC2B2AE3D27D4EB4FULL
#define AEM_XXH_P3	0x165667B19E3779F9ULL
#define AEM_XXH_P4	0x85EBCA77C2B2AE63ULL

static inline u64 aem_xxh_round(u64 acc, u64 word)
{
	acc += le64_to_cpu((__force __le64)word) * AEM_XXH_P2;
	return rol64(acc, 31) * AEM_XXH_P1;
}

static inline u64 aem_xxh_merge(u64 h, u64 acc)
{
	h ^= rol64(acc * AEM_XXH_P2, 31) * AEM_XXH_P1;
	return h * AEM_XXH_P1 + AEM_XXH_P4;
}

/**
 * aem_share_copy_page - copy a page and hash what it wrote, in one pass
 * @dst: the destination, mapped; nobody else reads or writes it
 * @src: the page, mapped; it may be written meanwhile
 *
 * xxhash64 as aem_share_page_hash() takes it (seed 0, PAGE_SIZE bytes,
 * four lanes over 32-byte stripes, then the merge and the avalanche),
 * each word hashed as it is stored: a new shared frame's copy and its
 * checksum were two passes (copy_page(), then xxh64() over the copy), a
 * tenth of a pair's cost under emulation.  Each word of @src is loaded
 * once (READ_ONCE()), so what is hashed is what was stored even while
 * @src is written: the sum is @dst's.  The self-test checks it against
 * aem_share_page_hash() (aem_share_selftest()).
 *
 * Return: aem_share_page_hash() of @dst after the copy.
 */
u64 aem_share_copy_page(void *dst, const void *src)
{
	u64 v1 = AEM_XXH_P1 + AEM_XXH_P2, v2 = AEM_XXH_P2, v3 = 0;
	u64 v4 = -AEM_XXH_P1, w1, w2, w3, w4, h;
	const u64 *s = src;
	u64 *d = dst;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); i += 4) {
		w1 = READ_ONCE(s[i]);
		w2 = READ_ONCE(s[i + 1]);
		w3 = READ_ONCE(s[i + 2]);
		w4 = READ_ONCE(s[i + 3]);
		d[i] = w1;
		d[i + 1] = w2;
		d[i + 2] = w3;
		d[i + 3] = w4;
		v1 = aem_xxh_round(v1, w1);
		v2 = aem_xxh_round(v2, w2);
		v3 = aem_xxh_round(v3, w3);
		v4 = aem_xxh_round(v4, w4);
	}
	h = rol64(v1, 1) + rol64(v2, 7) + rol64(v3, 12) + rol64(v4, 18);
	h = aem_xxh_merge(h, v1);
	h = aem_xxh_merge(h, v2);
	h = aem_xxh_merge(h, v3);
	h = aem_xxh_merge(h, v4);
	h += PAGE_SIZE;
	h ^= h >> 33;
	h *= AEM_XXH_P2;
	h ^= h >> 29;
	h *= AEM_XXH_P3;
	return h ^ (h >> 32);
}

/**
 * aem_share_selftest() - aem_share_copy_page() against the kernel's xxh64
 *
 * Pages of zeroes, of a byte pattern, of pseudo-random words and with one
 * bit flipped: each copy must equal its source and its sum the source's
 * aem_share_page_hash().  Run at load with selftest=1 (selftest.c).
 *
 * Return: 0, -ENOMEM, or -EINVAL when a copy or a sum differs.
 */
int aem_share_selftest(void)
{
	u64 *src, *dst, x = 0x5eed;
	unsigned int t, i;
	int err = 0;

	src = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dst = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!src || !dst) {
		err = -ENOMEM;
		goto out;
	}
	for (t = 0; t < 4 && !err; t++) {
		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++) {
			/* xorshift64: words with every bit in play */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			src[i] = t == 0 ? 0 : t == 1 ? 0x0101010101010101ULL * i :
				 x;
		}
		if (t == 3)
			src[PAGE_SIZE / sizeof(u64) - 1] ^= 1ULL << 63;
		memset(dst, 0xa5, PAGE_SIZE);
		if (aem_share_copy_page(dst, src) != aem_share_page_hash(src) ||
		    memcmp(dst, src, PAGE_SIZE)) {
			pr_err("selftest: share: copy and hash of page %u differ from copy_page and xxh64\n",
			       t);
			err = -EINVAL;
		}
	}
out:
	kfree(dst);
	kfree(src);
	return err;
}

/**
 * aem_share_hash - the content hash of a shared frame
 * @s: a referenced shared frame
 *
 * A shared frame is never written: the aem_share_page_hash() of its
 * bytes that aem_share_new() took when it filled it (its integrity
 * checksum) holds for its life, wherever it moves or is stored.  An
 * engine reads a new frame's hash here rather than hashing it again.
 *
 * Return: aem_share_page_hash() of its bytes.
 */
u64 aem_share_hash(const struct aem_shared *s)
{
	return s->csum;
}
EXPORT_SYMBOL_GPL(aem_share_hash);

/**
 * aem_share_nid - the node a shared frame is on now
 * @s: a referenced shared frame
 *
 * Return: its node; a move may change it right after.  Stored: the node
 * it was on, where a load puts it back if it can.
 */
int aem_share_nid(struct aem_shared *s)
{
	struct aem_frame *f = aem_share_frame_get(s);
	int nid;

	if (!f)
		return READ_ONCE(s->nid);
	nid = aem_frame_nid(f);
	aem_share_frame_put(f);
	return nid;
}
EXPORT_SYMBOL_GPL(aem_share_nid);

/*
 * Are the PAGE_SIZE bytes at @a and @b equal?  Every byte is compared,
 * 64 at a time: the differences of eight words are or-ed, one branch per
 * 64 bytes, where memcmp() (an order, not just equality) takes one per
 * word.  A merge asks this once per page, after the unmapping.
 */
static bool aem_page_bytes_equal(const void *a, const void *b)
{
	const u64 *x = a, *y = b;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); i += 8) {
		if ((x[i] ^ y[i]) | (x[i + 1] ^ y[i + 1]) |
		    (x[i + 2] ^ y[i + 2]) | (x[i + 3] ^ y[i + 3]) |
		    (x[i + 4] ^ y[i + 4]) | (x[i + 5] ^ y[i + 5]) |
		    (x[i + 6] ^ y[i + 6]) | (x[i + 7] ^ y[i + 7]))
			return false;
	}
	return true;
}

/* Does @f hold the same bytes as @g?  Both referenced. */
bool aem_frames_equal(struct aem_frame *f, struct aem_frame *g)
{
	void *a = kmap_local_page(aem_frame_page(f));
	void *b = kmap_local_page(aem_frame_page(g));
	bool same = aem_page_bytes_equal(a, b);

	kunmap_local(b);
	kunmap_local(a);
	return same;
}

/**
 * struct aem_share_tally - what one hold's merges owe the counters
 * @nid:	the node of the frames counted in @frames
 * @frames:	merged private frames of @nid not uncharged yet
 * @merged:	pages merged and not counted yet
 *
 * Each merge gives its private frame's charges back (the region's
 * resident and node counts, its group's and its user's charge:
 * aem_region_frame_gone()) and counts itself in four counters.  The
 * merges of one hold of a slot lock (aem_share_merge_run()) add theirs
 * up here and settle them before the lock is dropped
 * (aem_share_tally_settle()), once per node met in a row: one hold of
 * the region's @pol_lock, one policy call and one atomic a counter for
 * the run, where each page paid its own (a fifth of a merge's cost, with
 * the records).  Until then the counts are high by the run's pages,
 * which nobody can map or write before the slot lock is dropped.
 */
struct aem_share_tally {
	int nid;
	unsigned long frames;
	unsigned long merged;
};

/* Slot lock held: the counts and charges @t holds, settled. */
static void aem_share_tally_settle(struct aem_region *r,
				   struct aem_share_tally *t)
{
	if (t->frames) {
		aem_region_stat_add(r, AEM_RS_RESIDENT, -(long)t->frames);
		atomic_long_sub(t->frames, &r->node_pages[t->nid]);
		aem_region_uncharge(r, t->nid, t->frames);
		t->frames = 0;
	}
	if (t->merged) {
		atomic_long_add(t->merged, &r->merged);
		atomic_long_add(t->merged, &r->merges);
		atomic_long_add(t->merged, &aem_share_nr_users);
		atomic_long_add(t->merged, &aem_share_merges);
		t->merged = 0;
	}
}

/*
 * Slot lock held: merged private frame @f leaves region @r, its charges
 * given back now (@t NULL, aem_region_frame_gone()) or added to @t.
 */
static void aem_share_tally_frame(struct aem_region *r,
				  struct aem_share_tally *t,
				  struct aem_frame *f)
{
	int nid = aem_frame_nid(f);

	if (!t) {
		aem_region_frame_gone(r, f);
		atomic_long_inc(&r->merged);
		atomic_long_inc(&r->merges);
		atomic_long_inc(&aem_share_nr_users);
		atomic_long_inc(&aem_share_merges);
		return;
	}
	aem_frame_clear_rmap(f);
	if (t->frames && t->nid != nid)
		aem_share_tally_settle(r, t);
	t->nid = nid;
	t->frames++;
	t->merged++;
}

/*
 * Slot lock held: the slot now holds @s's frame; @u joins its users
 * (counted by the caller, aem_share_tally_frame()).  @s->csum is the
 * slot's record from now on: the private page's record and kept copy, if
 * any, describe a frame the merge frees (aem_integ_merged()).
 */
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
	aem_integ_merged(l, idx);
}

/*
 * Slot lock held: replace @pg's frame by @s's, if still equal; the
 * counts and charges go to @t (settled by the caller under the same
 * hold), or are settled now when @t is NULL.
 *
 * One walk of the layer's xarray for the slot's check and its store,
 * under its xa_lock, which the comparison in between holds too (4 KiB
 * read, nothing that sleeps): xa_load() and xa_store() walked it twice.
 */
static int aem_share_merge_locked(struct aem_share_page *pg,
				  struct aem_shared *s,
				  struct aem_share_user *u, bool unmapped,
				  struct aem_share_tally *t)
{
	struct aem_region *r = pg->region;
	struct aem_layer *l = pg->layer;
	struct aem_frame *f = pg->frame;
	pgoff_t idx = pg->index;
	XA_STATE(xas, &l->slots, idx);
	int ret = 0;

	lockdep_assert_held(aem_slot_lock(r, idx));
	lockdep_assert_held(&s->move_lock);
	/*
	 * No process maps the page after this (every view and fork maps it
	 * through the region's mapping), and a fault waits for the slot
	 * lock: from here on nobody writes it.  A batch unmapped its run
	 * under this hold of the lock already (aem_share_merge_batch()).
	 * A page that fails a check below was unmapped for nothing: its
	 * next access maps it again.
	 */
	if (!unmapped)
		aem_region_zap_page(r, idx);
	xas_lock(&xas);
	if (aem_slot_frame(xas_load(&xas)) != f) {
		ret = -EAGAIN;		/* written, moved, stored or freed */
	} else if (aem_frame_is_shared(f)) {
		ret = -EALREADY;
	} else if (aem_frame_ref_count(f) != 2) {
		/* The slot's reference and @pg's: no kernel reader between. */
		ret = -EBUSY;
	} else if (aem_integ_refuse(l, idx, f) || READ_ONCE(s->poisoned)) {
		/* A poisoned page keeps its poison (verify.c). */
		ret = -EBUSY;
	} else if (!aem_frames_equal(f, s->frame)) {
		atomic_long_inc(&aem_share_changed);
		ret = -EAGAIN;
	} else {
		/* Replacing a present entry allocates nothing. */
		xas_store(&xas, aem_slot_mk_frame(s->frame));
	}
	xas_unlock(&xas);
	if (ret)
		return ret;
	aem_share_user_add(r, l, idx, s, u);
	aem_share_tally_frame(r, t, f);
	aem_free_pages(f, 0);	/* the slot's; @pg still holds one */
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
 * reader holds it; -EPERM when its region is not mergeable or is of
 * another trust domain than the shared frame (aem_share_region_domain());
 * -ENODEV when no engine is registered; -ENOMEM.
 */
int aem_share_merge(struct aem_share_page *pg, struct aem_shared *s)
{
	struct aem_region *r = pg->region;
	struct aem_share_user *u;
	int ret;

	might_sleep();
	if (!aem_region_mergeable(r))
		return -EPERM;
	u = kmem_cache_alloc(aem_share_user_cache, GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	down_read(&aem_share_sem);
	if (!aem_share_open) {
		ret = -ENODEV;
	} else if (aem_share_region_domain(r) != s->domain) {
		/* Domains change under the rwsem for write: stable here. */
		ret = -EPERM;
	} else {
		mutex_lock(&s->move_lock);
		/* A stored shared frame comes back for its new user. */
		ret = aem_share_load_for_merge(s);
		if (ret) {
			mutex_unlock(&s->move_lock);
			goto out;
		}
		mutex_lock(aem_slot_lock(r, pg->index));
		ret = aem_share_merge_locked(pg, s, u, false, NULL);
		mutex_unlock(aem_slot_lock(r, pg->index));
		mutex_unlock(&s->move_lock);
	}
out:
	up_read(&aem_share_sem);
	if (ret)
		kmem_cache_free(aem_share_user_cache, u);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_share_merge);

/* A page of a batch left to aem_share_merge() (not an errno). */
#define AEM_SHARE_MERGE_ALONE	1

/*
 * Pages one unmapping of a merge run takes at most.  x86 flushes a
 * range's pages one by one up to tlb_single_page_flush_ceiling (33) and
 * the process's whole TLB above it: on every CPU that runs it, and on
 * aether_ksmd's own when the process ran there last (lazy TLB: that CPU
 * switches to init_mm).  KSM flushes page by page (ptep_clear_flush()).
 * At 32, unmapping a run never costs a process its whole TLB.
 */
#define AEM_SHARE_ZAP_MAX	32

/*
 * Unmap each run of consecutive pages of @pgs: one walk and flush for
 * each AEM_SHARE_ZAP_MAX pages of a run.
 */
static void aem_share_zap_runs(struct aem_region *r,
			       struct aem_share_page **pgs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && j - i < AEM_SHARE_ZAP_MAX; j++)
			if (pgs[j]->index != pgs[j - 1]->index + 1)
				break;
		unmap_mapping_range(r->inode->i_mapping,
				    (loff_t)(pgs[i]->index + r->guard) <<
				    PAGE_SHIFT,
				    (loff_t)(j - i) << PAGE_SHIFT, 1);
	}
}

/*
 * aem_share_merge_run - merge pages of one region, layer and slot lock
 * @pgs: the pages, by increasing index, each with its references and
 *	 @merge set (the shared frame, referenced by the caller)
 * @n: how many, at most AEM_SHARE_SCAN_BATCH
 * @rets: each page's result, as aem_share_merge()'s
 *
 * In one hold of their slot lock, each run of consecutive pages is
 * unmapped from every process at once, then each page is checked,
 * compared in full with its shared frame and merged as
 * aem_share_merge_locked() does: the same write-protect-then-compare
 * order, a write before the unmapping failing the comparison, one after
 * it faulting on the shared frame.  A shared frame's move lock comes
 * before the slot lock (lock order, above), so here it is only tried: a
 * page whose shared frame is moving or stored, or that found no user
 * record, takes aem_share_merge()'s own way after the hold (unmapped
 * again there, which costs a walk: the page is not mapped).  The user
 * records come in one kmem_cache_alloc_bulk() (one by one if that fails),
 * and those not used go back in one kmem_cache_free_bulk().
 */
static void aem_share_merge_run(struct aem_share_page **pgs, unsigned int n,
				int *rets)
{
	struct aem_share_user *us[AEM_SHARE_SCAN_BATCH];
	void *unused[AEM_SHARE_SCAN_BATCH];
	struct aem_region *r = pgs[0]->region;
	struct aem_share_tally t = { };
	unsigned int i, nr_unused = 0;
	struct aem_shared *s;
	int err = 0;
	u64 key;

	might_sleep();
	for (i = 0; i < n; i++)
		rets[i] = AEM_SHARE_MERGE_ALONE;
	if (!kmem_cache_alloc_bulk(aem_share_user_cache, GFP_KERNEL, n,
				   (void **)us)) {
		for (i = 0; i < n; i++)
			us[i] = kmem_cache_alloc(aem_share_user_cache,
						 GFP_KERNEL);
	}
	down_read(&aem_share_sem);
	if (!aem_region_mergeable(r))
		err = -EPERM;
	else if (!aem_share_open)
		err = -ENODEV;
	key = aem_share_region_domain(r);
	if (!err) {
		mutex_lock(aem_slot_lock(r, pgs[0]->index));
		aem_share_zap_runs(r, pgs, n);
		for (i = 0; i < n; i++) {
			s = pgs[i]->merge;
			if (!us[i])
				continue;
			if (s->domain != key) {
				rets[i] = -EPERM;
				continue;
			}
			if (!mutex_trylock(&s->move_lock))
				continue;
			/* Under @move_lock a resident frame stays resident. */
			if (s->frame)
				rets[i] = aem_share_merge_locked(pgs[i], s,
								 us[i], true,
								 &t);
			mutex_unlock(&s->move_lock);
		}
		aem_share_tally_settle(r, &t);
		mutex_unlock(aem_slot_lock(r, pgs[0]->index));
	}
	up_read(&aem_share_sem);
	for (i = 0; i < n; i++) {
		if (err)
			rets[i] = err;
		else if (rets[i] == AEM_SHARE_MERGE_ALONE)
			rets[i] = aem_share_merge(pgs[i], pgs[i]->merge);
		else if (!rets[i])
			us[i] = NULL;	/* on the shared frame's users now */
		if (us[i])
			unused[nr_unused++] = us[i];
	}
	if (nr_unused)
		kmem_cache_free_bulk(aem_share_user_cache, nr_unused, unused);
}

/*
 * aem_share_merge_batch - the merges a scan batch's callbacks asked for
 * @r: the batch's region
 * @l: its layer
 * @buf: the scan's; its @ent holds the batch, the entries with @merge set
 *	 holding their references
 * @n: entries in the batch
 * @done: hears each result, then the entry's references go
 * @arg: for @done
 *
 * The pages of a batch share one slot lock (aem_share_scan_fill()): one
 * aem_share_merge_run() for them all, and their frames (a merged page's
 * goes back to the pool with our reference) one aem_free_bulk().
 */
static void aem_share_merge_batch(struct aem_region *r, struct aem_layer *l,
				  struct aem_share_scan_buf *buf, unsigned int n,
				  aem_share_done_fn done, void *arg)
{
	struct aem_share_page *pgv = buf->pgv, **pgs = buf->pgs;
	struct aem_frame **frames = buf->frames;
	struct aem_share_scan_ent *b = buf->ent;
	int *rets = buf->rets;
	unsigned int i, m = 0;

	for (i = 0; i < n; i++) {
		if (!b[i].merge)
			continue;
		pgv[m] = (struct aem_share_page){
			.region = r, .layer = l, .index = b[i].index,
			.frame = b[i].frame, .shared = b[i].shared,
			.merge = b[i].merge,
		};
		pgs[m] = &pgv[m];
		m++;
	}
	aem_share_merge_run(pgs, m, rets);
	for (i = 0, m = 0; i < n; i++) {
		if (!b[i].merge)
			continue;
		done(&pgv[m], rets[m], arg);
		if (b[i].shared)
			kref_put(&b[i].shared->ref, aem_shared_release);
		/* A merged page's frame: our reference is its last. */
		frames[m++] = b[i].frame;
	}
	aem_free_bulk(frames, m, 0);
}

/* Does @pg go with @prev in one aem_share_merge_run()? */
static bool aem_share_same_run(const struct aem_share_page *prev,
			       const struct aem_share_page *pg)
{
	return pg->region == prev->region && pg->layer == prev->layer &&
	       pg->index > prev->index &&
	       aem_slot_lock(pg->region, pg->index) ==
	       aem_slot_lock(prev->region, prev->index);
}

/**
 * aem_share_merge_pages - merge pages kept from a scan, several at once
 * @pgs: pages kept with aem_share_page_get(), each with @merge set to its
 *	 shared frame (referenced by the caller); the references stay the
 *	 caller's
 * @n: how many
 * @rets: receives each page's result, as aem_share_merge()'s
 *
 * aem_share_merge() for each page, in the order given, with the way of
 * aem_share_scan_batch()'s merges: pages that follow each other in @pgs
 * with the same region, layer and slot lock, by increasing index, are
 * merged in one hold of that lock, each run of consecutive indexes
 * unmapped at once, every page compared in full after the unmapping.
 * Hold no other reference on a page's frame (a scan batch's included):
 * the merge fails -EBUSY.
 *
 * Context: process context, may sleep; no aether_mm lock held; GFP_KERNEL.
 */
void aem_share_merge_pages(struct aem_share_page *pgs, unsigned int n,
			   int *rets)
{
	struct aem_share_page *run[AEM_SHARE_SCAN_BATCH];
	unsigned int i, j;

	for (i = 0; i < n; i = j) {
		run[0] = &pgs[i];
		for (j = i + 1; j < n && j - i < AEM_SHARE_SCAN_BATCH &&
		     aem_share_same_run(&pgs[j - 1], &pgs[j]); j++)
			run[j - i] = &pgs[j];
		aem_share_merge_run(run, j - i, rets + i);
	}
}
EXPORT_SYMBOL_GPL(aem_share_merge_pages);

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
	aem_share_user_left(r, l, idx, f->rmap.shared, why);
}

/**
 * aem_share_user_left() - the slot at @idx of @l no longer refers to @s
 * @r: the region of @l
 * @l: the layer
 * @idx: data page index
 * @s: the shared frame the slot held (its frame, or stored: slot.h)
 * @why: a write, the layer freed or trimmed, or an unmerge
 *
 * aem_share_user_gone() with the shared frame named; the last reference
 * of a stored one releases its handle.
 */
void aem_share_user_left(struct aem_region *r, struct aem_layer *l,
			 pgoff_t idx, struct aem_shared *s,
			 enum aem_share_why why)
{
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
	kmem_cache_free(aem_share_user_cache, found);
	atomic_long_dec(&r->merged);
	atomic_long_dec(&aem_share_nr_users);
	atomic_long_inc(&aem_share_left[why]);
	if (!users && !READ_ONCE(s->frame))
		aem_share_stored_drop(s);
	aem_share_notify(s, users);
	aem_share_put(s);
}

/*
 * Give the user at @idx of @l a private copy of @s's frame again.  The
 * caller holds references on @r and @l.  0 also when the slot no longer
 * holds @s (it left meanwhile).  The copy is checked against @s->csum
 * first: the slot had no record of its own (the frame's sum was every
 * user's), so a copy of bytes that went bad would be checked by nobody.
 * -EIO for a poisoned @s, or one whose bytes fail that check (poisoned
 * now): every user keeps the poisoned frame, and its SIGBUS, until its
 * region goes.
 */
static int aem_share_unshare_one(struct aem_shared *s, struct aem_region *r,
				 struct aem_layer *l, pgoff_t idx)
{
	struct aem_frame *nf, *f;
	bool stored = false;
	void *e;
	int ret = 0;

	if (READ_ONCE(s->poisoned))
		return -EIO;
	mutex_lock(aem_slot_lock(r, idx));
	/* @s's frame, or the one it is moving from (aem_share_move_to()). */
	e = xa_load(&l->slots, idx);
	f = aem_slot_frame(e);
	if (aem_slot_shared(e) == s) {
		/* Stored: its content, brought back once for every user. */
		f = aem_share_resident(s, AEM_ALLOC_HIGH);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		stored = true;
	} else if (!f || !aem_frame_is_shared(f) || f->rmap.shared != s) {
		goto out;
	}
	/* A frame of the region's own; the reserve, as for unstoring. */
	nf = aem_alloc_pages_mpol(&r->pol, 0, AEM_MT(AETHER_MM_MT_MOVABLE) |
				  AEM_OWNER(AEM_OWNER_REGION) |
				  AEM_ALLOC_HIGH);
	if (!nf) {
		ret = -ENOMEM;
		goto put;
	}
	copy_highpage(aem_frame_page(nf), aem_frame_page(f));
	if (aem_integ_hash(nf) != s->csum) {
		aem_free_pages(nf, 0);
		if (!stored)	/* a stored frame's load checked it */
			aem_share_integ_poison(f);
		pr_warn_ratelimited("unmerge: a shared frame does not match its checksum: poisoned, not copied\n");
		ret = -EIO;
		goto put;
	}
	/*
	 * The region's group takes the page back whatever its limit, as for
	 * unstoring: the engine is going and the page must stay readable.
	 */
	aem_region_charge(r, aem_frame_nid(nf), 1, AEM_CHARGE_NOFAIL);
	/* Entries map the shared frame: the index resolves anew. */
	aem_region_zap_page(r, idx);
	xa_store(&l->slots, idx, aem_slot_mk_frame(nf), GFP_KERNEL);
	aem_region_frame_add(r, l, idx, nf);
	if (stored)
		aem_region_stat_dec(r, AEM_RS_STORED);
	aem_share_user_left(r, l, idx, s, AEM_SHARE_UNMERGE);
put:
	if (stored)
		aem_share_frame_put(f);
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
 * (it stays shared, and correct); -EIO when @s is poisoned (every user
 * stays on it, and gets SIGBUS); -ETIMEDOUT.
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

/* ---- moving a shared frame (compaction, NUMA migration) ----------------- */

/* A user of a shared frame being moved, its region and layer referenced. */
struct aem_share_pin {
	struct aem_region *r;
	struct aem_layer *l;
	pgoff_t idx;
};

static void aem_share_unpin(struct aem_share_pin *pins, unsigned int n)
{
	while (n--) {
		aem_image_put(pins[n].r, pins[n].l);
		aem_region_put(pins[n].r);
	}
	kvfree(pins);
}

/*
 * Point pinned user @p's slot at @entry instead of @f, under its slot
 * lock; false when the slot no longer holds @f (the user left or copied).
 */
static bool aem_share_pin_repoint(struct aem_share_pin *p,
				  struct aem_frame *f, void *entry)
{
	bool done = false;

	mutex_lock(aem_slot_lock(p->r, p->idx));
	if (aem_slot_frame(xa_load(&p->l->slots, p->idx)) == f) {
		aem_region_zap_page(p->r, p->idx);
		/* Replacing a present entry allocates nothing. */
		xa_store(&p->l->slots, p->idx, entry, GFP_KERNEL);
		done = true;
	}
	mutex_unlock(aem_slot_lock(p->r, p->idx));
	return done;
}

/*
 * Reference the region and layer of every user of @s (@s->move_lock held,
 * so none joins).  A user whose layer is being freed would leave by
 * itself, holding @s's frame until then: -EBUSY, the move waits for a
 * later pass.  Return: the array (*@nr entries; NULL for none) or an
 * ERR_PTR().
 */
static struct aem_share_pin *aem_share_pin_users(struct aem_shared *s,
						 unsigned int *nr)
{
	unsigned int n = READ_ONCE(s->nr_users), k = 0;
	struct aem_region *r, *drop = NULL;
	struct aem_share_pin *pins;
	struct aem_share_user *u;
	int ret = 0;

	lockdep_assert_held(&s->move_lock);
	*nr = 0;
	if (!n)
		return NULL;
	pins = kvmalloc_array(n, sizeof(*pins), GFP_KERNEL);
	if (!pins)
		return ERR_PTR(-ENOMEM);
	rcu_read_lock();
	spin_lock(&s->lock);
	list_for_each_entry(u, &s->users, link) {
		/* Users join under the move lock only: there are <= @n. */
		if (WARN_ON_ONCE(k == n)) {
			ret = -EAGAIN;
			break;
		}
		r = u->layer->region;
		if (!kref_get_unless_zero(&r->ref)) {
			ret = -EBUSY;
			break;
		}
		if (!kref_get_unless_zero(&u->layer->ref)) {
			drop = r;	/* put outside the spinlock: it sleeps */
			ret = -EBUSY;
			break;
		}
		pins[k].r = r;
		pins[k].l = u->layer;
		pins[k].idx = u->index;
		k++;
	}
	spin_unlock(&s->lock);
	rcu_read_unlock();
	if (drop)
		aem_region_put(drop);
	if (ret) {
		aem_share_unpin(pins, k);
		return ERR_PTR(ret);
	}
	*nr = k;
	return pins;
}

/*
 * aem_share_move_to - @nf, a fresh frame owned DEDUPE, takes the place of
 * @s's frame for every user
 * @from: the frame the caller means to move, or NULL for @s's
 *
 * Under @s->move_lock (no merge, so no new user): every user's region and
 * layer are referenced, so every slot holding the frame stays until it is
 * repointed; the frame is copied (never written while shared) and, if no
 * kernel reader holds it (aem_share_frame_get(), a scan's page), @nf
 * becomes @s's frame under @s->lock; then each user's slot, under its
 * slot lock, is zapped and takes @nf.  Until then a slot may still hold
 * the old frame: same bytes, read-only, and its reverse map still names
 * @s, so a fault, a write or an unmerge there is right either way.
 *
 * @balancing: NUMA balancing asks (one user's faults): refused when
 * another user's region is bound to the frame's node and not to @nf's
 * (aem_numa_bound_away()), checked with the users pinned, so no user
 * joins behind the check.
 *
 * @filled: @nf already holds the right bytes (an integrity repair, from
 * the copy kept in the store): the frame is not copied.
 *
 * Return: 0, the old frame then the caller's to free (no slot holds it);
 * -ENOENT when @s's frame is not @from; -EBUSY when a kernel reader
 * holds it or a user's layer is going; -EPERM when @balancing and a
 * user's policy keeps the frame where it is; -ENOMEM.
 */
static int aem_share_move_to(struct aem_shared *s, struct aem_frame *nf,
			     struct aem_frame *from, bool balancing,
			     bool filled)
{
	struct aem_share_pin *pins;
	struct aem_frame *f;
	unsigned int n, i;
	int ret = 0;

	mutex_lock(&s->move_lock);
	f = s->frame;
	if (!f || (from && f != from)) {
		mutex_unlock(&s->move_lock);
		return -ENOENT;
	}
	pins = aem_share_pin_users(s, &n);
	if (IS_ERR(pins)) {
		mutex_unlock(&s->move_lock);
		return PTR_ERR(pins);
	}
	for (i = 0; balancing && i < n; i++) {
		if (aem_numa_bound_away(pins[i].r, aem_frame_nid(f),
					aem_frame_nid(nf))) {
			ret = -EPERM;
			goto out;
		}
	}
	if (!filled)
		copy_highpage(aem_frame_page(nf), aem_frame_page(f));
	WRITE_ONCE(nf->rmap.shared, s);
	spin_lock(&s->lock);
	/* s's own reference only: nobody reads it outside a slot lock. */
	if (aem_frame_ref_count(f) != 1)
		ret = -EBUSY;
	else
		WRITE_ONCE(s->frame, nf);
	spin_unlock(&s->lock);
	if (ret) {
		WRITE_ONCE(nf->rmap.shared, NULL);
		goto out;
	}
	for (i = 0; i < n; i++)
		aem_share_pin_repoint(&pins[i], f, aem_slot_mk_frame(nf));
	/* No slot holds @f now: nothing finds @s from it any more. */
	WRITE_ONCE(f->rmap.shared, NULL);
	atomic_long_inc(&aem_share_moved);
out:
	mutex_unlock(&s->move_lock);
	if (pins)
		aem_share_unpin(pins, n);
	return ret;
}

/* aem_share_move(), and for NUMA balancing (@balancing, see above). */
static int aem_share_move_nid(struct aem_shared *s, int nid,
			      unsigned int flags, bool balancing)
{
	struct aem_frame *f, *nf;
	int ret;

	might_sleep();
	f = aem_share_frame_get(s);
	if (!f)
		return 0;	/* stored: nothing to move */
	ret = aem_frame_nid(f);
	aem_share_frame_put(f);
	if (ret == nid)
		return 0;
	nf = aem_alloc_pages(nid, 0, flags | AEM_ALLOC_THISNODE |
			     AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_DEDUPE));
	if (!nf)
		return -ENOMEM;
	/*
	 * The frame seen above may have been stored meanwhile (@frame NULL)
	 * and even brought back: move only the frame this reads, which
	 * aem_share_move_to() checks is still @s's, so that the old frame
	 * freed below is the one moved from, never NULL.
	 */
	f = READ_ONCE(s->frame);
	if (!f) {
		aem_free_pages(nf, 0);
		return 0;	/* stored: nothing to move */
	}
	ret = aem_share_move_to(s, nf, f, balancing, false);
	if (ret) {
		aem_free_pages(nf, 0);
		return ret == -ENOENT ? -EBUSY : ret;
	}
	aem_free_pages(f, 0);	/* @s's reference on its old frame */
	return 0;
}

/**
 * aem_share_move() - put a copy of shared frame @s on node @nid
 * @s: the shared frame, referenced by the caller
 * @nid: the node
 * @flags: allocation flags added to the usual ones (AEM_ALLOC_NOGROW)
 *
 * REGION_MIGRATE: every user follows, as in aem_share_move_to().  (NUMA
 * balancing's worker asks with its users' policies checked.)
 *
 * Context: process context, may sleep; no slot lock held (this takes every
 * user's).
 * Return: 0 (also when @s is on @nid already), -EBUSY, -ENOMEM.
 */
int aem_share_move(struct aem_shared *s, int nid, unsigned int flags)
{
	return aem_share_move_nid(s, nid, flags, false);
}

/*
 * Compaction moves a shared frame as any owner's movable page: @f comes
 * from a scan of the pool; its reverse map names its struct aem_shared
 * (freed after a grace period, and the map cleared before the frame is
 * freed or left), which must still have @f as its frame.
 */
static int aem_share_move_frame(struct aem_frame *f, struct aem_frame *nf)
{
	struct aem_shared *s;
	int ret;

	rcu_read_lock();
	s = READ_ONCE(f->rmap.shared);
	if (!s || !kref_get_unless_zero(&s->ref)) {
		rcu_read_unlock();
		return -ENOENT;
	}
	rcu_read_unlock();
	ret = aem_share_move_to(s, nf, f, false, false);
	aem_share_put(s);
	return ret;
}

const struct aem_movable_ops aem_share_movable_ops = {
	.owner = THIS_MODULE,
	.move = aem_share_move_frame,
};

/*
 * NUMA balancing asks for a move from a fault, under the faulting page's
 * slot lock, where a move (which takes every user's slot lock) cannot
 * run: aem_share_numa_request() queues it for a worker, a bounded number
 * at a time (a request holds a reference on the shared frame).
 */
#define AEM_SHARE_NUMA_MAX	64

struct aem_share_numa_req {
	struct list_head link;
	struct aem_shared *s;
	int nid;
};

static DEFINE_SPINLOCK(aem_share_numa_lock);	/* the two below */
static LIST_HEAD(aem_share_numa_reqs);
static unsigned int aem_share_numa_nr;

static void aem_share_numa_workfn(struct work_struct *work)
{
	struct aem_share_numa_req *req;

	for (;;) {
		spin_lock(&aem_share_numa_lock);
		req = list_first_entry_or_null(&aem_share_numa_reqs,
					       struct aem_share_numa_req, link);
		if (req) {
			list_del(&req->link);
			aem_share_numa_nr--;
		}
		spin_unlock(&aem_share_numa_lock);
		if (!req)
			return;
		/* Not away from a node another user's region is bound to. */
		if (!aem_share_move_nid(req->s, req->nid, AEM_ALLOC_NOGROW,
					true))
			atomic_long_inc(&aem_share_numa_moved);
		aem_share_put(req->s);
		kfree(req);
		cond_resched();
	}
}

static DECLARE_WORK(aem_share_numa_work, aem_share_numa_workfn);

/**
 * aem_share_numa_request() - NUMA balancing wants shared frame @f on @nid
 * @f: a shared frame a slot holds (its slot lock is held)
 * @nid: the node of the faulting CPU
 *
 * The move happens later, in a worker, for every user; a request that
 * finds no room (or no memory) is dropped: the next hinting faults ask
 * again.
 */
void aem_share_numa_request(struct aem_frame *f, int nid)
{
	struct aem_shared *s = f->rmap.shared;
	struct aem_share_numa_req *req;

	req = kmalloc(sizeof(*req), GFP_NOWAIT | __GFP_NOWARN);
	if (!req)
		return;
	spin_lock(&aem_share_numa_lock);
	if (aem_share_numa_nr >= AEM_SHARE_NUMA_MAX) {
		spin_unlock(&aem_share_numa_lock);
		kfree(req);
		return;
	}
	kref_get(&s->ref);	/* the slot holds one */
	req->s = s;
	req->nid = nid;
	list_add_tail(&req->link, &aem_share_numa_reqs);
	aem_share_numa_nr++;
	spin_unlock(&aem_share_numa_lock);
	queue_work(system_unbound_wq, &aem_share_numa_work);
}

/**
 * aem_share_init() - the caches of the shared frames' user records and
 * of struct aem_shared, and the nodes' stocks of fresh frames (empty
 * until an engine asks)
 *
 * Context: module load, before any region exists.
 * Return: 0 or -ENOMEM.
 */
int aem_share_init(void)
{
	int nid;

	aem_share_stocks = kcalloc(nr_node_ids, sizeof(*aem_share_stocks),
				   GFP_KERNEL);
	if (!aem_share_stocks)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++)
		mutex_init(&aem_share_stocks[nid].lock);
	aem_share_user_cache = KMEM_CACHE(aem_share_user, 0);
	if (!aem_share_user_cache)
		goto out_stocks;
	aem_shared_cache = KMEM_CACHE(aem_shared, 0);
	if (!aem_shared_cache)
		goto out_user_cache;
	return 0;

out_user_cache:
	kmem_cache_destroy(aem_share_user_cache);
out_stocks:
	kfree(aem_share_stocks);
	aem_share_stocks = NULL;
	return -ENOMEM;
}

/**
 * aem_share_exit() - finish the NUMA moves asked for, before the pool goes
 *
 * No region is left to fault, so no request comes any more; no region
 * means no user of a shared frame, so the records' cache goes too; with
 * no engine left the stocks are empty (drained all the same).  No engine
 * holds a shared frame any more either: once the grace periods of the
 * last ones passed, their cache goes.
 */
void aem_share_exit(void)
{
	flush_work(&aem_share_numa_work);
	aem_share_poison_flush();
	kmem_cache_destroy(aem_share_user_cache);
	aem_share_stock_drain();
	kfree(aem_share_stocks);
	aem_share_stocks = NULL;
	/* The last shared frames' structs are freed after a grace period. */
	rcu_barrier();
	aem_shared_stock_drain();
	kmem_cache_destroy(aem_shared_cache);
}

/* ---- stored shared frames (reclaim) ------------------------------------ */

/* The store's handle of a stored shared frame goes: nobody loads it now. */
static void aem_share_stored_release(unsigned long handle)
{
	const struct aem_store_ops *ops;
	int sidx;

	ops = aem_store_get(&sidx, false);
	/* Without a backend it gave up on the page (and said so). */
	if (ops)
		ops->release(handle);
	aem_store_put(sidx);
	atomic_long_dec(&aem_stored_pages);
	atomic_long_dec(&aem_share_stored_now);
}

/*
 * The charge of @s's frame as it is loaded (policy.c,
 * aem_policy_held_reload()): to its creator's group if it takes it, else
 * to @r's, the region whose fault at @idx loads it (its slot lock held:
 * what the charge leaves to do, reclaim or over high, is that fault's, as
 * for a page of its own: region.h, "pending"); with no @r, a load of
 * nobody's (the engine's) is refused when the creator's group is full.
 * AEM_ALLOC_HIGH in @flags: the page must come back, charged as it was.
 * Under @s->load_lock, @s stored.
 */
static int aem_share_reload_charge(struct aem_shared *s, struct aem_region *r,
				   pgoff_t idx, int nid, unsigned int flags,
				   struct aem_policy_reload *ld)
{
	u8 *pend;
	int ret;

	lockdep_assert_held(&s->load_lock);
	if (flags & AEM_ALLOC_HIGH)
		return aem_policy_held_reload(&s->pol, ld, 0, NULL, nid,
					      AEM_CHARGE_NOFAIL);
	if (!r)
		return aem_policy_held_reload(&s->pol, ld, 0, NULL, nid, 0);
	pend = aem_region_pending(r, idx);
	spin_lock(&r->pol_lock);
	ret = aem_policy_held_reload(&s->pol, ld, r->pol_gen, r->pol_cookie,
				     nid, AEM_CHARGE_FAULT |
				     (*pend & AEM_PEND_LAST ?
				      AEM_CHARGE_LAST : 0));
	spin_unlock(&r->pol_lock);
	if (ret == AEM_CHARGE_OVER_HIGH) {
		*pend |= AEM_PEND_HIGH;
		ret = 0;
	} else if (ret == -EAGAIN) {
		*pend |= AEM_PEND_RECLAIM;
	}
	return ret;
}

/**
 * aem_share_resident() - the frame of @s, brought back if it is stored
 * @s: a referenced shared frame
 * @flags: allocation flags added (AEM_ALLOC_HIGH when the store or the
 *	   engine is going: the page must come back)
 *
 * As aem_share_resident_for() with no faulting region.
 *
 * Return: as aem_share_resident_for().
 */
struct aem_frame *aem_share_resident(struct aem_shared *s, unsigned int flags)
{
	return aem_share_resident_for(s, flags, NULL, 0);
}

/**
 * aem_share_resident_for() - the frame of @s, brought back if it is stored
 * @s: a referenced shared frame
 * @flags: allocation flags added (AEM_ALLOC_HIGH when the store or the
 *	   engine is going: the page must come back)
 * @r: the region whose fault (or ioctl) at @idx needs it, its slot lock
 *     held; NULL for none
 * @idx: the data page index in @r
 *
 * The first caller to find @s stored loads its content into a new frame
 * of the pool (owner DEDUPE, as aem_share_new() makes them: no region's,
 * still charged to @s's user, as it was while stored), which becomes
 * @s's frame, and releases the handle (or keeps it as @s's copy for
 * repair: integrity_keep_copies); the others, waiting on
 * @s->load_lock, find the frame.  Users' slots keep naming @s (slot.h)
 * until their own next fault repoints them.
 *
 * The new frame is charged before the load, to the creator's group if
 * it takes it, else to @r's group, which holds the charge from then on
 * (aem_share_reload_charge(): review s30 finding 4).
 *
 * Context: process context, may sleep; under at most one slot lock (@r's
 * at @idx, when @r is given), or @s->move_lock, never @s->lock.
 * Return: the frame with a reference (aem_share_frame_put()), or an
 * ERR_PTR(): -ENOMEM, -EIO without a store (it gave up on the page), or
 * the store's error, @s then staying stored; -ENOENT when its users all
 * left while it was stored (no content is kept for nobody); the charge's
 * refusal (-EAGAIN: @r's group reclaims first, see region.h "pending").
 */
struct aem_frame *aem_share_resident_for(struct aem_shared *s,
					 unsigned int flags,
					 struct aem_region *r, pgoff_t idx)
{
	struct aem_policy_reload ld = { };
	const struct aem_store_ops *ops;
	struct aem_frame *f, *nf;
	unsigned long handle;
	bool keep, refused;
	int sidx, err;

	f = aem_share_frame_get(s);
	if (f)
		return f;
	mutex_lock(&s->load_lock);
	/* Stored or not, and @handle, change under @load_lock only. */
	f = aem_share_frame_get(s);
	if (f)
		goto out;
	if (!s->stored) {
		f = ERR_PTR(-ENOENT);	/* its users all left: nothing to load */
		goto out;
	}
	if (READ_ONCE(s->poisoned)) {
		f = ERR_PTR(-EIO);	/* its copy failed its check */
		goto out;
	}
	/* Zeroed: a backend that writes less than a page leaks nothing. */
	nf = aem_alloc_pages(READ_ONCE(s->nid), 0, flags | AEM_ALLOC_ZERO |
			     AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_DEDUPE));
	if (!nf) {
		f = ERR_PTR(-ENOMEM);
		goto out;
	}
	err = aem_share_reload_charge(s, r, idx, aem_frame_nid(nf), flags,
				      &ld);
	if (err) {
		aem_free_pages(nf, 0);
		f = ERR_PTR(err);
		goto out;
	}
	handle = s->handle;
	ops = aem_store_get(&sidx, false);
	err = ops ? ops->load(handle, nf) : -EIO;
	/* Checked against its checksum before the copy goes (verify.c). */
	if (!err && aem_integ_hash(nf) != s->csum &&
	    (ops->load(handle, nf) || aem_integ_hash(nf) != s->csum)) {
		WRITE_ONCE(s->poisoned, true);
		pr_warn_ratelimited("a stored shared frame's copy does not match its checksum: poisoned for its %u users\n",
				    READ_ONCE(s->nr_users));
		err = -EIO;
	}
	if (err) {
		aem_store_put(sidx);
		aem_policy_held_unload(&ld);
		aem_free_pages(nf, 0);
		f = ERR_PTR(err);
		goto out;
	}
	WRITE_ONCE(nf->rmap.shared, s);
	aem_frame_get(nf);		/* the caller's */
	/* The copy stays for repair when asked: @nf is never written. */
	keep = !s->has_kept && aem_integ_may_keep();
	spin_lock(&s->lock);
	WRITE_ONCE(s->frame, nf);
	s->handle = 0;
	s->stored = false;
	aem_policy_held_loaded(&s->pol, &ld);
	/* Its bytes count where the frame's charge is: over max, no copy. */
	refused = keep &&
		  aem_policy_held_keep(&s->pol, aem_store_size(ops, handle));
	if (keep && !refused) {
		s->kept = handle;
		s->has_kept = true;
	}
	spin_unlock(&s->lock);
	if (refused)
		aem_integ_kept_release(handle, false);
	else if (!keep)
		ops->release(handle);
	aem_store_put(sidx);
	/* The charge may have moved to the faulter's group: its holder. */
	aem_share_hold_update(s, GFP_NOWAIT | __GFP_NOWARN);
	atomic_long_dec(&aem_stored_pages);
	atomic_long_dec(&aem_share_stored_now);
	atomic_long_inc(&aem_share_store_ins);
	f = nf;
out:
	mutex_unlock(&s->load_lock);
	return f;
}

/*
 * The last user of stored @s left: nobody can fault it back, so the store
 * forgets it now rather than when the engine drops its references.
 */
static void aem_share_stored_drop(struct aem_shared *s)
{
	unsigned long handle = 0;
	bool drop = false;

	mutex_lock(&s->load_lock);
	spin_lock(&s->lock);
	if (s->stored && !s->nr_users) {
		handle = s->handle;
		s->handle = 0;
		s->stored = false;
		aem_policy_held_gone(&s->pol);
		drop = true;
	}
	spin_unlock(&s->lock);
	mutex_unlock(&s->load_lock);
	if (drop)
		aem_share_stored_release(handle);
}

/* A merge into @s needs its bytes: a stored @s comes back.  move_lock held. */
static int aem_share_load_for_merge(struct aem_shared *s)
{
	struct aem_frame *f;

	lockdep_assert_held(&s->move_lock);
	f = aem_share_resident(s, 0);
	if (IS_ERR(f))
		return PTR_ERR(f) == -ENOMEM ? -ENOMEM : -EAGAIN;
	aem_share_frame_put(f);
	return 0;
}

/*
 * Take @s's kept copy, if it has one, to be stored again as its content:
 * *@handle gets it.  @s->move_lock held (its frame stays).  Return: true
 * when there was one.
 */
static bool aem_share_kept_take(struct aem_shared *s, unsigned long *handle)
{
	bool had;

	lockdep_assert_held(&s->move_lock);
	mutex_lock(&s->load_lock);
	spin_lock(&s->lock);
	had = s->has_kept;
	*handle = s->kept;
	s->has_kept = false;
	s->kept = 0;
	aem_policy_held_unkeep(&s->pol);
	spin_unlock(&s->lock);
	mutex_unlock(&s->load_lock);
	if (had)
		aem_integ_kept_release(*handle, true);
	return had;
}

/* Release @s's kept copy, if any.  No lock of @s held. */
static void aem_share_kept_drop(struct aem_shared *s)
{
	unsigned long handle;
	bool had;

	mutex_lock(&s->load_lock);
	spin_lock(&s->lock);
	had = s->has_kept;
	handle = s->kept;
	s->has_kept = false;
	s->kept = 0;
	aem_policy_held_unkeep(&s->pol);
	spin_unlock(&s->lock);
	mutex_unlock(&s->load_lock);
	if (had)
		aem_integ_kept_release(handle, false);
}

/**
 * aem_share_kept_drop_all() - release every shared frame's kept copy
 *
 * The store is going (aem_integ_kept_drop_all()); a shared frame whose
 * last reference is being put meanwhile releases its own.
 *
 * Context: process context, no aether_mm lock held.
 */
void aem_share_kept_drop_all(void)
{
	struct aem_shared *s, *prev = NULL, *got;

	for (;;) {
		got = NULL;
		/* @prev is referenced, so still on the list. */
		spin_lock(&aem_share_list_lock);
		s = prev ? list_next_entry(prev, link) :
			   list_first_entry(&aem_share_list, struct aem_shared,
					    link);
		list_for_each_entry_from(s, &aem_share_list, link) {
			if (READ_ONCE(s->has_kept) &&
			    kref_get_unless_zero(&s->ref)) {
				got = s;
				break;
			}
		}
		spin_unlock(&aem_share_list_lock);
		if (prev)
			aem_share_put(prev);
		if (!got)
			return;
		aem_share_kept_drop(got);
		prev = got;
		cond_resched();
	}
}

/**
 * aem_share_integ_get() - the shared frame of @f, to repair after the check
 * @f: a shared frame a slot holds (its slot lock held), found not to
 *     match its checksum
 *
 * Return: @f's struct aem_shared, referenced, when it has a copy kept in
 * the store to repair it from and is not poisoned; else NULL.
 */
struct aem_shared *aem_share_integ_get(struct aem_frame *f)
{
	struct aem_shared *s = READ_ONCE(f->rmap.shared);

	if (!s || READ_ONCE(s->poisoned) || !READ_ONCE(s->has_kept))
		return NULL;
	kref_get(&s->ref);	/* the slot holds one */
	return s;
}

/**
 * aem_share_frame_is() - is @f the frame of shared frame @s now?
 * @s: referenced
 * @f: a frame, compared only
 */
bool aem_share_frame_is(struct aem_shared *s, struct aem_frame *f)
{
	return READ_ONCE(s->frame) == f;
}

/**
 * aem_share_integ_repair() - repair shared frame @s from its kept copy
 * @s: referenced (aem_share_integ_get())
 * @bad: its frame, found not to match its checksum
 *
 * The copy kept since the frame was loaded back from the store (see
 * @kept) is loaded into a fresh frame, twice at most, and checked
 * against the sum; then the fresh frame takes the bad one's place for
 * every user, as a move does (aem_share_move_to(): each user's entry is
 * zapped and repointed under its slot lock).  A reader sees the bad
 * bytes it saw before or the right ones, a whole page of either, never a
 * page being rewritten.  A copy that does not match is released (it
 * repairs nothing).
 *
 * Context: process context, no slot lock held (this takes every user's).
 * Return: 0 when the users map the right bytes; -ENOENT when @bad is no
 * longer @s's frame (moved, stored, or repaired meanwhile: the next check
 * reads the new one); -ENODATA when no good copy is kept; -EBUSY or
 * -ENOMEM when it could not be done now.
 */
int aem_share_integ_repair(struct aem_shared *s, struct aem_frame *bad)
{
	const struct aem_store_ops *ops;
	unsigned long handle = 0;
	bool ok = false, drop = false;
	struct aem_frame *nf;
	int sidx, tries, ret;

	might_sleep();
	/*
	 * @bad is only compared from here on: the caller no longer holds it,
	 * so it may be back in the pool, or even @s's frame again (stored
	 * and loaded back into the same frame).  Its node is a hint for the
	 * allocation, nothing more; whether @bad is still @s's frame, and
	 * bad, is decided again under @load_lock (its copy is checked
	 * against @csum) and by aem_share_move_to() under @lock.
	 */
	nf = aem_alloc_pages(aem_frame_nid(bad), 0,
			     AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_DEDUPE));
	if (!nf)
		return -ENOMEM;
	mutex_lock(&s->load_lock);
	if (s->has_kept && READ_ONCE(s->frame) == bad) {
		ops = aem_store_get(&sidx, false);
		for (tries = 0; ops && !ok && tries < 2; tries++)
			ok = !ops->load(s->kept, nf) &&
			     aem_integ_hash(nf) == s->csum;
		aem_store_put(sidx);
		if (!ok) {
			spin_lock(&s->lock);
			handle = s->kept;
			s->has_kept = false;
			s->kept = 0;
			aem_policy_held_unkeep(&s->pol);
			spin_unlock(&s->lock);
			drop = true;
		}
	}
	mutex_unlock(&s->load_lock);
	if (drop)
		aem_integ_kept_release(handle, false);
	if (!ok) {
		aem_free_pages(nf, 0);
		return drop ? -ENODATA : -ENOENT;
	}
	ret = aem_share_move_to(s, nf, bad, false, true);
	if (ret) {
		aem_free_pages(nf, 0);
		return ret;
	}
	aem_free_pages(bad, 0);	/* @s's reference on its old frame */
	return 0;
}

/**
 * aem_share_integ_poisoned() - is shared frame @f poisoned (verify.c)?
 * @f: a shared frame a slot holds (its slot lock held)
 */
bool aem_share_integ_poisoned(struct aem_frame *f)
{
	struct aem_shared *s = READ_ONCE(f->rmap.shared);

	return s && READ_ONCE(s->poisoned);
}

/*
 * A poisoned shared frame's users lose their entries in a worker when it
 * was poisoned under a slot lock (VERIFY, a fault's load, an unmerge):
 * the zaps need each user's region referenced, and a region's last put
 * may not come under the slot lock the poisoning caller holds.
 * aether_kverifyd, which holds none and may sleep, zaps them itself
 * (aem_share_integ_poison_held()).
 */
struct aem_share_poison_req {
	struct list_head link;
	struct aem_shared *s;
};

static DEFINE_SPINLOCK(aem_share_poison_lock);	/* the list below */
static LIST_HEAD(aem_share_poison_reqs);

/*
 * Zap every user's entries of poisoned @s (referenced; no lock held): no
 * user joins it any more, so @nr_users read once is enough room.
 * Return: false when there was no memory for the list (nothing zapped).
 */
static bool aem_share_poison_zap(struct aem_shared *s)
{
	struct aem_share_user *u;
	struct aem_region **rs;
	pgoff_t *idxs;
	unsigned int n = 0, max, i;
	bool ok = false;

	might_sleep();
	max = READ_ONCE(s->nr_users);
	rs = kvmalloc_array(max, sizeof(*rs), GFP_KERNEL);
	idxs = kvmalloc_array(max, sizeof(*idxs), GFP_KERNEL);
	if (!rs || !idxs)
		goto out;
	spin_lock(&s->lock);
	list_for_each_entry(u, &s->users, link) {
		if (n == max)
			break;
		/* A user's layer, so its region, is there while it is listed. */
		if (!kref_get_unless_zero(&u->layer->region->ref))
			continue;
		rs[n] = u->layer->region;
		idxs[n++] = u->index;
	}
	spin_unlock(&s->lock);
	for (i = 0; i < n; i++) {
		aem_region_zap_page(rs[i], idxs[i]);
		aem_region_put(rs[i]);
	}
	ok = true;
out:
	kvfree(rs);
	kvfree(idxs);
	return ok;
}

static void aem_share_poison_workfn(struct work_struct *work)
{
	struct aem_share_poison_req *req;

	for (;;) {
		spin_lock(&aem_share_poison_lock);
		req = list_first_entry_or_null(&aem_share_poison_reqs,
					       struct aem_share_poison_req,
					       link);
		if (req)
			list_del(&req->link);
		spin_unlock(&aem_share_poison_lock);
		if (!req)
			return;
		if (!aem_share_poison_zap(req->s))
			pr_warn_ratelimited("a poisoned shared frame's users keep their entries until their next zap (no memory)\n");
		aem_share_put(req->s);
		kfree(req);
		cond_resched();
	}
}

static DECLARE_WORK(aem_share_poison_work, aem_share_poison_workfn);

/* At unload: no request is left holding a shared frame. */
static void aem_share_poison_flush(void)
{
	flush_work(&aem_share_poison_work);
}

/**
 * aem_share_integ_poison() - shared frame @f failed its check: poison it
 * @f: the shared frame, held by the slot whose lock the caller holds
 *
 * Every user's fault is a SIGBUS from now on (aem_integ_refuse()); the
 * entries that map it go, user by user, in a worker (the caller zapped
 * its own slot's already).
 *
 * Context: one slot lock held (the caller's); does not sleep.
 */
void aem_share_integ_poison(struct aem_frame *f)
{
	struct aem_shared *s = READ_ONCE(f->rmap.shared);

	if (!s || READ_ONCE(s->poisoned))
		return;
	WRITE_ONCE(s->poisoned, true);
	aem_share_poison_users(s);
}

/*
 * @s was just poisoned: every user's entries go, in a worker.  Context:
 * does not sleep.
 */
static void aem_share_poison_users(struct aem_shared *s)
{
	struct aem_share_poison_req *req;

	req = kmalloc(sizeof(*req), GFP_NOWAIT | __GFP_NOWARN);
	if (!req) {
		pr_warn_ratelimited("a poisoned shared frame's other users keep their entries until their next zap (no memory)\n");
		return;
	}
	kref_get(&s->ref);	/* the caller holds one */
	req->s = s;
	spin_lock(&aem_share_poison_lock);
	list_add_tail(&req->link, &aem_share_poison_reqs);
	spin_unlock(&aem_share_poison_lock);
	queue_work(system_unbound_wq, &aem_share_poison_work);
}

/**
 * aem_share_integ_state() - is @s poisoned, has it a kept copy?
 * @s: referenced
 * @kept: receives whether a copy is kept to repair it from
 *
 * Return: true when poisoned.  Both may change right after.
 */
bool aem_share_integ_state(struct aem_shared *s, bool *kept)
{
	*kept = READ_ONCE(s->has_kept);
	return READ_ONCE(s->poisoned);
}

/**
 * aem_share_integ_user() - a user of @s, to name in an integrity event
 * @s: referenced
 * @rid: receives its region's id
 * @idx: receives its data page index
 *
 * Return: false when @s has no user left.
 */
bool aem_share_integ_user(struct aem_shared *s, u64 *rid, pgoff_t *idx)
{
	struct aem_share_user *u;

	spin_lock(&s->lock);
	u = list_first_entry_or_null(&s->users, struct aem_share_user, link);
	if (u) {
		/* A listed user's layer, so its region, is there. */
		*rid = u->layer->region->id;
		*idx = u->index;
	}
	spin_unlock(&s->lock);
	return u;
}

/**
 * aem_share_integ_poison_held() - @s's frame @f failed its check: poison
 * @s: referenced
 * @f: the frame checked, held (aem_share_frame_get()): it cannot move
 *
 * aether_kverifyd's aem_share_integ_poison(), with no slot lock: every
 * user's entries are zapped here, before it returns, so that none reads
 * the bad bytes after the check found them (a worker would leave them
 * mapped until it ran, or for good when its request found no memory).
 * Only when there is no memory for the list of users is it left to the
 * worker, to try again.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 * Return: true when poisoned now; false when @f is no longer @s's frame
 * (a repair replaced it before @f was held) or @s was poisoned already.
 */
bool aem_share_integ_poison_held(struct aem_shared *s, struct aem_frame *f)
{
	bool now;

	might_sleep();
	spin_lock(&s->lock);
	now = s->frame == f && !s->poisoned;
	if (now)
		WRITE_ONCE(s->poisoned, true);
	spin_unlock(&s->lock);
	if (now && !aem_share_poison_zap(s))
		aem_share_poison_users(s);
	return now;
}

/**
 * aem_share_unstore() - a slot naming stored shared frame @s maps its frame
 * @l: the layer of the slot
 * @idx: its data page index
 * @s: what the slot names (aem_slot_shared())
 * @flags: allocation flags added, as aem_unstore()'s
 *
 * aem_unstore() of a slot holding a stored shared frame: @s comes back
 * (once, aem_share_resident()) and this slot holds its frame again, as
 * any user's does; the other users' slots follow at their own faults.
 * Slot lock held.
 *
 * Return: the frame (held by @s, and stable while the slot lock is), or an
 * ERR_PTR() of aem_share_resident(), the slot unchanged.
 */
struct aem_frame *aem_share_unstore(struct aem_layer *l, pgoff_t idx,
				    struct aem_shared *s, unsigned int flags)
{
	struct aem_region *r = l->region;
	struct aem_frame *f;

	lockdep_assert_held(aem_slot_lock(r, idx));
	f = aem_share_resident_for(s, flags, r, idx);
	if (IS_ERR(f))
		return f;
	/*
	 * Replacing a present entry allocates nothing.  A move of @s after
	 * this repoints the slot (it waits for the slot lock), and a store
	 * of it too: @f stays until then.
	 */
	xa_store(&l->slots, idx, aem_slot_mk_frame(f), GFP_KERNEL);
	aem_share_frame_put(f);
	aem_region_stat_dec(r, AEM_RS_STORED);
	aem_region_stat_inc(r, AEM_RS_STORE_INS);
	trace_aem_region_fault(r, idx, f, AEM_FAULT_STORED);
	return f;
}

/*
 * Is @s cold for reclaim: resident, with users, and every user's page in a
 * COMPRESSIBLE region idle for @min_gen access scans or more (each user's
 * region keeps the generation of its own index; access.c)?
 */
static bool aem_share_cold(struct aem_shared *s, unsigned int min_gen)
{
	struct aem_share_user *u;
	struct aem_region *r;
	bool cold;
	u8 g;

	rcu_read_lock();
	spin_lock(&s->lock);
	cold = s->frame && s->nr_users;
	list_for_each_entry(u, &s->users, link) {
		if (!cold)
			break;
		r = u->layer->region;
		g = READ_ONCE(r->gens[u->index]);
		cold = (r->flags & AETHER_MM_REGION_COMPRESSIBLE) &&
		       g != AEM_GEN_NONE && g >= min_gen;
	}
	spin_unlock(&s->lock);
	rcu_read_unlock();
	return cold;
}

/*
 * Store the content of @s once with @ops (the registered store, held by
 * the caller) and give its frame back: under @s->move_lock no user joins
 * and the frame does not move; every user's region and layer are
 * referenced (a user whose layer is going holds the frame until it
 * leaves: -EBUSY); the store copies the frame; under @s->load_lock and
 * @s->lock, if no kernel reader holds the frame, @s becomes stored (the
 * handle in the frame's place).  From then on a fault on a slot still
 * holding the frame maps the frame, still there and equal, and one on a
 * slot naming @s loads it back.  Then each user's slot holding the frame
 * is zapped and made to name @s, under its slot lock, one at a time; the
 * frame, in no slot and no page table, goes back to the pool.
 * Return: 0, -EALREADY (stored already, no user, or not cold any more),
 * -EBUSY, -ENOMEM, or the store's error.
 */
static int aem_share_store_one(struct aem_shared *s,
			       const struct aem_store_ops *ops,
			       unsigned int min_gen)
{
	struct aem_share_pin *pins = NULL;
	unsigned long handle, bytes;
	struct aem_frame *f;
	unsigned int n = 0, i;
	int ret = -EALREADY;

	mutex_lock(&s->move_lock);
	f = s->frame;
	/* Again, now that no user joins: a new one may be warm. */
	if (!f || !aem_share_cold(s, min_gen))
		goto unlock;
	pins = aem_share_pin_users(s, &n);
	if (IS_ERR(pins)) {
		ret = PTR_ERR(pins);
		pins = NULL;
		goto unlock;
	}
	/* A copy kept since its load is its content (never written). */
	if (!aem_share_kept_take(s, &handle)) {
		ret = ops->store(f, &handle);
		if (ret)
			goto unlock;
	}
	bytes = aem_store_size(ops, handle);
	mutex_lock(&s->load_lock);
	spin_lock(&s->lock);
	/* @s's own reference only: no scan or reader holds the frame. */
	if (aem_frame_ref_count(f) != 1) {
		ret = -EBUSY;
	} else if (!s->nr_users) {
		/*
		 * Its last user left (a write, an unmerge) after the pins:
		 * stored now, no user would ever drop the handle, which
		 * would wait for the engine's last reference, past the
		 * store's unregistration.
		 */
		ret = -EALREADY;
	} else {
		s->nid = aem_frame_nid(f);
		s->handle = handle;
		s->stored = true;
		WRITE_ONCE(s->frame, NULL);
		aem_policy_held_stored(&s->pol, bytes);
	}
	spin_unlock(&s->lock);
	mutex_unlock(&s->load_lock);
	if (ret) {
		ops->release(handle);
		goto unlock;
	}
	atomic_long_inc(&aem_stored_pages);
	atomic_long_inc(&aem_share_stored_now);
	atomic_long_inc(&aem_share_store_outs);
	for (i = 0; i < n; i++) {
		struct aem_share_pin *p = &pins[i];

		if (aem_share_pin_repoint(p, f, aem_slot_mk_shared(s))) {
			aem_region_stat_inc(p->r, AEM_RS_STORED);
			aem_region_stat_inc(p->r, AEM_RS_STORE_OUTS);
		}
	}
	/* No slot holds @f now: nothing finds @s from it any more. */
	WRITE_ONCE(f->rmap.shared, NULL);
	aem_free_pages(f, 0);	/* @s's reference */
unlock:
	mutex_unlock(&s->move_lock);
	if (pins)
		aem_share_unpin(pins, n);
	return ret;
}

/* ---- holders: the shared frames of each group's charge ----------------- */

/* The holder of @cookie of registration @gen, or NULL (the lock held). */
static struct aem_share_holder *aem_share_holder_find(void *cookie, u64 gen)
{
	struct aem_share_holder *h;

	lockdep_assert_held(&aem_share_holder_lock);
	hash_for_each_possible(aem_share_holders, h, hnode, (unsigned long)cookie)
		if (h->cookie == cookie && h->gen == gen)
			return h;
	return NULL;
}

/* @h lost its last frame or walker: it goes (the lock held). */
static void aem_share_holder_maybe_free(struct aem_share_holder *h)
{
	lockdep_assert_held(&aem_share_holder_lock);
	if (h->nr || h->walkers)
		return;
	hash_del(&h->hnode);
	list_del(&h->link);
	kfree(h);
}

/* Take @s off its holder's list, or aem_share_unheld (the lock held). */
static void __aem_share_hold_unlink(struct aem_shared *s)
{
	struct aem_share_holder *h = s->holder;

	lockdep_assert_held(&aem_share_holder_lock);
	if (list_empty(&s->held_link))
		return;
	list_del_init(&s->held_link);
	s->holder = NULL;
	if (h) {
		h->nr--;
		aem_share_holder_maybe_free(h);
	} else {
		atomic_long_dec(&aem_share_unheld_nr);
	}
}

/* @s goes: off its holder's list, before its cookie is dropped. */
static void aem_share_hold_unlink(struct aem_shared *s)
{
	spin_lock(&aem_share_holder_lock);
	__aem_share_hold_unlink(s);
	spin_unlock(&aem_share_holder_lock);
}

/*
 * Put @s on the list of the holder of its charge's cookie (@s->pol), made
 * if there is none (@gfp; without memory, on aem_share_unheld, which every
 * group reclaim walks), after @s->pol was set or changed: at its making
 * and after a reload that moved its charge (under @load_lock, which keeps
 * @pol).  A frame charged to nobody is on no list.
 */
static void aem_share_hold_update(struct aem_shared *s, gfp_t gfp)
{
	struct aem_share_holder *h, *spare = NULL;
	void *cookie = s->pol.cookie;
	u64 gen = s->pol.gen;

	spin_lock(&aem_share_holder_lock);
	if (s->holder && s->holder->cookie == cookie && s->holder->gen == gen)
		goto out;
	h = gen ? aem_share_holder_find(cookie, gen) : NULL;
	if (gen && !h) {
		spin_unlock(&aem_share_holder_lock);
		spare = kmalloc(sizeof(*spare), gfp);
		spin_lock(&aem_share_holder_lock);
		h = aem_share_holder_find(cookie, gen);
		if (!h && spare) {
			h = spare;
			spare = NULL;
			h->cookie = cookie;
			h->gen = gen;
			INIT_LIST_HEAD(&h->frames);
			h->nr = 0;
			h->walkers = 0;
			hash_add(aem_share_holders, &h->hnode,
				 (unsigned long)cookie);
			list_add_tail(&h->link, &aem_share_holder_list);
		}
	}
	__aem_share_hold_unlink(s);
	if (h) {
		list_add_tail(&s->held_link, &h->frames);
		h->nr++;
		s->holder = h;
	} else if (gen) {
		list_add_tail(&s->held_link, &aem_share_unheld);
		atomic_long_inc(&aem_share_unheld_nr);
	}
out:
	spin_unlock(&aem_share_holder_lock);
	kfree(spare);
}

/*
 * Is @s's charge held by a group @held accepts (the held cookie of
 * registration @gen, its frame charged)?  Under @s->lock, so a reload
 * that moves the charge (aem_policy_held_loaded()) does not drop the
 * cookie while @held reads it.
 */
static bool aem_share_held_by(struct aem_shared *s,
			      const struct aem_share_held_match *held)
{
	bool ours;

	spin_lock(&s->lock);
	ours = s->pol.frame && s->pol.gen == held->gen &&
	       held->match(s->pol.cookie, held->arg);
	spin_unlock(&s->lock);
	return ours;
}

/*
 * Store @s if it is on @nid (or any node), its charge held by a group
 * @held accepts (any without @held) and cold.  Return: 1 when stored.
 */
static unsigned long aem_share_store_try(struct aem_shared *s, int nid,
					 unsigned int min_gen,
					 const struct aem_store_ops *ops,
					 unsigned long *failed,
					 const struct aem_share_held_match *held)
{
	int ret;

	if (nid != NUMA_NO_NODE && aem_share_nid(s) != nid)
		return 0;
	if (held && !aem_share_held_by(s, held))
		return 0;
	if (!aem_share_cold(s, min_gen))
		return 0;
	ret = aem_share_store_one(s, ops, min_gen);
	if (!ret)
		return 1;
	if (ret != -EALREADY)
		(*failed)++;
	return 0;
}

/* Shared frames a group reclaim takes off a list under one lock hold. */
#define AEM_SHARE_HELD_BATCH	16
/* Holders one group reclaim walks (the next one starts after them). */
#define AEM_SHARE_HELD_WALK	16

/*
 * Up to AEM_SHARE_HELD_BATCH frames with users from the head of @list,
 * each moved to its tail, at most *@budget of them looked at; referenced
 * into @batch.  Return: how many.
 */
static unsigned int aem_share_held_take(struct list_head *list,
					unsigned long *budget,
					struct aem_shared **batch)
{
	struct aem_shared *s;
	unsigned int n = 0;

	lockdep_assert_held(&aem_share_holder_lock);
	while (n < AEM_SHARE_HELD_BATCH && *budget && !list_empty(list)) {
		s = list_first_entry(list, struct aem_shared, held_link);
		list_move_tail(&s->held_link, list);
		(*budget)--;
		atomic_long_inc(&aem_share_held_visits);
		if (READ_ONCE(s->nr_users) && kref_get_unless_zero(&s->ref))
			batch[n++] = s;
	}
	if (list_empty(list))
		*budget = 0;
	return n;
}

/*
 * The frames of one list a group reclaim walks: @h's (referenced by the
 * walk: @walkers), or aem_share_unheld for NULL; as many as it had when
 * the walk began, in batches taken under the lock and stored outside it.
 * Return: frames stored.
 */
static unsigned long aem_share_store_list(struct aem_share_holder *h,
					  int nid, unsigned long nr,
					  unsigned int min_gen,
					  const struct aem_store_ops *ops,
					  unsigned long *failed,
					  const struct aem_share_held_match *held)
{
	struct list_head *list = h ? &h->frames : &aem_share_unheld;
	struct aem_shared *batch[AEM_SHARE_HELD_BATCH];
	unsigned long budget, stored = 0;
	unsigned int n, i;

	spin_lock(&aem_share_holder_lock);
	budget = h ? h->nr : atomic_long_read(&aem_share_unheld_nr);
	while (budget && stored < nr) {
		n = aem_share_held_take(list, &budget, batch);
		spin_unlock(&aem_share_holder_lock);
		for (i = 0; i < n; i++) {
			if (stored < nr)
				stored += aem_share_store_try(batch[i], nid,
							      min_gen, ops,
							      failed, held);
			aem_share_put(batch[i]);
			cond_resched();
		}
		spin_lock(&aem_share_holder_lock);
	}
	spin_unlock(&aem_share_holder_lock);
	return stored;
}

/*
 * A group's reclaim: the cold shared frames whose charge a group @held
 * accepts holds, found by their holders ("Holders"): it looks at the
 * frames of the holders @held accepts, and at those of no holder, never
 * at another group's.  Return: frames stored.
 */
static unsigned long aem_share_store_held(int nid, unsigned long nr,
					  unsigned int min_gen,
					  const struct aem_store_ops *ops,
					  unsigned long *failed,
					  const struct aem_share_held_match *held)
{
	struct aem_share_holder *hs[AEM_SHARE_HELD_WALK], *h;
	unsigned long stored = 0;
	unsigned int n = 0, i;

	spin_lock(&aem_share_holder_lock);
	list_for_each_entry(h, &aem_share_holder_list, link) {
		if (n == ARRAY_SIZE(hs))
			break;
		if (h->gen == held->gen && held->match(h->cookie, held->arg)) {
			h->walkers++;
			hs[n++] = h;
		}
	}
	/* More than a walk takes: the next one starts with the others. */
	for (i = 0; i < n; i++)
		list_move_tail(&hs[i]->link, &aem_share_holder_list);
	spin_unlock(&aem_share_holder_lock);

	for (i = 0; i < n; i++) {
		if (stored < nr)
			stored += aem_share_store_list(hs[i], nid, nr - stored,
						       min_gen, ops, failed,
						       held);
		spin_lock(&aem_share_holder_lock);
		hs[i]->walkers--;
		aem_share_holder_maybe_free(hs[i]);
		spin_unlock(&aem_share_holder_lock);
	}
	if (stored < nr && atomic_long_read(&aem_share_unheld_nr))
		stored += aem_share_store_list(NULL, nid, nr - stored, min_gen,
					       ops, failed, held);
	return stored;
}

/**
 * aem_share_store_cold() - store cold shared frames, each once
 * @nid: only frames on this node, or NUMA_NO_NODE
 * @nr: at most this many
 * @min_gen: every user's page idle for at least this many access scans
 * @ops: the registered store backend, held by the caller (its SRCU)
 * @failed: incremented for each cold shared frame that could not be stored
 * @held: only frames whose charge a group it accepts holds (a group's
 *	  own reclaim: aem_policy_reclaim()), or NULL for any
 *
 * A shared frame is cold when every user's page is (aem_share_cold()):
 * its content goes to the store once, one handle for every user, and the
 * frame back to the pool (aem_share_store_one()).
 *
 * Context: process context, may sleep; no aether_mm lock held (it takes
 * each shared frame's move lock, then its users' slot locks one at a
 * time): never from inside a pool allocation.
 * Return: shared frames stored (frames given back).
 */
unsigned long aem_share_store_cold(int nid, unsigned long nr,
				   unsigned int min_gen,
				   const struct aem_store_ops *ops,
				   unsigned long *failed,
				   const struct aem_share_held_match *held)
{
	struct aem_shared *s = NULL;
	unsigned long stored = 0;

	might_sleep();
	if (held)
		return aem_share_store_held(nid, nr, min_gen, ops, failed,
					    held);
	while (stored < nr && (s = aem_share_next_used(s))) {
		stored += aem_share_store_try(s, nid, min_gen, ops, failed,
					      NULL);
		cond_resched();
	}
	if (s)
		aem_share_put(s);
	return stored;
}

/* ---- zero pages (use_zero_pages) ---------------------------------------- */

/* Slot lock held: give @pg's zero-filled frame back, the slot empty. */
static int aem_share_zero_locked(struct aem_share_page *pg)
{
	struct aem_region *r = pg->region;
	struct aem_layer *l = pg->layer, *below;
	struct aem_frame *f = pg->frame;
	pgoff_t idx = pg->index;
	bool zero;
	void *p;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (aem_slot_frame(xa_load(&l->slots, idx)) != f)
		return -EAGAIN;
	if (aem_frame_is_shared(f))
		return -EALREADY;
	if (aem_frame_ref_count(f) != 2)
		return -EBUSY;
	/*
	 * An empty slot shows what the layers under it hold: only an index
	 * none of them holds reads as zeroes once emptied.  Layers under a
	 * top never gain an entry (writes go to tops), so that stays true.
	 */
	if (l->backing && aem_lookup_entry(l->backing, idx, &below))
		return -EBUSY;
	/* Its record first: past the zap, nothing may fail. */
	if (xa_err(xa_store(&l->zeroed, idx, xa_mk_value(1), GFP_KERNEL)))
		return -ENOMEM;
	aem_region_zap_page(r, idx);
	p = kmap_local_page(aem_frame_page(f));
	zero = !memchr_inv(p, 0, PAGE_SIZE);
	kunmap_local(p);
	if (!zero) {
		xa_erase(&l->zeroed, idx);
		atomic_long_inc(&aem_share_changed);
		return -EAGAIN;
	}
	xa_erase(&l->slots, idx);
	aem_integ_forget(l, idx);
	aem_region_frame_gone(r, f);
	aem_free_pages(f, 0);	/* the slot's; @pg still holds one */
	atomic_long_inc(&r->zero_pages);
	atomic_long_inc(&r->merges);
	atomic_long_inc(&aem_share_zero_now);
	atomic_long_inc(&aem_share_zeroed);
	return 0;
}

/**
 * aem_share_zero - give a zero-filled page to the zero page
 * @pg: a private page from aem_share_scan() (or a kept copy)
 *
 * In aem_share_merge()'s order, under the page's slot lock: the slot must
 * still hold @pg->frame and no kernel reader another reference; the page
 * is unmapped from every process, then checked zero byte for byte; only
 * then is the slot emptied and the frame freed (once @pg is put).  Reads
 * then map Linux's zero page, as for a page never written, and a write
 * gets a fresh zeroed frame.  The zero page is the one frame shared
 * across trust domains: nobody's bytes, nothing to learn from.
 *
 * An index that an older image of a forked PRIVATE region holds is left
 * alone (-EBUSY): emptied, it would show that image's page.
 *
 * Context: process context, may sleep; no aether_mm lock held; GFP_KERNEL.
 * Return: 0 when the frame went; -EAGAIN when the page changed (content,
 * or the slot's frame); -EALREADY for a shared page; -EBUSY when a kernel
 * reader holds it or an older image holds the index; -EPERM when its
 * region is not mergeable; -ENODEV without an engine; -ENOMEM.
 */
int aem_share_zero(struct aem_share_page *pg)
{
	struct aem_region *r = pg->region;
	int ret;

	might_sleep();
	if (!aem_region_mergeable(r))
		return -EPERM;
	if (pg->shared)
		return -EALREADY;
	down_read(&aem_share_sem);
	if (!aem_share_open) {
		ret = -ENODEV;
	} else {
		mutex_lock(aem_slot_lock(r, pg->index));
		ret = aem_share_zero_locked(pg);
		mutex_unlock(aem_slot_lock(r, pg->index));
	}
	up_read(&aem_share_sem);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_share_zero);

/**
 * aem_share_zero_filled() - @idx of @l is no zero page of share.c's now
 * @r: the region of @l
 * @l: the layer
 * @idx: data page index
 *
 * A frame joins the slot (region.h's aem_region_frame_add()), or a layer
 * above hides it from everyone (aem_layer_trim()).  Slot lock held.
 */
void aem_share_zero_filled(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx)
{
	lockdep_assert_held(aem_slot_lock(r, idx));
	if (!xa_erase(&l->zeroed, idx))
		return;
	atomic_long_dec(&r->zero_pages);
	atomic_long_dec(&aem_share_zero_now);
	atomic_long_inc(&aem_share_zero_filled_nr);
}

/**
 * aem_share_layer_gone() - @l is being freed: forget its zero pages
 * @r: the region of @l
 * @l: the layer, no longer reachable
 */
void aem_share_layer_gone(struct aem_region *r, struct aem_layer *l)
{
	unsigned long idx, n = 0;
	void *e;

	xa_for_each(&l->zeroed, idx, e)
		n++;
	xa_destroy(&l->zeroed);
	atomic_long_sub(n, &r->zero_pages);
	atomic_long_sub(n, &aem_share_zero_now);
}

/* ---- trust domains ------------------------------------------------------ */

/*
 * Give every slot of @r holding a shared frame of another domain than
 * @key a private copy.  A poisoned frame is not copied (-EIO): its slots
 * stay on it, where every access is a SIGBUS, so nothing of it is read
 * across the domains; the others go on.  Return: 0, the first other
 * error (the slots left stay shared), or -EIO.
 */
static int aem_share_region_unmerge(struct aem_region *r, u64 key)
{
	struct aem_layer **ls;
	struct aem_shared *s;
	struct aem_frame *f;
	unsigned int k, nl;
	unsigned long idx;
	int ret = 0, err;
	void *e;

	ls = aem_region_layers_get(r, &nl);
	if (!ls)
		return -ENOMEM;
	for (k = 0; k < nl && (!ret || ret == -EIO); k++) {
		xa_for_each(&ls[k]->slots, idx, e) {
			f = aem_slot_frame(e);
			if ((!f || !aem_frame_is_shared(f)) &&
			    !aem_slot_shared(e))
				continue;
			s = NULL;
			mutex_lock(aem_slot_lock(r, idx));
			e = xa_load(&ls[k]->slots, idx);
			f = aem_slot_frame(e);
			if (f && aem_frame_is_shared(f))
				s = f->rmap.shared;
			else
				s = aem_slot_shared(e);	/* stored, or NULL */
			if (s && s->domain != key)
				kref_get(&s->ref);	/* the slot holds one */
			else
				s = NULL;
			mutex_unlock(aem_slot_lock(r, idx));
			if (!s)
				continue;
			err = aem_share_unshare_one(s, r, ls[k], idx);
			aem_share_put(s);
			if (err)
				ret = err;
			if (err && err != -EIO)
				break;
			cond_resched();
		}
	}
	aem_region_layers_put(r, ls, nl);
	return ret;
}

/**
 * aem_share_region_set_domain - put @r into a named trust domain
 * @r: a referenced region
 * @id: the domain, 1..U32_MAX, or 0 for its creator's uid again
 *
 * From the return of the first step on, merges of @r's pages compare the
 * new key; then every page of @r still sharing a frame of another domain
 * gets a private copy (the engine hears of each, @unshared), so no page
 * stays shared with a domain it left.  The caller decides who may (an
 * administrator).
 *
 * Context: process context, may sleep; no aether_mm lock held.
 * Return: 0; -ENOMEM when some pages found no frame for their copy: the
 * domain is set, but they stay shared until a retry succeeds; -EIO when
 * some pages map a poisoned frame (not copied: every access to them is a
 * SIGBUS), the others copied.
 */
int aem_share_region_set_domain(struct aem_region *r, u32 id)
{
	might_sleep();
	/* No merge is between its domain check and its slot update. */
	down_write(&aem_share_sem);
	WRITE_ONCE(r->domain, id);
	up_write(&aem_share_sem);
	return aem_share_region_unmerge(r, aem_share_region_domain(r));
}
EXPORT_SYMBOL_GPL(aem_share_region_set_domain);

/**
 * aem_share_domain_key - the trust domain of a shared frame
 * @s: a referenced shared frame
 *
 * Return: the aem_share_region_domain() key of the page it was copied
 * from, fixed for its life.
 */
u64 aem_share_domain_key(const struct aem_shared *s)
{
	return s->domain;
}
EXPORT_SYMBOL_GPL(aem_share_domain_key);

/**
 * aem_share_next_used() - walk the shared frames with users
 * @prev: the last one returned (referenced, so still listed), or NULL
 *
 * The walk of aem_share_close_engine(), reclaim's and aether_kverifyd's
 * (verify.c), in the order the frames were made.
 *
 * Context: process context (a last reference dropped frees its frame).
 * Return: the next one, referenced, or NULL at the end; @prev's
 * reference is dropped.
 */
struct aem_shared *aem_share_next_used(struct aem_shared *prev)
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
 * Return: 0; -EIO when some poisoned frames stay shared (not copied:
 * every access to them is a SIGBUS), the others unmerged; or the error
 * of aem_share_unmerge() that stopped the walk.  The kernel log
 * says how many users stay shared.
 */
int aem_share_close_engine(void)
{
	struct aem_shared *s = NULL;
	int ret = 0, err;

	down_write(&aem_share_sem);
	aem_share_open = false;
	up_write(&aem_share_sem);
	/* No new shared frame now: the stocked frames go back. */
	aem_share_stock_drain();
	aem_shared_stock_drain();
	/* The pool or the reserve is empty: trying others would fail too. */
	while ((s = aem_share_next_used(s))) {
		err = aem_share_unmerge(s);
		/* A poisoned frame stays shared; the others can go on. */
		if (err == -EIO) {
			ret = ret ?: err;
			continue;
		}
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
	seq_printf(m, "zero_pages %ld\n",
		   atomic_long_read(&aem_share_zero_now));
	seq_printf(m, "zeroed %ld\n", atomic_long_read(&aem_share_zeroed));
	seq_printf(m, "zero_filled %ld\n",
		   atomic_long_read(&aem_share_zero_filled_nr));
	seq_printf(m, "moved %ld\n", atomic_long_read(&aem_share_moved));
	seq_printf(m, "numa_moved %ld\n",
		   atomic_long_read(&aem_share_numa_moved));
	seq_printf(m, "stored %ld\n", atomic_long_read(&aem_share_stored_now));
	seq_printf(m, "store_outs %ld\n",
		   atomic_long_read(&aem_share_store_outs));
	seq_printf(m, "store_ins %ld\n",
		   atomic_long_read(&aem_share_store_ins));
	seq_printf(m, "held_visits %ld\n",
		   atomic_long_read(&aem_share_held_visits));
	seq_printf(m, "unheld %ld\n", atomic_long_read(&aem_share_unheld_nr));
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
