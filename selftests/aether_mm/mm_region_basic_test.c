// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_basic_test.c - regions: demand paging, the life of frames, REGION_CHECKSUM
 *
 * Fixture "region": reads that take no frame, writes that take one,
 * frame ids and pfns, private and shared images; frames going back to
 * the pool on close and exit; REGION_CHECKSUM against a userspace
 * CRC-32; two CPUs faulting the same pages at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"

AEMT_REGION_FIXTURE(region)

/* ---- demand paging ------------------------------------------------- */

/* Reading 16 MiB maps Linux's zero page everywhere and takes no frame. */
TEST_F(region, demand_read_allocates_nothing)
{
	const size_t pages = 16 * MIB / self->page;
	struct aether_mm_region_info ri0, ri1;
	struct aether_mm_region_query q;
	volatile unsigned char *p;
	__u64 used0, used1;
	unsigned long sum = 0;
	size_t i;
	int rfd;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	for (i = 0; i < pages; i++)
		sum += p[i * self->page + (i % self->page)];
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_EQ(0, ri1.resident);
	ASSERT_LT(ri0.zero_maps, ri1.zero_maps);
	ASSERT_LT(ri0.faults, ri1.faults);
	ASSERT_EQ(1, ri1.nr_views);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, aemt_region_query(rfd, p + i * self->page, &q));
		ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state) TH_LOG("page %zu", i);
		ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_ZERO, q.map)
			TH_LOG("page %zu", i);
		ASSERT_EQ(-1, q.node);
		ASSERT_EQ(0, q.frame_id);
	}
	close(rfd);
}

/* A write takes exactly one frame, owned by the writer, on a node. */
TEST_F(region, demand_write_allocates_one_frame)
{
	const size_t pages = 16 * MIB / self->page, at = pages / 2 + 3;
	struct aether_mm_region_query q;
	struct aether_mm_region_info ri;
	volatile unsigned char *p;
	__u64 sum = 0;
	size_t i;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, pages, &rfd);
	ASSERT_NE(NULL, p);
	(void)p[at * self->page];	/* zero page first, then the write */
	p[at * self->page + 5] = 0xa5;

	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(1, ri.resident);
	for (i = 0; i < AETHER_MM_MAX_NODES; i++)
		sum += ri.node_pages[i];
	ASSERT_EQ(1, sum);
	ASSERT_EQ(0, aemt_region_query(rfd, p + at * self->page + 5, &q));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, q.state);
	ASSERT_LE(0, q.node);
	ASSERT_GT((int)self->pi.nr_nodes, q.node);
	ASSERT_EQ(1, ri.node_pages[q.node]);
	ASSERT_NE(0, q.frame_id);
	ASSERT_EQ(AETHER_MM_MAP_PRESENT | AETHER_MM_MAP_WRITE, q.map);
	ASSERT_EQ(0xa5, p[at * self->page + 5]);
	ASSERT_EQ(0, p[at * self->page + 4]);
	/* The neighbours are still nothing. */
	ASSERT_EQ(0, aemt_region_query(rfd, p + (at + 1) * self->page, &q));
	ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state);
	ASSERT_EQ(0, aemt_region_query(rfd, p + (at - 1) * self->page, &q));
	ASSERT_EQ(AETHER_MM_PAGE_NONE, q.state);
	close(rfd);
}

/* Two written pages are two frames; pfn only for CAP_SYS_ADMIN. */
struct pfn_probe {
	volatile unsigned char *addr;
	struct aether_mm_region_query q;
};

static int unpriv_query(int rfd, void *arg)
{
	struct pfn_probe *pp = arg;

	return aemt_region_query(rfd, pp->addr, &pp->q);
}

TEST_F(region, query_frames_distinct_pfn_privileged)
{
	struct aether_mm_region_query q0, q1;
	struct pfn_probe *pp;
	unsigned char *p;
	int rfd;

	p = region_mapped(self->fd, AEM_PRIVATE, 2, &rfd);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	p[self->page] = 2;
	ASSERT_EQ(0, aemt_region_query(rfd, p, &q0));
	ASSERT_EQ(0, aemt_region_query(rfd, p + self->page, &q1));
	ASSERT_NE(0, q0.frame_id);
	ASSERT_NE(q0.frame_id, q1.frame_id);
	if (geteuid() == 0) {
		ASSERT_NE(0, q0.pfn);
		ASSERT_NE(q0.pfn, q1.pfn);
	}
	pp = mmap(NULL, sizeof(*pp), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, pp);
	pp->addr = p;
	pp->q.pfn = ~0ULL;
	ASSERT_EQ(0, aemt_run_unprivileged(unpriv_query, rfd, pp));
	ASSERT_EQ(q0.frame_id, pp->q.frame_id);
	ASSERT_EQ(0, pp->q.pfn);
	munmap(pp, sizeof(*pp));
	close(rfd);
}

/* One process sees one image of a private region, through any mapping. */
TEST_F(region, private_two_mappings_one_image)
{
	struct aether_mm_region_query qa, qb;
	unsigned char *a, *b;
	int rfd;

	a = region_mapped(self->fd, AEM_PRIVATE, 4, &rfd);
	ASSERT_NE(NULL, a);
	b = aemt_region_map(rfd, 4 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, b);
	a[2 * self->page] = 0x11;
	ASSERT_EQ(0x11, b[2 * self->page]);
	b[3 * self->page + 1] = 0x22;
	ASSERT_EQ(0x22, a[3 * self->page + 1]);
	ASSERT_EQ(0, aemt_region_query(rfd, a + 2 * self->page, &qa));
	ASSERT_EQ(0, aemt_region_query(rfd, b + 2 * self->page, &qb));
	ASSERT_EQ(qa.frame_id, qb.frame_id);
	ASSERT_EQ(2, resident(rfd));
	close(rfd);
}

/* A shared region's image outlives its mappings while an fd holds it. */
TEST_F(region, shared_content_survives_remap)
{
	unsigned char *p;
	__u32 crc0, crc1;
	int rfd;

	p = region_mapped(self->fd, AEM_SHARED, 4, &rfd);
	ASSERT_NE(NULL, p);
	aemt_pattern(p, 4 * self->page, 0xfeed);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, 4 * self->page, &crc0));
	ASSERT_EQ(0, munmap(p, 4 * self->page));
	ASSERT_EQ(4, resident(rfd));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, 4 * self->page, &crc1));
	ASSERT_EQ(crc0, crc1);
	p = aemt_region_map(rfd, 4 * self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(crc0, aemt_crc32(p, 4 * self->page));
	munmap(p, 4 * self->page);
	close(rfd);
}

/* ---- the life of frames -------------------------------------------- */

static int write_half_then_wait(struct kid *k, void *arg)
{
	unsigned char *p = arg;
	size_t i, page = page_size();
	__u64 v;

	for (i = 0; i < 32; i++)
		p[2 * i * page] = 0xc0 + i;	/* copies of shared pages */
	if (kid_put(k->up, 1))
		return 1;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

/*
 * Frames written by two processes (with copies) all go back to the pool
 * once every mapping and fd is gone, whichever goes last (and a
 * background walk that held the region at that moment has let it go:
 * waited for, 30 s at most; the debug kernel's CI once read the shared
 * region's 64 frames still in use just after the close).
 */
TEST_F(region, close_returns_every_frame)
{
	unsigned char *p, *s;
	__u64 used0, used1, v;
	int rfd, sfd, status, waits;
	struct kid k;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	p = region_mapped(self->fd, AEM_PRIVATE, 64, &rfd);
	ASSERT_NE(NULL, p);
	s = region_mapped(self->fd, AEM_SHARED, 64, &sfd);
	ASSERT_NE(NULL, s);
	memset(p, 0x5a, 64 * self->page);
	memset(s, 0xa5, 64 * self->page);

	ASSERT_EQ(0, kid_start(&k, write_half_then_wait, p));
	ASSERT_EQ(0, kid_get(k.up, &v));
	ASSERT_EQ(64 + 32, resident(rfd));
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_LE(used0 + 64 + 32 + 64, used1);
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(64, resident(rfd));	/* the child's copies went with it */

	/* fd first: the mapping keeps the region and its content. */
	ASSERT_EQ(0, close(rfd));
	ASSERT_EQ(0x5a, p[63 * self->page]);
	ASSERT_EQ(0, munmap(p, 64 * self->page));
	/* mapping first: the fd keeps the region. */
	ASSERT_EQ(0, munmap(s, 64 * self->page));
	ASSERT_EQ(64, resident(sfd));
	ASSERT_EQ(0, close(sfd));

	waits = aemt_used_pages_back_to(self->fd, used0, &used1);
	ASSERT_LE(0, waits);
	if (waits)
		TH_LOG("the frames came back after %d ms", waits * 100);
	ASSERT_EQ(used0, used1);
}

static int write_and_exit(void *arg)
{
	int fd = *(int *)arg, rfd;
	unsigned char *p;

	p = region_mapped(fd, AEM_PRIVATE, 32, &rfd);
	if (!p)
		return 1;
	memset(p, 0x77, 32 * page_size());
	return resident(rfd) == 32 ? 0 : 2;
}

/* A process that exits holding a written region leaks nothing. */
TEST_F(region, exit_returns_every_frame)
{
	__u64 used0, used1;
	int status, waits;

	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	status = aemt_run_child(write_and_exit, &self->fd);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	waits = aemt_used_pages_back_to(self->fd, used0, &used1);
	ASSERT_LE(0, waits);
	if (waits)
		TH_LOG("the frames came back after %d ms", waits * 100);
	ASSERT_EQ(used0, used1);
}

/* ---- REGION_CHECKSUM ------------------------------------------------ */

/*
 * Pages of four kinds: random bytes, random bytes in one quarter (the rest
 * written as zeroes), only read (the zero page), never touched.  The
 * kernel's CRC-32 of any range is zlib's crc32 of the same bytes.
 */
static void checksum_matches(struct __test_metadata *_metadata, int fd,
			     __u32 flags)
{
	const size_t pages = 64, page = page_size();
	struct aether_mm_region_info ri0, ri1;
	__u64 seed = getpid() | 1ULL << 40;
	unsigned char *p, *want;
	unsigned long sum = 0;
	size_t i, written = 0;
	__u32 crc;
	int rfd;

	p = region_mapped(fd, flags, pages, &rfd);
	ASSERT_NE(NULL, p);
	want = calloc(pages, page);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);

	for (i = 0; i < pages; i++) {
		unsigned char *w = want + i * page;

		switch (i % 4) {
		case 0:
			fill_random(w, page, &seed);
			break;
		case 1:
			fill_random(w + page / 2, page / 4, &seed);
			break;
		case 2:
			sum += ((volatile unsigned char *)p)[i * page + 7];
			continue;
		default:
			continue;
		}
		memcpy(p + i * page, w, page);
		written++;
	}
	ASSERT_EQ(0, sum);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri0));
	ASSERT_EQ(written, ri0.resident);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, pages * page, &crc));
	ASSERT_EQ(aemt_crc32(want, pages * page), crc);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 5 * page, 7 * page, &crc));
	ASSERT_EQ(aemt_crc32(want + 5 * page, 7 * page), crc);
	ASSERT_EQ(0, aemt_region_checksum(rfd, (pages - 1) * page, page,
					  &crc));
	ASSERT_EQ(aemt_crc32(want + (pages - 1) * page, page), crc);
	/* It reads the image: nothing was faulted in. */
	ASSERT_EQ(0, aemt_region_info(rfd, &ri1));
	ASSERT_EQ(ri0.faults, ri1.faults);
	ASSERT_EQ(ri0.resident, ri1.resident);
	/* And the mapping holds the same bytes. */
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	close(rfd);
}

TEST_F(region, checksum_matches_crc32_private)
{
	checksum_matches(_metadata, self->fd, AEM_PRIVATE);
}

TEST_F(region, checksum_matches_crc32_shared)
{
	checksum_matches(_metadata, self->fd, AEM_SHARED);
}

TEST_F(region, checksum_bad_range_einval)
{
	const __u64 pg = self->page, len = 8 * pg;
	const struct { __u64 off, len; } bad[] = {
		{ 1, pg }, { pg / 2, pg }, { 0, 0 }, { 0, pg - 1 },
		{ 0, pg + 1 }, { pg, 1 }, { len, pg }, { 7 * pg, 2 * pg },
		{ 0, 2 * len }, { 0, ~0ULL & ~(pg - 1) },
		{ ~0ULL & ~(pg - 1), pg }, { 1ULL << 62, pg },
	};
	const __u64 big = AETHER_MM_CHECKSUM_MAX + 2 * pg;
	unsigned int i;
	int rfd, bfd;

	rfd = aemt_region_new(self->fd, AEM_PRIVATE, len);
	ASSERT_LE(0, rfd);
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++)
		ASSERT_EQ(-EINVAL, aemt_region_checksum(rfd, bad[i].off,
							bad[i].len, NULL))
			TH_LOG("case %u accepted", i);
	ASSERT_EQ(0, aemt_region_checksum(rfd, 7 * pg, pg, NULL));
	ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, NULL));

	/* Within the data but over the limit. */
	bfd = aemt_region_new(self->fd, AEM_PRIVATE, big);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(-EINVAL, aemt_region_checksum(bfd, 0,
						AETHER_MM_CHECKSUM_MAX + pg,
						NULL));
	ASSERT_EQ(-EINVAL, aemt_region_checksum(bfd, pg, big - pg, NULL));
	ASSERT_EQ(0, aemt_region_checksum(bfd, big - pg, pg, NULL));
	close(bfd);
	close(rfd);
}

/* ---- two CPUs -------------------------------------------------------- */

#define SMP_PAGES	512
#define SMP_ROUNDS	4
#define SMP_PASSES	2

struct smp_writer {
	pthread_t tid;
	pthread_barrier_t *start;
	unsigned char *p;
	int cpu;		/* -1: not pinned */
	unsigned int word;	/* the word of each page it writes */
	size_t first, last;	/* pages [first, last) */
	size_t skew;		/* starts at this page, then wraps */
	unsigned int round;
	int err;
};

static __u64 smp_value(unsigned int word, unsigned int round,
		       unsigned int pass, size_t page)
{
	return (__u64)(word + 1) << 56 | (__u64)round << 40 |
	       (__u64)pass << 32 | page;
}

static void *smp_write(void *arg)
{
	struct smp_writer *w = arg;
	size_t n = w->last - w->first, i, pg;
	unsigned int pass;

	if (w->cpu >= 0)
		w->err = aemt_pin_cpu(w->cpu);
	pthread_barrier_wait(w->start);
	for (pass = 0; pass < SMP_PASSES; pass++) {
		for (i = 0; i < n; i++) {
			pg = w->first + (w->skew + i) % n;
			((volatile __u64 *)(w->p + pg * page_size()))[w->word] =
				smp_value(w->word, w->round, pass, pg);
		}
	}
	return NULL;
}

/*
 * Two threads of one process, one per CPU, write-fault the same pages at
 * the same moment (their ranges overlap on half the region and both start
 * there).  Each writes its own word of every page, so a fault that lost a
 * race and mapped a frame the other thread never saw would lose writes.
 */
TEST_F_TIMEOUT(region, two_cpus_fault_same_pages, 120)
{
	const size_t page = self->page, len = SMP_PAGES * page;
	int cpus = aemt_nr_cpus();
	pthread_barrier_t start;
	struct smp_writer w[2];
	unsigned char *p, *want;
	unsigned int round, t;
	size_t pg;
	__u32 crc;
	int rfd;

	want = malloc(len);
	ASSERT_NE(NULL, want);
	for (round = 0; round < SMP_ROUNDS; round++) {
		p = region_mapped(self->fd, AEM_PRIVATE, SMP_PAGES, &rfd);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		for (t = 0; t < 2; t++) {
			w[t] = (struct smp_writer) {
				.start = &start, .p = p, .word = t,
				.cpu = cpus >= 2 ? (int)t : -1,
				.round = round,
			};
		}
		/* A: [0, 3/4), from 1/4 on; B: [1/4, 1), from 1/4 on. */
		w[0].first = 0;
		w[0].last = SMP_PAGES * 3 / 4;
		w[0].skew = SMP_PAGES / 4;
		w[1].first = SMP_PAGES / 4;
		w[1].last = SMP_PAGES;
		w[1].skew = 0;
		for (t = 0; t < 2; t++)
			ASSERT_EQ(0, pthread_create(&w[t].tid, NULL,
						    smp_write, &w[t]));
		for (t = 0; t < 2; t++) {
			pthread_join(w[t].tid, NULL);
			ASSERT_EQ(0, w[t].err);
		}
		pthread_barrier_destroy(&start);

		memset(want, 0, len);
		for (t = 0; t < 2; t++)
			for (pg = w[t].first; pg < w[t].last; pg++)
				((__u64 *)(want + pg * page))[t] =
					smp_value(t, round, SMP_PASSES - 1, pg);
		ASSERT_EQ(SMP_PAGES, resident(rfd)) TH_LOG("round %u", round);
		for (pg = 0; pg < SMP_PAGES; pg++)
			ASSERT_EQ(0, memcmp(p + pg * page, want + pg * page,
					    page))
				TH_LOG("round %u page %zu: %#llx %#llx", round,
				       pg, *(unsigned long long *)(p + pg * page),
				       ((unsigned long long *)(p + pg * page))[1]);
		ASSERT_EQ(0, aemt_region_checksum(rfd, 0, len, &crc));
		ASSERT_EQ(aemt_crc32(want, len), crc);
		munmap(p, len);
		close(rfd);
	}
	free(want);
}

TEST_HARNESS_MAIN
