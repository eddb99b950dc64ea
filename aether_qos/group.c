// SPDX-License-Identifier: GPL-2.0
/*
 * group.c - the tree of QoS groups and their counters
 *
 * DOC: Overview
 *
 * The root group (id 0, static) has every other group below it.  A group
 * is made by CREATE (aqos_group_create()) or, for a uid that creates a
 * region while none of its processes is attached anywhere, by the policy
 * (aqos_user_group(): "user.<uid>", inside the core's locks, GFP_NOWAIT).
 * DESTROY takes an empty group out of the tree; a group is freed when its
 * last reference goes (struct aqos_group @ref: the tree's, each member's,
 * each region's, each child's, each ioctl's).
 *
 * Counting is page_counter.c's: a charge adds to the group and each of its
 * ancestors in turn, and if one of them would go above its max the charge
 * is taken off those it was already added to and refused: no group is
 * ever above its max by a refusable charge (a NOFAIL one, which replaces a
 * page the region already had, may).  The adds are atomic, so two charges
 * racing for the last pages of a max cannot both pass.
 *
 * What a group's usage counts is exact (issue 14): its regions' resident
 * frames, and the compressed bytes the store holds for their stored
 * pages, as memcg counts zswap's bytes in memory.current (cgroup-v2.rst:
 * memory.zswap.current; memory.stat's zswap and zswapped).  We chose
 * memcg's answer: the bytes count against min, low, high and max like
 * frames, so storing a page lowers usage by a frame less its compressed
 * size, and a group at max cannot keep more than max in frames and store
 * together (a page that does not compress is refused by the store, as
 * zswap refuses it).  The bytes are rounded up to whole pages per group
 * (aqos_charge_stored(), below); @zswap, @zswapped and @zswap_pages say
 * what of the usage they are.  A stored page's bytes are at least
 * AEM_STORE_ENTRY_BYTES (aether_mm's aem_store_size(): the store's entry
 * and the slot's handle), so a same-filled page, kept in its entry, is
 * not free, and a group's max bounds how many pages it keeps stored.
 * A shared frame
 * (aether_dedupe's) counts once, in the group of the region whose page
 * it was copied from, a frame or its stored bytes (policy.c,
 * @cookie_hold), until it is freed; loaded back when that group is full,
 * in the group of the region that faults it, which then holds it.  The
 * copies the store keeps for integrity repair count too, as their bytes
 * (aqos_charge_integrity(), below), and so do the checksum records a
 * region keeps for its pages.
 *
 * Protection (min, low): each group tells its parent how much of its usage
 * its own min and low cover (@min_usage, @low_usage, summed into the
 * parent's @children_*_usage on every charge).  A group's effective
 * protection is what it claims, unless its siblings together claim more
 * than the parent is itself protected for: then the parent's protection is
 * split in proportion (aqos_level_split(): as cgroup v2's memory.min and
 * memory.low are, Documentation/admin-guide/cgroup-v2.rst, "Memory
 * Interface Files", whenever each sibling uses its setting; see there
 * for where it differs, and why).  The root's children get what they
 * claim.
 * Protection is counted from the root of a reclaim, as memcg counts it
 * from the cgroup being reclaimed (aqos_effective_under()): in the pool's
 * reclaim from the root group; in a group's own reclaim, at its max or
 * after a lower SET, from that group, whose children then get what they
 * claim and which is itself not protected against its own limit.
 *
 * Cooperative groups.  A group with a max is a budget its children
 * share: each child's charge counts against it (page_counter's rule: no
 * special case), and a child may go above its own min as far as the
 * budget lets it.  Whatever it holds above its own protection (its min,
 * or its low if larger) while its siblings
 * leave some of their min unused (the sum of the siblings' min settings,
 * @children_min_sum less the child's own, minus what their usage covers
 * of them, children_min_usage less the child's own min_usage) is
 * borrowed: up to that unused amount, its excess is memory a sibling is
 * owed and does not need yet (aqos_borrowed()).  Borrowed memory is the
 * first reclaim tier (with the BestEffort groups'), whatever the
 * borrower's class: when the sibling comes back and the parent is at its
 * max, the parent's reclaim takes the borrowed pages before anything of
 * its class order, and the returning sibling, within its min, is never
 * reclaimed (it is NEVER from the parent down).  This fits the
 * effective-protection rule rather than replacing it: protection is
 * still what the rule gives each child (a borrower is protected for its
 * own min, never for what it borrowed); borrowing only orders what is
 * unprotected, and only inside a budget (under a parent without a max,
 * nothing is borrowed: the pool is no group's budget, so classes order
 * the pool's reclaim as they say).
 *
 * What is not memcg's: the pool's reclaim is a walk of the coldest pages
 * of all regions, one tier after the other, that asks each page's tier
 * again (region/reclaim.c), not memcg's round of proportional scans of
 * every cgroup.  So that siblings overcommitting their parent's
 * protection each keep their own part, not only the parent its total,
 * a walk counts every group's effective min and low once, when it
 * begins, top-down from its root (aqos_snap_take(): the pool's at the
 * policy table's @reclaim_begin, a group's own reclaim at its start),
 * and compares each group's usage with them page by page; and the split
 * is one a walk cannot erode (aqos_level_split()): a sibling reclaimed
 * down to its part keeps it in the next walk's count too.
 *
 * Members: a process attached to a group is a struct aqos_member keyed by
 * its struct pid (referenced from the ATTACH_PID on) in aqos_members, a
 * hash written under aqos_member_lock and read under RCU by the policy,
 * which walks up a creating task's real_parent chain to the nearest
 * attached ancestor (aqos_group_of_task()).
 *
 * A module cannot hook fork and exit, but it can probe the scheduler's
 * tracepoints sched_process_fork and sched_process_exit (found with
 * for_each_kernel_tracepoint(), as tracers do): each new process whose
 * parent is in a group becomes a member of that group itself, before it
 * first runs, so it stays there when its parent exits and it is
 * reparented (a double fork, a subreaper, setsid); and a process's member
 * goes when its last thread exits, so exited processes do not pile up.
 * What is left: a member the fork probe could not allocate (GFP_NOWAIT)
 * is found by the parent walk only, as before, and leaves with its
 * parent; a process that was running before its parent was attached is
 * found by the walk only (ATTACH moves one process, as cgroup.procs).
 * ATTACH_PID also forgets the target group's exited members and, without
 * CAP_SYS_ADMIN, refuses a group with members_max members (-EDQUOT).
 *
 * Locking: internal.h (1 aqos_lock, 2 aqos_member_lock, 3 aqos_tree_lock,
 * 4 @snap_lock).
 */
#include <linux/capability.h>
#include <linux/hashtable.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "internal.h"
#include "trace.h"

#define AQOS_MAX_LEVEL		16	/* levels below the root */
#define AQOS_MEMBER_BITS	8	/* 256 buckets */

/**
 * struct aqos_member - a process attached to a group
 * @hnode:	in aqos_members, keyed by @pid
 * @gnode:	on @group's @members
 * @pid:	its struct pid (the thread group's), referenced
 * @group:	where it is, referenced
 * @rcu:	readers compare @pid under RCU: freed after a grace period
 */
struct aqos_member {
	struct hlist_node hnode;
	struct list_head gnode;
	struct pid *pid;
	struct aqos_group *group;
	struct rcu_head rcu;
};

DEFINE_MUTEX(aqos_lock);			/* the tree's shape: internal.h */
static DEFINE_SPINLOCK(aqos_member_lock);	/* aqos_members, @members */
static DEFINE_SPINLOCK(aqos_tree_lock);
static DEFINE_XARRAY_ALLOC1(aqos_groups);	/* id -> live group */
static DEFINE_XARRAY(aqos_users);		/* uid -> its default group */
static LIST_HEAD(aqos_all);			/* every group not freed */
static u32 aqos_next_id = 1;			/* xa_alloc_cyclic's */
static unsigned int aqos_nr_groups;		/* live CREATE's groups */
static unsigned int aqos_nr_user_groups;	/* live default groups */
static DEFINE_HASHTABLE(aqos_members, AQOS_MEMBER_BITS);

struct aqos_group aqos_root = {
	.id		= AETHER_QOS_ROOT_ID,
	.name		= "root",
	.flags		= AETHER_QOS_GROUP_ROOT,
	.owner		= INVALID_UID,		/* nobody manages it */
	.children	= LIST_HEAD_INIT(aqos_root.children),
	.members	= LIST_HEAD_INIT(aqos_root.members),
	.snap_lock	= __SPIN_LOCK_UNLOCKED(aqos_root.snap_lock),
	.ref		= REFCOUNT_INIT(1),
	.class		= AETHER_QOS_CLASS_NORMAL,
	.high		= AQOS_UNLIMITED,
	.max		= AQOS_UNLIMITED,
};

/* ---- references ----------------------------------------------------- */

static void aqos_group_free(struct aqos_group *g)
{
	spin_lock(&aqos_tree_lock);
	list_del(&g->all);
	spin_unlock(&aqos_tree_lock);
	kfree_rcu(g, rcu);
}

/**
 * aqos_group_put - drop a reference to a group
 * @g: the group (may be NULL)
 *
 * The last one frees it and drops its reference to its parent, and so on
 * up.  Context: process context, no aqos_tree_lock held; does not sleep.
 */
void aqos_group_put(struct aqos_group *g)
{
	struct aqos_group *parent;

	while (g && refcount_dec_and_test(&g->ref)) {
		parent = g->parent;
		aqos_group_free(g);
		g = parent;
	}
}

/**
 * aqos_group_get - the live group with id @id, referenced
 * @id: a group id (AETHER_QOS_ROOT_ID: the root)
 *
 * Return: the group (release with aqos_group_put()), or NULL.
 */
struct aqos_group *aqos_group_get(u32 id)
{
	struct aqos_group *g;

	if (id == AETHER_QOS_ROOT_ID) {
		refcount_inc(&aqos_root.ref);
		return &aqos_root;
	}
	rcu_read_lock();
	g = xa_load(&aqos_groups, id);
	if (g && (READ_ONCE(g->dead) || !refcount_inc_not_zero(&g->ref)))
		g = NULL;
	rcu_read_unlock();
	return g;
}

static void aqos_propagate(struct aqos_group *g, long usage);

/*
 * A min as its parent's @children_min_sum counts it: capped at 2^40 pages
 * (4 PiB, more than any pool), so that no number of children claiming
 * "max" can overflow the sum.
 */
#define AQOS_MIN_CLAIM_MAX	BIT_ULL(40)

static long aqos_min_claim(unsigned long min)
{
	return min_t(unsigned long, min, AQOS_MIN_CLAIM_MAX);
}

/* ---- making and removing -------------------------------------------- */

static bool aqos_name_taken(struct aqos_group *parent, const char *name)
{
	struct aqos_group *c;

	lockdep_assert_held(&aqos_tree_lock);
	list_for_each_entry(c, &parent->children, sibling)
		if (!strcmp(c->name, name))
			return true;
	return false;
}

static struct aqos_group *aqos_group_alloc(struct aqos_group *parent,
					   const char *name, u32 class,
					   kuid_t owner, u32 flags, gfp_t gfp)
{
	struct aqos_group *g = kzalloc(sizeof(*g), gfp);

	if (!g)
		return NULL;
	strscpy(g->name, name, sizeof(g->name));
	g->owner = owner;
	g->flags = flags;
	g->class = class;
	g->level = parent->level + 1;
	g->parent = parent;
	INIT_LIST_HEAD(&g->children);
	INIT_LIST_HEAD(&g->members);
	spin_lock_init(&g->snap_lock);
	refcount_set(&g->ref, 1);	/* the tree's */
	g->high = AQOS_UNLIMITED;
	g->max = AQOS_UNLIMITED;
	aqos_psi_init(&g->psi, parent->parent ? &parent->psi : NULL);
	return g;
}

/*
 * aqos_group_link - give @g an id and put it under its parent; the parent
 * gets a reference from it.  Return: 0, -EEXIST (a sibling has the name),
 * -ENOSPC (no id), -ENOMEM.
 */
static int aqos_group_link(struct aqos_group *g, gfp_t gfp)
{
	struct aqos_group *parent = g->parent;
	int err;

	lockdep_assert_held(&aqos_tree_lock);
	if (parent->dead)
		return -ENOENT;
	if (aqos_name_taken(parent, g->name))
		return -EEXIST;
	err = xa_alloc_cyclic(&aqos_groups, &g->id, g, XA_LIMIT(1, INT_MAX),
			      &aqos_next_id, gfp);
	if (err < 0)
		return err == -EBUSY ? -ENOSPC : err;
	refcount_inc(&parent->ref);
	list_add_tail_rcu(&g->sibling, &parent->children);
	list_add_tail(&g->all, &aqos_all);
	if (g->flags & AETHER_QOS_GROUP_USER)
		aqos_nr_user_groups++;
	else
		aqos_nr_groups++;
	return 0;
}

/**
 * aqos_group_create - make a group under @parent
 * @parent: a live group, referenced by the caller
 * @name: its name, checked by the caller
 * @class: AETHER_QOS_CLASS_*, checked
 * @owner: who manages its children
 * @flags: AETHER_QOS_GROUP_*
 *
 * Context: aqos_lock held.
 * Return: the group (the tree's reference; not one for the caller), or
 * ERR_PTR(-EMLINK, -ENOSPC, -EEXIST, -ENOENT, -ENOMEM).
 */
struct aqos_group *aqos_group_create(struct aqos_group *parent,
				     const char *name, u32 class,
				     kuid_t owner, u32 flags)
{
	struct aqos_group *g;
	int err;

	lockdep_assert_held(&aqos_lock);
	if (parent->level >= AQOS_MAX_LEVEL)
		return ERR_PTR(-EMLINK);
	if (aqos_nr_groups >= READ_ONCE(aqos_groups_max))
		return ERR_PTR(-ENOSPC);
	g = aqos_group_alloc(parent, name, class, owner, flags, GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	spin_lock(&aqos_tree_lock);
	err = aqos_group_link(g, GFP_ATOMIC);
	spin_unlock(&aqos_tree_lock);
	if (err) {
		kfree(g);
		return ERR_PTR(err);
	}
	aqos_debugfs_add(g);
	return g;
}

/**
 * aqos_user_key - whose default group a region of @uid made by current goes to
 * @uid: the region's creator (or the subject of a firewall check)
 *
 * aether_mm's aem_user_key(), so that the bound, the default groups and
 * the firewall agree on who a user is: a user who maps 65536 subordinate
 * uids in a namespace of theirs still has one default group, one bound
 * and one firewall subject; the uids of a namespace root made are users
 * of their own.
 *
 * Return: the key, a kuid.
 */
kuid_t aqos_user_key(kuid_t uid)
{
	return aem_user_key(uid);
}

/**
 * aqos_user_group - the default group of @uid, made if it has none
 * @uid: a region's creator, as aqos_user_key() gives it
 *
 * The default groups do not count in groups_max (CREATE's bound, so users
 * making regions cannot take CREATE's room) but in user_groups_max.
 *
 * Context: rcu_read_lock() held (the policy's region_init): no sleep.
 * Return: the group, referenced, or NULL when it could not be made
 * (no memory, no id, user_groups_max reached: the caller refuses the
 * region).
 */
struct aqos_group *aqos_user_group(kuid_t uid)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	char name[AETHER_QOS_NAME_MAX];
	struct aqos_group *g, *found;
	unsigned long max;
	int err;

	g = xa_load(&aqos_users, key);
	if (g && !READ_ONCE(g->dead) && refcount_inc_not_zero(&g->ref))
		return g;

	snprintf(name, sizeof(name), "user.%lu", key);
	g = aqos_group_alloc(&aqos_root, name, AETHER_QOS_CLASS_NORMAL, uid,
			     AETHER_QOS_GROUP_USER, GFP_NOWAIT | __GFP_NOWARN);
	if (!g)
		return NULL;
	/* root's own default group is root's: no max (DESIGN.md section 8) */
	max = READ_ONCE(aqos_user_max_pages);
	g->max = !max || uid_eq(uid, GLOBAL_ROOT_UID) ? AQOS_UNLIMITED :
		 min(max, AQOS_UNLIMITED);
	spin_lock(&aqos_tree_lock);
	/* Another region of @uid may have made it meanwhile. */
	found = xa_load(&aqos_users, key);
	if (found && !found->dead && refcount_inc_not_zero(&found->ref)) {
		spin_unlock(&aqos_tree_lock);
		kfree(g);
		return found;
	}
	if (aqos_nr_user_groups >= READ_ONCE(aqos_user_groups_max)) {
		spin_unlock(&aqos_tree_lock);
		kfree(g);
		return NULL;
	}
	/* A dead one there is replaced: only a live one is ever looked up. */
	err = xa_err(xa_store(&aqos_users, key, g, GFP_NOWAIT | __GFP_NOWARN));
	if (!err) {
		err = aqos_group_link(g, GFP_NOWAIT | __GFP_NOWARN);
		if (err)
			xa_erase(&aqos_users, key);
	}
	if (err) {
		spin_unlock(&aqos_tree_lock);
		kfree(g);
		return NULL;
	}
	refcount_inc(&g->ref);	/* the caller's */
	spin_unlock(&aqos_tree_lock);
	aqos_debugfs_queue();
	return g;
}

/**
 * aqos_user_group_find - the default group of @uid, if it has one
 * @uid: a user
 *
 * Context: rcu_read_lock() or aqos_lock held.
 * Return: the live group, not referenced, or NULL.
 */
struct aqos_group *aqos_user_group_find(kuid_t uid)
{
	struct aqos_group *g;

	g = xa_load(&aqos_users, from_kuid(&init_user_ns, uid));
	return g && !READ_ONCE(g->dead) ? g : NULL;
}

static void aqos_member_free_rcu(struct rcu_head *head)
{
	struct aqos_member *m = container_of(head, struct aqos_member, rcu);

	put_pid(m->pid);
	kfree(m);
}

static void aqos_member_remove(struct aqos_member *m)
{
	lockdep_assert_held(&aqos_member_lock);
	hash_del_rcu(&m->hnode);
	list_del(&m->gnode);
	m->group->nr_members--;
	aqos_group_put(m->group);
	call_rcu(&m->rcu, aqos_member_free_rcu);
}

/* Has the process of @pid exited (its last thread)? */
static bool aqos_pid_gone(struct pid *pid)
{
	bool gone;

	rcu_read_lock();
	gone = !pid_task(pid, PIDTYPE_TGID);
	rcu_read_unlock();
	return gone;
}

/**
 * aqos_group_prune_members - forget the members of @g that have exited
 * @g: a group
 *
 * Context: aqos_lock held.
 */
void aqos_group_prune_members(struct aqos_group *g)
{
	struct aqos_member *m, *next;

	lockdep_assert_held(&aqos_lock);
	spin_lock(&aqos_member_lock);
	list_for_each_entry_safe(m, next, &g->members, gnode)
		if (aqos_pid_gone(m->pid))
			aqos_member_remove(m);
	spin_unlock(&aqos_member_lock);
}

/**
 * aqos_group_destroy - take an empty group out of the tree
 * @g: a live group, not the root, referenced by the caller
 *
 * A group with no region left may still be charged for shared frames its
 * regions made, which other regions map (aether_mm's held charges,
 * policy.c): it goes out of the tree all the same, as a memory cgroup
 * goes offline with pages still charged.  The frames keep it (and its
 * ancestors, which count them too) until the last is freed and
 * uncharged; nothing new can join it.  So no user keeps another's group
 * from being destroyed by mapping a page it made (review s30 finding 3).
 *
 * Context: aqos_lock held.
 * Return: 0, or -EBUSY while it has children, running members or
 * regions.
 */
int aqos_group_destroy(struct aqos_group *g)
{
	lockdep_assert_held(&aqos_lock);
	aqos_group_prune_members(g);
	if (!list_empty(&g->children) || g->nr_members)
		return -EBUSY;
	/*
	 * Regions join under the tree lock (aqos_region_join()): checked
	 * there, a region made meanwhile either counts here or finds the
	 * group dead (review L3).
	 */
	spin_lock(&aqos_tree_lock);
	if (atomic_long_read(&g->nr_regions)) {
		spin_unlock(&aqos_tree_lock);
		return -EBUSY;
	}
	WRITE_ONCE(g->dead, true);
	list_del_rcu(&g->sibling);
	xa_erase(&aqos_groups, g->id);
	if (g->flags & AETHER_QOS_GROUP_USER)
		xa_cmpxchg(&aqos_users, from_kuid(&init_user_ns, g->owner), g,
			   NULL, GFP_ATOMIC);
	if (g->flags & AETHER_QOS_GROUP_USER)
		aqos_nr_user_groups--;
	else
		aqos_nr_groups--;
	spin_unlock(&aqos_tree_lock);
	aqos_debugfs_remove(g);
	/* A dead group claims nothing of its parent's protection. */
	atomic_long_sub(aqos_min_claim(READ_ONCE(g->min)),
			&g->parent->children_min_sum);
	WRITE_ONCE(g->min, 0);
	WRITE_ONCE(g->low, 0);
	aqos_propagate(g, atomic_long_read(&g->usage));
	aqos_psi_destroy(&g->psi);	/* its triggers: EPOLLERR */
	aqos_group_put(g);	/* the tree's */
	return 0;
}

/**
 * aqos_region_join - count a new region in @g, unless @g is dead
 * @g: a group, referenced by the caller
 *
 * Under the tree lock, where aqos_group_destroy() checks the count and
 * marks the group dead: a region never joins a destroyed group.
 *
 * Context: any, does not sleep.
 * Return: true when counted.
 */
bool aqos_region_join(struct aqos_group *g)
{
	bool live;

	spin_lock(&aqos_tree_lock);
	live = !READ_ONCE(g->dead);
	if (live)
		atomic_long_inc(&g->nr_regions);
	spin_unlock(&aqos_tree_lock);
	return live;
}

/**
 * aqos_groups_owned - how many live groups @uid owns
 * @uid: a user
 *
 * Context: aqos_lock held.
 */
unsigned int aqos_groups_owned(kuid_t uid)
{
	struct aqos_group *g;
	unsigned long id;
	unsigned int n = 0;

	lockdep_assert_held(&aqos_lock);
	xa_for_each(&aqos_groups, id, g)
		if (uid_eq(g->owner, uid))
			n++;
	return n;
}

/**
 * aqos_groups_next - the live group with the smallest id above @id
 * @id: in: where to start (exclusive); out: the id found
 *
 * Context: aqos_lock held.  Return: the group, or NULL past the last.
 */
struct aqos_group *aqos_groups_next(unsigned long *id)
{
	lockdep_assert_held(&aqos_lock);
	return xa_find_after(&aqos_groups, id, ULONG_MAX, XA_PRESENT);
}

/* ---- members -------------------------------------------------------- */

static struct aqos_member *aqos_member_find(struct pid *pid)
{
	struct aqos_member *m;

	hash_for_each_possible_rcu(aqos_members, m, hnode, (unsigned long)pid)
		if (m->pid == pid)
			return m;
	return NULL;
}

/**
 * aqos_group_attach - make @pid's process a member of @g
 * @g: a live group, referenced by the caller; the root detaches
 * @pid: a thread group's struct pid, referenced by the caller
 *
 * The exited members of @g are forgotten first; without CAP_SYS_ADMIN, a
 * group with members_max members takes no more.
 *
 * Context: aqos_lock held.  Return: 0, -EDQUOT or -ENOMEM.
 */
int aqos_group_attach(struct aqos_group *g, struct pid *pid)
{
	struct aqos_member *old, *m = NULL;

	lockdep_assert_held(&aqos_lock);
	if (g != &aqos_root) {
		aqos_group_prune_members(g);
		if (READ_ONCE(g->nr_members) >= READ_ONCE(aqos_members_max) &&
		    !capable(CAP_SYS_ADMIN))
			return -EDQUOT;
		m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
		if (!m)
			return -ENOMEM;
		m->pid = get_pid(pid);
		m->group = g;
		refcount_inc(&g->ref);
	}
	spin_lock(&aqos_member_lock);
	old = aqos_member_find(pid);
	if (old && old->group == g) {
		spin_unlock(&aqos_member_lock);
		if (m) {
			put_pid(m->pid);
			aqos_group_put(g);
			kfree(m);
		}
		return 0;
	}
	if (old)
		aqos_member_remove(old);
	if (m) {
		list_add_tail(&m->gnode, &g->members);
		g->nr_members++;
		hash_add_rcu(aqos_members, &m->hnode, (unsigned long)pid);
	}
	spin_unlock(&aqos_member_lock);
	return 0;
}

/*
 * sched_process_fork: @child, a new process (not a thread), joins the
 * group of @parent (its own, or its nearest attached ancestor's) as a
 * member of its own, before it first runs.
 * Context: the tracepoint's: preemption off, no sleep.
 */
static void aqos_probe_fork(void *data, struct task_struct *parent,
			    struct task_struct *child)
{
	struct aqos_group *g;
	struct aqos_member *m;
	struct pid *pid;

	aqos_fw_fork(parent, child);	/* the firewall's lineages */
	rcu_read_lock();
	pid = task_tgid(child);
	if (!pid || pid == task_tgid(parent))	/* a thread */
		goto out;
	g = aqos_group_of_task(parent);
	if (!g || !refcount_inc_not_zero(&g->ref))
		goto out;
	m = kzalloc(sizeof(*m), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	if (!m) {
		/* found by the parent walk while its parent lives */
		aqos_group_put(g);
		goto out;
	}
	m->pid = get_pid(pid);
	m->group = g;
	spin_lock(&aqos_member_lock);
	if (READ_ONCE(g->dead) || aqos_member_find(pid)) {
		spin_unlock(&aqos_member_lock);
		put_pid(m->pid);
		aqos_group_put(g);
		kfree(m);
		goto out;
	}
	list_add_tail(&m->gnode, &g->members);
	g->nr_members++;
	hash_add_rcu(aqos_members, &m->hnode, (unsigned long)pid);
	spin_unlock(&aqos_member_lock);
out:
	rcu_read_unlock();
}

/*
 * sched_process_exit: when the last thread of a process exits, its member
 * goes (the process charges no new region any more).
 * Context: the tracepoint's: preemption off, no sleep.
 */
static void aqos_probe_exit(void *data, struct task_struct *task)
{
	struct aqos_member *m;
	struct pid *pid;

	if (atomic_read(&task->signal->live))
		return;		/* other threads of it still run */
	rcu_read_lock();
	pid = task_tgid(task);
	if (pid)
		aqos_fw_forget(pid);	/* the firewall's lineage */
	if (pid && aqos_member_find(pid)) {
		spin_lock(&aqos_member_lock);
		m = aqos_member_find(pid);
		if (m)
			aqos_member_remove(m);
		spin_unlock(&aqos_member_lock);
	}
	rcu_read_unlock();
}

static struct tracepoint *aqos_tp_fork, *aqos_tp_exit;

static void aqos_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		aqos_tp_fork = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		aqos_tp_exit = tp;
}

/**
 * aqos_member_hooks_init - probe fork and exit (the members' lifetimes)
 *
 * Return: 0, -ENOENT when the kernel has not the tracepoints, or the
 * error of tracepoint_probe_register().
 */
int aqos_member_hooks_init(void)
{
	int err;

	for_each_kernel_tracepoint(aqos_tp_find, NULL);
	if (!aqos_tp_fork || !aqos_tp_exit) {
		pr_err("no sched_process_fork/exit tracepoints\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(aqos_tp_fork, aqos_probe_fork, NULL);
	if (err)
		return err;
	err = tracepoint_probe_register(aqos_tp_exit, aqos_probe_exit, NULL);
	if (err) {
		tracepoint_probe_unregister(aqos_tp_fork, aqos_probe_fork, NULL);
		tracepoint_synchronize_unregister();
	}
	return err;
}

/**
 * aqos_member_hooks_exit - no probe runs after this returns
 */
void aqos_member_hooks_exit(void)
{
	tracepoint_probe_unregister(aqos_tp_exit, aqos_probe_exit, NULL);
	tracepoint_probe_unregister(aqos_tp_fork, aqos_probe_fork, NULL);
	tracepoint_synchronize_unregister();
}

/**
 * aqos_group_of_pid - the group @pid's process is attached to
 * @pid: a thread group's struct pid
 *
 * Context: rcu_read_lock() or aqos_lock held.
 * Return: the group (not referenced), or NULL.
 */
struct aqos_group *aqos_group_of_pid(struct pid *pid)
{
	struct aqos_member *m = aqos_member_find(pid);

	return m ? READ_ONCE(m->group) : NULL;
}

/**
 * aqos_group_of_task - the group of @task's nearest attached ancestor
 * @task: a task (itself first, then its real_parent and so on)
 *
 * Context: rcu_read_lock() held.
 * Return: the live group, not referenced, or NULL when none is attached.
 */
struct aqos_group *aqos_group_of_task(struct task_struct *task)
{
	struct task_struct *t = task, *parent;
	struct aqos_group *g;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "aqos_group_of_task");
	for (;;) {
		g = aqos_group_of_pid(task_tgid(t));
		if (g && !READ_ONCE(g->dead))
			return g;
		parent = rcu_dereference(t->real_parent);
		if (parent == t || t->pid <= 1)	/* init and the idle task */
			return NULL;
		t = parent;
	}
}

/* ---- counters ------------------------------------------------------- */

static void aqos_event(struct aqos_group *g, enum aqos_event ev)
{
	struct aqos_group *a;

	trace_aqos_limit(g, ev);
	atomic_long_inc(&g->events_local[ev]);
	for (a = g; a; a = a->parent)
		atomic_long_inc(&a->events[ev]);
}

static void aqos_peak(struct aqos_group *g, long usage)
{
	long peak = atomic_long_read(&g->peak);

	while (usage > peak &&
	       !atomic_long_try_cmpxchg(&g->peak, &peak, usage))
		;
}

/*
 * aqos_propagate - tell @g's parent how much of @usage @g's min and low
 * cover (page_counter.c's propagate_protected_usage(), in our words).
 */
static void aqos_propagate(struct aqos_group *g, long usage)
{
	long prot, old;

	if (!g->parent || usage < 0)
		return;
	prot = min_t(long, usage, READ_ONCE(g->min));
	old = atomic_long_xchg(&g->min_usage, prot);
	if (prot != old)
		atomic_long_add(prot - old, &g->parent->children_min_usage);
	prot = min_t(long, usage, READ_ONCE(g->low));
	old = atomic_long_xchg(&g->low_usage, prot);
	if (prot != old)
		atomic_long_add(prot - old, &g->parent->children_low_usage);
}

/**
 * aqos_charge - charge @nr pages to @g and every ancestor
 * @g: the region's group
 * @nr: pages
 * @nofail: count them whatever the limits
 *
 * Context: any, does not sleep (the policy's charge, under RCU).
 * Return: 0; AEM_CHARGE_OVER_HIGH when charged but @g or an ancestor is
 * now above its high; or AEM_CHARGE_RECLAIM (-EAGAIN) when @g or an
 * ancestor would go above its max: then nothing was charged, and that
 * group counts a max event (the policy's @reclaim counts the oom event
 * when it cannot make room).
 */
int aqos_charge(struct aqos_group *g, unsigned long nr, bool nofail)
{
	struct aqos_group *c, *over = NULL;
	long usage;

	for (c = g; c; c = c->parent) {
		usage = atomic_long_add_return(nr, &c->usage);
		if (!nofail && usage > (long)READ_ONCE(c->max)) {
			atomic_long_sub(nr, &c->usage);
			over = c;
			break;
		}
		aqos_peak(c, usage);
		aqos_propagate(c, usage);
	}
	if (over) {
		for (c = g; c != over; c = c->parent)
			aqos_propagate(c, atomic_long_sub_return(nr, &c->usage));
		atomic_long_inc(&g->refused);
		aqos_event(over, AQOS_EV_MAX);
		return AEM_CHARGE_RECLAIM;
	}
	atomic_long_add(nr, &g->charged);
	for (c = g; c; c = c->parent) {
		if (atomic_long_read(&c->usage) > (long)READ_ONCE(c->high)) {
			aqos_event(c, AQOS_EV_HIGH);
			over = c;
		}
	}
	return over ? AEM_CHARGE_OVER_HIGH : 0;
}

/**
 * aqos_over_max - the group that keeps @nr more pages of @g out
 * @g: a region's group
 * @nr: pages it wants
 * @excess: out: by how many pages that group is short
 *
 * Context: any.  Return: the lowest of @g and its ancestors whose usage
 * plus @nr is above its max, or NULL when all have room.
 */
struct aqos_group *aqos_over_max(struct aqos_group *g, unsigned long nr,
				 unsigned long *excess)
{
	struct aqos_group *c;
	long room;

	for (c = g; c; c = c->parent) {
		room = (long)READ_ONCE(c->max) - atomic_long_read(&c->usage);
		if (room < (long)nr) {
			*excess = nr - max(room, 0L);
			return c;
		}
	}
	return NULL;
}

/**
 * aqos_oom_event - reclaim could not make room in @g: count an oom event
 * @g: the group at its max
 */
void aqos_oom_event(struct aqos_group *g)
{
	aqos_event(g, AQOS_EV_OOM);
}

/**
 * aqos_under - is @g @top or one of its descendants?
 * @g: a group
 * @top: a group
 *
 * Context: any (parents never change).
 */
bool aqos_under(struct aqos_group *g, struct aqos_group *top)
{
	for (; g; g = g->parent)
		if (g == top)
			return true;
	return false;
}

/**
 * aqos_uncharge - give back @nr pages of @g and every ancestor
 * @g: the region's group
 * @nr: pages charged before
 *
 * Context: any, does not sleep.
 */
void aqos_uncharge(struct aqos_group *g, unsigned long nr)
{
	struct aqos_group *c;
	long usage;

	atomic_long_add(nr, &g->uncharged);
	for (c = g; c; c = c->parent) {
		usage = atomic_long_sub_return(nr, &c->usage);
		WARN_ON_ONCE(usage < 0);
		aqos_propagate(c, usage);
	}
}

/*
 * Stored pages (memcg's zswap).  A region page that goes to the store
 * leaves its group's usage as a frame (aqos_uncharge()) and comes back
 * into it as the bytes the store holds for it, as memcg charges zswap's
 * compressed bytes to memory.current: usage is resident frames plus
 * stored bytes, and max, high, min and low apply to the sum.  The bytes
 * are charged to the region's group itself, which rounds its own bytes
 * up to whole pages of usage (@zswap_own; memcg's obj_cgroup keeps the
 * byte remainder of its objects the same way) and charges those pages
 * up the tree as any charge: never refused (the store gave back a whole
 * frame for them), so a charge that crosses high counts a high event but
 * throttles nobody.  Each add or sub of @zswap_own charges or uncharges
 * the change of its rounded value; the atomic orders them, so the sum of
 * those changes is always the rounded value of the sum.
 */
static long aqos_zswap_round(long bytes)
{
	return DIV_ROUND_UP(max(bytes, 0L), PAGE_SIZE);
}

/* @bytes and @nr stored pages more (or less, negative) in @g and up. */
static void aqos_zswap_add(struct aqos_group *g, long bytes, long nr,
			   long pages)
{
	struct aqos_group *c;

	for (c = g; c; c = c->parent) {
		atomic_long_add(bytes, &c->zswap);
		atomic_long_add(nr, &c->zswapped);
		atomic_long_add(pages, &c->zswap_pages);
	}
}

/**
 * aqos_charge_stored - @nr region pages of @g went to the store
 * @g: the region's group
 * @bytes: what the store holds for them
 * @nr: how many
 *
 * Context: any, does not sleep (the policy's @charge_stored).
 */
void aqos_charge_stored(struct aqos_group *g, unsigned long bytes,
			unsigned long nr)
{
	long now = atomic_long_add_return(bytes, &g->zswap_own);
	long pages = aqos_zswap_round(now) - aqos_zswap_round(now - bytes);

	if (pages)
		aqos_charge(g, pages, true);
	aqos_zswap_add(g, bytes, nr, pages);
}

/**
 * aqos_uncharge_stored - @nr stored region pages of @g left the store
 * @g: the region's group
 * @bytes: what aqos_charge_stored() counted for them
 * @nr: how many
 *
 * Context: any, does not sleep.
 */
void aqos_uncharge_stored(struct aqos_group *g, unsigned long bytes,
			  unsigned long nr)
{
	long now = atomic_long_sub_return(bytes, &g->zswap_own);
	long pages = aqos_zswap_round(now + bytes) - aqos_zswap_round(now);

	WARN_ON_ONCE(now < 0);
	aqos_zswap_add(g, -(long)bytes, -(long)nr, -pages);
	if (pages)
		aqos_uncharge(g, pages);
}

/*
 * Integrity memory (aether_mm's region/verify.c): the copies the store
 * keeps of pages loaded back, to repair them from ("Kept copies"), and
 * the checksum records a region keeps for its pages (the nodes of its
 * layers' record arrays).  Both are kernel memory kept for the group's
 * pages: they count in the group of the region whose pages they are (a
 * copy of a shared frame in the group holding the frame's charge) as
 * their bytes, rounded up to pages of @usage as stored bytes are
 * (@integ_own, copies and records together), against max, high, min and
 * low.  Unlike stored bytes, neither gives memory back: a charge is
 * refused when it would take the group (or an ancestor) past its max
 * less the room its stored pages need to come back, and the copy is then
 * not kept, the record not taken (the page is then not repairable, or
 * not checked).  memory.stat's integrity and integrity_copies say what
 * of the usage the copies are, integrity_sums the records.
 *
 * @integ_own and the pages charged for it move together without a lock
 * (review s31b finding 3): a change computes the pages it moves from the
 * @integ_own it read, charges them (aqos_integ_prepare()), and commits
 * its bytes only if @integ_own is still that value, by a
 * compare-and-exchange (aqos_integ_commit()); one that lost the race
 * gives its pages back and starts again from the new value.  So the
 * pages charged always are the rounded value of the bytes committed, and
 * a refused charge commits nothing and leaves nothing to undo.  A charge
 * racing another's uncommitted pages for the last page of a max may be
 * refused though it would fit once the other committed: the copy is then
 * not kept, as if it had come second (selftest.c, integ_race).
 */
static void aqos_integ_add(struct aqos_group *g, long bytes, long nr,
			   long sums, long pages)
{
	struct aqos_group *c;

	for (c = g; c; c = c->parent) {
		atomic_long_add(bytes, &c->integ);
		atomic_long_add(nr, &c->integ_copies);
		atomic_long_add(sums, &c->integ_sums);
		atomic_long_add(pages, &c->integ_pages);
	}
}

/*
 * Would @pages more of integrity memory in @g leave room, in @g and each
 * ancestor, for every stored page to come back (a frame each, less the
 * pages their bytes take now) and for the one transient page of a load
 * (its frame is charged before its bytes go)?  A charge that does not is
 * refused: integrity memory never makes a load of the group's own pages
 * fail.
 */
static bool aqos_integ_room(struct aqos_group *g, long pages)
{
	struct aqos_group *c;
	long back;

	for (c = g; c; c = c->parent) {
		back = atomic_long_read(&c->zswapped) -
		       atomic_long_read(&c->zswap_pages);
		if (atomic_long_read(&c->usage) + pages + max(back, 0L) + 1 >
		    (long)READ_ONCE(c->max))
			return false;
	}
	return true;
}

/**
 * aqos_integ_prepare - the first step of a change of @g's integrity bytes
 * @g: the group
 * @st: the change: @delta and @nofail set by the caller; @old and
 *	@pages filled here
 *
 * Reads @integ_own and charges the pages the change adds to its rounded
 * value (none for a decrease, whose pages go at the commit).
 * Context: any, does not sleep.
 * Return: 0, or -ENOMEM (refused: nothing charged, nothing to commit).
 */
int aqos_integ_prepare(struct aqos_group *g, struct aqos_integ_step *st)
{
	st->old = atomic_long_read(&g->integ_own);
	st->pages = aqos_zswap_round(st->old + st->delta) -
		    aqos_zswap_round(st->old);
	if (st->pages <= 0)
		return 0;
	if ((!st->nofail && !aqos_integ_room(g, st->pages)) ||
	    aqos_charge(g, st->pages, st->nofail) < 0)
		return -ENOMEM;
	return 0;
}

/**
 * aqos_integ_commit - the second step: the bytes, if nobody came between
 * @g: the group
 * @st: a change aqos_integ_prepare() accepted
 * @copies: integrity copies it adds (negative: takes away)
 * @sums: bytes of it that are checksum records
 *
 * Context: any, does not sleep.
 * Return: true when committed; false when @integ_own changed since the
 * prepare: its pages are given back, and the caller prepares again.
 */
bool aqos_integ_commit(struct aqos_group *g, struct aqos_integ_step *st,
		       long copies, long sums)
{
	if (!atomic_long_try_cmpxchg(&g->integ_own, &st->old,
				     st->old + st->delta)) {
		if (st->pages > 0)
			aqos_uncharge(g, st->pages);
		return false;
	}
	aqos_integ_add(g, st->delta - sums, copies, sums, st->pages);
	if (st->pages < 0)
		aqos_uncharge(g, -st->pages);
	return true;
}

/*
 * Move @g's integrity bytes by @delta (@copies copies, @sums bytes of
 * records), refusably unless @nofail.  Return: 0 or -ENOMEM.
 */
static int aqos_integ_change(struct aqos_group *g, long delta, long copies,
			     long sums, bool nofail)
{
	struct aqos_integ_step st = { .delta = delta, .nofail = nofail };

	for (;;) {
		if (aqos_integ_prepare(g, &st)) {
			/* Refused against a value since changed: once more. */
			if (atomic_long_read(&g->integ_own) != st.old)
				continue;
			return -ENOMEM;
		}
		if (aqos_integ_commit(g, &st, copies, sums))
			return 0;
	}
}

/**
 * aqos_charge_integrity - the store keeps integrity memory for pages of @g
 * @g: the region's group (or the one holding a shared frame's charge)
 * @bytes: what the store holds for the copies, or the records' bytes
 * @nr: how many copies (1, or a region's all at an attach); 0: @bytes
 *	are checksum records (region/verify.c), no copy
 * @nofail: count them whatever the limits (an attach moving them)
 *
 * Context: any, does not sleep (the policy's @charge_integrity).
 * Return: 0, or -ENOMEM when the pages it adds to @usage would take @g or
 * an ancestor above its max, less the room its stored pages need to come
 * back (aqos_integ_room()): nothing is counted, the copy is not kept, the
 * record not taken.
 */
int aqos_charge_integrity(struct aqos_group *g, unsigned long bytes,
			  unsigned long nr, bool nofail)
{
	return aqos_integ_change(g, bytes, nr, nr ? 0 : bytes, nofail);
}

/**
 * aqos_uncharge_integrity - integrity memory of pages of @g is gone
 * @g: its group
 * @bytes: what aqos_charge_integrity() counted for it
 * @nr: copies (as charged; 0 for records)
 *
 * Context: any, does not sleep.
 */
void aqos_uncharge_integrity(struct aqos_group *g, unsigned long bytes,
			     unsigned long nr)
{
	aqos_integ_change(g, -(long)bytes, -(long)nr, nr ? 0 : -(long)bytes,
			  true);
	WARN_ON_ONCE(atomic_long_read(&g->integ_own) < 0);
}

/**
 * aqos_resident - the resident frames @g and its descendants are charged
 * @g: a group
 *
 * Return: @usage less the pages stored bytes and integrity copies take,
 * in pages.
 */
unsigned long aqos_resident(struct aqos_group *g)
{
	long r = atomic_long_read(&g->usage) -
		 atomic_long_read(&g->zswap_pages) -
		 atomic_long_read(&g->integ_pages);

	return max(r, 0L);
}

/**
 * aqos_group_set_limits - set @g's limits, in pages
 * @g: a live group, not the root
 * @min: memory.min
 * @low: memory.low
 * @high: memory.high
 * @max: memory.max
 *
 * Context: aqos_lock held.
 */
void aqos_group_set_limits(struct aqos_group *g, unsigned long min,
			   unsigned long low, unsigned long high,
			   unsigned long max)
{
	lockdep_assert_held(&aqos_lock);
	atomic_long_add(aqos_min_claim(min) - aqos_min_claim(READ_ONCE(g->min)),
			&g->parent->children_min_sum);
	WRITE_ONCE(g->min, min);
	WRITE_ONCE(g->low, low);
	WRITE_ONCE(g->high, high);
	WRITE_ONCE(g->max, max);
	aqos_propagate(g, atomic_long_read(&g->usage));
}

/*
 * The split of a parent's protection among its children (kind @k:
 * AQOS_PROT_MIN or AQOS_PROT_LOW).  A child claims what of its usage its
 * setting covers, min(usage, setting); when the claims fit in the
 * parent's effective protection, each gets its claim.  When they do not,
 * the parent's protection is shared in proportion to the settings, and a
 * child whose claim is below its proportional part gets its claim, the
 * rest going to the others in proportion (water-filling): child i gets
 * min(claim_i, lambda * setting_i), lambda such that the parts add up to
 * the parent's protection.
 *
 * This is page_counter.c's effective_protection() whenever every child
 * uses at least its setting (its claim is then its setting: the same
 * proportional shares), and, as there, protection claimed but unused
 * goes to the siblings.  Where it differs, memcg's split in proportion
 * to the claims, a child below its setting has its share shrink with
 * each page it loses (its claim shrinks), so that a reclaim taking one
 * child's pages after another's takes the first below its share and
 * on, down to nothing, while the others keep more than theirs (memcg
 * scans every cgroup at once, and its round's proportional scanning
 * keeps them together; our walk takes the coldest pages region after
 * region).  Here a child at its share keeps it: its claim is then its
 * part, lambda * setting, and lambda does not move, so the shares are a
 * fixed point of the walk, and each child keeps its own.
 */
static unsigned long aqos_setting(struct aqos_group *c, unsigned int k)
{
	return k == AQOS_PROT_MIN ? READ_ONCE(c->min) : READ_ONCE(c->low);
}

static unsigned long aqos_claim(struct aqos_group *c, unsigned int k)
{
	return min_t(unsigned long, max(atomic_long_read(&c->usage), 0L),
		     aqos_setting(c, k));
}

/* What aqos_level_split() found of a parent's children. */
struct aqos_level {
	bool all;		/* the claims fit: each child gets its claim */
	unsigned long rem;	/* else: lambda is @rem / @weight */
	unsigned long weight;
};

/*
 * aqos_level_split - lambda of @p's children (kind @k)
 * @p: the parent
 * @pe: its effective protection (AQOS_UNLIMITED for a reclaim's root)
 * @k: AQOS_PROT_MIN or AQOS_PROT_LOW
 * @lv: out
 *
 * Each round fixes the children whose claim is within their part at the
 * current lambda (they get their claim, and leave the sharing); lambda
 * only grows, so a child once fixed stays so.  The usages move while we
 * count: the rounds are bounded by the number of children all the same.
 *
 * Context: rcu_read_lock() or aqos_tree_lock held (the children list).
 */
static void aqos_level_split(struct aqos_group *p, unsigned long pe,
			     unsigned int k, struct aqos_level *lv)
{
	unsigned long claims = 0, total = 0, fixed, fweight, last = 0;
	unsigned long claim, w;
	unsigned int n = 0, round;
	struct aqos_group *c;

	list_for_each_entry_rcu(c, &p->children, sibling,
				lockdep_is_held(&aqos_tree_lock)) {
		claims += aqos_claim(c, k);
		total += aqos_min_claim(aqos_setting(c, k));
		n++;
	}
	lv->all = claims <= pe;
	lv->rem = pe;
	lv->weight = total;
	if (lv->all || !total)
		return;
	for (round = 0; round <= n; round++) {
		fixed = 0;
		fweight = 0;
		list_for_each_entry_rcu(c, &p->children, sibling,
					lockdep_is_held(&aqos_tree_lock)) {
			w = aqos_min_claim(aqos_setting(c, k));
			claim = aqos_claim(c, k);
			if (w && claim <= mul_u64_u64_div_u64(lv->rem, w,
							      lv->weight)) {
				fixed += claim;
				fweight += w;
			}
		}
		/* No new child fixed at this lambda: it is the last one. */
		if (fweight == last || fweight >= total || fixed >= pe)
			return;
		last = fweight;
		lv->rem = pe - fixed;
		lv->weight = total - fweight;
	}
}

/* @c's part of what @lv split (kind @k). */
static unsigned long aqos_share(struct aqos_group *c, unsigned int k,
				const struct aqos_level *lv)
{
	unsigned long claim = aqos_claim(c, k);

	if (lv->all)
		return claim;
	if (!lv->weight)
		return min(claim, lv->rem);
	return min(claim, mul_u64_u64_div_u64(lv->rem,
					       aqos_min_claim(aqos_setting(c, k)),
					       lv->weight));
}

/**
 * aqos_effective_under - @g's effective min and low in a reclaim of @root
 * @g: a group
 * @root: the group whose subtree a reclaim takes pages from (aqos_root
 *	  for the pool's), @g or an ancestor of it
 * @emin: out: pages
 * @elow: out: pages
 *
 * As cgroup v2's effective protection (page_counter.c), counted from
 * @root: @root's children get what they claim, min(usage, setting);
 * below them, each group what it claims when its siblings' claims fit in
 * their parent's effective protection, else its part of it (the split
 * above, aqos_level_split()).  @root itself is not protected against its
 * own reclaim (0, 0).  The figures as they are now: a reclaim walk reads
 * those of its beginning instead (aqos_snap_take()).
 *
 * Context: any but aqos_tree_lock held; takes rcu_read_lock().
 */
void aqos_effective_under(struct aqos_group *g, struct aqos_group *root,
			  unsigned long *emin, unsigned long *elow)
{
	struct aqos_group *chain[AQOS_MAX_LEVEL + 1];
	unsigned long pe[AQOS_NR_PROT];
	struct aqos_level lv;
	struct aqos_group *c, *p;
	unsigned int k;
	int n = 0;

	for (c = g; c != root && c->parent && n <= AQOS_MAX_LEVEL;
	     c = c->parent)
		chain[n++] = c;
	*emin = 0;
	*elow = 0;
	if (!n)
		return;
	pe[AQOS_PROT_MIN] = AQOS_UNLIMITED;
	pe[AQOS_PROT_LOW] = AQOS_UNLIMITED;
	rcu_read_lock();
	while (n--) {
		c = chain[n];
		p = c->parent;
		for (k = 0; k < AQOS_NR_PROT; k++) {
			if (p == root || !p->parent) {
				pe[k] = aqos_claim(c, k);
				continue;
			}
			aqos_level_split(p, pe[k], k, &lv);
			pe[k] = aqos_share(c, k, &lv);
		}
	}
	rcu_read_unlock();
	*emin = pe[AQOS_PROT_MIN];
	*elow = pe[AQOS_PROT_LOW];
}

/**
 * aqos_effective - @g's effective min and low, from the root down
 * @g: a group
 * @emin: out: pages
 * @elow: out: pages
 *
 * In the pool's reclaim: aqos_effective_under() of the root.
 * Context: any.
 */
void aqos_effective(struct aqos_group *g, unsigned long *emin,
		    unsigned long *elow)
{
	aqos_effective_under(g, &aqos_root, emin, elow);
}

/**
 * aqos_borrowed - what @g (or an ancestor below @root) holds of its
 * siblings' unused min, in a cooperative group
 * @g: a group
 * @root: the reclaim's root, @g or an ancestor of it
 *
 * A group with a max is a budget its children share (cooperative groups):
 * a child above its own protection (the larger of its min and low) uses,
 * for as long as they leave it unused, what its siblings' mins would
 * protect: the sum of their min settings less what of them their usage
 * covers.  That much of its excess is borrowed, and is the first thing a
 * reclaim takes (aqos_tier()).  Looked at for @g and each ancestor up to
 * @root's children.
 *
 * Context: any.  Return: pages borrowed at the lowest level that borrows,
 * 0 for none.
 */
unsigned long aqos_borrowed(struct aqos_group *g, struct aqos_group *root)
{
	struct aqos_group *c, *p;
	long usage, own, unused;

	for (c = g; c != root && c->parent; c = c->parent) {
		p = c->parent;
		if (READ_ONCE(p->max) >= AQOS_UNLIMITED)
			continue;
		usage = atomic_long_read(&c->usage);
		own = max(READ_ONCE(c->min), READ_ONCE(c->low));
		if (usage <= own)
			continue;
		/* The siblings' min settings, less what their usage covers. */
		unused = (atomic_long_read(&p->children_min_sum) -
			  aqos_min_claim(READ_ONCE(c->min))) -
			 (atomic_long_read(&p->children_min_usage) -
			  atomic_long_read(&c->min_usage));
		if (unused > 0)
			return min(usage - own, unused);
	}
	return 0;
}

/* ---- the snapshot of a reclaim walk ---------------------------------- */

static atomic64_t aqos_snap_seq = ATOMIC64_INIT(0);
static u64 aqos_pool_seq;	/* the pool's last snapshot: aqos_tree_lock */

/* @g's figures of the walk of @snap, if it has them. */
static bool aqos_snap_read(struct aqos_group *g,
			   const struct aqos_snapshot *snap,
			   unsigned long *emin, unsigned long *elow)
{
	struct aqos_snap *sn = &g->snap[snap->slot];
	bool ok;

	if (!snap->seq)
		return false;
	spin_lock(&g->snap_lock);
	ok = sn->seq == snap->seq;
	if (ok) {
		*emin = sn->prot[AQOS_PROT_MIN];
		*elow = sn->prot[AQOS_PROT_LOW];
	}
	spin_unlock(&g->snap_lock);
	return ok;
}

/* @p's children's figures, from @p's effective protection @pe. */
static void aqos_snap_children(struct aqos_group *p, const unsigned long *pe,
			       const struct aqos_snapshot *snap)
{
	struct aqos_level lv[AQOS_NR_PROT];
	unsigned long prot[AQOS_NR_PROT];
	struct aqos_group *c;
	unsigned int k;

	lockdep_assert_held(&aqos_tree_lock);
	for (k = 0; k < AQOS_NR_PROT; k++)
		aqos_level_split(p, pe[k], k, &lv[k]);
	list_for_each_entry(c, &p->children, sibling) {
		for (k = 0; k < AQOS_NR_PROT; k++)
			prot[k] = aqos_share(c, k, &lv[k]);
		spin_lock(&c->snap_lock);
		c->snap[snap->slot].seq = snap->seq;
		memcpy(c->snap[snap->slot].prot, prot, sizeof(prot));
		spin_unlock(&c->snap_lock);
	}
}

/**
 * aqos_snap_take - every group's effective min and low, for a reclaim walk
 * @root: the walk's root: aqos_root for the pool's, the group reclaimed
 *	  for its own
 * @slot: AQOS_SNAP_POOL or AQOS_SNAP_GROUP, where the figures go
 * @snap: out: the walk's snapshot, for aqos_tier_in()
 *
 * Counted top-down from @root once, at the walk's beginning, as memcg
 * counts protection from the reclaim's root: the walk then compares each
 * group's usage with the figures of its beginning, not with figures that
 * move as it takes pages.  The walk's own pages left the groups, others
 * charged meanwhile: the next walk counts again.  Every live group of
 * @root's subtree has them, in @slot, under its @snap_lock, tagged with
 * @snap's sequence number: a walk finds its own figures or, for a group
 * made since or rewritten by another walk of the same slot meanwhile
 * (two groups' own reclaims at once), none, and counts that group's as
 * they are now (aqos_effective_under()).  The pool's walks all count
 * from the root: one of them finds the latest figures, equally good.
 *
 * Parents come before their children on aqos_all (a child is linked
 * after its parent): one pass down the list counts every level from the
 * one above, split as aqos_level_split() says.
 *
 * Context: no aqos_tree_lock or @snap_lock held; does not sleep (the
 * pool's @reclaim_begin, inside a failing pool allocation).
 */
void aqos_snap_take(struct aqos_group *root, unsigned int slot,
		    struct aqos_snapshot *snap)
{
	unsigned long pe[AQOS_NR_PROT];
	struct aqos_group *g;

	snap->root = root;
	snap->slot = slot;
	spin_lock(&aqos_tree_lock);
	snap->seq = atomic64_inc_return(&aqos_snap_seq);
	pe[AQOS_PROT_MIN] = AQOS_UNLIMITED;
	pe[AQOS_PROT_LOW] = AQOS_UNLIMITED;
	aqos_snap_children(root, pe, snap);
	list_for_each_entry(g, &aqos_all, all) {
		if (g == root || g->dead || list_empty(&g->children) ||
		    !aqos_under(g, root))
			continue;
		if (aqos_snap_read(g, snap, &pe[AQOS_PROT_MIN],
				   &pe[AQOS_PROT_LOW]))
			aqos_snap_children(g, pe, snap);
	}
	if (slot == AQOS_SNAP_POOL)
		WRITE_ONCE(aqos_pool_seq, snap->seq);
	spin_unlock(&aqos_tree_lock);
}

/**
 * aqos_snap_pool - the pool's walk's snapshot: the last one taken
 * @snap: out
 *
 * Context: any.
 */
void aqos_snap_pool(struct aqos_snapshot *snap)
{
	snap->root = &aqos_root;
	snap->slot = AQOS_SNAP_POOL;
	snap->seq = READ_ONCE(aqos_pool_seq);
}

/**
 * aqos_tier_in - the reclaim tier (enum aem_reclaim_tier) of @g's regions
 * @g: a group
 * @snap: the walk's snapshot (aqos_snap_take(), aqos_snap_pool()), or
 *	  one of seq 0 for none (the figures as they are now)
 *
 * Pages min protects are never taken (a group whose usage is within its
 * effective min); pages borrowed from a sibling's unused min are taken
 * first, with the BestEffort groups'; then by class; pages low protects
 * only when nothing else is left.  The walk's root's own regions are not
 * protected against its own reclaim: their class decides.
 *
 * Context: any but @g's @snap_lock held.  The core asks again for each
 * page, so a group leaves a tier as soon as its usage reaches the next
 * (its usage now against the protection of the walk's beginning).
 */
unsigned int aqos_tier_in(struct aqos_group *g,
			  const struct aqos_snapshot *snap)
{
	unsigned long usage = max(atomic_long_read(&g->usage), 0L);
	unsigned long emin, elow;

	if (g != snap->root) {
		if (!aqos_snap_read(g, snap, &emin, &elow))
			aqos_effective_under(g, snap->root, &emin, &elow);
		if (usage && usage <= emin)
			return AEM_TIER_NEVER;
		if (aqos_borrowed(g, snap->root))
			return AEM_TIER_BESTEFFORT;
		if (usage && usage <= elow)
			return AEM_TIER_PROTECTED;
	}
	switch (READ_ONCE(g->class)) {
	case AETHER_QOS_CLASS_BESTEFFORT:
		return AEM_TIER_BESTEFFORT;
	case AETHER_QOS_CLASS_REALTIME:
		return AEM_TIER_REALTIME;
	default:
		return AEM_TIER_NORMAL;
	}
}

/**
 * aqos_tier - aqos_tier_in() with the figures as they are now
 * @g: a group
 * @root: the reclaim's root: aqos_root for the pool's, the group at its
 *	  max or high for the group's own
 *
 * Context: any.
 */
unsigned int aqos_tier(struct aqos_group *g, struct aqos_group *root)
{
	struct aqos_snapshot now = { .root = root };

	return aqos_tier_in(g, &now);
}

/**
 * aqos_low_event - reclaim took pages @g's low protected: a low event
 * @g: the group
 */
void aqos_low_event(struct aqos_group *g)
{
	aqos_event(g, AQOS_EV_LOW);
}

/**
 * aqos_groups_in_tier - groups of a walk's root's subtree in tier @tier
 * @snap: the walk's snapshot (its root: the reclaim's)
 * @tier: an enum aem_reclaim_tier
 * @gs: receives them, each referenced (aqos_group_put())
 * @n: room in @gs
 *
 * Context: process context, no aqos_tree_lock held.  Return: how many.
 */
unsigned int aqos_groups_in_tier(const struct aqos_snapshot *snap,
				 unsigned int tier, struct aqos_group **gs,
				 unsigned int n)
{
	struct aqos_group *g;
	unsigned int k = 0;

	spin_lock(&aqos_tree_lock);
	list_for_each_entry(g, &aqos_all, all) {
		if (k == n)
			break;
		if (aqos_under(g, snap->root) &&
		    atomic_long_read(&g->usage) > 0 &&
		    aqos_tier_in(g, snap) == tier &&
		    refcount_inc_not_zero(&g->ref))
			gs[k++] = g;
	}
	spin_unlock(&aqos_tree_lock);
	return k;
}

/**
 * aqos_group_path - @g's path from the root, "a/b/c" ("" for the root)
 * @g: a group
 * @buf: where
 * @len: its size
 *
 * Return: the length, or -ENAMETOOLONG.
 */
int aqos_group_path(struct aqos_group *g, char *buf, size_t len)
{
	struct aqos_group *chain[AQOS_MAX_LEVEL + 1];
	struct aqos_group *c;
	size_t pos = 0;
	int n = 0, ret;

	for (c = g; c->parent && n <= AQOS_MAX_LEVEL; c = c->parent)
		chain[n++] = c;
	buf[0] = '\0';
	while (n--) {
		ret = snprintf(buf + pos, len - pos, "%s%s", pos ? "/" : "",
			       chain[n]->name);
		if (ret >= len - pos)
			return -ENAMETOOLONG;
		pos += ret;
	}
	return pos;
}

/* ---- load and unload ------------------------------------------------ */

/**
 * aqos_group_init - the root group
 *
 * Return: 0.
 */
int aqos_group_init(void)
{
	return 0;
}

/**
 * aqos_group_drain - forget every region's charges and references
 *
 * The policy table is gone (policy.c's @drain): no callback runs or will,
 * and the regions' cookies are forgotten.  Context: may sleep.
 */
void aqos_group_drain(void)
{
	struct aqos_group *g;

	mutex_lock(&aqos_lock);
	spin_lock(&aqos_tree_lock);
	list_for_each_entry(g, &aqos_all, all) {
		atomic_long_set(&g->usage, 0);
		atomic_long_set(&g->min_usage, 0);
		atomic_long_set(&g->low_usage, 0);
		atomic_long_set(&g->children_min_usage, 0);
		atomic_long_set(&g->children_low_usage, 0);
		atomic_long_set(&g->nr_regions, 0);
		atomic_long_set(&g->zswap, 0);
		atomic_long_set(&g->zswapped, 0);
		atomic_long_set(&g->zswap_pages, 0);
		atomic_long_set(&g->zswap_own, 0);
		atomic_long_set(&g->integ, 0);
		atomic_long_set(&g->integ_copies, 0);
		atomic_long_set(&g->integ_sums, 0);
		atomic_long_set(&g->integ_pages, 0);
		atomic_long_set(&g->integ_own, 0);
	}
	spin_unlock(&aqos_tree_lock);
	atomic_long_set(&aqos_root.usage, 0);
	atomic_long_set(&aqos_root.zswap, 0);
	atomic_long_set(&aqos_root.zswapped, 0);
	atomic_long_set(&aqos_root.zswap_pages, 0);
	atomic_long_set(&aqos_root.zswap_own, 0);
	atomic_long_set(&aqos_root.integ, 0);
	atomic_long_set(&aqos_root.integ_copies, 0);
	atomic_long_set(&aqos_root.integ_sums, 0);
	atomic_long_set(&aqos_root.integ_pages, 0);
	atomic_long_set(&aqos_root.integ_own, 0);
	atomic_long_set(&aqos_root.children_min_usage, 0);
	atomic_long_set(&aqos_root.children_low_usage, 0);
	mutex_unlock(&aqos_lock);
}

/**
 * aqos_group_exit - free every member and group
 *
 * Context: the device, debugfs and the policy table are gone: nobody
 * holds a group any more but the tree, the members and the forgotten
 * regions, whose references go with them.
 */
void aqos_group_exit(void)
{
	struct aqos_group *g, *next;
	struct aqos_member *m;
	struct hlist_node *tmp;
	unsigned int level;
	int bkt;

	mutex_lock(&aqos_lock);
	spin_lock(&aqos_member_lock);
	hash_for_each_safe(aqos_members, bkt, tmp, m, hnode) {
		hash_del_rcu(&m->hnode);
		list_del(&m->gnode);
		call_rcu(&m->rcu, aqos_member_free_rcu);
	}
	spin_unlock(&aqos_member_lock);
	mutex_unlock(&aqos_lock);
	rcu_barrier();
	/* The live groups' pressure, the deepest first. */
	for (level = AQOS_MAX_LEVEL + 1; level > 0; level--)
		list_for_each_entry(g, &aqos_all, all)
			if (g->level == level && !g->dead)
				aqos_psi_destroy(&g->psi);
	list_for_each_entry_safe(g, next, &aqos_all, all) {
		list_del(&g->all);
		kfree(g);
	}
	xa_destroy(&aqos_groups);
	xa_destroy(&aqos_users);
	INIT_LIST_HEAD(&aqos_root.children);
	aqos_nr_groups = 0;
	aqos_nr_user_groups = 0;
}
