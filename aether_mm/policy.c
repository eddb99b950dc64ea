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
 * Limits that need work outside the slot lock (memcg's try_charge() and
 * mem_cgroup_handle_over_high() are the model):
 *
 *   max	the charge answers -EAGAIN: the region side (region.h,
 *		"pending") notes it under the slot lock, gives the frame back,
 *		drops the lock, calls @reclaim (aem_policy_reclaim_for()) and
 *		tries the fault or the ioctl's page once more; -EAGAIN then, or
 *		with no @reclaim, is a refusal (-ENOMEM).
 *   high	the charge answers AEM_CHARGE_OVER_HIGH: noted the same way,
 *		and @over_high is called once per fault or page of an ioctl,
 *		after the slot lock is dropped (aem_policy_over_high()).
 *   stalls	a charged region's fault waiting in the pool (growth, reclaim:
 *		alloc.c) or in its group's @reclaim is bracketed by
 *		@stall_begin and @stall_end (struct aem_policy_stall).
 *   tiers	the pool's reclaim takes regions tier by tier
 *		(aem_policy_tier(), region/reclaim.c), and tells the backend
 *		of the pages it took in the PROTECTED tier
 *		(aem_policy_protected_reclaimed(): the low event).
 *   reserve	@admit learns which region's fault allocates, and may let it
 *		take frames below the min watermark (alloc.c).
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
 * The callbacks that may sleep (@reclaim, @over_high) and the stall pair
 * (whose two halves must meet the same table) run under the SRCU read
 * lock aem_policy_srcu instead of RCU; unregistration waits for both.
 *
 * Lock order: aem_policy_lock (mutex), taken by (un)registration only,
 * then RCU or aem_policy_srcu; the callbacks run inside whatever locks
 * their caller holds (their kernel-doc in include/aether/mm.h).
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>
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
DEFINE_STATIC_SRCU(aem_policy_srcu);
static struct aem_policy_reg __rcu *aem_policy;
static u64 aem_policy_gen;			/* aem_policy_lock */
static atomic_long_t aem_policy_nr_refused;	/* charges refused */
static atomic_long_t aem_policy_nr_reclaims;	/* @reclaim calls */
static atomic_long_t aem_policy_nr_high;	/* @over_high calls */

/**
 * aem_register_policy - install the policy backend (QoS, firewall)
 * @ops: the table; must stay valid until aem_unregister_policy()
 *
 * A table that charges gives @region_init, @region_release, @charge and
 * @uncharge, all four, or none of them; @reclaim, @over_high,
 * @reclaim_tier, @protected_reclaimed and the stall pair only with them;
 * @stall_begin and @stall_end both or neither.
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
	bool extra = ops->reclaim || ops->over_high || ops->reclaim_tier ||
		     ops->stall_begin || ops->stall_end ||
		     ops->protected_reclaimed;
	struct aem_policy_reg *reg;
	int ret = 0;

	if ((usage && usage != 4) || (extra && !usage) ||
	    !ops->stall_begin != !ops->stall_end)
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
	synchronize_srcu(&aem_policy_srcu);
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

/*
 * The table of registration @gen while it is still the registered one,
 * else NULL.  Under rcu_read_lock().
 */
static const struct aem_policy_ops *aem_policy_of_gen(u64 gen)
{
	struct aem_policy_reg *reg = rcu_dereference(aem_policy);

	return reg && reg->gen == gen ? reg->ops : NULL;
}

/* The same, under aem_policy_srcu. */
static const struct aem_policy_ops *aem_policy_of_gen_srcu(u64 gen)
{
	struct aem_policy_reg *reg = srcu_dereference(aem_policy,
						      &aem_policy_srcu);

	return reg && reg->gen == gen ? reg->ops : NULL;
}

/**
 * aem_policy_admit - ask the policy backend about an allocation
 * @who: the region's group that allocates (a region fault), or NULL
 * @nid: node it would be served from first
 * @order: its order
 * @flags: its flags
 *
 * Return: 0 when admitted (or no backend), AEM_ADMIT_RESERVE when it may
 * use the reserve below the min watermark, else the backend's errno.
 */
int aem_policy_admit(const struct aem_alloc_who *who, int nid,
		     unsigned int order, unsigned int flags)
{
	struct aem_policy_reg *reg;
	void *cookie = NULL;
	int ret = 0;

	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	if (reg && reg->ops->admit) {
		if (who && who->gen == reg->gen)
			cookie = who->cookie;
		ret = reg->ops->admit(cookie, nid, order, flags);
	}
	rcu_read_unlock();
	if (ret > 0)
		return AEM_ADMIT_RESERVE;
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
 * @flags: AEM_CHARGE_*, and AEM_CHARGE_LAST (the core's own: this is the
 *	   try after @reclaim, so -EAGAIN is a refusal)
 *
 * Context: the slot lock of the frames' index held (region.h).
 *
 * Return: 0; AEM_CHARGE_OVER_HIGH (not with AEM_CHARGE_NOFAIL); -EAGAIN
 * when the backend asks for its @reclaim first (it has one, and this is
 * not the last try); or a refusal (never with AEM_CHARGE_NOFAIL), -ENOMEM
 * for a last -EAGAIN.
 */
int aem_policy_charge(u64 gen, void *cookie, int nid, unsigned long nr,
		      unsigned int flags)
{
	const struct aem_policy_ops *ops;
	bool may_reclaim = false;
	int ret = 0;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops) {
		ret = ops->charge(cookie, nid, nr, flags & ~AEM_CHARGE_LAST);
		may_reclaim = ops->reclaim && !(flags & AEM_CHARGE_LAST);
	}
	rcu_read_unlock();
	if (ret == AEM_CHARGE_OVER_HIGH && !(flags & AEM_CHARGE_NOFAIL))
		return ret;
	if (ret >= 0)
		return 0;
	/* Counted all the same: the caller goes on, and will uncharge. */
	if (WARN_ON_ONCE(flags & AEM_CHARGE_NOFAIL))
		return 0;
	if (ret == -EAGAIN && may_reclaim)
		return ret;
	atomic_long_inc(&aem_policy_nr_refused);
	return ret == -EAGAIN ? -ENOMEM : ret;
}

/**
 * aem_policy_reclaim_for() - a charge said -EAGAIN: the group's reclaim
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @nr: pages the charge wanted
 * @flags: AEM_RECLAIM_NOWAIT when the caller holds mmap_lock (a fault)
 *
 * The wait is a stall of the group (@stall_begin, @stall_end).
 *
 * Context: process context, no slot lock held (a fault's mmap_lock or VMA
 * lock may be).  May sleep.
 *
 * Return: pages the backend says it freed, 0 when it has no @reclaim.
 */
long aem_policy_reclaim_for(u64 gen, void *cookie, unsigned long nr,
			    unsigned int flags)
{
	const struct aem_policy_ops *ops;
	unsigned long token = 0;
	long got = 0;
	int idx;

	might_sleep();
	idx = srcu_read_lock(&aem_policy_srcu);
	ops = aem_policy_of_gen_srcu(gen);
	if (ops && ops->reclaim) {
		atomic_long_inc(&aem_policy_nr_reclaims);
		if (ops->stall_begin)
			token = ops->stall_begin(cookie);
		got = ops->reclaim(cookie, nr, flags);
		if (ops->stall_end)
			ops->stall_end(cookie, token);
	}
	srcu_read_unlock(&aem_policy_srcu, idx);
	return got;
}

/**
 * aem_policy_over_high() - a charge of this task said AEM_CHARGE_OVER_HIGH
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 *
 * Context: process context, no slot lock held (a fault's mmap_lock or VMA
 * lock may be).  May sleep (briefly: the backend only queues its work).
 */
void aem_policy_over_high(u64 gen, void *cookie)
{
	const struct aem_policy_ops *ops;
	int idx;

	might_sleep();
	idx = srcu_read_lock(&aem_policy_srcu);
	ops = aem_policy_of_gen_srcu(gen);
	if (ops && ops->over_high) {
		atomic_long_inc(&aem_policy_nr_high);
		ops->over_high(cookie);
	}
	srcu_read_unlock(&aem_policy_srcu, idx);
}

/**
 * aem_policy_tier() - the reclaim tier of a region's group
 * @gen: the region's generation, 0 for none
 * @cookie: its cookie
 *
 * Return: an enum aem_reclaim_tier; AEM_TIER_NORMAL for a region of no
 * group, or when the backend does not say.
 */
unsigned int aem_policy_tier(u64 gen, void *cookie)
{
	const struct aem_policy_ops *ops;
	unsigned int tier = AEM_TIER_NORMAL;

	if (!gen)
		return tier;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->reclaim_tier)
		tier = ops->reclaim_tier(cookie);
	rcu_read_unlock();
	return min_t(unsigned int, tier, AEM_TIER_NEVER);
}

/**
 * aem_policy_tiered() - does the registered backend give reclaim tiers?
 *
 * Return: true when it has @reclaim_tier (the pool's reclaim then walks
 * tier by tier), false for none.
 */
bool aem_policy_tiered(void)
{
	struct aem_policy_reg *reg;
	bool tiered;

	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	tiered = reg && reg->ops->reclaim_tier;
	rcu_read_unlock();
	return tiered;
}

/**
 * aem_policy_protected_reclaimed() - the pool's reclaim took protected pages
 * @gen: the region's generation
 * @cookie: its cookie (the region referenced by the caller)
 * @nr: pages taken while its tier was AEM_TIER_PROTECTED
 *
 * Context: no slot lock or aem_access_lock held; does not sleep.
 */
void aem_policy_protected_reclaimed(u64 gen, void *cookie, unsigned long nr)
{
	const struct aem_policy_ops *ops;

	if (!gen || !nr)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->protected_reclaimed)
		ops->protected_reclaimed(cookie, nr);
	rcu_read_unlock();
}

/**
 * aem_policy_stall_begin() - a task of a region's group waits for memory
 * @who: the region's group
 * @st: the core's record of the stall, for aem_policy_stall_end()
 *
 * Holds aem_policy_srcu until aem_policy_stall_end(): the table that saw
 * the beginning sees the end.
 */
void aem_policy_stall_begin(const struct aem_alloc_who *who,
			    struct aem_policy_stall *st)
	__acquires(&aem_policy_srcu)
{
	st->ops = NULL;
	st->srcu = srcu_read_lock(&aem_policy_srcu);
	st->ops = aem_policy_of_gen_srcu(who->gen);
	if (st->ops && st->ops->stall_begin) {
		st->cookie = who->cookie;
		st->token = st->ops->stall_begin(st->cookie);
	} else {
		st->ops = NULL;
	}
}

/**
 * aem_policy_stall_end() - that task stops waiting
 * @st: what aem_policy_stall_begin() filled
 */
void aem_policy_stall_end(struct aem_policy_stall *st)
	__releases(&aem_policy_srcu)
{
	if (st->ops)
		st->ops->stall_end(st->cookie, st->token);
	srcu_read_unlock(&aem_policy_srcu, st->srcu);
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
 * aem_policy_hold() - keep the registered table's cookies valid
 * @gen: receives its generation, 0 when none is registered
 *
 * Until aem_policy_unhold(), the cookies of regions of generation *@gen
 * are not drained (aem_policy_reclaim() hands them to @match).  May sleep
 * inside.
 *
 * Return: what aem_policy_unhold() takes.
 */
int aem_policy_hold(u64 *gen)
	__acquires(&aem_policy_srcu)
{
	int idx = srcu_read_lock(&aem_policy_srcu);
	struct aem_policy_reg *reg = srcu_dereference(aem_policy,
						      &aem_policy_srcu);

	*gen = reg ? reg->gen : 0;
	return idx;
}

/**
 * aem_policy_unhold() - end of aem_policy_hold()
 * @idx: what it returned
 */
void aem_policy_unhold(int idx)
	__releases(&aem_policy_srcu)
{
	srcu_read_unlock(&aem_policy_srcu, idx);
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

/**
 * aem_policy_reclaims() - @reclaim calls since the module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_reclaims(void)
{
	return atomic_long_read(&aem_policy_nr_reclaims);
}

/**
 * aem_policy_highs() - @over_high calls since the module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_highs(void)
{
	return atomic_long_read(&aem_policy_nr_high);
}

/* Every backend unregisters before its module goes; nothing may be left. */
void aem_policy_exit(void)
{
	WARN_ON(rcu_access_pointer(aem_policy));
}
