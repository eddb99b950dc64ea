// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/aether_mm, the pool's face to userspace
 *
 * DOC: Overview
 *
 * Every open of /dev/aether_mm gets a struct aem_file: the blocks it has
 * allocated, the ranges it has reserved and the NUMA policy its ALLOC calls
 * follow.  Nothing the kernel knows by address ever leaves this file.  A
 * block is named by a handle,
 *
 *	handle = (cookie << 32) | id
 *
 * where the cookie is drawn once per open from a global counter and the id
 * is allocated cyclically in the file's xarray, so that a handle of another
 * descriptor, or of a block freed a moment ago, misses with -ENOENT instead
 * of naming somebody else's memory.
 *
 * A block moves through three states as far as this file is concerned:
 *
 *	ALLOC:     taken from the pool, put in @blocks, handle given out
 *	FREE:      looked up by handle, erased from @blocks, given back
 *	release(): whatever is still in @blocks is given back
 *
 * Reservations follow the same path through @resvs.  FREE is all or
 * nothing: every handle is first looked up and marked, and only when the
 * whole array checks out is anything erased, so a bad handle halfway
 * through leaves the file exactly as it was.
 *
 * Every command copies its struct in with copy_struct_from_user() (the
 * struct's own @size says which version the caller speaks; the size bits
 * of the command number are ignored for the same reason), checks every
 * field, and copies the struct back.
 *
 * Lock order (an excerpt of internal.h's):
 *
 *  1. aem_file->lock (mutex): @blocks, @resvs, @pol and the id cursors of
 *     one open file.  Held across the calls into the allocator, which may
 *     sleep.
 *  2. zone->lock (spinlock, irqsave): taken here only to snapshot a zone
 *     for ZONE_STATS, never with anything else held but 1.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "internal.h"

/* A larger struct than any future version will be is rejected outright. */
#define AEM_IOC_MAX_SIZE	PAGE_SIZE

#define AEM_FILL_MULT		0x9e3779b97f4a7c15ULL
#define AEM_WORDS_PER_PAGE	(PAGE_SIZE / sizeof(u64))

/**
 * struct aem_file - one open of /dev/aether_mm
 * @lock:	protects everything below
 * @blocks:	id -> struct aem_block
 * @resvs:	id -> struct aem_resv
 * @next_block:	cursor for cyclic block ids
 * @next_resv:	cursor for cyclic reservation ids
 * @pol:	NUMA policy for ALLOC with node -1
 * @cookie:	upper half of every handle of this file
 */
struct aem_file {
	struct mutex lock;	/* see the lock order above */
	struct xarray blocks;
	struct xarray resvs;
	u32 next_block;
	u32 next_resv;
	struct aem_mempolicy pol;
	u32 cookie;
};

/**
 * struct aem_block - a block held by an open file
 * @frame:	its head frame
 * @order:	its order
 */
struct aem_block {
	struct aem_frame *frame;
	unsigned int order;
};

/**
 * struct aem_resv - a range reserved through an open file
 * @pfn:	first page frame
 * @nr:		pages
 */
struct aem_resv {
	unsigned long pfn;
	unsigned long nr;
};

/* Marks a block already named once by the FREE call being checked. */
#define AEM_XA_FREEING		XA_MARK_1

static atomic_t aem_file_cookie = ATOMIC_INIT(0);

static inline u64 aem_handle(const struct aem_file *f, u32 id)
{
	return ((u64)f->cookie << 32) | id;
}

static struct aem_block *aem_block_lookup(struct aem_file *f, u64 handle)
{
	lockdep_assert_held(&f->lock);

	if (upper_32_bits(handle) != f->cookie)
		return NULL;
	return xa_load(&f->blocks, lower_32_bits(handle));
}

static void aem_block_put(struct aem_block *blk)
{
	aem_free_pages(blk->frame, blk->order);
	kfree(blk);
}

/*
 * Copy in a command's struct.  Its first u32 is the size the caller knows:
 * smaller than ours is a version we never published, larger is fine when
 * the tail is zero (copy_struct_from_user() says -E2BIG otherwise).
 */
int aem_copy_in(void *dst, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > AEM_IOC_MAX_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

int aem_copy_out(void __user *uarg, const void *src, size_t ksize)
{
	return copy_to_user(uarg, src, ksize) ? -EFAULT : 0;
}

/* A node named by userspace: in range and held by the pool. */
static bool aem_node_ok(s64 nid)
{
	return nid >= 0 && nid < AEM_MAX_NODES && aem_node(nid);
}

static int aem_ioc_pool_info(void __user *uarg)
{
	struct aether_mm_pool_info info;
	int ret;

	ret = aem_copy_in(&info, sizeof(info), uarg);
	if (ret)
		return ret;
	if (info.__reserved0)
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	aem_get_pool_info(&info);
	info.size = sizeof(info);
	info.__reserved0 = 0;
	return aem_copy_out(uarg, &info, sizeof(info));
}

static int aem_alloc_check(const struct aether_mm_alloc *a)
{
	if (a->__reserved0 || a->flags & ~AETHER_MM_ALLOC_FLAGS)
		return -EINVAL;
	if (a->order > AEM_MAX_ORDER || a->zone >= AETHER_MM_NR_ZONES ||
	    a->migratetype >= AETHER_MM_NR_MT)
		return -EINVAL;
	if (!a->count || a->count > AETHER_MM_MAX_BULK)
		return -EINVAL;
	if (a->node == -1)
		return a->flags & AETHER_MM_ALLOC_THISNODE ? -EINVAL : 0;
	return aem_node_ok(a->node) ? 0 : -EINVAL;
}

/* Take one block for @f and file it under a fresh id; 0 or -errno. */
static int aem_alloc_one(struct aem_file *f, const struct aether_mm_alloc *a,
			 unsigned int flags, u64 *handle)
{
	struct aem_block *blk;
	u32 id;
	int ret;

	lockdep_assert_held(&f->lock);

	blk = kmalloc(sizeof(*blk), GFP_KERNEL_ACCOUNT);
	if (!blk)
		return -ENOMEM;
	if (a->node < 0)
		blk->frame = aem_alloc_pages_mpol(&f->pol, a->order, flags);
	else
		blk->frame = aem_alloc_pages(a->node, a->order, flags);
	if (!blk->frame) {
		kfree(blk);
		return -ENOMEM;
	}
	blk->order = a->order;

	ret = xa_alloc_cyclic(&f->blocks, &id, blk, XA_LIMIT(1, U32_MAX),
			      &f->next_block, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		aem_block_put(blk);
		return ret;
	}
	*handle = aem_handle(f, id);
	return 0;
}

/* Undo the first @nr blocks of an ALLOC call that could not report them. */
static void aem_alloc_undo(struct aem_file *f, const u64 *handles,
			   unsigned int nr)
{
	unsigned int i;

	lockdep_assert_held(&f->lock);

	for (i = 0; i < nr; i++)
		aem_block_put(xa_erase(&f->blocks, lower_32_bits(handles[i])));
}

static int aem_ioc_alloc(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_alloc a;
	unsigned int flags, n;
	u32 zone;
	u64 *handles;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = aem_alloc_check(&a);
	if (ret)
		return ret;
	/* The reserve below the min watermark is the kernel's. */
	if ((a.flags & AETHER_MM_ALLOC_HIGH) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	handles = kvmalloc_array(a.count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;

	/* A zeroed @zone is any zone, unless ALLOC_ZONE says it is DMA. */
	zone = a.zone;
	if (!(a.flags & AETHER_MM_ALLOC_ZONE) && zone == AETHER_MM_ZONE_ANY)
		zone = AETHER_MM_ZONE_NORMAL;

	/*
	 * Always zeroed: a freed block (or region frame) still holds its
	 * last user's bytes, and CHECKSUM and FILL's VERIFY would read them
	 * out.  AETHER_MM_ALLOC_ZERO is a no-op kept for compatibility.
	 */
	flags = (a.flags & ~AETHER_MM_ALLOC_ZONE) | AEM_ALLOC_ZERO |
		AEM_ALLOC_ACCOUNT | AEM_OWNER(AEM_OWNER_USER) | AEM_ZONE(zone) |
		AEM_MT(a.migratetype);
	mutex_lock(&f->lock);
	for (n = 0; n < a.count; n++) {
		if (fatal_signal_pending(current) ||
		    aem_alloc_one(f, &a, flags, &handles[n]))
			break;
		cond_resched();
	}
	ret = n ? 0 : -ENOMEM;
	a.count = n;
	if (n && (copy_to_user(u64_to_user_ptr(a.handles), handles,
			       array_size(n, sizeof(*handles))) ||
		  aem_copy_out(uarg, &a, sizeof(a)))) {
		aem_alloc_undo(f, handles, n);
		ret = -EFAULT;
	}
	mutex_unlock(&f->lock);
	kvfree(handles);
	return ret;
}

/*
 * Check every handle of a FREE call and mark its block; a handle that is
 * unknown, or whose block is already marked (named twice), fails the call.
 * Returns how many were marked, @nr when all were.
 */
static unsigned int aem_free_mark(struct aem_file *f, const u64 *handles,
				  unsigned int nr)
{
	unsigned int i;
	u32 id;

	lockdep_assert_held(&f->lock);

	for (i = 0; i < nr; i++) {
		id = lower_32_bits(handles[i]);
		if (!aem_block_lookup(f, handles[i]) ||
		    xa_get_mark(&f->blocks, id, AEM_XA_FREEING))
			break;
		xa_set_mark(&f->blocks, id, AEM_XA_FREEING);
	}
	return i;
}

static int aem_ioc_free(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_free a;
	unsigned int i, marked;
	u64 *handles;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (!a.count || a.count > AETHER_MM_MAX_BULK)
		return -EINVAL;
	handles = kvmalloc_array(a.count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	if (copy_from_user(handles, u64_to_user_ptr(a.handles),
			   array_size(a.count, sizeof(*handles)))) {
		ret = -EFAULT;
		goto out;
	}

	mutex_lock(&f->lock);
	marked = aem_free_mark(f, handles, a.count);
	for (i = 0; i < marked; i++) {
		if (marked < a.count)
			xa_clear_mark(&f->blocks, lower_32_bits(handles[i]),
				      AEM_XA_FREEING);
		else
			aem_block_put(xa_erase(&f->blocks,
					       lower_32_bits(handles[i])));
	}
	mutex_unlock(&f->lock);
	ret = marked < a.count ? -ENOENT : 0;
out:
	kvfree(handles);
	return ret;
}

/* CRC-32 of a block, as zlib's crc32() computes it. */
static u32 aem_block_crc(const struct aem_block *blk)
{
	struct page *page = aem_frame_page(blk->frame);
	unsigned long i;
	u32 crc = ~0U;
	void *addr;

	for (i = 0; i < 1UL << blk->order; i++) {
		addr = kmap_local_page(nth_page(page, i));
		crc = crc32_le(crc, addr, PAGE_SIZE);
		kunmap_local(addr);
		cond_resched();
	}
	return crc ^ ~0U;
}

static int aem_ioc_block_info(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_block_info a;
	struct aem_block *blk;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	blk = aem_block_lookup(f, a.handle);
	if (blk) {
		a.order = blk->order;
		a.node = aem_frame_nid(blk->frame);
		a.zone = aem_frame_zone(blk->frame);
		a.migratetype = aem_frame_migratetype(blk->frame);
		a.pfn = capable(CAP_SYS_ADMIN) ? aem_frame_pfn(blk->frame) : 0;
		a.checksum = aem_block_crc(blk);
	}
	mutex_unlock(&f->lock);
	if (!blk)
		return -ENOENT;
	return aem_copy_out(uarg, &a, sizeof(a));
}

/* Write, or with @verify count the words that differ from, the pattern. */
static u64 aem_block_fill(const struct aem_block *blk, u64 seed, bool verify)
{
	struct page *page = aem_frame_page(blk->frame);
	u64 *words, word, idx = 0, bad = 0;
	unsigned long i, j;

	for (i = 0; i < 1UL << blk->order; i++) {
		words = kmap_local_page(nth_page(page, i));
		for (j = 0; j < AEM_WORDS_PER_PAGE; j++, idx++) {
			word = seed ^ (idx * AEM_FILL_MULT);
			if (!verify)
				words[j] = word;
			else if (words[j] != word)
				bad++;
		}
		kunmap_local(words);
		cond_resched();
	}
	return bad;
}

static int aem_ioc_fill(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_fill a;
	struct aem_block *blk;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags & ~AETHER_MM_FILL_FLAGS)
		return -EINVAL;

	mutex_lock(&f->lock);
	blk = aem_block_lookup(f, a.handle);
	if (blk)
		a.mismatches = aem_block_fill(blk, a.seed,
					      a.flags & AETHER_MM_FILL_VERIFY);
	mutex_unlock(&f->lock);
	if (!blk)
		return -ENOENT;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aem_ioc_set_policy(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_policy a;
	struct aem_mempolicy pol;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = aem_mempolicy_init(&pol, a.mode, a.nodemask);
	if (ret)
		return ret;

	mutex_lock(&f->lock);
	f->pol = pol;
	mutex_unlock(&f->lock);
	return 0;
}

static int aem_ioc_get_policy(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_policy a;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;

	mutex_lock(&f->lock);
	a.mode = f->pol.mode;
	a.nodemask = f->pol.nodemask;
	mutex_unlock(&f->lock);
	return aem_copy_out(uarg, &a, sizeof(a));
}

/* Reserve [@pfn, @pfn + @nr) for @f and file it; the new id or -errno. */
static int aem_resv_add(struct aem_file *f, unsigned long pfn,
			unsigned long nr, u32 *id)
{
	struct aem_resv *r;
	int ret;

	lockdep_assert_held(&f->lock);

	r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->pfn = pfn;
	r->nr = nr;
	ret = aem_reserve_range(pfn, nr);
	if (ret)
		goto out_free;
	ret = xa_alloc_cyclic(&f->resvs, id, r, XA_LIMIT(1, U32_MAX),
			      &f->next_resv, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto out_unreserve;
	return 0;

out_unreserve:
	aem_unreserve_range(pfn, nr);
out_free:
	kfree(r);
	return ret;
}

static void aem_resv_end(struct aem_resv *r)
{
	aem_unreserve_range(r->pfn, r->nr);
	kfree(r);
}

static int aem_ioc_reserve(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_reserve a;
	u32 id;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0 || !a.nr_pages || a.nr_pages > AEM_CHUNK_PAGES)
		return -EINVAL;

	mutex_lock(&f->lock);
	ret = aem_resv_add(f, a.pfn, a.nr_pages, &id);
	if (!ret) {
		a.id = id;
		ret = aem_copy_out(uarg, &a, sizeof(a));
		if (ret)
			aem_resv_end(xa_erase(&f->resvs, id));
	}
	mutex_unlock(&f->lock);
	return ret;
}

static int aem_ioc_unreserve(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_unreserve a;
	struct aem_resv *r = NULL;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	if (a.id && a.id <= U32_MAX)
		r = xa_erase(&f->resvs, a.id);
	if (r)
		aem_resv_end(r);
	mutex_unlock(&f->lock);
	return r ? 0 : -ENOENT;
}

/* Look up the zone a ZONE_STATS or FRAG call names, NULL when invalid. */
static struct aem_zone *aem_user_zone(u32 nid, u32 zone)
{
	if (!aem_node_ok(nid) || zone >= AETHER_MM_NR_ZONES)
		return NULL;
	return &aem_node(nid)->zones[zone];
}

/* Copy the counters of @zone into @a; takes zone->lock. */
static void aem_zone_snapshot(struct aem_zone *zone,
			      struct aether_mm_zone_stats *a)
{
	unsigned long flags;
	unsigned int o, mt;

	spin_lock_irqsave(&zone->lock, flags);
	a->managed = zone->managed;
	a->free = zone->free;
	a->reserved = zone->held;
	a->wmark_min = zone->wmark[AEM_WMARK_MIN];
	a->wmark_low = zone->wmark[AEM_WMARK_LOW];
	a->wmark_high = zone->wmark[AEM_WMARK_HIGH];
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		a->nr_free[o] = zone->free_area[o].nr_free;
		for (mt = 0; mt < AEM_NR_MT; mt++)
			a->nr_free_mt[mt][o] = zone->free_area[o].nr_free_mt[mt];
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static int aem_ioc_zone_stats(void __user *uarg)
{
	struct aether_mm_zone_stats a;
	struct aem_zone *zone;
	u32 nid, idx;
	int ret;

	BUILD_BUG_ON(AEM_NR_ORDERS > AETHER_MM_NR_ORDERS);

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	zone = aem_user_zone(a.node, a.zone);
	if (!zone)
		return -EINVAL;

	nid = a.node;
	idx = a.zone;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.node = nid;
	a.zone = idx;
	aem_zone_snapshot(zone, &a);
	a.present = a.managed > 0;
	a.pcp = aem_pcp_count(zone);
	a.alloc_ok = aem_zone_alloc_ok(zone);
	a.alloc_fail = atomic_long_read(&zone->alloc_fail);
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aem_ioc_stats(void __user *uarg)
{
	struct aether_mm_stats a;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	memset(&a, 0, sizeof(a));
	aem_get_stats(&a);
	a.size = sizeof(a);
	a.__reserved0 = 0;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aem_ioc_frag(void __user *uarg)
{
	struct aether_mm_frag a;
	struct aem_frag_info info;
	struct aem_zone *zone;
	unsigned int o;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	zone = aem_user_zone(a.node, a.zone);
	if (!zone)
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	aem_zone_frag(zone, &info);
	a.nr_orders = AEM_NR_ORDERS;
	a.free_pages = info.free_pages;
	memset(a.free_blocks, 0, sizeof(a.free_blocks));
	memset(a.unusable, 0, sizeof(a.unusable));
	memset(a.extfrag, 0, sizeof(a.extfrag));
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		a.free_blocks[o] = info.free_blocks[o];
		a.unusable[o] = info.unusable[o];
		a.extfrag[o] = info.extfrag[o];
	}
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aem_bench_check(const struct aether_mm_bench *b)
{
	if (b->__reserved1 || b->flags & ~AETHER_MM_BENCH_ZERO)
		return -EINVAL;
	if (b->op >= AETHER_MM_NR_BENCH)
		return -EINVAL;
	if (b->op == AETHER_MM_BENCH_BULK ? !b->batch || b->batch > 512 :
					    b->batch)
		return -EINVAL;
	if (!b->threads || b->threads > num_online_cpus())
		return -EINVAL;
	if (!b->rounds || b->rounds > 1000)
		return -EINVAL;
	if (!b->iterations || b->iterations > 1000000)
		return -EINVAL;
	return 0;
}

static int aem_ioc_bench(void __user *uarg)
{
	struct aether_mm_bench b;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&b, sizeof(b), uarg);
	if (ret)
		return ret;
	ret = aem_bench_check(&b);
	if (ret)
		return ret;

	b.pool_ns = 0;
	b.kernel_ns = 0;
	b.ratio = 0;
	b.kernel_zeroes = 0;
	ret = aem_bench_pool_run(&b);
	if (ret)
		return ret;
	return aem_copy_out(uarg, &b, sizeof(b));
}

static int aem_ioc_drain(void)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	aem_drain_all_pcp();
	return 0;
}

static long aem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct aem_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_MM_IOC_POOL_INFO):
		return aem_ioc_pool_info(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_ALLOC):
		return aem_ioc_alloc(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_FREE):
		return aem_ioc_free(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_BLOCK_INFO):
		return aem_ioc_block_info(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_FILL):
		return aem_ioc_fill(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_SET_POLICY):
		return aem_ioc_set_policy(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_GET_POLICY):
		return aem_ioc_get_policy(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_RESERVE):
		return aem_ioc_reserve(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_UNRESERVE):
		return aem_ioc_unreserve(f, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_ZONE_STATS):
		return aem_ioc_zone_stats(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_STATS):
		return aem_ioc_stats(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_FRAG):
		return aem_ioc_frag(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_BENCH):
		return aem_ioc_bench(uarg);
	case AETHER_MM_IOC_DRAIN:
		return aem_ioc_drain();
	case AEM_IOC_BASE(AETHER_MM_IOC_COMPACT):
		return aem_ioc_compact(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_CREATE):
		return aem_ioc_region_create(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_OPEN):
		return aem_ioc_region_open(uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_LIST):
		return aem_ioc_region_list(uarg);
	default:
		return -ENOTTY;
	}
}

static int aem_open(struct inode *inode, struct file *file)
{
	struct aem_file *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	ret = aem_mempolicy_init(&f->pol, AETHER_MM_POL_LOCAL, 0);
	if (ret) {
		kfree(f);
		return ret;
	}
	mutex_init(&f->lock);
	xa_init_flags(&f->blocks, XA_FLAGS_ALLOC1);
	xa_init_flags(&f->resvs, XA_FLAGS_ALLOC1);
	/* Zero is never a cookie, so a zeroed handle never names a block. */
	do {
		f->cookie = atomic_inc_return(&aem_file_cookie);
	} while (!f->cookie);

	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int aem_release(struct inode *inode, struct file *file)
{
	struct aem_file *f = file->private_data;
	struct aem_block *blk;
	struct aem_resv *r;
	unsigned long id;

	mutex_lock(&f->lock);
	xa_for_each(&f->blocks, id, blk) {
		aem_block_put(blk);
		cond_resched();
	}
	xa_for_each(&f->resvs, id, r)
		aem_resv_end(r);
	mutex_unlock(&f->lock);

	xa_destroy(&f->blocks);
	xa_destroy(&f->resvs);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations aem_fops = {
	.owner		= THIS_MODULE,
	.open		= aem_open,
	.release	= aem_release,
	.unlocked_ioctl	= aem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice aem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aether_mm",
	.fops	= &aem_fops,
	.mode	= 0600,
};

/**
 * aem_chardev_init() - register /dev/aether_mm
 *
 * Return: 0, or the error of misc_register().
 */
int aem_chardev_init(void)
{
	return misc_register(&aem_misc);
}

/**
 * aem_chardev_exit() - remove /dev/aether_mm
 *
 * No file can still be open: each holds a reference on the module.
 */
void aem_chardev_exit(void)
{
	misc_deregister(&aem_misc);
}
