// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - "aetherctl status" and "aetherctl top": one screen over the
 * whole suite
 *
 * The screen has one section per part of the suite, each present only when
 * the module behind it is loaded (/sys/module/<name> exists), in load
 * order:
 *
 *   pool      aether_mm: POOL_INFO and STATS on /dev/aether_mm
 *   nodes     aether_mm: the pool per NUMA node (POOL_INFO)
 *   slab      aether_slub: INFO, and the caches with the most pages
 *             (CACHE_STATS by index; yours, every one for root)
 *   zram      aether_zram: its block devices, from sysfs (disksize,
 *             comp_algorithm, mm_stat: readable by anyone, where the
 *             control device is root's)
 *   dedupe    aether_dedupe: STATUS on /dev/aether_dedupe
 *   qos       aether_qos: the groups with the largest usage (LIST, GET)
 *   firewall  aether_qos: debugfs aether/qos/fw/stats (root: debugfs is
 *             mounted 0700), denials first
 *
 * A loaded module whose device or file the caller cannot open (mode,
 * group) gets its section with what could be read and a note on stderr;
 * nothing else fails the command, so that a person sees what there is.
 * With --json every section is one member of one object; "modules" says
 * which modules are loaded, so that a script tells "not loaded" from
 * "empty".
 *
 * "top" redraws the screen every --interval seconds (ANSI home and
 * clear on a terminal, as slabtop; one screen after another in a pipe),
 * until q on its input (a terminal, made raw while top runs, or a pipe),
 * SIGINT or SIGTERM, or -n N screens.  With --json each screen is its own
 * document, one after another.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/aether_mm.h>
#include <linux/aether_slub.h>
#include <linux/aether_dedupe.h>
#include <linux/aether_qos.h>

#include "aetherctl.h"
#include "qos.h"

#define ST_FW_STATS	"/sys/kernel/debug/aether/qos/fw/stats"
#define ST_ZRAM_NAME	"aether_zram"

/* How many slab caches and QoS groups a screen shows by default. */
#define ST_ROWS_DEFAULT	10

struct st_opts {
	long rows;		/* caches and groups shown; 0: all */
	long interval;		/* top: seconds between screens */
	long iterations;	/* top: screens; 0: until q or a signal */
};

/* The suite's modules, in load order; the screen follows it. */
static const char *const st_modules[] = {
	"aether_mm", "aether_slub", "aether_zram", "aether_dedupe",
	"aether_qos",
};

static bool st_loaded(const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	return access(path, F_OK) == 0;
}

/* Open @dev for reading its figures; -1 with a note when it cannot be. */
static int st_open(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		out_note("# %s: %s", dev, strerror(errno));
	return fd;
}

static void st_modules_section(void)
{
	struct actl_out *t = out_kv("modules", "Modules");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(st_modules); i++) {
		out_key(t, st_modules[i], st_modules[i]);
		out_str(t, st_loaded(st_modules[i]) ? "loaded" : "-");
	}
	out_flush(t);
}

/* ---- pool and nodes (aether_mm) ----------------------------------------- */

static void st_pool(void)
{
	struct aether_mm_pool_info pi = { .size = sizeof(pi) };
	struct aether_mm_stats s = { .size = sizeof(s) };
	struct actl_out *t;
	__u32 n;
	int fd;

	fd = st_open("/dev/aether_mm");
	if (fd < 0)
		return;
	if (actl_ioctl(fd, AETHER_MM_IOC_POOL_INFO, &pi, "POOL_INFO") ||
	    actl_ioctl(fd, AETHER_MM_IOC_STATS, &s, "STATS")) {
		close(fd);
		return;
	}
	close(fd);
	t = out_kv("pool", "Pool (aether_mm, pages)");
	out_key(t, "pages_total", "total");
	out_u64(t, pi.pages_total);
	out_key(t, "pages_used", "used");
	out_u64(t, pi.pages_total - pi.pages_free);
	out_key(t, "pages_free", "free");
	out_u64(t, pi.pages_free);
	out_key(t, "used_pct", "used %");
	out_pct(t, pi.pages_total - pi.pages_free, pi.pages_total);
	out_key(t, "pages_reserved", "reserved");
	out_u64(t, pi.pages_reserved);
	out_key(t, "chunks", "chunks");
	out_u64(t, pi.chunks);
	out_key(t, "chunks_grown", "chunks grown");
	out_u64(t, pi.chunks_grown);
	out_key(t, "chunks_shrunk", "chunks shrunk");
	out_u64(t, pi.chunks_shrunk);
	out_key(t, "alloc", "allocations");
	out_u64(t, s.alloc);
	out_key(t, "free", "frees");
	out_u64(t, s.free);
	out_key(t, "alloc_fail", "failed allocations");
	out_u64(t, s.alloc_fail);
	out_key(t, "pcp_hit", "per-CPU list hits");
	out_u64(t, s.pcp_hit);
	out_key(t, "node_fallback", "node fallbacks");
	out_u64(t, s.node_fallback);
	out_key(t, "wmark_low_hit", "low watermark hits");
	out_u64(t, s.wmark_low_hit);
	out_flush(t);

	t = out_table("nodes", "Pool per node (pages)");
	out_col(t, "node", "NODE");
	out_col(t, "pages", "PAGES");
	out_col(t, "free", "FREE");
	out_col(t, "used_pct", "USED%");
	for (n = 0; n < pi.nr_nodes && n < AETHER_MM_MAX_NODES; n++) {
		out_row(t);
		out_u64(t, n);
		out_u64(t, pi.node_pages[n]);
		out_u64(t, pi.node_free[n]);
		out_pct(t, pi.node_pages[n] - pi.node_free[n],
			pi.node_pages[n]);
	}
	out_flush(t);
}

/* ---- slab (aether_slub) ------------------------------------------------- */

static int st_cache_cmp(const void *a, const void *b)
{
	const struct aether_slub_cache_stats *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Every cache the caller may see, by index; a malloc'ed array or NULL. */
static struct aether_slub_cache_stats *st_caches(int fd, __u32 *n)
{
	struct aether_slub_cache_stats *c = NULL, *more;
	__u32 i, cap = 0;

	for (i = 0;; i++) {
		if (i == cap) {
			cap = cap ? 2 * cap : 64;
			more = realloc(c, cap * sizeof(*c));
			if (!more)
				break;
			c = more;
		}
		memset(&c[i], 0, sizeof(c[i]));
		c[i].size = sizeof(c[i]);
		c[i].by = AETHER_SLUB_BY_INDEX;
		c[i].key = i;
		if (ioctl(fd, AETHER_SLUB_IOC_CACHE_STATS, &c[i]) < 0) {
			if (errno != ENOENT)
				actl_errno(errno, "CACHE_STATS");
			break;
		}
	}
	*n = i;
	return c;
}

static void st_slab(const struct st_opts *o)
{
	struct aether_slub_info info = { .size = sizeof(info) };
	struct aether_slub_cache_stats *c;
	__u64 objects = 0, active = 0, pages = 0;
	struct actl_out *t;
	__u32 n = 0, i;
	int fd;

	fd = st_open("/dev/aether_slub");
	if (fd < 0)
		return;
	if (actl_ioctl(fd, AETHER_SLUB_IOC_INFO, &info, "INFO")) {
		close(fd);
		return;
	}
	c = st_caches(fd, &n);
	close(fd);
	for (i = 0; i < n; i++) {
		objects += c[i].objects;
		active += c[i].active;
		pages += c[i].pages;
	}
	t = out_kv("slab", "Slab (aether_slub)");
	out_key(t, "caches", "caches (all)");
	out_u64(t, info.nr_caches);
	out_key(t, "caches_shown", "caches you see");
	out_u64(t, n);
	out_key(t, "objects", "objects");
	out_u64(t, objects);
	out_key(t, "active", "active objects");
	out_u64(t, active);
	out_key(t, "active_pct", "active %");
	out_pct(t, active, objects);
	out_key(t, "pages", "pages");
	out_u64(t, pages + info.large_pages);
	out_key(t, "large_allocs", "large kmallocs");
	out_u64(t, info.large_allocs);
	out_flush(t);

	if (c)
		qsort(c, n, sizeof(*c), st_cache_cmp);
	t = out_table("caches", "Caches by pages");
	out_col(t, "name", "NAME");
	out_col(t, "object_size", "OBJSIZE");
	out_col(t, "objects", "OBJS");
	out_col(t, "active", "ACTIVE");
	out_col(t, "use_pct", "USE%");
	out_col(t, "slabs", "SLABS");
	out_col(t, "pages", "PAGES");
	for (i = 0; i < n && (!o->rows || i < o->rows); i++) {
		out_row(t);
		out_str(t, c[i].name);
		out_u64(t, c[i].object_size);
		out_u64(t, c[i].objects);
		out_u64(t, c[i].active);
		out_pct(t, c[i].active, c[i].objects);
		out_u64(t, c[i].slabs);
		out_u64(t, c[i].pages);
	}
	out_flush(t);
	free(c);
}

/* ---- zram devices (aether_zram, sysfs) ---------------------------------- */

/* Read a sysfs file of device @name into @buf; 0 or -errno. */
static int st_sysfs(const char *name, const char *attr, char *buf,
		    size_t len)
{
	char path[256];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The selected algorithm of "lz4 [zstd] lz4hc", or "-". */
static void st_algo(char *line, char *out, size_t len)
{
	char *open = strchr(line, '['), *close;

	snprintf(out, len, "-");
	if (!open)
		return;
	close = strchr(open, ']');
	if (close)
		snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

static int st_zram_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static void st_zram_row(struct actl_out *t, const char *name)
{
	unsigned long long mm[9] = { 0 };
	char line[256], algo[32];
	__u64 disksize = 0;

	if (!st_sysfs(name, "disksize", line, sizeof(line)))
		disksize = strtoull(line, NULL, 10);
	if (st_sysfs(name, "comp_algorithm", line, sizeof(line)))
		line[0] = '\0';
	st_algo(line, algo, sizeof(algo));
	if (!st_sysfs(name, "mm_stat", line, sizeof(line)))
		sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
		       &mm[0], &mm[1], &mm[2], &mm[3], &mm[4], &mm[5], &mm[6],
		       &mm[7], &mm[8]);
	out_row(t);
	out_str(t, name);
	out_str(t, algo);
	out_u64(t, disksize);
	out_u64(t, mm[0]);
	out_u64(t, mm[1]);
	out_u64(t, mm[2]);
	/* orig / compr, x1000: the ratio zramctl's columns imply */
	out_x1000(t, mm[1] ? (__s64)(mm[0] * 1000 / mm[1]) : 0);
	out_u64(t, mm[5]);
	out_u64(t, mm[7]);
}

static void st_zram(void)
{
	char *names[256];
	struct actl_out *t;
	unsigned int n = 0, i;
	struct dirent *d;
	DIR *dp;

	dp = opendir("/sys/block");
	while (dp && (d = readdir(dp)) && n < ARRAY_SIZE(names)) {
		if (strncmp(d->d_name, ST_ZRAM_NAME, strlen(ST_ZRAM_NAME)))
			continue;
		names[n] = strdup(d->d_name);
		if (names[n])
			n++;
	}
	if (dp)
		closedir(dp);
	qsort(names, n, sizeof(*names), st_zram_cmp);
	t = out_table("zram", "Compressed block devices (aether_zram, bytes)");
	out_col(t, "name", "NAME");
	out_col(t, "algorithm", "ALGO");
	out_col(t, "disksize", "DISKSIZE");
	out_col(t, "orig_data_size", "DATA");
	out_col(t, "compr_data_size", "COMPR");
	out_col(t, "mem_used_total", "TOTAL");
	out_col(t, "ratio", "RATIO");
	out_col(t, "same_pages", "ZERO");
	out_col(t, "huge_pages", "HUGE");
	for (i = 0; i < n; i++) {
		st_zram_row(t, names[i]);
		free(names[i]);
	}
	out_flush(t);
}

/* ---- dedupe (aether_dedupe) --------------------------------------------- */

static void st_dedupe(void)
{
	struct aether_dedupe_status s = { .size = sizeof(s) };
	const struct aether_dedupe_counters *c = &s.counters;
	struct actl_out *t;
	int fd;

	fd = st_open("/dev/aether_dedupe");
	if (fd < 0)
		return;
	if (actl_ioctl(fd, AETHER_DEDUPE_IOC_STATUS, &s, "STATUS")) {
		close(fd);
		return;
	}
	close(fd);
	t = out_kv("dedupe", "Merging (aether_dedupe, pages; KSM's names)");
	out_key(t, "run", "run");
	out_u64(t, s.knobs.run);
	out_key(t, "pages_shared", "pages_shared");
	out_u64(t, c->pages_shared);
	out_key(t, "pages_sharing", "pages_sharing");
	out_u64(t, c->pages_sharing);
	out_key(t, "zero_pages", "zero_pages");
	out_u64(t, c->zero_pages);
	out_key(t, "mergeable_pages", "mergeable_pages");
	out_u64(t, c->mergeable_pages);
	out_key(t, "full_scans", "full_scans");
	out_u64(t, c->full_scans);
	out_key(t, "general_profit", "general_profit (B)");
	out_s64(t, c->general_profit);
	out_flush(t);
}

/* ---- qos groups and the firewall (aether_qos) --------------------------- */

static int st_group_cmp(const void *a, const void *b)
{
	const struct aether_qos_group_info *x = a, *y = b;

	if (x->usage != y->usage)
		return x->usage < y->usage ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void st_out_limit(struct actl_out *t, __u64 v)
{
	if (v == AETHER_QOS_UNLIMITED)
		out_str(t, "max");
	else
		out_u64(t, v);
}

static void st_qos(const struct st_opts *o)
{
	static const char *const classes[AETHER_QOS_NR_CLASSES] = {
		[AETHER_QOS_CLASS_NORMAL] = "normal",
		[AETHER_QOS_CLASS_BESTEFFORT] = "besteffort",
		[AETHER_QOS_CLASS_REALTIME] = "realtime",
	};
	struct aether_qos_group_info *g;
	struct actl_out *t;
	__u32 *ids, n = 0, i, k = 0;
	int fd;

	fd = st_open("/dev/aether_qos");
	if (fd < 0)
		return;
	ids = qos_list(fd, &n);
	g = calloc(n ? n : 1, sizeof(*g));
	for (i = 0; ids && g && i < n; i++) {
		g[k].size = sizeof(g[k]);
		g[k].id = ids[i];
		if (!ioctl(fd, AETHER_QOS_IOC_GET, &g[k]))
			k++;	/* else destroyed meanwhile */
	}
	close(fd);
	if (g)
		qsort(g, k, sizeof(*g), st_group_cmp);
	t = out_table("qos", "QoS groups by usage (aether_qos, pages)");
	out_col(t, "id", "ID");
	out_col(t, "name", "NAME");
	out_col(t, "class", "CLASS");
	out_col(t, "usage", "USAGE");
	out_col(t, "high", "HIGH");
	out_col(t, "max", "MAX");
	out_col(t, "events_high", "HIGH_EV");
	out_col(t, "events_max", "MAX_EV");
	out_col(t, "events_oom", "OOM_EV");
	out_col(t, "refused", "REFUSED");
	for (i = 0; i < k && (!o->rows || i < o->rows); i++) {
		out_row(t);
		out_u64(t, g[i].id);
		out_str(t, g[i].name[0] ? g[i].name : "/");
		out_str(t, g[i].class < ARRAY_SIZE(classes) ?
			   classes[g[i].class] : "?");
		out_u64(t, g[i].usage);
		st_out_limit(t, g[i].high);
		st_out_limit(t, g[i].max);
		out_u64(t, g[i].events[AETHER_QOS_EVENT_HIGH]);
		out_u64(t, g[i].events[AETHER_QOS_EVENT_MAX]);
		out_u64(t, g[i].events[AETHER_QOS_EVENT_OOM]);
		out_u64(t, g[i].refused);
	}
	out_flush(t);
	free(g);
	free(ids);
}

/*
 * The firewall's counters, "key value" lines of debugfs; denials first.
 * Absent with a note when debugfs is not readable (not root).
 */
static void st_firewall(void)
{
	char keys[16][64], line[160];
	unsigned long long v[16];
	unsigned int n = 0, i;
	struct actl_out *t;
	FILE *f;

	f = fopen(ST_FW_STATS, "re");
	if (!f) {
		out_note("# firewall: %s: %s", ST_FW_STATS, strerror(errno));
		return;
	}
	while (n < ARRAY_SIZE(keys) && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu", keys[n], &v[n]) == 2)
			n++;
	fclose(f);
	t = out_kv("firewall", "Memory firewall (aether_qos)");
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i], "denied"))
			continue;
		out_key(t, "denied", "denials");
		out_u64(t, v[i]);
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(keys[i], "denied"))
			continue;
		out_key(t, keys[i], keys[i]);
		out_u64(t, v[i]);
	}
	out_flush(t);
}

/* ---- the screen --------------------------------------------------------- */

static void st_screen(const struct st_opts *o)
{
	st_modules_section();
	if (st_loaded("aether_mm"))
		st_pool();
	if (st_loaded("aether_slub"))
		st_slab(o);
	if (st_loaded("aether_zram"))
		st_zram();
	if (st_loaded("aether_dedupe"))
		st_dedupe();
	if (st_loaded("aether_qos")) {
		st_qos(o);
		st_firewall();
	}
}

/* The options of status and top; @top takes -n and --interval too. */
static int st_parse(int argc, char **argv, bool top, struct st_opts *o)
{
	static const struct option opts[] = {
		{ "rows", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->rows = ST_ROWS_DEFAULT;
	o->interval = 2;
	o->iterations = 0;
	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, top ? "r:i:n:d:" : "r:", opts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			if (actl_parse_int("--rows", optarg, 0, 100000,
					   &o->rows))
				return -EINVAL;
			break;
		case 'i':
		case 'd':	/* slabtop's -d */
			if (!top || actl_parse_int("--interval", optarg, 1,
						   3600, &o->interval))
				return -EINVAL;
			break;
		case 'n':
			if (!top || actl_parse_int("-n", optarg, 1, 1000000,
						   &o->iterations))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		actl_err("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int actl_status_main(const struct actl_ctx *ctx, int argc, char **argv)
{
	struct st_opts o;

	if (st_parse(argc, argv, false, &o))
		return ACTL_EXIT_USAGE;
	out_begin(ctx);
	st_screen(&o);
	out_end();
	return ACTL_EXIT_OK;
}

static volatile sig_atomic_t st_stop;

static void st_on_signal(int sig)
{
	(void)sig;
	st_stop = 1;
}

/*
 * Wait @seconds for a key: true when it was q, or when a signal came.
 * Keys come from a terminal (raw, unechoed) or a pipe; at the end of the
 * input (*@in cleared) only the time and the signals remain.
 */
static bool st_wait_quit(long seconds, bool *in)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	long left = seconds * 1000;
	char ch;

	while (left > 0 && !st_stop) {
		int r = poll(&p, *in ? 1 : 0, left > 200 ? 200 : left);

		left -= 200;
		if (r <= 0 || !(p.revents & (POLLIN | POLLHUP)))
			continue;
		if (read(STDIN_FILENO, &ch, 1) != 1)
			*in = false;
		else if (ch == 'q' || ch == 'Q')
			return true;
	}
	return st_stop;
}

/* slabtop's first line: when, how often, how to leave. */
static void st_top_header(const struct st_opts *o)
{
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("aetherctl top - %s, every %ld s; q or Ctrl-C quits\n\n",
	       when, o->interval);
}

int actl_top_main(const struct actl_ctx *ctx, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = st_on_signal };
	struct termios old, raw;
	struct st_opts o;
	bool tty, in = true, quit = false;
	long n;

	if (st_parse(argc, argv, true, &o))
		return ACTL_EXIT_USAGE;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &old);
	if (tty) {
		raw = old;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	for (n = 0; !quit && (!o.iterations || n < o.iterations); n++) {
		/* slabtop's redraw on a terminal; screens one after another
		 * in a pipe */
		if (!ctx->json && isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		else if (!ctx->json && n)
			putchar('\n');
		if (!ctx->json)
			st_top_header(&o);
		out_begin(ctx);
		st_screen(&o);
		out_end();
		if (o.iterations && n + 1 == o.iterations)
			break;
		quit = st_wait_quit(o.interval, &in);
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return ACTL_EXIT_OK;
}
