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
 *   may_access	the memory firewall: may this task open, map, mprotect,
 *		touch or ioctl that region (below, "Revocation")
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
 *		with no @reclaim, is a refusal (-ENOMEM).  A fault that may be
 *		retried drops its mmap_lock for a blocking @reclaim first and
 *		is made again (region/fault.c).
 *   high	the charge answers AEM_CHARGE_OVER_HIGH: noted the same way;
 *		once the slot lock is dropped, aem_policy_over_high() queues
 *		a task_work of aether_mm (at most one per task; what it owes
 *		is kept per group, up to AEM_HIGH_OWED groups) that calls
 *		@handle_high once per group on the way back to user mode,
 *		outside every lock (below), or before, between the batches of
 *		an ioctl (aem_policy_high_due()).
 *   stalls	a charged region's fault waiting in the pool (growth, reclaim:
 *		alloc.c) or in its group's @reclaim is bracketed by
 *		@stall_begin and @stall_end (struct aem_policy_stall).
 *   tiers	the pool's reclaim takes regions tier by tier
 *		(aem_policy_tier(), region/reclaim.c), tells the backend
 *		of the pages it took in the PROTECTED tier
 *		(aem_policy_protected_reclaimed(): the low event), and takes
 *		the pages of a range REGION_SET_QOS gave a class (@may_class
 *		allows it) in that class's tier (region/qos.c).
 *   groups	a region named into a group at creation (@qos_fd): the
 *		core holds the file, @region_init checks it is the
 *		backend's (aem_policy_region_init()).
 *   reserve	@admit learns which region's fault allocates, and may let it
 *		take frames below the min watermark (alloc.c).
 *   stored	a page that goes to the store backend leaves the region's
 *		usage as a frame (@uncharge) and comes into it as the bytes
 *		the store holds for it (aem_store_ops @size; @charge_stored,
 *		never refused, as memcg's zswap charge), until it is loaded
 *		back, released or given up (@uncharge_stored): the group's
 *		usage is its resident frames and its stored pages'
 *		compressed bytes (region/store.c, "Stored bytes").
 *   shared	a shared frame (region/share.c) is charged once, to the
 *		group of the region whose page it was copied from (its
 *		creator), for its whole life, whichever region maps it last:
 *		@cookie_hold gives a cookie that outlives the region, kept in
 *		the frame's struct aem_policy_held; the frame is charged
 *		there (AEM_CHARGE_NOFAIL: it replaces the creator's page,
 *		whose frame the merge uncharges), becomes stored bytes when
 *		the frame goes to the store and a frame again when it comes
 *		back, and is uncharged when it is freed (@cookie_unhold).
 *		Coming back, the frame is charged to that group only if it
 *		takes it (no AEM_CHARGE_NOFAIL); else to the group of the
 *		region whose fault loads it, which then holds the charge
 *		(aem_policy_held_reload(), review s30 finding 4): no group
 *		goes past its max for frames another group's region
 *		faults.  A group's own reclaim (aem_policy_reclaim())
 *		stores the cold shared frames it holds as well.
 *		Each merged page's own frame is uncharged from its region as
 *		it merges, so every group counts what it holds exactly once.
 *		A charge of an earlier registration reaches nobody, as a
 *		region's (below).
 *   integrity	a copy the store keeps of a page for repair (region/
 *		verify.c, "Kept copies") counts in the group of the region
 *		whose page it is (@charge_integrity: the bytes the store
 *		holds for it, refusable: over max the copy is not kept)
 *		until it goes (@uncharge_integrity), and moves with the
 *		region's other charges at an attach; a shared frame's copy
 *		counts in the group its frame's charge is held by
 *		(aem_policy_held_keep()).
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
 * The callbacks that may sleep (@reclaim, @handle_high) and the stall
 * pair (whose two halves must meet the same table) run under the SRCU
 * read lock aem_policy_srcu instead of RCU; unregistration waits for both.
 *
 * The over-high work and unloading.  A task_work whose callback were the
 * backend's text could run after the backend's module is gone: nothing
 * can take it off a task's list (task_work_cancel() is not exported).  So
 * the work is the core's (struct aem_high_work, aem_high_work_fn()), and
 * it pins what it needs: the region's file, which holds the region (its
 * cookie stays valid after munmap() and close()) and aether_mm itself
 * (f_op->owner; its last fput() queues the release, and the
 * module_put(), as one more task_work that runs after ours returned).
 * The call into the backend is made as aem_policy_reclaim_for()'s: under
 * aem_policy_srcu, only if the registration of the region's generation is
 * still the registered one, between @stall_begin and @stall_end.  If the
 * backend went meanwhile the work only drops the file.  A backend going
 * while a task sleeps in @handle_high waits for it in
 * synchronize_srcu(): it wakes its sleepers first.
 *
 * Revocation.  A region's access is checked where it is asked for (open,
 * mmap, mprotect, ioctl), but a rule added later must reach mappings made
 * before it.  Every revocation takes a new access sequence number; a
 * view remembers the number read before its last check, and is fresh
 * while that number is not below its floor: the number of the last
 * revocation that concerned it (its own @fw_floor, or the global floor
 * of aem_access_revoke()).  aem_access_revoke() raises the global floor,
 * waits for every fault that checked under the old one (they run inside
 * aem_fw_srcu: region/view.c's vm_ops wrappers) and zaps every region's
 * page tables.  aem_access_revoke_some() raises the floor of the views
 * its caller's selection names (region/revoke.c), waits the same way and
 * zaps only their mappings.  So the next touch of each mapping taken
 * back is checked again (region/view.c) and a denied one gets SIGSEGV;
 * the others keep their page tables.  aem_access_revoke_lock makes one
 * revocation at a time (the order of floors is the order of rules).
 *
 * Lock order: aem_policy_lock (mutex), taken by (un)registration only,
 * then RCU or aem_policy_srcu; the callbacks run inside whatever locks
 * their caller holds (their kernel-doc in include/aether/mm.h).
 * aem_high_lock (spinlock) guards the pending works' hash, innermost,
 * nothing taken inside it.
 */
#include <linux/err.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/task_work.h>
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
DEFINE_STATIC_SRCU(aem_fw_srcu);
static atomic64_t aem_access_generation = ATOMIC64_INIT(1);
static atomic64_t aem_access_floor = ATOMIC64_INIT(0);
static DEFINE_MUTEX(aem_access_revoke_lock);
static atomic_long_t aem_policy_nr_refused;	/* charges refused */
static atomic_long_t aem_policy_nr_reclaims;	/* @reclaim calls */
static atomic_long_t aem_policy_nr_high;	/* @handle_high calls */
static atomic_long_t aem_policy_nr_held_moved;	/* reloads charged elsewhere */
static atomic_long_t aem_policy_nr_integ_refused;	/* copies not kept */

/**
 * aem_register_policy - install the policy backend (QoS, firewall)
 * @ops: the table; must stay valid until aem_unregister_policy()
 *
 * A table that charges gives @region_init, @region_release, @charge and
 * @uncharge, all four, or none of them; @reclaim, @handle_high,
 * @reclaim_tier, @protected_reclaimed, the stall pair and the stored pair
 * only with them; @stall_begin and @stall_end both or neither, and
 * @charge_stored and @uncharge_stored; @may_class and @reclaim_begin only
 * with @reclaim_tier; @cookie_hold and @cookie_unhold both or neither,
 * only with the four; @charge_integrity and @uncharge_integrity the same.
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
	bool extra = ops->reclaim || ops->handle_high || ops->reclaim_tier ||
		     ops->stall_begin || ops->stall_end ||
		     ops->protected_reclaimed || ops->charge_stored ||
		     ops->cookie_hold || ops->charge_integrity;
	struct aem_policy_reg *reg;
	int ret = 0;

	if ((usage && usage != 4) || (extra && !usage) ||
	    !ops->stall_begin != !ops->stall_end ||
	    !ops->charge_stored != !ops->uncharge_stored ||
	    !ops->cookie_hold != !ops->cookie_unhold ||
	    !ops->charge_integrity != !ops->uncharge_integrity ||
	    (ops->may_class && !ops->reclaim_tier) ||
	    (ops->reclaim_begin && !ops->reclaim_tier))
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
 * aem_policy_may_access() - ask the memory firewall about an access
 * @a: the access; the subject is the current task
 *
 * Context: any process context that may not sleep (a fault too).
 * Return: 0 an explicit yes, 1 no opinion (no backend, or none of its
 * rules and an allowing default), a negative errno to refuse.
 */
int aem_policy_may_access(const struct aem_access *a)
{
	const struct aem_policy_ops *ops;
	int ret = 1;

	rcu_read_lock();
	ops = aem_policy_ops_rcu();
	if (ops && ops->may_access)
		ret = ops->may_access(a);
	rcu_read_unlock();
	return ret > 0 ? 1 : ret;
}

/*
 * The access sequence number, read before a check: the table the check
 * reads is at least as new as the last revocation this number counts.
 */
u64 aem_fw_gen(void)
{
	return atomic64_read_acquire(&aem_access_generation);
}

/* The global floor: a view checked below it checks again. */
u64 aem_fw_floor(void)
{
	return atomic64_read(&aem_access_floor);
}

/* Wait for the faults that checked before a floor was raised. */
void aem_fw_sync(void)
{
	synchronize_srcu(&aem_fw_srcu);
}

/* A fault checks and maps inside this (see "Revocation" above). */
int aem_fw_enter(void)
	__acquires(&aem_fw_srcu)
{
	return srcu_read_lock(&aem_fw_srcu);
}

void aem_fw_exit(int idx)
	__releases(&aem_fw_srcu)
{
	srcu_read_unlock(&aem_fw_srcu, idx);
}

/**
 * aem_access_revoke() - check every mapping of every region again
 *
 * Called by the policy backend after its rules changed in a way that may
 * take back an access already granted: every page table entry of every
 * region is zapped, and the next touch of each mapping is checked with
 * the toucher's credentials (a refusal is SIGSEGV).  Pages stay in their
 * regions; only the mappings go.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 */
void aem_access_revoke(void)
{
	mutex_lock(&aem_access_revoke_lock);
	atomic64_set(&aem_access_floor,
		     atomic64_inc_return(&aem_access_generation));
	/* A fault that checked below the floor has mapped by now. */
	synchronize_srcu(&aem_fw_srcu);
	aem_regions_unmap_all();
	mutex_unlock(&aem_access_revoke_lock);
}
EXPORT_SYMBOL_GPL(aem_access_revoke);

/**
 * aem_access_revoke_some() - check again the mappings a change concerns
 * @sel: which: a mapping of a region @sel->region matches, in a process
 *	one of whose threads @sel->task matches (struct aem_revoke_sel)
 *
 * For a change of the policy backend's rules that can take back access
 * only from some subjects or some regions (a quarantined uid, a rule
 * naming one uid and one region): those mappings are zapped and checked
 * again at their next touch, as aem_access_revoke() does for all; the
 * others keep their page tables.  The subjects are matched as they are
 * now: a process is a subject when any thread using its mm is.  When the
 * walk cannot get the memory it needs, every mapping is taken back
 * (aem_access_revoke()): never fewer than asked.
 *
 * Context: process context, may sleep; no aether_mm lock and no
 * mmap_lock held.
 */
void aem_access_revoke_some(const struct aem_revoke_sel *sel)
{
	u64 seq;

	mutex_lock(&aem_access_revoke_lock);
	seq = atomic64_inc_return(&aem_access_generation);
	if (aem_regions_revoke(sel, seq)) {
		atomic64_set(&aem_access_floor, seq);
		synchronize_srcu(&aem_fw_srcu);
		aem_regions_unmap_all();
	}
	mutex_unlock(&aem_access_revoke_lock);
}
EXPORT_SYMBOL_GPL(aem_access_revoke_some);

/**
 * aem_policy_region_init() - a cookie for a new region
 * @id: the region's number
 * @uid: its creator
 * @flags: its AETHER_MM_REGION_* flags
 * @group: NULL, or the group file its creator named (@qos_fd), which the
 *	   caller holds
 * @gen: receives the generation of the registration that gave the
 *	 cookie, 0 when there is none
 *
 * Context: REGION_CREATE, aem_regions_lock held, the region not visible.
 *
 * Return: the cookie, NULL for none (then *@gen is 0), or the backend's
 * refusal as an ERR_PTR(); -EOPNOTSUPP for a @group no backend can take.
 */
void *aem_policy_region_init(u64 id, kuid_t uid, u32 flags,
			     struct file *group, u64 *gen)
{
	struct aem_policy_reg *reg;
	void *cookie = NULL;

	*gen = 0;
	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	if (reg && reg->ops->region_init) {
		cookie = reg->ops->region_init(id, uid, flags, group);
		if (cookie && !IS_ERR(cookie))
			*gen = reg->gen;
	} else if (group) {
		cookie = ERR_PTR(-EOPNOTSUPP);
	}
	rcu_read_unlock();
	/* A group was named: the region is that group's or nobody's. */
	if (group && !cookie)
		return ERR_PTR(-EOPNOTSUPP);
	return cookie;
}

/**
 * aem_policy_may_class() - may pages of a region take a reclaim class?
 * @gen: the region's generation, 0 for none
 * @cookie: its cookie
 * @class: AETHER_MM_QOS_NORMAL, _BESTEFFORT or _REALTIME
 *
 * Return: 0 when the backend that charges the region has reclaim tiers and
 * allows it, its refusal (-EPERM), or -EOPNOTSUPP (no such backend: the
 * class would mean nothing).
 */
int aem_policy_may_class(u64 gen, void *cookie, u32 class)
{
	const struct aem_policy_ops *ops;
	int ret = -EOPNOTSUPP;

	if (!gen)
		return ret;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->reclaim_tier && ops->may_class)
		ret = ops->may_class(cookie, class);
	rcu_read_unlock();
	return ret;
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
 * struct aem_high_owed - what a task owes one group: the over-high pages
 * it charged to regions of one (generation, cookie)
 * @file:	the file of the first such region charged: pins that region,
 *		so that @cookie outlives munmap() and close(), and, through
 *		f_op, aether_mm itself; its last fput() defers the
 *		module_put() to core code
 * @gen:	the region's generation
 * @cookie:	its cookie
 * @nr:		pages charged over high since the work was queued
 */
struct aem_high_owed {
	struct file *file;
	u64 gen;
	void *cookie;
	unsigned long nr;
};

/* Distinct cookies one task's work keeps; more fold into the largest. */
#define AEM_HIGH_OWED	4

/*
 * Pages over high after which a caller that holds no lock between its
 * charges (REGION_CHECKSUM) runs the work at once (memcg's
 * MEMCG_CHARGE_BATCH in try_charge_memcg()).
 */
#define AEM_HIGH_INLINE	64

/**
 * struct aem_high_work - a task's over-high work, pending until it returns
 * to user mode
 * @cb:		its task_work; aem_high_work_fn() is aether_mm's text
 * @node:	in aem_high_works, keyed by @task
 * @task:	the task that charged (only it runs @cb)
 * @nr_owed:	entries used in @owed
 * @owed:	what it owes, one entry per (generation, cookie)
 */
struct aem_high_work {
	struct callback_head cb;
	struct hlist_node node;
	struct task_struct *task;
	unsigned int nr_owed;
	struct aem_high_owed owed[AEM_HIGH_OWED];
};

#define AEM_HIGH_BITS	6
static DEFINE_HASHTABLE(aem_high_works, AEM_HIGH_BITS);
static DEFINE_SPINLOCK(aem_high_lock);		/* aem_high_works */
static atomic_long_t aem_policy_nr_high_queued;	/* works queued */

/* current's pending work, under aem_high_lock. */
static struct aem_high_work *aem_high_find(void)
{
	struct aem_high_work *w;

	lockdep_assert_held(&aem_high_lock);
	hash_for_each_possible(aem_high_works, w, node, (unsigned long)current)
		if (w->task == current)
			return w;
	return NULL;
}

/*
 * Under the policy table's SRCU: @handle_high with the stall pair around
 * it, if the table that gave @cookie is still the registered one.
 */
static void aem_policy_handle_high(u64 gen, void *cookie, unsigned long nr)
{
	const struct aem_policy_ops *ops;
	unsigned long token = 0;
	int idx;

	idx = srcu_read_lock(&aem_policy_srcu);
	ops = aem_policy_of_gen_srcu(gen);
	if (ops && ops->handle_high) {
		atomic_long_inc(&aem_policy_nr_high);
		if (ops->stall_begin)
			token = ops->stall_begin(cookie);
		ops->handle_high(cookie, nr);
		if (ops->stall_end)
			ops->stall_end(cookie, token);
	}
	srcu_read_unlock(&aem_policy_srcu, idx);
}

/*
 * @handle_high for each of @n entries taken out of a work, then their
 * files dropped.  The file may be the last reference to aether_mm: fput()
 * queues its release (and module_put()) as another task_work, which runs
 * after the caller returned (or, from an ioctl, at its return to user
 * mode).
 */
static void aem_high_pay(struct aem_high_owed *owed, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		aem_policy_handle_high(owed[i].gen, owed[i].cookie, owed[i].nr);
	for (i = 0; i < n; i++)
		fput(owed[i].file);
}

/*
 * The task_work: on the way back to user mode (or at exit), no lock held.
 * Unhashed first, so that a charge over high from @handle_high's own
 * faults (none are expected) would queue a new work, not join this one.
 * A work that aem_policy_high_due() emptied owes nothing.
 */
static void aem_high_work_fn(struct callback_head *cb)
{
	struct aem_high_work *w = container_of(cb, struct aem_high_work, cb);

	spin_lock(&aem_high_lock);
	hash_del(&w->node);
	spin_unlock(&aem_high_lock);
	aem_high_pay(w->owed, w->nr_owed);
	kfree(w);
}

/* Does the table of @gen want the over-high work?  Under no lock. */
static bool aem_policy_wants_high(u64 gen)
{
	const struct aem_policy_ops *ops;
	bool wants;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	wants = ops && ops->handle_high;
	rcu_read_unlock();
	return wants;
}

/*
 * Add @nr pages of (@gen, @cookie) to @w: to its entry, else to a new
 * one (taking a reference on @file), else, all AEM_HIGH_OWED taken, to
 * the entry that owes the most (its group pays for them).  Under
 * aem_high_lock.
 */
static void aem_high_add(struct aem_high_work *w, struct file *file, u64 gen,
			 void *cookie, unsigned long nr)
{
	struct aem_high_owed *o, *most = NULL;
	unsigned int i;

	lockdep_assert_held(&aem_high_lock);
	for (i = 0; i < w->nr_owed; i++) {
		o = &w->owed[i];
		if (o->gen == gen && o->cookie == cookie) {
			o->nr += nr;
			return;
		}
		if (!most || o->nr > most->nr)
			most = o;
	}
	if (w->nr_owed < AEM_HIGH_OWED) {
		o = &w->owed[w->nr_owed++];
		o->file = get_file(file);
		o->gen = gen;
		o->cookie = cookie;
		o->nr = nr;
		return;
	}
	most->nr += nr;
}

/**
 * aem_policy_over_high() - a charge of this task said AEM_CHARGE_OVER_HIGH
 * @file: the file of the region charged, which the caller holds: a
 *	  fault's vm_file, an ioctl's file
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @nr: pages charged over high
 *
 * Queues, at most once per task until it runs, the work that calls the
 * backend's @handle_high on the way back to user mode, outside every
 * lock (memcg's set_notify_resume() and mem_cgroup_handle_over_high()).
 * One kernel entry may charge several regions (a read(2) into a buffer
 * that spans two region mappings faults both; REGION_CHECKSUM may fault
 * its argument in another region's mapping): the work keeps what is owed
 * per (generation, cookie), up to AEM_HIGH_OWED of them, and calls
 * @handle_high once for each, so that each group throttles for its own
 * pages; a fifth and later cookie are added to the entry that owes the
 * most.  Each entry holds the file of its first region, so its cookie
 * stays valid and aether_mm stays loaded; the backend may go meanwhile
 * (its @handle_high is then not called, and the work only drops the
 * files).  A caller that holds no lock between its charges may run the
 * work early: aem_policy_high_due().
 * A kernel thread never returns to user mode: it is not throttled.
 *
 * Context: process context, no slot lock held (a fault's mmap_lock or VMA
 * lock may be).  May sleep (GFP_KERNEL_ACCOUNT), briefly.
 */
void aem_policy_over_high(struct file *file, u64 gen, void *cookie,
			  unsigned long nr)
{
	struct aem_high_work *w, *fresh;

	might_sleep();
	if ((current->flags & PF_KTHREAD) || !aem_policy_wants_high(gen))
		return;
	spin_lock(&aem_high_lock);
	w = aem_high_find();
	if (w)
		aem_high_add(w, file, gen, cookie, nr);
	spin_unlock(&aem_high_lock);
	if (w)
		return;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return;		/* not throttled this time: high is no limit */
	init_task_work(&fresh->cb, aem_high_work_fn);
	fresh->task = current;
	spin_lock(&aem_high_lock);
	aem_high_add(fresh, file, gen, cookie, nr);
	hash_add(aem_high_works, &fresh->node, (unsigned long)current);
	spin_unlock(&aem_high_lock);
	if (task_work_add(current, &fresh->cb, TWA_RESUME)) {
		/* Past exit_task_work(): nothing will run it. */
		spin_lock(&aem_high_lock);
		hash_del(&fresh->node);
		spin_unlock(&aem_high_lock);
		fput(fresh->owed[0].file);
		kfree(fresh);
		return;
	}
	atomic_long_inc(&aem_policy_nr_high_queued);
}

/**
 * aem_policy_high_due() - pay current's over-high work now, if it is due
 *
 * For a caller that charges many pages in one kernel entry and holds no
 * lock between its charges (REGION_CHECKSUM, between batches): once
 * current owes AEM_HIGH_INLINE pages or more over high, every entry of
 * its pending work is taken out of it and @handle_high called for each
 * now, as memcg's try_charge_memcg() calls mem_cgroup_handle_over_high()
 * once a task is MEMCG_CHARGE_BATCH pages over high.  The work itself
 * stays queued (a task_work cannot be taken back) and hashed, empty:
 * later charges join it, and it pays for them on the way back to user
 * mode.  Without this, one syscall could go as far over high as max for
 * a single penalty.
 *
 * Context: process context, no lock held at all (no mmap_lock: the
 * backend's reclaim may wait for locks).  May sleep (the penalty).
 */
void aem_policy_high_due(void)
{
	struct aem_high_owed owed[AEM_HIGH_OWED];
	struct aem_high_work *w;
	unsigned long total = 0;
	unsigned int i, n = 0;

	might_sleep();
	spin_lock(&aem_high_lock);
	w = aem_high_find();
	for (i = 0; w && i < w->nr_owed; i++)
		total += w->owed[i].nr;
	if (total >= AEM_HIGH_INLINE) {
		n = w->nr_owed;
		memcpy(owed, w->owed, n * sizeof(owed[0]));
		w->nr_owed = 0;
	}
	spin_unlock(&aem_high_lock);
	if (!n)
		return;
	aem_high_pay(owed, n);
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
 * aem_policy_reclaim_begin() - a walk of the pool's reclaim begins
 *
 * The backend's @reclaim_begin, if it has one: it counts what its
 * @reclaim_tier answers the walk from.
 *
 * Context: process context, no slot lock or aem_access_lock held;
 * does not sleep.
 */
void aem_policy_reclaim_begin(void)
{
	struct aem_policy_reg *reg;

	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	if (reg && reg->ops->reclaim_begin)
		reg->ops->reclaim_begin();
	rcu_read_unlock();
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
 * aem_policy_charge_stored() - a page of a region went to the store
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @bytes: what the store holds for it
 * @nr: pages (1, or the pages of a layer given up)
 *
 * Context: under the region's @pol_lock (region.h); does not sleep.
 */
void aem_policy_charge_stored(u64 gen, void *cookie, unsigned long bytes,
			      unsigned long nr)
{
	const struct aem_policy_ops *ops;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->charge_stored)
		ops->charge_stored(cookie, bytes, nr);
	rcu_read_unlock();
}

/**
 * aem_policy_uncharge_stored() - stored pages left a region
 * @gen: the region's generation (not 0)
 * @cookie: its cookie
 * @bytes: what @aem_policy_charge_stored() counted for them
 * @nr: how many
 *
 * Context: under the region's @pol_lock; does not sleep.
 */
void aem_policy_uncharge_stored(u64 gen, void *cookie, unsigned long bytes,
				unsigned long nr)
{
	const struct aem_policy_ops *ops;

	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->uncharge_stored)
		ops->uncharge_stored(cookie, bytes, nr);
	rcu_read_unlock();
}

/**
 * aem_policy_held_take() - charge a frame that outlives its region
 * @h: the charge's record, zeroed by the caller
 * @gen: the region's generation (0: nothing is charged)
 * @cookie: its cookie
 * @nid: the frame's node
 *
 * The backend's @cookie_hold gives a cookie that stays valid after the
 * region goes; one frame is charged to it, AEM_CHARGE_NOFAIL (the frame
 * replaces a page of the region, charged until it merges).  Without a
 * registration of @gen, or without @cookie_hold, nothing is charged.
 *
 * Context: under the region's @pol_lock (region.h), which keeps @cookie
 * valid; does not sleep.
 */
void aem_policy_held_take(struct aem_policy_held *h, u64 gen, void *cookie,
			  int nid)
{
	const struct aem_policy_ops *ops;
	void *held;

	if (!gen)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	held = ops && ops->cookie_hold ? ops->cookie_hold(cookie) : NULL;
	if (held) {
		/* Never refused: over high it counts, nobody is throttled. */
		ops->charge(held, nid, 1, AEM_CHARGE_NOFAIL);
		h->gen = gen;
		h->cookie = held;
		h->nid = nid;
		h->frame = true;
	}
	rcu_read_unlock();
}

/**
 * aem_policy_held_stored() - the frame of @h went to the store
 * @h: a charge of aem_policy_held_take()
 * @bytes: what the store holds for it
 *
 * Its frame is uncharged and @bytes charged (@charge_stored, one page),
 * as a region page's.  Context: under the owner's lock; does not sleep.
 */
void aem_policy_held_stored(struct aem_policy_held *h, unsigned long bytes)
{
	const struct aem_policy_ops *ops;

	if (!h->frame)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(h->gen);
	if (ops) {
		ops->uncharge(h->cookie, h->nid, 1);
		if (ops->charge_stored)
			ops->charge_stored(h->cookie, bytes, 1);
	}
	rcu_read_unlock();
	h->frame = false;
	h->stored = true;
	h->bytes = bytes;
}

/**
 * aem_policy_held_reload() - charge the frame a held stored page comes back in
 * @h: a charge of aem_policy_held_take(), whose page is stored
 * @ld: a zeroed record of the charge taken, for aem_policy_held_loaded()
 *	or, when the load fails, aem_policy_held_unload()
 * @gen: the generation of the region whose fault brings it back (0: a
 *	 region of no group)
 * @cookie: that region's cookie, which its @pol_lock (held) keeps valid
 * @nid: the new frame's node
 * @flags: AEM_CHARGE_FAULT when a region's fault (or ioctl) loads it
 *	   (else a load of nobody's: the engine's), AEM_CHARGE_LAST (that
 *	   fault's try after @reclaim), or AEM_CHARGE_NOFAIL alone (the
 *	   page must come back: the store or the engine is going)
 *
 * Before the load, as a region page's (region/store.c): the frame is
 * charged to @h's group if it takes it (a refusable charge: over high it
 * counts, nobody is throttled for it), else to the faulting region's
 * group, as memcg's swap-in charges the faulting memcg when the page's
 * recorded owner cannot take it (review s30 finding 4), or is gone (a
 * destroyed group refuses AEM_CHARGE_HELD: review s31b finding 5): then the held
 * charge moves to that group with the frame (aem_policy_held_loaded()),
 * which holds it from then on.  A group at its max so never goes past it
 * for a frame another group's region faults in, and the frame counts
 * where it is used.  A faulting region of no group (made before this
 * registration) takes it uncharged, as memcg's root would: the held
 * charge ends.  Nobody may take it: the load fails (-ENOMEM: a load of
 * nobody's), or the faulter's group asks for its @reclaim first
 * (-EAGAIN, as aem_policy_charge()), and the page stays stored.
 *
 * Context: under the owner's load lock, and the faulting region's
 * @pol_lock when @gen is not 0; does not sleep.
 * Return: 0, AEM_CHARGE_OVER_HIGH (the faulter's group, charged, is over
 * its high), -EAGAIN, or a refusal.
 */
int aem_policy_held_reload(struct aem_policy_held *h,
			   struct aem_policy_reload *ld, u64 gen,
			   void *cookie, int nid, unsigned int flags)
{
	const struct aem_policy_ops *ops;
	void *held = NULL;
	int ret = 0;

	if (!h->stored)
		return 0;
	rcu_read_lock();
	ops = aem_policy_of_gen(h->gen);
	if (ops)
		ret = ops->charge(h->cookie, nid, 1,
				  (flags & AEM_CHARGE_NOFAIL) |
				  (flags & AEM_CHARGE_FAULT ?
				   AEM_CHARGE_HELD : 0));
	if (ops && ret >= 0) {
		ld->to = (struct aem_policy_held){ .gen = h->gen,
			.cookie = h->cookie, .nid = nid, .frame = true };
		ret = 0;
	} else if (ops && (flags & AEM_CHARGE_FAULT) && gen == h->gen) {
		/* @h's group is full: the faulter's takes the frame. */
		held = ops->cookie_hold(cookie);
	}
	rcu_read_unlock();
	if (!ops || ld->to.frame)
		return 0;
	if (!held && (flags & AEM_CHARGE_FAULT) && gen != h->gen) {
		/* A region of no group: the frame counts nowhere. */
		ld->to = (struct aem_policy_held){ };
		ld->moved = true;
		return 0;
	}
	if (!held)
		return -ENOMEM;
	ret = aem_policy_charge(gen, held, nid, 1, flags & AEM_CHARGE_LAST);
	if (ret < 0) {
		rcu_read_lock();
		ops = aem_policy_of_gen(gen);
		if (ops)
			ops->cookie_unhold(held);
		rcu_read_unlock();
		return ret;
	}
	ld->to = (struct aem_policy_held){ .gen = gen, .cookie = held,
		.nid = nid, .frame = true };
	ld->moved = true;
	atomic_long_inc(&aem_policy_nr_held_moved);
	return ret;
}

/**
 * aem_policy_held_loaded() - the stored page of @h is a frame again
 * @h: the charge aem_policy_held_reload() was asked for
 * @ld: what it charged
 *
 * The stored bytes are uncharged; the frame's charge is @h's from now on,
 * with its group's cookie when it moved (the old one is dropped).
 * Context: under the owner's locks; does not sleep.
 */
void aem_policy_held_loaded(struct aem_policy_held *h,
			    struct aem_policy_reload *ld)
{
	const struct aem_policy_ops *ops;

	if (!h->stored)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(h->gen);
	if (ops && ops->uncharge_stored)
		ops->uncharge_stored(h->cookie, h->bytes, 1);
	if (ops && ld->moved)
		ops->cookie_unhold(h->cookie);
	rcu_read_unlock();
	/* No copy is kept while stored (share.c: it is the content). */
	WARN_ON_ONCE(h->kept_bytes);
	if (ld->moved || ld->to.frame) {
		*h = ld->to;
	} else {
		/* Nobody's registration any more: nothing is charged. */
		h->stored = false;
		h->bytes = 0;
	}
	ld->moved = false;
	ld->to.frame = false;
}

/**
 * aem_policy_held_unload() - the load aem_policy_held_reload() charged failed
 * @ld: what it charged: uncharged, and its own cookie dropped
 *
 * Context: as aem_policy_held_loaded().
 */
void aem_policy_held_unload(struct aem_policy_reload *ld)
{
	if (ld->moved)
		aem_policy_held_drop(&ld->to);
	else
		aem_policy_held_gone(&ld->to);
	ld->moved = false;
}

/**
 * aem_policy_held_moves() - held charges a reload moved to the faulter's
 * group since the module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_held_moves(void)
{
	return atomic_long_read(&aem_policy_nr_held_moved);
}

/**
 * aem_policy_held_gone() - what @h counts is gone: uncharge it
 * @h: a charge of aem_policy_held_take(), or a zeroed record
 *
 * The frame freed or the stored page released: nothing is charged to the
 * cookie any more, which stays held until aem_policy_held_drop().
 * Context: under the owner's lock or none; does not sleep.
 */
void aem_policy_held_gone(struct aem_policy_held *h)
{
	const struct aem_policy_ops *ops;

	if (!h->frame && !h->stored)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(h->gen);
	if (ops && h->frame)
		ops->uncharge(h->cookie, h->nid, 1);
	else if (ops && ops->uncharge_stored)
		ops->uncharge_stored(h->cookie, h->bytes, 1);
	rcu_read_unlock();
	h->frame = false;
	h->stored = false;
	h->bytes = 0;
}

/**
 * aem_policy_held_drop() - the end of @h: uncharge it, drop its cookie
 * @h: a charge of aem_policy_held_take(), or a zeroed record
 *
 * Context: process context, no lock needed (the owner is going); does
 * not sleep.
 */
void aem_policy_held_drop(struct aem_policy_held *h)
{
	const struct aem_policy_ops *ops;

	aem_policy_held_unkeep(h);
	aem_policy_held_gone(h);
	if (!h->gen)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(h->gen);
	if (ops)
		ops->cookie_unhold(h->cookie);
	rcu_read_unlock();
	h->gen = 0;
	h->cookie = NULL;
}

/**
 * aem_policy_charge_integrity() - the store keeps a copy of a region's page
 * @gen: the region's generation, 0 for none (nothing is charged)
 * @cookie: its cookie
 * @bytes: what the store holds for the copy
 * @nr: copies (1); 0: @bytes are the region's checksum records
 *	(region/verify.c), no copy
 * @flags: AEM_CHARGE_NOFAIL to count it whatever the limits, else 0
 *
 * Context: under the region's @pol_lock (region.h); does not sleep.
 * Return: 0 (counted, or nobody to count it), or the backend's refusal:
 * the copy is not kept.
 */
int aem_policy_charge_integrity(u64 gen, void *cookie, unsigned long bytes,
				unsigned long nr, unsigned int flags)
{
	const struct aem_policy_ops *ops;
	int ret = 0;

	if (!gen)
		return 0;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->charge_integrity)
		ret = ops->charge_integrity(cookie, bytes, nr, flags);
	rcu_read_unlock();
	if (ret < 0 && nr)
		atomic_long_inc(&aem_policy_nr_integ_refused);
	return ret < 0 ? ret : 0;
}

/**
 * aem_policy_uncharge_integrity() - a copy counted by the above is gone
 * @gen: the region's generation, 0 for none
 * @cookie: its cookie
 * @bytes: what aem_policy_charge_integrity() counted for it
 * @nr: as counted
 *
 * Context: under the region's @pol_lock; does not sleep.
 */
void aem_policy_uncharge_integrity(u64 gen, void *cookie,
				   unsigned long bytes, unsigned long nr)
{
	const struct aem_policy_ops *ops;

	if (!gen)
		return;
	rcu_read_lock();
	ops = aem_policy_of_gen(gen);
	if (ops && ops->uncharge_integrity)
		ops->uncharge_integrity(cookie, bytes, nr);
	rcu_read_unlock();
}

/**
 * aem_policy_held_keep() - a copy of @h's frame is kept for repair
 * @h: a charge of aem_policy_held_take(), its frame resident
 * @bytes: what the store holds for the copy
 *
 * Counted in @h's group, as a region page's copy is in its region's.
 * Context: under the owner's locks; does not sleep.
 * Return: 0, or the refusal (the copy is not kept).
 */
int aem_policy_held_keep(struct aem_policy_held *h, unsigned long bytes)
{
	int ret;

	if (!h->gen)
		return 0;
	ret = aem_policy_charge_integrity(h->gen, h->cookie, bytes, 1, 0);
	if (!ret)
		h->kept_bytes = bytes;
	return ret;
}

/**
 * aem_policy_held_unkeep() - the copy aem_policy_held_keep() counted goes
 * @h: its charge
 *
 * Context: under the owner's locks or none; does not sleep.
 */
void aem_policy_held_unkeep(struct aem_policy_held *h)
{
	if (!h->kept_bytes)
		return;
	aem_policy_uncharge_integrity(h->gen, h->cookie, h->kept_bytes, 1);
	h->kept_bytes = 0;
}

/**
 * aem_policy_integ_refused() - integrity copies a group refused since the
 * module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_integ_refused(void)
{
	return atomic_long_read(&aem_policy_nr_integ_refused);
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
 * aem_policy_highs() - @handle_high calls since the module was loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_highs(void)
{
	return atomic_long_read(&aem_policy_nr_high);
}

/**
 * aem_policy_high_works() - over-high works queued since the module was
 * loaded
 *
 * Return: the count, for debugfs.
 */
long aem_policy_high_works(void)
{
	return atomic_long_read(&aem_policy_nr_high_queued);
}

/* Every backend unregisters before its module goes; nothing may be left. */
void aem_policy_exit(void)
{
	WARN_ON(rcu_access_pointer(aem_policy));
}

/**
 * aem_policy_integrity_event() - tell the policy backend of an integrity event
 * @region_id: the region's id
 * @index: the data page index
 * @kind: enum aem_integrity_kind
 *
 * Context: any; does not sleep (region/verify.c calls it under a slot lock).
 */
void aem_policy_integrity_event(u64 region_id, u64 index, int kind)
{
	struct aem_policy_reg *reg;

	rcu_read_lock();
	reg = rcu_dereference(aem_policy);
	if (reg && reg->ops->integrity_event)
		reg->ops->integrity_event(region_id, index, kind);
	rcu_read_unlock();
}
