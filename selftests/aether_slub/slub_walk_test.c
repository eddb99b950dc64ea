// SPDX-License-Identifier: GPL-2.0
/*
 * slub_walk_test.c - debugfs caches/<name>/objects, the live-object walk
 *
 * A debug cache lists every object in use, one "obj" line each with its
 * size (and its allocating stack when it tracks users); a plain cache one
 * "slab" line per slab whose in-use counts add up to the objects held by
 * callers and CPUs.  The listing is bounded, says so in its last line,
 * and can be read while another thread allocates and frees in the cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define WALK_BUF	(2 << 20)
#define WALK_MAX	512	/* lines the module lists at most */

FIXTURE(walk)
{
	int fd;
	char *buf;
};

FIXTURE_SETUP(walk)
{
	char path[256];

	self->buf = NULL;
	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	snprintf(path, sizeof(path), "%s/stats", ASLT_DEBUGFS);
	if (access(path, R_OK))
		ASLT_SETUP_SKIP("no debugfs at %s", ASLT_DEBUGFS);
	self->buf = malloc(WALK_BUF);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(walk)
{
	free(self->buf);
	if (self->fd >= 0)
		close(self->fd);
}

/**
 * struct listing - what one read of the objects file said
 * @objs:	"obj" lines
 * @sized:	of those, with the size asked for
 * @stacks:	"  stack:" lines
 * @slabs:	"slab" lines
 * @inuse:	their inuse counts summed
 * @free:	their free counts summed
 * @listed:	the last line's first figure
 * @total:	and its second
 */
struct listing {
	long objs, sized, stacks, slabs, inuse, free, listed, total;
};

static long field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* Read and parse caches/@cache/objects; 0 or -errno. */
static int walk_read(char *buf, const char *cache, unsigned int size,
		     struct listing *l)
{
	char path[256], want[32], *line, *next;
	int ret;

	memset(l, 0, sizeof(*l));
	l->listed = l->total = -1;
	aslt_cache_path(path, sizeof(path), cache, "objects");
	snprintf(want, sizeof(want), " size %u ", size);
	ret = aslt_read_file(path, buf, WALK_BUF);
	if (ret)
		return ret;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "obj ", 4)) {
			l->objs++;
			l->sized += strstr(line, want) != NULL;
		} else if (!strncmp(line, "  stack:", 8)) {
			l->stacks++;
		} else if (!strncmp(line, "slab ", 5)) {
			l->slabs++;
			l->inuse += field(line, " inuse ");
			l->free += field(line, " free ");
		} else if (!strncmp(line, "listed ", 7)) {
			l->listed = strtol(line + 7, NULL, 10);
			l->total = field(line, " of ");
		}
	}
	return 0;
}

TEST_F(walk, debug_cache_lists_each_object_in_use_with_its_stack)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	struct listing l;
	__u64 h[5];
	__u32 n = 5;

	aslt_name(name, "walkdbg");
	ASSERT_EQ(0, aslt_create(self->fd, name, 48, 0, AETHER_SLUB_F_DEBUG,
				 &c));
	ASSERT_EQ(0, walk_read(self->buf, name, 48, &l));
	ASSERT_EQ(0, l.objs);
	ASSERT_EQ(0, l.listed);

	ASSERT_EQ(0, aslt_alloc(self->fd, c.id, 0, -1, 0, h, &n));
	ASSERT_EQ(5, n);
	ASSERT_EQ(0, walk_read(self->buf, name, 48, &l));
	ASSERT_EQ(5, l.objs);
	ASSERT_EQ(5, l.sized);
	ASSERT_EQ(5, l.stacks);
	ASSERT_EQ(5, l.listed);
	ASSERT_EQ(5, l.total);

	ASSERT_EQ(0, aslt_free(self->fd, h, 2));
	ASSERT_EQ(0, walk_read(self->buf, name, 48, &l));
	ASSERT_EQ(3, l.objs);
	ASSERT_EQ(0, aslt_free(self->fd, h + 2, 3));
	ASSERT_EQ(0, walk_read(self->buf, name, 48, &l));
	ASSERT_EQ(0, l.objs);
	ASSERT_EQ(0, aslt_destroy(self->fd, c.id, NULL));
}

TEST_F(walk, plain_cache_lists_each_slab_and_the_counts_add_up)
{
	struct aether_slub_cache_stats st;
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	struct listing l;
	__u64 h[40];
	__u32 n = 40;

	aslt_name(name, "walkplain");
	ASSERT_EQ(0, aslt_create(self->fd, name, 256, 0, 0, &c));
	ASSERT_EQ(0, aslt_alloc(self->fd, c.id, 0, -1, 0, h, &n));
	ASSERT_EQ(40, n);
	ASSERT_EQ(0, walk_read(self->buf, name, 256, &l));
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, c.id, &st));
	ASSERT_EQ(0, l.objs);
	ASSERT_EQ(st.slabs, l.slabs);
	ASSERT_EQ(st.active + st.cpu_cached, l.inuse);
	ASSERT_EQ(st.objects - l.inuse, l.free);
	ASSERT_EQ(l.slabs, l.listed);
	ASSERT_EQ(0, aslt_free(self->fd, h, n));
	ASSERT_EQ(0, aslt_destroy(self->fd, c.id, NULL));
}

TEST_F(walk, listing_is_bounded_and_says_so)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	__u32 n = WALK_MAX + 88;
	struct listing l;
	__u64 *h;

	h = calloc(n, sizeof(*h));
	ASSERT_NE(NULL, h);
	aslt_name(name, "walkmany");
	ASSERT_EQ(0, aslt_create(self->fd, name, 16, 0,
				 AETHER_SLUB_F_RED_ZONE | AETHER_SLUB_F_POISON,
				 &c));
	ASSERT_EQ(0, aslt_alloc(self->fd, c.id, 0, -1, 0, h, &n));
	ASSERT_EQ(WALK_MAX + 88, n);
	ASSERT_EQ(0, walk_read(self->buf, name, 16, &l));
	ASSERT_EQ(WALK_MAX, l.objs);
	ASSERT_EQ(0, l.stacks);
	ASSERT_EQ(WALK_MAX, l.listed);
	ASSERT_EQ(WALK_MAX + 88, l.total);
	ASSERT_EQ(0, aslt_free(self->fd, h, n));
	free(h);
}

struct churn {
	int fd;
	__u32 id;
	volatile bool stop;
	int err;
};

/* Allocate and free 1..32 objects at a time until told to stop. */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	__u64 h[32];
	__u32 n, i;

	for (i = 0; !c->stop && !c->err; i++) {
		n = 1 + i % 32;
		c->err = aslt_alloc(c->fd, c->id, 0, -1, 0, h, &n);
		if (!c->err)
			c->err = aslt_free(c->fd, h, n);
	}
	return NULL;
}

TEST_F(walk, reading_while_objects_come_and_go_is_safe)
{
	unsigned int flags[] = { 0, AETHER_SLUB_F_DEBUG };
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;
	struct churn ch = { .fd = self->fd };
	__u32 errors = 1, k, r;
	struct listing l;
	pthread_t t;

	for (k = 0; k < 2; k++) {
		aslt_name(name, "walkrace");
		ASSERT_EQ(0, aslt_create(self->fd, name, 64, 0, flags[k], &c));
		ch.id = c.id;
		ch.stop = false;
		ASSERT_EQ(0, pthread_create(&t, NULL, churn_fn, &ch));
		for (r = 0; r < 50; r++) {
			ASSERT_EQ(0, walk_read(self->buf, name, 64, &l));
			ASSERT_LE(0, l.listed);
			ASSERT_LE(l.listed, l.total);
		}
		ch.stop = true;
		ASSERT_EQ(0, pthread_join(t, NULL));
		ASSERT_EQ(0, ch.err);
		ASSERT_EQ(0, aslt_validate(self->fd, c.id, &errors));
		ASSERT_EQ(0, errors);
		ASSERT_EQ(0, aslt_destroy(self->fd, c.id, NULL));
	}
}

TEST_HARNESS_MAIN
