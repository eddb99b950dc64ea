// SPDX-License-Identifier: GPL-2.0
/*
 * mm_movable_test.c - compaction moves a store backend's own pool pages
 *
 * The loopback store installed as kind 2 (debugfs store_loopback) keeps
 * each stored page in a movable page of the pool, as a zsmalloc-style
 * store keeps its objects in zspages, and gives compaction a move
 * callback (struct aem_movable_ops).  Stored pages of two regions written
 * in turn fill pageblocks with copies; closing one region frees every
 * other copy; compaction must then move the copies left (debugfs reclaim
 * "loopback_moved"), free pageblocks, and each stored page must come back
 * with its bytes.  Without the callback, a pageblock holding a copy is
 * never a candidate, and nothing moves.
 *
 * The fixture saves the parameters it changes (access_interval_ms,
 * compact_interval_ms) and puts them back, and removes the loopback, in
 * its teardown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_region_util.h"
#include "kselftest_harness.h"

#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"
#define LOOPBACK_DEBUGFS AEMT_DEBUGFS "/store_loopback"
#define PAGES		1024	/* per region: two 2 MiB pageblocks */
#define SEED_A		0xa11ceULL
#define SEED_B		0xb0bULL

FIXTURE(movable) {
	int fd;
	size_t page;
	char access_interval[32];
	char compact_interval[32];
};

FIXTURE_SETUP(movable)
{
	self->page = (size_t)sysconf(_SC_PAGESIZE);
	self->access_interval[0] = 0;
	self->compact_interval[0] = 0;
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	if (access(LOOPBACK_DEBUGFS, W_OK))
		AEMT_SETUP_SKIP("no %s", LOOPBACK_DEBUGFS);
	ASSERT_EQ(0, param_read("access_interval_ms", self->access_interval,
				sizeof(self->access_interval)));
	ASSERT_EQ(0, param_read("compact_interval_ms", self->compact_interval,
				sizeof(self->compact_interval)));
	/* Only the test's own compaction moves pages. */
	ASSERT_EQ(0, param_write("compact_interval_ms", "0"));
}

FIXTURE_TEARDOWN(movable)
{
	aemt_write_file(LOOPBACK_DEBUGFS, "0");
	if (self->access_interval[0])
		param_write("access_interval_ms", self->access_interval);
	if (self->compact_interval[0])
		param_write("compact_interval_ms", self->compact_interval);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Stored pages of a region whose copies share pageblocks with freed ones
 * are moved by compaction, which frees pageblocks, and come back intact.
 */
TEST_F_TIMEOUT(movable, loopback_pool_pages_move_and_blocks_free, 280)
{
	const size_t page = self->page, len = PAGES * page;
	struct aether_mm_region_create a, b;
	struct aether_mm_compact cp;
	unsigned char *pa, *pb, *want;
	long moved0, pool0;
	char buf[32];
	size_t i;

	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "2"));
	pool0 = debugfs_counter(RECLAIM_DEBUGFS, "loopback_pool_pages");
	moved0 = debugfs_counter(RECLAIM_DEBUGFS, "loopback_moved");
	ASSERT_EQ(0, pool0);
	ASSERT_LE(0, moved0);

	aemt_region_args(&a, AETHER_MM_REGION_SHARED |
			 AETHER_MM_REGION_COMPRESSIBLE, len);
	aemt_region_args(&b, AETHER_MM_REGION_SHARED |
			 AETHER_MM_REGION_COMPRESSIBLE, len);
	ASSERT_EQ(0, aemt_region_create(self->fd, &a));
	ASSERT_EQ(0, aemt_region_create(self->fd, &b));
	pa = aemt_region_map(a.fd, len, PROT_RW);
	pb = aemt_region_map(b.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, pa);
	ASSERT_NE(MAP_FAILED, pb);
	want = malloc(page);
	ASSERT_NE(NULL, want);
	/* In turn, so that the frames, then the copies, interleave. */
	for (i = 0; i < PAGES; i++) {
		aemt_pattern(pa + i * page, page, SEED_A + i);
		aemt_pattern(pb + i * page, page, SEED_B + i);
	}
	ASSERT_EQ(0, scan_times(a.id, 3));

	/* Every page of both goes to the store: one pool page each. */
	snprintf(buf, sizeof(buf), "%d", 4 * PAGES);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(a.fd));
	ASSERT_EQ(0, resident(b.fd));
	ASSERT_EQ(2 * PAGES, debugfs_counter(RECLAIM_DEBUGFS,
					     "loopback_pool_pages"));

	/* B goes: every other copy is freed, the pageblocks half empty. */
	munmap(pb, len);
	close(b.fd);
	ASSERT_EQ(PAGES, debugfs_counter(RECLAIM_DEBUGFS,
					 "loopback_pool_pages"));

	memset(&cp, 0, sizeof(cp));
	cp.size = sizeof(cp);
	cp.node = -1;
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_COMPACT, &cp));
	TH_LOG("compaction: isolated %llu migrated %llu busy %llu failed %llu freed %llu; copies moved %ld",
	       (unsigned long long)cp.isolated,
	       (unsigned long long)cp.migrated, (unsigned long long)cp.busy,
	       (unsigned long long)cp.failed, (unsigned long long)cp.freed,
	       debugfs_counter(RECLAIM_DEBUGFS, "loopback_moved") - moved0);
	ASSERT_LT(moved0, debugfs_counter(RECLAIM_DEBUGFS, "loopback_moved"));
	ASSERT_LE(1, cp.freed);
	ASSERT_EQ(PAGES, debugfs_counter(RECLAIM_DEBUGFS,
					 "loopback_pool_pages"));

	/* Each page comes back from its copy, wherever that is now. */
	for (i = 0; i < PAGES; i++) {
		aemt_pattern(want, page, SEED_A + i);
		ASSERT_EQ(0, memcmp(pa + i * page, want, page))
			TH_LOG("page %zu differs", i);
	}
	ASSERT_EQ(PAGES, resident(a.fd));
	ASSERT_EQ(0, debugfs_counter(RECLAIM_DEBUGFS, "loopback_pool_pages"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	free(want);
	munmap(pa, len);
	close(a.fd);
}

/* The two kinds of loopback do not replace each other while installed. */
TEST_F(movable, loopback_kinds_exclude_each_other)
{
	char buf[8] = "";

	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "2"));
	ASSERT_EQ(-EBUSY, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "2"));
	ASSERT_EQ(-EINVAL, aemt_write_file(LOOPBACK_DEBUGFS, "3"));
	ASSERT_EQ(0, aet_read_file(LOOPBACK_DEBUGFS, buf, sizeof(buf)));
	ASSERT_EQ('2', buf[0]);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
}

TEST_HARNESS_MAIN
