/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether/mm.h - the kernel API of aether_mm for the other Aether modules
 *
 * Frames are the pool's page descriptors.  A block of 2^order frames is
 * named by its first frame; aem_frame_page() gives the real struct page.
 * Each page of the pool is an ordinary order-0 page to Linux (split_page()),
 * so a block may be mapped page by page into user page tables.  aether_mm
 * keeps its own state in the frames, never in struct page: page->private
 * of every page of an allocated block belongs to the block's owner, who
 * must clear it before freeing the block.
 */
#ifndef _AETHER_MM_H
#define _AETHER_MM_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/mm_types.h>
#include <uapi/linux/aether_mm.h>

struct aem_frame;
struct aem_region;
struct aem_layer;
struct file;

/*
 * Allocation flags.  The low bits match AETHER_MM_ALLOC_*; the zone limit,
 * migrate type and owner are packed above them.
 */
#define AEM_ALLOC_ZERO		AETHER_MM_ALLOC_ZERO
#define AEM_ALLOC_THISNODE	AETHER_MM_ALLOC_THISNODE
#define AEM_ALLOC_NOGROW	AETHER_MM_ALLOC_NOGROW
#define AEM_ALLOC_HIGH		AETHER_MM_ALLOC_HIGH
#define AEM_ALLOC_ATOMIC	BIT(4)	/* caller cannot sleep */
#define AEM_ALLOC_ACCOUNT	BIT(5)	/* ask the policy hook first */
#define AEM_ALLOC_NOTRACK	BIT(6)	/* never record a stack */

#define AEM_ZONE_SHIFT		8
#define AEM_ZONE_MASK		(0x3U << AEM_ZONE_SHIFT)
#define AEM_MT_SHIFT		10
#define AEM_MT_MASK		(0x3U << AEM_MT_SHIFT)
#define AEM_OWNER_SHIFT		16
#define AEM_OWNER_MASK		(0xffU << AEM_OWNER_SHIFT)

/* Highest zone allowed; the default (0 in these bits) is NORMAL. */
#define AEM_ZONE(z)	((((AETHER_MM_ZONE_NORMAL - (z)) & 0x3U)) << AEM_ZONE_SHIFT)
#define AEM_MT(mt)	(((mt) & 0x3U) << AEM_MT_SHIFT)
#define AEM_OWNER(o)	(((o) & 0xffU) << AEM_OWNER_SHIFT)

/* Who holds a block, recorded in its frame for the debugfs dumps. */
enum aem_owner {
	AEM_OWNER_NONE = 0,
	AEM_OWNER_KERNEL,	/* a caller of this API */
	AEM_OWNER_USER,		/* a /dev/aether_mm file descriptor */
	AEM_OWNER_SELFTEST,
	AEM_OWNER_BENCH,
	AEM_OWNER_SLUB,
	AEM_OWNER_ZRAM,
	AEM_OWNER_DEDUPE,
	AEM_OWNER_QOS,
	AEM_OWNER_REGION,	/* a frame of a region (region/) */
	AEM_OWNER_LOOPBACK,	/* the loopback store's copies (region/reclaim.c) */
	AEM_OWNER_SECURE,	/* a frame of a SECURE region: wiped when freed */
	AEM_NR_OWNERS,
};

/**
 * struct aem_mempolicy - a NUMA policy for pool allocations
 * @mode:	AETHER_MM_POL_*
 * @nodemask:	bit n = node n (PREFERRED, BIND, INTERLEAVE)
 * @il_next:	interleave cursor
 */
struct aem_mempolicy {
	u32 mode;
	u32 nodemask;
	atomic_t il_next;
};

/* Pages aem_vmap_frames() maps at once (its page array is on the stack). */
#define AEM_VMAP_MAX		64

struct aem_frame *aem_alloc_pages(int nid, unsigned int order,
				  unsigned int flags);
struct aem_frame *aem_alloc_pages_mpol(struct aem_mempolicy *pol,
				       unsigned int order, unsigned int flags);
void aem_free_pages(struct aem_frame *frame, unsigned int order);
void aem_split_block(struct aem_frame *frame, unsigned int order);
unsigned int aem_alloc_bulk(int nid, unsigned int order, unsigned int flags,
			    unsigned int nr, struct aem_frame **frames);
void aem_free_bulk(struct aem_frame **frames, unsigned int nr,
		   unsigned int order);
int aem_mempolicy_init(struct aem_mempolicy *pol, u32 mode, u64 nodemask);

struct page *aem_frame_page(const struct aem_frame *frame);
unsigned long aem_frame_pfn(const struct aem_frame *frame);
struct aem_frame *aem_pfn_to_frame(unsigned long pfn);
struct aem_frame *aem_page_to_frame(struct page *page);
int aem_frame_nid(const struct aem_frame *frame);
unsigned int aem_frame_zone(const struct aem_frame *frame);
unsigned int aem_frame_order(const struct aem_frame *frame);
unsigned int aem_frame_migratetype(const struct aem_frame *frame);

int aem_reserve_range(unsigned long pfn, unsigned long nr_pages);
void aem_unreserve_range(unsigned long pfn, unsigned long nr_pages);
void aem_pool_set_reserve(unsigned long nr_pages);
void aem_drain_all_pcp(void);
void *aem_vmap_frames(struct aem_frame **frames, unsigned int nr);
void aem_vunmap_frames(const void *addr, unsigned int nr);
void aem_get_stats(struct aether_mm_stats *stats);
void aem_get_pool_info(struct aether_mm_pool_info *info);

struct dentry;
struct dentry *aem_debugfs_root(void);

/*
 * Hook tables (DESIGN.md section 2).  A module fills one table and
 * registers it; the core calls it under RCU (the store table: SRCU).
 * Unregistering waits for every caller to leave the table, then asks the
 * backend to give back everything it holds (@drain).  Only one table of
 * each kind at a time.
 *
 * Each callback's kernel-doc says the context it runs in: the locks the
 * core holds around it, whether it may sleep, and the allocation flags it
 * may use.  Two rules hold for all of them:
 *  - a callback that runs inside a pool allocation (the pool is short:
 *    that is why it was called) allocates from Linux with GFP_NOIO (it
 *    may be on the I/O path of a block device whose memory is the pool,
 *    as zram's is on swap's: no recursion into I/O) and from the pool
 *    only with AEM_ALLOC_ATOMIC (no recursion into the pool's reclaim);
 *  - no callback takes a region's slot lock, views_lock, aem_access_lock
 *    or calls back into the table's own (un)registration.
 */

/*
 * Largest handle that always fits a region slot.  A handle fits when it
 * is below 2^(BITS_PER_LONG - 2), or at or above 2^BITS_PER_LONG -
 * 2^(BITS_PER_LONG - 2): every kernel pointer of x86-64 and arm64 is, so
 * a store may hand out the address of its own object (as zsmalloc's
 * handles are).  Other handles make the store fail (-ERANGE, released).
 */
#define AEM_STORE_HANDLE_MAX	(BIT(BITS_PER_LONG - 2) - 1)

/**
 * struct aem_store_ops - where cold pages go (aether_zram)
 * @owner:	module providing the table
 * @store:	copy (compress) the page of @frame; on success set *@handle
 *		to a name for it (see AEM_STORE_HANDLE_MAX) and return 0,
 *		else a negative errno (the page stays in its frame).  The
 *		core then frees @frame.
 *		Context: the slot lock of the page (a mutex) held, the page
 *		unmapped from every process, the store table's SRCU read
 *		lock, aem_access_lock and the region's views_lock held.
 *		Called by the pool's reclaim, that is inside a pool
 *		allocation that is failing (a region fault holding mmap_lock
 *		or the VMA lock, a kernel caller of aem_alloc_pages(), the
 *		pool's growth worker), aem_reclaim_sem held for read; or from
 *		debugfs.  May sleep; GFP_NOIO | __GFP_NOWARN, pool
 *		allocations AEM_ALLOC_ATOMIC.  A shared frame (merged
 *		pages) is stored once for all its users: then no slot lock
 *		is held but the shared frame's move lock, its frame may
 *		still be mapped read-only (it is never written), and the
 *		caller is a work item or debugfs, never a pool allocation.
 * @load:	copy (decompress) the page named @handle into @frame, which
 *		is zeroed and mapped nowhere yet; 0 or a negative errno (a
 *		fault then raises SIGBUS, and @handle stays stored).  Do not
 *		forget @handle: the core calls @release after a load.
 *		Context: the slot lock of the page held, the SRCU read lock;
 *		called by a region fault (mmap_lock or VMA lock held for
 *		read), REGION_CHECKSUM and other ioctls, or unregistration.
 *		A stored shared frame is loaded once for all its users,
 *		under its load lock, with one slot lock held or none (a
 *		merge engine's comparison).
 *		May sleep; GFP_NOIO | __GFP_NOWARN.  Also called while the
 *		table is being unregistered.
 * @release:	forget @handle; cannot fail.  Context: the SRCU read lock,
 *		with or without the page's slot lock (a layer being freed,
 *		on munmap() or close(), holds none); process context.  Must
 *		not sleep or allocate (it gives memory back).  Also called
 *		while the table is being unregistered.
 * @drain:	free whatever the backend still holds once every stored
 *		page came back (or was reported lost).  Context: the caller
 *		of aem_unregister_store(), no aether_mm lock held, no other
 *		callback in flight or to come; may sleep, GFP_KERNEL.
 * @size:	the bytes the store holds for @handle's page (its compressed
 *		data, as zswap's entry->length; 0 for a page it keeps as a
 *		value, a same-filled one), which the core charges to the
 *		region's group while the slot holds the handle (the policy's
 *		@charge_stored), and never less than an entry's cost
 *		(region.h, AEM_STORE_ENTRY_BYTES: 64).  Must give the same
 *		answer for a handle
 *		from its ->store() to its ->release().  Optional: without it
 *		a stored page's bytes are counted as 0.
 *		Context: the page's slot lock held (or none, a layer being
 *		freed), the SRCU read lock; process context.  Must not sleep
 *		or allocate.
 * @verify:	check the copy named @handle against the store's own
 *		checksum of it, without giving its bytes to anyone: 0 when
 *		it matches, -EIO when it does not (the handle stays stored,
 *		as after a failed @load), -EOPNOTSUPP when the store keeps
 *		no checksum of it, -ENOMEM.  The integrity checks (VERIFY,
 *		aether_kverifyd) call it on a stored page before they load
 *		it, and treat -EIO as a copy that fails its check twice.
 *		Optional.  Context: as @load; may sleep, GFP_NOIO.
 */
struct aem_store_ops {
	struct module *owner;
	int (*store)(struct aem_frame *frame, unsigned long *handle);
	int (*load)(unsigned long handle, struct aem_frame *frame);
	void (*release)(unsigned long handle);
	void (*drain)(void);
	void (*protected_reclaimed)(void *cookie, unsigned long nr_pages);
	size_t (*size)(unsigned long handle);
	int (*verify)(unsigned long handle);
};

/*
 * Content sharing (aether_dedupe).  A merge engine finds equal pages in
 * the regions created MERGEABLE (never SECURE ones) and has the core map
 * each set of them from one shared frame, read-only everywhere; a write
 * gets a private copy from the core's fault path.  The core keeps the
 * shared frames, their users (a reverse map per frame, as KSM's
 * rmap_items per stable node) and every slot; the engine keeps its trees
 * and decides what to merge.  The engine's view of it:
 *
 *  - walk: aem_share_region_next() over MERGEABLE regions, and
 *    aem_share_scan() over the pages of one, every layer (a forked
 *    PRIVATE region has several images); each page comes as a struct
 *    aem_share_page holding references (a stable name for the page:
 *    region, layer, index, and the frame seen there);
 *    aem_share_scan_batch() is the same walk taking the references of
 *    up to 64 pages of a layer in one slot lock hold (a pass's walk,
 *    in a buffer of aem_share_scan_buf_alloc()'s the engine keeps),
 *    where the engine may ask for a page's merge at the batch's end
 *    (@merge): the batch's merges then share one slot lock hold and one
 *    unmapping of each run of their pages;
 *  - hash a page's content without any lock (aem_share_page_frame(), then
 *    kmap_local_page()): the frame cannot be freed under the reference;
 *  - aem_share_new(): a fresh shared frame with a copy of a page (neither
 *    party's frame);
 *  - aem_share_merge(): put the shared frame in the page's slot, under
 *    the slot lock, after unmapping the page from every process and
 *    checking that its content still equals the shared frame's;
 *    aem_share_merge_pages() does it for pages kept from a scan, those
 *    of one slot lock in one hold and one unmapping a run;
 *  - learn through @unshared when a user leaves a shared frame;
 *  - aem_share_unmerge(): give every user a private copy again (KSM's
 *    run = 2); unregistering does it for every shared frame.
 */
struct aem_shared;
struct aem_share_scan_buf;

/**
 * struct aem_share_page - a page of a mergeable region, referenced
 * @region:	the region (a reference)
 * @layer:	the image of the region holding the page (a reference)
 * @index:	data page index
 * @frame:	the frame the slot held when it was seen (a reference, so
 *		its content can be read without a lock; aem_share_merge()
 *		fails when the slot holds another one by then)
 * @shared:	the shared frame it is, or NULL for a private page
 * @merge:	set by an aem_share_scan_batch() callback to a shared frame
 *		(the engine keeps it referenced) to have the page merged
 *		into it once the batch's callbacks ran, as aem_share_merge()
 *		would; the result goes to the scan's @done.  Also the
 *		shared frame of each page given to aem_share_merge_pages().
 *		NULL otherwise; aem_share_scan() ignores it
 *
 * Hold one briefly (a scan pass): while it is held, compaction, NUMA
 * migration and the store leave @frame where it is.
 */
struct aem_share_page {
	struct aem_region *region;
	struct aem_layer *layer;
	pgoff_t index;
	struct aem_frame *frame;
	struct aem_shared *shared;
	struct aem_shared *merge;
};

/*
 * Called by aem_share_scan() for each page it visits; @pg's references
 * are the scan's and are dropped when it returns (aem_share_page_get()
 * keeps a copy).  Return 0 to go on, or a negative errno to stop.
 * Context: process context, no aether_mm lock held; may sleep,
 * GFP_KERNEL; may call aem_share_new() and aem_share_merge().
 */
typedef int (*aem_share_scan_fn)(struct aem_share_page *pg, void *arg);

/*
 * Called by aem_share_scan_batch() for each page whose callback set
 * @pg->merge, once the batch's merges are done: @ret is what
 * aem_share_merge() would have returned.  @pg's references are dropped
 * when it returns.  Context: as aem_share_scan_fn; never fails.
 */
typedef void (*aem_share_done_fn)(struct aem_share_page *pg, int ret,
				  void *arg);

/**
 * struct aem_share_ops - the merge engine (aether_dedupe)
 * @owner:	module providing the table
 * @unshared:	a user left shared frame @s: a write to it (the core gave
 *		the writer a private copy), its image was freed (munmap,
 *		close, exit), or aem_share_unmerge().  @users are left; at
 *		0 nothing maps @s any more and it lives only as long as the
 *		engine's references.
 *		Context: under rcu_read_lock(); from a write fault (mmap_lock
 *		or the VMA lock held for read, the page's slot lock held),
 *		from a layer being freed (no aether_mm lock held), or from
 *		aem_share_unmerge() (the slot lock held).  Must not sleep;
 *		GFP_ATOMIC if it must allocate.  May call aem_share_put() on
 *		@s and aem_share_users(); no other aem_share_*() call.
 * @drain:	drop every reference the engine holds (aem_share_put(),
 *		aem_share_page_put()) before the table goes away.  Called
 *		once the core gave every user of every shared frame a
 *		private copy again (a shared frame left, for want of a
 *		free frame, stays shared and correct: it goes with its
 *		last user).  Context: the caller of aem_unregister_share(),
 *		no aether_mm lock held, no other callback in flight or to
 *		come; may sleep, GFP_KERNEL.
 */
struct aem_share_ops {
	struct module *owner;
	void (*unshared)(struct aem_shared *s, unsigned int users);
	void (*drain)(void);
	long (*range)(struct aem_region *r, pgoff_t start, pgoff_t end,
		      struct aether_mm_region_dedupe *out);
};

/*
 * @range (above): AETHER_MM_IOC_REGION_DEDUPE on a region fd: merge what
 *		can be merged of pages [@start, @end) of @r now, every
 *		layer, and fill @out's @merged, @saved and @scanned (the
 *		core checked the range and zeroed them).  Return 0 or a
 *		negative errno (-EINTR on a signal, @out filled so far).
 *		Context: the ioctl's caller, process context, no aether_mm
 *		lock held; @r is referenced and the engine's module pinned
 *		for the call (unregistration waits for it: never call
 *		aem_unregister_share() holding a lock @range takes); may
 *		sleep, GFP_KERNEL.  Merges fail -ENODEV once unregistration
 *		began.
 *
 * Trust domains.  Pages merge only within one: the region's creator's
 * uid unless an administrator put the region into a named domain (an id
 * the engine gives its names, 1..U32_MAX).  aem_share_region_domain() is
 * the key the core compares: a shared frame takes its first page's and
 * aem_share_merge() refuses (-EPERM) a page of another.  Setting a
 * region's domain first unmerges its shared pages (each user slot gets a
 * private copy), so no page stays shared with a domain it left.
 *
 * aem_share_zero(): for use_zero_pages, a page whose bytes are all zero
 * loses its frame (unmapped from every process, checked zero under the
 * slot lock, freed): it reads as the zero page, as a never-written page
 * does, and a write gets a fresh zeroed frame.  Same errors as
 * aem_share_merge() (-EAGAIN: not zero any more), and -EBUSY for an
 * index an older image of a forked PRIVATE region holds (emptied, the
 * slot would show that image's page): such a page stays private.
 *
 * Shared frames move: compaction and NUMA migration may copy one to
 * another frame and repoint every user's slot (every mapping zapped), so
 * aem_share_frame() is a name for the frame only while the caller holds
 * it with aem_share_frame_get()/aem_share_frame_put(), which makes the
 * move skip it (a page from aem_share_scan() that is shared holds it
 * too).  aem_share_cmp() compares a page with a shared frame's bytes
 * safely against a move; aem_share_nid() is the node it is on now,
 * aem_share_hash() the hash of its bytes, which never change
 * (aem_share_page_hash(), the function an engine hashes pages with).
 * Merges into a shared frame wait for a move of it to finish.
 *
 * Reclaim may store a cold shared frame (its content once in the store
 * backend, for every user): then aem_share_frame() and
 * aem_share_frame_get() return NULL, aem_share_nid() the node it was on,
 * and aem_share_cmp() and aem_share_merge() bring it back first (they
 * may sleep then; aem_share_cmp() returns 1 when it cannot come back).
 */
struct aem_share_region_counts {
	unsigned long merging;	/* slots holding a shared frame now */
	unsigned long zero;	/* pages given to the zero page, now */
	unsigned long merges;	/* merges ever, zero pages included */
};

u64 aem_share_region_domain(const struct aem_region *r);
u32 aem_share_region_domain_id(const struct aem_region *r);
int aem_share_region_set_domain(struct aem_region *r, u32 id);
void aem_share_region_counts(const struct aem_region *r,
			     struct aem_share_region_counts *c);
struct aem_region *aem_share_region_fdget(int fd, bool *writable);
int aem_share_region_may_access(struct aem_region *r, u32 access);
int aem_share_zero(struct aem_share_page *pg);
int aem_share_cmp(const void *kaddr, struct aem_shared *s);
int aem_share_nid(struct aem_shared *s);
u64 aem_share_hash(const struct aem_shared *s);
u64 aem_share_page_hash(const void *kaddr);
struct aem_frame *aem_share_frame_get(struct aem_shared *s);
void aem_share_frame_put(struct aem_frame *frame);
u64 aem_share_domain_key(const struct aem_shared *s);

struct aem_region *aem_share_region_next(struct aem_region *prev);
void aem_share_region_put(struct aem_region *r);
u64 aem_share_region_id(const struct aem_region *r);
kuid_t aem_share_region_uid(const struct aem_region *r);
unsigned long aem_share_region_pages(const struct aem_region *r);
long aem_share_scan(struct aem_region *r, pgoff_t start, pgoff_t end,
		    aem_share_scan_fn fn, void *arg);
struct aem_share_scan_buf *aem_share_scan_buf_alloc(void);
void aem_share_scan_buf_free(struct aem_share_scan_buf *buf);
long aem_share_scan_batch(struct aem_region *r, pgoff_t start, pgoff_t end,
			  aem_share_scan_fn fn, aem_share_done_fn done,
			  void *arg, struct aem_share_scan_buf *buf);
void aem_share_page_get(struct aem_share_page *dst,
			const struct aem_share_page *src);
void aem_share_page_put(struct aem_share_page *pg);
struct aem_shared *aem_share_new(const struct aem_share_page *pg);
void aem_share_get(struct aem_shared *s);
void aem_share_put(struct aem_shared *s);
struct aem_frame *aem_share_frame(const struct aem_shared *s);
unsigned int aem_share_users(const struct aem_shared *s);
int aem_share_merge(struct aem_share_page *pg, struct aem_shared *s);
void aem_share_merge_pages(struct aem_share_page *pgs, unsigned int n,
			   int *rets);
int aem_share_unmerge(struct aem_shared *s);

/*
 * Flags of aem_policy_ops.charge.  AEM_CHARGE_NOFAIL: the pages must be
 * taken whatever the group's limit; the backend counts them and returns 0.
 * The core asks so when the frame replaces one the region holds, which is
 * uncharged right after (migration, compaction, collapse: the group's
 * usage does not grow), and when a stored page must come back because the
 * store backend is going (aem_unregister_store()).
 */
#define AEM_CHARGE_NOFAIL	BIT(0)

/*
 * AEM_CHARGE_HELD: the charge is a held cookie's (@cookie_hold), for a
 * stored shared frame a region's fault loads back (region/share.c).  The
 * backend may refuse it for a holder that is gone (a destroyed group, as
 * memcg's swap-in passes over an offline memcg): the frame is then
 * charged to the faulting region's group, which holds it from then on.
 */
#define AEM_CHARGE_HELD		BIT(1)

/*
 * What aem_policy_ops.charge returns besides 0 and a refusal:
 * AEM_CHARGE_OVER_HIGH, taken but the group is over its high mark (the
 * core calls @handle_high on the task's way back to user mode);
 * -EAGAIN (AEM_CHARGE_RECLAIM), over max: not taken, reclaim first (the
 * core calls @reclaim outside the slot lock and tries once more).
 */
#define AEM_CHARGE_OVER_HIGH	1
#define AEM_CHARGE_RECLAIM	(-EAGAIN)

/* What aem_policy_ops.admit may return besides 0 and a refusal. */
#define AEM_ADMIT_RESERVE	1	/* may go below the min watermark */

/*
 * Reclaim tiers, aem_policy_ops.reclaim_tier: when the pool runs short,
 * the core stores cold pages of the regions of the lowest tier first, and
 * of a tier only when the tiers below had none left to give.
 */
enum aem_reclaim_tier {
	AEM_TIER_BESTEFFORT,	/* first */
	AEM_TIER_NORMAL,	/* uncharged regions too */
	AEM_TIER_REALTIME,
	AEM_TIER_PROTECTED,	/* under low: when nothing else is left */
	AEM_TIER_NEVER,		/* under min: never */
	AEM_NR_TIERS
};

/* Flags of aem_policy_reclaim() and aem_policy_ops.reclaim. */
#define AEM_RECLAIM_NOWAIT	BIT(0)	/* only try locks (under mmap_lock) */

/*
 * What the memory firewall is asked about (struct aem_access): where the
 * access is checked (@op) and what it asks for (@access, bits of the same
 * values as aether_qos's UAPI AETHER_QOS_FW_OPEN..AETHER_QOS_FW_ATTACH).
 */
enum aem_access_op {
	AEM_ACCESS_OP_OPEN,		/* REGION_OPEN by name */
	AEM_ACCESS_OP_MMAP,		/* mmap() of a region fd */
	AEM_ACCESS_OP_MPROTECT,		/* vm_ops->mprotect adding R, W or X */
	AEM_ACCESS_OP_FAULT,		/* a touch after a revocation */
	AEM_ACCESS_OP_IOCTL,		/* a region ioctl */
};

#define AEM_ACCESS_OPEN		BIT(0)
#define AEM_ACCESS_READ		BIT(1)
#define AEM_ACCESS_WRITE	BIT(2)
#define AEM_ACCESS_EXEC		BIT(3)
#define AEM_ACCESS_MPROTECT	BIT(4)
#define AEM_ACCESS_INFO		BIT(5)
#define AEM_ACCESS_QUERY	BIT(6)
#define AEM_ACCESS_CHECKSUM	BIT(7)
#define AEM_ACCESS_MIGRATE	BIT(8)
#define AEM_ACCESS_DEDUPE	BIT(9)
#define AEM_ACCESS_QOS		BIT(10)
#define AEM_ACCESS_ATTACH	BIT(11)

/**
 * struct aem_access - one access to a region, for aem_policy_ops.may_access
 * @op:		enum aem_access_op
 * @access:	AEM_ACCESS_* asked for; a mapping's W or X asks for R too
 *		(x86 page tables cannot write or execute without reading)
 * @id:		the region's id
 * @name:	its name, "" for an unnamed one
 * @owner:	its creator
 * @flags:	its AETHER_MM_REGION_* flags (the kind: SECURE, SHARED...)
 * @tag:	its tag (REGION_CREATE's), 0 for none
 *
 * The subject is the current task, with its credentials of now: the
 * mapper at mmap(), whoever holds the fd at an ioctl, the toucher at a
 * fault.
 */
struct aem_access {
	enum aem_access_op op;
	u32 access;
	u64 id;
	const char *name;
	kuid_t owner;
	u32 flags;
	u64 tag;
};

/**
 * struct aem_policy_ops - admission, usage and access policy (aether_qos)
 * @owner:	module providing the table
 * @admit:	0 to let an AEM_ALLOC_ACCOUNT allocation of 2^@order pages
 *		on @nid go ahead, AEM_ADMIT_RESERVE to let it also take
 *		frames below the min watermark (the pool's reserve, as
 *		AEM_ALLOC_HIGH does: a RealTime group's fault), or a
 *		negative errno to refuse it (the allocation fails).
 *		@cookie is the region's (its @region_init's) when a region
 *		fault of a charged region allocates, else NULL (a region of
 *		no group, or of an earlier registration; ALLOC).
 *		Context: under rcu_read_lock(), inside aem_alloc_pages():
 *		for a region fault with mmap_lock or the VMA lock held for
 *		read, and possibly the page's slot lock; for ALLOC in the
 *		ioctl.  Must not sleep; no allocation (decide from counters).
 * @may_open:	may the current task open the named region @name, created
 *		by @owner with AETHER_MM_REGION_* @flags (REGION_OPEN):
 *		0 yes, a negative errno no, 1 no opinion (the default
 *		applies: the creator's uid, or CAP_SYS_ADMIN).
 *		Context: the REGION_OPEN ioctl, under rcu_read_lock(), the
 *		region referenced but no region lock held.  Must not sleep;
 *		GFP_NOWAIT if it must allocate.
 * @region_init: a region is being created, by @uid (the current task,
 *		whose cgroup, credentials and so on the backend may read),
 *		with AETHER_MM_REGION_* @flags, under number @id: return
 *		the cookie (the region's group) every later charge and
 *		uncharge of its pages will name; NULL to leave the region
 *		uncharged (no call will ever name it); or an ERR_PTR() to
 *		refuse the region (REGION_CREATE fails with that errno).
 *		@group is NULL, or the file the creator named with
 *		AETHER_MM_REGION_QOS_GROUP (struct aether_mm_region_create
 *		@qos_fd), held by the core for the call: the backend
 *		checks it is one of its group files and that the caller
 *		may charge that group, and refuses the region otherwise
 *		(-EINVAL not its file, -EPERM, -ENOENT); a backend that
 *		names no groups refuses a @group (-EOPNOTSUPP).
 *		Optional: without it every region is uncharged (and a
 *		@group is -EOPNOTSUPP).
 *		Context: the REGION_CREATE ioctl, under rcu_read_lock(),
 *		aem_regions_lock held (a mutex); the region is not visible
 *		to anyone yet.  Must not sleep; GFP_NOWAIT if it must
 *		allocate.
 * @region_release: the region of @cookie is gone, every page of it
 *		uncharged; forget the cookie.  Called once for each cookie
 *		@region_init returned (but NULL), unless the table was
 *		unregistered first (see @drain).
 *		Context: process context (the last put of the region: the
 *		close() or munmap() of its last user, or a kernel pass over
 *		regions), under rcu_read_lock(), no region lock held.  Must
 *		not sleep or allocate.
 * @charge:	@nr_pages frames of node @nid join the region of @cookie:
 *		count them in its group and return 0, or
 *		AEM_CHARGE_OVER_HIGH when they are counted but the group is
 *		now over its high mark (@handle_high follows, once per
 *		return to user mode), or
 *		-EAGAIN (AEM_CHARGE_RECLAIM) to refuse them for now, over
 *		max: the core calls @reclaim outside the slot lock and
 *		charges once more, and a second -EAGAIN is a refusal; or
 *		another negative errno to refuse them (the group is at its
 *		limit).  A refusal
 *		fails what needed the frames: a region fault raises SIGBUS
 *		(as when the pool has no frame: VM_FAULT_OOM outside a
 *		memory cgroup would only retry the fault for ever), a huge
 *		fault falls back to 4 KiB pages (without @reclaim: the 4 KiB
 *		fault reclaims), an ioctl that loads stored
 *		pages (REGION_CHECKSUM) fails with the errno.  With
 *		AEM_CHARGE_NOFAIL in @flags, never refuse (see there).
 *		The frames are allocated but not yet in the region: nothing
 *		of them is visible, and a refused frame goes back to the
 *		pool.  Every charged page is uncharged exactly once
 *		(unless the table goes first: see @drain).
 *		Context: under rcu_read_lock(), the slot lock of the page (a
 *		mutex) held; from a region fault (mmap_lock or the VMA lock
 *		held for read, NUMA balancing moves included),
 *		REGION_CHECKSUM, REGION_MIGRATE, compaction, huge collapse
 *		(aether_kaccessd), or the unregistration of a store
 *		backend.  Must not sleep; no allocation (decide from
 *		counters).
 * @uncharge:	@nr_pages frames of node @nid left the region of @cookie
 *		(freed, given to the store, or replaced by a copy): take
 *		them off its group.  Cannot fail.
 *		Context: under rcu_read_lock(), in process context, with or
 *		without the page's slot lock (a layer being freed on
 *		munmap(), close() or exit() holds none), possibly inside a
 *		failing pool allocation (reclaim to the store).  Must not
 *		sleep or allocate.
 * @reclaim:	@charge said -EAGAIN for @nr_pages of @cookie's region:
 *		make room in its group, typically by aem_policy_reclaim() of
 *		the group's regions with @flags passed on; return the pages
 *		it freed (the core charges again whatever it says).
 *		Optional: without it -EAGAIN is a refusal at once.
 *		Context: process context, no aether_mm lock held but, for a
 *		region fault, mmap_lock or the VMA lock for read (then
 *		@flags has AEM_RECLAIM_NOWAIT; a fault that may be retried
 *		calls it first with mmap_lock dropped, @flags 0); under the
 *		policy table's SRCU read lock (not RCU).  May sleep;
 *		GFP_KERNEL.
 * @handle_high: @charge said AEM_CHARGE_OVER_HIGH for pages of
 *		@cookie's region, @nr_pages of them (the charges of one
 *		kernel entry to regions of this cookie; one call per
 *		cookie, up to four cookies a task, further ones added to
 *		the one that owes the most): bring its group down
 *		(reclaim) and throttle the task (memcg's
 *		mem_cgroup_handle_over_high()).  The core queues the call
 *		as a task_work of aether_mm, at most one pending per task,
 *		holding the region (so @cookie stays valid) and itself;
 *		it runs on the way back to user mode, in the task that
 *		charged (current), or at its exit, or earlier from an
 *		ioctl that charges many pages, between its batches, once
 *		64 pages are owed.  Not called when the table went
 *		meanwhile.  Optional.
 *		Context: process context, no lock held at all (no mmap_lock:
 *		aem_policy_reclaim() may wait for locks); under the policy
 *		table's SRCU read lock, between @stall_begin and
 *		@stall_end, so unregistering waits for it: a sleep in it
 *		must end soon once the backend is going (it wakes its
 *		sleepers before aem_unregister_policy()).  May sleep,
 *		bounded (memcg's clamp: 2 s); GFP_KERNEL.
 * @reclaim_tier: the enum aem_reclaim_tier of @cookie's region, for the
 *		pool's reclaim (region/reclaim.c), which asks once per
 *		region to choose the regions of a tier, then again for each
 *		page it would take (a page of a region no longer in the
 *		tier is left).  Optional: without it every region is
 *		AEM_TIER_NORMAL.
 *		Context: under rcu_read_lock(), inside a failing pool
 *		allocation of any caller (locks held), for a page under its
 *		slot lock.  Must not sleep.
 * @stall_begin: a task of @cookie's region starts waiting for memory: a
 *		fault's allocation that found the pool short and grows or
 *		reclaims it, or the group's own @reclaim.  Return a token
 *		(a start time, say) that @stall_end gets back.  Optional,
 *		with @stall_end: both or neither.
 *		Context: the waiting task, under the policy table's SRCU
 *		read lock, possibly with a slot lock (a mutex) and mmap_lock
 *		held.  Must not sleep or allocate.
 * @stall_end:	that task stops waiting; called once for each
 *		@stall_begin, in the same task, before the table can go.
 *		Context: as @stall_begin.
 * @drain:	drop every reference into the core before the table goes
 *		away, and forget every cookie and the pages still charged
 *		to them: the regions created under this registration stay,
 *		but no call of any later table names their cookies again
 *		(they are never charged, uncharged or released: a region is
 *		charged only to the registration that gave it its cookie).
 *		Context: the caller of aem_unregister_policy(), no aether_mm
 *		lock held, no other callback of this registration in flight
 *		or to come; may sleep, GFP_KERNEL.
 * @may_class:	may the current task give pages of @cookie's region the
 *		reclaim class @class (AETHER_MM_QOS_NORMAL, _BESTEFFORT or
 *		_REALTIME: REGION_SET_QOS, the seeds' set_memory_qos())?
 *		0 yes, -EPERM no (a class above the group's without
 *		CAP_SYS_ADMIN).  The class then selects the pages' tier in
 *		the pool's reclaim unless @reclaim_tier says the region is
 *		AEM_TIER_PROTECTED or AEM_TIER_NEVER (region/reclaim.c).
 *		Optional, only with @reclaim_tier: without it classes are
 *		refused (-EOPNOTSUPP).
 *		Context: the ioctl, under rcu_read_lock(), no aether_mm
 *		lock held.  Must not sleep.
 * @protected_reclaimed: the pool's reclaim took @nr_pages of @cookie's
 *		region while its tier was AEM_TIER_PROTECTED (nothing less
 *		protected was left: its group's low was broken, memcg's low
 *		event).  Called after the walk, once per region and walk
 *		(for the first few regions of a walk: region/reclaim.c).
 *		Optional.
 *		Context: under rcu_read_lock(), outside the page's slot
 *		lock and aem_access_lock, possibly inside a failing pool
 *		allocation of any caller (locks held).  Must not sleep or
 *		allocate.
 * @region_retired: a region that aem_region_attach() moved off @cookie
 *		is gone: drop what the region held of @cookie (the
 *		reference @region_init or the attach gave it; what it
 *		counted there the backend took off at the attach).  Called
 *		once for each cookie an attach took off a region, unless
 *		the table was unregistered first (see @drain).  Optional:
 *		without it aem_region_attach() is -EOPNOTSUPP.
 *		Context: as @region_release.  Must not sleep or allocate.
 * @reclaim_begin: a walk of the pool's reclaim (region/reclaim.c) is
 *		about to ask @reclaim_tier of its regions and pages: the
 *		backend may count, once, what it answers from (aether_qos
 *		takes a snapshot of every group's effective protection, so
 *		that the walk does not move it as it takes pages).  Walks
 *		may run at once; each calls it at its beginning.  Optional,
 *		only with @reclaim_tier.
 *		Context: as @reclaim_tier (under rcu_read_lock(), possibly
 *		inside a failing pool allocation of any caller), no slot
 *		lock or aem_access_lock held.  Must not sleep or allocate.
 * @may_access: may the current task make access @a to a region (the
 *		memory firewall)?  0 an explicit yes (for @op OPEN: a
 *		region of another uid opens, without CAP_SYS_ADMIN), 1 no
 *		opinion (the core's own checks decide), a negative errno no
 *		(-EACCES).  Asked at REGION_OPEN, mmap() (the mapper's
 *		credentials), mprotect() adding R, W or X, every region ioctl
 *		(aether_dedupe's too), and at a fault of a mapping whose last
 *		check a revocation took back (aem_access_revoke(),
 *		aem_access_revoke_some()).
 *		Optional.
 *		Context: under rcu_read_lock(); from a fault too (mmap_lock
 *		or the VMA lock held).  Must not sleep; GFP_NOWAIT only.
 * @integrity_event: a page of region @region_id (its id, as REGION_INFO
 *		gives it) at data page @index failed its integrity check
 *		(@kind AEM_INTEGRITY_MISMATCH: it is poisoned, processes get
 *		SIGBUS on access) or was repaired (AEM_INTEGRITY_REPAIRED);
 *		region/verify.c.  For the registered table whatever the
 *		region's generation (an audit, not a charge).  Optional.
 *		Context: under rcu_read_lock(), possibly under the page's
 *		slot lock and inside a pool allocation.  Must not sleep or
 *		allocate.
 * @charge_stored: a page of @cookie's region went to the store backend
 *		(its frame was uncharged): count @bytes, what the store
 *		holds for it (aem_store_ops @size), and @nr_pages, the
 *		pages stored, in its group (memcg's zswap and zswapped).
 *		Cannot fail: memory was given back (memcg's
 *		obj_cgroup_charge_zswap() charges in PF_MEMALLOC, never
 *		refused).  Optional, with @uncharge_stored: both or neither.
 *		Context: as @uncharge (under rcu_read_lock(), the page's
 *		slot lock held, possibly inside a failing pool allocation).
 *		Must not sleep or allocate.
 * @uncharge_stored: @nr_pages stored pages of @cookie's region, @bytes
 *		in the store, left it: loaded back into a frame (charged
 *		before), released with the region or its layer, or given up
 *		by a store backend that went (aem_unregister_store()
 *		uncharges what its pages had left).  Every charged byte is
 *		uncharged exactly once (unless the table goes first: see
 *		@drain).  Context: as @uncharge.  Must not sleep or
 *		allocate.
 * @cookie_hold: a charge is about to outlive the region of @cookie: a
 *		shared frame (region/share.c) made from one of its pages,
 *		charged to its group for the frame's whole life, whichever
 *		region drops it last.  Return a cookie for the same group
 *		that stays valid, whatever happens to the region, until
 *		@cookie_unhold (a reference that keeps the group's
 *		accounting alive, as memcg keeps a dying memcg for its
 *		pages); the core names it in @charge (always
 *		AEM_CHARGE_NOFAIL: the frame replaces a page the region had),
 *		@uncharge, @charge_stored and @uncharge_stored of that
 *		frame.  NULL leaves the frame uncharged.  Optional, with
 *		@cookie_unhold: both or neither, only with @charge; without
 *		them shared frames count in no group.
 *		Context: under rcu_read_lock() and the region's charge lock
 *		(a spinlock).  Must not sleep or allocate.
 * @cookie_unhold: the charge of @held is over (every page of it
 *		uncharged): drop what @cookie_hold took.  Called once for
 *		each cookie it returned (but NULL), unless the table was
 *		unregistered first (see @drain: then never).
 *		Context: process context, under rcu_read_lock(), possibly
 *		under a shared frame's locks.  Must not sleep or allocate.
 * @charge_integrity: the store keeps a copy of a page of @cookie's region
 *		(or of a shared frame it holds: @cookie_hold's cookie) for
 *		integrity repair (region/verify.c, "Kept copies"), @bytes
 *		in the store for @nr_copies copies (1; an attach moves
 *		all of a region's at once): count them in its group and
 *		return 0, or
 *		refuse them (a negative errno: the group is at its max)
 *		and the copy is not kept (the page is still checked, it
 *		only has no copy to be repaired from).  @nr_copies 0:
 *		@bytes are kernel memory of the checksum records the
 *		region keeps for its pages (verify.c, "Records"), counted
 *		the same; refused, the record is not taken.  With
 *		AEM_CHARGE_NOFAIL in @flags (an attach moving a region's
 *		copies), never refuse.  Optional, with @uncharge_integrity:
 *		both or neither, only with @charge; without them the
 *		copies count in no group.
 *		Context: as @charge_stored (under rcu_read_lock(), the
 *		page's slot lock or the shared frame's lock held).  Must
 *		not sleep or allocate.
 * @uncharge_integrity: copies @charge_integrity counted, @nr_copies of
 *		them, @bytes, are gone
 *		(released, its page changed or freed, stored again as the
 *		page's content, the store going).  Every byte counted is
 *		uncharged exactly once (unless the table goes first: see
 *		@drain).  Context: as @uncharge.  Must not sleep or
 *		allocate.
 */
struct aem_policy_ops {
	struct module *owner;
	int (*admit)(void *cookie, int nid, unsigned int order,
		     unsigned int flags);
	int (*may_open)(const char *name, kuid_t owner, u32 flags);
	void *(*region_init)(u64 id, kuid_t uid, u32 flags,
			     struct file *group);
	void (*region_release)(void *cookie);
	int (*charge)(void *cookie, int nid, unsigned long nr_pages,
		      unsigned int flags);
	void (*uncharge)(void *cookie, int nid, unsigned long nr_pages);
	long (*reclaim)(void *cookie, unsigned long nr_pages,
			unsigned int flags);
	void (*handle_high)(void *cookie, unsigned long nr_pages);
	unsigned int (*reclaim_tier)(void *cookie);
	unsigned long (*stall_begin)(void *cookie);
	void (*stall_end)(void *cookie, unsigned long token);
	void (*drain)(void);
	int (*may_class)(void *cookie, u32 class);
	void (*protected_reclaimed)(void *cookie, unsigned long nr_pages);
	void (*region_retired)(void *cookie);
	void (*reclaim_begin)(void);
	int (*may_access)(const struct aem_access *a);
	void (*integrity_event)(u64 region_id, u64 index, int kind);
	void (*charge_stored)(void *cookie, unsigned long bytes,
			      unsigned long nr_pages);
	void (*uncharge_stored)(void *cookie, unsigned long bytes,
				unsigned long nr_pages);
	void *(*cookie_hold)(void *cookie);
	void (*cookie_unhold)(void *held);
	int (*charge_integrity)(void *cookie, unsigned long bytes,
				unsigned long nr_copies, unsigned int flags);
	void (*uncharge_integrity)(void *cookie, unsigned long bytes,
				   unsigned long nr_copies);
};

/* What aem_policy_ops.integrity_event reports (region/verify.c). */
enum aem_integrity_kind {
	AEM_INTEGRITY_MISMATCH,	/* content != checksum: poisoned */
	AEM_INTEGRITY_REPAIRED,	/* restored from a good copy */
};

/**
 * struct aem_reclaim_ops - pool pages a client keeps and can give back
 * @owner:	module providing it
 * @reclaim:	give back pool pages, of node @nid or of any node when
 *		@nid is NUMA_NO_NODE, @nr_pages or more if it has them; return
 *		how many went back.  Called when the pool runs short: an
 *		allocation found nothing even after trying to grow, or a node
 *		below its low watermark cannot grow any more.
 *		Context: aem_reclaim_sem held for read; inside a failing
 *		pool allocation of any caller that may sleep (a region fault
 *		holding mmap_lock or the VMA lock, and possibly a slot lock;
 *		a kernel caller of aem_alloc_pages() with its own locks), or
 *		the pool's growth worker.  May sleep; GFP_NOIO | __GFP_NOWARN,
 *		pool allocations AEM_ALLOC_ATOMIC; must not wait for a lock
 *		held around pool allocations (trylock only).
 * @link:	the core's, on its list
 *
 * Any number may be registered (aether_slub's empty slabs are one).
 */
struct aem_reclaim_ops {
	struct module *owner;
	unsigned long (*reclaim)(int nid, unsigned long nr_pages);
	struct list_head link;
};

/**
 * struct aem_movable_ops - how compaction moves an owner's pool pages
 * @owner:	module providing it
 * @move:	make @dst, a free page of the pool, take the place of @src,
 *		an order-0 page allocated with this owner's enum aem_owner
 *		(AEM_OWNER()) and AEM_MT(AETHER_MM_MT_MOVABLE): copy the
 *		bytes, point every reference of the owner at @dst (@dst's
 *		page->private is the owner's, as @src's was) and forget
 *		@src, all under the owner's own lock.  @src may have been
 *		freed, or be freed meanwhile: check under that lock that it
 *		is still the owner's (page->private, a lookup), and return
 *		-ENOENT if not.  Return 0 when moved: @src is then the
 *		core's, which frees it (clear its page->private first); or
 *		a negative errno (-EBUSY: pinned for now), and @dst is the
 *		core's, which frees it.
 *		Context: compaction (the ioctl or its background work),
 *		aem_compact_lock and the reservation of @src's pageblock
 *		held (so @src, once freed, is given to no one else), no
 *		other aether_mm lock.  May sleep; GFP_KERNEL | __GFP_NOWARN,
 *		pool allocations with AEM_ALLOC_NOGROW.
 *
 * As zsmalloc's pages are to Linux's compaction (movable_operations):
 * an owner whose pages are referenced from few places it controls (a
 * handle table, a slot) registers one for its enum aem_owner, and its
 * movable pages no longer pin the pageblocks they are in.  Regions are
 * one such owner; a backend's store pool (aether_zram's zspages) another.
 */
struct aem_movable_ops {
	struct module *owner;
	int (*move)(struct aem_frame *src, struct aem_frame *dst);
};

int aem_register_movable(unsigned int owner,
			 const struct aem_movable_ops *ops);
void aem_unregister_movable(unsigned int owner,
			    const struct aem_movable_ops *ops);

int aem_register_reclaim(struct aem_reclaim_ops *ops);
void aem_unregister_reclaim(struct aem_reclaim_ops *ops);

/*
 * Access tracking (aether_kaccessd): generations of region pages, 0 = used
 * in the last scan, AEM_NR_GENS - 1 = the coldest.
 */
#define AEM_NR_GENS		8

/*
 * Called by aem_region_cold_pages() for each page it offers: @l holds
 * @frame at data page @idx of @r, in generation @gen, and every process
 * that maps @r sees that frame there.  Returns 1 when it took the page
 * (its frame left the slot: aem_cold_page_set_stored() or
 * aem_cold_page_drop() succeeded), 0 to leave it (the frame still in the
 * slot, mapped or not), AEM_COLD_PASS to leave it without counting it as
 * offered, or a negative errno to stop the walk.
 * Context: aem_access_lock, @r's views_lock and the page's slot lock held
 * (all mutexes), in the context of aem_region_cold_pages()'s caller
 * (which, with AEM_COLD_NOWAIT, may be inside a failing pool allocation:
 * then GFP_NOIO and AEM_ALLOC_ATOMIC).  May sleep.  It may call the
 * aem_cold_page_*() functions below on the page offered, and nothing else
 * of a region (no slot lock, no other page).
 */
typedef int (*aem_cold_fn)(struct aem_region *r, struct aem_layer *l,
			   pgoff_t idx, struct aem_frame *frame,
			   unsigned int gen, void *arg);

#define AEM_COLD_NOWAIT		BIT(0)	/* skip, never wait for, a lock */
/*
 * What an aem_cold_fn may also return: the page is not for this walk
 * (another reclaim tier's, region/qos.c): left as 0 leaves it, but not
 * counted against the walk's @nr either.
 */
#define AEM_COLD_PASS		2

long aem_region_cold_pages(u32 rflags, int nid, unsigned int min_gen,
			   unsigned long nr, aem_cold_fn fn, void *arg,
			   unsigned int flags);

/*
 * What an aem_cold_fn does with the page it is offered (region/evict.c):
 * unmap it, read its bytes (aem_frame_page(); stable while the slot lock
 * is held), then replace the frame by the registered store's handle for
 * them, or drop a page of zeroes.  A taker that only unmaps leaves the
 * page to fault back.
 *
 *	if (aem_cold_page_unmap(r, l, idx, frame))
 *		return 0;
 *	if (my_store->store(frame, &handle))
 *		return 0;
 *	if (aem_cold_page_set_stored(r, l, idx, frame, my_store, handle)) {
 *		my_store->release(handle);
 *		return 0;
 *	}
 *	return 1;
 */
int aem_cold_page_unmap(struct aem_region *r, struct aem_layer *l,
			pgoff_t idx, struct aem_frame *frame);
int aem_cold_page_set_stored(struct aem_region *r, struct aem_layer *l,
			     pgoff_t idx, struct aem_frame *frame,
			     const struct aem_store_ops *ops,
			     unsigned long handle);
int aem_cold_page_drop(struct aem_region *r, struct aem_layer *l,
		       pgoff_t idx, struct aem_frame *frame);

int aem_register_store(const struct aem_store_ops *ops);
int aem_unregister_store(const struct aem_store_ops *ops);
int aem_register_share(const struct aem_share_ops *ops);
void aem_unregister_share(const struct aem_share_ops *ops);
int aem_register_policy(const struct aem_policy_ops *ops);
void aem_unregister_policy(const struct aem_policy_ops *ops);
void aem_access_revoke(void);
long aem_policy_reclaim(bool (*match)(void *cookie, void *arg), void *arg,
			unsigned long nr_pages, unsigned int flags);
int aem_region_attach(const struct aem_policy_ops *ops, struct file *file,
		      void *cookie, void **old);

/*
 * The per-user bound on the pool (aether_mm/user.c, user_max_pages):
 * whoever hands pool memory to a user's call charges it to the user's
 * entry first and uncharges it when it comes back.
 */
struct aem_user;
struct user_namespace;

kuid_t aem_user_key(kuid_t uid);
kuid_t aem_user_key_ns(const struct user_namespace *ns, kuid_t uid);
struct aem_user *aem_user_get(kuid_t uid);
struct aem_user *aem_user_hold(struct aem_user *u);
void aem_user_put(struct aem_user *u);
bool aem_user_exempt(void);
int aem_user_charge(struct aem_user *u, unsigned long bytes, bool force);
void aem_user_uncharge(struct aem_user *u, unsigned long bytes);

struct task_struct;

/**
 * struct aem_revoke_sel - which mappings aem_access_revoke_some() takes back
 * @task:	does thread @t (of a process that maps a region @region
 *		matched) count as a subject of the change?  Its objective
 *		credentials are __task_cred(@t).
 *		Context: under rcu_read_lock(); must not sleep.
 * @region:	does the region @a describes (@a->access and @a->op are 0)
 *		count as an object of the change?
 *		Context: under rcu_read_lock(); must not sleep.
 * @arg:	theirs
 *
 * A mapping is taken back when its region matches @region and a thread of
 * its process (any thread using its mm) matches @task.
 */
struct aem_revoke_sel {
	bool (*task)(struct task_struct *t, void *arg);
	bool (*region)(const struct aem_access *a, void *arg);
	void *arg;
};

void aem_access_revoke_some(const struct aem_revoke_sel *sel);

#endif /* _AETHER_MM_H */
