// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_huge_test.c - regions: 2 MiB mappings of HUGE regions
 *
 * Fixture "region": one PMD for a written range, zero pages for reads,
 * aligned data ranges only, COW across fork, splits, frames back to the
 * pool, access tracking of a PMD, collapse of a hot range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"

AEMT_REGION_FIXTURE(region)

/* ---- huge mappings ------------------------------------------------------- */

#define HUGE_SIZE	(2 * MIB)

/* A HUGE region of @ranges 2 MiB ranges (+@guard pages), mapped whole. */
static unsigned char *huge_region(int fd, __u32 flags, size_t ranges,
				  __u32 guard, int *rfd, size_t *maplen)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, flags | AETHER_MM_REGION_HUGE,
			 ranges * HUGE_SIZE);
	if (guard) {
		c.flags |= AETHER_MM_REGION_GUARD;
		c.guard_pages = guard;
	}
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	*maplen = ranges * HUGE_SIZE + 2UL * guard * page_size();
	p = aemt_region_map(c.fd, *maplen, PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * A write to an untouched 2 MiB range maps it with one PMD, from one
 * order-9 block: every page of it shows HUGE, the pfns run contiguously
 * from an aligned one, the content is what was written.
 */
TEST_F(region, huge_write_maps_one_pmd)
{
	const size_t page = self->page, n = HUGE_SIZE / page;
	struct aether_mm_region_query q;
	unsigned char *p, *want;
	size_t len, i;
	__u64 pfn0;
	__u32 crc;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 2, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, (uintptr_t)p % HUGE_SIZE) TH_LOG("mapping not aligned");
	p[0] = 1;
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_WRITE |
		  AETHER_MM_MAP_HUGE, map_of(rfd, p));
	ASSERT_EQ(n, resident(rfd));
	ASSERT_EQ(0, aemt_region_query(rfd, p, &q));
	pfn0 = q.pfn;
	ASSERT_EQ(0, pfn0 % n);
	for (i = 1; i < n; i++) {
		ASSERT_EQ(0, aemt_region_query(rfd, p + i * page, &q));
		ASSERT_EQ(pfn0 + i, q.pfn) TH_LOG("page %zu", i);
		ASSERT_TRUE(q.map & AETHER_MM_MAP_HUGE);
	}
	/* The second range is still untouched. */
	ASSERT_EQ(0, map_of(rfd, p + HUGE_SIZE));
	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (i = 0; i < len; i++)
		want[i] = i * 7 + 3;
	memcpy(p, want, len);
	ASSERT_TRUE(map_of(rfd, p + HUGE_SIZE) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(2 * n, resident(rfd));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, &crc));
	ASSERT_EQ(aemt_crc32(want, len), crc);
	free(want);
	munmap(p, len);
	close(rfd);
}

/* Reads of an untouched range allocate nothing: 4 KiB zero pages. */
TEST_F(region, huge_read_allocates_nothing)
{
	unsigned char *p;
	size_t len;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, p[12345]);
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_ZERO,
		  map_of(rfd, p + 12345));
	ASSERT_EQ(0, resident(rfd));
	/* A write now goes page by page: the range has a page table. */
	p[0] = 1;
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(1, resident(rfd));
	munmap(p, len);
	close(rfd);
}

/*
 * With a guard page the data starts one page into the file: only the
 * 2 MiB ranges of the file that hold data alone get a PMD.
 */
TEST_F(region, huge_only_aligned_data_ranges)
{
	const size_t page = self->page;
	unsigned char *p, *d;
	size_t len;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 2, 1, &rfd, &len);
	ASSERT_NE(NULL, p);
	d = p + page;
	d[0] = 1;		/* file range 0 holds the guard */
	ASSERT_FALSE(map_of(rfd, d) & AETHER_MM_MAP_HUGE);
	d[HUGE_SIZE - page] = 1;	/* file range 1: data only */
	ASSERT_TRUE(map_of(rfd, d + HUGE_SIZE - page) & AETHER_MM_MAP_HUGE);
	munmap(p, len);
	close(rfd);
}

static int huge_child_writes(struct kid *k, void *arg)
{
	unsigned char *p = arg;
	size_t i;

	for (i = 0; i < HUGE_SIZE; i += 4096)
		if (p[i] != (unsigned char)(i >> 12))
			return 2;
	__u64 v;

	p[8192] = 0xee;
	if (kid_put(k->up, p[8192] == 0xee))
		return 3;
	kid_get(k->down, &v);	/* until the parent has written */
	return p[4096] == 1 ? 0 : 4;
}

/* Copy-on-write across fork() on a PMD-mapped private range, both ways. */
TEST_F(region, huge_private_cow_after_fork)
{
	unsigned char *p;
	struct kid k;
	size_t len, i;
	__u64 v;
	int rfd;

	p = huge_region(self->fd, AEM_PRIVATE, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	for (i = 0; i < HUGE_SIZE; i += 4096)
		p[i] = i >> 12;
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, kid_start(&k, huge_child_writes, p));
	ASSERT_EQ(0, kid_get(k.up, &v));
	ASSERT_EQ(1, v);
	/* The child's write is its own; the parent's is too. */
	ASSERT_EQ(2, p[8192]);
	p[4096] = 0x77;
	ASSERT_TRUE(exited_ok(kid_finish(&k)));
	ASSERT_EQ(0x77, p[4096]);
	for (i = 0; i < HUGE_SIZE; i += 4096)
		if (i != 4096)
			ASSERT_EQ((unsigned char)(i >> 12), p[i]);
	munmap(p, len);
	close(rfd);
}

/* mprotect() and munmap() of part of a PMD split it; content stays. */
TEST_F(region, huge_split_by_mprotect_and_munmap)
{
	const size_t page = self->page;
	unsigned char *p;
	size_t len, i;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	for (i = 0; i < HUGE_SIZE; i += page)
		p[i] = i / page;
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, mprotect(p + 16 * page, 16 * page, PROT_READ));
	ASSERT_EQ(0, munmap(p + HUGE_SIZE - 8 * page, 8 * page));
	for (i = 0; i < HUGE_SIZE - 8 * page; i += page)
		ASSERT_EQ((unsigned char)(i / page), p[i]);
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(HUGE_SIZE / page, resident(rfd));
	munmap(p, HUGE_SIZE - 8 * page);
	close(rfd);
}

/* Every frame of a huge range goes back with the last mapping and fd. */
TEST_F(region, huge_frames_back_to_pool)
{
	__u64 used0, used1;
	unsigned char *p;
	size_t len;
	int rfd;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = huge_region(self->fd, AEM_SHARED, 2, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	memset(p, 0x5a, len);
	munmap(p, len);
	close(rfd);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_LE(used1, used0 + 64) TH_LOG("%llu -> %llu", used0, used1);
}

/* The access scanner reads a PMD's accessed bit for its 512 pages. */
TEST_F_TIMEOUT(region, huge_access_tracked, 120)
{
	long scans, gens[NR_GENS];
	struct aether_mm_region_info ri;
	unsigned char *p;
	size_t len, i;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	memset(p, 1, len);
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 600 && access_scans(ri.id) < 3; i++) {
		(void)*(volatile unsigned char *)p;
		usleep(20 * 1000);
	}
	(void)*(volatile unsigned char *)p;
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	ASSERT_EQ(0, access_row(ri.id, &scans, gens));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_LE(3, scans);
	TH_LOG("gen0 %ld gen1 %ld", gens[0], gens[1]);
	ASSERT_EQ(len / self->page, gens[0] + gens[1]);
	munmap(p, len);
	close(rfd);
}

/*
 * A range filled page by page after a read (4 KiB faults, scattered
 * frames) is gathered into one aligned block in the background once it
 * is hot; a new mapping of it then gets a PMD.
 */
TEST_F_TIMEOUT(region, huge_collapse_hot_range, 180)
{
	const size_t page = self->page, n = HUGE_SIZE / page;
	struct aether_mm_region_query q;
	unsigned char *p, *want;
	size_t len, i, k;
	bool done = false;
	__u64 pfn0;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, p[0]);		/* a 4 KiB zero page: no PMD */
	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (i = 0; i < len; i++)
		want[i] = i * 13 + 1;
	memcpy(p, want, len);
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (k = 0; k < 1500 && !done; k++) {
		for (i = 0; i < n; i++)
			(void)*(volatile unsigned char *)(p + i * page);
		usleep(10 * 1000);
		ASSERT_EQ(0, aemt_region_query(rfd, p, &q));
		pfn0 = q.pfn;
		done = !(pfn0 % n);
		for (i = 1; done && i < n; i++)
			done = !aemt_region_query(rfd, p + i * page, &q) &&
			       q.pfn == pfn0 + i;
	}
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_TRUE(done) TH_LOG("the range was not gathered into one block");
	ASSERT_EQ(0, memcmp(p, want, len));
	ASSERT_EQ(n, resident(rfd));
	/* A new mapping has no page table for the range: one PMD. */
	munmap(p, len);
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(want[5], p[5]);
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, memcmp(p, want, len));
	free(want);
	munmap(p, len);
	close(rfd);
}

TEST_HARNESS_MAIN
