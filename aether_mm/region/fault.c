// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - page faults on regions: demand paging and copy-on-write
 *
 * Every fault runs under the slot lock of its page index, with the mm's
 * mmap_lock held for read or, on 6.12, only the faulting VMA's per-VMA
 * lock (see region.h for the objects and the order, and "Under the
 * per-VMA lock" below).  Three outcomes:
 *
 *   read	map what the view's chain resolves the index to: an own
 *		frame with the VMA's full protection, a frame of a deeper
 *		layer, a merged frame (share.c) or the zero page read-only.
 *		Nothing is allocated.
 *   write	make the index the view's own: a frame already in the top
 *		layer is used as is; one in a deeper layer is moved up when
 *		no other view can see it (steal) or copied (COW); a merged
 *		frame is always copied, and the slot that held it leaves its
 *		users (the merge engine hears of it); none is a new zeroed
 *		frame.  Then map it writable.
 *   guard	SIGSEGV.
 *
 * A fault also feeds the view's prefetch predictor (predict.c); 2 MiB
 * faults of HUGE regions are huge_fault.c's.
 *
 * The group's limits (policy.c): a charge over max asks for the group's
 * reclaim first, a charge over high for the group's over-high work.  Both
 * run once the slot lock is dropped (aem_region_charge_after()): the
 * reclaim with mmap_lock (or the VMA lock) still held, so it only tries
 * the locks of the pages it takes (AEM_RECLAIM_NOWAIT, as the pool's own
 * reclaim does), then the fault runs once more, and a refusal then is the
 * SIGBUS; the over-high work is called once per fault.
 *
 * An empty pool: the allocation reclaims for itself, trying the walk's
 * locks only; when kreclaimd or a scan holds them it gets nothing while
 * kreclaimd is about to give pages back.  A fault that may be retried
 * then drops its lock, waits for kreclaimd (bounded, killable) and is
 * made again once (aem_fault_wait_pool()); the retry's refusal is the
 * SIGBUS.  A group under its max is not refused a page merely because
 * the pool's reclaim was in flight.
 *
 * What a fault maps never carries another user's bytes: a new frame is
 * zeroed (4 KiB and 2 MiB alike), a copy-on-write copy overwrites all of
 * its frame, and prefetch maps only what the chain already holds.  Every
 * frame a fault adds to the region is admitted by the policy backend first
 * (AEM_ALLOC_ACCOUNT), then charged to the region's group before it joins
 * the region in aem_region_frame_add() (a refusal is a SIGBUS, as an empty
 * pool is, or a 4 KiB fallback for a huge fault); it is uncharged as it
 * leaves in aem_region_frame_gone() (policy.c).
 *
 * Whenever the index changes what it resolves to, page table entries that
 * map the old answer are zapped before the new one is mapped: the
 * faulting VMA's own entry (zap_vma_ptes()), or every entry of the offset
 * through the region's mapping when another VMA may hold one: another
 * VMA of the same view, or, for a SHARED region, any process.
 * Write-notify (->pfn_mkwrite) makes every entry installed with
 * vma->vm_page_prot read-only, so a write to a shared frame or the zero
 * page always comes back here.
 *
 * Fault-around (->map_pages).  Before a read fault on a missing entry,
 * Linux offers the pages around it, up to fault_around_bytes inside one
 * page table and the VMA, as filemap_map_pages() maps the page cache.
 * aem_region_map_pages() maps those that are resident in the view's
 * chain as a read fault would (an own frame with the VMA's protection, a
 * frame of a backing layer read-only), and leaves the rest, and the
 * faulting page itself, to ->fault: holes (the zero page is a fault's),
 * stored pages, guard pages, a frame on another node while NUMA hinting
 * applies to the region (its hinting fault must come), a page last
 * faulted from another node (its fault records this one: MIGRATE_AUTO
 * follows it), and every index whose slot lock it cannot take at once.
 * It never allocates and never sleeps: on 6.12 it runs under
 * rcu_read_lock(), so slot locks are only tried, and an entry goes only
 * into a page table that is there already (the faulting address's).
 * Entries are installed old (accessed bit clear), as
 * arch_wants_old_prefaulted_pte() does, so that the access tracker sees
 * only pages a process touches; they are not faults: no fault counter,
 * no predictor step (the fault that follows is both).
 *
 * Integrity (verify.c).  A page whose record is poisoned is a SIGBUS for
 * every fault, read or write, and is never mapped around; a page with a
 * checksum is mapped read-only, so that a write comes back to
 * aem_make_own(), which forgets the checksum before the page is written.
 *
 * Under the per-VMA lock.  With ->map_pages, 6.12 no longer retries
 * region faults under mmap_lock (vmf_can_call_fault()).  Fork changes a
 * view's chain with the mm locked for write, but write-locks its VMAs one
 * at a time; so a fault that holds only its VMA lock sees a stable chain
 * only when that VMA is the view's single one.  For a view of several
 * VMAs, ->fault drops the VMA lock and asks for the retry under
 * mmap_lock, ->pfn_mkwrite (which cannot) zaps the entry so that the
 * write comes back as a fault, ->huge_fault falls back to 4 KiB, and
 * ->map_pages maps nothing.
 */
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/moduleparam.h>
#include "region.h"
#include "../trace.h"

/*
 * The pool had no frame for @idx's fault (under its slot lock): the fault
 * may wait for kreclaimd and be made again (aem_fault_wait_pool()).
 */
static void aem_fault_nomem(struct aem_region *r, pgoff_t idx, int err)
{
	if (err == -ENOMEM)
		*aem_region_pending(r, idx) |= AEM_PEND_NOMEM;
}

/*
 * aem_make_own - give the view's top layer a frame for @idx
 * @changed: receives true when the index resolved to something else before
 * @left: receives the shared frame the top's own slot held, whose user
 *	  this slot no longer is; the caller calls aem_share_user_gone()
 *	  once no entry maps it through this slot (the last user's going
 *	  may free it), else NULL
 *
 * Return: the frame, or NULL with *@ret set to the fault code.
 */
static struct aem_frame *aem_make_own(struct aem_view *v, pgoff_t idx,
				      bool *changed, struct aem_frame **left,
				      vm_fault_t *ret)
{
	struct aem_region *r = v->region;
	struct aem_layer *top = v->top, *where, *l;
	struct aem_frame *f, *nf;
	bool alone = true;

	f = aem_lookup(top, idx, &where);
	if (IS_ERR(f)) {
		aem_region_stat_inc(r, AEM_RS_ALLOC_FAIL);
		aem_fault_nomem(r, idx, PTR_ERR(f));
		*ret = VM_FAULT_SIGBUS;
		return NULL;
	}
	/* Poisoned: never the wrong bytes, not even as a copy (verify.c). */
	if (f && aem_integ_refuse(where, idx, f)) {
		*ret = VM_FAULT_SIGBUS;
		return NULL;
	}
	/* The page is about to be written: its checksum goes stale. */
	aem_integ_forget(top, idx);
	*changed = false;
	if (f && where == top && !aem_frame_is_shared(f)) {
		trace_aem_region_fault(r, idx, f, AEM_FAULT_OWN);
		return f;
	}
	*changed = true;

	/* Steal: no view but this one sees any layer down to @where. */
	if (f && !aem_frame_is_shared(f)) {
		for (l = top->backing; alone && l != where; l = l->backing)
			alone = kref_read(&l->ref) == 1;
		alone = alone && kref_read(&where->ref) == 1;
		if (alone) {
			if (xa_err(xa_store(&top->slots, idx,
					    aem_slot_mk_frame(f), GFP_KERNEL))) {
				*ret = VM_FAULT_OOM;
				return NULL;
			}
			xa_erase(&where->slots, idx);
			aem_integ_forget(where, idx);
			aem_frame_set_rmap(f, top, idx);
			aem_region_stat_inc(r, AEM_RS_COW_STEALS);
			trace_aem_region_fault(r, idx, f, AEM_FAULT_STEAL);
			return f;
		}
	}

	/* A copy overwrites every byte; a new page is zeroed. */
	nf = aem_region_alloc(r, 0, AEM_REGION_FAULT_FLAGS(r) |
			      (f ? 0 : AEM_ALLOC_ZERO));
	/*
	 * A group at its limit fails the fault as an empty pool does; at
	 * max, after its reclaim and one more try (aem_region_fault()).
	 * An empty pool, after a wait for kreclaimd and one more try.
	 */
	if (!nf) {
		aem_fault_nomem(r, idx, -ENOMEM);
	} else if (aem_region_charge_new(r, idx, aem_frame_nid(nf), 1)) {
		aem_free_pages(nf, 0);
		nf = NULL;
	}
	if (!nf) {
		aem_region_stat_inc(r, AEM_RS_ALLOC_FAIL);
		*ret = VM_FAULT_SIGBUS;
		return NULL;
	}
	if (f)
		copy_highpage(aem_frame_page(nf), aem_frame_page(f));
	if (xa_err(xa_store(&top->slots, idx, aem_slot_mk_frame(nf),
			    GFP_KERNEL))) {
		aem_region_uncharge(r, aem_frame_nid(nf), 1);
		aem_free_pages(nf, 0);
		*ret = VM_FAULT_OOM;
		return NULL;
	}
	aem_region_frame_add(r, top, idx, nf);
	/* The top's own slot held a shared frame: this user leaves it. */
	if (f && where == top)
		*left = f;
	if (f)
		aem_region_stat_inc(r, AEM_RS_COW_COPIES);
	trace_aem_region_fault(r, idx, nf, f ? AEM_FAULT_COW : AEM_FAULT_NEW);
	return nf;
}

/*
 * Zap what other VMAs may map at data page @idx after it changed: every
 * process's entries for a SHARED region, the view's other VMAs for a
 * PRIVATE one.
 * Other views' entries of a PRIVATE region are not stale (they see their
 * own chains), but unmap_mapping_range() cannot tell VMAs apart; they
 * fault once more.
 */
static void aem_zap_others(struct aem_view *v, pgoff_t idx)
{
	struct aem_region *r = v->region;

	if ((r->flags & AETHER_MM_REGION_SHARED) ||
	    atomic_read(&v->nr_vmas) > 1)
		aem_region_zap_page(r, idx);
}

/* The protection that lets the VMA write, for an own frame. */
static pgprot_t aem_full_prot(struct vm_area_struct *vma)
{
	return vm_get_page_prot(vma->vm_flags);
}

/*
 * Map what @idx resolves to at @addr, as a read fault does: the view's own
 * frame with the VMA's full protection, a shared frame or the zero page
 * read-only.  Nothing for a page never written when @skip_empty.  The
 * caller holds the slot lock.
 */
vm_fault_t aem_map_resolved(struct vm_area_struct *vma,
			    struct aem_view *v, pgoff_t idx,
			    unsigned long addr, bool skip_empty,
			    bool prefetch)
{
	struct aem_region *r = v->region;
	struct aem_layer *where;
	struct aem_frame *f;
	void *e;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (prefetch) {
		/* Prefetch never brings a stored page back. */
		e = aem_lookup_entry(v->top, idx, &where);
		if (aem_slot_is_stored(e))
			return 0;
		f = aem_slot_frame(e);
	} else {
		f = aem_lookup(v->top, idx, &where);
		if (IS_ERR(f)) {
			aem_region_stat_inc(r, AEM_RS_ALLOC_FAIL);
			aem_fault_nomem(r, idx, PTR_ERR(f));
			return VM_FAULT_SIGBUS;
		}
	}
	if (f && aem_integ_refuse(where, idx, f))
		return prefetch ? 0 : VM_FAULT_SIGBUS;
	/* A page with a checksum is mapped read-only: a write forgets it. */
	if (f) {
		trace_aem_region_fault(r, idx, f, prefetch ? AEM_FAULT_PREFETCH : AEM_FAULT_MAP);
		return vmf_insert_pfn_prot(vma, addr, aem_frame_pfn(f),
					   where == v->top &&
					   !aem_frame_is_shared(f) &&
					   !aem_integ_has(where, idx) ?
					   aem_full_prot(vma) : vma->vm_page_prot);
	}
	if (skip_empty)
		return 0;
	aem_region_stat_inc(r, AEM_RS_ZERO_MAPS);
	trace_aem_region_fault(r, idx, NULL, prefetch ? AEM_FAULT_PREFETCH : AEM_FAULT_ZERO);
	return vmf_insert_pfn_prot(vma, addr, my_zero_pfn(addr),
				   vma->vm_page_prot);
}

/*
 * The fault holds mmap_lock, or its VMA's lock.  lockdep's assertion,
 * not assert_fault_locked() (6.6): with CONFIG_DEBUG_VM that calls
 * dump_mm(), which is not exported.
 */
static void aem_assert_fault_locked(struct vm_fault *vmf)
{
	if (!aem_fault_vma_locked(vmf))
		lockdep_assert_held(&vmf->vma->vm_mm->mmap_lock);
}

/*
 * Under the per-VMA lock alone, is the view's chain stable: is this VMA
 * the view's only one (see "Under the per-VMA lock" above)?
 */
bool aem_fault_chain_unstable(struct vm_fault *vmf, struct aem_view *v)
{
	return aem_fault_vma_locked(vmf) && atomic_read(&v->nr_vmas) > 1;
}

/* The data page index of a fault, or SIGSEGV on a guard page. */
static vm_fault_t aem_fault_index(struct vm_fault *vmf, pgoff_t *idx)
{
	struct aem_view *v = vmf->vma->vm_private_data;
	struct aem_region *r = v->region;

	aem_assert_fault_locked(vmf);
	if (aem_region_is_guard(r, vmf->pgoff))
		return VM_FAULT_SIGSEGV;
	*idx = vmf->pgoff - r->guard;
	aem_region_stat_inc(r, AEM_RS_FAULTS);
	return 0;
}

/*
 * A write: make @idx the view's own and map it writable.  @present: an
 * entry maps the address already (->pfn_mkwrite): left for Linux to make
 * writable when it maps the own frame, else replaced.  Slot lock held.
 */
static vm_fault_t aem_map_own(struct vm_fault *vmf, struct aem_view *v,
			      pgoff_t idx, bool present)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct aem_frame *f, *left = NULL;
	vm_fault_t ret = 0;
	bool changed;

	f = aem_make_own(v, idx, &changed, &left, &ret);
	if (!f)
		return ret;
	if (present && !changed && pte_pfn(vmf->orig_pte) == aem_frame_pfn(f))
		return 0;	/* ours already: Linux sets the write bit */
	if (changed)
		aem_zap_others(v, idx);
	/* The zero page, a shared frame, or a stolen frame read-only. */
	if (present)
		zap_vma_ptes(vma, addr, PAGE_SIZE);
	/*
	 * Only now, no entry mapping it through this slot (other threads'
	 * and processes' included), may the shared frame lose this user:
	 * the last one's going frees it.
	 */
	if (left)
		aem_share_user_gone(v->region, v->top, idx, left,
				    AEM_SHARE_WRITE);
	return vmf_insert_pfn_prot(vma, addr, aem_frame_pfn(f),
				   aem_full_prot(vma));
}

/* Did a charge ask for the group's reclaim, and was it not the last try? */
static bool aem_region_charge_wants_reclaim(u8 pend)
{
	return (pend & (AEM_PEND_RECLAIM | AEM_PEND_LAST)) == AEM_PEND_RECLAIM;
}

/**
 * aem_region_charge_after() - after a slot lock: the group's reclaim, if asked
 * @r: the region
 * @idx: the data page whose slot lock the caller held and dropped
 * @pend: what aem_region_pending_take() gave before the unlock
 * @nr: pages the refused charge wanted
 * @flags: AEM_RECLAIM_NOWAIT when the caller holds mmap_lock or a VMA lock
 *
 * Context: process context, no slot lock of @r held.  May sleep.
 *
 * Return: true when a charge asked for the group's reclaim and this was
 * not the last try: the reclaim ran, and the caller tries once more,
 * calling aem_region_pending_last() under the slot lock first.
 */
bool aem_region_charge_after(struct aem_region *r, pgoff_t idx, u8 pend,
			     unsigned long nr, unsigned int flags)
{
	lockdep_assert_not_held(aem_slot_lock(r, idx));
	if (!aem_region_charge_wants_reclaim(pend))
		return false;
	aem_policy_reclaim_for(r->pol_gen, r->pol_cookie, nr, flags);
	return true;
}

/**
 * aem_region_over_high() - queue the over-high work, if a charge asked
 * @file: a file of @r the caller holds (the fault's vm_file, the ioctl's)
 * @r: the region
 * @idx: the data page whose slot lock the caller held and dropped
 * @seen: the AEM_PEND_* of every try of the fault or the ioctl's page
 * @nr: pages the charge took
 *
 * The work runs on the way back to user mode (policy.c); it holds @file.
 *
 * Context: process context, no slot lock of @r held.  May sleep, briefly.
 */
void aem_region_over_high(struct file *file, struct aem_region *r,
			  pgoff_t idx, u8 seen, unsigned long nr)
{
	lockdep_assert_not_held(aem_slot_lock(r, idx));
	if (!(seen & AEM_PEND_HIGH))
		return;
	if (WARN_ON_ONCE(!file || file->private_data != r))
		return;
	aem_policy_over_high(file, r->pol_gen, r->pol_cookie, nr);
}

/*
 * May this fault drop its lock and be retried (FAULT_FLAG_ALLOW_RETRY, not
 * FAULT_FLAG_RETRY_NOWAIT), and has it not been retried yet?
 */
static bool aem_fault_may_wait(struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_ALLOW_RETRY) &&
	       !(vmf->flags & (FAULT_FLAG_RETRY_NOWAIT | FAULT_FLAG_TRIED));
}

/*
 * A fault about to return VM_FAULT_RETRY drops its lock (mmap_lock, or on
 * 6.12 the VMA lock: release_fault_lock() is 6.5's) and may then sleep:
 * the region stays pinned by the reference on its file this returns, for
 * the caller to fput().
 */
static struct file *aem_fault_unlock(struct vm_fault *vmf)
{
	struct file *file = get_file(vmf->vma->vm_file);

	if (aem_fault_vma_locked(vmf))
		aem_fault_vma_unlock(vmf);
	else
		mmap_read_unlock(vmf->vma->vm_mm);
	return file;
}

/*
 * A charge of the fault is over max and its reclaim would only try locks
 * under the fault's lock: drop the lock instead, as Linux's faults do
 * that wait for I/O (the lock a fault holds is one the group's reclaim
 * may need: aether_kaccessd's scan holds aem_access_lock for a whole
 * pass, and a reclaim that only tries it fails while the pass runs).
 * The fault's lock dropped (aem_fault_unlock()), the group's reclaim
 * run blocking (flags 0), then VM_FAULT_RETRY: Linux makes the fault
 * again with FAULT_FLAG_TRIED (after a VMA-lock fault, under mmap_lock;
 * VM_FAULT_MAJOR, a fault that waited, makes 6.12's x86 fault handler
 * mark that one TRIED too), and a refusal of that try reclaims by
 * trylock once more and is then the SIGBUS.  One blocking reclaim per
 * fault: bounded.
 */
static vm_fault_t aem_fault_wait_reclaim(struct vm_fault *vmf,
					 struct aem_region *r)
{
	struct file *file = aem_fault_unlock(vmf);

	aem_policy_reclaim_for(r->pol_gen, r->pol_cookie, 1, 0);
	fput(file);
	return VM_FAULT_RETRY | VM_FAULT_MAJOR;
}

/*
 * The pool had no frame for the fault, and its own reclaim, which only
 * tries the walk's locks under the fault's lock, found them taken (by
 * kreclaimd, or a scan): rather than a SIGBUS for a page the pool is
 * about to give back, drop the fault's lock as aem_fault_wait_reclaim()
 * does, wait for kreclaimd (aem_alloc_wait_reclaim(): bounded, killable,
 * none when no kreclaimd has anything to take) and make the fault again.
 * The retry (FAULT_FLAG_TRIED) does not wait: a refusal then is the
 * SIGBUS.
 */
static vm_fault_t aem_fault_wait_pool(struct vm_fault *vmf,
				      struct aem_region *r)
{
	struct file *file = aem_fault_unlock(vmf);

	aem_alloc_wait_reclaim(&r->pol);
	fput(file);
	return VM_FAULT_RETRY | VM_FAULT_MAJOR;
}

/*
 * The fault at @idx under its slot lock (@mkwrite: ->pfn_mkwrite's), then
 * what its charges asked for outside it: the group's reclaim and one more
 * try, the over-high work.  Over max, a fault that may be retried reclaims
 * with its lock dropped first (aem_fault_wait_reclaim()); ->pfn_mkwrite
 * cannot return VM_FAULT_RETRY, so it zaps the entry and the write comes
 * back as a fault that can.
 */
static vm_fault_t aem_fault_charged(struct vm_fault *vmf, struct aem_view *v,
				    pgoff_t idx, bool write, bool mkwrite)
{
	struct aem_region *r = v->region;
	bool last = false;
	vm_fault_t ret;
	u8 pend, seen = 0;

	for (;;) {
		mutex_lock(aem_slot_lock(r, idx));
		if (last)
			aem_region_pending_last(r, idx);
		else if (!mkwrite)
			aem_numa_fault(v, idx);
		if (write)
			ret = aem_map_own(vmf, v, idx, mkwrite);
		else
			ret = aem_map_resolved(vmf->vma, v, idx,
					       vmf->address & PAGE_MASK, false,
					       false);
		pend = aem_region_pending_take(r, idx);
		mutex_unlock(aem_slot_lock(r, idx));
		seen |= pend;
		if (!last && aem_region_charge_wants_reclaim(pend) &&
		    aem_fault_may_wait(vmf)) {
			/* Counted as a failed fault: it is made again. */
			aem_region_stat_dec(r, AEM_RS_ALLOC_FAIL);
			if (!mkwrite)
				return aem_fault_wait_reclaim(vmf, r);
			zap_vma_ptes(vmf->vma, vmf->address & PAGE_MASK,
				     PAGE_SIZE);
			return VM_FAULT_NOPAGE;
		}
		if (!last && (pend & AEM_PEND_NOMEM) &&
		    ret == VM_FAULT_SIGBUS && aem_fault_may_wait(vmf)) {
			aem_region_stat_dec(r, AEM_RS_ALLOC_FAIL);
			if (!mkwrite)
				return aem_fault_wait_pool(vmf, r);
			zap_vma_ptes(vmf->vma, vmf->address & PAGE_MASK,
				     PAGE_SIZE);
			return VM_FAULT_NOPAGE;
		}
		if (last || !aem_region_charge_after(r, idx, pend, 1,
						     AEM_RECLAIM_NOWAIT))
			break;
		last = true;
	}
	aem_region_over_high(vmf->vma->vm_file, r, idx, seen, 1);
	return ret;
}

/**
 * aem_region_fault() - .fault of region VMAs: nothing is mapped at the address
 * @vmf: the fault
 *
 * Return: VM_FAULT_NOPAGE with the entry installed, or an error code.
 */
vm_fault_t aem_region_fault(struct vm_fault *vmf)
{
	struct aem_view *v = vmf->vma->vm_private_data;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret;
	pgoff_t idx;

	if (aem_fault_chain_unstable(vmf, v)) {
		aem_fault_vma_unlock(vmf);
		return VM_FAULT_RETRY;
	}
	ret = aem_fault_index(vmf, &idx);
	if (ret)
		return ret;
	ret = aem_fault_charged(vmf, v, idx, write, false);
	if (ret == VM_FAULT_NOPAGE)
		aem_predict(vmf->vma, v, idx, write);
	return ret;
}

/**
 * aem_region_pfn_mkwrite() - a write to a read-only entry of a region VMA
 * @vmf: the fault; vmf->orig_pte is the entry
 *
 * Return: 0 to let Linux make the entry writable (it maps the view's own
 * frame already), VM_FAULT_NOPAGE after replacing it, or an error code.
 */
vm_fault_t aem_region_pfn_mkwrite(struct vm_fault *vmf)
{
	struct aem_view *v = vmf->vma->vm_private_data;
	vm_fault_t ret;
	pgoff_t idx;

	ret = aem_fault_index(vmf, &idx);
	if (ret)
		return ret;
	if (aem_fault_chain_unstable(vmf, v)) {
		/* No retry from here: the write comes back as a fault. */
		zap_vma_ptes(vmf->vma, vmf->address & PAGE_MASK, PAGE_SIZE);
		return VM_FAULT_NOPAGE;
	}
	return aem_fault_charged(vmf, v, idx, true, true);
}

/* An entry as Linux's fault-around installs one: not yet accessed. */
static pgprot_t aem_prot_old(pgprot_t prot)
{
#ifdef _PAGE_ACCESSED
	return __pgprot(pgprot_val(prot) & ~_PAGE_ACCESSED);
#else
	return prot;
#endif
}

/*
 * Map data page @idx around a fault, if it is resident.  Slot lock held
 * (tried); runs under RCU on 6.12: nothing here sleeps, and the page
 * table is there, so vmf_insert_pfn_prot() allocates nothing.
 */
static void aem_map_around_one(struct vm_area_struct *vma, struct aem_view *v,
			       pgoff_t idx, unsigned long addr, pgprot_t own,
			       bool hinting)
{
	struct aem_layer *where;
	struct aem_frame *f;

	lockdep_assert_held(aem_slot_lock(v->region, idx));
	f = aem_slot_frame(aem_lookup_entry(v->top, idx, &where));
	if (!f)
		return;		/* a hole (the zero page) or a stored page */
	if (aem_integ_refuse(where, idx, f))
		return;		/* poisoned: its fault is a SIGBUS */
	if (hinting && aem_frame_nid(f) != numa_node_id())
		return;		/* its hinting fault must come */
	/* Last faulted from elsewhere: its fault records this node. */
	if (READ_ONCE(v->region->fault_nid[idx]) != numa_node_id() + 1)
		return;
	vmf_insert_pfn_prot(vma, addr, aem_frame_pfn(f),
			    where == v->top && !aem_frame_is_shared(f) &&
			    !aem_integ_has(where, idx) ? own :
			    aem_prot_old(vma->vm_page_prot));
}

/**
 * aem_region_map_pages() - .map_pages of region VMAs: fault-around
 * @vmf: the read fault; vmf->pmd is the page table of the window
 * @start_pgoff: first file page offset of the window
 * @end_pgoff: last file page offset of the window
 *
 * Maps the resident pages of the window but the faulting one, as a read
 * fault would, and never the faulting page: ->fault that follows maps it
 * and does the fault's accounting, NUMA step and prediction.  See
 * "Fault-around" above for what is left out.
 *
 * Context: mmap_lock or the VMA's lock held for read; on 6.12 under
 * rcu_read_lock(): must not sleep.
 * Return: 0, so that the faulting page takes its fault.
 */
vm_fault_t aem_region_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				pgoff_t end_pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct aem_view *v = vma->vm_private_data;
	struct aem_region *r = v->region;
	struct mutex *held = NULL, *tried = NULL, *lock;
	pmd_t pmd = READ_ONCE(*vmf->pmd);
	pgprot_t own;
	bool hinting;
	pgoff_t pg;

	aem_assert_fault_locked(vmf);
	/* No page table yet (->fault makes it) or a huge entry. */
	if (pmd_none(pmd) || !pmd_present(pmd) || pmd_trans_huge(pmd) ||
	    pmd_devmap(pmd) || aem_fault_chain_unstable(vmf, v))
		return 0;
	own = aem_prot_old(aem_full_prot(vma));
	hinting = aem_numa_hinting(r);
	for (pg = start_pgoff; pg <= end_pgoff; pg++) {
		if (pg == vmf->pgoff || aem_region_is_guard(r, pg))
			continue;
		lock = aem_slot_lock_pg(r, pg);
		if (lock != held && lock != tried) {
			if (held)
				mutex_unlock(held);
			held = NULL;
			tried = lock;
			if (mutex_trylock(lock))
				held = lock;
		}
		if (lock != held)
			continue;	/* busy: the page takes its own fault */
		aem_map_around_one(vma, v, pg - r->guard,
				   vma->vm_start +
				   ((pg - vma->vm_pgoff) << PAGE_SHIFT),
				   own, hinting);
	}
	if (held)
		mutex_unlock(held);
	return 0;
}
