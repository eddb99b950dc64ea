// SPDX-License-Identifier: GPL-2.0
/*
 * knobs.c - the tunables of aether_dedupe: SET and the module parameters
 *
 * DOC: Overview
 *
 * The tunables are KSM's (Documentation/admin-guide/mm/ksm.rst), with
 * KSM's names, meanings and defaults: run, pages_to_scan,
 * sleep_millisecs, max_page_sharing, use_zero_pages, merge_across_nodes,
 * stable_node_chains_prune_millisecs, and smart_scan and the scan-time
 * advisor of 6.7 and 6.8, which aether_dedupe has on 6.1 as well.  They
 * live in one struct aether_dedupe_knobs, adp_knobs, which the engine
 * reads field by field with READ_ONCE() and which only this file writes,
 * under adp_knobs_lock (the advisor's pages_to_scan aside: the engine's).
 *
 * Two doors lead here, AETHER_DEDUPE_IOC_SET (dev.c) and the module
 * parameters, and both go through adp_knobs_check() and adp_knobs_set():
 *
 *   check	every field named by the mask against the range the UAPI
 *		header gives it, and the fields against each other as they
 *		would stand after the change (the advisor's floor at most its
 *		ceiling; pages_to_scan is the advisor's while it runs, so
 *		setting it then is -EINVAL, as in KSM since 6.8).  Nothing is
 *		written unless everything passes: all or nothing.
 *   unmerge	run = 2: the scanner is told to stop (run reads 2 meanwhile,
 *		as KSM's does), every shared frame is unmerged, then run
 *		reads 0.  A signal ends it with -EINTR (a pool without a
 *		frame for a private copy with -ENOMEM), run 0, what was
 *		left merged still merged and no other field set.
 *   busy	max_page_sharing and merge_across_nodes change the shape of
 *		the trees: changing one while anything is merged is -EBUSY
 *		(KSM's rule); after the unmerge of the same call it is not.
 *   apply	each field written; a change of advisor_mode resets
 *		pages_to_scan as KSM's set_advisor_defaults() does (the
 *		advisor's floor when it starts, KSM's default 100 when it
 *		stops); then aether_ksmd is woken to see the new values.
 *
 * A module parameter written while the module is still loading (insmod
 * arguments) or already unloading only stores the checked value: the
 * engine is not there to ask or wake, and nothing can be merged yet.
 *
 * Lock order: adp_knobs_lock is the outermost lock of the module
 * (internal.h); SET with run = 2 calls adp_engine_unmerge_all() under
 * it, which takes the engine's.  The module parameter layer's own mutex
 * (kernel_param_lock) is taken before it on a parameter write.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "internal.h"

/* Bounds of the UAPI header (struct aether_dedupe_knobs) */
#define ADP_PAGES_MAX		100000
#define ADP_MSECS_MAX		60000
#define ADP_SHARING_MAX		32768
#define ADP_TARGET_MAX		3600
#define ADP_PAGES_DEFAULT	100	/* KSM's DEFAULT_PAGES_TO_SCAN */

/* Written under adp_knobs_lock only (the advisor's pages_to_scan aside) */
struct aether_dedupe_knobs adp_knobs = {
	.run				= AETHER_DEDUPE_RUN_STOP,
	.pages_to_scan			= ADP_PAGES_DEFAULT,
	.sleep_millisecs		= 20,
	.max_page_sharing		= 256,
	.use_zero_pages			= 0,
	.merge_across_nodes		= 1,
	.smart_scan			= 1,
	.advisor_mode			= AETHER_DEDUPE_ADVISOR_NONE,
	.advisor_target_scan_time	= 200,
	.advisor_max_cpu		= 70,
	.advisor_min_pages_to_scan	= 500,
	.advisor_max_pages_to_scan	= 30000,
	.stable_node_chains_prune_millisecs = 2000,
};

/* Serialises the writers of adp_knobs: SET, parameter writes */
DEFINE_MUTEX(adp_knobs_lock);

/**
 * struct adp_knob - one tunable: where it is, its SET bit and its range
 * @name:	KSM's name, the module parameter's and debugfs's
 * @off:	offset in struct aether_dedupe_knobs
 * @bit:	AETHER_DEDUPE_SET_*
 * @min:	smallest value
 * @max:	largest value
 */
struct adp_knob {
	const char *name;
	size_t off;
	u32 bit;
	u32 min, max;
};

#define ADP_KNOB(field, setbit, lo, hi) {				\
	.name = #field,							\
	.off = offsetof(struct aether_dedupe_knobs, field),		\
	.bit = AETHER_DEDUPE_SET_##setbit,				\
	.min = lo,							\
	.max = hi,							\
}

static const struct adp_knob adp_knob_table[] = {
	ADP_KNOB(run, RUN, AETHER_DEDUPE_RUN_STOP, AETHER_DEDUPE_RUN_UNMERGE),
	ADP_KNOB(pages_to_scan, PAGES_TO_SCAN, 1, ADP_PAGES_MAX),
	ADP_KNOB(sleep_millisecs, SLEEP_MILLISECS, 0, ADP_MSECS_MAX),
	ADP_KNOB(max_page_sharing, MAX_PAGE_SHARING, 2, ADP_SHARING_MAX),
	ADP_KNOB(use_zero_pages, USE_ZERO_PAGES, 0, 1),
	ADP_KNOB(merge_across_nodes, MERGE_ACROSS_NODES, 0, 1),
	ADP_KNOB(smart_scan, SMART_SCAN, 0, 1),
	ADP_KNOB(advisor_mode, ADVISOR_MODE, AETHER_DEDUPE_ADVISOR_NONE,
		 AETHER_DEDUPE_ADVISOR_SCAN_TIME),
	ADP_KNOB(advisor_target_scan_time, ADVISOR_TARGET, 1, ADP_TARGET_MAX),
	ADP_KNOB(advisor_max_cpu, ADVISOR_MAX_CPU, 1, 100),
	ADP_KNOB(advisor_min_pages_to_scan, ADVISOR_MIN_PAGES, 1,
		 ADP_PAGES_MAX),
	ADP_KNOB(advisor_max_pages_to_scan, ADVISOR_MAX_PAGES, 1,
		 ADP_PAGES_MAX),
	ADP_KNOB(stable_node_chains_prune_millisecs, PRUNE_MILLISECS, 0,
		 ADP_MSECS_MAX),
};

static_assert(ARRAY_SIZE(adp_knob_table) == 13 &&
	      AETHER_DEDUPE_SET_ALL == (1U << 13) - 1);

static u32 *adp_knob_field(struct aether_dedupe_knobs *k,
			   const struct adp_knob *kn)
{
	return (u32 *)((char *)k + kn->off);
}

static u32 adp_knob_value(const struct aether_dedupe_knobs *k,
			  const struct adp_knob *kn)
{
	return *(const u32 *)((const char *)k + kn->off);
}

/**
 * adp_knobs_get() - a copy of the tunables as they are now
 * @k: receives them, @__reserved zero
 *
 * Each field is read once; no lock is taken, so a reader is never held
 * up by a SET that is unmerging everything.
 */
void adp_knobs_get(struct aether_dedupe_knobs *k)
{
	const struct adp_knob *kn;

	memset(k, 0, sizeof(*k));
	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++)
		*adp_knob_field(k, kn) = READ_ONCE(*adp_knob_field(&adp_knobs, kn));
}

/* @res: the tunables now with @k's fields of @mask written over them. */
static void adp_knobs_merge(const struct aether_dedupe_knobs *k, u32 mask,
			    struct aether_dedupe_knobs *res)
{
	const struct adp_knob *kn;

	adp_knobs_get(res);
	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++)
		if (mask & kn->bit)
			*adp_knob_field(res, kn) = adp_knob_value(k, kn);
}

/**
 * adp_knobs_check() - may @k's fields of @mask be set?
 * @k:		the values (fields outside @mask ignored)
 * @mask:	AETHER_DEDUPE_SET_*, at least one
 *
 * Checks the ranges of the UAPI header and the fields against each other
 * as they would stand after the change; does not look at whether pages
 * are merged (adp_knobs_set() does).
 *
 * Return: 0, or -EINVAL (an empty or unknown mask, a value out of range,
 * the advisor's floor above its ceiling, pages_to_scan while the advisor
 * sets it).
 */
int adp_knobs_check(const struct aether_dedupe_knobs *k, u32 mask)
{
	struct aether_dedupe_knobs res;
	const struct adp_knob *kn;
	u32 v;

	if (!mask || (mask & ~AETHER_DEDUPE_SET_ALL))
		return -EINVAL;
	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++) {
		if (!(mask & kn->bit))
			continue;
		v = adp_knob_value(k, kn);
		if (v < kn->min || v > kn->max)
			return -EINVAL;
	}
	adp_knobs_merge(k, mask, &res);
	if (res.advisor_min_pages_to_scan > res.advisor_max_pages_to_scan)
		return -EINVAL;
	if ((mask & AETHER_DEDUPE_SET_PAGES_TO_SCAN) &&
	    res.advisor_mode != AETHER_DEDUPE_ADVISOR_NONE)
		return -EINVAL;
	return 0;
}

/* Would @res change a field that shapes the trees? */
static bool adp_knobs_reshape(const struct aether_dedupe_knobs *res)
{
	lockdep_assert_held(&adp_knobs_lock);
	return res->max_page_sharing != adp_knobs.max_page_sharing ||
	       res->merge_across_nodes != adp_knobs.merge_across_nodes;
}

/* Write @res's fields of @mask, and what a new advisor_mode implies. */
static void adp_knobs_apply(const struct aether_dedupe_knobs *res, u32 mask)
{
	const struct adp_knob *kn;

	lockdep_assert_held(&adp_knobs_lock);
	if ((mask & AETHER_DEDUPE_SET_ADVISOR_MODE) &&
	    res->advisor_mode != adp_knobs.advisor_mode) {
		/* KSM's set_advisor_defaults() */
		WRITE_ONCE(adp_knobs.pages_to_scan,
			   res->advisor_mode == AETHER_DEDUPE_ADVISOR_NONE ?
			   ADP_PAGES_DEFAULT : res->advisor_min_pages_to_scan);
	}
	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++)
		if (mask & kn->bit)
			WRITE_ONCE(*adp_knob_field(&adp_knobs, kn),
				   adp_knob_value(res, kn));
}

/* run = 2: stop the scanner, unmerge everything, leave run at 0. */
static int adp_knobs_unmerge(void)
{
	int err;

	lockdep_assert_held(&adp_knobs_lock);
	WRITE_ONCE(adp_knobs.run, AETHER_DEDUPE_RUN_UNMERGE);
	err = adp_engine_unmerge_all();
	WRITE_ONCE(adp_knobs.run, AETHER_DEDUPE_RUN_STOP);
	return err;
}

/* Set @mask's fields of @k, all or nothing; @live: the engine is there. */
static int adp_knobs_set_locked(const struct aether_dedupe_knobs *k,
				u32 mask, bool live)
{
	struct aether_dedupe_knobs res;
	int err;

	lockdep_assert_held(&adp_knobs_lock);
	err = adp_knobs_check(k, mask);
	if (err)
		return err;
	adp_knobs_merge(k, mask, &res);
	if ((mask & AETHER_DEDUPE_SET_RUN) &&
	    res.run == AETHER_DEDUPE_RUN_UNMERGE) {
		if (live) {
			err = adp_knobs_unmerge();
			if (err)
				return err;
		}
		res.run = AETHER_DEDUPE_RUN_STOP;
	}
	if (live && adp_knobs_reshape(&res)) {
		/*
		 * No pass or range between the check and the write: nothing
		 * merges under the old shape once the new one is set, and
		 * the pass under way starts again with it.
		 */
		err = adp_engine_quiesce();
		if (err)
			return err;
		if (adp_engine_has_merged()) {
			adp_engine_resume(false);
			return -EBUSY;
		}
		adp_knobs_apply(&res, mask);
		adp_engine_resume(true);
	} else {
		adp_knobs_apply(&res, mask);
	}
	if (live)
		adp_engine_wake();
	return 0;
}

/**
 * adp_knobs_set() - set the tunables of @mask, all or nothing
 * @k:		the values (fields outside @mask ignored)
 * @mask:	AETHER_DEDUPE_SET_*, at least one
 *
 * run = AETHER_DEDUPE_RUN_UNMERGE unmerges every shared frame first and
 * leaves run at 0.  max_page_sharing and merge_across_nodes change only
 * while nothing is merged.  aether_ksmd is woken to see the new values.
 *
 * Context: process context, may sleep (for long with run = 2); takes
 * adp_knobs_lock.  The engine must be up (the ioctl, or a parameter of a
 * live module).
 * Return: 0; -EINVAL (adp_knobs_check()); -EBUSY, a field that shapes
 * the trees while pages are merged; -EINTR, a signal while unmerging,
 * -ENOMEM, no frame for a private copy, or -EIO, a shared frame poisoned
 * by a failed integrity check (its users keep it, every other page is
 * unmerged) (run 0, what was left merged still merged, nothing else set).
 */
int adp_knobs_set(const struct aether_dedupe_knobs *k, u32 mask)
{
	int err;

	mutex_lock(&adp_knobs_lock);
	err = adp_knobs_set_locked(k, mask, true);
	mutex_unlock(&adp_knobs_lock);
	return err;
}

/**
 * adp_knobs_show() - the tunables, one "name value" per line
 * @m: the seq_file of debugfs aether/dedupe/knobs
 */
void adp_knobs_show(struct seq_file *m)
{
	struct aether_dedupe_knobs k;
	const struct adp_knob *kn;

	adp_knobs_get(&k);
	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++)
		seq_printf(m, "%s %u\n", kn->name, adp_knob_value(&k, kn));
}

/* ---- module parameters, KSM's names ------------------------------------ */

static const struct adp_knob *adp_param_knob(const struct kernel_param *kp)
{
	size_t off = (char *)kp->arg - (char *)&adp_knobs;
	const struct adp_knob *kn;

	for (kn = adp_knob_table; kn < adp_knob_table + ARRAY_SIZE(adp_knob_table);
	     kn++)
		if (kn->off == off)
			return kn;
	return NULL;
}

/*
 * A write to /sys/module/aether_dedupe/parameters/<name>, or an insmod
 * argument: a number, or for advisor_mode KSM's words "none" and
 * "scan-time".  Through adp_knobs_set() once the module is live; before
 * (insmod) or after (unload), checked and stored only.
 */
static int adp_param_set(const char *val, const struct kernel_param *kp)
{
	const struct adp_knob *kn = adp_param_knob(kp);
	struct aether_dedupe_knobs k = {};
	bool live = THIS_MODULE->state == MODULE_STATE_LIVE;
	u32 v;
	int err;

	if (WARN_ON_ONCE(!kn))
		return -EINVAL;
	if (kn->bit == AETHER_DEDUPE_SET_ADVISOR_MODE && sysfs_streq(val, "none"))
		v = AETHER_DEDUPE_ADVISOR_NONE;
	else if (kn->bit == AETHER_DEDUPE_SET_ADVISOR_MODE &&
		 sysfs_streq(val, "scan-time"))
		v = AETHER_DEDUPE_ADVISOR_SCAN_TIME;
	else if (kstrtou32(val, 0, &v))
		return -EINVAL;
	*adp_knob_field(&k, kn) = v;
	mutex_lock(&adp_knobs_lock);
	err = adp_knobs_set_locked(&k, kn->bit, live);
	mutex_unlock(&adp_knobs_lock);
	return err;
}

static int adp_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(*(u32 *)kp->arg));
}

static const struct kernel_param_ops adp_param_ops = {
	.set = adp_param_set,
	.get = adp_param_get,
};

module_param_cb(run, &adp_param_ops, &adp_knobs.run, 0644);
MODULE_PARM_DESC(run,
		 "0: the scanner sleeps (default), 1: it merges, 2: unmerge everything and stop (KSM's run)");

module_param_cb(pages_to_scan, &adp_param_ops, &adp_knobs.pages_to_scan, 0644);
MODULE_PARM_DESC(pages_to_scan,
		 "Pages aether_ksmd visits per wake-up, 1..100000 (default 100); set by the advisor while advisor_mode is 1");

module_param_cb(sleep_millisecs, &adp_param_ops, &adp_knobs.sleep_millisecs, 0644);
MODULE_PARM_DESC(sleep_millisecs,
		 "Sleep between wake-ups of aether_ksmd, ms, 0..60000 (default 20)");

module_param_cb(max_page_sharing, &adp_param_ops, &adp_knobs.max_page_sharing, 0644);
MODULE_PARM_DESC(max_page_sharing,
		 "Users of one shared frame at most, 2..32768 (default 256); only while nothing is merged (else -EBUSY)");

module_param_cb(use_zero_pages, &adp_param_ops, &adp_knobs.use_zero_pages, 0644);
MODULE_PARM_DESC(use_zero_pages,
		 "1: zero-filled pages go to the zero page, the only sharing across trust domains (default 0)");

module_param_cb(merge_across_nodes, &adp_param_ops, &adp_knobs.merge_across_nodes, 0644);
MODULE_PARM_DESC(merge_across_nodes,
		 "1: one tree for every NUMA node (default); 0: per node, a frame never serves another node; only while nothing is merged");

module_param_cb(smart_scan, &adp_param_ops, &adp_knobs.smart_scan, 0644);
MODULE_PARM_DESC(smart_scan,
		 "1: a page that did not merge is skipped for 1, 2, 4, 8 passes (default, KSM's smart_scan); 0: every page every pass");

module_param_cb(advisor_mode, &adp_param_ops, &adp_knobs.advisor_mode, 0644);
MODULE_PARM_DESC(advisor_mode,
		 "0 (none): pages_to_scan as set (default); 1 (scan-time): pages_to_scan tuned to advisor_target_scan_time");

module_param_cb(advisor_target_scan_time, &adp_param_ops,
		&adp_knobs.advisor_target_scan_time, 0644);
MODULE_PARM_DESC(advisor_target_scan_time,
		 "Seconds a full scan should take under the advisor, 1..3600 (default 200)");

module_param_cb(advisor_max_cpu, &adp_param_ops, &adp_knobs.advisor_max_cpu, 0644);
MODULE_PARM_DESC(advisor_max_cpu,
		 "Percent of one CPU aether_ksmd may use under the advisor, 1..100 (default 70)");

module_param_cb(advisor_min_pages_to_scan, &adp_param_ops,
		&adp_knobs.advisor_min_pages_to_scan, 0644);
MODULE_PARM_DESC(advisor_min_pages_to_scan,
		 "The advisor's floor for pages_to_scan, 1..100000, at most its ceiling (default 500)");

module_param_cb(advisor_max_pages_to_scan, &adp_param_ops,
		&adp_knobs.advisor_max_pages_to_scan, 0644);
MODULE_PARM_DESC(advisor_max_pages_to_scan,
		 "The advisor's ceiling for pages_to_scan, its floor..100000 (default 30000)");

module_param_cb(stable_node_chains_prune_millisecs, &adp_param_ops,
		&adp_knobs.stable_node_chains_prune_millisecs, 0644);
MODULE_PARM_DESC(stable_node_chains_prune_millisecs,
		 "How often chains of shared frames are pruned, ms, 0..60000 (default 2000)");
