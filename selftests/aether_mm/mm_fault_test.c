// SPDX-License-Identifier: GPL-2.0
/*
 * mm_fault_test.c - fault-around (->map_pages) of region VMAs
 *
 * A read fault on a region also maps the pages around it that are
 * resident in the caller's view, as a read fault would map each, and
 * nothing it must not: a frame shared with a backing layer stays
 * read-only, a guard page is never mapped, a read-only mapping gets no
 * writable entry, and a frame due a NUMA hinting fault takes it.
 *
 * The predictor (prefetch_max) is off during each test, so that every
 * page mapped without its own fault was mapped by fault-around; the
 * fixture's teardown puts the parameter back.  Each test runs on one CPU
 * (fault-around leaves a page last faulted from another node alone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "kselftest_harness.h"
#include "mm_region_util.h"

#define NPAGES		64
/* Linux's default fault_around_bytes, 64 KiB: 16 pages to one fault. */
#define MAX_FAULTS	(NPAGES / 4)

FIXTURE(fault) {
	int fd;
	size_t page;
	struct aet_params params;	/* aether_mm's, before the test */
};

FIXTURE_SETUP(fault)
{
	self->page = page_size();
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aet_params_save(AEMT_MODULE, &self->params));
	ASSERT_EQ(0, param_write("prefetch_max", "0"));
	/*
	 * One CPU, so one node: a page last faulted from another node is
	 * left to its fault, and the box has two.
	 */
	ASSERT_EQ(0, aemt_pin_cpu(0));
}

FIXTURE_TEARDOWN(fault)
{
	/* prefetch_max, and whatever else a test left changed. */
	EXPECT_LE(0, aet_params_restore(&self->params));
	if (self->fd >= 0)
		close(self->fd);
}

static __u64 faults_of(int rfd)
{
	struct aether_mm_region_info ri;

	memset(&ri, 0, sizeof(ri));
	ri.size = sizeof(ri);
	if (aemt_region_info(rfd, &ri))
		return ~0ULL;
	return ri.faults;
}

/* Page @i of @p holds byte @seed + @i in its first and last byte. */
static void fill(unsigned char *p, size_t page, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i * page] = (unsigned char)(seed + i);
		p[i * page + page - 1] = (unsigned char)(seed + i);
	}
}

/* How many of @n pages do not hold what fill(@seed) wrote. */
static size_t mismatches(const volatile unsigned char *p, size_t page,
			 size_t n, int seed)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		if (p[i * page] != (unsigned char)(seed + i) ||
		    p[i * page + page - 1] != (unsigned char)(seed + i))
			bad++;
	return bad;
}

/* Pages of @n, from @p, that have an entry; of them, writable ones. */
static size_t present(int rfd, const unsigned char *p, size_t page,
		      size_t n, size_t *writable)
{
	size_t i, k = 0;
	__u32 m;

	*writable = 0;
	for (i = 0; i < n; i++) {
		m = map_of(rfd, p + i * page);
		if (m == ~0U || !(m & AETHER_MM_MAP_PRESENT))
			continue;
		k++;
		if (m & AETHER_MM_MAP_WRITE)
			(*writable)++;
	}
	return k;
}

/*
 * Mapped again after munmap, a SHARED region (its frames outlive the
 * mapping) written once is read back with
 * about one fault per fault_around_bytes, not one per page.
 */
TEST_F(fault, refault_maps_resident_neighbours)
{
	const size_t page = self->page, len = NPAGES * page;
	unsigned char *p;
	__u64 f0, f1;
	int rfd;

	rfd = aemt_region_new(self->fd, AETHER_MM_REGION_SHARED, len);
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, page, NPAGES, 7);
	ASSERT_EQ(0, munmap(p, len));

	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	f0 = faults_of(rfd);
	ASSERT_EQ(0, mismatches(p, page, NPAGES, 7));
	f1 = faults_of(rfd);
	TH_LOG("%llu faults to read %d resident pages",
	       (unsigned long long)(f1 - f0), NPAGES);
	ASSERT_LE(1, f1 - f0);
	ASSERT_GE(MAX_FAULTS, f1 - f0);
	/* Own frames of the view: mapped writable, the writes stay. */
	f0 = faults_of(rfd);
	fill(p, page, NPAGES, 9);
	ASSERT_EQ(f0, faults_of(rfd));
	ASSERT_EQ(0, munmap(p, len));
	p = aemt_region_map(rfd, len, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mismatches(p, page, NPAGES, 9));
	munmap(p, len);
	close(rfd);
}

/* Holes are left to their faults: fault-around maps only frames. */
TEST_F(fault, holes_are_not_mapped_around)
{
	const size_t page = self->page, len = NPAGES * page;
	size_t n, w;
	unsigned char *p;
	int rfd;

	rfd = aemt_region_new(self->fd, AETHER_MM_REGION_PRIVATE, len);
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	n = present(rfd, p, page, NPAGES, &w);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, w);
	munmap(p, len);
	close(rfd);
}

struct cow_arg {
	unsigned char *p;
	size_t page;
	int rfd;
};

/*
 * In the child: a read maps the parent's frames around it read-only,
 * and writes to them copy.  Exit status: 0, or which check failed.
 */
static int cow_child(void *argp)
{
	struct cow_arg *a = argp;
	__u64 f0 = faults_of(a->rfd);
	size_t n, w;

	if (mismatches(a->p, a->page, NPAGES, 3))
		return 1;
	if (faults_of(a->rfd) - f0 > MAX_FAULTS)
		return 2;	/* nothing mapped around */
	n = present(a->rfd, a->p, a->page, NPAGES, &w);
	if (n != NPAGES || w)
		return 3;	/* a shared frame mapped writable */
	fill(a->p, a->page, NPAGES, 5);
	if (mismatches(a->p, a->page, NPAGES, 5))
		return 4;
	return 0;
}

/*
 * After fork, fault-around in the child maps the frames it shares with
 * the parent read-only: the child's writes are copied, the parent's
 * bytes stay; the parent's own re-reads see them shared read-only too.
 */
TEST_F(fault, cow_after_fork_maps_shared_frames_read_only)
{
	const size_t page = self->page, len = NPAGES * page;
	struct cow_arg a = { .page = page };
	size_t n, w;
	int rfd, st;

	rfd = aemt_region_new(self->fd, AETHER_MM_REGION_PRIVATE, len);
	ASSERT_LE(0, rfd);
	a.rfd = rfd;
	a.p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, a.p);
	fill(a.p, page, NPAGES, 3);

	st = aemt_run_child(cow_child, &a);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));

	/* The parent reads: its frames are a backing layer's now. */
	ASSERT_EQ(0, mismatches(a.p, page, NPAGES, 3));
	n = present(rfd, a.p, page, NPAGES, &w);
	TH_LOG("parent: %zu pages mapped after reads, %zu writable", n, w);
	ASSERT_EQ(0, w);
	fill(a.p, page, NPAGES, 11);
	ASSERT_EQ(0, mismatches(a.p, page, NPAGES, 11));
	munmap(a.p, len);
	close(rfd);
}

/* Guard pages around the data are never mapped by fault-around. */
TEST_F(fault, guard_pages_are_never_mapped)
{
	const size_t page = self->page, guard = 8, data = 8;
	const size_t len = (guard + data + guard) * page;
	struct aether_mm_region_create c;
	unsigned char *p, *d;
	size_t i, n, w;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED |
			 AETHER_MM_REGION_GUARD, data * page);
	c.guard_pages = guard;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	d = p + guard * page;
	fill(d, page, data, 1);
	ASSERT_EQ(0, munmap(p, len));

	p = aemt_region_map(c.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	d = p + guard * page;
	/* The first and the last data page: windows reach both guards. */
	ASSERT_EQ(0, mismatches(d, page, 1, 1));
	ASSERT_EQ(0, mismatches(d + (data - 1) * page, page, 1, data));
	for (i = 0; i < guard; i++) {
		ASSERT_EQ(0, map_of(c.fd, p + i * page) &
			  AETHER_MM_MAP_PRESENT);
		ASSERT_EQ(0, map_of(c.fd, d + (data + i) * page) &
			  AETHER_MM_MAP_PRESENT);
	}
	n = present(c.fd, d, page, data, &w);
	TH_LOG("%zu of %zu data pages mapped by two reads", n, data);
	ASSERT_LE(2, n);
	munmap(p, len);
	close(c.fd);
}

/*
 * A read-only mapping gets no writable entry from fault-around, though
 * the frames are the view's own; and a region whose max_prot lacks
 * write cannot be made writable under it.
 */
TEST_F(fault, read_only_mapping_maps_read_only)
{
	const size_t page = self->page, len = NPAGES * page;
	struct aether_mm_region_create c;
	unsigned char *p;
	size_t n, w;
	__u64 f0;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED, len);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, page, NPAGES, 2);
	ASSERT_EQ(0, munmap(p, len));
	p = aemt_region_map(c.fd, len, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	f0 = faults_of(c.fd);
	ASSERT_EQ(0, mismatches(p, page, NPAGES, 2));
	ASSERT_GE(MAX_FAULTS, faults_of(c.fd) - f0);
	n = present(c.fd, p, page, NPAGES, &w);
	ASSERT_EQ(NPAGES, n);
	ASSERT_EQ(0, w);
	munmap(p, len);
	close(c.fd);

	aemt_region_args(&c, AETHER_MM_REGION_SHARED, len);
	c.max_prot = AETHER_MM_PROT_READ;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, len, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	ASSERT_NE(0, mprotect(p, len, PROT_RW));
	n = present(c.fd, p, page, NPAGES, &w);
	ASSERT_EQ(0, w);
	munmap(p, len);
	close(c.fd);
}

/*
 * While NUMA hinting applies to a region (LOCAL policy, numa_scan_pages
 * set), a frame on another node than the reader's is not mapped around:
 * it takes its own (hinting) fault.
 */
TEST_F(fault, numa_hinted_pages_still_fault)
{
	const size_t page = self->page, len = NPAGES * page;
	int cpus[AETHER_MM_MAX_NODES], rfd;
	struct aether_mm_region_query q;
	unsigned char *p;
	size_t n, w, i, far = 0;

	aemt_cpus_of_nodes(cpus);
	if (cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs CPUs on two nodes");
	ASSERT_EQ(0, aemt_pin_cpu(cpus[0]));
	rfd = aemt_region_new(self->fd, AETHER_MM_REGION_SHARED, len);
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, page, NPAGES, 4);
	for (i = 0; i < NPAGES; i++) {
		memset(&q, 0, sizeof(q));
		ASSERT_EQ(0, aemt_region_query(rfd, p + i * page, &q));
		far += q.node == 0;
	}
	if (far != NPAGES)
		SKIP(return, "only %zu of %d pages placed on node 0", far,
		     NPAGES);
	ASSERT_EQ(0, munmap(p, len));

	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	ASSERT_EQ(0, param_write("numa_scan_pages", "4096"));
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mismatches(p, page, 1, 4));
	n = present(rfd, p, page, NPAGES, &w);
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
	ASSERT_GE(1, n);	/* the page read, if no scan unmapped it */
	ASSERT_EQ(0, mismatches(p, page, NPAGES, 4));
	munmap(p, len);
	close(rfd);
}

TEST_HARNESS_MAIN
