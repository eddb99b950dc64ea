// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - the live objects of a cache, for debugfs caches/<name>/objects
 *
 * DOC: Overview
 *
 * A debug cache knows, for every slot, whether the object in it is in use
 * (struct aslub_meta), and who allocated it: each object in use gets a
 * line with its address (hashed, %p), its slab, node and index in the
 * slab, its size, and the pid, CPU and age of its allocation, then the
 * allocating stack when the cache tracks users (U):
 *
 *	obj 00000000c0ffee00 slab 000000004b1d5eed node 0 index 3 size 48 pid 71 cpu 1 age_ms 20
 *	  stack: aslub_alloc_direct+0x6b < aslub_cache_alloc+0x3a < ...
 *
 * A plain cache does not know which of a slab's objects are free and
 * which sit in a CPU's magazine, so it gets a line per slab with its
 * counts: objects off the freelist (in use, in a magazine, or lost to a
 * damaged freelist) and on it:
 *
 *	slab 000000004b1d5eed node 1 state partial objects 32 inuse 12 free 20 lost 0
 *
 * At most ASLUB_WALK_MAX lines are printed; the rest are counted, and a
 * last line says how many were listed of how many.
 *
 * Locking: each node's list_lock is held while its slabs are walked, so
 * that no object changes state and no slab goes back to the pool under
 * the walk; the lock is taken with interrupts off, which ASLUB_WALK_MAX
 * keeps short.  Printing into the seq_file buffer does not sleep.  The
 * file is removed, and its readers waited for, before a cache is freed
 * (debugfs.c).
 */

#include <linux/jiffies.h>
#include <linux/seq_file.h>

#include "internal.h"

#define ASLUB_WALK_MAX		512	/* lines of objects or slabs per read */
#define ASLUB_WALK_FRAMES	8	/* frames of a stack shown */

static const char * const aslub_walk_states[] = {
	[ASLUB_SLAB_EMPTY] = "empty",
	[ASLUB_SLAB_PARTIAL] = "partial",
	[ASLUB_SLAB_FULL] = "full",
};

/**
 * struct aslub_walk - one read of the objects file
 * @m:		where the lines go
 * @listed:	lines printed
 * @total:	lines there would be without ASLUB_WALK_MAX
 */
struct aslub_walk {
	struct seq_file *m;
	unsigned long listed;
	unsigned long total;
};

/* A line is due; false when the limit says it is only counted. */
static bool aslub_walk_line(struct aslub_walk *w)
{
	w->total++;
	if (w->listed >= ASLUB_WALK_MAX)
		return false;
	w->listed++;
	return true;
}

static void aslub_walk_stack(struct seq_file *m, depot_stack_handle_t stack)
{
	unsigned long *entries;
	unsigned int nr, i;

	if (!stack)
		return;
	nr = min_t(unsigned int, stack_depot_fetch(stack, &entries),
		   ASLUB_WALK_FRAMES);
	seq_puts(m, "  stack:");
	for (i = 0; i < nr; i++)
		seq_printf(m, "%s %pS", i ? " <" : "", (void *)entries[i]);
	seq_putc(m, '\n');
}

/* Every object in use on a slab of a debug cache. */
static void aslub_walk_debug_slab(struct aslub_walk *w, struct aslub_cache *s,
				  struct aslub_slab *slab)
{
	struct aslub_meta *meta;
	unsigned int i;
	void *obj;

	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	for (i = 0; i < s->objects; i++) {
		obj = slab->base + i * s->size;
		meta = aslub_meta(s, obj);
		if (meta->state != ASLUB_OBJ_INUSE || !aslub_walk_line(w))
			continue;
		seq_printf(w->m, "obj %p slab %p node %u index %u size %u pid %d cpu %d age_ms %u\n",
			   obj, slab->addr, slab->nid, i, s->object_size,
			   meta->alloc.pid, meta->alloc.cpu,
			   jiffies_to_msecs(jiffies - meta->alloc.when));
		aslub_walk_stack(w->m, meta->alloc.stack);
	}
}

/* One line for a slab of a plain cache. */
static void aslub_walk_plain_slab(struct aslub_walk *w, struct aslub_cache *s,
				  struct aslub_slab *slab)
{
	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	if (!aslub_walk_line(w))
		return;
	seq_printf(w->m, "slab %p node %u state %s objects %u inuse %u free %u lost %u\n",
		   slab->addr, slab->nid, aslub_walk_states[slab->state],
		   s->objects, slab->inuse - slab->lost,
		   s->objects - slab->inuse, slab->lost);
}

static void aslub_walk_list(struct aslub_walk *w, struct aslub_cache *s,
			    struct list_head *head)
{
	struct aslub_slab *slab;

	list_for_each_entry(slab, head, list) {
		if (aslub_debug(s))
			aslub_walk_debug_slab(w, s, slab);
		else
			aslub_walk_plain_slab(w, s, slab);
	}
}

static void aslub_walk_node(struct aslub_walk *w, struct aslub_cache *s,
			    struct aslub_node *n)
{
	unsigned long flags;

	spin_lock_irqsave(&n->list_lock, flags);
	aslub_walk_list(w, s, &n->partial);
	aslub_walk_list(w, s, &n->full);
	/* An empty slab has no object in use, but a plain cache lists it. */
	if (!aslub_debug(s))
		aslub_walk_list(w, s, &n->empty);
	spin_unlock_irqrestore(&n->list_lock, flags);
}

/**
 * aslub_walk_show() - print the live objects (or slabs) of a cache
 * @m: the seq_file; m->private is the cache
 * @v: unused
 *
 * Return: 0.
 */
int aslub_walk_show(struct seq_file *m, void *v)
{
	struct aslub_cache *s = m->private;
	struct aslub_walk w = { .m = m };
	int nid;

	seq_printf(m, "cache %s object_size %u slot %u objects_per_slab %u flags 0x%x\n",
		   s->name, s->object_size, s->size, s->objects, s->flags);
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		if (s->node[nid])
			aslub_walk_node(&w, s, s->node[nid]);
	seq_printf(m, "listed %lu of %lu %s%s\n", w.listed, w.total,
		   aslub_debug(s) ? "objects in use" : "slabs",
		   aslub_debug(s) ? "" :
		   " (inuse counts objects held in CPU magazines too)");
	return 0;
}
