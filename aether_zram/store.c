// SPDX-License-Identifier: GPL-2.0
/*
 * store.c - the region store backend of aether_mm
 *
 * DOC: Overview
 *
 * aether_mm reclaims the cold pages of COMPRESSIBLE regions through one
 * registered store table (struct aem_store_ops, include/aether/mm.h).
 * This is that table: a page handed to ->store() is kept in a store of
 * its own (zpage.c: a pool of pool pages and a compressor), named by the
 * address of a struct azr_rs_entry, and its frame goes back to the pool;
 * ->load() brings the bytes back into a new frame at the next fault;
 * ->release() forgets them.  Pages of zeroes never come here (aether_mm
 * empties their slots); other same-filled pages are kept as a value.
 * ->size() says how many bytes an entry's page takes (its compressed
 * object, 0 for a value): aether_mm charges them to the region's QoS
 * group while the page is stored, as memcg charges zswap's.
 *
 * States of an entry: allocated and filled in ->store() (on the list of
 * live entries, the newest first), loaded any number of times, stored
 * anew with a stronger compressor by adaptive compression's background
 * pass (store_adaptive.c, azr_rs_pass()) at most once per compressor,
 * freed by ->release() or, for the pages aether_mm could not bring back
 * at unregistration, by ->drain().  An entry names the compressor that
 * wrote it (AZR_E_COMP_MASK: the store's own, or one of the adaptive
 * policy's) and holds a reference to it, so that every load decompresses
 * with that one whatever the policy became since.
 *
 * The background pass and the entry's lock.  The pass walks the list
 * from the oldest entry, from a cursor (@azr_rs_cursor, moved past an
 * entry that goes), taking azr_rs_lock for one step at a time; the entry
 * it tries is locked (a bit lock in @state, tried under azr_rs_lock) and
 * marked AZR_RS_PASS while it loads it, compresses it again and swaps
 * the objects.  ->load() and ->verify() take the same lock, so they wait
 * for the swap and never read an object being freed; aether_mm never
 * releases an entry while it loads or checks it, but ->release() may
 * come while the pass holds one: it then only marks it AZR_RS_GONE and
 * the pass frees it.  ->size() answers @charged, what the page took when
 * stored: aether_mm requires the answer not to change.
 *
 * Context.  ->store() runs inside a failing pool allocation: entries come
 * from Linux with GFP_NOIO | __GFP_NOWARN, the store's pool pages with
 * AEM_ALLOC_ATOMIC (no recursion into the pool's reclaim) and
 * AEM_ALLOC_HIGH: the pool is empty when reclaim runs, and the store must
 * have a page to free several, as Linux's reclaim dips into the reserves
 * (PF_MEMALLOC).  Each page stored gives its frame back, so the reserve
 * refills as soon as the first span is full.  ->release()
 * must not sleep or allocate: it only takes spinlocks (5, then the pool's
 * 6, 7, never nested here).  ->load() and ->store() take a stream of the
 * store's compressor (lock 4, a mutex).
 *
 * One store table at a time.  aether_mm's debugfs store_loopback installs
 * a loopback table for its own tests; while it is installed this module
 * cannot register.  The module parameter region_store says whether the
 * table is registered: 1 (the default) at load registers it, and loading
 * fails with -EBUSY (and a message) when another table is there; 0 loads
 * the block devices only.  Writing it later registers (-EBUSY as above)
 * or unregisters the table, so that the loopback's tests and this
 * store's can take turns in one boot.  While this store is registered,
 * writing 1 to store_loopback fails with -EBUSY.  Unregistering (a write
 * of 0, or unloading) has aether_mm bring every stored page back into a
 * frame of its region; the store itself lives until unload.
 *
 * Lock order: azr_rs_mutex (a mutex) is outermost, above aether_mm's
 * locks: it is held around aem_register_store() and
 * aem_unregister_store(), which wait for the callbacks; it is taken by a
 * write of region_store or of store_adaptive's parameters (under the
 * module's parameter lock) and at load and unload, never by a callback
 * or the background pass.  Unregistering stops the pass first.  An
 * entry's lock (3b of internal.h) is held across its (de)compression (4,
 * then the pool's 6, 7) and taken before azr_rs_lock, which the pass
 * takes with it held to put it back; the pass takes it under azr_rs_lock
 * only by trylock.  azr_rs_lock (5, a spinlock) guards the list of live
 * entries, the pass's cursor and the AZR_RS_PASS and AZR_RS_GONE bits;
 * nothing but that trylock is taken inside it.
 *
 * Checksums (csum.c).  The module parameter store_checksum (none, the
 * default, crc32c or xxh64) has each entry keep the checksum of its page
 * (a u64 at the entry's end, from a cache of entries that have one; the
 * entries without take no more room than before), checked at every
 * ->load(): a mismatch fails the load with -EIO, which aether_mm turns
 * into SIGBUS for the faulting process (the page stays stored), counted
 * in checksum_errors and reported, rate-limited.  It may be changed only
 * while the table is not registered (-EBUSY otherwise), when the store
 * holds no entry: every entry has the kind of checksum of its cache.
 * aether_mm's integrity checks (VERIFY, aether_kverifyd) ask the store
 * about a stored page through ->verify() (azr_rs_check()): the copy is
 * decompressed into a bounce page and checked, its bytes given to
 * nobody; a mismatch is counted here as a load's and poisons the page
 * in aether_mm (region/verify.c).
 *
 * debugfs aether/zram/store/: "stats" (key value lines: the store's
 * counters, its pool, the calls aether_mm made), "classes" (the pool's
 * size classes, as zsmalloc's) and "corrupt" (root's, write-only: 1 has
 * the next page ->store() keeps be stored with a byte flipped under the
 * checksum of its true bytes, azr_corrupt_entry(); 0 takes that back).
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <aether/mm.h>

#include "internal.h"

#define AZR_RS_GFP	(GFP_NOIO | __GFP_NOWARN)

/* Bits of struct azr_rs_entry's @state. */
enum azr_rs_state_bits {
	AZR_RS_LOCKED,		/* the entry's lock (3b of internal.h) */
	AZR_RS_PASS,		/* the background pass holds it (azr_rs_lock) */
	AZR_RS_GONE,		/* released meanwhile: the pass frees it */
};

/**
 * struct azr_rs_entry - one region page in the store
 * @e:		what names its bytes in azr_rs, and which compressor
 *		wrote them (AZR_E_COMP_MASK)
 * @link:	on azr_rs_entries, the newest first
 * @state:	enum azr_rs_state_bits
 * @stored_at:	when it was stored, boot time in seconds (its idle age)
 * @charged:	the bytes ->size() answers, its object's when it was
 *		stored, whatever the background pass makes of it later
 * @tried:	azr_rsa_tag() of the compressor that could not shrink it
 * @csum:	the checksum of its page, in the entries of
 *		azr_rs_csum_cache only
 */
struct azr_rs_entry {
	struct azr_entry e;
	struct list_head link;
	unsigned long state;
	u32 stored_at;
	u16 charged;
	u16 tried;
	u64 csum[];
};

/* A compressed object is under PAGE_SIZE: huge pages are refused. */
static_assert(PAGE_SIZE - 1 <= U16_MAX);

static bool region_store = true;
static char *store_algo = "lz4";
static int store_level;

static struct azr_store azr_rs;
DEFINE_MUTEX(azr_rs_mutex);		/* registration; see the top */
static bool azr_rs_ready;		/* azr_rs exists (load to unload) */
static bool azr_rs_on;			/* registered with aether_mm */
static unsigned int azr_rs_csum;	/* enum azr_csum (store_checksum) */
static struct kmem_cache *azr_rs_cache;
static struct kmem_cache *azr_rs_csum_cache;
static struct page *azr_rs_corrupt_page; /* armed: the next store's bounce */
static DEFINE_SPINLOCK(azr_rs_lock);	/* lock 5: azr_rs_entries, cursor */
static LIST_HEAD(azr_rs_entries);
/* The entry the background pass looks at next; NULL: the oldest. */
static struct azr_rs_entry *azr_rs_cursor;
static struct dentry *azr_rs_dir;

static atomic_long_t azr_rs_stores, azr_rs_store_failed, azr_rs_incompressible;
static atomic_long_t azr_rs_loads, azr_rs_load_failed;
static atomic_long_t azr_rs_releases, azr_rs_drained;
static atomic_long_t azr_rs_csum_errors, azr_rs_corrupted;
static atomic_long_t azr_rs_verified, azr_rs_verify_failed;

/* Where the entries come from: the kind of checksum holds still meanwhile. */
static struct kmem_cache *azr_rs_entry_cache(void)
{
	return azr_rs_csum ? azr_rs_csum_cache : azr_rs_cache;
}

static void azr_rs_link(struct azr_rs_entry *re)
{
	spin_lock(&azr_rs_lock);
	list_add(&re->link, &azr_rs_entries);
	spin_unlock(&azr_rs_lock);
}

/* Off the list, azr_rs_lock held; the pass's cursor moves past it. */
static void azr_rs_unlink(struct azr_rs_entry *re)
{
	lockdep_assert_held(&azr_rs_lock);
	if (azr_rs_cursor == re)
		azr_rs_cursor = re->link.prev == &azr_rs_entries ? NULL :
				list_prev_entry(re, link);
	list_del(&re->link);
}

/* Free an entry off the list: its object, its compressor's reference. */
static void azr_rs_destroy(struct azr_rs_entry *re)
{
	unsigned int idx = azr_entry_comp(&re->e);
	bool compressed = !(re->e.flags & (AZR_E_SAME | AZR_E_HUGE));

	azr_free_entry(&azr_rs, &re->e);
	if (compressed)
		azr_rsa_entry_del(idx);
	kmem_cache_free(azr_rs_entry_cache(), re);
}

static void azr_rs_free(struct azr_rs_entry *re)
{
	spin_lock(&azr_rs_lock);
	azr_rs_unlink(re);
	spin_unlock(&azr_rs_lock);
	azr_rs_destroy(re);
}

/*
 * The entry's lock: a load or a check of it waits for the background
 * pass to be done with it (lockdep sees the bit lock as azr_rs_entry_map).
 */
static struct lock_class_key azr_rs_entry_key;
static struct lockdep_map azr_rs_entry_map __maybe_unused;

static void azr_rs_lock_entry(struct azr_rs_entry *re)
{
	/* Before waiting: a deadlock through the bit is reported, not hung. */
	mutex_acquire(&azr_rs_entry_map, 0, 0, _RET_IP_);
	wait_on_bit_lock(&re->state, AZR_RS_LOCKED, TASK_UNINTERRUPTIBLE);
}

static void azr_rs_unlock_entry(struct azr_rs_entry *re)
{
	mutex_release(&azr_rs_entry_map, _RET_IP_);
	clear_and_wake_up_bit(AZR_RS_LOCKED, &re->state);
}

/*
 * Armed by debugfs "corrupt": the entry just stored, not yet anyone's
 * but ours, is replaced by one of its page with a byte flipped.  On
 * failure the knob stays armed for the next page.
 */
static void azr_rs_corrupt_maybe(struct azr_rs_entry *re)
{
	struct page *bounce = xchg(&azr_rs_corrupt_page, NULL);

	if (!bounce)
		return;
	if (azr_corrupt_entry(&azr_rs, &re->e, bounce, AZR_RS_GFP,
			      AEM_ALLOC_ATOMIC | AEM_ALLOC_HIGH)) {
		if (cmpxchg(&azr_rs_corrupt_page, NULL, bounce))
			__free_page(bounce);
		return;
	}
	__free_page(bounce);
	atomic_long_inc(&azr_rs_corrupted);
}

static int azr_rs_store(struct aem_frame *frame, unsigned long *handle)
{
	struct azr_rs_entry *re;
	unsigned int idx;
	int err;

	re = kmem_cache_alloc(azr_rs_entry_cache(), AZR_RS_GFP);
	if (!re) {
		err = -ENOMEM;
		goto failed;
	}
	/* The store's own compressor, or adaptive's (store_adaptive.c). */
	idx = azr_rsa_get();
	err = azr_store_page_comp(&azr_rs, idx, aem_frame_page(frame), 0,
				  &re->e, AZR_RS_GFP,
				  AEM_ALLOC_ATOMIC | AEM_ALLOC_HIGH);
	if (err)
		goto failed_put;
	/*
	 * A page that does not compress would take a pool page (from the
	 * reserve, at that) to free one: reclaim would gain nothing and a
	 * region of random bytes would drain the reserve.  Leave it in its
	 * frame, as zswap refuses such pages.
	 */
	if (re->e.flags & AZR_E_HUGE) {
		azr_free_entry(&azr_rs, &re->e);
		atomic_long_inc(&azr_rs_incompressible);
		err = -E2BIG;
		goto failed_put;
	}
	if (azr_rs_csum)
		re->csum[0] = azr_csum_page(azr_rs_csum, aem_frame_page(frame));
	azr_rs_corrupt_maybe(re);
	/* The entry keeps a reference to the compressor that wrote it. */
	if (!(re->e.flags & AZR_E_SAME))
		azr_rsa_entry_add(azr_entry_comp(&re->e));
	if ((re->e.flags & AZR_E_SAME) || azr_entry_comp(&re->e) != idx)
		azr_rsa_put(idx);
	re->state = 0;
	re->stored_at = ktime_get_boottime_seconds();
	re->charged = re->e.flags & AZR_E_SAME ? 0 : re->e.size;
	re->tried = 0;
	azr_rs_link(re);
	atomic_long_inc(&azr_rs_stores);
	/* A kernel address: always a handle a region slot holds. */
	*handle = (unsigned long)re;
	return 0;
failed_put:
	azr_rsa_put(idx);
	kmem_cache_free(azr_rs_entry_cache(), re);
failed:
	atomic_long_inc(&azr_rs_store_failed);
	return err;
}

/* The page loaded from @re against its checksum: 0 or -EIO. */
static int azr_rs_verify(struct azr_rs_entry *re, struct page *page)
{
	u64 got;

	if (!azr_rs_csum)
		return 0;
	got = azr_csum_page(azr_rs_csum, page);
	if (likely(got == re->csum[0]))
		return 0;
	clear_highpage(page);
	atomic_long_inc(&azr_rs_csum_errors);
	pr_warn_ratelimited("region store: entry %p: %s mismatch (stored %#llx, read %#llx): I/O error\n",
			    re, azr_csum_name(azr_rs_csum), re->csum[0], got);
	return -EIO;
}

static int azr_rs_load(unsigned long handle, struct aem_frame *frame)
{
	struct azr_rs_entry *re = (struct azr_rs_entry *)handle;
	struct page *page = aem_frame_page(frame);
	int err;

	azr_rs_lock_entry(re);
	err = azr_load_page(&azr_rs, &re->e, page);
	azr_rs_unlock_entry(re);
	if (!err)
		err = azr_rs_verify(re, page);
	atomic_long_inc(err ? &azr_rs_load_failed : &azr_rs_loads);
	return err;
}

/*
 * aether_mm's integrity check of @handle's copy: decompressed into a
 * bounce page and checked against the entry's checksum (counted and
 * reported as a load's mismatch), the bytes given to nobody.
 * -EOPNOTSUPP without checksums.
 */
static int azr_rs_check(unsigned long handle)
{
	struct azr_rs_entry *re = (struct azr_rs_entry *)handle;
	struct page *bounce;
	int err;

	if (!azr_rs_csum)
		return -EOPNOTSUPP;
	bounce = alloc_page(GFP_NOIO | __GFP_NOWARN);
	if (!bounce)
		return -ENOMEM;
	azr_rs_lock_entry(re);
	err = azr_load_page(&azr_rs, &re->e, bounce);
	azr_rs_unlock_entry(re);
	if (!err)
		err = azr_rs_verify(re, bounce);
	__free_page(bounce);
	atomic_long_inc(err ? &azr_rs_verify_failed : &azr_rs_verified);
	return err;
}

/*
 * Forget @handle.  aether_mm never releases an entry while it loads or
 * checks it, but the background pass may hold it: then the pass frees
 * it when it is done (AZR_RS_GONE), as release must not wait.
 */
static void azr_rs_release(unsigned long handle)
{
	struct azr_rs_entry *re = (struct azr_rs_entry *)handle;

	atomic_long_inc(&azr_rs_releases);
	spin_lock(&azr_rs_lock);
	if (test_bit(AZR_RS_PASS, &re->state)) {
		set_bit(AZR_RS_GONE, &re->state);
		spin_unlock(&azr_rs_lock);
		return;
	}
	azr_rs_unlink(re);
	spin_unlock(&azr_rs_lock);
	azr_rs_destroy(re);
}

/*
 * The bytes @handle's page takes in the store, for its region's group:
 * its compressed object (zswap's entry->length); a same-filled page,
 * kept as a value in the entry, takes none, as zswap charges none.
 * The answer must not change while the page is stored: it is the size
 * the object had when stored, even after the background pass shrank it
 * (the group is charged no less than it was).
 */
static size_t azr_rs_size(unsigned long handle)
{
	struct azr_rs_entry *re = (struct azr_rs_entry *)handle;

	return re->charged;
}

/* What aether_mm could not bring back: its handles are forgotten. */
static void azr_rs_drain(void)
{
	struct azr_rs_entry *re;

	for (;;) {
		spin_lock(&azr_rs_lock);
		re = list_first_entry_or_null(&azr_rs_entries,
					      struct azr_rs_entry, link);
		spin_unlock(&azr_rs_lock);
		if (!re)
			break;
		azr_rs_free(re);
		atomic_long_inc(&azr_rs_drained);
	}
}

/* ---- the background pass of adaptive compression ------------------------- */

/**
 * struct azr_rs_walk - where a background pass is
 * @idx:	the compressor it stores with
 * @tag:	azr_rsa_tag() of it
 * @cutoff:	entries stored after this (boot time, seconds) are not idle
 * @looked:	entries looked at
 * @batch:	... at most
 * @round:	it went past the newest entry: the next pass starts again
 *		from the oldest
 * @paused:	azr_rs_pass_next() let azr_rs_lock go after
 *		AZR_RS_WALK_STEP entries it could not take
 */
struct azr_rs_walk {
	unsigned int idx;
	u16 tag;
	u32 cutoff;
	unsigned int looked;
	unsigned int batch;
	bool round;
	bool paused;
};

/* Entries the pass looks at under one hold of azr_rs_lock, at most. */
#define AZR_RS_WALK_STEP	32

/*
 * The next entry from the cursor that the pass may try, its lock taken
 * (AZR_RS_PASS: a release meanwhile leaves it to the pass); NULL when
 * the walk reached an entry stored after @w->cutoff (the cursor stays on
 * it: the ones after were stored later still), went round, or looked at
 * its batch; NULL and @w->paused after AZR_RS_WALK_STEP entries it could
 * not take, so that the lock is not held across a long run of them.
 */
static struct azr_rs_entry *azr_rs_pass_next(struct azr_rs_walk *w)
{
	struct azr_rs_entry *re, *found = NULL;
	unsigned int steps = 0;

	w->paused = false;
	spin_lock(&azr_rs_lock);
	while (!w->round && w->looked < w->batch &&
	       !list_empty(&azr_rs_entries)) {
		if (steps++ == AZR_RS_WALK_STEP) {
			w->paused = true;
			break;
		}
		re = azr_rs_cursor ?: list_last_entry(&azr_rs_entries,
						      struct azr_rs_entry, link);
		if ((s32)(re->stored_at - w->cutoff) > 0)
			break;
		azr_rs_cursor = re->link.prev == &azr_rs_entries ? NULL :
				list_prev_entry(re, link);
		w->round = !azr_rs_cursor;
		w->looked++;
		if (!(re->e.flags & AZR_E_SAME) &&
		    azr_entry_comp(&re->e) != w->idx && re->tried != w->tag &&
		    !test_and_set_bit_lock(AZR_RS_LOCKED, &re->state)) {
			mutex_acquire(&azr_rs_entry_map, 0, 1, _RET_IP_);
			set_bit(AZR_RS_PASS, &re->state);
			found = re;
			break;
		}
	}
	spin_unlock(&azr_rs_lock);
	return found;
}

/*
 * The pass is done with @re: unlock it, or free it if it was released.
 * The lock bit goes with AZR_RS_PASS under azr_rs_lock: once that is
 * dropped, a ->release() frees the entry at once, so nothing of it may
 * be written after.  wake_up_bit() only hashes the address; a waiter on
 * it is a load or a check, which aether_mm never overlaps with the
 * entry's release, so a gone entry has none.
 */
static void azr_rs_pass_put(struct azr_rs_entry *re)
{
	bool gone;

	spin_lock(&azr_rs_lock);
	gone = test_bit(AZR_RS_GONE, &re->state);
	if (gone)
		azr_rs_unlink(re);
	clear_bit(AZR_RS_PASS, &re->state);
	mutex_release(&azr_rs_entry_map, _RET_IP_);
	clear_bit_unlock(AZR_RS_LOCKED, &re->state);
	smp_mb__after_atomic();	/* the bit cleared before wake_up_bit() looks */
	spin_unlock(&azr_rs_lock);
	if (gone)
		azr_rs_destroy(re);
	else
		wake_up_bit(&re->state, AZR_RS_LOCKED);
}

/*
 * Store @re's page anew with compressor @idx if that takes a smaller
 * size class: 1 done, 0 not smaller, else -errno.  Its lock is held.  The
 * new object comes from the pool without reclaim and from no reserve,
 * its descriptors from Linux without reclaim either (GFP_NOWAIT): a
 * fault may be waiting for this entry while holding what reclaim takes.
 */
static int azr_rs_restore(struct azr_rs_entry *re, unsigned int idx,
			  struct page *bounce, struct azr_rs_pass_stats *ps)
{
	struct azr_entry new, old = re->e;
	unsigned int old_idx = azr_entry_comp(&old);
	u32 old_size = old.size;
	int ret;

	ret = azr_load_page(&azr_rs, &old, bounce);
	if (!ret && azr_rs_csum &&
	    azr_csum_page(azr_rs_csum, bounce) != re->csum[0])
		ret = -EIO;	/* left for the load to report */
	if (!ret)
		ret = azr_store_recompress(&azr_rs, idx, bounce, &old, 0, &new,
					   GFP_NOWAIT | __GFP_NOWARN,
					   AEM_ALLOC_ATOMIC);
	if (ret < 0) {
		atomic64_inc(&ps->failed);
		return ret;
	}
	if (!ret) {
		re->tried = azr_rsa_tag(idx);
		atomic64_inc(&ps->not_shrunk);
		return 0;
	}
	/* Loads wait for the entry's lock: none reads @old any more. */
	azr_rsa_hold(idx);
	azr_rsa_entry_add(idx);
	re->e = new;
	azr_free_entry(&azr_rs, &old);
	azr_rsa_entry_del(old_idx);
	atomic64_inc(&ps->restored);
	atomic64_add(old_size - new.size, &ps->bytes_saved);
	return 1;
}

/**
 * azr_rs_pass() - one background pass: idle entries stored anew with
 *		   compressor @idx
 * @idx:	a compressor of the store (not 0), held by the caller
 * @idle_secs:	only entries stored at least this long ago
 * @batch:	entries to look at, at most
 * @ps:		what it did is added here
 *
 * The walk goes from the oldest entry to the newest, from where the last
 * pass stopped, and stops at the first entry not idle long enough (the
 * next pass starts there), after @batch entries, or when it went round
 * (the next starts from the oldest again).  azr_rs_lock is held for one
 * step of the walk at a time (up to AZR_RS_WALK_STEP entries skipped);
 * the entry tried is locked meanwhile, so a load of it waits for its new
 * object.
 *
 * Context: process context (the pass's work), no lock held; the store
 * registered: azr_rsa_stop() waits for a pass before unregistering.
 */
void azr_rs_pass(unsigned int idx, unsigned int idle_secs, unsigned int batch,
		 struct azr_rs_pass_stats *ps)
{
	struct azr_rs_walk w = {
		.idx = idx,
		.tag = azr_rsa_tag(idx),
		.cutoff = (u32)ktime_get_boottime_seconds() - idle_secs,
		.batch = batch,
	};
	struct azr_rs_entry *re;
	struct page *bounce;

	bounce = alloc_page(GFP_KERNEL);
	if (!bounce)
		return;
	for (;;) {
		int ret;

		re = azr_rs_pass_next(&w);
		if (!re) {
			if (!w.paused)
				break;
			cond_resched();
			continue;
		}
		ret = azr_rs_restore(re, idx, bounce, ps);
		azr_rs_pass_put(re);
		if (ret == -ENOMEM)
			break;	/* the pool is short: the next pass */
		cond_resched();
	}
	__free_page(bounce);
	atomic64_add(w.looked, &ps->looked);
}

/**
 * azr_rs_registered() - is the store's table registered with aether_mm?
 */
bool azr_rs_registered(void)
{
	return READ_ONCE(azr_rs_on);
}

static const struct aem_store_ops azr_rs_ops = {
	.owner = THIS_MODULE,
	.store = azr_rs_store,
	.load = azr_rs_load,
	.release = azr_rs_release,
	.drain = azr_rs_drain,
	.size = azr_rs_size,
	.verify = azr_rs_check,
};

/* ---- debugfs ------------------------------------------------------------ */

static int azr_rs_stats_show(struct seq_file *m, void *unused)
{
	struct azs_stats ps;

	azs_get_stats(azr_rs.pool, &ps);
	seq_printf(m, "algorithm %s\n", azr_algo_name(azr_comp_algo(azr_rs.comp)));
	seq_printf(m, "level %d\n", azr_comp_level(azr_rs.comp));
	seq_printf(m, "registered %d\n", READ_ONCE(azr_rs_on));
	seq_printf(m, "pages_stored %lld\n", atomic64_read(&azr_rs.pages_stored));
	seq_printf(m, "compr_data_size %lld\n",
		   atomic64_read(&azr_rs.compr_data_size));
	seq_printf(m, "same_pages %lld\n", atomic64_read(&azr_rs.same_pages));
	seq_printf(m, "huge_pages %lld\n", atomic64_read(&azr_rs.huge_pages));
	seq_printf(m, "huge_pages_since %lld\n",
		   atomic64_read(&azr_rs.huge_pages_since));
	seq_printf(m, "pool_pages %lu\n", ps.pages);
	seq_printf(m, "pool_objects %lu\n", ps.objects);
	seq_printf(m, "pool_pages_compacted %lu\n", ps.pages_compacted);
	seq_printf(m, "stores %ld\n", atomic_long_read(&azr_rs_stores));
	seq_printf(m, "store_failed %ld\n",
		   atomic_long_read(&azr_rs_store_failed));
	seq_printf(m, "incompressible %ld\n",
		   atomic_long_read(&azr_rs_incompressible));
	seq_printf(m, "loads %ld\n", atomic_long_read(&azr_rs_loads));
	seq_printf(m, "load_failed %ld\n", atomic_long_read(&azr_rs_load_failed));
	seq_printf(m, "releases %ld\n", atomic_long_read(&azr_rs_releases));
	seq_printf(m, "drained %ld\n", atomic_long_read(&azr_rs_drained));
	seq_printf(m, "checksum %s\n", azr_csum_name(READ_ONCE(azr_rs_csum)));
	seq_printf(m, "checksum_errors %ld\n",
		   atomic_long_read(&azr_rs_csum_errors));
	seq_printf(m, "verified %ld\n", atomic_long_read(&azr_rs_verified));
	seq_printf(m, "verify_failed %ld\n",
		   atomic_long_read(&azr_rs_verify_failed));
	seq_printf(m, "corrupted %ld\n", atomic_long_read(&azr_rs_corrupted));
	seq_printf(m, "corrupt_armed %d\n", !!READ_ONCE(azr_rs_corrupt_page));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(azr_rs_stats);

static int azr_rs_classes_show(struct seq_file *m, void *unused)
{
	return azs_show_classes(m, azr_rs.pool);
}
DEFINE_SHOW_ATTRIBUTE(azr_rs_classes);

/* 1 arms a corruption of the next page stored, 0 disarms. */
static ssize_t azr_rs_corrupt_write(struct file *file,
				    const char __user *ubuf, size_t len,
				    loff_t *ppos)
{
	struct page *bounce = NULL, *old;
	bool arm;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtobool_from_user(ubuf, len, &arm);
	if (err)
		return err;
	if (arm) {
		bounce = alloc_page(GFP_KERNEL);
		if (!bounce)
			return -ENOMEM;
	}
	old = xchg(&azr_rs_corrupt_page, bounce);
	if (old)
		__free_page(old);
	return len;
}

static const struct file_operations azr_rs_corrupt_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= azr_rs_corrupt_write,
	.llseek		= noop_llseek,
};

static void azr_rs_debugfs_init(void)
{
	struct dentry *parent = azr_debugfs_dir();

	if (IS_ERR_OR_NULL(parent))
		return;
	azr_rs_dir = debugfs_create_dir("store", parent);
	debugfs_create_file("stats", 0400, azr_rs_dir, NULL,
			    &azr_rs_stats_fops);
	debugfs_create_file("classes", 0400, azr_rs_dir, NULL,
			    &azr_rs_classes_fops);
	debugfs_create_file("corrupt", 0200, azr_rs_dir, NULL,
			    &azr_rs_corrupt_fops);
}

/* ---- load and unload ---------------------------------------------------- */

static int azr_rs_params(unsigned int *algo, int *level)
{
	int ret = azr_algo_parse(store_algo);

	if (ret < 0) {
		pr_err("store_algo=%s: lz4, lz4hc or zstd\n", store_algo);
		return ret;
	}
	*algo = ret;
	*level = azr_level_check(*algo, store_level);
	if (*level < 0) {
		pr_err("store_level=%d is out of %s's range\n", store_level,
		       store_algo);
		return -EINVAL;
	}
	return 0;
}

/* Register the table.  Called with azr_rs_mutex held. */
static int azr_rs_register(void)
{
	int err;

	lockdep_assert_held(&azr_rs_mutex);
	err = aem_register_store(&azr_rs_ops);
	if (err == -EBUSY)
		pr_err("another store is registered (aether_mm's store_loopback?), or pages of one that went remain\n");
	if (!err) {
		WRITE_ONCE(azr_rs_on, true);
		azr_rsa_start();
	}
	return err;
}

/*
 * Unregister the table: every stored page comes back to its region first.
 * Called with azr_rs_mutex held.  The table is gone even on error.
 */
static int azr_rs_unregister(void)
{
	int err;

	lockdep_assert_held(&azr_rs_mutex);
	/* No background pass from here: ->drain() frees what it would hold. */
	WRITE_ONCE(azr_rs_on, false);
	azr_rsa_stop();
	err = aem_unregister_store(&azr_rs_ops);
	if (err)
		pr_warn("some stored region pages did not come back (%d)\n",
			err);
	return err;
}

/**
 * azr_store_backend_init() - make the region store; register it if asked
 *
 * The store is made in every case, so that a later write of region_store
 * can register it.
 * Context: module load.
 *
 * Return: 0; -EINVAL for bad store_algo or store_level; -EBUSY when
 * region_store=1 and another store table is registered (aether_mm's
 * loopback); -ENOMEM.
 */
int azr_store_backend_init(void)
{
	unsigned int algo;
	int level, err;

	err = azr_rs_params(&algo, &level);
	if (err)
		return err;
	lockdep_init_map(&azr_rs_entry_map, "azr_rs_entry_lock",
			 &azr_rs_entry_key, 0);
	azr_rs_cache = KMEM_CACHE(azr_rs_entry, 0);
	if (!azr_rs_cache)
		return -ENOMEM;
	err = -ENOMEM;
	azr_rs_csum_cache = kmem_cache_create("azr_rs_entry_csum",
					      sizeof(struct azr_rs_entry) +
					      sizeof(u64),
					      0, 0, NULL);
	if (!azr_rs_csum_cache)
		goto out_cache;
	err = azr_store_init(&azr_rs, "region", algo, level);
	if (err)
		goto out_csum_cache;
	azr_rs_debugfs_init();
	mutex_lock(&azr_rs_mutex);
	err = azr_rsa_init(&azr_rs, azr_rs_dir);
	if (!err && region_store) {
		err = azr_rs_register();
		if (err)
			azr_rsa_exit();
	}
	if (!err)
		azr_rs_ready = true;
	mutex_unlock(&azr_rs_mutex);
	if (err)
		goto out_store;
	return 0;

out_store:
	debugfs_remove_recursive(azr_rs_dir);
	azr_store_destroy(&azr_rs);
out_csum_cache:
	kmem_cache_destroy(azr_rs_csum_cache);
out_cache:
	kmem_cache_destroy(azr_rs_cache);
	return err;
}

/**
 * azr_store_backend_exit() - unregister the region store and free it
 *
 * aether_mm brings every stored page back into its region first; what
 * it could not (it says so in the log) is dropped by ->drain().
 * Context: module unload, may sleep.
 */
void azr_store_backend_exit(void)
{
	struct page *page;

	mutex_lock(&azr_rs_mutex);
	if (azr_rs_on)
		azr_rs_unregister();
	azr_rs_ready = false;
	azr_rsa_exit();
	mutex_unlock(&azr_rs_mutex);
	debugfs_remove_recursive(azr_rs_dir);
	page = xchg(&azr_rs_corrupt_page, NULL);
	if (page)
		__free_page(page);
	azr_store_destroy(&azr_rs);
	kmem_cache_destroy(azr_rs_csum_cache);
	kmem_cache_destroy(azr_rs_cache);
}

/**
 * azr_store_backend_info() - the region store's figures for INFO
 * @info:	@store_pages (pool pages the store holds) and @store_stored
 *		(region pages it holds) are filled
 *
 * Context: the INFO ioctl; the devices, and with them the control file,
 * go before the store at unload.
 */
void azr_store_backend_info(struct aether_zram_info *info)
{
	struct azs_stats ps;

	info->store_pages = 0;
	info->store_stored = 0;
	if (!READ_ONCE(azr_rs_ready))
		return;
	azs_get_stats(azr_rs.pool, &ps);
	info->store_pages = ps.pages;
	info->store_stored = atomic64_read(&azr_rs.pages_stored);
}

/*
 * region_store: at load, only the value; once loaded, a write registers
 * or unregisters the table (see the top of the file).
 */
static int azr_rs_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&azr_rs_mutex);
	if (azr_rs_ready && on && !azr_rs_on)
		err = azr_rs_register();
	else if (azr_rs_ready && !on && azr_rs_on)
		err = azr_rs_unregister();
	region_store = azr_rs_ready ? azr_rs_on : on;
	mutex_unlock(&azr_rs_mutex);
	return err;
}

static const struct kernel_param_ops azr_rs_param_ops = {
	.set = azr_rs_param_set,
	.get = param_get_bool,
};

module_param_cb(region_store, &azr_rs_param_ops, &region_store, 0644);
MODULE_PARM_DESC(region_store, "Register the region store backend of aether_mm (default 1); write 0 or 1 to unregister or register it");
/*
 * store_checksum: the kind of checksum of the entries stored from now;
 * -EBUSY while the table is registered or the store holds an entry.
 */
static int azr_rs_csum_param_set(const char *val,
				 const struct kernel_param *kp)
{
	char name[16];
	bool busy;
	int type;

	if (strscpy(name, val, sizeof(name)) < 0)
		return -EINVAL;
	type = azr_csum_parse(strim(name));
	if (type < 0)
		return type;
	mutex_lock(&azr_rs_mutex);
	spin_lock(&azr_rs_lock);
	busy = azr_rs_on || !list_empty(&azr_rs_entries);
	spin_unlock(&azr_rs_lock);
	if (!busy)
		WRITE_ONCE(azr_rs_csum, type);
	mutex_unlock(&azr_rs_mutex);
	return busy ? -EBUSY : 0;
}

static int azr_rs_csum_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 azr_csum_name(READ_ONCE(azr_rs_csum)));
}

static const struct kernel_param_ops azr_rs_csum_param_ops = {
	.set = azr_rs_csum_param_set,
	.get = azr_rs_csum_param_get,
};

module_param_cb(store_checksum, &azr_rs_csum_param_ops, NULL, 0644);
MODULE_PARM_DESC(store_checksum, "Checksum of each region page stored: none (default), crc32c, xxh64; changed only while region_store is 0");
module_param(store_algo, charp, 0444);
MODULE_PARM_DESC(store_algo, "Compression algorithm of the region store: lz4 (default), lz4hc, zstd");
module_param(store_level, int, 0444);
MODULE_PARM_DESC(store_level, "Its level; 0 for the algorithm's default");
