// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_region.c - fds that commands hand out, and their mappings
 *
 * Some commands return a new fd (REGION_CREATE and REGION_OPEN give region
 * fds); the table says which (struct fz_ioctl.makes) and which commands
 * are meant for such an fd (.on).  This file keeps those fds in a few
 * slots, so that ioctls, dup and close race on them like on device fds,
 * and does to region fds what only a region fd allows: mmap (MAP_SHARED,
 * MAP_PRIVATE, offsets and lengths past the end, MAP_FIXED over an older
 * mapping, every protection), munmap whole or trimmed, mprotect, mremap,
 * reads and writes of random pages, and fork() with a child that writes
 * into the inherited mappings (copy-on-write) and exits.
 *
 * The fuzzer must survive what it provokes: a guard page, a write to a
 * read-only mapping or a fault the pool cannot serve raise SIGSEGV or
 * SIGBUS, which a handler turns into a siglongjmp() back to the touch
 * that caused it (any other fault still kills the process, as it should).
 * A forked child runs with the default handlers and may die of either.
 *
 * Bounds: at most FZ_OBJS fds, FZ_MAPS mappings of at most FZ_MAP_PAGES
 * pages each and FZ_TOUCH_PAGES pages touched per operation; the regions
 * it builds are at most FZ_REGION_MAX bytes, and a region handed out by a
 * random command that is larger than FZ_REGION_KEEP is closed at once.
 * Everything is unmapped and closed by fz_region_exit().
 *
 * Locks: fz_obj_lock guards the slots; fz_maps_lock (writer-preferring
 * rwlock) guards the mapping table: taken for write to add or remove a
 * mapping, for read by whoever uses an address of one (a touch, an ioctl
 * whose user pointer points into one, fork), so that no address is used
 * after munmap() gave it back.  Once the threads run, every mmap() and
 * munmap() of the process happens under it for write (the threads map
 * their own buffers before they start), so a failed MAP_FIXED, which may
 * have unmapped the range, can be cleaned up without hitting a stranger.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/aether_mm.h>

#include "aether_fuzz.h"

#define FZ_OBJS			8
#define FZ_MAPS			12
#define FZ_MAP_PAGES		256
#define FZ_TOUCH_PAGES		8
#define FZ_REGION_MAX		(4UL << 20)
#define FZ_REGION_KEEP		(8UL << 20)
#define FZ_NAMES		8	/* "fz-0".."fz-7": names collide */
#define FZ_MAX_KINDS		4
#define FZ_CHILD_WAIT_MS	20000

struct fz_obj {
	int fd;
	int kind;
};

struct fz_map {
	unsigned char *addr;	/* NULL: free entry */
	size_t len;
	int prot;
};

static struct fz_obj fz_objs[FZ_OBJS];
static int fz_obj_stale_fd[FZ_OBJS];
static pthread_mutex_t fz_obj_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fz_map fz_maps[FZ_MAPS];
static pthread_rwlock_t fz_maps_lock;

static const char *fz_kinds[FZ_MAX_KINDS];
static unsigned int fz_nr_kinds;
static int fz_region_kind = FZ_KIND_NONE;

static __thread sigjmp_buf fz_jmp;
static __thread volatile sig_atomic_t fz_armed;

/* ---- kinds and slots ------------------------------------------------ */

/* The index of fd kind @kind ("region"), added on first sight. */
int fz_kind_of(const char *kind)
{
	unsigned int i;

	if (!kind)
		return FZ_KIND_NONE;
	for (i = 0; i < fz_nr_kinds; i++)
		if (!strcmp(fz_kinds[i], kind))
			return i;
	if (fz_nr_kinds == FZ_MAX_KINDS)
		return FZ_KIND_NONE;
	fz_kinds[fz_nr_kinds] = kind;
	if (!strcmp(kind, "region"))
		fz_region_kind = fz_nr_kinds;
	return fz_nr_kinds++;
}

const char *fz_kind_name(int kind)
{
	return kind >= 0 && (unsigned int)kind < fz_nr_kinds ?
	       fz_kinds[kind] : "device";
}

/* A random open object fd and its kind, or -1. */
int fz_obj_pick(uint64_t *s, int *kind)
{
	unsigned int i = fz_below(s, FZ_OBJS), tries;
	int fd = -1;

	for (tries = 0; tries < FZ_OBJS; tries++, i = (i + 1) % FZ_OBJS) {
		fd = __atomic_load_n(&fz_objs[i].fd, __ATOMIC_RELAXED);
		if (fd >= 0)
			break;
	}
	if (kind)
		*kind = __atomic_load_n(&fz_objs[i].kind, __ATOMIC_RELAXED);
	return fd;
}

/* An fd number an object slot held once and closed. */
int fz_obj_stale(uint64_t *s)
{
	return __atomic_load_n(&fz_obj_stale_fd[fz_below(s, FZ_OBJS)],
			       __ATOMIC_RELAXED);
}

bool fz_obj_known(int fd)
{
	unsigned int i;

	for (i = 0; i < FZ_OBJS; i++)
		if (__atomic_load_n(&fz_objs[i].fd, __ATOMIC_RELAXED) == fd)
			return true;
	return false;
}

/* A region handed out by a random command may be large: keep small ones. */
static bool fz_obj_too_big(int kind, int fd)
{
	struct aether_mm_region_info ri = { .size = sizeof(ri) };

	if (kind != fz_region_kind || kind == FZ_KIND_NONE)
		return false;
	if (ioctl(fd, AETHER_MM_IOC_REGION_INFO, &ri))
		return false;
	return ri.length > FZ_REGION_KEEP;
}

/*
 * fz_obj_install: take ownership of @fd, handed out by a command, into a
 * random slot (closing what was there).  Unknown kinds and oversized
 * regions are closed at once.
 */
void fz_obj_install(int kind, int fd)
{
	static unsigned int next;
	unsigned int i;
	int old;

	__atomic_fetch_add(&fz_res->newfds, 1, __ATOMIC_RELAXED);
	if (kind == FZ_KIND_NONE || fz_obj_too_big(kind, fd)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&fz_obj_lock);
	for (i = 0; i < FZ_OBJS && fz_objs[i].fd >= 0; i++)
		;
	if (i == FZ_OBJS)
		i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % FZ_OBJS;
	old = fz_objs[i].fd;
	fz_objs[i].kind = kind;
	__atomic_store_n(&fz_objs[i].fd, fd, __ATOMIC_RELAXED);
	if (old >= 0) {
		close(old);
		fz_obj_stale_fd[i] = old;
	}
	pthread_mutex_unlock(&fz_obj_lock);
}

void fz_obj_close_one(uint64_t *s)
{
	unsigned int i = fz_below(s, FZ_OBJS);

	pthread_mutex_lock(&fz_obj_lock);
	if (fz_objs[i].fd >= 0) {
		close(fz_objs[i].fd);
		fz_obj_stale_fd[i] = fz_objs[i].fd;
		__atomic_store_n(&fz_objs[i].fd, -1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&fz_obj_lock);
}

/* dup() an object fd into an empty slot: two fds, one open file. */
void fz_obj_dup_one(uint64_t *s)
{
	unsigned int from = fz_below(s, FZ_OBJS), to = fz_below(s, FZ_OBJS);
	int fd;

	pthread_mutex_lock(&fz_obj_lock);
	if (from != to && fz_objs[from].fd >= 0 && fz_objs[to].fd < 0) {
		fd = dup(fz_objs[from].fd);
		if (fd >= 0) {
			fz_objs[to].kind = fz_objs[from].kind;
			__atomic_store_n(&fz_objs[to].fd, fd, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&fz_obj_lock);
}

/* ---- the mapping table ----------------------------------------------- */

void fz_maps_read_lock(void)
{
	pthread_rwlock_rdlock(&fz_maps_lock);
}

void fz_maps_unlock(void)
{
	pthread_rwlock_unlock(&fz_maps_lock);
}

/* A random mapping, or NULL; the caller holds fz_maps_lock. */
static struct fz_map *fz_map_pick(uint64_t *s)
{
	unsigned int i = fz_below(s, FZ_MAPS), tries;

	for (tries = 0; tries < FZ_MAPS; tries++, i = (i + 1) % FZ_MAPS)
		if (fz_maps[i].addr)
			return &fz_maps[i];
	return NULL;
}

/*
 * An address inside a mapping (page aligned, or not), for a user pointer
 * of an ioctl; 0 when there is none.  The caller holds fz_maps_lock for
 * read until the ioctl returned.
 */
uint64_t fz_map_addr(uint64_t *s)
{
	struct fz_map *m = fz_map_pick(s);
	size_t off;

	if (!m)
		return 0;
	off = fz_below(s, m->len / FZ_PAGE) * FZ_PAGE;
	if (fz_below(s, 4) == 0)
		off += fz_below(s, FZ_PAGE);
	return (uintptr_t)m->addr + off;
}

/* Add a mapping; with the table full, one goes first.  Write-locked. */
static void fz_map_add(uint64_t *s, void *addr, size_t len, int prot)
{
	unsigned int i;

	for (i = 0; i < FZ_MAPS && fz_maps[i].addr; i++)
		;
	if (i == FZ_MAPS) {
		i = fz_below(s, FZ_MAPS);
		munmap(fz_maps[i].addr, fz_maps[i].len);
	}
	fz_maps[i].addr = addr;
	fz_maps[i].len = len;
	fz_maps[i].prot = prot;
	__atomic_fetch_add(&fz_res->maps, 1, __ATOMIC_RELAXED);
}

/* ---- names ------------------------------------------------------------ */

/*
 * A region name into @buf: mostly one of a few valid names shared by
 * every fuzzing process (so creates collide with EEXIST and the
 * unprivileged process finds root's regions: EACCES), sometimes a long,
 * empty, invalid or unterminated one.
 */
void fz_name(uint64_t *s, char *buf, unsigned int len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789._-";
	unsigned int r = fz_below(s, 100), i, n;

	if (len < 2)
		return;
	if (r < 70) {
		snprintf(buf, len, "fz-%u", fz_below(s, FZ_NAMES));
		return;
	}
	if (r < 75) {
		buf[0] = '\0';
		return;
	}
	n = r < 85 ? 1 + fz_below(s, AETHER_MM_REGION_NAME_MAX - 1) :
		     AETHER_MM_REGION_NAME_MAX + fz_below(s, 8);
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = r < 90 ? ok[fz_below(s, sizeof(ok) - 1)] :
				  (char)(1 + fz_below(s, 255));
	buf[n] = '\0';
}

/* ---- touching memory that may fault ------------------------------------ */

static void fz_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!fz_armed) {
		/* Not ours: die of it, as without the handler. */
		signal(sig, SIG_DFL);
		return;
	}
	fz_armed = 0;
	siglongjmp(fz_jmp, sig);
}

/* Read or write one word: 0, or the signal it raised. */
static int fz_touch_word(volatile uint64_t *p, bool write, uint64_t v)
{
	int sig;

	sig = sigsetjmp(fz_jmp, 1);
	if (sig)
		return sig;
	fz_armed = 1;
	if (write)
		*p = v;
	else
		(void)*p;
	fz_armed = 0;
	return 0;
}

static void fz_count_sig(int sig)
{
	if (sig == SIGSEGV)
		__atomic_fetch_add(&fz_res->sigsegv, 1, __ATOMIC_RELAXED);
	else if (sig == SIGBUS)
		__atomic_fetch_add(&fz_res->sigbus, 1, __ATOMIC_RELAXED);
}

static void fz_touch(uint64_t *s)
{
	unsigned int i, n = 1 + fz_below(s, FZ_TOUCH_PAGES);
	struct fz_map *m;
	size_t off;

	fz_maps_read_lock();
	m = fz_map_pick(s);
	for (i = 0; m && i < n; i++) {
		off = fz_below(s, m->len / FZ_PAGE) * FZ_PAGE +
		      (fz_below(s, FZ_PAGE) & ~7UL);
		__atomic_fetch_add(&fz_res->touches, 1, __ATOMIC_RELAXED);
		fz_count_sig(fz_touch_word((volatile uint64_t *)(m->addr + off),
					   fz_below(s, 3) != 0, fz_rand(s)));
	}
	fz_maps_unlock();
}

/* ---- region operations ------------------------------------------------ */

static int fz_pick_prot(uint64_t *s)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_NONE, PROT_WRITE, PROT_EXEC,
	};

	return prots[fz_below(s, FZ_ARRAY_SIZE(prots))];
}

/* A region fd, sometimes another kind of fd or a closed one. */
static int fz_pick_region_fd(uint64_t *s, int dev_fd)
{
	unsigned int r = fz_below(s, 100);
	int fd = r < 85 ? fz_obj_pick(s, NULL) : -1;

	if (fd >= 0)
		return fd;
	if (r < 92)
		return dev_fd;
	return fz_obj_stale(s);
}

static void fz_op_create(uint64_t *s, int dev_fd, char *namebuf)
{
	static const uint64_t odd_len[] = {
		0, 1, FZ_PAGE - 1, FZ_PAGE + 8, 1ULL << 40, 1ULL << 62,
		~0ULL, ~0ULL & ~(FZ_PAGE - 1),
	};
	struct aether_mm_region_create c = { .size = sizeof(c), .fd = -1 };
	unsigned int r = fz_below(s, 100);
	long ret;

	if (r < 85) {
		c.flags = fz_below(s, 2) ? AETHER_MM_REGION_PRIVATE :
					   AETHER_MM_REGION_SHARED;
		c.flags |= fz_rand(s) & (AETHER_MM_REGION_GUARD |
					 AETHER_MM_REGION_MERGEABLE |
					 AETHER_MM_REGION_COMPRESSIBLE |
					 AETHER_MM_REGION_SECURE |
					 AETHER_MM_REGION_SECURE_FORK |
					 AETHER_MM_REGION_ALLOW_WX |
					 AETHER_MM_REGION_CLOEXEC);
		c.length = (1 + fz_below(s, FZ_REGION_MAX / FZ_PAGE)) * FZ_PAGE;
		c.max_prot = AETHER_MM_PROT_READ |
			     (fz_rand(s) & (AETHER_MM_PROT_WRITE |
					    AETHER_MM_PROT_EXEC));
		c.tier = fz_below(s, AETHER_MM_NR_TIERS);
		c.pol_mode = fz_below(s, AETHER_MM_NR_POL);
		c.nodemask = 1 + fz_below(s, 3);
		if (c.flags & AETHER_MM_REGION_GUARD)
			c.guard_pages = 1 + fz_below(s, 4);
	} else {
		c.flags = fz_rand(s) & 0x7ff;
		c.length = odd_len[fz_below(s, FZ_ARRAY_SIZE(odd_len))];
		c.max_prot = fz_below(s, 16);
		c.tier = fz_below(s, 5);
		c.pol_mode = fz_below(s, 6);
		c.nodemask = fz_rand(s) & 0x1ff;
		c.guard_pages = fz_below(s, 2) ? fz_below(s, 4) :
			AETHER_MM_REGION_MAX_GUARD + fz_below(s, 2);
		c.qos_fd = fz_below(s, 8) == 0;
	}
	if (fz_below(s, 100) < 40) {
		fz_name(s, namebuf, AETHER_MM_REGION_NAME_MAX + 8);
		c.name = (uintptr_t)namebuf;
	}
	/* a tag, and now and then the size from before tags */
	if (fz_below(s, 4) == 0)
		c.tag = fz_rand(s);
	if (fz_below(s, 8) == 0)
		c.size = AETHER_MM_REGION_CREATE_SIZE_VER0;
	ret = ioctl(dev_fd, AETHER_MM_IOC_REGION_CREATE, &c);
	fz_account("region:CREATE", ret, errno);
	if (ret >= 0 && c.fd >= 0 && !fz_obj_known(c.fd))
		fz_obj_install(fz_region_kind, c.fd);
}

static void fz_op_open(uint64_t *s, int dev_fd, char *namebuf)
{
	struct aether_mm_region_open o = { .size = sizeof(o), .fd = -1 };
	long ret;

	fz_name(s, namebuf, AETHER_MM_REGION_NAME_MAX + 8);
	o.name = (uintptr_t)namebuf;
	o.flags = fz_below(s, 10) ? fz_below(s, 4) : fz_rand(s);
	ret = ioctl(dev_fd, AETHER_MM_IOC_REGION_OPEN, &o);
	fz_account("region:OPEN", ret, errno);
	if (ret >= 0 && o.fd >= 0 && !fz_obj_known(o.fd))
		fz_obj_install(fz_region_kind, o.fd);
}

static void fz_op_mmap(uint64_t *s, int dev_fd)
{
	unsigned int r = fz_below(s, 100);
	size_t pages = 1 + fz_below(s, FZ_MAP_PAGES), off = 0;
	int prot = fz_pick_prot(s), flags = MAP_SHARED;
	int fd = fz_pick_region_fd(s, dev_fd);
	struct fz_map *m = NULL;
	void *want = NULL, *p;

	if (r < 30)
		off = fz_below(s, 8);
	else if (r < 35)
		off = fz_rand(s) & 0xfffff;
	if (fz_below(s, 10) == 0)
		flags = MAP_PRIVATE;
	pthread_rwlock_wrlock(&fz_maps_lock);
	if (fz_below(s, 10) == 0)
		m = fz_map_pick(s);
	if (m) {
		/* Over an older mapping of ours, same length. */
		want = m->addr;
		pages = m->len / FZ_PAGE;
		flags |= MAP_FIXED;
	}
	p = mmap(want, pages * FZ_PAGE, prot, flags, fd, off * FZ_PAGE);
	fz_account("region:mmap", p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED && m) {
		m->prot = prot;		/* it replaced m in place */
	} else if (p != MAP_FAILED) {
		fz_map_add(s, p, pages * FZ_PAGE, prot);
	} else if (m) {
		/* A failed MAP_FIXED may have unmapped the old range. */
		munmap(m->addr, m->len);
		m->addr = NULL;
	}
	pthread_rwlock_unlock(&fz_maps_lock);
}

static void fz_op_munmap(uint64_t *s)
{
	struct fz_map *m;
	int ret = 0, err = 0;
	size_t k;

	pthread_rwlock_wrlock(&fz_maps_lock);
	m = fz_map_pick(s);
	if (m && (m->len == FZ_PAGE || fz_below(s, 10) < 7)) {
		ret = munmap(m->addr, m->len);
		err = errno;
		m->addr = NULL;
	} else if (m) {
		/* Trim the head or the tail: the VMA is split. */
		k = 1 + fz_below(s, m->len / FZ_PAGE - 1);
		if (fz_below(s, 2)) {
			ret = munmap(m->addr, k * FZ_PAGE);
			m->addr += k * FZ_PAGE;
		} else {
			ret = munmap(m->addr + m->len - k * FZ_PAGE,
				     k * FZ_PAGE);
		}
		err = errno;
		m->len -= k * FZ_PAGE;
	}
	pthread_rwlock_unlock(&fz_maps_lock);
	fz_account("region:munmap", ret, err);
}

static void fz_op_mprotect(uint64_t *s)
{
	int ret = 0, err = 0;
	struct fz_map *m;
	size_t first, n;

	fz_maps_read_lock();
	m = fz_map_pick(s);
	if (m) {
		first = fz_below(s, m->len / FZ_PAGE);
		n = 1 + fz_below(s, m->len / FZ_PAGE - first);
		ret = mprotect(m->addr + first * FZ_PAGE, n * FZ_PAGE,
			       fz_pick_prot(s));
		err = errno;
	}
	fz_maps_unlock();
	fz_account("region:mprotect", ret, err);
}

/* Shrink in place, grow (refused: VM_DONTEXPAND) or move. */
static void fz_op_mremap(uint64_t *s)
{
	void *p = MAP_FAILED, *res;
	struct fz_map *m;
	size_t len;
	int err;

	pthread_rwlock_wrlock(&fz_maps_lock);
	m = fz_map_pick(s);
	if (!m) {
		pthread_rwlock_unlock(&fz_maps_lock);
		return;
	}
	switch (fz_below(s, 3)) {
	case 0:
		len = m->len > FZ_PAGE ? m->len - FZ_PAGE : m->len;
		p = mremap(m->addr, m->len, len, 0);
		break;
	case 1:
		len = m->len + FZ_PAGE;
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
		break;
	default:
		/* Move: onto a place reserved first, given back on failure. */
		len = m->len;
		res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (res == MAP_FAILED)
			break;
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   res);
		err = errno;
		if (p == MAP_FAILED)
			munmap(res, len);
		errno = err;
		break;
	}
	fz_account("region:mremap", p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED) {
		m->addr = p;
		m->len = len;
	}
	pthread_rwlock_unlock(&fz_maps_lock);
}

/*
 * The child of fz_op_fork: default handlers, writes and reads into the
 * inherited mappings (copy-on-write of private regions), a few ioctls on
 * the inherited region fds, then _exit.  No malloc, no locks.
 */
static void fz_child(uint64_t seed, const struct fz_map *maps,
		     const int *fds)
{
	struct aether_mm_region_info ri;
	uint64_t s = seed | 1;
	unsigned int i;

	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	for (i = 0; i < 4 * FZ_TOUCH_PAGES; i++) {
		const struct fz_map *m = &maps[fz_below(&s, FZ_MAPS)];
		volatile uint64_t *p;

		if (!m->addr)
			continue;
		p = (volatile uint64_t *)(m->addr +
			fz_below(&s, m->len / FZ_PAGE) * FZ_PAGE);
		if (fz_below(&s, 3))
			*p = fz_rand(&s);
		else
			(void)*p;
	}
	for (i = 0; i < FZ_OBJS; i++) {
		memset(&ri, 0, sizeof(ri));
		ri.size = sizeof(ri);
		if (fds[i] >= 0)
			ioctl(fds[i], AETHER_MM_IOC_REGION_INFO, &ri);
	}
	_exit(0);
}

static void fz_bad_child(const char *what, int status)
{
	if (!__atomic_fetch_add(&fz_res->bad_children, 1, __ATOMIC_RELAXED))
		snprintf(fz_res->first_bad_child,
			 sizeof(fz_res->first_bad_child), "%s: status 0x%x",
			 what, status);
}

static void fz_op_fork(uint64_t *s)
{
	struct fz_map maps[FZ_MAPS];
	int fds[FZ_OBJS], status = 0, err;
	unsigned int i, waited;
	pid_t pid;

	for (i = 0; i < FZ_OBJS; i++)
		fds[i] = __atomic_load_n(&fz_objs[i].fd, __ATOMIC_RELAXED);
	/* Held across fork(): the child's copy matches its address space. */
	fz_maps_read_lock();
	memcpy(maps, fz_maps, sizeof(maps));
	pid = fork();
	err = errno;
	if (pid == 0)
		fz_child(fz_rand(s), maps, fds);
	fz_maps_unlock();
	if (pid < 0) {
		fz_account("region:fork", -1, err);
		return;
	}
	__atomic_fetch_add(&fz_res->forks, 1, __ATOMIC_RELAXED);
	for (waited = 0; waited < FZ_CHILD_WAIT_MS; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	if (waited == FZ_CHILD_WAIT_MS) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fz_bad_child("fork child hung", status);
		return;
	}
	if (WIFSIGNALED(status)) {
		fz_count_sig(WTERMSIG(status));
		if (WTERMSIG(status) != SIGSEGV && WTERMSIG(status) != SIGBUS)
			fz_bad_child("fork child killed", status);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fz_bad_child("fork child failed", status);
	}
}

/*
 * fz_region_op: one operation on regions.  @dev_fd is a device fd to send
 * REGION_CREATE/OPEN to (any device: a foreign one answers ENOTTY).
 */
void fz_region_op(uint64_t *s, int dev_fd)
{
	char namebuf[AETHER_MM_REGION_NAME_MAX + 8];
	unsigned int r = fz_below(s, 1000);

	if (fz_region_kind == FZ_KIND_NONE)
		return;
	if (r < 200)
		fz_op_create(s, dev_fd, namebuf);
	else if (r < 280)
		fz_op_open(s, dev_fd, namebuf);
	else if (r < 480)
		fz_op_mmap(s, dev_fd);
	else if (r < 560)
		fz_op_munmap(s);
	else if (r < 630)
		fz_op_mprotect(s);
	else if (r < 660)
		fz_op_mremap(s);
	else if (r < 980)
		fz_touch(s);
	else
		fz_op_fork(s);
}

/* ---- setup and teardown ------------------------------------------------- */

int fz_region_init(void)
{
	struct sigaction sa = {
		.sa_sigaction = fz_fault,
		.sa_flags = SA_SIGINFO,
	};
	pthread_rwlockattr_t attr;
	unsigned int i;

	for (i = 0; i < FZ_OBJS; i++) {
		fz_objs[i].fd = -1;
		fz_obj_stale_fd[i] = -1;
	}
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&fz_maps_lock, &attr))
		return -1;
	pthread_rwlockattr_destroy(&attr);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		return -1;
	return 0;
}

/* Unmap and close everything; the threads are gone. */
void fz_region_exit(void)
{
	unsigned int i;

	for (i = 0; i < FZ_MAPS; i++) {
		if (fz_maps[i].addr)
			munmap(fz_maps[i].addr, fz_maps[i].len);
		fz_maps[i].addr = NULL;
	}
	for (i = 0; i < FZ_OBJS; i++) {
		if (fz_objs[i].fd >= 0)
			close(fz_objs[i].fd);
		fz_objs[i].fd = -1;
	}
}
