// SPDX-License-Identifier: GPL-2.0
/*
 * comp.c - the kernel's lz4, lz4hc and zstd behind one small table
 *
 * DOC: Overview
 *
 * A compressor (struct azr_comp) is one algorithm at one level, and
 * optionally (zstd, where the kernel exports the API) a dictionary.  It
 * compresses exactly one page at a time into a stream's output buffer and
 * decompresses exactly one page straight into the caller's buffer: the
 * store never needs a bounce page to read.
 *
 * Each possible CPU has a stream (struct azr_strm): the algorithm's
 * workspace (lz4's hash table, lz4hc's chain tables, zstd's compression
 * and decompression contexts, all sized for a PAGE_SIZE input) and a
 * 2-page output buffer, big enough for the worst expansion of any of the
 * three on one page.  All of it is allocated when the compressor is
 * made, so compressing and decompressing allocate nothing: they may run
 * inside a failing pool allocation (the region store backend).
 *
 * A stream is taken with azr_strm_get(): the stream of the CPU the
 * caller runs on at that moment (raw_cpu_ptr()), locked by its mutex.
 * The caller may then sleep and migrate, as 6.12's zram allows; another
 * task that lands on that CPU meanwhile waits for the mutex, or, more
 * likely, is fine with the stream it finds.  The streams of all CPUs
 * exist from the start, so CPU hotplug needs nothing.
 *
 * Algorithm and levels (0 asks for the default):
 *   lz4	the acceleration of LZ4_compress_fast(), 1..65537 (1)
 *   lz4hc	the level of LZ4_compress_HC(), 1..12 (9)
 *   zstd	the level of zstd_compress_cctx(), 1..22 (3)
 *
 * Lock order (internal.h): a stream's mutex is lock 4.  Nothing else is
 * taken inside compress and decompress; the store takes the pool's locks
 * (6, 7) inside it.  Each compressor has its own lockdep class for its
 * streams, so that one compressor's stream may be held while another's
 * is taken (a device write whose allocation reclaims region pages into
 * the region store), which is no deadlock: the region store's streams are
 * never held around a device's.
 *
 * Same-filled pages.  The store keeps a page whose words are all equal
 * as that word (zpage.c); finding one takes a pass over the page.  Where
 * the compressor is known to shrink every such page to a few bytes, the
 * store compresses first and makes that pass only for an output that
 * small (azr_comp_same_bound()), so the ordinary page is read once.
 * azr_comp_create() learns it by compressing one page of each repeat
 * period a word can have (1, 2, 4 and 8 bytes, zeroes among them, each
 * input its match finders can see): when all come to at most
 * AZR_SAME_PROBE_MAX bytes, the bound is AZR_SAME_BOUND, four times that,
 * else 0 and the store checks first, as before.  lz4 at acceleration 1,
 * lz4hc and zstd are expected to pass; lz4 at a high acceleration may
 * skip through the page too fast to find the repeat, and then checks
 * first (zram_io_test writes such pages on both paths).  Were a
 * same-filled page ever to compress above the bound, it would be kept as
 * a small compressed object: correct, only not counted in same_pages.
 *
 * Life cycle: azr_comp_create() makes every stream; azr_comp_destroy()
 * frees them and must be called when no stream is taken.
 */
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/zstd.h>

#include "internal.h"
#include "trace.h"

#define AZR_LZ4_ACCEL_MAX	65537
#define AZR_LZ4HC_LEVEL_MAX	12
#define AZR_ZSTD_LEVEL_DEFAULT	3
#define AZR_ZSTD_LEVEL_MAX	22
#define AZR_DICT_MAX		SZ_1M
#define AZR_STRM_BUFFER		(2 * PAGE_SIZE)
#define AZR_SAME_PROBE_MAX	64
#define AZR_SAME_BOUND		(4 * AZR_SAME_PROBE_MAX)

/**
 * struct azr_pcpu_strm - a CPU's stream and its lock
 * @lock:	held by whoever uses @strm (lock 4)
 * @strm:	the buffers
 */
struct azr_pcpu_strm {
	struct mutex lock;	/* lock 4: whoever uses @strm */
	struct azr_strm strm;
};

/*
 * The zstd contexts of a stream.  Both live in workspaces sized for the
 * compressor's parameters, so that using them never allocates.
 */
struct azr_zstd_ctx {
	zstd_cctx *cctx;
	zstd_dctx *dctx;
	void *cwork;
	void *dwork;
};

/**
 * struct azr_comp - one algorithm at one level
 * @algo:	enum aether_zram_algo, never DEFAULT
 * @level:	the level, the default resolved
 * @ops:	the algorithm's functions
 * @strms:	a stream per possible CPU
 * @key:	the lockdep class of the stream locks
 * @zparams:	zstd: the parameters for a one-page input
 * @dict:	zstd: the dictionary (our copy; the library refers to it)
 * @dict_len:	its length
 * @cdict:	zstd: the compression dictionary, or NULL
 * @ddict:	zstd: the decompression dictionary, or NULL
 * @same_bound:	compressed lengths up to which a page may be same-filled
 *		(0: any; see the top)
 */
struct azr_comp {
	unsigned int algo;
	int level;
	const struct azr_algo_ops *ops;
	struct azr_pcpu_strm __percpu *strms;
	struct lock_class_key key;
	zstd_parameters zparams;
	void *dict;
	size_t dict_len;
	zstd_cdict *cdict;
	zstd_ddict *ddict;
	unsigned int same_bound;
};

/**
 * struct azr_algo_ops - an algorithm
 * @name:	as zram spells it
 * @min_level:	the lowest level
 * @max_level:	the highest level
 * @def_level:	the level 0 asks for
 * @strm_init:	allocate @s->priv
 * @strm_free:	free it (also after a failed @strm_init)
 * @compress:	PAGE_SIZE bytes of @src into @s->buffer
 * @decompress:	@src_len bytes of @src into PAGE_SIZE bytes of @dst
 */
struct azr_algo_ops {
	const char *name;
	int min_level;
	int max_level;
	int def_level;
	int (*strm_init)(struct azr_comp *comp, struct azr_strm *s);
	void (*strm_free)(struct azr_comp *comp, struct azr_strm *s);
	int (*compress)(struct azr_comp *comp, struct azr_strm *s,
			const void *src, unsigned int *dst_len);
	int (*decompress)(struct azr_comp *comp, struct azr_strm *s,
			  const void *src, unsigned int src_len, void *dst);
};

/* ---- lz4 and lz4hc: a workspace of their own size ----------------------- */

static int azr_lz4_init(struct azr_comp *comp, struct azr_strm *s)
{
	s->priv = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
	return s->priv ? 0 : -ENOMEM;
}

static int azr_lz4hc_init(struct azr_comp *comp, struct azr_strm *s)
{
	s->priv = kvmalloc(LZ4HC_MEM_COMPRESS, GFP_KERNEL);
	return s->priv ? 0 : -ENOMEM;
}

static void azr_lz4_free(struct azr_comp *comp, struct azr_strm *s)
{
	kvfree(s->priv);
}

static int azr_lz4_compress(struct azr_comp *comp, struct azr_strm *s,
			    const void *src, unsigned int *dst_len)
{
	int ret = LZ4_compress_fast(src, s->buffer, PAGE_SIZE, AZR_STRM_BUFFER,
				    comp->level, s->priv);

	if (!ret)
		return -EINVAL;
	*dst_len = ret;
	return 0;
}

static int azr_lz4hc_compress(struct azr_comp *comp, struct azr_strm *s,
			      const void *src, unsigned int *dst_len)
{
	int ret = LZ4_compress_HC(src, s->buffer, PAGE_SIZE, AZR_STRM_BUFFER,
				  comp->level, s->priv);

	if (!ret)
		return -EINVAL;
	*dst_len = ret;
	return 0;
}

/* lz4 and lz4hc write the same format. */
static int azr_lz4_decompress(struct azr_comp *comp, struct azr_strm *s,
			      const void *src, unsigned int src_len,
			      void *dst)
{
	int ret = LZ4_decompress_safe(src, dst, src_len, PAGE_SIZE);

	return ret == PAGE_SIZE ? 0 : -EINVAL;
}

/* ---- zstd: static contexts, and dictionaries where exported ------------- */

/*
 * The compression half of @comp's zstd parameters: the first member of
 * zstd_parameters (named in camel case by the library).
 */
static const zstd_compression_parameters *
azr_zstd_cparams(const struct azr_comp *comp)
{
	return (const zstd_compression_parameters *)&comp->zparams;
}

static int azr_zstd_init(struct azr_comp *comp, struct azr_strm *s)
{
	size_t csize = zstd_cctx_workspace_bound(azr_zstd_cparams(comp));
	size_t dsize = zstd_dctx_workspace_bound();
	struct azr_zstd_ctx *z;

	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (!z)
		return -ENOMEM;
	s->priv = z;
	z->cwork = kvmalloc(csize, GFP_KERNEL);
	z->dwork = kvmalloc(dsize, GFP_KERNEL);
	if (!z->cwork || !z->dwork)
		return -ENOMEM;
	z->cctx = zstd_init_cctx(z->cwork, csize);
	z->dctx = zstd_init_dctx(z->dwork, dsize);
	if (!z->cctx || !z->dctx)
		return -EINVAL;
	return 0;
}

static void azr_zstd_free(struct azr_comp *comp, struct azr_strm *s)
{
	struct azr_zstd_ctx *z = s->priv;

	if (!z)
		return;
	kvfree(z->cwork);
	kvfree(z->dwork);
	kfree(z);
}

static int azr_zstd_compress(struct azr_comp *comp, struct azr_strm *s,
			     const void *src, unsigned int *dst_len)
{
	struct azr_zstd_ctx *z = s->priv;
	size_t ret;

	if (comp->cdict)
		ret = zstd_compress_using_cdict(z->cctx, s->buffer,
						AZR_STRM_BUFFER, src, PAGE_SIZE,
						comp->cdict);
	else
		ret = zstd_compress_cctx(z->cctx, s->buffer, AZR_STRM_BUFFER,
					 src, PAGE_SIZE, &comp->zparams);
	if (zstd_is_error(ret))
		return -EINVAL;
	*dst_len = ret;
	return 0;
}

static int azr_zstd_decompress(struct azr_comp *comp, struct azr_strm *s,
			       const void *src, unsigned int src_len,
			       void *dst)
{
	struct azr_zstd_ctx *z = s->priv;
	size_t ret;

	if (comp->ddict)
		ret = zstd_decompress_using_ddict(z->dctx, dst, PAGE_SIZE, src,
						  src_len, comp->ddict);
	else
		ret = zstd_decompress_dctx(z->dctx, dst, PAGE_SIZE, src,
					   src_len);
	return !zstd_is_error(ret) && ret == PAGE_SIZE ? 0 : -EINVAL;
}

/* The dictionaries' own memory: made in process context, at create. */
static void *azr_zstd_alloc(void *opaque, size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static void azr_zstd_dealloc(void *opaque, void *address)
{
	kvfree(address);
}

/*
 * Make the dictionaries of @comp from a copy of @dict: the library keeps
 * a reference to the bytes.  -EOPNOTSUPP where the kernel exports no
 * dictionary API (compat/aether_compat.h).
 */
static int azr_zstd_dict_init(struct azr_comp *comp, const void *dict,
			      size_t len)
{
	/* By position: alloc, free, opaque (compat/aether_compat.h). */
	zstd_custom_mem mem = { azr_zstd_alloc, azr_zstd_dealloc, NULL };

	if (!AETHER_HAVE_ZSTD_DICT)
		return -EOPNOTSUPP;
	comp->dict = kvmalloc(len, GFP_KERNEL);
	if (!comp->dict)
		return -ENOMEM;
	memcpy(comp->dict, dict, len);
	comp->dict_len = len;
	comp->cdict = zstd_create_cdict_byreference(comp->dict, len,
						    *azr_zstd_cparams(comp),
						    mem);
	comp->ddict = zstd_create_ddict_byreference(comp->dict, len, mem);
	/* The library refuses what it cannot parse as a dictionary. */
	return comp->cdict && comp->ddict ? 0 : -EINVAL;
}

static void azr_zstd_dict_free(struct azr_comp *comp)
{
	if (comp->cdict)
		zstd_free_cdict(comp->cdict);
	if (comp->ddict)
		zstd_free_ddict(comp->ddict);
	kvfree(comp->dict);
}

/* ---- the table ---------------------------------------------------------- */

static const struct azr_algo_ops azr_algos[AETHER_ZRAM_NR_ALGOS] = {
	[AETHER_ZRAM_ALGO_LZ4] = {
		.name = "lz4",
		.min_level = 1,
		.max_level = AZR_LZ4_ACCEL_MAX,
		.def_level = LZ4_ACCELERATION_DEFAULT,
		.strm_init = azr_lz4_init,
		.strm_free = azr_lz4_free,
		.compress = azr_lz4_compress,
		.decompress = azr_lz4_decompress,
	},
	[AETHER_ZRAM_ALGO_LZ4HC] = {
		.name = "lz4hc",
		.min_level = 1,
		.max_level = AZR_LZ4HC_LEVEL_MAX,
		.def_level = LZ4HC_DEFAULT_CLEVEL,
		.strm_init = azr_lz4hc_init,
		.strm_free = azr_lz4_free,
		.compress = azr_lz4hc_compress,
		.decompress = azr_lz4_decompress,
	},
	[AETHER_ZRAM_ALGO_ZSTD] = {
		.name = "zstd",
		.min_level = 1,
		.max_level = AZR_ZSTD_LEVEL_MAX,
		.def_level = AZR_ZSTD_LEVEL_DEFAULT,
		.strm_init = azr_zstd_init,
		.strm_free = azr_zstd_free,
		.compress = azr_zstd_compress,
		.decompress = azr_zstd_decompress,
	},
};

/* The table entry of @algo (DEFAULT is lz4), or NULL. */
static const struct azr_algo_ops *azr_algo_ops(unsigned int algo)
{
	if (algo == AETHER_ZRAM_ALGO_DEFAULT)
		algo = AETHER_ZRAM_ALGO_LZ4;
	if (algo >= AETHER_ZRAM_NR_ALGOS)
		return NULL;
	return azr_algos[algo].name ? &azr_algos[algo] : NULL;
}

/**
 * azr_algo_parse() - the algorithm a name stands for
 * @name:	"lz4", "lz4hc" or "zstd", a trailing newline allowed (sysfs)
 *
 * Return: its enum aether_zram_algo, or -EINVAL.
 */
int azr_algo_parse(const char *name)
{
	unsigned int algo;

	for (algo = 1; algo < AETHER_ZRAM_NR_ALGOS; algo++)
		if (azr_algos[algo].name && sysfs_streq(name, azr_algos[algo].name))
			return algo;
	return -EINVAL;
}

/**
 * azr_algo_name() - the name of an algorithm
 * @algo:	enum aether_zram_algo; DEFAULT is lz4
 *
 * Return: its name, or NULL for an unknown @algo.
 */
const char *azr_algo_name(unsigned int algo)
{
	const struct azr_algo_ops *ops = azr_algo_ops(algo);

	return ops ? ops->name : NULL;
}

/**
 * azr_algo_available() - can @algo be used on this kernel
 * @algo:	enum aether_zram_algo; DEFAULT is lz4
 *
 * The module calls the libraries of all three algorithms, so its symbol
 * dependencies have the kernel load them (6.1's lz4_compress,
 * lz4hc_compress, zstd_compress modules) before it: when the module is
 * loaded, every algorithm of the table is.
 *
 * Return: true for an algorithm of the table.
 */
bool azr_algo_available(unsigned int algo)
{
	return azr_algo_ops(algo);
}

/**
 * azr_level_check() - resolve and check a level
 * @algo:	enum aether_zram_algo; DEFAULT is lz4
 * @level:	0 for the algorithm's default, else its level
 *
 * Return: the level to use, or -EINVAL (unknown @algo, @level out of the
 * algorithm's range).
 */
int azr_level_check(unsigned int algo, int level)
{
	const struct azr_algo_ops *ops = azr_algo_ops(algo);

	if (!ops)
		return -EINVAL;
	if (!level)
		return ops->def_level;
	if (level < ops->min_level || level > ops->max_level)
		return -EINVAL;
	return level;
}

static void azr_comp_free_strms(struct azr_comp *comp)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct azr_pcpu_strm *ps = per_cpu_ptr(comp->strms, cpu);

		if (ps->strm.priv)
			comp->ops->strm_free(comp, &ps->strm);
		kvfree(ps->strm.buffer);
		mutex_destroy(&ps->lock);
	}
	free_percpu(comp->strms);
}

static int azr_comp_alloc_strms(struct azr_comp *comp)
{
	int cpu, err;

	comp->strms = alloc_percpu(struct azr_pcpu_strm);
	if (!comp->strms)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct azr_pcpu_strm *ps = per_cpu_ptr(comp->strms, cpu);

		mutex_init(&ps->lock);
		lockdep_set_class(&ps->lock, &comp->key);
	}
	for_each_possible_cpu(cpu) {
		struct azr_pcpu_strm *ps = per_cpu_ptr(comp->strms, cpu);

		ps->strm.buffer = kvmalloc(AZR_STRM_BUFFER, GFP_KERNEL);
		if (!ps->strm.buffer)
			return -ENOMEM;
		err = comp->ops->strm_init(comp, &ps->strm);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Learn @comp->same_bound (see the top): compress a page of each repeat
 * period; 0 or -ENOMEM, -EINVAL when the library fails on them.
 */
static int azr_comp_probe_same(struct azr_comp *comp)
{
	static const unsigned long words[] = {
		0, ~0UL, 0x5a5a5a5a5a5a5a5aUL, 0x00ff00ff00ff00ffUL,
		0x0000000100000001UL, 0x00000000deadbeefUL,
		0x0102030405060708UL, 0x8000000000000001UL,
	};
	unsigned int i, len, worst = 0;
	struct azr_strm *strm;
	unsigned long *page;
	int err = 0;

	page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	strm = azr_strm_get(comp);
	for (i = 0; i < ARRAY_SIZE(words) && !err; i++) {
		memset_l(page, words[i], PAGE_SIZE / sizeof(*page));
		err = azr_compress(comp, strm, page, &len);
		worst = max(worst, len);
	}
	azr_strm_put(comp, strm);
	kfree(page);
	comp->same_bound = !err && worst <= AZR_SAME_PROBE_MAX ?
			   AZR_SAME_BOUND : 0;
	return err;
}

/**
 * azr_comp_create() - make a compressor and its streams
 * @algo:	enum aether_zram_algo; DEFAULT is lz4
 * @level:	0 for the default, else a level azr_level_check() accepts
 * @dict:	a zstd dictionary (raw content or trained), or NULL
 * @dict_len:	its length, 1 byte .. 1 MiB; 0 without @dict
 *
 * Allocates a stream for every possible CPU.
 * Context: process context, may sleep; GFP_KERNEL.
 *
 * Return: the compressor, or an ERR_PTR(): -EINVAL for an unknown @algo,
 * a bad @level or a bad dictionary; -EOPNOTSUPP for a dictionary with an
 * algorithm other than zstd, or on a kernel that exports no zstd
 * dictionary API (6.1); -ENOMEM.
 */
struct azr_comp *azr_comp_create(unsigned int algo, int level,
				 const void *dict, size_t dict_len)
{
	const struct azr_algo_ops *ops = azr_algo_ops(algo);
	struct azr_comp *comp;
	int err;

	level = azr_level_check(algo, level);
	if (level < 0)
		return ERR_PTR(level);
	if (!dict != !dict_len || dict_len > AZR_DICT_MAX)
		return ERR_PTR(-EINVAL);
	if (dict && ops->strm_init != azr_zstd_init)
		return ERR_PTR(-EOPNOTSUPP);
	comp = kzalloc(sizeof(*comp), GFP_KERNEL);
	if (!comp)
		return ERR_PTR(-ENOMEM);
	comp->algo = ops - azr_algos;
	comp->level = level;
	comp->ops = ops;
	lockdep_register_key(&comp->key);
	if (ops->strm_init == azr_zstd_init)
		comp->zparams = zstd_get_params(level, PAGE_SIZE);
	if (dict) {
		err = azr_zstd_dict_init(comp, dict, dict_len);
		if (err)
			goto out_dict;
	}
	err = azr_comp_alloc_strms(comp);
	if (err)
		goto out_strms;
	err = azr_comp_probe_same(comp);
	if (err)
		goto out_strms;
	return comp;

out_strms:
	if (comp->strms)
		azr_comp_free_strms(comp);
out_dict:
	azr_zstd_dict_free(comp);
	lockdep_unregister_key(&comp->key);
	kfree(comp);
	return ERR_PTR(err);
}

/**
 * azr_comp_same_bound() - up to which compressed length a page may be
 * same-filled
 * @comp:	the compressor
 *
 * Return: a length in bytes: a same-filled page compresses to at most
 * this many; 0 when that is not known (see the top of the file).
 */
unsigned int azr_comp_same_bound(const struct azr_comp *comp)
{
	return comp->same_bound;
}

/**
 * azr_comp_destroy() - free a compressor and its streams
 * @comp:	from azr_comp_create(), no stream of it taken; NULL is fine
 */
void azr_comp_destroy(struct azr_comp *comp)
{
	if (!comp)
		return;
	azr_comp_free_strms(comp);
	azr_zstd_dict_free(comp);
	lockdep_unregister_key(&comp->key);
	kfree(comp);
}

/**
 * azr_comp_algo() - the algorithm of a compressor
 * @comp:	the compressor
 *
 * Return: its enum aether_zram_algo (never DEFAULT).
 */
unsigned int azr_comp_algo(const struct azr_comp *comp)
{
	return comp->algo;
}

/**
 * azr_comp_level() - the level of a compressor, the default resolved
 * @comp:	the compressor
 *
 * Return: the level.
 */
int azr_comp_level(const struct azr_comp *comp)
{
	return comp->level;
}

/**
 * azr_comp_streams() - how many streams a compressor has
 * @comp:	the compressor
 *
 * Return: one per possible CPU.
 */
unsigned int azr_comp_streams(const struct azr_comp *comp)
{
	return num_possible_cpus();
}

/**
 * azr_strm_get() - take the stream of the current CPU
 * @comp:	the compressor
 *
 * Context: may sleep (the stream's mutex, lock 4); hold no lock above 4.
 * The caller may sleep and migrate while it holds the stream.
 *
 * Return: the stream, to give back with azr_strm_put().
 */
struct azr_strm *azr_strm_get(struct azr_comp *comp)
{
	struct azr_pcpu_strm *ps = raw_cpu_ptr(comp->strms);

	mutex_lock(&ps->lock);
	return &ps->strm;
}

/**
 * azr_strm_put() - give a stream back
 * @comp:	the compressor
 * @strm:	from azr_strm_get() on @comp
 */
void azr_strm_put(struct azr_comp *comp, struct azr_strm *strm)
{
	struct azr_pcpu_strm *ps = container_of(strm, struct azr_pcpu_strm,
						strm);

	mutex_unlock(&ps->lock);
}

/**
 * azr_compress() - compress one page
 * @comp:	the compressor
 * @strm:	a stream of @comp, taken
 * @src:	PAGE_SIZE bytes
 * @dst_len:	(out) the compressed length; the bytes are in
 *		@strm->buffer, up to 2 * PAGE_SIZE of them
 *
 * Never sleeps or allocates.
 *
 * Return: 0, or -EINVAL when the library failed.
 */
int azr_compress(struct azr_comp *comp, struct azr_strm *strm,
		 const void *src, unsigned int *dst_len)
{
	u64 t0 = trace_azram_compress_enabled() ? ktime_get_ns() : 0;
	int err;

	lockdep_assert_held(&container_of(strm, struct azr_pcpu_strm,
					  strm)->lock);
	err = comp->ops->compress(comp, strm, src, dst_len);
	trace_azram_compress(comp, PAGE_SIZE, err ? 0 : *dst_len, err, t0);
	return err;
}

/**
 * azr_decompress() - decompress one page into the caller's buffer
 * @comp:	the compressor
 * @strm:	a stream of @comp, taken
 * @src:	what azr_compress() produced with @comp
 * @src_len:	its length
 * @dst:	PAGE_SIZE bytes
 *
 * Never sleeps or allocates: may be called between azs_read_begin() and
 * azs_read_end().
 *
 * Return: 0, or -EINVAL when @src is not one page compressed by @comp.
 */
int azr_decompress(struct azr_comp *comp, struct azr_strm *strm,
		   const void *src, unsigned int src_len, void *dst)
{
	u64 t0 = trace_azram_decompress_enabled() ? ktime_get_ns() : 0;
	int err;

	lockdep_assert_held(&container_of(strm, struct azr_pcpu_strm,
					  strm)->lock);
	err = comp->ops->decompress(comp, strm, src, src_len, dst);
	trace_azram_decompress(comp, src_len, err ? 0 : PAGE_SIZE, err, t0);
	return err;
}
