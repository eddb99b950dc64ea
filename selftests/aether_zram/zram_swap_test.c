// SPDX-License-Identifier: GPL-2.0
/*
 * zram_swap_test.c - swap on a fresh device keeps every page
 *
 * The test hot_adds a device (aether_zram, or the kernel's zram with
 * AETHER_ZRAM_KIND=zram: zram_blk.h), makes it swap (mkswap, swapon(2)),
 * and makes a memory cgroup whose memory.max (8 MiB) is a quarter of a
 * child's working set (32 MiB of anonymous memory, 8192 pages; twice that
 * proved nothing more and took four minutes on the debug kernel, where
 * both are halved now: 4096 pages; the variants took 42 and 58 s there at
 * full size).  The
 * child fills every page with a page of a real program (busybox) stamped
 * with the page's index and the pass, keeps each page's checksum, and
 * then, pass after pass, checks every page against its checksum and
 * rewrites it for the next pass: with three quarters of the set out of
 * memory at any time, every pass swaps most pages out and back in.
 * Between passes the parent reads the device: mm_stat must show half the
 * set or more stored and compressed, and the cgroup's memory.swap.current
 * the same.  After the child, swapoff must succeed and leave nothing on
 * the device but mkswap's header page (every other slot freed through
 * swap's slot-free notification or swapoff), with no failed I/O in
 * io_stat.
 *
 * Needs root, mkswap (busybox), and cgroup v2 with the memory controller
 * at /sys/fs/cgroup (the box mounts it: scripts/box/init).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "zram_blk.h"

#define CGROOT		"/sys/fs/cgroup"
#define DISKSIZE	"192M"
#define WORKING_SET	(32UL << 20)	/* four times memory.max */
#define PASSES		3
#define PAGE		4096UL
#define SOURCE		"/bin/busybox"	/* what the pages are made of */

FIXTURE(zswap)
{
	struct zblk z;
	char dev[64];
	char cg[96];
	bool swapped_on;
};

FIXTURE_VARIANT(zswap)
{
	const char *algo;
};

FIXTURE_VARIANT_ADD(zswap, lz4)
{
	.algo = "lz4",
};

FIXTURE_VARIANT_ADD(zswap, zstd)
{
	.algo = "zstd",
};

/* The child's working set: halved on the debug kernel. */
static unsigned long working_set(void)
{
	return aet_debug_kernel() ? WORKING_SET / 2 : WORKING_SET;
}

static bool memcg_present(void)
{
	char buf[256];

	return !zblk_read(CGROOT "/cgroup.controllers", buf, sizeof(buf)) &&
	       strstr(buf, "memory");
}

/* A cgroup of its own with memory.max: 0 or -errno. */
static int cgroup_make(const char *cg)
{
	char path[160], val[32];
	int ret;

	ret = zblk_write(CGROOT "/cgroup.subtree_control", "+memory");
	if (ret)
		return ret;
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	snprintf(val, sizeof(val), "%lu", working_set() / 4);
	return zblk_write(path, val);
}

static uint64_t cgroup_u64(const char *cg, const char *file)
{
	char path[160], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (zblk_read(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

FIXTURE_SETUP(zswap)
{
	const char *kind = zblk_kind();
	char *mkswap[] = { "mkswap", self->dev, NULL };

	self->z.id = -1;
	self->swapped_on = false;
	self->cg[0] = '\0';
	if (geteuid())
		SKIP(return, "needs root");
	if (!zblk_kind_present(kind))
		SKIP(return, "no %s devices (module not loaded)", kind);
	if (!memcg_present())
		SKIP(return, "no cgroup v2 memory controller at " CGROOT);
	if (!zblk_have_program("mkswap"))
		SKIP(return, "no mkswap");
	ASSERT_EQ(0, zblk_add(kind, &self->z));
	ASSERT_EQ(0, zblk_setup(&self->z, variant->algo, DISKSIZE));
	zblk_dev_path(&self->z, self->dev, sizeof(self->dev));
	ASSERT_EQ(0, zblk_run(NULL, mkswap));
	ASSERT_EQ(0, swapon(self->dev, 0));
	self->swapped_on = true;
	snprintf(self->cg, sizeof(self->cg), CGROOT "/zram_swap_%d", getpid());
	ASSERT_EQ(0, cgroup_make(self->cg));
}

FIXTURE_TEARDOWN(zswap)
{
	if (self->cg[0] && rmdir(self->cg) && errno != ENOENT)
		TH_LOG("rmdir %s: %s", self->cg, strerror(errno));
	if (self->swapped_on && swapoff(self->dev))
		TH_LOG("swapoff %s: %s", self->dev, strerror(errno));
	if (self->z.id >= 0 && (zblk_reset(&self->z) || zblk_remove(&self->z)))
		TH_LOG("could not reset and remove %s%d", self->z.kind,
		       self->z.id);
}

/*
 * Page @i of pass @pass: a page of @src chosen by both (so that every pass
 * changes every page), stamped with both in its first 16 bytes.
 */
static void fill_page(char *page, const char *src, size_t src_pages,
		      size_t i, unsigned int pass)
{
	uint64_t stamp[2] = { i, pass };

	memcpy(page, src + ((i * 7 + pass * 13) % src_pages) * PAGE, PAGE);
	memcpy(page, stamp, sizeof(stamp));
}

/* What the child tells the parent, and the parent the child. */
static int tell(int fd)
{
	char c = 0;

	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int wait_word(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/*
 * The child: join @cg, fill the working set, then PASSES times check
 * every page and rewrite it, telling the parent after each pass.  Exits 0
 * when every page was intact, 1 + the pass that found a bad page, or 10
 * when it could not run.
 */
static void __attribute__((noreturn))
swapper(const char *cg, int to_parent, int from_parent)
{
	size_t npages = working_set() / PAGE, src_pages, i;
	char path[160], pid[16];
	unsigned int pass;
	uint64_t *sums;
	struct stat st;
	char *set, *src;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (zblk_write(path, pid))
		_exit(10);
	fd = open(SOURCE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)(64 * PAGE))
		_exit(10);
	src_pages = st.st_size / PAGE;
	src = mmap(NULL, src_pages * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	set = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sums = calloc(npages, sizeof(*sums));
	if (src == MAP_FAILED || set == MAP_FAILED || !sums)
		_exit(10);

	for (i = 0; i < npages; i++) {
		fill_page(set + i * PAGE, src, src_pages, i, 0);
		sums[i] = zblk_sum(0, set + i * PAGE, PAGE);
	}
	for (pass = 1; pass <= PASSES; pass++) {
		if (tell(to_parent) || wait_word(from_parent))
			_exit(10);
		for (i = 0; i < npages; i++) {
			char *page = set + i * PAGE;

			if (zblk_sum(0, page, PAGE) != sums[i]) {
				fprintf(stderr, "pass %u: page %zu differs\n",
					pass, i);
				_exit(1 + pass);
			}
			fill_page(page, src, src_pages, i, pass);
			sums[i] = zblk_sum(0, page, PAGE);
		}
	}
	/* The last pass's pages, once more. */
	for (i = 0; i < npages; i++)
		if (zblk_sum(0, set + i * PAGE, PAGE) != sums[i])
			_exit(1 + pass);
	_exit(0);
}

TEST_F_TIMEOUT(zswap, working_set_four_times_memory_max_swaps_intact, 540)
{
	int up[2], down[2], status;
	struct zblk_mm_stat ms;
	struct zblk_io_stat io;
	uint64_t max_orig = 0;
	unsigned int pass;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(up[0]);
		close(down[1]);
		swapper(self->cg, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);

	for (pass = 1; pass <= PASSES; pass++) {
		/* The child is between passes: its set is mostly swapped. */
		if (wait_word(up[0]))
			break;
		ASSERT_EQ(0, zblk_mm_stat(&self->z, &ms));
		TH_LOG("before pass %u: cgroup memory %lu KiB, swap %lu KiB; mm_stat orig %lu KiB compr %lu KiB used %lu KiB",
		       pass, cgroup_u64(self->cg, "memory.current") >> 10,
		       cgroup_u64(self->cg, "memory.swap.current") >> 10,
		       ms.orig_data_size >> 10, ms.compr_data_size >> 10,
		       ms.mem_used_total >> 10);
		/* At least half the set is out: four times memory.max. */
		EXPECT_LE(working_set() / 2, ms.orig_data_size);
		EXPECT_LE(working_set() / 2,
			  cgroup_u64(self->cg, "memory.swap.current"));
		EXPECT_LT(ms.compr_data_size, ms.orig_data_size);
		EXPECT_LT(0, ms.mem_used_total);
		if (ms.orig_data_size > max_orig)
			max_orig = ms.orig_data_size;
		if (tell(down[1]))
			break;
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(up[0]);
	close(down[1]);
	ASSERT_TRUE(WIFEXITED(status));
	/* 2..4: the pass that found a page changed; 10: could not run. */
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(PASSES + 1, pass);

	ASSERT_EQ(0, swapoff(self->dev));
	self->swapped_on = false;
	ASSERT_EQ(0, zblk_mm_stat(&self->z, &ms));
	ASSERT_EQ(0, zblk_io_stat(&self->z, &io));
	TH_LOG("after swapoff: orig %lu compr %lu used %lu max %lu; io_stat failed reads %lu writes %lu, notify_free %lu",
	       ms.orig_data_size, ms.compr_data_size, ms.mem_used_total,
	       ms.mem_used_max, io.failed_reads, io.failed_writes,
	       io.notify_free);
	/* Every slot but the header was freed; mem_used_max remembers. */
	ASSERT_EQ(PAGE, ms.orig_data_size);
	ASSERT_GE(PAGE, ms.compr_data_size);
	ASSERT_LT(0, ms.mem_used_max);
	ASSERT_EQ(0, io.failed_reads);
	ASSERT_EQ(0, io.failed_writes);
}

TEST_HARNESS_MAIN
