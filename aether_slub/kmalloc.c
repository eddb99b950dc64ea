// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc.c - size classes for aslub_kmalloc(), and what is bigger
 *
 * DOC: Overview
 *
 * Fourteen caches, "aslub-kmalloc-8" to "aslub-kmalloc-16k", with the
 * classes Linux has: powers of two from 8 to 16384 plus 96 and 192.  A
 * power-of-two class is aligned to its size, as Linux's kmalloc() is since
 * 5.4.  Sizes up to 192 find their class through a table by 8-byte steps
 * (mm/slab_common.c size_index[]), larger ones through fls().
 *
 * A request above 16 KiB is a block of the pool of its own, of the order
 * that holds it; its head page's private word says so
 * (ASLUB_LARGE_TAG | order << 1), and aslub_kfree() reads it back.
 * aslub_kfree() checks that what it is given is ours (a pool page holding
 * a live slab, or the head of a large block), and reports anything else
 * instead of corrupting memory.
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "internal.h"

static const unsigned int aslub_kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384,
};

#define ASLUB_NR_KMALLOC	ARRAY_SIZE(aslub_kmalloc_sizes)
#define ASLUB_SMALL_MAX		192U

static struct aslub_cache *aslub_kmalloc_caches[ASLUB_NR_KMALLOC];
/* Class of each 8-byte step up to 192: (size - 1) / 8. */
static u8 aslub_size_index[ASLUB_SMALL_MAX / 8];

static atomic_long_t aslub_large_allocs = ATOMIC_LONG_INIT(0);
static atomic_long_t aslub_large_pages = ATOMIC_LONG_INIT(0);
static atomic_long_t aslub_invalid_kfree = ATOMIC_LONG_INIT(0);

static unsigned int aslub_class_index(size_t size)
{
	if (size <= ASLUB_SMALL_MAX)
		return aslub_size_index[(size - 1) / 8];
	return fls(size - 1) - 1;
}

/**
 * aslub_kmalloc_cache() - the size class cache for @size bytes
 * @size: 1..ASLUB_KMALLOC_MAX
 *
 * Return: the cache, or NULL for a size outside the classes.
 */
struct aslub_cache *aslub_kmalloc_cache(size_t size)
{
	if (!size || size > ASLUB_KMALLOC_MAX)
		return NULL;
	return aslub_kmalloc_caches[aslub_class_index(size)];
}

/**
 * aslub_kmalloc_class_size() - bytes of the @idx-th size class
 * @idx: 0..aslub_nr_kmalloc() - 1
 *
 * Return: its size.
 */
unsigned int aslub_kmalloc_class_size(unsigned int idx)
{
	return idx < ASLUB_NR_KMALLOC ? aslub_kmalloc_sizes[idx] : 0;
}

/**
 * aslub_nr_kmalloc() - the number of size classes
 *
 * Return: 14.
 */
unsigned int aslub_nr_kmalloc(void)
{
	return ASLUB_NR_KMALLOC;
}

/**
 * aslub_large_counts() - counters of what bypasses the size classes
 * @allocs: live large allocations
 * @pages: pages they hold
 * @invalid: aslub_kfree() calls on memory that is not ours
 */
void aslub_large_counts(u64 *allocs, u64 *pages, u64 *invalid)
{
	*allocs = atomic_long_read(&aslub_large_allocs);
	*pages = atomic_long_read(&aslub_large_pages);
	*invalid = atomic_long_read(&aslub_invalid_kfree);
}

static void *aslub_large_alloc(size_t size, gfp_t gfp, int nid)
{
	unsigned int order = get_order(size), flags;
	struct aem_frame *frame;
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	flags = AEM_OWNER(AEM_OWNER_SLUB);
	if (!gfpflags_allow_blocking(gfp))
		flags |= AEM_ALLOC_ATOMIC;
	if (gfp & __GFP_ZERO)
		flags |= AEM_ALLOC_ZERO;
	if ((gfp & __GFP_THISNODE) && nid != NUMA_NO_NODE)
		flags |= AEM_ALLOC_THISNODE;
	frame = aem_alloc_pages(nid, order, flags);
	if (!frame)
		return NULL;
	page = aem_frame_page(frame);
	set_page_private(page, ASLUB_LARGE_TAG | ((unsigned long)order << 1));
	atomic_long_inc(&aslub_large_allocs);
	atomic_long_add(1L << order, &aslub_large_pages);
	return page_address(page);
}

static void aslub_large_free(struct page *page, struct aem_frame *frame)
{
	unsigned int order = page_private(page) >> 1;

	set_page_private(page, 0);
	atomic_long_dec(&aslub_large_allocs);
	atomic_long_sub(1L << order, &aslub_large_pages);
	aem_free_pages(frame, order);
}

/**
 * aslub_kmalloc_node() - allocate @size bytes from the size classes
 * @size: bytes; 0 gives ZERO_SIZE_PTR
 * @gfp: as for aslub_cache_alloc()
 * @nid: node, or NUMA_NO_NODE
 *
 * Above ASLUB_KMALLOC_MAX the memory is a pool block of its own.
 *
 * Return: the memory, or NULL.
 */
void *aslub_kmalloc_node(size_t size, gfp_t gfp, int nid)
{
	struct aslub_cache *s;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > ASLUB_KMALLOC_MAX))
		return aslub_large_alloc(size, gfp, nid);
	s = aslub_kmalloc_caches[aslub_class_index(size)];
	if (nid == NUMA_NO_NODE)
		return aslub_cache_alloc(s, gfp);
	return aslub_cache_alloc_node(s, gfp, nid);
}
EXPORT_SYMBOL_GPL(aslub_kmalloc_node);

static void aslub_kfree_invalid(const void *p, const char *why)
{
	atomic_long_inc(&aslub_invalid_kfree);
	pr_err("invalid free: aslub_kfree(%p) from %pS: %s\n", p,
	       __builtin_return_address(1), why);
}

/**
 * aslub_kfree() - free memory from aslub_kmalloc() and friends
 * @p: the memory, or NULL or ZERO_SIZE_PTR
 *
 * A pointer that is not ours is reported and left alone.
 */
void aslub_kfree(const void *p)
{
	struct aem_frame *frame;
	struct aslub_slab *slab;
	unsigned long priv;
	struct page *page;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (unlikely(!virt_addr_valid(p))) {
		aslub_kfree_invalid(p, "not in the direct map");
		return;
	}
	page = virt_to_page(p);
	frame = aem_page_to_frame(page);
	if (unlikely(!frame)) {
		aslub_kfree_invalid(p, "not pool memory");
		return;
	}
	priv = page_private(page);
	if (priv & ASLUB_LARGE_TAG) {
		if (unlikely(p != page_address(page)))
			aslub_kfree_invalid(p, "inside a large allocation");
		else
			aslub_large_free(page, frame);
		return;
	}
	slab = (struct aslub_slab *)priv;
	if (unlikely(!slab || slab->magic != ASLUB_SLAB_MAGIC)) {
		aslub_kfree_invalid(p, "pool memory that is not a slab");
		return;
	}
	aslub_cache_free(slab->cache, (void *)p);
}
EXPORT_SYMBOL_GPL(aslub_kfree);

/**
 * aslub_ksize() - usable bytes of an allocation
 * @p: from aslub_kmalloc()
 *
 * Return: the size of its class or block, 0 for NULL or a foreign pointer.
 */
size_t aslub_ksize(const void *p)
{
	struct aslub_slab *slab;
	unsigned long priv;
	struct page *page;

	if (ZERO_OR_NULL_PTR(p) || !virt_addr_valid(p))
		return 0;
	page = virt_to_page(p);
	if (!aem_page_to_frame(page))
		return 0;
	priv = page_private(page);
	if (priv & ASLUB_LARGE_TAG)
		return PAGE_SIZE << (priv >> 1);
	slab = (struct aslub_slab *)priv;
	if (!slab || slab->magic != ASLUB_SLAB_MAGIC)
		return 0;
	return slab->cache->object_size;
}
EXPORT_SYMBOL_GPL(aslub_ksize);

/**
 * aslub_krealloc() - resize an allocation
 * @p: from aslub_kmalloc(), or NULL
 * @new_size: bytes wanted; 0 frees @p and gives ZERO_SIZE_PTR
 * @gfp: as for aslub_kmalloc(); __GFP_ZERO zeroes the new bytes
 *
 * The contents up to the smaller of the two sizes are kept; @p is left
 * alone when the new allocation fails.
 *
 * With __GFP_ZERO every byte from the old size up to @new_size reads as
 * zero, as with Linux's krealloc(), on the same condition: every call for
 * this memory, from its first allocation on, passed __GFP_ZERO.  A size
 * class does not remember the size it was asked for, so the object keeps
 * the invariant instead: past the size last asked for it holds zeroes.
 * The first allocation zeroes the whole object (ksize() bytes); a resize
 * that stays in place zeroes from @new_size to ksize(), so a shrink
 * followed by a grow in place finds zeroes where the old contents were;
 * a move copies ksize() bytes, that tail included, into a zeroed object.
 *
 * Return: the memory (maybe @p itself), or NULL.
 */
void *aslub_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks;
	void *ret;

	if (unlikely(!new_size)) {
		aslub_kfree(p);
		return ZERO_SIZE_PTR;
	}
	ks = aslub_ksize(p);
	if (ks >= new_size) {
		if (gfp & __GFP_ZERO)
			memset((void *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = aslub_kmalloc(new_size, gfp);
	if (!ret)
		return NULL;
	if (ks)
		memcpy(ret, p, ks);
	aslub_kfree(p);
	return ret;
}
EXPORT_SYMBOL_GPL(aslub_krealloc);

static void aslub_size_index_init(void)
{
	unsigned int i, c = 0;

	for (i = 0; i < ARRAY_SIZE(aslub_size_index); i++) {
		while (aslub_kmalloc_sizes[c] < (i + 1) * 8)
			c++;
		aslub_size_index[i] = c;
	}
}

/**
 * aslub_kmalloc_init() - create the size class caches
 *
 * Return: 0, or the error of the cache that could not be created (the
 * others are destroyed again).
 */
int aslub_kmalloc_init(void)
{
	struct aslub_cache *s;
	unsigned int i, size, align;
	char name[ASLUB_NAME_LEN];

	aslub_size_index_init();
	for (i = 0; i < ASLUB_NR_KMALLOC; i++) {
		size = aslub_kmalloc_sizes[i];
		align = is_power_of_2(size) ? size : 0;
		if (size >= 1024)
			snprintf(name, sizeof(name), "aslub-kmalloc-%uk",
				 size / 1024);
		else
			snprintf(name, sizeof(name), "aslub-kmalloc-%u", size);
		s = __aslub_cache_create(name, size, min_t(unsigned int, align,
							   PAGE_SIZE),
					 aslub_debug_flags, NULL, true);
		if (IS_ERR(s)) {
			aslub_kmalloc_exit();
			return PTR_ERR(s);
		}
		aslub_kmalloc_caches[i] = s;
	}
	return 0;
}

/**
 * aslub_kmalloc_exit() - destroy the size class caches
 *
 * A class with objects still allocated (a leak: every user of ours is
 * gone by now) is reported and kept, with its slabs, rather than freed
 * under the leaker.
 */
void aslub_kmalloc_exit(void)
{
	unsigned int i;

	for (i = 0; i < ASLUB_NR_KMALLOC; i++) {
		if (aslub_kmalloc_caches[i] &&
		    aslub_cache_destroy(aslub_kmalloc_caches[i]))
			pr_err("%s leaked at unload\n",
			       aslub_kmalloc_caches[i]->name);
		aslub_kmalloc_caches[i] = NULL;
	}
}
