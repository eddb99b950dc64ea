// SPDX-License-Identifier: GPL-2.0
/*
 * slub_bench.c - aetherctl slub bench
 *
 * Runs AETHER_SLUB_IOC_BENCH: the module times its caches and a Linux
 * kmem_cache of the same object size in the same boot, in alternating
 * rounds, and answers ns per object (x1000) and their ratio.  --all runs
 * the set the project reports: alloc+free pairs and bulk 16 and 64 for
 * 64, 256 and 1024 bytes on one CPU and on two at once, and the cross-CPU
 * free on two.  Linux's figure depends on its command line (slub_debug,
 * init_on_alloc): the table's note says what this boot had.
 *
 * --repeat N runs each benchmark N times (each run its own rounds, in the
 * same boot) and shows the run with the median ratio, and the lowest and
 * highest ratio of the N: under emulation, or on a host shared with other
 * work, one run can be off by a wide margin, and the spread says how far.
 */
#include <stdlib.h>
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "slub.h"

static const char * const bench_ops[AETHER_SLUB_NR_BENCH] = {
	"pair", "bulk", "cross",
};

#define BENCH_REPEAT_MAX	99

struct bench_opts {
	struct actl_bench_opts c;
	__u32 size, batch, repeat;
};

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		ACTL_BENCH_OPTIONS,
		{ "size", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'R' },
		{ }
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	actl_bench_init(&o->c);
	o->size = 64;
	o->repeat = 1;
	while ((c = getopt_long(argc, argv, ACTL_BENCH_SHORTOPTS "s:b:R:",
				opts, NULL)) != -1) {
		switch (actl_bench_opt(c, optarg, bench_ops,
				       AETHER_SLUB_NR_BENCH, &o->c)) {
		case 1:
			continue;
		case 0:
			break;
		default:
			return SLUB_USAGE;
		}
		switch (c) {
		case 's':
			if (actl_parse_int("--size", optarg, 8, 4096, &v))
				return SLUB_USAGE;
			o->size = v;
			break;
		case 'b':
			if (actl_parse_int("--batch", optarg, 1, 256, &v))
				return SLUB_USAGE;
			o->batch = v;
			break;
		case 'R':
			if (actl_parse_int("--repeat", optarg, 1,
					   BENCH_REPEAT_MAX, &v))
				return SLUB_USAGE;
			o->repeat = v;
			break;
		default:
			return SLUB_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("unexpected argument '%s'", argv[optind]);
		return SLUB_USAGE;
	}
	if (o->c.op != AETHER_SLUB_BENCH_PAIR && !o->batch)
		o->batch = o->c.op == AETHER_SLUB_BENCH_BULK ? 16 : 64;
	if (o->c.op == AETHER_SLUB_BENCH_PAIR)
		o->batch = 0;
	if (o->c.op == AETHER_SLUB_BENCH_CROSS && o->c.threads < 2)
		o->c.threads = 2;
	return 0;
}

static int bench_by_ratio(const void *a, const void *b)
{
	const struct aether_slub_bench *x = a, *y = b;

	return x->ratio < y->ratio ? -1 : x->ratio > y->ratio;
}

static int bench_run(int fd, const struct bench_opts *o, __u32 op,
		     __u32 size, __u32 batch, __u32 threads,
		     struct actl_out *t)
{
	struct aether_slub_bench b = {
		.size = sizeof(b),
		.op = op,
		.object_size = size,
		.batch = op == AETHER_SLUB_BENCH_PAIR ? 0 : batch,
		.threads = threads,
		.rounds = o->c.rounds,
		.iterations = o->c.iterations,
		.flags = o->c.zero ? AETHER_SLUB_BENCH_ZERO : 0,
	};
	struct aether_slub_bench runs[BENCH_REPEAT_MAX];
	unsigned int i, n = o->repeat;
	char what[96];

	snprintf(what, sizeof(what), "BENCH %s size=%u batch=%u threads=%u",
		 bench_ops[op], size, b.batch, threads);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "aetherctl: running %s, %u x %llu (%u of %u) ...\n",
			what, b.rounds, (unsigned long long)b.iterations,
			i + 1, n);
		runs[i] = b;
		if (actl_ioctl(fd, AETHER_SLUB_IOC_BENCH, &runs[i], what))
			return -EIO;
	}
	qsort(runs, n, sizeof(runs[0]), bench_by_ratio);
	b = runs[n / 2];
	out_row(t);
	out_str(t, bench_ops[op]);
	out_u64(t, size);
	out_u64(t, b.batch);
	out_u64(t, threads);
	out_x1000(t, b.aslub_ns);
	out_x1000(t, b.kernel_ns);
	out_x1000(t, b.ratio);
	if (n > 1) {
		out_x1000(t, runs[0].ratio);
		out_x1000(t, runs[n - 1].ratio);
	}
	out_str(t, b.kernel_zeroes ? "yes" : "no");
	return 0;
}

/* What this boot's command line does to Linux's caches. */
static void bench_note_cmdline(void)
{
	char buf[4096], *p, *q;
	FILE *f = fopen("/proc/cmdline", "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	/* The last one counts: each slub_debug= replaces the one before. */
	for (p = NULL, q = buf; (q = strstr(q, "slub_debug")); q++)
		p = q;
	if (p) {
		p[strcspn(p, " \n")] = '\0';
		out_note("Linux side booted with %s (the last one counts): with flags for all caches, Linux runs SLUB's debug path",
			 p);
	} else {
		out_note("Linux side without slub_debug");
	}
}

int slub_cmd_bench(const struct actl_ctx *ctx, int fd, int argc, char **argv)
{
	static const __u32 sizes[] = { 64, 256, 1024 };
	static const __u32 bulk[] = { 16, 64 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_opts o;
	struct actl_out *t;
	unsigned int th, s, i;
	int ret;

	(void)ctx;
	ret = bench_parse(argc, argv, &o);
	if (ret)
		return ret;
	t = out_table("bench",
		      "aether_slub vs kmem_cache (ns per object, alloc and free; ratio below 1 = aether_slub faster)");
	out_col(t, "op", "op");
	out_col(t, "object_size", "size");
	out_col(t, "batch", "batch");
	out_col(t, "threads", "threads");
	out_col(t, "aslub_ns", "aslub (ns)");
	out_col(t, "kernel_ns", "kmem_cache (ns)");
	out_col(t, "ratio", o.repeat > 1 ? "median ratio" : "ratio");
	if (o.repeat > 1) {
		out_col(t, "ratio_min", "min");
		out_col(t, "ratio_max", "max");
	}
	out_col(t, "kernel_zeroes", "Linux zeroes");
	if (!o.c.all) {
		ret = bench_run(fd, &o, o.c.op, o.size, o.batch, o.c.threads,
				t);
		out_flush(t);
		bench_note_cmdline();
		return ret;
	}
	for (th = 1; th <= 2 && th <= cpus && !ret; th++) {
		for (s = 0; s < ARRAY_SIZE(sizes) && !ret; s++) {
			ret = bench_run(fd, &o, AETHER_SLUB_BENCH_PAIR,
					sizes[s], 0, th, t);
			for (i = 0; i < ARRAY_SIZE(bulk) && !ret; i++)
				ret = bench_run(fd, &o, AETHER_SLUB_BENCH_BULK,
						sizes[s], bulk[i], th, t);
		}
	}
	for (s = 0; s < ARRAY_SIZE(sizes) && cpus >= 2 && !ret; s++)
		ret = bench_run(fd, &o, AETHER_SLUB_BENCH_CROSS, sizes[s], 64,
				2, t);
	out_flush(t);
	bench_note_cmdline();
	return ret;
}
