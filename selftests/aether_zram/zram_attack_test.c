// SPDX-License-Identifier: GPL-2.0
/*
 * zram_attack_test.c - aether_zram's entry points as an attacker reads
 * them (DESIGN.md section 8), one test per finding of the review
 *
 * memory limit	a page that takes no memory (same-filled: a value in
 *		its slot) is stored however far the store is over its
 *		limit, as zram stores it: a swap device at its limit can
 *		still take pages of zeroes, and overwrite its pages with
 *		them to give memory back
 * ADD		a refused ADD shows no disk: the configuration is checked
 *		before the disk exists, so that udev and whoever opens
 *		/dev/aether_zram<N> never see a disk that is only being
 *		taken down (the kernel's "add" uevent is the witness)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define MIB		(1024ULL * 1024)
#define PAGE		4096

FIXTURE(attack) {
	int ctl;
	int id;
	int fd;
	char *buf;
};

FIXTURE_SETUP(attack)
{
	self->id = -1;
	self->fd = -1;
	self->buf = NULL;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	self->buf = azt_alloc_aligned(PAGE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(attack)
{
	free(self->buf);
	if (self->fd >= 0)
		close(self->fd);
	if (self->id >= 0)
		azt_remove(self->ctl, self->id);
	if (self->ctl >= 0)
		close(self->ctl);
}

static int write_page(int fd, const char *buf, __u64 idx)
{
	return pwrite(fd, buf, PAGE, idx * PAGE) == PAGE ? 0 : -errno;
}

static bool page_is(const char *p, unsigned char c)
{
	int i;

	for (i = 0; i < PAGE; i++)
		if ((unsigned char)p[i] != c)
			return false;
	return true;
}

TEST_F(attack, same_filled_pages_are_stored_over_the_memory_limit)
{
	__u64 mm[AZT_MM_COLS], io[4], i;

	self->id = azt_add(self->ctl, 0, 0, 4 * MIB, 0);
	ASSERT_LE(0, self->id);
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 128; i++) {
		azt_fill(self->buf, PAGE, i * PAGE, 31);
		ASSERT_EQ(0, write_page(self->fd, self->buf, i));
	}
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_LT(PAGE, mm[AZT_MEM_USED_TOTAL]);
	/* A limit below what the store holds, as zram allows. */
	ASSERT_EQ(0, azt_attr_write(self->id, "mem_limit", "4K"));

	/* A page that needs memory is refused... */
	azt_fill(self->buf, PAGE, 200 * PAGE, 31);
	ASSERT_EQ(-EIO, write_page(self->fd, self->buf, 200));
	/* ...one that needs none is not: zeroes, over a stored page, */
	memset(self->buf, 0, PAGE);
	ASSERT_EQ(0, write_page(self->fd, self->buf, 0));
	/* and a repeated word, to a page never written. */
	memset(self->buf, 0x5a, PAGE);
	ASSERT_EQ(0, write_page(self->fd, self->buf, 300));

	ASSERT_EQ(PAGE, pread(self->fd, self->buf, PAGE, 0));
	ASSERT_TRUE(page_is(self->buf, 0));
	ASSERT_EQ(PAGE, pread(self->fd, self->buf, PAGE, 300 * PAGE));
	ASSERT_TRUE(page_is(self->buf, 0x5a));
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	ASSERT_EQ(1, io[1]);			/* failed_writes */
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(2, mm[AZT_SAME_PAGES]);
}

/* The kernel's uevents, or -errno. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * Read uevents until "change" of aether_zram<@id> arrives (within 10 s):
 * how many "add"s of aether_zram disks came before it, or -1 if it
 * never came.
 */
static int disk_adds_until_change(int fd, int id)
{
	static const char add[] = "add@/devices/virtual/block/aether_zram";
	char want[64], msg[8192];
	int adds = 0;

	snprintf(want, sizeof(want),
		 "change@/devices/virtual/block/aether_zram%d", id);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			return -1;
		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n <= 0)
			return -1;
		msg[n] = '\0';
		if (!strcmp(msg, want))
			return adds;
		if (!strncmp(msg, add, strlen(add)))
			adds++;
	}
}

TEST_F(attack, a_refused_add_never_shows_a_disk)
{
	int ev;

	/* The witness: a disk of ours whose "change" ends the watch. */
	self->id = azt_add(self->ctl, 0, 0, MIB, 0);
	ASSERT_LE(0, self->id);
	ev = uevent_socket();
	/*
	 * A kernel without networking (the debug kernel: no CONFIG_NET) has
	 * no socket() at all (ENOSYS) or no netlink (EAFNOSUPPORT): no
	 * uevent can be watched there.
	 */
	if (ev == -EPERM || ev == -EACCES || ev == -EPROTONOSUPPORT ||
	    ev == -ENOSYS || ev == -EAFNOSUPPORT)
		SKIP(return, "no uevent socket (%d)", ev);
	ASSERT_LE(0, ev);
	/* Each refused, every field on its own. */
	ASSERT_EQ(-EINVAL, azt_add(self->ctl, 9, 0, MIB, 0));
	ASSERT_EQ(-EINVAL, azt_add(self->ctl, AETHER_ZRAM_ALGO_LZ4HC, 13,
				   MIB, 0));
	ASSERT_EQ(-EINVAL, azt_add(self->ctl, 0, -1, MIB, 0));
	ASSERT_EQ(-EINVAL, azt_add(self->ctl, 0, 0, 1ULL << 50, 0));
	ASSERT_EQ(-EINVAL, azt_add(self->ctl, 0, 0, MIB, ~0ULL));
	ASSERT_EQ(0, azt_attr_write(self->id, "uevent", "change"));
	EXPECT_EQ(0, disk_adds_until_change(ev, self->id));
	close(ev);
}

TEST_HARNESS_MAIN
