// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_verify_test.c - regions: integrity checksums and REGION_VERIFY
 *
 * Fixture "region": checksums taken when pages go cold (module parameter
 * integrity_cold_gen) and when they go to the store (the store_loopback
 * backend); REGION_VERIFY on clean pages; a page corrupted on purpose
 * (debugfs integrity_corrupt) is found, poisoned and a SIGBUS on access,
 * resident or stored; a load that comes out wrong is made again and the
 * page repaired; a resident page loaded back from the store keeps its
 * store copy until it changes and is repaired from it (by VERIFY and by
 * aether_kverifyd), unless that copy is bad too; the copy goes at a write,
 * is stored again as it is, and goes when the store does; a merged page
 * stored and read back keeps its copy as the shared frame's and is
 * repaired from it for both users, into a fresh frame that takes the bad
 * one's place for both at once; a page written
 * after its checksum is not reported; integrity_cold_gen set lower than
 * the pages' generation takes them at the next scan;
 * aether_kverifyd (verify_pages_per_sec) finds a corruption by itself,
 * even while a user makes shared frames faster than its rate, visits no
 * more shared frames than its rate (poisoned ones too), and zaps every
 * user of a shared frame it poisons before it counts it;
 * a merged page (the naive engine's) corrupted is poisoned for every
 * user, found by VERIFY or by aether_kverifyd, once however many users
 * map it; a merge takes one checksum a shared frame, none a slot; a
 * mismatch is a record of aether_qos's audit ring; VERIFY's
 * errnos; and its cost per GiB next to REGION_CHECKSUM's CRC-32 of the
 * same bytes, in the same boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/aether_qos.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"
#include "mm_share_util.h"

AEMT_REGION_FIXTURE(region)

/* The naive merge engine needs the share table: aether_dedupe steps aside. */
MSH_DEDUPE_ASIDE()

#define INTEG_DEBUGFS	AEMT_DEBUGFS "/integrity"
#define CORRUPT_DEBUGFS	AEMT_DEBUGFS "/integrity_corrupt"
#define RECLAIM_DEBUGFS	AEMT_DEBUGFS "/reclaim"
#define LOOP_DEBUGFS	AEMT_DEBUGFS "/store_loopback"
#define BENCH_DEBUGFS	AEMT_DEBUGFS "/integrity_bench"
#define COLD_GEN	"2"
#define COLD_SCANS	5	/* from a fresh write to generation 2, and more */

static long integ(const char *key)
{
	return debugfs_counter(INTEG_DEBUGFS, key);
}

static int verify(int rfd, __u64 offset, __u64 length,
		  struct aether_mm_region_verify *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->offset = offset;
	v->length = length;
	return ioctl(rfd, AETHER_MM_IOC_REGION_VERIFY, v) ? -errno : 0;
}

static int corrupt(__u64 id, unsigned long idx)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%llu %lu", (unsigned long long)id, idx);
	return aemt_write_file(CORRUPT_DEBUGFS, buf);
}

/* Unmap @pages of @p, close its region @rfd, free its expected bytes. */
static void region_done(unsigned char *p, unsigned char *want, size_t pages,
			int rfd)
{
	free(want);
	munmap(p, pages * page_size());
	close(rfd);
}

/*
 * A SHARED region (@flags added) of @pages written with random bytes
 * (@want gets them), idle until every page has its cold checksum.
 */
static unsigned char *cold_region(struct __test_metadata *_metadata, int fd,
				  __u32 flags, size_t pages, int *rfd,
				  __u64 *id, unsigned char **want)
{
	struct aether_mm_region_create c;
	unsigned char *p;
	long taken0 = integ("taken_cold"), scans, gens[NR_GENS];
	int i;

	aemt_region_args(&c, AEM_SHARED | flags, pages * page_size());
	p = region_written(fd, &c, 0x7e51f + getpid() + pages, want);
	if (!p)
		return NULL;
	*rfd = c.fd;
	*id = c.id;
	if (param_write("integrity_cold_gen", COLD_GEN) ||
	    scan_times(c.id, COLD_SCANS))
		return NULL;
	/* A page touched late cools a scan or two later. */
	for (i = 0; i < 20 && integ("taken_cold") < taken0 + (long)pages; i++)
		if (scan_times(c.id, 1))
			return NULL;
	if (integ("taken_cold") < taken0 + (long)pages) {
		access_row(c.id, &scans, gens);
		TH_LOG("cold sums %ld of %zu, %ld scans, gens %ld %ld %ld %ld %ld %ld %ld %ld",
		       integ("taken_cold") - taken0, pages, scans, gens[0],
		       gens[1], gens[2], gens[3], gens[4], gens[5], gens[6],
		       gens[7]);
	}
	return p;
}

/* Every clean page that went cold is checked, none mismatches. */
TEST_F_TIMEOUT(region, verify_clean_pages_all_match, 120)
{
	const size_t pages = 32, page = self->page;
	struct aether_mm_region_verify v;
	unsigned char *p, *want;
	__u64 id;
	int rfd;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(pages, v.checked);
	ASSERT_EQ(0, v.mismatches);
	ASSERT_EQ(0, v.poisoned);
	/* A sub-range counts its pages only. */
	ASSERT_EQ(0, verify(rfd, 4 * page, 8 * page, &v));
	ASSERT_EQ(8, v.checked);
	/* The pages read as written (mapped again, read-only). */
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	region_done(p, want, pages, rfd);
}

/*
 * A cold page corrupted behind the kernel's back: VERIFY finds exactly
 * it, it is poisoned, a touch of it is a SIGBUS, not the wrong bytes;
 * its neighbours read right.
 */
TEST_F_TIMEOUT(region, corrupt_cold_page_found_and_sigbus, 120)
{
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_verify v;
	unsigned char *p, *want;
	long mis0 = integ("mismatches");
	__u64 id;
	int rfd;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, corrupt(id, 3));
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(pages, v.checked);
	ASSERT_EQ(1, v.mismatches);
	ASSERT_EQ(1, v.poisoned);
	ASSERT_LE(mis0 + 1, integ("mismatches"));
	ASSERT_TRUE(died_of(touch_status(p + 3 * page, false), SIGBUS));
	ASSERT_TRUE(died_of(touch_status(p + 3 * page, true), SIGBUS));
	ASSERT_EQ(0, memcmp(p, want, 3 * page));
	ASSERT_EQ(0, memcmp(p + 4 * page, want + 4 * page, (pages - 4) * page));
	/* Found before: poisoned still, no new mismatch. */
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(0, v.mismatches);
	ASSERT_EQ(1, v.poisoned);
	region_done(p, want, pages, rfd);
}

/*
 * A mismatch is audited: aether_qos (part of the suite, always loaded in
 * the box) writes a record of its firewall's audit ring: op INTEGRITY,
 * DENY (the page is poisoned), -EIO, the region, the page and the task
 * that found it.
 */
TEST_F_TIMEOUT(region, mismatch_is_a_record_of_the_audit_ring, 120)
{
	struct aether_qos_fw_audit_open ao = {
		.size = sizeof(ao),
		.flags = AETHER_QOS_FW_AUDIT_CLOEXEC |
			 AETHER_QOS_FW_AUDIT_NONBLOCK,
	};
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_verify v;
	struct aether_qos_fw_record rec;
	unsigned char *p, *want;
	int qfd, rfd, found = 0;
	__u64 id;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	qfd = open("/dev/aether_qos", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, qfd) TH_LOG("/dev/aether_qos: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(qfd, AETHER_QOS_IOC_FW_AUDIT_OPEN, &ao));
	/* What the ring held at open is not this test's. */
	while (read(ao.fd, &rec, sizeof(rec)) == sizeof(rec))
		;
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, corrupt(id, 5));
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(1, v.mismatches);
	while (read(ao.fd, &rec, sizeof(rec)) == sizeof(rec)) {
		if (rec.op != AETHER_QOS_FW_OP_INTEGRITY || rec.region_id != id)
			continue;
		found++;
		EXPECT_EQ(5, rec.index);
		EXPECT_EQ(AETHER_QOS_FW_DENY, rec.decision);
		EXPECT_EQ(-EIO, rec.err);
		EXPECT_EQ(getpid(), (pid_t)rec.pid);
	}
	ASSERT_EQ(1, found);
	region_done(p, want, pages, rfd);
	close(ao.fd);
	close(qfd);
}

/* A page written after its checksum was taken is not reported. */
TEST_F_TIMEOUT(region, page_written_after_cold_not_reported, 120)
{
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_verify v;
	unsigned char *p, *want;
	__u64 id;
	int rfd;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	/* Read first (mapped read-only), then written: both kinds of fault. */
	ASSERT_EQ(want[5 * page], p[5 * page]);
	p[5 * page] ^= 0xff;
	want[5 * page] ^= 0xff;
	p[9 * page + 7] ^= 0xff;
	want[9 * page + 7] ^= 0xff;
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(0, v.mismatches);
	ASSERT_EQ(0, v.poisoned);
	ASSERT_EQ(pages - 2, v.checked);
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	region_done(p, want, pages, rfd);
}

/*
 * The checksum the core takes before the store sees a page is checked
 * when it comes back: a stored copy corrupted in the loopback store is
 * found at the load (a SIGBUS, the page stays stored and poisoned); the
 * other pages come back right.
 */
TEST_F_TIMEOUT(region, corrupt_stored_copy_found_on_load, 180)
{
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long load0 = integ("load_mismatches"), store0 = integ("taken_store");
	long unrep0;
	char buf[16];
	int rfd;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 pages * page);
	p = region_written(self->fd, &c, 0x5f0e + getpid(), &want);
	ASSERT_NE(NULL, p);
	rfd = c.fd;
	ASSERT_EQ(0, param_write("integrity_cold_gen", "0"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(rfd));
	/* Taken at the store moment, one per page. */
	ASSERT_LE(store0 + (long)pages, integ("taken_store"));
	unrep0 = integ("unrepaired_stored");
	ASSERT_EQ(0, corrupt(c.id, 2));
	ASSERT_TRUE(died_of(touch_status(p + 2 * page, false), SIGBUS));
	ASSERT_EQ(load0 + 1, integ("load_mismatches"));
	/* No other copy: counted as a stored copy that could not be repaired. */
	ASSERT_EQ(unrep0 + 1, integ("unrepaired_stored"));
	/* Still refused, without another load. */
	ASSERT_TRUE(died_of(touch_status(p + 2 * page, true), SIGBUS));
	ASSERT_EQ(load0 + 1, integ("load_mismatches"));
	ASSERT_EQ(0, memcmp(p, want, 2 * page));
	ASSERT_EQ(0, memcmp(p + 3 * page, want + 3 * page, (pages - 3) * page));
	ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
	ASSERT_EQ(1, v.poisoned);
	ASSERT_EQ(0, v.mismatches);
	region_done(p, want, pages, rfd);
	/* The region is gone with its poisoned page: nothing left to load. */
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * A load from the store that comes out wrong while the store's copy is
 * good (the loopback spoils one load on request): the core loads it once
 * more, the page is repaired, not poisoned, and reads right.
 */
TEST_F_TIMEOUT(region, bad_load_repaired_from_the_store_copy, 180)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	long rep0 = integ("repaired"), load0 = integ("load_mismatches");
	unsigned char *p, *want;
	char buf[16];

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 pages * page);
	p = region_written(self->fd, &c, 0x4e9a + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, param_write("integrity_cold_gen", "0"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(c.fd));
	ASSERT_EQ(0, aemt_write_file(CORRUPT_DEBUGFS, "load 1"));
	ASSERT_EQ(0, memcmp(p + 4 * page, want + 4 * page, page));
	ASSERT_EQ(load0 + 1, integ("load_mismatches"));
	ASSERT_EQ(rep0 + 1, integ("repaired"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	ASSERT_EQ(0, v.poisoned);
	ASSERT_EQ(0, v.mismatches);
	ASSERT_EQ(pages, v.checked);
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * VERIFY over a stored page whose first scratch load comes out wrong: it
 * loads once more, as a fault does, and counts a repair; the page is not
 * poisoned and reads right afterwards.
 */
TEST_F_TIMEOUT(region, verify_bad_load_not_poisoned, 180)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	long rep0 = integ("repaired");
	unsigned char *p, *want;
	char buf[16];

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 pages * page);
	p = region_written(self->fd, &c, 0x5f1b + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, param_write("integrity_cold_gen", "0"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(c.fd));
	ASSERT_EQ(0, aemt_write_file(CORRUPT_DEBUGFS, "load 1"));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	EXPECT_EQ(pages, v.checked);
	EXPECT_EQ(1, v.repaired);
	EXPECT_EQ(0, v.poisoned);
	EXPECT_EQ(rep0 + 1, integ("repaired"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * A resident page that went bad after its checksum and before the store
 * took it: the store moment checks it and leaves it poisoned, unstored.
 */
TEST_F_TIMEOUT(region, corrupt_resident_page_not_stored, 180)
{
	const size_t pages = 8, page = self->page;
	unsigned char *p, *want;
	long mis0 = integ("mismatches");
	char buf[16];
	__u64 id;
	int rfd;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	p = cold_region(_metadata, self->fd, AETHER_MM_REGION_COMPRESSIBLE,
			pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, corrupt(id, 1));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	/* The bad page stays (not stored); the others went. */
	ASSERT_EQ(1, resident(rfd));
	ASSERT_LE(mis0 + 1, integ("mismatches"));
	ASSERT_TRUE(died_of(touch_status(p + page, false), SIGBUS));
	ASSERT_EQ(0, memcmp(p, want, page));
	ASSERT_EQ(0, memcmp(p + 2 * page, want + 2 * page, (pages - 2) * page));
	region_done(p, want, pages, rfd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/* aether_kverifyd finds a corrupted cold page by itself. */
TEST_F_TIMEOUT(region, background_verification_finds_corruption, 180)
{
	const size_t pages = 16, page = self->page;
	unsigned char *p, *want;
	long bg0, mis0;
	__u64 id;
	int rfd, i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	bg0 = integ("bg_mismatches");
	mis0 = integ("bg_checked");
	ASSERT_EQ(0, corrupt(id, 7));
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "10000"));
	for (i = 0; i < 600 && integ("bg_mismatches") <= bg0; i++)
		usleep(100 * 1000);
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "0"));
	ASSERT_LT(bg0, integ("bg_mismatches"));
	ASSERT_LT(mis0, integ("bg_checked"));
	ASSERT_TRUE(died_of(touch_status(p + 7 * page, false), SIGBUS));
	ASSERT_EQ(0, memcmp(p, want, 7 * page));
	region_done(p, want, pages, rfd);
}

/*
 * kept_copies once it is @want: a region closed is freed when its last
 * reference goes, which a background pass over it may hold a moment.
 */
static long kept_settled(long want)
{
	long now = integ("kept_copies");
	int i;

	for (i = 0; i < 100 && now != want; i++) {
		usleep(50 * 1000);
		now = integ("kept_copies");
	}
	return now;
}

static int corrupt_kept(__u64 id, unsigned long idx)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%llu %lu kept", (unsigned long long)id,
		 idx);
	return aemt_write_file(CORRUPT_DEBUGFS, buf);
}

/*
 * A COMPRESSIBLE region of @pages written (@want gets them), every page
 * stored in the loopback and read back: each resident again, with the
 * store's copy kept (@c gets the region).
 */
static unsigned char *loaded_back(struct __test_metadata *_metadata, int fd,
				  size_t pages, struct aether_mm_region_create *c,
				  unsigned char **want)
{
	const size_t page = page_size();
	long taken0 = integ("kept_taken");
	unsigned char *p;
	char buf[16];

	aemt_region_args(c, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 pages * page);
	p = region_written(fd, c, 0x6b3c + getpid() + pages, want);
	if (!p)
		return NULL;
	if (param_write("integrity_cold_gen", "0") ||
	    param_write("integrity_keep_copies", "1") ||
	    scan_times(c->id, 3))
		return NULL;
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	if (aemt_write_file(RECLAIM_DEBUGFS, buf) || resident(c->fd)) {
		TH_LOG("not every page stored: %llu resident",
		       (unsigned long long)resident(c->fd));
		return NULL;
	}
	/* Read faults bring each page back; the store keeps its copy. */
	if (memcmp(p, *want, pages * page) ||
	    integ("kept_taken") != taken0 + (long)pages) {
		TH_LOG("kept %ld of %zu", integ("kept_taken") - taken0, pages);
		return NULL;
	}
	return p;
}

/*
 * A resident page whose store copy was kept since its load, corrupted:
 * VERIFY finds it and repairs it from that copy; it is not poisoned,
 * reads right, and is counted in repaired_from_store.
 */
TEST_F_TIMEOUT(region, resident_page_repaired_from_its_kept_copy, 180)
{
	const size_t pages = 8, page = self->page;
	long rep0 = integ("repaired_from_store"), unrep0;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	unsigned char *p, *want;

	if (integ("kept_copies") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	unrep0 = integ("unrepaired_resident");
	p = loaded_back(_metadata, self->fd, pages, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, corrupt(c.id, 3));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	EXPECT_EQ(pages, v.checked);
	EXPECT_EQ(1, v.mismatches);
	EXPECT_EQ(1, v.repaired);
	EXPECT_EQ(0, v.poisoned);
	EXPECT_EQ(rep0 + 1, integ("repaired_from_store"));
	EXPECT_EQ(unrep0, integ("unrepaired_resident"));
	/* No SIGBUS: the right bytes, read and then written. */
	ASSERT_EQ(0, touch_status(p + 3 * page, false));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	EXPECT_EQ(0, v.mismatches);
	EXPECT_EQ(0, v.poisoned);
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/* aether_kverifyd repairs such a page by itself. */
TEST_F_TIMEOUT(region, background_verification_repairs_from_kept_copy, 180)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long rep0;
	int i;

	if (integ("kept_copies") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	p = loaded_back(_metadata, self->fd, pages, &c, &want);
	ASSERT_NE(NULL, p);
	rep0 = integ("repaired_from_store");
	ASSERT_EQ(0, corrupt(c.id, 5));
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "10000"));
	for (i = 0; i < 600 && integ("repaired_from_store") <= rep0; i++)
		usleep(100 * 1000);
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "0"));
	ASSERT_EQ(rep0 + 1, integ("repaired_from_store"));
	ASSERT_EQ(0, touch_status(p + 5 * page, false));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * The kept copy is checked before it is used: a page whose copy went bad
 * too has no good copy left; it is poisoned (a SIGBUS) and counted in
 * unrepaired_resident, its copy released.
 */
TEST_F_TIMEOUT(region, bad_kept_copy_is_no_repair, 180)
{
	const size_t pages = 8, page = self->page;
	long rep0 = integ("repaired_from_store"), unrep0, kept0;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	unsigned char *p, *want;

	if (integ("kept_copies") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	unrep0 = integ("unrepaired_resident");
	p = loaded_back(_metadata, self->fd, pages, &c, &want);
	ASSERT_NE(NULL, p);
	kept0 = integ("kept_copies");
	ASSERT_EQ(0, corrupt(c.id, 6));
	ASSERT_EQ(0, corrupt_kept(c.id, 6));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	EXPECT_EQ(1, v.mismatches);
	EXPECT_EQ(0, v.repaired);
	EXPECT_EQ(1, v.poisoned);
	EXPECT_EQ(rep0, integ("repaired_from_store"));
	EXPECT_EQ(unrep0 + 1, integ("unrepaired_resident"));
	EXPECT_EQ(kept0 - 1, integ("kept_copies"));
	ASSERT_TRUE(died_of(touch_status(p + 6 * page, false), SIGBUS));
	ASSERT_EQ(0, memcmp(p, want, 6 * page));
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * A copy is kept only while the page is unchanged: a write releases it;
 * storing the page again reuses the kept copy (no new store); the
 * region's end releases the rest.
 */
TEST_F_TIMEOUT(region, kept_copy_goes_at_a_write_and_is_stored_again, 180)
{
	const size_t pages = 8, page = self->page;
	unsigned char *p, *want;
	struct aether_mm_region_create c;
	long kept0, reused0, outs0;
	char buf[16];

	if (integ("kept_copies") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	kept0 = kept_settled(0);
	p = loaded_back(_metadata, self->fd, pages, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(kept0 + (long)pages, integ("kept_copies"));
	p[2 * page] ^= 0xff;
	want[2 * page] ^= 0xff;
	ASSERT_EQ(kept0 + (long)pages - 1, integ("kept_copies"));
	ASSERT_NE(0, corrupt_kept(c.id, 2));	/* none kept any more */
	/* Stored again: seven kept copies go back as they are. */
	reused0 = integ("kept_reused");
	outs0 = integ("taken_store");
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	ASSERT_EQ(0, resident(c.fd));
	EXPECT_EQ(reused0 + (long)pages - 1, integ("kept_reused"));
	EXPECT_EQ(kept0, integ("kept_copies"));
	/* The written page had no checksum: taken at this store. */
	EXPECT_EQ(outs0 + 1, integ("taken_store"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(kept0 + (long)pages, integ("kept_copies"));
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(kept0, kept_settled(kept0));
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * The store going releases the copies it keeps while their region lives
 * on; the pages still read right (resident), and with no copy left a
 * corruption is poisoned, not repaired.  With keeping off, a load keeps
 * nothing.
 */
TEST_F_TIMEOUT(region, store_going_releases_kept_copies, 180)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_verify v;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long taken0;
	char buf[16];

	if (integ("kept_copies") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	p = loaded_back(_metadata, self->fd, pages, &c, &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
	ASSERT_EQ(0, integ("kept_copies"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, corrupt(c.id, 1));
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	EXPECT_EQ(0, v.repaired);
	EXPECT_EQ(1, v.poisoned);
	/* Keeping off: the pages come back, no copy is kept. */
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "1"));
	ASSERT_EQ(0, param_write("integrity_keep_copies", "0"));
	ASSERT_EQ(0, scan_times(c.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 4 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	taken0 = integ("kept_taken");
	ASSERT_EQ(0, memcmp(p + 2 * page, want + 2 * page, (pages - 2) * page));
	EXPECT_EQ(taken0, integ("kept_taken"));
	EXPECT_EQ(0, integ("kept_copies"));
	ASSERT_EQ(0, param_write("integrity_keep_copies", "1"));
	region_done(p, want, pages, c.fd);
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
}

/*
 * A merged page stored once for both users (COMPRESSIBLE regions) and
 * read back keeps its store copy as the shared frame's; the shared frame
 * corrupted is repaired from it, for both users: no SIGBUS on either.
 * The repair is a fresh frame for both (never the shared frame rewritten
 * in place while the other user reads it).
 */
TEST_F_TIMEOUT(region, merged_page_repaired_from_its_kept_copy, 180)
{
	const __u32 flags = AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE |
			    AETHER_MM_REGION_COMPRESSIBLE;
	const size_t page = self->page, len = MSH_NPAGES * page;
	struct aether_mm_region_verify v;
	struct msh_region a, b;
	long rep0, sh0, outs0, taken0;
	__u64 frame0;
	int i;

	if (integ("repaired_shared") < 0)
		SKIP(return, "no kept copies in %s", INTEG_DEBUGFS);
	if (aemt_write_file(LOOP_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOP_DEBUGFS);
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, page, flags, &a));
	ASSERT_EQ(0, msh_region_make(self->fd, page, flags, &b));
	for (i = 0; i < MSH_NPAGES; i++) {
		msh_fill(&a, page, i, 0x4b1d + i);
		msh_fill(&b, page, i, 0x4b1d + i);
	}
	ASSERT_EQ(0, msh_naive("scan"));
	ASSERT_EQ(0, msh_resident_of(&a));
	ASSERT_EQ(0, param_write("integrity_keep_copies", "1"));
	/* Cold, then stored once each for both users. */
	outs0 = msh_share_stat("store_outs");
	ASSERT_EQ(0, scan_times(a.id, 3));
	ASSERT_EQ(0, scan_times(b.id, 3));
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, "64"));
	ASSERT_EQ(outs0 + MSH_NPAGES, msh_share_stat("store_outs"));
	/* Read back through a: each loaded once, its copy kept. */
	taken0 = integ("kept_taken");
	for (i = 0; i < MSH_NPAGES; i++)
		ASSERT_TRUE(msh_holds(&a, page, i, 0x4b1d + i));
	ASSERT_EQ(taken0 + MSH_NPAGES, integ("kept_taken"));
	rep0 = integ("repaired_from_store");
	sh0 = integ("repaired_shared");
	/* b's slot names the stored frame until b's own fault. */
	ASSERT_TRUE(msh_holds(&b, page, 2, 0x4b1d + 2));
	frame0 = msh_frame_of(&a, page, 2);
	ASSERT_NE(0, frame0);
	ASSERT_EQ(frame0, msh_frame_of(&b, page, 2));
	ASSERT_EQ(0, corrupt(a.id, 2));
	ASSERT_EQ(0, verify(a.fd, 0, len, &v));
	EXPECT_EQ(1, v.mismatches);
	EXPECT_EQ(1, v.repaired);
	EXPECT_EQ(0, v.poisoned);
	EXPECT_EQ(rep0 + 1, integ("repaired_from_store"));
	EXPECT_EQ(sh0 + 1, integ("repaired_shared"));
	/*
	 * Repaired into a fresh frame that took the bad one's place for
	 * both users at once: never rewritten in place while b maps it.
	 */
	EXPECT_NE(frame0, msh_frame_of(&a, page, 2));
	EXPECT_EQ(msh_frame_of(&a, page, 2), msh_frame_of(&b, page, 2));
	/* Both users read the right bytes, neither gets a SIGBUS. */
	ASSERT_EQ(0, touch_status(b.map + 2 * page, false));
	ASSERT_TRUE(msh_holds(&b, page, 2, 0x4b1d + 2));
	ASSERT_TRUE(msh_holds(&a, page, 2, 0x4b1d + 2));
	ASSERT_EQ(0, verify(b.fd, 0, len, &v));
	EXPECT_EQ(0, v.mismatches);
	EXPECT_EQ(0, v.poisoned);
	msh_region_drop(page, &a);
	msh_region_drop(page, &b);
	msh_naive("off");
	ASSERT_EQ(0, aemt_write_file(LOOP_DEBUGFS, "0"));
	ASSERT_EQ(0, kept_settled(0));
}

/*
 * integrity_cold_gen set lower than the pages' generation: they are past
 * it and would never reach it again; the next scan takes them all.
 */
TEST_F_TIMEOUT(region, lowered_cold_gen_takes_the_pages_past_it, 120)
{
	const size_t pages = 64;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long taken0;

	if (integ("taken_cold") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, param_write("integrity_cold_gen", "0"));
	aemt_region_args(&c, AEM_SHARED, pages * page_size());
	p = region_written(self->fd, &c, 0x10c0 + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, scan_times(c.id, 5));	/* every page at 4 or more */
	taken0 = integ("taken_cold");
	ASSERT_EQ(0, param_write("integrity_cold_gen", "2"));
	/* Sums are taken after a pass: the second is after the first's. */
	ASSERT_EQ(0, scan_times(c.id, 2));
	EXPECT_EQ(taken0 + (long)pages, integ("taken_cold"));
	region_done(p, want, pages, c.fd);
}

/* VERIFY's arguments: each bad one has its errno. */
TEST_F(region, verify_errnos)
{
	const size_t pages = 4, page = self->page;
	struct aether_mm_region_create c;
	struct aether_mm_region_verify v;
	int pfd[2];

	aemt_region_args(&c, AEM_SHARED, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_EQ(-EINVAL, verify(c.fd, 0, 0, &v));		/* length 0 */
	ASSERT_EQ(-EINVAL, verify(c.fd, 1, page, &v));		/* unaligned */
	ASSERT_EQ(-EINVAL, verify(c.fd, 0, page + 1, &v));
	ASSERT_EQ(-EINVAL, verify(c.fd, page, pages * page, &v)); /* past */
	ASSERT_EQ(-EINVAL, verify(c.fd, pages * page, page, &v));
	ASSERT_EQ(-EINVAL, verify(c.fd, page, -(__u64)page, &v)); /* wraps */
	ASSERT_EQ(-EINVAL, verify(c.fd, -(__u64)page, 2 * page, &v));
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.length = page;
	v.flags = 1;
	ASSERT_EQ(-1, ioctl(c.fd, AETHER_MM_IOC_REGION_VERIFY, &v));
	ASSERT_EQ(EINVAL, errno);
	v.flags = 0;
	v.size = 4;
	ASSERT_EQ(-1, ioctl(c.fd, AETHER_MM_IOC_REGION_VERIFY, &v));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(c.fd, AETHER_MM_IOC_REGION_VERIFY, NULL));
	ASSERT_EQ(EFAULT, errno);
	/* A region that was never touched has nothing to check. */
	ASSERT_EQ(0, verify(c.fd, 0, pages * page, &v));
	ASSERT_EQ(0, v.checked);
	/* Not a region fd. */
	ASSERT_EQ(-ENOTTY, verify(self->fd, 0, page, &v));
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(-ENOTTY, verify(pfd[0], 0, page, &v));
	close(pfd[0]);
	close(pfd[1]);
	close(c.fd);
}

/* The corruption knob is root's, and refuses what is not there. */
TEST_F(region, corrupt_knob_checks_its_arguments)
{
	struct aether_mm_region_create c;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	aemt_region_args(&c, AEM_SHARED, 4 * self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	ASSERT_NE(0, corrupt(c.id, 0));		/* never written */
	ASSERT_NE(0, corrupt(c.id, 4));		/* past the end */
	ASSERT_NE(0, corrupt(~0ULL, 0));		/* no such region */
	ASSERT_NE(0, aemt_write_file(CORRUPT_DEBUGFS, "garbage"));
	close(c.fd);
}

/* Fixture "merged": two MERGEABLE regions, their equal pages merged. */
FIXTURE(merged) {
	int fd;
	size_t page;
	struct msh_region a, b;
};

FIXTURE_SETUP(merged)
{
	int i;

	MSH_SETUP_OPEN(self);
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page,
				     AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE,
				     &self->a));
	ASSERT_EQ(0, msh_region_make(self->fd, self->page,
				     AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE,
				     &self->b));
	for (i = 0; i < MSH_NPAGES; i++) {
		msh_fill(&self->a, self->page, i, 0x3e7 + i);
		msh_fill(&self->b, self->page, i, 0x3e7 + i);
	}
	ASSERT_EQ(0, msh_naive("scan"));
	ASSERT_EQ(0, msh_resident_of(&self->a));
	ASSERT_EQ(0, msh_resident_of(&self->b));
}

FIXTURE_TEARDOWN(merged)
{
	msh_region_drop(self->page, &self->a);
	msh_region_drop(self->page, &self->b);
	msh_naive("off");
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A merged page is checked against its shared frame's checksum, which
 * the frame keeps (the slot has no record of its own); corrupted, it is
 * found and poisoned for both regions (no good copy is left to repair it
 * from: the merged pages' frames went back to the pool); the other
 * merged pages read right.
 */
TEST_F(merged, corrupt_shared_frame_poisons_every_user)
{
	const size_t len = MSH_NPAGES * self->page;
	struct aether_mm_region_verify v;
	long unrep0, shared0;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	shared0 = integ("checked_shared");
	ASSERT_LE(0, shared0);
	ASSERT_EQ(0, verify(self->a.fd, 0, len, &v));
	ASSERT_EQ(MSH_NPAGES, v.checked);
	ASSERT_EQ(0, v.mismatches);
	/* Each against its shared frame's sum. */
	ASSERT_EQ(shared0 + MSH_NPAGES, integ("checked_shared"));
	unrep0 = integ("unrepaired_shared");
	ASSERT_EQ(0, corrupt(self->a.id, 2));
	ASSERT_EQ(0, verify(self->a.fd, 0, len, &v));
	ASSERT_EQ(1, v.mismatches);
	ASSERT_EQ(1, v.poisoned);
	ASSERT_EQ(0, v.repaired);
	/* Counted as a shared frame with no good copy to repair it from. */
	ASSERT_EQ(unrep0 + 1, integ("unrepaired_shared"));
	/* The other user: a SIGBUS too, read or write. */
	ASSERT_TRUE(died_of(touch_status(self->b.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 2 * self->page, true),
			    SIGBUS));
	/* And the one that checked it. */
	ASSERT_TRUE(died_of(touch_status(self->a.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(msh_holds(&self->b, self->page, 3, 0x3e7 + 3));
	ASSERT_TRUE(msh_holds(&self->a, self->page, 1, 0x3e7 + 1));
	ASSERT_EQ(0, verify(self->b.fd, 0, len, &v));
	ASSERT_EQ(1, v.poisoned);
	/* Poisoned once, for the frame, not again for its other user. */
	ASSERT_EQ(unrep0 + 1, integ("unrepaired_shared"));
}

/*
 * Unmerging does not copy a poisoned shared frame: a private copy would
 * hold its bad bytes with no record (the frame's checksum was every
 * user's), so a read would get them.  Its users keep it, and SIGBUS; the
 * unmerge answers EIO after giving the other merged pages their copies.
 */
TEST_F(merged, unmerge_leaves_a_poisoned_frame_shared)
{
	const size_t len = MSH_NPAGES * self->page;
	struct aether_mm_region_verify v;
	long left0, users0;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, corrupt(self->a.id, 2));
	ASSERT_EQ(0, verify(self->a.fd, 0, len, &v));
	ASSERT_EQ(1, v.poisoned);
	left0 = msh_share_stat("left_unmerge");
	users0 = msh_share_stat("users");
	ASSERT_LE(2, users0);
	ASSERT_EQ(-EIO, msh_naive("unmerge"));
	/* Every other user left by the unmerge; the poisoned frame's two stay. */
	ASSERT_EQ(left0 + users0 - 2, msh_share_stat("left_unmerge"));
	ASSERT_EQ(2, msh_share_stat("users"));
	ASSERT_TRUE(died_of(touch_status(self->a.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 2 * self->page, true),
			    SIGBUS));
	ASSERT_TRUE(msh_holds(&self->a, self->page, 3, 0x3e7 + 3));
	ASSERT_TRUE(msh_holds(&self->b, self->page, 4, 0x3e7 + 4));
}

/*
 * A shared frame gone bad that no check found yet is not copied either:
 * the unmerge checks each copy against the frame's checksum (no slot has
 * a record of its own), poisons the frame instead, and answers EIO.
 */
TEST_F(merged, unmerge_checks_each_copy_against_the_frames_sum)
{
	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, corrupt(self->a.id, 2));
	ASSERT_EQ(-EIO, msh_naive("unmerge"));
	ASSERT_EQ(2, msh_share_stat("users"));
	ASSERT_TRUE(died_of(touch_status(self->a.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 2 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(msh_holds(&self->a, self->page, 1, 0x3e7 + 1));
	ASSERT_TRUE(msh_holds(&self->b, self->page, 3, 0x3e7 + 3));
}

/*
 * A region put into another trust domain leaves every frame it shared
 * with its old one, a poisoned one aside (nothing of it can be read):
 * the pages after it in the region are copied too, and the change
 * answers EIO.
 */
TEST_F(merged, domain_change_goes_on_past_a_poisoned_frame)
{
	const size_t len = MSH_NPAGES * self->page;
	struct aether_mm_region_verify v;
	int i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, corrupt(self->a.id, 2));
	ASSERT_EQ(0, verify(self->a.fd, 0, len, &v));
	ASSERT_EQ(1, v.poisoned);
	ASSERT_EQ(-EIO, msh_naive("domain %llu 7",
				  (unsigned long long)self->a.id));
	/* b's pages, each alone on its frame now, and the poisoned pair. */
	ASSERT_EQ(MSH_NPAGES - 1 + 2, msh_share_stat("users"));
	for (i = 0; i < MSH_NPAGES; i++) {
		if (i == 2)
			continue;
		ASSERT_TRUE(msh_holds(&self->a, self->page, i, 0x3e7 + i));
	}
	ASSERT_TRUE(died_of(touch_status(self->a.map + 2 * self->page, false),
			    SIGBUS));
}

/*
 * aether_kverifyd finds a corrupted shared frame by itself, checking the
 * frame once however many users map it: poisoned once (counted once),
 * a SIGBUS for both users; the other merged pages read right.
 */
TEST_F_TIMEOUT(merged, background_verification_finds_corrupt_shared_frame,
	       180)
{
	long bg0, unrep0, c0, c1;
	int i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	bg0 = integ("bg_mismatches");
	unrep0 = integ("unrepaired_shared");
	ASSERT_EQ(0, corrupt(self->a.id, 5));
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "10000"));
	for (i = 0; i < 600 && integ("bg_mismatches") <= bg0; i++)
		usleep(100 * 1000);
	/* Two passes more over at least these frames: none counts twice. */
	c0 = integ("bg_checked");
	for (i = 0; i < 600 && integ("bg_checked") < c0 + 2 * MSH_NPAGES; i++)
		usleep(100 * 1000);
	c1 = integ("bg_checked");
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "0"));
	ASSERT_LE(c0 + 2 * MSH_NPAGES, c1);
	ASSERT_EQ(bg0 + 1, integ("bg_mismatches"));
	ASSERT_EQ(unrep0 + 1, integ("unrepaired_shared"));
	ASSERT_TRUE(died_of(touch_status(self->a.map + 5 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 5 * self->page, false),
			    SIGBUS));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 5 * self->page, true),
			    SIGBUS));
	ASSERT_TRUE(msh_holds(&self->a, self->page, 4, 0x3e7 + 4));
	ASSERT_TRUE(msh_holds(&self->b, self->page, 6, 0x3e7 + 6));
}

/*
 * kverifyd's rate bounds the shared frames it visits, not only the ones
 * it hashes: with every frame poisoned (nothing left to hash), a tick at
 * 10 pages a second (one a tick) visits one frame, where it walked them
 * all, every tick.  Counted, not timed: visits against ticks.
 */
TEST_F_TIMEOUT(merged, background_walk_counts_every_frame_visited, 180)
{
	const size_t len = MSH_NPAGES * self->page;
	struct aether_mm_region_verify v;
	long t0, v0, t1, v1;
	int i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_LE(0, integ("bg_ticks"));
	ASSERT_LE(0, integ("bg_shared_visits"));
	for (i = 0; i < MSH_NPAGES; i++)
		ASSERT_EQ(0, corrupt(self->a.id, i));
	ASSERT_EQ(0, verify(self->a.fd, 0, len, &v));
	ASSERT_EQ(MSH_NPAGES, v.poisoned);
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "10"));
	t0 = integ("bg_ticks");
	v0 = integ("bg_shared_visits");
	for (i = 0; i < 600 && integ("bg_ticks") < t0 + 4 * MSH_NPAGES; i++)
		usleep(100 * 1000);
	v1 = integ("bg_shared_visits");
	t1 = integ("bg_ticks");
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "0"));
	ASSERT_LE(t0 + 4 * MSH_NPAGES, t1);
	/* One a tick; the tick under way at the first read may add its own. */
	EXPECT_LE(v1 - v0, t1 - t0 + 1) {
		TH_LOG("%ld frames visited in %ld ticks", v1 - v0, t1 - t0);
	}
	/* And it does go round them all, poisoned as they are. */
	ASSERT_LE(v0 + 2 * MSH_NPAGES, v1);
	ASSERT_TRUE(died_of(touch_status(self->b.map + 3 * self->page, false),
			    SIGBUS));
}

#define FAILSLAB	"/sys/kernel/debug/failslab"

static sigjmp_buf bus_jmp;

static void bus_handler(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * Read @addr in this process, whose page table entries are the ones in
 * question (touch_status()'s child has none: a fork zaps its region
 * mappings): true when the read is a SIGBUS.
 */
static bool read_is_sigbus(const unsigned char *addr)
{
	struct sigaction sa = { .sa_handler = bus_handler }, old;
	bool bus = false;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old))
		return false;
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		(void)__atomic_load_n(addr, __ATOMIC_RELAXED);
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/*
 * Make every slab allocation that may not sleep fail (@on), or none:
 * failslab, where the kernel has it (the debug kernel), else -ENOENT.
 */
static int failslab_nowait(bool on)
{
	static const char *const set[][2] = {
		{ "ignore-gfp-wait", "Y" }, { "task-filter", "N" },
		{ "interval", "1" }, { "times", "-1" }, { "verbose", "0" },
		{ "probability", "100" },
	};
	char path[128];
	size_t i;
	int ret;

	if (access(FAILSLAB "/probability", W_OK))
		return -ENOENT;
	if (!on)
		return aemt_write_file(FAILSLAB "/probability", "0");
	for (i = 0; i < ARRAY_SIZE(set); i++) {
		snprintf(path, sizeof(path), FAILSLAB "/%s", set[i][0]);
		ret = aemt_write_file(path, set[i][1]);
		if (ret) {
			failslab_nowait(false);
			return ret;
		}
	}
	return 0;
}

/*
 * kverifyd zaps the entries of every user of a shared frame it poisons
 * before it counts the poisoning, with no worker to wait for (a worker's
 * request, made with no sleep, left them mapped when it found no memory):
 * the page both users mapped, reading the flipped byte until then, is a
 * SIGBUS in this very process as soon as unrepaired_shared moves, also
 * while every allocation that may not sleep fails (failslab, on the debug
 * kernel).
 */
TEST_F_TIMEOUT(merged, background_poisoning_zaps_every_user_at_once, 180)
{
	long unrep0;
	int i, fs;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	unrep0 = integ("unrepaired_shared");
	ASSERT_EQ(0, corrupt(self->a.id, 5));
	/* Both users map the bad frame now, and read its flipped byte. */
	ASSERT_FALSE(msh_holds(&self->a, self->page, 5, 0x3e7 + 5));
	ASSERT_FALSE(msh_holds(&self->b, self->page, 5, 0x3e7 + 5));
	fs = failslab_nowait(true);
	if (fs != -ENOENT)
		ASSERT_EQ(0, fs);
	param_write("verify_pages_per_sec", "10000");
	for (i = 0; i < 60000 && integ("unrepaired_shared") <= unrep0; i++)
		usleep(1000);
	if (!fs)
		ASSERT_EQ(0, failslab_nowait(false));
	TH_LOG("failslab %s", fs ? "absent" : "on around the check");
	EXPECT_TRUE(read_is_sigbus(self->b.map + 5 * self->page));
	EXPECT_TRUE(read_is_sigbus(self->a.map + 5 * self->page));
	ASSERT_EQ(0, param_write("verify_pages_per_sec", "0"));
	ASSERT_TRUE(died_of(touch_status(self->b.map + 5 * self->page, false),
			    SIGBUS));
	ASSERT_EQ(unrep0 + 1, integ("unrepaired_shared"));
	ASSERT_TRUE(msh_holds(&self->b, self->page, 4, 0x3e7 + 4));
}

/*
 * A merge takes one checksum a shared frame, when it is made, and no
 * record for the slots that map it: two regions' equal pages merged are
 * MSH_NPAGES sums, not one a slot; their private pages' records go.
 */
TEST_F(region, merge_takes_one_sum_a_shared_frame)
{
	const size_t page = self->page;
	struct msh_region a, b;
	long frames0, mfg0, cold0;
	int i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, page,
				     AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE,
				     &a));
	ASSERT_EQ(0, msh_region_make(self->fd, page,
				     AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE,
				     &b));
	for (i = 0; i < MSH_NPAGES; i++) {
		msh_fill(&a, page, i, 0x51de + i);
		msh_fill(&b, page, i, 0x51de + i);
	}
	/* a's pages cold first: each has a record of its own. */
	cold0 = integ("taken_cold");
	ASSERT_EQ(0, param_write("integrity_cold_gen", COLD_GEN));
	ASSERT_EQ(0, scan_times(a.id, COLD_SCANS));
	for (i = 0; i < 20 && integ("taken_cold") < cold0 + MSH_NPAGES; i++)
		ASSERT_EQ(0, scan_times(a.id, 1));
	ASSERT_LE(cold0 + MSH_NPAGES, integ("taken_cold"));
	frames0 = integ("taken_shared_frames");
	mfg0 = integ("forgotten_merged");
	ASSERT_LE(0, frames0);
	ASSERT_LE(0, mfg0);
	ASSERT_EQ(0, msh_naive("scan"));
	ASSERT_EQ(0, msh_resident_of(&a));
	ASSERT_EQ(0, msh_resident_of(&b));
	EXPECT_EQ(frames0 + MSH_NPAGES, integ("taken_shared_frames"));
	/* The records of a's private pages describe freed frames: gone. */
	EXPECT_LE(mfg0 + MSH_NPAGES, integ("forgotten_merged"));
	msh_region_drop(page, &a);
	msh_region_drop(page, &b);
	msh_naive("off");
}

/*
 * Make shared frames until killed: page by page of @c, a write leaves the
 * page's frame (which goes), a pick and a merge give it a new one, so that
 * the frames made last, at the list's tail, always have a user.
 */
static void churn_shared_frames(struct msh_region *c, size_t page)
{
	unsigned long long id = c->id;
	int i, j, ret;

	for (i = 0;; i++) {
		j = i % MSH_NPAGES;
		msh_fill(c, page, j, 0xc4a0 + MSH_NPAGES + i);
		ret = msh_naive("pick %llu %d", id, j);
		if (!ret)
			ret = msh_naive("merge %llu %d", id, j);
		/* A page moved or stored meanwhile: the next one. */
		if (ret && ret != -EAGAIN) {
			fprintf(stderr, "# churn: page %d: %s\n", j,
				strerror(-ret));
			_exit(1);
		}
	}
}

/*
 * A user who makes shared frames faster than kverifyd's rate does not
 * keep it from every region's records: its two walks take turns.  A
 * child merges the pages of a region one by one into new shared frames
 * (the naive engine's pick and merge) while kverifyd checks 10 pages a
 * second: the shared walk, once begun, never reaches the list's tail.
 * A record corrupted then is still found, within two rounds of the
 * records' walk counted in checks of both walks (not timed).
 */
TEST_F_TIMEOUT(region, background_records_not_starved_by_new_shared_frames,
	       300)
{
	const size_t pages = 16, page = self->page;
	const long bound = 4 * pages + 16;
	unsigned char *p, *want;
	long sh0, chk0, chk1, bg0, merges0;
	struct msh_region c;
	bool found;
	pid_t pid;
	__u64 id;
	int rfd, i, status, ret;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	ASSERT_EQ(0, msh_naive("on"));
	ASSERT_EQ(0, msh_region_make(self->fd, page,
				     AEM_PRIVATE | AETHER_MM_REGION_MERGEABLE,
				     &c));
	for (i = 0; i < MSH_NPAGES; i++)
		msh_fill(&c, page, i, 0xc4a0 + i);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	merges0 = msh_share_stat("merges");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		churn_shared_frames(&c, page);
	/* No assertion before the child is killed: it would outlive the test. */
	for (i = 0; i < 600 && msh_share_stat("merges") < merges0 + 4 * MSH_NPAGES;
	     i++)
		usleep(10 * 1000);
	sh0 = integ("checked_shared");
	param_write("verify_pages_per_sec", "10");
	/* The shared walk has begun (on main: once every record was checked). */
	for (i = 0; i < 600 && integ("checked_shared") <= sh0; i++)
		usleep(100 * 1000);
	bg0 = integ("bg_mismatches");
	chk0 = integ("bg_checked");
	ret = corrupt(id, 7);
	for (i = 0; !ret && i < 1200 && integ("bg_mismatches") <= bg0 &&
	     integ("bg_checked") < chk0 + bound; i++)
		usleep(100 * 1000);
	found = integ("bg_mismatches") > bg0;
	chk1 = integ("bg_checked");
	param_write("verify_pages_per_sec", "0");
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, ret);
	/* The child churned all along, then was killed. */
	ASSERT_TRUE(died_of(status, SIGKILL)) {
		TH_LOG("churner status %#x", status);
	}
	ASSERT_LE(merges0 + 4 * MSH_NPAGES, msh_share_stat("merges"));
	ASSERT_LT(sh0, integ("checked_shared"));
	EXPECT_TRUE(found) {
		TH_LOG("not found in %ld checks (%ld merges)", chk1 - chk0,
		       msh_share_stat("merges") - merges0);
	}
	ASSERT_TRUE(died_of(touch_status(p + 7 * page, false), SIGBUS));
	ASSERT_EQ(0, memcmp(p, want, 7 * page));
	region_done(p, want, pages, rfd);
	msh_region_drop(page, &c);
	msh_naive("off");
}

static long ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + t.tv_nsec - t0->tv_nsec;
}

/*
 * The cost of VERIFY per GiB (xxh64 of every page under its slot lock),
 * next to a bare xxh64 of the same frames (debugfs integrity_bench) and
 * REGION_CHECKSUM's CRC-32 of the same bytes (a vm_map_ram() view),
 * interleaved, in the same boot: reported, not asserted.
 */
TEST_F_TIMEOUT(region, verify_cost_per_gib, 300)
{
	const size_t pages = 8192, page = self->page;	/* 32 MiB */
	struct aether_mm_region_verify v;
	unsigned char *p, *want;
	long tv = 0, tc = 0, tx = 0;
	struct timespec t0;
	char buf[32];
	__u32 crc;
	__u64 id;
	int rfd, i;

	if (integ("checked") < 0)
		SKIP(return, "no %s", INTEG_DEBUGFS);
	p = cold_region(_metadata, self->fd, 0, pages, &rfd, &id, &want);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, verify(rfd, 0, pages * page, &v));
		tv += ns_since(&t0);
		ASSERT_EQ(pages, v.checked);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
		tc += ns_since(&t0);
		/* The bare xxh64 of the same frames, timed in the kernel. */
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)id);
		ASSERT_EQ(0, aemt_write_file(BENCH_DEBUGFS, buf));
		ASSERT_EQ(pages, debugfs_counter(BENCH_DEBUGFS, "pages"));
		tx += debugfs_counter(BENCH_DEBUGFS, "ns");
	}
	ASSERT_LT(0, tx);
	/* ns per GiB: 5 rounds of 32 MiB is 5/32 GiB. */
	TH_LOG("ms/GiB: VERIFY %ld, xxh64 %ld (x%.2f), CHECKSUM crc32 %ld (x%.2f)",
	       tv * 32 / 5 / 1000000, tx * 32 / 5 / 1000000,
	       (double)tv / (double)tx, tc * 32 / 5 / 1000000,
	       (double)tv / (double)tc);
	region_done(p, want, pages, rfd);
}

TEST_HARNESS_MAIN
