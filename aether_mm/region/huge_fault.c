// SPDX-License-Identifier: GPL-2.0
/*
 * region/huge_fault.c - 2 MiB faults of HUGE regions: one PMD for 512 pages
 *
 * A fault on a range of 512 data pages aligned in the file, inside the
 * VMA, maps it with one PMD when the view's top layer holds the range as
 * one order-9 block (a write to a range no layer has a page of takes a
 * new block; collapse.c gathers used ranges into blocks).  Anything else
 * falls back to 4 KiB faults (fault.c).  Under the slot lock of the
 * range, which is one lock for its 512 pages (region.h).  A charge over
 * the group's max falls back too (the 4 KiB faults reclaim); one over
 * high calls the group's over-high work once the lock is dropped.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include "region.h"
#include "../trace.h"

/*
 * The first frame of a 2 MiB range of the view's own layer that one PMD
 * can map: its 512 frames physically contiguous from an aligned pfn.  For
 * a write to a range no layer of the chain has a page of, a new order-9
 * block, split into 512 frames of the top layer.  NULL: 4 KiB pages.
 * Slot lock held.
 */
static struct aem_frame *aem_huge_resolve(struct aem_view *v, pgoff_t idx,
					  bool write)
{
	struct aem_region *r = v->region;
	struct aem_layer *top = v->top, *where, *l;
	struct aem_frame *first, *f;
	unsigned long i, pfn, at;
	int nid;
	void *e;

	lockdep_assert_held(aem_slot_lock(r, idx));
	/* A page with a checksum is mapped alone, read-only (verify.c). */
	for (l = top; l; l = l->backing)
		if (aem_integ_range_has(l, idx, AEM_HUGE_PAGES))
			return NULL;
	e = aem_lookup_entry(top, idx, &where);
	if (aem_slot_is_stored(e))
		return NULL;
	first = aem_slot_frame(e);
	if (first) {
		pfn = aem_frame_pfn(first);
		if (where != top || !IS_ALIGNED(pfn, AEM_HUGE_PAGES) ||
		    aem_frame_is_shared(first))
			return NULL;
		/* A shared frame is mapped read-only, by itself. */
		for (i = 1; i < AEM_HUGE_PAGES; i++) {
			f = aem_slot_frame(xa_load(&top->slots, idx + i));
			if (!f || aem_frame_is_shared(f) ||
			    aem_frame_pfn(f) != pfn + i)
				return NULL;
		}
		return first;
	}
	if (!write)
		return NULL;	/* reads of holes map the zero page */
	for (l = top; l; l = l->backing) {
		at = idx;
		if (xa_find(&l->slots, &at, idx + AEM_HUGE_PAGES - 1,
			    XA_PRESENT))
			return NULL;
	}
	first = aem_region_alloc(r, AEM_HUGE_ORDER,
				 AEM_REGION_FAULT_FLAGS(r) | AEM_ALLOC_ZERO);
	if (!first)
		return NULL;
	/*
	 * Refused: 4 KiB faults, each charged (and maybe refused) alone;
	 * over max too: theirs is the group's reclaim.
	 */
	nid = aem_frame_nid(first);
	if (aem_region_charge_new(r, idx, nid, AEM_HUGE_PAGES)) {
		aem_free_pages(first, AEM_HUGE_ORDER);
		return NULL;
	}
	aem_split_block(first, AEM_HUGE_ORDER);
	for (i = 0; i < AEM_HUGE_PAGES; i++) {
		if (xa_err(xa_store(&top->slots, idx + i,
				    aem_slot_mk_frame(first + i), GFP_KERNEL)))
			break;
		aem_region_frame_add(r, top, idx + i, first + i);
	}
	if (i == AEM_HUGE_PAGES)
		return first;
	aem_region_uncharge(r, nid, AEM_HUGE_PAGES - i);
	while (i--) {
		xa_erase(&top->slots, idx + i);
		aem_region_frame_gone(r, first + i);
	}
	for (i = 0; i < AEM_HUGE_PAGES; i++)
		aem_free_pages(first + i, 0);
	return NULL;
}

/**
 * aem_region_huge_fault() - .huge_fault of region VMAs: one PMD for 2 MiB
 * @vmf: the fault
 * @arg: the entry size (6.1) or order (6.12) Linux asks for
 *
 * Only for a HUGE region, a range of 512 data pages aligned in the file
 * and inside the VMA.  Anything else, or no free order-9 block, falls
 * back to 4 KiB faults.
 *
 * Return: VM_FAULT_NOPAGE with the PMD installed, VM_FAULT_FALLBACK, or
 * an error code.
 */
vm_fault_t aem_region_huge_fault(struct vm_fault *vmf, AEM_HUGE_FAULT_ARG arg)
{
	struct vm_area_struct *vma = vmf->vma;
	struct aem_view *v = vma->vm_private_data;
	struct aem_region *r = v->region;
	unsigned long haddr = vmf->address & PMD_MASK;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct aem_frame *f;
	vm_fault_t ret;
	pgoff_t pg, idx;
	u8 pend;

	if (!aem_huge_fault_is_pmd(arg) || !(r->flags & AETHER_MM_REGION_HUGE) ||
	    aem_fault_chain_unstable(vmf, v))
		return VM_FAULT_FALLBACK;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pg = linear_page_index(vma, haddr);
	if (!IS_ALIGNED(pg, AEM_HUGE_PAGES) || pg < r->guard ||
	    pg + AEM_HUGE_PAGES > r->guard + r->nr_pages)
		return VM_FAULT_FALLBACK;
	idx = pg - r->guard;
	aem_region_stat_inc(r, AEM_RS_FAULTS);
	mutex_lock(aem_slot_lock(r, idx));
	f = aem_huge_resolve(v, idx, write);
	if (f)
		ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(aem_frame_pfn(f),
							     AEM_PMD_PFN_FLAGS),
					 write);
	else
		ret = VM_FAULT_FALLBACK;
	if (ret == VM_FAULT_NOPAGE)
		trace_aem_region_fault(r, idx, f, AEM_FAULT_HUGE);
	pend = aem_region_pending_take(r, idx);
	mutex_unlock(aem_slot_lock(r, idx));
	aem_region_over_high(vma->vm_file, r, idx, pend, AEM_HUGE_PAGES);
	if (ret == VM_FAULT_NOPAGE)
		aem_region_stat_inc(r, AEM_RS_HUGE_MAPS);
	else if (ret == VM_FAULT_FALLBACK)
		aem_region_stat_inc(r, AEM_RS_HUGE_FALLBACKS);
	return ret;
}
