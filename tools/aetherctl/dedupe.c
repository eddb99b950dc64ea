// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe.c - aetherctl dedupe: page merging of aether_dedupe, as KSM's files
 *
 *   status                    the tunables and every counter (also
 *                             "aetherctl dedupe" alone), with the memory
 *                             saved said in bytes
 *   set KEY=VALUE...          tunables by KSM's names, all or nothing
 *                             (root); run takes stop, merge, unmerge and
 *                             advisor_mode none, scan-time as well
 *   run | stop | unmerge      run=1, run=0, run=2 (root)
 *   range --name R [--offset B] [--length B]
 *                             merge what can be merged of a named region
 *                             now (REGION_DEDUPE): pages merged, bytes
 *                             saved, pages visited
 *   stats --name R            one region's figures (REGION_STATS)
 *   domain --name R [DOMAIN | --clear]
 *                             put a region into a named trust domain, or
 *                             back into its creator's (root); without
 *                             DOMAIN, show its domain
 *   demo [--procs N] [--pages P] [--unique U] [--seconds S]
 *                             processes with the same pages in mergeable
 *                             regions, merged by the scanner (root) or
 *                             by REGION_DEDUPE, with what it saved and
 *                             every page checked afterwards
 *
 * A region is named as "aetherctl region" names it: by its name, opened
 * through REGION_OPEN on /dev/aether_mm (another uid's with the explicit
 * FOREIGN flag for stats and domain, which root asks about).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "dedupe.h"
#include "mm.h"

#define DEDUPE_USAGE	ACTL_USAGE

/* A tunable: its KSM name, its SET bit, where it is, a label for people. */
struct dd_knob {
	const char *name;
	__u32 bit;
	size_t off;
	const char *label;
};

#define DD_KNOB(f, b, l) \
	{ #f, AETHER_DEDUPE_SET_##b, offsetof(struct aether_dedupe_knobs, f), l }

static const struct dd_knob dd_knobs[] = {
	DD_KNOB(run, RUN, "run (0 stop, 1 merge, 2 unmerge)"),
	DD_KNOB(pages_to_scan, PAGES_TO_SCAN, "pages per wake-up"),
	DD_KNOB(sleep_millisecs, SLEEP_MILLISECS, "sleep between wake-ups (ms)"),
	DD_KNOB(max_page_sharing, MAX_PAGE_SHARING, "users of one shared frame, at most"),
	DD_KNOB(use_zero_pages, USE_ZERO_PAGES, "zero pages to the zero page"),
	DD_KNOB(merge_across_nodes, MERGE_ACROSS_NODES, "merge across NUMA nodes"),
	DD_KNOB(smart_scan, SMART_SCAN, "smart scan (skip pages that did not merge)"),
	DD_KNOB(advisor_mode, ADVISOR_MODE, "advisor (0 none, 1 scan-time)"),
	DD_KNOB(advisor_target_scan_time, ADVISOR_TARGET, "advisor: full scan target (s)"),
	DD_KNOB(advisor_max_cpu, ADVISOR_MAX_CPU, "advisor: CPU ceiling (%)"),
	DD_KNOB(advisor_min_pages_to_scan, ADVISOR_MIN_PAGES, "advisor: pages_to_scan floor"),
	DD_KNOB(advisor_max_pages_to_scan, ADVISOR_MAX_PAGES, "advisor: pages_to_scan ceiling"),
	DD_KNOB(stable_node_chains_prune_millisecs, PRUNE_MILLISECS, "chain pruning interval (ms)"),
};

/* Words some tunables take besides numbers. */
static const struct {
	const char *knob, *word;
	__u32 value;
} dd_words[] = {
	{ "run", "stop", AETHER_DEDUPE_RUN_STOP },
	{ "run", "merge", AETHER_DEDUPE_RUN_MERGE },
	{ "run", "unmerge", AETHER_DEDUPE_RUN_UNMERGE },
	{ "advisor_mode", "none", AETHER_DEDUPE_ADVISOR_NONE },
	{ "advisor_mode", "scan-time", AETHER_DEDUPE_ADVISOR_SCAN_TIME },
};

static __u32 *dd_knob_field(struct aether_dedupe_knobs *k,
			    const struct dd_knob *kn)
{
	return (__u32 *)((char *)k + kn->off);
}

static int dd_status(int fd, struct aether_dedupe_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return actl_ioctl(fd, AETHER_DEDUPE_IOC_STATUS, st, "STATUS");
}

static unsigned int dd_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (unsigned int)ps : 4096;
}

/* @v bytes, for people: 12.3 MiB. */
static const char *dd_human(__s64 v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	__u64 a = v < 0 ? -(__u64)v : (__u64)v;
	unsigned int i = 0;
	__u64 scale = 1;

	while (i + 1 < ARRAY_SIZE(units) && a >= scale * 1024) {
		scale *= 1024;
		i++;
	}
	if (!i)
		snprintf(buf, len, "%s%llu B", v < 0 ? "-" : "",
			 (unsigned long long)a);
	else
		snprintf(buf, len, "%s%llu.%llu %s", v < 0 ? "-" : "",
			 (unsigned long long)(a / scale),
			 (unsigned long long)(a % scale * 10 / scale), units[i]);
	return buf;
}

/* A byte count: the number in JSON, the number and its size for people. */
static void dd_out_bytes(const struct actl_ctx *ctx, struct actl_out *t,
			 __s64 v)
{
	char buf[80], human[40];

	if (ctx->json) {
		out_s64(t, v);
		return;
	}
	snprintf(buf, sizeof(buf), "%lld (%s)", (long long)v,
		 dd_human(v, human, sizeof(human)));
	out_str(t, buf);
}

static void dd_print_knobs(const struct aether_dedupe_knobs *k)
{
	struct actl_out *t = out_kv("knobs", "Tunables (KSM's names)");
	struct aether_dedupe_knobs c = *k;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dd_knobs); i++) {
		out_key(t, dd_knobs[i].name, dd_knobs[i].label);
		out_u64(t, *dd_knob_field(&c, &dd_knobs[i]));
	}
	out_flush(t);
}

static void dd_print_counters(const struct actl_ctx *ctx,
			      const struct aether_dedupe_counters *c)
{
	struct actl_out *t = out_kv("counters", "Counters (KSM's names)");
	unsigned int ps = dd_page_size();

	out_key(t, "pages_shared", "shared frames in use");
	out_u64(t, c->pages_shared);
	out_key(t, "pages_sharing", "pages mapped from them (pages saved)");
	out_u64(t, c->pages_sharing);
	out_key(t, "saved_bytes", "memory saved, pages_sharing x page size");
	dd_out_bytes(ctx, t, (__s64)(c->pages_sharing * ps));
	out_key(t, "general_profit", "general_profit: saved less metadata");
	dd_out_bytes(ctx, t, c->general_profit);
	out_key(t, "pages_unshared", "pages unique so far (unstable tree)");
	out_u64(t, c->pages_unshared);
	out_key(t, "pages_volatile", "pages changing too often to merge");
	out_u64(t, c->pages_volatile);
	out_key(t, "zero_pages", "pages given to the zero page");
	out_u64(t, c->zero_pages);
	out_key(t, "full_scans", "full scans");
	out_u64(t, c->full_scans);
	out_key(t, "pages_scanned", "pages visited");
	out_u64(t, c->pages_scanned);
	out_key(t, "pages_skipped", "pages smart scan skipped");
	out_u64(t, c->pages_skipped);
	out_key(t, "stable_node_chains", "contents with several shared frames");
	out_u64(t, c->stable_node_chains);
	out_key(t, "stable_node_dups", "shared frames in those chains");
	out_u64(t, c->stable_node_dups);
	out_key(t, "merges", "merges done");
	out_u64(t, c->merges);
	out_key(t, "cow_unshares", "users that left a shared frame");
	out_u64(t, c->cow_unshares);
	out_key(t, "scan_ns", "scanner CPU time (ns)");
	out_u64(t, c->scan_ns);
	out_key(t, "last_full_scan_ns", "last full scan took (ns)");
	out_u64(t, c->last_full_scan_ns);
	out_key(t, "mergeable_pages", "pages of mergeable regions");
	out_u64(t, c->mergeable_pages);
	out_flush(t);
}

static int dd_cmd_status(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_dedupe_status st;

	(void)argv;
	if (argc != 1)
		return DEDUPE_USAGE;
	if (dd_status(fd, &st))
		return -EIO;
	dd_print_knobs(&st.knobs);
	dd_print_counters(ctx, &st.counters);
	return 0;
}

/* KEY=VALUE into @s: the knob's field and bit. */
static int dd_parse_assign(const char *arg, struct aether_dedupe_set *s)
{
	const char *eq = strchr(arg, '=');
	const struct dd_knob *kn = NULL;
	unsigned int i;
	size_t klen;
	__u64 v;

	if (!eq) {
		actl_err("'%s' is not KEY=VALUE", arg);
		return -EINVAL;
	}
	klen = eq - arg;
	for (i = 0; i < ARRAY_SIZE(dd_knobs); i++)
		if (strlen(dd_knobs[i].name) == klen &&
		    !strncmp(dd_knobs[i].name, arg, klen))
			kn = &dd_knobs[i];
	if (!kn) {
		actl_err("'%.*s' is not a tunable (aetherctl dedupe status lists them)",
			 (int)klen, arg);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(dd_words); i++) {
		if (!strcmp(dd_words[i].knob, kn->name) &&
		    !strcmp(dd_words[i].word, eq + 1)) {
			*dd_knob_field(&s->knobs, kn) = dd_words[i].value;
			s->mask |= kn->bit;
			return 0;
		}
	}
	if (actl_parse_u64(kn->name, eq + 1, &v))
		return -EINVAL;
	if (v > 0xffffffffULL) {
		actl_err("%s: %llu is out of range", kn->name,
			 (unsigned long long)v);
		return -EINVAL;
	}
	*dd_knob_field(&s->knobs, kn) = v;
	s->mask |= kn->bit;
	return 0;
}

/* SET, then the tunables as they are now. */
static int dd_set(int fd, struct aether_dedupe_set *s)
{
	struct aether_dedupe_status st;
	int ret;

	s->size = sizeof(*s);
	ret = actl_ioctl(fd, AETHER_DEDUPE_IOC_SET, s, "SET");
	if (ret == -EBUSY)
		actl_err("(max_page_sharing and merge_across_nodes change only while nothing is merged: 'aetherctl dedupe unmerge' first)");
	else if (ret == -EINVAL)
		actl_err("(a value out of range, the advisor's floor above its ceiling, or pages_to_scan while advisor_mode is 1)");
	else if (ret == -EINTR)
		actl_err("(interrupted: run is 0, some pages may still be merged)");
	if (ret)
		return -EIO;
	if (dd_status(fd, &st))
		return -EIO;
	dd_print_knobs(&st.knobs);
	return 0;
}

static int dd_cmd_set(const struct actl_ctx *ctx, int fd, int argc,
		      char **argv)
{
	struct aether_dedupe_set s = { 0 };
	int i;

	(void)ctx;
	if (argc < 2)
		return DEDUPE_USAGE;
	for (i = 1; i < argc; i++)
		if (dd_parse_assign(argv[i], &s))
			return DEDUPE_USAGE;
	return dd_set(fd, &s);
}

static int dd_set_run(int fd, int argc, __u32 run)
{
	struct aether_dedupe_set s = { .mask = AETHER_DEDUPE_SET_RUN };

	if (argc != 1)
		return DEDUPE_USAGE;
	s.knobs.run = run;
	return dd_set(fd, &s);
}

static int dd_cmd_run(const struct actl_ctx *ctx, int fd, int argc,
		      char **argv)
{
	(void)ctx;
	(void)argv;
	return dd_set_run(fd, argc, AETHER_DEDUPE_RUN_MERGE);
}

static int dd_cmd_stop(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	(void)ctx;
	(void)argv;
	return dd_set_run(fd, argc, AETHER_DEDUPE_RUN_STOP);
}

static int dd_cmd_unmerge(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	(void)ctx;
	(void)argv;
	return dd_set_run(fd, argc, AETHER_DEDUPE_RUN_UNMERGE);
}

/* N with an optional K, M or G (powers of 1024). */
static int dd_parse_size(const char *what, const char *s, __u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		goto bad;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		goto bad;
	*out = v << shift;
	return 0;
bad:
	actl_err("%s: '%s' is not a size (bytes, or N with K, M or G)", what, s);
	return -EINVAL;
}

/* Open the region called @name: its fd, or -1 (said why). */
static int dd_region_open(const char *name, __u32 flags)
{
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = flags | AETHER_MM_REGION_OPEN_CLOEXEC,
		.name = (uintptr_t)name,
	};
	int mfd, ret;

	mfd = open(MM_DEVICE, O_RDWR | O_CLOEXEC);
	if (mfd < 0) {
		actl_errno(errno, "cannot open %s", MM_DEVICE);
		return -1;
	}
	ret = actl_ioctl(mfd, AETHER_MM_IOC_REGION_OPEN, &o, "REGION_OPEN");
	close(mfd);
	if (ret) {
		actl_err("(no live region called '%s', or not yours)", name);
		return -1;
	}
	return o.fd;
}

static int dd_region_info(int rfd, struct aether_mm_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->size = sizeof(*ri);
	return actl_ioctl(rfd, AETHER_MM_IOC_REGION_INFO, ri, "REGION_INFO");
}

static int dd_region_stats(int fd, int rfd,
			   struct aether_dedupe_region_stats *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->size = sizeof(*rs);
	rs->region_fd = rfd;
	return actl_ioctl(fd, AETHER_DEDUPE_IOC_REGION_STATS, rs,
			  "REGION_STATS");
}

/* --name R alone, or with a first free argument; NULL: usage error. */
static const char *dd_name_opt(int argc, char **argv, const char *cmd)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ }
	};
	const char *name = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return NULL;
		name = optarg;
	}
	if (!name)
		actl_err("usage: dedupe %s --name REGION", cmd);
	return name;
}

static void dd_print_region_stats(const struct actl_ctx *ctx,
				  const char *name,
				  const struct aether_dedupe_region_stats *rs)
{
	struct actl_out *t = out_kv("region", "Region merging (REGION_STATS)");

	out_key(t, "name", "region");
	out_str(t, name);
	out_key(t, "domain", "trust domain");
	out_str(t, rs->domain[0] ? rs->domain : "(its creator's uid)");
	out_key(t, "pages", "data pages");
	out_u64(t, rs->pages);
	out_key(t, "merging_pages", "pages mapped from a shared frame");
	out_u64(t, rs->merging_pages);
	out_key(t, "zero_pages", "pages given to the zero page");
	out_u64(t, rs->zero_pages);
	out_key(t, "rmap_items", "pages the engine tracks");
	out_u64(t, rs->rmap_items);
	out_key(t, "profit", "profit: saved less metadata");
	dd_out_bytes(ctx, t, rs->profit);
	out_key(t, "merges", "merges since it was created");
	out_u64(t, rs->merges);
	out_flush(t);
}

static int dd_cmd_stats(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct aether_dedupe_region_stats rs;
	const char *name = dd_name_opt(argc, argv, "stats");
	int rfd, ret;

	if (!name || optind != argc)
		return DEDUPE_USAGE;
	rfd = dd_region_open(name, AETHER_MM_REGION_OPEN_RDONLY |
			     AETHER_MM_REGION_OPEN_FOREIGN);
	if (rfd < 0)
		return -EIO;
	ret = dd_region_stats(fd, rfd, &rs);
	close(rfd);
	if (ret)
		return -EIO;
	dd_print_region_stats(ctx, name, &rs);
	return 0;
}

static int dd_cmd_domain(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "clear", no_argument, NULL, 'c' },
		{ }
	};
	struct aether_dedupe_domain d = { .size = sizeof(d) };
	struct aether_dedupe_region_stats rs;
	const char *name = NULL, *dom = NULL;
	bool clear = false;
	int c, rfd, ret = 0;

	while ((c = getopt_long(argc, argv, "n:c", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'c')
			clear = true;
		else
			return DEDUPE_USAGE;
	}
	if (optind < argc)
		dom = argv[optind++];
	if (!name || optind != argc || (dom && clear)) {
		actl_err("usage: dedupe domain --name REGION [DOMAIN | --clear]");
		return DEDUPE_USAGE;
	}
	if (dom && strlen(dom) >= sizeof(d.name)) {
		actl_err("domain '%s' is longer than %zu bytes", dom,
			 sizeof(d.name) - 1);
		return DEDUPE_USAGE;
	}
	rfd = dd_region_open(name, AETHER_MM_REGION_OPEN_FOREIGN |
			     (dom || clear ? 0 : AETHER_MM_REGION_OPEN_RDONLY));
	if (rfd < 0)
		return -EIO;
	if (dom || clear) {
		d.region_fd = rfd;
		if (dom)
			strcpy(d.name, dom);
		ret = actl_ioctl(fd, AETHER_DEDUPE_IOC_SET_DOMAIN, &d,
				 "SET_DOMAIN");
		if (ret == -EINVAL)
			actl_err("(a domain name is 1..31 of [A-Za-z0-9_.-])");
	}
	if (!ret)
		ret = dd_region_stats(fd, rfd, &rs);
	close(rfd);
	if (ret)
		return -EIO;
	dd_print_region_stats(ctx, name, &rs);
	return 0;
}

static int dd_cmd_range(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ }
	};
	struct aether_mm_region_dedupe rd = { .size = sizeof(rd) };
	struct aether_mm_region_info ri;
	const char *name = NULL;
	struct actl_out *t;
	int c, rfd, ret;

	(void)fd;
	while ((c = getopt_long(argc, argv, "n:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			if (dd_parse_size("--offset", optarg, &rd.offset))
				return DEDUPE_USAGE;
			break;
		case 'l':
			if (dd_parse_size("--length", optarg, &rd.length))
				return DEDUPE_USAGE;
			break;
		default:
			return DEDUPE_USAGE;
		}
	}
	if (!name || optind != argc) {
		actl_err("usage: dedupe range --name REGION [--offset B] [--length B]");
		return DEDUPE_USAGE;
	}
	rfd = dd_region_open(name, 0);
	if (rfd < 0)
		return -EIO;
	ret = dd_region_info(rfd, &ri);
	if (!ret && !rd.length)
		rd.length = rd.offset < ri.length ? ri.length - rd.offset : 0;
	if (!ret)
		ret = actl_ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, &rd,
				 "REGION_DEDUPE");
	close(rfd);
	if (ret == -EINVAL)
		actl_err("(the region must be MERGEABLE, the range page aligned and inside it)");
	if (ret && ret != -EINTR)
		return -EIO;
	t = out_kv("range", "Merged now (REGION_DEDUPE)");
	out_key(t, "offset", "offset (bytes)");
	out_u64(t, rd.offset);
	out_key(t, "length", "length (bytes)");
	out_u64(t, rd.length);
	out_key(t, "scanned", "pages visited");
	out_u64(t, rd.scanned);
	out_key(t, "merged", "pages merged");
	out_u64(t, rd.merged);
	out_key(t, "saved", "memory saved in the region's domain");
	dd_out_bytes(ctx, t, rd.saved);
	out_flush(t);
	return ret ? -EIO : 0;
}

/* ---- demo ------------------------------------------------------------ */

struct dd_demo {
	unsigned int procs;
	unsigned int pages;	/* per region */
	unsigned int unique;	/* of them, unique to the region */
	unsigned int seconds;	/* for the scanner to converge, at most */
	unsigned int ps;
	unsigned int distinct;	/* contents of the shared pages */
};

/* Page @i of region @r: the byte pattern all regions share, or its own. */
static void dd_demo_fill(const struct dd_demo *d, unsigned int r,
			 unsigned int i, unsigned char *p)
{
	__u64 seed, *w = (__u64 *)p;
	unsigned int k;

	if (i < d->pages - d->unique)
		seed = 0x5eed0000ULL + i % d->distinct;
	else
		seed = 0x00c0ffee00000000ULL | ((__u64)r << 20) | i;
	for (k = 0; k < d->ps / sizeof(*w); k++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		w[k] = seed;
	}
}

/*
 * A child: map region @r, fill it, say so on @ready, wait for the parent
 * on @go, check every page, write one page of the shared part (a
 * copy-on-write from a shared frame) and check again.  Exits 0 when every
 * page read what was written.
 */
static int dd_demo_child(const struct dd_demo *d, unsigned int r, int rfd,
			 int ready, int go)
{
	struct aether_mm_region_info ri;
	unsigned char *p, *want;
	unsigned int i, bad = 0;
	char c = 'r';

	want = malloc(d->ps);
	if (!want || dd_region_info(rfd, &ri))
		return 1;
	p = mmap(NULL, ri.data_offset * 2 + ri.length, PROT_READ | PROT_WRITE,
		 MAP_SHARED, rfd, 0);
	if (p == MAP_FAILED)
		return 1;
	p += ri.data_offset;
	for (i = 0; i < d->pages; i++)
		dd_demo_fill(d, r, i, p + (size_t)i * d->ps);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 1;
	for (i = 0; i < d->pages; i++) {
		dd_demo_fill(d, r, i, want);
		bad += !!memcmp(p + (size_t)i * d->ps, want, d->ps);
	}
	/* A write to a merged page: this region's copy only. */
	memset(p, 0xa5, d->ps);
	for (i = 0; i < d->ps; i++)
		bad += p[i] != 0xa5;
	return bad ? 2 : 0;
}

static int dd_demo_create(int mfd, const struct dd_demo *d)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_SHARED | AETHER_MM_REGION_MERGEABLE |
			 AETHER_MM_REGION_CLOEXEC,
		.length = (__u64)d->pages * d->ps,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};

	if (actl_ioctl(mfd, AETHER_MM_IOC_REGION_CREATE, &c, "REGION_CREATE"))
		return -1;
	return c.fd;
}

/* Merge: the scanner when we may start it, else REGION_DEDUPE. */
static int dd_demo_merge(int fd, const struct dd_demo *d, const int *rfds,
			 bool *scanner, __u32 *old_run)
{
	struct aether_dedupe_set s = { .size = sizeof(s),
				       .mask = AETHER_DEDUPE_SET_RUN };
	struct aether_dedupe_status st;
	struct timespec tick = { .tv_nsec = 200 * 1000 * 1000 };
	__u64 scans, last = ~0ULL;
	unsigned int i, still = 0;

	if (dd_status(fd, &st))
		return -EIO;
	*old_run = st.knobs.run;
	s.knobs.run = AETHER_DEDUPE_RUN_MERGE;
	*scanner = geteuid() == 0 &&
		   !ioctl(fd, AETHER_DEDUPE_IOC_SET, &s);
	if (*scanner) {
		out_note("aether_ksmd runs (run=1, pages_to_scan %u, sleep %u ms); waiting for it to settle",
			 st.knobs.pages_to_scan, st.knobs.sleep_millisecs);
		scans = st.counters.full_scans;
		/* Two full scans at least, then until pages_sharing is still. */
		for (i = 0; i < d->seconds * 5; i++) {
			nanosleep(&tick, NULL);
			if (dd_status(fd, &st))
				return -EIO;
			if (st.counters.full_scans < scans + 2)
				continue;
			still = st.counters.pages_sharing == last ? still + 1 : 0;
			last = st.counters.pages_sharing;
			if (still >= 5)
				return 0;
		}
		out_note("the scanner had not settled after %u s", d->seconds);
		return 0;
	}
	out_note("not root: merging each region now with REGION_DEDUPE");
	for (i = 0; i < d->procs; i++) {
		struct aether_mm_region_dedupe rd = {
			.size = sizeof(rd),
			.length = (__u64)d->pages * d->ps,
		};

		if (actl_ioctl(rfds[i], AETHER_MM_IOC_REGION_DEDUPE, &rd,
			       "REGION_DEDUPE"))
			return -EIO;
	}
	return 0;
}

static void dd_demo_report(const struct actl_ctx *ctx, int fd,
			   const struct dd_demo *d, const int *rfds,
			   const struct aether_dedupe_counters *before)
{
	struct aether_dedupe_region_stats rs;
	struct aether_dedupe_status st;
	__u64 dup = (__u64)d->procs * (d->pages - d->unique);
	__u64 expect = dup > d->distinct ? dup - d->distinct : 0;
	__u64 merging = 0;
	struct actl_out *t;
	unsigned int i;

	t = out_table("regions", "The demo's regions");
	out_col(t, "region", "REGION");
	out_col(t, "pages", "PAGES");
	out_col(t, "merging_pages", "MERGED");
	out_col(t, "zero_pages", "ZERO");
	out_col(t, "profit", "PROFIT(B)");
	for (i = 0; i < d->procs; i++) {
		if (dd_region_stats(fd, rfds[i], &rs))
			continue;
		out_row(t);
		out_u64(t, i);
		out_u64(t, rs.pages);
		out_u64(t, rs.merging_pages);
		out_u64(t, rs.zero_pages);
		out_s64(t, rs.profit);
		merging += rs.merging_pages;
	}
	out_flush(t);
	if (dd_status(fd, &st))
		return;
	t = out_kv("demo", "What merging saved");
	out_key(t, "processes", "processes, one region each");
	out_u64(t, d->procs);
	out_key(t, "pages", "pages written in all");
	out_u64(t, (__u64)d->procs * d->pages);
	out_key(t, "duplicate_pages", "of them, copies of the same contents");
	out_u64(t, dup);
	out_key(t, "distinct", "distinct contents among those copies");
	out_u64(t, d->distinct);
	out_key(t, "expected_sharing", "pages that could be saved");
	out_u64(t, expect);
	out_key(t, "merging_pages", "pages now mapped from a shared frame");
	out_u64(t, merging);
	out_key(t, "pages_sharing", "pages saved (pages_sharing, every region)");
	out_u64(t, st.counters.pages_sharing - before->pages_sharing);
	out_key(t, "pages_shared", "shared frames they use");
	out_u64(t, st.counters.pages_shared - before->pages_shared);
	out_key(t, "saved_bytes", "memory saved");
	dd_out_bytes(ctx, t, (__s64)((st.counters.pages_sharing -
				      before->pages_sharing) * d->ps));
	out_flush(t);
}

static int dd_demo_opts(int argc, char **argv, struct dd_demo *d)
{
	static const struct option opts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "pages", required_argument, NULL, 'n' },
		{ "unique", required_argument, NULL, 'u' },
		{ "seconds", required_argument, NULL, 's' },
		{ }
	};
	long v;
	int c;

	*d = (struct dd_demo){ .procs = 4, .pages = 256, .unique = 32,
			       .seconds = 60, .ps = dd_page_size() };
	while ((c = getopt_long(argc, argv, "p:n:u:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (actl_parse_int("--procs", optarg, 2, 16, &v))
				return DEDUPE_USAGE;
			d->procs = v;
			break;
		case 'n':
			if (actl_parse_int("--pages", optarg, 2, 65536, &v))
				return DEDUPE_USAGE;
			d->pages = v;
			break;
		case 'u':
			if (actl_parse_int("--unique", optarg, 0, 65535, &v))
				return DEDUPE_USAGE;
			d->unique = v;
			break;
		case 's':
			if (actl_parse_int("--seconds", optarg, 1, 3600, &v))
				return DEDUPE_USAGE;
			d->seconds = v;
			break;
		default:
			return DEDUPE_USAGE;
		}
	}
	if (optind != argc || d->unique >= d->pages) {
		actl_err("usage: dedupe demo [--procs N] [--pages P] [--unique U < P] [--seconds S]");
		return DEDUPE_USAGE;
	}
	/* A quarter of the shared part: pages repeat inside a region too. */
	d->distinct = (d->pages - d->unique + 3) / 4;
	return 0;
}

/*
 * Start the children, each on its region; @pids get their pids.  Each says
 * on @ready that its pages are written and waits on @go; one that fails
 * first says nothing, so the wait is bounded by --seconds.
 */
static int dd_demo_spawn(const struct dd_demo *d, const int *rfds,
			 pid_t *pids, const int *ready, const int *go)
{
	struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
	unsigned int i;
	char c;

	for (i = 0; i < d->procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			actl_errno(errno, "fork");
			return -EIO;
		}
		if (!pids[i]) {
			close(ready[0]);
			close(go[1]);
			_exit(dd_demo_child(d, i, rfds[i], ready[1], go[0]));
		}
	}
	for (i = 0; i < d->procs; i++) {
		if (poll(&pfd, 1, d->seconds * 1000) != 1 ||
		    read(ready[0], &c, 1) != 1) {
			actl_err("a demo process failed to write its pages");
			return -EIO;
		}
	}
	return 0;
}

/* Let the children check their pages; 0 when every one found them right. */
static int dd_demo_reap(const struct dd_demo *d, const pid_t *pids, int go_wr)
{
	unsigned int i, bad = 0;
	int status;

	for (i = 0; i < d->procs; i++)
		if (pids[i] > 0 && write(go_wr, "g", 1) != 1)
			kill(pids[i], SIGKILL);
	for (i = 0; i < d->procs; i++) {
		if (pids[i] <= 0)
			continue;
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			actl_err("demo process %u: its pages did not read back (status 0x%x)",
				 i, status);
			bad++;
		}
	}
	return bad ? -EIO : 0;
}

static int dd_cmd_demo(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	struct aether_dedupe_set s = { .size = sizeof(s),
				       .mask = AETHER_DEDUPE_SET_RUN };
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, rfds[16];
	struct aether_dedupe_status before;
	pid_t pids[16] = { 0 };
	unsigned int i, made = 0;
	bool scanner = false;
	struct dd_demo d;
	int mfd, ret;

	ret = dd_demo_opts(argc, argv, &d);
	if (ret)
		return ret;
	if (dd_status(fd, &before))
		return -EIO;
	mfd = open(MM_DEVICE, O_RDWR | O_CLOEXEC);
	if (mfd < 0) {
		actl_errno(errno, "cannot open %s", MM_DEVICE);
		return -EIO;
	}
	for (; made < d.procs; made++) {
		rfds[made] = dd_demo_create(mfd, &d);
		if (rfds[made] < 0)
			break;
	}
	close(mfd);
	ret = made < d.procs ? -EIO : 0;
	if (!ret && (pipe(ready) || pipe(go))) {
		actl_errno(errno, "pipe");
		ret = -EIO;
	}
	out_note("%u processes, each writing %u pages (%u of them unique) into its own mergeable region",
		 d.procs, d.pages, d.unique);
	if (!ret)
		ret = dd_demo_spawn(&d, rfds, pids, ready, go);
	if (!ret)
		ret = dd_demo_merge(fd, &d, rfds, &scanner, &s.knobs.run);
	if (!ret)
		dd_demo_report(ctx, fd, &d, rfds, &before.counters);
	if (scanner)	/* the scanner as it was */
		ioctl(fd, AETHER_DEDUPE_IOC_SET, &s);
	if (dd_demo_reap(&d, pids, go[1]))
		ret = -EIO;
	else if (!ret)
		out_note("every process read its pages back, and a write to a merged page stayed its own");
	for (i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	for (i = 0; i < made; i++)
		close(rfds[i]);
	return ret;
}

static const struct actl_cmd dd_cmds[] = {
	{ "status", dd_cmd_status, "",
	  "the tunables and every counter, KSM's names" },
	{ "set", dd_cmd_set, "KEY=VALUE...",
	  "set tunables by KSM's names, all or nothing (root)" },
	{ "run", dd_cmd_run, "", "start aether_ksmd merging: run=1 (root)" },
	{ "stop", dd_cmd_stop, "", "stop it, merged pages stay: run=0 (root)" },
	{ "unmerge", dd_cmd_unmerge, "",
	  "unmerge every shared page, then stop: run=2 (root)" },
	{ "range", dd_cmd_range, "--name REGION [--offset B] [--length B]",
	  "merge what can be merged of a region's range now (REGION_DEDUPE)" },
	{ "stats", dd_cmd_stats, "--name REGION",
	  "one region's merging figures (yours; any for root)" },
	{ "domain", dd_cmd_domain, "--name REGION [DOMAIN | --clear]",
	  "put a region into a named trust domain or back to its\n\t\t creator's (root); alone, show its domain" },
	{ "demo", dd_cmd_demo,
	  "[--procs N] [--pages P] [--unique U] [--seconds S]",
	  "processes with equal pages in mergeable regions, merged by the\n\t\t scanner (root) or REGION_DEDUPE; what it saved; pages checked" },
};

static const char dd_notes[] =
	"Tunables and counters have KSM's names and meanings\n"
	"(Documentation/admin-guide/mm/ksm.rst).  Pages merge only inside\n"
	"one trust domain: the uid that created the region, or a named\n"
	"domain root put it into; the zero page (use_zero_pages=1) is the\n"
	"only sharing across domains.  Regions are named as 'aetherctl\n"
	"region' names them (REGION_OPEN on /dev/aether_mm); only regions\n"
	"created MERGEABLE merge.\n";

const struct actl_module actl_dedupe_module = {
	.name = "dedupe",
	.summary = "page merging of mergeable regions, as KSM\n"
		   "                  (/dev/aether_dedupe)",
	.device = DEDUPE_DEVICE,
	.module = "aether_dedupe",
	.cmds = dd_cmds,
	.nr_cmds = ARRAY_SIZE(dd_cmds),
	.notes = dd_notes,
	.default_cmd = "status",
};
