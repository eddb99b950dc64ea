// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - the options every aetherctl benchmark of an in-kernel harness
 * takes (mm bench, slub bench, and those of the modules to come):
 * --op, --threads, --rounds, --iterations, --zero, --all.
 */
#define _GNU_SOURCE
#include <string.h>

#include "aetherctl.h"

#define BENCH_ROUNDS		4
#define BENCH_ITERATIONS	20000

void actl_bench_init(struct actl_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->threads = 1;
	o->rounds = BENCH_ROUNDS;
	o->iterations = BENCH_ITERATIONS;
}

/* --op NAME: the index of NAME in @ops, or a usage error naming them. */
static int actl_bench_op(const char *arg, const char *const *ops,
			 unsigned int nr_ops, __u32 *op)
{
	char names[128] = "";
	size_t used = 0;
	unsigned int k;

	for (k = 0; k < nr_ops; k++) {
		if (!strcmp(arg, ops[k])) {
			*op = k;
			return 0;
		}
	}
	for (k = 0; k < nr_ops && used < sizeof(names); k++)
		used += snprintf(names + used, sizeof(names) - used, "%s%s",
				 !k ? "" : k + 1 < nr_ops ? ", " : " or ",
				 ops[k]);
	actl_err("--op: '%s' is not %s", arg, names);
	return ACTL_USAGE;
}

int actl_bench_opt(int c, const char *arg, const char *const *ops,
		   unsigned int nr_ops, struct actl_bench_opts *o)
{
	long v;

	switch (c) {
	case 'o':
		if (actl_bench_op(arg, ops, nr_ops, &o->op))
			return ACTL_USAGE;
		return 1;
	case 't':
		if (actl_parse_int("--threads", arg, 1, 1024, &v))
			return ACTL_USAGE;
		o->threads = v;
		return 1;
	case 'r':
		if (actl_parse_int("--rounds", arg, 1, 1000, &v))
			return ACTL_USAGE;
		o->rounds = v;
		return 1;
	case 'i':
		if (actl_parse_int("--iterations", arg, 1, 1000000, &v))
			return ACTL_USAGE;
		o->iterations = v;
		return 1;
	case 'Z':
		o->zero = true;
		return 1;
	case 'a':
		o->all = true;
		return 1;
	default:
		return 0;
	}
}
