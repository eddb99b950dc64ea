// SPDX-License-Identifier: GPL-2.0
/*
 * region_bench.c - aetherctl region bench
 *
 * First-touch write faults: N pages of a fresh PRIVATE region against N
 * pages of fresh anonymous memory (mmap MAP_PRIVATE|MAP_ANONYMOUS), in
 * alternating rounds in the same boot, each round one mapping made,
 * written one byte a page, and unmapped.  Besides each side's mean over
 * every page, its best: the fewest ns per page of any 64 pages in a row
 * over all rounds, which a host's preemption of the vCPU cannot raise.  Both sides zero each new page
 * (Linux's anonymous faults always do; the region's frames are zeroed by
 * the pool), so the ratio compares fault paths.  A page fault can only be
 * timed from userspace: this is the one benchmark of the suite that is
 * not in the kernel.  Under software emulation only ratios mean anything.
 *
 * --huge: a HUGE region against anonymous memory with MADV_HUGEPAGE, both
 * 2 MiB aligned, so the first write of each 2 MiB maps it with one PMD on
 * both sides (a 2 MiB block zeroed); the report says whether each side
 * really got PMDs (REGION_QUERY, /proc/self/smaps AnonHugePages).
 *
 * --refault: re-faults of resident pages.  A SHARED region (a PRIVATE
 * one's frames go with the process's last mapping) of N pages is written
 * once; then each round maps it again (mmap), reads one byte a page and
 * unmaps it, so every fault finds its frame resident.  The other side is
 * what Linux has for resident pages that are not mapped: a memfd (shmem)
 * of N pages written once, mapped, read and unmapped the same way, whose
 * read faults map resident neighbours in one go (filemap_map_pages).
 * The report adds the region's faults per page read (REGION_INFO), which
 * fault-around (->map_pages) brings below 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mm.h"

#define RB_PAGES	4096
#define RB_ROUNDS	6
#define RB_HUGE		(2UL << 20)

static __u64 rb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define RB_BATCH	64

/*
 * Write one byte of each of @pages pages of @p; the ns it took.  With
 * @best, also the fewest ns per page of any RB_BATCH pages in a row, kept
 * across calls in *@best (0: none yet): a vCPU the host preempts only
 * adds time, so the fastest batch is the fault path the host left alone.
 */
static __u64 rb_touch(volatile char *p, long pages, long page, __u64 *best)
{
	__u64 t0 = rb_now(), tb = t0, now, per;
	long i;

	for (i = 0; i < pages; i++) {
		p[i * page] = 1;
		if (!best || i % RB_BATCH != RB_BATCH - 1)
			continue;
		now = rb_now();
		per = (now - tb) / RB_BATCH;
		if (!*best || per < *best)
			*best = per;
		tb = now;
	}
	return rb_now() - t0;
}

/* kB of AnonHugePages in /proc/self/smaps_rollup, or -1. */
static long rb_anon_huge_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * One round of the region side: ns for the faults, 0 on an error.
 * @huge_seen: set when the first page was mapped by a PMD.
 */
static __u64 rb_region_round(int fd, long pages, long page, bool huge,
			     bool *huge_seen, __u64 *best)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_CLOEXEC |
			 (huge ? AETHER_MM_REGION_HUGE : 0),
		.length = (__u64)pages * page,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};
	struct aether_mm_region_query q = { .size = sizeof(q) };
	struct aether_mm_region_info ri = { .size = sizeof(ri) };
	__u64 ns;
	void *p;

	if (ioctl(fd, AETHER_MM_IOC_REGION_CREATE, &c)) {
		actl_errno(errno, "REGION_CREATE");
		return 0;
	}
	p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c.fd, 0);
	if (p == MAP_FAILED) {
		actl_errno(errno, "mmap of a region");
		close(c.fd);
		return 0;
	}
	ns = rb_touch(p, pages, page, best);
	if (ioctl(c.fd, AETHER_MM_IOC_REGION_INFO, &ri) ||
	    ri.resident != (__u64)pages) {
		actl_err("region holds %llu frames after %ld writes",
			 (unsigned long long)ri.resident, pages);
		ns = 0;
	}
	q.addr = (uintptr_t)p;
	if (!ioctl(c.fd, AETHER_MM_IOC_REGION_QUERY, &q) &&
	    (q.map & AETHER_MM_MAP_HUGE))
		*huge_seen = true;
	munmap(p, pages * page);
	close(c.fd);
	return ns;
}

/* Read one byte of each of @pages pages of @p; the ns it took. */
static __u64 rb_read(volatile char *p, long pages, long page)
{
	__u64 t0 = rb_now();
	long i;

	for (i = 0; i < pages; i++)
		(void)p[i * page];
	return rb_now() - t0;
}

/* A mapping of @fd written to make every page resident, then unmapped. */
static int rb_populate(int fd, long pages, long page)
{
	void *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	if (p == MAP_FAILED)
		return -1;
	rb_touch(p, pages, page, NULL);
	munmap(p, pages * page);
	return 0;
}

/* One re-fault round of @fd: map, read each page, unmap; 0 on an error. */
static __u64 rb_refault_round(int fd, long pages, long page)
{
	void *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	__u64 ns;

	if (p == MAP_FAILED) {
		actl_errno(errno, "mmap for a re-fault");
		return 0;
	}
	ns = rb_read(p, pages, page);
	munmap(p, pages * page);
	return ns ? ns : 1;
}

/* --refault: region against memfd, resident pages mapped again. */
static int rb_refault(int fd, long pages, long page, unsigned int rounds)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_SHARED | AETHER_MM_REGION_CLOEXEC,
		.length = (__u64)pages * page,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};
	struct aether_mm_region_info ri = { .size = sizeof(ri) };
	__u64 region_ns = 0, memfd_ns = 0, ns, faults0;
	struct actl_out *t;
	unsigned int r;
	int mfd, ret = -1;

	if (ioctl(fd, AETHER_MM_IOC_REGION_CREATE, &c)) {
		actl_errno(errno, "REGION_CREATE");
		return -1;
	}
	mfd = memfd_create("aetherctl-refault", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, pages * page)) {
		actl_errno(errno, "memfd");
		goto out;
	}
	if (rb_populate(c.fd, pages, page) || rb_populate(mfd, pages, page)) {
		actl_errno(errno, "mmap to populate");
		goto out;
	}
	if (ioctl(c.fd, AETHER_MM_IOC_REGION_INFO, &ri) ||
	    ri.resident != (__u64)pages) {
		actl_err("region holds %llu frames after %ld writes",
			 (unsigned long long)ri.resident, pages);
		goto out;
	}
	faults0 = ri.faults;
	for (r = 0; r < rounds; r++) {
		if (r & 1) {
			ns = rb_refault_round(mfd, pages, page);
			if (!ns)
				goto out;
			memfd_ns += ns;
		}
		ns = rb_refault_round(c.fd, pages, page);
		if (!ns)
			goto out;
		region_ns += ns;
		if (!(r & 1)) {
			ns = rb_refault_round(mfd, pages, page);
			if (!ns)
				goto out;
			memfd_ns += ns;
		}
	}
	if (ioctl(c.fd, AETHER_MM_IOC_REGION_INFO, &ri)) {
		actl_errno(errno, "REGION_INFO");
		goto out;
	}
	t = out_table("region_bench",
		      "Re-faults of resident pages (read): region vs memfd");
	out_col(t, "mode", "mode");
	out_col(t, "pages", "pages");
	out_col(t, "rounds", "rounds");
	out_col(t, "region_ns", "region (ns/page)");
	out_col(t, "memfd_ns", "memfd (ns/page)");
	out_col(t, "ratio", "ratio");
	out_col(t, "region_faults", "region faults/page");
	out_row(t);
	out_str(t, "refault");
	out_u64(t, pages);
	out_u64(t, rounds);
	out_x1000(t, region_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, memfd_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, region_ns * 1000 / memfd_ns);
	out_x1000(t, (ri.faults - faults0) * 1000 / ((__u64)pages * rounds));
	out_flush(t);
	ret = 0;
out:
	if (mfd >= 0)
		close(mfd);
	close(c.fd);
	return ret;
}

/* The anonymous side; @huge_seen: THP backed some of it. */
static __u64 rb_anon_round(long pages, long page, bool huge,
			   bool *huge_seen, __u64 *best)
{
	size_t len = pages * page, extra = huge ? RB_HUGE : 0;
	char *map, *p;
	__u64 ns;

	map = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		actl_errno(errno, "anonymous mmap");
		return 0;
	}
	/* 2 MiB aligned for THP; 4 KiB faults only otherwise. */
	p = huge ? (char *)(((uintptr_t)map + RB_HUGE - 1) & ~(RB_HUGE - 1)) :
		   map;
	madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	ns = rb_touch(p, pages, page, best);
	if (huge && rb_anon_huge_kb() > 0)
		*huge_seen = true;
	munmap(map, len + extra);
	return ns;
}

int region_cmd_bench(const struct actl_ctx *ctx, int fd, int argc,
		     char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "huge", no_argument, NULL, 'H' },
		{ "refault", no_argument, NULL, 'R' },
		{ }
	};
	bool huge = false, refault = false, region_huge = false, anon_huge = false;
	long page = sysconf(_SC_PAGESIZE), pages = RB_PAGES, v;
	unsigned int rounds = RB_ROUNDS, r;
	__u64 region_ns = 0, anon_ns = 0, region_best = 0, anon_best = 0, ns;
	struct actl_out *t;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "p:r:HR", opts, NULL)) != -1) {
		if (c == 'H' || c == 'R') {
			*(c == 'H' ? &huge : &refault) = true;
			continue;
		}
		v = c == '?' ? -1 : strtol(optarg, NULL, 0);
		if (c == 'p' && v >= 1 && v <= (1L << 20))
			pages = v;
		else if (c == 'r' && v >= 1 && v <= 1000)
			rounds = v;
		else
			return MM_USAGE;
	}
	if (optind != argc || (huge && refault))
		return MM_USAGE;
	if (refault) {
		fprintf(stderr, "aetherctl: region bench --refault, %u rounds x %ld pages ...\n",
			rounds, pages);
		return rb_refault(fd, pages, page, rounds);
	}
	if (huge && (pages * page) % RB_HUGE) {
		actl_err("--huge: --pages must make whole 2 MiB ranges (%ld pages each)",
			 (long)(RB_HUGE / page));
		return MM_USAGE;
	}
	fprintf(stderr, "aetherctl: region bench%s, %u rounds x %ld pages ...\n",
		huge ? " --huge" : "", rounds, pages);
	for (r = 0; r < rounds; r++) {
		/* Alternate which side goes first, so neither always
		 * finds the caches warm. */
		if (r & 1) {
			ns = rb_anon_round(pages, page, huge, &anon_huge,
					   &anon_best);
			if (!ns)
				return -1;
			anon_ns += ns;
		}
		ns = rb_region_round(fd, pages, page, huge, &region_huge,
				     &region_best);
		if (!ns)
			return -1;
		region_ns += ns;
		if (!(r & 1)) {
			ns = rb_anon_round(pages, page, huge, &anon_huge,
					   &anon_best);
			if (!ns)
				return -1;
			anon_ns += ns;
		}
	}
	t = out_table("region_bench", huge ?
		      "First-touch write faults, 2 MiB: HUGE region vs THP" :
		      "First-touch write faults: region vs anonymous memory");
	out_col(t, "mode", "mode");
	out_col(t, "pages", "pages");
	out_col(t, "rounds", "rounds");
	out_col(t, "region_ns", "region (ns/page)");
	out_col(t, "anon_ns", "anonymous (ns/page)");
	out_col(t, "ratio", "ratio");
	out_col(t, "region_pmd", "region PMDs");
	out_col(t, "anon_thp", "anon THP");
	if (!huge) {
		out_col(t, "region_best_ns", "region best (ns/page)");
		out_col(t, "anon_best_ns", "anonymous best (ns/page)");
		out_col(t, "best_ratio", "best ratio");
	}
	out_row(t);
	out_str(t, huge ? "huge" : "4k");
	out_u64(t, pages);
	out_u64(t, rounds);
	out_x1000(t, region_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, anon_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, region_ns * 1000 / anon_ns);
	out_str(t, region_huge ? "yes" : "no");
	out_str(t, anon_huge ? "yes" : "no");
	if (!huge) {
		out_u64(t, region_best);
		out_u64(t, anon_best);
		out_x1000(t, anon_best ? region_best * 1000 / anon_best : 0);
	}
	out_flush(t);
	return 0;
}
