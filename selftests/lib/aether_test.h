/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_test.h - what every Aether selftest directory needs, once
 *
 * Capabilities, running a body in a child (unprivileged, or as one of the
 * box's users for real), CPU pinning and sysfs/debugfs files.  Nothing
 * here knows about a device or the kselftest harness: every helper returns
 * 0 or -errno (or AET_HELPER_FAILED, below) and the test decides.  The
 * per-module utilities (aether_mm_util.h, aether_slub_util.h) keep their
 * own names as thin wrappers over these.
 */
#ifndef AETHER_TEST_H
#define AETHER_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * What a helper that runs a body in a child answers when it could not run
 * it as asked (the child could not drop privileges, fork failed, the child
 * died, the body returned something that is not 0 or -errno): no ioctl
 * answers this, so an ASSERT_EQ(-EPERM, ...) fails instead of passing.
 */
#define AET_HELPER_FAILED	1000

/* The group "aether" that owns the devices in the box (scripts/box.sh). */
#define AET_AETHER_GID		990
#define AET_MAX_GROUPS		8

/* A user of the box, as a login would have it. */
struct aet_user {
	const char *name;	/* NULL: not checked against /etc/passwd */
	uid_t uid;
	gid_t gid;
	gid_t groups[AET_MAX_GROUPS];
	unsigned int nr_groups;
};

/* open(@path, O_RDWR | O_CLOEXEC): the fd, or -errno. */
int aet_open(const char *path);
/* ioctl(): 0 or -errno. */
int aet_ioctl(int fd, unsigned long cmd, void *arg);

/* Files (sysfs, debugfs, procfs). */
int aet_write_file(const char *path, const char *text);
int aet_read_file(const char *path, char *buf, size_t len);
/* Run shell command @cmd; its stdout into @out; its exit status, or -1. */
int aet_shell(const char *cmd, char *out, size_t len);

/*
 * Is this the debug kernel (scripts/debug-kernel.sh: its release names
 * it)?  KASAN, lockdep and kmemleak make its code several times slower
 * than the distribution kernels' under emulation: a test whose workload
 * is volume (a benchmark's bytes, passes over a working set) runs a
 * smaller one there, every path it checks still taken.
 */
bool aet_debug_kernel(void);

/*
 * The writable parameters of a module (/sys/module/<module>/parameters),
 * as they read: aet_params_save() keeps them, aet_params_restore() writes
 * back each one that reads differently now (no other: writing a parameter
 * may do more than store it) and answers how many it wrote, or -errno of
 * the first it could not.  A fixture saves in its setup and restores in
 * its teardown, so that a test that fails half-way leaves the module as
 * the next test expects it.
 */
#define AET_MAX_PARAMS		32
#define AET_PARAM_NAME		48
#define AET_PARAM_VALUE		64

struct aet_params {
	char dir[96];
	unsigned int nr;
	struct {
		char name[AET_PARAM_NAME];
		char value[AET_PARAM_VALUE];
	} p[AET_MAX_PARAMS];
};

int aet_params_save(const char *module, struct aet_params *s);
int aet_params_restore(const struct aet_params *s);

/* CPUs. */
int aet_nr_cpus(void);
int aet_pin_cpu(int cpu);

/* Capabilities of the calling thread. */
int aet_cap_effective(int cap);
int aet_drop_sys_admin(void);

/* Become @u for real (uid, gid, groups; no capability left): 0 or -errno. */
int aet_become(const struct aet_user *u);
/* Root, and /etc/passwd has @u (by name and uid). */
bool aet_can_run_as(const struct aet_user *u);

/*
 * Fork; in the child run @setup(@how) (may be NULL), then @fn(@fd, @arg)
 * and exit with its -errno.  The parent gets the pid (or -1) of
 * aet_start(), and aet_wait() turns the child's end into @fn's 0 or
 * -errno, or AET_HELPER_FAILED.
 */
pid_t aet_start(int (*setup)(const void *how), const void *how,
		int (*fn)(int fd, void *arg), int fd, void *arg);
int aet_wait(pid_t pid);
int aet_run(int (*setup)(const void *how), const void *how,
	    int (*fn)(int fd, void *arg), int fd, void *arg);

/* @fn(@fd, @arg) in a child without CAP_SYS_ADMIN, on the parent's @fd. */
int aet_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg);
/* @fn(@arg) in a child that is @u for real; it opens what it needs. */
pid_t aet_start_as(const struct aet_user *u, int (*fn)(void *arg), void *arg);
int aet_run_as(const struct aet_user *u, int (*fn)(void *arg), void *arg);

/*
 * @fn(@arg) in a forked child that exits with its return value: the
 * child's wait status, or -errno when it could not be run.
 */
int aet_run_child(int (*fn)(void *arg), void *arg);

#endif /* AETHER_TEST_H */
