// SPDX-License-Identifier: GPL-2.0
/*
 * region/store.c - region pages in the store backend, and back
 *
 * A layer slot holds a frame or a stored page: the handle the store
 * backend returned for the page's contents (region.h).  Reclaim puts a
 * cold frame there (evict.c, aem_cold_page_set_stored()); a fault brings
 * it back (aem_unstore(), through aem_lookup()); when the backend
 * unregisters, every stored page comes back first
 * (aem_region_unstore_all()).
 *
 * Stored bytes.  A group's usage is exact (issue 14): its regions'
 * resident frames and their stored pages' compressed bytes, as memcg
 * counts zswap's compressed bytes in memory.current
 * (Documentation/admin-guide/cgroup-v2.rst, memory.zswap.current;
 * memory.stat's zswap and zswapped).  A page that goes to the store
 * (evict.c) has its frame uncharged and the bytes the store says it holds
 * for the handle (aem_store_ops @size, at least AEM_STORE_ENTRY_BYTES,
 * the entry's cost: a same-filled page is not free) charged, never refused
 * (aem_region_charge_stored()); a page loaded back has its frame charged
 * first (refusable: over max it stays stored) and its bytes uncharged
 * after the load; a stored page released with its layer has its bytes
 * uncharged (layer.c).  Each region keeps the count and the bytes under
 * @pol_lock, so that an attach moves them with its frames (qos.c).  A
 * store that goes brings every page back (each uncharged as a load);
 * what it gives up is uncharged all at once (aem_region_stored_forget()),
 * so nothing stays charged for pages nobody can load.  A copy kept for
 * repair (verify.c) is counted apart, as integrity bytes (region.h,
 * aem_region_charge_kept()), from the moment it is kept.
 * A stored shared frame (share.c) is no region's: its bytes count once,
 * in the group its frame counted in (its creator's), until it is loaded
 * back or released.
 *
 * See region.h for the objects and the lock order.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include "region.h"
#include "../trace.h"

#define AEM_UNSTORE_WAIT_MS	10000	/* for stored pages, at unregistration */

/*
 * Pages the store backend holds, all regions: the sum of their @stored,
 * but for a stored shared frame (share.c), one page here, one handle, and
 * one in @stored of each user's region (a slot of it is stored).
 */
atomic_long_t aem_stored_pages;

/*
 * Bring the page stored at @idx of @l (entry @e, of either stored kind:
 * slot.h) back into a frame of the pool, in its place, allocated with
 * @flags added (AEM_ALLOC_HIGH when the backend is going).  The store's
 * copy of a page with a checksum is kept for repair (verify.c, "Kept
 * copies"), else released.  A stored
 * shared frame comes back once for all its users, as a shared frame
 * (aem_share_unstore()).  Slot lock held.
 */
struct aem_frame *aem_unstore(struct aem_layer *l, pgoff_t idx, void *e,
			      unsigned int flags)
{
	struct aem_region *r = l->region;
	const struct aem_store_ops *ops;
	unsigned long handle;
	struct aem_frame *f;
	int sidx, err;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (aem_slot_shared(e))
		return aem_share_unstore(l, idx, aem_slot_shared(e), flags);
	/* Its copy failed its check: a SIGBUS, never the wrong bytes. */
	if (aem_integ_stored_poisoned(l, idx))
		return ERR_PTR(-EIO);
	handle = aem_slot_stored_handle(e);
	/* Zeroed: a backend that writes less than a page leaks nothing. */
	f = aem_region_alloc(r, 0, AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_REGION) | AEM_ALLOC_ZERO |
			     flags);
	if (!f)
		return ERR_PTR(-ENOMEM);
	/*
	 * Charged before the load: a refusal leaves the page stored (over
	 * max, the fault or ioctl reclaims and tries again: region.h).
	 * When the backend is going, the page must come back all the same.
	 */
	if (flags & AEM_ALLOC_HIGH)
		err = aem_region_charge(r, aem_frame_nid(f), 1,
					AEM_CHARGE_NOFAIL);
	else
		err = aem_region_charge_new(r, idx, aem_frame_nid(f), 1);
	if (err) {
		aem_free_pages(f, 0);
		return ERR_PTR(err);
	}
	ops = aem_store_get(&sidx, false);
	/* No backend: one that went gave up on this page (it said so). */
	err = ops ? ops->load(handle, f) : -EIO;
	/* Checked against the core's checksum before the copy goes. */
	if (!err)
		err = aem_integ_loaded(r, l, idx, f, ops, handle);
	/* Its bytes leave the group: a copy kept counts as integrity bytes. */
	if (!err)
		aem_region_uncharge_stored(r, aem_store_size(ops, handle));
	/* Or stays, until the page changes: a good copy to repair it from. */
	if (!err && !aem_integ_keep(l, idx, handle))
		ops->release(handle);
	aem_store_put(sidx);
	if (err) {
		aem_region_uncharge(r, aem_frame_nid(f), 1);
		aem_free_pages(f, 0);
		return ERR_PTR(err);
	}
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, aem_slot_mk_frame(f), GFP_KERNEL);
	aem_region_frame_add(r, l, idx, f);
	aem_region_stat_dec(r, AEM_RS_STORED);
	atomic_long_dec(&aem_stored_pages);
	aem_region_stat_inc(r, AEM_RS_STORE_INS);
	trace_aem_region_fault(r, idx, f, AEM_FAULT_STORED);
	return f;
}

/*
 * Bring every stored page of layer @l back (the backend is going).  Its
 * frames may come from the pool's reserve (AEM_ALLOC_HIGH): a page that
 * is not brought back is lost.  A page that finds no frame even there is
 * left stored, and so is every page after it (the pool is empty: trying
 * each would only fail again); the caller decides whether to wait.
 *
 * Return: pages left stored; *@err gets the last failure.
 */
static unsigned long aem_layer_unstore(struct aem_layer *l, int *err)
{
	struct aem_region *r = l->region;
	unsigned long idx, left = 0;
	struct aem_frame *f;
	void *e;

	xa_for_each(&l->slots, idx, e) {
		if (!aem_slot_is_stored(e))
			continue;
		if (*err == -ENOMEM) {
			left++;
			continue;
		}
		mutex_lock(aem_slot_lock(r, idx));
		e = xa_load(&l->slots, idx);
		f = aem_slot_is_stored(e) ?
		    aem_unstore(l, idx, e, AEM_ALLOC_HIGH) : NULL;
		mutex_unlock(aem_slot_lock(r, idx));
		if (IS_ERR(f)) {
			*err = PTR_ERR(f);
			left++;
		}
		cond_resched();
	}
	return left;
}

/*
 * Every stored page of @r's base and views' chains, back in frames.  A
 * chain gains a layer at each fork of a process mapping a PRIVATE region,
 * so the array may be large: when it cannot be had, the caller's next
 * walk tries again (until its deadline).
 * Return: pages left stored; *@err gets the last failure.
 */
static unsigned long aem_region_unstore(struct aem_region *r, int *err)
{
	unsigned long left = 0;
	struct aem_layer **ls;
	unsigned int k, nl;

	ls = aem_region_layers_get(r, &nl);
	if (!ls)
		return aem_region_stat(r, AEM_RS_STORED);
	for (k = 0; k < nl; k++)
		left += aem_layer_unstore(ls[k], err);
	aem_region_layers_put(r, ls, nl);
	return left;
}

/*
 * aem_region_next - the live region after @prev, for a walk that does not
 * allocate
 * @prev: the region the walk is at (its reference is dropped), or NULL to
 *	  start
 *
 * A referenced region stays on the list (see aem_region_release()), so the
 * walk goes on from it; regions created meanwhile may or may not be seen.
 *
 * Return: the region, with a reference, or NULL at the end.
 */
struct aem_region *aem_region_next(struct aem_region *prev)
{
	struct list_head *pos;
	struct aem_region *r = NULL;

	mutex_lock(&aem_regions_lock);
	pos = prev ? prev->link.next : aem_regions.next;
	if (pos != &aem_regions) {
		r = list_entry(pos, struct aem_region, link);
		kref_get(&r->ref);
	}
	mutex_unlock(&aem_regions_lock);
	if (prev)
		aem_region_put(prev);
	return r;
}

/*
 * The store went with pages of @r it could not give back: what @r's
 * group counts of them goes (their handles stay in the slots, for SIGBUS,
 * until the region goes; aem_region_uncharge_stored() then finds none).
 */
static void aem_region_stored_forget(struct aem_region *r)
{
	spin_lock(&r->pol_lock);
	if (r->pol_gen && r->pol_stored)
		aem_policy_uncharge_stored(r->pol_gen, r->pol_cookie,
					   r->pol_stored_bytes, r->pol_stored);
	r->pol_stored = 0;
	r->pol_stored_bytes = 0;
	spin_unlock(&r->pol_lock);
}

/* Forget what every region's group counts of its stored pages. */
static void aem_region_stored_forget_all(void)
{
	struct aem_region *r;

	for (r = aem_region_next(NULL); r; r = aem_region_next(r))
		aem_region_stored_forget(r);
}

/**
 * aem_region_unstore_all() - bring every stored page back into a frame
 *
 * Called by aem_unregister_store() once no new store can start.  Walks
 * every layer of every region reachable from its base or a view's chain,
 * taking frames from the pool's reserve if need be; a layer reachable
 * from neither (its view just torn down by munmap(), or held by an ioctl
 * in flight) releases its stored pages when it is freed, through the
 * backend, which is still there: so it then waits for the count of stored
 * pages to reach zero, walking again, for at most AEM_UNSTORE_WAIT_MS.
 * It does not wait for frames: when a walk finds the pool empty, the
 * reserve included, it gives up at once.  Copies kept for repair
 * (verify.c) are released by the same walks, and waited for the same way.
 *
 * Return: 0; -ENOMEM when the pool, reserve included, had no frame for
 * some pages; -ETIMEDOUT when pages were still stored at the deadline.
 * Either way their contents are lost (reported here); a fault on one
 * raises SIGBUS; and their groups no longer count their bytes.
 */
int aem_region_unstore_all(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(AEM_UNSTORE_WAIT_MS);
	struct aem_region *r;
	int err = 0;
	long left;

	for (;;) {
		for (r = aem_region_next(NULL); r; r = aem_region_next(r))
			if (aem_region_stat(r, AEM_RS_STORED))
				aem_region_unstore(r, &err);
		aem_integ_kept_drop_all();
		left = atomic_long_read(&aem_stored_pages) +
		       atomic_long_read(&aem_kept_pages);
		if (!left)
			return 0;
		if (err == -ENOMEM || time_after(jiffies, deadline))
			break;
		err = 0;
		msleep(20);
	}
	/* Lost: no group keeps counting them. */
	aem_region_stored_forget_all();
	if (err == -ENOMEM)
		pr_err("%ld stored pages found no frame, the pool's reserve included, before the store backend went: their contents are lost\n",
		       left);
	else
		pr_err("%ld stored pages did not come back before the store backend went: their contents are lost\n",
		       left);
	return err == -ENOMEM ? -ENOMEM : -ETIMEDOUT;
}
