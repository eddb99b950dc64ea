// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_domain_test.c - trust domains and REGION_STATS
 *
 * Pages merge only inside one trust domain: by default the uid that
 * created the region.  Two of the box's users (alice and bob, for real)
 * with equal pages never share a frame, though each one's own duplicates
 * merge (the proof that the scanner ran); an administrator's SET_DOMAIN
 * puts both regions into one named domain and they share; a region set
 * back to "" leaves at once (its pages unmerged) and stays apart.
 * REGION_STATS answers for the caller's own regions (-EACCES for another
 * uid's, CAP_SYS_ADMIN excepted).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

#define HALF		4	/* pages 0..3 and 4..7 hold the same bytes */
#define NP		(2 * HALF)

static const struct aet_user bob = {
	.name = "bob", .uid = 1001, .gid = 1001,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

ADT_FIXTURE(domain);

/* A peer of @u with seeds 1..HALF twice, named when @tag is given. */
static int peer_of(struct adt_peer *p, const struct aet_user *u,
		   const char *tag)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->user = u;
	p->flags = ADT_MERGEABLE;
	p->pages = NP;
	for (i = 0; i < NP; i++)
		p->seeds[i] = 500 + i % HALF;
	if (tag)
		snprintf(p->name, sizeof(p->name), "t-dd-%s-%d", tag,
			 (int)getpid());
	return adt_peer_start(p);
}

struct two {
	struct adt_peer *a, *b;
	__u64 fa[NP], fb[NP];
	bool across;	/* also wait for a and b to share */
};

/* Each peer's own duplicates merged (and a's with b's when @across). */
static bool two_merged(void *arg)
{
	struct two *t = arg;
	size_t i;

	if (adt_peer_frames(t->a, t->fa) || adt_peer_frames(t->b, t->fb))
		return false;
	for (i = 0; i < HALF; i++) {
		if (!t->fa[i] || t->fa[i] != t->fa[i + HALF] ||
		    !t->fb[i] || t->fb[i] != t->fb[i + HALF])
			return false;
		if (t->across && t->fa[i] != t->fb[i])
			return false;
	}
	return true;
}

static int no_frame_in_common(struct two *t)
{
	size_t i, j, n = 0;

	for (i = 0; i < NP; i++)
		for (j = 0; j < NP; j++)
			n += t->fa[i] && t->fa[i] == t->fb[j];
	return n;
}

#define NEED_USERS()							\
do {									\
	if (!aemt_can_run_as(&aemt_alice) || !aet_can_run_as(&bob))	\
		SKIP(return, "needs root and the box's users alice, bob"); \
} while (0)

TEST_F_TIMEOUT(domain, two_uids_with_equal_pages_never_share_a_frame, 120)
{
	struct adt_peer a, b;
	struct two t = { .a = &a, .b = &b };
	__u64 bad;
	int w;

	NEED_USERS();
	ASSERT_EQ(0, peer_of(&a, &aemt_alice, NULL));
	ASSERT_EQ(0, peer_of(&b, &bob, NULL));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, two_merged, &t, ADT_SCANS);
	ASSERT_EQ(0, w) TH_LOG("own duplicates not merged: %s",
			       adt_wait_error(w));
	EXPECT_EQ(0, no_frame_in_common(&t));
	/* Two passes more: still apart. */
	ASSERT_EQ(0, adt_wait(self->dfd, NULL, NULL, 2));
	ASSERT_TRUE(two_merged(&t));
	EXPECT_EQ(0, no_frame_in_common(&t));
	ASSERT_EQ(0, adt_peer_verify(&a, &bad));
	EXPECT_EQ(0, bad);
	ASSERT_EQ(0, adt_peer_verify(&b, &bad));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, adt_peer_stop(&a));
	EXPECT_EQ(0, adt_peer_stop(&b));
}

TEST_F_TIMEOUT(domain, an_administrators_domain_lets_two_uids_share_until_one_leaves, 120)
{
	struct aether_dedupe_region_stats st;
	struct adt_peer a, b;
	struct two t = { .a = &a, .b = &b };
	char dom[AETHER_DEDUPE_DOMAIN_MAX];
	int fa, fb, w;
	__u64 id, bad;
	size_t i;

	NEED_USERS();
	snprintf(dom, sizeof(dom), "tdom-%d", (int)getpid());
	ASSERT_EQ(0, peer_of(&a, &aemt_alice, "a"));
	ASSERT_EQ(0, peer_of(&b, &bob, "b"));
	fa = aemt_region_open(self->mm, a.name, AETHER_MM_REGION_OPEN_FOREIGN,
			      &id);
	ASSERT_LE(0, fa);
	EXPECT_EQ(a.id, id);
	fb = aemt_region_open(self->mm, b.name, AETHER_MM_REGION_OPEN_FOREIGN,
			      &id);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, adt_set_domain(self->dfd, fa, dom));
	ASSERT_EQ(0, adt_set_domain(self->dfd, fb, dom));
	ASSERT_EQ(0, adt_region_stats(self->dfd, fa, &st));
	EXPECT_STREQ(dom, st.domain);
	t.across = true;
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, two_merged, &t, ADT_SCANS);
	ASSERT_EQ(0, w) TH_LOG("not merged in one domain: %s",
			       adt_wait_error(w));
	for (i = 0; i < HALF; i++)
		EXPECT_EQ(t.fa[i], t.fb[i]);
	/* Alice's region leaves: unmerged at once, apart from then on. */
	ASSERT_EQ(0, adt_set_domain(self->dfd, fa, ""));
	ASSERT_EQ(0, adt_region_stats(self->dfd, fa, &st));
	EXPECT_STREQ("", st.domain);
	ASSERT_EQ(0, adt_peer_frames(&a, t.fa));
	ASSERT_EQ(0, adt_peer_frames(&b, t.fb));
	EXPECT_EQ(0, no_frame_in_common(&t));
	t.across = false;
	w = adt_wait(self->dfd, two_merged, &t, ADT_SCANS);
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_wait(self->dfd, NULL, NULL, 2));
	ASSERT_TRUE(two_merged(&t));
	EXPECT_EQ(0, no_frame_in_common(&t));
	ASSERT_EQ(0, adt_peer_verify(&a, &bad));
	EXPECT_EQ(0, bad);
	ASSERT_EQ(0, adt_peer_verify(&b, &bad));
	EXPECT_EQ(0, bad);
	close(fa);
	close(fb);
	EXPECT_EQ(0, adt_peer_stop(&a));
	EXPECT_EQ(0, adt_peer_stop(&b));
}

TEST_F_TIMEOUT(domain, set_domain_refuses_bad_names_and_fds, 120)
{
	struct aether_dedupe_domain d = { .size = sizeof(d) };
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_region_stats st;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 2, &r));
	EXPECT_EQ(-EINVAL, adt_set_domain(self->dfd, r.fd, "a/b"));
	EXPECT_EQ(-EINVAL, adt_set_domain(self->dfd, r.fd, "a b"));
	EXPECT_EQ(-EINVAL, adt_set_domain(self->dfd, r.fd, "\xc3\xa9t\xc3\xa9"));
	/* 32 bytes with no NUL. */
	d.region_fd = r.fd;
	memset(d.name, 'x', sizeof(d.name));
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET_DOMAIN,
				     &d));
	/* 31 bytes: the longest. */
	d.name[sizeof(d.name) - 1] = 0;
	EXPECT_EQ(0, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET_DOMAIN, &d));
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_STREQ(d.name, st.domain);
	EXPECT_EQ(0, adt_set_domain(self->dfd, r.fd, "ok_name.1-2"));
	EXPECT_EQ(0, adt_set_domain(self->dfd, r.fd, ""));
	EXPECT_EQ(-EBADF, adt_set_domain(self->dfd, -1, "x"));
	EXPECT_EQ(-EBADF, adt_set_domain(self->dfd, 9999, "x"));
	/* Not a region fd. */
	EXPECT_EQ(-EINVAL, adt_set_domain(self->dfd, self->mm, "x"));
	adt_region_drop(&r);
}

/* As REGION_DEDUPE: a region fd opened read-only may not. */
TEST_F(domain, set_domain_on_a_read_only_fd_is_ebadf)
{
	struct aether_mm_region_create c;
	struct aether_dedupe_region_stats st;
	struct adt_region r = { .fd = -1 };
	char name[64];
	__u64 id;
	int ro;

	snprintf(name, sizeof(name), "t-dd-ro-%d", (int)getpid());
	aemt_region_args(&c, ADT_MERGEABLE, 2 * self->page);
	c.name = (__u64)(unsigned long)name;
	ASSERT_EQ(0, adt_region_make_args(self->mm, &c, &r));
	ro = aemt_region_open(self->mm, name, AETHER_MM_REGION_OPEN_RDONLY, &id);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, adt_set_domain(self->dfd, ro, "rodom"));
	ASSERT_EQ(0, adt_region_stats(self->dfd, ro, &st));
	EXPECT_STREQ("", st.domain);
	EXPECT_EQ(0, adt_set_domain(self->dfd, r.fd, "rodom"));
	ASSERT_EQ(0, adt_region_stats(self->dfd, ro, &st));
	EXPECT_STREQ("rodom", st.domain);
	close(ro);
	adt_region_drop(&r);
}

/*
 * A domain is a rule for merging: on a region the engine never merges
 * (not MERGEABLE, or SECURE) it would be a name with no effect, so
 * SET_DOMAIN refuses it, and the region keeps its creator's domain.
 */
TEST_F(domain, set_domain_on_a_region_not_mergeable_is_einval)
{
	static const __u32 flags[] = ADT_NOT_MERGEABLE_FLAGS;
	struct aether_dedupe_region_stats st;
	struct adt_region r;
	size_t i;

	for (i = 0; i < AEMT_ARRAY_SIZE(flags); i++) {
		r.fd = -1;
		ASSERT_EQ(0, adt_region_make(self->mm, flags[i], 2, &r))
			TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ(-EINVAL, adt_set_domain(self->dfd, r.fd, "nm"))
			TH_LOG("flags %#x", flags[i]);
		ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
		EXPECT_STREQ("", st.domain)
			TH_LOG("flags %#x", flags[i]);
		adt_region_drop(&r);
	}
	/* The same call on a MERGEABLE region is taken: the name is good. */
	r.fd = -1;
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 2, &r));
	EXPECT_EQ(0, adt_set_domain(self->dfd, r.fd, "nm"));
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_STREQ("nm", st.domain);
	adt_region_drop(&r);
}

/* ---- REGION_STATS ------------------------------------------------------ */

TEST_F_TIMEOUT(domain, region_stats_gives_the_regions_own_figures, 120)
{
	struct aether_dedupe_region_stats st;
	struct adt_region r = { .fd = -1 };
	size_t i;
	int w;

	/* Pages 0..3 equal, 4..7 unique. */
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	for (i = 0; i < NP; i++)
		adt_region_fill(&r, i, i < HALF ? 600 : 600 + i);
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_EQ(NP, st.pages);
	EXPECT_EQ(0, st.merging_pages);
	EXPECT_EQ(0, st.merges);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, NULL, NULL, 3);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_EQ(NP, st.pages);
	EXPECT_EQ(HALF, st.merging_pages);
	EXPECT_EQ(HALF, st.merges);
	EXPECT_EQ(0, st.zero_pages);
	EXPECT_LE(NP, st.rmap_items);
	/*
	 * KSM's ksm_process_profit: the region's four merging pages (the
	 * shared frame is no region's), less the engine's metadata for its
	 * eight pages, which is far below a page.
	 */
	EXPECT_GE((__s64)(HALF * r.page), st.profit);
	EXPECT_LT((__s64)((HALF - 1) * r.page), st.profit);
	EXPECT_STREQ("", st.domain);
	adt_region_drop(&r);
}

struct foreign {
	int rfd;	/* root's region, inherited */
};

/* As alice: her own region yes, root's (an inherited fd) -EACCES. */
static int alice_stats(void *arg)
{
	struct foreign *f = arg;
	struct aether_dedupe_region_stats st;
	struct adt_region r = { .fd = -1 };
	int mm = aemt_open(), dfd = adt_open(), ret;

	if (mm < 0 || dfd < 0)
		return -ENODEV;
	ret = adt_region_make(mm, ADT_MERGEABLE, 2, &r);
	if (!ret)
		ret = adt_region_stats(dfd, r.fd, &st);
	if (!ret && st.pages != 2)
		ret = -EIO;
	if (!ret) {
		ret = adt_region_stats(dfd, f->rfd, &st);
		ret = ret == -EACCES ? 0 : (ret ? ret : -EIO);
	}
	adt_region_drop(&r);
	close(dfd);
	close(mm);
	return ret;
}

TEST_F_TIMEOUT(domain, region_stats_of_another_uids_region_is_eacces, 120)
{
	struct adt_region r = { .fd = -1 };
	struct foreign f;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 2, &r));
	f.rfd = r.fd;
	EXPECT_EQ(0, aemt_run_as(&aemt_alice, alice_stats, &f));
	adt_region_drop(&r);
}

TEST_F_TIMEOUT(domain, region_stats_of_no_fd_is_ebadf, 120)
{
	struct aether_dedupe_region_stats st;

	EXPECT_EQ(-EBADF, adt_region_stats(self->dfd, -1, &st));
	EXPECT_EQ(-EBADF, adt_region_stats(self->dfd, 9999, &st));
}

TEST_F(domain, region_stats_of_an_fd_that_is_no_region_is_einval)
{
	struct aether_dedupe_region_stats st;

	EXPECT_EQ(-EINVAL, adt_region_stats(self->dfd, self->dfd, &st));
	EXPECT_EQ(-EINVAL, adt_region_stats(self->dfd, self->mm, &st));
}

TEST_HARNESS_MAIN
