// SPDX-License-Identifier: GPL-2.0
/*
 * qos_charge_test - what a group's pages are, and its limits enforced
 *
 * The regions a process creates are charged to its group (ATTACH_PID),
 * or to its nearest attached ancestor's, or to its user's default group:
 *
 *   - max is exact: a group with max N pages holds N, the fault of page
 *     N + 1 gets SIGBUS, and the group counts max and oom events;
 *   - usage counts in every ancestor, and an ancestor's max binds its
 *     descendants (the event is the ancestor's, hierarchical above it);
 *   - a process's children and grandchildren charge to its group;
 *   - min is split in proportion when siblings claim more than their
 *     parent has;
 *   - a user nobody placed is bounded by user_max_pages;
 *   - debugfs aether/qos/<group>/memory.* reads as cgroup's files;
 *   - a fault over max waits for its group's reclaim with its mmap_lock
 *     dropped (VM_FAULT_RETRY), so it succeeds while aether_kaccessd's
 *     scans hold the lock a reclaim under mmap_lock could only try.
 *
 * Groups made here are named "qc-*" under the root and destroyed by the
 * teardown; the test process detaches itself before it ends.
 */
#include <errno.h>
#include <signal.h>
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

#define QC_PREFIX	"qc-"

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(charge) {
	int fd;
	int mfd;
	struct aet_params params;
	bool loopback;		/* the test installed aether_mm's loopback */
	char interval[16];	/* access_interval_ms to put back, or "" */
};

#define QC_INTERVAL	"/sys/module/aether_mm/parameters/access_interval_ms"

FIXTURE_SETUP(charge)
{
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QC_PREFIX);
}

FIXTURE_TEARDOWN(charge)
{
	if (self->interval[0])
		aemt_write_file(QC_INTERVAL, self->interval);
	if (self->loopback)
		aqt_loopback(0);
	if (self->fd < 0)
		return;
	aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid());
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QC_PREFIX);
	aet_params_restore(&self->params);
	close(self->fd);
}

static void qc_unmap(unsigned char *p, size_t pages, int rfd)
{
	munmap(p, pages * psize());
	close(rfd);
}

/* Read a debugfs file of the group at @path: its first line as a number. */
static long long qc_debugfs_num(const char *path)
{
	char buf[64];

	if (aet_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return -2;
	return strtoll(buf, NULL, 10);
}

/*
 * max N: N pages go in, the next fault is SIGBUS; the group counts the
 * refusal; usage never passed N; debugfs says the same in bytes.
 */
TEST_F(charge, max_is_exact_fault_beyond_is_sigbus)
{
	const size_t pages = 64, max = 16;
	struct aether_qos_group_info gi;
	char path[128], buf[256];
	unsigned char *p;
	size_t wrote;
	int rfd, status;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "max", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	p = aqt_region(self->mfd, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));

	status = aqt_touch_child(p, pages, &wrote);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("status %#x", status);
	ASSERT_EQ(max, wrote);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(max, gi.usage);
	ASSERT_EQ(max, gi.peak);
	ASSERT_EQ(max, gi.charged);
	ASSERT_LE(1, gi.refused);
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_MAX]);
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_OOM]);
	ASSERT_EQ(gi.events_local[AETHER_QOS_EVENT_MAX],
		  gi.events[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, gi.events[AETHER_QOS_EVENT_HIGH]);

	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QC_PREFIX "max/memory.current");
	ASSERT_EQ((long long)(max * psize()), qc_debugfs_num(path));
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QC_PREFIX "max/memory.max");
	ASSERT_EQ((long long)(max * psize()), qc_debugfs_num(path));
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QC_PREFIX "max/memory.high");
	ASSERT_EQ(-2, qc_debugfs_num(path)) TH_LOG("no limit reads \"max\"");
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QC_PREFIX "max/memory.events");
	ASSERT_EQ(0, aet_read_file(path, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "low 0\nhigh 0\nmax "));
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QC_PREFIX "max/memory.peak");
	ASSERT_EQ((long long)(max * psize()), qc_debugfs_num(path));

	/* Room again: the same page goes in. */
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max + 1));
	status = aqt_touch_child(p, max + 1, &wrote);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(max + 1, gi.usage);

	qc_unmap(p, pages, rfd);
	ASSERT_EQ(0, aqt_get_released(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, gi.nr_regions);
	ASSERT_EQ(max + 1, gi.uncharged);
}

/*
 * P has children A and B: their pages count in P; P's max binds both,
 * and the event is P's (local), hierarchical above it, not B's.
 */
TEST_F(charge, usage_is_hierarchical_and_ancestor_max_binds)
{
	struct aether_qos_group_info gp, ga, gb, groot0, groot1;
	unsigned char *pa, *pb;
	__u32 P, A, B;
	int ra, rb, status;
	size_t wrote;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "P", 0, &P));
	ASSERT_EQ(0, aqt_create(self->fd, P, "A", 0, &A));
	ASSERT_EQ(0, aqt_create(self->fd, P, "B", 0, &B));
	ASSERT_EQ(0, aqt_attach(self->fd, A, getpid()));
	pa = aqt_region(self->mfd, 10, &ra);
	ASSERT_NE(NULL, pa);
	ASSERT_EQ(0, aqt_attach(self->fd, B, getpid()));
	pb = aqt_region(self->mfd, 10, &rb);
	ASSERT_NE(NULL, pb);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &groot0));

	status = aqt_touch_child(pa, 10, &wrote);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, aqt_set_max(self->fd, P, 12));
	status = aqt_touch_child(pb, 10, &wrote);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("status %#x", status);
	ASSERT_EQ(2, wrote);

	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(0, aqt_get(self->fd, A, &ga));
	ASSERT_EQ(0, aqt_get(self->fd, B, &gb));
	ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &groot1));
	ASSERT_EQ(10, ga.usage);
	ASSERT_EQ(2, gb.usage);
	ASSERT_EQ(12, gp.usage);
	ASSERT_EQ(2, gp.nr_children);
	ASSERT_LE(1, gp.events_local[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, gb.events[AETHER_QOS_EVENT_MAX]) TH_LOG("P's event, not B's");
	ASSERT_LE(1, gb.refused) TH_LOG("B's charge was the one refused");
	ASSERT_LT(groot0.events[AETHER_QOS_EVENT_MAX],
		  groot1.events[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, groot1.events_local[AETHER_QOS_EVENT_MAX]);

	qc_unmap(pa, 10, ra);
	qc_unmap(pb, 10, rb);
	ASSERT_EQ(0, aqt_get_released(self->fd, A, &ga));
	ASSERT_EQ(0, aqt_get_released(self->fd, B, &gb));
	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(0, gp.usage);
	ASSERT_EQ(12, gp.peak);
}

/*
 * high: each charge above it is a high event.  1.6 % over at the most:
 * the throttle's penalty stays short (qos_high_test tests the throttle).
 */
TEST_F(charge, high_counts_events)
{
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH, .high = 512 };
	struct aether_qos_group_info gi;
	unsigned char *p;
	size_t wrote;
	int rfd;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "high", 0, &g));
	s.id = g;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	p = aqt_region(self->mfd, 520, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(0, aqt_touch_child(p, 520, &wrote));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(520, gi.usage) TH_LOG("high does not refuse");
	ASSERT_EQ(8, gi.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(0, gi.events_local[AETHER_QOS_EVENT_MAX]);
	qc_unmap(p, 520, rfd);
}

/*
 * A process's grandchild creates a region: charged to the process's
 * group, found by walking up the grandchild's parents.
 */
TEST_F(charge, attach_follows_children)
{
	struct aether_qos_group_info gi;
	int up[2], down[2], status;
	pid_t child;
	char c;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "fam", 0, &g));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t gc;

		/* wait until attached, then make a grandchild */
		if (read(down[0], &c, 1) != 1)
			_exit(2);
		gc = fork();
		if (gc == 0) {
			unsigned char *p;
			size_t i;
			int rfd;

			p = aqt_region(self->mfd, 6, &rfd);
			if (!p)
				_exit(3);
			for (i = 0; i < 6; i++)
				p[i * psize()] = 1;
			if (write(up[1], "r", 1) != 1)
				_exit(4);
			read(down[0], &c, 1);
			_exit(0);
		}
		if (gc < 0 || waitpid(gc, &status, 0) != gc)
			_exit(5);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 6);
	}
	ASSERT_EQ(0, aqt_attach(self->fd, g, child));
	ASSERT_EQ(1, write(down[1], "a", 1));
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(1, gi.nr_regions);
	ASSERT_EQ(6, gi.usage);
	/* the child, and the grandchild it forked once it was a member */
	ASSERT_EQ(2, gi.nr_members);
	ASSERT_EQ(1, write(down[1], "q", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	ASSERT_EQ(0, aqt_get_released(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, gi.nr_regions);
}

/*
 * min overcommitted: P protected for 10 pages, A and B claiming 10 each
 * with 10 used each: 5 each; once B's pages are gone, A gets its 10.
 */
TEST_F(charge, min_split_in_proportion)
{
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_MIN, .min = 10 };
	struct aether_qos_group_info gp, ga, gb;
	unsigned char *pa, *pb;
	int ra, rb;
	size_t wrote;
	__u32 P, A, B;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "prot", 0, &P));
	ASSERT_EQ(0, aqt_create(self->fd, P, "A", 0, &A));
	ASSERT_EQ(0, aqt_create(self->fd, P, "B", 0, &B));
	s.id = P;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	s.id = A;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	s.id = B;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_attach(self->fd, A, getpid()));
	pa = aqt_region(self->mfd, 10, &ra);
	ASSERT_NE(NULL, pa);
	ASSERT_EQ(0, aqt_attach(self->fd, B, getpid()));
	pb = aqt_region(self->mfd, 10, &rb);
	ASSERT_NE(NULL, pb);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(0, aqt_touch_child(pa, 10, &wrote));
	ASSERT_EQ(0, aqt_touch_child(pb, 10, &wrote));

	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(0, aqt_get(self->fd, A, &ga));
	ASSERT_EQ(0, aqt_get(self->fd, B, &gb));
	ASSERT_EQ(10, gp.emin);
	ASSERT_EQ(5, ga.emin);
	ASSERT_EQ(5, gb.emin);
	qc_unmap(pb, 10, rb);
	ASSERT_EQ(0, aqt_get(self->fd, A, &ga));
	ASSERT_EQ(10, ga.emin);
	qc_unmap(pa, 10, ra);
	ASSERT_EQ(0, aqt_get(self->fd, A, &ga));
	ASSERT_EQ(0, ga.emin);
}

/* A user of the box nobody placed: bounded by user_max_pages. */
static const struct aet_user qc_user = {
	.uid = 4245, .gid = 4245,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

struct qc_result {
	int status;
	size_t wrote;
};

static int qc_user_fill(void *arg)
{
	struct qc_result *r = arg;
	unsigned char *p;
	int mfd = aemt_open(), rfd;

	if (mfd < 0)
		return mfd;
	p = aqt_region(mfd, 32, &rfd);
	if (!p)
		return -ENOMEM;
	r->status = aqt_touch_child(p, 32, &r->wrote);
	return 0;
}

TEST_F(charge, user_default_group_is_bounded)
{
	struct qc_result *r;
	struct aether_qos_group_info gi;
	char name[AETHER_QOS_NAME_MAX];
	__u32 ug;

	if (!aet_can_run_as(&qc_user))
		SKIP(return, "needs root");
	r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	snprintf(name, sizeof(name), "user.%u", qc_user.uid);
	if (!aqt_find(self->fd, 0, name, &ug))
		ASSERT_EQ(0, aqt_destroy(self->fd, ug));
	ASSERT_EQ(0, aet_write_file(AQT_PARAMS "/user_max_pages", "8"));
	ASSERT_EQ(0, aet_run_as(&qc_user, qc_user_fill, r));
	ASSERT_TRUE(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGBUS)
		TH_LOG("status %#x", r->status);
	ASSERT_EQ(8, r->wrote);
	ASSERT_EQ(0, aqt_find(self->fd, 0, name, &ug));
	ASSERT_EQ(0, aqt_get_released(self->fd, ug, &gi));
	ASSERT_EQ(AETHER_QOS_GROUP_USER, gi.flags);
	ASSERT_EQ(qc_user.uid, gi.owner_uid);
	ASSERT_EQ(8, gi.max);
	ASSERT_EQ(8, gi.peak);
	ASSERT_EQ(0, gi.usage) TH_LOG("its region went with its process");
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, aqt_destroy(self->fd, ug));
}

/*
 * Faults at max while aether_kaccessd scans every 10 ms over a ballast
 * of 4096 mapped pages (each pass holds aem_access_lock all along): max
 * 32, 32 pages written and scanned cold, then 24 more written, each over
 * max.  Under mmap_lock the group's reclaim only tries aem_access_lock
 * and fails while a pass runs (that fault was a SIGBUS); a fault that
 * may be retried drops mmap_lock, waits for the lock, reclaims, and is
 * made again.  All 24 go in, the group stays within max, the pages
 * stored read back as written.
 */
TEST_F_TIMEOUT(charge, fault_at_max_waits_for_the_scan, 240)
{
	const size_t max = 32, more = 24, pages = 64, ballast = 4096;
	struct aether_qos_group_info gi;
	unsigned char *p, *b;
	int rfd, bfd, status, ret;
	size_t wrote;
	__u64 id;
	__u32 g, gb;

	ret = aqt_loopback(1);
	if (ret)
		SKIP(return, "no loopback store: %s", strerror(-ret));
	self->loopback = true;
	ASSERT_LE(0, aet_read_file(QC_INTERVAL, self->interval,
				   sizeof(self->interval)));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "ballast", 0, &gb));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QC_PREFIX "scanmax", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	ASSERT_EQ(0, aqt_attach(self->fd, gb, getpid()));
	b = aqt_region(self->mfd, ballast, &bfd);
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	p = aqt_region_id(self->mfd, AETHER_MM_REGION_SHARED |
			  AETHER_MM_REGION_COMPRESSIBLE, pages, &rfd, &id);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, p);
	aqt_write_pages(b, 0, ballast, 1);
	aqt_write_pages(p, 0, max, 5);
	ASSERT_EQ(0, aqt_scan(id, 3));		/* leaves the scanner off */

	ASSERT_EQ(0, aemt_write_file(QC_INTERVAL, "10"));
	status = aqt_touch_child(p + max * psize(), more, &wrote);
	ASSERT_EQ(0, aemt_write_file(QC_INTERVAL, self->interval));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x after %zu pages", status, wrote);
	ASSERT_EQ(more, wrote);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("usage %llu peak %llu max events %llu oom %llu",
	       (unsigned long long)gi.usage, (unsigned long long)gi.peak,
	       (unsigned long long)gi.events_local[AETHER_QOS_EVENT_MAX],
	       (unsigned long long)gi.events_local[AETHER_QOS_EVENT_OOM]);
	ASSERT_GE(max, gi.peak);
	ASSERT_LE(more, gi.events_local[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, aqt_set_max(self->fd, g, AETHER_QOS_UNLIMITED));
	ASSERT_EQ(0, aqt_bad_pages(p, 0, max, 5));
	qc_unmap(p, pages, rfd);
	qc_unmap(b, ballast, bfd);
}

TEST_HARNESS_MAIN
