/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_dedupe.h - userspace interface of Aether's page merging
 * (/dev/aether_dedupe)
 *
 * aether_dedupe merges equal pages of the regions created
 * AETHER_MM_REGION_MERGEABLE (aether_mm.h) into one read-only frame, as
 * the kernel's KSM does for madvise(MADV_MERGEABLE) memory; a write gets
 * a private copy.  Pages merge only inside one trust domain: by default
 * the uid that created the region; an administrator may put regions
 * into a named domain (SET_DOMAIN).  Zero-filled pages, with
 * use_zero_pages, go to the zero page, the only sharing across domains.
 *
 * The conventions are those of aether_mm.h: every command takes a struct
 * whose first field is @size, the size of the struct as the caller knows
 * it (copy_struct_from_user() convention); reserved fields must be zero
 * (-EINVAL); unknown commands fail with -ENOTTY.  Fields are marked (in),
 * (out) or (in/out).
 *
 * STATUS and REGION_STATS are open to whoever holds the device (the
 * region through a region fd of the caller's own); SET and SET_DOMAIN
 * need CAP_SYS_ADMIN, as KSM's sysfs files are root's.  Merging a range
 * now is AETHER_MM_IOC_REGION_DEDUPE, on the region fd (aether_mm.h).
 *
 * Every struct has the same layout on i386 and x86-64, without implicit
 * padding (scripts/tests/uapi-layout-test.sh checks it).
 */
#ifndef _UAPI_LINUX_AETHER_DEDUPE_H
#define _UAPI_LINUX_AETHER_DEDUPE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AETHER_DEDUPE_IOC_MAGIC		0xE4

/* @run, as KSM's /sys/kernel/mm/ksm/run */
#define AETHER_DEDUPE_RUN_STOP		0	/* the scanner sleeps */
#define AETHER_DEDUPE_RUN_MERGE		1	/* the scanner runs */
#define AETHER_DEDUPE_RUN_UNMERGE	2	/* unmerge everything, then stop */

/* @advisor_mode, as KSM's advisor_mode (6.8) */
#define AETHER_DEDUPE_ADVISOR_NONE	0	/* pages_to_scan as set */
#define AETHER_DEDUPE_ADVISOR_SCAN_TIME	1	/* pages_to_scan tuned */

/**
 * struct aether_dedupe_knobs - the tunables, KSM's names and meanings
 * @run:		AETHER_DEDUPE_RUN_*
 * @pages_to_scan:	pages the scanner visits per wake-up, 1..100000
 * @sleep_millisecs:	sleep between wake-ups, 0..60000
 * @max_page_sharing:	users of one shared frame at most, 2..32768;
 *			beyond, a second shared frame of the same content
 *			(a chain).  Settable only while nothing is merged
 * @use_zero_pages:	0 or 1: zero-filled pages go to the zero page
 * @merge_across_nodes:	1: one tree for all nodes; 0: one per node, a
 *			shared frame never serves another node's pages.
 *			Settable only while nothing is merged
 * @smart_scan:		0 or 1: a page that did not merge is skipped for
 *			1, 2, 4, 8 passes, as KSM's smart_scan (6.7)
 * @advisor_mode:	AETHER_DEDUPE_ADVISOR_*
 * @advisor_target_scan_time: seconds a full scan should take, 1..3600
 * @advisor_max_cpu:	percent of one CPU the scanner may use, 1..100
 * @advisor_min_pages_to_scan: the advisor's floor, 1..100000
 * @advisor_max_pages_to_scan: the advisor's ceiling, its floor..100000
 * @stable_node_chains_prune_millisecs: how often chains are pruned,
 *			0..60000
 * @__reserved:		zero
 */
struct aether_dedupe_knobs {
	__u32 run;
	__u32 pages_to_scan;
	__u32 sleep_millisecs;
	__u32 max_page_sharing;
	__u32 use_zero_pages;
	__u32 merge_across_nodes;
	__u32 smart_scan;
	__u32 advisor_mode;
	__u32 advisor_target_scan_time;
	__u32 advisor_max_cpu;
	__u32 advisor_min_pages_to_scan;
	__u32 advisor_max_pages_to_scan;
	__u32 stable_node_chains_prune_millisecs;
	__u32 __reserved;
};

/**
 * struct aether_dedupe_counters - what the engine did, KSM's names
 * @pages_shared:	shared frames in use (KSM's stable nodes' pages)
 * @pages_sharing:	page slots mapped from a shared frame beyond the
 *			first of each: the pages saved
 * @pages_unshared:	pages seen unique, waiting in the unstable tree
 * @pages_volatile:	pages whose content changed since the last pass
 * @full_scans:		passes over every mergeable page completed
 * @pages_scanned:	pages visited, all passes
 * @pages_skipped:	pages smart scan skipped
 * @zero_pages:		pages given to the zero page (use_zero_pages)
 * @stable_node_chains:	contents with more than one shared frame
 * @stable_node_dups:	shared frames in chains
 * @general_profit:	bytes saved less the engine's metadata (may be
 *			negative)
 * @merges:		merges done (each page slot that took a frame)
 * @cow_unshares:	users that left a shared frame (writes, frees)
 * @scan_ns:		CPU time of the scanner thread, ns
 * @last_full_scan_ns:	wall time of the last full pass, ns
 * @mergeable_pages:	pages of mergeable regions at the last pass
 */
struct aether_dedupe_counters {
	__u64 pages_shared;
	__u64 pages_sharing;
	__u64 pages_unshared;
	__u64 pages_volatile;
	__u64 full_scans;
	__u64 pages_scanned;
	__u64 pages_skipped;
	__u64 zero_pages;
	__u64 stable_node_chains;
	__u64 stable_node_dups;
	__s64 general_profit;
	__u64 merges;
	__u64 cow_unshares;
	__u64 scan_ns;
	__u64 last_full_scan_ns;
	__u64 mergeable_pages;
};

/**
 * struct aether_dedupe_status - AETHER_DEDUPE_IOC_STATUS
 * @size:	(in) sizeof(struct aether_dedupe_status)
 * @__reserved0: (in) zero
 * @knobs:	(out) the tunables now (@pages_to_scan as the advisor set it)
 * @counters:	(out) the engine's figures, all domains
 */
struct aether_dedupe_status {
	__u32 size;
	__u32 __reserved0;
	struct aether_dedupe_knobs knobs;
	struct aether_dedupe_counters counters;
};

/* struct aether_dedupe_set.mask: which fields of @knobs to set */
#define AETHER_DEDUPE_SET_RUN			(1U << 0)
#define AETHER_DEDUPE_SET_PAGES_TO_SCAN		(1U << 1)
#define AETHER_DEDUPE_SET_SLEEP_MILLISECS	(1U << 2)
#define AETHER_DEDUPE_SET_MAX_PAGE_SHARING	(1U << 3)
#define AETHER_DEDUPE_SET_USE_ZERO_PAGES	(1U << 4)
#define AETHER_DEDUPE_SET_MERGE_ACROSS_NODES	(1U << 5)
#define AETHER_DEDUPE_SET_SMART_SCAN		(1U << 6)
#define AETHER_DEDUPE_SET_ADVISOR_MODE		(1U << 7)
#define AETHER_DEDUPE_SET_ADVISOR_TARGET	(1U << 8)
#define AETHER_DEDUPE_SET_ADVISOR_MAX_CPU	(1U << 9)
#define AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES	(1U << 10)
#define AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES	(1U << 11)
#define AETHER_DEDUPE_SET_PRUNE_MILLISECS	(1U << 12)
#define AETHER_DEDUPE_SET_ALL			((1U << 13) - 1)

/**
 * struct aether_dedupe_set - AETHER_DEDUPE_IOC_SET (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_dedupe_set)
 * @mask:	(in) AETHER_DEDUPE_SET_*, at least one
 * @knobs:	(in) the values of the fields in @mask; the others ignored
 *
 * All or nothing: a value out of range, or max_page_sharing or
 * merge_across_nodes while pages are merged (-EBUSY), sets none.
 * run = AETHER_DEDUPE_RUN_UNMERGE returns once every shared frame was
 * unmerged (-EINTR on a signal, -ENOMEM when the pool had no frame for a
 * private copy: the rest left merged, run 0), and leaves run 0.  It may
 * come with max_page_sharing or merge_across_nodes in one SET: the
 * unmerge goes first.  pages_to_scan is the advisor's while advisor_mode
 * is AETHER_DEDUPE_ADVISOR_SCAN_TIME (after the SET): setting it then is
 * -EINVAL, as in KSM; a change of advisor_mode resets it (the advisor's
 * floor when it starts, 100 when it stops).
 */
struct aether_dedupe_set {
	__u32 size;
	__u32 mask;
	struct aether_dedupe_knobs knobs;
};

#define AETHER_DEDUPE_DOMAIN_MAX	32	/* with its NUL */

/**
 * struct aether_dedupe_domain - AETHER_DEDUPE_IOC_SET_DOMAIN (CAP_SYS_ADMIN)
 * @size:	(in) sizeof(struct aether_dedupe_domain)
 * @region_fd:	(in) a region fd (aether_mm.h), opened for writing
 *		(-EBADF otherwise, as REGION_DEDUPE), of a region the engine
 *		merges: created MERGEABLE and not SECURE (-EINVAL otherwise)
 * @name:	(in) NUL-terminated domain name, [A-Za-z0-9_.-], 1..31
 *		bytes (-EINVAL otherwise); empty (a NUL first) puts the
 *		region back into its creator's domain
 *
 * The region's pages merge, from now on, only with pages of regions in
 * the same domain.  The region's merged pages are unmerged first: a page
 * never stays shared with a domain it left.  At most 1024 names exist at
 * once; names no region uses any more are forgotten when room is needed
 * (-ENOSPC when none can be).  A name's id is never given to another
 * name while the module is loaded.
 */
struct aether_dedupe_domain {
	__u32 size;
	__s32 region_fd;
	char name[AETHER_DEDUPE_DOMAIN_MAX];
};

/**
 * struct aether_dedupe_region_stats - AETHER_DEDUPE_IOC_REGION_STATS
 * @size:	(in) sizeof(struct aether_dedupe_region_stats)
 * @region_fd:	(in) a region fd of a region the caller created (else
 *		-EACCES; CAP_SYS_ADMIN may ask of any)
 * @pages:	(out) data pages of the region
 * @merging_pages: (out) page slots mapped from a shared frame (KSM's
 *		ksm_merging_pages)
 * @zero_pages:	(out) pages given to the zero page (KSM's ksm_zero_pages)
 * @rmap_items:	(out) pages the engine tracks (KSM's ksm_rmap_items)
 * @profit:	(out) bytes this region saves in its domain, less the
 *		engine's metadata for it (KSM's ksm_process_profit)
 * @merges:	(out) merges of this region's pages since it was created
 * @domain:	(out) its domain's name; empty for its creator's
 */
struct aether_dedupe_region_stats {
	__u32 size;
	__s32 region_fd;
	__u64 pages;
	__u64 merging_pages;
	__u64 zero_pages;
	__u64 rmap_items;
	__s64 profit;
	__u64 merges;
	char domain[AETHER_DEDUPE_DOMAIN_MAX];
};

#define AETHER_DEDUPE_IOC_STATUS \
	_IOWR(AETHER_DEDUPE_IOC_MAGIC, 0x00, struct aether_dedupe_status)
#define AETHER_DEDUPE_IOC_SET \
	_IOW(AETHER_DEDUPE_IOC_MAGIC, 0x01, struct aether_dedupe_set)
#define AETHER_DEDUPE_IOC_SET_DOMAIN \
	_IOW(AETHER_DEDUPE_IOC_MAGIC, 0x02, struct aether_dedupe_domain)
#define AETHER_DEDUPE_IOC_REGION_STATS \
	_IOWR(AETHER_DEDUPE_IOC_MAGIC, 0x03, struct aether_dedupe_region_stats)

#endif /* _UAPI_LINUX_AETHER_DEDUPE_H */
