// SPDX-License-Identifier: GPL-2.0
/*
 * qos_review_test - what an attacker review of aether_qos found, each
 * as the attack it describes (/work/qreview-findings.md, issue 14):
 *
 *   1. a confined process's orphan stays in its group: P in a group with
 *      max 16 double-forks and exits; the orphan's region is the group's
 *      and its fault of page 17 is SIGBUS;
 *   2. exited members do not pile up: a user's 500 rounds of fork,
 *      attach, kill leave no members behind, and members_max bounds the
 *      live ones ATTACH_PID may put in one group;
 *   4. a user nobody placed is bounded with the default parameters;
 *   5. users' default groups take no room from CREATE (groups_max), are
 *      bounded by user_groups_max, and one user's user namespace is one
 *      default group whatever uids it maps;
 *   6. user_max_pages above what a limit can hold is "no limit", not a
 *      limit that refuses every charge;
 *   7. min and low read back as AETHER_QOS_UNLIMITED as high and max do,
 *      and a huge max is no limit (debugfs "max", not an overflow);
 *   8. SET refuses fields outside its mask; a group fd reads with pread.
 *
 * Finding 3 (SET's reclaim starving other users) is not tested here: see
 * README, "aether_qos".
 *
 * Groups made here are named "qr-*" under the root, or are the default
 * groups of the uids 4246..4259, and are destroyed by the teardown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QR_PREFIX	"qr-"
#define QR_UID_FIRST	4246
#define QR_UID_LAST	4259
/* AQOS_UNLIMITED of 4 KiB pages: LONG_MAX bytes in pages */
#define QR_NO_LIMIT	(0x7fffffffffffffffULL >> 12)

static void qr_user(struct aet_user *u, uid_t uid)
{
	memset(u, 0, sizeof(*u));
	u->uid = uid;
	u->gid = uid;
	u->groups[0] = AET_AETHER_GID;
	u->nr_groups = 1;
}

/* Destroy the default group of @uid and what its user made in it. */
static void qr_drop_user(int fd, uid_t uid)
{
	char name[AETHER_QOS_NAME_MAX];
	__u32 ug;

	snprintf(name, sizeof(name), "user.%u", uid);
	if (aqt_find(fd, AETHER_QOS_ROOT_ID, name, &ug))
		return;
	aqt_destroy_prefixed(fd, ug, "");
	aqt_destroy(fd, ug);
}

FIXTURE(review) {
	int fd;
	int mfd;
	struct aet_params params;
};

FIXTURE_SETUP(review)
{
	uid_t uid;

	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QR_PREFIX);
	for (uid = QR_UID_FIRST; uid <= QR_UID_LAST; uid++)
		qr_drop_user(self->fd, uid);
}

FIXTURE_TEARDOWN(review)
{
	uid_t uid;

	if (self->fd < 0)
		return;
	aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid());
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QR_PREFIX);
	for (uid = QR_UID_FIRST; uid <= QR_UID_LAST; uid++)
		qr_drop_user(self->fd, uid);
	aet_params_restore(&self->params);
	close(self->fd);
}

/* What a process of a test saw, in shared memory, for the test to check. */
struct qr_result {
	int step;		/* the step that went wrong, 0 if none */
	int got;
	int status;		/* aqt_touch_child()'s, or the setup's */
	size_t wrote;
	int count;
};

/* ---- 1: the orphan of a confined process ---------------------------- */

/* The orphan: once its parent and grandparent are gone, fill 64 pages. */
static int qr_orphan(struct qr_result *r, int hold)
{
	unsigned char *p;
	int mfd, rfd;
	char c;

	/* EOF: P and C1, who held the other end, have exited. */
	if (read(hold, &c, 1) != 0)
		return 1;
	mfd = aemt_open();
	if (mfd < 0)
		return 2;
	p = aqt_region(mfd, 64, &rfd);
	if (!p)
		return 3;
	r->status = aqt_touch_child(p, 64, &r->wrote);
	r->count = 1;
	return 0;
}

TEST_F(review, orphan_of_a_member_stays_in_its_group)
{
	struct qr_result *r = aqt_shared_page();
	struct aether_qos_group_info gi;
	int go[2], status, reaped = 0;
	pid_t p, w;
	__u32 g;
	char c;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "orphan", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, 16));
	/* The orphan comes back to us, as to a subreaper (or to init). */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe(go));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_LE(0, p);
	if (p == 0) {
		int hold[2];
		pid_t c1;

		close(go[1]);
		if (read(go[0], &c, 1) != 1 || pipe(hold))
			_exit(1);
		c1 = fork();
		if (c1 == 0) {
			if (fork() == 0) {	/* C2, the orphan to be */
				close(hold[1]);
				_exit(qr_orphan(r, hold[0]));
			}
			_exit(0);
		}
		_exit(c1 < 0);
	}
	close(go[0]);
	ASSERT_EQ(0, aqt_attach(self->fd, g, p));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	/* P, C1 and C2: each of them ends as our child. */
	while ((w = waitpid(-1, &status, 0)) > 0) {
		reaped++;
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("pid %d status %#x", w, status);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	ASSERT_EQ(3, reaped);
	ASSERT_EQ(1, r->count) TH_LOG("the orphan did not run");
	ASSERT_TRUE(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGBUS)
		TH_LOG("the orphan wrote %zu pages, status %#x", r->wrote,
		       r->status);
	ASSERT_EQ(16, r->wrote);
	/* the orphan's region may be released a moment after its exit */
	ASSERT_EQ(0, aqt_get_released(self->fd, g, &gi));
	ASSERT_EQ(16, gi.peak) TH_LOG("the orphan's pages were its group's");
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_MAX]);
	/* All of them exited: no member is left, the group goes. */
	ASSERT_EQ(0, gi.nr_members);
	ASSERT_EQ(0, aqt_destroy(self->fd, g));
}

/* ---- 2: members of exited processes --------------------------------- */

static int qr_pause(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static int qr_attach_rounds(void *arg)
{
	struct qr_result *r = arg;
	struct aether_qos_group_info gi;
	char name[AETHER_QOS_NAME_MAX];
	int fd = aqt_open(), mfd = aemt_open(), rfd, i;
	pid_t pids[5];
	__u32 ug, c;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4096);
	AQT_EXPECT(r, 2, 1, rfd >= 0);	/* makes user.<uid> */
	close(rfd);
	snprintf(name, sizeof(name), "user.%u", getuid());
	AQT_EXPECT(r, 3, 0, aqt_find(fd, 0, name, &ug));
	AQT_EXPECT(r, 4, 0, aqt_create(fd, ug, "c", 0, &c));
	for (i = 0; i < 500; i++) {
		pid_t pid = qr_pause();

		AQT_EXPECT(r, 5, 1, pid > 0);
		AQT_EXPECT(r, 6, 0, aqt_attach(fd, c, pid));
		kill(pid, SIGKILL);
		AQT_EXPECT(r, 7, pid, waitpid(pid, NULL, 0));
	}
	AQT_EXPECT(r, 8, 0, aqt_get(fd, c, &gi));
	r->count = gi.nr_members;
	AQT_EXPECT(r, 9, 0, gi.nr_members);
	if (r->status)		/* no members_max to check */
		return 0;
	/* members_max is 4: the fifth live process is refused */
	for (i = 0; i < 5; i++) {
		pids[i] = qr_pause();
		AQT_EXPECT(r, 10, 1, pids[i] > 0);
	}
	for (i = 0; i < 4; i++)
		AQT_EXPECT(r, 11, 0, aqt_attach(fd, c, pids[i]));
	AQT_EXPECT(r, 12, -EDQUOT, aqt_attach(fd, c, pids[4]));
	kill(pids[0], SIGKILL);
	AQT_EXPECT(r, 13, pids[0], waitpid(pids[0], NULL, 0));
	AQT_EXPECT(r, 14, 0, aqt_attach(fd, c, pids[4]));
	for (i = 1; i < 5; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	AQT_EXPECT(r, 15, 0, aqt_destroy(fd, c));
	return 0;
}

TEST_F_TIMEOUT(review, exited_members_do_not_pile_up, 300)
{
	struct qr_result *r = aqt_shared_page();
	struct aet_user u;

	qr_user(&u, 4246);
	if (!aet_can_run_as(&u))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	/* checked last: the piling up is the first thing to see */
	r->status = aet_write_file(AQT_PARAMS "/members_max", "4");
	ASSERT_EQ(0, aet_run_as(&u, qr_attach_rounds, r))
		TH_LOG("step %d got %d (members %d)", r->step, r->got, r->count);
	ASSERT_EQ(0, r->status) TH_LOG("no members_max parameter");
}

/* ---- 4, 6: the default bound of a user ------------------------------ */

/* Make the default group: one region, touched on @pages pages. */
static int qr_user_touch(void *arg)
{
	struct qr_result *r = arg;
	unsigned char *p;
	int mfd = aemt_open(), rfd;

	AQT_EXPECT(r, 1, 1, mfd >= 0);
	p = aqt_region(mfd, r->count ? r->count : 1, &rfd);
	AQT_EXPECT(r, 2, 1, p != NULL);
	if (r->count)
		r->status = aqt_touch_child(p, r->count, &r->wrote);
	return 0;
}

static long long qr_param(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), AQT_PARAMS "/%s", name);
	if (aet_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtoull(buf, NULL, 10);
}

TEST_F(review, fresh_user_is_bounded_by_default)
{
	struct qr_result *r = aqt_shared_page();
	struct aether_qos_group_info gi;
	long long def = qr_param("user_max_pages");
	struct aet_user u;
	__u32 ug;

	qr_user(&u, 4247);
	if (!aet_can_run_as(&u))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_LT(0, def) TH_LOG("user_max_pages is %lld: no bound", def);
	ASSERT_GT((long long)QR_NO_LIMIT, def);
	ASSERT_EQ(0, aet_run_as(&u, qr_user_touch, r))
		TH_LOG("step %d got %d", r->step, r->got);
	ASSERT_EQ(0, aqt_find(self->fd, 0, "user.4247", &ug));
	ASSERT_EQ(0, aqt_get(self->fd, ug, &gi));
	ASSERT_EQ(def, gi.max);
}

TEST_F(review, user_max_pages_beyond_a_limit_is_no_limit)
{
	struct qr_result *r = aqt_shared_page();
	struct aether_qos_group_info gi;
	struct aet_user u;
	__u32 ug;

	qr_user(&u, 4253);
	if (!aet_can_run_as(&u))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aet_write_file(AQT_PARAMS "/user_max_pages",
				    "18446744073709551615"));
	ASSERT_EQ((long long)QR_NO_LIMIT, qr_param("user_max_pages"));
	r->count = 4;
	ASSERT_EQ(0, aet_run_as(&u, qr_user_touch, r))
		TH_LOG("step %d got %d", r->step, r->got);
	ASSERT_TRUE(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
		TH_LOG("status %#x after %zu pages", r->status, r->wrote);
	ASSERT_EQ(4, r->wrote);
	ASSERT_EQ(0, aqt_find(self->fd, 0, "user.4253", &ug));
	ASSERT_EQ(0, aqt_get(self->fd, ug, &gi));
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.max);
}

/* ---- 5: default groups and groups_max ------------------------------- */

/* How many live groups (the root aside) have AETHER_QOS_GROUP_USER or not. */
static int qr_count(int fd, int user)
{
	struct aether_qos_group_info gi;
	__u32 ids[1024], n = 1024, i;
	int count = 0;

	if (aqt_list(fd, ids, &n))
		return -1;
	for (i = 0; i < n && i < 1024; i++) {
		if (!ids[i] || aqt_get(fd, ids[i], &gi))
			continue;
		if (!!(gi.flags & AETHER_QOS_GROUP_USER) == user)
			count++;
	}
	return count;
}

/* One region made: 0, or -errno (-ENODEV: no /dev/aether_mm). */
static int qr_user_region(void *arg)
{
	int mfd = aemt_open(), rfd;

	if (mfd < 0)
		return -ENODEV;
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4096);
	if (rfd < 0)
		return rfd;
	close(rfd);
	return 0;
}

TEST_F(review, default_groups_leave_create_its_room)
{
	char val[32];
	struct aet_user u;
	int made, users, uid, ret;
	__u32 g;

	qr_user(&u, 4248);
	if (!aet_can_run_as(&u))
		SKIP(return, "needs root");
	made = qr_count(self->fd, 0);
	ASSERT_LE(0, made);
	snprintf(val, sizeof(val), "%d", made + 1);
	ASSERT_EQ(0, aet_write_file(AQT_PARAMS "/groups_max", val));
	for (uid = 4248; uid <= 4250; uid++) {
		qr_user(&u, uid);
		ASSERT_EQ(0, aet_run_as(&u, qr_user_region, NULL))
			TH_LOG("uid %d", uid);
	}
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "room", 0, &g))
		TH_LOG("users' default groups took CREATE's room");
	ASSERT_EQ(-ENOSPC, aqt_create(self->fd, 0, QR_PREFIX "full", 0, &g));

	/* user_groups_max: a new user beyond it has no region; others do */
	users = qr_count(self->fd, 1);
	ASSERT_LE(3, users);
	snprintf(val, sizeof(val), "%d", users);
	ASSERT_EQ(0, aet_write_file(AQT_PARAMS "/user_groups_max", val));
	qr_user(&u, 4251);
	ret = aet_run_as(&u, qr_user_region, NULL);
	ASSERT_NE(0, ret) TH_LOG("a default group beyond user_groups_max");
	ASSERT_NE(AET_HELPER_FAILED, ret);
	ASSERT_NE(-ENODEV, ret);
	qr_user(&u, 4248);
	ASSERT_EQ(0, aet_run_as(&u, qr_user_region, NULL));
	ASSERT_EQ(users, qr_count(self->fd, 1));
}

/*
 * In a user namespace of its own mapping many uids, a user's processes
 * of every uid there share its one default group.
 */
static int qr_in_userns(void *arg)
{
	int *sync = arg;	/* [0] to the parent, [1] from it */
	char c = 'u';

	if (unshare(CLONE_NEWUSER))
		return -errno;
	if (write(sync[0], &c, 1) != 1 || read(sync[1], &c, 1) != 1)
		return -EPIPE;
	if (setgid(7) || setuid(7))	/* uid 7 in there */
		return -EPERM;
	return qr_user_region(NULL);
}

TEST_F(review, a_user_namespace_is_its_owners_default_group)
{
	struct aether_qos_group_info gi;
	int up[2], down[2], sync[2], status;
	char path[64], c;
	struct aet_user u;
	pid_t pid;
	__u32 ug;

	qr_user(&u, 4252);
	if (!aet_can_run_as(&u))
		SKIP(return, "needs root");
	if (access("/proc/self/ns/user", F_OK))
		SKIP(return, "no user namespaces");
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	sync[0] = up[1];
	sync[1] = down[0];
	pid = aet_start_as(&u, qr_in_userns, sync);
	ASSERT_LT(0, pid);
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		SKIP(return, "unshare(CLONE_NEWUSER) refused: status %#x",
		     status);
	}
	/* uids and gids 0..999 in there are 300000..300999 outside */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, aet_write_file(path, "0 300000 1000"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, aet_write_file(path, "0 300000 1000"));
	ASSERT_EQ(1, write(down[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	ASSERT_EQ(-ENOENT, aqt_find(self->fd, 0, "user.300007", &ug))
		TH_LOG("uid 7 of the namespace has a default group of its own");
	ASSERT_EQ(0, aqt_find(self->fd, 0, "user.4252", &ug));
	ASSERT_EQ(0, aqt_get(self->fd, ug, &gi));
	ASSERT_EQ(4252, gi.owner_uid);
	ASSERT_EQ(AETHER_QOS_GROUP_USER, gi.flags);
}

/* ---- 7: limits read back -------------------------------------------- */

TEST_F(review, huge_limits_read_back_as_unlimited)
{
	struct aether_qos_set s = { .size = sizeof(s) };
	struct aether_qos_group_info gi;
	char path[128], buf[64];
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "huge", 0, &g));
	s.id = g;
	s.mask = AETHER_QOS_SET_MIN | AETHER_QOS_SET_LOW | AETHER_QOS_SET_MAX;
	s.min = AETHER_QOS_UNLIMITED;
	s.low = AETHER_QOS_UNLIMITED;
	s.max = 1ULL << 53;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.min);
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.low);
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.max) TH_LOG("2^53 pages is no limit");
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QR_PREFIX "huge/memory.max");
	if (aet_read_file(path, buf, sizeof(buf)) >= 0)
		ASSERT_EQ(0, strncmp(buf, "max\n", 4)) TH_LOG("read \"%s\"", buf);
	snprintf(path, sizeof(path), AQT_DEBUGFS "/" QR_PREFIX "huge/memory.min");
	if (aet_read_file(path, buf, sizeof(buf)) >= 0)
		ASSERT_EQ(0, strncmp(buf, "max\n", 4)) TH_LOG("read \"%s\"", buf);
	/* A limit just below "no limit" stays a limit. */
	s.mask = AETHER_QOS_SET_MAX;
	s.min = 0;
	s.low = 0;
	s.max = QR_NO_LIMIT - 1;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(QR_NO_LIMIT - 1, gi.max);
}

/* ---- 8: SET's unused fields; pread on a group fd -------------------- */

TEST_F(review, set_refuses_fields_outside_its_mask)
{
	struct aether_qos_set s = { .size = sizeof(s) };
	struct aether_qos_group_info gi;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "mask", 0, &g));
	s.id = g;
	s.mask = AETHER_QOS_SET_MAX;
	s.max = 100;
	s.min = 5;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.min = 0;
	s.class = AETHER_QOS_CLASS_BESTEFFORT;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.class = 0;
	s.high = 1;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.high = 0;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(100, gi.max);
	ASSERT_EQ(0, gi.min);
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.high);
}

TEST_F(review, group_fd_reads_with_pread)
{
	struct aether_qos_open o = { .size = sizeof(o) };
	char a[160], b[160];
	ssize_t n, m;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "pread", 0, &g));
	o.id = g;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_OPEN, &o));
	n = pread(o.fd, a, sizeof(a) - 1, 0);
	ASSERT_LT(0, n) TH_LOG("pread: %s", strerror(errno));
	a[n] = '\0';
	ASSERT_EQ(0, strncmp(a, "some avg10=", 11));
	m = pread(o.fd, b, sizeof(b) - 1, 5);
	ASSERT_EQ(n - 5, m);
	b[m] = '\0';
	ASSERT_EQ(0, strncmp(b, "avg10=", 6));
	/* pread leaves the file's offset: read() starts at 0 */
	m = read(o.fd, b, sizeof(b) - 1);
	ASSERT_EQ(n, m);
	close(o.fd);
}

TEST_HARNESS_MAIN
