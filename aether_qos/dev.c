// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/aether_qos: making, setting and reading groups
 *
 * DOC: Overview
 *
 * The ioctls of include/uapi/linux/aether_qos.h.  The device is root's,
 * mode 0600; the box gives it to the group aether, 0660, as a udev rule
 * would, so its holders are unprivileged users (DESIGN.md section 8).
 *
 * Who may do what.  GET and LIST: anyone holding the device (a group's
 * name, limits and usage are no one's secret, as a cgroup's files are
 * world-readable).  The rest: CAP_SYS_ADMIN, or delegation, cgroup v2's
 * rule: the owner of a group manages its children (aqos_manages()):
 *
 *   CREATE	under a parent the caller owns; at most groups_per_user
 *		groups owned by one uid at once (-EDQUOT); class RealTime
 *		and @owner_uid need CAP_SYS_ADMIN
 *   SET	a group whose parent the caller owns; RealTime needs
 *		CAP_SYS_ADMIN.  A RealTime group's min and low also size
 *		the pool's reserve (policy.c, aqos_rt_reserve_update();
 *		aether_mm keeps at most 1/8 of each zone for it)
 *   DESTROY	a group whose parent the caller owns
 *   ATTACH_PID	a process whose real and effective uid are the caller's
 *		effective uid, from its group now (its nearest attached
 *		ancestor's, else its user's default group) to the target
 *		group, both inside one subtree whose top the caller owns
 *		(cgroup's "common ancestor" rule), so a user can only move
 *		their own processes around inside what was given to them
 *   ATTACH_REGION a group the caller may charge (aqos_may_charge(): the
 *		targets ATTACH_PID allows, the caller's default group
 *		included) and a region the caller created, by a writable fd
 *		(checked by aether_mm, aem_region_attach())
 *
 * A user's default group is owned by that user and sits under the root,
 * which nobody owns: the user makes and manages groups inside it, all of
 * them bounded by its max, and cannot change that max.
 *
 * Each command copies its struct in with aem_copy_in(), refuses unknown
 * flags and non-zero reserved fields (-EINVAL), holds a reference to every
 * group it names until it returns, and copies its struct back with every
 * byte it did not fill zeroed.  An unknown command is -ENOTTY.
 *
 * Group fds (OPEN): a group's memory.pressure as a file (cgroup v2's,
 * and PSI's /proc/pressure/memory): read gives the "some" line, write
 * makes the fd's one trigger, poll waits for its events (pressure.c).
 * The fd holds a reference to its group, so the group's memory stays;
 * DESTROY does not wait for it: from then on the trigger says EPOLLERR.
 * Whether a trigger is privileged (any window) is decided by the
 * credentials the fd was opened with (CAP_SYS_RESOURCE), as PSI does.
 * Anyone holding the device may OPEN any group, as anyone may read a
 * cgroup's memory.pressure: a group's pressure is no more a secret than
 * its usage (GET), and an unprivileged trigger's window is 2 s at least.
 * The fd's memory is charged to its opener's memory cgroup.
 *
 * A group fd also names its group to aether_mm: REGION_CREATE with
 * AETHER_MM_REGION_QOS_GROUP charges the new region to it
 * (aqos_gfd_group(), policy.c), if the caller may (aqos_may_charge()).
 *
 * Lock order (internal.h): every command that changes the tree holds
 * aqos_lock (1) around the change; GET takes no lock; a group fd's
 * @lock is taken alone, around pressure.c's calls.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <aether/ioctl.h>

#include "internal.h"

/* ---- permissions ---------------------------------------------------- */

/* Does the caller own @g, so as to manage its children? */
static bool aqos_owns(struct aqos_group *g)
{
	return uid_valid(g->owner) && uid_eq(g->owner, current_euid());
}

/* May the caller change @g (SET, DESTROY, attach into it)? */
static bool aqos_manages(struct aqos_group *g)
{
	if (capable(CAP_SYS_ADMIN))
		return true;
	return g->parent && aqos_owns(g->parent);
}

/*
 * aqos_may_move - may the caller move a process from @from to @to?  Both
 * must be inside one subtree whose top the caller owns (or be that top):
 * some group the caller owns is above (or is) both.
 */
static bool aqos_may_move(struct aqos_group *from, struct aqos_group *to)
{
	struct aqos_group *a;

	for (a = from; a; a = a->parent)
		if (aqos_owns(a) && aqos_under(to, a))
			return true;
	return false;
}

static int aqos_name_valid(const char *name)
{
	size_t len = strnlen(name, AETHER_QOS_NAME_MAX);
	size_t i;

	if (!len || len == AETHER_QOS_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return -EINVAL;
	return 0;
}

/* ---- the commands --------------------------------------------------- */

static int aqos_create_owner(const struct aether_qos_create *c, kuid_t *owner)
{
	if (!(c->flags & AETHER_QOS_CREATE_OWNER)) {
		if (c->owner_uid)
			return -EINVAL;
		*owner = current_euid();
		return 0;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (c->owner_uid == AETHER_QOS_NO_OWNER) {
		*owner = INVALID_UID;
		return 0;
	}
	*owner = make_kuid(current_user_ns(), c->owner_uid);
	return uid_valid(*owner) ? 0 : -EINVAL;
}

static long aqos_ioc_create(void __user *uarg)
{
	struct aether_qos_create c;
	struct aqos_group *parent, *g;
	kuid_t owner;
	int ret;

	ret = aem_copy_in(&c, sizeof(c), uarg);
	if (ret)
		return ret;
	if (c.flags & ~AETHER_QOS_CREATE_OWNER || c.id ||
	    c.class >= AETHER_QOS_NR_CLASSES || aqos_name_valid(c.name))
		return -EINVAL;
	ret = aqos_create_owner(&c, &owner);
	if (ret)
		return ret;
	if (c.class == AETHER_QOS_CLASS_REALTIME && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	parent = aqos_group_get(c.parent_id);
	if (!parent)
		return -ENOENT;

	mutex_lock(&aqos_lock);
	if (!capable(CAP_SYS_ADMIN)) {
		ret = -EPERM;
		if (!aqos_owns(parent))
			goto out_unlock;
		ret = -EDQUOT;
		if (aqos_groups_owned(owner) >= READ_ONCE(aqos_groups_per_user))
			goto out_unlock;
	}
	g = aqos_group_create(parent, c.name, c.class, owner, 0);
	ret = PTR_ERR_OR_ZERO(g);
	if (!ret)
		c.id = g->id;
out_unlock:
	mutex_unlock(&aqos_lock);
	aqos_group_put(parent);
	if (ret)
		return ret;
	c.size = sizeof(c);
	return aem_copy_out(uarg, &c, sizeof(c));
}

static long aqos_ioc_destroy(void __user *uarg)
{
	struct aether_qos_destroy d;
	struct aqos_group *g;
	int ret;

	ret = aem_copy_in(&d, sizeof(d), uarg);
	if (ret)
		return ret;
	if (d.id == AETHER_QOS_ROOT_ID)
		return -EINVAL;
	g = aqos_group_get(d.id);
	if (!g)
		return -ENOENT;
	mutex_lock(&aqos_lock);
	if (!aqos_manages(g))
		ret = -EPERM;
	else if (READ_ONCE(g->dead))
		ret = -ENOENT;
	else
		ret = aqos_group_destroy(g);
	if (!ret)
		aqos_rt_reserve_update();
	mutex_unlock(&aqos_lock);
	aqos_group_put(g);
	return ret;
}

/* The value SET gives a limit: @v when @bit is in the mask, else @old. */
static unsigned long aqos_pick(const struct aether_qos_set *s, u32 bit, u64 v,
			       unsigned long old)
{
	if (!(s->mask & bit))
		return old;
	return v >= AQOS_UNLIMITED ? AQOS_UNLIMITED : v;
}

/* At most this many pages reclaimed by one SET. */
#define AQOS_SET_RECLAIM_MAX	4096UL

/* One SET's reclaim at a time, whoever asks: the others wait (killable). */
static DEFINE_MUTEX(aqos_set_reclaim_lock);

/*
 * A high or max was lowered below usage: reclaim the group's cold pages
 * down to it, in the writer's context, as writing memory.high or
 * memory.max does (mm/memcontrol.c, memory_high_write()), without
 * memory.max's OOM kill: what cannot be reclaimed stays, charges are
 * refused until usage is below max, and over high the group's tasks are
 * throttled.  Round after round until usage is within the limit, as
 * long as rounds take pages (AQOS_RECLAIM_RETRIES rounds without one
 * end it), waiting for the core's locks (the SET holds none); bounded so
 * that no user holds the core's reclaim for long: AQOS_SET_RECLAIM_MAX
 * pages at most, and killable (a fatal signal ends it, and the wait for
 * another SET's reclaim).  The limit is set whatever happens here.
 */
static void aqos_reclaim_to_limit(struct aqos_group *g, unsigned long old)
{
	unsigned long budget = AQOS_SET_RECLAIM_MAX;
	unsigned int idle = 0;
	long usage, limit, got;

	limit = min(READ_ONCE(g->high), READ_ONCE(g->max));
	if (limit >= old || atomic_long_read(&g->usage) <= limit)
		return;
	if (mutex_lock_killable(&aqos_set_reclaim_lock))
		return;
	while (budget && !fatal_signal_pending(current)) {
		usage = atomic_long_read(&g->usage);
		limit = min(READ_ONCE(g->high), READ_ONCE(g->max));
		if (usage <= limit)
			break;
		got = aqos_group_reclaim(g, min_t(unsigned long, usage - limit,
						  budget), 0);
		if (got > 0) {
			budget -= min_t(unsigned long, got, budget);
			idle = 0;
		} else if (++idle >= AQOS_RECLAIM_RETRIES) {
			break;
		}
		cond_resched();
	}
	mutex_unlock(&aqos_set_reclaim_lock);
}

/* SET's fields outside its mask must be zero: they may mean more later. */
static bool aqos_set_unused_zero(const struct aether_qos_set *s)
{
	return (s->mask & AETHER_QOS_SET_CLASS || !s->class) &&
	       (s->mask & AETHER_QOS_SET_MIN || !s->min) &&
	       (s->mask & AETHER_QOS_SET_LOW || !s->low) &&
	       (s->mask & AETHER_QOS_SET_HIGH || !s->high) &&
	       (s->mask & AETHER_QOS_SET_MAX || !s->max);
}

/*
 * Does @s change what @g is owed as a RealTime group (its min or low
 * while it is, or will be, RealTime)?  That sizes the pool's reserve for
 * every user (aqos_rt_reserve_update()), so it is the administrator's,
 * as the class itself is.  aqos_lock held.
 */
static bool aqos_set_sizes_reserve(struct aqos_group *g,
				   const struct aether_qos_set *s)
{
	u32 class = s->mask & AETHER_QOS_SET_CLASS ? s->class : g->class;

	lockdep_assert_held(&aqos_lock);
	return class == AETHER_QOS_CLASS_REALTIME &&
	       s->mask & (AETHER_QOS_SET_MIN | AETHER_QOS_SET_LOW);
}

static long aqos_ioc_set(void __user *uarg)
{
	struct aether_qos_set s;
	struct aqos_group *g;
	unsigned long old = 0;
	int ret = 0;

	ret = aem_copy_in(&s, sizeof(s), uarg);
	if (ret)
		return ret;
	if (!s.mask || s.mask & ~AETHER_QOS_SET_ALL ||
	    s.id == AETHER_QOS_ROOT_ID || !aqos_set_unused_zero(&s) ||
	    (s.mask & AETHER_QOS_SET_CLASS && s.class >= AETHER_QOS_NR_CLASSES))
		return -EINVAL;
	if (s.mask & AETHER_QOS_SET_CLASS &&
	    s.class == AETHER_QOS_CLASS_REALTIME && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	g = aqos_group_get(s.id);
	if (!g)
		return -ENOENT;
	mutex_lock(&aqos_lock);
	if (!aqos_manages(g)) {
		ret = -EPERM;
	} else if (READ_ONCE(g->dead)) {
		ret = -ENOENT;
	} else if (aqos_set_sizes_reserve(g, &s) && !capable(CAP_SYS_ADMIN)) {
		/* A RealTime group's min and low size the pool's reserve. */
		ret = -EPERM;
	} else {
		old = min(g->high, g->max);
		aqos_group_set_limits(g, aqos_pick(&s, AETHER_QOS_SET_MIN, s.min, g->min),
				      aqos_pick(&s, AETHER_QOS_SET_LOW, s.low, g->low),
				      aqos_pick(&s, AETHER_QOS_SET_HIGH, s.high, g->high),
				      aqos_pick(&s, AETHER_QOS_SET_MAX, s.max, g->max));
		if (s.mask & AETHER_QOS_SET_CLASS)
			WRITE_ONCE(g->class, s.class);
		aqos_rt_reserve_update();
	}
	mutex_unlock(&aqos_lock);
	if (!ret && s.mask & (AETHER_QOS_SET_HIGH | AETHER_QOS_SET_MAX))
		aqos_reclaim_to_limit(g, old);
	aqos_group_put(g);
	return ret;
}

static u64 aqos_limit_out(unsigned long pages)
{
	return pages >= AQOS_UNLIMITED ? AETHER_QOS_UNLIMITED : pages;
}

/**
 * aqos_group_fill - @g's figures as GET gives them
 * @g: a group, referenced
 * @gi: zeroed by the caller
 */
void aqos_group_fill(struct aqos_group *g, struct aether_qos_group_info *gi)
{
	unsigned long emin, elow;
	struct aqos_group *c;
	int i;

	gi->id = g->id;
	gi->parent_id = g->parent ? g->parent->id : AETHER_QOS_ROOT_ID;
	gi->class = READ_ONCE(g->class);
	gi->flags = g->flags;
	gi->owner_uid = uid_valid(g->owner) ?
		from_kuid_munged(current_user_ns(), g->owner) :
		AETHER_QOS_NO_OWNER;
	rcu_read_lock();
	list_for_each_entry_rcu(c, &g->children, sibling)
		gi->nr_children++;
	rcu_read_unlock();
	gi->nr_members = READ_ONCE(g->nr_members);
	strscpy(gi->name, g->name, sizeof(gi->name));
	gi->usage = max(atomic_long_read(&g->usage), 0L);
	gi->peak = atomic_long_read(&g->peak);
	gi->min = aqos_limit_out(READ_ONCE(g->min));
	gi->low = aqos_limit_out(READ_ONCE(g->low));
	gi->high = aqos_limit_out(READ_ONCE(g->high));
	gi->max = aqos_limit_out(READ_ONCE(g->max));
	aqos_effective(g, &emin, &elow);
	gi->emin = emin;
	gi->elow = elow;
	for (i = 0; i < AQOS_NR_EVENTS; i++) {
		gi->events[i] = atomic_long_read(&g->events[i]);
		gi->events_local[i] = atomic_long_read(&g->events_local[i]);
	}
	gi->nr_regions = atomic_long_read(&g->nr_regions);
	gi->charged = atomic_long_read(&g->charged);
	gi->uncharged = atomic_long_read(&g->uncharged);
	gi->refused = atomic_long_read(&g->refused);
	gi->zswap = max(atomic_long_read(&g->zswap), 0L);
	gi->zswapped = max(atomic_long_read(&g->zswapped), 0L);
	gi->resident = aqos_resident(g);
}

static long aqos_ioc_get(void __user *uarg)
{
	struct aether_qos_group_info gi;
	struct aqos_group *g;
	u32 id;
	int ret;

	ret = aem_copy_in(&gi, sizeof(gi), uarg);
	if (ret)
		return ret;
	id = gi.id;
	g = aqos_group_get(id);
	if (!g)
		return -ENOENT;
	memset(&gi, 0, sizeof(gi));
	gi.size = sizeof(gi);
	aqos_group_fill(g, &gi);
	aqos_group_put(g);
	/*
	 * Any member may read any group, as cgroupfs lets anyone read
	 * memory.current; but the compressed size to the byte says how well
	 * the group's pages compress, which tells of their contents (review
	 * s29, finding 4): below CAP_SYS_ADMIN it is given in whole pages,
	 * the grain usage already shows.
	 */
	if (!capable(CAP_SYS_ADMIN))
		gi.zswap = round_up(gi.zswap, PAGE_SIZE);
	return aem_copy_out(uarg, &gi, sizeof(gi));
}

/*
 * aqos_attach_allowed - may the caller move @pid's process into @to?
 * Context: aqos_lock held.
 */
static int aqos_attach_allowed(struct pid *pid, struct aqos_group *to)
{
	struct aqos_group *from;
	struct task_struct *task;
	const struct cred *tcred;
	kuid_t euid = current_euid();
	int ret = 0;

	lockdep_assert_held(&aqos_lock);
	if (capable(CAP_SYS_ADMIN))
		return 0;
	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		ret = -ESRCH;
		goto out;
	}
	tcred = __task_cred(task);
	if (!uid_eq(tcred->uid, euid) || !uid_eq(tcred->euid, euid)) {
		ret = -EPERM;
		goto out;
	}
	/* Where its regions go now: its group, else its user's. */
	from = aqos_group_of_task(task);
	if (!from)
		from = aqos_user_group_find(tcred->uid);
	if (to == &aqos_root)	/* detach: back to its user's default group */
		to = aqos_user_group_find(tcred->uid);
	if (!from || !to || !aqos_may_move(from, to))
		ret = -EPERM;
out:
	rcu_read_unlock();
	return ret;
}

static long aqos_ioc_attach(void __user *uarg)
{
	struct aether_qos_attach a;
	struct aqos_group *g;
	struct pid *pid;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags || a.pid <= 0)
		return -EINVAL;
	pid = find_get_pid(a.pid);
	if (!pid)
		return -ESRCH;
	g = aqos_group_get(a.id);
	if (!g) {
		put_pid(pid);
		return -ENOENT;
	}
	mutex_lock(&aqos_lock);
	if (READ_ONCE(g->dead))
		ret = -ENOENT;
	else if (!pid_has_task(pid, PIDTYPE_TGID))
		ret = -ESRCH;	/* a thread's id, or gone */
	else
		ret = aqos_attach_allowed(pid, g);
	if (!ret && g != &aqos_root && !aqos_manages(g))
		ret = -EPERM;
	if (!ret)
		ret = aqos_group_attach(g, pid);
	mutex_unlock(&aqos_lock);
	aqos_group_put(g);
	put_pid(pid);
	return ret;
}

/*
 * ATTACH_REGION: the group's side of the rules here (aqos_may_charge()),
 * the region's in aether_mm (aem_region_attach()).
 */
static long aqos_ioc_attach_region(void __user *uarg)
{
	struct aether_qos_attach_region a;
	struct aqos_group *g;
	struct file *file;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags)
		return -EINVAL;
	file = fget(a.region_fd);
	if (!file)
		return -EBADF;
	g = aqos_group_get(a.id);
	if (!g)
		ret = -ENOENT;
	else if (READ_ONCE(g->dead))
		ret = -ENOENT;
	else if (!aqos_may_charge(g))
		ret = -EPERM;
	else
		ret = aqos_region_attach(file, g);
	aqos_group_put(g);
	fput(file);
	return ret;
}

static long aqos_ioc_list(void __user *uarg)
{
	struct aether_qos_list l;
	struct aqos_group *g;
	unsigned long id = 0;
	u32 *ids = NULL, n, room, i;
	int ret;

	ret = aem_copy_in(&l, sizeof(l), uarg);
	if (ret)
		return ret;
	if (l.count && !l.ids_ptr)
		return -EINVAL;
	mutex_lock(&aqos_lock);
	n = 1;				/* the root */
	while ((g = aqos_groups_next(&id)))
		n++;
	room = min(l.count, n);
	if (room) {
		ids = kvcalloc(room, sizeof(*ids), GFP_KERNEL);
		if (!ids) {
			mutex_unlock(&aqos_lock);
			return -ENOMEM;
		}
		ids[0] = AETHER_QOS_ROOT_ID;
		id = 0;
		for (i = 1; i < room && (g = aqos_groups_next(&id)); i++)
			ids[i] = g->id;
	}
	mutex_unlock(&aqos_lock);
	ret = 0;
	if (room && copy_to_user(u64_to_user_ptr(l.ids_ptr), ids,
				 min(n, room) * sizeof(*ids)))
		ret = -EFAULT;
	kvfree(ids);
	if (ret)
		return ret;
	l.size = sizeof(l);
	l.count = n;
	return aem_copy_out(uarg, &l, sizeof(l));
}

/* ---- group fds ------------------------------------------------------ */

/**
 * struct aqos_gfd - an open group fd
 * @group:	its group, referenced
 * @lock:	@trigger
 * @trigger:	the trigger written to it, or NULL
 * @privileged:	CAP_SYS_RESOURCE when it was opened
 */
struct aqos_gfd {
	struct aqos_group *group;
	struct mutex lock;		/* @trigger: one write makes it */
	struct aqos_trigger *trigger;
	bool privileged;
};

static ssize_t aqos_gfd_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct aqos_gfd *gfd = file->private_data;
	char buf[128];
	u32 avg[3];
	u64 total;
	int len;

	aqos_psi_read(aqos_group_psi(gfd->group), &total, avg);
	len = scnprintf(buf, sizeof(buf),
			"some avg10=%u.%02u avg60=%u.%02u avg300=%u.%02u total=%llu\n",
			avg[0] / 100, avg[0] % 100, avg[1] / 100, avg[1] % 100,
			avg[2] / 100, avg[2] % 100, total);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t aqos_gfd_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct aqos_gfd *gfd = file->private_data;
	struct aqos_trigger *t;
	char buf[64];
	size_t len;

	if (!count)
		return -EINVAL;
	len = min(count, sizeof(buf) - 1);
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	mutex_lock(&gfd->lock);
	if (gfd->trigger) {
		mutex_unlock(&gfd->lock);
		return -EBUSY;
	}
	t = aqos_trigger_create(aqos_group_psi(gfd->group), buf, len,
				gfd->privileged);
	if (!IS_ERR(t)) {
		/* Published whole to poll(), which reads it without @lock. */
		smp_store_release(&gfd->trigger, t);
	}
	mutex_unlock(&gfd->lock);
	return IS_ERR(t) ? PTR_ERR(t) : count;
}

static __poll_t aqos_gfd_poll(struct file *file, poll_table *wait)
{
	struct aqos_gfd *gfd = file->private_data;
	/* Pairs with the release in write(): a trigger seen is whole. */
	struct aqos_trigger *t = smp_load_acquire(&gfd->trigger);

	if (!t)
		return DEFAULT_POLLMASK | EPOLLERR | EPOLLPRI;
	return aqos_trigger_poll(t, file, wait);
}

static const struct file_operations aqos_gfd_fops;

/**
 * aqos_gfd_group - the group of a group fd's file
 * @file: any file, held by the caller
 *
 * Return: its group (referenced by the file, so valid while the caller
 * holds @file), or NULL when @file is not a group fd of ours.
 */
struct aqos_group *aqos_gfd_group(struct file *file)
{
	struct aqos_gfd *gfd;

	if (file->f_op != &aqos_gfd_fops)
		return NULL;
	gfd = file->private_data;
	return gfd->group;
}

/**
 * aqos_may_charge - may the caller charge its regions to @g?
 * @g: a group, referenced
 *
 * The groups ATTACH_PID may put the caller's processes in (review L5:
 * the two rules are one): CAP_SYS_ADMIN; a group whose parent the caller
 * owns (aqos_manages(), ATTACH_PID's target rule); or the caller's own
 * default group, where ATTACH_PID to the root (detach) puts them.  A
 * group the caller owns but whose parent it does not (one an admin made
 * for it with CREATE_OWNER) is not enough: its children are the caller's
 * to charge, not the group itself.  The root group needs CAP_SYS_ADMIN.
 *
 * Return: true when it may.
 */
bool aqos_may_charge(struct aqos_group *g)
{
	if ((g->flags & AETHER_QOS_GROUP_USER) && aqos_owns(g))
		return true;
	return aqos_manages(g);
}

static int aqos_gfd_release(struct inode *inode, struct file *file)
{
	struct aqos_gfd *gfd = file->private_data;

	aqos_trigger_free(gfd->trigger);
	aqos_group_put(gfd->group);
	kfree(gfd);
	return 0;
}

static const struct file_operations aqos_gfd_fops = {
	.owner		= THIS_MODULE,
	.read		= aqos_gfd_read,
	.write		= aqos_gfd_write,
	.poll		= aqos_gfd_poll,
	.release	= aqos_gfd_release,
	.llseek		= default_llseek,	/* lseek(0) reads anew */
};

/* The file of a group fd, installed at @fd: 0 or -errno. */
static int aqos_gfd_install(int fd, struct aqos_gfd *gfd)
{
	struct file *file;

	file = anon_inode_getfile("[aether_qos_group]", &aqos_gfd_fops, gfd,
				  O_RDWR);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* read at an offset, as the files of /proc/pressure are */
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return 0;
}

static long aqos_ioc_open(void __user *uarg)
{
	struct aether_qos_open o;
	struct aqos_gfd *gfd;
	int ret, fd;

	ret = aem_copy_in(&o, sizeof(o), uarg);
	if (ret)
		return ret;
	if (o.flags)
		return -EINVAL;
	gfd = kzalloc(sizeof(*gfd), GFP_KERNEL_ACCOUNT);
	if (!gfd)
		return -ENOMEM;
	mutex_init(&gfd->lock);
	gfd->privileged = capable(CAP_SYS_RESOURCE);
	gfd->group = aqos_group_get(o.id);
	if (!gfd->group) {
		kfree(gfd);
		return -ENOENT;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out_put;
	}
	o.size = sizeof(o);
	o.fd = fd;
	ret = aem_copy_out(uarg, &o, sizeof(o));
	if (ret)
		goto out_fd;
	ret = aqos_gfd_install(fd, gfd);
	if (ret)
		goto out_fd;
	return 0;

out_fd:
	put_unused_fd(fd);
out_put:
	aqos_group_put(gfd->group);
	kfree(gfd);
	return ret;
}

static long aqos_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_QOS_IOC_CREATE):
		return aqos_ioc_create(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_DESTROY):
		return aqos_ioc_destroy(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_SET):
		return aqos_ioc_set(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_GET):
		return aqos_ioc_get(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_ATTACH_PID):
		return aqos_ioc_attach(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_LIST):
		return aqos_ioc_list(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_OPEN):
		return aqos_ioc_open(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_ATTACH_REGION):
		return aqos_ioc_attach_region(uarg);
	default:
		return aqos_fw_ioctl(cmd, uarg);	/* FW_*: firewall.c */
	}
}

static const struct file_operations aqos_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= aqos_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice aqos_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aether_qos",
	.fops	= &aqos_fops,
	.mode	= 0600,
};

/**
 * aqos_dev_init - register /dev/aether_qos
 *
 * Return: 0, or the error of misc_register().
 */
int aqos_dev_init(void)
{
	return misc_register(&aqos_misc);
}

/**
 * aqos_dev_exit - remove it (no file is open: each pins the module)
 */
void aqos_dev_exit(void)
{
	misc_deregister(&aqos_misc);
}
