/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_compat.h - the newer kernel API on the older kernels we support
 *
 * Force-included into every file of the suite by Kbuild.  This is the only
 * place that knows kernel versions: each block provides one API, probes for
 * the feature first and falls back on the version only where no symbol
 * tells the two apart.  Supported: 6.1 LTS and 6.12 LTS, and the running
 * kernel when its headers are installed.
 */
#ifndef _AETHER_COMPAT_H
#define _AETHER_COMPAT_H

#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

/*
 * MAX_PAGE_ORDER (6.8): the largest order the page allocator hands out.
 * Before 6.4 MAX_ORDER was one past it, 6.4 made it inclusive and 6.8
 * renamed it.  MAX_ORDER_NR_PAGES has been the size of that largest block
 * all along, so it tells without a version test.
 */
#ifndef MAX_PAGE_ORDER
#include <linux/log2.h>
#define MAX_PAGE_ORDER	ilog2(MAX_ORDER_NR_PAGES)
#endif

/*
 * shrinker_alloc()/shrinker_register()/shrinker_free() (6.7) replaced
 * register_shrinker() on a caller-embedded struct.  SHRINKER_ALLOCATED came
 * with them.
 */
#ifndef SHRINKER_ALLOCATED
struct aether_compat_shrinker {
	struct shrinker shrinker;
	char name[32];
};

static inline __printf(2, 3) struct shrinker *
shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct aether_compat_shrinker *cs;
	va_list args;

	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return NULL;
	va_start(args, fmt);
	vsnprintf(cs->name, sizeof(cs->name), fmt, args);
	va_end(args);
	cs->shrinker.flags = flags;
	cs->shrinker.seeks = DEFAULT_SEEKS;
	return &cs->shrinker;
}

static inline void shrinker_register(struct shrinker *shrinker)
{
	struct aether_compat_shrinker *cs =
		container_of(shrinker, struct aether_compat_shrinker, shrinker);

	/* Without registration the pool simply is not shrunk by reclaim. */
	if (register_shrinker(shrinker, "%s", cs->name))
		pr_warn("%s: shrinker not registered\n", cs->name);
}

static inline void shrinker_free(struct shrinker *shrinker)
{
	if (!shrinker)
		return;
	unregister_shrinker(shrinker);	/* no-op when never registered */
	kfree(container_of(shrinker, struct aether_compat_shrinker, shrinker));
}
#endif /* !SHRINKER_ALLOCATED */

/*
 * vm_flags_set()/vm_flags_clear() (6.3) replaced writing vma->vm_flags,
 * which became const then.  They are inlines, so no symbol tells.
 */
#include <linux/version.h>
#if KERNEL_VERSION(6, 3, 0) > LINUX_VERSION_CODE
#include <linux/mm_types.h>

static inline void vm_flags_set(struct vm_area_struct *vma,
				unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * vm_operations_struct.huge_fault took the entry size as an enum
 * page_entry_size until 6.6, an order since.  The enum leaves no macro
 * behind, so only the version tells.
 */
#if KERNEL_VERSION(6, 6, 0) > LINUX_VERSION_CODE
#define AEM_HUGE_FAULT_ARG		enum page_entry_size
#define aem_huge_fault_is_pmd(arg)	((arg) == PE_SIZE_PMD)
#else
#define AEM_HUGE_FAULT_ARG		unsigned int
#define aem_huge_fault_is_pmd(arg)	((arg) == PMD_ORDER)
#endif

/*
 * A PMD mapping of a pfn: marked special (6.12's
 * CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) so that GUP-fast leaves it, like a
 * special PTE.  Before, only a devmap entry is left alone by GUP-fast
 * (get_dev_pagemap() finds no pagemap for a pool page and it backs off).
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define AEM_PMD_PFN_FLAGS	PFN_DEV
#else
#define AEM_PMD_PFN_FLAGS	(PFN_DEV | PFN_MAP)
#endif

/*
 * Page faults under the per-VMA lock (6.4, CONFIG_PER_VMA_LOCK): the
 * fault holds its VMA's read lock instead of the mm's mmap_lock.  A
 * handler that must have mmap_lock drops the VMA lock and returns
 * VM_FAULT_RETRY, as vmf_can_call_fault() does.
 */
#if KERNEL_VERSION(6, 4, 0) > LINUX_VERSION_CODE
#define aem_fault_vma_locked(vmf)	false
#define aem_fault_vma_unlock(vmf)	do { } while (0)
#else
#define aem_fault_vma_locked(vmf)	(!!((vmf)->flags & FAULT_FLAG_VMA_LOCK))
#define aem_fault_vma_unlock(vmf)	vma_end_read((vmf)->vma)
#endif
/* ---- block layer (aether_zram's devices) ----------------------------- */
#include <linux/blkdev.h>
#include <linux/device/class.h>
#include <linux/pagemap.h>

/*
 * struct aether_disk_limits: what a bio-based disk of the suite asks of
 * its queue, given at allocation.  6.9 made blk_alloc_disk() take a
 * struct queue_limits (and 6.11 moved the queue flags into its
 * @features, BLK_FEAT_*); before, the limits were set one by one on the
 * queue afterwards and blk_alloc_disk() returned NULL on failure, not an
 * ERR_PTR.  aether_blk_alloc_disk() takes one description on both and
 * returns an ERR_PTR on both.
 *
 * @synchronous is the swap fast path: BLK_FEAT_SYNCHRONOUS (6.11),
 * QUEUE_FLAG_SYNCHRONOUS (6.3 to 6.10); before 6.3 the fast path was a
 * driver's ->rw_page() instead (AETHER_HAVE_RW_PAGE below).
 */
struct aether_disk_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int io_min;
	unsigned int io_opt;
	unsigned int max_discard_sectors;
	unsigned int discard_granularity;
	unsigned int max_write_zeroes_sectors;
	bool stable_writes;
	bool synchronous;
};

#ifdef BLK_FEAT_SYNCHRONOUS
static inline struct gendisk *
aether_blk_alloc_disk(const struct aether_disk_limits *l, int node)
{
	struct queue_limits lim = {
		.logical_block_size	  = l->logical_block_size,
		.physical_block_size	  = l->physical_block_size,
		.io_min			  = l->io_min,
		.io_opt			  = l->io_opt,
		.max_hw_discard_sectors	  = l->max_discard_sectors,
		.discard_granularity	  = l->discard_granularity,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
	};

	if (l->stable_writes)
		lim.features |= BLK_FEAT_STABLE_WRITES;
	if (l->synchronous)
		lim.features |= BLK_FEAT_SYNCHRONOUS;
	/* Not rotational, no entropy: the defaults of a bio-based disk. */
	return blk_alloc_disk(&lim, node);
}
#else
static inline struct gendisk *
aether_blk_alloc_disk(const struct aether_disk_limits *l, int node)
{
	struct gendisk *disk = blk_alloc_disk(node);
	struct request_queue *q;

	if (!disk)
		return ERR_PTR(-ENOMEM);
	q = disk->queue;
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_io_min(q, l->io_min);
	blk_queue_io_opt(q, l->io_opt);
	q->limits.discard_granularity = l->discard_granularity;
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	blk_queue_max_write_zeroes_sectors(q, l->max_write_zeroes_sectors);
	if (l->stable_writes)
		blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
#ifdef QUEUE_FLAG_SYNCHRONOUS
	if (l->synchronous)
		blk_queue_flag_set(QUEUE_FLAG_SYNCHRONOUS, q);
#endif
	return disk;
}
#endif

/*
 * ->rw_page() (gone in 6.3): the page-at-a-time path swap takes on a disk
 * that has one, and what makes swapon mark it SWP_SYNCHRONOUS_IO.  Where
 * neither the flag nor the feature exists, rw_page is the fast path.
 * AETHER_BDOPS_RW_PAGE(fn) fills the slot with a wrapper around
 *	int fn(struct gendisk *disk, sector_t sector, struct page *page,
 *	       bool is_write)
 * that ends the page as ->rw_page() must on success (page_endio()); on
 * error the caller resubmits through a bio, so nothing is ended.
 */
#if !defined(BLK_FEAT_SYNCHRONOUS) && !defined(QUEUE_FLAG_SYNCHRONOUS)
#define AETHER_HAVE_RW_PAGE
#define AETHER_BDOPS_RW_PAGE(fn)					\
	.rw_page = fn##_rw_page,
#define AETHER_DEFINE_RW_PAGE(fn)					\
static int fn##_rw_page(struct block_device *bdev, sector_t sector,	\
			struct page *page, enum req_op op)		\
{									\
	int ret = fn(bdev->bd_disk, sector, page, op_is_write(op));	\
									\
	if (!ret)							\
		page_endio(page, op_is_write(op), 0);			\
	return ret;							\
}
#else
#define AETHER_BDOPS_RW_PAGE(fn)
#define AETHER_DEFINE_RW_PAGE(fn)
#endif

/*
 * block_device_operations.open took the block_device and an fmode_t
 * until 6.5, the gendisk and a blk_mode_t since (BLK_OPEN_READ came with
 * it).  AETHER_DEFINE_BD_OPEN(fn) wraps int fn(struct gendisk *disk) as
 * fn_bd_open for .open.
 */
#ifdef BLK_OPEN_READ
#define AETHER_DEFINE_BD_OPEN(fn)					\
static int fn##_bd_open(struct gendisk *disk, blk_mode_t mode)		\
{									\
	return fn(disk);						\
}
#else
#define AETHER_DEFINE_BD_OPEN(fn)					\
static int fn##_bd_open(struct block_device *bdev, fmode_t mode)	\
{									\
	return fn(bdev->bd_disk);					\
}
#endif

/*
 * An exclusive open of a block device by its path (aether_zram's
 * backing_dev).  6.9 replaced blkdev_get_by_path() and blkdev_put(),
 * which took a mode with FMODE_EXCL for an exclusive claim, by
 * bdev_file_open_by_path(), which returns a file whose release
 * (bdev_fput(): the claim is yielded at once) ends the open; the holder
 * makes the claim exclusive on both.  No macro came with the change,
 * so the version tells.  struct aether_bdev keeps what each needs to
 * close: aether_bdev_open_excl() fills it and returns 0 or a negative
 * errno; aether_bdev_close() undoes it.
 */
#if KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
struct aether_bdev {
	struct block_device *bdev;
	struct file *file;
};

static inline int aether_bdev_open_excl(const char *path, void *holder,
					struct aether_bdev *b)
{
	struct file *file = bdev_file_open_by_path(path, BLK_OPEN_READ |
						   BLK_OPEN_WRITE, holder,
						   NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	b->file = file;
	b->bdev = file_bdev(file);
	return 0;
}

static inline void aether_bdev_close(struct aether_bdev *b)
{
	bdev_fput(b->file);
	b->file = NULL;
	b->bdev = NULL;
}
#else
struct aether_bdev {
	struct block_device *bdev;
};

#define AETHER_BDEV_EXCL_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

static inline int aether_bdev_open_excl(const char *path, void *holder,
					struct aether_bdev *b)
{
	struct block_device *bdev = blkdev_get_by_path(path,
						       AETHER_BDEV_EXCL_MODE,
						       holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
	return 0;
}

static inline void aether_bdev_close(struct aether_bdev *b)
{
	blkdev_put(b->bdev, AETHER_BDEV_EXCL_MODE);
	b->bdev = NULL;
}
#endif

/*
 * Class attributes take a const class and attribute, and struct class
 * lost its @owner, since 6.4 (the class became constant data of the
 * driver core).  No symbol tells.
 */
#if KERNEL_VERSION(6, 4, 0) > LINUX_VERSION_CODE
#define AETHER_CLASS_CONST
#define AETHER_CLASS_OWNER	.owner = THIS_MODULE,
#else
#define AETHER_CLASS_CONST	const
#define AETHER_CLASS_OWNER
#endif

/*
 * zstd dictionaries: zstd_create_cdict_byreference(),
 * zstd_compress_using_cdict(), zstd_create_ddict_byreference(),
 * zstd_decompress_using_ddict() and their frees, exported in 6.12 for
 * zram's algorithm parameters (6.1 exports none of them).  They came
 * without a macro, so only the version tells.  On an older kernel
 * AETHER_HAVE_ZSTD_DICT is 0 and the same names exist and fail (no
 * dictionary is ever made), so that a caller tests the constant once
 * and has no #if of its own.  The library's struct fields are camel
 * case: a caller initialises zstd_custom_mem by position.
 */
#include <linux/zstd.h>
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define AETHER_HAVE_ZSTD_DICT	1
#else
#define AETHER_HAVE_ZSTD_DICT	0

/* The layout of ZSTD_customMem, for a positional initializer. */
struct aether_compat_zstd_custom_mem {
	void *(*alloc)(void *opaque, size_t size);
	void (*free)(void *opaque, void *address);
	void *opaque;
};

#define zstd_custom_mem	struct aether_compat_zstd_custom_mem
#define zstd_cdict	struct aether_compat_zstd_cdict
#define zstd_ddict	struct aether_compat_zstd_ddict

static inline zstd_cdict *
zstd_create_cdict_byreference(const void *dict, size_t dict_size,
			      zstd_compression_parameters cparams,
			      zstd_custom_mem custom_mem)
{
	return NULL;
}

static inline size_t zstd_free_cdict(zstd_cdict *cdict)
{
	return 0;
}

static inline size_t zstd_compress_using_cdict(zstd_cctx *cctx, void *dst,
					       size_t dst_capacity,
					       const void *src,
					       size_t src_size,
					       const zstd_cdict *cdict)
{
	return (size_t)-1;	/* ZSTD_error_GENERIC */
}

static inline zstd_ddict *
zstd_create_ddict_byreference(const void *dict, size_t dict_size,
			      zstd_custom_mem custom_mem)
{
	return NULL;
}

static inline size_t zstd_free_ddict(zstd_ddict *ddict)
{
	return 0;
}

static inline size_t zstd_decompress_using_ddict(zstd_dctx *dctx, void *dst,
						 size_t dst_capacity,
						 const void *src,
						 size_t src_size,
						 const zstd_ddict *ddict)
{
	return (size_t)-1;	/* ZSTD_error_GENERIC */
}
#endif /* zstd dictionaries */
/*
 * CRC32C of a buffer, without a module dependency.  crc32c() of
 * <linux/crc32c.h> is libcrc32c's on 6.1 and 6.12 (CONFIG_LIBCRC32C=m in
 * Debian's configs): a module that needs the crypto API's "crc32c"
 * transform at load.  __crc32c_le() is lib/crc32.c's, built in
 * (CONFIG_CRC32=y) and exported on both; it computes the same function
 * (the Castagnoli polynomial, seed as given, no final inversion).  Later
 * kernels (6.14) make crc32c() the built-in library call and drop
 * __crc32c_le(): this is where that would be told apart.
 */
#include <linux/crc32.h>

static inline u32 aether_crc32c(u32 crc, const void *p, size_t len)
{
	return __crc32c_le(crc, p, len);
}
#endif /* _AETHER_COMPAT_H */
