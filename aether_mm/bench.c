// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - the pool's buddy allocator against Linux's, in the same boot
 *
 * DOC: Overview
 *
 * AETHER_MM_IOC_BENCH runs one operation (order-0 alloc+free, order-3
 * alloc+free, or a bulk alloc of @batch order-0 pages and their free)
 * through the pool and through Linux's page allocator, on @threads CPUs at
 * once, and reports the mean time of one operation on each side.  The
 * rounds, barriers, timing and figures are the suite's benchmark harness
 * (bench_harness.c); this file is the operation.
 *
 * Each operation gives back at once what it took, so a failure leaves
 * nothing behind and the run ends with -ENOMEM.
 *
 * The pool side allocates on the thread's own node with AEM_ALLOC_NOTRACK,
 * since stack capture is a debugging aid Linux's side does not pay for.
 * With AETHER_MM_BENCH_ZERO the pool zeroes what it hands out, which is
 * what Linux does when init_on_alloc is on (reported in @kernel_zeroes).
 *
 * Lock order: the harness's aem_bench_mutex for the whole run, then
 * whatever the two allocators take.
 */

#include <linux/gfp.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <aether/bench.h>

#include "internal.h"

/* Linux's side asks like an ordinary caller, but quietly. */
#define AEM_BENCH_GFP		(GFP_KERNEL | __GFP_NOWARN)

static const char * const aem_bench_names[AETHER_MM_NR_BENCH] = {
	[AETHER_MM_BENCH_ORDER0] = "order0",
	[AETHER_MM_BENCH_ORDER3] = "order3",
	[AETHER_MM_BENCH_BULK] = "bulk",
};

/**
 * struct aem_bench_ctx - one run of AETHER_MM_IOC_BENCH
 * @b:		the request
 * @order:	block order of the operation
 * @aem_flags:	pool allocation flags
 */
struct aem_bench_ctx {
	const struct aether_mm_bench *b;
	unsigned int order;
	unsigned int aem_flags;
};

/**
 * struct aem_bench_cpu - what one thread of a run needs
 * @nid:	pool node to allocate on
 * @frames:	bulk array for the pool (BULK only)
 * @pages:	bulk array for Linux (BULK only)
 */
struct aem_bench_cpu {
	int nid;
	struct aem_frame **frames;
	struct page **pages;
};

static const struct aem_bench_ctx *aem_bench_ctx(struct aem_bench_worker *w)
{
	return w->bench->priv;
}

/* @n alloc+free pairs of one block; the number done. */
static unsigned int aem_bench_pairs(struct aem_bench_worker *w,
				    enum aem_bench_side side, unsigned int n)
{
	const struct aem_bench_ctx *ctx = aem_bench_ctx(w);
	struct aem_bench_cpu *c = w->priv;
	unsigned int order = ctx->order, i;
	struct aem_frame *frame;
	struct page *page;

	for (i = 0; i < n; i++) {
		if (side == AEM_BENCH_OURS) {
			frame = aem_alloc_pages(c->nid, order, ctx->aem_flags);
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
static unsigned int aem_bench_bulk_one(struct aem_bench_worker *w,
				       enum aem_bench_side side,
				       unsigned int batch)
{
	struct aem_bench_cpu *c = w->priv;
	unsigned int i, n;

	if (side == AEM_BENCH_OURS) {
		n = aem_alloc_bulk(c->nid, 0, aem_bench_ctx(w)->aem_flags,
				   batch, c->frames);
		if (n)
			aem_free_bulk(c->frames, n, 0);
		return n;
	}

	/* alloc_pages_bulk_array() fills only the empty slots. */
	memset(c->pages, 0, batch * sizeof(*c->pages));
	n = alloc_pages_bulk_array(AEM_BENCH_GFP, batch, c->pages);
	for (i = 0; i < batch; i++)
		if (c->pages[i])
			__free_pages(c->pages[i], 0);
	return n;
}

/*
 * The harness's slice: @n operations through @side; the number done, which
 * for BULK is a whole number of batches and so may be more than @n.
 */
static unsigned int aem_bench_slice(struct aem_bench_worker *w,
				    enum aem_bench_side side, unsigned int n)
{
	unsigned int batch = aem_bench_ctx(w)->b->batch, done = 0, got;

	if (aem_bench_ctx(w)->b->op != AETHER_MM_BENCH_BULK)
		return aem_bench_pairs(w, side, n);
	/* Bulk calls for at least @n pages. */
	while (done < n) {
		got = aem_bench_bulk_one(w, side, batch);
		if (unlikely(!got))
			break;
		done += got;
	}
	return done;
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

static int aem_bench_cpu_init(struct aem_bench_worker *w)
{
	unsigned int batch = aem_bench_ctx(w)->b->batch;
	int node = cpu_to_node(w->cpu);
	struct aem_bench_cpu *c;

	c = kzalloc_node(sizeof(*c), GFP_KERNEL, node);
	if (!c)
		return -ENOMEM;
	w->priv = c;
	c->nid = aem_bench_nid(w->cpu);
	if (batch) {
		c->frames = kcalloc_node(batch, sizeof(*c->frames), GFP_KERNEL,
					 node);
		c->pages = kcalloc_node(batch, sizeof(*c->pages), GFP_KERNEL,
					node);
		if (!c->frames || !c->pages)
			return -ENOMEM;
	}
	return 0;
}

static void aem_bench_cpu_exit(struct aem_bench_worker *w)
{
	struct aem_bench_cpu *c = w->priv;

	if (!c)
		return;
	kfree(c->frames);
	kfree(c->pages);
	kfree(c);
}

static const struct aem_bench_ops aem_bench_pool_ops = {
	.init = aem_bench_cpu_init,
	.slice = aem_bench_slice,
	.exit = aem_bench_cpu_exit,
};

static void aem_bench_report(struct aether_mm_bench *b,
			     const struct aem_bench *run)
{
	b->pool_ns = run->mean_ns[AEM_BENCH_OURS];
	b->kernel_ns = run->mean_ns[AEM_BENCH_KERNEL];
	b->ratio = run->ratio;
	b->kernel_zeroes = want_init_on_alloc(GFP_KERNEL);

	pr_info("bench %s batch %u threads %u rounds %u iterations %llu%s: pool %llu.%03llu ns/op, kernel %llu.%03llu ns/op, ratio %llu.%03llu (rounds: median %llu.%03llu, %llu.%03llu..%llu.%03llu)%s\n",
		aem_bench_names[b->op], b->batch, b->threads, b->rounds,
		b->iterations, b->flags & AETHER_MM_BENCH_ZERO ? " zero" : "",
		b->pool_ns / 1000, b->pool_ns % 1000,
		b->kernel_ns / 1000, b->kernel_ns % 1000,
		b->ratio / 1000, b->ratio % 1000,
		run->median / 1000, run->median % 1000,
		run->lo / 1000, run->lo % 1000, run->hi / 1000, run->hi % 1000,
		b->kernel_zeroes ? " (kernel zeroes)" : "");
}

/**
 * aem_bench_pool_run() - run one benchmark of AETHER_MM_IOC_BENCH
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
int aem_bench_pool_run(struct aether_mm_bench *b)
{
	struct aem_bench_ctx ctx = {
		.b = b,
		.order = b->op == AETHER_MM_BENCH_ORDER3 ? 3 : 0,
		.aem_flags = AEM_OWNER(AEM_OWNER_BENCH) | AEM_ALLOC_NOTRACK,
	};
	struct aem_bench run = {
		.ops = &aem_bench_pool_ops,
		.priv = &ctx,
		.name = "aem_bench/%u",
		.threads = b->threads,
		.rounds = b->rounds,
		.iterations = b->iterations,
	};
	int ret;

	if (b->flags & AETHER_MM_BENCH_ZERO)
		ctx.aem_flags |= AEM_ALLOC_ZERO;
	ret = aem_bench_run(&run);
	if (!ret)
		aem_bench_report(b, &run);
	return ret;
}
