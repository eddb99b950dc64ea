// SPDX-License-Identifier: GPL-2.0
/*
 * zram_csum_test.c - checksums of stored pages (aether_zram/csum.c)
 *
 * Fixture "csum", a variant per checksum kind (crc32c, xxh64): a device
 * of 64 pages with "checksum" set before disksize.  Pages of every kind
 * (compressible, same-filled, random) read back as written; a slot
 * corrupted through debugfs (aether/zram/aether_zram<N>/corrupt: the
 * page stored again with a byte flipped, a valid object under the old
 * checksum) reads as EIO, each read counted in checksum_errors, the
 * other slots unharmed, and a new write of the slot heals it; writeback
 * does not write a corrupt page out, and a page written back is checked
 * when it is read back.  Without a checksum the same corruption goes
 * unnoticed (one byte off): the knob corrupts, the checksum catches.
 * The file's errors: EBUSY after disksize, EINVAL for other words.
 *
 * Fixture "csum_store", the same two variants: the region store with
 * store_checksum set; a region page stored corrupt (debugfs
 * aether/zram/store/corrupt arms the next store) faults with SIGBUS,
 * not wrong bytes, every other page comes back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"
#include "../aether_mm/mm_region_util.h"

#define PG		4096
#define NR_PAGES	64
#define BACKING		"/dev/ram0"
#define BRD_LOAD	"modprobe brd rd_nr=1 rd_size=16384 2>/dev/null"
#define STORE_STATS	AZT_DEBUGFS "/store/stats"
#define STORE_CORRUPT	AZT_DEBUGFS "/store/corrupt"
#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"
#define ZPARAMS		"/sys/module/aether_zram/parameters/"
#define REGION_STORE	ZPARAMS "region_store"
#define STORE_CSUM	ZPARAMS "store_checksum"

enum pg_kind { K_COMP, K_SAME, K_RANDOM, NR_KINDS };

/* Page @idx's bytes for generation @gen: its kind is idx % NR_KINDS. */
static void pg_fill(char *p, unsigned int idx, unsigned int gen)
{
	__u64 seed = 0x9e3779b97f4a7c15ULL * (idx + 1) + gen;

	switch (idx % NR_KINDS) {
	case K_COMP:
		azt_fill(p, PG, (__u64)idx * PG, gen + 1);
		break;
	case K_SAME:
		memset(p, 0x40 + idx % 32, PG);
		break;
	default:
		fill_random(p, PG, &seed);
	}
}

FIXTURE(csum) {
	int ctl;
	int id;
	int fd;
	char *buf;		/* one page, O_DIRECT */
	char *want;		/* one page */
	struct aet_params params;
};

FIXTURE_VARIANT(csum) {
	const char *kind;
};

FIXTURE_VARIANT_ADD(csum, crc32c) {
	.kind = "crc32c",
};

FIXTURE_VARIANT_ADD(csum, xxh64) {
	.kind = "xxh64",
};

FIXTURE_SETUP(csum)
{
	self->id = -1;
	self->fd = -1;
	self->buf = NULL;
	self->want = NULL;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, aet_params_save("aether_zram", &self->params));
	self->id = azt_hot_add();
	ASSERT_LE(0, self->id);
	self->buf = azt_alloc_aligned(PG);
	self->want = malloc(PG);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->want);
}

FIXTURE_TEARDOWN(csum)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->id >= 0)
		azt_hot_remove(self->id);
	aet_params_restore(&self->params);
	free(self->buf);
	free(self->want);
	if (self->ctl >= 0)
		close(self->ctl);
}

/* checksum = @kind, 64 pages, opened for O_DIRECT I/O. */
static int csum_init_dev(struct _test_data_csum *self, const char *kind)
{
	int err;

	err = azt_attr_write(self->id, "checksum", kind);
	if (!err)
		err = azt_attr_write(self->id, "disksize", "256K");
	if (err)
		return err;
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	return self->fd < 0 ? self->fd : 0;
}

/* Page @idx of generation @gen written: 0 or -errno. */
static int pg_write(struct _test_data_csum *self, unsigned int idx,
		    unsigned int gen)
{
	pg_fill(self->buf, idx, gen);
	if (pwrite(self->fd, self->buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	return 0;
}

/* Page @idx read and compared: 0, 1 when it differs, or -errno. */
static int pg_read(struct _test_data_csum *self, unsigned int idx,
		   unsigned int gen)
{
	memset(self->buf, 0xee, PG);
	if (pread(self->fd, self->buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	pg_fill(self->want, idx, gen);
	return memcmp(self->buf, self->want, PG) ? 1 : 0;
}

static __u64 csum_errors(int id)
{
	__u64 v = ~0ULL;

	azt_attr_u64(id, "checksum_errors", &v);
	return v;
}

/* debugfs aether/zram/aether_zram<id>/corrupt <- @text */
static int corrupt(int id, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), AZT_DEBUGFS "/aether_zram%d/corrupt", id);
	return aet_write_file(path, text);
}

static int corrupt_slot(int id, unsigned int idx)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", idx);
	return corrupt(id, v);
}

/* The file lists the kinds, none bracketed until one is chosen. */
TEST_F(csum, file_lists_kinds_and_takes_one)
{
	char line[128], want[64];

	ASSERT_EQ(0, azt_attr_read(self->id, "checksum", line, sizeof(line)));
	ASSERT_STREQ("[none] crc32c xxh64 \n", line);
	ASSERT_EQ(0, azt_attr_write(self->id, "checksum", variant->kind));
	ASSERT_EQ(0, azt_attr_read(self->id, "checksum", line, sizeof(line)));
	snprintf(want, sizeof(want), "[%s]", variant->kind);
	ASSERT_NE(NULL, strstr(line, want));
	ASSERT_EQ(0ULL, csum_errors(self->id));
}

TEST_F(csum, bad_values_are_einval)
{
	static const char *const bad[] = {
		"crc32", "xxh", "xxh64x", "\n", "crc32c xxh64", "CRC32C",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, azt_attr_write(self->id, "checksum",
						  bad[i])) {
			TH_LOG("bad value %u", i);
		}
	}
}

/* After disksize the kind is fixed, as comp_algorithm; reset frees it. */
TEST_F(csum, refused_after_disksize_and_reset_to_none)
{
	char line[128];

	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	EXPECT_EQ(-EBUSY, azt_attr_write(self->id, "checksum", "none"));
	EXPECT_EQ(-EBUSY, azt_attr_write(self->id, "checksum", variant->kind));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, azt_attr_write(self->id, "reset", "1"));
	ASSERT_EQ(0, azt_attr_read(self->id, "checksum", line, sizeof(line)));
	ASSERT_STREQ("[none] crc32c xxh64 \n", line);
}

/* Every kind of page, written twice over, reads back as written. */
TEST_F(csum, pages_of_every_kind_read_back)
{
	unsigned int i, gen;

	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	for (gen = 0; gen < 2; gen++) {
		for (i = 0; i < NR_PAGES; i++)
			ASSERT_EQ(0, pg_write(self, i, gen));
		for (i = 0; i < NR_PAGES; i++)
			ASSERT_EQ(0, pg_read(self, i, gen)) TH_LOG("page %u", i);
	}
	/* A part of a page: a read-modify-write, checked on its read. */
	memset(self->buf, 0x11, 512);
	ASSERT_EQ(512, pwrite(self->fd, self->buf, 512, 5 * PG + 1024));
	ASSERT_EQ(PG, pread(self->fd, self->buf, PG, 5 * PG));
	pg_fill(self->want, 5, 1);
	memset(self->want + 1024, 0x11, 512);
	ASSERT_EQ(0, memcmp(self->buf, self->want, PG));
	ASSERT_EQ(0ULL, csum_errors(self->id));
}

/*
 * A corrupt slot of each kind reads as EIO, every read counted; the
 * other slots read as written; writing the slot again heals it.
 */
TEST_F(csum, corrupt_slot_reads_eio_and_is_counted)
{
	__u64 io[4], failed0;
	unsigned int i, k;

	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(0, pg_write(self, i, 0));
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	failed0 = io[0];
	for (k = 0; k < NR_KINDS; k++) {
		unsigned int idx = 9 + k;	/* 9 % 3 == 0: K_COMP first */

		ASSERT_EQ(0, corrupt_slot(self->id, idx));
		ASSERT_EQ(-EIO, pg_read(self, idx, 0)) TH_LOG("slot %u", idx);
		ASSERT_EQ(2ULL * k + 1, csum_errors(self->id));
		ASSERT_EQ(-EIO, pg_read(self, idx, 0));
		ASSERT_EQ(2ULL * k + 2, csum_errors(self->id));
	}
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	ASSERT_LE(failed0 + 2 * NR_KINDS, io[0]);
	for (i = 0; i < NR_PAGES; i++)
		if (i < 9 || i >= 9 + NR_KINDS)
			ASSERT_EQ(0, pg_read(self, i, 0)) TH_LOG("page %u", i);
	/* A write of part of a corrupt page fails: its read comes first. */
	memset(self->buf, 0x22, 512);
	ASSERT_EQ(-1, pwrite(self->fd, self->buf, 512, 9 * PG));
	ASSERT_EQ(EIO, errno);
	for (k = 0; k < NR_KINDS; k++) {
		ASSERT_EQ(0, pg_write(self, 9 + k, 1));
		ASSERT_EQ(0, pg_read(self, 9 + k, 1));
	}
	ASSERT_EQ(2ULL * NR_KINDS + 1, csum_errors(self->id));
}

/* Without a checksum the knob's corruption goes unseen: one byte off. */
TEST_F(csum, without_checksum_corruption_is_silent)
{
	unsigned int j, diff = 0;

	ASSERT_EQ(0, csum_init_dev(self, "none"));
	ASSERT_EQ(0, pg_write(self, 3, 0));
	ASSERT_EQ(0, corrupt_slot(self->id, 3));
	ASSERT_EQ(1, pg_read(self, 3, 0));
	for (j = 0; j < PG; j++)
		diff += self->buf[j] != self->want[j];
	ASSERT_EQ(1U, diff);
	ASSERT_EQ((char)~self->want[PG / 2], self->buf[PG / 2]);
	ASSERT_EQ(0ULL, csum_errors(self->id));
}

TEST_F(csum, corrupt_knob_errors)
{
	char v[32];

	EXPECT_EQ(-EINVAL, corrupt_slot(self->id, 0));	/* no disksize */
	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	EXPECT_EQ(-ENOENT, corrupt_slot(self->id, 0));	/* never written */
	EXPECT_EQ(-EINVAL, corrupt_slot(self->id, NR_PAGES));
	snprintf(v, sizeof(v), "%u", ~0U);
	EXPECT_EQ(-EINVAL, corrupt(self->id, v));
	EXPECT_EQ(-EINVAL, corrupt(self->id, "slot"));
	EXPECT_EQ(-ERANGE, corrupt(self->id, "99999999999"));
}

/*
 * "aetherctl --json zram show" of device @id into @out: 0, or -1 when
 * aetherctl is not there or failed.
 */
static int ctl_show(int id, char *out, size_t len)
{
	char cmd[96];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "aetherctl --json zram show %d 2>/dev/null",
		 id);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return pclose(f) == 0 && n ? 0 : -1;
}

/* The number after "@key": in @json, or -1. */
/* aetherctl zram show: the kind in use and the errors counted. */
TEST_F(csum, aetherctl_shows_kind_and_errors)
{
	char out[8192], kind[48];

	if (system("command -v aetherctl >/dev/null 2>&1"))
		SKIP(return, "no aetherctl");
	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	ASSERT_EQ(0, pg_write(self, 1, 0));
	ASSERT_EQ(0, corrupt_slot(self->id, 1));
	ASSERT_EQ(-EIO, pg_read(self, 1, 0));
	ASSERT_EQ(0, ctl_show(self->id, out, sizeof(out)));
	snprintf(kind, sizeof(kind), "\"%s\"", variant->kind);
	ASSERT_NE(NULL, strstr(out, "\"checksum\"")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, kind)) TH_LOG("%s", out);
	ASSERT_EQ(1, azt_json_number(out, "checksum_errors")) TH_LOG("%s", out);
}

#define TP_LEN		(8 << 20)
#define TP_CHUNK	(1 << 20)

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * 8 MiB written and read back in 1 MiB O_DIRECT I/Os on a new device of
 * checksum @kind; the seconds of each pass in @wr and @rd.  0, or -errno
 * (1 when a byte came back wrong).
 */
static int tp_run(const char *kind, char *buf, char *want, double *wr,
		  double *rd)
{
	int id, fd, err = 0;
	double t;
	off_t off;

	id = azt_hot_add();
	if (id < 0)
		return id;
	err = azt_attr_write(id, "checksum", kind);
	if (!err)
		err = azt_attr_write(id, "disksize", "8M");
	fd = err ? -1 : azt_dev_open(id, O_RDWR | O_DIRECT);
	if (fd < 0) {
		err = err ? err : fd;
		goto out;
	}
	t = now_sec();
	for (off = 0; off < TP_LEN && !err; off += TP_CHUNK)
		if (pwrite(fd, want + off, TP_CHUNK, off) != TP_CHUNK)
			err = -errno;
	*wr = now_sec() - t;
	t = now_sec();
	for (off = 0; off < TP_LEN && !err; off += TP_CHUNK)
		if (pread(fd, buf + off, TP_CHUNK, off) != TP_CHUNK)
			err = -errno;
	*rd = now_sec() - t;
	if (!err && memcmp(buf, want, TP_LEN))
		err = 1;
	close(fd);
out:
	azt_hot_remove(id);
	return err;
}

/*
 * The cost of checking, as a figure (logged, not asserted: the box is
 * an emulator shared with other runs): the same 8 MiB of compressible
 * data through a device without a checksum and one with the variant's.
 */
TEST_F_TIMEOUT(csum, throughput_with_and_without_logged, 300)
{
	double wr0 = 0, rd0 = 0, wr1 = 0, rd1 = 0;
	char *buf, *want;

	buf = azt_alloc_aligned(TP_LEN);
	want = azt_alloc_aligned(TP_LEN);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	azt_fill(want, TP_LEN, 0, 3);
	ASSERT_EQ(0, tp_run("none", buf, want, &wr0, &rd0));
	ASSERT_EQ(0, tp_run(variant->kind, buf, want, &wr1, &rd1));
	TH_LOG("8 MiB, 1 MiB O_DIRECT: none write %.0f MiB/s read %.0f MiB/s; %s write %.0f MiB/s read %.0f MiB/s",
	       8 / wr0, 8 / rd0, variant->kind, 8 / wr1, 8 / rd1);
	free(buf);
	free(want);
}

static bool have_backing(void)
{
	struct stat sb;

	if (stat(BACKING, &sb) && system(BRD_LOAD) != 0)
		return false;
	return !stat(BACKING, &sb) && S_ISBLK(sb.st_mode);
}

/*
 * Writeback checks the page it loads: a corrupt one is not written out
 * (EIO, bd_stat's writes unchanged); a sound one goes out and is checked
 * again when it is read back from the backing device.
 */
TEST_F(csum, writeback_checks_out_and_back)
{
	__u64 bd[3];

	if (!have_backing())
		SKIP(return, "no %s (brd)", BACKING);
	ASSERT_EQ(0, azt_attr_write(self->id, "backing_dev", BACKING));
	ASSERT_EQ(0, csum_init_dev(self, variant->kind));
	ASSERT_EQ(0, pg_write(self, 0, 0));	/* K_COMP */
	ASSERT_EQ(0, pg_write(self, 3, 0));	/* K_COMP */
	ASSERT_EQ(0, corrupt_slot(self->id, 3));
	ASSERT_EQ(-EIO, azt_attr_write(self->id, "writeback", "page_index=3"));
	ASSERT_EQ(1ULL, csum_errors(self->id));
	ASSERT_EQ(3, azt_stat_cols(self->id, "bd_stat", bd, 3));
	ASSERT_EQ(0ULL, bd[0]);
	ASSERT_EQ(0ULL, bd[2]);
	ASSERT_EQ(-EIO, pg_read(self, 3, 0));

	ASSERT_EQ(0, azt_attr_write(self->id, "writeback", "page_index=0"));
	ASSERT_EQ(3, azt_stat_cols(self->id, "bd_stat", bd, 3));
	ASSERT_EQ(1ULL, bd[0]);
	/* On the backing device now: not the store's to corrupt. */
	ASSERT_EQ(-EOPNOTSUPP, corrupt_slot(self->id, 0));
	ASSERT_EQ(0, pg_read(self, 0, 0));
	ASSERT_EQ(3, azt_stat_cols(self->id, "bd_stat", bd, 3));
	ASSERT_LE(1ULL, bd[1]);
	ASSERT_EQ(2ULL, csum_errors(self->id));
}

/* ---- the region store ---------------------------------------------------- */

FIXTURE(csum_store) {
	int mm;
	struct aet_params params;
	struct aet_params zparams;
};

FIXTURE_VARIANT(csum_store) {
	const char *kind;
};

FIXTURE_VARIANT_ADD(csum_store, crc32c) {
	.kind = "crc32c",
};

FIXTURE_VARIANT_ADD(csum_store, xxh64) {
	.kind = "xxh64",
};

static long store_counter(const char *key)
{
	return debugfs_counter(STORE_STATS, key);
}

/*
 * store_checksum changes only while the table is unregistered: take it
 * down, set the variant's kind, register again.
 */
FIXTURE_SETUP(csum_store)
{
	int ret;

	AEMT_SETUP_OPEN(self->mm);
	ASSERT_EQ(0, aet_params_save("aether_mm", &self->params));
	if (access(STORE_STATS, R_OK) || access(STORE_CSUM, W_OK))
		AEMT_SETUP_SKIP("no %s or %s", STORE_STATS, STORE_CSUM);
	ASSERT_EQ(0, aet_params_save("aether_zram", &self->zparams));
	ASSERT_EQ(0, aet_write_file(REGION_STORE, "0"));
	ASSERT_EQ(0, aet_write_file(STORE_CSUM, variant->kind));
	ret = aet_write_file(REGION_STORE, "1");
	if (ret == -EBUSY)
		AEMT_SETUP_SKIP("another store table is registered");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, store_counter("registered"));
}

FIXTURE_TEARDOWN(csum_store)
{
	aet_write_file(STORE_CORRUPT, "0");
	aet_write_file(REGION_STORE, "0");
	aet_write_file(STORE_CSUM, "none");
	AEMT_PARAMS_RESTORE(&self->params);
	AEMT_PARAMS_RESTORE(&self->zparams);
	if (self->mm >= 0)
		close(self->mm);
}

TEST_F(csum_store, parameter_refused_while_registered)
{
	char line[64];

	ASSERT_EQ(0, aet_read_file(STORE_CSUM, line, sizeof(line)));
	ASSERT_EQ(0, strncmp(line, variant->kind, strlen(variant->kind)));
	EXPECT_EQ(-EBUSY, aet_write_file(STORE_CSUM, "none"));
	EXPECT_EQ(-EINVAL, aet_write_file(STORE_CSUM, "md5"));
	ASSERT_EQ(0, aet_write_file(REGION_STORE, "0"));
	EXPECT_EQ(-EINVAL, aet_write_file(STORE_CSUM, "md5"));
	EXPECT_EQ(0, aet_write_file(STORE_CSUM, "none"));
	EXPECT_EQ(0, aet_write_file(STORE_CSUM, variant->kind));
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* The exit code of aemt_run_child()'s child, -1 if it did not exit. */
static int child_code(int status)
{
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct touch_arg {
	const unsigned char *p, *want;
	size_t pages;
};

/*
 * In a child: read every page; exit code = pages that raised SIGBUS,
 * plus 100 if a page that did not came back wrong.
 */
static int touch_child(void *arg)
{
	const struct touch_arg *t = arg;
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile size_t i, bus = 0, wrong = 0;

	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < t->pages; i++) {
		if (sigsetjmp(bus_jmp, 1)) {
			bus++;
			continue;
		}
		if (memcmp(t->p + i * PG, t->want + i * PG, PG))
			wrong = 100;
	}
	return bus + wrong;
}

/*
 * One region page stored corrupt: its fault raises SIGBUS (twice: it
 * stays stored and stays corrupt), counted; every other page comes back.
 */
TEST_F_TIMEOUT(csum_store, corrupt_region_page_faults_sigbus, 180)
{
	const size_t pages = 64, len = pages * PG;
	struct aether_mm_region_create c;
	struct touch_arg t;
	long errs0, errs1, corrupted0, stored0;
	unsigned char *p, *want;
	char buf[32];

	ASSERT_EQ(PG, (int)page_size());
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE, len);
	ASSERT_EQ(0, aemt_region_create(self->mm, &c));
	p = aemt_region_map(c.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	want = malloc(len);
	ASSERT_NE(NULL, want);
	azt_fill(want, len, 0, 7);
	memcpy(p, want, len);

	errs0 = store_counter("checksum_errors");
	corrupted0 = store_counter("corrupted");
	stored0 = store_counter("pages_stored");
	ASSERT_EQ(0, aet_write_file(STORE_CORRUPT, "1"));
	ASSERT_EQ(1, store_counter("corrupt_armed"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ((long)pages, store_counter("pages_stored") - stored0);
	ASSERT_EQ(0ULL, resident(c.fd));
	ASSERT_EQ(corrupted0 + 1, store_counter("corrupted"));
	ASSERT_EQ(0, store_counter("corrupt_armed"));

	t.p = p;
	t.want = want;
	t.pages = pages;
	ASSERT_EQ(1, child_code(aemt_run_child(touch_child, &t)));
	errs1 = store_counter("checksum_errors");
	ASSERT_LE(errs0 + 1, errs1);
	ASSERT_EQ(pages - 1, resident(c.fd));
	ASSERT_EQ(1, child_code(aemt_run_child(touch_child, &t)));
	ASSERT_LT(errs1, store_counter("checksum_errors"));
	free(want);
	munmap(p, len);
	close(c.fd);
}

/*
 * aether_mm's integrity check through the store's checksum (issue 16):
 * REGION_VERIFY over a region whose pages are all stored, one of them
 * stored corrupt.  The store says its copy fails its checksum
 * (aem_store_ops.verify; asked twice), and the check counts it as a
 * mismatch and poisons it, as a stored page whose only copy is bad;
 * before, the failing load was no answer and the page was not counted.
 * The other pages check clean; the poisoned one faults SIGBUS.
 */
TEST_F_TIMEOUT(csum_store, verify_reports_a_copy_failing_the_store_checksum, 180)
{
	const size_t pages = 64, len = pages * PG;
	struct aether_mm_region_create c;
	struct aether_mm_region_verify v;
	struct touch_arg t;
	long vfail0, stored0;
	unsigned char *p, *want;
	char buf[32];

	ASSERT_EQ(PG, (int)page_size());
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE, len);
	ASSERT_EQ(0, aemt_region_create(self->mm, &c));
	p = aemt_region_map(c.fd, len, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	want = malloc(len);
	ASSERT_NE(NULL, want);
	azt_fill(want, len, 0, 11);
	memcpy(p, want, len);

	vfail0 = store_counter("verify_failed");
	stored0 = store_counter("pages_stored");
	ASSERT_EQ(0, aet_write_file(STORE_CORRUPT, "1"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ((long)pages, store_counter("pages_stored") - stored0);
	ASSERT_EQ(0ULL, resident(c.fd));
	ASSERT_EQ(0, store_counter("corrupt_armed"));

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.length = len;
	ASSERT_EQ(0, ioctl(c.fd, AETHER_MM_IOC_REGION_VERIFY, &v));
	TH_LOG("VERIFY: checked %llu mismatches %llu repaired %llu poisoned %llu",
	       (unsigned long long)v.checked,
	       (unsigned long long)v.mismatches,
	       (unsigned long long)v.repaired,
	       (unsigned long long)v.poisoned);
	EXPECT_LE(1ULL, v.checked);
	EXPECT_EQ(1ULL, v.mismatches);
	EXPECT_EQ(0ULL, v.repaired);
	EXPECT_EQ(1ULL, v.poisoned);
	/* Asked twice before it was poisoned. */
	EXPECT_LE(vfail0 + 2, store_counter("verify_failed"));
	EXPECT_LT(0, store_counter("verified"));

	/* A second VERIFY finds it poisoned, nothing new. */
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.length = len;
	ASSERT_EQ(0, ioctl(c.fd, AETHER_MM_IOC_REGION_VERIFY, &v));
	EXPECT_EQ(0ULL, v.mismatches);
	EXPECT_EQ(1ULL, v.poisoned);

	t.p = p;
	t.want = want;
	t.pages = pages;
	ASSERT_EQ(1, child_code(aemt_run_child(touch_child, &t)));
	free(want);
	munmap(p, len);
	close(c.fd);
}

TEST_HARNESS_MAIN
