// SPDX-License-Identifier: GPL-2.0
/*
 * region/lifecycle.c - regions and their names: create, open, list, free
 *
 * REGION_CREATE makes a region (its inode on the regions' pseudo
 * filesystem, its base layer, its policy) and an fd of it; a named region
 * can be opened again by name (REGION_OPEN), and REGION_LIST lists what
 * the caller may see.  The global list and the names are under
 * aem_regions_lock; a name is free once the region's last file goes (its
 * last fd or mapping), and the last put of a region unlinks it there
 * (kref_put_mutex()) and frees it after a grace period.  A uid holds at
 * most max_regions_per_uid regions at once, and the frames of every
 * region it made count to its per-user bound (user.c, user_max_pages),
 * whoever faults them in: a region made with CAP_SYS_ADMIN is counted but
 * never refused, whoever it is handed to.
 * See region.h for the objects and the lock order.
 */
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "region.h"

#define AEM_RFS_MAGIC		0x41455247	/* "AERG" */

static struct vfsmount *aem_rfs_mnt;
DEFINE_MUTEX(aem_regions_lock);	/* the list of regions and their names */
LIST_HEAD(aem_regions);
static unsigned int aem_nr_regions;
static u64 aem_region_next_id = 1;
siphash_key_t aem_frame_id_key;

/*
 * Regions one uid may hold at once (max_regions_per_uid): each pins its
 * struct, ten bytes per page (generation, last fault node, generation
 * list links: charged to the creator's memory cgroup) and an inode
 * however little it maps.
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
 * The region's group: a cookie from the policy backend (policy.c), taken
 * once the region has its number and before anyone can see it, so that
 * every frame it ever holds is charged to it (region.h); or none.
 * Return: 0, or the backend's refusal of the region.
 */
static int aem_region_policy_init(struct aem_region *r, struct file *group)
{
	void *cookie;

	lockdep_assert_held(&aem_regions_lock);
	cookie = aem_policy_region_init(r->id, r->uid, r->flags, group,
					&r->pol_gen);
	if (IS_ERR(cookie))
		return PTR_ERR(cookie);
	r->pol_cookie = cookie;
	return 0;
}

/*
 * Every frame of @r is gone, and uncharged: its group forgets it, and the
 * groups it was attached to before let it go (qos.c).
 */
static void aem_region_policy_release(struct aem_region *r)
{
	WARN_ON_ONCE(aem_region_stat(r, AEM_RS_RESIDENT));
	/* Its copies and records went with its layers (verify.c). */
	aem_integ_region_gone(r);
	if (r->pol_gen)
		aem_policy_region_release(r->pol_gen, r->pol_cookie);
	aem_region_retired_release(r);
	r->pol_gen = 0;
}

/*
 * The count reached zero under aem_regions_lock (kref_put_mutex()): the
 * region leaves the list before anyone can look it up again, so every
 * region on the list is alive and a lookup under the lock takes a plain
 * reference.  Its name went with its last file (aem_region_files_put()).
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
	/* Its frames are wiped (aem_secure_wipe()): the charge goes. */
	aem_secure_region_free(r);
	WARN_ON_ONCE(atomic_long_read(&r->merged));
	aem_region_policy_release(r);
	/* The region's own reference, held since aem_region_new(). */
	iput(r->inode);
	for (i = 0; i < AEM_REGION_SLOT_LOCKS; i++)
		mutex_destroy(&r->slot_locks[i]);
	mutex_destroy(&r->views_lock);
	mutex_destroy(&r->wx_lock);
	aem_region_qos_free(r);
	aem_gens_free(r);
	kvfree(r->fault_nid);
	/* Its frames went with its layers, each uncharged. */
	aem_user_put(r->user);
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

/*
 * A region's name is taken while it has a file (an fd, or a mapping, which
 * holds one): not while a scanner, a migration or a reclaim pass holds a
 * passing reference after the last close, or a CREATE right after that
 * close would fail with -EEXIST.  @nr_files goes to 0 only under
 * aem_regions_lock (aem_region_files_put()) and up from 0 only before the
 * region is published, so a lookup under the lock sees the name exactly
 * while someone holds it; a region that lost its name stays on the list
 * until its last reference, nameless to CREATE and OPEN.
 */
static struct aem_region *aem_region_find_name(const char *name)
{
	struct aem_region *r;

	lockdep_assert_held(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link)
		if (r->name[0] && atomic_read(&r->nr_files) &&
		    !strcmp(r->name, name))
			return r;
	return NULL;
}

/*
 * A file of @r, or a claim on its name (CREATE and OPEN hold one until
 * their file exists), goes: the last frees the name.
 */
void aem_region_files_put(struct aem_region *r)
{
	if (atomic_dec_and_mutex_lock(&r->nr_files, &aem_regions_lock))
		mutex_unlock(&aem_regions_lock);
}

/* The nodes the fast and slow tiers prefer: the pool's lowest and highest. */
void aem_tier_nodes(int *fast, int *slow)
{
	aem_pool_nid_range(fast, slow);
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

	if (c->flags & ~AETHER_MM_REGION_FLAGS)
		return -EINVAL;
	if (!(c->flags & AETHER_MM_REGION_QOS_GROUP) && c->qos_fd)
		return -EINVAL;
	if ((c->flags & AETHER_MM_REGION_SECURE_FORK) &&
	    !(c->flags & AETHER_MM_REGION_SECURE))
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
	/* Never from 0 here: the caller's claim holds the name (see above). */
	WARN_ON_ONCE(atomic_inc_return(&r->nr_files) == 1);
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
	/* CLOEXEC is the fd's, QOS_GROUP the creation's */
	r->flags = c->flags & ~(AETHER_MM_REGION_CLOEXEC |
				AETHER_MM_REGION_QOS_GROUP);
	r->max_prot = c->max_prot;
	r->tier = c->tier;
	r->length = c->length;
	r->nr_pages = c->length >> PAGE_SHIFT;
	r->guard = c->guard_pages;
	r->uid = current_fsuid();
	r->tag = c->tag;
	/* Its frames count to its creator, whoever faults them in. */
	r->user = aem_user_get(r->uid);
	if (IS_ERR(r->user)) {
		err = PTR_ERR(r->user);
		kfree(r);
		return ERR_PTR(err);
	}
	r->user_force = aem_user_exempt();
	strscpy(r->name, name, sizeof(r->name));
	mutex_init(&r->views_lock);
	mutex_init(&r->wx_lock);
	mutex_init(&r->qos_lock);
	spin_lock_init(&r->pol_lock);
	INIT_LIST_HEAD(&r->views);
	for (i = 0; i < AEM_REGION_SLOT_LOCKS; i++)
		mutex_init(&r->slot_locks[i]);
	err = aem_region_policy(r, c->pol_mode, c->nodemask);
	if (err)
		goto out_free;
	/* Charged to its creator's RLIMIT_MEMLOCK while it lives. */
	err = aem_secure_region_new(r);
	if (err)
		goto out_free;
	err = -ENOMEM;
	r->fault_nid = kvzalloc(r->nr_pages, GFP_KERNEL_ACCOUNT);
	if (!r->fault_nid || aem_gens_alloc(r))
		goto out_free;
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
	aem_secure_region_free(r);
	aem_gens_free(r);
	kvfree(r->fault_nid);
	aem_user_put(r->user);
	kfree(r);
	return ERR_PTR(err);
}

/**
 * aem_ioc_region_create() - AETHER_MM_IOC_REGION_CREATE
 * @uarg: struct aether_mm_region_create
 *
 * Return: 0 with the fd and id written back, or a negative errno.
 */
static_assert(offsetof(struct aether_mm_region_create, tag) ==
	      AETHER_MM_REGION_CREATE_SIZE_VER0);

int aem_ioc_region_create(void __user *uarg)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX] = "";
	struct file *file, *group = NULL;
	struct aem_region *r;
	size_t size = sizeof(c);
	int fd, err;
	u32 usize;

	/* A caller built before @tag: the old size, an untagged region. */
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize == AETHER_MM_REGION_CREATE_SIZE_VER0) {
		size = usize;
		memset(&c, 0, sizeof(c));
		if (copy_from_user(&c, uarg, size))
			return -EFAULT;
	} else {
		err = aem_copy_in(&c, sizeof(c), uarg);
		if (err)
			return err;
	}
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
	/* The group file, held until its backend has taken the group. */
	if (c.flags & AETHER_MM_REGION_QOS_GROUP) {
		group = fget(c.qos_fd);
		if (!group)
			return -EBADF;
	}
	r = aem_region_new(&c, name);
	if (IS_ERR(r)) {
		if (group)
			fput(group);
		return PTR_ERR(r);
	}

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
	/* Its group, before anyone can fault a page of it in. */
	err = aem_region_policy_init(r, group);
	if (err) {
		aem_uid_regions_dec(r->uid);
		mutex_unlock(&aem_regions_lock);
		goto out_inode;
	}
	/* The name is ours from here: a claim, until the file holds it. */
	atomic_set(&r->nr_files, 1);
	list_add_tail(&r->link, &aem_regions);
	aem_nr_regions++;
	mutex_unlock(&aem_regions_lock);
	if (group)
		fput(group);

	fd = aem_region_fd(r, O_RDWR, c.flags & AETHER_MM_REGION_CLOEXEC,
			   &file);
	/* The file holds the region now; drop the creation claim and ref. */
	c.id = r->id;
	aem_region_files_put(r);
	aem_region_put(r);
	if (fd < 0)
		return fd;
	c.fd = fd;
	err = aem_copy_out(uarg, &c, size);
	if (err) {
		aem_region_fd_undo(fd, file);
		return err;
	}
	fd_install(fd, file);
	return 0;

out_inode:
	if (group)
		fput(group);
	iput(r->inode);
	aem_layer_put(r->base);
	aem_secure_region_free(r);
	aem_gens_free(r);
	kvfree(r->fault_nid);
	aem_user_put(r->user);
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
	ret = aem_region_fw(r, AEM_ACCESS_OP_OPEN, AEM_ACCESS_OPEN);
	if (ret <= 0)
		return ret;
	return mine || capable(CAP_SYS_ADMIN) ? 0 : -EACCES;
}

/**
 * aem_region_fw() - ask the memory firewall about an access to @r
 * @r: the region
 * @op: where it is asked (enum aem_access_op)
 * @access: AEM_ACCESS_* bits asked for
 *
 * Context: process context; may be a fault (does not sleep).
 * Return: 0 an explicit yes, 1 no opinion, a negative errno to refuse.
 */
int aem_region_fw(const struct aem_region *r, enum aem_access_op op,
		  u32 access)
{
	struct aem_access a = {
		.op = op, .access = access, .id = r->id, .name = r->name,
		.owner = r->uid, .flags = r->flags, .tag = r->tag,
	};

	return aem_policy_may_access(&a);
}

/**
 * aem_share_region_may_access - the firewall's word on an ioctl of a module
 * @r: a region the caller holds (aem_share_region_fdget())
 * @access: AEM_ACCESS_* bits the command asks for (AEM_ACCESS_DEDUPE)
 *
 * Context: process context, an ioctl of the current task.
 * Return: 0 to go ahead, a negative errno (-EACCES) to refuse.
 */
int aem_share_region_may_access(struct aem_region *r, u32 access)
{
	int ret = aem_region_fw(r, AEM_ACCESS_OP_IOCTL, access);

	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(aem_share_region_may_access);

/**
 * aem_regions_unmap_all() - zap every page table entry of every region
 *
 * For aem_access_revoke(): the next touch of each mapping faults and is
 * checked again.  The pages stay in their regions.
 *
 * Context: process context, may sleep; takes aem_regions_lock.
 */
void aem_regions_unmap_all(void)
{
	struct aem_region *r;

	mutex_lock(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link)
		unmap_mapping_range(r->inode->i_mapping, 0, 0, 1);
	mutex_unlock(&aem_regions_lock);
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
	/*
	 * On the list, it is alive (see aem_region_release()); named, it
	 * has a file, so a claim on the name keeps it until ours exists.
	 */
	if (r) {
		kref_get(&r->ref);
		atomic_inc(&r->nr_files);
	}
	mutex_unlock(&aem_regions_lock);
	if (!r)
		return -ENOENT;
	o.owner = from_kuid_munged(current_user_ns(), r->uid);
	err = aem_region_may_open(r, o.flags);
	if (err) {
		/*
		 * Whose it is, for the caller to judge a refusal by; written
		 * back holding nothing of the region, so a caller that stalls
		 * the copy keeps neither its name nor its memory.
		 */
		aem_region_files_put(r);
		aem_region_put(r);
		o.fd = -1;
		o.id = 0;
		aem_copy_out(uarg, &o, sizeof(o));
		return err;
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
	aem_region_files_put(r);
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
