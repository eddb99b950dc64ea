// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - the pool's buddy allocator against Linux's, in the same boot
 *
 * DOC: Overview
 *
 * AETHER_MM_IOC_BENCH runs one operation (order-0 alloc+free, order-3
 * alloc+free, or a bulk alloc of @batch order-0 pages and their free)
 * through the pool and through Linux's page allocator, on @threads CPUs at
 * once, and reports the mean time of one operation on each side.
 *
 * One kernel thread is bound to each of the first @threads online CPUs.
 * A run is @rounds rounds; a round is two phases, one through each
 * allocator, and the side that goes first alternates from round to round
 * so that neither always profits from the caches the other warmed.  All
 * threads meet at a barrier before every phase, so that with two or more
 * threads both allocators are measured under the same contention.
 *
 * Within a phase, time is taken with ktime_get_ns() around slices of
 * AEM_BENCH_SLICE operations; between slices the thread may reschedule and
 * looks for an abort, neither of which is timed.  Each operation gives
 * back at once what it took, so a failure leaves nothing behind: the
 * thread stops, flags the abort for the others, and the run ends with
 * -ENOMEM.
 *
 * The pool side allocates on the thread's own node with AEM_ALLOC_NOTRACK,
 * since stack capture is a debugging aid Linux's side does not pay for.
 * With AETHER_MM_BENCH_ZERO the pool zeroes what it hands out, which is
 * what Linux does when init_on_alloc is on (reported in @kernel_zeroes).
 *
 * Lock order: aem_bench_mutex, taken for the whole run, then whatever the
 * two allocators take.  Runs are serialised, since two at once would only
 * measure each other.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "internal.h"

/* Operations per timed slice. */
#define AEM_BENCH_SLICE		1000U

/* Linux's side asks like an ordinary caller, but quietly. */
#define AEM_BENCH_GFP		(GFP_KERNEL | __GFP_NOWARN)

enum aem_bench_side { AEM_BENCH_POOL, AEM_BENCH_KERNEL, AEM_BENCH_SIDES };

static DEFINE_MUTEX(aem_bench_mutex);

static const char * const aem_bench_names[AETHER_MM_NR_BENCH] = {
	[AETHER_MM_BENCH_ORDER0] = "order0",
	[AETHER_MM_BENCH_ORDER3] = "order3",
	[AETHER_MM_BENCH_BULK] = "bulk",
};

/**
 * struct aem_bench_ctx - one run, shared by its threads
 * @b:		the request
 * @order:	block order of the operation
 * @aem_flags:	pool allocation flags
 * @arrived:	barrier count; phase k is open once it reaches k * threads
 * @abort:	a thread failed, or the caller was killed: everyone stops
 */
struct aem_bench_ctx {
	const struct aether_mm_bench *b;
	unsigned int order;
	unsigned int aem_flags;
	atomic_t arrived;
	bool abort;
};

/**
 * struct aem_bench_thread - one thread of a run
 * @ctx:	the run
 * @task:	the kernel thread
 * @done:	completed when the thread has finished its rounds
 * @nid:	pool node to allocate on
 * @phase:	barriers passed
 * @err:	0, or why the thread stopped
 * @ns:		time spent per side
 * @ops:	operations done per side
 * @frames:	bulk array for the pool (BULK only)
 * @pages:	bulk array for Linux (BULK only)
 */
struct aem_bench_thread {
	struct aem_bench_ctx *ctx;
	struct task_struct *task;
	struct completion done;
	int nid;
	unsigned int phase;
	int err;
	u64 ns[AEM_BENCH_SIDES];
	u64 ops[AEM_BENCH_SIDES];
	struct aem_frame **frames;
	struct page **pages;
};

/* Wait for every thread to reach the next phase; false when aborting. */
static bool aem_bench_sync(struct aem_bench_thread *t)
{
	struct aem_bench_ctx *ctx = t->ctx;
	int target = ++t->phase * ctx->b->threads;

	atomic_inc(&ctx->arrived);
	while (atomic_read(&ctx->arrived) < target) {
		if (READ_ONCE(ctx->abort))
			return false;
		cpu_relax();
		cond_resched();
	}
	return !READ_ONCE(ctx->abort);
}

/* @n alloc+free pairs of one block; the number done. */
static unsigned int aem_bench_pairs(struct aem_bench_thread *t,
				    enum aem_bench_side side, unsigned int n)
{
	unsigned int order = t->ctx->order, i;
	struct aem_frame *frame;
	struct page *page;

	for (i = 0; i < n; i++) {
		if (side == AEM_BENCH_POOL) {
			frame = aem_alloc_pages(t->nid, order, t->ctx->aem_flags);
			if (unlikely(!frame))
				break;
			aem_free_pages(frame, order);
		} else {
			page = alloc_pages(AEM_BENCH_GFP, order);
			if (unlikely(!page))
				break;
			__free_pages(page, order);
		}
	}
	return i;
}

/* One bulk alloc of up to @batch pages and their free; pages taken. */
static unsigned int aem_bench_bulk_one(struct aem_bench_thread *t,
				       enum aem_bench_side side,
				       unsigned int batch)
{
	unsigned int i, n;

	if (side == AEM_BENCH_POOL) {
		n = aem_alloc_bulk(t->nid, 0, t->ctx->aem_flags, batch,
				   t->frames);
		if (n)
			aem_free_bulk(t->frames, n, 0);
		return n;
	}

	/* alloc_pages_bulk_array() fills only the empty slots. */
	memset(t->pages, 0, batch * sizeof(*t->pages));
	n = alloc_pages_bulk_array(AEM_BENCH_GFP, batch, t->pages);
	for (i = 0; i < batch; i++)
		if (t->pages[i])
			__free_pages(t->pages[i], 0);
	return n;
}

/* Bulk calls for at least @n pages; the number of pages taken. */
static unsigned int aem_bench_bulk(struct aem_bench_thread *t,
				   enum aem_bench_side side, unsigned int n)
{
	unsigned int batch = t->ctx->b->batch, done = 0, got;

	while (done < n) {
		got = aem_bench_bulk_one(t, side, batch);
		if (unlikely(!got))
			break;
		done += got;
	}
	return done;
}

/* One phase: b->iterations operations through @side, timed by slices. */
static int aem_bench_phase(struct aem_bench_thread *t,
			   enum aem_bench_side side)
{
	const struct aether_mm_bench *b = t->ctx->b;
	u64 left = b->iterations, start;
	unsigned int want, done;

	while (left) {
		want = min_t(u64, left, AEM_BENCH_SLICE);
		start = ktime_get_ns();
		if (b->op == AETHER_MM_BENCH_BULK)
			done = aem_bench_bulk(t, side, want);
		else
			done = aem_bench_pairs(t, side, want);
		t->ns[side] += ktime_get_ns() - start;
		t->ops[side] += done;
		if (done < want)
			return -ENOMEM;
		left -= min_t(u64, left, done);

		cond_resched();
		if (READ_ONCE(t->ctx->abort))
			return -EINTR;
	}
	return 0;
}

static int aem_bench_rounds(struct aem_bench_thread *t)
{
	const struct aether_mm_bench *b = t->ctx->b;
	enum aem_bench_side side;
	unsigned int r, i;
	int ret;

	for (r = 0; r < b->rounds; r++) {
		for (i = 0; i < AEM_BENCH_SIDES; i++) {
			side = (r + i) & 1 ? AEM_BENCH_KERNEL : AEM_BENCH_POOL;
			if (!aem_bench_sync(t))
				return -EINTR;
			ret = aem_bench_phase(t, side);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int aem_bench_thread_fn(void *arg)
{
	struct aem_bench_thread *t = arg;

	t->err = aem_bench_rounds(t);
	if (t->err)
		WRITE_ONCE(t->ctx->abort, true);
	complete(&t->done);

	/* Stay until aem_bench_run() collects us with kthread_stop(). */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* The node the pool should serve @cpu from: its own, else the first. */
static int aem_bench_nid(unsigned int cpu)
{
	int nid = cpu_to_node(cpu);

	if (aem_node(nid))
		return nid;
	for_each_aem_nid(nid)
		return nid;
	return NUMA_NO_NODE;
}

static int aem_bench_thread_init(struct aem_bench_thread *t,
				 struct aem_bench_ctx *ctx, unsigned int cpu)
{
	unsigned int batch = ctx->b->batch;

	t->ctx = ctx;
	t->nid = aem_bench_nid(cpu);
	init_completion(&t->done);
	if (batch) {
		t->frames = kcalloc_node(batch, sizeof(*t->frames), GFP_KERNEL,
					 cpu_to_node(cpu));
		t->pages = kcalloc_node(batch, sizeof(*t->pages), GFP_KERNEL,
					cpu_to_node(cpu));
		if (!t->frames || !t->pages)
			return -ENOMEM;
	}
	t->task = kthread_create_on_cpu(aem_bench_thread_fn, t, cpu,
					"aem_bench/%u");
	if (IS_ERR(t->task)) {
		int ret = PTR_ERR(t->task);

		t->task = NULL;
		return ret;
	}
	return 0;
}

/* Stop (or, never woken, cancel) every thread and free what it held. */
static void aem_bench_threads_free(struct aem_bench_thread *threads,
				   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (threads[i].task)
			kthread_stop(threads[i].task);
		kfree(threads[i].frames);
		kfree(threads[i].pages);
	}
	kfree(threads);
}

/* Start every thread and wait for all; -EINTR when the caller is killed. */
static int aem_bench_wait(struct aem_bench_ctx *ctx,
			  struct aem_bench_thread *threads, unsigned int nr)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++)
		wake_up_process(threads[i].task);
	for (i = 0; i < nr; i++) {
		if (wait_for_completion_killable(&threads[i].done)) {
			WRITE_ONCE(ctx->abort, true);
			ret = -EINTR;
			break;
		}
		if (threads[i].err && !ret)
			ret = threads[i].err;
	}
	return ret;
}

/* Mean ns per operation x1000 of @side over every thread. */
static u64 aem_bench_mean(const struct aem_bench_thread *threads,
			  unsigned int nr, enum aem_bench_side side)
{
	u64 ns = 0, ops = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ns += threads[i].ns[side];
		ops += threads[i].ops[side];
	}
	return ops ? div64_u64(ns * 1000, ops) : 0;
}

static void aem_bench_report(struct aether_mm_bench *b,
			     const struct aem_bench_thread *threads)
{
	b->pool_ns = aem_bench_mean(threads, b->threads, AEM_BENCH_POOL);
	b->kernel_ns = aem_bench_mean(threads, b->threads, AEM_BENCH_KERNEL);
	b->ratio = b->kernel_ns ? div64_u64(b->pool_ns * 1000, b->kernel_ns) : 0;
	b->kernel_zeroes = want_init_on_alloc(GFP_KERNEL);

	pr_info("bench %s batch %u threads %u rounds %u iterations %llu%s: pool %llu.%03llu ns/op, kernel %llu.%03llu ns/op, ratio %llu.%03llu%s\n",
		aem_bench_names[b->op], b->batch, b->threads, b->rounds,
		b->iterations, b->flags & AETHER_MM_BENCH_ZERO ? " zero" : "",
		b->pool_ns / 1000, b->pool_ns % 1000,
		b->kernel_ns / 1000, b->kernel_ns % 1000,
		b->ratio / 1000, b->ratio % 1000,
		b->kernel_zeroes ? " (kernel zeroes)" : "");
}

static void aem_bench_ctx_init(struct aem_bench_ctx *ctx,
			       const struct aether_mm_bench *b)
{
	ctx->b = b;
	ctx->order = b->op == AETHER_MM_BENCH_ORDER3 ? 3 : 0;
	ctx->aem_flags = AEM_OWNER(AEM_OWNER_BENCH) | AEM_ALLOC_NOTRACK;
	if (b->flags & AETHER_MM_BENCH_ZERO)
		ctx->aem_flags |= AEM_ALLOC_ZERO;
	atomic_set(&ctx->arrived, 0);
	ctx->abort = false;
}

/**
 * aem_bench_run() - run one benchmark of AETHER_MM_IOC_BENCH
 * @b: the request, checked by the caller; the results are written into it
 *
 * Runs @b->op on the first @b->threads online CPUs at once: @b->rounds
 * times @b->iterations operations per thread through the pool and through
 * Linux, interleaved, and fills in @b->pool_ns, @b->kernel_ns,
 * @b->ratio and @b->kernel_zeroes.  Every thread is stopped and everything
 * freed before it returns, whatever happened.
 *
 * Context: process context, may sleep for as long as the run takes.
 * Return: 0; -ENOMEM when an allocation failed on either side (or no
 * memory for the run); -EINTR when the caller was killed; -EINVAL when
 * fewer CPUs are online than asked for.
 */
int aem_bench_run(struct aether_mm_bench *b)
{
	struct aem_bench_thread *threads;
	struct aem_bench_ctx ctx;
	unsigned int i, cpu;
	int ret;

	if (mutex_lock_killable(&aem_bench_mutex))
		return -EINTR;
	aem_bench_ctx_init(&ctx, b);
	threads = kcalloc(b->threads, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ret = -ENOMEM;
		goto out_unlock;
	}

	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < b->threads; i++) {
		ret = cpu < nr_cpu_ids ? 0 : -EINVAL;
		if (!ret)
			ret = aem_bench_thread_init(&threads[i], &ctx, cpu);
		if (ret)
			goto out_free;
		cpu = cpumask_next(cpu, cpu_online_mask);
	}

	ret = aem_bench_wait(&ctx, threads, b->threads);
	if (!ret)
		aem_bench_report(b, threads);
out_free:
	aem_bench_threads_free(threads, b->threads);
out_unlock:
	mutex_unlock(&aem_bench_mutex);
	return ret;
}
