// SPDX-License-Identifier: GPL-2.0
/*
 * store_adaptive.c - adaptive compression of the region store
 *
 * DOC: Overview
 *
 * The region store (store.c) keeps the cold pages of aether_mm's
 * COMPRESSIBLE regions.  With the module parameter store_adaptive, each
 * page it stores goes in with the row of a policy that aether_mm's pool
 * pressure has reached, as an adaptive device's pages do (adaptive.c,
 * whose parser, default policy, row choice and pool sampling this file
 * uses): lz4 while the pool has room, zstd at rising levels as it runs
 * short; and, once the pressure has reached the last row, a background
 * pass stores the pages that stayed in the store anew with that row.
 *
 *	store_adaptive (rw)	0 (default) or 1; may change at any time
 *	store_adaptive_policy (rw) the policy, adaptive_policy's format
 *				(a line or a ';' per row; read back as one
 *				line, the rows by ';'); may change at any
 *				time; -EINVAL for a bad one, -EBUSY when
 *				its compressors find no free index
 *	store_adaptive_interval_ms, store_adaptive_batch,
 *	store_adaptive_idle_secs (rw) the background pass: every N ms, at
 *				most this many entries looked at, only
 *				entries stored at least this long ago:
 *				0 or 10..86400000 ms, 1..65536 entries,
 *				0..2592000 s; -EINVAL out of range
 *
 * The writes of all five need CAP_SYS_ADMIN besides root's file mode.  debugfs aether/zram/store/
 * adaptive shows the rows with the pages each stored, each compressor
 * with the pages it holds, the pressure and the pass's counters.
 *
 * Compressors.  An entry names the compressor that wrote it by its index
 * in the store (AZR_E_COMP_MASK): 0 is the store's own (store_algo), 1
 * to AZR_NR_COMPS - 1 are made for the policy's rows.  A row whose
 * algorithm and level are those of another compressor shares it.  A
 * compressor lives while anything uses it: the installed table of rows,
 * an entry it wrote, a store or a pass holding it (@users); a new policy
 * makes the compressors it lacks in free indexes, and an index whose
 * compressor has no user is freed by the next install.  So a policy
 * changed while pages are stored leaves every entry readable with the
 * compressor that wrote it, however often it changes: only a policy
 * that would need more than AZR_NR_COMPS - 1 compressors alive at once
 * is refused (-EBUSY).
 *
 * The table.  The rows of the policy and their compressors' indexes are
 * one RCU-protected table (@azr_rsa_table, NULL while store_adaptive is
 * 0): ->store() reads it under rcu_read_lock() and takes a reference on
 * its row's compressor before it leaves; an install replaces the table,
 * waits for a grace period and then drops the old table's references.
 *
 * Pressure.  The pool's (azr_adapt_pool_pressure(): 0 until three
 * quarters of what the pool may grow to are in use, 100 when all are,
 * review finding 14), sampled by ->store() at most every
 * AZR_RSA_SAMPLE_MS (without waiting: it runs inside a failing pool
 * allocation) and by every pass.
 *
 * The background pass: a delayed work on system_unbound_wq, running
 * while the store is registered, store_adaptive is 1 and the interval is
 * not 0.  Each turn samples the pool's pressure; below the last row's
 * (review s32a, finding 4) it does nothing but count the turn
 * ("skipped"): the work is done in a kworker that no user's group pays
 * for, so it is only done when the policy asks every page stored to pay
 * for the last row anyway, and a user cycling their pages through the
 * store while the pool has room cannot have the kernel compress them
 * with the strongest setting for free.  At or past it, the pass walks
 * the store's entries from a cursor (store.c, azr_rs_pass()), a bounded
 * batch a turn, holding the store's list lock for one entry at a time.
 * A write of interval 0 stops the pass and waits for a turn under way.
 *
 * Lock order: azr_rs_mutex (store.c) serialises the parameters' writes,
 * installs and registration; nothing here is taken under a store's
 * lock.  Registration stops the pass (azr_rsa_stop()) before it
 * unregisters.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"

/* ->store() samples the pool's pressure at most this often. */
#define AZR_RSA_SAMPLE_MS	10

/**
 * struct azr_rsa_comp - a compressor of the region store
 * @algo:	its algorithm, 0 while the index is free
 * @level:	its level, as azr_level_check() answers
 * @users:	the table's rows that name it, the entries it wrote, the
 *		stores and passes holding it; the index is freed at 0
 * @pages:	entries it wrote
 * @gen:	times the index was given a compressor (struct
 *		azr_rs_entry's @tried)
 */
struct azr_rsa_comp {
	unsigned int algo;
	int level;
	atomic_long_t users;
	atomic_long_t pages;
	u16 gen;
};

/**
 * struct azr_rsa_table - the policy installed
 * @rcu:	freed after a grace period
 * @nr_rows:	rows of @rows
 * @rows:	the policy
 * @comp:	the index of each row's compressor
 * @decisions:	pages each row was given to store
 */
struct azr_rsa_table {
	struct rcu_head rcu;
	unsigned int nr_rows;
	struct azr_adapt_row rows[AZR_ADAPT_ROWS];
	unsigned int comp[AZR_ADAPT_ROWS];
	atomic64_t decisions[AZR_ADAPT_ROWS];
};

static bool store_adaptive;
static unsigned int store_adaptive_interval_ms = 1000;
static unsigned int store_adaptive_batch = 1024;
static unsigned int store_adaptive_idle_secs = 30;

static struct azr_store *azr_rsa_st;	/* the region store, while it exists */
static struct azr_rsa_comp azr_rsa_comps[AZR_NR_COMPS];
static struct azr_rsa_table __rcu *azr_rsa_table;
/* The policy (azr_rs_mutex), installed while store_adaptive is 1. */
static struct azr_adapt_row azr_rsa_rows[AZR_ADAPT_ROWS];
static unsigned int azr_rsa_nr_rows;

static atomic_t azr_rsa_pressure;
static unsigned long azr_rsa_sampled;	/* jiffies of the last sample */
static struct delayed_work azr_rsa_work;
static struct azr_rs_pass_stats azr_rsa_stats;
static atomic64_t azr_rsa_passes;	/* turns that walked the store */
static atomic64_t azr_rsa_skipped;	/* turns below the last row's pressure */

/* ---- compressors ---------------------------------------------------------- */

/* The index of a compressor of @algo at @level, made if need be; or -errno. */
static int azr_rsa_comp_get(unsigned int algo, int level)
{
	struct azr_comp *comp;
	int i, free = -1;

	lockdep_assert_held(&azr_rs_mutex);
	level = azr_level_check(algo, level);
	if (level < 0)
		return level;
	if (azr_comp_algo(azr_rsa_st->comp) == algo &&
	    azr_comp_level(azr_rsa_st->comp) == level)
		return 0;
	for (i = 1; i < AZR_NR_COMPS; i++) {
		struct azr_rsa_comp *c = &azr_rsa_comps[i];

		if (c->algo == algo && c->level == level) {
			atomic_long_inc(&c->users);
			return i;
		}
		if (!c->algo && free < 0)
			free = i;
	}
	if (free < 0)
		return -EBUSY;
	comp = azr_comp_create(algo, level, NULL, 0);
	if (IS_ERR(comp))
		return PTR_ERR(comp);
	azr_rsa_st->comps[free] = comp;
	azr_rsa_comps[free].algo = algo;
	azr_rsa_comps[free].level = level;
	azr_rsa_comps[free].gen++;
	atomic_long_set(&azr_rsa_comps[free].users, 1);
	return free;
}

/* Free the indexes nothing uses any more. */
static void azr_rsa_comp_sweep(void)
{
	unsigned int i;

	lockdep_assert_held(&azr_rs_mutex);
	for (i = 1; i < AZR_NR_COMPS; i++) {
		struct azr_rsa_comp *c = &azr_rsa_comps[i];

		if (!c->algo || atomic_long_read(&c->users))
			continue;
		azr_comp_destroy(azr_rsa_st->comps[i]);
		azr_rsa_st->comps[i] = NULL;
		c->algo = 0;
		c->level = 0;
	}
}

/**
 * azr_rsa_put() - drop a reference to compressor @idx
 * @idx:	an index azr_rsa_get() or azr_rsa_strongest() answered
 *
 * Context: any; never sleeps (->release() calls it).
 */
void azr_rsa_put(unsigned int idx)
{
	if (idx)
		atomic_long_dec(&azr_rsa_comps[idx].users);
}

/**
 * azr_rsa_hold() - another reference to compressor @idx
 * @idx:	an index held by the caller
 */
void azr_rsa_hold(unsigned int idx)
{
	if (idx)
		atomic_long_inc(&azr_rsa_comps[idx].users);
}

/**
 * azr_rsa_entry_add() - an entry written by compressor @idx is kept
 * @idx:	its index; the entry keeps the reference its writer took
 */
void azr_rsa_entry_add(unsigned int idx)
{
	atomic_long_inc(&azr_rsa_comps[idx].pages);
}

/**
 * azr_rsa_entry_del() - an entry written by compressor @idx is freed
 * @idx:	its index; the entry's reference is dropped
 *
 * Context: any; never sleeps.
 */
void azr_rsa_entry_del(unsigned int idx)
{
	atomic_long_dec(&azr_rsa_comps[idx].pages);
	azr_rsa_put(idx);
}

/**
 * azr_rsa_tag() - what names compressor @idx as it is now
 * @idx:	an index held
 *
 * Return: a u16, never 0, that changes when the index is given another
 * compressor (but for every 8192nd time: a stale mark left on an entry
 * then only has the pass skip it).
 */
u16 azr_rsa_tag(unsigned int idx)
{
	return idx | (azr_rsa_comps[idx].gen << 3);
}

/* ---- the table ------------------------------------------------------------ */

static void azr_rsa_table_put(struct azr_rsa_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_rows; i++)
		azr_rsa_put(t->comp[i]);
	kfree(t);
}

/* A table of the policy's rows, their compressors held; or ERR_PTR. */
static struct azr_rsa_table *azr_rsa_table_make(const struct azr_adapt_row *rows,
						unsigned int nr)
{
	struct azr_rsa_table *t;
	int idx;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	memcpy(t->rows, rows, nr * sizeof(*rows));
	for (t->nr_rows = 0; t->nr_rows < nr; t->nr_rows++) {
		idx = azr_rsa_comp_get(rows[t->nr_rows].algo,
				       rows[t->nr_rows].level);
		if (idx < 0) {
			azr_rsa_table_put(t);
			azr_rsa_comp_sweep();
			return ERR_PTR(idx);
		}
		t->comp[t->nr_rows] = idx;
	}
	return t;
}

/* Install @t (NULL: adaptive off); the old one goes after a grace period. */
static void azr_rsa_install(struct azr_rsa_table *t)
{
	struct azr_rsa_table *old;

	lockdep_assert_held(&azr_rs_mutex);
	old = rcu_replace_pointer(azr_rsa_table, t,
				  lockdep_is_held(&azr_rs_mutex));
	if (!old)
		return;
	synchronize_rcu();
	azr_rsa_table_put(old);
	azr_rsa_comp_sweep();
}

/* The pool's pressure, sampled again when the last sample is old. */
static unsigned int azr_rsa_pressure_now(void)
{
	unsigned long last = READ_ONCE(azr_rsa_sampled);
	int pct;

	if (time_before(jiffies, last + msecs_to_jiffies(AZR_RSA_SAMPLE_MS)) ||
	    cmpxchg(&azr_rsa_sampled, last, jiffies) != last)
		return atomic_read(&azr_rsa_pressure);
	pct = azr_adapt_pool_pressure(false);
	if (pct >= 0)
		atomic_set(&azr_rsa_pressure, pct);
	return atomic_read(&azr_rsa_pressure);
}

/**
 * azr_rsa_get() - the compressor a page to store goes in with
 *
 * Counts the decision of the row the pool's pressure has reached.
 *
 * Context: ->store(): may be inside a failing pool allocation; never
 * sleeps.
 *
 * Return: 0 (the store's own) while store_adaptive is 0, else the index
 * of the row's compressor, held: azr_rsa_entry_add() when an entry keeps
 * it, else azr_rsa_put().
 */
unsigned int azr_rsa_get(void)
{
	unsigned int pressure, row, idx = 0;
	struct azr_rsa_table *t;

	if (!READ_ONCE(store_adaptive))
		return 0;
	pressure = azr_rsa_pressure_now();
	rcu_read_lock();
	t = rcu_dereference(azr_rsa_table);
	if (t) {
		row = azr_adapt_row_of(t->rows, t->nr_rows, pressure);
		idx = t->comp[row];
		if (idx)
			atomic_long_inc(&azr_rsa_comps[idx].users);
		atomic64_inc(&t->decisions[row]);
	}
	rcu_read_unlock();
	return idx;
}

/*
 * The compressor the pass stores with at @pressure: the last row's, held;
 * -EAGAIN while @pressure is below that row's, -ENOENT when there is none
 * to use (adaptive off, or the last row is the store's own).
 */
static int azr_rsa_pass_comp(unsigned int pressure)
{
	struct azr_rsa_table *t;
	int idx = -ENOENT;

	rcu_read_lock();
	t = rcu_dereference(azr_rsa_table);
	if (t && pressure < t->rows[t->nr_rows - 1].pressure) {
		idx = -EAGAIN;
	} else if (t && t->comp[t->nr_rows - 1]) {
		idx = t->comp[t->nr_rows - 1];
		atomic_long_inc(&azr_rsa_comps[idx].users);
	}
	rcu_read_unlock();
	return idx;
}

/* ---- the background pass -------------------------------------------------- */

static void azr_rsa_queue(void)
{
	unsigned int ms = READ_ONCE(store_adaptive_interval_ms);

	if (ms && READ_ONCE(store_adaptive) && azr_rs_registered())
		queue_delayed_work(system_unbound_wq, &azr_rsa_work,
				   msecs_to_jiffies(ms));
}

/* As azr_rsa_queue(), but a pass already pending is moved to the interval. */
static void azr_rsa_requeue(void)
{
	unsigned int ms = READ_ONCE(store_adaptive_interval_ms);

	if (ms && READ_ONCE(store_adaptive) && azr_rs_registered())
		mod_delayed_work(system_unbound_wq, &azr_rsa_work,
				 msecs_to_jiffies(ms));
}

static void azr_rsa_work_fn(struct work_struct *work)
{
	int idx, pct = azr_adapt_pool_pressure(true);

	if (pct >= 0)
		atomic_set(&azr_rsa_pressure, pct);
	idx = azr_rsa_pass_comp(atomic_read(&azr_rsa_pressure));
	if (idx == -EAGAIN)
		atomic64_inc(&azr_rsa_skipped);
	if (idx > 0) {
		azr_rs_pass(idx, READ_ONCE(store_adaptive_idle_secs),
			    max(READ_ONCE(store_adaptive_batch), 1U),
			    &azr_rsa_stats);
		azr_rsa_put(idx);
		atomic64_inc(&azr_rsa_passes);
	}
	azr_rsa_queue();
}

/**
 * azr_rsa_start() - start the background pass, if it is to run
 *
 * Context: azr_rs_mutex held: the store was just registered, or a
 * parameter of the pass changed.
 */
void azr_rsa_start(void)
{
	lockdep_assert_held(&azr_rs_mutex);
	azr_rsa_requeue();
}

/**
 * azr_rsa_stop() - stop the background pass and wait for one under way
 *
 * Context: azr_rs_mutex held, and the pass kept from queueing itself
 * again: the store marked unregistered, before aether_mm brings the pages
 * back, or store_adaptive_interval_ms set to 0.
 */
void azr_rsa_stop(void)
{
	lockdep_assert_held(&azr_rs_mutex);
	cancel_delayed_work_sync(&azr_rsa_work);
}

/* ---- debugfs -------------------------------------------------------------- */

static int azr_rsa_show(struct seq_file *m, void *unused)
{
	const struct azr_adapt_row *rows = azr_rsa_rows;
	struct azr_rsa_table *t;
	unsigned int i, nr;

	mutex_lock(&azr_rs_mutex);
	if (!azr_rsa_st) {		/* unloading */
		mutex_unlock(&azr_rs_mutex);
		return 0;
	}
	t = rcu_dereference_protected(azr_rsa_table,
				      lockdep_is_held(&azr_rs_mutex));
	nr = t ? t->nr_rows : azr_rsa_nr_rows;
	if (t)
		rows = t->rows;
	seq_printf(m, "adaptive %d\n", !!t);
	for (i = 0; i < nr; i++)
		seq_printf(m, "%u %s %d %lld\n", rows[i].pressure,
			   azr_algo_name(rows[i].algo),
			   azr_level_check(rows[i].algo, rows[i].level),
			   t ? (s64)atomic64_read(&t->decisions[i]) : 0LL);
	seq_printf(m, "comp 0 %s %d %ld\n",
		   azr_algo_name(azr_comp_algo(azr_rsa_st->comp)),
		   azr_comp_level(azr_rsa_st->comp),
		   atomic_long_read(&azr_rsa_comps[0].pages));
	for (i = 1; i < AZR_NR_COMPS; i++)
		if (azr_rsa_comps[i].algo)
			seq_printf(m, "comp %u %s %d %ld\n", i,
				   azr_algo_name(azr_rsa_comps[i].algo),
				   azr_rsa_comps[i].level,
				   atomic_long_read(&azr_rsa_comps[i].pages));
	mutex_unlock(&azr_rs_mutex);
	seq_printf(m, "pressure %d\n", atomic_read(&azr_rsa_pressure));
	seq_printf(m, "passes %lld\n", (s64)atomic64_read(&azr_rsa_passes));
	seq_printf(m, "skipped %lld\n", (s64)atomic64_read(&azr_rsa_skipped));
	seq_printf(m, "looked %lld\n",
		   (s64)atomic64_read(&azr_rsa_stats.looked));
	seq_printf(m, "restored %lld\n",
		   (s64)atomic64_read(&azr_rsa_stats.restored));
	seq_printf(m, "not_shrunk %lld\n",
		   (s64)atomic64_read(&azr_rsa_stats.not_shrunk));
	seq_printf(m, "failed %lld\n",
		   (s64)atomic64_read(&azr_rsa_stats.failed));
	seq_printf(m, "bytes_saved %lld\n",
		   (s64)atomic64_read(&azr_rsa_stats.bytes_saved));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(azr_rsa);

/* ---- load and unload ------------------------------------------------------ */

/**
 * azr_rsa_init() - adaptive compression of the region store @st
 * @st:		the store, made
 * @dir:	its debugfs directory, or NULL
 *
 * Context: module load, azr_rs_mutex held, before the store is
 * registered.
 *
 * Return: 0, or the error of making the policy's compressors when
 * store_adaptive=1 was given.
 */
int azr_rsa_init(struct azr_store *st, struct dentry *dir)
{
	struct azr_rsa_table *t;

	lockdep_assert_held(&azr_rs_mutex);
	INIT_DELAYED_WORK(&azr_rsa_work, azr_rsa_work_fn);
	azr_rsa_st = st;
	if (!azr_rsa_nr_rows)
		azr_rsa_nr_rows = azr_adapt_policy_default(azr_rsa_rows);
	if (store_adaptive) {
		t = azr_rsa_table_make(azr_rsa_rows, azr_rsa_nr_rows);
		if (IS_ERR(t)) {
			azr_rsa_st = NULL;
			return PTR_ERR(t);
		}
		azr_rsa_install(t);
	}
	if (!IS_ERR_OR_NULL(dir))
		debugfs_create_file("adaptive", 0400, dir, NULL, &azr_rsa_fops);
	return 0;
}

/**
 * azr_rsa_exit() - the table goes; the store destroys the compressors
 *
 * Context: module unload, azr_rs_mutex held, the store unregistered
 * (the pass stopped) and every entry freed.
 */
void azr_rsa_exit(void)
{
	lockdep_assert_held(&azr_rs_mutex);
	azr_rsa_install(NULL);
	azr_rsa_st = NULL;
}

/* ---- parameters ----------------------------------------------------------- */

static int azr_rsa_adaptive_set(const char *val, const struct kernel_param *kp)
{
	struct azr_rsa_table *t = NULL;
	bool on;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&azr_rs_mutex);
	if (azr_rsa_st && on != store_adaptive) {
		if (on)
			t = azr_rsa_table_make(azr_rsa_rows, azr_rsa_nr_rows);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			goto out;
		}
		azr_rsa_install(t);
	}
	WRITE_ONCE(store_adaptive, on);
	if (azr_rsa_st)
		azr_rsa_start();
out:
	mutex_unlock(&azr_rs_mutex);
	return err;
}

static const struct kernel_param_ops azr_rsa_adaptive_ops = {
	.set = azr_rsa_adaptive_set,
	.get = param_get_bool,
};

static int azr_rsa_policy_set(const char *val, const struct kernel_param *kp)
{
	struct azr_adapt_row rows[AZR_ADAPT_ROWS];
	struct azr_rsa_table *t;
	int nr, err = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	nr = azr_adapt_policy_parse(val, strlen(val), rows);
	if (nr < 0)
		return nr;
	mutex_lock(&azr_rs_mutex);
	if (azr_rsa_st && store_adaptive) {
		t = azr_rsa_table_make(rows, nr);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			goto out;
		}
		azr_rsa_install(t);
	}
	memcpy(azr_rsa_rows, rows, nr * sizeof(rows[0]));
	azr_rsa_nr_rows = nr;
out:
	mutex_unlock(&azr_rs_mutex);
	return err;
}

static int azr_rsa_policy_get(char *buf, const struct kernel_param *kp)
{
	struct azr_adapt_row rows[AZR_ADAPT_ROWS];
	unsigned int i, nr;
	int n = 0;

	mutex_lock(&azr_rs_mutex);
	if (!azr_rsa_nr_rows)
		azr_rsa_nr_rows = azr_adapt_policy_default(azr_rsa_rows);
	nr = azr_rsa_nr_rows;
	memcpy(rows, azr_rsa_rows, sizeof(rows));
	mutex_unlock(&azr_rs_mutex);
	/* One line, the rows by ';': as modprobe.d and insmod take it. */
	for (i = 0; i < nr; i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s%u %s %d",
			       i ? ";" : "", rows[i].pressure,
			       azr_algo_name(rows[i].algo),
			       azr_level_check(rows[i].algo, rows[i].level));
	n += scnprintf(buf + n, PAGE_SIZE - n, "\n");
	return n;
}

static const struct kernel_param_ops azr_rsa_policy_ops = {
	.set = azr_rsa_policy_set,
	.get = azr_rsa_policy_get,
};

/*
 * The pass's knobs, CAP_SYS_ADMIN's as the policy: the interval 0 (no
 * pass) or AZR_RSA_INTERVAL_MIN..AZR_RSA_INTERVAL_MAX ms, the batch
 * 1..AZR_RSA_BATCH_MAX entries, the idle age up to AZR_RSA_IDLE_MAX
 * seconds (the cutoff is compared as s32 seconds of boot time).
 */
#define AZR_RSA_INTERVAL_MIN	10
#define AZR_RSA_INTERVAL_MAX	(24U * 3600 * 1000)
#define AZR_RSA_BATCH_MAX	65536
#define AZR_RSA_IDLE_MAX	(30U * 24 * 3600)

static int azr_rsa_uint_get(const char *val, unsigned int min,
			    unsigned int max, unsigned int *res)
{
	unsigned int v;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -EINVAL;
	*res = v;
	return 0;
}

/*
 * The interval: a write starts the pass again (one of 0 had stopped it)
 * and moves a pass already pending to the new interval; a write of 0
 * returns once no pass is pending or under way.
 */
static int azr_rsa_interval_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err = azr_rsa_uint_get(val, 0, AZR_RSA_INTERVAL_MAX, &ms);

	if (err)
		return err;
	if (ms && ms < AZR_RSA_INTERVAL_MIN)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	mutex_lock(&azr_rs_mutex);
	if (azr_rsa_st && ms)
		azr_rsa_start();
	else if (azr_rsa_st)
		azr_rsa_stop();
	mutex_unlock(&azr_rs_mutex);
	return 0;
}

static const struct kernel_param_ops azr_rsa_interval_ops = {
	.set = azr_rsa_interval_set,
	.get = param_get_uint,
};

static int azr_rsa_batch_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = azr_rsa_uint_get(val, 1, AZR_RSA_BATCH_MAX, &v);

	if (!err)
		WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return err;
}

static const struct kernel_param_ops azr_rsa_batch_ops = {
	.set = azr_rsa_batch_set,
	.get = param_get_uint,
};

static int azr_rsa_idle_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = azr_rsa_uint_get(val, 0, AZR_RSA_IDLE_MAX, &v);

	if (!err)
		WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return err;
}

static const struct kernel_param_ops azr_rsa_idle_ops = {
	.set = azr_rsa_idle_set,
	.get = param_get_uint,
};

module_param_cb(store_adaptive, &azr_rsa_adaptive_ops, &store_adaptive, 0644);
MODULE_PARM_DESC(store_adaptive, "The region store stores each page with the row of store_adaptive_policy the pool's pressure reached, and, once the pressure reaches the last row, stores idle pages anew with it (default 0)");
module_param_cb(store_adaptive_policy, &azr_rsa_policy_ops, NULL, 0644);
MODULE_PARM_DESC(store_adaptive_policy, "Its policy: rows \"pressure_pct algo level\", by lines or ';', by rising pressure, the first at 0 (adaptive_policy's format)");
module_param_cb(store_adaptive_interval_ms, &azr_rsa_interval_ops,
		&store_adaptive_interval_ms, 0644);
MODULE_PARM_DESC(store_adaptive_interval_ms, "ms between background passes over the region store (0: none, and a write of 0 waits for a pass under way; else 10..86400000; default 1000)");
module_param_cb(store_adaptive_batch, &azr_rsa_batch_ops,
		&store_adaptive_batch, 0644);
MODULE_PARM_DESC(store_adaptive_batch, "Entries a background pass looks at, from where the last stopped (1..65536; default 1024)");
module_param_cb(store_adaptive_idle_secs, &azr_rsa_idle_ops,
		&store_adaptive_idle_secs, 0644);
MODULE_PARM_DESC(store_adaptive_idle_secs, "A background pass takes entries stored at least this long ago (0..2592000; default 30)");
