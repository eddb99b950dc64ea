// SPDX-License-Identifier: GPL-2.0
/*
 * qos_pressure_test - the triggers of aether_qos group fds, as PSI's
 *
 * A group fd (AETHER_QOS_IOC_OPEN) is the group's memory.pressure: write
 * "some <threshold_us> <window_us>" makes its trigger, poll() waits for
 * it.  qos_group_test checks the fd's basics; this checks what a monitor
 * relies on when a group goes away under it, and PSI's limits in full:
 *
 *  - a poll() or epoll_wait() blocked on a trigger wakes with POLLERR when
 *    the group is destroyed;
 *  - destroying a child errors its triggers only: the parent's keep
 *    working, with no event;
 *  - many triggers on one group all error at its destroy, and the fds
 *    close afterwards;
 *  - the text and limits: windows 500 ms..10 s, 0 < threshold <= window,
 *    only "some", decimal numbers that fit 32 bits, a newline or NULs
 *    after the text and nothing else.
 *
 * That triggers fire under real stalls is qos_high_test's (a writer
 * throttled at high; aetherctl qos watch prints the event); the in-kernel
 * pressure_test.c tests the firing arithmetic on a fed clock.
 *
 * Groups made here are named "qp-*" under the root and destroyed by the
 * fixture's teardown, whatever the test did.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QP_PREFIX	"qp-"
#define QP_TRIGGER	"some 150000 1000000"
#define QP_MANY		64
/* A destroy that never wakes the poller fails the test after this. */
#define QP_POLL_MS	30000

FIXTURE(pressure) {
	int fd;
	__u32 parent;
	__u32 child;
};

FIXTURE_SETUP(pressure)
{
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QP_PREFIX);
	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QP_PREFIX "parent",
				AETHER_QOS_CLASS_NORMAL, &self->parent));
	ASSERT_EQ(0, aqt_create(self->fd, self->parent, QP_PREFIX "child",
				AETHER_QOS_CLASS_NORMAL, &self->child));
}

FIXTURE_TEARDOWN(pressure)
{
	if (self->fd < 0)
		return;
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QP_PREFIX);
	close(self->fd);
}

/* A group fd of @id: the fd or -errno. */
static int qp_open(int fd, __u32 id)
{
	struct aether_qos_open o = { .size = sizeof(o), .id = id };
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_OPEN, &o);

	return ret ? ret : o.fd;
}

/* A group fd of @id with the trigger QP_TRIGGER: the fd or -errno. */
static int qp_open_trigger(int fd, __u32 id)
{
	int gfd = qp_open(fd, id);

	if (gfd < 0)
		return gfd;
	if (write(gfd, QP_TRIGGER, strlen(QP_TRIGGER)) !=
	    (ssize_t)strlen(QP_TRIGGER)) {
		int err = -errno;

		close(gfd);
		return err;
	}
	return gfd;
}

/* poll() now, without waiting: the revents, or -1. */
static short qp_poll_now(int gfd)
{
	struct pollfd p = { .fd = gfd, .events = POLLPRI };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* In a child: let the parent block in poll, then destroy @id. */
static pid_t qp_destroy_later(int fd, __u32 id)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	usleep(300 * 1000);
	_exit(aqt_destroy(fd, id) ? 1 : 0);
}

TEST_F(pressure, destroy_wakes_a_blocked_poll)
{
	struct pollfd p = { .events = POLLPRI };
	int status;
	pid_t pid;

	p.fd = qp_open_trigger(self->fd, self->child);
	ASSERT_LE(0, p.fd);
	ASSERT_EQ(0, qp_poll_now(p.fd)) TH_LOG("an idle trigger reported");
	pid = qp_destroy_later(self->fd, self->child);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, poll(&p, 1, QP_POLL_MS)) TH_LOG("destroy never woke poll");
	ASSERT_TRUE(p.revents & POLLERR) TH_LOG("revents 0x%x", p.revents);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status) TH_LOG("the destroy failed");
	close(p.fd);
}

TEST_F(pressure, destroy_wakes_epoll_wait)
{
	struct epoll_event ev = { .events = EPOLLPRI }, out;
	int gfd, ep, status;
	pid_t pid;

	gfd = qp_open_trigger(self->fd, self->child);
	ASSERT_LE(0, gfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, gfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &out, 1, 0)) TH_LOG("an idle trigger reported");
	pid = qp_destroy_later(self->fd, self->child);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, QP_POLL_MS))
		TH_LOG("destroy never woke epoll_wait");
	ASSERT_TRUE(out.events & EPOLLERR) TH_LOG("events 0x%x", out.events);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status) TH_LOG("the destroy failed");
	/* The fd closes with the epoll set still holding it, and after. */
	close(gfd);
	close(ep);
}

TEST_F(pressure, child_destroy_leaves_the_parent)
{
	char buf[160];
	int pfd, cfd;

	pfd = qp_open_trigger(self->fd, self->parent);
	ASSERT_LE(0, pfd);
	cfd = qp_open_trigger(self->fd, self->child);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, aqt_destroy(self->fd, self->child));
	ASSERT_TRUE(qp_poll_now(cfd) & POLLERR);
	ASSERT_EQ(0, qp_poll_now(pfd)) TH_LOG("the parent's trigger reported");
	ASSERT_LT(0, read(pfd, buf, sizeof(buf)));
	ASSERT_EQ(0, strncmp(buf, "some avg10=", 11));
	/* Gone is gone: still POLLERR on the next poll, and the next. */
	ASSERT_TRUE(qp_poll_now(cfd) & POLLERR);
	close(cfd);
	ASSERT_EQ(0, aqt_destroy(self->fd, self->parent));
	ASSERT_TRUE(qp_poll_now(pfd) & POLLERR);
	close(pfd);
}

TEST_F(pressure, many_triggers_error_at_destroy)
{
	int gfd[QP_MANY], i;

	for (i = 0; i < QP_MANY; i++) {
		gfd[i] = qp_open_trigger(self->fd,
					 i & 1 ? self->child : self->parent);
		ASSERT_LE(0, gfd[i]) TH_LOG("trigger %d", i);
	}
	/* Half closed before the destroy, half after. */
	for (i = 0; i < QP_MANY; i += 4)
		close(gfd[i + 1]);
	ASSERT_EQ(0, aqt_destroy(self->fd, self->child));
	for (i = 0; i < QP_MANY; i++) {
		if (i % 4 == 1)
			continue;
		if (i & 1) {
			ASSERT_TRUE(qp_poll_now(gfd[i]) & POLLERR)
				TH_LOG("child's trigger %d", i);
		} else {
			ASSERT_EQ(0, qp_poll_now(gfd[i]))
				TH_LOG("parent's trigger %d", i);
		}
	}
	for (i = 0; i < QP_MANY; i++)
		if (i % 4 != 1)
			close(gfd[i]);
}

static const struct {
	const char *text;
	size_t len;	/* 0: strlen(text) */
	int err;
} qp_texts[] = {
	{ "some 150000 1000000", 0, 0 },
	{ "some 150000 1000000\n", 0, 0 },
	{ "some 150000 1000000\0\0", 21, 0 },
	{ "some 500000 500000", 0, 0 },
	{ "some 1 10000000", 0, 0 },
	{ "some 1 499999", 0, EINVAL },
	{ "some 1 10000001", 0, EINVAL },
	{ "some 0 1000000", 0, EINVAL },
	{ "some 1000001 1000000", 0, EINVAL },
	{ "full 150000 1000000", 0, EINVAL },
	{ "some -1 1000000", 0, EINVAL },
	{ "some 0x100 1000000", 0, EINVAL },
	{ "some 150000 4294967296", 0, EINVAL },
	{ "some 150000", 0, EINVAL },
	{ "some 150000 1000000 5", 0, EINVAL },
	{ "some 150000  1000000", 0, EINVAL },
	{ "some 150000\0 1000000", 20, EINVAL },
	{ "some", 0, EINVAL },
	{ "\n", 0, EINVAL },
};

TEST_F(pressure, trigger_text_and_limits)
{
	unsigned int i;
	ssize_t n;
	int gfd;

	for (i = 0; i < ARRAY_SIZE(qp_texts); i++) {
		size_t len = qp_texts[i].len ?: strlen(qp_texts[i].text);

		gfd = qp_open(self->fd, self->child);
		ASSERT_LE(0, gfd);
		n = write(gfd, qp_texts[i].text, len);
		if (qp_texts[i].err) {
			ASSERT_EQ(-qp_texts[i].err, n < 0 ? -errno : 0)
				TH_LOG("\"%s\"", qp_texts[i].text);
		} else {
			ASSERT_EQ((ssize_t)len, n)
				TH_LOG("\"%s\": %s", qp_texts[i].text,
				       strerror(errno));
		}
		close(gfd);
	}
}

TEST_HARNESS_MAIN
