// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_interplay_test.c - merged pages and the rest of aether_mm
 *
 * Copy-on-write across fork of a PRIVATE region whose pages are merged;
 * REGION_MIGRATE and compaction moving a shared frame for every process
 * that maps it; SECURE regions never merged; pages of HUGE regions merged
 * once their 2 MiB mapping is split; NUMA balancing leaving a shared
 * frame on the node a region bound to it needs; merge_across_nodes: with
 * 0, equal pages of node 0 and node 1 stay on a frame of each node; with
 * 1, one frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

#define NP		8

ADT_FIXTURE(inter);

struct two {
	struct adt_region *a, *b;
};

/* Every page of a on the frame of the same page of b. */
static bool two_merged(void *arg)
{
	struct two *t = arg;
	size_t i;
	__u64 f;

	for (i = 0; i < t->a->pages; i++) {
		f = adt_frame(t->a, i);
		if (!f || f != adt_frame(t->b, i))
			return false;
	}
	return true;
}

static int two_regions(int mm, __u32 flags, struct adt_region *a,
		       struct adt_region *b)
{
	size_t i;
	int ret;

	ret = adt_region_make(mm, flags, NP, a);
	if (!ret)
		ret = adt_region_make(mm, flags, NP, b);
	for (i = 0; !ret && i < NP; i++) {
		adt_region_fill(a, i, 40 + i);
		adt_region_fill(b, i, 40 + i);
	}
	return ret;
}

#define MERGE_TWO(t)							\
do {									\
	int __w;							\
									\
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));	\
	__w = adt_wait(self->dfd, two_merged, (t), ADT_SCANS);		\
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));	\
	ASSERT_EQ(0, __w) TH_LOG("not merged: %s", adt_wait_error(__w)); \
} while (0)

/* ---- fork ------------------------------------------------------------------- */

struct fork_arg {
	struct adt_region *a;
	__u64 shared[NP];
};

/* The child: sees the parent's merged pages, its write is its own. */
static int child_writes(void *p)
{
	struct fork_arg *arg = p;
	size_t i;

	for (i = 0; i < NP; i++) {
		if (!adt_region_holds(arg->a, i, 40 + i))
			return 1;
		if (adt_frame(arg->a, i) != arg->shared[i])
			return 2;
	}
	adt_region_fill(arg->a, 0, 4000);
	if (!adt_region_holds(arg->a, 0, 4000) ||
	    !adt_region_crc_ok(arg->a, 0, 4000))
		return 3;
	if (adt_frame(arg->a, 0) == arg->shared[0])
		return 4;
	if (adt_state(arg->a, 0) != AETHER_MM_PAGE_OWN)
		return 5;
	if (adt_frame(arg->a, 1) != arg->shared[1])
		return 6;
	return 0;
}

TEST_F_TIMEOUT(inter, fork_after_merge_copies_on_write_on_each_side, 120)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct two t = { &a, &b };
	struct fork_arg arg = { .a = &a };
	int status;
	size_t i;

	ASSERT_EQ(0, two_regions(self->mm, ADT_MERGEABLE, &a, &b));
	MERGE_TWO(&t);
	for (i = 0; i < NP; i++)
		arg.shared[i] = adt_frame(&a, i);
	status = aemt_run_child(child_writes, &arg);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's write left the parent on the shared frame. */
	EXPECT_EQ(arg.shared[0], adt_frame(&a, 0));
	EXPECT_TRUE(adt_region_holds(&a, 0, 40));
	/* The parent's write is its own; B keeps its bytes. */
	adt_region_fill(&a, 1, 4001);
	EXPECT_TRUE(adt_region_holds(&a, 1, 4001));
	EXPECT_TRUE(adt_region_crc_ok(&a, 1, 4001));
	EXPECT_NE(arg.shared[1], adt_frame(&a, 1));
	for (i = 0; i < NP; i++) {
		EXPECT_TRUE(adt_region_holds(&b, i, 40 + i));
		EXPECT_EQ(arg.shared[i], adt_frame(&b, i));
	}
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/* ---- migration ---------------------------------------------------------------- */

struct pair {
	struct adt_region *r;
	struct adt_peer *p;
	__u64 peer[NP];
};

static bool pair_merged(void *arg)
{
	struct pair *x = arg;
	size_t i;

	if (adt_peer_frames(x->p, x->peer))
		return false;
	for (i = 0; i < NP; i++)
		if (!x->peer[i] || adt_frame(x->r, i) != x->peer[i])
			return false;
	return true;
}

TEST_F_TIMEOUT(inter, migrate_moves_a_shared_frame_for_every_process, 120)
{
	struct aether_mm_region_migrate m = { .size = sizeof(m) };
	struct aether_mm_region_query q;
	struct adt_region r = { .fd = -1 };
	struct adt_peer p;
	struct pair x = { .r = &r, .p = &p };
	__u64 before[NP], bad;
	size_t i;
	int w;

	if (adt_nr_nodes(self->mm) < 2)
		SKIP(return, "the pool has one node");
	/* The peer first: a later fork would map an image of r too. */
	memset(&p, 0, sizeof(p));
	p.flags = ADT_MERGEABLE;
	p.pages = NP;
	for (i = 0; i < NP; i++)
		p.seeds[i] = 50 + i;
	ASSERT_EQ(0, adt_peer_start(&p));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	for (i = 0; i < NP; i++)
		adt_region_fill(&r, i, 50 + i);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, pair_merged, &x, ADT_SCANS);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("not merged: %s", adt_wait_error(w));
	memcpy(before, x.peer, sizeof(before));
	ASSERT_EQ(0, adt_region_query(&r, 0, &q));
	m.node = !q.node;
	m.length = NP * r.page;
	ASSERT_EQ(0, aet_ioctl(r.fd, AETHER_MM_IOC_REGION_MIGRATE, &m));
	EXPECT_EQ(NP, m.migrated);
	EXPECT_EQ(0, m.busy);
	EXPECT_EQ(0, m.failed);
	ASSERT_EQ(0, adt_peer_frames(&p, x.peer));
	for (i = 0; i < NP; i++) {
		ASSERT_EQ(0, adt_region_query(&r, i, &q));
		EXPECT_EQ(m.node, q.node);
		EXPECT_EQ(AETHER_MM_PAGE_SHARED, q.state);
		EXPECT_EQ(x.peer[i], q.frame_id) TH_LOG("page %zu", i);
		EXPECT_NE(before[i], q.frame_id) TH_LOG("page %zu", i);
		EXPECT_TRUE(adt_region_holds(&r, i, 50 + i));
		EXPECT_TRUE(adt_region_crc_ok(&r, i, 50 + i));
	}
	ASSERT_EQ(0, adt_peer_verify(&p, &bad));
	EXPECT_EQ(0, bad);
	/* Still one frame: a write unshares as before. */
	adt_region_fill(&r, 0, 5000);
	ASSERT_EQ(0, adt_peer_verify(&p, &bad));
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(adt_region_holds(&r, 0, 5000));
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/* ---- compaction ------------------------------------------------------------ */

#define FILL_PAGES	1024

static int compact_all(int mm, struct aether_mm_compact *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = sizeof(*cp);
	cp->node = -1;
	return aet_ioctl(mm, AETHER_MM_IOC_COMPACT, cp);
}

/* The pfn (root only) behind each page of @r, 0 on error. */
static void pfns_of(struct adt_region *r, __u64 *pfn)
{
	struct aether_mm_region_query q;
	size_t i;

	for (i = 0; i < r->pages; i++)
		pfn[i] = adt_region_query(r, i, &q) ? 0 : q.pfn;
}

/*
 * Shared frames made while the pool's free pages are holes between a
 * filler region's frames end alone in their pageblocks once the filler
 * goes: compaction moves them, and both regions follow (same frame for
 * both, same bytes).
 */
TEST_F(inter, compaction_moves_shared_frames_for_every_mapping)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct adt_region z = { .fd = -1 }, x = { .fd = -1 };
	__u64 pa[NP], pb[NP], pa2[NP];
	struct aether_mm_compact cp;
	struct two t = { &a, &b };
	size_t i, moved = 0;

	ASSERT_EQ(0, two_regions(self->mm, ADT_MERGEABLE, &a, &b));
	/* Holes: x's frames between z's, then x gone. */
	ASSERT_EQ(0, adt_region_make(self->mm, AETHER_MM_REGION_SHARED,
				     FILL_PAGES, &z));
	ASSERT_EQ(0, adt_region_make(self->mm, AETHER_MM_REGION_SHARED,
				     FILL_PAGES, &x));
	for (i = 0; i < FILL_PAGES; i++) {
		z.map[i * z.page] = 1;
		x.map[i * x.page] = 1;
	}
	adt_region_drop(&x);
	MERGE_TWO(&t);
	adt_region_drop(&z);
	pfns_of(&a, pa);
	pfns_of(&b, pb);
	for (i = 0; i < NP; i++) {
		ASSERT_NE(0, pa[i]) TH_LOG("no pfn: needs CAP_SYS_ADMIN");
		ASSERT_EQ(pa[i], pb[i]);
	}
	ASSERT_EQ(0, compact_all(self->mm, &cp));
	TH_LOG("scanned %llu isolated %llu migrated %llu busy %llu failed %llu",
	       cp.scanned, cp.isolated, cp.migrated, cp.busy, cp.failed);
	pfns_of(&a, pa2);
	for (i = 0; i < NP; i++) {
		moved += pa2[i] != pa[i];
		EXPECT_EQ(AETHER_MM_PAGE_SHARED, adt_state(&a, i));
		EXPECT_EQ(adt_frame(&a, i), adt_frame(&b, i));
		EXPECT_TRUE(adt_region_holds(&a, i, 40 + i));
		EXPECT_TRUE(adt_region_holds(&b, i, 40 + i));
		EXPECT_TRUE(adt_region_crc_ok(&b, i, 40 + i));
	}
	pfns_of(&b, pb);
	EXPECT_EQ(0, memcmp(pa2, pb, sizeof(pb)));
	TH_LOG("%zu of %d shared frames moved", moved, NP);
	EXPECT_LT(0, moved);
	/* Still shared: a write unshares the writer only. */
	adt_region_fill(&a, 0, 4100);
	EXPECT_TRUE(adt_region_holds(&a, 0, 4100));
	EXPECT_TRUE(adt_region_holds(&b, 0, 40));
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/* ---- SECURE ---------------------------------------------------------------------- */

TEST_F_TIMEOUT(inter, secure_regions_are_never_merged, 120)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct adt_region s = { .fd = -1 };
	struct aether_dedupe_region_stats st;
	struct two t = { &a, &b };
	size_t i;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE |
				     AETHER_MM_REGION_SECURE, NP, &s));
	ASSERT_EQ(0, two_regions(self->mm, ADT_MERGEABLE, &a, &b));
	for (i = 0; i < NP; i++)
		adt_region_fill(&s, i, 40 + i);
	/* a and b merge (the scanner ran), s never. */
	MERGE_TWO(&t);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	ASSERT_EQ(0, adt_wait(self->dfd, NULL, NULL, 2));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	EXPECT_EQ(NP, adt_resident(&s));
	for (i = 0; i < NP; i++) {
		EXPECT_EQ(AETHER_MM_PAGE_OWN, adt_state(&s, i));
		EXPECT_NE(adt_frame(&a, i), adt_frame(&s, i));
		EXPECT_TRUE(adt_region_holds(&s, i, 40 + i));
	}
	ASSERT_EQ(0, adt_region_stats(self->dfd, s.fd, &st));
	EXPECT_EQ(0, st.merges);
	EXPECT_EQ(0, st.merging_pages);
	adt_region_drop(&s);
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/* ---- huge --------------------------------------------------------------------------- */

#define HUGE_PAGES	512	/* one 2 MiB range */

/* Pages 0, 1, 255 and 511 of a on b's frames. */
static bool huge_merged(void *arg)
{
	static const size_t pick[] = { 0, 1, 255, 511 };
	struct two *t = arg;
	size_t i;
	__u64 f;

	for (i = 0; i < AEMT_ARRAY_SIZE(pick); i++) {
		f = adt_frame(t->a, pick[i]);
		if (!f || f != adt_frame(t->b, pick[i]))
			return false;
	}
	return true;
}

TEST_F_TIMEOUT(inter, pages_of_huge_regions_merge_after_a_split, 120)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct aether_mm_region_query q;
	struct two t = { &a, &b };
	size_t i;
	int w;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE |
				     AETHER_MM_REGION_HUGE, HUGE_PAGES, &a));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE |
				     AETHER_MM_REGION_HUGE, HUGE_PAGES, &b));
	for (i = 0; i < HUGE_PAGES; i++) {
		adt_region_fill(&a, i, 60 + i);
		adt_region_fill(&b, i, 60 + i);
	}
	ASSERT_EQ(0, adt_region_query(&a, 0, &q));
	ASSERT_TRUE(q.map & AETHER_MM_MAP_HUGE)
		TH_LOG("the range is not mapped by a PMD: map %#x", q.map);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, huge_merged, &t, ADT_SCANS);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("not merged: %s", adt_wait_error(w));
	for (i = 0; i < HUGE_PAGES; i++) {
		ASSERT_EQ(0, adt_region_query(&a, i, &q));
		EXPECT_FALSE(q.map & AETHER_MM_MAP_HUGE);
		EXPECT_EQ(q.frame_id, adt_frame(&b, i)) TH_LOG("page %zu", i);
		EXPECT_TRUE(adt_region_holds(&a, i, 60 + i));
		EXPECT_TRUE(adt_region_holds(&b, i, 60 + i));
	}
	EXPECT_TRUE(adt_region_crc_ok(&a, 0, 60));
	EXPECT_TRUE(adt_region_crc_ok(&b, 511, 60 + 511));
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/* ---- NUMA balancing and a bound user ----------------------------------- */

#define BAL_PAGES	16
#define BAL_ROUNDS	3000
#define MM_PARAMS	"/sys/module/aether_mm/parameters/"

/* Region of BAL_PAGES pages, bound to @node (or LOCAL: -1), seeds @base. */
static int bal_region(int mm, int node, __u64 base, struct adt_region *r)
{
	struct aether_mm_region_create c;
	size_t i;
	int ret;

	r->fd = -1;
	aemt_region_args(&c, ADT_MERGEABLE,
			 BAL_PAGES * (size_t)sysconf(_SC_PAGESIZE));
	if (node >= 0) {
		c.pol_mode = AETHER_MM_POL_BIND;
		c.nodemask = 1ULL << node;
	}
	ret = adt_region_make_args(mm, &c, r);
	for (i = 0; !ret && i < BAL_PAGES; i++)
		adt_region_fill(r, i, base + i);
	return ret;
}

/* Pages of @r on @node, every one read first (a hinting fault each). */
static size_t bal_touch(struct adt_region *r, int node, size_t *sum)
{
	struct aether_mm_region_query q;
	size_t i, on = 0;

	for (i = 0; i < BAL_PAGES; i++)
		*sum += r->map[i * r->page];
	for (i = 0; i < BAL_PAGES; i++)
		on += !adt_region_query(r, i, &q) && q.node == node;
	return on;
}

/*
 * A shared frame serves a LOCAL region used from node 1 and a region
 * bound to node 0: NUMA balancing must not take it to node 1 for the
 * first one's faults.  A control pair of LOCAL regions merged the same
 * way, used the same way, shows that balancing did run and move frames.
 */
TEST_F_TIMEOUT(inter, numa_balancing_keeps_a_frame_a_bound_region_shares, 300)
{
	struct adt_region a, b, c, d;
	struct aether_mm_region_dedupe dd;
	int cpus[AETHER_MM_MAX_NODES], k;
	char old[32] = "";
	size_t i, sum = 0, ctl = 0, kept = 0;

	aemt_cpus_of_nodes(cpus);
	if (adt_nr_nodes(self->mm) < 2 || cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs two nodes, each with a CPU");
	if (aet_read_file(MM_PARAMS "access_interval_ms", old, sizeof(old)) < 0)
		SKIP(return, "no access_interval_ms parameter");
	ASSERT_EQ(0, aemt_pin_cpu(cpus[0]));
	ASSERT_EQ(0, bal_region(self->mm, 0, 3000, &b));
	ASSERT_EQ(0, bal_region(self->mm, -1, 3000, &a));
	ASSERT_EQ(0, bal_region(self->mm, -1, 4000, &d));
	ASSERT_EQ(0, bal_region(self->mm, -1, 4000, &c));
	ASSERT_EQ(0, adt_region_dedupe(a.fd, 0, BAL_PAGES * a.page, &dd));
	ASSERT_EQ(0, adt_region_dedupe(c.fd, 0, BAL_PAGES * c.page, &dd));
	for (i = 0; i < BAL_PAGES; i++) {
		ASSERT_NE(0, adt_frame(&a, i));
		ASSERT_EQ(adt_frame(&a, i), adt_frame(&b, i)) TH_LOG("page %zu", i);
		ASSERT_EQ(adt_frame(&c, i), adt_frame(&d, i)) TH_LOG("page %zu", i);
	}
	ASSERT_EQ(BAL_PAGES, bal_touch(&a, 0, &sum));
	ASSERT_EQ(BAL_PAGES, bal_touch(&c, 0, &sum));

	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	ASSERT_EQ(0, aet_write_file(MM_PARAMS "numa_scan_pages", "4096"));
	ASSERT_EQ(0, aet_write_file(MM_PARAMS "access_interval_ms", "50"));
	for (k = 0; k < BAL_ROUNDS && ctl < BAL_PAGES; k++) {
		kept = bal_touch(&a, 0, &sum);
		ctl = bal_touch(&c, 1, &sum);
		usleep(5000);
	}
	/* Fifty rounds more for a's frames, which must not follow. */
	for (k = 0; k < 50; k++) {
		kept = bal_touch(&a, 0, &sum);
		usleep(5000);
	}
	ASSERT_EQ(0, aet_write_file(MM_PARAMS "numa_scan_pages", "0"));
	ASSERT_EQ(0, aet_write_file(MM_PARAMS "access_interval_ms",
				    strtok(old, "\n")));
	TH_LOG("control: %zu of %d frames moved to node 1; bound: %zu kept on node 0 (sum %zu)",
	       ctl, BAL_PAGES, kept, sum);
	ASSERT_EQ(BAL_PAGES, ctl) TH_LOG("balancing moved no frame: no proof");
	EXPECT_EQ(BAL_PAGES, kept);
	for (i = 0; i < BAL_PAGES; i++) {
		EXPECT_EQ(adt_frame(&a, i), adt_frame(&b, i)) TH_LOG("page %zu", i);
		EXPECT_TRUE(adt_region_holds(&a, i, 3000 + i));
		EXPECT_TRUE(adt_region_holds(&b, i, 3000 + i));
	}
	adt_region_drop(&a);
	adt_region_drop(&b);
	adt_region_drop(&c);
	adt_region_drop(&d);
}

/* ---- NUMA ------------------------------------------------------------------------------ */

FIXTURE_VARIANT(numa) {
	__u32 merge_across_nodes;
};

ADT_FIXTURE_KNOB(numa, AETHER_DEDUPE_SET_MERGE_ACROSS_NODES,
		 merge_across_nodes, 2);

FIXTURE_VARIANT_ADD(numa, per_node_trees) {
	.merge_across_nodes = 0,
};

FIXTURE_VARIANT_ADD(numa, one_tree) {
	.merge_across_nodes = 1,
};

/* A region of NP pages bound to @node, page i holding 70 + i. */
static int bound_region(int mm, int node, struct adt_region *r)
{
	struct aether_mm_region_create c;
	size_t i;
	int ret;

	aemt_region_args(&c, ADT_MERGEABLE, NP * (size_t)sysconf(_SC_PAGESIZE));
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1ULL << node;
	ret = adt_region_make_args(mm, &c, r);
	for (i = 0; !ret && i < NP; i++)
		adt_region_fill(r, i, 70 + i);
	return ret;
}

struct four {
	struct adt_region *r[4];	/* two on node 0, two on node 1 */
	bool one;			/* all four on one frame */
};

static bool four_merged(void *arg)
{
	struct four *f = arg;
	size_t i;
	__u64 x[4];
	int k;

	for (i = 0; i < NP; i++) {
		for (k = 0; k < 4; k++) {
			x[k] = adt_frame(f->r[k], i);
			if (!x[k])
				return false;
		}
		if (x[0] != x[1] || x[2] != x[3])
			return false;
		if (f->one && x[0] != x[2])
			return false;
	}
	return true;
}

TEST_F_TIMEOUT(numa, equal_pages_of_two_nodes, 120)
{
	struct adt_region r[4];
	struct aether_mm_region_query q;
	struct four f;
	size_t i;
	int k, w;

	for (k = 0; k < 4; k++) {
		r[k].fd = -1;
		f.r[k] = &r[k];
		ASSERT_EQ(0, bound_region(self->mm, k / 2, &r[k]));
	}
	f.one = variant->merge_across_nodes;
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, four_merged, &f, ADT_SCANS);
	if (!w && !f.one)	/* two passes more: still two frames */
		w = adt_wait(self->dfd, NULL, NULL, 2);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("not merged: %s", adt_wait_error(w));
	ASSERT_TRUE(four_merged(&f));
	for (i = 0; i < NP; i++) {
		if (f.one) {
			EXPECT_EQ(adt_frame(&r[0], i), adt_frame(&r[2], i));
			continue;
		}
		EXPECT_NE(adt_frame(&r[0], i), adt_frame(&r[2], i));
		for (k = 0; k < 4; k++) {
			ASSERT_EQ(0, adt_region_query(&r[k], i, &q));
			EXPECT_EQ(k / 2, q.node) TH_LOG("region %d page %zu",
							k, i);
			EXPECT_TRUE(adt_region_holds(&r[k], i, 70 + i));
		}
	}
	for (k = 0; k < 4; k++)
		adt_region_drop(&r[k]);
}

TEST_HARNESS_MAIN
