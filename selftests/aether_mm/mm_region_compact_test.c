// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_compact_test.c - regions: compaction of region frames
 *
 * Fixture "region": AETHER_MM_IOC_COMPACT packs a region's frames and
 * keeps their content for every process; its arguments; background
 * compaction and its parameters.
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

AEMT_REGION_FIXTURE(region)

/* ---- compaction ---------------------------------------------------------- */

#define COMPACT_DEBUGFS "/sys/kernel/debug/aether/mm/compact"

static long compact_counter(const char *key)
{
	return debugfs_counter(COMPACT_DEBUGFS, key);
}

static int compact(int fd, int node, __u32 order,
		   struct aether_mm_compact *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->size = sizeof(*cp);
	cp->node = node;
	cp->order = order;
	return aemt_ioctl(fd, AETHER_MM_IOC_COMPACT, cp);
}

/* Distinct 2 MiB pageblocks the frames of @pages pages at @p lie in. */
static size_t pageblocks_of(int rfd, unsigned char *p, size_t pages,
			    size_t page)
{
	struct aether_mm_region_query q;
	__u64 *pb = calloc(pages, sizeof(*pb));
	size_t i, j, n = 0;

	if (!pb)
		return 0;
	for (i = 0; i < pages; i++) {
		if (aemt_region_query(rfd, p + i * page, &q) || !q.pfn)
			continue;
		for (j = 0; j < n && pb[j] != q.pfn >> 9; j++)
			;
		if (j == n)
			pb[n++] = q.pfn >> 9;
	}
	free(pb);
	return n;
}

/*
 * Two SHARED regions on node 0 written page by page in turn get frames
 * in turn; closing one leaves the other's frames scattered over half-used
 * pageblocks.  @want receives the survivor's content.
 */
static unsigned char *scattered(struct __test_metadata *_metadata, int fd,
				size_t pages, size_t page, int *rfd,
				unsigned char **want)
{
	struct aether_mm_region_create a, b;
	unsigned char *pa, *pb;
	__u64 seed = 0x5eed0000 + getpid();
	size_t i;

	aemt_region_args(&a, AEM_SHARED, pages * page);
	a.pol_mode = AETHER_MM_POL_BIND;
	a.nodemask = 1;
	b = a;
	if (aemt_region_create(fd, &a) || aemt_region_create(fd, &b))
		return NULL;
	pa = aemt_region_map(a.fd, pages * page, PROT_RW);
	pb = aemt_region_map(b.fd, pages * page, PROT_RW);
	*want = malloc(pages * page);
	if (pa == MAP_FAILED || pb == MAP_FAILED || !*want)
		return NULL;
	fill_random(*want, pages * page, &seed);
	for (i = 0; i < pages; i++) {
		memcpy(pa + i * page, *want + i * page, page);
		pb[i * page] = 1;
	}
	munmap(pb, pages * page);
	close(b.fd);
	*rfd = a.fd;
	return pa;
}

/*
 * Compaction on request packs the frames of a scattered region into fewer
 * pageblocks, frees whole pageblocks, and changes no byte of content.
 */
TEST_F(region, compact_packs_frames_keeps_content)
{
	const size_t pages = 1024, page = self->page;
	struct aether_mm_compact cp;
	unsigned char *p, *want;
	size_t before, after;
	__u32 crc0, crc1;
	long moved0;
	int rfd;

	moved0 = compact_counter("migrated");
	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc0));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc0);
	before = pageblocks_of(rfd, p, pages, page);
	ASSERT_LT(0, before);

	ASSERT_EQ(0, compact(self->fd, 0, 0, &cp));
	TH_LOG("scanned %llu isolated %llu migrated %llu busy %llu failed %llu freed %llu, order-9 blocks %llu -> %llu, pageblocks of the region %zu",
	       cp.scanned, cp.isolated, cp.migrated, cp.busy, cp.failed,
	       cp.freed, cp.free_before, cp.free_after, before);
	ASSERT_LT(0, cp.scanned);
	ASSERT_LT(0, cp.isolated);
	ASSERT_LT(0, cp.migrated);
	ASSERT_LT(0, cp.freed);
	ASSERT_LT(cp.free_before, cp.free_after);
	ASSERT_EQ(0, cp.busy);

	/* Same bytes, through the old mapping and from the kernel side. */
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc1));
	ASSERT_EQ(crc0, crc1);
	after = pageblocks_of(rfd, p, pages, page);
	TH_LOG("pageblocks of the region after: %zu", after);
	ASSERT_LT(after, before);
	ASSERT_EQ(pages, resident(rfd));
	if (moved0 >= 0)
		ASSERT_LE(moved0 + (long)cp.migrated,
			  compact_counter("migrated"));
	/* Writes after the move land in the new frames. */
	memset(p, 0xa5, page);
	memcpy(want, p, page);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc1));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc1);
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/* Another process mapping the region sees the moved frames too. */
TEST_F(region, compact_moves_for_every_process)
{
	const size_t pages = 512, page = self->page;
	struct aether_mm_compact cp;
	unsigned char *p, *want;
	int go[2], status, rfd;
	pid_t pid;

	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char b;

		close(go[1]);
		if (memcmp(p, want, pages * page))
			_exit(2);
		if (read(go[0], &b, 1) != 1)
			_exit(3);
		if (memcmp(p, want, pages * page))
			_exit(4);
		/* The child's own writes go to the region too. */
		memset(p + page, 0x3c, page);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, compact(self->fd, 0, 0, &cp));
	ASSERT_LT(0, cp.migrated);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(go[1]);
	memset(want + page, 0x3c, page);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, compact_bad_arguments)
{
	struct aether_mm_region_create c;
	struct aether_mm_compact cp;

	ASSERT_EQ(-EINVAL, compact(self->fd, -2, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, self->pi.nr_nodes, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, AETHER_MM_MAX_NODES, 0, &cp));
	ASSERT_EQ(-EINVAL, compact(self->fd, 0, self->pi.max_order + 1, &cp));
	memset(&cp, 0, sizeof(cp));
	cp.size = sizeof(cp);
	cp.flags = 1;
	ASSERT_EQ(-EINVAL, aemt_ioctl(self->fd, AETHER_MM_IOC_COMPACT, &cp));
	/* Each node, and every node, with each order: accepted. */
	ASSERT_EQ(0, compact(self->fd, -1, 1, &cp));
	ASSERT_EQ(0, compact(self->fd, self->pi.nr_nodes - 1,
			     self->pi.max_order, &cp));
	ASSERT_EQ(cp.free_before <= cp.free_after, 1);
	/* Not a region fd command. */
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(-ENOTTY, compact(c.fd, -1, 0, &cp));
	close(c.fd);
}

/*
 * Background compaction: with a threshold of 0 a fragmented zone is
 * compacted within a few intervals, without a request, content intact.
 */
TEST_F_TIMEOUT(region, compact_background_runs_past_threshold, 120)
{
	const size_t pages = 1024, page = self->page;
	long runs0, moved0;
	unsigned char *p, *want;
	int rfd, i;

	runs0 = compact_counter("background_runs");
	moved0 = compact_counter("migrated");
	if (runs0 < 0)
		SKIP(return, "%s unreadable", COMPACT_DEBUGFS);
	ASSERT_EQ(0, param_write("compact_interval_ms", "0"));
	p = scattered(_metadata, self->fd, pages, page, &rfd, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, param_write("compact_threshold", "0"));
	ASSERT_EQ(0, param_write("compact_interval_ms", "50"));
	for (i = 0; i < 600; i++) {
		if (compact_counter("background_runs") > runs0 &&
		    compact_counter("migrated") > moved0)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(0, param_write("compact_interval_ms", "1000"));
	ASSERT_EQ(0, param_write("compact_threshold", "500"));
	ASSERT_LT(runs0, compact_counter("background_runs"));
	ASSERT_LT(moved0, compact_counter("migrated"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, compact_params_checked)
{
	ASSERT_EQ(-EINVAL, param_write("compact_threshold", "1001"));
	ASSERT_EQ(-EINVAL, param_write("compact_threshold", "-1"));
	ASSERT_EQ(-EINVAL, param_write("compact_interval_ms", "5"));
	ASSERT_EQ(-EINVAL, param_write("compact_interval_ms", "x"));
	ASSERT_EQ(0, param_write("compact_threshold", "500"));
	ASSERT_EQ(0, param_write("compact_interval_ms", "1000"));
}

TEST_HARNESS_MAIN
