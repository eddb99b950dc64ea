// SPDX-License-Identifier: GPL-2.0
/*
 * region/migrate.c - moving a frame of a region to another frame
 *
 * A frame is replaced by a copy on another node (REGION_MIGRATE, NUMA
 * balancing) or elsewhere on its node (compaction, which finds it through
 * its reverse map) under the slot lock of its index.  A shared frame
 * (share.c) moves with every user's slot, under each one's slot lock in
 * turn, so never from under one of them: REGION_MIGRATE drops the page's
 * lock first (aem_share_move()), compaction has its own @move
 * (aem_share_movable_ops), and NUMA balancing, which holds the faulting
 * page's lock, leaves it where it is.
 * See region.h for the objects and the lock order.
 */
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include "region.h"

/*
 * Frame @f of @l at @idx gives its place to @nf, a copy, under the slot
 * lock (see aem_region_move_locked()).  @f is no longer the region's; the
 * caller frees it.
 */
static void aem_region_move_to(struct aem_region *r, struct aem_layer *l,
			       pgoff_t idx, struct aem_frame *f,
			       struct aem_frame *nf)
{
	lockdep_assert_held(aem_slot_lock(r, idx));
	/* @nf replaces @f, uncharged below: the group's usage stays. */
	aem_region_charge(r, aem_frame_nid(nf), 1, AEM_CHARGE_NOFAIL);
	aem_region_zap_page(r, idx);
	copy_highpage(aem_frame_page(nf), aem_frame_page(f));
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, aem_slot_mk_frame(nf), GFP_KERNEL);
	aem_region_frame_add(r, l, idx, nf);
	aem_region_frame_gone(r, f);
}

/*
 * aem_region_move_locked - put a copy of frame @f of @l, at @idx, on @nid
 * @flags: allocation flags added to the usual ones (AEM_ALLOC_NOGROW)
 *
 * The caller holds the slot lock of @idx, so no fault maps @f again: the
 * zap first takes it out of every page table (and flushes), so no write
 * can land in @f after the copy.  A write fault in between waits for the
 * lock and maps the new frame.
 *
 * Return: 0, -EBUSY when a kernel reader holds @f (REGION_CHECKSUM), or
 * -ENOMEM when @nid has no free frame.
 */
int aem_region_move_locked(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx, struct aem_frame *f, int nid,
			   unsigned int flags)
{
	struct aem_frame *nf;

	lockdep_assert_held(aem_slot_lock(r, idx));
	/* A shared frame moves with its users' slots (aem_share_move()). */
	if (aem_frame_ref_count(f) != 1 || aem_frame_is_shared(f))
		return -EBUSY;
	/* A SECURE region's @f is wiped as it goes back (secure.c). */
	nf = aem_alloc_pages(nid, 0, flags | AEM_ALLOC_THISNODE |
			     aem_region_frame_flags(r));
	if (!nf)
		return -ENOMEM;
	aem_region_move_to(r, l, idx, f, nf);
	aem_free_pages(f, 0);
	return 0;
}

/*
 * aem_region_move_frame - compaction moves a frame of some region
 * @f: an allocated frame of the pool, owned by regions
 * @nf: the frame to move it to, allocated by compaction for regions
 *
 * Regions' struct aem_movable_ops (compact.c): @f comes from a scan of
 * the pool, not from a region, so its owner is found through its reverse
 * map.  The layer and the region are freed after an RCU grace period,
 * which keeps them readable here until a reference is taken; the slot
 * lock then says whether @f is still where the map said.  A frame that
 * left meanwhile is freed by its owner.
 *
 * Return: 0 when moved (@f is then the caller's to free); -ENOENT when @f
 * is not (or no longer) a region's; -EBUSY when a kernel reader holds it.
 */
static int aem_region_move_frame(struct aem_frame *f, struct aem_frame *nf)
{
	struct aem_region *r;
	struct aem_layer *l;
	pgoff_t idx;
	int ret = -ENOENT;

	rcu_read_lock();
	l = aem_frame_rmap_layer(f);
	idx = aem_frame_rmap_index(f);
	if (!l) {
		rcu_read_unlock();
		return -ENOENT;
	}
	r = l->region;
	if (!kref_get_unless_zero(&r->ref)) {
		rcu_read_unlock();
		return -ENOENT;
	}
	if (!kref_get_unless_zero(&l->ref)) {
		rcu_read_unlock();
		aem_region_put(r);
		return -ENOENT;
	}
	rcu_read_unlock();

	if (idx < r->nr_pages) {
		mutex_lock(aem_slot_lock(r, idx));
		if (aem_slot_frame(xa_load(&l->slots, idx)) != f) {
			ret = -ENOENT;
		} else if (aem_frame_ref_count(f) != 1) {
			ret = -EBUSY;
		} else {
			aem_region_move_to(r, l, idx, f, nf);
			ret = 0;
		}
		mutex_unlock(aem_slot_lock(r, idx));
	}
	aem_layer_put(l);
	aem_region_put(r);
	return ret;
}

/* Compaction moves region frames as any owner's movable pages. */
const struct aem_movable_ops aem_region_movable_ops = {
	.owner = THIS_MODULE,
	.move = aem_region_move_frame,
};

/* Move the frame @idx resolves to in @top's chain to @nid, in its layer. */
void aem_migrate_one(struct aem_region *r, struct aem_layer *top,
		     pgoff_t idx, int nid,
		     struct aether_mm_region_migrate *m)
{
	struct aem_layer *where;
	struct aem_frame *f;

	struct aem_shared *s = NULL;
	int ret = 1;

	mutex_lock(aem_slot_lock(r, idx));
	if (nid == AETHER_MM_MIGRATE_AUTO)
		nid = aem_numa_last_node(r, idx);
	/* A stored page has no frame: it comes back where it is used. */
	f = aem_slot_frame(aem_lookup_entry(top, idx, &where));
	if (f && nid != NUMA_NO_NODE && aem_frame_nid(f) != nid) {
		if (aem_frame_is_shared(f)) {
			/* Its users' slots move with it: outside this lock. */
			s = f->rmap.shared;
			aem_share_get(s);	/* the slot holds one */
		} else {
			ret = aem_region_move_locked(r, where, idx, f, nid, 0);
		}
	}
	mutex_unlock(aem_slot_lock(r, idx));
	if (s) {
		ret = aem_share_move(s, nid, 0);
		aem_share_put(s);
	}
	switch (ret) {
	case 1:
		break;			/* nothing to move */
	case 0:
		aem_region_stat_inc(r, AEM_RS_MIGRATED);
		m->migrated++;
		break;
	case -EBUSY:
		m->busy++;
		break;
	default:
		m->failed++;
	}
}
