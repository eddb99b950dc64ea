// SPDX-License-Identifier: GPL-2.0
/*
 * mm_share_util.c - helpers of the share-table tests (mm_share_util.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm_share_util.h"

int msh_naive(const char *fmt, ...)
{
	char cmd[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return aemt_write_file(MSH_NAIVE, cmd);
}

long msh_stat_of(const char *path, const char *key)
{
	char buf[2048], *line, *save = NULL;
	size_t n = strlen(key);

	if (aet_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, n) && line[n] == ' ')
			return strtol(line + n + 1, NULL, 10);
	return -1;
}

long msh_share_stat(const char *key)
{
	return msh_stat_of(MSH_SHARE, key);
}

int msh_region_make(int fd, size_t page, __u32 flags, struct msh_region *r)
{
	struct aether_mm_region_info ri;
	int ret;

	r->fd = aemt_region_new(fd, flags, MSH_NPAGES * page);
	if (r->fd < 0)
		return r->fd;
	ret = aemt_region_info(r->fd, &ri);
	if (ret)
		return ret;
	r->id = ri.id;
	r->map = aemt_region_map(r->fd, MSH_NPAGES * page,
				 PROT_READ | PROT_WRITE);
	return r->map == MAP_FAILED ? -errno : 0;
}

void msh_region_drop(size_t page, struct msh_region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, MSH_NPAGES * page);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

void msh_fill(struct msh_region *r, size_t page, int i, __u64 seed)
{
	aemt_pattern(r->map + i * page, page, seed);
}

bool msh_holds(struct msh_region *r, size_t page, int i, __u64 seed)
{
	unsigned char *want = malloc(page);
	bool same;

	if (!want)
		return false;
	aemt_pattern(want, page, seed);
	same = !memcmp(r->map + i * page, want, page);
	free(want);
	return same;
}

int msh_query(struct msh_region *r, size_t page, int i,
	      struct aether_mm_region_query *q)
{
	return aemt_region_query(r->fd, r->map + i * page, q);
}

__u64 msh_frame_of(struct msh_region *r, size_t page, int i)
{
	struct aether_mm_region_query q;

	if (msh_query(r, page, i, &q))
		return 0;
	return q.frame_id;
}

__u64 msh_resident_of(struct msh_region *r)
{
	struct aether_mm_region_info ri;

	if (aemt_region_info(r->fd, &ri))
		return ~0ULL;
	return ri.resident;
}
