// SPDX-License-Identifier: GPL-2.0
/*
 * aether_stress - concurrent stress of every Aether device, with checksums
 *
 * Threads pinned to every online CPU allocate blocks (orders 0..3, both
 * nodes, through shared and private fds), fill each with a seeded pattern,
 * record its CRC, and keep checking it (FILL with VERIFY, BLOCK_INFO
 * checksum) while the other threads churn the same pool and per-CPU lists.
 * A pattern that changed, or a checksum that moved, is corruption.
 *
 * Workers are per module (aether_mm, aether_slub; a new device is one
 * line in aest_workers[]); a module whose device is absent is skipped.
 *
 *   aether_stress [-d seconds] [-t threads-per-cpu] [-i] [-A]
 *   aether_stress -H seconds     hold mode: allocate, fill and keep an fd
 *                                open (for the load/unload loop), verify
 *                                on SIGTERM or after the time, exit
 *
 *   -i  allocation failures are expected (fault injection): ENOMEM is
 *       fine, any other errno outside the clean set is not
 *   -A  no pool accounting check
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/aether_mm.h>
#if __has_include(<linux/aether_slub.h>)
#include <linux/aether_slub.h>
#endif
#include "aether_pool.h"

#define AEST_BLOCKS	48	/* live blocks per thread */
#define AEST_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	unsigned int seconds;
	unsigned int per_cpu;
	unsigned int hold;
	bool inject;
	bool account;
} opt = { .seconds = 20, .per_cpu = 2, .account = true };

static volatile sig_atomic_t aest_stop;
static time_t aest_deadline;
static unsigned long aest_ops, aest_verified, aest_corrupt, aest_enomem,
	aest_unclean;

static void aest_count(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* aest_err: judge a failed call; true when the caller should go on. */
static bool aest_err(const char *what, int err)
{
	if (err == ENOMEM || err == ENOSPC) {
		aest_count(&aest_enomem, 1);
		if (opt.inject)
			return true;
	}
	if (opt.inject && (err == EINVAL || err == EAGAIN || err == EINTR))
		return true;
	aest_count(&aest_unclean, 1);
	fprintf(stderr, "# %s: %s\n", what, strerror(err));
	return false;
}

/* ---- aether_mm: blocks with a seeded pattern and a recorded CRC ---- */

struct aest_block {
	uint64_t handle;
	uint64_t seed;
	uint64_t crc;
	int fd;
};

static int aest_mm_fill(int fd, struct aest_block *b, bool verify)
{
	struct aether_mm_fill f = {
		.size = sizeof(f),
		.flags = verify ? AETHER_MM_FILL_VERIFY : 0,
		.handle = b->handle,
		.seed = b->seed,
	};

	if (ioctl(fd, AETHER_MM_IOC_FILL, &f))
		return -errno;
	return verify && f.mismatches ? 1 : 0;
}

static int aest_mm_crc(int fd, uint64_t handle, uint64_t *crc)
{
	struct aether_mm_block_info bi = {
		.size = sizeof(bi), .handle = handle,
	};

	if (ioctl(fd, AETHER_MM_IOC_BLOCK_INFO, &bi))
		return -errno;
	*crc = bi.checksum;
	return 0;
}

static void aest_mm_free(struct aest_block *b)
{
	struct aether_mm_free f = {
		.size = sizeof(f), .count = 1, .handles = (uintptr_t)&b->handle,
	};

	if (ioctl(b->fd, AETHER_MM_IOC_FREE, &f))
		aest_err("FREE", errno);
	b->handle = 0;
}

/* aest_mm_check: verify pattern and CRC; counts corruption. */
static void aest_mm_check(struct aest_block *b)
{
	uint64_t crc = 0;
	int ret;

	ret = aest_mm_fill(b->fd, b, true);
	if (ret < 0) {
		aest_err("FILL VERIFY", -ret);
		return;
	}
	if (!ret)
		ret = aest_mm_crc(b->fd, b->handle, &crc);
	if (ret < 0) {
		aest_err("BLOCK_INFO", -ret);
		return;
	}
	if (ret || crc != b->crc) {
		aest_count(&aest_corrupt, 1);
		fprintf(stderr, "# CORRUPT block %#llx seed %llu crc %#llx now %#llx\n",
			(unsigned long long)b->handle,
			(unsigned long long)b->seed,
			(unsigned long long)b->crc, (unsigned long long)crc);
	}
	aest_count(&aest_verified, 1);
}

static bool aest_mm_alloc(int fd, unsigned int *rng, struct aest_block *b)
{
	struct aether_mm_alloc a = {
		.size = sizeof(a),
		.order = rand_r(rng) % 4,
		.node = (int)(rand_r(rng) % 3) - 1,
		.zone = AETHER_MM_ZONE_NORMAL,
		.migratetype = rand_r(rng) % AETHER_MM_NR_MT,
		.count = 1,
		.handles = (uintptr_t)&b->handle,
	};
	int ret;

	if (ioctl(fd, AETHER_MM_IOC_ALLOC, &a)) {
		aest_err("ALLOC", errno);
		return false;
	}
	b->fd = fd;
	b->seed = ((uint64_t)rand_r(rng) << 32) | rand_r(rng);
	ret = aest_mm_fill(fd, b, false);
	if (!ret)
		ret = aest_mm_crc(fd, b->handle, &b->crc);
	if (ret) {
		aest_err("FILL/BLOCK_INFO", -ret);
		aest_mm_free(b);
		return false;
	}
	return true;
}

/* aest_open: under injection, open itself may fail for a while. */
static int aest_open(const char *dev)
{
	int fd, tries = 0;

	do {
		fd = open(dev, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && opt.inject && errno == ENOMEM && ++tries < 1000);
	return fd;
}

struct aest_thread {
	pthread_t tid;
	unsigned int cpu;
	unsigned int rng;
	int shared_fd;
};

static void *aest_mm_worker(void *data)
{
	struct aest_thread *t = data;
	struct aest_block blk[AEST_BLOCKS] = { 0 };
	cpu_set_t set;
	unsigned int i, r;
	int own;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	own = aest_open("/dev/aether_mm");
	if (own < 0) {
		aest_err("open", errno);
		return NULL;
	}
	while (!aest_stop && time(NULL) < aest_deadline) {
		i = rand_r(&t->rng) % AEST_BLOCKS;
		r = rand_r(&t->rng) % 10;
		if (!blk[i].handle)
			aest_mm_alloc(r & 1 ? own : t->shared_fd, &t->rng, &blk[i]);
		else if (r < 6)
			aest_mm_check(&blk[i]);
		else {
			aest_mm_check(&blk[i]);
			aest_mm_free(&blk[i]);
		}
		aest_count(&aest_ops, 1);
	}
	for (i = 0; i < AEST_BLOCKS; i++) {
		if (blk[i].handle) {
			aest_mm_check(&blk[i]);
			if (i & 1)	/* the rest go with the fd */
				aest_mm_free(&blk[i]);
		}
	}
	close(own);
	return NULL;
}

#ifdef AETHER_SLUB_IOC_MAGIC
/* ---- aether_slub: objects of a private cache and of kmalloc ---- */

struct aest_obj {
	uint64_t handle;
	uint64_t seed;
	int fd;
};

static int aest_slub_fill(struct aest_obj *o, bool verify)
{
	struct aether_slub_fill f = {
		.size = sizeof(f),
		.flags = verify ? AETHER_SLUB_FILL_VERIFY : 0,
		.handle = o->handle,
		.seed = o->seed,
	};

	if (ioctl(o->fd, AETHER_SLUB_IOC_FILL, &f))
		return -errno;
	return verify && f.mismatches ? 1 : 0;
}

static void aest_slub_check(struct aest_obj *o)
{
	int ret = aest_slub_fill(o, true);

	if (ret < 0) {
		aest_err("slub FILL VERIFY", -ret);
	} else if (ret) {
		aest_count(&aest_corrupt, 1);
		fprintf(stderr, "# CORRUPT slub object %#llx seed %llu\n",
			(unsigned long long)o->handle,
			(unsigned long long)o->seed);
	}
	aest_count(&aest_verified, 1);
}

static void aest_slub_free(struct aest_obj *o)
{
	struct aether_slub_free f = {
		.size = sizeof(f), .count = 1, .handles = (uintptr_t)&o->handle,
	};

	if (ioctl(o->fd, AETHER_SLUB_IOC_FREE, &f))
		aest_err("slub FREE", errno);
	o->handle = 0;
}

static void aest_slub_alloc(int fd, unsigned int cache, unsigned int *rng,
			    struct aest_obj *o)
{
	struct aether_slub_alloc a = {
		.size = sizeof(a),
		.id = cache,
		.kmalloc_size = cache ? 0 : 8 + rand_r(rng) % 8192,
		.node = (int)(rand_r(rng) % 3) - 1,
		.count = 1,
		.handles = (uintptr_t)&o->handle,
	};
	int ret;

	if (ioctl(fd, AETHER_SLUB_IOC_ALLOC, &a)) {
		aest_err("slub ALLOC", errno);
		return;
	}
	o->fd = fd;
	o->seed = ((uint64_t)rand_r(rng) << 32) | rand_r(rng);
	ret = aest_slub_fill(o, false);
	if (ret) {
		aest_err("slub FILL", -ret);
		aest_slub_free(o);
	}
}

static unsigned int aest_slub_cache(int fd, unsigned int *rng)
{
	struct aether_slub_create c = {
		.size = sizeof(c),
		.object_size = 8 + rand_r(rng) % 2048,
		.flags = rand_r(rng) & 1 ? AETHER_SLUB_F_HWCACHE_ALIGN : 0,
	};

	snprintf(c.name, sizeof(c.name), "stress-%d-%u", getpid(),
		 rand_r(rng));
	if (ioctl(fd, AETHER_SLUB_IOC_CREATE, &c)) {
		aest_err("slub CREATE", errno);
		return 0;
	}
	return c.id;
}

static void *aest_slub_worker(void *data)
{
	struct aest_thread *t = data;
	struct aest_obj obj[AEST_BLOCKS] = { 0 };
	unsigned int i, r, cache;
	cpu_set_t set;
	int own;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	own = aest_open("/dev/aether_slub");
	if (own < 0) {
		aest_err("open", errno);
		return NULL;
	}
	cache = aest_slub_cache(own, &t->rng);
	while (!aest_stop && time(NULL) < aest_deadline) {
		i = rand_r(&t->rng) % AEST_BLOCKS;
		r = rand_r(&t->rng) % 10;
		if (!obj[i].handle)
			aest_slub_alloc(r & 1 && cache ? own : t->shared_fd,
					r & 1 ? cache : 0, &t->rng, &obj[i]);
		else if (r < 6)
			aest_slub_check(&obj[i]);
		else {
			aest_slub_check(&obj[i]);
			aest_slub_free(&obj[i]);
		}
		aest_count(&aest_ops, 1);
	}
	for (i = 0; i < AEST_BLOCKS; i++) {
		if (obj[i].handle) {
			aest_slub_check(&obj[i]);
			if (i & 1)	/* the rest go with the fd */
				aest_slub_free(&obj[i]);
		}
	}
	close(own);
	return NULL;
}
#endif /* AETHER_SLUB_IOC_MAGIC */

/* One line per module: its device and the worker that stresses it. */
static const struct {
	const char *dev;
	void *(*fn)(void *);
} aest_workers[] = {
	{ "/dev/aether_mm", aest_mm_worker },
#ifdef AETHER_SLUB_IOC_MAGIC
	{ "/dev/aether_slub", aest_slub_worker },
#endif
};

static int aest_hold(void)
{
	struct aest_block blk[16] = { 0 };
	unsigned int rng = getpid(), i, n = 0;
	int fd;

	fd = open("/dev/aether_mm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/aether_mm");
		return 1;
	}
	for (i = 0; i < AEST_ARRAY_SIZE(blk); i++)
		n += aest_mm_alloc(fd, &rng, &blk[i]);
	printf("# holding %u blocks on an open fd\n", n);
	fflush(stdout);
	aest_deadline = time(NULL) + opt.hold;
	while (!aest_stop && time(NULL) < aest_deadline)
		usleep(100000);
	for (i = 0; i < AEST_ARRAY_SIZE(blk); i++)
		if (blk[i].handle)
			aest_mm_check(&blk[i]);
	close(fd);
	return aest_corrupt || aest_unclean || n != AEST_ARRAY_SIZE(blk);
}

static void aest_on_term(int sig)
{
	(void)sig;
	aest_stop = 1;
}

static int aest_options(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "d:t:H:iA")) != -1) {
		switch (c) {
		case 'd': opt.seconds = strtoul(optarg, NULL, 0); break;
		case 't': opt.per_cpu = strtoul(optarg, NULL, 0); break;
		case 'H': opt.hold = strtoul(optarg, NULL, 0); break;
		case 'i': opt.inject = true; break;
		case 'A': opt.account = false; break;
		default:
			fprintf(stderr, "usage: aether_stress [-d s] [-t n] [-i] [-A] | -H s\n");
			return -1;
		}
	}
	if (!opt.per_cpu)
		opt.per_cpu = 1;
	return 0;
}

static int aest_run(void)
{
	unsigned int ncpu = sysconf(_SC_NPROCESSORS_ONLN), n = 0, w, i;
	struct aest_thread *t;
	int shared[AEST_ARRAY_SIZE(aest_workers)];

	t = calloc(ncpu * opt.per_cpu * AEST_ARRAY_SIZE(aest_workers),
		   sizeof(*t));
	if (!t)
		return -1;
	aest_deadline = time(NULL) + opt.seconds;
	for (w = 0; w < AEST_ARRAY_SIZE(aest_workers); w++) {
		shared[w] = aest_open(aest_workers[w].dev);
		if (shared[w] < 0) {
			printf("# %s: %s, not stressed\n", aest_workers[w].dev,
			       strerror(errno));
			continue;
		}
		for (i = 0; i < ncpu * opt.per_cpu; i++, n++) {
			t[n].cpu = i % ncpu;
			t[n].rng = 0x9e3779b9u * (n + 1) ^ time(NULL);
			t[n].shared_fd = shared[w];
			if (pthread_create(&t[n].tid, NULL, aest_workers[w].fn,
					   &t[n]))
				return -1;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i].tid, NULL);
	for (w = 0; w < AEST_ARRAY_SIZE(aest_workers); w++)
		if (shared[w] >= 0)
			close(shared[w]);
	free(t);
	return n;
}

int main(int argc, char **argv)
{
	struct aether_pool_snap before;
	time_t start = time(NULL);
	int acct = -1, n, ok;

	if (aest_options(argc, argv))
		return 2;
	signal(SIGTERM, aest_on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.hold)
		return aest_hold();
	printf("TAP version 13\n1..1\n");
	if (access("/dev/aether_mm", F_OK)) {
		printf("ok 1 aether_stress # SKIP no /dev/aether_mm\n");
		return 4;
	}
	if (opt.account)
		acct = aether_pool_snapshot(&before);
	n = aest_run();
	printf("# %d threads, %ld s: %lu ops, %lu verified, %lu corrupt, %lu ENOMEM, %lu bad errors\n",
	       n, (long)(time(NULL) - start), aest_ops, aest_verified,
	       aest_corrupt, aest_enomem, aest_unclean);
	ok = n > 0 && !aest_corrupt && !aest_unclean &&
	     (opt.inject || !aest_enomem);
	if (!acct && aether_pool_compare(&before))
		ok = 0;
	printf("AETHER-RESULT stress_seconds %ld\n", (long)(time(NULL) - start));
	printf("AETHER-RESULT stress_corrupt %lu\n", aest_corrupt);
	printf("%s 1 aether_stress\n", ok ? "ok" : "not ok");
	return ok ? 0 : 1;
}
