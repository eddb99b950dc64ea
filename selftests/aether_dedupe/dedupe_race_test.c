// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_race_test.c - the engine shared between a range, the scanner,
 * readers and the administrator
 *
 * A REGION_DEDUPE of a large range lets the engine go between chunks: a
 * REGION_STATS on another CPU meanwhile gets in while the range is half
 * done (its rmap items between none and all of the range), where it used
 * to wait, in D state, for the whole range.  The proof needs no clock:
 * a reader that waited for the whole range could only see none or all.
 *
 * The tree-shaping knobs (max_page_sharing, merge_across_nodes) change
 * only while nothing is merged (-EBUSY), and the SET holds the engine
 * from that check to its write: a pass or a range in between would
 * merge under the old shape.  One thread keeps merging ranges while the
 * scanner runs and the main thread unmerges and reshapes again and
 * again; after every SET that took, every shared frame (debugfs stable)
 * must fit the new shape: at most max_page_sharing users, and with
 * merge_across_nodes = 0 a tree per node with its frame on that node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

ADT_FIXTURE(race);

/* ---- a range lets REGION_STATS in --------------------------------------- */

#define BIG		8192	/* pages of the range: 16 chunks of 512 */

struct ranger {
	int rfd;
	size_t len;
	struct aether_mm_region_dedupe d;
	int ret;
	atomic_int done;
};

static void *range_all(void *arg)
{
	struct ranger *g = arg;

	g->ret = adt_region_dedupe(g->rfd, 0, g->len, &g->d);
	atomic_store(&g->done, 1);
	return NULL;
}

/*
 * One range over a fresh region of BIG unique pages, REGION_STATS called
 * in a loop beside it: how many calls saw it half done.  The two threads
 * must really run side by side, which a loaded host does not always
 * allow (a run saw 76 calls, none half-way), so the test tries up to
 * RANGE_TRIES times: a range that held the region for its whole length
 * is never seen half-way, however often it is tried.
 */
#define RANGE_TRIES	5

static void range_once(struct __test_metadata *_metadata, int mm, int dfd,
		       unsigned long long *calls, unsigned long long *partial)
{
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_region_stats st;
	struct ranger g = { .ret = -1 };
	pthread_t t;
	size_t i;

	ASSERT_EQ(0, adt_region_make(mm, ADT_MERGEABLE, BIG, &r));
	/* Unique pages: each one an rmap item, none merged. */
	for (i = 0; i < BIG; i++)
		adt_region_fill(&r, i, 0x5a000000 + i);
	ASSERT_EQ(0, adt_region_stats(dfd, r.fd, &st));
	ASSERT_EQ(0, st.rmap_items) TH_LOG("a new region has no items");
	g.rfd = r.fd;
	g.len = BIG * r.page;
	ASSERT_EQ(0, pthread_create(&t, NULL, range_all, &g));
	while (!atomic_load(&g.done)) {
		ASSERT_EQ(0, adt_region_stats(dfd, r.fd, &st));
		(*calls)++;
		/* Half done: the range let us in between two chunks. */
		if (st.rmap_items > 0 && st.rmap_items < BIG &&
		    !atomic_load(&g.done))
			(*partial)++;
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, g.ret);
	EXPECT_EQ(BIG, g.d.scanned);
	adt_region_drop(&r);
}

TEST_F_TIMEOUT(race, region_stats_gets_in_while_a_range_runs, 280)
{
	unsigned long long partial = 0, calls = 0;
	int tries = 0;

	if (aemt_nr_cpus() < 2)
		SKIP(return, "one CPU: nothing runs beside the range");
	while (!partial && tries < RANGE_TRIES) {
		tries++;
		range_once(_metadata, self->mm, self->dfd, &calls, &partial);
		if (!_metadata->passed)
			return;
	}
	TH_LOG("%llu REGION_STATS during %d ranges, %llu of them half-way",
	       calls, tries, partial);
	EXPECT_LT(0, partial) TH_LOG("REGION_STATS waited for the whole range");
}

/* ---- the shape knobs while merges run ------------------------------------- */

#define NPS		32	/* equal pages of each region */
#define ROUNDS		8
#define SET_TRIES	200

struct merger {
	struct adt_region *r[2];
	int nr;
	atomic_int stop;
	long ranges;
	int err;
};

/* REGION_DEDUPE of every region, again and again, until told to stop. */
static void *merge_loop(void *arg)
{
	struct aether_mm_region_dedupe d;
	struct merger *m = arg;
	int k, ret;

	while (!atomic_load(&m->stop)) {
		for (k = 0; k < m->nr; k++) {
			ret = adt_region_dedupe(m->r[k]->fd, 0,
						m->r[k]->pages * m->r[k]->page,
						&d);
			if (ret && ret != -EINTR && !m->err)
				m->err = ret;
			m->ranges++;
		}
	}
	return NULL;
}

struct shape {
	unsigned int mps;
	unsigned int across;
	long frames, bad_users, bad_node;
};

static int shape_check(const struct adt_stable_line *l, void *arg)
{
	struct shape *s = arg;

	s->frames++;
	if (l->users > s->mps)
		s->bad_users++;
	if (!s->across && (l->key_nid < 0 || l->node != l->key_nid))
		s->bad_node++;
	return 0;
}

/* A region of NPS pages bound to @node (or anywhere: -1), all equal. */
static int equal_region(int mm, int node, struct adt_region *r)
{
	struct aether_mm_region_create c;
	size_t i;
	int ret;

	aemt_region_args(&c, ADT_MERGEABLE, NPS * (size_t)sysconf(_SC_PAGESIZE));
	if (node >= 0) {
		c.pol_mode = AETHER_MM_POL_BIND;
		c.nodemask = 1ULL << node;
	}
	ret = adt_region_make_args(mm, &c, r);
	for (i = 0; !ret && i < NPS; i++)
		adt_region_fill(r, i, 4242);
	return ret;
}

TEST_F_TIMEOUT(race, shape_knobs_set_while_merges_run_hold_for_every_frame,
	       280)
{
	struct adt_region r[2] = { { .fd = -1 }, { .fd = -1 } };
	struct aether_dedupe_knobs k = { 0 };
	struct merger m = { .nr = 1 };
	struct shape s;
	long set_ok = 0, checked = 0;
	int nodes, round, tries, ret = 0;
	pthread_t t;

	if (aemt_nr_cpus() < 2)
		SKIP(return, "one CPU: nothing runs beside the SET");
	nodes = adt_nr_nodes(self->mm);
	ASSERT_LT(0, nodes);
	ASSERT_EQ(0, equal_region(self->mm, nodes > 1 ? 0 : -1, &r[0]));
	m.r[0] = &r[0];
	if (nodes > 1) {
		ASSERT_EQ(0, equal_region(self->mm, 1, &r[1]));
		m.r[1] = &r[1];
		m.nr = 2;
	}
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	ASSERT_EQ(0, pthread_create(&t, NULL, merge_loop, &m));
	for (round = 0; round < ROUNDS; round++) {
		k.max_page_sharing = round & 1 ? 2 : 5;
		/* One node: merge_across_nodes changes nothing to check. */
		k.merge_across_nodes = nodes > 1 ? !(round & 2) : 1;
		for (tries = 0; tries < SET_TRIES; tries++) {
			/* Unmerge and stop; the ranges merge again at once. */
			ret = adt_run(self->dfd, AETHER_DEDUPE_RUN_UNMERGE);
			if (ret && ret != -ENOMEM)
				break;
			ret = adt_set(self->dfd,
				      AETHER_DEDUPE_SET_MAX_PAGE_SHARING |
				      AETHER_DEDUPE_SET_MERGE_ACROSS_NODES, &k);
			if (ret != -EBUSY)
				break;
		}
		if (ret == -EBUSY)
			continue;	/* the ranges always won: no new shape */
		if (ret)
			break;
		set_ok++;
		ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
		/* Let the scanner and the ranges merge under the new shape. */
		ret = adt_wait(self->dfd, NULL, NULL, 2);
		if (ret)
			break;
		s = (struct shape){ .mps = k.max_page_sharing,
				    .across = k.merge_across_nodes };
		ret = adt_stable_each(shape_check, &s);
		if (ret)
			break;
		checked += s.frames;
		EXPECT_EQ(0, s.bad_users)
			TH_LOG("round %d: frames beyond max_page_sharing %u",
			       round, s.mps);
		EXPECT_EQ(0, s.bad_node)
			TH_LOG("round %d: frames off their node's tree", round);
	}
	atomic_store(&m.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, adt_wait_error(ret));
	EXPECT_EQ(0, m.err);
	TH_LOG("%ld shapes set of %d, %ld ranges, %ld frames checked",
	       set_ok, ROUNDS, m.ranges, checked);
	ASSERT_LT(0, set_ok) TH_LOG("no SET got between two merges");
	EXPECT_LT(0, checked) TH_LOG("nothing merged under any new shape");
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_UNMERGE));
	adt_region_drop(&r[0]);
	if (m.nr > 1)
		adt_region_drop(&r[1]);
}

TEST_HARNESS_MAIN
