// SPDX-License-Identifier: GPL-2.0
/*
 * writeback.c - idle tracking, a backing device and writeback of a device
 *
 * DOC: Overview
 *
 * The kernel's zram can move pages it keeps in memory out to a block
 * device (CONFIG_ZRAM_WRITEBACK); Debian builds it in, aether_zram does
 * the same with zram's files and formats, and adds a background mode.
 *
 * Idle tracking.  Every slot keeps the boot time of its last write or
 * read (@ac_time; always on, zram's CONFIG_ZRAM_TRACK_ENTRY_ACTIME) and
 * an idle flag that an access clears (azr_slot_accessed(), dev.c).
 * Writing "all" to idle marks every stored page idle; writing N marks
 * those not accessed for N seconds.  Same-filled pages and pages already
 * written back are never marked, as in zram.
 *
 * The backing device.  backing_dev takes the path of any block device
 * while the device is not initialised (-EBUSY after disksize, as zram);
 * it is opened for read and write, exclusively (the holder is the
 * device: a device mounted, swapped on or backing another device is
 * -EBUSY), and stays open until reset.  A bitmap has a bit per
 * page-sized block of it; a block is taken with test_and_set_bit() from
 * a rotating hint and given back with clear_bit(), so taking and giving
 * back need no lock and giving back works from swap's atomic
 * notification.  Another aether_zram device is refused (-EINVAL): its
 * I/O would come back into this module under our own locks.  So is a
 * device stacked on this one (review s28, finding 6): a dm device over
 * it, directly or through other stacked devices, would map writeback's
 * write of slot X's page into this device's own slots: a page put out
 * to free memory would come back into the store it left, and the pass
 * would wait, across its write, for slot locks of its own device.
 * What is stacked
 * is read from the holder links the block layer keeps (a disk's slaves/
 * directory, bd_link_disk_holder()), at the time of the write.  Stacks
 * it does not link are not seen and not refused: a loop device over
 * this device or over a file of a filesystem on it, or a dm table
 * reloaded onto it later.  Those are root's misconfiguration (README).
 *
 * Closing it.  The backing device is closed, and its bitmap freed, after
 * init_lock is dropped: closing a block device takes its disk's
 * open_mutex, under which the I/O path of a device stacked on ours
 * takes our init_lock (lockdep saw it with a loop device on the debug
 * kernel).  Reset, removal, "none" and a new backing_dev take the old
 * one out of the device under the write hold (azr_wb_detach(): the
 * open, the path, the bitmap) and close it after up_write()
 * (azr_wb_release()).  No I/O reaches it after the write hold: a read
 * of a written-back slot and a writeback pass pin the device (@pins,
 * taken under init_lock held for read) from before they let go of
 * init_lock to after their last bio completed, and teardown waits for
 * @pins to fall to 0 before it takes the write hold
 * (azr_wb_lock_unpinned()); a pass refuses a device claimed for
 * teardown, a read cannot start on it (nobody has it open).  After it
 * the device names no backing device or the new one.  No slot holds
 * a block of the old one either: teardown frees every slot under the
 * same hold, and "none" or a new backing_dev refuse an initialised
 * device, which alone has slots (and alone has passes).
 *
 * Writeback.  writeback takes zram's words: "idle" (pages marked idle),
 * "huge" (pages stored raw), "huge_idle" (both), "incompressible" (huge
 * pages the compressor could not shrink at all, AZR_E_INCOMP, and, as in
 * zram, pages no recompression algorithm shrank,
 * AZR_SLOT_INCOMPRESSIBLE) and "page_index=N" (that
 * page, whatever it is, unless same-filled).  For each page chosen, under
 * the slot's lock: a block is taken, the page is decompressed into a
 * bounce page, and the slot is flagged AZR_SLOT_UNDER_WB; the lock is
 * dropped and the page written to the block with a synchronous bio;
 * then, the lock taken again, if the flag is still set the page's entry
 * in the store is freed and the slot holds the block (AZR_SLOT_WB).
 * Whatever changes the slot meanwhile (a write, a discard, swap's
 * notification, all through azr_slot_free()) clears the flag, and the
 * stale block is given back; a read meanwhile reads the page from the
 * store, where it still is (zram's ZRAM_UNDER_WB).  A written-back page
 * still counts in orig_data_size, as in zram.  A failed write gives the
 * block back and leaves the page in memory.  With checksums on
 * (csum.c), the page is checked after its load: a corrupt page is not
 * written out (-EIO, the page stays as it is), and the slot's checksum,
 * which stays with the slot, is checked again when the page is read
 * back from the backing device (dev.c).
 *
 * Why no lock across the write (stop 29's hang).  The pass used to hold
 * init_lock for read and the slot's lock across the bio.  With a loop
 * device as the backing device under memory pressure, the loop worker
 * (or what it needs: a new worker thread, the filesystem under it)
 * waits for memory; reclaim swaps out to this device, whose I/O path
 * takes init_lock for read, queued behind a writer (mem_limit) that
 * waits for the pass's read hold: a cycle no lockdep sees, as it runs
 * through another thread's allocation.  Now the pass holds only its pin
 * (@pins) across the I/O, which only teardown waits for, holding no
 * lock, on a disk nobody has open.  (Until review s33 the pin was an
 * rwsem that teardown took for write under init_lock: lockdep, once NBD
 * was in the debug kernel, could close init_lock -> the pin -> the NBD
 * socket's lock -> fs_reclaim -> init_lock.)
 *
 * writeback_limit_enable makes writeback_limit a budget of 4 KiB units
 * (zram's unit) that each page written spends; a pass that meets an
 * empty budget stops with -EIO, as zram's.  bd_stat is zram's three
 * columns, in 4 KiB units: blocks in use, pages read back, pages
 * written.
 *
 * Reading back.  A read of a written-back page holds no lock of the
 * device across the backing device's I/O (issue 16's lockdep chain, on
 * the debug kernel with NBD: init_lock -> a slot's lock -> the read ->
 * the NBD socket's lock -> fs_reclaim -> kswapd swapping out to an
 * aether_zram device -> init_lock; the read of an NBD device, or of a
 * loop device's file, may need memory, and reclaim may swap out to this
 * very device, whose I/O path takes init_lock and slot locks).  As in
 * zram (read_from_bdev(), which drops the slot's lock first), but with
 * what zram leaves to chance made sure: under the slot's lock (and
 * init_lock, for read) the read claims the slot's block
 * (AZR_SLOT_READ_BACK) and takes its checksum; it lets go of both locks,
 * the device pinned instead, reads the block and checks the page; then
 * it takes init_lock and the slot's lock again.  While the claim
 * stands, whatever lets go of the slot (a write, a discard, swap's
 * notification, all through azr_slot_free()) lends the block to the
 * read instead of giving it back (AZR_SLOT_READ_BACK_PUT): no other page
 * is written to the block while it is read, so the read returns the
 * page the slot held when the read began, never another's and never a
 * freed block's, and gives the block back itself.  A read whose slot
 * was let go of meanwhile raced a write or a discard, and the page it
 * had is a right answer for it; a read-modify-write of part of a page
 * needs the page as it is, and reads the slot again (dev.c).  The
 * slot's next block, once a write and a writeback pass put the page
 * out again during the read, is the slot's alone, given back as usual:
 * only the first is lent.  A second reader that finds the claim waits
 * for it, pinned, with no lock held either, and looks at the slot
 * again.  No whole-page write waits for a read back (a write to a
 * claimed slot lends and goes on), so swap-out never waits for the
 * backing device's read through us.  A write of part of a page (a
 * filesystem with blocks smaller than a page on the device, a partial
 * write-zeroes) needs the page as it is and waits for the claim like a
 * second reader: no lock of the device held, but the backing device's
 * time (review s33, finding 3).
 *
 * The pin is a count, @pins (a writeback pass takes it too), taken under
 * init_lock and dropped once init_lock is held again: teardown, which
 * runs only on a disk nobody has open, waits for it to fall to 0 before
 * it takes init_lock for write, so the slots, the store, the checksums
 * and the backing device stay for the read's length.  The read does
 * not hold init_lock across it either: a backing device that answers slowly (an NBD server far
 * away, or gone until nbd's timeout) would keep a configuration write
 * (mem_limit) queued for the write hold, and behind it every I/O and
 * statistics read of the device.  The pin is a count lockdep cannot
 * see; it sees @pins_map instead, taken for read with the count and
 * dropped with it, so that azr_assert_slot_stable() can tell this
 * task's pin from another's, and azr_wb_assert_unlocked() says what is
 * not held across the I/O.  The read runs in a work item of our own
 * workqueue (WQ_MEM_RECLAIM: swap-in may depend on it; it runs nothing
 * else) and the caller waits for it: the caller is inside submit_bio()
 * of our disk, where a bio submitted to another disk would only be
 * queued until we return (current->bio_list) - zram's
 * read_from_bdev_sync() for the same reason.  The page stays on the
 * backing device; a write of it, a discard, swap's free notification or
 * reset gives its block back.
 *
 * Background writeback (ours; zram users ask for it).  With the module
 * parameter wb_interval_ms not 0, each initialised device with a
 * backing device writes back, every wb_interval_ms, up to wb_batch
 * pages that are idle: marked so, or (wb_idle_age_sec not 0) not
 * accessed for that long.  writeback_limit holds for it too.  The pass
 * is a delayed work item of the device on system_unbound_wq, queued at
 * disksize and cancelled before reset or removal takes the device down;
 * while the interval is 0 it only looks again every second.
 *
 * Who may.  The files that name a device or write to one (backing_dev,
 * writeback, idle, writeback_limit, writeback_limit_enable) need
 * CAP_SYS_ADMIN besides their root-only mode: a uid-0 process without
 * it (a container's root) must not aim the device at a disk of the host.
 *
 * Lock order (internal.h): the sysfs files take @init_lock (2) for read
 * (backing_dev for write); a pass takes it for read only to pin the
 * device (@pins, 2a) and drops it, then takes @pass_mutex (2b), and a
 * slot's lock (3) around its load and its install, never across its
 * I/O; then the store's stream and pool; the limit's spinlock (8)
 * innermost, around its two fields only.  A read back claims its block under 2 and 3,
 * pins the device (@pins, and @pins_map for read: lock 2a) and lets
 * go of both across its I/O and across a wait for another read's claim;
 * it takes 2 again, then 3, before it looks at the slot again.
 * Teardown takes @pins_map for write, holding none of these (nor
 * azr_devices_lock: a reset or a removal claims the device under it and
 * lets it go first), waits for the count to fall to 0, and takes 2 for
 * write only then.  What lockdep no longer sees: a lock a task holds
 * when it pins is linked to the pin only, not to what the backing
 * device's stack takes under it (lockdep links a new lock to the lock
 * taken last); so nothing but 2, dropped, may be held when pinning.
 * The backing device is opened and closed
 * with none of them held (a block device's open_mutex is never taken
 * under 2).  The bitmap and the counters are atomic.
 * The device's I/O path takes the slot locks too, so the pass runs
 * under memalloc_noio_save(): reclaim under it must not swap out to us.
 */

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/debug_locks.h>
#include <linux/highmem.h>
#include <linux/kernfs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dev.h"
#include "trace.h"

/* zram's writeback modes. */
#define AZR_WB_IDLE		BIT(0)
#define AZR_WB_HUGE		BIT(1)
#define AZR_WB_INCOMP		BIT(2)
#define AZR_WB_PAGE		BIT(3)

/* writeback_limit and bd_stat count 4 KiB units, as zram's. */
#define AZR_WB_UNITS		(1UL << (PAGE_SHIFT - 12))

static unsigned int azr_wb_interval_ms;
static unsigned int azr_wb_batch = 256;
static unsigned int azr_wb_idle_age_sec;

/*
 * Reads of written-back pages, and nothing else: a reader waits for its
 * work item, and under memory pressure the rescuer runs one item at a
 * time, so no work here may wait for a slot's lock or a read's claim.
 * The background passes, which take slot locks, run on system_unbound_wq.
 */
static struct workqueue_struct *azr_wb_wq;

/* ---- blocks of the backing device ---------------------------------------- */

/* A free block, now taken; -ENOSPC when there is none. */
static long azr_wb_block_get(struct azr_wb *wb)
{
	unsigned long blk, hint = READ_ONCE(wb->hint);

	for (;;) {
		blk = find_next_zero_bit(wb->bitmap, wb->nr_blocks, hint);
		if (blk >= wb->nr_blocks) {
			if (!hint)
				return -ENOSPC;
			hint = 0;
			continue;
		}
		if (!test_and_set_bit(blk, wb->bitmap))
			break;
		hint = blk;
	}
	WRITE_ONCE(wb->hint, blk + 1 < wb->nr_blocks ? blk + 1 : 0);
	atomic64_inc(&wb->bd_count);
	return blk;
}

static void azr_wb_block_put(struct azr_wb *wb, unsigned long blk)
{
	WARN_ON_ONCE(!test_and_clear_bit(blk, wb->bitmap));
	atomic64_dec(&wb->bd_count);
}

/**
 * azr_wb_free() - give back the block slot @index of @d was written to
 * @d:		a device with a backing device
 * @index:	a written-back slot, its lock held
 *
 * The page leaves the store (it still counted in pages_stored).  A read
 * back of the block in flight (AZR_SLOT_READ_BACK) is lent it until it
 * is done: it gives the block back itself (AZR_SLOT_READ_BACK_PUT), so
 * that no other page is written to the block it reads.  Only the slot's
 * first block after the read's claim is the read's; once the flag is
 * set, a later block of the slot is given back here.
 *
 * Context: any context; never sleeps.
 */
void azr_wb_free(struct azr_dev *d, u32 index)
{
	struct azr_slot *slot = &d->table[index];

	if (!test_bit(AZR_SLOT_READ_BACK, &slot->flags) ||
	    test_and_set_bit(AZR_SLOT_READ_BACK_PUT, &slot->flags))
		azr_wb_block_put(&d->wb, slot->e.handle);
	atomic64_dec(&d->store.pages_stored);
	clear_bit(AZR_SLOT_WB, &slot->flags);
	memset(&slot->e, 0, sizeof(slot->e));
}

/* ---- I/O to the backing device ------------------------------------------ */

/* One page from or to block @blk, waiting for it: 0 or -errno. */
static int azr_wb_bio(struct azr_wb *wb, struct page *page, unsigned long blk,
		      blk_opf_t opf)
{
	struct bio_vec bv;
	struct bio bio;
	int err;

	bio_init(&bio, wb->bdev.bdev, &bv, 1, opf);
	bio.bi_iter.bi_sector = (sector_t)blk << (PAGE_SHIFT - SECTOR_SHIFT);
	__bio_add_page(&bio, page, PAGE_SIZE, 0);
	err = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return err;
}

struct azr_wb_sync_read {
	struct work_struct work;
	struct azr_wb *wb;
	struct page *page;
	unsigned long blk;
	int err;
};

static void azr_wb_sync_read_fn(struct work_struct *work)
{
	struct azr_wb_sync_read *r = container_of(work, typeof(*r), work);

	r->err = azr_wb_bio(r->wb, r->page, r->blk, REQ_OP_READ);
}

/*
 * Pin @d (lock 2a), init_lock held for read: until azr_wb_pin_put(),
 * @d's slots, store and backing device stay without init_lock (teardown
 * waits for @wb.pins to fall to 0 before it takes init_lock for write).
 * Lockdep sees the pin as @wb.pins_map held for read, a recursive read:
 * what a pinned task waits for (the backing device's stack, reclaim)
 * may take init_lock, and teardown never waits for the pins holding it
 * (azr_wb_lock_unpinned()).
 */
static void azr_wb_pin_get(struct azr_dev *d)
{
	lockdep_assert_held_read(&d->init_lock);
	atomic_inc(&d->wb.pins);
	lock_map_acquire_read(&d->wb.pins_map);
}

/*
 * The wake comes after the count reached 0: a waiter may already have
 * gone on.  That is sound only while no waiter frees @d when it sees 0.
 * A reset keeps @d; a removal frees it after its teardown, but no pin
 * is left by then for a reason of its own: del_gendisk() has waited for
 * the disk's bios in flight (reads back) and for the sysfs writers
 * (writeback), and the teardown's azr_wb_stop() for the background pass.
 */
static void azr_wb_pin_put(struct azr_dev *d)
{
	lock_map_release(&d->wb.pins_map);
	if (atomic_dec_and_test(&d->wb.pins))
		wake_up_all(&d->wb.pins_wq);
}

/*
 * Let go of init_lock, @d pinned by a read instead, until
 * azr_wb_read_relock(): no configuration writer waits for this read
 * (azr_assert_slot_stable() accepts the pin).
 */
static void azr_wb_read_unlock(struct azr_dev *d)
{
	azr_wb_pin_get(d);
	up_read(&d->init_lock);
}

/*
 * Take init_lock again after azr_wb_read_unlock(), and unpin @d.  No slot
 * lock is held: a writer holding init_lock may be waiting for the slot,
 * a configuration writer behind it, and we behind both.
 */
static void azr_wb_read_relock(struct azr_dev *d)
{
	down_read(&d->init_lock);
	azr_wb_pin_put(d);
}

/*
 * What a read back holds across its I/O: nothing of @d that a swap-out
 * to @d takes (init_lock, a slot's lock), nor a writeback pass's locks;
 * only its pin (2a), which teardown alone waits for.
 */
static void azr_wb_assert_unlocked(struct azr_dev *d)
{
	lockdep_assert_not_held(&d->init_lock);
	lockdep_assert(lock_is_held(&d->slot_dep_map) != LOCK_STATE_HELD);
	lockdep_assert_not_held(&d->wb.pass_mutex);
	lockdep_assert(lock_is_held(&d->wb.pins_map) != LOCK_STATE_NOT_HELD);
}

/* Block @blk into @page on our workqueue (see the overview): 0 or -EIO. */
static int azr_wb_read_block(struct azr_dev *d, u32 index, unsigned long blk,
			     struct page *page)
{
	struct azr_wb_sync_read r = {
		.wb	= &d->wb,
		.page	= page,
		.blk	= blk,
	};

	azr_wb_assert_unlocked(d);
	INIT_WORK_ONSTACK(&r.work, azr_wb_sync_read_fn);
	queue_work(azr_wb_wq, &r.work);
	flush_work(&r.work);
	destroy_work_on_stack(&r.work);
	atomic64_inc(&d->wb.bd_reads);
	trace_azram_read_back(d->id, index, blk, r.err);
	if (r.err)
		pr_err_ratelimited("%s: page %u: read of block %lu of the backing device failed: %d\n",
				   d->disk->disk_name, index, blk, r.err);
	return r.err;
}

/**
 * azr_wb_read() - read a written-back page from the backing device
 * @d:		the device, init_lock held for read
 * @index:	a written-back slot, its lock held
 * @page:	where the PAGE_SIZE bytes go
 *
 * The read claims the slot's block (AZR_SLOT_READ_BACK: while it is
 * set, freeing the slot lends the block to the read instead of giving
 * it back, azr_wb_free()), takes its checksum, and lets go of the
 * slot's lock and of init_lock, @d pinned instead, across the I/O and
 * the check.  A read that finds another's claim waits for it the same
 * way, reads nothing, and returns -EAGAIN.  Both locks are taken again
 * (init_lock first) before it returns, so the caller looks at the slot
 * again.
 *
 * Context: may sleep; from submit_bio() of @d too (the bio goes out
 * from a work item, see the overview).
 *
 * Return: 0, @page holds the page the slot held at the call, and the
 * slot still holds it; 1, @page holds it, but the slot let go of it
 * meanwhile (written, discarded, freed by swap's notification); -EAGAIN
 * (@page not to be used: another read's claim, or a failed read of a
 * block the slot let go of meanwhile); or the error of the read or of
 * the check (-EIO).
 */
int azr_wb_read(struct azr_dev *d, u32 index, struct page *page)
{
	struct azr_slot *slot = &d->table[index];
	unsigned long blk = slot->e.handle;
	bool lent;
	u64 sum;
	int err;

	lockdep_assert_held_read(&d->init_lock);
	if (test_bit(AZR_SLOT_READ_BACK, &slot->flags)) {
		azr_slot_unlock(d, index);
		azr_wb_read_unlock(d);
		wait_on_bit(&slot->flags, AZR_SLOT_READ_BACK,
			    TASK_UNINTERRUPTIBLE);
		azr_wb_read_relock(d);
		azr_slot_lock(d, index);
		return -EAGAIN;
	}
	set_bit(AZR_SLOT_READ_BACK, &slot->flags);
	sum = d->csums ? azr_dev_csum_get(d, index) : 0;
	azr_slot_unlock(d, index);
	azr_wb_read_unlock(d);

	err = azr_wb_read_block(d, index, blk, page);
	if (!err && d->csums)
		err = azr_dev_csum_check(d, index, page, sum);

	azr_wb_read_relock(d);
	azr_slot_lock(d, index);
	lent = test_and_clear_bit(AZR_SLOT_READ_BACK_PUT, &slot->flags);
	if (lent)
		azr_wb_block_put(&d->wb, blk);
	clear_and_wake_up_bit(AZR_SLOT_READ_BACK, &slot->flags);
	/*
	 * The slot let go of the page during the read: the old block's
	 * error is no one's (review s33, finding 2); the caller looks at
	 * the slot again, as after another read's claim.
	 */
	if (lent && err)
		return -EAGAIN;
	return err ? err : lent;
}

/* ---- idle ---------------------------------------------------------------- */

/*
 * Mark idle the stored pages last accessed before @cutoff, or all of
 * them (@all).  Return: 0, or -EINVAL before disksize.
 */
static int azr_wb_mark_idle(struct azr_dev *d, bool all, ktime_t cutoff)
{
	u32 i, nr;
	int err = -EINVAL;

	down_read(&d->init_lock);
	if (!azr_dev_init_done(d))
		goto out;
	nr = d->disksize >> PAGE_SHIFT;
	for (i = 0; i < nr; i++) {
		struct azr_slot *slot = &d->table[i];

		azr_slot_lock(d, i);
		if (test_bit(AZR_SLOT_USED, &slot->flags) &&
		    !test_bit(AZR_SLOT_WB, &slot->flags) &&
		    !(slot->e.flags & AZR_E_SAME) &&
		    (all || ktime_before(slot->ac_time, cutoff)))
			set_bit(AZR_SLOT_IDLE, &slot->flags);
		azr_slot_unlock(d, i);
		cond_resched();
	}
	err = 0;
out:
	up_read(&d->init_lock);
	return err;
}

/* ---- writeback ----------------------------------------------------------- */

/* Spend one page of the limit: false when it is enabled and spent. */
static bool azr_wb_limit_take(struct azr_wb *wb)
{
	bool ok = true;

	spin_lock(&wb->limit_lock);
	if (wb->limit_enable) {
		if (wb->limit < AZR_WB_UNITS)
			ok = false;
		else
			wb->limit -= AZR_WB_UNITS;
	}
	spin_unlock(&wb->limit_lock);
	return ok;
}

static void azr_wb_limit_refund(struct azr_wb *wb)
{
	spin_lock(&wb->limit_lock);
	if (wb->limit_enable)
		wb->limit += AZR_WB_UNITS;
	spin_unlock(&wb->limit_lock);
}

static bool azr_wb_limit_spent(struct azr_wb *wb)
{
	bool spent;

	spin_lock(&wb->limit_lock);
	spent = wb->limit_enable && wb->limit < AZR_WB_UNITS;
	spin_unlock(&wb->limit_lock);
	return spent;
}

/*
 * What a pass of @mode wants of @slot (its lock held): a page in the
 * store, not same-filled, not being written by another pass, and idle
 * (flagged, or older than @cutoff when it is not 0), huge or
 * incompressible as @mode asks.
 */
static bool azr_wb_wanted(const struct azr_slot *slot, unsigned int mode,
			  ktime_t cutoff)
{
	if (!test_bit(AZR_SLOT_USED, &slot->flags) ||
	    test_bit(AZR_SLOT_WB, &slot->flags) ||
	    test_bit(AZR_SLOT_UNDER_WB, &slot->flags) ||
	    (slot->e.flags & AZR_E_SAME))
		return false;
	if ((mode & AZR_WB_IDLE) && !test_bit(AZR_SLOT_IDLE, &slot->flags) &&
	    !(cutoff && ktime_before(slot->ac_time, cutoff)))
		return false;
	if ((mode & AZR_WB_HUGE) && !(slot->e.flags & AZR_E_HUGE))
		return false;
	if ((mode & AZR_WB_INCOMP) && !(slot->e.flags & AZR_E_INCOMP) &&
	    !test_bit(AZR_SLOT_INCOMPRESSIBLE, &slot->flags))
		return false;
	return true;
}

/*
 * Write slot @index, if @mode wants it, to a new block through @bounce.
 * The slot's lock is held while the page is chosen and loaded, and
 * while the result is installed, not across the write: the slot is
 * AZR_SLOT_UNDER_WB meanwhile, and anything that changes what it holds
 * (a write, a discard, swap's notification: azr_slot_free()) clears the
 * flag, so that the block, now stale, is given back.  A read in the
 * meantime reads the page from the store, where it still is.  Passes
 * of a device run one at a time (@pass_mutex): a flag found still set
 * is this pass's claim, never another pass's on the slot used again.
 * Return: 1 written; 0 not wanted, or changed during the write; -EIO
 * when the limit is spent; -ENOSPC when the backing device is full; or
 * the error of the load or the write.
 */
static int azr_wb_one(struct azr_dev *d, u32 index, unsigned int mode,
		      ktime_t cutoff, struct page *bounce)
{
	struct azr_slot *slot = &d->table[index];
	struct azr_wb *wb = &d->wb;
	long blk;
	int err;

	azr_slot_lock(d, index);
	if (!azr_wb_wanted(slot, mode, cutoff)) {
		azr_slot_unlock(d, index);
		return 0;
	}
	err = -EIO;
	if (!azr_wb_limit_take(wb))
		goto out_unlock;
	blk = azr_wb_block_get(wb);
	if (blk < 0) {
		err = blk;
		goto out_refund;
	}
	err = azr_load_page(&d->store, &slot->e, bounce);
	if (!err)
		err = azr_dev_csum_verify(d, index, bounce);
	if (err) {
		trace_azram_writeback(d->id, index, blk, err);
		goto out_put_block;
	}
	set_bit(AZR_SLOT_UNDER_WB, &slot->flags);
	azr_slot_unlock(d, index);

	/* No lock of ours: the backing device's stack may need reclaim. */
	err = azr_wb_bio(wb, bounce, blk, REQ_OP_WRITE | REQ_SYNC);
	trace_azram_writeback(d->id, index, blk, err);

	azr_slot_lock(d, index);
	if (!test_and_clear_bit(AZR_SLOT_UNDER_WB, &slot->flags)) {
		/* Rewritten or freed meanwhile: the block holds the past. */
		err = 0;
		goto out_put_block;
	}
	if (err)
		goto out_put_block;
	azr_free_entry(&d->store, &slot->e);
	/* Still a page of the device: orig_data_size keeps it (zram). */
	atomic64_inc(&d->store.pages_stored);
	slot->e.handle = blk;
	clear_bit(AZR_SLOT_IDLE, &slot->flags);
	set_bit(AZR_SLOT_WB, &slot->flags);
	atomic64_inc(&wb->bd_writes);
	azr_slot_unlock(d, index);
	return 1;

out_put_block:
	azr_wb_block_put(wb, blk);
out_refund:
	azr_wb_limit_refund(wb);
out_unlock:
	azr_slot_unlock(d, index);
	return err;
}

/*
 * Pin @d for a pass: initialised, with a backing device, not claimed by
 * a reset or a removal, and all of it kept until azr_wb_unpin() without
 * init_lock: a read's pin (2a).  A pass waiting for its backing device
 * holds nothing that teardown takes under init_lock (review s33,
 * finding 1: the pass's old rwsem, taken for write by teardown under
 * init_lock, closed a lockdep cycle through the backing device's locks
 * and reclaim).  Return: 0; -EINVAL before disksize; -ENODEV without a
 * backing device; -EBUSY while a reset or a removal claims @d.
 */
static int azr_wb_pin(struct azr_dev *d)
{
	int err = 0;

	down_read(&d->init_lock);
	if (!azr_dev_init_done(d))
		err = -EINVAL;
	else if (!d->wb.bdev.bdev)
		err = -ENODEV;
	else if (READ_ONCE(d->claim))
		err = -EBUSY;
	else
		azr_wb_pin_get(d);
	up_read(&d->init_lock);
	return err;
}

static void azr_wb_unpin(struct azr_dev *d)
{
	azr_wb_pin_put(d);
}

/**
 * azr_wb_lock_unpinned() - take @d's init_lock for write, no pin left
 * @d:	the device, claimed for teardown (nobody has it open, so no read
 *	starts, and a pass refuses it), init_lock not held
 *
 * Reads back and passes hold no init_lock across their I/O, only a pin;
 * teardown calls this before it frees what they use (the slots, the
 * store, the checksums, the backing device).  It waits for the pins
 * holding no lock: what a pinned task waits for (the backing device's
 * stack, its allocations) may need this device's init_lock through
 * reclaim.  A pass that pinned @d before the claim showed is waited for
 * on the next round; once init_lock is held with no pin, none comes
 * before the device is torn down.
 */
void azr_wb_lock_unpinned(struct azr_dev *d)
{
	lockdep_assert_not_held(&d->init_lock);
	for (;;) {
		/* A write hold of the pins, to lockdep: nothing held. */
		lock_map_acquire(&d->wb.pins_map);
		lock_map_release(&d->wb.pins_map);
		wait_event(d->wb.pins_wq, !atomic_read(&d->wb.pins));
		down_write(&d->init_lock);
		if (!atomic_read(&d->wb.pins))
			return;
		up_write(&d->init_lock);
	}
}

/*
 * Write back the pages of [@first, @first + @nr) that @mode wants, at
 * most @max of them; @d pinned (azr_wb_pin()), the device's one pass
 * (@pass_mutex held).  The count written goes
 * to *@written.  Return: 0; -EIO when the limit ran out or -ENOSPC when
 * the backing device filled (the pass stops); -EBUSY when a reset or a
 * removal claimed @d (it waits for the pass: the pass stops after the
 * page in flight); else the last write's error (the pass goes on), as
 * zram's.
 *
 * The pass is NOIO: the device's own I/O path takes the slot locks the
 * pass takes, so an allocation here (the bounce page, the load's, the
 * bio's) must not swap out to this device.  The backing device's own
 * stack (a loop device's worker, a filesystem under it) allocates as it
 * likes: the pass holds none of our locks while it waits for it.
 */
static int azr_wb_pass(struct azr_dev *d, unsigned int mode, u32 first,
		       u32 nr, ktime_t cutoff, unsigned long max,
		       unsigned long *written)
{
	unsigned int noio = memalloc_noio_save();
	struct page *bounce;
	int ret = 0, err;
	u32 i;

	lockdep_assert(lock_is_held(&d->wb.pins_map) != LOCK_STATE_NOT_HELD);
	lockdep_assert_held(&d->wb.pass_mutex);
	lockdep_assert_not_held(&d->init_lock);
	*written = 0;
	bounce = alloc_page(GFP_NOIO);
	if (!bounce) {
		memalloc_noio_restore(noio);
		return -ENOMEM;
	}
	for (i = first; i < first + nr && *written < max; i++) {
		if (azr_wb_limit_spent(&d->wb)) {
			ret = -EIO;
			break;
		}
		err = azr_wb_one(d, i, mode, cutoff, bounce);
		if (err > 0)
			(*written)++;
		if (err < 0)
			ret = err;
		if (err == -EIO || err == -ENOSPC)
			break;
		/* A reset or a removal waits for this pass: stop. */
		if (READ_ONCE(d->claim)) {
			ret = -EBUSY;
			break;
		}
		cond_resched();
	}
	__free_page(bounce);
	memalloc_noio_restore(noio);
	return ret;
}

/* At most this many page_index= and page_indexes= words in one write. */
#define AZR_WB_MAX_RANGES	16

/*
 * A write to writeback, parsed: @mode (AZR_WB_PAGE when only pages are
 * named) and @nr ranges of pages, [@lo, @hi] each, both ends included.
 */
struct azr_wb_req {
	unsigned int mode;
	unsigned int nr;
	u64 lo[AZR_WB_MAX_RANGES];
	u64 hi[AZR_WB_MAX_RANGES];
};

static int azr_wb_mode_word(const char *w, unsigned int *mode)
{
	if (!strcmp(w, "idle"))
		*mode = AZR_WB_IDLE;
	else if (!strcmp(w, "huge"))
		*mode = AZR_WB_HUGE;
	else if (!strcmp(w, "huge_idle"))
		*mode = AZR_WB_IDLE | AZR_WB_HUGE;
	else if (!strcmp(w, "incompressible"))
		*mode = AZR_WB_INCOMP;
	else
		return -EINVAL;
	return 0;
}

/* "LOW-HIGH", both decimal, LOW <= HIGH. */
static int azr_wb_range_word(char *w, u64 *lo, u64 *hi)
{
	char *dash = strchr(w, '-');

	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (kstrtou64(w, 10, lo) || kstrtou64(dash + 1, 10, hi) || *lo > *hi)
		return -EINVAL;
	return 0;
}

/*
 * writeback's words, separated by blanks: at most one mode (zram's idle,
 * huge, huge_idle or incompressible, bare or as type=MODE) and at most
 * AZR_WB_MAX_RANGES pages (page_index=N, and newer zram's
 * page_indexes=LOW-HIGH).  With pages and a mode, the pages of those
 * ranges the mode wants; with pages only, each page unless same-filled.
 * @buf is a copy, cut into its words.
 */
static int azr_wb_parse(char *buf, struct azr_wb_req *req)
{
	unsigned int mode;
	char *w;

	memset(req, 0, sizeof(*req));
	while ((w = strsep(&buf, " \t\n")) != NULL) {
		if (!*w)
			continue;
		if (str_has_prefix(w, "page_index=") ||
		    str_has_prefix(w, "page_indexes=")) {
			char *val = strchr(w, '=') + 1;

			if (req->nr == AZR_WB_MAX_RANGES)
				return -EINVAL;
			if (w[strlen("page_index")] == '=') {
				if (kstrtou64(val, 10, &req->lo[req->nr]))
					return -EINVAL;
				req->hi[req->nr] = req->lo[req->nr];
			} else if (azr_wb_range_word(val, &req->lo[req->nr],
						     &req->hi[req->nr])) {
				return -EINVAL;
			}
			req->nr++;
			continue;
		}
		if (str_has_prefix(w, "type="))
			w += strlen("type=");
		if (req->mode || azr_wb_mode_word(w, &mode))
			return -EINVAL;
		req->mode = mode;
	}
	if (!req->mode && !req->nr)
		return -EINVAL;
	if (!req->mode)
		req->mode = AZR_WB_PAGE;
	return 0;
}

/* ---- background writeback ------------------------------------------------ */

static unsigned long azr_wb_delay(unsigned int ms)
{
	return ms ? msecs_to_jiffies(ms) : HZ;
}

/* The cutoff of wb_idle_age_sec: 0 (flagged pages only) when it is 0. */
static ktime_t azr_wb_age_cutoff(unsigned int age_sec)
{
	if (!age_sec)
		return 0;
	return ktime_sub(ktime_get_boottime(), ktime_set(age_sec, 0));
}

static void azr_wb_background(struct work_struct *work)
{
	struct azr_dev *d = container_of(to_delayed_work(work), struct azr_dev,
					 wb.work);
	unsigned int ms = READ_ONCE(azr_wb_interval_ms);
	unsigned long written;

	if (ms && !azr_wb_pin(d)) {
		/* A pass the administrator asked for runs: this round waits. */
		if (mutex_trylock(&d->wb.pass_mutex)) {
			azr_wb_pass(d, AZR_WB_IDLE, 0,
				    d->disksize >> PAGE_SHIFT,
				    azr_wb_age_cutoff(READ_ONCE(azr_wb_idle_age_sec)),
				    READ_ONCE(azr_wb_batch), &written);
			mutex_unlock(&d->wb.pass_mutex);
		}
		azr_wb_unpin(d);
	}
	queue_delayed_work(system_unbound_wq, &d->wb.work, azr_wb_delay(ms));
}

/**
 * azr_wb_dev_init() - the writeback state of a device being added
 * @d:	the device
 */
void azr_wb_dev_init(struct azr_dev *d)
{
	static struct lock_class_key pins_key;

	spin_lock_init(&d->wb.limit_lock);
	mutex_init(&d->wb.pass_mutex);
	atomic_set(&d->wb.pins, 0);
	lockdep_init_map(&d->wb.pins_map, "azr_wb_pins", &pins_key, 0);
	init_waitqueue_head(&d->wb.pins_wq);
	INIT_DELAYED_WORK(&d->wb.work, azr_wb_background);
}

/**
 * azr_wb_start() - start the background pass of a device just initialised
 * @d:	the device, init_lock held for write
 *
 * Only a device with a backing device has one.
 */
void azr_wb_start(struct azr_dev *d)
{
	lockdep_assert_held_write(&d->init_lock);
	if (d->wb.bdev.bdev)
		queue_delayed_work(system_unbound_wq, &d->wb.work,
				   azr_wb_delay(READ_ONCE(azr_wb_interval_ms)));
}

/**
 * azr_wb_stop() - stop it, waiting for a background pass under way
 * @d:	the device, claimed for teardown; init_lock not held (the pass
 *	takes it).  Passes the administrator asked for and reads back
 *	are waited for by azr_wb_lock_unpinned().
 */
void azr_wb_stop(struct azr_dev *d)
{
	lockdep_assert_not_held(&d->init_lock);
	cancel_delayed_work_sync(&d->wb.work);
}

/*
 * Take @d's backing device out into @old, init_lock held for write: the
 * open, its path and its bitmap; azr_wb_release() closes and frees them
 * once the lock is dropped (see "Closing it" in the overview).  No slot
 * may hold a block of it any more.
 */
static void azr_wb_detach(struct azr_dev *d, struct azr_wb_old *old)
{
	struct azr_wb *wb = &d->wb;

	lockdep_assert_held_write(&d->init_lock);
	if (!wb->bdev.bdev)
		return;
	WARN_ON_ONCE(atomic64_read(&wb->bd_count));
	old->bdev = wb->bdev;
	old->path = wb->path;
	old->bitmap = wb->bitmap;
	memset(&wb->bdev, 0, sizeof(wb->bdev));
	wb->path = NULL;
	wb->bitmap = NULL;
	wb->nr_blocks = 0;
	wb->hint = 0;
}

/**
 * azr_wb_release() - close a backing device azr_wb_detach() took out
 * @d:		the device it backed, init_lock not held
 * @old:	what was taken out, or nothing (all NULL)
 *
 * Closing a block device takes its disk's locks (open_mutex), under
 * which the I/O path of a device stacked on ours may take our init_lock:
 * never with it held.
 *
 * Context: may sleep.
 */
void azr_wb_release(struct azr_dev *d, struct azr_wb_old *old)
{
	lockdep_assert_not_held(&d->init_lock);
	if (old->bdev.bdev)
		aether_bdev_close(&old->bdev);
	kfree(old->path);
	old->path = NULL;
	kvfree(old->bitmap);
	old->bitmap = NULL;
}

/**
 * azr_wb_reset() - back to no backing device, no limit, counters at 0
 * @d:		a device whose slots were all freed, init_lock held for write
 * @old:	zeroed; takes the backing device out, for azr_wb_release()
 *		after up_write()
 */
void azr_wb_reset(struct azr_dev *d, struct azr_wb_old *old)
{
	struct azr_wb *wb = &d->wb;

	azr_wb_detach(d, old);
	spin_lock(&wb->limit_lock);
	wb->limit = 0;
	wb->limit_enable = false;
	spin_unlock(&wb->limit_lock);
	atomic64_set(&wb->bd_count, 0);
	atomic64_set(&wb->bd_reads, 0);
	atomic64_set(&wb->bd_writes, 0);
}

/* ---- the backing device -------------------------------------------------- */

/*
 * Stacks.  Holder links only go one way a module can read: the slaves/
 * directory of a disk names the block devices it is stacked on (dm, md,
 * bcache... call bd_link_disk_holder()), but no exported call lists a
 * directory.  So each device of the block class is looked up by name in
 * slaves/, and those found are followed down in turn, breadth first.
 *
 * What is read, and why it stays (review s29, finding 8).  A disk is
 * found by its dev_t with class_find_device(), which holds a reference
 * on its device, so the gendisk (and its open_mutex) stays.  Its sysfs
 * directories do not: del_gendisk() puts slaves/ and then removes the
 * disk's directory, and a kernfs node is freed with its last reference.
 * So slaves/ is read under the disk's open_mutex, and only if the disk
 * is live: del_gendisk() unhashes the disk's inode under open_mutex
 * before it puts anything, so a live disk under open_mutex has its
 * slaves/ kobject, whose node gets a reference of ours (kernfs_get())
 * before the mutex is dropped.  Lookups in a node we hold are safe even
 * once it is removed (they find nothing).  No lock of ours is held:
 * open_mutex is taken under none of them (internal.h).
 *
 * Cost.  Each disk is visited once (@seen is the visited set and the
 * queue), so a DAG of stacked devices costs a class walk per distinct
 * disk, not per path; more than AZR_WB_STACK_MAX disks below the
 * candidate is refused, its bottom unknown.
 */
#define AZR_WB_STACK_MAX	64

struct azr_wb_walk {
	struct gendisk *self;		/* the disk looked for */
	struct kernfs_node *slaves;	/* slaves/ of the disk looked at */
	dev_t seen[AZR_WB_STACK_MAX];	/* disks queued, in order */
	unsigned int nr;		/* how many */
	bool full;			/* one more did not fit */
};

static int azr_wb_match_devt(struct device *dev, const void *data)
{
	return dev->devt == *(const dev_t *)data;
}

/* Queue @devt unless seen; false when the set is full. */
static bool azr_wb_walk_add(struct azr_wb_walk *w, dev_t devt)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++)
		if (w->seen[i] == devt)
			return true;
	if (w->nr == AZR_WB_STACK_MAX) {
		w->full = true;
		return false;
	}
	w->seen[w->nr++] = devt;
	return true;
}

/* class_for_each_device()'s step: queue @dev if it is in slaves/. */
static int azr_wb_walk_slave(struct device *dev, void *data)
{
	struct azr_wb_walk *w = data;
	struct kernfs_node *kn;

	kn = kernfs_find_and_get(w->slaves, dev_name(dev));
	if (!kn)
		return 0;
	kernfs_put(kn);
	return azr_wb_walk_add(w, dev->devt) ? 0 : -E2BIG;
}

/* A reference on live @disk's slaves/, or NULL (no such, or dying). */
static struct kernfs_node *azr_wb_slaves_get(struct gendisk *disk)
{
	struct kernfs_node *kn = NULL;

	mutex_lock(&disk->open_mutex);
	if (disk_live(disk) && disk->slave_dir && disk->slave_dir->sd) {
		kn = disk->slave_dir->sd;
		kernfs_get(kn);
	}
	mutex_unlock(&disk->open_mutex);
	return kn;
}

/*
 * Does I/O to the block device @devt reach @self: is its disk @self, or
 * stacked on @self through holder links?  Return: true yes (also when
 * the stack has more disks than we look at: its bottom is unknown).
 */
static bool azr_wb_reaches(dev_t devt, struct gendisk *self)
{
	struct device *me = disk_to_dev(self);	/* its class: the block class */
	struct azr_wb_walk *w;
	unsigned int head;
	bool ret = false;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return true;
	w->self = self;
	azr_wb_walk_add(w, devt);
	for (head = 0; head < w->nr && !ret; head++) {
		struct gendisk *disk;
		struct device *dev;

		dev = class_find_device(me->class, NULL, &w->seen[head],
					azr_wb_match_devt);
		if (!dev)
			continue;	/* gone: nothing stacked through it */
		disk = dev_to_bdev(dev)->bd_disk;
		if (disk == self) {
			ret = true;
		} else {
			w->slaves = azr_wb_slaves_get(disk);
			if (w->slaves) {
				class_for_each_device(me->class, NULL, w,
						      azr_wb_walk_slave);
				kernfs_put(w->slaves);
				ret = w->full;
			}
		}
		put_device(dev);
	}
	kfree(w);
	return ret;
}

/*
 * @bdev would write back into @d: another aether_zram (its I/O comes
 * back into this module under our locks), or a device stacked on @d
 * (a dm device over it, directly or through others), whose I/O would
 * take the slot lock a writeback holds.  Stacks the block layer does not
 * link (a loop device over @d or over a file on it) cannot be seen.
 */
static bool azr_wb_recurses(struct azr_dev *d, struct block_device *bdev)
{
	if (bdev->bd_disk->fops == d->disk->fops)
		return true;
	return azr_wb_reaches(bdev->bd_dev, d->disk);
}

/* -EBUSY once @d is initialised: backing_dev comes before disksize. */
static int azr_wb_check_uninit(struct azr_dev *d)
{
	int err = 0;

	down_read(&d->init_lock);
	if (azr_dev_init_done(d))
		err = -EBUSY;
	up_read(&d->init_lock);
	return err;
}

/* "none": no backing device for the next initialisation. */
static int azr_wb_clear_backing(struct azr_dev *d)
{
	struct azr_wb_old old = {};
	int err = 0;

	down_write(&d->init_lock);
	if (azr_dev_init_done(d))
		err = -EBUSY;
	else
		azr_wb_detach(d, &old);
	up_write(&d->init_lock);
	azr_wb_release(d, &old);
	return err;
}

/*
 * Open @path exclusively as @d's backing device, replacing the one it
 * had.  Return: 0; -EBUSY if @d is initialised or the device is held;
 * -EINVAL for an empty device, another aether_zram or a device stacked
 * on @d; -ENOTBLK, -ENOENT and the like from the open; -ENOMEM.
 */
static int azr_wb_set_backing(struct azr_dev *d, const char *path)
{
	struct azr_wb_old old = {};
	struct aether_bdev b;
	unsigned long *bitmap, nr;
	char *name;
	int err;

	err = azr_wb_check_uninit(d);
	if (err)
		return err;
	name = kstrdup(path, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	err = aether_bdev_open_excl(name, d, &b);
	if (err)
		goto out_free_name;
	err = -EINVAL;
	if (azr_wb_recurses(d, b.bdev))
		goto out_close;
	nr = bdev_nr_bytes(b.bdev) >> PAGE_SHIFT;
	if (!nr)
		goto out_close;
	err = -ENOMEM;
	bitmap = kvcalloc(BITS_TO_LONGS(nr), sizeof(long), GFP_KERNEL);
	if (!bitmap)
		goto out_close;

	down_write(&d->init_lock);
	err = -EBUSY;
	if (azr_dev_init_done(d))
		goto out_unlock;
	azr_wb_detach(d, &old);
	d->wb.bdev = b;
	d->wb.path = name;
	d->wb.bitmap = bitmap;
	d->wb.nr_blocks = nr;
	/* Under the lock: a "none" or a reset after it frees @name. */
	pr_info("%s: backing device %s, %lu blocks\n", d->disk->disk_name,
		name, nr);
	up_write(&d->init_lock);
	azr_wb_release(d, &old);
	return 0;

out_unlock:
	up_write(&d->init_lock);
	kvfree(bitmap);
out_close:
	aether_bdev_close(&b);
out_free_name:
	kfree(name);
	return err;
}

/* ---- sysfs --------------------------------------------------------------- */

static struct azr_dev *azr_wb_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t idle_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	ktime_t cutoff = 0;
	bool all = sysfs_streq(buf, "all");
	u64 age;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!all) {
		if (kstrtou64(buf, 0, &age))
			return -EINVAL;
		age = min_t(u64, age, KTIME_SEC_MAX);
		cutoff = ktime_sub(ktime_get_boottime(), ktime_set(age, 0));
	}
	err = azr_wb_mark_idle(azr_wb_of(dev), all, cutoff);
	return err ? err : len;
}

static ssize_t backing_dev_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_wb_of(dev);
	ssize_t n;

	down_read(&d->init_lock);
	n = sysfs_emit(buf, "%s\n", d->wb.path ?: "none");
	up_read(&d->init_lock);
	return n;
}

static ssize_t backing_dev_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t len)
{
	struct azr_dev *d = azr_wb_of(dev);
	char *path;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	path = kstrndup(buf, min_t(size_t, len, PATH_MAX), GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	strim(path);
	if (!*path)
		err = -EINVAL;
	else if (!strcmp(path, "none"))
		err = azr_wb_clear_backing(d);
	else
		err = azr_wb_set_backing(d, path);
	kfree(path);
	return err ? err : len;
}

static ssize_t writeback_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t len)
{
	struct azr_dev *d = azr_wb_of(dev);
	struct azr_wb_req req;
	unsigned long written;
	unsigned int i;
	char *words;
	int err, ret;
	u64 nr;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	words = kstrndup(buf, len, GFP_KERNEL);
	if (!words)
		return -ENOMEM;
	err = azr_wb_parse(words, &req);
	kfree(words);
	if (err)
		return err;
	err = azr_wb_pin(d);
	if (err)
		return err;
	nr = d->disksize >> PAGE_SHIFT;
	err = -EINVAL;
	for (i = 0; i < req.nr; i++)
		if (req.hi[i] >= nr)
			goto out;
	err = mutex_lock_killable(&d->wb.pass_mutex);
	if (err)
		goto out;
	if (!req.nr)
		err = azr_wb_pass(d, req.mode, 0, nr, 0, ULONG_MAX, &written);
	/* Range after range; a spent limit or a full device stops them. */
	for (i = 0; i < req.nr; i++) {
		ret = azr_wb_pass(d, req.mode, req.lo[i],
				  req.hi[i] - req.lo[i] + 1, 0, ULONG_MAX,
				  &written);
		if (ret)
			err = ret;
		if (ret == -EIO || ret == -ENOSPC || ret == -EBUSY)
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	mutex_unlock(&d->wb.pass_mutex);
out:
	azr_wb_unpin(d);
	return err ? err : len;
}

/*
 * writeback_limit and writeback_limit_enable, read and written under
 * limit_lock as the writeback pass reads and charges them: @enable picks
 * which one.
 */
static ssize_t azr_wb_limit_show(struct device *dev, char *buf, bool enable)
{
	struct azr_wb *wb = &azr_wb_of(dev)->wb;
	u64 val;

	spin_lock(&wb->limit_lock);
	val = enable ? wb->limit_enable : wb->limit;
	spin_unlock(&wb->limit_lock);
	return sysfs_emit(buf, "%llu\n", val);
}

static ssize_t azr_wb_limit_store(struct device *dev, const char *buf,
				  size_t len, bool enable)
{
	struct azr_wb *wb = &azr_wb_of(dev)->wb;
	u64 val;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (kstrtou64(buf, 10, &val))
		return -EINVAL;
	spin_lock(&wb->limit_lock);
	if (enable)
		wb->limit_enable = val;
	else
		wb->limit = val;
	spin_unlock(&wb->limit_lock);
	return len;
}

static ssize_t writeback_limit_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return azr_wb_limit_show(dev, buf, false);
}

static ssize_t writeback_limit_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t len)
{
	return azr_wb_limit_store(dev, buf, len, false);
}

static ssize_t writeback_limit_enable_show(struct device *dev,
					   struct device_attribute *attr,
					   char *buf)
{
	return azr_wb_limit_show(dev, buf, true);
}

static ssize_t writeback_limit_enable_store(struct device *dev,
					    struct device_attribute *attr,
					    const char *buf, size_t len)
{
	return azr_wb_limit_store(dev, buf, len, true);
}

static ssize_t bd_stat_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct azr_wb *wb = &azr_wb_of(dev)->wb;

	return sysfs_emit(buf, "%8llu %8llu %8llu\n",
			  (u64)atomic64_read(&wb->bd_count) * AZR_WB_UNITS,
			  (u64)atomic64_read(&wb->bd_reads) * AZR_WB_UNITS,
			  (u64)atomic64_read(&wb->bd_writes) * AZR_WB_UNITS);
}

static DEVICE_ATTR_WO(idle);
static DEVICE_ATTR_RW(backing_dev);
static DEVICE_ATTR_WO(writeback);
static DEVICE_ATTR_RW(writeback_limit);
static DEVICE_ATTR_RW(writeback_limit_enable);
static DEVICE_ATTR_RO(bd_stat);

static struct attribute *azr_wb_attrs[] = {
	&dev_attr_idle.attr,
	&dev_attr_backing_dev.attr,
	&dev_attr_writeback.attr,
	&dev_attr_writeback_limit.attr,
	&dev_attr_writeback_limit_enable.attr,
	&dev_attr_bd_stat.attr,
	NULL,
};

/* The writeback files of /sys/block/aether_zram<N>/ (sysfs.c). */
const struct attribute_group azr_wb_group = {
	.attrs = azr_wb_attrs,
};

/* ---- self-test ---------------------------------------------------------- */

#define AZR_WB_ST_BLOCKS	70	/* more than a word of the bitmap */

/* The block allocator: every block once, then -ENOSPC, wrap-around. */
static bool azr_wb_selftest_blocks(struct azr_wb *wb)
{
	unsigned long i;
	long blk;

	for (i = 0; i < AZR_WB_ST_BLOCKS; i++)
		if (azr_wb_block_get(wb) != i)
			return false;
	if (azr_wb_block_get(wb) != -ENOSPC ||
	    atomic64_read(&wb->bd_count) != AZR_WB_ST_BLOCKS)
		return false;
	/* A block given back is found again from any hint. */
	azr_wb_block_put(wb, 3);
	azr_wb_block_put(wb, 65);
	WRITE_ONCE(wb->hint, 10);
	if (azr_wb_block_get(wb) != 65 || azr_wb_block_get(wb) != 3 ||
	    azr_wb_block_get(wb) != -ENOSPC)
		return false;
	for (i = 0; i < AZR_WB_ST_BLOCKS; i++)
		azr_wb_block_put(wb, i);
	blk = azr_wb_block_get(wb);
	if (blk < 0 || atomic64_read(&wb->bd_count) != 1)
		return false;
	azr_wb_block_put(wb, blk);
	return bitmap_empty(wb->bitmap, AZR_WB_ST_BLOCKS) &&
	       !atomic64_read(&wb->bd_count);
}

struct azr_wb_st_pin {
	struct work_struct work;
	struct azr_dev *d;
	bool stable;
};

static void azr_wb_st_pin_fn(struct work_struct *work)
{
	struct azr_wb_st_pin *p = container_of(work, typeof(*p), work);

	p->stable = azr_slot_stable(p->d);
}

/*
 * A read's pin keeps a device's slots for the task that took it, and
 * for no other (review s31 finding 5: the assertion took any read's pin
 * for the caller's): while this task holds it, without init_lock, a
 * work item finds itself holding nothing.  Only lockdep can tell.
 */
static bool azr_wb_selftest_pin(struct azr_dev *d)
{
	struct azr_wb_st_pin p = { .d = d };
	bool ok;

	if (!IS_ENABLED(CONFIG_LOCKDEP) || !debug_locks)
		return true;
	INIT_WORK_ONSTACK(&p.work, azr_wb_st_pin_fn);
	down_read(&d->init_lock);
	ok = azr_slot_stable(d);
	azr_wb_read_unlock(d);
	ok = ok && azr_slot_stable(d) && !lockdep_is_held(&d->init_lock);
	queue_work(system_unbound_wq, &p.work);
	flush_work(&p.work);
	ok = ok && !p.stable;
	azr_wb_read_relock(d);
	ok = ok && !atomic_read(&d->wb.pins);
	up_read(&d->init_lock);
	ok = ok && !azr_slot_stable(d);
	destroy_work_on_stack(&p.work);
	return ok;
}

/**
 * azr_wb_selftest() - the backing device's block allocator and a read's
 *		       pin, at load
 *
 * Return: 0, -ENOMEM, or -EINVAL when it went wrong.
 */
int azr_wb_selftest(void)
{
	struct azr_dev *d;
	struct azr_wb *wb;
	bool ok;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	wb = &d->wb;
	wb->nr_blocks = AZR_WB_ST_BLOCKS;
	wb->bitmap = bitmap_zalloc(AZR_WB_ST_BLOCKS, GFP_KERNEL);
	if (!wb->bitmap) {
		kfree(d);
		return -ENOMEM;
	}
	ok = azr_wb_selftest_blocks(wb);
	bitmap_free(wb->bitmap);
	if (!ok)
		pr_err("selftest: writeback's block allocator failed\n");
	init_rwsem(&d->init_lock);
	azr_wb_dev_init(d);
	if (ok && !azr_wb_selftest_pin(d)) {
		pr_err("selftest: a read's pin is not its task's alone\n");
		ok = false;
	}
	kfree(d);
	if (!ok)
		return -EINVAL;
	pr_info("writeback block allocator and read pin self-tests passed\n");
	return 0;
}

/* ---- the module ---------------------------------------------------------- */

/**
 * azr_wb_init() - the workqueue of the reads of written-back pages
 *
 * Return: 0, or -ENOMEM.
 */
int azr_wb_init(void)
{
	azr_wb_wq = alloc_workqueue("aether_zram_wb",
				    WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return azr_wb_wq ? 0 : -ENOMEM;
}

/**
 * azr_wb_exit() - undo azr_wb_init(), every device gone
 */
void azr_wb_exit(void)
{
	destroy_workqueue(azr_wb_wq);
}

module_param_named(wb_interval_ms, azr_wb_interval_ms, uint, 0644);
MODULE_PARM_DESC(wb_interval_ms, "Background writeback: milliseconds between two passes over each device with a backing device (0: off, the default)");
module_param_named(wb_batch, azr_wb_batch, uint, 0644);
MODULE_PARM_DESC(wb_batch, "Background writeback: pages written back per device and pass, at most (256)");
module_param_named(wb_idle_age_sec, azr_wb_idle_age_sec, uint, 0644);
MODULE_PARM_DESC(wb_idle_age_sec, "Background writeback: also pages not accessed for this many seconds (0: only pages marked idle)");
