// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_uapi_test.c - regions: the struct-size convention and every error answer
 *
 * The contract is the "Regions" part of include/uapi/linux/aether_mm.h;
 * the helpers the region tests share are in mm_region_util.h.
 * Fixtures:
 *
 *   region_uapi	the struct-size convention and reserved fields of the
 *			six REGION_* commands (one variant per command)
 *   region		REGION_CREATE's error answers (flags, length, max_prot,
 *			tier, policy, guard pages); the command a region fd
 *			or the device refuses; REGION_QUERY outside a mapping;
 *			the rules of mmap()
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
#include "mm_region_util.h"

#define UAPI_BUF_SIZE		1024
#define UAPI_TAIL		64

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
	     false, offsetof(struct aether_mm_region_create, qos_fd), -1,
	     prep_create);
UAPI_VARIANT(open, AETHER_MM_IOC_REGION_OPEN, aether_mm_region_open, false,
	     -1, -1,
	     prep_open);
UAPI_VARIANT(list, AETHER_MM_IOC_REGION_LIST, aether_mm_region_list, false,
	     offsetof(struct aether_mm_region_list, __reserved0), -1,
	     prep_list);
UAPI_VARIANT(info, AETHER_MM_IOC_REGION_INFO, aether_mm_region_info, true,
	     offsetof(struct aether_mm_region_info, tag),
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
	AEMT_SETUP_OPEN(self->fd);
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

/* The largest size below the struct's that is refused. */
static __u32 uapi_short(const FIXTURE_VARIANT(region_uapi) *v)
{
	/* REGION_CREATE takes its size from before @tag too */
	if (v->cmd == AETHER_MM_IOC_REGION_CREATE)
		return AETHER_MM_REGION_CREATE_SIZE_VER0 - 8;
	return v->size - 8;
}

TEST_F(region_uapi, size_short_einval)
{
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, 0));
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, 4));
	ASSERT_EQ(-EINVAL, uapi_call(self, variant, uapi_short(variant)));
}

TEST_F(region_uapi, create_size_before_tag_accepted)
{
	if (variant->cmd != AETHER_MM_IOC_REGION_CREATE)
		SKIP(return, "only REGION_CREATE has an older size");
	ASSERT_EQ(0, uapi_call(self, variant,
			       AETHER_MM_REGION_CREATE_SIZE_VER0));
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

/* ---- region: the other error answers ----------------------------------- */

AEMT_REGION_FIXTURE(region)

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

TEST_HARNESS_MAIN
