// SPDX-License-Identifier: GPL-2.0
/*
 * mm_placement_test.c - where /dev/aether_mm puts a block
 *
 * "placement" has one variant per NUMA node and checks explicit placement:
 * THISNODE, zones by physical address (read from ZONE_STATS, never
 * assumed), migrate types, and the fallback to another node when one is
 * full.  "policy" checks the per-fd NUMA policies for ALLOC with node -1:
 * LOCAL follows the calling CPU, PREFERRED takes the first node of the
 * mask, BIND never leaves the mask, INTERLEAVE alternates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

/* Enough single allocations to see a pattern, few enough for emulation. */
#define NR_PROBES	32

AEMT_NODE_FIXTURE(placement);

static int zone_present(int fd, int node, int zone)
{
	struct aether_mm_zone_stats zs;

	if (aemt_zone_stats(fd, node, zone, &zs))
		return -1;
	return zs.present;
}

TEST_F(placement, thisnode_places_on_node)
{
	__u32 orders[] = { 0, 1, 3, self->pi.pcp_max_order,
			   self->pi.max_order };
	struct aether_mm_block_info bi;
	unsigned int i, n;
	__u64 h;

	for (i = 0; i < AEMT_ARRAY_SIZE(orders); i++) {
		for (n = 0; n < 4; n++) {
			ASSERT_EQ(0, aemt_alloc1(self->fd,
						 AETHER_MM_ALLOC_THISNODE,
						 orders[i], variant->node,
						 AEMT_ALL_ZONES, &h));
			ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
			ASSERT_EQ(variant->node, bi.node);
			ASSERT_EQ(orders[i], bi.order);
			ASSERT_EQ(1, zone_present(self->fd, bi.node, bi.zone));
		}
	}
}

/* An explicit node wins over the fd's policy. */
TEST_F(placement, explicit_node_ignores_policy)
{
	__u64 other = 1ULL << ((variant->node + 1) % self->pi.nr_nodes);
	struct aether_mm_block_info bi;
	unsigned int i;
	__u64 h;

	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, other));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, variant->node,
					 AEMT_ALL_ZONES, &h));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_EQ(variant->node, bi.node);
	}
}

/* A block never comes from a zone above the one asked for. */
TEST_F(placement, zone_is_at_most_the_one_asked)
{
	struct aether_mm_block_info bi;
	__u32 zone;
	__u64 h;
	int ret;

	for (zone = 0; zone < AETHER_MM_NR_ZONES; zone++) {
		int lower = 0, z;

		for (z = 0; z <= (int)zone; z++)
			lower |= zone_present(self->fd, variant->node, z) == 1;
		ret = aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE |
				  AETHER_MM_ALLOC_NOGROW, 0, variant->node,
				  zone, &h);
		if (!lower) {
			/* No zone at or below @zone on this node. */
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("zone %u", zone);
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("zone %u", zone);
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_LE(bi.zone, zone);
		ASSERT_EQ(1, zone_present(self->fd, variant->node, bi.zone));
	}
}

/* The zone of a block is the one its physical address falls in. */
TEST_F(placement, zone_matches_physical_address)
{
	const __u64 dma_end = (16ULL << 20) / self->pi.page_size;
	const __u64 dma32_end = (4ULL << 30) / self->pi.page_size;
	struct aether_mm_block_info bi;
	__u32 order, expect;
	__u64 h, last;

	for (order = 0; order <= self->pi.max_order; order++) {
		ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE,
					 order, variant->node, AEMT_ALL_ZONES,
					 &h));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		if (!bi.pfn)
			SKIP(return, "no pfn without CAP_SYS_ADMIN");
		last = bi.pfn + (1ULL << order) - 1;
		expect = bi.pfn < dma_end ? AETHER_MM_ZONE_DMA :
			 bi.pfn < dma32_end ? AETHER_MM_ZONE_DMA32 :
			 AETHER_MM_ZONE_NORMAL;
		ASSERT_EQ(expect, bi.zone)
			TH_LOG("pfn 0x%llx order %u", (unsigned long long)bi.pfn,
			       order);
		/* A block never straddles a zone boundary. */
		ASSERT_EQ(bi.pfn < dma_end, last < dma_end);
		ASSERT_EQ(bi.pfn < dma32_end, last < dma32_end);
	}
}

/* Asking for NORMAL on a node without it falls back to a lower zone. */
TEST_F(placement, zone_normal_falls_back)
{
	struct aether_mm_block_info bi;
	__u64 h;

	if (zone_present(self->fd, variant->node, AETHER_MM_ZONE_NORMAL))
		SKIP(return, "node %d has ZONE_NORMAL pages", variant->node);
	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE, 0,
				 variant->node, AETHER_MM_ZONE_NORMAL, &h));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_GT(AETHER_MM_ZONE_NORMAL, bi.zone);
}

/* An ENOMEM is counted as a failed allocation. */
TEST_F(placement, absent_zone_enomem_counted)
{
	struct aether_mm_stats st0, st1;
	__u64 h;

	if (zone_present(self->fd, variant->node, AETHER_MM_ZONE_DMA))
		SKIP(return, "node %d has ZONE_DMA pages", variant->node);
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, AETHER_MM_ALLOC_THISNODE |
				       AETHER_MM_ALLOC_NOGROW, 0,
				       variant->node, AETHER_MM_ZONE_DMA, &h));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_LT(st0.alloc_fail, st1.alloc_fail);
	ASSERT_EQ(st0.alloc, st1.alloc);
}

/* A block of another migrate type than asked is counted as a fallback. */
TEST_F(placement, migratetype_honoured_or_counted)
{
	struct aether_mm_stats st0, st1;
	struct aether_mm_block_info bi;
	__u32 mt, count;
	__u64 h;

	for (mt = 0; mt < AETHER_MM_NR_MT; mt++) {
		count = 1;
		ASSERT_EQ(0, aemt_stats(self->fd, &st0));
		ASSERT_EQ(0, aemt_alloc(self->fd, AETHER_MM_ALLOC_THISNODE,
					2, variant->node, AEMT_ALL_ZONES, mt,
					&h, &count));
		ASSERT_EQ(0, aemt_stats(self->fd, &st1));
		ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
		ASSERT_GT(AETHER_MM_NR_MT, bi.migratetype);
		if (bi.migratetype != mt)
			ASSERT_LT(st0.mt_fallback, st1.mt_fallback)
				TH_LOG("asked mt %u, got %u", mt,
				       bi.migratetype);
	}
}

/*
 * With the node full and growth forbidden, THISNODE fails while the same
 * call without THISNODE is served by another node (counted).
 */
TEST_F_TIMEOUT(placement, full_node_thisnode_enomem_else_fallback, 120)
{
	__u32 flags = AETHER_MM_ALLOC_THISNODE | AETHER_MM_ALLOC_NOGROW |
		      AETHER_MM_ALLOC_HIGH;
	struct aether_mm_stats st0, st1;
	struct aether_mm_block_info bi;
	struct aemt_blocks b = { 0 };
	size_t i;
	__u64 h;

	if (self->pi.nr_nodes < 2)
		SKIP(return, "needs two nodes");
	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, flags, 0, variant->node,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	ASSERT_LT(0, b.nr);
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_EQ(variant->node, b.info[i].node);
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, flags, 0, variant->node,
				       AEMT_ALL_ZONES, &h));

	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_alloc1(self->fd, AETHER_MM_ALLOC_NOGROW, 0,
				 variant->node, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_NE(variant->node, bi.node);
	ASSERT_LT(st0.node_fallback, st1.node_fallback);
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

/* ------------------------------------------------------------------ */

FIXTURE(policy) {
	int fd;
	struct aether_mm_pool_info pi;
	int cpu_of_node[AETHER_MM_MAX_NODES];
};

FIXTURE_SETUP(policy)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	aemt_cpus_of_nodes(self->cpu_of_node);
	if (self->pi.nr_nodes < 2 || self->cpu_of_node[0] < 0 ||
	    self->cpu_of_node[1] < 0)
		AEMT_SETUP_SKIP("needs two nodes, each with a CPU");
}

FIXTURE_TEARDOWN(policy)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Allocate @nr order-0 blocks with node -1 and record their nodes. */
static int probe_nodes(int fd, __u32 flags, int *nodes, unsigned int nr)
{
	struct aether_mm_block_info bi;
	unsigned int i;
	__u64 h;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = aemt_alloc1(fd, flags, 0, -1, AEMT_ALL_ZONES, &h);
		if (!ret)
			ret = aemt_block_info(fd, h, &bi);
		if (ret)
			return ret;
		nodes[i] = bi.node;
	}
	return 0;
}

TEST_F(policy, local_follows_cpu)
{
	int nodes[NR_PROBES];
	unsigned int n, i;

	for (n = 0; n < 2; n++) {
		ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[n]));
		ASSERT_EQ(0, probe_nodes(self->fd, 0, nodes, NR_PROBES));
		for (i = 0; i < NR_PROBES; i++)
			ASSERT_EQ(n, nodes[i]) TH_LOG("probe %u", i);
	}
}

/* PREFERRED takes the lowest node of the mask, not the CPU's node. */
TEST_F(policy, preferred_takes_first_node)
{
	int nodes[NR_PROBES];
	unsigned int i;

	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[0]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_PREFERRED, 2));
	ASSERT_EQ(0, probe_nodes(self->fd, 0, nodes, NR_PROBES));
	for (i = 0; i < NR_PROBES; i++)
		ASSERT_EQ(1, nodes[i]);

	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[1]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_PREFERRED, 3));
	ASSERT_EQ(0, probe_nodes(self->fd, 0, nodes, NR_PROBES));
	for (i = 0; i < NR_PROBES; i++)
		ASSERT_EQ(0, nodes[i]);
}

/*
 * BIND to the node of the other CPU: every block of the node can be had,
 * then ENOMEM, and not one block comes from the CPU's own node.
 */
TEST_F_TIMEOUT(policy, bind_never_leaves_mask, 120)
{
	__u32 flags = AETHER_MM_ALLOC_NOGROW | AETHER_MM_ALLOC_HIGH;
	struct aether_mm_pool_info pi;
	struct aemt_blocks b = { 0 };
	size_t i;
	__u64 h;

	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[0]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, 2));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, flags, 0, -1,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, flags, 0, -1,
				       AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_EQ(1, b.info[i].node) TH_LOG("block %zu", i);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_LT(pi.node_pages[1] / 2, b.nr);
	ASSERT_LT(0, pi.node_free[0]);

	/* The same fd with node 0 given explicitly still works. */
	ASSERT_EQ(0, aemt_alloc1(self->fd, flags, 0, 0, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

TEST_F(policy, interleave_alternates)
{
	int nodes[NR_PROBES];
	unsigned int i, on[2] = { 0, 0 };

	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[0]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_INTERLEAVE, 3));
	ASSERT_EQ(0, probe_nodes(self->fd, 0, nodes, NR_PROBES));
	for (i = 0; i < NR_PROBES; i++) {
		ASSERT_GT(2, nodes[i]);
		on[nodes[i]]++;
		if (i)
			ASSERT_NE(nodes[i - 1], nodes[i]) TH_LOG("probe %u", i);
	}
	ASSERT_EQ(NR_PROBES / 2, on[0]);
	ASSERT_EQ(NR_PROBES / 2, on[1]);
}

TEST_F(policy, interleave_one_node_stays)
{
	int nodes[NR_PROBES];
	unsigned int i;

	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[0]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_INTERLEAVE, 2));
	ASSERT_EQ(0, probe_nodes(self->fd, 0, nodes, NR_PROBES));
	for (i = 0; i < NR_PROBES; i++)
		ASSERT_EQ(1, nodes[i]);
}

/* Each fd has its own policy. */
TEST_F(policy, policy_is_per_fd)
{
	int other = aemt_open();
	int mine[8], theirs[8];
	unsigned int i;
	__u32 mode;
	__u64 mask;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_pin_cpu(self->cpu_of_node[0]));
	ASSERT_EQ(0, aemt_set_policy(self->fd, AETHER_MM_POL_BIND, 2));
	ASSERT_EQ(0, aemt_get_policy(other, &mode, &mask));
	ASSERT_EQ(AETHER_MM_POL_LOCAL, mode);
	ASSERT_EQ(0, probe_nodes(self->fd, 0, mine, 8));
	ASSERT_EQ(0, probe_nodes(other, 0, theirs, 8));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(1, mine[i]);
		ASSERT_EQ(0, theirs[i]);
	}
	close(other);
}

TEST_HARNESS_MAIN
