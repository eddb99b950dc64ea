// SPDX-License-Identifier: GPL-2.0
/*
 * policy_count.c - a policy backend that counts, for the tests
 *
 * DOC: Overview
 *
 * debugfs aether/mm/policy_count: write 1 to install a policy backend
 * (policy.c) that gives every region created from then on a cookie of its
 * own and counts the pages charged to it, per node; 0 to remove it.
 * "limit N" makes it refuse a charge (-EDQUOT) that would take one
 * region above N pages, except AEM_CHARGE_NOFAIL ones; "limit 0" lifts
 * it.  Reading gives the totals, then one line per region it knows:
 *
 *   region <id> uid <uid> pages <n> node0 <n> node1 <n> charges <n> refused <n>
 *
 * It exists so that the tests can hold the core's charges against each
 * region's resident frames until aether_qos exists: "underflows" (an
 * uncharge below zero) and "leaked" (a region released with pages still
 * charged) must stay 0.  On removal it forgets its cookies and their
 * pages, as any backend does ("forgotten", "forgotten_pages"), and the
 * regions they belonged to are charged to nobody any more.
 *
 * Locking: aem_pcount_mutex serializes installing and removing it;
 * aem_pcount_lock (a spinlock, inside rcu_read_lock() in the callbacks)
 * guards the list of cookies.  The counters are atomics.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "internal.h"

/**
 * struct aem_pcount - the cookie of one region
 * @link:	on aem_pcount_list
 * @id:		the region's number
 * @uid:	its creator
 * @pages:	pages charged now
 * @node:	of those, per node
 * @charges:	charge calls accepted
 * @refused:	charge calls refused
 */
struct aem_pcount {
	struct list_head link;
	u64 id;
	kuid_t uid;
	atomic_long_t pages;
	atomic_long_t node[AEM_MAX_NODES];
	atomic_long_t charges;
	atomic_long_t refused;
};

static DEFINE_MUTEX(aem_pcount_mutex);	/* installing and removing it */
static DEFINE_SPINLOCK(aem_pcount_lock);	/* aem_pcount_list */
static LIST_HEAD(aem_pcount_list);
static bool aem_pcount_on;
static unsigned long aem_pcount_limit;	/* pages per region, 0: none */
static atomic_long_t aem_pcount_regions, aem_pcount_released;
static atomic_long_t aem_pcount_underflows, aem_pcount_leaked;
static atomic_long_t aem_pcount_forgotten, aem_pcount_forgotten_pages;

static void *aem_pcount_region_init(u64 id, kuid_t uid, u32 flags)
{
	struct aem_pcount *c = kzalloc(sizeof(*c), GFP_NOWAIT | __GFP_NOWARN);

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->id = id;
	c->uid = uid;
	spin_lock(&aem_pcount_lock);
	list_add_tail(&c->link, &aem_pcount_list);
	spin_unlock(&aem_pcount_lock);
	atomic_long_inc(&aem_pcount_regions);
	return c;
}

static void aem_pcount_region_release(void *cookie)
{
	struct aem_pcount *c = cookie;

	spin_lock(&aem_pcount_lock);
	list_del(&c->link);
	spin_unlock(&aem_pcount_lock);
	if (atomic_long_read(&c->pages))
		atomic_long_inc(&aem_pcount_leaked);
	atomic_long_inc(&aem_pcount_released);
	kfree(c);
}

static int aem_pcount_charge(void *cookie, int nid, unsigned long nr,
			     unsigned int flags)
{
	unsigned long limit = READ_ONCE(aem_pcount_limit);
	struct aem_pcount *c = cookie;
	long now;

	if (WARN_ON_ONCE(nid < 0 || nid >= AEM_MAX_NODES))
		return -EINVAL;
	now = atomic_long_add_return(nr, &c->pages);
	if (limit && now > limit && !(flags & AEM_CHARGE_NOFAIL)) {
		atomic_long_sub(nr, &c->pages);
		atomic_long_inc(&c->refused);
		return -EDQUOT;
	}
	atomic_long_add(nr, &c->node[nid]);
	atomic_long_inc(&c->charges);
	return 0;
}

static void aem_pcount_uncharge(void *cookie, int nid, unsigned long nr)
{
	struct aem_pcount *c = cookie;
	long pages;

	if (WARN_ON_ONCE(nid < 0 || nid >= AEM_MAX_NODES))
		return;
	pages = atomic_long_sub_return(nr, &c->pages);

	if (atomic_long_sub_return(nr, &c->node[nid]) < 0 || pages < 0)
		atomic_long_inc(&aem_pcount_underflows);
}

/* Forget every cookie and what is charged to it (policy.c). */
static void aem_pcount_drain(void)
{
	struct aem_pcount *c, *tmp;
	LIST_HEAD(gone);

	spin_lock(&aem_pcount_lock);
	list_splice_init(&aem_pcount_list, &gone);
	spin_unlock(&aem_pcount_lock);
	list_for_each_entry_safe(c, tmp, &gone, link) {
		atomic_long_add(atomic_long_read(&c->pages),
				&aem_pcount_forgotten_pages);
		atomic_long_inc(&aem_pcount_forgotten);
		kfree(c);
	}
}

static const struct aem_policy_ops aem_pcount_ops = {
	.owner = THIS_MODULE,
	.region_init = aem_pcount_region_init,
	.region_release = aem_pcount_region_release,
	.charge = aem_pcount_charge,
	.uncharge = aem_pcount_uncharge,
	.drain = aem_pcount_drain,
};

static int aem_pcount_set(bool on)
{
	int err = 0;

	mutex_lock(&aem_pcount_mutex);
	if (on && !aem_pcount_on) {
		err = aem_register_policy(&aem_pcount_ops);
		aem_pcount_on = !err;
	} else if (!on && aem_pcount_on) {
		aem_unregister_policy(&aem_pcount_ops);
		aem_pcount_on = false;
	}
	mutex_unlock(&aem_pcount_mutex);
	return err;
}

/* ---- debugfs ------------------------------------------------------------ */

static int aem_pcount_show(struct seq_file *m, void *unused)
{
	struct aem_pcount *c;

	BUILD_BUG_ON(AEM_MAX_NODES < 2);
	seq_printf(m, "on %d\n", READ_ONCE(aem_pcount_on));
	seq_printf(m, "limit %lu\n", READ_ONCE(aem_pcount_limit));
	seq_printf(m, "regions %ld\n", atomic_long_read(&aem_pcount_regions));
	seq_printf(m, "released %ld\n",
		   atomic_long_read(&aem_pcount_released));
	seq_printf(m, "refused %ld\n", aem_policy_refused());
	seq_printf(m, "underflows %ld\n",
		   atomic_long_read(&aem_pcount_underflows));
	seq_printf(m, "leaked %ld\n", atomic_long_read(&aem_pcount_leaked));
	seq_printf(m, "forgotten %ld\n",
		   atomic_long_read(&aem_pcount_forgotten));
	seq_printf(m, "forgotten_pages %ld\n",
		   atomic_long_read(&aem_pcount_forgotten_pages));
	spin_lock(&aem_pcount_lock);
	list_for_each_entry(c, &aem_pcount_list, link)
		seq_printf(m, "region %llu uid %u pages %ld node0 %ld node1 %ld charges %ld refused %ld\n",
			   c->id, from_kuid_munged(&init_user_ns, c->uid),
			   atomic_long_read(&c->pages),
			   atomic_long_read(&c->node[0]),
			   atomic_long_read(&c->node[1]),
			   atomic_long_read(&c->charges),
			   atomic_long_read(&c->refused));
	spin_unlock(&aem_pcount_lock);
	return 0;
}

static int aem_pcount_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_pcount_show, NULL);
}

/* "0", "1", or "limit N". */
static ssize_t aem_pcount_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char buf[32], *arg;
	unsigned long limit;
	bool on;
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	arg = strim(buf);
	if (str_has_prefix(arg, "limit ")) {
		err = kstrtoul(arg + strlen("limit "), 0, &limit);
		if (err)
			return err;
		WRITE_ONCE(aem_pcount_limit, limit);
		return len;
	}
	err = kstrtobool(arg, &on);
	if (err)
		return err;
	err = aem_pcount_set(on);
	return err ? err : len;
}

static const struct file_operations aem_pcount_fops = {
	.owner = THIS_MODULE,
	.open = aem_pcount_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = aem_pcount_write,
};

/**
 * aem_policy_count_debugfs() - create debugfs aether/mm/policy_count
 * @dir: aether/mm/
 */
void aem_policy_count_debugfs(struct dentry *dir)
{
	debugfs_create_file("policy_count", 0600, dir, NULL, &aem_pcount_fops);
}

/**
 * aem_policy_count_exit() - remove the counting backend if installed
 */
void aem_policy_count_exit(void)
{
	aem_pcount_set(false);
}
