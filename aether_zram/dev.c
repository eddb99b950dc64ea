// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - the block devices /dev/aether_zram<N>
 *
 * DOC: Overview
 *
 * A device is a bio-based disk whose pages live in a store (zpage.c): a
 * table of slots, one per page of the disk, each holding the entry of
 * its page (an object handle and size, or a same-filled value) or
 * nothing.  A page never written, or discarded, or freed by swap's
 * notification, reads as zeroes.
 *
 * The states of a device:
 *
 *	added:		gendisk and sysfs files exist, capacity 0; the
 *			algorithm, level and memory limit may be set
 *	initialised:	a disksize write allocated the slot table and the
 *			store and set the capacity; I/O is served
 *	claimed:	a reset or remove found the disk closed and set
 *			@claim under the disk's open_mutex, so no open can
 *			succeed until it is done
 *
 * reset goes claimed -> added (everything stored freed, the
 * configuration back to its defaults); remove goes claimed -> gone, the
 * module reference taken at add dropped with it.  Both refuse a disk
 * that is open (mounted, swapped on, held by a program): -EBUSY.
 *
 * I/O.  A bio is served in the submitter's context, under @init_lock for
 * read (reset and disksize take it for write), page by page: each page
 * under its slot's lock, a bit lock in the slot's flags that sleeps when
 * contended (wait_on_bit_lock()).  Holding it, a write stores the new
 * page, frees the old entry and installs the new one; a read loads the
 * entry into the caller's page.  The lock is held across compression and
 * decompression, so two I/Os on one slot from two CPUs are one after the
 * other, and a write of part of a page (the disk has 512-byte logical
 * blocks) is a read-modify-write of the whole page that no other write of
 * the same page can interleave with.  A read of a page on the backing
 * device lets go of the slot's lock and of init_lock across the backing
 * device's I/O, the device pinned and the block claimed instead
 * (writeback.c, "Reading back"): a write or discard meanwhile goes on,
 * and the read returns the page as it was when it began; a
 * read-modify-write reads the slot again.  Discard frees the whole pages of
 * its range (a partial page keeps its data); write-zeroes frees the
 * whole pages and zeroes the partial ones by read-modify-write.
 *
 * swap: swap's slot-free notification frees a slot from atomic context,
 * so it only tries the slot's lock (a miss is counted in debug_stat).
 * The swap fast path is the disk's synchronous feature (6.3 and later)
 * or ->rw_page() before it (compat/aether_compat.h).
 *
 * Writeback (writeback.c): a slot may hold, instead of an entry of the
 * store, the block of a backing device its page was written to
 * (AZR_SLOT_WB); reading it reads the block, freeing it frees the
 * block.  Each slot keeps the time of its last access and an idle flag
 * that an access clears.
 *
 * Dedupe (dedup.c): with "dedupe" set before disksize, the store gets a
 * table of the contents it holds, and a slot whose page equals a stored
 * one names that one's object (AZR_E_DEDUP) instead of an object of its
 * own.  Nothing here changes for it: a load resolves the shared entry,
 * and freeing a slot (write, discard, swap's notification, writeback,
 * reset) drops its reference (zpage.c).
 *
 * Checksums (csum.c): with "checksum" set before disksize, an array of a
 * u32 (crc32c) or u64 (xxh64) per slot is allocated with the table, and
 * nothing without.  A write stores the checksum of the page with its
 * entry; every load, from the store or from the backing device, and
 * writeback's load before a page goes out, checks the page against it
 * under the slot's lock; a read back, against the checksum it took with
 * its claim, after the backing device's I/O, no lock held (writeback.c,
 * "Reading back").  A mismatch is -EIO for the reader (the page
 * handed back zeroed, never the wrong bytes), counted in csum_errors
 * and reported, rate-limited, with the disk and the slot.
 *
 * Lock order (internal.h): azr_devices_lock (1), then the disk's
 * open_mutex (dropped before 2 is taken), @init_lock (2), a slot's lock
 * (3), then a compression stream and the pool inside the store; the
 * writeback limit's spinlock (8) innermost.  A read back's pin (2a)
 * stands in for 2 and 3 across the backing device's I/O; 2 is taken
 * again, then 3.  Whoever touches a slot or the store holds 2 or a pin
 * (a read back's or a writeback pass's, 2a): azr_assert_slot_stable()
 * says so to lockdep.
 */

#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>

#include "dev.h"

/* How the write path allocates: no I/O (swap writes come from reclaim). */
#define AZR_GFP		(GFP_NOIO | __GFP_NOWARN)

/* Lock 1 of internal.h: @azr_devices, add, remove, unload. */
DEFINE_MUTEX(azr_devices_lock);
static DEFINE_IDR(azr_devices);
static int azr_major;

/* ---- slots -------------------------------------------------------------- */

/*
 * The slot locks are bit locks, which lockdep cannot see: each device
 * has one lockdep map standing for all its slots (no path holds two).
 */
static struct lock_class_key azr_slot_key;

/**
 * azr_slot_lock() - take the lock of slot @index of @d
 * @d:		an initialised device, init_lock held or pinned by a
 *		writeback pass or by a read (azr_assert_slot_stable())
 * @index:	the slot
 *
 * Context: may sleep.
 */
void azr_slot_lock(struct azr_dev *d, u32 index)
{
	azr_assert_slot_stable(d);
	wait_on_bit_lock(&d->table[index].flags, AZR_SLOT_LOCK,
			 TASK_UNINTERRUPTIBLE);
	mutex_acquire(&d->slot_dep_map, 0, 0, _RET_IP_);
}

static bool azr_slot_trylock(struct azr_dev *d, u32 index)
{
	azr_assert_slot_stable(d);
	if (test_and_set_bit_lock(AZR_SLOT_LOCK, &d->table[index].flags))
		return false;
	mutex_acquire(&d->slot_dep_map, 0, 1, _RET_IP_);
	return true;
}

/**
 * azr_slot_unlock() - drop what azr_slot_lock() took
 * @d:		the device
 * @index:	the slot
 */
void azr_slot_unlock(struct azr_dev *d, u32 index)
{
	mutex_release(&d->slot_dep_map, _RET_IP_);
	clear_and_wake_up_bit(AZR_SLOT_LOCK, &d->table[index].flags);
}

/**
 * azr_slot_free() - free what slot @index of @d holds
 * @d:		an initialised device
 * @index:	the slot, its lock held
 *
 * A page on the backing device gives its block back (writeback.c).
 *
 * Context: any context; never sleeps (swap's notification calls it).
 */
void azr_slot_free(struct azr_dev *d, u32 index)
{
	struct azr_slot *slot = &d->table[index];

	clear_bit(AZR_SLOT_IDLE, &slot->flags);
	/* A writeback of what it held, under way, is stale now. */
	clear_bit(AZR_SLOT_UNDER_WB, &slot->flags);
	azr_recomp_slot_free(slot);
	slot->ac_time = 0;
	if (!test_bit(AZR_SLOT_USED, &slot->flags))
		return;
	if (test_bit(AZR_SLOT_WB, &slot->flags))
		azr_wb_free(d, index);
	else
		azr_free_entry(&d->store, &slot->e);
	clear_bit(AZR_SLOT_USED, &slot->flags);
}

/**
 * azr_slot_accessed() - slot @index of @d was just written or read
 * @d:		an initialised device
 * @index:	the slot, its lock held
 *
 * Its access time is now and it is no longer idle (zram's
 * zram_accessed()).
 */
void azr_slot_accessed(struct azr_dev *d, u32 index)
{
	struct azr_slot *slot = &d->table[index];

	clear_bit(AZR_SLOT_IDLE, &slot->flags);
	slot->ac_time = ktime_get_boottime();
}

/* ---- checksums (csum.c) ------------------------------------------------- */

/**
 * azr_dev_csum_get() - the checksum slot @index keeps
 * @d:		a device with checksums (@d->csums)
 * @index:	the slot, its lock held
 *
 * Return: the checksum of the page the slot holds.
 */
u64 azr_dev_csum_get(struct azr_dev *d, u32 index)
{
	if (d->csum == AZR_CSUM_CRC32C)
		return ((u32 *)d->csums)[index];
	return ((u64 *)d->csums)[index];
}

static void azr_csum_set(struct azr_dev *d, u32 index, u64 sum)
{
	if (d->csum == AZR_CSUM_CRC32C)
		((u32 *)d->csums)[index] = sum;
	else
		((u64 *)d->csums)[index] = sum;
}

/**
 * azr_dev_csum_check() - check a page loaded from slot @index against @want
 * @d:		a device with checksums (@d->csums), init_lock held or
 *		pinned (azr_assert_slot_stable())
 * @index:	the slot, for the report
 * @page:	its bytes, as loaded
 * @want:	the checksum the slot kept when the load began
 *
 * The slot's lock need not be held: a read back from the backing device
 * checks the page against the checksum it took with its claim
 * (writeback.c).  A mismatch is counted and reported, and @page is
 * zeroed: whoever sees it despite the error sees no wrong bytes.
 *
 * Return: 0, or -EIO when @page does not match @want.
 */
int azr_dev_csum_check(struct azr_dev *d, u32 index, struct page *page,
		       u64 want)
{
	u64 got;

	azr_assert_slot_stable(d);
	got = azr_csum_page(d->csum, page);
	if (likely(got == want))
		return 0;
	clear_highpage(page);
	atomic64_inc(&d->csum_errors);
	pr_warn_ratelimited("%s: slot %u: %s mismatch (stored %#llx, read %#llx): I/O error\n",
			    d->disk->disk_name, index, azr_csum_name(d->csum),
			    want, got);
	return -EIO;
}

/**
 * azr_dev_csum_verify() - check a page just loaded from slot @index
 * @d:		an initialised device, init_lock held or pinned by a
 *		writeback pass or by a read (azr_assert_slot_stable())
 * @index:	the slot, its lock held
 * @page:	its bytes, as loaded
 *
 * Without checksums on @d there is nothing to check (azr_dev_csum_check()).
 *
 * Return: 0, or -EIO when @page does not match the slot's checksum.
 */
int azr_dev_csum_verify(struct azr_dev *d, u32 index, struct page *page)
{
	azr_assert_slot_stable(d);
	if (!d->csums)
		return 0;
	return azr_dev_csum_check(d, index, page, azr_dev_csum_get(d, index));
}

/**
 * azr_dev_set_csum() - the checksum kind of @d's next initialisation
 * @d:		the device
 * @type:	enum azr_csum
 *
 * Return: 0; -EINVAL for a kind out of range; -EBUSY if @d is
 * initialised.
 */
int azr_dev_set_csum(struct azr_dev *d, unsigned int type)
{
	int err = 0;

	if (type >= AZR_NR_CSUMS)
		return -EINVAL;
	down_write(&d->init_lock);
	if (azr_dev_init_done(d))
		err = -EBUSY;
	else
		d->csum = type;
	up_write(&d->init_lock);
	return err;
}

/**
 * azr_dev_set_dedupe() - whether @d's next initialisation shares
 *			  identical pages (dedup.c)
 * @d:		the device
 * @on:		share them
 *
 * Return: 0, or -EBUSY if @d is initialised.
 */
int azr_dev_set_dedupe(struct azr_dev *d, bool on)
{
	int err = 0;

	down_write(&d->init_lock);
	if (azr_dev_init_done(d))
		err = -EBUSY;
	else
		d->dedupe = on;
	up_write(&d->init_lock);
	return err;
}

/**
 * azr_dev_corrupt() - flip a byte of the page slot @index holds, on purpose
 * @d:		the device
 * @index:	the slot
 *
 * The slot's entry is replaced by a valid one of the page with a byte
 * changed (azr_corrupt_entry()), its checksum left as it was: the next
 * read of the slot meets what only a checksum can catch.  For the tests
 * of checksums, through debugfs (root's).
 *
 * Return: 0; -EINVAL before disksize or for a slot beyond the disk;
 * -ENOENT for a slot that holds nothing; -EOPNOTSUPP for a page on the
 * backing device; -ENOMEM; or the error of loading or storing the page.
 */
int azr_dev_corrupt(struct azr_dev *d, u32 index)
{
	struct azr_slot *slot;
	struct page *bounce;
	int err = -EINVAL;

	bounce = alloc_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	down_read(&d->init_lock);
	if (!azr_dev_init_done(d) || index >= (d->disksize >> PAGE_SHIFT))
		goto out_unlock;
	slot = &d->table[index];
	azr_slot_lock(d, index);
	if (!test_bit(AZR_SLOT_USED, &slot->flags))
		err = -ENOENT;
	else if (test_bit(AZR_SLOT_WB, &slot->flags))
		err = -EOPNOTSUPP;
	else
		err = azr_corrupt_entry(&d->store, &slot->e, bounce, AZR_GFP,
					0);
	/* A new entry: a writeback under way wrote the old one. */
	if (!err)
		clear_bit(AZR_SLOT_UNDER_WB, &slot->flags);
	azr_slot_unlock(d, index);
out_unlock:
	up_read(&d->init_lock);
	__free_page(bounce);
	return err;
}

/* ---- pool accounting ---------------------------------------------------- */

/**
 * azr_dev_pool_pages() - pages of memory @d's store holds now
 * @d:	an initialised device, init_lock held
 *
 * Its pool's pages and its dedupe table's (kmalloc'ed entries, dedup.c),
 * rounded up to pages: what mem_limit bounds and mm_stat's
 * mem_used_total shows, and adaptive's pressure follows.
 *
 * Return: a page count.
 */
unsigned long azr_dev_pool_pages(struct azr_dev *d)
{
	lockdep_assert_held(&d->init_lock);
	return azs_pool_pages(d->store.pool) +
	       DIV_ROUND_UP(azr_dedup_meta_bytes(&d->store), PAGE_SIZE);
}

/*
 * After a page was stored: false if the store is now over the memory
 * limit (the caller gives the new entry back, and with it the dedupe
 * entry it may have made); the peak is kept.
 */
static bool azr_charge_ok(struct azr_dev *d)
{
	unsigned long pages = azr_dev_pool_pages(d);
	unsigned long max = atomic_long_read(&d->max_used_pages);

	if (d->limit_pages && pages > d->limit_pages)
		return false;
	while (pages > max &&
	       !atomic_long_try_cmpxchg(&d->max_used_pages, &max, pages))
		;
	return true;
}

/* ---- one page ----------------------------------------------------------- */

/*
 * Slot @index into @page (the whole page); init_lock held for read and
 * the slot's lock.  A page on the backing device is read back with both
 * let go of across the I/O (azr_wb_read(), writeback.c "Reading back"),
 * and taken again before this returns: @page holds what the slot held
 * when the read began.  A read-modify-write (@rmw) needs what it holds
 * when it returns, so a slot freed during the read back is read again.
 */
static int azr_read_slot(struct azr_dev *d, u32 index, struct page *page,
			 bool rmw)
{
	struct azr_slot *slot = &d->table[index];
	int err;

	lockdep_assert_held_read(&d->init_lock);
	for (;;) {
		if (!test_bit(AZR_SLOT_USED, &slot->flags)) {
			clear_highpage(page);
			return 0;
		}
		azr_slot_accessed(d, index);
		if (!test_bit(AZR_SLOT_WB, &slot->flags))
			break;
		/* 1: read, but the slot let go of the page meanwhile. */
		err = azr_wb_read(d, index, page);
		if (err == -EAGAIN || (err > 0 && rmw))
			continue;
		return err < 0 ? err : 0;
	}
	err = azr_load_page(&d->store, &slot->e, page);
	return err ? err : azr_dev_csum_verify(d, index, page);
}

/*
 * The trust domain of a file owner's pages: this bit and the owner's uid
 * (a memory cgroup's serial number never reaches it).
 */
#define AZR_DOMAIN_UID		BIT_ULL(63)

/*
 * The domain of @folio, a page of a file's page cache: its owner's, or
 * nobody's (AZR_DOMAIN_NONE) when others may write the file (group or
 * other write permission; an ACL granting more shows in the group bits)
 * and their bytes may be in it.  RCU keeps the inode, which holds the
 * mapping, from being freed under us while a truncation races (as in
 * folio_evictable()).
 */
static u64 azr_file_domain(struct folio *folio)
{
	struct address_space *mapping;
	u64 domain = AZR_DOMAIN_NONE;
	struct inode *host;

	rcu_read_lock();
	mapping = folio_mapping(folio);
	host = mapping ? READ_ONCE(mapping->host) : NULL;
	/* 0022: group or other write permission */
	if (host && !(READ_ONCE(host->i_mode) & 0022))
		domain = AZR_DOMAIN_UID | __kuid_val(READ_ONCE(host->i_uid));
	rcu_read_unlock();
	return domain;
}

/*
 * The trust domain of a page written to @d, for dedupe (dedup.c).  An
 * anonymous page (swapped out, or the buffer of an O_DIRECT write) is
 * the memory cgroup's it is charged to, by the css serial number (never
 * reused, unlike its id), 0 for a page charged to none.  A page of a
 * file's page cache (written back by a filesystem on @d, or mapped by
 * the buffer of an O_DIRECT write) is charged to whoever first read or
 * wrote it: an attacker's own file that his victim read first would
 * carry the attacker's bytes into the victim's cgroup (review s31b
 * finding 7).  It is the file owner's instead (azr_file_domain()).  A
 * shmem page on its way to swap (in the swap cache, not anonymous) has
 * left its file, and with it its owner: nobody's.
 */
static u64 azr_page_domain(const struct azr_dev *d, struct page *page)
{
	u64 domain = 0;
	struct folio *folio;
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
#endif

	if (!d->store.dedup || !page)
		return 0;
	folio = page_folio(page);
	if (!folio_test_anon(folio)) {
		if (folio_test_swapcache(folio))
			return AZR_DOMAIN_NONE;
		if (READ_ONCE(folio->mapping))
			return azr_file_domain(folio);
	}
#ifdef CONFIG_MEMCG
	rcu_read_lock();
	memcg = page_memcg_check(compound_head(page));
	if (memcg)
		domain = memcg->css.serial_nr;
	rcu_read_unlock();
#endif
	return domain;
}

/*
 * @page (the whole page) into slot @index; its lock held.  @domain: the
 * trust domain of the bytes (azr_page_domain()).
 */
static int azr_write_slot(struct azr_dev *d, u32 index, struct page *page,
			  u64 domain)
{
	struct azr_slot *slot = &d->table[index];
	struct azr_entry e = {};
	int err;

	/* The store's compressor, or adaptive's choice (adaptive.c). */
	err = azr_store_page_comp(&d->store, azr_adapt_pick(d), page, domain,
				  &e, AZR_GFP, 0);
	if (err)
		return err;
	/* A same-filled page takes no memory: stored over the limit too. */
	if (!(e.flags & AZR_E_SAME) && !azr_charge_ok(d)) {
		azr_free_entry(&d->store, &e);
		return -ENOMEM;
	}
	azr_slot_free(d, index);
	slot->e = e;
	if (d->csums)
		azr_csum_set(d, index, azr_csum_page(d->csum, page));
	set_bit(AZR_SLOT_USED, &slot->flags);
	azr_slot_accessed(d, index);
	return 0;
}

/*
 * The part [@off, @off + @len) of page @index: read into or written from
 * @page at @page_off, or (@page NULL) zeroed.  A whole page goes straight
 * between the slot and @page; a part goes through a bounce page.
 */
static int azr_rw_part(struct azr_dev *d, u32 index, u32 off, u32 len,
		       struct page *page, u32 page_off, bool is_write)
{
	struct page *bounce;
	int err;

	if (len == PAGE_SIZE && page && !page_off) {
		azr_slot_lock(d, index);
		if (is_write)
			err = azr_write_slot(d, index, page,
					     azr_page_domain(d, page));
		else
			err = azr_read_slot(d, index, page, false);
		azr_slot_unlock(d, index);
		return err;
	}

	bounce = alloc_page(AZR_GFP);
	if (!bounce)
		return -ENOMEM;
	azr_slot_lock(d, index);
	err = azr_read_slot(d, index, bounce, is_write);
	if (!err && !is_write)
		memcpy_page(page, page_off, bounce, off, len);
	if (!err && is_write) {
		if (page)
			memcpy_page(bounce, off, page, page_off, len);
		else
			memzero_page(bounce, off, len);
		/*
		 * The bytes mix the writer's part and the slot's old bytes,
		 * which may be another domain's: shared with nobody.
		 */
		err = azr_write_slot(d, index, bounce, AZR_DOMAIN_NONE);
	}
	azr_slot_unlock(d, index);
	__free_page(bounce);
	return err;
}

/* ---- bios --------------------------------------------------------------- */

/* Inside the disk and aligned to its logical block; init_lock held. */
static bool azr_io_valid(struct azr_dev *d, sector_t sector, u32 size)
{
	u64 start = (u64)sector << SECTOR_SHIFT;

	if (!size)
		return true;
	if (!IS_ALIGNED(size, SECTOR_SIZE))
		return false;
	return start < d->disksize && size <= d->disksize - start;
}

static void azr_bio_rw(struct azr_dev *d, struct bio *bio)
{
	bool is_write = op_is_write(bio_op(bio));
	unsigned long start = bio_start_io_acct(bio);
	struct bvec_iter iter = bio->bi_iter;

	while (iter.bi_size) {
		struct bio_vec bv = bio_iter_iovec(bio, iter);
		u64 pos = (u64)iter.bi_sector << SECTOR_SHIFT;
		u32 off = offset_in_page(pos);

		bv.bv_len = min_t(u32, bv.bv_len, PAGE_SIZE - off);
		if (azr_rw_part(d, pos >> PAGE_SHIFT, off, bv.bv_len,
				bv.bv_page, bv.bv_offset, is_write)) {
			atomic64_inc(is_write ? &d->failed_writes :
				     &d->failed_reads);
			bio->bi_status = BLK_STS_IOERR;
			break;
		}
		if (!is_write)
			flush_dcache_page(bv.bv_page);
		bio_advance_iter_single(bio, &iter, bv.bv_len);
	}
	bio_end_io_acct(bio, start);
	bio_endio(bio);
}

/*
 * Discard and write-zeroes: the whole pages of the range are freed; the
 * partial pages at its ends are zeroed by write-zeroes and left alone by
 * discard (which promises nothing about what is read back).
 */
static void azr_bio_discard(struct azr_dev *d, struct bio *bio)
{
	bool zeroes = bio_op(bio) == REQ_OP_WRITE_ZEROES;
	u64 pos = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;
	u64 end = pos + bio->bi_iter.bi_size;

	while (pos < end) {
		u32 index = pos >> PAGE_SHIFT;
		u32 off = offset_in_page(pos);
		u32 len = min_t(u64, PAGE_SIZE - off, end - pos);

		if (len == PAGE_SIZE) {
			azr_slot_lock(d, index);
			azr_slot_free(d, index);
			azr_slot_unlock(d, index);
			atomic64_inc(&d->notify_free);
		} else if (zeroes &&
			   azr_rw_part(d, index, off, len, NULL, 0, true)) {
			atomic64_inc(&d->failed_writes);
			bio->bi_status = BLK_STS_IOERR;
			break;
		}
		pos += len;
	}
	bio_endio(bio);
}

static void azr_submit_bio(struct bio *bio)
{
	struct azr_dev *d = bio->bi_bdev->bd_disk->private_data;

	down_read(&d->init_lock);
	if (!azr_io_valid(d, bio->bi_iter.bi_sector, bio->bi_iter.bi_size)) {
		atomic64_inc(&d->invalid_io);
		bio_io_error(bio);
		goto out;
	}
	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		azr_bio_rw(d, bio);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		azr_bio_discard(d, bio);
		break;
	case REQ_OP_FLUSH:
		/* Every write is done when its bio ends: nothing to flush. */
		bio_endio(bio);
		break;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
	}
out:
	up_read(&d->init_lock);
}

/*
 * ->rw_page() where the kernel has it (compat/aether_compat.h): one whole
 * page, swap's fast path.  Non-zero makes the caller resubmit as a bio.
 */
static int __maybe_unused azr_rw_page(struct gendisk *disk, sector_t sector,
				      struct page *page, bool is_write)
{
	struct azr_dev *d = disk->private_data;
	int err;

	if (PageTransHuge(page))
		return -EOPNOTSUPP;
	down_read(&d->init_lock);
	if (!azr_io_valid(d, sector, PAGE_SIZE) ||
	    !IS_ALIGNED(sector, PAGE_SECTORS)) {
		atomic64_inc(&d->invalid_io);
		err = -EINVAL;
		goto out;
	}
	err = azr_rw_part(d, sector >> (PAGE_SHIFT - SECTOR_SHIFT), 0,
			  PAGE_SIZE, page, 0, is_write);
	if (err)
		atomic64_inc(is_write ? &d->failed_writes : &d->failed_reads);
out:
	up_read(&d->init_lock);
	return err;
}

AETHER_DEFINE_RW_PAGE(azr_rw_page)

/*
 * Swap no longer needs page @index.  Called with swap's locks held: only
 * a slot free of contention is freed now; a missed one stays until the
 * page is written again or discarded.
 */
static void azr_swap_slot_free_notify(struct block_device *bdev,
				      unsigned long index)
{
	struct azr_dev *d = bdev->bd_disk->private_data;

	atomic64_inc(&d->notify_free);
	if (!down_read_trylock(&d->init_lock)) {
		atomic64_inc(&d->store.miss_free);
		return;
	}
	if (index < (d->disksize >> PAGE_SHIFT)) {
		if (azr_slot_trylock(d, index)) {
			azr_slot_free(d, index);
			azr_slot_unlock(d, index);
		} else {
			atomic64_inc(&d->store.miss_free);
		}
	}
	up_read(&d->init_lock);
}

/* A claimed disk (reset or remove under way) cannot be opened. */
static int azr_open(struct gendisk *disk)
{
	struct azr_dev *d = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	return d->claim ? -EBUSY : 0;
}

AETHER_DEFINE_BD_OPEN(azr_open)

static const struct block_device_operations azr_fops = {
	.owner			= THIS_MODULE,
	.open			= azr_open_bd_open,
	.submit_bio		= azr_submit_bio,
	.swap_slot_free_notify	= azr_swap_slot_free_notify,
	AETHER_BDOPS_RW_PAGE(azr_rw_page)
};

/*
 * Pages of PAGE_SIZE, addressed in 512-byte logical blocks so that any
 * sector-sized I/O works (a part of a page is a read-modify-write);
 * I/O hints of a page; stable pages (a page is compressed while it is
 * written); discard and write-zeroes without limit.
 */
static const struct aether_disk_limits azr_limits = {
	.logical_block_size	  = SECTOR_SIZE,
	.physical_block_size	  = PAGE_SIZE,
	.io_min			  = PAGE_SIZE,
	.io_opt			  = PAGE_SIZE,
	.max_discard_sectors	  = UINT_MAX,
	.discard_granularity	  = PAGE_SIZE,
	.max_write_zeroes_sectors = UINT_MAX,
	.stable_writes		  = true,
	.synchronous		  = true,
};

/* ---- configuration ------------------------------------------------------ */

/* Free the store and the table; init_lock held for write. */
static void azr_dev_free_store(struct azr_dev *d)
{
	u32 i, nr = d->disksize >> PAGE_SHIFT;

	lockdep_assert_held_write(&d->init_lock);
	if (!azr_dev_init_done(d))
		return;
	for (i = 0; i < nr; i++)
		azr_slot_free(d, i);
	azr_dedup_destroy(&d->store);
	azr_store_destroy(&d->store);
	vfree(d->csums);
	d->csums = NULL;
	vfree(d->table);
	d->table = NULL;
	d->disksize = 0;
}

/* Everything back to a freshly added device; no I/O can be in flight. */
static void azr_dev_teardown(struct azr_dev *d)
{
	struct azr_wb_old old = {};

	/* The background passes take init_lock: stopped before. */
	azr_wb_stop(d);
	azr_adapt_stop(d);
	/* Reads back and passes in flight hold only their pins: waited for. */
	azr_wb_lock_unpinned(d);
	set_capacity_and_notify(d->disk, 0);
	azr_dev_free_store(d);
	azr_wb_reset(d, &old);
	azr_recomp_reset(d);
	azr_adapt_reset(d);
	d->algo = AETHER_ZRAM_ALGO_LZ4;
	d->level = 0;
	vfree(d->dict);
	d->dict = NULL;
	d->dict_len = 0;
	d->limit_pages = 0;
	d->csum = AZR_CSUM_NONE;
	d->dedupe = false;
	atomic64_set(&d->csum_errors, 0);
	atomic_long_set(&d->max_used_pages, 0);
	atomic64_set(&d->failed_reads, 0);
	atomic64_set(&d->failed_writes, 0);
	atomic64_set(&d->invalid_io, 0);
	atomic64_set(&d->notify_free, 0);
	up_write(&d->init_lock);
	/* Closed after the lock: writeback.c, "Closing it". */
	azr_wb_release(d, &old);
}

/*
 * The store of @d with its algorithm, level and dictionary, and its
 * dedupe table with "dedupe" set (dedup.c).  The store makes its
 * compressor without a dictionary; with one, that compressor is
 * replaced by one made with it.
 */
static int azr_dev_store_init(struct azr_dev *d)
{
	struct azr_comp *comp;
	int err;

	err = azr_store_init(&d->store, d->disk->disk_name, d->algo, d->level);
	if (err)
		return err;
	if (d->dict) {
		comp = azr_comp_create(d->algo, d->level, d->dict, d->dict_len);
		if (IS_ERR(comp)) {
			err = PTR_ERR(comp);
			goto out_destroy;
		}
		azr_comp_destroy(d->store.comp);
		d->store.comp = comp;
	}
	if (d->dedupe) {
		err = azr_dedup_create(&d->store);
		if (err)
			goto out_destroy;
	}
	return 0;

out_destroy:
	azr_store_destroy(&d->store);
	return err;
}

/**
 * azr_dev_set_disksize() - initialise @d with @disksize bytes
 * @d:		the device
 * @disksize:	bytes, rounded up to a page
 *
 * Return: 0; -EINVAL for 0 or a size of more than 2^32 pages; -EBUSY if
 * @d is initialised; -ENOMEM; or the store's error.
 */
int azr_dev_set_disksize(struct azr_dev *d, u64 disksize)
{
	struct azr_slot *table;
	void *csums = NULL;
	u64 nr;
	int err;

	if (!disksize || disksize > U64_MAX - PAGE_SIZE)
		return -EINVAL;
	nr = PAGE_ALIGN(disksize) >> PAGE_SHIFT;
	if (nr > U32_MAX)
		return -EINVAL;

	/*
	 * The table and the store are allocated under init_lock, and
	 * those allocations may reclaim (directly, or through the per-CPU
	 * allocator's mutex).  That is sound only because this device has
	 * no I/O yet: its capacity is 0 until the end of this function, so
	 * no swap-out or bio can reach its I/O path, which takes init_lock.
	 * Lockdep cannot tell, and it sees reclaim take init_lock (kswapd
	 * swapping out to an initialised device): the write hold of an
	 * uninitialised device is its own subclass.
	 */
	down_write_nested(&d->init_lock, AZR_INIT_LOCK_UNINIT);
	err = -EBUSY;
	if (azr_dev_init_done(d))
		goto out_unlock;
	err = -ENOMEM;
	/* A size beyond memory fails here, without waking the OOM killer. */
	table = __vmalloc(array_size(nr, sizeof(*table)), GFP_KERNEL |
			  __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
	if (!table)
		goto out_unlock;
	if (d->csum != AZR_CSUM_NONE) {
		csums = __vmalloc(array_size(nr, azr_csum_size(d->csum)),
				  GFP_KERNEL | __GFP_NOWARN |
				  __GFP_RETRY_MAYFAIL);
		if (!csums)
			goto out_free_table;
	}
	err = azr_dev_store_init(d);
	if (err)
		goto out_free_csums;
	/* More compressors: recompression's, adaptive's (their files). */
	err = azr_recomp_setup(d);
	if (!err)
		err = azr_adapt_setup(d);
	if (err)
		goto out_free_store;
	d->table = table;
	d->csums = csums;
	d->disksize = nr << PAGE_SHIFT;
	atomic_long_set(&d->max_used_pages, azr_dev_pool_pages(d));
	set_capacity_and_notify(d->disk, d->disksize >> SECTOR_SHIFT);
	azr_wb_start(d);
	azr_adapt_start(d);
	up_write(&d->init_lock);
	return 0;

out_free_store:
	azr_dedup_destroy(&d->store);
	azr_store_destroy(&d->store);
out_free_csums:
	vfree(csums);
out_free_table:
	vfree(table);
out_unlock:
	up_write(&d->init_lock);
	return err;
}

/**
 * azr_dev_set_algo() - the algorithm and level of @d's next initialisation
 * @d:		the device
 * @algo:	enum aether_zram_algo, 0 the default (lz4)
 * @level:	its level, 0 the default
 *
 * A dictionary set for the previous algorithm is dropped.
 *
 * Return: 0; -EINVAL for an algorithm this kernel lacks or a level out
 * of its range; -EBUSY if @d is initialised.
 */
int azr_dev_set_algo(struct azr_dev *d, unsigned int algo, int level)
{
	int err = 0;

	if (algo == AETHER_ZRAM_ALGO_DEFAULT)
		algo = AETHER_ZRAM_ALGO_LZ4;
	if (algo >= AETHER_ZRAM_NR_ALGOS || !azr_algo_available(algo))
		return -EINVAL;
	if (azr_level_check(algo, level) < 0)
		return -EINVAL;

	down_write(&d->init_lock);
	if (azr_dev_init_done(d)) {
		err = -EBUSY;
	} else {
		if (algo != d->algo) {
			vfree(d->dict);
			d->dict = NULL;
			d->dict_len = 0;
		}
		d->algo = algo;
		d->level = level;
	}
	up_write(&d->init_lock);
	return err;
}

/**
 * azr_dev_set_params() - the level and dictionary of the next
 *			  initialisation (algorithm_params)
 * @d:		the device
 * @algo:	the algorithm they were checked for
 * @level:	its level, 0 the default
 * @dict:	a dictionary (vmalloc'ed, now @d's) or NULL
 * @dict_len:	its length
 *
 * Return: 0; -EBUSY if @d is initialised or its algorithm changed since
 * the check (@dict is freed then).
 */
int azr_dev_set_params(struct azr_dev *d, unsigned int algo, int level,
		       void *dict, size_t dict_len)
{
	int err = 0;

	down_write(&d->init_lock);
	if (azr_dev_init_done(d) || d->algo != algo) {
		err = -EBUSY;
	} else {
		swap(d->dict, dict);
		d->dict_len = dict_len;
		d->level = level;
	}
	up_write(&d->init_lock);
	vfree(dict);
	return err;
}

/**
 * azr_dev_set_limit() - the pool memory @d's store may use
 * @d:		the device
 * @bytes:	rounded up to a page; 0 no limit
 *
 * Return: 0, or -EINVAL for a size beyond the address space.
 */
int azr_dev_set_limit(struct azr_dev *d, u64 bytes)
{
	if (bytes > ULONG_MAX - PAGE_SIZE)
		return -EINVAL;
	down_write(&d->init_lock);
	d->limit_pages = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	up_write(&d->init_lock);
	return 0;
}

/*
 * Claim @d if nobody has it open: no open succeeds until the claim is
 * dropped.  Return: 0, or -EBUSY.
 */
static int azr_dev_claim(struct azr_dev *d)
{
	struct gendisk *disk = d->disk;
	int err = 0;

	mutex_lock(&disk->open_mutex);
	if (disk_openers(disk) || d->claim)
		err = -EBUSY;
	else
		WRITE_ONCE(d->claim, true);
	mutex_unlock(&disk->open_mutex);
	return err;
}

/* Reset @d, claimed by the caller, and let the claim go. */
static void azr_dev_reset_claimed(struct azr_dev *d)
{
	sync_blockdev(d->disk->part0);
	azr_dev_teardown(d);

	mutex_lock(&d->disk->open_mutex);
	WRITE_ONCE(d->claim, false);
	mutex_unlock(&d->disk->open_mutex);
}

/**
 * azr_dev_reset() - free everything @d stores, back to its defaults
 * @d:	the device (its sysfs file's: the file keeps it)
 *
 * Return: 0, or -EBUSY if @d is open or being reset or removed.
 */
int azr_dev_reset(struct azr_dev *d)
{
	int err = azr_dev_claim(d);

	if (!err)
		azr_dev_reset_claimed(d);
	return err;
}

/**
 * azr_dev_reset_id() - azr_dev_reset() of /dev/aether_zram<@id>
 * @id:	the device
 *
 * The device is found and claimed under azr_devices_lock, and reset
 * after it is dropped: the reset may wait for a writeback pass or a
 * read back in the backing device (azr_wb_lock_unpinned()), which must
 * not hold every other device's control ioctls (review s34, finding 1).
 * The claim keeps the device: a removal meanwhile is refused.
 *
 * Return: 0; -ENODEV if there is no such device; -EBUSY if it is open or
 * being reset or removed.
 */
int azr_dev_reset_id(int id)
{
	struct azr_dev *d;
	int err;

	mutex_lock(&azr_devices_lock);
	d = azr_dev_find(id);
	err = d ? azr_dev_claim(d) : -ENODEV;
	mutex_unlock(&azr_devices_lock);
	if (!err)
		azr_dev_reset_claimed(d);
	return err;
}

/**
 * azr_dev_compact() - compact @d's pool
 * @d:	the device
 *
 * Return: pool pages given back, or -EINVAL if @d is not initialised.
 */
long azr_dev_compact(struct azr_dev *d)
{
	long ret = -EINVAL;

	down_read(&d->init_lock);
	if (azr_dev_init_done(d))
		ret = azs_compact(d->store.pool);
	up_read(&d->init_lock);
	return ret;
}

/**
 * azr_dev_stats() - @d's configuration and counters
 * @d:	the device
 * @st:	filled but for @size, @id and @reserved
 */
void azr_dev_stats(struct azr_dev *d, struct aether_zram_dev_stats *st)
{
	struct azs_stats ps = {};
	struct azr_store *s = &d->store;

	down_read(&d->init_lock);
	st->initstate = azr_dev_init_done(d);
	st->algo = d->algo;
	st->level = azr_level_check(d->algo, d->level);
	st->streams = num_online_cpus();
	st->disksize = d->disksize;
	if (st->initstate) {
		azs_get_stats(s->pool, &ps);
		st->level = azr_comp_level(s->comp);
		st->streams = azr_comp_streams(s->comp);
		st->orig_data_size = (u64)atomic64_read(&s->pages_stored) <<
				     PAGE_SHIFT;
		st->compr_data_size = atomic64_read(&s->compr_data_size);
		st->same_pages = atomic64_read(&s->same_pages);
		st->huge_pages = atomic64_read(&s->huge_pages);
		st->huge_pages_since = atomic64_read(&s->huge_pages_since);
		st->mem_used_total = (u64)azr_dev_pool_pages(d) << PAGE_SHIFT;
	}
	st->pages_compacted = ps.pages_compacted;
	st->mem_limit = (u64)d->limit_pages << PAGE_SHIFT;
	st->mem_used_max = (u64)atomic_long_read(&d->max_used_pages) <<
			   PAGE_SHIFT;
	st->failed_reads = atomic64_read(&d->failed_reads);
	st->failed_writes = atomic64_read(&d->failed_writes);
	st->invalid_io = atomic64_read(&d->invalid_io);
	st->notify_free = atomic64_read(&d->notify_free);
	up_read(&d->init_lock);
}

/* ---- add and remove ----------------------------------------------------- */

/**
 * azr_dev_find() - the device of @id
 * @id:	N of /dev/aether_zram<N>
 *
 * Return: the device, valid while azr_devices_lock is held, or NULL.
 */
struct azr_dev *azr_dev_find(int id)
{
	lockdep_assert_held(&azr_devices_lock);
	return id < 0 ? NULL : idr_find(&azr_devices, id);
}

static int azr_count_one(int id, void *p, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/**
 * azr_dev_count() - how many devices exist
 *
 * Return: the count, azr_devices_lock held.
 */
unsigned int azr_dev_count(void)
{
	unsigned int n = 0;

	lockdep_assert_held(&azr_devices_lock);
	idr_for_each(&azr_devices, azr_count_one, &n);
	return n;
}

/*
 * What azr_dev_config() would refuse, refused before the disk exists:
 * no one sees a disk that is only being taken down.
 */
static int azr_dev_config_check(const struct aether_zram_add *cfg)
{
	if (azr_level_check(cfg->algo, cfg->level) < 0 ||
	    cfg->mem_limit > ULONG_MAX - PAGE_SIZE ||
	    cfg->disksize > (u64)U32_MAX << PAGE_SHIFT)
		return -EINVAL;
	return 0;
}

static int azr_dev_config(struct azr_dev *d, const struct aether_zram_add *cfg)
{
	int err;

	err = azr_dev_set_algo(d, cfg->algo, cfg->level);
	if (err)
		return err;
	err = azr_dev_set_limit(d, cfg->mem_limit);
	if (err)
		return err;
	return cfg->disksize ? azr_dev_set_disksize(d, cfg->disksize) : 0;
}

/*
 * Take the disk down and free @d.  Its id stays taken (a NULL entry of
 * the table) until azr_dev_put_id(): a device added meanwhile cannot get
 * the name of a disk still going away.
 */
static void azr_dev_destroy(struct azr_dev *d)
{
	azr_debugfs_dev_del(d);
	sync_blockdev(d->disk->part0);
	/* Removes the sysfs files and waits for those being used. */
	del_gendisk(d->disk);
	azr_dev_teardown(d);
	put_disk(d->disk);
	kfree(d);
}

/* The id of a destroyed device is free again; its module reference goes. */
static void azr_dev_put_id(int id)
{
	mutex_lock(&azr_devices_lock);
	idr_remove(&azr_devices, id);
	mutex_unlock(&azr_devices_lock);
	module_put(THIS_MODULE);
}

static struct azr_dev *azr_dev_alloc(int id)
{
	struct azr_dev *d;
	struct gendisk *disk;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	disk = aether_blk_alloc_disk(&azr_limits, NUMA_NO_NODE);
	if (IS_ERR(disk)) {
		kfree(d);
		return ERR_CAST(disk);
	}
	d->id = id;
	d->disk = disk;
	d->algo = AETHER_ZRAM_ALGO_LZ4;
	init_rwsem(&d->init_lock);
	lockdep_init_map(&d->slot_dep_map, "azr_slot_lock", &azr_slot_key, 0);
	azr_wb_dev_init(d);
	azr_recomp_dev_init(d);
	azr_adapt_dev_init(d);
	disk->major = azr_major;
	disk->first_minor = id;
	disk->minors = 1;
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = &azr_fops;
	disk->private_data = d;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "aether_zram%d", id);
	set_capacity(disk, 0);
	return d;
}

/**
 * azr_dev_add() - a new device
 * @cfg:	its algorithm, level, memory limit and (if not 0) disksize
 *
 * Each device holds a reference on the module until it is removed.
 *
 * Return: the new id; -EINVAL for a bad @cfg; -ENOSPC when all
 * AETHER_ZRAM_MAX_DEVICES exist; -ENODEV while the module unloads;
 * -ENOMEM.
 */
int azr_dev_add(const struct aether_zram_add *cfg)
{
	struct azr_dev *d;
	int id, err;

	err = azr_dev_config_check(cfg);
	if (err)
		return err;
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	mutex_lock(&azr_devices_lock);
	id = idr_alloc(&azr_devices, NULL, 0, AETHER_ZRAM_MAX_DEVICES,
		       GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto out_unlock;
	}
	d = azr_dev_alloc(id);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
		goto out_free_id;
	}
	err = device_add_disk(NULL, d->disk, azr_disk_groups);
	if (err)
		goto out_put_disk;
	idr_replace(&azr_devices, d, id);
	azr_debugfs_dev_add(d);
	err = azr_dev_config(d, cfg);
	if (err) {
		idr_replace(&azr_devices, NULL, id);
		mutex_unlock(&azr_devices_lock);
		azr_dev_destroy(d);
		azr_dev_put_id(id);
		return err;
	}
	mutex_unlock(&azr_devices_lock);
	pr_info("added %s\n", d->disk->disk_name);
	return id;

out_put_disk:
	put_disk(d->disk);
	kfree(d);
out_free_id:
	idr_remove(&azr_devices, id);
out_unlock:
	mutex_unlock(&azr_devices_lock);
	module_put(THIS_MODULE);
	return err;
}

/**
 * azr_dev_remove() - remove /dev/aether_zram<@id>
 * @id:	the device
 *
 * Return: 0; -ENODEV if there is no such device; -EBUSY if it is open or
 * being reset.
 */
int azr_dev_remove(int id)
{
	struct azr_dev *d;
	int err;

	mutex_lock(&azr_devices_lock);
	d = azr_dev_find(id);
	err = d ? azr_dev_claim(d) : -ENODEV;
	if (!err)
		idr_replace(&azr_devices, NULL, id);
	mutex_unlock(&azr_devices_lock);
	if (err)
		return err;
	pr_info("removed %s\n", d->disk->disk_name);
	azr_dev_destroy(d);
	azr_dev_put_id(id);
	return 0;
}

/* ---- the module's devices ----------------------------------------------- */

/**
 * azr_dict_supported() - whether the compressors take a zstd dictionary
 *
 * Return: true where the kernel exports zstd's dictionary API (6.12;
 * compat/aether_compat.h), as comp.c uses it.
 */
bool azr_dict_supported(void)
{
	return AETHER_HAVE_ZSTD_DICT;
}

/**
 * azr_devices_init() - the writeback workqueue, the block major, the
 *			control class and device
 *
 * No device exists until one is added (hot_add or ADD).
 *
 * Return: 0, or the first error.
 */
int azr_devices_init(void)
{
	int err;

	err = azr_wb_init();
	if (err)
		return err;
	azr_major = register_blkdev(0, "aether_zram");
	if (azr_major < 0) {
		err = azr_major;
		goto out_wb;
	}
	err = azr_sysfs_init();
	if (err)
		goto out_blkdev;
	err = azr_control_init();
	if (err)
		goto out_sysfs;
	return 0;

out_sysfs:
	azr_sysfs_exit();
out_blkdev:
	unregister_blkdev(azr_major, "aether_zram");
out_wb:
	azr_wb_exit();
	return err;
}

static int azr_dev_leftover(int id, void *p, void *data)
{
	WARN(1, "aether_zram%d still exists at unload\n", id);
	return 0;
}

/**
 * azr_devices_exit() - undo azr_devices_init()
 *
 * Every device holds a module reference, so none is left by now.
 */
void azr_devices_exit(void)
{
	azr_control_exit();
	azr_sysfs_exit();
	mutex_lock(&azr_devices_lock);
	idr_for_each(&azr_devices, azr_dev_leftover, NULL);
	mutex_unlock(&azr_devices_lock);
	idr_destroy(&azr_devices);
	unregister_blkdev(azr_major, "aether_zram");
	azr_wb_exit();
}
