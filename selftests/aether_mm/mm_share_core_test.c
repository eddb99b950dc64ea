// SPDX-License-Identifier: GPL-2.0
/*
 * mm_share_core_test.c - the core's side of aether_dedupe, without it
 *
 * What include/aether/mm.h gives a merge engine beyond mm_share_test's
 * merges, driven through the naive test engine (debugfs
 * aether/mm/share_naive): zero pages (`zero ID IDX`), trust domains
 * (`domain ID N`: two uids never share a frame unless an administrator
 * puts their regions into one named domain), REGION_DEDUPE on a region
 * fd (its argument errors, and a merge through the naive engine's
 * @range), and shared frames moved by REGION_MIGRATE and compaction with
 * every process still seeing one frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_share_util.h"
#include "mm_region_util.h"
#include "kselftest_harness.h"

#define NAIVE		MSH_NAIVE
#define NPAGES		MSH_NPAGES
#define MERGEABLE	(AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_MERGEABLE)

static bool all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

FIXTURE(core) {
	int fd;
	size_t page;
	struct msh_region a, b;
};

FIXTURE_SETUP(core)
{
	MSH_SETUP_OPEN(self);
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, MERGEABLE, &self->a));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, MERGEABLE, &self->b));
}

FIXTURE_TEARDOWN(core)
{
	msh_region_drop(self->page, &self->a);
	msh_region_drop(self->page, &self->b);
	msh_naive("off");
	if (self->fd >= 0)
		close(self->fd);
}

/* ---- zero pages --------------------------------------------------------- */

TEST_F(core, a_zero_page_reads_zero_and_a_write_gets_a_fresh_frame)
{
	struct aether_mm_region_query q;
	long zero0 = msh_share_stat("zero_pages"), zeroed0 = msh_share_stat("zeroed");
	unsigned char *p = self->a.map + 2 * self->page;

	ASSERT_LE(0, zero0);
	msh_fill(&self->a, self->page, 1, 11);
	msh_fill(&self->a, self->page, 2, 12);
	msh_fill(&self->a, self->page, 3, 13);
	memset(p, 0, self->page);	/* a frame of zeroes */
	ASSERT_EQ(3, msh_resident_of(&self->a));
	ASSERT_EQ(0, msh_naive("zero %llu 2", (unsigned long long)self->a.id));
	EXPECT_EQ(2, msh_resident_of(&self->a));
	EXPECT_EQ(zero0 + 1, msh_share_stat("zero_pages"));
	EXPECT_EQ(zeroed0 + 1, msh_share_stat("zeroed"));
	/* Reads see zeroes, from the zero page: no frame. */
	EXPECT_TRUE(all_zero(p, self->page));
	ASSERT_EQ(0, msh_query(&self->a, self->page, 2, &q));
	EXPECT_EQ(AETHER_MM_PAGE_NONE, q.state);
	EXPECT_EQ(0, q.frame_id);
	EXPECT_EQ(2, msh_resident_of(&self->a));
	/* The neighbours are intact. */
	EXPECT_TRUE(msh_holds(&self->a, self->page, 1, 11));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 3, 13));
	/* A write gets a zeroed frame of its own. */
	p[100] = 0x5a;
	EXPECT_EQ(0x5a, p[100]);
	p[100] = 0;
	EXPECT_TRUE(all_zero(p, self->page));
	ASSERT_EQ(0, msh_query(&self->a, self->page, 2, &q));
	EXPECT_EQ(AETHER_MM_PAGE_OWN, q.state);
	EXPECT_NE(0, q.frame_id);
	EXPECT_EQ(3, msh_resident_of(&self->a));
	EXPECT_EQ(zero0, msh_share_stat("zero_pages"));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 1, 11));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 3, 13));
}

TEST_F(core, a_page_not_all_zero_keeps_its_frame)
{
	long zeroed0 = msh_share_stat("zeroed");

	memset(self->a.map, 0, self->page);
	self->a.map[self->page - 1] = 1;	/* the last byte only */
	EXPECT_EQ(-EAGAIN, msh_naive("zero %llu 0", (unsigned long long)self->a.id));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	EXPECT_EQ(1, self->a.map[self->page - 1]);
	EXPECT_TRUE(all_zero(self->a.map, self->page - 1));
	EXPECT_EQ(zeroed0, msh_share_stat("zeroed"));
}

/*
 * After fork, the parent's old image holds the page: emptying the slot
 * of the child's new image would show it, so that page is refused.
 */
static int child_zero(void *arg)
{
	struct msh_region *a = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char cmd[64];

	memset(a->map, 0, page);	/* the child's own zeroed copy */
	snprintf(cmd, sizeof(cmd), "zero %llu 0", (unsigned long long)a->id);
	if (aemt_write_file(NAIVE, cmd) != -EBUSY)
		return 1;
	return all_zero(a->map, page) ? 0 : 2;
}

TEST_F(core, a_zero_page_never_uncovers_an_older_image)
{
	int status;

	msh_fill(&self->a, self->page, 0, 21);
	status = aemt_run_child(child_zero, &self->a);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 21));
}

/* ---- trust domains ------------------------------------------------------ */

/*
 * bob's region: page 0 holds pattern 1, like root's a:0.  The child
 * writes its region's id to @ids, then for each byte on @go writes the
 * frame id of its page 0 and whether it still holds pattern 1; it ends
 * at EOF.
 */
struct other {
	size_t page;
	int ids[2], go[2];
};

static int other_region(void *arg)
{
	struct other *o = arg;
	struct msh_region r = { .fd = -1 };
	int fd = aemt_open();
	__u64 ans[2];
	char c;

	close(o->ids[0]);
	close(o->go[1]);
	if (fd < 0 || msh_region_make(fd, o->page, MERGEABLE, &r))
		return EXIT_FAILURE;
	msh_fill(&r, o->page, 0, 1);
	if (write(o->ids[1], &r.id, sizeof(r.id)) != sizeof(r.id))
		return EXIT_FAILURE;
	while (read(o->go[0], &c, 1) == 1) {
		ans[0] = msh_frame_of(&r, o->page, 0);
		ans[1] = msh_holds(&r, o->page, 0, 1);
		if (write(o->ids[1], ans, sizeof(ans)) != sizeof(ans))
			return EXIT_FAILURE;
	}
	msh_region_drop(o->page, &r);
	return 0;
}

/* bob's answer: the frame id of his page 0; *@intact: its bytes. */
static __u64 ask_other(struct other *o, bool *intact)
{
	__u64 ans[2];

	if (write(o->go[1], "", 1) != 1 ||
	    read(o->ids[0], ans, sizeof(ans)) != sizeof(ans))
		return 0;
	*intact = ans[1];
	return ans[0];
}

static const struct aet_user bob = {
	.uid = 1001, .gid = 1001,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

TEST_F(core, two_uids_share_only_in_a_named_domain)
{
	struct other o = { .page = self->page };
	bool intact = false;
	__u64 id, bobs, ours;
	pid_t pid;

	if (!aet_can_run_as(&bob))
		SKIP(return, "needs root and the box's users");
	ASSERT_EQ(0, pipe(o.ids));
	ASSERT_EQ(0, pipe(o.go));
	msh_fill(&self->a, self->page, 0, 1);
	pid = aet_start_as(&bob, other_region, &o);
	ASSERT_LT(0, pid);
	close(o.ids[1]);
	close(o.go[0]);
	ASSERT_EQ(sizeof(id), read(o.ids[0], &id, sizeof(id)));

	/* Each in its uid's domain: a full pass merges nothing across. */
	ASSERT_EQ(0, msh_naive("scan"));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	bobs = ask_other(&o, &intact);
	EXPECT_TRUE(intact);
	EXPECT_NE(0, bobs);
	EXPECT_NE(msh_frame_of(&self->a, self->page, 0), bobs);

	/* An administrator puts both regions into domain 7: they share. */
	ASSERT_EQ(0, msh_naive("domain %llu 7", (unsigned long long)self->a.id));
	ASSERT_EQ(0, msh_naive("domain %llu 7", (unsigned long long)id));
	ASSERT_EQ(0, msh_naive("scan"));
	EXPECT_EQ(0, msh_resident_of(&self->a));
	ours = msh_frame_of(&self->a, self->page, 0);
	bobs = ask_other(&o, &intact);
	EXPECT_TRUE(intact);
	EXPECT_NE(0, ours);
	EXPECT_EQ(ours, bobs);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 1));

	/* Leaving the domain unmerges at once: a private copy again. */
	ASSERT_EQ(0, msh_naive("domain %llu 0", (unsigned long long)self->a.id));
	EXPECT_EQ(1, msh_resident_of(&self->a));
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 1));
	EXPECT_NE(msh_frame_of(&self->a, self->page, 0),
		  ask_other(&o, &intact));
	EXPECT_TRUE(intact);
	/* And a pass does not merge it back. */
	ASSERT_EQ(0, msh_naive("scan"));
	EXPECT_EQ(1, msh_resident_of(&self->a));

	close(o.go[1]);
	EXPECT_EQ(0, aet_wait(pid));
	close(o.ids[0]);
}

TEST_F(core, a_domain_change_of_an_unknown_region_fails)
{
	EXPECT_EQ(-ENOENT, msh_naive("domain %llu 7", ~0ULL >> 1));
	EXPECT_EQ(-EINVAL, msh_naive("domain %llu 4294967296",
				 (unsigned long long)self->a.id));
}

/* ---- REGION_DEDUPE ------------------------------------------------------ */

static int dedupe(int rfd, __u64 offset, __u64 length,
		  struct aether_mm_region_dedupe *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->offset = offset;
	d->length = length;
	return ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, d) ? -errno : 0;
}

TEST_F(core, region_dedupe_checks_its_arguments)
{
	struct aether_mm_region_dedupe d;
	size_t len = NPAGES * self->page;
	int rfd = self->a.fd;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d) - 8;
	d.length = self->page;
	EXPECT_EQ(-1, ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.size = sizeof(d);
	d.flags = 1;
	EXPECT_EQ(-1, ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, dedupe(rfd, 1, self->page, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, 0, self->page + 1, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, 0, 0, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, 0, len + self->page, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, len, self->page, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, self->page, -self->page, &d));
	EXPECT_EQ(-EINVAL, dedupe(rfd, -self->page, 2 * self->page, &d));
	EXPECT_EQ(0, dedupe(rfd, 0, len, &d));
	EXPECT_EQ(-EFAULT, ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, NULL) ?
			   -errno : 0);
}

TEST_F(core, region_dedupe_needs_a_mergeable_region_and_a_writer)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_dedupe d;
	struct msh_region p = { .fd = -1 };
	char name[48];
	int rw, ro;
	__u64 id;

	ASSERT_EQ(0, msh_region_make(self->fd, self->page,
				 AETHER_MM_REGION_PRIVATE, &p));
	EXPECT_EQ(-EINVAL, dedupe(p.fd, 0, self->page, &d));
	msh_region_drop(self->page, &p);
	ASSERT_EQ(0, msh_region_make(self->fd, self->page, MERGEABLE |
				 AETHER_MM_REGION_SECURE, &p));
	EXPECT_EQ(-EINVAL, dedupe(p.fd, 0, self->page, &d));
	msh_region_drop(self->page, &p);

	snprintf(name, sizeof(name), "share-core-%d", getpid());
	aemt_region_args(&c, MERGEABLE, NPAGES * self->page);
	c.name = (__u64)(unsigned long)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	rw = c.fd;
	ro = aemt_region_open(self->fd, name, AETHER_MM_REGION_OPEN_RDONLY,
			      &id);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, dedupe(ro, 0, self->page, &d));
	EXPECT_EQ(0, dedupe(rw, 0, self->page, &d));
	close(ro);
	close(rw);
}

TEST_F(core, region_dedupe_without_an_engine_is_enodev)
{
	struct aether_mm_region_dedupe d;

	ASSERT_EQ(0, msh_naive("off"));
	EXPECT_EQ(-ENODEV, dedupe(self->a.fd, 0, self->page, &d));
}

TEST_F(core, region_dedupe_merges_the_range_and_says_what_it_saved)
{
	struct aether_mm_region_dedupe d;
	int i;

	for (i = 0; i < NPAGES; i++)
		msh_fill(&self->a, self->page, i, i < 4 ? 5 : 100 + i);
	ASSERT_EQ(NPAGES, msh_resident_of(&self->a));
	/* Pages 0..3 are equal; the range covers 0..5. */
	ASSERT_EQ(0, dedupe(self->a.fd, 0, 6 * self->page, &d));
	EXPECT_EQ(6, d.scanned);
	EXPECT_EQ(4, d.merged);
	EXPECT_EQ(3 * (__s64)self->page, d.saved);
	EXPECT_EQ(NPAGES - 4, msh_resident_of(&self->a));
	for (i = 0; i < NPAGES; i++)
		EXPECT_TRUE(msh_holds(&self->a, self->page, i,
				  i < 4 ? 5 : 100 + i));
	for (i = 1; i < 4; i++)
		EXPECT_EQ(msh_frame_of(&self->a, self->page, 0),
			  msh_frame_of(&self->a, self->page, i));
	/* Merged already: a second call merges nothing. */
	ASSERT_EQ(0, dedupe(self->a.fd, 0, 6 * self->page, &d));
	EXPECT_EQ(0, d.merged);
	EXPECT_EQ(0, d.saved);
}

/* ---- shared frames move -------------------------------------------------- */

/* Page i of both regions holds pattern i + 1; then a full pass. */
static int fill_and_merge(FIXTURE_DATA(core) *self)
{
	int i;

	for (i = 0; i < NPAGES; i++) {
		msh_fill(&self->a, self->page, i, i + 1);
		msh_fill(&self->b, self->page, i, i + 1);
	}
	return msh_naive("scan");
}

/* @child_sees: a forked child of A's process reads A through its view. */
struct seen {
	struct msh_region *a;
	size_t page;
	__u64 frames[NPAGES];
};

static int child_sees(void *arg)
{
	struct seen *w = arg;
	int i;

	for (i = 0; i < NPAGES; i++) {
		if (!msh_holds(w->a, w->page, i, i + 1))
			return 1;
		if (msh_frame_of(w->a, w->page, i) != w->frames[i])
			return 2;
	}
	return 0;
}

TEST_F(core, region_migrate_moves_a_shared_frame_for_every_user)
{
	struct aether_mm_region_migrate m = {
		.size = sizeof(m),
		.length = NPAGES * self->page,
	};
	struct aether_mm_region_query q;
	struct seen w = { .a = &self->a, .page = self->page };
	long moved = msh_share_stat("moved");
	__u64 before[NPAGES];
	int i, status;

	ASSERT_EQ(0, fill_and_merge(self));
	for (i = 0; i < NPAGES; i++) {
		before[i] = msh_frame_of(&self->a, self->page, i);
		ASSERT_EQ(before[i], msh_frame_of(&self->b, self->page, i));
	}
	ASSERT_EQ(0, msh_query(&self->a, self->page, 0, &q));
	m.node = !q.node;
	if (ioctl(self->a.fd, AETHER_MM_IOC_REGION_MIGRATE, &m)) {
		if (errno == EINVAL)
			SKIP(return, "the pool has one node");
		ASSERT_EQ(0, -errno);
	}
	EXPECT_EQ(NPAGES, m.migrated);
	EXPECT_EQ(0, m.busy);
	EXPECT_EQ(0, m.failed);
	EXPECT_EQ(moved + NPAGES, msh_share_stat("moved"));
	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(0, msh_query(&self->a, self->page, i, &q));
		EXPECT_EQ(m.node, q.node);
		EXPECT_NE(before[i], q.frame_id);
		/* B, another region, follows: still one frame for both. */
		EXPECT_EQ(q.frame_id, msh_frame_of(&self->b, self->page, i));
		EXPECT_TRUE(msh_holds(&self->a, self->page, i, i + 1));
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
		w.frames[i] = q.frame_id;
	}
	EXPECT_EQ(0, msh_resident_of(&self->a));
	EXPECT_EQ(0, msh_resident_of(&self->b));
	/* And so does another process. */
	status = aemt_run_child(child_sees, &w);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The moved frame is still shared: a write unshares the writer. */
	msh_fill(&self->a, self->page, 0, 77);
	EXPECT_TRUE(msh_holds(&self->a, self->page, 0, 77));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 1));
	EXPECT_EQ(w.frames[0], msh_frame_of(&self->b, self->page, 0));
}

static int compact(int fd, int node, struct aether_mm_compact *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = sizeof(*cp);
	cp->node = node;
	return aemt_ioctl(fd, AETHER_MM_IOC_COMPACT, cp);
}

/* A region of @pages bound to node 0, mapped; 0 or -errno. */
static int region_big(int fd, size_t page, __u32 flags, size_t pages,
		      struct msh_region *r)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;

	aemt_region_args(&c, flags, pages * page);
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1;
	if (aemt_region_create(fd, &c))
		return -errno;
	r->fd = c.fd;
	if (aemt_region_info(r->fd, &ri))
		return -errno;
	r->id = ri.id;
	r->map = aemt_region_map(r->fd, pages * page, PROT_READ | PROT_WRITE);
	return r->map == MAP_FAILED ? -errno : 0;
}

#define CPAGES	512

/*
 * Shared frames scattered among a filler region's frames on node 0; the
 * filler closed, compaction empties their pageblocks: every shared frame
 * it moves is still one frame for A and B, with the same bytes.
 */
TEST_F(core, compaction_moves_shared_frames_for_every_user)
{
	struct msh_region A = { .fd = -1 }, B = { .fd = -1 }, F = { .fd = -1 };
	long moved = msh_share_stat("moved");
	struct aether_mm_compact cp;
	__u64 before[CPAGES], fa, fb;
	size_t i, changed = 0;

	ASSERT_EQ(0, region_big(self->fd, self->page, MERGEABLE, CPAGES, &A));
	ASSERT_EQ(0, region_big(self->fd, self->page, MERGEABLE, CPAGES, &B));
	ASSERT_EQ(0, region_big(self->fd, self->page, AETHER_MM_REGION_PRIVATE,
				4 * CPAGES, &F));
	for (i = 0; i < CPAGES; i++) {
		aemt_pattern(A.map + i * self->page, self->page, 9000 + i);
		aemt_pattern(B.map + i * self->page, self->page, 9000 + i);
		memset(F.map + 4 * i * self->page, 1, 4 * self->page);
	}
	ASSERT_EQ(0, msh_naive("scan"));
	for (i = 0; i < CPAGES; i++) {
		before[i] = msh_frame_of(&A, self->page, i);
		ASSERT_EQ(before[i], msh_frame_of(&B, self->page, i));
	}
	munmap(F.map, 4 * CPAGES * self->page);
	close(F.fd);

	ASSERT_EQ(0, compact(self->fd, 0, &cp));
	TH_LOG("scanned %llu isolated %llu migrated %llu busy %llu failed %llu freed %llu",
	       cp.scanned, cp.isolated, cp.migrated, cp.busy, cp.failed,
	       cp.freed);
	for (i = 0; i < CPAGES; i++) {
		fa = msh_frame_of(&A, self->page, i);
		fb = msh_frame_of(&B, self->page, i);
		EXPECT_EQ(fa, fb);
		EXPECT_NE(0, fa);
		changed += fa != before[i];
		if (!msh_holds(&A, self->page, i, 9000 + i) ||
		    !msh_holds(&B, self->page, i, 9000 + i)) {
			EXPECT_TRUE(0);
			break;
		}
	}
	TH_LOG("%zu of %d shared frames moved", changed, CPAGES);
	EXPECT_LT(0, changed);
	/* Background compaction may have moved some too. */
	EXPECT_LE(moved + (long)changed, msh_share_stat("moved"));
	EXPECT_EQ(0, msh_resident_of(&A));
	/* Still shared after the move: a write copies, the other keeps. */
	aemt_pattern(A.map, self->page, 1);
	EXPECT_TRUE(msh_holds(&B, self->page, 0, 9000));
	munmap(A.map, CPAGES * self->page);
	munmap(B.map, CPAGES * self->page);
	close(A.fd);
	close(B.fd);
}

/*
 * NUMA balancing: shared frames made on node 0, then used from node 1's
 * CPU, move to node 1 after their hinting faults, for both regions.
 */
TEST_F_TIMEOUT(core, numa_balancing_moves_a_shared_frame_to_its_user, 300)
{
	struct aether_mm_pool_info pi;
	struct aether_mm_region_query q;
	int cpus[AETHER_MM_MAX_NODES], k;
	long moved = msh_share_stat("numa_moved");
	char old[32] = "";
	size_t i, on1 = 0, sum = 0;

	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	aemt_cpus_of_nodes(cpus);
	if (pi.nr_nodes < 2 || cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs two nodes, each with a CPU");
	if (aet_read_file("/sys/module/aether_mm/parameters/access_interval_ms",
			  old, sizeof(old)) < 0)
		SKIP(return, "no access_interval_ms parameter");
	ASSERT_LE(0, moved);
	ASSERT_EQ(0, aemt_pin_cpu(cpus[0]));
	ASSERT_EQ(0, fill_and_merge(self));
	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(0, msh_query(&self->a, self->page, i, &q));
		ASSERT_EQ(0, q.node);
		ASSERT_EQ(q.frame_id, msh_frame_of(&self->b, self->page, i));
	}

	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	ASSERT_EQ(0, param_write("numa_scan_pages", "4096"));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (k = 0; k < 3000 && on1 < NPAGES; k++) {
		for (i = 0; i < NPAGES; i++)
			sum += self->a.map[i * self->page];
		usleep(5000);
		for (i = 0, on1 = 0; i < NPAGES; i++)
			on1 += !msh_query(&self->a, self->page, i, &q) &&
			       q.node == 1;
	}
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
	ASSERT_EQ(0, param_write("access_interval_ms", strtok(old, "\n")));
	TH_LOG("after %d rounds: %zu of %d shared frames on node 1 (sum %zu)",
	       k, on1, NPAGES, sum);
	EXPECT_EQ(NPAGES, on1);
	EXPECT_LE(moved + NPAGES, msh_share_stat("numa_moved"));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_EQ(msh_frame_of(&self->a, self->page, i),
			  msh_frame_of(&self->b, self->page, i));
		EXPECT_TRUE(msh_holds(&self->a, self->page, i, i + 1));
		EXPECT_TRUE(msh_holds(&self->b, self->page, i, i + 1));
	}
	EXPECT_EQ(0, msh_resident_of(&self->a));
}

/* ---- HUGE regions -------------------------------------------------------- */

#define HPAGES	512	/* pages of a 2 MiB range */

/* A HUGE MERGEABLE region of one 2 MiB range, mapped aligned. */
static int region_huge(int fd, size_t page, struct msh_region *r)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;

	aemt_region_args(&c, MERGEABLE | AETHER_MM_REGION_HUGE,
			 HPAGES * page);
	if (aemt_region_create(fd, &c))
		return -errno;
	r->fd = c.fd;
	if (aemt_region_info(r->fd, &ri))
		return -errno;
	r->id = ri.id;
	r->map = aemt_region_map(r->fd, HPAGES * page, PROT_READ | PROT_WRITE);
	if (r->map == MAP_FAILED)
		return -errno;
	return (uintptr_t)r->map % (HPAGES * page) ? -EFAULT : 0;
}

static void region_huge_drop(size_t page, struct msh_region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, HPAGES * page);
	if (r->fd >= 0)
		close(r->fd);
}

/*
 * A page of a range one PMD maps merges: the merge's zap takes the PMD
 * down, the range is mapped by 4 KiB pages from then on (a huge fault
 * never maps a range holding a shared frame), every byte stays.
 */
TEST_F(core, a_page_under_a_pmd_merges_and_the_range_goes_4k)
{
	struct msh_region h = { .fd = -1 };
	struct aether_mm_region_query q;
	size_t i;

	ASSERT_EQ(0, region_huge(self->fd, self->page, &h));
	h.map[0] = 1;		/* one write fault: one PMD */
	ASSERT_EQ(0, msh_query(&h, self->page, 0, &q));
	if (!(q.map & AETHER_MM_MAP_HUGE)) {
		region_huge_drop(self->page, &h);
		SKIP(return, "no order-9 block for a PMD");
	}
	for (i = 0; i < HPAGES; i++)
		msh_fill(&h, self->page, i, 5000 + i);
	ASSERT_EQ(0, msh_query(&h, self->page, 5, &q));
	ASSERT_TRUE(q.map & AETHER_MM_MAP_HUGE);
	msh_fill(&self->b, self->page, 0, 5000 + 5);
	ASSERT_EQ(0, msh_naive("pick %llu 0", (unsigned long long)self->b.id));
	ASSERT_EQ(0, msh_naive("merge %llu 5", (unsigned long long)h.id));
	ASSERT_EQ(0, msh_naive("merge %llu 0", (unsigned long long)self->b.id));
	EXPECT_EQ(HPAGES - 1, msh_resident_of(&h));
	ASSERT_EQ(0, msh_query(&h, self->page, 5, &q));
	EXPECT_FALSE(q.map & AETHER_MM_MAP_HUGE);
	EXPECT_EQ(msh_frame_of(&self->b, self->page, 0), q.frame_id);
	for (i = 0; i < HPAGES; i++)
		if (!msh_holds(&h, self->page, i, 5000 + i)) {
			EXPECT_TRUE(0) TH_LOG("page %zu changed", i);
			break;
		}
	/* Its neighbours came back by 4 KiB faults. */
	ASSERT_EQ(0, msh_query(&h, self->page, 0, &q));
	EXPECT_TRUE(q.map & AETHER_MM_MAP_PRESENT);
	EXPECT_FALSE(q.map & AETHER_MM_MAP_HUGE);
	/* A write unshares as anywhere else. */
	msh_fill(&h, self->page, 5, 1);
	EXPECT_TRUE(msh_holds(&h, self->page, 5, 1));
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 5000 + 5));
	EXPECT_EQ(HPAGES, msh_resident_of(&h));
	region_huge_drop(self->page, &h);
}

/* Read every page of @h once (keeps the range hot). */
static void touch_all(struct msh_region *h, size_t page)
{
	size_t i;

	for (i = 0; i < HPAGES; i++)
		(void)*(volatile unsigned char *)(h->map + i * page);
}

/* Is the range one aligned run of frames (collapsed)? */
static bool gathered(struct msh_region *h, size_t page)
{
	struct aether_mm_region_query q;
	__u64 pfn0;
	size_t i;

	if (msh_query(h, page, 0, &q) || !q.pfn || q.pfn % HPAGES)
		return false;
	pfn0 = q.pfn;
	for (i = 1; i < HPAGES; i++)
		if (msh_query(h, page, i, &q) || q.pfn != pfn0 + i)
			return false;
	return true;
}

/*
 * A hot, fully populated range holding a shared frame is never gathered
 * into one block (the collapse would swallow the frame of every other
 * user); once unmerged, the same range is.
 */
TEST_F_TIMEOUT(core, a_collapse_never_swallows_a_shared_frame, 600)
{
	struct msh_region h = { .fd = -1 };
	char old[32] = "";
	long s0;
	size_t i, k;
	bool done = false;

	if (aet_read_file("/sys/module/aether_mm/parameters/access_interval_ms",
			  old, sizeof(old)) < 0)
		SKIP(return, "no access_interval_ms parameter");
	ASSERT_EQ(0, region_huge(self->fd, self->page, &h));
	ASSERT_EQ(0, h.map[0]);		/* a 4 KiB zero page: no PMD */
	for (i = 0; i < HPAGES; i++)
		msh_fill(&h, self->page, i, 6000 + i);
	ASSERT_FALSE(gathered(&h, self->page));
	msh_fill(&self->b, self->page, 0, 6000 + 7);
	ASSERT_EQ(0, msh_naive("pick %llu 0", (unsigned long long)self->b.id));
	ASSERT_EQ(0, msh_naive("merge %llu 7", (unsigned long long)h.id));
	ASSERT_EQ(0, msh_naive("merge %llu 0", (unsigned long long)self->b.id));
	ASSERT_EQ(msh_frame_of(&self->b, self->page, 0),
		  msh_frame_of(&h, self->page, 7));

	s0 = access_scans(h.id);
	ASSERT_LE(0, s0);
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	/* Ten scans of the hot range: each could have collapsed it. */
	for (k = 0; k < 3000 && access_scans(h.id) < s0 + 10; k++) {
		touch_all(&h, self->page);
		usleep(10 * 1000);
	}
	EXPECT_LE(s0 + 10, access_scans(h.id));
	EXPECT_FALSE(gathered(&h, self->page));
	EXPECT_EQ(msh_frame_of(&self->b, self->page, 0),
		  msh_frame_of(&h, self->page, 7));
	EXPECT_TRUE(msh_holds(&h, self->page, 7, 6000 + 7));

	/* The control: unmerged, the range is gathered. */
	ASSERT_EQ(0, msh_naive("unmerge"));
	for (k = 0; k < 1500 && !done; k++) {
		touch_all(&h, self->page);
		usleep(10 * 1000);
		done = gathered(&h, self->page);
	}
	ASSERT_EQ(0, param_write("access_interval_ms", strtok(old, "\n")));
	EXPECT_TRUE(done) TH_LOG("the unmerged range was not gathered");
	for (i = 0; i < HPAGES; i++)
		if (!msh_holds(&h, self->page, i, 6000 + i)) {
			EXPECT_TRUE(0) TH_LOG("page %zu changed", i);
			break;
		}
	EXPECT_TRUE(msh_holds(&self->b, self->page, 0, 6000 + 7));
	region_huge_drop(self->page, &h);
}

MSH_DEDUPE_ASIDE()

TEST_HARNESS_MAIN
