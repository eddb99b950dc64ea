// SPDX-License-Identifier: GPL-2.0
/*
 * qos_high_test - memory.high: reclaim and throttling on the way back to
 * user mode
 *
 * A charge over a group's high is taken and counted as a high event;
 * the task that made it then reclaims and sleeps memcg's penalty on its
 * way back to user mode (aether_qos/throttle.c), from a task_work of
 * aether_mm (aether_mm/policy.c).  Here:
 *
 *   - a task writing as fast as it can in a group with high H and no max,
 *     in a region with nothing to reclaim (not COMPRESSIBLE): once it has
 *     been throttled for 4 s (the kernel's own record, memory.stat
 *     throttled_usec) the group's peak is within 5 % of H, and the
 *     group's pressure counted the sleeps as stall time;
 *   - with cold pages to reclaim (a COMPRESSIBLE region, a store backend:
 *     aether_zram's when the box registered it, else aether_mm's
 *     loopback), the over-high work stores them instead of sleeping:
 *     usage back at high, no throttle;
 *   - high events, local where the high was passed, hierarchical above;
 *     an ancestor's high throttles the task of a Normal child;
 *   - the longest throttle the kernel recorded is the 2 s clamp, never
 *     more, and every small overage is forgiven (no sleep);
 *   - a fatal signal ends a throttled task at once (the test waits for
 *     its exit: a sleep that went on would outlast the test's timeout);
 *   - a RealTime group is not throttled for its ancestor's high;
 *   - an unprivileged stranger writing a region of a group it is no part
 *     of is not throttled for that group's high (review M1);
 *   - aether_qos unloaded while tasks sleep in their throttle: the unload
 *     wakes them, their pending works find the table gone, they finish;
 *   - one read(2) that faults two regions of two groups: each group
 *     throttles for its own pages (review L1: one task's work per group);
 *   - REGION_CHECKSUM loading a whole stored region over a small high
 *     pays every 64 pages, not once at the end: the group's usage stays
 *     near high while the scanner makes the loaded pages cold (L2);
 *   - the throttle's sleeps are the kernel's memory stalls too
 *     (/proc/pressure/memory), and they fire a group's trigger: its fd
 *     polls POLLPRI and aetherctl qos watch prints the event.
 *
 * No timing is asserted: what the tests read are counters.  Groups are
 * named "qh-*" under the root and destroyed by the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "../aether_mm/mm_region_util.h"
#include "aether_qos_util.h"

#define QH_PREFIX	"qh-"
#define QH_CLAMP_US	2000000L	/* throttle.c: AQOS_MAX_HIGH_DELAY */
#define QH_LOOPBACK	AEMT_DEBUGFS "/store_loopback"
#define QH_INTERVAL	"/sys/module/aether_mm/parameters/access_interval_ms"

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(high) {
	int fd;
	int mfd;
	struct aet_params params;
	pid_t w[2];	/* writers, killed by the teardown if still there */
	bool loopback;	/* the test installed aether_mm's loopback store */
	char interval[16];	/* access_interval_ms to put back, or "" */
};

FIXTURE_SETUP(high)
{
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QH_PREFIX);
}

FIXTURE_TEARDOWN(high)
{
	int i;

	/* A failed test's writers would sleep on, holding the device. */
	for (i = 0; i < 2; i++)
		if (self->w[i] > 0 && !kill(self->w[i], SIGKILL))
			waitpid(self->w[i], NULL, 0);
	/* A test that unloaded aether_qos and failed: load it again. */
	aemt_qos_back();
	if (self->interval[0])
		aemt_write_file(QH_INTERVAL, self->interval);
	if (self->loopback)
		aemt_write_file(QH_LOOPBACK, "0");
	if (self->fd < 0)
		self->fd = aqt_open();
	if (self->fd < 0)
		return;
	aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid());
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QH_PREFIX);
	aet_params_restore(&self->params);
	close(self->fd);
}

/* A group named @name under @parent with high @high (pages). */
static int qh_group(int fd, __u32 parent, const char *name, __u32 class,
		    __u64 high, __u32 *id)
{
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH, .high = high };
	int ret = aqt_create(fd, parent, name, class, id);

	if (ret)
		return ret;
	s.id = *id;
	return aqt_set(fd, &s);
}

/* A region of @pages charged to group @g (the caller attached briefly). */
static unsigned char *qh_region(int fd, int mfd, __u32 g, size_t pages,
				int *rfd)
{
	unsigned char *p;

	if (aqt_attach(fd, g, getpid()))
		return NULL;
	p = aqt_region(mfd, pages, rfd);
	if (aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid()))
		return NULL;
	return p;
}

/* memory.stat's @key of the group at @path (under aether/qos/), or -1. */
static long qh_stat(const char *path, const char *key)
{
	char file[256], buf[1024], *at;
	size_t klen = strlen(key);

	snprintf(file, sizeof(file), AQT_DEBUGFS "/%s/memory.stat", path);
	if (aet_read_file(file, buf, sizeof(buf)) < 0)
		return -1;
	for (at = buf; at; at = strchr(at, '\n')) {
		if (*at == '\n')
			at++;
		if (!strncmp(at, key, klen) && at[klen] == ' ')
			return strtol(at + klen + 1, NULL, 10);
	}
	return -1;
}

/*
 * A child writing @pages of @p, one byte a page, as fast as it can;
 * *@done (shared) counts the pages written.  It closes @qfd, the test's
 * /dev/aether_qos, which would keep the module from unloading.  Its pid,
 * or -errno.
 */
static pid_t qh_writer(unsigned char *p, size_t pages,
		       volatile size_t *done, int qfd)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct rlimit nocore = { 0, 0 };
		size_t i;

		setrlimit(RLIMIT_CORE, &nocore);
		close(qfd);
		for (i = 0; i < pages; i++) {
			p[i * psize()] = 1;
			*done = i + 1;
		}
		_exit(0);
	}
	return pid;
}

/* The "total=" of the group at @path's memory.pressure, or -1. */
static long long qh_pressure_total(const char *path)
{
	char file[256], buf[256], *at;

	snprintf(file, sizeof(file), AQT_DEBUGFS "/%s/memory.pressure", path);
	if (aet_read_file(file, buf, sizeof(buf)) < 0)
		return -1;
	at = strstr(buf, "total=");
	return at ? strtoll(at + 6, NULL, 10) : -1;
}

/* Wait, polling, until memory.stat @key of @path reaches @want. */
static long qh_wait_stat(const char *path, const char *key, long want,
			 pid_t child)
{
	long v;

	for (;;) {
		v = qh_stat(path, key);
		if (v < 0 || v >= want)
			return v;
		if (waitpid(child, NULL, WNOHANG) == child)
			return -ECHILD;
		usleep(20000);
	}
}

/*
 * Nothing to reclaim (a region not COMPRESSIBLE): throttling alone holds
 * a writer as fast as it can within 5 % of high once it has been
 * throttled for 4 s in all.  (The curve, throttle.c: a fault sleeps
 * 64 * f^2 s at overage f; the sum up to f is about 21 * f^3 * high s.)
 */
TEST_F_TIMEOUT(high, throttle_holds_usage_within_5pc_of_high, 240)
{
	const size_t high = 4096, pages = 2 * high;
	struct aether_qos_group_info gi;
	volatile size_t *done;
	unsigned char *p;
	long thr, slept;
	int rfd, status;
	pid_t w;
	__u32 g;

	done = aqt_shared_page();
	ASSERT_NE(NULL, done);
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "hold", 0, high, &g));
	p = qh_region(self->fd, self->mfd, g, pages, &rfd);
	ASSERT_NE(NULL, p);
	w = qh_writer(p, pages, done, self->fd);
	ASSERT_LT(0, w);
	self->w[0] = w;
	slept = qh_wait_stat(QH_PREFIX "hold", "throttled_usec", 4000000, w);
	kill(w, SIGKILL);
	ASSERT_EQ(w, waitpid(w, &status, 0));
	self->w[0] = 0;
	ASSERT_LE(4000000, slept) TH_LOG("the writer was not throttled 4 s");
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("it wrote all %zu pages",
						 pages);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	thr = qh_stat(QH_PREFIX "hold", "throttles");
	TH_LOG("high %zu peak %llu (+%.2f%%) written %zu throttles %ld slept %ld us",
	       high, (unsigned long long)gi.peak,
	       100.0 * ((double)gi.peak - high) / high, *done, thr, slept);
	ASSERT_LT(high, gi.peak);
	ASSERT_GE(high + high / 20, gi.peak);
	ASSERT_LE(1, thr);
	ASSERT_GE(QH_CLAMP_US, qh_stat(QH_PREFIX "hold", "throttle_max_usec"));
	/* The sleeps were stalls of the group: its pressure saw them. */
	ASSERT_LE(slept / 2, qh_pressure_total(QH_PREFIX "hold"));
	munmap(p, pages * psize());
	close(rfd);
}

/* /proc/pressure/memory's "some ... total=" (us): >= 0, or -errno. */
static long long qh_kernel_psi_some(void)
{
	char buf[256], *at;
	int ret = aet_read_file("/proc/pressure/memory", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	at = strstr(buf, "total=");
	return at ? strtoll(at + 6, NULL, 10) : -EPROTO;
}

/*
 * The throttle's sleeps are memory stalls for the kernel's PSI too
 * (psi_memstall_enter/leave around them, as memcg's over-high sleep):
 * /proc/pressure/memory's some total grows by at least half of what the
 * group recorded as throttled (the rest is slack for the kernel's own
 * rounding; other stalls only add).  Needs CONFIG_PSI, on at boot (the
 * debug kernel is built without it: the test skips there).
 */
TEST_F_TIMEOUT(high, throttle_sleeps_are_the_kernels_memory_stalls, 180)
{
	const size_t high = 256, pages = 8192;
	long long before, after;
	volatile size_t *done;
	unsigned char *p;
	int rfd, status;
	long slept;
	pid_t w;
	__u32 g;

	before = qh_kernel_psi_some();
	if (before == -ENOENT || before == -EOPNOTSUPP)
		SKIP(return, "no PSI in this kernel (/proc/pressure/memory: %s)",
		     strerror((int)-before));
	ASSERT_LE(0, before);
	done = aqt_shared_page();
	ASSERT_NE(NULL, done);
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "psi", 0, high, &g));
	p = qh_region(self->fd, self->mfd, g, pages, &rfd);
	ASSERT_NE(NULL, p);
	w = qh_writer(p, pages, done, self->fd);
	ASSERT_LT(0, w);
	self->w[0] = w;
	slept = qh_wait_stat(QH_PREFIX "psi", "throttled_usec", 2000000, w);
	kill(w, SIGKILL);
	ASSERT_EQ(w, waitpid(w, &status, 0));
	self->w[0] = 0;
	ASSERT_LE(2000000, slept) TH_LOG("the writer was not throttled 2 s");
	slept = qh_stat(QH_PREFIX "psi", "throttled_usec");
	after = qh_kernel_psi_some();
	TH_LOG("throttled %ld us; /proc/pressure/memory some total +%lld us",
	       slept, after - before);
	ASSERT_LE(before + slept / 2, after);
	munmap(p, pages * psize());
	close(rfd);
}

/*
 * A trigger fires under real stalls: a writer throttled at its group's
 * high makes the group's some stall pass 100 ms in a 1 s window, and
 * `aetherctl qos watch`, started before the writer, prints that event
 * (the group's memory.pressure line) and exits after --count 1.  The
 * test's own trigger on another fd of the group fires too (POLLPRI).
 */
TEST_F_TIMEOUT(high, throttle_fires_the_trigger_and_aetherctl_watch, 180)
{
	const char *trig = "some 100000 1000000";
	const size_t high = 256, pages = 8192;
	struct aether_qos_open o = { .size = sizeof(o) };
	struct pollfd pfd = { .events = POLLPRI };
	char cmd[256], line[512];
	volatile size_t *done;
	unsigned char *p;
	int rfd, status, gfd, ret;
	FILE *watch;
	pid_t w;
	__u32 g;

	done = aqt_shared_page();
	ASSERT_NE(NULL, done);
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "watch", 0, high, &g));
	o.id = g;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_OPEN, &o));
	gfd = o.fd;
	ASSERT_EQ((ssize_t)strlen(trig), write(gfd, trig, strlen(trig)));
	snprintf(cmd, sizeof(cmd),
		 "exec aetherctl qos watch %u --threshold 100000 --window 1000000 --count 1 2>&1",
		 g);
	fflush(stdout);
	fflush(stderr);
	watch = popen(cmd, "r");
	ASSERT_NE(NULL, watch);
	/* its trigger is in place once it says so */
	ASSERT_NE(NULL, fgets(line, sizeof(line), watch));
	ASSERT_EQ(0, strncmp(line, "# watching", 10)) TH_LOG("%s", line);
	/* nothing stalls yet */
	pfd.fd = gfd;
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	p = qh_region(self->fd, self->mfd, g, pages, &rfd);
	ASSERT_NE(NULL, p);
	w = qh_writer(p, pages, done, self->fd);
	ASSERT_LT(0, w);
	self->w[0] = w;
	ret = poll(&pfd, 1, 60000);
	ASSERT_EQ(1, ret) TH_LOG("no event in 60 s; wrote %zu pages", *done);
	ASSERT_TRUE(pfd.revents & POLLPRI);
	ASSERT_NE(NULL, fgets(line, sizeof(line), watch));
	kill(w, SIGKILL);
	ASSERT_EQ(w, waitpid(w, &status, 0));
	self->w[0] = 0;
	TH_LOG("watch: %s", line);
	/* "<time> some avg10=... total=..." */
	ASSERT_NE(NULL, strstr(line, " some avg10="));
	ASSERT_NE(NULL, strstr(line, "total="));
	status = pclose(watch);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("aetherctl qos watch: status %#x", status);
	ASSERT_LT(0, qh_pressure_total(QH_PREFIX "watch"));
	close(gfd);
	munmap(p, pages * psize());
	close(rfd);
}

/*
 * A store backend, for reclaim: aether_zram's if the box registered it
 * (aether_mm's loopback is then refused), else aether_mm's loopback,
 * installed here.  0, or -errno when there is none.
 */
static int qh_store(bool *installed)
{
	char v[8];
	int ret;

	ret = aemt_write_file(QH_LOOPBACK, "1");
	*installed = !ret;
	if (!ret)
		return 0;
	if (aet_read_file("/sys/module/aether_zram/parameters/region_store",
			  v, sizeof(v)) < 0)
		return ret;
	return v[0] == 'Y' || v[0] == '1' ? 0 : ret;
}

/*
 * 60 pages written and idle for three scans, high 64: the 20 writes
 * that follow cross high, and each over-high work stores cold pages
 * instead of sleeping: usage back under high, no throttle, the peak one
 * page over.
 */
TEST_F_TIMEOUT(high, reclaim_at_high_instead_of_sleep, 120)
{
	const size_t high = 64, cold = 60, more = 20, pages = 128;
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH, .high = high };
	struct aether_mm_region_info ri;
	struct aether_qos_group_info gi;
	unsigned char *p;
	size_t wrote;
	int rfd;
	__u32 g;

	if (qh_store(&self->loopback))
		SKIP(return, "no store backend: neither %s nor aether_zram's",
		     QH_LOOPBACK);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QH_PREFIX "reclaim", 0, &g));
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	rfd = aemt_region_new(self->mfd, AETHER_MM_REGION_SHARED |
			      AETHER_MM_REGION_COMPRESSIBLE, pages * psize());
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, pages * psize(), PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(0, aqt_touch_child(p, cold, &wrote));
	ASSERT_EQ(0, scan_times(ri.id, 3));
	s.id = g;
	ASSERT_EQ(0, aqt_set(self->fd, &s));

	ASSERT_EQ(0, aqt_touch_child(p + cold * psize(), more, &wrote));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("usage %llu peak %llu uncharged %llu high events %llu",
	       (unsigned long long)gi.usage, (unsigned long long)gi.peak,
	       (unsigned long long)gi.uncharged,
	       (unsigned long long)gi.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_GE(high, gi.usage);
	ASSERT_GE(high + 1, gi.peak);
	ASSERT_LE(cold + more - high, gi.uncharged);
	ASSERT_EQ(0, qh_stat(QH_PREFIX "reclaim", "throttles"));
	munmap(p, pages * psize());
	close(rfd);
}

/*
 * High events: a charge over the child's high is the child's (local) and
 * its ancestors' (hierarchical); over the parent's high, the parent's
 * only, and the child's task is throttled for it.
 */
TEST_F_TIMEOUT(high, high_events_local_and_hierarchical, 120)
{
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH };
	struct aether_qos_group_info gp, gc;
	unsigned char *p;
	size_t wrote;
	int rfd, status;
	__u32 P, C;

	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "P", 0,
			      AETHER_QOS_UNLIMITED, &P));
	ASSERT_EQ(0, qh_group(self->fd, P, "C", 0, 64, &C));
	p = qh_region(self->fd, self->mfd, C, 70, &rfd);
	ASSERT_NE(NULL, p);
	status = aqt_touch_child(p, 66, &wrote);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(0, aqt_get(self->fd, C, &gc));
	ASSERT_EQ(66, gc.usage);
	ASSERT_EQ(2, gc.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(2, gc.events[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(0, gp.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(2, gp.events[AETHER_QOS_EVENT_HIGH]);
	/* 1 and 2 pages over 64: 16 ms and 62 ms, both slept. */
	ASSERT_EQ(2, qh_stat(QH_PREFIX "P/C", "throttles"));
	ASSERT_EQ(0, qh_stat(QH_PREFIX "P", "throttles"));

	/* The parent's high now: its event, the child's task slept. */
	s.id = P;
	s.high = 66;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	s.id = C;
	s.high = AETHER_QOS_UNLIMITED;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	status = aqt_touch_child(p, 68, &wrote);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(0, aqt_get(self->fd, C, &gc));
	ASSERT_EQ(68, gp.usage);
	ASSERT_EQ(2, gp.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(4, gp.events[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(2, gc.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(2, gc.events[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(4, qh_stat(QH_PREFIX "P/C", "throttles"));
	munmap(p, 70 * psize());
	close(rfd);
}

/*
 * high 16: 1, 2, 3, 4 pages over it owe 0.25 s, 1 s, 2.25 s and 4 s:
 * four throttles, the last two clamped to 2 s, and the longest the
 * kernel recorded is exactly the clamp.  Under 1.25 % over: forgiven.
 */
TEST_F_TIMEOUT(high, longest_throttle_is_the_2s_clamp, 120)
{
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH, .high = 1024 };
	const size_t high = 16;
	unsigned char *p;
	size_t wrote;
	int rfd;
	__u32 g;

	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "clamp", 0, high, &g));
	p = qh_region(self->fd, self->mfd, g, high + 4, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_touch_child(p, high + 4, &wrote));
	ASSERT_EQ(high + 4, wrote);
	ASSERT_EQ(4, qh_stat(QH_PREFIX "clamp", "throttles"));
	ASSERT_EQ(QH_CLAMP_US, qh_stat(QH_PREFIX "clamp", "throttle_max_usec"));
	ASSERT_GE(4 * QH_CLAMP_US, qh_stat(QH_PREFIX "clamp", "throttled_usec"));
	ASSERT_LE(QH_CLAMP_US * 2 + 1000000,
		  qh_stat(QH_PREFIX "clamp", "throttled_usec"));
	munmap(p, (high + 4) * psize());
	close(rfd);

	/* high 1024, 12 pages over (1.17 %): every penalty forgiven. */
	s.id = g;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	p = qh_region(self->fd, self->mfd, g, 1024 + 12, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_touch_child(p, 1024 + 12, &wrote));
	ASSERT_EQ(4, qh_stat(QH_PREFIX "clamp", "throttles"));
	munmap(p, (1024 + 12) * psize());
	close(rfd);
}

/*
 * A task throttled at the clamp, with hundreds of clamped sleeps ahead
 * of it, is killed: it exits at once (were the sleep not ended by the
 * fatal signal, waitpid() would outlast the test's timeout).
 */
TEST_F_TIMEOUT(high, fatal_signal_ends_the_throttle, 120)
{
	const size_t high = 16, pages = high + 400;
	volatile size_t *done;
	unsigned char *p;
	int rfd, status;
	pid_t w;
	__u32 g;

	done = aqt_shared_page();
	ASSERT_NE(NULL, done);
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "kill", 0, high, &g));
	p = qh_region(self->fd, self->mfd, g, pages, &rfd);
	ASSERT_NE(NULL, p);
	w = qh_writer(p, pages, done, self->fd);
	ASSERT_LT(0, w);
	self->w[0] = w;
	/* The third throttle is the first at the clamp. */
	ASSERT_LE(3, qh_wait_stat(QH_PREFIX "kill", "throttles", 3, w));
	ASSERT_EQ(0, kill(w, SIGKILL));
	ASSERT_EQ(w, waitpid(w, &status, 0));
	self->w[0] = 0;
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_GT(pages, *done);
	ASSERT_GE(QH_CLAMP_US, qh_stat(QH_PREFIX "kill", "throttle_max_usec"));
	munmap(p, pages * psize());
	close(rfd);
}

/*
 * P has high 16, children R (RealTime) and N (Normal).  R takes P past
 * its high: P counts the events, R is not throttled for P's sake; then
 * N's task, charging above P's high, is.
 */
TEST_F_TIMEOUT(high, realtime_not_throttled_for_ancestor_high, 120)
{
	struct aether_qos_group_info gp;
	unsigned char *pr, *pn;
	int rr, rn, status;
	size_t wrote;
	__u32 P, R, N;

	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "P", 0, 16, &P));
	ASSERT_EQ(0, qh_group(self->fd, P, "R", AETHER_QOS_CLASS_REALTIME,
			      AETHER_QOS_UNLIMITED, &R));
	ASSERT_EQ(0, qh_group(self->fd, P, "N", 0, AETHER_QOS_UNLIMITED, &N));
	pr = qh_region(self->fd, self->mfd, R, 24, &rr);
	ASSERT_NE(NULL, pr);
	pn = qh_region(self->fd, self->mfd, N, 2, &rn);
	ASSERT_NE(NULL, pn);

	status = aqt_touch_child(pr, 24, &wrote);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, aqt_get(self->fd, P, &gp));
	ASSERT_EQ(24, gp.usage);
	ASSERT_EQ(8, gp.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(0, qh_stat(QH_PREFIX "P/R", "throttles"));

	status = aqt_touch_child(pn, 2, &wrote);
	ASSERT_EQ(0, status);
	ASSERT_EQ(2, qh_stat(QH_PREFIX "P/N", "throttles"));
	ASSERT_EQ(0, qh_stat(QH_PREFIX "P/R", "throttles"));
	munmap(pr, 24 * psize());
	close(rr);
	munmap(pn, 2 * psize());
	close(rn);
}

/* A stranger's writes into a region of someone else's group (review M1). */
struct qh_foreign {
	unsigned char *p;
	size_t pages;
};

static int qh_foreign_write(void *arg)
{
	struct qh_foreign *f = arg;
	size_t i;

	for (i = 0; i < f->pages; i++)
		f->p[i * psize()] = 2;
	return 0;
}

/*
 * Review M1: a region is charged to its group whoever writes it, so a
 * user handed another group's region (a server taking its clients'
 * buffers) must not sleep for a high that group's owner set.  An
 * unprivileged stranger writes 32 pages of a group whose high is 16:
 * usage and high events count, no throttle.  The same user, placed in
 * the group (its own group now), pays: one throttle for one page.
 */
TEST_F_TIMEOUT(high, stranger_not_throttled_for_another_groups_high, 120)
{
	static const struct aet_user stranger = {
		.uid = 4271, .gid = 4271,
		.groups = { AET_AETHER_GID }, .nr_groups = 1,
	};
	struct aether_qos_group_info gi;
	struct qh_foreign f;
	int rfd;
	__u32 g;

	if (!aet_can_run_as(&stranger))
		SKIP(return, "needs root");
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "foreign", 0, 16, &g));
	f.p = qh_region(self->fd, self->mfd, g, 48, &rfd);
	ASSERT_NE(NULL, f.p);
	f.pages = 32;
	ASSERT_EQ(0, aet_run_as(&stranger, qh_foreign_write, &f));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(32, gi.usage);
	ASSERT_EQ(16, gi.events_local[AETHER_QOS_EVENT_HIGH]);
	ASSERT_EQ(0, qh_stat(QH_PREFIX "foreign", "throttles"));

	/* Its parent attached: the stranger's own group is the region's. */
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	f.p += 32 * psize();
	f.pages = 1;
	ASSERT_EQ(0, aet_run_as(&stranger, qh_foreign_write, &f));
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_EQ(1, qh_stat(QH_PREFIX "foreign", "throttles"));
	f.p -= 32 * psize();
	munmap(f.p, 48 * psize());
	close(rfd);
}

/*
 * Two tasks asleep in their throttles (clamped, hundreds of sleeps
 * ahead) while aether_qos is unloaded: the unload wakes them and
 * completes, the works they queue meanwhile find no table and only drop
 * their pins, their writes go on uncharged to the end; aether_qos loads
 * again.  KASAN, lockdep and the box's WARN check watch the rest.
 */
TEST_F_TIMEOUT(high, unload_while_tasks_are_throttled, 240)
{
	const size_t high = 16, pages = high + 400;
	volatile size_t *done[2];
	unsigned char *p[2];
	int rfd[2], status, i, ret;
	pid_t *w = self->w;
	__u32 g;

	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "unload", 0, high, &g));
	for (i = 0; i < 2; i++) {
		done[i] = aqt_shared_page();
		ASSERT_NE(NULL, done[i]);
		p[i] = qh_region(self->fd, self->mfd, g, pages, &rfd[i]);
		ASSERT_NE(NULL, p[i]);
	}
	for (i = 0; i < 2; i++) {
		w[i] = qh_writer(p[i], pages, done[i], self->fd);
		ASSERT_LT(0, w[i]);
	}
	/* Both at the clamp: throttles beyond the first writer's three. */
	ASSERT_LE(6, qh_wait_stat(QH_PREFIX "unload", "throttles", 6, w[0]));
	ASSERT_NE(pages, *done[0]);
	ASSERT_NE(pages, *done[1]);

	close(self->fd);	/* the device's reference on the module */
	self->fd = -1;
	ret = aemt_qos_away();
	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
	ASSERT_NE(0, access("/sys/module/aether_qos", F_OK));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(w[i], waitpid(w[i], &status, 0));
		w[i] = 0;
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("writer %d: status %#x", i, status);
		ASSERT_EQ(pages, *done[i]);
		munmap(p[i], pages * psize());
		close(rfd[i]);
	}
	ret = aemt_qos_back();
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	self->fd = aqt_open();
	ASSERT_LE(0, self->fd);
}

/*
 * Review L1.  One read(2) from /dev/zero into a buffer whose first page
 * is the last page of region X (group GX, high 1000, usage at it) and
 * whose other 64 pages are region Y (group GY, high 16): X's page puts
 * GX 1 page over (0.1 %: forgiven), Y's pages put GY 48 over (300 %: the
 * 2 s clamp).  Each group is paid for its own pages: GY is throttled
 * once, GX not at all.  Were the task's work one for all its charges, it
 * would be GX's (charged first), forgiven, and GY never throttled.
 */
TEST_F_TIMEOUT(high, one_read_two_groups_each_throttled_for_its_own, 180)
{
	const size_t hx = 1000, hy = 16, ny = 64;
	unsigned char *px, *py, *buf;
	int xfd, yfd, zfd;
	ssize_t got;
	size_t i;
	__u32 gx, gy;

	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "X", 0, hx, &gx));
	ASSERT_EQ(0, qh_group(self->fd, 0, QH_PREFIX "Y", 0, hy, &gy));
	px = qh_region(self->fd, self->mfd, gx, hx + 1, &xfd);
	ASSERT_NE(NULL, px);
	py = qh_region(self->fd, self->mfd, gy, ny, &yfd);
	ASSERT_NE(NULL, py);
	for (i = 0; i < hx; i++)
		px[i * psize()] = 1;
	ASSERT_EQ(0, qh_stat(QH_PREFIX "X", "throttles"));

	/* X's page hx, then Y's ny pages, one buffer. */
	buf = mmap(NULL, (1 + ny) * psize(), PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(buf, mmap(buf, psize(), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, xfd, hx * psize()));
	ASSERT_EQ(buf + psize(), mmap(buf + psize(), ny * psize(),
				      PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_FIXED, yfd, 0));
	zfd = open("/dev/zero", O_RDONLY);
	ASSERT_LE(0, zfd);
	got = read(zfd, buf, (1 + ny) * psize());
	close(zfd);
	ASSERT_EQ((ssize_t)((1 + ny) * psize()), got);

	TH_LOG("throttles: X %ld Y %ld (Y slept %ld us)",
	       qh_stat(QH_PREFIX "X", "throttles"),
	       qh_stat(QH_PREFIX "Y", "throttles"),
	       qh_stat(QH_PREFIX "Y", "throttled_usec"));
	ASSERT_EQ(1, qh_stat(QH_PREFIX "Y", "throttles"));
	ASSERT_EQ(QH_CLAMP_US, qh_stat(QH_PREFIX "Y", "throttle_max_usec"));
	ASSERT_EQ(0, qh_stat(QH_PREFIX "X", "throttles"));
	munmap(buf, (1 + ny) * psize());
	munmap(px, (hx + 1) * psize());
	munmap(py, ny * psize());
	close(xfd);
	close(yfd);
}

/*
 * A child that polls the usage of group @g until *@stop, keeping the
 * largest it saw in *@most.  Its pid, or -errno.
 */
static pid_t qh_poller(int fd, __u32 g, volatile int *stop,
		       volatile __u64 *most)
{
	struct aether_qos_group_info gi;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		while (!*stop) {
			if (!aqt_get(fd, g, &gi) && gi.usage > *most)
				*most = gi.usage;
			usleep(1000);
		}
		_exit(0);
	}
	return pid;
}

/*
 * Review L2.  A COMPRESSIBLE region of 2048 pages written, scanned idle
 * and stored down to high 64 (the SET's reclaim); then one
 * REGION_CHECKSUM loads every stored page back, each charged over high,
 * while aether_kaccessd scans every 10 ms (a loaded page is cold after
 * one scan).  The ioctl pays its over-high work every 64 pages
 * (aem_policy_high_due()): the work's reclaim stores the pages loaded
 * before, so the group's usage, polled all along, stays within 8
 * batches of high.  Paid once at the end, it would reach the region's
 * size.  The sum is the region's all the same.
 */
TEST_F_TIMEOUT(high, checksum_pays_over_high_as_it_goes, 240)
{
	const size_t high = 64, pages = 2048;
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH, .high = high };
	struct aether_qos_group_info gi;
	volatile __u64 *most;
	volatile int *stop;
	__u32 crc0, crc1;
	unsigned char *p;
	int rfd, status;
	pid_t poll;
	__u64 id;
	__u32 g;

	if (qh_store(&self->loopback))
		SKIP(return, "no store backend: neither %s nor aether_zram's",
		     QH_LOOPBACK);
	ASSERT_LE(0, aet_read_file(QH_INTERVAL, self->interval,
				   sizeof(self->interval)));
	stop = aqt_shared_page();
	ASSERT_NE(NULL, stop);
	most = (volatile __u64 *)(stop + 16);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QH_PREFIX "crc", 0, &g));
	ASSERT_EQ(0, aqt_attach(self->fd, g, getpid()));
	p = aqt_region_id(self->mfd, AETHER_MM_REGION_SHARED |
			  AETHER_MM_REGION_COMPRESSIBLE, pages, &rfd, &id);
	ASSERT_EQ(0, aqt_attach(self->fd, AETHER_QOS_ROOT_ID, getpid()));
	ASSERT_NE(NULL, p);
	aqt_write_pages(p, 0, pages, 3);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * psize(), &crc0));
	ASSERT_EQ(0, aqt_scan(id, 3));		/* leaves the scanner off */
	s.id = g;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("stored down to usage %llu", (unsigned long long)gi.usage);
	ASSERT_GE(high, gi.usage);

	*most = gi.usage;
	poll = qh_poller(self->fd, g, stop, most);
	ASSERT_LT(0, poll);
	ASSERT_EQ(0, aemt_write_file(QH_INTERVAL, "10"));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * psize(), &crc1));
	*stop = 1;
	ASSERT_EQ(poll, waitpid(poll, &status, 0));
	ASSERT_EQ(0, aemt_write_file(QH_INTERVAL, self->interval));
	ASSERT_EQ(crc0, crc1);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("usage polled at most %llu (high %zu, region %zu), now %llu; throttles %ld",
	       (unsigned long long)*most, high, pages,
	       (unsigned long long)gi.usage,
	       qh_stat(QH_PREFIX "crc", "throttles"));
	ASSERT_GE(high + 8 * 64, *most);
	munmap(p, pages * psize());
	close(rfd);
}

TEST_HARNESS_MAIN
