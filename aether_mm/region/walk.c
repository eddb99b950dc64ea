// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - the page table entries that map a region, 4 KiB and 2 MiB
 *
 * apply_to_existing_page_range() walks PTEs under their table's lock and
 * is exported; it warns (and with panic_on_warn, panics) on a PMD that
 * maps 2 MiB.  A HUGE region's VMA may have such PMDs, so its walk goes
 * one 2 MiB range at a time under the range's slot lock: only the huge
 * fault handler installs a PMD mapping, and it holds that lock, so a PMD
 * found not to be a leaf stays one while apply_to_existing_page_range()
 * runs on the range.  A leaf is handed to @pmd_fn under the PMD lock.
 *
 * Lock order: mmap_lock (the caller's, for read at least), slot lock,
 * then the page table locks.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include "region.h"

/* The PMD entry for @addr in @mm, or NULL when no table reaches down. */
static pmd_t *aem_pmd_lookup(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/**
 * aem_region_walk - visit what maps [@start, @end) of a VMA of region @r
 * @r: the region
 * @vma: a VMA of @r; the caller holds its mm's mmap_lock
 * @start: first address, page aligned, in @vma
 * @end: end, page aligned, in @vma
 * @pte_fn: called for each existing PTE, under its table's lock
 * @pmd_fn: called for each PMD that maps 2 MiB, under the PMD lock, with
 *	    the range's first address; NULL to leave them out
 * @arg: passed to both
 *
 * Return: 0, or the first non-zero value a callback returned.
 */
int aem_region_walk(struct aem_region *r, struct vm_area_struct *vma,
		    unsigned long start, unsigned long end, pte_fn_t pte_fn,
		    aem_pmd_fn_t pmd_fn, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, next;
	struct mutex *lock;	/* the 2 MiB range's slot lock */
	spinlock_t *ptl;	/* its PMD's lock */
	pmd_t *pmdp;
	int err = 0;

	lockdep_assert_held(&mm->mmap_lock);
	if (!(r->flags & AETHER_MM_REGION_HUGE))
		return apply_to_existing_page_range(mm, start, end - start,
						    pte_fn, arg);
	for (addr = start; addr < end && !err; addr = next) {
		next = pmd_addr_end(addr, end);
		lock = aem_slot_lock_pg(r, linear_page_index(vma, addr));
		mutex_lock(lock);
		pmdp = aem_pmd_lookup(mm, addr);
		if (pmdp && !pmd_none(READ_ONCE(*pmdp))) {
			ptl = pmd_lock(mm, pmdp);
			if (pmd_leaf(*pmdp)) {
				if (pmd_fn)
					err = pmd_fn(pmdp, addr & PMD_MASK, arg);
				spin_unlock(ptl);
			} else {
				spin_unlock(ptl);
				err = apply_to_existing_page_range(mm, addr,
								   next - addr,
								   pte_fn, arg);
			}
		}
		mutex_unlock(lock);
		cond_resched();
	}
	return err;
}
