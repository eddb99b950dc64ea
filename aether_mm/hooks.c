// SPDX-License-Identifier: GPL-2.0
/*
 * hooks.c - the tables the optional modules register into
 *
 * aether_mm knows nothing of the other modules: they fill a table of
 * operations and register it here (DESIGN.md section 2).  The core reads a
 * table under rcu_read_lock() and calls it only there, so unregistering is:
 * unpublish the pointer, wait for a grace period (no caller is left inside
 * the table), then let the backend give back what it holds.  A backend
 * unregisters in its module's exit path, before its code goes; and as it
 * uses aether_mm's symbols, aether_mm cannot unload while it is loaded.
 *
 * One table of each kind at a time; a second registration fails -EBUSY.
 * The policy table has a file of its own (policy.c): its registrations
 * carry a generation, which the regions it charges remember.
 *
 * The store table is the exception to RCU: its calls sleep (compression,
 * allocation), so its readers hold aem_store_srcu instead.  And a store
 * backend holds region pages: before it goes, new stores stop, the core
 * loads every stored page back into a frame (region/store.c), and only
 * then is the table unpublished.  That wait is bounded: pages that find
 * no frame, the pool's reserve included, or do not come back in time are
 * reported lost, and no store registers while they remain.
 *
 * The share table is the merge engine's (share.c holds the core side):
 * its only call in the core's paths, @unshared, runs under RCU; the
 * engine calls the core (aem_share_*()), not the other way round.
 * Unregistering first closes share.c's door to merges and unmerges every
 * shared frame, the engine still published (it hears of each user that
 * leaves), then unpublishes it and lets it drop its references.
 *
 * Reclaim tables (struct aem_reclaim_ops) are a list instead, any number,
 * called when the pool runs short.  Their callers sleep inside them, so
 * the list is under a rwsem rather than RCU: callers take it for read
 * with a trylock (a reclaim that allocates, or an unregistration waiting,
 * makes the next caller skip rather than deadlock); unregistering takes
 * it for write, so when it returns no caller is inside the table.
 *
 * Lock order (internal.h): aem_hooks_lock (mutex), taken by
 * (un)registration only, alone (aem_share_sem is taken after it is
 * dropped); aem_reclaim_sem, then whatever the callbacks take.
 */
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/srcu.h>
#include "internal.h"

enum aem_hook { AEM_HOOK_STORE, AEM_HOOK_SHARE, AEM_NR_HOOKS };

static DEFINE_MUTEX(aem_hooks_lock);
/* @range calls in flight: unregistration waits for none (see there). */
static atomic_t aem_share_ranges = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(aem_share_ranges_wq);
static const void __rcu *aem_hooks[AEM_NR_HOOKS];
DEFINE_STATIC_SRCU(aem_store_srcu);
static bool aem_store_closing;	/* no new stores: unregistering */

/**
 * aem_store_get() - the store backend, for a call that may sleep
 * @idx: receives the SRCU read-side index for aem_store_put()
 * @storing: the caller is to store a page (not load or release one):
 *	     NULL while the backend is going away
 *
 * Return: the table or NULL.  aem_store_put() in any case.
 */
const struct aem_store_ops *aem_store_get(int *idx, bool storing)
	__acquires(&aem_store_srcu)
{
	const struct aem_store_ops *ops;

	*idx = srcu_read_lock(&aem_store_srcu);
	ops = srcu_dereference(aem_hooks[AEM_HOOK_STORE], &aem_store_srcu);
	if (storing && READ_ONCE(aem_store_closing))
		ops = NULL;
	return ops;
}

/**
 * aem_store_put() - leave what aem_store_get() entered
 * @idx: its index
 */
void aem_store_put(int idx)
	__releases(&aem_store_srcu)
{
	srcu_read_unlock(&aem_store_srcu, idx);
}

static int aem_hook_register(enum aem_hook hook, const void *ops)
{
	int ret = 0;

	mutex_lock(&aem_hooks_lock);
	if (rcu_access_pointer(aem_hooks[hook]))
		ret = -EBUSY;
	else
		rcu_assign_pointer(aem_hooks[hook], ops);
	mutex_unlock(&aem_hooks_lock);
	return ret;
}

/* Unpublish @ops and wait out its callers; false if it was not installed. */
static bool aem_hook_unregister(enum aem_hook hook, const void *ops)
{
	bool ours;

	mutex_lock(&aem_hooks_lock);
	ours = rcu_access_pointer(aem_hooks[hook]) == ops;
	if (ours)
		RCU_INIT_POINTER(aem_hooks[hook], NULL);
	mutex_unlock(&aem_hooks_lock);
	if (WARN_ON_ONCE(!ours))
		return false;
	if (hook == AEM_HOOK_STORE)
		synchronize_srcu(&aem_store_srcu);
	else
		synchronize_rcu();
	return true;
}

/**
 * aem_register_store - install the store backend (compressed pages)
 * @ops: the table; must stay valid until aem_unregister_store()
 *
 * Everything is decided under aem_hooks_lock, in one hold: a store that
 * is unregistering is still published (and closing) until its pages are
 * back, so a second backend gets -EBUSY and changes nothing; in
 * particular it does not reopen the leaving backend to new stores.
 *
 * Return: 0, or -EBUSY when another store is registered (or still going
 * away), or when regions still hold pages a backend that went could not
 * give back, or copies kept for repair it could not release (their
 * handles are its, not the new one's; they go with their regions).
 * -EINVAL without @store, @load or @release.
 */
int aem_register_store(const struct aem_store_ops *ops)
{
	int ret = 0;

	if (!ops->store || !ops->load || !ops->release)
		return -EINVAL;
	mutex_lock(&aem_hooks_lock);
	if (rcu_access_pointer(aem_hooks[AEM_HOOK_STORE]) ||
	    atomic_long_read(&aem_stored_pages) ||
	    atomic_long_read(&aem_kept_pages)) {
		ret = -EBUSY;
	} else {
		WRITE_ONCE(aem_store_closing, false);
		rcu_assign_pointer(aem_hooks[AEM_HOOK_STORE], ops);
	}
	mutex_unlock(&aem_hooks_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_register_store);

/**
 * aem_store_close() - first step of aem_unregister_store(): no new store
 * @ops: the table given to aem_register_store()
 *
 * On return no store call is in flight and none starts; loads and
 * releases go on.  Exposed to the self-test, which registers a second
 * backend at exactly this point.
 *
 * Return: 0, or -EINVAL when @ops is not the registered table.
 */
int aem_store_close(const struct aem_store_ops *ops)
{
	bool ours;

	mutex_lock(&aem_hooks_lock);
	ours = rcu_access_pointer(aem_hooks[AEM_HOOK_STORE]) == ops;
	if (ours)
		WRITE_ONCE(aem_store_closing, true);
	mutex_unlock(&aem_hooks_lock);
	if (WARN_ON_ONCE(!ours))
		return -EINVAL;
	/* Stores in flight finish; none starts. */
	synchronize_srcu(&aem_store_srcu);
	return 0;
}

/**
 * aem_unregister_store - remove the store backend
 * @ops: the table given to aem_register_store()
 *
 * Stops new stores, loads every page the backend holds back into a
 * region frame (from the pool's reserve if need be; waiting a bounded
 * time for layers being freed to release theirs, never for frames),
 * waits until no call is in flight, then calls
 * @ops->drain, which frees whatever the backend still holds.  The table is
 * removed in every case.  Until it is, another aem_register_store() fails
 * with -EBUSY.
 *
 * Context: process context, may sleep (for up to AEM_UNSTORE_WAIT_MS and
 * an SRCU grace period); no aether_mm lock held.
 *
 * Return: 0; -ENOMEM when the pool, reserve included, had no frame for
 * some pages, or -ETIMEDOUT when some did not come back in time (the
 * kernel log says how many; their contents are lost); -EINVAL when @ops
 * was not the registered table.
 */
int aem_unregister_store(const struct aem_store_ops *ops)
{
	int ret;

	ret = aem_store_close(ops);
	if (ret)
		return ret;
	ret = aem_region_unstore_all();
	if (aem_hook_unregister(AEM_HOOK_STORE, ops) && ops->drain)
		ops->drain();
	return ret;
}
EXPORT_SYMBOL_GPL(aem_unregister_store);

/**
 * aem_register_share - install the sharing backend (a merge engine)
 * @ops: the table; must stay valid until aem_unregister_share()
 *
 * Merges (aem_share_merge()) and new shared frames are possible from the
 * return on.
 *
 * Return: 0, or -EBUSY when another one is registered (or going away).
 */
int aem_register_share(const struct aem_share_ops *ops)
{
	int ret = aem_hook_register(AEM_HOOK_SHARE, ops);

	if (!ret)
		aem_share_open_engine();
	return ret;
}
EXPORT_SYMBOL_GPL(aem_register_share);

/**
 * aem_unregister_share - remove the sharing backend
 * @ops: the table given to aem_register_share()
 *
 * Stops merges, gives every user of every shared frame a private copy
 * (share.c; the engine hears of each through @unshared), waits until no
 * callback is in flight, then calls @ops->drain.  The table is removed in
 * every case; a shared frame whose users found no frame stays shared (the
 * kernel log says so) and goes with its last user.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 */
void aem_unregister_share(const struct aem_share_ops *ops)
{
	bool ours;

	mutex_lock(&aem_hooks_lock);
	ours = rcu_access_pointer(aem_hooks[AEM_HOOK_SHARE]) == ops;
	mutex_unlock(&aem_hooks_lock);
	if (WARN_ON_ONCE(!ours))
		return;
	aem_share_close_engine();
	if (!aem_hook_unregister(AEM_HOOK_SHARE, ops))
		return;
	/* Calls that found @ops before the grace period: let them finish. */
	wait_event(aem_share_ranges_wq, !atomic_read(&aem_share_ranges));
	if (ops->drain)
		ops->drain();
}
EXPORT_SYMBOL_GPL(aem_unregister_share);

/**
 * aem_share_notify() - tell the merge engine a user left a shared frame
 * @s: the shared frame
 * @users: users left
 *
 * Context: see struct aem_share_ops @unshared.
 */
void aem_share_notify(struct aem_shared *s, unsigned int users)
{
	const struct aem_share_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(aem_hooks[AEM_HOOK_SHARE]);
	if (ops && ops->unshared)
		ops->unshared(s, users);
	rcu_read_unlock();
}

/**
 * aem_share_range() - AETHER_MM_IOC_REGION_DEDUPE: the engine's @range
 * @r: the region, referenced by the caller for the whole call
 * @start: first data page index
 * @end: the index after the last one
 * @out: the ioctl's struct, @merged, @saved and @scanned zeroed
 *
 * The engine's module is pinned for the call, and unregistration waits
 * for it before @drain, so the engine is not freed under it.
 *
 * Context: process context, may sleep; no aether_mm lock held.
 * Return: what @range returned; -ENODEV when no engine is registered, it
 * has no @range, or its module is going.
 */
long aem_share_range(struct aem_region *r, pgoff_t start, pgoff_t end,
		     struct aether_mm_region_dedupe *out)
{
	const struct aem_share_ops *ops;
	long ret;

	rcu_read_lock();
	ops = rcu_dereference(aem_hooks[AEM_HOOK_SHARE]);
	if (ops && (!ops->range || !try_module_get(ops->owner)))
		ops = NULL;
	if (ops)
		atomic_inc(&aem_share_ranges);
	rcu_read_unlock();
	if (!ops)
		return -ENODEV;
	ret = ops->range(r, start, end, out);
	module_put(ops->owner);
	if (atomic_dec_and_test(&aem_share_ranges))
		wake_up_all(&aem_share_ranges_wq);
	return ret;
}

/* Every backend unregisters before its module goes; nothing may be left. */
void aem_hooks_exit(void)
{
	unsigned int i;

	for (i = 0; i < AEM_NR_HOOKS; i++)
		WARN_ON(rcu_access_pointer(aem_hooks[i]));
}

static DECLARE_RWSEM(aem_reclaim_sem);
static LIST_HEAD(aem_reclaim_list);
atomic_long_t aem_reclaim_runs;		/* debugfs stats */
atomic_long_t aem_reclaimed;

/**
 * aem_register_reclaim - add a client that can give pool pages back
 * @ops: the table; must stay valid until aem_unregister_reclaim()
 *
 * Return: 0, or -EINVAL without a @reclaim callback.
 */
int aem_register_reclaim(struct aem_reclaim_ops *ops)
{
	if (!ops->reclaim)
		return -EINVAL;
	down_write(&aem_reclaim_sem);
	list_add_tail(&ops->link, &aem_reclaim_list);
	up_write(&aem_reclaim_sem);
	return 0;
}
EXPORT_SYMBOL_GPL(aem_register_reclaim);

/**
 * aem_unregister_reclaim - remove it; no call is in flight on return
 * @ops: the table given to aem_register_reclaim()
 */
void aem_unregister_reclaim(struct aem_reclaim_ops *ops)
{
	down_write(&aem_reclaim_sem);
	list_del(&ops->link);
	up_write(&aem_reclaim_sem);
}
EXPORT_SYMBOL_GPL(aem_unregister_reclaim);

/**
 * aem_reclaim_run() - ask every reclaim client for pool pages
 * @nid: the node short of pages, or NUMA_NO_NODE
 * @nr_pages: how many are wanted
 *
 * Return: pages given back, 0 when no client had any (or the list was
 * busy).  May sleep.
 */
unsigned long aem_reclaim_run(int nid, unsigned long nr_pages)
{
	struct aem_reclaim_ops *ops;
	unsigned long got = 0;

	might_sleep();
	if (!down_read_trylock(&aem_reclaim_sem))
		return 0;
	list_for_each_entry(ops, &aem_reclaim_list, link) {
		got += ops->reclaim(nid, nr_pages - min(got, nr_pages));
		if (got >= nr_pages)
			break;
	}
	up_read(&aem_reclaim_sem);
	atomic_long_inc(&aem_reclaim_runs);
	atomic_long_add(got, &aem_reclaimed);
	return got;
}

/* True when some client may have pages to give back. */
bool aem_reclaim_registered(void)
{
	return !list_empty(&aem_reclaim_list);
}
