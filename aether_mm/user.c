// SPDX-License-Identifier: GPL-2.0
/*
 * user.c - what each user holds of the pool, and its bound (user_max_pages)
 *
 * DOC: Overview
 *
 * The devices are the group "aether"'s (udev/60-aether.rules), so any
 * member can take pool memory, and without a bound one of them could
 * take all of it.  Every path by which a user's call puts pool memory in
 * its hands is charged here, to the user, before the memory is handed
 * out, and uncharged when it goes back:
 *
 *	ALLOC of /dev/aether_mm		each block, 2^order pages, to the
 *					caller of ALLOC (chardev.c)
 *	a region's frames		each frame as it joins the region,
 *					to the region's creator
 *					(region/region.h, the same calls
 *					that charge the region's QoS group)
 *	a cache of /dev/aether_slub	each slab, 2^order pages, to the
 *					cache's owner while it is out of
 *					the pool, however few objects it
 *					holds (aether_slub's slab.c)
 *	ALLOC of /dev/aether_slub	each object, the slot of the
 *					wrapper that files it, and for the
 *					kmalloc classes its own slot (or
 *					its large block), not the size
 *					asked for
 *
 * A charge that would take a user above user_max_pages fails: ALLOC
 * returns -ENOMEM, a fault SIGBUS.  The counter is kept in bytes, so that
 * objects smaller than a page are counted as what they take; it is
 * shown, and bounded, in pages.  A caller with CAP_SYS_ADMIN (in the
 * initial user namespace) is counted but never refused, and so is a
 * region made by one: whoever maps it, a region's frames are its
 * creator's (a region root hands to a user by its fd costs the user
 * nothing, as a file root gives away does).  A charge that must not
 * fail (a frame replacing one the region holds: migration, compaction,
 * collapse) is never refused either.
 *
 * Whose bound: the uid seen from the initial user namespace, and for a
 * caller inside a user namespace a user made (owned by a uid other than
 * root) the owner of the outermost such namespace (aem_user_key(), the
 * rule aether_qos keys its users' default groups and its firewall
 * subjects by).  A user who makes a namespace (unshare -U) and maps
 * subordinate uids in it is still one user with one bound.  The uids of a
 * namespace root made (a container runtime's: LXD, docker userns-remap,
 * nspawn -U) are users of their own, each keyed by its uid outside: root
 * did not give them its bound, and root's own charges (counted, never
 * refused) are on an entry of uid 0 that no one else's are.
 *
 * An entry (struct aem_user) is made only for the key of the caller's
 * own credentials, at its first charge holder (an open block, a region,
 * an object), so a user cannot fill the table with entries of uids it
 * does not have; it is freed when its last holder goes, by which time
 * its count is zero.  The holders are references: each region, each
 * block, each slub object and each user's slub cache holds one for as
 * long as it is charged.
 *
 * States of an entry:
 *
 *	aem_user_get():	found alive (a reference taken), or made and
 *			stored under the xarray's lock
 *	charges:	atomic, no lock: add, and take it back when above
 *			the bound
 *	aem_user_put():	the last reference erases it (only if it is still
 *			the entry stored for its key) and frees it after a
 *			grace period, so a lookup under RCU never touches
 *			freed memory; a lookup that finds a dying entry
 *			(reference zero) replaces it with a new one
 *
 * Lock order (an excerpt of internal.h's): aem_users' xarray lock is a
 * leaf (18), taken only to store or erase an entry, with nothing of ours
 * inside; a charge takes no lock, so it may be made under a region's
 * @pol_lock (spinlock) and its slot lock.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "internal.h"

/**
 * struct aem_user - what one user holds of the pool
 * @ref:	holders: regions, blocks and objects charged to it, and
 *		calls in flight
 * @uid:	its key, as a uid of the initial user namespace
 * @bytes:	charged and not yet uncharged
 * @refused:	charges refused at the bound
 * @rcu:	freed after a grace period
 */
struct aem_user {
	refcount_t ref;
	uid_t uid;
	atomic_long_t bytes;
	atomic_long_t refused;
	struct rcu_head rcu;
};

/* uid -> struct aem_user (lock: the xarray's own, a leaf). */
static DEFINE_XARRAY(aem_users);

/*
 * user_max_pages: ULONG_MAX until load, when it becomes half the pool's
 * largest size (aem_user_init()); 0 is no bound.
 */
static unsigned long aem_user_max_pages = ULONG_MAX;

/**
 * aem_user_key() - whose bound a caller with @uid is charged to
 * @uid: the caller's uid (a kuid: already the initial namespace's)
 *
 * Walks the caller's user namespaces up to the initial one and keeps the
 * outermost whose owner is not root: the uids a user maps in a namespace
 * of theirs (subordinate ids, newuidmap) are all that user, the owner.
 * When there is none (the initial namespace, or namespaces root made
 * for containers) the key is @uid itself: each container uid is a user
 * of its own, and no one shares root's entry but root.  aether_qos keys
 * its users' default groups and its firewall's uid subjects and
 * quarantine by this (aqos_user_key()).
 *
 * Context: the current task's credentials.
 * Return: the key, a kuid.
 */
kuid_t aem_user_key(kuid_t uid)
{
	return aem_user_key_ns(current_user_ns(), uid);
}
EXPORT_SYMBOL_GPL(aem_user_key);

/**
 * aem_user_key_ns() - aem_user_key() for credentials of user namespace @ns
 * @ns: the user namespace of the credentials (another task's, say)
 * @uid: their uid (a kuid)
 *
 * Return: the key, a kuid.
 */
kuid_t aem_user_key_ns(const struct user_namespace *ns, kuid_t uid)
{
	kuid_t key = uid;

	for (; ns && ns != &init_user_ns; ns = ns->parent)
		if (!uid_eq(ns->owner, GLOBAL_ROOT_UID))
			key = ns->owner;
	return key;
}
EXPORT_SYMBOL_GPL(aem_user_key_ns);

static struct aem_user *aem_user_new(uid_t key)
{
	struct aem_user *u;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return NULL;
	refcount_set(&u->ref, 1);
	u->uid = key;
	atomic_long_set(&u->bytes, 0);
	atomic_long_set(&u->refused, 0);
	return u;
}

/* Store @u for its key unless a live entry is there: the one to use. */
static struct aem_user *aem_user_store(struct aem_user *u)
{
	struct aem_user *old;
	void *err;

	xa_lock(&aem_users);
	old = xa_load(&aem_users, u->uid);
	if (old && refcount_inc_not_zero(&old->ref)) {
		xa_unlock(&aem_users);
		kfree(u);
		return old;
	}
	/* Absent, or dying: its put finds it replaced and erases nothing. */
	err = __xa_store(&aem_users, u->uid, u, GFP_ATOMIC);
	xa_unlock(&aem_users);
	if (xa_is_err(err)) {
		kfree(u);
		return ERR_PTR(xa_err(err));
	}
	return u;
}

/**
 * aem_user_get() - the entry of the user a caller with @uid is charged to
 * @uid: the caller's uid (current_euid(), or a region's creator at
 *	 creation); aem_user_key() maps it
 *
 * Made if it has none.  Called by the user itself (its own credentials),
 * never for another uid, so the table holds only users who hold memory.
 *
 * Context: may sleep.
 * Return: the entry, referenced (aem_user_put()), or ERR_PTR(-ENOMEM).
 */
struct aem_user *aem_user_get(kuid_t uid)
{
	uid_t key = from_kuid(&init_user_ns, aem_user_key(uid));
	struct aem_user *u;

	rcu_read_lock();
	u = xa_load(&aem_users, key);
	if (u && !refcount_inc_not_zero(&u->ref))
		u = NULL;
	rcu_read_unlock();
	if (u)
		return u;

	u = aem_user_new(key);
	if (!u)
		return ERR_PTR(-ENOMEM);
	return aem_user_store(u);
}
EXPORT_SYMBOL_GPL(aem_user_get);

/**
 * aem_user_hold() - one more reference on an entry
 * @u: an entry the caller holds a reference on
 *
 * Return: @u.
 */
struct aem_user *aem_user_hold(struct aem_user *u)
{
	refcount_inc(&u->ref);
	return u;
}
EXPORT_SYMBOL_GPL(aem_user_hold);

/*
 * The last reference is gone: erase @u if it is still its key's entry (a
 * lookup may have replaced it already), free it after a grace period.
 */
static void aem_user_release(struct aem_user *u)
{
	WARN_ON_ONCE(atomic_long_read(&u->bytes));
	xa_cmpxchg(&aem_users, u->uid, u, NULL, 0);
	kfree_rcu(u, rcu);
}

/**
 * aem_user_put() - drop a reference; the last one frees the entry
 * @u: the entry, or NULL
 *
 * Context: process; the last takes the xarray's lock.
 */
void aem_user_put(struct aem_user *u)
{
	if (u && refcount_dec_and_test(&u->ref))
		aem_user_release(u);
}
EXPORT_SYMBOL_GPL(aem_user_put);

/**
 * aem_user_exempt() - is the caller beyond the per-user bound?
 *
 * Asked at every ALLOC of every user: not an access decision, so not
 * audited (a denial here is the normal case, not an event for the LSMs'
 * logs).
 *
 * Return: true for CAP_SYS_ADMIN in the initial user namespace.
 */
bool aem_user_exempt(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}
EXPORT_SYMBOL_GPL(aem_user_exempt);

/* The bound in bytes, 0 for none. */
static unsigned long aem_user_max_bytes(void)
{
	unsigned long pages = READ_ONCE(aem_user_max_pages);

	if (pages == ULONG_MAX || pages > (LONG_MAX >> PAGE_SHIFT))
		return 0;
	return pages << PAGE_SHIFT;
}

/**
 * aem_user_charge() - count @bytes more to a user, within its bound
 * @u:		the entry (referenced by the caller, for as long as the
 *		bytes stay charged)
 * @bytes:	what is about to be handed out
 * @force:	never refuse (CAP_SYS_ADMIN, a region of root's, a frame
 *		that replaces one already charged)
 *
 * Two charges racing at the bound may both be refused where one would
 * have fit; the bound itself is never crossed.
 *
 * Context: any; takes no lock.
 * Return: 0, or -ENOMEM when @bytes would take @u above user_max_pages.
 */
int aem_user_charge(struct aem_user *u, unsigned long bytes, bool force)
{
	unsigned long max = aem_user_max_bytes();
	long now = atomic_long_add_return(bytes, &u->bytes);

	if (force || !max || now <= (long)max)
		return 0;
	atomic_long_sub(bytes, &u->bytes);
	atomic_long_inc(&u->refused);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(aem_user_charge);

/**
 * aem_user_uncharge() - @bytes of a user's went back
 * @u:		the entry
 * @bytes:	as charged
 *
 * Context: any; takes no lock.
 */
void aem_user_uncharge(struct aem_user *u, unsigned long bytes)
{
	WARN_ON_ONCE(atomic_long_sub_return(bytes, &u->bytes) < 0);
}
EXPORT_SYMBOL_GPL(aem_user_uncharge);

/* debugfs users: one line per user holding memory or a region. */
static int aem_users_show(struct seq_file *m, void *v)
{
	struct aem_user *u;
	unsigned long key;
	long bytes;

	seq_printf(m, "%-10s %10s %14s %10s\n", "uid", "pages", "bytes",
		   "refused");
	rcu_read_lock();
	xa_for_each(&aem_users, key, u) {
		if (!refcount_read(&u->ref))
			continue;
		bytes = atomic_long_read(&u->bytes);
		seq_printf(m, "%-10u %10lu %14ld %10ld\n", u->uid,
			   DIV_ROUND_UP(bytes, PAGE_SIZE), bytes,
			   atomic_long_read(&u->refused));
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_users);

/**
 * aem_user_debugfs() - create the "users" file
 * @dir: aether/mm/
 */
void aem_user_debugfs(struct dentry *dir)
{
	debugfs_create_file("users", 0400, dir, NULL, &aem_users_fops);
}

/**
 * aem_user_init() - the bound's default, now that the pool's size is known
 *
 * user_max_pages not given at load: half the pool's largest size.
 */
void aem_user_init(void)
{
	if (aem_user_max_pages == ULONG_MAX)
		aem_user_max_pages = (aem_pool_max_bytes() >> PAGE_SHIFT) / 2;
}

/**
 * aem_user_exit() - at unload every holder is gone: the table is empty
 */
void aem_user_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&aem_users));
	xa_destroy(&aem_users);
}

/*
 * In-kernel self-test (selftest=1): what userspace cannot reach, a dying
 * entry replaced by a lookup and erased by nobody else, and the bound's
 * arithmetic in bytes.  Run at load, before the devices exist, with a
 * uid nobody has.
 */
int aem_user_selftest(void)
{
	unsigned long saved = aem_user_max_pages;
	kuid_t uid = KUIDT_INIT(4000000000U);
	struct aem_user *u, *v;
	int err = -EINVAL;

	u = aem_user_get(uid);
	if (IS_ERR(u))
		return PTR_ERR(u);
	aem_user_max_pages = 2;
	if (aem_user_charge(u, PAGE_SIZE + 1, false) ||
	    aem_user_charge(u, PAGE_SIZE, false) != -ENOMEM ||
	    atomic_long_read(&u->refused) != 1 ||
	    aem_user_charge(u, PAGE_SIZE - 1, false) ||
	    aem_user_charge(u, 1, false) != -ENOMEM ||
	    aem_user_charge(u, PAGE_SIZE, true) ||
	    atomic_long_read(&u->bytes) != 3 * PAGE_SIZE)
		goto out;
	aem_user_uncharge(u, 3 * PAGE_SIZE);
	aem_user_max_pages = saved;

	/* A lookup that finds it dying stores a new one... */
	refcount_set(&u->ref, 0);
	v = aem_user_get(uid);
	if (IS_ERR(v)) {
		err = PTR_ERR(v);
		goto out_dead;
	}
	if (v == u || xa_load(&aem_users, v->uid) != v)
		goto out_both;
	/* ...which the dying one's release leaves alone. */
	aem_user_release(u);
	u = NULL;
	if (xa_load(&aem_users, v->uid) != v)
		goto out_both;
	aem_user_put(v);
	return xa_load(&aem_users, from_kuid(&init_user_ns, uid)) ? -EINVAL :
								      0;

out_both:
	aem_user_put(v);
out_dead:
	if (u)
		aem_user_release(u);
	return err;
out:
	aem_user_max_pages = saved;
	atomic_long_set(&u->bytes, 0);
	aem_user_put(u);
	return err;
}

static int aem_user_max_pages_get(char *buf, const struct kernel_param *kp)
{
	unsigned long pages = READ_ONCE(aem_user_max_pages);

	return sysfs_emit(buf, "%lu\n", pages == ULONG_MAX ? 0 : pages);
}

static const struct kernel_param_ops aem_user_max_pages_ops = {
	.set = param_set_ulong,
	.get = aem_user_max_pages_get,
};

module_param_cb(user_max_pages, &aem_user_max_pages_ops,
		&aem_user_max_pages, 0644);
MODULE_PARM_DESC(user_max_pages, "Pool pages one user may hold (ALLOC blocks, region frames, aether_slub slabs of users' caches and kmalloc objects by the bytes they take); beyond it ALLOC fails with -ENOMEM and a fault with SIGBUS; CAP_SYS_ADMIN is never refused (default half the pool's largest size; 0: no bound; writable)");
