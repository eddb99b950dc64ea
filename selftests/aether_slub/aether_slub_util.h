/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_slub_util.h - helpers shared by the aether_slub selftests
 *
 * Thin wrappers around the /dev/aether_slub ioctls that fill in @size and
 * return 0 or -errno, so that a test can say ASSERT_EQ(-EINVAL, ...).
 */
#ifndef AETHER_SLUB_UTIL_H
#define AETHER_SLUB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/aether_mm.h>
#include <linux/aether_slub.h>

#include "aether_test.h"	/* selftests/lib */

#define ASLT_DEV		"/dev/aether_slub"
#define ASLT_MM_DEV		"/dev/aether_mm"
#define ASLT_DEBUGFS		"/sys/kernel/debug/aether/slub"

/* The box's users (scripts/box.sh): alice and bob are in group aether. */
#define ASLT_ALICE		1000
#define ASLT_BOB		1001
#define ASLT_AETHER_GID		AET_AETHER_GID

/*
 * What aslt_run_as() and aslt_run_unprivileged() return when they could
 * not set the child up (fork, setuid, capset): no errno, so that no test
 * expecting one can pass without running.
 */
#define ASLT_SETUP_FAILED	AET_HELPER_FAILED

/* See selftests/aether_mm/aether_mm_util.h: 6.1's harness and SKIP(). */
#ifdef FIXTURE_TEARDOWN_PARENT
#define ASLT_SETUP_SKIP(fmt, ...)	SKIP(return, fmt, ##__VA_ARGS__)
#else
#define ASLT_SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)
#endif

int aslt_open(void);
int aslt_ioctl(int fd, unsigned long cmd, void *arg);
void aslt_name(char *buf, const char *what);

int aslt_info(int fd, struct aether_slub_info *info);
int aslt_create(int fd, const char *name, __u32 size, __u32 align,
		__u32 flags, struct aether_slub_create *out);
int aslt_destroy(int fd, __u32 id, __u32 *live);
int aslt_alloc(int fd, __u32 id, __u32 kmsize, int node, __u32 flags,
	       __u64 *handles, __u32 *count);
int aslt_alloc1(int fd, __u32 id, __u64 *handle);
int aslt_free(int fd, const __u64 *handles, __u32 count);
int aslt_fill(int fd, __u64 handle, __u64 seed);
int aslt_verify(int fd, __u64 handle, __u64 seed, __u64 *mismatches);
int aslt_obj_info(int fd, __u64 handle, struct aether_slub_obj_info *oi);
int aslt_trigger(int fd, __u32 id, __u32 scenario, __u32 *detected);
int aslt_stats(int fd, __u32 by, __u32 key,
	       struct aether_slub_cache_stats *st);
int aslt_shrink(int fd, __u32 id, __u64 *pages);
int aslt_validate(int fd, __u32 id, __u32 *errors);

/* The pool behind it (/dev/aether_mm): pages in use after a drain. */
int aslt_pool_used(__u64 *used);

int aslt_nr_cpus(void);
int aslt_pin_cpu(int cpu);
int aslt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg);
pid_t aslt_start_as(uid_t uid, int (*fn)(void *arg), void *arg);
int aslt_wait(pid_t pid);
int aslt_run_as(uid_t uid, int (*fn)(void *arg), void *arg);

/* A one-way signal between processes: a pipe, one byte per pass. */
struct aslt_gate {
	int fd[2];
};

int aslt_gate_init(struct aslt_gate *g);
int aslt_gate_pass(struct aslt_gate *g);
int aslt_gate_wait(struct aslt_gate *g, int timeout_ms);
void aslt_gate_close(struct aslt_gate *g);
int aslt_read_file(const char *path, char *buf, size_t len);
int aslt_write_file(const char *path, const char *text);
bool aslt_have_debugfs(void);
void aslt_cache_path(char *buf, size_t len, const char *cache,
		     const char *file);
long aslt_cache_info(const char *cache, const char *key);
__u64 aslt_pattern_nonzero(__u64 seed, __u32 size);
int aslt_kmsg_open(void);
int aslt_kmsg_count(int fd, const char *needle);

#endif /* AETHER_SLUB_UTIL_H */
