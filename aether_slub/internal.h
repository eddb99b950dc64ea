/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - aether_slub's own structures, shared by its files only
 *
 * A cache hands out objects of one size.  Its memory is slabs: blocks of
 * 2^order pool pages cut into equal slots.  Each node of a cache keeps its
 * slabs on three lists (partial, full, empty); each CPU keeps an array of
 * free objects (its magazine) in front of them.  See cache.c for the life
 * of a cache, slab.c for the life of a slab and the lock order, cpu.c for
 * the fast path.
 */
#ifndef _AETHER_SLUB_INTERNAL_H
#define _AETHER_SLUB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/reciprocal_div.h>
#include <linux/stackdepot.h>
#include <linux/swab.h>
#include <linux/uidgid.h>
#include <aether/mm.h>
#include <aether/slub.h>

#define ASLUB_MAX_NODES		AETHER_SLUB_MAX_NODES
#define ASLUB_MAX_ORDER		3	/* largest slab, 8 pages */
#define ASLUB_MAG_MAX		128	/* objects a CPU keeps at most */
#define ASLUB_ALIEN_MAX		16	/* frees of one remote node batched */
#define ASLUB_NAME_LEN		AETHER_SLUB_NAME_LEN
#define ASLUB_MAX_CACHES_PER_UID_LIMIT	BIT(20)	/* max_caches_per_uid */
#define ASLUB_NR_ERR		AETHER_SLUB_NR_ERRORS
#define ASLUB_SLAB_MAGIC	0x51abc0de51abc0deUL

/* page->private of a head page of a large kmalloc: tag bit, then order. */
#define ASLUB_LARGE_TAG		1UL

/* Where a slab is, as far as its node's lists go (slab->state). */
enum aslub_slab_state {
	ASLUB_SLAB_EMPTY = 0,	/* no object in use, on node->empty */
	ASLUB_SLAB_PARTIAL,	/* some in use, some free, on node->partial */
	ASLUB_SLAB_FULL,	/* every object in use, on node->full */
};

/* Per-CPU event counters, same order as the aether_slub_cache_stats. */
enum aslub_stat {
	ASLUB_ALLOC_FAST, ASLUB_ALLOC_SLOW, ASLUB_FREE_FAST, ASLUB_FREE_SLOW,
	ASLUB_FREE_REMOTE, ASLUB_REFILL, ASLUB_FLUSH, ASLUB_NR_STATS,
};

/**
 * struct aslub_slab - descriptor of one slab (kept off the slab)
 * @list:	on one of its node's lists (node->list_lock)
 * @cache:	owning cache
 * @frame:	the pool block
 * @addr:	its first byte
 * @base:	its first object, @addr plus the colour offset
 * @freelist:	free objects not held by any CPU, chained through their
 *		free pointer (node->list_lock)
 * @inuse:	objects off @freelist: in use, in some CPU's magazine, or
 *		lost (node->list_lock)
 * @lost:	free objects cut off the freelist when a free pointer was
 *		found damaged; counted in @inuse until every other object
 *		is back and the slab is rebuilt (node->list_lock)
 * @nid:	node of its memory
 * @state:	enum aslub_slab_state (node->list_lock)
 * @vseq:	the last validation pass that checked it (node->list_lock)
 * @magic:	ASLUB_SLAB_MAGIC while the slab lives
 */
struct aslub_slab {
	struct list_head list;
	struct aslub_cache *cache;
	struct aem_frame *frame;
	void *addr;
	void *base;
	void *freelist;
	unsigned int inuse;
	unsigned int lost;
	u16 nid;
	u8 state;
	unsigned int vseq;
	unsigned long magic;
};

/**
 * struct aslub_node - the slabs of one cache on one node
 * @list_lock:	protects the lists, the counters and every slab's
 *		@freelist, @inuse and @state; taken with interrupts off
 * @partial:	slabs with free objects and used ones, most recent first
 * @full:	slabs without free objects
 * @empty:	slabs without used objects, up to the cache's @empty_max
 * @nr_partial:	entries on @partial
 * @nr_full:	entries on @full
 * @nr_empty:	entries on @empty
 * @nr_slabs:	all three
 * @validating:	validations walking this node; while one does, no empty
 *		slab goes back to the pool (cache.c)
 */
struct aslub_node {
	spinlock_t list_lock;		/* see above */
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	unsigned long nr_partial;
	unsigned long nr_full;
	unsigned long nr_empty;
	unsigned long nr_slabs;
	unsigned int validating;
};

/**
 * struct aslub_cpu - one CPU's front of a cache
 * @lock:	local lock, interrupts off: the only thing the fast path
 *		takes; another CPU reaches this only through an IPI
 * @avail:	free objects in @objs, all of this CPU's node
 * @stat:	event counters (enum aslub_stat)
 * @alien_nr:	frees held back per remote node
 * @alien:	objects of remote nodes, given back in batches
 * @objs:	the magazine, hottest last
 */
struct aslub_cpu {
	local_lock_t lock;
	unsigned int avail;
	unsigned long stat[ASLUB_NR_STATS];
	unsigned int alien_nr[ASLUB_MAX_NODES];
	void *alien[ASLUB_MAX_NODES][ASLUB_ALIEN_MAX];
	void *objs[ASLUB_MAG_MAX];
};

/**
 * struct aslub_cache - an object cache
 * @cpu:	per-CPU magazines
 * @flags:	ASLUB_* cache flags
 * @object_size: bytes the caller asked for
 * @size:	slot size: left red zone, object, red zone, free pointer,
 *		tracking
 * @reciprocal_size: reciprocal_value(@size), to find a slot index
 * @align:	object alignment
 * @fp_off:	offset of the free pointer from the object
 * @fp_random:	per-cache secret the free pointers are stored XORed with
 * @red_left:	left red zone bytes before each object (0 without
 *		ASLUB_RED_ZONE), a multiple of @align
 * @rz_off:	first byte of the right red zone (= @object_size)
 * @rz_len:	right red zone bytes (0 without ASLUB_RED_ZONE)
 * @meta_off:	offset of struct aslub_meta in a slot (debug caches)
 * @order:	slab order
 * @objects:	objects per slab
 * @colour_unit: bytes between two colours
 * @colours:	distinct colour offsets
 * @colour_next: next colour to give a slab
 * @limit:	objects a CPU's magazine holds at most
 * @batch:	objects moved per refill and flush
 * @ctor:	constructor run on every object of a new slab
 * @kmalloc:	a kmalloc size class
 * @list:	on aslub_caches (aslub_mutex)
 * @node:	per node, NULL where no node
 * @slabs_allocated: slabs taken from the pool
 * @slabs_freed: slabs given back
 * @errors:	debug reports by kind (AETHER_SLUB_ERR_*)
 * @fp_corrupt:	free pointers found damaged when decoded
 * @lost:	objects on slabs cut off their freelist (slab->lost summed)
 * @dead_drained: objects given back from the magazines of CPUs that went
 *		offline
 * @validate_lock: one validation of the cache at a time
 * @validate_seq: number of the last validation pass (@validate_lock)
 * @validate_slabs: slabs the last pass checked
 * @validate_holds: list_lock holds the last pass took to check them
 * @owner:	the uid that created it through the device, INVALID_UID for
 *		the kernel's own caches; its name is unique among the caches
 *		of the same owner
 * @user:	@owner's entry of aether_mm's per-user bound, referenced for
 *		the cache's life, which every slab of the cache is charged
 *		to while it is out of the pool (slab.c); NULL for the
 *		kernel's caches
 * @user_force:	the charge never refuses (the creator had CAP_SYS_ADMIN)
 * @dbg:	debugfs directory
 * @name:	its name
 */
struct aslub_cache {
	struct aslub_cpu __percpu *cpu;
	unsigned int flags;
	unsigned int object_size;
	unsigned int size;
	struct reciprocal_value reciprocal_size;
	unsigned int align;
	unsigned int fp_off;
	unsigned long fp_random;
	unsigned int red_left;
	unsigned int rz_off;
	unsigned int rz_len;
	unsigned int meta_off;
	unsigned int order;
	unsigned int objects;
	unsigned int colour_unit;
	unsigned int colours;
	atomic_t colour_next;
	unsigned int limit;
	unsigned int batch;
	void (*ctor)(void *obj);
	bool kmalloc;
	struct list_head list;
	struct aslub_node *node[ASLUB_MAX_NODES];
	atomic_long_t slabs_allocated;
	atomic_long_t slabs_freed;
	atomic_long_t errors[ASLUB_NR_ERR];
	atomic_long_t fp_corrupt;
	atomic_long_t lost;
	atomic_long_t dead_drained;
	struct mutex validate_lock;	/* see above */
	unsigned int validate_seq;
	unsigned long validate_slabs;
	unsigned long validate_holds;
	kuid_t owner;
	struct aem_user *user;
	bool user_force;
	struct dentry *dbg;
	char name[ASLUB_NAME_LEN];
};

/**
 * struct aslub_track - who last allocated or freed an object
 * @stack:	stack depot handle, 0 when not recorded
 * @cpu:	CPU it ran on
 * @pid:	task
 * @when:	jiffies
 */
struct aslub_track {
	depot_stack_handle_t stack;
	int cpu;
	int pid;
	unsigned long when;
};

/* Object states kept in a debug slot, far from any likely overwrite. */
#define ASLUB_OBJ_FREE		0xf4eef4eeU
#define ASLUB_OBJ_INUSE		0xa110c8edU

/**
 * struct aslub_meta - debug data at the end of every slot of a debug cache
 * @state:	ASLUB_OBJ_FREE or ASLUB_OBJ_INUSE
 * @alloc:	last allocation
 * @free:	last free
 */
struct aslub_meta {
	u32 state;
	struct aslub_track alloc;
	struct aslub_track free;
};

/* Poison and red zone bytes, as Linux's (include/linux/poison.h). */
#define ASLUB_POISON_FREE	0x6b
#define ASLUB_POISON_END	0xa5
#define ASLUB_RED_INACTIVE	0xbb
#define ASLUB_RED_ACTIVE	0xcc

extern struct mutex aslub_mutex;
extern struct list_head aslub_caches;
extern unsigned int aslub_empty_max;
extern unsigned int aslub_max_caches_per_uid;
extern unsigned int aslub_debug_flags;
extern atomic_long_t aslub_shrunk_pages;
extern atomic_long_t aslub_pressure_pages;

/*
 * Accessors around a slot.  A free pointer is stored as
 *
 *	next ^ fp_random ^ swab(address of the pointer itself)
 *
 * as CONFIG_SLAB_FREELIST_HARDENED stores SLUB's: an overwrite with a
 * plausible pointer (a use after free, a linear overflow) decodes to
 * garbage that slab.c catches, the secret does not leak through a free
 * object, and NULL is not stored as zero.
 */
static inline unsigned long aslub_fp_mask(const struct aslub_cache *s,
					  unsigned long slot)
{
	return s->fp_random ^ swab(slot);
}

static inline void *aslub_get_fp(const struct aslub_cache *s, void *obj)
{
	unsigned long slot = (unsigned long)obj + s->fp_off;

	return (void *)(*(unsigned long *)slot ^ aslub_fp_mask(s, slot));
}

static inline void aslub_set_fp(const struct aslub_cache *s, void *obj,
				void *next)
{
	unsigned long slot = (unsigned long)obj + s->fp_off;

	*(unsigned long *)slot = (unsigned long)next ^ aslub_fp_mask(s, slot);
}

static inline struct aslub_meta *aslub_meta(const struct aslub_cache *s,
					    void *obj)
{
	return obj + s->meta_off;
}

static inline bool aslub_debug(const struct aslub_cache *s)
{
	return s->flags & ASLUB_DEBUG_FLAGS;
}

static inline unsigned int aslub_slab_pages(const struct aslub_cache *s)
{
	return 1U << s->order;
}

/* Index of the slot holding @obj (any byte of it, left red zone included). */
static inline unsigned int aslub_obj_index(const struct aslub_cache *s,
					   const struct aslub_slab *slab,
					   const void *obj)
{
	return reciprocal_divide(obj - (slab->base - s->red_left),
				 s->reciprocal_size);
}

/* The slab of an object of ours, trusting the caller (fast paths). */
static inline struct aslub_slab *aslub_virt_to_slab(const void *obj)
{
	return (struct aslub_slab *)page_private(virt_to_page(obj));
}

/* cache.c */
struct aslub_cache *__aslub_cache_create(const char *name, unsigned int size,
					 unsigned int align,
					 unsigned int flags,
					 void (*ctor)(void *), bool kmalloc);
struct aslub_cache *aslub_user_cache_create(const char *name,
					    unsigned int size,
					    unsigned int align,
					    unsigned int flags, kuid_t owner);
struct aslub_cache *aslub_cache_lookup(const char *name, kuid_t owner);
void aslub_cache_counts(struct aslub_cache *s,
			struct aether_slub_cache_stats *st);
unsigned long aslub_shrink_all(void);
unsigned long aslub_cache_live(struct aslub_cache *s);
int aslub_validate(struct aslub_cache *s);

/* slab.c */
int aslub_nodes_init(struct aslub_cache *s);
void aslub_nodes_free(struct aslub_cache *s);
unsigned int aslub_node_take(struct aslub_cache *s, int nid, void **objs,
			     unsigned int nr);
void aslub_node_put(struct aslub_cache *s, void **objs, unsigned int nr);
void *aslub_alloc_direct(struct aslub_cache *s, gfp_t gfp, int nid);
void aslub_free_direct(struct aslub_cache *s, void *obj);
struct aslub_slab *aslub_slab_new(struct aslub_cache *s, gfp_t gfp, int nid);
void aslub_slab_publish(struct aslub_cache *s, struct aslub_slab *slab);
unsigned long aslub_node_trim(struct aslub_cache *s, int nid,
			      unsigned long keep);
bool aslub_slab_contains(const struct aslub_slab *slab, const void *obj);
struct aslub_slab *aslub_obj_slab(const void *obj);
int aslub_slab_validate(struct aslub_cache *s, struct aslub_slab *slab);
struct list_head *aslub_state_list(struct aslub_node *n, unsigned int state,
				   unsigned long **count);

/* cpu.c */
int aslub_cpu_init(struct aslub_cache *s);
void aslub_cpu_free(struct aslub_cache *s);
void aslub_drain_all(struct aslub_cache *s);
void aslub_drain_online(struct aslub_cache *s);
int aslub_cpuhp_init(void);
void aslub_cpuhp_exit(void);
void aslub_cpu_counts(struct aslub_cache *s, u64 *stat, u64 *cached);

/* debug.c */
int aslub_debug_init(void);
void aslub_debug_slab_init(struct aslub_cache *s, struct aslub_slab *slab);
void aslub_debug_alloc(struct aslub_cache *s, struct aslub_slab *slab,
		       void *obj, depot_stack_handle_t stack);
bool aslub_debug_free(struct aslub_cache *s, struct aslub_slab *slab,
		      void *obj, depot_stack_handle_t stack);
void aslub_debug_invalid_free(struct aslub_cache *s, const void *obj,
			      const char *why);
int aslub_debug_check_free_obj(struct aslub_cache *s,
			       struct aslub_slab *slab, void *obj);
int aslub_debug_check_used_objs(struct aslub_cache *s, struct aslub_slab *slab);
void aslub_report_leaks(struct aslub_cache *s, unsigned long live);
depot_stack_handle_t aslub_save_stack(struct aslub_cache *s, gfp_t gfp);
int aslub_debug_trigger(struct aslub_cache *s, u32 scenario);
unsigned int aslub_parse_debug(const char *str);

/* kmalloc.c */
int aslub_kmalloc_init(void);
void aslub_kmalloc_exit(void);
struct aslub_cache *aslub_kmalloc_cache(size_t size);
unsigned int aslub_kmalloc_class_size(unsigned int idx);
unsigned int aslub_nr_kmalloc(void);
void aslub_large_counts(u64 *allocs, u64 *pages, u64 *invalid);

/* shrink.c */
int aslub_shrinker_init(void);
void aslub_shrinker_exit(void);

/* chardev.c */
int aslub_chardev_init(void);
void aslub_chardev_exit(void);

/* debugfs.c */
void aslub_debugfs_init(void);
void aslub_debugfs_exit(void);
void aslub_debugfs_add_cache(struct aslub_cache *s);
void aslub_debugfs_del_cache(struct aslub_cache *s);

/* walk.c */
struct seq_file;
int aslub_walk_show(struct seq_file *m, void *v);

/* bench.c */
int aslub_bench_run(struct aether_slub_bench *b);

/* selftest.c */
int aslub_selftest_run(void);

#endif /* _AETHER_SLUB_INTERNAL_H */
