// SPDX-License-Identifier: GPL-2.0
/*
 * slab.c - slabs: blocks of the pool cut into objects, and the node lists
 *
 * DOC: Overview
 *
 * A slab is one block of 2^order pages from aem_alloc_pages(), owned by
 * AEM_OWNER_SLUB.  Its descriptor, struct aslub_slab, is kept off the slab
 * (as SLAB's OFF_SLAB did) so that a slab of two 16 KiB objects loses no
 * room to it, and every page of the block points at it through
 * page->private: the pool's pages are ordinary order-0 pages to Linux, and
 * private is free for the block's owner.  A head page of a large kmalloc
 * carries ASLUB_LARGE_TAG there instead (kmalloc.c).
 *
 * The objects of a slab start at a colour offset: successive slabs of a
 * cache start at successive multiples of the colour unit (a cache line, or
 * the alignment if larger) within the room the slots leave over, so that
 * the first objects of many slabs do not all compete for the same cache
 * sets.  Each object sits in a slot of @size bytes:
 *
 *	| red zone | object | red zone | free pointer | aslub_meta |  (debug)
 *	| object (free pointer at 0)                                |  (plain)
 *
 * A plain cache keeps the free pointer inside the free object; a cache
 * with a constructor or any debug flag keeps it after the object, so that
 * neither the constructed state nor the poison is overwritten.  The left
 * red zone exists with ASLUB_RED_ZONE only; @base is the first object, so
 * the first slot starts @red_left bytes before it.
 *
 * Free pointers are stored obfuscated (internal.h).  Every one taken off
 * a freelist is checked: it must be the start of a slot of the same slab,
 * and the chain must end exactly when the slab's count says it does.  A
 * pointer that fails is reported and counted (errors_corrupt and
 * freelist_corrupt in debugfs) and the rest of the freelist is given up:
 * those objects are "lost", counted as used so that the counts stay
 * right, and never handed out.  When every other object of the slab has
 * come back the slab holds nothing live, and its freelist is built anew.
 *
 * Life of a slab, by its objects in use (@inuse counts objects off the
 * slab's freelist, including those parked in a CPU's magazine):
 *
 *	new (from the pool) --> EMPTY --take--> PARTIAL --take--> FULL
 *	                          ^               |  ^              |
 *	                          +-----put-------+  +-----put------+
 *	EMPTY beyond @empty_max per node, or on shrink --> back to the pool
 *
 * Each node of a cache keeps one list per state.  Allocation takes from
 * the most recently used partial slab first, then from an empty one, and
 * only then asks the pool for a new slab, on the node asked for (the pool
 * falls back by distance); when the pool has nothing, the partial slabs of
 * the other nodes are tried by node_distance().
 *
 * A slab of a user's cache (made through /dev/aether_slub, @user set) is
 * charged to that user's entry of aether_mm's per-user bound, all its
 * 2^order pages, from the moment it is taken from the pool until it goes
 * back, whatever it holds: EMPTY slabs kept for reuse and PARTIAL ones
 * with a single live object pin the pool alike.  Past the bound no new
 * slab is made and the allocation fails as if the pool had nothing, so
 * a user who frees all but one object of every slab holds no more of the
 * pool than the bound.  The objects of such a cache are not charged one
 * by one (chardev.c); the kernel's caches, the kmalloc classes included,
 * charge nobody here.
 *
 * Lock order (whole module):
 *
 *  1. aslub_file->lock (mutex, chardev.c): one open file's caches and
 *     objects.
 *  2. cpu_hotplug_lock (cpus_read_lock(), Linux's): no CPU comes or goes
 *     while a cache is destroyed or shrunk, so that offline CPUs can be
 *     drained directly; the hotplug callback (cpu.c) runs with it held
 *     for writing and takes 3.
 *  3. aslub_mutex (mutex, cache.c): the list of caches; creation,
 *     destruction, shrinking, the debugfs tables and the hotplug
 *     callback's walk.
 *  4. aslub_cache->validate_lock (mutex, cache.c): one validation of a
 *     cache at a time, its pass number and figures.  Taken under 1 at
 *     most, never with 2 or 3 held.
 *  5. aslub_cpu->lock (local_lock, interrupts off, cpu.c): one CPU's
 *     magazine and remote-free arrays.  Another CPU reaches them only
 *     through an IPI (aslub_drain_all()), or once the CPU is dead.
 *  6. aslub_node->list_lock (spinlock, interrupts off): a node's slab
 *     lists and counters, @validating, and every slab's freelist,
 *     @inuse, @lost, @state and @vseq.  Never two nodes' locks at once.
 *     Held for one slab at a time by a validation, which lets it go
 *     between slabs.
 *  7. aslub_report_lock (spinlock, debug.c): the report buffer.
 *
 * The pool's own locks come after 5 and never with 6 held: slabs are
 * taken from and given back to the pool outside the list_lock.
 */

#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "internal.h"

/* The descriptor's own memory: Linux's kmalloc, as cheap as the caller. */
static gfp_t aslub_desc_gfp(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) ? GFP_KERNEL : GFP_NOWAIT | __GFP_NOWARN;
}

static unsigned int aslub_aem_flags(gfp_t gfp, int nid)
{
	unsigned int flags = AEM_OWNER(AEM_OWNER_SLUB);

	if (!gfpflags_allow_blocking(gfp))
		flags |= AEM_ALLOC_ATOMIC;
	if ((gfp & __GFP_THISNODE) && nid != NUMA_NO_NODE)
		flags |= AEM_ALLOC_THISNODE;
	return flags;
}

/**
 * aslub_nodes_init() - one struct aslub_node per possible node
 * @s: the cache
 *
 * Return: 0 or -ENOMEM.
 */
int aslub_nodes_init(struct aslub_cache *s)
{
	struct aslub_node *n;
	int nid;

	for (nid = 0; nid < min_t(int, nr_node_ids, ASLUB_MAX_NODES); nid++) {
		n = kzalloc_node(sizeof(*n), GFP_KERNEL, nid);
		if (!n)
			return -ENOMEM;
		spin_lock_init(&n->list_lock);
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->full);
		INIT_LIST_HEAD(&n->empty);
		s->node[nid] = n;
	}
	return 0;
}

/**
 * aslub_nodes_free() - free the node structs of a cache without slabs
 * @s: the cache
 */
void aslub_nodes_free(struct aslub_cache *s)
{
	int nid;

	for (nid = 0; nid < ASLUB_MAX_NODES; nid++) {
		kfree(s->node[nid]);
		s->node[nid] = NULL;
	}
}

/* Build the freelist of a new slab, in address order, and run the ctor. */
static void aslub_slab_format(struct aslub_cache *s, struct aslub_slab *slab)
{
	void *obj = slab->base, *next;
	unsigned int i;

	if (aslub_debug(s))
		aslub_debug_slab_init(s, slab);
	for (i = 0; i < s->objects; i++, obj = next) {
		next = i + 1 < s->objects ? obj + s->size : NULL;
		if (s->ctor)
			s->ctor(obj);
		aslub_set_fp(s, obj, next);
	}
	slab->freelist = slab->base;
}

static void aslub_slab_set_pages(struct aslub_slab *slab, unsigned int nr,
				 unsigned long val)
{
	struct page *page = aem_frame_page(slab->frame);
	unsigned int i;

	for (i = 0; i < nr; i++)
		set_page_private(nth_page(page, i), val);
}

/**
 * aslub_slab_new() - take a block from the pool and make it a slab
 * @s: the cache
 * @gfp: may it sleep (pool growth), __GFP_THISNODE
 * @nid: node to ask the pool for, or NUMA_NO_NODE for this CPU's
 *
 * The slab is not on any list yet: aslub_slab_publish() puts it there.
 *
 * Return: the slab, or NULL when the pool (or kmalloc) has nothing, or
 * when the slab would take the owner of a user's cache past its bound.
 */
struct aslub_slab *aslub_slab_new(struct aslub_cache *s, gfp_t gfp, int nid)
{
	struct aslub_slab *slab;
	unsigned int colour = 0;

	if (s->user && aem_user_charge(s->user, PAGE_SIZE << s->order,
				       s->user_force))
		return NULL;
	slab = kmalloc_node(sizeof(*slab), aslub_desc_gfp(gfp), nid);
	if (!slab)
		goto out_uncharge;
	slab->frame = aem_alloc_pages(nid, s->order, aslub_aem_flags(gfp, nid));
	if (!slab->frame)
		goto out_free;
	INIT_LIST_HEAD(&slab->list);
	slab->cache = s;
	slab->addr = page_address(aem_frame_page(slab->frame));
	if (s->colours > 1)
		colour = (unsigned int)atomic_inc_return(&s->colour_next) %
			 s->colours;
	slab->base = slab->addr + colour * s->colour_unit + s->red_left;
	slab->inuse = 0;
	slab->lost = 0;
	slab->nid = aem_frame_nid(slab->frame);
	slab->state = ASLUB_SLAB_EMPTY;
	slab->vseq = 0;
	slab->magic = ASLUB_SLAB_MAGIC;
	aslub_slab_format(s, slab);
	aslub_slab_set_pages(slab, aslub_slab_pages(s), (unsigned long)slab);
	atomic_long_inc(&s->slabs_allocated);
	return slab;

out_free:
	kfree(slab);
out_uncharge:
	if (s->user)
		aem_user_uncharge(s->user, PAGE_SIZE << s->order);
	return NULL;
}

/* Give a slab that is on no list back to the pool. */
static void aslub_slab_free(struct aslub_cache *s, struct aslub_slab *slab)
{
	aslub_slab_set_pages(slab, aslub_slab_pages(s), 0);
	slab->magic = 0;
	aem_free_pages(slab->frame, s->order);
	kfree(slab);
	if (s->user)
		aem_user_uncharge(s->user, PAGE_SIZE << s->order);
	atomic_long_inc(&s->slabs_freed);
}

static void aslub_slab_free_list(struct aslub_cache *s, struct list_head *list)
{
	struct aslub_slab *slab, *tmp;

	list_for_each_entry_safe(slab, tmp, list, list) {
		list_del(&slab->list);
		aslub_slab_free(s, slab);
	}
}

/**
 * aslub_state_list() - the list of a node for slabs in a state
 * @n: the node, whose list_lock is held
 * @state: enum aslub_slab_state
 * @count: receives the list's counter
 *
 * Return: the list head.
 */
struct list_head *aslub_state_list(struct aslub_node *n, unsigned int state,
				   unsigned long **count)
{
	switch (state) {
	case ASLUB_SLAB_PARTIAL:
		*count = &n->nr_partial;
		return &n->partial;
	case ASLUB_SLAB_FULL:
		*count = &n->nr_full;
		return &n->full;
	default:
		*count = &n->nr_empty;
		return &n->empty;
	}
}

/* Move @slab to the list its @inuse says it belongs on. */
static void aslub_slab_update(struct aslub_cache *s, struct aslub_node *n,
			      struct aslub_slab *slab)
{
	unsigned int state;
	unsigned long *count;
	struct list_head *head;

	lockdep_assert_held(&n->list_lock);

	if (!slab->inuse)
		state = ASLUB_SLAB_EMPTY;
	else if (slab->inuse == s->objects)
		state = ASLUB_SLAB_FULL;
	else
		state = ASLUB_SLAB_PARTIAL;
	if (state == slab->state)
		return;
	aslub_state_list(n, slab->state, &count);
	(*count)--;
	head = aslub_state_list(n, state, &count);
	(*count)++;
	if (state == ASLUB_SLAB_FULL)
		list_move_tail(&slab->list, head);
	else
		list_move(&slab->list, head);
	slab->state = state;
}

/**
 * aslub_slab_publish() - put a new slab on its node's empty list
 * @s: the cache
 * @slab: from aslub_slab_new()
 */
void aslub_slab_publish(struct aslub_cache *s, struct aslub_slab *slab)
{
	struct aslub_node *n = s->node[slab->nid];
	unsigned long flags;

	spin_lock_irqsave(&n->list_lock, flags);
	list_add(&slab->list, &n->empty);
	n->nr_empty++;
	n->nr_slabs++;
	spin_unlock_irqrestore(&n->list_lock, flags);
}

/* The slab to take objects from: most recent partial, else an empty one. */
static struct aslub_slab *aslub_node_first(struct aslub_node *n)
{
	lockdep_assert_held(&n->list_lock);

	if (n->nr_partial)
		return list_first_entry(&n->partial, struct aslub_slab, list);
	if (n->nr_empty)
		return list_first_entry(&n->empty, struct aslub_slab, list);
	return NULL;
}

/*
 * The free pointer of @obj, the head of @slab's freelist, decoded to @next,
 * is damaged: report it and give up the rest of the freelist.  Return the
 * new end of the freelist.
 */
static noinline void *aslub_freelist_cut(struct aslub_cache *s,
					 struct aslub_slab *slab, void *obj,
					 void *next)
{
	unsigned int lost = s->objects - slab->inuse - 1;

	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	atomic_long_inc(&s->fp_corrupt);
	atomic_long_inc(&s->errors[AETHER_SLUB_ERR_CORRUPT]);
	pr_err("cache %s: slab %p: free pointer of object %p (index %u) decodes to %p, %s; %u free objects given up\n",
	       s->name, slab->addr, obj, aslub_obj_index(s, slab, obj), next,
	       next ? "not an object of this slab" : "the end, too soon",
	       lost);
	slab->lost += lost;
	slab->inuse += lost;
	atomic_long_add(lost, &s->lost);
	return NULL;
}

/* Take one object off @slab's freelist, checking the pointer to the next. */
static void *aslub_slab_pop(struct aslub_cache *s, struct aslub_slab *slab)
{
	void *obj = slab->freelist, *next = aslub_get_fp(s, obj);
	bool last = slab->inuse + 1 == s->objects;

	/* The chain ends where the count says, and only in this slab. */
	if (unlikely(last ? !!next :
		     !next || !aslub_slab_contains(slab, next)))
		next = aslub_freelist_cut(s, slab, obj, next);
	slab->freelist = next;
	slab->inuse++;
	return obj;
}

/**
 * aslub_node_take() - take up to @nr free objects from a node's slabs
 * @s: the cache
 * @nid: the node
 * @objs: receives them
 * @nr: how many are wanted
 *
 * Plain caches only: debug caches allocate through aslub_alloc_direct().
 *
 * Return: the number taken, 0 when the node has no free object.
 */
unsigned int aslub_node_take(struct aslub_cache *s, int nid, void **objs,
			     unsigned int nr)
{
	struct aslub_node *n = s->node[nid];
	struct aslub_slab *slab;
	unsigned int got = 0;
	unsigned long flags;

	if (!n)
		return 0;
	spin_lock_irqsave(&n->list_lock, flags);
	while (got < nr && (slab = aslub_node_first(n))) {
		while (got < nr && slab->freelist)
			objs[got++] = aslub_slab_pop(s, slab);
		aslub_slab_update(s, n, slab);
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	return got;
}

/*
 * Unlink empty slabs beyond @keep onto @out, oldest first; none while a
 * validation walks the node (it holds on to a slab across lock drops, and
 * gives back what is over the limit when it is done).
 */
static void aslub_node_cut(struct aslub_node *n, unsigned long keep,
			   struct list_head *out)
{
	struct aslub_slab *slab;

	lockdep_assert_held(&n->list_lock);

	if (n->validating)
		return;

	while (n->nr_empty > keep) {
		slab = list_last_entry(&n->empty, struct aslub_slab, list);
		list_move(&slab->list, out);
		n->nr_empty--;
		n->nr_slabs--;
	}
}

/*
 * Every object of @slab that was not lost is back: nothing on it is live,
 * so its freelist can be built anew and the lost objects used again.
 */
static noinline void aslub_slab_rebuild(struct aslub_cache *s,
					struct aslub_slab *slab)
{
	pr_info("cache %s: slab %p: every object back, freelist rebuilt, %u lost objects recovered\n",
		s->name, slab->addr, slab->lost);
	atomic_long_sub(slab->lost, &s->lost);
	slab->lost = 0;
	slab->inuse = 0;
	aslub_slab_format(s, slab);
}

/* Put one object back on its slab's freelist. */
static void aslub_slab_push(struct aslub_cache *s, struct aslub_node *n,
			    struct aslub_slab *slab, void *obj)
{
	lockdep_assert_held(&n->list_lock);

	/* The naive double-free check of SLAB_FREELIST_HARDENED. */
	if (unlikely(obj == slab->freelist)) {
		atomic_long_inc(&s->errors[AETHER_SLUB_ERR_DOUBLE_FREE]);
		pr_err("cache %s: double free of object %p (index %u of slab %p), second free ignored\n",
		       s->name, obj, aslub_obj_index(s, slab, obj),
		       slab->addr);
		return;
	}
	aslub_set_fp(s, obj, slab->freelist);
	slab->freelist = obj;
	slab->inuse--;
	if (unlikely(slab->lost) && slab->inuse == slab->lost)
		aslub_slab_rebuild(s, slab);
	aslub_slab_update(s, n, slab);
}

/*
 * Put back the run of objects at the head of @objs that live on the first
 * one's node, under one hold of its list_lock; the length of the run.
 */
static unsigned int aslub_node_put_run(struct aslub_cache *s, void **objs,
				       unsigned int nr, struct list_head *dead)
{
	struct aslub_slab *slab = aslub_virt_to_slab(objs[0]);
	struct aslub_node *n = s->node[slab->nid];
	unsigned int nid = slab->nid, i;
	unsigned long flags;

	spin_lock_irqsave(&n->list_lock, flags);
	for (i = 0; i < nr; i++) {
		slab = aslub_virt_to_slab(objs[i]);
		if (slab->nid != nid)
			break;
		aslub_slab_push(s, n, slab, objs[i]);
	}
	aslub_node_cut(n, READ_ONCE(aslub_empty_max), dead);
	spin_unlock_irqrestore(&n->list_lock, flags);
	return i;
}

/**
 * aslub_node_put() - give free objects back to their slabs
 * @s: the cache
 * @objs: the objects, of any node, plain caches only
 * @nr: how many
 *
 * Empty slabs beyond the cache's limit go back to the pool.  Objects of
 * one node in a row share one hold of its list_lock.
 */
void aslub_node_put(struct aslub_cache *s, void **objs, unsigned int nr)
{
	unsigned int done = 0;
	LIST_HEAD(dead);

	while (done < nr)
		done += aslub_node_put_run(s, objs + done, nr - done, &dead);
	aslub_slab_free_list(s, &dead);
}

/**
 * aslub_node_trim() - give a node's empty slabs beyond @keep to the pool
 * @s: the cache
 * @nid: the node
 * @keep: empty slabs to keep
 *
 * Return: pages given back.
 */
unsigned long aslub_node_trim(struct aslub_cache *s, int nid,
			      unsigned long keep)
{
	struct aslub_node *n = s->node[nid];
	struct aslub_slab *slab;
	unsigned long flags, pages = 0;
	LIST_HEAD(dead);

	if (!n)
		return 0;
	spin_lock_irqsave(&n->list_lock, flags);
	aslub_node_cut(n, keep, &dead);
	spin_unlock_irqrestore(&n->list_lock, flags);
	list_for_each_entry(slab, &dead, list)
		pages += aslub_slab_pages(s);
	aslub_slab_free_list(s, &dead);
	return pages;
}

/*
 * One object from @nid's slabs, debug checks included; NULL when the node
 * has none free.
 */
static void *aslub_node_take_one(struct aslub_cache *s, int nid,
				 depot_stack_handle_t stack)
{
	struct aslub_node *n = s->node[nid];
	struct aslub_slab *slab;
	unsigned long flags;
	void *obj = NULL;

	if (!n)
		return NULL;
	spin_lock_irqsave(&n->list_lock, flags);
	slab = aslub_node_first(n);
	if (slab) {
		obj = aslub_slab_pop(s, slab);
		if (aslub_debug(s))
			aslub_debug_alloc(s, slab, obj, stack);
		aslub_slab_update(s, n, slab);
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	return obj;
}

/* Nodes of the cache other than @nid, nearest first; how many. */
static unsigned int aslub_fallback_nodes(struct aslub_cache *s, int nid,
					 int *order)
{
	unsigned int nr = 0, i, j;
	int other, v;

	for (other = 0; other < ASLUB_MAX_NODES; other++) {
		if (!s->node[other] || other == nid)
			continue;
		order[nr++] = other;
	}
	for (i = 1; i < nr; i++) {
		v = order[i];
		for (j = i; j > 0 && node_distance(nid, order[j - 1]) >
				     node_distance(nid, v); j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	return nr;
}

/* The pool had nothing: a free object on another node, nearest first. */
static void *aslub_alloc_fallback(struct aslub_cache *s, int nid,
				  depot_stack_handle_t stack)
{
	int order[ASLUB_MAX_NODES];
	unsigned int nr, i;
	void *obj;

	nr = aslub_fallback_nodes(s, nid, order);
	for (i = 0; i < nr; i++) {
		obj = aslub_node_take_one(s, order[i], stack);
		if (obj)
			return obj;
	}
	return NULL;
}

/**
 * aslub_alloc_direct() - one object straight from the node lists
 * @s: the cache
 * @gfp: allocation flags
 * @nid: node wanted, or NUMA_NO_NODE for this CPU's
 *
 * The path of every allocation of a debug cache, of allocations for
 * another node than the CPU's, and of CPUs whose node has no pool memory.
 * Debug caches are checked and tracked here under the node's list_lock.
 *
 * Return: the object, or NULL.
 */
void *aslub_alloc_direct(struct aslub_cache *s, gfp_t gfp, int nid)
{
	depot_stack_handle_t stack = 0;
	struct aslub_slab *slab;
	int want;
	void *obj;

	if (s->flags & ASLUB_STORE_USER)
		stack = aslub_save_stack(s, gfp);
	want = nid == NUMA_NO_NODE ? numa_mem_id() : nid;
	if (want >= ASLUB_MAX_NODES || !s->node[want])
		want = first_memory_node;
	for (;;) {
		obj = aslub_node_take_one(s, want, stack);
		if (obj)
			return obj;
		slab = aslub_slab_new(s, gfp, nid);
		if (!slab)
			break;
		aslub_slab_publish(s, slab);
		/* The pool may have fallen back to another node. */
		want = slab->nid;
	}
	if (gfp & __GFP_THISNODE)
		return NULL;
	return aslub_alloc_fallback(s, want, stack);
}

/**
 * aslub_slab_contains() - does @obj start a slot of @slab
 * @slab: a live slab
 * @obj: any pointer
 *
 * Return: true when @obj is the first byte of one of its objects.
 */
bool aslub_slab_contains(const struct aslub_slab *slab, const void *obj)
{
	const struct aslub_cache *s = slab->cache;
	unsigned int off;

	if (obj < slab->base || obj >= slab->base + s->objects * s->size)
		return false;
	off = obj - slab->base;
	return reciprocal_divide(off, s->reciprocal_size) * s->size == off;
}

/**
 * aslub_obj_slab() - the slab of a pointer, checked
 * @obj: any pointer
 *
 * Unlike aslub_virt_to_slab(), safe on a pointer that is not ours: the
 * page must be a pool page and its private word a live slab.
 *
 * Return: the slab, or NULL.
 */
struct aslub_slab *aslub_obj_slab(const void *obj)
{
	struct aslub_slab *slab;
	unsigned long priv;
	struct page *page;

	if (!virt_addr_valid(obj))
		return NULL;
	page = virt_to_page(obj);
	if (!aem_page_to_frame(page))
		return NULL;
	priv = page_private(page);
	if (!priv || (priv & ASLUB_LARGE_TAG))
		return NULL;
	slab = (struct aslub_slab *)priv;
	return slab->magic == ASLUB_SLAB_MAGIC ? slab : NULL;
}

/*
 * Walk the freelist of @slab: every entry a slot of the slab, no loop, and
 * as many as the slab's objects not in use.  Free objects of a debug cache
 * are checked for poison and red zone.  Return the problems found.
 */
static int aslub_slab_check(struct aslub_cache *s, struct aslub_slab *slab)
{
	unsigned int nr = 0, max = s->objects - slab->inuse;
	int errors = 0;
	void *obj;

	for (obj = slab->freelist; obj; obj = aslub_get_fp(s, obj)) {
		if (!aslub_slab_contains(slab, obj) || ++nr > max) {
			pr_err("cache %s: slab %p freelist damaged at object %u of %u\n",
			       s->name, slab->addr, nr, max);
			atomic_long_inc(&s->errors[AETHER_SLUB_ERR_CORRUPT]);
			return errors + 1;
		}
		if (aslub_debug(s))
			errors += aslub_debug_check_free_obj(s, slab, obj);
	}
	if (nr != max) {
		pr_err("cache %s: slab %p has %u free objects, counts say %u\n",
		       s->name, slab->addr, nr, max);
		atomic_long_inc(&s->errors[AETHER_SLUB_ERR_CORRUPT]);
		errors++;
	}
	return errors;
}

/**
 * aslub_slab_validate() - check one slab of a node
 * @s: the cache
 * @slab: a slab on one of its node's lists, whose list_lock is held
 *
 * Return: the number of problems found, each reported and counted.
 */
int aslub_slab_validate(struct aslub_cache *s, struct aslub_slab *slab)
{
	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	if (slab->magic != ASLUB_SLAB_MAGIC || slab->cache != s ||
	    slab->inuse > s->objects) {
		pr_err("cache %s: slab %p descriptor damaged\n", s->name,
		       slab->addr);
		atomic_long_inc(&s->errors[AETHER_SLUB_ERR_CORRUPT]);
		return 1;
	}
	return aslub_slab_check(s, slab) +
	       aslub_debug_check_used_objs(s, slab);
}

/**
 * aslub_free_direct() - free one object of a debug cache, checked
 * @s: the cache the caller says it belongs to
 * @obj: the object
 *
 * Invalid frees (not an object of @s, or not the start of one), double
 * frees, red zone damage and broken tracking data are reported and
 * counted; the object is then left alone, so the cache stays sound.
 */
void aslub_free_direct(struct aslub_cache *s, void *obj)
{
	depot_stack_handle_t stack = 0;
	struct aslub_slab *slab;
	struct aslub_node *n;
	unsigned long flags;
	LIST_HEAD(dead);

	if (s->flags & ASLUB_STORE_USER)
		stack = aslub_save_stack(s, GFP_NOWAIT);
	slab = aslub_obj_slab(obj);
	if (!slab || slab->cache != s) {
		aslub_debug_invalid_free(s, obj, "not an object of this cache");
		return;
	}
	if (!aslub_slab_contains(slab, obj)) {
		aslub_debug_invalid_free(s, obj, "not the start of an object");
		return;
	}
	n = s->node[slab->nid];
	spin_lock_irqsave(&n->list_lock, flags);
	if (s->flags & ASLUB_CONSISTENCY)
		aslub_slab_validate(s, slab);
	if (aslub_debug_free(s, slab, obj, stack)) {
		aslub_slab_push(s, n, slab, obj);
		aslub_node_cut(n, aslub_empty_max, &dead);
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	aslub_slab_free_list(s, &dead);
}
