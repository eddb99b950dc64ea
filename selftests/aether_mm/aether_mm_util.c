// SPDX-License-Identifier: GPL-2.0
/*
 * aether_mm_util.c - helpers shared by the aether_mm selftests
 *
 * Every ioctl wrapper returns 0 or -errno.  The block-list helpers keep the
 * handles an fd holds together with their BLOCK_INFO, so that a test can
 * reason about nodes, zones and page frame numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <fcntl.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "aether_mm_util.h"

/* The plumbing every selftest directory shares: selftests/lib. */
int aemt_write_file(const char *path, const char *val)
{
	return aet_write_file(path, val);
}

int aemt_open(void)
{
	return aet_open(AEMT_DEV);
}

int aemt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return aet_ioctl(fd, cmd, arg);
}

int aemt_nr_cpus(void)
{
	return aet_nr_cpus();
}

int aemt_pin_cpu(int cpu)
{
	return aet_pin_cpu(cpu);
}

int aemt_drop_sys_admin(void)
{
	return aet_drop_sys_admin();
}

int aemt_run_unprivileged(int (*fn)(int fd, void *arg), int fd, void *arg)
{
	return aet_run_unprivileged(fn, fd, arg);
}

bool aemt_can_run_as(const struct aemt_user *u)
{
	return aet_can_run_as(u);
}

int aemt_run_as(const struct aemt_user *u, int (*fn)(void *arg), void *arg)
{
	return aet_run_as(u, fn, arg);
}

int aemt_run_child(int (*fn)(void *arg), void *arg)
{
	return aet_run_child(fn, arg);
}

int aemt_pool_info(int fd, struct aether_mm_pool_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->size = sizeof(*pi);
	return aemt_ioctl(fd, AETHER_MM_IOC_POOL_INFO, pi);
}

int aemt_zone_stats(int fd, __u32 node, __u32 zone,
		    struct aether_mm_zone_stats *zs)
{
	memset(zs, 0, sizeof(*zs));
	zs->size = sizeof(*zs);
	zs->node = node;
	zs->zone = zone;
	return aemt_ioctl(fd, AETHER_MM_IOC_ZONE_STATS, zs);
}

int aemt_stats(int fd, struct aether_mm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return aemt_ioctl(fd, AETHER_MM_IOC_STATS, st);
}

int aemt_frag(int fd, __u32 node, __u32 zone, struct aether_mm_frag *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->size = sizeof(*fr);
	fr->node = node;
	fr->zone = zone;
	return aemt_ioctl(fd, AETHER_MM_IOC_FRAG, fr);
}

int aemt_alloc(int fd, __u32 flags, __u32 order, int node, __u32 zone,
	       __u32 mt, __u64 *handles, __u32 *count)
{
	struct aether_mm_alloc a = {
		.size = sizeof(a),
		/* @zone as given: 0 is DMA here, as it always was. */
		.flags = flags | AETHER_MM_ALLOC_ZONE,
		.order = order,
		.node = node,
		.zone = zone,
		.migratetype = mt,
		.count = *count,
		.handles = (uintptr_t)handles,
	};
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_ALLOC, &a);

	if (!ret)
		*count = a.count;
	return ret;
}

int aemt_alloc1(int fd, __u32 flags, __u32 order, int node, __u32 zone,
		__u64 *handle)
{
	__u32 count = 1;

	return aemt_alloc(fd, flags, order, node, zone, AETHER_MM_MT_MOVABLE,
			  handle, &count);
}

int aemt_free(int fd, const __u64 *handles, __u32 count)
{
	struct aether_mm_free f = {
		.size = sizeof(f),
		.count = count,
		.handles = (uintptr_t)handles,
	};

	return aemt_ioctl(fd, AETHER_MM_IOC_FREE, &f);
}

int aemt_free1(int fd, __u64 handle)
{
	return aemt_free(fd, &handle, 1);
}

int aemt_block_info(int fd, __u64 handle, struct aether_mm_block_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->size = sizeof(*bi);
	bi->handle = handle;
	return aemt_ioctl(fd, AETHER_MM_IOC_BLOCK_INFO, bi);
}

int aemt_fill(int fd, __u64 handle, __u64 seed)
{
	struct aether_mm_fill f = {
		.size = sizeof(f),
		.handle = handle,
		.seed = seed,
	};

	return aemt_ioctl(fd, AETHER_MM_IOC_FILL, &f);
}

int aemt_verify(int fd, __u64 handle, __u64 seed, __u64 *mismatches)
{
	struct aether_mm_fill f = {
		.size = sizeof(f),
		.flags = AETHER_MM_FILL_VERIFY,
		.handle = handle,
		.seed = seed,
		.mismatches = ~0ULL,
	};
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_FILL, &f);

	*mismatches = f.mismatches;
	return ret;
}

int aemt_set_policy(int fd, __u32 mode, __u64 nodemask)
{
	struct aether_mm_policy p = {
		.size = sizeof(p),
		.mode = mode,
		.nodemask = nodemask,
	};

	return aemt_ioctl(fd, AETHER_MM_IOC_SET_POLICY, &p);
}

int aemt_get_policy(int fd, __u32 *mode, __u64 *nodemask)
{
	struct aether_mm_policy p = { .size = sizeof(p) };
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_GET_POLICY, &p);

	*mode = p.mode;
	*nodemask = p.nodemask;
	return ret;
}

int aemt_reserve(int fd, __u64 pfn, __u64 nr_pages, __u64 *id)
{
	struct aether_mm_reserve r = {
		.size = sizeof(r),
		.pfn = pfn,
		.nr_pages = nr_pages,
	};
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_RESERVE, &r);

	if (id)
		*id = r.id;
	return ret;
}

int aemt_unreserve(int fd, __u64 id)
{
	struct aether_mm_unreserve u = {
		.size = sizeof(u),
		.id = id,
	};

	return aemt_ioctl(fd, AETHER_MM_IOC_UNRESERVE, &u);
}

int aemt_drain(int fd)
{
	return ioctl(fd, AETHER_MM_IOC_DRAIN) < 0 ? -errno : 0;
}

int aemt_drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "2\n", 2) != 2)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Bring the pool back to a known state: per-CPU lists empty and the
 * chunks grown by earlier tests given back to Linux.
 */
int aemt_settle(int fd)
{
	int ret = aemt_drain(fd);
	int i;

	for (i = 0; !ret && i < 3; i++)
		ret = aemt_drop_caches();
	return ret ? ret : aemt_drain(fd);
}

/* Free pages on the buddy lists of every zone of @node. */
__u64 aemt_node_buddy_free(int fd, __u32 node)
{
	struct aether_mm_zone_stats zs;
	__u64 sum = 0;
	__u32 z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++)
		if (!aemt_zone_stats(fd, node, z, &zs) && zs.present)
			sum += zs.free;
	return sum;
}

/* The present zone of @node with the most pages, or -1. */
int aemt_largest_zone(int fd, __u32 node)
{
	struct aether_mm_zone_stats zs;
	__u64 best_pages = 0;
	int best = -1;
	__u32 z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
		if (aemt_zone_stats(fd, node, z, &zs) || !zs.present)
			continue;
		if (zs.managed > best_pages) {
			best_pages = zs.managed;
			best = z;
		}
	}
	return best;
}

int aemt_blocks_add(struct aemt_blocks *b, __u64 handle)
{
	if (b->nr == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		__u64 *h = realloc(b->handles, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		b->handles = h;
		b->cap = cap;
	}
	b->handles[b->nr++] = handle;
	return 0;
}

int aemt_blocks_info(int fd, struct aemt_blocks *b)
{
	size_t i;
	int ret;

	free(b->info);
	b->info = calloc(b->cap ? b->cap : 1, sizeof(*b->info));
	if (!b->info)
		return -ENOMEM;
	for (i = 0; i < b->nr; i++) {
		ret = aemt_block_info(fd, b->handles[i], &b->info[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int aemt_blocks_free_all(int fd, struct aemt_blocks *b)
{
	size_t done = 0;
	int ret;

	while (done < b->nr) {
		size_t n = b->nr - done;

		if (n > AETHER_MM_MAX_BULK)
			n = AETHER_MM_MAX_BULK;
		ret = aemt_free(fd, b->handles + done, n);
		if (ret)
			return ret;
		done += n;
	}
	b->nr = 0;
	return 0;
}

void aemt_blocks_release(struct aemt_blocks *b)
{
	free(b->handles);
	free(b->info);
	memset(b, 0, sizeof(*b));
}

/*
 * Allocate blocks of @order until the pool answers -ENOMEM or @limit blocks
 * are held.  Returns 0 when it stopped on -ENOMEM (or the limit), another
 * -errno otherwise.
 */
int aemt_fill_until_enomem(int fd, __u32 flags, __u32 order, int node,
			   __u32 zone, struct aemt_blocks *b, size_t limit)
{
	static __u64 batch[AETHER_MM_MAX_BULK];
	int ret = 0;
	__u32 i;

	while (b->nr < limit) {
		__u32 count = AETHER_MM_MAX_BULK;

		if (limit - b->nr < count)
			count = limit - b->nr;
		ret = aemt_alloc(fd, flags, order, node, zone,
				 AETHER_MM_MT_MOVABLE, batch, &count);
		if (ret == -ENOMEM)
			return 0;
		if (ret)
			return ret;
		for (i = 0; i < count; i++) {
			ret = aemt_blocks_add(b, batch[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int aemt_cmp_pfn(const void *a, const void *b)
{
	const struct aether_mm_block_info *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Sort by page frame number; handles follow their info. */
void aemt_blocks_sort_pfn(struct aemt_blocks *b)
{
	size_t i;

	qsort(b->info, b->nr, sizeof(*b->info), aemt_cmp_pfn);
	for (i = 0; i < b->nr; i++)
		b->handles[i] = b->info[i].handle;
}

/* The node Linux puts @cpu on, asked from that CPU with getcpu(). */
int aemt_cpu_node(int cpu)
{
	cpu_set_t old;
	unsigned int c, node;
	int ret;

	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	ret = aemt_pin_cpu(cpu);
	if (!ret && syscall(SYS_getcpu, &c, &node, NULL))
		ret = -errno;
	sched_setaffinity(0, sizeof(old), &old);
	if (ret)
		return ret;
	return c == (unsigned int)cpu ? (int)node : -EAGAIN;
}

const struct aemt_user aemt_alice = {
	.name = "alice", .uid = 1000, .gid = 1000,
	.groups = { AEMT_AETHER_GID }, .nr_groups = 1,
};

const struct aemt_user aemt_mallory = {
	.name = "mallory", .uid = 1002, .gid = 1002,
	.nr_groups = 0,
};

void aemt_region_args(struct aether_mm_region_create *c, __u32 flags,
		      __u64 length)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = flags;
	c->length = length;
	c->max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE;
	c->tier = AETHER_MM_TIER_NORMAL;
	c->pol_mode = AETHER_MM_POL_LOCAL;
	c->fd = -1;
}

int aemt_region_create(int fd, struct aether_mm_region_create *c)
{
	c->size = sizeof(*c);
	return aemt_ioctl(fd, AETHER_MM_IOC_REGION_CREATE, c);
}

/* A read-write region of @length bytes: its fd, or -errno. */
int aemt_region_new(int fd, __u32 flags, __u64 length)
{
	struct aether_mm_region_create c;
	int ret;

	aemt_region_args(&c, flags, length);
	ret = aemt_region_create(fd, &c);
	return ret ? ret : c.fd;
}

/* Open the region named @name: a new fd of it, or -errno. */
int aemt_region_open(int fd, const char *name, __u32 flags, __u64 *id)
{
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = flags,
		.name = (uintptr_t)name,
		.fd = -1,
	};
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_REGION_OPEN, &o);

	if (ret)
		return ret;
	if (id)
		*id = o.id;
	return o.fd;
}

int aemt_region_list(int fd, __u64 *ids, __u32 *count, __u32 *total)
{
	struct aether_mm_region_list l = {
		.size = sizeof(l),
		.count = *count,
		.ids = (uintptr_t)ids,
	};
	int ret = aemt_ioctl(fd, AETHER_MM_IOC_REGION_LIST, &l);

	if (!ret) {
		*count = l.count;
		if (total)
			*total = l.total;
	}
	return ret;
}

int aemt_region_info(int rfd, struct aether_mm_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->size = sizeof(*ri);
	return aemt_ioctl(rfd, AETHER_MM_IOC_REGION_INFO, ri);
}

int aemt_region_query(int rfd, const volatile void *addr,
		      struct aether_mm_region_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->addr = (uintptr_t)addr;
	return aemt_ioctl(rfd, AETHER_MM_IOC_REGION_QUERY, q);
}

int aemt_region_checksum(int rfd, __u64 offset, __u64 length, __u32 *crc)
{
	struct aether_mm_region_checksum c = {
		.size = sizeof(c),
		.offset = offset,
		.length = length,
	};
	int ret = aemt_ioctl(rfd, AETHER_MM_IOC_REGION_CHECKSUM, &c);

	if (!ret && crc)
		*crc = c.crc32;
	return ret;
}

/* mmap(MAP_SHARED) of a region fd from offset 0; MAP_FAILED and errno. */
void *aemt_region_map(int rfd, size_t length, int prot)
{
	return mmap(NULL, length, prot, MAP_SHARED, rfd, 0);
}

int aemt_used_pages(int fd, __u64 *used)
{
	struct aether_mm_pool_info pi;
	int ret = aemt_drain(fd);

	/* pages_free counts the per-CPU lists too: DRAIN only tidies. */
	if (!ret || ret == -EPERM)
		ret = aemt_pool_info(fd, &pi);
	if (!ret)
		*used = pi.pages_total - pi.pages_free - pi.pages_reserved;
	return ret;
}

int aemt_used_pages_back_to(int fd, __u64 want, __u64 *used)
{
	int i, ret = 0;

	for (i = 0; i < 300; i++) {
		ret = aemt_used_pages(fd, used);
		if (ret || *used <= want)
			break;
		usleep(100 * 1000);
	}
	return ret ? ret : i;
}

/*
 * zlib's crc32(): IEEE 802.3 polynomial, reflected, initial and final
 * value ~0, as the UAPI header documents BLOCK_INFO's checksum.
 */
__u32 aemt_crc32(const void *buf, size_t len)
{
	static __u32 table[256];
	const unsigned char *p = buf;
	__u32 i, j, c, crc = ~0U;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (j = 0; j < 8; j++)
				c = (c >> 1) ^ (0xedb88320U & -(c & 1));
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* The FILL pattern: word i holds seed ^ (i * AEMT_PATTERN_MUL). */
void aemt_pattern(void *buf, size_t len, __u64 seed)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = seed ^ (i * AEMT_PATTERN_MUL);
}

__u64 aemt_block_bytes(const struct aether_mm_pool_info *pi, __u32 order)
{
	return (__u64)pi->page_size << order;
}

static void aemt_contig_info(const struct aether_mm_frag *fr,
			     unsigned int order, __u64 *free_pages,
			     __u64 *blocks_total, __u64 *blocks_suitable)
{
	unsigned int o;

	*free_pages = *blocks_total = *blocks_suitable = 0;
	for (o = 0; o < fr->nr_orders && o < AETHER_MM_NR_ORDERS; o++) {
		*blocks_total += fr->free_blocks[o];
		*free_pages += fr->free_blocks[o] << o;
		if (o >= order)
			*blocks_suitable += fr->free_blocks[o] << (o - order);
	}
}

/* mm/vmstat.c unusable_free_index(), x1000. */
int aemt_unusable_index(const struct aether_mm_frag *fr, unsigned int order)
{
	__u64 pages, total, suitable;

	aemt_contig_info(fr, order, &pages, &total, &suitable);
	if (!pages)
		return 1000;
	return (pages - (suitable << order)) * 1000ULL / pages;
}

/* mm/vmstat.c __fragmentation_index(), x1000. */
int aemt_extfrag_index(const struct aether_mm_frag *fr, unsigned int order)
{
	__u64 pages, total, suitable;

	aemt_contig_info(fr, order, &pages, &total, &suitable);
	if (!total)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + pages * 1000ULL / (1ULL << order)) /
			    total);
}

void aemt_cpus_of_nodes(int cpu_of_node[AETHER_MM_MAX_NODES])
{
	int cpu, node, n;

	for (n = 0; n < AETHER_MM_MAX_NODES; n++)
		cpu_of_node[n] = -1;
	for (cpu = 0; cpu < aemt_nr_cpus(); cpu++) {
		node = aemt_cpu_node(cpu);
		if (node >= 0 && node < AETHER_MM_MAX_NODES &&
		    cpu_of_node[node] < 0)
			cpu_of_node[node] = cpu;
	}
}

#define AEMT_DEDUPE		"aether_dedupe"
#define AEMT_QOS		"aether_qos"

/* A module set aside: its name, who unloaded it, its parameters then. */
struct aemt_aside {
	const char *name;
	pid_t pid;
	char params[1024];
};

static struct aemt_aside aemt_dedupe_aside = { .name = AEMT_DEDUPE };
static struct aemt_aside aemt_qos_aside = { .name = AEMT_QOS };

/* Unload @a->name when it is loaded, remembering its parameters. */
static int aemt_module_away(struct aemt_aside *a)
{
	char path[512], val[128];
	size_t pos = 0;
	struct dirent *d;
	DIR *dp;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", a->name);
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	a->params[0] = 0;
	snprintf(path, sizeof(path), "/sys/module/%s/parameters", a->name);
	dp = opendir(path);
	if (!dp && errno != ENOENT)
		return -errno;
	while (dp && (d = readdir(dp)) && pos < sizeof(a->params)) {
		/* Read-only ones (selftest) cannot be asked again. */
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "selftest"))
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
			 a->name, d->d_name);
		if (aet_read_file(path, val, sizeof(val)) < 0)
			continue;
		val[strcspn(val, "\n")] = 0;
		pos += snprintf(a->params + pos, sizeof(a->params) - pos,
				"%s=%s ", d->d_name, val);
	}
	if (dp)
		closedir(dp);
	if (syscall(SYS_delete_module, a->name, O_NONBLOCK))
		return -errno;
	a->pid = getpid();
	return 0;
}

/*
 * Where module @name is installed for the running kernel, as modprobe
 * finds it: the line of modules.dep that names <name>.ko (compressed or
 * not; the box installs the suite under updates/aether with the
 * kernel's modules_install, which compresses where the kernel's config
 * says so).  0 when it is there, else -errno.
 */
int aemt_module_file(const char *name, char *path, size_t len)
{
	char dep[256], line[4096], want[128];
	struct utsname u;
	int ret = -ENOENT;
	FILE *f;

	if (uname(&u))
		return -errno;
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(dep, "re");
	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "/%s.ko", name);
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *ko;

		if (!colon)
			continue;
		*colon = 0;
		ko = strstr(line, want);
		if (!ko || (ko[strlen(want)] && ko[strlen(want)] != '.'))
			continue;
		snprintf(path, len, "/lib/modules/%s/%s", u.release, line);
		ret = access(path, R_OK) ? -errno : 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * finit_module() of the file at @path with @params; a compressed file
 * (.ko.xz, .ko.zst, .ko.gz) is handed to the kernel to decompress.
 */
int aemt_module_load(const char *path, const char *params)
{
	const char *dot = strrchr(path, '.');
	int kfd, flags = 0, ret = 0;

	if (dot && strcmp(dot, ".ko"))
		flags = AEMT_MODULE_INIT_COMPRESSED_FILE;
	kfd = open(path, O_RDONLY | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	if (syscall(SYS_finit_module, kfd, params, flags))
		ret = -errno;
	close(kfd);
	return ret;
}

/* Load again what aemt_module_away() unloaded in this process. */
static int aemt_module_back(struct aemt_aside *a)
{
	char path[256], dev[128];
	struct stat st;
	int ret;

	if (!a->pid || a->pid != getpid())
		return 0;
	a->pid = 0;
	ret = aemt_module_file(a->name, path, sizeof(path));
	if (ret)
		return ret;
	ret = aemt_module_load(path, a->params);
	if (ret)
		return ret;
	/* The new device is root's, 0600: as the box's udev rule would. */
	snprintf(dev, sizeof(dev), "/dev/%s", a->name);
	if (stat(AEMT_DEV, &st) || chown(dev, -1, st.st_gid) ||
	    chmod(dev, st.st_mode & 07777))
		return -errno;
	return 0;
}

int aemt_dedupe_away(void)
{
	return aemt_module_away(&aemt_dedupe_aside);
}

int aemt_dedupe_ko(char *path, size_t len)
{
	return aemt_module_file(AEMT_DEDUPE, path, len);
}

int aemt_dedupe_back(void)
{
	return aemt_module_back(&aemt_dedupe_aside);
}

int aemt_qos_away(void)
{
	return aemt_module_away(&aemt_qos_aside);
}

int aemt_qos_back(void)
{
	return aemt_module_back(&aemt_qos_aside);
}
