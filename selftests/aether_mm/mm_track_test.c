// SPDX-License-Identifier: GPL-2.0
/*
 * mm_track_test.c - allocation tracking and failure injection
 *
 * With the module parameter track on, every live block is listed in
 * debugfs aether/mm/tracking with its owner and the stack that allocated
 * it; the block leaves the list when freed.  The failure injection knobs
 * (fail_every, fail_percent) make the pool refuse allocations with ENOMEM,
 * count them, reject bad values, and leave the pool's accounting intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define TRACK_PARAM	"/sys/module/aether_mm/parameters/track"

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	return buf[0] == 'Y' ? 1 : buf[0] == 'N' ? 0 : strtol(buf, NULL, 0);
}

/* Read a whole debugfs file into a malloc'ed string. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * The entry of a block in the tracking dump (its "pfn 0x..." line and the
 * stack below it, up to the next entry), cut out of @dump; or NULL.
 */
static char *find_block(char *dump, __u64 pfn)
{
	char key[64], *entry, *next;

	snprintf(key, sizeof(key), "pfn %#llx ", (unsigned long long)pfn);
	entry = strstr(dump, key);
	if (!entry)
		return NULL;
	next = strstr(entry + 1, "\npfn ");
	if (next)
		next[1] = '\0';
	return entry;
}

FIXTURE(track) {
	int fd;
	long was_on;
};

FIXTURE_SETUP(track)
{
	AEMT_SETUP_OPEN(self->fd);
	self->was_on = read_long(TRACK_PARAM);
	ASSERT_LE(0, self->was_on);
}

FIXTURE_TEARDOWN(track)
{
	aemt_write_file(AEMT_DEBUGFS "/fail_every", "0");
	aemt_write_file(AEMT_DEBUGFS "/fail_percent", "0");
	aemt_write_file(TRACK_PARAM, self->was_on ? "1" : "0");
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(track, live_block_listed_with_owner_and_stack)
{
	struct aether_mm_pool_info pi;
	struct aether_mm_block_info bi;
	char *dump, *line;
	__u64 h;

	ASSERT_EQ(0, aemt_write_file(TRACK_PARAM, "1"));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	ASSERT_EQ(1, pi.tracking);
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 2, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_block_info(self->fd, h, &bi));
	ASSERT_NE(0, bi.pfn);

	dump = slurp(AEMT_DEBUGFS "/tracking");
	ASSERT_NE(NULL, dump);
	line = find_block(dump, bi.pfn);
	ASSERT_NE(NULL, line) TH_LOG("pfn %#llx not in the tracking dump",
				     (unsigned long long)bi.pfn);
	ASSERT_EQ(0, strncmp(strstr(line, "order "), "order 2 ", 8));
	ASSERT_NE(NULL, strstr(line, "owner user"));
	/* The stack follows: it names the ioctl path that allocated it. */
	ASSERT_NE(NULL, strstr(line, "aem_alloc")) TH_LOG("%s", line);
	ASSERT_NE(NULL, strstr(line, "ioctl")) TH_LOG("%s", line);
	free(dump);

	ASSERT_EQ(0, aemt_free1(self->fd, h));
	dump = slurp(AEMT_DEBUGFS "/tracking");
	ASSERT_NE(NULL, dump);
	ASSERT_EQ(NULL, find_block(dump, bi.pfn));
	free(dump);
}

TEST_F(track, bad_track_value_einval)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(TRACK_PARAM, "maybe"));
}

TEST_F(track, fail_every_refuses_with_enomem_and_counts)
{
	struct aether_mm_pool_info before, after;
	long injected0, injected1;
	__u64 h[8];
	__u32 count;
	int i, refused = 0;

	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &before));
	injected0 = read_long(AEMT_DEBUGFS "/fail_injected");
	ASSERT_LE(0, injected0);
	ASSERT_EQ(0, aemt_write_file(AEMT_DEBUGFS "/fail_every", "2"));
	for (i = 0; i < 8; i++) {
		__u64 one;
		int ret = aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &one);

		if (ret == -ENOMEM) {
			refused++;
			continue;
		}
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, aemt_free1(self->fd, one));
	}
	ASSERT_EQ(4, refused);
	/* A bulk call under injection is partial, never a lie. */
	count = 8;
	ASSERT_EQ(0, aemt_alloc(self->fd, 0, 0, -1, AEMT_ALL_ZONES,
				AETHER_MM_MT_MOVABLE, h, &count));
	ASSERT_GT(8, count);
	ASSERT_EQ(0, aemt_free(self->fd, h, count));
	ASSERT_EQ(0, aemt_write_file(AEMT_DEBUGFS "/fail_every", "0"));
	injected1 = read_long(AEMT_DEBUGFS "/fail_injected");
	ASSERT_LE(injected0 + 5, injected1);

	ASSERT_EQ(0, aemt_settle(self->fd));
	ASSERT_EQ(0, aemt_pool_info(self->fd, &after));
	ASSERT_EQ(before.pages_free, after.pages_free);
	ASSERT_EQ(before.pages_total, after.pages_total);
}

TEST_F(track, fail_percent_all_refuses_everything)
{
	__u64 h;

	ASSERT_EQ(0, aemt_write_file(AEMT_DEBUGFS "/fail_percent", "100"));
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(-ENOMEM, aemt_alloc1(self->fd, 0, 5, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_write_file(AEMT_DEBUGFS "/fail_percent", "0"));
	ASSERT_EQ(0, aemt_alloc1(self->fd, 0, 0, -1, AEMT_ALL_ZONES, &h));
	ASSERT_EQ(0, aemt_free1(self->fd, h));
}

TEST_F(track, fail_percent_above_100_einval)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(AEMT_DEBUGFS "/fail_percent", "101"));
	ASSERT_EQ(0, read_long(AEMT_DEBUGFS "/fail_percent"));
	ASSERT_EQ(-EINVAL, aemt_write_file(AEMT_DEBUGFS "/fail_every", "-1"));
}

TEST_HARNESS_MAIN
