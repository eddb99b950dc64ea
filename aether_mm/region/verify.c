// SPDX-License-Identifier: GPL-2.0
/*
 * verify.c - integrity of region pages: checksums, VERIFY, poison, kverifyd
 *
 * DOC: Overview
 *
 * The core takes a checksum (xxh64, the hash aether_dedupe already uses)
 * of a region page at three moments, and checks the page against it later:
 *
 *   cold	aether_kaccessd's scan sees a page reach generation
 *		integrity_cold_gen (access.c); after the pass, when every
 *		view sees the same frame, it is zapped from every page
 *		table, then hashed under its slot lock (aem_integ_cold())
 *   store	a reclaim client unmaps a page for the store backend
 *		(evict.c, aem_cold_page_unmap()): before the backend sees a
 *		byte the core hashes it, or, when it has a record already,
 *		checks it (a page gone bad while resident is not stored);
 *		every load back (store.c, aem_unstore(); share.c for a
 *		stored shared frame) is checked against it before the handle
 *		is released
 *   shared	a shared frame is hashed once, when it is made
 *		(share.c, aem_share_new()); its struct aem_shared keeps
 *		that sum (@csum) for its life, and it is the record of
 *		every slot that maps the frame: a merge takes no record of
 *		its own for the slot, it forgets the one the private page
 *		had (aem_integ_merged())
 *
 * A record describes what one slot of one layer resolves to: it lives in
 * the layer's @integ xarray, by data page index, as a value entry (the
 * top 62 bits of the sum and a poison bit: about 9 bytes a page where a
 * 64-slot node is full, nothing where no page has a record).  A record is
 * valid while nobody can write the page; so whoever makes a writable
 * entry possible forgets it first:
 *
 *   - a page with a record is mapped read-only (fault.c's read faults,
 *     fault-around and prefetch map it with vma->vm_page_prot, which
 *     write-notify keeps read-only): a write comes back as ->pfn_mkwrite
 *     or a write fault, aem_make_own(), which forgets the top's record
 *     (and the one of a frame it steals) before it maps the page writable;
 *   - a 2 MiB range with any record is mapped with 4 KiB pages
 *     (huge_fault.c), so that the rule above holds page by page;
 *   - a record is taken only after a zap of every entry of the page
 *     (cold and store both zap first), under the slot lock.
 *
 * A slot that maps a shared frame has no record: the frame's sum is its
 * record, never written, as the frame is not, and its poison is the
 * frame's (struct aem_shared @poisoned, which aem_integ_refuse() reads
 * first), so it holds for every user at once.  A merge costs no record
 * (no xarray store, node or charge), a sharer none either; a slot that
 * leaves the frame (a write, an unmerge) leaves with no record, as any
 * page just written.
 *
 * A slot emptied (a zero page dropped, a layer trimmed) forgets its
 * record; a layer's records go with it.  A record found on an empty slot
 * is forgotten by whoever finds it.
 *
 * Records.  The records are kernel memory kept for a user's pages, so
 * they count in the region's QoS group as what they take: the nodes of
 * the layer's @integ (a struct xa_node each, from the radix_tree_node
 * slab: 64 records where a run of 64 pages has them all, one where its
 * pages are far apart; none for a slot that maps a shared frame),
 * charged as bytes through the policy table's @charge_integrity with no
 * copy (region.h, aem_region_charge_sums(); memory.stat integrity_sums),
 * rounded up to pages of the group's usage with its kept copies.  The
 * nodes a record adds or frees are counted exactly, under the xarray's
 * own lock, from the indices it holds (aem_integ_nodes_for(): the xarray
 * keeps a node per level for each run that holds a record, up to the
 * height its largest index needs), and @integ_nodes keeps their sum,
 * which the layer's end gives back.  A charge is made before the store
 * that needs it: refused (the group is at its max less what its stored
 * pages need to come back, as for copies), no record is taken (the page
 * is then not checked, as when there is no memory; counted,
 * sums_refused).  Records are taken in the background (the cold and
 * store moments), never at a user's call, so no call fails for them.  An
 * attach moves their bytes with the region's other charges (qos.c),
 * never refused.
 *
 * On a mismatch that no good copy repairs (below), the record is
 * poisoned: the page is zapped from every
 * page table and every fault on it (fault.c, aem_integ_refuse()) is a
 * SIGBUS, never the wrong bytes; a stored page's load fails the same
 * way.  A poisoned shared frame is poisoned for all its users (share.c,
 * aem_share_integ_poison()).  The event is counted, logged (rate-limited)
 * and given to the policy backend (aem_policy_ops.integrity_event).
 * Repair, from a good copy where one exists:
 *
 *   bad load	a load from the store that does not match is made once
 *		more, at a fault as at a check (VERIFY, aether_kverifyd,
 *		into their scratch frame); when the second load matches,
 *		the first was a bad decompression or a torn read, and
 *		nothing is poisoned (repaired_by_reload)
 *   resident	a page loaded back from the store keeps the store's copy
 *		while it is unchanged (below); a resident page that fails
 *		its check (VERIFY, kverifyd, the store moment) is unmapped,
 *		loaded again from that copy in place and checked: when it
 *		matches, it is repaired (repaired_from_store)
 *   shared	a shared frame loaded back from the store keeps its copy
 *		the same way, in its struct aem_shared (share.c); a shared
 *		frame that fails its check is loaded again from it in
 *		place, for every user (repaired_from_store, repaired_shared)
 *
 * and without one, the page stays poisoned until the region or the
 * layer goes, counted by why:
 *
 *   unrepaired_stored	a stored page whose copy fails its check twice:
 *			its frame went back to the pool when it was
 *			stored, the store's copy is the only one
 *   unrepaired_resident a resident page with no kept copy (never stored,
 *			keeping off, its copy released by the store's
 *			going) or whose kept copy fails its check too
 *   unrepaired_shared	a merged page's frame with no kept copy: the
 *			merge freed every private frame it merged (that is
 *			what merging saves), after a full comparison, and
 *			a sharer's own frame is no copy of it (a private
 *			copy exists only after a write, with other bytes);
 *			unmerging would copy the bad bytes, so it is not a
 *			repair: every user gets SIGBUS instead
 *
 * Kept copies (integrity_keep_copies, off by default: a copy costs the
 * store's memory for every page loaded back, as swap cache's slots do).
 * When a page with a valid record is loaded back (store.c, aem_unstore())
 * the handle is not released but kept in the layer's @kept, by index, as
 * long as the record lives: aem_integ_forget() (a write, a page emptied),
 * a merge (aem_integ_merged(): the copy is of the private page the merge
 * frees), a poisoning, the page stored again
 * (its kept copy is the new stored copy: reclaim.c reuses it without a
 * store call; another client's handle replaces it in
 * aem_cold_page_set_stored()), the layer's end, or the store's going
 * (aem_region_unstore_all(), which releases them all and waits for
 * aem_kept_pages to reach zero as it does for stored pages) releases it.
 * A kept copy is never newer or older than the page: the page cannot
 * change while it has a record (above).  A shared frame is never written,
 * so its kept copy lives as long as it does (or until it is stored again).
 * The copies are a store's memory, and aem_register_store() refuses a new
 * backend while a copy of the last one is kept, as for stored pages.  An
 * unprivileged user can keep at most one copy per page it holds resident
 * (charged), so no more than its stored pages would have cost.  Each copy
 * counts in a QoS group, as the store's bytes for it (policy.c,
 * "integrity"): a region's copies in the region's group (region.h,
 * aem_region_charge_kept(): refused over the group's max, and then no
 * copy is kept), a shared frame's in the group that holds its charge;
 * uncharged whichever way the copy goes.
 *
 * VERIFY (AETHER_MM_IOC_REGION_VERIFY, ioctl.c) checks a range of the
 * image the caller sees: each page with a record, and each that maps a
 * shared frame, against that frame's sum.
 *
 * aether_kverifyd checks verify_pages_per_sec pages a second (0: off), a
 * tenth of them a tick, in two walks that each go on from where they left
 * off: the records of every region, region by region, and every shared
 * frame with users, once however many slots map it.  The shared walk
 * goes down share.c's list of them (aem_share_next_used(), a reference on
 * the one it stopped at as its cursor, put when the list ends, the rate
 * goes to 0 or it stops) and hashes each frame held (aem_share_frame_get():
 * it neither moves nor goes, and is never written) under no slot lock; a
 * mismatch is repaired from the frame's kept copy or poisons it for every
 * user, whose entries kverifyd zaps itself before it goes on (it may
 * sleep; VERIFY, under a slot lock, leaves the other users' to a worker).
 * A stored shared frame is checked when a fault loads it.
 *
 * The rate bounds what a tick visits, not only what it hashes: a record
 * or a frame visited counts whether it is hashed or not (poisoned
 * already, stored), or a user with many stored frames would have each
 * tick walk all of them (bg_shared_visits, bg_ticks).  And the two walks
 * take turns to go first, a tick each, the first leaving what it did not
 * use to the other.  The other way, every region then every shared frame,
 * let a user who makes shared frames (at the list's tail) faster than the
 * rate keep the shared walk from ever reaching the end, and no region's
 * record was checked again; a pass that stops at the tail it saw when it
 * began would do as well, but needs a sequence number in every struct
 * aem_shared or a frame pinned as a marker for a whole pass.  Taking
 * turns costs nothing, and neither walk, however long a user makes it,
 * gets less than half the rate while the other has work.  debugfs
 * aether/mm/integrity shows the counters; aether/mm/integrity_corrupt
 * (root only) flips a byte of a chosen page (or of the copy the store
 * keeps of it) without touching its record, so that tests can prove
 * detection and repair.
 *
 * Lock order (within region.h's):
 *
 *   1. region->views_lock	the cold moment's offer (aem_region_offer()),
 *				taken after aether_kaccessd's pass, out of
 *				aem_access_lock
 *   2. slot lock		every record changes under the lock of its
 *				index, as the slot it describes
 *   2a. layer->integ's xa_lock	a record added or erased, with the
 *				layer's @integ_nodes; the charge of the
 *				nodes it adds is made inside it (the
 *				region's pol_lock, region.h, then the
 *				policy backend's atomics)
 *   3. shared->load_lock	a shared frame's kept copy (share.c)
 *   3a. shared->lock		kverifyd's shared frame held, poisoned
 *				(no slot lock: share.c's order)
 *   4. the store's SRCU read	a load (a check of a stored page, a
 *				repair), a kept copy released
 *   5. the pool's locks	a scratch frame
 *   aem_integ_bench_lock	the bench's last figures, taken alone
 *
 * kverifyd's cursors are its own thread's; the counters are atomics.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include "region.h"

#define AEM_INTEG_POISON	1UL
#define AEM_INTEG_TICK_MS	100	/* kverifyd's period */

static atomic_long_t aem_integ_taken_cold, aem_integ_taken_store;
static atomic_long_t aem_integ_taken_frames, aem_integ_forgotten;
static atomic_long_t aem_integ_forgotten_merged, aem_integ_checked_shared;
static atomic_long_t aem_integ_nomem, aem_integ_checked;
static atomic_long_t aem_integ_bg_checked, aem_integ_bg_mismatches;
static atomic_long_t aem_integ_bg_ticks, aem_integ_bg_shared_visits;
static atomic_long_t aem_integ_mismatches, aem_integ_load_mismatches;
static atomic_long_t aem_integ_repaired, aem_integ_refused;
static atomic_long_t aem_integ_corrupted;
static atomic_long_t aem_integ_rep_reload, aem_integ_rep_kept;
static atomic_long_t aem_integ_rep_shared;
static atomic_long_t aem_integ_unrep_resident, aem_integ_unrep_shared;
static atomic_long_t aem_integ_unrep_stored;
static atomic_long_t aem_integ_kept_taken, aem_integ_kept_reused;
static atomic_long_t aem_integ_kept_dropped;
static atomic_long_t aem_integ_sums_refused, aem_integ_teardown_leaks;

/*
 * What a node of a layer's record array costs: the slab object of the
 * radix_tree_node cache that lib/xarray.c allocates it from.
 */
#define AEM_INTEG_NODE_BYTES	sizeof(struct xa_node)

/* Copies of loaded pages the store keeps for repair ("Kept copies"). */
atomic_long_t aem_kept_pages;
static bool aem_integ_keep_on;

static unsigned int aem_integ_cold_gen = AEM_NR_GENS - 1;
static atomic_t aem_integ_cold_sets = ATOMIC_INIT(0);
static unsigned int aem_verify_rate;
static struct task_struct *aem_kverifyd;
static DECLARE_WAIT_QUEUE_HEAD(aem_integ_wait);

/* ---- records ------------------------------------------------------------ */

static unsigned long aem_integ_key(u64 sum)
{
	return (unsigned long)(sum >> 2) & (LONG_MAX >> 1);
}

static void *aem_integ_mk(u64 sum, bool poison)
{
	return xa_mk_value(aem_integ_key(sum) << 1 | poison);
}

static bool aem_integ_rec_poisoned(const void *rec)
{
	return xa_to_value(rec) & AEM_INTEG_POISON;
}

static bool aem_integ_rec_matches(const void *rec, u64 sum)
{
	return xa_to_value(rec) >> 1 == aem_integ_key(sum);
}

/**
 * aem_integ_hash() - the checksum of a frame's page
 * @f: an order-0 frame the caller keeps stable
 *
 * Return: aem_share_page_hash() of its bytes (xxh64, seed 0).
 */
u64 aem_integ_hash(struct aem_frame *f)
{
	void *addr = kmap_local_page(aem_frame_page(f));
	u64 sum = aem_share_page_hash(addr);

	kunmap_local(addr);
	return sum;
}

/* ---- what the records cost ------------------------------------------- */

/* Levels of an xarray whose largest index is @idx: 0 for index 0 alone. */
static unsigned int aem_xa_levels(unsigned long idx)
{
	unsigned int h = 0;

	for (; idx; idx >>= XA_CHUNK_SHIFT)
		h++;
	return h;
}

/* Has @xa an entry in [@first, @last]?  Its xa_lock held. */
static bool aem_xa_any(struct xarray *xa, unsigned long first,
		       unsigned long last)
{
	return xa_find(xa, &first, last, XA_PRESENT);
}

/*
 * The nodes an xarray gains when @idx joins the indices it holds (@idx
 * not one of them), or loses when @idx leaves them (asked after it left),
 * its xa_lock held throughout.  An xarray holds, at each level k from 1
 * (the leaves, XA_CHUNK_SIZE indices each) to its height, one node for
 * each aligned run of XA_CHUNK_SIZE^k indices that holds an entry: empty
 * nodes are freed as they empty (lib/xarray.c, xas_delete_node()).  Its
 * height is the least that covers its largest index (xas_expand(),
 * xas_shrink()); index 0 alone lives in the head, no node.
 */
static unsigned long aem_integ_nodes_for(struct xarray *xa, pgoff_t idx)
{
	unsigned int k, h0 = 0, h1 = aem_xa_levels(idx);
	unsigned long first, run;
	unsigned long nodes = 0;

	if (!aem_xa_any(xa, 0, ULONG_MAX))
		return h1;		/* one node a level, its own */
	while (XA_CHUNK_SHIFT * (h0 + 1) < BITS_PER_LONG &&
	       aem_xa_any(xa, 1UL << (XA_CHUNK_SHIFT * h0), ULONG_MAX))
		h0++;
	/* Its runs below the height: a node each that no other index has. */
	for (k = 1; k <= h0; k++) {
		run = 1UL << (XA_CHUNK_SHIFT * k);
		first = idx & ~(run - 1);
		if (aem_xa_any(xa, first, first + run - 1))
			return nodes;	/* that node and those above exist */
		nodes++;
	}
	/* New levels on top: the old tree's run 0, and its own if not 0. */
	for (k = h0 + 1; k <= h1; k++)
		nodes += (idx >> (XA_CHUNK_SHIFT * k)) ? 2 : 1;
	return nodes;
}

/*
 * Record @sum for @idx of @l (slot lock held).  The nodes the record adds
 * to @l->integ are charged to the region's group first (see "Records"):
 * refused, there is no record.  Return: 0, -ENOMEM or the refusal.
 */
static int aem_integ_set(struct aem_layer *l, pgoff_t idx, u64 sum,
			 gfp_t gfp)
{
	XA_STATE(xas, &l->integ, idx);
	unsigned long nodes;
	int err;

	lockdep_assert_held(aem_slot_lock(l->region, idx));
	do {
		err = 0;
		xas_lock(&xas);
		nodes = xas_load(&xas) ? 0 : aem_integ_nodes_for(&l->integ, idx);
		if (nodes) {
			err = aem_region_charge_sums(l->region,
						     nodes * AEM_INTEG_NODE_BYTES);
			if (err) {
				xas_unlock(&xas);
				atomic_long_inc(&aem_integ_sums_refused);
				return err;
			}
		}
		xas_store(&xas, aem_integ_mk(sum, false));
		if (!xas_error(&xas))
			l->integ_nodes += nodes;
		xas_unlock(&xas);
		if (xas_error(&xas) && nodes)
			aem_region_uncharge_sums(l->region,
						 nodes * AEM_INTEG_NODE_BYTES);
	} while (xas_nomem(&xas, gfp));
	if (xas_error(&xas)) {
		atomic_long_inc(&aem_integ_nomem);
		return -ENOMEM;
	}
	return 0;
}

/* Forget @idx's record in @l: its nodes' charge goes with them. */
static bool aem_integ_erase(struct aem_layer *l, pgoff_t idx)
{
	unsigned long nodes = 0;
	bool had;

	xa_lock(&l->integ);
	had = __xa_erase(&l->integ, idx);
	if (had) {
		nodes = aem_integ_nodes_for(&l->integ, idx);
		WARN_ON_ONCE(nodes > l->integ_nodes);
		nodes = min(nodes, l->integ_nodes);
		l->integ_nodes -= nodes;
	}
	xa_unlock(&l->integ);
	if (nodes)
		aem_region_uncharge_sums(l->region,
					 nodes * AEM_INTEG_NODE_BYTES);
	return had;
}

/**
 * aem_integ_shared_copy() - fill a new shared frame and take its checksum
 * @f: its frame, not yet mapped
 * @src: the page it copies (referenced by the caller; may be written)
 *
 * The "shared" moment: one sum a shared frame, the record of every slot
 * that will map it (share.c keeps it in struct aem_shared @csum), taken
 * as the copy is made (aem_share_copy_page()).
 *
 * Return: aem_integ_hash() of @f once filled.
 */
u64 aem_integ_shared_copy(struct aem_frame *f, struct aem_frame *src)
{
	void *from = kmap_local_page(aem_frame_page(src));
	void *to = kmap_local_page(aem_frame_page(f));
	u64 sum = aem_share_copy_page(to, from);

	kunmap_local(to);
	kunmap_local(from);
	atomic_long_inc(&aem_integ_taken_frames);
	return sum;
}

/**
 * aem_integ_merged() - the slot at @idx of @l now maps a shared frame
 * @l: the layer of the slot
 * @idx: its data page index
 *
 * The frame's own sum is the slot's record from now on (see "Records"):
 * the private page's record, if it had one, and its kept copy describe a
 * frame the merge frees; both go.  A layer with no record pays one test.
 *
 * Context: slot lock held; does not sleep, never allocates.
 */
void aem_integ_merged(struct aem_layer *l, pgoff_t idx)
{
	lockdep_assert_held(aem_slot_lock(l->region, idx));
	if (likely(xa_empty(&l->integ)))
		return;		/* no record, so no kept copy either */
	if (aem_integ_erase(l, idx))
		atomic_long_inc(&aem_integ_forgotten_merged);
	aem_integ_kept_drop(l, idx);
}

/**
 * aem_integ_has() - does @idx of @l have a record (valid or poisoned)?
 * @l: a layer
 * @idx: a data page index
 *
 * Context: slot lock held, or a hint only.
 */
bool aem_integ_has(struct aem_layer *l, pgoff_t idx)
{
	return !xa_empty(&l->integ) && xa_load(&l->integ, idx);
}

/**
 * aem_integ_range_has() - has any index of [@idx, @idx + @nr) a record?
 * @l: a layer
 * @idx: first data page index
 * @nr: pages
 */
bool aem_integ_range_has(struct aem_layer *l, pgoff_t idx, unsigned long nr)
{
	unsigned long at = idx;

	return !xa_empty(&l->integ) &&
	       xa_find(&l->integ, &at, idx + nr - 1, XA_PRESENT);
}

/**
 * aem_integ_forget() - the page at @idx of @l may change: its record goes
 * @l: a layer
 * @idx: a data page index
 *
 * Context: slot lock held.  Never allocates.
 */
void aem_integ_forget(struct aem_layer *l, pgoff_t idx)
{
	if (likely(xa_empty(&l->integ)))
		return;
	lockdep_assert_held(aem_slot_lock(l->region, idx));
	if (aem_integ_erase(l, idx))
		atomic_long_inc(&aem_integ_forgotten);
	/* The copy kept of the page is of the page before the change. */
	aem_integ_kept_drop(l, idx);
}

/**
 * aem_integ_refuse() - may a fault map what @idx of @l resolves to?
 * @l: the layer the index resolved in
 * @idx: the data page index
 * @f: the frame it resolved to, or NULL
 *
 * Context: slot lock held.
 * Return: true when the page is poisoned (its record, or its shared
 * frame for every user): the fault is a SIGBUS.
 */
bool aem_integ_refuse(struct aem_layer *l, pgoff_t idx, struct aem_frame *f)
{
	void *rec;

	if (f && aem_frame_is_shared(f) && aem_share_integ_poisoned(f))
		goto refuse;
	if (likely(xa_empty(&l->integ)))
		return false;
	rec = xa_load(&l->integ, idx);
	if (!rec || !aem_integ_rec_poisoned(rec))
		return false;
refuse:
	atomic_long_inc(&aem_integ_refused);
	return true;
}

/* ---- events ------------------------------------------------------------- */

static const char *const aem_integ_what[] = {
	[AEM_INTEGRITY_MISMATCH] = "content does not match its checksum: poisoned",
	[AEM_INTEGRITY_REPAIRED] = "repaired from the store's copy",
};

static void aem_integ_event_id(u64 id, pgoff_t idx, int kind)
{
	pr_warn_ratelimited("region %llu page %lu: %s\n", id, idx,
			    aem_integ_what[kind]);
	aem_policy_integrity_event(id, idx, kind);
}

static void aem_integ_event(struct aem_region *r, pgoff_t idx, int kind)
{
	aem_integ_event_id(r->id, idx, kind);
}

/*
 * @idx of @l no longer matches its record, and no good copy repaired it:
 * poison it (slot lock held).  @f is the resident frame checked (never a
 * shared one: aem_integ_poison_shared()), NULL for a stored page's copy.
 * Every entry that maps the page goes; the next fault is a SIGBUS.
 */
static void aem_integ_poison(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, u64 sum, struct aem_frame *f)
{
	void *rec = xa_load(&l->integ, idx);

	lockdep_assert_held(aem_slot_lock(r, idx));
	/* Replacing a present entry allocates nothing. */
	xa_store(&l->integ, idx,
		 xa_mk_value(xa_to_value(rec) | AEM_INTEG_POISON), GFP_NOWAIT);
	aem_region_zap_page(r, idx);
	/* A copy kept did not help (or there was none): it is of no use. */
	aem_integ_kept_drop(l, idx);
	if (!f)
		atomic_long_inc(&aem_integ_unrep_stored);
	else
		atomic_long_inc(&aem_integ_unrep_resident);
	atomic_long_inc(&aem_integ_mismatches);
	aem_integ_event(r, idx, AEM_INTEGRITY_MISMATCH);
}

/*
 * Shared frame @f, which @idx of @r maps, no longer matches its sum and
 * no good copy repaired it: poisoned for every user (slot lock held).
 * The slot's entries go now, the other users' in share.c's worker; the
 * frame's poison is every user's record of it, so no slot's is written.
 */
static void aem_integ_poison_shared(struct aem_region *r, pgoff_t idx,
				    struct aem_frame *f)
{
	lockdep_assert_held(aem_slot_lock(r, idx));
	aem_region_zap_page(r, idx);
	aem_share_integ_poison(f);
	atomic_long_inc(&aem_integ_unrep_shared);
	atomic_long_inc(&aem_integ_mismatches);
	aem_integ_event(r, idx, AEM_INTEGRITY_MISMATCH);
}

/* ---- kept copies ------------------------------------------------------- */

/*
 * The bytes the store holds for kept copy @handle, as its region's group
 * counts them (region.h, aem_region_charge_kept()); 0 with no store.
 */
static unsigned long aem_kept_bytes(unsigned long handle)
{
	const struct aem_store_ops *ops;
	unsigned long bytes;
	int sidx;

	ops = aem_store_get(&sidx, false);
	bytes = aem_store_size(ops, handle);
	aem_store_put(sidx);
	return bytes;
}

/* The store forgets kept copy @handle; the caller took it off its layer. */
static void aem_kept_release(unsigned long handle)
{
	const struct aem_store_ops *ops;
	int sidx;

	ops = aem_store_get(&sidx, false);
	/*
	 * Unregistering releases every kept copy before the backend goes;
	 * one is left without a backend only when a layer being freed was
	 * not done by the deadline, and the backend's drain took it.
	 */
	if (ops)
		ops->release(handle);
	aem_store_put(sidx);
	atomic_long_dec(&aem_kept_pages);
}

/**
 * aem_integ_may_keep() - may a copy just loaded be kept (by the caller)?
 *
 * For a shared frame's copy (share.c), which its struct aem_shared keeps:
 * counted as kept when the answer is yes.
 *
 * Context: inside the caller's aem_store_get() read section (the load's),
 * which must also cover where it keeps the handle; does not sleep.
 * Return: true when keeping is on and the store is not going.
 */
bool aem_integ_may_keep(void)
{
	bool ok;
	int sidx;

	if (!READ_ONCE(aem_integ_keep_on))
		return false;
	ok = aem_store_get(&sidx, true);
	if (ok) {
		atomic_long_inc(&aem_kept_pages);
		atomic_long_inc(&aem_integ_kept_taken);
	}
	aem_store_put(sidx);
	return ok;
}

/**
 * aem_integ_kept_release() - a kept copy that aem_integ_may_keep() allowed
 * is released
 * @handle: its handle
 * @reused: stored again as the page's copy (not released, only uncounted)
 *
 * Context: any context that may free pool pages; does not sleep.
 */
void aem_integ_kept_release(unsigned long handle, bool reused)
{
	if (reused) {
		atomic_long_dec(&aem_kept_pages);
		atomic_long_inc(&aem_integ_kept_reused);
		return;
	}
	aem_kept_release(handle);
	atomic_long_inc(&aem_integ_kept_dropped);
}

/**
 * aem_integ_keep() - keep the store's copy of a page just loaded back
 * @l: the layer of the slot the page was loaded into
 * @idx: its data page index
 * @handle: the handle it was loaded from, checked against its record
 *
 * The copy is kept while the record is valid (the page unchanged): the
 * first change of the page (aem_integ_forget()), a merge, a poisoning,
 * the page going to the store again or the layer going releases it.
 *
 * The copy's bytes count in the region's group (integrity, until the copy
 * goes); a group that refuses them (at its max) keeps no copy.
 *
 * Context: slot lock held; does not sleep.
 * Return: true when @handle is kept (the caller must not release it);
 * false when keeping is off (integrity_keep_copies), the page has no
 * valid record, the store is going, the group refused it or there was no
 * memory.
 */
bool aem_integ_keep(struct aem_layer *l, pgoff_t idx, unsigned long handle)
{
	const struct aem_store_ops *ops;
	unsigned long bytes;
	bool kept = false;
	void *rec;
	int sidx;

	lockdep_assert_held(aem_slot_lock(l->region, idx));
	if (!READ_ONCE(aem_integ_keep_on) || xa_empty(&l->integ))
		return false;
	rec = xa_load(&l->integ, idx);
	if (!rec || aem_integ_rec_poisoned(rec) || !aem_slot_handle_fits(handle))
		return false;
	/*
	 * As a store: none once the backend is closing.  Counted inside the
	 * SRCU read section, so the unregistration's walk, which starts
	 * after its grace period, sees the copy or the count.
	 */
	ops = aem_store_get(&sidx, true);
	/* Its bytes count in the region's group: over max, none is kept. */
	bytes = aem_store_size(ops, handle);
	if (ops && !aem_region_charge_kept(l->region, bytes)) {
		if (!xa_insert(&l->kept, idx, aem_slot_mk_stored(handle),
			       GFP_NOWAIT | __GFP_NOWARN)) {
			atomic_long_inc(&aem_kept_pages);
			atomic_long_inc(&aem_integ_kept_taken);
			kept = true;
		} else {
			aem_region_uncharge_kept(l->region, bytes);
		}
	}
	aem_store_put(sidx);
	return kept;
}

/**
 * aem_integ_kept_take() - the kept copy of @idx of @l, taken off it
 * @l: a layer
 * @idx: a data page index
 * @handle: receives the copy's handle, now the caller's
 *
 * For a reclaim client storing the page again: a page that passed
 * aem_cold_page_unmap()'s check against its record has the bytes of its
 * kept copy, so the copy is stored again instead of a new one.
 *
 * Context: slot lock held, the store held for a store (aem_store_get()
 * with @storing).
 * Return: true when there was a copy.
 */
bool aem_integ_kept_take(struct aem_layer *l, pgoff_t idx,
			 unsigned long *handle)
{
	void *e;

	lockdep_assert_held(aem_slot_lock(l->region, idx));
	if (xa_empty(&l->kept))
		return false;
	e = xa_erase(&l->kept, idx);
	if (!e)
		return false;
	*handle = aem_slot_stored_handle(e);
	/* Stored again, it counts as a stored page from here on. */
	aem_region_uncharge_kept(l->region, aem_kept_bytes(*handle));
	atomic_long_dec(&aem_kept_pages);
	atomic_long_inc(&aem_integ_kept_reused);
	return true;
}

/**
 * aem_integ_kept_drop() - release the kept copy of @idx of @l, if any
 * @l: a layer
 * @idx: a data page index
 *
 * Context: slot lock held; does not sleep.
 */
void aem_integ_kept_drop(struct aem_layer *l, pgoff_t idx)
{
	void *e;

	if (likely(xa_empty(&l->kept)))
		return;
	lockdep_assert_held(aem_slot_lock(l->region, idx));
	e = xa_erase(&l->kept, idx);
	if (!e)
		return;
	aem_region_uncharge_kept(l->region,
				 aem_kept_bytes(aem_slot_stored_handle(e)));
	aem_kept_release(aem_slot_stored_handle(e));
	atomic_long_inc(&aem_integ_kept_dropped);
}

/**
 * aem_integ_layer_gone() - a layer is freed: its records and kept copies go
 * @l: the layer, unreachable (no slot lock needed)
 */
void aem_integ_layer_gone(struct aem_layer *l)
{
	unsigned long idx;
	void *e;

	xa_for_each(&l->kept, idx, e) {
		aem_region_uncharge_kept(l->region,
					 aem_kept_bytes(aem_slot_stored_handle(e)));
		aem_kept_release(aem_slot_stored_handle(e));
		atomic_long_inc(&aem_integ_kept_dropped);
	}
	xa_destroy(&l->kept);
	xa_destroy(&l->integ);
	if (l->integ_nodes)
		aem_region_uncharge_sums(l->region,
					 l->integ_nodes * AEM_INTEG_NODE_BYTES);
	l->integ_nodes = 0;
}

/**
 * aem_integ_region_gone() - a region's accounting is torn down
 * @r: the region, every layer of it freed
 *
 * Every copy and record counted in its group went with its layers, so
 * nothing is left; what is (a path that forgot to uncharge) is given
 * back here, warned about and counted (integrity teardown_leaks), so the
 * group is right again and a test sees it.
 *
 * Context: process context, the region unreachable.
 */
void aem_integ_region_gone(struct aem_region *r)
{
	spin_lock(&r->pol_lock);
	if (WARN_ON_ONCE(r->pol_kept || r->pol_kept_bytes ||
			 r->pol_sums_bytes)) {
		atomic_long_inc(&aem_integ_teardown_leaks);
		if (r->pol_kept_bytes)
			aem_policy_uncharge_integrity(r->pol_gen, r->pol_cookie,
						      r->pol_kept_bytes,
						      max(r->pol_kept, 1UL));
		if (r->pol_sums_bytes)
			aem_policy_uncharge_integrity(r->pol_gen, r->pol_cookie,
						      r->pol_sums_bytes, 0);
		r->pol_kept = 0;
		r->pol_kept_bytes = 0;
		r->pol_sums_bytes = 0;
	}
	spin_unlock(&r->pol_lock);
}

/* Release every kept copy of @r's layers. */
static void aem_integ_kept_drop_region(struct aem_region *r)
{
	struct aem_layer **ls;
	unsigned int k, nl;
	unsigned long idx;
	void *e;

	ls = aem_region_layers_get(r, &nl);
	if (!ls)
		return;
	for (k = 0; k < nl; k++) {
		xa_for_each(&ls[k]->kept, idx, e) {
			mutex_lock(aem_slot_lock(r, idx));
			aem_integ_kept_drop(ls[k], idx);
			mutex_unlock(aem_slot_lock(r, idx));
			cond_resched();
		}
	}
	aem_region_layers_put(r, ls, nl);
}

/**
 * aem_integ_kept_drop_all() - release every kept copy (the store is going)
 *
 * Called by aem_region_unstore_all(), once no new copy can be kept (the
 * store is closed); a layer this walk does not reach releases its own
 * copies as it is freed, which the caller waits for (aem_kept_pages).
 *
 * Context: process context, no aether_mm lock held.
 */
void aem_integ_kept_drop_all(void)
{
	struct aem_region *r;

	for (r = aem_region_next(NULL); r; r = aem_region_next(r))
		aem_integ_kept_drop_region(r);
	aem_share_kept_drop_all();
}

/*
 * Repair frame @f at @idx of @l from its kept copy, if it has one:
 * unmapped first (nobody reads while its bytes change), loaded into @f
 * itself, twice at most as a load at a fault is, and checked against
 * @rec.  Slot lock held.  A shared frame is not repaired here: others
 * map it, and its repair takes every user's slot lock
 * (aem_integ_check_finish()).
 * Return: true when @f holds the right bytes again.
 */
static bool aem_integ_repair_kept(struct aem_region *r, struct aem_layer *l,
				  pgoff_t idx, struct aem_frame *f, void *rec)
{
	void *e = xa_empty(&l->kept) ? NULL : xa_load(&l->kept, idx);
	const struct aem_store_ops *ops;
	bool ok = false;
	int sidx, tries;

	lockdep_assert_held(aem_slot_lock(r, idx));
	if (!e || aem_frame_is_shared(f))
		return false;
	aem_region_zap_page(r, idx);
	ops = aem_store_get(&sidx, false);
	for (tries = 0; ops && !ok && tries < 2; tries++)
		ok = !ops->load(aem_slot_stored_handle(e), f) &&
		     aem_integ_rec_matches(rec, aem_integ_hash(f));
	aem_store_put(sidx);
	if (!ok)
		return false;
	atomic_long_inc(&aem_integ_repaired);
	atomic_long_inc(&aem_integ_rep_kept);
	aem_integ_event(r, idx, AEM_INTEGRITY_REPAIRED);
	return true;
}

static int aem_integ_cold_fn(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, struct aem_frame *f,
			     unsigned int gen, void *arg)
{
	if (aem_integ_has(l, idx))
		return 0;
	/* No entry maps it writable after this: see the top of the file. */
	aem_region_zap_page(r, idx);
	if (!aem_integ_set(l, idx, aem_integ_hash(f), GFP_KERNEL))
		atomic_long_inc(&aem_integ_taken_cold);
	return 0;
}

/**
 * aem_integ_cold_seq() - how many times integrity_cold_gen was set
 *
 * A region's scan that sees it changed (struct aem_region @integ_cold_seq)
 * takes the pages already past the new generation too: they would never
 * reach it again.
 */
unsigned int aem_integ_cold_seq(void)
{
	return atomic_read(&aem_integ_cold_sets);
}

/**
 * aem_integ_cold_edge() - does a page going from @old to @gen go cold?
 * @old: its generation before a scan
 * @gen: its generation after it
 * @again: integrity_cold_gen was set since the region's last scan
 *
 * Return: true when it just reached integrity_cold_gen (which is not 0),
 * or, @again, is at it or past it.  A page that has its checksum already
 * is passed over by aem_integ_cold_fn().
 */
bool aem_integ_cold_edge(u8 old, u8 gen, bool again)
{
	unsigned int want = READ_ONCE(aem_integ_cold_gen);

	if (!want || old == AEM_GEN_NONE || gen == AEM_GEN_NONE)
		return false;
	if (again)
		return gen >= want;
	return gen == want && old != gen;
}

/**
 * aem_integ_cold() - take the checksums of the pages of @r that went cold
 * @r: the region, referenced
 * @cold: bitmap over its data pages: those a scan saw reach
 *	  integrity_cold_gen (aem_integ_cold_edge())
 *
 * Each, when every view sees the same frame, is zapped and hashed.  Out
 * of aem_access_lock: a reclaim inside a pool allocation only tries that
 * lock, and should not find it held for this.
 *
 * Context: aether_kaccessd, after its pass, no lock held.
 */
void aem_integ_cold(struct aem_region *r, const unsigned long *cold)
{
	unsigned long idx;
	bool offered;

	for_each_set_bit(idx, cold, r->nr_pages) {
		aem_region_offer(r, idx, NUMA_NO_NODE, AEM_GEN_NONE,
				 aem_integ_cold_fn, NULL, false, &offered);
		cond_resched();
	}
}

/**
 * aem_integ_store_out() - a page is about to be seen by the store backend
 * @r: its region
 * @l: its layer
 * @idx: its data page index
 * @f: its frame, unmapped under this slot lock
 *
 * Checks the page against its record, or records it.  A page that does
 * not match is repaired from its kept copy when it has one (the store
 * then gets the right bytes), else poisoned.
 *
 * Context: slot lock held, possibly inside a pool allocation: never sleeps.
 * Return: 0; -EIO when the page no longer matches its record (now
 * poisoned: it is not stored); -EHWPOISON when it was poisoned already.
 */
int aem_integ_store_out(struct aem_region *r, struct aem_layer *l,
			pgoff_t idx, struct aem_frame *f)
{
	void *rec = xa_empty(&l->integ) ? NULL : xa_load(&l->integ, idx);
	u64 sum = aem_integ_hash(f);

	if (!rec) {
		if (!aem_integ_set(l, idx, sum, GFP_NOWAIT | __GFP_NOWARN))
			atomic_long_inc(&aem_integ_taken_store);
		return 0;
	}
	if (aem_integ_rec_poisoned(rec))
		return -EHWPOISON;
	atomic_long_inc(&aem_integ_checked);
	if (aem_integ_rec_matches(rec, sum))
		return 0;
	/* A shared frame is never offered here: the repair does not sleep. */
	if (!aem_frame_is_shared(f) && aem_integ_repair_kept(r, l, idx, f, rec))
		return 0;
	aem_integ_poison(r, l, idx, sum, f);
	return -EIO;
}

/**
 * aem_integ_loaded() - check a page the store backend just loaded
 * @r: its region
 * @l: its layer
 * @idx: its data page index
 * @f: the frame it was loaded into
 * @ops: the backend, held (the caller's aem_store_get())
 * @handle: the handle it was loaded from, not yet released
 *
 * A page that does not match its record is loaded once more: when the
 * second load matches, it is repaired; else it is poisoned.
 *
 * Context: slot lock held.
 * Return: 0 when @f holds the right bytes (or the page has no record);
 * -EIO when poisoned (the page stays stored).
 */
int aem_integ_loaded(struct aem_region *r, struct aem_layer *l, pgoff_t idx,
		     struct aem_frame *f, const struct aem_store_ops *ops,
		     unsigned long handle)
{
	void *rec = xa_empty(&l->integ) ? NULL : xa_load(&l->integ, idx);
	u64 sum;

	if (!rec)
		return 0;
	sum = aem_integ_hash(f);
	atomic_long_inc(&aem_integ_checked);
	if (aem_integ_rec_matches(rec, sum))
		return 0;
	atomic_long_inc(&aem_integ_load_mismatches);
	if (!ops->load(handle, f) && aem_integ_rec_matches(rec, aem_integ_hash(f))) {
		atomic_long_inc(&aem_integ_repaired);
		atomic_long_inc(&aem_integ_rep_reload);
		aem_integ_event(r, idx, AEM_INTEGRITY_REPAIRED);
		return 0;
	}
	aem_integ_poison(r, l, idx, sum, NULL);
	return -EIO;
}

/**
 * aem_integ_stored_poisoned() - is the stored page at @idx of @l poisoned?
 * @l: the layer
 * @idx: the data page index
 *
 * Context: slot lock held.
 */
bool aem_integ_stored_poisoned(struct aem_layer *l, pgoff_t idx)
{
	void *rec = xa_empty(&l->integ) ? NULL : xa_load(&l->integ, idx);

	return rec && aem_integ_rec_poisoned(rec);
}

/* ---- checking ---------------------------------------------------------- */

/* Load the stored page @e into @f (again): 0 or -errno. */
static int aem_integ_reload_scratch(void *e, struct aem_frame *f)
{
	const struct aem_store_ops *ops;
	int sidx, err;

	ops = aem_store_get(&sidx, false);
	err = ops ? ops->load(aem_slot_stored_handle(e), f) : -EIO;
	aem_store_put(sidx);
	return err;
}

/*
 * The store's own check of the stored page @e (aem_store_ops.verify,
 * where the backend has it): 0 its copy matches the store's checksum,
 * -EIO it does not; anything else (-EOPNOTSUPP: no checksum, no op;
 * -ENOMEM) is no answer.
 */
static int aem_integ_store_verify(void *e)
{
	const struct aem_store_ops *ops;
	int sidx, err = -EOPNOTSUPP;

	ops = aem_store_get(&sidx, false);
	if (ops && ops->verify)
		err = ops->verify(aem_slot_stored_handle(e));
	aem_store_put(sidx);
	return err;
}

/*
 * The store says the copy of stored page @e at @idx of @l does not match
 * its checksum: a check and a mismatch.  It is asked once more, as a load
 * that did not match is made once more; a second answer that matches
 * was a torn read, a repair.  A second -EIO poisons the page as a stored
 * page whose only copy fails twice (unrepaired_stored): its next fault is
 * a SIGBUS, as its load would have failed.  A second call that cannot
 * answer (-ENOMEM for its bounce page) leaves the page as it is, for the
 * next check: only the store saying twice that the copy is bad poisons.
 * Slot lock held.
 */
static void aem_integ_store_bad(struct aem_region *r, struct aem_layer *l,
				pgoff_t idx, void *e, struct aem_integ_tally *t)
{
	int err;

	lockdep_assert_held(aem_slot_lock(r, idx));
	t->checked++;
	atomic_long_inc(&aem_integ_checked);
	t->mismatches++;
	atomic_long_inc(&aem_integ_load_mismatches);
	err = aem_integ_store_verify(e);
	if (!err) {
		t->repaired++;
		atomic_long_inc(&aem_integ_repaired);
		atomic_long_inc(&aem_integ_rep_reload);
		aem_integ_event(r, idx, AEM_INTEGRITY_REPAIRED);
		return;
	}
	if (err != -EIO)
		return;
	t->poisoned++;
	aem_integ_poison(r, l, idx, 0, NULL);
}

/*
 * The bytes of the stored page @e at @idx of @l, into a scratch frame
 * for a check, or NULL when they cannot be had now.
 */
static struct aem_frame *aem_integ_load_scratch(struct aem_region *r,
						void *e)
{
	struct aem_frame *f;

	f = aem_region_alloc(r, 0, AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_REGION) | AEM_ALLOC_ZERO);
	if (!f)
		return NULL;
	if (aem_integ_reload_scratch(e, f)) {
		aem_free_pages(f, 0);
		return NULL;
	}
	return f;
}

/*
 * @idx of @l maps shared frame @f: check it against the frame's sum, the
 * slot's record (see "Records").  A mismatch is left for
 * aem_integ_check_finish() to repair from the frame's kept copy, out of
 * the slot lock, or poisons the frame for every user.  Slot lock held.
 */
static void aem_integ_check_shared(struct aem_region *r, struct aem_layer *l,
				   pgoff_t idx, struct aem_frame *f,
				   struct aem_integ_tally *t)
{
	u64 sum;

	if (aem_share_integ_poisoned(f)) {
		t->poisoned++;
		return;
	}
	sum = aem_integ_hash(f);
	t->checked++;
	atomic_long_inc(&aem_integ_checked);
	atomic_long_inc(&aem_integ_checked_shared);
	if (sum == aem_share_hash(READ_ONCE(f->rmap.shared)))
		return;
	t->mismatches++;
	if (!t->repair) {
		/* Its copy, if any, is the shared frame's (share.c). */
		t->repair = aem_share_integ_get(f);
		if (t->repair) {
			t->repair_bad = f;
			t->repair_l = l;
			t->repair_idx = idx;
			return;
		}
	}
	t->poisoned++;
	aem_integ_poison_shared(r, idx, f);
}

/**
 * aem_integ_check_locked() - check what @idx of @l holds against its record
 * @r: the region
 * @l: the layer
 * @idx: the data page index
 * @t: the tally to add to
 *
 * An own or shared frame is hashed in place; a stored page is first
 * checked by the store against its own checksum where it keeps one
 * (aem_store_ops.verify: a mismatch is counted and, asked twice,
 * poisoned), then loaded into
 * a scratch frame (its handle is kept), and loaded once more when that
 * does not match: a second load that matches is a repair (counted in
 * @t->repaired), not a poisoning.  An own frame that does not match is
 * repaired from its kept copy when it has one.  A shared frame, which has
 * no record of the slot's, is checked against its own sum
 * (aem_integ_check_shared()); a stored shared frame is checked when a
 * fault brings it back, not here.
 *
 * Context: slot lock held, @l referenced.
 */
void aem_integ_check_locked(struct aem_region *r, struct aem_layer *l,
			    pgoff_t idx, struct aem_integ_tally *t)
{
	void *rec, *e = xa_load(&l->slots, idx);
	struct aem_frame *f, *scratch = NULL;
	u64 sum;

	lockdep_assert_held(aem_slot_lock(r, idx));
	f = aem_slot_frame(e);
	if (f && aem_frame_is_shared(f)) {
		aem_integ_check_shared(r, l, idx, f, t);
		return;
	}
	rec = xa_empty(&l->integ) ? NULL : xa_load(&l->integ, idx);
	if (!rec)
		return;
	if (aem_integ_rec_poisoned(rec)) {
		t->poisoned++;
		return;
	}
	switch (aem_slot_kind(e)) {
	case AEM_SLOT_NONE:
		aem_integ_forget(l, idx);	/* emptied: nothing to check */
		return;
	case AEM_SLOT_SHARED_STORED:
		return;
	case AEM_SLOT_STORED:
		/*
		 * A store that keeps checksums says first: a copy that fails
		 * them would fail the load below, which is no answer.
		 */
		if (aem_integ_store_verify(e) == -EIO) {
			aem_integ_store_bad(r, l, idx, e, t);
			return;
		}
		scratch = aem_integ_load_scratch(r, e);
		if (!scratch)
			return;
		f = scratch;
		break;
	default:
		f = aem_slot_frame(e);
	}
	sum = aem_integ_hash(f);
	t->checked++;
	atomic_long_inc(&aem_integ_checked);
	if (aem_integ_rec_matches(rec, sum))
		goto out;
	t->mismatches++;
	/*
	 * A stored page is loaded once more, as a fault does
	 * (aem_integ_loaded()): a load that came out wrong once (a torn
	 * read, a bad decompression) must not cost its owner the page.
	 */
	if (scratch) {
		atomic_long_inc(&aem_integ_load_mismatches);
		if (!aem_integ_reload_scratch(e, scratch) &&
		    aem_integ_rec_matches(rec, aem_integ_hash(scratch))) {
			t->repaired++;
			atomic_long_inc(&aem_integ_repaired);
			atomic_long_inc(&aem_integ_rep_reload);
			aem_integ_event(r, idx, AEM_INTEGRITY_REPAIRED);
			goto out;
		}
	} else if (aem_integ_repair_kept(r, l, idx, f, rec)) {
		/* Resident: a copy kept in the store since its load. */
		t->repaired++;
		goto out;
	}
	t->poisoned++;
	aem_integ_poison(r, l, idx, sum, scratch ? NULL : f);
out:
	if (scratch)
		aem_free_pages(scratch, 0);
}

/**
 * aem_integ_check_finish() - repair the shared frame the check left
 * @r: the region checked
 * @t: the tally of aem_integ_check_locked(), its slot lock dropped since
 *
 * A shared frame that did not match is repaired from its kept copy for
 * every user at once (aem_share_integ_repair()).  When the copy turns
 * out bad, the slot is checked again under its lock and poisoned if it
 * still holds the bad frame of the same shared frame; a frame moved,
 * stored or repaired meanwhile is the next check's, and so is one that
 * could not be repaired now (no memory, a kernel reader holding it):
 * counted as a mismatch, neither repaired nor poisoned.
 *
 * Context: process context, no slot lock held; @t->repair_l referenced.
 */
void aem_integ_check_finish(struct aem_region *r, struct aem_integ_tally *t)
{
	struct aem_shared *s = t->repair;
	pgoff_t idx = t->repair_idx;
	struct aem_layer *l = t->repair_l;
	int ret, tries = 0;
	void *e;

	if (!s)
		return;
	t->repair = NULL;
	do {
		ret = aem_share_integ_repair(s, t->repair_bad);
		if (ret == -EBUSY)
			cond_resched();
	} while (ret == -EBUSY && ++tries < 3);
	if (!ret) {
		t->repaired++;
		atomic_long_inc(&aem_integ_repaired);
		atomic_long_inc(&aem_integ_rep_kept);
		atomic_long_inc(&aem_integ_rep_shared);
		aem_integ_event(r, idx, AEM_INTEGRITY_REPAIRED);
	} else if (ret == -ENODATA) {
		mutex_lock(aem_slot_lock(r, idx));
		e = xa_load(&l->slots, idx);
		/* @s referenced: a frame it still has is the bad one. */
		if (aem_slot_kind(e) == AEM_SLOT_FRAME &&
		    aem_slot_frame(e) == t->repair_bad &&
		    aem_share_frame_is(s, t->repair_bad)) {
			t->poisoned++;
			aem_integ_poison_shared(r, idx, t->repair_bad);
		}
		mutex_unlock(aem_slot_lock(r, idx));
	}
	aem_share_put(s);
}

/* ---- aether_kverifyd ---------------------------------------------------- */

/*
 * Where kverifyd goes on: among the records, the region id and data page
 * index; among the shared frames, after @aem_integ_cur_shared (referenced,
 * so still listed; NULL: from the first).  @aem_integ_shared_first: the
 * shared walk goes first this tick.
 */
static u64 aem_integ_cur_id;
static pgoff_t aem_integ_cur_idx;
static bool aem_integ_shared_first;
static struct aem_shared *aem_integ_cur_shared;

/*
 * Check up to @budget records of @r from @from on, every layer.  Return:
 * records visited (checked or not: a poisoned one, a stored shared
 * frame's slot cost their walk too); *@next gets where to go on, or
 * ULONG_MAX when done.
 */
static unsigned long aem_integ_bg_region(struct aem_region *r, pgoff_t from,
					 unsigned long budget, pgoff_t *next)
{
	struct aem_integ_tally t = { };
	struct aem_layer **ls;
	unsigned int k, nl;
	unsigned long idx, end = ULONG_MAX, visited = 0;
	void *rec;

	*next = ULONG_MAX;
	ls = aem_region_layers_get(r, &nl);
	if (!ls)
		return 0;
	/* The first @budget indexes with a record, over every layer. */
	for (k = 0; k < nl; k++) {
		unsigned long n = 0;

		xa_for_each_start(&ls[k]->integ, idx, rec, from) {
			if (idx > end || ++n > budget)
				break;
		}
		if (n > budget && idx < end)
			end = idx;
	}
	for (k = 0; k < nl; k++) {
		xa_for_each_range(&ls[k]->integ, idx, rec, from, end - 1) {
			mutex_lock(aem_slot_lock(r, idx));
			aem_integ_check_locked(r, ls[k], idx, &t);
			mutex_unlock(aem_slot_lock(r, idx));
			aem_integ_check_finish(r, &t);
			visited++;
			cond_resched();
		}
	}
	aem_region_layers_put(r, ls, nl);
	if (end != ULONG_MAX)
		*next = end;
	atomic_long_add(t.checked, &aem_integ_bg_checked);
	atomic_long_add(t.mismatches, &aem_integ_bg_mismatches);
	return visited;
}

/*
 * The event of shared frame @s: named by the region and page of its first
 * user, which the policy backend hears of (one event a frame, however
 * many users map it: they all hold the same bytes, poisoned or repaired
 * together); a frame whose last user left meanwhile names no region and
 * is only logged.
 */
static void aem_integ_event_shared(struct aem_shared *s, int kind)
{
	pgoff_t idx;
	u64 rid;

	if (aem_share_integ_user(s, &rid, &idx))
		aem_integ_event_id(rid, idx, kind);
	else
		pr_warn_ratelimited("a shared frame with no user left: %s\n",
				    aem_integ_what[kind]);
}

/*
 * kverifyd's check of shared frame @s (referenced), once however many
 * slots map it: its frame, held (it neither moves nor goes, and is never
 * written), against its sum, under no slot lock.  A mismatch is repaired
 * from its kept copy (aem_share_integ_repair(), which moves a frame
 * nobody holds: it is let go first), or poisons it for every user, whose
 * entries are zapped before aem_share_integ_poison_held() returns.  A
 * stored frame is checked when a fault loads it, a poisoned one no more.
 */
static void aem_integ_bg_shared_one(struct aem_shared *s)
{
	struct aem_frame *f;
	int ret, tries = 0;
	bool kept;

	if (aem_share_integ_state(s, &kept))
		return;
	f = aem_share_frame_get(s);
	if (!f)
		return;	/* stored: checked when a fault loads it */
	atomic_long_inc(&aem_integ_checked);
	atomic_long_inc(&aem_integ_checked_shared);
	atomic_long_inc(&aem_integ_bg_checked);
	if (aem_integ_hash(f) == aem_share_hash(s))
		goto out;
	atomic_long_inc(&aem_integ_bg_mismatches);
	if (kept) {
		aem_share_frame_put(f);
		do {
			ret = aem_share_integ_repair(s, f);
			if (ret == -EBUSY)
				cond_resched();
		} while (ret == -EBUSY && ++tries < 3);
		if (!ret) {
			atomic_long_inc(&aem_integ_repaired);
			atomic_long_inc(&aem_integ_rep_kept);
			atomic_long_inc(&aem_integ_rep_shared);
			aem_integ_event_shared(s, AEM_INTEGRITY_REPAIRED);
			return;
		}
		/* Moved, repaired meanwhile, no memory: the next pass's. */
		if (ret != -ENODATA)
			return;
		/* Its copy is bad too: poisoned, if it is still the frame. */
		f = aem_share_frame_get(s);
		if (!f)
			return;
		if (aem_integ_hash(f) == aem_share_hash(s))
			goto out;
	}
	if (aem_share_integ_poison_held(s, f)) {
		atomic_long_inc(&aem_integ_unrep_shared);
		atomic_long_inc(&aem_integ_mismatches);
		aem_integ_event_shared(s, AEM_INTEGRITY_MISMATCH);
	}
out:
	aem_share_frame_put(f);
}

/*
 * Visit up to @budget shared frames from kverifyd's cursor on, each
 * counted whether it is hashed or not: a stored or poisoned frame costs
 * the list lock and a reference, and a walk that counted only the frames
 * it hashed would go over every stored one each tick, whatever the rate.
 * Return: frames visited; the cursor is NULL again when the list ended.
 */
static unsigned long aem_integ_bg_shared(unsigned long budget)
{
	struct aem_shared *s = aem_integ_cur_shared;
	unsigned long done = 0;

	while (done < budget && !kthread_should_stop()) {
		s = aem_share_next_used(s);
		if (!s)
			break;
		atomic_long_inc(&aem_integ_bg_shared_visits);
		aem_integ_bg_shared_one(s);
		done++;
		cond_resched();
	}
	aem_integ_cur_shared = s;
	return done;
}

/*
 * Visit up to @budget records of the regions from kverifyd's cursor on;
 * past the last region, the cursor goes back to the first (the next
 * pass).  Return: records visited.
 */
static unsigned long aem_integ_bg_regions(unsigned long budget)
{
	struct aem_region *r;
	unsigned long done = 0;
	pgoff_t next;

	for (r = aem_region_next(NULL); r; r = aem_region_next(r)) {
		if (r->id < aem_integ_cur_id)
			continue;
		if (r->id > aem_integ_cur_id)
			aem_integ_cur_idx = 0;
		aem_integ_cur_id = r->id;
		done += aem_integ_bg_region(r, aem_integ_cur_idx,
					    budget - done, &next);
		if (next != ULONG_MAX) {
			aem_integ_cur_idx = next;
			aem_region_put(r);
			return done;
		}
		aem_integ_cur_id = r->id + 1;
		aem_integ_cur_idx = 0;
		if (done >= budget || kthread_should_stop()) {
			aem_region_put(r);
			return done;
		}
	}
	aem_integ_cur_id = 0;
	aem_integ_cur_idx = 0;
	return done;
}

/* kverifyd stops or pauses: its place among the shared frames goes. */
static void aem_integ_bg_reset(void)
{
	if (aem_integ_cur_shared)
		aem_share_put(aem_integ_cur_shared);
	aem_integ_cur_shared = NULL;
	aem_integ_shared_first = false;
	aem_integ_cur_id = 0;
	aem_integ_cur_idx = 0;
}

/*
 * One tick: a tenth of a second's worth (@budget records and shared
 * frames visited), from the cursors on.  The two walks take turns to go
 * first, and the first leaves what it did not use to the other (see
 * "aether_kverifyd" at the top).
 */
static void aem_integ_bg_tick(unsigned long budget)
{
	unsigned long done = 0;

	atomic_long_inc(&aem_integ_bg_ticks);
	aem_integ_shared_first = !aem_integ_shared_first;
	if (aem_integ_shared_first)
		done = aem_integ_bg_shared(budget);
	if (done < budget && !kthread_should_stop())
		done += aem_integ_bg_regions(budget - done);
	if (!aem_integ_shared_first && done < budget &&
	    !kthread_should_stop())
		aem_integ_bg_shared(budget - done);
}

static bool aem_integ_wake(unsigned int rate)
{
	return kthread_should_stop() || READ_ONCE(aem_verify_rate) != rate;
}

static int aem_kverifyd_fn(void *unused)
{
	while (!kthread_should_stop()) {
		unsigned int rate = READ_ONCE(aem_verify_rate);
		long timeout = rate ? msecs_to_jiffies(AEM_INTEG_TICK_MS) :
				      MAX_SCHEDULE_TIMEOUT;

		if (rate)
			aem_integ_bg_tick(max(1U, rate / (1000 / AEM_INTEG_TICK_MS)));
		else
			aem_integ_bg_reset();	/* holds no shared frame */
		wait_event_interruptible_timeout(aem_integ_wait,
						 aem_integ_wake(rate), timeout);
	}
	aem_integ_bg_reset();
	return 0;
}

/* ---- debugfs ------------------------------------------------------------ */

static int aem_dbg_integ_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "cold_gen %u\n", READ_ONCE(aem_integ_cold_gen));
	seq_printf(m, "verify_pages_per_sec %u\n", READ_ONCE(aem_verify_rate));
	seq_printf(m, "taken_cold %ld\n", atomic_long_read(&aem_integ_taken_cold));
	seq_printf(m, "taken_store %ld\n",
		   atomic_long_read(&aem_integ_taken_store));
	seq_printf(m, "taken_shared_frames %ld\n",
		   atomic_long_read(&aem_integ_taken_frames));
	seq_printf(m, "forgotten %ld\n", atomic_long_read(&aem_integ_forgotten));
	seq_printf(m, "forgotten_merged %ld\n",
		   atomic_long_read(&aem_integ_forgotten_merged));
	seq_printf(m, "no_memory %ld\n", atomic_long_read(&aem_integ_nomem));
	seq_printf(m, "checked %ld\n", atomic_long_read(&aem_integ_checked));
	seq_printf(m, "checked_shared %ld\n",
		   atomic_long_read(&aem_integ_checked_shared));
	seq_printf(m, "mismatches %ld\n",
		   atomic_long_read(&aem_integ_mismatches));
	seq_printf(m, "load_mismatches %ld\n",
		   atomic_long_read(&aem_integ_load_mismatches));
	seq_printf(m, "repaired %ld\n", atomic_long_read(&aem_integ_repaired));
	seq_printf(m, "refused_faults %ld\n",
		   atomic_long_read(&aem_integ_refused));
	seq_printf(m, "bg_checked %ld\n",
		   atomic_long_read(&aem_integ_bg_checked));
	seq_printf(m, "bg_mismatches %ld\n",
		   atomic_long_read(&aem_integ_bg_mismatches));
	seq_printf(m, "bg_ticks %ld\n", atomic_long_read(&aem_integ_bg_ticks));
	seq_printf(m, "bg_shared_visits %ld\n",
		   atomic_long_read(&aem_integ_bg_shared_visits));
	seq_printf(m, "corrupted %ld\n", atomic_long_read(&aem_integ_corrupted));
	seq_printf(m, "keep_copies %d\n", READ_ONCE(aem_integ_keep_on));
	seq_printf(m, "kept_copies %ld\n", atomic_long_read(&aem_kept_pages));
	seq_printf(m, "kept_taken %ld\n",
		   atomic_long_read(&aem_integ_kept_taken));
	seq_printf(m, "kept_reused %ld\n",
		   atomic_long_read(&aem_integ_kept_reused));
	seq_printf(m, "kept_dropped %ld\n",
		   atomic_long_read(&aem_integ_kept_dropped));
	seq_printf(m, "repaired_from_store %ld\n",
		   atomic_long_read(&aem_integ_rep_kept));
	seq_printf(m, "repaired_shared %ld\n",
		   atomic_long_read(&aem_integ_rep_shared));
	seq_printf(m, "repaired_by_reload %ld\n",
		   atomic_long_read(&aem_integ_rep_reload));
	seq_printf(m, "unrepaired_resident %ld\n",
		   atomic_long_read(&aem_integ_unrep_resident));
	seq_printf(m, "unrepaired_shared %ld\n",
		   atomic_long_read(&aem_integ_unrep_shared));
	seq_printf(m, "unrepaired_stored %ld\n",
		   atomic_long_read(&aem_integ_unrep_stored));
	seq_printf(m, "kept_refused %ld\n", aem_policy_integ_refused());
	seq_printf(m, "sums_refused %ld\n",
		   atomic_long_read(&aem_integ_sums_refused));
	seq_printf(m, "teardown_leaks %ld\n",
		   atomic_long_read(&aem_integ_teardown_leaks));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_integ);

/* The region of id @id, referenced, or NULL. */
static struct aem_region *aem_integ_region_find(u64 id)
{
	struct aem_region *r;

	for (r = aem_region_next(NULL); r; r = aem_region_next(r))
		if (r->id == id)
			return r;
	return NULL;
}

/*
 * Flip a byte of the page @idx of @top's image resolves to (slot lock);
 * with @kept, of the copy of it the store keeps instead (a resident page
 * loaded back: see "Kept copies").
 */
static int aem_integ_corrupt_locked(struct aem_region *r,
				    struct aem_layer *top, pgoff_t idx,
				    bool kept)
{
	struct aem_layer *where;
	struct aem_frame *f;
	void *e, *addr;

	e = aem_lookup_entry(top, idx, &where);
	if (kept) {
		if (aem_slot_kind(e) != AEM_SLOT_FRAME)
			return -ENOENT;
		e = xa_empty(&where->kept) ? NULL : xa_load(&where->kept, idx);
		return e ? aem_loop_corrupt(aem_slot_stored_handle(e)) : -ENOENT;
	}
	switch (aem_slot_kind(e)) {
	case AEM_SLOT_NONE:
		return -ENOENT;
	case AEM_SLOT_SHARED_STORED:
		return -EOPNOTSUPP;
	case AEM_SLOT_STORED:
		return aem_loop_corrupt(aem_slot_stored_handle(e));
	default:
		f = aem_slot_frame(e);
		addr = kmap_local_page(aem_frame_page(f));
		((u8 *)addr)[PAGE_SIZE / 2] ^= 0x5a;
		kunmap_local(addr);
		return 0;
	}
}

/*
 * "ID INDEX": flip a byte of data page INDEX of region ID as its first
 * view sees it (its base when nothing maps it); its record is left.  A
 * stored page's copy is flipped only in the core's loopback store.
 * "load N": the loopback's next N loads come out with a byte flipped,
 * their copies good (the repair path: the second load matches).
 * "ID INDEX kept": flip a byte of the copy the loopback keeps of that
 * resident page (-ENOENT when none is kept), the page left as it is.
 */
static ssize_t aem_dbg_corrupt_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct aem_region *r;
	struct aem_layer *top;
	unsigned long long id;
	unsigned long idx;
	unsigned int nr;
	char buf[64], word[8];
	bool kept;
	int err, n;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "load %u", &nr) == 1) {
		err = aem_loop_spoil_loads(nr);
		return err ? err : len;
	}
	n = sscanf(buf, "%llu %lu %7s", &id, &idx, word);
	if (n < 2 || (n == 3 && strcmp(word, "kept")))
		return -EINVAL;
	kept = n == 3;
	r = aem_integ_region_find(id);
	if (!r)
		return -ENOENT;
	err = -EINVAL;
	if (idx >= r->nr_pages)
		goto out_region;
	mutex_lock(&r->views_lock);
	top = list_empty(&r->views) ? r->base :
	      list_first_entry(&r->views, struct aem_view, link)->top;
	kref_get(&top->ref);
	mutex_unlock(&r->views_lock);
	mutex_lock(aem_slot_lock(r, idx));
	err = aem_integ_corrupt_locked(r, top, idx, kept);
	mutex_unlock(aem_slot_lock(r, idx));
	aem_image_put(r, top);
	if (!err)
		atomic_long_inc(&aem_integ_corrupted);
out_region:
	aem_region_put(r);
	return err ? err : len;
}

static const struct file_operations aem_dbg_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = aem_dbg_corrupt_write,
	.llseek = noop_llseek,
};

/*
 * The baseline of VERIFY's cost: a bare xxh64 of the same frames, with
 * no lock, lookup or record (aether/mm/integrity_bench).  Its last run:
 */
static DEFINE_MUTEX(aem_integ_bench_lock);
static u64 aem_integ_bench_pages, aem_integ_bench_ns, aem_integ_bench_sum;

/* Hash every frame region @r's first image holds, timed. */
static int aem_integ_bench(struct aem_region *r)
{
	struct aem_layer *top, *where;
	struct aem_frame **frames, *f;
	unsigned long idx, k = 0, i;
	u64 t0, sum = 0;

	frames = kvmalloc_array(r->nr_pages, sizeof(*frames), GFP_KERNEL);
	if (!frames)
		return -ENOMEM;
	mutex_lock(&r->views_lock);
	top = list_empty(&r->views) ? r->base :
	      list_first_entry(&r->views, struct aem_view, link)->top;
	kref_get(&top->ref);
	mutex_unlock(&r->views_lock);
	/* A reference on each frame: none goes while it is hashed. */
	for (idx = 0; idx < r->nr_pages; idx++) {
		mutex_lock(aem_slot_lock(r, idx));
		f = aem_slot_frame(aem_lookup_entry(top, idx, &where));
		if (f) {
			aem_frame_get(f);
			frames[k++] = f;
		}
		mutex_unlock(aem_slot_lock(r, idx));
	}
	t0 = ktime_get_ns();
	for (i = 0; i < k; i++)
		sum ^= aem_integ_hash(frames[i]);
	t0 = ktime_get_ns() - t0;
	for (i = 0; i < k; i++)
		aem_free_pages(frames[i], 0);	/* the reference */
	aem_image_put(r, top);
	kvfree(frames);
	mutex_lock(&aem_integ_bench_lock);
	aem_integ_bench_pages = k;
	aem_integ_bench_ns = t0;
	aem_integ_bench_sum = sum;
	mutex_unlock(&aem_integ_bench_lock);
	return 0;
}

static int aem_dbg_bench_show(struct seq_file *m, void *unused)
{
	mutex_lock(&aem_integ_bench_lock);
	seq_printf(m, "pages %llu\nns %llu\nsum %llx\n", aem_integ_bench_pages,
		   aem_integ_bench_ns, aem_integ_bench_sum);
	mutex_unlock(&aem_integ_bench_lock);
	return 0;
}

static int aem_dbg_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, aem_dbg_bench_show, NULL);
}

/* "ID": a bare xxh64 of every frame region ID's first image holds. */
static ssize_t aem_dbg_bench_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct aem_region *r;
	u64 id;
	int err;

	err = kstrtou64_from_user(ubuf, len, 0, &id);
	if (err)
		return err;
	r = aem_integ_region_find(id);
	if (!r)
		return -ENOENT;
	err = aem_integ_bench(r);
	aem_region_put(r);
	return err ? err : len;
}

static const struct file_operations aem_dbg_bench_fops = {
	.owner = THIS_MODULE,
	.open = aem_dbg_bench_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = aem_dbg_bench_write,
};

/**
 * aem_integ_debugfs() - create debugfs aether/mm/integrity,
 * integrity_corrupt and integrity_bench
 * @dir: aether/mm/
 */
void aem_integ_debugfs(struct dentry *dir)
{
	debugfs_create_file("integrity", 0400, dir, NULL, &aem_dbg_integ_fops);
	debugfs_create_file("integrity_corrupt", 0200, dir, NULL,
			    &aem_dbg_corrupt_fops);
	debugfs_create_file("integrity_bench", 0600, dir, NULL,
			    &aem_dbg_bench_fops);
}

/* ---- init, exit, parameters --------------------------------------------- */

/**
 * aem_integ_init() - start aether_kverifyd
 *
 * Return: 0 or a negative errno.
 */
int aem_integ_init(void)
{
	aem_kverifyd = kthread_run(aem_kverifyd_fn, NULL, "aether_kverifyd");
	return PTR_ERR_OR_ZERO(aem_kverifyd);
}

/**
 * aem_integ_exit() - stop aether_kverifyd
 */
void aem_integ_exit(void)
{
	kthread_stop(aem_kverifyd);
}

static int aem_integ_cold_gen_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int g;
	int err;

	err = kstrtouint(val, 0, &g);
	if (err)
		return err;
	if (g >= AEM_NR_GENS)
		return -EINVAL;
	WRITE_ONCE(aem_integ_cold_gen, g);
	atomic_inc(&aem_integ_cold_sets);
	return 0;
}

static const struct kernel_param_ops aem_integ_cold_gen_ops = {
	.set = aem_integ_cold_gen_set,
	.get = param_get_uint,
};

module_param_cb(integrity_cold_gen, &aem_integ_cold_gen_ops,
		&aem_integ_cold_gen, 0644);
MODULE_PARM_DESC(integrity_cold_gen,
		 "a region page's checksum is taken when aether_kaccessd finds it idle for this many scans (1..7; 0 = never at that moment; default 7)");

static int aem_verify_rate_set(const char *val, const struct kernel_param *kp)
{
	unsigned int rate;
	int err;

	err = kstrtouint(val, 0, &rate);
	if (err)
		return err;
	if (rate > (1U << 24))
		return -EINVAL;
	WRITE_ONCE(aem_verify_rate, rate);
	wake_up(&aem_integ_wait);
	return 0;
}

static const struct kernel_param_ops aem_verify_rate_ops = {
	.set = aem_verify_rate_set,
	.get = param_get_uint,
};

module_param_cb(verify_pages_per_sec, &aem_verify_rate_ops, &aem_verify_rate,
		0644);
MODULE_PARM_DESC(verify_pages_per_sec,
		 "aether_kverifyd checks this many region pages with a checksum a second (0..16777216; 0 = off, the default)");

module_param_named(integrity_keep_copies, aem_integ_keep_on, bool, 0644);
MODULE_PARM_DESC(integrity_keep_copies,
		 "a page loaded back from the store keeps its store copy until it changes, to repair it from (default N: the copy is released at the load; copies kept stay until their page changes)");
