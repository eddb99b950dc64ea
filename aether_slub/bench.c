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
 * The threads, rounds, barriers, timing and figures are aether_mm's
 * benchmark harness (include/aether/bench.h); this file is the operation.
 *
 * Fairness.  Linux's kmem_cache pays for what its command line asks:
 * slub_debug=FZP puts every cache on SLUB's debug slow path, and
 * init_on_alloc (on in Debian) zeroes every object.  Neither is ours to
 * switch off here; @kernel_zeroes says whether Linux zeroes, and
 * AETHER_SLUB_BENCH_ZERO makes this side zero too.  For a like-for-like
 * figure boot with slub_debug=- (or with the flags limited to other
 * caches) and pass ZERO when init_on_alloc is on.
 *
 * Lock order: aslub_bench_mutex (the run's two caches), then the
 * harness's mutex for the whole run, then the allocators'.
 */

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <aether/bench.h>

#include "internal.h"

#define ASLUB_BENCH_SLICE	1024U
#define ASLUB_BENCH_GFP		(GFP_KERNEL | __GFP_NOWARN)

/* Runs are serialised: the caches of a run are named by its size. */
static DEFINE_MUTEX(aslub_bench_mutex);

static const char * const aslub_bench_names[AETHER_SLUB_NR_BENCH] = {
	[AETHER_SLUB_BENCH_PAIR] = "pair",
	[AETHER_SLUB_BENCH_BULK] = "bulk",
	[AETHER_SLUB_BENCH_CROSS] = "cross",
};

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
	enum aem_bench_side side;
	void **slot;
};

/**
 * struct aslub_bench_ctx - one run, shared by its threads
 * @b:		the request
 * @ours:	our cache
 * @theirs:	Linux's cache
 * @gfp:	flags for our side (__GFP_ZERO with BENCH_ZERO)
 */
struct aslub_bench_ctx {
	const struct aether_slub_bench *b;
	struct aslub_cache *ours;
	struct kmem_cache *theirs;
	gfp_t gfp;
};

/**
 * struct aslub_bench_cpu - what one thread of a run needs
 * @objs:	its batch (BULK); the slots of @ring (CROSS)
 * @ring:	objects the previous thread allocated, for this one to free
 */
struct aslub_bench_cpu {
	void **objs;
	struct aslub_bench_ring ring;
};

static struct aslub_bench_ctx *aslub_bench_ctx(struct aem_bench_worker *w)
{
	return w->bench->priv;
}

static unsigned int aslub_bench_pairs(struct aem_bench_worker *w,
				      enum aem_bench_side side,
				      unsigned int n)
{
	struct aslub_bench_ctx *ctx = aslub_bench_ctx(w);
	unsigned int i;
	void *obj;

	for (i = 0; i < n; i++) {
		if (side == AEM_BENCH_OURS) {
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

static unsigned int aslub_bench_bulk(struct aem_bench_worker *w,
				     enum aem_bench_side side,
				     unsigned int n)
{
	struct aslub_bench_ctx *ctx = aslub_bench_ctx(w);
	unsigned int batch = ctx->b->batch, done = 0;
	void **objs = ((struct aslub_bench_cpu *)w->priv)->objs;

	while (done < n) {
		if (side == AEM_BENCH_OURS) {
			if (!aslub_cache_alloc_bulk(ctx->ours, ctx->gfp, batch,
						    objs))
				break;
			aslub_cache_free_bulk(ctx->ours, batch, objs);
		} else {
			if (!kmem_cache_alloc_bulk(ctx->theirs, ASLUB_BENCH_GFP,
						   batch, objs))
				break;
			kmem_cache_free_bulk(ctx->theirs, batch, objs);
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
				 enum aem_bench_side side, void *obj)
{
	if (side == AEM_BENCH_OURS)
		aslub_cache_free(ctx->ours, obj);
	else
		kmem_cache_free(ctx->theirs, obj);
}

static struct aslub_bench_ring *aslub_bench_ring_of(struct aem_bench_worker *w)
{
	return &((struct aslub_bench_cpu *)w->priv)->ring;
}

/*
 * Allocate @n objects into the next thread's ring and free the @n the
 * previous thread puts into ours, as they come: at most @batch in flight.
 */
static unsigned int aslub_bench_cross(struct aem_bench_worker *w,
				      enum aem_bench_side side,
				      unsigned int n)
{
	struct aslub_bench_ctx *ctx = aslub_bench_ctx(w);
	unsigned int cap = ctx->b->batch, made = 0, freed = 0;
	struct aslub_bench_ring *out, *in = aslub_bench_ring_of(w);
	void *obj;

	out = aslub_bench_ring_of(aem_bench_worker_of(w, w->id + 1));
	while (made < n || freed < n) {
		if (aem_bench_aborted(w))
			break;
		if (made < n && out->head - READ_ONCE(out->tail) < cap) {
			if (side == AEM_BENCH_OURS)
				obj = aslub_cache_alloc(ctx->ours, ctx->gfp);
			else
				obj = kmem_cache_alloc(ctx->theirs,
						       ASLUB_BENCH_GFP);
			if (unlikely(!obj))
				break;
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

static unsigned int aslub_bench_slice(struct aem_bench_worker *w,
				      enum aem_bench_side side,
				      unsigned int n)
{
	switch (aslub_bench_ctx(w)->b->op) {
	case AETHER_SLUB_BENCH_PAIR:
		return aslub_bench_pairs(w, side, n);
	case AETHER_SLUB_BENCH_BULK:
		return aslub_bench_bulk(w, side, n);
	default:
		return aslub_bench_cross(w, side, n);
	}
}

static int aslub_bench_cpu_init(struct aem_bench_worker *w)
{
	unsigned int batch = aslub_bench_ctx(w)->b->batch;
	int node = cpu_to_node(w->cpu);
	struct aslub_bench_cpu *c;

	c = kzalloc_node(sizeof(*c), GFP_KERNEL, node);
	if (!c)
		return -ENOMEM;
	w->priv = c;
	if (batch) {
		c->objs = kcalloc_node(batch, sizeof(*c->objs), GFP_KERNEL,
				       node);
		if (!c->objs)
			return -ENOMEM;
		c->ring.slot = c->objs;
	}
	return 0;
}

/*
 * Once every thread has stopped: free what an aborted CROSS left in this
 * worker's ring, then the worker's arrays.
 */
static void aslub_bench_cpu_exit(struct aem_bench_worker *w)
{
	struct aslub_bench_ctx *ctx = aslub_bench_ctx(w);
	struct aslub_bench_cpu *c = w->priv;
	void *obj;

	if (!c)
		return;
	if (c->ring.slot)
		while ((obj = aslub_ring_pop(&c->ring, ctx->b->batch)))
			aslub_bench_free_one(ctx, c->ring.side, obj);
	kfree(c->objs);
	kfree(c);
}

static const struct aem_bench_ops aslub_bench_ops = {
	.init = aslub_bench_cpu_init,
	.slice = aslub_bench_slice,
	.exit = aslub_bench_cpu_exit,
};

static void aslub_bench_report(struct aether_slub_bench *b,
			       const struct aem_bench *run)
{
	b->aslub_ns = run->mean_ns[AEM_BENCH_OURS];
	b->kernel_ns = run->mean_ns[AEM_BENCH_KERNEL];
	b->ratio = run->ratio;
	b->kernel_zeroes = want_init_on_alloc(GFP_KERNEL);

	pr_info("bench %s size %u batch %u threads %u%s: aslub %llu.%03llu ns/obj, kmem_cache %llu.%03llu ns/obj, ratio %llu.%03llu (rounds: median %llu.%03llu, %llu.%03llu..%llu.%03llu)%s\n",
		aslub_bench_names[b->op], b->object_size, b->batch, b->threads,
		b->flags & AETHER_SLUB_BENCH_ZERO ? " zero" : "",
		b->aslub_ns / 1000, b->aslub_ns % 1000,
		b->kernel_ns / 1000, b->kernel_ns % 1000,
		b->ratio / 1000, b->ratio % 1000,
		run->median / 1000, run->median % 1000,
		run->lo / 1000, run->lo % 1000, run->hi / 1000, run->hi % 1000,
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
	struct aslub_bench_ctx ctx = { .b = b, .gfp = ASLUB_BENCH_GFP };
	struct aem_bench run = {
		.ops = &aslub_bench_ops,
		.priv = &ctx,
		.name = "aslub_bench/%u",
		.threads = b->threads,
		.rounds = b->rounds,
		.iterations = b->iterations,
		.slice = ASLUB_BENCH_SLICE,
	};
	int ret;

	if (b->flags & AETHER_SLUB_BENCH_ZERO)
		ctx.gfp |= __GFP_ZERO;
	if (mutex_lock_killable(&aslub_bench_mutex))
		return -EINTR;
	ret = aslub_bench_caches(&ctx);
	if (!ret)
		ret = aem_bench_run(&run);
	if (!ret)
		aslub_bench_report(b, &run);
	aslub_bench_caches_free(&ctx);
	mutex_unlock(&aslub_bench_mutex);
	return ret;
}
