/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_dedupe_util.h - helpers shared by the aether_dedupe selftests
 *
 * The contract is include/uapi/linux/aether_dedupe.h and the
 * REGION_DEDUPE part of aether_mm.h.  Helpers return 0 or -errno and know
 * nothing of the harness; ADT_FIXTURE() is a macro expanded in a test file
 * that includes kselftest_harness.h first.
 *
 * Merging takes the scanner (aether_ksmd) two passes at least: a page's
 * hash must be unchanged since the last pass before it is a candidate.
 * So the tests never sleep a fixed time and then assert: they wait for a
 * condition, bounded by a number of completed full scans (STATUS
 * full_scans), with a wall-clock cap only against a scanner that never
 * finishes a pass at all (which fails the test, naming that).
 *
 * Peers: a region of another process (a fork, as root or as one of the
 * box's users for real) that answers commands over two pipes: its pages'
 * frame ids, a write to a page, a check of every page's content.
 */
#ifndef AETHER_DEDUPE_UTIL_H
#define AETHER_DEDUPE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/aether_dedupe.h>
#include <linux/capability.h>
#include <linux/aether_mm.h>

#include "../aether_mm/aether_mm_util.h"

#define ADT_DEV			"/dev/aether_dedupe"
#define ADT_MODULE		"aether_dedupe"
#define ADT_DEBUGFS		"/sys/kernel/debug/aether/dedupe"
#define ADT_PARAMS		"/sys/module/" ADT_MODULE "/parameters"

#define ADT_MERGEABLE		(AETHER_MM_REGION_PRIVATE | \
				 AETHER_MM_REGION_MERGEABLE)
/* Seed 0 is a zero-filled page; any other an aemt_pattern() of it. */
#define ADT_ZERO		0ULL
/* Full scans a wait allows by default before the condition must hold. */
#define ADT_SCANS		8
/* Seconds without one completed full scan: the scanner is stuck. */
#define ADT_STUCK_SECS		60

/* The knobs every test starts from (ADT_FIXTURE's setup). */
#define ADT_TEST_PAGES_TO_SCAN	20000
#define ADT_TEST_SLEEP_MS	10

/*
 * In a FIXTURE_SETUP: open /dev/aether_dedupe into @fd, or skip when
 * aether_dedupe is not loaded.
 */
#define ADT_SETUP_OPEN(fd)						\
do {									\
	(fd) = adt_open();						\
	if ((fd) == -ENOENT)						\
		AEMT_SETUP_SKIP("%s absent: aether_dedupe not loaded",	\
				ADT_DEV);				\
	ASSERT_LE(0, (fd));						\
} while (0)

/*
 * The fixture of most tests: /dev/aether_mm and /dev/aether_dedupe open,
 * the page size, and the knobs as they were.  The setup unmerges
 * everything (run = 2) and sets the test knobs (the scanner stopped,
 * a pass per wake-up, 10 ms sleeps, no smart scan, no advisor, KSM's
 * limits); the test starts the scanner when its pages are written.  The
 * teardown unmerges again and puts every knob back.
 */
#define ADT_FIXTURE(name)	ADT_FIXTURE_BODY(name, 1, )

/*
 * The same for a fixture whose variants differ in one knob: declare
 * FIXTURE_VARIANT(name) with a __u32 @field first, then this, then the
 * FIXTURE_VARIANT_ADD()s.  @bit (an AETHER_DEDUPE_SET_* bit) is set to
 * the variant's @field after the test knobs; a pool of fewer than @nodes
 * nodes skips.
 */
#define ADT_FIXTURE_KNOB(name, bit, field, nodes)			\
	ADT_FIXTURE_BODY(name, nodes,					\
			 ASSERT_EQ(0, adt_set1(self->dfd, bit,		\
					       variant->field)))

/* Both of the above; @extra: a statement the setup ends with. */
#define ADT_FIXTURE_BODY(name, nodes, extra)				\
FIXTURE(name) {								\
	int mm;								\
	int dfd;							\
	size_t page;							\
	struct aether_dedupe_knobs saved;				\
	bool restore;							\
};									\
FIXTURE_SETUP(name)							\
{									\
	struct aether_dedupe_status __st;				\
									\
	self->dfd = -1;							\
	self->restore = false;						\
	AEMT_SETUP_OPEN(self->mm);					\
	ADT_SETUP_OPEN(self->dfd);					\
	self->page = (size_t)sysconf(_SC_PAGESIZE);			\
	ASSERT_EQ(0, adt_status(self->dfd, &__st));			\
	self->saved = __st.knobs;					\
	if (aet_cap_effective(CAP_SYS_ADMIN) != 1)			\
		AEMT_SETUP_SKIP("needs CAP_SYS_ADMIN to set the knobs"); \
	if ((nodes) > 1 && adt_nr_nodes(self->mm) < (nodes))		\
		AEMT_SETUP_SKIP("the pool has fewer than %d nodes",	\
				(nodes));				\
	self->restore = true;						\
	ASSERT_EQ(0, adt_test_knobs(self->dfd));			\
	extra;								\
}									\
FIXTURE_TEARDOWN(name)							\
{									\
	if (self->restore)						\
		EXPECT_EQ(0, adt_restore_knobs(self->dfd, &self->saved)); \
	if (self->dfd >= 0)						\
		close(self->dfd);					\
	if (self->mm >= 0)						\
		close(self->mm);					\
}

int adt_open(void);
int adt_status(int dfd, struct aether_dedupe_status *st);
int adt_counters(int dfd, struct aether_dedupe_counters *c);
int adt_knobs(int dfd, struct aether_dedupe_knobs *k);
int adt_set(int dfd, __u32 mask, const struct aether_dedupe_knobs *k);
/* Set the one knob of @bit (an AETHER_DEDUPE_SET_* bit) to @val. */
int adt_set1(int dfd, __u32 bit, __u32 val);
/* The field of @k that @bit names, or NULL. */
__u32 *adt_knob(struct aether_dedupe_knobs *k, __u32 bit);
const char *adt_knob_name(__u32 bit);
int adt_run(int dfd, __u32 run);
/* Unmerge everything (run = 2), then the test knobs above. */
int adt_test_knobs(int dfd);
/* Unmerge everything, then every knob of @k. */
int adt_restore_knobs(int dfd, const struct aether_dedupe_knobs *k);
int adt_set_domain(int dfd, int rfd, const char *name);
int adt_region_stats(int dfd, int rfd, struct aether_dedupe_region_stats *st);
int adt_region_dedupe(int rfd, __u64 offset, __u64 length,
		      struct aether_mm_region_dedupe *d);

/*
 * Wait until @cond(@arg) holds: 0; -ETIME when @scans full scans passed
 * without it; -ETIMEDOUT when the scanner finished no pass for
 * ADT_STUCK_SECS; another -errno when STATUS fails.  @cond may be NULL:
 * wait for @scans full scans.
 */
int adt_wait(int dfd, bool (*cond)(void *arg), void *arg, unsigned int scans);
const char *adt_wait_error(int err);

/* Contents: seed 0 is a zero page, else aemt_pattern(). */
void adt_fill(void *page, size_t len, __u64 seed);
bool adt_holds(const void *page, size_t len, __u64 seed);
__u32 adt_crc(size_t len, __u64 seed);

/* A region of this process, mapped whole, read-write. */
struct adt_region {
	int fd;
	__u64 id;
	size_t pages;
	size_t page;
	unsigned char *map;
};

int adt_region_make(int mm, __u32 flags, size_t pages, struct adt_region *r);
/* The same with a full create request (name, node mask, ...). */
int adt_region_make_args(int mm, struct aether_mm_region_create *c,
			 struct adt_region *r);
void adt_region_drop(struct adt_region *r);
void adt_region_fill(struct adt_region *r, size_t i, __u64 seed);
bool adt_region_holds(struct adt_region *r, size_t i, __u64 seed);
/* REGION_CHECKSUM of page @i equals that of @seed's content. */
bool adt_region_crc_ok(struct adt_region *r, size_t i, __u64 seed);
/* Page @i's REGION_QUERY: 0 or -errno. */
int adt_region_query(struct adt_region *r, size_t i,
		     struct aether_mm_region_query *q);
/* Page @i's frame id, 0 on error or without a frame. */
__u64 adt_frame(struct adt_region *r, size_t i);
/* Page @i's state (AETHER_MM_PAGE_*), ~0U on error. */
__u32 adt_state(struct adt_region *r, size_t i);
__u64 adt_resident(struct adt_region *r);

/* ---- peers: a region of another process ------------------------------ */

#define ADT_PEER_MAX_PAGES	1024

struct adt_peer {
	/* (in) */
	const struct aet_user *user;	/* NULL: a fork of the caller */
	__u32 flags;			/* REGION_CREATE flags */
	size_t pages;
	__u64 seeds[ADT_PEER_MAX_PAGES]; /* page i's content */
	char name[AETHER_MM_REGION_NAME_MAX]; /* a named region, or "" */
	int pol_mode;			/* REGION_CREATE @pol_mode */
	__u64 nodemask;			/* REGION_CREATE @nodemask */
	/* (out) */
	pid_t pid;
	__u64 id;			/* the region's id */
	int up, down;			/* the parent's pipe ends */
};

/*
 * Start @p: its region is written with @seeds when this returns 0.  The
 * peer is a fork: start it before mapping regions of one's own, or it
 * maps a copy-on-write image of each (PRIVATE regions follow fork).
 */
int adt_peer_start(struct adt_peer *p);
/* The frame ids of its pages (@frames has p->pages entries). */
int adt_peer_frames(struct adt_peer *p, __u64 *frames);
/* The states (AETHER_MM_PAGE_*) of its pages. */
int adt_peer_states(struct adt_peer *p, __u32 *states);
/* Write @seed's content to page @i (and expect it from now on). */
int adt_peer_fill(struct adt_peer *p, size_t i, __u64 seed);
/* Pages whose bytes or REGION_CHECKSUM differ from what it expects. */
int adt_peer_verify(struct adt_peer *p, __u64 *bad);
/* REGION_DEDUPE of its whole region, by the peer. */
int adt_peer_dedupe(struct adt_peer *p, struct aether_mm_region_dedupe *d);
/* REGION_STATS of its own region, by the peer on its own device fd. */
int adt_peer_stats(struct adt_peer *p, struct aether_dedupe_region_stats *st);
/* End it: 0 when it ran every command it was given without a fault. */
int adt_peer_stop(struct adt_peer *p);

/* ---- module and node helpers ----------------------------------------- */

/* Read or write aether_dedupe's module parameter @name: 0 or -errno. */
int adt_param_read(const char *name, char *buf, size_t len);
int adt_param_write(const char *name, const char *val);
/* Nodes of the pool (POOL_INFO nr_nodes), or -errno. */
int adt_nr_nodes(int mm);

/* ---- debugfs (root's) -------------------------------------------------- */

/* The value of line "@name <value>" of debugfs aether/dedupe/stats. */
int adt_debugfs_stat(const char *name, long long *val);

/* A line of debugfs aether/dedupe/stable: one shared frame. */
struct adt_stable_line {
	int key_nid;		/* its tree's node, -1: one tree for all */
	int node;		/* the node its frame is on now */
	unsigned int users;	/* the core's count of its users */
};

/*
 * Call @fn for each line of debugfs aether/dedupe/stable: 0, the first
 * non-zero value of @fn, or -errno (-EPROTO: a line not understood).
 */
int adt_stable_each(int (*fn)(const struct adt_stable_line *l, void *arg),
		    void *arg);

/*
 * Region flags the engine never merges (no MERGEABLE, or SECURE): the
 * initialiser of an array of __u32.
 */
#define ADT_NOT_MERGEABLE_FLAGS {					\
	AETHER_MM_REGION_PRIVATE,					\
	AETHER_MM_REGION_SHARED,					\
	AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_MERGEABLE |		\
		AETHER_MM_REGION_SECURE,				\
}

#endif /* AETHER_DEDUPE_UTIL_H */
