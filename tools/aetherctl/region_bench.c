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
 */
#define _GNU_SOURCE
#include <errno.h>
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

/* One round of the region side: ns for the faults, 0 on an error. */
static __u64 rb_region_round(int fd, long pages, long page)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_PRIVATE | AETHER_MM_REGION_CLOEXEC,
		.length = (__u64)pages * page,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};
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
	munmap(p, pages * page);
	close(c.fd);
	return ns;
}

static __u64 rb_anon_round(long pages, long page)
{
	__u64 ns;
	void *p;

	p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		actl_errno(errno, "anonymous mmap");
		return 0;
	}
	/* 4 KiB faults on both sides: no THP on the anonymous side. */
	madvise(p, pages * page, MADV_NOHUGEPAGE);
	ns = rb_touch(p, pages, page);
	munmap(p, pages * page);
	return ns;
}

int region_cmd_bench(const struct actl_ctx *ctx, int fd, int argc,
		     char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ }
	};
	long page = sysconf(_SC_PAGESIZE), pages = RB_PAGES, v;
	unsigned int rounds = RB_ROUNDS, r;
	__u64 region_ns = 0, anon_ns = 0, ns;
	struct actl_out *t;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "p:r:", opts, NULL)) != -1) {
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
	fprintf(stderr, "aetherctl: region bench, %u rounds x %ld pages ...\n",
		rounds, pages);
	for (r = 0; r < rounds; r++) {
		/* Alternate which side goes first, so neither always
		 * finds the caches warm. */
		if (r & 1) {
			ns = rb_anon_round(pages, page);
			if (!ns)
				return -1;
			anon_ns += ns;
		}
		ns = rb_region_round(fd, pages, page);
		if (!ns)
			return -1;
		region_ns += ns;
		if (!(r & 1)) {
			ns = rb_anon_round(pages, page);
			if (!ns)
				return -1;
			anon_ns += ns;
		}
	}
	t = out_table("region_bench",
		      "First-touch write faults: region vs anonymous memory");
	out_col(t, "pages", "pages");
	out_col(t, "rounds", "rounds");
	out_col(t, "region_ns", "region (ns/page)");
	out_col(t, "anon_ns", "anonymous (ns/page)");
	out_col(t, "ratio", "ratio");
	out_row(t);
	out_u64(t, pages);
	out_u64(t, rounds);
	out_x1000(t, region_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, anon_ns * 1000 / ((__u64)pages * rounds));
	out_x1000(t, region_ns * 1000 / anon_ns);
	out_flush(t);
	return 0;
}
