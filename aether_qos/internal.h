/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the files of aether_qos share
 *
 * aether_qos is the policy backend of aether_mm (include/aether/mm.h,
 * struct aem_policy_ops): every region frame is charged, when the core
 * allocates it, to the QoS group of the region, and uncharged when it
 * leaves the region.  Groups form a tree under a root group (id 0), as
 * cgroup v2's memory controller does: a child's usage counts in each of
 * its ancestors, and a charge that would take any of them above its max
 * is refused.
 *
 *   main.c	load and unload: the ladder
 *   group.c	the tree of groups: ids, names, references, members
 *		(attached processes), the counters (usage, peak, events),
 *		charging up the tree, min/low effective protection
 *   policy.c	the struct aem_policy_ops registered with aether_mm: which
 *		group a new region is charged to, charge and uncharge
 *   throttle.c	memory.high: the over-high work's reclaim and memcg's
 *		penalty sleep, on the way back to user mode
 *   dev.c	/dev/aether_qos: CREATE, DESTROY, SET, GET, ATTACH_PID,
 *		LIST; who may do what
 *   debugfs.c	aether/qos/<group>/: memory.current and its siblings
 *   firewall.c	the memory firewall: rules, their lookup (may_access),
 *		the FW_* ioctls, audit ring and fds, quarantine
 *   selftest.c	in-kernel self-tests of the counters and the protection
 *		arithmetic (and pressure_test.c's)
 *   pressure.c	"some" stall time per group, PSI's averages, triggers
 *		(pressure.h); a group embeds its struct aqos_psi
 *
 * A group's states: live (in the tree, found by its id, name and debugfs
 * directory), then dead once destroyed (out of the tree, no id, no
 * directory; still counted in its ancestors if a region it was found for
 * in a race keeps it), then freed when its last reference goes.
 *
 * Lock order (a lock may be taken while holding those above it):
 *
 *   1 aqos_lock (mutex)	the tree's shape: creating, destroying,
 *				setting limits, attaching; the ids, names
 *				and debugfs directories
 *   2 aqos_member_lock (spin)	the members' hash and each group's
 *				@members and @nr_members; taken by the
 *				fork and exit probes (group.c)
 *   3 aqos_tree_lock (spin)	the links of the tree (children lists,
 *				the id and uid tables, aqos_all) for the
 *				writers; readers in the policy callbacks
 *				walk them under rcu_read_lock() only.  It
 *				is taken inside rcu_read_lock() and the
 *				core's aem_regions_lock (region_init makes
 *				a user's default group there); a reclaim
 *				walk's snapshot is counted under it
 *				(aqos_snap_take(): the pool's inside a
 *				failing pool allocation, whose caller may
 *				hold any aether_mm lock)
 *   4 @snap_lock (spin)	a group's @snap; one group's at a time:
 *				written under aqos_tree_lock, read alone
 *				by the walks (@reclaim_tier, a group's own
 *				reclaim's match)
 * The members' hash is written under aqos_member_lock and read under RCU.
 *
 * The counters are atomics: charge and uncharge take no lock at all.  A
 * group's integrity bytes (@integ_own) and the pages charged for them
 * move together by a compare-and-exchange (group.c, aqos_integ_commit();
 * it replaced the per-group @integ_lock, lock 5, of review s31b finding 3).
 */
#ifndef _AETHER_QOS_INTERNAL_H
#define _AETHER_QOS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <aether/mm.h>
#include <uapi/linux/aether_qos.h>

#include "pressure.h"

struct seq_file;
struct dentry;
struct file;
struct pid;

/*
 * Limits are pages compared with an atomic_long_t: "no limit" is the
 * largest, as page_counter's PAGE_COUNTER_MAX, such that it is still a
 * long in bytes (debugfs prints bytes).  A larger limit is taken as it.
 */
#define AQOS_UNLIMITED		((unsigned long)LONG_MAX >> PAGE_SHIFT)

/* The protections: @min and @low, their effective figures. */
enum {
	AQOS_PROT_MIN,
	AQOS_PROT_LOW,
	AQOS_NR_PROT,
};

/*
 * Snapshots a group keeps: the pool's reclaim walks', and the groups' own
 * reclaims' (aqos_snap_take()).
 */
enum {
	AQOS_SNAP_POOL,
	AQOS_SNAP_GROUP,
	AQOS_NR_SNAPS,
};

/**
 * struct aqos_snap - a group's effective protection in one reclaim walk
 * @seq:	the walk's snapshot (struct aqos_snapshot @seq); 0 for none
 * @prot:	its effective min and low (AQOS_PROT_*), in pages
 */
struct aqos_snap {
	u64 seq;
	unsigned long prot[AQOS_NR_PROT];
};

/**
 * struct aqos_snapshot - which figures a reclaim walk reads
 * @root:	the walk's root (aqos_root for the pool's)
 * @slot:	AQOS_SNAP_*
 * @seq:	its number, 0 for none: the figures as they are now
 */
struct aqos_snapshot {
	struct aqos_group *root;
	unsigned int slot;
	u64 seq;
};

enum aqos_event {
	AQOS_EV_LOW,		/* reclaim took pages low protected */
	AQOS_EV_HIGH,		/* a charge took it above high */
	AQOS_EV_MAX,		/* a charge would have taken it above max */
	AQOS_EV_OOM,		/* ... and failed */
	AQOS_NR_EVENTS,
};

/**
 * struct aqos_group - a QoS group
 * @id:		AETHER_QOS_ROOT_ID for the root, else 1..INT_MAX, never
 *		two live groups the same; the key in aqos_groups
 * @name:	NUL-terminated; unique among its siblings
 * @owner:	the uid that manages its children (delegation: dev.c);
 *		INVALID_UID for the root and the groups CAP_SYS_ADMIN made
 *		for nobody in particular
 * @flags:	AETHER_QOS_GROUP_* (UAPI)
 * @level:	0 for the root, its parent's + 1
 * @parent:	NULL for the root; a reference while this group exists
 * @children:	its live children, under aqos_tree_lock (RCU for readers)
 * @sibling:	on @parent's @children
 * @all:	on aqos_all, live or dead, until freed (aqos_tree_lock)
 * @members:	its struct aqos_member, under aqos_member_lock
 * @ref:	one for the tree while live, one per member, region, child
 *		and ioctl in progress
 * @dead:	destroyed: out of the tree, charged only by what holds it
 * @class:	AETHER_QOS_CLASS_*
 * @min, @low, @high, @max: limits in pages (READ_ONCE; written under
 *		aqos_lock)
 * @usage:	pages charged to it and its descendants now
 * @peak:	the largest @usage seen
 * @min_usage, @low_usage: what of @usage its @min and @low protect,
 *		as its parent's @children_*_usage counts it
 * @children_min_usage, @children_low_usage: the sum over its children
 * @children_min_sum: the sum of its live children's @min settings (what
 *		they may claim; aqos_lock), for what of it they leave unused
 *		(aqos_borrowed())
 * @events:	hierarchical: in it and its descendants
 * @events_local: in it only
 * @nr_regions:	regions charged to it (their cookie is this group)
 * @nr_members:	processes attached
 * @charged, @uncharged, @refused: pages accepted and given back, and
 *		charge calls refused, over its life (memory.stat)
 * @zswap:	bytes the store holds for its and its descendants' stored
 *		region pages (memcg's memory.stat zswap)
 * @zswapped:	those pages (memory.stat zswapped, in pages here)
 * @zswap_pages: the pages of @usage those bytes take, in it and its
 *		descendants: @usage less this is their resident frames
 * @zswap_own:	the bytes charged to it itself, which it rounds up to
 *		whole pages of @usage (aqos_charge_stored())
 * @integ:	bytes the store holds for the integrity copies (kept for
 *		repair) of its and its descendants' pages (memory.stat
 *		integrity), @integ_copies those copies, @integ_sums the
 *		bytes of the checksum records their regions keep
 *		(integrity_sums), @integ_pages the pages of @usage copies
 *		and records take, @integ_own the bytes of both charged to it
 *		itself (aqos_charge_integrity(): rounded up as @zswap_own;
 *		changed with the charge of its pages by aqos_integ_commit())
 * @throttles, @throttled_us, @throttle_max_us: the over-high sleeps of
 *		its regions' tasks (throttle.c): how many, their penalties'
 *		sum and the longest, in us (memory.stat)
 * @debugfs:	its directory under aether/qos/ (its parent's)
 * @snap_lock:	guards @snap (lock order 4)
 * @snap:	its effective protection at the beginning of the last reclaim
 *		walks (aqos_snap_take()), one per AQOS_SNAP_* slot
 * @psi:	its pressure (the root's is aqos_psi_root: aqos_group_psi());
 *		destroyed when the group is, before it can be freed
 * @rcu:	for kfree_rcu(): readers walk the tree under RCU
 */
struct aqos_group {
	u32 id;
	char name[AETHER_QOS_NAME_MAX];
	kuid_t owner;
	u32 flags;
	unsigned int level;
	struct aqos_group *parent;
	struct list_head children;
	struct list_head sibling;
	struct list_head all;
	struct list_head members;
	refcount_t ref;
	bool dead;
	u32 class;

	unsigned long min;
	unsigned long low;
	unsigned long high;
	unsigned long max;

	atomic_long_t usage;
	atomic_long_t peak;
	atomic_long_t min_usage;
	atomic_long_t low_usage;
	atomic_long_t children_min_usage;
	atomic_long_t children_low_usage;
	atomic_long_t children_min_sum;

	atomic_long_t events[AQOS_NR_EVENTS];
	atomic_long_t events_local[AQOS_NR_EVENTS];
	atomic_long_t nr_regions;
	unsigned int nr_members;
	atomic_long_t charged;
	atomic_long_t uncharged;
	atomic_long_t refused;
	atomic_long_t throttles;
	atomic_long_t throttled_us;
	atomic_long_t throttle_max_us;
	atomic_long_t zswap;
	atomic_long_t zswapped;
	atomic_long_t zswap_pages;
	atomic_long_t zswap_own;
	atomic_long_t integ;
	atomic_long_t integ_copies;
	atomic_long_t integ_pages;
	atomic_long_t integ_own;
	atomic_long_t integ_sums;

	struct dentry *debugfs;
	spinlock_t snap_lock;		/* guards @snap (lock order 4) */
	struct aqos_snap snap[AQOS_NR_SNAPS];
	struct aqos_psi psi;
	struct rcu_head rcu;
};

/* The pressure of @g: the root group's is the pool's. */
static inline struct aqos_psi *aqos_group_psi(struct aqos_group *g)
{
	return g->parent ? &g->psi : &aqos_psi_root;
}

/* main.c: the module parameters */
extern bool aqos_selftest;
extern unsigned long aqos_user_max_pages;
extern unsigned int aqos_groups_per_user;
extern unsigned int aqos_groups_max;
extern unsigned int aqos_user_groups_max;
extern unsigned int aqos_members_max;

/* group.c */
extern struct aqos_group aqos_root;
extern struct mutex aqos_lock;

int aqos_group_init(void);
void aqos_group_exit(void);
struct aqos_group *aqos_group_get(u32 id);
void aqos_group_put(struct aqos_group *g);
struct aqos_group *aqos_group_create(struct aqos_group *parent,
				     const char *name, u32 class,
				     kuid_t owner, u32 flags);
int aqos_group_destroy(struct aqos_group *g);
bool aqos_region_join(struct aqos_group *g);
unsigned int aqos_groups_owned(kuid_t uid);
int aqos_group_attach(struct aqos_group *g, struct pid *pid);
struct aqos_group *aqos_group_of_pid(struct pid *pid);
struct aqos_group *aqos_group_of_task(struct task_struct *task);
struct aqos_group *aqos_user_group(kuid_t uid);
kuid_t aqos_user_key(kuid_t uid);
int aqos_member_hooks_init(void);
void aqos_member_hooks_exit(void);
struct aqos_group *aqos_user_group_find(kuid_t uid);
void aqos_group_prune_members(struct aqos_group *g);
struct aqos_group *aqos_groups_next(unsigned long *id);
void aqos_group_drain(void);
int aqos_charge(struct aqos_group *g, unsigned long nr, bool nofail);
struct aqos_group *aqos_over_max(struct aqos_group *g, unsigned long nr,
				 unsigned long *excess);
void aqos_oom_event(struct aqos_group *g);
bool aqos_under(struct aqos_group *g, struct aqos_group *top);
long aqos_group_reclaim(struct aqos_group *g, unsigned long nr,
			unsigned int flags);
void aqos_uncharge(struct aqos_group *g, unsigned long nr);
void aqos_charge_stored(struct aqos_group *g, unsigned long bytes,
			unsigned long nr);
void aqos_uncharge_stored(struct aqos_group *g, unsigned long bytes,
			  unsigned long nr);
unsigned long aqos_resident(struct aqos_group *g);
int aqos_charge_integrity(struct aqos_group *g, unsigned long bytes,
			  unsigned long nr, bool nofail);
void aqos_uncharge_integrity(struct aqos_group *g, unsigned long bytes,
			     unsigned long nr);

/**
 * struct aqos_integ_step - a change of a group's integrity bytes, in steps
 * @delta:	the bytes it adds (negative: takes away)
 * @nofail:	charge its pages whatever the limits
 * @old:	the @integ_own it was computed from
 * @pages:	the pages of @usage it moves (negative: gives back)
 */
struct aqos_integ_step {
	long delta;
	bool nofail;
	long old;
	long pages;
};

int aqos_integ_prepare(struct aqos_group *g, struct aqos_integ_step *st);
bool aqos_integ_commit(struct aqos_group *g, struct aqos_integ_step *st,
		       long copies, long sums);
void aqos_group_set_limits(struct aqos_group *g, unsigned long min,
			   unsigned long low, unsigned long high,
			   unsigned long max);
void aqos_effective(struct aqos_group *g, unsigned long *emin,
		    unsigned long *elow);
void aqos_effective_under(struct aqos_group *g, struct aqos_group *root,
			  unsigned long *emin, unsigned long *elow);
unsigned long aqos_borrowed(struct aqos_group *g, struct aqos_group *root);
unsigned int aqos_tier(struct aqos_group *g, struct aqos_group *root);
void aqos_snap_take(struct aqos_group *root, unsigned int slot,
		    struct aqos_snapshot *snap);
void aqos_snap_pool(struct aqos_snapshot *snap);
unsigned int aqos_tier_in(struct aqos_group *g,
			  const struct aqos_snapshot *snap);
void aqos_low_event(struct aqos_group *g);
unsigned int aqos_groups_in_tier(const struct aqos_snapshot *snap,
				 unsigned int tier, struct aqos_group **gs,
				 unsigned int n);
int aqos_group_path(struct aqos_group *g, char *buf, size_t len);

/* policy.c */
int aqos_policy_init(void);
void aqos_policy_exit(void);
void aqos_rt_reserve_update(void);

/*
 * throttle.c: memcg's constants (mm/memcontrol.c), under our names.  A
 * charge over high owes at least a batch's penalty; a penalty is clamped
 * per return to user mode; overage is in 1/2^20ths of high, its square
 * scaled down by 2^14 (memcg's curve); reclaim retries before a sleep.
 */
#define AQOS_CHARGE_BATCH		64UL
#define AQOS_MAX_HIGH_DELAY		(2UL * HZ)
#define AQOS_DELAY_PRECISION_SHIFT	20
#define AQOS_DELAY_SCALING_SHIFT	14
#define AQOS_RECLAIM_RETRIES		16
#define AQOS_RECLAIM_RETRY_PAGES	32UL

u64 aqos_overage(unsigned long usage, unsigned long high);
unsigned long aqos_high_delay(u64 overage, unsigned long nr_pages);
void aqos_handle_high(struct aqos_group *g, unsigned long nr_pages);
void aqos_throttle_stop(void);

/* dev.c */
int aqos_dev_init(void);
void aqos_dev_exit(void);
void aqos_group_fill(struct aqos_group *g, struct aether_qos_group_info *gi);
struct aqos_group *aqos_gfd_group(struct file *file);
bool aqos_may_charge(struct aqos_group *g);
int aqos_region_attach(struct file *file, struct aqos_group *g);

/* debugfs.c */
int aqos_debugfs_init(void);
void aqos_debugfs_exit(void);
void aqos_debugfs_add(struct aqos_group *g);
void aqos_debugfs_remove(struct aqos_group *g);
void aqos_debugfs_queue(void);

/* firewall.c */
int aqos_fw_init(void);
void aqos_fw_exit(void);
int aqos_fw_may_access(const struct aem_access *a);
void aqos_fw_integrity_event(u64 region_id, u64 index, int kind);
long aqos_fw_ioctl(unsigned int cmd, void __user *uarg);
void aqos_fw_fork(struct task_struct *parent, struct task_struct *child);
void aqos_fw_forget(struct pid *pid);

/* debugfs.c: aether/qos/ */
struct dentry *aqos_debugfs_dir(void);

/* selftest.c */
int aqos_selftest_run(void);

#endif /* _AETHER_QOS_INTERNAL_H */
