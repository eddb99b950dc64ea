// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_zram.c - the block devices that /dev/aether_zram-control makes
 *
 * ADD makes a block device and REMOVE and RESET unmake one: of the
 * commands the fuzzer sends, these are the ones whose effect outlives
 * the fd.  So, around each call that reaches one of the control device's
 * commands (by number: the driver ignores the size bits):
 *
 * - The devices that existed before the run (aether_zram<N> in
 *   /sys/block, seen once by fz_zram_init()) are never named by a REMOVE
 *   or RESET: such an id becomes one past the last valid id, which the
 *   driver must refuse.  They may still be asked for stats or compacted.
 * - Ids are steered: often one of the devices the run made, sometimes a
 *   small one, else what the generic fuzzer picked (harvested values,
 *   random), so that the commands reach live devices and not only ENOENT.
 * - At most FZ_ZRAM_LIVE devices made by the run exist at once: an ADD
 *   is sent under fz_zram_lock after counting them, and not sent at the
 *   bound (counted as held back).  The count is /sys/block's, so nothing
 *   depends on reading the id back from an argument the fuzzer mangled.
 * - fz_zram_cleanup(), in the parent once every fuzzing process is gone
 *   (their fds closed), removes every device the run made; one that
 *   cannot be removed then fails the run: nothing holds it any more.
 *
 * The generated table still fuzzes every field; this file only rewrites
 * an argument's @id in place, after it was built.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/aether_zram.h>

#include "aether_fuzz.h"

#define FZ_ZRAM_LIVE		4	/* devices of the run at once */
#define FZ_ZRAM_PREFIX		"aether_zram"
#define FZ_ZRAM_CONTROL		"/dev/aether_zram-control"
#define FZ_ZRAM_RETRIES		50	/* x 100 ms for a REMOVE at cleanup */

/* Devices present at start: left alone.  Written before any fork. */
static bool fz_zram_before[AETHER_ZRAM_MAX_DEVICES];
static pthread_mutex_t fz_zram_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * fz_zram_scan: the ids of the aether_zram<N> disks, into @ids (up to
 * AETHER_ZRAM_MAX_DEVICES); returns how many.
 */
static unsigned int fz_zram_scan(unsigned int *ids)
{
	const size_t plen = strlen(FZ_ZRAM_PREFIX);
	unsigned int n = 0;
	struct dirent *de;
	unsigned long id;
	char *end;
	DIR *d;

	d = opendir("/sys/block");
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < AETHER_ZRAM_MAX_DEVICES) {
		if (strncmp(de->d_name, FZ_ZRAM_PREFIX, plen) ||
		    de->d_name[plen] < '0' || de->d_name[plen] > '9')
			continue;
		id = strtoul(de->d_name + plen, &end, 10);
		if (!*end && id < AETHER_ZRAM_MAX_DEVICES)
			ids[n++] = id;
	}
	closedir(d);
	return n;
}

/* fz_zram_ours: the ids the run made (present now, not at start). */
static unsigned int fz_zram_ours(unsigned int *ids)
{
	unsigned int n = fz_zram_scan(ids), i, k = 0;

	for (i = 0; i < n; i++)
		if (!fz_zram_before[ids[i]])
			ids[k++] = ids[i];
	return k;
}

void fz_zram_init(void)
{
	unsigned int ids[AETHER_ZRAM_MAX_DEVICES], n, i;

	n = fz_zram_scan(ids);
	for (i = 0; i < n; i++)
		fz_zram_before[ids[i]] = true;
	if (n)
		printf("# %u aether_zram devices before the run: never removed or reset by it\n",
		       n);
}

static bool fz_zram_is(const struct fz_ioctl *io, unsigned long cmd)
{
	return _IOC_TYPE(io->cmd) == _IOC_TYPE(cmd) &&
	       _IOC_NR(io->cmd) == _IOC_NR(cmd);
}

/* A device id for a command: the run's own, a small one, or as built. */
static __u32 fz_zram_pick_id(uint64_t *s, __u32 built)
{
	unsigned int ids[AETHER_ZRAM_MAX_DEVICES], n;
	unsigned int r = fz_below(s, 100);

	if (r < 45) {
		n = fz_zram_ours(ids);
		if (n)
			return ids[fz_below(s, n)];
	}
	if (r < 70)
		return fz_below(s, 16);
	return built;
}

/*
 * fz_zram_steer: before the call of @to (the table entry the command
 * number reaches, or NULL) with @arg, inside or outside the thread's argument area
 * [@area, @area + @room).  Returns false when the call must not be sent;
 * *@held says that fz_zram_after() has a lock to drop.
 */
bool fz_zram_steer(uint64_t *s, const struct fz_ioctl *to,
		   unsigned char *area, unsigned long room, unsigned long arg,
		   bool *held)
{
	unsigned long lo = (uintptr_t)area, off = offsetof(struct aether_zram_dev, id);
	unsigned int ids[AETHER_ZRAM_MAX_DEVICES];
	bool unmake;
	__u32 id;

	*held = false;
	if (!to || strcmp(to->mod, "aether_zram") ||
	    fz_zram_is(to, AETHER_ZRAM_IOC_INFO) ||
	    fz_zram_is(to, AETHER_ZRAM_IOC_BENCH))
		return true;
	if (fz_zram_is(to, AETHER_ZRAM_IOC_ADD)) {
		if (!fz_privileged)
			return true;	/* EPERM expected; cleanup has it if not */
		pthread_mutex_lock(&fz_zram_lock);
		if (fz_zram_ours(ids) >= FZ_ZRAM_LIVE) {
			pthread_mutex_unlock(&fz_zram_lock);
			__atomic_fetch_add(&fz_res->zram_held_back, 1,
					   __ATOMIC_RELAXED);
			return false;
		}
		*held = true;
		return true;
	}
	/* REMOVE, RESET, COMPACT, DEV_STATS: @id, at the same offset. */
	if (offsetof(struct aether_zram_dev_stats, id) != off ||
	    arg < lo || arg + off + sizeof(id) > lo + room)
		return true;	/* not ours to read: the copy-in fails */
	memcpy(&id, (void *)(arg + off), sizeof(id));
	id = fz_zram_pick_id(s, id);
	unmake = fz_zram_is(to, AETHER_ZRAM_IOC_REMOVE) ||
		 fz_zram_is(to, AETHER_ZRAM_IOC_RESET);
	if (unmake && id < AETHER_ZRAM_MAX_DEVICES && fz_zram_before[id])
		id = AETHER_ZRAM_MAX_DEVICES + fz_below(s, 4);
	memcpy((void *)(arg + off), &id, sizeof(id));
	return true;
}

/* After the call: a successful ADD is counted; the ADD lock dropped. */
void fz_zram_after(bool held, long ret)
{
	if (!held)
		return;
	if (ret >= 0)
		__atomic_fetch_add(&fz_res->zram_added, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&fz_zram_lock);
}

/* REMOVE @id through the control device, retried while it is busy. */
static int fz_zram_remove(int fd, unsigned int id)
{
	struct aether_zram_dev d;
	struct timespec pause = { .tv_nsec = 100 * 1000 * 1000 };
	int tries;

	for (tries = 0; tries < FZ_ZRAM_RETRIES; tries++) {
		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.id = id;
		if (!ioctl(fd, AETHER_ZRAM_IOC_REMOVE, &d))
			return 0;
		if (errno != EBUSY && errno != EAGAIN && errno != EINTR &&
		    errno != ENOMEM)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -errno;
}

/*
 * fz_zram_cleanup: remove the devices the run made.  Returns 0, or -1
 * when one is left (said on stdout).
 */
int fz_zram_cleanup(void)
{
	unsigned int ids[AETHER_ZRAM_MAX_DEVICES], n, i, left = 0;
	int fd, err;

	n = fz_zram_ours(ids);
	if (fz_res->zram_added || fz_res->zram_held_back || n)
		printf("# aether_zram: %lu devices added by the run (%u at once at most, %lu ADDs held back), %u to remove\n",
		       fz_res->zram_added, FZ_ZRAM_LIVE,
		       fz_res->zram_held_back, n);
	if (!n)
		return 0;
	fd = open(FZ_ZRAM_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# cannot open %s to remove them: %s\n",
		       FZ_ZRAM_CONTROL, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		err = fz_zram_remove(fd, ids[i]);
		if (!err)
			continue;
		printf("# %s%u, made by the run, cannot be removed: %s\n",
		       FZ_ZRAM_PREFIX, ids[i], strerror(-err));
		left++;
	}
	close(fd);
	return left ? -1 : 0;
}
