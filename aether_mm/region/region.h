/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region/region.h - memory of the pool that processes map: regions, views
 * and layers, shared by the files that work on them
 *
 *   layer.c	layers: lookups down a chain, freeing, trimming
 *   store.c	pages to the store backend and back, unregistration
 *   lifecycle.c	creation, names, REGION_OPEN/LIST, freeing, init/exit
 *   view.c	views, VMAs, fork, W^X, mmap and the vm_ops
 *   ioctl.c	the ioctls of a region fd and its file operations
 *   migrate.c	a frame replaced by a copy (migration, compaction)
 *   collapse.c	2 MiB ranges gathered into one order-9 block
 *   fault.c	demand paging, copy-on-write, fault-around
 *   huge_fault.c	one PMD for 2 MiB
 *   predict.c	the prefetch predictor of faults
 *   access.c	accessed bits, generations, cold pages (aether_kaccessd)
 *   numa.c	NUMA balancing
 *   reclaim.c	the reclaim client: cold pages to the store backend
 *   walk.c	page-table walks, 4 KiB and 2 MiB
 *   secure.c	SECURE regions: wipes, memlock charge, hibernation veto
 *   debugfs.c	aether/mm/regions and aether/mm/tiers
 *   verify.c	checksums of pages, VERIFY, poison, aether_kverifyd
 *   revoke.c	taking back the mappings a firewall change names
 *
 * Regions include ../frame.h and <aether/mm.h>, never ../internal.h: the
 * frame accessors (refcount, reverse map) and the few services of the rest
 * of the core they use are all there.
 *
 *
 * A region is a range of pool pages behind a file.  Each region has an
 * inode of its own on a private pseudo filesystem (the secretmem model),
 * so unmap_mapping_range() on its mapping reaches every process that maps
 * it.  The mappings are VM_PFNMAP: page table entries are "special", no
 * struct page refcount, mapcount or rmap is ever taken on a pool page, and
 * get_user_pages() cannot pin one.  So a frame may go back to the pool as
 * soon as no page table entry maps it, and we always know when that is.
 *
 * Objects
 *
 *   region	the file's object: size, flags, policy, counters, the layer
 *		chain's base and the list of views.  Refcounted: one
 *		reference per open file (every VMA holds its file), one per
 *		ioctl in flight and one per background pass over it
 *		(aem_regions_get_all(), compaction).  It holds a reference
 *		on its inode from creation until it is freed, since it may
 *		outlive its last file.  It is on the global list exactly
 *		while its count is above zero: the last put unlinks it
 *		under aem_regions_lock (kref_put_mutex()).  Its name is
 *		taken while it has a file (@nr_files, lifecycle.c): a
 *		passing reference holds no name.
 *   view	one per (region, mm): what one process sees.  It holds its
 *		top layer and counts the VMAs that map it.
 *   layer	an image: an xarray of frames by page index over an older
 *		image, its backing layer.  Refcounted by the views whose top
 *		it is, by the layers it backs and by the ioctls reading it
 *		(REGION_CHECKSUM, REGION_MIGRATE: aem_image_get()).  A frame
 *		belongs to exactly one layer and is freed with it, but for a
 *		shared frame (share.c): slots of several layers, of any
 *		MERGEABLE regions, hold it, each one of its users, and the
 *		last user (or the merge engine's last reference) frees it.
 *
 * A SHARED region has one layer, the base, and every view's top is the
 * base.  A PRIVATE region gives each view its own top: a lookup walks from
 * the top down, so a view sees the newest frame any layer of its chain has
 * for an index, or zeroes.  fork() calls ->open on each child VMA before
 * copy_page_range(): the first one for a region freezes the parent's top T
 * and gives parent and child each a new empty top over T; the parent's
 * page table entries of the range are zapped, so nothing is copied into
 * the child and both sides fault again.  A write then copies the frame
 * into the writer's top (copy-on-write) or, when no other view can see the
 * frame's layer any more, moves it there (a steal, no copy).
 *
 * The life of a frame of a region
 *
 *   fault, write	allocated from the pool (zeroed or copied: never
 *			with a former user's bytes), stored
 *			in the writer's top layer, mapped writable
 *   fault, read	mapped read-only; a never-written index maps Linux's
 *			zero page and allocates nothing
 *   steal		moves to the top layer of the only view left
 *   migrate		copied to a frame on another node, which takes its
 *			place in the layer; the old one is zapped from every
 *			page table, then freed
 *   merge		a merge engine found its content in a shared frame:
 *			zapped from every page table, compared, freed; the
 *			slot holds the shared frame, mapped read-only, until
 *			a write copies it back into an own frame (share.c)
 *   layer freed	back to the pool: the last view over the layer is
 *			gone, and with it every VMA that could map the frame.
 *			A kernel reader (REGION_CHECKSUM) holds a frame
 *			reference, so the frame outlives it if need be
 *
 * Invariant: a page table entry in a VMA of view V maps the zero page or a
 * frame of a layer in V's chain.  Every change of what an index resolves
 * to in a chain is followed, under the slot lock, by a zap of the entries
 * that may map the old answer.
 *
 * Lock order (an excerpt of internal.h's list, items 7 to 11)
 *
 *   aem_share_sem		read around a merge (share.c): outside
 *				every lock below, never inside mmap_lock
 *   mm->mmap_lock		Linux's, around faults (on 6.12 a fault may
 *				hold only its VMA's lock: fault.c), mmap,
 *				mprotect and fork (write, both mms).  A
 *				view's top and chain change only at fork,
 *				with the view's mm locked for write; readers
 *				hold it for read (faults, whose VMA holds the
 *				view, or the VMA's lock when it is the view's
 *				only VMA, which fork write-locks), or hold
 *				a reference on the top they read, taken
 *				under views_lock (ioctls: munmap downgrades
 *				to read before ->close frees the view).
 *     aem_regions_lock		the list of regions and their names
 *     region->wx_lock		W^X checks of mmap and mprotect, and the
 *				view an mmap creates (see aem_wx_check())
 *     region->views_lock	the view list, view creation and tops at fork
 *       other mm->mmap_lock	read, trylock only: another process's
 *				mappings, for the W^X check
 *     slot lock		hashed mutex per (region, index): what the index
 *				resolves to, in every layer of the region
 *       shared->load_lock	bringing a stored shared frame back (share.c,
 *				mutex): under one slot lock, or under
 *				shared->move_lock alone
 *         shared->lock		the users of a shared frame (share.c, spin)
 *       mapping->i_mmap_rwsem	inside unmap_mapping_range()
 *         page table locks	inside vmf_insert_pfn_prot() and the zaps
 *       the pool's locks	inside aem_alloc_pages_mpol()/aem_free_pages()
 *
 * region->qos_lock (qos.c, REGION_SET_QOS) is taken alone, under no other
 * lock and around none; the ranges it guards are read under RCU only.
 */
#ifndef _AETHER_MM_REGION_H
#define _AETHER_MM_REGION_H

#include <linux/hash.h>
#include <linux/kref.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/xarray.h>
#include <aether/mm.h>
#include "../frame.h"
#include "slot.h"

#define AEM_REGION_SLOT_LOCKS	64
#define AEM_GEN_NONE		0xff	/* a page without a frame */
#define AEM_HUGE_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define AEM_HUGE_PAGES		BIT(AEM_HUGE_ORDER)

/**
 * struct aem_layer - one image of a region: frames by page index
 * @ref:	views whose top it is, layers it backs, ioctls reading it
 * @backing:	the older image under it, or NULL (the base)
 * @slots:	index -> entry (slot.h: a frame or a stored page); changed
 *		under the slot lock
 * @zeroed:	indexes whose zero-filled frame share.c freed (use_zero_pages,
 *		aem_share_zero()) and no frame has filled since: their
 *		slot is empty and reads map the zero page.  Only a count's
 *		record (the region's @zero_pages); changed under the slot
 *		lock
 * @region:	owner
 * @rcu:	freed after a grace period: a frame's @rmap names its layer,
 *		and compaction follows it under rcu_read_lock()
 * @integ:	index -> checksum record of what the slot holds (verify.c);
 *		changed under the slot lock and its own xa_lock
 * @integ_nodes: the nodes @integ holds, as charged to the region's group
 *		(verify.c, "Records"); under @integ's xa_lock
 * @kept:	index -> the store backend's handle of a copy of the page
 *		kept after a load, for repair (verify.c, "Kept copies"):
 *		only where @integ has a valid record; changed under the slot
 *		lock
 */
struct aem_layer {
	struct kref ref;
	struct aem_layer *backing;
	struct xarray slots;
	struct xarray zeroed;
	struct aem_region *region;
	struct rcu_head rcu;
	struct xarray integ;
	struct xarray kept;
	unsigned long integ_nodes;
};

/**
 * struct aem_view - what one process (mm) sees of a region
 * @link:	on region->views (views_lock)
 * @region:	owner
 * @mm:		the process; a key, never dereferenced
 * @top:	newest layer of its chain; changes at fork only, with @mm's
 *		mmap_lock held for write
 * @nr_vmas:	VMAs of @mm that map it
 * @pred_lock:	the predictor's state below
 * @pred_last:	page index of the last fault
 * @pred_stride: distance between the last two faults
 * @pred_conf:	faults in a row at @pred_stride
 * @pred_window: pages mapped ahead at the next prediction
 * @pred_expect: where the stream goes after the pages mapped ahead
 * @pred_inflight: pages mapped ahead, not yet judged hit or wasted
 * @fw_state:	the memory firewall's last check: the access sequence
 *		number read before it, the AEM_ACCESS_* bits it allowed
 *		(view.c)
 * @fw_floor:	the sequence number of the last revocation that named
 *		this view (region/revoke.c; at creation, the number then):
 *		a check below it is stale.  Written under the region's
 *		views_lock, read without it
 */
struct aem_view {
	struct list_head link;
	struct aem_region *region;
	struct mm_struct *mm;
	struct aem_layer *top;
	atomic_t nr_vmas;
	spinlock_t pred_lock;		/* see above */
	pgoff_t pred_last;
	long pred_stride;
	unsigned int pred_conf;
	unsigned int pred_window;
	pgoff_t pred_expect;
	unsigned int pred_inflight;
	u64 fw_state;
	u64 fw_floor;
};

/*
 * A link of a per-generation list of a region's data pages: indices into
 * the region's @gen_link array, a page being at most 2^32 - AEM_NR_GENS - 1
 * (the pool is far smaller).
 */
struct aem_gen_link {
	u32 prev;
	u32 next;
};

/*
 * The counters of a region, one array indexed by this enum: first those
 * REGION_INFO carries, in its order (the UAPI's list,
 * uapi/linux/aether_mm_region_counters.h), then the module's own.
 * aem_region_stat_names[] names each (debugfs aether/mm/regions).
 *
 *   RESIDENT		frames held, all layers
 *   FAULTS .. MIGRATED	see struct aether_mm_region_info
 *   ACCESS_SCANS	scans of aether_kaccessd (access.c)
 *   NUMA_FAULTS	faults on a frame of another node (numa.c)
 *   NUMA_MIGRATED	frames NUMA balancing moved (numa.c)
 *   HUGE_MAPS		2 MiB ranges mapped with one PMD
 *   HUGE_FALLBACKS	huge faults answered with 4 KiB pages
 *   HUGE_COLLAPSES	2 MiB ranges gathered into one block (collapse.c)
 *   STORED		pages the store backend holds for its layers
 *   STORE_OUTS		pages given to the store
 *   STORE_INS		pages brought back
 */
enum aem_region_stat {
#define AETHER_MM_REGION_COUNTER(id, field, label)	AEM_RS_##id,
#include <uapi/linux/aether_mm_region_counters.h>
#undef AETHER_MM_REGION_COUNTER
	AEM_NR_REGION_INFO_STATS,
	AEM_RS_ACCESS_SCANS = AEM_NR_REGION_INFO_STATS,
	AEM_RS_NUMA_FAULTS,
	AEM_RS_NUMA_MIGRATED,
	AEM_RS_HUGE_MAPS,
	AEM_RS_HUGE_FALLBACKS,
	AEM_RS_HUGE_COLLAPSES,
	AEM_RS_STORED,
	AEM_RS_STORE_OUTS,
	AEM_RS_STORE_INS,
	AEM_NR_REGION_STATS,
};

/* debugfs.c */
extern const char * const aem_region_stat_names[AEM_NR_REGION_STATS];

/**
 * struct aem_region - a region: the object of its files
 * @ref:	open files, ioctls in flight, background passes; it reaches
 *		zero under aem_regions_lock (kref_put_mutex())
 * @link:	on the global list (aem_regions_lock) while @ref is above zero
 * @id:		number shown to userspace
 * @flags:	AETHER_MM_REGION_*
 * @max_prot:	AETHER_MM_PROT_*
 * @tier:	AETHER_MM_TIER_*
 * @length:	bytes of data
 * @nr_pages:	pages of data
 * @guard:	guard pages at each end
 * @uid:	creator, for REGION_OPEN
 * @name:	"" when unnamed
 * @pol:	NUMA policy of its frames
 * @inode:	its pseudo-fs inode, referenced until the region is freed;
 *		its i_mapping is every mapping of it
 * @base:	the oldest layer
 * @views_lock:	@views, @nr_views, tops at fork
 * @wx_lock:	W^X checks of mmap() and mprotect() (view.c)
 * @views:	one per process that maps it
 * @nr_views:	entries on @views
 * @nr_files:	open files, and claims of CREATE and OPEN on the name
 *		(0 under aem_regions_lock: the name is free; lifecycle.c)
 * @slot_locks:	hashed per page index
 * @stats:	counters, by enum aem_region_stat (aem_region_stat_inc() ...)
 * @node_pages:	frames held per node
 * @gens:	generation of each data page (access.c), AEM_GEN_NONE
 *		until the first scan; written by aether_kaccessd only.
 *		Allocated at creation, as @fault_nid, so that both are
 *		charged to the creator's memory cgroup
 * @gen_link:	per-generation lists of the data pages (access.c): entry
 *		@idx links data page @idx, entry nr_pages + g heads the list
 *		of generation g; a page with no generation is on none.
 *		Allocated at creation with @gens; aem_access_lock
 * @gen_count:	pages on each generation's list (aem_access_lock)
 * @integ_cold_seq: integrity_cold_gen's changes its last scan saw
 *		(aem_integ_cold_seq(); aem_access_lock)
 * @fault_nid:	node + 1 of the CPU behind each data page's last fault, 0
 *		for none (numa.c); written under the page's slot lock
 * @numa_cursor: where the next NUMA hinting window starts (aem_access_lock)
 * @pol_cookie:	its group, from the policy backend's @region_init (policy.c),
 *		or the one the backend moved it to (aem_region_attach(),
 *		qos.c): changed only under @pol_lock, so every charge and
 *		uncharge (made under @pol_lock) names the group it counts in
 * @pol_gen:	generation of the policy registration that gave
 *		@pol_cookie, 0 for none: the region is charged only to it.
 *		Set before the region is visible, then read only
 * @pol_lock:	every charge and uncharge of the region and every change of
 *		@pol_cookie (a spinlock, inside the slot locks; RCU and the
 *		backend's own locks inside it)
 * @pol_charged: pages charged per node and not yet uncharged (@pol_lock):
 *		what an attach moves
 * @pol_stored:	its pages in the store counted in its group, and
 * @pol_stored_bytes: the bytes the store holds for them (@pol_lock):
 *		what an attach moves too (store.c, "Stored bytes")
 * @pol_retired: the cookies it had before attaches, held until the
 *		region goes (aem_region_attach()): a fault or an over-high
 *		work may still name one it read before the move
 * @nr_retired:	entries on @pol_retired (@pol_lock), at most
 *		AEM_REGION_MAX_ATTACH
 * @pol_pending: per slot lock, what the charges made under it asked for
 *		after it is dropped (AEM_PEND_*): written and cleared under
 *		that slot lock, by the fault or ioctl holding it
 * @merged:	slots of its layers holding a shared frame (share.c)
 * @zero_pages:	indexes of its layers given to the zero page (share.c) and
 *		not filled again (entries of its layers' @zeroed)
 * @merges:	merges into its slots ever, zero pages included (share.c)
 * @domain:	named trust domain, 0 for its creator's uid (share.c);
 *		written under aem_share_sem for write
 * @qos_ranges: page ranges REGION_SET_QOS gave a reclaim class, or NULL
 *		(qos.c): replaced whole under @qos_lock, read under RCU
 * @qos_lock:	serializes REGION_SET_QOS (taken alone)
 * @sec_user:	a SECURE region's creator, whose locked_vm holds its
 *		@nr_pages until it is freed (secure.c); NULL otherwise
 * @rcu:	freed after a grace period, as its layers are
 * @user:	the per-user bound its frames are charged to (user.c): its
 *		creator's, whoever faults them in; referenced for its life
 * @user_force:	made by a caller with CAP_SYS_ADMIN: its frames are counted
 *		but never refused
 * @pol_kept:	copies of its pages the store keeps for repair counted in
 *		its group (verify.c, "Kept copies"), and
 * @pol_kept_bytes: the bytes the store holds for them (@pol_lock): what
 *		an attach moves too
 * @pol_sums_bytes: the bytes of its layers' checksum records counted in
 *		its group (verify.c, "Records"; @pol_lock), moved the same
 */
struct aem_qos_ranges;
struct aem_pol_retired;

/* Attaches of one region to another group, over its life (qos.c). */
#define AEM_REGION_MAX_ATTACH	16

struct aem_region {
	struct kref ref;
	struct rcu_head rcu;	/* near the top: kfree_rcu() needs < 4 KiB */
	struct list_head link;
	u64 id;
	u32 flags;
	u32 max_prot;
	u32 tier;
	u64 length;
	unsigned long nr_pages;
	unsigned int guard;
	kuid_t uid;
	u64 tag;
	char name[AETHER_MM_REGION_NAME_MAX];
	struct aem_mempolicy pol;
	struct inode *inode;
	struct aem_layer *base;
	struct mutex views_lock;	/* see above */
	struct mutex wx_lock;		/* see view.c */
	struct list_head views;
	unsigned int nr_views;
	atomic_t nr_files;
	struct mutex slot_locks[AEM_REGION_SLOT_LOCKS];	/* see above */
	atomic_long_t stats[AEM_NR_REGION_STATS];
	atomic_long_t node_pages[AEM_MAX_NODES];
	u8 *gens;
	struct aem_gen_link *gen_link;
	unsigned long gen_count[AEM_NR_GENS];
	unsigned int integ_cold_seq;
	u8 *fault_nid;
	pgoff_t numa_cursor;
	void *pol_cookie;
	u64 pol_gen;
	spinlock_t pol_lock;		/* see above */
	unsigned long pol_charged[AEM_MAX_NODES];
	unsigned long pol_stored;
	unsigned long pol_stored_bytes;
	struct aem_pol_retired *pol_retired;
	unsigned int nr_retired;
	u8 pol_pending[AEM_REGION_SLOT_LOCKS];
	atomic_long_t merged;
	atomic_long_t zero_pages;
	atomic_long_t merges;
	u32 domain;
	struct aem_qos_ranges __rcu *qos_ranges;
	struct mutex qos_lock;		/* see above */
	struct aem_user *user;
	bool user_force;
	struct user_struct *sec_user;
	unsigned long pol_kept;
	unsigned long pol_kept_bytes;
	unsigned long pol_sums_bytes;
};

static inline void aem_region_stat_add(struct aem_region *r,
				       enum aem_region_stat i, long n)
{
	atomic_long_add(n, &r->stats[i]);
}

static inline void aem_region_stat_inc(struct aem_region *r,
				       enum aem_region_stat i)
{
	atomic_long_inc(&r->stats[i]);
}

static inline void aem_region_stat_dec(struct aem_region *r,
				       enum aem_region_stat i)
{
	atomic_long_dec(&r->stats[i]);
}

static inline long aem_region_stat(const struct aem_region *r,
				   enum aem_region_stat i)
{
	return atomic_long_read(&r->stats[i]);
}

/*
 * Migrate type and owner of @r's frames: movable and owned by regions, or
 * for a SECURE region unmovable and owned by AEM_OWNER_SECURE, which
 * compaction never moves and the pool wipes as it frees (secure.c).
 */
static inline unsigned int aem_region_frame_flags(const struct aem_region *r)
{
	if (r->flags & AETHER_MM_REGION_SECURE)
		return AEM_MT(AETHER_MM_MT_UNMOVABLE) |
		       AEM_OWNER(AEM_OWNER_SECURE);
	return AEM_MT(AETHER_MM_MT_MOVABLE) | AEM_OWNER(AEM_OWNER_REGION);
}

/*
 * Allocation flags of a frame a fault adds to @r: its type and owner,
 * admitted by the policy backend (a user's fault is a user's allocation).
 * Frames that replace one the region holds (migration, compaction,
 * collapse, a stored page coming back) are not admitted again.
 */
#define AEM_REGION_FAULT_FLAGS(r)	(aem_region_frame_flags(r) |	\
					 AEM_ALLOC_ACCOUNT)

/*
 * The slot lock of data page @idx: one per 2 MiB of the file (a PMD's
 * worth, as Linux's page table lock), hashed, so that a huge fault takes
 * one lock for its 512 pages.
 */
static inline struct mutex *aem_slot_lock_pg(struct aem_region *r,
					     pgoff_t pg)
{
	return &r->slot_locks[hash_long(pg >> AEM_HUGE_ORDER,
					ilog2(AEM_REGION_SLOT_LOCKS))];
}

static inline struct mutex *aem_slot_lock(struct aem_region *r, pgoff_t idx)
{
	return aem_slot_lock_pg(r, idx + r->guard);
}

/* @pg is a page offset of the file: guards, then data, then guards. */
static inline bool aem_region_is_guard(const struct aem_region *r, pgoff_t pg)
{
	return pg < r->guard || pg >= r->guard + r->nr_pages;
}

/*
 * Charge @nr frames of node @nid, about to join @r, to its group and to
 * its creator's per-user bound (user.c): before aem_region_frame_add() of
 * each, under their slot lock, while nothing can see them yet.  On a
 * refusal (never with AEM_CHARGE_NOFAIL: a frame that replaces one @r
 * holds, or a page that must come back from a store that is going) the
 * caller gives the frames back to the pool and fails: -ENOMEM from the
 * user's bound, the backend's errno from the group.  A charged frame
 * that does not join after all is uncharged with aem_region_uncharge();
 * one that joins is uncharged when it leaves, in aem_region_frame_gone().
 *
 * Both take @pol_lock, so an attach (qos.c) that moves the region's
 * charges to another group finds @pol_charged exact and no charge or
 * uncharge in flight on the old group.  The user's charge is an atomic
 * (no lock) and comes first: a group's refusal takes it back.
 */
static inline int aem_region_charge_locked(struct aem_region *r, int nid,
					   unsigned long nr,
					   unsigned int flags)
{
	int ret;

	ret = aem_user_charge(r->user, nr << PAGE_SHIFT,
			      r->user_force || (flags & AEM_CHARGE_NOFAIL));
	if (ret)
		return ret;
	spin_lock(&r->pol_lock);
	if (r->pol_gen)
		ret = aem_policy_charge(r->pol_gen, r->pol_cookie, nid, nr,
					flags);
	if (ret >= 0)
		r->pol_charged[nid] += nr;
	spin_unlock(&r->pol_lock);
	if (ret < 0)
		aem_user_uncharge(r->user, nr << PAGE_SHIFT);
	return ret;
}

static inline int aem_region_charge(struct aem_region *r, int nid,
				    unsigned long nr, unsigned int flags)
{
	return aem_region_charge_locked(r, nid, nr, flags);
}

static inline void aem_region_uncharge(struct aem_region *r, int nid,
				       unsigned long nr)
{
	spin_lock(&r->pol_lock);
	if (r->pol_gen)
		aem_policy_uncharge(r->pol_gen, r->pol_cookie, nid, nr);
	WARN_ON_ONCE(r->pol_charged[nid] < nr);
	r->pol_charged[nid] -= nr;
	spin_unlock(&r->pol_lock);
	aem_user_uncharge(r->user, nr << PAGE_SHIFT);
}

/*
 * What a stored page costs its store beyond its data: the store's entry
 * and the slot's handle (aether_zram: a 32-byte entry from a slab cache,
 * 8 bytes of xarray), rounded up.  A stored page is charged at least this
 * (review s29, finding 5): a same-filled page, kept in its entry with no
 * data, is not free, so a group's max bounds how many pages it keeps
 * stored.
 */
#define AEM_STORE_ENTRY_BYTES	64UL

/*
 * The bytes @ops holds for @handle, at least AEM_STORE_ENTRY_BYTES (0
 * when it does not say: the loopback store, whose pages count nothing).
 */
static inline unsigned long aem_store_size(const struct aem_store_ops *ops,
					   unsigned long handle)
{
	if (!ops || !ops->size)
		return 0;
	return max_t(unsigned long, ops->size(handle), AEM_STORE_ENTRY_BYTES);
}

/*
 * A page of @r went to the store, which holds @bytes for it: its group
 * counts them (store.c, "Stored bytes"), under @pol_lock as frames are.
 */
static inline void aem_region_charge_stored(struct aem_region *r,
					    unsigned long bytes)
{
	spin_lock(&r->pol_lock);
	if (r->pol_gen)
		aem_policy_charge_stored(r->pol_gen, r->pol_cookie, bytes, 1);
	r->pol_stored++;
	r->pol_stored_bytes += bytes;
	spin_unlock(&r->pol_lock);
}

/*
 * A stored page of @r, @bytes in the store, left it (loaded, released).
 * None counted: a store that went gave them up (aem_region_stored_forget()).
 * The last one takes whatever bytes are left, so that a page whose size
 * could not be asked (no backend) leaves nothing behind.
 */
static inline void aem_region_uncharge_stored(struct aem_region *r,
					      unsigned long bytes)
{
	spin_lock(&r->pol_lock);
	if (r->pol_stored) {
		if (r->pol_stored == 1 || WARN_ON_ONCE(bytes > r->pol_stored_bytes))
			bytes = r->pol_stored_bytes;
		if (r->pol_gen)
			aem_policy_uncharge_stored(r->pol_gen, r->pol_cookie,
						   bytes, 1);
		r->pol_stored--;
		r->pol_stored_bytes -= bytes;
	}
	spin_unlock(&r->pol_lock);
}

/*
 * The store keeps a copy of a page of @r for repair, @bytes (verify.c):
 * its group counts them, refusably (over max the copy is not kept).
 * Return: 0 or the refusal.
 */
static inline int aem_region_charge_kept(struct aem_region *r,
					 unsigned long bytes)
{
	int ret;

	spin_lock(&r->pol_lock);
	ret = aem_policy_charge_integrity(r->pol_gen, r->pol_cookie, bytes, 1,
					  0);
	if (!ret) {
		r->pol_kept++;
		r->pol_kept_bytes += bytes;
	}
	spin_unlock(&r->pol_lock);
	return ret;
}

/*
 * A kept copy of @r, @bytes, goes; the last one takes whatever bytes are
 * left (a copy whose size could not be asked: no backend).
 */
static inline void aem_region_uncharge_kept(struct aem_region *r,
					    unsigned long bytes)
{
	spin_lock(&r->pol_lock);
	if (r->pol_kept) {
		if (r->pol_kept == 1 || WARN_ON_ONCE(bytes > r->pol_kept_bytes))
			bytes = r->pol_kept_bytes;
		aem_policy_uncharge_integrity(r->pol_gen, r->pol_cookie,
					      bytes, 1);
		r->pol_kept--;
		r->pol_kept_bytes -= bytes;
	}
	spin_unlock(&r->pol_lock);
}

/*
 * The checksum records of @r's pages take @bytes more of kernel memory
 * (verify.c, "Records"): its group counts them, refusably.  Return: 0 or
 * the refusal (the record is not taken).
 */
static inline int aem_region_charge_sums(struct aem_region *r,
					 unsigned long bytes)
{
	int ret;

	spin_lock(&r->pol_lock);
	ret = aem_policy_charge_integrity(r->pol_gen, r->pol_cookie, bytes, 0,
					  0);
	if (!ret)
		r->pol_sums_bytes += bytes;
	spin_unlock(&r->pol_lock);
	return ret;
}

/* @bytes of @r's checksum records are freed. */
static inline void aem_region_uncharge_sums(struct aem_region *r,
					    unsigned long bytes)
{
	spin_lock(&r->pol_lock);
	if (!WARN_ON_ONCE(bytes > r->pol_sums_bytes)) {
		aem_policy_uncharge_integrity(r->pol_gen, r->pol_cookie,
					      bytes, 0);
		r->pol_sums_bytes -= bytes;
	}
	spin_unlock(&r->pol_lock);
}

/*
 * What the charges under a slot lock leave to do once it is dropped
 * (policy.c, "Limits that need work outside the slot lock"): a fault or
 * an ioctl that charges under the lock takes them with
 * aem_region_pending_take() before it unlocks, then calls
 * aem_region_charge_after().
 */
#define AEM_PEND_HIGH		BIT(0)	/* a charge crossed high */
#define AEM_PEND_RECLAIM	BIT(1)	/* a charge wants @reclaim first */
#define AEM_PEND_LAST		BIT(2)	/* the try after @reclaim */
#define AEM_PEND_NOMEM		BIT(3)	/* the pool had no frame (fault.c) */

static inline u8 *aem_region_pending(struct aem_region *r, pgoff_t idx)
{
	struct mutex *lock = aem_slot_lock(r, idx);

	lockdep_assert_held(lock);
	return &r->pol_pending[lock - r->slot_locks];
}

/*
 * Charge @nr new frames of node @nid for data page @idx, as
 * aem_region_charge() without flags, under @idx's slot lock: over high,
 * 0 (the caller goes on) and the lock's pending notes it; -EAGAIN (over
 * max, not the last try), the caller gives the frames back and fails, and
 * the pending notes the reclaim to do.
 */
static inline int aem_region_charge_new(struct aem_region *r, pgoff_t idx,
					int nid, unsigned long nr)
{
	u8 *pend;
	int ret;

	pend = aem_region_pending(r, idx);
	ret = aem_region_charge_locked(r, nid, nr, *pend & AEM_PEND_LAST ?
				       AEM_CHARGE_LAST : 0);
	if (ret == AEM_CHARGE_OVER_HIGH) {
		*pend |= AEM_PEND_HIGH;
		return 0;
	}
	if (ret == -EAGAIN)
		*pend |= AEM_PEND_RECLAIM;
	return ret;
}

/* Before unlocking @idx's slot lock: what its charges left to do. */
static inline u8 aem_region_pending_take(struct aem_region *r, pgoff_t idx)
{
	u8 *pend = aem_region_pending(r, idx);
	u8 was = *pend;

	*pend = 0;
	return was;
}

/* After aem_region_charge_new() refused, for its try after reclaim. */
static inline void aem_region_pending_last(struct aem_region *r, pgoff_t idx)
{
	*aem_region_pending(r, idx) |= AEM_PEND_LAST;
}

bool aem_region_charge_after(struct aem_region *r, pgoff_t idx, u8 pend,
			     unsigned long nr, unsigned int flags);
void aem_region_over_high(struct file *file, struct aem_region *r,
			  pgoff_t idx, u8 seen, unsigned long nr);

/* Who allocates for @r's faults (alloc.c: admit, stalls). */
static inline struct aem_frame *aem_region_alloc(struct aem_region *r,
						 unsigned int order,
						 unsigned int flags)
{
	struct aem_alloc_who who = {
		.gen = r->pol_gen,
		.cookie = r->pol_cookie,
	};

	return aem_alloc_pages_who(&r->pol, order, flags, &who);
}

/*
 * A frame joins (at @idx of @l) or leaves one of @r's layers.  Every frame
 * a region holds passes through both, once, whatever path took or freed
 * it (fault, COW, huge, collapse, migration, compaction, store, layer
 * release), and was charged to the region's group before it joined
 * (aem_region_charge()); it is uncharged as it leaves.  So a group's
 * usage is its regions' @resident.
 */
void aem_share_zero_filled(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx);

static inline void aem_region_frame_add(struct aem_region *r,
					struct aem_layer *l, pgoff_t idx,
					struct aem_frame *f)
{
	/* A page given to the zero page is written again (share.c). */
	if (unlikely(!xa_empty(&l->zeroed)))
		aem_share_zero_filled(r, l, idx);
	aem_frame_set_rmap(f, l, idx);
	aem_region_stat_inc(r, AEM_RS_RESIDENT);
	atomic_long_inc(&r->node_pages[aem_frame_nid(f)]);
}

static inline void aem_region_frame_gone(struct aem_region *r,
					 struct aem_frame *f)
{
	int nid = aem_frame_nid(f);

	aem_frame_clear_rmap(f);
	aem_region_stat_dec(r, AEM_RS_RESIDENT);
	atomic_long_dec(&r->node_pages[nid]);
	aem_region_uncharge(r, nid, 1);
}

/*
 * A frame in a layer slot is the layer's own, or a shared frame (share.c):
 * several slots, of any regions, hold it; it is never written, mapped
 * only read-only, and never moved, stored or stolen.  It does not count
 * in @resident: it is no region's.
 */
static inline bool aem_frame_is_shared(const struct aem_frame *f)
{
	return READ_ONCE(f->owner) == AEM_OWNER_DEDUPE;
}

/* Zap data page @idx from every page table that maps @r (and flush). */
static inline void aem_region_zap_page(struct aem_region *r, pgoff_t idx)
{
	unmap_mapping_range(r->inode->i_mapping,
			    (loff_t)(idx + r->guard) << PAGE_SHIFT, PAGE_SIZE, 1);
}

/* layer.c */
struct aem_layer *aem_layer_new(struct aem_region *r,
				struct aem_layer *backing, gfp_t gfp);
void aem_layer_trim(struct aem_region *r, struct aem_layer *t);
void aem_layer_release(struct kref *ref);
void aem_layer_put(struct aem_layer *l);
void *aem_lookup_entry(struct aem_layer *top, pgoff_t idx,
		       struct aem_layer **where);
struct aem_frame *aem_lookup(struct aem_layer *top, pgoff_t idx,
			     struct aem_layer **where);

/* store.c */
struct aem_frame *aem_unstore(struct aem_layer *l, pgoff_t idx, void *e,
			      unsigned int flags);

/* lifecycle.c */
extern struct mutex aem_regions_lock;
extern struct list_head aem_regions;
extern siphash_key_t aem_frame_id_key;
void aem_region_put(struct aem_region *r);
void aem_region_files_put(struct aem_region *r);
unsigned int aem_regions_get_all(struct aem_region ***rs);
void aem_tier_nodes(int *fast, int *slow);
struct aem_region *aem_region_next(struct aem_region *prev);
struct aem_layer **aem_region_layers_get_in(struct aem_region *r,
					    struct aem_layer **buf,
					    unsigned int nbuf,
					    unsigned int *nr);
void aem_region_layers_put_in(struct aem_region *r, struct aem_layer **ls,
			      unsigned int nr, struct aem_layer **buf);
struct aem_layer **aem_region_layers_get(struct aem_region *r,
					 unsigned int *nr);
void aem_region_layers_put(struct aem_region *r, struct aem_layer **ls,
			   unsigned int nr);
void aem_image_put(struct aem_region *r, struct aem_layer *top);

/* share.c */
u64 aem_share_copy_page(void *dst, const void *src);
int aem_share_selftest(void);
enum aem_share_why { AEM_SHARE_WRITE, AEM_SHARE_FREED, AEM_SHARE_UNMERGE };
void aem_share_user_gone(struct aem_region *r, struct aem_layer *l,
			 pgoff_t idx, struct aem_frame *f,
			 enum aem_share_why why);
void aem_share_user_left(struct aem_region *r, struct aem_layer *l,
			 pgoff_t idx, struct aem_shared *s,
			 enum aem_share_why why);
struct aem_frame *aem_share_resident(struct aem_shared *s, unsigned int flags);
struct aem_frame *aem_share_resident_for(struct aem_shared *s,
					 unsigned int flags,
					 struct aem_region *r, pgoff_t idx);
struct aem_frame *aem_share_unstore(struct aem_layer *l, pgoff_t idx,
				    struct aem_shared *s, unsigned int flags);
/* The shared frames a group's reclaim may store (aem_policy_reclaim()). */
struct aem_share_held_match {
	bool (*match)(void *cookie, void *arg);
	void *arg;
	u64 gen;
};

unsigned long aem_share_store_cold(int nid, unsigned long nr,
				   unsigned int min_gen,
				   const struct aem_store_ops *ops,
				   unsigned long *failed,
				   const struct aem_share_held_match *held);
void aem_share_layer_gone(struct aem_region *r, struct aem_layer *l);
int aem_share_move(struct aem_shared *s, int nid, unsigned int flags);
void aem_share_numa_request(struct aem_frame *f, int nid);

/* view.c */
extern const struct vm_operations_struct aem_region_vm_ops;
struct aem_view *aem_view_find(struct aem_region *r, struct mm_struct *mm);
bool aem_vma_of_region(struct vm_area_struct *vma, struct aem_region *r);
int aem_region_mmap(struct file *file, struct vm_area_struct *vma);
/* qos.c */
int aem_ioc_region_set_qos(struct file *file, struct aem_region *r,
			   void __user *uarg);
bool aem_region_has_tier(struct aem_region *r, unsigned int rtier,
			 unsigned int tier);
unsigned int aem_region_page_tier(struct aem_region *r, unsigned int rtier,
				  pgoff_t idx);
void aem_region_qos_free(struct aem_region *r);
void aem_region_retired_release(struct aem_region *r);

/* ioctl.c */
extern const struct file_operations aem_region_fops;

/* migrate.c */
int aem_region_move_locked(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx, struct aem_frame *f, int nid,
			   unsigned int flags);
void aem_migrate_one(struct aem_region *r, struct aem_layer *top,
		     pgoff_t idx, int nid, struct aether_mm_region_migrate *m);

/* collapse.c */
int aem_region_collapse(struct aem_region *r, pgoff_t idx);

/* access.c */
int aem_gens_alloc(struct aem_region *r);
void aem_gens_free(struct aem_region *r);
unsigned int aem_region_grab_mms(struct aem_region *r,
				 struct mm_struct ***mms,
				 unsigned long *present);
long aem_region_cold_pages_if(u32 rflags, int nid, unsigned int min_gen,
			      unsigned long nr, aem_cold_fn fn, void *arg,
			      unsigned int flags,
			      bool (*want)(struct aem_region *r, void *warg),
			      void *warg);
int aem_region_offer(struct aem_region *r, pgoff_t idx, int nid,
		     unsigned int gen, aem_cold_fn fn, void *arg,
		     bool nowait, bool *offered);

/* secure.c */
bool aem_secure_skip(struct aem_region *r, unsigned int min_gen);
int aem_secure_region_new(struct aem_region *r);
void aem_secure_region_free(struct aem_region *r);

/* walk.c */
typedef int (*aem_pmd_fn_t)(pmd_t *pmd, unsigned long addr, void *arg);
int aem_region_walk(struct aem_region *r, struct vm_area_struct *vma,
		    unsigned long start, unsigned long end, pte_fn_t pte_fn,
		    aem_pmd_fn_t pmd_fn, void *arg);

/* numa.c */
extern unsigned int aem_numa_scan_pages;

/* Does NUMA balancing apply to @r: pages placed by the faulting CPU. */
static inline bool aem_numa_eligible(const struct aem_region *r)
{
	return r->pol.mode == AETHER_MM_POL_LOCAL;
}

/*
 * Is NUMA balancing on for @r: hinting faults come (numa_scan_pages).
 * Never for a SECURE region: its frames move on request only.
 */
static inline bool aem_numa_hinting(const struct aem_region *r)
{
	return READ_ONCE(aem_numa_scan_pages) && aem_numa_eligible(r) &&
	       !(r->flags & AETHER_MM_REGION_SECURE);
}

void aem_numa_fault(struct aem_view *v, pgoff_t idx);
int aem_numa_last_node(const struct aem_region *r, pgoff_t idx);
bool aem_numa_bound_away(const struct aem_region *r, int from, int to);
void aem_numa_scan_region(struct aem_region *r);

/* fault.c */
vm_fault_t aem_map_resolved(struct vm_area_struct *vma, struct aem_view *v,
			    pgoff_t idx, unsigned long addr, bool skip_empty,
			    bool prefetch);
bool aem_fault_chain_unstable(struct vm_fault *vmf, struct aem_view *v);
vm_fault_t aem_region_fault(struct vm_fault *vmf);
int aem_region_fw(const struct aem_region *r, enum aem_access_op op,
		  u32 access);
vm_fault_t aem_region_pfn_mkwrite(struct vm_fault *vmf);
vm_fault_t aem_region_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				pgoff_t end_pgoff);

/* huge_fault.c */
vm_fault_t aem_region_huge_fault(struct vm_fault *vmf, AEM_HUGE_FAULT_ARG arg);

/* predict.c */
extern unsigned int aem_prefetch_max;
void aem_view_pred_init(struct aem_view *v);
void aem_predict(struct vm_area_struct *vma, struct aem_view *v,
		 pgoff_t idx, bool write);

/* verify.c */
struct aem_integ_tally {
	u64 checked;
	u64 mismatches;
	u64 repaired;
	u64 poisoned;
	/* A shared frame to repair once the slot lock is dropped. */
	struct aem_shared *repair;
	struct aem_frame *repair_bad;
	struct aem_layer *repair_l;
	pgoff_t repair_idx;
};

u64 aem_integ_hash(struct aem_frame *f);
u64 aem_integ_shared_copy(struct aem_frame *f, struct aem_frame *src);
void aem_integ_merged(struct aem_layer *l, pgoff_t idx);
bool aem_integ_has(struct aem_layer *l, pgoff_t idx);
bool aem_integ_range_has(struct aem_layer *l, pgoff_t idx, unsigned long nr);
void aem_integ_forget(struct aem_layer *l, pgoff_t idx);
bool aem_integ_refuse(struct aem_layer *l, pgoff_t idx, struct aem_frame *f);
unsigned int aem_integ_cold_seq(void);
bool aem_integ_cold_edge(u8 old, u8 gen, bool again);
void aem_integ_cold(struct aem_region *r, const unsigned long *cold);
int aem_integ_store_out(struct aem_region *r, struct aem_layer *l,
			pgoff_t idx, struct aem_frame *f);
int aem_integ_loaded(struct aem_region *r, struct aem_layer *l, pgoff_t idx,
		     struct aem_frame *f, const struct aem_store_ops *ops,
		     unsigned long handle);
bool aem_integ_stored_poisoned(struct aem_layer *l, pgoff_t idx);
bool aem_integ_keep(struct aem_layer *l, pgoff_t idx, unsigned long handle);
bool aem_integ_kept_take(struct aem_layer *l, pgoff_t idx,
			 unsigned long *handle);
void aem_integ_kept_drop(struct aem_layer *l, pgoff_t idx);
void aem_integ_layer_gone(struct aem_layer *l);
void aem_integ_region_gone(struct aem_region *r);
void aem_integ_kept_drop_all(void);
bool aem_integ_may_keep(void);
void aem_integ_kept_release(unsigned long handle, bool reused);
void aem_integ_check_locked(struct aem_region *r, struct aem_layer *l,
			    pgoff_t idx, struct aem_integ_tally *t);
void aem_integ_check_finish(struct aem_region *r, struct aem_integ_tally *t);

/* share.c, for verify.c */
bool aem_share_integ_poisoned(struct aem_frame *f);
void aem_share_integ_poison(struct aem_frame *f);
struct aem_shared *aem_share_integ_get(struct aem_frame *f);
int aem_share_integ_repair(struct aem_shared *s, struct aem_frame *bad);
bool aem_share_frame_is(struct aem_shared *s, struct aem_frame *f);
struct aem_shared *aem_share_next_used(struct aem_shared *prev);
bool aem_share_integ_state(struct aem_shared *s, bool *kept);
bool aem_share_integ_user(struct aem_shared *s, u64 *rid, pgoff_t *idx);
bool aem_share_integ_poison_held(struct aem_shared *s, struct aem_frame *f);
void aem_share_kept_drop_all(void);

/* reclaim.c, for verify.c's debugfs knob */
int aem_loop_corrupt(unsigned long handle);
int aem_loop_spoil_loads(unsigned int nr);

#endif /* _AETHER_MM_REGION_H */
