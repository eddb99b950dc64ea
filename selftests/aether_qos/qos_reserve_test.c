// SPDX-License-Identifier: GPL-2.0
/*
 * qos_reserve_test - the pool's RealTime reserve, sized from the groups
 *
 * The pages below each zone's min watermark are for RealTime groups'
 * faults only.  Besides the pool's own 1/128 of each zone, aether_qos
 * asks aether_mm to keep what the RealTime groups are owed (each topmost
 * RealTime group's min or low, the larger), each zone its part in
 * proportion to its size against the pool's largest, at most 1/8 of it.
 * Every test asserts on outcomes (watermarks, counters, which faults go
 * through), never on time:
 *
 *   - a RealTime group's min, then a larger low, raise each zone's min
 *     watermark beyond the pool's own by exactly its part of the figure
 *     (a figure far beyond the pool: 1/8 of each zone); a Normal group's protection, and a RealTime group under a
 *     RealTime one, add nothing; the figure goes back to nothing when
 *     the group becomes Normal and when it is destroyed;
 *   - a RealTime group owed twice the pool's own reserve (1/64 of the
 *     pool), then the pool filled with a BestEffort hog's pages that no
 *     reclaim can take (the hog's next fault is SIGBUS): the RealTime
 *     group faults that many pages in: every
 *     one goes through, from the reserve (debugfs reserve_allocs moves),
 *     none is refused (reserve_refused does not), where the hog's own
 *     fault was refused at the raised min.
 *
 * Groups made here are named "qv-*" under the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define QV_PREFIX	"qv-"
#define QV_STATS	"/sys/kernel/debug/aether/mm/stats"
#define QV_POOL_MAX	"/sys/module/aether_mm/parameters/pool_max_mb"
#define QV_HOG_CHUNK	8192UL	/* pages of one hog region */
#define QV_HOG_REGIONS	64	/* at most: 2 GiB of hog */

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* A zone's part of the RealTime reserve: its min beyond the pool's own. */
static long qv_share(const struct aether_mm_zone_stats *zs)
{
	unsigned long own = zs->managed >> 7;

	if (own < 8)
		own = 8;
	return (long)zs->wmark_min - (long)own;
}

/* The pool's largest size in pages: every node at its chunk limit. */
static unsigned long qv_pool_max(const struct aether_mm_pool_info *pi)
{
	unsigned long sum = 0;
	__u32 n;

	for (n = 0; n < pi->nr_nodes; n++)
		sum += (unsigned long)pi->node_chunks_max[n] << pi->chunk_order;
	return sum;
}

/*
 * The RealTime reserve over every zone (each zone's part read with its
 * size under its lock), *@bad the zones whose part is not what @want
 * gives them: @want in proportion to the zone's pages against the
 * pool's largest size, at most 1/8 of the zone.  -1 when unreadable.
 */
static long qv_reserve(int mfd, unsigned long want, int *bad)
{
	struct aether_mm_pool_info pi;
	struct aether_mm_zone_stats zs;
	unsigned long total, part;
	long sum = 0;
	__u32 n, z;

	*bad = 0;
	if (aemt_pool_info(mfd, &pi))
		return -1;
	total = qv_pool_max(&pi);
	if (!total)
		return -1;
	for (n = 0; n < pi.nr_nodes; n++)
		for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
			if (aemt_zone_stats(mfd, n, z, &zs) || !zs.present ||
			    !zs.managed)
				continue;
			part = (unsigned long)((unsigned __int128)want *
					       zs.managed / total);
			if (part > zs.managed / 8)
				part = zs.managed / 8;
			if (qv_share(&zs) != (long)part)
				(*bad)++;
			sum += qv_share(&zs);
		}
	return sum;
}

/* Counter @key of debugfs aether/mm/stats, or -1. */
static long qv_stat(const char *key)
{
	char line[128], k[64];
	long v, got = -1;
	FILE *f = fopen(QV_STATS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, key))
			got = v;
	fclose(f);
	return got;
}

/* SET of group @id's @mask fields: 0 or -errno. */
static int qv_set(int fd, __u32 id, __u32 mask, __u64 min, __u64 low,
		  __u32 class)
{
	struct aether_qos_set s = {
		.size = sizeof(s), .id = id, .mask = mask, .min = min,
		.low = low, .class = class,
	};

	return aqt_set(fd, &s);
}

/*
 * A region of @pages charged to group @g, mapped read-write at *@p: its
 * fd, or -errno.
 */
static int qv_region(int fd, int mfd, size_t pages, __u32 g,
		     unsigned char **p)
{
	struct aether_mm_region_create c;
	int gfd, ret;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED, pages * psize());
	gfd = aqt_gfd(fd, g);
	if (gfd < 0)
		return gfd;
	c.flags |= AETHER_MM_REGION_QOS_GROUP;
	c.qos_fd = gfd;
	ret = aemt_region_create(mfd, &c);
	close(gfd);
	if (ret)
		return ret;
	*p = aemt_region_map(c.fd, pages * psize(), PROT_READ | PROT_WRITE);
	if (*p == MAP_FAILED) {
		close(c.fd);
		return -ENOMEM;
	}
	return c.fd;
}

FIXTURE(reserve) {
	int fd;
	int mfd;
	int hog_fd[QV_HOG_REGIONS];
	unsigned char *hog[QV_HOG_REGIONS];
	int nr_hog;
};

FIXTURE_SETUP(reserve)
{
	self->nr_hog = 0;
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX);
}

FIXTURE_TEARDOWN(reserve)
{
	int i;

	if (self->fd < 0)
		return;
	for (i = 0; i < self->nr_hog; i++) {
		munmap(self->hog[i], QV_HOG_CHUNK * psize());
		close(self->hog_fd[i]);
	}
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX);
	close(self->fd);
	close(self->mfd);
}

/* The reserve is exactly @want's, zone by zone: its sum. */
#define QV_RESERVE_IS(want) ({						\
	int __bad;							\
	long __sum = qv_reserve(self->mfd, (want), &__bad);		\
									\
	ASSERT_LE(0, __sum);						\
	ASSERT_EQ(0, __bad);						\
	__sum;								\
})

TEST_F_TIMEOUT(reserve, realtime_protection_sizes_the_reserve, 120)
{
	__u32 rt, child, normal;
	long r1, r4;

	/* No RealTime group is owed anything yet (none but ours here). */
	ASSERT_EQ(0, QV_RESERVE_IS(0));

	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX "n",
				AETHER_QOS_CLASS_NORMAL, &normal));
	ASSERT_EQ(0, qv_set(self->fd, normal, AETHER_QOS_SET_MIN, 4096, 0, 0));
	ASSERT_EQ(0, QV_RESERVE_IS(0));

	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX "rt",
				AETHER_QOS_CLASS_REALTIME, &rt));
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_MIN, 1024, 0, 0));
	r1 = QV_RESERVE_IS(1024);
	ASSERT_GE(1024, r1);
	/* The larger of min and low. */
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_LOW, 0, 4096, 0));
	r4 = QV_RESERVE_IS(4096);
	ASSERT_LE(r1, r4);
	ASSERT_GE(4096, r4);
	/* Far more than the pool: each zone keeps at most 1/8 of itself. */
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_LOW, 0, 1UL << 40, 0));
	QV_RESERVE_IS(1UL << 40);
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_LOW, 0, 4096, 0));
	QV_RESERVE_IS(4096);

	/* A RealTime group under a RealTime one is its ancestor's part. */
	ASSERT_EQ(0, aqt_create(self->fd, rt, QV_PREFIX "child",
				AETHER_QOS_CLASS_REALTIME, &child));
	ASSERT_EQ(0, qv_set(self->fd, child, AETHER_QOS_SET_MIN, 4096, 0, 0));
	QV_RESERVE_IS(4096);
	ASSERT_EQ(0, aqt_destroy(self->fd, child));
	QV_RESERVE_IS(4096);

	/* Normal: owed nothing; RealTime again: the same figure. */
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_CLASS, 0, 0,
			    AETHER_QOS_CLASS_NORMAL));
	ASSERT_EQ(0, QV_RESERVE_IS(0));
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_CLASS, 0, 0,
			    AETHER_QOS_CLASS_REALTIME));
	QV_RESERVE_IS(4096);

	ASSERT_EQ(0, aqt_destroy(self->fd, rt));
	ASSERT_EQ(0, QV_RESERVE_IS(0));
	ASSERT_EQ(0, aqt_destroy(self->fd, normal));
}

/*
 * Hog regions of group @g written page by page in a child until a fault
 * is refused: 0 when one was (the pool is full), -errno otherwise.
 */
static int qv_fill(int fd, int mfd, __u32 g, int *nr, int *fds,
		   unsigned char **p)
{
	size_t wrote;
	int status;

	while (*nr < QV_HOG_REGIONS) {
		fds[*nr] = qv_region(fd, mfd, QV_HOG_CHUNK, g, &p[*nr]);
		if (fds[*nr] < 0) {
			ksft_print_msg("hog region %d: %s\n", *nr,
				       strerror(-fds[*nr]));
			return fds[*nr];
		}
		status = aqt_touch_child(p[(*nr)++], QV_HOG_CHUNK, &wrote);
		if (status < 0)
			return status;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
			return 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("hog region %d: status %#x, %zu pages\n",
				       *nr - 1, status, wrote);
			return -EPROTO;
		}
	}
	return -ENOSPC;
}

TEST_F_TIMEOUT(reserve, realtime_faults_take_the_reserve_under_a_hog, 900)
{
	struct aether_mm_pool_info pi;
	long allocs, refused, want;
	__u32 hog, rt;
	unsigned char *p;
	int qfd, status;
	size_t wrote;

	if (qv_stat("reserve_allocs") < 0)
		SKIP(return, "no debugfs aether/mm/stats");
	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX "hog",
				AETHER_QOS_CLASS_BESTEFFORT, &hog));
	ASSERT_EQ(0, aqt_create(self->fd, AETHER_QOS_ROOT_ID, QV_PREFIX "rt",
				AETHER_QOS_CLASS_REALTIME, &rt));

	/*
	 * The pool's own reserve, full, is 1/128 of it: the RealTime group
	 * is owed twice that, more than the pool's own could give it.  The
	 * reserve is sized before the hog comes, as a RealTime group's min
	 * is set before it needs it.
	 */
	ASSERT_EQ(0, aemt_pool_info(self->mfd, &pi));
	want = qv_pool_max(&pi) / 64;
	ASSERT_LT(0, want);
	ASSERT_EQ(0, qv_set(self->fd, rt, AETHER_QOS_SET_MIN, want, 0, 0));
	/*
	 * The hog's regions are not COMPRESSIBLE: no reclaim may take their
	 * pages, so the pool, once at its largest, is full for it: its fault
	 * was refused (SIGBUS) with every page above the raised min taken.
	 * (Whether a later BestEffort fault is refused too depends on what
	 * else the pool's reclaim finds, empty slabs: not asserted.)
	 */
	ASSERT_EQ(0, qv_fill(self->fd, self->mfd, hog, &self->nr_hog,
			     self->hog_fd, self->hog));
	QV_RESERVE_IS(want);

	allocs = qv_stat("reserve_allocs");
	refused = qv_stat("reserve_refused");
	qfd = qv_region(self->fd, self->mfd, want, rt, &p);
	ASSERT_LE(0, qfd);
	status = aqt_touch_child(p, want, &wrote);
	ASSERT_EQ((size_t)want, wrote);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_LT(allocs, qv_stat("reserve_allocs"));
	ASSERT_EQ(refused, qv_stat("reserve_refused"));
	munmap(p, want * psize());
	close(qfd);
}

TEST_HARNESS_MAIN
