// SPDX-License-Identifier: GPL-2.0
/*
 * qos_group_test - /dev/aether_qos: each ioctl, its errors, and who may
 * do what
 *
 * CREATE, SET, GET, DESTROY, ATTACH_PID and LIST as root, with every
 * field checked (reserved fields, ranges, names, the size convention);
 * the destroy rules (children, running members, regions); then as users
 * of the box that hold the device but not CAP_SYS_ADMIN: what they may
 * read, what is refused, and the delegation of a user's default group
 * with its per-user bound (groups_per_user).
 *
 * Groups made here are named "qg-*" under the root and destroyed by each
 * fixture's teardown, whatever the test did.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QG_PREFIX	"qg-"

FIXTURE(qos) {
	int fd;
	struct aet_params params;
};

FIXTURE_SETUP(qos)
{
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QG_PREFIX);
}

FIXTURE_TEARDOWN(qos)
{
	if (self->fd < 0)
		return;
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QG_PREFIX);
	aet_params_restore(&self->params);
	close(self->fd);
}

/* A new group reads back as made: no limits, the caller its owner. */
TEST_F(qos, create_get_destroy)
{
	struct aether_qos_group_info gi;
	__u32 id;

	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QG_PREFIX "a",
				AETHER_QOS_CLASS_BESTEFFORT, &id));
	ASSERT_NE(0, id);
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(sizeof(gi), gi.size);
	ASSERT_EQ(id, gi.id);
	ASSERT_EQ(AETHER_QOS_ROOT_ID, gi.parent_id);
	ASSERT_STREQ(QG_PREFIX "a", gi.name);
	ASSERT_EQ(AETHER_QOS_CLASS_BESTEFFORT, gi.class);
	ASSERT_EQ(0, gi.flags);
	ASSERT_EQ(getuid(), gi.owner_uid);
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, gi.min);
	ASSERT_EQ(0, gi.low);
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.high);
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.max);
	ASSERT_EQ(0, gi.nr_children);
	ASSERT_EQ(0, gi.__reserved[0]);

	ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &gi));
	ASSERT_STREQ("root", gi.name);
	ASSERT_EQ(AETHER_QOS_GROUP_ROOT, gi.flags);
	ASSERT_EQ(AETHER_QOS_NO_OWNER, gi.owner_uid);
	ASSERT_LE(1, gi.nr_children);

	ASSERT_EQ(0, aqt_destroy(self->fd, id));
	ASSERT_EQ(-ENOENT, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(-ENOENT, aqt_destroy(self->fd, id));
}

/* Every field of CREATE is checked. */
TEST_F(qos, create_errors)
{
	struct aether_qos_create c;
	__u32 id, parent, i;
	char name[16];

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c))
		TH_LOG("an empty name");
	memset(c.name, 'a', sizeof(c.name));
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c))
		TH_LOG("a name without its NUL");
	ASSERT_EQ(-EINVAL, aqt_create(self->fd, 0, QG_PREFIX "a.b", 0, &id));
	ASSERT_EQ(-EINVAL, aqt_create(self->fd, 0, QG_PREFIX "a/b", 0, &id));
	ASSERT_EQ(-EINVAL, aqt_create(self->fd, 0, QG_PREFIX "x",
				      AETHER_QOS_NR_CLASSES, &id));
	ASSERT_EQ(-ENOENT, aqt_create(self->fd, 0x7ffffff0, QG_PREFIX "x", 0,
				      &id));

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	strcpy(c.name, QG_PREFIX "x");
	c.flags = 2;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	c.flags = 0;
	c.owner_uid = 5;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c))
		TH_LOG("owner_uid without AETHER_QOS_CREATE_OWNER");
	c.owner_uid = 0;
	c.id = 7;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c))
		TH_LOG("an (out) field not zero");
	c.id = 0;
	c.size = 8;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c))
		TH_LOG("a size below the struct's");
	c.size = sizeof(c);
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_CREATE, &c));
	ASSERT_EQ(-EEXIST, aqt_create(self->fd, 0, QG_PREFIX "x", 0, &id));

	/* A name is scoped to its parent: the same under another is fine. */
	ASSERT_EQ(0, aqt_create(self->fd, c.id, QG_PREFIX "x", 0, &parent));
	/* Sixteen levels below the root, not seventeen. */
	for (i = 3; i <= 16; i++) {
		snprintf(name, sizeof(name), "l%u", i);
		ASSERT_EQ(0, aqt_create(self->fd, parent, name, 0, &parent));
	}
	ASSERT_EQ(-EMLINK, aqt_create(self->fd, parent, "l17", 0, &id));

	ASSERT_EQ(-ENOTTY, aet_ioctl(self->fd, _IO(AETHER_QOS_IOC_MAGIC, 0x3f),
				     &c));
}

/* A larger struct is accepted only when its tail is zero. */
TEST_F(qos, size_convention)
{
	struct {
		struct aether_qos_group_info gi;
		__u64 tail;
	} big;

	memset(&big, 0, sizeof(big));
	big.gi.size = sizeof(big);
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_GET, &big));
	ASSERT_EQ(sizeof(big.gi), big.gi.size);
	ASSERT_EQ(0, big.tail);
	memset(&big, 0, sizeof(big));
	big.gi.size = sizeof(big);
	big.tail = 1;
	ASSERT_EQ(-E2BIG, aet_ioctl(self->fd, AETHER_QOS_IOC_GET, &big));
	big.gi.size = 4096 * 2;
	ASSERT_NE(0, aet_ioctl(self->fd, AETHER_QOS_IOC_GET, &big));
}

/* SET changes what its mask names, and checks the rest. */
TEST_F(qos, set_and_get)
{
	struct aether_qos_set s = { 0 };
	struct aether_qos_group_info gi;
	__u32 id;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "s", 0, &id));
	s.id = id;
	s.mask = AETHER_QOS_SET_ALL;
	s.min = 1;
	s.low = 2;
	s.high = 3;
	s.max = 4;
	s.class = AETHER_QOS_CLASS_REALTIME;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(1, gi.min);
	ASSERT_EQ(2, gi.low);
	ASSERT_EQ(3, gi.high);
	ASSERT_EQ(4, gi.max);
	ASSERT_EQ(AETHER_QOS_CLASS_REALTIME, gi.class);

	s.mask = AETHER_QOS_SET_MAX;
	s.max = AETHER_QOS_UNLIMITED;
	s.min = 99;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s))
		TH_LOG("a field outside the mask must be zero");
	s.min = 0;
	s.low = 0;
	s.high = 0;
	s.class = 0;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(1, gi.min) TH_LOG("min changed without its mask bit");
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.max);

	s.mask = 0;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.mask = AETHER_QOS_SET_ALL + 1;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.mask = AETHER_QOS_SET_CLASS;
	s.max = 0;		/* outside the mask: zero */
	s.class = AETHER_QOS_NR_CLASSES;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s));
	s.class = 0;
	s.id = AETHER_QOS_ROOT_ID;
	ASSERT_EQ(-EINVAL, aqt_set(self->fd, &s)) TH_LOG("the root has no limits");
	s.id = 0x7ffffff0;
	ASSERT_EQ(-ENOENT, aqt_set(self->fd, &s));
}

static int qg_pause(void *arg)
{
	pause();
	return 0;
}

/*
 * DESTROY refuses a group with children, with a running member, with a
 * region; a member that has exited does not keep it.
 */
TEST_F(qos, destroy_rules)
{
	struct aether_qos_group_info gi;
	__u32 p, c;
	int status;
	pid_t pid;

	ASSERT_EQ(-EINVAL, aqt_destroy(self->fd, AETHER_QOS_ROOT_ID));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "p", 0, &p));
	ASSERT_EQ(0, aqt_create(self->fd, p, "c", 0, &c));
	ASSERT_EQ(-EBUSY, aqt_destroy(self->fd, p));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(qg_pause(NULL));
	ASSERT_EQ(0, aqt_attach(self->fd, c, pid));
	ASSERT_EQ(0, aqt_get(self->fd, c, &gi));
	ASSERT_EQ(1, gi.nr_members);
	ASSERT_EQ(-EBUSY, aqt_destroy(self->fd, c)) TH_LOG("a running member");
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, aqt_destroy(self->fd, c)) TH_LOG("an exited member");
	ASSERT_EQ(0, aqt_destroy(self->fd, p));
}

/* A region charged to a group keeps it. */
TEST_F(qos, destroy_refused_with_region)
{
	struct aether_qos_group_info gi;
	int mfd, rfd;
	__u32 g;

	mfd = aemt_open();
	if (mfd < 0)
		SKIP(return, "no /dev/aether_mm");
	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "r", 0, &g));
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4 * getpagesize());
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(1, gi.nr_regions);
	ASSERT_EQ(0, gi.nr_members) TH_LOG("attaching to the root detaches");
	ASSERT_EQ(-EBUSY, aqt_destroy(self->fd, g));
	close(rfd);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.nr_regions);
	ASSERT_EQ(0, aqt_destroy(self->fd, g));
	close(mfd);
}

/* ATTACH_PID checks its fields, and moves a process between groups. */
TEST_F(qos, attach_errors_and_moves)
{
	struct aether_qos_attach a = { .size = sizeof(a) };
	struct aether_qos_group_info gi;
	__u32 g1, g2;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "1", 0, &g1));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "2", 0, &g2));
	ASSERT_EQ(-EINVAL, aqt_attach(self->fd, g1, 0));
	ASSERT_EQ(-EINVAL, aqt_attach(self->fd, g1, -1));
	ASSERT_EQ(-ESRCH, aqt_attach(self->fd, g1, 0x3ffffff0));
	ASSERT_EQ(-ENOENT, aqt_attach(self->fd, 0x7ffffff0, getpid()));
	a.id = g1;
	a.pid = getpid();
	a.flags = 1;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_ATTACH_PID, &a));

	ASSERT_EQ(0, aqt_attach(self->fd, g1, getpid()));
	ASSERT_EQ(0, aqt_attach(self->fd, g1, getpid()));
	ASSERT_EQ(0, aqt_get(self->fd, g1, &gi));
	ASSERT_EQ(1, gi.nr_members);
	ASSERT_EQ(0, aqt_attach(self->fd, g2, getpid()));
	ASSERT_EQ(0, aqt_get(self->fd, g1, &gi));
	ASSERT_EQ(0, gi.nr_members) TH_LOG("attaching moves");
	ASSERT_EQ(0, aqt_get(self->fd, g2, &gi));
	ASSERT_EQ(1, gi.nr_members);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(0, aqt_get(self->fd, g2, &gi));
	ASSERT_EQ(0, gi.nr_members);
}

/* LIST: the root and every group, in increasing ids; the count when short. */
TEST_F(qos, list)
{
	__u32 ids[1024], n = 0, m, a, b, i;
	int found = 0;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "la", 0, &a));
	ASSERT_EQ(0, aqt_create(self->fd, a, "lb", 0, &b));
	ASSERT_EQ(0, aqt_list(self->fd, NULL, &n));
	ASSERT_LE(3, n);
	m = 1024;
	ASSERT_EQ(0, aqt_list(self->fd, ids, &m));
	ASSERT_EQ(n, m);
	ASSERT_EQ(AETHER_QOS_ROOT_ID, ids[0]);
	for (i = 0; i < m && i < 1024; i++) {
		if (i)
			ASSERT_LT(ids[i - 1], ids[i]);
		found += ids[i] == a || ids[i] == b;
	}
	ASSERT_EQ(2, found);
	m = 1;
	ids[1] = 0xdead;
	ASSERT_EQ(0, aqt_list(self->fd, ids, &m));
	ASSERT_EQ(n, m);
	ASSERT_EQ(0xdead, ids[1]) TH_LOG("written past the room given");
	m = 4;
	ASSERT_EQ(-EFAULT, aqt_list(self->fd, (void *)8, &m));
	m = 4;
	ASSERT_EQ(-EINVAL, aqt_list(self->fd, NULL, &m));
}

/* The box's users with the device: uids no other test uses. */
static const struct aet_user qg_user = {
	.uid = 4243, .gid = 4243,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};
static const struct aet_user qg_deleg = {
	.uid = 4244, .gid = 4244,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

/* What a step of a body run as a user got, for the parent to report. */
struct qg_result {
	int step;
	int got;
	__u32 id;
};

/* As a user holding the device: reading yes, changing no. */
static int qg_unprivileged(void *arg)
{
	struct qg_result *r = arg;
	struct aether_qos_group_info gi;
	struct aether_qos_set s = { .id = r->id, .mask = AETHER_QOS_SET_MAX };
	__u32 n = 0, id;
	int fd = aqt_open();

	AQT_EXPECT(r, 1, 1, fd >= 0);
	AQT_EXPECT(r, 2, 0, aqt_get(fd, r->id, &gi));
	AQT_EXPECT(r, 3, 0, aqt_list(fd, NULL, &n));
	AQT_EXPECT(r, 4, -EPERM, aqt_create(fd, 0, QG_PREFIX "u", 0, &id));
	AQT_EXPECT(r, 5, -EPERM, aqt_create(fd, r->id, "u", 0, &id));
	AQT_EXPECT(r, 6, -EPERM, aqt_set(fd, &s));
	AQT_EXPECT(r, 7, -EPERM, aqt_destroy(fd, r->id));
	AQT_EXPECT(r, 8, -EPERM, aqt_attach(fd, r->id, getpid()));
	AQT_EXPECT(r, 9, -EPERM, aqt_attach(fd, r->id, 1));
	return 0;
}

static int qg_open(int fd, __u32 id, int *gfd)
{
	struct aether_qos_open o = { .size = sizeof(o), .id = id };
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_OPEN, &o);

	if (!ret)
		*gfd = o.fd;
	return ret;
}

/* poll() now, without waiting: the revents. */
static short qg_poll_now(int gfd)
{
	struct pollfd p = { .fd = gfd, .events = POLLPRI };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/*
 * A group fd reads as memory.pressure; one trigger per fd; an idle group
 * never fires; a destroyed group's trigger reports EPOLLERR.
 */
TEST_F(qos, group_fd_pressure_and_trigger)
{
	struct aether_qos_open o = { .size = sizeof(o) };
	char buf[160];
	unsigned int a, b, c, d, e, f;
	unsigned long long total;
	int gfd, rfd;
	ssize_t n;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "psi", 0, &g));
	ASSERT_EQ(-ENOENT, qg_open(self->fd, 0x7ffffff0, &gfd));
	o.id = g;
	o.flags = 1;
	ASSERT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_OPEN, &o));
	ASSERT_EQ(0, qg_open(self->fd, AETHER_QOS_ROOT_ID, &rfd));
	ASSERT_EQ(0, qg_open(self->fd, g, &gfd));
	ASSERT_LE(0, gfd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(gfd, F_GETFD) & FD_CLOEXEC);

	n = read(gfd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	ASSERT_EQ(7, sscanf(buf, "some avg10=%u.%u avg60=%u.%u avg300=%u.%u total=%llu",
			    &a, &b, &c, &d, &e, &f, &total)) TH_LOG("read \"%s\"", buf);
	ASSERT_EQ('\n', buf[n - 1]);
	n = read(rfd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, strncmp(buf, "some avg10=", 11));

	/* No trigger yet: as PSI, an error to poll. */
	ASSERT_TRUE(qg_poll_now(gfd) & POLLERR);
	ASSERT_EQ(-1, write(gfd, "some 0 1000000", 14));
	ASSERT_EQ(EINVAL, errno) TH_LOG("threshold 0");
	ASSERT_EQ(-1, write(gfd, "full 1000 1000000", 17));
	ASSERT_EQ(EINVAL, errno) TH_LOG("only some");
	ASSERT_EQ(-1, write(gfd, "some 1000 20000000", 18));
	ASSERT_EQ(EINVAL, errno) TH_LOG("a window above 10 s");
	ASSERT_EQ(20, write(gfd, "some 150000 1000000\n", 20));
	ASSERT_EQ(-1, write(gfd, "some 150000 1000000", 19));
	ASSERT_EQ(EBUSY, errno) TH_LOG("one trigger per fd");
	ASSERT_EQ(0, qg_poll_now(gfd) & (POLLPRI | POLLERR))
		TH_LOG("an idle group's trigger fired");

	ASSERT_EQ(0, aqt_destroy(self->fd, g));
	ASSERT_TRUE(qg_poll_now(gfd) & POLLERR) TH_LOG("its group is gone");
	ASSERT_EQ(0, lseek(gfd, 0, SEEK_SET));
	n = read(gfd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n) TH_LOG("the fd still reads");
	close(gfd);
	close(rfd);
}

/* Without CAP_SYS_RESOURCE a window is a multiple of 2 s, as PSI's. */
static int qg_unpriv_trigger(void *arg)
{
	struct qg_result *r = arg;
	int fd = aqt_open(), gfd;

	AQT_EXPECT(r, 1, 1, fd >= 0);
	AQT_EXPECT(r, 2, 0, qg_open(fd, r->id, &gfd));
	AQT_EXPECT(r, 3, -1, (int)write(gfd, "some 100000 1000000", 19));
	AQT_EXPECT(r, 4, EINVAL, errno);
	AQT_EXPECT(r, 5, 19, (int)write(gfd, "some 100000 2000000", 19));
	AQT_EXPECT(r, 6, 0, qg_poll_now(gfd) & (POLLPRI | POLLERR));
	close(gfd);
	return 0;
}

TEST_F(qos, unprivileged_refused)
{
	struct qg_result *r = aqt_shared_page();
	struct aether_qos_group_info gi;
	__u32 g;

	if (!aet_can_run_as(&qg_user))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "priv", 0, &g));
	r->id = g;
	ASSERT_EQ(0, aet_run_as(&qg_user, qg_unprivileged, r))
		TH_LOG("step %d got %d", r->step, r->got);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(AETHER_QOS_UNLIMITED, gi.max);
	ASSERT_EQ(0, gi.nr_members);
}

/*
 * Delegation: a user owns their default group, so they make groups in
 * it, set them, move their own processes into them and destroy them; not
 * the default group's own limits, not RealTime, not beyond
 * groups_per_user.
 */
static int qg_delegated(void *arg)
{
	struct qg_result *r = arg;
	struct aether_qos_group_info gi;
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_MAX, .max = 64 };
	char name[AETHER_QOS_NAME_MAX];
	int fd = aqt_open(), mfd = aemt_open(), rfd;
	__u32 ug, d1, id;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	/* The first region makes the default group. */
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4096);
	AQT_EXPECT(r, 2, 1, rfd >= 0);
	close(rfd);
	snprintf(name, sizeof(name), "user.%u", getuid());
	AQT_EXPECT(r, 3, 0, aqt_find(fd, 0, name, &ug));
	AQT_EXPECT(r, 4, 0, aqt_get(fd, ug, &gi));
	AQT_EXPECT(r, 5, 1, gi.flags == AETHER_QOS_GROUP_USER &&
		  gi.owner_uid == getuid());
	AQT_EXPECT(r, 6, 0, aqt_create(fd, ug, "d1", 0, &d1));
	AQT_EXPECT(r, 7, -EPERM, aqt_create(fd, ug, "rt", AETHER_QOS_CLASS_REALTIME,
					   &id));
	s.id = d1;
	AQT_EXPECT(r, 8, 0, aqt_set(fd, &s));
	s.id = ug;
	AQT_EXPECT(r, 9, -EPERM, aqt_set(fd, &s));
	AQT_EXPECT(r, 10, 0, aqt_attach(fd, d1, getpid()));
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4096);
	AQT_EXPECT(r, 11, 1, rfd >= 0);
	AQT_EXPECT(r, 12, 0, aqt_get(fd, d1, &gi));
	AQT_EXPECT(r, 13, 1, gi.nr_regions == 1 && gi.max == 64);
	AQT_EXPECT(r, 14, -EBUSY, aqt_destroy(fd, d1));
	close(rfd);
	/* groups_per_user is 2: user.<uid> and d1 */
	AQT_EXPECT(r, 15, -EDQUOT, aqt_create(fd, ug, "d2", 0, &id));
	AQT_EXPECT(r, 16, -EPERM, aqt_destroy(fd, ug));
	AQT_EXPECT(r, 17, 0, aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid()));
	AQT_EXPECT(r, 18, 0, aqt_destroy(fd, d1));
	AQT_EXPECT(r, 19, 0, aqt_create(fd, ug, "d2", 0, &id));
	AQT_EXPECT(r, 20, 0, aqt_destroy(fd, id));
	/* init is not the user's to move */
	AQT_EXPECT(r, 21, -EPERM, aqt_attach(fd, ug, 1));
	return 0;
}

/*
 * qg_deleg's default group as a first region makes it: none left from
 * before (*@name gets its name), and groups_per_user 2.
 */
static int qg_deleg_fresh(int fd, char name[AETHER_QOS_NAME_MAX])
{
	__u32 ug;
	int err;

	snprintf(name, AETHER_QOS_NAME_MAX, "user.%u", qg_deleg.uid);
	if (!aqt_find(fd, 0, name, &ug)) {
		aqt_destroy_prefixed(fd, ug, "");
		err = aqt_destroy(fd, ug);
		if (err)
			return err;
	}
	return aet_write_file(AQT_PARAMS "/groups_per_user", "2");
}

TEST_F(qos, delegation_and_user_bound)
{
	struct qg_result *r = aqt_shared_page();
	char name[AETHER_QOS_NAME_MAX];
	__u32 ug;

	if (!aet_can_run_as(&qg_deleg))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	if (aemt_open() < 0)
		SKIP(return, "no /dev/aether_mm");
	ASSERT_EQ(0, qg_deleg_fresh(self->fd, name));
	ASSERT_EQ(0, aet_run_as(&qg_deleg, qg_delegated, r))
		TH_LOG("step %d got %d", r->step, r->got);
	ASSERT_EQ(0, aqt_find(self->fd, 0, name, &ug));
	ASSERT_EQ(0, aqt_destroy(self->fd, ug));
}

/* qg_rt_owed's steps: as the user, make d1 in the default group. */
static int qg_rt_make(void *arg)
{
	struct qg_result *r = arg;
	char name[AETHER_QOS_NAME_MAX];
	int fd = aqt_open(), mfd = aemt_open(), rfd;
	__u32 ug;

	AQT_EXPECT(r, 1, 1, fd >= 0 && mfd >= 0);
	rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, 4096);
	AQT_EXPECT(r, 2, 1, rfd >= 0);
	close(rfd);
	snprintf(name, sizeof(name), "user.%u", getuid());
	AQT_EXPECT(r, 3, 0, aqt_find(fd, 0, name, &ug));
	AQT_EXPECT(r, 4, 0, aqt_create(fd, ug, "d1", 0, &r->id));
	return 0;
}

/* Then, d1 made RealTime by root: its max is the user's, min/low not. */
static int qg_rt_owed(void *arg)
{
	struct qg_result *r = arg;
	struct aether_qos_set s = { .id = r->id };
	int fd = aqt_open();

	AQT_EXPECT(r, 1, 1, fd >= 0);
	s.mask = AETHER_QOS_SET_MIN;
	s.min = 1UL << 40;
	AQT_EXPECT(r, 2, -EPERM, aqt_set(fd, &s));
	s.mask = AETHER_QOS_SET_LOW;
	s.min = 0;
	s.low = 1UL << 40;
	AQT_EXPECT(r, 3, -EPERM, aqt_set(fd, &s));
	s.mask = AETHER_QOS_SET_MAX;
	s.low = 0;
	s.max = 64;
	AQT_EXPECT(r, 4, 0, aqt_set(fd, &s));
	return 0;
}

/*
 * A RealTime group's min and low size the pool's reserve for every user:
 * a user who manages a RealTime group (root made it RealTime under the
 * user's default group) still cannot set them (review s30 finding 2).
 */
TEST_F(qos, realtime_min_and_low_are_the_administrators)
{
	struct qg_result *r = aqt_shared_page();
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_CLASS,
				    .class = AETHER_QOS_CLASS_REALTIME };
	struct aether_qos_group_info gi;
	char name[AETHER_QOS_NAME_MAX];
	__u32 ug;

	if (!aet_can_run_as(&qg_deleg))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	if (aemt_open() < 0)
		SKIP(return, "no /dev/aether_mm");
	ASSERT_EQ(0, qg_deleg_fresh(self->fd, name));
	ASSERT_EQ(0, aet_run_as(&qg_deleg, qg_rt_make, r))
		TH_LOG("step %d got %d", r->step, r->got);
	s.id = r->id;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aet_run_as(&qg_deleg, qg_rt_owed, r))
		TH_LOG("step %d got %d", r->step, r->got);
	ASSERT_EQ(0, aqt_get(self->fd, s.id, &gi));
	EXPECT_EQ(0, gi.min);
	EXPECT_EQ(0, gi.low);
	EXPECT_EQ(64, gi.max);
	/* root may */
	s.mask = AETHER_QOS_SET_MIN;
	s.class = 0;
	s.min = 16;
	EXPECT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_find(self->fd, 0, name, &ug));
	aqt_destroy_prefixed(self->fd, ug, "");
	ASSERT_EQ(0, aqt_destroy(self->fd, ug));
}

TEST_F(qos, unprivileged_trigger_windows)
{
	struct qg_result *r = aqt_shared_page();
	__u32 g;

	if (!aet_can_run_as(&qg_user))
		SKIP(return, "needs root");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QG_PREFIX "upsi", 0, &g));
	r->id = g;
	ASSERT_EQ(0, aet_run_as(&qg_user, qg_unpriv_trigger, r))
		TH_LOG("step %d got %d", r->step, r->got);
}

TEST_HARNESS_MAIN
