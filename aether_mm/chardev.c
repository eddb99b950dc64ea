// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/aether_mm, the pool's face to userspace
 *
 * DOC: Overview
 *
 * Every open of /dev/aether_mm gets a struct aem_file: the blocks it has
 * allocated, the ranges it has reserved and the NUMA policy its ALLOC calls
 * follow.  Nothing the kernel knows by address ever leaves this file.  A
 * block is named by a handle of the file's @blocks table,
 *
 *	handle = (cookie << 32) | id
 *
 * (handles.c, shared with every device of the suite), so that a handle of
 * another descriptor, or of a block freed a moment ago, misses with
 * -ENOENT instead of naming somebody else's memory; a reservation by a
 * plain id of the @resvs table.
 *
 * A block moves through three states as far as this file is concerned:
 *
 *	ALLOC:     taken from the pool, put in @blocks, handle given out
 *	FREE:      looked up by handle, erased from @blocks, given back
 *	release(): whatever is still in @blocks is given back
 *
 * Each block is charged to the caller of ALLOC (user.c): beyond its
 * user_max_pages ALLOC makes no more blocks (-ENOMEM when it made none),
 * and the charge goes with the block, whoever frees it.
 *
 * Reservations follow the same path through @resvs.  FREE is all or
 * nothing: every handle is first looked up and marked, and only when the
 * whole array checks out is anything erased, so a bad handle halfway
 * through leaves the file exactly as it was.
 *
 * Every command copies its struct in with aem_copy_in() (ioctl.c: the
 * struct's own @size says which version the caller speaks; the size bits
 * of the command number are ignored for the same reason), checks every
 * field, and copies the struct back.
 *
 * Lock order (an excerpt of internal.h's):
 *
 *  1. aem_file->lock (mutex): @blocks, @resvs and @pol of one open file.
 *     Held across the calls into the allocator, which may sleep.
 *  2. zone->lock (spinlock, irqsave): taken here only to snapshot a zone
 *     for ZONE_STATS, never with anything else held but 1.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/crc32.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <aether/bench.h>
#include <aether/handles.h>

#include "internal.h"

#define AEM_FILL_MULT		0x9e3779b97f4a7c15ULL
#define AEM_WORDS_PER_PAGE	(PAGE_SIZE / sizeof(u64))

/**
 * struct aem_file - one open of /dev/aether_mm
 * @lock:	protects everything below
 * @blocks:	handle -> struct aem_block
 * @resvs:	id -> struct aem_resv
 * @pol:	NUMA policy for ALLOC with node -1
 */
struct aem_file {
	struct mutex lock;	/* see the lock order above */
	struct aem_handles blocks;
	struct aem_handles resvs;
	struct aem_mempolicy pol;
};

/**
 * struct aem_block - a block held by an open file
 * @frame:	its head frame
 * @order:	its order
 * @user:	who it is charged to (user.c): the caller of ALLOC,
 *		referenced until the block goes back
 */
struct aem_block {
	struct aem_frame *frame;
	unsigned int order;
	struct aem_user *user;
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

/* @blocks' put: give a block back to the pool. */
static void aem_block_put(void *p)
{
	struct aem_block *blk = p;

	aem_free_pages(blk->frame, blk->order);
	aem_user_uncharge(blk->user, PAGE_SIZE << blk->order);
	aem_user_put(blk->user);
	kfree(blk);
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

/*
 * What ALLOC's blocks are made of: the request, its flags, its file, and
 * the caller's entry of the per-user bound (@exempt: CAP_SYS_ADMIN).
 */
struct aem_alloc_req {
	struct aem_file *f;
	const struct aether_mm_alloc *a;
	unsigned int flags;
	struct aem_user *user;
	bool exempt;
};

/* @blocks' new: take one block from the pool, NULL when it has none. */
static void *aem_block_new(void *arg)
{
	const struct aem_alloc_req *req = arg;
	const struct aether_mm_alloc *a = req->a;
	struct aem_block *blk;

	lockdep_assert_held(&req->f->lock);

	blk = kmalloc(sizeof(*blk), GFP_KERNEL_ACCOUNT);
	if (!blk)
		return NULL;
	/* Charged first: at the bound the pool is not even asked. */
	if (aem_user_charge(req->user, PAGE_SIZE << a->order, req->exempt))
		goto out_free;
	if (a->node < 0)
		blk->frame = aem_alloc_pages_mpol(&req->f->pol, a->order,
						  req->flags);
	else
		blk->frame = aem_alloc_pages(a->node, a->order, req->flags);
	if (!blk->frame)
		goto out_uncharge;
	blk->order = a->order;
	blk->user = aem_user_hold(req->user);
	return blk;

out_uncharge:
	aem_user_uncharge(req->user, PAGE_SIZE << a->order);
out_free:
	kfree(blk);
	return NULL;
}

static int aem_ioc_alloc(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_alloc a;
	struct aem_alloc_req req = { .f = f, .a = &a };
	u32 zone;
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

	/* A zeroed @zone is any zone, unless ALLOC_ZONE says it is DMA. */
	zone = a.zone;
	if (!(a.flags & AETHER_MM_ALLOC_ZONE) && zone == AETHER_MM_ZONE_ANY)
		zone = AETHER_MM_ZONE_NORMAL;

	/*
	 * Always zeroed: a freed block (or region frame) still holds its
	 * last user's bytes, and CHECKSUM and FILL's VERIFY would read them
	 * out.  AETHER_MM_ALLOC_ZERO is a no-op kept for compatibility.
	 */
	req.flags = (a.flags & ~AETHER_MM_ALLOC_ZONE) | AEM_ALLOC_ZERO |
		    AEM_ALLOC_ACCOUNT | AEM_OWNER(AEM_OWNER_USER) |
		    AEM_ZONE(zone) | AEM_MT(a.migratetype);
	/* The caller's bound: a block is charged to who allocates it. */
	req.user = aem_user_get(current_euid());
	if (IS_ERR(req.user))
		return PTR_ERR(req.user);
	req.exempt = aem_user_exempt();
	mutex_lock(&f->lock);
	ret = aem_handles_alloc_user(&f->blocks, aem_block_new, &req, &a.count,
				     a.handles, uarg, &a, sizeof(a));
	mutex_unlock(&f->lock);
	aem_user_put(req.user);
	return ret;
}

static int aem_ioc_free(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_free a;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	return aem_handles_free_user(&f->blocks, a.handles, a.count,
				     AETHER_MM_MAX_BULK);
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
	blk = aem_handle_lookup(&f->blocks, a.handle);
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
	blk = aem_handle_lookup(&f->blocks, a.handle);
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

/* Reserve [@pfn, @pfn + @nr) for @f and file it; 0 or -errno. */
static int aem_resv_add(struct aem_file *f, unsigned long pfn,
			unsigned long nr, u64 *id)
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
	if (ret) {
		kfree(r);
		return ret;
	}
	return aem_handle_add(&f->resvs, r, id);
}

/* @resvs' put: end a reservation. */
static void aem_resv_end(void *p)
{
	struct aem_resv *r = p;

	aem_unreserve_range(r->pfn, r->nr);
	kfree(r);
}

static int aem_ioc_reserve(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_reserve a;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0 || !a.nr_pages || a.nr_pages > AEM_CHUNK_PAGES)
		return -EINVAL;

	mutex_lock(&f->lock);
	ret = aem_resv_add(f, a.pfn, a.nr_pages, &a.id);
	if (!ret)
		ret = aem_handle_give(&f->resvs, a.id, uarg, &a, sizeof(a));
	mutex_unlock(&f->lock);
	return ret;
}

static int aem_ioc_unreserve(struct aem_file *f, void __user *uarg)
{
	struct aether_mm_unreserve a;
	struct aem_resv *r;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	r = aem_handle_remove(&f->resvs, a.id);
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
	if (!aem_bench_args_ok(b->threads, b->rounds, b->iterations))
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
	aem_share_stock_drain();
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
	aem_handles_init(&f->blocks, &f->lock, aem_block_put,
			 GFP_KERNEL_ACCOUNT, true);
	aem_handles_init(&f->resvs, &f->lock, aem_resv_end,
			 GFP_KERNEL_ACCOUNT, false);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int aem_release(struct inode *inode, struct file *file)
{
	struct aem_file *f = file->private_data;

	mutex_lock(&f->lock);
	aem_handles_destroy(&f->blocks);
	aem_handles_destroy(&f->resvs);
	mutex_unlock(&f->lock);

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
	.mode	= 0600,	/* udev/60-aether.rules: group aether, 0660 */
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
