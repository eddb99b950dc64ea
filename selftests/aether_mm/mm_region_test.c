// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_test.c - regions: memory of the pool that processes map
 *
 * The contract is the "Regions" part of include/uapi/linux/aether_mm.h.
 * Fixtures:
 *
 *   region_uapi	the struct-size convention and reserved fields of the
 *			six REGION_* commands (one variant per command)
 *   region		every other error answer; mmap rules; demand paging;
 *			the life of frames; copy-on-write across fork in both
 *			directions and the last writer's steal; shared
 *			regions; maximum protection and W^X; guard pages;
 *			named regions; REGION_LIST; REGION_CHECKSUM against a
 *			userspace CRC-32; the fault predictor's prefetch;
 *			REGION_MIGRATE (to a node and AUTO); compaction
 *			(AETHER_MM_IOC_COMPACT and its parameters); access
 *			tracking and NUMA balancing parameters; 2 MiB maps of
 *			HUGE regions (PMDs, COW, split, frames back);
 *			the reclaim debugfs files
 *   region_node	BIND places frames on the bound node (node0, node1)
 *   region_tier	tiers steer a LOCAL region (fast, slow, normal)
 *
 * Children made with fork() never use the harness's ASSERTs (they would
 * unwind into the harness of the wrong process): they report through an
 * exit status or a pipe, and the test process asserts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define MIB			(1UL << 20)
#define KERNEL_PTR		0xffff888000000000ULL
#define UAPI_BUF_SIZE		1024
#define UAPI_TAIL		64

#define PROT_RW			(PROT_READ | PROT_WRITE)
#define AEM_RW			(AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE)
#define AEM_PRIVATE		AETHER_MM_REGION_PRIVATE
#define AEM_SHARED		AETHER_MM_REGION_SHARED

/* ---- helpers ------------------------------------------------------- */

static size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* "t-<tag>-<pid>": unique per test process. */
static void test_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "t-%s-%d", tag, (int)getpid());
}

/* xorshift64*, for contents that differ from page to page and run to run. */
static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void fill_random(void *buf, size_t len, __u64 *seed)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = rnd(seed);
}

/* A new read-write region of @pages pages, mapped whole. */
static unsigned char *region_mapped(int fd, __u32 flags, size_t pages,
				    int *rfd)
{
	size_t len = pages * page_size();
	void *p;

	*rfd = aemt_region_new(fd, flags, len);
	if (*rfd < 0)
		return NULL;
	p = aemt_region_map(*rfd, len, PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

/* Create with @c and close at once: 0 or -errno. */
static int create_close(int fd, struct aether_mm_region_create *c)
{
	int ret = aemt_region_create(fd, c);

	if (!ret)
		close(c->fd);
	return ret;
}

/* The region's resident frames, or ~0 on error. */
static __u64 resident(int rfd)
{
	struct aether_mm_region_info ri;

	return aemt_region_info(rfd, &ri) ? ~0ULL : ri.resident;
}

/* Touch @addr (read or write) in a child: its wait status. */
struct touch {
	volatile unsigned char *addr;
	bool write;
};

static int touch_child(void *arg)
{
	struct rlimit nocore = { 0, 0 };
	struct touch *t = arg;

	setrlimit(RLIMIT_CORE, &nocore);
	if (t->write)
		*t->addr = 0x5a;
	else
		(void)*t->addr;
	return 0;
}

static int touch_status(volatile unsigned char *addr, bool write)
{
	struct touch t = { .addr = addr, .write = write };

	return aemt_run_child(touch_child, &t);
}

static bool died_of(int status, int sig)
{
	return status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/*
 * A child with two pipes: it sends values up, the parent sends values
 * down.  The child's function returns its exit status (non-zero names
 * the step that failed); kid_finish() closes the parent's ends, which a
 * child waiting in kid_get() sees as its cue to end, and reaps it.
 */
struct kid {
	pid_t pid;
	int up;		/* parent: read end; child: write end */
	int down;	/* parent: write end; child: read end */
};

static int kid_put(int fd, __u64 v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -EIO;
}

static int kid_get(int fd, __u64 *v)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*v)) {
		n = read(fd, (char *)v + got, sizeof(*v) - got);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += n;
	}
	return 0;
}

static int kid_start(struct kid *k, int (*fn)(struct kid *k, void *arg),
		     void *arg)
{
	int up[2], down[2];

	if (pipe(up))
		return -errno;
	if (pipe(down)) {
		close(up[0]);
		close(up[1]);
		return -errno;
	}
	/* A child that died early must fail an assert, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	fflush(stderr);
	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		close(up[0]);
		close(down[1]);
		k->up = up[1];
		k->down = down[0];
		_exit(fn(k, arg));
	}
	close(up[1]);
	close(down[0]);
	k->up = up[0];
	k->down = down[1];
	return 0;
}

static int kid_finish(struct kid *k)
{
	int status = -1;

	close(k->down);
	close(k->up);
	if (waitpid(k->pid, &status, 0) != k->pid)
		return -1;
	return status;
}

static bool exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* ---- region_uapi: struct sizes and reserved fields ----------------- */

FIXTURE(region_uapi) {
	int fd;
	int rfd;
	unsigned char *map;
	char name[AETHER_MM_REGION_NAME_MAX];
	__u64 ids[4];
	unsigned char buf[UAPI_BUF_SIZE];
};

FIXTURE_VARIANT(region_uapi) {
	unsigned long cmd;
	size_t size;
	bool on_region;		/* a region fd command */
	long reserved_off[2];	/* offsets of reserved fields, or -1 */
	void (*prepare)(FIXTURE_DATA(region_uapi) *self, void *buf);
};

static void prep_create(FIXTURE_DATA(region_uapi) *self, void *buf)
{
	aemt_region_args(buf, AEM_PRIVATE, page_size());
}

static void prep_open(FIXTURE_DATA(region_uapi) *self, void *buf)
{
	struct aether_mm_region_open *o = buf;

	o->name = (uintptr_t)self->name;
}

static void prep_list(FIXTURE_DATA(region_uapi) *self, void *buf)
{
	struct aether_mm_region_list *l = buf;

	l->count = AEMT_ARRAY_SIZE(self->ids);
	l->ids = (uintptr_t)self->ids;
}

static void prep_nothing(FIXTURE_DATA(region_uapi) *self, void *buf)
{
}

static void prep_query(FIXTURE_DATA(region_uapi) *self, void *buf)
{
	struct aether_mm_region_query *q = buf;

	q->addr = (uintptr_t)self->map;
}

static void prep_checksum(FIXTURE_DATA(region_uapi) *self, void *buf)
{
	struct aether_mm_region_checksum *c = buf;

	c->length = page_size();
}

#define UAPI_VARIANT(vname, ioc, type, region, r0, r1, prep)		\
	FIXTURE_VARIANT_ADD(region_uapi, vname) {			\
		.cmd = ioc,						\
		.size = sizeof(struct type),				\
		.on_region = region,					\
		.reserved_off = { r0, r1 },				\
		.prepare = prep,					\
	}

UAPI_VARIANT(create, AETHER_MM_IOC_REGION_CREATE, aether_mm_region_create,
	     false, offsetof(struct aether_mm_region_create, __reserved0), -1,
	     prep_create);
UAPI_VARIANT(open, AETHER_MM_IOC_REGION_OPEN, aether_mm_region_open, false,
	     -1, -1,
	     prep_open);
UAPI_VARIANT(list, AETHER_MM_IOC_REGION_LIST, aether_mm_region_list, false,
	     offsetof(struct aether_mm_region_list, __reserved0), -1,
	     prep_list);
UAPI_VARIANT(info, AETHER_MM_IOC_REGION_INFO, aether_mm_region_info, true,
	     offsetof(struct aether_mm_region_info, __reserved0),
	     offsetof(struct aether_mm_region_info, __reserved1),
	     prep_nothing);
UAPI_VARIANT(query, AETHER_MM_IOC_REGION_QUERY, aether_mm_region_query,
	     true, -1, -1, prep_query);
UAPI_VARIANT(checksum, AETHER_MM_IOC_REGION_CHECKSUM,
	     aether_mm_region_checksum, true,
	     offsetof(struct aether_mm_region_checksum, __reserved0),
	     offsetof(struct aether_mm_region_checksum, __reserved1),
	     prep_checksum);

FIXTURE_SETUP(region_uapi)
{
	struct aether_mm_region_create c;

	self->rfd = -1;
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	test_name(self->name, sizeof(self->name), "uapi");
	aemt_region_args(&c, AEM_SHARED, 4 * page_size());
	c.name = (uintptr_t)self->name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	self->rfd = c.fd;
	self->map = aemt_region_map(self->rfd, 4 * page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_LE(variant->size + UAPI_TAIL, sizeof(self->buf));
	variant->prepare(self, self->buf);
}

FIXTURE_TEARDOWN(region_uapi)
{
	if (self->rfd >= 0)
		close(self->rfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* Send the prepared argument with @size; close an fd it handed out. */
static int uapi_call(FIXTURE_DATA(region_uapi) *self,
		     const FIXTURE_VARIANT(region_uapi) *v, __u32 size)
{
	int fd = v->on_region ? self->rfd : self->fd;
	int ret;

	memcpy(self->buf, &size, sizeof(size));
	ret = aemt_ioctl(fd, v->cmd, self->buf);
	if (!ret && v->cmd == AETHER_MM_IOC_REGION_CREATE)
		close(((struct aether_mm_region_create *)self->buf)->fd);
	if (!ret && v->cmd == AETHER_MM_IOC_REGION_OPEN)
		close(((struct aether_mm_region_open *)self->buf)->fd);
	return ret;
}

TEST_F(region_uapi, exact_size_accepted)
{
	ASSERT_EQ(0, uapi_call(self, variant, variant->size));
}

TEST_F(region_uapi, size_short_einval)
{
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, 0));
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, 4));
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, variant->size - 8));
}

TEST_F(region_uapi, size_larger_zero_tail_accepted)
{
	ASSERT_EQ(0, uapi_call(self, variant, variant->size + UAPI_TAIL));
}

TEST_F(region_uapi, size_larger_nonzero_tail_e2big)
{
	self->buf[variant->size + UAPI_TAIL - 1] = 1;
	ASSERT_EQ(-E2BIG, uapi_call(self, variant, variant->size + UAPI_TAIL));
	self->buf[variant->size + UAPI_TAIL - 1] = 0;
	self->buf[variant->size] = 0x80;
	ASSERT_EQ(-E2BIG, uapi_call(self, variant, variant->size + 1));
}

TEST_F(region_uapi, reserved_nonzero_einval)
{
	__u32 bad[] = { 1, 0x80000000 };
	unsigned int r, i;

	if (variant->reserved_off[0] < 0)
		SKIP(return, "no reserved field in this struct");
	for (r = 0; r < 2 && variant->reserved_off[r] >= 0; r++) {
		for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
			const __u32 v = bad[i];

			memcpy(self->buf + variant->reserved_off[r], &v,
			       sizeof(v));
			ASSERT_EQ(-EINVAL, uapi_call(self, variant,
						     variant->size))
				TH_LOG("reserved field %u = %#x", r, v);
		}
		memset(self->buf + variant->reserved_off[r], 0, sizeof(bad[0]));
	}
	/* Back to zero: accepted again, so the field was what failed. */
	ASSERT_EQ(0, uapi_call(self, variant, variant->size));
}

/* ---- region: the other error answers ------------------------------- */

FIXTURE(region) {
	int fd;
	struct aether_mm_pool_info pi;
	size_t page;
};

FIXTURE_SETUP(region)
{
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	self->page = self->pi.page_size;
	ASSERT_EQ(page_size(), self->page);
}

FIXTURE_TEARDOWN(region)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The baseline the error tests vary: a one-page private region works. */
TEST_F(region, create_answers_fd_and_id)
{
	struct aether_mm_region_create c, d;
	struct aether_mm_region_info ri;

	aemt_region_args(&c, AEM_PRIVATE, 4 * self->page);
	c.tier = AETHER_MM_TIER_SLOW;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_LE(0, c.fd);
	ASSERT_NE(0, c.id);
	ASSERT_EQ(O_RDWR, fcntl(c.fd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fcntl(c.fd, F_GETFD) & FD_CLOEXEC);

	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(c.id, ri.id);
	ASSERT_EQ(AEM_PRIVATE, ri.flags);
	ASSERT_EQ(AEM_RW, ri.max_prot);
	ASSERT_EQ(AETHER_MM_TIER_SLOW, ri.tier);
	ASSERT_EQ(4 * self->page, ri.length);
	ASSERT_EQ(0, ri.data_offset);
	ASSERT_EQ(0, ri.resident);
	ASSERT_EQ(0, ri.cow_copies);
	ASSERT_EQ(0, ri.nr_views);
	ASSERT_EQ(1, ri.nr_files);

	aemt_region_args(&d, AEM_SHARED | AETHER_MM_REGION_CLOEXEC, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &d));
	ASSERT_NE(c.id, d.id);
	ASSERT_NE(c.fd, d.fd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(d.fd, F_GETFD) & FD_CLOEXEC);
	close(d.fd);
	close(c.fd);
}

TEST_F(region, create_unknown_flags_einval)
{
	struct aether_mm_region_create c;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & AETHER_MM_REGION_FLAGS)
			continue;
		aemt_region_args(&c, AEM_PRIVATE | 1U << bit, self->page);
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("flag bit %u accepted", bit);
	}
	/* The stored-only flags are known. */
	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE |
			 AETHER_MM_REGION_COMPRESSIBLE |
			 AETHER_MM_REGION_SECURE, self->page);
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_F(region, create_needs_private_xor_shared_einval)
{
	struct aether_mm_region_create c;

	aemt_region_args(&c, 0, self->page);
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	aemt_region_args(&c, AEM_PRIVATE | AEM_SHARED, self->page);
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	aemt_region_args(&c, AETHER_MM_REGION_MERGEABLE, self->page);
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	aemt_region_args(&c, AETHER_MM_REGION_GUARD, self->page);
	c.guard_pages = 1;
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));

	aemt_region_args(&c, AEM_PRIVATE, self->page);
	ASSERT_EQ(0, create_close(self->fd, &c));
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_F(region, create_huge_accepted)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;

	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_HUGE, 2 * MIB);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_TRUE(ri.flags & AETHER_MM_REGION_HUGE);
	close(c.fd);
	/* Any length: the 2 MiB ranges inside get PMDs, the rest pages. */
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_HUGE, 3 * page_size());
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_F(region, create_length_zero_or_unaligned_einval)
{
	const __u64 bad[] = {
		0, 1, self->page - 1, self->page + 1, 3 * self->page + 512,
		self->page / 2,
	};
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_PRIVATE, bad[i]);
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("length %llu accepted",
			       (unsigned long long)c.length);
	}
}

/* Beyond the pool's largest size (every node at its limit) it fails. */
TEST_F(region, create_length_over_pool_max_fails)
{
	__u64 max_pages = 0, mask = ~((__u64)self->page - 1);
	struct aether_mm_region_create c;
	__u64 huge[5];
	unsigned int i;
	__u32 n;

	for (n = 0; n < self->pi.nr_nodes; n++)
		max_pages += self->pi.node_chunks_max[n] <<
			     self->pi.chunk_order;
	ASSERT_LT(0, max_pages);
	huge[0] = (max_pages + 1) * self->page;
	huge[1] = 2 * max_pages * self->page;
	huge[2] = 1ULL << 46;
	huge[3] = 1ULL << 63;
	huge[4] = ~0ULL & mask;
	for (i = 0; i < AEMT_ARRAY_SIZE(huge); i++) {
		aemt_region_args(&c, AEM_PRIVATE, huge[i]);
		ASSERT_NE(0, create_close(self->fd, &c))
			TH_LOG("length %#llx accepted",
			       (unsigned long long)c.length);
	}
	/* Not a blanket refusal: a large lazy region is fine. */
	aemt_region_args(&c, AEM_PRIVATE, 32 * MIB);
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_F(region, create_max_prot_einval)
{
	const __u32 bad[] = {
		0, AETHER_MM_PROT_WRITE, AETHER_MM_PROT_EXEC,
		AETHER_MM_PROT_WRITE | AETHER_MM_PROT_EXEC,
		AETHER_MM_PROT_READ | 8, AETHER_MM_PROT_READ | 1U << 31, ~0U,
	};
	const __u32 good[] = {
		AETHER_MM_PROT_READ, AEM_RW,
		AETHER_MM_PROT_READ | AETHER_MM_PROT_EXEC, AETHER_MM_PROT_ALL,
	};
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.max_prot = bad[i];
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("max_prot %#x accepted", c.max_prot);
	}
	for (i = 0; i < AEMT_ARRAY_SIZE(good); i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.max_prot = good[i];
		ASSERT_EQ(0, create_close(self->fd, &c))
			TH_LOG("max_prot %#x refused", c.max_prot);
	}
}

TEST_F(region, create_tier_out_of_range_einval)
{
	const __u32 bad[] = { AETHER_MM_NR_TIERS, 7, 1U << 31, ~0U };
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.tier = bad[i];
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("tier %u accepted", c.tier);
	}
	for (i = 0; i < AETHER_MM_NR_TIERS; i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.tier = i;
		ASSERT_EQ(0, create_close(self->fd, &c));
	}
}

TEST_F(region, create_bad_policy_einval)
{
	__u64 beyond = 1ULL << self->pi.nr_nodes;
	__u64 all = beyond - 1;
	const struct { __u32 mode; __u64 mask; } bad[] = {
		{ AETHER_MM_NR_POL, 1 },
		{ ~0U, 1 },
		{ AETHER_MM_POL_BIND, 0 },
		{ AETHER_MM_POL_PREFERRED, 0 },
		{ AETHER_MM_POL_INTERLEAVE, 0 },
		{ AETHER_MM_POL_BIND, 1 | beyond },
		{ AETHER_MM_POL_PREFERRED, beyond },
		{ AETHER_MM_POL_INTERLEAVE, 1 | 1ULL << 63 },
		{ AETHER_MM_POL_BIND, 1ULL << AETHER_MM_MAX_NODES },
	}, good[] = {
		{ AETHER_MM_POL_LOCAL, 0 },
		{ AETHER_MM_POL_PREFERRED, 1 },
		{ AETHER_MM_POL_BIND, all },
		{ AETHER_MM_POL_INTERLEAVE, all },
	};
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.pol_mode = bad[i].mode;
		c.nodemask = bad[i].mask;
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("case %u: mode %u mask %#llx accepted", i,
			       c.pol_mode, (unsigned long long)c.nodemask);
	}
	for (i = 0; i < AEMT_ARRAY_SIZE(good); i++) {
		aemt_region_args(&c, AEM_PRIVATE, self->page);
		c.pol_mode = good[i].mode;
		c.nodemask = good[i].mask;
		ASSERT_EQ(0, create_close(self->fd, &c))
			TH_LOG("case %u refused", i);
	}
}

TEST_F(region, create_guard_pages_rules_einval)
{
	const __u32 bad[] = { 0, AETHER_MM_REGION_MAX_GUARD + 1, 1U << 31, ~0U };
	struct aether_mm_region_create c;
	unsigned int i;

	aemt_region_args(&c, AEM_PRIVATE, self->page);
	c.guard_pages = 1;
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));	/* without GUARD */
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_GUARD,
				 self->page);
		c.guard_pages = bad[i];
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("guard_pages %u accepted", c.guard_pages);
	}
	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_GUARD, self->page);
	c.guard_pages = 1;
	ASSERT_EQ(0, create_close(self->fd, &c));
	c.guard_pages = AETHER_MM_REGION_MAX_GUARD;
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_F(region, create_name_rules)
{
	/* Latin-1 letters too: only ASCII [A-Za-z0-9._-] is allowed. */
	static const char * const bad[] = {
		"", "a b", "a/b", "../x", "a\tb", "a:b", "a*", "a\nb", "name!",
		"\xc3\xa9t\xc3\xa9", "caf\xe9", "\xc0", "x\xff",
	};
	char name[AETHER_MM_REGION_NAME_MAX + 40];
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_SHARED, self->page);
		c.name = (uintptr_t)bad[i];
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("name '%s' accepted", (char *)(uintptr_t)c.name);
	}
	/* 63 bytes of every allowed class: the longest name. */
	snprintf(name, sizeof(name), "%d-", (int)getpid());
	memset(name + strlen(name), 'x', AETHER_MM_REGION_NAME_MAX - 1 -
	       strlen(name));
	memcpy(name + AETHER_MM_REGION_NAME_MAX - 8, "A.z_0-9", 7);
	name[AETHER_MM_REGION_NAME_MAX - 1] = '\0';
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, create_close(self->fd, &c));
	/* 64 and more: too long. */
	memset(name, 'y', sizeof(name));
	name[AETHER_MM_REGION_NAME_MAX] = '\0';
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	name[sizeof(name) - 1] = '\0';
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
}

TEST_F(region, create_name_bad_pointer_efault)
{
	struct aether_mm_region_create c;
	unsigned char *p;

	/* Two pages: a name running into the second, which is unmapped. */
	p = mmap(NULL, 2 * self->page, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	memset(p + self->page - 8, 'a', 8);

	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)(p + self->page - 8);
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = (uintptr_t)(p + self->page);
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = KERNEL_PTR;
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = 1;
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	/* The same bytes, ended: accepted. */
	p[self->page - 1] = '\0';
	c.name = (uintptr_t)(p + self->page - 8);
	ASSERT_EQ(0, create_close(self->fd, &c));
	munmap(p, self->page);
}

TEST_F(region, create_duplicate_name_eexist)
{
	struct aether_mm_region_create c, d;
	char name[AETHER_MM_REGION_NAME_MAX];

	test_name(name, sizeof(name), "dup");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));

	aemt_region_args(&d, AEM_SHARED, self->page);
	d.name = (uintptr_t)name;
	ASSERT_EQ(-EEXIST, create_close(self->fd, &d));
	aemt_region_args(&d, AEM_PRIVATE, 8 * self->page);
	d.name = (uintptr_t)name;
	ASSERT_EQ(-EEXIST, create_close(self->fd, &d));
	/* The name goes with the region. */
	close(c.fd);
	ASSERT_EQ(0, create_close(self->fd, &d));
}

TEST_F(region, open_unknown_name_enoent)
{
	char name[AETHER_MM_REGION_NAME_MAX];

	test_name(name, sizeof(name), "nobody-made-this");
	ASSERT_EQ(-ENOENT, aemt_region_open(self->fd, name, 0, NULL));
}

TEST_F(region, open_bad_flags_or_name)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX];
	const __u32 bad[] = { 1U << 3, 1U << 31, ~0U };
	unsigned int i;
	int rfd;

	test_name(name, sizeof(name), "open");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		const __u32 flags = bad[i];

		ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, name, flags,
						    NULL))
			TH_LOG("open flags %#x accepted", flags);
	}
	ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, "", 0, NULL));
	ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, "a b", 0, NULL));
	ASSERT_EQ(-EFAULT, aemt_region_open(self->fd, NULL, 0, NULL));
	ASSERT_EQ(-EFAULT, aemt_region_open(self->fd, (void *)KERNEL_PTR, 0,
					    NULL));
	rfd = aemt_region_open(self->fd, name, AETHER_MM_REGION_OPEN_FLAGS,
			       NULL);
	ASSERT_LE(0, rfd);
	close(rfd);
	close(c.fd);
}

/* OPEN gives a new fd of the same region; RDONLY forbids writable maps. */
TEST_F(region, open_gives_fd_of_same_region)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;
	char name[AETHER_MM_REGION_NAME_MAX];
	unsigned char *w, *r;
	int rw, ro;
	__u64 id;

	test_name(name, sizeof(name), "same");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	rw = aemt_region_open(self->fd, name, 0, &id);
	ASSERT_LE(0, rw);
	ASSERT_EQ(c.id, id);
	ASSERT_EQ(O_RDWR, fcntl(rw, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fcntl(rw, F_GETFD) & FD_CLOEXEC);
	ro = aemt_region_open(self->fd, name, AETHER_MM_REGION_OPEN_RDONLY |
			      AETHER_MM_REGION_OPEN_CLOEXEC, &id);
	ASSERT_LE(0, ro);
	ASSERT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(FD_CLOEXEC, fcntl(ro, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, aemt_region_info(ro, &ri));
	ASSERT_EQ(c.id, ri.id);
	ASSERT_EQ(3, ri.nr_files);

	ASSERT_EQ(MAP_FAILED, aemt_region_map(ro, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	r = aemt_region_map(ro, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, r);
	w = aemt_region_map(rw, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, w);
	w[100] = 0x42;
	ASSERT_EQ(0x42, r[100]);
	munmap(r, self->page);
	munmap(w, self->page);
	close(ro);
	close(rw);
	close(c.fd);
}

/* What alice's REGION_LIST shows, in memory shared with the test. */
struct list_as {
	__u64 own_id;
	__u64 ids[AETHER_MM_REGION_MAX_LIST];
	__u32 count;
	__u32 total;
};

/* As alice: create a region on her own fd, then list. */
static int list_as_alice(void *arg)
{
	struct aether_mm_region_create c;
	struct list_as *l = arg;
	int fd = aemt_open(), ret;

	if (fd < 0)
		return fd;
	aemt_region_args(&c, AEM_PRIVATE, page_size());
	ret = aemt_region_create(fd, &c);
	if (ret)
		return ret;
	l->own_id = c.id;
	l->count = AETHER_MM_REGION_MAX_LIST;
	ret = aemt_region_list(fd, l->ids, &l->count, &l->total);
	close(c.fd);
	close(fd);
	return ret;
}

/* REGION_LIST shows a caller its own regions; root's stay hidden. */
TEST_F(region, list_shows_only_own_regions)
{
	struct aether_mm_region_create c;
	struct list_as *l;
	__u32 i;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	l = mmap(NULL, sizeof(*l), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, l);
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, list_as_alice, l));
	ASSERT_EQ(1, l->total);
	ASSERT_EQ(1, l->count);
	ASSERT_EQ(l->own_id, l->ids[0]);
	for (i = 0; i < l->count; i++)
		ASSERT_NE(c.id, l->ids[i]);
	munmap(l, sizeof(*l));
	close(c.fd);
}

TEST_F(region, list_bad_count_einval)
{
	static __u64 ids[AETHER_MM_REGION_MAX_LIST + 1];
	__u32 count;

	count = AETHER_MM_REGION_MAX_LIST + 1;
	ASSERT_EQ(-EINVAL, aemt_region_list(self->fd, ids, &count, NULL));
	count = ~0U;
	ASSERT_EQ(-EINVAL, aemt_region_list(self->fd, ids, &count, NULL));
	count = AETHER_MM_REGION_MAX_LIST;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, NULL));
}

TEST_F(region, list_shows_live_regions)
{
	static __u64 ids[AETHER_MM_REGION_MAX_LIST];
	__u32 count = 0, total0, total, i;
	int rfd[3], k, found;
	__u64 id[3];

	ASSERT_EQ(0, aemt_region_list(self->fd, NULL, &count, &total0));
	ASSERT_EQ(0, count);
	for (k = 0; k < 3; k++) {
		struct aether_mm_region_create c;

		aemt_region_args(&c, k ? AEM_SHARED : AEM_PRIVATE, self->page);
		ASSERT_EQ(0, aemt_region_create(self->fd, &c));
		rfd[k] = c.fd;
		id[k] = c.id;
	}
	count = AETHER_MM_REGION_MAX_LIST;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, &total));
	ASSERT_EQ(total0 + 3, total);
	ASSERT_EQ(total < AETHER_MM_REGION_MAX_LIST ? total :
		  AETHER_MM_REGION_MAX_LIST, count);
	for (k = 0; k < 3; k++) {
		found = 0;
		for (i = 0; i < count; i++)
			found += ids[i] == id[k];
		ASSERT_EQ(1, found) TH_LOG("region %llu listed %d times",
					   (unsigned long long)id[k], found);
	}
	/* Room for two: two ids, the total still counts all. */
	count = 2;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, &total));
	ASSERT_EQ(2, count);
	ASSERT_EQ(total0 + 3, total);

	close(rfd[1]);
	count = AETHER_MM_REGION_MAX_LIST;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, &total));
	ASSERT_EQ(total0 + 2, total);
	for (i = 0; i < count; i++)
		ASSERT_NE(id[1], ids[i]);
	close(rfd[0]);
	close(rfd[2]);
	count = 0;
	ASSERT_EQ(0, aemt_region_list(self->fd, NULL, &count, &total));
	ASSERT_EQ(total0, total);
}

/* Region fds answer only the region commands, the device only its own. */
TEST_F(region, wrong_fd_kind_enotty)
{
	const unsigned long device_cmds[] = {
		AETHER_MM_IOC_POOL_INFO, AETHER_MM_IOC_ALLOC,
		AETHER_MM_IOC_STATS, AETHER_MM_IOC_REGION_CREATE,
		AETHER_MM_IOC_REGION_OPEN, AETHER_MM_IOC_REGION_LIST,
		_IO(AETHER_MM_IOC_MAGIC, 0x3f), _IOWR('x', 0x00, __u64),
		_IOWR(AETHER_MM_IOC_MAGIC, 0x3e, struct aether_mm_region_info),
	};
	const unsigned long region_cmds[] = {
		AETHER_MM_IOC_REGION_INFO, AETHER_MM_IOC_REGION_QUERY,
		AETHER_MM_IOC_REGION_CHECKSUM,
	};
	unsigned long long arg[64] = { 0 };
	unsigned int i;
	int rfd;

	rfd = aemt_region_new(self->fd, AEM_PRIVATE, self->page);
	ASSERT_LE(0, rfd);
	for (i = 0; i < AEMT_ARRAY_SIZE(device_cmds); i++) {
		const unsigned long cmd = device_cmds[i];

		memset(arg, 0, sizeof(arg));
		arg[0] = 256;	/* size: a plausible struct */
		ASSERT_EQ(-ENOTTY, aemt_ioctl(rfd, cmd, arg))
			TH_LOG("command %#lx on a region fd", cmd);
	}
	for (i = 0; i < AEMT_ARRAY_SIZE(region_cmds); i++) {
		const unsigned long cmd = region_cmds[i];

		memset(arg, 0, sizeof(arg));
		arg[0] = 256;
		ASSERT_EQ(-ENOTTY, aemt_ioctl(self->fd, cmd, arg))
			TH_LOG("command %#lx on /dev/aether_mm", cmd);
	}
	close(rfd);
}

TEST_F(region, query_outside_mapping_efault)
{
	struct aether_mm_region_query q;
	unsigned char *a, *b, *anon;
	int ra, rb;

	a = region_mapped(self->fd, AEM_PRIVATE, 2, &ra);
	ASSERT_NE(NULL, a);
	b = region_mapped(self->fd, AEM_PRIVATE, 2, &rb);
	ASSERT_NE(NULL, b);
	anon = mmap(NULL, self->page, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, anon);

	ASSERT_EQ(0, aemt_region_query(ra, a + self->page + 17, &q));
	ASSERT_EQ(-EFAULT, aemt_region_query(ra, b, &q));
	ASSERT_EQ(-EFAULT, aemt_region_query(rb, a, &q));
	ASSERT_EQ(-EFAULT, aemt_region_query(ra, anon, &q));
	ASSERT_EQ(-EFAULT, aemt_region_query(ra, NULL, &q));
	ASSERT_EQ(-EFAULT, aemt_region_query(ra, (void *)KERNEL_PTR, &q));
	ASSERT_EQ(0, munmap(a + self->page, self->page));
	ASSERT_EQ(-EFAULT, aemt_region_query(ra, a + self->page, &q));
	ASSERT_EQ(0, aemt_region_query(ra, a, &q));
	munmap(anon, self->page);
}

/* ---- mmap rules ---------------------------------------------------- */

TEST_F(region, mmap_private_einval)
{
	int rfd = aemt_region_new(self->fd, AEM_PRIVATE, 4 * self->page);
	void *p;

	ASSERT_LE(0, rfd);
	p = mmap(NULL, 4 * self->page, PROT_RW, MAP_PRIVATE, rfd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	p = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE, rfd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	p = mmap(NULL, 4 * self->page, PROT_RW, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 4 * self->page);
	close(rfd);
}

/* The file is guard + data + guard pages; nothing maps past its end. */
TEST_F(region, mmap_beyond_end_einval)
{
	const size_t data = 4, guard = 2, total = data + 2 * guard;
	const struct { size_t off, len; } bad[] = {
		{ 0, total + 1 }, { 1, total }, { total, 1 },
		{ total + 10, 1 }, { total - 1, 2 }, { 0, 1024 },
	}, good[] = {
		{ 0, total }, { 1, total - 1 }, { total - 1, 1 },
		{ guard, data },
	};
	struct aether_mm_region_create c;
	unsigned int i;
	void *p;

	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_GUARD,
			 data * self->page);
	c.guard_pages = guard;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		p = mmap(NULL, bad[i].len * self->page, PROT_RW, MAP_SHARED,
			 c.fd, bad[i].off * self->page);
		ASSERT_EQ(MAP_FAILED, p) TH_LOG("case %u mapped", i);
		ASSERT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
	for (i = 0; i < AEMT_ARRAY_SIZE(good); i++) {
		p = mmap(NULL, good[i].len * self->page, PROT_RW, MAP_SHARED,
			 c.fd, good[i].off * self->page);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("case %u: %s", i,
						strerror(errno));
		munmap(p, good[i].len * self->page);
	}
	close(c.fd);
}

/* ---- demand paging ------------------------------------------------- */

/* Reading 16 MiB maps Linux's zero page everywhere and takes no frame. */
TEST_F(region, demand_read_allocates_nothing)
{
	const size_t pages = 16 * MIB / self->page;
	struct aether_mm_region_info ri0, ri1;
	struct aether_mm_region_query q;
	volatile unsigned char *p;
	__u64 used0, used1;
	unsigned long sum = 0;
	size_t i;
	int rfd;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	for (i = 0; i < pages; i++)
		sum += p[i * self->page + (i % self->page)];
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_EQ(0, ri1.resident);
	ASSERT_LT(ri0.zero_maps, ri1.zero_maps);
	ASSERT_LT(ri0.faults, ri1.faults);
	ASSERT_EQ(1, ri1.nr_views);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, aemt_region_query(rfd, p + i * self->page, &q));
		ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state) TH_LOG("page %zu", i);
		ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_ZERO, q.map)
			TH_LOG("page %zu", i);
		ASSERT_EQ(-1, q.node);
		ASSERT_EQ(0, q.frame_id);
	}
	close(rfd);
}

/* A write takes exactly one frame, owned by the writer, on a node. */
TEST_F(region, demand_write_allocates_one_frame)
{
	const size_t pages = 16 * MIB / self->page, at = pages / 2 + 3;
	struct aether_mm_region_query q;
	struct aether_mm_region_info ri;
	volatile unsigned char *p;
	__u64 sum = 0;
	size_t i;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	(void)p[at * self->page];	/* zero page first, then the write */
	p[at * self->page + 5] = 0xa5;

	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(1, ri.resident);
	for (i = 0; i < AETHER_MM_MAX_NODES; i++)
		sum += ri.node_pages[i];
	ASSERT_EQ(1, sum);
	ASSERT_EQ(0, aemt_region_query(rfd, p + at * self->page + 5, &q));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, q.state);
	ASSERT_LE(0, q.node);
	ASSERT_GT((int)self->pi.nr_nodes, q.node);
	ASSERT_EQ(1, ri.node_pages[q.node]);
	ASSERT_NE(0, q.frame_id);
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_WRITE, q.map);
	ASSERT_EQ(0xa5, p[at * self->page + 5]);
	ASSERT_EQ(0, p[at * self->page + 4]);
	/* The neighbours are still nothing. */
	ASSERT_EQ(0, aemt_region_query(rfd, p + (at + 1) * self->page, &q));
	ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state);
	ASSERT_EQ(0, aemt_region_query(rfd, p + (at - 1) * self->page, &q));
	ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state);
	close(rfd);
}

/* Two written pages are two frames; pfn only for CAP_SYS_ADMIN. */
struct pfn_probe {
	volatile unsigned char *addr;
	struct aether_mm_region_query q;
};

static int unpriv_query(int rfd, void *arg)
{
	struct pfn_probe *pp = arg;

	return aemt_region_query(rfd, pp->addr, &pp->q);
}

TEST_F(region, query_frames_distinct_pfn_privileged)
{
	struct aether_mm_region_query q0, q1;
	struct pfn_probe *pp;
	unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, 2, &rfd);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	p[self->page] = 2;
	ASSERT_EQ(0, aemt_region_query(rfd, p, &q0));
	ASSERT_EQ(0, aemt_region_query(rfd, p + self->page, &q1));
	ASSERT_NE(0, q0.frame_id);
	ASSERT_NE(q0.frame_id, q1.frame_id);
	if (geteuid() == 0) {
		ASSERT_NE(0, q0.pfn);
		ASSERT_NE(q0.pfn, q1.pfn);
	}
	pp = mmap(NULL, sizeof(*pp), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, pp);
	pp->addr = p;
	pp->q.pfn = ~0ULL;
	ASSERT_EQ(0, aemt_run_unprivileged(unpriv_query, rfd, pp));
	ASSERT_EQ(q0.frame_id, pp->q.frame_id);
	ASSERT_EQ(0, pp->q.pfn);
	munmap(pp, sizeof(*pp));
	close(rfd);
}

/* One process sees one image of a private region, through any mapping. */
TEST_F(region, private_two_mappings_one_image)
{
	struct aether_mm_region_query qa, qb;
	unsigned char *a, *b;
	int rfd;

	a = region_mapped(self->fd, AEM_PRIVATE, 4, &rfd);
	ASSERT_NE(NULL, a);
	b = aemt_region_map(rfd, 4 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, b);
	a[2 * self->page] = 0x11;
	ASSERT_EQ(0x11, b[2 * self->page]);
	b[3 * self->page + 1] = 0x22;
	ASSERT_EQ(0x22, a[3 * self->page + 1]);
	ASSERT_EQ(0, aemt_region_query(rfd, a + 2 * self->page, &qa));
	ASSERT_EQ(0, aemt_region_query(rfd, b + 2 * self->page, &qb));
	ASSERT_EQ(qa.frame_id, qb.frame_id);
	ASSERT_EQ(2, resident(rfd));
	close(rfd);
}

/* A shared region's image outlives its mappings while an fd holds it. */
TEST_F(region, shared_content_survives_remap)
{
	unsigned char *p;
	__u32 crc0, crc1;
	int rfd;

	p = region_mapped(self->fd, AEM_SHARED, 4, &rfd);
	ASSERT_NE(NULL, p);
	aemt_pattern(p, 4 * self->page, 0xfeed);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, 4 * self->page, &crc0));
	ASSERT_EQ(0, munmap(p, 4 * self->page));
	ASSERT_EQ(4, resident(rfd));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, 4 * self->page, &crc1));
	ASSERT_EQ(crc0, crc1);
	p = aemt_region_map(rfd, 4 * self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(crc0, aemt_crc32(p, 4 * self->page));
	munmap(p, 4 * self->page);
	close(rfd);
}

/* ---- the life of frames -------------------------------------------- */

static int write_half_then_wait(struct kid *k, void *arg)
{
	unsigned char *p = arg;
	size_t i, page = page_size();
	__u64 v;

	for (i = 0; i < 32; i++)
		p[2 * i * page] = 0xc0 + i;	/* copies of shared pages */
	if (kid_put(k->up, 1))
		return 1;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

/*
 * Frames written by two processes (with copies) all go back to the pool
 * once every mapping and fd is gone, whichever goes last.
 */
TEST_F(region, close_returns_every_frame)
{
	unsigned char *p, *s;
	__u64 used0, used1, v;
	int rfd, sfd, status;
	struct kid k;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = region_mapped(self->fd, AEM_PRIVATE, 64, &rfd);
	ASSERT_NE(NULL, p);
	s = region_mapped(self->fd, AEM_SHARED, 64, &sfd);
	ASSERT_NE(NULL, s);
	memset(p, 0x5a, 64 * self->page);
	memset(s, 0xa5, 64 * self->page);

	ASSERT_EQ(0, kid_start(&k, write_half_then_wait, p));
	ASSERT_EQ(0, kid_get(k.up, &v));
	ASSERT_EQ(64 + 32, resident(rfd));
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_LE(used0 + 64 + 32 + 64, used1);
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(64, resident(rfd));	/* the child's copies went with it */

	/* fd first: the mapping keeps the region and its content. */
	ASSERT_EQ(0, close(rfd));
	ASSERT_EQ(0x5a, p[63 * self->page]);
	ASSERT_EQ(0, munmap(p, 64 * self->page));
	/* mapping first: the fd keeps the region. */
	ASSERT_EQ(0, munmap(s, 64 * self->page));
	ASSERT_EQ(64, resident(sfd));
	ASSERT_EQ(0, close(sfd));

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
}

static int write_and_exit(void *arg)
{
	int fd = *(int *)arg, rfd;
	unsigned char *p;

	p = region_mapped(fd, AEM_PRIVATE, 32, &rfd);
	if (!p)
		return 1;
	memset(p, 0x77, 32 * page_size());
	return resident(rfd) == 32 ? 0 : 2;
}

/* A process that exits holding a written region leaks nothing. */
TEST_F(region, exit_returns_every_frame)
{
	__u64 used0, used1;
	int status;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	status = aemt_run_child(write_and_exit, &self->fd);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
}

/* ---- copy-on-write ------------------------------------------------- */

struct cow {
	int rfd;
	unsigned char *p;
	unsigned char *old;	/* page 0 before the fork */
	unsigned char *new;	/* what the writer puts there */
	size_t page;
};

/* A private region of 4 pages whose page 0 holds @c->old. */
static int cow_setup(int fd, struct cow *c, __u32 flags)
{
	__u64 seed = getpid() * 0x9e3779b97f4a7c15ULL + 1;

	c->page = page_size();
	c->old = malloc(c->page);
	c->new = malloc(c->page);
	if (!c->old || !c->new)
		return -ENOMEM;
	fill_random(c->old, c->page, &seed);
	fill_random(c->new, c->page, &seed);
	c->p = region_mapped(fd, flags, 4, &c->rfd);
	if (!c->p)
		return -errno;
	memcpy(c->p, c->old, c->page);
	return 0;
}

static __u64 frame_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? 0 : q.frame_id;
}

static __u64 state_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? ~0ULL : q.state;
}

/* Child: id before, write, id after, state after, content check. */
static int cow_child_writes(struct kid *k, void *arg)
{
	struct cow *c = arg;
	__u64 v;

	if (kid_put(k->up, frame_of(c->rfd, c->p)))
		return 1;
	memcpy(c->p, c->new, c->page);
	if (kid_put(k->up, frame_of(c->rfd, c->p)) ||
	    kid_put(k->up, state_of(c->rfd, c->p)) ||
	    kid_put(k->up, !memcmp(c->p, c->new, c->page)))
		return 2;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

TEST_F(region, cow_child_write_keeps_parent)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 before, after, state, same, fid;
	__u32 crc;
	struct cow c;
	struct kid k;
	int status;

	ASSERT_EQ(0, cow_setup(self->fd, &c, AEM_PRIVATE));
	fid = frame_of(c.rfd, c.p);
	ASSERT_NE(0, fid);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(1, ri0.resident);

	ASSERT_EQ(0, kid_start(&k, cow_child_writes, &c));
	ASSERT_EQ(0, kid_get(k.up, &before));
	ASSERT_EQ(0, kid_get(k.up, &after));
	ASSERT_EQ(0, kid_get(k.up, &state));
	ASSERT_EQ(0, kid_get(k.up, &same));
	ASSERT_EQ(fid, before) TH_LOG("child saw another frame before writing");
	ASSERT_NE(0, after);
	ASSERT_NE(fid, after) TH_LOG("the child wrote into the parent's frame");
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state);
	ASSERT_EQ(1, same);

	ASSERT_EQ(0, memcmp(c.p, c.old, c.page));
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(0, aemt_region_checksum(c.rfd, 0, c.page, &crc));
	ASSERT_EQ(aemt_crc32(c.old, c.page), crc);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies + 1, ri1.cow_copies);
	ASSERT_EQ(ri0.resident + 1, ri1.resident);
	ASSERT_EQ(2, ri1.nr_views);

	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, memcmp(c.p, c.old, c.page));
	close(c.rfd);
}

/* Child: id, then after the parent wrote: content, id, checksum. */
static int cow_child_reads(struct kid *k, void *arg)
{
	struct cow *c = arg;
	__u32 crc = 0;
	__u64 v;

	if (kid_put(k->up, frame_of(c->rfd, c->p)) || kid_get(k->down, &v))
		return 1;
	if (kid_put(k->up, !memcmp(c->p, c->old, c->page)) ||
	    kid_put(k->up, frame_of(c->rfd, c->p)))
		return 2;
	if (aemt_region_checksum(c->rfd, 0, c->page, &crc) ||
	    kid_put(k->up, crc))
		return 3;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

TEST_F(region, cow_parent_write_keeps_child)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 id, same, crc, fid;
	struct cow c;
	struct kid k;
	int status;

	ASSERT_EQ(0, cow_setup(self->fd, &c, AEM_PRIVATE));
	fid = frame_of(c.rfd, c.p);
	ASSERT_NE(0, fid);
	ASSERT_EQ(0, kid_start(&k, cow_child_reads, &c));
	ASSERT_EQ(0, kid_get(k.up, &id));
	ASSERT_EQ(fid, id);

	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	memcpy(c.p, c.new, c.page);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies + 1, ri1.cow_copies);
	ASSERT_EQ(ri0.resident + 1, ri1.resident);
	ASSERT_NE(fid, frame_of(c.rfd, c.p));
	ASSERT_NE(0, frame_of(c.rfd, c.p));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state_of(c.rfd, c.p));

	ASSERT_EQ(0, kid_put(k.down, 1));
	ASSERT_EQ(0, kid_get(k.up, &same));
	ASSERT_EQ(0, kid_get(k.up, &id));
	ASSERT_EQ(0, kid_get(k.up, &crc));
	ASSERT_EQ(1, same) TH_LOG("the child sees the parent's write");
	ASSERT_EQ(fid, id);
	ASSERT_EQ(aemt_crc32(c.old, c.page), crc);
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	close(c.rfd);
}

static int read_page_and_exit(void *arg)
{
	struct cow *c = arg;

	return memcmp(c->p, c->old, c->page) ? 1 : 0;
}

/*
 * Once the child is gone nobody else can see the frame: the parent's
 * write takes it over without a copy.
 */
TEST_F(region, cow_last_writer_steals)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 used0, used1, fid;
	struct cow c;
	int status;

	ASSERT_EQ(0, cow_setup(self->fd, &c, AEM_PRIVATE));
	fid = frame_of(c.rfd, c.p);
	status = aemt_run_child(read_page_and_exit, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);

	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(1, ri0.resident);
	ASSERT_EQ(1, ri0.nr_views);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	memcpy(c.p, c.new, c.page);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_steals + 1, ri1.cow_steals);
	ASSERT_EQ(ri0.cow_copies, ri1.cow_copies);
	ASSERT_EQ(1, ri1.resident);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state_of(c.rfd, c.p));
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	close(c.rfd);
}

/* Child of a shared region: ids around its writes to pages 0 and 1. */
static int shared_child_writes(struct kid *k, void *arg)
{
	struct cow *c = arg;

	if (kid_put(k->up, frame_of(c->rfd, c->p)))
		return 1;
	memcpy(c->p, c->new, c->page);
	c->p[c->page + 9] = 0x99;	/* a page the parent never touched */
	if (kid_put(k->up, frame_of(c->rfd, c->p)) ||
	    kid_put(k->up, frame_of(c->rfd, c->p + c->page)))
		return 2;
	return 0;
}

TEST_F(region, shared_child_write_visible_to_parent)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 before, after, fid1, fid;
	struct cow c;
	struct kid k;
	int status;

	ASSERT_EQ(0, cow_setup(self->fd, &c, AEM_SHARED));
	fid = frame_of(c.rfd, c.p);
	ASSERT_NE(0, fid);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(0, kid_start(&k, shared_child_writes, &c));
	ASSERT_EQ(0, kid_get(k.up, &before));
	ASSERT_EQ(0, kid_get(k.up, &after));
	ASSERT_EQ(0, kid_get(k.up, &fid1));
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);

	ASSERT_EQ(fid, before);
	ASSERT_EQ(fid, after);
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	ASSERT_EQ(0x99, c.p[c.page + 9]);
	ASSERT_NE(0, fid1);
	ASSERT_EQ(fid1, frame_of(c.rfd, c.p + c.page));
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies, ri1.cow_copies);
	ASSERT_EQ(ri0.cow_steals, ri1.cow_steals);
	ASSERT_EQ(2, ri1.resident);
	close(c.rfd);
}

/* ---- protection ---------------------------------------------------- */

static int prot_region(int fd, __u32 flags, __u32 max_prot, size_t len)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, flags, len);
	c.max_prot = max_prot;
	ret = aemt_region_create(fd, &c);
	return ret ? ret : c.fd;
}

static int map_errno(int rfd, size_t len, int prot)
{
	void *p = aemt_region_map(rfd, len, prot);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

TEST_F(region, maxprot_read_refuses_write_and_exec)
{
	int rfd = prot_region(self->fd, AEM_SHARED, AETHER_MM_PROT_READ,
			      self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW));
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_READ | PROT_EXEC));
	p = aemt_region_map(rfd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_NONE));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	munmap(p, self->page);
	close(rfd);
}

TEST_F(region, wx_refused_without_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE, AETHER_MM_PROT_ALL,
			      self->page);
	unsigned char *p, *x;

	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_RW | PROT_EXEC));
	p = aemt_region_map(rfd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0xc3;
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	/* RW <-> RX is fine. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0xc3, p[0]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	p[1] = 0xc3;
	/* A second mapping of the same image: no exec while p writes. */
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_READ | PROT_EXEC));
	x = aemt_region_map(rfd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, x);
	ASSERT_EQ(-1, mprotect(x, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	munmap(x, self->page);
	/* Executable once nothing writes; then no writer may join it. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	x = aemt_region_map(rfd, self->page, PROT_READ | PROT_EXEC);
	ASSERT_NE(MAP_FAILED, x);
	ASSERT_EQ(0xc3, x[1]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW));
	munmap(x, self->page);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	munmap(p, self->page);
	close(rfd);
}

/* Half of a writable mapping made executable leaves the other half W. */
TEST_F(region, wx_partial_mprotect_refused_without_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE, AETHER_MM_PROT_ALL,
			      2 * self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, 2 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, 2 * self->page, PROT_READ | PROT_EXEC));
	munmap(p, 2 * self->page);
	close(rfd);
}

struct wx_child {
	int rfd;
	size_t len;
	int prot;
	void *inherited;	/* the parent's mapping, unmapped first */
};

/* Map @prot in another process: 0, or 100 + errno. */
static int wx_map_child(void *arg)
{
	struct wx_child *c = arg;
	int ret;

	if (munmap(c->inherited, c->len))
		return 99;
	ret = map_errno(c->rfd, c->len, c->prot);

	return ret ? 100 + (-ret & 0x7f) : 0;
}

/* A SHARED region is one image: W^X holds across processes. */
TEST_F(region, wx_shared_refused_across_processes)
{
	int rfd = prot_region(self->fd, AEM_SHARED, AETHER_MM_PROT_ALL,
			      self->page);
	struct wx_child c = { .rfd = rfd, .len = self->page };
	unsigned char *p;
	int status;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	c.inherited = p;
	c.prot = PROT_READ | PROT_EXEC;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(100 + EACCES, WEXITSTATUS(status));
	c.prot = PROT_READ;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	/* And the reverse. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	c.prot = PROT_RW;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(100 + EACCES, WEXITSTATUS(status));
	munmap(p, self->page);
	c.prot = PROT_RW;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	close(rfd);
}

/* Two processes race mmap() RW and RX of one SHARED region. */
struct wx_race {
	int rfd;
	size_t len;
	volatile int held[2];	/* side i holds its mapping */
	volatile int both;	/* one side saw the other's while holding */
	volatile int maps[2];
};

#define WX_RACE_ROUNDS	300

static int wx_race_side(struct wx_race *w, int side)
{
	int prot = side ? PROT_READ | PROT_EXEC : PROT_RW, i;
	void *p;

	for (i = 0; i < WX_RACE_ROUNDS; i++) {
		p = mmap(NULL, w->len, prot, MAP_SHARED, w->rfd, 0);
		if (p == MAP_FAILED) {
			if (errno != EACCES && errno != EAGAIN)
				return 1;
			continue;
		}
		__atomic_store_n(&w->held[side], 1, __ATOMIC_SEQ_CST);
		usleep(50);	/* a window the other side can land in */
		if (__atomic_load_n(&w->held[!side], __ATOMIC_SEQ_CST))
			w->both = 1;
		w->maps[side]++;
		__atomic_store_n(&w->held[side], 0, __ATOMIC_SEQ_CST);
		munmap(p, w->len);
	}
	return 0;
}

static int wx_race_exec_side(void *arg)
{
	return wx_race_side(arg, 1);
}

/*
 * The check of one process and the mapping it then makes are one step for
 * the other: an RW and an RX mapping never exist at once, whatever the
 * timing (each side marks its mapping held only once mmap() returned, and
 * unmarks it before munmap()).
 */
TEST_F(region, wx_shared_race_never_maps_both)
{
	struct wx_race *w;
	int status, ret;

	w = mmap(NULL, sizeof(*w), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, w);
	w->len = self->page;
	w->rfd = prot_region(self->fd, AEM_SHARED, AETHER_MM_PROT_ALL,
			     self->page);
	ASSERT_LE(0, w->rfd);
	status = -1;
	if (fork() == 0)
		_exit(wx_race_exec_side(w));
	ret = wx_race_side(w, 0);
	ASSERT_LT(0, wait(&status));
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, w->both);
	ASSERT_LT(0, w->maps[0] + w->maps[1]);
	TH_LOG("RW maps %d, RX maps %d", w->maps[0], w->maps[1]);
	close(w->rfd);
	munmap(w, sizeof(*w));
}

/* PRIVATE images are per process: another one may execute its own. */
TEST_F(region, wx_private_other_process_may_exec)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE, AETHER_MM_PROT_ALL,
			      self->page);
	struct wx_child c = { .rfd = rfd, .len = self->page };
	unsigned char *p;
	int status;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	c.inherited = p;
	c.prot = PROT_READ | PROT_EXEC;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	munmap(p, self->page);
	close(rfd);
}

TEST_F(region, wx_allowed_with_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_ALLOW_WX,
			      AETHER_MM_PROT_ALL, self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, self->page, PROT_RW | PROT_EXEC);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	p[0] = 0xc3;
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(0xc3, p[0]);
	munmap(p, self->page);
	close(rfd);
	/* ALLOW_WX does not lift max_prot. */
	rfd = prot_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_ALLOW_WX,
			  AEM_RW, self->page);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW | PROT_EXEC));
	close(rfd);
}

/* ---- guard pages ---------------------------------------------------- */

#define GUARD		2
#define GUARD_DATA	4
#define GUARD_TOTAL	(GUARD_DATA + 2 * GUARD)

static unsigned char *guarded(int fd, int *rfd)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_GUARD,
			 GUARD_DATA * page_size());
	c.guard_pages = GUARD;
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	p = aemt_region_map(c.fd, GUARD_TOTAL * page_size(), PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

TEST_F(region, guard_data_offset)
{
	struct aether_mm_region_info ri;
	unsigned char *p;
	int rfd;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(GUARD * self->page, ri.data_offset);
	ASSERT_EQ(GUARD_DATA * self->page, ri.length);
	ASSERT_EQ(AEM_PRIVATE | AETHER_MM_REGION_GUARD, ri.flags);
	memset(p + ri.data_offset, 0x3c, ri.length);
	ASSERT_EQ(GUARD_DATA, resident(rfd));
	close(rfd);
}

TEST_F(region, guard_pages_sigsegv)
{
	const size_t at[] = {
		0, GUARD - 1,				/* leading */
		GUARD + GUARD_DATA, GUARD_TOTAL - 1,	/* trailing */
	};
	unsigned char *p;
	unsigned int i;
	int rfd, status;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	for (i = 0; i < AEMT_ARRAY_SIZE(at); i++) {
		const size_t pg = at[i];

		status = touch_status(p + pg * self->page + 64, false);
		ASSERT_TRUE(died_of(status, SIGSEGV))
			TH_LOG("read of page %zu: status %#x", pg, status);
		status = touch_status(p + pg * self->page, true);
		ASSERT_TRUE(died_of(status, SIGSEGV))
			TH_LOG("write of page %zu: status %#x", pg, status);
	}
	/* The children can touch: the first and last data pages work. */
	status = touch_status(p + GUARD * self->page, true);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("status %#x", status);
	status = touch_status(p + (GUARD + GUARD_DATA) * self->page - 1, true);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("status %#x", status);
	close(rfd);
}

TEST_F(region, guard_query_state)
{
	struct aether_mm_region_query q;
	unsigned char *p;
	size_t i;
	int rfd;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	p[GUARD * self->page] = 1;
	for (i = 0; i < GUARD_TOTAL; i++) {
		bool guard = i < GUARD || i >= GUARD + GUARD_DATA;

		ASSERT_EQ(0, aemt_region_query(rfd, p + i * self->page, &q));
		if (guard) {
			ASSERT_EQ(AETHER_MM_PAGE_GUARD, q.state)
				TH_LOG("page %zu", i);
			ASSERT_EQ(0, q.frame_id);
			ASSERT_EQ(0, q.map & AETHER_MM_MAP_PRESENT);
		} else {
			ASSERT_EQ(i == GUARD ? AETHER_MM_PAGE_OWN :
				  AETHER_MM_PAGE_NONE, q.state)
				TH_LOG("page %zu", i);
		}
	}
	close(rfd);
}

TEST_F(region, guard_mprotect_does_not_open)
{
	unsigned char *p, *last;
	int rfd, status;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	last = p + (GUARD_TOTAL - 1) * self->page;
	ASSERT_EQ(0, mprotect(p, self->page, PROT_NONE));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(0, mprotect(last, self->page, PROT_READ));
	ASSERT_EQ(0, mprotect(last, self->page, PROT_RW));
	status = touch_status(p, true);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	status = touch_status(p, false);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	status = touch_status(last, true);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	/* A guard-only mapping is still a guard. */
	ASSERT_EQ(0, munmap(p, GUARD_TOTAL * self->page));
	p = mmap(NULL, self->page, PROT_RW, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	status = touch_status(p, false);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	munmap(p, self->page);
	close(rfd);
}

/* ---- named regions -------------------------------------------------- */

struct named {
	int fd;			/* /dev/aether_mm */
	int rfd;
	__u64 id;
	unsigned char *p;
	char name[AETHER_MM_REGION_NAME_MAX];
};

/*
 * Child: drop every fd and mapping of the region it inherited, find it by
 * name, see the parent's page 0 and write page 1.
 */
static int named_child(void *arg)
{
	struct named *n = arg;
	size_t page = page_size();
	unsigned char *p;
	__u64 id;
	int rfd;

	close(n->rfd);
	if (munmap(n->p, 4 * page))
		return 1;
	rfd = aemt_region_open(n->fd, n->name, 0, &id);
	if (rfd < 0)
		return 2;
	if (id != n->id)
		return 3;
	p = aemt_region_map(rfd, 4 * page, PROT_RW);
	if (p == MAP_FAILED)
		return 4;
	if (p[0] != 0x61 || p[page - 1] != 0x62)
		return 5;
	memset(p + page, 0x63, page);
	return 0;
}

TEST_F(region, named_open_by_name_in_child)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;
	struct named n = { .fd = self->fd };
	int status;

	test_name(n.name, sizeof(n.name), "named");
	aemt_region_args(&c, AEM_SHARED, 4 * self->page);
	c.name = (uintptr_t)n.name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	n.rfd = c.fd;
	n.id = c.id;
	n.p = aemt_region_map(n.rfd, 4 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, n.p);
	n.p[0] = 0x61;
	n.p[self->page - 1] = 0x62;

	status = aemt_run_child(named_child, &n);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0x63, n.p[self->page]);
	ASSERT_EQ(0x63, n.p[2 * self->page - 1]);
	ASSERT_EQ(0, aemt_region_info(n.rfd, &ri));
	ASSERT_EQ(2, ri.resident);
	ASSERT_EQ(1, ri.nr_files);
	ASSERT_EQ(1, ri.nr_views);
	close(n.rfd);
}

TEST_F(region, named_gone_after_last_fd_and_mapping)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX];
	unsigned char *p;
	int rfd;

	test_name(name, sizeof(name), "gone");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x44;
	ASSERT_EQ(0, close(c.fd));

	/* The mapping alone keeps it, name and content. */
	rfd = aemt_region_open(self->fd, name, 0, NULL);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(1, resident(rfd));
	ASSERT_EQ(0, close(rfd));
	ASSERT_EQ(0, munmap(p, self->page));
	ASSERT_EQ(-ENOENT, aemt_region_open(self->fd, name, 0, NULL));
	/* And the name is free again. */
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	munmap(p, self->page);
	close(c.fd);
}

static int open_as_nobody(void *arg)
{
	struct named *n = arg;
	char other[AETHER_MM_REGION_NAME_MAX];
	int ret, rfd;

	/* /dev/aether_mm was opened as root; 65534 uses that fd. */
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	ret = aemt_region_open(n->fd, n->name, 0, NULL);
	if (ret >= 0)
		return 101;
	if (ret != -EACCES)
		return 102 + (-ret & 0x1f);
	test_name(other, sizeof(other), "nobody-has-this");
	if (aemt_region_open(n->fd, other, 0, NULL) != -ENOENT)
		return 103;
	/* Its own regions are fine. */
	rfd = aemt_region_new(n->fd, AEM_PRIVATE, page_size());
	return rfd < 0 ? 104 : 0;
}

TEST_F(region, named_other_uid_eacces)
{
	struct aether_mm_region_create c;
	struct named n = { .fd = self->fd };
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to change uid");
	test_name(n.name, sizeof(n.name), "root");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)n.name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	status = aemt_run_child(open_as_nobody, &n);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	close(c.fd);
}

/* ---- REGION_CHECKSUM ------------------------------------------------ */

/*
 * Pages of four kinds: random bytes, random bytes in one quarter (the rest
 * written as zeroes), only read (the zero page), never touched.  The
 * kernel's CRC-32 of any range is zlib's crc32 of the same bytes.
 */
static void checksum_matches(struct __test_metadata *_metadata, int fd,
			     __u32 flags)
{
	const size_t pages = 64, page = page_size();
	struct aether_mm_region_info ri0, ri1;
	__u64 seed = getpid() | 1ULL << 40;
	unsigned char *p, *want;
	unsigned long sum = 0;
	size_t i, written = 0;
	__u32 crc;
	int rfd;

	p = region_mapped(fd, flags, pages, &rfd);
	ASSERT_NE(NULL, p);
	want = calloc(pages, page);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);

	for (i = 0; i < pages; i++) {
		unsigned char *w = want + i * page;

		switch (i % 4) {
		case 0:
			fill_random(w, page, &seed);
			break;
		case 1:
			fill_random(w + page / 2, page / 4, &seed);
			break;
		case 2:
			sum += ((volatile unsigned char *)p)[i * page + 7];
			continue;
		default:
			continue;
		}
		memcpy(p + i * page, w, page);
		written++;
	}
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(written, ri0.resident);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 5 * page, 7 * page, &crc));
	ASSERT_EQ(aemt_crc32(want + 5 * page, 7 * page), crc);
	ASSERT_EQ(0, aemt_region_checksum(rfd, (pages - 1) * page, page,
					  &crc));
	ASSERT_EQ(aemt_crc32(want + (pages - 1) * page, page), crc);
	/* It reads the image: nothing was faulted in. */
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_EQ(ri0.faults, ri1.faults);
	ASSERT_EQ(ri0.resident, ri1.resident);
	/* And the mapping holds the same bytes. */
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	close(rfd);
}

TEST_F(region, checksum_matches_crc32_private)
{
	checksum_matches(_metadata, self->fd, AEM_PRIVATE);
}

TEST_F(region, checksum_matches_crc32_shared)
{
	checksum_matches(_metadata, self->fd, AEM_SHARED);
}

TEST_F(region, checksum_bad_range_einval)
{
	const __u64 pg = self->page, len = 8 * pg;
	const struct { __u64 off, len; } bad[] = {
		{ 1, pg }, { pg / 2, pg }, { 0, 0 }, { 0, pg - 1 },
		{ 0, pg + 1 }, { pg, 1 }, { len, pg }, { 7 * pg, 2 * pg },
		{ 0, 2 * len }, { 0, ~0ULL & ~(pg - 1) },
		{ ~0ULL & ~(pg - 1), pg }, { 1ULL << 62, pg },
	};
	const __u64 big = AETHER_MM_CHECKSUM_MAX + 2 * pg;
	unsigned int i;
	int rfd, bfd;

	rfd = aemt_region_new(self->fd, AEM_PRIVATE, len);
	ASSERT_LE(0, rfd);
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++)
		ASSERT_EQ(-EINVAL, aemt_region_checksum(rfd, bad[i].off,
							bad[i].len, NULL))
			TH_LOG("case %u accepted", i);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 7 * pg, pg, NULL));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, NULL));

	/* Within the data but over the limit. */
	bfd = aemt_region_new(self->fd, AEM_PRIVATE, big);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(-EINVAL, aemt_region_checksum(bfd, 0,
						AETHER_MM_CHECKSUM_MAX + pg,
						NULL));
	ASSERT_EQ(-EINVAL, aemt_region_checksum(bfd, pg, big - pg, NULL));
	ASSERT_EQ(0, aemt_region_checksum(bfd, big - pg, pg, NULL));
	close(bfd);
	close(rfd);
}

/* ---- two CPUs -------------------------------------------------------- */

#define SMP_PAGES	512
#define SMP_ROUNDS	4
#define SMP_PASSES	2

struct smp_writer {
	pthread_t tid;
	pthread_barrier_t *start;
	unsigned char *p;
	int cpu;		/* -1: not pinned */
	unsigned int word;	/* the word of each page it writes */
	size_t first, last;	/* pages [first, last) */
	size_t skew;		/* starts at this page, then wraps */
	unsigned int round;
	int err;
};

static __u64 smp_value(unsigned int word, unsigned int round,
		       unsigned int pass, size_t page)
{
	return (__u64)(word + 1) << 56 | (__u64)round << 40 |
	       (__u64)pass << 32 | page;
}

static void *smp_write(void *arg)
{
	struct smp_writer *w = arg;
	size_t n = w->last - w->first, i, pg;
	unsigned int pass;

	if (w->cpu >= 0)
		w->err = aemt_pin_cpu(w->cpu);
	pthread_barrier_wait(w->start);
	for (pass = 0; pass < SMP_PASSES; pass++) {
		for (i = 0; i < n; i++) {
			pg = w->first + (w->skew + i) % n;
			((volatile __u64 *)(w->p + pg * page_size()))[w->word] =
				smp_value(w->word, w->round, pass, pg);
		}
	}
	return NULL;
}

/*
 * Two threads of one process, one per CPU, write-fault the same pages at
 * the same moment (their ranges overlap on half the region and both start
 * there).  Each writes its own word of every page, so a fault that lost a
 * race and mapped a frame the other thread never saw would lose writes.
 */
TEST_F_TIMEOUT(region, two_cpus_fault_same_pages, 120)
{
	const size_t page = self->page, len = SMP_PAGES * page;
	int cpus = aemt_nr_cpus();
	pthread_barrier_t start;
	struct smp_writer w[2];
	unsigned char *p, *want;
	unsigned int round, t;
	size_t pg;
	__u32 crc;
	int rfd;

	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (round = 0; round < SMP_ROUNDS; round++) {
		p = region_mapped(self->fd, AEM_PRIVATE, SMP_PAGES, &rfd);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		for (t = 0; t < 2; t++) {
			w[t] = (struct smp_writer) {
				.start = &start, .p = p, .word = t,
				.cpu = cpus >= 2 ? (int)t : -1,
				.round = round,
			};
		}
		/* A: [0, 3/4), from 1/4 on; B: [1/4, 1), from 1/4 on. */
		w[0].first = 0;
		w[0].last = SMP_PAGES * 3 / 4;
		w[0].skew = SMP_PAGES / 4;
		w[1].first = SMP_PAGES / 4;
		w[1].last = SMP_PAGES;
		w[1].skew = 0;
		for (t = 0; t < 2; t++)
			ASSERT_EQ(0, pthread_create(&w[t].tid, NULL,
						    smp_write, &w[t]));
		for (t = 0; t < 2; t++) {
			pthread_join(w[t].tid, NULL);
			ASSERT_EQ(0, w[t].err);
		}
		pthread_barrier_destroy(&start);

		memset(want, 0, len);
		for (t = 0; t < 2; t++)
			for (pg = w[t].first; pg < w[t].last; pg++)
				((__u64 *)(want + pg * page))[t] =
					smp_value(t, round, SMP_PASSES - 1, pg);
		ASSERT_EQ(SMP_PAGES, resident(rfd)) TH_LOG("round %u", round);
		for (pg = 0; pg < SMP_PAGES; pg++)
			ASSERT_EQ(0, memcmp(p + pg * page, want + pg * page,
					    page))
				TH_LOG("round %u page %zu: %#llx %#llx", round,
				       pg, *(unsigned long long *)(p + pg * page),
				       ((unsigned long long *)(p + pg * page))[1]);
		ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, &crc));
		ASSERT_EQ(aemt_crc32(want, len), crc);
		munmap(p, len);
		close(rfd);
	}
	free(want);
}

/* ---- region_node: policies ------------------------------------------ */

AEMT_NODE_FIXTURE(region_node)

/* A CPU whose node is not @node, or -1. */
static int cpu_off_node(int node)
{
	int cpu, n;

	for (cpu = 0; cpu < aemt_nr_cpus(); cpu++) {
		n = aemt_cpu_node(cpu);
		if (n >= 0 && n != node)
			return cpu;
	}
	return -1;
}

/* BIND: every frame on the bound node, even written from another's CPU. */
TEST_F(region_node, bind_places_frames_on_node)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_query q;
	struct aether_mm_region_info ri;
	int cpu = cpu_off_node(variant->node);
	unsigned char *p;
	size_t i;

	if (cpu >= 0)
		ASSERT_EQ(0, aemt_pin_cpu(cpu));
	aemt_region_args(&c, AEM_PRIVATE, 8 * page_size());
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1ULL << variant->node;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, 8 * page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 8; i++) {
		p[i * page_size()] = i + 1;
		ASSERT_EQ(0, aemt_region_query(c.fd, p + i * page_size(), &q));
		ASSERT_EQ(variant->node, q.node) TH_LOG("page %zu", i);
	}
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(8, ri.node_pages[variant->node]);
	ASSERT_EQ(8, ri.resident);
	close(c.fd);
}

/* PREFERRED: the node asked for while it has room. */
TEST_F(region_node, preferred_places_frames_on_node)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_query q;
	int cpu = cpu_off_node(variant->node);
	unsigned char *p;

	if (cpu >= 0)
		ASSERT_EQ(0, aemt_pin_cpu(cpu));
	aemt_region_args(&c, AEM_SHARED, 4 * page_size());
	c.pol_mode = AETHER_MM_POL_PREFERRED;
	c.nodemask = 1ULL << variant->node;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, 4 * page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, aemt_region_query(c.fd, p, &q));
	ASSERT_EQ(variant->node, q.node);
	close(c.fd);
}

/* ---- region_tier: tiers of a LOCAL region ---------------------------- */

FIXTURE(region_tier) {
	int fd;
	struct aether_mm_pool_info pi;
	int cpu_of_node[AETHER_MM_MAX_NODES];
};

FIXTURE_VARIANT(region_tier) {
	__u32 tier;
};

FIXTURE_VARIANT_ADD(region_tier, normal) {
	.tier = AETHER_MM_TIER_NORMAL,
};

FIXTURE_VARIANT_ADD(region_tier, fast) {
	.tier = AETHER_MM_TIER_FAST,
};

FIXTURE_VARIANT_ADD(region_tier, slow) {
	.tier = AETHER_MM_TIER_SLOW,
};

FIXTURE_SETUP(region_tier)
{
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	aemt_cpus_of_nodes(self->cpu_of_node);
	if (self->pi.nr_nodes < 2 || self->cpu_of_node[0] < 0 ||
	    self->cpu_of_node[1] < 0)
		AEMT_SETUP_SKIP("needs two nodes, each with a CPU");
}

FIXTURE_TEARDOWN(region_tier)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * From a CPU of each node in turn: NORMAL follows the CPU, FAST takes the
 * lowest node and SLOW the highest.
 */
TEST_F(region_tier, local_region_follows_tier)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_query q;
	int last = self->pi.nr_nodes - 1, want;
	unsigned char *p;
	unsigned int n, i;

	for (n = 0; n < 2; n++) {
		ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[n]));
		aemt_region_args(&c, AEM_PRIVATE, 4 * page_size());
		c.tier = variant->tier;
		ASSERT_EQ(0, aemt_region_create(self->fd, &c));
		p = aemt_region_map(c.fd, 4 * page_size(), PROT_RW);
		ASSERT_NE(MAP_FAILED, p);
		want = variant->tier == AETHER_MM_TIER_FAST ? 0 :
		       variant->tier == AETHER_MM_TIER_SLOW ? last : (int)n;
		for (i = 0; i < 4; i++) {
			p[i * page_size()] = 1;
			ASSERT_EQ(0, aemt_region_query(c.fd, p + i * page_size(),
						       &q));
			ASSERT_EQ(want, q.node) TH_LOG("cpu of node %u", n);
		}
		munmap(p, 4 * page_size());
		close(c.fd);
	}
}

/* ---- predictor and prefetch ------------------------------------------- */

/* Write @val to aether_mm's module parameter @name: 0 or -errno. */
static int param_write(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/aether_mm/parameters/%s",
		 name);
	return aemt_write_file(path, val);
}

static int prefetch_param(const char *val)
{
	return param_write("prefetch_max", val);
}

/* Read one byte of each of @n pages, @stride pages apart, from @first. */
static unsigned long read_stream(volatile unsigned char *p, size_t page,
				 size_t first, size_t stride, size_t n)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += p[(first + i * stride) * page];
	return sum;
}

/* A sequential read scan faults a fraction of its pages and hits. */
TEST_F(region, prefetch_sequential_scan_hits)
{
	const size_t pages = 1024;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(0, read_stream(p, self->page, 0, 1, pages));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	TH_LOG("faults %llu predicted %llu prefetched %llu hits %llu wasted %llu",
	       ri1.faults - ri0.faults, ri1.predicted, ri1.prefetched,
	       ri1.prefetch_hits, ri1.prefetch_wasted);
	ASSERT_GT(pages / 4, ri1.faults - ri0.faults);
	ASSERT_LT(0, ri1.prefetched);
	ASSERT_LT(pages / 2, ri1.prefetch_hits);
	ASSERT_GE(ri1.predicted, ri1.prefetched);
	ASSERT_EQ(0, ri1.resident);	/* mapped ahead, never allocated */
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* A strided scan (every 3rd page, then backwards every 5th) also hits. */
TEST_F(region, prefetch_strided_scan_hits)
{
	const size_t n = 512;
	struct aether_mm_region_info ri0, ri1, ri2;
	volatile unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_SHARED, 3 * n + 5 * n, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(0, read_stream(p, self->page, 0, 3, n));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_GT(n / 4, ri1.faults - ri0.faults);
	ASSERT_LT(n / 2, ri1.prefetch_hits - ri0.prefetch_hits);
	/* Backwards from the end: a negative stride. */
	ASSERT_EQ(0, read_stream(p, self->page, 3 * n + 5 * n - 1,
				 (size_t)-5, n));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri2));
	ASSERT_GT(n / 4, ri2.faults - ri1.faults);
	ASSERT_LT(n / 2, ri2.prefetch_hits - ri1.prefetch_hits);
	munmap((void *)p, (3 * n + 5 * n) * self->page);
	close(rfd);
}

/* Random reads predict (almost) nothing and fault every page. */
TEST_F(region, prefetch_random_scan_predicts_little)
{
	const size_t pages = 1024;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	size_t *order, i, j, t;
	unsigned long sum = 0;
	int rfd;

	order = malloc(pages * sizeof(*order));
	ASSERT_NE(NULL, order);
	for (i = 0; i < pages; i++)
		order[i] = i;
	srand(1234);
	for (i = pages - 1; i > 0; i--) {
		j = rand() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	for (i = 0; i < pages; i++)
		sum += p[order[i] * self->page];
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	TH_LOG("faults %llu predicted %llu", ri1.faults - ri0.faults,
	       ri1.predicted);
	ASSERT_GT(pages / 16, ri1.predicted);
	ASSERT_LT(pages - pages / 16, ri1.faults - ri0.faults);
	free(order);
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* A write stream over fresh pages maps nothing ahead: no frame is taken
 * for a page before it is written. */
TEST_F(region, prefetch_never_allocates_ahead_of_writes)
{
	const size_t pages = 512;
	struct aether_mm_region_info ri;
	volatile unsigned char *p;
	size_t i;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	for (i = 0; i < pages / 2; i++)
		p[i * self->page] = 1;
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(pages / 2, ri.resident);
	ASSERT_EQ(0, ri.prefetched);
	munmap((void *)p, pages * self->page);
	close(rfd);
}

/* prefetch_max=0 turns it off; values above 256 are refused. */
TEST_F(region, prefetch_max_param)
{
	const size_t pages = 256;
	struct aether_mm_region_info ri0, ri1;
	volatile unsigned char *p;
	int rfd, err;

	if (geteuid())
		SKIP(return, "needs root to write module parameters");
	ASSERT_EQ(-EINVAL, prefetch_param("257"));
	ASSERT_EQ(-EINVAL, prefetch_param("lots"));
	ASSERT_EQ(0, prefetch_param("0"));
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	err = p ? 0 : -1;
	if (!err) {
		aemt_region_info(rfd, &ri0);
		read_stream(p, self->page, 0, 1, pages);
		aemt_region_info(rfd, &ri1);
	}
	ASSERT_EQ(0, prefetch_param("16"));
	ASSERT_EQ(0, err);
	ASSERT_EQ(pages, ri1.faults - ri0.faults);
	ASSERT_EQ(0, ri1.predicted);
	munmap((void *)p, pages * self->page);
	close(rfd);
}


/* ---- NUMA migration on request ----------------------------------------- */

static int region_migrate(int rfd, int node, __u64 off, __u64 len,
			  struct aether_mm_region_migrate *m)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->node = node;
	m->offset = off;
	m->length = len;
	return ioctl(rfd, AETHER_MM_IOC_REGION_MIGRATE, m) ? -errno : 0;
}

/*
 * Frames move to the other node with their content, for this process and
 * for a child that shares them after fork(); the child's own frames stay.
 */
TEST_F(region, migrate_moves_frames_keeps_content)
{
	const size_t pages = 64, page = self->page;
	struct aether_mm_region_migrate m;
	struct aether_mm_region_create c;
	struct aether_mm_region_query q;
	struct aether_mm_region_info ri;
	int go[2], status;
	unsigned char *p, *want;
	__u32 crc0, crc1;
	pid_t pid;
	size_t i;

	if (self->pi.nr_nodes < 2)
		SKIP(return, "one node: nowhere to migrate to");
	aemt_region_args(&c, AEM_PRIVATE, pages * page);
	c.pol_mode = AETHER_MM_POL_BIND;
	c.nodemask = 1;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	want = malloc(pages * page);
	ASSERT_NE(NULL, want);
	srand(77);
	for (i = 0; i < pages * page; i++)
		want[i] = rand();
	memcpy(p, want, pages * page);
	ASSERT_EQ(0, aemt_region_checksum(c.fd, 0, pages * page, &crc0));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc0);

	/* A child shares every frame, and checks after the move. */
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char b;

		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		if (memcmp(p, want, pages * page))
			_exit(3);
		/*
		 * The frames it still shares with the parent moved; those
		 * the parent copied away from (the first half) are the
		 * child's alone now, and stayed.
		 */
		for (i = 0; i < pages; i++)
			if (aemt_region_query(c.fd, p + i * page, &q) ||
			    q.node != (i < pages / 2 ? 0 : 1))
				_exit(4);
		_exit(0);
	}
	close(go[0]);
	/* The parent writes half of it first: own copies and shared ones. */
	for (i = 0; i < pages / 2; i++)
		p[i * page] = want[i * page];

	ASSERT_EQ(0, region_migrate(c.fd, 1, 0, pages * page, &m));
	ASSERT_EQ(pages, m.migrated);
	ASSERT_EQ(0, m.busy);
	ASSERT_EQ(0, m.failed);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(go[1]);

	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, aemt_region_query(c.fd, p + i * page, &q));
		ASSERT_EQ(1, q.node) TH_LOG("page %zu", i);
	}
	ASSERT_EQ(0, aemt_region_checksum(c.fd, 0, pages * page, &crc1));
	ASSERT_EQ(crc0, crc1);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	/* The child's copies of the first half are gone with it. */
	ASSERT_EQ(0, ri.node_pages[0]);
	ASSERT_EQ(ri.resident, ri.node_pages[1]);
	ASSERT_LE(pages, ri.migrated);
	/* Nothing left to move. */
	ASSERT_EQ(0, region_migrate(c.fd, 1, 0, pages * page, &m));
	ASSERT_EQ(0, m.migrated);
	free(want);
	munmap(p, pages * page);
	close(c.fd);
}

TEST_F(region, migrate_bad_arguments_einval)
{
	struct aether_mm_region_migrate m;
	struct aether_mm_region_create c;
	const size_t page = self->page;

	aemt_region_args(&c, AEM_SHARED, 8 * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, -2, 0, page, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, AETHER_MM_MAX_NODES, 0, page,
					  &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, self->pi.nr_nodes, 0, page,
					  &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, 1, page, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, 0, 0, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, 0, page + 1, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, 0, 9 * page, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, 8 * page, page, &m));
	ASSERT_EQ(-EINVAL, region_migrate(c.fd, 0, ~0ULL & ~(page - 1),
					  2 * page, &m));
	/* Nothing written: nothing to move. */
	ASSERT_EQ(0, region_migrate(c.fd, 0, 0, 8 * page, &m));
	ASSERT_EQ(0, m.migrated);
	ASSERT_EQ(-ENOTTY, ioctl(self->fd, AETHER_MM_IOC_REGION_MIGRATE, &m) ?
		  -errno : 0);
	close(c.fd);
}


/* ---- compaction ---------------------------------------------------------- */

#define COMPACT_DEBUGFS "/sys/kernel/debug/aether/mm/compact"

/* The value of "@key N" in the debugfs file @path, or -1. */
static long debugfs_counter(const char *path, const char *key)
{
	char line[128], k[64];
	long v, ret = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

static long compact_counter(const char *key)
{
	return debugfs_counter(COMPACT_DEBUGFS, key);
}

static int compact(int fd, int node, __u32 order,
		   struct aether_mm_compact *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = sizeof(*cp);
	cp->node = node;
	cp->order = order;
	return aemt_ioctl(fd, AETHER_MM_IOC_COMPACT, cp);
}

/* Distinct 2 MiB pageblocks the frames of @pages pages at @p lie in. */
static size_t pageblocks_of(int rfd, unsigned char *p, size_t pages,
			    size_t page)
{
	struct aether_mm_region_query q;
	__u64 *pb = calloc(pages, sizeof(*pb));
	size_t i, j, n = 0;

	if (!pb)
		return 0;
	for (i = 0; i < pages; i++) {
		if (aemt_region_query(rfd, p + i * page, &q) || !q.pfn)
			continue;
		for (j = 0; j < n && pb[j] != q.pfn >> 9; j++)
			;
		if (j == n)
			pb[n++] = q.pfn >> 9;
	}
	free(pb);
	return n;
}

/*
 * Two SHARED regions on node 0 written page by page in turn get frames
 * in turn; closing one leaves the other's frames scattered over half-used
 * pageblocks.  @want receives the survivor's content.
 */
static unsigned char *scattered(struct __test_metadata *_metadata, int fd,
				size_t pages, size_t page, int *rfd,
				unsigned char **want)
{
	struct aether_mm_region_create a, b;
	unsigned char *pa, *pb;
	__u64 seed = 0x5eed0000 + getpid();
	size_t i;

	aemt_region_args(&a, AEM_SHARED, pages * page);
	a.pol_mode = AETHER_MM_POL_BIND;
	a.nodemask = 1;
	b = a;
	if (aemt_region_create(fd, &a) || aemt_region_create(fd, &b))
		return NULL;
	pa = aemt_region_map(a.fd, pages * page, PROT_RW);
	pb = aemt_region_map(b.fd, pages * page, PROT_RW);
	*want = malloc(pages * page);
	if (pa == MAP_FAILED || pb == MAP_FAILED || !*want)
		return NULL;
	fill_random(*want, pages * page, &seed);
	for (i = 0; i < pages; i++) {
		memcpy(pa + i * page, *want + i * page, page);
		pb[i * page] = 1;
	}
	munmap(pb, pages * page);
	close(b.fd);
	*rfd = a.fd;
	return pa;
}

/*
 * Compaction on request packs the frames of a scattered region into fewer
 * pageblocks, frees whole pageblocks, and changes no byte of content.
 */
TEST_F(region, compact_packs_frames_keeps_content)
{
	const size_t pages = 1024, page = self->page;
	struct aether_mm_compact cp;
	unsigned char *p, *want;
	size_t before, after;
	__u32 crc0, crc1;
	long moved0;
	int rfd;

	moved0 = compact_counter("migrated");
	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc0));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc0);
	before = pageblocks_of(rfd, p, pages, page);
	ASSERT_LT(0, before);

	ASSERT_EQ(0, compact(self->fd, 0, 0, &cp));
	TH_LOG("scanned %llu isolated %llu migrated %llu busy %llu failed %llu freed %llu, order-9 blocks %llu -> %llu, pageblocks of the region %zu",
	       cp.scanned, cp.isolated, cp.migrated, cp.busy, cp.failed,
	       cp.freed, cp.free_before, cp.free_after, before);
	ASSERT_LT(0, cp.scanned);
	ASSERT_LT(0, cp.isolated);
	ASSERT_LT(0, cp.migrated);
	ASSERT_LT(0, cp.freed);
	ASSERT_LT(cp.free_before, cp.free_after);
	ASSERT_EQ(0, cp.busy);

	/* Same bytes, through the old mapping and from the kernel side. */
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc1));
	ASSERT_EQ(crc0, crc1);
	after = pageblocks_of(rfd, p, pages, page);
	TH_LOG("pageblocks of the region after: %zu", after);
	ASSERT_LT(after, before);
	ASSERT_EQ(pages, resident(rfd));
	if (moved0 >= 0)
		ASSERT_LE(moved0 + (long)cp.migrated,
			  compact_counter("migrated"));
	/* Writes after the move land in the new frames. */
	memset(p, 0xa5, page);
	memcpy(want, p, page);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc1));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc1);
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/* Another process mapping the region sees the moved frames too. */
TEST_F(region, compact_moves_for_every_process)
{
	const size_t pages = 512, page = self->page;
	struct aether_mm_compact cp;
	unsigned char *p, *want;
	int go[2], status, rfd;
	pid_t pid;

	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char b;

		close(go[1]);
		if (memcmp(p, want, pages * page))
			_exit(2);
		if (read(go[0], &b, 1) != 1)
			_exit(3);
		if (memcmp(p, want, pages * page))
			_exit(4);
		/* The child's own writes go to the region too. */
		memset(p + page, 0x3c, page);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, compact(self->fd, 0, 0, &cp));
	ASSERT_LT(0, cp.migrated);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(go[1]);
	memset(want + page, 0x3c, page);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, compact_bad_arguments)
{
	struct aether_mm_region_create c;
	struct aether_mm_compact cp;

	ASSERT_EQ(-EINVAL, compact(self->fd, -2, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, self->pi.nr_nodes, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, AETHER_MM_MAX_NODES, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, 0, self->pi.max_order + 1, &cp));
	memset(&cp, 0, sizeof(cp));
	cp.size = sizeof(cp);
	cp.flags = 1;
	ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_COMPACT, &cp));
	/* Each node, and every node, with each order: accepted. */
	ASSERT_EQ(0, compact(self->fd, -1, 1, &cp));
	ASSERT_EQ(0, compact(self->fd, self->pi.nr_nodes - 1,
			     self->pi.max_order, &cp));
	ASSERT_EQ(cp.free_before <= cp.free_after, 1);
	/* Not a region fd command. */
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(-ENOTTY, compact(c.fd, -1, 0, &cp));
	close(c.fd);
}

/*
 * Background compaction: with a threshold of 0 a fragmented zone is
 * compacted within a few intervals, without a request, content intact.
 */
TEST_F_TIMEOUT(region, compact_background_runs_past_threshold, 120)
{
	const size_t pages = 1024, page = self->page;
	long runs0, moved0;
	unsigned char *p, *want;
	int rfd, i;

	runs0 = compact_counter("background_runs");
	moved0 = compact_counter("migrated");
	if (runs0 < 0)
		SKIP(return, "%s unreadable", COMPACT_DEBUGFS);
	ASSERT_EQ(0, param_write("compact_interval_ms", "0"));
	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, param_write("compact_threshold", "0"));
	ASSERT_EQ(0, param_write("compact_interval_ms", "50"));
	for (i = 0; i < 600; i++) {
		if (compact_counter("background_runs") > runs0 &&
		    compact_counter("migrated") > moved0)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(0, param_write("compact_interval_ms", "1000"));
	ASSERT_EQ(0, param_write("compact_threshold", "500"));
	ASSERT_LT(runs0, compact_counter("background_runs"));
	ASSERT_LT(moved0, compact_counter("migrated"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, compact_params_checked)
{
	ASSERT_EQ(-EINVAL, param_write("compact_threshold", "1001"));
	ASSERT_EQ(-EINVAL, param_write("compact_threshold", "-1"));
	ASSERT_EQ(-EINVAL, param_write("compact_interval_ms", "5"));
	ASSERT_EQ(-EINVAL, param_write("compact_interval_ms", "x"));
	ASSERT_EQ(0, param_write("compact_threshold", "500"));
	ASSERT_EQ(0, param_write("compact_interval_ms", "1000"));
}

/* ---- access tracking ----------------------------------------------------- */

#define ACCESS_DEBUGFS	"/sys/kernel/debug/aether/mm/access"
#define COLD_DEBUGFS	"/sys/kernel/debug/aether/mm/cold"
#define NR_GENS		8

/* Region @id's row of debugfs access: scans and pages per generation. */
static int access_row(__u64 id, long *scans, long gens[NR_GENS])
{
	char line[512];
	int ret = -ENOENT;
	FILE *f;

	f = fopen(ACCESS_DEBUGFS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long rid;
		int n;

		n = sscanf(line, "%llu %ld %ld %ld %ld %ld %ld %ld %ld %ld",
			   &rid, scans, &gens[0], &gens[1], &gens[2], &gens[3],
			   &gens[4], &gens[5], &gens[6], &gens[7]);
		if (n == 2 + NR_GENS && rid == id) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static long access_scans(__u64 id)
{
	long scans, gens[NR_GENS];

	return access_row(id, &scans, gens) ? -1 : scans;
}

/*
 * Pages read over and over stay in the young generations; pages left
 * alone age scan after scan, and the cold list offers exactly them.
 */
TEST_F_TIMEOUT(region, access_generations_hot_and_cold, 180)
{
	const size_t pages = 64, page = self->page;
	struct aether_mm_region_create c;
	long scans0, scans, gens[NR_GENS], hot = 0, cold = 0;
	bool listed[64] = { false };
	volatile unsigned char *p;
	unsigned long long rid;
	unsigned long idx;
	char line[256];
	unsigned int gen;
	size_t i;
	FILE *f;
	int node, g;

	aemt_region_args(&c, AEM_SHARED, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		p[i * page] = i;
	ASSERT_EQ(0, param_write("access_interval_ms", "100"));

	/* Wait for a first scan to see the region, then five more. */
	for (i = 0; i < 600 && access_scans(c.id) < 1; i++)
		usleep(20 * 1000);
	scans0 = access_scans(c.id);
	ASSERT_LE(1, scans0) TH_LOG("no scan of the region");
	for (i = 0; i < 100000; i++) {
		size_t k;

		for (k = 0; k < pages / 2; k++)
			(void)p[k * page];
		usleep(1000);
		if (access_scans(c.id) >= scans0 + 5)
			break;
	}
	/* No more scans: the table and the cold list must agree. */
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	ASSERT_EQ(0, access_row(c.id, &scans, gens));
	for (g = 0; g < NR_GENS; g++)
		TH_LOG("gen%d %ld", g, gens[g]);
	ASSERT_LE(scans0 + 5, scans);
	for (g = 0; g < 2; g++)
		hot += gens[g];
	for (g = 2; g < NR_GENS; g++)
		cold += gens[g];
	ASSERT_EQ(pages / 2, hot);
	ASSERT_EQ(pages / 2, cold);

	/* The cold list offers the pages left alone, and only them. */
	f = fopen(COLD_DEBUGFS, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %lu %u %d", &rid, &idx, &gen,
			   &node) != 4 || rid != c.id)
			continue;
		ASSERT_LE(pages / 2, idx) TH_LOG("hot page %lu listed", idx);
		ASSERT_GT(pages, idx);
		ASSERT_LE(2, gen);
		listed[idx] = true;
	}
	fclose(f);
	for (i = pages / 2; i < pages; i++)
		ASSERT_TRUE(listed[i]) TH_LOG("cold page %zu not listed", i);
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	munmap((void *)p, pages * page);
	close(c.fd);
}

/* Pages without a frame have no generation: reads of holes, nothing written. */
TEST_F_TIMEOUT(region, access_counts_only_frames, 120)
{
	const size_t pages = 32, page = self->page;
	struct aether_mm_region_create c;
	long scans, gens[NR_GENS], sum = 0;
	volatile unsigned char *p;
	size_t i;
	int g;

	aemt_region_args(&c, AEM_SHARED, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		(void)p[i * page];
	for (i = 0; i < 4; i++)
		p[i * page] = 1;
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 600 && access_scans(c.id) < 2; i++)
		usleep(20 * 1000);
	ASSERT_EQ(0, access_row(c.id, &scans, gens));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_LE(2, scans);
	for (g = 0; g < NR_GENS; g++)
		sum += gens[g];
	ASSERT_EQ(4, sum);
	munmap((void *)p, pages * page);
	close(c.fd);
}

/* 0 stops the scans; out-of-range values are refused. */
TEST_F(region, access_interval_param)
{
	struct aether_mm_region_create c;
	long before;

	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "9"));
	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "3600001"));
	ASSERT_EQ(-EINVAL, param_write("access_interval_ms", "-1"));
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	usleep(300 * 1000);
	before = access_scans(c.id);
	usleep(500 * 1000);
	ASSERT_EQ(before, access_scans(c.id));
	ASSERT_EQ(0, param_write("access_interval_ms", "10"));
	usleep(500 * 1000);
	ASSERT_LT(before, access_scans(c.id));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	close(c.fd);
}

/* ---- NUMA balancing ------------------------------------------------------ */

#define NUMA_DEBUGFS	"/sys/kernel/debug/aether/mm/numa"

static long numa_counter(const char *key)
{
	return debugfs_counter(NUMA_DEBUGFS, key);
}

/* Pages of @p on node @node, by REGION_QUERY. */
static size_t pages_on(int rfd, unsigned char *p, size_t pages, size_t page,
		       int node)
{
	struct aether_mm_region_query q;
	size_t i, n = 0;

	for (i = 0; i < pages; i++)
		if (!aemt_region_query(rfd, p + i * page, &q) && q.node == node)
			n++;
	return n;
}

/* A LOCAL region written from node 0's CPU: every frame on node 0. */
static unsigned char *written_on_node0(struct __test_metadata *_metadata,
				       int fd, __u32 pol, size_t pages,
				       size_t page, int cpus[], int *rfd,
				       unsigned char **want)
{
	struct aether_mm_region_create c;
	__u64 seed = 0xa11ce + getpid();
	unsigned char *p;

	if (aemt_pin_cpu(cpus[0]))
		return NULL;
	aemt_region_args(&c, AEM_SHARED, pages * page);
	c.pol_mode = pol;
	c.nodemask = pol == AETHER_MM_POL_BIND ? 1 : 0;
	if (aemt_region_create(fd, &c))
		return NULL;
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	*want = malloc(pages * page);
	if (p == MAP_FAILED || !*want)
		return NULL;
	fill_random(*want, pages * page, &seed);
	memcpy(p, *want, pages * page);
	*rfd = c.fd;
	return p;
}

/*
 * Background balancing: pages used from node 1's CPU move to node 1 after
 * two hinting faults each, content intact.
 */
TEST_F_TIMEOUT(region, numa_balancing_moves_pages_to_their_user, 180)
{
	const size_t pages = 64, page = self->page;
	int cpus[AETHER_MM_MAX_NODES], rfd, i;
	unsigned char *p, *want;
	long moved0;
	size_t k, sum = 0;

	aemt_cpus_of_nodes(cpus);
	if (self->pi.nr_nodes < 2 || cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs CPUs on two nodes");
	moved0 = numa_counter("migrated");
	ASSERT_LE(0, moved0);
	p = written_on_node0(_metadata, self->fd, AETHER_MM_POL_LOCAL, pages,
			     page, cpus, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(pages, pages_on(rfd, p, pages, page, 0));

	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	ASSERT_EQ(0, param_write("numa_scan_pages", "4096"));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 3000; i++) {
		for (k = 0; k < pages; k++)
			sum += p[k * page];
		if (pages_on(rfd, p, pages, page, 1) == pages)
			break;
		usleep(5000);
	}
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	TH_LOG("after %d rounds: %zu pages on node 1, checksum %zu", i,
	       pages_on(rfd, p, pages, page, 1), sum);
	ASSERT_EQ(pages, pages_on(rfd, p, pages, page, 1));
	ASSERT_LE(moved0 + (long)pages, numa_counter("migrated"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/* A BIND region stays where it is bound, however it is used. */
TEST_F_TIMEOUT(region, numa_balancing_leaves_bound_regions, 120)
{
	const size_t pages = 16, page = self->page;
	int cpus[AETHER_MM_MAX_NODES], rfd, i;
	unsigned char *p, *want;
	long unmapped0;
	size_t k, sum = 0;

	aemt_cpus_of_nodes(cpus);
	if (self->pi.nr_nodes < 2 || cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs CPUs on two nodes");
	p = written_on_node0(_metadata, self->fd, AETHER_MM_POL_BIND, pages,
			     page, cpus, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	unmapped0 = numa_counter("unmapped");
	ASSERT_EQ(0, param_write("numa_scan_pages", "4096"));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 200; i++) {
		for (k = 0; k < pages; k++)
			sum += p[k * page];
		usleep(5000);
	}
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	TH_LOG("checksum %zu", sum);
	ASSERT_EQ(pages, pages_on(rfd, p, pages, page, 0));
	ASSERT_EQ(unmapped0, numa_counter("unmapped"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/* REGION_MIGRATE to AETHER_MM_MIGRATE_AUTO: each page to its last user. */
TEST_F(region, migrate_auto_follows_last_fault)
{
	const size_t pages = 32, page = self->page;
	int cpus[AETHER_MM_MAX_NODES], rfd;
	struct aether_mm_region_migrate m;
	unsigned char *p, *want;
	size_t k, sum = 0;

	aemt_cpus_of_nodes(cpus);
	if (self->pi.nr_nodes < 2 || cpus[0] < 0 || cpus[1] < 0)
		SKIP(return, "needs CPUs on two nodes");
	p = written_on_node0(_metadata, self->fd, AETHER_MM_POL_LOCAL, pages,
			     page, cpus, &rfd, &want);
	ASSERT_NE(NULL, p);
	/* Faulted last from node 0: nothing to move. */
	ASSERT_EQ(0, region_migrate(rfd, AETHER_MM_MIGRATE_AUTO, 0,
				    pages * page, &m));
	ASSERT_EQ(0, m.migrated);
	/* Map again and read the second half from node 1's CPU. */
	munmap(p, pages * page);
	p = aemt_region_map(rfd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	for (k = pages / 2; k < pages; k++)
		sum += p[k * page];
	TH_LOG("checksum %zu", sum);
	ASSERT_EQ(0, region_migrate(rfd, AETHER_MM_MIGRATE_AUTO, 0,
				    pages * page, &m));
	ASSERT_EQ(pages / 2, m.migrated);
	ASSERT_EQ(pages / 2, pages_on(rfd, p, pages / 2, page, 0));
	ASSERT_EQ(pages / 2, pages_on(rfd, p + pages / 2 * page, pages / 2,
				      page, 1));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, numa_scan_pages_param)
{
	ASSERT_EQ(-EINVAL, param_write("numa_scan_pages", "65537"));
	ASSERT_EQ(-EINVAL, param_write("numa_scan_pages", "x"));
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
}

/* ---- huge mappings ------------------------------------------------------- */

#define HUGE_SIZE	(2 * MIB)

/* A HUGE region of @ranges 2 MiB ranges (+@guard pages), mapped whole. */
static unsigned char *huge_region(int fd, __u32 flags, size_t ranges,
				  __u32 guard, int *rfd, size_t *maplen)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, flags | AETHER_MM_REGION_HUGE,
			 ranges * HUGE_SIZE);
	if (guard) {
		c.flags |= AETHER_MM_REGION_GUARD;
		c.guard_pages = guard;
	}
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	*maplen = ranges * HUGE_SIZE + 2UL * guard * page_size();
	p = aemt_region_map(c.fd, *maplen, PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

static __u32 map_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? ~0U : q.map;
}

/*
 * A write to an untouched 2 MiB range maps it with one PMD, from one
 * order-9 block: every page of it shows HUGE, the pfns run contiguously
 * from an aligned one, the content is what was written.
 */
TEST_F(region, huge_write_maps_one_pmd)
{
	const size_t page = self->page, n = HUGE_SIZE / page;
	struct aether_mm_region_query q;
	unsigned char *p, *want;
	size_t len, i;
	__u64 pfn0;
	__u32 crc;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 2, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, (uintptr_t)p % HUGE_SIZE) TH_LOG("mapping not aligned");
	p[0] = 1;
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_WRITE |
		  AETHER_MM_MAP_HUGE, map_of(rfd, p));
	ASSERT_EQ(n, resident(rfd));
	ASSERT_EQ(0, aemt_region_query(rfd, p, &q));
	pfn0 = q.pfn;
	ASSERT_EQ(0, pfn0 % n);
	for (i = 1; i < n; i++) {
		ASSERT_EQ(0, aemt_region_query(rfd, p + i * page, &q));
		ASSERT_EQ(pfn0 + i, q.pfn) TH_LOG("page %zu", i);
		ASSERT_TRUE(q.map & AETHER_MM_MAP_HUGE);
	}
	/* The second range is still untouched. */
	ASSERT_EQ(0, map_of(rfd, p + HUGE_SIZE));
	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (i = 0; i < len; i++)
		want[i] = i * 7 + 3;
	memcpy(p, want, len);
	ASSERT_TRUE(map_of(rfd, p + HUGE_SIZE) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(2 * n, resident(rfd));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, &crc));
	ASSERT_EQ(aemt_crc32(want, len), crc);
	free(want);
	munmap(p, len);
	close(rfd);
}

/* Reads of an untouched range allocate nothing: 4 KiB zero pages. */
TEST_F(region, huge_read_allocates_nothing)
{
	unsigned char *p;
	size_t len;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, p[12345]);
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_ZERO,
		  map_of(rfd, p + 12345));
	ASSERT_EQ(0, resident(rfd));
	/* A write now goes page by page: the range has a page table. */
	p[0] = 1;
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(1, resident(rfd));
	munmap(p, len);
	close(rfd);
}

/*
 * With a guard page the data starts one page into the file: only the
 * 2 MiB ranges of the file that hold data alone get a PMD.
 */
TEST_F(region, huge_only_aligned_data_ranges)
{
	const size_t page = self->page;
	unsigned char *p, *d;
	size_t len;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 2, 1, &rfd, &len);
	ASSERT_NE(NULL, p);
	d = p + page;
	d[0] = 1;		/* file range 0 holds the guard */
	ASSERT_FALSE(map_of(rfd, d) & AETHER_MM_MAP_HUGE);
	d[HUGE_SIZE - page] = 1;	/* file range 1: data only */
	ASSERT_TRUE(map_of(rfd, d + HUGE_SIZE - page) & AETHER_MM_MAP_HUGE);
	munmap(p, len);
	close(rfd);
}

static int huge_child_writes(struct kid *k, void *arg)
{
	unsigned char *p = arg;
	size_t i;

	for (i = 0; i < HUGE_SIZE; i += 4096)
		if (p[i] != (unsigned char)(i >> 12))
			return 2;
	__u64 v;

	p[8192] = 0xee;
	if (kid_put(k->up, p[8192] == 0xee))
		return 3;
	kid_get(k->down, &v);	/* until the parent has written */
	return p[4096] == 1 ? 0 : 4;
}

/* Copy-on-write across fork() on a PMD-mapped private range, both ways. */
TEST_F(region, huge_private_cow_after_fork)
{
	unsigned char *p;
	struct kid k;
	size_t len, i;
	__u64 v;
	int rfd;

	p = huge_region(self->fd, AEM_PRIVATE, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	for (i = 0; i < HUGE_SIZE; i += 4096)
		p[i] = i >> 12;
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, kid_start(&k, huge_child_writes, p));
	ASSERT_EQ(0, kid_get(k.up, &v));
	ASSERT_EQ(1, v);
	/* The child's write is its own; the parent's is too. */
	ASSERT_EQ(2, p[8192]);
	p[4096] = 0x77;
	ASSERT_TRUE(exited_ok(kid_finish(&k)));
	ASSERT_EQ(0x77, p[4096]);
	for (i = 0; i < HUGE_SIZE; i += 4096)
		if (i != 4096)
			ASSERT_EQ((unsigned char)(i >> 12), p[i]);
	munmap(p, len);
	close(rfd);
}

/* mprotect() and munmap() of part of a PMD split it; content stays. */
TEST_F(region, huge_split_by_mprotect_and_munmap)
{
	const size_t page = self->page;
	unsigned char *p;
	size_t len, i;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	for (i = 0; i < HUGE_SIZE; i += page)
		p[i] = i / page;
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, mprotect(p + 16 * page, 16 * page, PROT_READ));
	ASSERT_EQ(0, munmap(p + HUGE_SIZE - 8 * page, 8 * page));
	for (i = 0; i < HUGE_SIZE - 8 * page; i += page)
		ASSERT_EQ((unsigned char)(i / page), p[i]);
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(HUGE_SIZE / page, resident(rfd));
	munmap(p, HUGE_SIZE - 8 * page);
	close(rfd);
}

/* Every frame of a huge range goes back with the last mapping and fd. */
TEST_F(region, huge_frames_back_to_pool)
{
	__u64 used0, used1;
	unsigned char *p;
	size_t len;
	int rfd;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = huge_region(self->fd, AEM_SHARED, 2, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	memset(p, 0x5a, len);
	munmap(p, len);
	close(rfd);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_LE(used1, used0 + 64) TH_LOG("%llu -> %llu", used0, used1);
}

/* The access scanner reads a PMD's accessed bit for its 512 pages. */
TEST_F_TIMEOUT(region, huge_access_tracked, 120)
{
	long scans, gens[NR_GENS];
	struct aether_mm_region_info ri;
	unsigned char *p;
	size_t len, i;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	memset(p, 1, len);
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 600 && access_scans(ri.id) < 3; i++) {
		(void)*(volatile unsigned char *)p;
		usleep(20 * 1000);
	}
	(void)*(volatile unsigned char *)p;
	ASSERT_EQ(0, param_write("access_interval_ms", "0"));
	ASSERT_EQ(0, access_row(ri.id, &scans, gens));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_LE(3, scans);
	TH_LOG("gen0 %ld gen1 %ld", gens[0], gens[1]);
	ASSERT_EQ(len / self->page, gens[0] + gens[1]);
	munmap(p, len);
	close(rfd);
}

/*
 * A range filled page by page after a read (4 KiB faults, scattered
 * frames) is gathered into one aligned block in the background once it
 * is hot; a new mapping of it then gets a PMD.
 */
TEST_F_TIMEOUT(region, huge_collapse_hot_range, 180)
{
	const size_t page = self->page, n = HUGE_SIZE / page;
	struct aether_mm_region_query q;
	unsigned char *p, *want;
	size_t len, i, k;
	bool done = false;
	__u64 pfn0;
	int rfd;

	p = huge_region(self->fd, AEM_SHARED, 1, 0, &rfd, &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, p[0]);		/* a 4 KiB zero page: no PMD */
	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (i = 0; i < len; i++)
		want[i] = i * 13 + 1;
	memcpy(p, want, len);
	ASSERT_FALSE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (k = 0; k < 1500 && !done; k++) {
		for (i = 0; i < n; i++)
			(void)*(volatile unsigned char *)(p + i * page);
		usleep(10 * 1000);
		ASSERT_EQ(0, aemt_region_query(rfd, p, &q));
		pfn0 = q.pfn;
		done = !(pfn0 % n);
		for (i = 1; done && i < n; i++)
			done = !aemt_region_query(rfd, p + i * page, &q) &&
			       q.pfn == pfn0 + i;
	}
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	ASSERT_TRUE(done) TH_LOG("the range was not gathered into one block");
	ASSERT_EQ(0, memcmp(p, want, len));
	ASSERT_EQ(n, resident(rfd));
	/* A new mapping has no page table for the range: one PMD. */
	munmap(p, len);
	p = aemt_region_map(rfd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(want[5], p[5]);
	ASSERT_TRUE(map_of(rfd, p) & AETHER_MM_MAP_HUGE);
	ASSERT_EQ(0, memcmp(p, want, len));
	free(want);
	munmap(p, len);
	close(rfd);
}

/* ---- reclaim through the store backend ----------------------------------- */

#define RECLAIM_DEBUGFS	"/sys/kernel/debug/aether/mm/reclaim"
#define LOOPBACK_DEBUGFS "/sys/kernel/debug/aether/mm/store_loopback"

static long reclaim_counter(const char *key)
{
	return debugfs_counter(RECLAIM_DEBUGFS, key);
}

static size_t pages_in_state(int rfd, unsigned char *p, size_t pages,
			     size_t page, __u32 state)
{
	struct aether_mm_region_query q;
	size_t i, n = 0;

	for (i = 0; i < pages; i++)
		if (!aemt_region_query(rfd, p + i * page, &q) &&
		    q.state == state)
			n++;
	return n;
}

/* A region of @pages written with random bytes; @want gets them. */
static unsigned char *written_region(int fd, __u32 flags, size_t pages,
				     size_t page, int *rfd, unsigned char **want,
				     __u64 *id)
{
	struct aether_mm_region_create c;
	__u64 seed = 0x5707e + getpid() + flags;
	unsigned char *p;

	aemt_region_args(&c, flags, pages * page);
	if (aemt_region_create(fd, &c))
		return NULL;
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	*want = malloc(pages * page);
	if (p == MAP_FAILED || !*want)
		return NULL;
	fill_random(*want, pages * page, &seed);
	memcpy(p, *want, pages * page);
	*rfd = c.fd;
	*id = c.id;
	return p;
}

/* Let aether_kaccessd see @id's pages idle for two scans. */
static void let_cool(__u64 id)
{
	long s0 = access_scans(id);
	int i;

	param_write("access_interval_ms", "20");
	for (i = 0; i < 1000 && access_scans(id) < s0 + 3; i++)
		usleep(10 * 1000);
	param_write("access_interval_ms", "0");
}

/*
 * Cold pages of a COMPRESSIBLE region go to the store (no frame left,
 * nothing mapped), come back on the next touch with their content, and
 * come back all at once when the backend goes away.  A region that is
 * not COMPRESSIBLE keeps its frames.
 */
TEST_F_TIMEOUT(region, reclaim_stores_cold_pages_and_loads_them_back, 180)
{
	const size_t pages = 64, page = self->page;
	unsigned char *p, *q, *want, *want2;
	__u64 id, id2;
	int rfd, rfd2;
	char buf[16];
	long out0;
	__u32 crc;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	out0 = reclaim_counter("stored");
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	q = written_region(self->fd, AEM_SHARED, pages, page, &rfd2, &want2,
			   &id2);
	ASSERT_NE(NULL, q);
	let_cool(id);

	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
	ASSERT_EQ(pages, pages_in_state(rfd, p, pages, page,
					AETHER_MM_PAGE_STORED));
	ASSERT_EQ(0, map_of(rfd, p));
	ASSERT_EQ(pages, resident(rfd2));
	ASSERT_LE(out0 + (long)pages, reclaim_counter("stored"));

	/* Touch half: those come back, with their bytes. */
	ASSERT_EQ(0, memcmp(p, want, pages / 2 * page));
	ASSERT_EQ(pages / 2, resident(rfd));
	/* The kernel side reads the rest back too. */
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);
	ASSERT_EQ(pages, resident(rfd));

	/* Stored again, then the backend goes: every page comes back. */
	let_cool(id);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, pages_in_state(rfd, p, pages, page,
				    AETHER_MM_PAGE_STORED));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, memcmp(q, want2, pages * page));
	param_write("access_interval_ms", "1000");
	free(want);
	free(want2);
	munmap(p, pages * page);
	munmap(q, pages * page);
	close(rfd);
	close(rfd2);
}

/* Closing a region whose pages are stored releases them from the store. */
TEST_F_TIMEOUT(region, reclaim_stored_pages_freed_with_region, 120)
{
	const size_t pages = 32, page = self->page;
	unsigned char *p, *want;
	char buf[16];
	__u64 id;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = written_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	let_cool(id);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
	munmap(p, pages * page);
	close(rfd);
	/* Removing the store finds nothing left to bring back (no WARN). */
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
}

/* Lines of the kernel log from @fd (at its end when opened) holding @what. */
static int kmsg_count(int fd, const char *what)
{
	char rec[2048];
	ssize_t n;
	int hits = 0;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		hits += !!strstr(rec, what);
	}
	return hits;
}

/*
 * Every fork of a process mapping a PRIVATE region leaves one more layer
 * in its chain, however many children are gone; the store backend going
 * away still brings every page back, without a warning from the kernel
 * (no order > 1 allocation that must not fail).
 */
TEST_F_TIMEOUT(region, store_removal_after_thousands_of_forks_warns_nothing,
	       300)
{
	const size_t pages = 8, page = self->page;
	unsigned char *p, *want;
	char buf[16];
	int rfd, kfd, i, status;
	pid_t pid;
	__u64 id;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kfd);
	ASSERT_LE(0, lseek(kfd, 0, SEEK_END));
	p = written_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	/* 8 bytes a layer: past 8 KiB, more than an order-1 allocation */
	for (i = 0; i < 1100; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	let_cool(id);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, kmsg_count(kfd, "WARNING"));
	param_write("access_interval_ms", "1000");
	close(kfd);
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/*
 * Allocate from @mm with @flags until the pool, grown to its maximum, has
 * nothing left, the per-CPU lists drained between rounds, until a round
 * finds nothing more.  0 or -errno.
 */
static int fill_pool_to_the_end(int mm, __u32 flags, struct aemt_blocks *b)
{
	size_t nr;
	int err;

	do {
		nr = b->nr;
		err = aemt_drain(mm);
		if (!err)
			err = aemt_fill_until_enomem(mm, flags, 0, -1,
						     AETHER_MM_ZONE_NORMAL, b,
						     SIZE_MAX);
	} while (!err && b->nr != nr);
	return err;
}

/*
 * A store backend going away while the pool is full takes the frames for
 * its pages from the reserve (what ordinary allocations leave): every
 * page comes back, with its content.
 */
TEST_F_TIMEOUT(region, reclaim_store_removal_takes_frames_from_reserve, 180)
{
	const size_t pages = 16, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	char buf[16];
	__u64 id;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	let_cool(id);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));

	/* Every page of the pool but its reserve, grown to its maximum. */
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, fill_pool_to_the_end(mm, 0, &b));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	close(mm);
	aemt_blocks_release(&b);
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	munmap(p, pages * page);
	close(rfd);
	param_write("access_interval_ms", "1000");
	free(want);
}

/*
 * A store backend going away while no frame can be had for its pages,
 * the reserve included: unregistering gives up at once and says so (the
 * pages are lost, -ENOMEM), rather than retrying; no backend registers
 * again while such pages remain, and freeing their region clears them.
 */
TEST_F_TIMEOUT(region, reclaim_store_removal_gives_up_without_frames, 180)
{
	const size_t pages = 16, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	char buf[16];
	time_t t0;
	__u64 id;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	let_cool(id);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));

	/*
	 * Every page of the pool, the reserve too, grown to its maximum;
	 * and what the per-CPU lists held, until a round finds nothing.
	 */
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, fill_pool_to_the_end(mm, AETHER_MM_ALLOC_HIGH, &b));
	t0 = time(NULL);
	ASSERT_EQ(-ENOMEM, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	TH_LOG("removal gave up after %ld s", (long)(time(NULL) - t0));
	ASSERT_GT(5, time(NULL) - t0);
	ASSERT_EQ(pages, pages_in_state(rfd, p, pages, page,
					AETHER_MM_PAGE_STORED));
	close(mm);
	aemt_blocks_release(&b);

	/* Their handles name a backend that is gone: none may take over. */
	ASSERT_EQ(-EBUSY, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	munmap(p, pages * page);
	close(rfd);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
}

/*
 * When the pool runs out, its reclaim takes cold COMPRESSIBLE pages to
 * the store before an allocation fails.
 */
TEST_F_TIMEOUT(region, reclaim_runs_when_pool_is_short, 180)
{
	const size_t pages = 256, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	long out0;
	__u64 id;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	let_cool(id);
	out0 = reclaim_counter("stored");
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, aemt_fill_until_enomem(mm, AETHER_MM_ALLOC_NOGROW, 0, -1,
					    AETHER_MM_ZONE_NORMAL, &b, SIZE_MAX));
	TH_LOG("stored by reclaim: %ld, resident now %llu",
	       reclaim_counter("stored") - out0,
	       (unsigned long long)resident(rfd));
	ASSERT_LT(out0, reclaim_counter("stored"));
	ASSERT_GT(pages, resident(rfd));
	close(mm);		/* the pool gets its pages back */
	aemt_blocks_release(&b);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, reclaim_debugfs_checked)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(RECLAIM_DEBUGFS, "0"));
	ASSERT_EQ(-EINVAL, aemt_write_file(RECLAIM_DEBUGFS, "x"));
	ASSERT_EQ(-EINVAL, aemt_write_file(LOOPBACK_DEBUGFS, "maybe"));
	/* No backend: nothing to do, not an error. */
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "16"));
}

/* ---- region_quota: max_regions_per_uid ---------------------------- */

#define QUOTA_PARAM	"/sys/module/aether_mm/parameters/max_regions_per_uid"

FIXTURE(region_quota) {
	int fd;
	char saved[32];
};

FIXTURE_SETUP(region_quota)
{
	int pfd;
	ssize_t n;

	self->saved[0] = 0;
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	pfd = open(QUOTA_PARAM, O_RDONLY);
	ASSERT_LE(0, pfd);
	n = read(pfd, self->saved, sizeof(self->saved) - 1);
	close(pfd);
	ASSERT_LT(0, n);
	self->saved[n] = 0;
}

/* The parameter goes back even when the test failed half-way. */
FIXTURE_TEARDOWN(region_quota)
{
	if (self->saved[0])
		aemt_write_file(QUOTA_PARAM, self->saved);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(region_quota, param_out_of_range_einval)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "0"));
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "1048577"));
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "-1"));
	ASSERT_EQ(0, aemt_write_file(QUOTA_PARAM, "1048576"));
}

/* alice's fds, and the answers of her creates, for the test to read. */
struct quota_as {
	int created;
	int answer;
	int after_close;
};

/* As alice, limit 2: two creates, a third, then one more after a close. */
static int quota_as_alice(void *arg)
{
	struct quota_as *q = arg;
	int fd = aemt_open(), rfd[3], i;

	if (fd < 0)
		return fd;
	for (i = 0; i < 3; i++) {
		rfd[i] = aemt_region_new(fd, AEM_PRIVATE, page_size());
		if (rfd[i] < 0)
			break;
	}
	q->created = i;
	q->answer = i < 3 ? rfd[i] : 0;
	if (i) {
		close(rfd[--i]);
		rfd[i] = aemt_region_new(fd, AEM_PRIVATE, page_size());
		q->after_close = rfd[i] < 0 ? rfd[i] : 0;
	}
	return 0;
}

/*
 * One uid holds at most max_regions_per_uid regions: alice's third create
 * is -EDQUOT, root's are not hers, and a closed region frees its place.
 */
TEST_F(region_quota, create_beyond_limit_edquot)
{
	struct quota_as *q;
	int rfd[3], i;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, aemt_write_file(QUOTA_PARAM, "2"));
	/* root's two regions are root's: alice still has her two. */
	for (i = 0; i < 2; i++) {
		rfd[i] = aemt_region_new(self->fd, AEM_PRIVATE, page_size());
		ASSERT_LE(0, rfd[i]);
	}
	q = mmap(NULL, sizeof(*q), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, quota_as_alice, q));
	ASSERT_EQ(2, q->created);
	ASSERT_EQ(-EDQUOT, q->answer);
	ASSERT_EQ(0, q->after_close);
	/* The limit is root's too. */
	ASSERT_EQ(-EDQUOT, aemt_region_new(self->fd, AEM_PRIVATE, page_size()));
	for (i = 0; i < 2; i++)
		close(rfd[i]);
	rfd[2] = aemt_region_new(self->fd, AEM_PRIVATE, page_size());
	ASSERT_LE(0, rfd[2]);
	close(rfd[2]);
	munmap(q, sizeof(*q));
}

TEST_HARNESS_MAIN
