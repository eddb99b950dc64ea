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
 * written after the scanner compared it would lose a write.
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

TEST_HARNESS_MAIN
