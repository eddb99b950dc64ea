/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pressure.h - memory pressure of QoS groups, as PSI's "some" line
 *
 * Each group embeds a struct aqos_psi; one more, aqos_psi_root, is the
 * whole pool.  A task that waits in the pool on behalf of a group (reclaim,
 * throttling, an allocation retrying) brackets the wait with
 * aqos_stall_begin()/aqos_stall_end(): the group, each ancestor and the
 * root count "some" time (wall time in which at least one of their tasks
 * waited), the kernel's own PSI sees the task in a memstall, and the
 * averages (avg10/avg60/avg300 over PSI's 2 s period) and the triggers
 * follow.  pressure.c says how.
 *
 * Contexts: aqos_stall_begin()/aqos_stall_end() and aqos_stall_enter()/
 * aqos_stall_leave() in process context, may be atomic (they take one
 * spinlock at a time, never sleep nor allocate); everything else in
 * process context, may sleep.
 *
 * Lifetime (the caller's, i.e. group.c's): aqos_psi_init() before any use;
 * the parent outlives the child; aqos_psi_destroy() once, when the group
 * is removed and before its memory goes, after which no stall begins on it
 * (one in progress may still end); a trigger may outlive its group (the fd
 * holds the trigger, not the group): from destroy on it reports EPOLLERR
 * and never touches the group again.
 */
#ifndef _AETHER_QOS_PRESSURE_H
#define _AETHER_QOS_PRESSURE_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct seq_file;
struct file;
struct aqos_trigger;

/**
 * struct aqos_psi - the pressure of one group (embed it; treat as opaque)
 * @lock: the stall state: @nr_stalled, @stamp, @total, @dead
 * @nr_stalled: stalls in progress in this group and its descendants
 * @stamp: ns up to which @total is counted (last change or read)
 * @total: ns of "some" time up to @stamp
 * @dead: aqos_psi_destroy() ran: no work is queued any more
 * @fed_clock: the self-tests feed the time: never queue @work
 * @parent: the next group up, NULL for the top
 * @mutex: the averages and the trigger list
 * @avg: avg10/avg60/avg300, percent in pressure.c's fixed point
 * @avg_total: @total folded into @avg so far
 * @avg_last: ns of the last averaging
 * @avg_next: ns when the next 2 s period ends
 * @tick_total: @total at the last tick of @work
 * @stopped: @work found the group idle and stopped
 * @triggers: the triggers on this group
 * @nr_rt: how many of them are privileged (polled window/10)
 * @poll_period: the smallest privileged window / 10, ns
 * @poll_next: ns of the next privileged evaluation
 * @poll_until: ns until which privileged polling stays on
 * @armed: @work is queued or will requeue itself
 * @work: the averaging and trigger work (pressure.c's workqueue)
 */
struct aqos_psi {
	spinlock_t lock;	/* lock 3 of pressure.c */
	unsigned int nr_stalled;
	u64 stamp;
	u64 total;
	bool dead;
	bool fed_clock;
	struct aqos_psi *parent;

	struct mutex mutex;	/* lock 2 of pressure.c */
	u64 avg[3];
	u64 avg_total;
	u64 avg_last;
	u64 avg_next;
	u64 tick_total;
	bool stopped;
	struct list_head triggers;
	unsigned int nr_rt;
	u64 poll_period;
	u64 poll_next;
	u64 poll_until;

	atomic_t armed;
	struct delayed_work work;
};

/**
 * struct aqos_stall - one wait of one task, between begin and end
 * @pflags: psi_memstall_enter()'s saved state
 * @psi: the group the wait was begun on
 *
 * Lives on the waiting task's stack; nothing to initialise.
 */
struct aqos_stall {
	unsigned long pflags;
	struct aqos_psi *psi;
};

/* The pressure of the whole pool: every group's stalls count in it. */
extern struct aqos_psi aqos_psi_root;

int aqos_pressure_init(void);
void aqos_pressure_exit(void);

void aqos_psi_init(struct aqos_psi *p, struct aqos_psi *parent);
void aqos_psi_destroy(struct aqos_psi *p);

void aqos_stall_begin(struct aqos_psi *p, struct aqos_stall *st);
void aqos_stall_end(struct aqos_psi *p, struct aqos_stall *st);
/* The same for a caller that keeps one word between the two (the seam) */
unsigned long aqos_stall_enter(struct aqos_psi *p);
void aqos_stall_leave(struct aqos_psi *p, unsigned long token);

void aqos_psi_show(struct seq_file *m, struct aqos_psi *p);
void aqos_psi_read(struct aqos_psi *p, u64 *total_us, u32 avg[3]);

struct aqos_trigger *aqos_trigger_create(struct aqos_psi *p, const char *buf,
					 size_t len, bool privileged);
__poll_t aqos_trigger_poll(struct aqos_trigger *t, struct file *file,
			   poll_table *wait);
void aqos_trigger_free(struct aqos_trigger *t);

/* pressure_test.c: the self-tests; 0 or the first failure's errno */
int aqos_pressure_selftest(void);

/*
 * The same operations with the time fed in (ns) and no work queued: the
 * public ones are these at ktime_get_ns(); the self-tests call them on
 * groups made with __aqos_psi_init(..., true).
 */
void __aqos_psi_init(struct aqos_psi *p, struct aqos_psi *parent, u64 now,
		     bool fed_clock);
void __aqos_psi_stall(struct aqos_psi *p, bool begin, u64 now);
u64 __aqos_psi_tick(struct aqos_psi *p, u64 now);
void __aqos_psi_read(struct aqos_psi *p, u64 now, u64 *total_us,
		     u32 avg[3]);
struct aqos_trigger *__aqos_trigger_create(struct aqos_psi *p,
					   const char *buf, size_t len,
					   bool privileged, u64 now);

#endif /* _AETHER_QOS_PRESSURE_H */
