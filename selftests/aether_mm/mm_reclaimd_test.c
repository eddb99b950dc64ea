// SPDX-License-Identifier: GPL-2.0
/*
 * mm_reclaimd_test.c - kreclaimd, the pool's background reclaimer (pool.c)
 *
 * A node at its limit (pool_max_mb) whose zones an allocation leaves below
 * low wakes the node's kreclaimd, which takes cold pages of COMPRESSIBLE
 * regions to the store until every zone of the node is above high again,
 * with no allocation running.  The tests here drive the pool there with a
 * "hog" (blocks of /dev/aether_mm taken to the pool's very end, the
 * reserve too, while the region's pages are still hot), let the region
 * cool (aether_kaccessd scans), wake the reclaimer with one allocation
 * (if the hog's last ones have not: it may already be at work),
 * and then watch the node's free pages come back above low without
 * anything allocating: the counters of debugfs aether/mm/stats say who
 * gave them back.  Without kreclaimd the counters do not exist and the
 * one allocation would have reclaimed its own batch only.
 *
 * A region fault at the limit that finds no frame, its own reclaim short
 * (it only tries the walk's locks, and a batch does not lift a node the
 * hog emptied back to min), waits for kreclaimd and is made again rather
 * than raising SIGBUS for a page the pool is about to give back
 * (region/fault.c, aem_fault_wait_pool()): debugfs fault_waits counts
 * the waits.
 *
 * The store is the loopback of debugfs aether/mm/store_loopback; removing
 * it while kreclaimd works brings every page back (the "unload with the
 * reclaimer busy": the store's unregistration waits for the
 * walk's SRCU reader, the walk then finds no store).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"

AEMT_REGION_FIXTURE(region)

#define STATS_DEBUGFS	AEMT_DEBUGFS "/stats"
#define LOOPBACK_DEBUGFS AEMT_DEBUGFS "/store_loopback"
#define HOT_PAGES	2048	/* the region kreclaimd takes pages of */
#define READBACK_FAULTS	64	/* of them read back by their faults */

static long stat_of(const char *key)
{
	return debugfs_counter(STATS_DEBUGFS, key);
}

/*
 * What counter @key gained over @base, waiting up to @ms (10 ms steps)
 * for it to gain anything; *@waited (if not NULL) gets the ms waited.
 */
static long stat_grown(const char *key, long base, int ms, int *waited)
{
	long n = stat_of(key) - base;
	int t;

	for (t = 0; n == 0 && t < ms; t += 10) {
		usleep(10 * 1000);
		n = stat_of(key) - base;
	}
	if (waited)
		*waited = t;
	return n;
}

/* As mm_region_store_test's: every page, the per-CPU lists drained. */
static int fill_pool_to_the_end(int mm, __u32 flags, struct aemt_blocks *b)
{
	size_t nr;
	int err;

	do {
		nr = b->nr;
		err = aemt_drain(mm);
		if (!err)
			err = aemt_fill_until_enomem(mm, flags, 0, -1,
						     AETHER_MM_ZONE_NORMAL, b,
						     SIZE_MAX);
	} while (!err && b->nr != nr);
	return err;
}

/* Every zone of @node with pages has at least its low watermark free. */
static int node_above_low(int mm, int node, unsigned long long *free,
			  unsigned long long *low)
{
	struct aether_mm_zone_stats zs;
	bool ok = true;
	__u32 z;

	*free = 0;
	*low = 0;
	for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
		if (aemt_zone_stats(mm, node, z, &zs))
			return -EIO;
		if (!zs.managed)
			continue;
		*free += zs.free;
		*low += zs.wmark_low;
		if (zs.free < zs.wmark_low)
			ok = false;
	}
	return ok;
}

/*
 * The setup both tests share: a COMPRESSIBLE region of HOT_PAGES written
 * on @node (the test pinned to a CPU of it), the pool then filled to its
 * end by @b (every node at its limit, nothing free), the region cooled by
 * three scans.  Return: the region's mapping; *@rfd, *@want.
 */
static unsigned char *hog_then_cool(struct __test_metadata *_metadata,
				    int fd, int mm, struct aemt_blocks *b,
				    int *rfd, unsigned char **want)
{
	struct aether_mm_region_create c;
	unsigned char *p;

	/* No scan until the hog is done: its pages stay hot meanwhile. */
	if (param_write("access_interval_ms", "0"))
		return NULL;
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 HOT_PAGES * page_size());
	p = region_written(fd, &c, 0x6b72 + getpid(), want);
	if (!p)
		return NULL;
	*rfd = c.fd;
	/* The hog: the region's pages are hot, nothing to reclaim yet. */
	if (fill_pool_to_the_end(mm, AETHER_MM_ALLOC_HIGH, b))
		return NULL;
	if (scan_times(c.id, 3))
		return NULL;
	/* The fill's fruitless runs of kreclaimd put wakeups off by 1 s. */
	sleep(2);
	return p;
}

/*
 * One allocation after hog_then_cool(), which reclaims for itself and
 * wakes kreclaimd; its block goes to @b.  On @node only: one that fell
 * back to the other node (a page freed there since the hog) woke that
 * node's kreclaimd, which has nothing of the region to take, and left
 * this one below low with no one to wake it (a 0 pages failure of stop
 * 40's rehearsal, one of two ways).  Its reclaim only tries the walk's
 * lock, and an allocation outside a group does not wait for kreclaimd
 * (alloc.c): while kreclaimd, woken by the hog's end, holds the walk, the
 * allocation finds nothing and fails.  It is tried again then, 50 times
 * at most.  Return: 0, or the last errno.
 */
static int alloc_after_hog(struct __test_metadata *_metadata, int mm,
			   int node, struct aemt_blocks *b)
{
	int i, ret;
	__u64 h;

	for (i = 0; i < 50; i++) {
		ret = aemt_alloc1(mm, AETHER_MM_ALLOC_THISNODE, 0, node,
				  AETHER_MM_ZONE_NORMAL, &h);
		if (ret != -ENOMEM)
			break;
		usleep(100 * 1000);
	}
	TH_LOG("the allocation after the hog: %d, after %d -ENOMEM", ret, i);
	return ret ?: aemt_blocks_add(b, h);
}

/*
 * After the hog, one allocation at the limit (alloc_after_hog()) wakes
 * kreclaimd: with no allocation running, the node's zones come back
 * above low, the region's cold pages having gone to the store, and
 * kreclaimd's counters say it took them.  The pages read back intact.
 */
TEST_F_TIMEOUT(region, kreclaimd_refills_above_low_after_the_hog, 600)
{
	unsigned long long nfree = 0, low = 0;
	long wakeups0, pages0, wakeups, pages;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	int mm, rfd, node, i, ok = 0;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	wakeups0 = stat_of("kreclaimd_wakeups");
	pages0 = stat_of("kreclaimd_reclaimed");
	ASSERT_LE(0, wakeups0) TH_LOG("no kreclaimd counters in stats");
	ASSERT_LE(0, pages0);
	ASSERT_EQ(0, aemt_pin_cpu(0));
	node = aemt_cpu_node(0);
	ASSERT_LE(0, node);
	mm = aemt_open();
	ASSERT_LE(0, mm);
	p = hog_then_cool(_metadata, self->fd, mm, &b, &rfd, &want);
	ASSERT_NE(NULL, p);
	/*
	 * kreclaimd, woken by the hog's last allocations, may already be
	 * taking the pages that just cooled: either way nothing allocates.
	 */
	ASSERT_LE(0, node_above_low(mm, node, &nfree, &low));
	TH_LOG("node %d after the hog: %llu free, low %llu", node, nfree, low);

	ASSERT_EQ(0, alloc_after_hog(_metadata, mm, node, &b));
	/*
	 * Every zone above low; or, when the region's pages all lay in one
	 * zone while the hog (whose blocks the test still holds) emptied
	 * another too, the region taken whole and the node as a whole above
	 * its low: kreclaimd has nothing more it could take (2 below).
	 */
	for (i = 0; i < 600 && ok < 1; i++) {
		ok = node_above_low(mm, node, &nfree, &low);
		ASSERT_LE(0, ok);
		if (!ok && !resident(rfd) && nfree >= low)
			ok = 2;
		if (ok < 1)
			usleep(100 * 1000);
	}
	wakeups = stat_of("kreclaimd_wakeups") - wakeups0;
	pages = stat_of("kreclaimd_reclaimed") - pages0;
	TH_LOG("node %d: %llu free (low %llu), kreclaimd %ld runs, %ld pages",
	       node, nfree, low, wakeups, pages);
	TH_LOG("region resident %llu of %d",
	       (unsigned long long)resident(rfd), HOT_PAGES);
	EXPECT_LE(1, ok);
	EXPECT_LT(0, wakeups);
	/* More than the one allocation's own batch (32 pages) would. */
	EXPECT_LT(32, pages);
	EXPECT_GT(HOT_PAGES, resident(rfd));

	ASSERT_EQ(0, aemt_blocks_free_all(mm, &b));
	aemt_blocks_release(&b);
	close(mm);
	/*
	 * What kreclaimd stored reads back: the first pages by their
	 * faults (one load from the store each: all 2048 took ~35 s on the
	 * debug kernel), the rest by the store's removal, which brings
	 * every page back at once.
	 */
	ASSERT_EQ(0, memcmp(p, want, READBACK_FAULTS * page_size()));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(HOT_PAGES, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, HOT_PAGES * page_size()));
	munmap(p, HOT_PAGES * page_size());
	close(rfd);
	free(want);
}

/*
 * The store goes away while kreclaimd works for the node: its removal
 * waits for the walk, every page comes back with its content, and
 * kreclaimd stops finding a store (no warning: the box panics on one).
 */
TEST_F_TIMEOUT(region, kreclaimd_busy_when_the_store_goes, 600)
{
	long pages0, during, after;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	int mm, rfd, node, i;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	pages0 = stat_of("kreclaimd_reclaimed");
	ASSERT_LE(0, pages0) TH_LOG("no kreclaimd counters in stats");
	ASSERT_EQ(0, aemt_pin_cpu(0));
	node = aemt_cpu_node(0);
	ASSERT_LE(0, node);
	mm = aemt_open();
	ASSERT_LE(0, mm);
	p = hog_then_cool(_metadata, self->fd, mm, &b, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, alloc_after_hog(_metadata, mm, node, &b));
	/* kreclaimd's first batch is in: it is at work. */
	during = stat_grown("kreclaimd_reclaimed", pages0, 6000, NULL);
	ASSERT_LT(0, during);
	/*
	 * Frames for the pages to come back to (twice theirs, from the
	 * hog's first blocks), then the store goes, kreclaimd most likely
	 * still below high on the node.
	 */
	ASSERT_LT(2 * HOT_PAGES, b.nr);
	for (i = 0; i < 2 * HOT_PAGES; i += AETHER_MM_MAX_BULK)
		ASSERT_EQ(0, aemt_free(mm, b.handles + i, AETHER_MM_MAX_BULK));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	after = stat_of("kreclaimd_reclaimed") - pages0;
	TH_LOG("kreclaimd: %ld pages when the store went, %ld after",
	       during, after);
	ASSERT_EQ(HOT_PAGES, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, HOT_PAGES * page_size()));
	close(mm);		/* the hog's other blocks */
	aemt_blocks_release(&b);
	munmap(p, HOT_PAGES * page_size());
	close(rfd);
	free(want);
}

/*
 * One wakeup of @node's kreclaimd: a block of the hog's (@b, from its
 * start, the node of the CPU it ran on, *@next of them given back
 * already) given back, one taken below low on @node.
 */
static int one_wakeup(int mm, int node, struct aemt_blocks *b,
		      unsigned int *next)
{
	__u64 h;

	if (*next >= b->nr || aemt_free(mm, b->handles + (*next)++, 1) ||
	    aemt_alloc1(mm, AETHER_MM_ALLOC_THISNODE, 0, node,
			AETHER_MM_ZONE_NORMAL, &h))
		return -1;
	return 0;
}

/*
 * kreclaimd held back by its failures: a wakeup inside the second that
 * follows the last of them is put off to its end, not lost.  With no store
 * the region's cold pages cannot go: wakeups one at a time, each waiting
 * for the run it asked for to give up, until one is held back (no run
 * within 300 ms: AEM_KRECLAIMD_MAX_FAILURES fruitless runs in a row, the
 * last just now); that one must still come, at the second's end.  Then
 * the store comes back and one allocation below low asks for kreclaimd,
 * once, inside the next second, and nothing allocates after it: kreclaimd
 * must run at that second's end and take the cold pages (a wakeup dropped
 * there left the node below low for good).
 */
TEST_F_TIMEOUT(region, kreclaimd_wakeup_in_its_backoff_is_put_off, 600)
{
	struct aether_mm_region_create c;
	struct aemt_blocks b = { 0 };
	long gave0, pages0, pages;
	unsigned int next = 0;
	unsigned char *p, *want;
	bool held = false;
	int mm, node, i;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, aemt_pin_cpu(0));
	node = aemt_cpu_node(0);
	ASSERT_LE(0, node);
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 HOT_PAGES * page_size());
	p = region_written(self->fd, &c, 0x6b62 + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, scan_times(c.id, 3));	/* cold, and no store */
	ASSERT_EQ(0, fill_pool_to_the_end(mm, AETHER_MM_ALLOC_HIGH, &b));

	ASSERT_LE(0, stat_of("kreclaimd_gave_up"))
		TH_LOG("no kreclaimd counters in stats");
	for (i = 0; i < 64 && !held; i++) {
		gave0 = stat_of("kreclaimd_gave_up");
		ASSERT_EQ(0, one_wakeup(mm, node, &b, &next));
		if (stat_grown("kreclaimd_gave_up", gave0, 300, NULL) > 0)
			continue;	/* ran at once: not held back yet */
		held = true;
		ASSERT_LT(0, stat_grown("kreclaimd_gave_up", gave0, 3000, NULL))
			TH_LOG("a wakeup while kreclaimd was held back was lost");
	}
	TH_LOG("held back after %d wakeups", i);
	ASSERT_TRUE(held) TH_LOG("kreclaimd never held back");

	/*
	 * The store back; one wakeup inside the second, then nothing.  (A
	 * client's slab given back on the way made a run fruitful: counted
	 * from here, and only the region's pages leaving tell.)
	 */
	pages0 = stat_of("kreclaimd_reclaimed");
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, one_wakeup(mm, node, &b, &next));
	pages = stat_grown("kreclaimd_reclaimed", pages0, 10000, &i);
	TH_LOG("kreclaimd took %ld pages %d ms after the wakeup", pages, i);
	EXPECT_LT(0, pages);
	EXPECT_GT(HOT_PAGES, resident(c.fd));

	close(mm);		/* the hog's blocks */
	aemt_blocks_release(&b);
	/* What kreclaimd stored reads back, and the store goes. */
	ASSERT_EQ(0, memcmp(p, want, HOT_PAGES * page_size()));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	munmap(p, HOT_PAGES * page_size());
	close(c.fd);
	free(want);
}

#define NEW_PAGES	16	/* the pages a writer faults after the hog */

/*
 * Every free page of every node, the reserve too, without growing the
 * pool or waking kreclaimd (NOGROW): the pool at nothing, the region's
 * pages kreclaimd did not take still cold.
 */
static int take_every_free_page(struct __test_metadata *_metadata, int mm,
				struct aemt_blocks *b)
{
	const __u32 flags = AETHER_MM_ALLOC_HIGH | AETHER_MM_ALLOC_NOGROW |
			    AETHER_MM_ALLOC_THISNODE;
	struct aether_mm_pool_info pi;
	__u64 h, i;
	int ret = 0;
	__u32 n;

	if (aemt_drain(mm) || aemt_pool_info(mm, &pi))
		return -EIO;
	for (n = 0; n < pi.nr_nodes; n++) {
		for (i = 0; i < pi.node_free[n]; i++) {
			ret = aemt_alloc1(mm, flags, 0, n, AETHER_MM_ZONE_NORMAL,
					  &h);
			if (ret)
				break;
			if (aemt_blocks_add(b, h))
				return -ENOMEM;
		}
		TH_LOG("node %u: took %llu of %llu free (%d)", n,
		       (unsigned long long)i,
		       (unsigned long long)pi.node_free[n], ret);
	}
	return 0;
}

/*
 * After the hog (the pool's reserve taken too), a child writes the pages
 * of a new region: its first fault finds no frame above min, and its own
 * reclaim does not lift the node there; the fault waits for kreclaimd,
 * which the region's cold pages give enough, and goes through.  Before
 * the wait, that first fault was a SIGBUS.
 */
TEST_F_TIMEOUT(region, region_fault_waits_for_kreclaimd_not_sigbus, 600)
{
	struct aether_mm_region_create c;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want, *q;
	unsigned long long nfree = 0, low = 0;
	int mm, rfd, node, status, ret;
	long waits0, direct0, waits, direct, pages;
	unsigned long long left;
	pid_t pid;
	size_t i;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	waits0 = stat_of("fault_waits");
	ASSERT_LE(0, waits0) TH_LOG("no fault_waits in stats");
	ASSERT_EQ(0, aemt_pin_cpu(0));
	node = aemt_cpu_node(0);
	ASSERT_LE(0, node);
	mm = aemt_open();
	ASSERT_LE(0, mm);
	p = hog_then_cool(_metadata, self->fd, mm, &b, &rfd, &want);
	ASSERT_NE(NULL, p);
	/*
	 * kreclaimd, woken by the hog, takes some of the cold pages: let it
	 * finish (its counter still for a second), then take what it gave
	 * back; nothing wakes it then (NOGROW).
	 */
	for (i = 0, ret = 0; i < 600 && ret < 10; i++) {
		pages = stat_of("kreclaimd_reclaimed");
		usleep(100 * 1000);
		ret = pages == stat_of("kreclaimd_reclaimed") ? ret + 1 : 0;
	}
	ASSERT_EQ(0, take_every_free_page(_metadata, mm, &b));
	ASSERT_EQ(0, node_above_low(mm, node, &nfree, &low));
	TH_LOG("node %d: %llu free, low %llu", node, nfree, low);
	TH_LOG("region resident %llu of %d, cold, the pool empty",
	       (unsigned long long)resident(rfd), HOT_PAGES);
	left = resident(rfd);
	if (left <= NEW_PAGES) {
		/*
		 * kreclaimd took (nearly) every cold page before it went
		 * still (a slow kernel: the debug one): nothing is left for
		 * a wait to find, so the case cannot be made here.
		 */
		ASSERT_EQ(0, aemt_blocks_free_all(mm, &b));
		aemt_blocks_release(&b);
		close(mm);
		ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
		munmap(p, HOT_PAGES * page_size());
		close(rfd);
		free(want);
		SKIP(return, "kreclaimd left %llu cold pages: no case to make",
		     left);
	}

	aemt_region_args(&c, AEM_SHARED, NEW_PAGES * page_size());
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	q = aemt_region_map(c.fd, c.length, PROT_RW);
	ASSERT_NE(MAP_FAILED, q);
	/* the writer's own reclaim, counted from here */
	direct0 = stat_of("direct_reclaimed");
	ASSERT_LE(0, direct0) TH_LOG("no direct_reclaimed in stats");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < NEW_PAGES; i++)
			q[i * page_size()] = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	waits = stat_of("fault_waits") - waits0;
	direct = stat_of("direct_reclaimed") - direct0;
	TH_LOG("writer status %#x, fault_waits %ld, direct_reclaimed %ld",
	       status, waits, direct);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	/*
	 * Where the writer's own reclaim lifted the node to min (a pool
	 * left in another state by earlier programs), no fault needed to
	 * wait; otherwise one waited.  Either way, no SIGBUS.
	 */
	ASSERT_TRUE(waits > 0 || direct > 0);

	munmap(q, c.length);
	close(c.fd);
	ASSERT_EQ(0, aemt_blocks_free_all(mm, &b));
	aemt_blocks_release(&b);
	close(mm);
	ASSERT_EQ(0, memcmp(p, want, HOT_PAGES * page_size()));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	munmap(p, HOT_PAGES * page_size());
	close(rfd);
	free(want);
}

TEST_HARNESS_MAIN
