// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/aether/qos/, the groups as cgroup's files
 *
 * DOC: Overview
 *
 * The "aether" directory is aether_mm's (aem_debugfs_root()); "qos" is
 * ours and stands for the root group; every other group is a directory
 * inside its parent's, under its name, so the tree reads as cgroup v2's
 * (aether/qos/user.1000/, aether/qos/web/frontend/).  In each, as cgroup
 * v2's memory controller prints them (bytes; "max" for no limit):
 *
 *	memory.current		usage, bytes
 *	memory.peak		the largest usage since it was made
 *	memory.min, memory.low, memory.high, memory.max	the limits
 *	memory.events		"low N", "high N", "max N", "oom N": in it and
 *				its descendants
 *	memory.events.local	the same, in it only
 *	memory.stat		pages charged and given back, charges refused,
 *				regions, members, class, effective min and low,
 *				the over-high sleeps (throttles, their sum and
 *				the longest, in us: throttle.c); resident,
 *				zswap and zswapped in bytes (memcg's: the
 *				frames, the store's bytes for the stored
 *				pages, and those pages; group.c); integrity
 *				(bytes) and integrity_copies: the copies the
 *				store keeps of its pages for repair;
 *				integrity_sums, the bytes of its regions'
 *				checksum records
 *	memory.zswap.current	zswap alone, bytes (memcg's file)
 *	memory.pressure		"some avg10=... total=..." (pressure.c)
 *
 * Group names are not secret (GET gives them to anyone holding the
 * device) but the files are root's (0400), as the rest of aether/.
 *
 * A directory is made when its group is (CREATE, under aqos_lock), or,
 * for a user's default group made inside the core's locks, by a work item
 * soon after; it is removed when the group is destroyed, before the
 * group can be freed (debugfs_remove() waits for a reader still in one of
 * its files).  The readers take no lock: the counters are atomics.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include <aether/mm.h>

#include "internal.h"

static struct dentry *aqos_dbg_root;

static void aqos_dbg_bytes(struct seq_file *m, unsigned long pages)
{
	if (pages >= AQOS_UNLIMITED)
		seq_puts(m, "max\n");
	else
		seq_printf(m, "%llu\n", (u64)pages << PAGE_SHIFT);
}

static unsigned long aqos_dbg_usage(struct aqos_group *g)
{
	return max(atomic_long_read(&g->usage), 0L);
}

static int aqos_dbg_current_show(struct seq_file *m, void *v)
{
	aqos_dbg_bytes(m, aqos_dbg_usage(m->private));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_current);

static int aqos_dbg_zswap_show(struct seq_file *m, void *v)
{
	struct aqos_group *g = m->private;

	seq_printf(m, "%ld\n", max(atomic_long_read(&g->zswap), 0L));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_zswap);

static int aqos_dbg_peak_show(struct seq_file *m, void *v)
{
	struct aqos_group *g = m->private;

	aqos_dbg_bytes(m, atomic_long_read(&g->peak));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_peak);

static int aqos_dbg_min_show(struct seq_file *m, void *v)
{
	aqos_dbg_bytes(m, READ_ONCE(((struct aqos_group *)m->private)->min));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_min);

static int aqos_dbg_low_show(struct seq_file *m, void *v)
{
	aqos_dbg_bytes(m, READ_ONCE(((struct aqos_group *)m->private)->low));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_low);

static int aqos_dbg_high_show(struct seq_file *m, void *v)
{
	aqos_dbg_bytes(m, READ_ONCE(((struct aqos_group *)m->private)->high));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_high);

static int aqos_dbg_max_show(struct seq_file *m, void *v)
{
	aqos_dbg_bytes(m, READ_ONCE(((struct aqos_group *)m->private)->max));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_max);

static const char *const aqos_event_names[AQOS_NR_EVENTS] = {
	[AQOS_EV_LOW] = "low",
	[AQOS_EV_HIGH] = "high",
	[AQOS_EV_MAX] = "max",
	[AQOS_EV_OOM] = "oom",
};

static void aqos_dbg_events(struct seq_file *m, atomic_long_t *ev)
{
	int i;

	for (i = 0; i < AQOS_NR_EVENTS; i++)
		seq_printf(m, "%s %ld\n", aqos_event_names[i],
			   atomic_long_read(&ev[i]));
}

static int aqos_dbg_events_show(struct seq_file *m, void *v)
{
	aqos_dbg_events(m, ((struct aqos_group *)m->private)->events);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_events);

static int aqos_dbg_events_local_show(struct seq_file *m, void *v)
{
	aqos_dbg_events(m, ((struct aqos_group *)m->private)->events_local);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_events_local);

static const char *const aqos_class_names[AETHER_QOS_NR_CLASSES] = {
	[AETHER_QOS_CLASS_NORMAL] = "normal",
	[AETHER_QOS_CLASS_BESTEFFORT] = "besteffort",
	[AETHER_QOS_CLASS_REALTIME] = "realtime",
};

static int aqos_dbg_stat_show(struct seq_file *m, void *v)
{
	struct aqos_group *g = m->private;
	unsigned long emin, elow;

	aqos_effective(g, &emin, &elow);
	seq_printf(m, "charged_pages %ld\n", atomic_long_read(&g->charged));
	seq_printf(m, "uncharged_pages %ld\n",
		   atomic_long_read(&g->uncharged));
	seq_printf(m, "refused %ld\n", atomic_long_read(&g->refused));
	seq_printf(m, "regions %ld\n", atomic_long_read(&g->nr_regions));
	seq_printf(m, "members %u\n", READ_ONCE(g->nr_members));
	seq_printf(m, "class %s\n", aqos_class_names[READ_ONCE(g->class)]);
	seq_printf(m, "effective_min %llu\n", (u64)emin << PAGE_SHIFT);
	seq_printf(m, "effective_low %llu\n", (u64)elow << PAGE_SHIFT);
	seq_printf(m, "throttles %ld\n", atomic_long_read(&g->throttles));
	seq_printf(m, "throttled_usec %ld\n",
		   atomic_long_read(&g->throttled_us));
	seq_printf(m, "throttle_max_usec %ld\n",
		   atomic_long_read(&g->throttle_max_us));
	seq_printf(m, "resident %llu\n", (u64)aqos_resident(g) << PAGE_SHIFT);
	seq_printf(m, "zswap %ld\n", max(atomic_long_read(&g->zswap), 0L));
	seq_printf(m, "zswapped %llu\n",
		   (u64)max(atomic_long_read(&g->zswapped), 0L) << PAGE_SHIFT);
	seq_printf(m, "integrity %ld\n", max(atomic_long_read(&g->integ), 0L));
	seq_printf(m, "integrity_copies %ld\n",
		   max(atomic_long_read(&g->integ_copies), 0L));
	seq_printf(m, "integrity_sums %ld\n",
		   max(atomic_long_read(&g->integ_sums), 0L));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_stat);

static int aqos_dbg_pressure_show(struct seq_file *m, void *v)
{
	aqos_psi_show(m, aqos_group_psi(m->private));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_dbg_pressure);

static void aqos_dbg_files(struct dentry *dir, struct aqos_group *g)
{
	debugfs_create_file("memory.pressure", 0400, dir, g,
			    &aqos_dbg_pressure_fops);
	debugfs_create_file("memory.current", 0400, dir, g,
			    &aqos_dbg_current_fops);
	debugfs_create_file("memory.peak", 0400, dir, g, &aqos_dbg_peak_fops);
	debugfs_create_file("memory.events", 0400, dir, g,
			    &aqos_dbg_events_fops);
	debugfs_create_file("memory.events.local", 0400, dir, g,
			    &aqos_dbg_events_local_fops);
	debugfs_create_file("memory.stat", 0400, dir, g, &aqos_dbg_stat_fops);
	debugfs_create_file("memory.zswap.current", 0400, dir, g,
			    &aqos_dbg_zswap_fops);
	if (!g->parent)
		return;		/* the root has no limits */
	debugfs_create_file("memory.min", 0400, dir, g, &aqos_dbg_min_fops);
	debugfs_create_file("memory.low", 0400, dir, g, &aqos_dbg_low_fops);
	debugfs_create_file("memory.high", 0400, dir, g, &aqos_dbg_high_fops);
	debugfs_create_file("memory.max", 0400, dir, g, &aqos_dbg_max_fops);
}

/**
 * aqos_debugfs_add - make @g's directory, in its parent's
 * @g: a live group whose parent has one
 *
 * Context: aqos_lock held.
 */
void aqos_debugfs_add(struct aqos_group *g)
{
	lockdep_assert_held(&aqos_lock);
	if (!aqos_dbg_root || g->debugfs || IS_ERR_OR_NULL(g->parent->debugfs))
		return;
	g->debugfs = debugfs_create_dir(g->name, g->parent->debugfs);
	aqos_dbg_files(g->debugfs, g);
}

/**
 * aqos_debugfs_remove - remove @g's directory (it has no children)
 * @g: a group being destroyed
 *
 * Context: aqos_lock held; waits for the readers of its files.
 */
void aqos_debugfs_remove(struct aqos_group *g)
{
	lockdep_assert_held(&aqos_lock);
	debugfs_remove_recursive(g->debugfs);
	g->debugfs = NULL;
}

/* Directories for the groups the policy made inside the core's locks. */
static void aqos_debugfs_work_fn(struct work_struct *work)
{
	struct aqos_group *g;
	unsigned long id = 0;

	mutex_lock(&aqos_lock);
	while ((g = aqos_groups_next(&id)))
		aqos_debugfs_add(g);
	mutex_unlock(&aqos_lock);
}

static DECLARE_WORK(aqos_debugfs_work, aqos_debugfs_work_fn);

/**
 * aqos_debugfs_queue - have the new groups' directories made soon
 *
 * Context: any.
 */
void aqos_debugfs_queue(void)
{
	schedule_work(&aqos_debugfs_work);
}

/**
 * aqos_debugfs_init - aether/qos/ with the root group's files
 *
 * Return: 0; debugfs failures are not errors (upstream policy).
 */
int aqos_debugfs_init(void)
{
	aqos_dbg_root = debugfs_create_dir("qos", aem_debugfs_root());
	aqos_root.debugfs = aqos_dbg_root;
	aqos_dbg_files(aqos_dbg_root, &aqos_root);
	return 0;
}

/* aether/qos/, for the firewall's directory (NULL without debugfs). */
struct dentry *aqos_debugfs_dir(void)
{
	return aqos_dbg_root;
}

/**
 * aqos_debugfs_exit - remove aether/qos/ and every group's directory
 *
 * Context: the policy table is gone (no new default group is made).
 */
void aqos_debugfs_exit(void)
{
	struct aqos_group *g;
	unsigned long id = 0;

	cancel_work_sync(&aqos_debugfs_work);
	mutex_lock(&aqos_lock);
	debugfs_remove_recursive(aqos_dbg_root);
	aqos_dbg_root = NULL;
	aqos_root.debugfs = NULL;
	while ((g = aqos_groups_next(&id)))
		g->debugfs = NULL;
	mutex_unlock(&aqos_lock);
}
