// SPDX-License-Identifier: GPL-2.0
/*
 * evict.c - what a reclaim client may do with a cold page it is offered
 *
 * DOC: Overview
 *
 * aem_region_cold_pages() (access.c) offers cold region pages to a
 * callback, one at a time, under the page's slot lock.  The callback,
 * in another module (aether_zram's writeback, a reclaim client), takes a
 * page with these calls:
 *
 *  1. aem_cold_page_unmap(): the page leaves every page table (and every
 *     TLB); while the slot lock is held no process can map it again (a
 *     fault waits for the lock), so its bytes are stable: read them.
 *  2. then either aem_cold_page_set_stored(): the slot holds the store
 *     backend's handle in the frame's place, and the frame goes back to
 *     the pool; the next fault loads the page through the backend (the
 *     region's reclaim, reclaim.c, is one such client);
 *     or aem_cold_page_drop(): a page of zeroes leaves its slot empty, and
 *     the frame goes back to the pool; it reads as zeroes again.
 *  A callback that stops after step 1 leaves the page where it was: it
 *  faults back in, mapped again.
 *
 * Each call checks that it runs where it may: the slot lock of the page
 * held (lockdep), @frame still in the slot of @l that was offered.
 * Lock order: the caller's (aem_access_lock, views_lock, the slot lock),
 * then the store table's SRCU read lock, then the pool's locks.
 */
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include "../frame.h"
#include "region.h"

/* @frame is what @l holds at @idx, and the caller holds its slot lock. */
static bool aem_cold_page_ok(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, struct aem_frame *frame)
{
	lockdep_assert_held(aem_slot_lock(r, idx));
	/* A shared frame is never offered: it is no region's (share.c). */
	return !WARN_ON_ONCE(idx >= r->nr_pages || l->region != r ||
			     aem_slot_frame(xa_load(&l->slots, idx)) != frame ||
			     aem_frame_is_shared(frame));
}

/**
 * aem_cold_page_unmap - take an offered page out of every page table
 * @r: the region, as offered to the aem_cold_fn
 * @l: the layer holding the page, as offered
 * @idx: its data page index
 * @frame: its frame
 *
 * Context: inside an aem_cold_fn (the page's slot lock held).  May sleep
 * (unmap_mapping_range() takes the mapping's i_mmap_rwsem).
 *
 * Its checksum is taken here (region/verify.c), or checked when it has
 * one: a page that no longer matches it is poisoned, not stored.
 *
 * Return: 0, the page mapped nowhere until the slot lock is released;
 * -EBUSY when a kernel reader (REGION_CHECKSUM) holds the frame; -EINVAL
 * when @frame is not at @idx of @l; -EIO when the page failed its
 * integrity check (now poisoned), -EHWPOISON when it was poisoned before.
 */
int aem_cold_page_unmap(struct aem_region *r, struct aem_layer *l,
			pgoff_t idx, struct aem_frame *frame)
{
	if (!aem_cold_page_ok(r, l, idx, frame))
		return -EINVAL;
	if (aem_frame_ref_count(frame) != 1)
		return -EBUSY;
	aem_region_zap_page(r, idx);
	/* The core's checksum, before the backend sees a byte (verify.c). */
	return aem_integ_store_out(r, l, idx, frame);
}
EXPORT_SYMBOL_GPL(aem_cold_page_unmap);

/*
 * @frame left @r's slot @idx: back to the pool.  The zap again first: a
 * client that skipped aem_cold_page_unmap() may lose a write, but no page
 * table keeps a freed frame.
 */
static void aem_cold_page_free(struct aem_region *r, pgoff_t idx,
			       struct aem_frame *frame)
{
	aem_region_zap_page(r, idx);
	aem_region_frame_gone(r, frame);
	aem_free_pages(frame, 0);
}

/**
 * aem_cold_page_set_stored - the slot of an unmapped page holds a handle
 * @r: the region, as offered to the aem_cold_fn
 * @l: the layer holding the page, as offered
 * @idx: its data page index
 * @frame: its frame, unmapped by aem_cold_page_unmap() under this same
 *	   slot lock; freed on success
 * @ops: the store backend that gave @handle, the one registered
 * @handle: what @ops->store() gave for the page's bytes
 *
 * The next fault on the page, and the backend's unregistration, load it
 * through @ops->load(); the region's end releases it (@ops->release()).
 * The region's group is uncharged the frame and charged the bytes
 * @ops->size() says the store holds for @handle, until then.
 *
 * Context: inside an aem_cold_fn.  Does not allocate; may sleep (it unmaps
 * the page again, unmap_mapping_range()).
 *
 * Return: 0; -ENODEV when @ops is not the registered store (or it is
 * being unregistered); -ERANGE when @handle does not fit a slot (see
 * AEM_STORE_HANDLE_MAX); -EBUSY when a kernel reader took the frame
 * meanwhile; -EINVAL when @frame is not at @idx of @l; -EPERM for a
 * SECURE region (never offered, so a bug).  On error nothing
 * changed, and @handle is still the caller's to release.
 */
int aem_cold_page_set_stored(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, struct aem_frame *frame,
			     const struct aem_store_ops *ops,
			     unsigned long handle)
{
	int sidx, err = 0;

	if (!aem_cold_page_ok(r, l, idx, frame))
		return -EINVAL;
	/* Never offered (aem_region_cold_pages_if()): never stored. */
	if (WARN_ON_ONCE(r->flags & AETHER_MM_REGION_SECURE))
		return -EPERM;
	if (aem_frame_ref_count(frame) != 1)
		return -EBUSY;
	if (!aem_slot_handle_fits(handle))
		return -ERANGE;
	/*
	 * Under the SRCU read lock: an unregistration that starts now
	 * waits, then finds the handle in its walk and loads the page back.
	 */
	if (aem_store_get(&sidx, true) != ops) {
		err = -ENODEV;
		goto out;
	}
	/* A copy kept since the page's last load is replaced by @handle. */
	aem_integ_kept_drop(l, idx);
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, aem_slot_mk_stored(handle), GFP_NOWAIT);
	aem_cold_page_free(r, idx, frame);
	/* Its frame left the group's usage; its bytes in the store join. */
	aem_region_charge_stored(r, aem_store_size(ops, handle));
	aem_region_stat_inc(r, AEM_RS_STORED);
	atomic_long_inc(&aem_stored_pages);
	aem_region_stat_inc(r, AEM_RS_STORE_OUTS);
out:
	aem_store_put(sidx);
	return err;
}
EXPORT_SYMBOL_GPL(aem_cold_page_set_stored);

/* Does a layer under @l hold something at @idx? */
static bool aem_cold_page_hides(struct aem_layer *l, pgoff_t idx)
{
	for (l = l->backing; l; l = l->backing)
		if (xa_load(&l->slots, idx))
			return true;
	return false;
}

/**
 * aem_cold_page_drop - an unmapped page of zeroes leaves its slot
 * @r: the region, as offered to the aem_cold_fn
 * @l: the layer holding the page, as offered
 * @idx: its data page index
 * @frame: its frame, unmapped by aem_cold_page_unmap() under this same
 *	   slot lock; freed on success
 *
 * The page reads as zeroes afterwards (Linux's zero page, until written),
 * so it must be zeroes now: checked here, as is that no older image (a
 * PRIVATE region's layer from before a fork) would show through.
 *
 * Context: inside an aem_cold_fn.  Does not allocate; may sleep (it unmaps
 * the page again, unmap_mapping_range()).
 *
 * Return: 0; -ENOTEMPTY when a byte of the page is not zero; -EEXIST
 * when an older layer has the index; -EBUSY when a kernel reader holds
 * the frame; -EINVAL when @frame is not at @idx of @l.
 */
int aem_cold_page_drop(struct aem_region *r, struct aem_layer *l,
		       pgoff_t idx, struct aem_frame *frame)
{
	void *addr;
	bool zero;

	if (!aem_cold_page_ok(r, l, idx, frame))
		return -EINVAL;
	if (aem_frame_ref_count(frame) != 1)
		return -EBUSY;
	if (aem_cold_page_hides(l, idx))
		return -EEXIST;
	/* Unmapped (again), no write can follow the check. */
	aem_region_zap_page(r, idx);
	addr = kmap_local_page(aem_frame_page(frame));
	zero = !memchr_inv(addr, 0, PAGE_SIZE);
	kunmap_local(addr);
	if (!zero)
		return -ENOTEMPTY;
	xa_erase(&l->slots, idx);
	aem_integ_forget(l, idx);
	aem_cold_page_free(r, idx, frame);
	return 0;
}
EXPORT_SYMBOL_GPL(aem_cold_page_drop);
