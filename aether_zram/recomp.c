// SPDX-License-Identifier: GPL-2.0
/*
 * recomp.c - recompression of a device's pages with secondary algorithms
 *
 * DOC: Overview
 *
 * The kernel's zram can store a page again with a stronger algorithm
 * once it has gone cold (CONFIG_ZRAM_MULTI_COMP, off in Debian's 6.12):
 * up to three secondary algorithms, each with a priority 1..3, named
 * before disksize in recomp_algorithm, and a recompress file that walks
 * the slots and tries them.  aether_zram does the same with zram's files
 * and formats:
 *
 *	recomp_algorithm (rw)	a write "algo=NAME priority=N" (N 1..3,
 *				1 when left out; ours: level=L too) names
 *				the secondary of priority N: -EINVAL for
 *				another key, a missing algo, an unknown
 *				algorithm or a priority out of range, -EBUSY
 *				once initialised; a read gives a line per
 *				priority set, "#N: " and the algorithms
 *				with the chosen one bracketed
 *	recompress (wo)		"type=idle|huge|huge_idle threshold=N
 *				algo=NAME priority=N max_pages=N", each
 *				optional: -EINVAL for another key, a bad
 *				value, a threshold not under the huge class
 *				size, an algorithm that is not a secondary
 *				or a priority none is set up for, and before
 *				disksize; -EAGAIN while another
 *				recompression of the device runs
 *	recomp_stat (ro)	ours: slots tried, pages stored anew, pages
 *				that stayed, bytes given back, pages whose
 *				load or checksum failed
 *
 * The priority of a stored object.  The store keeps a compressor per
 * secondary (struct azr_store's @comps[1..3], made at disksize), and a
 * compressed entry names the compressor that wrote it in its flags
 * (AZR_E_COMP_MASK; zram's ZRAM_COMP_PRIORITY bits): a load decompresses
 * with that one, whoever loads (a read, writeback, a checksum test).
 *
 * A slot.  Recompression holds the slot's lock across the whole of it,
 * as a write does (dev.c): the page is loaded, checked against its
 * checksum (a page that fails is left alone and counted: recompressing
 * it would store the wrong bytes anew), compressed with each secondary
 * from the first priority allowed upwards, and the first output that
 * goes to a smaller size class of the pool than the object it has, and
 * is under the threshold if one was given, replaces it
 * (azr_store_recompress()).  Its bytes are those of the page, so the
 * checksum stays valid.  A write, a discard or swap's notification of
 * the same slot waits for the lock and then replaces or frees the new
 * entry: the newer data always wins, since nothing of the old is
 * installed after the lock is dropped (zram's 6.12 holds its slot lock
 * the same way; later zram compresses outside it and checks the slot
 * again, which a sleeping slot lock makes unnecessary here).
 *
 * What is not tried again.  A secondary that did not shrink a page marks
 * the slot (AZR_SLOT_TRIED1..3): a later recompression skips that
 * priority for it.  When every secondary set up has been tried, the slot
 * is AZR_SLOT_INCOMPRESSIBLE (zram's mark) and no recompression looks at
 * it again.  A write of the slot clears the marks (azr_slot_free()).  An
 * object already written with a priority is only tried with higher
 * ones.  Same-filled pages, pages sharing an object with others
 * (dedup.c: an object of its own would cost more than the shared one
 * saves), pages on the backing device and pages being
 * written back (AZR_SLOT_UNDER_WB, which writeback sets under the slot's
 * lock) are skipped: writeback and recompression of one slot exclude
 * each other.  As in zram, a slot recompression touched is no longer
 * idle, and max_pages counts every page tried, shrunk or not.
 *
 * The same walk, with the strongest row of the adaptive policy as the
 * only compressor, is adaptive compression's background pass
 * (adaptive.c).
 *
 * Lock order (internal.h): init_lock (2) for read across the walk, then
 * @rc.mutex (2c; only tried: a second recompression is -EAGAIN, a
 * background pass skips its turn), a slot's lock (3), a stream (4), the
 * pool (6, 7).
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

#include "dev.h"

/* As the write path: no I/O (dev.c). */
#define AZR_RC_GFP		(GFP_NOIO | __GFP_NOWARN)
#define AZR_RC_ALGO_NAME_MAX	64

/* The slot flag of "tried with priority @prio", 1..AZR_RECOMP_PRIOS. */
static unsigned int azr_tried_bit(unsigned int prio)
{
	return AZR_SLOT_TRIED1 + prio - 1;
}

/**
 * azr_recomp_dev_init() - the recompression state of a new device
 * @d:	the device, zeroed
 */
void azr_recomp_dev_init(struct azr_dev *d)
{
	mutex_init(&d->rc.mutex);
}

/**
 * azr_recomp_setup() - the secondary compressors of @d's new store
 * @d:	a device being initialised, init_lock held for write, its store
 *	made
 *
 * Return: 0, or the error of making a compressor; the caller destroys
 * the store, and with it those made.
 */
int azr_recomp_setup(struct azr_dev *d)
{
	struct azr_recomp *rc = &d->rc;
	unsigned int prio;

	lockdep_assert_held_write(&d->init_lock);
	rc->nr_prios = 1;
	for (prio = 1; prio <= AZR_RECOMP_PRIOS; prio++) {
		struct azr_comp *comp;

		if (!rc->algo[prio])
			continue;
		comp = azr_comp_create(rc->algo[prio], rc->level[prio],
				       NULL, 0);
		if (IS_ERR(comp))
			return PTR_ERR(comp);
		d->store.comps[prio] = comp;
		rc->nr_prios = prio + 1;
	}
	return 0;
}

/**
 * azr_recomp_reset() - back to no secondary algorithm and no counts
 * @d:	the device, init_lock held for write, its store freed
 */
void azr_recomp_reset(struct azr_dev *d)
{
	struct azr_recomp *rc = &d->rc;

	lockdep_assert_held_write(&d->init_lock);
	memset(rc->algo, 0, sizeof(rc->algo));
	memset(rc->level, 0, sizeof(rc->level));
	rc->nr_prios = 0;
	atomic64_set(&rc->scanned, 0);
	atomic64_set(&rc->recompressed, 0);
	atomic64_set(&rc->not_shrunk, 0);
	atomic64_set(&rc->bytes_saved, 0);
	atomic64_set(&rc->failed, 0);
}

/**
 * azr_recomp_slot_free() - a slot's page is gone: its marks with it
 * @slot:	the slot, its lock held (or tried, from swap's notification)
 *
 * Context: any context.
 */
void azr_recomp_slot_free(struct azr_slot *slot)
{
	clear_bit(AZR_SLOT_TRIED1, &slot->flags);
	clear_bit(AZR_SLOT_TRIED2, &slot->flags);
	clear_bit(AZR_SLOT_TRIED3, &slot->flags);
	clear_bit(AZR_SLOT_TRIED_STRONG, &slot->flags);
	clear_bit(AZR_SLOT_INCOMPRESSIBLE, &slot->flags);
}

/* ---- one slot ----------------------------------------------------------- */

/*
 * The compressors of the store @req may try on @slot (its lock held),
 * into @idx, with the slot flag each marks when it fails into @bit.
 * Return: how many (0: the slot is not wanted).
 */
static unsigned int azr_rc_candidates(struct azr_dev *d,
				      const struct azr_slot *slot,
				      const struct azr_rc_req *req,
				      unsigned int *idx, unsigned int *bit)
{
	unsigned int cur = azr_entry_comp(&slot->e), prio, n = 0;

	if (req->strong) {
		if (cur == req->strong_idx ||
		    test_bit(AZR_SLOT_TRIED_STRONG, &slot->flags))
			return 0;
		idx[0] = req->strong_idx;
		bit[0] = AZR_SLOT_TRIED_STRONG;
		return 1;
	}
	if (test_bit(AZR_SLOT_INCOMPRESSIBLE, &slot->flags))
		return 0;
	/* The rows of adaptive compression count as the primary. */
	prio = cur > AZR_RECOMP_PRIOS ? 0 : cur;
	for (prio = max(req->prio, prio + 1); prio < req->prio_max; prio++) {
		if (!d->store.comps[prio] ||
		    test_bit(azr_tried_bit(prio), &slot->flags))
			continue;
		idx[n] = prio;
		bit[n++] = azr_tried_bit(prio);
	}
	return n;
}

/* Was @slot (its lock held) tried with every secondary set up? */
static bool azr_rc_all_tried(struct azr_dev *d, const struct azr_slot *slot)
{
	unsigned int prio;

	for (prio = 1; prio < d->rc.nr_prios; prio++)
		if (d->store.comps[prio] &&
		    !test_bit(azr_tried_bit(prio), &slot->flags))
			return false;
	return true;
}

/* Does @req want @slot (its lock held) at all? */
static bool azr_rc_wanted(const struct azr_slot *slot,
			  const struct azr_rc_req *req)
{
	if (!test_bit(AZR_SLOT_USED, &slot->flags) ||
	    test_bit(AZR_SLOT_WB, &slot->flags) ||
	    test_bit(AZR_SLOT_UNDER_WB, &slot->flags) ||
	    (slot->e.flags & AZR_E_SAME) ||
	    (azr_entry_shared(&slot->e) && azr_dedup_has_copies(&slot->e)))
		return false;
	if ((req->mode & AZR_RC_IDLE) &&
	    !test_bit(AZR_SLOT_IDLE, &slot->flags) &&
	    !(req->cutoff && ktime_before(slot->ac_time, req->cutoff)))
		return false;
	if ((req->mode & AZR_RC_HUGE) && !(slot->e.flags & AZR_E_HUGE))
		return false;
	/* zram: objects already small enough are left alone. */
	return !(req->threshold && slot->e.size < req->threshold);
}

/*
 * Recompress slot @index of @d (its lock held) as @req asks, through
 * @bounce.  Return: 1 stored anew, 0 left as it was (not wanted, or no
 * secondary shrank it), -EAGAIN when its load or checksum failed (it
 * stays as it is), or -ENOMEM.
 */
static int azr_rc_one(struct azr_dev *d, u32 index, struct page *bounce,
		      const struct azr_rc_req *req)
{
	unsigned int idx[AZR_RECOMP_PRIOS], bit[AZR_RECOMP_PRIOS], n, i;
	struct azr_slot *slot = &d->table[index];
	struct azr_recomp *rc = &d->rc;
	struct azr_entry e = {};
	u32 old_size;
	int ret = 0;

	if (!azr_rc_wanted(slot, req))
		return 0;
	n = azr_rc_candidates(d, slot, req, idx, bit);
	if (!n)
		return 0;
	atomic64_inc(&rc->scanned);
	if (azr_load_page(&d->store, &slot->e, bounce) ||
	    azr_dev_csum_verify(d, index, bounce)) {
		/*
		 * Corrupt: tried with nothing again until it is written, so
		 * that no pass counts and reports it again (a read does).
		 */
		for (i = AZR_SLOT_TRIED1; i <= AZR_SLOT_TRIED_STRONG; i++)
			set_bit(i, &slot->flags);
		atomic64_inc(&rc->failed);
		return -EAGAIN;
	}
	clear_bit(AZR_SLOT_IDLE, &slot->flags);
	for (i = 0; i < n; i++) {
		ret = azr_store_recompress(&d->store, idx[i], bounce, &slot->e,
					   req->threshold, &e, AZR_RC_GFP, 0);
		if (ret)
			break;
		set_bit(bit[i], &slot->flags);
	}
	if (ret < 0)
		return ret;
	if (!ret) {
		atomic64_inc(&rc->not_shrunk);
		if (!req->strong && azr_rc_all_tried(d, slot))
			set_bit(AZR_SLOT_INCOMPRESSIBLE, &slot->flags);
		return 0;
	}
	old_size = slot->e.size;
	azr_free_entry(&d->store, &slot->e);
	slot->e = e;
	atomic64_inc(&rc->recompressed);
	atomic64_add(old_size - e.size, &rc->bytes_saved);
	return 1;
}

/**
 * azr_recomp_run() - recompress the pages of @d that @req wants
 * @d:		an initialised device, init_lock held for read
 * @req:	what to recompress and with what
 *
 * Walks the slots in order from @req->start, round to it, each under its
 * lock, until @req->max_pages pages were tried, @req->max_looked slots
 * looked at, a fatal signal, or an allocation failed; says in @req->next
 * and @req->looked where it stopped and how far it went.
 *
 * Context: process context, may sleep; allocates with GFP_NOIO.
 *
 * Return: pages stored anew, -EAGAIN while another recompression of @d
 * runs, or -ENOMEM.
 */
long azr_recomp_run(struct azr_dev *d, struct azr_rc_req *req)
{
	u64 budget = req->max_pages;
	u32 index, looked, nr = d->disksize >> PAGE_SHIFT;
	u32 max_looked = req->max_looked && req->max_looked < nr ?
			 req->max_looked : nr;
	struct page *bounce;
	long done = 0;
	int ret;

	lockdep_assert_held_read(&d->init_lock);
	bounce = alloc_page(AZR_RC_GFP);
	if (!bounce)
		return -ENOMEM;
	if (!mutex_trylock(&d->rc.mutex)) {
		__free_page(bounce);
		return -EAGAIN;
	}
	index = req->start < nr ? req->start : 0;
	for (looked = 0; looked < max_looked && budget; looked++) {
		u64 tried = atomic64_read(&d->rc.scanned);

		azr_slot_lock(d, index);
		ret = azr_rc_one(d, index, bounce, req);
		azr_slot_unlock(d, index);
		if (ret == -ENOMEM) {
			done = ret;
			break;
		}
		if (ret > 0)
			done++;
		if (atomic64_read(&d->rc.scanned) != tried)
			budget--;
		if (++index == nr)
			index = 0;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	req->next = index;
	req->looked = looked;
	mutex_unlock(&d->rc.mutex);
	__free_page(bounce);
	return done;
}

/* ---- sysfs -------------------------------------------------------------- */

static struct azr_dev *azr_rc_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t recomp_algorithm_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct azr_dev *d = azr_rc_of(dev);
	unsigned int prio, algo;
	ssize_t n = 0;

	down_read(&d->init_lock);
	for (prio = 1; prio <= AZR_RECOMP_PRIOS; prio++) {
		if (!d->rc.algo[prio])
			continue;
		n += sysfs_emit_at(buf, n, "#%u: ", prio);
		for (algo = 1; algo < AETHER_ZRAM_NR_ALGOS; algo++) {
			if (!azr_algo_available(algo))
				continue;
			n += sysfs_emit_at(buf, n,
					   algo == d->rc.algo[prio] ?
					   "[%s] " : "%s ",
					   azr_algo_name(algo));
		}
		n += sysfs_emit_at(buf, n, "\n");
	}
	up_read(&d->init_lock);
	return n;
}

/* "algo=NAME priority=N level=L" into @algo, @prio, @level. */
static int azr_rc_parse_algo(char *args, int *algo, int *prio, int *level)
{
	char *key, *val;
	int err;

	*algo = -EINVAL;
	args = skip_spaces(args);
	while (*args) {
		args = next_arg(args, &key, &val);
		if (!val || !*val)
			return -EINVAL;
		if (!strcmp(key, "algo")) {
			*algo = azr_algo_parse(val);
			if (*algo < 0 || !azr_algo_available(*algo))
				return -EINVAL;
			continue;
		}
		if (!strcmp(key, "priority"))
			err = kstrtoint(val, 10, prio);
		else if (!strcmp(key, "level"))
			err = kstrtoint(val, 10, level);
		else
			err = -EINVAL;
		if (err)
			return -EINVAL;
	}
	if (*algo < 0 || *prio < 1 || *prio > AZR_RECOMP_PRIOS ||
	    azr_level_check(*algo, *level) < 0)
		return -EINVAL;
	return 0;
}

static ssize_t recomp_algorithm_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t len)
{
	struct azr_dev *d = azr_rc_of(dev);
	int algo, prio = 1, level = 0;
	char *args;
	int err;

	args = kstrndup(buf, len, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	err = azr_rc_parse_algo(args, &algo, &prio, &level);
	kfree(args);
	if (err)
		return err;
	down_write(&d->init_lock);
	if (azr_dev_init_done(d)) {
		err = -EBUSY;
	} else {
		d->rc.algo[prio] = algo;
		d->rc.level[prio] = level;
	}
	up_write(&d->init_lock);
	return err ? err : len;
}

/*
 * recompress's words into @req, the algorithm's name into @algo (NULL
 * if none): zram's recompress_store(), but another key is -EINVAL.
 */
static int azr_rc_parse(char *args, struct azr_rc_req *req, char **algo)
{
	char *key, *val;
	unsigned int prio;
	int err;

	args = skip_spaces(args);
	while (*args) {
		args = next_arg(args, &key, &val);
		if (!val || !*val)
			return -EINVAL;
		err = 0;
		if (!strcmp(key, "type")) {
			if (!strcmp(val, "idle"))
				req->mode = AZR_RC_IDLE;
			else if (!strcmp(val, "huge"))
				req->mode = AZR_RC_HUGE;
			else if (!strcmp(val, "huge_idle"))
				req->mode = AZR_RC_IDLE | AZR_RC_HUGE;
			else
				err = -EINVAL;
		} else if (!strcmp(key, "max_pages")) {
			err = kstrtou64(val, 10, &req->max_pages);
		} else if (!strcmp(key, "threshold")) {
			err = kstrtou32(val, 10, &req->threshold);
		} else if (!strcmp(key, "algo")) {
			*algo = val;
		} else if (!strcmp(key, "priority")) {
			err = kstrtouint(val, 10, &prio);
			if (!err && prio > AZR_RECOMP_PRIOS)
				err = -EINVAL;
			/* zram: priority 0 (the primary) means the first. */
			req->prio = max(prio, 1U);
			req->prio_max = req->prio + 1;
		} else {
			err = -EINVAL;
		}
		if (err)
			return -EINVAL;
	}
	return 0;
}

/*
 * The priority of the secondary named @algo, from @req->prio on, into
 * @req (zram: -EINVAL when there is none).
 */
static int azr_rc_find_algo(struct azr_dev *d, const char *algo,
			    struct azr_rc_req *req)
{
	int want = azr_algo_parse(algo);
	unsigned int prio;

	for (prio = req->prio; prio <= AZR_RECOMP_PRIOS; prio++) {
		if (want > 0 && d->store.comps[prio] &&
		    d->rc.algo[prio] == want) {
			req->prio = prio;
			req->prio_max = prio + 1;
			return 0;
		}
	}
	return -EINVAL;
}

static ssize_t recompress_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t len)
{
	struct azr_rc_req req = { .prio = 1, .max_pages = U64_MAX,
				  .prio_max = AZR_RECOMP_PRIOS + 1 };
	struct azr_dev *d = azr_rc_of(dev);
	char *args, *algo = NULL;
	long ret;

	args = kstrndup(buf, len, GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	ret = azr_rc_parse(args, &req, &algo);
	if (ret)
		goto out_free;
	down_read(&d->init_lock);
	ret = -EINVAL;
	if (!azr_dev_init_done(d) ||
	    req.threshold >= azs_huge_class_size(d->store.pool))
		goto out_unlock;
	if (algo && azr_rc_find_algo(d, algo, &req))
		goto out_unlock;
	req.prio_max = min(req.prio_max, d->rc.nr_prios);
	if (req.prio >= req.prio_max)
		goto out_unlock;
	ret = azr_recomp_run(d, &req);
out_unlock:
	up_read(&d->init_lock);
out_free:
	kfree(args);
	return ret < 0 ? ret : len;
}

static ssize_t recomp_stat_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct azr_recomp *rc = &azr_rc_of(dev)->rc;

	return sysfs_emit(buf, "%8llu %8llu %8llu %8llu %8llu\n",
			  (u64)atomic64_read(&rc->scanned),
			  (u64)atomic64_read(&rc->recompressed),
			  (u64)atomic64_read(&rc->not_shrunk),
			  (u64)atomic64_read(&rc->bytes_saved),
			  (u64)atomic64_read(&rc->failed));
}

static DEVICE_ATTR_RW(recomp_algorithm);
static DEVICE_ATTR_WO(recompress);
static DEVICE_ATTR_RO(recomp_stat);

static struct attribute *azr_recomp_attrs[] = {
	&dev_attr_recomp_algorithm.attr,
	&dev_attr_recompress.attr,
	&dev_attr_recomp_stat.attr,
	NULL,
};

const struct attribute_group azr_recomp_group = {
	.attrs = azr_recomp_attrs,
};
