// SPDX-License-Identifier: GPL-2.0
/*
 * mm_api_test.c - the ioctl contract of /dev/aether_mm
 *
 * Two fixtures.  "uapi" runs the struct-size convention of
 * include/uapi/linux/aether_mm.h against every command (one variant per
 * command): a short struct is -EINVAL, a longer one is accepted only with a
 * zero tail (-E2BIG otherwise), a non-zero reserved field is -EINVAL.
 * "api" checks every other error answer, the capability checks, the
 * per-fd life of handles, the accounting answers and the debugfs files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

/* Room for any command's struct plus a tail of unknown bytes. */
#define UAPI_BUF_SIZE	1024
#define UAPI_TAIL	64

static __u64 uapi_handles[4];

/*
 * Each prepare function writes a valid argument for its command into @buf
 * (zeroed, @size not yet set) and may allocate on @fd to do so.
 */
static int prep_nothing(int fd, void *buf)
{
	(void)fd;
	(void)buf;
	return 0;
}

static int prep_alloc(int fd, void *buf)
{
	struct aether_mm_alloc *a = buf;

	(void)fd;
	a->zone = AEMT_ALL_ZONES;
	a->node = -1;
	a->count = 1;
	a->handles = (uintptr_t)uapi_handles;
	return 0;
}

static int prep_free(int fd, void *buf)
{
	struct aether_mm_free *f = buf;

	f->count = 1;
	f->handles = (uintptr_t)uapi_handles;
	return aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, uapi_handles);
}

static int prep_block_info(int fd, void *buf)
{
	struct aether_mm_block_info *bi = buf;

	bi->handle = 0;
	return aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, &bi->handle);
}

static int prep_fill(int fd, void *buf)
{
	struct aether_mm_fill *f = buf;

	f->seed = 0x1234;
	return aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, &f->handle);
}

static int prep_set_policy(int fd, void *buf)
{
	struct aether_mm_policy *p = buf;

	(void)fd;
	p->mode = AETHER_MM_POL_PREFERRED;
	p->nodemask = 1;
	return 0;
}

/* A page held by @fd: reserving a page in use is allowed. */
static int prep_reserve(int fd, void *buf)
{
	struct aether_mm_reserve *r = buf;
	struct aether_mm_block_info bi;
	__u64 h;
	int ret;

	ret = aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, &h);
	if (!ret)
		ret = aemt_block_info(fd, h, &bi);
	if (ret)
		return ret;
	r->pfn = bi.pfn;
	r->nr_pages = 1;
	return 0;
}

static int prep_unreserve(int fd, void *buf)
{
	struct aether_mm_unreserve *u = buf;
	struct aether_mm_reserve r = { 0 };
	int ret = prep_reserve(fd, &r);

	if (!ret)
		ret = aemt_reserve(fd, r.pfn, r.nr_pages, &u->id);
	return ret;
}

static int prep_zone_stats(int fd, void *buf)
{
	struct aether_mm_zone_stats *zs = buf;

	(void)fd;
	zs->node = 0;
	zs->zone = AETHER_MM_ZONE_DMA32;
	return 0;
}

static int prep_frag(int fd, void *buf)
{
	struct aether_mm_frag *fr = buf;

	(void)fd;
	fr->node = 0;
	fr->zone = AETHER_MM_ZONE_DMA32;
	return 0;
}

static int prep_bench(int fd, void *buf)
{
	struct aether_mm_bench *b = buf;

	(void)fd;
	b->op = AETHER_MM_BENCH_ORDER0;
	b->threads = 1;
	b->rounds = 1;
	b->iterations = 64;
	return 0;
}

static int prep_compact(int fd, void *buf)
{
	struct aether_mm_compact *cp = buf;

	(void)fd;
	cp->node = -1;
	return 0;
}

FIXTURE(uapi) {
	int fd;
	unsigned char buf[UAPI_BUF_SIZE];
};

FIXTURE_VARIANT(uapi) {
	unsigned long cmd;
	size_t size;
	long reserved_off;	/* offset of __reserved0, or -1 */
	int (*prepare)(int fd, void *buf);
};

#define UAPI_VARIANT(name, ioc, type, res, prep)			\
	FIXTURE_VARIANT_ADD(uapi, name) {				\
		.cmd = ioc,						\
		.size = sizeof(struct type),				\
		.reserved_off = res,					\
		.prepare = prep,					\
	}

UAPI_VARIANT(pool_info, AETHER_MM_IOC_POOL_INFO, aether_mm_pool_info,
	     offsetof(struct aether_mm_pool_info, __reserved0), prep_nothing);
UAPI_VARIANT(alloc, AETHER_MM_IOC_ALLOC, aether_mm_alloc,
	     offsetof(struct aether_mm_alloc, __reserved0), prep_alloc);
UAPI_VARIANT(free, AETHER_MM_IOC_FREE, aether_mm_free, -1, prep_free);
UAPI_VARIANT(block_info, AETHER_MM_IOC_BLOCK_INFO, aether_mm_block_info,
	     offsetof(struct aether_mm_block_info, __reserved0),
	     prep_block_info);
UAPI_VARIANT(fill, AETHER_MM_IOC_FILL, aether_mm_fill, -1, prep_fill);
UAPI_VARIANT(set_policy, AETHER_MM_IOC_SET_POLICY, aether_mm_policy, -1,
	     prep_set_policy);
UAPI_VARIANT(get_policy, AETHER_MM_IOC_GET_POLICY, aether_mm_policy, -1,
	     prep_nothing);
UAPI_VARIANT(reserve, AETHER_MM_IOC_RESERVE, aether_mm_reserve,
	     offsetof(struct aether_mm_reserve, __reserved0), prep_reserve);
UAPI_VARIANT(unreserve, AETHER_MM_IOC_UNRESERVE, aether_mm_unreserve,
	     offsetof(struct aether_mm_unreserve, __reserved0),
	     prep_unreserve);
UAPI_VARIANT(zone_stats, AETHER_MM_IOC_ZONE_STATS, aether_mm_zone_stats, -1,
	     prep_zone_stats);
UAPI_VARIANT(stats, AETHER_MM_IOC_STATS, aether_mm_stats,
	     offsetof(struct aether_mm_stats, __reserved0), prep_nothing);
UAPI_VARIANT(frag, AETHER_MM_IOC_FRAG, aether_mm_frag, -1, prep_frag);
UAPI_VARIANT(bench, AETHER_MM_IOC_BENCH, aether_mm_bench,
	     offsetof(struct aether_mm_bench, __reserved1), prep_bench);
UAPI_VARIANT(compact, AETHER_MM_IOC_COMPACT, aether_mm_compact,
	     offsetof(struct aether_mm_compact, __reserved0), prep_compact);

FIXTURE_SETUP(uapi)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_LE(variant->size + UAPI_TAIL, sizeof(self->buf));
	ASSERT_EQ(0, variant->prepare(self->fd, self->buf));
}

FIXTURE_TEARDOWN(uapi)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int uapi_call(int fd, unsigned long cmd, void *buf, __u32 size)
{
	memcpy(buf, &size, sizeof(size));
	return aemt_ioctl(fd, cmd, buf);
}

/* The prepared argument with the exact size works: the baseline. */
TEST_F(uapi, exact_size_accepted)
{
	ASSERT_EQ(0, uapi_call(self->fd, variant->cmd, self->buf,
			       variant->size));
}

TEST_F(uapi, size_zero_einval)
{
	ASSERT_EQ(-EINVAL, uapi_call(self->fd, variant->cmd, self->buf, 0));
}

TEST_F(uapi, size_short_einval)
{
	ASSERT_EQ(-EINVAL, uapi_call(self->fd, variant->cmd, self->buf,
				     variant->size - 8));
	ASSERT_EQ(-EINVAL, uapi_call(self->fd, variant->cmd, self->buf, 4));
}

TEST_F(uapi, size_larger_zero_tail_accepted)
{
	ASSERT_EQ(0, uapi_call(self->fd, variant->cmd, self->buf,
			       variant->size + UAPI_TAIL));
}

TEST_F(uapi, size_larger_nonzero_tail_e2big)
{
	self->buf[variant->size + UAPI_TAIL - 1] = 1;
	ASSERT_EQ(-E2BIG, uapi_call(self->fd, variant->cmd, self->buf,
				    variant->size + UAPI_TAIL));
	self->buf[variant->size + UAPI_TAIL - 1] = 0;
	self->buf[variant->size] = 0x80;
	ASSERT_EQ(-E2BIG, uapi_call(self->fd, variant->cmd, self->buf,
				    variant->size + 1));
}

TEST_F(uapi, reserved_nonzero_einval)
{
	__u32 bad = 1;

	if (variant->reserved_off < 0)
		SKIP(return, "no reserved field in this struct");
	memcpy(self->buf + variant->reserved_off, &bad, sizeof(bad));
	ASSERT_EQ(-EINVAL, uapi_call(self->fd, variant->cmd, self->buf,
				     variant->size));
	bad = 0x80000000;
	memcpy(self->buf + variant->reserved_off, &bad, sizeof(bad));
	ASSERT_EQ(-EINVAL, uapi_call(self->fd, variant->cmd, self->buf,
				     variant->size));
}

/* ------------------------------------------------------------------ */

FIXTURE(api) {
	int fd;
	struct aether_mm_pool_info pi;
};

FIXTURE_SETUP(api)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	ASSERT_LE(1, self->pi.nr_nodes);
}

FIXTURE_TEARDOWN(api)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Pages neither free nor reserved, after the per-CPU lists are drained. */
static __u64 used_pages(struct __test_metadata *_metadata, int fd)
{
	struct aether_mm_pool_info pi;

	EXPECT_EQ(0, aemt_drain(fd));
	EXPECT_EQ(0, aemt_pool_info(fd, &pi));
	return pi.pages_total - pi.pages_free - pi.pages_reserved;
}

TEST_F(api, pool_info_consistent)
{
	struct aether_mm_pool_info *pi = &self->pi;
	__u64 pages = 0, free = 0;
	__u32 n;

	ASSERT_GE(AETHER_MM_MAX_NODES, pi->nr_nodes);
	ASSERT_GT(AETHER_MM_NR_ORDERS, pi->max_order);
	ASSERT_GE(pi->max_order, pi->pcp_max_order);
	ASSERT_LE(pi->max_order, pi->chunk_order);
	ASSERT_EQ(sysconf(_SC_PAGESIZE), pi->page_size);
	ASSERT_EQ(0, pi->__reserved0);
	ASSERT_LE(pi->tracking, 1);
	ASSERT_EQ(pi->chunks << pi->chunk_order, pi->pages_total);
	ASSERT_LE(pi->pages_free + pi->pages_reserved, pi->pages_total);
	for (n = 0; n < pi->nr_nodes; n++) {
		ASSERT_EQ(10, pi->node_distance[n][n]);
		ASSERT_LE(pi->node_pages[n],
			  pi->node_chunks_max[n] << pi->chunk_order);
		ASSERT_LE(pi->node_free[n], pi->node_pages[n]);
		pages += pi->node_pages[n];
		free += pi->node_free[n];
	}
	for (; n < AETHER_MM_MAX_NODES; n++)
		ASSERT_EQ(0, pi->node_pages[n]);
	ASSERT_EQ(pi->pages_total, pages);
	ASSERT_EQ(pi->pages_free, free);
}

TEST_F(api, zone_stats_consistent)
{
	struct aether_mm_zone_stats zs;
	__u32 n, z, o, mt;

	for (n = 0; n < self->pi.nr_nodes; n++) {
		__u64 managed = 0, free = 0;

		for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
			__u64 blocks = 0;

			ASSERT_EQ(0, aemt_zone_stats(self->fd, n, z, &zs));
			if (!zs.present) {
				ASSERT_EQ(0, zs.managed);
				continue;
			}
			ASSERT_LT(0, zs.managed);
			ASSERT_LE(zs.wmark_min, zs.wmark_low);
			ASSERT_LE(zs.wmark_low, zs.wmark_high);
			ASSERT_GT(zs.managed, zs.wmark_high);
			ASSERT_LE(zs.free + zs.pcp + zs.reserved, zs.managed);
			for (o = 0; o < AETHER_MM_NR_ORDERS; o++) {
				__u64 sum = 0;

				if (o > self->pi.max_order)
					ASSERT_EQ(0, zs.nr_free[o]);
				for (mt = 0; mt < AETHER_MM_NR_MT; mt++)
					sum += zs.nr_free_mt[mt][o];
				ASSERT_EQ(zs.nr_free[o], sum);
				blocks += zs.nr_free[o] << o;
			}
			ASSERT_EQ(zs.free, blocks);
			managed += zs.managed;
			free += zs.free + zs.pcp;
		}
		ASSERT_EQ(self->pi.node_pages[n], managed);
		ASSERT_EQ(self->pi.node_free[n], free);
	}
}

TEST_F(api, zone_stats_bad_node_or_zone_einval)
{
	struct aether_mm_zone_stats zs;

	ASSERT_EQ(-EINVAL, aemt_zone_stats(self->fd, self->pi.nr_nodes, 0,
					   &zs));
	ASSERT_EQ(-EINVAL, aemt_zone_stats(self->fd, AETHER_MM_MAX_NODES, 0,
					   &zs));
	ASSERT_EQ(-EINVAL, aemt_zone_stats(self->fd, ~0U, 0, &zs));
	ASSERT_EQ(-EINVAL, aemt_zone_stats(self->fd, 0, AETHER_MM_NR_ZONES,
					   &zs));
}

TEST_F(api, frag_bad_node_or_zone_einval)
{
	struct aether_mm_frag fr;

	ASSERT_EQ(-EINVAL, aemt_frag(self->fd, self->pi.nr_nodes, 0, &fr));
	ASSERT_EQ(-EINVAL, aemt_frag(self->fd, ~0U, 0, &fr));
	ASSERT_EQ(-EINVAL, aemt_frag(self->fd, 0, AETHER_MM_NR_ZONES, &fr));
}

TEST_F(api, unknown_command_enotty)
{
	unsigned long long arg[64] = { 0 };

	arg[0] = sizeof(arg);
	ASSERT_EQ(-ENOTTY, aemt_ioctl(self->fd,
				      _IO(AETHER_MM_IOC_MAGIC, 0x3f), arg));
	ASSERT_EQ(-ENOTTY, aemt_ioctl(self->fd,
				      _IOWR(AETHER_MM_IOC_MAGIC, 0xff,
					    __u64), arg));
	ASSERT_EQ(-ENOTTY, aemt_ioctl(self->fd, _IOWR('x', 0x00, __u64),
				      arg));
	ASSERT_EQ(-ENOTTY, aemt_ioctl(self->fd,
				      _IOWR(AETHER_MM_IOC_MAGIC + 1, 0x00,
					    struct aether_mm_pool_info), arg));
}

TEST_F(api, alloc_order_above_max_einval)
{
	__u64 h;

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, self->pi.max_order, -1,
				 AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, self->pi.max_order + 1,
				       -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, AETHER_MM_NR_ORDERS, -1,
				       AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, ~0U, -1,
				       AEMT_ALL_ZONES, &h));
}

TEST_F(api, alloc_bad_node_einval)
{
	__u64 h;

	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, self->pi.nr_nodes,
				       AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, AETHER_MM_MAX_NODES,
				       AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, -2,
				       AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, 0x7fffffff,
				       AEMT_ALL_ZONES, &h));
}

TEST_F(api, alloc_bad_zone_einval)
{
	__u64 h;

	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, -1,
				       AETHER_MM_NR_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 0, 0, -1, ~0U, &h));
}

TEST_F(api, alloc_bad_migratetype_einval)
{
	__u32 count = 1;
	__u64 h;

	ASSERT_EQ(-EINVAL, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_NR_MT, &h, &count));
	ASSERT_EQ(-EINVAL, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      ~0U, &h, &count));
}

TEST_F(api, alloc_bad_count_einval)
{
	static __u64 h[AETHER_MM_MAX_BULK + 1];
	__u32 count = 0;

	ASSERT_EQ(-EINVAL, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, h, &count));
	count = AETHER_MM_MAX_BULK + 1;
	ASSERT_EQ(-EINVAL, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, h, &count));
	count = ~0U;
	ASSERT_EQ(-EINVAL, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, h, &count));
}

TEST_F(api, alloc_unknown_flags_einval)
{
	unsigned int bit;
	__u64 h;

	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & AETHER_MM_ALLOC_FLAGS)
			continue;
		ASSERT_EQ(-EINVAL, aemt_alloc1(self->fd, 1U << bit, 0, -1,
					       AEMT_ALL_ZONES, &h))
			TH_LOG("flag bit %u accepted", bit);
	}
}

/* The handle array cannot be written: nothing may stay allocated. */
TEST_F(api, alloc_bad_handles_efault_leaks_nothing)
{
	__u64 used = used_pages(_metadata, self->fd);
	struct aether_mm_stats st0, st1;
	long psz = sysconf(_SC_PAGESIZE);
	__u32 count = 8;
	void *ro, *gone;

	ro = mmap(NULL, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, psz));
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));

	ASSERT_EQ(-EFAULT, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, NULL, &count));
	ASSERT_EQ(-EFAULT, aemt_alloc(self->fd, 0, 2, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, ro, &count));
	ASSERT_EQ(-EFAULT, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				      AETHER_MM_MT_MOVABLE, gone, &count));
	ASSERT_EQ(used, used_pages(_metadata, self->fd));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(st1.alloc - st0.alloc, st1.free - st0.free);
	munmap(ro, psz);
}

TEST_F(api, free_bad_count_einval)
{
	__u64 h;

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EINVAL, aemt_free(self->fd, &h, 0));
	ASSERT_EQ(-EINVAL, aemt_free(self->fd, &h, AETHER_MM_MAX_BULK + 1));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

TEST_F(api, free_bad_pointer_efault)
{
	struct aether_mm_block_info bi;
	__u64 h;

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-EFAULT, aemt_free(self->fd, NULL, 1));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

TEST_F(api, free_made_up_handle_enoent)
{
	__u64 bogus[] = { 0, 1, ~0ULL, 0xdeadbeefcafef00dULL };
	unsigned int i;
	__u64 h;

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	for (i = 0; i < AEMT_ARRAY_SIZE(bogus); i++) {
		if (bogus[i] == h)
			continue;
		ASSERT_EQ(-ENOENT, aemt_free1(self->fd, bogus[i]));
	}
	ASSERT_EQ(-ENOENT, aemt_free1(self->fd, h + 1));
	ASSERT_EQ(-ENOENT, aemt_free1(self->fd, h ^ (1ULL << 63)));
}

TEST_F(api, free_stale_handle_enoent)
{
	__u64 h;

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 1, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
	ASSERT_EQ(-ENOENT, aemt_free1(self->fd, h));
}

TEST_F(api, free_foreign_handle_enoent)
{
	int other = aemt_open();
	struct aether_mm_block_info bi;
	__u64 h;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_alloc1(other, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-ENOENT, aemt_free1(self->fd, h));
	ASSERT_EQ(0, aemt_block_info(other, h, &bi));
	ASSERT_EQ(0, aemt_free1(other, h));
	close(other);
}

/* One bad or repeated handle in the array: the call frees nothing. */
TEST_F(api, free_all_or_nothing)
{
	struct aether_mm_block_info bi;
	__u64 h[3], arr[3];

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h[0]));
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h[1]));
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h[2]));

	arr[0] = h[0];
	arr[1] = h[1];
	arr[2] = h[0];
	ASSERT_EQ(-ENOENT, aemt_free(self->fd, arr, 3));
	arr[2] = 0xdeadbeefcafef00dULL;
	ASSERT_EQ(-ENOENT, aemt_free(self->fd, arr, 3));
	arr[0] = 0xdeadbeefcafef00dULL;
	arr[1] = h[2];
	arr[2] = h[1];
	ASSERT_EQ(-ENOENT, aemt_free(self->fd, arr, 3));

	ASSERT_EQ(0, aemt_block_info(self->fd, h[0], &bi));
	ASSERT_EQ(0, aemt_block_info(self->fd, h[1], &bi));
	ASSERT_EQ(0, aemt_block_info(self->fd, h[2], &bi));
	ASSERT_EQ(0, aemt_free(self->fd, h, 3));
	ASSERT_EQ(-ENOENT, aemt_block_info(self->fd, h[0], &bi));
}

TEST_F(api, block_info_bad_handle_enoent)
{
	struct aether_mm_block_info bi;
	int other = aemt_open();
	__u64 h, theirs;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_alloc1(other, 0, 0, -1, AEMT_ALL_ZONES, &theirs));
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_free1(self->fd, h));

	ASSERT_EQ(-ENOENT, aemt_block_info(self->fd, h, &bi));
	ASSERT_EQ(-ENOENT, aemt_block_info(self->fd, theirs, &bi));
	ASSERT_EQ(-ENOENT, aemt_block_info(self->fd, 0xdeadbeefcafef00dULL,
					   &bi));
	close(other);
}

TEST_F(api, fill_bad_handle_enoent)
{
	int other = aemt_open();
	__u64 h, theirs, mism;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_alloc1(other, 0, 0, -1, AEMT_ALL_ZONES, &theirs));
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_free1(self->fd, h));

	ASSERT_EQ(-ENOENT, aemt_fill(self->fd, h, 1));
	ASSERT_EQ(-ENOENT, aemt_verify(self->fd, h, 1, &mism));
	ASSERT_EQ(-ENOENT, aemt_fill(self->fd, theirs, 1));
	ASSERT_EQ(-ENOENT, aemt_verify(self->fd, theirs, 1, &mism));
	ASSERT_EQ(-ENOENT, aemt_fill(self->fd, 0xdeadbeefcafef00dULL, 1));
	close(other);
}

TEST_F(api, fill_unknown_flags_einval)
{
	struct aether_mm_fill f = { .size = sizeof(f) };

	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				 &f.handle));
	f.flags = 1U << 1;
	ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_FILL, &f));
	f.flags = 1U << 31;
	ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_FILL, &f));
}

TEST_F(api, block_info_describes_block)
{
	struct aether_mm_block_info bi;
	__u32 order;
	__u64 h;

	for (order = 0; order <= self->pi.max_order; order++) {
		ASSERT_EQ(0, aemt_alloc1(self->fd, 0, order, 0,
					 AEMT_ALL_ZONES, &h));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_EQ(h, bi.handle);
		ASSERT_EQ(order, bi.order);
		ASSERT_EQ(0, bi.node);
		ASSERT_GT(AETHER_MM_NR_ZONES, bi.zone);
		ASSERT_GT(AETHER_MM_NR_MT, bi.migratetype);
		ASSERT_NE(0, bi.pfn);
		ASSERT_EQ(0, bi.pfn & ((1ULL << order) - 1));
		ASSERT_EQ(0, aemt_free1(self->fd, h));
	}
}

struct unpriv_block {
	struct aether_mm_block_info bi;
};

static int unpriv_block_info(int fd, void *arg)
{
	struct unpriv_block *ub = arg;
	__u64 h;
	int ret;

	ret = aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, &h);
	if (!ret)
		ret = aemt_block_info(fd, h, &ub->bi);
	return ret;
}

TEST_F(api, block_info_pfn_hidden_without_cap_sys_admin)
{
	struct unpriv_block *ub;

	ub = mmap(NULL, sizeof(*ub), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ub);
	ub->bi.pfn = ~0ULL;
	ASSERT_EQ(0, aemt_run_unprivileged(unpriv_block_info, self->fd, ub));
	ASSERT_EQ(0, ub->bi.order);
	ASSERT_EQ(0, ub->bi.pfn);
	munmap(ub, sizeof(*ub));
}

static int unpriv_drain(int fd, void *arg)
{
	(void)arg;
	return aemt_drain(fd);
}

static int unpriv_reserve(int fd, void *arg)
{
	struct aether_mm_reserve *r = arg;

	return aemt_reserve(fd, r->pfn, 1, NULL);
}

static int unpriv_unreserve(int fd, void *arg)
{
	__u64 *id = arg;

	return aemt_unreserve(fd, *id);
}

static int unpriv_bench(int fd, void *arg)
{
	struct aether_mm_bench b = {
		.size = sizeof(b),
		.op = AETHER_MM_BENCH_ORDER0,
		.threads = 1,
		.rounds = 1,
		.iterations = 16,
	};

	(void)arg;
	return aemt_ioctl(fd, AETHER_MM_IOC_BENCH, &b);
}

static int unpriv_compact(int fd, void *arg)
{
	struct aether_mm_compact cp = { .size = sizeof(cp), .node = -1 };

	(void)arg;
	return aemt_ioctl(fd, AETHER_MM_IOC_COMPACT, &cp);
}

/* Global configuration needs CAP_SYS_ADMIN; the same calls work as root. */
TEST_F(api, admin_commands_eperm_without_cap_sys_admin)
{
	struct aether_mm_reserve r = { 0 };
	struct aether_mm_pool_info pi;
	__u64 id;

	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_drain, self->fd,
						NULL));

	ASSERT_EQ(0, prep_reserve(self->fd, &r));
	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_reserve, self->fd,
						&r));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_EQ(self->pi.pages_reserved, pi.pages_reserved);

	ASSERT_EQ(0, aemt_reserve(self->fd, r.pfn, 1, &id));
	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_unreserve, self->fd,
						&id));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));

	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_bench, self->fd,
						NULL));
	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_compact, self->fd,
						NULL));
	ASSERT_EQ(0, unpriv_compact(self->fd, NULL));
}

static int unpriv_alloc_high(int fd, void *arg)
{
	__u64 h;

	(void)arg;
	return aemt_alloc1(fd, AETHER_MM_ALLOC_HIGH, 0, -1, AEMT_ALL_ZONES,
			   &h);
}

static int unpriv_alloc(int fd, void *arg)
{
	__u64 h;

	(void)arg;
	return aemt_alloc1(fd, 0, 0, -1, AEMT_ALL_ZONES, &h);
}

/* The reserve below the min watermark is the kernel's: HIGH is admin's. */
TEST_F(api, alloc_high_eperm_without_cap_sys_admin)
{
	__u64 h;

	ASSERT_EQ(-EPERM, aemt_run_unprivileged(unpriv_alloc_high, self->fd,
						NULL));
	ASSERT_EQ(0, aemt_run_unprivileged(unpriv_alloc, self->fd, NULL));
	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_HIGH, 0, -1,
				 AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

/* Open the device as the current (real) user and run @arg on it. */
static int as_user_on_own_fd(void *arg)
{
	int (*fn)(int fd, void *arg) = (int (*)(int, void *))arg;
	int fd = aemt_open(), ret;

	if (fd < 0)
		return fd;
	ret = fn(fd, NULL);
	close(fd);
	return ret;
}

static int run_as_alice(int (*fn)(int fd, void *arg))
{
	return aemt_run_as(&aemt_alice, as_user_on_own_fd, (void *)fn);
}

static int unpriv_reserve_any(int fd, void *arg)
{
	(void)arg;
	return aemt_reserve(fd, 0, 1, NULL);
}

static int unpriv_unreserve_any(int fd, void *arg)
{
	(void)arg;
	return aemt_unreserve(fd, 1);
}

/*
 * alice, a member of the group "aether" who opens the device herself:
 * ALLOC works, HIGH and every global command is -EPERM.
 */
TEST_F(api, admin_commands_eperm_as_group_member)
{
	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, run_as_alice(unpriv_alloc));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_alloc_high));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_drain));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_reserve_any));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_unreserve_any));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_bench));
	ASSERT_EQ(-EPERM, run_as_alice(unpriv_compact));
}

static int open_dev(void *arg)
{
	int fd = aemt_open();

	(void)arg;
	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

/* The device is the group's (0660): mallory, outside it, cannot open it. */
TEST_F(api, open_eacces_outside_group)
{
	if (!aemt_can_run_as(&aemt_mallory))
		SKIP(return, "needs root and the box's user mallory");
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, open_dev, NULL));
	ASSERT_EQ(-EACCES, aemt_run_as(&aemt_mallory, open_dev, NULL));
}

#define STALE_BLOCKS	64

/* What alice found in the blocks she got, through shared memory. */
struct stale_seen {
	int cpu;
	__u32 zero_crc;
	__u32 dirty;		/* blocks whose CRC is not that of zeroes */
	__u64 mismatches;	/* VERIFY against @seed: 0 would be a leak */
	__u64 seed;
};

/* As alice, on her own fd and root's CPU: allocate without ZERO, look. */
static int alloc_and_look(void *arg)
{
	static __u64 h[STALE_BLOCKS];
	struct stale_seen *st = arg;
	struct aether_mm_block_info bi;
	__u32 count = STALE_BLOCKS, i;
	__u64 bad;
	int fd, ret;

	if (aemt_pin_cpu(st->cpu))
		return -ESRCH;
	fd = aemt_open();
	if (fd < 0)
		return fd;
	ret = aemt_alloc(fd, 0, 0, -1, AEMT_ALL_ZONES, AETHER_MM_MT_MOVABLE,
			 h, &count);
	for (i = 0; !ret && i < count; i++) {
		ret = aemt_block_info(fd, h[i], &bi);
		if (!ret && bi.checksum != st->zero_crc)
			st->dirty++;
		if (!ret)
			ret = aemt_verify(fd, h[i], st->seed, &bad);
		if (!ret && bad < st->mismatches)
			st->mismatches = bad;
	}
	close(fd);
	return ret;
}

static struct stale_seen *stale_setup(struct __test_metadata *_metadata,
				      size_t page)
{
	struct stale_seen *st;
	void *zero = calloc(1, page);

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT_NE(MAP_FAILED, st);
	EXPECT_NE(NULL, zero);
	if (st == MAP_FAILED || !zero)
		return NULL;
	st->cpu = 0;
	st->zero_crc = aemt_crc32(zero, page);
	st->mismatches = ~0ULL;
	st->seed = 0x5eed5eed;
	free(zero);
	EXPECT_EQ(0, aemt_pin_cpu(st->cpu));
	return st;
}

/*
 * ALLOC without ZERO hands out zeroes, never the bytes of the block's last
 * user (CHECKSUM and VERIFY would read them out): root fills blocks and
 * frees them, alice takes the same per-CPU list's blocks back.
 */
TEST_F(api, alloc_without_zero_never_shows_old_bytes)
{
	static __u64 h[STALE_BLOCKS];
	__u32 count = STALE_BLOCKS, i;
	struct stale_seen *st;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	st = stale_setup(_metadata, self->pi.page_size);
	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	for (i = 0; i < count; i++)
		ASSERT_EQ(0, aemt_fill(self->fd, h[i], st->seed));
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, alloc_and_look, st));
	ASSERT_EQ(0, st->dirty);
	ASSERT_EQ(self->pi.page_size / 8, st->mismatches);
	munmap(st, sizeof(*st));
}

/* The same for the frames of a region root wrote and closed. */
TEST_F(api, alloc_without_zero_never_shows_region_bytes)
{
	size_t len = STALE_BLOCKS * self->pi.page_size;
	struct stale_seen *st;
	unsigned char *p;
	int rfd;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	st = stale_setup(_metadata, self->pi.page_size);
	ASSERT_NE(NULL, st);
	rfd = aemt_region_new(self->fd, AETHER_MM_REGION_PRIVATE, len);
	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, len, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, len);
	munmap(p, len);
	close(rfd);
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, alloc_and_look, st));
	ASSERT_EQ(0, st->dirty);
	munmap(st, sizeof(*st));
}

TEST_F(api, policy_default_is_local)
{
	__u32 mode = ~0U;
	__u64 mask;

	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
}

TEST_F(api, policy_set_get_roundtrip)
{
	__u64 all = (1ULL << self->pi.nr_nodes) - 1;
	__u64 last = 1ULL << (self->pi.nr_nodes - 1);
	__u32 mode;
	__u64 mask;

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_PREFERRED, last));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_PREFERRED, mode);
	ASSERT_EQ(last, mask);

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, all));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_BIND, mode);
	ASSERT_EQ(all, mask);

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_INTERLEAVE, all));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_INTERLEAVE, mode);
	ASSERT_EQ(all, mask);

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_LOCAL, 0));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
}

/* A rejected SET_POLICY leaves the fd's policy as it was. */
TEST_F(api, policy_bad_mode_einval)
{
	__u32 mode;
	__u64 mask;

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, 1));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_NR_POL, 1));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, ~0U, 1));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_BIND, mode);
	ASSERT_EQ(1, mask);
}

TEST_F(api, policy_empty_mask_einval)
{
	__u32 mode;
	__u64 mask;

	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_POL_PREFERRED,
					   0));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, 0));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd,
					   AETHER_MM_POL_INTERLEAVE, 0));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
}

TEST_F(api, policy_absent_node_einval)
{
	__u64 beyond = 1ULL << self->pi.nr_nodes;
	__u32 mode;
	__u64 mask;

	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_POL_BIND,
					   1 | beyond));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd,
					   AETHER_MM_POL_INTERLEAVE,
					   1 | (1ULL << 63)));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_POL_PREFERRED,
					   beyond));
	ASSERT_EQ(-EINVAL, aemt_set_policy(self->fd, AETHER_MM_POL_BIND,
					   1ULL << AETHER_MM_MAX_NODES));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
}

TEST_F(api, stats_count_alloc_and_free)
{
	struct aether_mm_stats st0, st1, st2;
	__u64 h[64];
	__u32 count = AEMT_ARRAY_SIZE(h);

	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	ASSERT_EQ(AEMT_ARRAY_SIZE(h), count);
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(st0.alloc + count, st1.alloc);
	ASSERT_EQ(st0.free, st1.free);
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
	ASSERT_EQ(0, aemt_stats(self->fd, &st2));
	ASSERT_EQ(st1.alloc, st2.alloc);
	ASSERT_EQ(st1.free + count, st2.free);
	ASSERT_LE(st0.pcp_hit, st2.pcp_hit);
	ASSERT_EQ(0, st2.__reserved0);
}

/* Bulk ALLOC returns @count distinct handles, each usable. */
TEST_F(api, alloc_bulk_distinct_handles)
{
	static __u64 h[AETHER_MM_MAX_BULK];
	struct aether_mm_block_info bi;
	__u32 count = 512, i, j;

	ASSERT_EQ(0, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	ASSERT_EQ(512, count);
	for (i = 0; i < count; i++) {
		for (j = i + 1; j < count; j++)
			ASSERT_NE(h[i], h[j]);
		ASSERT_EQ(0, aemt_block_info(self->fd, h[i], &bi));
	}
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
}

/* Closing an fd gives back every block it held. */
TEST_F(api, close_returns_blocks)
{
	__u64 used = used_pages(_metadata, self->fd);
	struct aether_mm_stats st0, st1;
	static __u64 h[1024];
	__u32 count = 1000, big = 8, order;
	int other = aemt_open();

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_alloc(other, 0, 0, -1, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	ASSERT_EQ(1000, count);
	for (order = 1; order <= self->pi.max_order; order += 3) {
		count = big;
		ASSERT_EQ(0, aemt_alloc(other, 0, order, -1, AEMT_ALL_ZONES,
					AETHER_MM_MT_UNMOVABLE, h, &count));
	}
	ASSERT_LT(used, used_pages(_metadata, self->fd));
	close(other);
	ASSERT_EQ(used, used_pages(_metadata, self->fd));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(st1.alloc - st0.alloc, st1.free - st0.free);
}

/* A forked child that exits with blocks outstanding leaks nothing. */
TEST_F(api, exit_returns_blocks)
{
	__u64 used = used_pages(_metadata, self->fd);
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static __u64 h[256];
		__u32 count = 256;
		int fd = aemt_open();

		if (fd < 0 || aemt_alloc(fd, 0, 1, -1, AEMT_ALL_ZONES,
					 AETHER_MM_MT_MOVABLE, h, &count))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(used, used_pages(_metadata, self->fd));
}

struct bench_case {
	__u32 op, batch, threads, rounds;
	__u64 iterations;
};

TEST_F(api, bench_bad_args_einval)
{
	int cpus = aemt_nr_cpus();
	const struct bench_case bad[] = {
		{ AETHER_MM_NR_BENCH, 0, 1, 1, 16 },
		{ ~0U, 0, 1, 1, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, 0, 1, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, cpus + 1, 1, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, ~0U, 1, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 0, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 1001, 16 },
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 1, 0 },
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 1, 1000001 },
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 1, ~0ULL },
		{ AETHER_MM_BENCH_ORDER0, 8, 1, 1, 16 },
		{ AETHER_MM_BENCH_ORDER3, 1, 1, 1, 16 },
		{ AETHER_MM_BENCH_BULK, 0, 1, 1, 16 },
		{ AETHER_MM_BENCH_BULK, 513, 1, 1, 16 },
	};
	struct aether_mm_bench flags = {
		.size = sizeof(flags),
		.op = AETHER_MM_BENCH_ORDER0,
		.threads = 1,
		.rounds = 1,
		.iterations = 16,
		.flags = ~AETHER_MM_BENCH_ZERO,
	};
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		struct aether_mm_bench b = {
			.size = sizeof(b),
			.op = bad[i].op,
			.batch = bad[i].batch,
			.threads = bad[i].threads,
			.rounds = bad[i].rounds,
			.iterations = bad[i].iterations,
		};

		ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_BENCH,
					      &b))
			TH_LOG("case %u accepted", i);
	}
	ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_BENCH, &flags));
}

/* A short run of each op answers with times and their ratio. */
TEST_F_TIMEOUT(api, bench_reports_times, 120)
{
	int cpus = aemt_nr_cpus();
	const struct bench_case ok[] = {
		{ AETHER_MM_BENCH_ORDER0, 0, 1, 2, 256 },
		{ AETHER_MM_BENCH_ORDER3, 0, 1, 2, 256 },
		{ AETHER_MM_BENCH_BULK, 1, 1, 2, 256 },
		{ AETHER_MM_BENCH_BULK, 512, 1, 2, 1024 },
		{ AETHER_MM_BENCH_ORDER0, 0, cpus, 2, 256 },
	};
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(ok); i++) {
		struct aether_mm_bench b = {
			.size = sizeof(b),
			.op = ok[i].op,
			.batch = ok[i].batch,
			.threads = ok[i].threads,
			.rounds = ok[i].rounds,
			.iterations = ok[i].iterations,
		};
		__u64 ratio;

		ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_BENCH, &b))
			TH_LOG("case %u refused", i);
		ASSERT_LT(0, b.pool_ns);
		ASSERT_LT(0, b.kernel_ns);
		ratio = b.pool_ns * 1000 / b.kernel_ns;
		ASSERT_GE(ratio + ratio / 100 + 1, b.ratio);
		ASSERT_LE(ratio - ratio / 100 - 1, b.ratio);
	}
}

static const char * const debugfs_files[] = {
	"pool", "free_lists", "pcp", "watermarks", "frag", "stats",
	"tracking",
};

TEST_F(api, debugfs_files_readable)
{
	char path[256], buf[4096];
	struct stat st;
	unsigned int i;

	if (stat("/sys/kernel/debug/aether", &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (stat("/sys/kernel/debug/aether", &st))
		SKIP(return, "debugfs not mounted or CONFIG_DEBUG_FS=n");

	for (i = 0; i < AEMT_ARRAY_SIZE(debugfs_files); i++) {
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", AEMT_DEBUGFS,
			 debugfs_files[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		n = read(fd, buf, sizeof(buf));
		ASSERT_LT(0, n) TH_LOG("%s is empty or unreadable", path);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
}

TEST_HARNESS_MAIN
