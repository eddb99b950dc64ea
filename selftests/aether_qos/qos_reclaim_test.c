// SPDX-License-Identifier: GPL-2.0
/*
 * qos_reclaim_test - reclaim that really takes pages: at max, after a
 * lower max, in the pool's class order, and the stall it is
 *
 * Every test installs aether_mm's loopback store backend (debugfs
 * aether/mm/store_loopback: the pages it takes are copies in Linux's
 * memory) and makes its regions COMPRESSIBLE, written, then scanned idle
 * by aether_kaccessd (three scans: the oldest generations), so reclaim
 * has cold pages to take:
 *
 *   - a fault at max reclaims the group's own cold pages into the store
 *     and succeeds; the group never holds more than max; every page reads
 *     back as written once the max is raised;
 *   - writing a lower max reclaims down to it before SET returns, and
 *     so does a lower high;
 *   - the pool's reclaim (debugfs aether/mm/reclaim, the walk the pool's
 *     reclaim client makes when an allocation finds it short) takes
 *     BestEffort groups' pages first, then Normal, then RealTime;
 *   - a group fd's trigger ("some 1 500000") fires when the group stalls
 *     in its reclaim at max, and stays silent while it is idle;
 *   - with node 0 of the pool down to its min watermark, a RealTime
 *     group's fault takes a frame of the reserve while a Normal group's
 *     fails (SIGBUS) after a stall of its group.
 *
 * The fault beyond max with nothing reclaimable (SIGBUS) is
 * qos_charge_test's.  Groups made here are named "qr-*" under the root;
 * the teardown destroys them and removes the loopback store.  Without
 * the loopback (another store backend holds the table: -EBUSY) the tests
 * skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
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

#define QR_PREFIX	"qr-"
#define QR_CMP		(AETHER_MM_REGION_SHARED | AETHER_MM_REGION_COMPRESSIBLE)
/* A trigger that any stall passes (privileged: root in the box). */
#define QR_TRIGGER	"some 1 500000"
/* A trigger that never fires fails the test after this. */
#define QR_POLL_MS	20000

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(reclaim) {
	int fd;
	int mfd;
	struct aet_params params;
	struct aet_params mm_params;	/* aqt_scan() stops aether_kaccessd */
};

FIXTURE_SETUP(reclaim)
{
	AQT_LOOPBACK_SETUP(self, QR_PREFIX);
}

FIXTURE_TEARDOWN(reclaim)
{
	aqt_loopback_teardown(self->fd, &self->params, &self->mm_params,
			      QR_PREFIX);
}

/*
 * A COMPRESSIBLE region of @pages charged to group @g, its first @written
 * pages written with @v and scanned idle.  NULL on failure.
 */
static unsigned char *qr_cold_region(struct __test_metadata *_metadata,
				     int fd, int mfd, __u32 g, size_t pages,
				     size_t written, int v, int *rfd)
{
	unsigned char *p;
	__u64 id;

	if (aqt_attach(fd, g, getpid()))
		return NULL;
	p = aqt_region_id(mfd, QR_CMP, pages, rfd, &id);
	if (aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid()) || !p)
		return NULL;
	aqt_write_pages(p, 0, written, v);
	if (aqt_scan(id, 3)) {
		TH_LOG("region %llu was never scanned", (unsigned long long)id);
		return NULL;
	}
	return p;
}

static void qr_unmap(unsigned char *p, size_t pages, int rfd)
{
	munmap(p, pages * psize());
	close(rfd);
}

/*
 * max 32, 32 cold pages: 16 more pages go in, each fault over max
 * reclaiming the group's own cold pages; the group stays within max,
 * counts max events and no oom; every page reads back as written.
 */
TEST_F_TIMEOUT(reclaim, fault_at_max_reclaims_own_cold_pages, 180)
{
	const size_t pages = 64, max = 32, more = 16;
	struct aether_qos_group_info gi;
	unsigned char *p;
	size_t wrote;
	int rfd, status;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "max", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	p = qr_cold_region(_metadata, self->fd, self->mfd, g, pages, max, 7,
			   &rfd);
	ASSERT_NE(NULL, p);

	/* The child writes 1 to pages max..max+more. */
	status = aqt_touch_child(p + max * psize(), more, &wrote);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x after %zu pages", status, wrote);
	ASSERT_EQ(more, wrote);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("usage %llu peak %llu max events %llu oom %llu resident %ld",
	       (unsigned long long)gi.usage, (unsigned long long)gi.peak,
	       (unsigned long long)gi.events_local[AETHER_QOS_EVENT_MAX],
	       (unsigned long long)gi.events_local[AETHER_QOS_EVENT_OOM],
	       aqt_resident(rfd));
	ASSERT_GE(max, gi.usage);
	ASSERT_GE(max, gi.peak);
	ASSERT_LE(1, gi.events_local[AETHER_QOS_EVENT_MAX]);
	ASSERT_EQ(0, gi.events_local[AETHER_QOS_EVENT_OOM]);
	ASSERT_EQ((long)gi.usage, aqt_resident(rfd));
	/* At least the more pages went to the store. */
	ASSERT_LE((long)more, (long)(max + more) - aqt_resident(rfd));

	/* No max: the stored pages come back as they were. */
	ASSERT_EQ(0, aqt_set_max(self->fd, g, AETHER_QOS_UNLIMITED));
	ASSERT_EQ(0, aqt_bad_pages(p, 0, max, 7));
	for (wrote = max; wrote < max + more; wrote++)
		ASSERT_EQ(1, p[wrote * psize()]);
	ASSERT_EQ((long)(max + more), aqt_resident(rfd));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(max + more, gi.usage);
	qr_unmap(p, pages, rfd);
	ASSERT_EQ(0, aqt_get_released(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
}

/*
 * 48 cold pages, then SET max 16: SET reclaims 32 of them before it
 * returns; raised again, every page reads back.
 */
TEST_F_TIMEOUT(reclaim, lower_max_reclaims_down_to_it, 180)
{
	const size_t pages = 64, written = 48, max = 16;
	struct aether_qos_group_info gi;
	unsigned char *p;
	int rfd;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "lower", 0, &g));
	p = qr_cold_region(_metadata, self->fd, self->mfd, g, pages, written,
			   3, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(written, gi.usage);

	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(max, gi.usage);
	ASSERT_EQ((long)max, aqt_resident(rfd));
	ASSERT_EQ(written - max, gi.uncharged);

	ASSERT_EQ(0, aqt_set_max(self->fd, g, AETHER_QOS_UNLIMITED));
	ASSERT_EQ(0, aqt_bad_pages(p, 0, written, 3));
	ASSERT_EQ((long)written, aqt_resident(rfd));
	qr_unmap(p, pages, rfd);
}

/*
 * memory.high as memory.max: 96 cold pages; SET high 128 (above usage)
 * takes nothing; SET high 16 reclaims 80 before SET returns, in the
 * writer's context (high is no hard limit: nothing else would bring the
 * usage down until a task of the group charged again); raised again,
 * every page reads back.
 */
TEST_F_TIMEOUT(reclaim, lower_high_reclaims_down_to_it, 180)
{
	const size_t pages = 128, written = 96, high = 16;
	struct aether_qos_set s = { .mask = AETHER_QOS_SET_HIGH };
	struct aether_qos_group_info gi;
	unsigned char *p;
	int rfd;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "lowhigh", 0, &g));
	p = qr_cold_region(_metadata, self->fd, self->mfd, g, pages, written,
			   5, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(written, gi.usage);

	s.id = g;
	s.high = pages;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(written, gi.usage);
	ASSERT_EQ(0, gi.uncharged);

	s.high = high;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("high %zu: usage %llu, resident %ld, uncharged %llu", high,
	       (unsigned long long)gi.usage, aqt_resident(rfd),
	       (unsigned long long)gi.uncharged);
	/* Usage is the frames and the stored pages' checksums' nodes. */
	ASSERT_EQ(high, gi.usage);
	ASSERT_EQ((long)(high - aqt_integ_pages(QR_PREFIX "lowhigh")),
		  aqt_resident(rfd));
	ASSERT_EQ(written - aqt_resident(rfd), gi.uncharged);
	ASSERT_EQ(high, gi.high);

	s.high = AETHER_QOS_UNLIMITED;
	ASSERT_EQ(0, aqt_set(self->fd, &s));
	ASSERT_EQ(0, aqt_bad_pages(p, 0, written, 5));
	ASSERT_EQ((long)written, aqt_resident(rfd));
	qr_unmap(p, pages, rfd);
}

/* Pages of the region @rfd, @written of them written, not resident. */
static long qr_stored(int rfd, size_t written)
{
	return (long)written - aqt_resident(rfd);
}

/*
 * Three groups, BestEffort, Normal and RealTime, 32 cold pages each: the
 * pool's reclaim takes the BestEffort group's first, the Normal one's
 * when the BestEffort one has none left, the RealTime one's last.
 */
TEST_F_TIMEOUT(reclaim, pool_reclaim_in_class_order, 240)
{
	static const __u32 classes[3] = {
		AETHER_QOS_CLASS_BESTEFFORT, AETHER_QOS_CLASS_NORMAL,
		AETHER_QOS_CLASS_REALTIME,
	};
	static const char *const names[3] = {
		QR_PREFIX "be", QR_PREFIX "normal", QR_PREFIX "rt",
	};
	const size_t pages = 32;
	unsigned char *p[3];
	int rfd[3], i;
	__u32 g[3];

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, aqt_create(self->fd, 0, names[i], classes[i],
					&g[i]));
		p[i] = qr_cold_region(_metadata, self->fd, self->mfd, g[i],
				      pages, pages, 10 * i, &rfd[i]);
		ASSERT_NE(NULL, p[i]);
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, qr_stored(rfd[i], pages));

	ASSERT_EQ(0, aqt_pool_reclaim(16));
	ASSERT_EQ(16, qr_stored(rfd[0], pages));
	ASSERT_EQ(0, qr_stored(rfd[1], pages));
	ASSERT_EQ(0, qr_stored(rfd[2], pages));
	/* More than BestEffort has left: its rest, then Normal's. */
	ASSERT_EQ(0, aqt_pool_reclaim(32));
	ASSERT_EQ((long)pages, qr_stored(rfd[0], pages));
	ASSERT_EQ(16, qr_stored(rfd[1], pages));
	ASSERT_EQ(0, qr_stored(rfd[2], pages));
	ASSERT_EQ(0, aqt_pool_reclaim(32));
	ASSERT_EQ((long)pages, qr_stored(rfd[1], pages));
	ASSERT_EQ(16, qr_stored(rfd[2], pages));

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, aqt_bad_pages(p[i], 0, pages, 10 * i));
		qr_unmap(p[i], pages, rfd[i]);
	}
}

/* A group fd of @id with the trigger QR_TRIGGER: the fd or -errno. */
static int qr_open_trigger(int fd, __u32 id)
{
	struct aether_qos_open o = { .size = sizeof(o), .id = id };
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_OPEN, &o);

	if (ret)
		return ret;
	if (write(o.fd, QR_TRIGGER, strlen(QR_TRIGGER)) !=
	    (ssize_t)strlen(QR_TRIGGER)) {
		ret = -errno;
		close(o.fd);
		return ret;
	}
	return o.fd;
}

/*
 * A trigger on a group with cold pages at its max: silent while nothing
 * happens; once a fault over max stalls in the group's reclaim, poll()
 * reports EPOLLPRI.  The pressure line's total grew.
 */
TEST_F_TIMEOUT(reclaim, trigger_fires_on_reclaim_stall_silent_idle, 180)
{
	const size_t pages = 48, max = 16, more = 16;
	struct pollfd pfd = { .events = POLLPRI };
	char line[256];
	unsigned char *p;
	size_t wrote;
	int rfd, status;
	__u32 g;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "trig", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	p = qr_cold_region(_metadata, self->fd, self->mfd, g, pages, max, 5,
			   &rfd);
	ASSERT_NE(NULL, p);
	pfd.fd = qr_open_trigger(self->fd, g);
	ASSERT_LE(0, pfd.fd);
	/* Idle for two windows: nothing. */
	ASSERT_EQ(0, poll(&pfd, 1, 1000)) TH_LOG("an idle trigger fired");

	status = aqt_touch_child(p + max * psize(), more, &wrote);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	ASSERT_EQ(1, poll(&pfd, 1, QR_POLL_MS))
		TH_LOG("the stall in reclaim never fired the trigger");
	ASSERT_TRUE(pfd.revents & POLLPRI);
	memset(line, 0, sizeof(line));
	ASSERT_LT(0, pread(pfd.fd, line, sizeof(line) - 1, 0));
	TH_LOG("%s", line);
	ASSERT_EQ(NULL, strstr(line, "total=0\n"));
	close(pfd.fd);
	qr_unmap(p, pages, rfd);
}

/* A region of @pages bound to node 0 in group @g, mapped; NULL if not. */
static unsigned char *qr_node0_region(int fd, int mfd, __u32 g, size_t pages,
				      int *rfd)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED, pages * psize());
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1;
	if (aqt_attach(fd, g, getpid()))
		return NULL;
	if (aemt_region_create(mfd, &c)) {
		aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid());
		return NULL;
	}
	if (aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid()))
		return NULL;
	*rfd = c.fd;
	p = aemt_region_map(c.fd, pages * psize(), PROT_READ | PROT_WRITE);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Take every page of node 0 above its min watermark: in batches, then
 * one by one (a batch the pool cannot serve whole fails whole).  0 or
 * -errno.
 */
static int qr_fill_node0(int mfd, struct aemt_blocks *b)
{
	size_t n;
	int ret;

	ret = aemt_fill_until_enomem(mfd, AETHER_MM_ALLOC_THISNODE, 0, 0,
				     AEMT_ALL_ZONES, b, 1 << 20);
	do {
		n = b->nr;
		if (!ret)
			ret = aemt_fill_until_enomem(mfd,
						     AETHER_MM_ALLOC_THISNODE,
						     0, 0, AEMT_ALL_ZONES, b,
						     n + 1);
	} while (!ret && b->nr > n);
	return ret;
}

/*
 * Node 0 of the pool full down to its min watermark (grown to its limit,
 * then every page above min taken, nothing to reclaim): a Normal group's
 * fault on node 0 finds no frame and gets SIGBUS, after a stall of its
 * group (its pressure total moves); a RealTime group's fault, at the
 * same point, takes a frame of the reserve and succeeds.  A page freed
 * meanwhile (a worker's, a pcp drain) may serve the Normal fault: node 0
 * is filled again and another page tried, 16 times at most.
 */
TEST_F_TIMEOUT(reclaim, realtime_fault_takes_the_reserve, 240)
{
	const size_t pages = 16;
	struct aether_mm_pool_info pi;
	struct aemt_blocks b = { 0 };
	unsigned char *pn, *pr;
	bool sigbus = false;
	char line[256];
	int rn, rr, status, gfd;
	size_t i, wrote;
	__u32 N, RT;

	/*
	 * Nothing to reclaim: no store (the fixture's loopback out), or a
	 * cold COMPRESSIBLE page left anywhere in the pool is stored by the
	 * Normal fault's own reclaim and its frame serves the fault.
	 */
	ASSERT_EQ(0, aqt_loopback(0));
	ASSERT_EQ(0, aemt_pool_info(self->mfd, &pi));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "n0", 0, &N));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QR_PREFIX "rt0",
				AETHER_QOS_CLASS_REALTIME, &RT));
	pn = qr_node0_region(self->fd, self->mfd, N, pages, &rn);
	ASSERT_NE(NULL, pn);
	pr = qr_node0_region(self->fd, self->mfd, RT, pages, &rr);
	ASSERT_NE(NULL, pr);
	gfd = qr_open_trigger(self->fd, N);
	ASSERT_LE(0, gfd);

	/* Grown to its limit, then every page above min taken. */
	ASSERT_EQ(0, aemt_fill_until_enomem(self->mfd,
					    AETHER_MM_ALLOC_THISNODE,
					    pi.max_order, 0, AEMT_ALL_ZONES,
					    &b, 1 << 16));
	for (i = 0; i < pages && !sigbus; i++) {
		ASSERT_EQ(0, qr_fill_node0(self->mfd, &b));
		status = aqt_touch_child(pn + i * psize(), 1, &wrote);
		sigbus = WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
		TH_LOG("the Normal fault: %s", sigbus ? "SIGBUS" : "served");
	}
	ASSERT_TRUE(sigbus) TH_LOG("the Normal fault never met the reserve");
	ASSERT_EQ(0, qr_fill_node0(self->mfd, &b));
	status = aqt_touch_child(pr, 1, &wrote);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the RealTime fault: status %#x", status);
	ASSERT_EQ(1, pr[0]);
	ASSERT_EQ(1, aqt_resident(rr));

	/* The Normal group's failed fault waited in the pool first. */
	memset(line, 0, sizeof(line));
	ASSERT_LT(0, pread(gfd, line, sizeof(line) - 1, 0));
	TH_LOG("%s", line);
	ASSERT_EQ(NULL, strstr(line, "total=0\n"));

	ASSERT_EQ(0, aemt_blocks_free_all(self->mfd, &b));
	aemt_blocks_release(&b);
	close(gfd);
	qr_unmap(pn, pages, rn);
	qr_unmap(pr, pages, rr);
}

TEST_HARNESS_MAIN
