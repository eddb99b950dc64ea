// SPDX-License-Identifier: GPL-2.0
/*
 * mm_reserve_test.c - reserved ranges of the pool (AETHER_MM_IOC_RESERVE)
 *
 * A range inside one chunk is found by allocating a max-order block (whose
 * first page frame starts a chunk-aligned run) and giving it back.  The
 * tests check the arguments, overlap, that free pages leave the free lists
 * at once, that pages in use are held back when freed, that no page of a
 * range is handed out while it is reserved, and that UNRESERVE and close()
 * give the pages back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define FILL_ALL	(AETHER_MM_ALLOC_THISNODE | AETHER_MM_ALLOC_NOGROW | \
			 AETHER_MM_ALLOC_HIGH)
#define NODE		0

FIXTURE(reserve) {
	int fd;
	struct aether_mm_pool_info pi;
	__u64 chunk;		/* first pfn of a free chunk of node 0 */
	__u64 chunk_pages;
};

FIXTURE_SETUP(reserve)
{
	struct aether_mm_block_info bi;
	__u64 h;

	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	ASSERT_EQ(0, self->pi.pages_reserved);
	self->chunk_pages = 1ULL << self->pi.chunk_order;

	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE |
				 AETHER_MM_ALLOC_NOGROW, self->pi.max_order,
				 NODE, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_NE(0, bi.pfn);
	self->chunk = bi.pfn & ~(self->chunk_pages - 1);
	ASSERT_EQ(0, aemt_free1(self->fd, h));
	ASSERT_EQ(0, aemt_drain(self->fd));
}

FIXTURE_TEARDOWN(reserve)
{
	if (self->fd >= 0)
		close(self->fd);
}

static __u64 pages_reserved(int fd)
{
	struct aether_mm_pool_info pi;

	if (aemt_pool_info(fd, &pi))
		return ~0ULL;
	return pi.pages_reserved;
}

static bool overlaps(const struct aether_mm_block_info *bi, __u64 pfn,
		     __u64 nr)
{
	return bi->pfn < pfn + nr && pfn < bi->pfn + (1ULL << bi->order);
}

TEST_F(reserve, bad_range_einval)
{
	__u64 c = self->chunk, n = self->chunk_pages;

	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, c, 0, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, c, n + 1, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, c + n - 1, 2, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, c + 1, n, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, c, ~0ULL, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, 0, 1, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, 1ULL << 52, 1, NULL));
	ASSERT_EQ(-EINVAL, aemt_reserve(self->fd, ~0ULL, 1, NULL));
	ASSERT_EQ(0, pages_reserved(self->fd));
}

TEST_F(reserve, whole_chunk_accepted)
{
	__u64 id;

	ASSERT_EQ(0, aemt_reserve(self->fd, self->chunk, self->chunk_pages,
				  &id));
	ASSERT_EQ(self->chunk_pages, pages_reserved(self->fd));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(0, pages_reserved(self->fd));
}

TEST_F(reserve, overlap_ebusy)
{
	__u64 c = self->chunk + 64, id, id2;
	int other = aemt_open();

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_reserve(self->fd, c, 16, &id));
	ASSERT_EQ(-EBUSY, aemt_reserve(self->fd, c + 8, 16, NULL));
	ASSERT_EQ(-EBUSY, aemt_reserve(self->fd, c - 8, 9, NULL));
	ASSERT_EQ(-EBUSY, aemt_reserve(self->fd, c + 15, 1, NULL));
	ASSERT_EQ(-EBUSY, aemt_reserve(self->fd, c - 1, 18, NULL));
	ASSERT_EQ(-EBUSY, aemt_reserve(other, c, 16, NULL));
	ASSERT_EQ(16, pages_reserved(self->fd));
	/* Adjacent ranges do not overlap. */
	ASSERT_EQ(0, aemt_reserve(other, c + 16, 16, &id2));
	ASSERT_EQ(0, aemt_reserve(self->fd, c - 8, 8, NULL));
	ASSERT_EQ(40, pages_reserved(self->fd));
	/* Ids are per fd: each names its own reservation. */
	ASSERT_EQ(0, aemt_unreserve(other, id2));
	ASSERT_EQ(24, pages_reserved(self->fd));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(8, pages_reserved(self->fd));
	close(other);
}

TEST_F(reserve, unreserve_unknown_id_enoent)
{
	int other = aemt_open();
	__u64 id, theirs;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_reserve(other, self->chunk, 4, &theirs));
	ASSERT_EQ(-ENOENT, aemt_unreserve(self->fd, theirs));
	ASSERT_EQ(0, aemt_reserve(self->fd, self->chunk + 4, 4, &id));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(-ENOENT, aemt_unreserve(self->fd, id));
	ASSERT_EQ(-ENOENT, aemt_unreserve(self->fd, 0xdeadbeefcafef00dULL));
	ASSERT_EQ(4, pages_reserved(self->fd));
	ASSERT_EQ(0, aemt_unreserve(other, theirs));
	close(other);
}

/* Free pages of the range leave the free lists at once, and come back. */
TEST_F(reserve, free_pages_taken_at_once)
{
	struct aether_mm_pool_info pi0, pi1, pi2;
	__u64 id;

	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi0));
	ASSERT_EQ(0, aemt_reserve(self->fd, self->chunk + 64, 128, &id));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi1));
	ASSERT_EQ(pi0.pages_reserved + 128, pi1.pages_reserved);
	ASSERT_EQ(pi0.pages_free - 128, pi1.pages_free);
	ASSERT_EQ(pi0.node_free[NODE] - 128, pi1.node_free[NODE]);
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi2));
	ASSERT_EQ(pi0.pages_reserved, pi2.pages_reserved);
	ASSERT_EQ(pi0.pages_free, pi2.pages_free);
}

/*
 * Take every page of the node: none comes from the reserved range.  After
 * UNRESERVE the range's pages are the only free ones, and they are served.
 */
TEST_F_TIMEOUT(reserve, range_never_handed_out, 120)
{
	__u64 pfn = self->chunk + 256, nr = 128, id, h;
	struct aether_mm_block_info bi;
	struct aemt_blocks b = { 0 };
	size_t i;

	ASSERT_EQ(0, aemt_reserve(self->fd, pfn, nr, &id));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, FILL_ALL, 0, NODE,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_FALSE(overlaps(&b.info[i], pfn, nr))
			TH_LOG("pfn %llu handed out",
			       (unsigned long long)b.info[i].pfn);

	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, aemt_alloc1(self->fd, FILL_ALL, 0, NODE,
					 AEMT_ALL_ZONES, &h));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_TRUE(overlaps(&bi, pfn, nr));
	}
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

/* A page in use when reserved is held back when it is freed. */
TEST_F_TIMEOUT(reserve, in_use_page_held_back_on_free, 120)
{
	struct aether_mm_pool_info pi0, pi1;
	struct aether_mm_block_info bi;
	struct aemt_blocks b = { 0 };
	__u64 h, id;
	size_t i;

	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE, 0, NODE,
				 AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_EQ(0, aemt_reserve(self->fd, bi.pfn, 1, &id));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi0));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi1));
	ASSERT_EQ(1, pi1.pages_reserved);
	ASSERT_EQ(pi0.pages_free, pi1.pages_free);

	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, FILL_ALL, 0, NODE,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_NE(bi.pfn, b.info[i].pfn);
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(0, pages_reserved(self->fd));
	aemt_blocks_release(&b);
}

/* close() ends the fd's reservations: the range can be reserved again. */
TEST_F(reserve, close_ends_reservations)
{
	struct aether_mm_pool_info pi0, pi1;
	int other = aemt_open();
	__u64 id;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi0));
	ASSERT_EQ(0, aemt_reserve(other, self->chunk, 64, NULL));
	ASSERT_EQ(0, aemt_reserve(other, self->chunk + 512, 64, NULL));
	ASSERT_EQ(128, pages_reserved(self->fd));
	close(other);
	ASSERT_EQ(0, pages_reserved(self->fd));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi1));
	ASSERT_EQ(pi0.pages_free, pi1.pages_free);
	ASSERT_EQ(0, aemt_reserve(self->fd, self->chunk, 64, &id));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
}

static __u64 node_zone_reserved(int fd, int node)
{
	struct aether_mm_zone_stats zs;
	__u64 sum = 0;
	__u32 z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++)
		if (!aemt_zone_stats(fd, node, z, &zs))
			sum += zs.reserved;
	return sum;
}

/* ZONE_STATS shows the reservation in the zones of the node. */
TEST_F(reserve, zone_stats_show_reserved)
{
	__u64 id;

	ASSERT_EQ(0, node_zone_reserved(self->fd, NODE));
	ASSERT_EQ(0, aemt_reserve(self->fd, self->chunk, 32, &id));
	ASSERT_EQ(32, node_zone_reserved(self->fd, NODE));
	ASSERT_EQ(0, aemt_unreserve(self->fd, id));
	ASSERT_EQ(0, node_zone_reserved(self->fd, NODE));
}

TEST_HARNESS_MAIN
