/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_mm.h - userspace interface of the Aether page pool (/dev/aether_mm)
 *
 * Every command takes a struct whose first field is @size, the size of the
 * struct as the caller knows it (copy_struct_from_user() convention): a
 * struct that grows in a later version keeps its old fields where they
 * are; a caller's larger struct is accepted only when the bytes we do not
 * know are zero (-E2BIG otherwise, and for any size above a page); a size
 * below the first published version of the struct is -EINVAL.  The size
 * bits of the command number are ignored: @size rules.
 * Reserved fields must be zero (-EINVAL).  Unknown commands fail with
 * -ENOTTY.  Fields are marked (in), (out) or (in/out).
 *
 * A zeroed field means the default, so that a caller that memsets a
 * struct and fills what it knows gets sensible behaviour (and a field a
 * later version adds is 0 for the callers that do not know it).  Where 0
 * is not a default, the field is required and 0 is refused with -EINVAL
 * (ALLOC @count, REGION_CREATE @flags and @max_prot, the ranges of
 * REGION_CHECKSUM and REGION_MIGRATE, BENCH @threads, @rounds and
 * @iterations), or it names something the caller asks about (ZONE_STATS
 * and FRAG @node and @zone).  Two fields name node 0 when zeroed and
 * cannot change that compatibly, 0 being a valid node id: ALLOC @node
 * (the allocation starts at node 0 and falls back by distance unless
 * THISNODE; -1 follows the fd's policy) and COMPACT @node (node 0 only;
 * -1 is every node).  ALLOC @zone 0 meant "DMA only" before
 * AETHER_MM_ALLOC_ZONE and now means any zone (see struct aether_mm_alloc).
 *
 * Blocks allocated through a file descriptor are named by opaque handles,
 * and reservations by ids, valid only on that descriptor; everything it
 * holds (blocks, reservations) is given back when it is closed.
 */
#ifndef _UAPI_LINUX_AETHER_MM_H
#define _UAPI_LINUX_AETHER_MM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AETHER_MM_IOC_MAGIC		0xE1

#define AETHER_MM_MAX_NODES		8	/* nodes the interface can name */
#define AETHER_MM_NR_ORDERS		16	/* order slots in the structs */
#define AETHER_MM_MAX_BULK		4096	/* blocks per ALLOC/FREE call */

/* Zones, by physical address, as Linux names them on x86-64. */
enum aether_mm_zone {
	AETHER_MM_ZONE_DMA = 0,		/* below 16 MiB */
	AETHER_MM_ZONE_DMA32 = 1,	/* below 4 GiB */
	AETHER_MM_ZONE_NORMAL = 2,	/* the rest */
	AETHER_MM_NR_ZONES = 3,
};

/*
 * struct aether_mm_alloc.zone: any zone, the highest first.  Equal to
 * AETHER_MM_ZONE_DMA: a zeroed @zone means it unless AETHER_MM_ALLOC_ZONE
 * is set.
 */
#define AETHER_MM_ZONE_ANY		0

/* Migrate types of a block. */
enum aether_mm_migratetype {
	AETHER_MM_MT_UNMOVABLE = 0,
	AETHER_MM_MT_MOVABLE = 1,
	AETHER_MM_MT_RECLAIMABLE = 2,
	AETHER_MM_NR_MT = 3,
};

/* NUMA policy modes (struct aether_mm_policy.mode). */
enum aether_mm_policy_mode {
	AETHER_MM_POL_LOCAL = 0,	/* the calling CPU's node, then by distance */
	AETHER_MM_POL_PREFERRED = 1,	/* first node of @nodemask, then by distance */
	AETHER_MM_POL_BIND = 2,		/* only the nodes in @nodemask */
	AETHER_MM_POL_INTERLEAVE = 3,	/* round robin over @nodemask */
	AETHER_MM_NR_POL = 4,
};

/**
 * struct aether_mm_pool_info - AETHER_MM_IOC_POOL_INFO
 * @size:	(in) sizeof(struct aether_mm_pool_info)
 * @nr_nodes:	(out) NUMA nodes the pool spans (node ids 0..nr_nodes-1)
 * @max_order:	(out) largest block order the pool hands out
 * @pcp_max_order: (out) largest order served from the per-CPU lists
 * @chunk_order: (out) order of the chunks taken from Linux
 * @page_size:	(out) bytes per page
 * @tracking:	(out) 1 when allocation tracking is on
 * @__reserved0: must be zero
 * @pages_total: (out) pages in the pool, all nodes
 * @pages_free:	(out) free pages (buddy lists and per-CPU lists)
 * @pages_reserved: (out) pages held by reservations
 * @chunks:	(out) chunks in the pool
 * @chunks_grown: (out) chunks added since load beyond the initial size
 *		(elastic growth)
 * @chunks_shrunk: (out) chunks given back to Linux since load
 * @node_pages:	(out) pages per node
 * @node_free:	(out) free pages per node
 * @node_chunks_max: (out) chunk limit per node
 * @node_distance: (out) node_distance() row of each node, 10 = local
 * @node_chunks_min: (out) initial chunks per node, the shrinker's floor
 */
struct aether_mm_pool_info {
	__u32 size;
	__u32 nr_nodes;
	__u32 max_order;
	__u32 pcp_max_order;
	__u32 chunk_order;
	__u32 page_size;
	__u32 tracking;
	__u32 __reserved0;
	__u64 pages_total;
	__u64 pages_free;
	__u64 pages_reserved;
	__u64 chunks;
	__u64 chunks_grown;
	__u64 chunks_shrunk;
	__u64 node_pages[AETHER_MM_MAX_NODES];
	__u64 node_free[AETHER_MM_MAX_NODES];
	__u64 node_chunks_max[AETHER_MM_MAX_NODES];
	__u8 node_distance[AETHER_MM_MAX_NODES][AETHER_MM_MAX_NODES];
	__u64 node_chunks_min[AETHER_MM_MAX_NODES];
};

/* struct aether_mm_alloc.flags */
/* Blocks are always zeroed: ZERO is accepted and changes nothing. */
#define AETHER_MM_ALLOC_ZERO		(1U << 0) /* zero the block (no-op) */
/* @node only, no fallback; needs @node >= 0 */
#define AETHER_MM_ALLOC_THISNODE	(1U << 1)
#define AETHER_MM_ALLOC_NOGROW		(1U << 2) /* do not grow the pool */
/* may dip below the min watermark; CAP_SYS_ADMIN only (-EPERM) */
#define AETHER_MM_ALLOC_HIGH		(1U << 3)
/* @zone is the highest zone as given, AETHER_MM_ZONE_DMA (0) included */
#define AETHER_MM_ALLOC_ZONE		(1U << 4)
#define AETHER_MM_ALLOC_FLAGS		0x1fU

/**
 * struct aether_mm_alloc - AETHER_MM_IOC_ALLOC
 * @size:	(in) sizeof(struct aether_mm_alloc)
 * @flags:	(in) AETHER_MM_ALLOC_*
 * @order:	(in) block order, 0..max_order
 * @node:	(in) node to allocate on, or -1 to follow the fd's policy
 * @zone:	(in) highest zone allowed (AETHER_MM_ZONE_*); lower zones are
 *		fallbacks, as with Linux's zonelists.  0 is AETHER_MM_ZONE_ANY
 *		(every zone, NORMAL first) unless @flags has
 *		AETHER_MM_ALLOC_ZONE, which makes 0 mean "DMA only".  Before
 *		ALLOC_ZONE existed 0 always meant DMA only, so a zeroed
 *		request failed with -ENOMEM on a pool without DMA pages; 1
 *		(DMA32) and 2 (NORMAL) mean what they always did, with or
 *		without the flag.  A caller that wants DMA only and must run
 *		on older modules too passes ALLOC_ZONE and checks for
 *		-EINVAL (unknown flag).
 * @migratetype: (in) AETHER_MM_MT_*
 * @count:	(in) blocks to allocate, 1..AETHER_MM_MAX_BULK;
 *		(out) blocks allocated
 * @__reserved0: must be zero
 * @handles:	(in) user pointer to an array of @count __u64, which
 *		receives one handle per block
 *
 * Fails with -ENOMEM only when not one block could be had (or the policy
 * backend refused the first); a partial bulk allocation returns 0 with
 * @count lowered.  -EPERM for HIGH without CAP_SYS_ADMIN.  Every block is
 * zeroed, whatever the flags say.
 */
struct aether_mm_alloc {
	__u32 size;
	__u32 flags;
	__u32 order;
	__s32 node;
	__u32 zone;
	__u32 migratetype;
	__u32 count;
	__u32 __reserved0;
	__u64 handles;
};

/**
 * struct aether_mm_free - AETHER_MM_IOC_FREE
 * @size:	(in) sizeof(struct aether_mm_free)
 * @count:	(in) handles in the array, 1..AETHER_MM_MAX_BULK
 * @handles:	(in) user pointer to an array of @count __u64 handles
 *
 * All or nothing: an unknown, stale, foreign or repeated handle fails the
 * call with -ENOENT and frees nothing.
 */
struct aether_mm_free {
	__u32 size;
	__u32 count;
	__u64 handles;
};

/**
 * struct aether_mm_block_info - AETHER_MM_IOC_BLOCK_INFO
 * @size:	(in) sizeof(struct aether_mm_block_info)
 * @__reserved0: must be zero
 * @handle:	(in) handle of a block held by this fd
 * @order:	(out) its order
 * @node:	(out) its node
 * @zone:	(out) its zone
 * @migratetype: (out) the migrate type of the pageblock it came from
 * @pfn:	(out) its first page frame number, for CAP_SYS_ADMIN only (0
 *		otherwise)
 * @checksum:	(out) CRC-32 of its contents, as zlib's crc32() computes
 *		it (IEEE 802.3 polynomial, reflected, initial and final
 *		value ~0)
 */
struct aether_mm_block_info {
	__u32 size;
	__u32 __reserved0;
	__u64 handle;
	__u32 order;
	__u32 node;
	__u32 zone;
	__u32 migratetype;
	__u64 pfn;
	__u64 checksum;
};

/* struct aether_mm_fill.flags */
#define AETHER_MM_FILL_VERIFY		(1U << 0) /* compare instead of write */
#define AETHER_MM_FILL_FLAGS		0x1U

/**
 * struct aether_mm_fill - AETHER_MM_IOC_FILL
 * @size:	(in) sizeof(struct aether_mm_fill)
 * @flags:	(in) AETHER_MM_FILL_*
 * @handle:	(in) block held by this fd
 * @seed:	(in) the pattern: every 64-bit word i of the block holds
 *		seed ^ (i * 0x9e3779b97f4a7c15)
 * @mismatches:	(out) with AETHER_MM_FILL_VERIFY, words that differ
 */
struct aether_mm_fill {
	__u32 size;
	__u32 flags;
	__u64 handle;
	__u64 seed;
	__u64 mismatches;
};

/**
 * struct aether_mm_policy - AETHER_MM_IOC_SET_POLICY / AETHER_MM_IOC_GET_POLICY
 * @size:	(in) sizeof(struct aether_mm_policy)
 * @mode:	(in/out) AETHER_MM_POL_*
 * @nodemask:	(in/out) bit n = node n; ignored for LOCAL, first set bit
 *		for PREFERRED, the allowed nodes for BIND and INTERLEAVE.
 *		Every bit must name an online node of the pool.
 *
 * The policy belongs to the fd and applies to ALLOC with @node = -1.
 */
struct aether_mm_policy {
	__u32 size;
	__u32 mode;
	__u64 nodemask;
};

/**
 * struct aether_mm_reserve - AETHER_MM_IOC_RESERVE (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_mm_reserve)
 * @__reserved0: must be zero
 * @pfn:	(in) first page frame of the range; it and the whole range
 *		must lie in one chunk of the pool
 * @nr_pages:	(in) pages in the range, 1..chunk size
 * @id:		(out) reservation id for AETHER_MM_IOC_UNRESERVE
 *
 * Pages of the range that are free are taken off the free lists at once;
 * pages in use are held back when they are freed.  No page of the range is
 * handed out until the reservation ends (UNRESERVE, or close of the fd).
 * Fails with -EBUSY when the range overlaps another reservation.
 */
struct aether_mm_reserve {
	__u32 size;
	__u32 __reserved0;
	__u64 pfn;
	__u64 nr_pages;
	__u64 id;
};

/**
 * struct aether_mm_unreserve - AETHER_MM_IOC_UNRESERVE (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_mm_unreserve)
 * @__reserved0: must be zero
 * @id:		(in) reservation made through this fd
 */
struct aether_mm_unreserve {
	__u32 size;
	__u32 __reserved0;
	__u64 id;
};

/**
 * struct aether_mm_zone_stats - AETHER_MM_IOC_ZONE_STATS
 * @size:	(in) sizeof(struct aether_mm_zone_stats)
 * @node:	(in) node id
 * @zone:	(in) AETHER_MM_ZONE_*
 * @present:	(out) 1 when the pool holds pages of this node and zone
 * @managed:	(out) pages of the pool in this zone
 * @free:	(out) free pages on the buddy lists
 * @pcp:	(out) free pages on the per-CPU lists
 * @reserved:	(out) pages held by reservations
 * @wmark_min:	(out) min watermark, pages
 * @wmark_low:	(out) low watermark, pages
 * @wmark_high:	(out) high watermark, pages
 * @alloc_ok:	(out) blocks allocated from this zone
 * @alloc_fail:	(out) allocations that failed with this zone first
 * @nr_free:	(out) free blocks per order, all migrate types
 * @nr_free_mt:	(out) free blocks per migrate type and order
 */
struct aether_mm_zone_stats {
	__u32 size;
	__u32 node;
	__u32 zone;
	__u32 present;
	__u64 managed;
	__u64 free;
	__u64 pcp;
	__u64 reserved;
	__u64 wmark_min;
	__u64 wmark_low;
	__u64 wmark_high;
	__u64 alloc_ok;
	__u64 alloc_fail;
	__u64 nr_free[AETHER_MM_NR_ORDERS];
	__u64 nr_free_mt[AETHER_MM_NR_MT][AETHER_MM_NR_ORDERS];
};

/**
 * struct aether_mm_stats - AETHER_MM_IOC_STATS, event counters since load
 * @size:		(in) sizeof(struct aether_mm_stats)
 * @__reserved0:	must be zero
 * @alloc:		(out) blocks allocated
 * @free:		(out) blocks freed
 * @alloc_fail:		(out) allocations that failed
 * @pcp_hit:		(out) allocations served by a per-CPU list
 * @pcp_refill:		(out) per-CPU list refills from the buddy lists
 * @pcp_drain:		(out) per-CPU list batches given back
 * @split:		(out) blocks split
 * @merge:		(out) buddies merged
 * @mt_fallback:	(out) allocations served from another migrate type
 * @mt_steal:		(out) pageblocks that changed migrate type
 * @node_fallback:	(out) allocations served off the first node tried
 * @zone_fallback:	(out) allocations served below the first zone tried
 * @grow:		(out) chunks added to the pool
 * @shrink:		(out) chunks given back to Linux
 * @grow_fail:		(out) growth attempts Linux refused
 * @wmark_low_hit:	(out) times a zone fell below its low watermark
 */
struct aether_mm_stats {
	__u32 size;
	__u32 __reserved0;
	__u64 alloc;
	__u64 free;
	__u64 alloc_fail;
	__u64 pcp_hit;
	__u64 pcp_refill;
	__u64 pcp_drain;
	__u64 split;
	__u64 merge;
	__u64 mt_fallback;
	__u64 mt_steal;
	__u64 node_fallback;
	__u64 zone_fallback;
	__u64 grow;
	__u64 shrink;
	__u64 grow_fail;
	__u64 wmark_low_hit;
};

/**
 * struct aether_mm_frag - AETHER_MM_IOC_FRAG
 * @size:	(in) sizeof(struct aether_mm_frag)
 * @node:	(in) node id
 * @zone:	(in) AETHER_MM_ZONE_*
 * @nr_orders:	(out) valid entries of the arrays (max_order + 1)
 * @free_pages:	(out) free pages on the buddy lists of the zone
 * @free_blocks: (out) free blocks of each order
 * @unusable:	(out) unusable free space index per order, x1000
 *		(mm/vmstat.c unusable_free_index)
 * @extfrag:	(out) external fragmentation index per order, x1000,
 *		-1000 when a block of that order is free
 *		(mm/vmstat.c __fragmentation_index)
 */
struct aether_mm_frag {
	__u32 size;
	__u32 node;
	__u32 zone;
	__u32 nr_orders;
	__u64 free_pages;
	__u64 free_blocks[AETHER_MM_NR_ORDERS];
	__s32 unusable[AETHER_MM_NR_ORDERS];
	__s32 extfrag[AETHER_MM_NR_ORDERS];
};

/* struct aether_mm_bench.op */
enum aether_mm_bench_op {
	AETHER_MM_BENCH_ORDER0 = 0,	/* alloc+free pairs, order 0 */
	AETHER_MM_BENCH_ORDER3 = 1,	/* alloc+free pairs, order 3 */
	AETHER_MM_BENCH_BULK = 2,	/* bulk alloc of @batch pages, then free */
	AETHER_MM_NR_BENCH = 3,
};

/**
 * struct aether_mm_bench - AETHER_MM_IOC_BENCH (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_mm_bench)
 * @op:		(in) AETHER_MM_BENCH_*
 * @batch:	(in) pages per bulk call (BULK only, 1..512), else 0
 * @threads:	(in) 1, or 2..nr_cpus to run on that many CPUs at once
 * @rounds:	(in) interleaved rounds, 1..1000
 * @flags:	(in) AETHER_MM_BENCH_ZERO: the pool zeroes what it hands
 *		out, as Linux does when init_on_alloc is on
 * @iterations:	(in) operations per round per thread, 1..1000000
 * @pool_ns:	(out) mean ns per operation through the pool, x1000
 * @kernel_ns:	(out) mean ns per operation through Linux, x1000
 * @ratio:	(out) pool_ns / kernel_ns, x1000
 * @kernel_zeroes: (out) 1 when Linux zeroes every page it allocates
 *		(init_on_alloc), so the kernel figure includes clearing
 * @__reserved1: must be zero
 *
 * One operation is one alloc+free pair, or for BULK one page of a bulk
 * alloc and its free.  Rounds alternate pool and Linux.
 */
struct aether_mm_bench {
	__u32 size;
	__u32 op;
	__u32 batch;
	__u32 threads;
	__u32 rounds;
	__u32 flags;
	__u64 iterations;
	__u64 pool_ns;
	__u64 kernel_ns;
	__u64 ratio;
	__u32 kernel_zeroes;
	__u32 __reserved1;
};

#define AETHER_MM_BENCH_ZERO		(1U << 0)

/* ---- Regions ------------------------------------------------------------
 *
 * A region is memory of the pool that processes map.  REGION_CREATE (or
 * REGION_OPEN of a named region) returns a region fd; mmap() of that fd
 * with MAP_SHARED maps it (MAP_PRIVATE is -EINVAL: copy-on-write is the
 * region's own flag, not the mapping's).  Nothing is allocated until a
 * page is written: a read of a never-written page maps Linux's zero page.
 * The region lives as long as a region fd or a mapping of it does; then
 * every frame goes back to the pool.  A SHARED region's pages live as long
 * as the region; a process's image of a PRIVATE region lives as long as
 * that process maps it (a process that maps nothing of it sees zeroes).
 *
 * A PRIVATE region gives each process its own copy-on-write image: a
 * child created by fork() sees its parent's pages, and the first write on
 * either side copies the page into a frame of the writer's own.  A SHARED
 * region is one image for every process that maps it.
 *
 * Region fds answer the REGION_INFO, REGION_QUERY and REGION_CHECKSUM
 * commands; the other REGION_* commands go to /dev/aether_mm.
 */

/* struct aether_mm_region_create.flags */
#define AETHER_MM_REGION_PRIVATE	(1U << 0) /* copy-on-write per process */
#define AETHER_MM_REGION_SHARED		(1U << 1) /* one image; exactly one of the two */
#define AETHER_MM_REGION_HUGE		(1U << 2) /* 2 MiB ranges mapped with one PMD */
#define AETHER_MM_REGION_GUARD		(1U << 4) /* @guard_pages inaccessible pages at each end */
#define AETHER_MM_REGION_MERGEABLE	(1U << 5) /* stored for page deduplication */
#define AETHER_MM_REGION_COMPRESSIBLE	(1U << 6) /* cold pages may go to the store backend */
/*
 * SECURE: frames zeroed before first use and wiped (memzero_explicit())
 * before they go back to the pool; never merged (MERGEABLE is ignored),
 * never stored (COMPRESSIBLE is ignored), never moved by NUMA balancing
 * or compaction; mappings not inherited by fork() (unless SECURE_FORK),
 * never in core dumps, closed to get_user_pages() and /proc/<pid>/mem;
 * the data length charged to the creator's RLIMIT_MEMLOCK (-EAGAIN
 * beyond it, without CAP_IPC_LOCK); hibernation refused while any
 * exists (-EBUSY from REGION_CREATE while one is under way).  README,
 * "Secure regions".
 */
#define AETHER_MM_REGION_SECURE		(1U << 7) /* secret memory, see above */
/*
 * Without ALLOW_WX, W^X holds per image: no mapping both writable and
 * executable, and no mapping executable while another one of the image
 * (the region if SHARED, the process's view if PRIVATE) is writable, or
 * the reverse: mmap() and mprotect() fail with -EACCES (-EAGAIN when
 * another process mapping a SHARED region is busy changing its mappings).
 */
#define AETHER_MM_REGION_ALLOW_WX	(1U << 8) /* writable and executable at once */
#define AETHER_MM_REGION_CLOEXEC	(1U << 9) /* the new fd is close-on-exec */
#define AETHER_MM_REGION_QOS_GROUP	(1U << 10) /* charged to the group of @qos_fd */
#define AETHER_MM_REGION_SECURE_FORK	(1U << 11) /* with SECURE: fork() keeps mappings */
#define AETHER_MM_REGION_FLAGS		0xff7U

/* Protection bits, as PROT_READ/PROT_WRITE/PROT_EXEC. */
#define AETHER_MM_PROT_READ		(1U << 0)
#define AETHER_MM_PROT_WRITE		(1U << 1)
#define AETHER_MM_PROT_EXEC		(1U << 2)
#define AETHER_MM_PROT_ALL		0x7U

#define AETHER_MM_REGION_NAME_MAX	64	/* bytes, with the NUL */
#define AETHER_MM_REGION_MAX_GUARD	512	/* guard pages per end */
#define AETHER_MM_REGION_MAX_LIST	1024	/* ids per REGION_LIST */

/* Memory tiers: where a region's pages go when its policy is LOCAL. */
enum aether_mm_tier {
	AETHER_MM_TIER_NORMAL = 0,	/* the faulting CPU's node */
	AETHER_MM_TIER_FAST = 1,	/* the lowest-numbered node, then by distance */
	AETHER_MM_TIER_SLOW = 2,	/* the highest-numbered node, then by distance */
	AETHER_MM_NR_TIERS = 3,
};

/**
 * struct aether_mm_region_create - AETHER_MM_IOC_REGION_CREATE
 * @size:	(in) sizeof(struct aether_mm_region_create)
 * @flags:	(in) AETHER_MM_REGION_*
 * @length:	(in) bytes of data, a multiple of the page size; -ENOMEM
 *		above the pool's maximum size (pool_max_mb, all nodes)
 * @max_prot:	(in) AETHER_MM_PROT_*: what mmap() and mprotect() may ever
 *		ask for (-EACCES beyond it); must include READ
 * @tier:	(in) AETHER_MM_TIER_*
 * @pol_mode:	(in) AETHER_MM_POL_* for the region's frames
 * @guard_pages: (in) with GUARD, 1..AETHER_MM_REGION_MAX_GUARD pages at
 *		each end; else 0
 * @nodemask:	(in) as in struct aether_mm_policy
 * @name:	(in) user pointer to a NUL-terminated name of 1..63 bytes
 *		([A-Za-z0-9._-]) for a named region, or 0.  -EEXIST when a
 *		region with an open fd or mapping has it.  -EDQUOT when the
 *		caller's uid holds max_regions_per_uid regions (a module
 *		parameter) already (a closed region's place comes back when
 *		the kernel's passing references to it have gone too).
 * @fd:		(out) the region fd (O_RDWR)
 * @qos_fd:	(in) with AETHER_MM_REGION_QOS_GROUP: a group fd of
 *		aether_qos (AETHER_QOS_IOC_OPEN), the group the region is
 *		charged to instead of its creator's; else zero (-EINVAL).
 *		Was @__reserved0, always zero, before QOS_GROUP.
 * @id:		(out) region id, as REGION_LIST and debugfs show it
 * @tag:	(in) the creator's label for the region, 0 for none: REGION_INFO
 *		shows it and the memory firewall matches it (aether_qos's
 *		AETHER_QOS_FW_OBJ_TAG).  Appended: a caller whose @size is
 *		AETHER_MM_REGION_CREATE_SIZE_VER0 makes an untagged region.
 *
 * The mapping of a region fd is @guard_pages + @length / page size +
 * @guard_pages pages long; data starts at byte @guard_pages * page size
 * (REGION_INFO.data_offset).  Touching a guard page raises SIGSEGV.
 *
 * A region named into a group (QOS_GROUP): -EBADF when @qos_fd is not an
 * open fd, -EINVAL when it is not a group fd of aether_qos, -ENOENT when
 * its group was destroyed, -EPERM unless the caller may charge that group
 * (CAP_SYS_ADMIN, or the caller's effective uid owns the group's parent,
 * or the group is that uid's default group: the groups ATTACH_PID may
 * put its processes in), -EOPNOTSUPP when
 * no policy backend that knows groups (aether_qos) is loaded.  The flag
 * is not kept: REGION_INFO does not report it.
 */
struct aether_mm_region_create {
	__u32 size;
	__u32 flags;
	__u64 length;
	__u32 max_prot;
	__u32 tier;
	__u32 pol_mode;
	__u32 guard_pages;
	__u64 nodemask;
	__u64 name;
	__s32 fd;
	__s32 qos_fd;
	__u64 id;
	__u64 tag;
};

/*
 * The size of struct aether_mm_region_create before @tag: a caller built
 * then makes an untagged region (REGION_CREATE takes either size).
 */
#define AETHER_MM_REGION_CREATE_SIZE_VER0	64

/* struct aether_mm_region_open.flags */
#define AETHER_MM_REGION_OPEN_RDONLY	(1U << 0) /* O_RDONLY: no PROT_WRITE mappings */
#define AETHER_MM_REGION_OPEN_CLOEXEC	(1U << 1)
#define AETHER_MM_REGION_OPEN_FOREIGN	(1U << 2) /* the region may be another uid's */
#define AETHER_MM_REGION_OPEN_FLAGS	0x7U

/**
 * struct aether_mm_region_open - AETHER_MM_IOC_REGION_OPEN
 * @size:	(in) sizeof(struct aether_mm_region_open)
 * @flags:	(in) AETHER_MM_REGION_OPEN_*
 * @name:	(in) user pointer to the region's name
 * @fd:		(out) a new fd of the region
 * @owner:	(out) uid of the region's creator (its fsuid at CREATE), in
 *		the caller's user namespace; written whenever a live region
 *		has the name, on a refusal too (then @fd is -1 and @id 0).
 *		Was @__reserved0: its value going in is ignored
 * @id:		(out) region id
 *
 * Names are global, first come first served: anyone may create a region
 * under a name another program means to use.  So a region created by
 * another uid opens only when the caller asks for that with
 * AETHER_MM_REGION_OPEN_FOREIGN; a create-or-open that falls back to OPEN
 * without it gets -EACCES, and @owner says whose the name is.
 *
 * -ENOENT when no live region has the name (a region leaves its name as
 * its last fd or mapping goes: CREATE of the name then succeeds);
 * -EACCES when the region is another uid's and FOREIGN was not given, or
 * when the caller may not open it (the policy backend says so; without
 * one, or when it has no opinion: another uid, without CAP_SYS_ADMIN).
 */
struct aether_mm_region_open {
	__u32 size;
	__u32 flags;
	__u64 name;
	__s32 fd;
	__u32 owner;
	__u64 id;
};

/**
 * struct aether_mm_region_list - AETHER_MM_IOC_REGION_LIST
 * @size:	(in) sizeof(struct aether_mm_region_list)
 * @count:	(in) room in @ids, 0..AETHER_MM_REGION_MAX_LIST;
 *		(out) ids written
 * @total:	(out) live regions the caller sees: those created by its
 *		fsuid, every one for CAP_SYS_ADMIN
 * @__reserved0: must be zero
 * @ids:	(in) user pointer to an array of @count __u64, or 0 with
 *		@count 0 to ask only for @total
 */
struct aether_mm_region_list {
	__u32 size;
	__u32 count;
	__u32 total;
	__u32 __reserved0;
	__u64 ids;
};

/**
 * struct aether_mm_region_info - AETHER_MM_IOC_REGION_INFO, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_info)
 * @flags:	(out) AETHER_MM_REGION_* it was created with, but CLOEXEC
 *		(a property of one fd)
 * @max_prot:	(out) AETHER_MM_PROT_*
 * @tier:	(out) AETHER_MM_TIER_*
 * @id:		(out) region id
 * @length:	(out) bytes of data
 * @data_offset: (out) bytes of leading guard in a mapping of the fd
 * @resident:	(out) frames the region holds, every process's copies
 * @faults:	(out) page faults served
 * @zero_maps:	(out) pages mapped to Linux's zero page, by read faults and
 *		by prefetch
 * @cow_copies:	(out) writes that copied a shared page into a new frame
 * @cow_steals:	(out) writes that took over a page nobody else could see
 *		any more, without a copy
 * @alloc_fail:	(out) faults that failed for want of a frame (SIGBUS)
 * @predicted:	(out) pages the fault-stream predictor expected next
 * @prefetched:	(out) of those, pages mapped ahead of a fault
 * @prefetch_hits: (out) pages mapped ahead that the stream then went
 *		through (the next fault came right after them)
 * @prefetch_wasted: (out) pages mapped ahead before the stream broke off
 * @migrated:	(out) frames moved to another node (REGION_MIGRATE)
 * @nr_views:	(out) processes that map the region now
 * @nr_files:	(out) open files of the region (fds and mappings), with a
 *		REGION_CREATE or REGION_OPEN of it under way
 * @node_pages:	(out) frames per node
 * @tag:	(out) the tag given at REGION_CREATE, 0 for none; zero going in
 *		(-EINVAL).  Was @__reserved0.
 * @__reserved1: must be zero
 */
struct aether_mm_region_info {
	__u32 size;
	__u32 flags;
	__u32 max_prot;
	__u32 tier;
	__u64 id;
	__u64 length;
	__u64 data_offset;
	__u64 resident;
	__u64 faults;
	__u64 zero_maps;
	__u64 cow_copies;
	__u64 cow_steals;
	__u64 alloc_fail;
	__u64 predicted;
	__u64 prefetched;
	__u64 prefetch_hits;
	__u64 prefetch_wasted;
	__u64 migrated;
	__u32 nr_views;
	__u32 nr_files;
	__u64 node_pages[AETHER_MM_MAX_NODES];
	__u64 tag;
	__u64 __reserved1;
};

/*
 * Its counters, @resident to @migrated, are listed (name and label) in
 * linux/aether_mm_region_counters.h.
 */

/* struct aether_mm_region_query.state */
enum aether_mm_page_state {
	AETHER_MM_PAGE_NONE = 0,	/* never written: reads see zeroes */
	AETHER_MM_PAGE_OWN = 1,		/* a frame of this process's own layer */
	/*
	 * A frame other processes may see too: one of a deeper copy-on-write
	 * layer (until a write makes it own), or any frame of a SHARED region.
	 */
	AETHER_MM_PAGE_SHARED = 2,
	AETHER_MM_PAGE_GUARD = 3,	/* a guard page */
	AETHER_MM_PAGE_STORED = 4,	/* held by the store backend, no frame */
};

/* struct aether_mm_region_query.map */
#define AETHER_MM_MAP_PRESENT		(1U << 0) /* a PTE maps it now */
#define AETHER_MM_MAP_WRITE		(1U << 1) /* ... writable */
#define AETHER_MM_MAP_ZERO		(1U << 2) /* ... to the zero page */
#define AETHER_MM_MAP_HUGE		(1U << 3) /* ... by a PMD, with its 2 MiB range */

/**
 * struct aether_mm_region_query - AETHER_MM_IOC_REGION_QUERY, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_query)
 * @state:	(out) AETHER_MM_PAGE_* of the page as the caller's process
 *		sees it
 * @addr:	(in) an address of the caller inside a mapping of this fd
 * @map:	(out) AETHER_MM_MAP_*: the caller's page table entry
 * @node:	(out) node of the frame, -1 without one
 * @frame_id:	(out) opaque id of the frame, 0 without one; two processes
 *		see the same id exactly when they share the frame
 * @pfn:	(out) page frame number, for CAP_SYS_ADMIN only (else 0)
 *
 * -EFAULT when @addr is not in a mapping of this region fd's region.
 */
struct aether_mm_region_query {
	__u32 size;
	__u32 state;
	__u64 addr;
	__u32 map;
	__s32 node;
	__u64 frame_id;
	__u64 pfn;
};

/**
 * struct aether_mm_region_checksum - AETHER_MM_IOC_REGION_CHECKSUM, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_checksum)
 * @__reserved0: must be zero
 * @offset:	(in) byte offset into the data, page aligned
 * @length:	(in) bytes, page multiple, 1..AETHER_MM_CHECKSUM_MAX, within
 *		the data
 * @crc32:	(out) zlib CRC-32 of the range as the caller's process sees it
 *		(never-written pages are zeroes), computed in the kernel over a
 *		vm_map_ram() view of the frames
 * @__reserved1: must be zero
 *
 * Reads the caller's image without faulting anything in.
 */
struct aether_mm_region_checksum {
	__u32 size;
	__u32 __reserved0;
	__u64 offset;
	__u64 length;
	__u32 crc32;
	__u32 __reserved1;
};

#define AETHER_MM_CHECKSUM_MAX		(64ULL << 20)

/**
 * struct aether_mm_region_migrate - AETHER_MM_IOC_REGION_MIGRATE, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_migrate)
 * @node:	(in) the node to move the frames to, or AETHER_MM_MIGRATE_AUTO:
 *		each to the node of the CPU behind the page's last fault
 * @offset:	(in) byte offset into the data, page aligned
 * @length:	(in) bytes, page multiple, within the data
 * @migrated:	(out) frames moved: copied to a frame of @node, every page
 *		table entry of the old one zapped, the old one freed
 * @busy:	(out) frames left where they are because the kernel was
 *		using them (a REGION_CHECKSUM in flight, the merge engine
 *		reading a merged frame), or because a region or image
 *		using a merged frame is being freed
 * @failed:	(out) frames left because @node had no free page
 *
 * Moves the frames the caller's process sees in the range (frames shared
 * with other processes move for all of them, and a merged frame, one
 * frame for equal pages of several regions, for every region and process
 * mapping it; content never changes).
 * Pages never written have no frame and are not counted.
 */
#define AETHER_MM_MIGRATE_AUTO		(-1)

struct aether_mm_region_migrate {
	__u32 size;
	__s32 node;
	__u64 offset;
	__u64 length;
	__u64 migrated;
	__u64 busy;
	__u64 failed;
};

/**
 * struct aether_mm_compact - AETHER_MM_IOC_COMPACT (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_mm_compact)
 * @flags:	(in) must be zero
 * @node:	(in) node id, or -1 for every node
 * @order:	(in) order whose free blocks @free_before/@free_after count,
 *		1..max_order (AETHER_MM_IOC_POOL_INFO); 0 for the pageblock
 *		order (9, 2 MiB)
 * @scanned:	(out) pageblocks looked at
 * @isolated:	(out) pageblocks chosen to be emptied: their frames are all
 *		region pages (movable) and the zone has room for them
 * @migrated:	(out) frames moved (copied to another frame of the node,
 *		every page table entry of the old one zapped, the old freed)
 * @busy:	(out) frames left because the kernel was using them
 * @failed:	(out) frames left for want of a destination, or because
 *		they stopped being movable meanwhile
 * @freed:	(out) pageblocks wholly free afterwards
 * @free_before: (out) free blocks of @order or larger, in @order units,
 *		in the compacted zones before
 * @free_after:	(out) the same, after
 * @__reserved0: must be zero
 *
 * Compaction moves region frames (the pool's only movable pages) out of
 * pageblocks that hold few of them, so that free blocks of the pageblock
 * order form again.  Content never changes.  It never grows the pool: a
 * zone is compacted only as far as its free pages above the low watermark
 * go.  Background compaction (module parameters compact_interval_ms and
 * compact_threshold) does the same on its own; debugfs aether/mm/compact
 * has the counters of both.
 */
struct aether_mm_compact {
	__u32 size;
	__u32 flags;
	__s32 node;
	__u32 order;
	__u64 scanned;
	__u64 isolated;
	__u64 migrated;
	__u64 busy;
	__u64 failed;
	__u64 freed;
	__u64 free_before;
	__u64 free_after;
	__u64 __reserved0;
};

#define AETHER_MM_IOC_POOL_INFO	_IOWR(AETHER_MM_IOC_MAGIC, 0x00, struct aether_mm_pool_info)
#define AETHER_MM_IOC_ALLOC	_IOWR(AETHER_MM_IOC_MAGIC, 0x01, struct aether_mm_alloc)
#define AETHER_MM_IOC_FREE	_IOW(AETHER_MM_IOC_MAGIC, 0x02, struct aether_mm_free)
#define AETHER_MM_IOC_BLOCK_INFO _IOWR(AETHER_MM_IOC_MAGIC, 0x03, struct aether_mm_block_info)
#define AETHER_MM_IOC_FILL	_IOWR(AETHER_MM_IOC_MAGIC, 0x04, struct aether_mm_fill)
#define AETHER_MM_IOC_SET_POLICY _IOW(AETHER_MM_IOC_MAGIC, 0x05, struct aether_mm_policy)
#define AETHER_MM_IOC_GET_POLICY _IOWR(AETHER_MM_IOC_MAGIC, 0x06, struct aether_mm_policy)
#define AETHER_MM_IOC_RESERVE	_IOWR(AETHER_MM_IOC_MAGIC, 0x07, struct aether_mm_reserve)
#define AETHER_MM_IOC_UNRESERVE	_IOW(AETHER_MM_IOC_MAGIC, 0x08, struct aether_mm_unreserve)
#define AETHER_MM_IOC_ZONE_STATS _IOWR(AETHER_MM_IOC_MAGIC, 0x09, struct aether_mm_zone_stats)
#define AETHER_MM_IOC_STATS	_IOWR(AETHER_MM_IOC_MAGIC, 0x0a, struct aether_mm_stats)
#define AETHER_MM_IOC_FRAG	_IOWR(AETHER_MM_IOC_MAGIC, 0x0b, struct aether_mm_frag)
#define AETHER_MM_IOC_BENCH	_IOWR(AETHER_MM_IOC_MAGIC, 0x0c, struct aether_mm_bench)
/* CAP_SYS_ADMIN: give every per-CPU list back to the buddy lists. */
#define AETHER_MM_IOC_DRAIN	_IO(AETHER_MM_IOC_MAGIC, 0x0d)
#define AETHER_MM_IOC_COMPACT	_IOWR(AETHER_MM_IOC_MAGIC, 0x0e, struct aether_mm_compact)

/**
 * struct aether_mm_region_dedupe - AETHER_MM_IOC_REGION_DEDUPE, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_dedupe)
 * @flags:	(in) zero
 * @offset:	(in) byte offset into the data, page aligned
 * @length:	(in) bytes, page multiple, 1..AETHER_MM_DEDUPE_MAX, within
 *		the data
 * @merged:	(out) pages of the range that took a shared frame (or the
 *		zero page) in this call
 * @saved:	(out) bytes the call saved in the region's trust domain:
 *		frames freed less frames the new shared copies took
 * @scanned:	(out) pages of the range visited
 *
 * Merges now what it can of the range (the caller's image and the images
 * of its forks): each page with an equal page of the same trust domain
 * (aether_dedupe.h), in the region or in any other mergeable region of
 * the domain.  Needs a region created MERGEABLE (-EINVAL otherwise; a
 * SECURE region never merges), a region fd opened for writing (-EBADF),
 * of a region the caller created (-EACCES; CAP_SYS_ADMIN may merge any:
 * the figures are the owner's domain's, as REGION_STATS's), and the
 * merge engine, aether_dedupe, loaded (-ENODEV).  -EINTR on a
 * signal, with what was merged so far written back.
 */
struct aether_mm_region_dedupe {
	__u32 size;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 merged;
	__s64 saved;
	__u64 scanned;
};

#define AETHER_MM_DEDUPE_MAX		(1ULL << 32)

/*
 * struct aether_mm_region_qos.class: the reclaim classes of aether_qos
 * (AETHER_QOS_CLASS_*, the same values), and GROUP, the range's pages
 * follow the region's group again.
 */
#define AETHER_MM_QOS_NORMAL		0
#define AETHER_MM_QOS_BESTEFFORT	1	/* reclaimed first */
#define AETHER_MM_QOS_REALTIME		2	/* reclaimed last */
#define AETHER_MM_QOS_GROUP		3	/* forget the range's class */
#define AETHER_MM_QOS_NR		4
#define AETHER_MM_QOS_MAX_RANGES	64	/* classed ranges per region */

/**
 * struct aether_mm_region_qos - AETHER_MM_IOC_REGION_SET_QOS, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_qos)
 * @flags:	(in) zero
 * @offset:	(in) byte offset into the data, page aligned
 * @length:	(in) bytes, a page multiple, not 0, within the data
 * @class:	(in) AETHER_MM_QOS_*
 * @nr_ranges:	(out) classed ranges of the region after the call
 *
 * The seeds' set_memory_qos(address, size, class): when the pool runs
 * short, the pages of the range are reclaimed in the order of @class, not
 * of the region's group (BestEffort before Normal before RealTime), for
 * every image of the region (its PRIVATE copies too).  What the group's
 * min and low protect stays protected whatever the class.  Ranges are
 * kept per region, adjacent ones of one class merged: at most
 * AETHER_MM_QOS_MAX_RANGES (-ENOSPC beyond, the region unchanged).
 *
 * Needs a region fd open for writing (-EBADF), a region the caller
 * created or CAP_SYS_ADMIN (-EACCES), a region charged to a group of a
 * backend with reclaim tiers (aether_qos: -EOPNOTSUPP otherwise).
 * Without CAP_SYS_ADMIN a range may not be set above its group's class
 * (BestEffort < Normal < RealTime: -EPERM), and it never rises above the
 * group's class later either: when the group's class is lowered (or the
 * region attached to a group of a lower class, AETHER_QOS_IOC_ATTACH_REGION)
 * its pages are reclaimed at most in the group's class.  A range set with
 * CAP_SYS_ADMIN keeps its class.  -EINVAL for a bad range, class or flag.
 */
struct aether_mm_region_qos {
	__u32 size;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u32 class;
	__u32 nr_ranges;
};

/* Regions: on /dev/aether_mm ... */
#define AETHER_MM_IOC_REGION_CREATE _IOWR(AETHER_MM_IOC_MAGIC, 0x10, struct aether_mm_region_create)
#define AETHER_MM_IOC_REGION_OPEN _IOWR(AETHER_MM_IOC_MAGIC, 0x11, struct aether_mm_region_open)
#define AETHER_MM_IOC_REGION_LIST _IOWR(AETHER_MM_IOC_MAGIC, 0x12, struct aether_mm_region_list)
/* ... and on a region fd. */
#define AETHER_MM_IOC_REGION_INFO _IOWR(AETHER_MM_IOC_MAGIC, 0x20, struct aether_mm_region_info)
#define AETHER_MM_IOC_REGION_QUERY _IOWR(AETHER_MM_IOC_MAGIC, 0x21, struct aether_mm_region_query)
#define AETHER_MM_IOC_REGION_CHECKSUM \
	_IOWR(AETHER_MM_IOC_MAGIC, 0x22, struct aether_mm_region_checksum)
#define AETHER_MM_IOC_REGION_MIGRATE \
	_IOWR(AETHER_MM_IOC_MAGIC, 0x23, struct aether_mm_region_migrate)
#define AETHER_MM_IOC_REGION_DEDUPE \
	_IOWR(AETHER_MM_IOC_MAGIC, 0x24, struct aether_mm_region_dedupe)
#define AETHER_MM_IOC_REGION_SET_QOS \
	_IOWR(AETHER_MM_IOC_MAGIC, 0x25, struct aether_mm_region_qos)

/**
 * struct aether_mm_region_verify - AETHER_MM_IOC_REGION_VERIFY, on a region fd
 * @size:	(in) sizeof(struct aether_mm_region_verify)
 * @flags:	(in) must be zero
 * @offset:	(in) byte offset into the data, page aligned
 * @length:	(in) bytes, page multiple, 1..AETHER_MM_VERIFY_MAX, within
 *		the data
 * @checked:	(out) pages of the range, as the caller's process sees it,
 *		whose content was checked against the checksum the kernel
 *		took when the page went cold, went to the store or was
 *		merged (pages without one are not counted)
 * @mismatches:	(out) pages of those that did not match: each is now
 *		poisoned (a process that touches it gets SIGBUS) unless
 *		repaired
 * @repaired:	(out) pages of those repaired from a good copy
 * @poisoned:	(out) pages of the range poisoned when the call returns,
 *		found now or before
 *
 * The seeds' verify_memory_integrity(address, size).  A stored page is
 * loaded into a scratch frame to be checked (it stays stored).
 */
struct aether_mm_region_verify {
	__u32 size;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 checked;
	__u64 mismatches;
	__u64 repaired;
	__u64 poisoned;
};

#define AETHER_MM_VERIFY_MAX		(1ULL << 40)

#define AETHER_MM_IOC_REGION_VERIFY \
	_IOWR(AETHER_MM_IOC_MAGIC, 0x26, struct aether_mm_region_verify)

#endif /* _UAPI_LINUX_AETHER_MM_H */
