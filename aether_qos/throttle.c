// SPDX-License-Identifier: GPL-2.0
/*
 * throttle.c - memory.high: reclaim, then sleep the task that went over
 *
 * DOC: Overview
 *
 * A charge that leaves a group above its high is taken (high is no
 * limit) and counted as a high event (group.c); aether_mm then queues its
 * over-high work, which calls our @handle_high on the task's way back to
 * user mode, outside every lock (aether_mm/policy.c), as memcg's
 * try_charge() sets TIF_NOTIFY_RESUME and mem_cgroup_handle_over_high()
 * runs there.  What we do then is memcg's, in our words:
 *
 *   1. reclaim: the region's group and each ancestor above its high give
 *      back cold pages of their subtree (aqos_group_reclaim(), flags 0:
 *      no mmap_lock is held here, so the core may wait for its locks),
 *      a batch each;
 *   2. the penalty: the largest overage of the group and its ancestors,
 *      (usage - high) / high in fixed point, squared, scaled
 *      (aqos_high_delay(), memcg's calculate_high_delay()), in
 *      proportion to what the task charged (@nr_pages against a batch),
 *      clamped to 2 s per return to user mode;
 *   3. a penalty of 10 ms or less is forgiven (a small overage reclaim
 *      may yet catch up with); while reclaim makes progress, or for a
 *      few tries, reclaim again instead of sleeping (64 rounds at most:
 *      other tasks of the group may refill it as fast);
 *   4. the sleep: killable (a fatal signal ends it at once), and cut
 *      short when the module is going (aqos_throttle_stop(), which also
 *      ends the reclaim rounds of step 3 and the walk of step 1).  The core
 *      calls us between @stall_begin and @stall_end: the whole of it is
 *      a stall of the group (our pressure) and a memstall (the kernel's
 *      PSI).
 *
 * Our charges are not memcg's.  memcg charges its page counter a batch
 * (64 pages) at a time, through a per-CPU stock, and a charge over high
 * owes a batch's penalty: its curve is per 64 pages.  We charge each
 * page as it joins a region, so one fault is one charge: it owes what
 * memcg's charge owes, max(@nr_pages, AQOS_CHARGE_BATCH) pages' worth.
 * Per page of memory that is 64 times memcg's curve, and it is what lets
 * throttling alone hold a group that has nothing to reclaim within a few
 * per cent of its high (memcg counts on reclaim for that): at 2 % over,
 * a fault sleeps 26 ms, at 4 % 100 ms, at 5 % 160 ms, and under 1.25 %
 * not at all.
 *
 * RealTime.  A RealTime group is never throttled for another group's
 * sake: a task of a RealTime group reclaims and sleeps only for its own
 * group's high, never for an ancestor's (whose other children pay it,
 * and whose max still bounds them all).
 *
 * Who pays.  memcg throttles a task for its own memcg's high only; here a
 * region is charged to its group whoever touches it, so a task writing
 * another user's shared region would reclaim and sleep for a high that
 * user set (two seconds a fault, for a high of one page).  A task pays
 * only for a group it is part of or may charge (aqos_task_pays()): its
 * own group (the attached one, else its user's default group) is @g, an
 * ancestor or a descendant of it; or it owns @g or @g's parent; or it
 * has CAP_SYS_ADMIN.  Anyone else's charges still count in @g's usage
 * and high events, and @g's max still binds them.
 *
 * Per task, per group.  memcg keeps a task's pages over high in the task
 * (memcg_nr_pages_over_high) and throttles it for its own memcg; here a
 * task owes each group it charged over high in one kernel entry
 * separately (aether_mm keeps up to four groups per task:
 * aem_policy_over_high()), and @handle_high is called once per group.  A
 * syscall that charges many pages with no lock held between them
 * (REGION_CHECKSUM) pays every 64 pages over high, as memcg's charge does
 * once a task is MEMCG_CHARGE_BATCH pages over (aem_policy_high_due());
 * a fault inside copy_to_user() (a read(2) into a region) cannot, holding
 * mmap_lock: such a syscall pays once, on its return, for all its pages.
 * Kernel threads are throttled neither here nor by memcg (they never
 * return to user mode).
 *
 * Each sleep is counted in the region's group (memory.stat: throttles,
 * throttled_usec, throttle_max_usec: the penalty chosen, in us, so a
 * test reads the clamp from the kernel's own record).
 *
 * Locking: none of our own; the counters are atomics, the stop flag is
 * READ_ONCE() with aqos_throttle_wq's wake-up.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "internal.h"
#include "trace.h"

static DECLARE_WAIT_QUEUE_HEAD(aqos_throttle_wq);
static bool aqos_throttle_stopping;

/**
 * aqos_overage - how far @usage is above @high, in 1/2^20ths of @high
 * @usage: pages
 * @high: pages; 0 counts as 1
 *
 * Return: 0 when @usage is not above @high.
 */
u64 aqos_overage(unsigned long usage, unsigned long high)
{
	if (usage <= high)
		return 0;
	high = max(high, 1UL);
	return div64_u64((u64)(usage - high) << AQOS_DELAY_PRECISION_SHIFT,
			 high);
}

/**
 * aqos_high_delay - the penalty of an overage, not clamped
 * @overage: aqos_overage()'s
 * @nr_pages: what the task owes for (AQOS_CHARGE_BATCH is nominal)
 *
 * overage^2 * HZ, scaled down by the precision and by 2^14 (memcg's
 * choice: lenient at first, then harsh), times @nr_pages / batch.  An
 * overage beyond 2^31 (usage 2049 times high) counts as that: the square
 * must fit in 64 bits, and the clamp is met long before.
 *
 * Return: jiffies.
 */
unsigned long aqos_high_delay(u64 overage, unsigned long nr_pages)
{
	u64 penalty;

	if (!overage)
		return 0;
	overage = min_t(u64, overage, 1ULL << 31);
	penalty = overage * overage;
	penalty >>= AQOS_DELAY_PRECISION_SHIFT;
	penalty *= HZ;
	penalty >>= AQOS_DELAY_SCALING_SHIFT;
	penalty = div64_u64(penalty * min_t(u64, nr_pages, 1UL << 20),
			    AQOS_CHARGE_BATCH);
	return min_t(u64, penalty, ULONG_MAX);
}

/* A RealTime group answers for its own high only. */
static struct aqos_group *aqos_high_top(struct aqos_group *g)
{
	return READ_ONCE(g->class) == AETHER_QOS_CLASS_REALTIME ? g : NULL;
}

/* The largest overage of @g and the ancestors it answers for. */
static u64 aqos_max_overage(struct aqos_group *g)
{
	struct aqos_group *stop = aqos_high_top(g);
	u64 worst = 0;

	for (; g && g->parent; g = g->parent) {
		worst = max(worst, aqos_overage(max(atomic_long_read(&g->usage),
						    0L), READ_ONCE(g->high)));
		if (g == stop)
			break;
	}
	return worst;
}

/* Reclaim @nr pages from each of @g and its ancestors that is over high. */
static unsigned long aqos_reclaim_high(struct aqos_group *g,
				       unsigned long nr)
{
	struct aqos_group *stop = aqos_high_top(g);
	unsigned long got = 0;
	long ret;

	for (; g && g->parent; g = g->parent) {
		if (atomic_long_read(&g->usage) > (long)READ_ONCE(g->high)) {
			ret = aqos_group_reclaim(g, nr, 0);
			if (ret > 0)
				got += ret;
		}
		if (g == stop || fatal_signal_pending(current) ||
		    READ_ONCE(aqos_throttle_stopping))
			break;
	}
	return got;
}

/* Record a sleep of @penalty jiffies in @g's memory.stat. */
static void aqos_throttle_count(struct aqos_group *g, unsigned long penalty)
{
	long us = jiffies_to_usecs(penalty);
	long longest = atomic_long_read(&g->throttle_max_us);

	atomic_long_inc(&g->throttles);
	atomic_long_add(us, &g->throttled_us);
	while (us > longest &&
	       !atomic_long_try_cmpxchg(&g->throttle_max_us, &longest, us))
		;
}

static bool aqos_owned_by(struct aqos_group *g, kuid_t uid)
{
	return g && uid_valid(g->owner) && uid_eq(g->owner, uid);
}

/* Is @g's high the calling task's to pay (see "Who pays" above)? */
static bool aqos_task_pays(struct aqos_group *g)
{
	kuid_t euid = current_euid();
	struct aqos_group *mine;
	bool pays;

	if (aqos_owned_by(g, euid) || aqos_owned_by(g->parent, euid) ||
	    ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		return true;
	rcu_read_lock();
	mine = aqos_group_of_task(current);
	if (!mine)
		mine = aqos_user_group_find(aqos_user_key(euid));
	pays = mine && (aqos_under(g, mine) || aqos_under(mine, g));
	rcu_read_unlock();
	return pays;
}

/**
 * aqos_handle_high - the policy's @handle_high: reclaim, then throttle
 * @g: the region's group
 * @nr_pages: pages the task charged over high since its last return
 *
 * Context: process context, on the way back to user mode (or at exit),
 * no lock held; under aether_mm's policy SRCU and the stall pair.  Sleeps
 * at most AQOS_MAX_HIGH_DELAY, less on a fatal signal or unload; nothing
 * at all when the task does not pay for @g (aqos_task_pays()).
 */
void aqos_handle_high(struct aqos_group *g, unsigned long nr_pages)
{
	unsigned long owed = max_t(unsigned long, nr_pages, AQOS_CHARGE_BATCH);
	int retries = AQOS_RECLAIM_RETRIES, tries = 4 * AQOS_RECLAIM_RETRIES;
	unsigned long penalty, got;
	bool in_retry = false;

	if (!aqos_task_pays(g))
		return;
	for (;;) {
		/* Unloading waits for us: no more rounds of reclaim. */
		if (READ_ONCE(aqos_throttle_stopping))
			return;
		got = aqos_reclaim_high(g, in_retry ? AQOS_RECLAIM_RETRY_PAGES :
						      owed);
		penalty = aqos_high_delay(aqos_max_overage(g), owed);
		penalty = min(penalty, AQOS_MAX_HIGH_DELAY);
		if (penalty <= HZ / 100 || fatal_signal_pending(current) ||
		    READ_ONCE(aqos_throttle_stopping))
			return;
		/*
		 * Reclaim that makes progress is better than a sleep; but
		 * other tasks may refill the group as fast: a bound.
		 */
		if ((!got && !retries--) || !--tries)
			break;
		in_retry = true;
	}
	if (READ_ONCE(aqos_throttle_stopping))
		return;
	aqos_throttle_count(g, penalty);
	trace_aqos_throttle(g, nr_pages, penalty);
	wait_event_killable_timeout(aqos_throttle_wq,
				    READ_ONCE(aqos_throttle_stopping),
				    penalty);
}

/**
 * aqos_throttle_stop - wake every throttled task, throttle no more
 *
 * Called before the policy table is unregistered, whose synchronize_srcu()
 * waits for the tasks in aqos_handle_high().
 */
void aqos_throttle_stop(void)
{
	WRITE_ONCE(aqos_throttle_stopping, true);
	wake_up_all(&aqos_throttle_wq);
}
