// SPDX-License-Identifier: GPL-2.0
/*
 * share_naive.c - a naive merge engine on the share table, for the tests
 *
 * DOC: Overview
 *
 * The share table (share.c, include/aether/mm.h) is for aether_dedupe;
 * until that module exists, this engine exercises every path of it from
 * debugfs, as the loopback store (reclaim.c) does for the store table.
 * It saves memory for real but is no scanner: no thread, no trees, a
 * list compared page by page.  debugfs aether/mm/share_naive (root only)
 * takes one command per write:
 *
 *   on | off		register the engine / unregister it (which unmerges
 *			every shared frame, its own and any other)
 *   scan		one full pass over every MERGEABLE region: a page
 *			equal to a shared frame of the same domain joins it;
 *			two equal private pages of one domain get a new shared
 *			frame; other pages wait in a list for the rest of
 *			the pass
 *   pick ID IDX	a new shared frame copied from page IDX of region ID
 *			(its first layer holding a private frame there): the
 *			engine's "hash" moment
 *   merge ID IDX	merge page IDX of region ID (every layer holding a
 *			private frame there) into the picked frame; the write
 *			fails with aem_share_merge()'s errno (-EAGAIN: the
 *			page changed since it was picked)
 *   unmerge		unmerge every shared frame the engine made (run=2)
 *   zero ID IDX	give page IDX of region ID (every layer holding a
 *			private frame there) to the zero page, if all zero:
 *			0 when one went, else aem_share_zero()'s first
 *			errno but -EAGAIN (not zero), else -EAGAIN
 *   domain ID N	put region ID into trust domain N (0: its creator's
 *			uid), unmerging its pages of the old domain
 *
 * Pages merge only within a trust domain (aem_share_region_domain()).
 * As @range, it answers REGION_DEDUPE with one pass over the range.
 *
 * Reading it gives the engine's figures; aether/mm/share has the core's.
 *
 * Locking: aem_naive_lock (mutex) around every command and @range; it
 * is taken before anything of the core's.  on/off take it themselves and
 * unregister without it (unregistration waits for @range calls).  @unshared only counts (it cannot
 * sleep); shared frames whose users all left are dropped at the next
 * command.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "../frame.h"

#define AEM_NAIVE_MAX_CANDS	65536	/* pages waiting in one pass */

/* A shared frame the engine made, with its content's hash. */
struct aem_naive_stable {
	struct list_head link;
	struct aem_shared *s;
	u32 hash;
	u64 domain;
};

/* A private page waiting for an equal one, for one pass. */
struct aem_naive_cand {
	struct list_head link;
	struct aem_share_page pg;
	u32 hash;
	u64 domain;
};

static DEFINE_MUTEX(aem_naive_lock);
static bool aem_naive_on;
static bool aem_naive_closing;	/* being unregistered: no command */
static LIST_HEAD(aem_naive_stable);
static struct aem_shared *aem_naive_picked;
static unsigned long aem_naive_nr_stable, aem_naive_merges, aem_naive_passes;
static atomic_long_t aem_naive_left;

static u32 aem_naive_hash(struct aem_frame *f)
{
	void *p = kmap_local_page(aem_frame_page(f));
	u32 h = jhash2(p, PAGE_SIZE / sizeof(u32), 0);

	kunmap_local(p);
	return h;
}

static int aem_naive_keep(struct aem_shared *s, u32 hash, u64 domain)
{
	struct aem_naive_stable *st = kmalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->s = s;
	st->hash = hash;
	st->domain = domain;
	list_add_tail(&st->link, &aem_naive_stable);
	aem_naive_nr_stable++;
	return 0;
}

/* Forget shared frames nobody maps any more (or all with @all). */
static void aem_naive_prune(bool all)
{
	struct aem_naive_stable *st, *tmp;

	lockdep_assert_held(&aem_naive_lock);
	list_for_each_entry_safe(st, tmp, &aem_naive_stable, link) {
		if (!all && aem_share_users(st->s))
			continue;
		list_del(&st->link);
		aem_share_put(st->s);
		kfree(st);
		aem_naive_nr_stable--;
	}
	if (all && aem_naive_picked) {
		aem_share_put(aem_naive_picked);
		aem_naive_picked = NULL;
	}
}

struct aem_naive_pass {
	struct list_head cands;
	unsigned long nr_cands;
	int err;
	unsigned long merged;	/* pages merged in this pass */
	unsigned long made;	/* shared frames made and kept */
	unsigned long scanned;
};

/* @pg (hash @hash) into a shared frame of the engine equal to it. */
static bool aem_naive_join_stable(struct aem_naive_pass *p,
				  struct aem_share_page *pg, u32 hash,
				  u64 domain)
{
	struct aem_naive_stable *st;
	bool same;
	void *a;

	list_for_each_entry(st, &aem_naive_stable, link) {
		if (st->hash != hash || st->domain != domain ||
		    !aem_share_users(st->s))
			continue;
		a = kmap_local_page(aem_frame_page(pg->frame));
		same = !aem_share_cmp(a, st->s);
		kunmap_local(a);
		if (!same)
			continue;
		if (!aem_share_merge(pg, st->s)) {
			aem_naive_merges++;
			p->merged++;
		}
		return true;
	}
	return false;
}

/* @pg with a waiting page equal to it into a new shared frame. */
static bool aem_naive_join_cand(struct aem_naive_pass *p,
				struct aem_share_page *pg, u32 hash,
				u64 domain)
{
	struct aem_naive_cand *c;
	struct aem_shared *s;

	list_for_each_entry(c, &p->cands, link) {
		if (c->hash != hash || c->domain != domain ||
		    !aem_frames_equal(pg->frame, c->pg.frame))
			continue;
		s = aem_share_new(&c->pg);
		if (IS_ERR(s)) {
			p->err = PTR_ERR(s);
			return true;
		}
		if (!aem_share_merge(&c->pg, s)) {
			aem_naive_merges++;
			p->merged++;
			if (!aem_share_merge(pg, s)) {
				aem_naive_merges++;
				p->merged++;
			}
		}
		if (!aem_share_users(s) || aem_naive_keep(s, hash, domain))
			aem_share_put(s);
		else
			p->made++;
		list_del(&c->link);
		aem_share_page_put(&c->pg);
		kfree(c);
		p->nr_cands--;
		return true;
	}
	return false;
}

static int aem_naive_scan_fn(struct aem_share_page *pg, void *arg)
{
	struct aem_naive_pass *p = arg;
	u64 domain = aem_share_region_domain(pg->region);
	struct aem_naive_cand *c;
	u32 hash;

	p->scanned++;
	if (pg->shared)
		return 0;
	hash = aem_naive_hash(pg->frame);
	if (aem_naive_join_stable(p, pg, hash, domain) ||
	    aem_naive_join_cand(p, pg, hash, domain))
		return p->err;
	if (p->nr_cands >= AEM_NAIVE_MAX_CANDS)
		return 0;
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	aem_share_page_get(&c->pg, pg);
	c->hash = hash;
	c->domain = domain;
	list_add_tail(&c->link, &p->cands);
	p->nr_cands++;
	return 0;
}

static void aem_naive_pass_end(struct aem_naive_pass *p)
{
	struct aem_naive_cand *c, *tmp;

	list_for_each_entry_safe(c, tmp, &p->cands, link) {
		aem_share_page_put(&c->pg);
		kfree(c);
	}
	aem_naive_passes++;
}

static int aem_naive_scan(void)
{
	struct aem_naive_pass p = { .cands = LIST_HEAD_INIT(p.cands) };
	struct aem_region *r;
	long ret = 0;

	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r)) {
		ret = aem_share_scan(r, 0, aem_share_region_pages(r),
				     aem_naive_scan_fn, &p);
		if (ret < 0) {
			aem_share_region_put(r);
			break;
		}
	}
	aem_naive_pass_end(&p);
	return ret < 0 ? ret : 0;
}

/* The mergeable region numbered @id, referenced, or NULL. */
static struct aem_region *aem_naive_region(u64 id)
{
	struct aem_region *r;

	for (r = aem_share_region_next(NULL); r; r = aem_share_region_next(r))
		if (aem_share_region_id(r) == id)
			return r;
	return NULL;
}

enum aem_naive_op { AEM_NAIVE_PICK, AEM_NAIVE_MERGE, AEM_NAIVE_ZERO };

struct aem_naive_one {
	enum aem_naive_op op;
	bool done;
	bool zeroed;
	int err;
};

static int aem_naive_one_fn(struct aem_share_page *pg, void *arg)
{
	struct aem_naive_one *o = arg;
	struct aem_shared *s;
	int ret;

	if (pg->shared || (o->done && o->op == AEM_NAIVE_PICK))
		return 0;
	if (o->op == AEM_NAIVE_ZERO) {
		ret = aem_share_zero(pg);
		if (!ret)
			o->zeroed = true;
		else if (!o->err || o->err == -EAGAIN)
			o->err = ret;
		o->done = true;
		return 0;
	}
	if (o->op == AEM_NAIVE_PICK) {
		s = aem_share_new(pg);
		if (IS_ERR(s))
			return PTR_ERR(s);
		if (aem_naive_picked)
			aem_share_put(aem_naive_picked);
		aem_naive_picked = s;
		o->done = true;
		return 0;
	}
	o->err = aem_share_merge(pg, aem_naive_picked);
	if (!o->err)
		aem_naive_merges++;
	o->done = true;
	return o->err;
}

/* pick, merge or zero page @idx of region @id. */
static int aem_naive_one(u64 id, unsigned long idx, enum aem_naive_op op)
{
	struct aem_naive_one o = { .op = op };
	struct aem_region *r;
	long ret;

	if (op == AEM_NAIVE_MERGE && !aem_naive_picked)
		return -ENOENT;
	r = aem_naive_region(id);
	if (!r)
		return -ENOENT;
	ret = idx < aem_share_region_pages(r) ?
	      aem_share_scan(r, idx, idx + 1, aem_naive_one_fn, &o) : -EINVAL;
	aem_share_region_put(r);
	if (ret < 0)
		return ret;
	if (o.zeroed)
		return 0;
	if (o.err)
		return o.err;
	return o.done ? 0 : -ENOENT;
}

static int aem_naive_unmerge(void)
{
	struct aem_naive_stable *st;
	int ret = 0, err;

	list_for_each_entry(st, &aem_naive_stable, link) {
		err = aem_share_unmerge(st->s);
		ret = ret ?: err;
	}
	if (aem_naive_picked) {
		err = aem_share_unmerge(aem_naive_picked);
		ret = ret ?: err;
	}
	aem_naive_prune(true);
	return ret;
}

/* Put region @id into trust domain @n (0: its creator's uid again). */
static int aem_naive_domain(u64 id, unsigned long n)
{
	struct aem_region *r;
	int ret;

	if (n > U32_MAX)
		return -EINVAL;
	r = aem_naive_region(id);
	if (!r)
		return -ENOENT;
	ret = aem_share_region_set_domain(r, n);
	aem_share_region_put(r);
	return ret;
}

static void aem_naive_unshared(struct aem_shared *s, unsigned int users)
{
	atomic_long_inc(&aem_naive_left);
}

/* Called by aem_unregister_share() from aem_naive_set(). */
static void aem_naive_drain(void)
{
	mutex_lock(&aem_naive_lock);
	aem_naive_prune(true);
	mutex_unlock(&aem_naive_lock);
}

/*
 * REGION_DEDUPE: one pass over [@start, @end) of @r, every layer: pages
 * equal to a shared frame of the engine join it, equal pages of the range
 * get a new one.
 */
static long aem_naive_range(struct aem_region *r, pgoff_t start, pgoff_t end,
			    struct aether_mm_region_dedupe *out)
{
	struct aem_naive_pass p = { .cands = LIST_HEAD_INIT(p.cands) };
	long ret;

	if (mutex_lock_interruptible(&aem_naive_lock))
		return -EINTR;
	if (!aem_naive_on || aem_naive_closing) {
		mutex_unlock(&aem_naive_lock);
		return -ENODEV;
	}
	aem_naive_prune(false);
	ret = aem_share_scan(r, start, end, aem_naive_scan_fn, &p);
	aem_naive_pass_end(&p);
	mutex_unlock(&aem_naive_lock);
	out->merged = p.merged;
	out->scanned = p.scanned;
	out->saved = ((s64)p.merged - (s64)p.made) * PAGE_SIZE;
	return ret < 0 ? ret : 0;
}

static const struct aem_share_ops aem_naive_ops = {
	.owner = THIS_MODULE,
	.unshared = aem_naive_unshared,
	.drain = aem_naive_drain,
	.range = aem_naive_range,
};

/*
 * Register or unregister the engine.  Unregistering waits for REGION_DEDUPE
 * calls in flight, which take aem_naive_lock: so it runs without it, the
 * door closed by @aem_naive_closing meanwhile.
 */
static int aem_naive_set(bool on)
{
	int err = 0;

	mutex_lock(&aem_naive_lock);
	if (aem_naive_closing) {
		err = -EBUSY;
	} else if (on && !aem_naive_on) {
		err = aem_register_share(&aem_naive_ops);
		aem_naive_on = !err;
	} else if (!on && aem_naive_on) {
		aem_naive_closing = true;
		mutex_unlock(&aem_naive_lock);
		aem_unregister_share(&aem_naive_ops);
		mutex_lock(&aem_naive_lock);
		aem_naive_on = false;
		aem_naive_closing = false;
	}
	mutex_unlock(&aem_naive_lock);
	return err;
}

/* One command (see the top of the file), aem_naive_lock held. */
static int aem_naive_cmd(char *buf)
{
	unsigned long long id;
	unsigned long idx;
	char cmd[8];
	int n;

	lockdep_assert_held(&aem_naive_lock);
	n = sscanf(buf, "%7s %llu %lu", cmd, &id, &idx);
	if (n < 1)
		return -EINVAL;
	if (!aem_naive_on || aem_naive_closing)
		return -ENODEV;
	aem_naive_prune(false);
	if (!strcmp(cmd, "scan") && n == 1)
		return aem_naive_scan();
	if (!strcmp(cmd, "unmerge") && n == 1)
		return aem_naive_unmerge();
	if (!strcmp(cmd, "pick") && n == 3)
		return aem_naive_one(id, idx, AEM_NAIVE_PICK);
	if (!strcmp(cmd, "merge") && n == 3)
		return aem_naive_one(id, idx, AEM_NAIVE_MERGE);
	if (!strcmp(cmd, "zero") && n == 3)
		return aem_naive_one(id, idx, AEM_NAIVE_ZERO);
	if (!strcmp(cmd, "domain") && n == 3)
		return aem_naive_domain(id, idx);
	return -EINVAL;
}

static ssize_t aem_dbg_naive_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[64], *cmd;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	cmd = strim(buf);
	if (!strcmp(cmd, "on")) {
		err = aem_naive_set(true);
	} else if (!strcmp(cmd, "off")) {
		err = aem_naive_set(false);
	} else {
		mutex_lock(&aem_naive_lock);
		err = aem_naive_cmd(cmd);
		mutex_unlock(&aem_naive_lock);
	}
	return err ? err : len;
}

static int aem_dbg_naive_show(struct seq_file *m, void *unused)
{
	mutex_lock(&aem_naive_lock);
	seq_printf(m, "on %d\n", aem_naive_on);
	seq_printf(m, "stable %lu\n", aem_naive_nr_stable);
	seq_printf(m, "picked %d\n", !!aem_naive_picked);
	seq_printf(m, "merges %lu\n", aem_naive_merges);
	seq_printf(m, "passes %lu\n", aem_naive_passes);
	seq_printf(m, "unshared %ld\n", atomic_long_read(&aem_naive_left));
	mutex_unlock(&aem_naive_lock);
	return 0;
}

static int aem_dbg_naive_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_dbg_naive_show, NULL);
}

static const struct file_operations aem_dbg_naive_fops = {
	.owner = THIS_MODULE,
	.open = aem_dbg_naive_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = aem_dbg_naive_write,
};

/**
 * aem_share_naive_debugfs() - create debugfs aether/mm/share_naive
 * @dir: aether/mm/
 */
void aem_share_naive_debugfs(struct dentry *dir)
{
	debugfs_create_file("share_naive", 0600, dir, NULL,
			    &aem_dbg_naive_fops);
}

/**
 * aem_share_naive_exit() - unregister the naive engine if it is on
 *
 * After debugfs is gone, so no command comes any more.
 */
void aem_share_naive_exit(void)
{
	aem_naive_set(false);
}
