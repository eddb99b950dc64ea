/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_qos_util.h - helpers of the aether_qos selftests
 *
 * Each wraps one ioctl of /dev/aether_qos and returns 0 or -errno.
 */
#ifndef AETHER_QOS_UTIL_H
#define AETHER_QOS_UTIL_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/aether_qos.h>

struct aet_params;

#define AQT_DEV		"/dev/aether_qos"
#define AQT_DEBUGFS	"/sys/kernel/debug/aether/qos"
#define AQT_PARAMS	"/sys/module/aether_qos/parameters"

int aqt_open(void);
int aqt_create(int fd, __u32 parent, const char *name, __u32 class,
	       __u32 *id);
int aqt_destroy(int fd, __u32 id);
int aqt_set_max(int fd, __u32 id, __u64 max);
int aqt_set(int fd, struct aether_qos_set *s);
int aqt_get(int fd, __u32 id, struct aether_qos_group_info *gi);
/* OPEN: a group fd of group @id, or -errno. */
int aqt_gfd(int fd, __u32 id);
/* Pages of [@from, @to) of region @rfd (mapped at @p) the store holds, or -1. */
long aqt_stored(int rfd, unsigned char *p, size_t from, size_t to);
/* GET after the group's closed regions are released (up to 10 s). */
int aqt_get_released(int fd, __u32 id, struct aether_qos_group_info *gi);
int aqt_attach(int fd, __u32 id, pid_t pid);
int aqt_list(int fd, __u32 *ids, __u32 *count);
/* The id of the live group named @name under @parent: 0 or -ENOENT. */
int aqt_find(int fd, __u32 parent, const char *name, __u32 *id);
/* Destroy every group under @parent named with @prefix, leaves first. */
void aqt_destroy_prefixed(int fd, __u32 parent, const char *prefix);

/*
 * Touch the pages of @p one by one in a child; @wrote gets how many were
 * written before the child died or finished.  Returns the wait status,
 * or -errno.
 */
int aqt_touch_child(unsigned char *p, size_t pages, size_t *wrote);

/* A shared region of @pages of /dev/aether_mm fd @mfd, mapped: its fd in
 * *@rfd; NULL if it could not be made or mapped. */
unsigned char *aqt_region(int mfd, size_t pages, int *rfd);

/* A page of anonymous memory shared with the children of a test. */
void *aqt_shared_page(void);

/*
 * In a body that reports to its test through a result @r with @step and
 * @got: unless @expr gives @want, note step @n and what it gave, and
 * return -EPROTO.
 */
#define AQT_EXPECT(r, n, want, expr)					\
do {									\
	int __got = (expr);						\
	if (__got != (want)) {						\
		(r)->step = (n);					\
		(r)->got = __got;					\
		return -EPROTO;						\
	}								\
} while (0)

/*
 * Reclaim (qos_reclaim_test, qos_protect_test).  A region of @pages with
 * AETHER_MM_REGION_* @flags, mapped: its fd and id; NULL on failure.
 */
unsigned char *aqt_region_id(int mfd, __u32 flags, size_t pages, int *rfd,
			     __u64 *id);
/* Resident pages of region fd @rfd, or -errno. */
long aqt_resident(int rfd);
/*
 * Let aether_kaccessd scan region @id @n more times, then stop it (its
 * interval 0: the caller saves aether_mm's parameters and puts them back).
 */
int aqt_scan(__u64 id, long n);
/* aether_mm's loopback store backend: 1 on, 0 off (debugfs). */
int aqt_loopback(int on);

/*
 * The FIXTURE_SETUP of a test that reclaims through aether_mm's loopback
 * store (qos_reclaim_test, qos_protect_test), whose fixture has fd, mfd,
 * params and mm_params: both devices open, aether_qos's and aether_mm's
 * parameters saved (aqt_scan() stops aether_kaccessd), no group named
 * @prefix under the root, the loopback installed.  Skips without
 * aether_qos, aether_mm or the loopback.
 */
#define AQT_LOOPBACK_SETUP(self, prefix)				\
do {									\
	int __ret;							\
									\
	(self)->fd = aqt_open();					\
	if ((self)->fd == -ENOENT)					\
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded",	\
				AQT_DEV);				\
	ASSERT_LE(0, (self)->fd);					\
	AEMT_SETUP_OPEN((self)->mfd);					\
	ASSERT_EQ(0, aet_params_save("aether_qos", &(self)->params));	\
	ASSERT_EQ(0, aet_params_save("aether_mm", &(self)->mm_params));	\
	aqt_destroy_prefixed((self)->fd, AETHER_QOS_ROOT_ID, (prefix));	\
	__ret = aqt_loopback(1);					\
	if (__ret)							\
		AEMT_SETUP_SKIP("no loopback store: %s",		\
				strerror(-__ret));			\
} while (0)

/* Its FIXTURE_TEARDOWN: every group of @prefix gone, all put back. */
void aqt_loopback_teardown(int fd, struct aet_params *params,
			   struct aet_params *mm_params, const char *prefix);
/* The pool's own reclaim, tier by tier, of up to @nr cold pages. */
int aqt_pool_reclaim(unsigned long nr);
/* Write @v to byte 0 of pages [@from, @to) of @p: v + the page's index. */
void aqt_write_pages(unsigned char *p, size_t from, size_t to, int v);
/* How many of those pages read back other than written: 0 when intact. */
size_t aqt_bad_pages(const unsigned char *p, size_t from, size_t to, int v);
/*
 * The pages of group @name's usage that are integrity memory (memory.stat
 * integrity and integrity_sums: the store's copies and the checksum
 * records of its pages), rounded up as a leaf group rounds its own.
 */
unsigned long aqt_integ_pages(const char *name);

#endif /* AETHER_QOS_UTIL_H */
