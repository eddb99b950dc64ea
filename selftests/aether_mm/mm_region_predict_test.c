// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_predict_test.c - regions: the fault predictor and prefetch
 *
 * Fixture "region": sequential, strided and random scans; no frame taken
 * ahead of writes; the prefetch_max parameter.
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

/* ---- predictor and prefetch ------------------------------------------- */

static int prefetch_param(const char *val)
{
	return param_write("prefetch_max", val);
}

/* Read one byte of each of @n pages, @stride pages apart, from @first. */
static unsigned long read_stream(volatile unsigned char *p, size_t page,
				 size_t first, size_t stride, size_t n)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += p[(first + i * stride) * page];
	return sum;
}

/* A sequential read scan faults a fraction of its pages and hits. */
TEST_F(region, prefetch_sequential_scan_hits)
{
	const size_t pages = 1024;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(0, read_stream(p, self->page, 0, 1, pages));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	TH_LOG("faults %llu predicted %llu prefetched %llu hits %llu wasted %llu",
	       ri1.faults - ri0.faults, ri1.predicted, ri1.prefetched,
	       ri1.prefetch_hits, ri1.prefetch_wasted);
	ASSERT_GT(pages / 4, ri1.faults - ri0.faults);
	ASSERT_LT(0, ri1.prefetched);
	ASSERT_LT(pages / 2, ri1.prefetch_hits);
	ASSERT_GE(ri1.predicted, ri1.prefetched);
	ASSERT_EQ(0, ri1.resident);	/* mapped ahead, never allocated */
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* A strided scan (every 3rd page, then backwards every 5th) also hits. */
TEST_F(region, prefetch_strided_scan_hits)
{
	const size_t n = 512;
	struct aether_mm_region_info ri0, ri1, ri2;
	volatile unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_SHARED, 3 * n + 5 * n, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(0, read_stream(p, self->page, 0, 3, n));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_GT(n / 4, ri1.faults - ri0.faults);
	ASSERT_LT(n / 2, ri1.prefetch_hits - ri0.prefetch_hits);
	/* Backwards from the end: a negative stride. */
	ASSERT_EQ(0, read_stream(p, self->page, 3 * n + 5 * n - 1,
				 (size_t)-5, n));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri2));
	ASSERT_GT(n / 4, ri2.faults - ri1.faults);
	ASSERT_LT(n / 2, ri2.prefetch_hits - ri1.prefetch_hits);
	munmap((void *)p, (3 * n + 5 * n) * self->page);
	close(rfd);
}

/* Random reads predict (almost) nothing and fault every page. */
TEST_F(region, prefetch_random_scan_predicts_little)
{
	const size_t pages = 1024;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	size_t *order, i, j, t;
	unsigned long sum = 0;
	int rfd;

	order = malloc(pages * sizeof(*order));
	ASSERT_NE(NULL, order);
	for (i = 0; i < pages; i++)
		order[i] = i;
	srand(1234);
	for (i = pages - 1; i > 0; i--) {
		j = rand() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	for (i = 0; i < pages; i++)
		sum += p[order[i] * self->page];
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	TH_LOG("faults %llu predicted %llu", ri1.faults - ri0.faults,
	       ri1.predicted);
	ASSERT_GT(pages / 16, ri1.predicted);
	ASSERT_LT(pages - pages / 16, ri1.faults - ri0.faults);
	free(order);
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* A write stream over fresh pages maps nothing ahead: no frame is taken
 * for a page before it is written. */
TEST_F(region, prefetch_never_allocates_ahead_of_writes)
{
	const size_t pages = 512;
	struct aether_mm_region_info ri;
	volatile unsigned char *p;
	size_t i;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	for (i = 0; i < pages / 2; i++)
		p[i * self->page] = 1;
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(pages / 2, ri.resident);
	ASSERT_EQ(0, ri.prefetched);
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* prefetch_max=0 turns it off; values above 256 are refused. */
TEST_F(region, prefetch_max_param)
{
	const size_t pages = 256;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	int rfd, err;

	if (geteuid())
		SKIP(return, "needs root to write module parameters");
	ASSERT_EQ(-EINVAL, prefetch_param("257"));
	ASSERT_EQ(-EINVAL, prefetch_param("lots"));
	ASSERT_EQ(0, prefetch_param("0"));
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	err = p ? 0 : -1;
	if (!err) {
		aemt_region_info(rfd, &ri0);
		read_stream(p, self->page, 0, 1, pages);
		aemt_region_info(rfd, &ri1);
	}
	ASSERT_EQ(0, prefetch_param("16"));
	ASSERT_EQ(0, err);
	ASSERT_EQ(pages, ri1.faults - ri0.faults);
	ASSERT_EQ(0, ri1.predicted);
	munmap((void *)p, pages * self->page);
	close(rfd);
}

TEST_HARNESS_MAIN
