// SPDX-License-Identifier: GPL-2.0
/*
 * region/qos.c - reclaim classes of page ranges (REGION_SET_QOS)
 *
 * DOC: Overview
 *
 * The seeds' set_memory_qos(address, size, class): a range of a region's
 * pages is reclaimed in the order of a class of its own (BestEffort
 * first, then Normal, then RealTime), not of the region's group.  The
 * pool's reclaim (region/reclaim.c) asks each page's tier when the region
 * has classed ranges: aem_region_page_tier().
 *
 * The state is the least that answers that question: a sorted array of
 * disjoint ranges [start, end) with a class each, per region, NULL for a
 * region that never had one (every region but those few), at most
 * AETHER_MM_QOS_MAX_RANGES of them, adjacent ranges of one class merged.
 * A class per page in the slot would cost the bits of every slot of every
 * layer (and a walk of them at each call) for what callers set on a few
 * large ranges; an array of a few entries costs a binary search per page
 * of the regions that have one, during reclaim only.
 *
 * The array is replaced whole (copy, change, publish with
 * rcu_assign_pointer(), free the old one after a grace period), so the
 * reclaim reads it under rcu_read_lock() from inside any lock, without
 * one of its own; SET_QOS calls are serialized by the region's @qos_lock
 * (a mutex, taken alone, no other lock inside it but the RCU read side).
 * The array goes with the region (aem_region_qos_free()).
 *
 * The tier a class gives never overrides the group's protection: a
 * region the policy backend puts in AEM_TIER_PROTECTED or AEM_TIER_NEVER
 * (what low and min protect) stays there whatever its ranges say.
 *
 * Nor does it outlast the group's class (review L4): @may_class is asked
 * at SET_QOS only, so a range set while the group was RealTime would stay
 * RealTime after the group is lowered, or after the region is attached to
 * another group.  At reclaim a range's tier is clamped to the region's
 * (its group's class): min(range tier, region tier), unless the range was
 * set by a caller with CAP_SYS_ADMIN (@admin), who may give any class.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "region.h"

/**
 * struct aem_qos_range - pages [@start, @end) of a region and their class
 * @start:	first data page
 * @end:	one past the last
 * @class:	AETHER_MM_QOS_NORMAL, _BESTEFFORT or _REALTIME
 * @admin:	set by a caller with CAP_SYS_ADMIN: its tier is not clamped
 *		to the region's at reclaim
 */
struct aem_qos_range {
	pgoff_t start;
	pgoff_t end;
	u32 class;
	u32 admin;
};

/**
 * struct aem_qos_ranges - the classed ranges of a region, one version
 * @rcu:	freed after a grace period
 * @nr:		entries in @r, sorted by @start, disjoint
 * @tiers:	bit t: some range set without CAP_SYS_ADMIN gives tier t
 *		(before its clamp)
 * @admin_tiers: bit t: some range set with CAP_SYS_ADMIN gives tier t
 * @r:		the ranges
 */
struct aem_qos_ranges {
	struct rcu_head rcu;
	unsigned int nr;
	unsigned int tiers;
	unsigned int admin_tiers;
	struct aem_qos_range r[];
};

/**
 * aem_qos_class_tier() - the reclaim tier of a class
 * @class: AETHER_MM_QOS_NORMAL, _BESTEFFORT or _REALTIME
 *
 * Return: an enum aem_reclaim_tier.
 */
static unsigned int aem_qos_class_tier(u32 class)
{
	switch (class) {
	case AETHER_MM_QOS_BESTEFFORT:
		return AEM_TIER_BESTEFFORT;
	case AETHER_MM_QOS_REALTIME:
		return AEM_TIER_REALTIME;
	default:
		return AEM_TIER_NORMAL;
	}
}

/**
 * aem_region_has_tier() - may @r have pages in tier @tier?
 * @r: a region, referenced
 * @rtier: its group's tier (aem_policy_tier())
 * @tier: the tier a reclaim walk takes now
 *
 * Return: true when the region's own tier is @tier, or a range's class
 * gives @tier (and the group's protection does not hold the region): an
 * admin's range any tier, another only a tier below @rtier (its clamp).
 */
bool aem_region_has_tier(struct aem_region *r, unsigned int rtier,
			 unsigned int tier)
{
	struct aem_qos_ranges *q;
	bool has = rtier == tier;

	if (has || rtier >= AEM_TIER_PROTECTED)
		return has;
	rcu_read_lock();
	q = rcu_dereference(r->qos_ranges);
	has = q && ((q->admin_tiers & BIT(tier)) ||
		    (tier < rtier && (q->tiers & BIT(tier))));
	rcu_read_unlock();
	return has;
}

/**
 * aem_region_page_tier() - the reclaim tier of one page of @r
 * @r: a region, referenced
 * @rtier: its group's tier (aem_policy_tier())
 * @idx: the data page
 *
 * Return: the tier of the range holding @idx (at most @rtier unless an
 * admin set it), or @rtier when no range holds it or the group's
 * protection holds the region.
 */
unsigned int aem_region_page_tier(struct aem_region *r, unsigned int rtier,
				  pgoff_t idx)
{
	struct aem_qos_ranges *q;
	unsigned int lo, hi, tier = rtier;

	if (rtier >= AEM_TIER_PROTECTED || !rcu_access_pointer(r->qos_ranges))
		return rtier;
	rcu_read_lock();
	q = rcu_dereference(r->qos_ranges);
	for (lo = 0, hi = q ? q->nr : 0; lo < hi;) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (idx < q->r[mid].start) {
			hi = mid;
		} else if (idx >= q->r[mid].end) {
			lo = mid + 1;
		} else {
			tier = aem_qos_class_tier(q->r[mid].class);
			if (!q->r[mid].admin)
				tier = min(tier, rtier);
			break;
		}
	}
	rcu_read_unlock();
	return tier;
}

/*
 * Append [@start, @end) of @class (@admin: set with CAP_SYS_ADMIN) to @n,
 * merged with its last range.
 */
static int aem_qos_push(struct aem_qos_ranges *n, pgoff_t start, pgoff_t end,
			u32 class, u32 admin)
{
	struct aem_qos_range *last = n->nr ? &n->r[n->nr - 1] : NULL;

	if (start >= end)
		return 0;
	if (last && last->end == start && last->class == class &&
	    last->admin == admin) {
		last->end = end;
		return 0;
	}
	if (n->nr == AETHER_MM_QOS_MAX_RANGES)
		return -ENOSPC;
	n->r[n->nr++] = (struct aem_qos_range){ start, end, class, admin };
	return 0;
}

/*
 * The ranges of @old with [@start, @end) given @class (none for
 * AETHER_MM_QOS_GROUP), into @n (room for AETHER_MM_QOS_MAX_RANGES).
 * The old ranges before, the new one, the old ones after: still sorted.
 */
static int aem_qos_build(struct aem_qos_ranges *n,
			 const struct aem_qos_ranges *old, pgoff_t start,
			 pgoff_t end, u32 class, u32 admin)
{
	unsigned int i, nr = old ? old->nr : 0;
	bool placed = false;
	int err = 0;

	for (i = 0; i < nr && !err; i++) {
		const struct aem_qos_range *o = &old->r[i];

		if (!placed && o->end > start) {
			err = aem_qos_push(n, o->start, min(o->end, start),
					   o->class, o->admin);
			if (!err && class != AETHER_MM_QOS_GROUP)
				err = aem_qos_push(n, start, end, class,
						   admin);
			placed = true;
			if (!err)
				err = aem_qos_push(n, max(o->start, end),
						   o->end, o->class, o->admin);
			continue;
		}
		err = aem_qos_push(n, placed ? max(o->start, end) : o->start,
				   o->end, o->class, o->admin);
	}
	if (!err && !placed && class != AETHER_MM_QOS_GROUP)
		err = aem_qos_push(n, start, end, class, admin);
	for (i = 0; i < n->nr; i++) {
		unsigned int t = BIT(aem_qos_class_tier(n->r[i].class));

		if (n->r[i].admin)
			n->admin_tiers |= t;
		else
			n->tiers |= t;
	}
	return err;
}

/**
 * aem_region_qos_free() - the region goes: its ranges too
 * @r: the region, unreachable (its last reference gone)
 */
void aem_region_qos_free(struct aem_region *r)
{
	WARN_ON_ONCE(r->pol_retired);
	kfree(rcu_dereference_protected(r->qos_ranges, true));
	mutex_destroy(&r->qos_lock);
}

/**
 * aem_ioc_region_set_qos() - AETHER_MM_IOC_REGION_SET_QOS
 * @file: the region fd
 * @r: its region
 * @uarg: struct aether_mm_region_qos
 *
 * Return: 0 with @nr_ranges written back, or a negative errno (the
 * UAPI header lists them).
 */
int aem_ioc_region_set_qos(struct file *file, struct aem_region *r,
			   void __user *uarg)
{
	struct aem_qos_ranges *old, *n;
	struct aether_mm_region_qos q;
	pgoff_t start, end;
	u32 admin;
	int err;

	err = aem_copy_in(&q, sizeof(q), uarg);
	if (err)
		return err;
	if (q.flags || q.class >= AETHER_MM_QOS_NR)
		return -EINVAL;
	if (!q.length || !PAGE_ALIGNED(q.offset) || !PAGE_ALIGNED(q.length) ||
	    q.offset > r->length || q.length > r->length - q.offset)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!uid_eq(r->uid, current_fsuid()) && !capable(CAP_SYS_ADMIN))
		return -EACCES;
	/* GROUP lowers nothing the backend must allow; it still needs one. */
	err = aem_policy_may_class(r->pol_gen, r->pol_cookie,
				   q.class == AETHER_MM_QOS_GROUP ?
				   AETHER_MM_QOS_BESTEFFORT : q.class);
	if (err)
		return err;
	start = q.offset >> PAGE_SHIFT;
	end = start + (q.length >> PAGE_SHIFT);
	/* An admin's range keeps its tier whatever the group's class. */
	admin = capable(CAP_SYS_ADMIN);

	n = kzalloc(struct_size(n, r, AETHER_MM_QOS_MAX_RANGES),
		    GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	mutex_lock(&r->qos_lock);
	old = rcu_dereference_protected(r->qos_ranges,
					lockdep_is_held(&r->qos_lock));
	err = aem_qos_build(n, old, start, end, q.class, admin);
	if (!err) {
		q.nr_ranges = n->nr;
		if (!n->nr) {
			kfree(n);
			n = NULL;
		}
		rcu_assign_pointer(r->qos_ranges, n);
		n = NULL;
		if (old)
			kfree_rcu(old, rcu);
	}
	mutex_unlock(&r->qos_lock);
	kfree(n);
	if (err)
		return err;
	return aem_copy_out(uarg, &q, sizeof(q));
}

/*
 * DOC: Attaching a region to another group
 *
 * AETHER_QOS_IOC_ATTACH_REGION (issue 14: "attach ... a region"): the
 * backend names a region fd and its new cookie, aem_region_attach()
 * moves the region.  A group's usage must stay exact, so the region's
 * charges move with it: under @pol_lock, which every charge and uncharge
 * of the region takes (region.h), the pages @pol_charged counts (per
 * node, as @charge and @uncharge counted them: the region's resident
 * frames, the only frames a region charges; a shared frame is no
 * region's, a stored page gave its frame back) are charged to the new
 * cookie, then uncharged from the old, and @pol_cookie switched; no
 * charge or uncharge can fall between and land on the wrong group.  The
 * new group's max applies as at a fault: over it, the charge answers
 * -EAGAIN, the attach drops the lock, calls the backend's @reclaim for
 * the new group, and tries once more; refused again, it fails with
 * -ENOMEM and the region is unchanged.  Over high is taken (no throttle:
 * the caller did not allocate).  The bytes of its stored pages
 * (@pol_stored_bytes, store.c), of the copies the store keeps of its
 * pages for repair (@pol_kept_bytes, verify.c) and of its checksum
 * records (@pol_sums_bytes, verify.c) move in the same hold,
 * never refused, as they were charged.
 *
 * The old cookie is not released at once: a fault may have read it
 * before the move (struct aem_alloc_who, the stall pair), and an
 * over-high work queued before it still names it.  It stays the
 * region's until the region goes, then @region_retired lets it go; at
 * most AEM_REGION_MAX_ATTACH of them per region (-EMLINK beyond).
 */

/**
 * struct aem_pol_retired - a cookie a region had before an attach
 * @next:	the one before it
 * @cookie:	the cookie
 * @ops:	the table that gave it (the registration of @pol_gen)
 */
struct aem_pol_retired {
	struct aem_pol_retired *next;
	void *cookie;
	const struct aem_policy_ops *ops;
};

/*
 * Move @r's charges from its cookie to @cookie, @flags AEM_CHARGE_LAST on
 * the try after reclaim.  Return: 0 (*@old the cookie it had, and @node
 * used: *@node set to NULL), 1 when @cookie is already @r's, -EAGAIN
 * (first try, over max: reclaim), or a negative errno.
 */
static int aem_region_move(struct aem_region *r,
			   const struct aem_policy_ops *ops, void *cookie,
			   struct aem_pol_retired **node, void **old,
			   unsigned int flags)
{
	void *from;
	int nid, n, ret = 0;

	spin_lock(&r->pol_lock);
	from = r->pol_cookie;
	if (from == cookie) {
		ret = 1;
		goto out;
	}
	if (r->nr_retired >= AEM_REGION_MAX_ATTACH) {
		ret = -EMLINK;
		goto out;
	}
	rcu_read_lock();
	for (nid = 0; nid < AEM_MAX_NODES; nid++) {
		if (!r->pol_charged[nid])
			continue;
		ret = ops->charge(cookie, nid, r->pol_charged[nid], 0);
		if (ret < 0)
			break;
		ret = 0;
	}
	if (ret < 0) {
		for (n = 0; n < nid; n++)
			if (r->pol_charged[n])
				ops->uncharge(cookie, n, r->pol_charged[n]);
	} else {
		for (nid = 0; nid < AEM_MAX_NODES; nid++)
			if (r->pol_charged[nid])
				ops->uncharge(from, nid, r->pol_charged[nid]);
		/* Its stored pages' bytes follow, never refused (store.c). */
		if (r->pol_stored && ops->charge_stored) {
			ops->charge_stored(cookie, r->pol_stored_bytes,
					   r->pol_stored);
			ops->uncharge_stored(from, r->pol_stored_bytes,
					     r->pol_stored);
		}
		/* And its integrity copies' (verify.c), as they were. */
		if (r->pol_kept && ops->charge_integrity) {
			ops->charge_integrity(cookie, r->pol_kept_bytes,
					      r->pol_kept, AEM_CHARGE_NOFAIL);
			ops->uncharge_integrity(from, r->pol_kept_bytes,
						r->pol_kept);
		}
		/* And its checksum records' (verify.c, "Records"). */
		if (r->pol_sums_bytes && ops->charge_integrity) {
			ops->charge_integrity(cookie, r->pol_sums_bytes, 0,
					      AEM_CHARGE_NOFAIL);
			ops->uncharge_integrity(from, r->pol_sums_bytes, 0);
		}
		(*node)->cookie = from;
		(*node)->ops = ops;
		(*node)->next = r->pol_retired;
		r->pol_retired = *node;
		r->nr_retired++;
		*node = NULL;
		WRITE_ONCE(r->pol_cookie, cookie);
		*old = from;
	}
	rcu_read_unlock();
	if (ret == -EAGAIN && (!ops->reclaim || (flags & AEM_CHARGE_LAST)))
		ret = -ENOMEM;
out:
	spin_unlock(&r->pol_lock);
	return ret;
}

/* Pages charged for @r, every node (its @pol_lock). */
static unsigned long aem_region_charged(struct aem_region *r)
{
	unsigned long nr = 0;
	int nid;

	spin_lock(&r->pol_lock);
	for (nid = 0; nid < AEM_MAX_NODES; nid++)
		nr += r->pol_charged[nid];
	spin_unlock(&r->pol_lock);
	return nr;
}

/**
 * aem_region_attach() - charge a region to another group from now on
 * @ops: the caller's policy table, the one registered
 * @file: a file the caller holds, a region fd
 * @cookie: the new group; on success the region holds the reference to
 *	it the caller had counted for it, as for a cookie of @region_init
 * @old: (out) on success, the cookie the region had, which it keeps until
 *	it goes (then @region_retired), or NULL when @cookie was the
 *	region's already (nothing changed; the caller's reference is its
 *	own again)
 *
 * Who may: the holder of a region fd open for writing (-EBADF) who
 * created the region, or CAP_SYS_ADMIN (-EACCES), as REGION_SET_QOS.
 *
 * Context: process context, no aether_mm lock held; may sleep (the new
 * group's reclaim).
 * Return: 0; -EINVAL when @file is no region fd; -EOPNOTSUPP when the
 * region is charged to no group of this registration (made with no
 * backend, or under one since gone) or @ops has no @region_retired;
 * -EMLINK after AEM_REGION_MAX_ATTACH attaches of the region; -ENOMEM
 * when the new group (or an ancestor) is at its max even after reclaim,
 * or no memory; or the backend's refusal of the charge.
 */
int aem_region_attach(const struct aem_policy_ops *ops, struct file *file,
		      void *cookie, void **old)
{
	struct aem_pol_retired *node;
	struct aem_region *r;
	int idx, ret;
	u64 gen;

	*old = NULL;
	if (file->f_op != &aem_region_fops)
		return -EINVAL;
	r = file->private_data;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!uid_eq(r->uid, current_fsuid()) && !capable(CAP_SYS_ADMIN))
		return -EACCES;
	ret = aem_region_fw(r, AEM_ACCESS_OP_IOCTL, AEM_ACCESS_ATTACH);
	if (ret < 0)
		return ret;
	if (!ops->region_retired)
		return -EOPNOTSUPP;
	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;
	/* The registration stays while held: @ops is @r's table. */
	idx = aem_policy_hold(&gen);
	ret = -EOPNOTSUPP;
	if (r->pol_gen && r->pol_gen == gen) {
		ret = aem_region_move(r, ops, cookie, &node, old, 0);
		if (ret == -EAGAIN) {
			aem_policy_reclaim_for(gen, cookie,
					       aem_region_charged(r), 0);
			ret = aem_region_move(r, ops, cookie, &node, old,
					      AEM_CHARGE_LAST);
		}
	}
	aem_policy_unhold(idx);
	kfree(node);
	if (ret == 1) {
		*old = NULL;
		return 0;
	}
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(aem_region_attach);

/**
 * aem_region_retired_release() - the region goes: its former groups too
 * @r: the region, unreachable, its current cookie released
 *
 * Each cookie an attach took off @r goes to @region_retired, if the
 * registration that gave it is still the registered one (else @drain
 * forgot it).
 */
void aem_region_retired_release(struct aem_region *r)
{
	struct aem_pol_retired *node = r->pol_retired, *next;
	int idx;
	u64 gen;

	r->pol_retired = NULL;
	if (!node)
		return;
	idx = aem_policy_hold(&gen);
	rcu_read_lock();
	for (; node; node = next) {
		next = node->next;
		if (r->pol_gen && r->pol_gen == gen)
			node->ops->region_retired(node->cookie);
		kfree(node);
	}
	rcu_read_unlock();
	aem_policy_unhold(idx);
}
