// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - aetherctl region: regions of /dev/aether_mm
 *
 *   create [...] [--hold]   make a region, show it; --hold keeps its fd
 *                           until SIGINT/SIGTERM
 *   list                    the live regions the caller created (all of
 *                           them for root): ids from REGION_LIST, the
 *                           rest from debugfs aether/mm/regions if there
 *   show ID | --name S      one region: by name through REGION_OPEN and
 *                           REGION_INFO, by id from debugfs
 *
 * A region lives as long as an fd or a mapping of it: without --hold the
 * region "create" made is gone when aetherctl exits.  Only a named region
 * can be reached from another process (REGION_OPEN), so "show" by id reads
 * the debugfs table, which lists every region.
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
#include <sys/mman.h>
#include <unistd.h>

#include "mm.h"

#define REGION_DEBUGFS		"/sys/kernel/debug/aether/mm/regions"
#define REGION_COLS		32	/* columns of the debugfs table we keep */

static const char * const region_tier_names[AETHER_MM_NR_TIERS] = {
	"normal", "fast", "slow",
};

static const struct {
	__u32 flag;
	const char *name;
} region_flag_names[] = {
	{ AETHER_MM_REGION_PRIVATE, "private" },
	{ AETHER_MM_REGION_SHARED, "shared" },
	{ AETHER_MM_REGION_HUGE, "huge" },
	{ AETHER_MM_REGION_GUARD, "guard" },
	{ AETHER_MM_REGION_MERGEABLE, "mergeable" },
	{ AETHER_MM_REGION_COMPRESSIBLE, "compressible" },
	{ AETHER_MM_REGION_SECURE, "secure" },
	{ AETHER_MM_REGION_ALLOW_WX, "allow-wx" },
	{ AETHER_MM_REGION_CLOEXEC, "cloexec" },
	{ AETHER_MM_REGION_SECURE_FORK, "secure-fork" },
};

static const char *region_tier_name(__u32 tier)
{
	return tier < AETHER_MM_NR_TIERS ? region_tier_names[tier] : "?";
}

static void region_format_flags(__u32 flags, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(region_flag_names) && used < len; i++)
		if (flags & region_flag_names[i].flag)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "," : "",
					 region_flag_names[i].name);
	if (!used)
		snprintf(buf, len, "-");
}

static void region_format_prot(__u32 prot, char *buf)
{
	buf[0] = prot & AETHER_MM_PROT_READ ? 'r' : '-';
	buf[1] = prot & AETHER_MM_PROT_WRITE ? 'w' : '-';
	buf[2] = prot & AETHER_MM_PROT_EXEC ? 'x' : '-';
	buf[3] = '\0';
}

/* "rwx", "r-x", "r": letters in any order, '-' ignored. */
static int region_parse_prot(const char *s, __u32 *prot)
{
	*prot = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'r': case 'R':
			*prot |= AETHER_MM_PROT_READ;
			break;
		case 'w': case 'W':
			*prot |= AETHER_MM_PROT_WRITE;
			break;
		case 'x': case 'X':
			*prot |= AETHER_MM_PROT_EXEC;
			break;
		case '-':
			break;
		default:
			actl_err("--max-prot: '%c' is not one of r, w, x", *s);
			return -EINVAL;
		}
	}
	return 0;
}

/* N with an optional K, M or G (powers of 1024). */
static int region_parse_size(const char *s, __u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'I')	/* KiB, MiB, GiB */
		end++;
	if ((*end == 'b' || *end == 'B') && shift)
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		goto bad;
	*out = v << shift;
	return 0;
bad:
	actl_err("--size: '%s' is not a size (N, NK, NM or NG)", s);
	return -EINVAL;
}

static int region_info(int rfd, struct aether_mm_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->size = sizeof(*ri);
	return actl_ioctl(rfd, AETHER_MM_IOC_REGION_INFO, ri, "REGION_INFO");
}

/*
 * The region as REGION_INFO sees it.  @name may be NULL; @own_fds is how
 * many of nr_files are aetherctl's own.
 */
static void region_print_info(const struct aether_mm_region_info *ri,
			      const char *name, unsigned int own_fds,
			      unsigned int page_size)
{
	struct actl_out *t = out_kv("region", "Region");
	char flags[128], prot[4];
	unsigned int n;

	region_format_flags(ri->flags, flags, sizeof(flags));
	region_format_prot(ri->max_prot, prot);
	out_key(t, "id", "id");
	out_u64(t, ri->id);
	out_key(t, "name", "name");
	out_str(t, name && *name ? name : "-");
	out_key(t, "flags", "flags");
	out_str(t, flags);
	out_key(t, "max_prot", "max protection");
	out_str(t, prot);
	out_key(t, "tier", "tier");
	out_str(t, region_tier_name(ri->tier));
	out_key(t, "length", "length (B)");
	out_u64(t, ri->length);
	out_key(t, "pages", "pages");
	out_u64(t, page_size ? ri->length / page_size : 0);
	out_key(t, "data_offset", "data offset in a mapping (B)");
	out_u64(t, ri->data_offset);
	out_key(t, "guard_pages", "guard pages at each end");
	out_u64(t, page_size ? ri->data_offset / page_size : 0);
	out_key(t, "tag", "tag given at creation (0: none)");
	out_u64(t, ri->tag);
	/* The counters, named as the module names them (the UAPI's list). */
#define AETHER_MM_REGION_COUNTER(id, field, label)	\
	do {						\
		out_key(t, #field, label);		\
		out_u64(t, ri->field);			\
	} while (0);
#include <linux/aether_mm_region_counters.h>
#undef AETHER_MM_REGION_COUNTER
	out_key(t, "nr_views", "processes mapping it");
	out_u64(t, ri->nr_views);
	out_key(t, "nr_files", "open fds");
	out_u64(t, ri->nr_files);
	out_key(t, "nr_files_others", "open fds besides aetherctl's");
	out_u64(t, ri->nr_files >= own_fds ? ri->nr_files - own_fds : 0);
	out_flush(t);

	t = out_table("node_pages", "Frames per node");
	out_col(t, "node", "node");
	out_col(t, "frames", "frames");
	for (n = 0; n < AETHER_MM_MAX_NODES; n++) {
		if (!ri->node_pages[n])
			continue;
		out_row(t);
		out_u64(t, n);
		out_u64(t, ri->node_pages[n]);
	}
	out_flush(t);
}

/* ---- the debugfs table --------------------------------------------- */

/*
 * aether/mm/regions: a header line of column names, then a row per region
 * with the id first.  The columns are taken from the header, so a column
 * the module adds shows up here without a change.
 */
struct region_dbg {
	char *buf;
	char *cols[REGION_COLS];
	unsigned int ncols;
	char *body;		/* the rows, after the header */
};

static int region_dbg_read(struct region_dbg *d)
{
	size_t len = 0, cap = 1 << 16;
	char *nl, *tok, *save;
	ssize_t n;
	int fd;

	memset(d, 0, sizeof(*d));
	fd = open(REGION_DEBUGFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d->buf = malloc(cap);
	while (d->buf && (n = read(fd, d->buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *nb = realloc(d->buf, cap * 2);

			if (!nb)
				break;
			d->buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (!d->buf)
		return -ENOMEM;
	d->buf[len] = '\0';
	nl = strchr(d->buf, '\n');
	d->body = nl ? nl + 1 : d->buf + len;
	if (nl)
		*nl = '\0';
	for (tok = strtok_r(d->buf, " \t", &save);
	     tok && d->ncols < REGION_COLS; tok = strtok_r(NULL, " \t", &save))
		d->cols[d->ncols++] = tok;
	return d->ncols ? 0 : -EINVAL;
}

/* The next row, split into @f (at most ncols fields); 0 at the end. */
static unsigned int region_dbg_row(struct region_dbg *d, char **f)
{
	unsigned int n = 0;
	char *line, *tok, *save;

	while (*d->body) {
		line = d->body;
		d->body = strchrnul(line, '\n');
		if (*d->body)
			*d->body++ = '\0';
		for (tok = strtok_r(line, " \t", &save); tok && n < d->ncols;
		     tok = strtok_r(NULL, " \t", &save))
			f[n++] = tok;
		if (n)
			return n;
	}
	return 0;
}

static void region_dbg_free(struct region_dbg *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

/* A cell: bare number for JSON when it is one, text otherwise. */
static void region_cell(struct actl_out *t, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s && *s != '-' && !*end && !errno)
		out_u64(t, v);
	else
		out_str(t, s);
}

/* ---- commands ------------------------------------------------------ */

struct region_create_opts {
	struct aether_mm_region_create c;
	const char *name;
	const char *policy;
	long node;
	__u64 write_pages;
	bool hold;
};

static int region_parse_create(int fd, int argc, char **argv,
			       struct region_create_opts *o)
{
	static const struct option opts[] = {
		{ "private", no_argument, NULL, 'p' },
		{ "shared", no_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' },
		{ "guard", required_argument, NULL, 'g' },
		{ "max-prot", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'N' },
		{ "policy", required_argument, NULL, 'o' },
		{ "tier", required_argument, NULL, 't' },
		{ "allow-wx", no_argument, NULL, 'x' },
		{ "write", required_argument, NULL, 'w' },
		{ "hold", no_argument, NULL, 'H' },
		{ }
	};
	bool shared = false;
	char *colon;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->node = -1;
	o->c.size = sizeof(o->c);
	o->c.length = 1 << 20;
	o->c.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE;
	while ((c = getopt_long(argc, argv, "psS:n:g:P:N:o:t:xw:H", opts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			shared = false;
			break;
		case 's':
			shared = true;
			break;
		case 'S':
			if (region_parse_size(optarg, &o->c.length))
				return MM_USAGE;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'g':
			if (actl_parse_int("--guard", optarg, 1,
					   AETHER_MM_REGION_MAX_GUARD, &v))
				return MM_USAGE;
			o->c.flags |= AETHER_MM_REGION_GUARD;
			o->c.guard_pages = v;
			break;
		case 'P':
			if (region_parse_prot(optarg, &o->c.max_prot))
				return MM_USAGE;
			break;
		case 'N':
			if (actl_parse_int("--node", optarg, 0,
					   AETHER_MM_MAX_NODES - 1, &o->node))
				return MM_USAGE;
			break;
		case 'o':
			o->policy = optarg;
			break;
		case 't':
			for (v = 0; v < AETHER_MM_NR_TIERS; v++)
				if (!strcasecmp(optarg, region_tier_names[v]))
					break;
			if (v == AETHER_MM_NR_TIERS) {
				actl_err("--tier: '%s' is not one of normal, fast, slow",
					 optarg);
				return MM_USAGE;
			}
			o->c.tier = v;
			break;
		case 'x':
			o->c.flags |= AETHER_MM_REGION_ALLOW_WX;
			break;
		case 'w':
			if (actl_parse_u64("--write", optarg, &o->write_pages))
				return MM_USAGE;
			break;
		case 'H':
			o->hold = true;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("region create: unexpected argument '%s'", argv[optind]);
		return MM_USAGE;
	}
	if (o->node >= 0 && o->policy) {
		actl_err("region create: --node and --policy exclude each other");
		return MM_USAGE;
	}
	o->c.flags |= shared ? AETHER_MM_REGION_SHARED :
			       AETHER_MM_REGION_PRIVATE;
	o->c.pol_mode = AETHER_MM_POL_LOCAL;
	if (o->node >= 0) {
		o->c.pol_mode = AETHER_MM_POL_BIND;
		o->c.nodemask = 1ULL << o->node;
	} else if (o->policy) {
		char *mode = strdup(o->policy);

		if (!mode)
			return -ENOMEM;
		colon = strchr(mode, ':');
		if (colon)
			*colon++ = '\0';
		v = mm_parse_policy(mode, colon, fd, &o->c.pol_mode,
				    &o->c.nodemask);
		free(mode);
		if (v)
			return MM_USAGE;
	}
	if (o->name)
		o->c.name = (uintptr_t)o->name;
	return 0;
}

/*
 * Write a pattern into the first @pages pages of the region's data, so
 * that it holds frames; the mapping stays until aetherctl exits.
 */
static int region_write(int rfd, const struct aether_mm_region_info *ri,
			__u64 pages, unsigned int page_size)
{
	size_t len = ri->data_offset * 2 + ri->length;
	unsigned char *p;
	__u64 i;

	if (!pages)
		return 0;
	if (pages > ri->length / page_size) {
		actl_err("--write: %llu pages, the region has %llu",
			 (unsigned long long)pages,
			 (unsigned long long)(ri->length / page_size));
		return -EINVAL;
	}
	if (!(ri->max_prot & AETHER_MM_PROT_WRITE)) {
		actl_err("--write: the region's max protection has no 'w'");
		return -EINVAL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (p == MAP_FAILED) {
		actl_errno(errno, "mmap of the region");
		return -errno;
	}
	for (i = 0; i < pages; i++)
		memset(p + ri->data_offset + i * page_size, (int)(i & 0xff) | 1,
		       page_size);
	return 0;
}

/* Until SIGINT or SIGTERM. */
static void region_hold(__u64 id, int rfd)
{
	out_note("holding region %llu (fd %d) until SIGINT or SIGTERM",
		 (unsigned long long)id, rfd);
	actl_hold(ACTL_HOLD_FOREVER);
	out_note("region %llu released", (unsigned long long)id);
}

static int region_cmd_create(const struct actl_ctx *ctx, int fd, int argc,
			     char **argv)
{
	struct aether_mm_pool_info pi;
	struct aether_mm_region_info ri;
	struct region_create_opts o;
	int ret;

	(void)ctx;
	ret = region_parse_create(fd, argc, argv, &o);
	if (ret)
		return ret;
	if (mm_pool_info(fd, &pi))
		return -EIO;
	if (!pi.page_size || o.c.length % pi.page_size) {
		actl_err("--size: %llu is not a multiple of the page size (%u)",
			 (unsigned long long)o.c.length, pi.page_size);
		return MM_USAGE;
	}
	if (actl_ioctl(fd, AETHER_MM_IOC_REGION_CREATE, &o.c, "REGION_CREATE")) {
		if (o.name)
			actl_err("(a live region may already be called '%s')",
				 o.name);
		return -EIO;
	}
	if (region_info(o.c.fd, &ri) ||
	    region_write(o.c.fd, &ri, o.write_pages, pi.page_size) ||
	    region_info(o.c.fd, &ri)) {
		close(o.c.fd);
		return -EIO;
	}
	region_print_info(&ri, o.name, 1, pi.page_size);
	if (o.hold) {
		/* The whole document first: a script reads it, then waits. */
		out_end();
		region_hold(o.c.id, o.c.fd);
	} else {
		out_note("note: the region ends with aetherctl; --hold keeps it");
	}
	close(o.c.fd);
	return 0;
}

static int region_ids(int fd, __u64 **ids, __u32 *count, __u32 *total)
{
	struct aether_mm_region_list l = { .size = sizeof(l) };

	*ids = calloc(AETHER_MM_REGION_MAX_LIST, sizeof(**ids));
	if (!*ids)
		return -ENOMEM;
	l.count = AETHER_MM_REGION_MAX_LIST;
	l.ids = (uintptr_t)*ids;
	if (actl_ioctl(fd, AETHER_MM_IOC_REGION_LIST, &l, "REGION_LIST"))
		return -EIO;
	*count = l.count;
	*total = l.total;
	return 0;
}

static bool region_listed(const __u64 *ids, __u32 count, __u64 id)
{
	__u32 i;

	for (i = 0; i < count; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * The columns of debugfs regions that 'list' shows as a table; --json
 * and 'show ID' give every counter.
 */
static const char *const region_list_cols[] = {
	"id", "name", "kind", "flags", "prot", "tier", "pages", "views",
	"files", "resident", "faults", "cow_copies", "alloc_fail", "migrated",
	"stored",
};

static bool region_list_col(const struct actl_ctx *ctx, const char *name)
{
	size_t i;

	if (ctx->json)
		return true;
	for (i = 0; i < ARRAY_SIZE(region_list_cols); i++)
		if (!strcmp(name, region_list_cols[i]))
			return true;
	return false;
}

static int region_cmd_list(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	char *f[REGION_COLS];
	struct region_dbg d;
	__u32 count, total, i, n, c;
	struct actl_out *t;
	__u64 *ids;
	int ret;

	if (argc > 1) {
		actl_err("region list: unexpected argument '%s'", argv[1]);
		return MM_USAGE;
	}
	ret = region_ids(fd, &ids, &count, &total);
	if (ret) {
		free(ids);
		return ret;
	}
	t = out_table("regions", "Regions");
	ret = region_dbg_read(&d);
	if (ret) {
		out_col(t, "id", "id");
		for (i = 0; i < count; i++) {
			out_row(t);
			out_u64(t, ids[i]);
		}
		out_flush(t);
		out_note("(%s: %s; ids only)", REGION_DEBUGFS, strerror(-ret));
	} else {
		for (c = 0; c < d.ncols; c++)
			if (region_list_col(ctx, d.cols[c]))
				out_col(t, d.cols[c], d.cols[c]);
		while ((n = region_dbg_row(&d, f))) {
			/* Only the regions REGION_LIST answered for. */
			if (!region_listed(ids, count, strtoull(f[0], NULL, 10)))
				continue;
			out_row(t);
			for (c = 0; c < d.ncols; c++)
				if (region_list_col(ctx, d.cols[c]))
					region_cell(t, c < n ? f[c] : "");
		}
		out_flush(t);
	}
	region_dbg_free(&d);
	t = out_kv("summary", "Summary");
	out_key(t, "total", "live regions (yours, or all for root)");
	out_u64(t, total);
	out_key(t, "listed", "listed");
	out_u64(t, count);
	out_flush(t);
	free(ids);
	return 0;
}

/*
 * show --name S: open the region by name, read-only, and ask it; another
 * uid's region too (OPEN_FOREIGN): the kernel decides whether the caller
 * may (its owner, an administrator, or a firewall rule that allows it).
 */
static int region_show_name(int fd, const char *name)
{
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = AETHER_MM_REGION_OPEN_RDONLY |
			 AETHER_MM_REGION_OPEN_CLOEXEC |
			 AETHER_MM_REGION_OPEN_FOREIGN,
		.name = (uintptr_t)name,
	};
	struct aether_mm_pool_info pi;
	struct aether_mm_region_info ri;
	int ret;

	if (mm_pool_info(fd, &pi))
		return -EIO;
	if (actl_ioctl(fd, AETHER_MM_IOC_REGION_OPEN, &o, "REGION_OPEN")) {
		actl_err("(no live region called '%s', or not yours)", name);
		return -EIO;
	}
	ret = region_info(o.fd, &ri);
	if (!ret)
		region_print_info(&ri, name, 1, pi.page_size);
	close(o.fd);
	return ret ? -EIO : 0;
}

/*
 * migrate --name S --node N [--offset B] [--length B]: open the region by
 * name and move the frames this process sees (not mapping it, the base
 * image: every frame of a SHARED region, none of a PRIVATE one).
 */
static int region_cmd_migrate(const struct actl_ctx *ctx, int fd, int argc,
			      char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "node", required_argument, NULL, 'N' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ }
	};
	struct aether_mm_region_migrate m = { .size = sizeof(m), .node = -1 };
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = AETHER_MM_REGION_OPEN_CLOEXEC,
	};
	struct aether_mm_region_info ri;
	const char *name = NULL;
	struct actl_out *t;
	__u64 v;
	int c, ret;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "n:N:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'N':
			if (actl_parse_u64("node", optarg, &v) || v > 255)
				return MM_USAGE;
			m.node = v;
			break;
		case 'o':
			if (region_parse_size(optarg, &m.offset))
				return MM_USAGE;
			break;
		case 'l':
			if (region_parse_size(optarg, &m.length))
				return MM_USAGE;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (!name || m.node < 0 || optind != argc)
		return MM_USAGE;
	o.name = (uintptr_t)name;
	if (actl_ioctl(fd, AETHER_MM_IOC_REGION_OPEN, &o, "REGION_OPEN")) {
		actl_err("(no live region called '%s', or not yours)", name);
		return -EIO;
	}
	ret = region_info(o.fd, &ri);
	if (!ret && !m.length)
		m.length = ri.length - m.offset;
	if (!ret)
		ret = actl_ioctl(o.fd, AETHER_MM_IOC_REGION_MIGRATE, &m,
				 "REGION_MIGRATE");
	close(o.fd);
	if (ret)
		return -EIO;
	t = out_kv("migrate", "Region migration");
	out_key(t, "node", "node");
	out_s64(t, m.node);
	out_key(t, "migrated", "frames moved");
	out_u64(t, m.migrated);
	out_key(t, "busy", "frames busy (left)");
	out_u64(t, m.busy);
	out_key(t, "failed", "frames without room on the node (left)");
	out_u64(t, m.failed);
	out_flush(t);
	return 0;
}

/*
 * compact [--node N] [--order O]: move region frames out of sparsely used
 * pageblocks so that free blocks of the pageblock order form again.
 */
static int region_cmd_compact(const struct actl_ctx *ctx, int fd, int argc,
			      char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "order", required_argument, NULL, 'o' },
		{ }
	};
	struct aether_mm_compact cp = { .size = sizeof(cp), .node = -1 };
	struct actl_out *t;
	__u64 v;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "N:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			if (actl_parse_u64("node", optarg, &v) || v > 255)
				return MM_USAGE;
			cp.node = v;
			break;
		case 'o':
			if (actl_parse_u64("order", optarg, &v) || v > 63)
				return MM_USAGE;
			cp.order = v;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind != argc)
		return MM_USAGE;
	if (actl_ioctl(fd, AETHER_MM_IOC_COMPACT, &cp, "COMPACT"))
		return -EIO;
	t = out_kv("compact", "Compaction");
	out_key(t, "node", "node (-1: all)");
	out_s64(t, cp.node);
	out_key(t, "scanned", "pageblocks scanned");
	out_u64(t, cp.scanned);
	out_key(t, "isolated", "pageblocks emptied");
	out_u64(t, cp.isolated);
	out_key(t, "migrated", "frames moved");
	out_u64(t, cp.migrated);
	out_key(t, "busy", "frames busy (left)");
	out_u64(t, cp.busy);
	out_key(t, "failed", "frames left (no room, or pinned meanwhile)");
	out_u64(t, cp.failed);
	out_key(t, "freed", "pageblocks wholly free after");
	out_u64(t, cp.freed);
	out_key(t, "free_before", "free blocks of the order, before");
	out_u64(t, cp.free_before);
	out_key(t, "free_after", "free blocks of the order, after");
	out_u64(t, cp.free_after);
	out_flush(t);
	return 0;
}

/* show ID: the region's row of the debugfs table. */
static int region_show_id(int fd, const char *arg)
{
	char *f[REGION_COLS];
	__u32 count, total, n, c;
	struct region_dbg d;
	struct actl_out *t;
	__u64 id, *ids;
	int ret;

	if (actl_parse_u64("region id", arg, &id))
		return MM_USAGE;
	ret = region_ids(fd, &ids, &count, &total);
	if (!ret && !region_listed(ids, count, id)) {
		actl_err("no live region %llu", (unsigned long long)id);
		ret = -ENOENT;
	}
	free(ids);
	if (ret)
		return ret;
	ret = region_dbg_read(&d);
	if (ret) {
		actl_errno(-ret, "%s", REGION_DEBUGFS);
		actl_err("showing a region by id needs debugfs (root); a named region: show --name NAME");
		region_dbg_free(&d);
		return ret;
	}
	while ((n = region_dbg_row(&d, f)))
		if (strtoull(f[0], NULL, 10) == id)
			break;
	if (!n) {
		actl_err("region %llu is not in %s (gone meanwhile?)",
			 (unsigned long long)id, REGION_DEBUGFS);
		region_dbg_free(&d);
		return -ENOENT;
	}
	t = out_kv("region", "Region (debugfs)");
	for (c = 0; c < d.ncols && c < n; c++) {
		out_key(t, d.cols[c], d.cols[c]);
		region_cell(t, f[c]);
	}
	out_flush(t);
	region_dbg_free(&d);
	return 0;
}

static int region_cmd_show(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ }
	};
	const char *name = NULL;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return MM_USAGE;
		name = optarg;
	}
	if ((name && optind != argc) || (!name && optind != argc - 1)) {
		actl_err("usage: region show ID | --name NAME");
		return MM_USAGE;
	}
	return name ? region_show_name(fd, name) :
		      region_show_id(fd, argv[optind]);
}

static const struct actl_cmd region_cmds[] = {
	{ "create", region_cmd_create,
	  "[--private|--shared] [--size N[KMG]] [--name S] [--guard N]\n"
	  "\t\t[--max-prot rwx] [--node N | --policy MODE[:NODES]]\n"
	  "\t\t[--tier normal|fast|slow] [--allow-wx] [--write PAGES] [--hold]",
	  "make a region and show it; --hold keeps it until SIGINT/SIGTERM" },
	{ "list", region_cmd_list, "",
	  "your live regions (every one for root); --json: every counter" },
	{ "migrate", region_cmd_migrate,
	  "--name NAME --node N [--offset B] [--length B]",
	  "move a named region's frames (SHARED: all of them) to node N" },
	{ "compact", region_cmd_compact, "[--node N] [--order O]",
	  "move region frames to rebuild free 2 MiB blocks (root)" },
	{ "bench", region_cmd_bench, "[--pages N] [--rounds R] [--huge | --refault]",
	  "first-touch write faults: region vs anonymous memory (--huge: 2 MiB\n\t\t HUGE region vs THP), ns/page and ratio" },
	{ "show", region_cmd_show, "ID | --name NAME",
	  "one region: by name (REGION_OPEN) or by id (debugfs)" },
};

static const char region_notes[] =
	"A region lives while an fd or a mapping of it does, so the one\n"
	"'region create' makes ends with aetherctl unless --hold keeps it\n"
	"(print it, then wait for Ctrl-C or SIGTERM).  Defaults: private,\n"
	"1M, max protection rw, LOCAL policy, normal tier, no guard.\n"
	"--write PAGES maps the region and writes its first PAGES pages,\n"
	"so that it holds frames.  Other processes reach only named\n"
	"regions (REGION_OPEN); 'show ID' and the columns of 'list' read\n"
	"debugfs aether/mm/regions.\n";

const struct actl_module actl_region_module = {
	.name = "region",
	.summary = "regions: pool memory that processes map\n"
		   "                  (/dev/aether_mm)",
	.device = MM_DEVICE,
	.module = "aether_mm",
	.cmds = region_cmds,
	.nr_cmds = ARRAY_SIZE(region_cmds),
	.notes = region_notes,
};
