// SPDX-License-Identifier: GPL-2.0
/*
 * slub_user_test.c - what one user of /dev/aether_slub gets of another's
 *
 * Run as root; every test does its work as the box's real users (alice
 * and bob, uids 1000 and 1001, members of group aether), each in a child
 * that became that user and opened the device itself:
 *
 *	objects one user filled and freed come to another zeroed;
 *	cache names are per uid, the kernel's names apart;
 *	CACHE_STATS by index and INFO show a user its own caches only;
 *	the admin commands refuse a member of aether;
 *	one uid holds at most max_caches_per_uid caches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define GATE_MS		30000
#define SECRET		0x5ec2e75ec2e75ec2ULL
#define NR_OBJS		64

/* In a child: report what went wrong and give its -errno (or -EBADE). */
#define CHILD_CHECK(cond, ret)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "# uid %d, line %d: %s (%d)\n",	\
				(int)getuid(), __LINE__, #cond, (int)(ret)); \
			return (ret) < 0 ? (ret) : -EBADE;		\
		}							\
	} while (0)

static int open_dev(void)
{
	int fd = aslt_open();

	if (fd < 0)
		fprintf(stderr, "# uid %d cannot open %s: %s\n", (int)getuid(),
			ASLT_DEV, strerror(-fd));
	return fd;
}

/*
 * Objects of a kmalloc class that one user filled with a secret and
 * freed, taken by another user on the same CPU (the magazine gives the
 * last freed first): zeros, and VERIFY tells nothing of the secret.
 */
FIXTURE(reuse)
{
	int unused;
};

FIXTURE_VARIANT(reuse)
{
	__u32 size;
};

/* The free pointer sits in the object: a kernel address without zeroing. */
FIXTURE_VARIANT_ADD(reuse, kmalloc_8) { .size = 8 };
FIXTURE_VARIANT_ADD(reuse, kmalloc_64) { .size = 64 };
FIXTURE_VARIANT_ADD(reuse, kmalloc_192) { .size = 192 };
FIXTURE_VARIANT_ADD(reuse, kmalloc_4096) { .size = 4096 };

FIXTURE_SETUP(reuse)
{
	if (access(ASLT_DEV, F_OK))
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
}

FIXTURE_TEARDOWN(reuse)
{
}

/* Alice: fill objects of the class with the secret, free them. */
static int leave_secret(void *arg)
{
	__u32 size = *(__u32 *)arg, n = NR_OBJS, i;
	__u64 h[NR_OBJS];
	int fd, ret;

	ret = aslt_pin_cpu(0);
	CHILD_CHECK(!ret, ret);
	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_alloc(fd, 0, size, -1, 0, h, &n);
	CHILD_CHECK(!ret && n == NR_OBJS, ret);
	for (i = 0; i < n; i++) {
		ret = aslt_fill(fd, h[i], SECRET);
		CHILD_CHECK(!ret, ret);
	}
	ret = aslt_free(fd, h, n);
	CHILD_CHECK(!ret, ret);
	close(fd);
	return 0;
}

/* Bob: the same class, without AETHER_SLUB_ALLOC_ZERO: zeros only. */
static int look_for_secret(void *arg)
{
	__u32 size = *(__u32 *)arg, n = NR_OBJS, i;
	__u64 zero_diff = aslt_pattern_nonzero(0, size);
	__u64 secret_diff = aslt_pattern_nonzero(SECRET, size);
	__u64 h[NR_OBJS], mism;
	int fd, ret;

	ret = aslt_pin_cpu(0);
	CHILD_CHECK(!ret, ret);
	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_alloc(fd, 0, size, -1, 0, h, &n);
	CHILD_CHECK(!ret && n == NR_OBJS, ret);
	for (i = 0; i < n; i++) {
		ret = aslt_verify(fd, h[i], 0, &mism);
		CHILD_CHECK(!ret, ret);
		CHILD_CHECK(mism == zero_diff, (int)mism);
		ret = aslt_verify(fd, h[i], SECRET, &mism);
		CHILD_CHECK(!ret, ret);
		CHILD_CHECK(mism == secret_diff, (int)mism);
	}
	close(fd);
	return 0;
}

TEST_F(reuse, freed_secret_reads_as_zeros_to_another_user)
{
	__u32 size = variant->size;

	ASSERT_EQ(0, aslt_run_as(ASLT_ALICE, leave_secret, &size));
	ASSERT_EQ(0, aslt_run_as(ASLT_BOB, look_for_secret, &size));
}

/*
 * Alice holds a cache named self->name (a child of hers waits behind a
 * gate with it open) while the tests look at it as bob and as root.
 */
FIXTURE(names)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aslt_gate ready, done;
	pid_t alice;
};

struct holder {
	const char *name;
	struct aslt_gate *ready, *done;
};

/*
 * Alice: create the cache, say so, keep it until told.  Each side keeps
 * only its ends of the two gates, so that a side that dies (a failed
 * creation under fault injection, a failed ASSERT in the parent, whose
 * setup then has no teardown) ends the other's wait at once (-EPIPE).
 */
static int hold_cache(void *arg)
{
	struct holder *h = arg;
	int fd, ret;

	close(h->ready->fd[0]);
	close(h->done->fd[1]);
	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_create(fd, h->name, 64, 0, 0, NULL);
	CHILD_CHECK(!ret, ret);
	ret = aslt_gate_pass(h->ready);
	CHILD_CHECK(!ret, ret);
	ret = aslt_gate_wait(h->done, GATE_MS);
	CHILD_CHECK(!ret, ret);
	close(fd);
	return 0;
}

FIXTURE_SETUP(names)
{
	struct holder h = { self->name, &self->ready, &self->done };

	self->alice = -1;
	if (access(ASLT_DEV, F_OK))
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	aslt_name(self->name, "names");
	ASSERT_EQ(0, aslt_gate_init(&self->ready));
	ASSERT_EQ(0, aslt_gate_init(&self->done));
	self->alice = aslt_start_as(ASLT_ALICE, hold_cache, &h);
	ASSERT_LT(0, self->alice);
	close(self->ready.fd[1]);
	self->ready.fd[1] = -1;
	close(self->done.fd[0]);
	self->done.fd[0] = -1;
	ASSERT_EQ(0, aslt_gate_wait(&self->ready, GATE_MS));
}

FIXTURE_TEARDOWN(names)
{
	if (self->alice <= 0)
		return;
	aslt_gate_pass(&self->done);
	EXPECT_EQ(0, aslt_wait(self->alice));
	aslt_gate_close(&self->ready);
	aslt_gate_close(&self->done);
}

/* Bob: create a cache of the name in @arg; its result. */
static int create_named(void *arg)
{
	int fd, ret;

	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_create(fd, arg, 64, 0, 0, NULL);
	close(fd);
	return ret;
}

TEST_F(names, another_user_may_take_the_same_name)
{
	ASSERT_EQ(0, aslt_run_as(ASLT_BOB, create_named, self->name));
}

TEST_F(names, the_same_user_may_not_take_a_name_twice)
{
	ASSERT_EQ(-EEXIST, aslt_run_as(ASLT_ALICE, create_named, self->name));
}

TEST_F(names, root_may_take_the_name_of_a_user)
{
	int fd = aslt_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aslt_create(fd, self->name, 64, 0, 0, NULL));
	close(fd);
}

/*
 * Bob, holding a cache of his own (named @arg): CACHE_STATS by index
 * and INFO show him that one cache and nothing else, neither alice's nor
 * the kernel's size classes.
 */
static int list_own(void *arg)
{
	struct aether_slub_cache_stats st;
	struct aether_slub_info info;
	int fd, ret;

	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_create(fd, arg, 32, 0, 0, NULL);
	CHILD_CHECK(!ret, ret);
	ret = aslt_stats(fd, AETHER_SLUB_BY_INDEX, 0, &st);
	CHILD_CHECK(!ret, ret);
	CHILD_CHECK(!strcmp(st.name, arg), -EBADE);
	CHILD_CHECK(st.owner == ASLT_BOB, (int)st.owner);
	CHILD_CHECK(st.object_size == 32, (int)st.object_size);
	ret = aslt_stats(fd, AETHER_SLUB_BY_INDEX, 1, &st);
	CHILD_CHECK(ret == -ENOENT, ret);
	ret = aslt_info(fd, &info);
	CHILD_CHECK(!ret, ret);
	CHILD_CHECK(info.nr_caches == 1, (int)info.nr_caches);
	close(fd);
	return 0;
}

TEST_F(names, stats_by_index_show_a_user_only_its_own_caches)
{
	char name[AETHER_SLUB_NAME_LEN];

	aslt_name(name, "bobs");
	ASSERT_EQ(0, aslt_run_as(ASLT_BOB, list_own, name));
}

TEST_F(names, stats_by_index_show_root_every_cache_and_its_owner)
{
	struct aether_slub_cache_stats st;
	struct aether_slub_info info;
	bool alice = false, kernel = false;
	int fd = aslt_open();
	__u32 i;

	ASSERT_LE(0, fd);
	for (i = 0; !aslt_stats(fd, AETHER_SLUB_BY_INDEX, i, &st); i++) {
		alice |= !strcmp(st.name, self->name) &&
			 st.owner == ASLT_ALICE && st.object_size == 64;
		kernel |= !strcmp(st.name, "aslub-kmalloc-64") &&
			  st.owner == AETHER_SLUB_OWNER_KERNEL && st.kmalloc;
	}
	ASSERT_TRUE(alice);
	ASSERT_TRUE(kernel);
	ASSERT_EQ(0, aslt_info(fd, &info));
	ASSERT_EQ(i, info.nr_caches);
	close(fd);
}

TEST_F(names, debugfs_names_a_user_cache_with_its_uid)
{
	char path[256], buf[4096];

	if (!aslt_have_debugfs())
		SKIP(return, "no debugfs at %s", ASLT_DEBUGFS);
	snprintf(path, sizeof(path), "%s/caches/%s@%d/info", ASLT_DEBUGFS,
		 self->name, ASLT_ALICE);
	ASSERT_EQ(0, aslt_read_file(path, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "owner 1000\n"));
	snprintf(path, sizeof(path), "%s/caches/%s/info", ASLT_DEBUGFS,
		 self->name);
	ASSERT_EQ(-ENOENT, aslt_read_file(path, buf, sizeof(buf)));
}

/*
 * A member of group aether, opening the device itself: the commands that
 * change global state or commit errors on purpose need CAP_SYS_ADMIN.
 */
static int try_admin_ioctls(void *arg)
{
	struct aether_slub_bench b = { .size = sizeof(b) };
	struct aether_slub_create c;
	char *name = arg;
	__u32 det;
	int fd, ret;

	fd = open_dev();
	CHILD_CHECK(fd >= 0, fd);
	ret = aslt_create(fd, name, 64, 0, AETHER_SLUB_F_DEBUG, &c);
	CHILD_CHECK(!ret, ret);
	ret = aslt_shrink(fd, 0, NULL);
	CHILD_CHECK(ret == -EPERM, ret);
	ret = aslt_shrink(fd, c.id, NULL);
	CHILD_CHECK(ret == -EPERM, ret);
	ret = aslt_trigger(fd, c.id, AETHER_SLUB_TRIGGER_DOUBLE_FREE, &det);
	CHILD_CHECK(ret == -EPERM, ret);
	ret = aslt_ioctl(fd, AETHER_SLUB_IOC_BENCH, &b);
	CHILD_CHECK(ret == -EPERM, ret);
	close(fd);
	return 0;
}

TEST(admin_commands_are_eperm_for_a_member_of_aether)
{
	char name[AETHER_SLUB_NAME_LEN];

	if (access(ASLT_DEV, F_OK))
		SKIP(return, "no %s (aether_slub not loaded)", ASLT_DEV);
	aslt_name(name, "admin");
	ASSERT_EQ(0, aslt_run_as(ASLT_ALICE, try_admin_ioctls, name));
}

#define CAPS_PARAM	"/sys/module/aether_slub/parameters/max_caches_per_uid"

/*
 * Alice: caches up to the cap in @arg, over two fds (the cap is the
 * uid's); one more is -EDQUOT; one destroyed makes room for another.
 */
static int fill_cache_cap(void *arg)
{
	unsigned int cap = *(unsigned int *)arg, i;
	struct aether_slub_create c;
	char name[AETHER_SLUB_NAME_LEN];
	int fd[2], ret;
	__u32 live;

	fd[0] = open_dev();
	CHILD_CHECK(fd[0] >= 0, fd[0]);
	fd[1] = open_dev();
	CHILD_CHECK(fd[1] >= 0, fd[1]);
	for (i = 0; i < cap; i++) {
		snprintf(name, sizeof(name), "cap-%d-%u", (int)getpid(), i);
		ret = aslt_create(fd[i & 1], name, 32, 0, 0, &c);
		CHILD_CHECK(!ret, ret);
	}
	snprintf(name, sizeof(name), "cap-%d-over", (int)getpid());
	ret = aslt_create(fd[0], name, 32, 0, 0, NULL);
	CHILD_CHECK(ret == -EDQUOT, ret);
	ret = aslt_destroy(fd[(cap - 1) & 1], c.id, &live);
	CHILD_CHECK(!ret, ret);
	ret = aslt_create(fd[0], name, 32, 0, 0, NULL);
	CHILD_CHECK(!ret, ret);
	close(fd[0]);
	close(fd[1]);
	return 0;
}

TEST(a_user_holds_at_most_max_caches_per_uid)
{
	char name[AETHER_SLUB_NAME_LEN];
	unsigned int cap = 64;

	if (access(ASLT_DEV, F_OK))
		SKIP(return, "no %s (aether_slub not loaded)", ASLT_DEV);
	/* Without the parameter, the default it would have. */
	if (aslt_write_file(CAPS_PARAM, "64"))
		cap = 1024;
	ASSERT_EQ(0, aslt_run_as(ASLT_ALICE, fill_cache_cap, &cap));
	/* Alice's caches went with her fds: she, and bob, start afresh. */
	aslt_name(name, "cap");
	ASSERT_EQ(0, aslt_run_as(ASLT_ALICE, create_named, name));
	ASSERT_EQ(0, aslt_run_as(ASLT_BOB, create_named, name));
	aslt_write_file(CAPS_PARAM, "1024");
}

TEST_HARNESS_MAIN
