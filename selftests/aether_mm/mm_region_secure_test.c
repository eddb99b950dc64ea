// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_secure_test.c - regions: AETHER_MM_REGION_SECURE
 *
 * Fixture "secure": a SECURE region is zero on first touch, never merged,
 * never stored by reclaim, never moved by NUMA balancing; REGION_MIGRATE
 * copies and the old frame is wiped; frames freed at close and copies
 * freed with a fork child read zero (debugfs secure_peek); fork children
 * do not keep the mappings unless SECURE_FORK; /proc/self/mem cannot read
 * them; RLIMIT_MEMLOCK bounds them and the charge goes at close; the
 * hibernation veto shows in debugfs secure; flag errnos.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"

AEMT_REGION_FIXTURE(secure)

#define AEM_SECURE		AETHER_MM_REGION_SECURE
#define SECURE_DEBUGFS		AEMT_DEBUGFS "/secure"
#define PEEK_DEBUGFS		AEMT_DEBUGFS "/secure_peek"
#define RECLAIM_DEBUGFS		AEMT_DEBUGFS "/reclaim"
#define LOOPBACK_DEBUGFS	AEMT_DEBUGFS "/store_loopback"
#define NUMA_DEBUGFS		AEMT_DEBUGFS "/numa"

static long secure_counter(const char *key)
{
	return debugfs_counter(SECURE_DEBUGFS, key);
}

/* A SHARED SECURE region (@flags added) of @pages, mapped read-write. */
static unsigned char *secure_region(int fd, __u32 flags, size_t pages,
				    struct aether_mm_region_create *c)
{
	unsigned char *p;

	aemt_region_args(c, AEM_SHARED | AEM_SECURE | flags,
			 pages * page_size());
	if (aemt_region_create(fd, c))
		return NULL;
	p = aemt_region_map(c->fd, pages * page_size(), PROT_RW);
	if (p == MAP_FAILED) {
		close(c->fd);
		return NULL;
	}
	return p;
}

/* The pfn behind @addr (CAP_SYS_ADMIN), 0 without a frame. */
static __u64 pfn_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? 0 : q.pfn;
}

/*
 * debugfs secure_peek of @pfn: 1 when its bytes are all zero, 0 when
 * not, -errno on error; *@owner gets the frame's owner (0: free).
 */
static int peek(__u64 pfn, unsigned int *owner)
{
	char buf[96];
	unsigned long got;
	int zero, fd, n;

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pfn);
	n = aemt_write_file(PEEK_DEBUGFS, buf);
	if (n)
		return n;
	fd = open(PEEK_DEBUGFS, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	if (sscanf(buf, "pfn %lu owner %u zero %d", &got, owner, &zero) != 3 ||
	    got != pfn)
		return -EIO;
	return zero;
}

/*
 * Of the frames @pfns, those free now (owner none): how many, and how
 * many of them hold a non-zero byte (*@dirty).  A frame taken again by
 * another allocation since is not counted.
 */
static int peek_freed(const __u64 *pfns, size_t n, size_t *dirty)
{
	unsigned int owner;
	size_t i, nfree = 0;
	int z;

	*dirty = 0;
	for (i = 0; i < n; i++) {
		z = peek(pfns[i], &owner);
		if (z < 0)
			return z;
		if (owner)
			continue;
		nfree++;
		if (!z)
			(*dirty)++;
	}
	return nfree;
}

static void skip_without_peek(struct __test_metadata *_metadata)
{
	if (access(PEEK_DEBUGFS, W_OK))
		SKIP(return, "no %s", PEEK_DEBUGFS);
}

/* ---- first use ------------------------------------------------------------ */

/* Reads see zeroes, and a page's first write finds the rest of it zero. */
TEST_F(secure, zero_on_first_touch)
{
	const size_t pages = 32, page = self->page;
	struct aether_mm_region_create c;
	unsigned char *p;
	size_t i, j;

	p = secure_region(self->fd, 0, pages, &c);
	ASSERT_NE(NULL, p);
	for (i = 0; i < pages; i += 2)
		for (j = 0; j < page; j++)
			ASSERT_EQ(0, p[i * page + j]);
	for (i = 0; i < pages; i++) {
		p[i * page] = 0x5a;
		for (j = 1; j < page; j++)
			ASSERT_EQ(0, p[i * page + j]) TH_LOG("page %zu", i);
	}
	ASSERT_EQ(pages, resident(c.fd));
	munmap(p, pages * page);
	close(c.fd);
}

/* ---- wiped when freed ------------------------------------------------------ */

/*
 * Frames written with a pattern peek non-zero while the region lives;
 * after close, every one still free peeks zero, and the wipes counter
 * moved by each frame.
 */
TEST_F(secure, freed_frames_peek_zero_after_close)
{
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_create c;
	__u64 pfns[16];
	unsigned int owner;
	size_t i, dirty;
	long wipes0;
	unsigned char *p;
	int nfree;

	skip_without_peek(_metadata);
	p = secure_region(self->fd, 0, pages, &c);
	ASSERT_NE(NULL, p);
	memset(p, 0xa5, pages * page);
	for (i = 0; i < pages; i++) {
		pfns[i] = pfn_of(c.fd, p + i * page);
		ASSERT_NE(0, pfns[i]);
		ASSERT_EQ(0, peek(pfns[i], &owner));	/* the pattern */
		ASSERT_NE(0, owner);
	}
	wipes0 = secure_counter("wipes");
	ASSERT_LE(0, wipes0);
	munmap(p, pages * page);
	close(c.fd);
	ASSERT_LE(wipes0 + (long)pages, secure_counter("wipes"));
	nfree = peek_freed(pfns, pages, &dirty);
	ASSERT_LE(0, nfree);
	TH_LOG("%d of %zu frames still free", nfree, pages);
	ASSERT_LT(0, nfree);
	ASSERT_EQ(0, dirty);
}

/*
 * A PRIVATE SECURE_FORK region: a child's writes copy the frames into
 * its own image; those copies are freed as the child exits, wiped.
 */
TEST_F(secure, cow_copies_freed_with_child_peek_zero)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_create c;
	__u64 *pfns;
	size_t dirty;
	int status, nfree;
	unsigned char *p;
	pid_t pid;

	skip_without_peek(_metadata);
	pfns = mmap(NULL, pages * sizeof(*pfns), PROT_RW,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pfns);
	aemt_region_args(&c, AEM_PRIVATE | AEM_SECURE |
			 AETHER_MM_REGION_SECURE_FORK, pages * page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, pages * page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x11, pages * page);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t i;

		memset(p, 0x77, pages * page);	/* copies of its own */
		for (i = 0; i < pages; i++) {
			pfns[i] = pfn_of(c.fd, p + i * page);
			if (!pfns[i])
				_exit(1);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(exited_ok(status));
	/* The parent's image is its own still. */
	ASSERT_EQ(0x11, p[0]);
	ASSERT_EQ(0x11, p[pages * page - 1]);
	nfree = peek_freed(pfns, pages, &dirty);
	ASSERT_LT(0, nfree);
	ASSERT_EQ(0, dirty);
	munmap(p, pages * page);
	close(c.fd);
	munmap(pfns, pages * sizeof(*pfns));
}

/* ---- never merged, stored or balanced -------------------------------------- */

/*
 * SECURE with MERGEABLE: MERGEABLE is ignored.  REGION_DEDUPE refuses the
 * region, and two regions of equal pages keep their own frames.
 */
TEST_F(secure, mergeable_is_ignored)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_dedupe d = { .size = sizeof(d) };
	struct aether_mm_region_create c1, c2;
	struct aether_mm_region_query q1, q2;
	unsigned char *p1, *p2;
	size_t i;

	p1 = secure_region(self->fd, AETHER_MM_REGION_MERGEABLE, pages, &c1);
	ASSERT_NE(NULL, p1);
	p2 = secure_region(self->fd, AETHER_MM_REGION_MERGEABLE, pages, &c2);
	ASSERT_NE(NULL, p2);
	memset(p1, 0x3c, pages * page);
	memset(p2, 0x3c, pages * page);
	d.length = pages * page;
	ASSERT_EQ(-1, ioctl(c1.fd, AETHER_MM_IOC_REGION_DEDUPE, &d));
	ASSERT_EQ(EINVAL, errno);
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, aemt_region_query(c1.fd, p1 + i * page, &q1));
		ASSERT_EQ(0, aemt_region_query(c2.fd, p2 + i * page, &q2));
		ASSERT_NE(q1.frame_id, q2.frame_id);
	}
	ASSERT_EQ(pages, resident(c1.fd));
	ASSERT_EQ(pages, resident(c2.fd));
	munmap(p1, pages * page);
	munmap(p2, pages * page);
	close(c1.fd);
	close(c2.fd);
}

/*
 * SECURE with COMPRESSIBLE, cold, under a reclaim that asks for far more
 * than it holds: nothing leaves, the content is intact, and
 * secure_skipped counts the cold pages passed over.  A plain
 * COMPRESSIBLE region beside it is stored (the reclaim did run).
 */
TEST_F_TIMEOUT(secure, reclaim_never_stores_it, 240)
{
	const size_t pages = 32, page = self->page;
	struct aether_mm_region_create c, d;
	unsigned char *p, *q, *want, *want2;
	long skipped0;
	char buf[16];

	if (aemt_write_file(LOOPBACK_DEBUGFS, "1"))
		SKIP(return, "no %s", LOOPBACK_DEBUGFS);
	aemt_region_args(&c, AEM_SHARED | AEM_SECURE |
			 AETHER_MM_REGION_COMPRESSIBLE, pages * page);
	p = region_written(self->fd, &c, 0x5ec + getpid(), &want);
	ASSERT_NE(NULL, p);
	aemt_region_args(&d, AEM_SHARED | AETHER_MM_REGION_COMPRESSIBLE,
			 pages * page);
	q = region_written(self->fd, &d, 0x5ed + getpid(), &want2);
	ASSERT_NE(NULL, q);
	skipped0 = secure_counter("secure_skipped");
	ASSERT_LE(0, skipped0);
	/* Both idle for a few scans: cold enough to store. */
	ASSERT_EQ(0, scan_times(c.id, 3));
	ASSERT_EQ(0, scan_times(d.id, 3));
	snprintf(buf, sizeof(buf), "%zu", 64 * pages);
	ASSERT_EQ(0, aemt_write_file(RECLAIM_DEBUGFS, buf));
	TH_LOG("stored %ld, failed %ld", debugfs_counter(RECLAIM_DEBUGFS,
						  "stored"),
	       debugfs_counter(RECLAIM_DEBUGFS, "failed"));
	ASSERT_EQ(pages, resident(c.fd));
	ASSERT_LT(resident(d.fd), pages);
	ASSERT_LT(skipped0, secure_counter("secure_skipped"));
	/* The store goes: what it held comes back first. */
	ASSERT_EQ(0, aemt_write_file(LOOPBACK_DEBUGFS, "0"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	ASSERT_EQ(0, memcmp(q, want2, pages * page));
	free(want);
	free(want2);
	munmap(p, pages * page);
	munmap(q, pages * page);
	close(c.fd);
	close(d.fd);
}

static bool cpus_of_two_nodes(const struct aether_mm_pool_info *pi,
			      int cpus[AETHER_MM_MAX_NODES])
{
	aemt_cpus_of_nodes(cpus);
	return pi->nr_nodes >= 2 && cpus[0] >= 0 && cpus[1] >= 0;
}

static size_t pages_on(int rfd, unsigned char *p, size_t pages, size_t page,
		       int node)
{
	struct aether_mm_region_query q;
	size_t i, n = 0;

	for (i = 0; i < pages; i++)
		if (!aemt_region_query(rfd, p + i * page, &q) && q.node == node)
			n++;
	return n;
}

/*
 * A LOCAL SECURE region written from node 0, then used from node 1 with
 * NUMA balancing on: no hinting unmap, no move.
 */
TEST_F_TIMEOUT(secure, numa_balancing_never_moves_it, 180)
{
	const size_t pages = 16, page = self->page;
	int cpus[AETHER_MM_MAX_NODES], i;
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	long unmapped0;
	size_t k, sum = 0;

	if (!cpus_of_two_nodes(&self->pi, cpus))
		SKIP(return, "needs CPUs on two nodes");
	ASSERT_EQ(0, aemt_pin_cpu(cpus[0]));
	aemt_region_args(&c, AEM_SHARED | AEM_SECURE, pages * page);
	c.pol_mode = AETHER_MM_POL_LOCAL;
	p = region_written(self->fd, &c, 0xa11ce + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(pages, pages_on(c.fd, p, pages, page, 0));
	ASSERT_EQ(0, aemt_pin_cpu(cpus[1]));
	unmapped0 = debugfs_counter(NUMA_DEBUGFS, "unmapped");
	ASSERT_EQ(0, param_write("numa_scan_pages", "4096"));
	ASSERT_EQ(0, param_write("access_interval_ms", "50"));
	for (i = 0; i < 200; i++) {
		for (k = 0; k < pages; k++)
			sum += p[k * page];
		usleep(5000);
	}
	ASSERT_EQ(0, param_write("numa_scan_pages", "0"));
	ASSERT_EQ(0, param_write("access_interval_ms", "1000"));
	TH_LOG("checksum %zu", sum);
	ASSERT_EQ(pages, pages_on(c.fd, p, pages, page, 0));
	ASSERT_EQ(unmapped0, debugfs_counter(NUMA_DEBUGFS, "unmapped"));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	free(want);
	munmap(p, pages * page);
	close(c.fd);
}

/*
 * REGION_MIGRATE on request moves a SECURE region's frames by a copy;
 * the old frames, back in the pool, peek zero.
 */
TEST_F(secure, migrate_copies_and_wipes_old_frames)
{
	const size_t pages = 16, page = self->page;
	struct aether_mm_region_migrate m = { .size = sizeof(m) };
	struct aether_mm_region_create c;
	unsigned char *p, *want;
	__u64 pfns[16];
	size_t i, dirty;
	int nfree;

	skip_without_peek(_metadata);
	if (self->pi.nr_nodes < 2)
		SKIP(return, "one node: nowhere to migrate to");
	aemt_region_args(&c, AEM_SHARED | AEM_SECURE, pages * page);
	c.pol_mode = AETHER_MM_POL_PREFERRED;
	c.nodemask = 1;
	p = region_written(self->fd, &c, 0x316 + getpid(), &want);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(pages, pages_on(c.fd, p, pages, page, 0));
	for (i = 0; i < pages; i++) {
		pfns[i] = pfn_of(c.fd, p + i * page);
		ASSERT_NE(0, pfns[i]);
	}
	m.node = 1;
	m.length = pages * page;
	ASSERT_EQ(0, ioctl(c.fd, AETHER_MM_IOC_REGION_MIGRATE, &m));
	ASSERT_EQ(pages, m.migrated);
	ASSERT_EQ(pages, pages_on(c.fd, p, pages, page, 1));
	ASSERT_EQ(0, memcmp(p, want, pages * page));
	nfree = peek_freed(pfns, pages, &dirty);
	TH_LOG("%d of %zu old frames still free", nfree, pages);
	ASSERT_LT(0, nfree);
	ASSERT_EQ(0, dirty);
	free(want);
	munmap(p, pages * page);
	close(c.fd);
}

/* ---- fork, /proc/<pid>/mem ------------------------------------------------ */

AEMT_REGION_FIXTURE(secure_fork)

FIXTURE_VARIANT(secure_fork)
{
	__u32 flags;
	bool child_maps;
};

FIXTURE_VARIANT_ADD(secure_fork, plain)
{
	.flags = 0,
	.child_maps = false,
};

FIXTURE_VARIANT_ADD(secure_fork, secure_fork)
{
	.flags = AETHER_MM_REGION_SECURE_FORK,
	.child_maps = true,
};

/*
 * A fork child does not have the mapping (SIGSEGV on a read) unless the
 * region is SECURE_FORK (it reads the parent's bytes); MADV_DOFORK cannot
 * undo it.
 */
TEST_F(secure_fork, child_has_mapping_only_with_secure_fork)
{
	const size_t pages = 4, page = self->page;
	struct aether_mm_region_create c;
	unsigned char *p;
	int status;

	p = secure_region(self->fd, variant->flags, pages, &c);
	ASSERT_NE(NULL, p);
	memset(p, 0x42, pages * page);
	ASSERT_EQ(-1, madvise(p, pages * page, MADV_DOFORK));
	ASSERT_EQ(EINVAL, errno);
	status = touch_status(p, false);
	ASSERT_TRUE(variant->child_maps ? exited_ok(status) :
		    died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	munmap(p, pages * page);
	close(c.fd);
}

/* /proc/self/mem cannot read (or write) the mapping: -EIO. */
TEST_F(secure, proc_self_mem_cannot_read_it)
{
	const size_t pages = 2, page = self->page;
	struct aether_mm_region_create c;
	unsigned char *p, buf[64];
	int mfd;

	p = secure_region(self->fd, 0, pages, &c);
	ASSERT_NE(NULL, p);
	memset(p, 0x99, pages * page);
	mfd = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(-1, pread(mfd, buf, sizeof(buf), (off_t)(uintptr_t)p));
	ASSERT_EQ(EIO, errno);
	ASSERT_EQ(-1, pwrite(mfd, buf, sizeof(buf), (off_t)(uintptr_t)p));
	ASSERT_EQ(EIO, errno);
	close(mfd);
	ASSERT_EQ(0x99, p[0]);
	munmap(p, pages * page);
	close(c.fd);
}

/* ---- RLIMIT_MEMLOCK --------------------------------------------------------- */

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int word = CAP_TO_INDEX(CAP_IPC_LOCK);
	__u32 mask = CAP_TO_MASK(CAP_IPC_LOCK);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[word].effective &= ~mask;
	data[word].permitted &= ~mask;
	data[word].inheritable &= ~mask;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

#define MEMLOCK_REGION_PAGES	64
#define MEMLOCK_MAX		32

/*
 * In a child without CAP_IPC_LOCK: with RLIMIT_MEMLOCK 0 a SECURE region
 * fails with EAGAIN, a plain one does not; with a limit of N regions'
 * worth, regions are created until EAGAIN; closing them gives the charge
 * back, so as many are created again.  Exit status: the failing step.
 */
static int memlock_child(void *arg)
{
	int fd = *(int *)arg, fds[MEMLOCK_MAX], n = 0, m = 0, i, ret;
	size_t len = MEMLOCK_REGION_PAGES * page_size();
	struct aether_mm_region_create c;
	struct rlimit rl;

	if (drop_ipc_lock())
		return 10;
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return 11;
	rl.rlim_cur = 0;	/* the soft limit only: it may rise again */
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 11;
	aemt_region_args(&c, AEM_SHARED | AEM_SECURE, page_size());
	if (create_close(fd, &c) != -EAGAIN)
		return 12;
	aemt_region_args(&c, AEM_SHARED, page_size());
	if (create_close(fd, &c))
		return 13;
	/* Room for 8 regions, less what the user holds already. */
	rl.rlim_cur = 8 * len;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
		return 19;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 14;
	for (n = 0; n < MEMLOCK_MAX; n++) {
		aemt_region_args(&c, AEM_SHARED | AEM_SECURE, len);
		ret = aemt_region_create(fd, &c);
		if (ret == -EAGAIN)
			break;
		if (ret)
			return 15;
		fds[n] = c.fd;
	}
	if (n == MEMLOCK_MAX || n > 8)
		return 16;	/* the limit did not hold */
	if (n == 0)
		return 17;	/* the user holds it all already */
	for (i = 0; i < n; i++)
		close(fds[i]);
	for (m = 0; m < n; m++) {
		aemt_region_args(&c, AEM_SHARED | AEM_SECURE, len);
		if (aemt_region_create(fd, &c))
			return 18;	/* the charge stayed after close */
		fds[m] = c.fd;
	}
	for (i = 0; i < m; i++)
		close(fds[i]);
	return 0;
}

TEST_F(secure, memlock_limit_enforced_and_released_on_close)
{
	int status = aemt_run_child(memlock_child, &self->fd);

	ASSERT_TRUE(exited_ok(status))
		TH_LOG("status %#x: step %d", status, WEXITSTATUS(status));
}

/* ---- debugfs, hibernation, errnos ------------------------------------------- */

/*
 * debugfs secure counts the region and its pages while it lives, and
 * says that hibernation is vetoed (the PM notifier's answer, which the
 * in-kernel self-test aem_st_secure checks on its own).
 */
TEST_F(secure, debugfs_counts_it_and_hibernation_is_vetoed)
{
	const size_t pages = 8, page = self->page;
	struct aether_mm_region_create c;
	long count0, pages0;
	unsigned char *p;
	char buf[512];
	int fd, n;

	if (access(SECURE_DEBUGFS, R_OK))
		SKIP(return, "no %s", SECURE_DEBUGFS);
	count0 = secure_counter("count");
	pages0 = secure_counter("pages");
	p = secure_region(self->fd, 0, pages, &c);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(count0 + 1, secure_counter("count"));
	ASSERT_EQ(pages0 + (long)pages, secure_counter("pages"));
	fd = open(SECURE_DEBUGFS, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, n);
	buf[n] = 0;
	ASSERT_NE(NULL, strstr(buf, "hibernation vetoed\n"));
	munmap(p, pages * page);
	close(c.fd);
	ASSERT_EQ(count0, secure_counter("count"));
	ASSERT_EQ(pages0, secure_counter("pages"));
}

/* SECURE_FORK needs SECURE; SECURE goes with every other flag. */
TEST_F(secure, flag_errnos)
{
	struct aether_mm_region_create c;

	aemt_region_args(&c, AEM_SHARED | AETHER_MM_REGION_SECURE_FORK,
			 self->page);
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_SECURE_FORK,
			 self->page);
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	aemt_region_args(&c, AEM_PRIVATE | AEM_SECURE |
			 AETHER_MM_REGION_SECURE_FORK |
			 AETHER_MM_REGION_MERGEABLE |
			 AETHER_MM_REGION_COMPRESSIBLE, self->page);
	ASSERT_EQ(0, create_close(self->fd, &c));
	aemt_region_args(&c, AEM_SHARED | AEM_SECURE | AETHER_MM_REGION_HUGE |
			 AETHER_MM_REGION_GUARD, 2 * MIB);
	c.guard_pages = 1;
	ASSERT_EQ(0, create_close(self->fd, &c));
}

TEST_HARNESS_MAIN
