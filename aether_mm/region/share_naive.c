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
 *			equal to a shared frame of the same uid joins it; two
 *			equal private pages of the same uid get a new shared
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
 *
 * Reading it gives the engine's figures; aether/mm/share has the core's.
 *
 * Locking: aem_naive_lock (mutex) around every command; it is taken
 * before anything of the core's.  @unshared only counts (it cannot
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
	kuid_t uid;
};

/* A private page waiting for an equal one, for one pass. */
struct aem_naive_cand {
	struct list_head link;
	struct aem_share_page pg;
	u32 hash;
	kuid_t uid;
};

static DEFINE_MUTEX(aem_naive_lock);
static bool aem_naive_on;
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

static int aem_naive_keep(struct aem_shared *s, u32 hash, kuid_t uid)
{
	struct aem_naive_stable *st = kmalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->s = s;
	st->hash = hash;
	st->uid = uid;
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
};

/* @pg (hash @hash) into a shared frame of the engine equal to it. */
static bool aem_naive_join_stable(struct aem_share_page *pg, u32 hash,
				  kuid_t uid)
{
	struct aem_naive_stable *st;

	list_for_each_entry(st, &aem_naive_stable, link) {
		if (st->hash != hash || !uid_eq(st->uid, uid) ||
		    !aem_share_users(st->s) ||
		    !aem_frames_equal(pg->frame, aem_share_frame(st->s)))
			continue;
		if (!aem_share_merge(pg, st->s))
			aem_naive_merges++;
		return true;
	}
	return false;
}

/* @pg with a waiting page equal to it into a new shared frame. */
static bool aem_naive_join_cand(struct aem_naive_pass *p,
				struct aem_share_page *pg, u32 hash,
				kuid_t uid)
{
	struct aem_naive_cand *c;
	struct aem_shared *s;

	list_for_each_entry(c, &p->cands, link) {
		if (c->hash != hash || !uid_eq(c->uid, uid) ||
		    !aem_frames_equal(pg->frame, c->pg.frame))
			continue;
		s = aem_share_new(&c->pg);
		if (IS_ERR(s)) {
			p->err = PTR_ERR(s);
			return true;
		}
		if (!aem_share_merge(&c->pg, s)) {
			aem_naive_merges++;
			if (!aem_share_merge(pg, s))
				aem_naive_merges++;
		}
		if (!aem_share_users(s) || aem_naive_keep(s, hash, uid))
			aem_share_put(s);
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
	kuid_t uid = aem_share_region_uid(pg->region);
	struct aem_naive_cand *c;
	u32 hash;

	if (pg->shared)
		return 0;
	hash = aem_naive_hash(pg->frame);
	if (aem_naive_join_stable(pg, hash, uid) ||
	    aem_naive_join_cand(p, pg, hash, uid))
		return p->err;
	if (p->nr_cands >= AEM_NAIVE_MAX_CANDS)
		return 0;
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	aem_share_page_get(&c->pg, pg);
	c->hash = hash;
	c->uid = uid;
	list_add_tail(&c->link, &p->cands);
	p->nr_cands++;
	return 0;
}

static int aem_naive_scan(void)
{
	struct aem_naive_pass p = { .cands = LIST_HEAD_INIT(p.cands) };
	struct aem_naive_cand *c, *tmp;
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
	list_for_each_entry_safe(c, tmp, &p.cands, link) {
		aem_share_page_put(&c->pg);
		kfree(c);
	}
	aem_naive_passes++;
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

struct aem_naive_one {
	bool merge;
	bool done;
	int err;
};

static int aem_naive_one_fn(struct aem_share_page *pg, void *arg)
{
	struct aem_naive_one *o = arg;
	struct aem_shared *s;

	if (pg->shared || (o->done && !o->merge))
		return 0;
	if (!o->merge) {
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

/* pick or merge page @idx of region @id. */
static int aem_naive_one(u64 id, unsigned long idx, bool merge)
{
	struct aem_naive_one o = { .merge = merge };
	struct aem_region *r;
	long ret;

	if (merge && !aem_naive_picked)
		return -ENOENT;
	r = aem_naive_region(id);
	if (!r)
		return -ENOENT;
	ret = idx < aem_share_region_pages(r) ?
	      aem_share_scan(r, idx, idx + 1, aem_naive_one_fn, &o) : -EINVAL;
	aem_share_region_put(r);
	if (ret < 0)
		return ret;
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

static void aem_naive_unshared(struct aem_shared *s, unsigned int users)
{
	atomic_long_inc(&aem_naive_left);
}

/* Called by aem_unregister_share() from aem_naive_set(): lock held. */
static void aem_naive_drain(void)
{
	lockdep_assert_held(&aem_naive_lock);
	aem_naive_prune(true);
}

static const struct aem_share_ops aem_naive_ops = {
	.owner = THIS_MODULE,
	.unshared = aem_naive_unshared,
	.drain = aem_naive_drain,
};

static int aem_naive_set(bool on)
{
	int err = 0;

	lockdep_assert_held(&aem_naive_lock);
	if (on && !aem_naive_on) {
		err = aem_register_share(&aem_naive_ops);
		aem_naive_on = !err;
	} else if (!on && aem_naive_on) {
		aem_unregister_share(&aem_naive_ops);
		aem_naive_on = false;
	}
	return err;
}

/* One command (see the top of the file). */
static int aem_naive_cmd(char *buf)
{
	unsigned long long id;
	unsigned long idx;
	char cmd[8];
	int n;

	n = sscanf(buf, "%7s %llu %lu", cmd, &id, &idx);
	if (n < 1)
		return -EINVAL;
	if (!strcmp(cmd, "on") && n == 1)
		return aem_naive_set(true);
	if (!strcmp(cmd, "off") && n == 1)
		return aem_naive_set(false);
	if (!aem_naive_on)
		return -ENODEV;
	aem_naive_prune(false);
	if (!strcmp(cmd, "scan") && n == 1)
		return aem_naive_scan();
	if (!strcmp(cmd, "unmerge") && n == 1)
		return aem_naive_unmerge();
	if (!strcmp(cmd, "pick") && n == 3)
		return aem_naive_one(id, idx, false);
	if (!strcmp(cmd, "merge") && n == 3)
		return aem_naive_one(id, idx, true);
	return -EINVAL;
}

static ssize_t aem_dbg_naive_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[64];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	mutex_lock(&aem_naive_lock);
	err = aem_naive_cmd(buf);
	mutex_unlock(&aem_naive_lock);
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
	mutex_lock(&aem_naive_lock);
	aem_naive_set(false);
	mutex_unlock(&aem_naive_lock);
}
