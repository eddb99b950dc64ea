// SPDX-License-Identifier: GPL-2.0
/*
 * region/view.c - views and VMAs: what each process sees, the vm_ops
 *
 * A view is one per (region, mm); each VMA of the mm that maps the region
 * holds it.  fork() gives the parent's and the child's views new tops
 * over the frozen one (aem_view_fork()); W^X is checked at mmap() and
 * mprotect() across every process that maps the region.
 *
 * The memory firewall (policy.c's may_access) is asked at mmap() with the
 * mapper's credentials and the protection asked for, at mprotect() adding
 * R, W or X, and at a fault of a view last checked before the latest
 * revocation that concerns it: @fw_state of the view packs the access
 * sequence number read before its last check and the AEM_ACCESS_* bits
 * that check allowed, and the check holds while that number is not below
 * the view's floor (its own @fw_floor, raised by aem_access_revoke_some()
 * for the views it names, or the global one of aem_access_revoke()).  A
 * write or exec mapping asks for read too (x86 cannot write or execute a
 * page it cannot read).  Every fault runs inside aem_fw_enter(), so a
 * revocation waits for the faults that checked before it, then zaps.
 * See region.h for the objects and the lock order.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "region.h"

struct aem_view *aem_view_find(struct aem_region *r,
			       struct mm_struct *mm)
{
	struct aem_view *v;

	lockdep_assert_held(&r->views_lock);
	list_for_each_entry(v, &r->views, link)
		if (v->mm == mm)
			return v;
	return NULL;
}

static struct aem_view *aem_view_alloc(struct aem_region *r,
				       struct mm_struct *mm, gfp_t gfp)
{
	struct aem_view *v = kzalloc(sizeof(*v), gfp);

	if (!v)
		return NULL;
	v->region = r;
	v->mm = mm;
	/* a check that began before the view's creation is not its own */
	v->fw_floor = aem_fw_gen();
	aem_view_pred_init(v);
	list_add(&v->link, &r->views);
	r->nr_views++;
	return v;
}

static void aem_view_put(struct aem_view *v)
{
	struct aem_region *r = v->region;

	mutex_lock(&r->views_lock);
	if (!atomic_dec_and_test(&v->nr_vmas)) {
		mutex_unlock(&r->views_lock);
		return;
	}
	list_del(&v->link);
	r->nr_views--;
	mutex_unlock(&r->views_lock);
	aem_layer_put(v->top);
	kfree(v);
}

/* A new VMA of the caller's view of @r, made at mmap(). */
static struct aem_view *aem_view_get(struct aem_region *r)
{
	struct aem_view *v;

	mutex_lock(&r->views_lock);
	v = aem_view_find(r, current->mm);
	if (!v) {
		v = aem_view_alloc(r, current->mm, GFP_KERNEL_ACCOUNT);
		if (!v)
			goto out;
		if (r->flags & AETHER_MM_REGION_SHARED) {
			kref_get(&r->base->ref);
			v->top = r->base;
		} else {
			v->top = aem_layer_new(r, r->base, GFP_KERNEL_ACCOUNT);
			if (!v->top) {
				list_del(&v->link);
				r->nr_views--;
				kfree(v);
				v = NULL;
				goto out;
			}
		}
	}
	atomic_inc(&v->nr_vmas);
out:
	mutex_unlock(&r->views_lock);
	return v;
}

/*
 * fork(): give the child (vma->vm_mm) its view.  For a private region the
 * first VMA of the fork freezes the parent's top under two new tops.  Each
 * VMA then zaps its twin in the parent (->open runs before
 * copy_page_range(), which copies a VM_PFNMAP mapping's entries), so the
 * child gets no page table entry: a private region's parent faults in its
 * own image again, and every region's child faults at its first touch of
 * each page, where the memory firewall checks it with the child's own
 * credentials (its new view was never checked).  A shared region's parent
 * faults its pages back without a check while its own view's holds.
 * ->open cannot fail, so the few small objects come with __GFP_NOFAIL.
 */
static struct aem_view *aem_view_fork(struct aem_view *parent,
				      struct vm_area_struct *vma)
{
	struct aem_region *r = parent->region;
	struct aem_layer *frozen, *ptop, *ctop;
	struct vm_area_struct *pvma;
	struct aem_view *child;
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOFAIL;

	/* mmap_assert_*() would need dump_mm(), not exported on 6.1 */
	lockdep_assert_held_write(&parent->mm->mmap_lock);
	mutex_lock(&r->views_lock);
	child = aem_view_find(r, vma->vm_mm);
	if (!child) {
		child = aem_view_alloc(r, vma->vm_mm, gfp);
		if (r->flags & AETHER_MM_REGION_SHARED) {
			kref_get(&r->base->ref);
			child->top = r->base;
		} else {
			frozen = parent->top;
			ptop = aem_layer_new(r, frozen, gfp);
			ctop = aem_layer_new(r, frozen, gfp);
			parent->top = ptop;
			child->top = ctop;
			aem_layer_put(frozen);	/* the parent's old reference */
		}
	}
	atomic_inc(&child->nr_vmas);
	mutex_unlock(&r->views_lock);

	pvma = find_vma(parent->mm, vma->vm_start);
	if (pvma && pvma->vm_private_data == parent &&
	    pvma->vm_start == vma->vm_start)
		zap_vma_ptes(pvma, pvma->vm_start,
			     pvma->vm_end - pvma->vm_start);
	return child;
}

static void aem_region_vm_open(struct vm_area_struct *vma)
{
	struct aem_view *v = vma->vm_private_data;

	if (vma->vm_mm == v->mm) {
		/* split or mremap: one more VMA of the same view */
		atomic_inc(&v->nr_vmas);
		return;
	}
	vma->vm_private_data = aem_view_fork(v, vma);
}

static void aem_region_vm_close(struct vm_area_struct *vma)
{
	aem_view_put(vma->vm_private_data);
}

/*
 * W^X.  Without ALLOW_WX no mapping of a region is writable and executable
 * at once, and no image is writable through one mapping while executable
 * through another.  The image is the region for a SHARED one (every
 * process that maps it), the caller's view for a PRIVATE one (no other
 * process sees what this one writes).  So mmap() and mprotect() that would
 * make a mapping writable (executable) are refused while another mapping
 * of the image is executable (writable); the change of one mapping from
 * one to the other stays allowed.
 *
 * Another process's mappings are read under its mmap_lock, taken with a
 * trylock: we hold our own for write, and so may it, checking ours.  A
 * process between its check and the change (the VMA linked by mmap(), the
 * flags set by mprotect()) still holds its lock for write, so the next
 * check either sees the change or fails to take the lock and tries again;
 * region->wx_lock orders the checks of one region, and makes a check and
 * the creation of the view it is for one step.
 */
#define AEM_WX_TRIES	20

/* Only a region that may be mapped writable and executable needs this. */
static bool aem_wx_guarded(const struct aem_region *r)
{
	return !(r->flags & AETHER_MM_REGION_ALLOW_WX) &&
	       (r->max_prot & AETHER_MM_PROT_WRITE) &&
	       (r->max_prot & AETHER_MM_PROT_EXEC);
}

/* Does a mapping of @r in @mm, other than @skip, have one of @bits? */
static bool aem_wx_mm_has(struct aem_region *r, struct mm_struct *mm,
			  struct vm_area_struct *skip, unsigned long bits)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
		if (vma != skip && aem_vma_of_region(vma, r) &&
		    (vma->vm_flags & bits))
			return true;
	return false;
}

/* The same in the other processes that map @r: 0, -EACCES or -EAGAIN. */
static int aem_wx_others_have(struct aem_region *r, unsigned long bits)
{
	struct aem_view *v;
	int ret = 0;

	mutex_lock(&r->views_lock);
	list_for_each_entry(v, &r->views, link) {
		if (v->mm == current->mm)
			continue;
		/* A view on the list keeps its mm's VMAs, so the mm. */
		if (!mmap_read_trylock(v->mm)) {
			ret = -EAGAIN;
			break;
		}
		if (aem_wx_mm_has(r, v->mm, NULL, bits))
			ret = -EACCES;
		mmap_read_unlock(v->mm);
		if (ret)
			break;
	}
	mutex_unlock(&r->views_lock);
	return ret;
}

/*
 * aem_wx_check - may a mapping of @r get @newflags
 * @skip: the mapping whose flags change, left out; NULL for a new one, or
 *	  for one that keeps its flags on a part (mprotect() of a range)
 *
 * Return: 0, -EACCES, or -EAGAIN when another process mapping a SHARED
 * region held its mmap_lock through every try.
 */
static int aem_wx_check(struct aem_region *r, struct vm_area_struct *skip,
			unsigned long newflags)
{
	unsigned long bits;
	int tries, ret;

	lockdep_assert_held(&r->wx_lock);
	lockdep_assert_held_write(&current->mm->mmap_lock);
	if (!aem_wx_guarded(r))
		return 0;
	if ((newflags & VM_WRITE) && (newflags & VM_EXEC))
		return -EACCES;
	if (newflags & VM_WRITE)
		bits = VM_EXEC;
	else if (newflags & VM_EXEC)
		bits = VM_WRITE;
	else
		return 0;
	if (aem_wx_mm_has(r, current->mm, skip, bits))
		return -EACCES;
	if (r->flags & AETHER_MM_REGION_PRIVATE)
		return 0;
	for (tries = 0; tries < AEM_WX_TRIES; tries++) {
		ret = aem_wx_others_have(r, bits);
		if (ret != -EAGAIN)
			return ret;
		usleep_range(500, 1000);
	}
	return -EAGAIN;
}

/* The AEM_ACCESS_* bits a mapping with VM_* @flags asks for. */
static u32 aem_fw_access(unsigned long flags)
{
	u32 a = 0;

	if (flags & (VM_READ | VM_WRITE | VM_EXEC))
		a |= AEM_ACCESS_READ;
	if (flags & VM_WRITE)
		a |= AEM_ACCESS_WRITE;
	if (flags & VM_EXEC)
		a |= AEM_ACCESS_EXEC;
	return a;
}

#define AEM_FW_GEN_SHIFT	16

/* Below this sequence number a check of @v is stale. */
static u64 aem_view_fw_floor(const struct aem_view *v)
{
	return max(READ_ONCE(v->fw_floor), aem_fw_floor());
}

/* Does @v's last check still hold, and did it allow all of @need? */
static bool aem_view_fw_fresh(const struct aem_view *v, u32 need)
{
	u64 st = READ_ONCE(v->fw_state);

	return st >> AEM_FW_GEN_SHIFT >= aem_view_fw_floor(v) &&
	       !(need & ~(u32)(st & (BIT(AEM_FW_GEN_SHIFT) - 1)));
}

/*
 * Note that @need was allowed by a check that read sequence number @gen
 * before it.  Two checks that both still hold are one, at the older
 * number (it goes stale with either); a lost race only checks again.
 */
static void aem_view_fw_note(struct aem_view *v, u32 need, u64 gen)
{
	u64 st = READ_ONCE(v->fw_state), floor = aem_view_fw_floor(v);
	u64 old = st >> AEM_FW_GEN_SHIFT;
	u32 ok = need;

	if (old >= floor && gen >= floor) {
		ok |= st & (BIT(AEM_FW_GEN_SHIFT) - 1);
		gen = min(gen, old);
	}
	WRITE_ONCE(v->fw_state, gen << AEM_FW_GEN_SHIFT | ok);
}

/* Ask the firewall for @need on @v's region, unless its check holds. */
static int aem_view_fw_check(struct aem_view *v, enum aem_access_op op,
			     u32 need)
{
	u64 gen = aem_fw_gen();
	int ret;

	if (op == AEM_ACCESS_OP_FAULT && aem_view_fw_fresh(v, need))
		return 0;
	ret = aem_region_fw(v->region, op, need);
	if (ret < 0)
		return ret;
	aem_view_fw_note(v, need & ~AEM_ACCESS_MPROTECT, gen);
	return 0;
}

static int aem_region_vm_mprotect(struct vm_area_struct *vma,
				  unsigned long start, unsigned long end,
				  unsigned long newflags)
{
	struct aem_view *v = vma->vm_private_data;
	struct aem_region *r = v->region;
	bool whole = start == vma->vm_start && end == vma->vm_end;
	int ret;

	if ((newflags & VM_WRITE) && (newflags & VM_EXEC) &&
	    !(r->flags & AETHER_MM_REGION_ALLOW_WX))
		return -EACCES;
	if (newflags & ~vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) {
		ret = aem_view_fw_check(v, AEM_ACCESS_OP_MPROTECT,
					AEM_ACCESS_MPROTECT |
					aem_fw_access(newflags));
		if (ret)
			return ret;
	}
	mutex_lock(&r->wx_lock);
	ret = aem_wx_check(r, whole ? vma : NULL, newflags);
	mutex_unlock(&r->wx_lock);
	return ret;
}

/*
 * The faults, each inside aem_fw_enter(): a mapping last checked
 * before a revocation is checked again, with the toucher's credentials,
 * for the whole protection of its VMA.  A refusal is SIGSEGV, as a touch
 * of a PROT_NONE page: the mapping exists, the access is not allowed
 * (SIGBUS would say the page is missing or its backing failed).
 */
static vm_fault_t aem_fw_fault_check(struct vm_area_struct *vma)
{
	struct aem_view *v = vma->vm_private_data;

	if (aem_view_fw_check(v, AEM_ACCESS_OP_FAULT,
			      aem_fw_access(vma->vm_flags)))
		return VM_FAULT_SIGSEGV;
	return 0;
}

static vm_fault_t aem_region_vm_fault(struct vm_fault *vmf)
{
	int idx = aem_fw_enter();
	vm_fault_t ret = aem_fw_fault_check(vmf->vma);

	if (!ret)
		ret = aem_region_fault(vmf);
	aem_fw_exit(idx);
	return ret;
}

static vm_fault_t aem_region_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	int idx = aem_fw_enter();
	vm_fault_t ret = aem_fw_fault_check(vmf->vma);

	if (!ret)
		ret = aem_region_pfn_mkwrite(vmf);
	aem_fw_exit(idx);
	return ret;
}

static vm_fault_t aem_region_vm_huge_fault(struct vm_fault *vmf,
					   AEM_HUGE_FAULT_ARG arg)
{
	int idx = aem_fw_enter();
	vm_fault_t ret = aem_fw_fault_check(vmf->vma);

	if (!ret)
		ret = aem_region_huge_fault(vmf, arg);
	aem_fw_exit(idx);
	return ret;
}

/* Fault-around maps nothing for a refused view: ->fault then refuses. */
static vm_fault_t aem_region_vm_map_pages(struct vm_fault *vmf,
					  pgoff_t start_pgoff,
					  pgoff_t end_pgoff)
{
	int idx = aem_fw_enter();
	vm_fault_t ret = 0;

	if (!aem_fw_fault_check(vmf->vma))
		ret = aem_region_map_pages(vmf, start_pgoff, end_pgoff);
	aem_fw_exit(idx);
	return ret;
}

const struct vm_operations_struct aem_region_vm_ops = {
	.open		= aem_region_vm_open,
	.close		= aem_region_vm_close,
	.mprotect	= aem_region_vm_mprotect,
	.fault		= aem_region_vm_fault,
	.pfn_mkwrite	= aem_region_vm_pfn_mkwrite,
	.huge_fault	= aem_region_vm_huge_fault,
	.map_pages	= aem_region_vm_map_pages,
};

/* Is @vma a mapping of region @r? */
bool aem_vma_of_region(struct vm_area_struct *vma, struct aem_region *r)
{
	const struct aem_view *v = vma->vm_private_data;

	return vma->vm_ops == &aem_region_vm_ops && v && v->region == r;
}

int aem_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aem_region *r = file->private_data;
	unsigned long total = r->nr_pages + 2UL * r->guard;
	unsigned long flags = vma->vm_flags;
	u64 gen = aem_fw_gen();
	struct aem_view *v;
	int err;

	/*
	 * Copy-on-write is the region's flag; Linux's own COW would take
	 * anonymous pages from outside the pool.
	 */
	if (!(flags & VM_MAYSHARE))
		return -EINVAL;	/* VM_SHARED itself is gone on an O_RDONLY fd */
	if (vma->vm_pgoff >= total || vma_pages(vma) > total - vma->vm_pgoff)
		return -EINVAL;
	if ((flags & VM_WRITE) && !(r->max_prot & AETHER_MM_PROT_WRITE))
		return -EACCES;
	if ((flags & VM_EXEC) && !(r->max_prot & AETHER_MM_PROT_EXEC))
		return -EACCES;
	if ((flags & VM_WRITE) && (flags & VM_EXEC) &&
	    !(r->flags & AETHER_MM_REGION_ALLOW_WX))
		return -EACCES;
	err = aem_region_fw(r, AEM_ACCESS_OP_MMAP, aem_fw_access(flags));
	if (err < 0)
		return err;
	mutex_lock(&r->wx_lock);
	err = aem_wx_check(r, NULL, flags);
	v = err ? NULL : aem_view_get(r);
	mutex_unlock(&r->wx_lock);
	if (err)
		return err;
	if (!v)
		return -ENOMEM;
	aem_view_fw_note(v, aem_fw_access(flags), gen);
	/* mprotect() beyond the maximum protection: -EACCES from the core. */
	if (!(r->max_prot & AETHER_MM_PROT_WRITE))
		vm_flags_clear(vma, VM_MAYWRITE);
	if (!(r->max_prot & AETHER_MM_PROT_EXEC))
		vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/*
	 * A SECURE region's mappings stay out of fork() children unless it
	 * was created SECURE_FORK; VM_IO keeps MADV_DOFORK from clearing
	 * VM_DONTCOPY (secure.c).
	 */
	if (r->flags & AETHER_MM_REGION_SECURE) {
		vm_flags_set(vma, VM_IO);
		if (!(r->flags & AETHER_MM_REGION_SECURE_FORK))
			vm_flags_set(vma, VM_DONTCOPY);
	}
	/* THP "madvise" mode: the huge fault path wants it asked for. */
	if (r->flags & AETHER_MM_REGION_HUGE)
		vm_flags_set(vma, VM_HUGEPAGE);
	vma->vm_ops = &aem_region_vm_ops;
	vma->vm_private_data = v;
	return 0;
}
