/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev.h - one block device, as dev.c, sysfs.c, control.c and debugfs.c
 * share it
 *
 * A device lives from azr_dev_add() to azr_dev_remove(): its gendisk and
 * its sysfs files exist the whole time; its store and slot table only
 * while it is initialised (@disksize set), between a disksize write and a
 * reset.  The locks are those of internal.h: azr_devices_lock (1) for the
 * table of devices, @init_lock (2) for the configuration, a slot's bit
 * lock (3); the disk's open_mutex guards @claim and is taken under 1 and
 * never with 2 held.  The writeback limit's spinlock (8) is innermost
 * (writeback.c).
 */
#ifndef _AETHER_ZRAM_DEV_H
#define _AETHER_ZRAM_DEV_H

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "internal.h"

/* Bits of struct azr_slot's @flags. */
enum azr_slot_bits {
	AZR_SLOT_LOCK,		/* the slot's lock (sleeping bit lock) */
	AZR_SLOT_USED,		/* @e holds a page */
	AZR_SLOT_IDLE,		/* not accessed since "idle" marked it */
	AZR_SLOT_WB,		/* on the backing device: @e.handle is its block */
	AZR_SLOT_UNDER_WB,	/* being written back (writeback.c) */
	/* recomp.c: recompression with priority N did not shrink it */
	AZR_SLOT_TRIED1,
	AZR_SLOT_TRIED2,
	AZR_SLOT_TRIED3,
	AZR_SLOT_TRIED_STRONG,	/* adaptive.c: nor its strongest setting */
	AZR_SLOT_INCOMPRESSIBLE, /* every secondary tried: zram's mark */
	/* writeback.c: its block being read back, no lock of the device held */
	AZR_SLOT_READ_BACK,
	/* the slot let go of that block meanwhile: the read back puts it */
	AZR_SLOT_READ_BACK_PUT,
};

/**
 * struct azr_slot - one page of the device
 * @e:		what the store keeps of it, valid with AZR_SLOT_USED
 * @flags:	enum azr_slot_bits
 * @ac_time:	when it was last written or read (boot time), 0 if free
 */
struct azr_slot {
	struct azr_entry e;
	unsigned long flags;
	ktime_t ac_time;
};

/**
 * struct azr_wb - a device's backing device and its writeback (writeback.c)
 * @bdev:	the exclusive open; @bdev.bdev NULL when there is none
 *		(init_lock; set only while not initialised)
 * @path:	its path as written to backing_dev, or NULL
 * @bitmap:	a bit per page-sized block of the backing device, set while
 *		a slot holds the block
 * @nr_blocks:	blocks of the backing device
 * @hint:	where the next search for a free block starts
 * @limit_lock:	guards @limit and @limit_enable (lock 8 of internal.h)
 * @limit:	4 KiB units writeback may still write while @limit_enable
 * @limit_enable: writeback_limit is honoured
 * @bd_count:	blocks in use
 * @bd_reads:	pages read back from the backing device
 * @bd_writes:	pages written to it
 * @work:	the background writeback pass (writeback.c)
 * @pass_mutex:	one pass at a time (lock 2b): a slot's AZR_SLOT_UNDER_WB
 *		is the claim of the one pass in flight, so that a pass
 *		that finds it still set after its write knows it is its
 *		own, not another pass's on a slot freed and used again;
 *		taken under the pass's pin, init_lock dropped
 * @pins:	reads back and writeback passes holding the device without
 *		init_lock, across the backing device's I/O or a wait for
 *		another read back of the same slot (writeback.c, "Reading
 *		back"); teardown waits for it to fall to 0 holding no lock
 * @pins_map:	lockdep's view of a pin: held for read (recursive) with it
 *		(lock 2a of internal.h)
 * @pins_wq:	teardown waits there for @pins to fall to 0
 */
struct azr_wb {
	struct aether_bdev bdev;
	char *path;
	unsigned long *bitmap;
	unsigned long nr_blocks;
	unsigned long hint;
	spinlock_t limit_lock;		/* @limit and @limit_enable */
	u64 limit;
	bool limit_enable;
	atomic64_t bd_count;
	atomic64_t bd_reads;
	atomic64_t bd_writes;
	struct delayed_work work;
	struct mutex pass_mutex;	/* one pass at a time (lock 2b) */
	atomic_t pins;
	struct lockdep_map pins_map;
	wait_queue_head_t pins_wq;
};

/* Priorities of recompression's secondary algorithms: 1..3, as zram's. */
#define AZR_RECOMP_PRIOS	3
/* The adaptive policy's rows' compressors follow the secondaries. */
#define AZR_ADAPT_COMP0		(AZR_RECOMP_PRIOS + 1)

/**
 * struct azr_recomp - recompression and adaptive compression of a device
 *		       (recomp.c, adaptive.c)
 * @algo:	the secondary algorithm of each priority, [0] unused, 0 none
 *		(init_lock: the next initialisation's, and the current
 *		one's while initialised)
 * @level:	its level
 * @nr_prios:	1 + the highest priority set up at disksize
 * @mutex:	one recompression of the device at a time (lock 2c)
 * @scanned:	slots a recompression looked at
 * @recompressed: pages stored anew, smaller
 * @not_shrunk:	pages tried that stayed as they were
 * @bytes_saved: bytes of objects recompression gave back
 * @failed:	pages whose load, checksum or allocation failed
 * @adaptive:	new pages go in by the policy (init_lock; set before
 *		disksize)
 * @nr_rows:	rows of @rows (init_lock)
 * @rows:	the policy, by rising pressure, the first at 0 (init_lock)
 * @decisions:	pages stored by each row
 * @strong:	pages the background pass stored anew with the last row
 * @passes:	background passes done
 * @looked:	slots the background passes looked at
 * @cursor:	where the next background pass starts (its work's alone)
 * @pool_pressure: aether_mm's pool, percent used, as the last pass saw it
 * @work:	the background pass
 */
struct azr_recomp {
	unsigned int algo[AZR_RECOMP_PRIOS + 1];
	int level[AZR_RECOMP_PRIOS + 1];
	unsigned int nr_prios;
	struct mutex mutex;		/* one recompression at a time (2c) */
	atomic64_t scanned;
	atomic64_t recompressed;
	atomic64_t not_shrunk;
	atomic64_t bytes_saved;
	atomic64_t failed;
	bool adaptive;
	unsigned int nr_rows;
	struct azr_adapt_row rows[AZR_ADAPT_ROWS];
	atomic64_t decisions[AZR_ADAPT_ROWS];
	atomic64_t strong;
	atomic64_t passes;
	atomic_t pool_pressure;
	struct delayed_work work;
	atomic64_t looked;
	u32 cursor;
};

/* struct azr_rc_req's @mode: zram's RECOMPRESS_IDLE and RECOMPRESS_HUGE. */
#define AZR_RC_IDLE		BIT(0)
#define AZR_RC_HUGE		BIT(1)

/**
 * struct azr_rc_req - what a recompression walk tries (recomp.c)
 * @mode:	AZR_RC_*: only idle pages, only huge ones, both; 0 all
 * @cutoff:	with AZR_RC_IDLE, also pages not accessed since, 0 none
 * @threshold:	0, or only objects of at least this size, and only into
 *		objects under it
 * @max_pages:	pages to try at most (zram: 0 none)
 * @prio:	the first priority to try ...
 * @prio_max:	... up to this one, not included
 * @strong:	try @strong_idx alone instead (adaptive.c)
 * @strong_idx:	a compressor of the store
 * @start:	the slot the walk starts at (it wraps round to it)
 * @max_looked:	the most slots to look at, 0 every one
 * @next:	(out) the slot after the last looked at
 * @looked:	(out) slots looked at
 */
struct azr_rc_req {
	unsigned int mode;
	ktime_t cutoff;
	u32 threshold;
	u64 max_pages;
	unsigned int prio;
	unsigned int prio_max;
	bool strong;
	unsigned int strong_idx;
	u32 start;
	u32 max_looked;
	u32 next;
	u32 looked;
};

/**
 * struct azr_wb_old - a backing device taken out of its device under
 *		       init_lock, to be closed after it (writeback.c)
 * @bdev:	the exclusive open; @bdev.bdev NULL when there was none
 * @path:	its path, or NULL
 * @bitmap:	its block bitmap, or NULL
 */
struct azr_wb_old {
	struct aether_bdev bdev;
	char *path;
	unsigned long *bitmap;
};

/**
 * struct azr_dev - /dev/aether_zram<id>
 * @id:		N of the name, the disk's minor
 * @disk:	its gendisk; @disk->private_data is this
 * @init_lock:	write: configuration and reset; read: I/O and statistics
 * @table:	a slot per page of @disksize (init_lock)
 * @disksize:	bytes, 0 while not initialised (init_lock)
 * @store:	the pool and compressor, valid with @disksize (init_lock)
 * @algo:	the algorithm the next initialisation uses (init_lock)
 * @level:	its level, 0 the default (init_lock)
 * @dict:	a zstd dictionary for the next initialisation, or NULL
 *		(init_lock; vmalloc'ed by kernel_read_file)
 * @dict_len:	its length
 * @limit_pages: pages the store may use (its pool and its dedupe
 *		table: azr_dev_pool_pages()), 0 no limit (init_lock)
 * @claim:	a reset or remove is under way: no open (disk->open_mutex;
 *		a writeback pass's pin reads it without, and one that
 *		missed it is waited for: azr_wb_lock_unpinned())
 * @max_used_pages: the most pages the store held (azr_dev_pool_pages())
 *		since initialisation or the last write of 0 to mem_used_max
 * @failed_reads: reads that could not be served
 * @failed_writes: writes that could not be stored
 * @invalid_io:	I/O outside the disk or misaligned
 * @notify_free: slots freed by swap's notification or a discard
 * @debugfs:	aether/zram/<name>/
 * @slot_dep_map: lockdep's view of the slot locks (dev.c)
 * @wb:		the backing device and writeback (writeback.c)
 * @csum:	enum azr_csum of the slots' checksums, the next
 *		initialisation's before (init_lock)
 * @csums:	a checksum per slot, u32 (crc32c) or u64 (xxh64), valid
 *		with AZR_SLOT_USED; NULL without checksums (init_lock;
 *		an entry under its slot's lock)
 * @csum_errors: loads whose page did not match its checksum
 * @rc:		recompression and adaptive compression (recomp.c,
 *		adaptive.c)
 * @dedupe:	identical pages are stored once (dedup.c), the next
 *		initialisation's before (init_lock)
 */
struct azr_dev {
	int id;
	struct gendisk *disk;
	struct rw_semaphore init_lock;
	struct azr_slot *table;
	u64 disksize;
	struct azr_store store;
	unsigned int algo;
	int level;
	void *dict;
	size_t dict_len;
	unsigned long limit_pages;
	bool claim;
	atomic_long_t max_used_pages;
	atomic64_t failed_reads;
	atomic64_t failed_writes;
	atomic64_t invalid_io;
	atomic64_t notify_free;
	struct dentry *debugfs;
	struct lockdep_map slot_dep_map;
	struct azr_wb wb;
	unsigned int csum;
	void *csums;
	atomic64_t csum_errors;
	struct azr_recomp rc;
	bool dedupe;
};

static inline bool azr_dev_init_done(const struct azr_dev *d)
{
	return d->disksize != 0;
}

/**
 * azr_slot_stable() - may this task use @d's slots and store?
 * @d:	an initialised device
 *
 * They stay while this task holds @init_lock (2, either way), or a
 * pin (@wb.pins_map for read, 2a: a writeback pass's, or a read's from
 * azr_wb_read_unlock() to azr_wb_read_relock()): teardown waits for
 * both before it frees them.  Another task's pin is not this one's:
 * each is asked of lockdep for the current task, none is a bare count.
 *
 * Return: true if so; meaningful only with CONFIG_LOCKDEP (and lockdep
 * still on), as its helpers are.
 */
static inline bool azr_slot_stable(struct azr_dev *d)
{
	return lockdep_is_held(&d->init_lock) ||
	       lock_is_held(&d->wb.pins_map);
}

/* Where a function uses @d's slots or store: azr_slot_stable(). */
static inline void azr_assert_slot_stable(struct azr_dev *d)
{
	lockdep_assert(azr_slot_stable(d));
}

/* dev.c */
extern struct mutex azr_devices_lock;
struct azr_dev *azr_dev_find(int id);
unsigned int azr_dev_count(void);
int azr_dev_add(const struct aether_zram_add *cfg);
int azr_dev_remove(int id);
int azr_dev_reset(struct azr_dev *d);
int azr_dev_reset_id(int id);
int azr_dev_set_disksize(struct azr_dev *d, u64 disksize);
int azr_dev_set_algo(struct azr_dev *d, unsigned int algo, int level);
int azr_dev_set_params(struct azr_dev *d, unsigned int algo, int level,
		       void *dict, size_t dict_len);
int azr_dev_set_limit(struct azr_dev *d, u64 bytes);
unsigned long azr_dev_pool_pages(struct azr_dev *d);
long azr_dev_compact(struct azr_dev *d);
void azr_dev_stats(struct azr_dev *d, struct aether_zram_dev_stats *st);
bool azr_dict_supported(void);
void azr_slot_lock(struct azr_dev *d, u32 index);
void azr_slot_unlock(struct azr_dev *d, u32 index);
void azr_slot_free(struct azr_dev *d, u32 index);
void azr_slot_accessed(struct azr_dev *d, u32 index);
int azr_dev_set_csum(struct azr_dev *d, unsigned int type);
int azr_dev_csum_verify(struct azr_dev *d, u32 index, struct page *page);
u64 azr_dev_csum_get(struct azr_dev *d, u32 index);
int azr_dev_csum_check(struct azr_dev *d, u32 index, struct page *page,
		       u64 want);
int azr_dev_corrupt(struct azr_dev *d, u32 index);
int azr_dev_set_dedupe(struct azr_dev *d, bool on);

/* writeback.c */
extern const struct attribute_group azr_wb_group;
void azr_wb_dev_init(struct azr_dev *d);
void azr_wb_start(struct azr_dev *d);
void azr_wb_stop(struct azr_dev *d);
void azr_wb_lock_unpinned(struct azr_dev *d);
void azr_wb_reset(struct azr_dev *d, struct azr_wb_old *old);
void azr_wb_release(struct azr_dev *d, struct azr_wb_old *old);
int azr_wb_read(struct azr_dev *d, u32 index, struct page *page);
void azr_wb_free(struct azr_dev *d, u32 index);
int azr_wb_init(void);
void azr_wb_exit(void);

/* recomp.c */
extern const struct attribute_group azr_recomp_group;
void azr_recomp_dev_init(struct azr_dev *d);
int azr_recomp_setup(struct azr_dev *d);
void azr_recomp_reset(struct azr_dev *d);
void azr_recomp_slot_free(struct azr_slot *slot);
long azr_recomp_run(struct azr_dev *d, struct azr_rc_req *req);

/* adaptive.c */
extern const struct attribute_group azr_adapt_group;
void azr_adapt_dev_init(struct azr_dev *d);
int azr_adapt_setup(struct azr_dev *d);
void azr_adapt_start(struct azr_dev *d);
void azr_adapt_stop(struct azr_dev *d);
void azr_adapt_reset(struct azr_dev *d);
unsigned int azr_adapt_pick(struct azr_dev *d);

/* sysfs.c */
extern const struct attribute_group *azr_disk_groups[];
int azr_sysfs_init(void);
void azr_sysfs_exit(void);

/* control.c */
int azr_control_init(void);
void azr_control_exit(void);

/* debugfs.c */
void azr_debugfs_dev_add(struct azr_dev *d);
void azr_debugfs_dev_del(struct azr_dev *d);

/*
 * The lockdep subclass of disksize's write hold of @init_lock on a device
 * not yet initialised, which no I/O can reach (lock order: internal.h).
 */
#define AZR_INIT_LOCK_UNINIT	SINGLE_DEPTH_NESTING

#endif /* _AETHER_ZRAM_DEV_H */
