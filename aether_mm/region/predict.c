// SPDX-License-Identifier: GPL-2.0
/*
 * region/predict.c - the prefetch predictor of region faults
 *
 * Each view watches its stream of faults: once two
 * distances in a row are equal (a sequential or strided scan, stride up
 * to AEM_PRED_MAX_STRIDE pages either way), a fault also maps the next
 * window of pages of the stream, as a read fault would: what they resolve
 * to, never allocating (a write stream over pages never written gets
 * nothing mapped ahead: that would take frames nobody may touch).  When
 * the next fault comes right after the window, the stream went through
 * it: a hit, and the window doubles up to prefetch_max; any other next
 * fault counts the window wasted and halves it.
 *
 * Each view's predictor state is under its pred_lock, a spinlock taken
 * alone (never while taking another lock); the pages mapped ahead are
 * mapped under their slot locks as a read fault maps them (fault.c).
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include "region.h"

#define AEM_PRED_MIN_WINDOW	2
#define AEM_PRED_MAX_STRIDE	64
#define AEM_PREFETCH_LIMIT	256

unsigned int aem_prefetch_max = 16;

static int aem_prefetch_max_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, AEM_PREFETCH_LIMIT);
}

static const struct kernel_param_ops aem_prefetch_max_ops = {
	.set = aem_prefetch_max_set,
	.get = param_get_uint,
};

module_param_cb(prefetch_max, &aem_prefetch_max_ops, &aem_prefetch_max, 0644);
MODULE_PARM_DESC(prefetch_max, "Largest window of pages a region fault maps ahead of a sequential or strided stream, 0..256 (default 16, 0 = off; writable)");

/**
 * aem_view_pred_init() - a new view's predictor: no stream yet
 * @v: the view
 */
void aem_view_pred_init(struct aem_view *v)
{
	spin_lock_init(&v->pred_lock);
	v->pred_window = AEM_PRED_MIN_WINDOW;
}

/*
 * Map @idx ahead of the stream, never allocating (but for a NUMA move,
 * which frees as much as it takes); nothing for a page never written
 * when @write (the stream would fault on it anyway).
 * Return: true when an entry was installed or was there.
 */
static bool aem_prefetch_one(struct vm_area_struct *vma, struct aem_view *v,
			     pgoff_t idx, bool write)
{
	struct aem_region *r = v->region;
	pgoff_t pg = idx + r->guard;
	unsigned long addr;
	vm_fault_t ret;

	if (pg < vma->vm_pgoff || pg - vma->vm_pgoff >= vma_pages(vma))
		return false;
	addr = vma->vm_start + ((pg - vma->vm_pgoff) << PAGE_SHIFT);
	mutex_lock(aem_slot_lock(r, idx));
	aem_numa_fault(v, idx);
	ret = aem_map_resolved(vma, v, idx, addr, write, true);
	mutex_unlock(aem_slot_lock(r, idx));
	return ret == VM_FAULT_NOPAGE;
}

/* After a fault at @idx: judge the last window, maybe map the next. */
void aem_predict(struct vm_area_struct *vma, struct aem_view *v,
		 pgoff_t idx, bool write)
{
	unsigned int max = READ_ONCE(aem_prefetch_max), n = 0, i, mapped = 0;
	struct aem_region *r = v->region;
	long d, stride = 0;

	if (!max)
		return;
	spin_lock(&v->pred_lock);
	if (v->pred_inflight) {
		if (idx == v->pred_expect) {
			aem_region_stat_add(r, AEM_RS_PREFETCH_HITS, v->pred_inflight);
			v->pred_window = min(v->pred_window * 2, max);
		} else {
			aem_region_stat_add(r, AEM_RS_PREFETCH_WASTED, v->pred_inflight);
			v->pred_window = max_t(unsigned int, v->pred_window / 2,
					       AEM_PRED_MIN_WINDOW);
		}
		v->pred_inflight = 0;
	}
	d = (long)(idx - v->pred_last);
	if (d && d == v->pred_stride) {
		v->pred_conf++;
	} else {
		v->pred_stride = d;
		v->pred_conf = 0;
	}
	v->pred_last = idx;
	if (v->pred_conf && abs(v->pred_stride) <= AEM_PRED_MAX_STRIDE) {
		stride = v->pred_stride;
		n = min(v->pred_window, max);
		/* The stream's position moves past the window. */
		v->pred_last = idx + stride * n;
		v->pred_expect = idx + stride * (n + 1);
	}
	spin_unlock(&v->pred_lock);

	for (i = 1; i <= n; i++) {
		pgoff_t j = idx + stride * i;

		if (j >= r->nr_pages)	/* also below 0: unsigned */
			break;
		aem_region_stat_inc(r, AEM_RS_PREDICTED);
		if (aem_prefetch_one(vma, v, j, write))
			mapped++;
	}
	if (!n)
		return;
	aem_region_stat_add(r, AEM_RS_PREFETCHED, mapped);
	spin_lock(&v->pred_lock);
	v->pred_inflight = mapped;
	spin_unlock(&v->pred_lock);
}
