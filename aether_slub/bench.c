// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - aether_slub against Linux's kmem_cache, in the same boot
 *
 * DOC: Overview
 *
 * AETHER_SLUB_IOC_BENCH makes a cache of @object_size bytes here and a
 * kmem_cache of the same size in Linux, and runs one operation through
 * both on @threads CPUs at once:
 *
 *	PAIR	aslub_cache_alloc() + aslub_cache_free(), one object at a
 *		time, against kmem_cache_alloc() + kmem_cache_free()
 *	BULK	aslub_cache_alloc_bulk() of @batch objects and
 *		aslub_cache_free_bulk(), against kmem_cache_alloc_bulk() and
 *		kmem_cache_free_bulk()
 *	CROSS	each thread allocates objects and hands them to the next
 *		thread through a ring of @batch slots, and frees what the
 *		previous one hands it: every object is freed on another CPU
 *		than the one that allocated it
 *
 * and reports the mean time per object (its allocation and its free).
 * One kernel thread is bound to each of the first @threads online CPUs.
 * A run is @rounds rounds of two phases, one per allocator; the side that
 * goes first alternates, and all threads meet at a barrier before every
 * phase.  Time is taken with ktime_get_ns() around slices of
 * ASLUB_BENCH_SLICE objects.
 *
 * Fairness.  Linux's kmem_cache pays for what its command line asks:
 * slub_debug=FZP puts every cache on SLUB's debug slow path, and
 * init_on_alloc (on in Debian) zeroes every object.  Neither is ours to
 * switch off here; @kernel_zeroes says whether Linux zeroes, and
 * AETHER_SLUB_BENCH_ZERO makes this side zero too.  For a like-for-like
 * figure boot with slub_debug=- (or with the flags limited to other
 * caches) and pass ZERO when init_on_alloc is on.
 *
 * Lock order: aslub_bench_mutex for the whole run, then the allocators'.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "internal.h"

#define ASLUB_BENCH_SLICE	1024U
#define ASLUB_BENCH_GFP		(GFP_KERNEL | __GFP_NOWARN)

enum aslub_bench_side { ASLUB_BENCH_OURS, ASLUB_BENCH_KERNEL, ASLUB_BENCH_SIDES };

static DEFINE_MUTEX(aslub_bench_mutex);

static const char * const aslub_bench_names[AETHER_SLUB_NR_BENCH] = {
	[AETHER_SLUB_BENCH_PAIR] = "pair",
	[AETHER_SLUB_BENCH_BULK] = "bulk",
	[AETHER_SLUB_BENCH_CROSS] = "cross",
};

struct aslub_bench_thread;

/**
 * struct aslub_bench_ring - objects in flight from one CPU to the next
 * @head:	written by the producer only
 * @tail:	written by the consumer only
 * @side:	allocator of what is in flight
 * @slot:	@batch entries
 */
struct aslub_bench_ring {
	unsigned int head;
	unsigned int tail;
	enum aslub_bench_side side;
	void **slot;
};

/**
 * struct aslub_bench_ctx - one run, shared by its threads
 * @b:		the request
 * @ours:	our cache
 * @theirs:	Linux's cache
 * @gfp:	flags for our side (__GFP_ZERO with BENCH_ZERO)
 * @threads:	every thread, for CROSS to find the next one's ring
 * @arrived:	barrier count; phase k is open once it reaches k * threads
 * @abort:	a thread failed, or the caller was killed
 */
struct aslub_bench_ctx {
	const struct aether_slub_bench *b;
	struct aslub_cache *ours;
	struct kmem_cache *theirs;
	gfp_t gfp;
	struct aslub_bench_thread *threads;
	atomic_t arrived;
	bool abort;
};

/**
 * struct aslub_bench_thread - one thread of a run
 * @ctx:	the run
 * @task:	the kernel thread
 * @done:	completed when it has finished
 * @id:		its index
 * @phase:	barriers passed
 * @err:	0, or why it stopped
 * @ns:		time per side
 * @ops:	objects per side
 * @objs:	its batch (BULK); the slots of @ring (CROSS)
 * @ring:	objects the previous thread allocated, for this one to free
 */
struct aslub_bench_thread {
	struct aslub_bench_ctx *ctx;
	struct task_struct *task;
	struct completion done;
	unsigned int id;
	unsigned int phase;
	int err;
	u64 ns[ASLUB_BENCH_SIDES];
	u64 ops[ASLUB_BENCH_SIDES];
	void **objs;
	struct aslub_bench_ring ring;
};

static bool aslub_bench_sync(struct aslub_bench_thread *t)
{
	struct aslub_bench_ctx *ctx = t->ctx;
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

static unsigned int aslub_bench_pairs(struct aslub_bench_thread *t,
				      enum aslub_bench_side side,
				      unsigned int n)
{
	struct aslub_bench_ctx *ctx = t->ctx;
	unsigned int i;
	void *obj;

	for (i = 0; i < n; i++) {
		if (side == ASLUB_BENCH_OURS) {
			obj = aslub_cache_alloc(ctx->ours, ctx->gfp);
			if (unlikely(!obj))
				break;
			aslub_cache_free(ctx->ours, obj);
		} else {
			obj = kmem_cache_alloc(ctx->theirs, ASLUB_BENCH_GFP);
			if (unlikely(!obj))
				break;
			kmem_cache_free(ctx->theirs, obj);
		}
	}
	return i;
}

static unsigned int aslub_bench_bulk(struct aslub_bench_thread *t,
				     enum aslub_bench_side side,
				     unsigned int n)
{
	struct aslub_bench_ctx *ctx = t->ctx;
	unsigned int batch = ctx->b->batch, done = 0;

	while (done < n) {
		if (side == ASLUB_BENCH_OURS) {
			if (!aslub_cache_alloc_bulk(ctx->ours, ctx->gfp, batch,
						    t->objs))
				break;
			aslub_cache_free_bulk(ctx->ours, batch, t->objs);
		} else {
			if (!kmem_cache_alloc_bulk(ctx->theirs, ASLUB_BENCH_GFP,
						   batch, t->objs))
				break;
			kmem_cache_free_bulk(ctx->theirs, batch, t->objs);
		}
		done += batch;
	}
	return done;
}

/* Single producer (the previous thread), single consumer ring. */
static bool aslub_ring_push(struct aslub_bench_ring *r, void *obj,
			    unsigned int cap)
{
	unsigned int head = r->head;

	/* Pairs with the release in aslub_ring_pop(): the slot is free. */
	if (head - smp_load_acquire(&r->tail) >= cap)
		return false;
	r->slot[head % cap] = obj;
	/* Publish the slot before the new head (acquire in pop). */
	smp_store_release(&r->head, head + 1);
	return true;
}

static void *aslub_ring_pop(struct aslub_bench_ring *r, unsigned int cap)
{
	unsigned int tail = r->tail;
	void *obj;

	/* Pairs with the release in aslub_ring_push(): the slot is set. */
	if (tail == smp_load_acquire(&r->head))
		return NULL;
	obj = r->slot[tail % cap];
	/* Read the slot before handing it back (acquire in push). */
	smp_store_release(&r->tail, tail + 1);
	return obj;
}

static void aslub_bench_free_one(struct aslub_bench_ctx *ctx,
				 enum aslub_bench_side side, void *obj)
{
	if (side == ASLUB_BENCH_OURS)
		aslub_cache_free(ctx->ours, obj);
	else
		kmem_cache_free(ctx->theirs, obj);
}

/*
 * Allocate @n objects into the next thread's ring and free the @n the
 * previous thread puts into ours, as they come: at most @batch in flight.
 */
static unsigned int aslub_bench_cross(struct aslub_bench_thread *t,
				      enum aslub_bench_side side,
				      unsigned int n)
{
	struct aslub_bench_ctx *ctx = t->ctx;
	unsigned int cap = ctx->b->batch, made = 0, freed = 0;
	struct aslub_bench_ring *out, *in = &t->ring;
	void *obj;

	out = &ctx->threads[(t->id + 1) % ctx->b->threads].ring;
	while (made < n || freed < n) {
		if (READ_ONCE(ctx->abort))
			break;
		if (made < n && out->head - READ_ONCE(out->tail) < cap) {
			if (side == ASLUB_BENCH_OURS)
				obj = aslub_cache_alloc(ctx->ours, ctx->gfp);
			else
				obj = kmem_cache_alloc(ctx->theirs,
						       ASLUB_BENCH_GFP);
			if (unlikely(!obj)) {
				WRITE_ONCE(ctx->abort, true);
				break;
			}
			out->side = side;
			aslub_ring_push(out, obj, cap);
			made++;
		}
		/* No more than this slice's share: the rest is the next one's. */
		while (freed < n && (obj = aslub_ring_pop(in, cap))) {
			aslub_bench_free_one(ctx, side, obj);
			freed++;
		}
		if (made == n && freed < n)
			cpu_relax();
	}
	return min(made, freed);
}

/* After the threads are gone: free what an aborted CROSS left in flight. */
static void aslub_bench_rings_drain(struct aslub_bench_ctx *ctx)
{
	struct aslub_bench_ring *r;
	unsigned int i;
	void *obj;

	if (ctx->b->op != AETHER_SLUB_BENCH_CROSS || !ctx->threads)
		return;
	for (i = 0; i < ctx->b->threads; i++) {
		r = &ctx->threads[i].ring;
		while ((obj = aslub_ring_pop(r, ctx->b->batch)))
			aslub_bench_free_one(ctx, r->side, obj);
	}
}

static int aslub_bench_phase(struct aslub_bench_thread *t,
			     enum aslub_bench_side side)
{
	const struct aether_slub_bench *b = t->ctx->b;
	u64 left = b->iterations, start;
	unsigned int want, done;

	while (left) {
		want = min_t(u64, left, ASLUB_BENCH_SLICE);
		start = ktime_get_ns();
		if (b->op == AETHER_SLUB_BENCH_PAIR)
			done = aslub_bench_pairs(t, side, want);
		else if (b->op == AETHER_SLUB_BENCH_BULK)
			done = aslub_bench_bulk(t, side, want);
		else
			done = aslub_bench_cross(t, side, want);
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

static int aslub_bench_rounds(struct aslub_bench_thread *t)
{
	const struct aether_slub_bench *b = t->ctx->b;
	enum aslub_bench_side side;
	unsigned int r, i;
	int ret;

	for (r = 0; r < b->rounds; r++) {
		for (i = 0; i < ASLUB_BENCH_SIDES; i++) {
			side = (r + i) & 1 ? ASLUB_BENCH_KERNEL : ASLUB_BENCH_OURS;
			if (!aslub_bench_sync(t))
				return -EINTR;
			ret = aslub_bench_phase(t, side);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int aslub_bench_thread_fn(void *arg)
{
	struct aslub_bench_thread *t = arg;

	t->err = aslub_bench_rounds(t);
	if (t->err)
		WRITE_ONCE(t->ctx->abort, true);
	complete(&t->done);

	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int aslub_bench_thread_init(struct aslub_bench_thread *t,
				   struct aslub_bench_ctx *ctx,
				   unsigned int id, unsigned int cpu)
{
	t->ctx = ctx;
	t->id = id;
	init_completion(&t->done);
	if (ctx->b->batch) {
		t->objs = kcalloc_node(ctx->b->batch, sizeof(*t->objs),
				       GFP_KERNEL, cpu_to_node(cpu));
		if (!t->objs)
			return -ENOMEM;
		t->ring.slot = t->objs;
	}
	t->task = kthread_create_on_cpu(aslub_bench_thread_fn, t, cpu,
					"aslub_bench/%u");
	if (IS_ERR(t->task)) {
		int ret = PTR_ERR(t->task);

		t->task = NULL;
		return ret;
	}
	return 0;
}

static void aslub_bench_threads_free(struct aslub_bench_thread *threads,
				     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		kfree(threads[i].objs);
	kfree(threads);
}

static int aslub_bench_wait(struct aslub_bench_ctx *ctx,
			    struct aslub_bench_thread *threads,
			    unsigned int nr)
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

static u64 aslub_bench_mean(const struct aslub_bench_thread *threads,
			    unsigned int nr, enum aslub_bench_side side)
{
	u64 ns = 0, ops = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ns += threads[i].ns[side];
		ops += threads[i].ops[side];
	}
	return ops ? div64_u64(ns * 1000, ops) : 0;
}

static void aslub_bench_report(struct aether_slub_bench *b,
			       const struct aslub_bench_thread *threads)
{
	b->aslub_ns = aslub_bench_mean(threads, b->threads, ASLUB_BENCH_OURS);
	b->kernel_ns = aslub_bench_mean(threads, b->threads,
					ASLUB_BENCH_KERNEL);
	b->ratio = b->kernel_ns ? div64_u64(b->aslub_ns * 1000, b->kernel_ns) : 0;
	b->kernel_zeroes = want_init_on_alloc(GFP_KERNEL);

	pr_info("bench %s size %u batch %u threads %u%s: aslub %llu.%03llu ns/obj, kmem_cache %llu.%03llu ns/obj, ratio %llu.%03llu%s\n",
		aslub_bench_names[b->op], b->object_size, b->batch, b->threads,
		b->flags & AETHER_SLUB_BENCH_ZERO ? " zero" : "",
		b->aslub_ns / 1000, b->aslub_ns % 1000,
		b->kernel_ns / 1000, b->kernel_ns % 1000,
		b->ratio / 1000, b->ratio % 1000,
		b->kernel_zeroes ? " (kernel zeroes)" : "");
}

/* The two caches of a run; names are unique per size, runs serialised. */
static int aslub_bench_caches(struct aslub_bench_ctx *ctx)
{
	char name[ASLUB_NAME_LEN];

	snprintf(name, sizeof(name), "aslub-bench-%u", ctx->b->object_size);
	ctx->ours = __aslub_cache_create(name, ctx->b->object_size, 0, 0,
					 NULL, false);
	if (IS_ERR(ctx->ours)) {
		int ret = PTR_ERR(ctx->ours);

		ctx->ours = NULL;
		return ret;
	}
	ctx->theirs = kmem_cache_create(name, ctx->b->object_size, 0, 0, NULL);
	return ctx->theirs ? 0 : -ENOMEM;
}

static void aslub_bench_caches_free(struct aslub_bench_ctx *ctx)
{
	if (ctx->ours && aslub_cache_destroy(ctx->ours))
		pr_err("bench cache %s leaked\n", ctx->ours->name);
	kmem_cache_destroy(ctx->theirs);
}

/**
 * aslub_bench_run() - run one benchmark of AETHER_SLUB_IOC_BENCH
 * @b: the request, checked by the caller; the results are written into it
 *
 * Context: process context, may sleep for as long as the run takes.
 * Return: 0; -ENOMEM when an allocation failed on either side; -EINTR
 * when the caller was killed.
 */
int aslub_bench_run(struct aether_slub_bench *b)
{
	struct aslub_bench_thread *threads;
	struct aslub_bench_ctx ctx = { .b = b };
	unsigned int i = 0, cpu;
	int ret;

	if (mutex_lock_killable(&aslub_bench_mutex))
		return -EINTR;
	ctx.gfp = ASLUB_BENCH_GFP;
	if (b->flags & AETHER_SLUB_BENCH_ZERO)
		ctx.gfp |= __GFP_ZERO;
	atomic_set(&ctx.arrived, 0);
	ret = aslub_bench_caches(&ctx);
	if (ret)
		goto out_caches;
	threads = kcalloc(b->threads, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ret = -ENOMEM;
		goto out_caches;
	}
	ctx.threads = threads;
	for_each_online_cpu(cpu) {
		if (i == b->threads)
			break;
		ret = aslub_bench_thread_init(&threads[i], &ctx, i, cpu);
		if (ret)
			goto out_threads;
		i++;
	}
	ret = aslub_bench_wait(&ctx, threads, b->threads);
	if (!ret)
		aslub_bench_report(b, threads);
out_threads:
	for (i = 0; i < b->threads; i++)
		if (threads[i].task)
			kthread_stop(threads[i].task);
	aslub_bench_rings_drain(&ctx);
	aslub_bench_threads_free(threads, b->threads);
out_caches:
	aslub_bench_caches_free(&ctx);
	mutex_unlock(&aslub_bench_mutex);
	return ret;
}
