// SPDX-License-Identifier: GPL-2.0
/*
 * zram_dedup_test.c - identical pages of a device stored once
 * (aether_zram/dedup.c)
 *
 * Fixture "dedup": a device of 256 pages, "dedupe" set or not before
 * disksize.  Off by default, and then nothing is shared; the file's
 * errors (EINVAL for anything but 0 and 1, EBUSY after disksize, back to
 * 0 at reset); with it on, copies of one page take one object (mm_stat's
 * compr_data_size counts it once, dedup_stat counts the copies, the bytes
 * saved and the table's memory) and read back byte-identical; an
 * overwrite, discard or partial write of one copy leaves the others as
 * they were; everything is freed when the copies go (the pool back to
 * its empty figure); same-filled pages keep their own path; two devices
 * share nothing.  Races, each ending with every slot read back as last
 * written: writers of one content on several slots at once; a writer
 * changing one slot while readers read the slots sharing its old
 * object; writeback of shared slots (the slot written back leaves the
 * entry, the others keep it) alone and against writers, on brd or, where
 * there is none (the debug kernel), a loop device over a ramfs file.
 * Checksums and dedupe together: a corrupt copy reads EIO, the others
 * are unharmed.  Recompression leaves shared objects alone; adaptive
 * compression's objects are shared as the device's own are.  Pages of
 * two memory cgroups (two trust domains) never share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define PG		4096
#define NR_PAGES	256
#define DISKSIZE	"1M"
#define BACKING		"/dev/ram0"
#define BRD_LOAD	"modprobe brd rd_nr=1 rd_size=16384 2>/dev/null"
#define LOOP_BYTES	(16 << 20)

/* dedup_stat's columns. */
enum { DS_DUP, DS_SAVED, DS_META, DS_ENTRIES, DS_COLLISIONS, DS_COLS };

/* Content @c: compressible, no two contents alike, never same-filled. */
static void content(void *p, unsigned int c)
{
	azt_fill(p, PG, 0, 1000 + c);
}

FIXTURE(dedup) {
	int ctl;
	int id;
	int fd;
	char *buf;		/* one page, O_DIRECT */
	char *want;		/* one page */
	char backing[32];	/* the backing device's path */
	int loopfd;		/* the loop device it is, or -1 */
	char ramfs[64];		/* the ramfs under the loop's file, or "" */
};

FIXTURE_SETUP(dedup)
{
	self->id = -1;
	self->fd = -1;
	self->buf = NULL;
	self->want = NULL;
	self->loopfd = -1;
	self->ramfs[0] = 0;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	self->id = azt_hot_add();
	ASSERT_LE(0, self->id);
	self->buf = azt_alloc_aligned(PG);
	self->want = malloc(PG);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->want);
}

FIXTURE_TEARDOWN(dedup)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->id >= 0)
		azt_hot_remove(self->id);
	/* The device closed its backing device: the loop goes after it. */
	if (self->loopfd >= 0) {
		ioctl(self->loopfd, LOOP_CLR_FD, 0);
		close(self->loopfd);
	}
	if (self->ramfs[0]) {
		umount2(self->ramfs, MNT_DETACH);
		rmdir(self->ramfs);
	}
	free(self->buf);
	free(self->want);
	if (self->ctl >= 0)
		close(self->ctl);
}

/* dedupe = @on (unless NULL), checksum @csum (unless NULL), disksize. */
static int dd_init(int id, const char *on, const char *csum)
{
	int err = 0;

	if (on)
		err = azt_attr_write(id, "dedupe", on);
	if (!err && csum)
		err = azt_attr_write(id, "checksum", csum);
	if (!err)
		err = azt_attr_write(id, "disksize", DISKSIZE);
	return err;
}

static int dd_init_open(struct _test_data_dedup *self, const char *on,
			const char *csum)
{
	int err = dd_init(self->id, on, csum);

	if (err)
		return err;
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	return self->fd < 0 ? self->fd : 0;
}

/* Content @c into page @idx of @fd through @buf: 0 or -errno. */
static int pg_write(int fd, char *buf, unsigned int idx, unsigned int c)
{
	content(buf, c);
	if (pwrite(fd, buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	return 0;
}

/* Page @idx read: 0 when it holds content @c, 1 when not, or -errno. */
static int pg_check(int fd, char *buf, char *want, unsigned int idx,
		    unsigned int c)
{
	memset(buf, 0xee, PG);
	if (pread(fd, buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	content(want, c);
	return memcmp(buf, want, PG) ? 1 : 0;
}

static int dd_stat(int id, __u64 ds[DS_COLS])
{
	return azt_stat_cols(id, "dedup_stat", ds, DS_COLS);
}

static __u64 mm_col(int id, int col)
{
	__u64 mm[AZT_MM_COLS] = {};

	if (azt_mm_stat(id, mm))
		return ~0ULL;
	return mm[col];
}

static int discard(int fd, __u64 off, __u64 len)
{
	__u64 range[2] = { off, len };

	return ioctl(fd, BLKDISCARD, range) ? -errno : 0;
}

/* ---- the table's memory against mem_limit ---------------------------- */

#define LIMIT_PAGES	1024

/* Content @c of a few bytes: a small object, never same-filled. */
static void tiny(void *p, unsigned int c)
{
	memset(p, 0, PG);
	*(__u64 *)p = 0x5eed000000000000ULL | c;
}

/*
 * The table's entries (64 bytes each) are the device's memory as its
 * pool is (review s31 finding 8): pages of a few bytes, whose entries
 * take more than their objects, are written to a device of 1024 pages
 * with a mem_limit of 64 KiB until one is refused.  mem_used_total
 * counts the table (no less than dedup_stat's meta_bytes) and stays
 * within the limit; a copy of a stored page, which adds nothing, is
 * still taken; every page stored reads back.  Before, the table was
 * outside the limit: all 1024 pages went in (about 48 KiB of objects
 * and 64 KiB of entries) and mem_used_total showed the pool alone.
 */
TEST_F(dedup, table_counts_against_mem_limit)
{
	__u64 mm[AZT_MM_COLS], ds[DS_COLS];
	unsigned int i, stored = 0;
	int err = 0;

	ASSERT_EQ(0, azt_attr_write(self->id, "dedupe", "1"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "4M"));
	ASSERT_EQ(0, azt_attr_write(self->id, "mem_limit", "64K"));
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < LIMIT_PAGES - 1 && !err; i++) {
		tiny(self->buf, i);
		if (pwrite(self->fd, self->buf, PG, (off_t)i * PG) == PG)
			stored++;
		else
			err = -errno;
	}
	ASSERT_EQ(-EIO, err)
		TH_LOG("%u pages all stored under a limit of 64 KiB", stored);
	ASSERT_LT(0, stored);
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	TH_LOG("%u pages stored: mem_used_total %llu, meta_bytes %llu",
	       stored, mm[AZT_MEM_USED_TOTAL], ds[DS_META]);
	EXPECT_EQ((__u64)stored, ds[DS_ENTRIES]);
	EXPECT_LE(ds[DS_META], mm[AZT_MEM_USED_TOTAL]);
	EXPECT_LE(mm[AZT_MEM_USED_TOTAL], mm[AZT_MEM_LIMIT]);
	EXPECT_LE(mm[AZT_MEM_USED_TOTAL], mm[AZT_MEM_USED_MAX]);
	EXPECT_LE(mm[AZT_MEM_USED_MAX], mm[AZT_MEM_LIMIT]);

	/* A copy shares its object: no memory, taken at the limit. */
	tiny(self->buf, 0);
	ASSERT_EQ(PG, pwrite(self->fd, self->buf, PG,
			     (off_t)(LIMIT_PAGES - 1) * PG));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(1ULL, ds[DS_DUP]);
	EXPECT_EQ((__u64)stored, ds[DS_ENTRIES]);
	for (i = 0; i < stored; i++) {
		tiny(self->want, i);
		ASSERT_EQ(PG, pread(self->fd, self->buf, PG, (off_t)i * PG));
		ASSERT_EQ(0, memcmp(self->buf, self->want, PG))
			TH_LOG("page %u", i);
	}
}

TEST_F(dedup, off_by_default_and_nothing_shared)
{
	char line[32];
	__u64 ds[DS_COLS], one;
	unsigned int i;

	ASSERT_EQ(0, azt_attr_read(self->id, "dedupe", line, sizeof(line)));
	ASSERT_STREQ("0\n", line);
	ASSERT_EQ(0, dd_init_open(self, NULL, NULL));
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 0, 7));
	one = mm_col(self->id, AZT_COMPR_DATA_SIZE);
	ASSERT_LT(0ULL, one);
	ASSERT_GT((__u64)PG / 2, one);
	for (i = 1; i < 32; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 7));
	ASSERT_EQ(32 * one, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	for (i = 0; i < DS_COLS; i++)
		ASSERT_EQ(0ULL, ds[i]) TH_LOG("column %u", i);
}

TEST_F(dedup, file_errors_einval_and_ebusy)
{
	static const char *const bad[] = { "2", "-1", "on", "1 1", "0x1", "y" };
	char line[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, azt_attr_write(self->id, "dedupe", bad[i])) {
			TH_LOG("bad value %u", i);
		}
	}
	ASSERT_EQ(0, azt_attr_write(self->id, "dedupe", "1"));
	ASSERT_EQ(0, azt_attr_read(self->id, "dedupe", line, sizeof(line)));
	ASSERT_STREQ("1\n", line);
	ASSERT_EQ(0, azt_attr_write(self->id, "dedupe", "0"));
	ASSERT_EQ(0, azt_attr_write(self->id, "dedupe", "1"));
	ASSERT_EQ(0, dd_init(self->id, NULL, NULL));
	EXPECT_EQ(-EBUSY, azt_attr_write(self->id, "dedupe", "0"));
	EXPECT_EQ(-EBUSY, azt_attr_write(self->id, "dedupe", "1"));
	EXPECT_EQ(-EINVAL, azt_attr_write(self->id, "dedupe", "2"));
	ASSERT_EQ(0, azt_attr_write(self->id, "reset", "1"));
	ASSERT_EQ(0, azt_attr_read(self->id, "dedupe", line, sizeof(line)));
	ASSERT_STREQ("0\n", line);
}

/*
 * 32 copies of one page and 8 pages of their own: the copies take one
 * object, counted once; every page reads back as written.
 */
TEST_F(dedup, copies_stored_once_and_read_back)
{
	__u64 ds[DS_COLS], one, mm[AZT_MM_COLS];
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 0, 7));
	one = mm_col(self->id, AZT_COMPR_DATA_SIZE);
	ASSERT_LT(0ULL, one);
	for (i = 1; i < 32; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 7));
	ASSERT_EQ(one, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	for (i = 32; i < 40; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, i));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(40ULL * PG, mm[AZT_ORIG_DATA_SIZE]);
	ASSERT_LT(one, mm[AZT_COMPR_DATA_SIZE]);
	ASSERT_GT(12 * one, mm[AZT_COMPR_DATA_SIZE]);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(31ULL, ds[DS_DUP]);
	ASSERT_EQ(31 * one, ds[DS_SAVED]);
	ASSERT_EQ(9ULL, ds[DS_ENTRIES]);
	ASSERT_LT(0ULL, ds[DS_META]);
	ASSERT_GT(9ULL * 256 + 4096, ds[DS_META]);
	ASSERT_EQ(0ULL, ds[DS_COLLISIONS]);
	for (i = 0; i < 40; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i < 32 ? 7 : i)) TH_LOG("page %u", i);
}

/* Same-filled pages keep their own path: a value, never an entry. */
TEST_F(dedup, same_filled_pages_are_not_entries)
{
	__u64 ds[DS_COLS];
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 16; i++) {
		memset(self->buf, i < 8 ? 0 : 0x5a, PG);
		ASSERT_EQ(PG, pwrite(self->fd, self->buf, PG, (off_t)i * PG));
	}
	ASSERT_EQ(16ULL, mm_col(self->id, AZT_SAME_PAGES));
	ASSERT_EQ(0ULL, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(0ULL, ds[DS_DUP]);
	ASSERT_EQ(0ULL, ds[DS_ENTRIES]);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(PG, pread(self->fd, self->buf, PG, (off_t)i * PG));
		memset(self->want, i < 8 ? 0 : 0x5a, PG);
		ASSERT_EQ(0, memcmp(self->buf, self->want, PG));
	}
}

/*
 * Of 16 copies, one overwritten, one discarded, one written in part:
 * the other 13 still read as the copy, and the counts follow.
 */
TEST_F(dedup, overwrite_discard_of_one_copy_leaves_others)
{
	__u64 ds[DS_COLS], one;
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 3));
	one = mm_col(self->id, AZT_COMPR_DATA_SIZE);
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 4, 4));
	ASSERT_EQ(0, discard(self->fd, 5 * PG, PG));
	memset(self->buf, 0x11, 512);
	ASSERT_EQ(512, pwrite(self->fd, self->buf, 512, 6 * PG + 1024));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(12ULL, ds[DS_DUP]);
	ASSERT_EQ(12 * one, ds[DS_SAVED]);
	/* Contents 3 and 4; page 6, partly written, is an object alone. */
	ASSERT_EQ(2ULL, ds[DS_ENTRIES]);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 5 || i == 6)
			continue;
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 3))
			TH_LOG("page %u", i);
	}
	ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, 4, 4));
	ASSERT_EQ(PG, pread(self->fd, self->buf, PG, 5 * PG));
	memset(self->want, 0, PG);
	ASSERT_EQ(0, memcmp(self->buf, self->want, PG));
	ASSERT_EQ(PG, pread(self->fd, self->buf, PG, 6 * PG));
	content(self->want, 3);
	memset(self->want + 1024, 0x11, 512);
	ASSERT_EQ(0, memcmp(self->buf, self->want, PG));
	/* Rewriting the copy's content makes the page share again. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 4, 3));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(13ULL, ds[DS_DUP]);
}

/*
 * When every copy goes, so does everything: the store's figures back to
 * those of the empty device, the table empty; and reset leaves nothing.
 */
TEST_F(dedup, everything_freed_with_the_last_copy_and_at_reset)
{
	__u64 ds[DS_COLS], empty_used, meta0, used0, used;
	unsigned int i;

	ASSERT_EQ(0, azt_pool_used(&used0));
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	empty_used = mm_col(self->id, AZT_MEM_USED_TOTAL);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	meta0 = ds[DS_META];
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, i % 5));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(NR_PAGES - 5ULL, ds[DS_DUP]);
	ASSERT_LT(empty_used, mm_col(self->id, AZT_MEM_USED_TOTAL));
	ASSERT_EQ(0, discard(self->fd, 0, (__u64)NR_PAGES * PG));
	ASSERT_EQ(0, azt_attr_write(self->id, "compact", "1"));
	ASSERT_EQ(empty_used, mm_col(self->id, AZT_MEM_USED_TOTAL));
	ASSERT_EQ(0ULL, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	ASSERT_EQ(0ULL, mm_col(self->id, AZT_ORIG_DATA_SIZE));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(0ULL, ds[DS_DUP]);
	ASSERT_EQ(0ULL, ds[DS_SAVED]);
	ASSERT_EQ(0ULL, ds[DS_ENTRIES]);
	ASSERT_EQ(meta0, ds[DS_META]);

	/* Again, and this time reset frees what the copies hold. */
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, i % 7));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, azt_attr_write(self->id, "reset", "1"));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(0ULL, ds[DS_ENTRIES]);
	ASSERT_EQ(0ULL, mm_col(self->id, AZT_MEM_USED_TOTAL));
	ASSERT_EQ(0, azt_pool_used(&used));
	ASSERT_GE(used0, used);
}

/* One trust domain per device: the same page on two devices is two. */
TEST_F(dedup, two_devices_share_nothing)
{
	__u64 ds[DS_COLS];
	int id2, fd2;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	id2 = azt_hot_add();
	ASSERT_LE(0, id2);
	ASSERT_EQ(0, dd_init(id2, "1", NULL));
	fd2 = azt_dev_open(id2, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 0, 9));
	ASSERT_EQ(0, pg_write(fd2, self->buf, 0, 9));
	ASSERT_EQ(DS_COLS, dd_stat(id2, ds));
	EXPECT_EQ(0ULL, ds[DS_DUP]);
	EXPECT_EQ(1ULL, ds[DS_ENTRIES]);
	EXPECT_EQ(mm_col(self->id, AZT_COMPR_DATA_SIZE),
		  mm_col(id2, AZT_COMPR_DATA_SIZE));
	EXPECT_EQ(0, pg_check(fd2, self->buf, self->want, 0, 9));
	close(fd2);
	azt_hot_remove(id2);
}

/* ---- races ---------------------------------------------------------- */

#define RACE_ROUNDS	200
#define RACE_WRITERS	4

struct racer {
	pthread_t thread;
	pthread_barrier_t *start;
	int fd;
	unsigned int idx;	/* the slot written, or the first read */
	unsigned int nr;	/* slots read */
	unsigned int c0, c1;	/* contents it may see or writes */
	int err;		/* 0, -errno, or 1 for a wrong page */
	int *stop;
};

/* Content c0 + round % 2 into slot idx, RACE_ROUNDS times. */
static void *race_write(void *arg)
{
	struct racer *r = arg;
	char *buf = azt_alloc_aligned(PG);
	unsigned int n;

	if (!buf) {
		r->err = -ENOMEM;
		return NULL;
	}
	pthread_barrier_wait(r->start);
	for (n = 0; n < RACE_ROUNDS && !r->err; n++)
		r->err = pg_write(r->fd, buf, r->idx, r->c0 + n % 2);
	free(buf);
	return NULL;
}

/* Slots idx .. idx + nr - 1 read until *stop: each c0 or c1, whole. */
static void *race_read(void *arg)
{
	struct racer *r = arg;
	char *buf = azt_alloc_aligned(PG), *a = malloc(PG), *b = malloc(PG);
	unsigned int i = 0;

	if (!buf || !a || !b) {
		r->err = -ENOMEM;
		goto out;
	}
	content(a, r->c0);
	content(b, r->c1);
	pthread_barrier_wait(r->start);
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED) && !r->err) {
		off_t off = (off_t)(r->idx + i++ % r->nr) * PG;

		if (pread(r->fd, buf, PG, off) != PG)
			r->err = -errno;
		else if (memcmp(buf, a, PG) && memcmp(buf, b, PG))
			r->err = 1;
	}
out:
	free(buf);
	free(a);
	free(b);
	return NULL;
}

/*
 * Writers of the same two contents, in step, each on a slot of its own:
 * whatever shared what meanwhile, each slot ends as its last write, and
 * the counts add up.
 */
TEST_F(dedup, writers_of_one_content_at_once)
{
	struct racer r[RACE_WRITERS] = {};
	pthread_barrier_t start;
	__u64 ds[DS_COLS];
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, RACE_WRITERS));
	for (i = 0; i < RACE_WRITERS; i++) {
		r[i] = (struct racer){ .start = &start, .fd = self->fd,
				       .idx = i, .c0 = 20 };
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, race_write,
					    &r[i]));
	}
	for (i = 0; i < RACE_WRITERS; i++)
		pthread_join(r[i].thread, NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < RACE_WRITERS; i++) {
		ASSERT_EQ(0, r[i].err) TH_LOG("writer %u", i);
		/* The last round, RACE_ROUNDS - 1, is odd: content 21. */
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 21))
			TH_LOG("slot %u", i);
	}
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_GE((__u64)RACE_WRITERS, ds[DS_ENTRIES]);
	ASSERT_LE(1ULL, ds[DS_ENTRIES]);
	ASSERT_EQ(RACE_WRITERS - ds[DS_ENTRIES], ds[DS_DUP]);
	/* A write now shares with one of them. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 100, 21));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(RACE_WRITERS + 1 - ds[DS_ENTRIES], ds[DS_DUP]);
}

/*
 * Slots 0-7 share one object; a writer flips slot 3 between that
 * content and another while readers read slots 0-7: every read is one
 * of the two contents whole, and at the end all slots are as written.
 */
TEST_F(dedup, writer_races_readers_of_the_shared_object)
{
	struct racer w = {}, rd[2] = {};
	pthread_barrier_t start;
	int stop = 0;
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 30));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 3));
	for (i = 0; i < 2; i++) {
		rd[i] = (struct racer){ .start = &start, .fd = self->fd,
					.idx = 0, .nr = 8, .c0 = 30, .c1 = 31,
					.stop = &stop };
		ASSERT_EQ(0, pthread_create(&rd[i].thread, NULL, race_read,
					    &rd[i]));
	}
	w = (struct racer){ .start = &start, .fd = self->fd, .idx = 3,
			    .c0 = 30 };
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, race_write, &w));
	pthread_join(w.thread, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(rd[i].thread, NULL);
	pthread_barrier_destroy(&start);
	ASSERT_EQ(0, w.err);
	ASSERT_EQ(0, rd[0].err);
	ASSERT_EQ(0, rd[1].err);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i == 3 ? 31 : 30)) TH_LOG("slot %u", i);
}

/* ---- writeback and checksums ---------------------------------------- */

/*
 * A loop device over an unlinked file of LOOP_BYTES on a ramfs mounted
 * at self->ramfs (made here), its path into self->backing: its fd, or
 * -errno.  Ramfs pages are never swapped, so its I/O never comes back
 * into the device under test.
 */
static int loop_attach(struct _test_data_dedup *self)
{
	char file[96];
	int ctl, nr, ffd, lfd;
	struct stat sb;

	if (stat("/dev/loop-control", &sb) &&
	    system("modprobe loop 2>/dev/null"))
		return -ENODEV;
	snprintf(self->ramfs, sizeof(self->ramfs), "/tmp/zram_dd_ramfs_%d",
		 getpid());
	if (mkdir(self->ramfs, 0700) && errno != EEXIST)
		return -errno;
	if (mount("ramfs", self->ramfs, "ramfs", 0, "mode=0700")) {
		lfd = -errno;
		rmdir(self->ramfs);
		self->ramfs[0] = 0;
		return lfd;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0)
		return -errno;
	snprintf(self->backing, sizeof(self->backing), "/dev/loop%d", nr);
	snprintf(file, sizeof(file), "%s/backing", self->ramfs);
	ffd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ffd < 0)
		return -errno;
	unlink(file);
	lfd = -EIO;
	if (!ftruncate(ffd, LOOP_BYTES))
		lfd = open(self->backing, O_RDWR | O_CLOEXEC);
	if (lfd >= 0 && ioctl(lfd, LOOP_SET_FD, ffd)) {
		close(lfd);
		lfd = -EIO;
	}
	close(ffd);
	return lfd;
}

/*
 * A backing device in self->backing: brd, or where there is none (the
 * debug kernel) a loop device over a ramfs file (self->loopfd).
 */
static bool have_backing(struct _test_data_dedup *self)
{
	struct stat sb;

	if (!stat(BACKING, &sb) || system(BRD_LOAD) == 0) {
		snprintf(self->backing, sizeof(self->backing), "%s", BACKING);
		if (!stat(BACKING, &sb) && S_ISBLK(sb.st_mode))
			return true;
	}
	self->loopfd = loop_attach(self);
	return self->loopfd >= 0;
}

static int wb_page(int id, unsigned int idx)
{
	char v[32];

	snprintf(v, sizeof(v), "page_index=%u", idx);
	return azt_attr_write(id, "writeback", v);
}

/*
 * Slot 2 of 8 copies written back: it reads the copy from the backing
 * device, the other 7 still share the object in memory; the last copy
 * in memory written back frees the object.
 */
TEST_F(dedup, writeback_of_a_shared_slot_leaves_the_others)
{
	__u64 ds[DS_COLS], bd[3], one;
	unsigned int i;

	if (!have_backing(self))
		SKIP(return, "no %s (brd) and no loop device", BACKING);
	ASSERT_EQ(0, azt_attr_write(self->id, "backing_dev", self->backing));
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 40));
	one = mm_col(self->id, AZT_COMPR_DATA_SIZE);
	ASSERT_EQ(0, wb_page(self->id, 2));
	ASSERT_EQ(3, azt_stat_cols(self->id, "bd_stat", bd, 3));
	ASSERT_EQ(1ULL, bd[0]);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(6ULL, ds[DS_DUP]);
	ASSERT_EQ(1ULL, ds[DS_ENTRIES]);
	ASSERT_EQ(one, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 40))
			TH_LOG("slot %u", i);
	ASSERT_EQ(3, azt_stat_cols(self->id, "bd_stat", bd, 3));
	ASSERT_LE(1ULL, bd[1]);
	for (i = 0; i < 8; i++)
		if (i != 2)
			ASSERT_EQ(0, wb_page(self->id, i)) TH_LOG("slot %u", i);
	ASSERT_EQ(0ULL, mm_col(self->id, AZT_COMPR_DATA_SIZE));
	ASSERT_EQ(8ULL * PG, mm_col(self->id, AZT_ORIG_DATA_SIZE));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(0ULL, ds[DS_ENTRIES]);
	ASSERT_EQ(0ULL, ds[DS_DUP]);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 40))
			TH_LOG("slot %u", i);
}

struct wb_racer {
	pthread_t thread;
	int id;
	int *stop;
	int err;
};

/* page_index= writeback over slots 0-7 until *stop. */
static void *race_wb(void *arg)
{
	struct wb_racer *r = arg;
	unsigned int i = 0;

	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED) && !r->err) {
		int err = wb_page(r->id, i++ % 8);

		/* Same-filled, freed or mid-change pages are not written. */
		if (err && err != -EINVAL && err != -ENOENT)
			r->err = err;
	}
	return NULL;
}

/*
 * Writers rewrite slots 0-7 (all the same two contents, so they share)
 * while writeback writes them out one by one: every slot ends as its
 * last write, whether in memory or on the backing device.
 */
TEST_F(dedup, writeback_races_writers_of_shared_slots)
{
	struct racer w[RACE_WRITERS] = {};
	struct wb_racer wb = {};
	pthread_barrier_t start;
	int stop = 0;
	unsigned int i;

	if (!have_backing(self))
		SKIP(return, "no %s (brd) and no loop device", BACKING);
	ASSERT_EQ(0, azt_attr_write(self->id, "backing_dev", self->backing));
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 50));
	wb = (struct wb_racer){ .id = self->id, .stop = &stop };
	ASSERT_EQ(0, pthread_create(&wb.thread, NULL, race_wb, &wb));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, RACE_WRITERS));
	for (i = 0; i < RACE_WRITERS; i++) {
		w[i] = (struct racer){ .start = &start, .fd = self->fd,
				       .idx = 2 * i, .c0 = 50 };
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, race_write,
					    &w[i]));
	}
	for (i = 0; i < RACE_WRITERS; i++)
		pthread_join(w[i].thread, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(wb.thread, NULL);
	pthread_barrier_destroy(&start);
	ASSERT_EQ(0, wb.err);
	for (i = 0; i < RACE_WRITERS; i++)
		ASSERT_EQ(0, w[i].err) TH_LOG("writer %u", i);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i % 2 ? 50 : 51)) TH_LOG("slot %u", i);
}

/* debugfs aether/zram/aether_zram<id>/corrupt <- slot @idx */
static int corrupt_slot(int id, unsigned int idx)
{
	char path[128], v[16];

	snprintf(path, sizeof(path), AZT_DEBUGFS "/aether_zram%d/corrupt", id);
	snprintf(v, sizeof(v), "%u", idx);
	return aet_write_file(path, v);
}

/*
 * Checksums and dedupe: a copy corrupted on purpose (it leaves the
 * entry for an object of its own, under the old checksum) reads EIO;
 * the other copies still share the sound object and read as written.
 */
TEST_F(dedup, corrupt_copy_reads_eio_others_intact)
{
	__u64 ds[DS_COLS], errs = ~0ULL;
	unsigned int i;

	ASSERT_EQ(0, dd_init_open(self, "1", "xxh64"));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 60));
	ASSERT_EQ(0, corrupt_slot(self->id, 3));
	ASSERT_EQ(-EIO, pg_check(self->fd, self->buf, self->want, 3, 60));
	ASSERT_EQ(0, azt_attr_u64(self->id, "checksum_errors", &errs));
	ASSERT_EQ(1ULL, errs);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(6ULL, ds[DS_DUP]);
	for (i = 0; i < 8; i++)
		if (i != 3)
			ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want,
					      i, 60)) TH_LOG("slot %u", i);
	/* Written again, the copy shares once more and reads right. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 3, 60));
	ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, 3, 60));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	ASSERT_EQ(7ULL, ds[DS_DUP]);
}

/* The number after "@key" in @json, or -1. */
/*
 * Recompression leaves an object that several slots share alone (an
 * object of each slot's own would cost more than the shared one saves);
 * a slot alone on its entry is recompressed like any page.  16 copies
 * of one page and 8 pages of their own, every page asked for: only the
 * 8 are tried, the copies still share one object, all read back.
 */
TEST_F(dedup, recompress_leaves_shared_objects_alone)
{
	__u64 rs[5], ds[DS_COLS];
	unsigned int i;

	ASSERT_EQ(0, azt_attr_write(self->id, "recomp_algorithm",
				    "algo=lz4hc priority=1"));
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 7));
	for (i = 16; i < 24; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, i));
	ASSERT_EQ(0, azt_attr_write(self->id, "recompress", "max_pages=1024"));
	ASSERT_EQ(5, azt_stat_cols(self->id, "recomp_stat", rs, 5));
	EXPECT_EQ(8ULL, rs[0]);		/* tried: the 8 alone */
	EXPECT_EQ(0ULL, rs[4]);		/* failed */
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(15ULL, ds[DS_DUP]);
	for (i = 0; i < 24; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i < 16 ? 7 : i)) TH_LOG("page %u", i);
	/* A copy written after: shared with the 16 again, or stored anew. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 24, 7));
	ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, 24, 7));
}

/*
 * Adaptive compression stores with another compressor than the
 * device's own: its objects are shared as well, the compare
 * decompressing with the one that wrote them, and the mark of that
 * compressor is never taken for a shared entry's.
 */
TEST_F(dedup, objects_of_an_adaptive_row_are_shared)
{
	char line[128];
	__u64 ds[DS_COLS];
	unsigned int i;

	ASSERT_EQ(0, azt_attr_read(self->id, "comp_algorithm", line,
				   sizeof(line)));
	if (!strstr(line, "zstd"))
		SKIP(return, "no zstd in this kernel");
	ASSERT_EQ(0, azt_attr_write(self->id, "adaptive", "1"));
	ASSERT_EQ(0, azt_attr_write(self->id, "adaptive_policy", "0 zstd 1"));
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 7));
	for (i = 16; i < 20; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, i));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(15ULL, ds[DS_DUP]);
	EXPECT_EQ(5ULL, ds[DS_ENTRIES]);
	EXPECT_EQ(0ULL, ds[DS_COLLISIONS]);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i < 16 ? 7 : i)) TH_LOG("page %u", i);
	/* Overwrite one copy: the others keep the object. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 3, 99));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i,
				      i == 3 ? 99 : 7)) TH_LOG("page %u", i);
}

/*
 * A page made by partial writes mixes the writer's part with the slot's
 * old bytes, which may be another writer's: it is shared with nobody
 * (review s31b finding 1: it was stored in the writer's domain, so he
 * could learn another's bytes next to his by guessing the whole page).
 * Two pages of content 7 made 512 bytes at a time do not share with the
 * page written whole, nor with each other; dedup_stat is root's.
 */
TEST_F(dedup, pages_of_partial_writes_are_not_shared)
{
	char path[96];
	struct stat st;
	__u64 ds[DS_COLS];
	unsigned int i, part;

	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 0, 7));
	content(self->want, 7);
	for (i = 1; i < 3; i++)
		for (part = 0; part < PG / 512; part++) {
			memcpy(self->buf, self->want + part * 512, 512);
			ASSERT_EQ(512, pwrite(self->fd, self->buf, 512,
					      (off_t)i * PG + part * 512));
		}
	/* A page written whole after them still shares page 0's. */
	ASSERT_EQ(0, pg_write(self->fd, self->buf, 3, 7));
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(1ULL, ds[DS_DUP]);		/* page 3 */
	EXPECT_EQ(1ULL, ds[DS_ENTRIES]);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 7))
			TH_LOG("page %u", i);
	snprintf(path, sizeof(path), "/sys/block/aether_zram%d/dedup_stat",
		 self->id);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
}

/* ---- trust domains: the memory cgroup a page is charged to ----------- */

#define CGROOT		"/sys/fs/cgroup"

static int file_put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -errno;
	close(fd);
	return ret;
}

static bool memcg_present(void)
{
	char buf[256] = "";
	int fd = open(CGROOT "/cgroup.controllers", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, "memory");
}

/*
 * In a child that joins cgroup @cg first (so that the buffer it then
 * faults in is charged there), write content @c to page @idx of device
 * @id with O_DIRECT.  Return: 0, or the child's failure.
 */
static int write_from_cgroup(int id, const char *cg, unsigned int idx,
			     unsigned int c)
{
	char path[128], pid[32];
	int status, fd;
	pid_t child;
	char *buf;

	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (file_put(path, pid))
			_exit(2);
		buf = azt_alloc_aligned(PG);
		fd = azt_dev_open(id, O_RDWR | O_DIRECT);
		if (!buf || fd < 0)
			_exit(3);
		_exit(pg_write(fd, buf, idx, c) ? 4 : 0);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/*
 * A page is shared only with pages of its own trust domain, the memory
 * cgroup it is charged to: two cgroups writing one content keep an
 * object each; a second copy from the first cgroup shares its object.
 * Before domains, the second cgroup's copy shared the first's (review
 * s31 finding 1: dedup_stat, world-readable, told one user that
 * another's page equalled his guess).
 */
TEST_F(dedup, copies_of_two_memory_cgroups_are_not_shared)
{
	static const char *const cg[] = { CGROOT "/azt_dedup_a",
					  CGROOT "/azt_dedup_b" };
	__u64 ds[DS_COLS];
	unsigned int i;
	int err = 0;

	if (!memcg_present())
		SKIP(return, "no cgroup v2 memory controller at " CGROOT);
	ASSERT_EQ(0, file_put(CGROOT "/cgroup.subtree_control", "+memory"));
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(!mkdir(cg[i], 0755) || errno == EEXIST);
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	err = write_from_cgroup(self->id, cg[0], 0, 7);
	if (!err)
		err = write_from_cgroup(self->id, cg[1], 1, 7);
	if (!err)
		err = write_from_cgroup(self->id, cg[0], 2, 7);
	if (!err)
		err = write_from_cgroup(self->id, cg[1], 3, 7);
	for (i = 0; i < 2; i++)
		rmdir(cg[i]);
	ASSERT_EQ(0, err);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(2ULL, ds[DS_ENTRIES]);	/* one object a cgroup */
	EXPECT_EQ(2ULL, ds[DS_DUP]);		/* pages 2 and 3 */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 7))
			TH_LOG("page %u", i);
}

/*
 * In a child that joins cgroup @cg, create @path on a tmpfs holding
 * content @c, owned by @uid with @mode: its page cache is charged to
 * @cg, as it would be had a process of @cg read the file first.
 */
static int file_from_cgroup(const char *cg, const char *path, unsigned int c,
			    uid_t uid, mode_t mode)
{
	char procs[128], pid[32], *buf;
	int status, fd;
	pid_t child;

	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		buf = malloc(PG);
		if (!buf || file_put(procs, pid))
			_exit(2);
		content(buf, c);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, buf, PG) != PG)
			_exit(3);
		if (fchown(fd, uid, uid) || fchmod(fd, mode) ||
		    pread(fd, buf, PG, 0) != PG)
			_exit(4);
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/*
 * In a child that joins cgroup @cg, write the page of file @path to
 * page @idx of device @id with O_DIRECT from a shared mapping of the
 * file: the page written is the file's page cache page itself.
 */
static int file_write_from_cgroup(int id, const char *cg, const char *path,
				  unsigned int idx)
{
	char procs[128], pid[32];
	int status, fd, dev;
	pid_t child;
	void *map;

	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (file_put(procs, pid))
			_exit(2);
		fd = open(path, O_RDONLY);
		dev = azt_dev_open(id, O_RDWR | O_DIRECT);
		if (fd < 0 || dev < 0)
			_exit(3);
		map = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			_exit(4);
		_exit(pwrite(dev, map, PG, (off_t)idx * PG) == PG ? 0 : 5);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/*
 * A page of a file's page cache belongs to the file's owner, not to the
 * cgroup it is charged to, which is whoever read it first (review s31b
 * finding 7).  The victim's cgroup B writes content 7 to page 0, and
 * reads (here: writes) files a and b of the attacker's (uid 65534,
 * 0644) holding the same content, and c (0666, anybody's to write), so
 * their page cache is charged to B.  From cgroup A, each file's page
 * goes to the device by an O_DIRECT write from a mapping of it: a to
 * page 1, b to 2, c to 3.  a and b share one object, the owner's, and
 * neither shares the victim's; c, which others may write, shares
 * nothing: two entries, one dup page.  Before, all three were B's and
 * shared page 0's object: one entry, three dup pages, which told the
 * attacker that B held his content.
 */
TEST_F(dedup, file_pages_are_their_owners_not_the_first_readers)
{
	static const char *const cg[] = { CGROOT "/azt_dedup_a",
					  CGROOT "/azt_dedup_b" };
	static const char *const name[] = { "a", "b", "c" };
	char dir[] = "/tmp/azt_dedup_files.XXXXXX", path[3][64];
	bool mounted = false;
	__u64 ds[DS_COLS];
	unsigned int i;
	int err = 0;

	if (!memcg_present())
		SKIP(return, "no cgroup v2 memory controller at " CGROOT);
	ASSERT_EQ(0, file_put(CGROOT "/cgroup.subtree_control", "+memory"));
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(!mkdir(cg[i], 0755) || errno == EEXIST);
	ASSERT_NE(NULL, mkdtemp(dir));
	if (!mount("tmpfs", dir, "tmpfs", 0, "size=1m"))
		mounted = true;
	else
		err = -errno;
	for (i = 0; i < 3; i++)
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name[i]);
	if (!err)
		err = dd_init_open(self, "1", NULL);
	if (!err)
		err = write_from_cgroup(self->id, cg[1], 0, 7);
	for (i = 0; i < 3 && !err; i++)
		err = file_from_cgroup(cg[1], path[i], 7, 65534,
				       i < 2 ? 0644 : 0666);
	for (i = 0; i < 3 && !err; i++)
		err = file_write_from_cgroup(self->id, cg[0], path[i], i + 1);
	if (mounted)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	for (i = 0; i < 2; i++)
		rmdir(cg[i]);
	ASSERT_EQ(0, err);
	ASSERT_EQ(DS_COLS, dd_stat(self->id, ds));
	EXPECT_EQ(2ULL, ds[DS_ENTRIES]);	/* B's page 0, the owner's a */
	EXPECT_EQ(1ULL, ds[DS_DUP]);		/* b shares a's */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pg_check(self->fd, self->buf, self->want, i, 7))
			TH_LOG("page %u", i);
}

/* aetherctl zram show: dedupe on, and dedup_stat's figures. */
TEST_F(dedup, aetherctl_shows_dedup_counters)
{
	char cmd[96], out[8192];
	unsigned int i;
	size_t n;
	FILE *f;

	if (system("command -v aetherctl >/dev/null 2>&1"))
		SKIP(return, "no aetherctl");
	ASSERT_EQ(0, dd_init_open(self, "1", NULL));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, pg_write(self->fd, self->buf, i, 70));
	snprintf(cmd, sizeof(cmd),
		 "aetherctl --json zram show %d 2>/dev/null", self->id);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	ASSERT_EQ(0, pclose(f));
	ASSERT_EQ(1, azt_json_number(out, "dedupe")) TH_LOG("%s", out);
	ASSERT_EQ(4, azt_json_number(out, "dup_pages")) TH_LOG("%s", out);
	ASSERT_EQ(1, azt_json_number(out, "dedup_entries")) TH_LOG("%s", out);
	ASSERT_LT(0, azt_json_number(out, "dedup_saved")) TH_LOG("%s", out);
	ASSERT_LT(0, azt_json_number(out, "dedup_meta")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
