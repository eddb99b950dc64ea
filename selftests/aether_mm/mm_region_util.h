/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm_region_util.h - what the region selftests (mm_region_*_test.c) share
 *
 * The contract they test is the "Regions" part of
 * include/uapi/linux/aether_mm.h.  Helpers return a value or -errno and
 * know nothing of the harness; AEMT_REGION_FIXTURE() is a macro, expanded
 * in the test file that includes kselftest_harness.h first.
 *
 * Children made with fork() never use the harness's ASSERTs (they would
 * unwind into the harness of the wrong process): they report through an
 * exit status or a pipe (struct kid), and the test process asserts.
 */
#ifndef MM_REGION_UTIL_H
#define MM_REGION_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <linux/aether_mm.h>

#include "aether_mm_util.h"

#define MIB			(1UL << 20)
#define KERNEL_PTR		0xffff888000000000ULL

#define PROT_RW			(PROT_READ | PROT_WRITE)
#define AEM_RW			(AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE)
#define AEM_PRIVATE		AETHER_MM_REGION_PRIVATE
#define AEM_SHARED		AETHER_MM_REGION_SHARED

#define AEMT_MODULE		"aether_mm"
#define ACCESS_DEBUGFS		AEMT_DEBUGFS "/access"
#define NR_GENS			8

/*
 * The fixture of most region tests: an open fd, the pool's POOL_INFO and
 * its page size, and aether_mm's module parameters as they were before
 * the test.  The teardown writes back every parameter the test left
 * changed, so a test that fails half-way (its own restore never reached)
 * does not leave the box changed for the next one.
 */
#define AEMT_REGION_FIXTURE(name)					\
FIXTURE(name) {								\
	int fd;								\
	struct aether_mm_pool_info pi;					\
	size_t page;							\
	struct aet_params params;					\
};									\
FIXTURE_SETUP(name)							\
{									\
	AEMT_SETUP_OPEN(self->fd);					\
	ASSERT_EQ(0, aet_params_save(AEMT_MODULE, &self->params));	\
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));		\
	self->page = self->pi.page_size;				\
	ASSERT_EQ(page_size(), self->page);				\
}									\
FIXTURE_TEARDOWN(name)							\
{									\
	AEMT_PARAMS_RESTORE(&self->params);				\
	if (self->fd >= 0)						\
		close(self->fd);					\
}

/*
 * In a FIXTURE_TEARDOWN: put back what aet_params_save() kept (an EXPECT,
 * never an ASSERT: a teardown must run to its end).
 */
#define AEMT_PARAMS_RESTORE(s)						\
do {									\
	int __n = aet_params_restore(s);				\
									\
	/* The handler also runs after a failed ASSERT (6.1's harness). */ \
	EXPECT_LE(0, __n) {						\
		if (__n < 0)						\
			TH_LOG("module parameters not restored: %s",	\
			       strerror(-__n));				\
	}								\
	if (__n > 0)							\
		TH_LOG("teardown restored %d module parameter(s)", __n); \
} while (0)

size_t page_size(void);
/* "t-<tag>-<pid>": unique per test process. */
void test_name(char *buf, size_t len, const char *tag);
/* xorshift64*, for contents that differ from page to page and run to run. */
__u64 rnd(__u64 *s);
void fill_random(void *buf, size_t len, __u64 *seed);

/* A new read-write region of @pages pages, mapped whole. */
unsigned char *region_mapped(int fd, __u32 flags, size_t pages, int *rfd);
/*
 * The region @c asks for, created, mapped whole read-write and written
 * with random bytes from @seed, which *@want receives too; NULL on error.
 * c->fd and c->id name it.
 */
unsigned char *region_written(int fd, struct aether_mm_region_create *c,
			      __u64 seed, unsigned char **want);
/* Create with @c and close at once: 0 or -errno. */
int create_close(int fd, struct aether_mm_region_create *c);
/* The region's resident frames, or ~0 on error. */
__u64 resident(int rfd);
/* The caller's entry for @addr: AETHER_MM_MAP_* bits, or ~0 on error. */
__u32 map_of(int rfd, const volatile void *addr);

/* Touch @addr (read or write) in a child: its wait status. */
int touch_status(volatile unsigned char *addr, bool write);
bool died_of(int status, int sig);
bool exited_ok(int status);

/*
 * A child with two pipes: it sends values up, the parent sends values
 * down.  The child's function returns its exit status (non-zero names
 * the step that failed); kid_finish() closes the parent's ends, which a
 * child waiting in kid_get() sees as its cue to end, and reaps it.
 */
struct kid {
	pid_t pid;
	int up;		/* parent: read end; child: write end */
	int down;	/* parent: write end; child: read end */
};

int kid_put(int fd, __u64 v);
int kid_get(int fd, __u64 *v);
int kid_start(struct kid *k, int (*fn)(struct kid *k, void *arg), void *arg);
int kid_finish(struct kid *k);

/* Read aether_mm's module parameter @name into @buf: 0 or -errno. */
int param_read(const char *name, char *buf, size_t len);
/* Write @val to aether_mm's module parameter @name: 0 or -errno. */
int param_write(const char *name, const char *val);
/* The value of "@key N" in the debugfs file @path, or -1. */
long debugfs_counter(const char *path, const char *key);

/* Region @id's row of debugfs access: scans and pages per generation. */
int access_row(__u64 id, long *scans, long gens[NR_GENS]);
/* The scans of region @id so far, or -1. */
long access_scans(__u64 id);
/* Let aether_kaccessd scan region @id @n more times, then stop it. */
int scan_times(__u64 id, long n);

#endif /* MM_REGION_UTIL_H */
