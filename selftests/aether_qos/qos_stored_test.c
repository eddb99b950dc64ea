// SPDX-License-Identifier: GPL-2.0
/*
 * qos_stored_test - a group's usage counts its stored pages' compressed
 * bytes (issue 14: "resident frames, stored pages' compressed bytes"),
 * as memcg counts zswap's in memory.current
 *
 * A region named into a group, written, made cold by aether_kaccessd's
 * scans and pushed to aether_zram's region store by the pool's reclaim:
 *
 *   - GET's @zswap is the store's bytes for the stored pages, more than 0
 *     and at most a page each; @zswapped is the pages stored (REGION_QUERY
 *     says STORED); @resident fell by them; @usage is @resident plus the
 *     bytes rounded up to pages; debugfs memory.stat and
 *     memory.zswap.current say the same bytes; all go to zero when the
 *     region goes;
 *   - touched, a stored page comes back: its bytes leave the group;
 *   - region_store=0 with pages stored (aether_zram's table unregistered:
 *     aether_mm loads every page back) leaves no byte charged;
 *   - ATTACH_REGION moves the bytes with the frames;
 *   - `aetherctl qos show` prints them (skipped without aetherctl);
 *   - same-filled pages (no data in the store) count their entries, 64
 *     bytes each: a group's max bounds how many pages it keeps stored;
 *   - the copies the store keeps of pages loaded back, for integrity
 *     repair (aether_mm's integrity_keep_copies), count in the group as
 *     their bytes (memory.stat integrity, integrity_copies), move with
 *     ATTACH_REGION, leave with their page's change and the region, and
 *     are refused (not kept) past the group's max less what its stored
 *     pages need to come back;
 *   - so do the checksum records a region keeps for its pages (every
 *     stored page has one): memory.stat integrity_sums, the nodes of the
 *     record array, one each for pages 64 apart; refused, no record.
 *
 * Skipped without aether_zram or when its region store cannot register.
 * Groups made here are named "qs-*" under the root.
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

#define QS_PREFIX	"qs-"
#define QS_ZRAM_STORE	"/sys/module/aether_zram/parameters/region_store"
#define QS_QOS_DEBUGFS	"/sys/kernel/debug/aether/qos"
#define QS_PAGES	32

static size_t psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

FIXTURE(stored) {
	int fd;
	int mfd;
	struct aet_params params;
	struct aet_params mm_params;
	char zram_store[8];	/* region_store to put back, "" if none */
};

FIXTURE_SETUP(stored)
{
	char zs[8] = "";

	self->zram_store[0] = '\0';
	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	AEMT_SETUP_OPEN(self->mfd);
	ASSERT_EQ(0, aet_params_save("aether_qos", &self->params));
	ASSERT_EQ(0, aet_params_save("aether_mm", &self->mm_params));
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QS_PREFIX);
	if (aet_read_file(QS_ZRAM_STORE, zs, sizeof(zs)) < 0)
		AEMT_SETUP_SKIP("aether_zram not loaded: no compressed store");
	strcpy(self->zram_store, zs[0] == '1' || zs[0] == 'Y' ? "1" : "0");
	aqt_loopback(0);
	if (aet_write_file(QS_ZRAM_STORE, "1"))
		AEMT_SETUP_SKIP("aether_zram's region store cannot register");
}

FIXTURE_TEARDOWN(stored)
{
	if (self->fd < 0)
		return;
	if (self->zram_store[0])
		aet_write_file(QS_ZRAM_STORE, self->zram_store);
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QS_PREFIX);
	aet_params_restore(&self->mm_params);
	aet_params_restore(&self->params);
	close(self->fd);
	close(self->mfd);
}

/*
 * A COMPRESSIBLE region of @pages named into group @g, mapped, every
 * @every'th page written (64 bytes of one value: it compresses to little,
 * but is no page of zeroes, which would be dropped, not stored).  NULL on
 * failure.
 */
static unsigned char *qs_region_every(int fd, int mfd, __u32 g,
				      size_t pages, size_t every, int *rfd,
				      __u64 *id)
{
	struct aether_mm_region_create c;
	unsigned char *p;
	int gfd = aqt_gfd(fd, g);
	size_t i;

	if (gfd < 0)
		return NULL;
	aemt_region_args(&c, AETHER_MM_REGION_SHARED |
			 AETHER_MM_REGION_COMPRESSIBLE |
			 AETHER_MM_REGION_QOS_GROUP, pages * psize());
	c.qos_fd = gfd;
	if (aemt_region_create(mfd, &c)) {
		close(gfd);
		return NULL;
	}
	close(gfd);
	*rfd = c.fd;
	*id = c.id;
	p = aemt_region_map(c.fd, pages * psize(), PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		close(c.fd);
		return NULL;
	}
	for (i = 0; i < pages; i += every)
		memset(p + i * psize(), (int)(i % 250) + 1, 64);
	return p;
}

/* The same, every page written. */
static unsigned char *qs_region(int fd, int mfd, __u32 g, size_t pages,
				int *rfd, __u64 *id)
{
	return qs_region_every(fd, mfd, g, pages, 1, rfd, id);
}

/* Pages of [from, to) that do not read back as qs_region() wrote them. */
static size_t qs_bad(const unsigned char *p, size_t from, size_t to)
{
	size_t i, bad = 0;

	for (i = from; i < to; i++)
		bad += p[i * psize() + 63] != (unsigned char)(i % 250 + 1) ||
		       p[i * psize() + 64] != 0;
	return bad;
}

/*
 * Make region @id cold (three scans) and have the pool's reclaim store up
 * to @pages of it: the pages stored, or -errno.
 */
static long qs_push(__u64 id, int rfd, unsigned char *p, size_t pages)
{
	int ret = aqt_scan(id, 3);

	if (ret)
		return ret;
	ret = aqt_pool_reclaim(pages);
	if (ret)
		return ret;
	return aqt_stored(rfd, p, 0, pages);
}

/* The value of line @key of group @name's debugfs memory.stat, or -1. */
static long long qs_stat(const char *name, const char *key)
{
	char path[256], line[128], k[64];
	long long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/memory.stat", QS_QOS_DEBUGFS, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * The least a stored page counts in @zswap: its entry (aether_mm's
 * region.h, AEM_STORE_ENTRY_BYTES; review s29, finding 5).
 */
#define QS_ENTRY_BYTES	64

/*
 * What a group's usage must be: its frames, its stored bytes and its
 * integrity memory (the records every stored page has), in pages.
 */
static __u64 qs_usage(const struct aether_qos_group_info *gi)
{
	return gi->resident + (gi->zswap + psize() - 1) / psize() +
	       aqt_integ_pages(gi->name);
}

/*
 * Group @name made, a region of QS_PAGES pages charged to it, pushed to
 * the store: *@n pages stored, at least one.
 */
static void qs_pushed(struct __test_metadata *_metadata,
		      FIXTURE_DATA(stored) *self, const char *name, __u32 *g,
		      unsigned char **p, int *rfd, __u64 *id, long *n)
{
	ASSERT_EQ(0, aqt_create(self->fd, 0, name, 0, g));
	*p = qs_region(self->fd, self->mfd, *g, QS_PAGES, rfd, id);
	ASSERT_NE(NULL, *p);
	*n = qs_push(*id, *rfd, *p, QS_PAGES);
	ASSERT_LT(0, *n) TH_LOG("the pool's reclaim stored nothing");
}

/*
 * Group @g holds @resident frames and nothing stored (but the records of
 * pages that were: they stay while the page is unchanged); its GET in @gi.
 */
static void qs_figures(struct __test_metadata *_metadata, int fd, __u32 g,
		       long resident, struct aether_qos_group_info *gi)
{
	ASSERT_EQ(0, aqt_get(fd, g, gi));
	/* The region gone, nothing at all. */
	ASSERT_EQ(resident ? resident + aqt_integ_pages(gi->name) : 0,
		  gi->usage);
	ASSERT_EQ(resident, gi->resident);
	ASSERT_EQ(0, gi->zswap);
	ASSERT_EQ(0, gi->zswapped);
}

/* GET of group @arg's id as a caller without CAP_SYS_ADMIN. */
struct qs_peek {
	__u32 g;
	__u64 want;	/* the zswap it must read */
};

static int qs_peek_zswap(int fd, void *arg)
{
	const struct qs_peek *pk = arg;
	struct aether_qos_group_info gi;
	int ret = aqt_get(fd, pk->g, &gi);

	if (ret)
		return ret;
	return gi.zswap == pk->want ? 0 : -ERANGE;
}

/*
 * Stored pages count their compressed bytes, not their frames: zswap in
 * (0, n pages], zswapped n, resident down by n, usage the sum; debugfs
 * says the same, a caller without CAP_SYS_ADMIN reads it in whole pages;
 * all back to zero when the region goes.
 */
TEST_F_TIMEOUT(stored, bytes_counted_until_the_region_goes, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info gi;
	struct qs_peek pk;
	char buf[64];
	unsigned char *p;
	long n;
	__u32 g;
	__u64 id;
	int rfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "count", 0, &g));
	p = qs_region(self->fd, self->mfd, g, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	qs_figures(_metadata, self->fd, g, pages, &gi);

	n = qs_push(id, rfd, p, pages);
	ASSERT_LT(0, n) TH_LOG("the pool's reclaim stored nothing");
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("%ld pages stored in %llu bytes", n, (unsigned long long)gi.zswap);
	ASSERT_EQ(n, gi.zswapped);
	ASSERT_LT(0, gi.zswap);
	ASSERT_GE(n * ps, gi.zswap);
	ASSERT_EQ(pages - n, gi.resident);
	ASSERT_EQ(qs_usage(&gi), gi.usage);
	ASSERT_GT(pages, gi.usage) TH_LOG("storing lowered the usage");
	ASSERT_EQ(0, aqt_get(self->fd, AETHER_QOS_ROOT_ID, &gi));
	ASSERT_LE(n, gi.zswapped) TH_LOG("the root counts them too");

	/* debugfs: memory.stat in bytes, memory.zswap.current. */
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ((long long)gi.zswap, qs_stat(QS_PREFIX "count", "zswap"));
	ASSERT_EQ((long long)(n * ps), qs_stat(QS_PREFIX "count", "zswapped"));
	ASSERT_EQ((long long)((pages - n) * ps),
		  qs_stat(QS_PREFIX "count", "resident"));
	ASSERT_EQ(0, aet_read_file(QS_QOS_DEBUGFS "/" QS_PREFIX
				   "count/memory.zswap.current",
				   buf, sizeof(buf)));
	ASSERT_EQ((long long)gi.zswap, atoll(buf));
	/*
	 * Without CAP_SYS_ADMIN, whole pages (review s29, finding 4: the
	 * exact compressed size of another's group tells of its contents).
	 */
	pk.g = g;
	pk.want = (gi.zswap + ps - 1) / ps * ps;
	ASSERT_EQ(0, aet_run_unprivileged(qs_peek_zswap, self->fd, &pk));

	ASSERT_EQ(0, qs_bad(p, 0, pages)) TH_LOG("the pages came back intact");
	munmap(p, pages * ps);
	close(rfd);
	qs_figures(_metadata, self->fd, g, 0, &gi);
}

/*
 * Freed while stored: the region goes with its pages in the store, never
 * touched; the group keeps no byte.
 */
TEST_F_TIMEOUT(stored, freed_while_stored_leaves_nothing, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info gi;
	unsigned char *p;
	long n;
	__u32 g;
	__u64 id;
	int rfd;

	qs_pushed(_metadata, self, QS_PREFIX "free", &g, &p, &rfd, &id, &n);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(n, gi.zswapped);
	ASSERT_LT(0, gi.zswap);
	munmap(p, pages * ps);
	close(rfd);
	qs_figures(_metadata, self->fd, g, 0, &gi);
	ASSERT_EQ(0, gi.nr_regions);
}

/*
 * Touched, a stored page comes back into a frame: its bytes leave the
 * group, its frame joins; all of them touched, no byte is left.
 */
TEST_F_TIMEOUT(stored, loaded_back_pages_uncharge_their_bytes, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info gi;
	unsigned long long before;
	unsigned char *p;
	long n, left;
	__u32 g;
	__u64 id;
	int rfd;

	qs_pushed(_metadata, self, QS_PREFIX "load", &g, &p, &rfd, &id, &n);
	ASSERT_LT(1, n) TH_LOG("two stored pages or more, to load half");
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	before = gi.zswap;
	ASSERT_LT(0, before);

	/* The first half of the region read: its stored pages load. */
	ASSERT_EQ(0, qs_bad(p, 0, pages / 2));
	left = aqt_stored(rfd, p, 0, pages);
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, pages / 2));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(left, gi.zswapped);
	ASSERT_EQ(pages - left, gi.resident);
	ASSERT_EQ(qs_usage(&gi), gi.usage);
	if (left < n)
		ASSERT_GT(before, gi.zswap) TH_LOG("bytes left with pages");

	/* All of it: nothing stored, nothing of the store counted. */
	ASSERT_EQ(0, qs_bad(p, 0, pages));
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, pages));
	qs_figures(_metadata, self->fd, g, pages, &gi);
	munmap(p, pages * ps);
	close(rfd);
}

/*
 * The store goes (region_store=0) with pages stored: aether_mm loads each
 * back into its region, whose group keeps its frames and no byte.
 */
TEST_F_TIMEOUT(stored, store_unregistered_leaves_no_charge, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info gi;
	unsigned char *p;
	long n;
	__u32 g;
	__u64 id;
	int rfd;

	qs_pushed(_metadata, self, QS_PREFIX "gone", &g, &p, &rfd, &id, &n);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(n, gi.zswapped);

	ASSERT_EQ(0, aet_write_file(QS_ZRAM_STORE, "0"));
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, pages));
	qs_figures(_metadata, self->fd, g, pages, &gi);
	ASSERT_EQ(0, qs_bad(p, 0, pages));
	ASSERT_EQ(0, aet_write_file(QS_ZRAM_STORE, "1"));
	munmap(p, pages * ps);
	close(rfd);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
}

/* ATTACH_REGION: the stored pages' bytes move with the frames. */
TEST_F_TIMEOUT(stored, attach_region_moves_the_bytes, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info a, b;
	struct aether_qos_attach_region ar = { .size = sizeof(ar) };
	unsigned long long bytes;
	unsigned char *p;
	__u32 ga, gb;
	long n;
	__u64 id;
	int rfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "from", 0, &ga));
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "to", 0, &gb));
	p = qs_region(self->fd, self->mfd, ga, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	n = qs_push(id, rfd, p, pages);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, aqt_get(self->fd, ga, &a));
	bytes = a.zswap;
	ASSERT_LT(0, bytes);

	ar.id = gb;
	ar.region_fd = rfd;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_ATTACH_REGION, &ar));
	ASSERT_EQ(0, aqt_get(self->fd, ga, &a));
	ASSERT_EQ(0, aqt_get(self->fd, gb, &b));
	ASSERT_EQ(0, a.usage);
	ASSERT_EQ(0, a.zswap);
	ASSERT_EQ(0, a.zswapped);
	ASSERT_EQ(bytes, b.zswap);
	ASSERT_EQ(n, b.zswapped);
	ASSERT_EQ(pages - n, b.resident);
	ASSERT_EQ(qs_usage(&b), b.usage);

	munmap(p, pages * ps);
	close(rfd);
	ASSERT_EQ(0, aqt_get(self->fd, gb, &b));
	ASSERT_EQ(0, b.usage);
	ASSERT_EQ(0, b.zswap);
	ASSERT_EQ(0, b.zswapped);
}

/* `aetherctl --json qos show <group>` prints zswap and zswapped. */
TEST_F_TIMEOUT(stored, aetherctl_shows_the_bytes, 240)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_group_info gi;
	char out[8192], want[64];
	unsigned char *p;
	__u32 g;
	__u64 id;
	long n;
	int rfd;

	if (aet_shell("aetherctl --help >/dev/null 2>&1; echo $?", out,
		      sizeof(out)) != 0 || atoi(out) == 127)
		SKIP(return, "no aetherctl on PATH");
	qs_pushed(_metadata, self, QS_PREFIX "ctl", &g, &p, &rfd, &id, &n);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, aet_shell("aetherctl --json qos show " QS_PREFIX "ctl",
			       out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\"zswap\": %llu",
		 (unsigned long long)gi.zswap);
	ASSERT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\"zswapped\": %llu",
		 (unsigned long long)gi.zswapped);
	ASSERT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	munmap(p, pages * ps);
	close(rfd);
}

/*
 * Same-filled pages take no byte of the store's data, but each counts its
 * entry (QS_ENTRY_BYTES): QS_SAME pages stored raise the usage above the
 * resident frames by their entries, so a group's max bounds how many
 * pages it keeps stored (review s29, finding 5: they were free).
 */
#define QS_SAME	256

TEST_F_TIMEOUT(stored, same_filled_pages_cost_their_entries, 300)
{
	const size_t ps = psize();
	struct aether_qos_group_info gi;
	unsigned char *p;
	long n;
	size_t i;
	__u32 g;
	__u64 id;
	int rfd;

	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "same", 0, &g));
	p = qs_region(self->fd, self->mfd, g, QS_SAME, &rfd, &id);
	ASSERT_NE(NULL, p);
	for (i = 0; i < QS_SAME; i++)
		memset(p + i * ps, 0x5a, ps);
	n = qs_push(id, rfd, p, QS_SAME);
	ASSERT_LE((long)(ps / QS_ENTRY_BYTES), n)
		TH_LOG("only %ld pages stored", n);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("%ld same-filled pages stored in %llu bytes", n,
	       (unsigned long long)gi.zswap);
	ASSERT_EQ(n, gi.zswapped);
	ASSERT_EQ((__u64)n * QS_ENTRY_BYTES, gi.zswap) TH_LOG("an entry each");
	ASSERT_EQ(QS_SAME - n, gi.resident);
	ASSERT_EQ(qs_usage(&gi), gi.usage);
	ASSERT_LE(gi.resident + (__u64)(n * QS_ENTRY_BYTES / ps), gi.usage)
		TH_LOG("the entries are charged");
	for (i = 0; i < QS_SAME; i++)
		ASSERT_EQ(0x5a, p[i * ps + ps - 1]);
	munmap(p, QS_SAME * ps);
	close(rfd);
	qs_figures(_metadata, self->fd, g, 0, &gi);
}

#define QS_MM_PARAMS	"/sys/module/aether_mm/parameters/"
#define QS_MM_INTEG	"/sys/kernel/debug/aether/mm/integrity"

/* Checksums at the store moment, copies kept at each load back. */
static int qs_keep_copies(void)
{
	if (aet_write_file(QS_MM_PARAMS "integrity_cold_gen", "0"))
		return -1;
	return aet_write_file(QS_MM_PARAMS "integrity_keep_copies", "1");
}

/* The value of @key in aether_mm's debugfs integrity, or -1. */
static long long qs_integ(const char *key)
{
	char line[128], k[64];
	long long v, ret = -1;
	FILE *f = fopen(QS_MM_INTEG, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * Wait (bounded) for group @name's integrity copies to be @copies: a
 * region closed is freed when its last reference goes, which a
 * background pass may hold a moment.  Return: the last count read.
 */
static long long qs_copies_settled(const char *name, long long copies)
{
	long long now = qs_stat(name, "integrity_copies");
	int i;

	for (i = 0; i < 200 && now != copies; i++) {
		usleep(50 * 1000);
		now = qs_stat(name, "integrity_copies");
	}
	return now;
}

/*
 * The first @pages pages of a region read back after qs_push(): every
 * stored page loads, and the store keeps its copy.  Return: the index of
 * a page that was stored, -1 if none.
 */
static long qs_load_all(int rfd, unsigned char *p, size_t pages)
{
	volatile unsigned char sink = 0;
	long stored = -1;
	size_t i;

	for (i = 0; i < pages; i++) {
		if (stored < 0 && aqt_stored(rfd, p, i, i + 1) == 1)
			stored = i;
		sink += p[i * psize()];
	}
	(void)sink;
	return stored;
}

/*
 * Integrity copies count in the region's group: memory.stat's
 * integrity_copies one per page loaded back, integrity their bytes (at
 * least an entry each, at most a page), usage the frames and those bytes
 * in pages; a write releases its page's copy; ATTACH_REGION moves them;
 * the region gone, exactly zero is left.
 */
TEST_F_TIMEOUT(stored, integrity_copies_count_until_the_region_goes, 300)
{
	const size_t pages = QS_PAGES, ps = psize();
	struct aether_qos_attach_region ar = { .size = sizeof(ar) };
	struct aether_qos_group_info gi;
	long long bytes, copies;
	unsigned char *p;
	long n, w;
	__u32 g, gb;
	__u64 id;
	int rfd;

	if (qs_integ("kept_copies") < 0 || qs_keep_copies())
		SKIP(return, "no integrity copies in aether_mm");
	qs_pushed(_metadata, self, QS_PREFIX "integ", &g, &p, &rfd, &id, &n);
	ASSERT_EQ(0, qs_stat(QS_PREFIX "integ", "integrity_copies"));
	w = qs_load_all(rfd, p, pages);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, qs_bad(p, 0, pages));
	copies = qs_stat(QS_PREFIX "integ", "integrity_copies");
	bytes = qs_stat(QS_PREFIX "integ", "integrity");
	TH_LOG("%ld pages loaded back: %lld copies, %lld bytes", n, copies,
	       bytes);
	ASSERT_EQ(n, copies) TH_LOG("one copy per page loaded back");
	ASSERT_LE(QS_ENTRY_BYTES * n, bytes);
	ASSERT_GE((long long)(n * ps), bytes);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(pages, gi.resident);
	ASSERT_EQ(0, gi.zswap);
	ASSERT_EQ(pages + aqt_integ_pages(QS_PREFIX "integ"), gi.usage)
		TH_LOG("usage: the frames, the copies' and records' bytes");

	/* A write: that page's copy is of no use any more. */
	p[w * ps + 100] = 0;	/* the byte it had: a write all the same */
	ASSERT_EQ(n - 1, qs_stat(QS_PREFIX "integ", "integrity_copies"));
	bytes = qs_stat(QS_PREFIX "integ", "integrity");

	/* Attached elsewhere, the copies follow. */
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "integ-to", 0, &gb));
	ar.id = gb;
	ar.region_fd = rfd;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_ATTACH_REGION, &ar));
	ASSERT_EQ(0, qs_stat(QS_PREFIX "integ", "integrity_copies"));
	ASSERT_EQ(0, qs_stat(QS_PREFIX "integ", "integrity"));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(n - 1, qs_stat(QS_PREFIX "integ-to", "integrity_copies"));
	ASSERT_EQ(bytes, qs_stat(QS_PREFIX "integ-to", "integrity"));
	ASSERT_EQ(0, aqt_get(self->fd, gb, &gi));
	ASSERT_EQ(pages + aqt_integ_pages(QS_PREFIX "integ-to"), gi.usage);

	/* The region gone: nothing left, to the byte. */
	munmap(p, pages * ps);
	close(rfd);
	ASSERT_EQ(0, qs_copies_settled(QS_PREFIX "integ-to", 0));
	ASSERT_EQ(0, qs_stat(QS_PREFIX "integ-to", "integrity"));
	ASSERT_EQ(0, aqt_get(self->fd, gb, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, aqt_destroy(self->fd, gb));
}

#define QS_HALF		2048	/* bytes of noise a page: ~2 KiB stored */

/* Page @i's bytes: QS_HALF bytes of a stream of its own, then zeroes. */
static void qs_noise(unsigned char *pg, size_t i, bool check, size_t *bad)
{
	unsigned int x = 2463534242u + (unsigned int)i * 7919u;
	size_t k;

	for (k = 0; k < QS_HALF; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (!check)
			pg[k] = (unsigned char)x;
		else if (pg[k] != (unsigned char)x)
			(*bad)++;
	}
}

/*
 * A group's max bounds its copies: with room for its frames, two pages
 * more and the transient page of a load, the pages loaded back (each
 * copy about 2 KiB) keep copies only while they fit: usage never passes
 * max, every page reads back right (no load refused: a copy never takes
 * the room a stored page needs to come back), and the copies refused are
 * counted (aether_mm's integrity kept_refused).
 */
TEST_F_TIMEOUT(stored, integrity_copies_bounded_by_max, 300)
{
	const size_t pages = QS_PAGES, ps = psize();
	const __u64 max = QS_PAGES + 3;
	struct aether_qos_group_info gi;
	long long copies, refused0;
	size_t i, bad = 0;
	unsigned char *p;
	long n;
	__u32 g;
	__u64 id;
	int rfd;

	if (qs_integ("kept_copies") < 0 || qs_keep_copies())
		SKIP(return, "no integrity copies in aether_mm");
	refused0 = qs_integ("kept_refused");
	ASSERT_LE(0, refused0);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "integ-max", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	p = qs_region(self->fd, self->mfd, g, pages, &rfd, &id);
	ASSERT_NE(NULL, p);
	for (i = 0; i < pages; i++)
		qs_noise(p + i * ps, i, false, NULL);
	n = qs_push(id, rfd, p, pages);
	ASSERT_LT(8, n) TH_LOG("%ld pages stored, 9 or more wanted", n);
	qs_load_all(rfd, p, pages);
	for (i = 0; i < pages; i++)
		qs_noise(p + i * ps, i, true, &bad);
	ASSERT_EQ(0, bad) TH_LOG("every page reads back");
	ASSERT_EQ(0, aqt_stored(rfd, p, 0, pages));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	copies = qs_stat(QS_PREFIX "integ-max", "integrity_copies");
	TH_LOG("%ld loaded back: %lld copies kept (%lld bytes), usage %llu of %llu",
	       n, copies, qs_stat(QS_PREFIX "integ-max", "integrity"),
	       (unsigned long long)gi.usage, (unsigned long long)max);
	ASSERT_GE(max, gi.usage);
	ASSERT_EQ(pages, gi.resident);
	ASSERT_LT(0, copies) TH_LOG("the first copies fit");
	ASSERT_GT(n, copies) TH_LOG("copies past max are refused");
	ASSERT_LT(refused0, qs_integ("kept_refused"));
	munmap(p, pages * ps);
	close(rfd);
	ASSERT_EQ(0, qs_copies_settled(QS_PREFIX "integ-max", 0));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
}

/*
 * A region of QS_RUNS runs of 64 pages named into group @g, one page
 * written at the start of each run (as qs_region() writes them): the
 * checksum records of its pages each take a node of their own.
 */
#define QS_RUNS		16
#define QS_RUN		64
#define QS_NODE_MIN	512	/* a struct xa_node is more (576 on x86-64) */

static unsigned char *qs_sparse(int fd, int mfd, __u32 g, int *rfd, __u64 *id)
{
	return qs_region_every(fd, mfd, g, QS_RUNS * QS_RUN, QS_RUN, rfd, id);
}

/*
 * The checksum records a region keeps for its pages count in its group
 * (memory.stat integrity_sums): pages 64 apart each take a node of the
 * record array, so the group pays a node each, at least QS_NODE_MIN
 * bytes, in its usage; a write that forgets a record gives its node
 * back; ATTACH_REGION moves them; the region gone, nothing is left.
 */
TEST_F_TIMEOUT(stored, integrity_sums_count_until_the_region_goes, 300)
{
	const size_t ps = psize(), all = QS_RUNS * QS_RUN;
	struct aether_qos_attach_region ar = { .size = sizeof(ar) };
	struct aether_qos_group_info gi;
	long long sums, sums2, leaks0;
	unsigned char *p;
	size_t i, w = 0;
	long n;
	__u32 g, gb;
	__u64 id;
	int rfd;

	/* Review s31b finding 6: a region freed with charges left counts. */
	leaks0 = qs_integ("teardown_leaks");
	ASSERT_LE(0, leaks0);
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "sums", 0, &g));
	p = qs_sparse(self->fd, self->mfd, g, &rfd, &id);
	ASSERT_NE(NULL, p);
	ASSERT_LE(0, qs_stat(QS_PREFIX "sums", "integrity_sums"))
		TH_LOG("memory.stat has no integrity_sums");
	n = qs_push(id, rfd, p, all);
	ASSERT_LT(1, n) TH_LOG("the pool's reclaim stored %ld pages", n);
	sums = qs_stat(QS_PREFIX "sums", "integrity_sums");
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("%ld of %d sparse pages stored: records %lld bytes, usage %llu, resident %llu",
	       n, QS_RUNS, sums, (unsigned long long)gi.usage,
	       (unsigned long long)gi.resident);
	/* Every stored page has its record, but for index 0 in its leaf. */
	ASSERT_LE((n - 1) * QS_NODE_MIN, sums);
	ASSERT_GE((QS_RUNS + 1) * 1024LL, sums);
	ASSERT_EQ(QS_RUNS - n, gi.resident);
	ASSERT_EQ(qs_usage(&gi), gi.usage);
	ASSERT_LE(gi.resident + (gi.zswap + ps - 1) / ps +
		  (sums + ps - 1) / ps, gi.usage)
		TH_LOG("the records' bytes count in usage");

	/* A write to a stored page other than 0 forgets its record. */
	for (i = QS_RUN; i < all && !w; i += QS_RUN)
		if (aqt_stored(rfd, p, i, i + 1) == 1)
			w = i;
	ASSERT_NE(0, w);
	p[w * ps + 100] = 0;
	sums2 = qs_stat(QS_PREFIX "sums", "integrity_sums");
	ASSERT_LE(sums2 + QS_NODE_MIN, sums) TH_LOG("its node went");

	/* Attached elsewhere, the records' bytes follow. */
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "sums-to", 0, &gb));
	ar.id = gb;
	ar.region_fd = rfd;
	ASSERT_EQ(0, aet_ioctl(self->fd, AETHER_QOS_IOC_ATTACH_REGION, &ar));
	ASSERT_EQ(0, qs_stat(QS_PREFIX "sums", "integrity_sums"));
	ASSERT_EQ(sums2, qs_stat(QS_PREFIX "sums-to", "integrity_sums"));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, aqt_get(self->fd, gb, &gi));
	ASSERT_EQ(qs_usage(&gi), gi.usage);

	munmap(p, all * ps);
	close(rfd);
	ASSERT_EQ(0, qs_copies_settled(QS_PREFIX "sums-to", 0));
	ASSERT_EQ(0, qs_stat(QS_PREFIX "sums-to", "integrity_sums"));
	ASSERT_EQ(leaks0, qs_integ("teardown_leaks"))
		TH_LOG("the region went with nothing left to give back");
	ASSERT_EQ(0, aqt_get(self->fd, gb, &gi));
	ASSERT_EQ(0, gi.usage);
	ASSERT_EQ(0, aqt_destroy(self->fd, gb));
}

/*
 * A group with room for its frames only (and the transient page of a
 * load) takes no record: its pages are stored without, the refusals are
 * counted (aether_mm's integrity sums_refused), usage never passes max,
 * and every page reads back.
 */
TEST_F_TIMEOUT(stored, integrity_sums_refused_at_max, 300)
{
	const size_t ps = psize(), all = QS_RUNS * QS_RUN;
	const __u64 max = QS_RUNS + 1;
	struct aether_qos_group_info gi;
	long long refused0;
	unsigned char *p;
	size_t i, bad = 0;
	long n;
	__u32 g;
	__u64 id;
	int rfd;

	refused0 = qs_integ("sums_refused");
	ASSERT_LE(0, refused0) TH_LOG("aether_mm counts no refused record");
	ASSERT_EQ(0, aqt_create(self->fd, 0, QS_PREFIX "sums-max", 0, &g));
	ASSERT_EQ(0, aqt_set_max(self->fd, g, max));
	p = qs_sparse(self->fd, self->mfd, g, &rfd, &id);
	ASSERT_NE(NULL, p);
	n = qs_push(id, rfd, p, all);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	TH_LOG("%ld stored: records %lld bytes, usage %llu of %llu", n,
	       qs_stat(QS_PREFIX "sums-max", "integrity_sums"),
	       (unsigned long long)gi.usage, (unsigned long long)max);
	ASSERT_GE(max, gi.usage);
	ASSERT_EQ(0, qs_stat(QS_PREFIX "sums-max", "integrity_sums"));
	ASSERT_LT(refused0, qs_integ("sums_refused"));
	for (i = 0; i < all; i += QS_RUN)
		bad += p[i * ps + 63] != (unsigned char)(i % 250 + 1);
	ASSERT_EQ(0, bad);
	munmap(p, all * ps);
	close(rfd);
	ASSERT_EQ(0, qs_copies_settled(QS_PREFIX "sums-max", 0));
	ASSERT_EQ(0, aqt_get(self->fd, g, &gi));
	ASSERT_EQ(0, gi.usage);
}

TEST_HARNESS_MAIN
