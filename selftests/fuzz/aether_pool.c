// SPDX-License-Identifier: GPL-2.0
/*
 * Pool accounting: settle the pool (drain the per-CPU lists, let the
 * shrinker give back wholly free chunks above the minimum), then read
 * AETHER_MM_IOC_POOL_INFO.  Used before and after a run.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "aether_pool.h"

static void aether_pool_settle(int fd)
{
	int dc;

	ioctl(fd, AETHER_MM_IOC_DRAIN);
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc >= 0) {
		if (write(dc, "2", 1) != 1)
			perror("drop_caches");
		close(dc);
	}
	ioctl(fd, AETHER_MM_IOC_DRAIN);
}

static int aether_pool_read(struct aether_pool_snap *snap)
{
	struct aether_mm_pool_info pi;
	int fd, ret;

	fd = open("/dev/aether_mm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	aether_pool_settle(fd);
	memset(&pi, 0, sizeof(pi));
	pi.size = sizeof(pi);
	ret = ioctl(fd, AETHER_MM_IOC_POOL_INFO, &pi) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	snap->in_use = pi.pages_total - pi.pages_free;
	snap->reserved = pi.pages_reserved;
	snap->chunks = pi.chunks;
	snap->total = pi.pages_total;
	return 0;
}

/**
 * aether_pool_snapshot - the settled pool, before a run
 * @snap: where to put it
 *
 * Reads until two reads a second apart agree (up to 10 s): what earlier
 * programs freed may still be on its way back (a region released by the
 * reclaim walk that held it last, a chunk the shrinker has not yet given
 * back).
 *
 * Return: 0, or a negative errno when /dev/aether_mm cannot be asked.
 */
int aether_pool_snapshot(struct aether_pool_snap *snap)
{
	struct aether_pool_snap next;
	int ret, i;

	ret = aether_pool_read(snap);
	for (i = 0; !ret && i < 10; i++) {
		sleep(1);
		ret = aether_pool_read(&next);
		if (ret || !memcmp(&next, snap, sizeof(next)))
			break;
		*snap = next;
	}
	if (ret)
		printf("# pool accounting off: /dev/aether_mm: %s\n",
		       strerror(-ret));
	return ret;
}

static bool aether_pool_grew(const struct aether_pool_snap *before,
			     const struct aether_pool_snap *now)
{
	return now->in_use > before->in_use ||
	       now->reserved > before->reserved ||
	       now->chunks > before->chunks;
}

/**
 * aether_pool_compare - is the pool back to @before
 * @before: aether_pool_snapshot() from before the run
 *
 * Retries for a few seconds: growth and release work may still be queued.
 * Only growth is a leak: less in use than before is memory of an earlier
 * program coming back late, which the run did not take.
 *
 * Return: 0 when pages in use, reserved pages and chunks are no more than
 * before.
 */
int aether_pool_compare(const struct aether_pool_snap *before)
{
	struct aether_pool_snap now = { 0 };
	int i;

	for (i = 0; i < 10; i++) {
		if (aether_pool_read(&now))
			break;
		if (!aether_pool_grew(before, &now))
			break;
		sleep(1);
	}
	printf("# pool: in use %llu -> %llu pages, reserved %llu -> %llu, chunks %llu -> %llu\n",
	       (unsigned long long)before->in_use, (unsigned long long)now.in_use,
	       (unsigned long long)before->reserved,
	       (unsigned long long)now.reserved,
	       (unsigned long long)before->chunks, (unsigned long long)now.chunks);
	if (!aether_pool_grew(before, &now))
		return 0;
	printf("# pool accounting did not return to its starting point\n");
	return 1;
}
