// SPDX-License-Identifier: GPL-2.0
/*
 * slub_reload_test.c - aether_slub loads with its self-tests on a node
 * whose pool has no page
 *
 * aether_mm's pool takes its chunks from Linux node by node; late in a
 * long run a fragmented node may get none (no free 4 MiB block), and a
 * node at its limit may have every page in use.  aether_slub's in-kernel
 * self-tests take __GFP_THISNODE slabs: they must run on a node that has
 * pool pages rather than fail the module's load on the loading CPU's.
 *
 * Root only (it reloads the module): every page of node 1's pool is taken
 * through /dev/aether_mm, then aether_slub is reloaded with selftest=1
 * from a CPU of node 1.  The module must load; the device keeps the
 * owner and mode the box gave it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define NODE		1
#define MAX_HANDLES	(1 << 16)

/* The first CPU of node @nid, or -1. */
static int node_cpu(int nid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 nid);
	if (aslt_read_file(path, buf, sizeof(buf)) || buf[0] < '0' ||
	    buf[0] > '9')
		return -1;
	return atoi(buf);
}

static int module_refs(const char *name)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	if (aslt_read_file(path, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Take every page of @nid's pool: blocks of @order, then single pages. */
static unsigned int take_node(int fd, int nid, __u64 *h, unsigned int max)
{
	unsigned int n = 0;
	int order;

	for (order = 9; order >= 0; order -= 3) {
		while (n < max) {
			struct aether_mm_alloc a = {
				.size = sizeof(a),
				/* @zone 0 without ALLOC_ZONE: any zone */
				.flags = AETHER_MM_ALLOC_THISNODE,
				.order = order,
				.node = nid,
				.count = 1,
				.handles = (unsigned long)(h + n),
			};

			if (ioctl(fd, AETHER_MM_IOC_ALLOC, &a))
				break;
			n++;
		}
	}
	return n;
}

static void give_back(int fd, __u64 *h, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct aether_mm_free f = {
			.size = sizeof(f),
			.count = 1,
			.handles = (unsigned long)(h + i),
		};

		ioctl(fd, AETHER_MM_IOC_FREE, &f);
	}
}

TEST(selftests_run_on_a_node_with_pages_when_the_loading_cpus_has_none)
{
	static __u64 h[MAX_HANDLES];
	struct stat dev;
	unsigned int n;
	cpu_set_t set;
	int cpu, fd, rc;

	if (geteuid())
		SKIP(return, "reloads aether_slub: root only");
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node: nothing to move to");
	cpu = node_cpu(NODE);
	if (cpu < 0)
		SKIP(return, "node %d has no CPU", NODE);
	if (stat(ASLT_DEV, &dev))
		SKIP(return, "no %s (aether_slub not loaded)", ASLT_DEV);
	if (module_refs("aether_slub") != 0)
		SKIP(return, "aether_slub is in use");
	fd = open(ASLT_MM_DEV, O_RDWR);
	ASSERT_LE(0, fd);

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	n = take_node(fd, NODE, h, MAX_HANDLES);
	ASSERT_LT(n, MAX_HANDLES);
	ASSERT_LT(0, n);
	TH_LOG("%u blocks of node %d's pool taken", n, NODE);

	ASSERT_EQ(0, system("rmmod aether_slub"));
	rc = system("modprobe aether_slub selftest=1");
	give_back(fd, h, n);
	close(fd);
	/* Leave the suite whole for the programs that follow. */
	if (rc && system("modprobe aether_slub"))
		TH_LOG("aether_slub is not loaded any more");
	/* The box's rule for the device, which a new node loses. */
	if (chown(ASLT_DEV, dev.st_uid, dev.st_gid) ||
	    chmod(ASLT_DEV, dev.st_mode & 07777))
		TH_LOG("%s: owner and mode not restored", ASLT_DEV);
	ASSERT_EQ(0, rc) TH_LOG("aether_slub refused to load from node %d's CPU %d",
				NODE, cpu);
}

TEST_HARNESS_MAIN
