// SPDX-License-Identifier: GPL-2.0
/*
 * shrink.c - empty slabs back to the pool when memory is short
 *
 * DOC: Overview
 *
 * A Linux shrinker counts the pages of every empty slab that a cache keeps
 * (up to empty_max per node), and a page for a cache whose CPUs hold free
 * objects; when reclaim asks, it empties the online CPUs' magazines (an
 * IPI per cache) and gives every empty slab back to the pool, from where
 * aether_mm's own shrinker can return whole chunks to Linux.  So
 * "echo 2 > /proc/sys/vm/drop_caches" leaves no free object anywhere.
 *
 * The pool asks too: this file registers a reclaim table with aether_mm
 * (struct aem_reclaim_ops), which calls it when the pool runs short (an
 * allocation found nothing even after growing, or a node below its low
 * watermark cannot grow): the same drain and trim, for the node short of
 * pages first.  The SHRINK ioctl is the third way.
 *
 * Locking: the scan takes aslub_mutex with a trylock, since reclaim may
 * run from an allocation made under it.
 */

#include <linux/shrinker.h>

#include "internal.h"

static struct shrinker *aslub_shrinker;

static unsigned long aslub_shrink_count(struct shrinker *sh,
					struct shrink_control *sc)
{
	struct aslub_cache *s;
	unsigned long pages = 0;
	int nid;

	if (!mutex_trylock(&aslub_mutex))
		return 0;
	list_for_each_entry(s, &aslub_caches, list) {
		u64 stat[ASLUB_NR_STATS], cached;

		for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
			if (s->node[nid])
				pages += READ_ONCE(s->node[nid]->nr_empty) <<
					 s->order;
		aslub_cpu_counts(s, stat, &cached);
		pages += cached ? 1 : 0;
	}
	mutex_unlock(&aslub_mutex);
	return pages ? pages : SHRINK_EMPTY;
}

/*
 * Empty every cache's CPU magazines and give its empty slabs back, those
 * of node @want first (NUMA_NO_NODE: every node alike), until @nr pages
 * went back.  Return: pages given back, or -1 when aslub_mutex was busy.
 */
static long aslub_reclaim_pages(int want, unsigned long nr)
{
	struct aslub_cache *s;
	unsigned long pages = 0;
	int nid;

	if (!mutex_trylock(&aslub_mutex))
		return -1;
	list_for_each_entry(s, &aslub_caches, list) {
		aslub_drain_online(s);
		if (want != NUMA_NO_NODE && want < ASLUB_MAX_NODES)
			pages += aslub_node_trim(s, want, 0);
		for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
			if (nid != want)
				pages += aslub_node_trim(s, nid, 0);
		if (pages >= nr)
			break;
	}
	mutex_unlock(&aslub_mutex);
	atomic_long_add(pages, &aslub_shrunk_pages);
	return pages;
}

static unsigned long aslub_shrink_scan(struct shrinker *sh,
				       struct shrink_control *sc)
{
	long pages = aslub_reclaim_pages(NUMA_NO_NODE, sc->nr_to_scan);

	return pages < 0 ? SHRINK_STOP : pages;
}

/* aether_mm runs short of pages. */
static unsigned long aslub_pool_reclaim(int nid, unsigned long nr_pages)
{
	long pages = aslub_reclaim_pages(nid, nr_pages);

	if (pages <= 0)
		return 0;
	atomic_long_add(pages, &aslub_pressure_pages);
	return pages;
}

static struct aem_reclaim_ops aslub_reclaim_ops = {
	.owner = THIS_MODULE,
	.reclaim = aslub_pool_reclaim,
};

/**
 * aslub_shrinker_init() - register the shrinker
 *
 * Return: 0 or -ENOMEM.
 */
int aslub_shrinker_init(void)
{
	int err;

	aslub_shrinker = shrinker_alloc(0, "aether_slub");
	if (!aslub_shrinker)
		return -ENOMEM;
	aslub_shrinker->count_objects = aslub_shrink_count;
	aslub_shrinker->scan_objects = aslub_shrink_scan;
	shrinker_register(aslub_shrinker);
	err = aem_register_reclaim(&aslub_reclaim_ops);
	if (err) {
		shrinker_free(aslub_shrinker);
		aslub_shrinker = NULL;
	}
	return err;
}

/**
 * aslub_shrinker_exit() - unregister it
 */
void aslub_shrinker_exit(void)
{
	aem_unregister_reclaim(&aslub_reclaim_ops);
	shrinker_free(aslub_shrinker);
	aslub_shrinker = NULL;
}
