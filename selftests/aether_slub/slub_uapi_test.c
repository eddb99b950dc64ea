// SPDX-License-Identifier: GPL-2.0
/*
 * slub_uapi_test.c - a zeroed field means the default
 *
 * Each test memsets a request, fills @size and what the command needs
 * (see include/uapi/linux/aether_slub.h), and expects what a caller that
 * knows nothing else would want.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

FIXTURE(zeroed) {
	int fd;
	struct aether_slub_create c;
};

/* CREATE with only @name and @object_size: no debug, natural alignment. */
FIXTURE_SETUP(zeroed)
{
	char name[AETHER_SLUB_NAME_LEN];

	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	aslt_name(name, "zeroed");
	memset(&self->c, 0, sizeof(self->c));
	self->c.size = sizeof(self->c);
	self->c.object_size = 100;
	memcpy(self->c.name, name, sizeof(name));
	ASSERT_EQ(0, aslt_ioctl(self->fd, AETHER_SLUB_IOC_CREATE, &self->c));
}

FIXTURE_TEARDOWN(zeroed)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(zeroed, create_with_name_and_size_only_is_a_plain_cache)
{
	struct aether_slub_cache_stats st;

	ASSERT_NE(0, self->c.id);
	ASSERT_LE(100, self->c.slot_size);
	ASSERT_LT(0, self->c.objects_per_slab);
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, self->c.id, &st));
	ASSERT_EQ(0, st.flags & AETHER_SLUB_F_DEBUG);
}

/* ALLOC with @id, @count and @handles (node 0 falls back like any node). */
TEST_F(zeroed, alloc_with_id_count_and_handles_gets_an_object)
{
	struct aether_slub_alloc a;
	__u64 h = 0;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.id = self->c.id;
	a.count = 1;
	a.handles = (uintptr_t)&h;
	ASSERT_EQ(0, aslt_ioctl(self->fd, AETHER_SLUB_IOC_ALLOC, &a));
	ASSERT_EQ(1, a.count);
	ASSERT_EQ(0, aslt_free(self->fd, &h, 1));
}

/* ALLOC with @id 0 and @kmalloc_size: kmalloc. */
TEST_F(zeroed, alloc_id_zero_is_kmalloc)
{
	struct aether_slub_obj_info oi;
	struct aether_slub_alloc a;
	__u64 h = 0;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.kmalloc_size = 64;
	a.count = 1;
	a.handles = (uintptr_t)&h;
	ASSERT_EQ(0, aslt_ioctl(self->fd, AETHER_SLUB_IOC_ALLOC, &a));
	ASSERT_EQ(0, aslt_obj_info(self->fd, h, &oi));
	ASSERT_EQ(0, oi.id);
	ASSERT_LE(64, oi.object_size);
	ASSERT_EQ(0, aslt_free(self->fd, &h, 1));
}

/* SHRINK with only @size: every cache of the fd. */
TEST_F(zeroed, shrink_zeroed_is_every_cache)
{
	struct aether_slub_shrink s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	ASSERT_EQ(0, aslt_ioctl(self->fd, AETHER_SLUB_IOC_SHRINK, &s));
}

TEST_HARNESS_MAIN
