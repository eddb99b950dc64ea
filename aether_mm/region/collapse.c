// SPDX-License-Identifier: GPL-2.0
/*
 * region/collapse.c - huge collapse: 512 pages into one 2 MiB block
 *
 * aether_kaccessd (access.c) gathers the used 2 MiB ranges of HUGE
 * regions into order-9 blocks, so that the next fault maps each with one
 * PMD (huge_fault.c).
 * See region.h for the objects and the lock order.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include "region.h"

/**
 * aem_region_collapse - gather a 2 MiB range of @r into one order-9 block
 * @r: a HUGE region
 * @idx: first data page of a range aligned in the file
 *
 * The range must have all its 512 pages as frames of the one layer every
 * view sees (a SHARED region's base, or the top of a PRIVATE region mapped
 * by one process), none held by a kernel reader.  They are zapped from
 * every page table first, copied into the block, and freed; the block is
 * split into the layer's new frames.  The next fault maps the range with
 * a PMD where Linux has no page table for it yet (a new mapping): a page
 * table that exists stays, and maps the block page by page.
 *
 * Return: 0; -EALREADY when the range is one block already; -EBUSY,
 * -ENOENT (not fully populated or not one layer's) or -ENOMEM.
 */
int aem_region_collapse(struct aem_region *r, pgoff_t idx)
{
	struct aem_layer *l = NULL;
	struct aem_frame *nf, *f;
	unsigned long i, pfn = 0;
	bool contiguous = true;
	int ret = -ENOENT;

	/* A SECURE region's frames stay where they are (secure.c). */
	if (r->flags & AETHER_MM_REGION_SECURE)
		return -EPERM;
	mutex_lock(&r->views_lock);
	if (r->flags & AETHER_MM_REGION_SHARED)
		l = r->base;
	else if (r->nr_views == 1)
		l = list_first_entry(&r->views, struct aem_view, link)->top;
	if (!l)
		goto out_views;
	mutex_lock(aem_slot_lock(r, idx));
	for (i = 0; i < AEM_HUGE_PAGES; i++) {
		f = aem_slot_frame(xa_load(&l->slots, idx + i));
		if (!f)
			goto out;
		if (aem_frame_ref_count(f) != 1 || aem_frame_is_shared(f)) {
			ret = -EBUSY;
			goto out;
		}
		if (!i)
			pfn = aem_frame_pfn(f);
		contiguous = contiguous && aem_frame_pfn(f) == pfn + i;
	}
	ret = -EALREADY;
	if (contiguous && IS_ALIGNED(pfn, AEM_HUGE_PAGES))
		goto out;
	ret = -ENOMEM;
	nf = aem_alloc_pages_mpol(&r->pol, AEM_HUGE_ORDER,
				  AEM_ALLOC_NOGROW |
				  AEM_MT(AETHER_MM_MT_MOVABLE) |
				  AEM_OWNER(AEM_OWNER_REGION));
	if (!nf)
		goto out;
	/* Each new frame replaces one the region holds: usage stays. */
	aem_region_charge(r, aem_frame_nid(nf), AEM_HUGE_PAGES,
			  AEM_CHARGE_NOFAIL);
	unmap_mapping_range(r->inode->i_mapping,
			    (loff_t)(idx + r->guard) << PAGE_SHIFT,
			    (loff_t)AEM_HUGE_PAGES << PAGE_SHIFT, 1);
	aem_split_block(nf, AEM_HUGE_ORDER);
	for (i = 0; i < AEM_HUGE_PAGES; i++) {
		f = aem_slot_frame(xa_load(&l->slots, idx + i));
		copy_highpage(aem_frame_page(nf + i), aem_frame_page(f));
		/* Replacing a present entry allocates nothing. */
		xa_store(&l->slots, idx + i, aem_slot_mk_frame(nf + i),
			 GFP_KERNEL);
		aem_region_frame_add(r, l, idx + i, nf + i);
		aem_region_frame_gone(r, f);
		aem_free_pages(f, 0);
	}
	aem_region_stat_inc(r, AEM_RS_HUGE_COLLAPSES);
	ret = 0;
out:
	mutex_unlock(aem_slot_lock(r, idx));
out_views:
	mutex_unlock(&r->views_lock);
	return ret;
}
