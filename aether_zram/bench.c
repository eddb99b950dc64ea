// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - a page through the store against the bare library call
 *
 * DOC: Overview
 *
 * AETHER_ZRAM_IOC_BENCH measures what the store costs on top of the
 * compressor.  The caller's corpus is copied into kernel pages first;
 * then, in the same run, rounds alternate two phases over all of it:
 *
 *	store	azr_store_page() and azr_free_entry(): the same-filled
 *		check, the compression, the object's allocation and copy
 *		into the pool, its free
 *	bare	azr_compress() alone, into the stream's buffer
 *
 * both through the same compressor (a store made for the run, with the
 * algorithm and level asked for), so both use the same streams and
 * workspaces.  The threads, rounds, barriers, timing and figures are
 * aether_mm's benchmark harness (include/aether/bench.h), on one CPU;
 * a round is 64 pages through each side (see azr_bench_rounds()).
 * Before the rounds, one pass stores every page, loads each back and
 * compares it (a run on a broken store measures nothing: -EIO), and
 * reads how many bytes the store holds for it.  Those pages stay stored
 * through the rounds: each timed store and free runs against a store
 * holding a working set (partly filled spans of every class), as a store
 * in use does, rather than one that gives its last span back to the pool
 * after each page and takes it again for the next.
 *
 * Lock order: azr_bench_mutex (one run at a time: the corpus can be
 * 64 MiB of kernel memory), then the harness's, then a stream (4) and the
 * pool's (6, 7).
 */
#include <linux/capability.h>
#include <linux/highmem.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <aether/bench.h>
#include <aether/ioctl.h>

#include "internal.h"

#define AZR_BENCH_MAX_LEN	SZ_64M
#define AZR_BENCH_SLICE		64U	/* pages of a timed slice, and of a phase */
#define AZR_BENCH_GFP		(GFP_KERNEL | __GFP_NOWARN)

static DEFINE_MUTEX(azr_bench_mutex);

/**
 * struct azr_bench_ctx - one run
 * @st:		the store, and its compressor for the bare side
 * @pages:	the corpus
 * @nr:		pages in it
 * @next:	per side, the page its next operation takes
 */
struct azr_bench_ctx {
	struct azr_store st;
	struct page **pages;
	unsigned long nr;
	unsigned long next[AEM_BENCH_SIDES];
};

static bool azr_bench_store_one(struct azr_bench_ctx *ctx, struct page *page)
{
	struct azr_entry e;

	if (azr_store_page(&ctx->st, page, &e, AZR_BENCH_GFP, 0))
		return false;
	azr_free_entry(&ctx->st, &e);
	return true;
}

static bool azr_bench_bare_one(struct azr_bench_ctx *ctx, struct page *page)
{
	struct azr_strm *strm = azr_strm_get(ctx->st.comp);
	void *src = kmap_local_page(page);
	unsigned int len;
	int err;

	err = azr_compress(ctx->st.comp, strm, src, &len);
	kunmap_local(src);
	azr_strm_put(ctx->st.comp, strm);
	return !err;
}

static unsigned int azr_bench_slice(struct aem_bench_worker *w,
				    enum aem_bench_side side, unsigned int n)
{
	struct azr_bench_ctx *ctx = w->bench->priv;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = ctx->pages[ctx->next[side]];
		bool ok;

		if (++ctx->next[side] == ctx->nr)
			ctx->next[side] = 0;
		if (side == AEM_BENCH_OURS)
			ok = azr_bench_store_one(ctx, page);
		else
			ok = azr_bench_bare_one(ctx, page);
		if (!ok)
			break;
	}
	return i;
}

static const struct aem_bench_ops azr_bench_ops = {
	.slice = azr_bench_slice,
};

static void azr_bench_free_corpus(struct azr_bench_ctx *ctx)
{
	unsigned long i;

	for (i = 0; ctx->pages && i < ctx->nr; i++)
		if (ctx->pages[i])
			__free_page(ctx->pages[i]);
	kvfree(ctx->pages);
}

/* Copy the caller's corpus into pages of our own. */
static int azr_bench_corpus(struct azr_bench_ctx *ctx, u64 data, u64 len)
{
	const char __user *src = u64_to_user_ptr(data);
	unsigned long i;

	ctx->nr = len >> PAGE_SHIFT;
	ctx->pages = kvcalloc(ctx->nr, sizeof(*ctx->pages), GFP_KERNEL);
	if (!ctx->pages)
		return -ENOMEM;
	for (i = 0; i < ctx->nr; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ctx->pages[i] = alloc_page(AZR_BENCH_GFP | __GFP_ACCOUNT);
		if (!ctx->pages[i])
			return -ENOMEM;
		if (copy_from_user(page_address(ctx->pages[i]),
				   src + i * PAGE_SIZE, PAGE_SIZE))
			return -EFAULT;
	}
	return 0;
}

/*
 * Store the whole corpus and check that every page comes back; count
 * what the store holds for it (@b->orig_bytes, @b->compr_bytes).  The
 * entries stay in @e: the timed rounds run against a store that holds a
 * working set, as a store in use does, not one that gives its last span
 * back to the pool after every page.
 */
static int azr_bench_fill(struct azr_bench_ctx *ctx,
			  struct aether_zram_bench *b, struct azr_entry *e)
{
	struct page *back;
	unsigned long i;
	int err = 0;

	back = alloc_page(GFP_KERNEL);
	if (!back)
		return -ENOMEM;
	for (i = 0; i < ctx->nr && !err; i++) {
		err = azr_store_page(&ctx->st, ctx->pages[i], &e[i],
				     AZR_BENCH_GFP, 0);
		if (!err)
			err = azr_load_page(&ctx->st, &e[i], back);
		if (!err && memcmp(page_address(back),
				   page_address(ctx->pages[i]), PAGE_SIZE)) {
			pr_err("bench: page %lu of the corpus came back different\n",
			       i);
			err = -EIO;
		}
	}
	__free_page(back);
	b->orig_bytes = (u64)ctx->nr << PAGE_SHIFT;
	b->compr_bytes = atomic64_read(&ctx->st.compr_data_size);
	return err;
}

/* Free what azr_bench_fill() stored (the entries left zero are not). */
static void azr_bench_empty(struct azr_bench_ctx *ctx, struct azr_entry *e)
{
	unsigned long i;

	for (i = 0; i < ctx->nr; i++)
		if (e[i].flags || e[i].size)
			azr_free_entry(&ctx->st, &e[i]);
}

static int azr_bench_check(const struct aether_zram_bench *b)
{
	if (b->reserved[0] || b->reserved[1])
		return -EINVAL;
	if (!azr_algo_available(b->algo) ||
	    azr_level_check(b->algo, b->level) < 0)
		return -EINVAL;
	if (!aem_bench_args_ok(1, b->rounds, b->len >> PAGE_SHIFT))
		return -EINVAL;
	if (!b->len || b->len > AZR_BENCH_MAX_LEN ||
	    !PAGE_ALIGNED(b->len) || !b->data)
		return -EINVAL;
	return 0;
}

/*
 * Harness rounds for @b->rounds passes: a phase is one slice of pages
 * (the next ones of the corpus, cyclically), so that each round's ratio
 * compares two phases a few milliseconds apart and the median of many
 * such short rounds stands against noise (a busy host) that a phase of a
 * whole pass would soak up.  At most AEM_BENCH_MAX_ROUNDS: a long corpus
 * gets fewer passes than asked.
 */
static unsigned int azr_bench_rounds(const struct aether_zram_bench *b)
{
	u64 per_pass = DIV_ROUND_UP(b->len >> PAGE_SHIFT, AZR_BENCH_SLICE);

	return min_t(u64, AEM_BENCH_MAX_ROUNDS, per_pass * b->rounds);
}

static int azr_bench_run(struct aether_zram_bench *b)
{
	struct azr_bench_ctx ctx = { };
	struct azr_entry *e = NULL;
	struct aem_bench run = {
		.ops = &azr_bench_ops,
		.priv = &ctx,
		.name = "azr_bench/%u",
		.threads = 1,
		.rounds = azr_bench_rounds(b),
		.iterations = min_t(u64, AZR_BENCH_SLICE, b->len >> PAGE_SHIFT),
		.slice = min_t(u64, AZR_BENCH_SLICE, b->len >> PAGE_SHIFT),
	};
	int err;

	err = azr_bench_corpus(&ctx, b->data, b->len);
	if (err)
		goto out_corpus;
	err = azr_store_init(&ctx.st, "bench", b->algo, b->level);
	if (err)
		goto out_corpus;
	e = kvcalloc(ctx.nr, sizeof(*e), GFP_KERNEL);
	err = e ? azr_bench_fill(&ctx, b, e) : -ENOMEM;
	if (!err)
		err = aem_bench_run(&run);
	if (e)
		azr_bench_empty(&ctx, e);
	kvfree(e);
	azr_store_destroy(&ctx.st);
	if (err)
		goto out_corpus;
	b->ns_store = div_u64(run.mean_ns[AEM_BENCH_OURS], 1000);
	b->ns_bare = div_u64(run.mean_ns[AEM_BENCH_KERNEL], 1000);
	b->ratio_x1000 = run.median;
	pr_info("bench %s level %d, %llu pages, %u rounds of %llu: store %llu.%03llu ns/page, bare %llu.%03llu ns/page, ratio median %llu.%03llu (%llu.%03llu..%llu.%03llu), %llu -> %llu bytes\n",
		azr_algo_name(b->algo), azr_level_check(b->algo, b->level),
		b->len >> PAGE_SHIFT, run.rounds, run.iterations,
		run.mean_ns[AEM_BENCH_OURS] / 1000,
		run.mean_ns[AEM_BENCH_OURS] % 1000,
		run.mean_ns[AEM_BENCH_KERNEL] / 1000,
		run.mean_ns[AEM_BENCH_KERNEL] % 1000,
		run.median / 1000, run.median % 1000,
		run.lo / 1000, run.lo % 1000, run.hi / 1000, run.hi % 1000,
		b->orig_bytes, b->compr_bytes);
out_corpus:
	azr_bench_free_corpus(&ctx);
	return err;
}

/**
 * azr_bench_ioctl() - AETHER_ZRAM_IOC_BENCH
 * @uarg:	the caller's struct aether_zram_bench
 *
 * Context: process context (the control device's ioctl), may sleep for
 * as long as the run takes; one run at a time.
 *
 * Return: 0 with the figures written back; -EPERM without CAP_SYS_ADMIN;
 * -EINVAL for a bad field (reserved not zero, unknown algorithm, level
 * out of range, rounds not 1..1000, len not a multiple of the page size
 * within 1 page .. 64 MiB, no data); -EFAULT for a corpus that cannot be
 * read; -ENOMEM; -EINTR when killed; -EIO when a page did not come back
 * from the store intact.
 */
long azr_bench_ioctl(void __user *uarg)
{
	struct aether_zram_bench b;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = aem_copy_in(&b, sizeof(b), uarg);
	if (err)
		return err;
	err = azr_bench_check(&b);
	if (err)
		return err;
	b.ns_store = 0;
	b.ns_bare = 0;
	b.ratio_x1000 = 0;
	b.orig_bytes = 0;
	b.compr_bytes = 0;
	if (mutex_lock_killable(&azr_bench_mutex))
		return -EINTR;
	err = azr_bench_run(&b);
	mutex_unlock(&azr_bench_mutex);
	if (err)
		return err;
	return aem_copy_out(uarg, &b, sizeof(b));
}
