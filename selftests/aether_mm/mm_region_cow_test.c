// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_cow_test.c - regions: copy-on-write across fork()
 *
 * Fixture "region": copy-on-write in both directions, the last writer's
 * steal, and a shared region's writes seen by every process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"
#include "mm_region_util.h"

AEMT_REGION_FIXTURE(region)

/* ---- copy-on-write ------------------------------------------------- */

struct cow {
	int rfd;
	unsigned char *p;
	unsigned char *old;	/* page 0 before the fork */
	unsigned char *new;	/* what the writer puts there */
	size_t page;
};

/* A private region of 4 pages whose page 0 holds @c->old. */
static int cow_setup(int fd, struct cow *c, __u32 flags)
{
	__u64 seed = getpid() * 0x9e3779b97f4a7c15ULL + 1;

	c->page = page_size();
	c->old = malloc(c->page);
	c->new = malloc(c->page);
	if (!c->old || !c->new)
		return -ENOMEM;
	fill_random(c->old, c->page, &seed);
	fill_random(c->new, c->page, &seed);
	c->p = region_mapped(fd, flags, 4, &c->rfd);
	if (!c->p)
		return -errno;
	memcpy(c->p, c->old, c->page);
	return 0;
}

static __u64 frame_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? 0 : q.frame_id;
}

static __u64 state_of(int rfd, const void *addr)
{
	struct aether_mm_region_query q;

	return aemt_region_query(rfd, addr, &q) ? ~0ULL : q.state;
}

/* cow_setup() for a test: the frame of page 0, which must exist. */
static __u64 cow_ready(struct __test_metadata *_metadata, int fd,
		       struct cow *c, __u32 flags)
{
	__u64 fid;

	ASSERT_EQ(0, cow_setup(fd, c, flags));
	fid = frame_of(c->rfd, c->p);
	ASSERT_NE(0, fid);
	return fid;
}

/* Child: id before, write, id after, state after, content check. */
static int cow_child_writes(struct kid *k, void *arg)
{
	struct cow *c = arg;
	__u64 v;

	if (kid_put(k->up, frame_of(c->rfd, c->p)))
		return 1;
	memcpy(c->p, c->new, c->page);
	if (kid_put(k->up, frame_of(c->rfd, c->p)) ||
	    kid_put(k->up, state_of(c->rfd, c->p)) ||
	    kid_put(k->up, !memcmp(c->p, c->new, c->page)))
		return 2;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

TEST_F(region, cow_child_write_keeps_parent)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 before, after, state, same, fid;
	__u32 crc;
	struct cow c;
	struct kid k;
	int status;

	fid = cow_ready(_metadata, self->fd, &c, AEM_PRIVATE);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(1, ri0.resident);

	ASSERT_EQ(0, kid_start(&k, cow_child_writes, &c));
	ASSERT_EQ(0, kid_get(k.up, &before));
	ASSERT_EQ(0, kid_get(k.up, &after));
	ASSERT_EQ(0, kid_get(k.up, &state));
	ASSERT_EQ(0, kid_get(k.up, &same));
	ASSERT_EQ(fid, before) TH_LOG("child saw another frame before writing");
	ASSERT_NE(0, after);
	ASSERT_NE(fid, after) TH_LOG("the child wrote into the parent's frame");
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state);
	ASSERT_EQ(1, same);

	ASSERT_EQ(0, memcmp(c.p, c.old, c.page));
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(0, aemt_region_checksum(c.rfd, 0, c.page, &crc));
	ASSERT_EQ(aemt_crc32(c.old, c.page), crc);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies + 1, ri1.cow_copies);
	ASSERT_EQ(ri0.resident + 1, ri1.resident);
	ASSERT_EQ(2, ri1.nr_views);

	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, memcmp(c.p, c.old, c.page));
	close(c.rfd);
}

/* Child: id, then after the parent wrote: content, id, checksum. */
static int cow_child_reads(struct kid *k, void *arg)
{
	struct cow *c = arg;
	__u32 crc = 0;
	__u64 v;

	if (kid_put(k->up, frame_of(c->rfd, c->p)) || kid_get(k->down, &v))
		return 1;
	if (kid_put(k->up, !memcmp(c->p, c->old, c->page)) ||
	    kid_put(k->up, frame_of(c->rfd, c->p)))
		return 2;
	if (aemt_region_checksum(c->rfd, 0, c->page, &crc) ||
	    kid_put(k->up, crc))
		return 3;
	kid_get(k->down, &v);	/* until the parent is done */
	return 0;
}

TEST_F(region, cow_parent_write_keeps_child)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 id, same, crc, fid;
	struct cow c;
	struct kid k;
	int status;

	fid = cow_ready(_metadata, self->fd, &c, AEM_PRIVATE);
	ASSERT_EQ(0, kid_start(&k, cow_child_reads, &c));
	ASSERT_EQ(0, kid_get(k.up, &id));
	ASSERT_EQ(fid, id);

	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	memcpy(c.p, c.new, c.page);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies + 1, ri1.cow_copies);
	ASSERT_EQ(ri0.resident + 1, ri1.resident);
	ASSERT_NE(fid, frame_of(c.rfd, c.p));
	ASSERT_NE(0, frame_of(c.rfd, c.p));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state_of(c.rfd, c.p));

	ASSERT_EQ(0, kid_put(k.down, 1));
	ASSERT_EQ(0, kid_get(k.up, &same));
	ASSERT_EQ(0, kid_get(k.up, &id));
	ASSERT_EQ(0, kid_get(k.up, &crc));
	ASSERT_EQ(1, same) TH_LOG("the child sees the parent's write");
	ASSERT_EQ(fid, id);
	ASSERT_EQ(aemt_crc32(c.old, c.page), crc);
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	close(c.rfd);
}

static int read_page_and_exit(void *arg)
{
	struct cow *c = arg;

	return memcmp(c->p, c->old, c->page) ? 1 : 0;
}

/*
 * Once the child is gone nobody else can see the frame: the parent's
 * write takes it over without a copy.
 */
TEST_F(region, cow_last_writer_steals)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 used0, used1, fid;
	struct cow c;
	int status;

	ASSERT_EQ(0, cow_setup(self->fd, &c, AEM_PRIVATE));
	fid = frame_of(c.rfd, c.p);
	status = aemt_run_child(read_page_and_exit, &c);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);

	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(1, ri0.resident);
	ASSERT_EQ(1, ri0.nr_views);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used0));
	memcpy(c.p, c.new, c.page);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_steals + 1, ri1.cow_steals);
	ASSERT_EQ(ri0.cow_copies, ri1.cow_copies);
	ASSERT_EQ(1, ri1.resident);
	ASSERT_EQ(0, aemt_used_pages(self->fd, &used1));
	ASSERT_EQ(used0, used1);
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(AETHER_MM_PAGE_OWN, state_of(c.rfd, c.p));
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	close(c.rfd);
}

/* Child of a shared region: ids around its writes to pages 0 and 1. */
static int shared_child_writes(struct kid *k, void *arg)
{
	struct cow *c = arg;

	if (kid_put(k->up, frame_of(c->rfd, c->p)))
		return 1;
	memcpy(c->p, c->new, c->page);
	c->p[c->page + 9] = 0x99;	/* a page the parent never touched */
	if (kid_put(k->up, frame_of(c->rfd, c->p)) ||
	    kid_put(k->up, frame_of(c->rfd, c->p + c->page)))
		return 2;
	return 0;
}

TEST_F(region, shared_child_write_visible_to_parent)
{
	struct aether_mm_region_info ri0, ri1;
	__u64 before, after, fid1, fid;
	struct cow c;
	struct kid k;
	int status;

	fid = cow_ready(_metadata, self->fd, &c, AEM_SHARED);
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri0));
	ASSERT_EQ(0, kid_start(&k, shared_child_writes, &c));
	ASSERT_EQ(0, kid_get(k.up, &before));
	ASSERT_EQ(0, kid_get(k.up, &after));
	ASSERT_EQ(0, kid_get(k.up, &fid1));
	status = kid_finish(&k);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);

	ASSERT_EQ(fid, before);
	ASSERT_EQ(fid, after);
	ASSERT_EQ(0, memcmp(c.p, c.new, c.page));
	ASSERT_EQ(0x99, c.p[c.page + 9]);
	ASSERT_NE(0, fid1);
	ASSERT_EQ(fid1, frame_of(c.rfd, c.p + c.page));
	ASSERT_EQ(fid, frame_of(c.rfd, c.p));
	ASSERT_EQ(0, aemt_region_info(c.rfd, &ri1));
	ASSERT_EQ(ri0.cow_copies, ri1.cow_copies);
	ASSERT_EQ(ri0.cow_steals, ri1.cow_steals);
	ASSERT_EQ(2, ri1.resident);
	close(c.rfd);
}

TEST_HARNESS_MAIN
