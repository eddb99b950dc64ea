// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_attack_test.c - aether_dedupe as an attacker holding the fds
 *
 * Each test is one finding of the review of issue 13: what an
 * unprivileged user could do with a region fd or /dev/aether_dedupe that
 * DESIGN.md section 8 forbids.  Each fails on the code before its fix.
 *
 *   rmap_items_of_gone_regions_do_not_pile_up: REGION_DEDUPE makes an
 *	rmap item for every page of its range; with the scanner stopped
 *	(run = 0, the default) no pass ever ended to free the items of a
 *	region that is gone, so create, fill, REGION_DEDUPE and close, over
 *	and over, grew kernel memory without bound on a bounded quota.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

#define ATK_PAGES	64	/* pages of each region */
#define ATK_ROUNDS	8	/* regions made, deduped and closed */

ADT_FIXTURE(attack);

/* The engine's rmap items: STATUS's pages_volatile is what is left of them. */
static __u64 rmap_items(int dfd, int *err)
{
	struct aether_dedupe_counters c;

	*err = adt_counters(dfd, &c);
	if (*err)
		return 0;
	return c.pages_volatile + c.pages_shared + c.pages_sharing +
	       c.pages_unshared;
}

/*
 * Regions of unique pages (nothing merges), each deduped whole and
 * closed, the scanner stopped: the items of the closed ones must go, the
 * last one's at most (it may linger in aether_mm's walk for a moment).
 */
TEST_F(attack, rmap_items_of_gone_regions_do_not_pile_up)
{
	struct aether_mm_region_dedupe d;
	struct adt_region r;
	__u64 before, after;
	size_t i, k;
	int err;

	before = rmap_items(self->dfd, &err);
	ASSERT_EQ(0, err);
	for (k = 0; k < ATK_ROUNDS; k++) {
		memset(&r, 0, sizeof(r));
		r.fd = -1;
		ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE,
					     ATK_PAGES, &r));
		for (i = 0; i < ATK_PAGES; i++)
			adt_region_fill(&r, i, 7000 + k * ATK_PAGES + i);
		ASSERT_EQ(0, adt_region_dedupe(r.fd, 0,
					       ATK_PAGES * self->page, &d));
		ASSERT_EQ(ATK_PAGES, d.scanned);
		ASSERT_EQ(0, d.merged);
		adt_region_drop(&r);
	}
	after = rmap_items(self->dfd, &err);
	ASSERT_EQ(0, err);
	TH_LOG("rmap items: %llu before, %llu after %d regions of %d pages",
	       (unsigned long long)before, (unsigned long long)after,
	       ATK_ROUNDS, ATK_PAGES);
	EXPECT_GE(before + 2 * ATK_PAGES, after);
}

TEST_HARNESS_MAIN
