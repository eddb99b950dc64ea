// SPDX-License-Identifier: GPL-2.0
/*
 * aether_race - races on the life of regions, their views and their names
 *
 * A process that acts only on regions it created itself, as any user of
 * /dev/aether_mm may.  Per slot, one named region and two threads:
 *
 *   mapper	creates the region by name (or opens it, when the other
 *		thread still holds it), then again and again mmaps its only
 *		mapping, writes a few pages and munmaps it; closes the fd;
 *		and starts over, so the region dies and is born again
 *   user	opens the region by name, then CHECKSUM and MIGRATE through
 *		that fd: both act on this process's view, the mapper's
 *		mapping, while munmap tears it down; closes the fd, racing
 *		the mapper's last close
 *
 * Even slots are PRIVATE regions, odd ones SHARED.  Beside them a child
 * process whose RLIMIT_NOFILE leaves no room for a new fd CREATEs a named
 * region again and again (each fails in get_unused_fd_flags(), after the
 * region was published), while a thread of the parent OPENs that name;
 * and a thread of the parent runs COMPACT and a fast aether_kaccessd with
 * NUMA hinting on, so background passes meet regions after their last
 * close.
 *
 * Crashes and KASAN reports are the kernel log's business (the box fails
 * on them); this program fails on an errno outside the expected set, and
 * when the pool does not come back to where it was.
 *
 *   aether_race [-d seconds] [-r slots] [-m all|view|name] [-A]
 *
 *   -d  how long (default 5)
 *   -r  slots, two threads each (default 2 per online CPU)
 *   -m  view: only the views' race (each slot keeps one region and one fd
 *       for the whole run: mmap/munmap against CHECKSUM and MIGRATE);
 *       name: only the names' (open by name and close, CREATE without an
 *       fd, background passes; no CHECKSUM or MIGRATE); all: both (default)
 *   -A  no pool accounting check
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <linux/aether_mm.h>
#include "aether_pool.h"

#define AERACE_PAGES		32	/* data pages per region */
#define AERACE_MAPS		8	/* mmap/munmap cycles per region fd */
#define AERACE_PARAM		"/sys/module/aether_mm/parameters/"

static struct {
	unsigned int seconds;
	unsigned int slots;
	bool views, names;
	bool account;
} opt = { .seconds = 5, .views = true, .names = true, .account = true };

static volatile int aerace_stop;
static unsigned long aerace_ops, aerace_opens, aerace_emfile, aerace_bad;
static long aerace_page;
static int aerace_nodes = 1;

struct aerace_slot {
	pthread_t mapper, user;
	unsigned int nr;
	int dev;
	int fd;		/* -m view: the one fd of the slot */
	char name[AETHER_MM_REGION_NAME_MAX];
};

static void aerace_count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* A failed call with an errno outside the set the race allows. */
static void aerace_unexpected(const char *what, int err)
{
	aerace_count(&aerace_bad);
	fprintf(stderr, "# %s: %s\n", what, strerror(err));
}

static int aerace_create(int dev, const char *name, __u32 flags)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = flags | AETHER_MM_REGION_CLOEXEC,
		.length = AERACE_PAGES * aerace_page,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
		.pol_mode = AETHER_MM_POL_LOCAL,
		.name = (uintptr_t)name,
	};

	return ioctl(dev, AETHER_MM_IOC_REGION_CREATE, &c) ? -errno : c.fd;
}

static int aerace_open(int dev, const char *name)
{
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = AETHER_MM_REGION_OPEN_CLOEXEC,
		.name = (uintptr_t)name,
	};

	return ioctl(dev, AETHER_MM_IOC_REGION_OPEN, &o) ? -errno : o.fd;
}

/* Create the slot's region, or open it while the user still holds it. */
static int aerace_get(struct aerace_slot *s)
{
	__u32 kind = s->nr & 1 ? AETHER_MM_REGION_SHARED :
		     AETHER_MM_REGION_PRIVATE;
	int fd;

	while (!aerace_stop) {
		fd = aerace_create(s->dev, s->name, kind);
		if (fd != -EEXIST)
			break;
		fd = aerace_open(s->dev, s->name);
		if (fd != -ENOENT)	/* gone between the two: again */
			break;
	}
	if (fd < 0 && !aerace_stop)
		aerace_unexpected("REGION_CREATE/OPEN", -fd);
	return fd;
}

static void *aerace_mapper(void *arg)
{
	struct aerace_slot *s = arg;
	size_t len = AERACE_PAGES * aerace_page;
	unsigned int i, k;
	char *p;
	int fd;

	while (!aerace_stop) {
		fd = opt.names ? aerace_get(s) : s->fd;
		if (fd < 0)
			break;
		for (i = 0; i < AERACE_MAPS && !aerace_stop; i++) {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, 0);
			if (p == MAP_FAILED) {
				aerace_unexpected("mmap", errno);
				break;
			}
			for (k = 0; k < AERACE_PAGES; k += 3)
				p[k * aerace_page] = (char)(i + k + 1);
			munmap(p, len);
			aerace_count(&aerace_ops);
		}
		if (opt.names)
			close(fd);
	}
	return NULL;
}

static void aerace_use(int fd, unsigned int round)
{
	struct aether_mm_region_checksum c = {
		.size = sizeof(c),
		.length = AERACE_PAGES * aerace_page,
	};
	struct aether_mm_region_migrate m = {
		.size = sizeof(m),
		.node = round % aerace_nodes,
		.length = AERACE_PAGES * aerace_page,
	};

	if (!opt.views)
		return;
	if (ioctl(fd, AETHER_MM_IOC_REGION_CHECKSUM, &c))
		aerace_unexpected("REGION_CHECKSUM", errno);
	if (ioctl(fd, AETHER_MM_IOC_REGION_MIGRATE, &m))
		aerace_unexpected("REGION_MIGRATE", errno);
	aerace_count(&aerace_ops);
}

static void *aerace_user(void *arg)
{
	struct aerace_slot *s = arg;
	unsigned int round = 0, i;
	int fd;

	if (!opt.names) {
		while (!aerace_stop)
			aerace_use(s->fd, round++);
		return NULL;
	}
	while (!aerace_stop) {
		fd = aerace_open(s->dev, s->name);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			aerace_unexpected("REGION_OPEN", -fd);
			break;
		}
		aerace_count(&aerace_opens);
		for (i = 0; i < 4 && !aerace_stop; i++)
			aerace_use(fd, round++);
		close(fd);
	}
	return NULL;
}

/*
 * The child: its fd table is full at RLIMIT_NOFILE, so every CREATE of
 * @name publishes the region, then fails to find it an fd.
 */
static int aerace_emfile_child(int dev, const char *name)
{
	unsigned long n = 0;
	struct rlimit rl;
	int fd;

	/* The lowest free fd is the first one a new file would take. */
	fd = dup(dev);
	if (fd < 0 || getrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	close(fd);
	rl.rlim_cur = fd;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	while (!aerace_stop) {
		fd = aerace_create(dev, name, AETHER_MM_REGION_PRIVATE);
		if (fd >= 0) {		/* cannot be: no room for it */
			fprintf(stderr, "# CREATE with no fd room gave fd %d\n",
				fd);
			return 1;
		}
		if (fd != -EMFILE && fd != -EEXIST) {
			fprintf(stderr, "# CREATE with no fd room: %s\n",
				strerror(-fd));
			return 1;
		}
		n++;
	}
	printf("# %lu creates refused for want of an fd\n", n);
	return 0;
}

struct aerace_emfile {
	pthread_t opener;
	int dev;
	char name[AETHER_MM_REGION_NAME_MAX];
};

static void *aerace_opener(void *arg)
{
	struct aerace_emfile *e = arg;
	int fd;

	while (!aerace_stop) {
		fd = aerace_open(e->dev, e->name);
		if (fd >= 0) {
			aerace_count(&aerace_emfile);
			close(fd);
		} else if (fd != -ENOENT) {
			aerace_unexpected("REGION_OPEN of a failing CREATE",
					  -fd);
			break;
		}
	}
	return NULL;
}

/* Background passes: COMPACT now and then (root only). */
static void *aerace_background(void *arg)
{
	int dev = *(int *)arg;

	while (!aerace_stop) {
		struct aether_mm_compact c = { .size = sizeof(c), .node = -1 };

		if (ioctl(dev, AETHER_MM_IOC_COMPACT, &c) && errno != EPERM &&
		    errno != EBUSY && errno != EAGAIN)
			aerace_unexpected("COMPACT", errno);
		usleep(20000);
	}
	return NULL;
}

/* Write @val to module parameter @name, keeping the old value in @old. */
static void aerace_param(const char *name, const char *val, char *old,
			 size_t oldsz)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), AERACE_PARAM "%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (old) {
		n = read(fd, old, oldsz - 1);
		old[n > 0 ? n : 0] = '\0';
		lseek(fd, 0, SEEK_SET);
	}
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "# %s: %s\n", path, strerror(errno));
	close(fd);
}

static int aerace_count_nodes(int dev)
{
	struct aether_mm_region_migrate m = {
		.size = sizeof(m),
		.node = 1,
		.length = aerace_page,
	};
	int fd = aerace_create(dev, NULL, AETHER_MM_REGION_SHARED), ret;

	if (fd < 0)
		return 1;
	ret = ioctl(fd, AETHER_MM_IOC_REGION_MIGRATE, &m) ? 1 : 2;
	close(fd);
	return ret;
}

/* The EMFILE child, its opener, the background passes: -m name or all. */
static int aerace_names_start(struct aerace_emfile *e, pthread_t *bg,
			      int *dev)
{
	pid_t child;

	snprintf(e->name, sizeof(e->name), "race.%d.emfile", getpid());
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		/* The parent's SIGUSR1 stops it; the alarm, if all else fails. */
		alarm(opt.seconds + 60);
		_exit(aerace_emfile_child(e->dev, e->name));
	}
	pthread_create(&e->opener, NULL, aerace_opener, e);
	pthread_create(bg, NULL, aerace_background, dev);
	return child;
}

static void aerace_names_stop(struct aerace_emfile *e, pthread_t bg,
			      pid_t child)
{
	int status;

	kill(child, SIGUSR1);
	pthread_join(e->opener, NULL);
	pthread_join(bg, NULL);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("# the EMFILE child failed (status 0x%x)\n", status);
		aerace_count(&aerace_bad);
	}
}

static int aerace_run(int dev)
{
	struct aerace_slot *s = calloc(opt.slots, sizeof(*s));
	char interval[32] = "", scan[32] = "";
	struct aerace_emfile e = { .dev = dev };
	pid_t child = -1;
	unsigned int i;
	pthread_t bg;

	if (!s)
		return -1;
	aerace_param("access_interval_ms", "20", interval, sizeof(interval));
	aerace_param("numa_scan_pages", "64", scan, sizeof(scan));
	if (opt.names) {
		child = aerace_names_start(&e, &bg, &dev);
		if (child < 0)
			return -1;
	}
	for (i = 0; i < opt.slots; i++) {
		s[i].nr = i;
		s[i].dev = dev;
		snprintf(s[i].name, sizeof(s[i].name), "race.%d.%u", getpid(),
			 i);
		s[i].fd = opt.names ? -1 : aerace_get(&s[i]);
		pthread_create(&s[i].mapper, NULL, aerace_mapper, &s[i]);
		pthread_create(&s[i].user, NULL, aerace_user, &s[i]);
	}
	sleep(opt.seconds);
	aerace_stop = 1;
	for (i = 0; i < opt.slots; i++) {
		pthread_join(s[i].mapper, NULL);
		pthread_join(s[i].user, NULL);
		if (s[i].fd >= 0)
			close(s[i].fd);
	}
	if (opt.names)
		aerace_names_stop(&e, bg, child);
	if (interval[0])
		aerace_param("access_interval_ms", interval, NULL, 0);
	if (scan[0])
		aerace_param("numa_scan_pages", scan, NULL, 0);
	free(s);
	return 0;
}

static void aerace_on_signal(int sig)
{
	(void)sig;
	aerace_stop = 1;
}

int main(int argc, char **argv)
{
	struct aether_pool_snap before;
	time_t start = time(NULL);
	int c, dev, acct = -1, ok;

	while ((c = getopt(argc, argv, "d:r:m:A")) != -1) {
		switch (c) {
		case 'd':
			opt.seconds = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opt.slots = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			opt.views = strcmp(optarg, "name");
			opt.names = strcmp(optarg, "view");
			break;
		case 'A':
			opt.account = false;
			break;
		default:
			fprintf(stderr, "usage: aether_race [-d s] [-r slots] [-m all|view|name] [-A]\n");
			return 2;
		}
	}
	if (!opt.slots)
		opt.slots = 2 * sysconf(_SC_NPROCESSORS_ONLN);
	aerace_page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, aerace_on_signal);
	signal(SIGTERM, aerace_on_signal);
	printf("TAP version 13\n1..1\n");
	dev = open("/dev/aether_mm", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("ok 1 aether_race # SKIP /dev/aether_mm: %s\n",
		       strerror(errno));
		return 4;
	}
	aerace_nodes = aerace_count_nodes(dev);
	if (opt.account)
		acct = aether_pool_snapshot(&before);
	if (aerace_run(dev)) {
		printf("not ok 1 aether_race # could not start: %s\n",
		       strerror(errno));
		return 1;
	}
	close(dev);
	printf("# %u slots, %u nodes, %ld s: %lu ops, %lu opens, %lu opens of a failing create, %lu bad errors\n",
	       opt.slots, aerace_nodes, (long)(time(NULL) - start), aerace_ops,
	       aerace_opens, aerace_emfile, aerace_bad);
	ok = !aerace_bad && aerace_ops;
	if (!acct && aether_pool_compare(&before))
		ok = 0;
	printf("AETHER-RESULT race_seconds %ld\n", (long)(time(NULL) - start));
	printf("%s 1 aether_race\n", ok ? "ok" : "not ok");
	return ok ? 0 : 1;
}
