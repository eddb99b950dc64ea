// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/aether_slub, the object allocator's face to userspace
 *
 * DOC: Overview
 *
 * Every open of /dev/aether_slub gets a struct aslub_file: the caches it
 * has created and the objects it has allocated, each named by a number
 * that means something on this file only.  A cache is named by its id in
 * @caches; an object by a handle,
 *
 *	handle = (cookie << 32) | id
 *
 * where the cookie is drawn once per open, so a handle of another file,
 * or of an object freed a moment ago, misses with -ENOENT instead of
 * naming somebody else's memory.  Nothing the kernel knows by address
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
 * Every command copies its struct in with copy_struct_from_user() (the
 * struct's @size says which version the caller speaks; the size bits of
 * the command number are ignored for the same reason), checks every field,
 * and copies the struct back.
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
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "internal.h"

#define ASLUB_IOC_MAX_SIZE	PAGE_SIZE
#define ASLUB_IOC_BASE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))
#define ASLUB_FILL_MULT		0x9e3779b97f4a7c15ULL
#define ASLUB_KMALLOC_USER_MAX	SZ_4M

/**
 * struct aslub_file - one open of /dev/aether_slub
 * @lock:	protects everything below
 * @objs:	id -> struct aslub_uobj
 * @caches:	id -> struct aslub_cache
 * @next_obj:	cursor for cyclic object ids
 * @next_cache:	cursor for cyclic cache ids
 * @cookie:	upper half of every handle of this file
 */
struct aslub_file {
	struct mutex lock;	/* see the lock order above */
	struct xarray objs;
	struct xarray caches;
	u32 next_obj;
	u32 next_cache;
	u32 cookie;
};

/**
 * struct aslub_uobj - an object held by an open file
 * @cache:	its cache, NULL for kmalloc
 * @obj:	the object
 * @cache_id:	@cache's id on the file, 0 for kmalloc
 * @size:	bytes of it that FILL writes (the size asked for)
 */
struct aslub_uobj {
	struct aslub_cache *cache;
	void *obj;
	u32 cache_id;
	u32 size;
};

#define ASLUB_XA_FREEING	XA_MARK_1

static atomic_t aslub_file_cookie = ATOMIC_INIT(0);

static int aslub_copy_in(void *dst, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > ASLUB_IOC_MAX_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

static int aslub_copy_out(void __user *uarg, const void *src, size_t ksize)
{
	return copy_to_user(uarg, src, ksize) ? -EFAULT : 0;
}

static struct aslub_cache *aslub_file_cache(struct aslub_file *f, u32 id)
{
	lockdep_assert_held(&f->lock);

	return id ? xa_load(&f->caches, id) : NULL;
}

static struct aslub_uobj *aslub_uobj_lookup(struct aslub_file *f, u64 handle)
{
	lockdep_assert_held(&f->lock);

	if (upper_32_bits(handle) != f->cookie)
		return NULL;
	return xa_load(&f->objs, lower_32_bits(handle));
}

static void aslub_uobj_put(struct aslub_uobj *u)
{
	if (u->cache)
		aslub_cache_free(u->cache, u->obj);
	else
		aslub_kfree(u->obj);
	aslub_kfree(u);
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

	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
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
	u32 id;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	ret = xa_alloc_cyclic(&f->caches, &id, s, XA_LIMIT(1, U32_MAX),
			      &f->next_cache, GFP_KERNEL);
	if (ret < 0) {
		aslub_cache_destroy(s);
		goto out;
	}
	a.id = id;
	a.slab_order = s->order;
	a.objects_per_slab = s->objects;
	a.slot_size = s->size;
	ret = aslub_copy_out(uarg, &a, sizeof(a));
	if (ret)
		aslub_cache_destroy(xa_erase(&f->caches, id));
	else
		ret = 0;
out:
	mutex_unlock(&f->lock);
	return ret;
}

static int aslub_ioc_destroy(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_destroy a;
	struct aslub_cache *s;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
		if (aslub_copy_out(uarg, &a, sizeof(a)))
			ret = -EFAULT;
	} else if (!ret) {
		xa_erase(&f->caches, a.id);
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

/* One object for @f, filed under a fresh id; 0 or -errno. */
static int aslub_alloc_one(struct aslub_file *f, struct aslub_cache *s,
			   const struct aether_slub_alloc *a, gfp_t gfp,
			   u64 *handle)
{
	struct aslub_uobj *u;
	u32 id;
	int ret;

	lockdep_assert_held(&f->lock);

	u = aslub_znew(struct aslub_uobj, GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->cache = s;
	u->cache_id = a->id;
	u->size = s ? s->object_size : a->kmalloc_size;
	if (s)
		u->obj = aslub_cache_alloc_node(s, gfp, a->node);
	else
		u->obj = aslub_kmalloc_node(a->kmalloc_size, gfp, a->node);
	if (!u->obj) {
		aslub_kfree(u);
		return -ENOMEM;
	}
	ret = xa_alloc_cyclic(&f->objs, &id, u, XA_LIMIT(1, U32_MAX),
			      &f->next_obj, GFP_KERNEL);
	if (ret < 0) {
		aslub_uobj_put(u);
		return ret;
	}
	*handle = ((u64)f->cookie << 32) | id;
	return 0;
}

static void aslub_alloc_undo(struct aslub_file *f, const u64 *handles,
			     unsigned int nr)
{
	unsigned int i;

	lockdep_assert_held(&f->lock);

	for (i = 0; i < nr; i++)
		aslub_uobj_put(xa_erase(&f->objs, lower_32_bits(handles[i])));
}

static int aslub_ioc_alloc(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_alloc a;
	struct aslub_cache *s = NULL;
	unsigned int n = 0;
	u64 *handles;
	gfp_t gfp;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = aslub_alloc_check(f, &a);
	if (ret)
		return ret;
	handles = kvmalloc_array(a.count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	/* Always zeroed: AETHER_SLUB_ALLOC_ZERO is a no-op (see the top). */
	gfp = GFP_KERNEL | __GFP_ZERO;
	if (a.flags & AETHER_SLUB_ALLOC_THISNODE)
		gfp |= __GFP_THISNODE;

	mutex_lock(&f->lock);
	if (a.id) {
		s = aslub_file_cache(f, a.id);
		if (!s) {
			ret = -ENOENT;
			goto out;
		}
	}
	for (n = 0; n < a.count; n++) {
		if (fatal_signal_pending(current) ||
		    aslub_alloc_one(f, s, &a, gfp, &handles[n]))
			break;
		if (!(n % 64))
			cond_resched();
	}
	ret = n ? 0 : -ENOMEM;
	a.count = n;
	if (n && (copy_to_user(u64_to_user_ptr(a.handles), handles,
			       array_size(n, sizeof(*handles))) ||
		  aslub_copy_out(uarg, &a, sizeof(a)))) {
		aslub_alloc_undo(f, handles, n);
		ret = -EFAULT;
	}
out:
	mutex_unlock(&f->lock);
	kvfree(handles);
	return ret;
}

static unsigned int aslub_free_mark(struct aslub_file *f, const u64 *handles,
				    unsigned int nr)
{
	unsigned int i;
	u32 id;

	lockdep_assert_held(&f->lock);

	for (i = 0; i < nr; i++) {
		id = lower_32_bits(handles[i]);
		if (!aslub_uobj_lookup(f, handles[i]) ||
		    xa_get_mark(&f->objs, id, ASLUB_XA_FREEING))
			break;
		xa_set_mark(&f->objs, id, ASLUB_XA_FREEING);
	}
	return i;
}

static int aslub_ioc_free(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_free a;
	unsigned int i, marked;
	u64 *handles;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (!a.count || a.count > AETHER_SLUB_MAX_BULK)
		return -EINVAL;
	handles = kvmalloc_array(a.count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	if (copy_from_user(handles, u64_to_user_ptr(a.handles),
			   array_size(a.count, sizeof(*handles)))) {
		ret = -EFAULT;
		goto out;
	}

	mutex_lock(&f->lock);
	marked = aslub_free_mark(f, handles, a.count);
	for (i = 0; i < marked; i++) {
		if (marked < a.count)
			xa_clear_mark(&f->objs, lower_32_bits(handles[i]),
				      ASLUB_XA_FREEING);
		else
			aslub_uobj_put(xa_erase(&f->objs,
						lower_32_bits(handles[i])));
	}
	mutex_unlock(&f->lock);
	ret = marked < a.count ? -ENOENT : 0;
out:
	kvfree(handles);
	return ret;
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

	ret = aslub_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags & ~AETHER_SLUB_FILL_FLAGS)
		return -EINVAL;

	mutex_lock(&f->lock);
	u = aslub_uobj_lookup(f, a.handle);
	if (u)
		a.mismatches = aslub_obj_fill(u, a.seed,
					      a.flags & AETHER_SLUB_FILL_VERIFY);
	mutex_unlock(&f->lock);
	if (!u)
		return -ENOENT;
	return aslub_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_obj_info(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_obj_info a;
	struct aslub_cache *kc;
	struct aslub_uobj *u;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.__reserved0)
		return -EINVAL;

	mutex_lock(&f->lock);
	u = aslub_uobj_lookup(f, a.handle);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_trigger(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_trigger a;
	struct aslub_cache *s;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
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

	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_shrink(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_shrink a;
	struct aslub_cache *s;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
}

static int aslub_ioc_validate(struct aslub_file *f, void __user *uarg)
{
	struct aether_slub_validate a;
	struct aslub_cache *s;
	int ret;

	ret = aslub_copy_in(&a, sizeof(a), uarg);
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
	return aslub_copy_out(uarg, &a, sizeof(a));
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
	if (!b->threads || b->threads > num_online_cpus() ||
	    (b->op == AETHER_SLUB_BENCH_CROSS && b->threads < 2))
		return -EINVAL;
	if (!b->rounds || b->rounds > 1000)
		return -EINVAL;
	if (!b->iterations || b->iterations > 1000000)
		return -EINVAL;
	return 0;
}

static int aslub_ioc_bench(void __user *uarg)
{
	struct aether_slub_bench b;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aslub_copy_in(&b, sizeof(b), uarg);
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
	return aslub_copy_out(uarg, &b, sizeof(b));
}

static long aslub_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct aslub_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (ASLUB_IOC_BASE(cmd)) {
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_INFO):
		return aslub_ioc_info(uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_CREATE):
		return aslub_ioc_create(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_DESTROY):
		return aslub_ioc_destroy(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_ALLOC):
		return aslub_ioc_alloc(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_FREE):
		return aslub_ioc_free(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_FILL):
		return aslub_ioc_fill(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_OBJ_INFO):
		return aslub_ioc_obj_info(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_TRIGGER):
		return aslub_ioc_trigger(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_CACHE_STATS):
		return aslub_ioc_cache_stats(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_SHRINK):
		return aslub_ioc_shrink(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_VALIDATE):
		return aslub_ioc_validate(f, uarg);
	case ASLUB_IOC_BASE(AETHER_SLUB_IOC_BENCH):
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
	xa_init_flags(&f->objs, XA_FLAGS_ALLOC1);
	xa_init_flags(&f->caches, XA_FLAGS_ALLOC1);
	do {
		f->cookie = atomic_inc_return(&aslub_file_cookie);
	} while (!f->cookie);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int aslub_release(struct inode *inode, struct file *file)
{
	struct aslub_file *f = file->private_data;
	struct aslub_cache *s;
	struct aslub_uobj *u;
	unsigned long id;

	mutex_lock(&f->lock);
	xa_for_each(&f->objs, id, u) {
		aslub_uobj_put(u);
		cond_resched();
	}
	xa_for_each(&f->caches, id, s)
		if (aslub_cache_destroy(s))
			pr_err("cache %s of a closed file kept: objects leaked\n",
			       s->name);
	mutex_unlock(&f->lock);

	xa_destroy(&f->objs);
	xa_destroy(&f->caches);
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
