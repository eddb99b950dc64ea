// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/aether/dedupe/, the engine laid open
 *
 * DOC: Overview
 *
 * The "aether" directory is aether_mm's (aem_debugfs_root()), loaded
 * before us and unloaded after; "dedupe" is ours.  Every file is root's
 * (0400): the stable tree and the regions name other users' regions;
 * pair_selftest (0200, made only with selftest=1) runs a self-test on a
 * region of the writer's.
 *
 *	stats	every counter of struct aether_dedupe_counters (STATUS),
 *		one "name value" per line with KSM's names, as KSM's files
 *		under /sys/kernel/mm/ksm/, and the engine's own sizes
 *		(adp_engine_show_stats())
 *	knobs	the tunables, one "name value" per line, KSM's names
 *	stable	the stable tree: shared frames and chains
 *		(adp_engine_show_stable())
 *	regions	the mergeable regions and their figures
 *		(adp_engine_show_regions())
 *	pair_selftest
 *		write a region fd of the writer's (MERGEABLE, opened for
 *		writing, pages 0-2 resident, 0 and 2 alike, 1 not): the
 *		self-test of a pass's candidates and their hash check runs
 *		on those pages, writing none (engine_test.c); the write
 *		fails with its error, -EINVAL when a check failed (the
 *		kernel log says which)
 *
 * The files are created after the engine is up and removed before it
 * goes (main.c's ladder); debugfs waits for a reader still in one.
 * stable and regions wait for the engine interruptibly: a signal ends
 * the read with -EINTR rather than leave the reader in D state behind a
 * long REGION_DEDUPE (which lets them in between its chunks anyway).
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <aether/mm.h>

#include "internal.h"

static struct dentry *adp_dbg_root;

static int adp_dbg_stats_show(struct seq_file *m, void *v)
{
	adp_engine_show_stats(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(adp_dbg_stats);

static int adp_dbg_knobs_show(struct seq_file *m, void *v)
{
	adp_knobs_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(adp_dbg_knobs);

static int adp_dbg_stable_show(struct seq_file *m, void *v)
{
	return adp_engine_show_stable(m);
}
DEFINE_SHOW_ATTRIBUTE(adp_dbg_stable);

static int adp_dbg_regions_show(struct seq_file *m, void *v)
{
	return adp_engine_show_regions(m);
}
DEFINE_SHOW_ATTRIBUTE(adp_dbg_regions);

static ssize_t adp_dbg_pair_selftest_write(struct file *file,
					   const char __user *ubuf,
					   size_t len, loff_t *ppos)
{
	int fd, err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtoint_from_user(ubuf, len, 10, &fd);
	if (err)
		return err;
	err = adp_engine_pair_selftest(fd);
	return err ? err : len;
}

static const struct file_operations adp_dbg_pair_selftest_fops = {
	.owner = THIS_MODULE,
	.write = adp_dbg_pair_selftest_write,
	.llseek = noop_llseek,
};

/**
 * adp_debugfs_init() - create aether/dedupe/ and its files
 *
 * Return: 0; debugfs failures are not errors (upstream policy).
 */
int adp_debugfs_init(void)
{
	adp_dbg_root = debugfs_create_dir("dedupe", aem_debugfs_root());
	debugfs_create_file("stats", 0400, adp_dbg_root, NULL,
			    &adp_dbg_stats_fops);
	debugfs_create_file("knobs", 0400, adp_dbg_root, NULL,
			    &adp_dbg_knobs_fops);
	debugfs_create_file("stable", 0400, adp_dbg_root, NULL,
			    &adp_dbg_stable_fops);
	debugfs_create_file("regions", 0400, adp_dbg_root, NULL,
			    &adp_dbg_regions_fops);
	/* A test's entry point: only where the self-tests were asked for. */
	if (adp_selftest)
		debugfs_create_file("pair_selftest", 0200, adp_dbg_root, NULL,
				    &adp_dbg_pair_selftest_fops);
	return 0;
}

/**
 * adp_debugfs_exit() - remove aether/dedupe/, waiting for its readers
 */
void adp_debugfs_exit(void)
{
	debugfs_remove_recursive(adp_dbg_root);
	adp_dbg_root = NULL;
}
