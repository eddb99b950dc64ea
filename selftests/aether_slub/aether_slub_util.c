// SPDX-License-Identifier: GPL-2.0
/*
 * aether_slub_util.c - helpers shared by the aether_slub selftests
 *
 * Every ioctl wrapper returns 0 or -errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "aether_slub_util.h"

/* The plumbing every selftest directory shares: selftests/lib. */
int aslt_open(void)
{
	return aet_open(ASLT_DEV);
}

int aslt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return aet_ioctl(fd, cmd, arg);
}

int aslt_nr_cpus(void)
{
	return aet_nr_cpus();
}

int aslt_pin_cpu(int cpu)
{
	return aet_pin_cpu(cpu);
}

int aslt_read_file(const char *path, char *buf, size_t len)
{
	return aet_read_file(path, buf, len);
}

int aslt_write_file(const char *path, const char *text)
{
	return aet_write_file(path, text);
}

int aslt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg)
{
	return aet_run_unprivileged(fn, fd, arg);
}

int aslt_wait(pid_t pid)
{
	return aet_wait(pid);
}

/* @uid for real: its own group and group aether, no capabilities. */
pid_t aslt_start_as(uid_t uid, int (*fn)(void *arg), void *arg)
{
	const struct aet_user u = {
		.uid = uid, .gid = uid,
		.groups = { ASLT_AETHER_GID }, .nr_groups = 1,
	};

	return aet_start_as(&u, fn, arg);
}

int aslt_run_as(uid_t uid, int (*fn)(void *arg), void *arg)
{
	return aslt_wait(aslt_start_as(uid, fn, arg));
}

/* A cache name unique to this process and call. */
void aslt_name(char *buf, const char *what)
{
	static unsigned int seq;

	snprintf(buf, AETHER_SLUB_NAME_LEN, "t%d-%u-%.12s", getpid(), seq++,
		 what);
}

int aslt_info(int fd, struct aether_slub_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return aslt_ioctl(fd, AETHER_SLUB_IOC_INFO, info);
}

int aslt_create(int fd, const char *name, __u32 size, __u32 align,
		__u32 flags, struct aether_slub_create *out)
{
	struct aether_slub_create c = {
		.size = sizeof(c),
		.flags = flags,
		.object_size = size,
		.align = align,
	};
	int ret;

	memcpy(c.name, name, strnlen(name, sizeof(c.name)));
	ret = aslt_ioctl(fd, AETHER_SLUB_IOC_CREATE, &c);
	if (out)
		*out = c;
	return ret;
}

int aslt_destroy(int fd, __u32 id, __u32 *live)
{
	struct aether_slub_destroy d = { .size = sizeof(d), .id = id };
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_DESTROY, &d);

	if (live)
		*live = d.live;
	return ret;
}

int aslt_alloc(int fd, __u32 id, __u32 kmsize, int node, __u32 flags,
	       __u64 *handles, __u32 *count)
{
	struct aether_slub_alloc a = {
		.size = sizeof(a),
		.flags = flags,
		.id = id,
		.kmalloc_size = kmsize,
		.node = node,
		.count = *count,
		.handles = (uintptr_t)handles,
	};
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_ALLOC, &a);

	if (!ret)
		*count = a.count;
	return ret;
}

int aslt_alloc1(int fd, __u32 id, __u64 *handle)
{
	__u32 count = 1;

	return aslt_alloc(fd, id, 0, -1, 0, handle, &count);
}

int aslt_free(int fd, const __u64 *handles, __u32 count)
{
	struct aether_slub_free f = {
		.size = sizeof(f),
		.count = count,
		.handles = (uintptr_t)handles,
	};

	return aslt_ioctl(fd, AETHER_SLUB_IOC_FREE, &f);
}

int aslt_fill(int fd, __u64 handle, __u64 seed)
{
	struct aether_slub_fill f = {
		.size = sizeof(f), .handle = handle, .seed = seed,
	};

	return aslt_ioctl(fd, AETHER_SLUB_IOC_FILL, &f);
}

int aslt_verify(int fd, __u64 handle, __u64 seed, __u64 *mismatches)
{
	struct aether_slub_fill f = {
		.size = sizeof(f),
		.flags = AETHER_SLUB_FILL_VERIFY,
		.handle = handle,
		.seed = seed,
	};
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_FILL, &f);

	if (!ret)
		*mismatches = f.mismatches;
	return ret;
}

int aslt_obj_info(int fd, __u64 handle, struct aether_slub_obj_info *oi)
{
	memset(oi, 0, sizeof(*oi));
	oi->size = sizeof(*oi);
	oi->handle = handle;
	return aslt_ioctl(fd, AETHER_SLUB_IOC_OBJ_INFO, oi);
}

int aslt_trigger(int fd, __u32 id, __u32 scenario, __u32 *detected)
{
	struct aether_slub_trigger t = {
		.size = sizeof(t), .scenario = scenario, .id = id,
	};
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_TRIGGER, &t);

	if (!ret && detected)
		*detected = t.detected;
	return ret;
}

int aslt_stats(int fd, __u32 by, __u32 key,
	       struct aether_slub_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->by = by;
	st->key = key;
	return aslt_ioctl(fd, AETHER_SLUB_IOC_CACHE_STATS, st);
}

int aslt_shrink(int fd, __u32 id, __u64 *pages)
{
	struct aether_slub_shrink s = { .size = sizeof(s), .id = id };
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_SHRINK, &s);

	if (!ret && pages)
		*pages = s.pages;
	return ret;
}

int aslt_validate(int fd, __u32 id, __u32 *errors)
{
	struct aether_slub_validate v = { .size = sizeof(v), .id = id };
	int ret = aslt_ioctl(fd, AETHER_SLUB_IOC_VALIDATE, &v);

	if (!ret)
		*errors = v.errors;
	return ret;
}

int aslt_pool_used(__u64 *used)
{
	struct aether_mm_pool_info pi = { .size = sizeof(pi) };
	int fd, ret;

	fd = open(ASLT_MM_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = aslt_ioctl(fd, AETHER_MM_IOC_DRAIN, NULL);
	if (!ret)
		ret = aslt_ioctl(fd, AETHER_MM_IOC_POOL_INFO, &pi);
	close(fd);
	if (!ret)
		*used = pi.pages_total - pi.pages_free;
	return ret;
}

int aslt_gate_init(struct aslt_gate *g)
{
	return pipe2(g->fd, O_CLOEXEC) ? -errno : 0;
}

int aslt_gate_pass(struct aslt_gate *g)
{
	char c = 1;

	return write(g->fd[1], &c, 1) == 1 ? 0 : -EPIPE;
}

/* Wait for one pass: 0, or -ETIMEDOUT, or -EPIPE when no one can pass. */
int aslt_gate_wait(struct aslt_gate *g, int timeout_ms)
{
	struct pollfd p = { .fd = g->fd[0], .events = POLLIN };
	char c;

	if (poll(&p, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	return read(g->fd[0], &c, 1) == 1 ? 0 : -EPIPE;
}

/* Either end may have been closed already (set to -1). */
void aslt_gate_close(struct aslt_gate *g)
{
	if (g->fd[0] >= 0)
		close(g->fd[0]);
	if (g->fd[1] >= 0)
		close(g->fd[1]);
}

bool aslt_have_debugfs(void)
{
	return access(ASLT_DEBUGFS, F_OK) == 0;
}

/*
 * The path of @file in the debugfs directory of @cache, a cache that this
 * process's effective uid made through the device (caches/<name>@<uid>/).
 */
void aslt_cache_path(char *buf, size_t len, const char *cache,
		     const char *file)
{
	snprintf(buf, len, "%s/caches/%s@%u/%s", ASLT_DEBUGFS, cache,
		 (unsigned int)geteuid(), file);
}

/* The value of "key N" in debugfs info of our cache @cache, or -1. */
long aslt_cache_info(const char *cache, const char *key)
{
	char path[256], buf[16384], *p;
	size_t len = strlen(key);

	aslt_cache_path(path, sizeof(path), cache, "info");
	if (aslt_read_file(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 10);
	}
	return -1;
}

/* Bytes of the FILL pattern of @seed over @size bytes that are not zero. */
__u64 aslt_pattern_nonzero(__u64 seed, __u32 size)
{
	__u64 word = 0, n = 0;
	__u32 i;

	for (i = 0; i < size; i++) {
		if (!(i % 8))
			word = seed ^ ((__u64)(i / 8) * 0x9e3779b97f4a7c15ULL);
		n += ((word >> (8 * (i % 8))) & 0xff) != 0;
	}
	return n;
}

/* /dev/kmsg opened at its end, so that only new records are read; or -errno. */
int aslt_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/* Kernel log records since aslt_kmsg_open() that hold @needle. */
int aslt_kmsg_count(int fd, const char *needle)
{
	char rec[2048];
	int found = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return found;
		rec[n] = '\0';
		found += !!strstr(rec, needle);
	}
}
