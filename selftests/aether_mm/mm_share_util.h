/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm_share_util.h - helpers of the share-table tests (mm_share_test,
 * mm_share_core_test): the naive engine's debugfs commands, the share
 * statistics, and small MERGEABLE regions mapped read-write.
 */
#ifndef MM_SHARE_UTIL_H
#define MM_SHARE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "aether_mm_util.h"

#define MSH_NAIVE	AEMT_DEBUGFS "/share_naive"
#define MSH_SHARE	AEMT_DEBUGFS "/share"
#define MSH_NPAGES	8	/* pages of a region of msh_region_make() */

/* A MERGEABLE region of MSH_NPAGES, mapped read-write. */
struct msh_region {
	int fd;
	__u64 id;
	unsigned char *map;
};

/* A command to the naive engine (printf format): 0 or -errno. */
int msh_naive(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The line "@key N" of debugfs file @path, or -1. */
long msh_stat_of(const char *path, const char *key);
long msh_share_stat(const char *key);

int msh_region_make(int fd, size_t page, __u32 flags, struct msh_region *r);
void msh_region_drop(size_t page, struct msh_region *r);
/* Page @i of @r gets, or holds, pattern @seed. */
void msh_fill(struct msh_region *r, size_t page, int i, __u64 seed);
bool msh_holds(struct msh_region *r, size_t page, int i, __u64 seed);
int msh_query(struct msh_region *r, size_t page, int i,
	      struct aether_mm_region_query *q);
__u64 msh_frame_of(struct msh_region *r, size_t page, int i);
__u64 msh_resident_of(struct msh_region *r);

/*
 * share_naive needs the share table to itself: a program using it sets
 * aether_dedupe, when the box loaded it, aside for its run and loads it
 * again at its end (aemt_dedupe_away(), aemt_dedupe_back()); a failed
 * reload fails the program, the suite after it expecting the module.
 */
#define MSH_DEDUPE_ASIDE()						\
static void __attribute__((constructor)) msh_dedupe_away(void)		\
{									\
	int ret = aemt_dedupe_away();					\
									\
	if (ret)							\
		fprintf(stderr, "# aether_dedupe stays loaded: %s\n",	\
			strerror(-ret));				\
}									\
									\
static void __attribute__((destructor)) msh_dedupe_back(void)		\
{									\
	int ret = aemt_dedupe_back();					\
									\
	if (ret) {							\
		fprintf(stderr, "# aether_dedupe not loaded again: %s\n", \
			strerror(-ret));				\
		_exit(1);						\
	}								\
}

/*
 * In a FIXTURE_SETUP whose fixture has page, fd and regions a and b:
 * the page size, no region yet, /dev/aether_mm open, and share_naive
 * writable, or the test is skipped (aether_mm absent, not root, no
 * debugfs).
 */
#define MSH_SETUP_OPEN(self)						\
do {									\
	(self)->page = (size_t)sysconf(_SC_PAGESIZE);			\
	(self)->a.fd = (self)->b.fd = -1;				\
	AEMT_SETUP_OPEN((self)->fd);					\
	if (access(MSH_NAIVE, W_OK))					\
		AEMT_SETUP_SKIP("%s: needs root and debugfs", MSH_NAIVE); \
} while (0)

#endif /* MM_SHARE_UTIL_H */
