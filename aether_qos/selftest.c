// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - in-kernel self-tests of the counters (selftest=1)
 *
 * DOC: Overview
 *
 * Run at load, before anything is registered, on groups of their own
 * that are in no tree the module publishes (parent pointers set by hand):
 *
 *   charge_limits	a charge that would take a group or an ancestor
 *			above its max is refused and leaves every usage
 *			as it was; one that fits is counted in each
 *			ancestor; peak follows; NOFAIL passes max
 *   events		max counted where the limit was met, locally there
 *			and hierarchically up (oom is the policy's, when
 *			reclaim cannot make room); high where usage went
 *			above high, and the charge says so
 *   protection		min(usage, setting) when the siblings fit in the
 *			parent's protection, the proportional share when
 *			they do not (cgroup v2's documented example)
 *   penalty		the over-high sleep (throttle.c): no overage at or
 *			under high, memcg's table for a high of 100 MiB
 *			(101M: forgiven, 105M: about 159 ms, 120M: past
 *			the 2 s clamp), in proportion to the pages owed,
 *			no overflow for any overage
 *   reclaim_root	protection counted from a reclaim's root: its
 *			children get what they claim, itself nothing
 *   borrow		cooperative groups: a child above its min inside a
 *			parent with a max borrows its siblings' unused min,
 *			and is the first tier; the tiers of min and low
 *   stored		stored pages' bytes (memcg's zswap): rounded up to
 *			pages per group, each group's own, counted up the
 *			tree, never refused at max, resident what is left;
 *			back to nothing when they all go
 *   integ_race		two charges of integrity bytes interleaved step
 *			by step at max: the pages charged stay the
 *			rounded bytes committed, a change that read a
 *			value since changed commits nothing; checksum
 *			records counted apart from copies
 *
 * then pressure_test.c's (the averages, the triggers).  Each prints what
 * failed and the module refuses to load.
 */
#include <linux/jiffies.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "internal.h"

#define AQOS_ST_CHECK(cond)						\
	({								\
		bool __ok = (cond);					\
		if (!__ok)						\
			pr_err("selftest %s: %s false (line %d)\n",	\
			       __func__, #cond, __LINE__);		\
		__ok;							\
	})

static void aqos_st_init(struct aqos_group *g, struct aqos_group *parent,
			 unsigned long max)
{
	memset(g, 0, sizeof(*g));
	INIT_LIST_HEAD(&g->children);
	spin_lock_init(&g->snap_lock);
	g->parent = parent;
	if (parent)
		list_add_tail(&g->sibling, &parent->children);
	g->high = AQOS_UNLIMITED;
	g->max = max;
}

static int aqos_st_charge_limits(struct aqos_group *t)
{
	struct aqos_group *top = &t[0], *mid = &t[1], *leaf = &t[2];
	bool ok = true;

	aqos_st_init(top, NULL, 100);
	aqos_st_init(mid, top, AQOS_UNLIMITED);
	aqos_st_init(leaf, mid, 60);

	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 60, false) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 60);
	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 1, false) == AEM_CHARGE_RECLAIM);
	ok &= AQOS_ST_CHECK(atomic_long_read(&leaf->usage) == 60);
	ok &= AQOS_ST_CHECK(atomic_long_read(&mid->usage) == 60);
	ok &= AQOS_ST_CHECK(aqos_charge(mid, 40, false) == 0);
	/* the top is full: a charge to mid fails there, unwound */
	ok &= AQOS_ST_CHECK(aqos_charge(mid, 1, false) == AEM_CHARGE_RECLAIM);
	ok &= AQOS_ST_CHECK(atomic_long_read(&mid->usage) == 100);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 100);
	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 5, true) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->peak) == 105);
	aqos_uncharge(leaf, 65);
	aqos_uncharge(mid, 40);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&leaf->peak) == 65);
	ok &= AQOS_ST_CHECK(atomic_long_read(&leaf->charged) == 65);
	ok &= AQOS_ST_CHECK(atomic_long_read(&leaf->refused) == 1);
	return ok ? 0 : -EINVAL;
}

static int aqos_st_events(struct aqos_group *t)
{
	struct aqos_group *top = &t[0], *mid = &t[1], *leaf = &t[2];
	bool ok = true;

	aqos_st_init(top, NULL, AQOS_UNLIMITED);
	aqos_st_init(mid, top, 10);
	aqos_st_init(leaf, mid, AQOS_UNLIMITED);
	leaf->high = 4;

	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 4, false) == 0);
	ok &= AQOS_ST_CHECK(!atomic_long_read(&leaf->events[AQOS_EV_HIGH]));
	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 1, false) == AEM_CHARGE_OVER_HIGH);
	ok &= AQOS_ST_CHECK(atomic_long_read(&leaf->events_local[AQOS_EV_HIGH]) == 1);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->events[AQOS_EV_HIGH]) == 1);
	ok &= AQOS_ST_CHECK(!atomic_long_read(&top->events_local[AQOS_EV_HIGH]));
	ok &= AQOS_ST_CHECK(aqos_charge(leaf, 6, false) == AEM_CHARGE_RECLAIM);
	ok &= AQOS_ST_CHECK(atomic_long_read(&mid->events_local[AQOS_EV_MAX]) == 1);
	ok &= AQOS_ST_CHECK(!atomic_long_read(&mid->events_local[AQOS_EV_OOM]));
	ok &= AQOS_ST_CHECK(!atomic_long_read(&leaf->events[AQOS_EV_MAX]));
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->events[AQOS_EV_MAX]) == 1);
	ok &= AQOS_ST_CHECK(!atomic_long_read(&top->events_local[AQOS_EV_MAX]));
	aqos_uncharge(leaf, 5);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 0);
	return ok ? 0 : -EINVAL;
}

/*
 * A parent protected for 50 pages whose children a and b claim 50 each
 * (c claims nothing): overcommitted, each gets its share, 25; once b's
 * claim is gone, a gets all it claims.
 */
static int aqos_st_protection(struct aqos_group *t)
{
	struct aqos_group *top = &t[0], *a = &t[1], *b = &t[2], *c = &t[3];
	unsigned long emin, elow;
	bool ok = true;

	/* root's child "top": min 50; a and b claim 50 each; c nothing */
	aqos_st_init(&t[4], NULL, AQOS_UNLIMITED);
	aqos_st_init(top, &t[4], AQOS_UNLIMITED);
	aqos_st_init(a, top, AQOS_UNLIMITED);
	aqos_st_init(b, top, AQOS_UNLIMITED);
	aqos_st_init(c, top, AQOS_UNLIMITED);
	top->min = 50;
	a->min = 50;
	b->min = 50;
	a->low = 10;
	ok &= AQOS_ST_CHECK(aqos_charge(a, 50, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 50, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge(c, 30, false) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->children_min_usage) == 100);
	aqos_effective(top, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 50 && elow == 0);
	aqos_effective(a, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 25 && elow == 0);
	aqos_effective(c, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 0);
	aqos_uncharge(b, 50);
	aqos_effective(a, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 50);
	aqos_uncharge(a, 50);
	aqos_uncharge(c, 30);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->children_min_usage) == 0);
	return ok ? 0 : -EINVAL;
}

/* memcg's table (mm/memcontrol.c) for a high of 100 MiB, in pages. */
static int aqos_st_penalty(struct aqos_group *unused)
{
	const unsigned long mib = SZ_1M >> PAGE_SHIFT, high = 100 * mib;
	unsigned long d105, ms;
	bool ok = true;

	ok &= AQOS_ST_CHECK(aqos_overage(high, high) == 0);
	ok &= AQOS_ST_CHECK(aqos_overage(high - 1, high) == 0);
	ok &= AQOS_ST_CHECK(aqos_overage(101, 0) ==
			    100ULL << AQOS_DELAY_PRECISION_SHIFT);
	ok &= AQOS_ST_CHECK(aqos_high_delay(0, AQOS_CHARGE_BATCH) == 0);
	ms = jiffies_to_msecs(aqos_high_delay(aqos_overage(101 * mib, high),
					      AQOS_CHARGE_BATCH));
	ok &= AQOS_ST_CHECK(ms <= 10);
	d105 = aqos_high_delay(aqos_overage(105 * mib, high),
			       AQOS_CHARGE_BATCH);
	ms = jiffies_to_msecs(d105);
	ok &= AQOS_ST_CHECK(ms >= 150 && ms <= 165);
	ok &= AQOS_ST_CHECK(aqos_high_delay(aqos_overage(105 * mib, high),
					    2 * AQOS_CHARGE_BATCH) >=
			    2 * d105 - 1);
	ok &= AQOS_ST_CHECK(aqos_high_delay(aqos_overage(120 * mib, high),
					    AQOS_CHARGE_BATCH) >=
			    AQOS_MAX_HIGH_DELAY);
	ok &= AQOS_ST_CHECK(aqos_high_delay(U64_MAX, ULONG_MAX) >=
			    AQOS_MAX_HIGH_DELAY);
	return ok ? 0 : -EINVAL;
}

/*
 * Overcommitted under a parent with no min of its own: in the pool's
 * reclaim its children get nothing (the parent has nothing to split), in
 * a reclaim of the parent (at its max) each what it claims, the parent
 * itself nothing.  The split of a protected parent: 30 between claims of
 * 20 and 40 is 10 and 20.
 */
static int aqos_st_reclaim_root(struct aqos_group *t)
{
	struct aqos_group *root = &t[4], *top = &t[0], *a = &t[1], *b = &t[2];
	unsigned long emin, elow;
	bool ok = true;

	aqos_st_init(root, NULL, AQOS_UNLIMITED);
	aqos_st_init(top, root, AQOS_UNLIMITED);
	aqos_st_init(a, top, AQOS_UNLIMITED);
	aqos_st_init(b, top, AQOS_UNLIMITED);
	a->min = 20;
	b->min = 40;
	b->low = 50;
	ok &= AQOS_ST_CHECK(aqos_charge(a, 30, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 60, false) == 0);
	aqos_effective_under(a, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 0 && elow == 0);
	aqos_effective_under(a, top, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 20 && elow == 0);
	aqos_effective_under(b, top, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 40 && elow == 50);
	aqos_effective_under(top, top, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 0 && elow == 0);
	/* top protected for 30: 20 and 40 claimed, 10 and 20 given */
	top->min = 30;
	aqos_effective_under(a, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 10);
	aqos_effective_under(b, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 20);
	/* from top: a at 30 above its 20 (class), b at 60 above 40 and 50 */
	ok &= AQOS_ST_CHECK(aqos_tier(a, top) == AEM_TIER_NORMAL);
	ok &= AQOS_ST_CHECK(aqos_tier(b, top) == AEM_TIER_NORMAL);
	aqos_uncharge(b, 15);	/* 45: within its low */
	ok &= AQOS_ST_CHECK(aqos_tier(b, top) == AEM_TIER_PROTECTED);
	aqos_uncharge(b, 5);	/* 40: within its min */
	ok &= AQOS_ST_CHECK(aqos_tier(b, top) == AEM_TIER_NEVER);
	aqos_uncharge(a, 30);
	aqos_uncharge(b, 40);
	ok &= AQOS_ST_CHECK(atomic_long_read(&root->usage) == 0);
	return ok ? 0 : -EINVAL;
}

/*
 * A cooperative group: top has a max of 120, a and b a min of 40 each.
 * a uses 70 while b uses 10: a borrows 30 of b's unused 30 (first tier,
 * whatever a's class); as b grows to 25, a borrows 15; at 40 b's min is
 * all used: a borrows nothing and is Normal again.  Without top's max
 * there is no budget to share: nothing is borrowed.
 */
static int aqos_st_borrow(struct aqos_group *t)
{
	struct aqos_group *root = &t[4], *top = &t[0], *a = &t[1], *b = &t[2];
	bool ok = true;

	aqos_st_init(root, NULL, AQOS_UNLIMITED);
	aqos_st_init(top, root, 120);
	aqos_st_init(a, top, AQOS_UNLIMITED);
	aqos_st_init(b, top, AQOS_UNLIMITED);
	a->min = 40;
	b->min = 40;
	a->class = AETHER_QOS_CLASS_REALTIME;
	atomic_long_set(&top->children_min_sum, 80);
	ok &= AQOS_ST_CHECK(aqos_charge(a, 70, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 10, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, root) == 30);
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, top) == 30);
	ok &= AQOS_ST_CHECK(aqos_borrowed(b, root) == 0);
	ok &= AQOS_ST_CHECK(aqos_tier(a, top) == AEM_TIER_BESTEFFORT);
	/* b within its min: never, in the parent's reclaim */
	ok &= AQOS_ST_CHECK(aqos_tier(b, top) == AEM_TIER_NEVER);
	/* a's own reclaim: its own regions go by class */
	ok &= AQOS_ST_CHECK(aqos_tier(a, a) == AEM_TIER_REALTIME);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 15, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, top) == 15);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 15, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, top) == 0);
	ok &= AQOS_ST_CHECK(aqos_tier(a, top) == AEM_TIER_REALTIME);
	/* b gave back: a borrows 30 again; no budget, no borrowing */
	aqos_uncharge(b, 30);
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, top) == 30);
	top->max = AQOS_UNLIMITED;
	ok &= AQOS_ST_CHECK(aqos_borrowed(a, top) == 0);
	aqos_uncharge(a, 70);
	aqos_uncharge(b, 10);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->children_min_usage) == 0);
	return ok ? 0 : -EINVAL;
}

/*
 * The split sibling by sibling: top (min 60) has a (min 40) and b (min
 * 80), using 50 and 100: overcommitted, each is owed half its claim, 20
 * and 40.  a down to 20 keeps 20 (page_counter's split by claims would
 * give it 60 * 20 / 100 = 12, and a walk would take it on down); a down
 * to 10 keeps its 10, b then gets the 50 left.  A walk's snapshot: a
 * group compares its usage now with the figures of the walk's beginning
 * when it has the walk's (a at 25 is within the 30 it was owed then),
 * else with those of now (it is owed 20 now).
 */
static int aqos_st_split(struct aqos_group *t)
{
	struct aqos_group *root = &t[4], *top = &t[0], *a = &t[1], *b = &t[2];
	struct aqos_snapshot snap = { .root = root, .slot = AQOS_SNAP_GROUP,
				      .seq = 7 };
	unsigned long emin, elow;
	bool ok = true;

	aqos_st_init(root, NULL, AQOS_UNLIMITED);
	aqos_st_init(top, root, AQOS_UNLIMITED);
	aqos_st_init(a, top, AQOS_UNLIMITED);
	aqos_st_init(b, top, AQOS_UNLIMITED);
	top->min = 60;
	a->min = 40;
	b->min = 80;
	ok &= AQOS_ST_CHECK(aqos_charge(a, 50, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge(b, 100, false) == 0);
	aqos_effective_under(a, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 20 && elow == 0);
	aqos_effective_under(b, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 40);
	aqos_uncharge(a, 30);
	aqos_effective_under(a, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 20);
	ok &= AQOS_ST_CHECK(aqos_tier(a, root) == AEM_TIER_NEVER);
	aqos_effective_under(b, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 40);
	aqos_uncharge(a, 10);
	aqos_effective_under(a, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 10);
	aqos_effective_under(b, root, &emin, &elow);
	ok &= AQOS_ST_CHECK(emin == 50);
	/* the walk's figures: a owed 30 at its beginning */
	a->snap[AQOS_SNAP_GROUP].seq = 7;
	a->snap[AQOS_SNAP_GROUP].prot[AQOS_PROT_MIN] = 5;
	ok &= AQOS_ST_CHECK(aqos_tier_in(a, &snap) == AEM_TIER_NORMAL);
	a->snap[AQOS_SNAP_GROUP].prot[AQOS_PROT_MIN] = 30;
	ok &= AQOS_ST_CHECK(aqos_charge(a, 15, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_tier_in(a, &snap) == AEM_TIER_NEVER);
	/* another walk's: the figures of now (a at 25 owed 20: above) */
	snap.seq = 8;
	ok &= AQOS_ST_CHECK(aqos_tier_in(a, &snap) == AEM_TIER_NORMAL);
	aqos_uncharge(a, 25);
	aqos_uncharge(b, 100);
	ok &= AQOS_ST_CHECK(atomic_long_read(&root->usage) == 0);
	return ok ? 0 : -EINVAL;
}

static int aqos_st_stored(struct aqos_group *t)
{
	struct aqos_group *top = &t[0], *a = &t[1], *b = &t[2];
	bool ok = true;

	aqos_st_init(top, NULL, 10);
	aqos_st_init(a, top, AQOS_UNLIMITED);
	aqos_st_init(b, top, AQOS_UNLIMITED);

	ok &= AQOS_ST_CHECK(aqos_charge(a, 10, false) == 0);
	/* a's page goes: 100 bytes take a page of a's, the top is full */
	aqos_uncharge(a, 1);
	aqos_charge_stored(a, 100, 1);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 10);
	ok &= AQOS_ST_CHECK(aqos_resident(a) == 9);
	/* 40 more pages' bytes inside that page: nothing more charged */
	aqos_charge_stored(a, PAGE_SIZE - 100, 40);
	ok &= AQOS_ST_CHECK(atomic_long_read(&a->usage) == 10);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswapped) == 41);
	/* one byte over a page: a second page, past the top's max */
	aqos_charge_stored(a, 1, 1);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 11);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswap) == PAGE_SIZE + 1);
	ok &= AQOS_ST_CHECK(aqos_resident(top) == 9);
	/* b rounds its own bytes: the top counts both groups' pages */
	aqos_charge_stored(b, 1, 1);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 12);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswap_pages) == 3);
	aqos_uncharge_stored(a, 1, 1);
	ok &= AQOS_ST_CHECK(atomic_long_read(&a->usage) == 10);
	aqos_uncharge_stored(a, PAGE_SIZE, 41);
	aqos_uncharge_stored(b, 1, 1);
	aqos_uncharge(a, 9);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->usage) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswap) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswapped) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&top->zswap_pages) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&a->zswap_own) == 0);
	return ok ? 0 : -EINVAL;
}

/* Are @g's integrity bytes and the pages charged for them in step? */
static bool aqos_st_integ_in_step(struct aqos_group *g, long other)
{
	long own = atomic_long_read(&g->integ_own);

	return atomic_long_read(&g->usage) ==
	       other + (long)DIV_ROUND_UP(max(own, 0L), PAGE_SIZE) &&
	       atomic_long_read(&g->integ_pages) ==
	       (long)DIV_ROUND_UP(max(own, 0L), PAGE_SIZE);
}

/*
 * Two chargers of integrity bytes interleaved step by step, as two CPUs
 * may run them (review s31b finding 3): each prepares from the bytes it
 * read, then commits; the one whose value changed under it gives its
 * pages back and starts again.  The group has 10 frames and its max is
 * 13, so integrity may take 2 pages (one is kept for a load's transient
 * frame, aqos_integ_room()).
 */
static int aqos_st_integ_race(struct aqos_group *t)
{
	struct aqos_integ_step a, b;
	struct aqos_group *g = &t[0];
	bool ok = true;

	aqos_st_init(g, NULL, 13);
	ok &= AQOS_ST_CHECK(aqos_charge(g, 10, false) == 0);
	ok &= AQOS_ST_CHECK(aqos_charge_integrity(g, PAGE_SIZE - 10, 1,
						  false) == 0);
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));

	/* Both cross into the second page from the same value. */
	a = (struct aqos_integ_step){ .delta = 100 };
	b = (struct aqos_integ_step){ .delta = 20 };
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &a) == 0 && a.pages == 1);
	/* a's page is charged, uncommitted: b's would pass max */
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &b) == -ENOMEM);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->usage) == 12);
	ok &= AQOS_ST_CHECK(aqos_integ_commit(g, &a, 1, 0));
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));
	/* b again, from a's value: inside a's page now */
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &b) == 0 && b.pages == 0);
	ok &= AQOS_ST_CHECK(aqos_integ_commit(g, &b, 1, 0));
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));

	/*
	 * The race of the finding: a prepares to go back below a page
	 * boundary while b prepares to stay above it; whichever commits
	 * second finds the value changed and starts again.
	 */
	a = (struct aqos_integ_step){ .delta = -130, .nofail = true };
	b = (struct aqos_integ_step){ .delta = PAGE_SIZE };
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &a) == 0 && a.pages == -1);
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &b) == -ENOMEM);
	b.delta = 100;
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &b) == 0 && b.pages == 0);
	ok &= AQOS_ST_CHECK(aqos_integ_commit(g, &a, -1, 0));
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));
	/* b read the value before a's commit: it must not commit on it */
	ok &= AQOS_ST_CHECK(!aqos_integ_commit(g, &b, 1, 0));
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));
	ok &= AQOS_ST_CHECK(aqos_integ_prepare(g, &b) == 0 && b.pages == 1);
	ok &= AQOS_ST_CHECK(aqos_integ_commit(g, &b, 1, 0));
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_own) ==
			    (long)PAGE_SIZE - 10 + 100 + 20 - 130 + 100);

	/* Records count in the same pages, and say so apart. */
	ok &= AQOS_ST_CHECK(aqos_charge_integrity(g, 64, 0, false) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_sums) == 64);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_copies) == 3);
	ok &= AQOS_ST_CHECK(aqos_charge_integrity(g, PAGE_SIZE, 0,
						  false) == -ENOMEM);
	ok &= AQOS_ST_CHECK(aqos_st_integ_in_step(g, 10));
	aqos_uncharge_integrity(g, 64, 0);
	aqos_uncharge_integrity(g, PAGE_SIZE - 10 + 100 + 20 - 130 + 100, 3);
	aqos_uncharge(g, 10);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->usage) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_sums) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_copies) == 0);
	ok &= AQOS_ST_CHECK(atomic_long_read(&g->integ_own) == 0);
	return ok ? 0 : -EINVAL;
}

/**
 * aqos_selftest_run - run every self-test
 *
 * Return: 0, or -EINVAL (the failures are in the kernel log), -ENOMEM.
 */
int aqos_selftest_run(void)
{
	static int (*const tests[])(struct aqos_group *) = {
		aqos_st_charge_limits, aqos_st_events, aqos_st_protection,
		aqos_st_penalty,
		aqos_st_reclaim_root, aqos_st_borrow, aqos_st_split,
		aqos_st_stored, aqos_st_integ_race,
	};
	struct aqos_group *t;
	int i, err = 0;

	t = kcalloc(5, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(tests) && !err; i++)
		err = tests[i](t);
	kfree(t);
	if (!err)
		err = aqos_pressure_selftest();
	if (!err)
		pr_info("self-tests passed\n");
	return err;
}
