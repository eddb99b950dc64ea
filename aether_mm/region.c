// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - memory of the pool that processes map
 *
 * A region is a range of pool pages behind a file.  Each region has an
 * inode of its own on a private pseudo filesystem (the secretmem model),
 * so unmap_mapping_range() on its mapping reaches every process that maps
 * it.  The mappings are VM_PFNMAP: page table entries are "special", no
 * struct page refcount, mapcount or rmap is ever taken on a pool page, and
 * get_user_pages() cannot pin one.  So a frame may go back to the pool as
 * soon as no page table entry maps it, and we always know when that is.
 *
 * Objects
 *
 *   region	the file's object: size, flags, policy, counters, the layer
 *		chain's base and the list of views.  Refcounted: one
 *		reference per open file (every VMA holds its file), one per
 *		ioctl in flight and one per background pass over it
 *		(aem_regions_get_all(), compaction).  It holds a reference
 *		on its inode from creation until it is freed, since it may
 *		outlive its last file.  It is on the global list, and its
 *		name taken, exactly while its count is above zero: the last
 *		put unlinks it under aem_regions_lock (kref_put_mutex()).
 *   view	one per (region, mm): what one process sees.  It holds its
 *		top layer and counts the VMAs that map it.
 *   layer	an image: an xarray of frames by page index over an older
 *		image, its backing layer.  Refcounted by the views whose top
 *		it is, by the layers it backs and by the ioctls reading it
 *		(REGION_CHECKSUM, REGION_MIGRATE: aem_image_get()).  A frame
 *		belongs to exactly one layer and is freed with it.
 *
 * A SHARED region has one layer, the base, and every view's top is the
 * base.  A PRIVATE region gives each view its own top: a lookup walks from
 * the top down, so a view sees the newest frame any layer of its chain has
 * for an index, or zeroes.  fork() calls ->open on each child VMA before
 * copy_page_range(): the first one for a region freezes the parent's top T
 * and gives parent and child each a new empty top over T; the parent's
 * page table entries of the range are zapped, so nothing is copied into
 * the child and both sides fault again.  A write then copies the frame
 * into the writer's top (copy-on-write) or, when no other view can see the
 * frame's layer any more, moves it there (a steal, no copy).
 *
 * The life of a frame of a region
 *
 *   fault, write	allocated from the pool (zeroed or copied: never
 *			with a former user's bytes), stored
 *			in the writer's top layer, mapped writable
 *   fault, read	mapped read-only; a never-written index maps Linux's
 *			zero page and allocates nothing
 *   steal		moves to the top layer of the only view left
 *   migrate		copied to a frame on another node, which takes its
 *			place in the layer; the old one is zapped from every
 *			page table, then freed
 *   layer freed	back to the pool: the last view over the layer is
 *			gone, and with it every VMA that could map the frame.
 *			A kernel reader (REGION_CHECKSUM) holds a frame
 *			reference, so the frame outlives it if need be
 *
 * Invariant: a page table entry in a VMA of view V maps the zero page or a
 * frame of a layer in V's chain.  Every change of what an index resolves
 * to in a chain is followed, under the slot lock, by a zap of the entries
 * that may map the old answer.
 *
 * Lock order
 *
 *   mm->mmap_lock		Linux's, around faults (on 6.12 a fault may
 *				hold only its VMA's lock: fault.c), mmap,
 *				mprotect and fork (write, both mms).  A
 *				view's top and chain change only at fork,
 *				with the view's mm locked for write; readers
 *				hold it for read (faults, whose VMA holds the
 *				view, or the VMA's lock when it is the view's
 *				only VMA, which fork write-locks), or hold
 *				a reference on the top they read, taken
 *				under views_lock (ioctls: munmap downgrades
 *				to read before ->close frees the view).
 *     aem_regions_lock		the list of regions and their names
 *     region->wx_lock		W^X checks of mmap and mprotect, and the
 *				view an mmap creates (see aem_wx_check())
 *     region->views_lock	the view list, view creation and tops at fork
 *       other mm->mmap_lock	read, trylock only: another process's
 *				mappings, for the W^X check
 *     slot lock		hashed mutex per (region, index): what the index
 *				resolves to, in every layer of the region
 *       mapping->i_mmap_rwsem	inside unmap_mapping_range()
 *         page table locks	inside vmf_insert_pfn_prot() and the zaps
 *       the pool's locks	inside aem_alloc_pages_mpol()/aem_free_pages()
 *
 * ->close may run with mmap_lock held only for read (6.1 downgrades it in
 * munmap), so view counts are atomics and views go under views_lock.
 */
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "internal.h"
#include "region.h"

#define AEM_RFS_MAGIC		0x41455247	/* "AERG" */
#define AEM_CKSUM_BATCH		AEM_VMAP_MAX	/* pages per kernel view */
#define AEM_UNSTORE_WAIT_MS	10000	/* for stored pages, at unregistration */

static struct vfsmount *aem_rfs_mnt;
static DEFINE_MUTEX(aem_regions_lock);
static LIST_HEAD(aem_regions);
static unsigned int aem_nr_regions;
static u64 aem_region_next_id = 1;
static siphash_key_t aem_frame_id_key;
/* Pages the store backend holds, all regions: the sum of their @stored. */
atomic_long_t aem_stored_pages;

static const struct vm_operations_struct aem_region_vm_ops;
static const struct file_operations aem_region_fops;

/* ---- layers ------------------------------------------------------------ */

static struct aem_layer *aem_layer_new(struct aem_region *r,
				       struct aem_layer *backing, gfp_t gfp)
{
	struct aem_layer *l = kzalloc(sizeof(*l), gfp);

	if (!l)
		return NULL;
	kref_init(&l->ref);
	/* Its nodes are the region's kernel memory too: the faulter's. */
	xa_init_flags(&l->slots, XA_FLAGS_ACCOUNT);
	l->region = r;
	l->backing = backing;
	if (backing)
		kref_get(&backing->ref);
	return l;
}

/*
 * Drop entry @e of one of @r's layers, just taken out of it: free the
 * frame, or have the store backend forget the stored page.
 */
static void aem_entry_drop(struct aem_region *r, void *e)
{
	const struct aem_store_ops *ops;
	int sidx;

	if (!xa_is_value(e)) {
		aem_region_frame_gone(r, e);
		aem_free_pages(e, 0);
		return;
	}
	ops = aem_store_get(&sidx, false);
	/*
	 * Unregistering waits until every stored page is back or released;
	 * one is left without a backend only when it gave up (and said so).
	 */
	if (ops)
		ops->release(aem_slot_stored_handle(e));
	aem_store_put(sidx);
	atomic_long_dec(&r->stored);
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
static void aem_layer_trim(struct aem_region *r, struct aem_layer *t)
{
	struct aem_layer *x = NULL, *l;
	struct aem_frame *f;
	struct aem_view *v;
	unsigned long idx;

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
	xa_for_each(&t->slots, idx, f) {
		if (!xa_load(&x->slots, idx))
			continue;
		mutex_lock(aem_slot_lock(r, idx));
		f = xa_load(&t->slots, idx);
		if (f && xa_load(&x->slots, idx)) {
			xa_erase(&t->slots, idx);
			aem_entry_drop(r, f);
		}
		mutex_unlock(aem_slot_lock(r, idx));
		cond_resched();
	}
out:
	mutex_unlock(&r->views_lock);
}

static void aem_layer_release(struct kref *ref)
{
	struct aem_layer *l = container_of(ref, struct aem_layer, ref);
	struct aem_region *r = l->region;
	struct aem_layer *backing;
	struct aem_frame *f;
	unsigned long idx;

	/*
	 * Free down the chain while this layer held the last reference of
	 * its backing; a loop, not recursion: a chain is as deep as the
	 * forks behind it.
	 */
	while (l) {
		xa_for_each(&l->slots, idx, f) {
			aem_entry_drop(l->region, f);
			cond_resched();
		}
		xa_destroy(&l->slots);
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

static void aem_layer_put(struct aem_layer *l)
{
	kref_put(&l->ref, aem_layer_release);
}

/*
 * aem_lookup_entry - what @idx resolves to in the chain of @top, as is
 * @where: receives the layer holding the entry, NULL for none
 *
 * Return: a frame, a stored page (xa_is_value()), or NULL when the view
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
 * Bring the page stored under @handle at @idx of @l back into a frame of
 * the pool, in its place, allocated with @flags added (AEM_ALLOC_HIGH when
 * the backend is going).  Slot lock held.
 */
static struct aem_frame *aem_unstore(struct aem_layer *l, pgoff_t idx,
				     unsigned long handle, unsigned int flags)
{
	struct aem_region *r = l->region;
	const struct aem_store_ops *ops;
	struct aem_frame *f;
	int sidx, err;

	lockdep_assert_held(aem_slot_lock(r, idx));
	/* Zeroed: a backend that writes less than a page leaks nothing. */
	f = aem_alloc_pages_mpol(&r->pol, 0, AEM_MT(AETHER_MM_MT_MOVABLE) |
				 AEM_OWNER(AEM_OWNER_REGION) | AEM_ALLOC_ZERO |
				 flags);
	if (!f)
		return ERR_PTR(-ENOMEM);
	ops = aem_store_get(&sidx, false);
	/* No backend: one that went gave up on this page (it said so). */
	err = ops ? ops->load(handle, f) : -EIO;
	if (!err)
		ops->release(handle);
	aem_store_put(sidx);
	if (err) {
		aem_free_pages(f, 0);
		return ERR_PTR(err);
	}
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, f, GFP_KERNEL);
	aem_region_frame_add(r, l, idx, f);
	atomic_long_dec(&r->stored);
	atomic_long_dec(&aem_stored_pages);
	atomic_long_inc(&r->store_ins);
	return f;
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

	if (!xa_is_value(e))
		return e;
	return aem_unstore(*where, idx, aem_slot_stored_handle(e), 0);
}

/**
 * aem_region_store_page - give frame @f, at @idx of @l, to the store
 * @r: its region
 * @l: the layer
 * @idx: data page index
 * @f: the frame; the caller holds the slot lock of @idx
 * @ops: the store backend, from aem_store_get(.., true)
 *
 * The page is zapped from every page table first, so no write is lost;
 * a fault meanwhile waits for the slot lock and loads it back.
 *
 * Return: 0 when the frame went back to the pool; -EBUSY when a kernel
 * reader holds it; the backend's errno.
 */
int aem_region_store_page(struct aem_region *r, struct aem_layer *l,
			  pgoff_t idx, struct aem_frame *f,
			  const struct aem_store_ops *ops)
{
	unsigned long handle;
	int err;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (atomic_read(&f->refcount) != 1)
		return -EBUSY;
	aem_region_zap_page(r, idx);
	err = ops->store(f, &handle);
	if (err)
		return err;
	if (!aem_slot_handle_fits(handle)) {	/* see region.h */
		ops->release(handle);
		return -ERANGE;
	}
	xa_store(&l->slots, idx, aem_slot_mk_stored(handle), GFP_KERNEL);
	aem_region_frame_gone(r, f);
	aem_free_pages(f, 0);
	atomic_long_inc(&r->stored);
	atomic_long_inc(&aem_stored_pages);
	atomic_long_inc(&r->store_outs);
	return 0;
}

/*
 * Bring every stored page of layer @l back (the backend is going).  Its
 * frames may come from the pool's reserve (AEM_ALLOC_HIGH): a page that
 * is not brought back is lost.  A page that finds no frame even there is
 * left stored, and so is every page after it (the pool is empty: trying
 * each would only fail again); the caller decides whether to wait.
 *
 * Return: pages left stored; *@err gets the last failure.
 */
static unsigned long aem_layer_unstore(struct aem_layer *l, int *err)
{
	struct aem_region *r = l->region;
	unsigned long idx, left = 0;
	struct aem_frame *f;
	void *e;

	xa_for_each(&l->slots, idx, e) {
		if (!xa_is_value(e))
			continue;
		if (*err == -ENOMEM) {
			left++;
			continue;
		}
		mutex_lock(aem_slot_lock(r, idx));
		e = xa_load(&l->slots, idx);
		f = xa_is_value(e) ?
		    aem_unstore(l, idx, aem_slot_stored_handle(e),
				AEM_ALLOC_HIGH) : NULL;
		mutex_unlock(aem_slot_lock(r, idx));
		if (IS_ERR(f)) {
			*err = PTR_ERR(f);
			left++;
		}
		cond_resched();
	}
	return left;
}

/*
 * Every stored page of @r's base and views' chains, back in frames.  A
 * chain gains a layer at each fork of a process mapping a PRIVATE region,
 * so the array may be large: when it cannot be had, the caller's next
 * walk tries again (until its deadline).
 * Return: pages left stored; *@err gets the last failure.
 */
static unsigned long aem_region_unstore(struct aem_region *r, int *err)
{
	unsigned long left = 0;
	struct aem_layer **ls, *l;
	unsigned int k, nl;
	struct aem_view *v;

	mutex_lock(&r->views_lock);
	nl = 1;
	list_for_each_entry(v, &r->views, link)
		for (l = v->top; l; l = l->backing)
			nl++;
	ls = kvmalloc_array(nl, sizeof(*ls), GFP_KERNEL);
	if (!ls) {
		mutex_unlock(&r->views_lock);
		return atomic_long_read(&r->stored);
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
	for (k = 0; k < nl; k++) {
		left += aem_layer_unstore(ls[k], err);
		aem_layer_put(ls[k]);
	}
	kvfree(ls);
	return left;
}

/*
 * aem_region_next - the live region after @prev, for a walk that does not
 * allocate
 * @prev: the region the walk is at (its reference is dropped), or NULL to
 *	  start
 *
 * A referenced region stays on the list (see aem_region_release()), so the
 * walk goes on from it; regions created meanwhile may or may not be seen.
 *
 * Return: the region, with a reference, or NULL at the end.
 */
static struct aem_region *aem_region_next(struct aem_region *prev)
{
	struct list_head *pos;
	struct aem_region *r = NULL;

	mutex_lock(&aem_regions_lock);
	pos = prev ? prev->link.next : aem_regions.next;
	if (pos != &aem_regions) {
		r = list_entry(pos, struct aem_region, link);
		kref_get(&r->ref);
	}
	mutex_unlock(&aem_regions_lock);
	if (prev)
		aem_region_put(prev);
	return r;
}

/**
 * aem_region_unstore_all() - bring every stored page back into a frame
 *
 * Called by aem_unregister_store() once no new store can start.  Walks
 * every layer of every region reachable from its base or a view's chain,
 * taking frames from the pool's reserve if need be; a layer reachable
 * from neither (its view just torn down by munmap(), or held by an ioctl
 * in flight) releases its stored pages when it is freed, through the
 * backend, which is still there: so it then waits for the count of stored
 * pages to reach zero, walking again, for at most AEM_UNSTORE_WAIT_MS.
 * It does not wait for frames: when a walk finds the pool empty, the
 * reserve included, it gives up at once.
 *
 * Return: 0; -ENOMEM when the pool, reserve included, had no frame for
 * some pages; -ETIMEDOUT when pages were still stored at the deadline.
 * Either way their contents are lost (reported here); a fault on one
 * raises SIGBUS.
 */
int aem_region_unstore_all(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(AEM_UNSTORE_WAIT_MS);
	struct aem_region *r;
	int err = 0;
	long left;

	for (;;) {
		for (r = aem_region_next(NULL); r; r = aem_region_next(r))
			if (atomic_long_read(&r->stored))
				aem_region_unstore(r, &err);
		left = atomic_long_read(&aem_stored_pages);
		if (!left)
			return 0;
		if (err == -ENOMEM || time_after(jiffies, deadline))
			break;
		err = 0;
		msleep(20);
	}
	if (err == -ENOMEM)
		pr_err("%ld stored pages found no frame, the pool's reserve included, before the store backend went: their contents are lost\n",
		       left);
	else
		pr_err("%ld stored pages did not come back before the store backend went: their contents are lost\n",
		       left);
	return err == -ENOMEM ? -ENOMEM : -ETIMEDOUT;
}

/* ---- regions ----------------------------------------------------------- */

/*
 * Regions one uid may hold at once (max_regions_per_uid): each pins its
 * struct, two bytes per page and an inode however little it maps.
 */
#define AEM_MAX_REGIONS_PER_UID_LIMIT	BIT(20)

static unsigned int aem_max_regions_per_uid = 4096;
static DEFINE_XARRAY(aem_uid_regions);	/* uid -> regions (aem_regions_lock) */

/* One more region for @uid: 0, -EDQUOT at the limit, or -ENOMEM. */
static int aem_uid_regions_inc(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long n;

	lockdep_assert_held(&aem_regions_lock);
	n = xa_to_value(xa_load(&aem_uid_regions, key) ?: xa_mk_value(0));
	if (n >= READ_ONCE(aem_max_regions_per_uid))
		return -EDQUOT;
	return xa_err(xa_store(&aem_uid_regions, key, xa_mk_value(n + 1),
			       GFP_KERNEL));
}

static void aem_uid_regions_dec(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long n;

	lockdep_assert_held(&aem_regions_lock);
	n = xa_to_value(xa_load(&aem_uid_regions, key) ?: xa_mk_value(0));
	if (WARN_ON_ONCE(!n))
		return;
	/* Replacing a present entry allocates nothing. */
	if (n == 1)
		xa_erase(&aem_uid_regions, key);
	else
		xa_store(&aem_uid_regions, key, xa_mk_value(n - 1), GFP_KERNEL);
}

/*
 * The count reached zero under aem_regions_lock (kref_put_mutex()): the
 * region leaves the list, and its name is free, before anyone can look
 * it up again; so every region on the list is alive, CREATE and OPEN
 * agree on a name, and a lookup under the lock takes a plain reference.
 */
static void aem_region_release(struct kref *ref)
{
	struct aem_region *r = container_of(ref, struct aem_region, ref);
	int i;

	lockdep_assert_held(&aem_regions_lock);
	list_del(&r->link);
	aem_nr_regions--;
	aem_uid_regions_dec(r->uid);
	mutex_unlock(&aem_regions_lock);

	/* Every VMA is gone (each held a file), so every view is too. */
	WARN_ON_ONCE(!list_empty(&r->views));
	aem_layer_put(r->base);
	WARN_ON_ONCE(atomic_long_read(&r->resident));
	/* The region's own reference, held since aem_region_new(). */
	iput(r->inode);
	for (i = 0; i < AEM_REGION_SLOT_LOCKS; i++)
		mutex_destroy(&r->slot_locks[i]);
	mutex_destroy(&r->views_lock);
	mutex_destroy(&r->wx_lock);
	kvfree(r->gens);
	kvfree(r->fault_nid);
	kfree_rcu(r, rcu);
}

/**
 * aem_region_put - drop a reference on a region
 * @r: the region
 *
 * The last one frees it, and its frames, layers and inode.  Takes
 * aem_regions_lock then, so never called with it held.
 */
void aem_region_put(struct aem_region *r)
{
	kref_put_mutex(&r->ref, aem_region_release, &aem_regions_lock);
}

static bool aem_region_name_ok(const char *name)
{
	const char *c;

	if (!*name)
		return false;
	/* ASCII only: the kernel's isalnum() takes Latin-1 letters too. */
	for (c = name; *c; c++)
		if (!isascii(*c) ||
		    (!isalnum(*c) && *c != '.' && *c != '_' && *c != '-'))
			return false;
	return true;
}

/* Copy a region name in from userspace: -EFAULT, -EINVAL or 0. */
static int aem_region_name_in(char *name, u64 uptr)
{
	long len;

	len = strncpy_from_user(name, u64_to_user_ptr(uptr),
				AETHER_MM_REGION_NAME_MAX);
	if (len < 0)
		return len;
	if (len >= AETHER_MM_REGION_NAME_MAX)
		return -EINVAL;		/* no NUL within the limit */
	return aem_region_name_ok(name) ? 0 : -EINVAL;
}

static struct aem_region *aem_region_find_name(const char *name)
{
	struct aem_region *r;

	lockdep_assert_held(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link)
		if (r->name[0] && !strcmp(r->name, name))
			return r;
	return NULL;
}

/* The nodes the fast and slow tiers prefer: the pool's lowest and highest. */
static void aem_tier_nodes(int *fast, int *slow)
{
	int nid;

	*fast = -1;
	for_each_aem_nid(nid) {
		if (*fast < 0)
			*fast = nid;
		*slow = nid;
	}
}

/* Map a tier onto a policy: only LOCAL policies are steered by tiers. */
static int aem_region_policy(struct aem_region *r, u32 mode, u64 nodemask)
{
	int first, last, err;

	err = aem_mempolicy_init(&r->pol, mode, nodemask);
	if (err)
		return err;
	aem_tier_nodes(&first, &last);
	if (mode == AETHER_MM_POL_LOCAL && r->tier == AETHER_MM_TIER_FAST)
		return aem_mempolicy_init(&r->pol, AETHER_MM_POL_PREFERRED,
					  BIT_ULL(first));
	if (mode == AETHER_MM_POL_LOCAL && r->tier == AETHER_MM_TIER_SLOW)
		return aem_mempolicy_init(&r->pol, AETHER_MM_POL_PREFERRED,
					  BIT_ULL(last));
	return 0;
}

static int aem_region_check(const struct aether_mm_region_create *c)
{
	u32 kind = c->flags & (AETHER_MM_REGION_PRIVATE |
			       AETHER_MM_REGION_SHARED);

	if (c->flags & ~AETHER_MM_REGION_FLAGS || c->__reserved0)
		return -EINVAL;
	if (kind != AETHER_MM_REGION_PRIVATE && kind != AETHER_MM_REGION_SHARED)
		return -EINVAL;
	if (!c->length || !PAGE_ALIGNED(c->length))
		return -EINVAL;
	if (c->max_prot & ~AETHER_MM_PROT_ALL ||
	    !(c->max_prot & AETHER_MM_PROT_READ))
		return -EINVAL;
	if (c->tier >= AETHER_MM_NR_TIERS)
		return -EINVAL;
	if (c->flags & AETHER_MM_REGION_GUARD) {
		if (!c->guard_pages ||
		    c->guard_pages > AETHER_MM_REGION_MAX_GUARD)
			return -EINVAL;
	} else if (c->guard_pages) {
		return -EINVAL;
	}
	return 0;
}

/* The pool's largest size, all nodes: no region may be larger. */
static u64 aem_pool_max_bytes(void)
{
	struct aem_node *node;
	u64 chunks = 0;

	for_each_aem_node(node)
		chunks += node->max_chunks;
	return chunks << (AEM_CHUNK_ORDER + PAGE_SHIFT);
}

static struct file *aem_region_file(struct aem_region *r, int flags)
{
	struct file *file;

	/*
	 * __fput() drops a module reference for f_op: take it, as
	 * anon_inode_getfile() does.
	 */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENOENT);
	ihold(r->inode);
	file = alloc_file_pseudo(r->inode, aem_rfs_mnt, "aether_region",
				 flags, &aem_region_fops);
	if (IS_ERR(file)) {
		iput(r->inode);
		module_put(THIS_MODULE);
		return file;
	}
	kref_get(&r->ref);
	atomic_inc(&r->nr_files);
	file->private_data = r;
	return file;
}

/*
 * A new fd of @r for the caller, not yet installed: the caller writes the
 * number back to userspace first, then fd_install()s it, or undoes both
 * with aem_region_fd_undo() when that fails.
 */
static int aem_region_fd(struct aem_region *r, int flags, bool cloexec,
			 struct file **filep)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	file = aem_region_file(r, flags);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	*filep = file;
	return fd;
}

static void aem_region_fd_undo(int fd, struct file *file)
{
	put_unused_fd(fd);
	fput(file);
}

static struct aem_region *aem_region_new(const struct aether_mm_region_create *c,
					 const char *name)
{
	struct aem_region *r;
	int i, err;

	/*
	 * What a region pins in the kernel, per page of it, is charged to
	 * the creator's memory cgroup.
	 */
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->ref);
	r->flags = c->flags & ~AETHER_MM_REGION_CLOEXEC;	/* the fd's */
	r->max_prot = c->max_prot;
	r->tier = c->tier;
	r->length = c->length;
	r->nr_pages = c->length >> PAGE_SHIFT;
	r->guard = c->guard_pages;
	r->uid = current_fsuid();
	strscpy(r->name, name, sizeof(r->name));
	mutex_init(&r->views_lock);
	mutex_init(&r->wx_lock);
	INIT_LIST_HEAD(&r->views);
	for (i = 0; i < AEM_REGION_SLOT_LOCKS; i++)
		mutex_init(&r->slot_locks[i]);
	err = aem_region_policy(r, c->pol_mode, c->nodemask);
	if (err)
		goto out_free;
	err = -ENOMEM;
	r->fault_nid = kvzalloc(r->nr_pages, GFP_KERNEL_ACCOUNT);
	r->gens = kvmalloc(r->nr_pages, GFP_KERNEL_ACCOUNT);
	if (!r->fault_nid || !r->gens)
		goto out_free;
	memset(r->gens, AEM_GEN_NONE, r->nr_pages);
	r->base = aem_layer_new(r, NULL, GFP_KERNEL_ACCOUNT);
	if (!r->base)
		goto out_free;
	/*
	 * The region holds this first reference until it is freed: it
	 * outlives its files (REGION_OPEN in flight, compaction, collapse,
	 * aether_kaccessd), and each of them reaches the inode.
	 */
	r->inode = alloc_anon_inode(aem_rfs_mnt->mnt_sb);
	if (IS_ERR(r->inode)) {
		err = PTR_ERR(r->inode);
		goto out_base;
	}
	r->inode->i_private = r;
	/*
	 * 6.1 runs ->huge_fault() of a VM_PFNMAP mapping only for a DAX
	 * inode (hugepage_vma_check()); nothing else of DAX applies to a
	 * file without page cache, read/write or a block device.
	 */
	if ((r->flags & AETHER_MM_REGION_HUGE) && IS_ENABLED(CONFIG_FS_DAX))
		r->inode->i_flags |= S_DAX;
	/* The fds see the guards and the data as one file. */
	i_size_write(r->inode, (r->nr_pages + 2ULL * r->guard) << PAGE_SHIFT);
	return r;

out_base:
	aem_layer_put(r->base);
out_free:
	kvfree(r->gens);
	kvfree(r->fault_nid);
	kfree(r);
	return ERR_PTR(err);
}

/**
 * aem_ioc_region_create() - AETHER_MM_IOC_REGION_CREATE
 * @uarg: struct aether_mm_region_create
 *
 * Return: 0 with the fd and id written back, or a negative errno.
 */
int aem_ioc_region_create(void __user *uarg)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX] = "";
	struct aem_region *r;
	struct file *file;
	int fd, err;

	err = aem_copy_in(&c, sizeof(c), uarg);
	if (err)
		return err;
	err = aem_region_check(&c);
	if (err)
		return err;
	if (c.length > aem_pool_max_bytes())
		return -ENOMEM;
	if (c.name) {
		err = aem_region_name_in(name, c.name);
		if (err)
			return err;
	}
	r = aem_region_new(&c, name);
	if (IS_ERR(r))
		return PTR_ERR(r);

	/* Published under the lock, so a name is never taken twice. */
	mutex_lock(&aem_regions_lock);
	if (name[0] && aem_region_find_name(name)) {
		mutex_unlock(&aem_regions_lock);
		err = -EEXIST;
		goto out_inode;
	}
	err = aem_uid_regions_inc(r->uid);
	if (err) {
		mutex_unlock(&aem_regions_lock);
		goto out_inode;
	}
	r->id = aem_region_next_id++;
	list_add_tail(&r->link, &aem_regions);
	aem_nr_regions++;
	mutex_unlock(&aem_regions_lock);

	fd = aem_region_fd(r, O_RDWR, c.flags & AETHER_MM_REGION_CLOEXEC,
			   &file);
	/* The file holds the region now; drop the creation reference. */
	c.id = r->id;
	aem_region_put(r);
	if (fd < 0)
		return fd;
	c.fd = fd;
	err = aem_copy_out(uarg, &c, sizeof(c));
	if (err) {
		aem_region_fd_undo(fd, file);
		return err;
	}
	fd_install(fd, file);
	return 0;

out_inode:
	iput(r->inode);
	aem_layer_put(r->base);
	kvfree(r->gens);
	kvfree(r->fault_nid);
	kfree(r);
	return err;
}

/*
 * Who may open a named region.  Names are global, first come first
 * served: another uid's region opens only when the caller asks for one
 * (@oflags has OPEN_FOREIGN), so that a create-or-open never maps a
 * region someone else made under the name it wanted.  Then the policy
 * backend (the memory firewall) decides when it has an opinion; else the
 * owner, or an administrator, may open it.
 */
static int aem_region_may_open(const struct aem_region *r, u32 oflags)
{
	bool mine = uid_eq(r->uid, current_fsuid());
	int ret;

	if (!mine && !(oflags & AETHER_MM_REGION_OPEN_FOREIGN))
		return -EACCES;
	ret = aem_policy_may_open(r->name, r->uid, r->flags);
	if (ret <= 0)
		return ret;
	return mine || capable(CAP_SYS_ADMIN) ? 0 : -EACCES;
}

/**
 * aem_ioc_region_open() - AETHER_MM_IOC_REGION_OPEN
 * @uarg: struct aether_mm_region_open
 *
 * Return: 0 with the fd and id written back, or a negative errno.
 */
int aem_ioc_region_open(void __user *uarg)
{
	struct aether_mm_region_open o;
	char name[AETHER_MM_REGION_NAME_MAX];
	struct aem_region *r;
	struct file *file;
	int fd, err;

	err = aem_copy_in(&o, sizeof(o), uarg);
	if (err)
		return err;
	if (o.flags & ~AETHER_MM_REGION_OPEN_FLAGS)
		return -EINVAL;
	err = aem_region_name_in(name, o.name);
	if (err)
		return err;

	mutex_lock(&aem_regions_lock);
	r = aem_region_find_name(name);
	/* On the list, it is alive (see aem_region_release()). */
	if (r)
		kref_get(&r->ref);
	mutex_unlock(&aem_regions_lock);
	if (!r)
		return -ENOENT;
	o.owner = from_kuid_munged(current_user_ns(), r->uid);
	err = aem_region_may_open(r, o.flags);
	if (err) {
		/* Whose it is, for the caller to judge a refusal by. */
		o.fd = -1;
		o.id = 0;
		aem_copy_out(uarg, &o, sizeof(o));
		goto out;
	}
	fd = aem_region_fd(r, o.flags & AETHER_MM_REGION_OPEN_RDONLY ?
			   O_RDONLY : O_RDWR,
			   o.flags & AETHER_MM_REGION_OPEN_CLOEXEC, &file);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	o.fd = fd;
	o.id = r->id;
	err = aem_copy_out(uarg, &o, sizeof(o));
	if (err)
		aem_region_fd_undo(fd, file);
	else
		fd_install(fd, file);
out:
	aem_region_put(r);
	return err;
}

/**
 * aem_ioc_region_list() - AETHER_MM_IOC_REGION_LIST
 * @uarg: struct aether_mm_region_list
 *
 * A caller sees the regions its fsuid created; CAP_SYS_ADMIN sees all.
 *
 * Return: 0, or a negative errno.
 */
int aem_ioc_region_list(void __user *uarg)
{
	struct aether_mm_region_list l;
	struct aem_region *r;
	u64 *ids = NULL;
	bool admin;
	u32 n = 0;
	int err;

	err = aem_copy_in(&l, sizeof(l), uarg);
	if (err)
		return err;
	if (l.count > AETHER_MM_REGION_MAX_LIST || l.__reserved0 ||
	    (l.count && !l.ids))
		return -EINVAL;
	if (l.count) {
		ids = kcalloc(l.count, sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
	}
	admin = capable(CAP_SYS_ADMIN);
	l.total = 0;
	mutex_lock(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link) {
		if (!admin && !uid_eq(r->uid, current_fsuid()))
			continue;
		if (n < l.count)
			ids[n++] = r->id;
		l.total++;
	}
	mutex_unlock(&aem_regions_lock);
	l.count = n;
	if (n && copy_to_user(u64_to_user_ptr(l.ids), ids, n * sizeof(*ids)))
		err = -EFAULT;
	else
		err = aem_copy_out(uarg, &l, sizeof(l));
	kfree(ids);
	return err;
}

/**
 * aem_regions_get_all - a reference on every live region
 * @rs: receives a kmalloc()ed array of them, for the caller to kfree()
 *	after aem_region_put() on each
 *
 * Return: the number of regions in @rs (0 when none or out of memory).
 */
unsigned int aem_regions_get_all(struct aem_region ***rs)
{
	struct aem_region *r;
	unsigned int n = 0;

	mutex_lock(&aem_regions_lock);
	*rs = kmalloc_array(max(aem_nr_regions, 1U), sizeof(**rs),
			    GFP_KERNEL);
	if (*rs)
		list_for_each_entry(r, &aem_regions, link)
			if (kref_get_unless_zero(&r->ref))
				(*rs)[n++] = r;
	mutex_unlock(&aem_regions_lock);
	return n;
}

/* Set a bit in @present for every data page some layer of @l's chain has. */
static void aem_chain_present(struct aem_layer *l, unsigned long *present)
{
	struct aem_frame *f;
	unsigned long idx;

	for (; l; l = l->backing)
		xa_for_each(&l->slots, idx, f)
			__set_bit(idx, present);
}

/**
 * aem_region_grab_mms - the processes that map a region, and its frames
 * @r: the region
 * @mms: receives a kmalloc()ed array of the mms, each with mmgrab()
 * @present: bitmap over the data pages: set where a view (or the base)
 *	     has a frame
 *
 * A view exists only while a VMA of its mm maps the region, so its mm is
 * still allocated under views_lock and mmgrab() is safe.
 *
 * Return: entries in @mms.
 */
unsigned int aem_region_grab_mms(struct aem_region *r,
				 struct mm_struct ***mms,
				 unsigned long *present)
{
	struct aem_view *v;
	unsigned int n = 0;

	mutex_lock(&r->views_lock);
	aem_chain_present(r->base, present);
	*mms = kmalloc_array(max(r->nr_views, 1U), sizeof(**mms), GFP_KERNEL);
	list_for_each_entry(v, &r->views, link) {
		aem_chain_present(v->top, present);
		if (*mms) {
			mmgrab(v->mm);
			(*mms)[n++] = v->mm;
		}
	}
	mutex_unlock(&r->views_lock);
	return n;
}

/**
 * aem_region_offer - offer data page @idx of @r to a cold-page taker
 * @nid: only a frame of this node, or NUMA_NO_NODE
 * @gen: its generation
 * @fn: the taker (see aem_cold_fn)
 * @arg: its argument
 * @offered: set when @fn was called
 *
 * The page is offered when every view sees the same frame at @idx (a
 * SHARED region's, or one PRIVATE image's): taking it then changes what
 * each of them sees in the same way.  With @nowait, a lock held by
 * someone else skips the page (a caller inside a pool allocation).
 *
 * Return: what @fn returned, or 0 when it was not called.
 */
int aem_region_offer(struct aem_region *r, pgoff_t idx, int nid,
		     unsigned int gen, aem_cold_fn fn, void *arg,
		     bool nowait, bool *offered)
{
	struct aem_layer *where = NULL, *w;
	void *f = NULL, *g;
	struct aem_view *v;
	int ret = 0;

	*offered = false;
	if (!nowait)
		mutex_lock(&r->views_lock);
	else if (!mutex_trylock(&r->views_lock))
		return 0;
	if (!nowait) {
		mutex_lock(aem_slot_lock(r, idx));
	} else if (!mutex_trylock(aem_slot_lock(r, idx))) {
		mutex_unlock(&r->views_lock);
		return atomic_long_read(&r->stored);
	}
	if (list_empty(&r->views)) {
		f = aem_lookup_entry(r->base, idx, &where);
	} else {
		list_for_each_entry(v, &r->views, link) {
			g = aem_lookup_entry(v->top, idx, &w);
			if (!g || (f && g != f)) {
				f = NULL;
				break;
			}
			f = g;
			where = w;
		}
	}
	/* A stored page has no frame to offer. */
	if (f && !xa_is_value(f) &&
	    (nid == NUMA_NO_NODE || aem_frame_nid(f) == nid)) {
		*offered = true;
		ret = fn(r, where, idx, f, gen, arg);
	}
	mutex_unlock(aem_slot_lock(r, idx));
	mutex_unlock(&r->views_lock);
	return ret;
}

/**
 * aem_region_collapse - gather a 2 MiB range of @r into one order-9 block
 * @r: a HUGE region
 * @idx: first data page of a range aligned in the file
 *
 * The range must have all its 512 pages as frames of the one layer every
 * view sees (a SHARED region's base, or the top of a PRIVATE region mapped
 * by one process), none held by a kernel reader.  They are zapped from
 * every page table first, copied into the block, and freed; the block is
 * split into the layer's new frames.  The next fault maps the range with
 * a PMD where Linux has no page table for it yet (a new mapping): a page
 * table that exists stays, and maps the block page by page.
 *
 * Return: 0; -EALREADY when the range is one block already; -EBUSY,
 * -ENOENT (not fully populated or not one layer's) or -ENOMEM.
 */
int aem_region_collapse(struct aem_region *r, pgoff_t idx)
{
	struct aem_layer *l = NULL;
	struct aem_frame *nf, *f;
	unsigned long i, pfn = 0;
	bool contiguous = true;
	int ret = -ENOENT;

	mutex_lock(&r->views_lock);
	if (r->flags & AETHER_MM_REGION_SHARED)
		l = r->base;
	else if (r->nr_views == 1)
		l = list_first_entry(&r->views, struct aem_view, link)->top;
	if (!l)
		goto out_views;
	mutex_lock(aem_slot_lock(r, idx));
	for (i = 0; i < AEM_HUGE_PAGES; i++) {
		f = xa_load(&l->slots, idx + i);
		if (!f || xa_is_value(f))
			goto out;
		if (atomic_read(&f->refcount) != 1) {
			ret = -EBUSY;
			goto out;
		}
		if (!i)
			pfn = aem_frame_pfn(f);
		contiguous = contiguous && aem_frame_pfn(f) == pfn + i;
	}
	ret = -EALREADY;
	if (contiguous && IS_ALIGNED(pfn, AEM_HUGE_PAGES))
		goto out;
	ret = -ENOMEM;
	nf = aem_alloc_pages_mpol(&r->pol, AEM_HUGE_ORDER,
				  AEM_ALLOC_NOGROW |
				  AEM_MT(AETHER_MM_MT_MOVABLE) |
				  AEM_OWNER(AEM_OWNER_REGION));
	if (!nf)
		goto out;
	unmap_mapping_range(r->inode->i_mapping,
			    (loff_t)(idx + r->guard) << PAGE_SHIFT,
			    (loff_t)AEM_HUGE_PAGES << PAGE_SHIFT, 1);
	aem_split_block(nf, AEM_HUGE_ORDER);
	for (i = 0; i < AEM_HUGE_PAGES; i++) {
		f = xa_load(&l->slots, idx + i);
		copy_highpage(aem_frame_page(nf + i), aem_frame_page(f));
		/* Replacing a present entry allocates nothing. */
		xa_store(&l->slots, idx + i, nf + i, GFP_KERNEL);
		aem_region_frame_add(r, l, idx + i, nf + i);
		aem_region_frame_gone(r, f);
		aem_free_pages(f, 0);
	}
	atomic_long_inc(&r->huge_collapses);
	ret = 0;
out:
	mutex_unlock(aem_slot_lock(r, idx));
out_views:
	mutex_unlock(&r->views_lock);
	return ret;
}

/* ---- views and VMAs -------------------------------------------------- */

static struct aem_view *aem_view_find(struct aem_region *r,
				      struct mm_struct *mm)
{
	struct aem_view *v;

	lockdep_assert_held(&r->views_lock);
	list_for_each_entry(v, &r->views, link)
		if (v->mm == mm)
			return v;
	return NULL;
}

static struct aem_view *aem_view_alloc(struct aem_region *r,
				       struct mm_struct *mm, gfp_t gfp)
{
	struct aem_view *v = kzalloc(sizeof(*v), gfp);

	if (!v)
		return NULL;
	v->region = r;
	v->mm = mm;
	aem_view_pred_init(v);
	list_add(&v->link, &r->views);
	r->nr_views++;
	return v;
}

static void aem_view_put(struct aem_view *v)
{
	struct aem_region *r = v->region;

	mutex_lock(&r->views_lock);
	if (!atomic_dec_and_test(&v->nr_vmas)) {
		mutex_unlock(&r->views_lock);
		return;
	}
	list_del(&v->link);
	r->nr_views--;
	mutex_unlock(&r->views_lock);
	aem_layer_put(v->top);
	kfree(v);
}

/* A new VMA of the caller's view of @r, made at mmap(). */
static struct aem_view *aem_view_get(struct aem_region *r)
{
	struct aem_view *v;

	mutex_lock(&r->views_lock);
	v = aem_view_find(r, current->mm);
	if (!v) {
		v = aem_view_alloc(r, current->mm, GFP_KERNEL_ACCOUNT);
		if (!v)
			goto out;
		if (r->flags & AETHER_MM_REGION_SHARED) {
			kref_get(&r->base->ref);
			v->top = r->base;
		} else {
			v->top = aem_layer_new(r, r->base, GFP_KERNEL_ACCOUNT);
			if (!v->top) {
				list_del(&v->link);
				r->nr_views--;
				kfree(v);
				v = NULL;
				goto out;
			}
		}
	}
	atomic_inc(&v->nr_vmas);
out:
	mutex_unlock(&r->views_lock);
	return v;
}

/*
 * fork(): give the child (vma->vm_mm) its view.  For a private region the
 * first VMA of the fork freezes the parent's top under two new tops; each
 * VMA then zaps its twin in the parent, so copy_page_range() copies nothing
 * and the parent faults in its own image again.  ->open cannot fail, so
 * the few small objects come with __GFP_NOFAIL.
 */
static struct aem_view *aem_view_fork(struct aem_view *parent,
				      struct vm_area_struct *vma)
{
	struct aem_region *r = parent->region;
	struct aem_layer *frozen, *ptop, *ctop;
	struct vm_area_struct *pvma;
	struct aem_view *child;
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOFAIL;

	/* mmap_assert_*() would need dump_mm(), not exported on 6.1 */
	lockdep_assert_held_write(&parent->mm->mmap_lock);
	mutex_lock(&r->views_lock);
	child = aem_view_find(r, vma->vm_mm);
	if (!child) {
		child = aem_view_alloc(r, vma->vm_mm, gfp);
		if (r->flags & AETHER_MM_REGION_SHARED) {
			kref_get(&r->base->ref);
			child->top = r->base;
		} else {
			frozen = parent->top;
			ptop = aem_layer_new(r, frozen, gfp);
			ctop = aem_layer_new(r, frozen, gfp);
			parent->top = ptop;
			child->top = ctop;
			aem_layer_put(frozen);	/* the parent's old reference */
		}
	}
	atomic_inc(&child->nr_vmas);
	mutex_unlock(&r->views_lock);

	if (r->flags & AETHER_MM_REGION_PRIVATE) {
		pvma = find_vma(parent->mm, vma->vm_start);
		if (pvma && pvma->vm_private_data == parent &&
		    pvma->vm_start == vma->vm_start)
			zap_vma_ptes(pvma, pvma->vm_start,
				     pvma->vm_end - pvma->vm_start);
	}
	return child;
}

static void aem_region_vm_open(struct vm_area_struct *vma)
{
	struct aem_view *v = vma->vm_private_data;

	if (vma->vm_mm == v->mm) {
		/* split or mremap: one more VMA of the same view */
		atomic_inc(&v->nr_vmas);
		return;
	}
	vma->vm_private_data = aem_view_fork(v, vma);
}

static void aem_region_vm_close(struct vm_area_struct *vma)
{
	aem_view_put(vma->vm_private_data);
}

/*
 * W^X.  Without ALLOW_WX no mapping of a region is writable and executable
 * at once, and no image is writable through one mapping while executable
 * through another.  The image is the region for a SHARED one (every
 * process that maps it), the caller's view for a PRIVATE one (no other
 * process sees what this one writes).  So mmap() and mprotect() that would
 * make a mapping writable (executable) are refused while another mapping
 * of the image is executable (writable); the change of one mapping from
 * one to the other stays allowed.
 *
 * Another process's mappings are read under its mmap_lock, taken with a
 * trylock: we hold our own for write, and so may it, checking ours.  A
 * process between its check and the change (the VMA linked by mmap(), the
 * flags set by mprotect()) still holds its lock for write, so the next
 * check either sees the change or fails to take the lock and tries again;
 * region->wx_lock orders the checks of one region, and makes a check and
 * the creation of the view it is for one step.
 */
#define AEM_WX_TRIES	20

/* Only a region that may be mapped writable and executable needs this. */
static bool aem_wx_guarded(const struct aem_region *r)
{
	return !(r->flags & AETHER_MM_REGION_ALLOW_WX) &&
	       (r->max_prot & AETHER_MM_PROT_WRITE) &&
	       (r->max_prot & AETHER_MM_PROT_EXEC);
}

/* Does a mapping of @r in @mm, other than @skip, have one of @bits? */
static bool aem_wx_mm_has(struct aem_region *r, struct mm_struct *mm,
			  struct vm_area_struct *skip, unsigned long bits)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
		if (vma != skip && aem_vma_of_region(vma, r) &&
		    (vma->vm_flags & bits))
			return true;
	return false;
}

/* The same in the other processes that map @r: 0, -EACCES or -EAGAIN. */
static int aem_wx_others_have(struct aem_region *r, unsigned long bits)
{
	struct aem_view *v;
	int ret = 0;

	mutex_lock(&r->views_lock);
	list_for_each_entry(v, &r->views, link) {
		if (v->mm == current->mm)
			continue;
		/* A view on the list keeps its mm's VMAs, so the mm. */
		if (!mmap_read_trylock(v->mm)) {
			ret = -EAGAIN;
			break;
		}
		if (aem_wx_mm_has(r, v->mm, NULL, bits))
			ret = -EACCES;
		mmap_read_unlock(v->mm);
		if (ret)
			break;
	}
	mutex_unlock(&r->views_lock);
	return ret;
}

/*
 * aem_wx_check - may a mapping of @r get @newflags
 * @skip: the mapping whose flags change, left out; NULL for a new one, or
 *	  for one that keeps its flags on a part (mprotect() of a range)
 *
 * Return: 0, -EACCES, or -EAGAIN when another process mapping a SHARED
 * region held its mmap_lock through every try.
 */
static int aem_wx_check(struct aem_region *r, struct vm_area_struct *skip,
			unsigned long newflags)
{
	unsigned long bits;
	int tries, ret;

	lockdep_assert_held(&r->wx_lock);
	lockdep_assert_held_write(&current->mm->mmap_lock);
	if (!aem_wx_guarded(r))
		return 0;
	if ((newflags & VM_WRITE) && (newflags & VM_EXEC))
		return -EACCES;
	if (newflags & VM_WRITE)
		bits = VM_EXEC;
	else if (newflags & VM_EXEC)
		bits = VM_WRITE;
	else
		return 0;
	if (aem_wx_mm_has(r, current->mm, skip, bits))
		return -EACCES;
	if (r->flags & AETHER_MM_REGION_PRIVATE)
		return 0;
	for (tries = 0; tries < AEM_WX_TRIES; tries++) {
		ret = aem_wx_others_have(r, bits);
		if (ret != -EAGAIN)
			return ret;
		usleep_range(500, 1000);
	}
	return -EAGAIN;
}

static int aem_region_vm_mprotect(struct vm_area_struct *vma,
				  unsigned long start, unsigned long end,
				  unsigned long newflags)
{
	struct aem_view *v = vma->vm_private_data;
	struct aem_region *r = v->region;
	bool whole = start == vma->vm_start && end == vma->vm_end;
	int ret;

	if ((newflags & VM_WRITE) && (newflags & VM_EXEC) &&
	    !(r->flags & AETHER_MM_REGION_ALLOW_WX))
		return -EACCES;
	mutex_lock(&r->wx_lock);
	ret = aem_wx_check(r, whole ? vma : NULL, newflags);
	mutex_unlock(&r->wx_lock);
	return ret;
}

static const struct vm_operations_struct aem_region_vm_ops = {
	.open		= aem_region_vm_open,
	.close		= aem_region_vm_close,
	.mprotect	= aem_region_vm_mprotect,
	.fault		= aem_region_fault,
	.pfn_mkwrite	= aem_region_pfn_mkwrite,
	.huge_fault	= aem_region_huge_fault,
	.map_pages	= aem_region_map_pages,
};

/* Is @vma a mapping of region @r? */
bool aem_vma_of_region(struct vm_area_struct *vma, struct aem_region *r)
{
	const struct aem_view *v = vma->vm_private_data;

	return vma->vm_ops == &aem_region_vm_ops && v && v->region == r;
}

static int aem_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aem_region *r = file->private_data;
	unsigned long total = r->nr_pages + 2UL * r->guard;
	unsigned long flags = vma->vm_flags;
	struct aem_view *v;
	int err;

	/*
	 * Copy-on-write is the region's flag; Linux's own COW would take
	 * anonymous pages from outside the pool.
	 */
	if (!(flags & VM_MAYSHARE))
		return -EINVAL;	/* VM_SHARED itself is gone on an O_RDONLY fd */
	if (vma->vm_pgoff >= total || vma_pages(vma) > total - vma->vm_pgoff)
		return -EINVAL;
	if ((flags & VM_WRITE) && !(r->max_prot & AETHER_MM_PROT_WRITE))
		return -EACCES;
	if ((flags & VM_EXEC) && !(r->max_prot & AETHER_MM_PROT_EXEC))
		return -EACCES;
	if ((flags & VM_WRITE) && (flags & VM_EXEC) &&
	    !(r->flags & AETHER_MM_REGION_ALLOW_WX))
		return -EACCES;
	mutex_lock(&r->wx_lock);
	err = aem_wx_check(r, NULL, flags);
	v = err ? NULL : aem_view_get(r);
	mutex_unlock(&r->wx_lock);
	if (err)
		return err;
	if (!v)
		return -ENOMEM;
	/* mprotect() beyond the maximum protection: -EACCES from the core. */
	if (!(r->max_prot & AETHER_MM_PROT_WRITE))
		vm_flags_clear(vma, VM_MAYWRITE);
	if (!(r->max_prot & AETHER_MM_PROT_EXEC))
		vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/* THP "madvise" mode: the huge fault path wants it asked for. */
	if (r->flags & AETHER_MM_REGION_HUGE)
		vm_flags_set(vma, VM_HUGEPAGE);
	vma->vm_ops = &aem_region_vm_ops;
	vma->vm_private_data = v;
	return 0;
}

/* ---- region fd ioctls -------------------------------------------------- */

/*
 * The image of @r the caller's process sees: the top layer of its view,
 * or the base when it maps nothing of @r; with a reference, taken under
 * views_lock, for aem_image_put().  The chain under a layer never changes,
 * so the reference is all a reader needs.  The mmap_lock would not do:
 * munmap() downgrades it to read before ->close frees the view and puts
 * its top, so another thread's munmap of the last mapping runs beside a
 * reader holding it for read.
 */
static struct aem_layer *aem_image_get(struct aem_region *r)
{
	struct aem_layer *top;
	struct aem_view *v;

	mutex_lock(&r->views_lock);
	v = aem_view_find(r, current->mm);
	top = v ? v->top : r->base;
	kref_get(&top->ref);
	mutex_unlock(&r->views_lock);
	return top;
}

/*
 * Drop what aem_image_get() took.  When @top's view went meanwhile, this
 * frees it; when a layer above it is left as its only referrer, the frames
 * that layer hides go (as aem_layer_release() does for a backing layer).
 */
static void aem_image_put(struct aem_region *r, struct aem_layer *top)
{
	if (refcount_dec_and_test(&top->ref.refcount))
		aem_layer_release(&top->ref);
	else if (kref_read(&top->ref) == 1)
		aem_layer_trim(r, top);
}

static int aem_ioc_region_info(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_info info;
	int err, nid;

	err = aem_copy_in(&info, sizeof(info), uarg);
	if (err)
		return err;
	if (info.__reserved0 || info.__reserved1)
		return -EINVAL;
	info.flags = r->flags;
	info.max_prot = r->max_prot;
	info.tier = r->tier;
	info.id = r->id;
	info.length = r->length;
	info.data_offset = (u64)r->guard << PAGE_SHIFT;
	info.resident = atomic_long_read(&r->resident);
	info.faults = atomic_long_read(&r->faults);
	info.zero_maps = atomic_long_read(&r->zero_maps);
	info.cow_copies = atomic_long_read(&r->cow_copies);
	info.cow_steals = atomic_long_read(&r->cow_steals);
	info.alloc_fail = atomic_long_read(&r->alloc_fail);
	info.predicted = atomic_long_read(&r->predicted);
	info.prefetched = atomic_long_read(&r->prefetched);
	info.prefetch_hits = atomic_long_read(&r->prefetch_hits);
	info.prefetch_wasted = atomic_long_read(&r->prefetch_wasted);
	info.migrated = atomic_long_read(&r->migrated);
	mutex_lock(&r->views_lock);
	info.nr_views = r->nr_views;
	mutex_unlock(&r->views_lock);
	info.nr_files = atomic_read(&r->nr_files);
	for (nid = 0; nid < AEM_MAX_NODES; nid++)
		info.node_pages[nid] = atomic_long_read(&r->node_pages[nid]);
	return aem_copy_out(uarg, &info, sizeof(info));
}

/* What maps the address REGION_QUERY asks about: AETHER_MM_MAP_* */
static int aem_pte_probe_fn(pte_t *ptep, unsigned long addr, void *data)
{
	pte_t pte = ptep_get(ptep);
	u32 *map = data;

	if (pte_present(pte)) {
		*map |= AETHER_MM_MAP_PRESENT;
		if (pte_write(pte))
			*map |= AETHER_MM_MAP_WRITE;
		if (is_zero_pfn(pte_pfn(pte)))
			*map |= AETHER_MM_MAP_ZERO;
	}
	return 0;
}

static int aem_pmd_probe_fn(pmd_t *pmdp, unsigned long addr, void *data)
{
	pmd_t pmd = READ_ONCE(*pmdp);
	u32 *map = data;

	if (pmd_present(pmd)) {
		*map |= AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_HUGE;
		if (pmd_write(pmd))
			*map |= AETHER_MM_MAP_WRITE;
	}
	return 0;
}

static int aem_ioc_region_query(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_query q;
	struct vm_area_struct *vma;
	struct aem_layer *where;
	struct aem_view *v;
	struct aem_frame *f;
	pgoff_t pg;
	int err;

	err = aem_copy_in(&q, sizeof(q), uarg);
	if (err)
		return err;
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, q.addr);
	if (!vma || vma->vm_ops != &aem_region_vm_ops ||
	    ((struct aem_view *)vma->vm_private_data)->region != r) {
		mmap_read_unlock(current->mm);
		return -EFAULT;
	}
	v = vma->vm_private_data;
	pg = linear_page_index(vma, q.addr);
	q.map = 0;
	q.node = -1;
	q.frame_id = 0;
	q.pfn = 0;
	aem_region_walk(r, vma, q.addr & PAGE_MASK,
			(q.addr & PAGE_MASK) + PAGE_SIZE, aem_pte_probe_fn,
			aem_pmd_probe_fn, &q.map);
	if (aem_region_is_guard(r, pg)) {
		q.state = AETHER_MM_PAGE_GUARD;
	} else {
		pgoff_t idx = pg - r->guard;

		mutex_lock(aem_slot_lock(r, idx));
		f = aem_lookup_entry(v->top, idx, &where);
		if (xa_is_value(f)) {
			q.state = AETHER_MM_PAGE_STORED;
			f = NULL;
		} else if (!f) {
			q.state = AETHER_MM_PAGE_NONE;
		} else if (where == v->top &&
			   (r->flags & AETHER_MM_REGION_PRIVATE)) {
			q.state = AETHER_MM_PAGE_OWN;
		} else {
			q.state = AETHER_MM_PAGE_SHARED;
		}
		if (f) {
			q.node = aem_frame_nid(f);
			q.frame_id = siphash_1u64(aem_frame_pfn(f),
						  &aem_frame_id_key) | 1;
			if (capable(CAP_SYS_ADMIN))
				q.pfn = aem_frame_pfn(f);
		}
		mutex_unlock(aem_slot_lock(r, idx));
	}
	mmap_read_unlock(current->mm);
	return aem_copy_out(uarg, &q, sizeof(q));
}

/* CRC-32 of @nr pages from @idx of the image of @top, via vm_map_ram(). */
static int aem_region_crc(struct aem_region *r, struct aem_layer *top,
			  pgoff_t idx, unsigned int nr, u32 *crc)
{
	struct aem_frame *frames[AEM_CKSUM_BATCH];
	struct aem_layer *where;
	void *addr = NULL;
	unsigned int i;
	int err = 0;

	/*
	 * Under the slot lock, a reference on each frame: a migration may
	 * replace a frame in its layer once the lock is dropped, and the
	 * reference keeps the old one (and its content) until we are done.
	 */
	for (i = 0; i < nr; i++) {
		mutex_lock(aem_slot_lock(r, idx + i));
		frames[i] = top ? aem_lookup(top, idx + i, &where) : NULL;
		if (IS_ERR(frames[i])) {
			err = PTR_ERR(frames[i]);
			frames[i] = NULL;
		}
		if (frames[i])
			atomic_inc(&frames[i]->refcount);
		mutex_unlock(aem_slot_lock(r, idx + i));
	}
	/* A stored page that could not come back fails the whole sum. */
	if (!err)
		addr = aem_vmap_frames(frames, nr);
	if (addr) {
		*crc = crc32_le(*crc, addr, (size_t)nr << PAGE_SHIFT);
		aem_vunmap_frames(addr, nr);
	}
	for (i = 0; i < nr; i++)
		if (frames[i])
			aem_free_pages(frames[i], 0);
	if (err)
		return err;
	return addr ? 0 : -ENOMEM;
}

/* A byte range of the data from userspace: page aligned, not empty, inside. */
static bool aem_region_range_ok(const struct aem_region *r, u64 offset,
				u64 length)
{
	return length && PAGE_ALIGNED(offset) && PAGE_ALIGNED(length) &&
	       offset <= r->length && length <= r->length - offset;
}

static int aem_ioc_region_checksum(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_checksum c;
	struct aem_layer *top;
	pgoff_t idx, end;
	u32 crc = ~0U;
	int err;

	err = aem_copy_in(&c, sizeof(c), uarg);
	if (err)
		return err;
	if (c.__reserved0 || c.__reserved1)
		return -EINVAL;
	if (!aem_region_range_ok(r, c.offset, c.length) ||
	    c.length > AETHER_MM_CHECKSUM_MAX)
		return -EINVAL;
	/* A private region's base is empty: the image of a non-mapper. */
	top = aem_image_get(r);
	idx = c.offset >> PAGE_SHIFT;
	end = idx + (c.length >> PAGE_SHIFT);
	while (idx < end && !err) {
		unsigned int nr = min_t(pgoff_t, end - idx, AEM_CKSUM_BATCH);

		err = aem_region_crc(r, top, idx, nr, &crc);
		idx += nr;
		if (fatal_signal_pending(current))
			err = -EINTR;
	}
	aem_image_put(r, top);
	if (err)
		return err;
	c.crc32 = crc ^ ~0U;
	return aem_copy_out(uarg, &c, sizeof(c));
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
	if (atomic_read(&f->refcount) != 1)
		return -EBUSY;
	nf = aem_alloc_pages(nid, 0, flags | AEM_ALLOC_THISNODE |
			     AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_REGION));
	if (!nf)
		return -ENOMEM;
	aem_region_zap_page(r, idx);
	copy_highpage(aem_frame_page(nf), aem_frame_page(f));
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->slots, idx, nf, GFP_KERNEL);
	aem_region_frame_add(r, l, idx, nf);
	aem_region_frame_gone(r, f);
	aem_free_pages(f, 0);
	return 0;
}

/**
 * aem_region_move_frame - move a frame of some region to a new frame
 * @f: an allocated frame of the pool
 * @nid: node of the new frame
 * @flags: allocation flags added to the usual ones (AEM_ALLOC_NOGROW)
 *
 * For compaction: @f comes from a scan of the pool, not from a region, so
 * its owner is found through its reverse map.  The layer and the region
 * are freed after an RCU grace period, which keeps them readable here
 * until a reference is taken; the slot lock then says whether @f is still
 * where the map said.  A frame that left meanwhile is freed by its owner.
 *
 * Return: 0 when moved; -ENOENT when @f is not (or no longer) a region's;
 * -EBUSY when a kernel reader holds it; -ENOMEM when @nid has no frame.
 */
int aem_region_move_frame(struct aem_frame *f, int nid, unsigned int flags)
{
	struct aem_region *r;
	struct aem_layer *l;
	pgoff_t idx;
	int ret = -ENOENT;

	rcu_read_lock();
	l = READ_ONCE(f->rmap.layer);
	idx = READ_ONCE(f->rmap.index);
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
		if (xa_load(&l->slots, idx) == f)
			ret = aem_region_move_locked(r, l, idx, f, nid, flags);
		mutex_unlock(aem_slot_lock(r, idx));
	}
	aem_layer_put(l);
	aem_region_put(r);
	return ret;
}

/* Move the frame @idx resolves to in @top's chain to @nid, in its layer. */
static void aem_migrate_one(struct aem_region *r, struct aem_layer *top,
			    pgoff_t idx, int nid,
			    struct aether_mm_region_migrate *m)
{
	struct aem_layer *where;
	struct aem_frame *f;

	mutex_lock(aem_slot_lock(r, idx));
	if (nid == AETHER_MM_MIGRATE_AUTO)
		nid = aem_numa_last_node(r, idx);
	/* A stored page has no frame: it comes back where it is used. */
	f = aem_lookup_entry(top, idx, &where);
	if (xa_is_value(f))
		f = NULL;
	if (f && nid != NUMA_NO_NODE && aem_frame_nid(f) != nid) {
		switch (aem_region_move_locked(r, where, idx, f, nid, 0)) {
		case 0:
			atomic_long_inc(&r->migrated);
			m->migrated++;
			break;
		case -EBUSY:
			m->busy++;
			break;
		default:
			m->failed++;
		}
	}
	mutex_unlock(aem_slot_lock(r, idx));
}

static int aem_ioc_region_migrate(struct aem_region *r, void __user *uarg)
{
	struct aether_mm_region_migrate m;
	struct aem_layer *top;
	pgoff_t idx, end;
	int err = 0;

	err = aem_copy_in(&m, sizeof(m), uarg);
	if (err)
		return err;
	if (m.node != AETHER_MM_MIGRATE_AUTO &&
	    (m.node < 0 || m.node >= AEM_MAX_NODES || !aem_node(m.node)))
		return -EINVAL;
	if (!aem_region_range_ok(r, m.offset, m.length))
		return -EINVAL;
	m.migrated = 0;
	m.busy = 0;
	m.failed = 0;
	top = aem_image_get(r);
	idx = m.offset >> PAGE_SHIFT;
	end = idx + (m.length >> PAGE_SHIFT);
	for (; idx < end; idx++) {
		aem_migrate_one(r, top, idx, m.node, &m);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	aem_image_put(r, top);
	if (err)
		return err;
	return aem_copy_out(uarg, &m, sizeof(m));
}

static long aem_region_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct aem_region *r = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_INFO):
		return aem_ioc_region_info(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_QUERY):
		return aem_ioc_region_query(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_CHECKSUM):
		return aem_ioc_region_checksum(r, uarg);
	case AEM_IOC_BASE(AETHER_MM_IOC_REGION_MIGRATE):
		return aem_ioc_region_migrate(r, uarg);
	default:
		return -ENOTTY;
	}
}

static int aem_region_file_release(struct inode *inode, struct file *file)
{
	struct aem_region *r = file->private_data;

	atomic_dec(&r->nr_files);
	aem_region_put(r);
	return 0;
}

static const struct file_operations aem_region_fops = {
	.owner		= THIS_MODULE,
	.release	= aem_region_file_release,
	.mmap		= aem_region_mmap,
	/* 2 MiB aligned with the file offset, for the PMDs of HUGE regions */
	.get_unmapped_area = thp_get_unmapped_area,
	.unlocked_ioctl	= aem_region_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* ---- debugfs ------------------------------------------------------------ */

static int aem_dbg_regions_show(struct seq_file *m, void *unused)
{
	struct aem_region *r;

	seq_puts(m, "id       name             kind    flags  prot  tier   pages resident views files   faults  zero   cow  steal  fail numa_flt numa_mig huge_map huge_fb huge_col  stored\n");
	mutex_lock(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link) {
		seq_printf(m, "%-8llu %-16s %-7s 0x%04x %c%c%c   %-6s %6lu %8ld %5u %5d %8ld %5ld %5ld %6ld %5ld %8ld %8ld %8ld %7ld %8ld %7ld\n",
			   r->id, r->name[0] ? r->name : "-",
			   r->flags & AETHER_MM_REGION_SHARED ? "shared" :
			   "private", r->flags,
			   r->max_prot & AETHER_MM_PROT_READ ? 'r' : '-',
			   r->max_prot & AETHER_MM_PROT_WRITE ? 'w' : '-',
			   r->max_prot & AETHER_MM_PROT_EXEC ? 'x' : '-',
			   r->tier == AETHER_MM_TIER_FAST ? "fast" :
			   r->tier == AETHER_MM_TIER_SLOW ? "slow" : "normal",
			   r->nr_pages, atomic_long_read(&r->resident),
			   READ_ONCE(r->nr_views), atomic_read(&r->nr_files),
			   atomic_long_read(&r->faults),
			   atomic_long_read(&r->zero_maps),
			   atomic_long_read(&r->cow_copies),
			   atomic_long_read(&r->cow_steals),
			   atomic_long_read(&r->alloc_fail),
			   atomic_long_read(&r->numa_faults),
			   atomic_long_read(&r->numa_migrated),
			   atomic_long_read(&r->huge_maps),
			   atomic_long_read(&r->huge_fallbacks),
			   atomic_long_read(&r->huge_collapses),
			   atomic_long_read(&r->stored));
	}
	mutex_unlock(&aem_regions_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_regions);

/* The tier -> node mapping, as the policies of new regions apply it. */
static int aem_dbg_tiers_show(struct seq_file *m, void *unused)
{
	int first, last;

	aem_tier_nodes(&first, &last);
	seq_puts(m, "tier    policy (for regions created with POL_LOCAL)\n");
	seq_puts(m, "normal  local: the faulting CPU's node, then by distance\n");
	seq_printf(m, "fast    preferred node %d, then by distance\n", first);
	seq_printf(m, "slow    preferred node %d, then by distance\n", last);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_tiers);

/**
 * aem_region_debugfs() - add regions and tiers to aether/mm/
 * @dir: the module's debugfs directory
 */
void aem_region_debugfs(struct dentry *dir)
{
	debugfs_create_file("regions", 0400, dir, NULL, &aem_dbg_regions_fops);
	debugfs_create_file("tiers", 0400, dir, NULL, &aem_dbg_tiers_fops);
}

/* ---- init and exit ------------------------------------------------------ */

static int aem_rfs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, AEM_RFS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type aem_rfs_type = {
	.name		 = "aether_region",
	.init_fs_context = aem_rfs_init_fs_context,
	.kill_sb	 = kill_anon_super,
};

/**
 * aem_region_init() - mount the regions' pseudo filesystem
 *
 * Return: 0, or the error of kern_mount().
 */
int aem_region_init(void)
{
	get_random_bytes(&aem_frame_id_key, sizeof(aem_frame_id_key));
	aem_rfs_mnt = kern_mount(&aem_rfs_type);
	return PTR_ERR_OR_ZERO(aem_rfs_mnt);
}

/**
 * aem_region_exit() - unmount it
 *
 * Every region file held a module reference, so none is left.
 */
void aem_region_exit(void)
{
	WARN_ON_ONCE(!list_empty(&aem_regions));
	WARN_ON_ONCE(!xa_empty(&aem_uid_regions));
	kern_unmount(aem_rfs_mnt);
}

static int aem_max_regions_per_uid_set(const char *val,
				       const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1,
				     AEM_MAX_REGIONS_PER_UID_LIMIT);
}

static const struct kernel_param_ops aem_max_regions_per_uid_ops = {
	.set = aem_max_regions_per_uid_set,
	.get = param_get_uint,
};

module_param_cb(max_regions_per_uid, &aem_max_regions_per_uid_ops,
		&aem_max_regions_per_uid, 0644);
MODULE_PARM_DESC(max_regions_per_uid, "Regions one uid may hold at once, 1..1048576; REGION_CREATE beyond it fails with -EDQUOT (default 4096; writable)");
