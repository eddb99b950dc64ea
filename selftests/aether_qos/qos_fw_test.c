// SPDX-License-Identifier: GPL-2.0
/*
 * qos_fw_test.c - the memory firewall (aether_qos/firewall.c), an
 * adversarial table run as root and the box's users alice (1000) and bob
 * (1001):
 *
 *   - unprivileged FW_* refused (-EPERM), every ioctl's errnos;
 *   - open by name: a foreign region opens only with an allow rule, a
 *     deny (name or glob) refuses even its owner, audited;
 *   - mmap checks the mapper's credentials: an fd inherited at fork or
 *     passed by SCM_RIGHTS is refused to alice, allowed to bob;
 *   - W implies R: a write-only mapping of a read-denied region refused;
 *   - mprotect upgrades refused by an MPROTECT or a WRITE rule;
 *   - a process rule, with and without its descendants, a chain of 80
 *     processes below it built before the rule included; a deleted
 *     DESCENDANTS rule's lineages go with their processes, and are not
 *     passed down after it (debugfs fw/stats lineages);
 *   - region ioctls (INFO, CHECKSUM, ATTACH_REGION) refused;
 *   - revocation: alice's live mapping faults with SIGSEGV at its next
 *     touch once a rule denies it; bob's keeps working;
 *   - quarantine after the threshold of refusals, its event, and
 *     FW_UNQUARANTINE; a 65th uid quarantined when all 64 slots are;
 *   - a uid rule holds for alice as a mapped uid of her own namespace;
 *   - the audit fd: poll, records and their fields; debugfs; hit counters;
 *   - one uid's flood holds at most a quarter of the audit ring and does
 *     not overwrite another's refusal nor silence its kernel lines;
 *   - the default action, audit-only rules and permissive mode;
 *   - ordering (a rule inserted at 0 wins) and 10000 rules of other uids
 *     that change nothing for alice and bob;
 *   - aetherctl qos fw add, list --json, audit, default, del.
 *
 * Needs aether_mm and aether_qos, root and the box's users.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define FW_PAGES	4

static const struct aet_user alice = {
	.name = "alice", .uid = 1000, .gid = 1000,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

static const struct aet_user bob = {
	.name = "bob", .uid = 1001, .gid = 1001,
	.groups = { AET_AETHER_GID }, .nr_groups = 1,
};

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* ---- the FW_* commands ---- */

static struct aether_qos_fw_rule fw_rule(__u32 action, __u32 subject,
					 __u64 sid, __u32 object, __u64 oid,
					 const char *name, __u32 access)
{
	struct aether_qos_fw_rule r;

	memset(&r, 0, sizeof(r));
	r.action = action;
	r.subject = subject;
	r.subject_id = sid;
	r.object = object;
	r.object_id = oid;
	r.access = access;
	if (name)
		snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static int fw_add_at(int fd, struct aether_qos_fw_rule *r, __u32 n,
		     __u32 pos, __u32 *first)
{
	struct aether_qos_fw_add a = {
		.size = sizeof(a), .count = n, .rules = (uintptr_t)r,
		.position = pos,
	};
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_FW_ADD, &a);

	if (!ret && first)
		*first = a.first_id;
	return ret;
}

/* Append one rule: its id, or -errno. */
static int fw_add1(int fd, __u32 action, __u32 subject, __u64 sid,
		   __u32 object, __u64 oid, const char *name, __u32 access)
{
	struct aether_qos_fw_rule r = fw_rule(action, subject, sid, object,
					      oid, name, access);
	__u32 id;
	int ret = fw_add_at(fd, &r, 1, AETHER_QOS_FW_APPEND, &id);

	return ret ? ret : (int)id;
}

static int fw_del(int fd, __u32 flags, __u32 id)
{
	struct aether_qos_fw_del d = { .size = sizeof(d), .flags = flags,
				       .id = id };

	return aet_ioctl(fd, AETHER_QOS_IOC_FW_DEL, &d);
}

static int fw_default(int fd, __u32 action, __u32 flags)
{
	struct aether_qos_fw_default d = { .size = sizeof(d),
					   .action = action, .flags = flags };

	return aet_ioctl(fd, AETHER_QOS_IOC_FW_DEFAULT, &d);
}

static int fw_unq(int fd, __u32 flags, __u32 uid)
{
	struct aether_qos_fw_unquarantine q = { .size = sizeof(q),
						.flags = flags, .uid = uid };

	return aet_ioctl(fd, AETHER_QOS_IOC_FW_UNQUARANTINE, &q);
}

static int fw_list(int fd, struct aether_qos_fw_rule *r, __u32 n,
		   struct aether_qos_fw_list *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->count = n;
	l->rules = (uintptr_t)r;
	return aet_ioctl(fd, AETHER_QOS_IOC_FW_LIST, l);
}

static int fw_audit_open(int fd, __u32 flags)
{
	struct aether_qos_fw_audit_open o = { .size = sizeof(o),
					      .flags = flags };
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_FW_AUDIT_OPEN, &o);

	return ret ? ret : o.fd;
}

/* Read records of a non-blocking audit fd until one matches; 0 or -ENOENT. */
static int fw_find_record(int afd, __u32 op, __u32 uid, __u64 region,
			  struct aether_qos_fw_record *out)
{
	struct aether_qos_fw_record rec;

	while (read(afd, &rec, sizeof(rec)) == sizeof(rec)) {
		if (rec.op == op && rec.uid == uid &&
		    (op == AETHER_QOS_FW_OP_QUARANTINE ||
		     rec.region_id == region)) {
			if (out)
				*out = rec;
			return 0;
		}
	}
	return -ENOENT;
}

/* Skip what the ring holds already. */
static void fw_drain(int afd)
{
	struct aether_qos_fw_record rec[16];

	while (read(afd, rec, sizeof(rec)) > 0)
		;
}

/* Close up to four pipes. */
static void fw_close_pipes(int *a, int *b, int *c, int *d)
{
	int *p[] = { a, b, c, d };
	int i;

	for (i = 0; i < 4; i++) {
		if (!p[i])
			continue;
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* ---- regions ---- */

/* A shared read-write region, named @name unless NULL: fd; id in *@id. */
static int fw_region(int mfd, const char *name, __u32 flags, __u64 *id)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED | flags,
			 FW_PAGES * psize());
	if (name)
		c.name = (uintptr_t)name;
	ret = aemt_region_create(mfd, &c);
	if (ret)
		return ret;
	if (id)
		*id = c.id;
	return c.fd;
}

/* mmap() of @rfd with @prot: 0, or -errno (unmapped again). */
static int fw_map(int rfd, int prot)
{
	void *p = mmap(NULL, FW_PAGES * psize(), prot, MAP_SHARED, rfd, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, FW_PAGES * psize());
	return 0;
}

struct fw_map_arg {
	int rfd;
	int prot;
};

static int fw_map_fn(void *arg)
{
	const struct fw_map_arg *a = arg;

	return fw_map(a->rfd, a->prot);
}

/* mmap() of an inherited @rfd with @prot as @u: 0 or -errno. */
static int fw_map_as(const struct aet_user *u, int rfd, int prot)
{
	struct fw_map_arg a = { rfd, prot };

	return aet_run_as(u, fw_map_fn, &a);
}

struct fw_open_arg {
	const char *name;
};

static int fw_open_fn(void *arg)
{
	const struct fw_open_arg *a = arg;
	int mfd = aemt_open(), rfd;

	if (mfd < 0)
		return mfd;
	rfd = aemt_region_open(mfd, a->name, AETHER_MM_REGION_OPEN_FOREIGN,
			       NULL);
	close(mfd);
	if (rfd < 0)
		return rfd;
	close(rfd);
	return 0;
}

static int fw_open_as(const struct aet_user *u, const char *name)
{
	struct fw_open_arg a = { name };

	return aet_run_as(u, fw_open_fn, &a);
}

static int fw_cmd_fn(void *arg)
{
	int fd = aqt_open(), ret;
	struct aether_qos_fw_rule r = fw_rule(AETHER_QOS_FW_DENY,
					      AETHER_QOS_FW_SUBJ_ANY, 0,
					      AETHER_QOS_FW_OBJ_ANY, 0, NULL,
					      AETHER_QOS_FW_READ);
	struct aether_qos_fw_list l;

	(void)arg;
	if (fd < 0)
		return fd;
	ret = fw_add_at(fd, &r, 1, AETHER_QOS_FW_APPEND, NULL);
	if (ret != -EPERM)
		goto out;
	ret = fw_del(fd, AETHER_QOS_FW_DEL_ALL, 0);
	if (ret != -EPERM)
		goto out;
	ret = fw_list(fd, NULL, 0, &l);
	if (ret != -EPERM)
		goto out;
	ret = fw_default(fd, AETHER_QOS_FW_DENY, 0);
	if (ret != -EPERM)
		goto out;
	ret = fw_audit_open(fd, 0);
	if (ret != -EPERM)
		goto out;
	ret = fw_unq(fd, AETHER_QOS_FW_UNQ_ALL, 0);
	if (ret != -EPERM)
		goto out;
	ret = 0;
out:
	close(fd);
	return ret == 0 ? 0 : (ret < 0 ? ret : -EPROTO);
}

FIXTURE(fw) {
	int fd;
	int mfd;
	__u64 rid;	/* a test's region (not a local: setjmp) */
	struct aet_params params;
};

static void fw_reset(int fd)
{
	fw_del(fd, AETHER_QOS_FW_DEL_ALL, 0);
	fw_default(fd, AETHER_QOS_FW_ALLOW, 0);
	fw_unq(fd, AETHER_QOS_FW_UNQ_ALL, 0);
}

FIXTURE_SETUP(fw)
{
	struct aether_qos_fw_list l;

	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	if (fw_list(self->fd, NULL, 0, &l) == -ENOTTY)
		AEMT_SETUP_SKIP("aether_qos has no firewall");
	if (!aet_can_run_as(&alice) || !aet_can_run_as(&bob))
		AEMT_SETUP_SKIP("needs root and the box's alice and bob");
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	fw_reset(self->fd);
}

FIXTURE_TEARDOWN(fw)
{
	if (self->fd < 0)
		return;
	fw_reset(self->fd);
	aet_params_restore(&self->params);
	close(self->fd);
	close(self->mfd);
}

TEST_F(fw, unprivileged_fw_commands_are_refused)
{
	ASSERT_EQ(0, aet_run_as(&alice, fw_cmd_fn, NULL));
}

TEST_F(fw, ioctl_errnos)
{
	struct aether_qos_fw_rule r, big[3];
	struct aether_qos_fw_list l;
	struct aether_qos_fw_add a;
	char path[128];
	pid_t dead;
	int id;

	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 1000,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	/* the batch */
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 0, AETHER_QOS_FW_APPEND,
				     NULL));
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.count = 1;
	a.rules = 8;	/* not a user address */
	a.position = AETHER_QOS_FW_APPEND;
	EXPECT_EQ(-EFAULT, aet_ioctl(self->fd, AETHER_QOS_IOC_FW_ADD, &a));
	EXPECT_EQ(-ERANGE, fw_add_at(self->fd, &r, 1, 5, NULL));
	/* the fields */
	r.action = AETHER_QOS_FW_NR_ACTIONS;
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r.action = AETHER_QOS_FW_DENY;
	r.access = 0;
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r.access = AETHER_QOS_FW_ACCESS_ALL + 1;
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r.access = AETHER_QOS_FW_READ;
	r.flags = AETHER_QOS_FW_RULE_DESCENDANTS;	/* only for a pid */
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r.flags = 0;
	r.object = AETHER_QOS_FW_OBJ_NAME;		/* no name */
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	memset(r.name, 'x', sizeof(r.name));		/* no NUL */
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_ANY, 0,
		    AETHER_QOS_FW_OBJ_ANY, 0, "junk", AETHER_QOS_FW_READ);
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_ANY, 0,
		    AETHER_QOS_FW_OBJ_KIND, 0, NULL, AETHER_QOS_FW_READ);
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_GROUP, 0x7ffffff0,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	EXPECT_EQ(-ENOENT, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	dead = fork();
	ASSERT_LE(0, dead);
	if (!dead)
		_exit(0);
	ASSERT_EQ(dead, waitpid(dead, NULL, 0));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_PID, dead,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	EXPECT_EQ(-ESRCH, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				    NULL));
	/* all or nothing: a bad third rule adds none */
	big[0] = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 5000,
			 AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	big[1] = big[0];
	big[2] = big[0];
	big[2].subject = AETHER_QOS_FW_NR_SUBJ;
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, big, 3, AETHER_QOS_FW_APPEND,
				     NULL));
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	EXPECT_EQ(0, l.count);
	/* the table's bound */
	big[2] = big[0];
	snprintf(path, sizeof(path), "%s/fw_rules_max", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "2"));
	EXPECT_EQ(-ENOSPC, fw_add_at(self->fd, big, 3, AETHER_QOS_FW_APPEND,
				     NULL));
	EXPECT_EQ(-EINVAL, aet_write_file(path, "0"));
	snprintf(path, sizeof(path), "%s/fw_quarantine_window_ms", AQT_PARAMS);
	EXPECT_EQ(-EINVAL, aet_write_file(path, "0"));
	/* DEL */
	EXPECT_EQ(-ENOENT, fw_del(self->fd, 0, 12345678));
	EXPECT_EQ(-EINVAL, fw_del(self->fd, 0, 0));
	EXPECT_EQ(-EINVAL, fw_del(self->fd, AETHER_QOS_FW_DEL_ALL, 3));
	EXPECT_EQ(-EINVAL, fw_del(self->fd, 2, 3));
	id = fw_add1(self->fd, AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID,
		     5000, AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	ASSERT_LT(0, id);
	EXPECT_EQ(0, fw_del(self->fd, 0, id));
	EXPECT_EQ(-ENOENT, fw_del(self->fd, 0, id));
	/* DEFAULT, LIST, AUDIT_OPEN, UNQUARANTINE, an unknown command */
	EXPECT_EQ(-EINVAL, fw_default(self->fd, AETHER_QOS_FW_NR_ACTIONS, 0));
	EXPECT_EQ(-EINVAL, fw_default(self->fd, AETHER_QOS_FW_ALLOW, 2));
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.__reserved = 1;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_FW_LIST, &l));
	l.__reserved = 0;
	l.count = 1;		/* room, but no pointer */
	EXPECT_EQ(-EINVAL, aet_ioctl(self->fd, AETHER_QOS_IOC_FW_LIST, &l));
	EXPECT_EQ(-EINVAL, fw_audit_open(self->fd, 4));
	EXPECT_EQ(-ENOENT, fw_unq(self->fd, 0, 4242));
	EXPECT_EQ(-EINVAL, fw_unq(self->fd, AETHER_QOS_FW_UNQ_ALL, 4242));
	EXPECT_EQ(-ENOTTY, aet_ioctl(self->fd,
				     _IO(AETHER_QOS_IOC_MAGIC, 0x3f), NULL));
}

TEST_F(fw, open_by_name_needs_an_allow_and_a_deny_wins)
{
	struct aether_qos_fw_record rec;
	struct aether_qos_fw_rule g;
	int rfd, afd;
	__u32 gid;

	rfd = fw_region(self->mfd, "fwt-open1", 0, &self->rid);
	ASSERT_LE(0, rfd);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	/* root's region: bob may not open it by default */
	EXPECT_EQ(-EACCES, fw_open_as(&bob, "fwt-open1"));
	/* an explicit allow opens it for bob */
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-open1",
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, "fwt-open1"));
	EXPECT_EQ(-EACCES, fw_open_as(&alice, "fwt-open1"));
	/* a glob deny before it wins, and refuses root, the owner, too */
	g = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_ANY, 0,
		    AETHER_QOS_FW_OBJ_GLOB, 0, "fwt-op*", AETHER_QOS_FW_OPEN);
	ASSERT_EQ(0, fw_add_at(self->fd, &g, 1, 0, &gid));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, "fwt-open1"));
	EXPECT_EQ(-EACCES, aemt_region_open(self->mfd, "fwt-open1", 0, NULL));
	ASSERT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_OPEN, 1001, self->rid,
				    &rec));
	EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
	EXPECT_EQ(gid, rec.rule_id);
	EXPECT_EQ(-EACCES, rec.err);
	EXPECT_EQ(AETHER_QOS_FW_OPEN, rec.requested);
	EXPECT_EQ(0, rec.allowed);
	EXPECT_TRUE(rec.flags & AETHER_QOS_FW_REC_ENFORCING);
	EXPECT_STREQ("fwt-open1", rec.name);
	/* a glob that does not match changes nothing */
	ASSERT_EQ(0, fw_del(self->fd, 0, gid));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_ANY, 0,
			     AETHER_QOS_FW_OBJ_GLOB, 0, "fwt-x*",
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, "fwt-open1"));
	close(afd);
	close(rfd);
}

/*
 * A name rule names exactly one name: not its prefixes, not the names it
 * is a prefix of, at every length up to the longest a region may have
 * (the lookup keys names by length and hash, then compares their bytes:
 * review s32b finding 5).
 */
TEST_F(fw, a_name_rule_is_exact_at_every_length)
{
	char lng[AETHER_MM_REGION_NAME_MAX], pre[AETHER_MM_REGION_NAME_MAX];
	struct aether_qos_fw_rule d;
	int rl, rp, rs, rb;
	__u32 id;

	memset(lng, 'n', sizeof(lng) - 1);
	memcpy(lng, "fwt-", 4);
	lng[sizeof(lng) - 1] = '\0';		/* 63 bytes: the longest */
	memcpy(pre, lng, sizeof(pre));
	pre[sizeof(pre) - 2] = '\0';		/* its 62-byte prefix */
	rl = fw_region(self->mfd, lng, 0, &self->rid);
	ASSERT_LE(0, rl);
	rp = fw_region(self->mfd, pre, 0, NULL);
	ASSERT_LE(0, rp);
	rs = fw_region(self->mfd, "fwt-a", 0, NULL);
	ASSERT_LE(0, rs);
	rb = fw_region(self->mfd, "fwt-ab", 0, NULL);
	ASSERT_LE(0, rb);
	/* root's regions: bob opens none of them by default */
	EXPECT_EQ(-EACCES, fw_open_as(&bob, lng));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, pre));
	/* an allow of the longest name opens it and not its prefix */
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_NAME, 0, lng,
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, lng));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, pre));
	/* an allow of the prefix, then a deny of the longest before both */
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_NAME, 0, pre,
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, pre));
	d = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_ANY, 0,
		    AETHER_QOS_FW_OBJ_NAME, 0, lng, AETHER_QOS_FW_OPEN);
	ASSERT_EQ(0, fw_add_at(self->fd, &d, 1, 0, &id));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, lng));
	EXPECT_EQ(0, fw_open_as(&bob, pre));
	/* short names: "fwt-a" allowed says nothing of "fwt-ab", and back */
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-a",
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, "fwt-a"));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, "fwt-ab"));
	ASSERT_EQ(0, fw_del(self->fd, AETHER_QOS_FW_DEL_ALL, 0));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-ab",
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_open_as(&bob, "fwt-ab"));
	EXPECT_EQ(-EACCES, fw_open_as(&bob, "fwt-a"));
	close(rb);
	close(rs);
	close(rp);
	close(rl);
}

TEST_F(fw, mmap_checks_the_mapper_of_an_inherited_fd)
{
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	int afd;

	ASSERT_LE(0, rfd);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_WRITE));
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, fw_map_as(&bob, rfd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, fw_map(rfd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_MMAP, 1000, self->rid,
				    NULL));
	close(afd);
	close(rfd);
}

struct fw_scm {
	int sock;
	int prot;
};

static int fw_scm_fn(void *arg)
{
	const struct fw_scm *s = arg;
	char buf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c;
	int rfd, ret;

	if (recvmsg(s->sock, &msg, 0) != 1)
		return -EIO;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&rfd, CMSG_DATA(c), sizeof(rfd));
	ret = fw_map(rfd, s->prot);
	close(rfd);
	return ret;
}

static int fw_send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))], b = 'f';
	struct iovec iov = { &b, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* @u maps a region fd it gets by SCM_RIGHTS (not inherited) with @prot. */
static int fw_scm_map_as(const struct aet_user *u, int rfd, int prot)
{
	int sv[2], ret;
	struct fw_scm s;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	s.sock = sv[1];
	s.prot = prot;
	pid = aet_start_as(u, fw_scm_fn, &s);
	close(sv[1]);
	ret = fw_send_fd(sv[0], rfd);
	close(sv[0]);
	return ret ? ret : aet_wait(pid);
}

TEST_F(fw, mmap_checks_the_mapper_of_an_fd_passed_by_scm_rights)
{
	int rfd, fd2, sv[2];

	/* The debug kernel is built without networking: no AF_UNIX. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		SKIP(return, "no AF_UNIX sockets: %s", strerror(errno));
	close(sv[0]);
	close(sv[1]);
	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_READ));
	/* not inherited: the fd the child gets is the one passed */
	fd2 = dup(rfd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EACCES, fw_scm_map_as(&alice, fd2, PROT_READ));
	EXPECT_EQ(0, fw_scm_map_as(&bob, fd2, PROT_READ | PROT_WRITE));
	close(fd2);
	close(rfd);
}

TEST_F(fw, write_only_mapping_of_a_read_denied_region_is_refused)
{
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);

	ASSERT_LE(0, rfd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_WRITE));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ));
	/* PROT_NONE asks for nothing */
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_NONE));
	EXPECT_EQ(0, fw_map_as(&bob, rfd, PROT_WRITE));
	close(rfd);
}

struct fw_mprot_arg {
	int rfd;
	int from;
	int to;
};

static int fw_mprotect_fn(void *arg)
{
	const struct fw_mprot_arg *a = arg;
	void *p = mmap(NULL, FW_PAGES * psize(), a->from, MAP_SHARED,
		       a->rfd, 0);
	int ret = 0;

	if (p == MAP_FAILED)
		return -ENOEXEC;	/* not the mprotect() */
	if (mprotect(p, FW_PAGES * psize(), a->to))
		ret = -errno;
	munmap(p, FW_PAGES * psize());
	return ret;
}

TEST_F(fw, mprotect_upgrades_are_checked)
{
	struct fw_mprot_arg a;
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	int id;

	ASSERT_LE(0, rfd);
	a.rfd = rfd;
	a.from = PROT_READ;
	a.to = PROT_READ | PROT_WRITE;
	id = fw_add1(self->fd, AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID,
		     1000, AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
		     AETHER_QOS_FW_MPROTECT);
	ASSERT_LT(0, id);
	EXPECT_EQ(-EACCES, aet_run_as(&alice, fw_mprotect_fn, &a));
	EXPECT_EQ(0, aet_run_as(&bob, fw_mprotect_fn, &a));
	/* a downgrade asks for nothing */
	a.from = PROT_READ | PROT_WRITE;
	a.to = PROT_READ;
	EXPECT_EQ(0, aet_run_as(&alice, fw_mprotect_fn, &a));
	/* a WRITE deny refuses the upgrade too */
	ASSERT_EQ(0, fw_del(self->fd, 0, id));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_WRITE));
	a.from = PROT_READ;
	a.to = PROT_READ | PROT_WRITE;
	EXPECT_EQ(-EACCES, aet_run_as(&alice, fw_mprotect_fn, &a));
	close(rfd);
}

/*
 * A process P the rule names waits for the rule, maps, then forks C that
 * maps: P's and C's results in @res[0] and @res[1].
 */
struct fw_tree {
	int go[2];
	int rfd;
	int *res;
};

static int fw_tree_fn(void *arg)
{
	struct fw_tree *t = arg;
	char b;
	pid_t c;
	int st;

	if (read(t->go[0], &b, 1) != 1)
		return -EIO;
	t->res[0] = fw_map(t->rfd, PROT_READ);
	c = fork();
	if (c < 0)
		return -errno;
	if (!c)
		_exit(-fw_map(t->rfd, PROT_READ));
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -EIO;
	t->res[1] = -WEXITSTATUS(st);
	return 0;
}

static void fw_tree_run(struct __test_metadata *_metadata, int fd, int rfd,
			__u32 flags, int *res)
{
	struct fw_tree t = { .rfd = rfd, .res = res };
	struct aether_qos_fw_rule r;
	pid_t p;

	ASSERT_EQ(0, pipe(t.go));
	p = aet_start_as(&alice, fw_tree_fn, &t);
	ASSERT_LT(0, p);
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_PID, p,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	r.flags = flags;
	ASSERT_EQ(0, fw_add_at(fd, &r, 1, AETHER_QOS_FW_APPEND, NULL));
	ASSERT_EQ(1, write(t.go[1], "g", 1));
	EXPECT_EQ(0, aet_wait(p));
	close(t.go[0]);
	close(t.go[1]);
	fw_del(fd, AETHER_QOS_FW_DEL_ALL, 0);
}

TEST_F(fw, a_process_rule_and_its_descendants)
{
	int *res = aqt_shared_page();
	int rfd = fw_region(self->mfd, NULL, 0, NULL);

	ASSERT_NE(NULL, res);
	ASSERT_LE(0, rfd);
	res[0] = res[1] = 1;
	fw_tree_run(_metadata, self->fd, rfd, 0, res);
	EXPECT_EQ(-EACCES, res[0]);
	EXPECT_EQ(0, res[1]);		/* not its descendants */
	res[0] = res[1] = 1;
	fw_tree_run(_metadata, self->fd, rfd,
		    AETHER_QOS_FW_RULE_DESCENDANTS, res);
	EXPECT_EQ(-EACCES, res[0]);
	EXPECT_EQ(-EACCES, res[1]);
	/* anyone else, alice included, is not that process */
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));
	close(rfd);
}

/*
 * Alice's process P forks C, C forks G and exits once told to: G, adopted
 * by init (or a subreaper), maps @rfd and sends the result.  With
 * @before the rule naming P comes before the forks, else between them and
 * C's exit.  G's mmap() result in @res[0].
 */
struct fw_dfork {
	int go[2];
	int ready[2];
	int res[2];
	int rfd;
	int before;
	int *out;
};

static int fw_dfork_fn(void *arg)
{
	struct fw_dfork *d = arg;
	pid_t c, g, me;
	int r = 1, st;
	char b;

	if (d->before && read(d->go[0], &b, 1) != 1)
		return -EIO;
	c = fork();
	if (c < 0)
		return -errno;
	if (!c) {
		me = getpid();
		g = fork();
		if (g < 0)
			_exit(1);
		if (!g) {
			while (getppid() == me)
				usleep(1000);
			r = fw_map(d->rfd, PROT_READ);
			_exit(write(d->res[1], &r, sizeof(r)) == sizeof(r) ?
			      0 : 1);
		}
		_exit(read(d->go[0], &b, 1) == 1 ? 0 : 1);
	}
	if (write(d->ready[1], "r", 1) != 1)
		return -EIO;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	if (read(d->res[0], &r, sizeof(r)) != sizeof(r))
		return -EIO;
	d->out[0] = r;
	return 0;
}

static void fw_dfork_run(struct __test_metadata *_metadata, int fd, int rfd,
			 int before, int *out)
{
	struct fw_dfork d = { .rfd = rfd, .before = before, .out = out };
	struct aether_qos_fw_rule r;
	char c;
	pid_t p;

	ASSERT_EQ(0, pipe(d.go));
	ASSERT_EQ(0, pipe(d.ready));
	ASSERT_EQ(0, pipe(d.res));
	p = aet_start_as(&alice, fw_dfork_fn, &d);
	ASSERT_LT(0, p);
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_PID, p,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	r.flags = AETHER_QOS_FW_RULE_DESCENDANTS;
	if (before) {
		ASSERT_EQ(0, fw_add_at(fd, &r, 1, AETHER_QOS_FW_APPEND, NULL));
		ASSERT_EQ(1, write(d.go[1], "g", 1));
	}
	ASSERT_EQ(1, read(d.ready[0], &c, 1));
	if (!before)
		ASSERT_EQ(0, fw_add_at(fd, &r, 1, AETHER_QOS_FW_APPEND, NULL));
	ASSERT_EQ(1, write(d.go[1], "g", 1));
	EXPECT_EQ(0, aet_wait(p));
	fw_close_pipes(d.go, d.ready, d.res, NULL);
	fw_del(fd, AETHER_QOS_FW_DEL_ALL, 0);
}

/*
 * Issue 15, review finding 4: a double fork does not leave a rule of a
 * process and its descendants.  The grandchild, adopted once its parent
 * exits, is refused whether the rule came before the forks (the fork
 * probe's lineage) or between them and the exit (the tag of the
 * descendants of then).  Before, the walk of real_parent lost it.
 */
TEST_F_TIMEOUT(fw, a_double_fork_does_not_leave_a_descendants_rule, 120)
{
	int *res = aqt_shared_page();
	int rfd = fw_region(self->mfd, NULL, 0, NULL);

	ASSERT_NE(NULL, res);
	ASSERT_LE(0, rfd);
	res[0] = 1;
	fw_dfork_run(_metadata, self->fd, rfd, 1, res);
	EXPECT_EQ(-EACCES, res[0]);
	res[0] = 1;
	fw_dfork_run(_metadata, self->fd, rfd, 0, res);
	EXPECT_EQ(-EACCES, res[0]);
	/* no rule: the same grandchild maps */
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));
	close(rfd);
}

TEST_F(fw, region_ioctls_are_checked)
{
	struct aether_mm_region_info ri;
	struct aether_qos_attach_region at;
	__u32 crc;
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);

	ASSERT_LE(0, rfd);
	EXPECT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 0,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_INFO | AETHER_QOS_FW_CHECKSUM |
			     AETHER_QOS_FW_ATTACH));
	EXPECT_EQ(-EACCES, aemt_region_info(rfd, &ri));
	EXPECT_EQ(-EACCES, aemt_region_checksum(rfd, 0, psize(), &crc));
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.id = AETHER_QOS_ROOT_ID;
	at.region_fd = rfd;
	EXPECT_EQ(-EACCES, aet_ioctl(self->fd, AETHER_QOS_IOC_ATTACH_REGION,
				     &at));
	/* what the rule does not name goes on */
	EXPECT_EQ(0, fw_map(rfd, PROT_READ));
	close(rfd);
}

/*
 * Alice maps @rfd read-write and writes, tells the parent, waits, then
 * touches again: killed by SIGSEGV when the firewall took it back.
 */
struct fw_revoke {
	int rfd;
	int ready[2];
	int go[2];
};

static void fw_revoke_child(struct fw_revoke *r, const struct aet_user *u)
{
	volatile unsigned char *p;
	char b;

	if (aet_become(u))
		_exit(100);
	p = mmap(NULL, FW_PAGES * psize(), PROT_READ | PROT_WRITE,
		 MAP_SHARED, r->rfd, 0);
	if (p == MAP_FAILED)
		_exit(101);
	p[0] = 1;
	p[psize()] = 2;
	if (write(r->ready[1], "r", 1) != 1)
		_exit(102);
	if (read(r->go[0], &b, 1) != 1)
		_exit(103);
	p[0] = 3;		/* SIGSEGV when revoked */
	_exit(p[psize()] == 2 ? 0 : 104);
}

TEST_F_TIMEOUT(fw, revocation_faults_the_next_touch_with_sigsegv, 120)
{
	struct fw_revoke ra, rb;
	struct aether_qos_fw_record rec;
	int sa, sb, afd;
	pid_t a, b;
	char c;

	ra.rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, ra.rfd);
	rb.rfd = ra.rfd;
	ASSERT_EQ(0, pipe(ra.ready));
	ASSERT_EQ(0, pipe(ra.go));
	ASSERT_EQ(0, pipe(rb.ready));
	ASSERT_EQ(0, pipe(rb.go));
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		fw_revoke_child(&ra, &alice);
	b = fork();
	ASSERT_LE(0, b);
	if (!b)
		fw_revoke_child(&rb, &bob);
	ASSERT_EQ(1, read(ra.ready[0], &c, 1));
	ASSERT_EQ(1, read(rb.ready[0], &c, 1));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_READ | AETHER_QOS_FW_WRITE));
	ASSERT_EQ(1, write(ra.go[1], "g", 1));
	ASSERT_EQ(1, write(rb.go[1], "g", 1));
	ASSERT_EQ(a, waitpid(a, &sa, 0));
	ASSERT_EQ(b, waitpid(b, &sb, 0));
	EXPECT_TRUE(WIFSIGNALED(sa));
	if (WIFSIGNALED(sa))
		EXPECT_EQ(SIGSEGV, WTERMSIG(sa));
	EXPECT_TRUE(WIFEXITED(sb));
	if (WIFEXITED(sb))
		EXPECT_EQ(0, WEXITSTATUS(sb));
	ASSERT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_FAULT, 1000, self->rid,
				    &rec));
	EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
	close(afd);
	close(ra.rfd);
}

TEST_F_TIMEOUT(fw, quarantine_and_unquarantine, 120)
{
	struct aether_qos_fw_list l;
	struct aether_qos_fw_record rec;
	char path[128];
	int rfd, rfd2, afd, i;

	snprintf(path, sizeof(path), "%s/fw_quarantine_threshold", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "3"));
	snprintf(path, sizeof(path), "%s/fw_quarantine_window_ms", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "3600000"));
	rfd = fw_region(self->mfd, "fwt-q1", 0, NULL);
	ASSERT_LE(0, rfd);
	rfd2 = fw_region(self->mfd, NULL, 0, NULL);
	ASSERT_LE(0, rfd2);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-q1",
			     AETHER_QOS_FW_OPEN));
	EXPECT_EQ(0, fw_map_as(&alice, rfd2, PROT_READ));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-EACCES, fw_open_as(&alice, "fwt-q1"));
	/* quarantined: a region no rule names is refused too */
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd2, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&bob, rfd2, PROT_READ));
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	EXPECT_EQ(1, l.quarantined);
	ASSERT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_QUARANTINE, 1000, 0,
				    &rec));
	EXPECT_TRUE(rec.flags & AETHER_QOS_FW_REC_QUARANTINED);
	EXPECT_EQ(0, fw_unq(self->fd, 0, 1000));
	EXPECT_EQ(-ENOENT, fw_unq(self->fd, 0, 1000));
	EXPECT_EQ(0, fw_map_as(&alice, rfd2, PROT_READ));
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	EXPECT_EQ(0, l.quarantined);
	close(afd);
	close(rfd2);
	close(rfd);
}

/*
 * alice in a user namespace of her own with 1000 subordinate uids (root
 * writes the maps, as newuidmap would), as its uid 1 (200001 outside),
 * with the region fd she held before: a rule naming uid 1000 still
 * applies.  The child reports what mmap() gave, or -EPERM/-EINVAL when
 * the box lets no unprivileged user namespace be made.
 */
static void fw_userns_child(int rfd, int up, int down)
{
	int ret = 0;
	char b;

	if (aet_become(&alice))
		_exit(100);
	if (unshare(CLONE_NEWUSER))
		ret = -errno;
	if (write(up, &ret, sizeof(ret)) != sizeof(ret) || ret)
		_exit(101);
	if (read(down, &b, 1) != 1)
		_exit(102);
	if (setresgid(0, 0, 0) || setresuid(1, 1, 1))
		ret = -errno;
	else
		ret = fw_map(rfd, PROT_READ | PROT_WRITE);
	if (write(up, &ret, sizeof(ret)) != sizeof(ret))
		_exit(103);
	_exit(0);
}

static int fw_write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return aet_write_file(path, map);
}

TEST_F(fw, uid_rule_holds_in_the_users_own_namespace)
{
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	int up[2], down[2], afd, ret = 0, st;
	struct aether_qos_fw_record rec;
	pid_t pid;

	ASSERT_LE(0, rfd);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_WRITE));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		fw_userns_child(rfd, up[1], down[0]);
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(sizeof(ret), read(up[0], &ret, sizeof(ret)));
	if (ret) {
		waitpid(pid, &st, 0);
		SKIP(return, "no unprivileged user namespaces (%d)", ret);
	}
	ASSERT_EQ(0, fw_write_map(pid, "uid_map", "0 1000 1\n1 200001 1000\n"));
	ASSERT_EQ(0, fw_write_map(pid, "gid_map", "0 1000 1\n"));
	ASSERT_EQ(1, write(down[1], "g", 1));
	ASSERT_EQ(sizeof(ret), read(up[0], &ret, sizeof(ret)));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(-EACCES, ret);
	/* The record names the raw id the task had: 200001. */
	EXPECT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_MMAP, 200001,
				    self->rid, &rec));
	EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
	close(up[0]);
	close(down[1]);
	close(afd);
	close(rfd);
}

/* A debugfs fw/stats counter, or -1. */
static long fw_stat(const char *key)
{
	char buf[512], *p;
	size_t n = strlen(key);

	if (aet_read_file(AQT_DEBUGFS "/fw/stats", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

/*
 * Every one of the 64 quarantine slots quarantined: a 65th uid crossing
 * the threshold is quarantined still, the oldest quarantined uid making
 * room (counted as an eviction).
 */
TEST_F_TIMEOUT(fw, quarantine_works_when_every_slot_is_taken, 300)
{
	struct aether_qos_fw_list l;
	struct aet_user u = { .name = "fwq" };
	char path[128];
	int rfd, rfd2, afd, i;
	long ev0 = fw_stat("quarantine_evictions");

	snprintf(path, sizeof(path), "%s/fw_quarantine_threshold", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "1"));
	snprintf(path, sizeof(path), "%s/fw_quarantine_window_ms", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "3600000"));
	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	rfd2 = fw_region(self->mfd, NULL, 0, NULL);
	ASSERT_LE(0, rfd2);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_ANY, 0,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_WRITE));
	for (i = 0; i < 64; i++) {
		u.uid = u.gid = 30000 + i;
		ASSERT_EQ(-EACCES, fw_map_as(&u, rfd, PROT_READ | PROT_WRITE));
	}
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	ASSERT_EQ(64, l.quarantined);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	/* The 65th: refused, and then quarantined (rfd2 is named by no rule). */
	u.uid = u.gid = 30064;
	EXPECT_EQ(0, fw_map_as(&u, rfd2, PROT_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&u, rfd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(-EACCES, fw_map_as(&u, rfd2, PROT_READ));
	EXPECT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_QUARANTINE, 30064, 0,
				    NULL));
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	EXPECT_EQ(64, l.quarantined);
	/* The oldest went: 30000 maps again, and that was counted. */
	u.uid = u.gid = 30000;
	EXPECT_EQ(0, fw_map_as(&u, rfd2, PROT_READ));
	EXPECT_EQ(ev0 + 1, fw_stat("quarantine_evictions"));
	close(afd);
	close(rfd2);
	close(rfd);
}

/* Wait (at most two minutes: never a timing assertion) for @key > @above. */
static long fw_stat_wait(const char *key, long above)
{
	long v = fw_stat(key);
	int i;

	for (i = 0; i < 12000 && v >= 0 && v <= above; i++) {
		usleep(10000);
		v = fw_stat(key);
	}
	return v;
}

/*
 * A process of @u maps @rfd read-write and writes every page, tells the
 * parent, waits, then reads and writes every page again: exit 0 when the
 * values held, killed by SIGSEGV when its mapping was taken back and the
 * firewall refuses the touch.
 */
static void fw_touch_child(const struct aet_user *u, int rfd, int ready,
			   int go)
{
	volatile unsigned char *p;
	char b;
	int i;

	if (aet_become(u))
		_exit(100);
	p = mmap(NULL, FW_PAGES * psize(), PROT_READ | PROT_WRITE,
		 MAP_SHARED, rfd, 0);
	if (p == MAP_FAILED)
		_exit(101);
	for (i = 0; i < FW_PAGES; i++)
		p[i * psize()] = 10 + i;
	if (write(ready, "r", 1) != 1)
		_exit(102);
	if (read(go, &b, 1) != 1)
		_exit(103);
	for (i = 0; i < FW_PAGES; i++) {
		if (p[i * psize()] != 10 + i)
			_exit(104);
		p[i * psize()] = 20 + i;
	}
	_exit(0);
}

/* A fw_touch_child() that has touched every page, waiting for its go. */
struct fw_toucher {
	pid_t pid;
	int go;		/* write end of its go pipe */
};

/* Start a toucher as @u on @rfd and wait until it has touched. */
static int fw_touching(const struct aet_user *u, int rfd,
		       struct fw_toucher *t)
{
	int ready[2], go[2];
	char c;

	if (pipe(ready))
		return -1;
	if (pipe(go)) {
		fw_close_pipes(ready, NULL, NULL, NULL);
		return -1;
	}
	fflush(NULL);
	t->pid = fork();
	if (!t->pid)
		fw_touch_child(u, rfd, ready[1], go[0]);
	close(ready[1]);
	close(go[0]);
	t->go = go[1];
	if (t->pid > 0 && read(ready[0], &c, 1) == 1) {
		close(ready[0]);
		return 0;
	}
	close(ready[0]);
	close(go[1]);
	if (t->pid > 0)
		waitpid(t->pid, NULL, 0);
	return -1;
}

/* Let @t touch every page again: its wait status, -1 when lost. */
static int fw_touch_again(struct fw_toucher *t)
{
	int st = -1;

	if (write(t->go, "g", 1) != 1 || waitpid(t->pid, &st, 0) != t->pid)
		st = -1;
	close(t->go);
	return st;
}

/*
 * Issue 15, review finding 9: a quarantine takes back the mappings of the
 * quarantined uid only.  Alice and bob map one region and touch every
 * page; alice is quarantined; bob touches every page again without one
 * fault (the region's fault counter stays), alice's next touch is checked
 * and refused (SIGSEGV, an audit record).  Before, every mapping of every
 * region was zapped and bob faulted his four pages in again.
 */
TEST_F_TIMEOUT(fw, quarantine_takes_back_only_that_uids_mappings, 300)
{
	struct aether_mm_region_info ri;
	struct aether_qos_fw_record rec;
	struct fw_toucher ta, tb;
	int rfd, rfd9, afd, sa, sb, i;
	char path[128];
	__u64 faults;
	long rev;

	snprintf(path, sizeof(path), "%s/fw_quarantine_threshold", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "3"));
	snprintf(path, sizeof(path), "%s/fw_quarantine_window_ms", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "3600000"));
	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	rfd9 = fw_region(self->mfd, "fwt-q9", 0, NULL);
	ASSERT_LE(0, rfd9);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-q9",
			     AETHER_QOS_FW_OPEN));
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	ASSERT_EQ(0, fw_touching(&alice, rfd, &ta));
	ASSERT_EQ(0, fw_touching(&bob, rfd, &tb));
	fw_drain(afd);
	rev = fw_stat("revokes");
	ASSERT_LE(0, rev);
	/* three refusals of alice: quarantined, her mappings taken back */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-EACCES, fw_open_as(&alice, "fwt-q9"));
	ASSERT_LT(rev, fw_stat_wait("revokes", rev));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	faults = ri.faults;
	sb = fw_touch_again(&tb);
	EXPECT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0) TH_LOG("bob %#x", sb);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	EXPECT_EQ(faults, ri.faults);		/* bob's mapping stayed */
	sa = fw_touch_again(&ta);
	EXPECT_TRUE(WIFSIGNALED(sa) && WTERMSIG(sa) == SIGSEGV)
		TH_LOG("alice %#x", sa);
	ASSERT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_FAULT, 1000,
				    self->rid, &rec));
	EXPECT_TRUE(rec.flags & AETHER_QOS_FW_REC_QUARANTINED);
	close(afd);
	close(rfd9);
	close(rfd);
}

/*
 * A rule naming one uid and one region takes back that uid's mappings of
 * that region only: bob's mapping of it and alice's of another region
 * fault nothing again; alice's of the region is refused at its next touch.
 */
TEST_F_TIMEOUT(fw, a_rule_takes_back_only_what_it_names, 300)
{
	struct aether_mm_region_info ri, ri2;
	struct fw_toucher ta, tb, to;
	int rfd, rfd2, sa, sb, so;
	__u64 f1, f2;

	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	rfd2 = fw_region(self->mfd, NULL, 0, NULL);
	ASSERT_LE(0, rfd2);
	ASSERT_EQ(0, fw_touching(&alice, rfd, &ta));
	ASSERT_EQ(0, fw_touching(&bob, rfd, &tb));
	ASSERT_EQ(0, fw_touching(&alice, rfd2, &to));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_WRITE));
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(0, aemt_region_info(rfd2, &ri2));
	f1 = ri.faults;
	f2 = ri2.faults;
	sb = fw_touch_again(&tb);
	so = fw_touch_again(&to);
	EXPECT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0) TH_LOG("bob %#x", sb);
	EXPECT_TRUE(WIFEXITED(so) && WEXITSTATUS(so) == 0)
		TH_LOG("alice's other %#x", so);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(0, aemt_region_info(rfd2, &ri2));
	EXPECT_EQ(f1, ri.faults);
	EXPECT_EQ(f2, ri2.faults);
	sa = fw_touch_again(&ta);
	EXPECT_TRUE(WIFSIGNALED(sa) && WTERMSIG(sa) == SIGSEGV)
		TH_LOG("alice %#x", sa);
	close(rfd2);
	close(rfd);
}

/*
 * Alice asks REGION_INFO of @rfd (refused) until @stop is readable, after
 * telling @up once she has asked 100 times.
 */
static void fw_flood_child(int rfd, int up, int stop)
{
	struct aether_mm_region_info ri;
	struct pollfd pfd = { .fd = stop, .events = POLLIN };
	long n;

	if (aet_become(&alice))
		_exit(100);
	for (n = 0;; n++) {
		aemt_region_info(rfd, &ri);
		if (n == 100 && write(up, "u", 1) != 1)
			_exit(101);
		if (n > 100 && !(n % 64) && poll(&pfd, 1, 0) == 1)
			break;
	}
	_exit(0);
}

/*
 * Issue 15, review finding 7: the audit rate is each uid's.  Alice floods
 * the firewall with refusals (and is quarantined for it) while bob is
 * refused five times: bob's five records are all in the ring.  With one
 * rate for everybody alice's flood took every record a second could hold.
 */
TEST_F_TIMEOUT(fw, one_users_flood_leaves_anothers_refusals_recorded, 300)
{
	struct aether_qos_fw_record rec;
	int up[2], stop[2], rfd, afd, i, bobs = 0;
	char path[128], c;
	pid_t a;

	snprintf(path, sizeof(path), "%s/fw_audit_rate", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "5"));
	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_INFO));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_READ));
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(stop));
	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		fw_flood_child(rfd, up[1], stop[0]);
	ASSERT_EQ(1, read(up[0], &c, 1));
	sleep(2);	/* bob's second of an earlier test is over */
	for (i = 0; i < 5; i++)
		EXPECT_EQ(-EACCES, fw_map_as(&bob, rfd, PROT_READ));
	ASSERT_EQ(1, write(stop[1], "s", 1));
	EXPECT_EQ(0, aet_wait(a));
	while (read(afd, &rec, sizeof(rec)) == sizeof(rec))
		if (rec.uid == 1001 && rec.op == AETHER_QOS_FW_OP_MMAP &&
		    rec.region_id == self->rid &&
		    rec.decision == AETHER_QOS_FW_DENY)
			bobs++;
	EXPECT_EQ(5, bobs);
	fw_close_pipes(up, stop, NULL, NULL);
	close(afd);
	close(rfd);
}

/*
 * Alice's process P maps @rfd read-only (a rule allows P), reads every
 * page, then forks C, which reads page 0: C's wait status in @res[0].
 */
struct fw_forkc {
	int go[2];
	int rfd;
	int *res;
};

static int fw_forkc_fn(void *arg)
{
	struct fw_forkc *f = arg;
	volatile unsigned char *p;
	int i, sum = 0, st;
	pid_t c;
	char b;

	if (read(f->go[0], &b, 1) != 1)
		return -EIO;
	p = mmap(NULL, FW_PAGES * psize(), PROT_READ, MAP_SHARED, f->rfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < FW_PAGES; i++)
		sum += p[i * psize()];
	if (sum != FW_PAGES * 0x5a)
		return -EPROTO;
	c = fork();
	if (c < 0)
		return -errno;
	if (!c)
		_exit(p[0] == 0x5a ? 0 : 1);	/* SIGSEGV: checked, refused */
	if (waitpid(c, &st, 0) != c)
		return -EIO;
	f->res[0] = st;
	return 0;
}

/*
 * Issue 15, review finding 8: a fork child gets no page table entry of a
 * region from its parent, so its first touch of a page the parent had
 * mapped is checked with its own credentials.  The rules allow process P
 * only (not its descendants) and deny alice; P reads every page, then its
 * child reads page 0: SIGSEGV and a record.  Before, fork copied P's
 * entries (VM_PFNMAP) and the child read them unchecked.
 */
TEST_F_TIMEOUT(fw, a_fork_child_is_checked_at_its_first_touch, 120)
{
	struct fw_forkc f = { .res = aqt_shared_page() };
	struct aether_qos_fw_record rec;
	struct aether_qos_fw_rule r[2];
	unsigned char *p;
	int afd;
	pid_t pid;

	ASSERT_NE(NULL, f.res);
	f.rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, f.rfd);
	p = mmap(NULL, FW_PAGES * psize(), PROT_READ | PROT_WRITE,
		 MAP_SHARED, f.rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, FW_PAGES * psize());
	munmap(p, FW_PAGES * psize());
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	f.res[0] = -1;
	ASSERT_EQ(0, pipe(f.go));
	pid = aet_start_as(&alice, fw_forkc_fn, &f);
	ASSERT_LT(0, pid);
	r[0] = fw_rule(AETHER_QOS_FW_ALLOW, AETHER_QOS_FW_SUBJ_PID, pid,
		       AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
		       AETHER_QOS_FW_READ);
	r[1] = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 1000,
		       AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
		       AETHER_QOS_FW_READ);
	ASSERT_EQ(0, fw_add_at(self->fd, r, 2, AETHER_QOS_FW_APPEND, NULL));
	ASSERT_EQ(1, write(f.go[1], "g", 1));
	EXPECT_EQ(0, aet_wait(pid));
	EXPECT_TRUE(WIFSIGNALED(f.res[0]) && WTERMSIG(f.res[0]) == SIGSEGV)
		TH_LOG("child %#x", f.res[0]);
	EXPECT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_FAULT, 1000,
				    self->rid, &rec));
	fw_close_pipes(f.go, NULL, NULL, NULL);
	close(afd);
	close(f.rfd);
}

/* Room for the debugfs audit file: 1024 records (fw_audit_size) of text. */
#define FW_AUDIT_TEXT	(1 << 20)

TEST_F(fw, audit_fd_polls_and_records_hold_the_fields)
{
	struct aether_qos_fw_record rec;
	struct aether_qos_fw_rule r[2];
	struct aether_mm_region_info ri;
	struct aether_qos_fw_list l;
	struct pollfd pfd;
	char buf[16384], *log;
	int rfd, afd, id;

	rfd = fw_region(self->mfd, "fwt-audit", 0, &self->rid);
	ASSERT_LE(0, rfd);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK |
			    AETHER_QOS_FW_AUDIT_CLOEXEC);
	ASSERT_LE(0, afd);
	fw_drain(afd);
	EXPECT_EQ(-1, read(afd, &rec, sizeof(rec)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, read(afd, &rec, sizeof(rec) - 1));
	EXPECT_EQ(EINVAL, errno);
	pfd.fd = afd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	id = fw_add1(self->fd, AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 0,
		     AETHER_QOS_FW_OBJ_ID, self->rid, NULL, AETHER_QOS_FW_INFO);
	ASSERT_LT(0, id);
	EXPECT_EQ(-EACCES, aemt_region_info(rfd, &ri));
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ((ssize_t)sizeof(rec), read(afd, &rec, sizeof(rec)));
	EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
	EXPECT_EQ(AETHER_QOS_FW_OP_IOCTL, rec.op);
	EXPECT_EQ(AETHER_QOS_FW_INFO, rec.requested);
	EXPECT_EQ(0, rec.allowed);
	EXPECT_EQ(-EACCES, rec.err);
	EXPECT_EQ(0, rec.uid);
	EXPECT_EQ(getpid(), rec.pid);
	EXPECT_EQ((__u32)id, rec.rule_id);
	EXPECT_EQ(self->rid, rec.region_id);
	EXPECT_STREQ("fwt-audit", rec.name);
	EXPECT_LT(0, rec.seq);
	EXPECT_LT(0, rec.time_ns);
	/* the hit counter and LIST */
	ASSERT_EQ(0, fw_list(self->fd, r, 2, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ((__u32)id, r[0].id);
	EXPECT_EQ(1, r[0].hits);
	EXPECT_EQ(0, r[0].subject_id);
	EXPECT_EQ(self->rid, r[0].object_id);
	/* debugfs shows the rule and the record */
	if (aet_read_file(AQT_DEBUGFS "/fw/rules", buf, sizeof(buf)) >= 0)
		EXPECT_NE(NULL, strstr(buf, " deny uid 0 id "));
	/*
	 * The newest record is the last line of a ring that earlier tests
	 * filled (up to fw_audit_size lines of 200 bytes or so): read it all.
	 */
	log = malloc(FW_AUDIT_TEXT);
	ASSERT_NE(NULL, log);
	if (aet_read_file(AQT_DEBUGFS "/fw/audit", log, FW_AUDIT_TEXT) >= 0)
		EXPECT_NE(NULL, strstr(log, "fwt-audit"));
	free(log);
	/* an AUDIT rule allows, and records */
	ASSERT_EQ(0, fw_del(self->fd, 0, id));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_AUDIT,
			     AETHER_QOS_FW_SUBJ_ANY, 0, AETHER_QOS_FW_OBJ_ID,
			     self->rid, NULL, AETHER_QOS_FW_INFO));
	EXPECT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ((ssize_t)sizeof(rec), read(afd, &rec, sizeof(rec)));
	EXPECT_EQ(AETHER_QOS_FW_AUDIT, rec.decision);
	EXPECT_EQ(0, rec.err);
	EXPECT_EQ(AETHER_QOS_FW_INFO, rec.allowed);
	close(afd);
	close(rfd);
}

TEST_F(fw, default_deny_permissive_mode_and_order)
{
	struct aether_qos_fw_rule r;
	struct aether_qos_fw_record rec;
	int rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	int afd;

	ASSERT_LE(0, rfd);
	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	/* default deny: refused without a rule, allowed with one */
	ASSERT_EQ(0, fw_default(self->fd, AETHER_QOS_FW_DENY, 0));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_ALLOW,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ANY, 0, NULL,
			     AETHER_QOS_FW_READ));
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&bob, rfd, PROT_READ));
	/* a deny inserted at 0 comes first */
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_GID, 1000,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	ASSERT_EQ(0, fw_add_at(self->fd, &r, 1, 0, NULL));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ));
	/* permissive: recorded, not enforced */
	fw_drain(afd);
	ASSERT_EQ(0, fw_default(self->fd, AETHER_QOS_FW_DENY,
				AETHER_QOS_FW_DEFAULT_PERMISSIVE));
	EXPECT_EQ(0, fw_map_as(&bob, rfd, PROT_READ));
	ASSERT_EQ(0, fw_find_record(afd, AETHER_QOS_FW_OP_MMAP, 1001, self->rid,
				    &rec));
	EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
	EXPECT_FALSE(rec.flags & AETHER_QOS_FW_REC_ENFORCING);
	EXPECT_TRUE(rec.flags & AETHER_QOS_FW_REC_DEFAULT);
	close(afd);
	close(rfd);
}

TEST_F_TIMEOUT(fw, ten_thousand_rules_of_other_uids_change_nothing, 300)
{
	enum { N = 10000 };
	struct aether_qos_fw_rule *r = calloc(N, sizeof(*r));
	struct aether_qos_fw_list l;
	int rfd = fw_region(self->mfd, "fwt-many", 0, &self->rid);
	char path[128];
	int i;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, rfd);
	snprintf(path, sizeof(path), "%s/fw_batch_max", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "16384"));
	for (i = 0; i < N; i++)
		r[i] = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID,
			       20000 + i, i % 2 ? AETHER_QOS_FW_OBJ_ANY :
			       AETHER_QOS_FW_OBJ_ID, i % 2 ? 0 : self->rid, NULL,
			       AETHER_QOS_FW_READ | AETHER_QOS_FW_WRITE);
	ASSERT_EQ(0, fw_add_at(self->fd, r, N, AETHER_QOS_FW_APPEND, NULL));
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ | PROT_WRITE));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_NAME, 0, "fwt-many",
			     AETHER_QOS_FW_WRITE));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&bob, rfd, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, fw_list(self->fd, NULL, 0, &l));
	EXPECT_EQ(N + 1, l.count);
	free(r);
	close(rfd);
}

TEST_F(fw, a_secure_kind_rule_covers_every_secure_region)
{
	int plain = fw_region(self->mfd, NULL, 0, NULL);
	int sec = fw_region(self->mfd, NULL, AETHER_MM_REGION_SECURE, NULL);

	ASSERT_LE(0, plain);
	if (sec < 0) {
		close(plain);
		SKIP(return, "no SECURE region: %s", strerror(-sec));
	}
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_KIND, AETHER_MM_REGION_SECURE,
			     NULL, AETHER_QOS_FW_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&bob, sec, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&bob, plain, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&alice, sec, PROT_READ));
	close(sec);
	close(plain);
}

/* A shared region tagged @tag: fd; id in *@id. */
static int fw_region_tagged(int mfd, __u64 tag, __u64 *id)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, AETHER_MM_REGION_SHARED, FW_PAGES * psize());
	c.tag = tag;
	ret = aemt_region_create(mfd, &c);
	if (ret)
		return ret;
	*id = c.id;
	return c.fd;
}

/*
 * Issue 15, region tags: a tag given at REGION_CREATE is REGION_INFO's
 * @tag, and an OBJ_TAG rule covers every region with that tag and no
 * other; a caller built before @tag (the old size) makes an untagged
 * region, and nothing past its size is read or written.
 */
TEST_F(fw, a_tag_rule_covers_the_regions_of_that_tag)
{
	struct aether_mm_region_info ri;
	struct aether_mm_region_create c;
	struct aether_qos_fw_rule r;
	__u64 id1, id2, id3;
	int t1, t2, other, old;

	t1 = fw_region_tagged(self->mfd, 0x7a67, &id1);
	ASSERT_LE(0, t1);
	t2 = fw_region_tagged(self->mfd, 0x7a67, &id2);
	ASSERT_LE(0, t2);
	other = fw_region_tagged(self->mfd, 0x7a68, &id3);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, aemt_region_info(t1, &ri));
	EXPECT_EQ(0x7a67, ri.tag);
	ASSERT_EQ(0, aemt_region_info(other, &ri));
	EXPECT_EQ(0x7a68, ri.tag);
	/* the size before @tag: untagged, @tag's bytes left alone */
	aemt_region_args(&c, AETHER_MM_REGION_SHARED, FW_PAGES * psize());
	c.size = AETHER_MM_REGION_CREATE_SIZE_VER0;
	c.tag = 0x5555;
	ASSERT_EQ(0, aet_ioctl(self->mfd, AETHER_MM_IOC_REGION_CREATE, &c));
	EXPECT_EQ(0x5555, c.tag);
	old = c.fd;
	ASSERT_LE(0, old);
	ASSERT_EQ(0, aemt_region_info(old, &ri));
	EXPECT_EQ(0, ri.tag);
	c.size = AETHER_MM_REGION_CREATE_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->mfd, AETHER_MM_IOC_REGION_CREATE,
				     &c));
	/* REGION_INFO wants @tag zero going in */
	memset(&ri, 0, sizeof(ri));
	ri.size = sizeof(ri);
	ri.tag = 1;
	EXPECT_EQ(-EINVAL, aet_ioctl(t1, AETHER_MM_IOC_REGION_INFO, &ri));
	/* a tag rule: 0 is no tag (-EINVAL), a name is not its field */
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 1000,
		    AETHER_QOS_FW_OBJ_TAG, 0, NULL, AETHER_QOS_FW_READ);
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_UID, 1000,
		    AETHER_QOS_FW_OBJ_TAG, 0x7a67, "x", AETHER_QOS_FW_READ);
	EXPECT_EQ(-EINVAL, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND,
				     NULL));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_TAG, 0x7a67, NULL,
			     AETHER_QOS_FW_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, t1, PROT_READ));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, t2, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&alice, other, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&alice, old, PROT_READ));
	EXPECT_EQ(0, fw_map_as(&bob, t1, PROT_READ));
	close(old);
	close(other);
	close(t2);
	close(t1);
}

TEST_F(fw, aetherctl_qos_fw)
{
	static char out[65536];
	char cmd[256];
	int rfd;

	if (aet_shell("aetherctl --help >/dev/null 2>&1; echo $?", out,
		      sizeof(out)) != 0 || atoi(out) == 127)
		SKIP(return, "no aetherctl on PATH");
	rfd = fw_region(self->mfd, "fwt-ctl", 0, &self->rid);
	ASSERT_LE(0, rfd);
	snprintf(cmd, sizeof(cmd),
		 "aetherctl qos fw add deny uid:1000 id:%llu read,write allow pid:%d+ glob:'fwt-c*' open >/dev/null",
		 (unsigned long long)self->rid, getpid());
	ASSERT_EQ(0, aet_shell(cmd, out, sizeof(out)));
	EXPECT_EQ(-EACCES, fw_map_as(&alice, rfd, PROT_READ));
	ASSERT_EQ(0, aet_shell("aetherctl --json qos fw list", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"subject\": \"uid:1000\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"object\": \"glob:fwt-c*\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"access\": \"read,write\"")) TH_LOG("%s", out);
	ASSERT_EQ(0, aet_shell("aetherctl --json qos fw audit", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"op\": \"mmap\"")) TH_LOG("%s", out);
	EXPECT_NE(0, aet_shell("aetherctl qos fw add deny uid:x any read 2>/dev/null",
			       out, sizeof(out)));
	ASSERT_EQ(0, aet_shell("aetherctl qos fw default deny --permissive", out,
			       sizeof(out)));
	ASSERT_EQ(0, aet_shell("aetherctl qos fw del all", out, sizeof(out)));
	EXPECT_EQ(0, fw_map_as(&alice, rfd, PROT_READ));	/* permissive */
	ASSERT_EQ(0, aet_shell("aetherctl qos fw default allow", out, sizeof(out)));
	ASSERT_EQ(0, aet_shell("aetherctl --json qos fw list", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"default\": \"allow\"")) TH_LOG("%s", out);
	close(rfd);
}

/* Alice asks REGION_INFO of @rfd (refused) @n times. */
struct fw_flood_n {
	int rfd;
	long n;
};

static int fw_flood_n_fn(void *arg)
{
	const struct fw_flood_n *f = arg;
	struct aether_mm_region_info ri;
	long i;

	for (i = 0; i < f->n; i++)
		aemt_region_info(f->rfd, &ri);
	return 0;
}

/* Kernel log lines from @kfd (at the end of the log when opened) with @s. */
static int fw_kmsg_count(int kfd, const char *s)
{
	char line[1024];
	ssize_t n;
	int found = 0;

	for (;;) {
		n = read(kfd, line, sizeof(line) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on with the next */
		if (n <= 0)
			break;
		line[n] = '\0';
		if (strstr(line, s))
			found++;
	}
	return found;
}

/*
 * Review s28 finding 2: the audit rate bounds how fast one uid writes,
 * not how much of the ring it holds.  With no rate at all (fw_audit_rate
 * 0), alice (quarantined on the way) is refused four rings' worth of
 * times after bob was refused once: bob's record is still in the ring
 * and no record before it was lost, alice holds at most a quarter of the
 * ring, the rest of her refusals are counted as suppressed (in bob's
 * next record), and bob's refusals still log their kernel lines, each
 * uid having its own log budget.  Before, alice's flood overwrote the
 * whole ring, bob's record with it, and spent the one log budget.
 */
TEST_F_TIMEOUT(fw, a_flood_does_not_overwrite_anothers_refusal, 600)
{
	struct aether_qos_fw_record rec;
	struct fw_flood_n f;
	unsigned long size = 1;
	__u64 bob_seq = 0, suppressed = 0;
	int rfd, afd, kfd, bobs = 0, alices = 0;
	char path[128], buf[32];

	snprintf(path, sizeof(path), "%s/fw_audit_size", AQT_PARAMS);
	ASSERT_EQ(0, aet_read_file(path, buf, sizeof(buf)));
	while (size < strtoul(buf, NULL, 10))
		size <<= 1;
	snprintf(path, sizeof(path), "%s/fw_audit_rate", AQT_PARAMS);
	ASSERT_EQ(0, aet_write_file(path, "0"));
	rfd = fw_region(self->mfd, NULL, 0, &self->rid);
	ASSERT_LE(0, rfd);
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1000,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_INFO));
	ASSERT_LT(0, fw_add1(self->fd, AETHER_QOS_FW_DENY,
			     AETHER_QOS_FW_SUBJ_UID, 1001,
			     AETHER_QOS_FW_OBJ_ID, self->rid, NULL,
			     AETHER_QOS_FW_READ));
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kfd);
	ASSERT_LE(0, lseek(kfd, 0, SEEK_END));
	sleep(6);	/* bob's log interval of earlier tests is over */
	EXPECT_EQ(-EACCES, fw_map_as(&bob, rfd, PROT_READ));
	f.rfd = rfd;
	f.n = 4 * size;
	EXPECT_EQ(0, aet_run_as(&alice, fw_flood_n_fn, &f));
	EXPECT_EQ(-EACCES, fw_map_as(&bob, rfd, PROT_READ));

	afd = fw_audit_open(self->fd, AETHER_QOS_FW_AUDIT_NONBLOCK);
	ASSERT_LE(0, afd);
	while (read(afd, &rec, sizeof(rec)) == sizeof(rec)) {
		suppressed += rec.suppressed;
		if (rec.uid == 1001 && rec.op == AETHER_QOS_FW_OP_MMAP &&
		    rec.region_id == self->rid &&
		    rec.decision == AETHER_QOS_FW_DENY) {
			if (!bobs)
				bob_seq = rec.seq;
			bobs++;
		}
		/* Her records of earlier tests may count too: a slot lost
		 * to the 65 uids of another test forgets them. */
		if (rec.uid == 1000 && rec.op == AETHER_QOS_FW_OP_IOCTL &&
		    rec.region_id == self->rid)
			alices++;
	}
	EXPECT_EQ(2, bobs);
	EXPECT_NE(0, bob_seq);
	EXPECT_LE(alices, (int)(size / 4));
	EXPECT_LE((__u64)(f.n - size / 4), suppressed)
		TH_LOG("alice's %ld refusals, %d recorded, %llu suppressed",
		       f.n, alices, (unsigned long long)suppressed);
	EXPECT_EQ(2, fw_kmsg_count(kfd, "fw: denied uid 1001 "));
	close(kfd);
	close(afd);
	close(rfd);
}

/* Wait (at most a minute: never a timing assertion) for @key == @want. */
static long fw_stat_until(const char *key, long want)
{
	long v = fw_stat(key);
	int i;

	for (i = 0; i < 6000 && v >= 0 && v != want; i++) {
		usleep(10000);
		v = fw_stat(key);
	}
	return v;
}

/* @key once it holds still for a second (processes of earlier tests exit). */
static long fw_stat_settled(const char *key)
{
	long v = fw_stat(key), prev;
	int same = 0, i;

	for (i = 0; i < 600 && same < 10; i++) {
		usleep(100000);
		prev = v;
		v = fw_stat(key);
		same = v == prev ? same + 1 : 0;
	}
	return v;
}

#define FW_LIN_BATCH	100

/*
 * P, the process a DESCENDANTS rule names, forks D; D forks a batch of
 * FW_LIN_BATCH processes that each wait for a byte of @hold[0], once with
 * the rule and once after its deletion, telling the test at each stage
 * (@ready) and waiting for its word to go on (@step).
 */
struct fw_lin {
	int go[2];
	int ready[2];
	int step[2];
	int hold[2][2];
};

/* Fork the batch that waits on @hold; 0 or -errno. */
static int fw_lin_batch(int *hold)
{
	char b;
	int i;

	for (i = 0; i < FW_LIN_BATCH; i++) {
		pid_t c = fork();

		if (c < 0)
			return -errno;
		if (!c) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(read(hold[0], &b, 1) == 1 ? 0 : 1);
		}
	}
	return 0;
}

/* Reap D's batch: 0 when each of them exited 0. */
static int fw_lin_reap(void)
{
	int i, st, bad = 0;

	for (i = 0; i < FW_LIN_BATCH; i++)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	return bad;
}

static int fw_lin_d(struct fw_lin *l)
{
	char b;
	int s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a test that failed */
	for (s = 0; s < 2; s++) {
		if (fw_lin_batch(l->hold[s]))
			return 1;
		if (write(l->ready[1], "f", 1) != 1 ||
		    read(l->step[0], &b, 1) != 1)
			return 1;
		if (fw_lin_reap())
			return 1;
		if (write(l->ready[1], "r", 1) != 1 ||
		    read(l->step[0], &b, 1) != 1)
			return 1;
	}
	return 0;
}

static int fw_lin_fn(void *arg)
{
	struct fw_lin *l = arg;
	pid_t d;
	char b;
	int st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a test that failed */
	if (read(l->go[0], &b, 1) != 1)
		return -EIO;
	d = fork();
	if (d < 0)
		return -errno;
	if (!d)
		_exit(fw_lin_d(l));
	if (waitpid(d, &st, 0) != d || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	return 0;
}

/* Let D's batch @s go, and D past its next stage. */
static int fw_lin_release(struct fw_lin *l, int s)
{
	char bytes[FW_LIN_BATCH];

	memset(bytes, 'g', sizeof(bytes));
	if (write(l->hold[s][1], bytes, sizeof(bytes)) != sizeof(bytes))
		return -EIO;
	return write(l->step[1], "g", 1) == 1 ? 0 : -EIO;
}

/*
 * Review s28, finding 4: lineages are passed down only for the anchors
 * still in the table.  Under a DESCENDANTS rule of P, P's child D and
 * D's batch of 100 each have a lineage (debugfs fw/stats lineages); once
 * the batch exits the count is back to before it, and once the rule is
 * deleted, a second batch of D adds none.  Before, D passed its lineage
 * (the deleted rule's anchor) down to every child forever; the count
 * also said nothing, as there was none.
 */
TEST_F_TIMEOUT(fw, a_deleted_descendants_rule_leaves_no_lineage, 300)
{
	struct aether_qos_fw_rule r;
	struct fw_lin l;
	long before;
	__u32 id;
	pid_t p;
	char c;
	int s;

	before = fw_stat_settled("lineages");
	ASSERT_LE(0, before) TH_LOG("no lineages in debugfs fw/stats");
	ASSERT_EQ(0, pipe(l.go));
	ASSERT_EQ(0, pipe(l.ready));
	ASSERT_EQ(0, pipe(l.step));
	for (s = 0; s < 2; s++)
		ASSERT_EQ(0, pipe(l.hold[s]));
	p = aet_start_as(&alice, fw_lin_fn, &l);
	ASSERT_LT(0, p);
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_PID, p,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	r.flags = AETHER_QOS_FW_RULE_DESCENDANTS;
	ASSERT_EQ(0, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND, &id));
	ASSERT_EQ(1, write(l.go[1], "g", 1));
	/* the batch under the rule: D and its 100 have a lineage */
	ASSERT_EQ(1, read(l.ready[0], &c, 1));
	EXPECT_EQ(before + 1 + FW_LIN_BATCH,
		  fw_stat_until("lineages", before + 1 + FW_LIN_BATCH));
	ASSERT_EQ(0, fw_lin_release(&l, 0));
	ASSERT_EQ(1, read(l.ready[0], &c, 1));
	EXPECT_EQ(before + 1, fw_stat_until("lineages", before + 1));
	/* the rule goes: D's next batch is forked with no lineage */
	ASSERT_EQ(0, fw_del(self->fd, 0, id));
	ASSERT_EQ(1, write(l.step[1], "g", 1));
	ASSERT_EQ(1, read(l.ready[0], &c, 1));
	EXPECT_EQ(before + 1, fw_stat("lineages"));
	ASSERT_EQ(0, fw_lin_release(&l, 1));
	ASSERT_EQ(1, read(l.ready[0], &c, 1));
	ASSERT_EQ(1, write(l.step[1], "g", 1));
	EXPECT_EQ(0, aet_wait(p));
	/* D gone: back to the count before the rule */
	EXPECT_EQ(before, fw_stat_until("lineages", before));
	EXPECT_LE(0, fw_stat("lineage_failures"));
	fw_close_pipes(l.go, l.ready, l.step, NULL);
	fw_close_pipes(l.hold[0], l.hold[1], NULL, NULL);
}

/*
 * Alice's process P forks a chain of FW_DEEP processes, each the child of
 * the one before; the last says it is ready and waits; once told, it maps
 * @rfd, forks once more, and its child maps @rfd too: both results in
 * @out.  Each level waits for its child and exits with its status.
 */
#define FW_DEEP		80

struct fw_deep {
	int go[2];
	int ready[2];
	int rfd;
	int *out;
};

static int fw_deep_last(struct fw_deep *d)
{
	pid_t c;
	char b;
	int st;

	if (write(d->ready[1], "r", 1) != 1 || read(d->go[0], &b, 1) != 1)
		return 1;
	d->out[0] = fw_map(d->rfd, PROT_READ);
	c = fork();
	if (c < 0)
		return 1;
	if (!c)
		_exit(-fw_map(d->rfd, PROT_READ));
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return 1;
	d->out[1] = -WEXITSTATUS(st);
	return 0;
}

static int fw_deep_fn(void *arg)
{
	struct fw_deep *d = arg;
	int level, st;
	pid_t c;

	for (level = 0; level < FW_DEEP; level++) {
		c = fork();
		if (c < 0)
			return -errno;
		if (c) {	/* this level waits for the rest of the chain */
			if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
				st = 1;
			else
				st = WEXITSTATUS(st);
			if (level)
				_exit(st);
			return st ? -EIO : 0;
		}
	}
	_exit(fw_deep_last(d));
}

/*
 * Review s29, finding 1: a chain of FW_DEEP processes below P, built
 * before a DESCENDANTS rule of P is added, does not leave the rule: its
 * last process is refused, and so is the child it forks after.  Before,
 * the walk and the lookup looked 64 levels up and stopped short of P.
 */
TEST_F_TIMEOUT(fw, a_deep_chain_does_not_leave_a_descendants_rule, 300)
{
	struct fw_deep d = { .out = aqt_shared_page() };
	struct aether_qos_fw_rule r;
	pid_t p;
	char c;

	ASSERT_NE(NULL, d.out);
	d.rfd = fw_region(self->mfd, NULL, 0, NULL);
	ASSERT_LE(0, d.rfd);
	d.out[0] = 1;
	d.out[1] = 1;
	ASSERT_EQ(0, pipe(d.go));
	ASSERT_EQ(0, pipe(d.ready));
	p = aet_start_as(&alice, fw_deep_fn, &d);
	ASSERT_LT(0, p);
	ASSERT_EQ(1, read(d.ready[0], &c, 1));
	r = fw_rule(AETHER_QOS_FW_DENY, AETHER_QOS_FW_SUBJ_PID, p,
		    AETHER_QOS_FW_OBJ_ANY, 0, NULL, AETHER_QOS_FW_READ);
	r.flags = AETHER_QOS_FW_RULE_DESCENDANTS;
	ASSERT_EQ(0, fw_add_at(self->fd, &r, 1, AETHER_QOS_FW_APPEND, NULL));
	ASSERT_EQ(1, write(d.go[1], "g", 1));
	EXPECT_EQ(0, aet_wait(p));
	EXPECT_EQ(-EACCES, d.out[0]);
	EXPECT_EQ(-EACCES, d.out[1]);
	fw_del(self->fd, AETHER_QOS_FW_DEL_ALL, 0);
	/* no rule: the same map works for alice */
	EXPECT_EQ(0, fw_map_as(&alice, d.rfd, PROT_READ));
	fw_close_pipes(d.go, d.ready, NULL, NULL);
	close(d.rfd);
}

TEST_HARNESS_MAIN
