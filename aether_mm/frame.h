/* SPDX-License-Identifier: GPL-2.0 */
/*
 * frame.h - what the pool and the regions (region/) know of each other
 *
 * Regions include this header and include/aether/mm.h, never internal.h:
 * the pool's chunks, zones, per-CPU lists and locks are not theirs to
 * touch.  What they need of a pool frame beyond mm.h's API is here:
 *
 *   struct aem_frame	the descriptor itself (a region steps through the
 *			512 frames of a 2 MiB block with pointer arithmetic),
 *			but read through the accessors below
 *   ref count		aem_frame_ref_count(): 1 while only its region
 *			holds it, more while a kernel reader (REGION_CHECKSUM,
 *			aem_frame_get()) does; such a frame is not moved,
 *			stored or collapsed
 *   reverse map	aem_frame_set_rmap(), aem_frame_clear_rmap(),
 *			aem_frame_rmap_layer(), aem_frame_rmap_index(): the
 *			(layer, index) of a region frame, written under the
 *			slot lock of the index, read by compaction without it
 *			(under rcu_read_lock(), see aem_region_move_frame())
 *
 * and of the rest of the core: the pool's nodes, the hook tables (hooks.c,
 * policy.c: a region's group), the ioctl copy-in/out (<aether/ioctl.h>)
 * and the interval parser (main.c).
 * The second half lists what regions give the rest of aether_mm: their
 * init and exit, debugfs files, device ioctls, and the calls of
 * compaction and of the store table into them.
 *
 * Lock order: see internal.h.
 */
#ifndef _AETHER_MM_FRAME_H
#define _AETHER_MM_FRAME_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/ioctl.h>
#include <linux/list.h>
#include <linux/stackdepot.h>
#include <linux/types.h>
#include <aether/ioctl.h>
#include <aether/mm.h>

#define AEM_MAX_NODES		AETHER_MM_MAX_NODES

struct aem_chunk;
struct file;
struct aem_layer;

/**
 * struct aem_frame - descriptor of one page of the pool
 * @list:	buddy list, per-CPU list, or nothing while allocated
 * @rmap:	while allocated (in place of @list): for a frame of a region,
 *		the layer that holds it and its index there, set and cleared
 *		under the region's slot lock; @rmap.layer is NULL otherwise
 *		(aem_frame_prep()).  Compaction's way from a frame back to
 *		its owner (region/).  A shared frame (owner DEDUPE,
 *		region/share.c) has no layer: @rmap.shared names its list
 *		of users instead.
 * @chunk:	the chunk the page belongs to
 * @refcount:	users of an allocated block (head only)
 * @stack:	stack_depot handle of the allocating stack (tracking on)
 * @owner:	enum aem_owner of an allocated block
 * @state:	enum aem_frame_state
 * @order:	order of the block this frame heads
 * @mt:		migrate type of the list the block is on or came from
 * @resv:	page lies in a reserved range (zone->lock)
 *
 * @state, @order and @mt of a block change under the lock of the list it
 * moves on or off: zone->lock for buddy lists, pcp->lock for per-CPU
 * lists.  They are distinct bytes, so readers holding the other lock see
 * a value that is stale at worst, never torn.
 */
struct aem_frame {
	union {
		struct list_head list;
		struct {
			struct aem_layer *layer;
			union {
				unsigned long index;
				struct aem_shared *shared;
			};
		} rmap;
	};
	struct aem_chunk *chunk;
	atomic_t refcount;
	depot_stack_handle_t stack;
	u32 owner;
	u8 state;
	u8 order;
	u8 mt;
	u8 resv;
};

/*
 * Users of an allocated frame: 1 while its owner alone holds it, more
 * while a kernel reader has taken a reference (aem_frame_get()).
 */
static inline int aem_frame_ref_count(const struct aem_frame *f)
{
	return atomic_read(&f->refcount);
}

/*
 * A kernel reader's reference on an allocated order-0 frame (the caller
 * holds its slot lock, so it is there); aem_free_pages() drops it.
 */
static inline void aem_frame_get(struct aem_frame *f)
{
	atomic_inc(&f->refcount);
}

/*
 * A frame is now at @idx of region layer @l: its reverse map.  Under the
 * slot lock of @idx, like every change of a layer's slots.
 */
static inline void aem_frame_set_rmap(struct aem_frame *f,
				      struct aem_layer *l, pgoff_t idx)
{
	WRITE_ONCE(f->rmap.index, idx);
	WRITE_ONCE(f->rmap.layer, l);
}

/* The frame left its region layer (slot lock held). */
static inline void aem_frame_clear_rmap(struct aem_frame *f)
{
	WRITE_ONCE(f->rmap.layer, NULL);
}

/*
 * The layer a frame was last seen in, or NULL, and its index there: for
 * a reader without the slot lock (compaction), to be checked under it.
 */
static inline struct aem_layer *aem_frame_rmap_layer(const struct aem_frame *f)
{
	return READ_ONCE(f->rmap.layer);
}

static inline pgoff_t aem_frame_rmap_index(const struct aem_frame *f)
{
	return READ_ONCE(f->rmap.index);
}

/* ---- the core, for regions --------------------------------------------- */

/* pool.c */
bool aem_pool_has_node(int nid);
void aem_pool_nid_range(int *lowest, int *highest);
u64 aem_pool_max_bytes(void);
bool aem_in_kreclaimd(void);

/* hooks.c */
const struct aem_store_ops *aem_store_get(int *idx, bool storing);
void aem_store_put(int idx);
void aem_share_notify(struct aem_shared *s, unsigned int users);
long aem_share_range(struct aem_region *r, pgoff_t start, pgoff_t end,
		     struct aether_mm_region_dedupe *out);

/* policy.c: a region's group (region/region.h) */

/*
 * Which region's group allocates (a region fault), for the policy
 * backend's admit and stall hooks: the region's pol_gen and pol_cookie.
 */
struct aem_alloc_who {
	u64 gen;
	void *cookie;
};

/* One stall of a group, from aem_policy_stall_begin() to its end. */
struct aem_policy_stall {
	const struct aem_policy_ops *ops;
	void *cookie;
	unsigned long token;
	int srcu;
};

/* The core's own charge flag: the try after @reclaim (policy.c). */
#define AEM_CHARGE_LAST		BIT(31)
/* aem_policy_held_reload(): a region's fault loads it (@gen 0: no group) */
#define AEM_CHARGE_FAULT	BIT(30)

int aem_policy_may_open(const char *name, kuid_t owner, u32 flags);
int aem_policy_may_access(const struct aem_access *a);
u64 aem_fw_gen(void);
u64 aem_fw_floor(void);
void aem_fw_sync(void);
int aem_fw_enter(void);
void aem_fw_exit(int idx);
void *aem_policy_region_init(u64 id, kuid_t uid, u32 flags,
			     struct file *group, u64 *gen);
int aem_policy_may_class(u64 gen, void *cookie, u32 class);
void aem_policy_region_release(u64 gen, void *cookie);
int aem_policy_charge(u64 gen, void *cookie, int nid, unsigned long nr,
		      unsigned int flags);
void aem_policy_uncharge(u64 gen, void *cookie, int nid, unsigned long nr);
void aem_policy_charge_stored(u64 gen, void *cookie, unsigned long bytes,
			      unsigned long nr);
void aem_policy_uncharge_stored(u64 gen, void *cookie, unsigned long bytes,
				unsigned long nr);
long aem_policy_reclaim_for(u64 gen, void *cookie, unsigned long nr,
			    unsigned int flags);
void aem_policy_over_high(struct file *file, u64 gen, void *cookie,
			  unsigned long nr);
void aem_policy_high_due(void);
unsigned int aem_policy_tier(u64 gen, void *cookie);
bool aem_policy_tiered(void);
void aem_policy_reclaim_begin(void);
void aem_policy_protected_reclaimed(u64 gen, void *cookie, unsigned long nr);
void aem_policy_integrity_event(u64 region_id, u64 index, int kind);
void aem_policy_stall_begin(const struct aem_alloc_who *who,
			    struct aem_policy_stall *st);
void aem_policy_stall_end(struct aem_policy_stall *st);
int aem_policy_hold(u64 *gen);
void aem_policy_unhold(int idx);

/**
 * struct aem_policy_held - a charge that outlives its region (policy.c)
 * @gen:	the registration of @cookie, 0 when charged to nobody
 * @cookie:	from the backend's @cookie_hold, valid until @cookie_unhold
 * @nid:	the node a frame was charged on, while @frame
 * @bytes:	the store's bytes charged, while @stored
 * @frame:	one frame is charged
 * @stored:	one stored page (@bytes) is charged instead
 * @kept_bytes:	a copy kept for repair, charged as integrity bytes
 *		(aem_policy_held_keep()); 0 for none
 *
 * A shared frame's (region/share.c): charged once, to the group of the
 * region whose page it was copied from, until it is freed.
 */
struct aem_policy_held {
	u64 gen;
	void *cookie;
	int nid;
	bool frame;
	bool stored;
	unsigned long bytes;
	unsigned long kept_bytes;
};

void aem_policy_held_take(struct aem_policy_held *h, u64 gen, void *cookie,
			  int nid);
void aem_policy_held_stored(struct aem_policy_held *h, unsigned long bytes);

/**
 * struct aem_policy_reload - the charge of a held page's load (policy.c)
 * @to:		the frame's charge: to the held group (@moved false, its
 *		cookie @h's own) or to the faulting region's group
 * @moved:	@to holds a cookie of its own, which the held charge takes
 *		over once the load is done
 */
struct aem_policy_reload {
	struct aem_policy_held to;
	bool moved;
};

int aem_policy_held_reload(struct aem_policy_held *h,
			   struct aem_policy_reload *ld, u64 gen,
			   void *cookie, int nid, unsigned int flags);
void aem_policy_held_loaded(struct aem_policy_held *h,
			    struct aem_policy_reload *ld);
void aem_policy_held_unload(struct aem_policy_reload *ld);
long aem_policy_held_moves(void);
int aem_policy_charge_integrity(u64 gen, void *cookie, unsigned long bytes,
				unsigned long nr, unsigned int flags);
void aem_policy_uncharge_integrity(u64 gen, void *cookie,
				   unsigned long bytes, unsigned long nr);
int aem_policy_held_keep(struct aem_policy_held *h, unsigned long bytes);
void aem_policy_held_unkeep(struct aem_policy_held *h);
long aem_policy_integ_refused(void);
void aem_policy_held_gone(struct aem_policy_held *h);
void aem_policy_held_drop(struct aem_policy_held *h);
struct aem_frame *aem_alloc_pages_who(struct aem_mempolicy *pol,
				      unsigned int order, unsigned int flags,
				      const struct aem_alloc_who *who);
void aem_alloc_wait_reclaim(struct aem_mempolicy *pol);

/* main.c */
int aem_parse_interval_ms(const char *val, unsigned int *ms);

/* ---- regions, for the rest of aether_mm --------------------------------- */

struct dentry;

/* region/lifecycle.c */
int aem_region_init(void);
void aem_region_exit(void);
int aem_ioc_region_create(void __user *uarg);
int aem_ioc_region_open(void __user *uarg);
void aem_regions_unmap_all(void);

/* region/revoke.c */
struct aem_revoke_sel;
int aem_regions_revoke(const struct aem_revoke_sel *sel, u64 seq);
int aem_ioc_region_list(void __user *uarg);

/* region/debugfs.c */
void aem_region_debugfs(struct dentry *dir);

/* region/store.c */
int aem_region_unstore_all(void);
extern atomic_long_t aem_stored_pages;

/* region/verify.c: copies kept in the store after a load (the backend's) */
extern atomic_long_t aem_kept_pages;

/* region/migrate.c, region/share.c */
extern const struct aem_movable_ops aem_region_movable_ops;
extern const struct aem_movable_ops aem_share_movable_ops;

/* region/access.c */
int aem_access_init(void);
void aem_access_exit(void);
void aem_access_debugfs(struct dentry *dir);

/* region/numa.c */
void aem_numa_debugfs(struct dentry *dir);

/* region/verify.c */
int aem_integ_init(void);
void aem_integ_exit(void);
void aem_integ_debugfs(struct dentry *dir);

/* region/reclaim.c */
void aem_reclaim_debugfs(struct dentry *dir);
int aem_region_reclaim_init(void);
void aem_region_reclaim_exit(void);

/* region/secure.c */
void aem_secure_wipe(struct aem_frame *f, unsigned int order);
void aem_secure_debugfs(struct dentry *dir);
int aem_secure_selftest(void);
int aem_secure_init(void);
void aem_secure_exit(void);

/* region/share.c, region/share_naive.c */
bool aem_frames_equal(struct aem_frame *f, struct aem_frame *g);
void aem_share_open_engine(void);
int aem_share_close_engine(void);
void aem_share_stock_drain(void);
void aem_share_debugfs(struct dentry *dir);
void aem_share_naive_debugfs(struct dentry *dir);
void aem_share_naive_exit(void);
int aem_share_init(void);
void aem_share_exit(void);

#endif /* _AETHER_MM_FRAME_H */
