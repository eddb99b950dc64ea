// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the policy table aether_qos gives aether_mm
 *
 * DOC: Overview
 *
 * struct aem_policy_ops (include/aether/mm.h): a region gets, when it is
 * created, a cookie that names its group, and every frame that joins or
 * leaves the region is charged to or uncharged from that group (group.c,
 * up the tree).  Which group:
 *
 *   1. the group of the creating process, or of its nearest ancestor
 *      (real_parent, then its real_parent, ...) that is attached to one
 *      (ATTACH_PID): the attachment follows a process's children;
 *   2. otherwise the default group of the creator's uid, "user.<uid>"
 *      under the root, made at its first region with max user_max_pages
 *      (module parameter): what one user takes is bounded even when
 *      nobody placed them (DESIGN.md section 8).
 *
 * The region holds a reference to its group from region_init to
 * region_release, so a group stays while a region is charged to it, and
 * DESTROY refuses a group that regions are charged to.  A group destroyed
 * in a race with a region creation that had found it keeps counting in
 * its ancestors until that region goes (group.c: dead groups).
 *
 * Not here yet: admission (@admit, the RealTime reserve), reclaim on max
 * and throttling at high (they need the core's seam: aem_policy_reclaim,
 * @reclaim, @over_high), the class order of reclaim (@reclaim_tier) and
 * stall accounting for pressure.  A charge beyond max is refused at once.
 *
 * Every callback runs under rcu_read_lock() inside the core's locks: none
 * sleeps; region_init may allocate a default group GFP_NOWAIT.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "internal.h"

static void *aqos_region_init(u64 id, kuid_t uid, u32 flags)
{
	struct aqos_group *g = aqos_group_of_task(current);

	if (!g || !refcount_inc_not_zero(&g->ref))
		g = aqos_user_group(uid);
	if (!g)
		return ERR_PTR(-ENOMEM);
	atomic_long_inc(&g->nr_regions);
	return g;
}

static void aqos_region_release(void *cookie)
{
	struct aqos_group *g = cookie;

	atomic_long_dec(&g->nr_regions);
	aqos_group_put(g);
}

static int aqos_policy_charge(void *cookie, int nid, unsigned long nr_pages,
			      unsigned int flags)
{
	return aqos_charge(cookie, nr_pages, flags & AEM_CHARGE_NOFAIL);
}

static void aqos_policy_uncharge(void *cookie, int nid,
				 unsigned long nr_pages)
{
	aqos_uncharge(cookie, nr_pages);
}

static const struct aem_policy_ops aqos_policy_ops = {
	.owner		= THIS_MODULE,
	.region_init	= aqos_region_init,
	.region_release	= aqos_region_release,
	.charge		= aqos_policy_charge,
	.uncharge	= aqos_policy_uncharge,
	.drain		= aqos_group_drain,
};

/**
 * aqos_policy_init - register the table with aether_mm
 *
 * Return: 0, or aem_register_policy()'s error (-EBUSY: another backend,
 * such as aether_mm's policy_count, is installed).
 */
int aqos_policy_init(void)
{
	int err = aem_register_policy(&aqos_policy_ops);

	if (err)
		pr_err("cannot register the policy table: %d\n", err);
	return err;
}

/**
 * aqos_policy_exit - unregister it: aether_mm forgets our cookies
 */
void aqos_policy_exit(void)
{
	aem_unregister_policy(&aqos_policy_ops);
}
