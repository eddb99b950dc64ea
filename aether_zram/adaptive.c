// SPDX-License-Identifier: GPL-2.0
/*
 * adaptive.c - adaptive compression: the level follows memory pressure
 *
 * DOC: Overview
 *
 * A device in adaptive mode stores each new page with the compressor
 * the pressure of the moment asks for: the fast one while there is room,
 * stronger ones as room runs out, and a background pass stores the pages
 * that went idle again with the strongest.  The writer pays for strong
 * compression only when memory is short; the memory of what stays cold
 * comes back later, off the write path.
 *
 *	adaptive (rw)		0 or 1; set before disksize (-EBUSY after)
 *	adaptive_policy (rw)	the policy: a line per row,
 *				"pressure_pct algo level", by rising
 *				pressure, the first at 0, at most
 *				AZR_ADAPT_ROWS rows, pressure up to 100; a
 *				write replaces it (-EINVAL for a bad line,
 *				-EBUSY once initialised)
 *	adaptive_stat (ro)	a line per row, "pressure_pct algo level
 *				decisions" (pages it stored), then
 *				"pressure N", "pool_pressure N", "passes N",
 *				"strong N" (pages the background pass
 *				stored anew with the last row) and
 *				"looked N" (slots the passes looked at)
 *
 * Pressure, in percent, is the larger of the device's (pool pages it
 * holds against its mem_limit; 0 without a limit) and aether_mm's pool's
 * (azr_adapt_pool_pressure(): 0 while fewer than three quarters of the
 * pages the pool may grow to are in use, the chunk limits of its nodes
 * in include/aether/mm.h's aem_get_pool_info(), then rising to 100 when
 * all are), the second sampled by each background pass, not on the
 * write path, and only with the module parameter adaptive_pool_pressure.
 * A write takes the last row whose pressure_pct the pressure has
 * reached: the device's part is two reads of counters, the cost of
 * adaptive on the write path.
 *
 * Who moves the pool's pressure (review finding 14).  Any member of the
 * group aether can take pool pages, and so raise the pool's pressure,
 * which moves every adaptive device (and the region store, with
 * store_adaptive) to stronger, costlier rows.  So the pool's pressure
 * counts only once the pool is really short: below the knee
 * (AZR_ADAPT_POOL_KNEE, 75 % of what it may grow to) it grows before it
 * reclaims and its pressure is 0, and a user must hold more than that
 * (their QoS group's max, aether_mm's user_max_pages) to move it alone;
 * past it, reclaim runs anyway and stronger compression is what gives
 * the pool back its pages.  An administrator who wants a device to
 * follow its own mem_limit only sets adaptive_pool_pressure to 0.
 *
 * The policy's parser, its default, the choice of a row and the pool's
 * sampling are shared with the region store's adaptive mode
 * (store_adaptive.c).
 *
 * Each row has its own compressor in the store (@comps[AZR_ADAPT_COMP0
 * + row], made at disksize), so that a page names the row that wrote it
 * (AZR_E_COMP_MASK) and is read with it.
 *
 * The background pass (a delayed work every adaptive_interval_ms; 0
 * none) is recompression's walk (recomp.c, azr_recomp_run()) over the
 * idle pages (flagged by "idle", or not accessed for adaptive_idle_secs
 * when it is not 0), with the last row's compressor alone.  A pass looks
 * at adaptive_batch slots, from where the last one stopped, round the
 * device, a chunk of AZR_ADAPT_CHUNK under each hold of init_lock (so a
 * writer of it waits for a chunk, not for a pass); a device much larger
 * than the batch is gone round in several passes, and a pass costs the
 * batch whatever the device's size.  A page it could not shrink is marked
 * (AZR_SLOT_TRIED_STRONG) and not tried again until it is written.  A
 * pass that finds a recompression running skips its turn.
 *
 * Lock order (internal.h): the pass takes init_lock (2) for read and
 * recomp.c's locks under it; teardown cancels the work before it takes
 * init_lock for write, and the work is only queued while initialised.
 */

#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <aether/mm.h>

#include "dev.h"

static unsigned int adaptive_interval_ms = 1000;
static unsigned int adaptive_batch = 4096;
static unsigned int adaptive_idle_secs;
static bool adaptive_pool_pressure = true;

static void azr_adapt_work(struct work_struct *work);

/* ---- the policy --------------------------------------------------------- */

/**
 * azr_adapt_policy_default() - the default policy: lz4 while there is
 *				room, then zstd (lz4hc without it) at rising
 *				levels
 * @rows:	AZR_ADAPT_ROWS rows, filled
 *
 * Return: the number of rows filled.
 */
unsigned int azr_adapt_policy_default(struct azr_adapt_row *rows)
{
	static const unsigned int pressure[AZR_ADAPT_ROWS] = { 0, 50, 75, 90 };
	static const int zstd[AZR_ADAPT_ROWS] = { 0, 1, 3, 9 };
	static const int lz4hc[AZR_ADAPT_ROWS] = { 0, 4, 9, 12 };
	bool has_zstd = azr_algo_available(AETHER_ZRAM_ALGO_ZSTD);
	unsigned int i;

	for (i = 0; i < AZR_ADAPT_ROWS; i++) {
		rows[i].pressure = pressure[i];
		rows[i].algo = !i ? AETHER_ZRAM_ALGO_LZ4 : has_zstd ?
			       AETHER_ZRAM_ALGO_ZSTD : AETHER_ZRAM_ALGO_LZ4HC;
		rows[i].level = !i ? 0 : has_zstd ? zstd[i] : lz4hc[i];
	}
	return AZR_ADAPT_ROWS;
}

static void azr_adapt_default(struct azr_recomp *rc)
{
	rc->nr_rows = azr_adapt_policy_default(rc->rows);
}

/**
 * azr_adapt_dev_init() - adaptive state of a new device: off, the default
 *			  policy
 * @d:	the device, zeroed
 */
void azr_adapt_dev_init(struct azr_dev *d)
{
	INIT_DELAYED_WORK(&d->rc.work, azr_adapt_work);
	azr_adapt_default(&d->rc);
}

/**
 * azr_adapt_reset() - back to azr_adapt_dev_init()'s state
 * @d:	the device, init_lock held for write, its store freed
 */
void azr_adapt_reset(struct azr_dev *d)
{
	struct azr_recomp *rc = &d->rc;
	unsigned int i;

	lockdep_assert_held_write(&d->init_lock);
	rc->adaptive = false;
	azr_adapt_default(rc);
	for (i = 0; i < AZR_ADAPT_ROWS; i++)
		atomic64_set(&rc->decisions[i], 0);
	atomic64_set(&rc->strong, 0);
	atomic64_set(&rc->passes, 0);
	atomic64_set(&rc->looked, 0);
	rc->cursor = 0;
	atomic_set(&rc->pool_pressure, 0);
}

/**
 * azr_adapt_setup() - the compressors of the policy's rows in @d's new
 *		       store
 * @d:	a device being initialised, init_lock held for write, its store
 *	made
 *
 * Return: 0, or the error of making a compressor; the caller destroys
 * the store, and with it those made.
 */
int azr_adapt_setup(struct azr_dev *d)
{
	struct azr_recomp *rc = &d->rc;
	unsigned int i;

	lockdep_assert_held_write(&d->init_lock);
	if (!rc->adaptive)
		return 0;
	for (i = 0; i < rc->nr_rows; i++) {
		struct azr_comp *comp;

		comp = azr_comp_create(rc->rows[i].algo, rc->rows[i].level,
				       NULL, 0);
		if (IS_ERR(comp))
			return PTR_ERR(comp);
		d->store.comps[AZR_ADAPT_COMP0 + i] = comp;
	}
	return 0;
}

/**
 * azr_adapt_row_of() - the row a page goes in with at @pressure
 * @rows:	a policy, by rising pressure, the first at 0
 * @nr:		its rows, at least 1
 * @pressure:	percent
 *
 * Return: the last row whose pressure @pressure has reached.
 */
unsigned int azr_adapt_row_of(const struct azr_adapt_row *rows,
			      unsigned int nr, unsigned int pressure)
{
	unsigned int row;

	for (row = nr - 1; row; row--)
		if (pressure >= rows[row].pressure)
			break;
	return row;
}

/*
 * The pool's pressure only counts in its last quarter: while fewer than
 * AZR_ADAPT_POOL_KNEE percent of the pages it may grow to are in use, it
 * has room (it grows before it reclaims) and its pressure is 0; from
 * there it rises linearly to 100 when every page is in use.  So that a
 * user who fills a part of the pool (up to their QoS group's max or
 * aether_mm's user_max_pages) does not move every adaptive device and
 * the region store to their stronger rows: only a pool that is really
 * short does (review finding 14).  The knee is the pool's, not a user's:
 * with others holding a quarter of the pool, one user within the default
 * user_max_pages (half of it) moves the pressure from 0 to 100 (README).
 */
#define AZR_ADAPT_POOL_KNEE	75

static DEFINE_MUTEX(azr_adapt_sample_lock);	/* azr_adapt_sample_info */
static struct aether_mm_pool_info azr_adapt_sample_info;

/**
 * azr_adapt_pool_pressure() - aether_mm's pool's pressure, percent
 * @wait:	wait for another sampler; else -EBUSY while one samples
 *
 * A sample reads the pool's counters (aem_get_pool_info()) into one
 * buffer, allocating nothing, so that the region store may sample from
 * inside a failing pool allocation (with @wait false: it never waits).
 *
 * Return: 0..100 (see AZR_ADAPT_POOL_KNEE), or -EBUSY.
 */
int azr_adapt_pool_pressure(bool wait)
{
	struct aether_mm_pool_info *info = &azr_adapt_sample_info;
	u64 cap = 0, used, knee;
	unsigned int n;

	if (!wait && !mutex_trylock(&azr_adapt_sample_lock))
		return -EBUSY;
	if (wait)
		mutex_lock(&azr_adapt_sample_lock);
	info->size = sizeof(*info);
	aem_get_pool_info(info);
	for (n = 0; n < info->nr_nodes && n < AETHER_MM_MAX_NODES; n++)
		cap += info->node_chunks_max[n] << info->chunk_order;
	cap = max(cap, info->pages_total);
	used = info->pages_total - min(info->pages_total, info->pages_free);
	mutex_unlock(&azr_adapt_sample_lock);
	knee = div_u64(cap * AZR_ADAPT_POOL_KNEE, 100);
	if (!cap || used <= knee)
		return 0;
	return min_t(u64, 100, div64_u64((used - knee) * 100, cap - knee));
}

/* The device's pressure, percent; init_lock held. */
static unsigned int azr_adapt_pressure(struct azr_dev *d)
{
	unsigned int pool = atomic_read(&d->rc.pool_pressure), dev = 0;
	unsigned long limit = d->limit_pages;

	if (limit)
		dev = min_t(u64, 100, (u64)azr_dev_pool_pages(d) * 100 / limit);
	return max(dev, pool);
}

/**
 * azr_adapt_pick() - the compressor a new page of @d goes in with
 * @d:	an initialised device, init_lock held
 *
 * Counts the decision.
 *
 * Return: 0 (the store's own) unless @d is adaptive, else the
 * compressor of the last row the pressure has reached.
 */
unsigned int azr_adapt_pick(struct azr_dev *d)
{
	struct azr_recomp *rc = &d->rc;
	unsigned int pressure, row;

	if (!rc->adaptive)
		return 0;
	pressure = azr_adapt_pressure(d);
	row = azr_adapt_row_of(rc->rows, rc->nr_rows, pressure);
	atomic64_inc(&rc->decisions[row]);
	return AZR_ADAPT_COMP0 + row;
}

/* ---- the background pass ------------------------------------------------ */

static void azr_adapt_queue(struct azr_dev *d)
{
	unsigned int ms = READ_ONCE(adaptive_interval_ms);

	if (ms)
		queue_delayed_work(system_unbound_wq, &d->rc.work,
				   msecs_to_jiffies(ms));
}

/* Slots a background pass looks at under one hold of init_lock. */
#define AZR_ADAPT_CHUNK		256

/*
 * One background pass: adaptive_batch slots looked at, from where the
 * last pass stopped (@rc->cursor), AZR_ADAPT_CHUNK at a time, init_lock
 * taken for read for each chunk alone, so that a writer of init_lock (a
 * mem_limit write, reset) waits for one chunk, not for the pass.
 */
static void azr_adapt_work(struct work_struct *work)
{
	struct azr_dev *d = container_of(to_delayed_work(work),
					 struct azr_dev, rc.work);
	unsigned int secs = READ_ONCE(adaptive_idle_secs);
	u32 left = max(READ_ONCE(adaptive_batch), 1U);
	struct azr_recomp *rc = &d->rc;
	struct azr_rc_req req = {
		.mode = AZR_RC_IDLE,
		.strong = true,
	};
	bool ran = false;
	long ret = 0;

	atomic_set(&rc->pool_pressure, READ_ONCE(adaptive_pool_pressure) ?
		   azr_adapt_pool_pressure(true) : 0);
	if (secs)
		req.cutoff = ktime_sub(ktime_get_boottime(),
				       ktime_set(secs, 0));
	while (left) {
		down_read(&d->init_lock);
		if (!azr_dev_init_done(d) || !rc->adaptive) {
			up_read(&d->init_lock);
			break;
		}
		/* A slot once a pass, however large the batch. */
		if (!ran)
			left = min_t(u32, left, d->disksize >> PAGE_SHIFT);
		req.strong_idx = AZR_ADAPT_COMP0 + rc->nr_rows - 1;
		req.start = rc->cursor;
		req.max_looked = min_t(u32, left, AZR_ADAPT_CHUNK);
		req.max_pages = req.max_looked;
		req.looked = 0;
		ret = azr_recomp_run(d, &req);
		if (ret >= 0) {
			rc->cursor = req.next;
			atomic64_add(req.looked, &rc->looked);
			ran = true;
		}
		up_read(&d->init_lock);
		if (ret > 0)
			atomic64_add(ret, &rc->strong);
		/* A whole walk is done: every slot was looked at. */
		if (ret < 0 || req.looked < req.max_looked)
			break;
		left -= req.looked;
		cond_resched();
	}
	if (ran)
		atomic64_inc(&rc->passes);
	azr_adapt_queue(d);
}

/**
 * azr_adapt_start() - start @d's background pass, if it is adaptive
 * @d:	a device just initialised, init_lock held for write
 */
void azr_adapt_start(struct azr_dev *d)
{
	lockdep_assert_held_write(&d->init_lock);
	if (d->rc.adaptive)
		azr_adapt_queue(d);
}

/**
 * azr_adapt_stop() - stop it and wait for a pass under way
 * @d:	the device, init_lock not held (a pass takes it)
 */
void azr_adapt_stop(struct azr_dev *d)
{
	cancel_delayed_work_sync(&d->rc.work);
}

/* ---- sysfs -------------------------------------------------------------- */

static struct azr_dev *azr_adapt_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t adaptive_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_adapt_of(dev);
	bool on;

	down_read(&d->init_lock);
	on = d->rc.adaptive;
	up_read(&d->init_lock);
	return sysfs_emit(buf, "%d\n", on);
}

static ssize_t adaptive_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct azr_dev *d = azr_adapt_of(dev);
	bool on;
	int err;

	err = kstrtobool(buf, &on);
	if (err)
		return err;
	down_write(&d->init_lock);
	if (azr_dev_init_done(d))
		err = -EBUSY;
	else
		d->rc.adaptive = on;
	up_write(&d->init_lock);
	return err ? err : len;
}

static ssize_t adaptive_policy_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_adapt_of(dev);
	struct azr_recomp *rc = &d->rc;
	unsigned int i;
	ssize_t n = 0;

	down_read(&d->init_lock);
	for (i = 0; i < rc->nr_rows; i++)
		n += sysfs_emit_at(buf, n, "%u %s %d\n", rc->rows[i].pressure,
				   azr_algo_name(rc->rows[i].algo),
				   azr_level_check(rc->rows[i].algo,
						   rc->rows[i].level));
	up_read(&d->init_lock);
	return n;
}

/*
 * One line "pressure_pct algo level" into @row, after @prev (or NULL);
 * @line is cut into its words.  kstrto*() refuse a number out of its
 * type's range, where sscanf() would wrap it.
 */
static int azr_adapt_parse_row(char *line, struct azr_adapt_row *row,
			       const struct azr_adapt_row *prev)
{
	char *word[3], *cur = line, *w;
	unsigned int n = 0;
	int algo;

	while ((w = strsep(&cur, " \t")) != NULL) {
		if (!*w)
			continue;
		if (n == ARRAY_SIZE(word))
			return -EINVAL;
		word[n++] = w;
	}
	if (n != ARRAY_SIZE(word) || kstrtouint(word[0], 10, &row->pressure) ||
	    kstrtoint(word[2], 10, &row->level))
		return -EINVAL;
	algo = azr_algo_parse(word[1]);
	if (algo <= 0 || !azr_algo_available(algo) ||
	    azr_level_check(algo, row->level) < 0 || row->pressure > 100)
		return -EINVAL;
	row->algo = algo;
	if (prev ? row->pressure <= prev->pressure : row->pressure != 0)
		return -EINVAL;
	return 0;
}

/**
 * azr_adapt_policy_parse() - a policy as a person writes it
 * @buf:	lines "pressure_pct algo level" (or separated by ';'), by
 *		rising pressure, the first at 0; empty lines are skipped
 * @len:	its length
 * @rows:	AZR_ADAPT_ROWS rows, filled
 *
 * Context: process context, GFP_KERNEL.
 *
 * Return: the number of rows (1..AZR_ADAPT_ROWS), -EINVAL for a bad
 * line, a pressure not above the row before's, too many rows or none,
 * or -ENOMEM.
 */
int azr_adapt_policy_parse(const char *buf, size_t len,
			   struct azr_adapt_row *rows)
{
	char *args, *cur, *line;
	unsigned int nr = 0;
	int err = 0;

	args = kstrndup(buf, len, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	cur = args;
	while ((line = strsep(&cur, "\n;")) != NULL) {
		if (!*skip_spaces(line))
			continue;
		if (nr == AZR_ADAPT_ROWS) {
			err = -EINVAL;
			break;
		}
		err = azr_adapt_parse_row(line, &rows[nr],
					  nr ? &rows[nr - 1] : NULL);
		if (err)
			break;
		nr++;
	}
	kfree(args);
	if (!err && !nr)
		err = -EINVAL;
	return err ? err : nr;
}

static ssize_t adaptive_policy_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t len)
{
	struct azr_adapt_row rows[AZR_ADAPT_ROWS];
	struct azr_dev *d = azr_adapt_of(dev);
	int nr, err = 0;

	nr = azr_adapt_policy_parse(buf, len, rows);
	if (nr < 0)
		return nr;
	down_write(&d->init_lock);
	if (azr_dev_init_done(d)) {
		err = -EBUSY;
	} else {
		memcpy(d->rc.rows, rows, nr * sizeof(rows[0]));
		d->rc.nr_rows = nr;
	}
	up_write(&d->init_lock);
	return err ? err : len;
}

static ssize_t adaptive_stat_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_adapt_of(dev);
	struct azr_recomp *rc = &d->rc;
	unsigned int i, pressure = 0;
	ssize_t n = 0;

	down_read(&d->init_lock);
	for (i = 0; i < rc->nr_rows; i++)
		n += sysfs_emit_at(buf, n, "%u %s %d %llu\n",
				   rc->rows[i].pressure,
				   azr_algo_name(rc->rows[i].algo),
				   azr_level_check(rc->rows[i].algo,
						   rc->rows[i].level),
				   (u64)atomic64_read(&rc->decisions[i]));
	if (azr_dev_init_done(d))
		pressure = azr_adapt_pressure(d);
	up_read(&d->init_lock);
	n += sysfs_emit_at(buf, n, "pressure %u\npool_pressure %u\n",
			   pressure, atomic_read(&rc->pool_pressure));
	n += sysfs_emit_at(buf, n, "passes %llu\nstrong %llu\nlooked %llu\n",
			   (u64)atomic64_read(&rc->passes),
			   (u64)atomic64_read(&rc->strong),
			   (u64)atomic64_read(&rc->looked));
	return n;
}

static DEVICE_ATTR_RW(adaptive);
static DEVICE_ATTR_RW(adaptive_policy);
static DEVICE_ATTR_RO(adaptive_stat);

static struct attribute *azr_adapt_attrs[] = {
	&dev_attr_adaptive.attr,
	&dev_attr_adaptive_policy.attr,
	&dev_attr_adaptive_stat.attr,
	NULL,
};

const struct attribute_group azr_adapt_group = {
	.attrs = azr_adapt_attrs,
};

module_param(adaptive_interval_ms, uint, 0644);
MODULE_PARM_DESC(adaptive_interval_ms,
		 "ms between background passes of adaptive devices (0: none; read at disksize and after each pass)");
module_param(adaptive_batch, uint, 0644);
MODULE_PARM_DESC(adaptive_batch,
		 "slots a background pass looks at, from where the last stopped");
module_param(adaptive_idle_secs, uint, 0644);
MODULE_PARM_DESC(adaptive_idle_secs,
		 "a background pass also takes pages not accessed for this long (0: only pages marked idle)");
module_param(adaptive_pool_pressure, bool, 0644);
MODULE_PARM_DESC(adaptive_pool_pressure,
		 "aether_mm's pool counts in the pressure of adaptive devices");
