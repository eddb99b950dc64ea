// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_numa_test.c - regions: nodes: policies, tiers, REGION_MIGRATE, balancing
 *
 * Fixtures:
 *
 *   region_node	BIND and PREFERRED place frames on the node (node0,
 *			node1)
 *   region_tier	tiers steer a LOCAL region (fast, slow, normal)
 *   region		REGION_MIGRATE (to a node and AUTO); NUMA balancing and
 *			its parameter
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

/* @cpus[n]: a CPU of node n; true when nodes 0 and 1 both have one. */
static bool cpus_of_two_nodes(const struct aether_mm_pool_info *pi,
			      int cpus[AETHER_MM_MAX_NODES])
{
	aemt_cpus_of_nodes(cpus);
	return pi->nr_nodes >= 2 && cpus[0] >= 0 && cpus[1] >= 0;
}

FIXTURE_SETUP(region_tier)
{
	AEMT_SETUP_OPEN(self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	if (!cpus_of_two_nodes(&self->pi, self->cpu_of_node))
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

AEMT_REGION_FIXTURE(region)

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
	unsigned char *p;

	if (aemt_pin_cpu(cpus[0]))
		return NULL;
	aemt_region_args(&c, AEM_SHARED, pages * page);
	c.pol_mode = pol;
	c.nodemask = pol == AETHER_MM_POL_BIND ? 1 : 0;
	p = region_written(fd, &c, 0xa11ce + getpid(), want);
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

	if (!cpus_of_two_nodes(&self->pi, cpus))
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

	if (!cpus_of_two_nodes(&self->pi, cpus))
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

	if (!cpus_of_two_nodes(&self->pi, cpus))
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

TEST_HARNESS_MAIN
