// SPDX-License-Identifier: GPL-2.0
/*
 * zspool_test.c - in-kernel self-tests of the object allocator, run at
 * load with selftest=1
 *
 * DOC: Overview
 *
 * Each test works on a pool of its own and states one behaviour:
 *
 *	random_sizes	objects of random sizes, 1 byte to a page, each
 *			filled with its own pattern, read back intact, also
 *			after half of them were freed; the pool is empty
 *			(no page held) once all are freed
 *	straddle	objects of a class whose slots cross page boundaries
 *			are read through the caller's copy, the others in
 *			place, and both kinds read back what was written
 *	huge		an object above azs_huge_class_size() takes a page
 *			of its own and is read in place; one of exactly that
 *			size is not huge
 *	compaction	with three of four objects freed, azs_compact() gives
 *			pages back, the stats agree with what it returns,
 *			and every object left reads back intact
 *	reclaim		the reclaim client compacts the pools as aether_mm
 *			would call it (trylocks only)
 *	move		aether_mm's compaction callback moves a span page to
 *			a new frame: every object reads back intact with the
 *			old page scribbled over; a page that is not ours any
 *			more is refused with -ENOENT
 *	concurrent	a thread on each of two CPUs allocates, writes,
 *			checks and frees while this one compacts the same
 *			pool over and over; no object is ever corrupted
 *	concurrent_move	a thread on each of two CPUs reads and rewrites its
 *			objects while this one moves span pages under them
 *			(aether_mm's compaction callback); every read and
 *			write lands in the object's current place
 *	pages_back	the pages of a pool are aether_mm pool pages: the
 *			pool's used pages grow by at least the pool's pages
 *			and come back down when everything is freed
 *	classes		the classes table's totals agree with the pool's
 *			stats (objects, pages, huge spans all full)
 *
 * Then a measurement, not a test: ns per operation of the kernel's
 * zsmalloc and of this allocator, same sizes, interleaved rounds (see
 * azs_t_bench()).
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/zsmalloc.h>

#include <aether/mm.h>

#include "internal.h"
#include "zspool.h"

#define AZS_T_GFP	(GFP_KERNEL | __GFP_NOWARN)

static bool azs_t_fail(bool failed, const char *what, const char *fn,
		       int line)
{
	if (failed)
		pr_err("zspool selftest %s: %s failed (line %d)\n", fn, what,
		       line);
	return failed;
}

#define AZS_T_FAIL(cond)	azs_t_fail(!(cond), #cond, __func__, __LINE__)

/**
 * struct azs_t_obj - an object of a test and what it must hold
 * @handle:	its handle, 0 once freed
 * @size:	bytes
 * @seed:	its pattern
 */
struct azs_t_obj {
	unsigned long handle;
	u32 size;
	u32 seed;
};

/* Byte @j of the pattern of @seed. */
static inline u8 azs_t_byte(u32 seed, size_t j)
{
	u32 x = seed * 2654435761U;

	return (u8)((x >> (8 * (j & 3))) + j + (j >> 8));
}

static void azs_t_fill(u8 *buf, size_t len, u32 seed)
{
	size_t j;

	for (j = 0; j < len; j++)
		buf[j] = azs_t_byte(seed, j);
}

/* Allocate @o->size bytes and write its pattern (@buf: PAGE_SIZE). */
static int azs_t_alloc(struct azs_pool *pool, struct azs_t_obj *o, u8 *buf)
{
	o->handle = azs_malloc(pool, o->size, AZS_T_GFP, 0);
	if (!o->handle)
		return -ENOMEM;
	azs_t_fill(buf, o->size, o->seed);
	azs_write(pool, o->handle, buf, o->size);
	return 0;
}

/*
 * Read @o back; 0 when intact, -EIO otherwise.  *@copied (if given) says
 * whether it came through @local.
 */
static int azs_t_check(struct azs_pool *pool, const struct azs_t_obj *o,
		       u8 *local, bool *copied)
{
	const u8 *p = azs_read_begin(pool, o->handle, local);
	size_t j, bad = o->size;

	for (j = 0; j < o->size; j++) {
		if (p[j] != azs_t_byte(o->seed, j)) {
			bad = j;
			break;
		}
	}
	if (copied)
		*copied = p == local;
	azs_read_end(pool, o->handle, p);
	if (bad == o->size)
		return 0;
	pr_err("zspool selftest: object %#lx of %u bytes differs at byte %zu\n",
	       o->handle, o->size, bad);
	return -EIO;
}

static void azs_t_free(struct azs_pool *pool, struct azs_t_obj *o)
{
	azs_free(pool, o->handle);
	o->handle = 0;
}

/* Check every live object of @objs. */
static int azs_t_check_all(struct azs_pool *pool, struct azs_t_obj *objs,
			   unsigned int nr, u8 *local)
{
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++) {
		if (!objs[i].handle)
			continue;
		err = azs_t_check(pool, &objs[i], local, NULL);
		if (err)
			return err;
	}
	return 0;
}

static void azs_t_free_all(struct azs_pool *pool, struct azs_t_obj *objs,
			   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (objs[i].handle)
			azs_t_free(pool, &objs[i]);
}

/**
 * struct azs_t_ctx - what one test has to work with
 * @pool:	a fresh pool
 * @objs:	room for AZS_T_NR objects
 * @buf:	a page to write from
 * @local:	a page to read straddling objects into
 * @rnd:	random numbers, seeded the same each run
 */
struct azs_t_ctx {
	struct azs_pool *pool;
	struct azs_t_obj *objs;
	u8 *buf;
	u8 *local;
	struct rnd_state rnd;
};

#define AZS_T_NR	2048

static int azs_t_random_sizes(struct azs_t_ctx *t)
{
	struct azs_stats st;
	unsigned int i;
	int err;

	for (i = 0; i < AZS_T_NR; i++) {
		t->objs[i].size = 1 + prandom_u32_state(&t->rnd) % PAGE_SIZE;
		t->objs[i].seed = i;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	azs_get_stats(t->pool, &st);
	if (AZS_T_FAIL(st.objects == AZS_T_NR && st.pages > 0))
		return -EINVAL;
	err = azs_t_check_all(t->pool, t->objs, AZS_T_NR, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	for (i = 0; i < AZS_T_NR; i += 2)
		azs_t_free(t->pool, &t->objs[i]);
	err = azs_t_check_all(t->pool, t->objs, AZS_T_NR, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	azs_t_free_all(t->pool, t->objs, AZS_T_NR);
	azs_get_stats(t->pool, &st);
	if (AZS_T_FAIL(!st.objects && !st.huge_objects && !st.pages))
		return -EINVAL;
	return 0;
}

static int azs_t_straddle(struct azs_t_ctx *t)
{
	/* 100 + 8 header bytes: 112-byte slots, which 4 KiB does not divide */
	const unsigned int nr = 256, size = 100;
	unsigned int i, copied = 0, inplace = 0;
	bool c;
	int err;

	for (i = 0; i < nr; i++) {
		t->objs[i].size = size;
		t->objs[i].seed = 7 * i + 1;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	for (i = 0; i < nr; i++) {
		err = azs_t_check(t->pool, &t->objs[i], t->local, &c);
		if (AZS_T_FAIL(!err))
			return err;
		copied += c;
		inplace += !c;
	}
	if (AZS_T_FAIL(copied > 0 && inplace > copied))
		return -EINVAL;
	/* Rewrite every object with another pattern, straddlers included. */
	for (i = 0; i < nr; i++) {
		t->objs[i].seed += 1000;
		azs_t_fill(t->buf, size, t->objs[i].seed);
		azs_write(t->pool, t->objs[i].handle, t->buf, size);
	}
	err = azs_t_check_all(t->pool, t->objs, nr, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	azs_t_free_all(t->pool, t->objs, nr);
	return 0;
}

static int azs_t_huge(struct azs_t_ctx *t)
{
	size_t hs = azs_huge_class_size(t->pool);
	struct azs_stats st;
	bool c;
	int err, i;

	if (AZS_T_FAIL(hs > PAGE_SIZE / 2 && hs < PAGE_SIZE))
		return -EINVAL;
	t->objs[0].size = hs;
	t->objs[1].size = hs + 1;
	t->objs[2].size = PAGE_SIZE;
	for (i = 0; i < 3; i++) {
		t->objs[i].seed = 99 + i;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	azs_get_stats(t->pool, &st);
	if (AZS_T_FAIL(st.huge_objects == 2 && st.objects == 3))
		return -EINVAL;
	/* Two pages for the huge ones, at least one for the other. */
	if (AZS_T_FAIL(st.pages >= 3))
		return -EINVAL;
	for (i = 1; i < 3; i++) {
		err = azs_t_check(t->pool, &t->objs[i], t->local, &c);
		if (AZS_T_FAIL(!err && !c))
			return err ?: -EINVAL;
	}
	err = azs_t_check(t->pool, &t->objs[0], t->local, NULL);
	if (AZS_T_FAIL(!err))
		return err;
	azs_t_free(t->pool, &t->objs[2]);
	azs_get_stats(t->pool, &st);
	if (AZS_T_FAIL(st.huge_objects == 1))
		return -EINVAL;
	azs_t_free_all(t->pool, t->objs, 3);
	if (AZS_T_FAIL(!azs_malloc(t->pool, PAGE_SIZE + 1, AZS_T_GFP, 0) &&
		       !azs_malloc(t->pool, 0, AZS_T_GFP, 0)))
		return -EINVAL;
	return 0;
}

/* Fill @t with @nr objects of a few sizes and free three of every four. */
static int azs_t_fragment(struct azs_t_ctx *t, unsigned int nr)
{
	static const u32 sizes[] = { 100, 200, 700, 1500 };
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++) {
		t->objs[i].size = sizes[i % ARRAY_SIZE(sizes)];
		t->objs[i].seed = 3 * i + 5;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	for (i = 0; i < nr; i++)
		if ((i / ARRAY_SIZE(sizes)) % 4)
			azs_t_free(t->pool, &t->objs[i]);
	return 0;
}

static int azs_t_compaction(struct azs_t_ctx *t)
{
	struct azs_stats before, after;
	unsigned long freed;
	int err;

	err = azs_t_fragment(t, AZS_T_NR);
	if (err)
		return err;
	azs_get_stats(t->pool, &before);
	freed = azs_compact(t->pool);
	azs_get_stats(t->pool, &after);
	pr_info("zspool selftest: compaction freed %lu of %lu pages (huge_class_size %zu)\n",
		freed, before.pages, azs_huge_class_size(t->pool));
	if (AZS_T_FAIL(freed > before.pages / 2))
		return -EINVAL;
	if (AZS_T_FAIL(after.pages == before.pages - freed &&
		       after.pages_compacted == before.pages_compacted + freed &&
		       after.objects == before.objects))
		return -EINVAL;
	err = azs_t_check_all(t->pool, t->objs, AZS_T_NR, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	/* Nothing left to gain: a second pass frees nothing. */
	if (AZS_T_FAIL(azs_compact(t->pool) == 0))
		return -EINVAL;
	azs_t_free_all(t->pool, t->objs, AZS_T_NR);
	return 0;
}

static int azs_t_reclaim(struct azs_t_ctx *t)
{
	struct azs_stats st;
	unsigned long freed;
	int err;

	err = azs_t_fragment(t, AZS_T_NR);
	if (err)
		return err;
	freed = azs_reclaim(NUMA_NO_NODE, ULONG_MAX);
	azs_get_stats(t->pool, &st);
	if (AZS_T_FAIL(freed > 0 && st.pages_compacted > 0))
		return -EINVAL;
	err = azs_t_check_all(t->pool, t->objs, AZS_T_NR, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	azs_t_free_all(t->pool, t->objs, AZS_T_NR);
	return 0;
}

/* Move page @nth of the first span of @size's class; -errno of the move. */
static int azs_t_move_one(struct azs_t_ctx *t, size_t size, unsigned int nth)
{
	struct aem_frame *src, *dst;
	void *va;
	int err;

	src = azs_test_span_frame(t->pool, size, nth);
	if (AZS_T_FAIL(src))
		return -ENOENT;
	dst = aem_alloc_pages(NUMA_NO_NODE, 0, AEM_OWNER(AEM_OWNER_ZRAM) |
			      AEM_MT(AETHER_MM_MT_MOVABLE));
	if (AZS_T_FAIL(dst))
		return -ENOMEM;
	err = azs_move_page(src, dst);
	if (AZS_T_FAIL(!err)) {
		aem_free_pages(dst, 0);
		return err;
	}
	if (AZS_T_FAIL(!page_private(aem_frame_page(src)))) {
		aem_free_pages(dst, 0);
		return -EINVAL;
	}
	/* Nothing may read the old page any more. */
	va = kmap_local_page(aem_frame_page(src));
	memset(va, 0x5a, PAGE_SIZE);
	kunmap_local(va);
	/* A page that is no longer ours is refused; the caller frees it. */
	dst = aem_alloc_pages(NUMA_NO_NODE, 0, AEM_OWNER(AEM_OWNER_ZRAM) |
			      AEM_MT(AETHER_MM_MT_MOVABLE));
	if (dst) {
		err = azs_move_page(src, dst);
		aem_free_pages(dst, 0);
		if (AZS_T_FAIL(err == -ENOENT)) {
			aem_free_pages(src, 0);
			return -EINVAL;
		}
	}
	aem_free_pages(src, 0);
	return 0;
}

static int azs_t_move(struct azs_t_ctx *t)
{
	const unsigned int nr = 512;
	unsigned int i, pages;
	int err;

	for (i = 0; i < nr; i++) {
		/* Slots of 112 bytes straddle; every other object huge. */
		t->objs[i].size = i & 1 ? PAGE_SIZE : 100;
		t->objs[i].seed = 11 * i + 3;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	pages = azs_test_span_pages(t->pool, 100);
	if (AZS_T_FAIL(pages > 1))
		return -EINVAL;
	for (i = 0; i < pages; i++) {
		err = azs_t_move_one(t, 100, i);
		if (err)
			return err;
	}
	err = azs_t_move_one(t, PAGE_SIZE, 0);
	if (err)
		return err;
	err = azs_t_check_all(t->pool, t->objs, nr, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	/* Compaction still finds every object where its handle says. */
	for (i = 0; i < nr; i += 2)
		if (i % 8)
			azs_t_free(t->pool, &t->objs[i]);
	azs_compact(t->pool);
	err = azs_t_check_all(t->pool, t->objs, nr, t->local);
	if (AZS_T_FAIL(!err))
		return err;
	azs_t_free_all(t->pool, t->objs, nr);
	return 0;
}

/* ---- concurrent ------------------------------------------------------- */

#define AZS_T_LIVE	256
#define AZS_T_OPS	6000

/**
 * struct azs_t_worker - one allocating thread
 * @pool:	the shared pool
 * @objs:	its AZS_T_LIVE objects
 * @id:		0 or 1; in every seed, so threads' patterns differ
 * @keep:	never free: allocate them all, then read and rewrite them
 * @err:	its verdict
 * @done:	completed when it ends
 */
struct azs_t_worker {
	struct azs_pool *pool;
	struct azs_t_obj *objs;
	unsigned int id;
	bool keep;
	int err;
	struct completion done;
};

/* Sizes the threads use: mostly compressed-page sizes in a few classes. */
static u32 azs_t_worker_size(struct rnd_state *rnd, unsigned int op)
{
	u32 size = 1 + prandom_u32_state(rnd) % PAGE_SIZE;

	return op & 1 ? 64 + size % 512 : size;
}

/* Allocate, check and free at random. */
static int azs_t_churn(struct azs_t_worker *w, struct rnd_state *rnd,
		       u8 *buf, u8 *local)
{
	unsigned int op;
	int err;

	for (op = 0; op < AZS_T_OPS; op++) {
		struct azs_t_obj *o = &w->objs[prandom_u32_state(rnd) %
					       AZS_T_LIVE];

		if (o->handle) {
			err = azs_t_check(w->pool, o, local, NULL);
			azs_t_free(w->pool, o);
			if (err)
				return err;
			continue;
		}
		o->size = azs_t_worker_size(rnd, op);
		o->seed = (op << 1) | w->id;
		err = azs_t_alloc(w->pool, o, buf);
		if (err)
			return err;
		if (!(op & 7))
			cond_resched();
	}
	return 0;
}

/* Allocate every object, then check and rewrite them at random. */
static int azs_t_rewrite(struct azs_t_worker *w, struct rnd_state *rnd,
			 u8 *buf, u8 *local)
{
	unsigned int op;
	int err;

	for (op = 0; op < AZS_T_LIVE; op++) {
		w->objs[op].size = azs_t_worker_size(rnd, op);
		w->objs[op].seed = (op << 1) | w->id;
		err = azs_t_alloc(w->pool, &w->objs[op], buf);
		if (err)
			return err;
	}
	for (op = 0; op < AZS_T_OPS; op++) {
		struct azs_t_obj *o = &w->objs[prandom_u32_state(rnd) %
					       AZS_T_LIVE];

		err = azs_t_check(w->pool, o, local, NULL);
		if (err)
			return err;
		o->seed += 2;
		azs_t_fill(buf, o->size, o->seed);
		azs_write(w->pool, o->handle, buf, o->size);
		if (!(op & 7))
			cond_resched();
	}
	return 0;
}

static int azs_t_worker_fn(void *arg)
{
	struct azs_t_worker *w = arg;
	struct rnd_state rnd;
	u8 *buf, *local;

	prandom_seed_state(&rnd, 42 + w->id);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	local = kmalloc(PAGE_SIZE, GFP_KERNEL);
	w->err = -ENOMEM;
	if (buf && local) {
		if (w->keep)
			w->err = azs_t_rewrite(w, &rnd, buf, local);
		else
			w->err = azs_t_churn(w, &rnd, buf, local);
		if (!w->err)
			w->err = azs_t_check_all(w->pool, w->objs, AZS_T_LIVE,
						 local);
	}
	kfree(local);
	kfree(buf);
	complete(&w->done);
	return 0;
}

/* Start a worker on each of the first two online CPUs. */
static void azs_t_start(struct azs_t_ctx *t, struct azs_t_worker *w,
			bool keep)
{
	unsigned int i, cpu = 0;

	for (i = 0; i < 2; i++) {
		struct task_struct *k;

		w[i].pool = t->pool;
		w[i].objs = &t->objs[i * AZS_T_LIVE];
		w[i].id = i;
		w[i].keep = keep;
		w[i].err = 0;
		init_completion(&w[i].done);
		k = kthread_create(azs_t_worker_fn, &w[i], "azs_test/%u", i);
		if (IS_ERR(k)) {
			w[i].err = PTR_ERR(k);
			complete(&w[i].done);
			continue;
		}
		cpu = cpumask_next(i ? cpu : -1, cpu_online_mask);
		if (cpu < nr_cpu_ids)
			kthread_bind(k, cpu);
		wake_up_process(k);
	}
}

static bool azs_t_running(struct azs_t_worker *w)
{
	return !completion_done(&w[0].done) || !completion_done(&w[1].done);
}

/* Wait for both workers; the first error, with its objects freed. */
static int azs_t_join(struct azs_t_ctx *t, struct azs_t_worker *w)
{
	int err = 0, i;

	for (i = 0; i < 2; i++) {
		wait_for_completion(&w[i].done);
		if (AZS_T_FAIL(!w[i].err) && !err)
			err = w[i].err;
	}
	azs_t_free_all(t->pool, t->objs, 2 * AZS_T_LIVE);
	return err;
}

static int azs_t_concurrent(struct azs_t_ctx *t)
{
	unsigned long passes = 0, freed = 0;
	struct azs_t_worker w[2];
	struct azs_stats st;
	int err;

	azs_t_start(t, w, false);
	while (azs_t_running(w)) {
		freed += azs_compact(t->pool);
		passes++;
		usleep_range(200, 400);
	}
	err = azs_t_join(t, w);
	azs_get_stats(t->pool, &st);
	pr_info("zspool selftest: concurrent: %u ops on 2 CPUs, %lu compactions freed %lu pages\n",
		2 * AZS_T_OPS, passes, freed);
	if (AZS_T_FAIL(!st.objects && !st.pages))
		err = err ?: -EINVAL;
	return err;
}

/*
 * Move page @nth of @size's class to a new frame, as aether_mm's
 * compaction would; true when one was moved.  Only while no span can be
 * freed: the page must stay ours between the lookup and the move.
 */
static bool azs_t_move_nth(struct azs_pool *pool, size_t size,
			   unsigned int nth)
{
	struct aem_frame *src, *dst;

	src = azs_test_span_frame(pool, size, nth);
	if (!src)
		return false;
	dst = aem_alloc_pages(NUMA_NO_NODE, 0, AEM_OWNER(AEM_OWNER_ZRAM) |
			      AEM_MT(AETHER_MM_MT_MOVABLE));
	if (!dst)
		return false;
	if (azs_move_page(src, dst)) {
		aem_free_pages(dst, 0);
		return false;
	}
	aem_free_pages(src, 0);
	return true;
}

static int azs_t_concurrent_move(struct azs_t_ctx *t)
{
	static const u32 sizes[] = { 100, 300, 500, 1500, 3000, PAGE_SIZE };
	unsigned long moved = 0, tries = 0;
	struct azs_t_worker w[2];
	int err;

	azs_t_start(t, w, true);
	while (azs_t_running(w)) {
		moved += azs_t_move_nth(t->pool, sizes[tries % ARRAY_SIZE(sizes)],
					tries / ARRAY_SIZE(sizes) % 16);
		tries++;
		if (!(tries % 16))
			cond_resched();
	}
	err = azs_t_join(t, w);
	pr_info("zspool selftest: concurrent_move: %u reads and rewrites on 2 CPUs, %lu span pages moved under them\n",
		2 * AZS_T_OPS, moved);
	if (AZS_T_FAIL(moved > 0))
		err = err ?: -EINVAL;
	return err;
}

/* The Total row of the classes table agrees with the pool's stats. */
static int azs_t_classes(struct azs_t_ctx *t)
{
	unsigned long v[14], hs = azs_huge_class_size(t->pool);
	struct seq_file m = { .size = SZ_64K };
	struct azs_stats st;
	const char *total;
	int err = 0, i;

	for (i = 0; i < 67; i++) {
		t->objs[i].size = i < 64 ? 100 : hs + 1;
		t->objs[i].seed = i;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	m.buf = kvzalloc(m.size, GFP_KERNEL);
	if (!m.buf)
		return -ENOMEM;
	azs_show_classes(&m, t->pool);
	azs_get_stats(t->pool, &st);
	total = m.count < m.size ? strstr(m.buf, "\nTotal") : NULL;
	if (AZS_T_FAIL(total && strstr(m.buf, "obj_allocated")) ||
	    AZS_T_FAIL(sscanf(total + 6, "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
			      &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			      &v[7], &v[8], &v[9], &v[10], &v[11], &v[12],
			      &v[13]) == 14) ||
	    /* 11 groups, then obj_allocated, obj_used, pages_used */
	    AZS_T_FAIL(v[12] == st.objects && v[13] == st.pages &&
		       v[11] >= v[12] && v[10] >= 3))
		err = -EINVAL;
	kvfree(m.buf);
	azs_t_free_all(t->pool, t->objs, 67);
	return err;
}

/* Pool pages in use (not free) now. */
static long azs_t_pool_used(void)
{
	struct aether_mm_pool_info info = { .size = sizeof(info) };

	aem_get_pool_info(&info);
	return info.pages_total - info.pages_free;
}

/* Pages others may take or give back meanwhile (pcp drift, workers). */
#define AZS_T_SLACK	64

static int azs_t_pages_back(struct azs_t_ctx *t)
{
	struct azs_stats st;
	long before, during, after;
	unsigned int i;
	int err;

	before = azs_t_pool_used();
	for (i = 0; i < 1024; i++) {
		t->objs[i].size = 1800;
		t->objs[i].seed = i;
		err = azs_t_alloc(t->pool, &t->objs[i], t->buf);
		if (AZS_T_FAIL(!err))
			return err;
	}
	azs_get_stats(t->pool, &st);
	during = azs_t_pool_used();
	azs_t_free_all(t->pool, t->objs, 1024);
	after = azs_t_pool_used();
	pr_info("zspool selftest: pool pages used %ld, with the objects %ld (pool holds %lu), after %ld\n",
		before, during, st.pages, after);
	if (AZS_T_FAIL(st.pages >= 1024 * 1800 / PAGE_SIZE &&
		       during - before + AZS_T_SLACK >= (long)st.pages))
		return -EINVAL;
	if (AZS_T_FAIL(after <= before + AZS_T_SLACK))
		return -EINVAL;
	return 0;
}

/* ---- the runner ------------------------------------------------------- */

struct azs_t_case {
	const char *name;
	int (*fn)(struct azs_t_ctx *t);
};

static const struct azs_t_case azs_t_cases[] = {
	{ "random_sizes", azs_t_random_sizes },
	{ "straddle", azs_t_straddle },
	{ "huge", azs_t_huge },
	{ "compaction", azs_t_compaction },
	{ "reclaim", azs_t_reclaim },
	{ "move", azs_t_move },
	{ "concurrent", azs_t_concurrent },
	{ "concurrent_move", azs_t_concurrent_move },
	{ "pages_back", azs_t_pages_back },
	{ "classes", azs_t_classes },
};

static int azs_t_run(const struct azs_t_case *tc, struct azs_t_ctx *t)
{
	struct azs_stats st;
	int err;

	t->pool = azs_pool_create(tc->name);
	if (!t->pool)
		return -ENOMEM;
	memset(t->objs, 0, AZS_T_NR * sizeof(*t->objs));
	prandom_seed_state(&t->rnd, 1);
	err = tc->fn(t);
	if (err)
		azs_t_free_all(t->pool, t->objs, AZS_T_NR);
	azs_get_stats(t->pool, &st);
	if (!err && AZS_T_FAIL(!st.objects && !st.pages))
		err = -EINVAL;
	azs_pool_destroy(t->pool);
	return err;
}

/* ---- zsmalloc and us ------------------------------------------------- */

#define AZS_B_NR	1024
#define AZS_B_ROUNDS	4
#define AZS_B_ZS_GFP	(GFP_NOIO | __GFP_NOWARN | __GFP_HIGHMEM | \
			 __GFP_MOVABLE)
#define AZS_B_GFP	(GFP_NOIO | __GFP_NOWARN)

/**
 * struct azs_b - one measurement's state, the same for both allocators
 * @zp:		the kernel's zsmalloc pool
 * @pool:	ours
 * @sizes:	AZS_B_NR object sizes
 * @h:		AZS_B_NR handles
 * @ns:		totals per figure: [figure][0 zsmalloc, 1 aether]
 */
struct azs_b {
	struct zs_pool *zp;
	struct azs_pool *pool;
	u32 *sizes;
	unsigned long *h;
	u64 ns[3][2];
};

static unsigned long azs_b_malloc(struct azs_b *b, bool ours, u32 size)
{
	unsigned long h;

	if (ours)
		return azs_malloc(b->pool, size, AZS_B_GFP, 0);
	h = zs_malloc(b->zp, size, AZS_B_ZS_GFP);
	return IS_ERR_VALUE(h) ? 0 : h;
}

static void azs_b_free(struct azs_b *b, bool ours, unsigned long h)
{
	if (ours)
		azs_free(b->pool, h);
	else if (h)
		zs_free(b->zp, h);
}

/* Fill an empty pool with every size, then empty it: spans come and go. */
static u64 azs_b_cold(struct azs_b *b, bool ours)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < AZS_B_NR; i++)
		b->h[i] = azs_b_malloc(b, ours, b->sizes[i]);
	for (i = 0; i < AZS_B_NR; i++)
		azs_b_free(b, ours, b->h[i]);
	return ktime_get_ns() - t0;
}

/* With the pool full, free one object and allocate one of its size. */
static u64 azs_b_warm(struct azs_b *b, bool ours)
{
	unsigned int i;
	u64 t0;

	for (i = 0; i < AZS_B_NR; i++)
		b->h[i] = azs_b_malloc(b, ours, b->sizes[i]);
	t0 = ktime_get_ns();
	for (i = 0; i < AZS_B_NR; i++) {
		azs_b_free(b, ours, b->h[i]);
		b->h[i] = azs_b_malloc(b, ours, b->sizes[i]);
	}
	return ktime_get_ns() - t0;
}

/* Map every object of the full pool, read its first byte, unmap it. */
static u64 azs_b_read(struct azs_b *b, bool ours, void *local)
{
	unsigned int i, sum = 0;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < AZS_B_NR; i++) {
		const u8 *p;

		if (!b->h[i])
			continue;
		if (ours) {
			p = azs_read_begin(b->pool, b->h[i], local);
			sum += p[b->sizes[i] - 1];
			azs_read_end(b->pool, b->h[i], p);
		} else {
			p = zs_map_object(b->zp, b->h[i], ZS_MM_RO);
			sum += p[b->sizes[i] - 1];
			zs_unmap_object(b->zp, b->h[i]);
		}
	}
	barrier_data(&sum);
	return ktime_get_ns() - t0;
}

static void azs_b_round(struct azs_b *b, bool ours, void *local)
{
	unsigned int i;

	b->ns[0][ours] += azs_b_cold(b, ours);
	b->ns[1][ours] += azs_b_warm(b, ours);
	b->ns[2][ours] += azs_b_read(b, ours, local);
	for (i = 0; i < AZS_B_NR; i++)
		azs_b_free(b, ours, b->h[i]);
}

static void azs_b_report(const char *what, const u64 *ns)
{
	u64 zs = div_u64(ns[0], AZS_B_ROUNDS * AZS_B_NR);
	u64 us = div_u64(ns[1], AZS_B_ROUNDS * AZS_B_NR);
	u64 pct = div_u64(ns[1] * 100, max_t(u64, ns[0], 1));

	pr_info("zspool bench: %s: zsmalloc %llu ns, aether %llu ns, aether/zsmalloc %llu.%02llu\n",
		what, zs, us, div_u64(pct, 100), pct % 100);
}

/*
 * Print ns per operation of the kernel's zsmalloc and of this allocator,
 * same sizes, interleaved rounds: malloc+free into an empty pool (spans
 * made and freed), malloc+free in a full one, and a read (map, one byte,
 * unmap).  Figures, not a test: a failure to set up is reported only.
 */
static void azs_t_bench(u8 *local)
{
	struct azs_b b = {};
	struct rnd_state rnd;
	unsigned int i;

	b.sizes = kmalloc_array(AZS_B_NR, sizeof(*b.sizes), GFP_KERNEL);
	b.h = kmalloc_array(AZS_B_NR, sizeof(*b.h), GFP_KERNEL);
	b.zp = zs_create_pool("azs_bench");
	b.pool = azs_pool_create("azs_bench");
	if (!b.sizes || !b.h || !b.zp || !b.pool) {
		pr_info("zspool bench: no memory, not measured\n");
		goto out;
	}
	prandom_seed_state(&rnd, 7);
	/* Compressed page sizes: 64 bytes to 3.5 KiB. */
	for (i = 0; i < AZS_B_NR; i++)
		b.sizes[i] = 64 + prandom_u32_state(&rnd) % 3520;
	azs_b_round(&b, false, local);	/* warm both up */
	azs_b_round(&b, true, local);
	memset(b.ns, 0, sizeof(b.ns));
	for (i = 0; i < AZS_B_ROUNDS; i++) {
		azs_b_round(&b, false, local);
		azs_b_round(&b, true, local);
	}
	pr_info("zspool bench: %u objects of 64..3583 bytes, %u rounds, interleaved\n",
		AZS_B_NR, AZS_B_ROUNDS);
	azs_b_report("malloc+free, empty pool", b.ns[0]);
	azs_b_report("free+malloc, full pool", b.ns[1]);
	azs_b_report("read (map, unmap)", b.ns[2]);
out:
	azs_pool_destroy(b.pool);
	if (b.zp)
		zs_destroy_pool(b.zp);
	kfree(b.h);
	kfree(b.sizes);
}

/**
 * azs_selftest - run the object allocator's self-tests
 *
 * Return: 0 when all passed, else the first failure's -errno (each
 * failure is printed).
 */
int azs_selftest(void)
{
	struct azs_t_ctx t = {};
	int err = -ENOMEM, i;

	t.objs = kvcalloc(AZS_T_NR, sizeof(*t.objs), GFP_KERNEL);
	t.buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	t.local = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!t.objs || !t.buf || !t.local)
		goto out;
	for (i = 0; i < ARRAY_SIZE(azs_t_cases); i++) {
		err = azs_t_run(&azs_t_cases[i], &t);
		if (err) {
			pr_err("zspool selftest %s: FAILED (%d)\n",
			       azs_t_cases[i].name, err);
			goto out;
		}
		pr_info("zspool selftest %s: ok\n", azs_t_cases[i].name);
	}
	azs_t_bench(t.local);
out:
	kfree(t.local);
	kfree(t.buf);
	kvfree(t.objs);
	return err;
}
