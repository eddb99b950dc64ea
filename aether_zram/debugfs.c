// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/aether/zram/, the stores laid open
 *
 * DOC: Overview
 *
 * The "aether" directory is aether_mm's (aem_debugfs_root()), loaded
 * before us and unloaded after; "zram" is ours, and other parts of the
 * module (the region store backend) add theirs under azr_debugfs_dir().
 * Each device has a directory of its disk's name while it exists:
 *
 *	aether_zram<N>/classes	the size classes of its pool, as zsmalloc's
 *				classes file (azs_show_classes())
 *	aether_zram<N>/stats	configuration and every counter, one
 *				"name value" per line, dedup_stat's too
 *	aether_zram<N>/block_state  zram's file: a line per stored page,
 *				"index seconds.microseconds flags" (its last
 *				access, boot time) with the flags s (same-
 *				filled), w (written back), h (huge), i (idle),
 *				n (incompressible), '.' for each one not set
 *	aether_zram<N>/corrupt	root's, write-only: a slot index; the page
 *				that slot holds is stored again with a byte
 *				flipped under its old checksum
 *				(azr_dev_corrupt()), so that a test proves
 *				that the checksum catches it; -ENOENT for an
 *				empty slot, -EINVAL past the disk
 *
 * Both read the device under its init_lock; before disksize is set the
 * classes file says so and the store counters are absent.  A device's
 * directory is removed before the device is freed, and debugfs waits for
 * a reader still in it.
 */

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <aether/mm.h>

#include "dev.h"

static struct dentry *azr_dbg_root;

static int azr_dbg_classes_show(struct seq_file *m, void *v)
{
	struct azr_dev *d = m->private;
	int ret = 0;

	down_read(&d->init_lock);
	if (azr_dev_init_done(d))
		ret = azs_show_classes(m, d->store.pool);
	else
		seq_puts(m, "not initialised (no disksize)\n");
	up_read(&d->init_lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(azr_dbg_classes);

/* dedup_stat's figures, one a line (dedup.c); init_lock held. */
static void azr_dbg_dedup(struct seq_file *m, struct azr_dev *d)
{
	struct azr_dedup_stats ds;

	lockdep_assert_held(&d->init_lock);
	azr_dedup_stats(&d->store, &ds);
	seq_printf(m, "dup_pages %llu\ndedup_saved_bytes %llu\ndedup_meta_bytes %llu\ndedup_entries %llu\ndedup_collisions %llu\n",
		   ds.dup_pages, ds.saved_bytes, ds.meta_bytes, ds.entries,
		   ds.collisions);
}

static int azr_dbg_stats_show(struct seq_file *m, void *v)
{
	struct azr_dev *d = m->private;
	struct aether_zram_dev_stats st = {};
	struct azs_stats ps = {};

	azr_dev_stats(d, &st);
	seq_printf(m, "initstate %u\nalgorithm %s\nlevel %d\nstreams %u\n",
		   st.initstate, azr_algo_name(st.algo), st.level, st.streams);
	seq_printf(m, "disksize %llu\norig_data_size %llu\ncompr_data_size %llu\n",
		   st.disksize, st.orig_data_size, st.compr_data_size);
	seq_printf(m, "mem_used_total %llu\nmem_limit %llu\nmem_used_max %llu\n",
		   st.mem_used_total, st.mem_limit, st.mem_used_max);
	seq_printf(m, "same_pages %llu\npages_compacted %llu\nhuge_pages %llu\nhuge_pages_since %llu\n",
		   st.same_pages, st.pages_compacted, st.huge_pages,
		   st.huge_pages_since);
	seq_printf(m, "failed_reads %llu\nfailed_writes %llu\ninvalid_io %llu\nnotify_free %llu\n",
		   st.failed_reads, st.failed_writes, st.invalid_io,
		   st.notify_free);
	down_read(&d->init_lock);
	seq_printf(m, "checksum %s\nchecksum_errors %lld\n",
		   azr_csum_name(d->csum),
		   (s64)atomic64_read(&d->csum_errors));
	seq_printf(m, "dedupe %d\n", d->dedupe);
	if (azr_dev_init_done(d)) {
		azs_get_stats(d->store.pool, &ps);
		seq_printf(m, "miss_free %lld\npool_objects %lu\npool_huge_objects %lu\n",
			   (s64)atomic64_read(&d->store.miss_free),
			   ps.objects, ps.huge_objects);
		azr_dbg_dedup(m, d);
	}
	up_read(&d->init_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(azr_dbg_stats);

/*
 * block_state walks the slots with init_lock held from ->start() to
 * ->stop() (seq_file allows a sleeping lock there); the position is the
 * slot's index, and a free slot prints nothing.
 */
static void *azr_dbg_bs_start(struct seq_file *m, loff_t *pos)
{
	struct azr_dev *d = m->private;

	down_read(&d->init_lock);
	if (!azr_dev_init_done(d) || *pos >= (d->disksize >> PAGE_SHIFT))
		return NULL;
	return pos;
}

static void *azr_dbg_bs_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct azr_dev *d = m->private;

	++*pos;
	return *pos < (d->disksize >> PAGE_SHIFT) ? pos : NULL;
}

static void azr_dbg_bs_stop(struct seq_file *m, void *v)
{
	struct azr_dev *d = m->private;

	up_read(&d->init_lock);
}

static int azr_dbg_bs_show(struct seq_file *m, void *v)
{
	struct azr_dev *d = m->private;
	u32 index = *(loff_t *)v;
	struct azr_slot *slot = &d->table[index];
	struct timespec64 ts;
	bool wb;

	azr_slot_lock(d, index);
	if (!test_bit(AZR_SLOT_USED, &slot->flags))
		goto out;
	wb = test_bit(AZR_SLOT_WB, &slot->flags);
	ts = ktime_to_timespec64(slot->ac_time);
	seq_printf(m, "%12u %12lld.%06lu %c%c%c%c%c\n", index,
		   (s64)ts.tv_sec, ts.tv_nsec / NSEC_PER_USEC,
		   !wb && (slot->e.flags & AZR_E_SAME) ? 's' : '.',
		   wb ? 'w' : '.',
		   !wb && (slot->e.flags & AZR_E_HUGE) ? 'h' : '.',
		   test_bit(AZR_SLOT_IDLE, &slot->flags) ? 'i' : '.',
		   !wb && (slot->e.flags & AZR_E_INCOMP) ? 'n' : '.');
out:
	azr_slot_unlock(d, index);
	cond_resched();
	return 0;
}

static const struct seq_operations azr_dbg_bs_sops = {
	.start	= azr_dbg_bs_start,
	.next	= azr_dbg_bs_next,
	.stop	= azr_dbg_bs_stop,
	.show	= azr_dbg_bs_show,
};

static int azr_dbg_bs_open(struct inode *inode, struct file *file)
{
	int err = seq_open(file, &azr_dbg_bs_sops);

	if (!err)
		((struct seq_file *)file->private_data)->private =
			inode->i_private;
	return err;
}

static const struct file_operations azr_dbg_bs_fops = {
	.owner		= THIS_MODULE,
	.open		= azr_dbg_bs_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= seq_release,
};

static ssize_t azr_dbg_corrupt_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct azr_dev *d = file->private_data;
	u32 index;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtou32_from_user(ubuf, len, 0, &index);
	if (err)
		return err;
	err = azr_dev_corrupt(d, index);
	return err ? err : len;
}

static const struct file_operations azr_dbg_corrupt_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= azr_dbg_corrupt_write,
	.llseek		= noop_llseek,
};

/**
 * azr_debugfs_dev_add() - aether/zram/<disk name>/ of @d
 * @d:	a device just added
 */
void azr_debugfs_dev_add(struct azr_dev *d)
{
	d->debugfs = debugfs_create_dir(d->disk->disk_name, azr_dbg_root);
	debugfs_create_file("classes", 0400, d->debugfs, d,
			    &azr_dbg_classes_fops);
	debugfs_create_file("stats", 0400, d->debugfs, d,
			    &azr_dbg_stats_fops);
	debugfs_create_file("block_state", 0400, d->debugfs, d,
			    &azr_dbg_bs_fops);
	debugfs_create_file("corrupt", 0200, d->debugfs, d,
			    &azr_dbg_corrupt_fops);
}

/**
 * azr_debugfs_dev_del() - remove it, waiting for its readers
 * @d:	a device being removed
 */
void azr_debugfs_dev_del(struct azr_dev *d)
{
	debugfs_remove_recursive(d->debugfs);
	d->debugfs = NULL;
}

/**
 * azr_debugfs_dir() - aether/zram/, for the parts of the module
 *
 * Return: the directory (an error pointer where debugfs is absent, which
 * the debugfs calls accept as a parent).
 */
struct dentry *azr_debugfs_dir(void)
{
	return azr_dbg_root;
}

/**
 * azr_debugfs_init() - create aether/zram/
 *
 * Return: 0; debugfs failures are not errors (upstream policy).
 */
int azr_debugfs_init(void)
{
	azr_dbg_root = debugfs_create_dir("zram", aem_debugfs_root());
	return 0;
}

/**
 * azr_debugfs_exit() - remove aether/zram/ and what is left under it
 */
void azr_debugfs_exit(void)
{
	debugfs_remove_recursive(azr_dbg_root);
	azr_dbg_root = NULL;
}
