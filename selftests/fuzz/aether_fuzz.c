// SPDX-License-Identifier: GPL-2.0
/*
 * aether_fuzz - ioctl fuzzer for every Aether device
 *
 * The table of ioctls (fuzz_table.h) is generated at build time from
 * include/uapi/linux/aether_*.h by gen_ioctl_table.py: every command with
 * its module and, for a struct argument, every field with a role guessed
 * from its name.  A module that lands with a UAPI header is fuzzed without
 * a change here.
 *
 * Devices are the /dev/aether_* nodes present at start.  Commands go mostly
 * to their own module's device, some to the others (ENOTTY expected), some
 * as random numbers.  Arguments are structure-aware: size fields right,
 * short, long with a zero or non-zero tail; reserved fields mostly zero;
 * handles, ids and pfns harvested from earlier answers (of this fd, of
 * another fd, of a closed fd); user pointers to good, short, unmapped and
 * kernel memory; huge counts.  Meanwhile threads open, close and dup fds,
 * so calls race with close and land on stale fd numbers.
 *
 * One process fuzzes as root; another opens its fds as root, then becomes
 * the box's user mallory (uid 1002, outside the group "aether" that owns
 * the devices; uid/gid 65534 where there is no mallory) and fuzzes through
 * them (capability and owner checks: the defects an fd passed down from
 * root reaches), each with several threads.  The report gives the calls
 * of each; an unprivileged process that made none fails the run.
 *
 * aether_zram's ADD makes block devices that outlive the fd, REMOVE and
 * RESET unmake them: fuzz_zram.c steers their ids to the devices the run
 * made, never to one that was there before, keeps at most a few of the
 * run's alive at once, and removes them all at the end (one that cannot
 * be removed then fails the run).  aether_qos's groups outlive the fd:
 * fuzz_qos.c keeps the run off the groups there were and removes the
 * ones it made.  aether_dedupe's SET changes tunables
 * that outlive the fd: fuzz_dedupe.c saves them first and sets them back
 * at the end (read back different: the run fails).  Only character
 * devices are fuzzed:
 * /dev/aether_zram<N> are block devices.
 *
 * Commands that hand out an fd (REGION_CREATE, REGION_OPEN: region fds)
 * feed a second set of slots (fuzz_region.c): the table says which
 * commands are meant for such an fd, and they go mostly there, the
 * device's commands sometimes too, and the other way round.  Region fds
 * are also mapped, unmapped, mprotect()ed, mremap()ed, touched (guard
 * pages and read-only mappings raise SIGSEGV, which a handler absorbs)
 * and inherited by forked children that write into them and exit.
 *
 * Pass: no call came back with an errno outside the clean set below, no
 * child crashed or died of anything but SIGSEGV/SIGBUS where a fault was
 * provoked and, with accounting on, the pool of aether_mm is back to
 * where it started once every fd and mapping is gone.
 *
 *   aether_fuzz [-n calls] [-d seconds] [-t threads] [-s seed]
 *               [-u root,nobody] [-x NAME,...] [-A] [-q]
 *   aether_fuzz -S FILE | -C FILE
 *
 * -S saves the settled pool accounting to FILE, -C compares the pool with
 * it (exit 1 when not back); for runs the fuzzer does not wrap, such as
 * the fault-injection pass.
 * Without options: a short run (20000 calls, at most 40 s) printing TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include "aether_fuzz.h"
#include "fuzz_table.h"
#include "aether_pool.h"

#define FZ_NR_IOCTLS	FZ_ARRAY_SIZE(fz_ioctls)
#define FZ_MAX_DEVS	16
#define FZ_SLOTS	12
#define FZ_VALUES	512
#define FZ_ARG_PAGES	4	/* argument area, then a guard page */
#define FZ_HBUF_PAGES	16	/* handle arrays, then a guard page */
#define FZ_NAME_PAGES	1	/* names, then a guard page */
#define FZ_DEV_OBJ	(-2)	/* fz_pick_fd(): an fd from fuzz_region.c */

/* Errnos an ioctl may answer with; anything else is a finding. */
static const int fz_clean_errnos[] = {
	EINVAL, EFAULT, ENOTTY, EPERM, EACCES, ENOENT, ENOMEM, EBADF, EBUSY,
	E2BIG, ENODEV, ENOSPC, ERANGE, EOVERFLOW, EAGAIN, EINTR, EEXIST,
	ENXIO, EOPNOTSUPP, ESRCH, EMSGSIZE, ENODATA, EDQUOT,
};

struct fz_dev {
	char path[288];
	unsigned int home[FZ_NR_IOCTLS];	/* indices of its own ioctls */
	unsigned int nr_home;
};

static struct fz_dev fz_devs[FZ_MAX_DEVS];
static unsigned int fz_nr_devs;

/* The commands meant for each kind of handed-out fd (struct fz_ioctl.on). */
struct fz_kind_home {
	unsigned int home[FZ_NR_IOCTLS];
	unsigned int nr_home;
};

static struct fz_kind_home fz_kind_homes[4];

/* Shared by the threads of one fuzzing process. */
static int fz_slots[FZ_SLOTS];
static int fz_slot_dev[FZ_SLOTS];
static int fz_stale[FZ_SLOTS];
static pthread_mutex_t fz_slot_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t fz_values[FZ_VALUES];
static int fz_null_fd = -1;
static pthread_barrier_t fz_start;
bool fz_privileged;
unsigned int fz_who;	/* 0 root, 1 unprivileged */

struct fz_result *fz_res;
static struct aether_pool_snap fz_pool_before;

static struct {
	unsigned long calls;
	unsigned int seconds;
	unsigned int threads;
	unsigned long seed;
	bool as_root;
	bool as_nobody;
	bool account;
	bool quiet;
	const char *save;
	const char *compare;
	char exclude[256];
} opt = {
	.calls = 20000,
	.seconds = 40,
	.threads = 2,
	.as_root = true,
	.as_nobody = true,
	.account = true,
	/* Commands that are slow or commit errors on purpose when they work. */
	.exclude = "BENCH,TRIGGER,FW_ADD,FW_DEFAULT",
};

static time_t fz_deadline;

static void fz_remember(uint64_t v)
{
	static unsigned int next;
	unsigned int i;

	if (!v)
		return;
	i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % FZ_VALUES;
	__atomic_store_n(&fz_values[i], v, __ATOMIC_RELAXED);
}

static uint64_t fz_recall(uint64_t *s)
{
	uint64_t v = __atomic_load_n(&fz_values[fz_below(s, FZ_VALUES)],
				     __ATOMIC_RELAXED);

	return v ? v : fz_rand(s) & 0xffff;
}

static bool fz_excluded(const char *name)
{
	char list[sizeof(opt.exclude)], *tok, *save;

	if (!fz_privileged)
		return false;	/* EPERM first: safe to send */
	strcpy(list, opt.exclude);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (*tok && strstr(name, tok))
			return true;
	return false;
}

static void fz_find_devices(void)
{
	struct dirent *de;
	struct stat sb;
	unsigned int i;
	DIR *d;

	d = opendir("/dev");
	if (!d)
		return;
	while ((de = readdir(d)) && fz_nr_devs < FZ_MAX_DEVS) {
		struct fz_dev *dev = &fz_devs[fz_nr_devs];

		if (strncmp(de->d_name, "aether_", 7))
			continue;
		snprintf(dev->path, sizeof(dev->path), "/dev/%s", de->d_name);
		/* The ioctl interfaces: not aether_zram's block devices. */
		if (stat(dev->path, &sb) || !S_ISCHR(sb.st_mode))
			continue;
		dev->nr_home = 0;
		for (i = 0; i < FZ_NR_IOCTLS; i++) {
			const char *m = fz_ioctls[i].mod;

			if (!strncmp(de->d_name, m, strlen(m)) &&
			    !fz_ioctls[i].on)
				dev->home[dev->nr_home++] = i;
		}
		fz_nr_devs++;
	}
	closedir(d);
}

/* The kinds of fd the commands hand out, and the commands for each. */
static void fz_find_kinds(void)
{
	struct fz_kind_home *h;
	unsigned int i;
	int k;

	for (i = 0; i < FZ_NR_IOCTLS; i++)
		fz_kind_of(fz_ioctls[i].makes);
	for (i = 0; i < FZ_NR_IOCTLS; i++) {
		k = fz_kind_of(fz_ioctls[i].on);
		if (k < 0 || (unsigned int)k >= FZ_ARRAY_SIZE(fz_kind_homes))
			continue;
		h = &fz_kind_homes[k];
		h->home[h->nr_home++] = i;
	}
}

/* fz_open_slot: (re)open slot @i on a random device. */
static void fz_open_slot(uint64_t *s, unsigned int i)
{
	unsigned int d = fz_below(s, fz_nr_devs);
	int fd, old;

	fd = open(fz_devs[d].path, O_RDWR | O_CLOEXEC);
	__atomic_fetch_add(&fz_res->opens, 1, __ATOMIC_RELAXED);
	if (fd < 0) {
		__atomic_fetch_add(&fz_res->open_denied, 1, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&fz_slot_lock);
	old = fz_slots[i];
	fz_slots[i] = fd;
	fz_slot_dev[i] = d;
	if (old >= 0) {
		close(old);
		fz_stale[i] = old;
	}
	pthread_mutex_unlock(&fz_slot_lock);
}

static unsigned int fz_open_slots(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < FZ_SLOTS; i++)
		n += fz_slots[i] >= 0;
	return n;
}

/*
 * fz_close_slot: close slot @i; the unprivileged process cannot open the
 * devices again, so it keeps a few fds open.
 */
static void fz_close_slot(unsigned int i)
{
	pthread_mutex_lock(&fz_slot_lock);
	if (fz_slots[i] >= 0 && (fz_privileged || fz_open_slots() > 3)) {
		close(fz_slots[i]);
		fz_stale[i] = fz_slots[i];
		fz_slots[i] = -1;
	}
	pthread_mutex_unlock(&fz_slot_lock);
}

static void fz_dup_slot(uint64_t *s)
{
	unsigned int from = fz_below(s, FZ_SLOTS), to = fz_below(s, FZ_SLOTS);
	int fd;

	pthread_mutex_lock(&fz_slot_lock);
	if (fz_slots[from] < 0)	/* any open one */
		for (from = 0; from < FZ_SLOTS && fz_slots[from] < 0; from++)
			;
	if (from < FZ_SLOTS && from != to && fz_slots[from] >= 0 &&
	    fz_slots[to] < 0) {
		fd = dup(fz_slots[from]);
		if (fd >= 0) {
			fz_slots[to] = fd;
			fz_slot_dev[to] = fz_slot_dev[from];
		}
	}
	pthread_mutex_unlock(&fz_slot_lock);
}

struct fz_thread {
	pthread_t tid;
	uint64_t rng;
	unsigned long calls;
	unsigned char *arg;	/* FZ_ARG_PAGES, then a guard page */
	uint64_t *hbuf;		/* FZ_HBUF_PAGES, then a guard page */
	char *names;		/* FZ_NAME_PAGES, then a guard page */
};

static void *fz_map_guarded(unsigned int pages)
{
	unsigned char *p;

	p = mmap(NULL, (pages + 1) * FZ_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + pages * FZ_PAGE, FZ_PAGE, PROT_NONE);
	return p;
}

static void fz_put(unsigned char *p, unsigned int len, uint64_t v)
{
	switch (len) {
	case 1: *p = v; break;
	case 2: { uint16_t x = v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = v; memcpy(p, &x, 4); break; }
	case 8: memcpy(p, &v, 8); break;
	default:
		while (len--)
			*p++ = v >> (8 * (len & 7));
	}
}

static uint64_t fz_get(const unsigned char *p, unsigned int len)
{
	uint64_t v = 0;

	if (len <= 8)
		memcpy(&v, p, len);	/* little endian */
	return v;
}

static uint64_t fz_pick_size(uint64_t *s, unsigned int sz)
{
	static const long d[] = { 0, 4, -4, -8, 8, 64, 8, 4096, -1 };
	unsigned int r = fz_below(s, 100);

	if (r < 70)
		return sz;
	r = fz_below(s, FZ_ARRAY_SIZE(d) + 2);
	if (r == FZ_ARRAY_SIZE(d))
		return 0xffffffffULL;
	if (r > FZ_ARRAY_SIZE(d))
		return fz_rand(s) & 0xffff;
	if (r == 0 || r == 1)
		return d[r];
	if (r == 7)
		return d[r];
	return sz + d[r];
}

static uint64_t fz_pick_count(uint64_t *s)
{
	static const uint64_t edge[] = {
		4095, 4096, 4097, 65535, 1 << 20, 0x7fffffff, 0xffffffff,
		0xffffffffffffffffULL,
	};
	unsigned int r = fz_below(s, 100);

	if (r < 40)
		return 1 + fz_below(s, 8);
	if (r < 60)
		return 9 + fz_below(s, 56);
	if (r < 70)
		return 0;
	if (r < 80)
		return edge[fz_below(s, FZ_ARRAY_SIZE(edge))];
	return 1 + fz_below(s, 512);
}

/*
 * A user pointer: mostly the handle buffer; sometimes into a region
 * mapping (the kernel then faults on a region page, or meets a guard page
 * or a read-only one: EFAULT), always for an address field when there is
 * a mapping.  The caller holds the mapping table's read lock.
 */
static uint64_t fz_pick_ptr(struct fz_thread *t, uint64_t *s,
			    const struct fz_field *f)
{
	unsigned long hbytes = FZ_HBUF_PAGES * FZ_PAGE;
	unsigned int r = fz_below(s, 100);
	uint64_t addr = 0;

	if (!strcmp(f->name, "addr") ? r < 70 : r < 6)
		addr = fz_map_addr(s);
	if (addr)
		return addr;
	if (r < 80)
		return (uintptr_t)t->hbuf;
	if (r < 85)
		return 0;
	if (r < 90)
		return (uintptr_t)t->hbuf + hbytes;	/* the guard page */
	if (r < 95)
		return FZ_KERNEL_PTR + (fz_rand(s) & 0xffff000);
	return (uintptr_t)t->hbuf + hbytes - 8 * (1 + fz_below(s, 8));
}

/* A length or offset in bytes: page multiples up to a few MiB, mostly. */
static uint64_t fz_pick_bytes(uint64_t *s)
{
	static const uint64_t edge[] = {
		FZ_PAGE, 64ULL << 20, (64ULL << 20) + FZ_PAGE, 1ULL << 40,
		1ULL << 62, ~0ULL, ~0ULL & ~(FZ_PAGE - 1),
	};
	unsigned int r = fz_below(s, 100);

	if (r < 50)
		return fz_below(s, 1024) * FZ_PAGE;
	if (r < 60)
		return 0;
	if (r < 70)
		return fz_below(s, 2 * FZ_PAGE);
	if (r < 80)
		return edge[fz_below(s, FZ_ARRAY_SIZE(edge))];
	return fz_rand(s) & ((8ULL << 20) - 1);
}

/*
 * A name pointer: a name in the thread's name page (valid, empty, long,
 * bad bytes), or NULL, a kernel address, the guard page, or bytes that run
 * into the guard page without a NUL.
 */
static uint64_t fz_pick_name(struct fz_thread *t, uint64_t *s)
{
	unsigned long end = FZ_NAME_PAGES * FZ_PAGE;
	unsigned int r = fz_below(s, 100), n;

	if (r < 75) {
		fz_name(s, t->names, 128);
		return (uintptr_t)t->names;
	}
	if (r < 85)
		return 0;
	if (r < 90)
		return FZ_KERNEL_PTR + (fz_rand(s) & 0xffff000);
	if (r < 95)
		return (uintptr_t)t->names + end;
	n = 1 + fz_below(s, 16);
	memset(t->names + end - n, 'a', n);
	return (uintptr_t)t->names + end - n;
}

static uint64_t fz_pick_plain(uint64_t *s)
{
	unsigned int r = fz_below(s, 100);

	if (r < 40)
		return 0;
	if (r < 70)
		return fz_below(s, 9);
	if (r < 80)
		return fz_rand(s);
	if (r < 90)
		return r & 1 ? ~0ULL : 1ULL << 31;
	return fz_recall(s);
}

static uint64_t fz_pick(struct fz_thread *t, const struct fz_field *f,
			unsigned int sz)
{
	static const int64_t nodes[] = {
		-1, 0, 1, 2, 7, 8, 63, -2, INT32_MIN, INT32_MAX,
	};
	uint64_t *s = &t->rng;
	unsigned int r = fz_below(s, 100);

	switch (f->role) {
	case FZ_SIZE:
		return fz_pick_size(s, sz);
	case FZ_RESERVED:
		return r < 90 ? 0 : fz_rand(s) | 1;
	case FZ_FLAGS:
		if (r < 50)
			return 0;
		if (r < 80)
			return 1U << fz_below(s, 4);
		return r < 90 ? fz_rand(s) & 0xff : fz_rand(s);
	case FZ_PTR:
		return fz_pick_ptr(t, s, f);
	case FZ_NAME:
		return fz_pick_name(t, s);
	case FZ_BYTES:
		return fz_pick_bytes(s);
	case FZ_NEWFD:
		return r < 90 ? -1ULL : fz_rand(s);	/* (out) */
	case FZ_HANDLE:
	case FZ_PFN:
		if (r < 70)
			return fz_recall(s);
		if (r < 80)
			return 0;
		return r < 90 ? fz_rand(s) : fz_recall(s) + (r & 1 ? 1 : -1);
	case FZ_COUNT:
		return fz_pick_count(s);
	case FZ_NODE:
		if (r < 60)
			return nodes[fz_below(s, 3)];
		return nodes[fz_below(s, FZ_ARRAY_SIZE(nodes))];
	case FZ_ORDER:
		if (r < 70)
			return fz_below(s, 4);
		return r < 90 ? 4 + fz_below(s, 8) : 1ULL << fz_below(s, 33);
	case FZ_FD:
		if (r < 35)
			return (uint64_t)fz_slots[fz_below(s, FZ_SLOTS)];
		if (r < 70)
			return (uint64_t)fz_obj_pick(s, NULL);
		return fz_rand(s);
	default:
		return fz_pick_plain(s);
	}
}

/* fz_string: a name, mostly short and printable, sometimes not ended. */
static void fz_string(uint64_t *s, unsigned char *p, unsigned int len)
{
	unsigned int r = fz_below(s, 100), i;

	if (r < 80) {
		snprintf((char *)p, len, "fz%llx",
			 (unsigned long long)fz_rand(s) & 0xffffff);
		return;
	}
	for (i = 0; i < len; i++)
		p[i] = r < 90 ? 'a' + fz_below(s, 26) : fz_rand(s);
	if (r < 95)
		p[len - 1] = 0;
}

/* fz_build: the argument for @io, or NULL to send a raw value. */
static unsigned char *fz_build(struct fz_thread *t, const struct fz_ioctl *io)
{
	unsigned int sz = _IOC_SIZE(io->cmd), i, at;
	unsigned long room = FZ_ARG_PAGES * FZ_PAGE;
	uint64_t *s = &t->rng;
	unsigned char *p;

	/* Mostly at the start; sometimes so close to the guard page that
	 * a long size field or the struct itself runs into it.
	 */
	at = fz_below(s, 10) ? 0 : room - sz + (fz_below(s, 2) ? 0 : -4);
	if (at > room)
		at = 0;
	p = t->arg + at;
	memset(p, 0, room - at < sz + 64UL ? room - at : sz + 64UL);
	if (!io->nr_fields || fz_below(s, 100) < 10) {
		for (i = 0; i + at < room && i < sz + 64; i++)
			p[i] = fz_rand(s);
		return p;
	}
	for (i = 0; i < io->nr_fields; i++) {
		const struct fz_field *f = &io->fields[i];

		if (f->role == FZ_STRING)
			fz_string(s, p + f->off, f->len);
		else
			fz_put(p + f->off, f->len, fz_pick(t, f, sz));
	}
	/* A size beyond the struct reads a tail, zero or not. */
	if (at == 0 && fz_below(s, 20) == 0)
		p[sz + fz_below(s, 64)] = 1 + fz_below(s, 255);
	return p;
}

static void fz_fill_handles(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		t->hbuf[i] = fz_recall(&t->rng);
}

/* fz_harvest: keep what a successful call handed out, for later calls. */
static void fz_harvest(struct fz_thread *t, const struct fz_ioctl *io,
		       const unsigned char *p)
{
	uint64_t count = 0, ptr = 0;
	unsigned int i;

	for (i = 0; i < io->nr_fields; i++) {
		const struct fz_field *f = &io->fields[i];
		uint64_t v = fz_get(p + f->off, f->len);

		if (f->role == FZ_HANDLE || f->role == FZ_PFN)
			fz_remember(v);
		else if (f->role == FZ_COUNT && !count)
			count = v;
		else if (f->role == FZ_PTR && !ptr)
			ptr = v;
	}
	if (ptr == (uintptr_t)t->hbuf)
		for (i = 0; i < count && i < 16; i++)
			fz_remember(t->hbuf[i]);
}

static bool fz_clean(int err)
{
	unsigned int i;

	for (i = 0; i < FZ_ARRAY_SIZE(fz_clean_errnos); i++)
		if (fz_clean_errnos[i] == err)
			return true;
	return false;
}

void fz_account(const char *name, long ret, int err)
{
	__atomic_fetch_add(&fz_res->calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fz_res->calls_by[fz_who], 1, __ATOMIC_RELAXED);
	if (ret >= 0) {
		__atomic_fetch_add(&fz_res->ok, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&fz_res->by_errno[err & 255], 1, __ATOMIC_RELAXED);
	if (fz_clean(err))
		return;
	if (!__atomic_fetch_add(&fz_res->unclean, 1, __ATOMIC_RELAXED)) {
		fz_res->first_unclean_errno = err;
		snprintf(fz_res->first_unclean, sizeof(fz_res->first_unclean),
			 "%s", name);
	}
}

/*
 * An fd to send a command to, and in @dev what it is: a device index, or
 * FZ_DEV_OBJ with @kind for an fd a command handed out.  Mostly open ones;
 * sometimes stale numbers, /dev/null, -1 or numbers never opened.
 */
static int fz_pick_fd(uint64_t *s, int *dev, int *kind)
{
	unsigned int r = fz_below(s, 100), i = fz_below(s, FZ_SLOTS);
	int fd;

	*kind = FZ_KIND_NONE;
	fd = r < 25 ? fz_obj_pick(s, kind) : -1;
	if (fd >= 0) {
		*dev = FZ_DEV_OBJ;
		return fd;
	}
	fd = __atomic_load_n(&fz_slots[i], __ATOMIC_RELAXED);
	/* Closed slots are what the stale picks below are for. */
	for (int tries = 0; fd < 0 && tries < 4; tries++) {
		i = fz_below(s, FZ_SLOTS);
		fd = __atomic_load_n(&fz_slots[i], __ATOMIC_RELAXED);
	}
	*dev = __atomic_load_n(&fz_slot_dev[i], __ATOMIC_RELAXED);
	if (r < 90)
		return fd;
	if (r < 93)
		return __atomic_load_n(&fz_stale[i], __ATOMIC_RELAXED);
	if (r < 95)
		return fz_obj_stale(s);
	if (r < 97)
		return fz_null_fd;
	return r & 1 ? -1 : 1000 + (int)fz_below(s, 1000);
}

/*
 * A command for that fd: mostly one meant for it (its device's own, or
 * one for its kind of handed-out fd), else any, so that region commands
 * reach devices and device commands reach region fds.
 */
static const struct fz_ioctl *fz_pick_ioctl(uint64_t *s, int dev, int kind)
{
	const unsigned int *home = NULL;
	unsigned int nr = 0, r = fz_below(s, 100);

	if (dev == FZ_DEV_OBJ && kind >= 0 &&
	    (unsigned int)kind < FZ_ARRAY_SIZE(fz_kind_homes)) {
		home = fz_kind_homes[kind].home;
		nr = fz_kind_homes[kind].nr_home;
	} else if (dev >= 0) {
		home = fz_devs[dev % fz_nr_devs].home;
		nr = fz_devs[dev % fz_nr_devs].nr_home;
	}
	if (r < 85 && nr)
		return &fz_ioctls[home[fz_below(s, nr)]];
	return &fz_ioctls[fz_below(s, FZ_NR_IOCTLS)];
}

/* The table entry a command number reaches (size and direction aside). */
static const struct fz_ioctl *fz_dispatched(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < FZ_NR_IOCTLS; i++)
		if (_IOC_TYPE(fz_ioctls[i].cmd) == _IOC_TYPE(cmd) &&
		    _IOC_NR(fz_ioctls[i].cmd) == _IOC_NR(cmd))
			return &fz_ioctls[i];
	return NULL;
}

/* Where @io's fd-out field lies inside the argument area at @arg, or -1. */
static long fz_newfd_off(struct fz_thread *t, const struct fz_ioctl *io,
			 unsigned long arg)
{
	unsigned long lo = (uintptr_t)t->arg, hi = lo + FZ_ARG_PAGES * FZ_PAGE;
	unsigned int i;

	if (!io || arg < lo || arg >= hi)
		return -1;
	for (i = 0; i < io->nr_fields; i++) {
		const struct fz_field *f = &io->fields[i];

		if (f->role == FZ_NEWFD && f->len == sizeof(int) &&
		    arg + f->off + f->len <= hi)
			return arg - lo + f->off;
	}
	return -1;
}

/*
 * fz_collect: a command that handed out an fd wrote its number at @off;
 * take it into fuzz_region.c's slots (which close what they cannot use).
 */
static void fz_collect(struct fz_thread *t, const struct fz_ioctl *io,
		       long off)
{
	int fd;

	memcpy(&fd, t->arg + off, sizeof(fd));
	if (fd < 0 || fd == fz_null_fd || fz_obj_known(fd) ||
	    fcntl(fd, F_GETFD) < 0)
		return;
	for (unsigned int i = 0; i < FZ_SLOTS; i++)
		if (__atomic_load_n(&fz_slots[i], __ATOMIC_RELAXED) == fd)
			return;
	fz_obj_install(fz_kind_of(io->makes), fd);
}

static void fz_one_ioctl(struct fz_thread *t)
{
	uint64_t *s = &t->rng;
	const struct fz_ioctl *io, *to;
	unsigned long cmd, arg;
	int dev, kind, fd, err;
	unsigned int r;
	unsigned char *p;
	long ret, off;
	bool held;

	fd = fz_pick_fd(s, &dev, &kind);
	io = fz_pick_ioctl(s, dev, kind);
	if (fz_excluded(io->name))
		return;
	cmd = io->cmd;
	fz_maps_read_lock();	/* pointers may point into mappings */
	fz_fill_handles(t);
	p = fz_build(t, io);
	arg = (uintptr_t)p;
	r = fz_below(s, 100);
	if (r < 2)
		arg = 0;
	else if (r < 4)
		arg = FZ_KERNEL_PTR;
	else if (r < 5)
		arg = (uintptr_t)t->arg + FZ_ARG_PAGES * FZ_PAGE;
	else if (r < 6)
		arg = (uintptr_t)p + 1;
	else if (r < 8)	/* same magic, other number or size */
		cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), fz_below(s, 64),
			   fz_below(s, 4) ? _IOC_SIZE(cmd) : fz_below(s, 512));
	/* A command that hands out an fd: -1 there until it writes one. */
	to = fz_dispatched(cmd);
	off = to && to->makes ? fz_newfd_off(t, to, arg) : -1;
	if (off >= 0)
		memset(t->arg + off, 0xff, sizeof(int));
	/* Devices that outlive the fd: bounded, the old ones left alone. */
	if (!fz_zram_steer(s, to, t->arg, FZ_ARG_PAGES * FZ_PAGE, arg, &held)) {
		fz_maps_unlock();
		return;
	}
	fz_dedupe_steer(s, to, t->arg, FZ_ARG_PAGES * FZ_PAGE, arg);
	fz_qos_steer(s, to, t->arg, FZ_ARG_PAGES * FZ_PAGE, arg);
	t->calls--;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	fz_zram_after(held, ret);
	fz_maps_unlock();
	fz_account(io->name, ret, err);
	if (ret >= 0 && off >= 0)
		fz_collect(t, to, off);
	if (ret >= 0 && arg == (uintptr_t)p && cmd == io->cmd)
		fz_harvest(t, io, p);
}

/* A device fd of the process for fuzz_region.c's REGION_CREATE/OPEN. */
static int fz_any_dev_fd(uint64_t *s)
{
	unsigned int i = fz_below(s, FZ_SLOTS), tries;
	int fd = -1;

	for (tries = 0; tries < FZ_SLOTS && fd < 0; tries++)
		fd = __atomic_load_n(&fz_slots[(i + tries) % FZ_SLOTS],
				     __ATOMIC_RELAXED);
	return fd;
}

static void *fz_thread_main(void *data)
{
	struct fz_thread *t = data;
	unsigned int r;

	pthread_barrier_wait(&fz_start);
	/* t->calls counts ioctls only: -n is what reaches the drivers. */
	while (t->calls && time(NULL) < fz_deadline) {
		r = fz_below(&t->rng, 1000);
		if (r < 25 && fz_privileged)
			fz_open_slot(&t->rng, fz_below(&t->rng, FZ_SLOTS));
		else if (r < 25)
			fz_dup_slot(&t->rng);
		else if (r < 40)
			fz_close_slot(fz_below(&t->rng, FZ_SLOTS));
		else if (r < 45)
			fz_dup_slot(&t->rng);
		else if (r < 52)
			fz_obj_close_one(&t->rng);
		else if (r < 55)
			fz_obj_dup_one(&t->rng);
		else if (r < 200)
			fz_region_op(&t->rng, fz_any_dev_fd(&t->rng));
		else
			fz_one_ioctl(t);
	}
	return NULL;
}

/* The box's mallory when /etc/passwd has her, else nobody. */
static unsigned int fz_unpriv_uid(void)
{
	static const char want[] = "mallory:x:1002:1002:";
	char line[256];
	bool found = false;
	FILE *f = fopen("/etc/passwd", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, sizeof(want) - 1);
	if (f)
		fclose(f);
	return found ? 1002 : 65534;
}

/* Is CAP_SYS_ADMIN still effective? */
static bool fz_has_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return true;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/*
 * Become the unprivileged user for real, and check it took: a fuzzer that
 * kept root's powers would prove nothing about what an fd passed down
 * reaches.
 */
static int fz_drop_privileges(void)
{
	unsigned int uid = fz_unpriv_uid();
	int fd;

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -1;
	if (getuid() != uid || geteuid() != uid || fz_has_sys_admin()) {
		errno = EPERM;
		return -1;
	}
	fz_res->unpriv_uid = uid;
	fd = open(fz_nr_devs ? fz_devs[0].path : "/dev/null", O_RDWR);
	if (fz_nr_devs && fd >= 0)
		printf("# uid %u opens %s itself: not only root's fds\n", uid,
		       fz_devs[0].path);
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * fz_sweep: fds open now that were not at start (@inherited) and that the
 * fuzzer never learnt of: a command installed one and then failed to
 * write its number back.  Closed, and counted for the report.
 */
#define FZ_SWEEP_FDS	4096

static unsigned int fz_sweep(const unsigned char *inherited)
{
	unsigned int n = 0;
	int fd;

	for (fd = 0; fd < FZ_SWEEP_FDS; fd++) {
		if (inherited[fd] || fd == fz_null_fd ||
		    fcntl(fd, F_GETFD) < 0)
			continue;
		close(fd);
		n++;
	}
	return n;
}

/* fz_run: one fuzzing process (a child); returns its exit status. */
static int fz_run(bool nobody, unsigned long calls, unsigned long seed)
{
	static unsigned char inherited[FZ_SWEEP_FDS];
	struct fz_thread *t;
	uint64_t rng = seed | 1;
	unsigned int i, lost;

	for (i = 0; i < FZ_SWEEP_FDS; i++)
		inherited[i] = fcntl(i, F_GETFD) >= 0;
	fz_null_fd = open("/dev/null", O_RDWR);
	for (i = 0; i < FZ_SLOTS; i++) {
		fz_slots[i] = -1;
		fz_stale[i] = -1;
		if (i < FZ_SLOTS / 2)
			fz_open_slot(&rng, i);
	}
	if (nobody && fz_drop_privileges()) {
		perror("aether_fuzz: dropping privileges");
		return 1;
	}
	fz_privileged = !nobody;
	fz_who = nobody;
	if (fz_region_init()) {
		perror("aether_fuzz: region setup");
		return 1;
	}
	t = calloc(opt.threads, sizeof(*t));
	if (!t)
		return 1;
	/* Every buffer before any thread runs: see fuzz_region.c, Locks. */
	for (i = 0; i < opt.threads; i++) {
		t[i].rng = fz_rand(&rng) | 1;
		t[i].calls = (calls + opt.threads - 1) / opt.threads;
		t[i].arg = fz_map_guarded(FZ_ARG_PAGES);
		t[i].hbuf = fz_map_guarded(FZ_HBUF_PAGES);
		t[i].names = fz_map_guarded(FZ_NAME_PAGES);
		if (!t[i].arg || !t[i].hbuf || !t[i].names)
			return 1;
	}
	if (pthread_barrier_init(&fz_start, NULL, opt.threads + 1))
		return 1;
	for (i = 0; i < opt.threads; i++)
		if (pthread_create(&t[i].tid, NULL, fz_thread_main, &t[i]))
			return 1;
	pthread_barrier_wait(&fz_start);
	for (i = 0; i < opt.threads; i++)
		pthread_join(t[i].tid, NULL);
	fz_region_exit();
	for (i = 0; i < FZ_SLOTS; i++) {
		if (fz_slots[i] >= 0)
			close(fz_slots[i]);
		fz_slots[i] = -1;
	}
	lost = fz_sweep(inherited);
	if (lost)
		printf("# %s: %u fds handed out but never learnt (closed)\n",
		       nobody ? "nobody" : "root", lost);
	return 0;
}

static int fz_usage(void)
{
	fprintf(stderr,
		"usage: aether_fuzz [-n calls] [-d seconds] [-t threads] [-s seed]\n"
		"                   [-u root,nobody] [-x NAME,...] [-A] [-q]\n"
		"  -A  no pool accounting check (aether_mm absent or busy)\n");
	return 2;
}

static int fz_options(int argc, char **argv)
{
	int c;

	opt.seed = time(NULL) ^ getpid();
	while ((c = getopt(argc, argv, "n:d:t:s:u:x:AqS:C:")) != -1) {
		switch (c) {
		case 'n': opt.calls = strtoul(optarg, NULL, 0); break;
		case 'd': opt.seconds = strtoul(optarg, NULL, 0); break;
		case 't': opt.threads = strtoul(optarg, NULL, 0); break;
		case 's': opt.seed = strtoul(optarg, NULL, 0); break;
		case 'u':
			opt.as_root = strstr(optarg, "root");
			opt.as_nobody = strstr(optarg, "nobody");
			break;
		case 'x':
			snprintf(opt.exclude, sizeof(opt.exclude), "%s", optarg);
			break;
		case 'A': opt.account = false; break;
		case 'q': opt.quiet = true; break;
		case 'S': opt.save = optarg; break;
		case 'C': opt.compare = optarg; break;
		default: return -1;
		}
	}
	return 0;
}

/* fz_snapshot_file: -S and -C. */
static int fz_snapshot_file(void)
{
	struct aether_pool_snap snap;
	FILE *f;

	if (opt.save) {
		if (aether_pool_snapshot(&snap))
			return 1;
		f = fopen(opt.save, "w");
		if (!f || fwrite(&snap, sizeof(snap), 1, f) != 1)
			return 1;
		return fclose(f) ? 1 : 0;
	}
	f = fopen(opt.compare, "r");
	if (!f || fread(&snap, sizeof(snap), 1, f) != 1) {
		perror(opt.compare);
		return 1;
	}
	fclose(f);
	return aether_pool_compare(&snap);
}

static void fz_report(void)
{
	unsigned int e;

	printf("# aether_fuzz: %lu calls, %lu ok, %lu opens (%lu denied)\n",
	       fz_res->calls, fz_res->ok, fz_res->opens, fz_res->open_denied);
	printf("# handed-out fds %lu, mappings %lu, touches %lu (SIGSEGV %lu, SIGBUS %lu), forks %lu\n",
	       fz_res->newfds, fz_res->maps, fz_res->touches, fz_res->sigsegv,
	       fz_res->sigbus, fz_res->forks);
	printf("# errno:");
	for (e = 1; e < 256; e++)
		if (fz_res->by_errno[e])
			printf(" %s=%lu", strerrorname_np(e) ?: "?",
			       fz_res->by_errno[e]);
	printf("\n");
}

int main(int argc, char **argv)
{
	int ok = 1, status, nr = 0, acct;
	unsigned long seed;
	pid_t pid;

	if (fz_options(argc, argv))
		return fz_usage();
	if (!opt.threads)
		opt.threads = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.save || opt.compare)
		return fz_snapshot_file();
	printf("TAP version 13\n1..1\n");
	fz_find_devices();
	fz_find_kinds();
	fz_zram_init();
	fz_dedupe_init();
	fz_qos_init();
	if (!fz_nr_devs) {
		printf("ok 1 aether_fuzz # SKIP no /dev/aether_* device\n");
		return 4;
	}
	fz_res = mmap(NULL, sizeof(*fz_res), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_res == MAP_FAILED)
		return 1;
	acct = opt.account ? aether_pool_snapshot(&fz_pool_before) : 0;
	printf("# seed %lu, %u devices, %zu ioctls, %u threads, up to %lu calls or %u s\n",
	       opt.seed, fz_nr_devs, FZ_NR_IOCTLS, opt.threads, opt.calls,
	       opt.seconds);
	fz_deadline = time(NULL) + opt.seconds;
	seed = opt.seed;
	for (int who = 0; who < 2; who++) {
		if (!(who ? opt.as_nobody : opt.as_root))
			continue;
		pid = fork();
		if (pid == 0)
			_exit(fz_run(who, (opt.calls + 1) / (opt.as_root + opt.as_nobody),
				     seed + who));
		nr += pid > 0;
	}
	while (nr-- > 0) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("# a fuzzing child died: status 0x%x\n", status);
			ok = 0;
		}
	}
	fz_report();
	/* Every fd is closed: what the run made must go now. */
	if (fz_zram_cleanup())
		ok = 0;
	if (fz_dedupe_cleanup())
		ok = 0;
	if (fz_qos_cleanup())
		ok = 0;
	printf("# calls as root %lu, as uid %u with root's fds %lu\n",
	       fz_res->calls_by[0], fz_res->unpriv_uid, fz_res->calls_by[1]);
	if (opt.as_nobody && !fz_res->calls_by[1]) {
		printf("# the unprivileged process made no call\n");
		ok = 0;
	}
	if (fz_res->bad_children) {
		printf("# %lu forked children ended badly, first %s\n",
		       fz_res->bad_children, fz_res->first_bad_child);
		ok = 0;
	}
	if (fz_res->unclean) {
		printf("# %lu calls answered an unclean errno, first %s: %d\n",
		       fz_res->unclean, fz_res->first_unclean,
		       fz_res->first_unclean_errno);
		ok = 0;
	}
	if (opt.account && !acct && aether_pool_compare(&fz_pool_before))
		ok = 0;
	printf("AETHER-RESULT fuzz_calls %lu\n", fz_res->calls);
	printf("%s 1 aether_fuzz\n", ok ? "ok" : "not ok");
	return ok ? 0 : 1;
}
