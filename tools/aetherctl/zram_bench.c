// SPDX-License-Identifier: GPL-2.0
/*
 * zram_bench.c - aetherctl zram bench: aether_zram against the kernel's zram
 *
 *   aetherctl zram bench --corpus FILE [--algo lz4,lz4hc,zstd] [--rounds N]
 *			  [--swap-mib N] [--no-swap] [--json]
 *
 * Both block devices are driven the same way from userspace, in the same
 * boot, on the same data: a corpus of real files (the job that runs this,
 * scripts/box/jobs/bench.sh, puts the box's own modules, programs,
 * libraries and text into a file on tmpfs).  For each algorithm, one
 * device of each kind is made (hot_add), and each round runs both, in
 * alternating order (zram first in even rounds, aether_zram first in odd
 * ones), each step on a freshly reset device set to that algorithm and
 * the kernel's default level for it (lz4 acceleration 1, lz4hc 9, zstd 3),
 * on both sides: aether_zram through its comp_level (read back), 6.12's
 * zram through "algo=NAME level=N" in its algorithm_params (a refusal
 * ends the run); 6.1's zram has no level to set and runs the crypto API's
 * default, which is that level.  The 4 KiB write reports each side's
 * compressed bytes (mm_stat's compr_data_size) and how far apart they
 * are: the same compression of the same corpus gives the same bytes, up
 * to the pages near the huge threshold (an object above it counts as a
 * whole page, and the two allocators' thresholds differ a little);
 * more than 1% apart is flagged.  6.1's crypto zstd sizes its parameters
 * for an input of unknown length, aether_zram and 6.12's zram for one
 * page:
 *
 *  write 4K / 64K	the whole corpus written with O_DIRECT in 4 KiB or
 *			64 KiB requests, sequentially
 *  read 4K / 64K	read back the same way, every byte compared
 *  randread 4K		every 4 KiB block once, in a random order (the same
 *			order on both sides), every byte compared
 *  swap		the device made swap; a child in a memory cgroup of
 *			--swap-mib / 4 MiB fills --swap-mib MiB of anonymous
 *			memory with corpus pages and reads every page back
 *			against a checksum twice, rewriting it each time;
 *			throughput is the bytes the child touched over the
 *			time it took
 *
 * Then, for each algorithm, dedupe: the corpus written twice (at 0 and
 * at its length, 4 KiB requests) to a device of twice its size on each
 * side, aether_zram with "dedupe" set before disksize, zram as it is
 * (it has none); each side's orig_data_size / mem_used_total
 * (aether_zram's counts its dedupe table, which lives outside the pool)
 * and aether_zram's over zram's (issue 16's goal: 1.8 or more).
 *
 * And for each algorithm, the cost of compressing one page through
 * aether_zram's store (same-filled check, compressor, allocator) against
 * the bare library call, in the kernel (AETHER_ZRAM_IOC_BENCH) on the
 * same corpus: ns per page and their ratio (below 1.1 is the goal).
 *
 * For each step it reports each side's MiB/s (the median over rounds),
 * the median of the per-round ratios aether_zram / zram (above 1.0:
 * aether_zram is faster), and after the 4 KiB write each side's
 * compression ratio, orig_data_size / mem_used_total from mm_stat (what
 * the memory really holds, allocator overhead included).  Under software
 * emulation only the ratios mean anything.
 *
 * The kernel's zram is loaded with "modprobe zram num_devices=0" when it
 * is not; an algorithm either side does not offer is left out, saying so.
 * Needs root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "zram.h"

#define ZB_PAGE		4096UL
#define ZB_MAX_ROUNDS	15
#define ZB_CGROUP	"/sys/fs/cgroup"

/* The two sides, in the order of their columns. */
enum { ZB_ZRAM, ZB_AETHER, ZB_SIDES };

static const char *const zb_kinds[ZB_SIDES] = { "zram", ZRAM_NAME };

/* The kernel's default level of each algorithm (see the top). */
static const struct {
	const char *name;
	int level;
} zb_algos[] = {
	{ "lz4", 1 },
	{ "lz4hc", 9 },
	{ "zstd", 3 },
};

/* The steps of a round, in the order they run on one device. */
enum { ZB_W4K, ZB_R4K, ZB_RAND, ZB_W64K, ZB_R64K, ZB_SWAP, ZB_STEPS };

static const char *const zb_step_names[ZB_STEPS] = {
	"write 4K", "read 4K", "randread 4K", "write 64K", "read 64K", "swap",
};

struct zb_opts {
	const char *corpus;
	bool algo[3];		/* by index in zb_algos[] */
	unsigned int rounds;
	unsigned long swap_mib;
	bool json;
};

/* One device: its kind and N. */
struct zb_dev {
	const char *kind;
	int id;
	char node[64];
};

/* What one algorithm measured: MiB/s per step, side and round. */
struct zb_algo_result {
	double mibs[ZB_STEPS][ZB_SIDES][ZB_MAX_ROUNDS];
	double comp[ZB_SIDES][ZB_MAX_ROUNDS];	/* orig / mem_used_total */
	double compr[ZB_SIDES][ZB_MAX_ROUNDS];	/* compr_data_size, bytes */
	int level[ZB_SIDES];		/* the level each side ran with */
	const char *zram_level_how;	/* how zram's was set */
	bool done;
	bool absent;	/* asked for, but a device does not offer it */
	struct aether_zram_bench store;	/* the in-kernel store bench */
	int store_err;			/* its -errno */
	double dd_comp[ZB_SIDES];	/* the corpus twice: orig / mem_used */
	unsigned long long dd_dup;	/* aether_zram's dup_pages then */
	int dd_err;			/* -errno; -ENOENT: no dedupe file */
};

/* The corpus, page-aligned for O_DIRECT, and a buffer to read into. */
struct zb_data {
	char *corpus;
	size_t len;		/* a multiple of 64 KiB */
	char *buf;		/* 64 KiB */
	unsigned int *order;	/* a random order of the corpus's pages */
};

static uint64_t zb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double zb_mibs(size_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / (1 << 20) / ((double)ns / 1e9) : 0;
}

static __s64 zb_x1000(double v)
{
	return (__s64)(v * 1000 + 0.5);
}

/* ---- sysfs ------------------------------------------------------------ */

static int zb_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static int zb_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int zb_attr(const struct zb_dev *d, const char *attr, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/block/%s%d/%s", d->kind, d->id, attr);
	return zb_write_file(path, text);
}

static int zb_attr_read(const struct zb_dev *d, const char *attr, char *buf,
			size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/block/%s%d/%s", d->kind, d->id, attr);
	return zb_read_file(path, buf, len);
}

/* Run @argv with its output discarded: its exit status or -errno. */
static int zb_run(char *const argv[])
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

/* A new device of @kind (its hot_add), loading the kernel's zram first. */
static int zb_dev_add(const char *kind, struct zb_dev *d)
{
	char path[128], buf[32];
	int ret;

	snprintf(path, sizeof(path), "/sys/class/%s-control/hot_add", kind);
	if (access(path, R_OK) && !strcmp(kind, "zram")) {
		char *const argv[] = { "modprobe", "zram", "num_devices=0",
				       NULL };

		zb_run(argv);
	}
	d->kind = kind;
	d->id = -1;
	ret = zb_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	d->id = atoi(buf);
	snprintf(d->node, sizeof(d->node), "/dev/%s%d", kind, d->id);
	return 0;
}

static void zb_dev_remove(struct zb_dev *d)
{
	char path[128], buf[16];

	if (d->id < 0)
		return;
	zb_attr(d, "reset", "1");
	snprintf(path, sizeof(path), "/sys/class/%s-control/hot_remove",
		 d->kind);
	snprintf(buf, sizeof(buf), "%d", d->id);
	if (zb_write_file(path, buf))
		actl_err("could not remove %s", d->node);
	d->id = -1;
}

/* Whether @algo is a word of the device's comp_algorithm. */
static bool zb_offers(const struct zb_dev *d, const char *algo)
{
	char buf[256], *w, *save;

	if (zb_attr_read(d, "comp_algorithm", buf, sizeof(buf)))
		return false;
	for (w = strtok_r(buf, " []\n", &save); w;
	     w = strtok_r(NULL, " []\n", &save))
		if (!strcmp(w, algo))
			return true;
	return false;
}

static bool zb_has_attr(const struct zb_dev *d, const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/block/%s%d/%s", d->kind, d->id, attr);
	return !access(path, F_OK);
}

/*
 * The level: aether_zram's comp_level, read back; 6.12 zram's
 * algorithm_params ("algo=NAME level=N": the primary algorithm's level);
 * 6.1's zram has neither and always uses the crypto API's default, which
 * is the level asked for here.  Fills r->level[] and r->zram_level_how.
 */
static int zb_set_level(const struct zb_dev *d, const char *algo, int level,
			struct zb_algo_result *r)
{
	char text[64];
	int ret;

	if (strcmp(d->kind, "zram")) {
		snprintf(text, sizeof(text), "%d", level);
		ret = zb_attr(d, "comp_level", text);
		if (!ret)
			ret = zb_attr_read(d, "comp_level", text, sizeof(text));
		if (!ret)
			r->level[ZB_AETHER] = atoi(text);
		return ret;
	}
	if (!zb_has_attr(d, "algorithm_params")) {
		r->level[ZB_ZRAM] = level;
		r->zram_level_how = "the crypto API's default (6.1 zram)";
		return 0;
	}
	snprintf(text, sizeof(text), "algo=%s level=%d", algo, level);
	ret = zb_attr(d, "algorithm_params", text);
	if (!ret) {
		r->level[ZB_ZRAM] = level;
		r->zram_level_how = "algorithm_params";
	}
	return ret;
}

/* Reset, then algorithm, level and size, as zram wants them in order. */
static int zb_dev_setup(const struct zb_dev *d, const char *algo, int level,
			size_t disksize, struct zb_algo_result *r)
{
	char text[32];
	int ret;

	ret = zb_attr(d, "reset", "1");
	if (!ret)
		ret = zb_attr(d, "comp_algorithm", algo);
	if (!ret)
		ret = zb_set_level(d, algo, level, r);
	snprintf(text, sizeof(text), "%zu", disksize);
	if (!ret)
		ret = zb_attr(d, "disksize", text);
	if (ret)
		actl_errno(-ret, "setting up %s for %s", d->node, algo);
	return ret;
}

/* orig_data_size / mem_used_total, and compr_data_size, from mm_stat. */
static double zb_comp_ratio(const struct zb_dev *d, double *compr_bytes)
{
	unsigned long long orig, compr, used;
	char buf[256];

	*compr_bytes = 0;
	if (zb_attr_read(d, "mm_stat", buf, sizeof(buf)) ||
	    sscanf(buf, "%llu %llu %llu", &orig, &compr, &used) != 3 || !used)
		return 0;
	*compr_bytes = compr;
	return (double)orig / used;
}

/* ---- the block steps -------------------------------------------------- */

static int zb_open(const struct zb_dev *d, int flags)
{
	int fd = open(d->node, flags | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		actl_errno(errno, "open %s", d->node);
	return fd < 0 ? -errno : fd;
}

/* The corpus written in @bs requests: the ns it took, or -errno. */
static int64_t zb_write_seq(const struct zb_dev *d, const struct zb_data *z,
			    size_t bs)
{
	uint64_t t0;
	size_t off;
	int fd;

	fd = zb_open(d, O_WRONLY);
	if (fd < 0)
		return fd;
	t0 = zb_now();
	for (off = 0; off < z->len; off += bs)
		if (pwrite(fd, z->corpus + off, bs, off) != (ssize_t)bs)
			break;
	t0 = zb_now() - t0;
	close(fd);
	if (off < z->len) {
		actl_errno(errno ? errno : EIO, "write %s at %zu", d->node, off);
		return -EIO;
	}
	return t0;
}

/*
 * Read back in @bs requests, sequentially or (@random, 4 KiB) in
 * z->order, comparing every byte: the ns, or -errno.
 */
static int64_t zb_read(const struct zb_dev *d, const struct zb_data *z,
		       size_t bs, bool random)
{
	size_t i, n = z->len / bs, off;
	uint64_t t0;
	int fd;

	fd = zb_open(d, O_RDONLY);
	if (fd < 0)
		return fd;
	t0 = zb_now();
	for (i = 0; i < n; i++) {
		off = (random ? z->order[i] : i) * bs;
		if (pread(fd, z->buf, bs, off) != (ssize_t)bs ||
		    memcmp(z->buf, z->corpus + off, bs))
			break;
	}
	t0 = zb_now() - t0;
	close(fd);
	if (i < n) {
		actl_err("%s: %zu bytes at %zu did not read back as written",
			 d->node, bs, (size_t)(random ? z->order[i] : i) * bs);
		return -EIO;
	}
	return t0;
}

/* ---- the swap step ---------------------------------------------------- */

/* FNV-1a over 8-byte words: a page's checksum. */
static uint64_t zb_sum(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i;

	for (i = 0; i < ZB_PAGE; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h;
}

/*
 * The child of the swap step, in its cgroup: fill @mib MiB with corpus
 * pages (stamped with their index), then twice check every page and
 * rewrite it.  Exits 0, 1 when a page came back changed, 2 when it could
 * not run.
 */
static void __attribute__((__noreturn__))
zb_swapper(const struct zb_data *z, const char *cg, unsigned long mib)
{
	size_t n = (mib << 20) / ZB_PAGE, cpages = z->len / ZB_PAGE, i;
	char path[160], pid[16];
	unsigned int pass;
	uint64_t *sums;
	char *set;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (zb_write_file(path, pid))
		_exit(2);
	set = mmap(NULL, n * ZB_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sums = calloc(n, sizeof(*sums));
	if (set == MAP_FAILED || !sums)
		_exit(2);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < n; i++) {
			char *page = set + i * ZB_PAGE;

			if (pass && zb_sum(page) != sums[i])
				_exit(1);
			memcpy(page, z->corpus + ((i + pass * 7) % cpages) * ZB_PAGE,
			       ZB_PAGE);
			memcpy(page, &i, sizeof(i));
			sums[i] = zb_sum(page);
		}
	}
	_exit(0);
}

/* A memory cgroup whose memory.max is @bytes: 0 or -errno. */
static int zb_cgroup(const char *cg, unsigned long bytes)
{
	char path[160], val[32];
	int ret;

	ret = zb_write_file(ZB_CGROUP "/cgroup.subtree_control", "+memory");
	if (ret)
		return ret;
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	snprintf(val, sizeof(val), "%lu", bytes);
	return zb_write_file(path, val);
}

/* The device as swap under a cgroup-confined child: the ns, or -errno. */
static int64_t zb_swap(const struct zb_dev *d, const struct zb_data *z,
		       unsigned long mib)
{
	char *mkswap[] = { "mkswap", (char *)d->node, NULL };
	char cg[96];
	int status, ret;
	uint64_t t0;
	pid_t pid;

	snprintf(cg, sizeof(cg), ZB_CGROUP "/aetherctl_zram_bench_%d",
		 getpid());
	ret = zb_cgroup(cg, (mib << 20) / 4);
	if (ret) {
		actl_errno(-ret, "memory cgroup %s", cg);
		return ret;
	}
	if (zb_run(mkswap) || swapon(d->node, 0)) {
		actl_err("could not swap on %s", d->node);
		rmdir(cg);
		return -EIO;
	}
	t0 = zb_now();
	pid = fork();
	if (!pid)
		zb_swapper(z, cg, mib);
	ret = pid < 0 || waitpid(pid, &status, 0) != pid ||
	      !WIFEXITED(status) || WEXITSTATUS(status) ? -EIO : 0;
	t0 = zb_now() - t0;
	if (swapoff(d->node))
		actl_errno(errno, "swapoff %s", d->node);
	rmdir(cg);
	if (ret)
		actl_err("swap on %s: the child failed (status %#x)", d->node,
			 pid < 0 ? 0 : status);
	return ret ? ret : (int64_t)t0;
}

/* ---- one round of one algorithm on one side --------------------------- */

/* Keep a step's MiB/s: 0, or the step's -errno. */
static int zb_record(struct zb_algo_result *r, int step, int side,
		     unsigned int round, size_t bytes, int64_t ns)
{
	if (ns < 0)
		return (int)ns;
	r->mibs[step][side][round] = zb_mibs(bytes, ns);
	return 0;
}

static int zb_side(const struct zb_dev *d, const struct zb_data *z,
		   unsigned int a, const struct zb_opts *o,
		   struct zb_algo_result *r, int side, unsigned int round)
{
	const char *algo = zb_algos[a].name;
	int level = zb_algos[a].level;
	size_t len = z->len, swap = o->swap_mib << 20;
	int ret;

	ret = zb_dev_setup(d, algo, level, len, r);
	if (!ret)
		ret = zb_record(r, ZB_W4K, side, round, len,
				zb_write_seq(d, z, 4096));
	if (ret)
		return ret;
	r->comp[side][round] = zb_comp_ratio(d, &r->compr[side][round]);
	ret = zb_record(r, ZB_R4K, side, round, len, zb_read(d, z, 4096, false));
	if (!ret)
		ret = zb_record(r, ZB_RAND, side, round, len,
				zb_read(d, z, 4096, true));
	if (!ret)
		ret = zb_dev_setup(d, algo, level, len, r);
	if (!ret)
		ret = zb_record(r, ZB_W64K, side, round, len,
				zb_write_seq(d, z, 65536));
	if (!ret)
		ret = zb_record(r, ZB_R64K, side, round, len,
				zb_read(d, z, 65536, false));
	/* The swap step touches the set three times (see zb_swapper()). */
	if (!ret && swap)
		ret = zb_dev_setup(d, algo, level, swap * 2, r);
	if (!ret && swap)
		ret = zb_record(r, ZB_SWAP, side, round, swap * 3,
				zb_swap(d, z, o->swap_mib));
	return ret ? ret : zb_attr(d, "reset", "1");
}

/* ---- dedupe: the corpus twice ---------------------------------------- */

/* The corpus written twice in 4 KiB requests, at 0 and at its length. */
static int zb_write_twice(const struct zb_dev *d, const struct zb_data *z)
{
	size_t off, copy;
	int fd, err = 0;

	fd = zb_open(d, O_WRONLY);
	if (fd < 0)
		return fd;
	for (copy = 0; copy < 2 && !err; copy++)
		for (off = 0; off < z->len && !err; off += 4096)
			if (pwrite(fd, z->corpus + off, 4096,
				   copy * z->len + off) != 4096)
				err = errno ? -errno : -EIO;
	close(fd);
	if (err)
		actl_errno(-err, "write %s", d->node);
	return err;
}

/*
 * The ratio of one side on the corpus written twice, aether_zram with
 * "dedupe" set before disksize, zram as it is (it has no dedupe):
 * orig_data_size / mem_used_total in r->dd_comp[@side].
 */
static int zb_dedup_side(const struct zb_dev *d, const struct zb_data *z,
			 unsigned int a, struct zb_algo_result *r, int side)
{
	char text[32], buf[256];
	double compr;
	int ret;

	ret = zb_attr(d, "reset", "1");
	if (!ret)
		ret = zb_attr(d, "comp_algorithm", zb_algos[a].name);
	if (!ret)
		ret = zb_set_level(d, zb_algos[a].name, zb_algos[a].level, r);
	if (!ret && side == ZB_AETHER)
		ret = zb_has_attr(d, "dedupe") ? zb_attr(d, "dedupe", "1") :
						 -ENOENT;
	snprintf(text, sizeof(text), "%zu", z->len * 2);
	if (!ret)
		ret = zb_attr(d, "disksize", text);
	if (!ret)
		ret = zb_write_twice(d, z);
	if (ret)
		return ret;
	/* aether_zram's mem_used_total counts its dedupe table too. */
	r->dd_comp[side] = zb_comp_ratio(d, &compr);
	if (side == ZB_AETHER &&
	    !zb_attr_read(d, "dedup_stat", buf, sizeof(buf)))
		sscanf(buf, "%llu", &r->dd_dup);
	return zb_attr(d, "reset", "1");
}

static void zb_dedup(const struct zb_dev dev[ZB_SIDES],
		     const struct zb_data *z, unsigned int a,
		     struct zb_algo_result *r)
{
	int side;

	for (side = 0; side < ZB_SIDES && !r->dd_err; side++)
		r->dd_err = zb_dedup_side(&dev[side], z, a, r, side);
}

static void zb_report_dedup(const struct zb_algo_result *res)
{
	unsigned int a;

	for (a = 0; a < ARRAY_SIZE(zb_algos); a++) {
		const struct zb_algo_result *r = &res[a];
		double z = r->dd_comp[ZB_ZRAM], ae = r->dd_comp[ZB_AETHER];

		if (!r->done)
			continue;
		if (r->dd_err) {
			out_note("%s dedupe: not measured (%s)", zb_algos[a].name,
				 r->dd_err == -ENOENT ?
				 "aether_zram has no dedupe file" :
				 strerror(-r->dd_err));
			continue;
		}
		out_note("%s dedupe, the corpus written twice: orig/mem_used zram %.3f, aether_zram with dedupe %.3f (its table's memory counted; dup_pages %llu): %.2fx zram's (goal >= 1.80x)",
			 zb_algos[a].name, z, ae, r->dd_dup, z ? ae / z : 0);
	}
}

/* ---- the corpus -------------------------------------------------------- */

static int zb_load(const char *path, struct zb_data *z)
{
	size_t n = 0, i, pages;
	struct stat st;
	uint64_t x = 88172645463325252ULL;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		actl_errno(errno, "corpus %s", path);
		return -1;
	}
	z->len = (size_t)st.st_size & ~(size_t)0xffff;
	if (z->len < (1 << 20)) {
		actl_err("corpus %s: less than 1 MiB", path);
		close(fd);
		return -1;
	}
	if (posix_memalign((void **)&z->corpus, ZB_PAGE, z->len) ||
	    posix_memalign((void **)&z->buf, ZB_PAGE, 65536)) {
		close(fd);
		return -1;
	}
	while (n < z->len && (r = read(fd, z->corpus + n, z->len - n)) > 0)
		n += r;
	close(fd);
	if (n < z->len)
		return -1;
	/* Fisher-Yates with xorshift64: the same order for both sides. */
	pages = z->len / ZB_PAGE;
	z->order = malloc(pages * sizeof(*z->order));
	if (!z->order)
		return -1;
	for (i = 0; i < pages; i++)
		z->order[i] = i;
	for (i = pages - 1; i > 0; i--) {
		size_t j;
		unsigned int t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		t = z->order[i];
		z->order[i] = z->order[j];
		z->order[j] = t;
	}
	return 0;
}

/* ---- the store against the bare call, in the kernel -------------------- */

static void zb_store_bench(const struct zb_data *z, unsigned int a,
			   unsigned int rounds, struct zb_algo_result *r)
{
	struct aether_zram_bench *b = &r->store;
	int fd;

	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->algo = AETHER_ZRAM_ALGO_LZ4 + a;
	b->level = zb_algos[a].level;
	b->rounds = rounds;
	b->data = (uintptr_t)z->corpus;
	b->len = z->len < (64UL << 20) ? z->len : 64UL << 20;
	fd = open(ZRAM_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r->store_err = -errno;
		return;
	}
	r->store_err = ioctl(fd, AETHER_ZRAM_IOC_BENCH, b) ? -errno : 0;
	close(fd);
}

static void zb_report_store(const struct zb_algo_result *res, bool json)
{
	struct actl_out *t;
	unsigned int a;
	char name[32];

	t = out_table("zram_store_bench",
		      "one page through aether_zram's store against the bare library call, in the kernel (ns per page; ratio below 1.1 is the goal)");
	out_col(t, "name", "algorithm");
	out_col(t, "level", "level");
	out_col(t, "store_ns", "store (ns)");
	out_col(t, "bare_ns", "bare call (ns)");
	out_col(t, "ratio", "median ratio");
	out_col(t, "comp", "compression");
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++) {
		const struct aether_zram_bench *b = &res[a].store;

		if (!res[a].done || res[a].store_err)
			continue;
		snprintf(name, sizeof(name), "%s store", zb_algos[a].name);
		out_row(t);
		out_str(t, name);
		out_s64(t, b->level);
		out_u64(t, b->ns_store);
		out_u64(t, b->ns_bare);
		out_x1000(t, b->ratio_x1000);
		out_x1000(t, b->compr_bytes ?
			  zb_x1000((double)b->orig_bytes / b->compr_bytes) : 0);
		if (json)
			fprintf(stderr, "%-20s store %llu ns  bare call %llu ns  ratio %.3f\n",
				name, (unsigned long long)b->ns_store,
				(unsigned long long)b->ns_bare,
				b->ratio_x1000 / 1000.0);
	}
	out_flush(t);
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++)
		if (res[a].done && res[a].store_err)
			out_note("%s: AETHER_ZRAM_IOC_BENCH failed: %s",
				 zb_algos[a].name, strerror(-res[a].store_err));
}

/* ---- the report -------------------------------------------------------- */

static int zb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double zb_median(const double *v, unsigned int n)
{
	double s[ZB_MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), zb_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void zb_report(const struct zb_opts *o,
		      const struct zb_algo_result *res, size_t corpus_len,
		      char offers[ZB_SIDES][256])
{
	struct actl_ctx ctx = { .json = o->json };
	double ratio[ZB_MAX_ROUNDS], mz, ma, mr, cz, ca, bz, ba;
	struct actl_out *t;
	unsigned int a, s, i;
	char name[48], comp[160];

	out_begin(&ctx);
	t = out_table("zram_bench",
		      "aether_zram against the kernel's zram, same data (MiB/s; ratio above 1: aether_zram faster)");
	out_col(t, "name", "step");
	out_col(t, "level", "level");
	out_col(t, "zram_level", "zram lvl");
	out_col(t, "aether_level", "aether lvl");
	out_col(t, "zram_mibs", "zram MiB/s");
	out_col(t, "aether_mibs", "aether MiB/s");
	out_col(t, "ratio", "ratio");
	out_col(t, "zram_comp", "zram comp");
	out_col(t, "aether_comp", "aether comp");
	out_col(t, "zram_compr_kib", "zram compr KiB");
	out_col(t, "aether_compr_kib", "aether compr KiB");
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++) {
		const struct zb_algo_result *r = &res[a];

		if (!r->done)
			continue;
		for (s = 0; s < ZB_STEPS; s++) {
			if (s == ZB_SWAP && !o->swap_mib)
				continue;
			for (i = 0; i < o->rounds; i++)
				ratio[i] = r->mibs[s][ZB_AETHER][i] /
					   r->mibs[s][ZB_ZRAM][i];
			mz = zb_median(r->mibs[s][ZB_ZRAM], o->rounds);
			ma = zb_median(r->mibs[s][ZB_AETHER], o->rounds);
			mr = zb_median(ratio, o->rounds);
			snprintf(name, sizeof(name), "%s %s", zb_algos[a].name,
				 zb_step_names[s]);
			out_row(t);
			out_str(t, name);
			out_s64(t, zb_algos[a].level);
			out_s64(t, r->level[ZB_ZRAM]);
			out_s64(t, r->level[ZB_AETHER]);
			out_x1000(t, zb_x1000(mz));
			out_x1000(t, zb_x1000(ma));
			out_x1000(t, zb_x1000(mr));
			if (s == ZB_W4K) {
				cz = zb_median(r->comp[ZB_ZRAM], o->rounds);
				ca = zb_median(r->comp[ZB_AETHER], o->rounds);
				bz = zb_median(r->compr[ZB_ZRAM], o->rounds);
				ba = zb_median(r->compr[ZB_AETHER], o->rounds);
				snprintf(comp, sizeof(comp),
					 "  orig/mem_used zram %.3f aether %.3f  compr_data_size zram %.0f aether %.0f",
					 cz, ca, bz, ba);
				out_x1000(t, zb_x1000(cz));
				out_x1000(t, zb_x1000(ca));
				out_u64(t, (uint64_t)bz >> 10);
				out_u64(t, (uint64_t)ba >> 10);
			} else {
				out_str(t, "-");
				out_str(t, "-");
				out_str(t, "-");
				out_str(t, "-");
			}
			/* In JSON mode, a table for people on stderr. */
			if (o->json)
				fprintf(stderr, "%-20s zram %9.3f  aether %9.3f MiB/s  ratio %.3f%s\n",
					name, mz, ma, mr, s == ZB_W4K ? comp : "");
		}
	}
	out_flush(t);
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++) {
		const struct zb_algo_result *r = &res[a];

		if (!r->done)
			continue;
		bz = zb_median(r->compr[ZB_ZRAM], o->rounds);
		ba = zb_median(r->compr[ZB_AETHER], o->rounds);
		out_note("%s: zram at level %d (%s), aether_zram at level %d (comp_level); compr_data_size zram %.0f, aether_zram %.0f: %.2f%% apart%s",
			 zb_algos[a].name, r->level[ZB_ZRAM],
			 r->zram_level_how ? r->zram_level_how : "?",
			 r->level[ZB_AETHER], bz, ba,
			 bz ? (ba - bz) * 100 / bz : 0,
			 bz && (ba > bz * 1.01 || ba < bz * 0.99) ?
			 " (more than 1%: not the same compression?)" : "");
	}
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++)
		if (res[a].absent)
			out_note("%s: not offered by both devices, left out",
				 zb_algos[a].name);
	zb_report_store(res, o->json);
	zb_report_dedup(res);
	out_note("corpus %zu KiB, %u rounds (medians), swap working set %lu MiB under a memory.max of %lu MiB",
		 corpus_len >> 10, o->rounds, o->swap_mib, o->swap_mib / 4);
	out_note("algorithms offered: zram: %s; aether_zram: %s",
		 offers[ZB_ZRAM], offers[ZB_AETHER]);
	out_end();
}

/* ---- the command --------------------------------------------------------- */

static int zb_parse(int argc, char **argv, struct zb_opts *o)
{
	static const struct option longopts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "algo", required_argument, NULL, 'A' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "swap-mib", required_argument, NULL, 's' },
		{ "no-swap", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *list, *w, *save;
	unsigned int a;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->rounds = 3;
	o->swap_mib = 32;
	for (a = 0; a < ARRAY_SIZE(zb_algos); a++)
		o->algo[a] = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:A:r:s:Sjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->corpus = optarg;
			break;
		case 'A':
			memset(o->algo, 0, sizeof(o->algo));
			list = strdupa(optarg);
			for (w = strtok_r(list, ",", &save); w;
			     w = strtok_r(NULL, ",", &save)) {
				for (a = 0; a < ARRAY_SIZE(zb_algos); a++)
					if (!strcmp(w, zb_algos[a].name))
						break;
				if (a == ARRAY_SIZE(zb_algos)) {
					actl_err("unknown algorithm '%s' (lz4, lz4hc, zstd)", w);
					return ACTL_EXIT_USAGE;
				}
				o->algo[a] = true;
			}
			break;
		case 'r':
			if (actl_parse_int("--rounds", optarg, 1, ZB_MAX_ROUNDS, &v))
				return ACTL_EXIT_USAGE;
			o->rounds = v;
			break;
		case 's':
			if (actl_parse_int("--swap-mib", optarg, 8, 1024, &v))
				return ACTL_EXIT_USAGE;
			o->swap_mib = v;
			break;
		case 'S':
			o->swap_mib = 0;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			printf("usage: aetherctl zram bench --corpus FILE [--algo lz4,lz4hc,zstd] [--rounds N] [--swap-mib N | --no-swap] [--json]\n");
			return ACTL_EXIT_OK;
		default:
			return ACTL_EXIT_USAGE;
		}
	}
	if (!o->corpus || optind != argc) {
		actl_err("zram bench: --corpus FILE is needed, and nothing else");
		return ACTL_EXIT_USAGE;
	}
	return -1;
}

int actl_zram_bench(int argc, char **argv)
{
	struct zb_algo_result *res;
	char offers[ZB_SIDES][256] = { "?", "?" };
	struct zb_dev dev[ZB_SIDES];
	struct zb_data z = { 0 };
	struct zb_opts o;
	unsigned int a, i, s, side;
	int ret, err = 0;

	ret = zb_parse(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (zb_load(o.corpus, &z))
		return ACTL_EXIT_ERR;
	res = calloc(ARRAY_SIZE(zb_algos), sizeof(*res));
	if (!res)
		return ACTL_EXIT_ERR;
	for (s = 0; s < ZB_SIDES; s++) {
		ret = zb_dev_add(zb_kinds[s], &dev[s]);
		if (ret) {
			actl_errno(-ret, "no %s device (is the module there?)",
				   zb_kinds[s]);
			while (s--)
				zb_dev_remove(&dev[s]);
			return ACTL_EXIT_ERR;
		}
		if (!zb_attr_read(&dev[s], "comp_algorithm", offers[s],
				  sizeof(offers[s])))
			offers[s][strcspn(offers[s], "\n")] = '\0';
	}
	for (a = 0; a < ARRAY_SIZE(zb_algos) && !err; a++) {
		if (!o.algo[a])
			continue;
		if (!zb_offers(&dev[ZB_ZRAM], zb_algos[a].name) ||
		    !zb_offers(&dev[ZB_AETHER], zb_algos[a].name)) {
			res[a].absent = true;
			continue;
		}
		for (i = 0; i < o.rounds && !err; i++) {
			for (s = 0; s < ZB_SIDES && !err; s++) {
				side = (s + i) % ZB_SIDES;
				err = zb_side(&dev[side], &z, a, &o, &res[a],
					      side, i);
			}
		}
		res[a].done = !err;
		if (!err)
			zb_store_bench(&z, a, o.rounds + 1, &res[a]);
		if (!err)
			zb_dedup(dev, &z, a, &res[a]);
	}
	for (s = 0; s < ZB_SIDES; s++)
		zb_dev_remove(&dev[s]);
	zb_report(&o, res, z.len, offers);
	free(res);
	free(z.order);
	free(z.buf);
	free(z.corpus);
	return err ? ACTL_EXIT_ERR : ACTL_EXIT_OK;
}
