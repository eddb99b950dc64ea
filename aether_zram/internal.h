/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the parts of aether_zram share
 *
 * aether_zram is three layers, each in its own files:
 *
 *  zspool.c	a size-class allocator for compressed objects on pool
 *		pages (owner ZRAM), zsmalloc-grade: objects packed into
 *		spans of a few order-0 pages, straddling two pages where
 *		they must, named by opaque handles so that compaction can
 *		move them; registered with aether_mm as a movable owner and
 *		a reclaim client.
 *  comp.c	the kernel's lz4, lz4hc and zstd behind one small table,
 *		with per-CPU streams (workspace and output buffer).
 *  zpage.c	one page in and out of a store (a pool plus a compressor):
 *		same-filled pages as a value, huge pages as one raw page,
 *		the rest compressed; the statistics both users read.
 *  csum.c	checksums of stored pages (crc32c, xxh64), which both users
 *		may keep, and a stored page corrupted on purpose for tests.
 *  dedup.c	identical pages of a store kept once (a device's opt-in
 *		"dedupe"): refcounted entries by content hash.
 *
 * and two users of the layers:
 *
 *  dev.c, sysfs.c, control.c	the block devices /dev/aether_zram<N>,
 *		their zram-compatible sysfs files and /dev/aether_zram-control
 *  writeback.c	a device's idle tracking, backing device and writeback
 *  recomp.c	a device's recompression with secondary algorithms
 *  adaptive.c	a device's adaptive compression: the compressor of a new
 *		page follows the pressure; a background pass recompresses
 *		idle pages with the strongest
 *  store.c	the region store backend of aether_mm (struct
 *		aem_store_ops): cold region pages compressed into a store of
 *		their own
 *  store_adaptive.c  the region store's adaptive compression: the
 *		policy's compressors, the choice of a page's, the background
 *		pass's work
 *
 * Lock order (take a lower number before a higher one; never the
 * reverse).  Each file's header says which of these it takes and why.
 *
 *  1. azr_devices_lock (mutex): the device table, hot_add / hot_remove,
 *     module unload
 *  2. azr_dev->init_lock (rw_semaphore): configuration (disksize,
 *     algorithm, reset) for write, I/O for read.  The I/O path takes it,
 *     so nothing under it may enter reclaim that can do I/O (GFP_NOIO
 *     or memalloc_noio_save()): a swap-out to this device would take it
 *     again behind a queued writer and deadlock.  The one exception is
 *     disksize's write hold of a device not yet initialised (no I/O can
 *     reach it): lockdep subclass AZR_INIT_LOCK_UNINIT
 *  2a. a pin of a device (azr_dev->wb.pins, and the lockdep map
 *     wb.pins_map held for read, recursively, with it; writeback.c):
 *     what a read back or a writeback pass holds instead of 2 across
 *     the backing device's I/O.  Taken under 2 held for read, then 2 is
 *     let go of; a read back takes 2 again under it before it drops it,
 *     then 3 (its claim was made under 2 and 3 before).  Teardown takes
 *     the map for write holding nothing (not 1 either: a reset or a
 *     removal claims the device under 1 and drops it), waits for the
 *     count to fall to 0, then takes 2 for write; it never waits for a
 *     pin holding 2: what a pinned task waits for (the backing device's
 *     stack, its allocations) may need 2 through reclaim.  The slots and the store
 *     may be used under 2 or 2a (azr_assert_slot_stable(), dev.h)
 *  2b. azr_dev->wb.pass_mutex (mutex, writeback.c): one pass of a device
 *     at a time, taken under 2a and held across the pass
 *  2c. azr_dev->rc.mutex (mutex, recomp.c): one recompression of a
 *     device at a time (recompress, adaptive's background pass), only
 *     tried, under 2 held for read
 *  3. a device slot's lock (a bit lock in the slot's flags, sleeping
 *     when contended: wait_on_bit_lock()): one I/O on a slot at a time,
 *     held across its compression or decompression, never across the
 *     backing device's I/O (a read back's claim, AZR_SLOT_READ_BACK,
 *     stands for it there, and nothing that frees a slot waits for
 *     it); swap's slot-free notification (atomic) only tries it
 *  3a. a store's dedupe table lock (spinlock, dedup.c): its entries'
 *     tree and references; taken under 3 and from swap's atomic
 *     notification, nothing inside it
 *  3b. a region store entry's lock (a bit lock in the entry, sleeping
 *     when contended, store.c): one load, check or background
 *     recompression of an entry at a time, held across its
 *     (de)compression (4, 6, 7); the background pass only tries it,
 *     under 5
 *  4. a compression stream's lock (mutex, per CPU): held around one
 *     compress or decompress; may be taken with 1-3 held
 *  5. the region store backend's lock (store.c)
 *  6. azs_pool->migrate_lock (rwlock): handles against compaction
 *  7. an azs size class's lock (spinlock)
 *  8. a device's writeback limit lock (spinlock, writeback.c): the
 *     budget of writeback_limit; taken with 2 and 3 held, nothing inside
 *
 * aether_mm's own locks (a region's slot lock, aem_reclaim_sem, ...) are
 * above all of these: aether_mm calls the store backend and the reclaim
 * client with them held (include/aether/mm.h), never the reverse.
 */
#ifndef _AETHER_ZRAM_INTERNAL_H
#define _AETHER_ZRAM_INTERNAL_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/seq_file.h>
#include <uapi/linux/aether_zram.h>

struct page;

/* ---- zspool.c: the object allocator ---------------------------------- */

struct azs_pool;

/**
 * struct azs_stats - what one pool counts
 * @pages:	pool pages it holds now
 * @pages_compacted: pages compaction gave back, ever
 * @objects:	objects allocated now
 * @huge_objects: objects of the huge class (one page each) now
 */
struct azs_stats {
	unsigned long pages;
	unsigned long pages_compacted;
	unsigned long objects;
	unsigned long huge_objects;
};

/* The largest object; objects above azs_huge_class_size() take a page. */
#define AZS_MAX_OBJECT		PAGE_SIZE

int azs_init(void);
void azs_exit(void);
struct azs_pool *azs_pool_create(const char *name);
void azs_pool_destroy(struct azs_pool *pool);
unsigned long azs_malloc(struct azs_pool *pool, size_t size, gfp_t gfp,
			 unsigned int aflags);
unsigned long azs_malloc_copy(struct azs_pool *pool, const void *src,
			      size_t size, gfp_t gfp, unsigned int aflags);
void azs_free(struct azs_pool *pool, unsigned long handle);
void azs_write(struct azs_pool *pool, unsigned long handle,
	       const void *src, size_t len);
const void *azs_read_begin(struct azs_pool *pool, unsigned long handle,
			   void *local_copy);
void azs_read_end(struct azs_pool *pool, unsigned long handle,
		  const void *addr);
size_t azs_huge_class_size(struct azs_pool *pool);
unsigned int azs_class_index(struct azs_pool *pool, size_t size);
unsigned long azs_compact(struct azs_pool *pool);
void azs_get_stats(struct azs_pool *pool, struct azs_stats *st);
unsigned long azs_pool_pages(struct azs_pool *pool);
int azs_show_classes(struct seq_file *m, struct azs_pool *pool);

/* ---- comp.c: the compressors ------------------------------------------ */

struct azr_comp;

/**
 * struct azr_strm - one CPU's compression stream
 * @buffer:	the compressor's output, 2 pages (a page that grows)
 * @priv:	the algorithm's workspace or context
 */
struct azr_strm {
	void *buffer;
	void *priv;
};

int azr_algo_parse(const char *name);	/* enum aether_zram_algo or -EINVAL */
const char *azr_algo_name(unsigned int algo);
bool azr_algo_available(unsigned int algo);
int azr_level_check(unsigned int algo, int level); /* level or -EINVAL */
struct azr_comp *azr_comp_create(unsigned int algo, int level,
				 const void *dict, size_t dict_len);
void azr_comp_destroy(struct azr_comp *comp);
unsigned int azr_comp_algo(const struct azr_comp *comp);
int azr_comp_level(const struct azr_comp *comp);
unsigned int azr_comp_streams(const struct azr_comp *comp);
unsigned int azr_comp_same_bound(const struct azr_comp *comp);
struct azr_strm *azr_strm_get(struct azr_comp *comp);
void azr_strm_put(struct azr_comp *comp, struct azr_strm *strm);
int azr_compress(struct azr_comp *comp, struct azr_strm *strm,
		 const void *src, unsigned int *dst_len);
int azr_decompress(struct azr_comp *comp, struct azr_strm *strm,
		   const void *src, unsigned int src_len, void *dst);

/* ---- zpage.c: pages in and out of a store ----------------------------- */

/*
 * What a store keeps of one page: the handle of its object and its size,
 * or for a same-filled page the repeated word.
 */
#define AZR_E_SAME		BIT(0)	/* @handle is the repeated value */
#define AZR_E_HUGE		BIT(1)	/* stored raw, PAGE_SIZE bytes */
#define AZR_E_INCOMP		BIT(2)	/* huge: compressed to a page or more */
/*
 * Which compressor of the store wrote a compressed entry: 0 the store's
 * own (@comp), 1..AZR_NR_COMPS-1 one of @comps (recomp.c, adaptive.c).
 * Same-filled and huge entries are read without one and keep 0.
 */
#define AZR_E_COMP_SHIFT	3
#define AZR_E_COMP_MASK		(7U << AZR_E_COMP_SHIFT)
#define AZR_NR_COMPS		8
#define AZR_E_DEDUP		BIT(6)	/* @handle is a shared entry (dedup.c) */
static_assert(!(AZR_E_DEDUP & AZR_E_COMP_MASK));

struct azr_entry {
	unsigned long handle;
	u32 size;
	u32 flags;
};

/**
 * struct azr_store - a pool and a compressor, and what they hold
 * @pool:	the objects
 * @comp:	the compressor
 * @comps:	more compressors, [0] unused: the secondary algorithms of
 *		recompression and the rows of adaptive compression
 *		(recomp.c, adaptive.c), set up before the first page is
 *		stored and destroyed with the store
 * @dedup:	its dedupe table (dedup.c), or NULL: no page is shared
 * The counters are zram's (mm_stat, debug_stat).
 */
struct azr_store {
	struct azs_pool *pool;
	struct azr_comp *comp;
	atomic64_t compr_data_size;
	atomic64_t pages_stored;
	atomic64_t same_pages;
	atomic64_t huge_pages;
	atomic64_t huge_pages_since;
	atomic64_t miss_free;
	struct azr_comp *comps[AZR_NR_COMPS];
	struct azr_dedup *dedup;
};

/* The compressor that wrote @e (zpage.c's helpers; see AZR_E_COMP_MASK). */
static inline unsigned int azr_entry_comp(const struct azr_entry *e)
{
	return (e->flags & AZR_E_COMP_MASK) >> AZR_E_COMP_SHIFT;
}

/* Compressor @idx of @st: 0 its own, else one of @comps. */
static inline struct azr_comp *azr_store_comp(struct azr_store *st,
					      unsigned int idx)
{
	return idx ? st->comps[idx] : st->comp;
}

int azr_store_init(struct azr_store *st, const char *name,
		   unsigned int algo, int level);
void azr_store_destroy(struct azr_store *st);
int azr_store_page(struct azr_store *st, struct page *page,
		   struct azr_entry *e, gfp_t gfp, unsigned int aflags);
int azr_load_page(struct azr_store *st, const struct azr_entry *e,
		  struct page *page);
int azr_store_page_comp(struct azr_store *st, unsigned int idx,
			struct page *page, u64 domain, struct azr_entry *e,
			gfp_t gfp, unsigned int aflags);
int azr_store_recompress(struct azr_store *st, unsigned int idx,
			 struct page *page, const struct azr_entry *old,
			 u32 threshold, struct azr_entry *e, gfp_t gfp,
			 unsigned int aflags);
void azr_free_entry(struct azr_store *st, struct azr_entry *e);
void azr_free_object(struct azr_store *st, const struct azr_entry *obj);

/*
 * The trust domain of bytes that are nobody's alone (a read-modify-write
 * mixes the writer's part with the slot's old bytes): never shared, never
 * entered in a dedupe table.
 */
#define AZR_DOMAIN_NONE		U64_MAX

/* A slot's page is an entry of the dedupe table (dedup.c). */
static inline bool azr_entry_shared(const struct azr_entry *e)
{
	return e->flags & AZR_E_DEDUP;
}

/* ---- dedup.c: identical pages stored once ------------------------------ */

struct azr_dedup;

/**
 * struct azr_dedup_stats - what a store's dedupe table counts (dedup_stat)
 * @dup_pages:	slots sharing an object beyond its first
 * @saved_bytes: compressed bytes those did not store
 * @meta_bytes:	the table's own memory: its entries and itself
 * @entries:	stored contents the table knows
 * @collisions:	compares of an equal hash that found other bytes, ever
 */
struct azr_dedup_stats {
	u64 dup_pages;
	u64 saved_bytes;
	u64 meta_bytes;
	u64 entries;
	u64 collisions;
};

int azr_dedup_create(struct azr_store *st);
void azr_dedup_destroy(struct azr_store *st);
bool azr_dedup_find(struct azr_store *st, const void *src, u64 domain,
		    u64 *hash, struct azr_entry *e, gfp_t gfp);
void azr_dedup_add(struct azr_store *st, u64 hash, u64 domain,
		   struct azr_entry *e, gfp_t gfp);
const struct azr_entry *azr_dedup_object(const struct azr_entry *e);
bool azr_dedup_has_copies(const struct azr_entry *e);
void azr_dedup_put(struct azr_store *st, const struct azr_entry *e);
u64 azr_dedup_meta_bytes(struct azr_store *st);
void azr_dedup_stats(struct azr_store *st, struct azr_dedup_stats *out);

/* ---- adaptive.c: the policy both users follow --------------------------- */

/* Rows of an adaptive policy, at most. */
#define AZR_ADAPT_ROWS		4

/**
 * struct azr_adapt_row - a row of an adaptive policy (adaptive.c)
 * @pressure:	from this pressure on (percent) ...
 * @algo:	... new pages go in with this algorithm ...
 * @level:	... at this level (0 the default)
 */
struct azr_adapt_row {
	unsigned int pressure;
	unsigned int algo;
	int level;
};

unsigned int azr_adapt_policy_default(struct azr_adapt_row *rows);
int azr_adapt_policy_parse(const char *buf, size_t len,
			   struct azr_adapt_row *rows);
unsigned int azr_adapt_row_of(const struct azr_adapt_row *rows,
			      unsigned int nr, unsigned int pressure);
int azr_adapt_pool_pressure(bool wait);

/* ---- csum.c: checksums of stored pages --------------------------------- */

/* A checksum kind: the names of sysfs "checksum" and store_checksum. */
enum azr_csum {
	AZR_CSUM_NONE,
	AZR_CSUM_CRC32C,
	AZR_CSUM_XXH64,
	AZR_NR_CSUMS
};

int azr_csum_parse(const char *name);	/* enum azr_csum or -EINVAL */
const char *azr_csum_name(unsigned int type);
size_t azr_csum_size(unsigned int type);
u64 azr_csum_page(unsigned int type, struct page *page);
int azr_corrupt_entry(struct azr_store *st, struct azr_entry *e,
		      struct page *bounce, gfp_t gfp, unsigned int aflags);

/* ---- the module's parts, in the order main.c brings them up ----------- */

extern bool azr_selftest;

int azs_selftest(void);			/* zspool_test.c */
int azr_comp_selftest(void);		/* comp_test.c */
int azr_wb_selftest(void);		/* writeback.c */
int azr_csum_selftest(void);		/* csum.c */
int azr_debugfs_init(void);		/* debugfs.c: aether/zram/ */
void azr_debugfs_exit(void);
struct dentry *azr_debugfs_dir(void);
int azr_store_backend_init(void);	/* store.c */
void azr_store_backend_exit(void);
void azr_store_backend_info(struct aether_zram_info *info);

/* ---- store.c and store_adaptive.c: the region store's adaptive mode ---- */

/**
 * struct azr_rs_pass_stats - what the region store's background passes
 *			      count
 * @looked:	entries looked at
 * @restored:	entries stored anew, smaller, with the last row
 * @not_shrunk:	entries it did not shrink (not tried again with it)
 * @failed:	entries whose load, checksum or new object failed
 * @bytes_saved: bytes of objects the passes gave back
 */
struct azr_rs_pass_stats {
	atomic64_t looked;
	atomic64_t restored;
	atomic64_t not_shrunk;
	atomic64_t failed;
	atomic64_t bytes_saved;
};

struct dentry;
extern struct mutex azr_rs_mutex;
bool azr_rs_registered(void);
void azr_rs_pass(unsigned int idx, unsigned int idle_secs, unsigned int batch,
		 struct azr_rs_pass_stats *ps);
int azr_rsa_init(struct azr_store *st, struct dentry *dir);
void azr_rsa_exit(void);
void azr_rsa_start(void);
void azr_rsa_stop(void);
unsigned int azr_rsa_get(void);
void azr_rsa_put(unsigned int idx);
void azr_rsa_hold(unsigned int idx);
void azr_rsa_entry_add(unsigned int idx);
void azr_rsa_entry_del(unsigned int idx);
u16 azr_rsa_tag(unsigned int idx);
long azr_bench_ioctl(void __user *uarg);	/* bench.c */
int azr_devices_init(void);		/* dev.c, sysfs.c, control.c */
void azr_devices_exit(void);

#endif /* _AETHER_ZRAM_INTERNAL_H */
