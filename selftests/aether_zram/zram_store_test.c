// SPDX-License-Identifier: GPL-2.0
/*
 * zram_store_test.c - aether_zram's region store backend, and BENCH
 *
 * Fixture "store": cold pages of COMPRESSIBLE regions of aether_mm, pushed
 * out by pool pressure (or by aether_mm's debugfs reclaim), are
 * compressed into aether_zram's store and their frames go back to the
 * pool; faults from two processes bring every byte back; same-filled
 * pages take no object, incompressible ones are kept raw; unloading the
 * module brings every stored page back.  The figures are read from
 * debugfs aether/zram/store/stats.
 *
 * Fixture "bench": AETHER_ZRAM_IOC_BENCH checks its fields, and measures
 * a page through the store against the bare library call on a corpus of
 * the box's own files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"
#include "../aether_mm/mm_region_util.h"

#define STORE_DEBUGFS	AZT_DEBUGFS "/store"
#define STORE_STATS	STORE_DEBUGFS "/stats"
#define STORE_CLASSES	STORE_DEBUGFS "/classes"
#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"
#define ZRAM_MODULE	"aether_zram"
#define REGION_STORE	"/sys/module/" ZRAM_MODULE "/parameters/region_store"

static long store_counter(const char *key)
{
	return debugfs_counter(STORE_STATS, key);
}

static const char *const words[] = {
	"the", "page", "of", "a", "region", "is", "compressed", "when",
	"cold", "and", "comes", "back", "on", "fault", "static", "int",
	"struct", "return", "unsigned", "long", "if", "for", "while", "lock",
	"mutex_lock(&pool->lock);", "kfree(obj);", "0x1000", "-ENOMEM",
};

/* Text of random words: compressible, never same-filled, never zero. */
static void fill_text(unsigned char *buf, size_t len, __u64 seed)
{
	size_t pos = 0, n;
	__u64 r;

	seed |= 1;
	while (pos < len) {
		r = rnd(&seed);
		n = strlen(words[r % AEMT_ARRAY_SIZE(words)]);
		if (n > len - pos)
			n = len - pos;
		memcpy(buf + pos, words[r % AEMT_ARRAY_SIZE(words)], n);
		pos += n;
		if (pos < len)
			buf[pos++] = (r >> 32) % 9 ? ' ' : '\n';
	}
}

/* Each page one 8-byte word repeated, a different non-zero one each. */
static void fill_same(unsigned char *buf, size_t pages, size_t page)
{
	size_t i, j;

	for (i = 0; i < pages; i++)
		for (j = 0; j < page; j += 8) {
			__u64 v = 0x0101010101010101ULL * (i % 255 + 1) + i;

			memcpy(buf + i * page + j, &v, 8);
		}
}

enum fill_kind { FILL_TEXT, FILL_SAME, FILL_RANDOM };

/*
 * A COMPRESSIBLE SHARED region of @pages, mapped, written with @kind of
 * data; *@want gets a copy.  NULL on error.
 */
static unsigned char *filled_region(int fd, size_t pages, enum fill_kind kind,
				    struct aether_mm_region_create *c,
				    unsigned char **want)
{
	size_t page = page_size(), len = pages * page, i;
	__u64 seed = 0x2a11 + getpid();
	unsigned char *p;

	aemt_region_args(c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE, len);
	if (aemt_region_create(fd, c))
		return NULL;
	p = aemt_region_map(c->fd, len, PROT_RW);
	*want = malloc(len);
	if (p == MAP_FAILED || !*want)
		return NULL;
	if (kind == FILL_SAME)
		fill_same(*want, pages, page);
	else if (kind == FILL_RANDOM)
		fill_random(*want, len, &seed);
	else
		for (i = 0; i < pages; i++)
			fill_text(*want + i * page, page, seed + i);
	memcpy(p, *want, len);
	return p;
}

/*
 * The region store is registered for the test (region_store=1) and put
 * back as it was after it: the box loads aether_zram with region_store=0
 * so that aether_mm's loopback store can be tested too.
 */
FIXTURE(store) {
	int mm;
	struct aet_params params;
	struct aet_params zparams;
	size_t page;
};

FIXTURE_SETUP(store)
{
	int ret;

	AEMT_SETUP_OPEN(self->mm);
	ASSERT_EQ(0, aet_params_save("aether_mm", &self->params));
	self->page = page_size();
	if (access(STORE_STATS, R_OK) || access(REGION_STORE, W_OK))
		AEMT_SETUP_SKIP("no %s: aether_zram not loaded", STORE_STATS);
	ASSERT_EQ(0, aet_params_save(ZRAM_MODULE, &self->zparams));
	ret = aet_write_file(REGION_STORE, "1");
	if (ret == -EBUSY)
		AEMT_SETUP_SKIP("another store table is registered");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, store_counter("registered"));
}

FIXTURE_TEARDOWN(store)
{
	AEMT_PARAMS_RESTORE(&self->params);
	AEMT_PARAMS_RESTORE(&self->zparams);
	if (self->mm >= 0)
		close(self->mm);
}

/* Fault every page of @p in a child: 0 when all match @want. */
struct verify_arg {
	const unsigned char *p, *want;
	size_t len;
};

static int verify_child(void *arg)
{
	const struct verify_arg *v = arg;

	return memcmp(v->p, v->want, v->len) ? 1 : 0;
}

/*
 * Two processes fault the stored pages back at once, a half each, and
 * then each reads all of them: every byte as written.
 */
static void verify_two_processes(struct __test_metadata *_metadata,
				 const unsigned char *p,
				 const unsigned char *want, size_t len)
{
	struct verify_arg first = { p, want, len / 2 }, all = { p, want, len };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(verify_child(&first));
	EXPECT_EQ(0, memcmp(p + len / 2, want + len / 2, len - len / 2));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(exited_ok(status));
	ASSERT_EQ(0, aemt_run_child(verify_child, &all));
	ASSERT_EQ(0, memcmp(p, want, len));
}

/*
 * Pool pressure stores cold pages of text: the pool's usage falls by the
 * pages stored less the pages the store took for them (or more, when
 * other reclaim clients give pages back too) (fewer by a quarter
 * at least: text compresses), and faults from two processes bring every byte back and
 * empty the store again.
 */
TEST_F_TIMEOUT(store, pool_pressure_stores_text_and_frees_frames, 300)
{
	const size_t pages = 512, len = pages * self->page;
	struct aether_mm_region_create c;
	struct aemt_blocks b = { 0 };
	unsigned char *p, *want;
	long stored0, spool0, loads0, same0, stored, spool;
	__u64 used0, used1, res;
	int filler, i;

	p = filled_region(self->mm, pages, FILL_TEXT, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, scan_times(c.id, 3));
	stored0 = store_counter("pages_stored");
	spool0 = store_counter("pool_pages");
	loads0 = store_counter("loads");
	same0 = store_counter("same_pages");
	ASSERT_EQ(0, aemt_used_pages(self->mm, &used0));

	/* Take every page the pool has without growing it: reclaim runs. */
	filler = aemt_open();
	ASSERT_LE(0, filler);
	ASSERT_EQ(0, aemt_fill_until_enomem(filler, AETHER_MM_ALLOC_NOGROW, 0,
					    -1, AETHER_MM_ZONE_NORMAL, &b,
					    SIZE_MAX));
	close(filler);
	aemt_blocks_release(&b);

	/*
	 * Reclaim that started under the filler may still be storing a few
	 * pages (on another CPU): read the two counts until they hold still,
	 * so they describe the same moment.
	 */
	for (i = 0; i < 100; i++) {
		long s1 = store_counter("pages_stored");

		res = resident(c.fd);
		stored = store_counter("pages_stored");
		if (s1 == stored)
			break;
		usleep(100 * 1000);
	}
	stored -= stored0;
	spool = store_counter("pool_pages") - spool0;
	ASSERT_EQ(0, aemt_used_pages(self->mm, &used1));
	TH_LOG("stored %ld of %zu pages into %ld store pages (%ld failed); pool usage %llu -> %llu",
	       stored, pages, spool, store_counter("store_failed"),
	       (unsigned long long)used0, (unsigned long long)used1);
	ASSERT_GT(pages, res);
	ASSERT_EQ((long)(pages - res), stored);
	ASSERT_EQ(same0, store_counter("same_pages"));
	ASSERT_LT(0, spool);
	/*
	 * Text compresses: a quarter fewer store pages at least, once enough
	 * pages went for the zspages of the classes they use to fill (each
	 * of a handful of pages may open a zspage of its own: 4 pages once
	 * took 5).  How many pool pressure stores varies from run to run.
	 */
	if (stored >= 64)
		ASSERT_GT(stored * 3 / 4, spool);
	/* Other reclaim clients (aether_slub's empty slabs) may add some. */
	ASSERT_LE(stored - spool, (long long)used0 - (long long)used1);

	verify_two_processes(_metadata, p, want, len);
	ASSERT_EQ(pages, resident(c.fd));
	ASSERT_EQ(stored0, store_counter("pages_stored"));
	ASSERT_LE(loads0 + stored, store_counter("loads"));
	free(want);
	munmap(p, len);
	close(c.fd);
}

/* Store every cold page of region @c (idle first): how many went. */
static long store_all(struct __test_metadata *_metadata,
		      struct aether_mm_region_create *c, size_t pages)
{
	long stored0 = store_counter("pages_stored");
	char buf[32];

	EXPECT_EQ(0, scan_times(c->id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	EXPECT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	return store_counter("pages_stored") - stored0;
}

/* Same-filled pages are kept as their word: no object, no pool page. */
TEST_F_TIMEOUT(store, same_filled_pages_take_no_object, 180)
{
	const size_t pages = 64, len = pages * self->page;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long same0, compr0;

	p = filled_region(self->mm, pages, FILL_SAME, &c, &want);
	ASSERT_NE(NULL, p);
	same0 = store_counter("same_pages");
	compr0 = store_counter("compr_data_size");
	ASSERT_EQ((long)pages, store_all(_metadata, &c, pages));
	ASSERT_EQ(0, resident(c.fd));
	ASSERT_EQ(same0 + (long)pages, store_counter("same_pages"));
	ASSERT_EQ(compr0, store_counter("compr_data_size"));
	verify_two_processes(_metadata, p, want, len);
	ASSERT_EQ(same0, store_counter("same_pages"));
	free(want);
	munmap(p, len);
	close(c.fd);
}

/*
 * Random pages do not compress: storing one would take a pool page to
 * free one, so the store refuses them (counted as incompressible) and
 * they stay in their frames, unchanged.
 */
TEST_F_TIMEOUT(store, random_pages_refused_stay_resident, 180)
{
	const size_t pages = 32, len = pages * self->page;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long huge0, incomp0, compr0;

	p = filled_region(self->mm, pages, FILL_RANDOM, &c, &want);
	ASSERT_NE(NULL, p);
	huge0 = store_counter("huge_pages");
	incomp0 = store_counter("incompressible");
	compr0 = store_counter("compr_data_size");
	ASSERT_EQ(0, store_all(_metadata, &c, pages));
	ASSERT_LE(incomp0 + (long)pages, store_counter("incompressible"));
	ASSERT_EQ(huge0, store_counter("huge_pages"));
	ASSERT_EQ(compr0, store_counter("compr_data_size"));
	ASSERT_EQ(pages, resident(c.fd));
	verify_two_processes(_metadata, p, want, len);
	free(want);
	munmap(p, len);
	close(c.fd);
}

/* debugfs: the stats add up, classes lists the pool's size classes. */
TEST_F(store, debugfs_stats_and_classes_readable)
{
	char buf[4096];
	int ctl;

	ASSERT_LE(0, aet_read_file(STORE_STATS, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "algorithm "));
	ASSERT_LE(0, store_counter("pool_pages"));
	ASSERT_LE(0, aet_read_file(STORE_CLASSES, buf, sizeof(buf)));
	ASSERT_LT(0, strlen(buf));
	/* INFO reports the same store. */
	ctl = azt_open();
	if (ctl >= 0) {
		struct aether_zram_info info;

		ASSERT_EQ(0, azt_info(ctl, &info));
		ASSERT_EQ(store_counter("pages_stored"), (long)info.store_stored);
		ASSERT_EQ(store_counter("pool_pages"), (long)info.store_pages);
		close(ctl);
	}
}

#define LOOPBACK_DEBUGFS AEMT_DEBUGFS "/store_loopback"

/*
 * One store table at a time: while aether_zram's is registered the
 * loopback cannot be, and the other way round; region_store takes 0 and
 * 1 (and booleans) only.
 */
TEST_F(store, region_store_and_loopback_take_turns)
{
	if (access(LOOPBACK_DEBUGFS, W_OK))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	ASSERT_EQ(-EINVAL, aet_write_file(REGION_STORE, "maybe"));
	ASSERT_EQ(-EBUSY, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(0, aet_write_file(REGION_STORE, "0"));
	ASSERT_EQ(0, store_counter("registered"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "1"));
	ASSERT_EQ(-EBUSY, aet_write_file(REGION_STORE, "1"));
	ASSERT_EQ(0, store_counter("registered"));
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, aet_write_file(REGION_STORE, "1"));
	ASSERT_EQ(1, store_counter("registered"));
}

/*
 * Writing region_store=0 unregisters the store: every stored page comes
 * back into a frame of its region before the write returns, and the
 * store is empty.
 */
TEST_F_TIMEOUT(store, unregistering_brings_stored_pages_back, 180)
{
	const size_t pages = 64, len = pages * self->page;
	struct aether_mm_region_create c;
	unsigned char *p, *want;

	p = filled_region(self->mm, pages, FILL_TEXT, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ((long)pages, store_all(_metadata, &c, pages));
	ASSERT_EQ(0, resident(c.fd));
	ASSERT_EQ(0, aet_write_file(REGION_STORE, "0"));
	ASSERT_EQ(pages, resident(c.fd));
	ASSERT_EQ(0, store_counter("pages_stored"));
	ASSERT_EQ(0, store_counter("pool_objects"));
	verify_two_processes(_metadata, p, want, len);
	free(want);
	munmap(p, len);
	close(c.fd);
}

/* ---- unload --------------------------------------------------------------- */

/*
 * aether_zram's parameters as they read now, as insmod takes them (all
 * of them, read-only ones too; not selftest: the self-tests ran at the
 * first load).  0 or -errno.
 */
static int params_line(char *buf, size_t len)
{
	const char *dir = "/sys/module/" ZRAM_MODULE "/parameters";
	char path[512], val[AET_PARAM_VALUE];
	size_t pos = 0;
	struct dirent *d;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return -errno;
	buf[0] = 0;
	while ((d = readdir(dp)) && pos < len) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "selftest"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (aet_read_file(path, val, sizeof(val)) < 0)
			continue;
		val[strcspn(val, "\n")] = 0;
		/* A value of several words (store_adaptive_policy) quoted. */
		pos += snprintf(buf + pos, len - pos,
				strchr(val, ' ') ? "%s=\"%s\" " : "%s=%s ",
				d->d_name, val);
	}
	closedir(dp);
	return 0;
}

/* Give @dev the group and permission bits of @like; 0 or -errno. */
static int share_like(const char *like, const char *dev)
{
	struct stat st;

	if (stat(like, &st))
		return -errno;
	if (chown(dev, -1, st.st_gid) || chmod(dev, st.st_mode & 07777))
		return -errno;
	return 0;
}

/*
 * Unloading aether_zram with region pages in its store first has
 * aether_mm bring every page back into a frame of its region; loading it
 * again registers the store again.
 */
TEST_F_TIMEOUT(store, unload_brings_stored_pages_back, 300)
{
	const size_t pages = 128, len = pages * self->page;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	char path[256], line[1024];
	int ret;

	if (aemt_module_file(ZRAM_MODULE, path, sizeof(path)))
		SKIP(return, "no aether_zram in modules.dep to load again");
	ASSERT_EQ(0, params_line(line, sizeof(line)));
	p = filled_region(self->mm, pages, FILL_TEXT, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ((long)pages, store_all(_metadata, &c, pages));
	ASSERT_EQ(0, resident(c.fd));

	ret = syscall(SYS_delete_module, ZRAM_MODULE, O_NONBLOCK);
	if (ret) {
		ret = errno;
		ASSERT_EQ(0, memcmp(p, want, len));
		SKIP(return, "aether_zram cannot be unloaded now: %s",
		     strerror(ret));
	}
	/* No fault yet: unregistering brought them back. */
	ASSERT_EQ(pages, resident(c.fd));
	ASSERT_EQ(0, memcmp(p, want, len));
	ASSERT_NE(0, access(STORE_STATS, F_OK));

	ret = aemt_module_load(path, line);
	ASSERT_EQ(0, ret)
		TH_LOG("finit_module %s %s: %s", path, line, strerror(-ret));
	/*
	 * The new control device is root's, 0600: give it the group and
	 * mode /dev/aether_mm has, as the box (the udev rule) did at boot,
	 * so that the tests after this one open it as before.
	 */
	ASSERT_EQ(0, share_like("/dev/aether_mm", "/dev/aether_zram-control"));
	ASSERT_EQ(1, store_counter("registered"));
	free(want);
	munmap(p, len);
	close(c.fd);
}

/* ---- BENCH ----------------------------------------------------------------- */

FIXTURE(bench) {
	int ctl;
};

FIXTURE_SETUP(bench)
{
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("%s absent: aether_zram not loaded", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(bench)
{
	if (self->ctl >= 0)
		close(self->ctl);
}

static void bench_args(struct aether_zram_bench *b, void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->algo = AETHER_ZRAM_ALGO_LZ4;
	b->rounds = 1;
	b->data = (__u64)(unsigned long)data;
	b->len = len;
}

TEST_F(bench, refuses_bad_fields)
{
	size_t page = page_size();
	struct aether_zram_bench b;
	unsigned char *buf;

	buf = malloc(4 * page);
	ASSERT_NE(NULL, buf);
	fill_text(buf, 4 * page, 7);
#define BENCH_FAILS(err, field, value)					\
	do {								\
		bench_args(&b, buf, 4 * page);				\
		b.field = value;					\
		EXPECT_EQ(err, azt_ioctl(self->ctl, AETHER_ZRAM_IOC_BENCH, &b)) \
			TH_LOG(#field " = " #value);			\
	} while (0)
	BENCH_FAILS(-EINVAL, reserved[0], 1);
	BENCH_FAILS(-EINVAL, reserved[1], 1);
	BENCH_FAILS(-EINVAL, algo, AETHER_ZRAM_NR_ALGOS);
	BENCH_FAILS(-EINVAL, level, -1);
	BENCH_FAILS(-EINVAL, level, 65538);
	bench_args(&b, buf, 4 * page);
	b.algo = AETHER_ZRAM_ALGO_ZSTD;
	b.level = 23;
	EXPECT_EQ(-EINVAL, azt_ioctl(self->ctl, AETHER_ZRAM_IOC_BENCH, &b));
	b.algo = AETHER_ZRAM_ALGO_LZ4HC;
	b.level = 13;
	EXPECT_EQ(-EINVAL, azt_ioctl(self->ctl, AETHER_ZRAM_IOC_BENCH, &b));
	BENCH_FAILS(-EINVAL, rounds, 0);
	BENCH_FAILS(-EINVAL, rounds, 1001);
	BENCH_FAILS(-EINVAL, len, 0);
	BENCH_FAILS(-EINVAL, len, page + 1);
	BENCH_FAILS(-EINVAL, len, (64ULL << 20) + page);
	BENCH_FAILS(-EINVAL, data, 0);
	BENCH_FAILS(-EFAULT, data, 0x1000);
	BENCH_FAILS(-EFAULT, data, 0xffff888000000000ULL);
	/* The corpus is longer than what is mapped. */
	BENCH_FAILS(-EFAULT, len, 1ULL << 26);
	bench_args(&b, buf, 4 * page);
	b.size = sizeof(b) - 8;
	EXPECT_EQ(-EINVAL, azt_ioctl(self->ctl, AETHER_ZRAM_IOC_BENCH, &b));
#undef BENCH_FAILS
	free(buf);
}

/* Up to @max bytes of the box's own files, whole pages; its length. */
static size_t read_corpus(unsigned char *buf, size_t max)
{
	static const char *const dirs[] = { "/lib/modules", "/bin", "/selftests" };
	size_t got = 0, page = page_size();
	char cmd[512];
	FILE *f;
	ssize_t n;
	int fd;

	snprintf(cmd, sizeof(cmd), "find %s %s %s -type f -size +8k 2>/dev/null",
		 dirs[0], dirs[1], dirs[2]);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (got < max && fgets(cmd, sizeof(cmd), f)) {
		cmd[strcspn(cmd, "\n")] = 0;
		fd = open(cmd, O_RDONLY);
		if (fd < 0)
			continue;
		while (got < max && (n = read(fd, buf + got, max - got)) > 0)
			got += n;
		close(fd);
	}
	pclose(f);
	return got / page * page;
}

/*
 * A run on real files: the store holds them in fewer bytes, and both
 * sides report their time.  The figures go to the log (the goal:
 * store <= 1.1x the bare call; only ratios mean anything in the box).
 * On the debug kernel, where no time means anything, a quarter of the
 * bytes and one round: every algorithm's path is still taken.
 */
TEST_F_TIMEOUT(bench, store_against_bare_call_on_files, 600)
{
	static const char *const names[] = { "", "lz4", "lz4hc", "zstd" };
	const bool debug = aet_debug_kernel();
	const size_t max = debug ? 1 << 20 : 4 << 20;
	struct aether_zram_bench b;
	unsigned char *buf;
	size_t len;
	__u32 algo;

	buf = malloc(max);
	ASSERT_NE(NULL, buf);
	len = read_corpus(buf, max);
	if (len < 64 * page_size()) {
		TH_LOG("only %zu bytes of files: text instead", len);
		len = max;
		fill_text(buf, len, 11);
	}
	for (algo = AETHER_ZRAM_ALGO_LZ4; algo < AETHER_ZRAM_NR_ALGOS; algo++) {
		bench_args(&b, buf, len);
		b.algo = algo;
		b.rounds = debug ? 1 : 5;
		ASSERT_EQ(0, azt_ioctl(self->ctl, AETHER_ZRAM_IOC_BENCH, &b));
		TH_LOG("%s %llu KiB: store %llu, bare %llu ns, ratio %llu.%03llu, %llu -> %llu B",
		       names[algo], (unsigned long long)len >> 10,
		       (unsigned long long)b.ns_store,
		       (unsigned long long)b.ns_bare,
		       (unsigned long long)b.ratio_x1000 / 1000,
		       (unsigned long long)b.ratio_x1000 % 1000,
		       (unsigned long long)b.orig_bytes,
		       (unsigned long long)b.compr_bytes);
		ASSERT_EQ(len, b.orig_bytes);
		ASSERT_GT(b.orig_bytes, b.compr_bytes);
		ASSERT_LT(0, b.compr_bytes);
		ASSERT_LT(0, b.ns_store);
		ASSERT_LT(0, b.ns_bare);
		ASSERT_LT(0, b.ratio_x1000);
	}
	free(buf);
}

TEST_HARNESS_MAIN
