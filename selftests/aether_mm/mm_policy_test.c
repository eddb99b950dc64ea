// SPDX-License-Identifier: GPL-2.0
/*
 * mm_policy_test.c - the policy backend's charge and uncharge of regions
 *
 * Every test installs the counting policy backend of debugfs
 * aether/mm/policy_count (aether_mm/policy_count.c), which gives each new
 * region a cookie and counts the pages charged to it, per node, and then
 * holds its count against the region's own (REGION_INFO resident and
 * node_pages) after each way a frame joins or leaves a region: faults,
 * copy-on-write after fork(), huge faults, REGION_MIGRATE, compaction,
 * reclaim to the store and back, close.  Then the refusals (a group at
 * its limit: SIGBUS, a huge fault falling back to 4 KiB) and the removal
 * of the backend while its regions live.  Then the seam's hooks that work
 * outside the slot lock: max (the group's own reclaim, then one more try,
 * or SIGBUS; a fault waits for it with mmap_lock dropped, once), high
 * (the over-high call, once per fault that crossed it, once per ioctl for
 * fewer than 64 pages over, once per 64 pages from REGION_CHECKSUM),
 * the stalls around the group's reclaim, the pool's reclaim tier by tier
 * (and the pages of a range REGION_SET_QOS classed in their own tier),
 * admit learning which region faults, and QOS_GROUP refused without a
 * backend that names groups.  The fixture's teardown removes
 * the backends and puts the parameters back, whatever the test did.
 *
 * The policy table takes one backend: aether_qos, when the box loaded
 * it, is unloaded for the run and loaded again at its end.
 *
 * Children made with fork() never use the harness's ASSERTs: they report
 * through a pipe or their exit status, and the test process asserts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aether_mm_util.h"
#include "mm_region_util.h"
#include "kselftest_harness.h"

#define AEM_PRIVATE	AETHER_MM_REGION_PRIVATE
#define AEM_SHARED	AETHER_MM_REGION_SHARED
#define HUGE_SIZE	(2UL << 20)
#define POLICY_DEBUGFS	AEMT_DEBUGFS "/policy_count"
#define LOOPBACK_DEBUGFS AEMT_DEBUGFS "/store_loopback"
#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"

/* What the counting backend says of one region. */
struct charged {
	long pages;
	long node[2];
	long charges;
	long refused;
	long again, reclaims, reclaimed, highs, over_high;
	long stalls, stalling, admits;
	unsigned int tier;
	int reserve;
	long high_pages;
};

/* aether_qos holds the policy table when loaded: aside for the run. */
static void __attribute__((constructor)) qos_away(void)
{
	int ret = aemt_qos_away();

	if (ret)
		fprintf(stderr, "# aether_qos stays loaded: %s\n",
			strerror(-ret));
}

static void __attribute__((destructor)) qos_back(void)
{
	int ret = aemt_qos_back();

	if (ret) {
		fprintf(stderr, "# aether_qos not loaded again: %s\n",
			strerror(-ret));
		_exit(1);
	}
}

/* One region's line of policy_count (aether_mm/policy_count.c). */
#define CHARGED_ROW							\
	"region %llu uid %u pages %ld node0 %ld node1 %ld charges %ld "	\
	"refused %ld again %ld reclaims %ld reclaimed %ld highs %ld "	\
	"over_high %ld stalls %ld stalling %ld admits %ld tier %u "	\
	"reserve %d high_pages %ld"

/* Region @id's row of policy_count: 0, or -ENOENT when it has none. */
static int charged_of(__u64 id, struct charged *ch)
{
	unsigned long long rid;
	char line[512];
	int ret = -ENOENT;
	unsigned int uid;
	FILE *f;

	f = fopen(POLICY_DEBUGFS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, CHARGED_ROW,
			   &rid, &uid, &ch->pages, &ch->node[0], &ch->node[1],
			   &ch->charges, &ch->refused, &ch->again,
			   &ch->reclaims, &ch->reclaimed, &ch->highs,
			   &ch->over_high, &ch->stalls, &ch->stalling,
			   &ch->admits, &ch->tier, &ch->reserve,
			   &ch->high_pages) == 18 &&
		    rid == id) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

static long policy_counter(const char *key)
{
	return debugfs_counter(POLICY_DEBUGFS, key);
}

/*
 * The backend's count of the region of @rfd (number @id) equals the
 * region's resident frames, in all and per node: 0, or the step that
 * differs (logged).
 */
static int exact(struct __test_metadata *_metadata, int rfd, __u64 id)
{
	struct aether_mm_region_info ri;
	struct charged ch;
	int n;

	if (aemt_region_info(rfd, &ri) || charged_of(id, &ch))
		return 1;
	if ((__u64)ch.pages != ri.resident) {
		TH_LOG("region %llu: %ld pages charged, %llu resident",
		       (unsigned long long)id, ch.pages,
		       (unsigned long long)ri.resident);
		return 2;
	}
	for (n = 0; n < 2; n++)
		if ((__u64)ch.node[n] != ri.node_pages[n]) {
			TH_LOG("region %llu node %d: %ld charged, %llu resident",
			       (unsigned long long)id, n, ch.node[n],
			       (unsigned long long)ri.node_pages[n]);
			return 3;
		}
	return 0;
}

/* A region of @pages mapped read-write: its mapping; fd and id back. */
static unsigned char *region(int fd, __u32 flags, size_t pages, int *rfd,
			     __u64 *id)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, flags, pages * page_size());
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	*id = c.id;
	p = aemt_region_map(c.fd, pages * page_size(), PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

static void write_pages(unsigned char *p, size_t from, size_t to, int v)
{
	size_t i;

	for (i = from; i < to; i++)
		p[i * page_size()] = v + i;
}

FIXTURE(charge) {
	int fd;
	struct aether_mm_pool_info pi;
	char access_ms[32];
};

FIXTURE_SETUP(charge)
{
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	ASSERT_EQ(0, param_read("access_interval_ms", self->access_ms,
				sizeof(self->access_ms)));
	if (aemt_write_file(POLICY_DEBUGFS, "1"))
		AEMT_SETUP_SKIP("no %s", POLICY_DEBUGFS);
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 0"));
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "max 0"));
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "high 0"));
}

FIXTURE_TEARDOWN(charge)
{
	aemt_write_file(POLICY_DEBUGFS, "limit 0");
	aemt_write_file(POLICY_DEBUGFS, "max 0");
	aemt_write_file(POLICY_DEBUGFS, "high 0");
	aemt_write_file(POLICY_DEBUGFS, "0");
	aemt_write_file(LOOPBACK_DEBUGFS, "0");
	param_write("access_interval_ms", self->access_ms);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Write faults charge each new frame, read faults (zero page) and
 * fault-around nothing; closing the region releases its cookie with
 * nothing left charged.
 */
TEST_F(charge, faults_charge_frames_close_gives_back)
{
	const size_t pages = 64;
	long released = policy_counter("released");
	long leaked = policy_counter("leaked");
	volatile unsigned char *v;
	struct charged ch;
	unsigned char *p;
	size_t i;
	__u64 id;
	int rfd;

	p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ(0, ch.pages);
	write_pages(p, 0, pages / 2, 1);
	ASSERT_EQ(pages / 2, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	v = p;
	for (i = 0; i < pages; i++)
		(void)v[i * page_size()];
	ASSERT_EQ(pages / 2, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ(pages / 2, ch.charges);
	ASSERT_EQ(0, ch.refused);

	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(-ENOENT, charged_of(id, &ch));
	ASSERT_EQ(released + 1, policy_counter("released"));
	ASSERT_EQ(leaked, policy_counter("leaked"));
	ASSERT_EQ(0, policy_counter("underflows"));
}

/* A child that writes pages [@from, @to) of its copy, then waits. */
struct cow_kid {
	unsigned char *p;
	size_t from, to;
	int up[2], down[2];
	pid_t pid;
};

static int cow_kid_start(struct cow_kid *k)
{
	char c = 0;

	if (pipe(k->up) || pipe(k->down))
		return -errno;
	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (!k->pid) {
		close(k->up[0]);
		close(k->down[1]);
		write_pages(k->p, k->from, k->to, 0x40);
		if (write(k->up[1], &c, 1) != 1)
			_exit(1);
		/* Until the parent closes its end. */
		while (read(k->down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(k->up[1]);
	close(k->down[0]);
	return read(k->up[0], &c, 1) == 1 ? 0 : -EIO;
}

static int cow_kid_end(struct cow_kid *k)
{
	int status;

	close(k->down[1]);
	close(k->up[0]);
	if (waitpid(k->pid, &status, 0) != k->pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * After fork() a write copies the page into the writer's layer: the copy
 * is charged, the original stays charged to the region while a layer
 * holds it, and the child's copies are uncharged when it exits.
 */
TEST_F(charge, cow_after_fork_charges_copies)
{
	const size_t pages = 64;
	struct cow_kid k = { 0 };
	unsigned char *p;
	__u64 id;
	int rfd;

	p = region(self->fd, AEM_PRIVATE, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages, 1);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	k.p = p;
	k.from = 0;
	k.to = pages / 2;
	ASSERT_EQ(0, cow_kid_start(&k));
	ASSERT_EQ(pages + pages / 2, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	/* The parent writes too: copies of its own, or steals. */
	write_pages(p, pages / 4, pages, 2);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, cow_kid_end(&k));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	write_pages(p, 0, pages, 3);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

static unsigned char *huge_region(int fd, size_t ranges, int *rfd, __u64 *id)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_HUGE,
			 ranges * HUGE_SIZE);
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	*id = c.id;
	p = aemt_region_map(c.fd, ranges * HUGE_SIZE, PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

/* A huge fault charges its 512 frames in one call. */
TEST_F(charge, huge_fault_charges_512_at_once)
{
	const size_t n = HUGE_SIZE / page_size();
	struct charged ch;
	unsigned char *p;
	__u64 id;
	int rfd;

	p = huge_region(self->fd, 2, &rfd, &id);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	if (!(map_of(rfd, p) & AETHER_MM_MAP_HUGE))
		SKIP(return, "no huge mapping (no free order-9 block?)");
	ASSERT_EQ(n, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ(1, ch.charges);
	memset(p, 7, 2 * HUGE_SIZE);
	ASSERT_EQ(2 * n, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(p, 2 * HUGE_SIZE);
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

static int region_migrate(int rfd, int node, __u64 len,
			  struct aether_mm_region_migrate *m)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->node = node;
	m->length = len;
	return ioctl(rfd, AETHER_MM_IOC_REGION_MIGRATE, m) ? -errno : 0;
}

/*
 * REGION_MIGRATE replaces each frame by a copy on the other node: the
 * count moves from node to node and its total stays, even at the limit.
 */
TEST_F(charge, migrate_moves_charges_between_nodes)
{
	const size_t pages = 64;
	struct aether_mm_region_migrate m;
	struct aether_mm_region_create c;
	struct charged ch;
	unsigned char *p;
	int rfd;

	if (self->pi.nr_nodes < 2)
		SKIP(return, "pool has %u node(s)", self->pi.nr_nodes);
	aemt_region_args(&c, AEM_SHARED, pages * page_size());
	c.pol_mode = AETHER_MM_POL_PREFERRED;
	c.nodemask = 1;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	rfd = c.fd;
	p = aemt_region_map(rfd, pages * page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	write_pages(p, 0, pages, 1);
	ASSERT_EQ(0, exact(_metadata, rfd, c.id));
	/* Moves take no more than the region holds: never refused. */
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 64"));
	ASSERT_EQ(0, region_migrate(rfd, 1, pages * page_size(), &m));
	ASSERT_LT(0, m.migrated);
	ASSERT_EQ(0, exact(_metadata, rfd, c.id));
	ASSERT_EQ(0, charged_of(c.id, &ch));
	ASSERT_EQ((long)m.migrated, ch.node[1]);
	ASSERT_EQ(0, ch.refused);
	ASSERT_EQ(0, region_migrate(rfd, 0, pages * page_size(), &m));
	ASSERT_EQ(0, exact(_metadata, rfd, c.id));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

static int compact(int fd, int node, struct aether_mm_compact *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = sizeof(*cp);
	cp->node = node;
	return aemt_ioctl(fd, AETHER_MM_IOC_COMPACT, cp);
}

/*
 * Two regions written page by page in turn on node 0; closing one leaves
 * the other's frames scattered, and compaction moves them: the survivor's
 * count follows its frames.
 */
TEST_F(charge, compaction_keeps_charges_exact)
{
	const size_t pages = 1024, page = page_size();
	struct aether_mm_region_create a, b;
	struct aether_mm_compact cp;
	unsigned char *pa, *pb;
	size_t i;

	aemt_region_args(&a, AEM_SHARED, pages * page);
	a.pol_mode = AETHER_MM_POL_BIND;
	a.nodemask = 1;
	b = a;
	ASSERT_EQ(0, aemt_region_create(self->fd, &a));
	ASSERT_EQ(0, aemt_region_create(self->fd, &b));
	pa = aemt_region_map(a.fd, pages * page, PROT_RW);
	pb = aemt_region_map(b.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, pa);
	ASSERT_NE(MAP_FAILED, pb);
	for (i = 0; i < pages; i++) {
		pa[i * page] = i;
		pb[i * page] = i;
	}
	ASSERT_EQ(0, exact(_metadata, a.fd, a.id));
	ASSERT_EQ(0, exact(_metadata, b.fd, b.id));
	munmap(pb, pages * page);
	close(b.fd);
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 1024"));
	ASSERT_EQ(0, compact(self->fd, 0, &cp));
	TH_LOG("compaction migrated %llu frames", cp.migrated);
	ASSERT_LT(0, cp.migrated);
	ASSERT_EQ(pages, resident(a.fd));
	ASSERT_EQ(0, exact(_metadata, a.fd, a.id));
	for (i = 0; i < pages; i++)
		ASSERT_EQ((unsigned char)i, pa[i * page]);
	munmap(pa, pages * page);
	close(a.fd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * Pages given to the store are uncharged, charged again when a fault
 * brings them back (or refused: REGION_CHECKSUM fails), and when the store
 * goes (all at once, never refused).
 */
TEST_F_TIMEOUT(charge, reclaim_to_store_and_back, 120)
{
	const size_t pages = 64;
	unsigned char *p;
	char buf[32];
	__u64 id, n;
	__u32 crc;
	size_t i;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		   pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages, 1);
	/* Idle for a few scans: cold enough to store. */
	scan_times(id, 3);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_GT(pages, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));

	/* Half come back on a touch. */
	for (i = 0; i < pages / 2; i++)
		ASSERT_EQ((unsigned char)(1 + i), p[i * page_size()]);
	ASSERT_EQ(0, exact(_metadata, rfd, id));

	/* At the limit, REGION_CHECKSUM cannot load the rest: EDQUOT. */
	n = resident(rfd);
	ASSERT_GT(pages, n);
	snprintf(buf, sizeof(buf), "limit %llu", (unsigned long long)n);
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, buf));
	ASSERT_EQ(-EDQUOT, aemt_region_checksum(rfd, 0, pages * page_size(),
						&crc));
	ASSERT_EQ(n, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));

	/* The store goes, at the limit: every page comes back regardless. */
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 1"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	for (i = 0; i < pages; i++)
		ASSERT_EQ((unsigned char)(1 + i), p[i * page_size()]);
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/* Write pages of @p in a child until one faults: pages it wrote. */
struct writer {
	unsigned char *p;
	size_t pages;
	int up[2];
};

static int write_until_fault(void *arg)
{
	struct rlimit nocore = { 0, 0 };
	struct writer *w = arg;
	size_t i;

	setrlimit(RLIMIT_CORE, &nocore);
	close(w->up[0]);
	for (i = 0; i < w->pages; i++) {
		w->p[i * page_size()] = 1;
		if (write(w->up[1], "x", 1) != 1)
			return 2;
	}
	return 0;
}

/*
 * A group at its limit: the fault that would go past it raises SIGBUS,
 * having charged nothing; the frames already there stay.
 */
TEST_F(charge, refused_charge_fails_fault_sigbus)
{
	const size_t pages = 64, limit = 16;
	struct writer w = { 0 };
	struct charged ch;
	char c, lim[32];
	size_t wrote = 0;
	long refused;
	__u64 id;
	int rfd, status;

	snprintf(lim, sizeof(lim), "limit %zu", limit);
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, lim));
	refused = policy_counter("refused");
	w.p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, w.p);
	w.pages = pages;
	ASSERT_EQ(0, pipe(w.up));
	status = aemt_run_child(write_until_fault, &w);
	close(w.up[1]);
	while (read(w.up[0], &c, 1) == 1)
		wrote++;
	close(w.up[0]);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("status %#x", status);
	ASSERT_EQ(limit, wrote);
	ASSERT_EQ(limit, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_LE(1, ch.refused);
	ASSERT_LT(refused, policy_counter("refused"));

	/* Below the limit again, the same page can be written. */
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 0"));
	w.p[limit * page_size()] = 1;
	ASSERT_EQ(limit + 1, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(w.p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/* Below 512 pages of room, a huge fault maps a 4 KiB page instead. */
TEST_F(charge, refused_huge_fault_falls_back)
{
	struct charged ch;
	unsigned char *p;
	__u64 id;
	int rfd;

	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "limit 100"));
	p = huge_region(self->fd, 1, &rfd, &id);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	ASSERT_EQ(0, map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(1, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_LE(1, ch.refused);
	munmap(p, HUGE_SIZE);
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * The backend goes while its regions live: it forgets their cookies and
 * pages at once, and nothing of those regions reaches it, or the backend
 * registered next, again (no charge, no uncharge, no release), while a
 * region created under the new one is charged as usual.
 */
TEST_F(charge, unregister_while_regions_live)
{
	const size_t pages = 32;
	long forgotten, forgotten_pages, released;
	unsigned char *p, *q;
	struct charged ch;
	__u64 id, id2;
	int rfd, rfd2;

	p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages / 2, 1);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	forgotten = policy_counter("forgotten");
	forgotten_pages = policy_counter("forgotten_pages");

	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "0"));
	ASSERT_EQ(0, policy_counter("on"));
	ASSERT_LE(forgotten + 1, policy_counter("forgotten"));
	ASSERT_LE(forgotten_pages + (long)pages / 2,
		  policy_counter("forgotten_pages"));
	/* With no backend, faults go on. */
	write_pages(p, pages / 2, pages, 2);
	ASSERT_EQ(pages, resident(rfd));

	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "1"));
	ASSERT_EQ(-ENOENT, charged_of(id, &ch));
	q = region(self->fd, AEM_SHARED, pages, &rfd2, &id2);
	ASSERT_NE(NULL, q);
	write_pages(q, 0, pages, 3);
	ASSERT_EQ(0, exact(_metadata, rfd2, id2));
	/* The old region's frames leave without reaching the new backend. */
	released = policy_counter("released");
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(released, policy_counter("released"));
	ASSERT_EQ(0, exact(_metadata, rfd2, id2));
	munmap(q, pages * page_size());
	close(rfd2);
	ASSERT_EQ(released + 1, policy_counter("released"));
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/* "@key N" for policy_count: 0 or -errno. */
static int knob(const char *key, unsigned long n)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%s %lu", key, n);
	return aemt_write_file(POLICY_DEBUGFS, buf);
}

/* "tier ID T" or "reserve ID B" for policy_count: 0 or -errno. */
static int region_knob(const char *key, __u64 id, unsigned int v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s %llu %u", key, (unsigned long long)id,
		 v);
	return aemt_write_file(POLICY_DEBUGFS, buf);
}

/*
 * A group at max whose regions hold cold pages: the fault over it asks
 * for the group's reclaim, which stores the group's own cold pages, and
 * succeeds on its second try; the group never holds more than max, each
 * reclaim is one stall, begun and ended; the pages come back intact.
 */
TEST_F_TIMEOUT(charge, max_reclaims_own_cold_pages_then_fault_succeeds, 120)
{
	const size_t pages = 64, cold = 32, max = 32, more = 16;
	long reclaims = policy_counter("reclaims");
	struct charged ch;
	unsigned char *p;
	__u64 id;
	size_t i;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		   pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, cold, 1);
	ASSERT_EQ(0, scan_times(id, 3));
	ASSERT_EQ(0, knob("max", max));
	/* Each write past max: -EAGAIN, the reclaim, the second try. */
	write_pages(p, cold, cold + more, 1);
	ASSERT_EQ(0, charged_of(id, &ch));
	TH_LOG("again %ld reclaims %ld reclaimed %ld stalls %ld", ch.again,
	       ch.reclaims, ch.reclaimed, ch.stalls);
	/* A reclaim takes two pages: the next write fits without one. */
	ASSERT_LE((long)more / 2, ch.again);
	ASSERT_EQ(ch.again, ch.reclaims);
	ASSERT_LE((long)more, ch.reclaimed);
	ASSERT_GE((long)max, ch.pages);
	ASSERT_EQ(0, ch.refused);
	ASSERT_EQ(ch.reclaims, ch.stalls);
	ASSERT_EQ(0, ch.stalling);
	ASSERT_LT(reclaims, policy_counter("reclaims"));
	ASSERT_EQ(0, exact(_metadata, rfd, id));

	/* No max: every page comes back from the store as it was. */
	ASSERT_EQ(0, knob("max", 0));
	for (i = 0; i < cold + more; i++)
		ASSERT_EQ((unsigned char)(1 + i), p[i * page_size()]);
	ASSERT_EQ(cold + more, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * A group at max with nothing to reclaim (a region not COMPRESSIBLE): the
 * reclaim runs, takes nothing, the fault is made again once, its reclaim
 * takes nothing, its second try is refused: SIGBUS, and the group holds
 * exactly max.
 */
TEST_F(charge, max_nothing_reclaimable_sigbus)
{
	const size_t pages = 64, max = 16;
	long refused = policy_counter("refused");
	struct writer w = { 0 };
	struct charged ch;
	size_t wrote = 0;
	int rfd, status;
	__u64 id;
	char c;

	ASSERT_EQ(0, knob("max", max));
	w.p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, w.p);
	w.pages = pages;
	ASSERT_EQ(0, pipe(w.up));
	status = aemt_run_child(write_until_fault, &w);
	close(w.up[1]);
	while (read(w.up[0], &c, 1) == 1)
		wrote++;
	close(w.up[0]);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("status %#x", status);
	ASSERT_EQ(max, wrote);
	ASSERT_EQ(max, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	/*
	 * Two reclaims, three answers -EAGAIN: the first try, whose
	 * reclaim waits with mmap_lock dropped (VM_FAULT_RETRY); the
	 * retried fault's try, whose reclaim only tries locks; its last.
	 */
	ASSERT_EQ(2, ch.reclaims);
	ASSERT_EQ(0, ch.reclaimed);
	ASSERT_EQ(3, ch.again);
	ASSERT_EQ(0, ch.stalling);
	ASSERT_EQ(refused + 1, policy_counter("refused"));
	munmap(w.p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * Over high the faults go on (high is no limit), and the over-high hook
 * is called exactly once for each fault whose charge crossed it, after
 * the slot lock, on the way back to user mode (the hook yields;
 * might_sleep() in the core's path), naming the page it charged.
 */
TEST_F(charge, high_calls_over_high_once_per_fault)
{
	const size_t pages = 64, high = 8, wrote = 24;
	long calls = policy_counter("over_high");
	struct charged ch;
	unsigned char *p;
	__u64 id;
	int rfd;

	ASSERT_EQ(0, knob("high", high));
	p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, wrote, 1);
	/* Read faults map the zero page: no charge, no call. */
	ASSERT_EQ(0, p[(pages - 1) * page_size()]);
	ASSERT_EQ(wrote, resident(rfd));
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ((long)(wrote - high), ch.highs);
	ASSERT_EQ(ch.highs, ch.over_high);
	ASSERT_EQ(ch.highs, ch.high_pages);
	ASSERT_EQ(calls + ch.highs, policy_counter("over_high"));
	ASSERT_EQ(0, ch.refused);
	ASSERT_EQ(0, ch.again);
	/* Writes to pages the region holds charge nothing. */
	write_pages(p, 0, wrote, 2);
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ((long)(wrote - high), ch.over_high);
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * An ioctl that charges fewer than 64 pages over high (REGION_CHECKSUM
 * loading stored pages) queues one over-high work for all of them, not
 * one per page: one @handle_high call, on the way back to user mode,
 * naming every page its charges took over high.
 */
TEST_F_TIMEOUT(charge, high_ioctl_queues_one_work_for_all_its_pages, 120)
{
	const size_t pages = 64;
	struct charged ch, ch2;
	unsigned char *p;
	long works, over;
	char buf[32];
	__u64 id, n;
	__u32 crc;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		   pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages, 1);
	ASSERT_EQ(0, scan_times(id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	n = resident(rfd);
	ASSERT_LE(n + 9, pages) TH_LOG("only %llu of %zu pages stored",
				      (unsigned long long)(pages - n), pages);
	/* high n + 1: every page loaded but the first is over it. */
	ASSERT_EQ(0, knob("high", n + 1));
	over = (long)(pages - n - 1);
	ASSERT_EQ(0, charged_of(id, &ch));
	works = policy_counter("high_works");
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page_size(), &crc));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, charged_of(id, &ch2));
	ASSERT_EQ(over, ch2.highs - ch.highs);
	ASSERT_EQ(ch.over_high + 1, ch2.over_high);
	ASSERT_EQ(ch.high_pages + over, ch2.high_pages);
	ASSERT_EQ(works + 1, policy_counter("high_works"));
	ASSERT_EQ(0, ch2.stalling);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * Review L2.  REGION_CHECKSUM loading 240 stored pages (none of zeroes:
 * page i holds 1 + i), nearly all over
 * high, pays as it goes: its over-high work runs between batches once it
 * owes 64 pages (aem_policy_high_due()), so @handle_high is called
 * several times inside the ioctl (at most once per 64 pages, and once
 * more on the way back to user mode for the rest), naming every page
 * over high once; one work was queued.
 */
TEST_F_TIMEOUT(charge, high_ioctl_pays_every_64_pages, 180)
{
	const size_t pages = 240;
	struct charged ch, ch2;
	unsigned char *p;
	long works, over, calls;
	char buf[32];
	__u64 id, n;
	__u32 crc;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		   pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages, 1);
	ASSERT_EQ(0, scan_times(id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	n = resident(rfd);
	ASSERT_LE(n + 130, pages) TH_LOG("only %llu of %zu pages stored",
					(unsigned long long)(pages - n), pages);
	ASSERT_EQ(0, knob("high", n + 1));
	over = (long)(pages - n - 1);
	ASSERT_EQ(0, charged_of(id, &ch));
	works = policy_counter("high_works");
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page_size(), &crc));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, charged_of(id, &ch2));
	calls = ch2.over_high - ch.over_high;
	TH_LOG("%ld pages over high, %ld calls", over, calls);
	ASSERT_EQ(over, ch2.highs - ch.highs);
	ASSERT_EQ(ch.high_pages + over, ch2.high_pages);
	ASSERT_LE(2, calls);
	ASSERT_GE(over / 64 + 1, calls);
	ASSERT_EQ(works + 1, policy_counter("high_works"));
	ASSERT_EQ(0, ch2.stalling);
	ASSERT_EQ(0, exact(_metadata, rfd, id));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/* Pages of region @rfd, all of them written, that are not resident. */
static long stored_of(int rfd, size_t pages)
{
	return (long)pages - (long)resident(rfd);
}

/*
 * The pool's reclaim takes regions tier by tier: a BestEffort region's
 * cold pages before a Normal one's, a Normal one's when the BestEffort
 * one has none left, and never a region under min (AEM_TIER_NEVER).
 */
TEST_F_TIMEOUT(charge, reclaim_tiers_best_effort_first_never_min, 120)
{
	const size_t pages = 32;
	unsigned char *pa, *pb;
	int ra, rb;
	__u64 a, b;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	pa = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		    pages, &ra, &a);
	pb = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		    pages, &rb, &b);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	write_pages(pa, 0, pages, 1);
	write_pages(pb, 0, pages, 2);
	ASSERT_EQ(0, scan_times(a, 3));
	ASSERT_EQ(0, scan_times(b, 1));
	/* a is Normal (the default), b BestEffort. */
	ASSERT_EQ(0, region_knob("tier", b, 0));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "16"));
	ASSERT_EQ(0, stored_of(ra, pages));
	ASSERT_EQ(16, stored_of(rb, pages));
	/* More than b has left: b's rest, then a's. */
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "24"));
	ASSERT_EQ((long)pages, stored_of(rb, pages));
	ASSERT_EQ(8, stored_of(ra, pages));
	/* a under min: never, whatever is asked. */
	ASSERT_EQ(0, region_knob("tier", a, 4));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "64"));
	ASSERT_EQ(8, stored_of(ra, pages));
	ASSERT_EQ(0, exact(_metadata, ra, a));
	ASSERT_EQ(0, exact(_metadata, rb, b));
	munmap(pa, pages * page_size());
	munmap(pb, pages * page_size());
	close(ra);
	close(rb);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * REGION_SET_QOS: a range's class puts its pages in that class's tier: a
 * Normal region's BestEffort range goes before another Normal region's
 * pages, its RealTime range after them; a region under min keeps its
 * BestEffort range too (protection wins over the class).
 */
TEST_F_TIMEOUT(charge, class_ranges_take_their_tier, 120)
{
	const size_t pages = 32, ps = page_size();
	struct aether_mm_region_qos q = { .size = sizeof(q) };
	unsigned char *pa, *pb;
	int ra, rb;
	__u64 a, b;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	pa = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		    pages, &ra, &a);
	pb = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		    pages, &rb, &b);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	write_pages(pa, 0, pages, 1);
	write_pages(pb, 0, pages, 2);
	/* a: [0,8) BestEffort, [24,32) RealTime; b all Normal. */
	q.offset = 0;
	q.length = 8 * ps;
	q.class = AETHER_MM_QOS_BESTEFFORT;
	ASSERT_EQ(0, aemt_ioctl(ra, AETHER_MM_IOC_REGION_SET_QOS, &q));
	q.offset = 24 * ps;
	q.class = AETHER_MM_QOS_REALTIME;
	ASSERT_EQ(0, aemt_ioctl(ra, AETHER_MM_IOC_REGION_SET_QOS, &q));
	ASSERT_EQ(2, q.nr_ranges);
	ASSERT_EQ(0, scan_times(a, 3));
	ASSERT_EQ(0, scan_times(b, 1));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "8"));
	ASSERT_EQ(8, stored_of(ra, pages)) TH_LOG("a's BestEffort range");
	ASSERT_EQ(0, stored_of(rb, pages));
	/* Normal: a's [8,24) (colder) and b's, never a's RealTime range. */
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "48"));
	ASSERT_EQ(24, stored_of(ra, pages));
	ASSERT_EQ((long)pages, stored_of(rb, pages));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "8"));
	ASSERT_EQ((long)pages, stored_of(ra, pages)) TH_LOG("RealTime last");
	ASSERT_EQ(0, exact(_metadata, ra, a));
	ASSERT_EQ(0, exact(_metadata, rb, b));
	munmap(pa, pages * ps);
	munmap(pb, pages * ps);
	close(ra);
	close(rb);

	/* Under min (AEM_TIER_NEVER) a BestEffort range stays. */
	pa = region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
		    pages, &ra, &a);
	ASSERT_NE(NULL, pa);
	write_pages(pa, 0, pages, 3);
	q.offset = 0;
	q.length = pages * ps;
	q.class = AETHER_MM_QOS_BESTEFFORT;
	ASSERT_EQ(0, aemt_ioctl(ra, AETHER_MM_IOC_REGION_SET_QOS, &q));
	ASSERT_EQ(0, region_knob("tier", a, 4));
	ASSERT_EQ(0, scan_times(a, 2));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "64"));
	ASSERT_EQ(0, stored_of(ra, pages));
	munmap(pa, pages * ps);
	close(ra);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/*
 * A backend that names no groups refuses a region named into one
 * (-EOPNOTSUPP), and with no backend at all the same; a region of no
 * backend cannot take classes (-EOPNOTSUPP).
 */
TEST_F(charge, named_group_without_groups_eopnotsupp)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_qos q = {
		.size = sizeof(q), .length = page_size(),
		.class = AETHER_MM_QOS_BESTEFFORT,
	};
	int nfd = open("/dev/null", O_RDWR), rfd;

	ASSERT_LE(0, nfd);
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_QOS_GROUP,
			 page_size());
	c.qos_fd = nfd;
	ASSERT_EQ(-EOPNOTSUPP, aemt_region_create(self->fd, &c));
	c.qos_fd = -1;
	ASSERT_EQ(-EBADF, aemt_region_create(self->fd, &c));
	ASSERT_EQ(0, aemt_write_file(POLICY_DEBUGFS, "0"));
	c.qos_fd = nfd;
	ASSERT_EQ(-EOPNOTSUPP, aemt_region_create(self->fd, &c));
	rfd = aemt_region_new(self->fd, AEM_SHARED, page_size());
	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EOPNOTSUPP, aemt_ioctl(rfd, AETHER_MM_IOC_REGION_SET_QOS,
					  &q));
	close(rfd);
	close(nfd);
}

/*
 * admit learns which region's fault allocates: one call naming the
 * region's cookie for each frame a write fault takes; an answer of
 * "use the reserve" is an admission (the fault goes on).
 */
TEST_F(charge, admit_names_the_faulting_region)
{
	const size_t pages = 32;
	struct charged ch;
	unsigned char *p;
	__u64 id;
	int rfd;

	p = region(self->fd, AEM_SHARED, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	write_pages(p, 0, pages / 2, 1);
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ((long)pages / 2, ch.admits);
	ASSERT_EQ(0, region_knob("reserve", id, 1));
	write_pages(p, pages / 2, pages, 1);
	ASSERT_EQ(0, charged_of(id, &ch));
	ASSERT_EQ(1, ch.reserve);
	ASSERT_EQ((long)pages, ch.admits);
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(-ENOENT, region_knob("reserve", id + 1000000, 1));
	munmap(p, pages * page_size());
	close(rfd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

/* Write the first byte of page *@arg's mapping: exit 0, or die of SIGBUS. */
struct toucher {
	unsigned char *p;
};

static int touch_page(void *arg)
{
	struct rlimit nocore = { 0, 0 };
	struct toucher *t = arg;

	setrlimit(RLIMIT_CORE, &nocore);
	*t->p = 1;
	return 0;
}

/*
 * Take every page of node 0 above its min watermark: in batches, then
 * one by one (a batch the pool cannot serve whole fails whole).  0 or
 * -errno.
 */
static int fill_node0(int fd, struct aemt_blocks *b)
{
	size_t n;
	int ret;

	ret = aemt_fill_until_enomem(fd, AETHER_MM_ALLOC_THISNODE, 0, 0,
				     AEMT_ALL_ZONES, b, 1 << 20);
	do {
		n = b->nr;
		if (!ret)
			ret = aemt_fill_until_enomem(fd,
						     AETHER_MM_ALLOC_THISNODE,
						     0, 0, AEMT_ALL_ZONES, b,
						     n + 1);
	} while (!ret && b->nr > n);
	return ret;
}

/*
 * With node 0 of the pool full down to its min watermark (ALLOC fails
 * there even after growing and reclaiming), a fault of a region bound to
 * node 0 that finds no frame (SIGBUS) waited in the pool first: one
 * stall of its group, begun and ended.  A page freed meanwhile may serve
 * a fault at once (no stall): the pool is filled again and another page
 * tried, three times at most.  With the reserve granted by admit, the
 * fault takes a frame below min and succeeds.
 */
TEST_F_TIMEOUT(charge, pool_short_fault_stalls_reserve_serves_it, 180)
{
	const size_t pages = 4;
	struct aether_mm_region_create c;
	struct aemt_blocks b = { 0 };
	bool sigbus = false;
	struct toucher t;
	struct charged ch;
	unsigned char *p;
	int status;
	size_t i;

	aemt_region_args(&c, AEM_SHARED, pages * page_size());
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	/* Grown to its limit, then every page above min taken. */
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd,
					    AETHER_MM_ALLOC_THISNODE,
					    self->pi.max_order, 0,
					    AEMT_ALL_ZONES, &b, 1 << 16));
	for (i = 0; i < pages - 1 && !sigbus; i++) {
		ASSERT_EQ(0, fill_node0(self->fd, &b));
		t.p = p + i * page_size();
		status = aemt_run_child(touch_page, &t);
		sigbus = WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
		TH_LOG("the fault without the reserve: %s",
		       sigbus ? "SIGBUS" : "served");
	}
	ASSERT_EQ(0, charged_of(c.id, &ch));
	if (sigbus)
		ASSERT_LE(1, ch.stalls);
	ASSERT_EQ(0, ch.stalling);

	ASSERT_EQ(0, region_knob("reserve", c.id, 1));
	ASSERT_EQ(0, fill_node0(self->fd, &b));
	t.p = p + (pages - 1) * page_size();
	status = aemt_run_child(touch_page, &t);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
	ASSERT_EQ(0, charged_of(c.id, &ch));
	ASSERT_EQ(0, ch.stalling);
	ASSERT_EQ(1, p[(pages - 1) * page_size()]);
	ASSERT_EQ(0, exact(_metadata, c.fd, c.id));

	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
	munmap(p, pages * page_size());
	close(c.fd);
	ASSERT_EQ(0, policy_counter("underflows"));
	ASSERT_EQ(0, policy_counter("leaked"));
}

TEST_HARNESS_MAIN
