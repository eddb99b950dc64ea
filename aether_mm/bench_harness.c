// SPDX-License-Identifier: GPL-2.0
/*
 * bench_harness.c - the benchmark harness every module of the suite uses
 *
 * DOC: Overview
 *
 * A run (struct aem_bench, include/aether/bench.h) binds one kernel thread
 * to each of the first @threads online CPUs.  It is @rounds rounds; a
 * round is two phases, one through our side and one through the kernel's,
 * and the side that goes first alternates from round to round so that
 * neither always profits from the caches the other warmed.  All threads
 * meet at a barrier before every phase, so that with two or more threads
 * both sides are measured under the same contention.
 *
 * Within a phase, time is taken with ktime_get_ns() around slices of
 * @slice operations (the benchmark's ->slice callback); between slices
 * the thread may reschedule and looks for an abort, neither of which is
 * timed.  A slice that does less than asked ends the run with -ENOMEM; a
 * fatal signal to the caller ends it with -EINTR.  Either way every thread
 * is stopped and ->exit called before aem_bench_run() returns.
 *
 * Figures: the mean ns per operation of each side over the whole run, the
 * ratio of the means, and, per round, the ratio of the two phases summed
 * over the threads: their median and their extremes, so that a reader can
 * tell a steady ratio from a noisy one.
 *
 * Worker life: created (kthread_create_on_cpu, not yet running) ->
 * ->init -> woken -> rounds -> completes @done -> sleeps until
 * kthread_stop() -> ->exit.  A worker whose thread could not be created
 * is never woken; its ->exit still runs.
 *
 * Lock order (internal.h): aem_bench_mutex, for the whole run (runs of every module
 * are serialised, since two at once would only measure each other), then
 * whatever the benchmark's operation takes.
 */

#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include <aether/bench.h>

#define AEM_BENCH_SLICE_DEFAULT	1000U

static DEFINE_MUTEX(aem_bench_mutex);

/* Wait for every thread to reach the next phase; false when aborting. */
static bool aem_bench_sync(struct aem_bench_worker *w)
{
	struct aem_bench *b = w->bench;
	int target = ++w->phase * b->threads;

	atomic_inc(&b->arrived);
	while (atomic_read(&b->arrived) < target) {
		if (aem_bench_aborted(w))
			return false;
		cpu_relax();
		cond_resched();
	}
	return !aem_bench_aborted(w);
}

/* One phase of round @r: @iterations operations through @side. */
static int aem_bench_phase(struct aem_bench_worker *w, unsigned int r,
			   enum aem_bench_side side)
{
	struct aem_bench *b = w->bench;
	u64 left = b->iterations, start, ns;
	unsigned int want, done;

	while (left) {
		want = min_t(u64, left, b->slice);
		start = ktime_get_ns();
		done = b->ops->slice(w, side, want);
		ns = ktime_get_ns() - start;
		w->ns[side] += ns;
		w->round_ns[r * AEM_BENCH_SIDES + side] += ns;
		w->ops[side] += done;
		if (done < want)
			return -ENOMEM;
		left -= min_t(u64, left, done);

		cond_resched();
		if (aem_bench_aborted(w))
			return -EINTR;
	}
	return 0;
}

static int aem_bench_rounds(struct aem_bench_worker *w)
{
	enum aem_bench_side side;
	unsigned int r, i;
	int ret;

	for (r = 0; r < w->bench->rounds; r++) {
		for (i = 0; i < AEM_BENCH_SIDES; i++) {
			side = (r + i) & 1 ? AEM_BENCH_KERNEL : AEM_BENCH_OURS;
			if (!aem_bench_sync(w))
				return -EINTR;
			ret = aem_bench_phase(w, r, side);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int aem_bench_thread_fn(void *arg)
{
	struct aem_bench_worker *w = arg;

	w->err = aem_bench_rounds(w);
	if (w->err)
		WRITE_ONCE(w->bench->abort, true);
	complete(&w->done);

	/* Stay until aem_bench_run() collects us with kthread_stop(). */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int aem_bench_worker_init(struct aem_bench_worker *w,
				 struct aem_bench *b, unsigned int id,
				 unsigned int cpu)
{
	int ret;

	w->bench = b;
	w->id = id;
	w->cpu = cpu;
	init_completion(&w->done);
	w->round_ns = kcalloc_node(b->rounds * AEM_BENCH_SIDES,
				   sizeof(*w->round_ns), GFP_KERNEL,
				   cpu_to_node(cpu));
	if (!w->round_ns)
		return -ENOMEM;
	if (b->ops->init) {
		ret = b->ops->init(w);
		if (ret)
			return ret;
	}
	w->task = kthread_create_on_cpu(aem_bench_thread_fn, w, cpu,
					b->name);
	if (IS_ERR(w->task)) {
		ret = PTR_ERR(w->task);
		w->task = NULL;
		return ret;
	}
	return 0;
}

/* Start every thread and wait for all; -EINTR when the caller is killed. */
static int aem_bench_wait(struct aem_bench *b)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < b->threads; i++)
		wake_up_process(b->workers[i].task);
	for (i = 0; i < b->threads; i++) {
		if (wait_for_completion_killable(&b->workers[i].done)) {
			WRITE_ONCE(b->abort, true);
			ret = -EINTR;
			break;
		}
		if (b->workers[i].err && !ret)
			ret = b->workers[i].err;
	}
	return ret;
}

/* Stop every thread (never woken ones never run), then ->exit each. */
static void aem_bench_workers_free(struct aem_bench *b, unsigned int nr)
{
	struct aem_bench_worker *w;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		w = &b->workers[i];
		if (w->task)
			kthread_stop(w->task);
	}
	for (i = 0; i < nr; i++) {
		w = &b->workers[i];
		if (b->ops->exit)
			b->ops->exit(w);
		kfree(w->round_ns);
	}
	kfree(b->workers);
	b->workers = NULL;
}

/* ns x1000 per operation of @side over every thread. */
static u64 aem_bench_mean(const struct aem_bench *b, enum aem_bench_side side)
{
	u64 ns = 0, ops = 0;
	unsigned int i;

	for (i = 0; i < b->threads; i++) {
		ns += b->workers[i].ns[side];
		ops += b->workers[i].ops[side];
	}
	return ops ? div64_u64(ns * 1000, ops) : 0;
}

static int aem_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Per-round ratios: each side did the same number of operations in a
 * round, so the ratio of the summed times is the ratio of the means.
 */
static int aem_bench_spread(struct aem_bench *b)
{
	u64 *ratio, ns[AEM_BENCH_SIDES];
	unsigned int r, i, s;

	ratio = kcalloc(b->rounds, sizeof(*ratio), GFP_KERNEL);
	if (!ratio)
		return -ENOMEM;
	for (r = 0; r < b->rounds; r++) {
		for (s = 0; s < AEM_BENCH_SIDES; s++) {
			ns[s] = 0;
			for (i = 0; i < b->threads; i++)
				ns[s] += b->workers[i].round_ns[r * AEM_BENCH_SIDES + s];
		}
		ratio[r] = ns[AEM_BENCH_KERNEL] ?
			div64_u64(ns[AEM_BENCH_OURS] * 1000, ns[AEM_BENCH_KERNEL]) : 0;
	}
	sort(ratio, b->rounds, sizeof(*ratio), aem_bench_cmp_u64, NULL);
	b->lo = ratio[0];
	b->hi = ratio[b->rounds - 1];
	b->median = b->rounds & 1 ? ratio[b->rounds / 2] :
		(ratio[b->rounds / 2 - 1] + ratio[b->rounds / 2]) / 2;
	kfree(ratio);
	return 0;
}

static int aem_bench_figures(struct aem_bench *b)
{
	enum aem_bench_side s;

	for (s = 0; s < AEM_BENCH_SIDES; s++)
		b->mean_ns[s] = aem_bench_mean(b, s);
	b->ratio = b->mean_ns[AEM_BENCH_KERNEL] ?
		div64_u64(b->mean_ns[AEM_BENCH_OURS] * 1000,
			  b->mean_ns[AEM_BENCH_KERNEL]) : 0;
	return aem_bench_spread(b);
}

/**
 * aem_bench_run() - run a benchmark against the kernel's equivalent
 * @b: the run: @ops, @priv, @name, @threads, @rounds, @iterations and
 *     @slice set by the caller; the figures are written back into it
 *
 * Context: process context, may sleep for as long as the run takes; runs
 * of every module are serialised.
 * Return: 0; -EINVAL for a request out of range (more threads than online
 * CPUs, no rounds or too many, no iterations, no ->slice); -ENOMEM when
 * an operation or the harness ran out of memory; -EINTR when the caller
 * was killed; an error of ->init.
 */
int aem_bench_run(struct aem_bench *b)
{
	unsigned int i = 0, cpu;
	int ret;

	if (!b->ops || !b->ops->slice || !b->name || !b->threads ||
	    b->threads > num_online_cpus() || !b->rounds ||
	    b->rounds > AEM_BENCH_MAX_ROUNDS || !b->iterations)
		return -EINVAL;
	if (!b->slice)
		b->slice = AEM_BENCH_SLICE_DEFAULT;
	if (mutex_lock_killable(&aem_bench_mutex))
		return -EINTR;
	atomic_set(&b->arrived, 0);
	b->abort = false;
	b->workers = kcalloc(b->threads, sizeof(*b->workers), GFP_KERNEL);
	if (!b->workers) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = -EINVAL;		/* CPUs went offline meanwhile */
	for_each_online_cpu(cpu) {
		if (i == b->threads)
			break;
		ret = aem_bench_worker_init(&b->workers[i], b, i, cpu);
		i++;		/* ->exit runs for it whatever happened */
		if (ret)
			goto out_free;
	}
	if (i < b->threads)
		goto out_free;
	ret = aem_bench_wait(b);
	if (!ret)
		ret = aem_bench_figures(b);
out_free:
	aem_bench_workers_free(b, i);
out_unlock:
	mutex_unlock(&aem_bench_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_bench_run);
