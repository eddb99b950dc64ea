// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_range_test.c - AETHER_MM_IOC_REGION_DEDUPE on a region fd
 *
 * Merging a range now, without the scanner (it stays stopped here): the
 * argument checks (size, flags, alignment, a range beyond the data or
 * overflowing, a read-only fd, a region not MERGEABLE, a SECURE one), and
 * the figures on a known set of duplicates: pages merged, bytes saved,
 * pages scanned, with equal pages of another uid's region left out (only
 * the caller's own trust domain counts).
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

#define GROUPS		8	/* contents, each on COPIES pages */
#define COPIES		4
#define UNIQUE		8
#define NP		(GROUPS * COPIES + UNIQUE)

ADT_FIXTURE(range);

/* Page i's content: GROUPS contents COPIES times, then unique pages. */
static __u64 seed_of(size_t i)
{
	return i < GROUPS * COPIES ? 800 + i % GROUPS : 900 + i;
}

static void fill_all(struct adt_region *r)
{
	size_t i;

	for (i = 0; i < r->pages; i++)
		adt_region_fill(r, i, seed_of(i));
}

TEST_F(range, argument_errors)
{
	struct adt_region r = { .fd = -1 };
	struct aether_mm_region_dedupe d;
	const __u64 len = NP * self->page;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	fill_all(&r);
	/* size */
	memset(&d, 0, sizeof(d));
	d.length = self->page;
	EXPECT_EQ(-EINVAL, aet_ioctl(r.fd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	d.size = 8;
	EXPECT_EQ(-EINVAL, aet_ioctl(r.fd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	/* flags (the good call on the last page, a unique one) */
	EXPECT_EQ(0, adt_region_dedupe(r.fd, len - self->page, self->page, &d));
	EXPECT_EQ(0, d.merged);
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.flags = 1;
	d.offset = len - self->page;
	d.length = self->page;
	EXPECT_EQ(-EINVAL, aet_ioctl(r.fd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	d.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, aet_ioctl(r.fd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	/* alignment and length */
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 1, self->page, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0, self->page + 1, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0, 0, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0, self->page / 2, &d));
	/* beyond the data */
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0, len + self->page, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, len, self->page, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, len - self->page,
					     2 * self->page, &d));
	/* overflow: offset + length wraps to a small number */
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, -(__u64)self->page,
					     2 * self->page, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, self->page,
					     -(__u64)self->page, &d));
	EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0,
					     AETHER_MM_DEDUPE_MAX + self->page,
					     &d));
	/* Nothing of that merged anything. */
	EXPECT_EQ(NP, adt_resident(&r));
	adt_region_drop(&r);
}

/* A region made by root, named, opened again read-only. */
TEST_F(range, a_read_only_fd_is_ebadf)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_dedupe d;
	struct adt_region r = { .fd = -1 };
	char name[64];
	__u64 id;
	int ro;

	snprintf(name, sizeof(name), "t-dr-ro-%d", (int)getpid());
	aemt_region_args(&c, ADT_MERGEABLE, 2 * self->page);
	c.name = (__u64)(unsigned long)name;
	ASSERT_EQ(0, adt_region_make_args(self->mm, &c, &r));
	adt_region_fill(&r, 0, 3);
	adt_region_fill(&r, 1, 3);
	ro = aemt_region_open(self->mm, name, AETHER_MM_REGION_OPEN_RDONLY, &id);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, adt_region_dedupe(ro, 0, 2 * self->page, &d));
	EXPECT_EQ(2, adt_resident(&r));
	/* The writable fd of the same region may. */
	EXPECT_EQ(0, adt_region_dedupe(r.fd, 0, 2 * self->page, &d));
	EXPECT_EQ(2, d.merged);
	close(ro);
	adt_region_drop(&r);
}

TEST_F(range, a_region_not_mergeable_is_einval)
{
	static const __u32 flags[] = ADT_NOT_MERGEABLE_FLAGS;
	struct aether_mm_region_dedupe d;
	struct adt_region r;
	size_t i;

	for (i = 0; i < AEMT_ARRAY_SIZE(flags); i++) {
		r.fd = -1;
		ASSERT_EQ(0, adt_region_make(self->mm, flags[i], 2, &r))
			TH_LOG("flags %#x", flags[i]);
		adt_region_fill(&r, 0, 4);
		adt_region_fill(&r, 1, 4);
		EXPECT_EQ(-EINVAL, adt_region_dedupe(r.fd, 0, 2 * self->page,
						     &d))
			TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ(2, adt_resident(&r));
		EXPECT_NE(adt_frame(&r, 0), adt_frame(&r, 1));
		adt_region_drop(&r);
	}
}

TEST_F(range, the_device_fd_is_not_a_region)
{
	struct aether_mm_region_dedupe d;

	EXPECT_EQ(-ENOTTY, adt_region_dedupe(self->dfd, 0, self->page, &d));
}

/*
 * GROUPS contents on COPIES pages each and UNIQUE pages: every
 * duplicated page takes a shared frame (a fresh one per content), the
 * unique ones stay; saved = pages freed less the new frames.
 */
TEST_F(range, known_duplicates_give_known_figures)
{
	struct aether_mm_region_dedupe d;
	struct adt_region r = { .fd = -1 };
	__u64 f[NP];
	size_t i, j;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	fill_all(&r);
	ASSERT_EQ(0, adt_region_dedupe(r.fd, 0, NP * self->page, &d));
	EXPECT_EQ(NP, d.scanned);
	EXPECT_EQ(GROUPS * COPIES, d.merged);
	EXPECT_EQ((__s64)(GROUPS * (COPIES - 1) * self->page), d.saved);
	EXPECT_EQ(UNIQUE, adt_resident(&r));
	for (i = 0; i < NP; i++) {
		f[i] = adt_frame(&r, i);
		EXPECT_TRUE(adt_region_holds(&r, i, seed_of(i)));
		EXPECT_TRUE(adt_region_crc_ok(&r, i, seed_of(i)));
		EXPECT_EQ(i < GROUPS * COPIES ? AETHER_MM_PAGE_SHARED :
			  AETHER_MM_PAGE_OWN, adt_state(&r, i));
	}
	for (i = 0; i < NP; i++)
		for (j = 0; j < i; j++)
			EXPECT_EQ(seed_of(i) == seed_of(j), f[i] == f[j])
				TH_LOG("pages %zu and %zu", j, i);
	/* Again: nothing left to merge. */
	ASSERT_EQ(0, adt_region_dedupe(r.fd, 0, NP * self->page, &d));
	EXPECT_EQ(0, d.merged);
	EXPECT_EQ(0, d.saved);
	adt_region_drop(&r);
}

/*
 * aether_mm.h: REGION_DEDUPE merges "each page with an equal page of the
 * same trust domain, in the region or in any other mergeable region of
 * the domain", not only with pages of the range: here with the scanner
 * stopped, so that no pass has seen page 0.
 */
TEST_F(range, a_sub_range_merges_with_pages_outside_it)
{
	struct aether_mm_region_dedupe d;
	struct adt_region r = { .fd = -1 };

	/* Pages 0 and 1 equal: merging page 1 alone takes page 0 along. */
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 4, &r));
	adt_region_fill(&r, 0, 31);
	adt_region_fill(&r, 1, 31);
	adt_region_fill(&r, 2, 32);
	adt_region_fill(&r, 3, 33);
	ASSERT_EQ(0, adt_region_dedupe(r.fd, self->page, self->page, &d));
	EXPECT_EQ(1, d.scanned);
	EXPECT_EQ(1, d.merged);
	EXPECT_EQ((__s64)self->page, d.saved);
	EXPECT_EQ(adt_frame(&r, 0), adt_frame(&r, 1));
	EXPECT_EQ(2, adt_resident(&r));
	adt_region_drop(&r);
}

/*
 * A page equal to a shared frame's content merges into that frame: one
 * frame freed, none taken.
 */
TEST_F(range, a_page_equal_to_a_shared_frame_joins_it)
{
	struct aether_mm_region_dedupe d;
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 2, &a));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 1, &b));
	adt_region_fill(&a, 0, 21);
	adt_region_fill(&a, 1, 21);
	adt_region_fill(&b, 0, 21);
	ASSERT_EQ(0, adt_region_dedupe(a.fd, 0, 2 * self->page, &d));
	ASSERT_EQ(2, d.merged);
	EXPECT_EQ((__s64)self->page, d.saved);
	ASSERT_EQ(0, adt_region_dedupe(b.fd, 0, self->page, &d));
	EXPECT_EQ(1, d.scanned);
	EXPECT_EQ(1, d.merged);
	EXPECT_EQ((__s64)self->page, d.saved);
	EXPECT_EQ(adt_frame(&a, 0), adt_frame(&b, 0));
	EXPECT_EQ(0, adt_resident(&b));
	EXPECT_TRUE(adt_region_holds(&b, 0, 21));
	adt_region_drop(&a);
	adt_region_drop(&b);
}

/*
 * Alice's region has the same contents: neither call may merge with the
 * other's pages, and each one's figures are its own domain's alone.
 */
TEST_F(range, only_the_callers_own_domain_counts)
{
	struct aether_mm_region_dedupe d, da;
	struct adt_region r = { .fd = -1 };
	struct adt_peer a;
	__u64 fa[NP], fr;
	size_t i, j;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	memset(&a, 0, sizeof(a));
	a.user = &aemt_alice;
	a.flags = ADT_MERGEABLE;
	a.pages = NP;
	for (i = 0; i < NP; i++)
		a.seeds[i] = seed_of(i);
	ASSERT_EQ(0, adt_peer_start(&a));
	ASSERT_EQ(0, adt_peer_dedupe(&a, &da));
	EXPECT_EQ(NP, da.scanned);
	EXPECT_EQ(GROUPS * COPIES, da.merged);
	EXPECT_EQ((__s64)(GROUPS * (COPIES - 1) * self->page), da.saved);
	/* Root's, the same bytes: the same figures, none of alice's frames. */
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	fill_all(&r);
	ASSERT_EQ(0, adt_region_dedupe(r.fd, 0, NP * self->page, &d));
	EXPECT_EQ(NP, d.scanned);
	EXPECT_EQ(GROUPS * COPIES, d.merged);
	EXPECT_EQ((__s64)(GROUPS * (COPIES - 1) * self->page), d.saved);
	ASSERT_EQ(0, adt_peer_frames(&a, fa));
	for (i = 0; i < NP; i++) {
		fr = adt_frame(&r, i);
		EXPECT_NE(0, fr);
		for (j = 0; j < NP; j++)
			EXPECT_NE(fa[j], fr) TH_LOG("root's %zu, alice's %zu",
						    i, j);
	}
	/* Unique pages stay unique though alice has the same bytes. */
	EXPECT_EQ(UNIQUE, adt_resident(&r));
	EXPECT_EQ(0, adt_peer_stop(&a));
	adt_region_drop(&r);
}

/*
 * Regions made, deduped and closed while a pass of the scanner is under
 * way (it visits one page a minute here, so the pass never ends): their
 * rmap items go once the items double, not at the pass's end, so they
 * stay bounded by the live regions' plus a slack (4096 items), where
 * they grew by a region's pages each time.
 */
#define REAP_REGIONS	32
#define REAP_PAGES	1024
#define REAP_BOUND	12288	/* 2 x (anchor + one region) + 4096, and room */

TEST_F_TIMEOUT(range, items_of_regions_closed_during_a_pass_are_reaped, 280)
{
	struct aether_mm_region_dedupe d;
	struct adt_region anchor = { .fd = -1 }, r;
	struct aether_dedupe_counters c0, c1;
	long long items, start, most = 0;
	size_t i, k;

	if (adt_debugfs_stat("rmap_items", &start))
		SKIP(return, "no debugfs %s/stats", ADT_DEBUGFS);
	/* A pass that never ends: one page per wake-up, a minute apart. */
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 64, &anchor));
	for (i = 0; i < anchor.pages; i++)
		adt_region_fill(&anchor, i, 0x7e000000 + i);
	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_PAGES_TO_SCAN, 1));
	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_SLEEP_MILLISECS,
			      60000));
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	for (k = 0; k < REAP_REGIONS; k++) {
		r.fd = -1;
		ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE,
					     REAP_PAGES, &r));
		for (i = 0; i < REAP_PAGES; i++)
			adt_region_fill(&r, i, ((__u64)k << 20) + i + 1);
		ASSERT_EQ(0, adt_region_dedupe(r.fd, 0, REAP_PAGES * self->page,
					       &d));
		ASSERT_EQ(REAP_PAGES, d.scanned);
		adt_region_drop(&r);
		ASSERT_EQ(0, adt_debugfs_stat("rmap_items", &items));
		if (items - start > most)
			most = items - start;
	}
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	adt_region_drop(&anchor);
	TH_LOG("%d regions of %d pages: at most %lld items more, %llu passes",
	       REAP_REGIONS, REAP_PAGES, most,
	       (unsigned long long)(c1.full_scans - c0.full_scans));
	if (c1.full_scans != c0.full_scans)
		SKIP(return, "a pass ended meanwhile: it swept the items itself");
	EXPECT_GT(REAP_BOUND, most);
}

TEST_HARNESS_MAIN
