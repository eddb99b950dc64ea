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
 * it.  The hooks that need the core's work outside its locks, each with
 * its switch (0 turns it off):
 *
 *   max N	a charge above N pages answers -EAGAIN; its @reclaim takes the
 *		region's own cold pages (aem_policy_reclaim(), its cookie
 *		matching), twice what was asked
 *   high N	a charge that ends above N pages answers AEM_CHARGE_OVER_HIGH;
 *		@handle_high counts the calls ("over_high") and the pages
 *		they name ("high_pages"); it yields, as it may sleep
 *   tier ID T	region ID is in reclaim tier T (enum aem_reclaim_tier; the
 *		default AEM_TIER_NORMAL)
 *   reserve ID	region ID's faults may use the reserve (@admit answers
 *		AEM_ADMIT_RESERVE); @admit counts the faults it sees
 *
 * and @stall_begin/@stall_end count the stalls, and those in progress.
 * @may_class allows every class (REGION_SET_QOS: the pages of a classed
 * range take its tier); @region_init refuses a named group (QOS_GROUP:
 * -EOPNOTSUPP, it has none).
 * Reading gives the totals, then one line per region it knows:
 *
 *   region <id> uid <uid> pages <n> node0 <n> node1 <n> charges <n>
 *   refused <n> again <n> reclaims <n> reclaimed <n> highs <n>
 *   over_high <n> stalls <n> stalling <n> admits <n> tier <t> reserve <b>
 *   high_pages <n>
 *
 * (one line): "again" the charges answered -EAGAIN, "highs" those answered
 * AEM_CHARGE_OVER_HIGH, "reclaims" and "reclaimed" its @reclaim calls and
 * the pages they took.
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
 * guards the list of cookies.  The counters are atomics, the per-region
 * switches READ_ONCE()/WRITE_ONCE() (written under aem_pcount_lock).
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
 * @again:	charge calls answered -EAGAIN (over "max")
 * @reclaims:	@reclaim calls
 * @reclaimed:	pages they took
 * @highs:	charge calls answered AEM_CHARGE_OVER_HIGH
 * @over_high:	@handle_high calls
 * @high_pages:	pages they named
 * @stalls:	@stall_begin calls
 * @stalling:	stalls begun and not ended
 * @admits:	@admit calls naming this cookie
 * @tier:	its enum aem_reclaim_tier
 * @reserve:	@admit lets its faults use the reserve
 */
struct aem_pcount {
	struct list_head link;
	u64 id;
	kuid_t uid;
	atomic_long_t pages;
	atomic_long_t node[AEM_MAX_NODES];
	atomic_long_t charges;
	atomic_long_t refused;
	atomic_long_t again;
	atomic_long_t reclaims;
	atomic_long_t reclaimed;
	atomic_long_t highs;
	atomic_long_t over_high;
	atomic_long_t high_pages;
	atomic_long_t stalls;
	atomic_long_t stalling;
	atomic_long_t admits;
	unsigned int tier;
	bool reserve;
};

static DEFINE_MUTEX(aem_pcount_mutex);	/* installing and removing it */
static DEFINE_SPINLOCK(aem_pcount_lock);	/* aem_pcount_list */
static LIST_HEAD(aem_pcount_list);
static bool aem_pcount_on;
static unsigned long aem_pcount_limit;	/* pages per region, 0: none */
static unsigned long aem_pcount_max;	/* -EAGAIN above, 0: none */
static unsigned long aem_pcount_high;	/* OVER_HIGH above, 0: none */
static atomic_long_t aem_pcount_regions, aem_pcount_released;
static atomic_long_t aem_pcount_underflows, aem_pcount_leaked;
static atomic_long_t aem_pcount_forgotten, aem_pcount_forgotten_pages;

static void *aem_pcount_region_init(u64 id, kuid_t uid, u32 flags,
				    struct file *group)
{
	struct aem_pcount *c;

	/* It counts per region: it has no groups to name. */
	if (group)
		return ERR_PTR(-EOPNOTSUPP);
	c = kzalloc(sizeof(*c), GFP_NOWAIT | __GFP_NOWARN);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->id = id;
	c->uid = uid;
	c->tier = AEM_TIER_NORMAL;
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
	unsigned long max = READ_ONCE(aem_pcount_max);
	unsigned long high = READ_ONCE(aem_pcount_high);
	bool nofail = flags & AEM_CHARGE_NOFAIL;
	struct aem_pcount *c = cookie;
	long now;

	if (WARN_ON_ONCE(nid < 0 || nid >= AEM_MAX_NODES))
		return -EINVAL;
	now = atomic_long_add_return(nr, &c->pages);
	if (limit && now > limit && !nofail) {
		atomic_long_sub(nr, &c->pages);
		atomic_long_inc(&c->refused);
		return -EDQUOT;
	}
	if (max && now > max && !nofail) {
		atomic_long_sub(nr, &c->pages);
		atomic_long_inc(&c->again);
		return AEM_CHARGE_RECLAIM;
	}
	atomic_long_add(nr, &c->node[nid]);
	atomic_long_inc(&c->charges);
	if (high && now > high && !nofail) {
		atomic_long_inc(&c->highs);
		return AEM_CHARGE_OVER_HIGH;
	}
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

static bool aem_pcount_match(void *cookie, void *arg)
{
	return cookie == arg;
}

/* Over "max": the region's own cold pages, twice what was asked. */
static long aem_pcount_reclaim(void *cookie, unsigned long nr,
			       unsigned int flags)
{
	struct aem_pcount *c = cookie;
	long got;

	atomic_long_inc(&c->reclaims);
	got = aem_policy_reclaim(aem_pcount_match, c, 2 * nr, flags);
	if (got > 0)
		atomic_long_add(got, &c->reclaimed);
	return got;
}

static void aem_pcount_handle_high(void *cookie, unsigned long nr_pages)
{
	struct aem_pcount *c = cookie;

	/* On the way back to user mode, as the core promises: it may yield. */
	might_sleep();
	cond_resched();
	atomic_long_inc(&c->over_high);
	atomic_long_add(nr_pages, &c->high_pages);
}

static unsigned int aem_pcount_reclaim_tier(void *cookie)
{
	return READ_ONCE(((struct aem_pcount *)cookie)->tier);
}

static unsigned long aem_pcount_stall_begin(void *cookie)
{
	struct aem_pcount *c = cookie;

	atomic_long_inc(&c->stalls);
	atomic_long_inc(&c->stalling);
	return (unsigned long)c;
}

static void aem_pcount_stall_end(void *cookie, unsigned long token)
{
	struct aem_pcount *c = cookie;

	WARN_ON_ONCE(token != (unsigned long)c);
	atomic_long_dec(&c->stalling);
}

static int aem_pcount_admit(void *cookie, int nid, unsigned int order,
			    unsigned int flags)
{
	struct aem_pcount *c = cookie;

	if (!c)
		return 0;
	atomic_long_inc(&c->admits);
	return READ_ONCE(c->reserve) ? AEM_ADMIT_RESERVE : 0;
}

/* Any class, for any region: it has no group whose class would bound it. */
static int aem_pcount_may_class(void *cookie, u32 class)
{
	return 0;
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
	.reclaim = aem_pcount_reclaim,
	.handle_high = aem_pcount_handle_high,
	.reclaim_tier = aem_pcount_reclaim_tier,
	.stall_begin = aem_pcount_stall_begin,
	.stall_end = aem_pcount_stall_end,
	.admit = aem_pcount_admit,
	.drain = aem_pcount_drain,
	.may_class = aem_pcount_may_class,
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
	seq_printf(m, "max %lu\n", READ_ONCE(aem_pcount_max));
	seq_printf(m, "high %lu\n", READ_ONCE(aem_pcount_high));
	seq_printf(m, "reclaims %ld\n", aem_policy_reclaims());
	seq_printf(m, "over_high %ld\n", aem_policy_highs());
	seq_printf(m, "high_works %ld\n", aem_policy_high_works());
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
		seq_printf(m, "region %llu uid %u pages %ld node0 %ld node1 %ld charges %ld refused %ld again %ld reclaims %ld reclaimed %ld highs %ld over_high %ld stalls %ld stalling %ld admits %ld tier %u reserve %d high_pages %ld\n",
			   c->id, from_kuid_munged(&init_user_ns, c->uid),
			   atomic_long_read(&c->pages),
			   atomic_long_read(&c->node[0]),
			   atomic_long_read(&c->node[1]),
			   atomic_long_read(&c->charges),
			   atomic_long_read(&c->refused),
			   atomic_long_read(&c->again),
			   atomic_long_read(&c->reclaims),
			   atomic_long_read(&c->reclaimed),
			   atomic_long_read(&c->highs),
			   atomic_long_read(&c->over_high),
			   atomic_long_read(&c->stalls),
			   atomic_long_read(&c->stalling),
			   atomic_long_read(&c->admits),
			   READ_ONCE(c->tier), READ_ONCE(c->reserve),
			   atomic_long_read(&c->high_pages));
	spin_unlock(&aem_pcount_lock);
	return 0;
}

static int aem_pcount_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_pcount_show, NULL);
}

/* Region @id's cookie gets tier @tier or the reserve: 0 or -ENOENT. */
static int aem_pcount_set_region(u64 id, int tier, bool reserve)
{
	struct aem_pcount *c;
	int err = -ENOENT;

	spin_lock(&aem_pcount_lock);
	list_for_each_entry(c, &aem_pcount_list, link) {
		if (c->id != id)
			continue;
		if (tier >= 0)
			WRITE_ONCE(c->tier, tier);
		else
			WRITE_ONCE(c->reserve, reserve);
		err = 0;
		break;
	}
	spin_unlock(&aem_pcount_lock);
	return err;
}

/* "tier ID T" or "reserve ID B". */
static int aem_pcount_write_region(char *arg, bool tier)
{
	unsigned int val;
	char *id_s;
	u64 id;
	int err;

	id_s = strsep(&arg, " ");
	if (!arg)
		return -EINVAL;
	err = kstrtou64(id_s, 0, &id);
	if (!err)
		err = kstrtouint(strim(arg), 0, &val);
	if (err)
		return err;
	if (tier && val >= AEM_NR_TIERS)
		return -EINVAL;
	return aem_pcount_set_region(id, tier ? (int)val : -1, val);
}

/* "0", "1", "limit N", "max N", "high N", "tier ID T", "reserve ID B". */
static ssize_t aem_pcount_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	static const struct {
		const char *key;
		unsigned long *val;
	} knobs[] = {
		{ "limit ", &aem_pcount_limit },
		{ "max ", &aem_pcount_max },
		{ "high ", &aem_pcount_high },
	};
	char buf[48], *arg;
	unsigned long val;
	unsigned int i;
	bool on;
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	arg = strim(buf);
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!str_has_prefix(arg, knobs[i].key))
			continue;
		err = kstrtoul(arg + strlen(knobs[i].key), 0, &val);
		if (err)
			return err;
		WRITE_ONCE(*knobs[i].val, val);
		return len;
	}
	if (str_has_prefix(arg, "tier ") || str_has_prefix(arg, "reserve ")) {
		on = arg[0] == 't';
		err = aem_pcount_write_region(strchr(arg, ' ') + 1, on);
		return err ? err : len;
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
