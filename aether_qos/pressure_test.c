// SPDX-License-Identifier: GPL-2.0
/*
 * pressure_test.c - self-tests of the stall time, averages and triggers,
 * run at load with selftest=1
 *
 * DOC: Overview
 *
 * The tests feed the clock: their groups are made by __aqos_psi_init()
 * with fed_clock set, so no work is ever queued for them, and every stall,
 * tick, read and trigger takes its "now" from the test.  The results are
 * therefore exact and repeat.  Each test states one behaviour:
 *
 *	overlap		two tasks waiting at once, and one task's nested
 *			wait, count their wall time once; a wait in
 *			progress counts up to now; a clock read before the
 *			last reading counts as that reading (never shrinks)
 *	ancestors	a child's wait counts in its parent and the top,
 *			siblings' overlapping waits once in the parent, and
 *			never in the sibling
 *	decay		a full stall gives avg10/60/300 of
 *			100 * (1 - e^(-2n/N)) after n periods and decays by
 *			e^(-2k/N) over k idle ones (computed from exp(), to
 *			0.01 %); a group whose work stopped when idle and is
 *			read late catches up to the same values; a half
 *			stall gives half
 *	once_per_window	a privileged trigger under a constant stall fires
 *			once per window, never twice within one
 *	idle		a trigger stays silent without stalls and under its
 *			threshold; an idle group's tick stops the work
 *	unprivileged	an unprivileged trigger is evaluated only at the
 *			2 s averaging ticks
 *	parse		PSI's text and limits: windows 500 ms..10 s,
 *			0 < threshold <= window, 2 s multiples unprivileged
 *	destroy		after the group goes: EPOLLERR on poll, -ENODEV on
 *			a new trigger, the old one freed later, a stall in
 *			progress ends, the parent keeps working
 *
 * Two more run on the real clock and workqueue (after aqos_pressure_init()):
 *
 *	live		a stall arms the group's work, which ticks and wakes
 *			a poller of a privileged trigger; destroy leaves no
 *			work queued and the poller gets EPOLLERR
 *	concurrent	a thread per CPU begins and ends waits on a child
 *			and the child's parent at once: no count is lost
 *			(nothing left stalled), and neither group counts
 *			more "some" time than the wall time that passed
 *			(two threads' overlapping waits count once)
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "pressure.h"

#define T0		(1000ULL * NSEC_PER_SEC)
#define MS(x)		((u64)(x) * NSEC_PER_MSEC)
#define SEC(x)		((u64)(x) * NSEC_PER_SEC)

/* True, with a report, when a check fails. */
static bool aqos_pt_fail(bool failed, const char *what, const char *fn,
			 int line)
{
	if (failed)
		pr_err("selftest %s: %s failed (line %d)\n", fn, what, line);
	return failed;
}

#define AQOS_PT_FAIL(cond)	aqos_pt_fail(!(cond), #cond, __func__, __LINE__)

static u64 aqos_pt_total(struct aqos_psi *p, u64 now)
{
	u64 total;
	u32 avg[3];

	__aqos_psi_read(p, now, &total, avg);
	return total;
}

/* @avg within 0.01 % of @want (hundredths), with a report. */
static bool aqos_pt_avg_bad(struct aqos_psi *p, u64 now, const u32 want[3],
			    const char *when)
{
	u64 total;
	u32 avg[3];
	int i;

	__aqos_psi_read(p, now, &total, avg);
	for (i = 0; i < 3; i++) {
		if (abs((int)avg[i] - (int)want[i]) > 1) {
			pr_err("selftest decay: %s: avg%d %u.%02u, want %u.%02u\n",
			       when, i, avg[i] / 100, avg[i] % 100,
			       want[i] / 100, want[i] % 100);
			return true;
		}
	}
	return false;
}

static bool aqos_pt_event(struct aqos_trigger *t)
{
	return aqos_trigger_poll(t, NULL, NULL) & EPOLLPRI;
}

static int aqos_pt_overlap(struct aqos_psi *g)
{
	__aqos_psi_init(g, NULL, T0, true);
	/* Task a 0..3 s, task b 1..4 s: 4 s of "some". */
	__aqos_psi_stall(g, true, T0);
	__aqos_psi_stall(g, true, T0 + SEC(1));
	__aqos_psi_stall(g, false, T0 + SEC(3));
	__aqos_psi_stall(g, false, T0 + SEC(4));
	if (AQOS_PT_FAIL(aqos_pt_total(g, T0 + SEC(5)) == 4000000))
		goto fail;
	/* One task, a wait nested in its wait: 10..13 s counts 3 s. */
	__aqos_psi_stall(g, true, T0 + SEC(10));
	__aqos_psi_stall(g, true, T0 + SEC(11));
	__aqos_psi_stall(g, false, T0 + SEC(12));
	__aqos_psi_stall(g, false, T0 + SEC(13));
	if (AQOS_PT_FAIL(aqos_pt_total(g, T0 + SEC(14)) == 7000000))
		goto fail;
	/* In progress: counted up to the read. */
	__aqos_psi_stall(g, true, T0 + SEC(20));
	if (AQOS_PT_FAIL(aqos_pt_total(g, T0 + MS(20500)) == 7500000))
		goto fail_stalled;
	/*
	 * A clock read before the last reading (another CPU's) counts as
	 * that reading: the wait ends at 20.5 s, the total never shrinks.
	 */
	__aqos_psi_stall(g, false, T0 + MS(19000));
	if (AQOS_PT_FAIL(aqos_pt_total(g, T0 + SEC(30)) == 7500000))
		goto fail;
	aqos_psi_destroy(g);
	return 0;

fail_stalled:
	__aqos_psi_stall(g, false, T0 + SEC(21));
fail:
	aqos_psi_destroy(g);
	return -EINVAL;
}

static int aqos_pt_ancestors(struct aqos_psi *g)
{
	struct aqos_psi *top = &g[0], *mid = &g[1], *c1 = &g[2], *c2 = &g[3];
	u64 now = T0 + SEC(10);
	int ret = 0;

	__aqos_psi_init(top, NULL, T0, true);
	__aqos_psi_init(mid, top, T0, true);
	__aqos_psi_init(c1, mid, T0, true);
	__aqos_psi_init(c2, mid, T0, true);
	/* c1 0..2 s, c2 1..3 s, then c1 alone 5..6 s. */
	__aqos_psi_stall(c1, true, T0);
	__aqos_psi_stall(c2, true, T0 + SEC(1));
	__aqos_psi_stall(c1, false, T0 + SEC(2));
	__aqos_psi_stall(c2, false, T0 + SEC(3));
	__aqos_psi_stall(c1, true, T0 + SEC(5));
	__aqos_psi_stall(c1, false, T0 + SEC(6));
	if (AQOS_PT_FAIL(aqos_pt_total(c1, now) == 3000000) ||
	    AQOS_PT_FAIL(aqos_pt_total(c2, now) == 2000000) ||
	    AQOS_PT_FAIL(aqos_pt_total(mid, now) == 4000000) ||
	    AQOS_PT_FAIL(aqos_pt_total(top, now) == 4000000))
		ret = -EINVAL;
	aqos_psi_destroy(c2);
	aqos_psi_destroy(c1);
	aqos_psi_destroy(mid);
	aqos_psi_destroy(top);
	return ret;
}

static int aqos_pt_decay(struct aqos_psi *g)
{
	static const u32 one[3] = { 1813, 328, 66 };
	static const u32 five[3] = { 6321, 1535, 328 };
	static const u32 idle[3] = { 855, 1100, 307 };
	static const u32 half[3] = { 4323, 1417, 322 };
	struct aqos_psi *a = &g[0], *b = &g[1];
	int ret = -EINVAL;
	u64 n;

	__aqos_psi_init(a, NULL, T0, true);
	__aqos_psi_init(b, NULL, T0, true);
	/* A full stall 0..10 s, ticked every 2 s. */
	__aqos_psi_stall(a, true, T0);
	__aqos_psi_stall(b, true, T0);
	__aqos_psi_tick(a, T0 + SEC(2));
	__aqos_psi_tick(b, T0 + SEC(2));
	if (aqos_pt_avg_bad(a, T0 + SEC(2), one, "one full period"))
		goto out;
	for (n = 4; n <= 10; n += 2) {
		if (n == 10) {
			__aqos_psi_stall(a, false, T0 + SEC(10));
			__aqos_psi_stall(b, false, T0 + SEC(10));
		}
		__aqos_psi_tick(a, T0 + SEC(n));
		__aqos_psi_tick(b, T0 + SEC(n));
	}
	if (aqos_pt_avg_bad(a, T0 + SEC(10), five, "five full periods"))
		goto out;
	/* Idle: a ticks on; b's work stops at its first idle tick. */
	for (n = 12; n <= 30; n += 2)
		__aqos_psi_tick(a, T0 + SEC(n));
	if (AQOS_PT_FAIL(__aqos_psi_tick(b, T0 + SEC(12)) == U64_MAX))
		goto out;
	if (aqos_pt_avg_bad(a, T0 + SEC(30), idle, "ten idle periods") ||
	    aqos_pt_avg_bad(b, T0 + SEC(30), idle, "idle, read late"))
		goto out;
	aqos_psi_destroy(b);
	/* Half of every period for ten periods, from zero. */
	__aqos_psi_init(b, NULL, T0, true);
	for (n = 0; n < 20; n += 2) {
		__aqos_psi_stall(b, true, T0 + SEC(n));
		__aqos_psi_stall(b, false, T0 + SEC(n + 1));
		__aqos_psi_tick(b, T0 + SEC(n + 2));
	}
	if (aqos_pt_avg_bad(b, T0 + SEC(20), half, "half stalled"))
		goto out;
	ret = 0;
out:
	aqos_psi_destroy(b);
	aqos_psi_destroy(a);
	return ret;
}

static int aqos_pt_once_per_window(struct aqos_psi *g)
{
	static const char text[] = "some 100000 1000000";
	struct aqos_trigger *t;
	u64 now, last = 0;
	int events = 0, ret = 0;

	__aqos_psi_init(g, NULL, T0, true);
	t = __aqos_trigger_create(g, text, sizeof(text), true, T0);
	if (AQOS_PT_FAIL(!IS_ERR(t))) {
		aqos_psi_destroy(g);
		return -EINVAL;
	}
	/* A constant stall for 5 s, ticked at the poll period (100 ms). */
	__aqos_psi_stall(g, true, T0);
	for (now = T0 + MS(100); now <= T0 + SEC(5); now += MS(100)) {
		__aqos_psi_tick(g, now);
		if (!aqos_pt_event(t))
			continue;
		if (events && AQOS_PT_FAIL(now - last >= SEC(1)))
			ret = -EINVAL;
		last = now;
		events++;
	}
	__aqos_psi_stall(g, false, T0 + SEC(5));
	/* At 0.1, 1.1, 2.1, 3.1 and 4.1 s; reported once each. */
	if (AQOS_PT_FAIL(events == 5) || AQOS_PT_FAIL(!aqos_pt_event(t)))
		ret = -EINVAL;
	aqos_trigger_free(t);
	aqos_psi_destroy(g);
	return ret;
}

static int aqos_pt_idle(struct aqos_psi *g)
{
	static const char text[] = "some 100000 1000000\n";
	struct aqos_trigger *t;
	int ret = 0;
	u64 now;

	__aqos_psi_init(g, NULL, T0, true);
	t = __aqos_trigger_create(g, text, strlen(text), true, T0);
	if (AQOS_PT_FAIL(!IS_ERR(t))) {
		aqos_psi_destroy(g);
		return -EINVAL;
	}
	/* No stall: the tick says idle, and no event. */
	if (AQOS_PT_FAIL(__aqos_psi_tick(g, T0 + MS(100)) == U64_MAX))
		ret = -EINVAL;
	for (now = T0 + MS(200); now <= T0 + SEC(5); now += MS(100))
		__aqos_psi_tick(g, now);
	if (AQOS_PT_FAIL(!aqos_pt_event(t)))
		ret = -EINVAL;
	/* 50 ms of stall at the start of each second: under 100 ms. */
	for (now = T0 + SEC(5); now < T0 + SEC(10); now += MS(100)) {
		if (now % SEC(1) == 0) {
			__aqos_psi_stall(g, true, now);
			__aqos_psi_stall(g, false, now + MS(50));
		}
		__aqos_psi_tick(g, now + MS(100));
		if (AQOS_PT_FAIL(!aqos_pt_event(t)))
			ret = -EINVAL;
	}
	if (AQOS_PT_FAIL(aqos_pt_total(g, T0 + SEC(10)) == 250000))
		ret = -EINVAL;
	aqos_trigger_free(t);
	aqos_psi_destroy(g);
	return ret;
}

static int aqos_pt_unprivileged(struct aqos_psi *g)
{
	static const char text[] = "some 500000 2000000";
	struct aqos_trigger *t;
	int events = 0, ret = 0;
	u64 now;

	__aqos_psi_init(g, NULL, T0, true);
	t = __aqos_trigger_create(g, text, strlen(text), false, T0);
	if (AQOS_PT_FAIL(!IS_ERR(t))) {
		aqos_psi_destroy(g);
		return -EINVAL;
	}
	__aqos_psi_stall(g, true, T0);
	for (now = T0 + MS(100); now <= T0 + SEC(9); now += MS(100)) {
		__aqos_psi_tick(g, now);
		if (!aqos_pt_event(t))
			continue;
		/* Only at the averaging ticks: 2, 4, 6, 8 s. */
		if (AQOS_PT_FAIL((now - T0) % SEC(2) == 0))
			ret = -EINVAL;
		events++;
	}
	__aqos_psi_stall(g, false, T0 + SEC(9));
	if (AQOS_PT_FAIL(events == 4))
		ret = -EINVAL;
	aqos_trigger_free(t);
	aqos_psi_destroy(g);
	return ret;
}

static const struct {
	const char *text;
	bool privileged;
	int err;
} aqos_pt_texts[] = {
	{ "some 100000 1000000", true, 0 },
	{ "some 100000 1000000", false, -EINVAL },
	{ "some 100000 2000000", false, 0 },
	{ "some 150000 10000000", false, 0 },
	{ "some 500000 500000", true, 0 },
	{ "some 1 499999", true, -EINVAL },
	{ "some 1 10000001", true, -EINVAL },
	{ "some 0 1000000", true, -EINVAL },
	{ "some 1000001 1000000", true, -EINVAL },
	{ "some 2000000 2000000", false, 0 },
	{ "some 100000 3000000", false, -EINVAL },
	{ "full 100000 1000000", true, -EINVAL },
	{ "some -1 1000000", true, -EINVAL },
	{ "some 100000 1000000 1", true, -EINVAL },
	{ "some  100000 1000000", true, -EINVAL },
	{ "some 100000", true, -EINVAL },
	{ "some 4294967296 1000000", true, -EINVAL },
	{ "", true, -EINVAL },
};

static int aqos_pt_parse(struct aqos_psi *g)
{
	static const char nul_inside[] = "some 100000\0 1000000";
	static const char overlong[] =
		"some 100000 1000000                                         ";
	struct aqos_trigger *t;
	unsigned int i;
	int ret = 0;

	__aqos_psi_init(g, NULL, T0, true);
	for (i = 0; i < ARRAY_SIZE(aqos_pt_texts); i++) {
		const char *s = aqos_pt_texts[i].text;

		t = __aqos_trigger_create(g, s, strlen(s),
					  aqos_pt_texts[i].privileged, T0);
		if (PTR_ERR_OR_ZERO(t) != aqos_pt_texts[i].err) {
			pr_err("selftest parse: \"%s\" (%s): %d, want %d\n", s,
			       aqos_pt_texts[i].privileged ? "privileged" :
			       "unprivileged", (int)PTR_ERR_OR_ZERO(t),
			       aqos_pt_texts[i].err);
			ret = -EINVAL;
		}
		if (!IS_ERR(t))
			aqos_trigger_free(t);
	}
	t = __aqos_trigger_create(g, nul_inside, sizeof(nul_inside), true, T0);
	if (AQOS_PT_FAIL(PTR_ERR_OR_ZERO(t) == -EINVAL))
		ret = -EINVAL;
	if (!IS_ERR(t))
		aqos_trigger_free(t);
	t = __aqos_trigger_create(g, overlong, strlen(overlong), true, T0);
	if (AQOS_PT_FAIL(PTR_ERR_OR_ZERO(t) == -EINVAL))
		ret = -EINVAL;
	if (!IS_ERR(t))
		aqos_trigger_free(t);
	aqos_psi_destroy(g);
	return ret;
}

static int aqos_pt_destroy(struct aqos_psi *g)
{
	static const char text[] = "some 100000 1000000";
	struct aqos_psi *top = &g[0], *child = &g[1];
	struct aqos_trigger *t, *tt, *t2;
	int ret = -EINVAL;
	__poll_t ev;

	__aqos_psi_init(top, NULL, T0, true);
	__aqos_psi_init(child, top, T0, true);
	t = __aqos_trigger_create(child, text, strlen(text), true, T0);
	tt = __aqos_trigger_create(top, text, strlen(text), true, T0);
	if (AQOS_PT_FAIL(!IS_ERR(t)) || AQOS_PT_FAIL(!IS_ERR(tt)))
		goto out_triggers;
	if (AQOS_PT_FAIL(!(aqos_trigger_poll(t, NULL, NULL) & EPOLLERR)))
		goto out_triggers;
	/* A wait in progress when the group goes. */
	__aqos_psi_stall(child, true, T0 + SEC(1));
	aqos_psi_destroy(child);
	ev = aqos_trigger_poll(t, NULL, NULL);
	if (AQOS_PT_FAIL(ev & EPOLLERR) ||
	    AQOS_PT_FAIL(aqos_trigger_poll(t, NULL, NULL) & EPOLLERR))
		goto out_stall;
	t2 = __aqos_trigger_create(child, text, strlen(text), true, T0 + SEC(1));
	if (AQOS_PT_FAIL(PTR_ERR_OR_ZERO(t2) == -ENODEV)) {
		if (!IS_ERR(t2))
			aqos_trigger_free(t2);
		goto out_stall;
	}
	/* The parent still counts and fires. */
	__aqos_psi_stall(child, false, T0 + SEC(2));
	__aqos_psi_tick(top, T0 + MS(2100));
	if (AQOS_PT_FAIL(aqos_pt_total(top, T0 + SEC(3)) == 1000000) ||
	    AQOS_PT_FAIL(aqos_pt_event(tt)) ||
	    AQOS_PT_FAIL(!(aqos_trigger_poll(tt, NULL, NULL) & EPOLLERR)))
		goto out_triggers;
	ret = 0;
	goto out_triggers;

out_stall:
	__aqos_psi_stall(child, false, T0 + SEC(2));
out_triggers:
	if (!IS_ERR(t))
		aqos_trigger_free(t);
	if (!IS_ERR(tt))
		aqos_trigger_free(tt);
	if (!READ_ONCE(child->dead))
		aqos_psi_destroy(child);
	aqos_psi_destroy(top);
	return ret;
}

/* The live test's trigger fires within this long, or the work is dead. */
#define AQOS_PT_LIVE_TIMEOUT	(60 * HZ)

static int aqos_pt_live(struct aqos_psi *g)
{
	static const char text[] = "some 1 500000";
	struct aqos_trigger *t;
	struct aqos_stall st;
	unsigned long deadline;
	__poll_t ev = 0;
	int ret = -EINVAL;

	__aqos_psi_init(g, NULL, ktime_get_ns(), false);
	t = aqos_trigger_create(g, text, strlen(text), true);
	if (AQOS_PT_FAIL(!IS_ERR(t))) {
		aqos_psi_destroy(g);
		return -EINVAL;
	}
	aqos_stall_begin(g, &st);
	/* The work ticks every 50 ms while stalled: an event comes. */
	deadline = jiffies + AQOS_PT_LIVE_TIMEOUT;
	do {
		ev = aqos_trigger_poll(t, NULL, NULL);
		if (ev & EPOLLPRI)
			break;
		schedule_timeout_uninterruptible(HZ / 20);
	} while (time_before(jiffies, deadline));
	if (AQOS_PT_FAIL(ev & EPOLLPRI))
		goto out_stall;
	ret = 0;
out_stall:
	aqos_stall_end(g, &st);
	aqos_psi_destroy(g);
	if (AQOS_PT_FAIL(!delayed_work_pending(&g->work)) ||
	    AQOS_PT_FAIL(aqos_trigger_poll(t, NULL, NULL) & EPOLLERR))
		ret = -EINVAL;
	aqos_trigger_free(t);
	return ret;
}

#define AQOS_PT_ROUNDS		5000

struct aqos_pt_thread {
	struct aqos_psi *child;
	struct completion done;
};

static int aqos_pt_thread_fn(void *arg)
{
	struct aqos_pt_thread *th = arg;
	struct aqos_psi *parent = th->child->parent;
	unsigned long token;
	struct aqos_stall a;
	unsigned int i;

	for (i = 0; i < AQOS_PT_ROUNDS; i++) {
		/* A wait on the child, with one on its parent inside. */
		aqos_stall_begin(th->child, &a);
		if (i & 1) {
			token = aqos_stall_enter(parent);
			aqos_stall_leave(parent, token);
		}
		aqos_stall_end(th->child, &a);
		if (!(i % 256))
			cond_resched();
	}
	complete(&th->done);
	return 0;
}

static int aqos_pt_concurrent(struct aqos_psi *g)
{
	struct aqos_psi *parent = &g[0], *child = &g[1];
	struct aqos_pt_thread th[2];
	struct task_struct *task;
	u64 start, wall, tc, tp;
	u32 avg[3];
	int i, started = 0, ret = 0;

	start = ktime_get_ns();
	__aqos_psi_init(parent, NULL, start, false);
	__aqos_psi_init(child, parent, start, false);
	for (i = 0; i < 2; i++) {
		th[i].child = child;
		init_completion(&th[i].done);
		task = kthread_create(aqos_pt_thread_fn, &th[i], "aqos_pt/%d", i);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
		if (cpu_online(i))
			kthread_bind(task, i);
		wake_up_process(task);
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&th[i].done);
	__aqos_psi_read(child, ktime_get_ns(), &tc, avg);
	__aqos_psi_read(parent, ktime_get_ns(), &tp, avg);
	wall = div_u64(ktime_get_ns() - start, NSEC_PER_USEC);
	if (!ret && (AQOS_PT_FAIL(!child->nr_stalled) ||
		     AQOS_PT_FAIL(!parent->nr_stalled) ||
		     AQOS_PT_FAIL(tc > 0 && tc <= wall) ||
		     AQOS_PT_FAIL(tp > 0 && tp <= wall)))
		ret = -EINVAL;
	aqos_psi_destroy(child);
	aqos_psi_destroy(parent);
	return ret;
}

/**
 * aqos_pressure_selftest() - run the pressure self-tests
 *
 * Call it after aqos_pressure_init(): the live tests queue work.
 *
 * Return: 0, or -EINVAL / -ENOMEM for the first test that failed.
 */
int aqos_pressure_selftest(void)
{
	static const struct {
		const char *name;
		int (*fn)(struct aqos_psi *g);
	} tests[] = {
		{ "overlap", aqos_pt_overlap },
		{ "ancestors", aqos_pt_ancestors },
		{ "decay", aqos_pt_decay },
		{ "once_per_window", aqos_pt_once_per_window },
		{ "idle", aqos_pt_idle },
		{ "unprivileged", aqos_pt_unprivileged },
		{ "parse", aqos_pt_parse },
		{ "destroy", aqos_pt_destroy },
		{ "live", aqos_pt_live },
		{ "concurrent", aqos_pt_concurrent },
	};
	struct aqos_psi *g;
	unsigned int i;
	int err = 0;

	g = kcalloc(4, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(tests) && !err; i++) {
		err = tests[i].fn(g);
		if (err)
			pr_err("selftest pressure: %s failed\n", tests[i].name);
	}
	kfree(g);
	if (!err)
		pr_info("selftest pressure: %u tests passed\n", i);
	return err;
}
