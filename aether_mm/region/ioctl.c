// SPDX-License-Identifier: GPL-2.0
/*
 * region/ioctl.c - the ioctls of a region fd, and its file operations
 *
 * REGION_INFO, REGION_QUERY, REGION_CHECKSUM and REGION_MIGRATE, on the
 * fd REGION_CREATE or REGION_OPEN returned.  Each reads the image of the
 * region the caller's process sees (aem_image_get()).  REGION_DEDUPE
 * hands a checked range to the merge engine (hooks.c, aem_share_range()).
 * REGION_SET_QOS gives a range a reclaim class (qos.c).  REGION_VERIFY
 * checks a range against the checksums of verify.c.
 * REGION_CHECKSUM is the one that charges pages (stored ones loaded
 * back): between its batches of 64 it holds no lock, and there it pays
 * its over-high work once it owes a batch (aem_policy_high_due()).
 * See region.h for the objects and the lock order.
 */
#include <linux/capability.h>
#include <linux/crc32.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/siphash.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "region.h"

#define AEM_CKSUM_BATCH		AEM_VMAP_MAX	/* pages per kernel view */

/*
 * The image of @r the caller's process sees: the top layer of its view,
 * or the base when it maps nothing of @r; with a reference, taken under
 * views_lock, for aem_image_put().  The chain under a layer never changes,
 * so the reference is all a reader needs.  The mmap_lock would not do:
 * munmap() downgrades it to read before ->close frees the view and puts
 * its top, so another thread's munmap of the last mapping runs beside a
 * reader holding it for read.
 */
static struct aem_layer *aem_image_get(struct aem_region *r)
{
	struct aem_layer *top;
	struct aem_view *v;

	mutex_lock(&r->views_lock);
	v = aem_view_find(r, current->mm);
	top = v ? v->top : r->base;
	kref_get(&top->ref);
	mutex_unlock(&r->views_lock);
	return top;
}

/*
 * Drop what aem_image_get() took.  When @top's view went meanwhile, this
 * frees it; when a layer above it is left as its only referrer, the frames
 * that layer hides go (as aem_layer_release() does for a backing layer).
 */
void aem_image_put(struct aem_region *r, struct aem_layer *top)
{
	if (refcount_dec_and_test(&top->ref.refcount))
		aem_layer_release(&top->ref);
	else if (kref_read(&top->ref) == 1)
		aem_layer_trim(r, top);
}

/* Where REGION_INFO carries each of the counters it returns. */
static const size_t aem_rs_info_offset[AEM_NR_REGION_INFO_STATS] = {
#define AETHER_MM_REGION_COUNTER(id, field, label)			\
	[AEM_RS_##id] = offsetof(struct aether_mm_region_info, field),
#include <uapi/linux/aether_mm_region_counters.h>
#undef AETHER_MM_REGION_COUNTER
};

/* The list covers every field from @resident to @migrated. */
static_assert(AEM_NR_REGION_INFO_STATS * sizeof(__u64) ==
	      offsetofend(struct aether_mm_region_info, migrated) -
	      offsetof(struct aether_mm_region_info, resident));

static int aem_ioc_region_info(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_info info;
	unsigned int i;
	int err, nid;

	err = aem_copy_in(&info, sizeof(info), uarg);
	if (err)
		return err;
	if (info.tag || info.__reserved1)
		return -EINVAL;
	info.tag = r->tag;
	info.flags = r->flags;
	info.max_prot = r->max_prot;
	info.tier = r->tier;
	info.id = r->id;
	info.length = r->length;
	info.data_offset = (u64)r->guard << PAGE_SHIFT;
	for (i = 0; i < AEM_NR_REGION_INFO_STATS; i++)
		*(__u64 *)((u8 *)&info + aem_rs_info_offset[i]) =
			aem_region_stat(r, i);
	mutex_lock(&r->views_lock);
	info.nr_views = r->nr_views;
	mutex_unlock(&r->views_lock);
	info.nr_files = atomic_read(&r->nr_files);
	for (nid = 0; nid < AEM_MAX_NODES; nid++)
		info.node_pages[nid] = atomic_long_read(&r->node_pages[nid]);
	return aem_copy_out(uarg, &info, sizeof(info));
}

/* What maps the address REGION_QUERY asks about: AETHER_MM_MAP_* */
static int aem_pte_probe_fn(pte_t *ptep, unsigned long addr, void *data)
{
	pte_t pte = ptep_get(ptep);
	u32 *map = data;

	if (pte_present(pte)) {
		*map |= AETHER_MM_MAP_PRESENT;
		if (pte_write(pte))
			*map |= AETHER_MM_MAP_WRITE;
		if (is_zero_pfn(pte_pfn(pte)))
			*map |= AETHER_MM_MAP_ZERO;
	}
	return 0;
}

static int aem_pmd_probe_fn(pmd_t *pmdp, unsigned long addr, void *data)
{
	pmd_t pmd = READ_ONCE(*pmdp);
	u32 *map = data;

	if (pmd_present(pmd)) {
		*map |= AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_HUGE;
		if (pmd_write(pmd))
			*map |= AETHER_MM_MAP_WRITE;
	}
	return 0;
}

static int aem_ioc_region_query(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_query q;
	struct vm_area_struct *vma;
	struct aem_layer *where;
	struct aem_view *v;
	struct aem_frame *f;
	pgoff_t pg;
	void *e;
	int err;

	err = aem_copy_in(&q, sizeof(q), uarg);
	if (err)
		return err;
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, q.addr);
	if (!vma || vma->vm_ops != &aem_region_vm_ops ||
	    ((struct aem_view *)vma->vm_private_data)->region != r) {
		mmap_read_unlock(current->mm);
		return -EFAULT;
	}
	v = vma->vm_private_data;
	pg = linear_page_index(vma, q.addr);
	q.map = 0;
	q.node = -1;
	q.frame_id = 0;
	q.pfn = 0;
	aem_region_walk(r, vma, q.addr & PAGE_MASK,
			(q.addr & PAGE_MASK) + PAGE_SIZE, aem_pte_probe_fn,
			aem_pmd_probe_fn, &q.map);
	if (aem_region_is_guard(r, pg)) {
		q.state = AETHER_MM_PAGE_GUARD;
	} else {
		pgoff_t idx = pg - r->guard;

		mutex_lock(aem_slot_lock(r, idx));
		e = aem_lookup_entry(v->top, idx, &where);
		f = aem_slot_frame(e);
		if (aem_slot_is_stored(e)) {
			q.state = AETHER_MM_PAGE_STORED;
		} else if (!f) {
			q.state = AETHER_MM_PAGE_NONE;
		} else if (where == v->top && !aem_frame_is_shared(f) &&
			   (r->flags & AETHER_MM_REGION_PRIVATE)) {
			q.state = AETHER_MM_PAGE_OWN;
		} else {
			q.state = AETHER_MM_PAGE_SHARED;
		}
		if (f) {
			q.node = aem_frame_nid(f);
			q.frame_id = siphash_1u64(aem_frame_pfn(f),
						  &aem_frame_id_key) | 1;
			if (capable(CAP_SYS_ADMIN))
				q.pfn = aem_frame_pfn(f);
		}
		mutex_unlock(aem_slot_lock(r, idx));
	}
	mmap_read_unlock(current->mm);
	return aem_copy_out(uarg, &q, sizeof(q));
}

/*
 * The frame of @idx in the image of @top, referenced, NULL for a hole, or
 * an ERR_PTR() when a stored page cannot come back.  Over the group's max,
 * its reclaim and one more try (region.h); over high, its over-high work.
 */
static struct aem_frame *aem_region_crc_get(struct file *file,
					    struct aem_region *r,
					    struct aem_layer *top, pgoff_t idx)
{
	struct aem_layer *where;
	struct aem_frame *f;
	bool last = false;
	u8 pend, seen = 0;

	if (!top)
		return NULL;
	for (;;) {
		mutex_lock(aem_slot_lock(r, idx));
		if (last)
			aem_region_pending_last(r, idx);
		f = aem_lookup(top, idx, &where);
		if (!IS_ERR_OR_NULL(f))
			aem_frame_get(f);
		pend = aem_region_pending_take(r, idx);
		mutex_unlock(aem_slot_lock(r, idx));
		seen |= pend;
		if (last || !aem_region_charge_after(r, idx, pend, 1, 0))
			break;
		last = true;
	}
	aem_region_over_high(file, r, idx, seen, 1);
	return f;
}

/* CRC-32 of @nr pages from @idx of the image of @top, via vm_map_ram(). */
static int aem_region_crc(struct file *file, struct aem_region *r,
			  struct aem_layer *top, pgoff_t idx, unsigned int nr,
			  u32 *crc)
{
	struct aem_frame *frames[AEM_CKSUM_BATCH];
	void *addr = NULL;
	unsigned int i;
	int err = 0;

	/*
	 * Under the slot lock, a reference on each frame: a migration may
	 * replace a frame in its layer once the lock is dropped, and the
	 * reference keeps the old one (and its content) until we are done.
	 */
	for (i = 0; i < nr; i++) {
		frames[i] = aem_region_crc_get(file, r, top, idx + i);
		if (IS_ERR(frames[i])) {
			err = PTR_ERR(frames[i]);
			frames[i] = NULL;
		}
	}
	/* A stored page that could not come back fails the whole sum. */
	if (!err)
		addr = aem_vmap_frames(frames, nr);
	if (addr) {
		*crc = crc32_le(*crc, addr, (size_t)nr << PAGE_SHIFT);
		aem_vunmap_frames(addr, nr);
	}
	for (i = 0; i < nr; i++)
		if (frames[i])
			aem_free_pages(frames[i], 0);
	if (err)
		return err;
	return addr ? 0 : -ENOMEM;
}

/* A byte range of the data from userspace: page aligned, not empty, inside. */
static bool aem_region_range_ok(const struct aem_region *r, u64 offset,
				u64 length)
{
	return length && PAGE_ALIGNED(offset) && PAGE_ALIGNED(length) &&
	       offset <= r->length && length <= r->length - offset;
}

static int aem_ioc_region_checksum(struct file *file, struct aem_region *r,
				   void __user *uarg)
{
	struct aether_mm_region_checksum c;
	struct aem_layer *top;
	pgoff_t idx, end;
	u32 crc = ~0U;
	int err;

	err = aem_copy_in(&c, sizeof(c), uarg);
	if (err)
		return err;
	if (c.__reserved0 || c.__reserved1)
		return -EINVAL;
	if (!aem_region_range_ok(r, c.offset, c.length) ||
	    c.length > AETHER_MM_CHECKSUM_MAX)
		return -EINVAL;
	/* A private region's base is empty: the image of a non-mapper. */
	top = aem_image_get(r);
	idx = c.offset >> PAGE_SHIFT;
	end = idx + (c.length >> PAGE_SHIFT);
	while (idx < end && !err) {
		unsigned int nr = min_t(pgoff_t, end - idx, AEM_CKSUM_BATCH);

		err = aem_region_crc(file, r, top, idx, nr, &crc);
		idx += nr;
		/*
		 * No lock held between batches: pay for the pages loaded
		 * over high once they are a batch's worth, not once at the
		 * end (review L2: a single penalty for a whole region).
		 */
		aem_policy_high_due();
		if (fatal_signal_pending(current))
			err = -EINTR;
	}
	aem_image_put(r, top);
	if (err)
		return err;
	c.crc32 = crc ^ ~0U;
	return aem_copy_out(uarg, &c, sizeof(c));
}

static int aem_ioc_region_migrate(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_migrate m;
	struct aem_layer *top;
	pgoff_t idx, end;
	int err = 0;

	err = aem_copy_in(&m, sizeof(m), uarg);
	if (err)
		return err;
	if (m.node != AETHER_MM_MIGRATE_AUTO &&
	    (m.node < 0 || m.node >= AEM_MAX_NODES || !aem_pool_has_node(m.node)))
		return -EINVAL;
	if (!aem_region_range_ok(r, m.offset, m.length))
		return -EINVAL;
	m.migrated = 0;
	m.busy = 0;
	m.failed = 0;
	top = aem_image_get(r);
	idx = m.offset >> PAGE_SHIFT;
	end = idx + (m.length >> PAGE_SHIFT);
	for (; idx < end; idx++) {
		aem_migrate_one(r, top, idx, m.node, &m);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	aem_image_put(r, top);
	if (err)
		return err;
	return aem_copy_out(uarg, &m, sizeof(m));
}

/*
 * The fd must be open for writing (merging changes what backs its pages)
 * and the region MERGEABLE, not SECURE; the engine does the rest.  The
 * range meets every page of the region's trust domain and the figures
 * say what merged, so another uid's region is refused, as REGION_STATS
 * refuses it: a guess written into it would tell whether any region of
 * its owner, even one the caller cannot open, holds the guessed page.
 */
static int aem_ioc_region_dedupe(struct file *file, struct aem_region *r,
				 void __user *uarg)
{
	struct aether_mm_region_dedupe d;
	long ret;
	int err;

	err = aem_copy_in(&d, sizeof(d), uarg);
	if (err)
		return err;
	if (d.flags)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!uid_eq(r->uid, current_fsuid()) && !capable(CAP_SYS_ADMIN))
		return -EACCES;
	if ((r->flags & (AETHER_MM_REGION_MERGEABLE | AETHER_MM_REGION_SECURE)) !=
	    AETHER_MM_REGION_MERGEABLE)
		return -EINVAL;
	if (!aem_region_range_ok(r, d.offset, d.length) ||
	    d.length > AETHER_MM_DEDUPE_MAX)
		return -EINVAL;
	d.merged = 0;
	d.saved = 0;
	d.scanned = 0;
	/* The file holds one; this one is the call's own, as documented. */
	kref_get(&r->ref);
	ret = aem_share_range(r, d.offset >> PAGE_SHIFT,
			      (d.offset + d.length) >> PAGE_SHIFT, &d);
	aem_region_put(r);
	if (ret && ret != -EINTR)
		return ret;
	err = aem_copy_out(uarg, &d, sizeof(d));
	return ret ? ret : err;
}

/* The firewall's access bit of a region command, 0 for an unknown one. */
static u32 aem_region_ioc_access(unsigned int cmd)
{
	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_INFO):
		return AEM_ACCESS_INFO;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_QUERY):
		return AEM_ACCESS_QUERY;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_CHECKSUM):
		return AEM_ACCESS_CHECKSUM;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_MIGRATE):
		return AEM_ACCESS_MIGRATE;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_DEDUPE):
		return AEM_ACCESS_DEDUPE;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_SET_QOS):
		return AEM_ACCESS_QOS;
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_VERIFY):
		/* It reads every page against its sum, as CHECKSUM does. */
		return AEM_ACCESS_CHECKSUM;
	default:
		return 0;
	}
}

/*
 * VERIFY: each page of the range, as the caller's image resolves it,
 * against its record (verify.c), under its slot lock.  The call holds the
 * region (a reference of its own), the image (aem_image_get()) and, under
 * each slot lock, the frames it reads.
 */
static int aem_ioc_region_verify(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_verify v;
	struct aem_integ_tally t = { };
	struct aem_layer *top, *where;
	pgoff_t idx, end;
	int err;

	err = aem_copy_in(&v, sizeof(v), uarg);
	if (err)
		return err;
	if (v.flags)
		return -EINVAL;
	if (!aem_region_range_ok(r, v.offset, v.length) ||
	    v.length > AETHER_MM_VERIFY_MAX)
		return -EINVAL;
	kref_get(&r->ref);
	top = aem_image_get(r);
	idx = v.offset >> PAGE_SHIFT;
	end = idx + (v.length >> PAGE_SHIFT);
	for (; idx < end; idx++) {
		mutex_lock(aem_slot_lock(r, idx));
		if (aem_lookup_entry(top, idx, &where))
			aem_integ_check_locked(r, where, idx, &t);
		mutex_unlock(aem_slot_lock(r, idx));
		aem_integ_check_finish(r, &t);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	aem_image_put(r, top);
	aem_region_put(r);
	if (err)
		return err;
	v.checked = t.checked;
	v.mismatches = t.mismatches;
	v.repaired = t.repaired;
	v.poisoned = t.poisoned;
	return aem_copy_out(uarg, &v, sizeof(v));
}

static long aem_region_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct aem_region *r = file->private_data;
	void __user *uarg = (void __user *)arg;
	u32 access = aem_region_ioc_access(cmd);
	int ret;

	if (!access)
		return -ENOTTY;
	/* The firewall, for whoever holds the fd now (passed or inherited). */
	ret = aem_region_fw(r, AEM_ACCESS_OP_IOCTL, access);
	if (ret < 0)
		return ret;
	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_INFO):
		return aem_ioc_region_info(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_QUERY):
		return aem_ioc_region_query(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_CHECKSUM):
		return aem_ioc_region_checksum(file, r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_MIGRATE):
		return aem_ioc_region_migrate(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_DEDUPE):
		return aem_ioc_region_dedupe(file, r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_SET_QOS):
		return aem_ioc_region_set_qos(file, r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_VERIFY):
		return aem_ioc_region_verify(r, uarg);
	default:
		return -ENOTTY;
	}
}

static int aem_region_file_release(struct inode *inode, struct file *file)
{
	struct aem_region *r = file->private_data;

	aem_region_files_put(r);
	aem_region_put(r);
	return 0;
}

const struct file_operations aem_region_fops = {
	.owner		= THIS_MODULE,
	.release	= aem_region_file_release,
	.mmap		= aem_region_mmap,
	/* 2 MiB aligned with the file offset, for the PMDs of HUGE regions */
	.get_unmapped_area = thp_get_unmapped_area,
	.unlocked_ioctl	= aem_region_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};
