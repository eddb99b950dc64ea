// SPDX-License-Identifier: GPL-2.0
/*
 * qos_region_test - regions and groups: a region named into a group at
 * creation, and the reclaim class of a range (set_memory_qos)
 *
 *   - DESTROY racing a creation named into the group (review L3): a
 *     region never joins a dead group;
 *   - REGION_CREATE with AETHER_MM_REGION_QOS_GROUP and a group fd
 *     (AETHER_QOS_IOC_OPEN) charges the region to that group, not to its
 *     creator's; every bad fd, a destroyed group, and a group the caller
 *     may not charge are refused with their errno;
 *   - REGION_SET_QOS on a region fd: every bad argument's errno, the
 *     class bound of an unprivileged caller (no range above its group's
 *     class), merging and the range bound;
 *   - with aether_zram's compressed store as the region store, the pool's
 *     reclaim takes a region's BestEffort range first, then its Normal
 *     pages, then its RealTime range, whatever order they are in;
 *   - `aetherctl qos top --once --json` lists the groups by usage, the
 *     largest first, with their figures (skipped without aetherctl).
 *
 * Groups made here are named "qr-*" under the root and destroyed by the
 * teardown.  Bodies run as another user report through a shared page
 * (struct qr_result) and never use the harness's ASSERTs.
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

#define QR_PREFIX	"qr-"
#define QR_ACCESS	"/sys/kernel/debug/aether/mm/access"
#define QR_RECLAIM	"/sys/kernel/debug/aether/mm/reclaim"
#define QR_MM_PARAM	"/sys/module/aether_mm/parameters/access_interval_ms"
#define QR_ZRAM_STORE	"/sys/module/aether_zram/parameters/region_store"

/* The users of these tests: uids no other test uses. */
static const struct aet_user qr_user = {
	.uid = 4270, .gid = 4270,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

struct qr_result {
	int step;
	int got;
	__u32 id;	/* a group root owns */
	__u32 be;	/* a BestEffort group under one the user owns */
};

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(region) {
	int fd;
	int mfd;
	struct aet_params params;
	char access_ms[32];
	char zram_store[8];
};

FIXTURE_SETUP(region)
{
	self->zram_store[0] = '\0';
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	ASSERT_LE(0, aet_read_file(QR_MM_PARAM, self->access_ms,
				   sizeof(self->access_ms)));
	if (aet_read_file(QR_ZRAM_STORE, self->zram_store,
			  sizeof(self->zram_store)) < 0)
		self->zram_store[0] = '\0';
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QR_PREFIX);
}

FIXTURE_TEARDOWN(region)
{
	if (self->fd < 0)
		return;
	aet_write_file(QR_MM_PARAM, self->access_ms);
	if (self->zram_store[0])
		aet_write_file(QR_ZRAM_STORE, self->zram_store);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QR_PREFIX);
	aet_params_restore(&self->params);
	close(self->fd);
	close(self->mfd);
}

/* A region of @pages, @flags, charged to the group of @gfd (-1: none). */
static int qr_create(int mfd, __u32 flags, size_t pages, int gfd, __u64 *id)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, flags, pages * psize());
	if (gfd >= 0) {
		c.flags |= AETHER_MM_REGION_QOS_GROUP;
		c.qos_fd = gfd;
	}
	ret = aemt_region_create(mfd, &c);
	if (!ret && id)
		*id = c.id;
	return ret ? ret : c.fd;
}

static int qr_set_qos(int rfd, __u64 off, __u64 len, __u32 class,
		      __u32 *nr)
{
	struct aether_mm_region_qos q = {
		.size = sizeof(q), .offset = off, .length = len,
		.class = class,
	};
	int ret = aet_ioctl(rfd, AETHER_MM_IOC_REGION_SET_QOS, &q);

	if (!ret && nr)
		*nr = q.nr_ranges;
	return ret;
}

static void qr_write(unsigned char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		memset(p + i * psize(), (int)(i % 250) + 1, 64);
}

/*
 * A region named into a group is that group's: its pages, its region
 * count; the creator's own group is not charged; closing gives all back.
 */
TEST_F(region, named_group_is_charged)
{
	const size_t pages = 24;
	struct aether_qos_group_info gi;
	unsigned char *p;
	int gfd, rfd;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "named", 0, &g));
	gfd = aqt_gfd(self->fd, g);
	ASSERT_LE(0, gfd);
	rfd = qr_create(self->mfd, AETHER_MM_REGION_SHARED, pages, gfd, NULL);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(1, gi.nr_regions);
	p = aemt_region_map(rfd, pages * psize(), PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	qr_write(p, 0, pages);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(pages, gi.usage);
	ASSERT_EQ(pages, gi.charged);
	/* The group cannot go while the region is charged to it. */
	ASSERT_EQ(-EBUSY, aqt_destroy(self->fd, g));
	munmap(p, pages * psize());
	close(rfd);
	ASSERT_EQ(0, aqt_get_released(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, gi.nr_regions);
	close(gfd);
}

/* Every fd that names no group the caller may charge is refused. */
TEST_F(region, named_group_errnos)
{
	struct aether_mm_region_create c;
	int gfd, nfd, rfd;
	__u32 g;

	/* @qos_fd without the flag: a reserved field. */
	aemt_region_args(&c, AETHER_MM_REGION_SHARED, psize());
	c.qos_fd = 3;
	ASSERT_EQ(-EINVAL, aemt_region_create(self->mfd, &c));
	ASSERT_EQ(-EBADF, qr_create(self->mfd, AETHER_MM_REGION_SHARED, 1,
				    1000000, NULL));
	/* Not a group fd: a regular file, the device itself. */
	nfd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, nfd);
	ASSERT_EQ(-EINVAL, qr_create(self->mfd, AETHER_MM_REGION_SHARED, 1,
				     nfd, NULL));
	ASSERT_EQ(-EINVAL, qr_create(self->mfd, AETHER_MM_REGION_SHARED, 1,
				     self->fd, NULL));
	close(nfd);
	/* A destroyed group's fd. */
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "gone", 0, &g));
	gfd = aqt_gfd(self->fd, g);
	ASSERT_LE(0, gfd);
	ASSERT_EQ(0, aqt_destroy(self->fd, g));
	ASSERT_EQ(-ENOENT, qr_create(self->mfd, AETHER_MM_REGION_SHARED, 1,
				     gfd, NULL));
	close(gfd);
	/* The root group: CAP_SYS_ADMIN may name it. */
	gfd = aqt_gfd(self->fd, AETHER_QOS_ROOT_ID);
	ASSERT_LE(0, gfd);
	rfd = qr_create(self->mfd, AETHER_MM_REGION_SHARED, 1, gfd, NULL);
	ASSERT_LE(0, rfd);
	close(rfd);
	close(gfd);
}

/*
 * Review L3: DESTROY racing REGION_CREATE named into the group.  A child
 * creates regions named into G as fast as it can, each checked with GET
 * while it is open, then closed; the parent destroys G (-EBUSY while a
 * region is open, retried).  A region created must keep its group alive:
 * GET on G never says -ENOENT while one of its regions is open, and once
 * G is gone a creation is -ENOENT.  200 groups in a row.
 */
TEST_F_TIMEOUT(region, destroy_racing_named_creation, 240)
{
	int *bad = aqt_shared_page();
	int round, status;

	ASSERT_NE(NULL, bad);
	for (round = 0; round < 200 && !*bad; round++) {
		int gfd, ret;
		pid_t child;
		__u32 g;

		ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "race", 0, &g));
		gfd = aqt_gfd(self->fd, g);
		ASSERT_LE(0, gfd);
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0) {
			struct aether_qos_group_info gi;
			int rfd;

			for (;;) {
				rfd = qr_create(self->mfd,
						AETHER_MM_REGION_SHARED, 1,
						gfd, NULL);
				if (rfd == -ENOENT)
					_exit(0);
				if (rfd < 0)
					_exit(2);
				if (aqt_get(self->fd, g, &gi) == -ENOENT)
					*bad = 1;	/* a region of a dead group */
				close(rfd);
			}
		}
		do {
			ret = aqt_destroy(self->fd, g);
		} while (ret == -EBUSY);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(child, waitpid(child, &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("round %d: the creator ended with %#x", round,
			       status);
		close(gfd);
	}
	ASSERT_EQ(0, *bad) TH_LOG("round %d: a region open in a dead group",
				  round);
	munmap(bad, 4096);
}

/*
 * As a user: a group root made (owned by root) is -EPERM, the user's own
 * default group is theirs to name; SET_QOS on the user's region in a
 * Normal group: BestEffort and Normal yes, RealTime -EPERM; in a
 * BestEffort group given to the user, Normal is -EPERM too.
 */
static int qr_unprivileged(void *arg)
{
	struct qr_result *r = arg;
	int fd = aqt_open(), mfd = aemt_open(), gfd, rfd, ufd;
	char name[32];
	__u32 ug, n;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	gfd = aqt_gfd(fd, r->id);
	AQT_EXPECT(r, 2, 1, gfd >= 0);
	AQT_EXPECT(r, 3, -EPERM, qr_create(mfd, AETHER_MM_REGION_SHARED, 1,
					   gfd, NULL));
	/* Its first region makes its default group. */
	rfd = qr_create(mfd, AETHER_MM_REGION_SHARED, 4, -1, NULL);
	AQT_EXPECT(r, 4, 1, rfd >= 0);
	snprintf(name, sizeof(name), "user.%u", (unsigned int)getuid());
	AQT_EXPECT(r, 5, 0, aqt_find(fd, AETHER_QOS_ROOT_ID, name, &ug));
	ufd = aqt_gfd(fd, ug);
	AQT_EXPECT(r, 6, 1, ufd >= 0);
	n = qr_create(mfd, AETHER_MM_REGION_SHARED, 1, ufd, NULL);
	AQT_EXPECT(r, 7, 1, (int)n >= 0);
	close((int)n);
	/* Its default group is Normal. */
	AQT_EXPECT(r, 8, -EPERM, qr_set_qos(rfd, 0, psize(),
					    AETHER_MM_QOS_REALTIME, NULL));
	AQT_EXPECT(r, 9, 0, qr_set_qos(rfd, 0, psize(),
				       AETHER_MM_QOS_BESTEFFORT, &n));
	AQT_EXPECT(r, 10, 1, (int)n);
	AQT_EXPECT(r, 11, 0, qr_set_qos(rfd, psize(), psize(),
					AETHER_MM_QOS_NORMAL, &n));
	AQT_EXPECT(r, 12, 2, (int)n);
	AQT_EXPECT(r, 13, 0, qr_set_qos(rfd, 0, 4 * psize(),
					AETHER_MM_QOS_GROUP, &n));
	AQT_EXPECT(r, 14, 0, (int)n);
	close(rfd);
	/* A BestEffort group under one it owns: nothing above BestEffort. */
	gfd = aqt_gfd(fd, r->be);
	AQT_EXPECT(r, 15, 1, gfd >= 0);
	rfd = qr_create(mfd, AETHER_MM_REGION_SHARED, 4, gfd, NULL);
	AQT_EXPECT(r, 16, 1, rfd >= 0);
	AQT_EXPECT(r, 17, -EPERM, qr_set_qos(rfd, 0, psize(),
					     AETHER_MM_QOS_NORMAL, NULL));
	AQT_EXPECT(r, 18, 0, qr_set_qos(rfd, 0, psize(),
					AETHER_MM_QOS_BESTEFFORT, NULL));
	close(rfd);
	close(gfd);
	close(ufd);
	return 0;
}

TEST_F(region, unprivileged_groups_and_classes)
{
	struct qr_result *r = aqt_shared_page();
	struct aether_qos_create c = {
		.size = sizeof(c),
		.flags = AETHER_QOS_CREATE_OWNER, .owner_uid = qr_user.uid,
		.name = QR_PREFIX "users",
	};
	__u32 g;

	if (!aet_can_run_as(&qr_user))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "rootsown", 0, &g));
	r->id = g;
	/*
	 * Under a group the user owns: the user may charge it (review L5:
	 * the groups ATTACH_PID may put its processes in).
	 */
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	ASSERT_EQ(0, aqt_create(self->fd, c.id, QR_PREFIX "be",
				AETHER_QOS_CLASS_BESTEFFORT, &r->be));
	ASSERT_EQ(0, aet_run_as(&qr_user, qr_unprivileged, r))
		TH_LOG("step %d got %d", r->step, r->got);
}

/* Every bad argument of REGION_SET_QOS. */
TEST_F(region, set_qos_errnos)
{
	const size_t pages = 8, ps = psize();
	struct aether_mm_region_qos q = { .size = sizeof(q) };
	__u32 n, i;
	int rfd, ro;
	__u64 id;

	rfd = qr_create(self->mfd, AETHER_MM_REGION_SHARED, pages, -1, &id);
	ASSERT_LE(0, rfd);
	q.length = ps;
	q.flags = 1;
	ASSERT_EQ(-EINVAL, aet_ioctl(rfd, AETHER_MM_IOC_REGION_SET_QOS, &q));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, 0, ps, AETHER_MM_QOS_NR, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, 0, 0, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, 1, ps, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, 0, ps + 1, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, 0, (pages + 1) * ps, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, pages * ps, ps, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, ps, pages * ps, 0, NULL));
	/* offset + length wraps */
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, ps, -(__u64)ps, 0, NULL));
	ASSERT_EQ(-EINVAL, qr_set_qos(rfd, -(__u64)ps, 2 * ps, 0, NULL));
	/* A struct too small, or larger with non-zero bytes. */
	q.flags = 0;
	q.size = 8;
	ASSERT_EQ(-EINVAL, aet_ioctl(rfd, AETHER_MM_IOC_REGION_SET_QOS, &q));
	ASSERT_EQ(-ENOTTY, aet_ioctl(self->mfd, AETHER_MM_IOC_REGION_SET_QOS,
				     &q));

	/* Merging: adjacent ranges of one class are one. */
	ASSERT_EQ(0, qr_set_qos(rfd, 0, ps, AETHER_MM_QOS_BESTEFFORT, &n));
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, qr_set_qos(rfd, ps, ps, AETHER_MM_QOS_BESTEFFORT, &n));
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, qr_set_qos(rfd, 4 * ps, 2 * ps, AETHER_MM_QOS_REALTIME,
				&n));
	ASSERT_EQ(2, n);
	ASSERT_EQ(0, qr_set_qos(rfd, ps, 4 * ps, AETHER_MM_QOS_NORMAL, &n));
	ASSERT_EQ(3, n) TH_LOG("[0,1) BE, [1,5) N, [5,6) RT");
	ASSERT_EQ(0, qr_set_qos(rfd, 0, pages * ps, AETHER_MM_QOS_GROUP, &n));
	ASSERT_EQ(0, n);
	close(rfd);

	/* The range bound: one range per page of a large region. */
	rfd = qr_create(self->mfd, AETHER_MM_REGION_SHARED,
			2 * AETHER_MM_QOS_MAX_RANGES + 2, -1, NULL);
	ASSERT_LE(0, rfd);
	for (i = 0; i < AETHER_MM_QOS_MAX_RANGES; i++)
		ASSERT_EQ(0, qr_set_qos(rfd, 2 * i * ps, ps,
					AETHER_MM_QOS_BESTEFFORT, &n));
	ASSERT_EQ(AETHER_MM_QOS_MAX_RANGES, n);
	ASSERT_EQ(-ENOSPC, qr_set_qos(rfd, 2 * i * ps, ps,
				      AETHER_MM_QOS_BESTEFFORT, NULL));
	/* Filling a gap merges three into one: room again. */
	ASSERT_EQ(0, qr_set_qos(rfd, ps, ps, AETHER_MM_QOS_BESTEFFORT, &n));
	ASSERT_EQ(AETHER_MM_QOS_MAX_RANGES - 1, n);
	close(rfd);

	/* A read-only fd of a named region: -EBADF. */
	{
		struct aether_mm_region_create c;
		char name[] = QR_PREFIX "ro-region";

		aemt_region_args(&c, AETHER_MM_REGION_SHARED, ps);
		c.name = (uintptr_t)name;
		ASSERT_EQ(0, aemt_region_create(self->mfd, &c));
		ro = aemt_region_open(self->mfd, name,
				      AETHER_MM_REGION_OPEN_RDONLY, NULL);
		ASSERT_LE(0, ro);
		ASSERT_EQ(-EBADF, qr_set_qos(ro, 0, ps,
					     AETHER_MM_QOS_BESTEFFORT, NULL));
		ASSERT_EQ(0, qr_set_qos(c.fd, 0, ps, AETHER_MM_QOS_BESTEFFORT,
					NULL));
		close(ro);
		close(c.fd);
	}
}

/* Scans of region @id so far (debugfs aether/mm/access), or -1. */
static long qr_scans(__u64 id)
{
	char line[512];
	long scans = -1;
	unsigned long long rid;
	long s;
	FILE *f = fopen(QR_ACCESS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %ld", &rid, &s) == 2 && rid == id)
			scans = s;
	fclose(f);
	return scans;
}

/* Let aether_kaccessd scan region @id @n more times: 0 or -errno. */
static int qr_scan_times(__u64 id, long n)
{
	long s0 = qr_scans(id);
	int i;

	if (s0 < 0)
		return -ENOENT;
	if (aet_write_file(QR_MM_PARAM, "20"))
		return -EIO;
	for (i = 0; i < 3000 && qr_scans(id) < s0 + n; i++)
		usleep(10 * 1000);
	if (aet_write_file(QR_MM_PARAM, "0"))
		return -EIO;
	return qr_scans(id) >= s0 + n ? 0 : -ETIMEDOUT;
}

/*
 * One region of a Normal group, three ranges: [0,16) Normal (the group's),
 * [16,32) RealTime, [32,48) BestEffort.  The pool's reclaim, 16 pages at a
 * time, takes the BestEffort range, then the Normal one, then the
 * RealTime one; the pages come back intact.
 */
TEST_F_TIMEOUT(region, class_ranges_reclaimed_in_class_order, 240)
{
	const size_t pages = 48, ps = psize();
	unsigned char *p;
	int gfd, rfd;
	size_t i;
	__u64 id;
	__u32 g;

	if (!self->zram_store[0])
		SKIP(return, "aether_zram not loaded: no compressed store");
	if (aet_write_file(QR_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register "
		     "(another store, the loopback, is installed?)");
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "order", 0, &g));
	gfd = aqt_gfd(self->fd, g);
	ASSERT_LE(0, gfd);
	rfd = qr_create(self->mfd, AETHER_MM_REGION_SHARED |
			AETHER_MM_REGION_COMPRESSIBLE, pages, gfd, &id);
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, pages * ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	qr_write(p, 0, pages);
	ASSERT_EQ(0, qr_set_qos(rfd, 16 * ps, 16 * ps,
				AETHER_MM_QOS_REALTIME, NULL));
	ASSERT_EQ(0, qr_set_qos(rfd, 32 * ps, 16 * ps,
				AETHER_MM_QOS_BESTEFFORT, NULL));
	ASSERT_EQ(0, qr_scan_times(id, 3));

	ASSERT_EQ(0, aet_write_file(QR_RECLAIM, "16"));
	ASSERT_EQ(16, aqt_stored(rfd, p, 32, 48)) TH_LOG("BestEffort first");
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, 32));
	ASSERT_EQ(0, aet_write_file(QR_RECLAIM, "16"));
	ASSERT_EQ(16, aqt_stored(rfd, p, 0, 16)) TH_LOG("then Normal");
	ASSERT_EQ(0, aqt_stored(rfd, p, 16, 32));
	ASSERT_EQ(0, aet_write_file(QR_RECLAIM, "16"));
	ASSERT_EQ(16, aqt_stored(rfd, p, 16, 32)) TH_LOG("RealTime last");

	/* The group's usage fell with each page; each comes back intact. */
	for (i = 0; i < pages; i++)
		ASSERT_EQ((unsigned char)(i % 250 + 1), p[i * ps + 63]);
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, pages));
	munmap(p, pages * ps);
	close(rfd);
	close(gfd);
}

/*
 * top: two groups, 24 and 8 pages: both listed with their usage, the
 * larger first, with max, class, events and avg10 columns.
 */
TEST_F(region, qos_top_once_json)
{
	static char out[65536];
	const size_t big = 24, small = 8;
	unsigned char *pb, *ps;
	int gb, gs, rb, rs;
	char *a, *b;
	__u32 idb, ids;

	if (aet_shell("aetherctl --help >/dev/null 2>&1; echo $?", out,
		      sizeof(out)) != 0 || atoi(out) == 127)
		SKIP(return, "no aetherctl on PATH");
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "top-small", 0, &ids));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "top-big",
				AETHER_QOS_CLASS_BESTEFFORT, &idb));
	ASSERT_EQ(0, aqt_set_max(self->fd, idb, 1000));
	gb = aqt_gfd(self->fd, idb);
	gs = aqt_gfd(self->fd, ids);
	ASSERT_LE(0, gb);
	ASSERT_LE(0, gs);
	rb = qr_create(self->mfd, AETHER_MM_REGION_SHARED, big, gb, NULL);
	rs = qr_create(self->mfd, AETHER_MM_REGION_SHARED, small, gs, NULL);
	ASSERT_LE(0, rb);
	ASSERT_LE(0, rs);
	pb = aemt_region_map(rb, big * psize(), PROT_READ | PROT_WRITE);
	ps = aemt_region_map(rs, small * psize(), PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, pb);
	ASSERT_NE(MAP_FAILED, ps);
	qr_write(pb, 0, big);
	qr_write(ps, 0, small);

	ASSERT_EQ(0, aet_shell("aetherctl qos top --once --json", out,
			       sizeof(out)));
	a = strstr(out, "\"path\": \"" QR_PREFIX "top-big\"");
	b = strstr(out, "\"path\": \"" QR_PREFIX "top-small\"");
	ASSERT_NE(NULL, a) TH_LOG("%s", out);
	ASSERT_NE(NULL, b) TH_LOG("%s", out);
	ASSERT_LT(a, b) TH_LOG("not sorted by usage: %s", out);
	ASSERT_NE(NULL, strstr(a, "\"current\": 24,")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(a, "\"max\": 1000,")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(a, "\"class\": \"besteffort\"")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(b, "\"current\": 8,")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(b, "\"avg10\": \"")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(b, "\"events_oom\": ")) TH_LOG("%s", out);
	/* Not a command line top takes. */
	ASSERT_NE(0, aet_shell("aetherctl qos top --once extra 2>/dev/null", out,
			       sizeof(out)));
	munmap(pb, big * psize());
	munmap(ps, small * psize());
	close(rb);
	close(rs);
	close(gb);
	close(gs);
}

TEST_HARNESS_MAIN
