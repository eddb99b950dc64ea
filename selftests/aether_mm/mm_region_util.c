// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_util.c - what the region selftests share; see mm_region_util.h
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm_region_util.h"

/*
 * aether_mm's module parameters as this program found them.  The region
 * fixture's teardown puts back what a test changed; a test killed by its
 * timeout never reaches it, so the program puts back the rest when it
 * ends.  Only the harness's process does: its test children leave with
 * _exit(), and a child that calls exit() is not the process that saved.
 */
static struct aet_params params_at_start;
static pid_t params_saver;

static void __attribute__((constructor)) params_keep(void)
{
	if (aet_params_save(AEMT_MODULE, &params_at_start))
		params_at_start.nr = 0;		/* not loaded: nothing to do */
	params_saver = getpid();
}

static void __attribute__((destructor)) params_put_back(void)
{
	int n;

	if (getpid() != params_saver)
		return;
	n = aet_params_restore(&params_at_start);
	if (n)
		fprintf(stderr, "# aether_mm module parameters left changed: %s\n",
			n > 0 ? "restored" : strerror(-n));
}

size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

void test_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "t-%s-%d", tag, (int)getpid());
}

__u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

void fill_random(void *buf, size_t len, __u64 *seed)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = rnd(seed);
}

unsigned char *region_mapped(int fd, __u32 flags, size_t pages, int *rfd)
{
	size_t len = pages * page_size();
	void *p;

	*rfd = aemt_region_new(fd, flags, len);
	if (*rfd < 0)
		return NULL;
	p = aemt_region_map(*rfd, len, PROT_RW);
	return p == MAP_FAILED ? NULL : p;
}

unsigned char *region_written(int fd, struct aether_mm_region_create *c,
			      __u64 seed, unsigned char **want)
{
	unsigned char *p;

	if (aemt_region_create(fd, c))
		return NULL;
	p = aemt_region_map(c->fd, c->length, PROT_RW);
	*want = malloc(c->length);
	if (p == MAP_FAILED || !*want)
		return NULL;
	fill_random(*want, c->length, &seed);
	memcpy(p, *want, c->length);
	return p;
}

int create_close(int fd, struct aether_mm_region_create *c)
{
	int ret = aemt_region_create(fd, c);

	if (!ret)
		close(c->fd);
	return ret;
}

__u64 resident(int rfd)
{
	struct aether_mm_region_info ri;

	return aemt_region_info(rfd, &ri) ? ~0ULL : ri.resident;
}

struct touch {
	volatile unsigned char *addr;
	bool write;
};

static int touch_child(void *arg)
{
	struct rlimit nocore = { 0, 0 };
	struct touch *t = arg;

	setrlimit(RLIMIT_CORE, &nocore);
	if (t->write)
		*t->addr = 0x5a;
	else
		(void)*t->addr;
	return 0;
}

int touch_status(volatile unsigned char *addr, bool write)
{
	struct touch t = { .addr = addr, .write = write };

	return aemt_run_child(touch_child, &t);
}

bool died_of(int status, int sig)
{
	return status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

int kid_put(int fd, __u64 v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -EIO;
}

int kid_get(int fd, __u64 *v)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*v)) {
		n = read(fd, (char *)v + got, sizeof(*v) - got);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += n;
	}
	return 0;
}

int kid_start(struct kid *k, int (*fn)(struct kid *k, void *arg), void *arg)
{
	int up[2], down[2];

	if (pipe(up))
		return -errno;
	if (pipe(down)) {
		close(up[0]);
		close(up[1]);
		return -errno;
	}
	/* A child that died early must fail an assert, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	fflush(stderr);
	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		close(up[0]);
		close(down[1]);
		k->up = up[1];
		k->down = down[0];
		_exit(fn(k, arg));
	}
	close(up[1]);
	close(down[0]);
	k->up = up[0];
	k->down = down[1];
	return 0;
}

int kid_finish(struct kid *k)
{
	int status = -1;

	close(k->down);
	close(k->up);
	if (waitpid(k->pid, &status, 0) != k->pid)
		return -1;
	return status;
}

bool exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status);
}

int param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/aether_mm/parameters/%s",
		 name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return n ? -errno : -EIO;
	buf[n] = 0;
	return 0;
}

int param_write(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/aether_mm/parameters/%s",
		 name);
	return aemt_write_file(path, val);
}

long debugfs_counter(const char *path, const char *key)
{
	char line[512], k[64];
	long v, ret = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

int access_row(__u64 id, long *scans, long gens[NR_GENS])
{
	char line[512];
	int ret = -ENOENT;
	FILE *f;

	f = fopen(ACCESS_DEBUGFS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long rid;
		int n;

		n = sscanf(line, "%llu %ld %ld %ld %ld %ld %ld %ld %ld %ld",
			   &rid, scans, &gens[0], &gens[1], &gens[2], &gens[3],
			   &gens[4], &gens[5], &gens[6], &gens[7]);
		if (n == 2 + NR_GENS && rid == id) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

long access_scans(__u64 id)
{
	long scans, gens[NR_GENS];

	return access_row(id, &scans, gens) ? -1 : scans;
}

__u32 map_of(int rfd, const volatile void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? ~0U : q.map;
}

int scan_times(__u64 id, long n)
{
	long s0 = access_scans(id);
	int i;

	if (s0 < 0)
		return -ENOENT;
	if (param_write("access_interval_ms", "20"))
		return -EIO;
	for (i = 0; i < 3000 && access_scans(id) < s0 + n; i++)
		usleep(10 * 1000);
	if (param_write("access_interval_ms", "0"))
		return -EIO;
	return access_scans(id) >= s0 + n ? 0 : -ETIMEDOUT;
}
