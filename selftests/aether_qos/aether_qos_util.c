// SPDX-License-Identifier: GPL-2.0
/*
 * aether_qos_util.c - helpers of the aether_qos selftests
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

static int aqt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int aqt_open(void)
{
	int fd = open(AQT_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int aqt_create(int fd, __u32 parent, const char *name, __u32 class,
	       __u32 *id)
{
	struct aether_qos_create c = {
		.size = sizeof(c), .parent_id = parent, .class = class,
	};
	int ret;

	snprintf(c.name, sizeof(c.name), "%s", name);
	ret = aqt_ioctl(fd, AETHER_QOS_IOC_CREATE, &c);
	if (!ret && id)
		*id = c.id;
	return ret;
}

int aqt_destroy(int fd, __u32 id)
{
	struct aether_qos_destroy d = { .size = sizeof(d), .id = id };

	return aqt_ioctl(fd, AETHER_QOS_IOC_DESTROY, &d);
}

int aqt_set(int fd, struct aether_qos_set *s)
{
	s->size = sizeof(*s);
	return aqt_ioctl(fd, AETHER_QOS_IOC_SET, s);
}

int aqt_set_max(int fd, __u32 id, __u64 max)
{
	struct aether_qos_set s = {
		.id = id, .mask = AETHER_QOS_SET_MAX, .max = max,
	};

	return aqt_set(fd, &s);
}

int aqt_gfd(int fd, __u32 id)
{
	struct aether_qos_open o = { .size = sizeof(o), .id = id };
	int ret = aet_ioctl(fd, AETHER_QOS_IOC_OPEN, &o);

	return ret ? ret : o.fd;
}

long aqt_stored(int rfd, unsigned char *p, size_t from, size_t to)
{
	size_t i, ps = (size_t)sysconf(_SC_PAGESIZE);
	struct aether_mm_region_query q;
	long n = 0;

	for (i = from; i < to; i++) {
		if (aemt_region_query(rfd, p + i * ps, &q))
			return -1;
		n += q.state == AETHER_MM_PAGE_STORED;
	}
	return n;
}

int aqt_get(int fd, __u32 id, struct aether_qos_group_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	gi->size = sizeof(*gi);
	gi->id = id;
	return aqt_ioctl(fd, AETHER_QOS_IOC_GET, gi);
}

/*
 * GET @id once its last region is gone: a region closed by the test is
 * released by whoever drops its last reference, which may be a reclaim
 * walk (kreclaimd's, the scanner's) still holding it for a moment.  Up
 * to 10 s for @gi->nr_regions to reach 0; then GET's answer as it is, for
 * the caller's assertions (a leak still fails them).
 */
int aqt_get_released(int fd, __u32 id, struct aether_qos_group_info *gi)
{
	int ret, i;

	for (i = 0; i < 500; i++) {
		ret = aqt_get(fd, id, gi);
		if (ret || (!gi->nr_regions && !gi->usage))
			return ret;
		usleep(20 * 1000);
	}
	return aqt_get(fd, id, gi);
}

int aqt_attach(int fd, __u32 id, pid_t pid)
{
	struct aether_qos_attach a = { .size = sizeof(a), .id = id, .pid = pid };

	return aqt_ioctl(fd, AETHER_QOS_IOC_ATTACH_PID, &a);
}

int aqt_list(int fd, __u32 *ids, __u32 *count)
{
	struct aether_qos_list l = {
		.size = sizeof(l), .count = *count,
		.ids_ptr = (unsigned long)ids,
	};
	int ret = aqt_ioctl(fd, AETHER_QOS_IOC_LIST, &l);

	if (!ret)
		*count = l.count;
	return ret;
}

int aqt_find(int fd, __u32 parent, const char *name, __u32 *id)
{
	struct aether_qos_group_info gi;
	__u32 ids[1024], n = 1024, i;
	int ret = aqt_list(fd, ids, &n);

	if (ret)
		return ret;
	for (i = 0; i < n && i < 1024; i++) {
		if (!ids[i] || aqt_get(fd, ids[i], &gi))
			continue;
		if (gi.parent_id == parent && !strcmp(gi.name, name)) {
			*id = ids[i];
			return 0;
		}
	}
	return -ENOENT;
}

void aqt_destroy_prefixed(int fd, __u32 parent, const char *prefix)
{
	struct aether_qos_group_info gi;
	__u32 ids[1024], n = 1024, i;

	if (aqt_list(fd, ids, &n))
		return;
	for (i = 0; i < n && i < 1024; i++) {
		if (!ids[i] || aqt_get(fd, ids[i], &gi))
			continue;
		if (gi.parent_id != parent ||
		    strncmp(gi.name, prefix, strlen(prefix)))
			continue;
		aqt_destroy_prefixed(fd, ids[i], "");
		aqt_destroy(fd, ids[i]);
	}
}

int aqt_touch_child(unsigned char *p, size_t pages, size_t *wrote)
{
	long psize = sysconf(_SC_PAGESIZE);
	int up[2], status;
	pid_t pid;
	char c;

	*wrote = 0;
	if (pipe(up))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct rlimit nocore = { 0, 0 };
		size_t i;

		setrlimit(RLIMIT_CORE, &nocore);
		close(up[0]);
		for (i = 0; i < pages; i++) {
			p[i * psize] = 1;
			if (write(up[1], "x", 1) != 1)
				_exit(2);
		}
		_exit(0);
	}
	close(up[1]);
	while (read(up[0], &c, 1) == 1)
		(*wrote)++;
	close(up[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return status;
}

unsigned char *aqt_region(int mfd, size_t pages, int *rfd)
{
	size_t len = pages * sysconf(_SC_PAGESIZE);
	void *p;

	*rfd = aemt_region_new(mfd, AETHER_MM_REGION_SHARED, len);
	if (*rfd < 0)
		return NULL;
	p = aemt_region_map(*rfd, len, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		close(*rfd);
		return NULL;
	}
	return p;
}

void *aqt_shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

unsigned char *aqt_region_id(int mfd, __u32 flags, size_t pages, int *rfd,
			     __u64 *id)
{
	size_t len = pages * sysconf(_SC_PAGESIZE);
	struct aether_mm_region_create c;
	void *p;

	aemt_region_args(&c, flags, len);
	if (aemt_region_create(mfd, &c))
		return NULL;
	*rfd = c.fd;
	*id = c.id;
	p = aemt_region_map(c.fd, len, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		close(c.fd);
		return NULL;
	}
	return p;
}

long aqt_resident(int rfd)
{
	struct aether_mm_region_info ri;
	int ret = aemt_region_info(rfd, &ri);

	return ret ? ret : (long)ri.resident;
}

#define AQT_ACCESS	"/sys/kernel/debug/aether/mm/access"
#define AQT_INTERVAL	"/sys/module/aether_mm/parameters/access_interval_ms"

/* Scans of region @id so far (debugfs aether/mm/access), or -1. */
static long aqt_scans(__u64 id)
{
	unsigned long long rid;
	char line[512];
	long scans, ret = -1;
	FILE *f = fopen(AQT_ACCESS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %ld", &rid, &scans) == 2 && rid == id)
			ret = scans;
	fclose(f);
	return ret;
}

int aqt_scan(__u64 id, long n)
{
	long s0 = aqt_scans(id);
	int i;

	if (s0 < 0)
		return -ENOENT;
	if (aemt_write_file(AQT_INTERVAL, "20"))
		return -EIO;
	for (i = 0; i < 3000 && aqt_scans(id) < s0 + n; i++)
		usleep(10 * 1000);
	/* Stopped: a scan holds the lock a fault's reclaim only tries. */
	if (aemt_write_file(AQT_INTERVAL, "0"))
		return -EIO;
	return aqt_scans(id) >= s0 + n ? 0 : -ETIMEDOUT;
}

int aqt_loopback(int on)
{
	return aemt_write_file(AEMT_DEBUGFS "/store_loopback", on ? "1" : "0");
}

void aqt_loopback_teardown(int fd, struct aet_params *params,
			   struct aet_params *mm_params, const char *prefix)
{
	if (fd < 0)
		return;
	aqt_attach(fd, AETHER_QOS_ROOT_ID, getpid());
	aqt_loopback(0);
	aqt_destroy_prefixed(fd, AETHER_QOS_ROOT_ID, prefix);
	aet_params_restore(params);
	aet_params_restore(mm_params);
	close(fd);
}

int aqt_pool_reclaim(unsigned long nr)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", nr);
	return aemt_write_file(AEMT_DEBUGFS "/reclaim", buf);
}

void aqt_write_pages(unsigned char *p, size_t from, size_t to, int v)
{
	long psize = sysconf(_SC_PAGESIZE);
	size_t i;

	for (i = from; i < to; i++)
		p[i * psize] = (unsigned char)(v + i);
}

size_t aqt_bad_pages(const unsigned char *p, size_t from, size_t to, int v)
{
	long psize = sysconf(_SC_PAGESIZE);
	size_t i, bad = 0;

	for (i = from; i < to; i++)
		bad += p[i * psize] != (unsigned char)(v + i);
	return bad;
}

unsigned long aqt_integ_pages(const char *name)
{
	long psize = sysconf(_SC_PAGESIZE);
	char path[256], line[128], k[64];
	long long v, bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/aether/qos/%s/memory.stat",
		 name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 && v > 0 &&
		    (!strcmp(k, "integrity") || !strcmp(k, "integrity_sums")))
			bytes += v;
	fclose(f);
	return (bytes + psize - 1) / psize;
}
