/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether/bench.h - the in-kernel benchmark harness of the suite
 *
 * Every module of the suite measures its operation against the kernel's
 * own equivalent in the same boot (DESIGN.md section 7).  The harness does
 * the part that is the same for all of them: one kernel thread per CPU,
 * a barrier before every phase, rounds of two phases (ours and the
 * kernel's) whose order alternates, time taken around slices of
 * operations, abort on failure or on a fatal signal, and the figures: the
 * mean over the run, and the median and spread of the per-round ratios.
 * A module gives it an operation callback and reads the figures back.
 */
#ifndef _AETHER_BENCH_H
#define _AETHER_BENCH_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/types.h>

enum aem_bench_side {
	AEM_BENCH_OURS,
	AEM_BENCH_KERNEL,
	AEM_BENCH_SIDES,
};

struct aem_bench;
struct aem_bench_worker;

/**
 * struct aem_bench_ops - what a benchmark measures
 * @init:	optional; prepare @w (per-CPU buffers in @w->priv), before any
 *		thread runs.  Process context, may sleep.  0 or -errno.
 * @slice:	do @n operations through @side and return how many were done
 *		(more than @n when the operation comes in batches); fewer
 *		than @n means an allocation failed and ends the run with
 *		-ENOMEM.  Runs on @w->cpu in its kernel thread, is
 *		timed as a whole, may sleep only if the operation does.  A
 *		slice that waits on other workers must give up once
 *		aem_bench_aborted() says so.
 * @exit:	optional; undo @init, once every thread has stopped; runs
 *		for every worker that was set up, also when its @init failed
 *		or never ran (@w->priv then is what @init left, or NULL).
 *		Process context, may sleep.
 */
struct aem_bench_ops {
	int (*init)(struct aem_bench_worker *w);
	unsigned int (*slice)(struct aem_bench_worker *w,
			      enum aem_bench_side side, unsigned int n);
	void (*exit)(struct aem_bench_worker *w);
};

/**
 * struct aem_bench_worker - one thread of a run
 * @bench:	the run
 * @id:		0..threads-1
 * @cpu:	the CPU it is bound to
 * @priv:	the benchmark's, set by @init
 *
 * The rest is the harness's own.
 */
struct aem_bench_worker {
	struct aem_bench *bench;
	unsigned int id;
	unsigned int cpu;
	void *priv;

	struct task_struct *task;
	struct completion done;
	unsigned int phase;
	int err;
	u64 ns[AEM_BENCH_SIDES];
	u64 ops[AEM_BENCH_SIDES];
	u64 *round_ns;		/* [round][side] */
};

/**
 * struct aem_bench - one run
 * @ops:	the operation
 * @priv:	the benchmark's, for the callbacks
 * @name:	thread name, a format with one %u for the CPU ("aem_bench/%u")
 * @threads:	1..number of online CPUs; one per CPU, from the first
 * @rounds:	1..AEM_BENCH_MAX_ROUNDS
 * @iterations:	operations per phase per thread
 * @slice:	operations per timed slice, 0 for the default (1000)
 * @mean_ns:	(out) ns per operation over the run, x1000, per side
 * @ratio:	(out) mean_ns ours / kernel, x1000
 * @median:	(out) median of the per-round ratios, x1000
 * @lo, @hi:	(out) smallest and largest per-round ratio, x1000
 *
 * The rest is the harness's own.
 */
struct aem_bench {
	const struct aem_bench_ops *ops;
	void *priv;
	const char *name;
	unsigned int threads;
	unsigned int rounds;
	u64 iterations;
	unsigned int slice;
	u64 mean_ns[AEM_BENCH_SIDES];
	u64 ratio;
	u64 median;
	u64 lo;
	u64 hi;

	struct aem_bench_worker *workers;
	atomic_t arrived;
	bool abort;
};

#define AEM_BENCH_MAX_ROUNDS	1000
#define AEM_BENCH_MAX_ITERATIONS	1000000

int aem_bench_run(struct aem_bench *b);

/**
 * aem_bench_args_ok() - the limits every BENCH command puts on a run
 * @threads:	1..number of online CPUs
 * @rounds:	1..AEM_BENCH_MAX_ROUNDS
 * @iterations:	1..AEM_BENCH_MAX_ITERATIONS
 *
 * For a module's check of its BENCH struct, which returns -EINVAL when
 * this is false, whatever the command's own fields say.
 *
 * Return: whether all three are within their limits.
 */
static inline bool aem_bench_args_ok(u32 threads, u32 rounds, u64 iterations)
{
	return threads && threads <= num_online_cpus() &&
	       rounds && rounds <= AEM_BENCH_MAX_ROUNDS &&
	       iterations && iterations <= AEM_BENCH_MAX_ITERATIONS;
}

/**
 * aem_bench_aborted() - whether the run is ending early
 * @w: the calling worker
 *
 * Return: true once a worker failed or the caller was killed.
 */
static inline bool aem_bench_aborted(const struct aem_bench_worker *w)
{
	return READ_ONCE(w->bench->abort);
}

/**
 * aem_bench_worker_of() - another worker of the same run
 * @w: a worker
 * @id: the other's index, taken modulo the number of threads
 *
 * For operations that pass objects between CPUs.
 */
static inline struct aem_bench_worker *
aem_bench_worker_of(const struct aem_bench_worker *w, unsigned int id)
{
	return &w->bench->workers[id % w->bench->threads];
}

#endif /* _AETHER_BENCH_H */
