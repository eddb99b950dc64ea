// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the policy table: admission, named-region access, and what
 * each region's group uses (charge and uncharge)
 *
 * DOC: Overview
 *
 * One policy backend at a time (aether_qos) fills struct aem_policy_ops
 * and registers it here.  It is asked three kinds of question:
 *
 *   admit	may an AEM_ALLOC_ACCOUNT allocation go ahead (alloc.c)
 *   may_open	may this task open that named region (region/lifecycle.c)
 *   usage	a region gets a cookie, its group, when it is created
 *		(@region_init); every frame that joins one of its layers is
 *		charged to the cookie before anyone can see it, and every
 *		frame that leaves is uncharged (region/region.h: charged before
 *		aem_region_frame_add(), uncharged in aem_region_frame_gone()),
 *		so the group's usage is the region's resident pages, exactly;
 *		the cookie is released when the region is freed.  The region
 *		side is region/region.h and region/lifecycle.c; this file
 *		knows a region only by its cookie and generation.
 *
 * A charge may be refused: the frame goes back to the pool and the fault
 * (or ioctl) that wanted it fails.  Frames that only replace one the
 * region holds (migration, compaction, collapse) and stored pages that
 * must come back (a store backend leaving) are charged AEM_CHARGE_NOFAIL.
 *
 * Registrations.  Each registration is a record with a generation number,
 * and a region keeps the generation its cookie came from.  The core calls
 * a table under rcu_read_lock() and only for regions of the table's own
 * generation: a region created with no backend, or under a backend since
 * gone, is charged to nobody, and in particular never to a later backend
 * (whose cookies its pointer could alias).  Unregistering unpublishes the
 * record, waits for a grace period (no call of it is in flight, and none
 * can start: the generation is gone), then calls @drain, which forgets
 * every cookie and every charge: what it had counted it drops all at once,
 * and no uncharge or release of those regions will ever reach anyone.
 *
 * Lock order: aem_policy_lock (mutex), taken by (un)registration only,
 * then RCU; the callbacks run under rcu_read_lock(), inside whatever
 * locks their caller holds (their kernel-doc in include/aether/mm.h).
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "internal.h"

/**
 * struct aem_policy_reg - one registration of a policy table
 * @ops:	the table
 * @gen:	its generation, from 1: regions remember it (pol_gen)
 */
struct aem_policy_reg {
	const struct aem_policy_ops *ops;
	u64 gen;
};

static DEFINE_MUTEX(aem_policy_lock);
static struct aem_policy_reg __rcu *aem_policy;
static u64 aem_policy_gen;			/* aem_policy_lock */
static atomic_long_t aem_policy_nr_refused;	/* charges refused */

/**
 * aem_register_policy - install the policy backend (QoS, firewall)
 * @ops: the table; must stay valid until aem_unregister_policy()
 *
 * A table that charges gives @region_init, @region_release, @charge and
 * @uncharge, all four, or none of them.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 *
 * Return: 0, -EBUSY when another one is registered, -EINVAL for a table
 * with part of the charging callbacks, -ENOMEM.
 */
int aem_register_policy(const struct aem_policy_ops *ops)
{
	unsigned int usage = !!ops->region_init + !!ops->region_release +
			     !!ops->charge + !!ops->uncharge;
	struct aem_policy_reg *reg;
	int ret = 0;

	if (usage && usage != 4)
		return -EINVAL;
	reg = kmalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return -ENOMEM;
	mutex_lock(&aem_policy_lock);
	if (rcu_access_pointer(aem_policy)) {
		ret = -EBUSY;
	} else {
		reg->ops = ops;
		reg->gen = ++aem_policy_gen;
		rcu_assign_pointer(aem_policy, reg);
		reg = NULL;
	}
	mutex_unlock(&aem_policy_lock);
	kfree(reg);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_register_policy);

/**
 * aem_unregister_policy - remove the policy backend
 * @ops: the table given to aem_register_policy()
 *
 * On return no callback of @ops runs or will run, and @ops->drain has
 * forgotten every cookie and charge (see the top of the file).
 *
 * Context: process context, may sleep (an RCU grace period); no aether_mm
 * lock held.
 */
void aem_unregister_policy(const struct aem_policy_ops *ops)
{
	struct aem_policy_reg *reg;
	bool ours;

	mutex_lock(&aem_policy_lock);
	reg = rcu_dereference_protected(aem_policy,
					lockdep_is_held(&aem_policy_lock));
	ours = reg && reg->ops == ops;
	if (ours)
		RCU_INIT_POINTER(aem_policy, NULL);
	mutex_unlock(&aem_policy_lock);
	if (WARN_ON_ONCE(!ours))
		return;
	synchronize_rcu();
	if (ops->drain)
		ops->drain();
	kfree(reg);
}
EXPORT_SYMBOL_GPL(aem_unregister_policy);

static const struct aem_policy_ops *aem_policy_ops_rcu(void)
{
	struct aem_policy_reg *reg = rcu_dereference(aem_policy);

	return reg ? reg->ops : NULL;
}

/**
 * aem_policy_admit - ask the policy backend about an allocation
 * @nid: node it would be served from first
 * @order: its order
 * @flags: its flags
 *
 * Return: 0 when admitted (or no backend), else the backend's errno.
 */
int aem_policy_admit(int nid, unsigned int order, unsigned int flags)
{
	const struct aem_policy_ops *ops;
	int ret = 0;

	rcu_read_lock();
	ops = aem_policy_ops_rcu();
	if (ops && ops->admit)
		ret = ops->admit(nid, order, flags);
	rcu_read_unlock();
	return ret;
}

/**
 * aem_policy_may_open - ask the policy backend whether a named region opens
 * @name: the region's name
 * @owner: its creator
 * @flags: its AETHER_MM_REGION_* flags
 *
 * Return: 0 to allow, a negative errno to refuse, 1 when there is no
 * backend or it has no opinion.
 */
int aem_policy_may_open(const char *name, kuid_t owner, u32 flags)
{
	const struct aem_policy_ops *ops;
	int ret = 1;

	rcu_read_lock();
	ops = aem_policy_ops_rcu();
	if (ops && ops->may_open)
		ret = ops->may_open(name, owner, flags);
	rcu_read_unlock();
	return ret > 0 ? 1 : ret;
}

/*
 * The table of registration @gen while it is still the registered one,
 * else NULL.  Under rcu_read_lock().
 */
static const struct aem_policy_ops *aem_policy_of_gen(u64 gen)
{
	struct aem_policy_reg *reg = rcu_dereference(aem_policy);

	return reg && reg->gen == gen ? reg->ops : NULL;
}

/**
 * aem_policy_region_init() - a cookie for a new region
 * @id: the region's number
 * @uid: its creator
 * @flags: its AETHER_MM_REGION_* flags
 * @gen: receives the generation of the registration that gave the
 *	 cookie, 0 when there is none
 *
 * Context: REGION_CREATE, aem_regions_lock held, the region not visible.
 *
 * Return: the cookie, NULL for none (then *@gen is 0), or the backend's
 * refusal as an ERR_PTR().
 */
void *aem_policy_region_init(u64 id, kuid_t uid, u32 flags, u64 *gen)
{
	struct aem_policy_reg *reg;
	void *cookie = NULL;

	*gen = 0;
	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	if (reg && reg->ops->region_init) {
		cookie = reg->ops->region_init(id, uid, flags);
		if (cookie && !IS_ERR(cookie))
			*gen = reg->gen;
	}
	rcu_read_unlock();
	return cookie;
}

/**
 * aem_policy_region_release() - the region of @cookie is freed
 * @gen: the generation aem_policy_region_init() gave (not 0)
 * @cookie: its cookie; every page of it was uncharged
 */
void aem_policy_region_release(u64 gen, void *cookie)
{
	const struct aem_policy_ops *ops;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops)
		ops->region_release(cookie);
	rcu_read_unlock();
}

/**
 * aem_policy_charge() - frames about to join a region: charge its group
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @nid: node of the frames
 * @nr: how many
 * @flags: AEM_CHARGE_*
 *
 * Context: the slot lock of the frames' index held (region.h).
 *
 * Return: 0, or the backend's refusal (never with AEM_CHARGE_NOFAIL).
 */
int aem_policy_charge(u64 gen, void *cookie, int nid, unsigned long nr,
		      unsigned int flags)
{
	const struct aem_policy_ops *ops;
	int ret = 0;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops)
		ret = ops->charge(cookie, nid, nr, flags);
	rcu_read_unlock();
	if (ret >= 0)
		return 0;
	/* Counted all the same: the caller goes on, and will uncharge. */
	if (WARN_ON_ONCE(flags & AEM_CHARGE_NOFAIL))
		return 0;
	atomic_long_inc(&aem_policy_nr_refused);
	return ret;
}

/**
 * aem_policy_uncharge() - frames left a region: off its group
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @nid: node of the frames
 * @nr: how many
 */
void aem_policy_uncharge(u64 gen, void *cookie, int nid, unsigned long nr)
{
	const struct aem_policy_ops *ops;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops)
		ops->uncharge(cookie, nid, nr);
	rcu_read_unlock();
}

/**
 * aem_policy_refused() - charges refused since the module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_refused(void)
{
	return atomic_long_read(&aem_policy_nr_refused);
}

/* Every backend unregisters before its module goes; nothing may be left. */
void aem_policy_exit(void)
{
	WARN_ON(rcu_access_pointer(aem_policy));
}
