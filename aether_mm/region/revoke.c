// SPDX-License-Identifier: GPL-2.0
/*
 * region/revoke.c - taking back only the mappings a firewall change names
 *
 * The memory firewall checks an access where it is asked for; a rule
 * added later, or a quarantine, must reach mappings made before it.
 * aem_access_revoke() does that for every mapping of every region: every
 * process refaults everything it had mapped, and a user who can make a
 * quarantine happen (64 refusals of their own) could make that happen to
 * everybody.  aem_access_revoke_some() takes back only what its caller's
 * selection (struct aem_revoke_sel) names: the mappings of the regions
 * the change concerns, in the processes it concerns.  This file walks
 * them.
 *
 * Who a process is.  A fault is checked with the credentials of the
 * thread that touches, and a view is per mm, so a mapping belongs to
 * every thread that uses its mm (the threads of a process, and processes
 * made with CLONE_VM).  A mapping is taken back when any of those threads
 * matches the selection as it is now.  A thread that takes the
 * credentials of a subject after this walk touched its pages before, as
 * it could have done just after a revocation of everything: the check of
 * a mapping is made at its touches, with the credentials of then.
 *
 * The walk, under aem_access_revoke_lock (policy.c), with sequence number
 * @seq taken after the caller published its change:
 *
 *  1. the regions the selection names, referenced (aem_regions_get_all(),
 *     then @sel->region under RCU), and the mms of their views, each
 *     mmgrab()ed under the region's views_lock (a view on the list holds
 *     a VMA of its mm, so the mm is not freed yet);
 *  2. one pass over every thread under RCU: a thread whose mm is one of
 *     those and that @sel->task matches marks its mm's pairs;
 *  3. the views of the marked pairs get @seq as their floor, under
 *     views_lock: a check that read a smaller number is stale, whether
 *     it is done or still running (region/view.c);
 *  4. aem_fw_sync(): a fault that found its view fresh before step 3 has
 *     mapped by now;
 *  5. each marked mm's VMAs of those regions are zapped under its
 *     mmap_lock (read; mmget_not_zero() first: an mm going away needs
 *     nothing), so their next touch faults and is checked again.
 *
 * A region or a view made after @seq needs nothing: a view's floor starts
 * at the number of its creation, so a check begun before that is stale.
 *
 * Lock order: aem_access_revoke_lock, then aem_regions_lock (inside
 * aem_regions_get_all()) or one region's views_lock, one at a time, or
 * an mm's mmap_lock alone (region.h: mmap_lock comes before views_lock,
 * so none is held across another).
 */
#include <linux/bsearch.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "region.h"

/* One view of a named region: its region and its mm. */
struct aem_revoke_pair {
	struct mm_struct *mm;		/* mmgrab()ed */
	struct aem_region *r;		/* a reference of the region array */
	bool hit;
};

struct aem_revoke_walk {
	struct aem_revoke_pair *p;
	unsigned int nr;
	unsigned int cap;
};

static int aem_revoke_pair_cmp(const void *a, const void *b)
{
	const struct aem_revoke_pair *x = a, *y = b;

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	return 0;
}

static int aem_revoke_grow(struct aem_revoke_walk *w, unsigned int need)
{
	struct aem_revoke_pair *p;
	unsigned int cap;

	if (w->nr + need <= w->cap)
		return 0;
	cap = max(2 * w->cap, w->nr + need + 16);
	p = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	if (w->nr)
		memcpy(p, w->p, w->nr * sizeof(*p));
	kvfree(w->p);
	w->p = p;
	w->cap = cap;
	return 0;
}

/* Step 1 for one region: the mms of its views. */
static int aem_revoke_views(struct aem_revoke_walk *w, struct aem_region *r)
{
	struct aem_view *v;
	unsigned int n;
	int err;

	for (;;) {
		mutex_lock(&r->views_lock);
		n = r->nr_views;
		if (w->nr + n <= w->cap)
			break;
		mutex_unlock(&r->views_lock);
		err = aem_revoke_grow(w, n);
		if (err)
			return err;
	}
	list_for_each_entry(v, &r->views, link) {
		mmgrab(v->mm);
		w->p[w->nr++] = (struct aem_revoke_pair){ .mm = v->mm, .r = r };
	}
	mutex_unlock(&r->views_lock);
	return 0;
}

/* The first pair of @mm in the sorted pairs, or NULL. */
static struct aem_revoke_pair *aem_revoke_find(struct aem_revoke_walk *w,
					       struct mm_struct *mm)
{
	struct aem_revoke_pair key = { .mm = mm }, *p;

	p = bsearch(&key, w->p, w->nr, sizeof(*p), aem_revoke_pair_cmp);
	while (p && p > w->p && p[-1].mm == mm)
		p--;
	return p;
}

/* Step 2: mark the pairs of every mm one of whose threads matches. */
static void aem_revoke_match_tasks(struct aem_revoke_walk *w,
				   const struct aem_revoke_sel *sel)
{
	struct task_struct *g, *t;
	struct aem_revoke_pair *p, *end = w->p + w->nr;
	struct mm_struct *mm;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (t->flags & PF_KTHREAD)
			continue;
		mm = READ_ONCE(t->mm);
		if (!mm)
			continue;
		p = aem_revoke_find(w, mm);
		if (!p || p->hit || !sel->task(t, sel->arg))
			continue;
		for (; p < end && p->mm == mm; p++)
			p->hit = true;
	}
	rcu_read_unlock();
}

/* Step 5 for the pairs [@p, @end) of one mm. */
static void aem_revoke_zap_mm(struct aem_revoke_pair *p,
			      struct aem_revoke_pair *end)
{
	struct mm_struct *mm = p->mm;
	struct vm_area_struct *vma;
	struct aem_revoke_pair *q;

	if (!mmget_not_zero(mm))
		return;
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end)) {
		for (q = p; q < end; q++) {
			if (!q->hit || !aem_vma_of_region(vma, q->r))
				continue;
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
			break;
		}
	}
	mmap_read_unlock(mm);
	mmput(mm);
}

/**
 * aem_regions_revoke() - aem_access_revoke_some()'s walk (see above)
 * @sel: the selection
 * @seq: the sequence number of this revocation
 *
 * Context: process context, aem_access_revoke_lock held, may sleep.
 * Return: 0, or -ENOMEM when the walk could not be made (the caller then
 * takes back every mapping).
 */
int aem_regions_revoke(const struct aem_revoke_sel *sel, u64 seq)
{
	struct aem_revoke_walk w = { };
	struct aem_region **rs = NULL;
	struct aem_revoke_pair *p, *end;
	unsigned int n, i;
	struct aem_view *v;
	int err = 0;

	n = aem_regions_get_all(&rs);
	if (!rs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct aem_region *r = rs[i];
		struct aem_access a = {
			.id = r->id, .name = r->name, .owner = r->uid,
			.flags = r->flags, .tag = r->tag,
		};
		bool match;

		rcu_read_lock();
		match = sel->region(&a, sel->arg);
		rcu_read_unlock();
		if (!match)
			continue;
		err = aem_revoke_views(&w, r);
		if (err)
			goto out;
	}
	if (!w.nr)
		goto out;
	sort(w.p, w.nr, sizeof(*w.p), aem_revoke_pair_cmp, NULL);
	aem_revoke_match_tasks(&w, sel);

	/* step 3: the floors */
	for (p = w.p; p < w.p + w.nr; p++) {
		if (!p->hit)
			continue;
		mutex_lock(&p->r->views_lock);
		v = aem_view_find(p->r, p->mm);
		if (v && READ_ONCE(v->fw_floor) < seq)
			WRITE_ONCE(v->fw_floor, seq);
		mutex_unlock(&p->r->views_lock);
	}
	aem_fw_sync();		/* step 4 */
	for (p = w.p; p < w.p + w.nr; p = end) {
		for (end = p; end < w.p + w.nr && end->mm == p->mm; end++)
			;
		if (p->hit)
			aem_revoke_zap_mm(p, end);
	}
out:
	for (i = 0; i < w.nr; i++)
		mmdrop(w.p[i].mm);
	kvfree(w.p);
	for (i = 0; i < n; i++)
		aem_region_put(rs[i]);
	kfree(rs);
	return err;
}
