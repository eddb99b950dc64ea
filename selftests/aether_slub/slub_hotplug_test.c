// SPDX-License-Identifier: GPL-2.0
/*
 * slub_hotplug_test.c - a CPU that goes offline gives its objects back
 *
 * The test pins itself to CPU 1, allocates and frees objects of a plain
 * cache there, so that CPU 1's magazine holds objects of its own node and
 * its remote-free array objects of node 0, then moves to CPU 0 and takes
 * CPU 1 offline through /sys/devices/system/cpu/cpu1/online.  The module's
 * hotplug callback must have given every one of those objects back to the
 * slabs: the cache's stats show no CPU-cached object any more, debugfs
 * counts exactly as many objects given back by a dead CPU, and the cache
 * shrinks to nothing without any IPI reaching CPU 1.  CPU 1 then comes
 * back and allocates again.  Skipped where CPU 1 cannot go offline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define LOCAL_OBJS	48
#define REMOTE_OBJS	8	/* fewer than a remote-free batch (16) */

FIXTURE(hotplug)
{
	int fd;
	__u32 id;
	bool offline;
	char name[AETHER_SLUB_NAME_LEN];
};

FIXTURE_SETUP(hotplug)
{
	struct aether_slub_create c;

	self->offline = false;
	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	if (aslt_nr_cpus() < 2 || access(CPU1_ONLINE, W_OK))
		ASLT_SETUP_SKIP("CPU 1 absent or not hot-pluggable");
	aslt_name(self->name, "hotplug");
	ASSERT_EQ(0, aslt_create(self->fd, self->name, 128, 0, 0, &c));
	self->id = c.id;
}

FIXTURE_TEARDOWN(hotplug)
{
	if (self->offline && aslt_write_file(CPU1_ONLINE, "1"))
		TH_LOG("could not bring CPU 1 back online");
	if (self->fd >= 0)
		close(self->fd);
}

/* Allocate @n objects on @node (-1: the CPU's) and free them again. */
static int churn(int fd, __u32 id, int node, __u32 n)
{
	__u64 h[LOCAL_OBJS];
	__u32 count = n;
	int ret;

	ret = aslt_alloc(fd, id, 0, node, 0, h, &count);
	if (ret)
		return ret;
	return aslt_free(fd, h, count);
}

static int cache_stats(int fd, __u32 id, struct aether_slub_cache_stats *st)
{
	return aslt_stats(fd, AETHER_SLUB_BY_ID, id, st);
}

TEST_F(hotplug, dead_cpu_gives_its_objects_back)
{
	struct aether_slub_cache_stats st;
	__u64 held, pages;
	long before;
	int ret;

	ASSERT_EQ(0, aslt_pin_cpu(1));
	ASSERT_EQ(0, churn(self->fd, self->id, -1, LOCAL_OBJS));
	ASSERT_EQ(0, churn(self->fd, self->id, 0, REMOTE_OBJS));
	ASSERT_EQ(0, cache_stats(self->fd, self->id, &st));
	held = st.cpu_cached;
	ASSERT_LE(LOCAL_OBJS + REMOTE_OBJS, held);
	ASSERT_EQ(0, st.active);
	before = aslt_cache_info(self->name, "dead_cpu_objects");

	ASSERT_EQ(0, aslt_pin_cpu(0));
	ret = aslt_write_file(CPU1_ONLINE, "0");
	if (ret)
		SKIP(return, "CPU 1 refuses to go offline: %s", strerror(-ret));
	self->offline = true;

	/* Every object CPU 1 held is back on its slab. */
	ASSERT_EQ(0, cache_stats(self->fd, self->id, &st));
	ASSERT_EQ(0, st.cpu_cached);
	ASSERT_EQ(0, st.active);
	ASSERT_EQ(st.slabs, st.slabs_empty);
	if (aslt_have_debugfs()) {
		ASSERT_LE(0, before);
		ASSERT_EQ(before + (long)held,
			  aslt_cache_info(self->name, "dead_cpu_objects"));
	} else {
		TH_LOG("no debugfs at %s, checked through stats only",
		       ASLT_DEBUGFS);
	}
	/* So the slabs go back to the pool with CPU 1 still down. */
	ASSERT_EQ(0, aslt_shrink(self->fd, self->id, &pages));
	ASSERT_EQ(0, cache_stats(self->fd, self->id, &st));
	ASSERT_EQ(0, st.slabs);

	ASSERT_EQ(0, aslt_write_file(CPU1_ONLINE, "1"));
	self->offline = false;
	ASSERT_EQ(0, aslt_pin_cpu(1));
	ASSERT_EQ(0, churn(self->fd, self->id, -1, LOCAL_OBJS));
	ASSERT_EQ(0, cache_stats(self->fd, self->id, &st));
	ASSERT_LT(0, st.cpu_cached);
	ASSERT_EQ(0, st.active);
	ASSERT_EQ(0, aslt_destroy(self->fd, self->id, NULL));
}

TEST_HARNESS_MAIN
