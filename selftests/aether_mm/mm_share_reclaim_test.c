// SPDX-License-Identifier: GPL-2.0
/*
 * mm_share_reclaim_test.c - reclaim stores a cold shared page once
 *
 * Two regions (PRIVATE, MERGEABLE and COMPRESSIBLE) hold one equal page;
 * the naive engine (debugfs aether/mm/share_naive) merges them into one
 * shared frame; aether_kaccessd lets it cool; reclaim (debugfs
 * aether/mm/reclaim) stores it into the loopback store with its copies in
 * pool pages (store_loopback 2, whose pages debugfs reclaim counts as
 * loopback_pool_pages): ONE copy for both users, the shared frame gone.
 * Then: both read identical bytes back (one load, one shared frame
 * again); a write unshares correctly; unmerge, engine removal, region
 * close, store removal and fork while stored each leave the right bytes
 * and no copy behind; a page touched between scans is not stored; a pool
 * that runs out stores it too (through reclaim's work item).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_share_util.h"
#include "mm_region_util.h"
#include "kselftest_harness.h"

#define NAIVE		MSH_NAIVE
#define RECLAIM		AEMT_DEBUGFS "/reclaim"
#define LOOPBACK	AEMT_DEBUGFS "/store_loopback"
#define FLAGS		(AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_MERGEABLE | \
			 AETHER_MM_REGION_COMPRESSIBLE)
#define SEED		0x5eed

static long copies(void)
{
	return msh_stat_of(RECLAIM, "loopback_pool_pages");
}

static __u32 state_of(struct msh_region *r, size_t page, int i)
{
	struct aether_mm_region_query q;

	if (msh_query(r, page, i, &q))
		return ~0U;
	return q.state;
}

FIXTURE(sr) {
	int fd;
	size_t page;
	struct aet_params params;
	struct msh_region a, b;
	long copies0, stored0;
};

FIXTURE_SETUP(sr)
{
	MSH_SETUP_OPEN(self);
	if (access(LOOPBACK, W_OK))
		AEMT_SETUP_SKIP("%s: needs root and debugfs", LOOPBACK);
	ASSERT_EQ(0, aet_params_save(AEMT_MODULE, &self->params));
	/* Another store (aether_zram's) registered: no loopback. */
	if (aemt_write_file(LOOPBACK, "2"))
		AEMT_SETUP_SKIP("store_loopback 2 refused: another store is registered");
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, FLAGS, &self->a));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, FLAGS, &self->b));
	/* Page 0 only, equal on both sides: one shared frame. */
	msh_fill(&self->a, self->page, 0, SEED);
	msh_fill(&self->b, self->page, 0, SEED);
	ASSERT_EQ(0, msh_naive("scan"));
	ASSERT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->a, self->page, 0));
	ASSERT_EQ(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
	ASSERT_EQ(0, msh_resident_of(&self->a));
	self->copies0 = copies();
	self->stored0 = msh_share_stat("stored");
	ASSERT_LE(0, self->copies0);
	ASSERT_LE(0, self->stored0);
}

FIXTURE_TEARDOWN(sr)
{
	msh_region_drop(self->page, &self->a);
	msh_region_drop(self->page, &self->b);
	msh_naive("off");
	aemt_write_file(LOOPBACK, "0");
	AEMT_PARAMS_RESTORE(&self->params);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Let the shared page cool (no process touches it for a few access
 * scans), then reclaim: it is stored once, both slots read STORED.
 */
static void store_shared(struct __test_metadata *_metadata,
			 FIXTURE_DATA(sr) *self)
{
	long outs = msh_share_stat("store_outs");

	ASSERT_EQ(0, scan_times(self->a.id, 3));
	ASSERT_EQ(0, aemt_write_file(RECLAIM, "16"));
	ASSERT_EQ(outs + 1, msh_share_stat("store_outs"));
	ASSERT_EQ(self->stored0 + 1, msh_share_stat("stored"));
	/* One copy in the store for both users. */
	ASSERT_EQ(self->copies0 + 1, copies());
	ASSERT_EQ(AETHER_MM_PAGE_STORED, state_of(&self->a, self->page, 0));
	ASSERT_EQ(AETHER_MM_PAGE_STORED, state_of(&self->b, self->page, 0));
}

TEST_F(sr, a_cold_shared_page_is_stored_once_and_read_back_by_both)
{
	long ins = msh_share_stat("store_ins");
	__u64 fa;

	store_shared(_metadata, self);
	/* The first read loads it back, once, into a shared frame again. */
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_EQ(ins + 1, msh_share_stat("store_ins"));
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->a, self->page, 0));
	/* The other user maps that frame at its next fault: no load. */
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(ins + 1, msh_share_stat("store_ins"));
	fa = msh_frame_of(&self->a, self->page, 0);
	EXPECT_NE(0, fa);
	EXPECT_EQ(fa, msh_frame_of(&self->b, self->page, 0));
	EXPECT_EQ(0, msh_resident_of(&self->a));
	EXPECT_EQ(0, msh_resident_of(&self->b));
}

TEST_F(sr, a_hot_shared_page_is_not_stored)
{
	long outs = msh_share_stat("store_outs");

	/* Touched between the scans: never cold enough. */
	ASSERT_EQ(0, scan_times(self->a.id, 1));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	ASSERT_EQ(0, scan_times(self->a.id, 1));
	ASSERT_EQ(0, aemt_write_file(RECLAIM, "16"));
	EXPECT_EQ(outs, msh_share_stat("store_outs"));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->a, self->page, 0));
}

TEST_F(sr, a_write_to_a_stored_shared_page_unshares_it)
{
	store_shared(_metadata, self);
	self->a.map[10] ^= 0xff;
	EXPECT_EQ(AETHER_MM_PAGE_OWN, state_of(&self->a, self->page, 0));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	self->a.map[10] ^= 0xff;
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	/* b still reads the shared bytes, from the frame loaded back. */
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->b, self->page, 0));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
}

TEST_F(sr, unmerge_while_stored_gives_each_user_its_copy)
{
	store_shared(_metadata, self);
	ASSERT_EQ(0, msh_naive("unmerge"));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
	EXPECT_EQ(AETHER_MM_PAGE_OWN, state_of(&self->a, self->page, 0));
	EXPECT_EQ(AETHER_MM_PAGE_OWN, state_of(&self->b, self->page, 0));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_NE(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
}

TEST_F(sr, engine_removal_while_stored_unmerges)
{
	store_shared(_metadata, self);
	ASSERT_EQ(0, msh_naive("off"));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(1, msh_resident_of(&self->a));
}

TEST_F(sr, close_while_stored_releases_the_copy_with_the_last_user)
{
	store_shared(_metadata, self);
	msh_region_drop(self->page, &self->a);
	/* b still uses it: the copy stays. */
	EXPECT_EQ(self->copies0 + 1, copies());
	EXPECT_EQ(self->stored0 + 1, msh_share_stat("stored"));
	msh_region_drop(self->page, &self->b);
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
}

TEST_F(sr, a_user_left_alone_reads_the_stored_page_back)
{
	store_shared(_metadata, self);
	msh_region_drop(self->page, &self->a);
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(self->copies0, copies());
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
}

TEST_F(sr, store_removal_while_stored_brings_it_back)
{
	store_shared(_metadata, self);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK, "0"));
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->a, self->page, 0));
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, state_of(&self->b, self->page, 0));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
}

/*
 * When the pool runs out, its reclaim (inside the failing allocation,
 * which may hold a slot lock) queues the storing of cold shared frames
 * for a work item, which stores this one.  The loopback keeps its copies
 * in Linux's memory here (1): the pool has no page for one.
 */
TEST_F_TIMEOUT(sr, pool_pressure_stores_a_cold_shared_page, 180)
{
	long outs = msh_share_stat("store_outs");
	struct aemt_blocks b = { 0 };
	int mm, i;

	ASSERT_EQ(0, aemt_write_file(LOOPBACK, "0"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK, "1"));
	ASSERT_EQ(0, scan_times(self->a.id, 3));
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, aemt_fill_until_enomem(mm, AETHER_MM_ALLOC_NOGROW, 0, -1,
					    AETHER_MM_ZONE_NORMAL, &b,
					    SIZE_MAX));
	/* The work runs right after the reclaim that queued it. */
	for (i = 0; i < 3000 && msh_share_stat("store_outs") == outs; i++)
		usleep(10 * 1000);
	EXPECT_EQ(outs + 1, msh_share_stat("store_outs"));
	EXPECT_EQ(AETHER_MM_PAGE_STORED, state_of(&self->a, self->page, 0));
	EXPECT_EQ(AETHER_MM_PAGE_STORED, state_of(&self->b, self->page, 0));
	close(mm);		/* the pool gets its pages back */
	aemt_blocks_release(&b);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
	EXPECT_EQ(self->stored0, msh_share_stat("stored"));
}

/* The child reads the stored page, writes its own copy, reads it again. */
static int child_reads_and_writes(void *arg)
{
	struct msh_region *a = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!msh_holds(a, page, 0, SEED))
		return 1;
	a->map[0] ^= 0xff;
	a->map[0] ^= 0xff;
	return msh_holds(a, page, 0, SEED) ? 0 : 2;
}

TEST_F(sr, fork_while_stored_shares_the_stored_page)
{
	int status;

	store_shared(_metadata, self);
	status = aemt_run_child(child_reads_and_writes, &self->a);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, SEED));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, SEED));
	EXPECT_EQ(self->copies0, copies());
}

MSH_DEDUPE_ASIDE()

TEST_HARNESS_MAIN
