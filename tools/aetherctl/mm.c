// SPDX-License-Identifier: GPL-2.0
/*
 * mm.c - aetherctl mm: the page pool's state and its global commands
 *
 * info, stats, zones, frag, policy, drain and reserve live here; alloc and
 * free (which hold blocks for the life of aetherctl's fd) are in
 * mm_alloc.c, bench in mm_bench.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <termios.h>

#include "mm.h"

static const char * const mm_zone_names[AETHER_MM_NR_ZONES] = {
	"DMA", "DMA32", "Normal",
};

static const char * const mm_mt_names[AETHER_MM_NR_MT] = {
	"unmovable", "movable", "reclaimable",
};

static const char * const mm_policy_names[AETHER_MM_NR_POL] = {
	"local", "preferred", "bind", "interleave",
};

const char *mm_zone_name(__u32 zone)
{
	return zone < AETHER_MM_NR_ZONES ? mm_zone_names[zone] : "?";
}

const char *mm_mt_name(__u32 mt)
{
	return mt < AETHER_MM_NR_MT ? mm_mt_names[mt] : "?";
}

const char *mm_policy_name(__u32 mode)
{
	return mode < AETHER_MM_NR_POL ? mm_policy_names[mode] : "?";
}

/* A name from @names (any case) or its index. */
static int mm_lookup(const char *s, const char * const *names,
		     unsigned int nr, const char *what, __u32 *out)
{
	unsigned long v;
	unsigned int i;
	char *end;

	for (i = 0; i < nr; i++) {
		if (!strcasecmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	v = strtoul(s, &end, 0);
	if (*s && !*end && v < nr) {
		*out = v;
		return 0;
	}
	fprintf(stderr, "aetherctl: %s: '%s' is not one of", what, s);
	for (i = 0; i < nr; i++)
		fprintf(stderr, "%s %s", i ? "," : "", names[i]);
	fprintf(stderr, " (or 0..%u)\n", nr - 1);
	return -EINVAL;
}

/* A policy mode name, without complaining when it is not one. */
static int mm_lookup_quiet(const char *s, __u32 *mode)
{
	unsigned int i;

	for (i = 0; i < AETHER_MM_NR_POL; i++) {
		if (!strcasecmp(s, mm_policy_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

int mm_parse_zone(const char *s, __u32 *zone)
{
	return mm_lookup(s, mm_zone_names, AETHER_MM_NR_ZONES, "zone", zone);
}

int mm_parse_mt(const char *s, __u32 *mt)
{
	return mm_lookup(s, mm_mt_names, AETHER_MM_NR_MT, "migrate type", mt);
}

/* "0,1", "0-3", "all" (= every bit the interface can name, 0..7). */
static int mm_parse_nodes(const char *s, __u64 *mask)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int ret = 0;

	*mask = 0;
	if (!copy)
		return -ENOMEM;
	if (!strcmp(s, "all")) {
		*mask = (1ULL << AETHER_MM_MAX_NODES) - 1;
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		long lo, hi;

		if (dash)
			*dash = '\0';
		ret = actl_parse_int("node", tok, 0, 63, &lo);
		if (!ret)
			ret = dash ? actl_parse_int("node", dash + 1, lo, 63,
						    &hi) : 0;
		if (ret)
			goto out;
		if (!dash)
			hi = lo;
		for (; lo <= hi; lo++)
			*mask |= 1ULL << lo;
	}
out:
	free(copy);
	return ret;
}

/* MODE and NODES; no NODES means every node of the pool behind @fd. */
int mm_parse_policy(const char *mode, const char *nodes, int fd,
		    __u32 *pmode, __u64 *mask)
{
	if (mm_lookup(mode, mm_policy_names, AETHER_MM_NR_POL, "policy mode",
		      pmode))
		return -EINVAL;
	*mask = 0;
	if (nodes)
		return mm_parse_nodes(nodes, mask);
	if (*pmode != AETHER_MM_POL_LOCAL)
		*mask = mm_all_nodes(fd);
	return 0;
}

/* Bit n set for each node 0..nr_nodes-1 of the pool. */
__u64 mm_all_nodes(int fd)
{
	struct aether_mm_pool_info pi;

	if (mm_pool_info(fd, &pi) || !pi.nr_nodes)
		return 1;
	return pi.nr_nodes >= 64 ? ~0ULL : (1ULL << pi.nr_nodes) - 1;
}

void mm_format_nodes(__u64 mask, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int n;

	buf[0] = '\0';
	for (n = 0; n < 64 && used < len; n++)
		if (mask & (1ULL << n))
			used += snprintf(buf + used, len - used, "%s%u",
					 used ? "," : "", n);
	if (!used)
		snprintf(buf, len, "-");
}

int mm_pool_info(int fd, struct aether_mm_pool_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->size = sizeof(*pi);
	return actl_ioctl(fd, AETHER_MM_IOC_POOL_INFO, pi, "POOL_INFO");
}

int mm_zone_stats(int fd, __u32 node, __u32 zone,
		  struct aether_mm_zone_stats *zs)
{
	memset(zs, 0, sizeof(*zs));
	zs->size = sizeof(*zs);
	zs->node = node;
	zs->zone = zone;
	return actl_ioctl(fd, AETHER_MM_IOC_ZONE_STATS, zs, "ZONE_STATS");
}

/* Sleep @seconds (0: not at all), or until Ctrl-C / SIGTERM. */
void mm_hold(const struct actl_ctx *ctx, unsigned long seconds)
{
	(void)ctx;
	if (!seconds)
		return;
	out_note("holding for %lu s (Ctrl-C to release now)", seconds);
	actl_hold(seconds);
}

/* Options every mm command takes besides its own. */
static int mm_no_args(const char *cmd, int argc, char **argv)
{
	if (argc > 1) {
		actl_err("mm %s: unexpected argument '%s'", cmd, argv[1]);
		return MM_USAGE;
	}
	return 0;
}

static void mm_print_pool(const struct aether_mm_pool_info *pi)
{
	struct actl_out *t = out_kv("pool", "Pool");
	__u64 used = pi->pages_total - pi->pages_free - pi->pages_reserved;

	out_key(t, "nr_nodes", "nodes");
	out_u64(t, pi->nr_nodes);
	out_key(t, "page_size", "page size (B)");
	out_u64(t, pi->page_size);
	out_key(t, "max_order", "max order");
	out_u64(t, pi->max_order);
	out_key(t, "pcp_max_order", "per-CPU list max order");
	out_u64(t, pi->pcp_max_order);
	out_key(t, "chunk_order", "chunk order");
	out_u64(t, pi->chunk_order);
	out_key(t, "chunk_kib", "chunk size (KiB)");
	out_u64(t, ((__u64)pi->page_size << pi->chunk_order) >> 10);
	out_key(t, "tracking", "allocation tracking");
	out_str(t, pi->tracking ? "on" : "off");
	out_key(t, "pages_total", "pages total");
	out_u64(t, pi->pages_total);
	out_key(t, "pages_free", "pages free");
	out_u64(t, pi->pages_free);
	out_key(t, "pages_used", "pages used");
	out_u64(t, used);
	out_key(t, "pages_reserved", "pages reserved");
	out_u64(t, pi->pages_reserved);
	out_key(t, "total_mib", "total (MiB)");
	out_u64(t, (pi->pages_total * pi->page_size) >> 20);
	out_key(t, "chunks", "chunks");
	out_u64(t, pi->chunks);
	out_key(t, "chunks_grown", "chunks grown");
	out_u64(t, pi->chunks_grown);
	out_key(t, "chunks_shrunk", "chunks shrunk");
	out_u64(t, pi->chunks_shrunk);
	out_flush(t);
}

static void mm_print_nodes(const struct aether_mm_pool_info *pi)
{
	struct actl_out *t = out_table("nodes", "Nodes");
	unsigned int n, m;

	out_col(t, "node", "node");
	out_col(t, "pages", "pages");
	out_col(t, "free", "free pages");
	out_col(t, "used_pct", "used (%)");
	out_col(t, "mib", "size (MiB)");
	out_col(t, "chunks", "chunks");
	out_col(t, "chunks_max", "chunks max");
	for (n = 0; n < pi->nr_nodes && n < AETHER_MM_MAX_NODES; n++) {
		out_row(t);
		out_u64(t, n);
		out_u64(t, pi->node_pages[n]);
		out_u64(t, pi->node_free[n]);
		out_pct(t, pi->node_pages[n] - pi->node_free[n],
			pi->node_pages[n]);
		out_u64(t, (pi->node_pages[n] * pi->page_size) >> 20);
		out_u64(t, pi->node_pages[n] >> pi->chunk_order);
		out_u64(t, pi->node_chunks_max[n]);
	}
	out_flush(t);

	t = out_table("distance", "Node distances");
	out_col(t, "node", "node");
	for (m = 0; m < pi->nr_nodes && m < AETHER_MM_MAX_NODES; m++) {
		static const char * const to[AETHER_MM_MAX_NODES] = {
			"to_0", "to_1", "to_2", "to_3",
			"to_4", "to_5", "to_6", "to_7",
		};
		out_col(t, to[m], to[m] + 3);
	}
	for (n = 0; n < pi->nr_nodes && n < AETHER_MM_MAX_NODES; n++) {
		out_row(t);
		out_u64(t, n);
		for (m = 0; m < pi->nr_nodes && m < AETHER_MM_MAX_NODES; m++)
			out_u64(t, pi->node_distance[n][m]);
	}
	out_flush(t);
}

static int mm_cmd_info(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	struct aether_mm_pool_info pi;

	(void)ctx;
	if (mm_no_args("info", argc, argv))
		return MM_USAGE;
	if (mm_pool_info(fd, &pi))
		return -EIO;
	mm_print_pool(&pi);
	mm_print_nodes(&pi);
	return 0;
}

static int mm_cmd_stats(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct aether_mm_stats st = { .size = sizeof(st) };
	struct actl_out *t;

	(void)ctx;
	if (mm_no_args("stats", argc, argv))
		return MM_USAGE;
	if (actl_ioctl(fd, AETHER_MM_IOC_STATS, &st, "STATS"))
		return -EIO;
	t = out_kv("stats", "Event counters since load");
#define MM_STAT(field, label)		\
	do {				\
		out_key(t, #field, label);	\
		out_u64(t, st.field);	\
	} while (0)
	MM_STAT(alloc, "blocks allocated");
	MM_STAT(free, "blocks freed");
	MM_STAT(alloc_fail, "allocations failed");
	MM_STAT(pcp_hit, "per-CPU list hits");
	MM_STAT(pcp_refill, "per-CPU list refills");
	MM_STAT(pcp_drain, "per-CPU list drains");
	MM_STAT(split, "blocks split");
	MM_STAT(merge, "buddies merged");
	MM_STAT(mt_fallback, "migrate type fallbacks");
	MM_STAT(mt_steal, "pageblocks stolen");
	MM_STAT(node_fallback, "node fallbacks");
	MM_STAT(zone_fallback, "zone fallbacks");
	MM_STAT(grow, "chunks grown");
	MM_STAT(shrink, "chunks shrunk");
	MM_STAT(grow_fail, "growth refused by Linux");
	MM_STAT(wmark_low_hit, "low watermark hits");
#undef MM_STAT
	out_flush(t);
	return 0;
}

static int mm_cmd_zones(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct aether_mm_zone_stats zs;
	struct aether_mm_pool_info pi;
	struct actl_out *t, *f;
	char key[AETHER_MM_NR_ORDERS][8];
	__u32 n, z, o;

	(void)ctx;
	if (mm_no_args("zones", argc, argv))
		return MM_USAGE;
	if (mm_pool_info(fd, &pi))
		return -EIO;
	t = out_table("zones", "Zones (pages)");
	out_col(t, "node", "node");
	out_col(t, "zone", "zone");
	out_col(t, "managed", "managed");
	out_col(t, "free", "free");
	out_col(t, "pcp", "per-CPU");
	out_col(t, "reserved", "reserved");
	out_col(t, "wmark_min", "min");
	out_col(t, "wmark_low", "low");
	out_col(t, "wmark_high", "high");
	out_col(t, "alloc_ok", "allocs (blocks)");
	out_col(t, "alloc_fail", "failed (allocs)");

	f = out_table("free_blocks", "Free blocks per order (blocks)");
	out_col(f, "node", "node");
	out_col(f, "zone", "zone");
	for (o = 0; o <= pi.max_order && o < AETHER_MM_NR_ORDERS; o++) {
		snprintf(key[o], sizeof(key[o]), "o%u", o);
		out_col(f, key[o], key[o]);
	}
	for (n = 0; n < pi.nr_nodes; n++) {
		for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
			if (mm_zone_stats(fd, n, z, &zs))
				return -EINVAL;
			if (!zs.present)
				continue;
			out_row(t);
			out_u64(t, n);
			out_str(t, mm_zone_name(z));
			out_u64(t, zs.managed);
			out_u64(t, zs.free);
			out_u64(t, zs.pcp);
			out_u64(t, zs.reserved);
			out_u64(t, zs.wmark_min);
			out_u64(t, zs.wmark_low);
			out_u64(t, zs.wmark_high);
			out_u64(t, zs.alloc_ok);
			out_u64(t, zs.alloc_fail);

			out_row(f);
			out_u64(f, n);
			out_str(f, mm_zone_name(z));
			for (o = 0; o <= pi.max_order &&
			     o < AETHER_MM_NR_ORDERS; o++)
				out_u64(f, zs.nr_free[o]);
		}
	}
	out_flush(t);
	out_flush(f);
	return 0;
}

/*
 * mm frag --plot: the columns a bar may take.  On a terminal, its width
 * less the label and the count (MM_PLOT_LABEL + MM_PLOT_COUNT columns);
 * otherwise, or on a terminal too narrow to say, MM_PLOT_BAR.
 */
#define MM_PLOT_BAR	60
#define MM_PLOT_MIN_BAR	10
#define MM_PLOT_LABEL	10	/* "  order 10 " */
#define MM_PLOT_COUNT	24	/* " 1234567890 (12345678 pages)" less slack */

static unsigned int mm_plot_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) ||
	    !ws.ws_col)
		return MM_PLOT_BAR;
	if (ws.ws_col < MM_PLOT_LABEL + MM_PLOT_COUNT + MM_PLOT_MIN_BAR)
		return MM_PLOT_MIN_BAR;
	return ws.ws_col - MM_PLOT_LABEL - MM_PLOT_COUNT;
}

/*
 * One zone's free blocks as a bar chart, one line per order:
 *
 *   node 0 zone Normal: 3744 free pages, bars: 90 blocks = 60 columns
 *     order  0 ################################      90 (90 pages)
 *
 * The bars are linear in blocks, scaled so that the zone's largest count
 * fills @width (the heading says the scale); a count above zero has at
 * least one #, so that a lone high-order block is seen.  The counts are
 * those "mm frag" prints.
 */
static void mm_plot_zone(__u32 node, __u32 zone,
			 const struct aether_mm_frag *fr, unsigned int width)
{
	__u32 o, nr = fr->nr_orders;
	unsigned int len, i;
	__u64 max = 0;

	if (nr > AETHER_MM_NR_ORDERS)
		nr = AETHER_MM_NR_ORDERS;
	for (o = 0; o < nr; o++)
		if (fr->free_blocks[o] > max)
			max = fr->free_blocks[o];
	printf("node %u zone %s: %llu free pages, bars: %llu blocks = %u columns\n",
	       node, mm_zone_name(zone), (unsigned long long)fr->free_pages,
	       (unsigned long long)max, width);
	for (o = 0; o < nr; o++) {
		__u64 b = fr->free_blocks[o];

		len = max ? (unsigned int)((b * width + max - 1) / max) : 0;
		if (len > width)
			len = width;
		printf("  order %2u ", o);
		for (i = 0; i < width; i++)
			putchar(i < len ? '#' : ' ');
		printf(" %llu (%llu pages)\n", (unsigned long long)b,
		       (unsigned long long)(b << o));
	}
}

static int mm_cmd_frag(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "zone", required_argument, NULL, 'z' },
		{ "plot", no_argument, NULL, 'p' },
		{ }
	};
	struct aether_mm_pool_info pi;
	struct aether_mm_zone_stats zs;
	long node = -1, zone = -1;
	unsigned int width = 0;
	struct actl_out *t = NULL;
	bool plot = false;
	__u32 n, z, o, zz;
	int c;

	if (mm_pool_info(fd, &pi))
		return -EINVAL;
	while ((c = getopt_long(argc, argv, "n:z:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (actl_parse_int("--node", optarg, 0,
					   pi.nr_nodes - 1, &node))
				return MM_USAGE;
			break;
		case 'z':
			if (mm_parse_zone(optarg, &zz))
				return MM_USAGE;
			zone = zz;
			break;
		case 'p':
			plot = true;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind < argc)
		return mm_no_args("frag", argc - optind + 1, argv + optind - 1);
	if (plot && ctx->json) {
		actl_err("mm frag: --plot draws for a person; --json without it gives the figures");
		return MM_USAGE;
	}

	if (plot) {
		width = mm_plot_width();
		goto walk;
	}
	t = out_table("frag", "Fragmentation (index 0 = none .. 1 = all; "
		      "extfrag -1: a block of that order is free)");
	out_col(t, "node", "node");
	out_col(t, "zone", "zone");
	out_col(t, "order", "order");
	out_col(t, "free_blocks", "free (blocks)");
	out_col(t, "free_pages", "zone free (pages)");
	out_col(t, "unusable", "unusable index");
	out_col(t, "extfrag", "extfrag index");
walk:
	for (n = 0; n < pi.nr_nodes; n++) {
		if (node >= 0 && n != node)
			continue;
		for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
			struct aether_mm_frag fr = {
				.size = sizeof(fr), .node = n, .zone = z,
			};

			if (zone >= 0 && z != zone)
				continue;
			if (mm_zone_stats(fd, n, z, &zs))
				return -EINVAL;
			if (!zs.present && zone < 0)
				continue;
			if (actl_ioctl(fd, AETHER_MM_IOC_FRAG, &fr, "FRAG"))
				return -EINVAL;
			if (plot) {
				mm_plot_zone(n, z, &fr, width);
				continue;
			}
			for (o = 0; o < fr.nr_orders &&
			     o < AETHER_MM_NR_ORDERS; o++) {
				out_row(t);
				out_u64(t, n);
				out_str(t, mm_zone_name(z));
				out_u64(t, o);
				out_u64(t, fr.free_blocks[o]);
				out_u64(t, fr.free_pages);
				out_x1000(t, fr.unusable[o]);
				out_x1000(t, fr.extfrag[o]);
			}
		}
	}
	if (t)
		out_flush(t);
	return 0;
}

static void mm_print_policy(const struct aether_mm_policy *p)
{
	struct actl_out *t = out_kv("policy", "NUMA policy of this fd");
	char nodes[256];

	mm_format_nodes(p->nodemask, nodes, sizeof(nodes));
	out_key(t, "mode", "mode");
	out_str(t, mm_policy_name(p->mode));
	out_key(t, "nodemask", "nodemask");
	out_hex(t, p->nodemask);
	out_key(t, "nodes", "nodes");
	out_str(t, nodes);
	out_flush(t);
}

/*
 * A policy belongs to the fd.  "set" proves the module accepts it and
 * prints it back; it ends when aetherctl exits.  mm alloc --policy applies
 * one to the allocations of the same invocation.
 */
static int mm_cmd_policy(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_mm_policy p = { .size = sizeof(p) };
	const char *sub = argc > 1 ? argv[1] : "get";
	__u32 mode;
	bool set;

	(void)ctx;
	/* "mm policy MODE [NODES]" is short for "mm policy set ...". */
	set = !strcmp(sub, "set");
	if (!set && strcmp(sub, "get") &&
	    !mm_lookup_quiet(sub, &mode)) {
		set = true;
		argc++;
		argv--;
	}
	if (set) {
		if (argc < 3 || argc > 4) {
			actl_err("usage: mm policy set MODE [NODES]");
			return MM_USAGE;
		}
		if (mm_parse_policy(argv[2], argc > 3 ? argv[3] : NULL,
				    fd, &p.mode, &p.nodemask))
			return MM_USAGE;
		if (actl_ioctl(fd, AETHER_MM_IOC_SET_POLICY, &p, "SET_POLICY"))
			return -EINVAL;
	} else if (strcmp(sub, "get") || argc > 2) {
		actl_err("usage: mm policy [get | [set] MODE [NODES]]");
		return MM_USAGE;
	}
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	if (actl_ioctl(fd, AETHER_MM_IOC_GET_POLICY, &p, "GET_POLICY"))
		return -EINVAL;
	mm_print_policy(&p);
	if (set)
		out_note("note: the policy ends with aetherctl's fd; to use one: %s",
			 "mm alloc --policy MODE[:NODES]");
	return 0;
}

static __u64 mm_pcp_pages(int fd, const struct aether_mm_pool_info *pi)
{
	struct aether_mm_zone_stats zs;
	__u64 sum = 0;
	__u32 n, z;

	for (n = 0; n < pi->nr_nodes; n++)
		for (z = 0; z < AETHER_MM_NR_ZONES; z++)
			if (!mm_zone_stats(fd, n, z, &zs))
				sum += zs.pcp;
	return sum;
}

static int mm_cmd_drain(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct aether_mm_pool_info pi;
	struct actl_out *t;
	__u64 before;

	(void)ctx;
	if (mm_no_args("drain", argc, argv))
		return MM_USAGE;
	if (mm_pool_info(fd, &pi))
		return -EIO;
	before = mm_pcp_pages(fd, &pi);
	if (actl_ioctl(fd, AETHER_MM_IOC_DRAIN, NULL, "DRAIN"))
		return -EINVAL;
	t = out_kv("drain", "Per-CPU lists drained");
	out_key(t, "pcp_pages_before", "per-CPU pages before");
	out_u64(t, before);
	out_key(t, "pcp_pages_after", "per-CPU pages after");
	out_u64(t, mm_pcp_pages(fd, &pi));
	out_flush(t);
	return 0;
}

/*
 * Reserve a range for --hold seconds (default 0: reserve, report, give
 * back), then UNRESERVE.  The reservation would end with the fd anyway.
 */
static int mm_cmd_reserve(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	static const struct option opts[] = {
		{ "pfn", required_argument, NULL, 'p' },
		{ "pages", required_argument, NULL, 'n' },
		{ "hold", required_argument, NULL, 'H' },
		{ }
	};
	struct aether_mm_reserve r = { .size = sizeof(r) };
	struct aether_mm_unreserve u = { .size = sizeof(u) };
	struct aether_mm_pool_info pi;
	bool have_pfn = false;
	struct actl_out *t;
	long hold = 0;
	int c;

	r.nr_pages = 1;
	while ((c = getopt_long(argc, argv, "p:n:H:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (actl_parse_u64("--pfn", optarg, &r.pfn))
				return MM_USAGE;
			have_pfn = true;
			break;
		case 'n':
			if (actl_parse_u64("--pages", optarg, &r.nr_pages))
				return MM_USAGE;
			break;
		case 'H':
			if (actl_parse_int("--hold", optarg, 0, 86400, &hold))
				return MM_USAGE;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (!have_pfn || optind < argc) {
		actl_err("usage: mm reserve --pfn P [--pages N] [--hold S]");
		return MM_USAGE;
	}
	if (actl_ioctl(fd, AETHER_MM_IOC_RESERVE, &r, "RESERVE") ||
	    mm_pool_info(fd, &pi))
		return -EINVAL;
	t = out_kv("reservation", "Reservation");
	out_key(t, "id", "id");
	out_u64(t, r.id);
	out_key(t, "pfn", "first pfn");
	out_hex(t, r.pfn);
	out_key(t, "nr_pages", "pages");
	out_u64(t, r.nr_pages);
	out_key(t, "pool_pages_reserved", "pool pages reserved");
	out_u64(t, pi.pages_reserved);
	out_flush(t);
	mm_hold(ctx, hold);
	u.id = r.id;
	if (actl_ioctl(fd, AETHER_MM_IOC_UNRESERVE, &u, "UNRESERVE"))
		return -EINVAL;
	out_note("reservation %llu released", (unsigned long long)r.id);
	return 0;
}

static const struct actl_cmd mm_cmds[] = {
	{ "info", mm_cmd_info, "",
	  "pool size, nodes, chunks and node distances" },
	{ "stats", mm_cmd_stats, "", "event counters since load" },
	{ "zones", mm_cmd_zones, "",
	  "per node and zone: pages, watermarks, free blocks per order" },
	{ "frag", mm_cmd_frag, "[--node N] [--zone Z] [--plot]",
	  "free blocks, unusable and extfrag index per order;\n"
	  "\t\t--plot: a bar chart of the free blocks per order of each zone" },
	{ "policy", mm_cmd_policy, "[get | [set] MODE [NODES]]",
	  "show, or check, an fd NUMA policy (see below)" },
	{ "alloc", mm_cmd_alloc,
	  "[--order O] [--count N] [--node N] [--zone Z] [--mt M]\n"
	  "\t\t[--flags zero,thisnode,nogrow,high] [--policy MODE[:NODES]]\n"
	  "\t\t[--fill SEED] [--free-every K] [--hold S]",
	  "allocate blocks, print them (freed when aetherctl exits);\n"
	  "\t\tblocks are always zeroed (zero is a no-op), high is root's" },
	{ "free", mm_cmd_free, "[alloc options] [--every K]",
	  "allocate, then free every K-th block through FREE" },
	{ "drain", mm_cmd_drain, "", "empty every per-CPU list (root)" },
	{ "reserve", mm_cmd_reserve, "--pfn P [--pages N] [--hold S]",
	  "reserve a pfn range while aetherctl runs (root)" },
	{ "bench", mm_cmd_bench,
	  "[--op order0|order3|bulk] [--batch B] [--threads T]\n"
	  "\t\t[--rounds R] [--iterations I] [--zero] | --all",
	  "pool against Linux, same boot, interleaved (root)" },
};

static const char mm_notes[] =
	"Blocks, reservations and the NUMA policy belong to the file\n"
	"descriptor aetherctl opens, and the module gives them back when\n"
	"it closes, i.e. when aetherctl exits.  So 'mm alloc' holds its\n"
	"blocks only while it runs (--hold S keeps them S seconds, for a\n"
	"look with 'mm frag' or 'mm zones' from another shell), 'mm free'\n"
	"allocates and then frees in the same run (--every K frees every\n"
	"K-th block, leaving holes until exit), and 'mm policy set' only\n"
	"checks a policy; 'mm alloc --policy MODE[:NODES]' uses one.\n"
	"\n"
	"  ZONE: dma, dma32, normal (highest allowed; lower ones are\n"
	"        fallbacks)   M: unmovable, movable, reclaimable\n"
	"  MODE: local, preferred, bind, interleave\n"
	"  NODES: 0,1 | 0-1 | all (default: every node of the pool)\n"
	"  x1000 figures of the module are printed with three decimals.\n";

const struct actl_module actl_mm_module = {
	.name = "mm",
	.summary = "the page pool (/dev/aether_mm)",
	.device = MM_DEVICE,
	.module = "aether_mm",
	.cmds = mm_cmds,
	.nr_cmds = ARRAY_SIZE(mm_cmds),
	.notes = mm_notes,
};
