// SPDX-License-Identifier: GPL-2.0
/*
 * mm_cold_test.c - finding cold region pages (aem_region_cold_pages())
 *
 * A handful of cold pages among many hot ones: debugfs aether/mm/cold
 * (a walk of aem_region_cold_pages() that offers up to 64 pages) must
 * list exactly the cold ones, and the walk must not look at the hot ones
 * to find them: the pages it examined (debugfs aether/mm/access,
 * "cold_examined") do not grow with the resident pages.  The test also
 * times the walk with few and with many hot pages and prints both, the
 * figure of the per-generation lists (access.c).
 *
 * The region's reclaim is such a walk's client: it drops a cold page of
 * zeroes (aem_cold_page_drop()) and stores the others.
 *
 * The fixture saves access_interval_ms and puts it back in its teardown,
 * and removes the loopback store.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_region_util.h"
#include "kselftest_harness.h"

#define COLD_DEBUGFS	AEMT_DEBUGFS "/cold"
#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"
#define LOOPBACK_DEBUGFS AEMT_DEBUGFS "/store_loopback"
#define COLD_PAGES	64	/* what debugfs cold lists at most */
#define TIMED_READS	15

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Read debugfs cold once: the rows of region @id into @listed (data page
 * index < @pages), rows of other regions into *@others.  Return: ns taken.
 */
static long long read_cold(__u64 id, bool *listed, size_t pages,
			   long *others)
{
	unsigned long long rid;
	unsigned long idx;
	unsigned int gen;
	char line[128];
	long long t0;
	int node;
	FILE *f;

	t0 = now_ns();
	f = fopen(COLD_DEBUGFS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %lu %u %d", &rid, &idx, &gen,
			   &node) != 4)
			continue;
		if (rid == id && idx < pages)
			listed[idx] = true;
		else
			(*others)++;
	}
	fclose(f);
	return now_ns() - t0;
}

static int cmp_ll(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

struct cold_walk {
	long long median_ns;	/* the read of debugfs cold, from userspace */
	long long kernel_ns;	/* aem_region_cold_pages() itself, median */
	long examined;		/* pages looked at per walk */
	long others;		/* rows of other regions */
	bool all_listed;
};

/*
 * COLD_PAGES pages of one region idle for 3 scans, then @hot pages of
 * another written just before one more scan (generation 0): time the
 * cold walk.
 */
static int cold_among_hot(int fd, size_t hot, struct cold_walk *w)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct aether_mm_region_create c, h;
	long long ns[TIMED_READS], kns[TIMED_READS];
	bool listed[COLD_PAGES];
	unsigned char *p, *q;
	long e0, e1, t0, t1;
	size_t i;
	int err = -EIO;

	memset(w, 0, sizeof(*w));
	aemt_region_args(&c, AETHER_MM_REGION_SHARED, COLD_PAGES * page);
	aemt_region_args(&h, AETHER_MM_REGION_SHARED, hot * page);
	if (aemt_region_create(fd, &c))
		return -EIO;
	p = aemt_region_map(c.fd, COLD_PAGES * page, PROT_RW);
	if (p == MAP_FAILED)
		goto out_c;
	for (i = 0; i < COLD_PAGES; i++)
		p[i * page] = i + 1;
	if (scan_times(c.id, 3))
		goto out_p;
	if (aemt_region_create(fd, &h))
		goto out_p;
	q = aemt_region_map(h.fd, hot * page, PROT_RW);
	if (q == MAP_FAILED)
		goto out_h;
	for (i = 0; i < hot; i++)
		q[i * page] = i + 1;
	if (scan_times(h.id, 1))
		goto out_q;

	w->all_listed = true;
	e0 = debugfs_counter(ACCESS_DEBUGFS, "cold_examined");
	for (i = 0; i < TIMED_READS; i++) {
		memset(listed, 0, sizeof(listed));
		t0 = debugfs_counter(ACCESS_DEBUGFS, "cold_ns");
		ns[i] = read_cold(c.id, listed, COLD_PAGES, &w->others);
		t1 = debugfs_counter(ACCESS_DEBUGFS, "cold_ns");
		kns[i] = t0 < 0 || t1 < 0 ? -1 : t1 - t0;
		for (size_t k = 0; k < COLD_PAGES; k++)
			w->all_listed = w->all_listed && listed[k];
	}
	e1 = debugfs_counter(ACCESS_DEBUGFS, "cold_examined");
	w->examined = e0 < 0 || e1 < 0 ? -1 : (e1 - e0) / TIMED_READS;
	qsort(ns, TIMED_READS, sizeof(ns[0]), cmp_ll);
	qsort(kns, TIMED_READS, sizeof(kns[0]), cmp_ll);
	w->median_ns = ns[TIMED_READS / 2];
	w->kernel_ns = kns[TIMED_READS / 2];
	err = 0;
out_q:
	munmap(q, hot * page);
out_h:
	close(h.fd);
out_p:
	munmap(p, COLD_PAGES * page);
out_c:
	close(c.fd);
	return err;
}

FIXTURE(cold) {
	int fd;
	char interval[32];
};

FIXTURE_SETUP(cold)
{
	self->interval[0] = 0;
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	if (access(COLD_DEBUGFS, R_OK))
		AEMT_SETUP_SKIP("no %s", COLD_DEBUGFS);
	ASSERT_EQ(0, param_read("access_interval_ms", self->interval,
				sizeof(self->interval)));
}

FIXTURE_TEARDOWN(cold)
{
	aemt_write_file(LOOPBACK_DEBUGFS, "0");
	if (self->interval[0])
		param_write("access_interval_ms", self->interval);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The cold pages are listed, and nothing else, however many hot pages
 * there are; the walk examines as many pages with 256 or 8192 hot pages
 * resident, and takes about as long.
 */
TEST_F_TIMEOUT(cold, walk_cost_does_not_grow_with_resident_pages, 280)
{
	struct cold_walk few, many;

	ASSERT_EQ(0, cold_among_hot(self->fd, 256, &few));
	ASSERT_EQ(0, cold_among_hot(self->fd, 8192, &many));
	ksft_print_msg("cold walk, %d cold pages: 256 hot: %lld ns in the kernel, %lld ns read (%ld examined); 8192 hot: %lld ns in the kernel, %lld ns read (%ld examined)\n",
		       COLD_PAGES, few.kernel_ns, few.median_ns, few.examined,
		       many.kernel_ns, many.median_ns, many.examined);
	ASSERT_TRUE(few.all_listed);
	ASSERT_TRUE(many.all_listed);
	ASSERT_EQ(0, few.others);
	ASSERT_EQ(0, many.others);
	ASSERT_LE(0, few.examined);
	ASSERT_LE(0, many.examined);
	/* The cold pages, and at most one pass over the regions' lists. */
	ASSERT_LE(many.examined, few.examined + 8);
	ASSERT_GE(many.examined, COLD_PAGES);
}

/*
 * The region's reclaim, a client of the cold walk as another module's
 * would be (aem_cold_page_unmap(), then aem_cold_page_drop() or
 * aem_cold_page_set_stored()): a cold page of zeroes leaves its slot
 * empty and costs the store nothing; a page with data is stored; both
 * read back as they were, and the zero pages allocate nothing to do so.
 */
TEST_F_TIMEOUT(cold, reclaim_drops_zero_pages_and_stores_the_rest, 180)
{
	const size_t pages = 32, page = (size_t)sysconf(_SC_PAGESIZE);
	struct aether_mm_region_create c;
	struct aether_mm_region_query q;
	struct aether_mm_region_info ri;
	long dropped0, stored0;
	unsigned char *p;
	char buf[16];
	size_t i, k;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	dropped0 = debugfs_counter(RECLAIM_DEBUGFS, "dropped");
	stored0 = debugfs_counter(RECLAIM_DEBUGFS, "stored");
	ASSERT_LE(0, dropped0);
	aemt_region_args(&c, AETHER_MM_REGION_SHARED |
			 AETHER_MM_REGION_COMPRESSIBLE, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	/* Even pages: written with zeroes (a frame of zeroes); odd: data. */
	for (i = 0; i < pages; i++)
		p[i * page + 7] = i & 1 ? i : 0;
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(pages, ri.resident);
	ASSERT_EQ(0, scan_times(c.id, 3));

	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(0, ri.resident);
	ASSERT_EQ(dropped0 + (long)pages / 2,
		  debugfs_counter(RECLAIM_DEBUGFS, "dropped"));
	ASSERT_LE(stored0 + (long)pages / 2,
		  debugfs_counter(RECLAIM_DEBUGFS, "stored"));
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, aemt_region_query(c.fd, p + i * page, &q));
		ASSERT_EQ(i & 1 ? AETHER_MM_PAGE_STORED : AETHER_MM_PAGE_NONE,
			  q.state) TH_LOG("page %zu", i);
	}
	/* Read back: the zero pages map the zero page, no frame. */
	for (i = 0; i < pages; i++)
		for (k = 0; k < page; k++)
			ASSERT_EQ(k == 7 ? (unsigned char)(i & 1 ? i : 0) : 0,
				  p[i * page + k]);
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(pages / 2, ri.resident);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	munmap(p, pages * page);
	close(c.fd);
}

TEST_HARNESS_MAIN
