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

#define BENCH_ROUNDS		4
#define BENCH_ITERATIONS	20000

static const char * const bench_op_names[AETHER_MM_NR_BENCH] = {
	"order0", "order3", "bulk",
};

struct bench_opts {
	__u32 op;
	__u32 batch;
	__u32 threads;
	__u32 rounds;
	__u64 iterations;
	__u32 flags;
	bool all;
	bool batch_set;
};

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "zero", no_argument, NULL, 'Z' },
		{ "all", no_argument, NULL, 'a' },
		{ }
	};
	unsigned int k;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 1;
	o->rounds = BENCH_ROUNDS;
	o->iterations = BENCH_ITERATIONS;
	while ((c = getopt_long(argc, argv, "o:b:t:r:i:Za", opts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			for (k = 0; k < AETHER_MM_NR_BENCH; k++)
				if (!strcmp(optarg, bench_op_names[k]))
					break;
			if (k == AETHER_MM_NR_BENCH) {
				actl_err("--op: '%s' is not order0, order3 or bulk",
					 optarg);
				return MM_USAGE;
			}
			o->op = k;
			break;
		case 'b':
			if (actl_parse_int("--batch", optarg, 1, 512, &v))
				return MM_USAGE;
			o->batch = v;
			o->batch_set = true;
			break;
		case 't':
			if (actl_parse_int("--threads", optarg, 1, 1024, &v))
				return MM_USAGE;
			o->threads = v;
			break;
		case 'r':
			if (actl_parse_int("--rounds", optarg, 1, 1000, &v))
				return MM_USAGE;
			o->rounds = v;
			break;
		case 'i':
			if (actl_parse_int("--iterations", optarg, 1, 1000000,
					   &v))
				return MM_USAGE;
			o->iterations = v;
			break;
		case 'Z':
			o->flags |= AETHER_MM_BENCH_ZERO;
			break;
		case 'a':
			o->all = true;
			break;
		default:
			return MM_USAGE;
		}
	}
	if (optind < argc) {
		actl_err("unexpected argument '%s'", argv[optind]);
		return MM_USAGE;
	}
	if (o->op == AETHER_MM_BENCH_BULK && !o->batch_set)
		o->batch = 32;
	if (o->op != AETHER_MM_BENCH_BULK && o->batch_set && !o->all) {
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
		.rounds = o->rounds,
		.iterations = o->iterations,
		.flags = o->flags,
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
	if (!o.all) {
		ret = bench_run(fd, &o, o.op, o.batch, o.threads, t);
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
