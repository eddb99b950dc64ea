// SPDX-License-Identifier: GPL-2.0
/*
 * mm_bench.c - aetherctl mm bench
 *
 * Runs AETHER_MM_IOC_BENCH: the module times its own allocator and Linux's
 * (alloc_pages, alloc_pages_bulk) in the same boot, in alternating rounds,
 * and answers ns per operation (x1000) and their ratio.  --all runs the
 * set the project reports: order-0, order-3 and bulk 8/32/128, each on one
 * CPU and on two at once.  Under software emulation only ratios mean
 * anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mm.h"

static const char * const bench_op_names[AETHER_MM_NR_BENCH] = {
	"order0", "order3", "bulk",
};

struct bench_opts {
	struct actl_bench_opts c;
	__u32 batch;
	bool batch_set;
};

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		ACTL_BENCH_OPTIONS,
		{ "batch", required_argument, NULL, 'b' },
		{ }
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	actl_bench_init(&o->c);
	while ((c = getopt_long(argc, argv, ACTL_BENCH_SHORTOPTS "b:", opts,
				NULL)) != -1) {
		switch (actl_bench_opt(c, optarg, bench_op_names,
				       AETHER_MM_NR_BENCH, &o->c)) {
		case 1:
			continue;
		case 0:
			break;
		default:
			return MM_USAGE;
		}
		switch (c) {
		case 'b':
			if (actl_parse_int("--batch", optarg, 1, 512, &v))
				return MM_USAGE;
			o->batch = v;
			o->batch_set = true;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("unexpected argument '%s'", argv[optind]);
		return MM_USAGE;
	}
	if (o->c.op == AETHER_MM_BENCH_BULK && !o->batch_set)
		o->batch = 32;
	if (o->c.op != AETHER_MM_BENCH_BULK && o->batch_set && !o->c.all) {
		actl_err("--batch is for --op bulk only");
		return MM_USAGE;
	}
	return 0;
}

static int bench_run(int fd, const struct bench_opts *o, __u32 op,
		     __u32 batch, __u32 threads, struct actl_out *t)
{
	struct aether_mm_bench b = {
		.size = sizeof(b),
		.op = op,
		.batch = op == AETHER_MM_BENCH_BULK ? batch : 0,
		.threads = threads,
		.rounds = o->c.rounds,
		.iterations = o->c.iterations,
		.flags = o->c.zero ? AETHER_MM_BENCH_ZERO : 0,
	};
	char what[96];

	snprintf(what, sizeof(what), "BENCH %s%s%.0u threads=%u",
		 bench_op_names[op], b.batch ? " batch=" : "", b.batch,
		 threads);
	fprintf(stderr, "aetherctl: running %s, %u x %llu ...\n", what,
		b.rounds, (unsigned long long)b.iterations);
	if (actl_ioctl(fd, AETHER_MM_IOC_BENCH, &b, what))
		return -EIO;
	out_row(t);
	out_str(t, bench_op_names[op]);
	out_u64(t, b.batch);
	out_u64(t, threads);
	out_x1000(t, b.pool_ns);
	out_x1000(t, b.kernel_ns);
	out_x1000(t, b.ratio);
	out_str(t, b.kernel_zeroes ? "yes" : "no");
	return 0;
}

int mm_cmd_bench(const struct actl_ctx *ctx, int fd, int argc, char **argv)
{
	static const __u32 bulk[] = { 8, 32, 128 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_opts o;
	struct actl_out *t;
	unsigned int th, i;
	int ret;

	(void)ctx;
	ret = bench_parse(argc, argv, &o);
	if (ret)
		return ret;
	t = out_table("bench",
		      "Pool vs Linux (ns per operation; ratio = pool / Linux, below 1 = pool faster)");
	out_col(t, "op", "op");
	out_col(t, "batch", "batch (pages)");
	out_col(t, "threads", "threads");
	out_col(t, "pool_ns", "pool (ns/op)");
	out_col(t, "kernel_ns", "Linux (ns/op)");
	out_col(t, "ratio", "ratio");
	out_col(t, "kernel_zeroes", "Linux zeroes");
	if (!o.c.all) {
		ret = bench_run(fd, &o, o.c.op, o.batch, o.c.threads, t);
		out_flush(t);
		return ret;
	}
	for (th = 1; th <= 2 && th <= cpus && !ret; th++) {
		ret = bench_run(fd, &o, AETHER_MM_BENCH_ORDER0, 0, th, t);
		if (!ret)
			ret = bench_run(fd, &o, AETHER_MM_BENCH_ORDER3, 0, th,
					t);
		for (i = 0; i < ARRAY_SIZE(bulk) && !ret; i++)
			ret = bench_run(fd, &o, AETHER_MM_BENCH_BULK, bulk[i],
					th, t);
	}
	out_flush(t);
	return ret;
}
