// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_merge_test.c - what aether_ksmd does to the pages of MERGEABLE
 * regions
 *
 * Two processes with equal pages end on one frame (REGION_QUERY's frame
 * id, state SHARED) once the scanner ran; a write on either side gets a
 * private copy and both sides keep the right bytes (read and
 * REGION_CHECKSUM), each page hashed once; no wake-up of the scanner
 * hashes more pages than it visits, and a page that stays unique is
 * hashed every other pass; the in-kernel self-test of a pair's hash
 * check passes on a region of ours; zero-filled pages go to the zero
 * page with use_zero_pages; max_page_sharing = 2 makes chains; pages
 * rewritten every pass are counted volatile and never merged; smart scan
 * skips pages that did not merge; the advisor moves pages_to_scan
 * towards its target; run = 2 and unloading the module give every page
 * a private frame again with its bytes intact.
 *
 * The tests wait for conditions bounded by full scans (adt_wait()),
 * never for a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

#define NP		32	/* pages of each region */

ADT_FIXTURE(merge);

/* Region @r and peer @p, page i of both holding seed i + 1. */
struct pair {
	struct adt_region *r;
	struct adt_peer *p;
	__u64 peer[ADT_PEER_MAX_PAGES];
};

/* Every page of the pair on one frame, a page's own. */
static bool pair_merged(void *arg)
{
	struct pair *x = arg;
	size_t i;

	if (adt_peer_frames(x->p, x->peer))
		return false;
	for (i = 0; i < x->r->pages; i++)
		if (!x->peer[i] || adt_frame(x->r, i) != x->peer[i])
			return false;
	return true;
}

static int pair_start(int mm, struct adt_region *r, struct adt_peer *p)
{
	size_t i;
	int ret;

	/*
	 * The peer first: a fork that happened after would map a
	 * copy-on-write image of @r too.
	 */
	memset(p, 0, sizeof(*p));
	p->flags = ADT_MERGEABLE;
	p->pages = NP;
	for (i = 0; i < NP; i++)
		p->seeds[i] = i + 1;
	ret = adt_peer_start(p);
	if (ret)
		return ret;
	ret = adt_region_make(mm, ADT_MERGEABLE, NP, r);
	for (i = 0; !ret && i < NP; i++)
		adt_region_fill(r, i, i + 1);
	return ret;
}

/* Start the pair and the scanner; wait until the pair is merged. */
#define PAIR_MERGED(xx, rr, pp)						\
do {									\
	int __w;							\
									\
	ASSERT_EQ(0, pair_start(self->mm, (rr), (pp)));			\
	(xx)->r = (rr);							\
	(xx)->p = (pp);							\
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));	\
	__w = adt_wait(self->dfd, pair_merged, (xx), ADT_SCANS);		\
	ASSERT_EQ(0, __w) TH_LOG("pair not merged: %s",			\
				 adt_wait_error(__w));			\
} while (0)

TEST_F_TIMEOUT(merge, two_processes_with_equal_pages_end_on_one_frame, 120)
{
	struct adt_region r = { .fd = -1 };
	struct adt_peer p;
	struct pair x;
	struct aether_dedupe_counters c;
	struct aether_dedupe_region_stats st;
	__u32 states[NP];
	size_t i;

	PAIR_MERGED(&x, &r, &p);
	ASSERT_EQ(0, adt_peer_states(&p, states));
	for (i = 0; i < NP; i++) {
		EXPECT_EQ(AETHER_MM_PAGE_SHARED, adt_state(&r, i));
		EXPECT_EQ(AETHER_MM_PAGE_SHARED, states[i]);
		EXPECT_TRUE(adt_region_holds(&r, i, i + 1));
		EXPECT_TRUE(adt_region_crc_ok(&r, i, i + 1));
		if (i)
			EXPECT_NE(x.peer[i - 1], x.peer[i]);
	}
	/* A merged page is a fresh frame, neither region's. */
	EXPECT_EQ(0, adt_resident(&r));
	ASSERT_EQ(0, adt_counters(self->dfd, &c));
	EXPECT_EQ(NP, c.pages_shared);
	EXPECT_EQ(NP, c.pages_sharing);
	EXPECT_LE(2 * NP, c.merges);
	EXPECT_LT(0, c.general_profit);
	EXPECT_LE(2, c.full_scans);
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_EQ(NP, st.pages);
	EXPECT_EQ(NP, st.merging_pages);
	EXPECT_EQ(NP, st.merges);
	EXPECT_STREQ("", st.domain);
	ASSERT_EQ(0, adt_peer_verify(&p, &c.pages_shared));
	EXPECT_EQ(0, c.pages_shared);
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/*
 * Each page is hashed once, at its first visit: the second visit looks it
 * up under that hash and, finding nothing, files it under it unchecked;
 * the page that pairs with it checks it by the hash of the new frame,
 * which the core takes as it fills it.  Hashing the first page of each
 * pair again at its second visit made it 3 * NP.
 */
TEST_F_TIMEOUT(merge, each_page_of_a_pair_is_hashed_once, 120)
{
	struct adt_region r = { .fd = -1 };
	long long before, after;
	struct adt_peer p;
	struct pair x;
	int w;

	if (adt_debugfs_stat("pages_hashed", &before))
		SKIP(return, "no debugfs aether/dedupe/stats");
	PAIR_MERGED(&x, &r, &p);
	/* A pass over merged pages only: nothing more to hash. */
	w = adt_wait(self->dfd, NULL, NULL, 2);
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_debugfs_stat("pages_hashed", &after));
	EXPECT_EQ(2 * NP, after - before);
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/* ---- a wake-up's hashes ------------------------------------------------------------ */

#define WK_PAGES	512
#define WK_PTS		64
#define WK_PASSES	4

static double wk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a debugfs file of the engine's through: it waits for the engine. */
static int wk_engine_idle(void)
{
	char buf[4096];
	ssize_t n;
	int fd = open(ADT_DEBUGFS "/regions", O_RDONLY);

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0);
	close(fd);
	return n < 0 ? -errno : 0;
}

struct wk_step {
	long long hashed;	/* pages_hashed's rise */
	long long scanned;	/* pages_scanned's */
	bool ended;		/* full_scans rose: it ended a pass */
};

/*
 * One wake-up of aether_ksmd: the SET of @bit to @val wakes it (its
 * sleep is the longest there is); its batch has begun once it visited a
 * page or ended a pass, and it holds the engine until the batch is done,
 * so a read of debugfs regions returns after it.
 */
static int wk_wake_once(int dfd, __u32 bit, __u32 val, struct wk_step *st)
{
	struct aether_dedupe_counters c0, c1;
	long long h0, h1;
	double t;
	int ret;

	ret = adt_debugfs_stat("pages_hashed", &h0);
	if (!ret)
		ret = adt_counters(dfd, &c0);
	if (!ret)
		ret = adt_set1(dfd, bit, val);
	if (ret)
		return ret;
	t = wk_now();
	do {
		if (wk_now() - t > ADT_STUCK_SECS)
			return -ETIMEDOUT;
		usleep(1000);
		ret = adt_counters(dfd, &c1);
		if (ret)
			return ret;
	} while (c1.pages_scanned == c0.pages_scanned &&
		 c1.full_scans == c0.full_scans);
	ret = wk_engine_idle();
	if (!ret)
		ret = adt_debugfs_stat("pages_hashed", &h1);
	if (!ret)
		ret = adt_counters(dfd, &c1);
	if (ret)
		return ret;
	st->hashed = h1 - h0;
	st->scanned = c1.pages_scanned - c0.pages_scanned;
	st->ended = c1.full_scans != c0.full_scans;
	return 0;
}

/*
 * WK_PAGES unique pages, pages_to_scan WK_PTS, the scanner stepped one
 * wake-up at a time over WK_PASSES passes: no wake-up hashes more pages
 * than it visits (at most pages_to_scan a batch), the one that ends a
 * pass included (a candidate nobody paired with is hashed at its next visit,
 * within that visit's budget, never all at the pass's end).  And a page
 * that stays unique is hashed every other pass: at its first visit; not
 * at its second (filed under its last hash unchecked); at its third
 * (left unpaired, it is checked); not at its fourth.  Counts only.
 */
TEST_F_TIMEOUT(merge, no_wake_up_hashes_more_pages_than_it_visits, 300)
{
	long long per_pass[WK_PASSES] = {}, v;
	struct adt_region r = { .fd = -1 };
	struct wk_step st;
	unsigned int pass = 0, steps = 0;
	size_t i;
	int ret;

	if (adt_debugfs_stat("pages_hashed", &v))
		SKIP(return, "no debugfs aether/dedupe/stats");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, WK_PAGES, &r));
	for (i = 0; i < WK_PAGES; i++)
		adt_region_fill(&r, i, 0x3e000 + i);
	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_PAGES_TO_SCAN,
			      WK_PTS));
	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_SLEEP_MILLISECS,
			      60000));
	while (pass < WK_PASSES) {
		/* Twice the wake-ups the passes need, and the pass ends. */
		ASSERT_GT(2 * WK_PASSES * (WK_PAGES / WK_PTS + 1), steps++);
		/* The first wake-up is run = 1's, the others a SET's. */
		if (steps == 1)
			ret = wk_wake_once(self->dfd, AETHER_DEDUPE_SET_RUN,
					   AETHER_DEDUPE_RUN_MERGE, &st);
		else
			ret = wk_wake_once(self->dfd,
					   AETHER_DEDUPE_SET_SLEEP_MILLISECS,
					   60000, &st);
		ASSERT_EQ(0, ret) TH_LOG("wake-up %u: %s", steps,
					 strerror(-ret));
		/*
		 * Within its visits, each batch's at most pages_to_scan.  A
		 * SET's kick can land after the batch it woke saw the change
		 * and give a second batch at once (harmless: the knobs did
		 * change), so a step may hold two batches' visits.
		 */
		EXPECT_GE(st.scanned, st.hashed) TH_LOG("wake-up %u of pass %u",
							steps, pass + 1);
		per_pass[pass] += st.hashed;
		if (st.ended)
			pass++;
	}
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	TH_LOG("hashes per pass: %lld %lld %lld %lld", per_pass[0],
	       per_pass[1], per_pass[2], per_pass[3]);
	EXPECT_EQ(WK_PAGES, per_pass[0]);
	EXPECT_EQ(0, per_pass[1]);
	EXPECT_EQ(WK_PAGES, per_pass[2]);
	EXPECT_EQ(0, per_pass[3]);
	for (i = 0; i < WK_PAGES; i++)
		EXPECT_TRUE(adt_region_holds(&r, i, 0x3e000 + i));
	adt_region_drop(&r);
}

/*
 * Two equal pages of an unprivileged user at aether_mm's user_max_pages:
 * every pair they make is refused (aem_share_new(): -EDQUOT, the new
 * shared frame would take the user over), so they stay private.  The
 * page that meets the other, filed under its last hash unchecked, must
 * still be hashed and filed as if it met none: over four passes after
 * the first, at least four hashes (each page at least every other
 * pass; six here).  A first version left that page out (neither hashed
 * nor filed) for as long as the refusals lasted: two hashes, the other
 * page's alone.
 */
#define UMP	"/sys/module/aether_mm/parameters/user_max_pages"

TEST_F_TIMEOUT(merge, a_page_whose_pairs_are_refused_is_still_hashed, 180)
{
	char old[32];
	struct adt_peer p = { .user = &aemt_alice, .flags = ADT_MERGEABLE,
			      .pages = 2, .seeds = { 0x3d000, 0x3d000 } };
	long long h0, h1;
	__u64 fr[2];
	int ret;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	if (adt_debugfs_stat("pages_hashed", &h0))
		SKIP(return, "no debugfs aether/dedupe/stats");
	ASSERT_LE(0, aet_read_file(UMP, old, sizeof(old)));
	old[strcspn(old, "\n")] = 0;
	ASSERT_EQ(0, adt_peer_start(&p));
	/* Its two frames and nothing more. */
	ASSERT_EQ(0, aet_write_file(UMP, "2"));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	ret = adt_wait(self->dfd, NULL, NULL, 1);
	if (!ret)
		ret = adt_debugfs_stat("pages_hashed", &h0);
	if (!ret)
		ret = adt_wait(self->dfd, NULL, NULL, 4);
	if (!ret)
		ret = adt_debugfs_stat("pages_hashed", &h1);
	EXPECT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	EXPECT_EQ(0, aet_write_file(UMP, old));
	ASSERT_EQ(0, ret) TH_LOG("%s", adt_wait_error(ret));
	/* The premise: refused, so never merged. */
	ASSERT_EQ(0, adt_peer_frames(&p, fr));
	ASSERT_NE(fr[0], fr[1]) TH_LOG("merged: the bound did not refuse");
	EXPECT_LE(4, h1 - h0) TH_LOG("hashes in 4 passes: %lld", h1 - h0);
	EXPECT_EQ(0, adt_peer_stop(&p));
}

/*
 * The in-kernel self-test of a pass's candidates (aether_dedupe's
 * engine_test.c) on a region of ours: a candidate filed unchecked under
 * its last hash and a checked one, each holding other bytes than that
 * hash's, refused by the hash of the pair's frame, and the page that met
 * them filed in their place or found volatile.  Pages 0 and 2 hold the
 * same bytes, page 1 others.  The region was forked first: the self-test
 * writes no page, so both images, the parent's and the child's, still
 * hold what was written before the fork (a first version wrote its own
 * bytes into the frames, the child's image with them).
 */
TEST_F_TIMEOUT(merge, the_pair_check_refuses_candidates_that_changed, 120)
{
	struct adt_region r = { .fd = -1 };
	__u64 seed[3];
	unsigned int bad;
	int fd, go[2], status;
	char buf[16], c;
	ssize_t n;
	size_t i;
	pid_t pid;

	fd = open(ADT_DEBUGFS "/pair_selftest", O_WRONLY);
	if (fd < 0)
		SKIP(return, "no debugfs aether/dedupe/pair_selftest (selftest=0)");
	/*
	 * Bytes no other region of the run holds (a page of another test
	 * or the bench with them would pair with ours: review s35 F8).
	 */
	seed[0] = seed[2] = 0x3f000 ^ (__u64)getpid() << 20 ^
			    (__u64)time(NULL) << 40;
	seed[1] = seed[0] + 1;
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 3, &r));
	for (i = 0; i < 3; i++)
		adt_region_fill(&r, i, seed[i]);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child's image: checked once the self-test ran. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		for (i = 0; i < 3; i++)
			if (!adt_region_holds(&r, i, seed[i]))
				_exit(1);
		_exit(0);
	}
	close(go[0]);
	snprintf(buf, sizeof(buf), "%d", r.fd);
	n = write(fd, buf, strlen(buf));
	EXPECT_EQ((ssize_t)strlen(buf), n) TH_LOG("pair_selftest: %s (see the kernel log)",
						  strerror(errno));
	close(fd);
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the child's image changed (status %#x)", status);
	for (i = 0, bad = 0; i < 3; i++)
		if (!adt_region_holds(&r, i, seed[i]))
			bad |= 1u << i;
	EXPECT_EQ(0, bad) TH_LOG("pages changed (a bit each): %#x", bad);
	adt_region_drop(&r);
}

TEST_F_TIMEOUT(merge, a_write_on_either_side_unshares_with_the_right_bytes, 120)
{
	struct adt_region r = { .fd = -1 };
	struct adt_peer p;
	struct pair x;
	struct aether_dedupe_counters c0, c1;
	__u64 bad;
	size_t i;

	PAIR_MERGED(&x, &r, &p);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	adt_region_fill(&r, 0, 1000);
	ASSERT_EQ(0, adt_peer_fill(&p, 1, 2000));
	ASSERT_EQ(0, adt_peer_frames(&p, x.peer));
	EXPECT_NE(x.peer[0], adt_frame(&r, 0));
	EXPECT_NE(x.peer[1], adt_frame(&r, 1));
	EXPECT_EQ(AETHER_MM_PAGE_OWN, adt_state(&r, 0));
	EXPECT_EQ(AETHER_MM_PAGE_SHARED, adt_state(&r, 1));
	for (i = 2; i < NP; i++)
		EXPECT_EQ(x.peer[i], adt_frame(&r, i));
	EXPECT_TRUE(adt_region_holds(&r, 0, 1000));
	EXPECT_TRUE(adt_region_crc_ok(&r, 0, 1000));
	EXPECT_TRUE(adt_region_holds(&r, 1, 2));
	EXPECT_TRUE(adt_region_crc_ok(&r, 1, 2));
	/* The peer: page 0 still 1, page 1 its 2000, the rest untouched. */
	ASSERT_EQ(0, adt_peer_verify(&p, &bad));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(1, adt_resident(&r));
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	EXPECT_EQ(c0.cow_unshares + 2, c1.cow_unshares);
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/* ---- zero pages ------------------------------------------------------------- */

struct zero_wait {
	int dfd;
	struct adt_region *r;
	__u64 want;
};

static bool zero_done(void *arg)
{
	struct zero_wait *z = arg;
	struct aether_dedupe_region_stats st;

	return !adt_region_stats(z->dfd, z->r->fd, &st) &&
	       st.zero_pages >= z->want;
}

TEST_F_TIMEOUT(merge, zero_filled_pages_go_to_the_zero_page, 120)
{
	struct adt_region r = { .fd = -1 };
	struct zero_wait z = { .dfd = self->dfd, .r = &r, .want = NP / 2 };
	struct aether_dedupe_region_stats st;
	struct aether_dedupe_counters c0, c1;
	size_t i;
	int w;

	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_USE_ZERO_PAGES, 1));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	/* Even pages written with zeroes (a frame each), odd unique. */
	for (i = 0; i < NP; i++)
		adt_region_fill(&r, i, i & 1 ? 3000 + i : ADT_ZERO);
	ASSERT_EQ(NP, adt_resident(&r));
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, zero_done, &z, ADT_SCANS);
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, adt_region_stats(self->dfd, r.fd, &st));
	EXPECT_EQ(NP / 2, st.zero_pages);
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	EXPECT_EQ(c0.zero_pages + NP / 2, c1.zero_pages);
	/* No shared frame for them: the zero page is no allocation. */
	EXPECT_EQ(0, c1.pages_shared);
	EXPECT_EQ(NP / 2, adt_resident(&r));
	for (i = 0; i < NP; i++) {
		EXPECT_TRUE(adt_region_holds(&r, i, i & 1 ? 3000 + i : ADT_ZERO));
		EXPECT_TRUE(adt_region_crc_ok(&r, i,
					      i & 1 ? 3000 + i : ADT_ZERO));
	}
	/* A write to one gets a frame again, the others stay. */
	adt_region_fill(&r, 0, 77);
	EXPECT_TRUE(adt_region_holds(&r, 0, 77));
	EXPECT_TRUE(adt_region_holds(&r, 2, ADT_ZERO));
	EXPECT_EQ(NP / 2 + 1, adt_resident(&r));
	adt_region_drop(&r);
}

/* ---- chains ----------------------------------------------------------------- */

#define CHAIN_PAGES	6

static bool all_shared(void *arg)
{
	struct adt_region *r = arg;
	size_t i;

	for (i = 0; i < r->pages; i++)
		if (adt_state(r, i) != AETHER_MM_PAGE_SHARED)
			return false;
	return true;
}

TEST_F_TIMEOUT(merge, max_page_sharing_two_gives_chains_of_frames, 120)
{
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_counters c;
	__u64 f[CHAIN_PAGES];
	size_t i, j, distinct = 0, same;
	int w;

	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_MAX_PAGE_SHARING, 2));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, CHAIN_PAGES, &r));
	for (i = 0; i < CHAIN_PAGES; i++)
		adt_region_fill(&r, i, 5);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, all_shared, &r, ADT_SCANS);
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	for (i = 0; i < CHAIN_PAGES; i++) {
		f[i] = adt_frame(&r, i);
		EXPECT_TRUE(adt_region_holds(&r, i, 5));
	}
	/* Each frame serves two pages at most: three frames. */
	for (i = 0; i < CHAIN_PAGES; i++) {
		same = 0;
		for (j = 0; j < CHAIN_PAGES; j++)
			same += f[j] == f[i];
		EXPECT_GE(2, same) TH_LOG("frame of page %zu", i);
		for (j = 0; j < i && f[j] != f[i]; j++)
			;
		distinct += j == i;
	}
	EXPECT_EQ(CHAIN_PAGES / 2, distinct);
	ASSERT_EQ(0, adt_counters(self->dfd, &c));
	EXPECT_EQ(1, c.stable_node_chains);
	EXPECT_EQ(CHAIN_PAGES / 2, c.stable_node_dups);
	EXPECT_EQ(CHAIN_PAGES / 2, c.pages_shared);
	EXPECT_EQ(CHAIN_PAGES / 2, c.pages_sharing);
	adt_region_drop(&r);
}

/* ---- volatile pages ----------------------------------------------------------- */

struct writer {
	int dfd;
	struct adt_region *a, *b;
	int stop;
	__u64 rounds;
	__u64 late;	/* passes that ended during a round, or without one */
	__u64 start;	/* full_scans before the scanner starts */
};

/*
 * After each pass, new bytes in every page (A's and B's equal): every
 * pass sees every page changed since the last one.  The scanner sleeps
 * VOLATILE_SLEEP_MS between passes, far longer than a round.
 */
static void *rewrite(void *arg)
{
	struct writer *w = arg;
	struct aether_dedupe_counters c;
	__u64 seen;
	size_t i;

	aemt_pin_cpu(1);
	/* The first round after the first pass. */
	seen = w->start;
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		if (adt_counters(w->dfd, &c))
			break;
		if (c.full_scans == seen) {
			usleep(1000);
			continue;
		}
		/*
		 * A pass went by without a round: a starved writer (the first
		 * wake-up may end two passes: the one under way and a new one).
		 */
		if (w->rounds >= 2 && c.full_scans > seen + 1)
			w->late++;
		seen = c.full_scans;
		w->rounds++;
		for (i = 0; i < w->a->pages; i++) {
			adt_region_fill(w->a, i, (w->rounds << 16) + i + 1);
			adt_region_fill(w->b, i, (w->rounds << 16) + i + 1);
		}
		if (!adt_counters(w->dfd, &c) && c.full_scans != seen &&
		    w->rounds >= 2)
			w->late++;
	}
	return NULL;
}

#define VOLATILE_SLEEP_MS	200

static bool two_rounds(void *arg)
{
	struct writer *w = arg;

	return __atomic_load_n(&w->rounds, __ATOMIC_RELAXED) >= 2;
}

/*
 * One measurement; its writer's late rounds in *@late (the caller tries
 * again: a starved box proves nothing either way).
 */
static void volatile_once(struct __test_metadata *_metadata,
			  FIXTURE_DATA(merge) *self, __u64 *late)
{
	struct adt_region a = { .fd = -1 }, b = { .fd = -1 };
	struct writer w = { .dfd = self->dfd, .a = &a, .b = &b };
	struct aether_dedupe_region_stats sa, sb, sa0, sb0;
	struct aether_dedupe_counters c0, c1;
	pthread_t t;
	size_t i;
	int ret;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 8, &a));
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 8, &b));
	for (i = 0; i < 8; i++) {
		adt_region_fill(&a, i, i + 1);
		adt_region_fill(&b, i, i + 1);
	}
	ASSERT_EQ(0, adt_set1(self->dfd, AETHER_DEDUPE_SET_SLEEP_MILLISECS,
			      VOLATILE_SLEEP_MS));
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	w.start = c0.full_scans;	/* the scanner is stopped */
	ASSERT_EQ(0, pthread_create(&t, NULL, rewrite, &w));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	/* Counted from the writer's second round on. */
	ret = adt_wait(self->dfd, two_rounds, &w, ADT_SCANS);
	if (!ret)
		ret = adt_counters(self->dfd, &c0);
	if (!ret)
		ret = adt_region_stats(self->dfd, a.fd, &sa0);
	if (!ret)
		ret = adt_region_stats(self->dfd, b.fd, &sb0);
	if (!ret)
		ret = adt_wait(self->dfd, NULL, NULL, 4);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, ret) TH_LOG("%s", adt_wait_error(ret));
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	TH_LOG("%llu rounds of writes (%llu late), volatile %llu -> %llu",
	       (unsigned long long)w.rounds, (unsigned long long)w.late,
	       (unsigned long long)c0.pages_volatile,
	       (unsigned long long)c1.pages_volatile);
	*late = w.late;
	if (w.late) {
		adt_region_drop(&a);
		adt_region_drop(&b);
		return;
	}
	EXPECT_LE(4, w.rounds);
	/* A gauge: every page changed since the pass before the last. */
	EXPECT_LE(16, c1.pages_volatile);
	ASSERT_EQ(0, adt_region_stats(self->dfd, a.fd, &sa));
	ASSERT_EQ(0, adt_region_stats(self->dfd, b.fd, &sb));
	EXPECT_EQ(sa0.merges, sa.merges);
	EXPECT_EQ(sb0.merges, sb.merges);
	EXPECT_EQ(c0.merges, c1.merges);
	adt_region_drop(&a);
	adt_region_drop(&b);
}

TEST_F_TIMEOUT(merge, pages_rewritten_every_pass_are_volatile_and_not_merged, 360)
{
	__u64 late = 0;
	int i;

	/* A round that overran a pass proves nothing: the box was starved. */
	for (i = 0; i < 3; i++) {
		volatile_once(_metadata, self, &late);
		if (!late)
			break;
		TH_LOG("attempt %d: a round overran a pass, again", i + 1);
	}
	ASSERT_EQ(0, late) TH_LOG("starved in every attempt");
}

/* ---- smart scan ------------------------------------------------------------------ */

FIXTURE_VARIANT(smart) {
	__u32 smart_scan;
};

ADT_FIXTURE_KNOB(smart, AETHER_DEDUPE_SET_SMART_SCAN, smart_scan, 1);

FIXTURE_VARIANT_ADD(smart, on) {
	.smart_scan = 1,
};

FIXTURE_VARIANT_ADD(smart, off) {
	.smart_scan = 0,
};

/*
 * Unique pages never merge: with smart scan they are skipped for 1, 2,
 * 4, 8 passes, so over ten passes most visits are skips; without it none
 * is.
 */
TEST_F_TIMEOUT(smart, unique_pages_are_skipped_only_with_smart_scan, 120)
{
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_counters c0, c1;
	size_t i;
	int w;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, NP, &r));
	for (i = 0; i < NP; i++)
		adt_region_fill(&r, i, 7000 + i);
	ASSERT_EQ(0, adt_counters(self->dfd, &c0));
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, NULL, NULL, 10);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_counters(self->dfd, &c1));
	TH_LOG("skipped %llu, scanned %llu over %llu passes",
	       (unsigned long long)(c1.pages_skipped - c0.pages_skipped),
	       (unsigned long long)(c1.pages_scanned - c0.pages_scanned),
	       (unsigned long long)(c1.full_scans - c0.full_scans));
	if (variant->smart_scan) {
		/* At least one skip of every page. */
		EXPECT_LE(c0.pages_skipped + NP, c1.pages_skipped);
	} else {
		EXPECT_EQ(c0.pages_skipped, c1.pages_skipped);
		/* Every page visited in every completed pass. */
		EXPECT_LE(c0.pages_scanned + 9 * NP, c1.pages_scanned);
	}
	for (i = 0; i < NP; i++)
		EXPECT_TRUE(adt_region_holds(&r, i, 7000 + i));
	EXPECT_EQ(NP, adt_resident(&r));
	adt_region_drop(&r);
}

/* ---- the advisor --------------------------------------------------------------------- */

/* How far apart two positive figures are, as a factor >= 1. */
static double factor(double a, double b)
{
	return a > b ? a / b : b / a;
}

#define ADV_PAGES	400
#define ADV_SLEEP_MS	50
#define ADV_START	5

/*
 * A full scan should take 1 s; with 50 ms sleeps that is about 20
 * wake-ups, so pages_to_scan about 400 / 20 = 20.  Starting at 5 (a pass
 * takes 4 s), the advisor must move it up, and end nearer 20 than it
 * began.  A ratio of the advisor's own figures, not a timing.
 */
TEST_F_TIMEOUT(merge, the_advisor_moves_pages_to_scan_towards_its_target, 120)
{
	struct aether_dedupe_knobs k = {
		.pages_to_scan = ADV_START,
		.sleep_millisecs = ADV_SLEEP_MS,
		.advisor_target_scan_time = 1,
		.advisor_max_cpu = 100,
		.advisor_min_pages_to_scan = ADV_START,
		.advisor_max_pages_to_scan = 100000,
		.advisor_mode = AETHER_DEDUPE_ADVISOR_SCAN_TIME,
	};
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_knobs now;
	double want, before, after;
	size_t i;
	int w;

	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, ADV_PAGES, &r));
	for (i = 0; i < ADV_PAGES; i++)
		adt_region_fill(&r, i, 9000 + i);
	ASSERT_EQ(0, adt_set(self->dfd, AETHER_DEDUPE_SET_PAGES_TO_SCAN |
			     AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k));
	ASSERT_EQ(0, adt_set(self->dfd, AETHER_DEDUPE_SET_ADVISOR_TARGET |
			     AETHER_DEDUPE_SET_ADVISOR_MAX_CPU |
			     AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES |
			     AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES |
			     AETHER_DEDUPE_SET_ADVISOR_MODE, &k));
	ASSERT_EQ(0, adt_knobs(self->dfd, &now));
	EXPECT_EQ(AETHER_DEDUPE_ADVISOR_SCAN_TIME, now.advisor_mode);
	before = now.pages_to_scan;
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_MERGE));
	w = adt_wait(self->dfd, NULL, NULL, 4);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	ASSERT_EQ(0, w) TH_LOG("%s", adt_wait_error(w));
	ASSERT_EQ(0, adt_knobs(self->dfd, &now));
	want = (double)ADV_PAGES * ADV_SLEEP_MS / 1000.0;
	after = now.pages_to_scan;
	TH_LOG("pages_to_scan %.0f -> %.0f, the target's %.0f", before, after,
	       want);
	EXPECT_LE(ADV_START, now.pages_to_scan);
	EXPECT_GE(100000, now.pages_to_scan);
	EXPECT_LT(before, after);
	EXPECT_LT(factor(after, want), factor(before, want));
	adt_region_drop(&r);
}

/* ---- unmerging ------------------------------------------------------------------------ */

TEST_F_TIMEOUT(merge, run_two_gives_every_page_a_private_frame_with_its_bytes, 120)
{
	struct adt_region r = { .fd = -1 };
	struct aether_dedupe_counters c;
	struct adt_peer p;
	struct pair x;
	struct aether_dedupe_knobs k;
	__u32 states[NP];
	__u64 bad;
	size_t i;

	PAIR_MERGED(&x, &r, &p);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_UNMERGE));
	/* Unmerged, then stopped: nothing merges again. */
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(AETHER_DEDUPE_RUN_STOP, k.run);
	ASSERT_EQ(0, adt_counters(self->dfd, &c));
	EXPECT_EQ(0, c.pages_shared);
	EXPECT_EQ(0, c.pages_sharing);
	EXPECT_EQ(NP, adt_resident(&r));
	ASSERT_EQ(0, adt_peer_frames(&p, x.peer));
	ASSERT_EQ(0, adt_peer_states(&p, states));
	for (i = 0; i < NP; i++) {
		EXPECT_NE(x.peer[i], adt_frame(&r, i));
		EXPECT_EQ(AETHER_MM_PAGE_OWN, adt_state(&r, i));
		EXPECT_EQ(AETHER_MM_PAGE_OWN, states[i]);
		EXPECT_TRUE(adt_region_holds(&r, i, i + 1));
		EXPECT_TRUE(adt_region_crc_ok(&r, i, i + 1));
	}
	ASSERT_EQ(0, adt_peer_verify(&p, &bad));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/*
 * run = 2 goes on past a poisoned shared frame (review s36 finding 2): a
 * frame found bad stays shared (its users get SIGBUS: nothing of it can
 * be read, so nothing leaks), every other merged page gets its private
 * frame back, and the SET answers EIO.  Two frames poisoned, so that
 * frames lie after the first of them in the stable tree's order
 * whatever that order is (before, the unmerge stopped at the first and
 * left every later frame merged).
 */
TEST_F_TIMEOUT(merge, run_two_goes_on_past_a_poisoned_frame, 120)
{
	static const size_t bad[] = { 5, 20 };
	struct adt_region r = { .fd = -1 };
	struct aether_mm_region_verify v;
	struct aether_dedupe_counters c;
	struct aether_dedupe_knobs k;
	struct adt_peer p;
	struct pair x;
	__u32 states[NP];
	char buf[64];
	size_t i;

	if (access(AEMT_DEBUGFS "/integrity_corrupt", W_OK))
		SKIP(return, "no integrity_corrupt in aether_mm's debugfs");
	PAIR_MERGED(&x, &r, &p);
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_STOP));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(buf, sizeof(buf), "%llu %zu",
			 (unsigned long long)r.id, bad[i]);
		ASSERT_EQ(0, aemt_write_file(AEMT_DEBUGFS "/integrity_corrupt",
					     buf));
	}
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.length = NP * self->page;
	ASSERT_EQ(0, ioctl(r.fd, AETHER_MM_IOC_REGION_VERIFY, &v));
	ASSERT_EQ(ARRAY_SIZE(bad), v.poisoned);

	ASSERT_EQ(-EIO, adt_run(self->dfd, AETHER_DEDUPE_RUN_UNMERGE));
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(AETHER_DEDUPE_RUN_STOP, k.run);
	/* The two poisoned frames, each with its two users; nothing else. */
	ASSERT_EQ(0, adt_counters(self->dfd, &c));
	EXPECT_EQ(ARRAY_SIZE(bad), c.pages_shared);
	EXPECT_EQ(ARRAY_SIZE(bad), c.pages_sharing);
	ASSERT_EQ(0, adt_peer_states(&p, states));
	for (i = 0; i < NP; i++) {
		__u32 want = i == bad[0] || i == bad[1] ?
			     AETHER_MM_PAGE_SHARED : AETHER_MM_PAGE_OWN;

		EXPECT_EQ(want, adt_state(&r, i)) TH_LOG("page %zu", i);
		EXPECT_EQ(want, states[i]) TH_LOG("peer's page %zu", i);
		if (want == AETHER_MM_PAGE_OWN)
			EXPECT_TRUE(adt_region_holds(&r, i, i + 1));
	}
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

/* ---- unload --------------------------------------------------------------------------- */

/*
 * Unloading aether_dedupe with pages merged has aether_mm give every user
 * of every shared frame a private copy first; without the engine
 * REGION_DEDUPE is -ENODEV; loading it again brings the device back.
 */
TEST_F_TIMEOUT(merge, unload_unmerges_everything, 300)
{
	struct adt_region r = { .fd = -1 };
	struct aether_mm_region_dedupe d;
	struct adt_peer p;
	char path[256];
	struct pair x;
	__u32 states[NP];
	__u64 bad;
	size_t i;
	int ret;

	if (aemt_dedupe_ko(path, sizeof(path)))
		SKIP(return, "no aether_dedupe in modules.dep to load again");
	PAIR_MERGED(&x, &r, &p);
	/* Our fd pins the module: close it first. */
	close(self->dfd);
	self->dfd = -1;
	self->restore = false;
	/* Unloaded with its parameters as they read now, to load again. */
	ret = aemt_dedupe_away();
	if (ret) {
		/* Still loaded: the teardown puts the knobs back. */
		self->dfd = adt_open();
		self->restore = self->dfd >= 0;
	}
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	EXPECT_EQ(NP, adt_resident(&r));
	ASSERT_EQ(0, adt_peer_frames(&p, x.peer));
	ASSERT_EQ(0, adt_peer_states(&p, states));
	for (i = 0; i < NP; i++) {
		EXPECT_NE(x.peer[i], adt_frame(&r, i));
		EXPECT_EQ(AETHER_MM_PAGE_OWN, adt_state(&r, i));
		EXPECT_EQ(AETHER_MM_PAGE_OWN, states[i]);
		EXPECT_TRUE(adt_region_holds(&r, i, i + 1));
		EXPECT_TRUE(adt_region_crc_ok(&r, i, i + 1));
	}
	ASSERT_EQ(0, adt_peer_verify(&p, &bad));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(-ENODEV, adt_region_dedupe(r.fd, 0, NP * r.page, &d));
	EXPECT_NE(0, access(ADT_DEBUGFS, F_OK));

	/* Loaded again, its device given /dev/aether_mm's group and mode. */
	ret = aemt_dedupe_back();
	ASSERT_EQ(0, ret) TH_LOG("load %s: %s", path, strerror(-ret));
	self->dfd = adt_open();
	ASSERT_LE(0, self->dfd);
	self->restore = true;
	/* It merges again. */
	EXPECT_EQ(0, adt_region_dedupe(r.fd, 0, NP * r.page, &d));
	EXPECT_EQ(0, adt_peer_stop(&p));
	adt_region_drop(&r);
}

TEST_HARNESS_MAIN
