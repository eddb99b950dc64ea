// SPDX-License-Identifier: GPL-2.0
/*
 * zram_io_test.c - block I/O on /dev/aether_zram<N>, verified
 *
 * O_DIRECT at 4 KiB and 64 KiB, 512-byte I/O inside and across pages
 * (read-modify-write), unwritten pages reading as zeroes, discard
 * freeing memory (mm_stat), write-zeroes, the memory limit failing
 * writes, and both CPUs doing I/O to the same pages at once, whole pages
 * and halves of pages, every byte checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <unistd.h>
#include <linux/fs.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define MIB		(1024ULL * 1024)
#define DISK		(32 * MIB)

FIXTURE(io) {
	int ctl;
	int id;
	int fd;
	char *buf;
};

FIXTURE_SETUP(io)
{
	self->id = -1;
	self->fd = -1;
	self->buf = NULL;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	self->id = azt_add(self->ctl, 0, 0, DISK, 0);
	ASSERT_LE(0, self->id);
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->fd);
	self->buf = azt_alloc_aligned(MIB);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(io)
{
	free(self->buf);
	if (self->fd >= 0)
		close(self->fd);
	if (self->id >= 0)
		azt_remove(self->ctl, self->id);
	if (self->ctl >= 0)
		close(self->ctl);
}

/* Write [off, off + len) in @chunk pieces with @seed's data, read back. */
static int write_range(int fd, char *buf, __u64 off, __u64 len,
		       size_t chunk, __u64 seed)
{
	__u64 pos;

	for (pos = off; pos < off + len; pos += chunk) {
		azt_fill(buf, chunk, pos, seed);
		if (pwrite(fd, buf, chunk, pos) != (ssize_t)chunk)
			return -errno;
	}
	return 0;
}

/* 0 if [off, off + len) reads as @seed's data, else the bad offset + 1. */
static long check_range(int fd, char *buf, __u64 off, __u64 len,
			size_t chunk, __u64 seed)
{
	__u64 pos;
	long bad;

	for (pos = off; pos < off + len; pos += chunk) {
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return -errno;
		bad = azt_check(buf, chunk, pos, seed);
		if (bad >= 0)
			return pos + bad + 1;
	}
	return 0;
}

static bool all_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

TEST_F(io, unwritten_pages_read_as_zeroes)
{
	memset(self->buf, 0xa5, 65536);
	ASSERT_EQ(65536, pread(self->fd, self->buf, 65536, DISK - 65536));
	ASSERT_TRUE(all_zero(self->buf, 65536));
}

/* The debug kernel under emulation runs these many times slower. */
#define SLOW		300

TEST_F_TIMEOUT(io, direct_4k_writes_read_back, SLOW)
{
	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, 8 * MIB, 4096, 1));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 0, 8 * MIB, 4096, 1));
	/* Read in other sizes than written. */
	ASSERT_EQ(0, check_range(self->fd, self->buf, 0, 8 * MIB, 65536, 1));
}

TEST_F_TIMEOUT(io, direct_64k_writes_read_back, SLOW)
{
	ASSERT_EQ(0, write_range(self->fd, self->buf, 4 * MIB, 8 * MIB,
				 65536, 2));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 4 * MIB, 8 * MIB,
				 65536, 2));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 4 * MIB, 8 * MIB,
				 4096, 2));
}

TEST_F(io, overwrites_replace_the_old_data)
{
	__u64 mm[AZT_MM_COLS];

	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, MIB, 65536, 3));
	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, MIB, 4096, 4));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 0, MIB, 65536, 4));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(MIB, mm[AZT_ORIG_DATA_SIZE]);
}

TEST_F(io, a_512_byte_write_inside_a_page_keeps_the_rest)
{
	char *page = self->buf, *part = self->buf + 65536;

	ASSERT_EQ(0, write_range(self->fd, page, 8192, 4096, 4096, 5));
	azt_fill(part, 512, 8192 + 1536, 6);
	ASSERT_EQ(512, pwrite(self->fd, part, 512, 8192 + 1536));
	ASSERT_EQ(4096, pread(self->fd, page, 4096, 8192));
	ASSERT_EQ(-1, azt_check(page, 1536, 8192, 5));
	ASSERT_EQ(-1, azt_check(page + 1536, 512, 8192 + 1536, 6));
	ASSERT_EQ(-1, azt_check(page + 2048, 2048, 8192 + 2048, 5));
	/* A 512-byte read inside the page. */
	ASSERT_EQ(512, pread(self->fd, part, 512, 8192 + 1536));
	ASSERT_EQ(-1, azt_check(part, 512, 8192 + 1536, 6));
}

TEST_F(io, sector_writes_across_a_page_boundary_read_back)
{
	__u64 off = 3 * 4096 - 1024;

	ASSERT_EQ(0, write_range(self->fd, self->buf, 2 * 4096, 2 * 4096,
				 4096, 7));
	azt_fill(self->buf, 2048, off, 8);
	ASSERT_EQ(2048, pwrite(self->fd, self->buf, 2048, off));
	ASSERT_EQ(8192, pread(self->fd, self->buf, 8192, 2 * 4096));
	ASSERT_EQ(-1, azt_check(self->buf, 4096 - 1024, 2 * 4096, 7));
	ASSERT_EQ(-1, azt_check(self->buf + 4096 - 1024, 2048, off, 8));
	ASSERT_EQ(-1, azt_check(self->buf + 4096 + 1024, 4096 - 1024,
				3 * 4096 + 1024, 7));
}

TEST_F(io, a_512_byte_write_to_an_unwritten_page_zero_fills_it)
{
	azt_fill(self->buf, 512, 65536 + 512, 9);
	ASSERT_EQ(512, pwrite(self->fd, self->buf, 512, 65536 + 512));
	ASSERT_EQ(4096, pread(self->fd, self->buf, 4096, 65536));
	ASSERT_TRUE(all_zero(self->buf, 512));
	ASSERT_EQ(-1, azt_check(self->buf + 512, 512, 65536 + 512, 9));
	ASSERT_TRUE(all_zero(self->buf + 1024, 3072));
}

TEST_F_TIMEOUT(io, discard_frees_the_pages_and_their_memory, SLOW)
{
	__u64 before[AZT_MM_COLS], after[AZT_MM_COLS], io[4];
	__u64 range[2] = { 0, 8 * MIB };

	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, 8 * MIB, 65536, 10));
	ASSERT_EQ(0, azt_mm_stat(self->id, before));
	ASSERT_EQ(8 * MIB, before[AZT_ORIG_DATA_SIZE]);
	ASSERT_EQ(0, ioctl(self->fd, BLKDISCARD, range));
	ASSERT_EQ(0, azt_mm_stat(self->id, after));
	ASSERT_EQ(0, after[AZT_ORIG_DATA_SIZE]);
	ASSERT_EQ(0, after[AZT_COMPR_DATA_SIZE]);
	ASSERT_GT(before[AZT_MEM_USED_TOTAL] / 4, after[AZT_MEM_USED_TOTAL]);
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	ASSERT_EQ(8 * MIB / 4096, io[3]);	/* notify_free */
	ASSERT_EQ(65536, pread(self->fd, self->buf, 65536, MIB));
	ASSERT_TRUE(all_zero(self->buf, 65536));
}

TEST_F(io, discard_of_part_of_a_page_keeps_its_data)
{
	__u64 range[2] = { 4096 + 512, 1024 };

	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, 3 * 4096, 4096, 11));
	ASSERT_EQ(0, ioctl(self->fd, BLKDISCARD, range));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 0, 3 * 4096, 4096, 11));
}

TEST_F(io, write_zeroes_zeroes_whole_and_partial_pages)
{
	__u64 range[2] = { 4096 + 512, 2 * 4096 };	/* ends mid-page */
	__u64 mm[AZT_MM_COLS];

	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, 4 * 4096, 4096, 12));
	ASSERT_EQ(0, ioctl(self->fd, BLKZEROOUT, range));
	ASSERT_EQ(4 * 4096, pread(self->fd, self->buf, 4 * 4096, 0));
	ASSERT_EQ(-1, azt_check(self->buf, 4096 + 512, 0, 12));
	ASSERT_TRUE(all_zero(self->buf + 4096 + 512, 2 * 4096));
	ASSERT_EQ(-1, azt_check(self->buf + 3 * 4096 + 512, 4096 - 512,
				3 * 4096 + 512, 12));
	/* Page 2 was whole inside the range: freed, not stored as zeroes. */
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(3 * 4096, mm[AZT_ORIG_DATA_SIZE]);
}

TEST_F(io, fsync_and_flush_succeed)
{
	ASSERT_EQ(0, write_range(self->fd, self->buf, 0, 65536, 65536, 13));
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, ioctl(self->fd, BLKFLSBUF, 0));
	ASSERT_EQ(0, check_range(self->fd, self->buf, 0, 65536, 65536, 13));
}

TEST_F(io, zero_filled_pages_are_same_pages)
{
	__u64 mm[AZT_MM_COLS];

	memset(self->buf, 0, 65536);
	ASSERT_EQ(65536, pwrite(self->fd, self->buf, 65536, 0));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(16, mm[AZT_SAME_PAGES]);
	ASSERT_EQ(65536, mm[AZT_ORIG_DATA_SIZE]);
	memset(self->buf, 0xff, 65536);
	ASSERT_EQ(65536, pread(self->fd, self->buf, 65536, 0));
	ASSERT_TRUE(all_zero(self->buf, 65536));
}

/*
 * Pages whose 8-byte words are all equal, of every repeat period (1, 2,
 * 4, 8 bytes), on every algorithm and on lz4 at its highest acceleration
 * (where the store looks for them before compressing, not after): each
 * is a same page, takes no compressed bytes, and reads back.
 */
TEST_F(io, patterned_same_filled_pages_are_same_pages_on_every_algorithm)
{
	static const __u64 words[] = {
		0x5a5a5a5a5a5a5a5aULL, 0x00ff00ff00ff00ffULL,
		0x0000000100000001ULL, 0x00000000deadbeefULL,
		0x0102030405060708ULL, 0x8000000000000001ULL,
	};
	static const struct { __u32 algo; __s32 level; } algos[] = {
		{ AETHER_ZRAM_ALGO_LZ4, 0 }, { AETHER_ZRAM_ALGO_LZ4, 65537 },
		{ AETHER_ZRAM_ALGO_LZ4HC, 0 }, { AETHER_ZRAM_ALGO_ZSTD, 0 },
	};
	const size_t n = sizeof(words) / sizeof(words[0]);
	__u64 mm[AZT_MM_COLS], *w;
	unsigned int a, i, j;
	int fd, id;

	for (a = 0; a < sizeof(algos) / sizeof(algos[0]); a++) {
		id = azt_add(self->ctl, algos[a].algo, algos[a].level, DISK, 0);
		ASSERT_LE(0, id);
		fd = azt_dev_open(id, O_RDWR | O_DIRECT);
		ASSERT_LE(0, fd);
		for (i = 0; i < n; i++)
			for (j = 0, w = (__u64 *)(self->buf + i * 4096);
			     j < 4096 / 8; j++)
				w[j] = words[i];
		ASSERT_EQ((ssize_t)(n * 4096), pwrite(fd, self->buf, n * 4096, 0));
		ASSERT_EQ(0, azt_mm_stat(id, mm));
		EXPECT_EQ(n, mm[AZT_SAME_PAGES]);
		EXPECT_EQ(0, mm[AZT_COMPR_DATA_SIZE]);
		EXPECT_EQ(n * 4096, mm[AZT_ORIG_DATA_SIZE]);
		memset(self->buf, 0, n * 4096);
		ASSERT_EQ((ssize_t)(n * 4096), pread(fd, self->buf, n * 4096, 0));
		for (i = 0; i < n; i++)
			for (j = 0, w = (__u64 *)(self->buf + i * 4096);
			     j < 4096 / 8; j++)
				ASSERT_EQ(words[i], w[j]);
		close(fd);
		azt_remove(self->ctl, id);
	}
}

TEST_F_TIMEOUT(io, the_memory_limit_fails_writes_beyond_it, SLOW)
{
	__u64 io[4], mm[AZT_MM_COLS];
	int fd, id, i, failed = 0;

	id = azt_add(self->ctl, 0, 0, 16 * MIB, 256 * 1024);
	ASSERT_LE(0, id);
	fd = azt_dev_open(id, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	for (i = 0; i < 1024 && !failed; i++) {
		azt_fill(self->buf, 4096, i * 4096ULL, 14);
		if (pwrite(fd, self->buf, 4096, i * 4096LL) != 4096) {
			EXPECT_EQ(EIO, errno);
			failed = 1;
		}
	}
	close(fd);
	ASSERT_EQ(0, azt_mm_stat(id, mm));
	ASSERT_EQ(4, azt_stat_cols(id, "io_stat", io, 4));
	azt_remove(self->ctl, id);
	ASSERT_EQ(1, failed);
	ASSERT_LE(1, io[1]);		/* failed_writes */
	ASSERT_GE(256 * 1024, mm[AZT_MEM_USED_TOTAL]);
	ASSERT_GE(256 * 1024, mm[AZT_MEM_USED_MAX]);
}

/* ---- both CPUs on the same pages -------------------------------------- */

#define SHARED_PAGES	16
#define ROUNDS		150

struct racer {
	int fd;
	int cpu;
	int half;		/* -1: whole pages; 0, 1: that half of each */
	__u64 last;		/* the last seed written */
	int errors;
	pthread_t thread;
};

/*
 * Whole pages: each write is one seed's page, the seed in its first
 * word; every read must be all one seed's (no torn page).  Halves: each
 * racer owns a half of every page and checks its half after each of its
 * writes (a lost update of a read-modify-write by the other half would
 * show).
 */
static void fill_whole(char *buf, __u64 off, __u64 seed)
{
	memcpy(buf, &seed, sizeof(seed));
	azt_fill(buf + 8, 4096 - 8, off + 8, seed);
}

static bool check_whole(const char *buf, __u64 off)
{
	__u64 seed;

	memcpy(&seed, buf, sizeof(seed));
	return (seed >> 32) <= 1 && (seed & 0xffffffff) < ROUNDS &&
	       azt_check(buf + 8, 4096 - 8, off + 8, seed) < 0;
}

static void *race(void *arg)
{
	struct racer *r = arg;
	size_t len = r->half < 0 ? 4096 : 2048;
	__u64 base = r->half > 0 ? 2048 : 0;
	char *buf = azt_alloc_aligned(4096);
	int round, p;

	if (!buf) {
		r->errors++;
		return NULL;
	}
	aet_pin_cpu(r->cpu);
	for (round = 0; round < ROUNDS; round++) {
		__u64 seed = (__u64)r->cpu << 32 | round;

		for (p = 0; p < SHARED_PAGES; p++) {
			__u64 off = p * 4096ULL + base;

			if (r->half < 0)
				fill_whole(buf, off, seed);
			else
				azt_fill(buf, len, off, seed);
			if (pwrite(r->fd, buf, len, off) != (ssize_t)len)
				r->errors++;
			if (pread(r->fd, buf, 4096, p * 4096ULL) != 4096)
				r->errors++;
			if (r->half < 0)
				r->errors += !check_whole(buf, off);
			else if (azt_check(buf + base, len, off, seed) >= 0)
				r->errors++;
		}
		r->last = seed;
	}
	free(buf);
	return NULL;
}

static void run_racers(struct __test_metadata *_metadata, int fd, bool halves)
{
	struct racer r[2];
	char *buf = azt_alloc_aligned(4096);
	int i, p;

	ASSERT_NE(NULL, buf);
	if (aet_nr_cpus() < 2)
		SKIP(return, "one CPU");
	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .fd = fd, .cpu = i,
				       .half = halves ? i : -1 };
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, race, &r[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(r[i].thread, NULL);
	ASSERT_EQ(0, r[0].errors);
	ASSERT_EQ(0, r[1].errors);
	if (!halves)
		return;
	for (p = 0; p < SHARED_PAGES; p++) {
		ASSERT_EQ(4096, pread(fd, buf, 4096, p * 4096LL));
		ASSERT_EQ(-1, azt_check(buf, 2048, p * 4096ULL, r[0].last));
		ASSERT_EQ(-1, azt_check(buf + 2048, 2048, p * 4096ULL + 2048,
					r[1].last));
	}
	free(buf);
}

TEST_F_TIMEOUT(io, both_cpus_writing_whole_pages_never_tear_one, SLOW)
{
	run_racers(_metadata, self->fd, false);
}

TEST_F_TIMEOUT(io, both_cpus_writing_halves_of_pages_lose_no_update, SLOW)
{
	run_racers(_metadata, self->fd, true);
}

/* ---- swap ----------------------------------------------------------------- */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define SWAP_AREA	(16 * MIB)
#define SWAP_TOUCH	(4 * MIB)

/* mkswap's header: version 1, the last page, "SWAPSPACE2" at the end. */
static int write_swap_header(int fd, __u64 size)
{
	char *page = azt_alloc_aligned(4096);
	__u32 v[2] = { 1, size / 4096 - 1 };
	int ret = 0;

	if (!page)
		return -ENOMEM;
	memset(page, 0, 4096);
	memcpy(page + 1024, v, sizeof(v));
	memcpy(page + 4096 - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, page, 4096, 0) != 4096 || fsync(fd))
		ret = -errno;
	free(page);
	return ret;
}

FIXTURE(swap) {
	int ctl;
	int id;
	char path[64];
	bool swapped_on;
};

FIXTURE_SETUP(swap)
{
	int fd;

	self->id = -1;
	self->swapped_on = false;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	self->id = azt_add(self->ctl, 0, 0, SWAP_AREA, 0);
	ASSERT_LE(0, self->id);
	azt_dev_path(self->path, sizeof(self->path), self->id);
	fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_swap_header(fd, SWAP_AREA));
	close(fd);
	if (swapon(self->path, 0)) {
		/*
		 * Only a kernel without swap may excuse it: EINVAL would
		 * be our device refusing its own swap header.
		 */
		if (errno == ENOSYS)
			AZT_SETUP_SKIP("swapon: %s", strerror(errno));
		ASSERT_EQ(0, errno);
	}
	self->swapped_on = true;
}

FIXTURE_TEARDOWN(swap)
{
	if (self->swapped_on)
		swapoff(self->path);
	if (self->id >= 0)
		azt_remove(self->ctl, self->id);
	if (self->ctl >= 0)
		close(self->ctl);
}

TEST_F(swap, a_swapped_on_device_cannot_be_reset_or_removed)
{
	ASSERT_EQ(-EBUSY, azt_reset(self->ctl, self->id));
	ASSERT_EQ(-EBUSY, azt_remove(self->ctl, self->id));
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "reset", "1"));
	ASSERT_EQ(-EBUSY, azt_hot_remove(self->id));
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "disksize", "1M"));
}

/*
 * MADV_PAGEOUT writes the pages to swap at once (->rw_page() on 6.1, a
 * synchronous bio on 6.12); touching them reads them back, and swap frees
 * each slot it no longer needs (the slot-free notification).
 */
TEST_F_TIMEOUT(swap, paged_out_memory_comes_back_intact_and_its_slots_are_freed, SLOW)
{
	__u64 mm[AZT_MM_COLS], io[4];
	char *mem;
	long bad;

	mem = mmap(NULL, SWAP_TOUCH, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	azt_fill(mem, SWAP_TOUCH, 0, 21);
	if (madvise(mem, SWAP_TOUCH, MADV_PAGEOUT))
		SKIP(return, "MADV_PAGEOUT: %s", strerror(errno));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	/* Most of it went out (a page or two may have been busy). */
	ASSERT_LT(SWAP_TOUCH / 2, mm[AZT_ORIG_DATA_SIZE]);
	bad = azt_check(mem, SWAP_TOUCH, 0, 21);
	ASSERT_EQ(-1, bad);
	/* Out and in again, after the pages were changed. */
	azt_fill(mem, SWAP_TOUCH, 0, 22);
	ASSERT_EQ(0, madvise(mem, SWAP_TOUCH, MADV_PAGEOUT));
	ASSERT_EQ(-1, azt_check(mem, SWAP_TOUCH, 0, 22));
	munmap(mem, SWAP_TOUCH);

	ASSERT_EQ(0, swapoff(self->path));
	self->swapped_on = false;
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	ASSERT_LT(0, io[3]);		/* notify_free */
	ASSERT_EQ(0, io[0]);
	ASSERT_EQ(0, io[1]);
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	/* Only the swap header is left. */
	ASSERT_EQ(4096, mm[AZT_ORIG_DATA_SIZE]);
}

TEST_HARNESS_MAIN
