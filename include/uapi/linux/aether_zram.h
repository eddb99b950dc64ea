/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_zram.h - userspace interface of the Aether compressed store and
 * its block devices (/dev/aether_zram-control, /dev/aether_zram<N>)
 *
 * The conventions are those of aether_mm.h: every command takes a struct
 * whose first field is @size, the size of the struct as the caller knows
 * it (copy_struct_from_user() convention); reserved fields must be zero
 * (-EINVAL); unknown commands fail with -ENOTTY.  Fields are marked (in),
 * (out) or (in/out).  A zeroed field means the default: ADD @algo 0 is
 * lz4, @level 0 the algorithm's default level, @disksize 0 leaves the
 * device unconfigured (as zram's hot_add: set disksize through sysfs).
 *
 * The devices are configured through sysfs exactly as the kernel's zram
 * (/sys/block/aether_zram<N>/disksize, comp_algorithm, mm_stat, ...);
 * these commands are the same operations for programs, and the ones that
 * change a device (ADD, REMOVE, RESET, COMPACT) need CAP_SYS_ADMIN, as
 * zram's sysfs files are root's.  DEV_STATS and INFO are open to whoever
 * holds the control file.
 *
 * Every struct has the same layout on i386 and x86-64, without implicit
 * padding (scripts/tests/uapi-layout-test.sh checks it).
 */
#ifndef _UAPI_LINUX_AETHER_ZRAM_H
#define _UAPI_LINUX_AETHER_ZRAM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AETHER_ZRAM_IOC_MAGIC		0xE3

#define AETHER_ZRAM_MAX_DEVICES		256	/* ids 0..255 */

/* Compression algorithms (@algo); 0 is the default, lz4. */
enum aether_zram_algo {
	AETHER_ZRAM_ALGO_DEFAULT = 0,
	AETHER_ZRAM_ALGO_LZ4 = 1,
	AETHER_ZRAM_ALGO_LZ4HC = 2,
	AETHER_ZRAM_ALGO_ZSTD = 3,
	AETHER_ZRAM_NR_ALGOS = 4,
};

/* INFO @features */
#define AETHER_ZRAM_FEAT_ZSTD_DICT	(1U << 0) /* this kernel exports zstd dictionaries */

/**
 * struct aether_zram_info - AETHER_ZRAM_IOC_INFO
 * @size:	(in) sizeof(struct aether_zram_info)
 * @nr_devices:	(out) devices that exist now
 * @features:	(out) AETHER_ZRAM_FEAT_*
 * @algos:	(out) bit n set: algorithm n can be used on this kernel
 * @store_pages: (out) pool pages held by the region store backend
 * @store_stored: (out) region pages held by the region store backend
 */
struct aether_zram_info {
	__u32 size;
	__u32 nr_devices;
	__u32 features;
	__u32 algos;
	__u64 store_pages;
	__u64 store_stored;
};

/**
 * struct aether_zram_add - AETHER_ZRAM_IOC_ADD (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_zram_add)
 * @id:		(out) N of the new /dev/aether_zram<N>
 * @algo:	(in) enum aether_zram_algo
 * @level:	(in) compression level; 0 the algorithm's default (lz4: the
 *		acceleration, 1..65537; lz4hc 1..12; zstd 1..22)
 * @disksize:	(in) bytes, rounded up to a page; 0 leaves the device
 *		unconfigured
 * @mem_limit:	(in) bytes of pool memory the store may use; 0 no limit
 * @reserved:	(in) zero
 */
struct aether_zram_add {
	__u32 size;
	__u32 id;
	__u32 algo;
	__s32 level;
	__u64 disksize;
	__u64 mem_limit;
	__u64 reserved[2];
};

/**
 * struct aether_zram_dev - AETHER_ZRAM_IOC_REMOVE, _RESET, _COMPACT
 *				(CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_zram_dev)
 * @id:		(in) N of /dev/aether_zram<N>
 * @result:	(out) COMPACT: pool pages given back; others 0
 * @reserved:	(in) zero
 */
struct aether_zram_dev {
	__u32 size;
	__u32 id;
	__u64 result;
	__u64 reserved;
};

/**
 * struct aether_zram_dev_stats - AETHER_ZRAM_IOC_DEV_STATS
 * @size:	(in) sizeof(struct aether_zram_dev_stats)
 * @id:		(in) N of /dev/aether_zram<N>
 * @initstate:	(out) 1 once disksize is set
 * @algo:	(out) enum aether_zram_algo
 * @level:	(out) its level (the default resolved)
 * @streams:	(out) compression streams (one per possible CPU)
 * @disksize:	(out) bytes
 * The nine columns of zram's mm_stat, in its order:
 * @orig_data_size, @compr_data_size, @mem_used_total, @mem_limit,
 * @mem_used_max, @same_pages, @pages_compacted, @huge_pages,
 * @huge_pages_since
 * The four of io_stat: @failed_reads, @failed_writes, @invalid_io,
 * @notify_free
 * @reserved:	(out) zero
 */
struct aether_zram_dev_stats {
	__u32 size;
	__u32 id;
	__u32 initstate;
	__u32 algo;
	__s32 level;
	__u32 streams;
	__u64 disksize;
	__u64 orig_data_size;
	__u64 compr_data_size;
	__u64 mem_used_total;
	__u64 mem_limit;
	__u64 mem_used_max;
	__u64 same_pages;
	__u64 pages_compacted;
	__u64 huge_pages;
	__u64 huge_pages_since;
	__u64 failed_reads;
	__u64 failed_writes;
	__u64 invalid_io;
	__u64 notify_free;
	__u64 reserved[4];
};

/**
 * struct aether_zram_bench - AETHER_ZRAM_IOC_BENCH (CAP_SYS_ADMIN)
 *
 * Compress the pages of @data through a store (zpage: same-filled check,
 * compressor, allocator) and through the bare library call, interleaved
 * in the same run, and report both.
 * @size:	(in) sizeof(struct aether_zram_bench)
 * @algo:	(in) enum aether_zram_algo
 * @level:	(in) level, 0 the default
 * @rounds:	(in) passes over @data, 1..1000
 * @data:	(in) user address of the corpus
 * @len:	(in) its length in bytes, a multiple of the page size,
 *		1 page .. 64 MiB
 * @ns_store:	(out) mean ns per page through the store
 * @ns_bare:	(out) mean ns per page through the bare call
 * @ratio_x1000: (out) median per-round ratio ns_store / ns_bare, x1000
 * @orig_bytes:	(out) bytes of one pass
 * @compr_bytes: (out) bytes the store held for one pass
 * @reserved:	(in) zero
 */
struct aether_zram_bench {
	__u32 size;
	__u32 algo;
	__s32 level;
	__u32 rounds;
	__u64 data;
	__u64 len;
	__u64 ns_store;
	__u64 ns_bare;
	__u64 ratio_x1000;
	__u64 orig_bytes;
	__u64 compr_bytes;
	__u64 reserved[2];
};

#define AETHER_ZRAM_IOC_INFO	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x00, struct aether_zram_info)
#define AETHER_ZRAM_IOC_ADD	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x01, struct aether_zram_add)
#define AETHER_ZRAM_IOC_REMOVE	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x02, struct aether_zram_dev)
#define AETHER_ZRAM_IOC_RESET	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x03, struct aether_zram_dev)
#define AETHER_ZRAM_IOC_COMPACT	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x04, struct aether_zram_dev)
#define AETHER_ZRAM_IOC_DEV_STATS _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x05, struct aether_zram_dev_stats)

#define AETHER_ZRAM_IOC_BENCH	 _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x06, struct aether_zram_bench)

#endif /* _UAPI_LINUX_AETHER_ZRAM_H */
