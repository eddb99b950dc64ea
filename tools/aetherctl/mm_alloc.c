// SPDX-License-Identifier: GPL-2.0
/*
 * mm_alloc.c - aetherctl mm alloc / mm free
 *
 * Handles are valid only on the fd that allocated them, and the module
 * frees everything an fd holds when it is closed.  A separate "free"
 * invocation could therefore never name the blocks of an earlier "alloc".
 * Both commands run the same sequence within one process instead:
 *
 *   set the policy (--policy) -> ALLOC in bulk calls -> BLOCK_INFO each
 *   -> FILL/VERIFY (--fill) -> FREE every K-th (--free-every / --every)
 *   -> print the blocks and the pool before/after -> hold (--hold) -> exit,
 *   which gives back whatever is still held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mm.h"

#define MM_ALLOC_MAX	(1UL << 20)	/* blocks per invocation */

struct mm_alloc_opts {
	__u32 order;
	__u32 zone;
	__u32 mt;
	__u32 flags;
	int node;
	unsigned long count;
	unsigned long free_every;	/* 0: free nothing */
	long hold;
	bool policy;
	struct aether_mm_policy pol;
	bool fill;
	__u64 seed;
	bool summary;
};

struct mm_block {
	__u64 handle;
	struct aether_mm_block_info bi;
	__u64 mismatches;
	bool freed;
};

static int mm_parse_flags(const char *s, __u32 *flags)
{
	static const struct {
		const char *name;
		__u32 flag;
	} names[] = {
		{ "zero", AETHER_MM_ALLOC_ZERO },
		{ "thisnode", AETHER_MM_ALLOC_THISNODE },
		{ "nogrow", AETHER_MM_ALLOC_NOGROW },
		{ "high", AETHER_MM_ALLOC_HIGH },
	};
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int i;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == ARRAY_SIZE(names)) {
			actl_err("--flags: unknown flag '%s' (zero, thisnode, nogrow, high)",
				 tok);
			ret = MM_USAGE;
		} else {
			*flags |= names[i].flag;
		}
	}
	free(copy);
	return ret;
}

static int mm_parse_alloc(int fd, int argc, char **argv, bool is_free,
			  struct mm_alloc_opts *o)
{
	static const struct option opts[] = {
		{ "order", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "zone", required_argument, NULL, 'z' },
		{ "mt", required_argument, NULL, 'm' },
		{ "flags", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, 'P' },
		{ "fill", required_argument, NULL, 'F' },
		{ "free-every", required_argument, NULL, 'e' },
		{ "every", required_argument, NULL, 'E' },
		{ "hold", required_argument, NULL, 'H' },
		{ "summary", no_argument, NULL, 's' },
		{ }
	};
	char *colon;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->node = -1;
	o->count = 1;
	o->zone = AETHER_MM_ZONE_NORMAL;
	o->mt = AETHER_MM_MT_MOVABLE;
	o->free_every = is_free ? 1 : 0;
	while ((c = getopt_long(argc, argv, "o:c:n:z:m:f:P:F:e:E:H:s", opts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			if (actl_parse_int("--order", optarg, 0,
					   AETHER_MM_NR_ORDERS - 1, &v))
				return MM_USAGE;
			o->order = v;
			break;
		case 'c':
			if (actl_parse_int("--count", optarg, 1, MM_ALLOC_MAX,
					   &v))
				return MM_USAGE;
			o->count = v;
			break;
		case 'n':
			if (actl_parse_int("--node", optarg, -1,
					   AETHER_MM_MAX_NODES - 1, &v))
				return MM_USAGE;
			o->node = v;
			break;
		case 'z':
			if (mm_parse_zone(optarg, &o->zone))
				return MM_USAGE;
			break;
		case 'm':
			if (mm_parse_mt(optarg, &o->mt))
				return MM_USAGE;
			break;
		case 'f':
			if (mm_parse_flags(optarg, &o->flags))
				return MM_USAGE;
			break;
		case 'P':
			colon = strchr(optarg, ':');
			if (colon)
				*colon++ = '\0';
			if (mm_parse_policy(optarg, colon, fd,
					    &o->pol.mode, &o->pol.nodemask))
				return MM_USAGE;
			o->pol.size = sizeof(o->pol);
			o->policy = true;
			break;
		case 'F':
			if (actl_parse_u64("--fill", optarg, &o->seed))
				return MM_USAGE;
			o->fill = true;
			break;
		case 'e':
		case 'E':
			if ((c == 'E') != is_free) {
				actl_err("use --%s with mm %s",
					 is_free ? "every" : "free-every",
					 is_free ? "free" : "alloc");
				return MM_USAGE;
			}
			if (actl_parse_int(c == 'E' ? "--every" :
					   "--free-every", optarg, is_free,
					   MM_ALLOC_MAX, &v))
				return MM_USAGE;
			o->free_every = v;
			break;
		case 'H':
			if (actl_parse_int("--hold", optarg, 0, 86400, &v))
				return MM_USAGE;
			o->hold = v;
			break;
		case 's':
			o->summary = true;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("unexpected argument '%s'", argv[optind]);
		return MM_USAGE;
	}
	if (o->flags & AETHER_MM_ALLOC_THISNODE && o->node < 0) {
		actl_err("--flags thisnode needs --node N");
		return MM_USAGE;
	}
	return 0;
}

/* ALLOC in bulk calls until @o->count blocks or the pool says ENOMEM. */
static int mm_alloc_blocks(int fd, const struct mm_alloc_opts *o,
			   struct mm_block *b, unsigned long *nr)
{
	static __u64 h[AETHER_MM_MAX_BULK];
	unsigned long i;

	*nr = 0;
	while (*nr < o->count) {
		struct aether_mm_alloc a = {
			.size = sizeof(a),
			/* 0 is DMA only with ALLOC_ZONE (else any zone). */
			.flags = o->flags | (o->zone == AETHER_MM_ZONE_DMA ?
					     AETHER_MM_ALLOC_ZONE : 0),
			.order = o->order,
			.node = o->node,
			.zone = o->zone,
			.migratetype = o->mt,
			.handles = (uintptr_t)h,
		};

		a.count = o->count - *nr;
		if (a.count > AETHER_MM_MAX_BULK)
			a.count = AETHER_MM_MAX_BULK;
		if (ioctl(fd, AETHER_MM_IOC_ALLOC, &a) < 0) {
			int err = errno;

			if (err == ENOMEM && *nr) {
				out_note("pool out of memory after %lu of %lu blocks",
					 *nr, o->count);
				return 0;
			}
			actl_errno(err, "ALLOC order %u", o->order);
			return -err;
		}
		for (i = 0; i < a.count; i++)
			b[(*nr)++].handle = h[i];
	}
	return 0;
}

static int mm_describe_blocks(int fd, const struct mm_alloc_opts *o,
			      struct mm_block *b, unsigned long nr)
{
	struct aether_mm_fill f = { .size = sizeof(f) };
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (o->fill) {
			f.handle = b[i].handle;
			f.seed = o->seed + i;
			f.flags = 0;
			if (actl_ioctl(fd, AETHER_MM_IOC_FILL, &f, "FILL"))
				return -EIO;
			f.flags = AETHER_MM_FILL_VERIFY;
			if (actl_ioctl(fd, AETHER_MM_IOC_FILL, &f, "FILL VERIFY"))
				return -EIO;
			b[i].mismatches = f.mismatches;
		}
		b[i].bi.size = sizeof(b[i].bi);
		b[i].bi.handle = b[i].handle;
		if (actl_ioctl(fd, AETHER_MM_IOC_BLOCK_INFO, &b[i].bi,
			       "BLOCK_INFO"))
			return -EIO;
	}
	return 0;
}

static int mm_free_batch(int fd, __u64 *h, unsigned long n,
			 unsigned long *freed)
{
	struct aether_mm_free f = {
		.size = sizeof(f),
		.count = n,
		.handles = (uintptr_t)h,
	};

	if (actl_ioctl(fd, AETHER_MM_IOC_FREE, &f, "FREE"))
		return -EIO;
	*freed += n;
	return 0;
}

/* FREE every @every-th block (the K-th, 2K-th, ...) in bulk calls. */
static int mm_free_blocks(int fd, struct mm_block *b, unsigned long nr,
			  unsigned long every, unsigned long *freed)
{
	static __u64 h[AETHER_MM_MAX_BULK];
	unsigned long i, n = 0;

	*freed = 0;
	if (!every)
		return 0;
	for (i = every - 1; i < nr; i += every) {
		h[n++] = b[i].handle;
		if (n == AETHER_MM_MAX_BULK) {
			if (mm_free_batch(fd, h, n, freed))
				return -EIO;
			n = 0;
		}
	}
	if (n && mm_free_batch(fd, h, n, freed))
		return -EIO;
	for (i = every - 1; i < nr; i += every)
		b[i].freed = true;
	return 0;
}

static void mm_print_blocks(const struct mm_alloc_opts *o, __u32 page_size,
			    const struct mm_block *b, unsigned long nr)
{
	struct actl_out *t = out_table("blocks", "Blocks");
	unsigned long i;

	out_col(t, "index", "#");
	out_col(t, "handle", "handle");
	out_col(t, "node", "node");
	out_col(t, "zone", "zone");
	out_col(t, "order", "order");
	out_col(t, "kib", "size (KiB)");
	out_col(t, "migratetype", "migrate type");
	out_col(t, "pfn", "pfn");
	out_col(t, "checksum", "crc32");
	if (o->fill)
		out_col(t, "mismatches", "mismatches (words)");
	out_col(t, "state", "state");
	for (i = 0; i < nr; i++) {
		const struct aether_mm_block_info *bi = &b[i].bi;

		out_row(t);
		out_u64(t, i);
		out_hex(t, b[i].handle);
		out_u64(t, bi->node);
		out_str(t, mm_zone_name(bi->zone));
		out_u64(t, bi->order);
		out_u64(t, ((__u64)page_size << bi->order) >> 10);
		out_str(t, mm_mt_name(bi->migratetype));
		if (bi->pfn)
			out_hex(t, bi->pfn);
		else
			out_str(t, "-");
		out_hex(t, bi->checksum);
		if (o->fill)
			out_u64(t, b[i].mismatches);
		out_str(t, b[i].freed ? "freed" : "held");
	}
	out_flush(t);
}

static void mm_print_summary(const struct mm_alloc_opts *o,
			     const struct aether_mm_pool_info *before,
			     const struct aether_mm_pool_info *after,
			     unsigned long nr, unsigned long freed,
			     __u64 mismatches)
{
	struct actl_out *t = out_kv("summary", "Summary");
	unsigned int n;

	out_key(t, "requested", "blocks requested");
	out_u64(t, o->count);
	out_key(t, "allocated", "blocks allocated");
	out_u64(t, nr);
	out_key(t, "freed", "blocks freed");
	out_u64(t, freed);
	out_key(t, "held", "blocks held until exit");
	out_u64(t, nr - freed);
	if (o->fill) {
		out_key(t, "mismatches", "verify mismatches (words)");
		out_u64(t, mismatches);
	}
	out_key(t, "pool_free_before", "pool free pages before");
	out_u64(t, before->pages_free);
	out_key(t, "pool_free_after", "pool free pages now");
	out_u64(t, after->pages_free);
	out_key(t, "chunks_grown", "chunks grown meanwhile");
	out_u64(t, after->chunks_grown - before->chunks_grown);
	out_flush(t);

	t = out_table("node_free", "Free pages per node");
	out_col(t, "node", "node");
	out_col(t, "before", "before (pages)");
	out_col(t, "after", "now (pages)");
	out_col(t, "pages", "node size (pages)");
	for (n = 0; n < after->nr_nodes && n < AETHER_MM_MAX_NODES; n++) {
		out_row(t);
		out_u64(t, n);
		out_u64(t, before->node_free[n]);
		out_u64(t, after->node_free[n]);
		out_u64(t, after->node_pages[n]);
	}
	out_flush(t);
}

static int mm_alloc_run(const struct actl_ctx *ctx, int fd,
			const struct mm_alloc_opts *o)
{
	struct aether_mm_pool_info before, after;
	unsigned long nr = 0, freed = 0, i;
	__u64 mismatches = 0;
	struct mm_block *b;
	int ret;

	if (o->policy &&
	    actl_ioctl(fd, AETHER_MM_IOC_SET_POLICY, (void *)&o->pol,
		       "SET_POLICY"))
		return -EINVAL;
	if (mm_pool_info(fd, &before))
		return -EIO;
	b = calloc(o->count, sizeof(*b));
	if (!b) {
		actl_err("cannot hold %lu blocks: out of memory", o->count);
		return -ENOMEM;
	}
	ret = mm_alloc_blocks(fd, o, b, &nr);
	if (!ret)
		ret = mm_describe_blocks(fd, o, b, nr);
	if (!ret)
		ret = mm_free_blocks(fd, b, nr, o->free_every, &freed);
	if (!ret)
		ret = mm_pool_info(fd, &after);
	if (!ret) {
		for (i = 0; i < nr; i++)
			mismatches += b[i].mismatches;
		if (!o->summary)
			mm_print_blocks(o, before.page_size, b, nr);
		mm_print_summary(o, &before, &after, nr, freed, mismatches);
		if (nr > freed)
			mm_hold(ctx, o->hold);
		if (mismatches) {
			actl_err("%llu words did not verify",
				 (unsigned long long)mismatches);
			ret = -EIO;
		}
	}
	free(b);
	return ret;
}

int mm_cmd_alloc(const struct actl_ctx *ctx, int fd, int argc, char **argv)
{
	struct mm_alloc_opts o;
	int ret = mm_parse_alloc(fd, argc, argv, false, &o);

	return ret ? ret : mm_alloc_run(ctx, fd, &o);
}

int mm_cmd_free(const struct actl_ctx *ctx, int fd, int argc, char **argv)
{
	struct mm_alloc_opts o;
	int ret = mm_parse_alloc(fd, argc, argv, true, &o);

	return ret ? ret : mm_alloc_run(ctx, fd, &o);
}
