// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - in-kernel self-tests, run at load with selftest=1
 *
 * DOC: Overview
 *
 * Each test works on a cache of its own and states one behaviour:
 *
 *	kmalloc_classes		every size maps to the smallest class that
 *				holds it, 96 and 192 included
 *	freelist_lifo		an object freed to its slab is the next one
 *				handed out, and the freelist counts add up
 *	slab_states		a slab goes EMPTY -> PARTIAL -> FULL as objects
 *				are taken and FULL -> PARTIAL -> EMPTY as they
 *				come back, on the right node list each time
 *	empty_limit		empty slabs beyond empty_max go back to the
 *				pool, the others stay
 *	magazine		the fast path refills from the slabs in a batch,
 *				serves from the CPU, and drains on shrink
 *	freelist_hardened	free pointers are stored obfuscated; one
 *				overwritten with a plain pointer is caught by
 *				validation and when the allocator reaches it,
 *				counted, never followed, and the slab is
 *				rebuilt once its objects are back
 *	bulk			bulk calls across magazine refills and flushes
 *				hand out distinct, zeroed objects of the cache,
 *				take them all back (NULL entries skipped,
 *				another node's objects to its remote array),
 *				and the counts add up
 *	krealloc_zero		__GFP_ZERO zeroes what a krealloc() grows by,
 *				in place after a shrink, on a move, and for
 *				blocks beyond the size classes
 *	validate_concurrent	validation of a poisoned cache takes the
 *				node lock once per slab and finds nothing
 *				wrong while a thread allocates and frees on
 *				the cache (slabs come, move between lists,
 *				and empty ones wait to go back to the pool)
 *
 * The slab tests use the node-level calls (aslub_alloc_direct(),
 * aslub_node_put()) so that no magazine hides the transitions.
 */

#include <linux/kthread.h>
#include <linux/slab.h>

#include "internal.h"

#define ASLUB_ST_SIZE	256

/* True, with a report, when a check fails. */
static bool aslub_st_fail(bool failed, const char *what, const char *fn,
			  int line)
{
	if (failed)
		pr_err("selftest %s: %s failed (line %d)\n", fn, what, line);
	return failed;
}

#define ASLUB_ST_FAIL(cond)	aslub_st_fail(!(cond), #cond, __func__, __LINE__)

static int aslub_st_kmalloc_classes(void)
{
	static const struct { unsigned int size, class; } cases[] = {
		{ 1, 8 }, { 8, 8 }, { 9, 16 }, { 33, 64 }, { 65, 96 },
		{ 96, 96 }, { 97, 128 }, { 129, 192 }, { 192, 192 },
		{ 193, 256 }, { 257, 512 }, { 4096, 4096 }, { 4097, 8192 },
		{ 16384, 16384 },
	};
	struct aslub_cache *s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s = aslub_kmalloc_cache(cases[i].size);
		if (ASLUB_ST_FAIL(s && s->object_size == cases[i].class))
			return -EINVAL;
	}
	if (ASLUB_ST_FAIL(!aslub_kmalloc_cache(16385)))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_kmalloc_cache(64)->align == 64))
		return -EINVAL;
	return 0;
}

static void aslub_st_lists(struct aslub_cache *s, int nid,
			   unsigned long *partial, unsigned long *full,
			   unsigned long *empty)
{
	struct aslub_node *n = s->node[nid];
	unsigned long flags;

	spin_lock_irqsave(&n->list_lock, flags);
	*partial = n->nr_partial;
	*full = n->nr_full;
	*empty = n->nr_empty;
	spin_unlock_irqrestore(&n->list_lock, flags);
}

static bool aslub_st_is(struct aslub_cache *s, int nid, unsigned long partial,
			unsigned long full, unsigned long empty)
{
	unsigned long p, f, e;

	aslub_st_lists(s, nid, &p, &f, &e);
	if (p == partial && f == full && e == empty)
		return true;
	pr_err("selftest: node %d lists partial %lu full %lu empty %lu, want %lu %lu %lu\n",
	       nid, p, f, e, partial, full, empty);
	return false;
}

static int aslub_st_freelist_lifo(struct aslub_cache *s, int nid)
{
	void *a, *b;

	a = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
	if (ASLUB_ST_FAIL(a))
		return -EINVAL;
	aslub_node_put(s, &a, 1);
	b = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
	if (ASLUB_ST_FAIL(b == a))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_virt_to_slab(b)->inuse == 1))
		return -EINVAL;
	aslub_node_put(s, &b, 1);
	if (ASLUB_ST_FAIL(aslub_validate(s) == 0))
		return -EINVAL;
	return 0;
}

/* Take a whole slab object by object, then give it back the same way. */
static int aslub_st_slab_states(struct aslub_cache *s, int nid, void **objs)
{
	unsigned long kept = aslub_empty_max ? 1 : 0;
	unsigned int i;

	if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 0, 0, kept)))
		return -EINVAL;
	for (i = 0; i < s->objects; i++) {
		objs[i] = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
		if (ASLUB_ST_FAIL(objs[i]))
			return -EINVAL;
		if (i + 1 < s->objects)
			if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 1, 0, 0)))
				return -EINVAL;
	}
	if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 0, 1, 0)))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_virt_to_slab(objs[0])->state == ASLUB_SLAB_FULL))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_validate(s) == 0))
		return -EINVAL;
	for (i = 0; i < s->objects; i++) {
		aslub_node_put(s, &objs[i], 1);
		if (i + 1 < s->objects)
			if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 1, 0, 0)))
				return -EINVAL;
	}
	if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 0, 0, 1 > aslub_empty_max ? 0 : 1)))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_validate(s) == 0))
		return -EINVAL;
	return 0;
}

/* Fill empty_max + 2 slabs, free them all: two go back to the pool. */
static int aslub_st_empty_limit(struct aslub_cache *s, int nid)
{
	unsigned int nr = (aslub_empty_max + 2) * s->objects, i;
	long freed = atomic_long_read(&s->slabs_freed);
	void **objs;
	int ret = 0;

	objs = kcalloc(nr, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		objs[i] = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
		if (!objs[i])
			break;
	}
	if (i < nr) {
		pr_err("selftest %s: allocation %u of %u failed\n", __func__,
		       i, nr);
		ret = -ENOMEM;
	}
	aslub_node_put(s, objs, i);
	kfree(objs);
	if (ret)
		return ret;
	if (ASLUB_ST_FAIL(aslub_st_is(s, nid, 0, 0, aslub_empty_max)))
		return -EINVAL;
	if (ASLUB_ST_FAIL(atomic_long_read(&s->slabs_freed) - freed == 2))
		return -EINVAL;
	return 0;
}

static int aslub_st_magazine(struct aslub_cache *s)
{
	u64 stat[ASLUB_NR_STATS], cached;
	void *a, *b;

	a = aslub_cache_alloc(s, GFP_KERNEL);
	if (ASLUB_ST_FAIL(a))
		return -EINVAL;
	b = aslub_cache_alloc(s, GFP_KERNEL);
	if (ASLUB_ST_FAIL(b))
		return -EINVAL;
	aslub_cache_free(s, b);
	aslub_cache_free(s, a);
	aslub_cpu_counts(s, stat, &cached);
	if (ASLUB_ST_FAIL(stat[ASLUB_REFILL] >= 1))
		return -EINVAL;
	if (ASLUB_ST_FAIL(stat[ASLUB_ALLOC_FAST] + stat[ASLUB_ALLOC_SLOW] == 2))
		return -EINVAL;
	if (ASLUB_ST_FAIL(cached >= 2))
		return -EINVAL;
	aslub_cache_shrink(s);
	aslub_cpu_counts(s, stat, &cached);
	if (ASLUB_ST_FAIL(cached == 0))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_cache_live(s) == 0))
		return -EINVAL;
	return 0;
}

/* Damage the free pointer of @b, the head of its slab's freelist. */
static int aslub_st_fp_damage(struct aslub_cache *s, struct aslub_slab *slab,
			      void *b)
{
	unsigned long *stored = b + s->fp_off;

	if (ASLUB_ST_FAIL(aslub_get_fp(s, b) == b + s->size))
		return -EINVAL;
	/* Obfuscated: what is stored is not the pointer itself. */
	if (ASLUB_ST_FAIL(*stored != (unsigned long)(b + s->size)))
		return -EINVAL;
	/* What a use after free would write: a plausible pointer. */
	*stored = (unsigned long)(b + 2 * s->size);
	if (ASLUB_ST_FAIL(aslub_validate(s) >= 1))
		return -EINVAL;
	return 0;
}

/* The allocator reaches the damaged pointer: cut, counted, not followed. */
static int aslub_st_fp_cut(struct aslub_cache *s, struct aslub_slab *slab,
			   void *b, int nid)
{
	void *obj, *other;

	obj = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
	if (ASLUB_ST_FAIL(obj == b))
		return -EINVAL;
	if (ASLUB_ST_FAIL(atomic_long_read(&s->fp_corrupt) == 1))
		return -EINVAL;
	if (ASLUB_ST_FAIL(slab->state == ASLUB_SLAB_FULL &&
			  slab->lost == s->objects - 2))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_cache_live(s) == 2))
		return -EINVAL;
	other = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
	if (ASLUB_ST_FAIL(other))
		return -EINVAL;
	obj = aslub_virt_to_slab(other);
	aslub_node_put(s, &other, 1);
	if (ASLUB_ST_FAIL(obj != slab))
		return -EINVAL;
	return 0;
}

static int aslub_st_freelist_hardened(int nid)
{
	unsigned long partial, full, empty;
	struct aslub_slab *slab;
	struct aslub_cache *s;
	void *a, *b;
	int ret;

	s = __aslub_cache_create("aslub-selftest-fp", 128, 0, 0, NULL, false);
	if (IS_ERR(s))
		return PTR_ERR(s);
	a = aslub_alloc_direct(s, GFP_KERNEL | __GFP_THISNODE, nid);
	if (ASLUB_ST_FAIL(a)) {
		ret = -ENOMEM;
		goto out;
	}
	slab = aslub_virt_to_slab(a);
	b = slab->freelist;
	ret = aslub_st_fp_damage(s, slab, b);
	if (!ret)
		ret = aslub_st_fp_cut(s, slab, b, nid);
	if (!ret) {
		aslub_node_put(s, &b, 1);
		if (ASLUB_ST_FAIL(slab->lost == s->objects - 2))
			ret = -EINVAL;
	}
	aslub_node_put(s, &a, 1);
	/*
	 * Both objects back: the slab is rebuilt, empty (or back in the
	 * pool, by empty_max, so it is not looked at any more).
	 */
	aslub_st_lists(s, nid, &partial, &full, &empty);
	if (!ret && ASLUB_ST_FAIL(atomic_long_read(&s->lost) == 0 &&
				  !partial && !full))
		ret = -EINVAL;
	if (!ret && ASLUB_ST_FAIL(aslub_validate(s) == 0 &&
				  aslub_cache_live(s) == 0))
		ret = -EINVAL;
out:
	if (aslub_cache_destroy(s) && !ret)
		ret = -EBUSY;
	return ret;
}

/* @p[@from..@to) all @c? */
static bool aslub_st_bytes(const u8 *p, size_t from, size_t to, u8 c)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (p[i] != c) {
			pr_err("selftest: byte %zu is 0x%02x, want 0x%02x\n", i,
			       p[i], c);
			return false;
		}
	}
	return true;
}

#define ASLUB_ST_BULK		300	/* more than a magazine holds */
#define ASLUB_ST_REMOTE		20

/*
 * Can the pool give @s a page on @nid alone?  The slab tests take
 * __GFP_THISNODE slabs, and a node whose pool got no chunk from Linux (a
 * node too fragmented for a max-order block) has none to give.
 */
static bool aslub_st_node_has_pages(struct aslub_cache *s, int nid)
{
	struct aem_frame *f;

	if (nid < 0 || nid >= ASLUB_MAX_NODES || !s->node[nid] ||
	    !node_state(nid, N_MEMORY))
		return false;
	f = aem_alloc_pages(nid, 0, AEM_OWNER(AEM_OWNER_SLUB) |
				    AEM_ALLOC_THISNODE);
	if (!f)
		return false;
	aem_free_pages(f, 0);
	return true;
}

/* Another node than @nid with pool pages for @s, or NUMA_NO_NODE. */
static int aslub_st_other_node(struct aslub_cache *s, int nid)
{
	int other;

	for (other = 0; other < ASLUB_MAX_NODES; other++)
		if (other != nid && aslub_st_node_has_pages(s, other))
			return other;
	return NUMA_NO_NODE;
}

/* Every object of @p ours, zeroed, and none twice: each keeps its mark. */
static int aslub_st_bulk_check(struct aslub_cache *s, void **p,
			       unsigned int nr)
{
	struct aslub_slab *slab;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		slab = aslub_obj_slab(p[i]);
		if (ASLUB_ST_FAIL(slab && slab->cache == s &&
				  aslub_slab_contains(slab, p[i]) &&
				  aslub_st_bytes(p[i], 0, s->object_size, 0)))
			return -EINVAL;
		memset(p[i], i & 0xff, s->object_size);
	}
	for (i = 0; i < nr; i++)
		if (ASLUB_ST_FAIL(aslub_st_bytes(p[i], 0, s->object_size,
						 i & 0xff)))
			return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_cache_live(s) == nr))
		return -EINVAL;
	return 0;
}

/* One round: allocate, check, add remote objects, free with a NULL. */
static int aslub_st_bulk_round(struct aslub_cache *s, void **p, int other)
{
	u64 stat[ASLUB_NR_STATS], cached, remote;
	unsigned int nr = ASLUB_ST_BULK, i;
	void *held;
	int ret;

	if (ASLUB_ST_FAIL(aslub_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO,
						 nr, p) == nr))
		return -ENOMEM;
	ret = aslub_st_bulk_check(s, p, nr);
	for (i = 0; !ret && other != NUMA_NO_NODE && i < ASLUB_ST_REMOTE; i++) {
		p[nr] = aslub_cache_alloc_node(s, GFP_KERNEL | __GFP_THISNODE,
					       other);
		if (ASLUB_ST_FAIL(p[nr]))
			ret = -ENOMEM;
		else
			nr++;
	}
	aslub_cpu_counts(s, stat, &cached);
	remote = stat[ASLUB_FREE_REMOTE];
	held = p[nr / 2];
	p[nr / 2] = NULL;
	aslub_cache_free_bulk(s, nr, p);
	aslub_cache_free(s, held);
	aslub_cpu_counts(s, stat, &cached);
	if (!ret && ASLUB_ST_FAIL(aslub_cache_live(s) == 0 &&
				  stat[ASLUB_FREE_REMOTE] - remote ==
				  nr - ASLUB_ST_BULK))
		ret = -EINVAL;
	return ret;
}

static int aslub_st_bulk(void)
{
	struct aslub_cache *s;
	int ret = 0, round;
	void **p;

	s = __aslub_cache_create("aslub-selftest-bulk", 64, 0, 0, NULL, false);
	if (IS_ERR(s))
		return PTR_ERR(s);
	p = kcalloc(ASLUB_ST_BULK + ASLUB_ST_REMOTE, sizeof(*p), GFP_KERNEL);
	if (!p)
		ret = -ENOMEM;
	/*
	 * A round counts the frees of another node's objects as remote: it
	 * stays on one CPU, and "other" is other than that CPU's node (a
	 * round the scheduler moved to the other node's CPU between its
	 * allocations and its frees counted every free wrong, at load).
	 */
	for (round = 0; !ret && round < 3; round++) {
		migrate_disable();
		ret = aslub_st_bulk_round(s, p,
					  aslub_st_other_node(s, numa_mem_id()));
		migrate_enable();
	}
	kfree(p);
	if (!ret && ASLUB_ST_FAIL(aslub_validate(s) == 0))
		ret = -EINVAL;
	if (aslub_cache_destroy(s) && !ret)
		ret = -EBUSY;
	return ret;
}

#define ASLUB_ST_VALIDATE_OBJS	2048
#define ASLUB_ST_VALIDATE_PASSES 20

/* Allocate and free runs of objects of @arg, a cache, until stopped. */
static int aslub_st_churn(void *arg)
{
	struct aslub_cache *s = arg;
	void *objs[64];
	unsigned int i, n;

	while (!kthread_should_stop()) {
		for (n = 0; n < ARRAY_SIZE(objs); n++) {
			objs[n] = aslub_cache_alloc(s, GFP_KERNEL);
			if (!objs[n])
				break;
			memset(objs[n], 0x3c, s->object_size);
		}
		for (i = 0; i < n; i++)
			aslub_cache_free(s, objs[i]);
		cond_resched();
	}
	return 0;
}

/* Validation passes over @s, with a thread churning on it meanwhile. */
static int aslub_st_validate_passes(struct aslub_cache *s)
{
	struct task_struct *t;
	int i, ret = 0;

	t = kthread_run(aslub_st_churn, s, "aslub_st_churn");
	if (IS_ERR(t))
		return PTR_ERR(t);
	for (i = 0; i < ASLUB_ST_VALIDATE_PASSES && !ret; i++) {
		if (ASLUB_ST_FAIL(aslub_validate(s) == 0) ||
		    ASLUB_ST_FAIL(s->validate_slabs > 0 &&
				  s->validate_holds > s->validate_slabs))
			ret = -EINVAL;
	}
	kthread_stop(t);
	return ret;
}

static int aslub_st_validate_concurrent(void)
{
	struct aslub_cache *s;
	unsigned int i;
	void **objs;
	int ret;

	s = __aslub_cache_create("aslub-selftest-validate", 64, 0,
				 ASLUB_POISON, NULL, false);
	if (IS_ERR(s))
		return PTR_ERR(s);
	objs = kcalloc(ASLUB_ST_VALIDATE_OBJS, sizeof(*objs), GFP_KERNEL);
	ret = objs ? 0 : -ENOMEM;
	for (i = 0; !ret && i < ASLUB_ST_VALIDATE_OBJS; i++) {
		objs[i] = aslub_cache_alloc(s, GFP_KERNEL);
		if (!objs[i])
			ret = -ENOMEM;
	}
	/* Every other object free: many partial slabs to walk. */
	for (i = 0; !ret && i < ASLUB_ST_VALIDATE_OBJS; i += 2) {
		aslub_cache_free(s, objs[i]);
		objs[i] = NULL;
	}
	if (!ret)
		ret = aslub_st_validate_passes(s);
	for (i = 0; objs && i < ASLUB_ST_VALIDATE_OBJS; i++)
		aslub_cache_free(s, objs[i]);
	kfree(objs);
	if (aslub_cache_destroy(s) && !ret)
		ret = -EBUSY;
	return ret;
}

/* Shrink then grow in place, within the class of 256 bytes, then move. */
static int aslub_st_krealloc_class(u8 **pp)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	u8 *p = *pp, *q;

	memset(p, 0xaa, 200);
	if (ASLUB_ST_FAIL(aslub_krealloc(p, 50, gfp) == p))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_krealloc(p, 180, gfp) == p))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_st_bytes(p, 0, 50, 0xaa) &&
			  aslub_st_bytes(p, 50, aslub_ksize(p), 0)))
		return -EINVAL;
	memset(p + 50, 0xbb, 130);
	q = aslub_krealloc(p, 1000, gfp);
	if (ASLUB_ST_FAIL(q && q != p))
		return -EINVAL;
	*pp = q;
	if (ASLUB_ST_FAIL(aslub_st_bytes(q, 0, 50, 0xaa) &&
			  aslub_st_bytes(q, 50, 180, 0xbb) &&
			  aslub_st_bytes(q, 180, aslub_ksize(q), 0)))
		return -EINVAL;
	return 0;
}

/* The same beyond the classes: a pool block of its own, order 3. */
static int aslub_st_krealloc_large(u8 **pp)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	u8 *p;

	p = aslub_krealloc(*pp, 20000, gfp);
	if (ASLUB_ST_FAIL(p))
		return -ENOMEM;
	*pp = p;
	if (ASLUB_ST_FAIL(aslub_ksize(p) == PAGE_SIZE << 3 &&
			  aslub_st_bytes(p, 0, 50, 0xaa) &&
			  aslub_st_bytes(p, 1000, aslub_ksize(p), 0)))
		return -EINVAL;
	memset(p, 0xcc, 20000);
	if (ASLUB_ST_FAIL(aslub_krealloc(p, 5000, gfp) == p))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_krealloc(p, 30000, gfp) == p))
		return -EINVAL;
	if (ASLUB_ST_FAIL(aslub_st_bytes(p, 0, 5000, 0xcc) &&
			  aslub_st_bytes(p, 5000, aslub_ksize(p), 0)))
		return -EINVAL;
	return 0;
}

static int aslub_st_krealloc_zero(void)
{
	u8 *p = aslub_kzalloc(200, GFP_KERNEL);
	int ret;

	if (ASLUB_ST_FAIL(p && aslub_ksize(p) == 256)) {
		aslub_kfree(p);
		return -ENOMEM;
	}
	ret = aslub_st_krealloc_class(&p);
	if (!ret)
		ret = aslub_st_krealloc_large(&p);
	aslub_kfree(p);
	return ret;
}

static int aslub_st_slabs(struct aslub_cache *s, int nid)
{
	void **objs;
	int ret;

	ret = aslub_st_freelist_lifo(s, nid);
	if (ret)
		return ret;
	objs = kcalloc(s->objects, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	ret = aslub_st_slab_states(s, nid, objs);
	kfree(objs);
	if (ret)
		return ret;
	ret = aslub_st_empty_limit(s, nid);
	if (ret)
		return ret;
	/* A CPU's magazine holds objects of its own node only. */
	if (nid != numa_mem_id())
		return 0;
	return aslub_st_magazine(s);
}

/* The caller's node, or else the first that has pages; or NUMA_NO_NODE. */
static int aslub_st_node(struct aslub_cache *s)
{
	int want = numa_mem_id(), nid;

	if (aslub_st_node_has_pages(s, want))
		return want;
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++) {
		if (nid != want && aslub_st_node_has_pages(s, nid)) {
			pr_info("selftest: no pool page on node %d, slab tests on node %d\n",
				want, nid);
			return nid;
		}
	}
	return NUMA_NO_NODE;
}

/**
 * aslub_selftest_run() - run every self-test
 *
 * Return: 0 when all pass, else the first failure's error.
 */
int aslub_selftest_run(void)
{
	struct aslub_cache *s;
	int nid, ret;

	ret = aslub_st_kmalloc_classes();
	if (ret)
		return ret;
	ret = aslub_st_krealloc_zero();
	if (ret)
		return ret;
	s = __aslub_cache_create("aslub-selftest", ASLUB_ST_SIZE, 0, 0, NULL,
				 false);
	if (IS_ERR(s))
		return PTR_ERR(s);
	nid = aslub_st_node(s);
	if (nid == NUMA_NO_NODE) {
		pr_err("selftest: the pool has no page on any node\n");
		ret = -ENOMEM;
	} else {
		ret = aslub_st_slabs(s, nid);
	}
	if (aslub_cache_destroy(s) && !ret)
		ret = -EBUSY;
	if (!ret)
		ret = aslub_st_freelist_hardened(nid);
	/*
	 * The magazine and bulk tests count what the caller's CPU does with
	 * objects of its own node: without pool pages there, its allocations
	 * go straight to another node's slabs and its frees are remote.
	 */
	if (!ret && nid == numa_mem_id())
		ret = aslub_st_bulk();
	else if (!ret)
		pr_info("selftest: magazines and bulk not tested: no pool page on node %d\n",
			numa_mem_id());
	if (!ret)
		ret = aslub_st_validate_concurrent();
	if (!ret)
		pr_info("self-tests passed\n");
	return ret;
}
