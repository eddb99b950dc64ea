// SPDX-License-Identifier: GPL-2.0
/*
 * mm_buddy_test.c - the buddy allocator of /dev/aether_mm, one variant per
 * NUMA node
 *
 * Split and merge (everything freed and drained is max-order blocks again),
 * the per-CPU lists and DRAIN (and an allocation taking back another CPU's
 * list before it fails), block contents (FILL, VERIFY, ZERO, CRC-32
 * checksums, no two live blocks overlapping) and the fragmentation indices
 * of FRAG against mm/vmstat.c's definitions, on a zone made to fragment.
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

AEMT_NODE_FIXTURE(buddy);

/* Every present zone of @node holds only max-order free blocks. */
static void assert_node_merged(struct __test_metadata *_metadata, int fd,
			       int node, __u32 max_order)
{
	struct aether_mm_zone_stats zs;
	__u32 z, o;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
		ASSERT_EQ(0, aemt_zone_stats(fd, node, z, &zs));
		if (!zs.present)
			continue;
		ASSERT_EQ(0, zs.pcp) TH_LOG("zone %u", z);
		if (zs.reserved)
			continue;
		for (o = 0; o < max_order; o++)
			ASSERT_EQ(0, zs.nr_free[o])
				TH_LOG("zone %u order %u", z, o);
		ASSERT_EQ(zs.managed, zs.free) TH_LOG("zone %u", z);
		ASSERT_EQ(zs.managed >> max_order, zs.nr_free[max_order]);
	}
}

TEST_F_TIMEOUT(buddy, free_everything_merges_to_max_order, 120)
{
	static __u64 h[AETHER_MM_MAX_BULK];
	struct aemt_blocks b = { 0 };
	__u32 count, order, i;
	size_t k;

	ASSERT_EQ(0, aemt_settle(self->fd));
	assert_node_merged(_metadata, self->fd, variant->node,
			   self->pi.max_order);

	srand(variant->node + 1);
	for (i = 0; i < 64; i++) {
		order = rand() % 4;
		count = 1 + rand() % 16;
		ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE |
					AETHER_MM_ALLOC_NOGROW, order,
					variant->node, AEMT_ALL_ZONES,
					rand() % AETHER_MM_NR_MT, h, &count));
		for (k = 0; k < count; k++)
			ASSERT_EQ(0, aemt_blocks_add(&b, h[k]));
	}
	/* Free in random order, in uneven batches. */
	for (k = b.nr - 1; k > 0; k--) {
		size_t j = rand() % (k + 1);
		__u64 t = b.handles[k];

		b.handles[k] = b.handles[j];
		b.handles[j] = t;
	}
	for (k = 0; k < b.nr; k += count) {
		count = 1 + rand() % 37;
		if (count > b.nr - k)
			count = b.nr - k;
		ASSERT_EQ(0, aemt_free(self->fd, b.handles + k, count));
	}
	ASSERT_EQ(0, aemt_drain(self->fd));
	assert_node_merged(_metadata, self->fd, variant->node,
			   self->pi.max_order);
	aemt_blocks_release(&b);
}

TEST_F(buddy, split_and_merge_counted)
{
	struct aether_mm_stats st0, st1, st2;
	__u64 h;

	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE |
				 AETHER_MM_ALLOC_NOGROW, 0, variant->node,
				 AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_LT(st0.split, st1.split);
	ASSERT_EQ(0, aemt_free1(self->fd, h));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_stats(self->fd, &st2));
	ASSERT_LT(st1.merge, st2.merge);
	ASSERT_LE(st2.split - st0.split, st2.merge - st1.merge);
	assert_node_merged(_metadata, self->fd, variant->node,
			   self->pi.max_order);
}

static __u64 node_pcp(int fd, int node)
{
	struct aether_mm_zone_stats zs;
	__u64 sum = 0;
	__u32 z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++)
		if (!aemt_zone_stats(fd, node, z, &zs))
			sum += zs.pcp;
	return sum;
}

/*
 * Small orders go through the per-CPU lists (pcp_hit moves, pages sit on
 * them after a free); larger ones do not; DRAIN empties every list.
 */
TEST_F(buddy, pcp_lists_and_drain)
{
	struct aether_mm_stats st0, st1, st2;
	struct aether_mm_pool_info pi;
	__u64 h[4], big;
	__u32 count = 4, n;

	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, node_pcp(self->fd, variant->node));
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE, 0,
				variant->node, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	ASSERT_EQ(4, count);
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_LT(st0.pcp_hit, st1.pcp_hit);
	ASSERT_LT(0, node_pcp(self->fd, variant->node));

	if (self->pi.pcp_max_order < self->pi.max_order) {
		ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE,
					 self->pi.pcp_max_order + 1,
					 variant->node, AEMT_ALL_ZONES, &big));
		ASSERT_EQ(0, aemt_stats(self->fd, &st2));
		ASSERT_EQ(st1.pcp_hit, st2.pcp_hit);
		ASSERT_EQ(0, aemt_free1(self->fd, big));
	}

	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	for (n = 0; n < pi.nr_nodes; n++) {
		ASSERT_EQ(0, node_pcp(self->fd, n));
		ASSERT_EQ(pi.node_free[n], aemt_node_buddy_free(self->fd, n));
	}
}

/*
 * Pages freed on one CPU's list are not lost to an allocation on another:
 * a fill from CPU 0 down to -ENOMEM takes back what CPU 1's list holds
 * (Linux's drain_all_pages() after a failed reclaim) and ends with no
 * list holding a page of the node.
 */
TEST_F_TIMEOUT(buddy, enomem_only_after_other_cpus_lists_are_taken, 120)
{
	const __u32 flags = AETHER_MM_ALLOC_THISNODE | AETHER_MM_ALLOC_NOGROW;
	struct aemt_blocks b = { 0 };
	__u32 count = 16;
	__u64 h[16];

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU");
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_pin_cpu(1));
	ASSERT_EQ(0, aemt_alloc(self->fd, flags, 0, variant->node,
				AEMT_ALL_ZONES, AETHER_MM_MT_MOVABLE, h,
				&count));
	ASSERT_EQ(16, count);
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
	ASSERT_LE(16, node_pcp(self->fd, variant->node));

	ASSERT_EQ(0, aemt_pin_cpu(0));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, flags, 0, variant->node,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	EXPECT_EQ(0, node_pcp(self->fd, variant->node))
		TH_LOG("-ENOMEM with pages left on a CPU's list");
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

TEST_F(buddy, fill_verify_counts_mismatches)
{
	__u32 orders[] = { 0, 3, self->pi.max_order };
	__u64 h, mism, words;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(orders); i++) {
		words = aemt_block_bytes(&self->pi, orders[i]) / 8;
		ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE,
					 orders[i], variant->node,
					 AEMT_ALL_ZONES, &h));
		ASSERT_EQ(0, aemt_fill(self->fd, h, 0x5eed0000 + i));
		ASSERT_EQ(0, aemt_verify(self->fd, h, 0x5eed0000 + i, &mism));
		ASSERT_EQ(0, mism);
		/* seed ^ x != seed' ^ x for every word */
		ASSERT_EQ(0, aemt_verify(self->fd, h, 0xbad0000 + i, &mism));
		ASSERT_EQ(words, mism);
		ASSERT_EQ(0, aemt_free1(self->fd, h));
	}
}

TEST_F(buddy, checksum_is_crc32_of_contents)
{
	__u32 orders[] = { 0, 4 };
	struct aether_mm_block_info bi;
	unsigned int i;
	void *buf;
	__u64 h, len;

	for (i = 0; i < AEMT_ARRAY_SIZE(orders); i++) {
		len = aemt_block_bytes(&self->pi, orders[i]);
		buf = malloc(len);
		ASSERT_NE(NULL, buf);
		aemt_pattern(buf, len, 0xfeedface00ULL + i);
		ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE,
					 orders[i], variant->node,
					 AEMT_ALL_ZONES, &h));
		ASSERT_EQ(0, aemt_fill(self->fd, h, 0xfeedface00ULL + i));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_EQ(aemt_crc32(buf, len), bi.checksum);
		free(buf);
	}
}

/* Blocks dirtied and freed come back zeroed with AETHER_MM_ALLOC_ZERO. */
TEST_F(buddy, zero_flag_zeroes_block)
{
	__u64 words = aemt_block_bytes(&self->pi, 2) / 8;
	struct aether_mm_block_info bi;
	__u64 h[16], mism, *zeroes;
	__u32 count = 16, i;

	zeroes = calloc(words, 8);
	ASSERT_NE(NULL, zeroes);
	ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE, 2,
				variant->node, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	for (i = 0; i < count; i++)
		ASSERT_EQ(0, aemt_fill(self->fd, h[i], ~0ULL - i));
	ASSERT_EQ(0, aemt_free(self->fd, h, count));

	count = 16;
	ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE |
				AETHER_MM_ALLOC_ZERO, 2, variant->node,
				AEMT_ALL_ZONES, AETHER_MM_MT_MOVABLE, h,
				&count));
	ASSERT_EQ(16, count);
	for (i = 0; i < count; i++) {
		/* Word 0 of seed 0 is 0; every other expected word is not. */
		ASSERT_EQ(0, aemt_verify(self->fd, h[i], 0, &mism));
		ASSERT_EQ(words - 1, mism);
		ASSERT_EQ(0, aemt_block_info(self->fd, h[i], &bi));
		ASSERT_EQ(aemt_crc32(zeroes, words * 8), bi.checksum);
	}
	free(zeroes);
}

/*
 * Live blocks never share a page: page ranges are disjoint, and each
 * block keeps its own pattern while the others are written.
 */
TEST_F(buddy, live_blocks_never_overlap)
{
	static __u64 h[64];
	struct aemt_blocks b = { 0 };
	__u32 order, count;
	__u64 mism;
	size_t i;

	for (order = 0; order <= 5; order++) {
		count = 64 >> order;
		ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE,
					order, variant->node, AEMT_ALL_ZONES,
					order % AETHER_MM_NR_MT, h, &count));
		for (i = 0; i < count; i++)
			ASSERT_EQ(0, aemt_blocks_add(&b, h[i]));
	}
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_EQ(0, aemt_fill(self->fd, b.handles[i], 1000 + i));
	for (i = 0; i < b.nr; i++) {
		ASSERT_EQ(0, aemt_verify(self->fd, b.handles[i], 1000 + i,
					 &mism));
		ASSERT_EQ(0, mism) TH_LOG("block %zu", i);
	}
	if (!b.info[0].pfn)
		SKIP(goto out, "no pfn without CAP_SYS_ADMIN");
	aemt_blocks_sort_pfn(&b);
	for (i = 1; i < b.nr; i++)
		ASSERT_LE(b.info[i - 1].pfn + (1ULL << b.info[i - 1].order),
			  b.info[i].pfn);
out:
	aemt_blocks_release(&b);
}

static void assert_frag_formula(struct __test_metadata *_metadata,
				const struct aether_mm_frag *fr)
{
	__u64 pages = 0;
	__u32 o;

	for (o = 0; o < fr->nr_orders; o++) {
		pages += fr->free_blocks[o] << o;
		ASSERT_EQ(aemt_unusable_index(fr, o), fr->unusable[o])
			TH_LOG("unusable, order %u", o);
		ASSERT_EQ(aemt_extfrag_index(fr, o), fr->extfrag[o])
			TH_LOG("extfrag, order %u", o);
	}
	ASSERT_EQ(pages, fr->free_pages);
}

TEST_F(buddy, frag_matches_vmstat_definitions)
{
	struct aether_mm_frag fr;
	__u32 z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
		ASSERT_EQ(0, aemt_frag(self->fd, variant->node, z, &fr));
		ASSERT_EQ(self->pi.max_order + 1, fr.nr_orders);
		assert_frag_formula(_metadata, &fr);
	}
}

/*
 * Fill the node with order-0 blocks, free every other page frame: no free
 * page has a free buddy, so no order above 0 can be served.  Then free
 * everything: the indices go back to "no fragmentation".
 */
TEST_F_TIMEOUT(buddy, frag_rises_with_holes_and_recovers, 180)
{
	struct aemt_blocks b = { 0 }, odd = { 0 };
	__u32 top = self->pi.max_order, o;
	struct aether_mm_frag fr;
	size_t i;
	int zone;

	ASSERT_EQ(0, aemt_settle(self->fd));
	zone = aemt_largest_zone(self->fd, variant->node);
	ASSERT_LE(0, zone);
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, FILL_ALL, 0,
					    variant->node, AEMT_ALL_ZONES, &b,
					    1 << 20));
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	if (!b.info[0].pfn)
		SKIP(return, "no pfn without CAP_SYS_ADMIN");
	aemt_blocks_sort_pfn(&b);
	for (i = 1; i < b.nr; i += 2)
		ASSERT_EQ(0, aemt_blocks_add(&odd, b.handles[i]));
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &odd));
	ASSERT_EQ(0, aemt_drain(self->fd));

	ASSERT_EQ(0, aemt_frag(self->fd, variant->node, zone, &fr));
	assert_frag_formula(_metadata, &fr);
	ASSERT_LT(fr.free_pages / 2, fr.free_blocks[0]);
	ASSERT_LT(900, fr.unusable[top]);
	ASSERT_LT(900, fr.extfrag[top]);
	for (o = 2; o <= top; o++)
		if (fr.extfrag[o - 1] != -1000)
			ASSERT_LE(fr.extfrag[o - 1], fr.extfrag[o]);

	for (i = 0; i < b.nr; i += 2)
		ASSERT_EQ(0, aemt_blocks_add(&odd, b.handles[i]));
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &odd));
	ASSERT_EQ(0, aemt_drain(self->fd));
	ASSERT_EQ(0, aemt_frag(self->fd, variant->node, zone, &fr));
	assert_frag_formula(_metadata, &fr);
	ASSERT_EQ(0, fr.unusable[top]);
	for (o = 0; o <= top; o++)
		ASSERT_EQ(-1000, fr.extfrag[o]);
	aemt_blocks_release(&odd);
	aemt_blocks_release(&b);
}

TEST_HARNESS_MAIN
