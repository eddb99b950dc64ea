// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_store_test.c - regions: reclaim through the store backend
 *
 * Fixture "region": cold COMPRESSIBLE pages go to the store (the
 * store_loopback backend of debugfs) and come back; the store's removal
 * with thousands of layers, from the reserve, and without frames;
 * reclaim when the pool is short; the reclaim debugfs files.
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

/* ---- reclaim through the store backend ----------------------------------- */

#define RECLAIM_DEBUGFS	"/sys/kernel/debug/aether/mm/reclaim"
#define LOOPBACK_DEBUGFS "/sys/kernel/debug/aether/mm/store_loopback"

static long reclaim_counter(const char *key)
{
	return debugfs_counter(RECLAIM_DEBUGFS, key);
}

static size_t pages_in_state(int rfd, unsigned char *p, size_t pages,
			     size_t page, __u32 state)
{
	struct aether_mm_region_query q;
	size_t i, n = 0;

	for (i = 0; i < pages; i++)
		if (!aemt_region_query(rfd, p + i * page, &q) &&
		    q.state == state)
			n++;
	return n;
}

/* A region of @pages written with random bytes; @want gets them. */
static unsigned char *written_region(int fd, __u32 flags, size_t pages,
				     size_t page, int *rfd, unsigned char **want,
				     __u64 *id)
{
	struct aether_mm_region_create c;
	unsigned char *p;

	aemt_region_args(&c, flags, pages * page);
	p = region_written(fd, &c, 0x5707e + getpid() + flags, want);
	*rfd = c.fd;
	*id = c.id;
	return p;
}

/*
 * Let region @id (@rfd) cool, then ask reclaim for four times its @pages:
 * every page of it goes to the store and no frame is left.
 */
static void store_all(struct __test_metadata *_metadata, int rfd, __u64 id,
		      size_t pages)
{
	char buf[16];

	/* Idle for a few scans: cold enough to store. */
	scan_times(id, 3);
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
}

/*
 * A COMPRESSIBLE region (@flags added) of @pages written with random bytes
 * (@want gets them), every page of it in the store.
 */
static unsigned char *stored_region(struct __test_metadata *_metadata,
				    int fd, __u32 flags, size_t pages,
				    int *rfd, unsigned char **want)
{
	unsigned char *p;
	__u64 id;

	p = written_region(fd, flags | AETHER_MM_REGION_COMPRESSIBLE, pages,
			   page_size(), rfd, want, &id);
	ASSERT_NE(NULL, p);
	store_all(_metadata, *rfd, id, pages);
	return p;
}

/*
 * Cold pages of a COMPRESSIBLE region go to the store (no frame left,
 * nothing mapped), come back on the next touch with their content, and
 * come back all at once when the backend goes away.  A region that is
 * not COMPRESSIBLE keeps its frames.
 */
TEST_F_TIMEOUT(region, reclaim_stores_cold_pages_and_loads_them_back, 180)
{
	const size_t pages = 64, page = self->page;
	unsigned char *p, *q, *want, *want2;
	__u64 id, id2;
	int rfd, rfd2;
	long out0;
	__u32 crc;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	out0 = reclaim_counter("stored");
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	q = written_region(self->fd, AEM_SHARED, pages, page, &rfd2, &want2,
			   &id2);
	ASSERT_NE(NULL, q);
	store_all(_metadata, rfd, id, pages);
	ASSERT_EQ(pages, pages_in_state(rfd, p, pages, page,
					AETHER_MM_PAGE_STORED));
	ASSERT_EQ(0, map_of(rfd, p));
	ASSERT_EQ(pages, resident(rfd2));
	ASSERT_LE(out0 + (long)pages, reclaim_counter("stored"));

	/* Touch half: those come back, with their bytes. */
	ASSERT_EQ(0, memcmp(p, want, pages / 2 * page));
	ASSERT_EQ(pages / 2, resident(rfd));
	/* The kernel side reads the rest back too. */
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);
	ASSERT_EQ(pages, resident(rfd));

	/* Stored again, then the backend goes: every page comes back. */
	store_all(_metadata, rfd, id, pages);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, pages_in_state(rfd, p, pages, page,
				    AETHER_MM_PAGE_STORED));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, memcmp(q, want2, pages * page));
	param_write("access_interval_ms", "1000");
	free(want);
	free(want2);
	munmap(p, pages * page);
	munmap(q, pages * page);
	close(rfd);
	close(rfd2);
}

/* Closing a region whose pages are stored releases them from the store. */
TEST_F_TIMEOUT(region, reclaim_stored_pages_freed_with_region, 120)
{
	const size_t pages = 32, page = self->page;
	unsigned char *p, *want;
	int rfd;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = stored_region(_metadata, self->fd, AEM_PRIVATE, pages, &rfd, &want);
	munmap(p, pages * page);
	close(rfd);
	/* Removing the store finds nothing left to bring back (no WARN). */
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
}

/* Lines of the kernel log from @fd (at its end when opened) holding @what. */
static int kmsg_count(int fd, const char *what)
{
	char rec[2048];
	ssize_t n;
	int hits = 0;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		hits += !!strstr(rec, what);
	}
	return hits;
}

/*
 * Every fork of a process mapping a PRIVATE region leaves one more layer
 * in its chain, however many children are gone; the store backend going
 * away still brings every page back, without a warning from the kernel
 * (no order > 1 allocation that must not fail).
 */
TEST_F_TIMEOUT(region, store_removal_after_thousands_of_forks_warns_nothing,
	       300)
{
	const size_t pages = 8, page = self->page;
	unsigned char *p, *want;
	int rfd, kfd, i, status;
	pid_t pid;
	__u64 id;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kfd);
	ASSERT_LE(0, lseek(kfd, 0, SEEK_END));
	p = written_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	/* 8 bytes a layer: past 8 KiB, more than an order-1 allocation */
	for (i = 0; i < 1100; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	store_all(_metadata, rfd, id, pages);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, kmsg_count(kfd, "WARNING"));
	param_write("access_interval_ms", "1000");
	close(kfd);
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

/*
 * Allocate from @mm with @flags until the pool, grown to its maximum, has
 * nothing left, the per-CPU lists drained between rounds, until a round
 * finds nothing more.  0 or -errno.
 */
static int fill_pool_to_the_end(int mm, __u32 flags, struct aemt_blocks *b)
{
	size_t nr;
	int err;

	do {
		nr = b->nr;
		err = aemt_drain(mm);
		if (!err)
			err = aemt_fill_until_enomem(mm, flags, 0, -1,
						     AETHER_MM_ZONE_NORMAL, b,
						     SIZE_MAX);
	} while (!err && b->nr != nr);
	return err;
}

/*
 * A store backend going away while the pool is full takes the frames for
 * its pages from the reserve (what ordinary allocations leave): every
 * page comes back, with its content.
 */
TEST_F_TIMEOUT(region, reclaim_store_removal_takes_frames_from_reserve, 180)
{
	const size_t pages = 16, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = stored_region(_metadata, self->fd, AEM_SHARED, pages, &rfd, &want);

	/* Every page of the pool but its reserve, grown to its maximum. */
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, fill_pool_to_the_end(mm, 0, &b));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	close(mm);
	aemt_blocks_release(&b);
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	munmap(p, pages * page);
	close(rfd);
	param_write("access_interval_ms", "1000");
	free(want);
}

/*
 * A store backend going away while no frame can be had for its pages,
 * the reserve included: unregistering gives up at once and says so (the
 * pages are lost, -ENOMEM), rather than retrying; no backend registers
 * again while such pages remain, and freeing their region clears them.
 */
TEST_F_TIMEOUT(region, reclaim_store_removal_gives_up_without_frames, 180)
{
	const size_t pages = 16, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	time_t t0;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = stored_region(_metadata, self->fd, AEM_SHARED, pages, &rfd, &want);

	/*
	 * Every page of the pool, the reserve too, grown to its maximum;
	 * and what the per-CPU lists held, until a round finds nothing.
	 */
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, fill_pool_to_the_end(mm, AETHER_MM_ALLOC_HIGH, &b));
	t0 = time(NULL);
	ASSERT_EQ(-ENOMEM, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	TH_LOG("removal gave up after %ld s", (long)(time(NULL) - t0));
	ASSERT_GT(5, time(NULL) - t0);
	ASSERT_EQ(pages, pages_in_state(rfd, p, pages, page,
					AETHER_MM_PAGE_STORED));
	close(mm);
	aemt_blocks_release(&b);

	/* Their handles name a backend that is gone: none may take over. */
	ASSERT_EQ(-EBUSY, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	munmap(p, pages * page);
	close(rfd);
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
}

/*
 * When the pool runs out, its reclaim takes cold COMPRESSIBLE pages to
 * the store before an allocation fails.
 */
TEST_F_TIMEOUT(region, reclaim_runs_when_pool_is_short, 180)
{
	const size_t pages = 256, page = self->page;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	long out0;
	__u64 id;
	int rfd, mm;

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	p = written_region(self->fd, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			   pages, page, &rfd, &want, &id);
	ASSERT_NE(NULL, p);
	/* Idle for a few scans: cold enough to store. */
	scan_times(id, 3);
	out0 = reclaim_counter("stored");
	mm = aemt_open();
	ASSERT_LE(0, mm);
	ASSERT_EQ(0, aemt_fill_until_enomem(mm, AETHER_MM_ALLOC_NOGROW, 0, -1,
					    AETHER_MM_ZONE_NORMAL, &b, SIZE_MAX));
	TH_LOG("stored by reclaim: %ld, resident now %llu",
	       reclaim_counter("stored") - out0,
	       (unsigned long long)resident(rfd));
	ASSERT_LT(out0, reclaim_counter("stored"));
	ASSERT_GT(pages, resident(rfd));
	close(mm);		/* the pool gets its pages back */
	aemt_blocks_release(&b);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(pages, resident(rfd));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	param_write("access_interval_ms", "1000");
	free(want);
	munmap(p, pages * page);
	close(rfd);
}

TEST_F(region, reclaim_debugfs_checked)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(RECLAIM_DEBUGFS, "0"));
	ASSERT_EQ(-EINVAL, aemt_write_file(RECLAIM_DEBUGFS, "x"));
	ASSERT_EQ(-EINVAL, aemt_write_file(LOOPBACK_DEBUGFS, "maybe"));
	/* No backend: nothing to do, not an error. */
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "16"));
}

TEST_HARNESS_MAIN
