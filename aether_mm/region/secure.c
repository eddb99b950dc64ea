// SPDX-License-Identifier: GPL-2.0
/*
 * secure.c - SECURE regions: wiped frames, a locked-memory charge and a
 * hibernation veto
 *
 * DOC: Overview
 *
 * A region created AETHER_MM_REGION_SECURE holds secrets (keys, tokens)
 * that must not outlive it anywhere the module can reach.  What each part
 * of the core does for it:
 *
 *   first use	every frame a region maps is zeroed or a full copy
 *		(fault.c, huge_fault.c, store.c: AEM_ALLOC_ZERO), as for
 *		any region
 *   owner	its frames are allocated AEM_OWNER_SECURE, unmovable
 *		(aem_region_frame_flags()): compaction has no movable ops
 *		for that owner, so it never moves them; collapse refuses
 *		the region; NUMA balancing never hints it
 *		(aem_numa_hinting()); REGION_MIGRATE still moves frames on
 *		request, by a copy, and the old frame is freed, so wiped
 *   wipe	the pool wipes every block of owner SECURE with
 *		memzero_explicit() in aem_free_prep() (alloc.c), the one
 *		door back to the free lists: close, punch, migration, a
 *		copy-on-write copy dropped on an error path, a reader's
 *		late reference, unload.  The wipes are counted
 *   merge	never: aem_share_mergeable() (share.c) ignores MERGEABLE
 *		on a SECURE region and REGION_DEDUPE refuses it (-EINVAL)
 *   store	never: the cold walk (access.c, aem_region_cold_pages_if())
 *		passes over SECURE regions and counts their cold pages in
 *		secure_skipped; aem_cold_page_set_stored() refuses one
 *   fork	mappings are VM_DONTCOPY unless SECURE_FORK, and VM_IO,
 *		so MADV_DOFORK cannot clear that (view.c)
 *   dumps	VM_DONTDUMP, as every region mapping; MADV_DODUMP fails on
 *		VM_PFNMAP
 *   GUP	region mappings are VM_PFNMAP (and here VM_IO): get_user_pages()
 *		refuses them, and their vm_ops have no ->access, so
 *		/proc/<pid>/mem and ptrace(PEEKDATA) fail with -EIO
 *   memlock	the data length is charged to the locked_vm of the
 *		creator's user (struct user_struct, as io_uring and BPF
 *		charge theirs) against RLIMIT_MEMLOCK at creation, without
 *		CAP_IPC_LOCK.  The region holds the user and the charge
 *		until it is freed: not the creator's mm, which an exec or
 *		exit would take away while the region lives on in other
 *		processes' fds and mappings
 *   hibernate	a PM notifier refuses PM_HIBERNATION_PREPARE while a
 *		SECURE region lives (the image would carry its frames to
 *		disk); a creation between an allowed PREPARE and the
 *		matching POST_HIBERNATION fails with -EBUSY
 *
 * What a module cannot do is take the frames out of the kernel's direct
 * map (memfd_secret's set_direct_map_invalid_noflush(), not exported):
 * the kernel can still read them, so a kernel read primitive can too.
 * README, "Secure regions", compares the two.
 *
 * debugfs aether/mm/secure: the counts; aether/mm/secure_peek (root):
 * write a pool pfn, read its owner and whether its bytes are all zero,
 * so a test can prove that a freed frame was wiped.
 *
 * Lock order (item 19 of internal.h's list)
 *
 *   1. aem_secure_lock	(spinlock) aem_secure_nr and aem_secure_hibernating;
 *			taken alone, from creation, release and the PM
 *			notifier.  The wipe takes no lock: it runs in the
 *			pool's free path, under whatever its caller holds
 *			(kmap_local_page() and memzero_explicit() do not
 *			sleep)
 *
 * Teardown: aem_secure_exit() runs after aether_kaccessd has stopped and
 * the regions' reclaim client (kreclaimd's and every reclaim's way to
 * region frames) is unregistered, and after the merge engine's table is
 * gone (main.c), so no thread can reach a frame after it; every region
 * is gone by then (each file held a module reference), and with it every
 * SECURE frame, wiped.  The pool's own teardown comes later.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/uaccess.h>
#include "../frame.h"
#include "region.h"

static DEFINE_SPINLOCK(aem_secure_lock);	/* see above */
static unsigned long aem_secure_nr;		/* live SECURE regions */
static bool aem_secure_hibernating;		/* a PREPARE we allowed */

static atomic_long_t aem_secure_pages;		/* data pages charged */
static atomic_long_t aem_secure_wipes;		/* frames wiped */
static atomic_long_t aem_secure_skipped;	/* cold pages not offered */
static atomic_long_t aem_secure_vetoes;		/* hibernations refused */
static atomic_long_t aem_secure_refused;	/* creations over memlock */

/**
 * aem_secure_wipe() - wipe a SECURE block before it goes back to the pool
 * @f: head frame
 * @order: order of the block
 *
 * memzero_explicit(), which the compiler may not drop as a dead store.
 */
void aem_secure_wipe(struct aem_frame *f, unsigned int order)
{
	struct page *page = aem_frame_page(f);
	unsigned int i;

	for (i = 0; i < (1U << order); i++) {
		void *p = kmap_local_page(page + i);

		memzero_explicit(p, PAGE_SIZE);
		kunmap_local(p);
	}
	atomic_long_add(1L << order, &aem_secure_wipes);
}

/**
 * aem_secure_skip() - the cold walk passes over @r
 * @r: a region; the caller holds aem_access_lock and a reference
 * @min_gen: the walk's oldest generation wanted
 *
 * Return: true when @r is SECURE (its cold pages counted as skipped).
 */
bool aem_secure_skip(struct aem_region *r, unsigned int min_gen)
{
	unsigned long n = 0;
	unsigned int g;

	if (!(r->flags & AETHER_MM_REGION_SECURE))
		return false;
	for (g = min_gen; g < AEM_NR_GENS; g++)
		n += r->gen_count[g];
	atomic_long_add(n, &aem_secure_skipped);
	return true;
}

/* One more SECURE region, unless a hibernation is under way. */
static int aem_secure_get(void)
{
	int err = 0;

	spin_lock(&aem_secure_lock);
	if (aem_secure_hibernating)
		err = -EBUSY;
	else
		aem_secure_nr++;
	spin_unlock(&aem_secure_lock);
	return err;
}

static void aem_secure_put(void)
{
	spin_lock(&aem_secure_lock);
	WARN_ON_ONCE(!aem_secure_nr);
	aem_secure_nr--;
	spin_unlock(&aem_secure_lock);
}

/*
 * Charge @pages to @user's locked memory: -EAGAIN above the caller's
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK (capable() asked only then).
 */
static int aem_secure_charge(struct user_struct *user, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK);
	bool asked = false, cap = false;
	long cur, new;

	if (limit != RLIM_INFINITY)
		limit >>= PAGE_SHIFT;
	cur = atomic_long_read(&user->locked_vm);
	do {
		new = cur + pages;
		if (limit != RLIM_INFINITY && new > limit) {
			if (!asked) {
				cap = capable(CAP_IPC_LOCK);
				asked = true;
			}
			if (!cap) {
				atomic_long_inc(&aem_secure_refused);
				return -EAGAIN;
			}
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	return 0;
}

/**
 * aem_secure_region_new() - the SECURE part of a new region
 * @r: the region, not yet visible; @r->flags and @r->nr_pages set
 *
 * Charges @r's data pages to the calling user's locked memory and counts
 * the region for the hibernation veto.  aem_secure_region_free() undoes
 * it, also for a region that is not SECURE.
 *
 * Return: 0; -EAGAIN over RLIMIT_MEMLOCK; -EBUSY while a hibernation is
 * under way.
 */
int aem_secure_region_new(struct aem_region *r)
{
	struct user_struct *user;
	int err;

	if (!(r->flags & AETHER_MM_REGION_SECURE))
		return 0;
	user = get_uid(current_user());
	err = aem_secure_charge(user, r->nr_pages);
	if (err)
		goto out_user;
	err = aem_secure_get();
	if (err)
		goto out_uncharge;
	atomic_long_add(r->nr_pages, &aem_secure_pages);
	r->sec_user = user;
	return 0;

out_uncharge:
	atomic_long_sub(r->nr_pages, &user->locked_vm);
out_user:
	free_uid(user);
	return err;
}

/**
 * aem_secure_region_free() - undo aem_secure_region_new()
 * @r: the region; its frames are freed (so wiped) already
 */
void aem_secure_region_free(struct aem_region *r)
{
	if (!r->sec_user)
		return;
	atomic_long_sub(r->nr_pages, &aem_secure_pages);
	aem_secure_put();
	atomic_long_sub(r->nr_pages, &r->sec_user->locked_vm);
	free_uid(r->sec_user);
	r->sec_user = NULL;
}

/* ---- hibernation ------------------------------------------------------- */

static int aem_secure_pm_notify(struct notifier_block *nb,
				unsigned long action, void *data)
{
	int ret = NOTIFY_DONE;

	spin_lock(&aem_secure_lock);
	switch (action) {
	case PM_HIBERNATION_PREPARE:
		if (aem_secure_nr) {
			atomic_long_inc(&aem_secure_vetoes);
			ret = NOTIFY_BAD;
		} else {
			aem_secure_hibernating = true;
		}
		break;
	case PM_POST_HIBERNATION:
		aem_secure_hibernating = false;
		break;
	}
	spin_unlock(&aem_secure_lock);
	if (ret == NOTIFY_BAD)
		pr_info_ratelimited("hibernation refused: a SECURE region lives\n");
	return ret;
}

static struct notifier_block aem_secure_pm_nb = {
	.notifier_call = aem_secure_pm_notify,
};

/**
 * aem_secure_selftest() - the PM notifier's answers (selftest.c)
 *
 * Run at load before any region exists: a PREPARE with none is allowed
 * and holds creations off until POST_HIBERNATION; with one it is refused.
 *
 * Return: 0, or -EINVAL when an answer is wrong.
 */
int aem_secure_selftest(void)
{
	long vetoes = atomic_long_read(&aem_secure_vetoes);
	int err = 0;

	if (aem_secure_pm_notify(NULL, PM_HIBERNATION_PREPARE, NULL) !=
	    NOTIFY_DONE || aem_secure_get() != -EBUSY)
		err = -EINVAL;
	aem_secure_pm_notify(NULL, PM_POST_HIBERNATION, NULL);
	if (aem_secure_get())
		return -EINVAL;
	if (aem_secure_pm_notify(NULL, PM_HIBERNATION_PREPARE, NULL) !=
	    NOTIFY_BAD ||
	    atomic_long_read(&aem_secure_vetoes) != vetoes + 1)
		err = -EINVAL;
	aem_secure_pm_notify(NULL, PM_POST_HIBERNATION, NULL);
	aem_secure_put();
	atomic_long_set(&aem_secure_vetoes, vetoes);
	return err;
}

/* ---- debugfs ----------------------------------------------------------- */

static int aem_dbg_secure_show(struct seq_file *m, void *unused)
{
	unsigned long nr;
	bool hib;

	spin_lock(&aem_secure_lock);
	nr = aem_secure_nr;
	hib = aem_secure_hibernating;
	spin_unlock(&aem_secure_lock);
	seq_printf(m, "count %lu\n", nr);
	seq_printf(m, "pages %ld\n", atomic_long_read(&aem_secure_pages));
	seq_printf(m, "secure_skipped %ld\n",
		   atomic_long_read(&aem_secure_skipped));
	seq_printf(m, "wipes %ld\n", atomic_long_read(&aem_secure_wipes));
	seq_printf(m, "memlock_refused %ld\n",
		   atomic_long_read(&aem_secure_refused));
	seq_printf(m, "hibernation %s\n", nr ? "vetoed" : "allowed");
	seq_printf(m, "hibernating %d\n", hib);
	seq_printf(m, "hibernation_vetoes %ld\n",
		   atomic_long_read(&aem_secure_vetoes));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_secure);

static DEFINE_MUTEX(aem_peek_lock);	/* aem_peek_pfn */
static unsigned long aem_peek_pfn;

static int aem_dbg_peek_show(struct seq_file *m, void *unused)
{
	struct aem_frame *f;
	unsigned long pfn;
	bool zero;
	void *p;

	mutex_lock(&aem_peek_lock);
	pfn = aem_peek_pfn;
	mutex_unlock(&aem_peek_lock);
	f = pfn ? aem_pfn_to_frame(pfn) : NULL;
	if (!f) {
		seq_puts(m, "pfn none\n");
		return 0;
	}
	p = kmap_local_page(aem_frame_page(f));
	zero = !memchr_inv(p, 0, PAGE_SIZE);
	kunmap_local(p);
	seq_printf(m, "pfn %lu owner %u zero %d\n", pfn, READ_ONCE(f->owner),
		   zero);
	return 0;
}

static int aem_dbg_peek_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_dbg_peek_show, NULL);
}

static ssize_t aem_dbg_peek_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	unsigned long pfn;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtoul_from_user(ubuf, len, 0, &pfn);
	if (err)
		return err;
	if (!aem_pfn_to_frame(pfn))
		return -EINVAL;		/* not a page of the pool */
	mutex_lock(&aem_peek_lock);
	aem_peek_pfn = pfn;
	mutex_unlock(&aem_peek_lock);
	return len;
}

static const struct file_operations aem_dbg_peek_fops = {
	.owner		= THIS_MODULE,
	.open		= aem_dbg_peek_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= aem_dbg_peek_write,
};

/**
 * aem_secure_debugfs() - add secure and secure_peek to aether/mm/
 * @dir: the module's debugfs directory
 */
void aem_secure_debugfs(struct dentry *dir)
{
	debugfs_create_file("secure", 0400, dir, NULL, &aem_dbg_secure_fops);
	debugfs_create_file("secure_peek", 0600, dir, NULL,
			    &aem_dbg_peek_fops);
}

/* ---- init and exit ----------------------------------------------------- */

/**
 * aem_secure_init() - register the hibernation veto
 *
 * Return: 0, or the error of register_pm_notifier().
 */
int aem_secure_init(void)
{
	return register_pm_notifier(&aem_secure_pm_nb);
}

/**
 * aem_secure_exit() - unregister it, after every thread that touches
 * frames has stopped and every region is gone
 */
void aem_secure_exit(void)
{
	WARN_ON_ONCE(aem_secure_nr);
	WARN_ON_ONCE(atomic_long_read(&aem_secure_pages));
	unregister_pm_notifier(&aem_secure_pm_nb);
}
