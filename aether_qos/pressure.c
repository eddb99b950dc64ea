// SPDX-License-Identifier: GPL-2.0
/*
 * pressure.c - "some" stall time of QoS groups, its averages and triggers
 *
 * DOC: Overview
 *
 * The semantics are those of the kernel's PSI (Documentation/accounting/
 * psi.rst) for memory's "some" line, per group of aether_qos and for the
 * whole pool (aqos_psi_root):
 *
 *  some	wall time in which at least one task of the group (or of a
 *		descendant) waited in the pool.  Each group keeps how many
 *		waits are in progress and since when that number last
 *		changed; time while it is above zero is added to the total.
 *		So two tasks on two CPUs waiting at once, or one task whose
 *		wait nests another, count the overlap once; a wait counts in
 *		the group, every ancestor and the root.
 *  total	that time in us, up to now (a wait in progress included).
 *  avgN	avg10/avg60/avg300: every 2 s period the share of the period
 *		spent stalled is folded into three exponentially decaying
 *		averages, avg = avg * e + share * (1 - e) with
 *		e = exp(-2 s / N s), in 32-bit fixed point (the share as a
 *		percentage << 24).  A group that goes idle stops its work;
 *		the periods it missed decay the averages by e^missed when
 *		it wakes or is read.  A period's share is clamped to 100 %.
 *  trigger	"some <threshold_us> <window_us>": an event when the stall
 *		time grew by at least threshold within a window, signalled
 *		by EPOLLPRI at most once per window.  The growth over the
 *		window is the growth since the window began plus the
 *		previous window's growth pro rata for the part of the
 *		window not yet elapsed (PSI's sliding approximation).
 *		Windows from 500 ms to 10 s, 0 < threshold <= window.  A
 *		privileged trigger is evaluated ten times per window while
 *		the group stalls (and for one smallest window after); an
 *		unprivileged one only at the 2 s averaging ticks, so its
 *		window must be a multiple of 2 s (PSI since 6.5).  When the
 *		group is destroyed every trigger on it reports EPOLLERR.
 *
 * States of a group's work: idle (not queued; @armed 0) -> armed by the
 * first aqos_stall_begin() after idling -> ticking (every 2 s, or every
 * poll period while privileged triggers watch) while the total moves or
 * an event waits for its window -> idle again (@stopped: the next tick
 * restarts every trigger's window from the total at the stop).  Destroy
 * marks the group dead (no work queued again) and cancels the work.
 *
 * The clock is ktime_get_ns(): monotonic across CPUs.  Each operation has
 * a form taking "now" (pressure.h) which the self-tests feed, on groups
 * whose work is never queued.  A "now" older than the group's last change
 * or reading (a racing CPU read the clock first) counts as that time, so
 * a total never shrinks.
 *
 * Lock order (a lock may be taken while holding those above it):
 *
 *   1 aqos_psi_trig_lock (mutex)	which group each trigger is on:
 *					trigger create/free against destroy
 *   2 aqos_psi.mutex (per group)	the averages, the trigger list and
 *					each trigger's window and event
 *   3 aqos_psi.lock (per group, spin)	the stall count, stamp and total
 *
 * The stall path takes only 3, one group at a time up the chain: a wait
 * never holds two groups' locks.
 */
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/psi.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>

#include "pressure.h"

/* The averaging period, as PSI's (which is 2 s and a jiffy). */
#define AQOS_PSI_PERIOD		(2 * NSEC_PER_SEC)

/* Averages: percent << 24; decay factors exp(-2 s / window) << 32. */
#define AQOS_AVG_SHIFT		24
#define AQOS_Q32		BIT_ULL(32)
static const u64 aqos_avg_decay[3] = {
	3516421809ULL,	/* exp(-2/10) */
	4154161520ULL,	/* exp(-2/60) */
	4266429413ULL,	/* exp(-2/300) */
};

/* Triggers, as PSI's limits. */
#define AQOS_WINDOW_MIN_US	500000U
#define AQOS_WINDOW_MAX_US	10000000U
#define AQOS_WINDOW_UNPRIV_US	2000000U
#define AQOS_UPDATES_PER_WINDOW	10
#define AQOS_TRIGGER_TEXT_MAX	64

/**
 * struct aqos_trigger - one "some <threshold> <window>" trigger of one fd
 * @psi: the group, NULL once it is destroyed (under aqos_psi_trig_lock;
 *	 read locklessly by poll only as "still there")
 * @node: in @psi's list (under its mutex)
 * @threshold: stall ns within a window that make an event
 * @size: the window, ns
 * @win_start: ns when the current window began
 * @win_value: the total then
 * @prev_growth: the growth over one previous window
 * @last_total: the total at the last evaluation
 * @last_event: ns of the last event
 * @fired: @last_event is valid
 * @pending: the threshold was passed; the event waits for its window
 * @privileged: evaluated every window/10 rather than every 2 s
 * @event: 1 from an event until poll reports it
 * @gone: the group was destroyed
 * @wait: pollers
 */
struct aqos_trigger {
	struct aqos_psi *psi;
	struct list_head node;
	u64 threshold;
	u64 size;
	u64 win_start;
	u64 win_value;
	u64 prev_growth;
	u64 last_total;
	u64 last_event;
	bool fired;
	bool pending;
	bool privileged;
	atomic_t event;
	bool gone;
	wait_queue_head_t wait;
};

struct aqos_psi aqos_psi_root;
static DEFINE_MUTEX(aqos_psi_trig_lock);
static struct workqueue_struct *aqos_psi_wq;

static void aqos_psi_work(struct work_struct *work);

/* ---- stall time (lock 3) ---- */

/*
 * Bring @p's total up to @now (lock 3 held).  A @now older than the last
 * change or reading (a CPU that read its clock first) counts as that
 * time, so the total never shrinks and overlaps count once.
 */
static u64 aqos_psi_advance(struct aqos_psi *p, u64 now)
{
	lockdep_assert_held(&p->lock);
	now = max(now, p->stamp);
	if (p->nr_stalled)
		p->total += now - p->stamp;
	p->stamp = now;
	return now;
}

/* Stall ns up to @now; *@stalling: a wait is in progress. */
static u64 aqos_psi_total(struct aqos_psi *p, u64 now, bool *stalling)
{
	u64 total;

	spin_lock(&p->lock);
	aqos_psi_advance(p, now);
	total = p->total;
	if (stalling)
		*stalling = p->nr_stalled;
	spin_unlock(&p->lock);
	return total;
}

/* Delay until @p's work should first run after a stall began. */
static unsigned long aqos_psi_arm_delay(struct aqos_psi *p, u64 now)
{
	u64 next = READ_ONCE(p->avg_next);

	if (READ_ONCE(p->nr_rt))
		next = min(next, now + READ_ONCE(p->poll_period));
	return next > now ? nsecs_to_jiffies(next - now) + 1 : 0;
}

static void aqos_psi_change(struct aqos_psi *p, bool begin, u64 now)
{
	spin_lock(&p->lock);
	now = aqos_psi_advance(p, now);
	if (begin)
		p->nr_stalled++;
	else if (!WARN_ON_ONCE(!p->nr_stalled))
		p->nr_stalled--;
	/*
	 * Arm the work unless it is armed: the xchg is a full barrier that
	 * pairs with the smp_mb() after the work clears @armed, so either
	 * the work's tick sees this change or we queue it again.
	 */
	if (begin && !p->dead && !p->fed_clock && !atomic_xchg(&p->armed, 1))
		queue_delayed_work(aqos_psi_wq, &p->work,
				   aqos_psi_arm_delay(p, now));
	spin_unlock(&p->lock);
}

/**
 * __aqos_psi_stall() - a wait begins or ends in @p, at @now
 * @p: the group; its ancestors count it too
 * @begin: true when the wait begins, false when it ends
 * @now: the time, ns
 */
void __aqos_psi_stall(struct aqos_psi *p, bool begin, u64 now)
{
	for (; p; p = p->parent)
		aqos_psi_change(p, begin, now);
}

/**
 * aqos_stall_enter() - a task starts waiting in the pool for group @p
 * @p: the group the task allocates for
 *
 * Counts in @p, each ancestor and the root, and in the kernel's PSI
 * (psi_memstall_enter()).  Process context, may be atomic: takes one
 * spinlock at a time, neither sleeps nor allocates (the seam's
 * @stall_begin may call it as it is).
 *
 * Return: the token to give aqos_stall_leave().
 */
unsigned long aqos_stall_enter(struct aqos_psi *p)
{
	/* Stays 0 where the kernel has no PSI (the debug kernel). */
	unsigned long pflags = 0;

	psi_memstall_enter(&pflags);
	__aqos_psi_stall(p, true, ktime_get_ns());
	return pflags;
}

/**
 * aqos_stall_leave() - the wait begun by aqos_stall_enter() ends
 * @p: the same group, still referenced by the caller
 * @token: what aqos_stall_enter() returned
 *
 * In the same task as the enter; context as aqos_stall_enter().
 */
void aqos_stall_leave(struct aqos_psi *p, unsigned long token)
{
	__aqos_psi_stall(p, false, ktime_get_ns());
	psi_memstall_leave(&token);
}

/**
 * aqos_stall_begin() - aqos_stall_enter() with the token kept in @st
 * @p: the group the task allocates for
 * @st: the wait, on the caller's stack, handed to aqos_stall_end()
 */
void aqos_stall_begin(struct aqos_psi *p, struct aqos_stall *st)
{
	st->psi = p;
	st->pflags = aqos_stall_enter(p);
}

/**
 * aqos_stall_end() - the wait begun by aqos_stall_begin() ends
 * @p: the same group as at the begin
 * @st: the same wait
 */
void aqos_stall_end(struct aqos_psi *p, struct aqos_stall *st)
{
	WARN_ON_ONCE(st->psi != p);
	aqos_stall_leave(p, st->pflags);
}

/* ---- averages (lock 2) ---- */

static u64 aqos_q32_mul(u64 a, u64 b)
{
	return (a * b + (AQOS_Q32 >> 1)) >> 32;
}

/* @e ** @n in Q32, by squaring. */
static u64 aqos_q32_pow(u64 e, u64 n)
{
	u64 r = AQOS_Q32;

	while (n && r) {
		if (n & 1)
			r = aqos_q32_mul(r, e);
		e = aqos_q32_mul(e, e);
		n >>= 1;
	}
	return r;
}

static void aqos_psi_fold(struct aqos_psi *p, u64 missed, u64 sample,
			  u64 period)
{
	u64 share = mul_u64_u64_div_u64(sample, 100ULL << AQOS_AVG_SHIFT,
					period);
	int i;

	for (i = 0; i < 3; i++) {
		u64 e = aqos_avg_decay[i];

		if (missed)
			p->avg[i] = aqos_q32_mul(p->avg[i],
						 aqos_q32_pow(e, missed));
		p->avg[i] = (p->avg[i] * e + share * (AQOS_Q32 - e) +
			     (AQOS_Q32 >> 1)) >> 32;
	}
}

/* Fold the periods ended by @now into the averages. */
static void aqos_psi_average(struct aqos_psi *p, u64 now, u64 total)
{
	u64 missed = 0, period, sample;

	lockdep_assert_held(&p->mutex);
	if (now < p->avg_next)
		return;
	if (now - p->avg_next >= AQOS_PSI_PERIOD)
		missed = div64_u64(now - p->avg_next, AQOS_PSI_PERIOD);
	/* The last period runs from the last averaging, less the missed. */
	period = now - p->avg_last - missed * AQOS_PSI_PERIOD;
	/* Read locklessly by aqos_psi_arm_delay(). */
	WRITE_ONCE(p->avg_next, p->avg_next + (missed + 1) * AQOS_PSI_PERIOD);
	p->avg_last = now;
	sample = total - p->avg_total;
	/* More than a period (a racing clock): the rest counts next time. */
	sample = min(sample, period);
	p->avg_total += sample;
	aqos_psi_fold(p, missed, sample, max(period, 1ULL));
}

/* Percent << 24 to hundredths of a percent, rounded. */
static u32 aqos_avg_hundredths(u64 avg)
{
	return (avg * 100 + (1ULL << (AQOS_AVG_SHIFT - 1))) >> AQOS_AVG_SHIFT;
}

/**
 * __aqos_psi_read() - total and averages of @p at @now
 * @p: the group
 * @now: the time, ns
 * @total_us: (out) "some" time, us
 * @avg: (out) avg10, avg60, avg300 in hundredths of a percent
 */
void __aqos_psi_read(struct aqos_psi *p, u64 now, u64 *total_us, u32 avg[3])
{
	u64 total;
	int i;

	mutex_lock(&p->mutex);
	total = aqos_psi_total(p, now, NULL);
	aqos_psi_average(p, now, total);
	for (i = 0; i < 3; i++)
		avg[i] = aqos_avg_hundredths(p->avg[i]);
	mutex_unlock(&p->mutex);
	*total_us = div_u64(total, NSEC_PER_USEC);
}

/**
 * aqos_psi_read() - total and averages of @p now
 * @p: the group
 * @total_us: (out) "some" time, us
 * @avg: (out) avg10, avg60, avg300 in hundredths of a percent
 *
 * Folds the 2 s periods ended since the last averaging first, as PSI's
 * show does.  Process context, may sleep.
 */
void aqos_psi_read(struct aqos_psi *p, u64 *total_us, u32 avg[3])
{
	__aqos_psi_read(p, ktime_get_ns(), total_us, avg);
}

/**
 * aqos_psi_show() - print @p as /proc/pressure/memory prints its some line
 * @m: the seq_file
 * @p: the group
 *
 * "some avg10=0.00 avg60=0.00 avg300=0.00 total=0", total in us.
 */
void aqos_psi_show(struct seq_file *m, struct aqos_psi *p)
{
	u64 total;
	u32 avg[3];

	aqos_psi_read(p, &total, avg);
	seq_printf(m, "some avg10=%u.%02u avg60=%u.%02u avg300=%u.%02u total=%llu\n",
		   avg[0] / 100, avg[0] % 100, avg[1] / 100, avg[1] % 100,
		   avg[2] / 100, avg[2] % 100, total);
}

/* ---- triggers (lock 2) ---- */

static void aqos_window_reset(struct aqos_trigger *t, u64 now, u64 value,
			      u64 prev_growth)
{
	t->win_start = now;
	t->win_value = value;
	t->prev_growth = prev_growth;
}

/* The stall growth over the window ending at @now. */
static u64 aqos_window_growth(struct aqos_trigger *t, u64 now, u64 value)
{
	u64 elapsed = now - t->win_start;
	u64 growth = value - t->win_value;

	if (elapsed >= t->size) {
		/* Window over: keep its growth, per window, for the next. */
		aqos_window_reset(t, now, value,
				  div64_u64(growth * t->size, max(elapsed, 1ULL)));
		return growth;
	}
	return growth + div64_u64(t->prev_growth * (t->size - elapsed),
				  t->size);
}

static void aqos_trigger_eval(struct aqos_trigger *t, u64 now, u64 total)
{
	bool grew = total != t->last_total;
	u64 growth;

	t->last_total = total;
	growth = aqos_window_growth(t, now, total);
	if (!grew && !t->pending)
		return;
	if (!t->pending) {
		if (growth < t->threshold)
			return;
		t->pending = true;
	}
	/* At most one event per window. */
	if (t->fired && now - t->last_event < t->size)
		return;
	if (atomic_cmpxchg(&t->event, 0, 1) == 0)
		wake_up_interruptible(&t->wait);
	t->last_event = now;
	t->fired = true;
	t->pending = false;
}

static bool aqos_psi_eval(struct aqos_psi *p, u64 now, u64 total,
			  bool privileged)
{
	struct aqos_trigger *t;
	bool pending = false;

	lockdep_assert_held(&p->mutex);
	list_for_each_entry(t, &p->triggers, node) {
		if (t->privileged == privileged)
			aqos_trigger_eval(t, now, total);
		pending |= t->pending;
	}
	return pending;
}

/*
 * Evaluate the privileged triggers when their poll period is due, and at
 * the end of a 2 s period the unprivileged ones and the averages.
 * Returns when to tick next (ns), or U64_MAX when the group is idle (the
 * total did not move since the last tick, no wait is in progress, no
 * event is pending): the work stops until the next stall.
 */
static u64 aqos_psi_tick(struct aqos_psi *p, u64 now)
{
	struct aqos_trigger *t;
	bool stalling, changed, pending = false;
	u64 total, next;

	lockdep_assert_held(&p->mutex);
	total = aqos_psi_total(p, now, &stalling);
	changed = stalling || total != p->tick_total;
	if (p->stopped) {
		/* Nothing moved from the stop until the stall that woke us. */
		list_for_each_entry(t, &p->triggers, node)
			aqos_window_reset(t, now,
					  max(p->tick_total, t->win_value), 0);
		p->stopped = false;
	}
	if (p->nr_rt && changed)
		p->poll_until = now + p->poll_period * AQOS_UPDATES_PER_WINDOW;
	if (p->nr_rt && now >= p->poll_next) {
		pending |= aqos_psi_eval(p, now, total, true);
		p->poll_next = now + p->poll_period;
	}
	if (now >= p->avg_next) {
		pending |= aqos_psi_eval(p, now, total, false);
		aqos_psi_average(p, now, total);
	}
	p->tick_total = total;
	list_for_each_entry(t, &p->triggers, node)
		pending |= t->pending;
	if (!changed && !pending) {
		p->stopped = true;
		return U64_MAX;
	}
	next = p->avg_next;
	if (p->nr_rt && (now < p->poll_until || pending))
		next = min(next, p->poll_next);
	return next;
}

/**
 * __aqos_psi_tick() - what @p's work does, at @now
 * @p: the group
 * @now: the time, ns
 *
 * Return: when to tick next (ns), or U64_MAX when the group went idle.
 */
u64 __aqos_psi_tick(struct aqos_psi *p, u64 now)
{
	u64 next;

	mutex_lock(&p->mutex);
	next = aqos_psi_tick(p, now);
	mutex_unlock(&p->mutex);
	return next;
}

static void aqos_psi_work(struct work_struct *work)
{
	struct aqos_psi *p = container_of(to_delayed_work(work),
					  struct aqos_psi, work);
	u64 now, next;

	/*
	 * Clear @armed before reading the state: a stall the tick below
	 * misses sees it clear and queues us again (pairs with the xchg in
	 * aqos_psi_change()).
	 */
	atomic_set(&p->armed, 0);
	smp_mb(); /* pairs with the xchg in aqos_psi_change() */
	mutex_lock(&p->mutex);
	now = ktime_get_ns();
	next = aqos_psi_tick(p, now);
	if (next != U64_MAX && !READ_ONCE(p->dead)) {
		atomic_set(&p->armed, 1);
		queue_delayed_work(aqos_psi_wq, &p->work,
				   next > now ? nsecs_to_jiffies(next - now) + 1 : 1);
	}
	mutex_unlock(&p->mutex);
}

/* "some <threshold_us> <window_us>", a newline and NULs allowed after. */
static int aqos_trigger_parse(const char *buf, size_t len, u32 *threshold,
			      u32 *window)
{
	char text[AQOS_TRIGGER_TEXT_MAX], *sep;

	while (len && buf[len - 1] == '\0')
		len--;
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(text) || memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(text, buf, len);
	text[len] = '\0';
	if (strncmp(text, "some ", 5))
		return -EINVAL;
	sep = strchr(text + 5, ' ');
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	if (kstrtou32(text + 5, 10, threshold) ||
	    kstrtou32(sep + 1, 10, window))
		return -EINVAL;
	return 0;
}

static int aqos_trigger_check(u32 threshold, u32 window, bool privileged)
{
	if (window < AQOS_WINDOW_MIN_US || window > AQOS_WINDOW_MAX_US)
		return -EINVAL;
	/* Unprivileged: only windows the 2 s averaging can evaluate. */
	if (!privileged && window % AQOS_WINDOW_UNPRIV_US)
		return -EINVAL;
	if (!threshold || threshold > window)
		return -EINVAL;
	return 0;
}

/* The smallest privileged window / 10, U64_MAX without any. */
static void aqos_psi_poll_period(struct aqos_psi *p)
{
	struct aqos_trigger *t;
	u64 period = U64_MAX;

	lockdep_assert_held(&p->mutex);
	list_for_each_entry(t, &p->triggers, node)
		if (t->privileged)
			period = min(period, div_u64(t->size,
						     AQOS_UPDATES_PER_WINDOW));
	WRITE_ONCE(p->poll_period, period);
}

static void aqos_trigger_link(struct aqos_psi *p, struct aqos_trigger *t,
			      u64 now)
{
	u64 total;

	lockdep_assert_held(&aqos_psi_trig_lock);
	mutex_lock(&p->mutex);
	total = aqos_psi_total(p, now, NULL);
	aqos_window_reset(t, now, total, 0);
	t->last_total = total;
	t->psi = p;
	list_add(&t->node, &p->triggers);
	if (t->privileged) {
		WRITE_ONCE(p->nr_rt, p->nr_rt + 1);
		aqos_psi_poll_period(p);
		p->poll_next = now + p->poll_period;
		p->poll_until = now + p->poll_period * AQOS_UPDATES_PER_WINDOW;
		/* An armed work may sleep till the 2 s tick: poll sooner. */
		if (!p->fed_clock) {
			atomic_set(&p->armed, 1);
			mod_delayed_work(aqos_psi_wq, &p->work, 0);
		}
	}
	mutex_unlock(&p->mutex);
}

/**
 * __aqos_trigger_create() - aqos_trigger_create() at @now
 * @p: the group
 * @buf: the text written
 * @len: its length
 * @privileged: the writer may poll any window
 * @now: the time, ns
 *
 * Return: the trigger or an ERR_PTR.
 */
struct aqos_trigger *__aqos_trigger_create(struct aqos_psi *p,
					   const char *buf, size_t len,
					   bool privileged, u64 now)
{
	struct aqos_trigger *t;
	u32 threshold, window;
	int err;

	err = aqos_trigger_parse(buf, len, &threshold, &window);
	if (!err)
		err = aqos_trigger_check(threshold, window, privileged);
	if (err)
		return ERR_PTR(err);
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->threshold = (u64)threshold * NSEC_PER_USEC;
	t->size = (u64)window * NSEC_PER_USEC;
	t->privileged = privileged;
	atomic_set(&t->event, 0);
	init_waitqueue_head(&t->wait);

	mutex_lock(&aqos_psi_trig_lock);
	if (READ_ONCE(p->dead)) {
		mutex_unlock(&aqos_psi_trig_lock);
		kfree(t);
		return ERR_PTR(-ENODEV);
	}
	aqos_trigger_link(p, t, now);
	mutex_unlock(&aqos_psi_trig_lock);
	return t;
}

/**
 * aqos_trigger_create() - a trigger from the text written to a group fd
 * @p: the group
 * @buf: the kernel's copy of the text written: "some <threshold_us>
 *	 <window_us>", a newline and NULs may follow
 * @len: the length of @buf
 * @privileged: the fd's opener may poll any window (PSI: CAP_SYS_RESOURCE
 *	in file->f_cred); otherwise the window is a multiple of 2 s
 *
 * Windows from 500 ms to 10 s, 0 < threshold <= window, as PSI.
 *
 * Return: the trigger, to free with aqos_trigger_free(); ERR_PTR(-EINVAL)
 * for a text or limit PSI refuses, -ENODEV when @p was destroyed,
 * -ENOMEM.
 */
struct aqos_trigger *aqos_trigger_create(struct aqos_psi *p, const char *buf,
					 size_t len, bool privileged)
{
	return __aqos_trigger_create(p, buf, len, privileged, ktime_get_ns());
}

/**
 * aqos_trigger_poll() - poll() of a group fd that holds @t
 * @t: the trigger
 * @file: the fd's file
 * @wait: the poll table
 *
 * Return: DEFAULT_POLLMASK, with EPOLLPRI once for each event (at most
 * one per window in which the threshold was passed); once the group is
 * destroyed, EPOLLERR | EPOLLPRI on every call, as a removed cgroup's
 * memory.pressure.
 */
__poll_t aqos_trigger_poll(struct aqos_trigger *t, struct file *file,
			   poll_table *wait)
{
	__poll_t ret = DEFAULT_POLLMASK;

	poll_wait(file, &t->wait, wait);
	if (READ_ONCE(t->gone))
		return ret | EPOLLERR | EPOLLPRI;
	if (atomic_cmpxchg(&t->event, 1, 0) == 1)
		ret |= EPOLLPRI;
	return ret;
}

/**
 * aqos_trigger_free() - the fd holding @t is released
 * @t: the trigger, from aqos_trigger_create(); may be NULL
 *
 * Its group may be destroyed already; if not, it stops watching.
 */
void aqos_trigger_free(struct aqos_trigger *t)
{
	struct aqos_psi *p;

	if (!t)
		return;
	mutex_lock(&aqos_psi_trig_lock);
	p = t->psi;
	if (p) {
		mutex_lock(&p->mutex);
		list_del(&t->node);
		if (t->privileged) {
			WRITE_ONCE(p->nr_rt, p->nr_rt - 1);
			aqos_psi_poll_period(p);
		}
		mutex_unlock(&p->mutex);
	}
	mutex_unlock(&aqos_psi_trig_lock);
	kfree(t);
}

/* ---- groups ---- */

/**
 * __aqos_psi_init() - aqos_psi_init() at @now
 * @p: the group's pressure
 * @parent: the next group up, NULL for none
 * @now: the time, ns
 * @fed_clock: the caller feeds the time and ticks: never queue work
 */
void __aqos_psi_init(struct aqos_psi *p, struct aqos_psi *parent, u64 now,
		     bool fed_clock)
{
	memset(p, 0, sizeof(*p));
	spin_lock_init(&p->lock);
	mutex_init(&p->mutex);
	INIT_LIST_HEAD(&p->triggers);
	INIT_DELAYED_WORK(&p->work, aqos_psi_work);
	atomic_set(&p->armed, 0);
	p->parent = parent;
	p->fed_clock = fed_clock;
	p->stamp = now;
	p->avg_last = now;
	p->avg_next = now + AQOS_PSI_PERIOD;
	p->poll_period = U64_MAX;
	p->stopped = true;
}

/**
 * aqos_psi_init() - start the pressure of a new group
 * @p: the group's pressure (embedded in it)
 * @parent: the parent group's, or NULL for a top group: a child of
 *	    aqos_psi_root
 */
void aqos_psi_init(struct aqos_psi *p, struct aqos_psi *parent)
{
	__aqos_psi_init(p, parent ?: &aqos_psi_root, ktime_get_ns(), false);
}

/**
 * aqos_psi_destroy() - the group of @p is removed
 * @p: the group's pressure
 *
 * Every trigger on it reports EPOLLERR from now on and forgets the group;
 * its work is cancelled and never queued again.  Call it once, before the
 * group's memory goes and after its last stall began (descendants are
 * destroyed first).  Process context, may sleep.
 */
void aqos_psi_destroy(struct aqos_psi *p)
{
	struct aqos_trigger *t, *tmp;

	mutex_lock(&aqos_psi_trig_lock);
	mutex_lock(&p->mutex);
	spin_lock(&p->lock);
	WRITE_ONCE(p->dead, true);
	spin_unlock(&p->lock);
	list_for_each_entry_safe(t, tmp, &p->triggers, node) {
		list_del_init(&t->node);
		t->psi = NULL;
		WRITE_ONCE(t->gone, true);
		wake_up_interruptible(&t->wait);
	}
	WRITE_ONCE(p->nr_rt, 0);
	mutex_unlock(&p->mutex);
	mutex_unlock(&aqos_psi_trig_lock);
	cancel_delayed_work_sync(&p->work);
}

/**
 * aqos_pressure_init() - the workqueue and the pool's pressure
 *
 * Return: 0 or -ENOMEM.
 */
int aqos_pressure_init(void)
{
	aqos_psi_wq = alloc_workqueue("aqos_psi", WQ_UNBOUND, 0);
	if (!aqos_psi_wq)
		return -ENOMEM;
	__aqos_psi_init(&aqos_psi_root, NULL, ktime_get_ns(), false);
	return 0;
}

/**
 * aqos_pressure_exit() - undo aqos_pressure_init()
 *
 * Every group was destroyed before; after this no work of ours is queued
 * or running.
 */
void aqos_pressure_exit(void)
{
	aqos_psi_destroy(&aqos_psi_root);
	destroy_workqueue(aqos_psi_wq);
	aqos_psi_wq = NULL;
}
