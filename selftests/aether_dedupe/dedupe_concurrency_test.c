// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_concurrency_test.c - both vCPUs write while aether_ksmd merges
 *
 * Region A's pages are written by two threads, one per CPU, each owning
 * every other page: in even rounds a page gets the bytes of its partner
 * in region B (so the scanner merges it), in odd rounds bytes of its own
 * (so the write unshares it).  Between rounds each thread waits for the
 * scanner to finish passes while it keeps rewriting a few hot pages,
 * flipping them between mergeable and unique bytes under the scanner's
 * nose.  Every write is read back at once, and at the end every page of A
 * and B is checked (bytes and REGION_CHECKSUM): a merge that took a page
 * written after the scanner compared it would lose a write.  Then the
 * scanner's batches: a page written in the middle of a run that merges
 * at once, and regions closed while their runs merge.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

#define NP		64	/* pages of each region */
#define ROUNDS		6
#define PASSES		2	/* full scans a thread waits between rounds */

ADT_FIXTURE(race);

struct shared {
	int dfd;
	struct adt_region *a;
	__u64 last[NP];		/* what page i of A must hold */
};

struct worker {
	struct shared *sh;
	int cpu;
	long writes;
	long lost;
	int err;
};

/* Page i's bytes in round @round: B's in even rounds, its own in odd. */
static __u64 seed_of(int cpu, size_t i, unsigned int round)
{
	if (!(round & 1))
		return i + 1;
	return ((__u64)(cpu + 1) << 40) | ((__u64)round << 20) | (i + 1);
}

static void put(struct worker *w, size_t i, __u64 seed)
{
	adt_region_fill(w->sh->a, i, seed);
	w->writes++;
	if (!adt_region_holds(w->sh->a, i, seed))
		w->lost++;
	w->sh->last[i] = seed;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct aether_dedupe_counters c;
	unsigned int round, flip = 0;
	__u64 until;
	size_t i;

	if (aemt_pin_cpu(w->cpu))
		w->err = -EINVAL;
	for (round = 0; round < ROUNDS && !w->err; round++) {
		for (i = w->cpu; i < NP; i += 2)
			put(w, i, seed_of(w->cpu, i, round));
		if (adt_counters(w->sh->dfd, &c)) {
			w->err = -EIO;
			break;
		}
		until = c.full_scans + PASSES + 1;
		/* The hot pages: 1 in 8 of ours, flipped while we wait. */
		do {
			flip++;
			for (i = w->cpu; i < NP; i += 8)
				put(w, i, flip & 1 ? i + 1 :
				    seed_of(w->cpu, i, 1000 + flip));
			if (adt_counters(w->sh->dfd, &c))
				w->err = -EIO;
		} while (!w->err && c.full_scans < until);
		/* The round's bytes back on the hot pages. */
		for (i = w->cpu; i < NP; i += 8)
			put(w, i, seed_of(w->cpu, i, round));
	}
	return NULL;
}

TEST_F_TIMEOUT(race, no_write_is_lost_while_the_scanner_merges, 280)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct aether_dedupe_region_stats sa;
	struct aether_dedupe_counters c0, c1;
	struct shared sh = { .dfd = self->dfd, .a = &a };
	struct worker w[2];
	pthread_t t[2];
	size_t i;
	int k;

	if (aemt_nr_cpus() < 2)
		SKIP(return, "one CPU: nothing runs concurrently");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &a));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &b));
	for (i = 0; i < NP; i++) {
		adt_region_fill(&b, i, i + 1);
		adt_region_fill(&a, i, 0xdead0000 + i);
		sh.last[i] = 0xdead0000 + i;
	}
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	for (k = 0; k < 2; k++) {
		w[k] = (struct worker){ .sh = &sh, .cpu = k };
		ASSERT_EQ(0, pthread_create(&t[k], NULL, work, &w[k]));
	}
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_join(t[k], NULL));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	ASSERT_EQ(0, adt_region_stats(self->dfd, a.fd, &sa));
	TH_LOG("%ld + %ld writes, %llu merges, %llu unshares, %llu of A's",
	       w[0].writes, w[1].writes,
	       (unsigned long long)(c1.merges - c0.merges),
	       (unsigned long long)(c1.cow_unshares - c0.cow_unshares),
	       (unsigned long long)sa.merges);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(0, w[k].err);
		EXPECT_EQ(0, w[k].lost);
	}
	/* It did race: A's pages merged, and writes unshared them. */
	EXPECT_LT(0, sa.merges);
	EXPECT_LT(c0.cow_unshares, c1.cow_unshares);
	for (i = 0; i < NP; i++) {
		EXPECT_TRUE(adt_region_holds(&a, i, sh.last[i]))
			TH_LOG("page %zu of A", i);
		EXPECT_TRUE(adt_region_crc_ok(&a, i, sh.last[i]))
			TH_LOG("page %zu of A", i);
		EXPECT_TRUE(adt_region_holds(&b, i, i + 1))
			TH_LOG("page %zu of B", i);
		EXPECT_TRUE(adt_region_crc_ok(&b, i, i + 1))
			TH_LOG("page %zu of B", i);
	}
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/*
 * aether_ksmd merges a pass's pages at the end of each scan batch (up to
 * 16 of a layer), every run of consecutive ones unmapped at once, each
 * compared after that.  Here every page of A equals its partner in B, so
 * each batch of A is one run, and a thread on the other CPU keeps
 * rewriting one page in the middle of each run (unique bytes, then the
 * partner's again) while the runs merge around it: its writes all stay,
 * and the rest of the run merges.
 */
#define RUN_VICTIMS	4	/* pages 7, 23, 39, 55 */

struct hammer {
	struct worker w;
	int stop;		/* __atomic: the main thread sets it */
};

static void *hammer_work(void *arg)
{
	struct hammer *h = arg;
	unsigned int flip = 0, v;
	size_t i;

	if (aemt_pin_cpu(h->w.cpu))
		h->w.err = -EINVAL;
	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED) && !h->w.err) {
		flip++;
		for (v = 0; v < RUN_VICTIMS; v++) {
			i = v * 16 + 7;
			put(&h->w, i, flip & 1 ? seed_of(1, i, 2000 + flip) :
				      i + 1);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(race, a_write_in_the_middle_of_a_merging_run_is_kept, 280)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct aether_dedupe_region_stats sa;
	struct shared sh = { .dfd = self->dfd, .a = &a };
	struct hammer h = { .w = { .sh = &sh, .cpu = 1 } };
	pthread_t t;
	size_t i;
	int w;

	if (aemt_nr_cpus() < 2)
		SKIP(return, "one CPU: nothing runs concurrently");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &a));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &b));
	for (i = 0; i < NP; i++) {
		adt_region_fill(&b, i, i + 1);
		adt_region_fill(&a, i, i + 1);
		sh.last[i] = i + 1;
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, hammer_work, &h));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, NULL, NULL, 4);
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, adt_region_stats(self->dfd, a.fd, &sa));
	TH_LOG("%ld writes to the runs' middle pages, %llu merges of A's",
	       h.w.writes, (unsigned long long)sa.merges);
	EXPECT_EQ(0, h.w.err);
	EXPECT_EQ(0, h.w.lost);
	/* The runs merged around the written pages. */
	EXPECT_LE(NP - RUN_VICTIMS, sa.merges);
	for (i = 0; i < NP; i++) {
		EXPECT_TRUE(adt_region_holds(&a, i, sh.last[i]))
			TH_LOG("page %zu of A", i);
		EXPECT_TRUE(adt_region_crc_ok(&a, i, sh.last[i]))
			TH_LOG("page %zu of A", i);
		EXPECT_TRUE(adt_region_holds(&b, i, i + 1))
			TH_LOG("page %zu of B", i);
	}
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/*
 * Regions closed while their runs merge: region after region equal to B
 * (CLOSED_PAGES pages, many scan batches) is made and closed as soon as
 * the first of its pages merged, while the scanner merges the rest of
 * its runs.  Once they are gone, no user of theirs stays on a shared
 * frame (pages_sharing drops to 0: B's frames keep B alone) and B's
 * bytes are intact.
 */
#define CLOSED_REGIONS	6
#define CLOSED_PAGES	512

struct closing {
	int dfd;
	struct adt_region *a;
};

static bool first_merged(void *arg)
{
	struct closing *c = arg;
	struct aether_dedupe_region_stats st;

	return !adt_region_stats(c->dfd, c->a->fd, &st) && st.merges;
}

static bool nothing_sharing(void *arg)
{
	struct aether_dedupe_counters c;

	return !adt_counters(*(int *)arg, &c) && !c.pages_sharing;
}

TEST_F_TIMEOUT(race, regions_closed_while_their_runs_merge_leave_no_user,
	       280)
{
	struct adt_region a, b = { .fd = -1 };
	struct closing cl = { .dfd = self->dfd, .a = &a };
	struct aether_dedupe_counters c0, c1;
	unsigned int k;
	size_t i;
	int w;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, CLOSED_PAGES,
				     &b));
	for (i = 0; i < CLOSED_PAGES; i++)
		adt_region_fill(&b, i, i + 1);
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	for (k = 0; k < CLOSED_REGIONS; k++) {
		a = (struct adt_region){ .fd = -1 };
		ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE,
					     CLOSED_PAGES, &a));
		for (i = 0; i < CLOSED_PAGES; i++)
			adt_region_fill(&a, i, i + 1);
		w = adt_wait(self->dfd, first_merged, &cl, ADT_SCANS);
		adt_region_drop(&a);
		ASSERT_EQ(0, w) TH_LOG("region %u: nothing merged: %s", k,
				       adt_wait_error(w));
	}
	w = adt_wait(self->dfd, nothing_sharing, &self->dfd, ADT_SCANS);
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	TH_LOG("%llu merges while %u regions came and went",
	       (unsigned long long)(c1.merges - c0.merges), CLOSED_REGIONS);
	EXPECT_EQ(0, w) TH_LOG("pages_sharing %llu: %s",
			       (unsigned long long)c1.pages_sharing,
			       adt_wait_error(w));
	for (i = 0; i < CLOSED_PAGES; i++) {
		EXPECT_TRUE(adt_region_holds(&b, i, i + 1))
			TH_LOG("page %zu of B", i);
		EXPECT_TRUE(adt_region_crc_ok(&b, i, i + 1))
			TH_LOG("page %zu of B", i);
	}
	adt_region_drop(&b);
}

TEST_HARNESS_MAIN
