/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_zram_util.h - helpers shared by the aether_zram selftests
 *
 * The control device's ioctls, the control class (hot_add, hot_remove),
 * a device's sysfs attributes and its block node.  Every helper returns
 * 0 (or an id, an fd) or -errno, so that a test can say
 * ASSERT_EQ(-EBUSY, ...).
 */
#ifndef AETHER_ZRAM_UTIL_H
#define AETHER_ZRAM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/aether_mm.h>
#include <linux/aether_zram.h>

#include "aether_test.h"	/* selftests/lib */

#define AZT_CONTROL		"/dev/aether_zram-control"
#define AZT_CLASS		"/sys/class/aether_zram-control"
#define AZT_DEBUGFS		"/sys/kernel/debug/aether/zram"

/* See selftests/aether_mm/aether_mm_util.h: 6.1's harness and SKIP(). */
#ifdef FIXTURE_TEARDOWN_PARENT
#define AZT_SETUP_SKIP(fmt, ...)	SKIP(return, fmt, ##__VA_ARGS__)
#else
#define AZT_SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)
#endif

#define AZT_SETUP_FAILED	AET_HELPER_FAILED

/* /dev/aether_zram-control */
int azt_open(void);
int azt_ioctl(int fd, unsigned long cmd, void *arg);
int azt_info(int fd, struct aether_zram_info *info);
/* ADD: the new id, or -errno. */
int azt_add(int fd, __u32 algo, __s32 level, __u64 disksize,
	    __u64 mem_limit);
int azt_remove(int fd, __u32 id);
int azt_reset(int fd, __u32 id);
int azt_compact(int fd, __u32 id, __u64 *pages);
int azt_dev_stats(int fd, __u32 id, struct aether_zram_dev_stats *st);

/* /sys/class/aether_zram-control: hot_add's id or -errno. */
int azt_hot_add(void);
int azt_hot_remove(int id);

/* /sys/block/aether_zram<id>/<attr> */
void azt_attr_path(char *buf, size_t len, int id, const char *attr);
int azt_attr_read(int id, const char *attr, char *buf, size_t len);
int azt_attr_write(int id, const char *attr, const char *text);
int azt_attr_u64(int id, const char *attr, __u64 *val);

/* mm_stat's nine columns, in zram's order. */
enum azt_mm_col {
	AZT_ORIG_DATA_SIZE,
	AZT_COMPR_DATA_SIZE,
	AZT_MEM_USED_TOTAL,
	AZT_MEM_LIMIT,
	AZT_MEM_USED_MAX,
	AZT_SAME_PAGES,
	AZT_PAGES_COMPACTED,
	AZT_HUGE_PAGES,
	AZT_HUGE_PAGES_SINCE,
	AZT_MM_COLS,
};

/* Columns of a stat file (mm_stat, io_stat): how many were read, or -errno. */
int azt_stat_cols(int id, const char *attr, __u64 *cols, int max);
int azt_mm_stat(int id, __u64 cols[AZT_MM_COLS]);

/* /dev/aether_zram<id> */
void azt_dev_path(char *buf, size_t len, int id);
int azt_dev_open(int id, int flags);

/*
 * Test data: @len bytes at device offset @off for @seed.  Every 8-byte
 * word differs from its neighbours (no same-filled page) and repeats
 * within a page with a short period (so it compresses).
 */
void azt_fill(void *buf, size_t len, __u64 off, __u64 seed);
/* The first offset in @buf that differs from azt_fill(), or -1. */
long azt_check(const void *buf, size_t len, __u64 off, __u64 seed);

/* A buffer aligned for O_DIRECT, or NULL. */
void *azt_alloc_aligned(size_t len);

/* Pages of aether_mm's pool in use, after draining the per-CPU lists. */
int azt_pool_used(__u64 *used);

/* An unprivileged child running @fn on @fd: its -errno. */
int azt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg);

/* The number after "@key": in aetherctl's JSON @json, or -1. */
long long azt_json_number(const char *json, const char *key);

#endif /* AETHER_ZRAM_UTIL_H */
