// SPDX-License-Identifier: GPL-2.0
/*
 * Pool accounting: settle the pool (drain the per-CPU lists, let the
 * shrinker give back wholly free chunks above the minimum), then read
 * AETHER_MM_IOC_POOL_INFO.  Used before and after a run.
 */
#include <errno.h>
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
 * Return: 0, or a negative errno when /dev/aether_mm cannot be asked.
 */
int aether_pool_snapshot(struct aether_pool_snap *snap)
{
	int ret = aether_pool_read(snap);

	if (ret)
		printf("# pool accounting off: /dev/aether_mm: %s\n",
		       strerror(-ret));
	return ret;
}

/**
 * aether_pool_compare - is the pool back to @before
 * @before: aether_pool_snapshot() from before the run
 *
 * Retries for a few seconds: growth and release work may still be queued.
 *
 * Return: 0 when pages in use, reserved pages and chunks all match.
 */
int aether_pool_compare(const struct aether_pool_snap *before)
{
	struct aether_pool_snap now = { 0 };
	int i;

	for (i = 0; i < 10; i++) {
		if (aether_pool_read(&now))
			break;
		if (now.in_use == before->in_use &&
		    now.reserved == before->reserved &&
		    now.chunks == before->chunks)
			break;
		sleep(1);
	}
	printf("# pool: in use %llu -> %llu pages, reserved %llu -> %llu, chunks %llu -> %llu\n",
	       (unsigned long long)before->in_use, (unsigned long long)now.in_use,
	       (unsigned long long)before->reserved,
	       (unsigned long long)now.reserved,
	       (unsigned long long)before->chunks, (unsigned long long)now.chunks);
	if (now.in_use == before->in_use && now.reserved == before->reserved &&
	    now.chunks == before->chunks)
		return 0;
	printf("# pool accounting did not return to its starting point\n");
	return 1;
}
