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
 */
struct aem_qos_range {
	pgoff_t start;
	pgoff_t end;
	u32 class;
};

/**
 * struct aem_qos_ranges - the classed ranges of a region, one version
 * @rcu:	freed after a grace period
 * @nr:		entries in @r, sorted by @start, disjoint
 * @tiers:	bit t: some range's class gives tier t
 * @r:		the ranges
 */
struct aem_qos_ranges {
	struct rcu_head rcu;
	unsigned int nr;
	unsigned int tiers;
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
 * gives @tier (and the group's protection does not hold the region).
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
	has = q && (q->tiers & BIT(tier));
	rcu_read_unlock();
	return has;
}

/**
 * aem_region_page_tier() - the reclaim tier of one page of @r
 * @r: a region, referenced
 * @rtier: its group's tier (aem_policy_tier())
 * @idx: the data page
 *
 * Return: the tier of the range holding @idx, or @rtier when no range
 * holds it or the group's protection holds the region.
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
			break;
		}
	}
	rcu_read_unlock();
	return tier;
}

/* Append [@start, @end) of @class to @n, merged with its last range. */
static int aem_qos_push(struct aem_qos_ranges *n, pgoff_t start, pgoff_t end,
			u32 class)
{
	struct aem_qos_range *last = n->nr ? &n->r[n->nr - 1] : NULL;

	if (start >= end)
		return 0;
	if (last && last->end == start && last->class == class) {
		last->end = end;
		return 0;
	}
	if (n->nr == AETHER_MM_QOS_MAX_RANGES)
		return -ENOSPC;
	n->r[n->nr++] = (struct aem_qos_range){ start, end, class };
	return 0;
}

/*
 * The ranges of @old with [@start, @end) given @class (none for
 * AETHER_MM_QOS_GROUP), into @n (room for AETHER_MM_QOS_MAX_RANGES).
 * The old ranges before, the new one, the old ones after: still sorted.
 */
static int aem_qos_build(struct aem_qos_ranges *n,
			 const struct aem_qos_ranges *old, pgoff_t start,
			 pgoff_t end, u32 class)
{
	unsigned int i, nr = old ? old->nr : 0;
	bool placed = false;
	int err = 0;

	for (i = 0; i < nr && !err; i++) {
		const struct aem_qos_range *o = &old->r[i];

		if (!placed && o->end > start) {
			err = aem_qos_push(n, o->start, min(o->end, start),
					   o->class);
			if (!err && class != AETHER_MM_QOS_GROUP)
				err = aem_qos_push(n, start, end, class);
			placed = true;
			if (!err)
				err = aem_qos_push(n, max(o->start, end),
						   o->end, o->class);
			continue;
		}
		err = aem_qos_push(n, placed ? max(o->start, end) : o->start,
				   o->end, o->class);
	}
	if (!err && !placed && class != AETHER_MM_QOS_GROUP)
		err = aem_qos_push(n, start, end, class);
	for (i = 0; i < n->nr; i++)
		n->tiers |= BIT(aem_qos_class_tier(n->r[i].class));
	return err;
}

/**
 * aem_region_qos_free() - the region goes: its ranges too
 * @r: the region, unreachable (its last reference gone)
 */
void aem_region_qos_free(struct aem_region *r)
{
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

	n = kzalloc(struct_size(n, r, AETHER_MM_QOS_MAX_RANGES),
		    GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	mutex_lock(&r->qos_lock);
	old = rcu_dereference_protected(r->qos_ranges,
					lockdep_is_held(&r->qos_lock));
	err = aem_qos_build(n, old, start, end, q.class);
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
