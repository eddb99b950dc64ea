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
 *   0. the group its creator named (AETHER_MM_REGION_QOS_GROUP with a
 *      group fd, aqos_region_named()): a live group the creator may
 *      charge, the groups ATTACH_PID may put its processes in
 *      (aqos_may_charge(): CAP_SYS_ADMIN, or it owns the group's
 *      parent, or the group is its own default group); refused
 *      otherwise (-EINVAL not a group fd, -ENOENT destroyed, -EPERM);
 *   2. otherwise the default group of the creator's uid, "user.<uid>"
 *      under the root, made at its first region with max user_max_pages
 *      (module parameter, 65536 pages unless set; root's has no max):
 *      what one user takes is bounded even when nobody placed them
 *      (DESIGN.md section 8).  Inside a user namespace the uid is the
 *      namespace's owner's (group.c, aqos_user_key()).
 *
 * The region holds a reference to its group from region_init to
 * region_release, so a group stays while a region is charged to it, and
 * DESTROY refuses a group that regions are charged to.  A region joins
 * its group under the tree lock, where DESTROY checks and marks it dead
 * (aqos_region_join()): a creation racing a DESTROY of the group it had
 * found either keeps the group alive or goes to its user's default group
 * instead (a group named at creation: -ENOENT).
 *
 * The seam (QSEAM's hooks):
 *
 *   - over max, @charge answers -EAGAIN; the core calls @reclaim outside
 *     the slot lock, which reclaims the cold pages of the group at its
 *     max and its descendants (aem_policy_reclaim(): stored through the
 *     store backend, zero pages dropped) by what it lacks, and charges
 *     once more; a second refusal fails the fault (SIGBUS) or the ioctl.
 *     The group counts a max event at each refusal and an oom event when
 *     reclaim could not make room;
 *   - @reclaim_tier: the pool's reclaim takes BestEffort groups' pages
 *     first, then Normal, then RealTime, then those low protects, never
 *     those min protects (a group whose usage is within its effective
 *     min or low);
 *   - @reclaim_begin: a walk of the pool's reclaim begins: the effective
 *     min and low of every group are counted then, once
 *     (aqos_snap_take()), and @reclaim_tier compares each group's usage
 *     with them while the walk lasts, so each sibling of an
 *     overcommitted parent keeps its own part (group.c);
 *   - @may_class: REGION_SET_QOS (set_memory_qos) may give a range of a
 *     region a class up to its group's (RealTime only in a RealTime
 *     group) without CAP_SYS_ADMIN; the core then reclaims those pages
 *     in that class's tier (aether_mm/region/qos.c);
 *   - @admit: a RealTime group's faults may use the pool's reserve below
 *     the min watermark.  That reserve is sized from what the RealTime
 *     groups are owed (aqos_rt_reserve_update(): each topmost RealTime
 *     group's min or low, whichever is larger, added up, told to
 *     aether_mm by aem_pool_set_reserve() at each SET and DESTROY), so
 *     that their faults take pages kept for them, the pool's background
 *     reclaim refilling it, instead of waiting behind a hog's reclaim;
 *   - @stall_begin/@stall_end: the core's waits for a group's memory are
 *     its pressure (pressure.c) and the kernel's memstall;
 *   - ATTACH_REGION (aqos_region_attach()): aem_region_attach() moves a
 *     region's charges to another group; the old group's reference stays
 *     the region's until it goes, then @region_retired drops it.
 *
 *   - @charge_stored/@uncharge_stored: a page that goes to the store
 *     leaves the group as a frame and comes back in as the compressed
 *     bytes the store holds for it, until it is loaded or released
 *     (group.c, aqos_charge_stored(): memcg's zswap charge);
 *   - @cookie_hold/@cookie_unhold: a shared frame (aether_dedupe's
 *     merged pages) is charged once, to the group of the region whose
 *     page it was copied from, until it is freed, whichever region goes
 *     last: the frame holds a reference to the group (as memcg keeps a
 *     dying memcg for its pages), so a group DESTROY took out of the
 *     tree stays charged (and its ancestors with it) until the frame
 *     goes, and the charge is counted like a region's
 *     (@charged, @uncharged; stored, its bytes);
 *   - @charge_integrity/@uncharge_integrity: a copy the store keeps of
 *     a page for integrity repair counts in the page's group as the
 *     bytes the store holds for it, refused over max (the copy is then
 *     not kept; group.c, aqos_charge_integrity());
 *   - over high, @charge answers AEM_CHARGE_OVER_HIGH (the page is taken,
 *     a high event counted); the core calls @handle_high on the task's
 *     way back to user mode: reclaim, then memcg's penalty sleep
 *     (throttle.c).  Before unregistering, aqos_throttle_stop() wakes the
 *     sleepers, whom the core's synchronize_srcu() waits for.
 *
 * Every callback but @reclaim and @handle_high runs under rcu_read_lock()
 * inside the core's locks: none sleeps; region_init may allocate a
 * default group GFP_NOWAIT.
 */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "internal.h"

/*
 * The group a region's creator named (QOS_GROUP): @file must be one of
 * our group fds (the core holds it, and it holds its group), of a live
 * group the caller may charge.
 */
static struct aqos_group *aqos_region_named(struct file *file)
{
	struct aqos_group *g = aqos_gfd_group(file);

	if (!g)
		return ERR_PTR(-EINVAL);
	if (READ_ONCE(g->dead))
		return ERR_PTR(-ENOENT);
	if (!aqos_may_charge(g))
		return ERR_PTR(-EPERM);
	if (!refcount_inc_not_zero(&g->ref))
		return ERR_PTR(-ENOENT);
	return g;
}

static void *aqos_region_init(u64 id, kuid_t uid, u32 flags,
			      struct file *group)
{
	struct aqos_group *g;

	if (group) {
		g = aqos_region_named(group);
		if (IS_ERR(g))
			return g;
	} else {
		g = aqos_group_of_task(current);
		if (!g || !refcount_inc_not_zero(&g->ref))
			g = aqos_user_group(aqos_user_key(uid));
	}
	if (!g)
		return ERR_PTR(-ENOMEM);
	/*
	 * A group destroyed since it was found (review L3): a named one is
	 * -ENOENT; the creator's, its user's default group instead.
	 */
	if (aqos_region_join(g))
		return g;
	aqos_group_put(g);
	if (group)
		return ERR_PTR(-ENOENT);
	g = aqos_user_group(aqos_user_key(uid));
	if (!g)
		return ERR_PTR(-ENOMEM);
	if (aqos_region_join(g))
		return g;
	aqos_group_put(g);
	return ERR_PTR(-ENOENT);
}

/* Reclaim order of a group's class: BestEffort, Normal, RealTime. */
static unsigned int aqos_class_rank(u32 class)
{
	switch (class) {
	case AETHER_QOS_CLASS_BESTEFFORT:
		return 0;
	case AETHER_QOS_CLASS_REALTIME:
		return 2;
	default:
		return 1;
	}
}

/* The same of a range's class (AETHER_MM_QOS_*, aether_mm's UAPI). */
static unsigned int aqos_range_rank(u32 class)
{
	switch (class) {
	case AETHER_MM_QOS_BESTEFFORT:
		return 0;
	case AETHER_MM_QOS_REALTIME:
		return 2;
	default:
		return 1;
	}
}

/*
 * REGION_SET_QOS: a range of a region may be given a class up to its
 * group's (RealTime only in a RealTime group); CAP_SYS_ADMIN any, as it
 * may make any group RealTime.
 */
static int aqos_policy_may_class(void *cookie, u32 class)
{
	struct aqos_group *g = cookie;

	if (aqos_range_rank(class) <= aqos_class_rank(READ_ONCE(g->class)))
		return 0;
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static void aqos_region_release(void *cookie)
{
	struct aqos_group *g = cookie;

	atomic_long_dec(&g->nr_regions);
	aqos_group_put(g);
}

/*
 * A region attached away from @cookie is gone: its reference goes (its
 * count in @nr_regions went at the attach, aqos_region_attach()).
 */
static void aqos_region_retired(void *cookie)
{
	aqos_group_put(cookie);
}

static int aqos_policy_charge(void *cookie, int nid, unsigned long nr_pages,
			      unsigned int flags)
{
	struct aqos_group *g = cookie;

	/*
	 * A destroyed group takes no shared frame back: the faulter's group
	 * does (review s31b finding 5), as memcg's swap-in charges the
	 * faulting task's memcg when the recorded one is offline.
	 */
	if ((flags & AEM_CHARGE_HELD) && READ_ONCE(g->dead))
		return -ENOENT;
	return aqos_charge(g, nr_pages, flags & AEM_CHARGE_NOFAIL);
}

static void aqos_policy_uncharge(void *cookie, int nid,
				 unsigned long nr_pages)
{
	aqos_uncharge(cookie, nr_pages);
}

/* A region page went to the store: its bytes there count (group.c). */
static void aqos_policy_charge_stored(void *cookie, unsigned long bytes,
				      unsigned long nr_pages)
{
	aqos_charge_stored(cookie, bytes, nr_pages);
}

static void aqos_policy_uncharge_stored(void *cookie, unsigned long bytes,
					unsigned long nr_pages)
{
	aqos_uncharge_stored(cookie, bytes, nr_pages);
}

/*
 * A shared frame made from a page of @cookie's region is charged to its
 * group for its life: a reference keeps the group, whatever the region
 * does (it may go, or be attached elsewhere, first).
 */
static void *aqos_policy_cookie_hold(void *cookie)
{
	struct aqos_group *g = cookie;

	return refcount_inc_not_zero(&g->ref) ? g : NULL;
}

/* That frame is freed, every page of it uncharged. */
static void aqos_policy_cookie_unhold(void *held)
{
	aqos_group_put(held);
}

/* An integrity copy of a page of @cookie's region is kept (group.c). */
static int aqos_policy_charge_integrity(void *cookie, unsigned long bytes,
					unsigned long nr, unsigned int flags)
{
	return aqos_charge_integrity(cookie, bytes, nr,
				     flags & AEM_CHARGE_NOFAIL);
}

static void aqos_policy_uncharge_integrity(void *cookie, unsigned long bytes,
					   unsigned long nr)
{
	aqos_uncharge_integrity(cookie, bytes, nr);
}

/*
 * One pass of a group's reclaim: the regions of a tier (of one group of
 * it, or of all); the core asks again for each page, so a group that
 * reaches its protection keeps the rest.
 */
struct aqos_reclaim_pass {
	struct aqos_snapshot snap;	/* its root: the reclaim's */
	struct aqos_group *only;	/* NULL: every group of @tier */
	unsigned int tier;
};

/* aem_policy_reclaim()'s @match: a region of @arg's pass. */
static bool aqos_match_pass(void *cookie, void *arg)
{
	struct aqos_reclaim_pass *pass = arg;
	struct aqos_group *g = cookie;

	if (pass->only && g != pass->only)
		return false;
	return aqos_under(g, pass->snap.root) &&
	       aqos_tier_in(g, &pass->snap) == pass->tier;
}

#define AQOS_LOW_PASS	16	/* low-protected groups one reclaim visits */

/*
 * The last pass: pages low protects, group by group so that each group
 * whose low was broken counts its low event.  Return: pages taken.
 */
static long aqos_reclaim_protected(const struct aqos_snapshot *snap,
				   unsigned long nr, unsigned int flags)
{
	struct aqos_reclaim_pass pass = {
		.snap = *snap, .tier = AEM_TIER_PROTECTED,
	};
	struct aqos_group *gs[AQOS_LOW_PASS];
	unsigned int n, i;
	long got = 0, ret;

	n = aqos_groups_in_tier(snap, AEM_TIER_PROTECTED, gs, ARRAY_SIZE(gs));
	for (i = 0; i < n; i++) {
		pass.only = gs[i];
		ret = got < (long)nr ?
		      aem_policy_reclaim(aqos_match_pass, &pass, nr - got,
					 flags) : 0;
		if (ret > 0) {
			got += ret;
			aqos_low_event(gs[i]);
		}
		aqos_group_put(gs[i]);
	}
	return got;
}

/**
 * aqos_group_reclaim - reclaim up to @nr cold pages of @g's subtree
 * @g: a group, referenced by the caller
 * @nr: pages
 * @flags: AEM_RECLAIM_NOWAIT under a fault's mmap_lock, else 0
 *
 * Tier by tier as the pool's reclaim, with protection counted from @g
 * down (aqos_tier()): what its children borrowed of each other's unused
 * min and its BestEffort groups first, then Normal, then RealTime, then
 * what low protects (each group whose low is broken counts a low event),
 * never what min protects.  @g's own regions go by their class.  The
 * protection is counted once, when it begins (aqos_snap_take()): each
 * group keeps its part of what its parent is owed, sibling by sibling.
 *
 * Context: process context, no lock of ours held; may sleep.
 * Return: pages taken off its regions.
 */
long aqos_group_reclaim(struct aqos_group *g, unsigned long nr,
			unsigned int flags)
{
	struct aqos_reclaim_pass pass = { };
	long got = 0, ret;

	aqos_snap_take(g, AQOS_SNAP_GROUP, &pass.snap);
	for (pass.tier = AEM_TIER_BESTEFFORT;
	     pass.tier < AEM_TIER_PROTECTED && got < (long)nr; pass.tier++) {
		ret = aem_policy_reclaim(aqos_match_pass, &pass, nr - got,
					 flags);
		if (ret > 0)
			got += ret;
	}
	if (got < (long)nr)
		got += aqos_reclaim_protected(&pass.snap, nr - got, flags);
	return got;
}

/*
 * @charge said -EAGAIN: reclaim the cold pages of the group at its max
 * (and its descendants) by what it lacks.  When that cannot make room,
 * the retry of the charge fails: that is the group's oom event.
 */
static long aqos_policy_reclaim(void *cookie, unsigned long nr_pages,
				unsigned int flags)
{
	struct aqos_group *over;
	unsigned long excess;
	long got = 0;

	over = aqos_over_max(cookie, nr_pages, &excess);
	if (over)
		got = aqos_group_reclaim(over, excess, flags);
	if (over && aqos_over_max(cookie, nr_pages, &excess))
		aqos_oom_event(over);
	return max(got, 0L);
}

/*
 * The pool's reclaim order (aqos_tier_in() from the root): what min
 * protects is never taken, what a child borrowed of a sibling's min
 * first, what low protects only when nothing else is left, the rest by
 * class; protection as the last @reclaim_begin counted it.
 */
static unsigned int aqos_policy_reclaim_tier(void *cookie)
{
	struct aqos_snapshot snap;

	aqos_snap_pool(&snap);
	return aqos_tier_in(cookie, &snap);
}

/*
 * A walk of the pool's reclaim begins: every group's effective min and
 * low, counted from the root now, for its @reclaim_tier.
 */
static void aqos_policy_reclaim_begin(void)
{
	struct aqos_snapshot snap;

	aqos_snap_take(&aqos_root, AQOS_SNAP_POOL, &snap);
}

/* The pool's reclaim took pages low protected: the group's low event. */
static void aqos_policy_protected_reclaimed(void *cookie,
					    unsigned long nr_pages)
{
	aqos_low_event(cookie);
}

/* A RealTime group's faults may take the pool's reserve. */
static int aqos_policy_admit(void *cookie, int nid, unsigned int order,
			     unsigned int flags)
{
	struct aqos_group *g = cookie;

	return g && READ_ONCE(g->class) == AETHER_QOS_CLASS_REALTIME ?
	       AEM_ADMIT_RESERVE : 0;
}

/*
 * A task of @cookie's region waits for memory: a stall of its group
 * (pressure.c) and a memstall for the kernel's PSI.  The token carries
 * psi_memstall_enter()'s flag (bit 0) and whether the stall was begun
 * (bit 1: not on a destroyed group, whose pressure takes no new stall).
 */
#define AQOS_STALL_BEGUN	2UL

static unsigned long aqos_policy_stall_begin(void *cookie)
{
	struct aqos_group *g = cookie;
	struct aqos_stall st;

	if (READ_ONCE(g->dead))
		return 0;
	aqos_stall_begin(aqos_group_psi(g), &st);
	return (st.pflags & 1) | AQOS_STALL_BEGUN;
}

static void aqos_policy_stall_end(void *cookie, unsigned long token)
{
	struct aqos_group *g = cookie;
	struct aqos_stall st = {
		.pflags = token & 1,
		.psi = aqos_group_psi(g),
	};

	if (token & AQOS_STALL_BEGUN)
		aqos_stall_end(st.psi, &st);
}

/* Over high: reclaim and throttle, on the way back to user mode. */
static void aqos_policy_handle_high(void *cookie, unsigned long nr_pages)
{
	aqos_handle_high(cookie, nr_pages);
}

static const struct aem_policy_ops aqos_policy_ops = {
	.owner		= THIS_MODULE,
	.admit		= aqos_policy_admit,
	.region_init	= aqos_region_init,
	.region_release	= aqos_region_release,
	.charge		= aqos_policy_charge,
	.uncharge	= aqos_policy_uncharge,
	.reclaim	= aqos_policy_reclaim,
	.reclaim_tier	= aqos_policy_reclaim_tier,
	.stall_begin	= aqos_policy_stall_begin,
	.stall_end	= aqos_policy_stall_end,
	.drain		= aqos_group_drain,
	.handle_high	= aqos_policy_handle_high,
	.may_class	= aqos_policy_may_class,
	.protected_reclaimed = aqos_policy_protected_reclaimed,
	.region_retired	= aqos_region_retired,
	.reclaim_begin	= aqos_policy_reclaim_begin,
	.may_access	= aqos_fw_may_access,
	.integrity_event = aqos_fw_integrity_event,
	.charge_stored	= aqos_policy_charge_stored,
	.uncharge_stored = aqos_policy_uncharge_stored,
	.cookie_hold	= aqos_policy_cookie_hold,
	.cookie_unhold	= aqos_policy_cookie_unhold,
	.charge_integrity = aqos_policy_charge_integrity,
	.uncharge_integrity = aqos_policy_uncharge_integrity,
};

/**
 * aqos_region_attach - charge the region of @file to @g from now on
 * @file: a file the caller holds (aether_mm checks it is a region fd)
 * @g: a group, referenced by the caller, that the caller may charge
 *
 * ATTACH_REGION.  The region joins @g as a new region would (counted in
 * @nr_regions under the tree lock, so never in a destroyed group, and
 * holding a reference); aether_mm moves its charges from its group to
 * @g (aem_region_attach(): @g's max applies, reclaim first); the old
 * group stops counting the region at once, but the region holds its
 * reference until it goes (@region_retired), for the callbacks that
 * read the cookie before the move.
 *
 * Context: process context, no lock of ours held; may sleep.
 * Return: 0, or -ENOENT (@g destroyed) or aem_region_attach()'s errno.
 */
int aqos_region_attach(struct file *file, struct aqos_group *g)
{
	struct aqos_group *old;
	void *o;
	int ret;

	if (!refcount_inc_not_zero(&g->ref))
		return -ENOENT;
	if (!aqos_region_join(g)) {
		aqos_group_put(g);
		return -ENOENT;
	}
	ret = aem_region_attach(&aqos_policy_ops, file, g, &o);
	if (ret || !o) {
		/* Not moved (or already @g's): the join is undone. */
		aqos_region_release(g);
		return ret;
	}
	old = o;
	atomic_long_dec(&old->nr_regions);
	return 0;
}

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
 *
 * The throttled tasks are woken first: unregistering waits for every
 * @handle_high in progress.
 */
void aqos_policy_exit(void)
{
	aqos_throttle_stop();
	aem_unregister_policy(&aqos_policy_ops);
	/* No RealTime group any more: the pool's own reserve only. */
	aem_pool_set_reserve(0);
}

/* What a RealTime group is owed: its min or its low, the larger. */
static unsigned long aqos_rt_owed(struct aqos_group *g)
{
	struct aqos_group *p;

	if (READ_ONCE(g->dead) ||
	    READ_ONCE(g->class) != AETHER_QOS_CLASS_REALTIME)
		return 0;
	/* A RealTime ancestor's protection covers its subtree's. */
	for (p = g->parent; p && p->parent; p = p->parent)
		if (READ_ONCE(p->class) == AETHER_QOS_CLASS_REALTIME)
			return 0;
	return max(READ_ONCE(g->min), READ_ONCE(g->low));
}

/**
 * aqos_rt_reserve_update - size the pool's RealTime reserve from the groups
 *
 * The sum of what each topmost RealTime group is owed (its min or its
 * low, the larger; a RealTime group under a RealTime ancestor is its
 * ancestor's part), saturated, to aether_mm's aem_pool_set_reserve(),
 * which keeps at most 1/8 of each zone for it.  Called after every SET
 * and DESTROY, so a group's class or protection moves the reserve at
 * once; at unload the reserve goes back to the pool's own.
 *
 * Context: aqos_lock held (the groups' limits and classes are set under
 * it); does not sleep.
 */
void aqos_rt_reserve_update(void)
{
	unsigned long id = 0, want = 0, owed;
	struct aqos_group *g;

	lockdep_assert_held(&aqos_lock);
	while ((g = aqos_groups_next(&id))) {
		owed = aqos_rt_owed(g);
		want = owed > ULONG_MAX - want ? ULONG_MAX : want + owed;
	}
	aem_pool_set_reserve(want);
}
