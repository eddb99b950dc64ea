// SPDX-License-Identifier: GPL-2.0
/*
 * qos_shared_test - a shared frame counts once, in its creator's group
 * (issue 14: "a group's usage is exact (... shared frames counted once,
 * in the creator's group)")
 *
 * Two regions of the same contents, each named into its own group, both
 * MERGEABLE, merged by aether_dedupe (REGION_DEDUPE):
 *
 *   - each page is one shared frame, charged once to the group of the
 *     region whose page it was copied from (its creator): the two groups
 *     together hold the pages once, not twice (their private frames were
 *     uncharged as they merged) and not zero times;
 *   - the creator's region gone, its group still holds the frames the
 *     other region maps (the charge keeps a reference to the group), and
 *     DESTROY refuses that group while it does;
 *   - a write gives the writer a private copy, charged to its own group,
 *     while the shared frame stays charged once;
 *   - stored (aether_zram's region store), a shared frame counts once as
 *     stored bytes, in one group, though both regions' pages are stored,
 *     and loaded back it is one frame again;
 *   - every region gone, both groups are back to exactly zero;
 *   - loaded back while its creator's group is at its max, a stored
 *     shared frame is charged to the group of the region that faults it
 *     (which holds it from then on), never past the creator's max; and a
 *     group's own reclaim (a lower max) stores the shared frames it holds,
 *     which no region of its own maps (review s30 finding 4);
 *   - a group's reclaim looks at the shared frames its group holds and
 *     at no other group's (aether_mm's share held_visits; review s31b
 *     finding 4).
 *
 * Skipped without aether_dedupe (and the stored case without aether_zram's
 * region store).  Groups made here are named "qsh-*" under the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QSH_PREFIX	"qsh-"
#define QSH_DEDUPE	"/dev/aether_dedupe"
#define QSH_ZRAM_STORE	"/sys/module/aether_zram/parameters/region_store"
#define QSH_PAGES	16
/* Polls of the groups' figures, 10 ms apart, for the engine's prune. */
#define QSH_POLLS	3000

#define QSH_FLAGS	(AETHER_MM_REGION_PRIVATE | \
			 AETHER_MM_REGION_MERGEABLE | \
			 AETHER_MM_REGION_COMPRESSIBLE | \
			 AETHER_MM_REGION_QOS_GROUP)

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* A region of QSH_PAGES named into a group, mapped. */
struct qsh_region {
	int fd;
	__u64 id;
	unsigned char *p;
};

FIXTURE(shared) {
	int fd;
	int mfd;
	struct aet_params params;
	struct aet_params mm_params;
	__u32 ga, gb;
	struct qsh_region a, b;
	char zram_store[8];	/* region_store to put back, "" if none */
};

/*
 * A region of group @g, each page written with the same bytes in every
 * region (64 bytes of a value of its own index, the rest zeroes: no page
 * of zeroes, which would be dropped, and no two pages alike).
 */
static int qsh_region(int fd, int mfd, __u32 g, struct qsh_region *r)
{
	struct aether_mm_region_create c;
	int gfd = aqt_gfd(fd, g);
	size_t i;

	r->fd = -1;
	r->p = NULL;
	if (gfd < 0)
		return gfd;
	aemt_region_args(&c, QSH_FLAGS, QSH_PAGES * psize());
	c.qos_fd = gfd;
	if (aemt_region_create(mfd, &c)) {
		close(gfd);
		return -errno;
	}
	close(gfd);
	r->fd = c.fd;
	r->id = c.id;
	r->p = aemt_region_map(c.fd, QSH_PAGES * psize(),
			       PROT_READ | PROT_WRITE);
	if (r->p == MAP_FAILED) {
		r->p = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < QSH_PAGES; i++)
		memset(r->p + i * psize(), (int)i + 1, 64);
	return 0;
}

static void qsh_drop(struct qsh_region *r)
{
	if (r->p)
		munmap(r->p, QSH_PAGES * psize());
	if (r->fd >= 0)
		close(r->fd);
	r->p = NULL;
	r->fd = -1;
}

/* Pages of @r that do not read back as qsh_region() wrote them. */
static size_t qsh_bad(const struct qsh_region *r)
{
	size_t i, bad = 0;

	for (i = 0; i < QSH_PAGES; i++)
		bad += r->p[i * psize()] != (unsigned char)(i + 1) ||
		       r->p[i * psize() + 63] != (unsigned char)(i + 1) ||
		       r->p[i * psize() + 64] != 0;
	return bad;
}

/* @gi's usage but for its integrity memory: frames and stored bytes. */
static __u64 qsh_frames(const struct aether_qos_group_info *gi)
{
	return gi->usage - aqt_integ_pages(gi->name);
}

/*
 * The usage of groups @ga and @gb, but for their integrity memory, in
 * *@ua and *@ub; 0 or -errno.
 */
static int qsh_usage(int fd, __u32 ga, __u32 gb, __u64 *ua, __u64 *ub)
{
	struct aether_qos_group_info gi;
	int ret = aqt_get(fd, ga, &gi);

	if (ret)
		return ret;
	*ua = qsh_frames(&gi);
	ret = aqt_get(fd, gb, &gi);
	*ub = qsh_frames(&gi);
	return ret;
}

/*
 * Wait (bounded) until @ga and @gb hold @want pages together: a shared
 * frame whose last user left goes when the engine drops it, soon after.
 * Return: the last sum seen.
 */
static __u64 qsh_wait_sum(int fd, __u32 ga, __u32 gb, __u64 want)
{
	__u64 ua = 0, ub = 0;
	int i;

	for (i = 0; i < QSH_POLLS; i++) {
		if (!qsh_usage(fd, ga, gb, &ua, &ub) && ua + ub == want)
			break;
		usleep(10 * 1000);
	}
	return ua + ub;
}

FIXTURE_SETUP(shared)
{
	int dfd;

	self->a.fd = self->b.fd = -1;
	self->a.p = self->b.p = NULL;
	self->zram_store[0] = '\0';
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	dfd = open(QSH_DEDUPE, O_RDWR);
	if (dfd < 0)
		AEMT_SETUP_SKIP("%s absent: aether_dedupe not loaded",
				QSH_DEDUPE);
	close(dfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	ASSERT_EQ(0, aet_params_save("aether_mm", &self->mm_params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QSH_PREFIX);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QSH_PREFIX "a", 0, &self->ga));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QSH_PREFIX "b", 0, &self->gb));
	ASSERT_EQ(0, qsh_region(self->fd, self->mfd, self->ga, &self->a));
	ASSERT_EQ(0, qsh_region(self->fd, self->mfd, self->gb, &self->b));
}

FIXTURE_TEARDOWN(shared)
{
	if (self->fd < 0)
		return;
	qsh_drop(&self->a);
	qsh_drop(&self->b);
	if (self->zram_store[0])
		aet_write_file(QSH_ZRAM_STORE, self->zram_store);
	qsh_wait_sum(self->fd, self->ga, self->gb, 0);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QSH_PREFIX);
	aet_params_restore(&self->mm_params);
	aet_params_restore(&self->params);
	close(self->fd);
	close(self->mfd);
}

/* Merge every page of @r now (with the other region's equal pages). */
static int qsh_merge(const struct qsh_region *r, __u64 *merged)
{
	struct aether_mm_region_dedupe d = {
		.size = sizeof(d),
		.length = QSH_PAGES * psize(),
	};
	int ret = aet_ioctl(r->fd, AETHER_MM_IOC_REGION_DEDUPE, &d);

	*merged = d.merged;
	return ret;
}

/* Both regions merged: each group's usage in *@ua, *@ub. */
static void qsh_merged(struct __test_metadata *_metadata,
		       FIXTURE_DATA(shared) *self, __u64 *ua, __u64 *ub)
{
	__u64 merged;

	ASSERT_EQ(0, qsh_usage(self->fd, self->ga, self->gb, ua, ub));
	ASSERT_EQ(QSH_PAGES, *ua);
	ASSERT_EQ(QSH_PAGES, *ub);
	ASSERT_EQ(0, qsh_merge(&self->b, &merged));
	ASSERT_EQ(QSH_PAGES, merged) TH_LOG("every page of b merged");
	ASSERT_EQ(0, qsh_usage(self->fd, self->ga, self->gb, ua, ub));
	TH_LOG("after the merge: a %llu, b %llu pages",
	       (unsigned long long)*ua, (unsigned long long)*ub);
	ASSERT_EQ(QSH_PAGES, *ua + *ub) TH_LOG("each frame counted once");
}

/*
 * Merged, the two groups hold the pages once: each shared frame in one
 * group, each private frame that merged given back; both regions gone,
 * both groups are at zero.
 */
TEST_F_TIMEOUT(shared, merged_frames_count_once, 240)
{
	__u64 ua, ub;

	qsh_merged(_metadata, self, &ua, &ub);
	ASSERT_EQ(0, qsh_bad(&self->a));
	ASSERT_EQ(0, qsh_bad(&self->b));
	qsh_drop(&self->a);
	qsh_drop(&self->b);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, self->ga, self->gb, 0));
	ASSERT_EQ(0, qsh_usage(self->fd, self->ga, self->gb, &ua, &ub));
	ASSERT_EQ(0, ua);
	ASSERT_EQ(0, ub);
}

/*
 * The creator's region goes first: its group keeps the frames the other
 * region still maps, with no region of its own.  DESTROY takes it out of
 * the tree all the same (no region of another user can keep a group
 * from going: review s30 finding 3); the frames stay charged, the root
 * counting them, until the last mapping goes; then nothing is left.
 */
TEST_F_TIMEOUT(shared, creator_gone_keeps_the_charge, 240)
{
	struct aether_qos_group_info gi;
	struct qsh_region *creator, *other;
	__u64 ua, ub, held, root0;
	__u32 gc, go;
	int i;

	qsh_merged(_metadata, self, &ua, &ub);
	/* The group that holds frames made them: its region goes first. */
	creator = ua ? &self->a : &self->b;
	other = ua ? &self->b : &self->a;
	gc = ua ? self->ga : self->gb;
	go = ua ? self->gb : self->ga;
	qsh_drop(creator);
	ASSERT_EQ(0, aqt_get(self->fd, gc, &gi));
	ASSERT_EQ(0, gi.nr_regions);
	ASSERT_LT(0, gi.usage) TH_LOG("the frames other maps stay charged");
	ASSERT_EQ(QSH_PAGES,
		  qsh_wait_sum(self->fd, self->ga, self->gb, QSH_PAGES));
	held = gi.usage;
	ASSERT_EQ(0, aqt_destroy(self->fd, gc));
	ASSERT_EQ(-ENOENT, aqt_get(self->fd, gc, &gi));
	self->ga = self->gb = go;	/* the teardown's wait: go's alone */
	ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &gi));
	root0 = gi.usage;
	ASSERT_LE(held, root0) TH_LOG("the root still counts them");
	ASSERT_EQ(0, qsh_bad(other));
	qsh_drop(other);
	/* The dead group's frames uncharged with the last mapping. */
	for (i = 0; i < 600; i++) {
		ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &gi));
		if (gi.usage + held <= root0)
			break;
		usleep(100 * 1000);
	}
	ASSERT_GE(root0, gi.usage + held)
		TH_LOG("root %llu, was %llu, held %llu",
		       (unsigned long long)gi.usage,
		       (unsigned long long)root0, (unsigned long long)held);
	ASSERT_EQ(0, aqt_get(self->fd, go, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, aqt_destroy(self->fd, go));
}

/*
 * A write to a merged page gives its region a private copy, charged to
 * its group; the shared frame the other region maps stays charged once.
 */
TEST_F_TIMEOUT(shared, write_charges_the_copy_once, 240)
{
	struct aether_qos_group_info gi;
	__u64 ua, ub, a0;

	qsh_merged(_metadata, self, &ua, &ub);
	a0 = ua;
	self->a.p[0] = 1;	/* the value it had: a copy, same bytes */
	ASSERT_EQ(0, aqt_get(self->fd, self->ga, &gi));
	ASSERT_EQ(a0 + 1, qsh_frames(&gi)) TH_LOG("a's copy charged to a");
	ASSERT_EQ(QSH_PAGES + 1,
		  qsh_wait_sum(self->fd, self->ga, self->gb, QSH_PAGES + 1));
	ASSERT_EQ(0, qsh_bad(&self->a));
	ASSERT_EQ(0, qsh_bad(&self->b));
	qsh_drop(&self->b);
	qsh_drop(&self->a);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, self->ga, self->gb, 0));
}

/*
 * Stored: a cold shared frame goes to the store once, for both regions;
 * the two groups count it once, as stored bytes; loaded back, a frame
 * again.
 */
TEST_F_TIMEOUT(shared, stored_frame_counts_once, 300)
{
	struct aether_qos_group_info a, b;
	char zs[8] = "";
	long na, nb;
	__u64 ua, ub;

	if (aet_read_file(QSH_ZRAM_STORE, zs, sizeof(zs)) < 0)
		SKIP(return, "aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QSH_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register");
	qsh_merged(_metadata, self, &ua, &ub);
	ASSERT_EQ(0, aqt_scan(self->a.id, 3));
	ASSERT_EQ(0, aqt_scan(self->b.id, 3));
	ASSERT_EQ(0, aqt_pool_reclaim(2 * QSH_PAGES));
	na = aqt_stored(self->a.fd, self->a.p, 0, QSH_PAGES);
	nb = aqt_stored(self->b.fd, self->b.p, 0, QSH_PAGES);
	ASSERT_LT(0, nb) TH_LOG("the pool's reclaim stored no shared frame");
	ASSERT_EQ(na, nb) TH_LOG("a stored shared frame is both regions'");
	ASSERT_EQ(0, aqt_get(self->fd, self->ga, &a));
	ASSERT_EQ(0, aqt_get(self->fd, self->gb, &b));
	TH_LOG("%ld shared frames stored: a %llu + b %llu bytes", nb,
	       (unsigned long long)a.zswap, (unsigned long long)b.zswap);
	ASSERT_EQ(nb, a.zswapped + b.zswapped) TH_LOG("counted once");
	ASSERT_EQ(QSH_PAGES - nb, a.resident + b.resident);
	ASSERT_LT(0, a.zswap + b.zswap);
	ASSERT_GT(QSH_PAGES, a.usage + b.usage) TH_LOG("storing lowered it");
	/* Read back: each comes back once, a frame of the same group. */
	ASSERT_EQ(0, qsh_bad(&self->b));
	ASSERT_EQ(0, qsh_bad(&self->a));
	ASSERT_EQ(0, aqt_get(self->fd, self->ga, &a));
	ASSERT_EQ(0, aqt_get(self->fd, self->gb, &b));
	ASSERT_EQ(0, a.zswapped + b.zswapped);
	ASSERT_EQ(0, a.zswap + b.zswap);
	ASSERT_EQ(QSH_PAGES, qsh_frames(&a) + qsh_frames(&b));
	ASSERT_EQ(ua, qsh_frames(&a)) TH_LOG("the same group as before");
	qsh_drop(&self->a);
	qsh_drop(&self->b);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, self->ga, self->gb, 0));
}

/*
 * Stored and never read back: the regions go with the shared frames in
 * the store; no byte stays charged.
 */
TEST_F_TIMEOUT(shared, freed_while_stored_leaves_nothing, 300)
{
	struct aether_qos_group_info a, b;
	char zs[8] = "";
	__u64 ua, ub;
	long nb;

	if (aet_read_file(QSH_ZRAM_STORE, zs, sizeof(zs)) < 0)
		SKIP(return, "aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QSH_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register");
	qsh_merged(_metadata, self, &ua, &ub);
	ASSERT_EQ(0, aqt_scan(self->a.id, 3));
	ASSERT_EQ(0, aqt_scan(self->b.id, 3));
	ASSERT_EQ(0, aqt_pool_reclaim(2 * QSH_PAGES));
	nb = aqt_stored(self->b.fd, self->b.p, 0, QSH_PAGES);
	ASSERT_LT(0, nb) TH_LOG("the pool's reclaim stored no shared frame");
	qsh_drop(&self->a);
	qsh_drop(&self->b);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, self->ga, self->gb, 0));
	ASSERT_EQ(0, aqt_get(self->fd, self->ga, &a));
	ASSERT_EQ(0, aqt_get(self->fd, self->gb, &b));
	ASSERT_EQ(0, a.zswap + b.zswap);
	ASSERT_EQ(0, a.zswapped + b.zswapped);
}

/*
 * A region of group @g with @pages of its own bytes written, neither
 * MERGEABLE nor like the shared ones: what fills a group to its max.
 */
static int qsh_filler(int fd, int mfd, __u32 g, size_t pages,
		      struct qsh_region *r)
{
	struct aether_mm_region_create c;
	int gfd = aqt_gfd(fd, g);

	r->fd = -1;
	r->p = NULL;
	if (gfd < 0)
		return gfd;
	aemt_region_args(&c, QSH_FLAGS & ~AETHER_MM_REGION_MERGEABLE,
			 QSH_PAGES * psize());
	c.qos_fd = gfd;
	if (aemt_region_create(mfd, &c)) {
		close(gfd);
		return -errno;
	}
	close(gfd);
	r->fd = c.fd;
	r->id = c.id;
	r->p = aemt_region_map(c.fd, QSH_PAGES * psize(),
			       PROT_READ | PROT_WRITE);
	if (r->p == MAP_FAILED) {
		r->p = NULL;
		return -ENOMEM;
	}
	aqt_write_pages(r->p, 0, pages, 0x80);
	return 0;
}

/* Cold (access scans of @r), then @g's max lowered to @max: its usage. */
static __u64 qsh_lower_max(struct __test_metadata *_metadata, int fd,
			   __u32 g, const struct qsh_region *r, __u64 max)
{
	struct aether_qos_group_info gi;

	EXPECT_EQ(0, aqt_scan(r->id, 3));
	EXPECT_EQ(0, aqt_set_max(fd, g, max));
	EXPECT_EQ(0, aqt_get(fd, g, &gi));
	return gi.usage;
}

#define QSH_MAX		(QSH_PAGES / 2)	/* C's, filled by a region of C */

/*
 * Review s30 finding 4.  The creator's region gone, its group C holds
 * the shared frames the other region maps: a lower max on C stores them
 * (C's own reclaim reaches them, though no region of C maps them).  C
 * then filled up to its max by a region of its own, the other region
 * reads every page back: each stored shared frame comes back charged to
 * the other region's group O, which C cannot take, and C stays within
 * its max; O then holds those frames, and its own lower max stores them
 * again.
 */
TEST_F_TIMEOUT(shared, reload_does_not_exceed_creator_max, 300)
{
	struct aether_qos_group_info c, o;
	struct qsh_region *creator, *other, fill = { .fd = -1 };
	__u64 ua, ub, usage;
	__u32 gc, go;
	char zs[8] = "";

	if (aet_read_file(QSH_ZRAM_STORE, zs, sizeof(zs)) < 0)
		SKIP(return, "aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QSH_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register");
	qsh_merged(_metadata, self, &ua, &ub);
	creator = ua ? &self->a : &self->b;
	other = ua ? &self->b : &self->a;
	gc = ua ? self->ga : self->gb;
	go = ua ? self->gb : self->ga;
	qsh_drop(creator);
	ASSERT_EQ(QSH_PAGES,
		  qsh_wait_sum(self->fd, self->ga, self->gb, QSH_PAGES));
	ASSERT_EQ(0, aqt_get(self->fd, gc, &c));
	ASSERT_EQ(QSH_PAGES, c.usage) TH_LOG("C holds every shared frame");

	/* C's reclaim reaches the frames it holds: all of them, at max 1. */
	usage = qsh_lower_max(_metadata, self->fd, gc, other, 1);
	TH_LOG("C at max 1: %llu pages", (unsigned long long)usage);
	ASSERT_GE(1, usage) TH_LOG("a lower max stores the held frames");
	ASSERT_EQ(0, aqt_get(self->fd, gc, &c));
	ASSERT_EQ(QSH_PAGES, c.zswapped) TH_LOG("stored, as bytes of C");

	/* C full with pages of its own, at a higher max. */
	ASSERT_EQ(0, aqt_set_max(self->fd, gc, QSH_MAX));
	ASSERT_EQ(0, qsh_filler(self->fd, self->mfd, gc, QSH_MAX - c.usage,
				&fill));
	ASSERT_EQ(0, aqt_get(self->fd, gc, &c));
	ASSERT_EQ(QSH_MAX, c.usage);

	/* The other region reads every page: C cannot take them. */
	ASSERT_EQ(0, qsh_bad(other));
	ASSERT_EQ(0, aqt_get(self->fd, gc, &c));
	ASSERT_EQ(0, aqt_get(self->fd, go, &o));
	TH_LOG("read back: C %llu pages (max %d), O %llu",
	       (unsigned long long)c.usage, QSH_MAX,
	       (unsigned long long)o.usage);
	ASSERT_GE(QSH_MAX, c.usage) TH_LOG("never past the creator's max");
	ASSERT_EQ(0, c.zswapped + o.zswapped) TH_LOG("every frame loaded");
	ASSERT_EQ(QSH_PAGES, qsh_frames(&o))
		TH_LOG("O, which faulted them, holds them");

	/* O holds them now: its own lower max stores them again. */
	usage = qsh_lower_max(_metadata, self->fd, go, other, 2);
	ASSERT_GE(2, usage) TH_LOG("O at max 2: %llu pages",
				    (unsigned long long)usage);
	qsh_drop(&fill);
	qsh_drop(other);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, self->ga, self->gb, 0));
}

/*
 * Review s31b finding 5.  The creator's region gone and its group C
 * destroyed, the shared frames C still holds are stored (as C's bytes,
 * in a group nobody can see or reclaim any more); the other region reads
 * them back: each comes back charged to the other region's group O, not
 * to the dead C (memcg's swap-in passes over an offline memcg the same
 * way), so O's usage says what O maps.
 */
TEST_F_TIMEOUT(shared, reload_after_creator_destroyed_charges_the_faulter,
	       300)
{
	struct aether_qos_group_info o;
	struct qsh_region *creator, *other;
	char zs[8] = "";
	__u64 ua, ub;
	__u32 gc, go;
	long stored;

	if (aet_read_file(QSH_ZRAM_STORE, zs, sizeof(zs)) < 0)
		SKIP(return, "aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QSH_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register");
	qsh_merged(_metadata, self, &ua, &ub);
	creator = ua ? &self->a : &self->b;
	other = ua ? &self->b : &self->a;
	gc = ua ? self->ga : self->gb;
	go = ua ? self->gb : self->ga;
	qsh_drop(creator);
	ASSERT_EQ(0, aqt_destroy(self->fd, gc));
	/* The teardown's wait: go's alone. */
	self->ga = go;
	self->gb = go;

	ASSERT_EQ(0, aqt_scan(other->id, 3));
	ASSERT_EQ(0, aqt_pool_reclaim(2 * QSH_PAGES));
	stored = aqt_stored(other->fd, other->p, 0, QSH_PAGES);
	ASSERT_LT(0, stored) TH_LOG("the pool's reclaim stored no shared frame");
	ASSERT_EQ(0, aqt_get(self->fd, go, &o));
	ASSERT_EQ(0, o.zswapped) TH_LOG("stored as the dead creator's bytes");

	ASSERT_EQ(0, qsh_bad(other));
	ASSERT_EQ(0, aqt_get(self->fd, go, &o));
	TH_LOG("%ld stored, read back: O %llu frames", stored,
	       (unsigned long long)qsh_frames(&o));
	ASSERT_EQ((__u64)stored, qsh_frames(&o))
		TH_LOG("each frame loaded back is O's, not the dead group's");
	qsh_drop(other);
	ASSERT_EQ(0, qsh_wait_sum(self->fd, go, go, 0));
}

#define QSH_MM_SHARE	"/sys/kernel/debug/aether/mm/share"

/* aether_mm's debugfs share: the shared frames group reclaims looked at. */
static long long qsh_held_visits(void)
{
	char line[128], k[64];
	long long v, ret = -1;
	FILE *f = fopen(QSH_MM_SHARE, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 &&
		    !strcmp(k, "held_visits"))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * Review s31b finding 4: a group's reclaim looks only at the shared
 * frames its group holds.  The creator's group holds QSH_PAGES shared
 * frames; a third group N, holding none, with frames of its own that
 * its reclaim cannot store (no COMPRESSIBLE region), has its max lowered:
 * its reclaim rounds look for shared frames and visit none of the
 * creator's.  The creator's own lower max visits each of its own.
 */
TEST_F_TIMEOUT(shared, group_reclaim_visits_only_its_frames, 300)
{
	struct aether_mm_region_create c;
	struct qsh_region n = { .fd = -1 };
	long long v0, v1, v2;
	__u64 ua, ub;
	char zs[8] = "";
	__u32 gn, gc;
	int gfd;

	if (aet_read_file(QSH_ZRAM_STORE, zs, sizeof(zs)) < 0)
		SKIP(return, "aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QSH_ZRAM_STORE, "1"))
		SKIP(return, "aether_zram's region store cannot register");
	qsh_merged(_metadata, self, &ua, &ub);
	gc = ua ? self->ga : self->gb;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QSH_PREFIX "n", 0, &gn));
	gfd = aqt_gfd(self->fd, gn);
	ASSERT_LE(0, gfd);
	aemt_region_args(&c, AETHER_MM_REGION_PRIVATE |
			 AETHER_MM_REGION_QOS_GROUP, QSH_PAGES * psize());
	c.qos_fd = gfd;
	ASSERT_EQ(0, aemt_region_create(self->mfd, &c));
	close(gfd);
	n.fd = c.fd;
	n.p = aemt_region_map(c.fd, QSH_PAGES * psize(),
			      PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, n.p);
	aqt_write_pages(n.p, 0, QSH_PAGES, 0x40);

	v0 = qsh_held_visits();
	ASSERT_LE(0, v0) TH_LOG("aether_mm counts no held_visits");
	ASSERT_EQ(0, aqt_set_max(self->fd, gn, 1));
	v1 = qsh_held_visits();
	TH_LOG("N's reclaim looked at %lld shared frames", v1 - v0);
	ASSERT_EQ(v0, v1) TH_LOG("none of the creator's");

	ASSERT_EQ(0, aqt_set_max(self->fd, gc, 1));
	v2 = qsh_held_visits();
	TH_LOG("the creator's reclaim looked at %lld", v2 - v1);
	ASSERT_LE(v1 + QSH_PAGES, v2) TH_LOG("each of its own");
	ASSERT_EQ(0, aqt_set_max(self->fd, gc, AETHER_QOS_UNLIMITED));
	ASSERT_EQ(0, qsh_bad(&self->a));
	ASSERT_EQ(0, qsh_bad(&self->b));
	qsh_drop(&n);
	ASSERT_EQ(0, aqt_destroy(self->fd, gn));
}

TEST_HARNESS_MAIN
