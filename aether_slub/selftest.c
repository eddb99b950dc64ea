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
 *
 * The slab tests use the node-level calls (aslub_alloc_direct(),
 * aslub_node_put()) so that no magazine hides the transitions.
 */

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
	return aslub_st_magazine(s);
}

/**
 * aslub_selftest_run() - run every self-test
 *
 * Return: 0 when all pass, else the first failure's error.
 */
int aslub_selftest_run(void)
{
	struct aslub_cache *s;
	int nid = numa_mem_id(), ret;

	ret = aslub_st_kmalloc_classes();
	if (ret)
		return ret;
	s = __aslub_cache_create("aslub-selftest", ASLUB_ST_SIZE, 0, 0, NULL,
				 false);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (nid >= ASLUB_MAX_NODES || !s->node[nid])
		nid = first_memory_node;
	ret = aslub_st_slabs(s, nid);
	if (aslub_cache_destroy(s) && !ret)
		ret = -EBUSY;
	if (!ret)
		pr_info("self-tests passed\n");
	return ret;
}
