// SPDX-License-Identifier: GPL-2.0
/*
 * zspool.c - the object allocator of aether_zram: compressed objects on
 * pool pages
 *
 * DOC: Overview
 *
 * A pool keeps objects of 1 byte to a page, as zsmalloc does, in spans:
 * runs of 1 to AZS_SPAN_MAX_PAGES order-0 pages of aether_mm's pool (owner
 * AEM_OWNER_ZRAM, migrate type MOVABLE), not necessarily contiguous.  A
 * span belongs to one size class and is cut into equal slots laid end to
 * end across its pages, so a slot may start near the end of one page and
 * end in the next ("straddle"); nothing is lost to page boundaries.
 *
 * Size classes are AZS_CLASS_DELTA (16) bytes apart from AZS_MIN_SIZE (32)
 * to PAGE_SIZE.  For each, the pages per span are chosen to waste the
 * fewest bytes (in permille of the span, ties to fewer pages).  Classes
 * whose spans have the same geometry (pages per span, slots per span) are
 * one class, the largest size of the run: a smaller object in it wastes
 * the same space it would waste in a span of its own, and sharing fills
 * spans faster.  A class whose span is one page with one slot is huge:
 * every object above azs_huge_class_size() takes a page to itself, raw.
 *
 * A slot in use starts with a header word: its handle with bit 0 set
 * (AZS_TAG_ALLOC); the caller's bytes follow.  A free slot's header holds
 * the index of the next free slot (shifted left by one, bit 0 clear).  The
 * slot size is a multiple of 8, so no header straddles a page, and
 * compaction can read every slot's state and owner from its header alone.
 * A huge object has no header: its span remembers its handle.
 *
 * Handles are opaque: the address of an unsigned long from azs_handle_cache
 * holding the object's location, the pfn of the page its slot starts in
 * and its slot index in the span (azs_loc()).  A handle is the one
 * allocation from Linux on the store's path of every page, so freed
 * handles wait in a small per-CPU stash (struct azs_hstash, at most
 * AZS_HSTASH_MAX per CPU, all pools sharing it) that the next malloc on
 * that CPU takes from before it asks the cache: a store in use frees
 * and allocates objects all the time, and the box's kernels boot with
 * slub_debug=FZP, under which every kmem_cache call takes SLUB's
 * checking slow path.  The stashes are emptied into the cache at unload.
 * The page's page->private points at the span's descriptor (struct
 * azs_span, kept off the pages).
 * Moving an object rewrites only its handle's word, so the caller's handle
 * stays valid however often compaction moves what it names.
 *
 * Fullness groups: a span in use is on one list of its class by the share
 * of its slots in use: AZS_FULL, or one of ten groups of 10% (1 = under
 * 10%, 10 = 90% to all but one).  An empty span is freed at once, its
 * pages back to the pool.  Allocation takes a slot from the fullest
 * partial span, so sparse spans drain; compaction (azs_compact()) moves
 * the objects of the sparsest span into the fullest, and repeats while the
 * class has a span's worth of free slots, freeing every span it empties.
 * aether_mm runs it for every pool when its pool runs short (the reclaim
 * client, trylocks only), and moves single span pages to other frames for
 * its own compaction of fragmented pageblocks (the movable owner).
 *
 * Life of a span:
 *
 *	azs_span_alloc() (pages from the pool, all slots on the freelist)
 *	  --> on its class's lists under the class lock, page->private set
 *	  --> group by slots in use, updated on every malloc, free, move
 *	  --> no slot in use (a free, or compaction emptying it): off the
 *	      lists and page->private cleared under the class lock, then
 *	      its pages go back to the pool and the descriptor to its cache
 *	      (SLAB_TYPESAFE_BY_RCU: see azs_move_page()).
 *
 * Life of an object: azs_malloc() takes a slot under the class lock and
 * writes the handle into the header and the location into the handle;
 * azs_write() and azs_read_begin() find it through the handle; compaction
 * and page moves relocate it (both under the pool's migrate_lock for
 * writing); azs_free() gives the slot back under the class lock, and the
 * handle back to its cache.
 *
 * Lock order (internal.h numbers the module's; these are its 6 and 7):
 *
 *  5a. azs_pools_lock (mutex): the list of pools.  Held by pool creation
 *     and destruction (whose callers may hold 1-5), by the movable
 *     callback around one page move (so that no pool is destroyed under
 *     it; aether_mm holds aem_compact_lock around it), and by the reclaim
 *     client (a trylock).  Never held around a pool allocation.
 *  6. azs_pool->migrate_lock (rwlock): the value of every handle.  Read
 *     side: turning a handle into its span (malloc needs none: its handle
 *     is new); write side: compaction and page moves, which rewrite
 *     handles.  Held for writing a bounded time: compaction lets go when
 *     a reader waits.
 *  7. azs_class->lock (spinlock): the class's lists and counters and, for
 *     every span of the class, its freelist, @inuse, @group and the slot
 *     headers.  One class at a time.
 *  7a. azs_span->lock (rwlock): the places of a span's objects.  Read by
 *     azs_read_begin() until azs_read_end() and by azs_write() (so an
 *     object does not move while it is read or written: the reader takes
 *     it under 6 for reading, then lets 6 go), written by compaction for
 *     the span it empties and by a page move for the span of the page.
 *     Taken for writing under 6 and 7; one span at a time.
 *
 * No lock of ours is held when a pool page is allocated, and freeing one
 * (aem_free_pages()) takes only aether_mm's free-list locks, so the pool's
 * reclaim can call back into us from any allocation.  A read section
 * (azs_read_begin() to azs_read_end()) holds 7a for reading, so no other
 * call on the pool may be made inside it: a compaction waiting for that
 * span holds 6 and 7, which they need.
 *
 * Where this differs from zsmalloc: a span's descriptor holds its page
 * array (no chaining of pages through struct page fields, so a page move
 * changes one pointer and the handles of the objects starting there);
 * geometry is chosen in permille, not percent; a page move finds and
 * checks its span under the class lock, the descriptors being type-safe
 * under RCU, where zsmalloc isolates pages under the page lock; the
 * reclaim client's compaction only trylocks and skips a span being read;
 * object counts live in the classes, with no pool-wide atomic on the
 * malloc and free paths; a straddling read is copied into the caller's
 * buffer, with no per-CPU mapping area.
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <aether/mm.h>

#include "internal.h"
#include "zspool.h"

#define AZS_SPAN_MAX_PAGES	4
#define AZS_MIN_SIZE		32
#define AZS_CLASS_DELTA		(PAGE_SIZE >> 8)
#define AZS_NR_CLASSES		(DIV_ROUND_UP(PAGE_SIZE - AZS_MIN_SIZE, \
					      AZS_CLASS_DELTA) + 1)
#define AZS_HDR			sizeof(unsigned long)
#define AZS_TAG_ALLOC		1UL

/* Slots of a span at most, and the bits a slot index takes in a handle. */
#define AZS_MAX_OBJS		(AZS_SPAN_MAX_PAGES * PAGE_SIZE / AZS_MIN_SIZE)
#define AZS_IDX_BITS		order_base_2(AZS_MAX_OBJS)
#define AZS_IDX_MASK		(BIT(AZS_IDX_BITS) - 1)
#define AZS_FREE_END		U16_MAX		/* end of a freelist */

/* Fullness groups: 0 empty, 1..10 by tenths of the slots in use, full. */
#define AZS_EMPTY		0
#define AZS_FULL		11
#define AZS_NR_GROUPS		12

/**
 * struct azs_span - the descriptor of one span
 * @list:	on one of its class's group lists
 * @pool:	the pool
 * @lock:	the places of its objects (lock order 7a)
 * @class_idx:	index of its class in @pool->classes
 * @group:	its fullness group
 * @inuse:	slots in use
 * @freeobj:	first free slot, or AZS_FREE_END
 * @huge_handle: the handle of the object of a huge class's span
 * @pages:	its pages, in slot order
 *
 * Every field but @lock is under the class lock once the span is on a
 * list; @pages is changed under the span's lock for writing too.
 */
struct azs_span {
	struct list_head list;
	struct azs_pool *pool;
	rwlock_t lock;
	unsigned int class_idx;
	unsigned int group;
	unsigned int inuse;
	unsigned int freeobj;
	unsigned long huge_handle;
	struct page *pages[AZS_SPAN_MAX_PAGES];
};

/**
 * struct azs_class - one size class of a pool
 * @lock:	lock order 7
 * @groups:	spans by fullness group (none stays in AZS_EMPTY)
 * @nr_spans:	spans in each group
 * @index:	its index in the pool's table (of the largest size it serves)
 * @size:	slot size in bytes, header included (PAGE_SIZE when huge)
 * @pages_per_span: pages in each of its spans
 * @objs_per_span: slots in each of its spans
 * @huge:	one object per page, with no header
 * @objs_alloced: slots in its spans
 * @objs_used:	slots in use
 * @compacted:	pages compaction freed from it, ever
 */
struct azs_class {
	spinlock_t lock;	/* lock order 7: all of the class's spans */
	struct list_head groups[AZS_NR_GROUPS];
	unsigned long nr_spans[AZS_NR_GROUPS];
	unsigned int index;
	unsigned int size;
	unsigned int pages_per_span;
	unsigned int objs_per_span;
	bool huge;
	unsigned long objs_alloced;
	unsigned long objs_used;
	unsigned long compacted;
};

/**
 * struct azs_pool - a pool of objects
 * @link:	on azs_pools
 * @migrate_lock: lock order 6
 * @classes:	the class of each size index (merged classes repeat)
 * @huge_class_size: the largest object that is not huge
 * @pages:	pool pages held
 * @pages_compacted: pages compaction gave back, ever
 * @pages_moved: pages moved for aether_mm's compaction, ever
 * @compacting: a compaction is running (another one returns at once)
 * @name:	for messages
 */
struct azs_pool {
	struct list_head link;
	rwlock_t migrate_lock;
	struct azs_class *classes[AZS_NR_CLASSES];
	size_t huge_class_size;
	atomic_long_t pages;
	atomic_long_t pages_compacted;
	atomic_long_t pages_moved;
	atomic_t compacting;
	char name[32];
};

#define AZS_HSTASH_MAX		32

/**
 * struct azs_hstash - freed handles kept for the next malloc on a CPU
 * @nr:		how many
 * @h:		the handles
 *
 * Used with interrupts off on its own CPU (azs_handle_get(), _put()).
 */
struct azs_hstash {
	unsigned int nr;
	unsigned long h[AZS_HSTASH_MAX];
};

static DEFINE_PER_CPU(struct azs_hstash, azs_hstash);
static struct kmem_cache *azs_handle_cache;
static struct kmem_cache *azs_span_cache;
static LIST_HEAD(azs_pools);
static DEFINE_MUTEX(azs_pools_lock);

/* ---- geometry ------------------------------------------------------- */

static unsigned int azs_index_size(unsigned int idx)
{
	return min_t(unsigned long, AZS_MIN_SIZE + idx * AZS_CLASS_DELTA,
		     PAGE_SIZE);
}

static unsigned int azs_size_index(size_t size)
{
	if (size <= AZS_MIN_SIZE)
		return 0;
	return DIV_ROUND_UP(size - AZS_MIN_SIZE, AZS_CLASS_DELTA);
}

/* Pages per span that waste the least of it for slots of @size bytes. */
static unsigned int azs_span_pages_for(unsigned int size)
{
	unsigned int k, best = 1, best_used = 0;

	for (k = 1; k <= AZS_SPAN_MAX_PAGES; k++) {
		unsigned long bytes = k * PAGE_SIZE;
		unsigned int used = bytes / size * size * 1000 / bytes;

		if (used > best_used) {
			best_used = used;
			best = k;
		}
	}
	return best;
}

static struct azs_class *azs_size_class(struct azs_pool *pool, size_t size)
{
	if (size > pool->huge_class_size)
		return pool->classes[AZS_NR_CLASSES - 1];
	return pool->classes[azs_size_index(size + AZS_HDR)];
}

static unsigned int azs_group_of(const struct azs_class *c,
				 unsigned int inuse)
{
	if (!inuse)
		return AZS_EMPTY;
	if (inuse >= c->objs_per_span)
		return AZS_FULL;
	return inuse * 10 / c->objs_per_span + 1;
}

/* Pages compaction could free in @c: its free slots, in whole spans. */
static unsigned long azs_freeable(const struct azs_class *c)
{
	unsigned long wasted = c->objs_alloced - c->objs_used;

	return wasted / c->objs_per_span * c->pages_per_span;
}

/* ---- handles and slots ---------------------------------------------- */

/* A handle: from this CPU's stash, else from the cache. */
static unsigned long azs_handle_get(gfp_t gfp)
{
	struct azs_hstash *hs;
	unsigned long flags, h = 0;

	local_irq_save(flags);
	hs = this_cpu_ptr(&azs_hstash);
	if (hs->nr)
		h = hs->h[--hs->nr];
	local_irq_restore(flags);
	if (h)
		return h;
	return (unsigned long)kmem_cache_alloc(azs_handle_cache, gfp);
}

/* Give @h back: to this CPU's stash, or to the cache when it is full. */
static void azs_handle_put(unsigned long h)
{
	struct azs_hstash *hs;
	unsigned long flags;
	bool kept = false;

	local_irq_save(flags);
	hs = this_cpu_ptr(&azs_hstash);
	if (hs->nr < AZS_HSTASH_MAX) {
		hs->h[hs->nr++] = h;
		kept = true;
	}
	local_irq_restore(flags);
	if (!kept)
		kmem_cache_free(azs_handle_cache, (void *)h);
}

/* Empty every CPU's stash into the cache (unload: no pool is left). */
static void azs_handle_drain(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct azs_hstash *hs = per_cpu_ptr(&azs_hstash, cpu);

		while (hs->nr)
			kmem_cache_free(azs_handle_cache,
					(void *)hs->h[--hs->nr]);
	}
}

static unsigned long azs_loc(struct page *page, unsigned int idx)
{
	return (page_to_pfn(page) << AZS_IDX_BITS) | idx;
}

static struct page *azs_loc_page(unsigned long loc)
{
	return pfn_to_page(loc >> AZS_IDX_BITS);
}

static unsigned int azs_loc_idx(unsigned long loc)
{
	return loc & AZS_IDX_MASK;
}

static struct azs_span *azs_page_span(struct page *page)
{
	return (struct azs_span *)page_private(page);
}

/* The span and slot @handle names; the caller holds a lock keeping both. */
static struct azs_span *azs_handle_span(unsigned long handle,
					unsigned int *idx)
{
	unsigned long loc = READ_ONCE(*(unsigned long *)handle);

	*idx = azs_loc_idx(loc);
	return azs_page_span(azs_loc_page(loc));
}

static void azs_set_handle(unsigned long handle, struct azs_span *span,
			   const struct azs_class *c, unsigned int idx)
{
	unsigned long off = (unsigned long)idx * c->size;

	WRITE_ONCE(*(unsigned long *)handle,
		   azs_loc(span->pages[off >> PAGE_SHIFT], idx));
}

static unsigned long azs_hdr_get(const struct azs_span *span,
				 const struct azs_class *c, unsigned int idx)
{
	unsigned long off = (unsigned long)idx * c->size, v;
	void *va = kmap_local_page(span->pages[off >> PAGE_SHIFT]);

	v = *(unsigned long *)(va + offset_in_page(off));
	kunmap_local(va);
	return v;
}

static void azs_hdr_set(struct azs_span *span, const struct azs_class *c,
			unsigned int idx, unsigned long v)
{
	unsigned long off = (unsigned long)idx * c->size;
	void *va = kmap_local_page(span->pages[off >> PAGE_SHIFT]);

	*(unsigned long *)(va + offset_in_page(off)) = v;
	kunmap_local(va);
}

/* Does slot @idx run into a second page? */
static bool azs_straddles(const struct azs_class *c, unsigned int idx)
{
	unsigned long off = (unsigned long)idx * c->size;

	return offset_in_page(off) + c->size > PAGE_SIZE;
}

/* Copy @len bytes out of slot @idx, from byte @skip of it, page by page. */
static void azs_slot_read(const struct azs_span *span,
			  const struct azs_class *c, unsigned int idx,
			  size_t skip, void *buf, size_t len)
{
	unsigned long off = (unsigned long)idx * c->size + skip;

	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
		void *va = kmap_local_page(span->pages[off >> PAGE_SHIFT]);

		memcpy(buf, va + offset_in_page(off), n);
		kunmap_local(va);
		buf += n;
		off += n;
		len -= n;
	}
}

static void azs_slot_write(struct azs_span *span, const struct azs_class *c,
			   unsigned int idx, size_t skip, const void *buf,
			   size_t len)
{
	unsigned long off = (unsigned long)idx * c->size + skip;

	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
		void *va = kmap_local_page(span->pages[off >> PAGE_SHIFT]);

		memcpy(va + offset_in_page(off), buf, n);
		kunmap_local(va);
		buf += n;
		off += n;
		len -= n;
	}
}

/* Copy the whole slot @sidx of @src, header included, to @didx of @dst. */
static void azs_slot_copy(struct azs_span *dst, unsigned int didx,
			  const struct azs_span *src, unsigned int sidx,
			  const struct azs_class *c)
{
	unsigned long soff = (unsigned long)sidx * c->size;
	unsigned long doff = (unsigned long)didx * c->size;
	size_t len = c->size;

	while (len) {
		size_t n = min3(len, PAGE_SIZE - offset_in_page(soff),
				PAGE_SIZE - offset_in_page(doff));
		void *s = kmap_local_page(src->pages[soff >> PAGE_SHIFT]);
		void *d = kmap_local_page(dst->pages[doff >> PAGE_SHIFT]);

		memcpy(d + offset_in_page(doff), s + offset_in_page(soff), n);
		kunmap_local(d);
		kunmap_local(s);
		soff += n;
		doff += n;
		len -= n;
	}
}

/* Take a free slot of @span for @handle; the handle names it on return. */
static unsigned int azs_obj_take(struct azs_class *c, struct azs_span *span,
				 unsigned long handle)
{
	unsigned int idx;

	lockdep_assert_held(&c->lock);
	if (c->huge) {
		idx = 0;
		span->huge_handle = handle;
	} else {
		idx = span->freeobj;
		span->freeobj = azs_hdr_get(span, c, idx) >> 1;
		azs_hdr_set(span, c, idx, handle | AZS_TAG_ALLOC);
	}
	span->inuse++;
	c->objs_used++;
	azs_set_handle(handle, span, c, idx);
	return idx;
}

static void azs_obj_put(struct azs_class *c, struct azs_span *span,
			unsigned int idx)
{
	lockdep_assert_held(&c->lock);
	if (c->huge)
		span->huge_handle = 0;
	else
		azs_hdr_set(span, c, idx, (unsigned long)span->freeobj << 1);
	span->freeobj = idx;
	span->inuse--;
	c->objs_used--;
}

/* ---- spans ------------------------------------------------------------ */

/* Put @span on the list of its fullness group; return the group. */
static unsigned int azs_span_insert(struct azs_class *c,
				    struct azs_span *span)
{
	unsigned int g = azs_group_of(c, span->inuse);

	lockdep_assert_held(&c->lock);
	span->group = g;
	c->nr_spans[g]++;
	/* At the head: the last one touched, its pages the warmest. */
	list_add(&span->list, &c->groups[g]);
	return g;
}

static void azs_span_remove(struct azs_class *c, struct azs_span *span)
{
	lockdep_assert_held(&c->lock);
	list_del_init(&span->list);
	c->nr_spans[span->group]--;
}

/* Move @span to the group its use now says; return the group. */
static unsigned int azs_span_regroup(struct azs_class *c,
				     struct azs_span *span)
{
	unsigned int g = azs_group_of(c, span->inuse);

	lockdep_assert_held(&c->lock);
	if (g == span->group)
		return g;
	azs_span_remove(c, span);
	return azs_span_insert(c, span);
}

/* The first span of the fullest (@fullest) or sparsest partial group. */
static struct azs_span *azs_span_partial(struct azs_class *c, bool fullest)
{
	unsigned int i;

	lockdep_assert_held(&c->lock);
	for (i = 1; i < AZS_FULL; i++) {
		unsigned int g = fullest ? AZS_FULL - i : i;
		struct azs_span *span;

		span = list_first_entry_or_null(&c->groups[g],
						struct azs_span, list);
		if (span)
			return span;
	}
	return NULL;
}

/* Make @span findable from its pages and count it in its class. */
static void azs_span_publish(struct azs_class *c, struct azs_span *span)
{
	unsigned int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < c->pages_per_span; i++)
		set_page_private(span->pages[i], (unsigned long)span);
	c->objs_alloced += c->objs_per_span;
	span->inuse = 0;
	span->group = AZS_EMPTY;
	c->nr_spans[AZS_EMPTY]++;
	list_add(&span->list, &c->groups[AZS_EMPTY]);
}

/* Take an empty @span off its class; azs_span_free() then frees it. */
static void azs_span_retire(struct azs_class *c, struct azs_span *span)
{
	unsigned int i;

	lockdep_assert_held(&c->lock);
	WARN_ON_ONCE(span->inuse);
	azs_span_remove(c, span);
	for (i = 0; i < c->pages_per_span; i++)
		set_page_private(span->pages[i], 0);
	c->objs_alloced -= c->objs_per_span;
}

static void azs_pages_free(struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		aem_free_pages(aem_page_to_frame(pages[i]), 0);
}

static void azs_span_free(struct azs_pool *pool, const struct azs_class *c,
			  struct azs_span *span)
{
	azs_pages_free(span->pages, c->pages_per_span);
	atomic_long_sub(c->pages_per_span, &pool->pages);
	kmem_cache_free(azs_span_cache, span);
}

/* Chain every slot of a new span of @c onto its freelist. */
static void azs_span_init_slots(struct azs_span *span,
				const struct azs_class *c)
{
	unsigned int idx;

	span->freeobj = 0;
	if (c->huge)
		return;
	for (idx = 0; idx < c->objs_per_span; idx++) {
		unsigned int next = idx + 1 < c->objs_per_span ?
				    idx + 1 : AZS_FREE_END;

		azs_hdr_set(span, c, idx, (unsigned long)next << 1);
	}
}

/*
 * A new span of @c, with no lock held by this file: pages from the pool,
 * metadata @gfp.  Our caller may hold a compression stream or a slot of
 * its device (aether_zram) and be writing a page out for reclaim: a pool
 * that grows for these pages asks Linux only as @gfp allows (a NOIO
 * scope), so reclaim under that growth never writes to a device that
 * waits for us.
 */
static struct azs_span *azs_span_alloc(struct azs_pool *pool,
				       struct azs_class *c, gfp_t gfp,
				       unsigned int aflags)
{
	unsigned int flags = aflags | AEM_OWNER(AEM_OWNER_ZRAM) |
			     AEM_MT(AETHER_MM_MT_MOVABLE);
	bool noio = !(gfp & __GFP_IO);
	unsigned int i, scope = 0;
	struct azs_span *span;

	span = kmem_cache_alloc(azs_span_cache, gfp);
	if (!span)
		return NULL;
	if (noio)
		scope = memalloc_noio_save();
	for (i = 0; i < c->pages_per_span; i++) {
		struct aem_frame *f = aem_alloc_pages(NUMA_NO_NODE, 0, flags);

		if (!f)
			break;
		span->pages[i] = aem_frame_page(f);
	}
	if (noio)
		memalloc_noio_restore(scope);
	if (i < c->pages_per_span) {
		azs_pages_free(span->pages, i);
		kmem_cache_free(azs_span_cache, span);
		return NULL;
	}
	INIT_LIST_HEAD(&span->list);
	rwlock_init(&span->lock);
	span->pool = pool;
	span->class_idx = c->index;
	span->huge_handle = 0;
	azs_span_init_slots(span, c);
	atomic_long_add(c->pages_per_span, &pool->pages);
	return span;
}

/* ---- allocation ------------------------------------------------------- */

/*
 * Copy @len bytes of @src into the object just taken at slot @idx of
 * @span.  Called under the class lock, which keeps compaction (it takes
 * that lock) from moving the object, so no other lock is needed.
 */
static void azs_obj_fill(struct azs_span *span, const struct azs_class *c,
			 unsigned int idx, const void *src, size_t len)
{
	lockdep_assert_held(&c->lock);
	if (c->huge) {
		void *va = kmap_local_page(span->pages[0]);

		memcpy(va, src, min_t(size_t, len, PAGE_SIZE));
		kunmap_local(va);
	} else {
		azs_slot_write(span, c, idx, AZS_HDR, src,
			       min_t(size_t, len, c->size - AZS_HDR));
	}
}

/* azs_malloc() and azs_malloc_copy(): @src NULL leaves the bytes be. */
static unsigned long __azs_malloc(struct azs_pool *pool, size_t size,
				  gfp_t gfp, unsigned int aflags,
				  const void *src)
{
	struct azs_class *c;
	struct azs_span *span;
	unsigned long handle;
	unsigned int idx;

	if (unlikely(!size || size > AZS_MAX_OBJECT))
		return 0;
	gfp &= ~(__GFP_HIGHMEM | __GFP_MOVABLE);
	handle = azs_handle_get(gfp);
	if (!handle)
		return 0;
	c = azs_size_class(pool, size);

	spin_lock(&c->lock);
	span = azs_span_partial(c, true);
	if (span)
		goto take;
	spin_unlock(&c->lock);

	if (!gfpflags_allow_blocking(gfp))
		aflags |= AEM_ALLOC_ATOMIC;
	span = azs_span_alloc(pool, c, gfp, aflags);
	if (!span) {
		azs_handle_put(handle);
		return 0;
	}
	spin_lock(&c->lock);
	azs_span_publish(c, span);
take:
	idx = azs_obj_take(c, span, handle);
	azs_span_regroup(c, span);
	if (src)
		azs_obj_fill(span, c, idx, src, size);
	spin_unlock(&c->lock);
	return handle;
}

/**
 * azs_malloc - allocate an object
 * @pool: the pool
 * @size: its size, 1 to AZS_MAX_OBJECT bytes
 * @gfp: for the handle and span descriptors (GFP_NOIO | __GFP_NOWARN on
 *	an I/O path); a @gfp that cannot sleep makes pool allocations
 *	AEM_ALLOC_ATOMIC too
 * @aflags: AEM_ALLOC_* flags added to the pool allocations (for instance
 *	AEM_ALLOC_ATOMIC inside the pool's reclaim)
 *
 * The object's bytes are undefined until azs_write().
 * Context: process context, atomic if @gfp and @aflags say so; not
 * between azs_read_begin() and azs_read_end().
 *
 * Return: the object's handle, or 0 when @size is out of range or memory
 * ran out.
 */
unsigned long azs_malloc(struct azs_pool *pool, size_t size, gfp_t gfp,
			 unsigned int aflags)
{
	return __azs_malloc(pool, size, gfp, aflags, NULL);
}

/**
 * azs_malloc_copy - allocate an object holding @size bytes of @src
 * @pool: the pool
 * @src: the bytes
 * @size: how many, 1 to AZS_MAX_OBJECT
 * @gfp: as for azs_malloc()
 * @aflags: as for azs_malloc()
 *
 * azs_malloc() and azs_write() in one: the bytes are copied while the
 * class lock that the allocation takes is still held, which keeps the
 * new object where it is, so the write needs none of the locks of
 * azs_write() and nobody can see the object before it holds them.
 * Context: as azs_malloc().
 *
 * Return: the object's handle, or 0 as azs_malloc().
 */
unsigned long azs_malloc_copy(struct azs_pool *pool, const void *src,
			      size_t size, gfp_t gfp, unsigned int aflags)
{
	return __azs_malloc(pool, size, gfp, aflags, src);
}

/**
 * azs_free - free an object
 * @pool: its pool
 * @handle: from azs_malloc(); 0 is ignored
 *
 * A span left empty goes back to the pool at once.
 * Context: process context, spinlocks allowed; not between
 * azs_read_begin() and azs_read_end().
 */
void azs_free(struct azs_pool *pool, unsigned long handle)
{
	struct azs_span *span;
	struct azs_class *c;
	unsigned int idx;
	bool empty;

	if (unlikely(!handle))
		return;
	read_lock(&pool->migrate_lock);
	span = azs_handle_span(handle, &idx);
	c = pool->classes[span->class_idx];
	spin_lock(&c->lock);
	read_unlock(&pool->migrate_lock);

	azs_obj_put(c, span, idx);
	empty = azs_span_regroup(c, span) == AZS_EMPTY;
	if (empty)
		azs_span_retire(c, span);
	spin_unlock(&c->lock);

	if (empty)
		azs_span_free(pool, c, span);
	azs_handle_put(handle);
}

/*
 * Pin the object of @handle in place: its span's lock for reading, taken
 * under the migrate_lock so that the handle is read and the span held
 * before compaction can move it.
 */
static struct azs_span *azs_obj_pin(struct azs_pool *pool,
				    unsigned long handle, unsigned int *idx)
	__acquires(span_lock)
{
	struct azs_span *span;

	read_lock(&pool->migrate_lock);
	span = azs_handle_span(handle, idx);
	read_lock(&span->lock);
	read_unlock(&pool->migrate_lock);
	return span;
}

/**
 * azs_write - copy bytes into an object
 * @pool: its pool
 * @handle: the object
 * @src: the bytes
 * @len: how many; at most the size it was allocated with
 *
 * Context: process context, spinlocks allowed; not between
 * azs_read_begin() and azs_read_end().
 */
void azs_write(struct azs_pool *pool, unsigned long handle,
	       const void *src, size_t len)
{
	struct azs_span *span;
	struct azs_class *c;
	unsigned int idx;

	span = azs_obj_pin(pool, handle, &idx);
	c = pool->classes[span->class_idx];
	if (c->huge) {
		void *va = kmap_local_page(span->pages[0]);

		memcpy(va, src, min_t(size_t, len, PAGE_SIZE));
		kunmap_local(va);
	} else {
		WARN_ON_ONCE(len > c->size - AZS_HDR);
		azs_slot_write(span, c, idx, AZS_HDR, src,
			       min_t(size_t, len, c->size - AZS_HDR));
	}
	read_unlock(&span->lock);
}

/**
 * azs_read_begin - map an object for reading
 * @pool: its pool
 * @handle: the object
 * @local_copy: PAGE_SIZE bytes of the caller, used when the object
 *	straddles two pages
 *
 * The object stays where it is, and the bytes at the returned address
 * stay valid, until azs_read_end(); the caller must not sleep in between,
 * nor call into the pool again (no second read, no malloc or free: a
 * compaction waiting for this object's span holds what they need).
 * A contiguous object is read in place (no copy); a straddling one is
 * copied into @local_copy, which is then what is returned.
 * Context: process context (no interrupt handler uses a pool), which may
 * hold spinlocks.  Pairs with azs_read_end(), in LIFO order with other
 * kmap_local users.
 *
 * Return: the object's first byte.
 */
const void *azs_read_begin(struct azs_pool *pool, unsigned long handle,
			   void *local_copy)
	__acquires(span_lock)
{
	struct azs_span *span;
	struct azs_class *c;
	unsigned long off;
	unsigned int idx;
	void *va;

	span = azs_obj_pin(pool, handle, &idx);
	c = pool->classes[span->class_idx];
	if (c->huge)
		return kmap_local_page(span->pages[0]);
	if (azs_straddles(c, idx)) {
		azs_slot_read(span, c, idx, AZS_HDR, local_copy,
			      c->size - AZS_HDR);
		return local_copy;
	}
	off = (unsigned long)idx * c->size;
	va = kmap_local_page(span->pages[off >> PAGE_SHIFT]);
	return va + offset_in_page(off) + AZS_HDR;
}

/**
 * azs_read_end - the end of azs_read_begin()
 * @pool: the object's pool
 * @handle: the object
 * @addr: what azs_read_begin() returned
 */
void azs_read_end(struct azs_pool *pool, unsigned long handle,
		  const void *addr)
	__releases(span_lock)
{
	struct azs_span *span;
	struct azs_class *c;
	unsigned int idx;

	/* The span's read lock keeps the handle as it was at the begin. */
	span = azs_handle_span(handle, &idx);
	c = pool->classes[span->class_idx];
	if (c->huge || !azs_straddles(c, idx))
		kunmap_local(addr);
	read_unlock(&span->lock);
}

/**
 * azs_huge_class_size - the largest object that is not huge
 * @pool: the pool
 *
 * An object above this size takes a whole page, as a raw page would: a
 * store keeps a page whose compressed form is larger uncompressed.
 *
 * Return: a size in bytes.
 */
size_t azs_huge_class_size(struct azs_pool *pool)
{
	return pool->huge_class_size;
}

/**
 * azs_class_index - the size class an object of @size bytes goes to
 * @pool: the pool
 * @size: bytes, up to AZS_MAX_OBJECT
 *
 * Two sizes of one class take the same memory: recompression (recomp.c)
 * keeps a new object only when its class is smaller than the old one's,
 * as zram compares zsmalloc's classes.
 *
 * Return: the index of the class (merged classes share one).
 */
unsigned int azs_class_index(struct azs_pool *pool, size_t size)
{
	return azs_size_class(pool, size)->index;
}

/* ---- compaction ------------------------------------------------------- */

/*
 * Move objects of @src into free slots of @dst until @src is empty or @dst
 * full.  Both are off their lists; the caller holds the migrate_lock for
 * writing, the class lock, and @src's lock for writing.  @dst's lock is
 * not needed: readers of its objects are not disturbed by writes to its
 * free slots.
 */
static void azs_span_migrate(struct azs_class *c, struct azs_span *src,
			     struct azs_span *dst)
{
	unsigned int idx;

	lockdep_assert_held(&c->lock);
	for (idx = 0; idx < c->objs_per_span && src->inuse &&
	     dst->inuse < c->objs_per_span; idx++) {
		unsigned long hdr = azs_hdr_get(src, c, idx);
		unsigned int didx;

		if (!(hdr & AZS_TAG_ALLOC))
			continue;
		didx = dst->freeobj;
		dst->freeobj = azs_hdr_get(dst, c, didx) >> 1;
		azs_slot_copy(dst, didx, src, idx, c);
		dst->inuse++;
		azs_set_handle(hdr & ~AZS_TAG_ALLOC, dst, c, didx);
		/* azs_obj_put() counts the slot free; dst counted it in use. */
		azs_obj_put(c, src, idx);
		c->objs_used++;
	}
}

/*
 * Take @src off its list and move its objects into @dst, under its lock;
 * false when @trylock and someone is reading it.
 */
static bool azs_span_drain(struct azs_class *c, struct azs_span *src,
			   struct azs_span *dst, bool trylock)
{
	if (trylock) {
		if (!write_trylock(&src->lock))
			return false;
	} else {
		write_lock(&src->lock);
	}
	azs_span_remove(c, src);
	azs_span_migrate(c, src, dst);
	write_unlock(&src->lock);
	return true;
}

/*
 * Compact @c until nothing is left to gain (return false) or someone waits
 * for one of the locks (return true); *@freed counts the pages freed.
 * With @trylock, stop at a span being read rather than wait for it.
 */
static bool azs_compact_batch(struct azs_pool *pool, struct azs_class *c,
			      bool trylock, unsigned long *freed)
{
	struct azs_span *src, *dst = NULL;
	bool more = false;

	lockdep_assert_held_write(&pool->migrate_lock);
	lockdep_assert_held(&c->lock);
	while (azs_freeable(c)) {
		if (!dst) {
			dst = azs_span_partial(c, true);
			if (!dst)
				break;
			azs_span_remove(c, dst);
		}
		src = azs_span_partial(c, false);
		if (!src)
			break;
		/* Reclaim waits for no one, not even a reader of @src. */
		if (!azs_span_drain(c, src, dst, trylock))
			break;

		/* Back on a list; an empty one only to be retired at once. */
		azs_span_insert(c, src);
		if (!src->inuse) {
			azs_span_retire(c, src);
			azs_span_free(pool, c, src);
			c->compacted += c->pages_per_span;
			*freed += c->pages_per_span;
		}
		if (dst->inuse == c->objs_per_span) {
			azs_span_insert(c, dst);
			dst = NULL;
		}
		if (spin_needbreak(&c->lock) || need_resched() ||
		    rwlock_is_contended(&pool->migrate_lock)) {
			more = true;
			break;
		}
	}
	if (dst)
		azs_span_insert(c, dst);
	return more;
}

/* Compact one class; with @trylock, give up on any lock held by others. */
static unsigned long azs_compact_class(struct azs_pool *pool,
				       struct azs_class *c, bool trylock)
{
	unsigned long freed = 0;
	bool more = true;

	while (more) {
		if (trylock) {
			if (!write_trylock(&pool->migrate_lock))
				break;
			if (!spin_trylock(&c->lock)) {
				write_unlock(&pool->migrate_lock);
				break;
			}
		} else {
			write_lock(&pool->migrate_lock);
			spin_lock(&c->lock);
		}
		more = azs_compact_batch(pool, c, trylock, &freed);
		spin_unlock(&c->lock);
		write_unlock(&pool->migrate_lock);
		if (more)
			cond_resched();
	}
	atomic_long_add(freed, &pool->pages_compacted);
	return freed;
}

static unsigned long __azs_compact(struct azs_pool *pool, bool trylock)
{
	unsigned long freed = 0;
	unsigned int i;

	/* Two would only take turns at the same locks. */
	if (atomic_xchg(&pool->compacting, 1))
		return 0;
	for (i = 0; i < AZS_NR_CLASSES; i++) {
		struct azs_class *c = pool->classes[i];

		if (c->index != i || c->huge)
			continue;
		freed += azs_compact_class(pool, c, trylock);
	}
	atomic_set_release(&pool->compacting, 0);
	return freed;
}

/**
 * azs_compact - move objects out of sparse spans and free the spans
 * @pool: the pool
 *
 * Lets readers and writers in between spans; they never wait for a whole
 * class.  Returns 0 at once while another compaction of @pool runs (the
 * reclaim client's, or another caller's).
 * Context: process context, may sleep (cond_resched()); no lock of the
 * pool held.
 *
 * Return: pages given back to aether_mm.
 */
unsigned long azs_compact(struct azs_pool *pool)
{
	might_sleep();
	return __azs_compact(pool, false);
}

/**
 * azs_reclaim - the reclaim client: compact every pool
 * @nid: the node short of pages (pages of every node are freed)
 * @nr_pages: pages wanted
 *
 * Context: aether_mm's reclaim (include/aether/mm.h): trylocks only,
 * no allocation at all.
 *
 * Return: pages given back.
 */
unsigned long azs_reclaim(int nid, unsigned long nr_pages)
{
	struct azs_pool *pool;
	unsigned long freed = 0;

	if (!mutex_trylock(&azs_pools_lock))
		return 0;
	list_for_each_entry(pool, &azs_pools, link) {
		freed += __azs_compact(pool, true);
		if (freed >= nr_pages)
			break;
	}
	mutex_unlock(&azs_pools_lock);
	return freed;
}

static struct aem_reclaim_ops azs_reclaim_ops = {
	.owner = THIS_MODULE,
	.reclaim = azs_reclaim,
};

/* ---- moving a page for aether_mm's compaction ------------------------- */

/* Point the handles of the objects starting in page @i of @span at it. */
static void azs_span_fix_handles(struct azs_class *c, struct azs_span *span,
				 unsigned int i)
{
	unsigned long start = (unsigned long)i << PAGE_SHIFT;
	unsigned long end = start + PAGE_SIZE;
	unsigned int idx;

	if (c->huge) {
		if (span->huge_handle)
			azs_set_handle(span->huge_handle, span, c, 0);
		return;
	}
	for (idx = DIV_ROUND_UP(start, c->size);
	     idx < c->objs_per_span && (unsigned long)idx * c->size < end;
	     idx++) {
		unsigned long hdr = azs_hdr_get(span, c, idx);

		if (hdr & AZS_TAG_ALLOC)
			azs_set_handle(hdr & ~AZS_TAG_ALLOC, span, c, idx);
	}
}

/*
 * The pool and class index of the span that @page seemed to belong to, as
 * far as a glance without a lock can tell; NULL when it is no span's.
 */
static struct azs_pool *azs_page_pool(struct page *page,
				      struct azs_span **spanp,
				      unsigned int *cidx)
{
	struct azs_span *span = (struct azs_span *)READ_ONCE(page->private);
	struct azs_pool *pool;

	if (!span)
		return NULL;
	pool = READ_ONCE(span->pool);
	*cidx = READ_ONCE(span->class_idx);
	*spanp = span;
	return *cidx < AZS_NR_CLASSES ? pool : NULL;
}

/* Move page @spage of @span, which it still is, to @dpage. */
static void azs_span_move_page(struct azs_pool *pool, struct azs_class *c,
			       struct azs_span *span, struct page *spage,
			       struct page *dpage)
{
	unsigned int i;

	lockdep_assert_held_write(&pool->migrate_lock);
	lockdep_assert_held(&c->lock);
	for (i = 0; i < c->pages_per_span; i++)
		if (span->pages[i] == spage)
			break;
	write_lock(&span->lock);
	copy_highpage(dpage, spage);
	span->pages[i] = dpage;
	set_page_private(dpage, (unsigned long)span);
	set_page_private(spage, 0);
	azs_span_fix_handles(c, span, i);
	write_unlock(&span->lock);
	atomic_long_inc(&pool->pages_moved);
}

/**
 * azs_move_page - the movable owner's callback: move one span page
 * @src: a page of ours (if still ours: see struct aem_movable_ops)
 * @dst: a free pool page to take its place
 *
 * The span is read from @src's page->private without a lock: the page may
 * be freed meanwhile.  Descriptors are SLAB_TYPESAFE_BY_RCU, so under the
 * RCU read lock the pointer still names a span (perhaps another one by
 * now), whose @pool is a live pool (azs_pools_lock keeps every pool);
 * under that pool's class lock page->private tells whether the page is
 * still that span's.
 * Context: aether_mm's compaction; may sleep.
 *
 * Return: 0 when moved (@src's page->private cleared, the core frees it),
 * -ENOENT when @src is no span's page.
 */
int azs_move_page(struct aem_frame *src, struct aem_frame *dst)
{
	struct page *spage = aem_frame_page(src);
	struct azs_span *span = NULL;
	struct azs_pool *pool;
	struct azs_class *c;
	unsigned int cidx = 0;
	int err = -ENOENT;

	mutex_lock(&azs_pools_lock);
	rcu_read_lock();
	pool = azs_page_pool(spage, &span, &cidx);
	if (pool) {
		write_lock(&pool->migrate_lock);
		c = pool->classes[cidx];
		spin_lock(&c->lock);
		if (page_private(spage) == (unsigned long)span &&
		    span->pool == pool && span->class_idx == cidx) {
			azs_span_move_page(pool, c, span, spage,
					   aem_frame_page(dst));
			err = 0;
		}
		spin_unlock(&c->lock);
		write_unlock(&pool->migrate_lock);
	}
	rcu_read_unlock();
	mutex_unlock(&azs_pools_lock);
	return err;
}

static const struct aem_movable_ops azs_movable_ops = {
	.owner = THIS_MODULE,
	.move = azs_move_page,
};

/* ---- pools ------------------------------------------------------------ */

/* Build the class table of @pool, largest first, merging equal geometry. */
static int azs_pool_classes(struct azs_pool *pool)
{
	struct azs_class *prev = NULL;
	int i;

	pool->huge_class_size = 0;
	for (i = AZS_NR_CLASSES - 1; i >= 0; i--) {
		unsigned int size = azs_index_size(i);
		unsigned int pages = azs_span_pages_for(size);
		unsigned int objs = pages * PAGE_SIZE / size;
		struct azs_class *c;
		unsigned int g;

		if (prev && prev->pages_per_span == pages &&
		    prev->objs_per_span == objs) {
			pool->classes[i] = prev;
			continue;
		}
		if (!pool->huge_class_size && objs > 1)
			pool->huge_class_size = size - AZS_HDR;
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c)
			return -ENOMEM;
		spin_lock_init(&c->lock);
		for (g = 0; g < AZS_NR_GROUPS; g++)
			INIT_LIST_HEAD(&c->groups[g]);
		c->index = i;
		c->size = size;
		c->pages_per_span = pages;
		c->objs_per_span = objs;
		c->huge = objs == 1;
		pool->classes[i] = c;
		prev = c;
	}
	return 0;
}

static void azs_pool_free_classes(struct azs_pool *pool)
{
	int i;

	for (i = 0; i < AZS_NR_CLASSES; i++) {
		struct azs_class *c = pool->classes[i];

		if (c && c->index == i)
			kfree(c);
	}
}

/**
 * azs_pool_create - a new, empty pool
 * @name: for messages (copied)
 *
 * Context: process context, may sleep.
 *
 * Return: the pool, or NULL when memory ran out.
 */
struct azs_pool *azs_pool_create(const char *name)
{
	struct azs_pool *pool;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return NULL;
	strscpy(pool->name, name, sizeof(pool->name));
	rwlock_init(&pool->migrate_lock);
	if (azs_pool_classes(pool)) {
		azs_pool_free_classes(pool);
		kfree(pool);
		return NULL;
	}
	mutex_lock(&azs_pools_lock);
	list_add_tail(&pool->link, &azs_pools);
	mutex_unlock(&azs_pools_lock);
	return pool;
}

/* Free every span of @c, leaked objects and all. */
static unsigned long azs_class_drain(struct azs_pool *pool,
				     struct azs_class *c)
{
	unsigned long leaked = 0;
	struct azs_span *span;
	unsigned int g;

	for (g = 0; g < AZS_NR_GROUPS; g++) {
		for (;;) {
			spin_lock(&c->lock);
			span = list_first_entry_or_null(&c->groups[g],
							struct azs_span, list);
			if (span) {
				leaked += span->inuse;
				c->objs_used -= span->inuse;
				span->inuse = 0;
				azs_span_retire(c, span);
			}
			spin_unlock(&c->lock);
			if (!span)
				break;
			azs_span_free(pool, c, span);
		}
	}
	return leaked;
}

/**
 * azs_pool_destroy - free a pool and every page it holds
 * @pool: the pool; NULL is ignored
 *
 * Objects still allocated are a leak of the caller: they are reported
 * (WARN) and their pages freed; their handles are lost.
 * Context: process context, may sleep; no other call on @pool in flight.
 */
void azs_pool_destroy(struct azs_pool *pool)
{
	unsigned long leaked = 0;
	int i;

	if (!pool)
		return;
	/* Held throughout: a page move may be looking at our pages. */
	mutex_lock(&azs_pools_lock);
	list_del(&pool->link);
	for (i = 0; i < AZS_NR_CLASSES; i++) {
		struct azs_class *c = pool->classes[i];

		if (c->index == i)
			leaked += azs_class_drain(pool, c);
	}
	mutex_unlock(&azs_pools_lock);
	WARN(leaked, "aether_zram: pool %s destroyed with %lu objects\n",
	     pool->name, leaked);
	WARN_ON_ONCE(atomic_long_read(&pool->pages));
	azs_pool_free_classes(pool);
	kfree(pool);
}

/**
 * azs_pool_pages - pool pages a pool holds now
 * @pool: the pool
 *
 * One counter, for the write path's memory limit: azs_get_stats() also
 * sums the objects of every class.
 *
 * Return: the page count.
 */
unsigned long azs_pool_pages(struct azs_pool *pool)
{
	return atomic_long_read(&pool->pages);
}

/**
 * azs_get_stats - what a pool holds now and has done
 * @pool: the pool
 * @st: filled in; the object counts are summed over the classes without
 *	their locks, exact when the pool is quiet
 */
void azs_get_stats(struct azs_pool *pool, struct azs_stats *st)
{
	unsigned int i;

	st->pages = atomic_long_read(&pool->pages);
	st->pages_compacted = atomic_long_read(&pool->pages_compacted);
	st->objects = 0;
	st->huge_objects = 0;
	/* The classes' own counts: no shared counter on the fast paths. */
	for (i = 0; i < AZS_NR_CLASSES; i++) {
		const struct azs_class *c = pool->classes[i];
		unsigned long used;

		if (c->index != i)
			continue;
		used = READ_ONCE(c->objs_used);
		st->objects += used;
		if (c->huge)
			st->huge_objects += used;
	}
}

/* ---- the classes table ------------------------------------------------ */

static void azs_show_header(struct seq_file *m)
{
	unsigned int g;

	seq_printf(m, "%5s %5s", "class", "size");
	for (g = 1; g < AZS_FULL; g++) {
		char label[8];

		snprintf(label, sizeof(label), "%u%%", g < 10 ? g * 10 : 99);
		seq_printf(m, " %5s", label);
	}
	seq_printf(m, " %5s %13s %10s %10s %14s %8s %9s\n", "100%",
		   "obj_allocated", "obj_used", "pages_used", "pages_per_span",
		   "freeable", "compacted");
}

/**
 * azs_show_classes - the table of a pool's size classes, as zsmalloc's
 * debugfs "classes" file
 * @m: where to print
 * @pool: the pool
 *
 * One row per class in use or not (merged sizes share the row of the
 * largest): its index, slot size, spans by fullness group (the column
 * names the top of the group: 10% is 1-10% in use, 99% is 90% to all but
 * one slot), slots allocated and used, pages, pages per span, pages that
 * compaction could free, pages it freed; then the totals.
 *
 * Return: 0.
 */
int azs_show_classes(struct seq_file *m, struct azs_pool *pool)
{
	unsigned long tot_alloced = 0, tot_used = 0, tot_pages = 0;
	unsigned long tot_freeable = 0, tot_compacted = 0;
	unsigned long tot_groups[AZS_NR_GROUPS] = { 0 };
	unsigned int i, g;

	azs_show_header(m);
	for (i = 0; i < AZS_NR_CLASSES; i++) {
		struct azs_class *c = pool->classes[i];
		unsigned long groups[AZS_NR_GROUPS], spans = 0;
		unsigned long alloced, used, compacted, freeable;

		if (c->index != i)
			continue;
		spin_lock(&c->lock);
		memcpy(groups, c->nr_spans, sizeof(groups));
		alloced = c->objs_alloced;
		used = c->objs_used;
		compacted = c->compacted;
		freeable = c->huge ? 0 : azs_freeable(c);
		spin_unlock(&c->lock);

		seq_printf(m, "%5u %5u", i, c->size);
		for (g = 1; g < AZS_NR_GROUPS; g++) {
			seq_printf(m, " %5lu", groups[g]);
			tot_groups[g] += groups[g];
			spans += groups[g];
		}
		seq_printf(m, " %13lu %10lu %10lu %14u %8lu %9lu\n", alloced,
			   used, spans * c->pages_per_span, c->pages_per_span,
			   freeable, compacted);
		tot_alloced += alloced;
		tot_used += used;
		tot_pages += spans * c->pages_per_span;
		tot_freeable += freeable;
		tot_compacted += compacted;
	}
	seq_printf(m, "\n%5s %5s", "Total", "");
	for (g = 1; g < AZS_NR_GROUPS; g++)
		seq_printf(m, " %5lu", tot_groups[g]);
	seq_printf(m, " %13lu %10lu %10lu %14s %8lu %9lu\n", tot_alloced,
		   tot_used, tot_pages, "", tot_freeable, tot_compacted);
	seq_printf(m, "huge_class_size %zu pages_moved %ld\n",
		   pool->huge_class_size, atomic_long_read(&pool->pages_moved));
	return 0;
}

/* ---- module ----------------------------------------------------------- */

/*
 * For the self-tests: page @nth of the spans of @size's class, counted
 * through the groups from the emptiest, or NULL when it has fewer.
 */
struct aem_frame *azs_test_span_frame(struct azs_pool *pool, size_t size,
				      unsigned int nth)
{
	struct azs_class *c = azs_size_class(pool, size);
	struct aem_frame *f = NULL;
	struct azs_span *span;
	unsigned int g;

	spin_lock(&c->lock);
	for (g = 1; g < AZS_NR_GROUPS && !f; g++) {
		list_for_each_entry(span, &c->groups[g], list) {
			if (nth < c->pages_per_span) {
				f = aem_page_to_frame(span->pages[nth]);
				break;
			}
			nth -= c->pages_per_span;
		}
	}
	spin_unlock(&c->lock);
	return f;
}

/* For the self-tests: the pages per span of @size's class. */
unsigned int azs_test_span_pages(struct azs_pool *pool, size_t size)
{
	return azs_size_class(pool, size)->pages_per_span;
}

/**
 * azs_init - ready the allocator: its caches, its place among aether_mm's
 * movable owners and reclaim clients
 *
 * Return: 0 or a negative errno.
 */
int azs_init(void)
{
	int err = -ENOMEM;

	BUILD_BUG_ON(AZS_IDX_BITS + 1 > 16 || AZS_MAX_OBJS >= AZS_FREE_END);
	BUILD_BUG_ON(AZS_MIN_SIZE % sizeof(unsigned long) ||
		     AZS_CLASS_DELTA % sizeof(unsigned long));
	azs_handle_cache = kmem_cache_create("azs_handle",
					     sizeof(unsigned long), 0, 0, NULL);
	if (!azs_handle_cache)
		return -ENOMEM;
	azs_span_cache = kmem_cache_create("azs_span", sizeof(struct azs_span),
					   0, SLAB_TYPESAFE_BY_RCU, NULL);
	if (!azs_span_cache)
		goto out_handle;
	err = aem_register_movable(AEM_OWNER_ZRAM, &azs_movable_ops);
	if (err)
		goto out_span;
	err = aem_register_reclaim(&azs_reclaim_ops);
	if (err)
		goto out_movable;
	return 0;

out_movable:
	aem_unregister_movable(AEM_OWNER_ZRAM, &azs_movable_ops);
out_span:
	kmem_cache_destroy(azs_span_cache);
out_handle:
	kmem_cache_destroy(azs_handle_cache);
	return err;
}

/**
 * azs_exit - undo azs_init(); every pool is destroyed by now
 */
void azs_exit(void)
{
	aem_unregister_reclaim(&azs_reclaim_ops);
	aem_unregister_movable(AEM_OWNER_ZRAM, &azs_movable_ops);
	WARN_ON(!list_empty(&azs_pools));
	azs_handle_drain();
	kmem_cache_destroy(azs_span_cache);
	kmem_cache_destroy(azs_handle_cache);
}
