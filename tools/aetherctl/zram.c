// SPDX-License-Identifier: GPL-2.0
/*
 * zram.c - aetherctl zram: the block devices of aether_zram, as zramctl
 *
 *   list [--bytes] [DEV...]  one line a device (also "aetherctl zram"
 *                            alone): zramctl's NAME ALGORITHM DISKSIZE
 *                            DATA COMPR TOTAL STREAMS ZERO-PAGES
 *                            MOUNTPOINT, with the level, the huge pages
 *                            and the pages compaction gave back; --json
 *                            adds every other figure of DEV_STATS
 *   info                     algorithms, zstd dictionaries, the devices
 *                            and the region store backend
 *   create [--size N] [--algo A] [--level L] [--mem-limit N]
 *                            a new device (ADD, root); prints its node
 *   set DEV [--size N] [...] set up a device made unconfigured, through
 *                            its sysfs files (root)
 *   show DEV                 every statistic of one device, with the
 *                            backing device and bd_stat, the checksum
 *                            and its errors, dedupe and dedup_stat
 *                            (from sysfs)
 *   reset DEV...             drop a device's data and disksize (root)
 *   remove DEV...            remove devices (root)
 *   compact DEV...           compact a device's store (root)
 *   bench ...                aether_zram against the kernel's zram
 *                            (zram_bench.c, which runs by itself)
 *
 * DEV is N, aether_zramN or /dev/aether_zramN.  The figures come from
 * DEV_STATS, which carries zram's mm_stat and io_stat columns; the mount
 * point is the first line of /proc/self/mountinfo with the device's
 * number, else [SWAP] when /proc/swaps has it, as zramctl shows.  Sizes
 * read as zramctl writes them (1G, 4.1M: powers of 1024); --bytes, and
 * --json always, give bytes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zram.h"

#define ZRAM_USAGE	ACTL_USAGE

/* enum aether_zram_algo; 0, the default, is lz4. */
static const char * const zram_algo_names[AETHER_ZRAM_NR_ALGOS] = {
	"lz4", "lz4", "lz4hc", "zstd",
};

/* The levels each algorithm takes (aether_zram.h, struct aether_zram_add). */
static const struct {
	long min, max;
	const char *what;
} zram_levels[AETHER_ZRAM_NR_ALGOS] = {
	[AETHER_ZRAM_ALGO_DEFAULT] = { 1, 65537, "lz4's acceleration" },
	[AETHER_ZRAM_ALGO_LZ4] = { 1, 65537, "lz4's acceleration" },
	[AETHER_ZRAM_ALGO_LZ4HC] = { 1, 12, "lz4hc's level" },
	[AETHER_ZRAM_ALGO_ZSTD] = { 1, 22, "zstd's level" },
};

static const char *zram_algo_name(__u32 algo)
{
	return algo < AETHER_ZRAM_NR_ALGOS ? zram_algo_names[algo] : "?";
}

static int zram_parse_algo(const char *s, __u32 *algo)
{
	__u32 i;

	for (i = AETHER_ZRAM_ALGO_LZ4; i < AETHER_ZRAM_NR_ALGOS; i++) {
		if (!strcmp(s, zram_algo_names[i])) {
			*algo = i;
			return 0;
		}
	}
	actl_err("--algo: '%s' is not lz4, lz4hc or zstd", s);
	return -EINVAL;
}

/*
 * N with an optional K, M, G or T (powers of 1024, as zram's disksize and
 * mem_limit), which may be followed by B or iB.
 */
static int zram_parse_size(const char *what, const char *s, __u64 *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned int shift = 0;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			goto bad;
		shift = 10 * (u - units + 1);
		end++;
		if (*end == 'i' && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end)
		goto bad;
	if (v > (~0ULL >> shift)) {
		actl_err("%s: '%s' is too large", what, s);
		return -ERANGE;
	}
	*out = (__u64)v << shift;
	return 0;
bad:
	actl_err("%s: '%s' is not a size (bytes, or N with K, M, G or T)",
		 what, s);
	return -EINVAL;
}

/* @v bytes as zramctl shows them: 512B, 4K, 4.1M, 1G. */
static const char *zram_human(__u64 v, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	unsigned int i = 0, shift;
	__u64 whole, tenth;

	while (i < 5 && v >> (10 * (i + 1)))
		i++;
	if (!i) {
		snprintf(buf, len, "%lluB", (unsigned long long)v);
		return buf;
	}
	shift = 10 * i;
	whole = v >> shift;
	/* The rest, in tenths rounded to the nearest (< 2^50 * 10: no overflow). */
	tenth = ((v & ((1ULL << shift) - 1)) * 10 + (1ULL << (shift - 1))) >>
		shift;
	if (tenth == 10) {
		whole++;
		tenth = 0;
	}
	if (tenth)
		snprintf(buf, len, "%llu.%llu%c", (unsigned long long)whole,
			 (unsigned long long)tenth, units[i]);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)whole,
			 units[i]);
	return buf;
}

/* A size cell: human by default, bytes with --bytes and in JSON. */
static void zram_out_size(const struct actl_ctx *ctx, struct actl_out *t,
			  __u64 v, bool bytes)
{
	char buf[40];

	if (ctx->json || bytes)
		out_u64(t, v);
	else
		out_str(t, zram_human(v, buf, sizeof(buf)));
}

/* A size in "show": the bytes and, for people, zramctl's form. */
static void zram_out_bytes(const struct actl_ctx *ctx, struct actl_out *t,
			   __u64 v)
{
	char buf[80], human[40];

	if (ctx->json) {
		out_u64(t, v);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu (%s)", (unsigned long long)v,
		 zram_human(v, human, sizeof(human)));
	out_str(t, buf);
}

/* DEV: N, aether_zramN or /dev/aether_zramN. */
static int zram_parse_dev(const char *s, __u32 *id)
{
	const size_t nlen = strlen(ZRAM_NAME);
	const char *p = s;
	unsigned long v;
	char *end;

	if (!strncmp(p, "/dev/", 5)) {
		p += 5;
		if (strncmp(p, ZRAM_NAME, nlen))
			goto bad;
	}
	if (!strncmp(p, ZRAM_NAME, nlen))
		p += nlen;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v >= AETHER_ZRAM_MAX_DEVICES)
		goto bad;
	*id = v;
	return 0;
bad:
	actl_err("'%s' is not a device: N, %sN or /dev/%sN with N below %u",
		 s, ZRAM_NAME, ZRAM_NAME, AETHER_ZRAM_MAX_DEVICES);
	return -EINVAL;
}

static int zram_stats(int fd, __u32 id, struct aether_zram_dev_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = id;
	return ioctl(fd, AETHER_ZRAM_IOC_DEV_STATS, st) < 0 ? -errno : 0;
}

/* The answers of a command about an id that names no device. */
static bool zram_absent(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO;
}

static int zram_info(int fd, struct aether_zram_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, AETHER_ZRAM_IOC_INFO, info) < 0 ? -errno : 0;
}

/* The device number of aether_zram<id>: sysfs "MAJ:MIN", else its node. */
static bool zram_devnum(__u32 id, dev_t *devt)
{
	unsigned int maj, min;
	char path[64];
	struct stat sb;
	bool found;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s%u/dev", ZRAM_NAME, id);
	f = fopen(path, "re");
	if (f) {
		found = fscanf(f, "%u:%u", &maj, &min) == 2;
		fclose(f);
		if (found) {
			*devt = makedev(maj, min);
			return true;
		}
	}
	snprintf(path, sizeof(path), "/dev/%s%u", ZRAM_NAME, id);
	if (stat(path, &sb) || !S_ISBLK(sb.st_mode))
		return false;
	*devt = sb.st_rdev;
	return true;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void zram_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Where aether_zram<id> is mounted, "[SWAP]", or "" (zramctl's column). */
static void zram_mountpoint(__u32 id, char *buf, size_t len)
{
	unsigned int maj, min;
	char line[8192], *mnt;
	struct stat sb;
	dev_t devt;
	FILE *f;

	buf[0] = '\0';
	if (!zram_devnum(id, &devt))
		return;
	mnt = malloc(sizeof(line));
	f = mnt ? fopen("/proc/self/mountinfo", "re") : NULL;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %8191s", &maj, &min, mnt) == 3 &&
		    makedev(maj, min) == devt) {
			zram_unescape(mnt);
			snprintf(buf, len, "%s", mnt);
			break;
		}
	}
	if (f)
		fclose(f);
	free(mnt);
	if (buf[0])
		return;
	f = fopen("/proc/swaps", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\n")] = '\0';
		zram_unescape(line);
		if (line[0] == '/' && !stat(line, &sb) && S_ISBLK(sb.st_mode) &&
		    sb.st_rdev == devt) {
			snprintf(buf, len, "[SWAP]");
			break;
		}
	}
	if (f)
		fclose(f);
}

static void zram_path(__u32 id, char *buf, size_t len)
{
	snprintf(buf, len, "/dev/%s%u", ZRAM_NAME, id);
}

/* What only scripts get (--json): the rest of DEV_STATS. */
static void zram_list_json_cols(struct actl_out *t)
{
	out_col(t, "initstate", "initstate");
	out_col(t, "mem_limit", "mem_limit");
	out_col(t, "mem_used_max", "mem_used_max");
	out_col(t, "huge_pages_since", "huge_pages_since");
	out_col(t, "failed_reads", "failed_reads");
	out_col(t, "failed_writes", "failed_writes");
	out_col(t, "invalid_io", "invalid_io");
	out_col(t, "notify_free", "notify_free");
}

static void zram_list_json_row(struct actl_out *t,
			       const struct aether_zram_dev_stats *st)
{
	out_u64(t, st->initstate);
	out_u64(t, st->mem_limit);
	out_u64(t, st->mem_used_max);
	out_u64(t, st->huge_pages_since);
	out_u64(t, st->failed_reads);
	out_u64(t, st->failed_writes);
	out_u64(t, st->invalid_io);
	out_u64(t, st->notify_free);
}

static void zram_list_cols(const struct actl_ctx *ctx, struct actl_out *t)
{
	out_col(t, "name", "NAME");
	out_col(t, "algorithm", "ALGORITHM");
	out_col(t, "level", "LEVEL");
	out_col(t, "disksize", "DISKSIZE");
	out_col(t, "data", "DATA");
	out_col(t, "compr", "COMPR");
	out_col(t, "total", "TOTAL");
	out_col(t, "streams", "STREAMS");
	out_col(t, "zero_pages", "ZERO-PAGES");
	out_col(t, "huge_pages", "HUGE");
	out_col(t, "pages_compacted", "COMPACTED");
	out_col(t, "mountpoint", "MOUNTPOINT");
	if (ctx->json)
		zram_list_json_cols(t);
}

static void zram_list_row(const struct actl_ctx *ctx, struct actl_out *t,
			  __u32 id, const struct aether_zram_dev_stats *st,
			  bool bytes)
{
	char buf[PATH_MAX];

	out_row(t);
	zram_path(id, buf, sizeof(buf));
	out_str(t, buf);
	out_str(t, zram_algo_name(st->algo));
	out_s64(t, st->level);
	zram_out_size(ctx, t, st->disksize, bytes);
	zram_out_size(ctx, t, st->orig_data_size, bytes);
	zram_out_size(ctx, t, st->compr_data_size, bytes);
	zram_out_size(ctx, t, st->mem_used_total, bytes);
	out_u64(t, st->streams);
	out_u64(t, st->same_pages);
	out_u64(t, st->huge_pages);
	out_u64(t, st->pages_compacted);
	zram_mountpoint(id, buf, sizeof(buf));
	out_str(t, buf);
	if (ctx->json)
		zram_list_json_row(t, st);
}

/* Every device, in id order; INFO's count ends the walk early. */
static int zram_list_all(const struct actl_ctx *ctx, int fd,
			 struct actl_out *t, bool bytes)
{
	struct aether_zram_dev_stats st;
	struct aether_zram_info info;
	__u32 id, found = 0, want = AETHER_ZRAM_MAX_DEVICES;
	int ret;

	if (!zram_info(fd, &info))
		want = info.nr_devices;
	for (id = 0; id < AETHER_ZRAM_MAX_DEVICES && found < want; id++) {
		ret = zram_stats(fd, id, &st);
		if (zram_absent(ret))
			continue;
		if (ret) {
			actl_errno(-ret, "DEV_STATS %s%u", ZRAM_NAME, id);
			return ret;
		}
		zram_list_row(ctx, t, id, &st, bytes);
		found++;
	}
	return 0;
}

static int zram_cmd_list(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{ "bytes", no_argument, NULL, 'b' },
		{ }
	};
	struct aether_zram_dev_stats st;
	bool bytes = false;
	struct actl_out *t;
	int c, i, ret = 0, err;
	__u32 id;

	while ((c = getopt_long(argc, argv, "b", opts, NULL)) != -1) {
		if (c != 'b')
			return ZRAM_USAGE;
		bytes = true;
	}
	for (i = optind; i < argc; i++)
		if (zram_parse_dev(argv[i], &id))
			return ZRAM_USAGE;
	t = out_table("devices", NULL);
	zram_list_cols(ctx, t);
	if (optind == argc)
		ret = zram_list_all(ctx, fd, t, bytes);
	for (i = optind; i < argc; i++) {
		zram_parse_dev(argv[i], &id);
		err = zram_stats(fd, id, &st);
		if (!err) {
			zram_list_row(ctx, t, id, &st, bytes);
			continue;
		}
		if (zram_absent(err))
			actl_err("no device %s%u", ZRAM_NAME, id);
		else
			actl_errno(-err, "DEV_STATS %s%u", ZRAM_NAME, id);
		ret = err;
	}
	out_flush(t);
	return ret;
}

static void zram_algos(__u32 mask, char *buf, size_t len)
{
	size_t used = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = AETHER_ZRAM_ALGO_LZ4; i < AETHER_ZRAM_NR_ALGOS; i++)
		if (mask & (1U << i) && used < len)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? " " : "", zram_algo_names[i]);
	if (!used)
		snprintf(buf, len, "none");
}

#define ZRAM_STORE_ADAPTIVE	"/sys/kernel/debug/aether/zram/store/adaptive"

/* A copy of @s that lives as long as the process: a table's key or label. */
static const char *zram_keep(const char *s)
{
	char *copy = strdup(s);

	if (!copy) {
		actl_err("out of memory");
		exit(1);
	}
	return copy;
}

/*
 * The region store's adaptive compression (debugfs, root's): on or off,
 * the pages each row of its policy was given, the pages each compressor
 * holds, the background passes; left out where it cannot be read.
 */
static void zram_show_store_adaptive(struct actl_out *t)
{
	static const char *const rows[] = {
		"store_row0", "store_row1", "store_row2", "store_row3",
	};
	static const char *const keys[][3] = {
		{ "pressure", "store_pressure",
		  "region store: pool pressure, last sample (%)" },
		{ "passes", "store_passes", "region store: background passes" },
		{ "skipped", "store_passes_skipped",
		  "region store: passes skipped, pressure below the last row" },
		{ "restored", "store_restored",
		  "region store: stored anew by the passes" },
		{ "bytes_saved", "store_bytes_saved",
		  "region store: bytes the passes gave back" },
	};
	char line[128], algo[16], name[32], desc[64];
	unsigned int pct, row = 0, idx, i;
	unsigned long long v;
	int level;
	FILE *f;

	f = fopen(ZRAM_STORE_ADAPTIVE, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "adaptive %llu", &v) == 1) {
			out_key(t, "store_adaptive", "region store: adaptive compression");
			out_u64(t, v);
		} else if (sscanf(line, "comp %u %15s %d %llu", &idx, algo,
				  &level, &v) == 4) {
			snprintf(name, sizeof(name), "store_%s_%d", algo, level);
			snprintf(desc, sizeof(desc),
				 "region store: pages %s %d holds", algo, level);
			/* The table keeps the strings until it is flushed. */
			out_key(t, zram_keep(name), zram_keep(desc));
			out_u64(t, v);
		} else if (sscanf(line, "%u %15s %d %llu", &pct, algo, &level,
				  &v) == 4 && row < 4) {
			snprintf(desc, sizeof(desc),
				 "region store: pages of row %u%% %s %d", pct,
				 algo, level);
			out_key(t, rows[row++], zram_keep(desc));
			out_u64(t, v);
		} else {
			for (i = 0; i < ARRAY_SIZE(keys); i++) {
				size_t n = strlen(keys[i][0]);

				if (strncmp(line, keys[i][0], n) || line[n] != ' ')
					continue;
				out_key(t, keys[i][1], keys[i][2]);
				out_u64(t, strtoull(line + n + 1, NULL, 10));
			}
		}
	}
	fclose(f);
}

static int zram_cmd_info(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_zram_info info;
	struct actl_out *t;
	char algos[64];
	int ret;

	(void)ctx;
	if (argc > 1) {
		actl_err("zram info: unexpected argument '%s'", argv[1]);
		return ZRAM_USAGE;
	}
	ret = zram_info(fd, &info);
	if (ret) {
		actl_errno(-ret, "INFO");
		return ret;
	}
	zram_algos(info.algos, algos, sizeof(algos));
	t = out_kv("info", "aether_zram");
	out_key(t, "nr_devices", "devices");
	out_u64(t, info.nr_devices);
	out_key(t, "algorithms", "algorithms on this kernel");
	out_str(t, algos);
	out_key(t, "zstd_dict", "zstd dictionaries");
	out_str(t, info.features & AETHER_ZRAM_FEAT_ZSTD_DICT ? "yes" :
		   "no (this kernel does not export the API)");
	out_key(t, "store_pages", "region store: pool pages held");
	out_u64(t, info.store_pages);
	out_key(t, "store_stored", "region store: region pages stored");
	out_u64(t, info.store_stored);
	zram_show_store_adaptive(t);
	out_flush(t);
	return 0;
}

struct zram_create_opts {
	struct aether_zram_add add;
	bool level_set;
	long level;
};

static int zram_parse_create(int argc, char **argv, struct zram_create_opts *o)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "algo", required_argument, NULL, 'a' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "level", required_argument, NULL, 'l' },
		{ "mem-limit", required_argument, NULL, 'm' },
		{ }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->add.size = sizeof(o->add);
	while ((c = getopt_long(argc, argv, "s:a:l:m:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (zram_parse_size("--size", optarg, &o->add.disksize))
				return ZRAM_USAGE;
			break;
		case 'a':
			if (zram_parse_algo(optarg, &o->add.algo))
				return ZRAM_USAGE;
			break;
		case 'l':
			if (actl_parse_int("--level", optarg, INT32_MIN,
					   INT32_MAX, &o->level))
				return ZRAM_USAGE;
			o->level_set = true;
			break;
		case 'm':
			if (zram_parse_size("--mem-limit", optarg,
					    &o->add.mem_limit))
				return ZRAM_USAGE;
			break;
		default:
			return ZRAM_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("unexpected argument '%s'", argv[optind]);
		return ZRAM_USAGE;
	}
	if (o->level_set) {
		__u32 a = o->add.algo;

		if (o->level < zram_levels[a].min || o->level > zram_levels[a].max) {
			actl_err("--level: %s is %ld..%ld, not %ld",
				 zram_levels[a].what, zram_levels[a].min,
				 zram_levels[a].max, o->level);
			return ZRAM_USAGE;
		}
		o->add.level = o->level;
	}
	return 0;
}

/* Say so when this kernel cannot do the algorithm asked for. */
static int zram_check_algo(int fd, __u32 algo)
{
	struct aether_zram_info info;
	char algos[64];

	if (!algo)
		algo = AETHER_ZRAM_ALGO_LZ4;
	if (zram_info(fd, &info) || info.algos & (1U << algo))
		return 0;
	zram_algos(info.algos, algos, sizeof(algos));
	actl_err("%s cannot be used on this kernel (available: %s)",
		 zram_algo_names[algo], algos);
	return -EOPNOTSUPP;
}

static int zram_cmd_create(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	struct zram_create_opts o;
	char path[32], name[32];
	struct actl_out *t;
	int ret;

	ret = zram_parse_create(argc, argv, &o);
	if (ret)
		return ret;
	ret = zram_check_algo(fd, o.add.algo);
	if (ret)
		return ret;
	ret = actl_ioctl(fd, AETHER_ZRAM_IOC_ADD, &o.add, "ADD");
	if (ret)
		return ret;
	zram_path(o.add.id, path, sizeof(path));
	if (!ctx->json) {
		/* Alone on its line, as zramctl --find: dev=$(...) works. */
		printf("%s\n", path);
		return 0;
	}
	snprintf(name, sizeof(name), "%s%u", ZRAM_NAME, o.add.id);
	t = out_kv("device", NULL);
	out_key(t, "id", "id");
	out_u64(t, o.add.id);
	out_key(t, "name", "name");
	out_str(t, name);
	out_key(t, "path", "path");
	out_str(t, path);
	out_flush(t);
	return 0;
}

/*
 * Write @val into the device's sysfs attribute @attr, as "echo val >"
 * would; the kernel's answer is the errno of the write.
 */
static int zram_sysfs_write(__u32 id, const char *attr, const char *val)
{
	char path[96];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/block/%s%u/%s", ZRAM_NAME, id, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		actl_errno(err, "%s", path);
		return -err;
	}
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = errno;
	close(fd);
	if (err) {
		actl_errno(err, "echo %s > %s", val, path);
		if (err == EBUSY)
			actl_err("the device is set up already: reset it first");
	}
	return -err;
}

/*
 * set: a device made unconfigured (create without --size, hot_add) set
 * up through its sysfs files, in the order zram needs: the algorithm and
 * its level, the memory limit, then the disksize that starts it.
 */
static int zram_cmd_set(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct zram_create_opts o;
	char val[32];
	__u32 id;
	int ret;

	(void)ctx;
	(void)fd;
	if (argc < 2 || argv[1][0] == '-') {
		actl_err("zram set: needs DEV first");
		return ZRAM_USAGE;
	}
	if (zram_parse_dev(argv[1], &id))
		return ZRAM_USAGE;
	ret = zram_parse_create(argc - 1, argv + 1, &o);
	if (ret)
		return ret;
	if (!o.add.algo && !o.level_set && !o.add.mem_limit &&
	    !o.add.disksize) {
		actl_err("zram set: nothing to set");
		return ZRAM_USAGE;
	}
	if (o.add.algo) {
		ret = zram_sysfs_write(id, "comp_algorithm",
				       zram_algo_names[o.add.algo]);
		if (ret)
			return ret;
	}
	if (o.level_set) {
		snprintf(val, sizeof(val), "%ld", o.level);
		ret = zram_sysfs_write(id, "comp_level", val);
		if (ret)
			return ret;
	}
	if (o.add.mem_limit) {
		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)o.add.mem_limit);
		ret = zram_sysfs_write(id, "mem_limit", val);
		if (ret)
			return ret;
	}
	if (o.add.disksize) {
		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)o.add.disksize);
		ret = zram_sysfs_write(id, "disksize", val);
	}
	return ret;
}

static void zram_show_io(struct actl_out *t,
			 const struct aether_zram_dev_stats *st)
{
	out_key(t, "failed_reads", "failed reads");
	out_u64(t, st->failed_reads);
	out_key(t, "failed_writes", "failed writes");
	out_u64(t, st->failed_writes);
	out_key(t, "invalid_io", "invalid I/O (not page-aligned)");
	out_u64(t, st->invalid_io);
	out_key(t, "notify_free", "pages freed by swap or discard");
	out_u64(t, st->notify_free);
}

/*
 * Read the device's sysfs attribute @attr into @buf (its last newline
 * cut): 0, or -errno (an older module has no such file).
 */
static int zram_sysfs_read(__u32 id, const char *attr, char *buf, size_t len)
{
	char path[96];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/block/%s%u/%s", ZRAM_NAME, id, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/*
 * Writeback: the backing device and zram's bd_stat (blocks in use, pages
 * read back, pages written; 4 KiB units), from sysfs (world-readable);
 * left out where the module has no such files.
 */
static void zram_show_wb(const struct actl_ctx *ctx, struct actl_out *t,
			 __u32 id)
{
	unsigned long long c[3];
	char buf[PATH_MAX];

	if (zram_sysfs_read(id, "backing_dev", buf, sizeof(buf)))
		return;
	out_key(t, "backing_dev", "backing device");
	out_str(t, buf);
	if (zram_sysfs_read(id, "bd_stat", buf, sizeof(buf)) ||
	    sscanf(buf, "%llu %llu %llu", &c[0], &c[1], &c[2]) != 3)
		return;
	out_key(t, "bd_count", "on the backing device (bd_count)");
	zram_out_bytes(ctx, t, c[0] * 4096);
	out_key(t, "bd_reads", "read back from it (bd_reads)");
	zram_out_bytes(ctx, t, c[1] * 4096);
	out_key(t, "bd_writes", "written back to it (bd_writes)");
	zram_out_bytes(ctx, t, c[2] * 4096);
}

/*
 * Checksums: the kind in use (the bracketed word of "checksum") and
 * checksum_errors, from sysfs; left out where the module has no such
 * files.
 */
static void zram_show_csum(struct actl_out *t, __u32 id)
{
	char buf[128], kind[32];
	unsigned long long errs;
	const char *open;

	if (zram_sysfs_read(id, "checksum", buf, sizeof(buf)))
		return;
	open = strchr(buf, '[');
	if (!open || sscanf(open + 1, "%31[^]]", kind) != 1)
		return;
	out_key(t, "checksum", "checksum of each page");
	out_str(t, kind);
	if (zram_sysfs_read(id, "checksum_errors", buf, sizeof(buf)) ||
	    sscanf(buf, "%llu", &errs) != 1)
		return;
	out_key(t, "checksum_errors", "reads failing their checksum");
	out_u64(t, errs);
}

/*
 * Recompression (recomp_stat's five columns) and adaptive compression
 * (on or off, the pages each row of the policy stored, the background
 * passes), from sysfs; left out where the module has no such files.
 */
static void zram_show_recomp(const struct actl_ctx *ctx, struct actl_out *t,
			     __u32 id)
{
	static const char *const rows[] = {
		"adaptive_row0", "adaptive_row1", "adaptive_row2",
		"adaptive_row3",
	};
	unsigned long long c[5], v;
	char buf[1024], *line, *save = NULL;
	char algo[16];
	unsigned int pct, row = 0;
	int level;

	if (!zram_sysfs_read(id, "recomp_stat", buf, sizeof(buf)) &&
	    sscanf(buf, "%llu %llu %llu %llu %llu", &c[0], &c[1], &c[2],
		   &c[3], &c[4]) == 5) {
		out_key(t, "recomp_scanned", "recompression: pages tried");
		out_u64(t, c[0]);
		out_key(t, "recomp_recompressed", "recompression: stored anew");
		out_u64(t, c[1]);
		out_key(t, "recomp_not_shrunk", "recompression: left as they were");
		out_u64(t, c[2]);
		out_key(t, "recomp_saved", "recompression: bytes given back");
		zram_out_bytes(ctx, t, c[3]);
		out_key(t, "recomp_failed", "recompression: load or checksum failed");
		out_u64(t, c[4]);
	}
	if (zram_sysfs_read(id, "adaptive", buf, sizeof(buf)))
		return;
	out_key(t, "adaptive", "adaptive compression");
	out_u64(t, strtoull(buf, NULL, 10));
	if (zram_sysfs_read(id, "adaptive_stat", buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u %15s %d %llu", &pct, algo, &level,
			   &v) == 4 && row < 4) {
			out_key(t, rows[row++], "adaptive: pages stored by a row");
			out_u64(t, v);
		} else if (sscanf(line, "passes %llu", &v) == 1) {
			out_key(t, "adaptive_passes", "adaptive: background passes");
			out_u64(t, v);
		} else if (sscanf(line, "strong %llu", &v) == 1) {
			out_key(t, "adaptive_strong", "adaptive: stored anew by the passes");
			out_u64(t, v);
		}
	}
}

/*
 * Dedupe: whether identical pages are stored once, and dedup_stat's
 * columns (pages sharing, bytes saved, the table's memory, entries,
 * collisions), from sysfs; left out where the module has no such files.
 */
static void zram_show_dedup(const struct actl_ctx *ctx, struct actl_out *t,
			    __u32 id)
{
	unsigned long long c[5];
	char buf[128];

	if (zram_sysfs_read(id, "dedupe", buf, sizeof(buf)))
		return;
	out_key(t, "dedupe", "identical pages stored once");
	out_u64(t, strtoull(buf, NULL, 10));
	if (zram_sysfs_read(id, "dedup_stat", buf, sizeof(buf)) ||
	    sscanf(buf, "%llu %llu %llu %llu %llu", &c[0], &c[1], &c[2],
		   &c[3], &c[4]) != 5)
		return;
	out_key(t, "dup_pages", "pages sharing a stored page (dup pages)");
	out_u64(t, c[0]);
	out_key(t, "dedup_saved", "compressed bytes not stored twice");
	zram_out_bytes(ctx, t, c[1]);
	out_key(t, "dedup_meta", "memory of the dedupe table");
	zram_out_bytes(ctx, t, c[2]);
	out_key(t, "dedup_entries", "distinct pages the table holds");
	out_u64(t, c[3]);
	out_key(t, "dedup_collisions", "hash matches with other bytes");
	out_u64(t, c[4]);
}

/* mm_stat's nine columns, in its order, and two ratios from them. */
static void zram_show_mm(const struct actl_ctx *ctx, struct actl_out *t,
			 const struct aether_zram_dev_stats *st)
{
	__u64 orig = st->orig_data_size;

	out_key(t, "orig_data_size", "data stored (orig_data_size)");
	zram_out_bytes(ctx, t, orig);
	out_key(t, "compr_data_size", "compressed (compr_data_size)");
	zram_out_bytes(ctx, t, st->compr_data_size);
	out_key(t, "mem_used_total", "memory used (mem_used_total)");
	zram_out_bytes(ctx, t, st->mem_used_total);
	out_key(t, "mem_limit", "memory limit (0: none)");
	zram_out_bytes(ctx, t, st->mem_limit);
	out_key(t, "mem_used_max", "most memory used (mem_used_max)");
	zram_out_bytes(ctx, t, st->mem_used_max);
	out_key(t, "same_pages", "same-filled pages (no memory)");
	out_u64(t, st->same_pages);
	out_key(t, "pages_compacted", "pages given back by compaction");
	out_u64(t, st->pages_compacted);
	out_key(t, "huge_pages", "incompressible pages (huge)");
	out_u64(t, st->huge_pages);
	out_key(t, "huge_pages_since", "incompressible pages since set up");
	out_u64(t, st->huge_pages_since);
	out_key(t, "compr_ratio", "compression ratio (data / compressed)");
	out_x1000(t, st->compr_data_size ?
		  (__s64)(orig * 1000 / st->compr_data_size) : 0);
	out_key(t, "mem_ratio", "memory ratio (data / memory used)");
	out_x1000(t, st->mem_used_total ?
		  (__s64)(orig * 1000 / st->mem_used_total) : 0);
}

static int zram_cmd_show(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_zram_dev_stats st;
	char path[32], mnt[PATH_MAX];
	struct actl_out *t;
	__u32 id;
	int ret;

	if (argc != 2) {
		actl_err("zram show: needs one DEV");
		return ZRAM_USAGE;
	}
	if (zram_parse_dev(argv[1], &id))
		return ZRAM_USAGE;
	ret = zram_stats(fd, id, &st);
	if (zram_absent(ret)) {
		actl_err("no device %s%u", ZRAM_NAME, id);
		return ret;
	}
	if (ret) {
		actl_errno(-ret, "DEV_STATS %s%u", ZRAM_NAME, id);
		return ret;
	}
	zram_path(id, path, sizeof(path));
	zram_mountpoint(id, mnt, sizeof(mnt));
	t = out_kv("device", path);
	out_key(t, "id", "id");
	out_u64(t, id);
	out_key(t, "path", "device");
	out_str(t, path);
	out_key(t, "initstate", "initialised (disksize set)");
	out_u64(t, st.initstate);
	out_key(t, "algorithm", "algorithm");
	out_str(t, zram_algo_name(st.algo));
	out_key(t, "level", "level");
	out_s64(t, st.level);
	out_key(t, "streams", "compression streams");
	out_u64(t, st.streams);
	out_key(t, "disksize", "disk size");
	zram_out_bytes(ctx, t, st.disksize);
	zram_show_mm(ctx, t, &st);
	zram_show_io(t, &st);
	zram_show_wb(ctx, t, id);
	zram_show_csum(t, id);
	zram_show_recomp(ctx, t, id);
	zram_show_dedup(ctx, t, id);
	out_key(t, "mountpoint", "mounted on");
	out_str(t, mnt[0] ? mnt : "-");
	out_flush(t);
	return 0;
}

/* What a command on devices did, and how to say it. */
struct zram_op {
	unsigned long cmd;
	const char *ioc;	/* the command's name, for errors */
	const char *done;	/* "reset": the JSON section and the verb */
};

static const struct zram_op zram_reset_op = {
	AETHER_ZRAM_IOC_RESET, "RESET", "reset",
};

static const struct zram_op zram_remove_op = {
	AETHER_ZRAM_IOC_REMOVE, "REMOVE", "removed",
};

static const struct zram_op zram_compact_op = {
	AETHER_ZRAM_IOC_COMPACT, "COMPACT", "compacted",
};

static int zram_one(int fd, const struct zram_op *op, __u32 id, __u64 *result)
{
	struct aether_zram_dev d = { .size = sizeof(d), .id = id };
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "%s %s%u", op->ioc, ZRAM_NAME, id);
	ret = actl_ioctl(fd, op->cmd, &d, what);
	if (ret == -EBUSY)
		actl_err("%s%u is in use: mounted, swapped on or open",
			 ZRAM_NAME, id);
	else if (zram_absent(ret))
		actl_err("no device %s%u", ZRAM_NAME, id);
	*result = d.result;
	return ret;
}

/* reset, remove, compact: each DEV in turn; the last failure is the answer. */
static int zram_each(const struct actl_ctx *ctx, int fd, int argc,
		     char **argv, const struct zram_op *op)
{
	bool compact = op == &zram_compact_op;
	struct actl_out *t;
	char path[32], human[40];
	__u64 result;
	int i, ret = 0, err;
	__u32 id;

	if (argc < 2) {
		actl_err("zram %s: needs one or more DEV", argv[0]);
		return ZRAM_USAGE;
	}
	for (i = 1; i < argc; i++)
		if (zram_parse_dev(argv[i], &id))
			return ZRAM_USAGE;
	/* People get a line a device, scripts one table. */
	t = ctx->json ? out_table(op->done, NULL) : NULL;
	if (t)
		out_col(t, "name", "name");
	if (t && compact)
		out_col(t, "pages", "pages given back");
	for (i = 1; i < argc; i++) {
		zram_parse_dev(argv[i], &id);
		err = zram_one(fd, op, id, &result);
		if (err) {
			ret = err;
			continue;
		}
		zram_path(id, path, sizeof(path));
		if (!t) {
			if (compact)
				out_note("%s: %llu pages given back (%s)", path,
					 (unsigned long long)result,
					 zram_human(result * sysconf(_SC_PAGESIZE),
						    human, sizeof(human)));
			else
				out_note("%s %s", path, op->done);
			continue;
		}
		out_row(t);
		out_str(t, path);
		if (compact)
			out_u64(t, result);
	}
	if (t)
		out_flush(t);
	return ret;
}

static int zram_cmd_reset(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	return zram_each(ctx, fd, argc, argv, &zram_reset_op);
}

static int zram_cmd_remove(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	return zram_each(ctx, fd, argc, argv, &zram_remove_op);
}

static int zram_cmd_compact(const struct actl_ctx *ctx, int fd, int argc,
			    char **argv)
{
	return zram_each(ctx, fd, argc, argv, &zram_compact_op);
}

static const struct actl_cmd zram_cmds[] = {
	{ "list", zram_cmd_list, "[--bytes] [DEV...]",
	  "devices as zramctl lists them, with level, huge pages and compaction" },
	{ "info", zram_cmd_info, "",
	  "algorithms and zstd dictionaries on this kernel, the region store" },
	{ "create", zram_cmd_create,
	  "[--size N] [--algo lz4|lz4hc|zstd] [--level L] [--mem-limit N]",
	  "a new device, set up when --size is given; prints it (root)" },
	{ "set", zram_cmd_set,
	  "DEV [--size N] [--algo A] [--level L] [--mem-limit N]",
	  "set up a device made without --size, through sysfs (root)" },
	{ "show", zram_cmd_show, "DEV", "every statistic of one device" },
	{ "reset", zram_cmd_reset, "DEV...",
	  "drop a device's data and disksize; refused while in use (root)" },
	{ "remove", zram_cmd_remove, "DEV...",
	  "remove devices; refused while in use (root)" },
	{ "compact", zram_cmd_compact, "DEV...",
	  "move objects out of sparse pages, give pages back (root)" },
};

static const struct actl_alone_cmd zram_bench_cmd = {
	.name = "bench",
	.run = actl_zram_bench,
	.args = "[options]  (see 'aetherctl zram bench --help')",
	.help = "aether_zram against the kernel's zram on the same data (root)",
};

const struct actl_module actl_zram_module = {
	.name = "zram",
	.summary = "compressed block devices (/dev/aether_zram-control)",
	.device = ZRAM_CONTROL,
	.module = "aether_zram",
	.cmds = zram_cmds,
	.nr_cmds = ARRAY_SIZE(zram_cmds),
	.default_cmd = "list",
	.alone = &zram_bench_cmd,
	.notes =
	"DEV is N, aether_zramN or /dev/aether_zramN; sizes are bytes or N with\n"
	"K, M, G or T (powers of 1024), as zram's disksize.  For zramctl users:\n"
	"  zramctl                       aetherctl zram\n"
	"  zramctl -f -s 1G -a zstd      aetherctl zram create --size 1G --algo zstd\n"
	"  zramctl -s 1G /dev/zram0      aetherctl zram set aether_zram0 --size 1G\n"
	"  zramctl -r /dev/zram0         aetherctl zram remove aether_zram0\n"
	"  zramctl --bytes / --raw       aetherctl zram list --bytes / --json\n",
};
