// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_access_test.c - regions: access tracking
 *
 * Fixture "region": generations of hot and cold pages, the cold list,
 * frames only, and the access_interval_ms parameter.
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

/* ---- access tracking ----------------------------------------------------- */

#define COLD_DEBUGFS	"/sys/kernel/debug/aether/mm/cold"

/*
 * Pages read over and over stay in the young generations; pages left
 * alone age scan after scan, and the cold list offers exactly them.
 */
TEST_F_TIMEOUT(region, access_generations_hot_and_cold, 180)
{
	const size_t pages = 64, page = self->page;
	struct aether_mm_region_create c;
	long scans0, scans, gens[NR_GENS], hot = 0, cold = 0;
	bool listed[64] = { false };
	volatile unsigned char *p;
	unsigned long long rid;
	unsigned long idx;
	char line[256];
	unsigned int gen;
	size_t i;
	FILE *f;
	int node, g;

	aemt_region_args(&c, AEM_SHARED, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		p[i * page] = i;
	ASSERT_EQ(0, param_write("access_interval_ms", "100"));

	/* Wait for a first scan to see the region, then five more. */
	for (i = 0; i < 600 && access_scans(c.id) < 1; i++)
		usleep(20 * 1000);
	scans0 = access_scans(c.id);
	ASSERT_LE(1, scans0) TH_LOG("no scan of the region");
	for (i = 0; i < 100000; i++) {
		size_t k;

		for (k = 0; k < pages / 2; k++)
			(void)p[k * page];
		usleep(1000);
		if (access_scans(c.id) >= scans0 + 5)
			break;
	}
	/* No more scans: the table and the cold list must agree. */
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	ASSERT_EQ(0, access_row(c.id, &scans, gens));
	for (g = 0; g < NR_GENS; g++)
		TH_LOG("gen%d %ld", g, gens[g]);
	ASSERT_LE(scans0 + 5, scans);
	for (g = 0; g < 2; g++)
		hot += gens[g];
	for (g = 2; g < NR_GENS; g++)
		cold += gens[g];
	ASSERT_EQ(pages / 2, hot);
	ASSERT_EQ(pages / 2, cold);

	/* The cold list offers the pages left alone, and only them. */
	f = fopen(COLD_DEBUGFS, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %lu %u %d", &rid, &idx, &gen,
			   &node) != 4 || rid != c.id)
			continue;
		/*
		 * The list goes down to generation 1, after every colder
		 * page: a hot page the test process, starved on a loaded
		 * host, left alone for one scan may follow the cold ones.
		 */
		if (gen < 2)
			continue;
		ASSERT_LE(pages / 2, idx) TH_LOG("hot page %lu listed", idx);
		ASSERT_GT(pages, idx);
		listed[idx] = true;
	}
	fclose(f);
	for (i = pages / 2; i < pages; i++)
		ASSERT_TRUE(listed[i]) TH_LOG("cold page %zu not listed", i);
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	munmap((void *)p, pages * page);
	close(c.fd);
}

/* Pages without a frame have no generation: reads of holes, nothing written. */
TEST_F_TIMEOUT(region, access_counts_only_frames, 120)
{
	const size_t pages = 32, page = self->page;
	struct aether_mm_region_create c;
	long scans, gens[NR_GENS], sum = 0;
	volatile unsigned char *p;
	size_t i;
	int g;

	aemt_region_args(&c, AEM_SHARED, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		(void)p[i * page];
	for (i = 0; i < 4; i++)
		p[i * page] = 1;
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 600 && access_scans(c.id) < 2; i++)
		usleep(20 * 1000);
	ASSERT_EQ(0, access_row(c.id, &scans, gens));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_LE(2, scans);
	for (g = 0; g < NR_GENS; g++)
		sum += gens[g];
	ASSERT_EQ(4, sum);
	munmap((void *)p, pages * page);
	close(c.fd);
}

/* 0 stops the scans; out-of-range values are refused. */
TEST_F(region, access_interval_param)
{
	struct aether_mm_region_create c;
	long before;

	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "9"));
	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "3600001"));
	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "-1"));
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	usleep(300 * 1000);
	before = access_scans(c.id);
	usleep(500 * 1000);
	ASSERT_EQ(before, access_scans(c.id));
	ASSERT_EQ(0, param_write("access_interval_ms", "10"));
	usleep(500 * 1000);
	ASSERT_LT(before, access_scans(c.id));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	close(c.fd);
}

TEST_HARNESS_MAIN
