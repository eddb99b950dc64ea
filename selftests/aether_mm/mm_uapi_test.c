// SPDX-License-Identifier: GPL-2.0
/*
 * mm_uapi_test.c - a zeroed field means the default
 *
 * Each test memsets a request, fills @size and what the command needs
 * (see include/uapi/linux/aether_mm.h), and expects what a caller that
 * knows nothing else would want.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

FIXTURE(zeroed) {
	int fd;
	struct aether_mm_pool_info pi;
};

FIXTURE_SETUP(zeroed)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
}

FIXTURE_TEARDOWN(zeroed)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Pool pages of @zone on any node. */
static __u64 zone_pages(int fd, __u32 nr_nodes, __u32 zone)
{
	struct aether_mm_zone_stats zs;
	__u64 sum = 0;
	__u32 n;

	for (n = 0; n < nr_nodes; n++)
		if (!aemt_zone_stats(fd, n, zone, &zs) && zs.present)
			sum += zs.managed;
	return sum;
}

/* An ALLOC request for one block with nothing else set. */
static void zeroed_alloc(struct aether_mm_alloc *a, __u64 *h)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->count = 1;
	a->handles = (uintptr_t)h;
}

/* ALLOC with only @size, @count and @handles: one block of any zone. */
TEST_F(zeroed, alloc_with_only_count_and_handles_gets_a_block)
{
	struct aether_mm_alloc a;
	struct aether_mm_block_info bi;
	__u64 h = 0;

	zeroed_alloc(&a, &h);
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_ALLOC, &a))
		TH_LOG("DMA zone: %llu pool pages", (unsigned long long)
		       zone_pages(self->fd, self->pi.nr_nodes,
				  AETHER_MM_ZONE_DMA));
	ASSERT_EQ(1, a.count);
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_EQ(0, bi.order);
	ASSERT_GT(AETHER_MM_NR_ZONES, bi.zone);
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

/* A zeroed @zone reaches the zones above DMA (it is not "DMA only"). */
TEST_F(zeroed, alloc_zone_zero_is_any_zone)
{
	struct aether_mm_alloc a;
	struct aether_mm_block_info bi;
	__u64 h = 0;

	if (!zone_pages(self->fd, self->pi.nr_nodes, AETHER_MM_ZONE_DMA32) &&
	    !zone_pages(self->fd, self->pi.nr_nodes, AETHER_MM_ZONE_NORMAL))
		SKIP(return, "the pool has DMA pages only");
	zeroed_alloc(&a, &h);
	a.zone = AETHER_MM_ZONE_ANY;
	a.migratetype = AETHER_MM_MT_MOVABLE;
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_ALLOC, &a));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_NE(AETHER_MM_ZONE_DMA, bi.zone);
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

/* ALLOC_ZONE keeps the old meaning of 0: DMA only. */
TEST_F(zeroed, alloc_zone_flag_makes_zero_dma_only)
{
	struct aether_mm_block_info bi;
	struct aether_mm_alloc a;
	__u64 h = 0;
	int ret;

	zeroed_alloc(&a, &h);
	a.flags = AETHER_MM_ALLOC_ZONE;
	a.zone = AETHER_MM_ZONE_DMA;
	ret = aemt_ioctl(self->fd, AETHER_MM_IOC_ALLOC, &a);
	if (!zone_pages(self->fd, self->pi.nr_nodes, AETHER_MM_ZONE_DMA)) {
		ASSERT_EQ(-ENOMEM, ret);
		return;
	}
	if (ret == -ENOMEM)
		SKIP(return, "the DMA zone is full");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_EQ(AETHER_MM_ZONE_DMA, bi.zone);
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

/* Explicit zones above DMA mean what they did, with or without the flag. */
TEST_F(zeroed, alloc_dma32_means_dma32_with_or_without_flag)
{
	struct aether_mm_block_info bi;
	struct aether_mm_alloc a;
	__u32 flags[] = { 0, AETHER_MM_ALLOC_ZONE };
	unsigned int i;
	__u64 h = 0;
	int ret;

	for (i = 0; i < AEMT_ARRAY_SIZE(flags); i++) {
		zeroed_alloc(&a, &h);
		a.flags = flags[i];
		a.zone = AETHER_MM_ZONE_DMA32;
		ret = aemt_ioctl(self->fd, AETHER_MM_IOC_ALLOC, &a);
		if (ret == -ENOMEM)
			continue;	/* no DMA32 or DMA pages to give */
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_GE(AETHER_MM_ZONE_DMA32, bi.zone);
		ASSERT_EQ(0, aemt_free1(self->fd, h));
	}
}

/* SET_POLICY with only @size: LOCAL, the default, accepted. */
TEST_F(zeroed, set_policy_zeroed_is_local)
{
	struct aether_mm_policy p;
	__u64 mask;
	__u32 mode;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_SET_POLICY, &p));
	ASSERT_EQ(0, aemt_get_policy(self->fd, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
}

/*
 * REGION_CREATE with what it requires (@length, SHARED or PRIVATE, a
 * @max_prot with READ) and nothing else: normal tier, LOCAL policy, no
 * guard, no name; it maps and holds data.
 */
TEST_F(zeroed, region_create_with_required_fields_only)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;
	size_t len = self->pi.page_size;
	char *p;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = AETHER_MM_REGION_SHARED;
	c.length = len;
	c.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE;
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_REGION_CREATE, &c));
	ASSERT_LE(0, c.fd);
	ASSERT_EQ(0, aemt_region_info(c.fd, &ri));
	ASSERT_EQ(AETHER_MM_TIER_NORMAL, ri.tier);
	ASSERT_EQ(0, ri.data_offset);
	p = aemt_region_map(c.fd, len, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 42;
	ASSERT_EQ(42, p[0]);
	munmap(p, len);
	close(c.fd);
}

/* REGION_LIST with only @size: the count of the caller's regions. */
TEST_F(zeroed, region_list_zeroed_counts_only)
{
	struct aether_mm_region_list l;
	int rfd = aemt_region_new(self->fd, AETHER_MM_REGION_SHARED,
				  self->pi.page_size);

	ASSERT_LE(0, rfd);
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_REGION_LIST, &l));
	ASSERT_EQ(0, l.count);
	ASSERT_LE(1, l.total);
	close(rfd);
}

TEST_HARNESS_MAIN
