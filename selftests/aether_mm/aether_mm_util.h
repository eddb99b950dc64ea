/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_mm_util.h - helpers shared by the aether_mm selftests
 *
 * Thin wrappers around the /dev/aether_mm ioctls that fill in @size and
 * return 0 or -errno, so that a test can say ASSERT_EQ(-EINVAL, ...).
 * Nothing here knows about the kselftest harness: a helper that fails
 * returns an error and the test decides what it means.
 */
#ifndef AETHER_MM_UTIL_H
#define AETHER_MM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/aether_mm.h>

#include "aether_test.h"	/* selftests/lib */

#define AEMT_DEV		"/dev/aether_mm"
#define AEMT_DEBUGFS		"/sys/kernel/debug/aether/mm"
#define AEMT_PATTERN_MUL	0x9e3779b97f4a7c15ULL
#define AEMT_ALL_ZONES		AETHER_MM_ZONE_NORMAL	/* highest zone */

#define AEMT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * 6.1's harness runs the test body even after SKIP() in FIXTURE_SETUP;
 * newer ones (which have FIXTURE_TEARDOWN_PARENT) stop after setup.  Leave
 * the test process with the harness's skip status on the old one.
 */
#ifdef FIXTURE_TEARDOWN_PARENT
#define AEMT_SETUP_SKIP(fmt, ...)	SKIP(return, fmt, ##__VA_ARGS__)
#else
#define AEMT_SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)
#endif

/*
 * In a FIXTURE_SETUP: open /dev/aether_mm into @fd, or skip the test when
 * aether_mm is not loaded.
 */
#define AEMT_SETUP_OPEN(fd)						\
do {									\
	(fd) = aemt_open();						\
	if ((fd) == -ENOENT)						\
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded",	\
				AEMT_DEV);				\
	ASSERT_LE(0, (fd));						\
} while (0)

/*
 * A fixture with one variant per NUMA node (0 and 1): an open fd and the
 * pool's POOL_INFO; skips when the device or the node is absent.  The
 * includer has kselftest_harness.h.
 */
#define AEMT_NODE_FIXTURE(name)						\
FIXTURE(name) {								\
	int fd;								\
	struct aether_mm_pool_info pi;					\
};									\
FIXTURE_VARIANT(name) {							\
	int node;							\
};									\
FIXTURE_VARIANT_ADD(name, node0) {					\
	.node = 0,							\
};									\
FIXTURE_VARIANT_ADD(name, node1) {					\
	.node = 1,							\
};									\
FIXTURE_SETUP(name)							\
{									\
	AEMT_SETUP_OPEN(self->fd);					\
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));		\
	if (variant->node >= (int)self->pi.nr_nodes)			\
		AEMT_SETUP_SKIP("pool has %u node(s)", self->pi.nr_nodes); \
}									\
FIXTURE_TEARDOWN(name)							\
{									\
	if (self->fd >= 0)						\
		close(self->fd);					\
}

/* A growing list of blocks held by one fd, with their BLOCK_INFO. */
struct aemt_blocks {
	__u64 *handles;
	struct aether_mm_block_info *info;
	size_t nr;
	size_t cap;
};

/* Write @val to the file @path (sysfs, debugfs): 0 or -errno. */
int aemt_write_file(const char *path, const char *val);
int aemt_open(void);
int aemt_ioctl(int fd, unsigned long cmd, void *arg);

int aemt_pool_info(int fd, struct aether_mm_pool_info *pi);
int aemt_zone_stats(int fd, __u32 node, __u32 zone,
		    struct aether_mm_zone_stats *zs);
int aemt_stats(int fd, struct aether_mm_stats *st);
int aemt_frag(int fd, __u32 node, __u32 zone, struct aether_mm_frag *fr);

int aemt_alloc(int fd, __u32 flags, __u32 order, int node, __u32 zone,
	       __u32 mt, __u64 *handles, __u32 *count);
int aemt_alloc1(int fd, __u32 flags, __u32 order, int node, __u32 zone,
		__u64 *handle);
int aemt_free(int fd, const __u64 *handles, __u32 count);
int aemt_free1(int fd, __u64 handle);
int aemt_block_info(int fd, __u64 handle, struct aether_mm_block_info *bi);
int aemt_fill(int fd, __u64 handle, __u64 seed);
int aemt_verify(int fd, __u64 handle, __u64 seed, __u64 *mismatches);

int aemt_set_policy(int fd, __u32 mode, __u64 nodemask);
int aemt_get_policy(int fd, __u32 *mode, __u64 *nodemask);
int aemt_reserve(int fd, __u64 pfn, __u64 nr_pages, __u64 *id);
int aemt_unreserve(int fd, __u64 id);
int aemt_drain(int fd);

/* Pool-wide helpers. */
int aemt_settle(int fd);
int aemt_drop_caches(void);
__u64 aemt_node_buddy_free(int fd, __u32 node);
int aemt_largest_zone(int fd, __u32 node);

/* Block lists. */
int aemt_blocks_add(struct aemt_blocks *b, __u64 handle);
int aemt_blocks_info(int fd, struct aemt_blocks *b);
int aemt_blocks_free_all(int fd, struct aemt_blocks *b);
void aemt_blocks_release(struct aemt_blocks *b);
int aemt_fill_until_enomem(int fd, __u32 flags, __u32 order, int node,
			   __u32 zone, struct aemt_blocks *b, size_t limit);
void aemt_blocks_sort_pfn(struct aemt_blocks *b);

/* CPUs and nodes. */
int aemt_nr_cpus(void);
int aemt_pin_cpu(int cpu);
int aemt_cpu_node(int cpu);
/* cpu_of_node[n]: the first CPU of node n, -1 for a node without one. */
void aemt_cpus_of_nodes(int cpu_of_node[AETHER_MM_MAX_NODES]);

/* See selftests/lib/aether_test.h. */
#define AEMT_HELPER_FAILED	AET_HELPER_FAILED

/* Capabilities: run @fn in a child without CAP_SYS_ADMIN. */
int aemt_drop_sys_admin(void);
int aemt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg);

/*
 * The box's users (scripts/box.sh): alice is in the group "aether" that
 * owns the devices (mode 0660), mallory is not.
 */
#define AEMT_AETHER_GID		AET_AETHER_GID
#define AEMT_MAX_GROUPS		AET_MAX_GROUPS

/* A user of the box: selftests/lib's struct aet_user. */
#define aemt_user		aet_user

extern const struct aemt_user aemt_alice;
extern const struct aemt_user aemt_mallory;

/* Root, and the box has @u: a test may run as it (else SKIP). */
bool aemt_can_run_as(const struct aemt_user *u);
int aemt_run_as(const struct aemt_user *u, int (*fn)(void *arg), void *arg);

/*
 * Regions.  aemt_region_args() fills a create request with the common
 * case (read-write, LOCAL policy, normal tier, no guard, no name) for the
 * test to adjust; aemt_region_new() creates one and returns its fd.
 */
void aemt_region_args(struct aether_mm_region_create *c, __u32 flags,
		      __u64 length);
int aemt_region_create(int fd, struct aether_mm_region_create *c);
int aemt_region_new(int fd, __u32 flags, __u64 length);
int aemt_region_open(int fd, const char *name, __u32 flags, __u64 *id);
int aemt_region_list(int fd, __u64 *ids, __u32 *count, __u32 *total);
int aemt_region_info(int rfd, struct aether_mm_region_info *ri);
int aemt_region_query(int rfd, const volatile void *addr,
		      struct aether_mm_region_query *q);
int aemt_region_checksum(int rfd, __u64 offset, __u64 length, __u32 *crc);
void *aemt_region_map(int rfd, size_t length, int prot);

/* Pool pages neither free nor reserved, per-CPU lists drained first. */
int aemt_used_pages(int fd, __u64 *used);
/*
 * aemt_used_pages() until it is down to @want, for 30 s at most: a region
 * closed by its last user goes when a background walk (aether_kaccessd's
 * pass, a reclaim or cold walk) that holds it lets it go, at its next
 * look.  The last reading in *@used; the number of 100 ms waits, or
 * -errno.
 */
int aemt_used_pages_back_to(int fd, __u64 want, __u64 *used);

/*
 * Run @fn(@arg) in a forked child that exits with its return value;
 * returns the child's wait status, or -errno when it could not be run.
 */
int aemt_run_child(int (*fn)(void *arg), void *arg);

/* Contents. */
__u32 aemt_crc32(const void *buf, size_t len);
void aemt_pattern(void *buf, size_t len, __u64 seed);
__u64 aemt_block_bytes(const struct aether_mm_pool_info *pi, __u32 order);

/* mm/vmstat.c fragmentation indices, from a FRAG answer. */
int aemt_unusable_index(const struct aether_mm_frag *fr, unsigned int order);
int aemt_extfrag_index(const struct aether_mm_frag *fr, unsigned int order);

/*
 * The share table takes one merge engine at a time.  A test of the core's
 * side (debugfs share_naive) sets aether_dedupe aside for the run of its
 * program: aemt_dedupe_away() unloads it when it is loaded (remembering
 * its parameters), aemt_dedupe_back() loads it again from the box's
 * module directory and gives /dev/aether_dedupe the group and mode of
 * /dev/aether_mm.  Both 0 or -errno; back() does nothing in a process
 * other than the one that called away(), nor when nothing was unloaded.
 * aemt_dedupe_ko() writes the path back() loads it from: 0 when it is
 * there, else -errno.
 */
int aemt_dedupe_away(void);
int aemt_dedupe_back(void);
int aemt_dedupe_ko(char *path, size_t len);

/*
 * The policy table takes one backend at a time: a test of the core's side
 * (debugfs policy_count) sets aether_qos aside for its run in the same
 * way, when the box loaded it (absent, nothing to do).
 */
int aemt_qos_away(void);
int aemt_qos_back(void);

/*
 * Our modules as the box installs them (modules_install under
 * /lib/modules/REL/updates/aether, depmod): aemt_module_file() writes
 * where module @name lies, from modules.dep; aemt_module_load() loads
 * that file with @params (a compressed one too).  Both 0 or -errno.
 */
#define AEMT_MODULE_INIT_COMPRESSED_FILE	4	/* MODULE_INIT_COMPRESSED_FILE */
int aemt_module_file(const char *name, char *path, size_t len);
int aemt_module_load(const char *path, const char *params);

#endif /* AETHER_MM_UTIL_H */
