// SPDX-License-Identifier: GPL-2.0
/*
 * slub_pool_test.c - caches live on aether_mm's pool and give it back
 *
 * The pages a cache takes are pool pages (the pool's use grows by at
 * least what the cache reports), and once its objects are freed and it is
 * destroyed, the pool's use is back where it started.  Measured through
 * /dev/aether_mm: POOL_INFO after DRAIN, with every aether_slub cache
 * shrunk first, so that no empty slab kept for later hides a leak.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define NR_OBJS		3000

FIXTURE(pool)
{
	int fd;
};

FIXTURE_SETUP(pool)
{
	__u64 used;

	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	if (aslt_pool_used(&used))
		ASLT_SETUP_SKIP("no %s", ASLT_MM_DEV);
}

FIXTURE_TEARDOWN(pool)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Pool pages in use with every cache of ours shrunk. */
static int settled_use(int fd, __u64 *used)
{
	int ret = aslt_shrink(fd, 0, NULL);

	return ret ? ret : aslt_pool_used(used);
}

static void run_cycle(struct __test_metadata *_metadata, int fd, __u32 size,
		      __u32 flags)
{
	static __u64 h[NR_OBJS];
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_cache_stats st;
	struct aether_slub_create c;
	__u64 before, during, after;
	__u32 n, done;

	ASSERT_EQ(0, settled_use(fd, &before));
	aslt_name(name, "pool");
	ASSERT_EQ(0, aslt_create(fd, name, size, 0, flags, &c));
	for (done = 0; done < NR_OBJS; done += n) {
		n = NR_OBJS - done > AETHER_SLUB_MAX_BULK ?
			AETHER_SLUB_MAX_BULK : NR_OBJS - done;
		ASSERT_EQ(0, aslt_alloc(fd, c.id, 0, -1, 0, h + done, &n));
	}
	ASSERT_EQ(0, aslt_stats(fd, AETHER_SLUB_BY_ID, c.id, &st));
	ASSERT_EQ(NR_OBJS, st.active);
	ASSERT_EQ(0, aslt_pool_used(&during));
	ASSERT_LE(before + st.pages, during);
	ASSERT_EQ(0, aslt_free(fd, h, 2000));
	ASSERT_EQ(0, aslt_free(fd, h + 2000, NR_OBJS - 2000));
	ASSERT_EQ(0, aslt_destroy(fd, c.id, NULL));
	ASSERT_EQ(0, settled_use(fd, &after));
	ASSERT_EQ(before, after);
}

TEST_F(pool, plain_cache_gives_every_page_back_after_destroy)
{
	run_cycle(_metadata, self->fd, 512, 0);
}

TEST_F(pool, debug_cache_gives_every_page_back_after_destroy)
{
	run_cycle(_metadata, self->fd, 72, AETHER_SLUB_F_DEBUG);
}

TEST_F(pool, large_kmalloc_is_a_pool_block_of_its_own)
{
	struct aether_slub_info info;
	__u64 before, during, after, h[4];
	__u32 n = 4;

	ASSERT_EQ(0, settled_use(self->fd, &before));
	ASSERT_EQ(0, aslt_alloc(self->fd, 0, 65536, -1, 0, h, &n));
	ASSERT_EQ(0, aslt_info(self->fd, &info));
	ASSERT_LE(4, info.large_allocs);
	ASSERT_LE(64, info.large_pages);
	ASSERT_EQ(0, aslt_pool_used(&during));
	ASSERT_LE(before + 64, during);
	ASSERT_EQ(0, aslt_free(self->fd, h, 4));
	ASSERT_EQ(0, settled_use(self->fd, &after));
	ASSERT_EQ(before, after);
}

TEST_F(pool, drop_caches_gives_empty_slabs_back)
{
	__u64 h[500], pages;
	__u32 n = 500;
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	struct aether_slub_cache_stats st;
	int dc;

	aslt_name(name, "drop");
	ASSERT_EQ(0, aslt_create(self->fd, name, 256, 0, 0, &c));
	ASSERT_EQ(0, aslt_alloc(self->fd, c.id, 0, -1, 0, h, &n));
	ASSERT_EQ(0, aslt_free(self->fd, h, n));
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc < 0)
		SKIP(return, "no /proc/sys/vm/drop_caches");
	ASSERT_EQ(2, write(dc, "2\n", 2));
	close(dc);
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, c.id, &st));
	ASSERT_EQ(0, st.slabs);
	ASSERT_EQ(0, st.cpu_cached);
	ASSERT_EQ(0, aslt_shrink(self->fd, c.id, &pages));
	ASSERT_EQ(0, pages);
}

/* A debugfs counter of aether_slub's, or -1 when debugfs is not there. */
static long slub_dbg_stat(const char *key)
{
	char line[128];
	long v = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/sys/kernel/debug/aether/slub/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * When the pool runs short (here: allocations that may not grow it take
 * every free page), aether_mm asks aether_slub, which gives its empty
 * slabs and CPU-cached objects back before the allocation fails.
 */
TEST_F(pool, pool_shortage_takes_empty_slabs_back)
{
	static __u64 blocks[AETHER_MM_MAX_BULK];
	struct aether_slub_cache_stats st;
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	long pressure0, pressure1;
	__u64 h[500], total = 0;
	struct aether_mm_alloc a;
	__u32 n = 500;
	int mm;

	aslt_name(name, "short");
	ASSERT_EQ(0, aslt_create(self->fd, name, 256, 0, 0, &c));
	ASSERT_EQ(0, aslt_alloc(self->fd, c.id, 0, -1, 0, h, &n));
	ASSERT_EQ(0, aslt_free(self->fd, h, n));
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, c.id, &st));
	if (!st.slabs && !st.cpu_cached)
		SKIP(return, "the cache kept nothing (empty_max=0?)");
	pressure0 = slub_dbg_stat("pressure_pages");

	mm = open(ASLT_MM_DEV, O_RDWR);
	ASSERT_LE(0, mm);
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = AETHER_MM_ALLOC_NOGROW;
		a.node = -1;
		a.zone = AETHER_MM_ZONE_NORMAL;
		a.migratetype = AETHER_MM_MT_MOVABLE;
		a.count = AETHER_MM_MAX_BULK;
		a.handles = (uintptr_t)blocks;
		if (ioctl(mm, AETHER_MM_IOC_ALLOC, &a)) {
			ASSERT_EQ(ENOMEM, errno);
			break;
		}
		total += a.count;
		if (a.count < AETHER_MM_MAX_BULK)
			continue;	/* one more, to see ENOMEM */
	}
	TH_LOG("%llu pages taken", (unsigned long long)total);

	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, c.id, &st));
	EXPECT_EQ(0, st.slabs);
	EXPECT_EQ(0, st.cpu_cached);
	pressure1 = slub_dbg_stat("pressure_pages");
	if (pressure0 >= 0)
		EXPECT_LT(pressure0, pressure1);
	close(mm);			/* every block back */
	ASSERT_EQ(0, aslt_destroy(self->fd, c.id, NULL));
}


TEST_HARNESS_MAIN
