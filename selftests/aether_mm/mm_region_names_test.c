// SPDX-License-Identifier: GPL-2.0
/*
 * mm_region_names_test.c - regions: names, REGION_OPEN, REGION_LIST and quotas
 *
 * Fixtures:
 *
 *   region		the rules of names; REGION_OPEN by name (flags, another
 *			process, another uid); a named region's life;
 *			REGION_LIST (a caller's own regions, live ones)
 *   region_quota	max_regions_per_uid
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

/* ---- region: names and REGION_OPEN ------------------------------------- */

AEMT_REGION_FIXTURE(region)

TEST_F(region, create_name_rules)
{
	/* Latin-1 letters too: only ASCII [A-Za-z0-9._-] is allowed. */
	static const char * const bad[] = {
		"", "a b", "a/b", "../x", "a\tb", "a:b", "a*", "a\nb", "name!",
		"\xc3\xa9t\xc3\xa9", "caf\xe9", "\xc0", "x\xff",
	};
	char name[AETHER_MM_REGION_NAME_MAX + 40];
	struct aether_mm_region_create c;
	unsigned int i;

	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		aemt_region_args(&c, AEM_SHARED, self->page);
		c.name = (uintptr_t)bad[i];
		ASSERT_EQ(-EINVAL, create_close(self->fd, &c))
			TH_LOG("name '%s' accepted", (char *)(uintptr_t)c.name);
	}
	/* 63 bytes of every allowed class: the longest name. */
	snprintf(name, sizeof(name), "%d-", (int)getpid());
	memset(name + strlen(name), 'x', AETHER_MM_REGION_NAME_MAX - 1 -
	       strlen(name));
	memcpy(name + AETHER_MM_REGION_NAME_MAX - 8, "A.z_0-9", 7);
	name[AETHER_MM_REGION_NAME_MAX - 1] = '\0';
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, create_close(self->fd, &c));
	/* 64 and more: too long. */
	memset(name, 'y', sizeof(name));
	name[AETHER_MM_REGION_NAME_MAX] = '\0';
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
	name[sizeof(name) - 1] = '\0';
	ASSERT_EQ(-EINVAL, create_close(self->fd, &c));
}

TEST_F(region, create_name_bad_pointer_efault)
{
	struct aether_mm_region_create c;
	unsigned char *p;

	/* Two pages: a name running into the second, which is unmapped. */
	p = mmap(NULL, 2 * self->page, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	memset(p + self->page - 8, 'a', 8);

	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)(p + self->page - 8);
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = (uintptr_t)(p + self->page);
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = KERNEL_PTR;
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	c.name = 1;
	ASSERT_EQ(-EFAULT, create_close(self->fd, &c));
	/* The same bytes, ended: accepted. */
	p[self->page - 1] = '\0';
	c.name = (uintptr_t)(p + self->page - 8);
	ASSERT_EQ(0, create_close(self->fd, &c));
	munmap(p, self->page);
}

TEST_F(region, create_duplicate_name_eexist)
{
	struct aether_mm_region_create c, d;
	char name[AETHER_MM_REGION_NAME_MAX];

	test_name(name, sizeof(name), "dup");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));

	aemt_region_args(&d, AEM_SHARED, self->page);
	d.name = (uintptr_t)name;
	ASSERT_EQ(-EEXIST, create_close(self->fd, &d));
	aemt_region_args(&d, AEM_PRIVATE, 8 * self->page);
	d.name = (uintptr_t)name;
	ASSERT_EQ(-EEXIST, create_close(self->fd, &d));
	/* The name goes with the region. */
	close(c.fd);
	ASSERT_EQ(0, create_close(self->fd, &d));
}

TEST_F(region, open_unknown_name_enoent)
{
	char name[AETHER_MM_REGION_NAME_MAX];

	test_name(name, sizeof(name), "nobody-made-this");
	ASSERT_EQ(-ENOENT, aemt_region_open(self->fd, name, 0, NULL));
}

TEST_F(region, open_bad_flags_or_name)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX];
	const __u32 bad[] = { 1U << 3, 1U << 31, ~0U };
	unsigned int i;
	int rfd;

	test_name(name, sizeof(name), "open");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	for (i = 0; i < AEMT_ARRAY_SIZE(bad); i++) {
		const __u32 flags = bad[i];

		ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, name, flags,
						    NULL))
			TH_LOG("open flags %#x accepted", flags);
	}
	ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, "", 0, NULL));
	ASSERT_EQ(-EINVAL, aemt_region_open(self->fd, "a b", 0, NULL));
	ASSERT_EQ(-EFAULT, aemt_region_open(self->fd, NULL, 0, NULL));
	ASSERT_EQ(-EFAULT, aemt_region_open(self->fd, (void *)KERNEL_PTR, 0,
					    NULL));
	rfd = aemt_region_open(self->fd, name, AETHER_MM_REGION_OPEN_FLAGS,
			       NULL);
	ASSERT_LE(0, rfd);
	close(rfd);
	close(c.fd);
}

/* OPEN gives a new fd of the same region; RDONLY forbids writable maps. */
TEST_F(region, open_gives_fd_of_same_region)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;
	char name[AETHER_MM_REGION_NAME_MAX];
	unsigned char *w, *r;
	int rw, ro;
	__u64 id;

	test_name(name, sizeof(name), "same");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	rw = aemt_region_open(self->fd, name, 0, &id);
	ASSERT_LE(0, rw);
	ASSERT_EQ(c.id, id);
	ASSERT_EQ(O_RDWR, fcntl(rw, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fcntl(rw, F_GETFD) & FD_CLOEXEC);
	ro = aemt_region_open(self->fd, name, AETHER_MM_REGION_OPEN_RDONLY |
			      AETHER_MM_REGION_OPEN_CLOEXEC, &id);
	ASSERT_LE(0, ro);
	ASSERT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(FD_CLOEXEC, fcntl(ro, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, aemt_region_info(ro, &ri));
	ASSERT_EQ(c.id, ri.id);
	ASSERT_EQ(3, ri.nr_files);

	ASSERT_EQ(MAP_FAILED, aemt_region_map(ro, self->page, PROT_RW));
	ASSERT_EQ(EACCES, errno);
	r = aemt_region_map(ro, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, r);
	w = aemt_region_map(rw, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, w);
	w[100] = 0x42;
	ASSERT_EQ(0x42, r[100]);
	munmap(r, self->page);
	munmap(w, self->page);
	close(ro);
	close(rw);
	close(c.fd);
}

/* What alice's REGION_LIST shows, in memory shared with the test. */
struct list_as {
	__u64 own_id;
	__u64 ids[AETHER_MM_REGION_MAX_LIST];
	__u32 count;
	__u32 total;
};

/* As alice: create a region on her own fd, then list. */
static int list_as_alice(void *arg)
{
	struct aether_mm_region_create c;
	struct list_as *l = arg;
	int fd = aemt_open(), ret;

	if (fd < 0)
		return fd;
	aemt_region_args(&c, AEM_PRIVATE, page_size());
	ret = aemt_region_create(fd, &c);
	if (ret)
		return ret;
	l->own_id = c.id;
	l->count = AETHER_MM_REGION_MAX_LIST;
	ret = aemt_region_list(fd, l->ids, &l->count, &l->total);
	close(c.fd);
	close(fd);
	return ret;
}

/* REGION_LIST shows a caller its own regions; root's stay hidden. */
TEST_F(region, list_shows_only_own_regions)
{
	struct aether_mm_region_create c;
	struct list_as *l;
	__u32 i;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	aemt_region_args(&c, AEM_SHARED, self->page);
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	l = mmap(NULL, sizeof(*l), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, l);
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, list_as_alice, l));
	ASSERT_EQ(1, l->total);
	ASSERT_EQ(1, l->count);
	ASSERT_EQ(l->own_id, l->ids[0]);
	for (i = 0; i < l->count; i++)
		ASSERT_NE(c.id, l->ids[i]);
	munmap(l, sizeof(*l));
	close(c.fd);
}

TEST_F(region, list_bad_count_einval)
{
	static __u64 ids[AETHER_MM_REGION_MAX_LIST + 1];
	__u32 count;

	count = AETHER_MM_REGION_MAX_LIST + 1;
	ASSERT_EQ(-EINVAL, aemt_region_list(self->fd, ids, &count, NULL));
	count = ~0U;
	ASSERT_EQ(-EINVAL, aemt_region_list(self->fd, ids, &count, NULL));
	count = AETHER_MM_REGION_MAX_LIST;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, NULL));
}

/*
 * Whether @id is on a listing.  A closed region leaves the list when its
 * last reference goes, and aether_mm's scanners (access tracking, NUMA
 * balancing, reclaim) hold one on every region for a moment: the listing
 * is asked again for up to two seconds before a region counts as stuck.
 */
static int list_has(int fd, __u64 id, int want)
{
	static __u64 ids[AETHER_MM_REGION_MAX_LIST];
	__u32 count, i;
	int tries, has = -1;

	for (tries = 0; tries < 200; tries++) {
		count = AETHER_MM_REGION_MAX_LIST;
		if (aemt_region_list(fd, ids, &count, NULL))
			return -1;
		has = 0;
		for (i = 0; i < count; i++)
			has += ids[i] == id;
		if (has == want)
			break;
		usleep(10000);
	}
	return has;
}

/*
 * Root sees every region, and regions of earlier tests may still be
 * leaving (see list_has()): the totals are checked against what this test
 * made, never against a count taken before it.
 */
TEST_F(region, list_shows_live_regions)
{
	static __u64 ids[AETHER_MM_REGION_MAX_LIST];
	__u32 count = 0, total, i;
	int rfd[3], k, found;
	__u64 id[3];

	ASSERT_EQ(0, aemt_region_list(self->fd, NULL, &count, &total));
	ASSERT_EQ(0, count);
	for (k = 0; k < 3; k++) {
		struct aether_mm_region_create c;

		aemt_region_args(&c, k ? AEM_SHARED : AEM_PRIVATE, self->page);
		ASSERT_EQ(0, aemt_region_create(self->fd, &c));
		rfd[k] = c.fd;
		id[k] = c.id;
	}
	count = AETHER_MM_REGION_MAX_LIST;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, &total));
	ASSERT_LE(3, total);
	ASSERT_EQ(total < AETHER_MM_REGION_MAX_LIST ? total :
		  AETHER_MM_REGION_MAX_LIST, count);
	for (k = 0; k < 3; k++) {
		found = 0;
		for (i = 0; i < count; i++)
			found += ids[i] == id[k];
		ASSERT_EQ(1, found) TH_LOG("region %llu listed %d times",
					   (unsigned long long)id[k], found);
	}
	/* Room for two: two ids, the total still counts all. */
	count = 2;
	ASSERT_EQ(0, aemt_region_list(self->fd, ids, &count, &total));
	ASSERT_EQ(2, count);
	ASSERT_LE(3, total);

	close(rfd[1]);
	ASSERT_EQ(0, list_has(self->fd, id[1], 0));
	ASSERT_EQ(1, list_has(self->fd, id[0], 1));
	ASSERT_EQ(1, list_has(self->fd, id[2], 1));
	close(rfd[0]);
	close(rfd[2]);
	ASSERT_EQ(0, list_has(self->fd, id[0], 0));
	ASSERT_EQ(0, list_has(self->fd, id[2], 0));
}

/* ---- named regions -------------------------------------------------- */

struct named {
	int fd;			/* /dev/aether_mm */
	int rfd;
	__u64 id;
	unsigned char *p;
	char name[AETHER_MM_REGION_NAME_MAX];
};

/*
 * Child: drop every fd and mapping of the region it inherited, find it by
 * name, see the parent's page 0 and write page 1.
 */
static int named_child(void *arg)
{
	struct named *n = arg;
	size_t page = page_size();
	unsigned char *p;
	__u64 id;
	int rfd;

	close(n->rfd);
	if (munmap(n->p, 4 * page))
		return 1;
	rfd = aemt_region_open(n->fd, n->name, 0, &id);
	if (rfd < 0)
		return 2;
	if (id != n->id)
		return 3;
	p = aemt_region_map(rfd, 4 * page, PROT_RW);
	if (p == MAP_FAILED)
		return 4;
	if (p[0] != 0x61 || p[page - 1] != 0x62)
		return 5;
	memset(p + page, 0x63, page);
	return 0;
}

TEST_F(region, named_open_by_name_in_child)
{
	struct aether_mm_region_create c;
	struct aether_mm_region_info ri;
	struct named n = { .fd = self->fd };
	int status;

	test_name(n.name, sizeof(n.name), "named");
	aemt_region_args(&c, AEM_SHARED, 4 * self->page);
	c.name = (uintptr_t)n.name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	n.rfd = c.fd;
	n.id = c.id;
	n.p = aemt_region_map(n.rfd, 4 * self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, n.p);
	n.p[0] = 0x61;
	n.p[self->page - 1] = 0x62;

	status = aemt_run_child(named_child, &n);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0x63, n.p[self->page]);
	ASSERT_EQ(0x63, n.p[2 * self->page - 1]);
	ASSERT_EQ(0, aemt_region_info(n.rfd, &ri));
	ASSERT_EQ(2, ri.resident);
	ASSERT_EQ(1, ri.nr_files);
	ASSERT_EQ(1, ri.nr_views);
	close(n.rfd);
}

TEST_F(region, named_gone_after_last_fd_and_mapping)
{
	struct aether_mm_region_create c;
	char name[AETHER_MM_REGION_NAME_MAX];
	unsigned char *p;
	int rfd;

	test_name(name, sizeof(name), "gone");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, self->page, PROT_RW);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x44;
	ASSERT_EQ(0, close(c.fd));

	/* The mapping alone keeps it, name and content. */
	rfd = aemt_region_open(self->fd, name, 0, NULL);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(1, resident(rfd));
	ASSERT_EQ(0, close(rfd));
	ASSERT_EQ(0, munmap(p, self->page));
	ASSERT_EQ(-ENOENT, aemt_region_open(self->fd, name, 0, NULL));
	/* And the name is free again. */
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	p = aemt_region_map(c.fd, self->page, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	munmap(p, self->page);
	close(c.fd);
}

static int open_as_nobody(void *arg)
{
	struct named *n = arg;
	char other[AETHER_MM_REGION_NAME_MAX];
	int ret, rfd;

	/* /dev/aether_mm was opened as root; 65534 uses that fd. */
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	ret = aemt_region_open(n->fd, n->name, 0, NULL);
	if (ret >= 0)
		return 101;
	if (ret != -EACCES)
		return 102 + (-ret & 0x1f);
	test_name(other, sizeof(other), "nobody-has-this");
	if (aemt_region_open(n->fd, other, 0, NULL) != -ENOENT)
		return 103;
	/* Its own regions are fine. */
	rfd = aemt_region_new(n->fd, AEM_PRIVATE, page_size());
	return rfd < 0 ? 104 : 0;
}

TEST_F(region, named_other_uid_eacces)
{
	struct aether_mm_region_create c;
	struct named n = { .fd = self->fd };
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to change uid");
	test_name(n.name, sizeof(n.name), "root");
	aemt_region_args(&c, AEM_SHARED, self->page);
	c.name = (uintptr_t)n.name;
	ASSERT_EQ(0, aemt_region_create(self->fd, &c));
	status = aemt_run_child(open_as_nobody, &n);
	ASSERT_TRUE(exited_ok(status)) TH_LOG("child status %#x", status);
	close(c.fd);
}

/* ---- region_quota: max_regions_per_uid ---------------------------- */

#define QUOTA_PARAM	"/sys/module/aether_mm/parameters/max_regions_per_uid"

/* The parameter goes back even when the test failed half-way. */
AEMT_REGION_FIXTURE(region_quota)

TEST_F(region_quota, param_out_of_range_einval)
{
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "0"));
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "1048577"));
	ASSERT_EQ(-EINVAL, aemt_write_file(QUOTA_PARAM, "-1"));
	ASSERT_EQ(0, aemt_write_file(QUOTA_PARAM, "1048576"));
}

/* alice's fds, and the answers of her creates, for the test to read. */
struct quota_as {
	int created;
	int answer;
	int after_close;
};

/*
 * A create right after a close: the closed region's place comes back at
 * its last reference, which a passing walk (the aging pass, kverifyd) may
 * hold a moment longer (review s37 F1), so -EDQUOT is asked again for up
 * to two seconds.  A place that never comes back still fails.
 */
static int region_new_after_close(int fd)
{
	int i, rfd;

	for (i = 0; i < 200; i++) {
		rfd = aemt_region_new(fd, AEM_PRIVATE, page_size());
		if (rfd != -EDQUOT)
			break;
		usleep(10000);
	}
	return rfd;
}

/* As alice, limit 2: two creates, a third, then one more after a close. */
static int quota_as_alice(void *arg)
{
	struct quota_as *q = arg;
	int fd = aemt_open(), rfd[3], i;

	if (fd < 0)
		return fd;
	for (i = 0; i < 3; i++) {
		rfd[i] = aemt_region_new(fd, AEM_PRIVATE, page_size());
		if (rfd[i] < 0)
			break;
	}
	q->created = i;
	q->answer = i < 3 ? rfd[i] : 0;
	if (i) {
		close(rfd[--i]);
		rfd[i] = region_new_after_close(fd);
		q->after_close = rfd[i] < 0 ? rfd[i] : 0;
	}
	return 0;
}

/*
 * One uid holds at most max_regions_per_uid regions: alice's third create
 * is -EDQUOT, root's are not hers, and a closed region frees its place.
 */
TEST_F(region_quota, create_beyond_limit_edquot)
{
	struct quota_as *q;
	int rfd[3], i;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, aemt_write_file(QUOTA_PARAM, "2"));
	/* root's two regions are root's: alice still has her two. */
	for (i = 0; i < 2; i++) {
		rfd[i] = aemt_region_new(self->fd, AEM_PRIVATE, page_size());
		ASSERT_LE(0, rfd[i]);
	}
	q = mmap(NULL, sizeof(*q), PROT_RW, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, aemt_run_as(&aemt_alice, quota_as_alice, q));
	ASSERT_EQ(2, q->created);
	ASSERT_EQ(-EDQUOT, q->answer);
	ASSERT_EQ(0, q->after_close);
	/* The limit is root's too. */
	ASSERT_EQ(-EDQUOT, aemt_region_new(self->fd, AEM_PRIVATE, page_size()));
	for (i = 0; i < 2; i++)
		close(rfd[i]);
	rfd[2] = region_new_after_close(self->fd);
	ASSERT_LE(0, rfd[2]);
	close(rfd[2]);
	munmap(q, sizeof(*q));
}

TEST_HARNESS_MAIN
