// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - the zram-compatible sysfs files of the devices and of the
 * control class
 *
 * DOC: Overview
 *
 * /sys/block/aether_zram<N>/ has the files of the kernel's zram under
 * the same names, modes and formats, so that a script written for zram
 * works by changing the device name:
 *
 *	disksize (rw)		bytes; a write takes K/M/G suffixes (memparse)
 *				and initialises the device: 0 -EINVAL, a
 *				second write -EBUSY
 *	initstate (ro)		1 once disksize is set
 *	reset (wo)		a non-zero number frees everything and
 *				returns to the defaults; 0 -EINVAL; -EBUSY
 *				while the disk is open
 *	comp_algorithm (rw)	"lz4 lz4hc [zstd] ": the algorithms this
 *				kernel has, the current one bracketed; a
 *				write of another -EBUSY once initialised,
 *				-EINVAL for an unknown name
 *	comp_level (rw)		ours: the level (the default resolved); a
 *				write -EINVAL out of the algorithm's range,
 *				-EBUSY once initialised
 *	algorithm_params (rw)	6.12 zram's "algo=zstd level=3 dict=/path"
 *				(also priority=0): dict only where the
 *				compressors take one, -EOPNOTSUPP elsewhere;
 *				ours, a read: "algo=zstd level=3 dict=none",
 *				dict= the loaded dictionary's bytes, "none",
 *				or "unsupported" on a kernel without zstd
 *				dictionaries (6.1)
 *	max_comp_streams (rw)	the compression streams (one per CPU); a
 *				write of a positive number is accepted and
 *				changes nothing, as in zram
 *	mem_limit (wo)		pool memory the store may use, K/M/G; 0 none
 *	mem_used_max (wo)	only 0: the peak restarts from now
 *	compact (wo)		compact the pool; -EINVAL before disksize
 *	mm_stat, io_stat,	zram's columns and widths; debug_stat's
 *	debug_stat (ro)		writestall is 0 (the store has no stalling
 *				second allocation pass)
 *	checksum (rw)		ours (csum.c): "[none] crc32c xxh64", the
 *				current kind bracketed; a write of a name
 *				-EINVAL for another word, -EBUSY once
 *				initialised
 *	checksum_errors (ro)	ours: loads that did not match their
 *				checksum (each an I/O error), since disksize
 *	dedupe (rw)		ours (dedup.c): 1 stores identical pages
 *				once; 0 (the default) does not; a write of
 *				another value -EINVAL, -EBUSY once
 *				initialised
 *	dedup_stat (0400)	ours: dup_pages (slots sharing an object
 *				beyond its first), bytes_saved, meta_bytes
 *				(the table's memory), entries, collisions
 *				(equal hash, other bytes); all 0 without
 *				dedupe
 *
 * and, of writeback.c (zram's CONFIG_ZRAM_WRITEBACK files):
 *
 *	idle (wo)		"all", or N: mark idle the stored pages not
 *				accessed for N seconds; -EINVAL before
 *				disksize or for other words
 *	backing_dev (rw)	the path of a block device (or "none"),
 *				opened exclusively; -EBUSY once initialised
 *	writeback (wo)		idle, huge, huge_idle, incompressible,
 *				page_index=N; -ENODEV without a backing
 *				device, -EIO when writeback_limit is spent
 *	writeback_limit (rw),	zram's budget of 4 KiB units and its switch
 *	writeback_limit_enable (rw)
 *	bd_stat (ro)		zram's three columns: blocks used, reads,
 *				writes, in 4 KiB units
 *
 * /sys/class/aether_zram-control/ has hot_add (0400: a read adds a device
 * and prints its id) and hot_remove (0200: the id of one to remove;
 * -ENODEV, -EBUSY).
 *
 * A file of a device is only there while the device is: removal takes
 * the disk down, which waits for the files in use, before freeing the
 * device.  So these take no azr_devices_lock, only the device's own
 * locks (dev.c).
 */

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kernel_read_file.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "dev.h"

/* The largest dictionary read for algorithm_params (comp.c's limit). */
#define AZR_DICT_MAX		SZ_1M
/* As zram: a longer algorithm name than its crypto API allows. */
#define AZR_ALGO_NAME_MAX	128

static struct azr_dev *azr_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t disksize_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	u64 size;

	down_read(&d->init_lock);
	size = d->disksize;
	up_read(&d->init_lock);
	return sysfs_emit(buf, "%llu\n", size);
}

static ssize_t disksize_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t len)
{
	char *end;
	u64 size = memparse(buf, &end);
	int err;

	if (end == buf)
		return -EINVAL;
	err = azr_dev_set_disksize(azr_of(dev), size);
	return err ? err : len;
}

static ssize_t initstate_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	unsigned int val;

	down_read(&d->init_lock);
	val = azr_dev_init_done(d);
	up_read(&d->init_lock);
	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	unsigned short val;
	int err;

	err = kstrtou16(buf, 10, &val);
	if (err)
		return err;
	if (!val)
		return -EINVAL;
	err = azr_dev_reset(azr_of(dev));
	return err ? err : len;
}

static ssize_t comp_algorithm_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	unsigned int algo;
	ssize_t n = 0;

	down_read(&d->init_lock);
	for (algo = 1; algo < AETHER_ZRAM_NR_ALGOS; algo++) {
		if (!azr_algo_available(algo))
			continue;
		n += sysfs_emit_at(buf, n, algo == d->algo ? "[%s] " : "%s ",
				   azr_algo_name(algo));
	}
	up_read(&d->init_lock);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static ssize_t comp_algorithm_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t len)
{
	char name[AZR_ALGO_NAME_MAX];
	int algo, err;

	if (strscpy(name, buf, sizeof(name)) < 0)
		return -E2BIG;
	strim(name);
	algo = azr_algo_parse(name);
	if (algo < 0)
		return -EINVAL;
	err = azr_dev_set_algo(azr_of(dev), algo, 0);
	return err ? err : len;
}

static ssize_t comp_level_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct aether_zram_dev_stats st = {};

	azr_dev_stats(azr_of(dev), &st);
	return sysfs_emit(buf, "%d\n", st.level);
}

static ssize_t comp_level_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t len)
{
	struct azr_dev *d = azr_of(dev);
	unsigned int algo;
	int level, err;

	err = kstrtoint(buf, 10, &level);
	if (err)
		return err;
	down_read(&d->init_lock);
	algo = d->algo;
	up_read(&d->init_lock);
	err = azr_dev_set_algo(d, algo, level);
	return err ? err : len;
}

/*
 * algorithm_params: "algo=NAME level=N dict=PATH priority=0", each
 * optional; a key left out is reset (no level: the default; no dict:
 * none), as in zram.
 */
struct azr_params {
	int level;
	const char *algo;
	const char *dict_path;
};

static int azr_params_parse(char *args, struct azr_params *p)
{
	char *key, *val;
	int prio, err;

	args = skip_spaces(args);
	while (*args) {
		args = next_arg(args, &key, &val);
		if (!val || !*val)
			return -EINVAL;
		if (!strcmp(key, "level")) {
			err = kstrtoint(val, 10, &p->level);
		} else if (!strcmp(key, "algo")) {
			p->algo = val;
			err = 0;
		} else if (!strcmp(key, "dict")) {
			p->dict_path = val;
			err = 0;
		} else if (!strcmp(key, "priority")) {
			/* Only the primary algorithm: no recompression. */
			err = kstrtoint(val, 10, &prio);
			if (!err && prio)
				err = -EINVAL;
		} else {
			err = -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Read and check the dictionary at @path for @algo at @level. */
static int azr_dict_load(const char *path, unsigned int algo, int level,
			 void **dict, size_t *len)
{
	struct azr_comp *comp;
	ssize_t n;

	if (!azr_dict_supported() || algo != AETHER_ZRAM_ALGO_ZSTD)
		return -EOPNOTSUPP;
	*dict = NULL;
	n = kernel_read_file_from_path(path, 0, dict, AZR_DICT_MAX, NULL,
				       READING_POLICY);
	if (n < 0)
		return n;
	if (!n) {
		vfree(*dict);
		return -EINVAL;
	}
	comp = azr_comp_create(algo, level, *dict, n);
	if (IS_ERR(comp)) {
		vfree(*dict);
		return PTR_ERR(comp);
	}
	azr_comp_destroy(comp);
	*len = n;
	return 0;
}

/*
 * What the next initialisation (or the current one) uses, in the words a
 * write takes, and whether this kernel's zstd takes a dictionary at all.
 */
static ssize_t algorithm_params_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	struct aether_zram_dev_stats st = {};
	size_t dict_len;
	ssize_t n;

	azr_dev_stats(d, &st);
	down_read(&d->init_lock);
	dict_len = d->dict ? d->dict_len : 0;
	n = sysfs_emit(buf, "algo=%s level=%d dict=", azr_algo_name(d->algo),
		       st.level);
	up_read(&d->init_lock);
	if (!azr_dict_supported())
		n += sysfs_emit_at(buf, n, "unsupported\n");
	else if (!dict_len)
		n += sysfs_emit_at(buf, n, "none\n");
	else
		n += sysfs_emit_at(buf, n, "%zu\n", dict_len);
	return n;
}

static ssize_t algorithm_params_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	struct azr_dev *d = azr_of(dev);
	struct azr_params p = {};
	void *dict = NULL;
	size_t dict_len = 0;
	unsigned int algo;
	char *args;
	int err;

	args = kstrndup(buf, len, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	err = azr_params_parse(args, &p);
	if (err)
		goto out;
	down_read(&d->init_lock);
	algo = d->algo;
	up_read(&d->init_lock);
	err = -EINVAL;
	if (p.algo && azr_algo_parse(p.algo) != algo)
		goto out;
	if (azr_level_check(algo, p.level) < 0)
		goto out;
	if (p.dict_path) {
		err = azr_dict_load(p.dict_path, algo, p.level, &dict,
				    &dict_len);
		if (err)
			goto out;
	}
	err = azr_dev_set_params(d, algo, p.level, dict, dict_len);
out:
	kfree(args);
	return err ? err : len;
}

static ssize_t max_comp_streams_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct aether_zram_dev_stats st = {};

	azr_dev_stats(azr_of(dev), &st);
	return sysfs_emit(buf, "%u\n", st.streams);
}

static ssize_t max_comp_streams_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	int val, err;

	err = kstrtoint(buf, 10, &val);
	if (err)
		return err;
	return val > 0 ? len : -EINVAL;
}

static ssize_t mem_limit_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t len)
{
	char *end;
	u64 limit = memparse(buf, &end);
	int err;

	if (end == buf)
		return -EINVAL;
	err = azr_dev_set_limit(azr_of(dev), limit);
	return err ? err : len;
}

static ssize_t mem_used_max_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t len)
{
	struct azr_dev *d = azr_of(dev);
	unsigned long val;
	int err;

	err = kstrtoul(buf, 10, &val);
	if (err || val)
		return -EINVAL;
	down_read(&d->init_lock);
	if (azr_dev_init_done(d))
		atomic_long_set(&d->max_used_pages, azr_dev_pool_pages(d));
	up_read(&d->init_lock);
	return len;
}

static ssize_t compact_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	long ret = azr_dev_compact(azr_of(dev));

	return ret < 0 ? ret : len;
}

static ssize_t mm_stat_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct aether_zram_dev_stats st = {};

	azr_dev_stats(azr_of(dev), &st);
	return sysfs_emit(buf,
			  "%8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
			  st.orig_data_size, st.compr_data_size,
			  st.mem_used_total, st.mem_limit, st.mem_used_max,
			  st.same_pages, st.pages_compacted, st.huge_pages,
			  st.huge_pages_since);
}

static ssize_t io_stat_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct aether_zram_dev_stats st = {};

	azr_dev_stats(azr_of(dev), &st);
	return sysfs_emit(buf, "%8llu %8llu %8llu %8llu\n",
			  st.failed_reads, st.failed_writes, st.invalid_io,
			  st.notify_free);
}

static ssize_t debug_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);

	return sysfs_emit(buf, "version: %d\n%8llu %8llu\n", 1, 0ULL,
			  (u64)atomic64_read(&d->store.miss_free));
}

static ssize_t checksum_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	unsigned int type;
	ssize_t n = 0;

	down_read(&d->init_lock);
	for (type = 0; type < AZR_NR_CSUMS; type++)
		n += sysfs_emit_at(buf, n, type == d->csum ? "[%s] " : "%s ",
				   azr_csum_name(type));
	up_read(&d->init_lock);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static ssize_t checksum_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t len)
{
	char name[AZR_ALGO_NAME_MAX];
	int type, err;

	if (strscpy(name, buf, sizeof(name)) < 0)
		return -EINVAL;
	type = azr_csum_parse(strim(name));
	if (type < 0)
		return type;
	err = azr_dev_set_csum(azr_of(dev), type);
	return err ? err : len;
}

static ssize_t checksum_errors_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);

	return sysfs_emit(buf, "%llu\n",
			  (u64)atomic64_read(&d->csum_errors));
}

static ssize_t dedupe_show(struct device *dev,
			   struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	bool on;

	down_read(&d->init_lock);
	on = d->dedupe;
	up_read(&d->init_lock);
	return sysfs_emit(buf, "%d\n", on);
}

static ssize_t dedupe_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	unsigned int val;
	int err;

	if (kstrtouint(buf, 10, &val) || val > 1)
		return -EINVAL;
	err = azr_dev_set_dedupe(azr_of(dev), val);
	return err ? err : len;
}

static ssize_t dedup_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_of(dev);
	struct azr_dedup_stats st = {};

	down_read(&d->init_lock);
	if (azr_dev_init_done(d))
		azr_dedup_stats(&d->store, &st);
	up_read(&d->init_lock);
	return sysfs_emit(buf, "%8llu %8llu %8llu %8llu %8llu\n",
			  st.dup_pages, st.saved_bytes, st.meta_bytes,
			  st.entries, st.collisions);
}

static DEVICE_ATTR_RW(disksize);
static DEVICE_ATTR_RO(initstate);
static DEVICE_ATTR_WO(reset);
static DEVICE_ATTR_RW(comp_algorithm);
static DEVICE_ATTR_RW(comp_level);
static DEVICE_ATTR_RW(algorithm_params);
static DEVICE_ATTR_RW(max_comp_streams);
static DEVICE_ATTR_WO(mem_limit);
static DEVICE_ATTR_WO(mem_used_max);
static DEVICE_ATTR_WO(compact);
static DEVICE_ATTR_RO(mm_stat);
static DEVICE_ATTR_RO(io_stat);
static DEVICE_ATTR_RO(debug_stat);
static DEVICE_ATTR_RW(checksum);
static DEVICE_ATTR_RO(checksum_errors);
static DEVICE_ATTR_RW(dedupe);
/* Root's: pages sharing, counted, tell of other writers' pages. */
static DEVICE_ATTR_ADMIN_RO(dedup_stat);

static struct attribute *azr_disk_attrs[] = {
	&dev_attr_disksize.attr,
	&dev_attr_initstate.attr,
	&dev_attr_reset.attr,
	&dev_attr_comp_algorithm.attr,
	&dev_attr_comp_level.attr,
	&dev_attr_algorithm_params.attr,
	&dev_attr_max_comp_streams.attr,
	&dev_attr_mem_limit.attr,
	&dev_attr_mem_used_max.attr,
	&dev_attr_compact.attr,
	&dev_attr_mm_stat.attr,
	&dev_attr_io_stat.attr,
	&dev_attr_debug_stat.attr,
	&dev_attr_checksum.attr,
	&dev_attr_checksum_errors.attr,
	&dev_attr_dedupe.attr,
	&dev_attr_dedup_stat.attr,
	NULL,
};

static const struct attribute_group azr_disk_group = {
	.attrs = azr_disk_attrs,
};

const struct attribute_group *azr_disk_groups[] = {
	&azr_disk_group,
	&azr_wb_group,
	&azr_recomp_group,
	&azr_adapt_group,
	NULL,
};

/* ---- the control class -------------------------------------------------- */

/*
 * Not a plain read-only file: reading it adds a device (zram's hot_add).
 * Root's alone, 0400.
 */
static ssize_t hot_add_show(AETHER_CLASS_CONST struct class *class,
			    AETHER_CLASS_CONST struct class_attribute *attr,
			    char *buf)
{
	const struct aether_zram_add cfg = { .size = sizeof(cfg) };
	int id = azr_dev_add(&cfg);

	if (id < 0)
		return id;
	return sysfs_emit(buf, "%d\n", id);
}

static struct class_attribute class_attr_hot_add =
	__ATTR(hot_add, 0400, hot_add_show, NULL);

static ssize_t hot_remove_store(AETHER_CLASS_CONST struct class *class,
				AETHER_CLASS_CONST struct class_attribute *attr,
				const char *buf, size_t count)
{
	int id, err;

	err = kstrtoint(buf, 10, &id);
	if (err)
		return err;
	if (id < 0)
		return -EINVAL;
	err = azr_dev_remove(id);
	return err ? err : count;
}
static CLASS_ATTR_WO(hot_remove);

static struct attribute *azr_control_class_attrs[] = {
	&class_attr_hot_add.attr,
	&class_attr_hot_remove.attr,
	NULL,
};
ATTRIBUTE_GROUPS(azr_control_class);

static struct class azr_control_class = {
	.name		= "aether_zram-control",
	AETHER_CLASS_OWNER
	.class_groups	= azr_control_class_groups,
};

/**
 * azr_sysfs_init() - /sys/class/aether_zram-control/
 *
 * Return: 0, or the error of class_register().
 */
int azr_sysfs_init(void)
{
	return class_register(&azr_control_class);
}

/**
 * azr_sysfs_exit() - remove it, waiting for its files in use
 */
void azr_sysfs_exit(void)
{
	class_unregister(&azr_control_class);
}
