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
#endif /* _AETHER_COMPAT_H */
