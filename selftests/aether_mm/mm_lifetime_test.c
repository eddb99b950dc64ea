// SPDX-License-Identifier: GPL-2.0
/*
 * mm_lifetime_test.c - the life of regions, their views and their names
 *
 * A process acting only on its own regions races munmap() of a mapping
 * against REGION_CHECKSUM and REGION_MIGRATE (which read the caller's
 * image), REGION_OPEN by name against the last close and against a
 * CREATE that finds no fd; the kernel log (KASAN on the debug kernel)
 * judges those.  A name is free exactly when OPEN stops finding it.  A
 * region made by another uid opens only when asked for as foreign, and
 * OPEN says whose it is.
 *
 * The uid tests run as the box's users for real: alice (1000) and bob
 * (1001), both in group aether (990), which owns /dev/aether_mm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define RACE_PAGES	32
#define RACE_SECONDS	3
#define UID_ALICE	1000
#define UID_BOB		1001
#define GID_AETHER	990

FIXTURE(lifetime) {
	int fd;
	size_t page;
};

FIXTURE_SETUP(lifetime)
{
	self->page = sysconf(_SC_PAGESIZE);
	AEMT_SETUP_OPEN(self->fd);
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void race_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "lifetime.%s.%d", what, getpid());
}

static int create_named(int fd, const char *name, __u32 flags, size_t len)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, flags, len);
	c.name = (uintptr_t)name;
	ret = aemt_region_create(fd, &c);
	return ret ? ret : c.fd;
}

/* REGION_OPEN with the whole struct back, for @owner. */
static int open_named(int fd, const char *name, __u32 flags,
		      struct aether_mm_region_open *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->flags = flags | AETHER_MM_REGION_OPEN_CLOEXEC;
	o->name = (uintptr_t)name;
	o->fd = -1;
	return aemt_ioctl(fd, AETHER_MM_IOC_REGION_OPEN, o) ?: o->fd;
}

/* ---- the caller's image, read while munmap() frees it ----------------- */

#define VIEW_PAIRS	2	/* regions, a mapper and a reader each */

struct view_race {
	int rfd;
	size_t page;
	int nodes;
	volatile int *stop;
	unsigned long maps, reads, errors;
};

static void *view_mapper(void *arg)
{
	struct view_race *v = arg;
	size_t len = RACE_PAGES * v->page, k;
	char *p;

	while (!*v->stop) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, v->rfd,
			 0);
		if (p == MAP_FAILED) {
			v->errors++;
			break;
		}
		for (k = 0; k < RACE_PAGES; k += 2)
			p[k * v->page] = (char)k + 1;
		munmap(p, len);
		v->maps++;
	}
	return NULL;
}

/* Checksum the image, and move its frames from node to node. */
static void *view_reader(void *arg)
{
	struct view_race *v = arg;
	unsigned int round = 0;
	__u32 crc;

	while (!*v->stop) {
		struct aether_mm_region_migrate m = {
			.size = sizeof(m),
			.node = round++ % v->nodes,
			.length = RACE_PAGES * v->page,
		};

		if (aemt_region_checksum(v->rfd, 0, RACE_PAGES * v->page, &crc))
			v->errors++;
		if (aemt_ioctl(v->rfd, AETHER_MM_IOC_REGION_MIGRATE, &m))
			v->errors++;
		v->reads++;
	}
	return NULL;
}

FIXTURE_VARIANT(lifetime) {
	__u32 kind;
};

FIXTURE_VARIANT_ADD(lifetime, private) {
	.kind = AETHER_MM_REGION_PRIVATE,
};

FIXTURE_VARIANT_ADD(lifetime, shared) {
	.kind = AETHER_MM_REGION_SHARED,
};

/*
 * One thread maps a region, writes, unmaps its only mapping; another
 * reads the process's image with CHECKSUM and moves its frames between
 * nodes with MIGRATE.  munmap() frees the view (and a PRIVATE region's
 * image) while the ioctls walk it, unless they hold it.
 */
TEST_F_TIMEOUT(lifetime, checksum_and_migrate_hold_the_image_across_munmap,
	       60)
{
	struct view_race v[VIEW_PAIRS];
	pthread_t m[VIEW_PAIRS], r[VIEW_PAIRS];
	struct aether_mm_pool_info pi;
	volatile int stop = 0;
	unsigned int i;
	__u32 crc;
	char *zero;

	ASSERT_EQ(0, aemt_pool_info(self->fd, &pi));
	zero = calloc(RACE_PAGES, self->page);
	ASSERT_NE(NULL, zero);
	for (i = 0; i < VIEW_PAIRS; i++) {
		v[i] = (struct view_race){
			.page = self->page, .nodes = pi.nr_nodes, .stop = &stop,
		};
		v[i].rfd = aemt_region_new(self->fd, variant->kind,
					   RACE_PAGES * self->page);
		ASSERT_LE(0, v[i].rfd);
	}
	for (i = 0; i < VIEW_PAIRS; i++) {
		ASSERT_EQ(0, pthread_create(&m[i], NULL, view_mapper, &v[i]));
		ASSERT_EQ(0, pthread_create(&r[i], NULL, view_reader, &v[i]));
	}
	sleep(RACE_SECONDS);
	stop = 1;
	for (i = 0; i < VIEW_PAIRS; i++) {
		pthread_join(m[i], NULL);
		pthread_join(r[i], NULL);
		TH_LOG("region %u: %lu maps, %lu reads", i, v[i].maps,
		       v[i].reads);
		ASSERT_EQ(0, v[i].errors);
		ASSERT_LT(0, v[i].maps);
		ASSERT_LT(0, v[i].reads);
		/* Mapped by no one: a PRIVATE region's image is zeroes again. */
		if (variant->kind == AETHER_MM_REGION_PRIVATE) {
			ASSERT_EQ(0, aemt_region_checksum(v[i].rfd, 0,
							  RACE_PAGES * self->page,
							  &crc));
			ASSERT_EQ(aemt_crc32(zero, RACE_PAGES * self->page),
				  crc);
		}
		close(v[i].rfd);
	}
	free(zero);
}

/* ---- names against the last close ---------------------------------------- */

struct name_race {
	int fd;
	size_t page;
	__u32 kind;
	char name[AETHER_MM_REGION_NAME_MAX];
	volatile int stop;
	unsigned long lives, opens, errors;
};

/* Give the region life by name, map and touch it, close: it dies. */
static void *name_owner(void *arg)
{
	struct name_race *n = arg;
	char *p;
	int rfd;

	while (!n->stop) {
		rfd = create_named(n->fd, n->name, n->kind,
				   RACE_PAGES * n->page);
		if (rfd == -EEXIST)	/* the opener holds the last one */
			continue;
		if (rfd < 0) {
			n->errors++;
			break;
		}
		p = aemt_region_map(rfd, RACE_PAGES * n->page,
				      PROT_READ | PROT_WRITE);
		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap(p, RACE_PAGES * n->page);
		}
		close(rfd);
		n->lives++;
	}
	return NULL;
}

static void *name_opener(void *arg)
{
	struct aether_mm_region_open o;
	struct name_race *n = arg;
	__u32 crc;
	int rfd;

	while (!n->stop) {
		rfd = open_named(n->fd, n->name, 0, &o);
		if (rfd == -ENOENT)
			continue;
		if (rfd < 0) {
			n->errors++;
			break;
		}
		if (aemt_region_checksum(rfd, 0, n->page, &crc))
			n->errors++;
		close(rfd);
		n->opens++;
	}
	return NULL;
}

/*
 * OPEN by name takes a region whose last fd another thread is closing:
 * the fd it makes must reach a live inode.
 */
TEST_F_TIMEOUT(lifetime, open_by_name_races_the_last_close, 60)
{
	struct name_race n = {
		.fd = self->fd, .page = self->page, .kind = variant->kind,
	};
	pthread_t a, b;

	race_name(n.name, sizeof(n.name), "close");
	ASSERT_EQ(0, pthread_create(&a, NULL, name_owner, &n));
	ASSERT_EQ(0, pthread_create(&b, NULL, name_opener, &n));
	sleep(RACE_SECONDS);
	n.stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	TH_LOG("%lu lives, %lu opens", n.lives, n.opens);
	ASSERT_EQ(0, n.errors);
	ASSERT_LT(0, n.lives);
}

/* The child: no fd is free under RLIMIT_NOFILE, so CREATE always fails. */
static int create_without_fd_room(int fd, const char *name, size_t len,
				  int seconds)
{
	time_t end = time(NULL) + seconds;
	unsigned long n = 0;
	struct rlimit rl;
	int lowest, ret;

	lowest = dup(fd);
	if (lowest < 0 || getrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	close(lowest);
	rl.rlim_cur = lowest;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	while (time(NULL) < end) {
		ret = create_named(fd, name, AETHER_MM_REGION_PRIVATE, len);
		if (ret >= 0)
			return 3;
		if (ret != -EMFILE && ret != -EEXIST)
			return 4;
		n += ret == -EMFILE;
	}
	return n ? 0 : 5;
}

/*
 * CREATE publishes the region, then finds no fd for it and drops it; an
 * OPEN of the name in between takes the region, and must find its inode.
 */
TEST_F_TIMEOUT(lifetime, open_races_a_create_that_finds_no_fd, 60)
{
	struct name_race n = { .fd = self->fd, .page = self->page };
	int status, rfd;
	pthread_t b;
	pid_t pid;

	race_name(n.name, sizeof(n.name), "emfile");
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(create_without_fd_room(self->fd, n.name, self->page,
					     RACE_SECONDS));
	ASSERT_EQ(0, pthread_create(&b, NULL, name_opener, &n));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	n.stop = 1;
	pthread_join(b, NULL);
	TH_LOG("%lu opens of a region whose CREATE failed", n.opens);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status %#x", status);
	ASSERT_EQ(0, n.errors);
	/* Nothing holds the name now. */
	rfd = create_named(self->fd, n.name, AETHER_MM_REGION_PRIVATE,
			   self->page);
	ASSERT_LE(0, rfd);
	close(rfd);
}

/* ---- a name is free exactly when OPEN stops finding it ---------------- */

struct reuse_race {
	int fd;
	size_t page;
	char name[AETHER_MM_REGION_NAME_MAX];
	int pipe_go[2], pipe_done[2];
	unsigned int rounds;
};

static void *reuse_owner(void *arg)
{
	struct reuse_race *r = arg;
	unsigned int i;
	char c;
	int rfd;

	for (i = 0; i < r->rounds; i++) {
		rfd = create_named(r->fd, r->name, AETHER_MM_REGION_SHARED,
				   r->page);
		c = rfd >= 0;
		if (write(r->pipe_go[1], &c, 1) != 1 || rfd < 0)
			break;
		close(rfd);	/* the last close, racing the checker */
		if (read(r->pipe_done[0], &c, 1) != 1)
			break;
	}
	return NULL;
}

/*
 * Another thread closes the only fd of a region while this one asks for
 * it by name: once OPEN says -ENOENT, CREATE of the name must succeed (no
 * one else creates it).  Before, the name stayed on the list after the
 * last reference until the release had run.
 */
TEST_F_TIMEOUT(lifetime, name_free_once_open_says_enoent, 60)
{
	struct reuse_race r = { .fd = self->fd, .page = self->page };
	struct aether_mm_region_open o;
	unsigned int i, raced = 0;
	time_t end = time(NULL) + RACE_SECONDS;
	pthread_t a;
	int rfd, ret;
	char c;

	race_name(r.name, sizeof(r.name), "reuse");
	r.rounds = ~0U;
	ASSERT_EQ(0, pipe(r.pipe_go));
	ASSERT_EQ(0, pipe(r.pipe_done));
	ASSERT_EQ(0, pthread_create(&a, NULL, reuse_owner, &r));
	for (i = 0; ; i++) {
		ASSERT_EQ(1, read(r.pipe_go[0], &c, 1));
		ASSERT_EQ(1, c);
		while ((rfd = open_named(self->fd, r.name, 0, &o)) >= 0) {
			close(rfd);
			raced++;
		}
		ASSERT_EQ(-ENOENT, rfd);
		ret = create_named(self->fd, r.name, AETHER_MM_REGION_SHARED,
				   self->page);
		ASSERT_LE(0, ret) TH_LOG("round %u: OPEN said -ENOENT, then CREATE said %d",
					 i, ret);
		close(ret);
		if (time(NULL) >= end)
			break;
		c = 1;
		ASSERT_EQ(1, write(r.pipe_done[1], &c, 1));
	}
	close(r.pipe_done[1]);	/* the owner's read fails: it stops */
	pthread_join(a, NULL);
	TH_LOG("%u rounds, %u opens before the close", i + 1, raced);
}

/* ---- a passing reference holds no name --------------------------------- */

/*
 * A thread walking every region, and 32 regions besides the test's for
 * each walk to hold, so that it holds them longer.
 */
struct walker {
	volatile int stop;
	unsigned long reads;
	int err;
	int fillers[32];
	pthread_t t;
};

/* Read debugfs aether/mm/access: each read references every region. */
static void *access_walker(void *arg)
{
	struct walker *w = arg;
	char buf[4096];
	int fd;

	while (!w->stop) {
		fd = open(AEMT_DEBUGFS "/access", O_RDONLY);
		if (fd < 0) {
			w->err = errno;
			break;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		w->reads++;
	}
	return NULL;
}

/* The fillers made and the walker running: 0, or the first failure. */
static int walker_start(struct walker *w, int fd, __u32 kind, size_t len)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < ARRAY_SIZE(w->fillers); i++) {
		w->fillers[i] = create_named(fd, NULL, kind, len);
		if (w->fillers[i] < 0)
			return w->fillers[i];
	}
	return -pthread_create(&w->t, NULL, access_walker, w);
}

static void walker_stop(struct walker *w)
{
	unsigned int i;

	w->stop = 1;
	pthread_join(w->t, NULL);
	for (i = 0; i < ARRAY_SIZE(w->fillers); i++)
		close(w->fillers[i]);
}

/*
 * The access walk (as the periodic aging pass, a cold walk or kverifyd)
 * holds a reference on every region for a moment: a close that is not
 * the last reference is still the last file, and a CREATE of the name
 * right after it must succeed.  Before, the name lived until the walker
 * let go: -EEXIST.
 */
TEST_F_TIMEOUT(lifetime, name_free_at_last_close_while_a_walk_holds_it, 60)
{
	time_t end = time(NULL) + RACE_SECONDS;
	char name[AETHER_MM_REGION_NAME_MAX];
	unsigned long rounds = 0;
	int rfd = 0, again;
	struct walker w;

	if (geteuid())
		SKIP(return, "debugfs needs root");
	if (access(AEMT_DEBUGFS "/access", R_OK))
		SKIP(return, "no %s/access", AEMT_DEBUGFS);
	race_name(name, sizeof(name), "walked");
	ASSERT_EQ(0, walker_start(&w, self->fd, variant->kind, self->page));
	while (time(NULL) < end) {
		rfd = create_named(self->fd, name, variant->kind, self->page);
		if (rfd < 0)
			break;
		close(rfd);
		again = create_named(self->fd, name, variant->kind,
				     self->page);
		if (again < 0) {
			rfd = again;
			break;
		}
		close(again);
		rounds++;
	}
	walker_stop(&w);
	TH_LOG("%lu rounds, %lu walks", rounds, w.reads);
	ASSERT_EQ(0, w.err);
	ASSERT_LE(0, rfd) TH_LOG("round %lu: CREATE after the last close said %d",
				 rounds, rfd);
	ASSERT_LT(0, w.reads);
}

/*
 * Is region @id listed in debugfs regions?  1 with its name column in
 * @name, 0 not listed, -errno when the file cannot be read.
 */
static int debugfs_region_name(__u64 id, char *name, size_t len)
{
	char line[1024], col[64];
	unsigned long long rid;
	int found = 0;
	FILE *f;

	f = fopen(AEMT_DEBUGFS "/regions", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %63s", &rid, col) == 2 && rid == id) {
			snprintf(name, len, "%s", col);
			found = 1;
		}
	fclose(f);
	return found;
}

/*
 * The same walk, and debugfs regions: once the last fd of a named region
 * is closed, its row (still there while the walk holds the region) shows
 * no name, as CREATE and OPEN see none.  Before, the row kept the name
 * until the walker let go (review s37 F5).
 */
TEST_F_TIMEOUT(lifetime, name_gone_from_debugfs_at_last_close_while_a_walk_holds_it,
	       60)
{
	struct aether_mm_region_info info = { .size = sizeof(info) };
	char name[AETHER_MM_REGION_NAME_MAX], shown[64];
	unsigned long rounds = 0, lingered = 0;
	time_t end = time(NULL) + RACE_SECONDS;
	struct walker w;
	int rfd, ret;

	if (geteuid())
		SKIP(return, "debugfs needs root");
	if (access(AEMT_DEBUGFS "/access", R_OK))
		SKIP(return, "no %s/access", AEMT_DEBUGFS);
	race_name(name, sizeof(name), "listed");
	ASSERT_EQ(0, walker_start(&w, self->fd, variant->kind, self->page));
	while (time(NULL) < end) {
		rfd = create_named(self->fd, name, variant->kind, self->page);
		ASSERT_LE(0, rfd);
		ASSERT_EQ(0, ioctl(rfd, AETHER_MM_IOC_REGION_INFO, &info));
		/* Listed with its name while the fd is open. */
		ASSERT_EQ(1, debugfs_region_name(info.id, shown, sizeof(shown)));
		ASSERT_STREQ(name, shown);
		close(rfd);
		ret = debugfs_region_name(info.id, shown, sizeof(shown));
		ASSERT_LE(0, ret);
		if (ret) {
			lingered++;
			ASSERT_STREQ("-", shown)
				TH_LOG("round %lu: region %llu closed, listed as %s",
				       rounds, (unsigned long long)info.id, shown);
		}
		rounds++;
	}
	walker_stop(&w);
	TH_LOG("%lu rounds, %lu with the closed region still listed, %lu walks",
	       rounds, lingered, w.reads);
	ASSERT_EQ(0, w.err);
	ASSERT_LT(0, w.reads);
}

/* ---- names of other uids ----------------------------------------------- */

/* Become @uid of group aether, for real; 0 or the errno of the step. */
static int become(uid_t uid)
{
	gid_t g = GID_AETHER;

	if (setgroups(1, &g) || setgid(GID_AETHER) || setuid(uid))
		return errno;
	return 0;
}

/*
 * A process of @uid that creates region @name with its own /dev/aether_mm
 * and holds it until *@release is closed by the test.
 */
struct holder {
	pid_t pid;
	int ready[2], release[2];
};

static int hold_region(struct holder *h, uid_t uid, const char *name)
{
	char c = 0;
	int fd, rfd;

	if (pipe(h->ready) || pipe(h->release))
		return -errno;
	fflush(stdout);
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (!h->pid) {
		close(h->ready[0]);
		close(h->release[1]);
		if (become(uid))
			_exit(1);
		fd = aemt_open();
		if (fd < 0)
			_exit(2);
		rfd = create_named(fd, name, AETHER_MM_REGION_SHARED,
				   sysconf(_SC_PAGESIZE));
		if (rfd < 0)
			_exit(3);
		c = 1;
		if (write(h->ready[1], &c, 1) != 1)
			_exit(4);
		if (read(h->release[0], &c, 1) < 0)
			_exit(5);
		_exit(0);
	}
	close(h->ready[1]);
	close(h->release[0]);
	if (read(h->ready[0], &c, 1) != 1 || c != 1)
		return -EIO;
	return 0;
}

static int holder_end(struct holder *h)
{
	int status;

	close(h->release[1]);
	close(h->ready[0]);
	if (waitpid(h->pid, &status, 0) != h->pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* As @uid: OPEN @name with and without FOREIGN; the results, encoded. */
struct open_as {
	uid_t uid;
	const char *name;
	int foreign;		/* FOREIGN is expected to open it */
	__u32 owner;
};

static int open_as_fn(void *arg)
{
	struct aether_mm_region_open o;
	struct open_as *a = arg;
	int fd, ret;

	if (become(a->uid))
		return 1;
	fd = aemt_open();
	if (fd < 0)
		return 2;
	ret = open_named(fd, a->name, 0, &o);
	if (ret >= 0)
		return 10;			/* opened without asking */
	if (ret != -EACCES)
		return 11;
	if (o.owner != a->owner)
		return 12;
	ret = open_named(fd, a->name, AETHER_MM_REGION_OPEN_FOREIGN, &o);
	if (ret >= 0)
		return a->foreign ? 20 : 0;	/* the owner never gets here */
	return ret == -EACCES && !a->foreign ? 0 : 21;
}

TEST_F(lifetime, open_reports_the_owner_uid)
{
	struct aether_mm_region_open o;
	char name[AETHER_MM_REGION_NAME_MAX];
	int rfd;

	race_name(name, sizeof(name), "owner");
	rfd = create_named(self->fd, name, AETHER_MM_REGION_SHARED, self->page);
	ASSERT_LE(0, rfd);
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.name = (uintptr_t)name;
	o.owner = 0xdeadbeef;	/* (out): what goes in does not matter */
	ASSERT_EQ(0, aemt_ioctl(self->fd, AETHER_MM_IOC_REGION_OPEN, &o));
	ASSERT_EQ(geteuid(), o.owner);
	close(o.fd);
	close(rfd);
}

/*
 * alice squats the name a root daemon means to use: its create-or-open
 * gets -EEXIST, then -EACCES from OPEN with alice's uid as the owner,
 * and maps her region only when it asks for a foreign one.
 */
TEST_F(lifetime, foreign_region_not_opened_without_asking)
{
	struct aether_mm_region_open o;
	char name[AETHER_MM_REGION_NAME_MAX];
	struct holder h;
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to become alice");
	race_name(name, sizeof(name), "squat");
	ASSERT_EQ(0, hold_region(&h, UID_ALICE, name));
	ASSERT_EQ(-EEXIST, create_named(self->fd, name,
					AETHER_MM_REGION_SHARED, self->page));
	ASSERT_EQ(-EACCES, open_named(self->fd, name, 0, &o));
	ASSERT_EQ(UID_ALICE, o.owner);
	ret = open_named(self->fd, name, AETHER_MM_REGION_OPEN_FOREIGN, &o);
	ASSERT_LE(0, ret);
	ASSERT_EQ(UID_ALICE, o.owner);
	close(ret);
	ASSERT_EQ(0, holder_end(&h));
}

/* bob, not an administrator, does not get alice's region even asking. */
TEST_F(lifetime, foreign_flag_gives_no_right_to_open)
{
	char name[AETHER_MM_REGION_NAME_MAX];
	struct open_as a = { .uid = UID_BOB, .owner = UID_ALICE };
	struct holder h;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to become alice and bob");
	race_name(name, sizeof(name), "alice");
	a.name = name;
	ASSERT_EQ(0, hold_region(&h, UID_ALICE, name));
	status = aemt_run_child(open_as_fn, &a);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("bob's child status %#x", status);
	ASSERT_EQ(0, holder_end(&h));
}

static int open_own_fn(void *arg)
{
	struct aether_mm_region_open o;
	struct open_as *a = arg;
	int fd, ret;

	if (become(a->uid))
		return 1;
	fd = aemt_open();
	if (fd < 0)
		return 2;
	ret = open_named(fd, a->name, 0, &o);
	if (ret < 0)
		return 10;
	return o.owner == a->owner ? 0 : 11;
}

/* Its owner opens a region by name in another process, without asking. */
TEST_F(lifetime, own_region_opens_without_foreign)
{
	char name[AETHER_MM_REGION_NAME_MAX];
	struct open_as a = { .uid = UID_ALICE, .owner = UID_ALICE };
	struct holder h;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to become alice");
	race_name(name, sizeof(name), "mine");
	a.name = name;
	ASSERT_EQ(0, hold_region(&h, UID_ALICE, name));
	status = aemt_run_child(open_own_fn, &a);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("alice's second process: status %#x", status);
	ASSERT_EQ(0, holder_end(&h));
}

/* ---- a refused OPEN stalled in its copy holds no name ------------------ */

/*
 * bob's process: OPEN of root's region @name, refused, whose answer is
 * written into a page write-protected by userfaultfd, so the kernel's
 * copy stalls until the test lets it go.  Tells the test 'S' once the
 * copy waits (its handler saw the fault), 'D' when OPEN returned without
 * one; exits 0 when OPEN said -EACCES with root as the owner.
 */
struct stalled_open {
	const char *name;
	int to_test[2], from_test[2];
	int uffd;
	struct aether_mm_region_open *o;
};

static void *stalled_open_handler(void *arg)
{
	struct stalled_open *s = arg;
	struct uffdio_writeprotect wp = {
		.range = {
			.start = (uintptr_t)s->o,
			.len = sysconf(_SC_PAGESIZE),
		},
	};
	struct uffd_msg msg;
	char c = 'S';

	if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return NULL;
	if (write(s->to_test[1], &c, 1) != 1 ||
	    read(s->from_test[0], &c, 1) != 1)
		return NULL;
	wp.mode = 0;		/* writable again: the copy goes on */
	ioctl(s->uffd, UFFDIO_WRITEPROTECT, &wp);
	return NULL;
}

static int stalled_open_fn(struct stalled_open *s)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	size_t page = sysconf(_SC_PAGESIZE);
	pthread_t t;
	char c = 'D';
	void *p;
	int fd, ret;

	/* As root: the copy is the kernel's fault, which needs the right. */
	s->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (s->uffd < 0 || ioctl(s->uffd, UFFDIO_API, &api))
		return 30;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 31;
	s->o = p;
	memset(s->o, 0, sizeof(*s->o));
	s->o->size = sizeof(*s->o);
	s->o->flags = AETHER_MM_REGION_OPEN_CLOEXEC;
	s->o->name = (uintptr_t)s->name;
	s->o->fd = -1;
	reg.range.start = (uintptr_t)p;
	reg.range.len = page;
	wp.range = reg.range;
	if (ioctl(s->uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(s->uffd, UFFDIO_WRITEPROTECT, &wp))
		return 32;
	if (become(UID_BOB))
		return 33;
	fd = aemt_open();
	if (fd < 0)
		return 34;
	if (pthread_create(&t, NULL, stalled_open_handler, s))
		return 35;
	ret = aemt_ioctl(fd, AETHER_MM_IOC_REGION_OPEN, s->o);
	/* A copy that never faulted: say so, the test fails on it. */
	if (write(s->to_test[1], &c, 1) != 1)
		return 36;
	pthread_join(t, NULL);
	if (ret != -EACCES)
		return 37;
	return s->o->owner == 0 && s->o->fd == -1 ? 0 : 38;
}

/*
 * bob asks for root's region by name and is refused; while the kernel
 * writes the refusal (owner) back into his page, which he keeps it from
 * doing, root closes the region's only fd and creates the name again: the
 * name is root's to reuse.  Before, the refused OPEN held the region and
 * its name (-EEXIST) for as long as bob liked (review s37 F2).
 */
TEST_F_TIMEOUT(lifetime, refused_open_stalled_in_its_copy_holds_no_name, 60)
{
	struct stalled_open s = { 0 };
	char name[AETHER_MM_REGION_NAME_MAX];
	int rfd, again, status;
	pid_t pid;
	char c;

	if (geteuid() != 0)
		SKIP(return, "needs root to become bob");
	rfd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (rfd < 0 && errno == ENOSYS)
		SKIP(return, "no userfaultfd");
	if (rfd >= 0)
		close(rfd);
	race_name(name, sizeof(name), "stall");
	s.name = name;
	rfd = create_named(self->fd, name, AETHER_MM_REGION_SHARED,
			   self->page);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, pipe(s.to_test));
	ASSERT_EQ(0, pipe(s.from_test));
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(rfd);	/* root's file is root's alone */
		_exit(stalled_open_fn(&s));
	}
	ASSERT_EQ(1, read(s.to_test[0], &c, 1));
	if (c != 'S') {
		waitpid(pid, &status, 0);
		ASSERT_EQ('S', c) TH_LOG("OPEN returned without a stalled copy (child %#x)",
					 status);
	}
	/* bob's OPEN waits in its copy: the last close frees the name. */
	close(rfd);
	again = create_named(self->fd, name, AETHER_MM_REGION_SHARED,
			     self->page);
	c = 1;
	ASSERT_EQ(1, write(s.from_test[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (again >= 0)
		close(again);
	ASSERT_LE(0, again) TH_LOG("CREATE while a refused OPEN waited: %d", again);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("bob's process: status %#x", status);
}

TEST_HARNESS_MAIN
