// SPDX-License-Identifier: GPL-2.0
/*
 * zpage.c - one page in and out of a store
 *
 * DOC: Overview
 *
 * A store (struct azr_store) is an object pool and a compressor; both of
 * its users, the block devices and the region store backend, keep their
 * pages in one.  azr_store_page() turns a page into a struct azr_entry,
 * azr_load_page() turns the entry back into the page, azr_free_entry()
 * forgets it.  An entry is one of three kinds:
 *
 *  same	every word of the page is equal (zeroes, a pattern): the
 *		entry holds the word, nothing is allocated (AZR_E_SAME);
 *  huge	the page compressed to more than azs_huge_class_size(): it
 *		is kept raw, a page-sized object of the pool's huge class,
 *		and loaded by a copy (AZR_E_HUGE); AZR_E_INCOMP too when
 *		the output was not even smaller than the page (writeback's
 *		"incompressible");
 *  compressed	the compressor's output, an object of its size.
 *
 * Storing a page reads it once where the compressor allows: when
 * azr_comp_same_bound() is not 0, the page is compressed first and
 * checked for being same-filled only when its output is that small (a
 * same-filled page's always is); otherwise it is checked first.  The
 * object is allocated and filled in one step (azs_malloc_copy()), under
 * the one lock the allocation takes.
 *
 * Reading a compressed page takes no bounce buffer when the object lies
 * in one pool page (azs_read_begin() returns the mapped object): it is
 * decompressed straight into the caller's page.  An object that
 * straddles two pool pages is first copied into the stream's buffer.
 *
 * A store with a dedupe table (dedup.c) keeps each content once: a page
 * equal to a stored one shares that one's object (AZR_E_DEDUP: the
 * entry names the table's entry, which names the object), and a new
 * object is entered in the table.  Loading resolves the shared entry;
 * freeing drops a reference, the object going with the last.
 *
 * The counters are those of zram's mm_stat and debug_stat, per store:
 * pages_stored (every kind), compr_data_size (bytes of objects, huge
 * ones counted as a page, a shared one once), same_pages, huge_pages (now) and
 * huge_pages_since (ever).  miss_free is the devices' to count.
 *
 * More compressors.  A store may have more than one (@comps): a
 * compressed entry names the one that wrote it (AZR_E_COMP_MASK), and a
 * load decompresses with that one.  azr_store_page_comp() stores with a
 * chosen one (adaptive.c), azr_store_recompress() stores a page again
 * with another and keeps it only when it takes a smaller size class
 * (recomp.c).
 *
 * Locking: a stream (lock 4, comp.c) is held around compressing and
 * allocating the object, and around reading one; the pool takes its own
 * locks (6, 7) inside.  Nothing may sleep between azs_read_begin() and
 * azs_read_end(): decompression does not.  The caller serialises the
 * calls on one entry (a device's slot lock, a region's slot lock); calls
 * on different entries of a store run in parallel.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "internal.h"

/* Every word of @mem equal?  Its value in *@val. */
static bool azr_page_same_filled(const unsigned long *mem, unsigned long *val)
{
	unsigned int i, nr = PAGE_SIZE / sizeof(*mem);

	/* Most pages differ early or late: look at both ends first. */
	if (mem[0] != mem[nr - 1])
		return false;
	for (i = 1; i < nr - 1; i++)
		if (mem[i] != mem[0])
			return false;
	*val = mem[0];
	return true;
}

/**
 * azr_store_init() - make a store: an object pool and a compressor
 * @st:		the store, to fill
 * @name:	the pool's name (its debugfs directory, its messages)
 * @algo:	enum aether_zram_algo
 * @level:	the level, 0 for the algorithm's default
 *
 * Context: process context, may sleep; GFP_KERNEL.
 *
 * Return: 0, or a negative errno (-EINVAL for a bad @algo or @level,
 * -ENOMEM).
 */
int azr_store_init(struct azr_store *st, const char *name,
		   unsigned int algo, int level)
{
	struct azr_comp *comp;
	struct azs_pool *pool;

	memset(st, 0, sizeof(*st));
	comp = azr_comp_create(algo, level, NULL, 0);
	if (IS_ERR(comp))
		return PTR_ERR(comp);
	pool = azs_pool_create(name);
	if (IS_ERR_OR_NULL(pool)) {
		azr_comp_destroy(comp);
		return pool ? PTR_ERR(pool) : -ENOMEM;
	}
	st->pool = pool;
	st->comp = comp;
	return 0;
}

/**
 * azr_store_destroy() - free a store's pool and compressor
 * @st:		a store whose every entry was freed
 */
void azr_store_destroy(struct azr_store *st)
{
	unsigned int i;

	WARN_ON_ONCE(atomic64_read(&st->pages_stored));
	for (i = 1; i < AZR_NR_COMPS; i++) {
		if (st->comps[i])
			azr_comp_destroy(st->comps[i]);
		st->comps[i] = NULL;
	}
	azs_pool_destroy(st->pool);
	azr_comp_destroy(st->comp);
	st->pool = NULL;
	st->comp = NULL;
}

/*
 * Compress @src with compressor @idx into an object of @st's pool; fill
 * @e (a same-filled entry when the output is small enough to be one and
 * the page is).
 */
static int azr_store_compressed(struct azr_store *st, unsigned int idx,
				const void *src, struct azr_entry *e,
				gfp_t gfp, unsigned int aflags)
{
	struct azr_comp *comp = azr_store_comp(st, idx);
	struct azr_strm *strm;
	unsigned long handle;
	unsigned int len;
	const void *obj;
	int err;

	strm = azr_strm_get(comp);
	err = azr_compress(comp, strm, src, &len);
	if (err)
		goto out;
	if (len <= azr_comp_same_bound(comp) &&
	    azr_page_same_filled(src, &e->handle)) {
		e->flags = AZR_E_SAME;
		goto out;
	}
	e->flags = idx << AZR_E_COMP_SHIFT;
	obj = strm->buffer;
	if (len > azs_huge_class_size(st->pool)) {
		/* Not worth a smaller class: keep the page as it is. */
		e->flags = AZR_E_HUGE;	/* read by a copy: no compressor */
		if (len >= PAGE_SIZE)
			e->flags |= AZR_E_INCOMP;
		len = PAGE_SIZE;
		obj = src;
	}
	handle = azs_malloc_copy(st->pool, obj, len, gfp, aflags);
	if (!handle || IS_ERR_VALUE(handle)) {
		err = handle ? (long)handle : -ENOMEM;
		goto out;
	}
	e->handle = handle;
	e->size = len;
out:
	azr_strm_put(comp, strm);
	return err;
}

/**
 * azr_store_page_comp() - keep a page in a store, compressed by one of its
 *			   compressors
 * @st:		the store
 * @idx:	0 for its own compressor, else one of @st->comps, set up
 * @page:	the page; its bytes must not change during the call
 * @domain:	the page's trust domain: with a dedupe table, only an
 *		object stored from the same domain is shared (dedup.c);
 *		AZR_DOMAIN_NONE never shares
 * @e:		(out) what names the page's bytes in @st
 * @gfp:	for what the pool allocates from Linux (its metadata)
 * @aflags:	AEM_ALLOC_* for the pool pages
 *
 * Context: may sleep (the stream's mutex), holding no lock above 4.
 *
 * Return: as azr_store_page().
 */
int azr_store_page_comp(struct azr_store *st, unsigned int idx,
			struct page *page, u64 domain, struct azr_entry *e,
			gfp_t gfp, unsigned int aflags)
{
	bool dedup = st->dedup && domain != AZR_DOMAIN_NONE;
	struct azr_entry new = { };
	struct azr_comp *comp;
	bool shared = false;
	unsigned long val;
	u64 hash = 0;
	void *src;
	int err = 0;

	if (WARN_ON_ONCE(idx >= AZR_NR_COMPS))
		return -EINVAL;
	comp = azr_store_comp(st, idx);
	if (WARN_ON_ONCE(!comp))
		return -EINVAL;
	src = kmap_local_page(page);
	if (!azr_comp_same_bound(comp) &&
	    azr_page_same_filled(src, &val)) {
		new.flags = AZR_E_SAME;
		new.handle = val;
	} else if (dedup &&
		   azr_dedup_find(st, src, domain, &hash, &new, gfp)) {
		shared = true;
	} else {
		err = azr_store_compressed(st, idx, src, &new, gfp, aflags);
		if (!err && dedup && !(new.flags & AZR_E_SAME))
			azr_dedup_add(st, hash, domain, &new, gfp);
	}
	kunmap_local(src);
	if (err)
		return err;

	if (new.flags & AZR_E_SAME) {
		atomic64_inc(&st->same_pages);
	} else if (!shared) {
		/* A shared object was counted with its first page. */
		atomic64_add(new.size, &st->compr_data_size);
		if (new.flags & AZR_E_HUGE) {
			atomic64_inc(&st->huge_pages);
			atomic64_inc(&st->huge_pages_since);
		}
	}
	atomic64_inc(&st->pages_stored);
	*e = new;
	return 0;
}

/**
 * azr_store_page() - keep a page in a store
 * @st:		the store
 * @page:	the page; its bytes must not change during the call
 * @e:		(out) what names the page's bytes in @st
 * @gfp:	for what the pool allocates from Linux (its metadata)
 * @aflags:	AEM_ALLOC_* for the pool pages (AEM_ALLOC_ATOMIC inside a
 *		pool allocation)
 *
 * Context: may sleep (the stream's mutex), holding no lock above 4.
 *
 * Return: 0, or -ENOMEM when the pool has no room, or -EINVAL when the
 * compressor failed; @e is untouched then.
 */
int azr_store_page(struct azr_store *st, struct page *page,
		   struct azr_entry *e, gfp_t gfp, unsigned int aflags)
{
	return azr_store_page_comp(st, 0, page, 0, e, gfp, aflags);
}

/* Copy or decompress the object of @e into @dst. */
static int azr_load_object(struct azr_store *st, const struct azr_entry *e,
			   void *dst)
{
	struct azr_comp *comp = azr_store_comp(st, azr_entry_comp(e));
	struct azr_strm *strm;
	const void *src;
	int err = 0;

	if (WARN_ON_ONCE(!comp))
		return -EIO;
	/* The stream's buffer takes a straddling object. */
	strm = azr_strm_get(comp);
	src = azs_read_begin(st->pool, e->handle, strm->buffer);
	if (e->flags & AZR_E_HUGE)
		memcpy(dst, src, PAGE_SIZE);
	else
		err = azr_decompress(comp, strm, src, e->size, dst);
	azs_read_end(st->pool, e->handle, src);
	azr_strm_put(comp, strm);
	return err;
}

/**
 * azr_store_recompress() - store a page again with another compressor,
 *			    if that takes less memory
 * @st:		the store
 * @idx:	one of @st->comps, set up (not 0)
 * @page:	the bytes of @old, loaded
 * @old:	the entry @page was loaded from, compressed or huge
 * @threshold:	0, or the size the new object must be under
 * @e:		(out) the new entry, when it is kept
 * @gfp:	for the pool's metadata
 * @aflags:	AEM_ALLOC_* for the pool pages (the region store's pass:
 *		AEM_ALLOC_ATOMIC, see store.c)
 *
 * The new object is kept only when it goes to a smaller size class than
 * @old's, is not huge and is under @threshold (zram's recompress_slot()).
 * The counters count it; the caller frees @old and installs @e.
 *
 * Context: may sleep (the stream's mutex), holding no lock above 4.
 *
 * Return: 1 stored (@e filled), 0 not smaller (nothing stored), or
 * -ENOMEM, -EINVAL (the compressor failed).
 */
int azr_store_recompress(struct azr_store *st, unsigned int idx,
			 struct page *page, const struct azr_entry *old,
			 u32 threshold, struct azr_entry *e, gfp_t gfp,
			 unsigned int aflags)
{
	struct azr_comp *comp;
	struct azr_strm *strm;
	unsigned long handle;
	unsigned int len;
	void *src;
	int err;

	if (WARN_ON_ONCE(!idx || idx >= AZR_NR_COMPS || !st->comps[idx]))
		return -EINVAL;
	comp = st->comps[idx];
	strm = azr_strm_get(comp);
	src = kmap_local_page(page);
	err = azr_compress(comp, strm, src, &len);
	kunmap_local(src);
	if (err)
		goto out;
	if (len > azs_huge_class_size(st->pool) ||
	    azs_class_index(st->pool, len) >=
	    azs_class_index(st->pool, old->size) ||
	    (threshold && len >= threshold))
		goto out;	/* 0: not worth it */
	handle = azs_malloc_copy(st->pool, strm->buffer, len, gfp, aflags);
	if (!handle || IS_ERR_VALUE(handle)) {
		err = handle ? (long)handle : -ENOMEM;
		goto out;
	}
	e->handle = handle;
	e->size = len;
	e->flags = idx << AZR_E_COMP_SHIFT;
	atomic64_add(len, &st->compr_data_size);
	atomic64_inc(&st->pages_stored);
	err = 1;
out:
	azr_strm_put(comp, strm);
	return err;
}

/**
 * azr_load_page() - bring a stored page's bytes back
 * @st:		the store
 * @e:		from azr_store_page() on @st; still stored after the call
 * @page:	where the PAGE_SIZE bytes go
 *
 * Context: may sleep (the stream's mutex), holding no lock above 4.
 * Allocates nothing.
 *
 * Return: 0, or -EIO when the object does not decompress to a page (the
 * store is corrupt); @page's bytes are undefined then.
 */
int azr_load_page(struct azr_store *st, const struct azr_entry *e,
		  struct page *page)
{
	void *dst = kmap_local_page(page);
	int err = 0;

	if (e->flags & AZR_E_DEDUP)
		e = azr_dedup_object(e);
	if (e->flags & AZR_E_SAME)
		memset_l(dst, e->handle, PAGE_SIZE / sizeof(unsigned long));
	else
		err = azr_load_object(st, e, dst);
	kunmap_local(dst);
	if (err) {
		pr_err_ratelimited("a stored object of %u bytes is corrupt\n",
				   e->size);
		return -EIO;
	}
	return 0;
}

/**
 * azr_free_entry() - forget a stored page
 * @st:		the store
 * @e:		from azr_store_page() on @st; cleared
 *
 * Context: any context that may take the pool's spinlocks; never sleeps
 * or allocates.
 */
void azr_free_entry(struct azr_store *st, struct azr_entry *e)
{
	if (e->flags & AZR_E_DEDUP)
		azr_dedup_put(st, e);
	else if (e->flags & AZR_E_SAME)
		atomic64_dec(&st->same_pages);
	else
		azr_free_object(st, e);
	atomic64_dec(&st->pages_stored);
	memset(e, 0, sizeof(*e));
}

/**
 * azr_free_object() - free the object of an entry, and its counts
 * @st:		the store
 * @obj:	an entry naming an object of @st (not same-filled, not
 *		shared: a shared entry's object, by dedup.c, at its last
 *		reference)
 *
 * pages_stored is the entry's, left to azr_free_entry().
 *
 * Context: as azr_free_entry().
 */
void azr_free_object(struct azr_store *st, const struct azr_entry *obj)
{
	azs_free(st->pool, obj->handle);
	atomic64_sub(obj->size, &st->compr_data_size);
	if (obj->flags & AZR_E_HUGE)
		atomic64_dec(&st->huge_pages);
}
