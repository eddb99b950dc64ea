// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_prot_test.c - regions: maximum protection, W^X and guard pages
 *
 * Fixture "region": max_prot, W^X within a process and across processes
 * (and its race), ALLOW_WX; guard pages around the data.
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

/* ---- protection ---------------------------------------------------- */

static int prot_region(int fd, __u32 flags, __u32 max_prot, size_t len)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, flags, len);
	c.max_prot = max_prot;
	ret = aemt_region_create(fd, &c);
	return ret ? ret : c.fd;
}

static int map_errno(int rfd, size_t len, int prot)
{
	void *p = aemt_region_map(rfd, len, prot);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

TEST_F(region, maxprot_read_refuses_write_and_exec)
{
	int rfd = prot_region(self->fd, AEM_SHARED, AETHER_MM_PROT_READ,
			      self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW));
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_READ | PROT_EXEC));
	p = aemt_region_map(rfd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_NONE));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	munmap(p, self->page);
	close(rfd);
}

TEST_F(region, wx_refused_without_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE, AETHER_MM_PROT_ALL,
			      self->page);
	unsigned char *p, *x;

	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_RW | PROT_EXEC));
	p = aemt_region_map(rfd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0xc3;
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	/* RW <-> RX is fine. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0xc3, p[0]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	p[1] = 0xc3;
	/* A second mapping of the same image: no exec while p writes. */
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page,
				     PROT_READ | PROT_EXEC));
	x = aemt_region_map(rfd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, x);
	ASSERT_EQ(-1, mprotect(x, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	munmap(x, self->page);
	/* Executable once nothing writes; then no writer may join it. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	x = aemt_region_map(rfd, self->page, PROT_READ | PROT_EXEC);
	ASSERT_NE(MAP_FAILED, x);
	ASSERT_EQ(0xc3, x[1]);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW));
	munmap(x, self->page);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	munmap(p, self->page);
	close(rfd);
}

/* Half of a writable mapping made executable leaves the other half W. */
TEST_F(region, wx_partial_mprotect_refused_without_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE, AETHER_MM_PROT_ALL,
			      2 * self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, 2 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, mprotect(p, 2 * self->page, PROT_READ | PROT_EXEC));
	munmap(p, 2 * self->page);
	close(rfd);
}

struct wx_child {
	int rfd;
	size_t len;
	int prot;
	void *inherited;	/* the parent's mapping, unmapped first */
};

/* Map @prot in another process: 0, or 100 + errno. */
static int wx_map_child(void *arg)
{
	struct wx_child *c = arg;
	int ret;

	if (munmap(c->inherited, c->len))
		return 99;
	ret = map_errno(c->rfd, c->len, c->prot);

	return ret ? 100 + (-ret & 0x7f) : 0;
}

/*
 * A one-page region of @flags that may be mapped with any protection,
 * mapped read-write here; @c is set up for wx_map_child() (prot aside).
 */
static unsigned char *wx_mapped(struct __test_metadata *_metadata, int fd,
				__u32 flags, struct wx_child *c)
{
	int rfd = prot_region(fd, flags, AETHER_MM_PROT_ALL, page_size());
	unsigned char *p;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, page_size(), PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	*c = (struct wx_child) {
		.rfd = rfd, .len = page_size(), .inherited = p,
	};
	return p;
}

/* A SHARED region is one image: W^X holds across processes. */
TEST_F(region, wx_shared_refused_across_processes)
{
	struct wx_child c;
	unsigned char *p;
	int status;

	p = wx_mapped(_metadata, self->fd, AEM_SHARED, &c);
	c.prot = PROT_READ | PROT_EXEC;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(100 + EACCES, WEXITSTATUS(status));
	c.prot = PROT_READ;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	/* And the reverse. */
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	c.prot = PROT_RW;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(100 + EACCES, WEXITSTATUS(status));
	munmap(p, self->page);
	c.prot = PROT_RW;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	close(c.rfd);
}

/* Two processes race mmap() RW and RX of one SHARED region. */
struct wx_race {
	int rfd;
	size_t len;
	volatile int held[2];	/* side i holds its mapping */
	volatile int both;	/* one side saw the other's while holding */
	volatile int maps[2];
};

#define WX_RACE_ROUNDS	300

static int wx_race_side(struct wx_race *w, int side)
{
	int prot = side ? PROT_READ | PROT_EXEC : PROT_RW, i;
	void *p;

	for (i = 0; i < WX_RACE_ROUNDS; i++) {
		p = mmap(NULL, w->len, prot, MAP_SHARED, w->rfd, 0);
		if (p == MAP_FAILED) {
			if (errno != EACCES && errno != EAGAIN)
				return 1;
			continue;
		}
		__atomic_store_n(&w->held[side], 1, __ATOMIC_SEQ_CST);
		usleep(50);	/* a window the other side can land in */
		if (__atomic_load_n(&w->held[!side], __ATOMIC_SEQ_CST))
			w->both = 1;
		w->maps[side]++;
		__atomic_store_n(&w->held[side], 0, __ATOMIC_SEQ_CST);
		munmap(p, w->len);
	}
	return 0;
}

static int wx_race_exec_side(void *arg)
{
	return wx_race_side(arg, 1);
}

/*
 * The check of one process and the mapping it then makes are one step for
 * the other: an RW and an RX mapping never exist at once, whatever the
 * timing (each side marks its mapping held only once mmap() returned, and
 * unmarks it before munmap()).
 */
TEST_F(region, wx_shared_race_never_maps_both)
{
	struct wx_race *w;
	int status, ret;

	w = mmap(NULL, sizeof(*w), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, w);
	w->len = self->page;
	w->rfd = prot_region(self->fd, AEM_SHARED, AETHER_MM_PROT_ALL,
			     self->page);
	ASSERT_LE(0, w->rfd);
	status = -1;
	if (fork() == 0)
		_exit(wx_race_exec_side(w));
	ret = wx_race_side(w, 0);
	ASSERT_LT(0, wait(&status));
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, w->both);
	ASSERT_LT(0, w->maps[0] + w->maps[1]);
	TH_LOG("RW maps %d, RX maps %d", w->maps[0], w->maps[1]);
	close(w->rfd);
	munmap(w, sizeof(*w));
}

/* PRIVATE images are per process: another one may execute its own. */
TEST_F(region, wx_private_other_process_may_exec)
{
	struct wx_child c;
	unsigned char *p;
	int status;

	p = wx_mapped(_metadata, self->fd, AEM_PRIVATE, &c);
	c.prot = PROT_READ | PROT_EXEC;
	status = aemt_run_child(wx_map_child, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	munmap(p, self->page);
	close(c.rfd);
}

TEST_F(region, wx_allowed_with_allow_wx)
{
	int rfd = prot_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_ALLOW_WX,
			      AETHER_MM_PROT_ALL, self->page);
	unsigned char *p;

	ASSERT_LE(0, rfd);
	p = aemt_region_map(rfd, self->page, PROT_RW | PROT_EXEC);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", strerror(errno));
	p[0] = 0xc3;
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW | PROT_EXEC));
	ASSERT_EQ(0xc3, p[0]);
	munmap(p, self->page);
	close(rfd);
	/* ALLOW_WX does not lift max_prot. */
	rfd = prot_region(self->fd, AEM_PRIVATE | AETHER_MM_REGION_ALLOW_WX,
			  AEM_RW, self->page);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(-EACCES, map_errno(rfd, self->page, PROT_RW | PROT_EXEC));
	close(rfd);
}

/* ---- guard pages ---------------------------------------------------- */

#define GUARD		2
#define GUARD_DATA	4
#define GUARD_TOTAL	(GUARD_DATA + 2 * GUARD)

static unsigned char *guarded(int fd, int *rfd)
{
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, AEM_PRIVATE | AETHER_MM_REGION_GUARD,
			 GUARD_DATA * page_size());
	c.guard_pages = GUARD;
	if (aemt_region_create(fd, &c))
		return NULL;
	*rfd = c.fd;
	p = aemt_region_map(c.fd, GUARD_TOTAL * page_size(), PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

TEST_F(region, guard_data_offset)
{
	struct aether_mm_region_info ri;
	unsigned char *p;
	int rfd;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, aemt_region_info(rfd, &ri));
	ASSERT_EQ(GUARD * self->page, ri.data_offset);
	ASSERT_EQ(GUARD_DATA * self->page, ri.length);
	ASSERT_EQ(AEM_PRIVATE | AETHER_MM_REGION_GUARD, ri.flags);
	memset(p + ri.data_offset, 0x3c, ri.length);
	ASSERT_EQ(GUARD_DATA, resident(rfd));
	close(rfd);
}

TEST_F(region, guard_pages_sigsegv)
{
	const size_t at[] = {
		0, GUARD - 1,				/* leading */
		GUARD + GUARD_DATA, GUARD_TOTAL - 1,	/* trailing */
	};
	unsigned char *p;
	unsigned int i;
	int rfd, status;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	for (i = 0; i < AEMT_ARRAY_SIZE(at); i++) {
		const size_t pg = at[i];

		status = touch_status(p + pg * self->page + 64, false);
		ASSERT_TRUE(died_of(status, SIGSEGV))
			TH_LOG("read of page %zu: status %#x", pg, status);
		status = touch_status(p + pg * self->page, true);
		ASSERT_TRUE(died_of(status, SIGSEGV))
			TH_LOG("write of page %zu: status %#x", pg, status);
	}
	/* The children can touch: the first and last data pages work. */
	status = touch_status(p + GUARD * self->page, true);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("status %#x", status);
	status = touch_status(p + (GUARD + GUARD_DATA) * self->page - 1, true);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("status %#x", status);
	close(rfd);
}

TEST_F(region, guard_query_state)
{
	struct aether_mm_region_query q;
	unsigned char *p;
	size_t i;
	int rfd;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	p[GUARD * self->page] = 1;
	for (i = 0; i < GUARD_TOTAL; i++) {
		bool guard = i < GUARD || i >= GUARD + GUARD_DATA;

		ASSERT_EQ(0, aemt_region_query(rfd, p + i * self->page, &q));
		if (guard) {
			ASSERT_EQ(AETHER_MM_PAGE_GUARD, q.state)
				TH_LOG("page %zu", i);
			ASSERT_EQ(0, q.frame_id);
			ASSERT_EQ(0, q.map & AETHER_MM_MAP_PRESENT);
		} else {
			ASSERT_EQ(i == GUARD ? AETHER_MM_PAGE_OWN :
				  AETHER_MM_PAGE_NONE, q.state)
				TH_LOG("page %zu", i);
		}
	}
	close(rfd);
}

TEST_F(region, guard_mprotect_does_not_open)
{
	unsigned char *p, *last;
	int rfd, status;

	p = guarded(self->fd, &rfd);
	ASSERT_NE(NULL, p);
	last = p + (GUARD_TOTAL - 1) * self->page;
	ASSERT_EQ(0, mprotect(p, self->page, PROT_NONE));
	ASSERT_EQ(0, mprotect(p, self->page, PROT_RW));
	ASSERT_EQ(0, mprotect(last, self->page, PROT_READ));
	ASSERT_EQ(0, mprotect(last, self->page, PROT_RW));
	status = touch_status(p, true);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	status = touch_status(p, false);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	status = touch_status(last, true);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	/* A guard-only mapping is still a guard. */
	ASSERT_EQ(0, munmap(p, GUARD_TOTAL * self->page));
	p = mmap(NULL, self->page, PROT_RW, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	status = touch_status(p, false);
	ASSERT_TRUE(died_of(status, SIGSEGV)) TH_LOG("status %#x", status);
	munmap(p, self->page);
	close(rfd);
}

TEST_HARNESS_MAIN
