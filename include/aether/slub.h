/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether/slub.h - the kernel API of aether_slub for the other Aether modules
 *
 * Object caches whose slabs are blocks of the aether_mm pool.  The calls
 * mirror Linux's: aslub_cache_create() is kmem_cache_create(),
 * aslub_kmalloc() is kmalloc(), and so on, with gfp_t flags read the same
 * way (may it sleep, __GFP_ZERO, __GFP_THISNODE).  An object lives in pool
 * memory and is accounted to AEM_OWNER_SLUB.
 */
#ifndef _AETHER_SLUB_H
#define _AETHER_SLUB_H

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/types.h>
#include <uapi/linux/aether_slub.h>

struct aslub_cache;

/* Cache flags, the same bits as AETHER_SLUB_F_*. */
#define ASLUB_HWCACHE_ALIGN	AETHER_SLUB_F_HWCACHE_ALIGN
#define ASLUB_CONSISTENCY	AETHER_SLUB_F_CONSISTENCY
#define ASLUB_RED_ZONE		AETHER_SLUB_F_RED_ZONE
#define ASLUB_POISON		AETHER_SLUB_F_POISON
#define ASLUB_STORE_USER	AETHER_SLUB_F_STORE_USER
#define ASLUB_DEBUG_FLAGS	AETHER_SLUB_F_DEBUG
#define ASLUB_CACHE_FLAGS	AETHER_SLUB_F_FLAGS

/* Largest kmalloc size class; larger requests are whole pool blocks. */
#define ASLUB_KMALLOC_MAX	16384U

struct aslub_cache *aslub_cache_create(const char *name, unsigned int size,
				       unsigned int align, unsigned int flags,
				       void (*ctor)(void *));
int aslub_cache_destroy(struct aslub_cache *s);
void *aslub_cache_alloc(struct aslub_cache *s, gfp_t gfp);
void *aslub_cache_alloc_node(struct aslub_cache *s, gfp_t gfp, int nid);
void aslub_cache_free(struct aslub_cache *s, void *obj);
int aslub_cache_alloc_bulk(struct aslub_cache *s, gfp_t gfp, size_t nr,
			   void **p);
void aslub_cache_free_bulk(struct aslub_cache *s, size_t nr, void **p);
unsigned long aslub_cache_shrink(struct aslub_cache *s);
unsigned int aslub_cache_size(const struct aslub_cache *s);

void *aslub_kmalloc_node(size_t size, gfp_t gfp, int nid);
void *aslub_krealloc(const void *p, size_t new_size, gfp_t gfp);
void aslub_kfree(const void *p);
size_t aslub_ksize(const void *p);

static inline void *aslub_cache_zalloc(struct aslub_cache *s, gfp_t gfp)
{
	return aslub_cache_alloc(s, gfp | __GFP_ZERO);
}

static inline void *aslub_kmalloc(size_t size, gfp_t gfp)
{
	return aslub_kmalloc_node(size, gfp, NUMA_NO_NODE);
}

static inline void *aslub_kzalloc(size_t size, gfp_t gfp)
{
	return aslub_kmalloc_node(size, gfp | __GFP_ZERO, NUMA_NO_NODE);
}

static inline void *aslub_kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return aslub_kmalloc(bytes, gfp);
}

/*
 * Typed helpers: the size comes from the type, and the result has it.
 *
 *	struct foo *f = aslub_new(struct foo, GFP_KERNEL);
 *	struct foo *v = aslub_new_array(struct foo, n, GFP_KERNEL);
 *	struct foo *c = aslub_cache_new(foo_cache, struct foo, GFP_KERNEL);
 */
#define aslub_new(type, gfp)	((type *)aslub_kmalloc(sizeof(type), (gfp)))
#define aslub_znew(type, gfp)	((type *)aslub_kzalloc(sizeof(type), (gfp)))
#define aslub_new_array(type, n, gfp)					\
	((type *)aslub_kmalloc_array((n), sizeof(type), (gfp)))
#define aslub_cache_new(s, type, gfp)					\
	((type *)aslub_cache_alloc((s), (gfp)))

/*
 * Scope guards (linux/cleanup.h).  A kmalloc'ed pointer:
 *
 *	void *buf __free(aslub_kfree) = aslub_kmalloc(len, GFP_KERNEL);
 *	...
 *	return no_free_ptr(buf);	(keep it) or just return (freed)
 *
 * and an object of a cache, which must remember its cache:
 *
 *	CLASS(aslub_obj, g)(cache, GFP_KERNEL);
 *	if (!g.obj)
 *		return -ENOMEM;
 *	...
 *	keep = aslub_obj_take(&g);	(else freed at the end of the scope)
 */
static inline void aslub_kfree_guard(void *p)
{
	if (!IS_ERR_OR_NULL(p))
		aslub_kfree(p);
}

DEFINE_FREE(aslub_kfree, void *, aslub_kfree_guard(_T))

/**
 * struct aslub_obj_guard - an object that goes back to its cache at the
 *	end of the scope unless taken
 * @cache:	its cache
 * @obj:	the object, or NULL
 */
struct aslub_obj_guard {
	struct aslub_cache *cache;
	void *obj;
};

static inline struct aslub_obj_guard aslub_obj_guard_init(struct aslub_cache *s,
							  gfp_t gfp)
{
	return (struct aslub_obj_guard){ .cache = s,
					 .obj = aslub_cache_alloc(s, gfp) };
}

static inline void *aslub_obj_take(struct aslub_obj_guard *g)
{
	void *obj = g->obj;

	g->obj = NULL;
	return obj;
}

static inline void aslub_obj_guard_exit(struct aslub_obj_guard g)
{
	if (g.obj)
		aslub_cache_free(g.cache, g.obj);
}

DEFINE_CLASS(aslub_obj, struct aslub_obj_guard, aslub_obj_guard_exit(_T),
	     aslub_obj_guard_init(s, gfp), struct aslub_cache *s, gfp_t gfp)

#endif /* _AETHER_SLUB_H */
