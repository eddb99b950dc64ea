/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aether_qos.h - userspace interface of Aether's memory QoS groups
 * (/dev/aether_qos)
 *
 * A QoS group is a budget of pool pages, as a cgroup v2 memory controller
 * group is a budget of memory: the pages of every region charged to it
 * (a region is charged to the group of the process that created it, see
 * ATTACH_PID) count in it and in each of its ancestors, and a page that
 * would take one of them above its @max is refused (a fault gets SIGBUS,
 * an ioctl -ENOMEM).  Groups form a tree under the root group, id
 * AETHER_QOS_ROOT_ID, which has no limits and counts every charged page.
 * A process nobody attached is charged to its user's default group,
 * "user.<uid>" under the root, made when the uid first creates a region
 * (its max: the module parameter user_max_pages).
 *
 * Limits and usage are in pages (the pool's, PAGE_SIZE bytes).
 * AETHER_QOS_UNLIMITED is "max" in a cgroup file: no limit.
 *
 * The conventions are those of aether_mm.h: every command takes a struct
 * whose first field is @size, the size of the struct as the caller knows
 * it (copy_struct_from_user() convention); reserved fields must be zero
 * (-EINVAL); unknown commands fail with -ENOTTY.  Fields are marked (in),
 * (out) or (in/out).
 *
 * Who may do what (DESIGN.md section 8).  GET, LIST and OPEN are open to
 * whoever holds the device.  CREATE, DESTROY, SET, ATTACH_PID and
 * ATTACH_REGION need
 * CAP_SYS_ADMIN, or delegation as in cgroup v2: the owner of a group
 * (struct aether_qos_group_info @owner_uid) manages its children.  A
 * user's default group is owned by that user, so anyone may make
 * subgroups of their own default group (which still bound them: a
 * child's pages count in it), set their limits and move their own
 * processes between them.  Without CAP_SYS_ADMIN: the parent must be
 * owned by the caller's effective uid (-EPERM otherwise); class RealTime
 * is refused (-EPERM); ATTACH_PID takes only a process whose real and
 * effective uids are the caller's effective uid, from a group the caller
 * manages or from its default group, into a group the caller manages
 * (-EPERM otherwise); ATTACH_REGION and REGION_CREATE's QOS_GROUP take a
 * group the caller may charge: one whose parent the caller owns, or the
 * caller's default group (the groups ATTACH_PID may put its processes
 * in); at most groups_per_user groups (module parameter)
 * are owned by one uid (-EDQUOT beyond).  Every struct has the same
 * layout on i386 and x86-64, without implicit padding
 * (scripts/tests/uapi-layout-test.sh checks it).
 */
#ifndef _UAPI_LINUX_AETHER_QOS_H
#define _UAPI_LINUX_AETHER_QOS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AETHER_QOS_IOC_MAGIC		0xE5

#define AETHER_QOS_ROOT_ID		0	/* the root group */
#define AETHER_QOS_NAME_MAX		32	/* with its NUL */
#define AETHER_QOS_UNLIMITED		(~(__u64)0)
#define AETHER_QOS_NO_OWNER		(~(__u32)0)	/* @owner_uid: nobody */

/*
 * Classes.  Stored and reported now; the reclaim order and the RealTime
 * reserve they select need the core's reclaim tiers (not built yet).
 */
#define AETHER_QOS_CLASS_NORMAL		0	/* the default */
#define AETHER_QOS_CLASS_BESTEFFORT	1	/* reclaimed first */
#define AETHER_QOS_CLASS_REALTIME	2	/* reclaimed last (CAP_SYS_ADMIN) */
#define AETHER_QOS_NR_CLASSES		3

/* struct aether_qos_group_info.flags */
#define AETHER_QOS_GROUP_USER		(1U << 0)	/* a user's default group */
#define AETHER_QOS_GROUP_ROOT		(1U << 1)	/* the root group */

/* Events, the indexes of @events and @events_local, memory.events' names */
#define AETHER_QOS_EVENT_LOW		0	/* reclaimed below low */
#define AETHER_QOS_EVENT_HIGH		1	/* a charge went above high */
#define AETHER_QOS_EVENT_MAX		2	/* a charge met max */
#define AETHER_QOS_EVENT_OOM		3	/* a charge failed at max */
#define AETHER_QOS_NR_EVENTS		4

/* struct aether_qos_create.flags */
#define AETHER_QOS_CREATE_OWNER		(1U << 0)	/* @owner_uid given */

/**
 * struct aether_qos_create - AETHER_QOS_IOC_CREATE
 * @size:	(in) sizeof(struct aether_qos_create)
 * @parent_id:	(in) the group to make it under (AETHER_QOS_ROOT_ID: the
 *		root); -ENOENT if there is none
 * @class:	(in) AETHER_QOS_CLASS_*
 * @flags:	(in) AETHER_QOS_CREATE_*
 * @owner_uid:	(in) with AETHER_QOS_CREATE_OWNER: who will manage its
 *		children, a uid of the caller's user namespace, or
 *		AETHER_QOS_NO_OWNER (CAP_SYS_ADMIN only: -EPERM); without
 *		it the caller's effective uid owns it; zero otherwise
 * @id:		(out) its id
 * @name:	(in) NUL-terminated, 1..31 of [A-Za-z0-9_-], unique among
 *		the parent's children (-EEXIST), -EINVAL otherwise
 *
 * The group starts with no limits (min 0, low 0, high and max
 * AETHER_QOS_UNLIMITED).  At most groups_max groups exist at once
 * (-ENOSPC), and 16 levels below the root (-EMLINK).
 */
struct aether_qos_create {
	__u32 size;
	__u32 parent_id;
	__u32 class;
	__u32 flags;
	__u32 owner_uid;
	__u32 id;
	char name[AETHER_QOS_NAME_MAX];
};

/**
 * struct aether_qos_destroy - AETHER_QOS_IOC_DESTROY
 * @size:	(in) sizeof(struct aether_qos_destroy)
 * @id:		(in) the group; not the root (-EINVAL)
 *
 * Refused with -EBUSY while the group has children, attached processes
 * that still run, regions charged to it, or pages charged: the caller
 * moves or ends them first.  Attached processes that have exited are
 * forgotten at that point.
 */
struct aether_qos_destroy {
	__u32 size;
	__u32 id;
};

/* struct aether_qos_set.mask */
#define AETHER_QOS_SET_MIN		(1U << 0)
#define AETHER_QOS_SET_LOW		(1U << 1)
#define AETHER_QOS_SET_HIGH		(1U << 2)
#define AETHER_QOS_SET_MAX		(1U << 3)
#define AETHER_QOS_SET_CLASS		(1U << 4)
#define AETHER_QOS_SET_ALL		((1U << 5) - 1)

/**
 * struct aether_qos_set - AETHER_QOS_IOC_SET
 * @size:	(in) sizeof(struct aether_qos_set)
 * @id:		(in) the group; not the root (-EINVAL)
 * @mask:	(in) AETHER_QOS_SET_*, at least one
 * @class:	(in) AETHER_QOS_CLASS_*
 * @min:	(in) pages never reclaimed (cgroup memory.min)
 * @low:	(in) pages reclaimed only when nothing else is left
 *		(memory.low)
 * @high:	(in) pages above which a charge counts a high event and
 *		the task that made it reclaims and is throttled on its
 *		way back to user mode (memory.high: memcg's penalty, at
 *		most 2 s a time)
 * @max:	(in) pages it never goes above (memory.max): a charge
 *		beyond it first reclaims the group's cold pages, then fails
 *
 * Fields not in @mask must be zero (-EINVAL).  Limits are
 * 0..AETHER_QOS_UNLIMITED, any order (as cgroup's files: a min above max
 * protects only what max lets in); one of 2^51 pages or more is no limit
 * (GET gives AETHER_QOS_UNLIMITED).  A high or max lowered below the
 * usage reclaims the group's cold pages down to it before SET returns
 * (those of compressible regions, through the store backend; zero pages
 * dropped), round after round while rounds take pages, at most 4096
 * pages, after any other SET's reclaim; a fatal signal ends it: what is
 * not reclaimed stays, and a max below the usage refuses every charge
 * until the usage falls below it.
 * A destroyed group is -ENOENT.
 */
struct aether_qos_set {
	__u32 size;
	__u32 id;
	__u32 mask;
	__u32 class;
	__u64 min;
	__u64 low;
	__u64 high;
	__u64 max;
};

/**
 * struct aether_qos_group_info - AETHER_QOS_IOC_GET
 * @size:	(in) sizeof(struct aether_qos_group_info)
 * @id:		(in) the group
 * @parent_id:	(out) its parent (AETHER_QOS_ROOT_ID for the root's own)
 * @class:	(out) AETHER_QOS_CLASS_*
 * @flags:	(out) AETHER_QOS_GROUP_*
 * @owner_uid:	(out) who manages its children, in the caller's user
 *		namespace; AETHER_QOS_NO_OWNER for nobody
 * @nr_children: (out) its children
 * @nr_members:	(out) processes attached to it (some may have exited)
 * @name:	(out) its name
 * @usage:	(out) pages charged to it and its descendants
 * @peak:	(out) the largest @usage since it was made
 * @min, @low, @high, @max: (out) its limits
 * @emin, @elow: (out) its effective protection: @min and @low as its
 *		ancestors' protection lets it have them, split in
 *		proportion to what siblings claim when they claim more
 *		than the parent has (cgroup v2's rule)
 * @events:	(out) AETHER_QOS_EVENT_* in it and its descendants
 * @events_local: (out) the same, in it only
 * @nr_regions:	(out) regions charged to it (not its descendants)
 * @charged:	(out) pages charged to it (not its descendants), ever
 * @uncharged:	(out) pages given back, ever
 * @refused:	(out) charges refused at its max or an ancestor's, ever
 * @zswap:	(out) bytes the store holds for the stored region pages of
 *		it and its descendants (memcg's memory.stat zswap); @usage
 *		counts them, rounded up to pages per group
 * @zswapped:	(out) those stored pages (memory.stat zswapped, in pages)
 * @resident:	(out) pages of @usage that are resident frames: @usage
 *		less what the stored bytes take
 * @__reserved:	(out) zero
 */
struct aether_qos_group_info {
	__u32 size;
	__u32 id;
	__u32 parent_id;
	__u32 class;
	__u32 flags;
	__u32 owner_uid;
	__u32 nr_children;
	__u32 nr_members;
	char name[AETHER_QOS_NAME_MAX];
	__u64 usage;
	__u64 peak;
	__u64 min;
	__u64 low;
	__u64 high;
	__u64 max;
	__u64 emin;
	__u64 elow;
	__u64 events[AETHER_QOS_NR_EVENTS];
	__u64 events_local[AETHER_QOS_NR_EVENTS];
	__u64 nr_regions;
	__u64 charged;
	__u64 uncharged;
	__u64 refused;
	__u64 zswap;
	__u64 zswapped;
	__u64 resident;
	__u64 __reserved[1];
};

/**
 * struct aether_qos_attach - AETHER_QOS_IOC_ATTACH_PID
 * @size:	(in) sizeof(struct aether_qos_attach)
 * @id:		(in) the group; AETHER_QOS_ROOT_ID detaches the process
 *		(it is charged to its user's default group again)
 * @pid:	(in) a process id in the caller's pid namespace, > 0; its
 *		struct pid is referenced at once, so a later reuse of the
 *		number does not matter (-ESRCH if no such process)
 * @flags:	(in) zero (a pidfd is not taken yet)
 *
 * A process is in at most one group: attaching moves it.  The regions it
 * creates from then on, and those its descendants create (found by
 * walking up their parents at creation: a child reparented to init
 * after its parent exits is no longer found), are charged to the group;
 * regions made before stay where they are.
 */
struct aether_qos_attach {
	__u32 size;
	__u32 id;
	__s32 pid;
	__u32 flags;
};

/**
 * struct aether_qos_list - AETHER_QOS_IOC_LIST
 * @size:	(in) sizeof(struct aether_qos_list)
 * @count:	(in/out) in: room in @ids_ptr, in entries; out: the number
 *		of groups, the root included (only the first of them, in
 *		increasing id order, fit when it is more than the room)
 * @ids_ptr:	(in) a __u32 array of @count entries, written with ids;
 *		0 with @count 0 asks only for the number
 */
struct aether_qos_list {
	__u32 size;
	__u32 count;
	__u64 ids_ptr;
};

/**
 * struct aether_qos_open - AETHER_QOS_IOC_OPEN
 * @size:	(in) sizeof(struct aether_qos_open)
 * @id:		(in) the group (AETHER_QOS_ROOT_ID: the whole pool)
 * @flags:	(in) zero
 * @fd:		(out) a new group fd (close-on-exec), of the group @id;
 *		what the caller puts there is ignored
 *
 * Open to whoever holds the device.  A group fd is the group's
 * memory.pressure file: read() gives its "some" line as
 * /proc/pressure/memory prints it ("some avg10=0.00 avg60=0.00
 * avg300=0.00 total=0", total in us; lseek() to 0 to read it anew);
 * write() of "some <threshold_us>
 * <window_us>" makes the fd's trigger (one per fd: -EBUSY for a second;
 * windows 500 ms..10 s, threshold within the window; without
 * CAP_SYS_RESOURCE at OPEN the window must be a multiple of 2 s, as PSI
 * since 6.5: -EINVAL); poll() reports EPOLLPRI once per window in which
 * the group stalled for the threshold or more, and EPOLLERR once the
 * group is destroyed (the fd keeps working, its group gone).  A group
 * stalls while a task of its regions waits for memory: a fault's
 * allocation that finds the pool short, the group's reclaim at max, and
 * the reclaim and sleep of its throttling at high.
 */
struct aether_qos_open {
	__u32 size;
	__u32 id;
	__u32 flags;
	__s32 fd;
};

/**
 * struct aether_qos_attach_region - AETHER_QOS_IOC_ATTACH_REGION
 * @size:	(in) sizeof(struct aether_qos_attach_region)
 * @id:		(in) the group the region is charged to from now on
 * @region_fd:	(in) a region fd of aether_mm (AETHER_MM_IOC_REGION_CREATE
 *		or REGION_OPEN), open for writing
 * @flags:	(in) zero
 *
 * Moves an existing region to group @id, with everything charged for it:
 * its resident pages leave its group's usage (and its ancestors') and
 * join @id's, at once, and every later fault, free or reclaim of its
 * pages counts in @id.  @id's max (and its ancestors') applies as to a
 * fault: over it the group's cold pages are reclaimed first, then the
 * attach fails with -ENOMEM and the region stays where it was.  Going
 * over @id's high counts a high event but throttles nobody.  The old
 * group no longer counts the region (@nr_regions), so it may be
 * destroyed.  A region already in @id: 0, nothing changes.  Ranges given
 * a class by REGION_SET_QOS keep it, but never above @id's class unless
 * set with CAP_SYS_ADMIN (aether_mm.h).
 *
 * Who may: the caller must be allowed to charge @id (CAP_SYS_ADMIN, or
 * it owns @id's parent, or @id is its default group: -EPERM; the root
 * group needs CAP_SYS_ADMIN) and to change the region (the fd open for
 * writing: -EBADF; the caller created the region, or CAP_SYS_ADMIN:
 * -EACCES).  -EBADF when @region_fd is not an open fd, -EINVAL when it
 * is not a region fd or @flags is not zero, -ENOENT when @id is no live
 * group, -EOPNOTSUPP when the region is charged to no group (made before
 * aether_qos was loaded), -EMLINK after 16 attaches of one region (each
 * group it left stays referenced, though not counted, until it goes).
 */
struct aether_qos_attach_region {
	__u32 size;
	__u32 id;
	__s32 region_fd;
	__u32 flags;
};

#define AETHER_QOS_IOC_CREATE \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x00, struct aether_qos_create)
#define AETHER_QOS_IOC_DESTROY \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x01, struct aether_qos_destroy)
#define AETHER_QOS_IOC_SET \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x02, struct aether_qos_set)
#define AETHER_QOS_IOC_GET \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x03, struct aether_qos_group_info)
#define AETHER_QOS_IOC_ATTACH_PID \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x04, struct aether_qos_attach)
#define AETHER_QOS_IOC_LIST \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x05, struct aether_qos_list)
#define AETHER_QOS_IOC_OPEN \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x06, struct aether_qos_open)
#define AETHER_QOS_IOC_ATTACH_REGION \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x07, struct aether_qos_attach_region)

/*
 * The memory firewall (aether_qos/firewall.c, README "The memory
 * firewall").  An ordered table of rules, each a subject x an object x a
 * set of accesses -> an action; the first rule (lowest index) matching
 * an access decides it, the default action decides an access no rule
 * matches.  Every FW_* command needs CAP_SYS_ADMIN (-EPERM).
 */
#define AETHER_QOS_FW_NAME_MAX		64	/* = AETHER_MM_REGION_NAME_MAX */

/* Accesses (struct aether_qos_fw_rule.access, records' @requested) */
#define AETHER_QOS_FW_OPEN		(1U << 0)	/* REGION_OPEN by name */
#define AETHER_QOS_FW_READ		(1U << 1)	/* map or fault, readable */
#define AETHER_QOS_FW_WRITE		(1U << 2)	/* map or fault, writable */
#define AETHER_QOS_FW_EXEC		(1U << 3)	/* map or fault, executable */
#define AETHER_QOS_FW_MPROTECT		(1U << 4)	/* mprotect() adding R, W or X */
#define AETHER_QOS_FW_INFO		(1U << 5)	/* REGION_INFO */
#define AETHER_QOS_FW_QUERY		(1U << 6)	/* REGION_QUERY */
#define AETHER_QOS_FW_CHECKSUM		(1U << 7)	/* REGION_CHECKSUM */
#define AETHER_QOS_FW_MIGRATE		(1U << 8)	/* REGION_MIGRATE */
#define AETHER_QOS_FW_DEDUPE		(1U << 9)	/* REGION_DEDUPE, aether_dedupe's */
#define AETHER_QOS_FW_QOS		(1U << 10)	/* REGION_SET_QOS */
#define AETHER_QOS_FW_ATTACH		(1U << 11)	/* ATTACH_REGION */
#define AETHER_QOS_FW_ACCESS_ALL	((1U << 12) - 1)

/* Actions (struct aether_qos_fw_rule.action, FW_DEFAULT, records) */
#define AETHER_QOS_FW_ALLOW		0
#define AETHER_QOS_FW_DENY		1
#define AETHER_QOS_FW_AUDIT		2	/* allow, and audit it */
#define AETHER_QOS_FW_NR_ACTIONS	3

/* Subjects (struct aether_qos_fw_rule.subject) */
#define AETHER_QOS_FW_SUBJ_ANY		0	/* everyone */
#define AETHER_QOS_FW_SUBJ_UID		1	/* fsuid == @subject_id */
#define AETHER_QOS_FW_SUBJ_GID		2	/* fsgid or a supplementary group */
#define AETHER_QOS_FW_SUBJ_GROUP	3	/* QoS group @subject_id or a descendant */
#define AETHER_QOS_FW_SUBJ_PID		4	/* process @subject_id (its tgid) */
#define AETHER_QOS_FW_NR_SUBJ		5

/* Objects (struct aether_qos_fw_rule.object) */
#define AETHER_QOS_FW_OBJ_ANY		0	/* every region */
#define AETHER_QOS_FW_OBJ_ID		1	/* region id @object_id */
#define AETHER_QOS_FW_OBJ_NAME		2	/* region named @name */
#define AETHER_QOS_FW_OBJ_GLOB		3	/* name matching glob @name (glob(7): * ? [..]) */
#define AETHER_QOS_FW_OBJ_KIND		4	/* flags with all of @object_id */
#define AETHER_QOS_FW_OBJ_TAG		5	/* tagged @object_id at creation */
#define AETHER_QOS_FW_NR_OBJ		6

/* struct aether_qos_fw_rule.flags */
#define AETHER_QOS_FW_RULE_DESCENDANTS	(1U << 0)	/* SUBJ_PID: its descendants too */
#define AETHER_QOS_FW_RULE_FLAGS	0x1U

/**
 * struct aether_qos_fw_rule - one rule of the firewall
 * @id:		(out) its number, from 1, never reused while loaded
 * @action:	(in) AETHER_QOS_FW_ALLOW, _DENY or _AUDIT
 * @subject:	(in) AETHER_QOS_FW_SUBJ_*
 * @object:	(in) AETHER_QOS_FW_OBJ_*
 * @subject_id:	(in) a uid or gid (in the caller's user namespace), a group
 *		id, or a pid (in the caller's pid namespace: the rule holds
 *		that process's struct pid, so a recycled number is another
 *		process); zero for SUBJ_ANY
 * @object_id:	(in) a region id for OBJ_ID, a nonzero mask of region
 *		flags for OBJ_KIND (AETHER_MM_REGION_SECURE: every SECURE
 *		region), a nonzero tag for OBJ_TAG (the regions created with
 *		that struct aether_mm_region_create.tag); zero otherwise
 * @access:	(in) nonzero AETHER_QOS_FW_* access bits it judges
 * @flags:	(in) AETHER_QOS_FW_RULE_*
 * @hits:	(out, FW_LIST) accesses it decided
 * @name:	(in) the name (OBJ_NAME) or glob (OBJ_GLOB), NUL-terminated
 *		and not empty; all zero for other objects
 */
struct aether_qos_fw_rule {
	__u32 id;
	__u32 action;
	__u32 subject;
	__u32 object;
	__u64 subject_id;
	__u64 object_id;
	__u32 access;
	__u32 flags;
	__u64 hits;
	char name[AETHER_QOS_FW_NAME_MAX];
};

/**
 * struct aether_qos_fw_add - AETHER_QOS_IOC_FW_ADD
 * @size:	(in) sizeof(struct aether_qos_fw_add)
 * @count:	(in) rules in @rules, 1..the module parameter fw_batch_max
 * @rules:	(in) user pointer to @count struct aether_qos_fw_rule
 * @position:	(in) index the first one takes (the rules from there move
 *		down); AETHER_QOS_FW_APPEND or the table's length: at the end
 * @first_id:	(out) the id of the first; the others follow one by one
 *
 * All or nothing: -EINVAL for a bad field of any rule, -ESRCH for a pid
 * no process has, -ENOSPC beyond fw_rules_max rules, -ERANGE for a
 * @position past the end.  Existing mappings are checked again at their
 * next touch (revocation: README).
 */
struct aether_qos_fw_add {
	__u32 size;
	__u32 count;
	__u64 rules;
	__u32 position;
	__u32 first_id;
};

#define AETHER_QOS_FW_APPEND		(~(__u32)0)

/* struct aether_qos_fw_del.flags */
#define AETHER_QOS_FW_DEL_ALL		(1U << 0)	/* every rule; @id zero */

/**
 * struct aether_qos_fw_del - AETHER_QOS_IOC_FW_DEL
 * @size:	(in) sizeof(struct aether_qos_fw_del)
 * @flags:	(in) AETHER_QOS_FW_DEL_*
 * @id:		(in) the rule to delete (-ENOENT: no such rule)
 * @__reserved:	(in) zero
 */
struct aether_qos_fw_del {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
};

/**
 * struct aether_qos_fw_list - AETHER_QOS_IOC_FW_LIST
 * @size:	(in) sizeof(struct aether_qos_fw_list)
 * @count:	(in/out) room in @rules; out: the rules in the table (only
 *		the first @count in are written)
 * @rules:	(in) user pointer to @count struct aether_qos_fw_rule, in
 *		table order; may be 0 with @count 0
 * @default_action: (out) AETHER_QOS_FW_ALLOW, _DENY or _AUDIT
 * @mode:	(out) AETHER_QOS_FW_DEFAULT_* flags in force
 * @generation:	(out) bumped by every change of the table
 * @quarantined: (out) uids quarantined now
 * @__reserved:	(in) zero
 */
struct aether_qos_fw_list {
	__u32 size;
	__u32 count;
	__u64 rules;
	__u32 default_action;
	__u32 mode;
	__u64 generation;
	__u32 quarantined;
	__u32 __reserved;
};

/* struct aether_qos_fw_default.flags */
#define AETHER_QOS_FW_DEFAULT_PERMISSIVE (1U << 0)	/* denials audited, not enforced */
#define AETHER_QOS_FW_DEFAULT_FLAGS	0x1U

/**
 * struct aether_qos_fw_default - AETHER_QOS_IOC_FW_DEFAULT
 * @size:	(in) sizeof(struct aether_qos_fw_default)
 * @action:	(in) what an access no rule matches gets
 * @flags:	(in) AETHER_QOS_FW_DEFAULT_*
 * @__reserved:	(in) zero
 */
struct aether_qos_fw_default {
	__u32 size;
	__u32 action;
	__u32 flags;
	__u32 __reserved;
};

/* struct aether_qos_fw_audit_open.flags */
#define AETHER_QOS_FW_AUDIT_CLOEXEC	(1U << 0)
#define AETHER_QOS_FW_AUDIT_NONBLOCK	(1U << 1)
#define AETHER_QOS_FW_AUDIT_FLAGS	0x3U

/**
 * struct aether_qos_fw_audit_open - AETHER_QOS_IOC_FW_AUDIT_OPEN
 * @size:	(in) sizeof(struct aether_qos_fw_audit_open)
 * @flags:	(in) AETHER_QOS_FW_AUDIT_*
 * @fd:		(out) a new audit fd: read() gives whole struct
 *		aether_qos_fw_record, from the oldest the ring holds at
 *		open; poll() says POLLIN when one is waiting
 * @__reserved:	(in) zero
 */
struct aether_qos_fw_audit_open {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 __reserved;
};

/* struct aether_qos_fw_unquarantine.flags */
#define AETHER_QOS_FW_UNQ_ALL		(1U << 0)	/* every uid; @uid zero */

/**
 * struct aether_qos_fw_unquarantine - AETHER_QOS_IOC_FW_UNQUARANTINE
 * @size:	(in) sizeof(struct aether_qos_fw_unquarantine)
 * @flags:	(in) AETHER_QOS_FW_UNQ_*
 * @uid:	(in) the uid to let go (caller's user namespace); -ENOENT
 *		when it is not quarantined
 * @__reserved:	(in) zero
 */
struct aether_qos_fw_unquarantine {
	__u32 size;
	__u32 flags;
	__u32 uid;
	__u32 __reserved;
};

/* Operations (struct aether_qos_fw_record.op): where it was checked */
#define AETHER_QOS_FW_OP_OPEN		0	/* REGION_OPEN */
#define AETHER_QOS_FW_OP_MMAP		1	/* mmap() */
#define AETHER_QOS_FW_OP_MPROTECT	2	/* mprotect() */
#define AETHER_QOS_FW_OP_FAULT		3	/* a touch after a revocation */
#define AETHER_QOS_FW_OP_IOCTL		4	/* a region ioctl */
#define AETHER_QOS_FW_OP_QUARANTINE	5	/* the event: @uid quarantined */
/*
 * The event: page @index of the region failed its integrity check (DENY:
 * it is poisoned) or was repaired (AUDIT).
 */
#define AETHER_QOS_FW_OP_INTEGRITY	6

/* struct aether_qos_fw_record.flags */
#define AETHER_QOS_FW_REC_ENFORCING	(1U << 0)	/* the decision was applied */
#define AETHER_QOS_FW_REC_QUARANTINED	(1U << 1)	/* denied: the uid is quarantined */
#define AETHER_QOS_FW_REC_DEFAULT	(1U << 2)	/* no rule: the default decided */

/**
 * struct aether_qos_fw_record - one audit record (read() of an audit fd)
 * @seq:	its number, from 1, one more per record
 * @time_ns:	CLOCK_BOOTTIME
 * @decision:	AETHER_QOS_FW_ALLOW, _DENY or _AUDIT
 * @flags:	AETHER_QOS_FW_REC_*
 * @op:		AETHER_QOS_FW_OP_*
 * @requested:	access bits asked for
 * @allowed:	those of them allowed
 * @err:	the errno returned (negative), 0 when allowed
 * @uid, @gid:	the subject's fsuid and fsgid (initial user namespace)
 * @pid:	its tgid (initial pid namespace)
 * @group:	its QoS group id, AETHER_QOS_ROOT_ID for none
 * @rule_id:	the rule that decided, 0 for the default or quarantine
 * @suppressed:	records dropped by the rate limit just before this one
 * @region_id:	the object (0 for the quarantine event)
 * @comm:	the subject's comm, a hint only (anyone may set it)
 * @name:	the region's name, empty for an unnamed one
 * @index:	for AETHER_QOS_FW_OP_INTEGRITY, the data page of the region
 *		(the subject is the task that found it: a reader, VERIFY's
 *		caller or aether_kverifyd); 0 otherwise
 */
struct aether_qos_fw_record {
	__u64 seq;
	__u64 time_ns;
	__u32 decision;
	__u32 flags;
	__u32 op;
	__u32 requested;
	__u32 allowed;
	__s32 err;
	__u32 uid;
	__u32 gid;
	__u32 pid;
	__u32 group;
	__u32 rule_id;
	__u32 suppressed;
	__u64 region_id;
	char comm[16];
	char name[AETHER_QOS_FW_NAME_MAX];
	__u64 index;
};

#define AETHER_QOS_IOC_FW_ADD \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x08, struct aether_qos_fw_add)
#define AETHER_QOS_IOC_FW_DEL \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x09, struct aether_qos_fw_del)
#define AETHER_QOS_IOC_FW_LIST \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x0a, struct aether_qos_fw_list)
#define AETHER_QOS_IOC_FW_DEFAULT \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x0b, struct aether_qos_fw_default)
#define AETHER_QOS_IOC_FW_AUDIT_OPEN \
	_IOWR(AETHER_QOS_IOC_MAGIC, 0x0c, struct aether_qos_fw_audit_open)
#define AETHER_QOS_IOC_FW_UNQUARANTINE \
	_IOW(AETHER_QOS_IOC_MAGIC, 0x0d, struct aether_qos_fw_unquarantine)

#endif /* _UAPI_LINUX_AETHER_QOS_H */
