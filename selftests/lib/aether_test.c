// SPDX-License-Identifier: GPL-2.0
/*
 * aether_test.c - what every Aether selftest directory needs, once
 *
 * See aether_test.h.  Every helper returns 0 or -errno.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "aether_test.h"

int aet_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int aet_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* Write all of @text to @path: 0, -errno, or -EIO for a short write. */
int aet_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/* Read up to @len - 1 bytes of @path into @buf, NUL-terminated. */
int aet_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got + 1 < len &&
	       (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return 0;
}

bool aet_debug_kernel(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "aether-debug");
}

int aet_params_save(const char *module, struct aet_params *s)
{
	char path[sizeof(s->dir) + AET_PARAM_NAME];
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	s->nr = 0;
	snprintf(s->dir, sizeof(s->dir), "/sys/module/%s/parameters", module);
	d = opendir(s->dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= AET_PARAM_NAME)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
		if (stat(path, &st) || !(st.st_mode & 0200))
			continue;
		if (s->nr == AET_MAX_PARAMS) {
			ret = -E2BIG;
			break;
		}
		ret = aet_read_file(path, s->p[s->nr].value, AET_PARAM_VALUE);
		if (ret)
			break;
		strcpy(s->p[s->nr].name, de->d_name);
		s->nr++;
	}
	closedir(d);
	return ret;
}

int aet_params_restore(const struct aet_params *s)
{
	char path[sizeof(s->dir) + AET_PARAM_NAME], now[AET_PARAM_VALUE];
	int written = 0, ret;
	unsigned int i;

	for (i = 0; i < s->nr; i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, s->p[i].name);
		ret = aet_read_file(path, now, sizeof(now));
		if (ret)
			return ret;
		if (!strcmp(now, s->p[i].value))
			continue;
		ret = aet_write_file(path, s->p[i].value);
		if (ret)
			return ret;
		written++;
	}
	return written;
}

int aet_nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

int aet_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Is @cap in the calling thread's effective set?  -errno when unknown. */
int aet_cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return !!(data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}

/* Drop CAP_SYS_ADMIN from every set of the calling thread. */
int aet_drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int word = CAP_TO_INDEX(CAP_SYS_ADMIN);
	__u32 mask = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[word].effective &= ~mask;
	data[word].permitted &= ~mask;
	data[word].inheritable &= ~mask;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	/* Believe the kernel, not capset()'s answer. */
	return aet_cap_effective(CAP_SYS_ADMIN) == 0 ? 0 : -EPERM;
}

int aet_become(const struct aet_user *u)
{
	gid_t groups[AET_MAX_GROUPS];
	int n;

	if (setgroups(u->nr_groups, u->groups) ||
	    setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (getuid() != u->uid || geteuid() != u->uid ||
	    getgid() != u->gid || getegid() != u->gid)
		return -EPERM;
	n = getgroups(AET_MAX_GROUPS, groups);
	if (n != (int)u->nr_groups ||
	    memcmp(groups, u->groups, n * sizeof(gid_t)))
		return -EPERM;
	/* setuid() from root to another uid clears every capability. */
	if (aet_cap_effective(CAP_SYS_ADMIN) != 0 ||
	    aet_cap_effective(CAP_DAC_OVERRIDE) != 0)
		return -EPERM;
	return 0;
}

/* Does /etc/passwd have "@name:x:@uid:" (the box's users)? */
static bool aet_passwd_has(const char *name, uid_t uid)
{
	char want[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), "%s:x:%u:", name, (unsigned int)uid);
	f = fopen("/etc/passwd", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, strlen(want));
	fclose(f);
	return found;
}

bool aet_can_run_as(const struct aet_user *u)
{
	return geteuid() == 0 && (!u->name || aet_passwd_has(u->name, u->uid));
}

/*
 * The child's exit codes that are no errno of @fn's: its setup failed, or
 * @fn returned something that cannot be carried (positive, or too large).
 */
#define AET_EXIT_SETUP		255
#define AET_EXIT_BAD_RET	254

pid_t aet_start(int (*setup)(const void *how), const void *how,
		int (*fn)(int fd, void *arg), int fd, void *arg)
{
	pid_t pid;
	int ret;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	ret = setup ? setup(how) : 0;
	if (ret) {
		fprintf(stderr, "# child setup failed: %s\n", strerror(-ret));
		fflush(stderr);
		_exit(AET_EXIT_SETUP);
	}
	ret = fn(fd, arg);
	if (ret > 0 || ret <= -AET_EXIT_BAD_RET)
		ret = -AET_EXIT_BAD_RET;
	fflush(stdout);
	fflush(stderr);
	_exit(-ret);
}

int aet_wait(pid_t pid)
{
	int status;

	if (pid < 0)
		return AET_HELPER_FAILED;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return AET_HELPER_FAILED;
	switch (WEXITSTATUS(status)) {
	case AET_EXIT_SETUP:
	case AET_EXIT_BAD_RET:
		return AET_HELPER_FAILED;
	default:
		return -WEXITSTATUS(status);
	}
}

int aet_run(int (*setup)(const void *how), const void *how,
	    int (*fn)(int fd, void *arg), int fd, void *arg)
{
	return aet_wait(aet_start(setup, how, fn, fd, arg));
}

static int aet_setup_drop_sys_admin(const void *how)
{
	(void)how;
	return aet_drop_sys_admin();
}

/*
 * @fd was opened by the privileged parent: the module must check the
 * caller's capability at ioctl time.  @arg is copied with the child, so
 * results must go through shared memory.
 */
int aet_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg)
{
	return aet_run(aet_setup_drop_sys_admin, NULL, fn, fd, arg);
}

static int aet_setup_user(const void *how)
{
	return aet_become(how);
}

struct aet_call {
	int (*fn)(void *arg);
	void *arg;
};

static int aet_call_fn(int fd, void *arg)
{
	struct aet_call *c = arg;

	(void)fd;
	return c->fn(c->arg);
}

/* The child gets its copy of @c at fork(): a stack variable will do. */
pid_t aet_start_as(const struct aet_user *u, int (*fn)(void *arg), void *arg)
{
	struct aet_call c = { fn, arg };

	return aet_start(aet_setup_user, u, aet_call_fn, -1, &c);
}

int aet_run_as(const struct aet_user *u, int (*fn)(void *arg), void *arg)
{
	return aet_wait(aet_start_as(u, fn, arg));
}

int aet_run_child(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return status;
}

int aet_shell(const char *cmd, char *out, size_t len)
{
	size_t got = 0, n;
	FILE *f;
	int st;

	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (got + 1 < len && (n = fread(out + got, 1, len - 1 - got, f)) > 0)
		got += n;
	out[got] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
