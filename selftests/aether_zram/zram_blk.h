/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zram_blk.h - a zram-like block device, whichever module provides it
 *
 * aether_zram keeps the kernel zram's sysfs names and formats, so the
 * filesystem and swap tests drive either one by its name alone:
 *
 *	/sys/class/<kind>-control/hot_add	read: a new device's N
 *	/sys/class/<kind>-control/hot_remove	write N: remove it
 *	/sys/block/<kind>N/{disksize,comp_algorithm,reset,mm_stat,io_stat}
 *	/dev/<kind>N
 *
 * <kind> is "aether_zram", or "zram" (the distribution's module, loaded
 * with modprobe if need be) when AETHER_ZRAM_KIND=zram is in the
 * environment: the tests are then checked against the kernel's own zram,
 * which is how they were first written.  Helpers answer 0 or -errno (or a
 * value >= 0), and the test decides.  Header-only: the two tests that use
 * it are its only users.
 */
#ifndef ZRAM_BLK_H
#define ZRAM_BLK_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* One device of a kind: its module's name and its N. */
struct zblk {
	const char *kind;	/* "aether_zram" or "zram" */
	int id;			/* -1: none */
};

/* zram's mm_stat, its nine columns in its order. */
struct zblk_mm_stat {
	uint64_t orig_data_size;
	uint64_t compr_data_size;
	uint64_t mem_used_total;
	uint64_t mem_limit;
	uint64_t mem_used_max;
	uint64_t same_pages;
	uint64_t pages_compacted;
	uint64_t huge_pages;
	uint64_t huge_pages_since;
};

/* zram's io_stat: failed_reads failed_writes invalid_io notify_free. */
struct zblk_io_stat {
	uint64_t failed_reads;
	uint64_t failed_writes;
	uint64_t invalid_io;
	uint64_t notify_free;
};

/* The kind these tests run on: AETHER_ZRAM_KIND, else aether_zram. */
static inline const char *zblk_kind(void)
{
	const char *k = getenv("AETHER_ZRAM_KIND");

	return k && !strcmp(k, "zram") ? "zram" : "aether_zram";
}

static inline void zblk_control(const char *kind, const char *file,
				char *buf, size_t len)
{
	snprintf(buf, len, "/sys/class/%s-control/%s", kind, file);
}

static inline void zblk_attr_path(const struct zblk *z, const char *attr,
				  char *buf, size_t len)
{
	snprintf(buf, len, "/sys/block/%s%d/%s", z->kind, z->id, attr);
}

static inline void zblk_dev_path(const struct zblk *z, char *buf, size_t len)
{
	snprintf(buf, len, "/dev/%s%d", z->kind, z->id);
}

/*
 * Run @argv (argv[0] a path or a name on PATH), its stdout and stderr
 * appended to @log (NULL: the test's own, so that what mkfs or fsck said
 * is in the test's output): its exit status, -1 when it did not exit
 * normally, or -errno when it could not be started.
 */
static inline int zblk_run(const char *log, char *const argv[])
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				0644) : -1;
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether @name is a program on PATH. */
static inline bool zblk_have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *end;

	for (p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p; p = end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, name);
		if (!access(buf, X_OK))
			return true;
		if (*end)
			end++;
	}
	return false;
}

/*
 * Whether devices of @kind can be added: its control class exists, after
 * a "modprobe zram num_devices=0" for the distribution's zram.
 */
static inline bool zblk_kind_present(const char *kind)
{
	char path[128];

	zblk_control(kind, "hot_add", path, sizeof(path));
	if (!access(path, R_OK))
		return true;
	if (!strcmp(kind, "zram")) {
		char *const argv[] = { "modprobe", "zram", "num_devices=0",
				       NULL };

		zblk_run("/dev/null", argv);
	}
	return !access(path, R_OK);
}

static inline int zblk_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static inline int zblk_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static inline int zblk_attr_write(const struct zblk *z, const char *attr,
				  const char *text)
{
	char path[128];

	zblk_attr_path(z, attr, path, sizeof(path));
	return zblk_write(path, text);
}

static inline int zblk_attr_read(const struct zblk *z, const char *attr,
				 char *buf, size_t len)
{
	char path[128];

	zblk_attr_path(z, attr, path, sizeof(path));
	return zblk_read(path, buf, len);
}

/* A new device of @kind (hot_add): 0 and @z filled, or -errno. */
static inline int zblk_add(const char *kind, struct zblk *z)
{
	char path[128], buf[32];
	int ret;

	z->kind = kind;
	z->id = -1;
	zblk_control(kind, "hot_add", path, sizeof(path));
	ret = zblk_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	z->id = atoi(buf);
	return 0;
}

/* hot_remove: 0 or -errno (EBUSY while in use). */
static inline int zblk_remove(const struct zblk *z)
{
	char path[128], buf[16];

	zblk_control(z->kind, "hot_remove", path, sizeof(path));
	snprintf(buf, sizeof(buf), "%d", z->id);
	return zblk_write(path, buf);
}

/* reset: 0 or -errno (EBUSY while in use). */
static inline int zblk_reset(const struct zblk *z)
{
	return zblk_attr_write(z, "reset", "1");
}

/* comp_algorithm, then disksize (zram wants them in that order). */
static inline int zblk_setup(const struct zblk *z, const char *algo,
			     const char *disksize)
{
	int ret = zblk_attr_write(z, "comp_algorithm", algo);

	return ret ? ret : zblk_attr_write(z, "disksize", disksize);
}

/* The algorithm in brackets of comp_algorithm, into @buf. */
static inline int zblk_algo(const struct zblk *z, char *buf, size_t len)
{
	char text[256], *open, *close;
	int ret = zblk_attr_read(z, "comp_algorithm", text, sizeof(text));

	if (ret)
		return ret;
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return -EINVAL;
	snprintf(buf, len, "%.*s", (int)(close - open - 1), open + 1);
	return 0;
}

static inline int zblk_mm_stat(const struct zblk *z, struct zblk_mm_stat *s)
{
	char buf[512];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = zblk_attr_read(z, "mm_stat", buf, sizeof(buf));
	if (ret)
		return ret;
	/* 6.1's zram and aether_zram print nine columns; need at least 8. */
	if (sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu %lu %lu",
		   &s->orig_data_size, &s->compr_data_size, &s->mem_used_total,
		   &s->mem_limit, &s->mem_used_max, &s->same_pages,
		   &s->pages_compacted, &s->huge_pages,
		   &s->huge_pages_since) < 8)
		return -EINVAL;
	return 0;
}

static inline int zblk_io_stat(const struct zblk *z, struct zblk_io_stat *s)
{
	char buf[256];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = zblk_attr_read(z, "io_stat", buf, sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%lu %lu %lu %lu", &s->failed_reads,
		   &s->failed_writes, &s->invalid_io, &s->notify_free) != 4)
		return -EINVAL;
	return 0;
}

/*
 * A 64-bit checksum of @len bytes (FNV-1a over 8-byte words, then the
 * tail; @seed chains calls), enough to tell any changed byte from the
 * original with overwhelming probability.
 */
static inline uint64_t zblk_sum(uint64_t seed, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = seed ^ 0xcbf29ce484222325ULL, w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

#endif /* ZRAM_BLK_H */
