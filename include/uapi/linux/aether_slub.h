/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_slub.h - userspace interface of the Aether object allocator
 * (/dev/aether_slub)
 *
 * The conventions are those of aether_mm.h: every command takes a struct
 * whose first field is @size, the size of the struct as the caller knows
 * it (copy_struct_from_user() convention); reserved fields must be zero
 * (-EINVAL); unknown commands fail with -ENOTTY.  Fields are marked (in),
 * (out) or (in/out).
 *
 * A zeroed field means the default, as in aether_mm.h: CREATE @align 0 is
 * the natural alignment and @flags 0 no debugging, ALLOC @id 0 is kmalloc
 * (with @kmalloc_size), SHRINK @id 0 every cache of the fd, CACHE_STATS
 * @by 0 is by id.  Required fields refuse 0 with -EINVAL (CREATE @name
 * and @object_size, ALLOC @count, BENCH @object_size, @threads, @rounds
 * and @iterations); TRIGGER @scenario 0 names DOUBLE_FREE, a scenario the
 * caller picks.  ALLOC @node 0 is node 0, as in aether_mm.h, and cannot
 * change compatibly: the allocation starts there and falls back to other
 * nodes unless THISNODE; -1 is the calling CPU's node.  No field of this
 * header needed a new meaning for 0.
 *
 * Caches created through a file descriptor are named by ids, and objects
 * allocated through it by opaque handles, valid only on that descriptor.
 * Closing it frees its objects, then destroys its caches.
 *
 * Names are scoped to their owner: a cache made through the device
 * belongs to the effective uid of the caller of CREATE, and its name need
 * only be unique among that uid's caches.  The caches of the kernel (the
 * kmalloc size classes, the other Aether modules' own) are a namespace of
 * their own, so no user can take a name a module will need, nor one
 * another user will.  A caller sees the caches of its own uid through
 * CACHE_STATS by index and INFO; with CAP_SYS_ADMIN, every cache.
 *
 * Objects handed out through the device are always zeroed: nothing a
 * caller reads (FILL's count of mismatches included) carries bytes that
 * an earlier owner of the memory left there.
 *
 * Every struct has the same layout on i386 and x86-64, without implicit
 * padding (scripts/tests/uapi-layout-test.sh checks it).
 */
#ifndef _UAPI_LINUX_AETHER_SLUB_H
#define _UAPI_LINUX_AETHER_SLUB_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AETHER_SLUB_IOC_MAGIC		0xE2

#define AETHER_SLUB_NAME_LEN		32	/* cache names, with the NUL */
#define AETHER_SLUB_MAX_NODES		8	/* nodes the interface can name */
#define AETHER_SLUB_MAX_BULK		4096	/* objects per ALLOC/FREE call */
#define AETHER_SLUB_MAX_OBJECT		16384	/* largest cache object */
#define AETHER_SLUB_NR_KMALLOC		16	/* kmalloc size class slots */

/* Cache flags (struct aether_slub_create.flags). */
#define AETHER_SLUB_F_HWCACHE_ALIGN	(1U << 0) /* align objects to cache lines */
#define AETHER_SLUB_F_CONSISTENCY	(1U << 1) /* check slabs on every call (F) */
#define AETHER_SLUB_F_RED_ZONE		(1U << 2) /* guard bytes around objects (Z) */
#define AETHER_SLUB_F_POISON		(1U << 3) /* fill free objects (P) */
#define AETHER_SLUB_F_STORE_USER	(1U << 4) /* remember alloc/free stacks (U) */
#define AETHER_SLUB_F_DEBUG		0x1eU
#define AETHER_SLUB_F_FLAGS		0x1fU

/**
 * struct aether_slub_create - AETHER_SLUB_IOC_CREATE
 * @size:	(in) sizeof(struct aether_slub_create)
 * @flags:	(in) AETHER_SLUB_F_*
 * @object_size: (in) bytes per object, 1..AETHER_SLUB_MAX_OBJECT
 * @align:	(in) 0, or a power of two up to 4096
 * @name:	(in) NUL-terminated, printable, unique among the caches of the
 *		caller's effective uid (-EEXIST otherwise); other users' and
 *		the kernel's caches do not collide with it
 *		(-EDQUOT when the uid holds max_caches_per_uid caches, a
 *		module parameter, already)
 * @id:		(out) the cache id on this fd
 * @slab_order:	(out) pages per slab, as an order
 * @objects_per_slab: (out) objects in one slab
 * @slot_size:	(out) bytes between two objects (object, red zone,
 *		free pointer, tracking)
 */
struct aether_slub_create {
	__u32 size;
	__u32 flags;
	__u32 object_size;
	__u32 align;
	char name[AETHER_SLUB_NAME_LEN];
	__u32 id;
	__u32 slab_order;
	__u32 objects_per_slab;
	__u32 slot_size;
};

/**
 * struct aether_slub_destroy - AETHER_SLUB_IOC_DESTROY
 * @size:	(in) sizeof(struct aether_slub_destroy)
 * @id:		(in) a cache created through this fd
 * @live:	(out) objects still allocated when it fails with -EBUSY
 * @__reserved0: must be zero
 *
 * Fails with -EBUSY, and a report in the kernel log (rate-limited), while
 * objects of the cache are allocated; the cache stays usable.
 */
struct aether_slub_destroy {
	__u32 size;
	__u32 id;
	__u32 live;
	__u32 __reserved0;
};

/* struct aether_slub_alloc.flags */
#define AETHER_SLUB_ALLOC_ZERO		(1U << 0) /* no-op: objects are always zeroed */
#define AETHER_SLUB_ALLOC_THISNODE	(1U << 1) /* @node only; needs @node >= 0 */
#define AETHER_SLUB_ALLOC_FLAGS		0x3U

/**
 * struct aether_slub_alloc - AETHER_SLUB_IOC_ALLOC
 * @size:	(in) sizeof(struct aether_slub_alloc)
 * @flags:	(in) AETHER_SLUB_ALLOC_*
 * @id:		(in) cache id on this fd, or 0 for kmalloc
 * @kmalloc_size: (in) bytes for kmalloc (@id 0), 1..4 MiB; 0 otherwise
 * @node:	(in) node to allocate on, or -1 for the calling CPU's
 * @count:	(in) objects wanted, 1..AETHER_SLUB_MAX_BULK;
 *		(out) objects allocated
 * @handles:	(in) user pointer to @count __u64, one handle per object
 *
 * Every object comes zeroed, with or without AETHER_SLUB_ALLOC_ZERO (kept
 * so that callers that pass it go on working).  Fails with -ENOMEM only
 * when not one object could be had.
 */
struct aether_slub_alloc {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 kmalloc_size;
	__s32 node;
	__u32 count;
	__u64 handles;
};

/**
 * struct aether_slub_free - AETHER_SLUB_IOC_FREE
 * @size:	(in) sizeof(struct aether_slub_free)
 * @count:	(in) handles in the array, 1..AETHER_SLUB_MAX_BULK
 * @handles:	(in) user pointer to @count __u64 handles
 *
 * All or nothing: an unknown, stale, foreign or repeated handle fails the
 * call with -ENOENT and frees nothing.
 */
struct aether_slub_free {
	__u32 size;
	__u32 count;
	__u64 handles;
};

/* struct aether_slub_fill.flags */
#define AETHER_SLUB_FILL_VERIFY		(1U << 0) /* compare instead of write */
#define AETHER_SLUB_FILL_FLAGS		0x1U

/**
 * struct aether_slub_fill - AETHER_SLUB_IOC_FILL
 * @size:	(in) sizeof(struct aether_slub_fill)
 * @flags:	(in) AETHER_SLUB_FILL_*
 * @handle:	(in) an object held by this fd
 * @seed:	(in) the pattern: byte i of the object holds the low byte of
 *		(seed ^ (i / 8) * 0x9e3779b97f4a7c15) >> (8 * (i % 8))
 * @mismatches:	(out) with AETHER_SLUB_FILL_VERIFY, bytes that differ
 */
struct aether_slub_fill {
	__u32 size;
	__u32 flags;
	__u64 handle;
	__u64 seed;
	__u64 mismatches;
};

/**
 * struct aether_slub_obj_info - AETHER_SLUB_IOC_OBJ_INFO
 * @size:	(in) sizeof(struct aether_slub_obj_info)
 * @__reserved0: must be zero
 * @handle:	(in) an object held by this fd
 * @id:		(out) its cache id, 0 for kmalloc
 * @node:	(out) node of its memory
 * @object_size: (out) bytes the caller may use (ksize)
 * @kmalloc_class: (out) for kmalloc, the size class (bytes), or 0 for
 *		an allocation straight from the pool
 */
struct aether_slub_obj_info {
	__u32 size;
	__u32 __reserved0;
	__u64 handle;
	__u32 id;
	__u32 node;
	__u32 object_size;
	__u32 kmalloc_class;
};

/* Debug scenarios (struct aether_slub_trigger.scenario). */
enum aether_slub_scenario {
	AETHER_SLUB_TRIGGER_DOUBLE_FREE = 0,	/* free an object twice */
	AETHER_SLUB_TRIGGER_INVALID_FREE = 1,	/* free a pointer inside one */
	AETHER_SLUB_TRIGGER_REDZONE = 2,	/* write a byte past the end */
	AETHER_SLUB_TRIGGER_WRITE_AFTER_FREE = 3, /* write into a freed one */
	AETHER_SLUB_TRIGGER_REDZONE_LEFT = 4,	/* write a byte before the start */
	AETHER_SLUB_NR_TRIGGERS = 5,
};

/**
 * struct aether_slub_trigger - AETHER_SLUB_IOC_TRIGGER (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_slub_trigger)
 * @scenario:	(in) AETHER_SLUB_TRIGGER_*
 * @id:		(in) a cache of this fd created with the debug flags the
 *		scenario needs (-EOPNOTSUPP otherwise): any of
 *		AETHER_SLUB_F_DEBUG for double and invalid free, RED_ZONE
 *		for either red zone, POISON for write after free
 * @detected:	(out) reports the cache made for it (1 when caught)
 *
 * The kernel commits the error on an object of its own and the cache
 * reports it in the kernel log and counts it; the cache stays usable.
 */
struct aether_slub_trigger {
	__u32 size;
	__u32 scenario;
	__u32 id;
	__u32 detected;
};

/* Error counters, indices of aether_slub_cache_stats.errors. */
enum aether_slub_error {
	AETHER_SLUB_ERR_DOUBLE_FREE = 0,
	AETHER_SLUB_ERR_INVALID_FREE = 1,
	AETHER_SLUB_ERR_REDZONE = 2,
	AETHER_SLUB_ERR_WRITE_AFTER_FREE = 3,
	AETHER_SLUB_ERR_CORRUPT = 4,	/* slab or tracking data damaged */
	AETHER_SLUB_NR_ERRORS = 5,
};

/* struct aether_slub_cache_stats.by */
#define AETHER_SLUB_BY_ID		0 /* @key is a cache id of this fd */
#define AETHER_SLUB_BY_INDEX		1 /* @key-th cache the caller may see */

/* struct aether_slub_cache_stats.owner of the kernel's own caches. */
#define AETHER_SLUB_OWNER_KERNEL	0xffffffffU

/**
 * struct aether_slub_cache_stats - AETHER_SLUB_IOC_CACHE_STATS
 * @size:	(in) sizeof(struct aether_slub_cache_stats)
 * @by:		(in) AETHER_SLUB_BY_*
 * @key:	(in) cache id or index (-ENOENT past the last cache); by
 *		index, the caches of the caller's effective uid, or every
 *		cache with CAP_SYS_ADMIN
 * @flags:	(out) AETHER_SLUB_F_*
 * @name:	(out) the cache's name
 * @object_size: (out) bytes per object
 * @slot_size:	(out) bytes between objects
 * @align:	(out) object alignment
 * @slab_order:	(out) pages per slab, as an order
 * @objects_per_slab: (out) objects per slab
 * @colours:	(out) distinct colour offsets of its slabs
 * @cpu_limit:	(out) objects a CPU keeps at most
 * @kmalloc:	(out) 1 for a kmalloc size class
 * @slabs:	(out) slabs, all states
 * @slabs_partial: (out) slabs with free and used objects
 * @slabs_full:	(out) slabs without a free object
 * @slabs_empty: (out) slabs kept without a used object
 * @objects:	(out) object slots of all slabs
 * @active:	(out) objects allocated to callers
 * @cpu_cached:	(out) free objects held by the CPUs
 * @pages:	(out) pool pages held by the cache
 * @alloc_fast:	(out) allocations served by a CPU's objects
 * @alloc_slow:	(out) allocations that went to the node lists
 * @free_fast:	(out) frees kept by a CPU
 * @free_slow:	(out) frees that went to the node lists
 * @free_remote: (out) frees of objects of another node (batched)
 * @refills:	(out) CPU refills from the node lists
 * @flushes:	(out) CPU flushes to the node lists
 * @slabs_allocated: (out) slabs taken from the pool since creation
 * @slabs_freed: (out) slabs given back to the pool since creation
 * @errors:	(out) debug reports by kind (AETHER_SLUB_ERR_*)
 * @__reserved0: must be zero
 * @owner:	(out) the uid that created the cache (in the caller's user
 *		namespace), or AETHER_SLUB_OWNER_KERNEL
 * @node_slabs:	(out) slabs per node
 * @node_partial: (out) partial slabs per node
 */
struct aether_slub_cache_stats {
	__u32 size;
	__u32 by;
	__u32 key;
	__u32 flags;
	char name[AETHER_SLUB_NAME_LEN];
	__u32 object_size;
	__u32 slot_size;
	__u32 align;
	__u32 slab_order;
	__u32 objects_per_slab;
	__u32 colours;
	__u32 cpu_limit;
	__u32 kmalloc;
	__u64 slabs;
	__u64 slabs_partial;
	__u64 slabs_full;
	__u64 slabs_empty;
	__u64 objects;
	__u64 active;
	__u64 cpu_cached;
	__u64 pages;
	__u64 alloc_fast;
	__u64 alloc_slow;
	__u64 free_fast;
	__u64 free_slow;
	__u64 free_remote;
	__u64 refills;
	__u64 flushes;
	__u64 slabs_allocated;
	__u64 slabs_freed;
	__u64 errors[AETHER_SLUB_NR_ERRORS];
	__u32 __reserved0;
	__u32 owner;
	__u64 node_slabs[AETHER_SLUB_MAX_NODES];
	__u64 node_partial[AETHER_SLUB_MAX_NODES];
};

/**
 * struct aether_slub_info - AETHER_SLUB_IOC_INFO
 * @size:	(in) sizeof(struct aether_slub_info)
 * @nr_caches:	(out) caches the caller may see (AETHER_SLUB_BY_INDEX)
 * @nr_kmalloc:	(out) kmalloc size classes
 * @kmalloc_max: (out) largest size class; bigger requests go to the pool
 * @kmalloc_sizes: (out) the size classes, smallest first
 * @empty_max:	(out) empty slabs a node of a cache keeps
 * @debug_flags: (out) AETHER_SLUB_F_* every new cache gets (param debug)
 * @large_allocs: (out) kmallocs served straight from the pool, live
 * @large_pages: (out) pages they hold
 * @invalid_kfree: (out) kfree() calls on memory that is not ours
 * @shrink_pages: (out) pages given back by shrinking since load
 */
struct aether_slub_info {
	__u32 size;
	__u32 nr_caches;
	__u32 nr_kmalloc;
	__u32 kmalloc_max;
	__u32 kmalloc_sizes[AETHER_SLUB_NR_KMALLOC];
	__u32 empty_max;
	__u32 debug_flags;
	__u64 large_allocs;
	__u64 large_pages;
	__u64 invalid_kfree;
	__u64 shrink_pages;
};

/**
 * struct aether_slub_shrink - AETHER_SLUB_IOC_SHRINK (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_slub_shrink)
 * @id:		(in) a cache of this fd, or 0 for every cache
 * @pages:	(out) pages given back to the pool
 *
 * Empties the CPUs' object arrays, then gives every empty slab back.
 */
struct aether_slub_shrink {
	__u32 size;
	__u32 id;
	__u64 pages;
};

/**
 * struct aether_slub_validate - AETHER_SLUB_IOC_VALIDATE
 * @size:	(in) sizeof(struct aether_slub_validate)
 * @id:		(in) a cache of this fd
 * @errors:	(out) problems found (each also reported and counted)
 * @__reserved0: must be zero
 *
 * Walks every slab: free lists, counts and, as the cache's debug flags
 * allow, red zones and poison of every object.  One slab at a time: the
 * kernel takes and drops the node's lock around each slab, so a big
 * cache never keeps interrupts off for long.
 */
struct aether_slub_validate {
	__u32 size;
	__u32 id;
	__u32 errors;
	__u32 __reserved0;
};

/* struct aether_slub_bench.op */
enum aether_slub_bench_op {
	AETHER_SLUB_BENCH_PAIR = 0,	/* alloc+free pairs */
	AETHER_SLUB_BENCH_BULK = 1,	/* bulk alloc of @batch, bulk free */
	AETHER_SLUB_BENCH_CROSS = 2,	/* alloc @batch, the next CPU frees */
	AETHER_SLUB_NR_BENCH = 3,
};

/* struct aether_slub_bench.flags */
#define AETHER_SLUB_BENCH_ZERO		(1U << 0) /* zero objects, as init_on_alloc */
#define AETHER_SLUB_BENCH_FLAGS		0x1U

/**
 * struct aether_slub_bench - AETHER_SLUB_IOC_BENCH (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_slub_bench)
 * @op:		(in) AETHER_SLUB_BENCH_*
 * @object_size: (in) 8..4096
 * @batch:	(in) objects per bulk call or hand-off (BULK, CROSS:
 *		1..256), else 0
 * @threads:	(in) 1..online CPUs (CROSS: 2..online CPUs)
 * @rounds:	(in) interleaved rounds, 1..1000
 * @flags:	(in) AETHER_SLUB_BENCH_*
 * @__reserved0: must be zero
 * @iterations:	(in) objects per round per thread, 1..1000000
 * @aslub_ns:	(out) mean ns per object (alloc and free) here, x1000
 * @kernel_ns:	(out) the same through a kmem_cache of Linux, x1000
 * @ratio:	(out) aslub_ns / kernel_ns, x1000
 * @kernel_zeroes: (out) 1 when Linux zeroes every object (init_on_alloc)
 * @__reserved1: must be zero
 */
struct aether_slub_bench {
	__u32 size;
	__u32 op;
	__u32 object_size;
	__u32 batch;
	__u32 threads;
	__u32 rounds;
	__u32 flags;
	__u32 __reserved0;
	__u64 iterations;
	__u64 aslub_ns;
	__u64 kernel_ns;
	__u64 ratio;
	__u32 kernel_zeroes;
	__u32 __reserved1;
};

#define AETHER_SLUB_IOC_INFO	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x00, struct aether_slub_info)
#define AETHER_SLUB_IOC_CREATE	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x01, struct aether_slub_create)
#define AETHER_SLUB_IOC_DESTROY	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x02, struct aether_slub_destroy)
#define AETHER_SLUB_IOC_ALLOC	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x03, struct aether_slub_alloc)
#define AETHER_SLUB_IOC_FREE	_IOW(AETHER_SLUB_IOC_MAGIC, 0x04, struct aether_slub_free)
#define AETHER_SLUB_IOC_FILL	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x05, struct aether_slub_fill)
#define AETHER_SLUB_IOC_OBJ_INFO _IOWR(AETHER_SLUB_IOC_MAGIC, 0x06, struct aether_slub_obj_info)
#define AETHER_SLUB_IOC_TRIGGER	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x07, struct aether_slub_trigger)
#define AETHER_SLUB_IOC_CACHE_STATS \
	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x08, struct aether_slub_cache_stats)
#define AETHER_SLUB_IOC_SHRINK	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x09, struct aether_slub_shrink)
#define AETHER_SLUB_IOC_VALIDATE _IOWR(AETHER_SLUB_IOC_MAGIC, 0x0a, struct aether_slub_validate)
#define AETHER_SLUB_IOC_BENCH	_IOWR(AETHER_SLUB_IOC_MAGIC, 0x0b, struct aether_slub_bench)

#endif /* _UAPI_LINUX_AETHER_SLUB_H */
