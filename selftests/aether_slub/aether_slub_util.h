/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_slub_util.h - helpers shared by the aether_slub selftests
 *
 * Thin wrappers around the /dev/aether_slub ioctls that fill in @size and
 * return 0 or -errno, so that a test can say ASSERT_EQ(-EINVAL, ...).
 */
#ifndef AETHER_SLUB_UTIL_H
#define AETHER_SLUB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/aether_mm.h>
#include <linux/aether_slub.h>

#define ASLT_DEV		"/dev/aether_slub"
#define ASLT_MM_DEV		"/dev/aether_mm"
#define ASLT_DEBUGFS		"/sys/kernel/debug/aether/slub"

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
int aslt_read_file(const char *path, char *buf, size_t len);
int aslt_write_file(const char *path, const char *text);
long aslt_cache_info(const char *cache, const char *key);

#endif /* AETHER_SLUB_UTIL_H */
