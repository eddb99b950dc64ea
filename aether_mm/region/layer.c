// SPDX-License-Identifier: GPL-2.0
/*
 * region/layer.c - layers: the images of a region, frames by page index
 *
 * A layer is an xarray of frames (or stored pages) by data page index
 * over an older image, its backing layer; a view sees, for an index, the
 * newest entry of its chain (aem_lookup_entry(), aem_lookup()).  Freeing
 * a layer frees its frames down the chain while it held the last
 * reference of each backing layer; a backing layer left with a single
 * referrer drops the frames that referrer hides (aem_layer_trim()).
 * See region.h for the objects and the lock order.
 */
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "region.h"

struct aem_layer *aem_layer_new(struct aem_region *r,
				struct aem_layer *backing, gfp_t gfp)
{
	struct aem_layer *l = kzalloc(sizeof(*l), gfp);

	if (!l)
		return NULL;
	kref_init(&l->ref);
	/* Its nodes are the region's kernel memory too: the faulter's. */
	xa_init_flags(&l->slots, XA_FLAGS_ACCOUNT);
	xa_init_flags(&l->zeroed, XA_FLAGS_ACCOUNT);
	xa_init_flags(&l->integ, XA_FLAGS_ACCOUNT);
	xa_init_flags(&l->kept, XA_FLAGS_ACCOUNT);
	l->region = r;
	l->backing = backing;
	if (backing)
		kref_get(&backing->ref);
	return l;
}

/*
 * Drop entry @e at @idx of @l, one of @r's layers, just taken out of it (or
 * @l is being freed): free the frame, leave the shared frame, or have the
 * store backend forget the stored page.
 */
static void aem_entry_drop(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx, void *e)
{
	const struct aem_store_ops *ops;
	int sidx;

	struct aem_frame *f = aem_slot_frame(e);

	/* A stored shared frame: the user leaves it (the last, its handle). */
	if (aem_slot_shared(e)) {
		aem_region_stat_dec(r, AEM_RS_STORED);
		aem_share_user_left(r, l, idx, aem_slot_shared(e),
				    AEM_SHARE_FREED);
		return;
	}
	if (f && aem_frame_is_shared(f)) {
		aem_share_user_gone(r, l, idx, f, AEM_SHARE_FREED);
		return;
	}
	if (!aem_slot_is_stored(e)) {
		aem_region_frame_gone(r, f);
		aem_free_pages(f, 0);
		return;
	}
	ops = aem_store_get(&sidx, false);
	/*
	 * Unregistering waits until every stored page is back or released;
	 * one is left without a backend only when it gave up (and said so).
	 */
	aem_region_uncharge_stored(r, aem_store_size(ops,
						     aem_slot_stored_handle(e)));
	if (ops)
		ops->release(aem_slot_stored_handle(e));
	aem_store_put(sidx);
	aem_region_stat_dec(r, AEM_RS_STORED);
	atomic_long_dec(&aem_stored_pages);
}

/*
 * @t, a layer of @r, may have one referrer left: a layer X whose backing
 * it is.  Every view that sees @t sees it through X, so an entry of X
 * hides @t's entry at the same index from everyone: free those frames.
 * (A PRIVATE region's parent keeps, after its child exits, the frames it
 * copied away from.)  Nothing maps them: the views that saw them are gone.
 * @t is only compared until it is found under views_lock below a live
 * view, which keeps it alive.
 */
void aem_layer_trim(struct aem_region *r, struct aem_layer *t)
{
	struct aem_layer *x = NULL, *l;
	struct aem_view *v;
	unsigned long idx;
	void *e;

	mutex_lock(&r->views_lock);
	list_for_each_entry(v, &r->views, link) {
		for (l = v->top; l && !x; l = l->backing)
			if (l->backing == t)
				x = l;
		if (x)
			break;
	}
	if (!x || kref_read(&t->ref) != 1)
		goto out;
	xa_for_each(&t->slots, idx, e) {
		if (!xa_load(&x->slots, idx))
			continue;
		mutex_lock(aem_slot_lock(r, idx));
		e = xa_load(&t->slots, idx);
		if (e && xa_load(&x->slots, idx)) {
			xa_erase(&t->slots, idx);
			aem_integ_forget(t, idx);
			aem_entry_drop(r, t, idx, e);
		}
		mutex_unlock(aem_slot_lock(r, idx));
		cond_resched();
	}
	/* Zero pages hidden the same way are no one's zero page any more. */
	xa_for_each(&t->zeroed, idx, e) {
		mutex_lock(aem_slot_lock(r, idx));
		if (xa_load(&x->slots, idx))
			aem_share_zero_filled(r, t, idx);
		mutex_unlock(aem_slot_lock(r, idx));
	}
out:
	mutex_unlock(&r->views_lock);
}

void aem_layer_release(struct kref *ref)
{
	struct aem_layer *l = container_of(ref, struct aem_layer, ref);
	struct aem_region *r = l->region;
	struct aem_layer *backing;
	unsigned long idx;
	void *e;

	/*
	 * Free down the chain while this layer held the last reference of
	 * its backing; a loop, not recursion: a chain is as deep as the
	 * forks behind it.
	 */
	while (l) {
		xa_for_each(&l->slots, idx, e) {
			aem_entry_drop(l->region, l, idx, e);
			cond_resched();
		}
		xa_destroy(&l->slots);
		aem_integ_layer_gone(l);	/* records, kept copies */
		aem_share_layer_gone(l->region, l);
		backing = l->backing;
		kfree_rcu(l, rcu);
		if (backing && !refcount_dec_and_test(&backing->ref.refcount)) {
			if (kref_read(&backing->ref) == 1)
				aem_layer_trim(r, backing);
			backing = NULL;
		}
		l = backing;
	}
}

void aem_layer_put(struct aem_layer *l)
{
	kref_put(&l->ref, aem_layer_release);
}

/*
 * aem_lookup_entry - what @idx resolves to in the chain of @top, as is
 * @where: receives the layer holding the entry, NULL for none
 *
 * Return: a slot entry (slot.h): a frame, a stored page, or NULL when the view
 * sees zeroes.  The caller holds the slot lock of @idx, and the chain is
 * stable (see the top of the file).
 */
void *aem_lookup_entry(struct aem_layer *top, pgoff_t idx,
		       struct aem_layer **where)
{
	struct aem_layer *l;
	void *e;

	for (l = top; l; l = l->backing) {
		e = xa_load(&l->slots, idx);
		if (e) {
			*where = l;
			return e;
		}
	}
	*where = NULL;
	return NULL;
}

/*
 * aem_lookup - the frame @idx resolves to in the chain of @top
 * @where: receives the layer holding the frame, NULL for none
 *
 * A stored page is brought back first (it allocates, and may sleep).
 *
 * Return: the frame, NULL when the view sees zeroes, or an ERR_PTR() when
 * a stored page could not come back.  The caller holds the slot lock of
 * @idx, and the chain is stable (see the top of the file).
 */
struct aem_frame *aem_lookup(struct aem_layer *top, pgoff_t idx,
			     struct aem_layer **where)
{
	void *e = aem_lookup_entry(top, idx, where);

	if (!aem_slot_is_stored(e))
		return aem_slot_frame(e);
	return aem_unstore(*where, idx, e, 0);
}

/**
 * aem_region_layers_get_in() - every layer of @r, referenced
 * @r: the region (referenced by the caller)
 * @buf: the caller's array of @nbuf entries, or NULL
 * @nbuf: its length
 * @nr: receives how many
 *
 * Its base and the chain of each view, a layer once per chain that
 * reaches it.  A chain gains a layer at each fork of a process mapping a
 * PRIVATE region, so the array may be large: @buf when they fit in it
 * (a region mapped by one process without forks needs two), else a
 * kvmalloc()ed one.  aether_ksmd's scan asks at each wake-up and region
 * (aem_share_scan_batch()): with its array on the stack it allocates
 * nothing for it.
 *
 * Return: the array, @buf or one for aem_region_layers_put_in() to free;
 * NULL without memory.
 */
struct aem_layer **aem_region_layers_get_in(struct aem_region *r,
					    struct aem_layer **buf,
					    unsigned int nbuf,
					    unsigned int *nr)
{
	struct aem_layer **ls, *l;
	struct aem_view *v;
	unsigned int k, nl;

	mutex_lock(&r->views_lock);
	nl = 1;
	list_for_each_entry(v, &r->views, link)
		for (l = v->top; l; l = l->backing)
			nl++;
	ls = nl <= nbuf ? buf : kvmalloc_array(nl, sizeof(*ls), GFP_KERNEL);
	if (!ls) {
		mutex_unlock(&r->views_lock);
		return NULL;
	}
	k = 0;
	kref_get(&r->base->ref);
	ls[k++] = r->base;
	list_for_each_entry(v, &r->views, link)
		for (l = v->top; l; l = l->backing) {
			kref_get(&l->ref);
			ls[k++] = l;
		}
	mutex_unlock(&r->views_lock);
	*nr = nl;
	return ls;
}

/**
 * aem_region_layers_put_in() - drop what aem_region_layers_get_in() took
 * @r: the region
 * @ls: the array
 * @nr: its length
 * @buf: the caller's array given to aem_region_layers_get_in()
 *
 * A layer left with a layer above it as its only referrer loses the
 * frames that one hides, as after an ioctl (aem_image_put()).
 */
void aem_region_layers_put_in(struct aem_region *r, struct aem_layer **ls,
			      unsigned int nr, struct aem_layer **buf)
{
	unsigned int k;

	for (k = 0; k < nr; k++)
		aem_image_put(r, ls[k]);
	if (ls != buf)
		kvfree(ls);
}

/* aem_region_layers_get_in() with no array of the caller's. */
struct aem_layer **aem_region_layers_get(struct aem_region *r,
					 unsigned int *nr)
{
	return aem_region_layers_get_in(r, NULL, 0, nr);
}

/* Drop what aem_region_layers_get() took. */
void aem_region_layers_put(struct aem_region *r, struct aem_layer **ls,
			   unsigned int nr)
{
	aem_region_layers_put_in(r, ls, nr, NULL);
}
