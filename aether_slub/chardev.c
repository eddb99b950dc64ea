// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/aether_slub, the object allocator's face to userspace
 *
 * DOC: Overview
 *
 * Every open of /dev/aether_slub gets a struct aslub_file: the caches it
 * has created and the objects it has allocated, each named by a number
 * that means something on this file only.  A cache is named by its plain
 * id in the @caches table; an object by a handle of the @objs table,
 *
 *	handle = (cookie << 32) | id
 *
 * (aether_mm's handle tables, <aether/handles.h>), so a handle of another
 * file, or of an object freed a moment ago, misses with -ENOENT instead
 * of naming somebody else's memory.  Nothing the kernel knows by address
 * leaves this file.
 *
 * An object moves through three states as far as this file is concerned:
 *
 *	ALLOC:     taken from a cache (or kmalloc), filed, handle given out
 *	FREE:      looked up by handle, erased, given back
 *	release(): whatever is still filed is given back, then the file's
 *		   caches are destroyed
 *
 * FREE is all or nothing, as in aether_mm: every handle is looked up and
 * marked first, and only when the whole array checks out is anything
 * freed.  DESTROY refuses with -EBUSY while the cache has objects in use,
 * whoever holds them.  The bookkeeping of each object (struct aslub_uobj)
 * is itself allocated with aslub_kmalloc(): this module eats its own food.
 *
 * Every object handed out is zeroed, whatever the caller asked: a cache's
 * slots and the kmalloc classes are shared with earlier owners (other
 * files, other users, the kernel), and FILL's count of mismatches would
 * read their bytes out.  A cache made here belongs to the effective uid
 * of the caller of CREATE, whose names it shares (cache.c); CACHE_STATS
 * by index and INFO count only the caller's own caches, unless it has
 * CAP_SYS_ADMIN.
 *
 * What a user takes of the pool is charged to its entry of aether_mm's
 * per-user bound (aem_user_charge(), user_max_pages), once:
 *
 *  - a cache made here charges its owner by the slab (slab.c): every
 *    slab, all its pages, while it is out of the pool, however few of its
 *    objects live.  Charging its objects one by one instead would let a
 *    user who frees all but one object of every slab, in cache after
 *    cache, pin some fifty times the bound.  Its objects are not charged
 *    again.
 *  - an object of the kmalloc classes is charged to its allocator by its
 *    slot (red zones and free pointer included), or by its block of pages
 *    above the size classes.  The classes' slabs are shared with other
 *    users and the kernel, and a partial slab is filled before a new one
 *    is made, so a user cannot add classes the way it adds caches: what
 *    it can pin by fragmenting a class is at most what the class held at
 *    its peak, which the bound limits (so, over every class, a small
 *    multiple of the bound at worst, and the slack is anybody's to use).
 *  - every object, whatever it is, also charges its allocator the slot of
 *    the struct aslub_uobj (a kmalloc object) that files it.
 *
 * Beyond the bound ALLOC makes no more (-ENOMEM when it made none).
 *
 * Every command copies its struct in with aem_copy_in() (aether_mm's,
 * <aether/ioctl.h>: the struct's @size says which version the caller
 * speaks; the size bits of the command number are ignored for the same
 * reason), checks every field, and copies the struct back.
 *
 * Lock order: aslub_file->lock (mutex), held across the calls into the
 * caches, which may sleep; then the order in slab.c.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <aether/bench.h>
#include <aether/handles.h>
#include <aether/ioctl.h>

#include "internal.h"

#define ASLUB_FILL_MULT		0x9e3779b97f4a7c15ULL
#define ASLUB_KMALLOC_USER_MAX	SZ_4M

/**
 * struct aslub_file - one open of /dev/aether_slub
 * @lock:	protects everything below
 * @objs:	handle -> struct aslub_uobj
 * @caches:	id -> struct aslub_cache
 */
struct aslub_file {
	struct mutex lock;	/* see the lock order above */
	struct aem_handles objs;
	struct aem_handles caches;
};

/**
 * struct aslub_uobj - an object held by an open file
 * @cache:	its cache, NULL for kmalloc
 * @obj:	the object
 * @cache_id:	@cache's id on the file, 0 for kmalloc
 * @size:	bytes of it that FILL writes (the size asked for)
 * @user:	the per-user bound of aether_mm it is charged to (the caller
 *		of ALLOC's), referenced until it is freed
 * @charged:	bytes charged: this wrapper's slot, and its own for kmalloc
 */
struct aslub_uobj {
	struct aslub_cache *cache;
	void *obj;
	u32 cache_id;
	u32 size;
	struct aem_user *user;
	unsigned long charged;
};

static struct aslub_cache *aslub_file_cache(struct aslub_file *f, u32 id)
{
	return aem_handle_lookup(&f->caches, id);
}

/* @objs' put: give an object back to its cache. */
static void aslub_uobj_put(void *p)
{
	struct aslub_uobj *u = p;

	if (u->cache)
		aslub_cache_free(u->cache, u->obj);
	else
		aslub_kfree(u->obj);
	aem_user_uncharge(u->user, u->charged);
	aem_user_put(u->user);
	aslub_kfree(u);
}

/*
 * @caches' put: destroy a cache of the file.  At release the objects held
 * through the file are back already (@objs goes first); a cache that
 * still has objects in use is kept, and says so.
 */
static void aslub_file_cache_put(void *p)
{
	struct aslub_cache *s = p;

	if (aslub_cache_destroy(s))
		pr_err("cache %s of a closed file kept: objects leaked\n",
		       s->name);
}

/* May the caller see @s by index: its own, or any with @all? */
static bool aslub_cache_visible(const struct aslub_cache *s, bool all)
{
	return all || (uid_valid(s->owner) && uid_eq(s->owner, current_euid()));
}

static int aslub_ioc_info(void __user *uarg)
{
	struct aether_slub_info a;
	struct aslub_cache *s;
	unsigned int i;
	bool all;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	all = capable(CAP_SYS_ADMIN);
	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list)
		a.nr_caches += aslub_cache_visible(s, all);
	mutex_unlock(&aslub_mutex);
	a.nr_kmalloc = aslub_nr_kmalloc();
	for (i = 0; i < a.nr_kmalloc && i < AETHER_SLUB_NR_KMALLOC; i++)
		a.kmalloc_sizes[i] = aslub_kmalloc_class_size(i);
	a.kmalloc_max = ASLUB_KMALLOC_MAX;
	a.empty_max = READ_ONCE(aslub_empty_max);
	a.debug_flags = aslub_debug_flags;
	aslub_large_counts(&a.large_allocs, &a.large_pages, &a.invalid_kfree);
	a.shrink_pages = atomic_long_read(&aslub_shrunk_pages);
	return aem_copy_out(uarg, &a, sizeof(a));
}

/* A name from userspace: NUL-terminated, printable, no '/'. */
static bool aslub_name_ok(const char *name)
{
	size_t len = strnlen(name, ASLUB_NAME_LEN), i;

	if (!len || len == ASLUB_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isgraph(name[i]) || name[i] == '/')
			return false;
	return true;
}

static int aslub_ioc_create(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_create a;
	struct aslub_cache *s;
	u64 id;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags & ~AETHER_SLUB_F_FLAGS || !a.object_size ||
	    a.object_size > AETHER_SLUB_MAX_OBJECT || !aslub_name_ok(a.name))
		return -EINVAL;
	if (a.align && (!is_power_of_2(a.align) || a.align > PAGE_SIZE))
		return -EINVAL;

	mutex_lock(&f->lock);
	s = aslub_user_cache_create(a.name, a.object_size, a.align, a.flags,
				    current_euid());
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	ret = aem_handle_add(&f->caches, s, &id);
	if (ret)
		goto out;
	a.id = id;
	a.slab_order = s->order;
	a.objects_per_slab = s->objects;
	a.slot_size = s->size;
	ret = aem_handle_give(&f->caches, id, uarg, &a, sizeof(a));
out:
	mutex_unlock(&f->lock);
	return ret;
}

static int aslub_ioc_destroy(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_destroy a;
	struct aslub_cache *s;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	s = aslub_file_cache(f, a.id);
	if (!s) {
		ret = -ENOENT;
		goto out;
	}
	ret = aslub_cache_destroy(s);
	if (ret == -EBUSY) {
		a.live = min_t(unsigned long, aslub_cache_live(s), U32_MAX);
		if (aem_copy_out(uarg, &a, sizeof(a)))
			ret = -EFAULT;
	} else if (!ret) {
		aem_handle_remove(&f->caches, a.id);
	}
out:
	mutex_unlock(&f->lock);
	return ret;
}

static int aslub_alloc_check(struct aslub_file *f,
			     const struct aether_slub_alloc *a)
{
	if (a->flags & ~AETHER_SLUB_ALLOC_FLAGS)
		return -EINVAL;
	if (!a->count || a->count > AETHER_SLUB_MAX_BULK)
		return -EINVAL;
	if (a->id ? a->kmalloc_size != 0 :
		    !a->kmalloc_size || a->kmalloc_size > ASLUB_KMALLOC_USER_MAX)
		return -EINVAL;
	if (a->node == -1)
		return a->flags & AETHER_SLUB_ALLOC_THISNODE ? -EINVAL : 0;
	if (a->node < 0 || a->node >= min_t(int, nr_node_ids, ASLUB_MAX_NODES) ||
	    !node_state(a->node, N_MEMORY))
		return -EINVAL;
	return 0;
}

/*
 * What ALLOC's objects are made of: the request, its cache, its flags,
 * and the caller's entry of aether_mm's per-user bound (@exempt:
 * CAP_SYS_ADMIN).
 */
struct aslub_alloc_req {
	struct aslub_cache *s;
	const struct aether_slub_alloc *a;
	gfp_t gfp;
	struct aem_user *user;
	bool exempt;
};

/*
 * Bytes a kmalloc of @size takes of the pool: the slot of its size class
 * (red zones and free pointer included), or the whole block of pages
 * above the classes.
 */
static unsigned long aslub_kmalloc_bytes(size_t size)
{
	struct aslub_cache *s = aslub_kmalloc_cache(size);

	return s ? s->size : PAGE_SIZE << get_order(size);
}

/* @objs' new: one object from the request's cache or kmalloc, or NULL. */
static void *aslub_uobj_new(void *arg)
{
	const struct aslub_alloc_req *req = arg;
	const struct aether_slub_alloc *a = req->a;
	struct aslub_cache *s = req->s;
	struct aslub_uobj *u;

	u = aslub_znew(struct aslub_uobj, GFP_KERNEL);
	if (!u)
		return NULL;
	u->cache = s;
	u->cache_id = a->id;
	u->size = s ? s->object_size : a->kmalloc_size;
	/*
	 * What it takes, not what was asked: this wrapper's slot, and its own
	 * slot or block of the kmalloc classes.  The slot of a user's cache
	 * is charged with its slab, to the cache's owner (see the top).
	 */
	u->charged = aslub_kmalloc_bytes(sizeof(*u));
	if (!s)
		u->charged += aslub_kmalloc_bytes(u->size);
	if (aem_user_charge(req->user, u->charged, req->exempt))
		goto out_free;
	if (s)
		u->obj = aslub_cache_alloc_node(s, req->gfp, a->node);
	else
		u->obj = aslub_kmalloc_node(a->kmalloc_size, req->gfp, a->node);
	if (!u->obj)
		goto out_uncharge;
	u->user = aem_user_hold(req->user);
	return u;

out_uncharge:
	aem_user_uncharge(req->user, u->charged);
out_free:
	aslub_kfree(u);
	return NULL;
}

static int aslub_ioc_alloc(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_alloc a;
	struct aslub_alloc_req req = { .a = &a };
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = aslub_alloc_check(f, &a);
	if (ret)
		return ret;
	/* Always zeroed: AETHER_SLUB_ALLOC_ZERO is a no-op (see the top). */
	req.gfp = GFP_KERNEL | __GFP_ZERO;
	if (a.flags & AETHER_SLUB_ALLOC_THISNODE)
		req.gfp |= __GFP_THISNODE;

	/* The caller's bound: an object is charged to who allocates it. */
	req.user = aem_user_get(current_euid());
	if (IS_ERR(req.user))
		return PTR_ERR(req.user);
	req.exempt = aem_user_exempt();
	mutex_lock(&f->lock);
	req.s = a.id ? aslub_file_cache(f, a.id) : NULL;
	if (a.id && !req.s)
		ret = -ENOENT;
	else
		ret = aem_handles_alloc_user(&f->objs, aslub_uobj_new, &req,
					     &a.count, a.handles, uarg, &a,
					     sizeof(a));
	mutex_unlock(&f->lock);
	aem_user_put(req.user);
	return ret;
}

static int aslub_ioc_free(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_free a;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	return aem_handles_free_user(&f->objs, a.handles, a.count,
				     AETHER_SLUB_MAX_BULK);
}

/* Write, or with @verify count the bytes that differ from, the pattern. */
static u64 aslub_obj_fill(const struct aslub_uobj *u, u64 seed, bool verify)
{
	u8 *p = u->obj, byte;
	u64 bad = 0, word = 0;
	u32 i;

	for (i = 0; i < u->size; i++) {
		if (!(i % 8))
			word = seed ^ ((u64)(i / 8) * ASLUB_FILL_MULT);
		byte = word >> (8 * (i % 8));
		if (!verify)
			p[i] = byte;
		else if (p[i] != byte)
			bad++;
	}
	return bad;
}

static int aslub_ioc_fill(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_fill a;
	struct aslub_uobj *u;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags & ~AETHER_SLUB_FILL_FLAGS)
		return -EINVAL;

	mutex_lock(&f->lock);
	u = aem_handle_lookup(&f->objs, a.handle);
	if (u)
		a.mismatches = aslub_obj_fill(u, a.seed,
					      a.flags & AETHER_SLUB_FILL_VERIFY);
	mutex_unlock(&f->lock);
	if (!u)
		return -ENOENT;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_obj_info(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_obj_info a;
	struct aslub_cache *kc;
	struct aslub_uobj *u;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	u = aem_handle_lookup(&f->objs, a.handle);
	if (u) {
		a.id = u->cache_id;
		a.node = page_to_nid(virt_to_page(u->obj));
		a.object_size = u->cache ? u->cache->object_size :
					   aslub_ksize(u->obj);
		kc = u->cache ? NULL : aslub_kmalloc_cache(u->size);
		a.kmalloc_class = kc ? kc->object_size : 0;
	}
	mutex_unlock(&f->lock);
	if (!u)
		return -ENOENT;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_trigger(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_trigger a;
	struct aslub_cache *s;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.scenario >= AETHER_SLUB_NR_TRIGGERS)
		return -EINVAL;

	mutex_lock(&f->lock);
	s = aslub_file_cache(f, a.id);
	ret = s ? aslub_debug_trigger(s, a.scenario) : -ENOENT;
	mutex_unlock(&f->lock);
	if (ret < 0)
		return ret;
	a.detected = ret;
	return aem_copy_out(uarg, &a, sizeof(a));
}

/* The @idx-th cache the caller may see into @st, under aslub_mutex. */
static int aslub_stats_by_index(u32 idx, struct aether_slub_cache_stats *st)
{
	bool all = capable(CAP_SYS_ADMIN);
	struct aslub_cache *s;
	int ret = -ENOENT;

	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list) {
		if (!aslub_cache_visible(s, all) || idx--)
			continue;
		aslub_cache_counts(s, st);
		ret = 0;
		break;
	}
	mutex_unlock(&aslub_mutex);
	return ret;
}

static int aslub_ioc_cache_stats(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_cache_stats a;
	struct aslub_cache *s;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;
	if (a.by == AETHER_SLUB_BY_INDEX) {
		ret = aslub_stats_by_index(a.key, &a);
	} else if (a.by == AETHER_SLUB_BY_ID) {
		mutex_lock(&f->lock);
		s = aslub_file_cache(f, a.key);
		if (s)
			aslub_cache_counts(s, &a);
		mutex_unlock(&f->lock);
		ret = s ? 0 : -ENOENT;
	} else {
		return -EINVAL;
	}
	if (ret)
		return ret;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_shrink(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_shrink a;
	struct aslub_cache *s;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (!a.id) {
		a.pages = aslub_shrink_all();
	} else {
		mutex_lock(&f->lock);
		s = aslub_file_cache(f, a.id);
		if (s)
			a.pages = aslub_cache_shrink(s);
		mutex_unlock(&f->lock);
		if (!s)
			return -ENOENT;
	}
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_validate(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_validate a;
	struct aslub_cache *s;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	s = aslub_file_cache(f, a.id);
	if (s)
		a.errors = aslub_validate(s);
	mutex_unlock(&f->lock);
	if (!s)
		return -ENOENT;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static int aslub_bench_check(const struct aether_slub_bench *b)
{
	if (b->__reserved0 || b->__reserved1 ||
	    b->flags & ~AETHER_SLUB_BENCH_FLAGS || b->op >= AETHER_SLUB_NR_BENCH)
		return -EINVAL;
	if (b->object_size < 8 || b->object_size > 4096)
		return -EINVAL;
	if (b->op == AETHER_SLUB_BENCH_PAIR ? b->batch :
					      !b->batch || b->batch > 256)
		return -EINVAL;
	if (b->op == AETHER_SLUB_BENCH_CROSS && b->threads < 2)
		return -EINVAL;
	if (!aem_bench_args_ok(b->threads, b->rounds, b->iterations))
		return -EINVAL;
	return 0;
}

static int aslub_ioc_bench(void __user *uarg)
{
	struct aether_slub_bench b;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&b, sizeof(b), uarg);
	if (ret)
		return ret;
	ret = aslub_bench_check(&b);
	if (ret)
		return ret;
	b.aslub_ns = 0;
	b.kernel_ns = 0;
	b.ratio = 0;
	b.kernel_zeroes = 0;
	ret = aslub_bench_run(&b);
	if (ret)
		return ret;
	return aem_copy_out(uarg, &b, sizeof(b));
}

static long aslub_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct aslub_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_SLUB_IOC_INFO):
		return aslub_ioc_info(uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_CREATE):
		return aslub_ioc_create(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_DESTROY):
		return aslub_ioc_destroy(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_ALLOC):
		return aslub_ioc_alloc(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_FREE):
		return aslub_ioc_free(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_FILL):
		return aslub_ioc_fill(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_OBJ_INFO):
		return aslub_ioc_obj_info(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_TRIGGER):
		return aslub_ioc_trigger(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_CACHE_STATS):
		return aslub_ioc_cache_stats(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_SHRINK):
		return aslub_ioc_shrink(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_VALIDATE):
		return aslub_ioc_validate(f, uarg);
	case AEM_IOC_BASE(AETHER_SLUB_IOC_BENCH):
		return aslub_ioc_bench(uarg);
	default:
		return -ENOTTY;
	}
}

static int aslub_open(struct inode *inode, struct file *file)
{
	struct aslub_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	aem_handles_init(&f->objs, &f->lock, aslub_uobj_put, GFP_KERNEL, true);
	aem_handles_init(&f->caches, &f->lock, aslub_file_cache_put,
			 GFP_KERNEL, false);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int aslub_release(struct inode *inode, struct file *file)
{
	struct aslub_file *f = file->private_data;

	mutex_lock(&f->lock);
	aem_handles_destroy(&f->objs);
	aem_handles_destroy(&f->caches);
	mutex_unlock(&f->lock);

	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations aslub_fops = {
	.owner		= THIS_MODULE,
	.open		= aslub_open,
	.release	= aslub_release,
	.unlocked_ioctl	= aslub_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice aslub_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aether_slub",
	.fops	= &aslub_fops,
	.mode	= 0600,
};

/**
 * aslub_chardev_init() - register /dev/aether_slub
 *
 * Return: 0, or the error of misc_register().
 */
int aslub_chardev_init(void)
{
	return misc_register(&aslub_misc);
}

/**
 * aslub_chardev_exit() - remove /dev/aether_slub
 *
 * No file can still be open: each holds a reference on the module.
 */
void aslub_chardev_exit(void)
{
	misc_deregister(&aslub_misc);
}
