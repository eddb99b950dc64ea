/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - aether_mm's own structures, shared by its files only
 *
 * The pool is a set of chunks, each one max-order block taken from Linux
 * on one node.  A chunk carries one struct aem_frame per page.  Chunks are
 * grouped into zones (by physical address) per node; each zone has buddy
 * free lists per order and migrate type, and per-CPU lists for small
 * orders.  See pool.c for the life of a chunk, buddy.c for the life of a
 * frame.  struct aem_frame, and what the pool and the regions (region/)
 * export to each other, are in frame.h.
 *
 * DOC: Lock order (the whole module)
 *
 * Every lock of aether_mm, outermost first: a lock may be taken while
 * holding only locks above it.  "trylock" marks the exceptions: a lock
 * taken out of order, only ever with a trylock that skips on failure.
 * The lists at the top of other files are excerpts of this one.
 *
 *  1. aem_bench_mutex	(mutex, bench_harness.c) one benchmark run at
 *			a time, held across it (then the allocators')
 *  2. aem_loop_lock	(mutex, region/reclaim.c) installing and removing
 *			the loopback store; held across
 *			aem_register_store()/aem_unregister_store(), so
 *			above everything unregistration takes (3, 8-11,
 *			the pool's locks)
 *  3. aem_hooks_lock	(mutex, hooks.c) the hook tables' pointers; taken
 *			by (un)registration only, with nothing inside but
 *			the publication: synchronize_rcu()/_srcu() and the
 *			store's unregistration run after it is dropped
 *  4. aem_compact_lock	(mutex, compact.c) one compaction at a time; under
 *			it aem_resv_lock (15) and a region's slot lock (11)
 *			are taken one after the other, never nested (a
 *			shared frame's move: 4b, then its users' slot
 *			locks one at a time)
 * 4a. aem_share_sem	(rwsem, region/share.c) read around a merge, a zero
 *			page or a new shared frame; write to close the door
 *			to them (unregistration) and to change a region's
 *			trust domain.  Never under 4 or 7
 * 4b. shared->move_lock (mutex, region/share.c) a merge into one shared
 *			frame and a move of it; under 4 or 4a, never with
 *			any of 5-10 held; above 11
 *  5. aem_access_lock	(mutex, region/access.c) one access scan or cold
 *			walk at a time; above mmap_lock (7), which the scan
 *			takes for read on each mm.  Reclaim inside a pool
 *			allocation (maybe under 7-11) only trylocks it
 *  6. aem_file->lock	(mutex, chardev.c) one /dev/aether_mm fd's blocks,
 *			reservations, policy and id cursors; held across
 *			allocations, frees and reservations (12-18), and
 *			across copies to userspace, whose faults take 7
 *  7. mm->mmap_lock	(Linux's; on 6.12 a fault may hold only its VMA's
 *			lock, region/fault.c) around faults, mmap, mprotect,
 *			fork (write, both mms) and REGION_QUERY (read)
 *  8. aem_regions_lock	(mutex, region/lifecycle.c) the list of regions,
 *			their names and the per-uid counts
 *			(aem_uid_regions); the last aem_region_put() takes
 *			it (kref_put_mutex())
 *  9. region->wx_lock	(mutex) W^X checks of mmap and mprotect, and the
 *			view an mmap creates (region/view.c); under it
 *			another process's mmap_lock, read, trylock only
 * 10. region->views_lock (mutex) a region's view list, view creation,
 *			tops at fork.  Never held while an mmap_lock is
 *			taken but by trylock (access.c collects the mms
 *			first)
 * 11. slot lock	(hashed mutex per region and 2 MiB of its file,
 *			region/region.h) what a page index resolves to in
 *			every layer of the region; a reverse-map write.
 *			One at a time, but fault-around (->map_pages)
 *			and reclaim, which trylock the others
 * 11a. shared->load_lock (mutex, region/share.c) a stored shared frame
 *			brought back, or made stored: under one slot lock
 *			(11: a fault, an unmerge) or under 4b alone (a
 *			merge, reclaim storing it), never with a slot lock
 *			taken inside; held across the pool allocation and
 *			the store's load (12)
 *     view->pred_lock	(spinlock, region/predict.c) a view's predictor:
 *			a leaf, taken alone under 7
 * 12. aem_store_srcu	(SRCU read side, hooks.c) the store table, held
 *			around every call of the store backend (under 11 to
 *			store or load a page, around a whole reclaim walk);
 *			a read side nests anywhere, and synchronize_srcu()
 *			is called with none of 1-11 held but 2
 * 13. aem_reclaim_sem	(rwsem, hooks.c) the list of reclaim clients:
 *			read, trylock only, inside a pool allocation that
 *			failed (under whatever the allocation is under);
 *			write by (un)registration, holding nothing else.
 *			kreclaimd (pool.c) holds it for read alone and,
 *			under it, the region reclaim takes 5 and 11
 *			without trying: the exception to the order, safe
 *			as its writer holds nothing and every other
 *			reader only tries it
 * 14. node->resize_lock (mutex, pool.c) growth and shrink of one node;
 *			taken by an allocation that grows the pool, to
 *			count (never across the allocation from Linux,
 *			which may reclaim); the shrinker only trylocks it
 * 15. aem_resv_lock	(mutex, reserve.c) the reservations (never nested
 *			with 14)
 *     mapping->i_mmap_rwsem, then the page table locks (Linux's): inside
 *			unmap_mapping_range(), vmf_insert_*(), the zaps and
 *			the walks, under 11; no lock of ours inside
 * 16. pcp->lock	(spinlock, irqs off, pcp.c) one CPU's lists of a zone
 * 17. zone->lock	(spinlock, irqs off, buddy.c) buddy lists, zone
 *			counters, chunk list, pageblock types, frame @resv
 * 18. xarray locks	(taken by the xarray API, leaves): aem_pool.chunks
 *			(pfn -> chunk), a layer's slots (under 11),
 *			aem_uid_regions (under 8), a fd's blocks and
 *			reservations (under 6), the loopback's pages,
 *			aem_users (user.c: to store or erase an entry;
 *			its charges are atomics, no lock)
 * 19. aem_secure_lock	(spinlock, region/secure.c) the count of SECURE
 *			regions and the hibernation flag: a leaf, taken
 *			alone (creation and release of a SECURE region, the
 *			PM notifier)
 *
 * Nothing of ours is taken under a spinlock but 17 under 16 and the
 * xarrays' locks.  lockdep_assert_held() marks the functions that need
 * one of these held.
 */
#ifndef _AETHER_MM_INTERNAL_H
#define _AETHER_MM_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <aether/ioctl.h>
#include <aether/mm.h>
#include "frame.h"

#define AEM_MAX_ORDER		MAX_PAGE_ORDER
#define AEM_NR_ORDERS		(AEM_MAX_ORDER + 1)
#define AEM_CHUNK_ORDER		AEM_MAX_ORDER
#define AEM_CHUNK_PAGES		BIT(AEM_CHUNK_ORDER)
#define AEM_PB_ORDER		(AEM_MAX_ORDER < 9 ? AEM_MAX_ORDER : 9)
#define AEM_PB_PER_CHUNK	(1U << (AEM_CHUNK_ORDER - AEM_PB_ORDER))
#define AEM_PCP_MAX_ORDER	3
#define AEM_NR_PCP_ORDERS	(AEM_PCP_MAX_ORDER + 1)
#define AEM_NR_ZONES		AETHER_MM_NR_ZONES
#define AEM_NR_MT		AETHER_MM_NR_MT

/* State of a frame; only the first frame of a block (its head) has one. */
enum aem_frame_state {
	AEM_FS_TAIL = 0,	/* inside a block, or not yet in the pool */
	AEM_FS_BUDDY,		/* head of a free block on a buddy list */
	AEM_FS_PCP,		/* head of a free block on a per-CPU list */
	AEM_FS_ALLOC,		/* head of an allocated block */
	AEM_FS_HELD,		/* free order-0 page held by a reservation */
};

/**
 * struct aem_chunk - one max-order block taken from Linux
 * @base_pfn:	first page frame number, aligned to AEM_CHUNK_PAGES
 * @zone:	the pool zone it feeds
 * @link:	on zone->chunks (zone->lock)
 * @nr_resv:	pages of reserved ranges in the chunk (zone->lock; read
 *		under pcp->lock to keep reserved pages off the per-CPU lists)
 * @dead:	being given back to Linux (zone->lock)
 * @pb_mt:	migrate type of each pageblock (zone->lock)
 * @rcu_link:	on the list of chunks waiting for an RCU grace period
 * @frames:	one descriptor per page
 */
struct aem_chunk {
	unsigned long base_pfn;
	struct aem_zone *zone;
	struct list_head link;
	unsigned int nr_resv;
	bool dead;
	u8 pb_mt[AEM_PB_PER_CHUNK];
	struct list_head rcu_link;
	struct aem_frame frames[];
};

struct aem_free_area {
	struct list_head free_list[AEM_NR_MT];
	unsigned long nr_free_mt[AEM_NR_MT];
	unsigned long nr_free;
};

/**
 * struct aem_pcp - per-CPU lists of one zone
 * @lock:	protects everything here; taken with interrupts off
 * @count:	pages on the lists
 * @high:	drain a batch when @count reaches it
 * @batch:	pages moved per refill or drain
 * @lists:	free blocks per migrate type and order, hottest first
 * @alloc_ok:	blocks this CPU allocated from the zone (this_cpu_inc)
 */
struct aem_pcp {
	spinlock_t lock;		/* see above */
	int count;
	int high;
	int batch;
	struct list_head lists[AEM_NR_MT][AEM_NR_PCP_ORDERS];
	unsigned long alloc_ok;
};

enum aem_wmark { AEM_WMARK_MIN, AEM_WMARK_LOW, AEM_WMARK_HIGH, AEM_NR_WMARK };

/**
 * struct aem_zone - pool pages of one node in one physical zone
 * @lock:	buddy lists, counters below, chunk list
 * @free_area:	buddy lists per order
 * @managed:	pages of the pool in this zone
 * @free:	pages on the buddy lists (read locklessly for watermarks)
 * @held:	pages held by reservations
 * @wmark:	min, low, high, derived from @managed
 * @chunks:	chunks of the zone
 * @nr_chunks:	entries on @chunks
 * @pcp:	per-CPU lists
 * @node:	owning node
 * @idx:	AETHER_MM_ZONE_*
 * @alloc_fail:	allocations that failed with this zone first
 * @compact_defer: background compaction skips 2^@compact_defer passes
 *		after one that freed nothing (aem_compact_lock)
 * @compact_considered: passes skipped since (aem_compact_lock)
 */
struct aem_zone {
	spinlock_t lock;		/* see above */
	struct aem_free_area free_area[AEM_NR_ORDERS];
	unsigned long managed;
	unsigned long free;
	unsigned long held;
	unsigned long wmark[AEM_NR_WMARK];
	struct list_head chunks;
	unsigned int nr_chunks;
	struct aem_pcp __percpu *pcp;
	struct aem_node *node;
	unsigned int idx;
	atomic_long_t alloc_fail;
	unsigned int compact_defer;
	unsigned int compact_considered;
};

/**
 * struct aem_node - the pool on one NUMA node
 * @nid:	node id
 * @zones:	its zones, by AETHER_MM_ZONE_*
 * @resize_lock: serialises growth and shrink of this node
 * @nr_chunks:	chunks on the node (resize_lock, read locklessly)
 * @nr_growing:	chunks being allocated from Linux, resize_lock not held
 *		meanwhile (aem_node_grow()); under resize_lock
 * @min_chunks:	chunks kept whatever the pressure (pool_init_mb)
 * @max_chunks:	growth limit (pool_max_mb)
 * @grow_work:	background growth below the low watermark
 * @reclaim_work: kreclaimd, the node's background reclaimer (pool.c): at
 *		the node's limit, reclaims from low back up to high; delayed
 *		only while its failures hold it back
 * @reclaim_wait: RealTime allocations waiting for kreclaimd's progress
 * @reclaim_seq: bumped each time kreclaimd gives pages back (and when a
 *		run ends), what @reclaim_wait's sleepers wait for
 * @reclaim_failures: kreclaimd runs in a row that reclaimed nothing
 * @reclaim_failed_at: jiffies of the last of them
 * @fallback:	node ids by node_distance() from this one, self first
 * @nr_fallback: entries in @fallback
 */
struct aem_node {
	int nid;
	struct aem_zone zones[AEM_NR_ZONES];
	struct mutex resize_lock;	/* see above */
	unsigned int nr_chunks;
	unsigned int nr_growing;
	unsigned int min_chunks;
	unsigned int max_chunks;
	struct work_struct grow_work;
	struct delayed_work reclaim_work;
	wait_queue_head_t reclaim_wait;
	unsigned long reclaim_seq;
	unsigned int reclaim_failures;
	unsigned long reclaim_failed_at;
	u8 fallback[AEM_MAX_NODES];
	unsigned int nr_fallback;
};

/* Runs of kreclaimd in a row that bring nothing before wakeups pause. */
#define AEM_KRECLAIMD_MAX_FAILURES 16

/* Event counters, per CPU, summed on read; same order as aether_mm_stats. */
enum aem_counter {
	AEM_C_ALLOC, AEM_C_FREE, AEM_C_ALLOC_FAIL,
	AEM_C_PCP_HIT, AEM_C_PCP_REFILL, AEM_C_PCP_DRAIN,
	AEM_C_SPLIT, AEM_C_MERGE, AEM_C_MT_FALLBACK, AEM_C_MT_STEAL,
	AEM_C_NODE_FALLBACK, AEM_C_ZONE_FALLBACK,
	AEM_C_GROW, AEM_C_SHRINK, AEM_C_GROW_FAIL, AEM_C_WMARK_LOW_HIT,
	AEM_NR_COUNTERS,
};

struct aem_counters {
	u64 c[AEM_NR_COUNTERS];
};

/*
 * The pool's reclaim, counted for debugfs aether/mm/stats only (no UAPI
 * field): kreclaimd's runs and pages, the allocations that reclaimed for
 * themselves and what they got, the allocations that took back other
 * CPUs' lists before failing, and what RealTime (AEM_ALLOC_HIGH)
 * allocations met: the reserve below min used, the reserve found empty,
 * the waits for kreclaimd, and the refusals after them.
 */
enum aem_rstat {
	AEM_R_KRECLAIMD_WAKEUPS, AEM_R_KRECLAIMD_PAGES,
	AEM_R_KRECLAIMD_BALANCED, AEM_R_KRECLAIMD_GAVE_UP,
	AEM_R_DIRECT, AEM_R_DIRECT_PAGES, AEM_R_DIRECT_DRAINS,
	AEM_R_RESERVE_ALLOCS, AEM_R_RESERVE_EMPTY, AEM_R_RESERVE_WAITS,
	AEM_R_RESERVE_REFUSED, AEM_R_RESERVE_RESIZES,
	AEM_R_FAULT_WAITS, AEM_R_FAULT_WAITED,
	AEM_NR_RSTATS,
};

/**
 * struct aem_pool - the whole pool
 * @nodes:	per node, NULL where the pool has no node
 * @nr_nodes:	node ids 0..nr_nodes-1 are possible
 * @chunks:	chunk by base_pfn >> AEM_CHUNK_ORDER (RCU lookups)
 * @counters:	event counters
 * @shrinker:	gives free chunks back under host pressure
 * @grown:	chunks added since load
 * @shrunk:	chunks given back since load
 * @stopping:	unloading: kreclaimd is woken no more, and a run stops
 * @rstat:	enum aem_rstat counters
 */
struct aem_pool {
	struct aem_node *nodes[AEM_MAX_NODES];
	int nr_nodes;
	struct xarray chunks;
	struct aem_counters __percpu *counters;
	struct shrinker *shrinker;
	atomic_long_t grown;
	atomic_long_t shrunk;
	bool stopping;
	atomic_long_t rstat[AEM_NR_RSTATS];
};

extern struct aem_pool aem_pool;
extern unsigned int aem_pcp_batch;
extern unsigned int aem_pcp_high;
extern bool aem_track;

#define aem_count(idx)		this_cpu_inc(aem_pool.counters->c[(idx)])
#define aem_count_add(idx, n)	this_cpu_add(aem_pool.counters->c[(idx)], (n))
#define aem_rstat_add(idx, n)	atomic_long_add((n), &aem_pool.rstat[(idx)])
#define aem_rstat_inc(idx)	atomic_long_inc(&aem_pool.rstat[(idx)])

/* The first node id >= @nid that the pool has, or AEM_MAX_NODES. */
static inline int aem_next_nid(int nid)
{
	while (nid < AEM_MAX_NODES && !aem_pool.nodes[nid])
		nid++;
	return nid;
}

/* Each node id of the pool. */
#define for_each_aem_nid(nid)						\
	for (int __aem_nid = aem_next_nid(0);				\
	     __aem_nid < AEM_MAX_NODES && ((nid) = __aem_nid, true);	\
	     __aem_nid = aem_next_nid(__aem_nid + 1))

/* Each node of the pool. */
#define for_each_aem_node(node)						\
	for (int __aem_nid = aem_next_nid(0);				\
	     __aem_nid < AEM_MAX_NODES &&				\
	     ((node) = aem_pool.nodes[__aem_nid], true);		\
	     __aem_nid = aem_next_nid(__aem_nid + 1))

static inline unsigned int aem_frame_idx(const struct aem_frame *f)
{
	return f - f->chunk->frames;
}

static inline unsigned int aem_pb_idx(unsigned int idx)
{
	return idx >> AEM_PB_ORDER;
}

static inline struct aem_node *aem_node(int nid)
{
	if (nid < 0 || nid >= aem_pool.nr_nodes)
		return NULL;
	return aem_pool.nodes[nid];
}

/* pool.c */
int aem_pool_init(unsigned int init_mb, unsigned int max_mb);
void aem_pool_exit(void);
int aem_node_grow(struct aem_node *node, gfp_t gfp);
void aem_node_kick_grow(struct aem_node *node);
void aem_kreclaimd_wake(struct aem_node *node);
void aem_kreclaimd_reset(struct aem_node *node);
bool aem_node_below(struct aem_node *node, enum aem_wmark mark);
struct aem_chunk *aem_chunk_lookup(unsigned long pfn);
void aem_zone_set_wmarks(struct aem_zone *zone);
unsigned long aem_rt_reserve_share(const struct aem_zone *zone);
unsigned long aem_pool_shrink(unsigned long nr_chunks);

/* buddy.c */
void aem_zone_init(struct aem_zone *zone, struct aem_node *node,
		   unsigned int idx);
void aem_buddy_free(struct aem_zone *zone, struct aem_chunk *chunk,
		    unsigned int idx, unsigned int order);
void aem_buddy_merge(struct aem_zone *zone, struct aem_chunk *chunk,
		     unsigned int idx, unsigned int order);
struct aem_frame *aem_rmqueue(struct aem_zone *zone, unsigned int order,
			      unsigned int mt);
void aem_del_free(struct aem_zone *zone, struct aem_frame *f);
void aem_buddy_add_chunk(struct aem_zone *zone, struct aem_chunk *chunk);
bool aem_chunk_is_free(const struct aem_chunk *chunk);
void aem_buddy_take_chunk(struct aem_zone *zone, struct aem_chunk *chunk);
struct aem_frame *aem_find_free_block(struct aem_chunk *chunk,
				      unsigned int idx);
const char *aem_mt_name(unsigned int mt);
const char *aem_zone_name(unsigned int zone);

/* pcp.c */
int aem_pcp_init(struct aem_zone *zone);
void aem_pcp_exit(struct aem_zone *zone);
struct aem_frame *aem_pcp_alloc(struct aem_zone *zone, unsigned int order,
				unsigned int mt, unsigned long wmark);
unsigned int aem_pcp_alloc_bulk(struct aem_zone *zone, unsigned int order,
				unsigned int mt, unsigned long wmark,
				unsigned int nr, struct aem_frame **frames);
void aem_pcp_free(struct aem_zone *zone, struct aem_frame **frames,
		  unsigned int nr, unsigned int order);
void aem_pcp_drain_zone(struct aem_zone *zone);
unsigned long aem_pcp_count(struct aem_zone *zone);
unsigned long aem_zone_alloc_ok(struct aem_zone *zone);

/* alloc.c */
void aem_frame_prep(struct aem_frame *f, unsigned int order,
		    unsigned int flags);
void aem_free_block(struct aem_frame *f, unsigned int order);
bool aem_zone_wmark_ok(struct aem_zone *zone, unsigned int order,
		       unsigned long mark);

/* reserve.c */
bool aem_block_has_resv(const struct aem_chunk *chunk, unsigned int idx,
			unsigned int order);
void aem_free_resv_block(struct aem_zone *zone, struct aem_chunk *chunk,
			 unsigned int idx, unsigned int order);

/* frag.c */
struct aem_frag_info {
	unsigned long free_pages;
	unsigned long free_blocks[AEM_NR_ORDERS];
	int unusable[AEM_NR_ORDERS];
	int extfrag[AEM_NR_ORDERS];
};

void aem_zone_frag(struct aem_zone *zone, struct aem_frag_info *info);

/* track.c */
int aem_track_init(void);
void aem_track_alloc(struct aem_frame *f);
void aem_track_free(struct aem_frame *f);
struct seq_file;

unsigned long aem_track_report(struct seq_file *m);

/* inject.c */
struct dentry;

bool aem_should_fail(void);
void aem_inject_debugfs(struct dentry *dir);

/* hooks.c */
int aem_store_close(const struct aem_store_ops *ops);
unsigned long aem_reclaim_run(int nid, unsigned long nr_pages);
extern atomic_long_t aem_reclaim_runs;
extern atomic_long_t aem_reclaimed;
bool aem_reclaim_registered(void);
void aem_hooks_exit(void);

/* policy.c */
int aem_policy_admit(const struct aem_alloc_who *who, int nid,
		     unsigned int order, unsigned int flags);
long aem_policy_refused(void);
long aem_policy_reclaims(void);
long aem_policy_highs(void);
long aem_policy_high_works(void);
void aem_policy_exit(void);

/* policy_count.c */
void aem_policy_count_debugfs(struct dentry *dir);
void aem_policy_count_exit(void);

/* compact.c */
int aem_ioc_compact(void __user *uarg);
void aem_compact_debugfs(struct dentry *dir);
void aem_compact_init(void);
void aem_compact_exit(void);

/* handles.c */
extern atomic_t aem_handles_cookie;

/* chardev.c */
int aem_chardev_init(void);
void aem_chardev_exit(void);

/* user.c */
void aem_user_debugfs(struct dentry *dir);
void aem_user_init(void);
void aem_user_exit(void);
int aem_user_selftest(void);

/* debugfs.c */
void aem_debugfs_init(void);
void aem_debugfs_exit(void);

/* bench.c */
int aem_bench_pool_run(struct aether_mm_bench *b);

/* selftest.c */
int aem_selftest_run(void);

#endif /* _AETHER_MM_INTERNAL_H */
