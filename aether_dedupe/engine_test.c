// SPDX-License-Identifier: GPL-2.0
/*
 * engine_test.c - in-kernel self-test of a pass's candidates and their
 * hash check; part of engine.c (included at its end: it drives the
 * engine's own per-page logic and reads its state)
 *
 * DOC: Overview
 *
 * A self-test at load has no region; this one needs pages of a real
 * MERGEABLE region, so it runs on a region fd written to debugfs
 * aether/dedupe/pair_selftest (root, and only when the module was loaded
 * with selftest=1; dedupe_merge_test's
 * the_pair_check_refuses_candidates_that_changed).  It writes no page:
 * the caller fills pages 0 and 2 with the same bytes (A) and page 1 with
 * others (B), all resident and not merged.  With the engine held it sets
 * their rmap items as earlier visits would have left them, visits them
 * through adp_page(), the scanner's per-page logic, and checks each visit
 * by its items, the unstable tree and the counters.  A page "written
 * since it was filed" is one filed under B's hash that holds A: the
 * engine's state after such a write, made without one:
 *
 *  unchecked	a page whose last visit left an undoubted hash is filed
 *		under it without a new hash; dropped unpaired (a pass's
 *		end), it is hashed at its next visit and filed checked, and
 *		at the one after filed unchecked again
 *  stale	page 0 filed unchecked under B's hash (its last visit saw
 *		B, it holds A now); page 1, whose last hash is B's, meets
 *		it: the pair's frame (a copy of page 0) has A's hash, so no
 *		pair and no stable entry; page 0's item takes A's hash, to
 *		be checked again; page 1 is hashed (one hash) and takes
 *		page 0's place
 *  checked	page 0 hashed at its visit and filed under A's hash, then
 *		moved to B's as a checked candidate (its bytes changed
 *		after the check); page 2 (A) meets it under B's hash: the
 *		frame's hash is checked for every candidate, not only an
 *		unchecked one: no pair, both pages volatile
 *  retry	a REGION_DEDUPE page (always hashed) meets an unchecked
 *		candidate that changed: it takes its place in the tree
 *
 * The pages keep their bytes; their items stay the engine's.
 * Needs merge_across_nodes = 1 (pages 0-2 may be on two nodes).
 */

#define ADP_PT_PAGES	3

struct adp_pt {
	struct adp_walk w;
	struct adp_item *it[ADP_PT_PAGES];
	u64 ha, hb;		/* the hashes of bytes A (pages 0, 2) and B */
	const char *name;	/* the case running */
};

/* A check of case @t: true when it holds; the kernel log says which not. */
#define adp_pt_check(t, cond)						\
({									\
	bool __ok = (cond);						\
									\
	if (!__ok)							\
		pr_err("pair selftest: %s: failed: %s (line %d)\n",	\
		       (t)->name, #cond, __LINE__);			\
	__ok;								\
})

/* Note the page's item and check its bytes: A on pages 0 and 2, B on 1. */
static int adp_pt_note_page(struct aem_share_page *pg, void *arg)
{
	struct adp_pt *t = arg;
	void *p;
	u64 h;

	if (pg->shared || pg->index >= ADP_PT_PAGES)
		return -EBUSY;
	t->it[pg->index] = adp_item_get(&t->w, pg);
	if (!t->it[pg->index])
		return -ENOMEM;
	p = kmap_local_page(aem_frame_page(pg->frame));
	h = adp_hash(p);
	kunmap_local(p);
	if (pg->index == 1)
		t->hb = h;
	else if (!pg->index)
		t->ha = h;
	else if (h != t->ha)
		return -EINVAL;		/* page 2 is not page 0's bytes */
	return 0;
}

/* Every page's item; -EINVAL unless pages 0 and 2 are alike, 1 not. */
static int adp_pt_note(struct aem_region *r, struct adp_pt *t)
{
	long n = aem_share_scan(r, 0, ADP_PT_PAGES, adp_pt_note_page, t);

	if (n < 0)
		return n;
	if (n != ADP_PT_PAGES)
		return -EAGAIN;
	return t->ha == t->hb ? -EINVAL : 0;
}

/*
 * Page 0, filed checked under A's hash, moved to B's with its mark
 * unchanged: the state its bytes changing after the check leaves.
 */
static int adp_pt_rekey_page(struct aem_share_page *pg, void *arg)
{
	struct adp_pt *t = arg;
	struct adp_item *it = t->it[0];
	struct adp_tkey key;
	void *kaddr;
	int ret;

	if (!it->un)
		return -EINVAL;
	key = it->un->t.key;
	key.hash = t->hb;
	adp_unstable_drop(it->un);
	it->hash = t->hb;
	kaddr = kmap_local_page(aem_frame_page(pg->frame));
	ret = adp_try_unstable(&t->w, pg, it, kaddr, &key, false);
	kunmap_local(kaddr);
	return ret;
}

/* Item @i as a visit left it: last hash @hash, @recheck; no candidate. */
static void adp_pt_set(struct adp_pt *t, unsigned int i, u64 hash,
		       bool recheck)
{
	struct adp_item *it = t->it[i];

	if (it->un)
		adp_unstable_drop(it->un);
	it->hash = hash;
	it->hashed = 1;
	it->recheck = recheck;
}

/*
 * adp_page() for aem_share_scan(), which merges nothing a pass's visit
 * asks for (@pg->merge, aem_share_scan_batch()'s): a failing case's
 * merge is given up, its user count with it.
 */
static int adp_pt_page(struct aem_share_page *pg, void *arg)
{
	int ret = adp_page(pg, arg);
	struct adp_dup *d;

	if (pg->merge) {
		d = adp_dup_find(pg->merge);
		if (d)
			adp_dup_user_drop(d);
		pg->merge = NULL;
	}
	return ret;
}

/* The hashes taken so far: counted, and a pass's walk's not yet counted. */
static long adp_pt_hashed(const struct adp_walk *w)
{
	return atomic_long_read(&adp_pages_hashed) + w->hashed;
}

/* A pass's visit of page @i (or a range's, @w); pages hashed by it. */
static long adp_pt_visit(struct aem_region *r, struct adp_pt *t,
			 struct adp_walk *w, unsigned int i)
{
	long hashed = adp_pt_hashed(w);
	long n;

	t->it[i]->age = 0;
	t->it[i]->skips = 0;
	n = aem_share_scan(r, i, i + 1, adp_pt_page, w);
	if (n != 1)
		return n < 0 ? n : -EAGAIN;
	return adp_pt_hashed(w) - hashed;
}

/* No pair was made since @dups: no merge asked, no new shared frame. */
static bool adp_pt_no_pair(unsigned long dups)
{
	return !adp_nr_pend && adp_cs.dups == dups;
}

static int adp_pt_unchecked(struct aem_region *r, struct adp_pt *t)
{
	u64 h;

	t->name = "unchecked";
	h = t->ha;
	adp_pt_set(t, 0, h, false);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 0))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un->t.key.hash == h))
		return -EINVAL;
	/* Unpaired at the pass's end: the next visit hashes it. */
	adp_unstable_drop(t->it[0]->un);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 1))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && !t->it[0]->recheck))
		return -EINVAL;
	adp_unstable_drop(t->it[0]->un);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 0))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && t->it[0]->recheck))
		return -EINVAL;
	return 0;
}

static int adp_pt_stale(struct aem_region *r, struct adp_pt *t)
{
	unsigned long dups = adp_cs.dups;

	t->name = "stale";
	adp_pt_set(t, 0, t->hb, false);
	adp_pt_set(t, 1, t->hb, false);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 0))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && t->it[0]->un->t.key.hash == t->hb))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 1) == 1))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_no_pair(dups)))
		return -EINVAL;
	if (!adp_pt_check(t, !t->it[0]->un))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->hash == t->ha && t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[1]->un && t->it[1]->un->t.key.hash == t->hb))
		return -EINVAL;
	if (!adp_pt_check(t, !t->it[1]->recheck && t->it[1]->hash == t->hb))
		return -EINVAL;
	return 0;
}

static int adp_pt_checked(struct aem_region *r, struct adp_pt *t)
{
	unsigned long dups = adp_cs.dups;
	long n;

	t->name = "checked";
	adp_pt_set(t, 0, t->ha, true);
	adp_pt_set(t, 1, 0, false);
	adp_pt_set(t, 2, t->hb, false);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 1))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && !t->it[0]->recheck))
		return -EINVAL;
	n = aem_share_scan(r, 0, 1, adp_pt_rekey_page, t);
	if (n != 1)
		return n < 0 ? n : -EAGAIN;
	if (!adp_pt_check(t, t->it[0]->un && !t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 2) == 1))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_no_pair(dups)))
		return -EINVAL;
	if (!adp_pt_check(t, !t->it[0]->un && !t->it[2]->un))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->hash == t->ha && t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[2]->hash == t->ha && t->it[2]->recheck))
		return -EINVAL;
	return 0;
}

static int adp_pt_retry(struct aem_region *r, struct adp_pt *t)
{
	struct aether_mm_region_dedupe out = {};
	struct adp_walk rw = {
		.range = true, .rs = t->w.rs, .region = r, .start = 1,
		.end = 2, .out = &out,
	};
	unsigned long dups = adp_cs.dups;

	t->name = "retry";
	adp_pt_set(t, 0, t->hb, false);
	adp_pt_set(t, 1, 0, false);
	if (!adp_pt_check(t, adp_pt_visit(r, t, &t->w, 0) == 0))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[0]->un && t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_visit(r, t, &rw, 1) == 1))
		return -EINVAL;
	if (!adp_pt_check(t, adp_pt_no_pair(dups) && !out.merged))
		return -EINVAL;
	if (!adp_pt_check(t, !t->it[0]->un && t->it[0]->recheck))
		return -EINVAL;
	if (!adp_pt_check(t, t->it[1]->un && t->it[1]->un->t.key.hash == t->hb))
		return -EINVAL;
	if (!adp_pt_check(t, rw.waiting == 1))
		return -EINVAL;
	return 0;
}

/**
 * adp_engine_pair_selftest() - the self-test above, on a caller's region
 * @fd: a region fd of the caller's, opened for writing, of a MERGEABLE
 *	region whose pages 0-2 are resident and not merged, pages 0 and 2
 *	holding the same bytes and page 1 others
 *
 * Context: process context, no lock of this module held; the caller
 * has CAP_SYS_ADMIN (debugfs pair_selftest, made with selftest=1 only).
 * Return: 0 when every case passed; -EINVAL when one failed (the kernel
 * log says which) or the pages are not as above, -EBADF, -EPERM (not
 * MERGEABLE, or the firewall refuses the region's dedupe), -EBUSY (a
 * page is merged), -EAGAIN (a page is not resident), -EOPNOTSUPP
 * (merge_across_nodes = 0), -EINTR, -ENOMEM.
 */
int adp_engine_pair_selftest(int fd)
{
	struct aem_region *r;
	struct adp_pt t = {};
	unsigned int i;
	bool writable;
	int err;

	r = aem_share_region_fdget(fd, &writable);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = -EBADF;
	if (!writable)
		goto out_put;
	err = -EINVAL;
	if (aem_share_region_pages(r) < ADP_PT_PAGES)
		goto out_put;
	err = aem_share_region_may_access(r, AEM_ACCESS_DEDUPE);
	if (err)
		goto out_put;
	err = -EINTR;
	if (mutex_lock_interruptible(&adp_engine_lock))
		goto out_put;
	if (!adp_in_pass)
		adp_pass_begin();
	err = -EOPNOTSUPP;
	if (!adp_pass_across)
		goto out_pass;
	err = -ENOMEM;
	t.w.rs = adp_rset_get(aem_share_region_id(r));
	if (!t.w.rs)
		goto out_pass;
	t.w.rs->pass = adp_pass;
	err = adp_pt_note(r, &t);
	if (!err)
		err = adp_pt_unchecked(r, &t);
	if (!err)
		err = adp_pt_stale(r, &t);
	if (!err)
		err = adp_pt_checked(r, &t);
	if (!err)
		err = adp_pt_retry(r, &t);
	for (i = 0; i < ADP_PT_PAGES; i++)
		if (t.it[i] && t.it[i]->un)
			adp_unstable_drop(t.it[i]->un);
	/* Only a failed case asked for merges: let them be done. */
	adp_pend_flush(&t.w);
	adp_walk_count(&t.w);
	if (!err)
		pr_info("pair selftest: unchecked, stale, checked and retry passed\n");
out_pass:
	/* A pass begun here with the scanner stopped ends with the test. */
	if (!adp_should_run())
		adp_pass_abandon();
	mutex_unlock(&adp_engine_lock);
out_put:
	aem_share_region_put(r);
	return err;
}
