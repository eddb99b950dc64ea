// SPDX-License-Identifier: GPL-2.0
/*
 * access.c - which pages of the regions are used: generations, hot to cold
 *
 * DOC: Overview
 *
 * A kernel thread, aether_kaccessd, wakes every access_interval_ms and
 * scans every region.  For each process that maps the region it walks
 * the page tables of the region's VMAs with apply_to_existing_page_range()
 * (the mm's mmap_lock held for read) and tests and clears the accessed
 * bit of each present entry; then, for each data page that has a frame in
 * some layer the region's views see, its generation becomes 0 when a
 * process touched it since the last scan and grows by one otherwise, up
 * to AEM_NR_GENS - 1.  A generation is "scans since the page was last
 * used": 0 is hot, AEM_NR_GENS - 1 is the coldest.  A page without a frame
 * has none (AEM_GEN_NONE): there is nothing to reclaim.
 *
 * The accessed bit is cleared without a TLB flush per entry, as page_idle
 * and MGLRU's walkers do; a CPU that still caches the entry would touch
 * the page without setting the bit again, so on x86 each pass ends with
 * one flush of every CPU's TLB (flush_tlb_range() is not exported to
 * modules, __flush_tlb_all() is).  Between the clear and the flush a
 * touch may go unseen: a page can look colder for one scan than it is.
 *
 * In a HUGE region, a 2 MiB range of the file that holds data only, has
 * a frame at every page and at least half of them used in the last scan
 * is gathered into one order-9 block (aem_region_collapse(); module
 * parameter huge_collapse), so that it can be mapped with one PMD.
 *
 * Each generation of a region keeps a list of its pages (struct
 * aem_gen_link, indices in an array beside @gens, as MGLRU keeps lists
 * of folios per generation): a scan that changes a page's generation
 * moves it from one list to the tail of the other, in O(1).  So
 * aem_region_cold_pages(), which hands the coldest pages of chosen
 * regions to a caller (reclaim, from inside a failing pool allocation),
 * oldest generation first, takes them from the heads of the oldest
 * lists: finding N cold pages costs O(N + regions x generations), not a
 * walk of every resident page.  A page it offered and the taker left, or
 * could not offer (another holds its lock, the views disagree, another
 * node), goes to the tail of its list, so the next walk starts with
 * others; a page taken leaves the lists (no frame, no generation).  A
 * page whose frame went otherwise (munmap, close) stays on its list until
 * the next scan, which finds no frame: a walk skips it meanwhile.  A
 * region whose last file closed while a scan or a walk held it is let go
 * at the walk's next look at it, untouched (aem_region_walk_alone()), so
 * that its frames go back to the pool then and not at the walk's end.
 *
 * A page that just reached generation integrity_cold_gen has its
 * checksum taken once the pass is over and aem_access_lock dropped
 * (aem_integ_cold(), verify.c).
 *
 * debugfs aether/mm/access shows, per region, the scans and the pages in
 * each generation, and the cold walks: how many, the pages they examined
 * and the time they took (ns, the callbacks' included);
 * aether/mm/cold lists what aem_region_cold_pages() would hand out.
 *
 * Lock order (an excerpt of internal.h's): aem_access_lock (one scan, or
 * one cold walk, at a time; it protects @gens and the generation lists),
 * then an mm's mmap_lock, then the region's views_lock, slot locks and
 * page table locks.  views_lock is never held while an mmap_lock is
 * taken: the mms are collected under it first.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include "region.h"

#define AEM_COLD_DEBUGFS_MAX	64	/* pages aether/mm/cold lists */

static DEFINE_MUTEX(aem_access_lock);
static struct task_struct *aem_kaccessd;
static DECLARE_WAIT_QUEUE_HEAD(aem_access_wait);
static unsigned int aem_access_interval_ms = 1000;
static atomic_long_t aem_access_passes;
static atomic_long_t aem_cold_walks, aem_cold_examined, aem_cold_ns;

/* ---- per-generation lists of pages -------------------------------------- */

/* The head of generation @g's list in @r->gen_link. */
static inline u32 aem_gen_head(const struct aem_region *r, unsigned int g)
{
	return r->nr_pages + g;
}

static void aem_gen_unlink(struct aem_region *r, pgoff_t idx)
{
	struct aem_gen_link *l = r->gen_link;

	l[l[idx].prev].next = l[idx].next;
	l[l[idx].next].prev = l[idx].prev;
}

static void aem_gen_add_tail(struct aem_region *r, pgoff_t idx,
			     unsigned int g)
{
	struct aem_gen_link *l = r->gen_link;
	u32 head = aem_gen_head(r, g);

	l[idx].next = head;
	l[idx].prev = l[head].prev;
	l[l[head].prev].next = idx;
	l[head].prev = idx;
}

/* Data page @idx of @r is now in generation @g (AEM_GEN_NONE: none). */
static void aem_gen_set(struct aem_region *r, pgoff_t idx, u8 g)
{
	u8 old = r->gens[idx];

	lockdep_assert_held(&aem_access_lock);
	if (old == g)
		return;
	if (old != AEM_GEN_NONE) {
		aem_gen_unlink(r, idx);
		r->gen_count[old]--;
	}
	if (g != AEM_GEN_NONE) {
		aem_gen_add_tail(r, idx, g);
		r->gen_count[g]++;
	}
	WRITE_ONCE(r->gens[idx], g);
}

/* Data page @idx goes to the tail of its generation's list. */
static void aem_gen_rotate(struct aem_region *r, pgoff_t idx)
{
	lockdep_assert_held(&aem_access_lock);
	aem_gen_unlink(r, idx);
	aem_gen_add_tail(r, idx, r->gens[idx]);
}

/**
 * aem_gens_alloc() - the generations of a new region, and their lists
 * @r: the region, @nr_pages set
 *
 * Charged to the creator's memory cgroup, as the region's other per-page
 * arrays.
 *
 * Return: 0 or -ENOMEM.
 */
int aem_gens_alloc(struct aem_region *r)
{
	unsigned int g;

	if (r->nr_pages > U32_MAX - AEM_NR_GENS)
		return -ENOMEM;
	r->gens = kvmalloc(r->nr_pages, GFP_KERNEL_ACCOUNT);
	r->gen_link = kvmalloc_array(r->nr_pages + AEM_NR_GENS,
				     sizeof(*r->gen_link), GFP_KERNEL_ACCOUNT);
	if (!r->gens || !r->gen_link) {
		aem_gens_free(r);
		return -ENOMEM;
	}
	memset(r->gens, AEM_GEN_NONE, r->nr_pages);
	for (g = 0; g < AEM_NR_GENS; g++) {
		u32 head = aem_gen_head(r, g);

		r->gen_link[head].prev = head;
		r->gen_link[head].next = head;
		r->gen_count[g] = 0;
	}
	return 0;
}

/**
 * aem_gens_free() - free what aem_gens_alloc() allocated
 * @r: the region, going
 */
void aem_gens_free(struct aem_region *r)
{
	kvfree(r->gen_link);
	kvfree(r->gens);
	r->gen_link = NULL;
	r->gens = NULL;
}

/*
 * ptep_test_and_clear_young() needs a VMA and is not exported; this is
 * its x86 body (an atomic bit clear, so a concurrent hardware update of
 * the dirty bit is not lost) and its generic one elsewhere.  The caller
 * holds the page table lock.
 */
static bool aem_pte_test_and_clear_young(struct mm_struct *mm,
					 unsigned long addr, pte_t *ptep)
{
	pte_t pte = ptep_get(ptep);

	if (!pte_present(pte) || !pte_young(pte))
		return false;
#ifdef CONFIG_X86
	return test_and_clear_bit(_PAGE_BIT_ACCESSED,
				  (unsigned long *)&ptep->pte);
#else
	set_pte_at(mm, addr, ptep, pte_mkold(pte));
	return true;
#endif
}

struct aem_young_walk {
	struct mm_struct *mm;
	struct aem_region *r;
	unsigned long start;	/* VMA start */
	pgoff_t first;		/* data page index at @start */
	unsigned long *young;	/* bitmap over the data pages */
};

static int aem_young_fn(pte_t *ptep, unsigned long addr, void *data)
{
	struct aem_young_walk *w = data;
	pgoff_t idx = w->first + ((addr - w->start) >> PAGE_SHIFT);

	if (aem_pte_test_and_clear_young(w->mm, addr, ptep) &&
	    idx < w->r->nr_pages)
		__set_bit(idx, w->young);
	return 0;
}

/* A 2 MiB mapping: its accessed bit stands for its 512 pages. */
static int aem_young_pmd_fn(pmd_t *pmdp, unsigned long addr, void *data)
{
	struct aem_young_walk *w = data;
	pmd_t pmd = READ_ONCE(*pmdp);
	pgoff_t idx = w->first + ((addr - w->start) >> PAGE_SHIFT);
	bool young;

	if (!pmd_present(pmd) || !pmd_young(pmd))
		return 0;
#ifdef CONFIG_X86
	young = test_and_clear_bit(_PAGE_BIT_ACCESSED, (unsigned long *)pmdp);
#else
	set_pmd_at(w->mm, addr, pmdp, pmd_mkold(pmd));
	young = true;
#endif
	/* A huge fault maps only whole ranges of data: @idx is inside. */
	if (young && idx + AEM_HUGE_PAGES <= w->r->nr_pages)
		bitmap_set(w->young, idx, AEM_HUGE_PAGES);
	return 0;
}

/* Test and clear the accessed bits of @r's VMAs in @mm into @young. */
static void aem_access_walk_mm(struct aem_region *r, struct mm_struct *mm,
			       unsigned long *young)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct aem_young_walk w = { .mm = mm, .r = r, .young = young };
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	for_each_vma(vmi, vma) {
		unsigned long start = vma->vm_start, end = vma->vm_end;
		pgoff_t pg = vma->vm_pgoff;

		if (!aem_vma_of_region(vma, r))
			continue;
		/* Skip the leading guard pages; the walk stops at the data. */
		if (pg < r->guard) {
			start += (r->guard - pg) << PAGE_SHIFT;
			pg = r->guard;
		}
		if (start >= end || pg - r->guard >= r->nr_pages)
			continue;
		end = min(end, start + ((r->nr_pages - (pg - r->guard))
					<< PAGE_SHIFT));
		w.start = start;
		w.first = pg - r->guard;
		aem_region_walk(r, vma, start, end, aem_young_fn,
				aem_young_pmd_fn, &w);
		cond_resched();
	}
	mmap_read_unlock(mm);
}

/*
 * One scan of @r: clear the accessed bits, then age its generations.
 * Return: a bitmap of the pages that just went cold for integrity
 * checksums (verify.c), or NULL; the caller takes them, then frees it.
 */
static unsigned long *aem_access_scan_region(struct aem_region *r)
{
	unsigned long *young, *present, *cold = NULL;
	unsigned int nr_mms, i, seq;
	struct mm_struct **mms;
	bool again;
	pgoff_t idx;

	lockdep_assert_held(&aem_access_lock);
	young = bitmap_zalloc(r->nr_pages, GFP_KERNEL);
	present = bitmap_zalloc(r->nr_pages, GFP_KERNEL);
	if (!young || !present)
		goto out;

	cold = bitmap_zalloc(r->nr_pages, GFP_KERNEL);
	nr_mms = aem_region_grab_mms(r, &mms, present);
	for (i = 0; i < nr_mms; i++) {
		if (mmget_not_zero(mms[i])) {
			aem_access_walk_mm(r, mms[i], young);
			mmput(mms[i]);
		}
		mmdrop(mms[i]);
	}
	kfree(mms);

	/* integrity_cold_gen changed since: the pages past it too, once. */
	seq = aem_integ_cold_seq();
	again = r->integ_cold_seq != seq;
	r->integ_cold_seq = seq;
	for (idx = 0; idx < r->nr_pages; idx++) {
		u8 old = r->gens[idx], g = old;

		if (!test_bit(idx, present))
			g = AEM_GEN_NONE;
		else if (test_bit(idx, young) || g == AEM_GEN_NONE)
			g = 0;
		else if (g < AEM_NR_GENS - 1)
			g++;
		aem_gen_set(r, idx, g);
		/* Cold enough: its checksum, after the pass (verify.c). */
		if (cold && aem_integ_cold_edge(old, g, again))
			__set_bit(idx, cold);
	}
	aem_region_stat_inc(r, AEM_RS_ACCESS_SCANS);
out:
	bitmap_free(young);
	bitmap_free(present);
	return cold;
}

#ifdef CONFIG_X86
static void aem_flush_tlb_local(void *unused)
{
	__flush_tlb_all();
}
#endif

static bool aem_huge_collapse = true;
module_param_named(huge_collapse, aem_huge_collapse, bool, 0644);
MODULE_PARM_DESC(huge_collapse,
		 "aether_kaccessd gathers hot, fully populated 2 MiB ranges of HUGE regions into order-9 blocks (default Y)");

/* Collapse the hot, full 2 MiB ranges of HUGE region @r. */
static void aem_access_collapse(struct aem_region *r)
{
	pgoff_t idx, i, hot;

	if (!(r->flags & AETHER_MM_REGION_HUGE) || !r->gens ||
	    !READ_ONCE(aem_huge_collapse))
		return;
	/* The first data page whose file offset is 2 MiB aligned. */
	idx = round_up(r->guard, AEM_HUGE_PAGES) - r->guard;
	for (; idx + AEM_HUGE_PAGES <= r->nr_pages; idx += AEM_HUGE_PAGES) {
		for (i = 0, hot = 0; i < AEM_HUGE_PAGES; i++) {
			if (r->gens[idx + i] == AEM_GEN_NONE)
				break;
			hot += !r->gens[idx + i];
		}
		if (i == AEM_HUGE_PAGES && hot >= AEM_HUGE_PAGES / 2)
			aem_region_collapse(r, idx);
		cond_resched();
	}
}

/*
 * Does no one but this walk hold @r: no file, so no VMA, and no other
 * walk?  Its frames go back to the pool when the walk lets it go, so
 * the walk lets it go at once and spends nothing on it (no scan, no
 * checksum, no page stored): a hog closed during a walk would otherwise
 * hold the whole pool until the walk ended.  Racy by design: an OPEN by
 * name may take a reference just after; it finds the region as it was.
 */
static bool aem_region_walk_alone(struct aem_region *r)
{
	return kref_read(&r->ref) == 1;
}

static void aem_access_pass(void)
{
	struct aem_region **rs;
	unsigned long **cold;
	unsigned int n, i, k;

	mutex_lock(&aem_access_lock);
	n = aem_regions_get_all(&rs);
	for (i = 0, k = 0; i < n; i++) {
		if (aem_region_walk_alone(rs[i]))
			aem_region_put(rs[i]);
		else
			rs[k++] = rs[i];
	}
	n = k;
	cold = kcalloc(max(n, 1U), sizeof(*cold), GFP_KERNEL);
	for (i = 0; i < n; i++) {
		unsigned long *c = aem_access_scan_region(rs[i]);

		if (cold)
			cold[i] = c;
		else
			bitmap_free(c);
		aem_access_collapse(rs[i]);
		aem_numa_scan_region(rs[i]);
		cond_resched();
	}
#ifdef CONFIG_X86
	if (n)
		on_each_cpu(aem_flush_tlb_local, NULL, 1);
#endif
	atomic_long_inc(&aem_access_passes);
	mutex_unlock(&aem_access_lock);
	/* The checksums of pages gone cold, with no lock held. */
	for (i = 0; i < n; i++) {
		if (cold && cold[i]) {
			if (!aem_region_walk_alone(rs[i]))
				aem_integ_cold(rs[i], cold[i]);
			bitmap_free(cold[i]);
		}
		aem_region_put(rs[i]);
	}
	kfree(cold);
	kfree(rs);
}

/* Stop, or the interval changed from @ms. */
static bool aem_access_wake(unsigned int ms)
{
	return kthread_should_stop() ||
	       READ_ONCE(aem_access_interval_ms) != ms;
}

static int aem_kaccessd_fn(void *unused)
{
	while (!kthread_should_stop()) {
		unsigned int ms = READ_ONCE(aem_access_interval_ms);
		long timeout = ms ? msecs_to_jiffies(ms) : MAX_SCHEDULE_TIMEOUT;

		if (ms)
			aem_access_pass();
		wait_event_interruptible_timeout(aem_access_wait,
						 aem_access_wake(ms), timeout);
	}
	return 0;
}

/*
 * Set a bit in @present for every data page some layer of @l's chain has
 * a frame for (a stored page has none: no generation, nothing to reclaim).
 */
static void aem_chain_present(struct aem_layer *l, unsigned long *present)
{
	unsigned long idx;
	void *e;

	for (; l; l = l->backing)
		xa_for_each(&l->slots, idx, e)
			if (!aem_slot_is_stored(e))
				__set_bit(idx, present);
}

/**
 * aem_region_grab_mms - the processes that map a region, and its frames
 * @r: the region
 * @mms: receives a kmalloc()ed array of the mms, each with mmgrab()
 * @present: bitmap over the data pages: set where a view (or the base)
 *	     has a frame
 *
 * A view exists only while a VMA of its mm maps the region, so its mm is
 * still allocated under views_lock and mmgrab() is safe.
 *
 * Return: entries in @mms.
 */
unsigned int aem_region_grab_mms(struct aem_region *r,
				 struct mm_struct ***mms,
				 unsigned long *present)
{
	struct aem_view *v;
	unsigned int n = 0;

	mutex_lock(&r->views_lock);
	aem_chain_present(r->base, present);
	*mms = kmalloc_array(max(r->nr_views, 1U), sizeof(**mms), GFP_KERNEL);
	list_for_each_entry(v, &r->views, link) {
		aem_chain_present(v->top, present);
		if (*mms) {
			mmgrab(v->mm);
			(*mms)[n++] = v->mm;
		}
	}
	mutex_unlock(&r->views_lock);
	return n;
}

/**
 * aem_region_offer - offer data page @idx of @r to a cold-page taker
 * @nid: only a frame of this node, or NUMA_NO_NODE
 * @gen: its generation
 * @fn: the taker (see aem_cold_fn)
 * @arg: its argument
 * @offered: set when @fn was called
 *
 * The page is offered when every view sees the same frame at @idx (a
 * SHARED region's, or one PRIVATE image's): taking it then changes what
 * each of them sees in the same way.  With @nowait, a lock held by
 * someone else skips the page (a caller inside a pool allocation).
 *
 * Return: what @fn returned, or 0 when it was not called.
 */
int aem_region_offer(struct aem_region *r, pgoff_t idx, int nid,
		     unsigned int gen, aem_cold_fn fn, void *arg,
		     bool nowait, bool *offered)
{
	struct aem_layer *where = NULL, *w;
	void *f = NULL, *g;
	struct aem_frame *frame;
	struct aem_view *v;
	int ret = 0;

	*offered = false;
	if (!nowait)
		mutex_lock(&r->views_lock);
	else if (!mutex_trylock(&r->views_lock))
		return 0;
	if (!nowait) {
		mutex_lock(aem_slot_lock(r, idx));
	} else if (!mutex_trylock(aem_slot_lock(r, idx))) {
		mutex_unlock(&r->views_lock);
		return 0;
	}
	if (list_empty(&r->views)) {
		f = aem_lookup_entry(r->base, idx, &where);
	} else {
		list_for_each_entry(v, &r->views, link) {
			g = aem_lookup_entry(v->top, idx, &w);
			if (!g || (f && g != f)) {
				f = NULL;
				break;
			}
			f = g;
			where = w;
		}
	}
	/* A stored page has no frame to offer; a shared frame is no region's. */
	frame = aem_slot_frame(f);
	if (frame && !aem_frame_is_shared(frame) &&
	    (nid == NUMA_NO_NODE || aem_frame_nid(frame) == nid)) {
		*offered = true;
		ret = fn(r, where, idx, frame, gen, arg);
	}
	mutex_unlock(aem_slot_lock(r, idx));
	mutex_unlock(&r->views_lock);
	return ret;
}

/**
 * aem_region_cold_pages - offer the coldest pages of regions, oldest first
 * @rflags: only regions with all these AETHER_MM_REGION_* flags
 * @nid: only frames on this node, or NUMA_NO_NODE
 * @min_gen: only pages idle for at least this many scans (1..AEM_NR_GENS-1)
 * @nr: offer at most this many pages
 * @fn: called for each page offered, under its slot lock, with the layer
 *	that holds the frame; returns 1 when it took the page, 0 to leave
 *	it, or a negative errno to stop
 * @arg: passed to @fn
 * @flags: AEM_COLD_NOWAIT: skip what another holds a lock of, rather
 *	   than wait (a caller inside a pool allocation: reclaim)
 *
 * Generations come from the last scans of aether_kaccessd; a page offered
 * is one a process of every view sees as that frame.  Nothing is unmapped
 * or freed here: that is @fn's business, through aem_cold_page_unmap()
 * then aem_cold_page_set_stored() or aem_cold_page_drop() (mm.h).  The
 * pages come from per-generation lists: the cost is that of the pages
 * offered (and of the regions), not of the pages resident.
 *
 * Return: pages @fn took, or the negative errno it stopped with.
 */
/*
 * Offer up to *@nr pages of generation @g of @r, from the head of its
 * list; each page is looked at once.  Return: what the taker returned
 * last (a negative errno stops the walk); *@nr and *@taken updated.
 */
static int aem_cold_pages_gen(struct aem_region *r, unsigned int g, int nid,
			      unsigned long *nr, long *taken, aem_cold_fn fn,
			      void *arg, bool nowait)
{
	unsigned long left = r->gen_count[g], examined = 0;
	int ret = 0;

	lockdep_assert_held(&aem_access_lock);
	for (; left && *nr && !aem_region_walk_alone(r); left--) {
		pgoff_t idx = r->gen_link[aem_gen_head(r, g)].next;
		bool offered;

		examined++;
		ret = aem_region_offer(r, idx, nid, g, fn, arg, nowait,
				       &offered);
		if (ret < 0)
			break;
		if (ret == AEM_COLD_PASS) {	/* not this walk's: not counted */
			ret = 0;
			aem_gen_rotate(r, idx);
			continue;
		}
		if (offered && ret > 0)
			aem_gen_set(r, idx, AEM_GEN_NONE);	/* no frame */
		else
			aem_gen_rotate(r, idx);
		if (!offered)
			continue;
		(*nr)--;
		*taken += ret;
	}
	atomic_long_add(examined, &aem_cold_examined);
	return ret;
}

long aem_region_cold_pages(u32 rflags, int nid, unsigned int min_gen,
			   unsigned long nr, aem_cold_fn fn, void *arg,
			   unsigned int flags)
{
	return aem_region_cold_pages_if(rflags, nid, min_gen, nr, fn, arg,
					flags, NULL, NULL);
}
EXPORT_SYMBOL_GPL(aem_region_cold_pages);

/**
 * aem_region_cold_pages_if() - aem_region_cold_pages() of chosen regions
 * @rflags: as there
 * @nid: as there
 * @min_gen: as there
 * @nr: as there
 * @fn: as there
 * @arg: as there
 * @flags: as there
 * @want: NULL, or whether a region (with @rflags) is offered; called
 *	  under aem_access_lock, the region referenced, no region lock
 *	  held; must not sleep
 * @warg: passed to @want
 *
 * The regions of a group (aem_policy_reclaim()), or of one reclaim tier
 * (region/reclaim.c).
 *
 * Return: as aem_region_cold_pages().
 */
long aem_region_cold_pages_if(u32 rflags, int nid, unsigned int min_gen,
			      unsigned long nr, aem_cold_fn fn, void *arg,
			      unsigned int flags,
			      bool (*want)(struct aem_region *r, void *warg),
			      void *warg)
{
	bool nowait = flags & AEM_COLD_NOWAIT;
	struct aem_region **rs;
	unsigned int n, i, k, g;
	long taken = 0;
	int ret = 0;
	u64 t0;

	if (!min_gen || min_gen >= AEM_NR_GENS || flags & ~AEM_COLD_NOWAIT)
		return -EINVAL;
	if (!nowait)
		mutex_lock(&aem_access_lock);
	else if (!mutex_trylock(&aem_access_lock))
		return 0;
	atomic_long_inc(&aem_cold_walks);
	t0 = ktime_get_ns();
	n = aem_regions_get_all(&rs);
	/*
	 * Those not wanted leave the array (and their reference goes); a
	 * SECURE region is never offered (secure.c), nor one no one else
	 * holds (aem_region_walk_alone(): its frames are free once it goes).
	 */
	for (i = 0, k = 0; i < n; i++) {
		if (!aem_region_walk_alone(rs[i]) &&
		    !aem_secure_skip(rs[i], min_gen) &&
		    (!want || want(rs[i], warg)))
			rs[k++] = rs[i];
		else
			aem_region_put(rs[i]);
	}
	n = k;
	for (g = AEM_NR_GENS - 1; g >= min_gen && nr && ret >= 0; g--) {
		for (i = 0; i < n && nr && ret >= 0; i++) {
			struct aem_region *r = rs[i];

			if ((r->flags & rflags) != rflags || !r->gen_count[g])
				continue;
			ret = aem_cold_pages_gen(r, g, nid, &nr, &taken, fn,
						 arg, nowait);
		}
	}
	for (i = 0; i < n; i++)
		aem_region_put(rs[i]);
	kfree(rs);
	atomic_long_add(ktime_get_ns() - t0, &aem_cold_ns);
	mutex_unlock(&aem_access_lock);
	return ret < 0 ? ret : taken;
}

/* ---- debugfs ------------------------------------------------------------ */

static int aem_dbg_access_show(struct seq_file *m, void *unused)
{
	struct aem_region **rs;
	unsigned int n, i, g;

	seq_printf(m, "interval_ms %u passes %ld\n",
		   READ_ONCE(aem_access_interval_ms),
		   atomic_long_read(&aem_access_passes));
	seq_printf(m, "cold_walks %ld\n", atomic_long_read(&aem_cold_walks));
	seq_printf(m, "cold_examined %ld\n",
		   atomic_long_read(&aem_cold_examined));
	seq_printf(m, "cold_ns %ld\n", atomic_long_read(&aem_cold_ns));
	seq_puts(m, "id\tscans");
	for (g = 0; g < AEM_NR_GENS; g++)
		seq_printf(m, "\tgen%u", g);
	seq_putc(m, '\n');

	mutex_lock(&aem_access_lock);
	n = aem_regions_get_all(&rs);
	for (i = 0; i < n; i++) {
		struct aem_region *r = rs[i];

		seq_printf(m, "%llu\t%ld", r->id,
			   aem_region_stat(r, AEM_RS_ACCESS_SCANS));
		for (g = 0; g < AEM_NR_GENS; g++)
			seq_printf(m, "\t%lu", r->gen_count[g]);
		seq_putc(m, '\n');
		aem_region_put(r);
	}
	kfree(rs);
	mutex_unlock(&aem_access_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_access);

static int aem_dbg_cold_fn(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx, struct aem_frame *f, unsigned int gen,
			   void *arg)
{
	struct seq_file *m = arg;

	seq_printf(m, "%llu\t%lu\t%u\t%d\n", r->id, idx, gen,
		   aem_frame_nid(f));
	return 0;
}

static int aem_dbg_cold_show(struct seq_file *m, void *unused)
{
	long ret;

	seq_puts(m, "id\tindex\tgen\tnode\n");
	ret = aem_region_cold_pages(0, NUMA_NO_NODE, 1, AEM_COLD_DEBUGFS_MAX,
				    aem_dbg_cold_fn, m, 0);
	return ret < 0 ? ret : 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_cold);

/**
 * aem_access_debugfs() - create debugfs aether/mm/access and cold
 * @dir: aether/mm/
 */
void aem_access_debugfs(struct dentry *dir)
{
	debugfs_create_file("access", 0400, dir, NULL, &aem_dbg_access_fops);
	debugfs_create_file("cold", 0400, dir, NULL, &aem_dbg_cold_fops);
}

static int aem_access_interval_set(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = aem_parse_interval_ms(val, &ms);
	if (err)
		return err;
	WRITE_ONCE(aem_access_interval_ms, ms);
	wake_up(&aem_access_wait);
	return 0;
}

static const struct kernel_param_ops aem_access_interval_ops = {
	.set = aem_access_interval_set,
	.get = param_get_uint,
};

module_param_cb(access_interval_ms, &aem_access_interval_ops,
		&aem_access_interval_ms, 0644);
MODULE_PARM_DESC(access_interval_ms,
		 "aether_kaccessd scans the accessed bits of every region this often, ms (10..3600000; 0 = off; default 1000)");

/**
 * aem_access_init() - start aether_kaccessd
 *
 * Return: 0 or a negative errno.
 */
int aem_access_init(void)
{
	aem_kaccessd = kthread_run(aem_kaccessd_fn, NULL, "aether_kaccessd");
	return PTR_ERR_OR_ZERO(aem_kaccessd);
}

/**
 * aem_access_exit() - stop aether_kaccessd
 */
void aem_access_exit(void)
{
	kthread_stop(aem_kaccessd);
}
