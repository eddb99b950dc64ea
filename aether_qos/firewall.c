// SPDX-License-Identifier: GPL-2.0
/*
 * firewall.c - the memory firewall: rules, their lookup, audit, quarantine
 *
 * DOC: Overview
 *
 * aether_mm asks its policy table's @may_access (include/aether/mm.h,
 * struct aem_access) before a region is opened by name, mapped (with the
 * mapper's credentials and the protection it asks for), given more
 * protection by mprotect(), touched again after a revocation, or named by
 * a region ioctl (INFO, QUERY, CHECKSUM, MIGRATE, DEDUPE, SET_QOS,
 * aether_dedupe's, aether_qos's ATTACH_REGION).  The subject is the
 * current task; the object the region (id, name, creator, flags).
 *
 * A rule is subject x object x access bits -> ALLOW, DENY or AUDIT (allow
 * and record).  The table is ordered: for each access bit asked for, the
 * matching rule of lowest index decides it; a bit no rule matches gets
 * the default action.  An access is refused (-EACCES) when any of its
 * bits is denied, unless the table is permissive (then it is recorded and
 * allowed).  An explicit allow of OPEN lets a uid open another uid's
 * named region (with AETHER_MM_REGION_OPEN_FOREIGN), which the core alone
 * grants only to the creator and CAP_SYS_ADMIN.
 *
 * Lookup.  A rule lives in one bucket of a hash keyed by its subject
 * (ANY, a uid, a gid, a QoS group id, a struct pid) and its object (ANY,
 * a region id, a name, a tag: globs and kinds count as ANY there, and
 * are tested on the rules the bucket gives).  An access probes the buckets of
 * its own keys: its fsuid, its gids (fsgid and supplementary), its QoS
 * group and that group's ancestors, its process and, when the table has
 * rules for descendants, the anchors of its lineage (see "lineages"), each
 * with the region's id, its name, its tag and ANY, and (ANY, ANY); an
 * index of the table's subject keys (@keys), each with the object kinds
 * of its rules, skips a key no rule names and the object kinds its
 * rules lack.  So the work of an
 * access grows with the caller's groups and lineage, not with the number
 * of rules; only rules that share one key (many globs of one uid, say)
 * are scanned one by one.  The table is immutable once published: a
 * change builds a new one (every rule in a flat array by bucket, counting
 * sort) and swaps it with rcu_assign_pointer(), so the hot path takes no
 * lock at all.  A bucket's slots carry their rules' keys, access bits and
 * priority, so that a scan reads the table alone and a rule only for a
 * name's bytes, a glob or a kind; a name's key (its length and a 32-bit
 * hash) is computed once per access, when a probe needs it; the keys
 * every access probes (ANY, its uid) are scanned with no call at all.
 * Rules are shared by consecutive tables (their hit counters with them)
 * and freed after a grace period once no table holds them.
 *
 * Revocation.  A change takes back the mappings it can concern, no more:
 * aether_mm's aem_access_revoke_some() zaps the page tables of the
 * mappings a selection names, and each is checked again, with the
 * toucher's credentials, at its next touch (SIGSEGV when refused).
 *
 *   quarantine of uid U	the mappings of every process one of whose
 *				threads is U (its key): exact
 *   FW_ADD, FW_DEL of rules	the mappings of regions one of the rules'
 *				objects matches, in processes one of whose
 *				threads one of the rules' subjects matches
 *				(a process rule with DESCENDANTS: the
 *				process and its descendants).  Exact for one
 *				rule; for several, every subject of one by
 *				every object of another (a superset).  More
 *				than AQOS_FW_REVOKE_RULES rules at once
 *				(FW_DEL_ALL of a large table): everything
 *   FW_DEFAULT		everything, when the default gets stricter
 *				(allow < audit < deny) or permissive mode
 *				ends; nothing otherwise (a change that only
 *				grants takes nothing back)
 *   FW_UNQUARANTINE		nothing (it grants)
 *
 * A quarantine comes from a refusal, in may_access, which may not sleep:
 * its revocation is a work item (aqos_fw_revoke_work) that takes back the
 * uids quarantined since it last ran.  Each finished revocation is
 * counted (debugfs fw/stats: revokes).
 *
 * Audit.  Refusals, AUDIT decisions and quarantines are records in a
 * ring (fw_audit_size of them), numbered, read through debugfs
 * (aether/qos/fw/audit) and from pollable fds (FW_AUDIT_OPEN), each
 * reader with its own cursor; at most fw_audit_rate records a second of
 * each subject uid (its key, as quarantine's), so that one user's flood
 * (a quarantined user's every access is a refusal) leaves the others'
 * refusals recorded; the next record says how many were dropped.  The
 * rate is kept for the AQOS_FW_RSLOTS uids recorded last: a new uid takes
 * the slot whose second began longest ago, which only ever gives its
 * former uid a fresh budget, never less.  The rate bounds how fast a
 * uid writes, not how much of the ring it holds, so each slot also counts
 * its records in the ring (@owner names each record's slot): a uid that
 * holds a quarter of the ring has its new records dropped (counted as
 * suppressed) until the ring moves past its old ones, so that one flood
 * never overwrites another uid's records; a slot taken by a new uid
 * disowns its former uid's records first.  Quarantine events and
 * integrity events are never dropped.  A kernel log line per refusal,
 * rate-limited per uid in the same slot (10 per 5 s), so that a flood
 * does not silence another user's lines; a hit counter per rule.
 *
 * Subjects.  A uid subject and quarantine are keyed by aem_user_key()
 * of the fsuid (aqos_user_key()), as the per-user bound is: inside a user
 * namespace a user made, the subordinate uids it maps are that user, so
 * unshare -U and setresuid() to a mapped id escape no uid rule and no
 * quarantine; the uids of a namespace root made are each their own.
 * Audit records keep the raw fsuid and fsgid the task had (a quarantine
 * event names the key it quarantined).  Gid subjects are the raw fsgid and
 * supplementary groups: where a user may call setgroups() in a namespace
 * of theirs, a DENY gid rule is not a boundary (README).
 *
 * Quarantine.  A uid refused fw_quarantine_threshold times within
 * fw_quarantine_window_ms is quarantined: every later access of it is
 * refused and recorded, an event record is written, its mappings are
 * revoked; FW_UNQUARANTINE lets it go.  A small table of recent uids
 * (AQOS_FW_QSLOTS) counts; the oldest unquarantined slot is reused, and
 * when every slot is quarantined the one quarantined longest is let go to
 * make room (counted: quarantine_evictions in debugfs fw/stats, and
 * logged), so quarantine never stops working.
 *
 * Lock order (a lock may be taken while holding those above it):
 *
 *   1 aqos_fw_lock (mutex)	the rule list, ids, default and mode: the
 *				writers of the table (FW_* ioctls); held
 *				across the revocation of the rules a change
 *				adds or deletes, so that they stay (aether_mm
 *				takes its revocation locks and processes'
 *				mmap_lock inside it; no fault takes it)
 *   2 reader->lock (mutex)	one audit fd's cursor (read())
 *   3 aqos_fw_qlock (spin)	the quarantine slots
 *   4 aqos_fw_ring.lock (spin)	the audit ring, its sequence and rate
 *   5 aqos_fw_lin_lock (spin)	the lineages' writers (fork and exit probes,
 *				a DESCENDANTS rule's addition) and their
 *				count; taken alone (see "lineages")
 *
 * The published table is read under rcu_read_lock() (may_access is called
 * inside it by the core).  3 and 4 are taken from may_access, in any
 * context the core calls it from (a fault with mmap_lock held): never
 * both at once.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/bsearch.h>
#include <linux/glob.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/threads.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <aether/ioctl.h>
#include "internal.h"
#include "trace.h"

static_assert(AETHER_QOS_FW_OPEN == AEM_ACCESS_OPEN);
static_assert(AETHER_QOS_FW_READ == AEM_ACCESS_READ);
static_assert(AETHER_QOS_FW_WRITE == AEM_ACCESS_WRITE);
static_assert(AETHER_QOS_FW_EXEC == AEM_ACCESS_EXEC);
static_assert(AETHER_QOS_FW_MPROTECT == AEM_ACCESS_MPROTECT);
static_assert(AETHER_QOS_FW_ATTACH == AEM_ACCESS_ATTACH);
static_assert(AETHER_QOS_FW_OP_OPEN == AEM_ACCESS_OP_OPEN);
static_assert(AETHER_QOS_FW_OP_IOCTL == AEM_ACCESS_OP_IOCTL);
static_assert(AETHER_QOS_FW_NAME_MAX == AETHER_MM_REGION_NAME_MAX);

#define AQOS_FW_NR_BITS		12	/* AETHER_QOS_FW_ACCESS_ALL */
#define AQOS_FW_QSLOTS		64	/* uids counted for quarantine */
#define AQOS_FW_RSLOTS		64	/* uids with an audit rate of their own */
#define AQOS_FW_RING_SHARE	4	/* a uid holds 1/4 of the ring at most */
#define AQOS_FW_NO_OWNER	0xff	/* a ring record of no rate slot */
#define AQOS_FW_LOG_BURST	10	/* kernel lines of one uid ... */
#define AQOS_FW_LOG_INTERVAL	(5 * HZ)	/* ... in this long */
static_assert(AQOS_FW_RSLOTS < AQOS_FW_NO_OWNER);
/* Processes a real_parent chain is followed through: the whole chain. */
#define AQOS_FW_CHAIN_MAX	PID_MAX_LIMIT
#define AQOS_FW_MAX_GROUP_DEPTH	32	/* QoS group ancestry probed */
#define AQOS_FW_NO_POS		U32_MAX

/* The module parameters (checked: see the end of the file). */
static unsigned int aqos_fw_rules_max = 65536;
static unsigned int aqos_fw_batch_max = 16384;
static unsigned int aqos_fw_audit_size = 1024;
static unsigned int aqos_fw_audit_rate = 1000;
static unsigned int aqos_fw_qthreshold = 64;
static unsigned int aqos_fw_qwindow_ms = 10000;

/* More rules than this changed at once are revoked as everything. */
#define AQOS_FW_REVOKE_RULES	64

/**
 * struct aqos_fw_rule - one rule, shared by the tables that hold it
 * @id:		its number (UAPI @id)
 * @action, @subject, @object, @access, @flags: UAPI's
 * @skey:	the subject's key: a kuid's or kgid's value, a group id, a
 *		struct pid's address; 0 for ANY
 * @okind:	the object kind of its bucket key: OBJ_ID, OBJ_NAME or
 *		OBJ_ANY (globs and kinds)
 * @okey:	the object's key: the id, the name's hash, 0
 * @object_id:	UAPI @object_id
 * @pid:	SUBJ_PID: the process, referenced
 * @hits:	accesses it decided
 * @rcu:	freed after the grace period that follows its last table
 * @name:	UAPI @name
 */
struct aqos_fw_rule {
	u32 id;
	u8 action;
	u8 subject;
	u8 object;
	u8 okind;
	u32 access;
	u32 flags;
	u64 skey;
	u64 okey;
	u64 object_id;
	struct pid *pid;
	atomic64_t hits;
	struct rcu_head rcu;
	char name[AETHER_QOS_FW_NAME_MAX];
};

/* A subject key of a table's rules: the object kinds they have. */
struct aqos_fw_key {
	u64 skey;
	u8 subject;		/* 0 (ANY): an empty slot */
	u8 okinds;		/* BIT(okind) of each of its rules */
};

/*
 * A rule in a bucket: its keys and what a match reads, copied from the
 * rule so that the scan of a bucket reads the table alone, and its index
 * in the table (its priority).
 */
struct aqos_fw_slot {
	u64 skey;
	u64 okey;
	u32 pos;
	u32 access;
	u8 subject;
	u8 okind;
	u8 object;
	bool desc;		/* AETHER_QOS_FW_RULE_DESCENDANTS */
	struct aqos_fw_rule *rule;
};

/**
 * struct aqos_fw_table - one published version of the table, immutable
 * @gen:	the generation (FW_LIST)
 * @nr:		rules
 * @mask:	buckets - 1 (a power of two, >= @nr)
 * @default_action, @mode: FW_DEFAULT's
 * @nr_subj:	rules per subject kind (probes for absent kinds are skipped)
 * @more:	rules of gids, QoS groups or processes (aqos_fw_lookup_more())
 * @okinds:	per subject kind, a bit per object kind of its rules' bucket
 *		keys (BIT(okind)): a probe skips the keys no rule has
 * @keys:	the subject keys its rules name (not ANY), @kmask + 1 slots
 *		(at least twice as many as rules; open addressing), each with
 *		the object kinds of its rules' bucket keys: a probe of a key
 *		that no rule names, or of an object kind its rules lack, is
 *		skipped (aqos_fw_key_okinds())
 * @kmask:	slots of @keys - 1
 * @nr_desc:	PID rules with AETHER_QOS_FW_RULE_DESCENDANTS
 * @desc:	their processes (struct pid addresses), sorted: the anchors
 *		of lineages (aqos_fw_fork())
 * @lost:	with @nr_desc, the bitmap of lost processes (see "lineages")
 * @rules:	in table order
 * @start:	bucket b is @slots[@start[b] .. @start[b + 1] - 1]
 * @slots:	the rules by bucket
 * @rcu:	freed after a grace period
 *
 * @keys, @slots and @start live in the same allocation as the table,
 * right after it (aqos_fw_table_build()): a lookup reads one run of
 * memory, not four allocations, and a build has one allocation to fail.
 */
struct aqos_fw_table {
	u64 gen;
	u32 nr;
	u32 mask;
	u32 default_action;
	u32 mode;
	u32 nr_subj[AETHER_QOS_FW_NR_SUBJ];
	bool more;
	u8 okinds[AETHER_QOS_FW_NR_SUBJ];
	struct aqos_fw_key *keys;
	u32 kmask;
	u32 nr_desc;
	unsigned long *desc;
	unsigned long *lost;
	struct aqos_fw_rule **rules;
	u32 *start;
	struct aqos_fw_slot *slots;
	struct rcu_head rcu;
};

static DEFINE_MUTEX(aqos_fw_lock);
static struct aqos_fw_table __rcu *aqos_fw_table;
static u32 aqos_fw_next_id = 1;		/* aqos_fw_lock */
static u64 aqos_fw_gen;			/* aqos_fw_lock */
static struct dentry *aqos_fw_dir;

/* What one access found: the deciding rule and index of each bit. */
struct aqos_fw_match {
	u32 want;
	u64 name_key;		/* the region's name's bucket key, 0: not yet */
	u32 pos[AQOS_FW_NR_BITS];
	struct aqos_fw_rule *rule[AQOS_FW_NR_BITS];
};

/* ---- the audit ring ---------------------------------------------------- */

/**
 * struct aqos_fw_rslot - the audit rate and share of one subject uid
 * @uid:	its key (aqos_user_key())
 * @used:	@uid is set
 * @window:	start of its current second (ns)
 * @in_window:	its records written in it
 * @held:	its records in the ring now (at most size / AQOS_FW_RING_SHARE
 *		but for forced ones): a flood fills its own share, never
 *		overwrites other uids' records
 * @log_start:	jiffies: start of its kernel-log interval
 * @log_nr:	kernel lines it logged in that interval
 */
struct aqos_fw_rslot {
	kuid_t uid;
	bool used;
	u64 window;
	u32 in_window;
	u32 held;
	unsigned long log_start;
	u32 log_nr;
};

/**
 * struct aqos_fw_ring - the audit records
 * @lock:	everything below
 * @recs:	@size records, record s at @recs[s & (@size - 1)]
 * @owner:	the index in @rate of each record's writer (counted in its
 *		@held), or AQOS_FW_NO_OWNER
 * @size:	a power of two
 * @seq:	the last record written (0: none yet)
 * @suppressed:	records dropped by the rate limit since the last written
 * @rate:	the rate limit of the uids recorded last
 * @wait:	readers waiting (audit fds' read() and poll())
 */
static struct aqos_fw_ring {
	spinlock_t lock;		/* lock order 4 */
	struct aether_qos_fw_record *recs;
	u8 *owner;
	u32 size;
	u64 seq;
	u32 suppressed;
	struct aqos_fw_rslot rate[AQOS_FW_RSLOTS];
	wait_queue_head_t wait;
} aqos_fw_ring = {
	.lock = __SPIN_LOCK_UNLOCKED(aqos_fw_ring.lock),
	.wait = __WAIT_QUEUE_HEAD_INITIALIZER(aqos_fw_ring.wait),
};

static atomic64_t aqos_fw_nr_denied;
static atomic64_t aqos_fw_nr_audited;
static DEFINE_PER_CPU(u64, aqos_fw_nr_checked);	/* this_cpu_inc() */
static atomic64_t aqos_fw_nr_quarantines;

/* The rate slot of @uid: its own, else the one whose second is oldest. */
static struct aqos_fw_rslot *aqos_fw_rslot(struct aqos_fw_ring *ring,
					   kuid_t uid)
{
	struct aqos_fw_rslot *s, *victim = NULL;
	int i;

	lockdep_assert_held(&ring->lock);
	for (i = 0; i < AQOS_FW_RSLOTS; i++) {
		s = &ring->rate[i];
		if (s->used && uid_eq(s->uid, uid))
			return s;
		if (!victim || (victim->used &&
				(!s->used || s->window < victim->window)))
			victim = s;
	}
	/* Its former uid's records no longer count against the new one. */
	for (i = 0; victim->held && i < ring->size; i++)
		if (ring->owner[i] == victim - ring->rate) {
			ring->owner[i] = AQOS_FW_NO_OWNER;
			victim->held--;
		}
	victim->used = true;
	victim->uid = uid;
	victim->window = 0;
	victim->in_window = 0;
	victim->log_start = jiffies;
	victim->log_nr = 0;
	return victim;
}

/* May @s's uid log one more kernel line of a refusal now? */
static bool aqos_fw_rslot_log(struct aqos_fw_rslot *s)
{
	if (time_after(jiffies, s->log_start + AQOS_FW_LOG_INTERVAL)) {
		s->log_start = jiffies;
		s->log_nr = 0;
	}
	if (s->log_nr >= AQOS_FW_LOG_BURST)
		return false;
	s->log_nr++;
	return true;
}

/*
 * Write @rec (its @seq, @suppressed filled here) unless its subject @uid
 * (a key) is over its rate or holds its share of the ring already;
 * @force: whatever the rate and the share.  Return: whether a refusal of
 * @uid may log its kernel line (each uid's own ratelimit, so that one
 * user's flood does not silence another's lines).
 */
static bool aqos_fw_ring_add(struct aether_qos_fw_record *rec, kuid_t uid,
			     bool force)
{
	struct aqos_fw_ring *ring = &aqos_fw_ring;
	unsigned int rate = READ_ONCE(aqos_fw_audit_rate);
	struct aqos_fw_rslot *s;
	unsigned long flags;
	bool log;
	u32 pos;

	spin_lock_irqsave(&ring->lock, flags);
	s = aqos_fw_rslot(ring, uid);
	log = rec->decision == AETHER_QOS_FW_DENY && aqos_fw_rslot_log(s);
	if (!force && rate) {
		if (rec->time_ns - s->window >= NSEC_PER_SEC) {
			s->window = rec->time_ns;
			s->in_window = 0;
		}
		if (s->in_window >= rate)
			goto out_suppress;
	}
	if (!force && s->held >= ring->size / AQOS_FW_RING_SHARE)
		goto out_suppress;
	if (!force && rate)
		s->in_window++;
	rec->seq = ++ring->seq;
	rec->suppressed = ring->suppressed;
	ring->suppressed = 0;
	pos = rec->seq & (ring->size - 1);
	if (ring->owner[pos] != AQOS_FW_NO_OWNER)
		ring->rate[ring->owner[pos]].held--;
	ring->owner[pos] = s - ring->rate;
	s->held++;
	ring->recs[pos] = *rec;
	spin_unlock_irqrestore(&ring->lock, flags);
	wake_up_interruptible(&ring->wait);
	return log;

out_suppress:
	ring->suppressed++;
	spin_unlock_irqrestore(&ring->lock, flags);
	return log;
}

/* Copy record @seq out, or the oldest still held; false when not yet. */
static bool aqos_fw_ring_get(u64 *seq, struct aether_qos_fw_record *rec)
{
	struct aqos_fw_ring *ring = &aqos_fw_ring;
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&ring->lock, flags);
	if (ring->seq >= ring->size && *seq <= ring->seq - ring->size)
		*seq = ring->seq - ring->size + 1;	/* overwritten */
	if (*seq <= ring->seq) {
		*rec = ring->recs[*seq & (ring->size - 1)];
		ok = true;
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	return ok;
}

static u64 aqos_fw_ring_seq(void)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&aqos_fw_ring.lock, flags);
	seq = aqos_fw_ring.seq;
	spin_unlock_irqrestore(&aqos_fw_ring.lock, flags);
	return seq;
}

/* ---- quarantine -------------------------------------------------------- */

struct aqos_fw_qslot {
	kuid_t uid;
	bool used;
	bool quarantined;
	bool revoke;		/* quarantined, its mappings not yet revoked */
	u32 count;
	unsigned long start;	/* jiffies: window start, or quarantined at */
	u64 qseq;		/* order of quarantine: jiffies tie, this not */
};

static DEFINE_SPINLOCK(aqos_fw_qlock);
static struct aqos_fw_qslot aqos_fw_qslots[AQOS_FW_QSLOTS];
static atomic_t aqos_fw_nr_quarantined;
static atomic64_t aqos_fw_nr_qevicted;	/* quarantined uids let go for room */
static u64 aqos_fw_qseq;		/* under aqos_fw_qlock */
static atomic64_t aqos_fw_nr_revokes;	/* revocations done */

static void aqos_fw_revoke_fn(struct work_struct *work);
static DECLARE_WORK(aqos_fw_revoke_work, aqos_fw_revoke_fn);

static bool aqos_fw_quarantined(kuid_t uid)
{
	unsigned long flags;
	bool ret = false;
	int i;

	if (!atomic_read(&aqos_fw_nr_quarantined))
		return false;
	spin_lock_irqsave(&aqos_fw_qlock, flags);
	for (i = 0; i < AQOS_FW_QSLOTS; i++)
		if (aqos_fw_qslots[i].used && aqos_fw_qslots[i].quarantined &&
		    uid_eq(aqos_fw_qslots[i].uid, uid)) {
			ret = true;
			break;
		}
	spin_unlock_irqrestore(&aqos_fw_qlock, flags);
	return ret;
}

/*
 * The slot of @uid, or a reused one: a free slot, else the oldest
 * unquarantined, else (every slot quarantined) the one quarantined
 * longest, whose uid is let go: *@evicted gets it and true is returned
 * through @was_evicted.
 */
static struct aqos_fw_qslot *aqos_fw_qslot(kuid_t uid, kuid_t *evicted,
					   bool *was_evicted)
{
	struct aqos_fw_qslot *s, *victim = NULL, *oldest_q = NULL;
	int i;

	lockdep_assert_held(&aqos_fw_qlock);
	*was_evicted = false;
	for (i = 0; i < AQOS_FW_QSLOTS; i++) {
		s = &aqos_fw_qslots[i];
		if (s->used && uid_eq(s->uid, uid))
			return s;
		if (s->quarantined) {
			if (!oldest_q || s->qseq < oldest_q->qseq)
				oldest_q = s;
			continue;
		}
		if (!victim || !s->used ||
		    (victim->used && time_before(s->start, victim->start)))
			victim = s;
	}
	if (!victim) {
		victim = oldest_q;
		*evicted = victim->uid;
		*was_evicted = true;
		victim->quarantined = false;
		atomic_dec(&aqos_fw_nr_quarantined);
		atomic64_inc(&aqos_fw_nr_qevicted);
	}
	victim->used = true;
	victim->uid = uid;
	victim->revoke = false;
	victim->count = 0;
	victim->start = jiffies;
	return victim;
}

/* Count a refusal of @uid; true when it has just been quarantined. */
static bool aqos_fw_count_denial(kuid_t uid)
{
	unsigned int threshold = READ_ONCE(aqos_fw_qthreshold);
	unsigned long window = msecs_to_jiffies(READ_ONCE(aqos_fw_qwindow_ms));
	struct aqos_fw_qslot *s;
	bool now = false, evicted;
	unsigned long flags;
	kuid_t gone;

	if (!threshold)
		return false;
	spin_lock_irqsave(&aqos_fw_qlock, flags);
	s = aqos_fw_qslot(uid, &gone, &evicted);
	if (!s->quarantined) {
		if (time_after(jiffies, s->start + window)) {
			s->start = jiffies;
			s->count = 0;
		}
		if (++s->count >= threshold) {
			s->quarantined = true;
			s->revoke = true;
			s->start = jiffies;	/* since when */
			s->qseq = ++aqos_fw_qseq;
			atomic_inc(&aqos_fw_nr_quarantined);
			now = true;
		}
	}
	spin_unlock_irqrestore(&aqos_fw_qlock, flags);
	if (evicted)
		pr_warn_ratelimited("fw: uid %u let out of quarantine: all %d slots were quarantined and uid %u was refused\n",
				    from_kuid_munged(&init_user_ns, gone),
				    AQOS_FW_QSLOTS,
				    from_kuid_munged(&init_user_ns, uid));
	return now;
}

/* Let @uid go, or every uid when @all; return how many went. */
static int aqos_fw_unquarantine(kuid_t uid, bool all)
{
	unsigned long flags;
	int i, n = 0;

	spin_lock_irqsave(&aqos_fw_qlock, flags);
	for (i = 0; i < AQOS_FW_QSLOTS; i++) {
		struct aqos_fw_qslot *s = &aqos_fw_qslots[i];

		if (!s->used || (!all && !uid_eq(s->uid, uid)))
			continue;
		if (s->quarantined) {
			atomic_dec(&aqos_fw_nr_quarantined);
			n++;
		}
		s->used = false;
		s->quarantined = false;
		s->revoke = false;
		s->count = 0;
	}
	spin_unlock_irqrestore(&aqos_fw_qlock, flags);
	return n;
}

/* ---- lineages ------------------------------------------------------------ */

/*
 * DOC: Lineages
 *
 * "A process and its descendants" (AETHER_QOS_FW_RULE_DESCENDANTS) cannot
 * be a walk of real_parent alone: a process that forks twice and lets the
 * middle one exit has a grandchild that init (or a subreaper) adopts, and
 * that is no one's descendant any more.  So the tree is recorded as it
 * was at fork: each process that descends from the process of a
 * DESCENDANTS rule (an anchor) has a lineage, the anchors it descends
 * from, dropped when the process's last thread exits (aqos_fw_forget()).
 *
 * Addition.  A DESCENDANTS rule's descendants of now are tagged before the
 * rule is published (aqos_fw_walk()), so that from publication on every
 * descendant has its lineage, at any depth, and the lookup and the
 * revocation's match need nothing else (no real_parent walk on the hot
 * path).  The walk goes once through the task list, in its order, in
 * which a process's real_parent (a fork's parent, or a reaper: a thread
 * of the same process, a subreaper above it, an init) always comes before
 * it; so a process takes the decision of its nearest ancestor that is not
 * exiting, already walked: one step for most, linear in all
 * (aqos_fw_walk_under(); review s29, finding 1: it looked 64 levels up
 * and stopped short).  While it runs, aqos_fw_next names the new table:
 * a fork probe takes its anchors from it and the parent's whole
 * real_parent chain (a parent the walk has not reached has no lineage
 * yet), and an exiting thread under one of them gives them to its
 * children before exit_notify() has them adopted (aqos_fw_orphans()), as
 * the walk, reaching them after, would see a reaper's child only.  A full
 * barrier on each side (the walk sets aqos_fw_next then reads the task
 * list; the fork probe runs with the child on it, then reads
 * aqos_fw_next) makes the walk see the child, or the probe the table.
 *
 * Fork.  Once the rule is published, a fork gives the child the anchors
 * of the table its parent is or has in its lineage (the parent, walked or
 * forked since, has every anchor it descends from): each fork records the
 * tree as it was.  Only anchors still in the table are passed down, so
 * lineages shrink as their rules go, and a table without DESCENDANTS
 * rules makes none.
 *
 * Exit.  The walk skips a process whose last thread is exiting
 * (signal->live is 0: the exit probe forgets it, or already has; not
 * PF_EXITING, which for_each_process()'s group leader has as soon as its
 * own thread exits while the others run on) and, once it has given a
 * process a lineage, looks at live again.  The exit decrements live with
 * atomic_dec_and_test() (a full barrier) before its probe looks for the
 * lineage, and the walk puts a full barrier between the lineage and its
 * second look: either the probe sees the lineage and drops it, or the
 * walk sees the exit and does, so no lineage outlives its process.
 *
 * Failure.  A lineage that cannot be allocated (AQOS_FW_FORK_GFP at fork,
 * GFP_ATOMIC in the walk: both __GFP_HIGH, so the caller's memory cgroup
 * charges it over its limit rather than refuse it, and only the machine's
 * atomic reserves running out fails it; review s29, finding 6) fails
 * closed without an allocation and without touching any other
 * process: the process is marked lost, a bit by its pid number in a bitmap
 * (@aqos_fw_lost) made with the first DESCENDANTS rule.  While the table
 * has DESCENDANTS rules a lost process is refused every access (recorded;
 * not counted toward its uid's quarantine), matches the subject of every
 * DESCENDANTS rule for revocation, and passes the mark to the processes
 * it forks, and the walk marks the processes under a lost one.  The mark
 * goes when the process exits (the same two looks as
 * a lineage's), and every mark goes when the last DESCENDANTS rule does.
 * debugfs fw/stats counts the lineages there are (lineages) and the
 * processes marked lost (lineage_failures).
 *
 * Limit.  A process adopted before the rule's walk began is no one's
 * descendant (README), as is one whose parent's thread had begun its exit
 * (past its exit probe) before the walk began and is adopted while the
 * walk has not reached it: nothing of the module runs between that probe
 * and the adoption, and the kernel records no former parent.
 *
 * Lineages are read under RCU (the lookup, the revocation's task match);
 * aqos_fw_lin_lock (lock order 5, innermost) orders their writers and
 * their count.  The bitmap's bits are atomic; it is read under RCU (the
 * probes and may_access) and freed at unload once the probes are gone.
 */
struct aqos_fw_lineage {
	struct hlist_node node;
	struct pid *pid;		/* the process, referenced */
	struct rcu_head rcu;
	u32 nr;
	u32 max;			/* room in @anchors */
	struct pid *anchors[];		/* referenced */
};

/*
 * A lineage at fork: no wait, and __GFP_HIGH, so that the memory cgroup
 * charges it over its limit rather than refuse it (as GFP_ATOMIC, the
 * walk's) and only the exhaustion of the machine's atomic reserves, which
 * no user's own allocations reach, can fail it (review s29, finding 6).
 */
#define AQOS_FW_FORK_GFP	(GFP_NOWAIT | __GFP_HIGH)

/* Bits of @aqos_fw_lost: every pid number there can be. */
#define AQOS_FW_LOST_BITS	PID_MAX_LIMIT

static DEFINE_HASHTABLE(aqos_fw_lineages, 10);
static DEFINE_SPINLOCK(aqos_fw_lin_lock);	/* lock order 5 */
static unsigned long aqos_fw_nr_lineages;	/* aqos_fw_lin_lock */
static atomic64_t aqos_fw_nr_linfail;
static bool aqos_fw_gone;	/* unloading: no more lineages */
/* The table a DESCENDANTS rule's addition walks for, before publication. */
static const struct aqos_fw_table *aqos_fw_next;	/* aqos_fw_walk() */
static unsigned long *aqos_fw_lost;	/* lost processes, by pid number */
static bool aqos_fw_lost_any;	/* a mark was set since the last reset */
static struct pid *aqos_fw_st_nomem;	/* the self-test fails its lineage */

static struct aqos_fw_lineage *aqos_fw_lineage_find(struct pid *pid)
{
	struct aqos_fw_lineage *l;

	hash_for_each_possible_rcu(aqos_fw_lineages, l, node,
				   (unsigned long)pid)
		if (l->pid == pid)
			return l;
	return NULL;
}

/* Free @l, never published or past its grace period. */
static void aqos_fw_lineage_free(struct aqos_fw_lineage *l)
{
	u32 i;

	for (i = 0; i < l->nr; i++)
		put_pid(l->anchors[i]);
	put_pid(l->pid);
	kfree(l);
}

static void aqos_fw_lineage_free_rcu(struct rcu_head *rcu)
{
	aqos_fw_lineage_free(container_of(rcu, struct aqos_fw_lineage, rcu));
}

static bool aqos_fw_lineage_has(const struct aqos_fw_lineage *l,
				struct pid *anchor)
{
	u32 i;

	for (i = 0; l && i < l->nr; i++)
		if (l->anchors[i] == anchor)
			return true;
	return false;
}

/* Append @add to @l's anchors unless there, or @l is full. */
static void aqos_fw_lineage_add(struct aqos_fw_lineage *l, struct pid *add)
{
	if (l->nr < l->max && !aqos_fw_lineage_has(l, add))
		l->anchors[l->nr++] = get_pid(add);
}

/*
 * A lineage of process @pid with room for @max anchors, none yet; charged
 * to the current task's memory cgroup.  NULL when out of memory.
 */
static struct aqos_fw_lineage *aqos_fw_lineage_alloc(struct pid *pid,
						     u32 max, gfp_t gfp)
{
	struct aqos_fw_lineage *l;

	if (unlikely(pid == READ_ONCE(aqos_fw_st_nomem)))
		return NULL;		/* aqos_fw_selftest()'s failure */
	l = kzalloc(struct_size(l, anchors, max),
		    gfp | __GFP_NOWARN | __GFP_ACCOUNT);
	if (!l)
		return NULL;
	l->pid = get_pid(pid);
	l->max = max;
	return l;
}

/* Unhash @l; it is freed after a grace period. */
static void aqos_fw_lineage_drop(struct aqos_fw_lineage *l)
{
	lockdep_assert_held(&aqos_fw_lin_lock);
	hash_del_rcu(&l->node);
	call_rcu(&l->rcu, aqos_fw_lineage_free_rcu);
	WRITE_ONCE(aqos_fw_nr_lineages, aqos_fw_nr_lineages - 1);
}

/* @l, not yet published, becomes its process's lineage (none if empty). */
static void aqos_fw_lineage_install(struct aqos_fw_lineage *l)
{
	struct aqos_fw_lineage *cur;

	lockdep_assert_held(&aqos_fw_lin_lock);
	cur = aqos_fw_lineage_find(l->pid);
	if (!l->nr) {
		aqos_fw_lineage_free(l);
		if (cur)
			aqos_fw_lineage_drop(cur);
	} else if (cur) {
		hlist_replace_rcu(&cur->node, &l->node);
		call_rcu(&cur->rcu, aqos_fw_lineage_free_rcu);
	} else {
		hash_add_rcu(aqos_fw_lineages, &l->node, (unsigned long)l->pid);
		WRITE_ONCE(aqos_fw_nr_lineages, aqos_fw_nr_lineages + 1);
	}
}

static int aqos_fw_ulong_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static bool aqos_fw_is_anchor(const struct aqos_fw_table *t, struct pid *pid)
{
	unsigned long key = (unsigned long)pid;

	return t && t->nr_desc &&
	       bsearch(&key, t->desc, t->nr_desc, sizeof(*t->desc),
		       aqos_fw_ulong_cmp);
}

/*
 * The anchors of @from that @t still has (every one when @t is NULL):
 * their number, each put in @l unless NULL.
 */
static u32 aqos_fw_lineage_copy(struct aqos_fw_lineage *l,
				const struct aqos_fw_lineage *from,
				const struct aqos_fw_table *t)
{
	u32 i, n = 0;

	for (i = 0; from && i < from->nr; i++) {
		if (t && !aqos_fw_is_anchor(t, from->anchors[i]))
			continue;
		n++;
		if (l)
			aqos_fw_lineage_add(l, from->anchors[i]);
	}
	return n;
}

/*
 * The anchors of @t that process @task is or, with @whole, descends from
 * by the tree of now (its whole real_parent chain, however deep): their
 * number, each put in @l unless NULL.  A real_parent is always an older
 * process than its child, so the chain ends (at init or the idle task).
 * Context: under rcu_read_lock().
 */
static u32 aqos_fw_lineage_above(struct aqos_fw_lineage *l,
				 struct task_struct *task,
				 const struct aqos_fw_table *t, bool whole)
{
	struct task_struct *parent;
	u32 n = 0;
	int i;

	for (i = 0; i < AQOS_FW_CHAIN_MAX; i++) {
		if (aqos_fw_is_anchor(t, task_tgid(task))) {
			n++;
			if (l)
				aqos_fw_lineage_add(l, task_tgid(task));
		}
		parent = rcu_dereference(task->real_parent);
		if (!whole || parent == task || task->pid <= 1)
			break;
		task = parent;
	}
	return n;
}

/* Is process @pid marked lost in bitmap @lost (see "lineages")? */
static bool aqos_fw_is_lost(const unsigned long *lost, struct pid *pid)
{
	pid_t nr = pid_nr(pid);

	return lost && nr > 0 && nr < AQOS_FW_LOST_BITS && test_bit(nr, lost);
}

/* Mark process @pid lost in @lost: no allocation, no one else touched. */
static void aqos_fw_lost_mark(unsigned long *lost, struct pid *pid)
{
	pid_t nr = pid_nr(pid);

	if (!lost || nr <= 0 || nr >= AQOS_FW_LOST_BITS)
		return;
	set_bit(nr, lost);
	WRITE_ONCE(aqos_fw_lost_any, true);
}

/* Process @pid is gone, or going: its mark goes. */
static void aqos_fw_lost_clear(struct pid *pid)
{
	unsigned long *lost = READ_ONCE(aqos_fw_lost);

	if (aqos_fw_is_lost(lost, pid))
		clear_bit(pid_nr(pid), lost);
}

/* Count and say that process @pid was marked lost. */
static void aqos_fw_lineage_failed(struct pid *pid)
{
	atomic64_inc(&aqos_fw_nr_linfail);
	pr_warn_ratelimited("fw: pid %d: no memory for its lineage under a descendants rule: each access of it refused while such rules exist\n",
			    pid_nr(pid));
}

/*
 * Process @cpid, forked by @parent (or about to be adopted away from it),
 * gets its lineage under table @t (see "lineages"): the anchors of @t its
 * parent is, has in its lineage or, with @walking (@t is the table a
 * DESCENDANTS rule's addition is walking for), descends from by the tree
 * of now; the mark of a lost parent.
 * Context: under rcu_read_lock(); does not sleep.
 * Return: 0, or -ENOMEM (then @cpid is marked lost).
 */
static int aqos_fw_fork_in(const struct aqos_fw_table *t,
			   struct task_struct *parent, struct pid *cpid,
			   bool walking)
{
	struct aqos_fw_lineage *l, *cur, *src;
	struct pid *ppid = task_tgid(parent);
	u32 n;

	if (!t || !t->nr_desc)
		return 0;		/* no DESCENDANTS rule: no lineage */
	if (aqos_fw_is_lost(t->lost, ppid)) {
		/* the parent's lineage is unknown: so is its child's */
		aqos_fw_lost_mark(t->lost, cpid);
		return 0;
	}
	spin_lock(&aqos_fw_lin_lock);
	/*
	 * The walk's, if it came first: kept whole, for the walk chose it
	 * under a table at least as new as @t, which this probe may have
	 * read just before a rule's publication (review s29, finding 2:
	 * filtered by @t, the new rule's anchor was dropped).
	 */
	cur = aqos_fw_lineage_find(cpid);
	src = aqos_fw_lineage_find(ppid);
	n = aqos_fw_lineage_copy(NULL, cur, NULL) +
	    aqos_fw_lineage_copy(NULL, src, t) +
	    aqos_fw_lineage_above(NULL, parent, t, walking);
	if (!n) {
		spin_unlock(&aqos_fw_lin_lock);
		return 0;
	}
	l = aqos_fw_lineage_alloc(cpid, n, AQOS_FW_FORK_GFP);
	if (!l) {
		aqos_fw_lost_mark(t->lost, cpid);
		spin_unlock(&aqos_fw_lin_lock);
		aqos_fw_lineage_failed(cpid);
		return -ENOMEM;
	}
	aqos_fw_lineage_copy(l, cur, NULL);
	aqos_fw_lineage_copy(l, src, t);
	aqos_fw_lineage_above(l, parent, t, walking);
	aqos_fw_lineage_install(l);
	spin_unlock(&aqos_fw_lin_lock);
	return 0;
}

/**
 * aqos_fw_fork - a new process: its lineage (see "lineages")
 * @parent: the forking task
 * @child: the new task
 *
 * Context: group.c's sched_process_fork probe (preemption off, before
 * the child first runs).
 */
void aqos_fw_fork(struct task_struct *parent, struct task_struct *child)
{
	const struct aqos_fw_table *t;
	struct pid *cpid;

	rcu_read_lock();
	cpid = task_tgid(child);
	/* not a thread, and not unloading */
	if (!cpid || cpid == task_tgid(parent) || READ_ONCE(aqos_fw_gone))
		goto out;
	/*
	 * The child is on the task list: pairs with aqos_fw_walk()'s
	 * barrier, so the walk sees the child, or this probe its table.
	 */
	smp_mb();
	/* NULL after the walk: then the table read next is the new one */
	t = smp_load_acquire(&aqos_fw_next);
	if (t)
		aqos_fw_fork_in(t, parent, cpid, true);
	else	/* published before aqos_fw_next was cleared */
		aqos_fw_fork_in(rcu_dereference(aqos_fw_table), parent, cpid,
				false);
out:
	rcu_read_unlock();
}

/**
 * aqos_fw_forget - the last thread of process @pid exited: its lineage
 * and its mark go
 * @pid: the process (its tgid)
 *
 * Context: group.c's sched_process_exit probe, after the exit made
 * signal->live 0 (see "lineages").
 */
void aqos_fw_forget(struct pid *pid)
{
	struct aqos_fw_lineage *l;

	rcu_read_lock();
	aqos_fw_lost_clear(pid);
	if (!aqos_fw_lineage_find(pid))
		goto out;
	spin_lock(&aqos_fw_lin_lock);
	l = aqos_fw_lineage_find(pid);
	if (l)
		aqos_fw_lineage_drop(l);
	spin_unlock(&aqos_fw_lin_lock);
out:
	rcu_read_unlock();
}

/*
 * Is process @p under @anchor by the tree of now, for the walk of table @t
 * (aqos_fw_lineage_tag())?  The walk goes through the task list in its
 * order, and a process's real_parent is always older than it (a fork's
 * parent, or a reaper: a thread of the same process, a subreaper above
 * it, an init), so every ancestor of @p that is not exiting was walked
 * before @p and carries the walk's decision: @anchor in its lineage (or
 * its lost mark) or not.  So @p's answer is its nearest ancestor's that
 * is @anchor, is lost, or is not exiting; an exiting one (the walk
 * skipped it, or its lineage is gone with it) is passed through to its
 * own parent.  One step for most processes, at any depth: no chain is
 * cut short, and the walk stays linear in the number of processes.
 * Context: under rcu_read_lock(), in the walk.
 * Return: 1 under it, 0 not, -1 unknown (an ancestor is lost).
 */
static int aqos_fw_walk_under(const struct aqos_fw_table *t,
			      struct task_struct *p, struct pid *anchor)
{
	struct task_struct *parent;
	struct pid *pid;
	int i;

	for (i = 0; i < AQOS_FW_CHAIN_MAX; i++) {
		parent = rcu_dereference(p->real_parent);
		if (parent == p || p->pid <= 1)
			return 0;	/* init, the idle task */
		p = parent;
		pid = task_tgid(p);
		if (pid == anchor)
			return 1;
		if (aqos_fw_is_lost(t->lost, pid))
			return -1;
		if (atomic_read(&p->signal->live))
			return aqos_fw_lineage_has(aqos_fw_lineage_find(pid),
						   anchor);
	}
	return -1;		/* never reached: fail closed all the same */
}

/*
 * Process @p gets @anchor in its lineage (under table @t, keeping the
 * anchors @t still has), or the lost mark when @lost or out of memory.
 * Context: under rcu_read_lock(), in the walk.
 */
static void aqos_fw_lineage_tag1(const struct aqos_fw_table *t,
				 struct task_struct *p, struct pid *anchor,
				 bool lost)
{
	struct aqos_fw_lineage *l = NULL, *cur;
	struct pid *pid = task_tgid(p);

	spin_lock(&aqos_fw_lin_lock);
	cur = aqos_fw_lineage_find(pid);
	if (aqos_fw_lineage_has(cur, anchor)) {
		spin_unlock(&aqos_fw_lin_lock);
		return;
	}
	if (!lost)
		l = aqos_fw_lineage_alloc(pid,
					  aqos_fw_lineage_copy(NULL, cur, t) + 1,
					  GFP_ATOMIC);
	if (l) {
		aqos_fw_lineage_copy(l, cur, t);
		aqos_fw_lineage_add(l, anchor);
		aqos_fw_lineage_install(l);
	} else {
		aqos_fw_lost_mark(t->lost, pid);
	}
	/* its last thread may have gone meanwhile: see "lineages" */
	smp_mb();
	if (!atomic_read(&p->signal->live)) {
		aqos_fw_lost_clear(pid);
		cur = aqos_fw_lineage_find(pid);
		if (cur)
			aqos_fw_lineage_drop(cur);
	}
	spin_unlock(&aqos_fw_lin_lock);
	if (!l && !lost)
		aqos_fw_lineage_failed(pid);
}

/*
 * A DESCENDANTS rule of process @anchor is being added in table @t (not
 * yet published; aqos_fw_next): its descendants of now get it in their
 * lineage, keeping the anchors @t still has (a fork from now on passes it
 * down by itself), and the processes under a lost one are lost.
 * Context: process context, aqos_fw_lock held, inside aqos_fw_walk().
 */
static void aqos_fw_lineage_tag(const struct aqos_fw_table *t,
				struct pid *anchor)
{
	struct task_struct *p;
	struct pid *pid;
	int under;

	lockdep_assert_held(&aqos_fw_lock);
	rcu_read_lock();
	for_each_process(p) {
		pid = task_tgid(p);
		if (!pid || pid == anchor || !atomic_read(&p->signal->live))
			continue;
		under = aqos_fw_walk_under(t, p, anchor);
		if (under)
			aqos_fw_lineage_tag1(t, p, anchor, under < 0);
	}
	rcu_read_unlock();
}

/*
 * Thread @parent is exiting while a walk is under way: a child of it is
 * about to be adopted (by a thread of the same process, a subreaper or
 * init) and would look, to a walk that has not reached it yet, like no
 * one's descendant.  So each child that @parent's anchors (those of the
 * walked table it is, descends from, or has) reach gets them now, as at
 * a fork (review s29: lin's limit).
 * Context: the sched_process_exit probe of @parent (current), before
 * exit_notify() adopts its children; under rcu_read_lock().
 */
static void aqos_fw_orphans(const struct aqos_fw_table *t,
			    struct task_struct *parent)
{
	struct pid *ppid = task_tgid(parent), *cpid;
	struct task_struct *c;

	if (!ppid || list_empty(&parent->children))
		return;
	if (!aqos_fw_is_lost(t->lost, ppid) &&
	    !aqos_fw_lineage_copy(NULL, aqos_fw_lineage_find(ppid), t) &&
	    !aqos_fw_lineage_above(NULL, parent, t, true))
		return;		/* under no anchor of @t */
	for_each_process(c) {
		if (rcu_access_pointer(c->real_parent) != parent)
			continue;
		cpid = task_tgid(c);
		if (!cpid || !atomic_read(&c->signal->live))
			continue;
		aqos_fw_fork_in(t, parent, cpid, true);
		/* as the walk's: its last thread may have gone meanwhile */
		smp_mb();
		if (!atomic_read(&c->signal->live))
			aqos_fw_forget(cpid);
	}
}

static struct tracepoint *aqos_fw_tp_exit;	/* probed while loaded */

static void aqos_fw_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		aqos_fw_tp_exit = tp;
}

/* sched_process_exit, every thread: adoptions while a walk is under way. */
static void aqos_fw_probe_exit(void *data, struct task_struct *task)
{
	const struct aqos_fw_table *t;

	if (!READ_ONCE(aqos_fw_next))
		return;		/* no walk: every descendant has its lineage */
	rcu_read_lock();
	/* the table is complete: aqos_fw_walk() set it with a release */
	t = smp_load_acquire(&aqos_fw_next);
	if (t && !READ_ONCE(aqos_fw_gone))
		aqos_fw_orphans(t, task);
	rcu_read_unlock();
}

/*
 * Table @t, built with the @nr rules @add, is about to be published: the
 * descendants of now of each DESCENDANTS rule among @add get its anchor,
 * before the rule is published, so that from publication on every
 * descendant has its lineage and a lookup needs nothing else.  While the
 * walk runs, aqos_fw_next names @t: a fork probe takes its anchors from
 * @t and the parent's whole real_parent chain, and an exiting thread
 * passes them to its children before they are adopted.
 * Context: process context, aqos_fw_lock held; aqos_fw_next_done() after
 * publication.
 */
static void aqos_fw_walk(const struct aqos_fw_table *t,
			 struct aqos_fw_rule *const *add, u32 nr)
{
	u32 i;

	lockdep_assert_held(&aqos_fw_lock);
	for (i = 0; i < nr; i++)
		if (add[i]->flags & AETHER_QOS_FW_RULE_DESCENDANTS)
			break;
	if (i == nr)
		return;
	/* the probes read a complete table: see aqos_fw_probe_exit() */
	smp_store_release(&aqos_fw_next, t);
	/* pairs with the fork probe's: see aqos_fw_fork() */
	smp_mb();
	for (; i < nr; i++)
		if (add[i]->flags & AETHER_QOS_FW_RULE_DESCENDANTS)
			aqos_fw_lineage_tag(t, add[i]->pid);
}

/* The walked table is published: the probes read it from there now. */
static void aqos_fw_next_done(void)
{
	lockdep_assert_held(&aqos_fw_lock);
	/* after the publication: a probe that sees NULL reads the new table */
	smp_store_release(&aqos_fw_next, NULL);
}

/* The bitmap of lost processes, made with the first DESCENDANTS rule. */
static int aqos_fw_lost_alloc(void)
{
	unsigned long *lost;

	lockdep_assert_held(&aqos_fw_lock);
	if (aqos_fw_lost)
		return 0;
	lost = kvcalloc(BITS_TO_LONGS(AQOS_FW_LOST_BITS), sizeof(*lost),
			GFP_KERNEL);
	if (!lost)
		return -ENOMEM;
	/* zeroed before the exit probe (READ_ONCE()) may see it */
	smp_store_release(&aqos_fw_lost, lost);
	return 0;
}

/*
 * The table published now has no DESCENDANTS rule: no process is lost
 * any more.
 * Context: process context, aqos_fw_lock held (no walk marks).
 */
static void aqos_fw_lost_reset(void)
{
	lockdep_assert_held(&aqos_fw_lock);
	if (!aqos_fw_lost)
		return;
	/*
	 * First the grace period, then the look: a fork probe of the older
	 * table may mark right after it (review s29, finding 3: looked at
	 * first, that mark outlived its rule).  Only the deletion of the
	 * last DESCENDANTS rule comes here.
	 */
	synchronize_rcu();
	if (!READ_ONCE(aqos_fw_lost_any))
		return;
	WRITE_ONCE(aqos_fw_lost_any, false);
	bitmap_zero(aqos_fw_lost, AQOS_FW_LOST_BITS);
}

/* Every lineage goes (unload). */
static void aqos_fw_lineages_free(void)
{
	struct aqos_fw_lineage *l;
	struct hlist_node *tmp;
	int b;

	spin_lock(&aqos_fw_lin_lock);
	hash_for_each_safe(aqos_fw_lineages, b, tmp, l, node)
		aqos_fw_lineage_drop(l);
	spin_unlock(&aqos_fw_lin_lock);
}

/* ---- lookup ------------------------------------------------------------- */

/*
 * A bucket's hash: two multiplications by the golden ratio (hash_64()'s),
 * the high half kept.  An access computes up to a few of these (its keys
 * by the object kinds its subjects' rules have), so it is kept cheap; the
 * keys are the administrator's rules', never a user's choice.
 */
static u32 aqos_fw_hash(u32 subject, u64 skey, u32 okind, u64 okey)
{
	u64 h = (skey ^ ((u64)subject << 59) ^ ((u64)okind << 54)) *
		GOLDEN_RATIO_64;

	return ((h ^ okey) * GOLDEN_RATIO_64) >> 32;
}

/*
 * A name's bucket key: its length above an FNV-1a hash of its bytes, so
 * that equal keys have equal lengths and a name's key is never 0.  Done
 * in line, one pass: an open by name pays for it on every access.
 */
static __always_inline u64 aqos_fw_name_key(const char *name)
{
	u32 h = 2166136261U, len;

	for (len = 0; len < AETHER_QOS_FW_NAME_MAX && name[len]; len++)
		h = (h ^ (u8)name[len]) * 16777619U;
	return (u64)len << 32 | h;
}

/* The @len bytes of two names, in line (no call on the lookup's path). */
static __always_inline bool aqos_fw_name_eq(const char *x, const char *y,
					    u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* Does @ru's object part match region @a? */
static bool aqos_fw_object_match(const struct aqos_fw_rule *ru,
				 const struct aem_access *a)
{
	switch (ru->object) {
	case AETHER_QOS_FW_OBJ_ANY:
		return true;
	case AETHER_QOS_FW_OBJ_ID:
		return ru->object_id == a->id;
	case AETHER_QOS_FW_OBJ_NAME:
		return a->name[0] && !strcmp(ru->name, a->name);
	case AETHER_QOS_FW_OBJ_GLOB:
		return a->name[0] && glob_match(ru->name, a->name);
	case AETHER_QOS_FW_OBJ_KIND:
		return (a->flags & ru->object_id) == ru->object_id;
	case AETHER_QOS_FW_OBJ_TAG:
		return a->tag && a->tag == ru->object_id;
	}
	return false;
}

/* The object kinds of the rules of subject key (@subject, @skey), or 0. */
static u8 aqos_fw_key_okinds(const struct aqos_fw_table *t, u32 subject,
			     u64 skey)
{
	const struct aqos_fw_key *k;
	u32 h;

	if (subject == AETHER_QOS_FW_SUBJ_ANY)
		return t->okinds[subject];
	/* at most half full: an empty slot ends every search */
	h = aqos_fw_hash(subject, skey, 0, 0) & t->kmask;
	for (;; h = (h + 1) & t->kmask) {
		k = &t->keys[h];
		if (!k->subject)
			return 0;
		if (k->subject == subject && k->skey == skey)
			return k->okinds;
	}
}

/*
 * Does slot @s's object match region @a, its bucket's key having matched?
 * An id's or a tag's key is the object itself and ANY matches all; a
 * name's key is its length and hash, so the bytes are compared; globs and
 * kinds are tested on the rule.
 */
static __always_inline bool aqos_fw_slot_object(const struct aqos_fw_slot *s,
						const struct aem_access *a)
{
	switch (s->object) {
	case AETHER_QOS_FW_OBJ_ANY:
	case AETHER_QOS_FW_OBJ_ID:
	case AETHER_QOS_FW_OBJ_TAG:
		return true;
	case AETHER_QOS_FW_OBJ_NAME:
		return aqos_fw_name_eq(s->rule->name, a->name, s->okey >> 32);
	}
	return aqos_fw_object_match(s->rule, a);
}

/*
 * Scan the buckets of one subject key, one per object kind its rules
 * have; note each rule that matches.  In line for the keys every access
 * probes (ANY, its uid), so that the common lookup makes no call at all:
 * under software emulation a call and its return cost about what this
 * body does.  aqos_fw_probe_more() for the other keys.
 */
static __always_inline void aqos_fw_probe(const struct aqos_fw_table *t,
					  const struct aem_access *a,
					  struct aqos_fw_match *m, u32 subject,
					  u64 skey, bool ancestor)
{
	unsigned long have = aqos_fw_key_okinds(t, subject, skey);
	u32 okind, b, i, end;
	u64 okey;

	for (; have; have &= have - 1) {
		okind = __ffs(have);
		if (okind == AETHER_QOS_FW_OBJ_ID) {
			okey = a->id;
		} else if (okind == AETHER_QOS_FW_OBJ_NAME) {
			if (!a->name[0])
				continue;
			if (!m->name_key)	/* once per access, when needed */
				m->name_key = aqos_fw_name_key(a->name);
			okey = m->name_key;
		} else if (okind == AETHER_QOS_FW_OBJ_TAG) {
			if (!a->tag)
				continue;
			okey = a->tag;
		} else {
			okey = 0;
		}
		b = aqos_fw_hash(subject, skey, okind, okey) & t->mask;
		end = t->start[b + 1];
		for (i = t->start[b]; i < end; i++) {
			const struct aqos_fw_slot *s = &t->slots[i];
			unsigned long bits = s->access & m->want;
			int bit;

			if (!bits || s->skey != skey || s->okey != okey ||
			    s->subject != subject || s->okind != okind ||
			    (ancestor && !s->desc) || !aqos_fw_slot_object(s, a))
				continue;
			for_each_set_bit(bit, &bits, AQOS_FW_NR_BITS)
				if (s->pos < m->pos[bit]) {
					m->pos[bit] = s->pos;
					m->rule[bit] = s->rule;
				}
		}
	}
}

static noinline void aqos_fw_probe_more(const struct aqos_fw_table *t,
					const struct aem_access *a,
					struct aqos_fw_match *m, u32 subject,
					u64 skey, bool ancestor)
{
	aqos_fw_probe(t, a, m, subject, skey, ancestor);
}

/* Probe the gids, QoS groups and process keys of the current task. */
static noinline void aqos_fw_lookup_more(const struct aqos_fw_table *t,
					 const struct aem_access *a,
					 struct aqos_fw_match *m,
					 const struct cred *cred)
{
	const struct aqos_fw_lineage *l;
	struct aqos_group *g;
	int i;

	if (t->nr_subj[AETHER_QOS_FW_SUBJ_GID]) {
		aqos_fw_probe_more(t, a, m, AETHER_QOS_FW_SUBJ_GID,
				   __kgid_val(cred->fsgid), false);
		for (i = 0; i < cred->group_info->ngroups; i++)
			aqos_fw_probe_more(t, a, m, AETHER_QOS_FW_SUBJ_GID,
					   __kgid_val(cred->group_info->gid[i]),
					   false);
	}
	if (t->nr_subj[AETHER_QOS_FW_SUBJ_GROUP]) {
		g = aqos_group_of_task(current);
		for (i = 0; g && i < AQOS_FW_MAX_GROUP_DEPTH; i++, g = g->parent)
			aqos_fw_probe_more(t, a, m, AETHER_QOS_FW_SUBJ_GROUP,
					   g->id, false);
	}
	if (!t->nr_subj[AETHER_QOS_FW_SUBJ_PID])
		return;
	aqos_fw_probe_more(t, a, m, AETHER_QOS_FW_SUBJ_PID,
			   (unsigned long)task_tgid(current), false);
	if (!t->nr_desc)
		return;
	/*
	 * The tree as it was at fork, and every descendant of a rule's
	 * anchor at its addition (the walk ran before the table was
	 * published): reparenting does not leave a rule, nor does depth.
	 */
	l = aqos_fw_lineage_find(task_tgid(current));
	for (i = 0; l && i < l->nr; i++)
		aqos_fw_probe_more(t, a, m, AETHER_QOS_FW_SUBJ_PID,
				   (unsigned long)l->anchors[i], true);
}

/* Probe every key of the current task. */
static __always_inline void aqos_fw_lookup(const struct aqos_fw_table *t,
					   const struct aem_access *a,
					   struct aqos_fw_match *m)
{
	const struct cred *cred = current_cred();

	if (t->nr_subj[AETHER_QOS_FW_SUBJ_ANY])
		aqos_fw_probe(t, a, m, AETHER_QOS_FW_SUBJ_ANY, 0, false);
	/*
	 * The key of an fsuid of the initial namespace is itself
	 * (aem_user_key_ns()): no call into two other files for it.
	 */
	if (t->nr_subj[AETHER_QOS_FW_SUBJ_UID])
		aqos_fw_probe(t, a, m, AETHER_QOS_FW_SUBJ_UID,
			      __kuid_val(cred->user_ns == &init_user_ns ?
					 cred->fsuid :
					 aqos_user_key(cred->fsuid)), false);
	if (t->more)
		aqos_fw_lookup_more(t, a, m, cred);
}

/* ---- revocation ---------------------------------------------------------- */

/* The uid key of another task's credentials (aqos_user_key() of theirs). */
static kuid_t aqos_fw_cred_key(const struct cred *cred)
{
	return aem_user_key_ns(cred->user_ns, cred->fsuid);
}

/*
 * Is @t a thread of process @pid or, with @desc, of a descendant of it
 * (by its lineage, which every descendant has once the rule is published,
 * or its lost mark)?
 */
static bool aqos_fw_task_in(struct task_struct *t, struct pid *pid, bool desc)
{
	if (task_tgid(t) == pid)
		return true;
	return desc &&
	       (aqos_fw_lineage_has(aqos_fw_lineage_find(task_tgid(t)), pid) ||
		aqos_fw_is_lost(READ_ONCE(aqos_fw_lost), task_tgid(t)));
}

/* Does @ru's subject part match thread @t, as a lookup of its would? */
static bool aqos_fw_subject_match(const struct aqos_fw_rule *ru,
				  struct task_struct *t)
{
	const struct cred *cred = __task_cred(t);
	struct aqos_group *g;
	int i;

	switch (ru->subject) {
	case AETHER_QOS_FW_SUBJ_ANY:
		return true;
	case AETHER_QOS_FW_SUBJ_UID:
		return __kuid_val(aqos_fw_cred_key(cred)) == ru->skey;
	case AETHER_QOS_FW_SUBJ_GID:
		if (__kgid_val(cred->fsgid) == ru->skey)
			return true;
		for (i = 0; i < cred->group_info->ngroups; i++)
			if (__kgid_val(cred->group_info->gid[i]) == ru->skey)
				return true;
		return false;
	case AETHER_QOS_FW_SUBJ_GROUP:
		g = aqos_group_of_task(t);
		for (i = 0; g && i < AQOS_FW_MAX_GROUP_DEPTH; i++, g = g->parent)
			if (g->id == ru->skey)
				return true;
		return false;
	case AETHER_QOS_FW_SUBJ_PID:
		return aqos_fw_task_in(t, ru->pid,
				       ru->flags & AETHER_QOS_FW_RULE_DESCENDANTS);
	}
	return true;	/* a kind unknown here: take it back */
}

/* What one revocation names: some rules' subjects and objects, or uids. */
struct aqos_fw_revoke {
	struct aqos_fw_rule *const *rules;
	u32 nr_rules;
	const kuid_t *uids;
	u32 nr_uids;
};

static bool aqos_fw_revoke_task(struct task_struct *t, void *arg)
{
	const struct aqos_fw_revoke *rv = arg;
	kuid_t key;
	u32 i;

	if (rv->uids) {
		key = aqos_fw_cred_key(__task_cred(t));
		for (i = 0; i < rv->nr_uids; i++)
			if (uid_eq(rv->uids[i], key))
				return true;
		return false;
	}
	for (i = 0; i < rv->nr_rules; i++)
		if (aqos_fw_subject_match(rv->rules[i], t))
			return true;
	return false;
}

static bool aqos_fw_revoke_region(const struct aem_access *a, void *arg)
{
	const struct aqos_fw_revoke *rv = arg;
	u32 i;

	if (rv->uids)
		return true;
	for (i = 0; i < rv->nr_rules; i++)
		if (aqos_fw_object_match(rv->rules[i], a))
			return true;
	return false;
}

/*
 * Take back what @nr @rules (added or deleted; alive until this returns)
 * can concern, everything when they are many.
 * Context: process context, aqos_fw_lock held (so the rules stay).
 */
static void aqos_fw_revoke_rules(struct aqos_fw_rule *const *rules, u32 nr)
{
	struct aqos_fw_revoke rv = { .rules = rules, .nr_rules = nr };
	struct aem_revoke_sel sel = {
		.task = aqos_fw_revoke_task, .region = aqos_fw_revoke_region,
		.arg = &rv,
	};

	lockdep_assert_held(&aqos_fw_lock);
	if (!nr)
		return;
	if (nr > AQOS_FW_REVOKE_RULES)
		aem_access_revoke();
	else
		aem_access_revoke_some(&sel);
	atomic64_inc(&aqos_fw_nr_revokes);
}

/* The work of quarantines: take back the uids quarantined since. */
static void aqos_fw_revoke_fn(struct work_struct *work)
{
	kuid_t uids[AQOS_FW_QSLOTS];
	struct aqos_fw_revoke rv = { .uids = uids };
	struct aem_revoke_sel sel = {
		.task = aqos_fw_revoke_task, .region = aqos_fw_revoke_region,
		.arg = &rv,
	};
	unsigned long flags;
	int i;

	spin_lock_irqsave(&aqos_fw_qlock, flags);
	for (i = 0; i < AQOS_FW_QSLOTS; i++) {
		struct aqos_fw_qslot *q = &aqos_fw_qslots[i];

		if (q->used && q->quarantined && q->revoke)
			uids[rv.nr_uids++] = q->uid;
		q->revoke = false;
	}
	spin_unlock_irqrestore(&aqos_fw_qlock, flags);
	if (!rv.nr_uids)
		return;
	aem_access_revoke_some(&sel);
	atomic64_inc(&aqos_fw_nr_revokes);
}

/* ---- the decision -------------------------------------------------------- */

/**
 * struct aqos_fw_verdict - what the table says of one access
 * @allowed:	bits allowed
 * @decision:	AETHER_QOS_FW_ALLOW, _DENY or _AUDIT
 * @rule:	the rule that decided @decision, NULL for the default
 * @explicit:	a rule decided at least one bit
 */
struct aqos_fw_verdict {
	u32 allowed;
	u32 decision;
	struct aqos_fw_rule *rule;
	bool explicit;
};

static void aqos_fw_decide(const struct aqos_fw_table *t,
			   const struct aqos_fw_match *m,
			   struct aqos_fw_verdict *v)
{
	unsigned long bits = m->want;
	u32 action;
	int bit;

	v->allowed = 0;
	v->decision = AETHER_QOS_FW_ALLOW;
	v->rule = NULL;
	v->explicit = false;
	for_each_set_bit(bit, &bits, AQOS_FW_NR_BITS) {
		struct aqos_fw_rule *ru = m->rule[bit];

		action = ru ? ru->action : t->default_action;
		if (ru) {
			v->explicit = true;
			atomic64_inc(&ru->hits);
		}
		if (action != AETHER_QOS_FW_DENY)
			v->allowed |= BIT(bit);
		/* DENY wins over AUDIT, AUDIT over ALLOW, for the record */
		if (action == AETHER_QOS_FW_DENY &&
		    v->decision != AETHER_QOS_FW_DENY) {
			v->decision = AETHER_QOS_FW_DENY;
			v->rule = ru;
		} else if (action == AETHER_QOS_FW_AUDIT &&
			   v->decision == AETHER_QOS_FW_ALLOW) {
			v->decision = AETHER_QOS_FW_AUDIT;
			v->rule = ru;
		}
	}
}

static void aqos_fw_record(const struct aem_access *a, u32 op, u32 decision,
			   u32 flags, u32 allowed, int err,
			   const struct aqos_fw_rule *ru)
{
	struct aether_qos_fw_record rec = { };
	const struct cred *cred = current_cred();
	struct aqos_group *g;
	bool log;

	rec.time_ns = ktime_get_boottime_ns();
	rec.decision = decision;
	rec.flags = flags;
	rec.op = op;
	rec.requested = a ? a->access : 0;
	rec.allowed = allowed;
	rec.err = err;
	/* The raw id; a quarantine event names the key it quarantined. */
	rec.uid = from_kuid_munged(&init_user_ns,
				   op == AETHER_QOS_FW_OP_QUARANTINE ?
				   aqos_user_key(cred->fsuid) : cred->fsuid);
	rec.gid = from_kgid_munged(&init_user_ns, cred->fsgid);
	rec.pid = task_tgid_nr(current);
	g = aqos_group_of_task(current);
	rec.group = g ? g->id : AETHER_QOS_ROOT_ID;
	rec.rule_id = ru ? ru->id : 0;
	rec.region_id = a ? a->id : 0;
	get_task_comm(rec.comm, current);
	if (a)
		strscpy(rec.name, a->name, sizeof(rec.name));
	log = aqos_fw_ring_add(&rec, aqos_user_key(cred->fsuid),
			       op == AETHER_QOS_FW_OP_QUARANTINE);
	trace_aqos_fw_deny(&rec);
	if (log)
		pr_notice("fw: %s uid %u pid %u (%s) op %u access %#x allowed %#x region %llu \"%s\" rule %u\n",
			  flags & AETHER_QOS_FW_REC_ENFORCING ? "denied" :
			  "would deny", rec.uid, rec.pid, rec.comm, op,
			  rec.requested, allowed, rec.region_id, rec.name,
			  rec.rule_id);
}

/* A refusal of the current user: count it, and quarantine it at the mark. */
static void aqos_fw_denied(void)
{
	kuid_t uid = aqos_user_key(current_fsuid());

	atomic64_inc(&aqos_fw_nr_denied);
	if (!aqos_fw_count_denial(uid))
		return;
	atomic64_inc(&aqos_fw_nr_quarantines);
	aqos_fw_record(NULL, AETHER_QOS_FW_OP_QUARANTINE, AETHER_QOS_FW_DENY,
		       AETHER_QOS_FW_REC_ENFORCING |
		       AETHER_QOS_FW_REC_QUARANTINED, 0, -EACCES, NULL);
	pr_warn("fw: uid %u quarantined: %u refusals within %u ms\n",
		from_kuid_munged(&init_user_ns, uid),
		READ_ONCE(aqos_fw_qthreshold), READ_ONCE(aqos_fw_qwindow_ms));
	/* Its mappings are checked again at their next touch. */
	schedule_work(&aqos_fw_revoke_work);
}

/**
 * aqos_fw_integrity_event - the policy table's integrity_event: audited
 * @region_id: the region whose page failed its check, or was repaired
 * @index: its data page
 * @kind: AEM_INTEGRITY_MISMATCH (a DENY record: the page is poisoned, its
 *	readers get SIGBUS) or AEM_INTEGRITY_REPAIRED (an AUDIT record)
 *
 * Every such event is written, whatever the rate limit: they are rare and
 * each is a finding.  The subject is the task that found it.
 *
 * Context: under rcu_read_lock(), possibly under the page's slot lock and
 * inside a pool allocation; takes only the ring's spinlock.
 */
void aqos_fw_integrity_event(u64 region_id, u64 index, int kind)
{
	struct aether_qos_fw_record rec = { };
	const struct cred *cred = current_cred();
	struct aqos_group *g;

	rec.time_ns = ktime_get_boottime_ns();
	rec.op = AETHER_QOS_FW_OP_INTEGRITY;
	if (kind == AEM_INTEGRITY_MISMATCH) {
		rec.decision = AETHER_QOS_FW_DENY;
		rec.flags = AETHER_QOS_FW_REC_ENFORCING;
		rec.err = -EIO;
	} else {
		rec.decision = AETHER_QOS_FW_AUDIT;
	}
	rec.uid = from_kuid_munged(&init_user_ns, cred->fsuid);
	rec.gid = from_kgid_munged(&init_user_ns, cred->fsgid);
	rec.pid = task_tgid_nr(current);
	g = aqos_group_of_task(current);
	rec.group = g ? g->id : AETHER_QOS_ROOT_ID;
	rec.region_id = region_id;
	rec.index = index;
	get_task_comm(rec.comm, current);
	aqos_fw_ring_add(&rec, cred->fsuid, true);
}

/*
 * Table @t's word on access @a of the current task.
 * Context: under rcu_read_lock(), any process context that may not sleep.
 * Return: 0 an explicit allow, 1 no opinion, -EACCES refused.
 */
static int aqos_fw_check(const struct aqos_fw_table *t,
			 const struct aem_access *a)
{
	struct aqos_fw_verdict v;
	struct aqos_fw_match m;
	unsigned long want;
	bool enforce;
	u32 flags;
	int bit;

	if (!t || !a->access)
		return 1;
	enforce = !(t->mode & AETHER_QOS_FW_DEFAULT_PERMISSIVE);
	flags = enforce ? AETHER_QOS_FW_REC_ENFORCING : 0;
	/* the key (a user namespace walk) only when someone is quarantined */
	if (atomic_read(&aqos_fw_nr_quarantined) &&
	    aqos_fw_quarantined(aqos_user_key(current_fsuid()))) {
		aqos_fw_record(a, a->op, AETHER_QOS_FW_DENY,
			       flags | AETHER_QOS_FW_REC_QUARANTINED, 0,
			       enforce ? -EACCES : 0, NULL);
		atomic64_inc(&aqos_fw_nr_denied);
		return enforce ? -EACCES : 1;
	}
	if (t->nr_desc && aqos_fw_is_lost(t->lost, task_tgid(current))) {
		/* its lineage is unknown ("lineages"): its uid is not to blame */
		aqos_fw_record(a, a->op, AETHER_QOS_FW_DENY, flags, 0,
			       enforce ? -EACCES : 0, NULL);
		atomic64_inc(&aqos_fw_nr_denied);
		return enforce ? -EACCES : 1;
	}
	if (!t->nr && t->default_action == AETHER_QOS_FW_ALLOW)
		return 1;
	this_cpu_inc(aqos_fw_nr_checked);
	m.want = a->access & AETHER_QOS_FW_ACCESS_ALL;
	m.name_key = 0;		/* aqos_fw_probe() computes it if needed */
	/* only the bits asked for are read (aqos_fw_probe(), _decide()) */
	want = m.want;
	for_each_set_bit(bit, &want, AQOS_FW_NR_BITS) {
		m.pos[bit] = AQOS_FW_NO_POS;
		m.rule[bit] = NULL;
	}
	aqos_fw_lookup(t, a, &m);
	aqos_fw_decide(t, &m, &v);
	if (!v.rule)
		flags |= AETHER_QOS_FW_REC_DEFAULT;
	if (v.decision == AETHER_QOS_FW_DENY) {
		aqos_fw_record(a, a->op, v.decision, flags, v.allowed,
			       enforce ? -EACCES : 0, v.rule);
		aqos_fw_denied();
		return enforce ? -EACCES : 1;
	}
	if (v.decision == AETHER_QOS_FW_AUDIT) {
		atomic64_inc(&aqos_fw_nr_audited);
		aqos_fw_record(a, a->op, v.decision, flags, v.allowed, 0,
			       v.rule);
	}
	return v.explicit ? 0 : 1;
}

/**
 * aqos_fw_may_access - the policy table's may_access: the firewall's word
 * @a: the access (the subject is the current task)
 *
 * Context: rcu_read_lock() held by the core; any process context that
 * may not sleep.
 * Return: 0 an explicit allow, 1 no opinion, -EACCES refused.
 */
int aqos_fw_may_access(const struct aem_access *a)
{
	return aqos_fw_check(rcu_dereference(aqos_fw_table), a);
}

/* ---- building and publishing tables -------------------------------------- */

static void aqos_fw_rule_free(struct aqos_fw_rule *ru)
{
	put_pid(ru->pid);
	kfree(ru);
}

static void aqos_fw_rule_free_rcu(struct rcu_head *rcu)
{
	aqos_fw_rule_free(container_of(rcu, struct aqos_fw_rule, rcu));
}

static void aqos_fw_table_free(struct aqos_fw_table *t)
{
	if (!t)
		return;
	kvfree(t->rules);
	kvfree(t->desc);
	kvfree(t);	/* with @keys, @slots and @start */
}

static void aqos_fw_table_free_rcu(struct rcu_head *rcu)
{
	aqos_fw_table_free(container_of(rcu, struct aqos_fw_table, rcu));
}

static u32 aqos_fw_rule_bucket(const struct aqos_fw_rule *ru, u32 mask)
{
	return aqos_fw_hash(ru->subject, ru->skey, ru->okind, ru->okey) & mask;
}

/* Note @ru's subject key and object kind in @t->keys. */
static void aqos_fw_key_add(struct aqos_fw_table *t,
			    const struct aqos_fw_rule *ru)
{
	struct aqos_fw_key *k;
	u32 h;

	if (ru->subject == AETHER_QOS_FW_SUBJ_ANY)
		return;
	h = aqos_fw_hash(ru->subject, ru->skey, 0, 0) & t->kmask;
	for (;; h = (h + 1) & t->kmask) {
		k = &t->keys[h];
		if (!k->subject || (k->subject == ru->subject &&
				    k->skey == ru->skey))
			break;
	}
	k->subject = ru->subject;
	k->skey = ru->skey;
	k->okinds |= BIT(ru->okind);
}

static void aqos_fw_slot_set(struct aqos_fw_slot *s, struct aqos_fw_rule *ru,
			     u32 pos)
{
	s->skey = ru->skey;
	s->okey = ru->okey;
	s->pos = pos;
	s->access = ru->access;
	s->subject = ru->subject;
	s->okind = ru->okind;
	s->object = ru->object;
	s->desc = ru->flags & AETHER_QOS_FW_RULE_DESCENDANTS;
	s->rule = ru;
}

/* A table of the @nr rules @rules (taken over: the caller's array). */
static struct aqos_fw_table *aqos_fw_table_build(struct aqos_fw_rule **rules,
						 u32 nr, u32 default_action,
						 u32 mode)
{
	struct aqos_fw_table *t;
	u32 nb = roundup_pow_of_two(max(nr, 1U)), i, b;
	size_t size;
	u32 *fill;

	/* the table, then @keys, @slots and @start (see the struct) */
	static_assert(sizeof(*t) % __alignof__(struct aqos_fw_key) == 0);
	static_assert(sizeof(struct aqos_fw_key) %
		      __alignof__(struct aqos_fw_slot) == 0);
	static_assert(sizeof(struct aqos_fw_slot) % __alignof__(u32) == 0);
	size = size_add(sizeof(*t),
			size_add(array_size(2 * nb, sizeof(*t->keys)),
				 size_add(array_size(max(nr, 1U),
						     sizeof(*t->slots)),
					  array_size(nb + 1,
						     sizeof(*t->start)))));
	t = kvzalloc(size, GFP_KERNEL);
	if (!t)
		return NULL;
	t->nr = nr;
	t->mask = nb - 1;
	t->default_action = default_action;
	t->mode = mode;
	t->rules = rules;
	t->kmask = 2 * nb - 1;
	t->keys = (struct aqos_fw_key *)(t + 1);
	t->slots = (struct aqos_fw_slot *)(t->keys + 2 * nb);
	t->start = (u32 *)(t->slots + max(nr, 1U));
	fill = kvcalloc(nb, sizeof(*fill), GFP_KERNEL);
	if (!fill)
		goto out_free;
	/* counting sort by bucket, each bucket in table order */
	for (i = 0; i < nr; i++) {
		t->start[aqos_fw_rule_bucket(rules[i], t->mask) + 1]++;
		t->nr_subj[rules[i]->subject]++;
		t->okinds[rules[i]->subject] |= BIT(rules[i]->okind);
		aqos_fw_key_add(t, rules[i]);
		if (rules[i]->subject == AETHER_QOS_FW_SUBJ_PID &&
		    (rules[i]->flags & AETHER_QOS_FW_RULE_DESCENDANTS))
			t->nr_desc++;
	}
	for (b = 0; b < nb; b++)
		t->start[b + 1] += t->start[b];
	for (i = 0; i < nr; i++) {
		b = aqos_fw_rule_bucket(rules[i], t->mask);
		aqos_fw_slot_set(&t->slots[t->start[b] + fill[b]++], rules[i],
				 i);
	}
	t->more = t->nr_subj[AETHER_QOS_FW_SUBJ_GID] ||
		  t->nr_subj[AETHER_QOS_FW_SUBJ_GROUP] ||
		  t->nr_subj[AETHER_QOS_FW_SUBJ_PID];
	kvfree(fill);
	fill = NULL;
	if (t->nr_desc) {
		t->desc = kvcalloc(t->nr_desc, sizeof(*t->desc), GFP_KERNEL);
		if (!t->desc)
			goto out_free;
		for (i = 0, b = 0; i < nr; i++)
			if (rules[i]->subject == AETHER_QOS_FW_SUBJ_PID &&
			    (rules[i]->flags & AETHER_QOS_FW_RULE_DESCENDANTS))
				t->desc[b++] = rules[i]->skey;
		sort(t->desc, t->nr_desc, sizeof(*t->desc), aqos_fw_ulong_cmp,
		     NULL);
		t->lost = aqos_fw_lost;	/* made before (aqos_fw_lost_alloc()) */
		if (WARN_ON_ONCE(!t->lost))
			goto out_free;
	}
	return t;

out_free:
	kvfree(fill);
	t->rules = NULL;
	aqos_fw_table_free(t);
	return NULL;
}

static struct aqos_fw_table *aqos_fw_current(void)
{
	return rcu_dereference_protected(aqos_fw_table,
					 lockdep_is_held(&aqos_fw_lock));
}

/*
 * Publish @t and return the table it replaces. The caller retires that one
 * with aqos_fw_retire() once it has stopped reading it: the mutex does not
 * hold off a grace period, so a table retired first may be freed under a
 * caller still walking it.
 */
static struct aqos_fw_table *aqos_fw_publish(struct aqos_fw_table *t)
{
	struct aqos_fw_table *old = aqos_fw_current();

	lockdep_assert_held(&aqos_fw_lock);
	t->gen = ++aqos_fw_gen;
	rcu_assign_pointer(aqos_fw_table, t);
	return old;
}

/* Free @old, no longer published, after its readers' grace period. */
static void aqos_fw_retire(struct aqos_fw_table *old)
{
	if (old)
		call_rcu(&old->rcu, aqos_fw_table_free_rcu);
}

/* ---- the ioctls ---------------------------------------------------------- */

/* Check a rule from userspace and make it (id not yet given). */
static int aqos_fw_rule_in(const struct aether_qos_fw_rule *u,
			   struct aqos_fw_rule **out)
{
	struct aqos_fw_rule *ru;
	struct aqos_group *g;
	kuid_t uid;
	kgid_t gid;
	size_t len;

	if (u->action >= AETHER_QOS_FW_NR_ACTIONS ||
	    u->subject >= AETHER_QOS_FW_NR_SUBJ ||
	    u->object >= AETHER_QOS_FW_NR_OBJ || !u->access ||
	    (u->access & ~AETHER_QOS_FW_ACCESS_ALL) ||
	    (u->flags & ~AETHER_QOS_FW_RULE_FLAGS) || u->hits ||
	    ((u->flags & AETHER_QOS_FW_RULE_DESCENDANTS) &&
	     u->subject != AETHER_QOS_FW_SUBJ_PID))
		return -EINVAL;
	if (u->subject == AETHER_QOS_FW_SUBJ_ANY && u->subject_id)
		return -EINVAL;
	if (u->subject_id > U32_MAX)
		return -EINVAL;
	len = strnlen(u->name, sizeof(u->name));
	if (len == sizeof(u->name))
		return -EINVAL;
	if (u->object == AETHER_QOS_FW_OBJ_NAME ||
	    u->object == AETHER_QOS_FW_OBJ_GLOB) {
		if (!len || u->object_id)
			return -EINVAL;
	} else if (memchr_inv(u->name, 0, sizeof(u->name))) {
		return -EINVAL;
	}
	if ((u->object == AETHER_QOS_FW_OBJ_ANY && u->object_id) ||
	    (u->object == AETHER_QOS_FW_OBJ_ID && !u->object_id) ||
	    (u->object == AETHER_QOS_FW_OBJ_TAG && !u->object_id) ||
	    (u->object == AETHER_QOS_FW_OBJ_KIND &&
	     (!u->object_id || u->object_id > U32_MAX)))
		return -EINVAL;

	ru = kzalloc(sizeof(*ru), GFP_KERNEL);
	if (!ru)
		return -ENOMEM;
	ru->action = u->action;
	ru->subject = u->subject;
	ru->object = u->object;
	ru->access = u->access;
	ru->flags = u->flags;
	ru->object_id = u->object_id;
	memcpy(ru->name, u->name, sizeof(ru->name));
	switch (u->subject) {
	case AETHER_QOS_FW_SUBJ_UID:
		uid = make_kuid(current_user_ns(), u->subject_id);
		if (!uid_valid(uid))
			goto out_inval;
		ru->skey = __kuid_val(uid);
		break;
	case AETHER_QOS_FW_SUBJ_GID:
		gid = make_kgid(current_user_ns(), u->subject_id);
		if (!gid_valid(gid))
			goto out_inval;
		ru->skey = __kgid_val(gid);
		break;
	case AETHER_QOS_FW_SUBJ_GROUP:
		g = aqos_group_get(u->subject_id);
		if (!g) {
			kfree(ru);
			return -ENOENT;
		}
		aqos_group_put(g);
		ru->skey = u->subject_id;
		break;
	case AETHER_QOS_FW_SUBJ_PID:
		if (!u->subject_id || u->subject_id > INT_MAX)
			goto out_inval;
		ru->pid = find_get_pid(u->subject_id);
		if (!ru->pid || !pid_has_task(ru->pid, PIDTYPE_TGID)) {
			aqos_fw_rule_free(ru);
			return -ESRCH;
		}
		ru->skey = (unsigned long)ru->pid;
		break;
	}
	switch (u->object) {
	case AETHER_QOS_FW_OBJ_ID:
		ru->okind = AETHER_QOS_FW_OBJ_ID;
		ru->okey = u->object_id;
		break;
	case AETHER_QOS_FW_OBJ_NAME:
		ru->okind = AETHER_QOS_FW_OBJ_NAME;
		ru->okey = aqos_fw_name_key(ru->name);
		break;
	case AETHER_QOS_FW_OBJ_TAG:
		ru->okind = AETHER_QOS_FW_OBJ_TAG;
		ru->okey = u->object_id;
		break;
	default:
		ru->okind = AETHER_QOS_FW_OBJ_ANY;
		break;
	}
	*out = ru;
	return 0;

out_inval:
	kfree(ru);
	return -EINVAL;
}

static void aqos_fw_rule_out(const struct aqos_fw_rule *ru,
			     struct aether_qos_fw_rule *u)
{
	memset(u, 0, sizeof(*u));
	u->id = ru->id;
	u->action = ru->action;
	u->subject = ru->subject;
	u->object = ru->object;
	u->access = ru->access;
	u->flags = ru->flags;
	u->object_id = ru->object_id;
	u->hits = atomic64_read(&ru->hits);
	memcpy(u->name, ru->name, sizeof(u->name));
	switch (ru->subject) {
	case AETHER_QOS_FW_SUBJ_UID:
		u->subject_id = from_kuid_munged(current_user_ns(),
						 KUIDT_INIT(ru->skey));
		break;
	case AETHER_QOS_FW_SUBJ_GID:
		u->subject_id = from_kgid_munged(current_user_ns(),
						 KGIDT_INIT(ru->skey));
		break;
	case AETHER_QOS_FW_SUBJ_GROUP:
		u->subject_id = ru->skey;
		break;
	case AETHER_QOS_FW_SUBJ_PID:
		u->subject_id = pid_vnr(ru->pid);
		break;
	}
}

static void aqos_fw_rules_free(struct aqos_fw_rule **rules, u32 n)
{
	while (n--)
		aqos_fw_rule_free(rules[n]);
	kvfree(rules);
}

/* Read and check @a->count rules from userspace. */
static int aqos_fw_rules_in(const struct aether_qos_fw_add *a,
			    struct aqos_fw_rule ***out)
{
	struct aether_qos_fw_rule __user *urules = u64_to_user_ptr(a->rules);
	struct aether_qos_fw_rule u;
	struct aqos_fw_rule **rules;
	u32 i;
	int err;

	rules = kvcalloc(a->count, sizeof(*rules), GFP_KERNEL);
	if (!rules)
		return -ENOMEM;
	for (i = 0; i < a->count; i++) {
		err = -EFAULT;
		if (copy_from_user(&u, &urules[i], sizeof(u)))
			goto out_free;
		err = aqos_fw_rule_in(&u, &rules[i]);
		if (err)
			goto out_free;
	}
	*out = rules;
	return 0;

out_free:
	aqos_fw_rules_free(rules, i);
	return err;
}

static long aqos_fw_ioc_add(void __user *uarg)
{
	struct aqos_fw_rule **add, **rules;
	struct aether_qos_fw_add a;
	struct aqos_fw_table *old, *t;
	u32 nr_old, pos, i;
	int err;

	err = aem_copy_in(&a, sizeof(a), uarg);
	if (err)
		return err;
	if (!a.count || a.count > READ_ONCE(aqos_fw_batch_max) || a.first_id)
		return -EINVAL;
	err = aqos_fw_rules_in(&a, &add);
	if (err)
		return err;

	mutex_lock(&aqos_fw_lock);
	old = aqos_fw_current();
	nr_old = old ? old->nr : 0;
	pos = a.position == AETHER_QOS_FW_APPEND ? nr_old : a.position;
	err = -ERANGE;
	if (pos > nr_old)
		goto out_unlock;
	err = -ENOSPC;
	if (nr_old + a.count > READ_ONCE(aqos_fw_rules_max))
		goto out_unlock;
	for (i = 0; i < a.count; i++) {
		if (!(add[i]->flags & AETHER_QOS_FW_RULE_DESCENDANTS))
			continue;
		err = aqos_fw_lost_alloc();
		if (err)
			goto out_unlock;
		break;
	}
	err = -ENOMEM;
	rules = kvcalloc(nr_old + a.count, sizeof(*rules), GFP_KERNEL);
	if (!rules)
		goto out_unlock;
	for (i = 0; i < pos; i++)
		rules[i] = old->rules[i];
	for (i = 0; i < a.count; i++)
		rules[pos + i] = add[i];
	for (i = pos; i < nr_old; i++)
		rules[a.count + i] = old->rules[i];
	t = aqos_fw_table_build(rules, nr_old + a.count,
				old ? old->default_action : AETHER_QOS_FW_ALLOW,
				old ? old->mode : 0);
	if (!t) {
		kvfree(rules);
		goto out_unlock;
	}
	a.first_id = aqos_fw_next_id;
	for (i = 0; i < a.count; i++)
		add[i]->id = aqos_fw_next_id++;
	aqos_fw_walk(t, add, a.count);
	aqos_fw_retire(aqos_fw_publish(t));
	aqos_fw_next_done();
	aqos_fw_revoke_rules(add, a.count);
	mutex_unlock(&aqos_fw_lock);
	kvfree(add);
	return aem_copy_out(uarg, &a, sizeof(a));

out_unlock:
	mutex_unlock(&aqos_fw_lock);
	aqos_fw_rules_free(add, a.count);
	return err;
}

static long aqos_fw_ioc_del(void __user *uarg)
{
	struct aqos_fw_table *old, *t;
	struct aqos_fw_rule **rules;
	struct aether_qos_fw_del d;
	struct aqos_fw_rule *gone = NULL;
	bool all;
	u32 i, n = 0;
	int err;

	err = aem_copy_in(&d, sizeof(d), uarg);
	if (err)
		return err;
	all = d.flags & AETHER_QOS_FW_DEL_ALL;
	if ((d.flags & ~AETHER_QOS_FW_DEL_ALL) || d.__reserved ||
	    (all && d.id) || (!all && !d.id))
		return -EINVAL;
	mutex_lock(&aqos_fw_lock);
	old = aqos_fw_current();
	err = -ENOENT;
	if (!old || (!all && !old->nr))
		goto out_unlock;
	err = -ENOMEM;
	rules = kvcalloc(max(old->nr, 1U), sizeof(*rules), GFP_KERNEL);
	if (!rules)
		goto out_unlock;
	for (i = 0; i < old->nr; i++) {
		if (all || old->rules[i]->id == d.id)
			gone = old->rules[i];
		else
			rules[n++] = old->rules[i];
	}
	err = -ENOENT;
	if (!all && !gone)
		goto out_rules;
	err = -ENOMEM;
	t = aqos_fw_table_build(rules, n, old->default_action, old->mode);
	if (!t)
		goto out_rules;
	aqos_fw_publish(t);
	if (old->nr_desc && !t->nr_desc)
		aqos_fw_lost_reset();
	if (all)
		aqos_fw_revoke_rules(old->rules, old->nr);
	else
		aqos_fw_revoke_rules(&gone, 1);
	/*
	 * Readers of the old table are gone after a grace period; so are the
	 * rules only it holds, and the table itself, retired only now that
	 * this loop is done with it.
	 */
	for (i = 0; i < old->nr; i++)
		if (all || old->rules[i]->id == d.id)
			call_rcu(&old->rules[i]->rcu, aqos_fw_rule_free_rcu);
	aqos_fw_retire(old);
	mutex_unlock(&aqos_fw_lock);
	return 0;

out_rules:
	kvfree(rules);
out_unlock:
	mutex_unlock(&aqos_fw_lock);
	return err;
}

static long aqos_fw_ioc_list(void __user *uarg)
{
	struct aether_qos_fw_rule __user *urules;
	struct aether_qos_fw_rule u;
	struct aether_qos_fw_list l;
	struct aqos_fw_table *t;
	u32 i;
	int err;

	err = aem_copy_in(&l, sizeof(l), uarg);
	if (err)
		return err;
	if (l.__reserved || (l.count && !l.rules))
		return -EINVAL;
	urules = u64_to_user_ptr(l.rules);
	mutex_lock(&aqos_fw_lock);
	t = aqos_fw_current();
	for (i = 0; i < t->nr && i < l.count; i++) {
		aqos_fw_rule_out(t->rules[i], &u);
		if (copy_to_user(&urules[i], &u, sizeof(u))) {
			mutex_unlock(&aqos_fw_lock);
			return -EFAULT;
		}
	}
	l.count = t->nr;
	l.default_action = t->default_action;
	l.mode = t->mode;
	l.generation = t->gen;
	l.quarantined = atomic_read(&aqos_fw_nr_quarantined);
	mutex_unlock(&aqos_fw_lock);
	return aem_copy_out(uarg, &l, sizeof(l));
}

static long aqos_fw_ioc_default(void __user *uarg)
{
	/* how strict each action is: a default made stricter takes back */
	static const u8 strictness[] = {
		[AETHER_QOS_FW_ALLOW] = 0, [AETHER_QOS_FW_AUDIT] = 1,
		[AETHER_QOS_FW_DENY] = 2,
	};
	struct aether_qos_fw_default d;
	struct aqos_fw_table *old, *t;
	struct aqos_fw_rule **rules;
	bool revoke;
	int err;

	err = aem_copy_in(&d, sizeof(d), uarg);
	if (err)
		return err;
	if (d.action >= AETHER_QOS_FW_NR_ACTIONS ||
	    (d.flags & ~AETHER_QOS_FW_DEFAULT_FLAGS) || d.__reserved)
		return -EINVAL;
	mutex_lock(&aqos_fw_lock);
	old = aqos_fw_current();
	rules = kvcalloc(max(old->nr, 1U), sizeof(*rules), GFP_KERNEL);
	if (rules && old->nr)
		memcpy(rules, old->rules, old->nr * sizeof(*rules));
	t = rules ? aqos_fw_table_build(rules, old->nr, d.action, d.flags) :
		    NULL;
	if (!t) {
		kvfree(rules);
		mutex_unlock(&aqos_fw_lock);
		return -ENOMEM;
	}
	revoke = strictness[d.action] > strictness[old->default_action] ||
		 ((old->mode & AETHER_QOS_FW_DEFAULT_PERMISSIVE) &&
		  !(d.flags & AETHER_QOS_FW_DEFAULT_PERMISSIVE));
	aqos_fw_retire(aqos_fw_publish(t));
	mutex_unlock(&aqos_fw_lock);
	if (revoke) {
		aem_access_revoke();
		atomic64_inc(&aqos_fw_nr_revokes);
	}
	return 0;
}

static long aqos_fw_ioc_unquarantine(void __user *uarg)
{
	struct aether_qos_fw_unquarantine q;
	bool all;
	kuid_t uid = INVALID_UID;
	int err;

	err = aem_copy_in(&q, sizeof(q), uarg);
	if (err)
		return err;
	all = q.flags & AETHER_QOS_FW_UNQ_ALL;
	if ((q.flags & ~AETHER_QOS_FW_UNQ_ALL) || q.__reserved ||
	    (all && q.uid))
		return -EINVAL;
	if (!all) {
		uid = make_kuid(current_user_ns(), q.uid);
		if (!uid_valid(uid))
			return -EINVAL;
	}
	if (!aqos_fw_unquarantine(uid, all) && !all)
		return -ENOENT;
	return 0;
}

/* ---- audit fds ---------------------------------------------------------- */

struct aqos_fw_reader {
	struct mutex lock;	/* @next */
	u64 next;		/* the next record this fd reads */
};

static ssize_t aqos_fw_audit_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct aqos_fw_reader *rd = file->private_data;
	struct aether_qos_fw_record rec;
	ssize_t done = 0;
	int err;

	if (count < sizeof(rec))
		return -EINVAL;
	if (mutex_lock_interruptible(&rd->lock))
		return -EINTR;
	while (count - done >= sizeof(rec)) {
		if (!aqos_fw_ring_get(&rd->next, &rec)) {
			if (done)
				break;
			err = -EAGAIN;
			if (file->f_flags & O_NONBLOCK)
				goto out_err;
			err = wait_event_interruptible(aqos_fw_ring.wait,
						       aqos_fw_ring_seq() >=
						       rd->next);
			if (err)
				goto out_err;
			continue;
		}
		if (copy_to_user(buf + done, &rec, sizeof(rec))) {
			err = -EFAULT;
			if (!done)
				goto out_err;
			break;
		}
		rd->next = rec.seq + 1;
		done += sizeof(rec);
	}
	mutex_unlock(&rd->lock);
	return done;

out_err:
	mutex_unlock(&rd->lock);
	return err;
}

static __poll_t aqos_fw_audit_poll(struct file *file, poll_table *wait)
{
	struct aqos_fw_reader *rd = file->private_data;

	poll_wait(file, &aqos_fw_ring.wait, wait);
	return aqos_fw_ring_seq() >= READ_ONCE(rd->next) ?
	       EPOLLIN | EPOLLRDNORM : 0;
}

static int aqos_fw_audit_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations aqos_fw_audit_fops = {
	.owner		= THIS_MODULE,
	.read		= aqos_fw_audit_read,
	.poll		= aqos_fw_audit_poll,
	.release	= aqos_fw_audit_release,
	.llseek		= noop_llseek,
};

static long aqos_fw_ioc_audit_open(void __user *uarg)
{
	struct aether_qos_fw_audit_open o;
	struct aqos_fw_reader *rd;
	struct file *file;
	u64 seq;
	int err, fd;

	err = aem_copy_in(&o, sizeof(o), uarg);
	if (err)
		return err;
	if ((o.flags & ~AETHER_QOS_FW_AUDIT_FLAGS) || o.__reserved || o.fd)
		return -EINVAL;
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	mutex_init(&rd->lock);
	seq = aqos_fw_ring_seq();
	rd->next = seq >= aqos_fw_ring.size ? seq - aqos_fw_ring.size + 1 : 1;
	fd = get_unused_fd_flags(o.flags & AETHER_QOS_FW_AUDIT_CLOEXEC ?
				 O_CLOEXEC : 0);
	err = fd;
	if (fd < 0)
		goto out_free;
	file = anon_inode_getfile("[aether_qos_fw_audit]", &aqos_fw_audit_fops,
				  rd, O_RDONLY |
				  (o.flags & AETHER_QOS_FW_AUDIT_NONBLOCK ?
				   O_NONBLOCK : 0));
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_fd;
	}
	o.fd = fd;
	err = aem_copy_out(uarg, &o, sizeof(o));
	if (err) {
		fput(file);	/* frees @rd */
		put_unused_fd(fd);
		return err;
	}
	fd_install(fd, file);
	return 0;

out_fd:
	put_unused_fd(fd);
out_free:
	kfree(rd);
	return err;
}

/**
 * aqos_fw_ioctl - the FW_* commands of /dev/aether_qos
 * @cmd: the command
 * @uarg: its argument
 *
 * Return: the command's result, -EPERM without CAP_SYS_ADMIN, -ENOTTY for
 * a command that is not the firewall's.
 */
long aqos_fw_ioctl(unsigned int cmd, void __user *uarg)
{
	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_ADD):
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_DEL):
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_LIST):
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_DEFAULT):
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_AUDIT_OPEN):
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_UNQUARANTINE):
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (AEM_IOC_BASE(cmd)) {
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_ADD):
		return aqos_fw_ioc_add(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_DEL):
		return aqos_fw_ioc_del(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_LIST):
		return aqos_fw_ioc_list(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_DEFAULT):
		return aqos_fw_ioc_default(uarg);
	case AEM_IOC_BASE(AETHER_QOS_IOC_FW_AUDIT_OPEN):
		return aqos_fw_ioc_audit_open(uarg);
	default:
		return aqos_fw_ioc_unquarantine(uarg);
	}
}

/* ---- debugfs ------------------------------------------------------------ */

static const char *const aqos_fw_actions[] = { "allow", "deny", "audit" };
static const char *const aqos_fw_subjects[] = { "any", "uid", "gid", "group",
						"pid" };
static const char *const aqos_fw_objects[] = { "any", "id", "name", "glob",
					       "kind", "tag" };

static int aqos_fw_rules_show(struct seq_file *m, void *v)
{
	struct aether_qos_fw_rule u;
	struct aqos_fw_table *t;
	u32 i;

	mutex_lock(&aqos_fw_lock);
	t = aqos_fw_current();
	seq_printf(m, "generation %llu default %s%s rules %u\n", t->gen,
		   aqos_fw_actions[t->default_action],
		   t->mode & AETHER_QOS_FW_DEFAULT_PERMISSIVE ?
		   " permissive" : "", t->nr);
	seq_puts(m, "index id action subject subject_id object object_id name access flags hits\n");
	for (i = 0; i < t->nr; i++) {
		aqos_fw_rule_out(t->rules[i], &u);
		seq_printf(m, "%u %u %s %s %llu %s %llu %s %#x %#x %llu\n", i,
			   u.id, aqos_fw_actions[u.action],
			   aqos_fw_subjects[u.subject], u.subject_id,
			   aqos_fw_objects[u.object], u.object_id,
			   u.name[0] ? u.name : "-", u.access, u.flags, u.hits);
	}
	mutex_unlock(&aqos_fw_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_fw_rules);

static int aqos_fw_auditlog_show(struct seq_file *m, void *v)
{
	struct aether_qos_fw_record rec;
	u64 seq, last = aqos_fw_ring_seq();

	seq = last >= aqos_fw_ring.size ? last - aqos_fw_ring.size + 1 : 1;
	seq_puts(m, "seq time_ns decision flags op requested allowed err uid gid pid group comm region name rule suppressed index\n");
	while (seq <= last && aqos_fw_ring_get(&seq, &rec)) {
		seq_printf(m, "%llu %llu %s %#x %u %#x %#x %d %u %u %u %u %s %llu %s %u %u %llu\n",
			   rec.seq, rec.time_ns, aqos_fw_actions[rec.decision],
			   rec.flags, rec.op, rec.requested, rec.allowed,
			   rec.err, rec.uid, rec.gid, rec.pid, rec.group,
			   rec.comm, rec.region_id,
			   rec.name[0] ? rec.name : "-", rec.rule_id,
			   rec.suppressed, rec.index);
		seq = rec.seq + 1;
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_fw_auditlog);

static int aqos_fw_stats_show(struct seq_file *m, void *v)
{
	u64 checked = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		checked += per_cpu(aqos_fw_nr_checked, cpu);
	seq_printf(m, "checked %llu\n", checked);
	seq_printf(m, "denied %lld\n", atomic64_read(&aqos_fw_nr_denied));
	seq_printf(m, "audited %lld\n", atomic64_read(&aqos_fw_nr_audited));
	seq_printf(m, "quarantines %lld\n",
		   atomic64_read(&aqos_fw_nr_quarantines));
	seq_printf(m, "quarantined %d\n",
		   atomic_read(&aqos_fw_nr_quarantined));
	seq_printf(m, "quarantine_evictions %lld\n",
		   atomic64_read(&aqos_fw_nr_qevicted));
	seq_printf(m, "records %llu\n", aqos_fw_ring_seq());
	seq_printf(m, "revokes %lld\n", atomic64_read(&aqos_fw_nr_revokes));
	seq_printf(m, "lineages %lu\n", READ_ONCE(aqos_fw_nr_lineages));
	seq_printf(m, "lineage_failures %lld\n",
		   atomic64_read(&aqos_fw_nr_linfail));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aqos_fw_stats);

/* ---- self-test (selftest=1) ---------------------------------------------- */

#define AQOS_FW_ST(cond) ({						\
	bool __ok = (cond);						\
	if (!__ok)							\
		pr_err("selftest fw: %s false (line %d)\n", #cond,	\
		       __LINE__);					\
	__ok;								\
})

/* A process to fork: a kernel thread that waits to be stopped. */
static int aqos_fw_st_idle(void *unused)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* A table of one DESCENDANTS rule of @anchor (DENY READ of any region), or of none. */
static struct aqos_fw_table *aqos_fw_st_table(struct pid *anchor)
{
	struct aqos_fw_rule **rules, *ru = NULL;
	struct aqos_fw_table *t;

	rules = kvcalloc(1, sizeof(*rules), GFP_KERNEL);
	if (!rules)
		return NULL;
	if (anchor) {
		ru = kzalloc(sizeof(*ru), GFP_KERNEL);
		if (!ru) {
			kvfree(rules);
			return NULL;
		}
		ru->action = AETHER_QOS_FW_DENY;
		ru->subject = AETHER_QOS_FW_SUBJ_PID;
		ru->object = AETHER_QOS_FW_OBJ_ANY;
		ru->okind = AETHER_QOS_FW_OBJ_ANY;
		ru->access = AETHER_QOS_FW_READ;
		ru->flags = AETHER_QOS_FW_RULE_DESCENDANTS;
		ru->pid = get_pid(anchor);
		ru->skey = (unsigned long)anchor;
		rules[0] = ru;
	}
	t = aqos_fw_table_build(rules, ru ? 1 : 0, AETHER_QOS_FW_ALLOW, 0);
	if (!t)
		aqos_fw_rules_free(rules, ru ? 1 : 0);
	return t;
}

static void aqos_fw_st_table_free(struct aqos_fw_table *t)
{
	if (!t)
		return;
	aqos_fw_rules_free(t->rules, t->nr);
	t->rules = NULL;
	aqos_fw_table_free(t);
}

/* Does process @pid have exactly the one anchor @anchor? */
static bool aqos_fw_st_just(struct pid *pid, struct pid *anchor)
{
	const struct aqos_fw_lineage *l;
	bool ok;

	rcu_read_lock();
	l = aqos_fw_lineage_find(pid);
	ok = l && l->nr == 1 && l->anchors[0] == anchor;
	rcu_read_unlock();
	return ok;
}

static int aqos_fw_st_fork(const struct aqos_fw_table *t,
			   struct task_struct *parent, struct pid *cpid,
			   bool walking)
{
	int err;

	rcu_read_lock();
	err = aqos_fw_fork_in(t, parent, cpid, walking);
	rcu_read_unlock();
	return err;
}

/* Drop every lineage that has @anchor (the self-test's, at load). */
static void aqos_fw_st_drop(struct pid *anchor)
{
	struct aqos_fw_lineage *l;
	struct hlist_node *tmp;
	int b;

	spin_lock(&aqos_fw_lin_lock);
	hash_for_each_safe(aqos_fw_lineages, b, tmp, l, node)
		if (aqos_fw_lineage_has(l, anchor))
			aqos_fw_lineage_drop(l);
	spin_unlock(&aqos_fw_lin_lock);
}

/*
 * The walk's rule and the adoption of an exiting thread's children, with
 * kthreadd (the self-test's threads' parent) as the anchor or the parent:
 * a process whose parent is the anchor is under it, one whose parent is
 * walked and not under it is not, one whose parent is lost is lost; and
 * the children of an exiting thread under the walked table's anchor get
 * it before they are adopted (review s29, lin's limit), here every
 * kernel thread kthreadd made, the self-test's two among them.
 */
static bool aqos_fw_st_walk(struct task_struct *k0, struct task_struct *k1,
			    struct pid *me)
{
	struct aqos_fw_table *t;
	struct task_struct *kthreadd;
	struct pid *kpid;
	unsigned long lineages;
	bool ok = true;

	rcu_read_lock();
	kthreadd = rcu_dereference(k0->real_parent);
	get_task_struct(kthreadd);
	rcu_read_unlock();
	kpid = get_pid(task_tgid(kthreadd));
	t = aqos_fw_st_table(kpid);
	if (!t) {
		ok = AQOS_FW_ST(t);
		goto out;
	}
	lineages = READ_ONCE(aqos_fw_nr_lineages);
	rcu_read_lock();
	ok &= AQOS_FW_ST(aqos_fw_walk_under(t, k0, kpid) == 1);
	ok &= AQOS_FW_ST(aqos_fw_walk_under(t, k0, me) == 0);
	aqos_fw_lost_mark(t->lost, kpid);
	ok &= AQOS_FW_ST(aqos_fw_walk_under(t, k0, me) == -1);
	aqos_fw_lost_clear(kpid);
	aqos_fw_orphans(t, kthreadd);
	rcu_read_unlock();
	ok &= AQOS_FW_ST(aqos_fw_st_just(task_tgid(k0), kpid));
	ok &= AQOS_FW_ST(aqos_fw_st_just(task_tgid(k1), kpid));
	aqos_fw_st_drop(kpid);
	ok &= AQOS_FW_ST(READ_ONCE(aqos_fw_nr_lineages) == lineages);
	aqos_fw_st_table_free(t);
out:
	put_pid(kpid);
	put_task_struct(kthreadd);
	return ok;
}

static bool aqos_fw_st_has_lineage(struct pid *pid)
{
	bool has;

	rcu_read_lock();
	has = aqos_fw_lineage_find(pid);
	rcu_read_unlock();
	return has;
}

/* The current task's access to region @id with @access under @t. */
static int aqos_fw_st_access(const struct aqos_fw_table *t, u32 access)
{
	struct aem_access a = {
		.op = AEM_ACCESS_OP_IOCTL, .access = access, .id = 0,
		.name = "", .owner = GLOBAL_ROOT_UID,
	};
	int ret;

	rcu_read_lock();
	ret = aqos_fw_check(t, &a);
	rcu_read_unlock();
	return ret;
}

/*
 * A name's bucket key is its length and a 32-bit hash, which two names
 * can share ("fwst-oxfdjex" and "fwst-u1nwyxx" do): a rule of one decides
 * for that name only, the lookup comparing the bytes.
 */
static int aqos_fw_st_names(void)
{
	static const char *const names[] = { "fwst-oxfdjex", "fwst-u1nwyxx" };
	struct aem_access a = {
		.op = AEM_ACCESS_OP_IOCTL, .access = AETHER_QOS_FW_READ,
		.owner = GLOBAL_ROOT_UID,
	};
	struct aqos_fw_rule **rules, *ru;
	struct aqos_fw_table *t;
	int ret[ARRAY_SIZE(names)], i;

	if (aqos_fw_name_key(names[0]) != aqos_fw_name_key(names[1])) {
		pr_err("fw: selftest: %s and %s no longer share a key\n",
		       names[0], names[1]);
		return -EINVAL;
	}
	rules = kvcalloc(1, sizeof(*rules), GFP_KERNEL);
	ru = kzalloc(sizeof(*ru), GFP_KERNEL);
	if (!rules || !ru) {
		kvfree(rules);
		kfree(ru);
		return -ENOMEM;
	}
	ru->action = AETHER_QOS_FW_ALLOW;
	ru->subject = AETHER_QOS_FW_SUBJ_ANY;
	ru->object = AETHER_QOS_FW_OBJ_NAME;
	ru->okind = AETHER_QOS_FW_OBJ_NAME;
	strscpy(ru->name, names[0], sizeof(ru->name));
	ru->okey = aqos_fw_name_key(ru->name);
	ru->access = AETHER_QOS_FW_READ;
	rules[0] = ru;
	t = aqos_fw_table_build(rules, 1, AETHER_QOS_FW_ALLOW, 0);
	if (!t) {
		aqos_fw_rules_free(rules, 1);
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		a.name = names[i];
		rcu_read_lock();
		ret[i] = aqos_fw_check(t, &a);
		rcu_read_unlock();
	}
	aqos_fw_st_table_free(t);
	/* the rule's own name: its explicit allow; the other: no opinion */
	if (ret[0] || ret[1] != 1) {
		pr_err("fw: selftest: a rule of name %s: %d for it, %d for %s\n",
		       names[0], ret[0], ret[1], names[1]);
		return -EINVAL;
	}
	return 0;
}

/*
 * The fork probe (aqos_fw_fork_in()) with tables of its own, the loader
 * (insmod) as a forking parent and two idle kernel threads as children:
 * the anchor of the grandparent reaches the child of a parent that has no
 * lineage (review s28, finding 3); only the parent's anchors still in
 * the table are passed down, the child's own (the walk's) kept whole
 * (review s29, finding 2), and a table without DESCENDANTS rules makes
 * no lineage;
 * a failed allocation marks the child lost without killing it (review
 * s28, finding 4), the mark is passed down, refuses every access and is
 * matched by revocation; the exit probe takes marks and lineages back;
 * the walk's rule and an exiting thread's children (aqos_fw_st_walk()).
 */
static int aqos_fw_selftest(void)
{
	struct aqos_fw_table *t = NULL, *none = NULL;
	struct pid *me = task_tgid(current), *anchor, *p0, *p1;
	struct task_struct *k[2] = { }, *gp;
	struct aqos_fw_lineage *l;
	unsigned long lineages;
	s64 failures;
	bool ok = true;
	int i, err;

	err = aqos_fw_st_names();
	if (err)
		return err;
	mutex_lock(&aqos_fw_lock);
	err = aqos_fw_lost_alloc();
	mutex_unlock(&aqos_fw_lock);
	if (err)
		return err;
	/* the anchor: the loader's grandparent (its parent under init) */
	rcu_read_lock();
	gp = rcu_dereference(current->real_parent);
	if (gp != current && gp->pid > 1)
		gp = rcu_dereference(gp->real_parent);
	anchor = get_pid(task_tgid(gp));
	rcu_read_unlock();
	err = -ENOMEM;
	t = aqos_fw_st_table(anchor);
	none = aqos_fw_st_table(NULL);
	if (!t || !none)
		goto out;
	for (i = 0; i < ARRAY_SIZE(k); i++) {
		k[i] = kthread_run(aqos_fw_st_idle, NULL, "aqos_fw_st%d", i);
		if (IS_ERR(k[i])) {
			err = PTR_ERR(k[i]);
			k[i] = NULL;
			goto out;
		}
		get_task_struct(k[i]);
	}
	p0 = task_tgid(k[0]);
	p1 = task_tgid(k[1]);
	lineages = READ_ONCE(aqos_fw_nr_lineages);
	failures = atomic64_read(&aqos_fw_nr_linfail);

	/*
	 * Finding 3: the parent has no lineage, its grandparent is the
	 * anchor: while the rule's walk runs, the chain of now counts; once
	 * it is published (every descendant tagged), the lineage alone.
	 */
	ok &= AQOS_FW_ST(!aqos_fw_st_has_lineage(me));
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, current, p0, false) == 0);
	ok &= AQOS_FW_ST(!aqos_fw_st_has_lineage(p0));
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, current, p0, true) == 0);
	ok &= AQOS_FW_ST(aqos_fw_st_just(p0, anchor));
	ok &= AQOS_FW_ST(READ_ONCE(aqos_fw_nr_lineages) == lineages + 1);

	/* a parent's anchor no longer in the table is not passed down */
	l = aqos_fw_lineage_alloc(p0, 2, GFP_KERNEL);
	if (!l) {
		err = -ENOMEM;
		goto out_forget;
	}
	aqos_fw_lineage_add(l, anchor);
	aqos_fw_lineage_add(l, me);
	spin_lock(&aqos_fw_lin_lock);
	aqos_fw_lineage_install(l);
	spin_unlock(&aqos_fw_lin_lock);
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, k[0], p1, false) == 0);
	ok &= AQOS_FW_ST(aqos_fw_st_just(p1, anchor));
	aqos_fw_forget(p1);

	/*
	 * review s29, finding 2: the child's own lineage, which the walk of
	 * a newer table set before this probe ran, is kept whole
	 */
	l = aqos_fw_lineage_alloc(p1, 1, GFP_KERNEL);
	if (!l) {
		err = -ENOMEM;
		goto out_forget;
	}
	aqos_fw_lineage_add(l, me);
	spin_lock(&aqos_fw_lin_lock);
	aqos_fw_lineage_install(l);
	spin_unlock(&aqos_fw_lin_lock);
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, k[0], p1, false) == 0);
	rcu_read_lock();
	l = aqos_fw_lineage_find(p1);
	ok &= AQOS_FW_ST(l && l->nr == 2 && aqos_fw_lineage_has(l, me) &&
			 aqos_fw_lineage_has(l, anchor));
	rcu_read_unlock();
	aqos_fw_forget(p1);
	ok &= AQOS_FW_ST(aqos_fw_st_fork(none, k[0], p1, false) == 0);
	ok &= AQOS_FW_ST(!aqos_fw_st_has_lineage(p1));

	/* finding 4: a failed allocation, closed without a kill */
	WRITE_ONCE(aqos_fw_st_nomem, p1);
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, k[0], p1, false) == -ENOMEM);
	WRITE_ONCE(aqos_fw_st_nomem, NULL);
	ok &= AQOS_FW_ST(!aqos_fw_st_has_lineage(p1));
	ok &= AQOS_FW_ST(aqos_fw_is_lost(t->lost, p1));
	ok &= AQOS_FW_ST(atomic64_read(&aqos_fw_nr_linfail) == failures + 1);
	rcu_read_lock();
	ok &= AQOS_FW_ST(aqos_fw_task_in(k[1], anchor, true));
	ok &= AQOS_FW_ST(!aqos_fw_task_in(k[1], anchor, false));
	rcu_read_unlock();
	/* the mark is passed down, with no allocation */
	aqos_fw_forget(p0);
	ok &= AQOS_FW_ST(aqos_fw_st_fork(t, k[1], p0, false) == 0);
	ok &= AQOS_FW_ST(aqos_fw_is_lost(t->lost, p0));
	ok &= AQOS_FW_ST(!aqos_fw_st_has_lineage(p0));
	/* a lost process is refused what no rule names, only while DESCENDANTS rules exist */
	ok &= AQOS_FW_ST(aqos_fw_st_access(t, AEM_ACCESS_WRITE) == 1);
	aqos_fw_lost_mark(t->lost, me);
	ok &= AQOS_FW_ST(aqos_fw_st_access(t, AEM_ACCESS_WRITE) == -EACCES);
	ok &= AQOS_FW_ST(aqos_fw_st_access(none, AEM_ACCESS_WRITE) == 1);
	aqos_fw_lost_clear(me);
	ok &= AQOS_FW_ST(aqos_fw_st_access(t, AEM_ACCESS_WRITE) == 1);
	/* the walk's rule, and an exiting parent's children */
	ok &= aqos_fw_st_walk(k[0], k[1], me);
	err = 0;

out_forget:
	/* the exit probe takes marks and lineages back */
	aqos_fw_forget(p0);
	aqos_fw_forget(p1);
	ok &= AQOS_FW_ST(!aqos_fw_is_lost(t->lost, p0));
	ok &= AQOS_FW_ST(!aqos_fw_is_lost(t->lost, p1));
	ok &= AQOS_FW_ST(READ_ONCE(aqos_fw_nr_lineages) == lineages);
out:
	for (i = 0; i < ARRAY_SIZE(k); i++) {
		if (!k[i])
			continue;
		kthread_stop(k[i]);
		put_task_struct(k[i]);
	}
	aqos_fw_st_table_free(none);
	aqos_fw_st_table_free(t);
	put_pid(anchor);
	if (!err && !ok)
		err = -EINVAL;
	if (!err)
		pr_info("selftest fw: lineages passed\n");
	return err;
}

/* ---- load and unload ---------------------------------------------------- */

/**
 * aqos_fw_init - an empty table (default allow), the ring, debugfs; with
 * selftest=1, the self-test of the lineages (aqos_fw_selftest())
 *
 * Context: before the policy table is registered (no may_access yet).
 * Return: 0, -ENOMEM, the error of the exit probe's registration, or
 * the self-test's -EINVAL.
 */
int aqos_fw_init(void)
{
	struct aqos_fw_table *t;
	int err;

	aqos_fw_ring.size = roundup_pow_of_two(aqos_fw_audit_size);
	aqos_fw_ring.recs = kvcalloc(aqos_fw_ring.size,
				     sizeof(*aqos_fw_ring.recs), GFP_KERNEL);
	if (!aqos_fw_ring.recs)
		return -ENOMEM;
	aqos_fw_ring.owner = kvmalloc(aqos_fw_ring.size, GFP_KERNEL);
	if (!aqos_fw_ring.owner)
		goto out_recs;
	memset(aqos_fw_ring.owner, AQOS_FW_NO_OWNER, aqos_fw_ring.size);
	t = aqos_fw_table_build(NULL, 0, AETHER_QOS_FW_ALLOW, 0);
	if (!t)
		goto out_ring;
	mutex_lock(&aqos_fw_lock);
	aqos_fw_retire(aqos_fw_publish(t));
	mutex_unlock(&aqos_fw_lock);
	aqos_fw_dir = debugfs_create_dir("fw", aqos_debugfs_dir());
	debugfs_create_file("rules", 0400, aqos_fw_dir, NULL,
			    &aqos_fw_rules_fops);
	debugfs_create_file("audit", 0400, aqos_fw_dir, NULL,
			    &aqos_fw_auditlog_fops);
	debugfs_create_file("stats", 0444, aqos_fw_dir, NULL,
			    &aqos_fw_stats_fops);
	/*
	 * group.c found it too (aqos_member_hooks_init()).  Ours runs
	 * first, at a higher priority: the orphans pass reads the exiting
	 * parent's lineage and lost mark, which group.c's probe forgets
	 * (review s30 finding 5).
	 */
	for_each_kernel_tracepoint(aqos_fw_tp_find, NULL);
	err = aqos_fw_tp_exit ?
	      tracepoint_probe_register_prio(aqos_fw_tp_exit,
					     aqos_fw_probe_exit, NULL,
					     TRACEPOINT_DEFAULT_PRIO + 1) :
	      -ENOENT;
	if (err) {
		aqos_fw_tp_exit = NULL;
		aqos_fw_exit();
		return err;
	}
	if (aqos_selftest) {
		err = aqos_fw_selftest();
		if (err) {
			aqos_fw_exit();		/* undoes all of the above */
			return err;
		}
	}
	return 0;

out_ring:
	kvfree(aqos_fw_ring.owner);
	aqos_fw_ring.owner = NULL;
out_recs:
	kvfree(aqos_fw_ring.recs);
	aqos_fw_ring.recs = NULL;
	return -ENOMEM;
}

/**
 * aqos_fw_exit - free the table, its rules and the ring
 *
 * Context: the policy table is unregistered (no may_access in flight) and
 * no audit fd is open (each pins the module).
 */
void aqos_fw_exit(void)
{
	struct aqos_fw_table *t;
	unsigned long *lost;

	if (aqos_fw_tp_exit) {
		tracepoint_probe_unregister(aqos_fw_tp_exit,
					    aqos_fw_probe_exit, NULL);
		tracepoint_synchronize_unregister();
		aqos_fw_tp_exit = NULL;
	}
	debugfs_remove_recursive(aqos_fw_dir);
	cancel_work_sync(&aqos_fw_revoke_work);
	mutex_lock(&aqos_fw_lock);
	t = aqos_fw_current();
	RCU_INIT_POINTER(aqos_fw_table, NULL);
	mutex_unlock(&aqos_fw_lock);
	WRITE_ONCE(aqos_fw_gone, true);
	/* the exit probe runs on until group.c's hooks go: no more marks */
	lost = aqos_fw_lost;
	WRITE_ONCE(aqos_fw_lost, NULL);
	synchronize_rcu();	/* no fork probe makes a lineage any more */
	aqos_fw_lineages_free();
	if (t)
		aqos_fw_rules_free(t->rules, t->nr);
	if (t)
		t->rules = NULL;
	aqos_fw_table_free(t);
	rcu_barrier();		/* the rules and tables freed by call_rcu() */
	kvfree(lost);		/* no probe, no may_access reads it */
	kvfree(aqos_fw_ring.owner);
	aqos_fw_ring.owner = NULL;
	kvfree(aqos_fw_ring.recs);
	aqos_fw_ring.recs = NULL;
}

/* ---- module parameters --------------------------------------------------- */

/* A parameter and its bounds: writes outside them are -EINVAL. */
struct aqos_fw_param {
	unsigned int *var;
	unsigned int min;
	unsigned int max;
};

static int aqos_fw_param_set(const char *val, const struct kernel_param *kp)
{
	const struct aqos_fw_param *p = kp->arg;
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v < p->min || v > p->max)
		return -EINVAL;
	WRITE_ONCE(*p->var, v);
	return 0;
}

static int aqos_fw_param_get(char *buf, const struct kernel_param *kp)
{
	const struct aqos_fw_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*p->var));
}

static const struct kernel_param_ops aqos_fw_param_ops = {
	.set = aqos_fw_param_set,
	.get = aqos_fw_param_get,
};

static struct aqos_fw_param aqos_fw_p_rules_max = {
	&aqos_fw_rules_max, 1, 1000000 };
static struct aqos_fw_param aqos_fw_p_batch_max = {
	&aqos_fw_batch_max, 1, 65536 };
static struct aqos_fw_param aqos_fw_p_audit_size = {
	&aqos_fw_audit_size, 16, 65536 };
static struct aqos_fw_param aqos_fw_p_audit_rate = {
	&aqos_fw_audit_rate, 0, 1000000 };
static struct aqos_fw_param aqos_fw_p_qthreshold = {
	&aqos_fw_qthreshold, 0, 1000000 };
static struct aqos_fw_param aqos_fw_p_qwindow = {
	&aqos_fw_qwindow_ms, 1, 3600000 };

module_param_cb(fw_rules_max, &aqos_fw_param_ops, &aqos_fw_p_rules_max, 0644);
MODULE_PARM_DESC(fw_rules_max, "Rules the firewall's table may hold (1..1000000)");
module_param_cb(fw_batch_max, &aqos_fw_param_ops, &aqos_fw_p_batch_max, 0644);
MODULE_PARM_DESC(fw_batch_max, "Rules one FW_ADD may bring (1..65536)");
module_param_cb(fw_audit_size, &aqos_fw_param_ops, &aqos_fw_p_audit_size, 0444);
MODULE_PARM_DESC(fw_audit_size, "Records the audit ring holds, rounded up to a power of two (16..65536; at load only)");
module_param_cb(fw_audit_rate, &aqos_fw_param_ops, &aqos_fw_p_audit_rate, 0644);
MODULE_PARM_DESC(fw_audit_rate, "Audit records a second at most of each subject uid, the rest counted as suppressed (0: no limit)");
module_param_cb(fw_quarantine_threshold, &aqos_fw_param_ops, &aqos_fw_p_qthreshold, 0644);
MODULE_PARM_DESC(fw_quarantine_threshold, "Refusals of one uid within fw_quarantine_window_ms that quarantine it (0: never)");
module_param_cb(fw_quarantine_window_ms, &aqos_fw_param_ops, &aqos_fw_p_qwindow, 0644);
MODULE_PARM_DESC(fw_quarantine_window_ms, "The window of fw_quarantine_threshold, in ms (1..3600000)");
