// SPDX-License-Identifier: GPL-2.0
/*
 * region_bench.c - aetherctl region bench
 *
 * First-touch write faults: N pages of a fresh PRIVATE region against N
 * pages of fresh anonymous memory (mmap MAP_PRIVATE|MAP_ANONYMOUS), in
 * alternating rounds in the same boot, each round one mapping made,
 * written one byte a page, and unmapped.  Both sides zero each new page
 * (Linux's anonymous faults always do; the region's frames are zeroed by
 * the pool), so the ratio compares fault paths.  A page fault can only be
 * timed from userspace: this is the one benchmark of the suite that is
 * not in the kernel.  Under software emulation only ratios mean anything.
 *
 * --huge: a HUGE region against anonymous memory with MADV_HUGEPAGE, both
 * 2 MiB aligned, so the first write of each 2 MiB maps it with one PMD on
 * both sides (a 2 MiB block zeroed); the report says whether each side
 * really got PMDs (REGION_QUERY, /proc/self/smaps AnonHugePages).
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

/* Write one byte of each of @pages pages of @p; the ns it took. */
static __u64 rb_touch(volatile char *p, long pages, long page)
{
	__u64 t0 = rb_now();
	long i;

	for (i = 0; i < pages; i++)
		p[i * page] = 1;
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
			     bool *huge_seen)
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
	ns = rb_touch(p, pages, page);
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

/* The anonymous side; @huge_seen: THP backed some of it. */
static __u64 rb_anon_round(long pages, long page, bool huge,
			   bool *huge_seen)
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
	ns = rb_touch(p, pages, page);
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
		{ }
	};
	bool huge = false, region_huge = false, anon_huge = false;
	long page = sysconf(_SC_PAGESIZE), pages = RB_PAGES, v;
	unsigned int rounds = RB_ROUNDS, r;
	__u64 region_ns = 0, anon_ns = 0, ns;
	struct actl_out *t;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "p:r:H", opts, NULL)) != -1) {
		if (c == 'H') {
			huge = true;
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
	if (optind != argc)
		return MM_USAGE;
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
			ns = rb_anon_round(pages, page, huge, &anon_huge);
			if (!ns)
				return -1;
			anon_ns += ns;
		}
		ns = rb_region_round(fd, pages, page, huge, &region_huge);
		if (!ns)
			return -1;
		region_ns += ns;
		if (!(r & 1)) {
			ns = rb_anon_round(pages, page, huge, &anon_huge);
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
	out_row(t);
	out_str(t, huge ? "huge" : "4k");
	out_u64(t, pages);
	out_u64(t, rounds);
	out_x1000(t, region_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, anon_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, region_ns * 1000 / anon_ns);
	out_str(t, region_huge ? "yes" : "no");
	out_str(t, anon_huge ? "yes" : "no");
	out_flush(t);
	return 0;
}
