// SPDX-License-Identifier: GPL-2.0
/*
 * aether_zram_util.c - helpers shared by the aether_zram selftests
 *
 * Every helper returns 0 (or an id, an fd) or -errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aether_zram_util.h"

int azt_open(void)
{
	return aet_open(AZT_CONTROL);
}

int azt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return aet_ioctl(fd, cmd, arg);
}

int azt_info(int fd, struct aether_zram_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return azt_ioctl(fd, AETHER_ZRAM_IOC_INFO, info);
}

int azt_add(int fd, __u32 algo, __s32 level, __u64 disksize,
	    __u64 mem_limit)
{
	struct aether_zram_add a = {
		.size = sizeof(a), .algo = algo, .level = level,
		.disksize = disksize, .mem_limit = mem_limit,
	};
	int ret = azt_ioctl(fd, AETHER_ZRAM_IOC_ADD, &a);

	return ret ? ret : (int)a.id;
}

static int azt_dev_cmd(int fd, unsigned long cmd, __u32 id, __u64 *result)
{
	struct aether_zram_dev a = { .size = sizeof(a), .id = id };
	int ret = azt_ioctl(fd, cmd, &a);

	if (!ret && result)
		*result = a.result;
	return ret;
}

int azt_remove(int fd, __u32 id)
{
	return azt_dev_cmd(fd, AETHER_ZRAM_IOC_REMOVE, id, NULL);
}

int azt_reset(int fd, __u32 id)
{
	return azt_dev_cmd(fd, AETHER_ZRAM_IOC_RESET, id, NULL);
}

int azt_compact(int fd, __u32 id, __u64 *pages)
{
	return azt_dev_cmd(fd, AETHER_ZRAM_IOC_COMPACT, id, pages);
}

int azt_dev_stats(int fd, __u32 id, struct aether_zram_dev_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = id;
	return azt_ioctl(fd, AETHER_ZRAM_IOC_DEV_STATS, st);
}

/* One read(2) of a file that answers in one go: its errno if it fails. */
static int azt_read_once(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

int azt_hot_add(void)
{
	char buf[32], *end;
	long id;
	int ret;

	ret = azt_read_once(AZT_CLASS "/hot_add", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	id = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || id < 0)
		return -EPROTO;
	return id;
}

int azt_hot_remove(int id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", id);
	return aet_write_file(AZT_CLASS "/hot_remove", buf);
}

void azt_attr_path(char *buf, size_t len, int id, const char *attr)
{
	snprintf(buf, len, "/sys/block/aether_zram%d/%s", id, attr);
}

int azt_attr_read(int id, const char *attr, char *buf, size_t len)
{
	char path[128];

	azt_attr_path(path, sizeof(path), id, attr);
	return azt_read_once(path, buf, len);
}

int azt_attr_write(int id, const char *attr, const char *text)
{
	char path[128];

	azt_attr_path(path, sizeof(path), id, attr);
	return aet_write_file(path, text);
}

int azt_attr_u64(int id, const char *attr, __u64 *val)
{
	char buf[64], *end;
	int ret;

	ret = azt_attr_read(id, attr, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int azt_stat_cols(int id, const char *attr, __u64 *cols, int max)
{
	char buf[512], *p, *end;
	int n, ret;

	ret = azt_attr_read(id, attr, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	for (n = 0, p = buf; n < max; n++, p = end) {
		cols[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
	}
	return n;
}

int azt_mm_stat(int id, __u64 cols[AZT_MM_COLS])
{
	int n = azt_stat_cols(id, "mm_stat", cols, AZT_MM_COLS);

	if (n < 0)
		return n;
	return n == AZT_MM_COLS ? 0 : -EPROTO;
}

void azt_dev_path(char *buf, size_t len, int id)
{
	snprintf(buf, len, "/dev/aether_zram%d", id);
}

int azt_dev_open(int id, int flags)
{
	char path[64];
	int fd;

	azt_dev_path(path, sizeof(path), id);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static __u64 azt_word(__u64 pos, __u64 seed)
{
	__u64 w = (pos >> 3) % 61 + seed * 0x9e3779b97f4a7c15ULL;

	return w * 0xbf58476d1ce4e5b9ULL ^ (pos >> 12);
}

void azt_fill(void *buf, size_t len, __u64 off, __u64 seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		__u64 pos = off + i;

		p[i] = azt_word(pos, seed) >> ((pos & 7) * 8);
	}
}

long azt_check(const void *buf, size_t len, __u64 off, __u64 seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		__u64 pos = off + i;

		if (p[i] != (unsigned char)(azt_word(pos, seed) >>
					    ((pos & 7) * 8)))
			return i;
	}
	return -1;
}

void *azt_alloc_aligned(size_t len)
{
	void *p;

	return posix_memalign(&p, 4096, len) ? NULL : p;
}

int azt_pool_used(__u64 *used)
{
	struct aether_mm_pool_info pi = { .size = sizeof(pi) };
	int fd, ret;

	fd = aet_open("/dev/aether_mm");
	if (fd < 0)
		return fd;
	ret = aet_ioctl(fd, AETHER_MM_IOC_DRAIN, NULL);
	if (!ret)
		ret = aet_ioctl(fd, AETHER_MM_IOC_POOL_INFO, &pi);
	close(fd);
	if (!ret)
		*used = pi.pages_total - pi.pages_free;
	return ret;
}

int azt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg)
{
	return aet_run_unprivileged(fn, fd, arg);
}

long long azt_json_number(const char *json, const char *key)
{
	char quoted[64];
	const char *at;

	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	at = strstr(json, quoted);
	if (!at)
		return -1;
	at = strchr(at + strlen(quoted), ':');
	return at ? strtoll(at + 1, NULL, 10) : -1;
}
