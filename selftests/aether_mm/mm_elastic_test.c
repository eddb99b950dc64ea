// SPDX-License-Identifier: GPL-2.0
/*
 * mm_elastic_test.c - growth and shrink of the pool, one variant per node
 *
 * The pool grows by whole chunks when a node cannot serve an allocation,
 * never past node_chunks_max, never for an AETHER_MM_ALLOC_NOGROW call,
 * and its shrinker gives the grown chunks back to Linux once they are free
 * (echo 2 > /proc/sys/vm/drop_caches runs the shrinkers).  Each test
 * starts and ends with the pool shrunk to its initial size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

FIXTURE(elastic) {
	int fd;
	struct aether_mm_pool_info pi;	/* after settling */
};

FIXTURE_VARIANT(elastic) {
	int node;
};

FIXTURE_VARIANT_ADD(elastic, node0) {
	.node = 0,
};

FIXTURE_VARIANT_ADD(elastic, node1) {
	.node = 1,
};

FIXTURE_SETUP(elastic)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	if (variant->node >= (int)self->pi.nr_nodes)
		AEMT_SETUP_SKIP("pool has %u node(s)", self->pi.nr_nodes);
	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
}

FIXTURE_TEARDOWN(elastic)
{
	if (self->fd >= 0) {
		aemt_settle(self->fd);
		close(self->fd);
	}
}

/*
 * Everything grown since load has been given back.  chunks_grown counts
 * elastic growth only: the initial pool_init_mb is not growth.
 */
TEST_F(elastic, settled_pool_is_initial_size)
{
	ASSERT_EQ(self->pi.chunks_grown, self->pi.chunks_shrunk)
		TH_LOG("%llu chunks beyond the initial size, or initial chunks counted as grown",
		       (unsigned long long)(self->pi.chunks_grown -
					    self->pi.chunks_shrunk));
	ASSERT_EQ(self->pi.chunks << self->pi.chunk_order,
		  self->pi.pages_total);
}

TEST_F_TIMEOUT(elastic, nogrow_never_grows, 120)
{
	__u32 flags = AETHER_MM_ALLOC_THISNODE | AETHER_MM_ALLOC_NOGROW;
	struct aether_mm_pool_info pi;
	struct aether_mm_stats st0, st1;
	struct aemt_blocks b = { 0 };
	__u64 h;

	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd, flags, 0, variant->node,
					    AEMT_ALL_ZONES, &b, 1 << 20));
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, flags, self->pi.max_order,
				       variant->node, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(self->pi.chunks_grown, pi.chunks_grown);
	ASSERT_EQ(self->pi.node_pages[variant->node],
		  pi.node_pages[variant->node]);
	ASSERT_EQ(st0.grow, st1.grow);
	ASSERT_LT(st0.alloc_fail, st1.alloc_fail);
	ASSERT_LT(0, b.nr);
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

/*
 * Max-order THISNODE allocations grow the node chunk by chunk up to its
 * limit (unless Linux refused a chunk, which is counted), then ENOMEM.
 */
TEST_F_TIMEOUT(elastic, grows_on_demand_up_to_max, 180)
{
	__u64 max_pages, before = self->pi.node_pages[variant->node];
	struct aether_mm_stats st0, st1;
	struct aether_mm_pool_info pi;
	struct aemt_blocks b = { 0 };
	size_t i;

	max_pages = self->pi.node_chunks_max[variant->node] <<
		    self->pi.chunk_order;
	if (max_pages <= before)
		SKIP(return, "node %d cannot grow (pool_max == pool_init)",
		     variant->node);
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd,
					    AETHER_MM_ALLOC_THISNODE,
					    self->pi.max_order, variant->node,
					    AEMT_ALL_ZONES, &b, 1 << 16));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_LT(before, pi.node_pages[variant->node]);
	ASSERT_LE(pi.node_pages[variant->node], max_pages);
	if (st1.grow_fail == st0.grow_fail)
		ASSERT_EQ(max_pages, pi.node_pages[variant->node]);
	ASSERT_LT(self->pi.chunks_grown, pi.chunks_grown);
	ASSERT_EQ(pi.chunks_grown - self->pi.chunks_grown,
		  st1.grow - st0.grow);
	ASSERT_EQ(self->pi.chunks + (pi.chunks_grown - self->pi.chunks_grown),
		  pi.chunks);
	ASSERT_EQ(0, aemt_blocks_info(self->fd, &b));
	for (i = 0; i < b.nr; i++)
		ASSERT_EQ(variant->node, b.info[i].node);
	ASSERT_LT(before >> self->pi.max_order, b.nr);
	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	aemt_blocks_release(&b);
}

/* Grown chunks go back to Linux once free, down to the initial size. */
TEST_F_TIMEOUT(elastic, shrinker_returns_grown_chunks, 180)
{
	struct aether_mm_pool_info grown, pi;
	struct aether_mm_stats st0, st1;
	struct aemt_blocks b = { 0 };
	size_t want;

	if (self->pi.node_chunks_max[variant->node] <=
	    self->pi.node_pages[variant->node] >> self->pi.chunk_order)
		SKIP(return, "node %d cannot grow", variant->node);
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	/* Twice the initial size, or up to the limit. */
	want = 2 * (self->pi.node_pages[variant->node] >>
		    self->pi.max_order);
	ASSERT_EQ(0, aemt_fill_until_enomem(self->fd,
					    AETHER_MM_ALLOC_THISNODE,
					    self->pi.max_order, variant->node,
					    AEMT_ALL_ZONES, &b, want));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &grown));
	ASSERT_LT(self->pi.chunks, grown.chunks);

	/* In use: nothing can be given back. */
	ASSERT_EQ(0, aemt_drop_caches());
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_LE(b.nr << self->pi.max_order,
		  pi.node_pages[variant->node]);

	ASSERT_EQ(0, aemt_blocks_free_all(self->fd, &b));
	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(self->pi.chunks, pi.chunks);
	ASSERT_EQ(self->pi.node_pages[variant->node],
		  pi.node_pages[variant->node]);
	ASSERT_EQ(self->pi.chunks_grown - self->pi.chunks_shrunk,
		  pi.chunks_grown - pi.chunks_shrunk);
	ASSERT_LE(grown.chunks - self->pi.chunks,
		  pi.chunks_shrunk - self->pi.chunks_shrunk);
	ASSERT_EQ(pi.chunks_shrunk - self->pi.chunks_shrunk,
		  st1.shrink - st0.shrink);
	ASSERT_EQ(self->pi.pages_free, pi.pages_free);
	aemt_blocks_release(&b);
}

TEST_HARNESS_MAIN
