// SPDX-License-Identifier: GPL-2.0
/*
 * qos_attach_test.c - attaching an existing region to another group
 * (AETHER_QOS_IOC_ATTACH_REGION), who may charge a group (review L5) and
 * a range's class under its group's (review L4)
 *
 *   - the region's usage moves exactly, old group and its ancestors down,
 *     new ones up, and later faults count in the new group; the old
 *     group, no longer counting the region, may be destroyed;
 *   - faults racing attaches back and forth leave both groups exact: the
 *     region's pages in the last one, none in the other, and both at 0
 *     once the region is closed;
 *   - a new group (or an ancestor) at its max refuses with -ENOMEM and
 *     the region stays where it was;
 *   - the errnos: flags, a closed fd, an fd of the wrong kind, a read-only
 *     region fd, a destroyed group;
 *   - as an unprivileged user: its own region into a group whose parent
 *     it owns and into its default group, yes; into a group it owns whose
 *     parent it does not (an admin's CREATE_OWNER group) -EPERM, as
 *     ATTACH_PID and REGION_CREATE's QOS_GROUP (L5: one rule); another
 *     user's region -EACCES;
 *   - aetherctl qos attach GROUP --region fd:N|NAME;
 *   - L4: a range set RealTime (by its owner, while the group was
 *     RealTime) is reclaimed in the BestEffort tier once the group is
 *     lowered to BestEffort: before a Normal group's pages.
 *
 * Needs aether_mm and aether_qos; the last test the loopback store and
 * root (the user of these tests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QA_PREFIX	"qa-"
#define QA_CMP		(AETHER_MM_REGION_SHARED | AETHER_MM_REGION_COMPRESSIBLE)

/* The user of these tests: a uid no other test uses. */
static const struct aet_user qa_user = {
	.uid = 4280, .gid = 4280,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(attach) {
	int fd;
	int mfd;
	struct aet_params params;
	struct aet_params mm_params;
};

FIXTURE_SETUP(attach)
{
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	ASSERT_EQ(0, aet_params_save("aether_mm", &self->mm_params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QA_PREFIX);
}

FIXTURE_TEARDOWN(attach)
{
	if (self->fd < 0)
		return;
	aqt_loopback(0);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QA_PREFIX);
	aet_params_restore(&self->params);
	aet_params_restore(&self->mm_params);
	close(self->fd);
	close(self->mfd);
}

/*
 * A region of @pages, @flags, charged to group @g (0: the creator's), its
 * fd (or -errno) and, when @p, mapped read-write at *@p; its id in *@id.
 */
static int qa_region(int fd, int mfd, __u32 flags, size_t pages, __u32 g,
		     unsigned char **p, __u64 *id)
{
	struct aether_mm_region_create c;
	int gfd = -1, ret;

	aemt_region_args(&c, flags, pages * psize());
	if (g) {
		gfd = aqt_gfd(fd, g);
		if (gfd < 0)
			return gfd;
		c.flags |= AETHER_MM_REGION_QOS_GROUP;
		c.qos_fd = gfd;
	}
	ret = aemt_region_create(mfd, &c);
	if (gfd >= 0)
		close(gfd);
	if (ret)
		return ret;
	if (id)
		*id = c.id;
	if (p) {
		*p = aemt_region_map(c.fd, pages * psize(),
				     PROT_READ | PROT_WRITE);
		if (*p == MAP_FAILED) {
			close(c.fd);
			return -ENOMEM;
		}
	}
	return c.fd;
}

/* ATTACH_REGION of @rfd to @id, @flags: 0 or -errno. */
static int qa_attach(int fd, __u32 id, int rfd, __u32 flags)
{
	struct aether_qos_attach_region a = {
		.size = sizeof(a), .id = id, .region_fd = rfd, .flags = flags,
	};

	return aet_ioctl(fd, AETHER_QOS_IOC_ATTACH_REGION, &a);
}

static long qa_usage(int fd, __u32 id)
{
	struct aether_qos_group_info gi;

	return aqt_get(fd, id, &gi) ? -1 : (long)gi.usage;
}

static long qa_regions(int fd, __u32 id)
{
	struct aether_qos_group_info gi;

	return aqt_get(fd, id, &gi) ? -1 : (long)gi.nr_regions;
}

/*
 * PA/A1 and PB/B1: a region of A1 moves to B1, with its 24 pages; both
 * trees follow; A1 then counts nothing and may go; a second attach to
 * B1 changes nothing; the pages written after count in B1; the close
 * gives all back.
 */
TEST_F(attach, usage_moves_exactly)
{
	const size_t pages = 32;
	unsigned char *p;
	__u32 pa, a1, pb, b1;
	int rfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "pa", 0, &pa));
	ASSERT_EQ(0, aqt_create(self->fd, pa, QA_PREFIX "a1", 0, &a1));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "pb", 0, &pb));
	ASSERT_EQ(0, aqt_create(self->fd, pb, QA_PREFIX "b1", 0, &b1));
	rfd = qa_region(self->fd, self->mfd, AETHER_MM_REGION_SHARED, pages,
			a1, &p, NULL);
	ASSERT_LE(0, rfd);
	aqt_write_pages(p, 0, 24, 7);
	ASSERT_EQ(24, qa_usage(self->fd, a1));
	ASSERT_EQ(24, qa_usage(self->fd, pa));
	ASSERT_EQ(0, qa_usage(self->fd, b1));

	ASSERT_EQ(0, qa_attach(self->fd, b1, rfd, 0));
	EXPECT_EQ(0, qa_usage(self->fd, a1));
	EXPECT_EQ(0, qa_usage(self->fd, pa));
	EXPECT_EQ(24, qa_usage(self->fd, b1));
	EXPECT_EQ(24, qa_usage(self->fd, pb));
	EXPECT_EQ(0, qa_regions(self->fd, a1));
	EXPECT_EQ(1, qa_regions(self->fd, b1));
	/* Already there: nothing changes. */
	ASSERT_EQ(0, qa_attach(self->fd, b1, rfd, 0));
	EXPECT_EQ(24, qa_usage(self->fd, b1));
	EXPECT_EQ(1, qa_regions(self->fd, b1));
	/* A1 no longer counts the region: it may be destroyed. */
	ASSERT_EQ(0, aqt_destroy(self->fd, a1));
	EXPECT_EQ(-EBUSY, aqt_destroy(self->fd, b1));

	/* Later faults count in B1. */
	aqt_write_pages(p, 24, pages, 7);
	EXPECT_EQ((long)pages, qa_usage(self->fd, b1));
	EXPECT_EQ((long)pages, qa_usage(self->fd, pb));
	EXPECT_EQ(0, qa_usage(self->fd, pa));
	EXPECT_EQ(0, aqt_bad_pages(p, 0, pages, 7));

	munmap(p, pages * psize());
	close(rfd);
	EXPECT_EQ(0, qa_usage(self->fd, b1));
	EXPECT_EQ(0, qa_usage(self->fd, pb));
	EXPECT_EQ(0, qa_regions(self->fd, b1));
	EXPECT_EQ(0, aqt_destroy(self->fd, b1));
}

/* Write every page of [@from, @to) of @p, @rounds times. */
static int qa_writer(unsigned char *p, size_t from, size_t to, int rounds)
{
	size_t i;
	int k;

	for (k = 0; k < rounds; k++)
		for (i = from; i < to; i++)
			p[i * psize()] = (unsigned char)(k + i);
	return 0;
}

/*
 * Two children fault the two halves of a region while the parent moves
 * it between G1 and G2, 15 times; whatever interleaving happened, the
 * last group holds every page of it and the other none, and the close
 * gives both back to 0.
 */
TEST_F_TIMEOUT(attach, concurrent_faults_stay_exact, 240)
{
	const size_t pages = 1024;
	__u32 g[2], last = 0;
	unsigned char *p;
	pid_t kid[2];
	int rfd, i, st;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "g1", 0, &g[0]));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "g2", 0, &g[1]));
	rfd = qa_region(self->fd, self->mfd, AETHER_MM_REGION_SHARED, pages,
			g[0], &p, NULL);
	ASSERT_LE(0, rfd);
	for (i = 0; i < 2; i++) {
		kid[i] = fork();
		ASSERT_LE(0, kid[i]);
		if (!kid[i])
			_exit(qa_writer(p, i * pages / 2, (i + 1) * pages / 2,
					4));
	}
	for (i = 1; i <= 15; i++) {
		last = g[i % 2];
		ASSERT_EQ(0, qa_attach(self->fd, last, rfd, 0));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(kid[i], waitpid(kid[i], &st, 0));
		ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	}
	EXPECT_EQ((long)pages, aqt_resident(rfd));
	EXPECT_EQ((long)pages, qa_usage(self->fd, last));
	EXPECT_EQ(0, qa_usage(self->fd, last == g[0] ? g[1] : g[0]));
	EXPECT_EQ(1, qa_regions(self->fd, last));
	EXPECT_EQ(0, qa_regions(self->fd, last == g[0] ? g[1] : g[0]));
	/* 15 attaches so far; the 16th is the last a region may make. */
	ASSERT_EQ(0, qa_attach(self->fd, last == g[0] ? g[1] : g[0], rfd, 0));
	last = last == g[0] ? g[1] : g[0];
	EXPECT_EQ(-EMLINK, qa_attach(self->fd, last == g[0] ? g[1] : g[0],
				     rfd, 0));
	EXPECT_EQ((long)pages, qa_usage(self->fd, last));
	munmap(p, pages * psize());
	close(rfd);
	EXPECT_EQ(0, qa_usage(self->fd, g[0]));
	EXPECT_EQ(0, qa_usage(self->fd, g[1]));
	EXPECT_EQ(0, aqt_destroy(self->fd, g[0]));
	EXPECT_EQ(0, aqt_destroy(self->fd, g[1]));
}

/*
 * A group at its max (4 pages) refuses a region of 16 resident pages
 * that nothing can reclaim (not compressible), and so does a child of a
 * parent at its max: -ENOMEM, the region still in its group, counted
 * there only.
 */
TEST_F(attach, full_group_refuses)
{
	const size_t pages = 16;
	__u32 g1, full, top, kid;
	unsigned char *p;
	int rfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "from", 0, &g1));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "full", 0, &full));
	ASSERT_EQ(0, aqt_set_max(self->fd, full, 4));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "top", 0, &top));
	ASSERT_EQ(0, aqt_set_max(self->fd, top, 4));
	ASSERT_EQ(0, aqt_create(self->fd, top, QA_PREFIX "kid", 0, &kid));
	rfd = qa_region(self->fd, self->mfd, AETHER_MM_REGION_SHARED, pages,
			g1, &p, NULL);
	ASSERT_LE(0, rfd);
	aqt_write_pages(p, 0, pages, 3);
	ASSERT_EQ((long)pages, qa_usage(self->fd, g1));

	EXPECT_EQ(-ENOMEM, qa_attach(self->fd, full, rfd, 0));
	EXPECT_EQ(-ENOMEM, qa_attach(self->fd, kid, rfd, 0));
	EXPECT_EQ((long)pages, qa_usage(self->fd, g1));
	EXPECT_EQ(1, qa_regions(self->fd, g1));
	EXPECT_EQ(0, qa_usage(self->fd, full));
	EXPECT_EQ(0, qa_regions(self->fd, full));
	EXPECT_EQ(0, qa_usage(self->fd, kid));
	EXPECT_EQ(0, qa_usage(self->fd, top));
	EXPECT_EQ(0, qa_regions(self->fd, kid));
	EXPECT_EQ(0, aqt_bad_pages(p, 0, pages, 3));
	/* Its faults still count where it is. */
	munmap(p, pages * psize());
	close(rfd);
	EXPECT_EQ(0, qa_usage(self->fd, g1));
	EXPECT_EQ(0, aqt_destroy(self->fd, full));
	EXPECT_EQ(0, aqt_destroy(self->fd, kid));
}

/* Every refusal that needs no second user. */
TEST_F(attach, errnos)
{
	char name[48];
	__u32 g, gone;
	__u64 rid;
	int rfd, ro, gfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "to", 0, &g));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "gone", 0, &gone));
	gfd = aqt_gfd(self->fd, g);
	ASSERT_LE(0, gfd);
	rfd = qa_region(self->fd, self->mfd, AETHER_MM_REGION_SHARED, 4, 0,
			NULL, &rid);
	ASSERT_LE(0, rfd);

	EXPECT_EQ(-EINVAL, qa_attach(self->fd, g, rfd, 1));
	EXPECT_EQ(-EBADF, qa_attach(self->fd, g, -1, 0));
	/* Fds of the wrong kind: a group fd, the devices. */
	EXPECT_EQ(-EINVAL, qa_attach(self->fd, g, gfd, 0));
	EXPECT_EQ(-EINVAL, qa_attach(self->fd, g, self->fd, 0));
	EXPECT_EQ(-EINVAL, qa_attach(self->fd, g, self->mfd, 0));
	EXPECT_EQ(-ENOENT, qa_attach(self->fd, 0x7ffffff0U, rfd, 0));
	ASSERT_EQ(0, aqt_destroy(self->fd, gone));
	EXPECT_EQ(-ENOENT, qa_attach(self->fd, gone, rfd, 0));
	/* A read-only fd of a named region. */
	snprintf(name, sizeof(name), QA_PREFIX "ro-%d", getpid());
	{
		struct aether_mm_region_create c;

		aemt_region_args(&c, AETHER_MM_REGION_SHARED, psize());
		c.name = (uintptr_t)name;
		ASSERT_EQ(0, aemt_region_create(self->mfd, &c));
		ro = aemt_region_open(self->mfd, name,
				      AETHER_MM_REGION_OPEN_RDONLY, NULL);
		ASSERT_LE(0, ro);
		EXPECT_EQ(-EBADF, qa_attach(self->fd, g, ro, 0));
		EXPECT_EQ(0, qa_attach(self->fd, g, c.fd, 0));
		close(ro);
		close(c.fd);
	}
	EXPECT_EQ(0, qa_regions(self->fd, g));
	EXPECT_EQ(0, qa_attach(self->fd, g, rfd, 0));
	EXPECT_EQ(1, qa_regions(self->fd, g));
	close(rfd);
	close(gfd);
	EXPECT_EQ(0, qa_regions(self->fd, g));
}

struct qa_result {
	int step;
	int got;
	__u32 kid;	/* root's, under a group the user owns */
	__u32 owned;	/* the user's, under the root (CREATE_OWNER) */
	__u32 roots;	/* root's own */
	int root_rfd;	/* a region of root's, inherited */
	/* L4 */
	__u32 rt;	/* RealTime, under a group the user owns */
	volatile int ready;
	volatile int go;
	__u64 rid;
	long stored_lo, stored_hi;
};

static int qa_user_attach(void *arg)
{
	struct qa_result *r = arg;
	struct aether_mm_region_create c;
	int fd = aqt_open(), mfd = aemt_open(), rfd, gfd;
	char name[32];
	__u32 ug;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	rfd = qa_region(fd, mfd, AETHER_MM_REGION_SHARED, 4, 0, NULL, NULL);
	AQT_EXPECT(r, 2, 1, rfd >= 0);
	snprintf(name, sizeof(name), "user.%u", (unsigned int)getuid());
	AQT_EXPECT(r, 3, 0, aqt_find(fd, AETHER_QOS_ROOT_ID, name, &ug));
	/*
	 * L5: a group it owns whose parent it does not is not its to
	 * charge, at creation (QOS_GROUP) as for ATTACH_PID.
	 */
	gfd = aqt_gfd(fd, r->owned);
	AQT_EXPECT(r, 11, 1, gfd >= 0);
	aemt_region_args(&c, AETHER_MM_REGION_SHARED, psize());
	c.flags |= AETHER_MM_REGION_QOS_GROUP;
	c.qos_fd = gfd;
	AQT_EXPECT(r, 12, -EPERM, aemt_region_create(mfd, &c));
	AQT_EXPECT(r, 13, -EPERM, aqt_attach(fd, r->owned, getpid()));
	/* A group whose parent it owns; then back to its default group. */
	AQT_EXPECT(r, 4, 0, qa_attach(fd, r->kid, rfd, 0));
	AQT_EXPECT(r, 5, 1, (int)qa_regions(fd, r->kid));
	AQT_EXPECT(r, 6, 0, qa_attach(fd, ug, rfd, 0));
	AQT_EXPECT(r, 7, 0, (int)qa_regions(fd, r->kid));
	/* ...nor to attach a region to; nor root's group, nor the root. */
	AQT_EXPECT(r, 8, -EPERM, qa_attach(fd, r->owned, rfd, 0));
	AQT_EXPECT(r, 9, -EPERM, qa_attach(fd, r->roots, rfd, 0));
	AQT_EXPECT(r, 10, -EPERM, qa_attach(fd, AETHER_QOS_ROOT_ID, rfd, 0));
	/* Root's region: not the user's to move. */
	AQT_EXPECT(r, 14, -EACCES, qa_attach(fd, r->kid, r->root_rfd, 0));
	AQT_EXPECT(r, 15, 0, (int)qa_regions(fd, r->kid));
	close(gfd);
	close(rfd);
	close(fd);
	close(mfd);
	return 0;
}

TEST_F(attach, unprivileged_who_may)
{
	struct qa_result *r = aqt_shared_page();
	struct aether_qos_create c = {
		.size = sizeof(c), .flags = AETHER_QOS_CREATE_OWNER,
		.owner_uid = qa_user.uid, .name = QA_PREFIX "users",
	};
	__u32 parent;

	if (!aet_can_run_as(&qa_user))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	parent = c.id;
	ASSERT_EQ(0, aqt_create(self->fd, parent, QA_PREFIX "kid", 0,
				&r->kid));
	strcpy(c.name, QA_PREFIX "owned");
	c.id = 0;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	r->owned = c.id;
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "roots", 0, &r->roots));
	r->root_rfd = qa_region(self->fd, self->mfd, AETHER_MM_REGION_SHARED,
				4, r->roots, NULL, NULL);
	ASSERT_LE(0, r->root_rfd);
	ASSERT_EQ(0, aet_run_as(&qa_user, qa_user_attach, r))
		TH_LOG("step %d got %d", r->step, r->got);
	EXPECT_EQ(1, qa_regions(self->fd, r->roots));
	close(r->root_rfd);
}

/*
 * The user's side of L4: a region of 32 pages in the RealTime group, its
 * pages [16, 32) set RealTime (allowed: the group is RealTime); once root
 * says go (the group lowered, the pool reclaimed), how many of each half
 * the store took.
 */
static int qa_user_range(void *arg)
{
	struct aether_mm_region_qos q = {
		.size = sizeof(q), .offset = 16 * psize(),
		.length = 16 * psize(), .class = AETHER_MM_QOS_REALTIME,
	};
	struct qa_result *r = arg;
	int fd = aqt_open(), mfd = aemt_open(), rfd;
	unsigned char *p;
	long i;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	rfd = qa_region(fd, mfd, QA_CMP, 32, r->rt, &p, &r->rid);
	AQT_EXPECT(r, 2, 1, rfd >= 0);
	aqt_write_pages(p, 0, 32, 5);
	AQT_EXPECT(r, 3, 0, aet_ioctl(rfd, AETHER_MM_IOC_REGION_SET_QOS, &q));
	r->ready = 1;
	/* Root's turn: bounded, never timed (the test's timeout ends it). */
	for (i = 0; i < 1000000 && !r->go; i++)
		usleep(1000);
	AQT_EXPECT(r, 4, 1, r->go);
	r->stored_lo = aqt_stored(rfd, p, 0, 16);
	r->stored_hi = aqt_stored(rfd, p, 16, 32);
	AQT_EXPECT(r, 5, 0, (int)aqt_bad_pages(p, 0, 32, 5));
	munmap(p, 32 * psize());
	close(rfd);
	return 0;
}

/*
 * Review L4: group RealTime (root's, under a group the user owns) ->
 * the user sets a range RealTime -> root lowers the group to BestEffort
 * -> the pool's reclaim takes the range in the BestEffort tier, with the
 * rest of the region, before the 16 pages of a Normal group (without the
 * clamp: the Normal group's pages, then the range).
 */
TEST_F_TIMEOUT(attach, range_class_clamped_to_group, 300)
{
	struct qa_result *r = aqt_shared_page();
	struct aether_qos_create c = {
		.size = sizeof(c), .flags = AETHER_QOS_CREATE_OWNER,
		.owner_uid = qa_user.uid, .name = QA_PREFIX "l4",
	};
	struct aether_qos_set s = {
		.size = sizeof(s), .mask = AETHER_QOS_SET_CLASS,
		.class = AETHER_QOS_CLASS_BESTEFFORT,
	};
	unsigned char *p;
	__u32 normal;
	pid_t pid;
	int rfd, i, ret;

	if (!aet_can_run_as(&qa_user))
		SKIP(return, "needs root");
	ret = aqt_loopback(1);
	if (ret)
		SKIP(return, "no loopback store: %s", strerror(-ret));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	ASSERT_EQ(0, aqt_create(self->fd, c.id, QA_PREFIX "rt",
				AETHER_QOS_CLASS_REALTIME, &r->rt));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "normal", 0, &normal));
	rfd = qa_region(self->fd, self->mfd, QA_CMP, 16, normal, &p, NULL);
	ASSERT_LE(0, rfd);
	aqt_write_pages(p, 0, 16, 9);

	pid = aet_start_as(&qa_user, qa_user_range, r);
	ASSERT_LT(0, pid);
	for (i = 0; i < 1000000 && !r->ready && !r->step; i++)
		usleep(1000);
	ASSERT_EQ(1, r->ready) TH_LOG("step %d got %d", r->step, r->got);
	s.id = r->rt;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_scan(r->rid, 3));
	ASSERT_EQ(0, aqt_pool_reclaim(16));
	ASSERT_EQ(0, aqt_pool_reclaim(16));
	r->go = 1;
	ASSERT_EQ(0, aet_wait(pid)) TH_LOG("step %d got %d", r->step, r->got);
	EXPECT_EQ(16, r->stored_lo);
	EXPECT_EQ(16, r->stored_hi) TH_LOG("the range left RealTime's tier");
	EXPECT_EQ(0, aqt_stored(rfd, p, 0, 16)) TH_LOG("Normal after");
	EXPECT_EQ(0, aqt_bad_pages(p, 0, 16, 9));
	munmap(p, 16 * psize());
	close(rfd);
}

/* Run @cmd (sh -c), its output to /dev/null: its exit status, or -1. */
static int qa_run(const char *cmd)
{
	int st = system(cmd);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * aetherctl qos attach GROUP --region fd:N and --region NAME move a
 * region as the ioctl does; a region that does not exist is an error.
 */
TEST_F(attach, aetherctl_attach_region)
{
	struct aether_mm_region_create c;
	char cmd[256], name[48];
	unsigned char *p;
	__u32 a, b;
	int rfd;

	if (qa_run("command -v aetherctl >/dev/null 2>&1"))
		SKIP(return, "no aetherctl on PATH");
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "ctl-a", 0, &a));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QA_PREFIX "ctl-b", 0, &b));
	snprintf(name, sizeof(name), QA_PREFIX "ctl-%d", getpid());
	aemt_region_args(&c, AETHER_MM_REGION_SHARED, 8 * psize());
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->mfd, &c));
	rfd = c.fd;
	p = aemt_region_map(rfd, 8 * psize(), PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	aqt_write_pages(p, 0, 8, 1);

	/* The region fd is inherited (no CLOEXEC). */
	snprintf(cmd, sizeof(cmd),
		 "aetherctl qos attach %u --region fd:%d >/dev/null 2>&1",
		 a, rfd);
	ASSERT_EQ(0, qa_run(cmd));
	EXPECT_EQ(8, qa_usage(self->fd, a));
	snprintf(cmd, sizeof(cmd),
		 "aetherctl qos attach %s --region %s >/dev/null 2>&1",
		 QA_PREFIX "ctl-b", name);
	ASSERT_EQ(0, qa_run(cmd));
	EXPECT_EQ(0, qa_usage(self->fd, a));
	EXPECT_EQ(8, qa_usage(self->fd, b));
	snprintf(cmd, sizeof(cmd),
		 "aetherctl qos attach %u --region %s-none >/dev/null 2>&1",
		 a, name);
	EXPECT_NE(0, qa_run(cmd));
	EXPECT_EQ(8, qa_usage(self->fd, b));
	munmap(p, 8 * psize());
	close(rfd);
	EXPECT_EQ(0, qa_usage(self->fd, b));
}

TEST_HARNESS_MAIN
