// SPDX-License-Identifier: GPL-2.0
/*
 * mm_share_test.c - shared (merged) frames of MERGEABLE regions
 *
 * Drives the share table of aether_mm through its naive test engine
 * (debugfs aether/mm/share_naive) and checks what processes see: equal
 * pages of two regions end on one frame (REGION_QUERY's frame id), read
 * the same bytes and are no longer the regions' own (REGION_INFO's
 * resident); a write gives the writer a private copy and leaves the other
 * side alone; fork, unregistering the engine and closing a region keep
 * every byte; a pass reaches every image of a region forked more times
 * than a scan lists on its stack; a page written between the engine's
 * copy and the merge is not merged.  The core's counters are in debugfs
 * aether/mm/share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_share_util.h"
#include "kselftest_harness.h"

#define NAIVE		MSH_NAIVE
#define NPAGES		MSH_NPAGES
#define MERGEABLE	(AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_MERGEABLE)

FIXTURE(share) {
	int fd;
	size_t page;
	struct msh_region a, b;
	long frames0, users0;
};

FIXTURE_SETUP(share)
{
	MSH_SETUP_OPEN(self);
	ASSERT_EQ(0, msh_naive("on"));
	self->frames0 = msh_share_stat("shared_frames");
	self->users0 = msh_share_stat("users");
	ASSERT_LE(0, self->frames0);
	ASSERT_LE(0, self->users0);
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, MERGEABLE, &self->a));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, MERGEABLE, &self->b));
}

FIXTURE_TEARDOWN(share)
{
	msh_region_drop(self->page, &self->a);
	msh_region_drop(self->page, &self->b);
	/* Unregistering unmerges whatever a failed test left. */
	msh_naive("off");
	if (self->fd >= 0)
		close(self->fd);
}

/* Page i of both regions holds pattern i; then a full pass. */
static int fill_and_merge(struct __test_metadata *_metadata,
			  FIXTURE_DATA(share) *self)
{
	int i;

	for (i = 0; i < NPAGES; i++) {
		msh_fill(&self->a, self->page, i, i + 1);
		msh_fill(&self->b, self->page, i, i + 1);
	}
	return msh_naive("scan");
}

TEST_F(share, equal_pages_of_two_regions_end_on_one_frame)
{
	int i;

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	EXPECT_EQ(self->frames0 + NPAGES, msh_share_stat("shared_frames"));
	EXPECT_EQ(self->users0 + 2 * NPAGES, msh_share_stat("users"));
	/* The frames are no region's: neither holds one of its own. */
	EXPECT_EQ(0, msh_resident_of(&self->a));
	EXPECT_EQ(0, msh_resident_of(&self->b));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_TRUE(msh_holds(&self->a, self->page, i, i + 1));
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
		EXPECT_NE(0, msh_frame_of(&self->a, self->page, i));
		EXPECT_EQ(msh_frame_of(&self->a, self->page, i),
			  msh_frame_of(&self->b, self->page, i));
		if (i)
			EXPECT_NE(msh_frame_of(&self->a, self->page, i - 1),
				  msh_frame_of(&self->a, self->page, i));
	}
}

TEST_F(share, a_write_unshares_the_writer_only)
{
	long left = msh_stat_of(NAIVE, "unshared");

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	ASSERT_EQ(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
	msh_fill(&self->a, self->page, 0, 100);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 100));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 1));
	EXPECT_NE(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	EXPECT_EQ(self->users0 + 2 * NPAGES - 1, msh_share_stat("users"));
	/* The engine heard of it. */
	EXPECT_EQ(left + 1, msh_stat_of(NAIVE, "unshared"));
	/* The other side writes too: the frame has no user left. */
	msh_fill(&self->b, self->page, 0, 200);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 100));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 200));
	ASSERT_EQ(0, msh_naive("scan"));	/* the engine drops it */
	EXPECT_EQ(self->frames0 + NPAGES - 1, msh_share_stat("shared_frames"));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 1, 2));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 1, 2));
}

struct fork_arg {
	struct msh_region *a;
	size_t page;
	__u64 shared_id;
};

static int child_writes(void *p)
{
	struct fork_arg *arg = p;
	int i;

	for (i = 0; i < NPAGES; i++)
		if (!msh_holds(arg->a, arg->page, i, i + 1))
			return 1;
	if (msh_frame_of(arg->a, arg->page, 0) != arg->shared_id)
		return 2;
	msh_fill(arg->a, arg->page, 0, 300);
	if (!msh_holds(arg->a, arg->page, 0, 300))
		return 3;
	if (msh_frame_of(arg->a, arg->page, 0) == arg->shared_id)
		return 4;
	return 0;
}

TEST_F(share, fork_after_merge_copies_on_write_on_each_side)
{
	struct fork_arg arg = { .a = &self->a, .page = self->page };
	int status, i;

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	arg.shared_id = msh_frame_of(&self->a, self->page, 0);
	ASSERT_EQ(arg.shared_id, msh_frame_of(&self->b, self->page, 0));
	status = aemt_run_child(child_writes, &arg);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's write left the parent and B on the shared frame. */
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 1));
	EXPECT_EQ(arg.shared_id, msh_frame_of(&self->a, self->page, 0));
	msh_fill(&self->a, self->page, 1, 400);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 1, 400));
	for (i = 0; i < NPAGES; i++)
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
}

TEST_F(share, unregistering_the_engine_unshares_everything)
{
	long unmerged = msh_share_stat("left_unmerge");
	int i;

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	ASSERT_EQ(self->users0 + 2 * NPAGES, msh_share_stat("users"));
	ASSERT_EQ(0, msh_naive("off"));
	EXPECT_EQ(0, msh_share_stat("users"));
	EXPECT_EQ(0, msh_share_stat("shared_frames"));
	EXPECT_EQ(unmerged + 2 * NPAGES, msh_share_stat("left_unmerge"));
	EXPECT_EQ(NPAGES, msh_resident_of(&self->a));
	EXPECT_EQ(NPAGES, msh_resident_of(&self->b));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_TRUE(msh_holds(&self->a, self->page, i, i + 1));
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
		EXPECT_NE(msh_frame_of(&self->a, self->page, i),
			  msh_frame_of(&self->b, self->page, i));
	}
	/* Private again: writes need no copy and stay apart. */
	msh_fill(&self->a, self->page, 2, 500);
	EXPECT_TRUE(msh_holds(&self->b, self->page, 2, 3));
	/* No engine: nothing merges. */
	EXPECT_EQ(-ENODEV, msh_naive("scan"));
}

TEST_F(share, closing_a_region_leaves_its_shared_frames)
{
	long freed = msh_share_stat("left_freed");
	int i;

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	msh_region_drop(self->page, &self->a);
	EXPECT_EQ(freed + NPAGES, msh_share_stat("left_freed"));
	EXPECT_EQ(self->users0 + NPAGES, msh_share_stat("users"));
	for (i = 0; i < NPAGES; i++)
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
	msh_region_drop(self->page, &self->b);
	EXPECT_EQ(self->users0, msh_share_stat("users"));
	/* The engine forgets frames nobody maps at its next command. */
	ASSERT_EQ(0, msh_naive("scan"));
	EXPECT_EQ(self->frames0, msh_share_stat("shared_frames"));
}

TEST_F(share, a_page_written_after_the_engine_copied_it_is_not_merged)
{
	long changed = msh_share_stat("changed");

	msh_fill(&self->a, self->page, 0, 7);
	msh_fill(&self->b, self->page, 0, 7);
	/* The engine's copy (its hash) of A's page 0... */
	ASSERT_EQ(0, msh_naive("pick %llu 0", (unsigned long long)self->a.id));
	/* ...then a write to it... */
	msh_fill(&self->a, self->page, 0, 8);
	/* ...fails the merge: the comparison under the slot lock sees it. */
	EXPECT_EQ(-EAGAIN, msh_naive("merge %llu 0",
				 (unsigned long long)self->a.id));
	EXPECT_EQ(changed + 1, msh_share_stat("changed"));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 8));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	/* B still equals the copy: it merges. */
	EXPECT_EQ(0, msh_naive("merge %llu 0", (unsigned long long)self->b.id));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 7));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 8));
	EXPECT_NE(msh_frame_of(&self->a, self->page, 0),
		  msh_frame_of(&self->b, self->page, 0));
	EXPECT_EQ(0, msh_resident_of(&self->b));
}

/*
 * A shared frame moves with every user's slot (mm_share_core_test has
 * the details): A's pages and B's stay on one frame each, on the node.
 */
TEST_F(share, a_merged_frame_moves_with_every_user_on_migration)
{
	struct aether_mm_region_migrate m = {
		.size = sizeof(m),
		.length = NPAGES * self->page,
	};
	struct aether_mm_region_query q;
	__u64 before[NPAGES];
	int i;

	ASSERT_EQ(0, fill_and_merge(_metadata, self));
	for (i = 0; i < NPAGES; i++)
		before[i] = msh_frame_of(&self->a, self->page, i);
	ASSERT_EQ(0, aemt_region_query(self->a.fd, self->a.map, &q));
	m.node = !q.node;
	if (ioctl(self->a.fd, AETHER_MM_IOC_REGION_MIGRATE, &m)) {
		if (errno == EINVAL)
			SKIP(return, "the pool has one node");
		ASSERT_EQ(0, -errno);
	}
	EXPECT_EQ(NPAGES, m.migrated);
	EXPECT_EQ(0, m.busy);
	for (i = 0; i < NPAGES; i++) {
		EXPECT_NE(before[i], msh_frame_of(&self->a, self->page, i));
		EXPECT_EQ(msh_frame_of(&self->a, self->page, i),
			  msh_frame_of(&self->b, self->page, i));
		EXPECT_TRUE(msh_holds(&self->a, self->page, i, i + 1));
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
	}
}

struct racer {
	struct msh_region *a;
	size_t page;
	int stop;
	long writes;
	long lost;
};

/*
 * Page i of A alternates between pattern i + 1 (equal to B's: mergeable)
 * and 1000 + i; each write is read back at once.  A merge that took a
 * page written after the engine looked at it would show here.
 */
static void *racer_fn(void *p)
{
	struct racer *w = p;
	__u64 seed;
	int i;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < NPAGES; i++) {
			seed = (w->writes & 1) ? 1000 + i : i + 1;
			msh_fill(w->a, w->page, i, seed);
			if (!msh_holds(w->a, w->page, i, seed))
				w->lost++;
		}
		w->writes++;
	}
	return NULL;
}

TEST_F(share, writes_racing_merges_are_never_lost)
{
	struct racer w = { .a = &self->a, .page = self->page };
	pthread_t t;
	int i, merged = 0;

	for (i = 0; i < NPAGES; i++) {
		msh_fill(&self->a, self->page, i, i + 1);
		msh_fill(&self->b, self->page, i, i + 1);
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, racer_fn, &w));
	/*
	 * 40 scans, and on until the writer has been through its pages
	 * twice: a busy host may leave its vCPU idle for the first 40.  A
	 * writer that never gets there is stuck behind the merges: failed.
	 */
	for (i = 0; i < 40 || __atomic_load_n(&w.writes, __ATOMIC_RELAXED) < 2;
	     i++) {
		ASSERT_GT(4000, i) TH_LOG("%ld rounds of writes in %d scans",
					  w.writes, i);
		ASSERT_EQ(0, msh_naive("scan"));
		merged += msh_share_stat("users") > self->users0 + NPAGES;
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.lost);
	EXPECT_LT(1, w.writes);
	for (i = 0; i < NPAGES; i++)
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
	TH_LOG("%ld rounds of writes, %d scans merged A's pages", w.writes,
	       merged);
}

TEST_F(share, a_region_not_mergeable_is_left_alone)
{
	struct msh_region c = { .fd = -1 };

	ASSERT_EQ(0, msh_region_make(self->fd, self->page,
				 AETHER_MM_REGION_PRIVATE, &c));
	msh_fill(&self->a, self->page, 0, 9);
	msh_fill(&c, self->page, 0, 9);
	ASSERT_EQ(0, msh_naive("scan"));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	EXPECT_EQ(1, msh_resident_of(&c));
	EXPECT_EQ(-ENOENT, msh_naive("pick %llu 0", (unsigned long long)c.id));
	msh_region_drop(self->page, &c);
}

/*
 * More images than a scan lists on its stack (AEM_SHARE_SCAN_LAYERS, 8):
 * FORKS children of the process mapping PRIVATE region A, each with its
 * own copy of page 0 (pattern 500), written after its fork.  A pass must
 * reach every child's image and merge the copies into one frame; the
 * parent keeps its page.  A child reports the frame it sees on @out once
 * told on @go.
 */
#define FORKS	10

static void image_child(struct msh_region *a, size_t page, int ready,
			int go, int out)
{
	__u64 id;
	char c;

	msh_fill(a, page, 0, 500);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	if (read(go, &c, 1) != 1)
		_exit(2);
	id = msh_holds(a, page, 0, 500) ? msh_frame_of(a, page, 0) : 0;
	_exit(write(out, &id, sizeof(id)) == sizeof(id) ? 0 : 3);
}

TEST_F(share, a_pass_reaches_every_image_of_a_region_forked_many_times)
{
	int ready[2], go[2], out[2], i, status;
	__u64 id, first = 0;
	pid_t pids[FORKS];
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(out));
	msh_fill(&self->a, self->page, 0, 1);
	for (i = 0; i < FORKS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			image_child(&self->a, self->page, ready[1], go[0],
				    out[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	ASSERT_EQ(0, msh_naive("scan"));
	for (i = 0; i < FORKS; i++)
		ASSERT_EQ(1, write(go[1], "g", 1));
	for (i = 0; i < FORKS; i++) {
		ASSERT_EQ(sizeof(id), read(out[0], &id, sizeof(id)));
		EXPECT_NE(0, id);
		if (!i)
			first = id;
		EXPECT_EQ(first, id) TH_LOG("child %d of %d", i, FORKS);
	}
	for (i = 0; i < FORKS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 1));
	EXPECT_NE(first, msh_frame_of(&self->a, self->page, 0));
}

MSH_DEDUPE_ASIDE()

TEST_HARNESS_MAIN

/*
 * Another user's region: made by a child that is uid 1001 (the box's bob)
 * for real, page 0 filled with the same pattern as page 0 of region a; it
 * writes the region's id to @ids, then waits for a byte on @go.
 */
struct other {
	size_t page;
	int ids[2], go[2];
};

static int other_region(void *arg)
{
	struct other *o = arg;
	struct msh_region r = { .fd = -1 };
	int fd = aemt_open();
	char c;

	if (fd < 0 || msh_region_make(fd, o->page, MERGEABLE, &r))
		return EXIT_FAILURE;
	msh_fill(&r, o->page, 0, 1);
	if (write(o->ids[1], &r.id, sizeof(r.id)) != sizeof(r.id) ||
	    read(o->go[0], &c, 1) != 1)
		return EXIT_FAILURE;
	msh_region_drop(o->page, &r);
	return 0;
}

/*
 * Pages merge within one user's regions only: a shared frame copied from
 * root's page refuses a page of bob's with the same bytes (EPERM), even
 * when the engine asks; bob's page stays his own.
 */
TEST_F(share, a_page_of_another_uid_is_never_merged)
{
	const struct aet_user bob = {
		.uid = 1001, .gid = 1001,
		.groups = { AET_AETHER_GID }, .nr_groups = 1,
	};
	struct other o = { .page = self->page };
	long merges;
	__u64 id;
	pid_t pid;

	if (!aet_can_run_as(&bob))
		SKIP(return, "needs root and the box's users");
	ASSERT_EQ(0, pipe(o.ids));
	ASSERT_EQ(0, pipe(o.go));
	msh_fill(&self->a, self->page, 0, 1);
	pid = aet_start_as(&bob, other_region, &o);
	ASSERT_LT(0, pid);
	ASSERT_EQ(sizeof(id), read(o.ids[0], &id, sizeof(id)));
	merges = msh_share_stat("merges");
	ASSERT_EQ(0, msh_naive("pick %llu 0", (unsigned long long)self->a.id));
	EXPECT_EQ(-EPERM, msh_naive("merge %llu 0", (unsigned long long)id));
	EXPECT_EQ(merges, msh_share_stat("merges"));
	/* The same engine still merges root's own page b:0 into it. */
	msh_fill(&self->b, self->page, 0, 1);
	EXPECT_EQ(0, msh_naive("merge %llu 0", (unsigned long long)self->b.id));
	ASSERT_EQ(1, write(o.go[1], "", 1));
	EXPECT_EQ(0, aet_wait(pid));
}
