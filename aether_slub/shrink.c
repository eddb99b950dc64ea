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
 * aether_mm has no hook yet to tell its clients that the pool itself runs
 * low (below a zone's low watermark); until it has, this shrinker and the
 * SHRINK ioctl are the two ways empty slabs go back.
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

static unsigned long aslub_shrink_scan(struct shrinker *sh,
				       struct shrink_control *sc)
{
	struct aslub_cache *s;
	unsigned long pages = 0;
	int nid;

	if (!mutex_trylock(&aslub_mutex))
		return SHRINK_STOP;
	list_for_each_entry(s, &aslub_caches, list) {
		aslub_drain_online(s);
		for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
			pages += aslub_node_trim(s, nid, 0);
		if (pages >= sc->nr_to_scan)
			break;
	}
	mutex_unlock(&aslub_mutex);
	atomic_long_add(pages, &aslub_shrunk_pages);
	return pages;
}

/**
 * aslub_shrinker_init() - register the shrinker
 *
 * Return: 0 or -ENOMEM.
 */
int aslub_shrinker_init(void)
{
	aslub_shrinker = shrinker_alloc(0, "aether_slub");
	if (!aslub_shrinker)
		return -ENOMEM;
	aslub_shrinker->count_objects = aslub_shrink_count;
	aslub_shrinker->scan_objects = aslub_shrink_scan;
	shrinker_register(aslub_shrinker);
	return 0;
}

/**
 * aslub_shrinker_exit() - unregister it
 */
void aslub_shrinker_exit(void)
{
	shrinker_free(aslub_shrinker);
	aslub_shrinker = NULL;
}
