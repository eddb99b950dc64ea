// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - creating, sizing, shrinking and destroying caches
 *
 * DOC: Overview
 *
 * A cache is born with its layout fixed: slot size, where the red zone,
 * free pointer and tracking data sit (slab.c draws the slot), the slab
 * order, the number of colours, and the size of its CPUs' magazines.  The
 * order is the smallest (up to ASLUB_MAX_ORDER) that holds enough objects
 * (16, or what the largest order holds) and wastes at most an eighth of
 * the slab, as mm/slub.c calculate_order() reasons.
 *
 * Every cache is on aslub_caches under aslub_mutex, by a name unique
 * among the caches of its owner: the uid that created it through the
 * device, or the kernel (INVALID_UID) for the kmalloc classes and the
 * other modules' caches.  Names are not first come, first served across
 * owners: a user cannot take the name a module or another user will
 * need.  Its debugfs directory is the name, with "@uid" after it for a
 * user's cache (the kernel's names may not hold an '@').  One uid holds at
 * most max_caches_per_uid caches: each pins kernel memory of its own.
 * A user's cache holds a reference on its owner's entry of aether_mm's
 * per-user bound, which its slabs are charged to (slab.c).
 * A cache lives until aslub_cache_destroy()
 * finds no object in use: it first drains the CPUs' magazines, then counts;
 * with objects still allocated it reports them and refuses with -EBUSY,
 * and the cache goes on working.  Otherwise every slab goes back to the
 * pool.
 *
 * Shrinking drains the magazines and gives every empty slab back to the
 * pool; the shrinker (shrink.c) only gives back empty slabs, without IPIs.
 *
 * Validation walks a cache one slab at a time, each under its node's
 * list_lock, and lets the lock go between slabs: see aslub_validate().
 *
 * Draining reaches every CPU, online or not, so destroy and shrink hold
 * the CPU hotplug lock (cpus_read_lock()) around aslub_mutex, the order
 * of mm/slab_common.c: the hotplug callback (cpu.c) runs with that lock
 * held for writing and then takes aslub_mutex.
 */

#include <linux/cache.h>
#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "internal.h"

/* The list of caches, and what walks or changes it (slab.c, lock 3). */
DEFINE_MUTEX(aslub_mutex);
LIST_HEAD(aslub_caches);
atomic_long_t aslub_shrunk_pages = ATOMIC_LONG_INIT(0);
/* Of those, pages given back because the pool ran short (shrink.c). */
atomic_long_t aslub_pressure_pages = ATOMIC_LONG_INIT(0);

#define ASLUB_MIN_OBJECTS	16U

/*
 * Caches one uid may hold through the device at once (max_caches_per_uid):
 * each pins its struct, per-CPU magazines and a debugfs directory however
 * few objects it has.
 */
unsigned int aslub_max_caches_per_uid = 1024;

/* Caches of @owner on the list. */
static unsigned int aslub_owner_caches(kuid_t owner)
{
	struct aslub_cache *s;
	unsigned int n = 0;

	lockdep_assert_held(&aslub_mutex);

	list_for_each_entry(s, &aslub_caches, list)
		n += uid_eq(s->owner, owner);
	return n;
}

/**
 * aslub_cache_lookup() - find a cache by owner and name
 * @name: its name
 * @owner: the uid that created it, or INVALID_UID for the kernel's caches
 *
 * Return: the cache, or NULL.
 */
struct aslub_cache *aslub_cache_lookup(const char *name, kuid_t owner)
{
	struct aslub_cache *s;

	lockdep_assert_held(&aslub_mutex);

	list_for_each_entry(s, &aslub_caches, list)
		if (uid_eq(s->owner, owner) && !strcmp(s->name, name))
			return s;
	return NULL;
}

/*
 * Slot layout: left red zone, object, red zone, free pointer, tracking;
 * then @size.  Offsets are from the object, which the left red zone (a
 * multiple of the alignment, as SLUB's red_left_pad) keeps aligned.
 */
static void aslub_layout_slot(struct aslub_cache *s)
{
	unsigned int off = ALIGN(s->object_size, sizeof(void *));

	s->red_left = 0;
	if (s->flags & ASLUB_RED_ZONE)
		s->red_left = ALIGN(sizeof(void *), s->align);
	s->rz_off = s->object_size;
	if (s->flags & ASLUB_RED_ZONE) {
		s->rz_len = off - s->object_size + sizeof(void *);
		off = s->object_size + s->rz_len;
	}
	if (aslub_debug(s) || s->ctor) {
		s->fp_off = off;
		off += sizeof(void *);
	}
	if (aslub_debug(s)) {
		s->meta_off = ALIGN(off, sizeof(long));
		off = s->meta_off + sizeof(struct aslub_meta);
	}
	s->size = ALIGN(s->red_left + off, s->align);
	s->reciprocal_size = reciprocal_value(s->size);
}

/* Slab order, objects per slab and colours. */
static void aslub_layout_slab(struct aslub_cache *s)
{
	unsigned int order, objs, slab, want, waste;

	want = min(ASLUB_MIN_OBJECTS,
		   (unsigned int)(PAGE_SIZE << ASLUB_MAX_ORDER) / s->size);
	for (order = 0; order <= ASLUB_MAX_ORDER; order++) {
		slab = PAGE_SIZE << order;
		objs = slab / s->size;
		waste = slab - objs * s->size;
		if (objs && objs >= want && waste * 8 <= slab)
			break;
	}
	s->order = min_t(unsigned int, order, ASLUB_MAX_ORDER);
	slab = PAGE_SIZE << s->order;
	s->objects = slab / s->size;
	s->colour_unit = max_t(unsigned int, cache_line_size(), s->align);
	s->colours = (slab - s->objects * s->size) / s->colour_unit + 1;
}

/* Magazine size by object size, as SLAB's enable_cpucache() chose. */
static void aslub_layout_cpu(struct aslub_cache *s)
{
	if (s->size <= 1024)
		s->limit = ASLUB_MAG_MAX;
	else if (s->size <= 4096)
		s->limit = 32;
	else
		s->limit = 8;
	s->batch = s->limit / 2;
}

static int aslub_check_args(const char *name, unsigned int size,
			    unsigned int align, unsigned int flags)
{
	size_t len = name ? strnlen(name, ASLUB_NAME_LEN) : 0;

	if (!len || len >= ASLUB_NAME_LEN)
		return -EINVAL;
	if (!size || size > ASLUB_KMALLOC_MAX)
		return -EINVAL;
	if (align && (!is_power_of_2(align) || align > PAGE_SIZE))
		return -EINVAL;
	if (flags & ~ASLUB_CACHE_FLAGS)
		return -EINVAL;
	return 0;
}

static void aslub_cache_free_struct(struct aslub_cache *s)
{
	if (s->cpu)
		aslub_cpu_free(s);
	aslub_nodes_free(s);
	/* Its slabs are back in the pool, uncharged: the entry may go. */
	aem_user_put(s->user);
	mutex_destroy(&s->validate_lock);
	kfree(s);
}

/* Set up a cache, not yet on the list. */
static struct aslub_cache *aslub_cache_alloc_struct(const char *name,
						    unsigned int size,
						    unsigned int align,
						    unsigned int flags,
						    void (*ctor)(void *))
{
	struct aslub_cache *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	mutex_init(&s->validate_lock);
	s->owner = INVALID_UID;
	s->flags = flags;
	s->fp_random = get_random_long();
	s->object_size = size;
	s->ctor = ctor;
	s->align = max_t(unsigned int, align, sizeof(void *));
	if (flags & ASLUB_HWCACHE_ALIGN)
		s->align = max_t(unsigned int, s->align, cache_line_size());
	aslub_layout_slot(s);
	aslub_layout_slab(s);
	aslub_layout_cpu(s);
	if (aslub_nodes_init(s) || aslub_cpu_init(s)) {
		aslub_cache_free_struct(s);
		return NULL;
	}
	return s;
}

/*
 * Make a cache of @owner and put it on the list, unless the name is taken;
 * @user: the entry its slabs are charged to, NULL for none.
 */
static struct aslub_cache *aslub_cache_add(const char *name, unsigned int size,
					   unsigned int align,
					   unsigned int flags,
					   void (*ctor)(void *), bool kmalloc,
					   kuid_t owner, struct aem_user *user)
{
	struct aslub_cache *s;
	int ret;

	ret = aslub_check_args(name, size, align, flags);
	if (ret)
		return ERR_PTR(ret);
	/* "name@uid" is the debugfs directory of a user's cache. */
	if (!uid_valid(owner) && strchr(name, '@'))
		return ERR_PTR(-EINVAL);
	if (flags & ASLUB_STORE_USER) {
		ret = stack_depot_init();
		if (ret)
			return ERR_PTR(ret);
	}
	s = aslub_cache_alloc_struct(name, size, align, flags, ctor);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->kmalloc = kmalloc;
	s->owner = owner;
	if (user) {
		s->user = aem_user_hold(user);
		s->user_force = aem_user_exempt();
	}

	mutex_lock(&aslub_mutex);
	if (aslub_cache_lookup(name, owner)) {
		mutex_unlock(&aslub_mutex);
		aslub_cache_free_struct(s);
		return ERR_PTR(-EEXIST);
	}
	if (uid_valid(owner) && aslub_owner_caches(owner) >=
				READ_ONCE(aslub_max_caches_per_uid)) {
		mutex_unlock(&aslub_mutex);
		aslub_cache_free_struct(s);
		return ERR_PTR(-EDQUOT);
	}
	list_add_tail(&s->list, &aslub_caches);
	aslub_debugfs_add_cache(s);
	mutex_unlock(&aslub_mutex);
	return s;
}

/**
 * __aslub_cache_create() - aslub_cache_create() for this module's own use
 * @name: unique among the kernel's caches, without '@'
 * @size: object size
 * @align: alignment, 0 or a power of two
 * @flags: ASLUB_* flags, taken as they are (no module-wide debug flags)
 * @ctor: constructor, or NULL
 * @kmalloc: a kmalloc size class
 *
 * Return: the cache, or an ERR_PTR().
 */
struct aslub_cache *__aslub_cache_create(const char *name, unsigned int size,
					 unsigned int align,
					 unsigned int flags,
					 void (*ctor)(void *), bool kmalloc)
{
	return aslub_cache_add(name, size, align, flags, ctor, kmalloc,
			       INVALID_UID, NULL);
}

/**
 * aslub_user_cache_create() - a cache for a user of /dev/aether_slub
 * @name: unique among the caches of @owner
 * @size: bytes per object
 * @align: 0, or a power of two up to PAGE_SIZE
 * @flags: as for aslub_cache_create(), which the debug= parameter adds to
 * @owner: the uid that asks for it (the caller's effective uid)
 *
 * Every slab of the cache is charged to @owner's entry of aether_mm's
 * per-user bound while it is out of the pool, empty ones kept included:
 * the bound counts the pool pages the user pins, however few objects
 * live on them.  The charge never refuses when the caller has
 * CAP_SYS_ADMIN (aem_user_exempt(), asked here, once).
 *
 * Context: process context, may sleep; the caller is @owner's.
 * Return: the cache, or an ERR_PTR() as aslub_cache_create() has it, or
 * -EDQUOT when @owner holds max_caches_per_uid caches already.
 */
struct aslub_cache *aslub_user_cache_create(const char *name,
					    unsigned int size,
					    unsigned int align,
					    unsigned int flags, kuid_t owner)
{
	struct aem_user *user;
	struct aslub_cache *s;

	if (!uid_valid(owner))
		return ERR_PTR(-EINVAL);
	/* The bound its slabs are charged to (slab.c): @owner's. */
	user = aem_user_get(owner);
	if (IS_ERR(user))
		return ERR_CAST(user);
	s = aslub_cache_add(name, size, align, flags | aslub_debug_flags,
			    NULL, false, owner, user);
	aem_user_put(user);
	return s;
}

/**
 * aslub_cache_create() - create an object cache on pool memory
 * @name: unique among the kernel's caches (those of other modules and of
 *	  this one; users' caches are apart), without '@', shorter than
 *	  AETHER_SLUB_NAME_LEN
 * @size: bytes per object, 1..ASLUB_KMALLOC_MAX
 * @align: 0, or a power of two up to PAGE_SIZE
 * @flags: ASLUB_HWCACHE_ALIGN and debug flags (ASLUB_DEBUG_FLAGS); the
 *	   module's debug= parameter adds its own
 * @ctor: run on every object when its slab is made, or NULL; objects must
 *	  be freed in the constructed state
 *
 * Context: process context, may sleep.
 * Return: the cache, or an ERR_PTR(): -EINVAL for bad arguments, -EEXIST
 * when another kernel cache has the name, -ENOMEM.
 */
struct aslub_cache *aslub_cache_create(const char *name, unsigned int size,
				       unsigned int align, unsigned int flags,
				       void (*ctor)(void *))
{
	return __aslub_cache_create(name, size, align,
				    flags | aslub_debug_flags, ctor, false);
}
EXPORT_SYMBOL_GPL(aslub_cache_create);

/**
 * aslub_cache_live() - objects of a cache in use by its callers
 * @s: the cache
 *
 * Return: objects off the slab freelists minus those in magazines and
 * those lost to a damaged freelist; a snapshot unless the cache is idle.
 */
unsigned long aslub_cache_live(struct aslub_cache *s)
{
	struct aether_slub_cache_stats st;

	aslub_cache_counts(s, &st);
	return st.active;
}

/* Free every slab of a drained cache without objects in use. */
static void aslub_cache_release(struct aslub_cache *s)
{
	int nid;

	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		aslub_node_trim(s, nid, 0);
	aslub_cache_free_struct(s);
}

/**
 * aslub_cache_destroy() - destroy a cache without objects in use
 * @s: the cache, or NULL
 *
 * Context: process context, may sleep; no other call on @s may run.
 * Return: 0; -EBUSY, with a report in the kernel log, while objects are
 * allocated (the cache then stays usable).
 */
int aslub_cache_destroy(struct aslub_cache *s)
{
	unsigned long live;

	if (!s)
		return 0;
	cpus_read_lock();
	mutex_lock(&aslub_mutex);
	aslub_drain_all(s);
	live = aslub_cache_live(s);
	if (live) {
		mutex_unlock(&aslub_mutex);
		cpus_read_unlock();
		aslub_report_leaks(s, live);
		return -EBUSY;
	}
	list_del(&s->list);
	aslub_debugfs_del_cache(s);
	mutex_unlock(&aslub_mutex);
	cpus_read_unlock();
	aslub_cache_release(s);
	return 0;
}
EXPORT_SYMBOL_GPL(aslub_cache_destroy);

/* Give back every empty slab of a drained cache; pages given back. */
static unsigned long aslub_cache_trim(struct aslub_cache *s)
{
	unsigned long pages = 0;
	int nid;

	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		pages += aslub_node_trim(s, nid, 0);
	atomic_long_add(pages, &aslub_shrunk_pages);
	return pages;
}

/* aslub_cache_shrink() for a caller that holds the CPU hotplug lock. */
static unsigned long __aslub_cache_shrink(struct aslub_cache *s)
{
	aslub_drain_all(s);
	return aslub_cache_trim(s);
}

/**
 * aslub_cache_shrink() - give every free slab of a cache back to the pool
 * @s: the cache
 *
 * Context: process context (drains the CPUs by IPI), without the CPU
 * hotplug lock or aslub_mutex held.
 * Return: pages given back.
 */
unsigned long aslub_cache_shrink(struct aslub_cache *s)
{
	unsigned long pages;

	cpus_read_lock();
	pages = __aslub_cache_shrink(s);
	cpus_read_unlock();
	return pages;
}
EXPORT_SYMBOL_GPL(aslub_cache_shrink);

/**
 * aslub_cache_size() - the object size of a cache
 * @s: the cache
 *
 * Return: bytes a caller may use in each object.
 */
unsigned int aslub_cache_size(const struct aslub_cache *s)
{
	return s->object_size;
}
EXPORT_SYMBOL_GPL(aslub_cache_size);

/**
 * aslub_shrink_all() - shrink every cache
 *
 * Return: pages given back.
 */
unsigned long aslub_shrink_all(void)
{
	struct aslub_cache *s;
	unsigned long pages = 0;

	cpus_read_lock();
	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list)
		pages += __aslub_cache_shrink(s);
	mutex_unlock(&aslub_mutex);
	cpus_read_unlock();
	return pages;
}

/* Add one node's slab counts to @st. */
static void aslub_node_counts(struct aslub_cache *s, int nid,
			      struct aether_slub_cache_stats *st)
{
	struct aslub_node *n = s->node[nid];
	struct aslub_slab *slab;
	unsigned long flags, inuse = 0;

	spin_lock_irqsave(&n->list_lock, flags);
	list_for_each_entry(slab, &n->partial, list)
		inuse += slab->inuse;
	inuse += n->nr_full * s->objects;
	st->slabs += n->nr_slabs;
	st->slabs_partial += n->nr_partial;
	st->slabs_full += n->nr_full;
	st->slabs_empty += n->nr_empty;
	if (nid < AETHER_SLUB_MAX_NODES) {
		st->node_slabs[nid] = n->nr_slabs;
		st->node_partial[nid] = n->nr_partial;
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	st->active += inuse;
}

/**
 * aslub_cache_counts() - fill the counts of a cache stats answer
 * @s: the cache
 * @st: everything but @size, @by and @key is written
 */
void aslub_cache_counts(struct aslub_cache *s,
			struct aether_slub_cache_stats *st)
{
	u32 size = st->size, by = st->by, key = st->key;
	u64 stat[ASLUB_NR_STATS], cached;
	unsigned int i;
	int nid;

	memset(st, 0, sizeof(*st));
	st->size = size;
	st->by = by;
	st->key = key;
	st->flags = s->flags;
	strscpy(st->name, s->name, sizeof(st->name));
	st->object_size = s->object_size;
	st->slot_size = s->size;
	st->align = s->align;
	st->slab_order = s->order;
	st->objects_per_slab = s->objects;
	st->colours = s->colours;
	st->cpu_limit = aslub_debug(s) ? 0 : s->limit;
	st->kmalloc = s->kmalloc;
	st->owner = uid_valid(s->owner) ?
		    from_kuid_munged(current_user_ns(), s->owner) :
		    AETHER_SLUB_OWNER_KERNEL;
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		if (s->node[nid])
			aslub_node_counts(s, nid, st);
	aslub_cpu_counts(s, stat, &cached);
	st->cpu_cached = cached;
	/* Lost objects count as used on their slabs; nobody holds them. */
	cached += atomic_long_read(&s->lost);
	st->active -= min(st->active, cached);
	st->objects = st->slabs * s->objects;
	st->pages = st->slabs << s->order;
	st->alloc_fast = stat[ASLUB_ALLOC_FAST];
	st->alloc_slow = stat[ASLUB_ALLOC_SLOW];
	st->free_fast = stat[ASLUB_FREE_FAST];
	st->free_slow = stat[ASLUB_FREE_SLOW];
	st->free_remote = stat[ASLUB_FREE_REMOTE];
	st->refills = stat[ASLUB_REFILL];
	st->flushes = stat[ASLUB_FLUSH];
	st->slabs_allocated = atomic_long_read(&s->slabs_allocated);
	st->slabs_freed = atomic_long_read(&s->slabs_freed);
	for (i = 0; i < ASLUB_NR_ERR; i++)
		st->errors[i] = atomic_long_read(&s->errors[i]);
}

/* The lists of a node, in the order a validation walks them. */
static const u8 aslub_validate_order[] = {
	ASLUB_SLAB_PARTIAL, ASLUB_SLAB_FULL, ASLUB_SLAB_EMPTY,
};

/* Do the lists of @n hold as many slabs as its counters say? */
static int aslub_validate_counts(struct aslub_cache *s, struct aslub_node *n)
{
	unsigned long *count, seen;
	struct list_head *head, *pos;
	unsigned int i;
	int errors = 0;

	lockdep_assert_held(&n->list_lock);

	for (i = 0; i < ARRAY_SIZE(aslub_validate_order); i++) {
		head = aslub_state_list(n, aslub_validate_order[i], &count);
		seen = 0;
		list_for_each(pos, head)
			seen++;
		if (seen == *count)
			continue;
		pr_err("cache %s: list holds %lu slabs, count says %lu\n",
		       s->name, seen, *count);
		atomic_long_inc(&s->errors[AETHER_SLUB_ERR_CORRUPT]);
		errors++;
	}
	return errors;
}

/*
 * The next slab of @n that pass @seq has not checked: one after @prev on
 * the list @prev is on now, else the first on any list.  @prev (or NULL)
 * is still a slab of @n: none goes back to the pool while n->validating.
 */
static struct aslub_slab *aslub_validate_next(struct aslub_node *n,
					      struct aslub_slab *prev,
					      unsigned int seq)
{
	struct aslub_slab *slab = prev;
	struct list_head *head;
	unsigned long *count;
	unsigned int i;

	lockdep_assert_held(&n->list_lock);

	if (prev) {
		head = aslub_state_list(n, prev->state, &count);
		list_for_each_entry_continue(slab, head, list)
			if (slab->vseq != seq)
				return slab;
	}
	for (i = 0; i < ARRAY_SIZE(aslub_validate_order); i++) {
		head = aslub_state_list(n, aslub_validate_order[i], &count);
		list_for_each_entry(slab, head, list)
			if (slab->vseq != seq)
				return slab;
	}
	return NULL;
}

/* Check every slab of node @nid, one slab per hold of its list_lock. */
static int aslub_validate_node(struct aslub_cache *s, int nid,
			       unsigned int seq, unsigned long *slabs,
			       unsigned long *holds)
{
	struct aslub_node *n = s->node[nid];
	struct aslub_slab *slab = NULL;
	unsigned long flags;
	int errors;

	spin_lock_irqsave(&n->list_lock, flags);
	(*holds)++;
	n->validating++;
	errors = aslub_validate_counts(s, n);
	while ((slab = aslub_validate_next(n, slab, seq))) {
		errors += aslub_slab_validate(s, slab);
		slab->vseq = seq;
		(*slabs)++;
		spin_unlock_irqrestore(&n->list_lock, flags);
		cond_resched();
		spin_lock_irqsave(&n->list_lock, flags);
		(*holds)++;
	}
	n->validating--;
	spin_unlock_irqrestore(&n->list_lock, flags);
	/* What frees left empty beyond the limit while the walk held it. */
	aslub_node_trim(s, nid, READ_ONCE(aslub_empty_max));
	return errors;
}

/**
 * aslub_validate() - check every slab of a cache
 * @s: the cache
 *
 * Freelists and counts of every slab; for a debug cache also the state,
 * poison and red zone of every free object, and the red zones of the
 * used ones.
 *
 * One slab per hold of its node's list_lock, so interrupts are never off
 * for more than one slab, however big the cache.  Between two slabs the
 * cache goes on: objects come and go, slabs move between the lists, new
 * ones are made.  So each slab is checked whole under the lock; the walk
 * goes on after the slab it checked last, on whatever list that slab is
 * now (the slab is still there: while a node is walked none of its empty
 * slabs goes back to the pool, see aslub_node_cut()); every slab checked
 * is marked with the number of the pass, so that one that moved behind
 * the walk is found by a last look over all the lists and none is checked
 * twice.  The lengths of the lists are held against their counters in a
 * single hold, before the walk.
 *
 * Context: process context, may sleep.
 * Return: problems found, each reported and counted.
 */
int aslub_validate(struct aslub_cache *s)
{
	unsigned long slabs = 0, holds = 0;
	unsigned int seq;
	int nid, errors = 0;

	mutex_lock(&s->validate_lock);
	seq = ++s->validate_seq;
	if (!seq)	/* 0 is the mark of a slab never checked */
		seq = ++s->validate_seq;
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		if (s->node[nid])
			errors += aslub_validate_node(s, nid, seq, &slabs,
						      &holds);
	WRITE_ONCE(s->validate_slabs, slabs);
	WRITE_ONCE(s->validate_holds, holds);
	mutex_unlock(&s->validate_lock);
	return errors;
}
