// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.c - the per-CPU fast path: magazines of free objects
 *
 * DOC: Overview
 *
 * Each CPU keeps, per cache, an array of free objects of its own node (a
 * magazine, as in Bonwick's vmem paper, SLAB's array_cache and the
 * "sheaves" of Linux 6.18).  Allocation pops the last object, free pushes
 * one; both touch only this CPU's array, under a local_lock that just
 * turns interrupts off on a non-RT kernel.  When the array is empty a
 * refill takes @batch objects from the node's slabs under the node's
 * list_lock; when it is full a flush gives the oldest @batch back.
 *
 * Why magazines rather than SLUB's per-CPU freelist with a transaction id
 * updated by this_cpu_cmpxchg_double() (6.1) / this_cpu_try_cmpxchg128()
 * (6.6 and later):
 *
 *  - Free does not need the object's slab to be this CPU's slab.  SLUB's
 *    lock-free free works only for objects of the CPU slab; any other
 *    free, and every cross-CPU free, goes through a cmpxchg on the slab's
 *    own freelist and counters, a cache line shared with the CPU that
 *    allocates from it.  Here a free on another CPU costs the same as a
 *    local one: the object joins that CPU's magazine.
 *  - Bulk allocation and free are a copy between the caller's array
 *    and the magazine, one lock hold for the whole call.
 *  - No double-word cmpxchg at all, so nothing differs between 6.1 and
 *    6.12 (the cmpxchg_double API was replaced by try_cmpxchg128 in 6.6),
 *    and compat/aether_compat.h needs no block for this file.
 *  - The price: objects sit in magazines, not on slab freelists, so a
 *    slab only becomes empty once its objects are flushed, and shrinking
 *    or destroying a cache first drains every CPU (an IPI).
 *
 * A magazine holds only objects of its CPU's node.  A free of an object of
 * another node goes to a small per-node array (SLAB's "alien cache") that
 * is given back to that node's slabs in one lock hold when full.
 *
 * Debug caches bypass all of this: every allocation and free goes to the
 * slab under the node's list_lock (slab.c), so a double free or damage is
 * caught at the call that did it.
 *
 * CPU hotplug.  A CPU that goes offline would keep its magazines and
 * alien arrays, and with them the slabs those objects live on, until the
 * cache is shrunk or destroyed.  A callback of the dynamic "prepare"
 * section (CPUHP_BP_PREPARE_DYN, the place of SLUB's CPUHP_SLUB_DEAD)
 * gives them back: its teardown runs on a surviving CPU once the dead one
 * has stopped, so nothing can be inside the dead CPU's local lock and its
 * arrays can be emptied directly, cache by cache under aslub_mutex.  The
 * objects are counted per cache (dead_drained in debugfs).  Nothing is to
 * be done when a CPU comes up: its arrays are empty.
 *
 * Locking: aslub_cpu->lock, then a node's list_lock (slab.c has the whole
 * order).  Only this CPU takes its lock; aslub_drain_all() reaches the
 * other CPUs by IPI, which cannot land inside a section with interrupts
 * off.  A CPU that is offline is drained directly, under the CPU hotplug
 * lock: the callback holds it for writing, aslub_drain_all()'s callers
 * for reading, taken before aslub_mutex.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "internal.h"

/**
 * aslub_cpu_init() - allocate and set up the magazines of a cache
 * @s: the cache
 *
 * Return: 0 or -ENOMEM.
 */
int aslub_cpu_init(struct aslub_cache *s)
{
	unsigned int cpu;

	s->cpu = alloc_percpu(struct aslub_cpu);
	if (!s->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(s->cpu, cpu)->lock);
	return 0;
}

/**
 * aslub_cpu_free() - free the magazines of a drained cache
 * @s: the cache
 */
void aslub_cpu_free(struct aslub_cache *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
}

/* Give the oldest @nr objects of the magazine back to their slabs. */
static void aslub_flush(struct aslub_cache *s, struct aslub_cpu *c,
			unsigned int nr)
{
	nr = min(nr, c->avail);
	aslub_node_put(s, c->objs, nr);
	c->avail -= nr;
	memmove(c->objs, c->objs + nr, c->avail * sizeof(void *));
	c->stat[ASLUB_FLUSH]++;
}

/* Hold back the free of an object of node @nid, giving a full batch back. */
static void aslub_free_alien(struct aslub_cache *s, struct aslub_cpu *c,
			     void *obj, int nid)
{
	c->alien[nid][c->alien_nr[nid]++] = obj;
	c->stat[ASLUB_FREE_REMOTE]++;
	if (c->alien_nr[nid] == ASLUB_ALIEN_MAX) {
		aslub_node_put(s, c->alien[nid], ASLUB_ALIEN_MAX);
		c->alien_nr[nid] = 0;
	}
}

/* Everything @c holds goes back to the slabs; how many objects. */
static unsigned int aslub_cpu_empty(struct aslub_cache *s,
				    struct aslub_cpu *c)
{
	unsigned int nr = c->avail;
	int nid;

	aslub_node_put(s, c->objs, c->avail);
	c->avail = 0;
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++) {
		nr += c->alien_nr[nid];
		aslub_node_put(s, c->alien[nid], c->alien_nr[nid]);
		c->alien_nr[nid] = 0;
	}
	return nr;
}

static void aslub_drain_local(void *info)
{
	struct aslub_cache *s = info;
	unsigned long flags;

	local_lock_irqsave(&s->cpu->lock, flags);
	aslub_cpu_empty(s, this_cpu_ptr(s->cpu));
	local_unlock_irqrestore(&s->cpu->lock, flags);
}

/**
 * aslub_drain_all() - give every CPU's objects of @s back to the slabs
 * @s: the cache
 *
 * Context: process context, the CPU hotplug lock held (cpus_read_lock():
 * a module cannot assert it, lockdep_assert_cpus_held() is not exported);
 * sends an IPI to every online CPU and waits.
 */
void aslub_drain_all(struct aslub_cache *s)
{
	unsigned int cpu;

	if (aslub_debug(s))
		return;
	on_each_cpu(aslub_drain_local, s, 1);
	/*
	 * Nobody runs on an offline CPU, so nobody holds its lock.  The
	 * hotplug callback has emptied it already; this is for a CPU that
	 * went down before the callback was registered.
	 */
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			aslub_cpu_empty(s, per_cpu_ptr(s->cpu, cpu));
}

/**
 * aslub_drain_online() - aslub_drain_all() for reclaim
 * @s: the cache
 *
 * Without the CPU hotplug lock, which reclaim may not take (a hotplug
 * callback can be the allocation that reclaims); offline CPUs keep theirs.
 */
void aslub_drain_online(struct aslub_cache *s)
{
	if (!aslub_debug(s))
		on_each_cpu(aslub_drain_local, s, 1);
}

static enum cpuhp_state aslub_cpuhp_state;

/* Teardown of CPUHP_BP_PREPARE_DYN: @cpu is dead, empty its arrays. */
static int aslub_cpu_dead(unsigned int cpu)
{
	struct aslub_cache *s;
	unsigned int nr;

	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list) {
		if (aslub_debug(s))
			continue;
		nr = aslub_cpu_empty(s, per_cpu_ptr(s->cpu, cpu));
		atomic_long_add(nr, &s->dead_drained);
	}
	mutex_unlock(&aslub_mutex);
	return 0;
}

/**
 * aslub_cpuhp_init() - empty the arrays of every CPU that goes offline
 *
 * Return: 0, or the error of cpuhp_setup_state_nocalls().
 */
int aslub_cpuhp_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"aether/slub:dead", NULL,
					aslub_cpu_dead);
	if (ret < 0)
		return ret;
	aslub_cpuhp_state = ret;
	return 0;
}

/**
 * aslub_cpuhp_exit() - remove the hotplug callback
 */
void aslub_cpuhp_exit(void)
{
	cpuhp_remove_state_nocalls(aslub_cpuhp_state);
}

/**
 * aslub_cpu_counts() - sum the per-CPU counters of a cache
 * @s: the cache
 * @stat: ASLUB_NR_STATS sums
 * @cached: free objects the CPUs hold
 *
 * Read without the CPUs' locks: each value is a snapshot.
 */
void aslub_cpu_counts(struct aslub_cache *s, u64 *stat, u64 *cached)
{
	struct aslub_cpu *c;
	unsigned int cpu, i;
	int nid;

	memset(stat, 0, ASLUB_NR_STATS * sizeof(*stat));
	*cached = 0;
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(s->cpu, cpu);
		for (i = 0; i < ASLUB_NR_STATS; i++)
			stat[i] += READ_ONCE(c->stat[i]);
		*cached += READ_ONCE(c->avail);
		for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
			*cached += READ_ONCE(c->alien_nr[nid]);
	}
}

/*
 * The magazine is empty: refill it from this node's slabs, with a new slab
 * from the pool if need be.  A slab the pool had to place on another node
 * serves this one object directly, since a magazine holds local objects
 * only.
 */
static void *aslub_alloc_refill(struct aslub_cache *s, gfp_t gfp)
{
	struct aslub_slab *slab;
	struct aslub_cpu *c;
	unsigned long flags;
	unsigned int got;
	void *obj;
	int nid;

	local_lock_irqsave(&s->cpu->lock, flags);
	for (;;) {
		c = this_cpu_ptr(s->cpu);
		nid = numa_mem_id();
		if (c->avail)
			break;
		got = aslub_node_take(s, nid, c->objs, s->batch);
		if (got) {
			c->avail = got;
			c->stat[ASLUB_REFILL]++;
			break;
		}
		local_unlock_irqrestore(&s->cpu->lock, flags);
		slab = aslub_slab_new(s, gfp, nid);
		if (!slab || slab->nid != nid) {
			if (slab)
				aslub_slab_publish(s, slab);
			return aslub_alloc_direct(s, gfp, NUMA_NO_NODE);
		}
		aslub_slab_publish(s, slab);
		local_lock_irqsave(&s->cpu->lock, flags);
	}
	obj = c->objs[--c->avail];
	c->stat[ASLUB_ALLOC_SLOW]++;
	local_unlock_irqrestore(&s->cpu->lock, flags);
	return obj;
}

static __always_inline void *aslub_alloc(struct aslub_cache *s, gfp_t gfp,
					 int nid)
{
	struct aslub_cpu *c;
	unsigned long flags;
	void *obj = NULL;

	if (unlikely(aslub_debug(s) ||
		     (nid != NUMA_NO_NODE && nid != numa_mem_id()))) {
		obj = aslub_alloc_direct(s, gfp, nid);
		goto out;
	}
	local_lock_irqsave(&s->cpu->lock, flags);
	c = this_cpu_ptr(s->cpu);
	if (likely(c->avail)) {
		obj = c->objs[--c->avail];
		c->stat[ASLUB_ALLOC_FAST]++;
	}
	local_unlock_irqrestore(&s->cpu->lock, flags);
	if (unlikely(!obj))
		obj = aslub_alloc_refill(s, gfp);
out:
	if (unlikely(gfp & __GFP_ZERO) && obj)
		memset(obj, 0, s->object_size);
	return obj;
}

/**
 * aslub_cache_alloc() - allocate an object
 * @s: the cache
 * @gfp: GFP_KERNEL, GFP_ATOMIC, ... (__GFP_ZERO zeroes the object)
 *
 * Context: any, if @gfp does not allow sleeping.
 * Return: the object, or NULL.
 */
void *aslub_cache_alloc(struct aslub_cache *s, gfp_t gfp)
{
	return aslub_alloc(s, gfp, NUMA_NO_NODE);
}
EXPORT_SYMBOL_GPL(aslub_cache_alloc);

/**
 * aslub_cache_alloc_node() - allocate an object on a given node
 * @s: the cache
 * @gfp: as for aslub_cache_alloc(); __GFP_THISNODE forbids fallback
 * @nid: the node, or NUMA_NO_NODE for this CPU's
 *
 * Without __GFP_THISNODE, another node's memory is used when @nid has
 * none, nearest first.
 *
 * Return: the object, or NULL.
 */
void *aslub_cache_alloc_node(struct aslub_cache *s, gfp_t gfp, int nid)
{
	if (nid != NUMA_NO_NODE &&
	    (nid < 0 || nid >= ASLUB_MAX_NODES || !s->node[nid]))
		return NULL;
	return aslub_alloc(s, gfp, nid);
}
EXPORT_SYMBOL_GPL(aslub_cache_alloc_node);

/**
 * aslub_cache_free() - free an object
 * @s: its cache
 * @obj: the object, or NULL
 *
 * A debug cache checks the free and reports what is wrong with it, leaving
 * the object alone; a plain cache trusts the caller, as kmem_cache_free()
 * does.
 *
 * Context: any.
 */
void aslub_cache_free(struct aslub_cache *s, void *obj)
{
	struct aslub_cpu *c;
	unsigned long flags;
	int nid;

	if (unlikely(!obj))
		return;
	if (unlikely(aslub_debug(s))) {
		aslub_free_direct(s, obj);
		return;
	}
	nid = page_to_nid(virt_to_page(obj));
	local_lock_irqsave(&s->cpu->lock, flags);
	c = this_cpu_ptr(s->cpu);
	if (unlikely(nid != numa_mem_id())) {
		aslub_free_alien(s, c, obj, nid);
	} else {
		if (unlikely(c->avail >= s->limit)) {
			aslub_flush(s, c, s->batch);
			c->stat[ASLUB_FREE_SLOW]++;
		} else {
			c->stat[ASLUB_FREE_FAST]++;
		}
		c->objs[c->avail++] = obj;
	}
	local_unlock_irqrestore(&s->cpu->lock, flags);
}
EXPORT_SYMBOL_GPL(aslub_cache_free);

/* Bulk allocation of a debug cache: one by one, all or nothing. */
static int aslub_alloc_bulk_debug(struct aslub_cache *s, gfp_t gfp,
				  size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		p[i] = aslub_alloc(s, gfp, NUMA_NO_NODE);
		if (!p[i]) {
			aslub_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return nr;
}

/*
 * Move @nr objects from the top of the magazine to @p, hottest first.
 * One by one, not memcpy(): 16 to 64 words, where the string instructions
 * of memcpy() cost more to start than the copy.
 */
static __always_inline void aslub_mag_pop(struct aslub_cpu *c, void **p,
					  unsigned int nr)
{
	unsigned int top = c->avail, i;

	for (i = 0; i < nr; i++)
		p[i] = c->objs[top - 1 - i];
	c->avail = top - nr;
}

/*
 * The slow side of a bulk allocation: fill @p[0..@nr) from the magazine,
 * refilling it from the node's slabs in runs big enough for the rest of
 * the call and a batch more, with a new slab if need be.  Called and
 * returns with the CPU's lock held, which it drops to get a new slab;
 * the number filled.
 */
static size_t aslub_bulk_fill(struct aslub_cache *s, gfp_t gfp, size_t nr,
			      void **p, unsigned long *flags)
{
	struct aslub_slab *slab;
	struct aslub_cpu *c;
	unsigned int n;
	size_t i = 0;
	int nid;

	while (i < nr) {
		c = this_cpu_ptr(s->cpu);
		nid = numa_mem_id();
		if (c->avail) {
			n = min_t(size_t, c->avail, nr - i);
			aslub_mag_pop(c, p + i, n);
			c->stat[ASLUB_ALLOC_FAST] += n;
			i += n;
			continue;
		}
		n = min_t(size_t, nr - i + s->batch, s->limit);
		n = aslub_node_take(s, nid, c->objs, n);
		if (n) {
			c->avail = n;
			c->stat[ASLUB_REFILL]++;
			continue;
		}
		local_unlock_irqrestore(&s->cpu->lock, *flags);
		slab = aslub_slab_new(s, gfp, nid);
		if (slab)
			aslub_slab_publish(s, slab);
		local_lock_irqsave(&s->cpu->lock, *flags);
		if (!slab || slab->nid != nid)
			break;
	}
	return i;
}

/**
 * aslub_cache_alloc_bulk() - allocate @nr objects at once
 * @s: the cache
 * @gfp: as for aslub_cache_alloc()
 * @nr: how many
 * @p: receives them
 *
 * Return: @nr, or 0 when not all could be had (then none is held).
 */
int aslub_cache_alloc_bulk(struct aslub_cache *s, gfp_t gfp, size_t nr,
			   void **p)
{
	struct aslub_cpu *c;
	unsigned long flags;
	size_t i, got;

	if (unlikely(aslub_debug(s)))
		return aslub_alloc_bulk_debug(s, gfp, nr, p);
	local_lock_irqsave(&s->cpu->lock, flags);
	c = this_cpu_ptr(s->cpu);
	if (likely(c->avail >= nr)) {
		aslub_mag_pop(c, p, nr);
		c->stat[ASLUB_ALLOC_FAST] += nr;
		got = nr;
	} else {
		got = aslub_bulk_fill(s, gfp, nr, p, &flags);
	}
	local_unlock_irqrestore(&s->cpu->lock, flags);
	/* What the local node could not give, one by one from elsewhere. */
	for (; got < nr; got++) {
		p[got] = aslub_alloc_direct(s, gfp, NUMA_NO_NODE);
		if (!p[got]) {
			aslub_cache_free_bulk(s, got, p);
			return 0;
		}
	}
	if (unlikely(gfp & __GFP_ZERO))
		for (i = 0; i < nr; i++)
			memset(p[i], 0, s->object_size);
	return nr;
}
EXPORT_SYMBOL_GPL(aslub_cache_alloc_bulk);

/*
 * The node of @obj, through its page unless it shares the page of @*last,
 * whose node is @*nid already.
 */
static __always_inline int aslub_obj_nid(const void *obj, const void **last,
					 int *nid)
{
	if (((unsigned long)obj ^ (unsigned long)*last) >= PAGE_SIZE) {
		*last = obj;
		*nid = page_to_nid(virt_to_page(obj));
	}
	return *nid;
}

/**
 * aslub_cache_free_bulk() - free @nr objects of one cache at once
 * @s: the cache
 * @nr: how many
 * @p: the objects (NULL entries are skipped)
 *
 * One hold of the CPU's lock for the whole call.  The objects go onto the
 * magazine, whose top is kept in a register; a page's node is looked up
 * once for a run of objects on the same page; when the magazine is full
 * its oldest batch goes back to the slabs.
 */
void aslub_cache_free_bulk(struct aslub_cache *s, size_t nr, void **p)
{
	unsigned int avail, fast = 0, slow = 0;
	const void *last = NULL;
	struct aslub_cpu *c;
	unsigned long flags;
	int nid = NUMA_NO_NODE, here;
	size_t i;
	void *obj;

	if (unlikely(aslub_debug(s))) {
		for (i = 0; i < nr; i++)
			aslub_cache_free(s, p[i]);
		return;
	}
	local_lock_irqsave(&s->cpu->lock, flags);
	c = this_cpu_ptr(s->cpu);
	here = numa_mem_id();
	avail = c->avail;
	for (i = 0; i < nr; i++) {
		obj = p[i];
		if (unlikely(!obj))
			continue;
		if (unlikely(aslub_obj_nid(obj, &last, &nid) != here)) {
			aslub_free_alien(s, c, obj, nid);
			continue;
		}
		if (unlikely(avail >= s->limit)) {
			c->avail = avail;
			aslub_flush(s, c, s->batch);
			avail = c->avail;
			slow++;
		} else {
			fast++;
		}
		c->objs[avail++] = obj;
	}
	c->avail = avail;
	c->stat[ASLUB_FREE_FAST] += fast;
	c->stat[ASLUB_FREE_SLOW] += slow;
	local_unlock_irqrestore(&s->cpu->lock, flags);
}
EXPORT_SYMBOL_GPL(aslub_cache_free_bulk);
