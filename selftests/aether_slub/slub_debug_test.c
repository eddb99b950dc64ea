// SPDX-License-Identifier: GPL-2.0
/*
 * slub_debug_test.c - each debug detection, caught, counted and survived
 *
 * One fixture per scenario (FIXTURE_VARIANT): a cache created with every
 * debug flag (FZPU), the kernel commits the error on purpose
 * (AETHER_SLUB_IOC_TRIGGER: double free, invalid free, a write past the
 * end, a write before the start, a write after free), and the test checks
 * that it was detected once, reported in the kernel log (/dev/kmsg) with
 * the cache's name and what was found, counted in the stats and in
 * debugfs, and that the cache is still sound afterwards: objects
 * allocate, hold their contents, validate clean and the cache can be
 * destroyed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

FIXTURE(dbg)
{
	int fd;
	__u32 id;
	char name[AETHER_SLUB_NAME_LEN];
};

FIXTURE_VARIANT(dbg)
{
	__u32 scenario;
	__u32 error;
	const char *key;
	const char *report;	/* the report's first words, then the cache */
	const char *detail;	/* and what it says went wrong */
	__u32 object_size;
};

FIXTURE_VARIANT_ADD(dbg, double_free)
{
	.scenario = AETHER_SLUB_TRIGGER_DOUBLE_FREE,
	.error = AETHER_SLUB_ERR_DOUBLE_FREE,
	.key = "errors_double_free",
	.report = "double free in cache",
	.detail = "already free",
	.object_size = 64,
};

FIXTURE_VARIANT_ADD(dbg, invalid_free)
{
	.scenario = AETHER_SLUB_TRIGGER_INVALID_FREE,
	.error = AETHER_SLUB_ERR_INVALID_FREE,
	.key = "errors_invalid_free",
	.report = "invalid free in cache",
	.detail = "not the start of an object",
	.object_size = 100,
};

FIXTURE_VARIANT_ADD(dbg, redzone_overwrite)
{
	.scenario = AETHER_SLUB_TRIGGER_REDZONE,
	.error = AETHER_SLUB_ERR_REDZONE,
	.key = "errors_redzone",
	.report = "red zone overwritten in cache",
	.detail = "byte 0 past the end is 0x42",
	.object_size = 24,
};

FIXTURE_VARIANT_ADD(dbg, write_after_free)
{
	.scenario = AETHER_SLUB_TRIGGER_WRITE_AFTER_FREE,
	.error = AETHER_SLUB_ERR_WRITE_AFTER_FREE,
	.key = "errors_write_after_free",
	.report = "write after free in cache",
	.detail = "after the free",
	.object_size = 256,
};

FIXTURE_VARIANT_ADD(dbg, redzone_underflow)
{
	.scenario = AETHER_SLUB_TRIGGER_REDZONE_LEFT,
	.error = AETHER_SLUB_ERR_REDZONE,
	.key = "errors_redzone",
	.report = "red zone overwritten in cache",
	.detail = "byte 1 before the start is 0x42",
	.object_size = 40,
};

FIXTURE_SETUP(dbg)
{
	struct aether_slub_create c;

	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	aslt_name(self->name, "dbg");
	ASSERT_EQ(0, aslt_create(self->fd, self->name, variant->object_size,
				 0, AETHER_SLUB_F_DEBUG, &c));
	self->id = c.id;
	ASSERT_LT(variant->object_size, c.slot_size);
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* /dev/kmsg opened at its end, so that only new records are read. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Does a kernel log record since kmsg_open() hold both @a and @b? */
static bool kmsg_has(int fd, const char *a, const char *b)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			return true;
	}
}

/* Allocate, fill, verify and free @n objects. */
static int exercise(int fd, __u32 id, unsigned int n)
{
	__u64 h[128], mism;
	__u32 count = n, i;
	int ret;

	ret = aslt_alloc(fd, id, 0, -1, 0, h, &count);
	if (ret)
		return ret;
	for (i = 0; i < count && !ret; i++)
		ret = aslt_fill(fd, h[i], i * 31);
	for (i = 0; i < count && !ret; i++) {
		ret = aslt_verify(fd, h[i], i * 31, &mism);
		if (!ret && mism)
			ret = -EIO;
	}
	if (aslt_free(fd, h, count) && !ret)
		ret = -EIO;
	return ret;
}

TEST_F(dbg, is_detected_counted_and_survived)
{
	struct aether_slub_cache_stats st;
	__u32 detected = 0, errors = 1, i;
	long dbgfs;

	char report[128];
	int kmsg = kmsg_open();
	int kmsg_err = kmsg < 0 ? errno : 0;

	ASSERT_EQ(0, exercise(self->fd, self->id, 20));
	ASSERT_EQ(0, aslt_trigger(self->fd, self->id, variant->scenario,
				  &detected));
	ASSERT_EQ(1, detected);
	/*
	 * The kernel log names the error, the cache and what it found; only
	 * a system without /dev/kmsg at all is spared the check.
	 */
	if (kmsg_err != ENOENT) {
		ASSERT_LE(0, kmsg);
		snprintf(report, sizeof(report), "%s %s:", variant->report,
			 self->name);
		ASSERT_TRUE(kmsg_has(kmsg, report, variant->detail));
		close(kmsg);
	} else {
		TH_LOG("no /dev/kmsg, the report itself not checked");
	}
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, self->id, &st));
	for (i = 0; i < AETHER_SLUB_NR_ERRORS; i++)
		ASSERT_EQ(i == variant->error ? 1 : 0, st.errors[i]);
	ASSERT_EQ(0, st.active);
	/* Without debugfs the stats say it; with it, its file must too. */
	dbgfs = aslt_cache_info(self->name, variant->key);
	if (aslt_have_debugfs()) {
		ASSERT_EQ(1, dbgfs);
	} else {
		TH_LOG("no debugfs at %s, counter checked through stats only",
		       ASLT_DEBUGFS);
	}

	/* The cache is sound: it works, validates clean and goes away. */
	ASSERT_EQ(0, exercise(self->fd, self->id, 100));
	ASSERT_EQ(0, aslt_validate(self->fd, self->id, &errors));
	ASSERT_EQ(0, errors);
	ASSERT_EQ(0, aslt_destroy(self->fd, self->id, NULL));
}

TEST_F(dbg, twice_is_counted_twice)
{
	struct aether_slub_cache_stats st;
	__u32 detected = 0;

	ASSERT_EQ(0, aslt_trigger(self->fd, self->id, variant->scenario,
				  &detected));
	ASSERT_EQ(1, detected);
	ASSERT_EQ(0, aslt_trigger(self->fd, self->id, variant->scenario,
				  &detected));
	ASSERT_EQ(1, detected);
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, self->id, &st));
	ASSERT_EQ(2, st.errors[variant->error]);
}

FIXTURE(plain)
{
	int fd;
	__u32 id;
};

FIXTURE_SETUP(plain)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;

	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	aslt_name(name, "plain");
	ASSERT_EQ(0, aslt_create(self->fd, name, 64, 0, 0, &c));
	self->id = c.id;
}

FIXTURE_TEARDOWN(plain)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(plain, trigger_needs_the_debug_flags)
{
	struct aether_slub_info info;
	__u32 s, det;

	ASSERT_EQ(0, aslt_info(self->fd, &info));
	if (info.debug_flags)
		SKIP(return, "module loaded with debug flags for every cache");
	for (s = 0; s < AETHER_SLUB_NR_TRIGGERS; s++)
		ASSERT_EQ(-EOPNOTSUPP, aslt_trigger(self->fd, self->id, s,
						    &det));
	ASSERT_EQ(-EINVAL, aslt_trigger(self->fd, self->id,
					AETHER_SLUB_NR_TRIGGERS, &det));
	ASSERT_EQ(-ENOENT, aslt_trigger(self->fd, 4711, 0, &det));
}

TEST_F(plain, redzone_scenario_needs_red_zone_flag)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	__u32 det;

	aslt_name(name, "poisononly");
	ASSERT_EQ(0, aslt_create(self->fd, name, 64, 0, AETHER_SLUB_F_POISON,
				 &c));
	ASSERT_EQ(-EOPNOTSUPP, aslt_trigger(self->fd, c.id,
					    AETHER_SLUB_TRIGGER_REDZONE, &det));
	ASSERT_EQ(0, aslt_trigger(self->fd, c.id,
				  AETHER_SLUB_TRIGGER_WRITE_AFTER_FREE, &det));
	ASSERT_EQ(1, det);
	ASSERT_EQ(0, aslt_trigger(self->fd, c.id,
				  AETHER_SLUB_TRIGGER_DOUBLE_FREE, &det));
	ASSERT_EQ(1, det);
}

TEST_HARNESS_MAIN
