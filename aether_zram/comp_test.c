// SPDX-License-Identifier: GPL-2.0
/*
 * comp_test.c - self-tests of the compressors and of a store's pages, run
 * at load with selftest=1
 *
 * DOC: Overview
 *
 * Each test states one behaviour:
 *
 *	names_levels	names parse (a sysfs newline allowed) and print
 *			back; every algorithm's levels are checked against
 *			its range, 0 resolving to its default, and a
 *			compressor with a bad level or algorithm is refused
 *	round_trip	for each algorithm at its lowest, default, a middle
 *			and its highest level, pages of text, of records, of
 *			zeroes, half random and all random come back byte
 *			for byte; the compressible ones shrink by a quarter
 *			at least (at lz4's highest accelerations only
 *			zeroes do)
 *	corrupt		a truncated or damaged compressed page is refused
 *			by the decompressor (-EINVAL), never overruns
 *	dictionary	a zstd dictionary round-trips and, on text like its
 *			own, compresses better than none (where the kernel
 *			exports the API); elsewhere, and for lz4, a
 *			dictionary is refused with -EOPNOTSUPP
 *	store_kinds	a store keeps a pattern page as a value, a random
 *			page raw (huge) and a text page compressed, loads
 *			each back, counts them, and frees them to zero
 *
 * The data is made here, deterministically (prandom with a fixed seed),
 * so that a failure repeats.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <aether/mm.h>

#include "internal.h"

/* True, with a report, when a check fails. */
static bool azr_ct_fail(bool failed, const char *what, const char *fn,
			int line)
{
	if (failed)
		pr_err("selftest %s: %s failed (line %d)\n", fn, what, line);
	return failed;
}

#define AZR_CT_FAIL(cond)	azr_ct_fail(!(cond), #cond, __func__, __LINE__)

enum azr_ct_data {
	AZR_CT_TEXT,
	AZR_CT_RECORDS,
	AZR_CT_ZEROES,
	AZR_CT_HALF_RANDOM,
	AZR_CT_RANDOM,
	AZR_CT_NR_DATA,
};

static const char *const azr_ct_data_name[AZR_CT_NR_DATA] = {
	"text", "records", "zeroes", "half random", "random",
};

static const char *const azr_ct_words[] = {
	"the", "page", "of", "a", "region", "is", "compressed", "when",
	"cold", "and", "comes", "back", "on", "fault", "static", "int",
	"struct", "return", "unsigned", "long", "if", "for", "while", "lock",
	"mutex_lock(&pool->lock);", "kfree(obj);", "0x1000", "-ENOMEM",
};

/* Words picked at random, separated by spaces and some newlines. */
static void azr_ct_fill_text(struct rnd_state *rnd, char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		u32 r = prandom_u32_state(rnd);
		const char *w = azr_ct_words[r % ARRAY_SIZE(azr_ct_words)];
		size_t n = min(strlen(w), len - pos);

		memcpy(buf + pos, w, n);
		pos += n;
		if (pos < len)
			buf[pos++] = (r >> 16) % 9 ? ' ' : '\n';
	}
}

/* An array of small structs: counters, flags, a few random fields. */
static void azr_ct_fill_records(struct rnd_state *rnd, void *buf, size_t len)
{
	struct {
		u64 id;
		u32 flags;
		u16 node;
		u16 order;
		u64 cookie;
	} *rec = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*rec); i++) {
		rec[i].id = 1000 + i;
		rec[i].flags = (i % 3) << 4;
		rec[i].node = i & 1;
		rec[i].order = 0;
		rec[i].cookie = i % 5 ? 0 : prandom_u32_state(rnd);
	}
}

static void azr_ct_fill(enum azr_ct_data kind, void *buf)
{
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 0x5eed + kind);
	switch (kind) {
	case AZR_CT_TEXT:
		azr_ct_fill_text(&rnd, buf, PAGE_SIZE);
		break;
	case AZR_CT_RECORDS:
		memset(buf, 0, PAGE_SIZE);
		azr_ct_fill_records(&rnd, buf, PAGE_SIZE);
		break;
	case AZR_CT_ZEROES:
		memset(buf, 0, PAGE_SIZE);
		break;
	case AZR_CT_HALF_RANDOM:
		azr_ct_fill_text(&rnd, buf, PAGE_SIZE / 2);
		prandom_bytes_state(&rnd, buf + PAGE_SIZE / 2, PAGE_SIZE / 2);
		break;
	default:
		prandom_bytes_state(&rnd, buf, PAGE_SIZE);
		break;
	}
}

static bool azr_ct_names_levels(void)
{
	bool failed = false;
	struct azr_comp *comp;

	failed |= AZR_CT_FAIL(azr_algo_parse("lz4") == AETHER_ZRAM_ALGO_LZ4);
	failed |= AZR_CT_FAIL(azr_algo_parse("lz4hc\n") == AETHER_ZRAM_ALGO_LZ4HC);
	failed |= AZR_CT_FAIL(azr_algo_parse("zstd") == AETHER_ZRAM_ALGO_ZSTD);
	failed |= AZR_CT_FAIL(azr_algo_parse("LZ4") == -EINVAL);
	failed |= AZR_CT_FAIL(azr_algo_parse("lz") == -EINVAL);
	failed |= AZR_CT_FAIL(azr_algo_parse("") == -EINVAL);
	failed |= AZR_CT_FAIL(!strcmp(azr_algo_name(AETHER_ZRAM_ALGO_DEFAULT), "lz4"));
	failed |= AZR_CT_FAIL(!strcmp(azr_algo_name(AETHER_ZRAM_ALGO_ZSTD), "zstd"));
	failed |= AZR_CT_FAIL(!azr_algo_name(AETHER_ZRAM_NR_ALGOS));
	failed |= AZR_CT_FAIL(azr_algo_available(AETHER_ZRAM_ALGO_LZ4HC));
	failed |= AZR_CT_FAIL(!azr_algo_available(AETHER_ZRAM_NR_ALGOS));

	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4, 0) == 1);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4, 65537) == 65537);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4, 65538) == -EINVAL);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4, -1) == -EINVAL);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4HC, 0) == 9);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_LZ4HC, 13) == -EINVAL);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_ZSTD, 0) == 3);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_ZSTD, 22) == 22);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_ALGO_ZSTD, 23) == -EINVAL);
	failed |= AZR_CT_FAIL(azr_level_check(AETHER_ZRAM_NR_ALGOS, 1) == -EINVAL);

	comp = azr_comp_create(AETHER_ZRAM_ALGO_LZ4HC, 13, NULL, 0);
	failed |= AZR_CT_FAIL(PTR_ERR_OR_ZERO(comp) == -EINVAL);
	comp = azr_comp_create(AETHER_ZRAM_NR_ALGOS, 0, NULL, 0);
	failed |= AZR_CT_FAIL(PTR_ERR_OR_ZERO(comp) == -EINVAL);
	/* So do lz4hc and zstd at their default levels. */
	comp = azr_comp_create(AETHER_ZRAM_ALGO_LZ4HC, 0, NULL, 0);
	if (!AZR_CT_FAIL(!IS_ERR(comp))) {
		failed |= AZR_CT_FAIL(azr_comp_same_bound(comp) > 0);
		azr_comp_destroy(comp);
	} else {
		failed = true;
	}
	comp = azr_comp_create(AETHER_ZRAM_ALGO_ZSTD, 0, NULL, 0);
	if (!AZR_CT_FAIL(!IS_ERR(comp))) {
		failed |= AZR_CT_FAIL(azr_comp_same_bound(comp) > 0);
		azr_comp_destroy(comp);
	} else {
		failed = true;
	}
	comp = azr_comp_create(AETHER_ZRAM_ALGO_DEFAULT, 0, NULL, 0);
	if (!AZR_CT_FAIL(!IS_ERR(comp))) {
		failed |= AZR_CT_FAIL(azr_comp_algo(comp) == AETHER_ZRAM_ALGO_LZ4);
		failed |= AZR_CT_FAIL(azr_comp_level(comp) == 1);
		failed |= AZR_CT_FAIL(azr_comp_streams(comp) == num_possible_cpus());
		/* lz4 at acceleration 1 shrinks same-filled pages: see comp.c. */
		failed |= AZR_CT_FAIL(azr_comp_same_bound(comp) > 0);
		azr_comp_destroy(comp);
	} else {
		failed = true;
	}
	return failed;
}

/*
 * Must @kind's page shrink by a quarter under @comp?  The compressible
 * kinds must, except that lz4 at a high acceleration skips nearly every
 * match and only still finds zeroes.
 */
static bool azr_ct_must_shrink(struct azr_comp *comp, enum azr_ct_data kind)
{
	if (kind == AZR_CT_ZEROES)
		return true;
	if (azr_comp_algo(comp) == AETHER_ZRAM_ALGO_LZ4 &&
	    azr_comp_level(comp) > 64)
		return false;
	return kind < AZR_CT_ZEROES;
}

/*
 * Compress @src with @comp and bring it back into @out; check the bytes
 * and, for compressible data, that it shrank.  *@len: the compressed size.
 */
static bool azr_ct_one(struct azr_comp *comp, enum azr_ct_data kind,
		       const void *src, void *out, unsigned int *len)
{
	struct azr_strm *strm = azr_strm_get(comp);
	int err;

	memset(out, 0xa5, PAGE_SIZE);
	err = azr_compress(comp, strm, src, len);
	if (!err)
		err = azr_decompress(comp, strm, strm->buffer, *len, out);
	azr_strm_put(comp, strm);
	if (err || memcmp(src, out, PAGE_SIZE)) {
		pr_err("selftest: %s level %d, %s: err %d, bytes %s\n",
		       azr_algo_name(azr_comp_algo(comp)), azr_comp_level(comp),
		       azr_ct_data_name[kind], err,
		       memcmp(src, out, PAGE_SIZE) ? "differ" : "equal");
		return true;
	}
	if (azr_ct_must_shrink(comp, kind) && *len >= PAGE_SIZE * 3 / 4) {
		pr_err("selftest: %s level %d, %s: %u bytes, want < %lu\n",
		       azr_algo_name(azr_comp_algo(comp)), azr_comp_level(comp),
		       azr_ct_data_name[kind], *len, PAGE_SIZE * 3 / 4);
		return true;
	}
	return false;
}

static bool azr_ct_round_trip_level(unsigned int algo, int level,
				    void *data, void *out)
{
	struct azr_comp *comp = azr_comp_create(algo, level, NULL, 0);
	bool failed = false;
	unsigned int kind, len;

	if (IS_ERR(comp)) {
		pr_err("selftest: %s level %d: create failed %ld\n",
		       azr_algo_name(algo), level, PTR_ERR(comp));
		return true;
	}
	for (kind = 0; kind < AZR_CT_NR_DATA; kind++)
		failed |= azr_ct_one(comp, kind, data + kind * PAGE_SIZE, out,
				     &len);
	azr_comp_destroy(comp);
	return failed;
}

static bool azr_ct_round_trip(void *data, void *out)
{
	static const int levels[][4] = {
		[AETHER_ZRAM_ALGO_LZ4] = { 1, 0, 17, 65537 },
		[AETHER_ZRAM_ALGO_LZ4HC] = { 1, 0, 4, 12 },
		[AETHER_ZRAM_ALGO_ZSTD] = { 1, 0, 9, 22 },
	};
	unsigned int algo, i;
	bool failed = false;

	for (algo = AETHER_ZRAM_ALGO_LZ4; algo < AETHER_ZRAM_NR_ALGOS; algo++)
		for (i = 0; i < ARRAY_SIZE(levels[algo]); i++)
			failed |= azr_ct_round_trip_level(algo,
							  levels[algo][i],
							  data, out);
	return failed;
}

/* A damaged stream is refused and writes no more than a page. */
static bool azr_ct_corrupt(void *data, void *out)
{
	unsigned int algo, len;
	bool failed = false;

	for (algo = AETHER_ZRAM_ALGO_LZ4; algo < AETHER_ZRAM_NR_ALGOS; algo++) {
		struct azr_comp *comp = azr_comp_create(algo, 0, NULL, 0);
		struct azr_strm *strm;
		u8 *buf;

		if (AZR_CT_FAIL(!IS_ERR(comp)))
			return true;
		strm = azr_strm_get(comp);
		buf = strm->buffer;
		failed |= AZR_CT_FAIL(!azr_compress(comp, strm, data, &len));
		/* Cut short: the page cannot be complete. */
		failed |= AZR_CT_FAIL(azr_decompress(comp, strm, buf, len / 2,
						     out) == -EINVAL);
		/* Garbage in the place of the stream. */
		memset(buf, 0xff, len);
		failed |= AZR_CT_FAIL(azr_decompress(comp, strm, buf, len,
						     out) == -EINVAL);
		azr_strm_put(comp, strm);
		azr_comp_destroy(comp);
	}
	return failed;
}

static bool azr_ct_dictionary(void *data, void *out)
{
	struct azr_comp *plain, *comp;
	unsigned int len_plain, len_dict;
	struct rnd_state rnd;
	bool failed = false;
	char *dict;

	comp = azr_comp_create(AETHER_ZRAM_ALGO_LZ4, 0, data, PAGE_SIZE);
	failed |= AZR_CT_FAIL(PTR_ERR_OR_ZERO(comp) == -EOPNOTSUPP);
	comp = azr_comp_create(AETHER_ZRAM_ALGO_ZSTD, 0, data, 0);
	failed |= AZR_CT_FAIL(PTR_ERR_OR_ZERO(comp) == -EINVAL);

	/* Raw content: text of the same words, other draws. */
	dict = kvmalloc(4 * PAGE_SIZE, GFP_KERNEL);
	if (AZR_CT_FAIL(dict))
		return true;
	prandom_seed_state(&rnd, 0xd1c7);
	azr_ct_fill_text(&rnd, dict, 4 * PAGE_SIZE);
	comp = azr_comp_create(AETHER_ZRAM_ALGO_ZSTD, 0, dict, 4 * PAGE_SIZE);
	/* Our copy: the caller's bytes may go. */
	memset(dict, 0, 4 * PAGE_SIZE);
	kvfree(dict);
	if (!AETHER_HAVE_ZSTD_DICT) {
		failed |= AZR_CT_FAIL(PTR_ERR_OR_ZERO(comp) == -EOPNOTSUPP);
		return failed;
	}
	if (AZR_CT_FAIL(!IS_ERR(comp)))
		return true;
	plain = azr_comp_create(AETHER_ZRAM_ALGO_ZSTD, 0, NULL, 0);
	if (!AZR_CT_FAIL(!IS_ERR(plain))) {
		failed |= azr_ct_one(comp, AZR_CT_TEXT, data, out, &len_dict);
		failed |= azr_ct_one(plain, AZR_CT_TEXT, data, out, &len_plain);
		failed |= AZR_CT_FAIL(len_dict < len_plain);
		pr_info("selftest: zstd text page: %u bytes with a dictionary, %u without\n",
			len_dict, len_plain);
		failed |= azr_ct_one(comp, AZR_CT_RANDOM,
				     data + AZR_CT_RANDOM * PAGE_SIZE, out,
				     &len_dict);
		azr_comp_destroy(plain);
	} else {
		failed = true;
	}
	azr_comp_destroy(comp);
	return failed;
}

/* Store @kind's page in @st; check the kind of entry and load it back. */
static bool azr_ct_store_one(struct azr_store *st, struct page *page,
			     struct page *back, u32 want_flags,
			     struct azr_entry *e)
{
	bool failed = false;
	int err;

	err = azr_store_page(st, page, e, GFP_KERNEL, 0);
	if (AZR_CT_FAIL(!err))
		return true;
	failed |= AZR_CT_FAIL(e->flags == want_flags);
	if (want_flags & AZR_E_HUGE)
		failed |= AZR_CT_FAIL(e->size == PAGE_SIZE);
	else if (!want_flags)
		failed |= AZR_CT_FAIL(e->size > 0 && e->size < PAGE_SIZE);
	memset_l(page_address(back), 0x33, PAGE_SIZE / sizeof(long));
	failed |= AZR_CT_FAIL(!azr_load_page(st, e, back));
	failed |= AZR_CT_FAIL(!memcmp(page_address(page), page_address(back),
				      PAGE_SIZE));
	return failed;
}

static bool azr_ct_store_kinds(void *data)
{
	struct azr_entry e[3] = { };
	struct page *page, *back;
	struct azr_store st;
	bool failed = false;
	unsigned int i;

	page = alloc_page(GFP_KERNEL);
	back = alloc_page(GFP_KERNEL);
	if (AZR_CT_FAIL(page && back) ||
	    AZR_CT_FAIL(!azr_store_init(&st, "selftest",
					AETHER_ZRAM_ALGO_LZ4, 0))) {
		failed = true;
		goto out;
	}
	memset_l(page_address(page), 0x0123456789abcdefUL,
		 PAGE_SIZE / sizeof(long));
	failed |= azr_ct_store_one(&st, page, back, AZR_E_SAME, &e[0]);
	memcpy(page_address(page), data + AZR_CT_RANDOM * PAGE_SIZE, PAGE_SIZE);
	/* random bytes do not shrink at all: incompressible too */
	failed |= azr_ct_store_one(&st, page, back, AZR_E_HUGE | AZR_E_INCOMP,
				   &e[1]);
	memcpy(page_address(page), data + AZR_CT_TEXT * PAGE_SIZE, PAGE_SIZE);
	failed |= azr_ct_store_one(&st, page, back, 0, &e[2]);

	failed |= AZR_CT_FAIL(atomic64_read(&st.pages_stored) == 3);
	failed |= AZR_CT_FAIL(atomic64_read(&st.same_pages) == 1);
	failed |= AZR_CT_FAIL(atomic64_read(&st.huge_pages) == 1);
	failed |= AZR_CT_FAIL(atomic64_read(&st.huge_pages_since) == 1);
	failed |= AZR_CT_FAIL(atomic64_read(&st.compr_data_size) ==
			      PAGE_SIZE + e[2].size);
	for (i = 0; i < ARRAY_SIZE(e); i++)
		if (e[i].flags || e[i].size)
			azr_free_entry(&st, &e[i]);
	failed |= AZR_CT_FAIL(atomic64_read(&st.pages_stored) == 0);
	failed |= AZR_CT_FAIL(atomic64_read(&st.same_pages) == 0);
	failed |= AZR_CT_FAIL(atomic64_read(&st.huge_pages) == 0);
	failed |= AZR_CT_FAIL(atomic64_read(&st.huge_pages_since) == 1);
	failed |= AZR_CT_FAIL(atomic64_read(&st.compr_data_size) == 0);
	azr_store_destroy(&st);
out:
	if (back)
		__free_page(back);
	if (page)
		__free_page(page);
	return failed;
}

/**
 * azr_comp_selftest() - run the compressor and store self-tests
 *
 * Context: process context, at module load.
 *
 * Return: 0 when every test passed, -EINVAL when one failed (the kernel
 * log says which), -ENOMEM.
 */
int azr_comp_selftest(void)
{
	void *data, *out;
	unsigned int kind;
	bool failed = false;

	data = kvmalloc(AZR_CT_NR_DATA * PAGE_SIZE, GFP_KERNEL);
	out = kvmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!data || !out) {
		kvfree(data);
		kvfree(out);
		return -ENOMEM;
	}
	for (kind = 0; kind < AZR_CT_NR_DATA; kind++)
		azr_ct_fill(kind, data + kind * PAGE_SIZE);

	failed |= azr_ct_names_levels();
	failed |= azr_ct_round_trip(data, out);
	failed |= azr_ct_corrupt(data, out);
	failed |= azr_ct_dictionary(data, out);
	failed |= azr_ct_store_kinds(data);
	kvfree(data);
	kvfree(out);
	if (failed)
		return -EINVAL;
	pr_info("compressor and store self-tests passed\n");
	return 0;
}
