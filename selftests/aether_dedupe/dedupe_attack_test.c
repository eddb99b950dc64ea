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
 *   another_uids_region_fd_is_no_oracle: REGION_DEDUPE merges a range
 *	with every page of the region's trust domain and says how many
 *	merged; a user holding a writable fd of another uid's region (given
 *	to it, or inherited across a setuid) wrote a guess into it and
 *	learned whether any other region of that uid held the guessed page,
 *	regions it could not open.  REGION_STATS refuses another uid's
 *	region (-EACCES); REGION_DEDUPE must as well.
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

#define ATK_SECRET	4242	/* root's page alice guesses */
#define ATK_OTHER	4343	/* what root's page of the shared region holds */

struct atk_guess {
	struct adt_region *g;
	__u64 seed;
};

/*
 * As alice, holding root's region fd: write the guess into this
 * process's image of it and merge that page.  -EEXIST: it merged (root
 * has the page), -ENOENT: it did not, else REGION_DEDUPE's -errno.
 */
static int atk_guess(void *arg)
{
	struct atk_guess *a = arg;
	struct aether_mm_region_dedupe d;
	int ret;

	adt_fill(a->g->map, a->g->page, a->seed);
	ret = adt_region_dedupe(a->g->fd, 0, a->g->page, &d);
	if (ret)
		return ret;
	return d.merged ? -EEXIST : -ENOENT;
}

/*
 * Root's region v holds a secret page; root's region g, whose fd alice
 * inherits, holds something else.  Alice's REGION_DEDUPE on g must be
 * refused, not answer whether root has her guess anywhere.
 */
TEST_F(attack, another_uids_region_fd_is_no_oracle)
{
	struct adt_region v = { .fd = -1 }, g = { .fd = -1 };
	struct atk_guess a = { .g = &g, .seed = ATK_SECRET };
	int ret;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 1, &v));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 1, &g));
	adt_region_fill(&v, 0, ATK_SECRET);
	adt_region_fill(&g, 0, ATK_OTHER);
	ret = aemt_run_as(&aemt_alice, atk_guess, &a);
	ASSERT_NE(AET_HELPER_FAILED, ret);
	EXPECT_EQ(-EACCES, ret)
		TH_LOG("alice's REGION_DEDUPE on root's region: %d (-EEXIST: root's page equal to her guess merged)",
		       ret);
	/* Root's own pages are as they were. */
	EXPECT_TRUE(adt_region_holds(&v, 0, ATK_SECRET));
	EXPECT_TRUE(adt_region_holds(&g, 0, ATK_OTHER));
	adt_region_drop(&g);
	adt_region_drop(&v);
}

TEST_HARNESS_MAIN
