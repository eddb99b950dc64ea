// SPDX-License-Identifier: GPL-2.0
/*
 * zram_nbd_test.c - writeback to a network block device (issue 16)
 *
 * Remote memory on an existing engine: Debian's nbd-server serves a file
 * of a ramfs over 127.0.0.1 inside the box, the kernel's own nbd client
 * (nbd.ko, one of the box's on-demand modules) connects /dev/nbdN to it
 * through Debian's nbd-client, and that device is the backing device of
 * an aether_zram device.  The box carries both programs with the
 * libraries they link (scripts/box.sh install_nbd); the fixture skips,
 * saying which, only where nbd-server, nbd-client or nbd.ko is absent.
 *
 * Pages written back go out to the server and come back byte-identical.
 * When the server is killed, a read of a page written back ends in a
 * clean EIO: counted in io_stat's failed_reads, in bd_stat's reads, and
 * reported in the kernel log; never wrong data, and never a hang: the
 * connection is made with nbd-client -t, so a request the dead server
 * does not answer times out.  Pages still in memory read and write as
 * before, and reset works afterwards.
 *
 * The last test measures writeback throughput to NBD, to a loop device
 * over a file of a ramfs and to the box's scratch disk (a virtio disk
 * over a file of the host, scripts/box.sh; left out where the kernel
 * has no virtio_blk), in the same boot, and prints them (TAP comments);
 * it asserts only that every page went out and came back, never a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <linux/loop.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define PG		4096
#define NBD_SERVER	"/usr/bin/nbd-server"
#define NBD_CLIENT	"/usr/sbin/nbd-client"
#define NBD_EXPORT	"aether"
#define NBD_TIMEOUT_S	5		/* nbd-client -t */
#define FILE_BYTES	(32 << 20)	/* the exported file, the loop file */
#define NR_PAGES	64		/* the device of the functional tests */
#define BENCH_PAGES	4096		/* 16 MiB written back in the bench */
/* On the debug kernel (KASAN, lockdep) a figure means nothing: 4 MiB. */
#define BENCH_PAGES_DEBUG 1024

/* io_stat's first column. */
#define IO_FAILED_READS	0

FIXTURE(nbd) {
	int ctl;
	int id;
	int fd;
	pid_t server;		/* nbd-server -d, or 0 */
	int nbd;		/* N of /dev/nbdN connected, or -1 */
	char dev[32];		/* /dev/nbdN */
	char dir[64];		/* the ramfs of the files, or "" */
	char conf[96];		/* nbd-server's configuration */
	char file[96];		/* the file it exports */
	unsigned int port;
	int loopfd;		/* the bench's loop device, or -1 */
	char *expect;		/* the pages as written */
	char *buf;		/* one page, O_DIRECT */
	struct aet_params params;
};

static bool nbd_have_module(void)
{
	struct stat sb;

	if (!stat("/sys/module/nbd", &sb))
		return true;
	return system("modprobe nbd nbds_max=4 2>/dev/null") == 0 &&
	       !stat("/sys/module/nbd", &sb);
}

/* A file of @bytes, written through so that the server never allocates. */
static int nbd_make_file(const char *path, size_t bytes)
{
	static char zero[1 << 16];
	size_t off;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (off = 0; off < bytes; off += sizeof(zero))
		if (pwrite(fd, zero, sizeof(zero), off) != sizeof(zero)) {
			close(fd);
			return -EIO;
		}
	return fd;
}

/* Is something listening on 127.0.0.1:@port (/proc/net/tcp, state 0A)? */
static bool nbd_listening(unsigned int port)
{
	char line[256], want[32];
	bool found = false;
	FILE *f;

	f = fopen("/proc/net/tcp", "re");
	if (!f)
		return false;
	snprintf(want, sizeof(want), "0100007F:%04X 00000000:0000 0A", port);
	while (!found && fgets(line, sizeof(line), f))
		found = !!strstr(line, want);
	fclose(f);
	return found;
}

/*
 * nbd-server in the foreground (-d: one connection, no fork), its pid;
 * waits until it listens.  -errno if it did not start.
 */
static pid_t nbd_server_start(struct _test_data_nbd *self)
{
	FILE *f;
	pid_t pid;
	int i, devnull;

	f = fopen(self->conf, "we");
	if (!f)
		return -errno;
	fprintf(f, "[generic]\nlistenaddr = 127.0.0.1\nport = %u\n"
		"[" NBD_EXPORT "]\nexportname = %s\n", self->port, self->file);
	fclose(f);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execl(NBD_SERVER, "nbd-server", "-C", self->conf, "-d",
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {
		if (nbd_listening(self->port))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -ETIMEDOUT;
}

static void nbd_server_kill(struct _test_data_nbd *self)
{
	if (self->server <= 0)
		return;
	kill(self->server, SIGKILL);
	waitpid(self->server, NULL, 0);
	self->server = 0;
}

/* A /dev/nbdN with no connection (no pid file in sysfs): N, or -1. */
static int nbd_free_index(void)
{
	char path[64];
	struct stat sb;
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/sys/block/nbd%d", i);
		if (stat(path, &sb))
			return -1;
		snprintf(path, sizeof(path), "/sys/block/nbd%d/pid", i);
		if (stat(path, &sb))
			return i;
	}
	return -1;
}

/* Run @cmd, quietly: its exit status, or -1. */
static int nbd_run(const char *cmd)
{
	char line[512];
	int st;

	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	st = system(line);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * nbd-client to the server, with the timeout: 0 or -1, what it printed
 * into @out.
 */
static int nbd_connect(struct _test_data_nbd *self, char *out, size_t len)
{
	char cmd[256];
	int i;

	out[0] = 0;
	self->nbd = nbd_free_index();
	if (self->nbd < 0) {
		snprintf(out, len, "no free /dev/nbdN");
		return -1;
	}
	snprintf(self->dev, sizeof(self->dev), "/dev/nbd%d", self->nbd);
	snprintf(cmd, sizeof(cmd), NBD_CLIENT " -N " NBD_EXPORT
		 " -b 4096 -t %d 127.0.0.1 %u %s 2>&1", NBD_TIMEOUT_S,
		 self->port, self->dev);
	if (aet_shell(cmd, out, len)) {
		self->nbd = -1;
		return -1;
	}
	/* Connected once the size is the file's. */
	for (i = 0; i < 100; i++) {
		char path[64], text[32];

		snprintf(path, sizeof(path), "/sys/block/nbd%d/size",
			 self->nbd);
		if (!aet_read_file(path, text, sizeof(text)) &&
		    strtoull(text, NULL, 10) == FILE_BYTES / 512)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static void nbd_disconnect(struct _test_data_nbd *self)
{
	char cmd[128];

	if (self->nbd < 0)
		return;
	snprintf(cmd, sizeof(cmd), NBD_CLIENT " -d %s", self->dev);
	nbd_run(cmd);
	self->nbd = -1;
}

FIXTURE_SETUP(nbd)
{
	char out[1024];

	self->id = -1;
	self->fd = -1;
	self->server = 0;
	self->nbd = -1;
	self->dir[0] = 0;
	self->loopfd = -1;
	self->expect = NULL;
	self->buf = NULL;
	self->port = 10809 + getpid() % 20000;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	if (access(NBD_SERVER, X_OK))
		AZT_SETUP_SKIP("no %s in the box (Debian's nbd-server, scripts/deps.sh)",
			       NBD_SERVER);
	if (access(NBD_CLIENT, X_OK))
		AZT_SETUP_SKIP("no %s in the box (Debian's nbd-client, scripts/deps.sh)",
			       NBD_CLIENT);
	if (!nbd_have_module())
		AZT_SETUP_SKIP("no nbd module in this kernel");
	/* The box's loopback, for 127.0.0.1. */
	if (nbd_run("ip link set lo up"))
		nbd_run("ifconfig lo 127.0.0.1 up");

	snprintf(self->dir, sizeof(self->dir), "/tmp/zram_nbd_%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0700));
	/* A ramfs: its pages never swap out to the device under test. */
	if (mount("ramfs", self->dir, "ramfs", 0, "mode=0700")) {
		rmdir(self->dir);
		self->dir[0] = 0;
		ASSERT_EQ(0, -errno);
	}
	snprintf(self->conf, sizeof(self->conf), "%s/config", self->dir);
	snprintf(self->file, sizeof(self->file), "%s/export", self->dir);
	{
		int ffd = nbd_make_file(self->file, FILE_BYTES);

		ASSERT_LE(0, ffd);
		close(ffd);
	}
	self->server = nbd_server_start(self);
	ASSERT_LT(0, self->server) TH_LOG("nbd-server did not start: %d",
					  self->server);
	ASSERT_EQ(0, nbd_connect(self, out, sizeof(out)))
		TH_LOG("nbd-client to port %u failed: %s", self->port, out);
	ASSERT_EQ(0, aet_params_save("aether_zram", &self->params));
	self->id = azt_hot_add();
	ASSERT_LE(0, self->id);
	self->expect = calloc(BENCH_PAGES, PG);
	self->buf = azt_alloc_aligned(PG);
	ASSERT_NE(NULL, self->expect);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(nbd)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->id >= 0)
		azt_hot_remove(self->id);
	nbd_disconnect(self);
	nbd_server_kill(self);
	if (self->loopfd >= 0) {
		ioctl(self->loopfd, LOOP_CLR_FD, 0);
		close(self->loopfd);
	}
	if (self->dir[0]) {
		umount2(self->dir, MNT_DETACH);
		rmdir(self->dir);
	}
	aet_params_restore(&self->params);
	free(self->expect);
	free(self->buf);
	if (self->ctl >= 0)
		close(self->ctl);
}

/* The device on @backing, @pages pages, open O_DIRECT: 0 or -errno. */
static int nbd_init_dev(struct _test_data_nbd *self, const char *backing,
			unsigned int pages)
{
	char size[32];
	int err;

	err = azt_attr_write(self->id, "backing_dev", backing);
	if (err)
		return err;
	snprintf(size, sizeof(size), "%u", pages * PG);
	err = azt_attr_write(self->id, "disksize", size);
	if (err)
		return err;
	self->fd = azt_dev_open(self->id, O_RDWR | O_DIRECT);
	return self->fd < 0 ? self->fd : 0;
}

/*
 * Page @idx: compressible (even pages) or random bytes (odd ones, stored
 * raw), different for each @gen; written and remembered.
 */
static int nbd_write(struct _test_data_nbd *self, unsigned int idx,
		     unsigned int gen)
{
	char *want = self->expect + (size_t)idx * PG;
	unsigned long long x = 0x9e3779b97f4a7c15ULL * (idx + 1) + gen;
	size_t i;

	if (idx % 2 == 0) {
		azt_fill(want, PG, (unsigned long long)idx * PG, gen + 1);
	} else {
		for (i = 0; i < PG; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			want[i] = (char)(x >> 24);
		}
	}
	memcpy(self->buf, want, PG);
	if (pwrite(self->fd, self->buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	return 0;
}

/* 0: page @idx reads as written; -EILSEQ: other bytes; -errno of the read. */
static int nbd_check(struct _test_data_nbd *self, unsigned int idx)
{
	if (pread(self->fd, self->buf, PG, (off_t)idx * PG) != PG)
		return -errno;
	return memcmp(self->buf, self->expect + (size_t)idx * PG, PG) ?
	       -EILSEQ : 0;
}

enum { BD_COUNT, BD_READS, BD_WRITES, BD_COLS };

static int nbd_bd_stat(int id, __u64 c[BD_COLS])
{
	int n = azt_stat_cols(id, "bd_stat", c, BD_COLS);

	return n == BD_COLS ? 0 : n < 0 ? n : -EINVAL;
}

static __u64 nbd_failed_reads(int id)
{
	__u64 io[4] = {};

	if (azt_stat_cols(id, "io_stat", io, 4) < 1)
		return ~0ULL;
	return io[IO_FAILED_READS];
}

static double nbd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_F_TIMEOUT(nbd, pages_go_out_to_the_server_and_come_back, 300)
{
	__u64 bd[BD_COLS];
	char words[64];
	unsigned int i;

	ASSERT_EQ(0, nbd_init_dev(self, self->dev, NR_PAGES));
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(0, nbd_write(self, i, 0));
	snprintf(words, sizeof(words), "page_indexes=0-%u", NR_PAGES - 1);
	ASSERT_EQ(0, azt_attr_write(self->id, "writeback", words));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_EQ(NR_PAGES, bd[BD_COUNT]);
	EXPECT_EQ(NR_PAGES, bd[BD_WRITES]);
	for (i = 0; i < NR_PAGES; i++)
		EXPECT_EQ(0, nbd_check(self, i)) TH_LOG("page %u", i);
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_EQ(NR_PAGES, bd[BD_READS]);
	EXPECT_EQ(0, nbd_failed_reads(self->id));

	/* Rewritten pages leave the server; the others are still there. */
	for (i = 0; i < NR_PAGES; i += 4)
		ASSERT_EQ(0, nbd_write(self, i, 1));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_EQ(NR_PAGES - NR_PAGES / 4, bd[BD_COUNT]);
	for (i = 0; i < NR_PAGES; i++)
		EXPECT_EQ(0, nbd_check(self, i)) TH_LOG("page %u", i);
}

TEST_F_TIMEOUT(nbd, server_gone_reads_fail_cleanly_and_memory_works, 600)
{
	__u64 bd[BD_COLS], before;
	unsigned int i, eio = 0;
	int err;

	ASSERT_EQ(0, nbd_init_dev(self, self->dev, NR_PAGES));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, nbd_write(self, i, 0));
	/* Pages 0-15 go to the server; 16-31 stay in memory. */
	ASSERT_EQ(0, azt_attr_write(self->id, "writeback", "page_indexes=0-15"));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	ASSERT_EQ(16, bd[BD_WRITES]);
	/* One read through the server while it is there. */
	ASSERT_EQ(0, nbd_check(self, 3));
	before = nbd_failed_reads(self->id);
	ASSERT_EQ(0, before);

	nbd_server_kill(self);

	/* Never the wrong bytes; EIO, within nbd's timeout. */
	for (i = 0; i < 16; i++) {
		err = nbd_check(self, i);
		EXPECT_NE(-EILSEQ, err) TH_LOG("page %u: wrong data", i);
		EXPECT_TRUE(err == -EIO || err == 0)
			TH_LOG("page %u: %d", i, err);
		if (err == -EIO)
			eio++;
	}
	/* The connection is dead: no page of the server can come back. */
	EXPECT_EQ(16, eio);
	EXPECT_EQ(before + eio, nbd_failed_reads(self->id));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_LE(17, bd[BD_READS]);
	EXPECT_EQ(16, bd[BD_COUNT]);

	/* Pages in memory are untouched; a written-back page rewritten too. */
	for (i = 16; i < 32; i++)
		EXPECT_EQ(0, nbd_check(self, i)) TH_LOG("page %u", i);
	ASSERT_EQ(0, nbd_write(self, 40, 2));
	ASSERT_EQ(0, nbd_check(self, 40));
	ASSERT_EQ(0, nbd_write(self, 5, 2));
	ASSERT_EQ(0, nbd_check(self, 5));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_EQ(15, bd[BD_COUNT]);
	/* A pass to the dead server leaves the page in memory. */
	err = azt_attr_write(self->id, "writeback", "page_index=20");
	EXPECT_TRUE(err == -EIO || err == 0) TH_LOG("writeback: %d", err);
	EXPECT_EQ(0, nbd_check(self, 20));

	/* reset works with the server gone; the device is new again. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, azt_reset(self->ctl, self->id));
	ASSERT_EQ(0, nbd_bd_stat(self->id, bd));
	EXPECT_EQ(0, bd[BD_COUNT]);
	EXPECT_EQ(0, nbd_failed_reads(self->id));
	nbd_disconnect(self);
}

/*
 * Throughput of writeback, NBD against a loop device over a file of the
 * same ramfs, in this boot: 16 MiB of pages (4 MiB on the debug kernel),
 * half compressible, half raw, written back in one write of writeback;
 * printed, not asserted.
 */
/* Pages the bench writes back: fewer on the debug kernel (its release). */
static unsigned int nbd_bench_pages(void)
{
	return aet_debug_kernel() ? BENCH_PAGES_DEBUG : BENCH_PAGES;
}

static double nbd_bench_one(struct _test_data_nbd *self, const char *backing,
			    unsigned int pages,
			    struct __test_metadata *_metadata)
{
	char words[64];
	__u64 bd[BD_COLS];
	double t0, t;
	unsigned int i;

	if (nbd_init_dev(self, backing, pages))
		return -1;
	for (i = 0; i < pages; i++)
		if (nbd_write(self, i, 7))
			return -1;
	snprintf(words, sizeof(words), "page_indexes=0-%u", pages - 1);
	t0 = nbd_now();
	if (azt_attr_write(self->id, "writeback", words))
		return -1;
	t = nbd_now() - t0;
	if (nbd_bd_stat(self->id, bd) || bd[BD_WRITES] != pages)
		return -1;
	for (i = 0; i < pages; i++)
		if (nbd_check(self, i)) {
			TH_LOG("%s: page %u did not come back", backing, i);
			return -1;
		}
	close(self->fd);
	self->fd = -1;
	if (azt_reset(self->ctl, self->id))
		return -1;
	return t;
}

/*
 * The box's scratch disk, a virtio disk whose serial is aether-scratch
 * (scripts/box.sh), as /dev/vdX into @path: 0, or -1 if there is none.
 */
static int nbd_scratch_disk(char *path, size_t len)
{
	char file[300], serial[64];
	struct dirent *e;
	int i, ret = -1;
	DIR *dir;

	nbd_run("modprobe -a virtio_pci virtio_blk");
	for (i = 0; i < 50 && ret; i++) {
		if (i)
			usleep(100 * 1000);
		dir = opendir("/sys/block");
		if (!dir)
			return -1;
		while (ret && (e = readdir(dir))) {
			if (strncmp(e->d_name, "vd", 2))
				continue;
			snprintf(file, sizeof(file), "/sys/block/%s/serial",
				 e->d_name);
			if (aet_read_file(file, serial, sizeof(serial)))
				continue;
			serial[strcspn(serial, "\n")] = '\0';
			if (strcmp(serial, "aether-scratch"))
				continue;
			snprintf(path, len, "/dev/%s", e->d_name);
			ret = access(path, R_OK | W_OK);
		}
		closedir(dir);
	}
	return ret;
}

TEST_F_TIMEOUT(nbd, writeback_throughput_nbd_and_loop, 900)
{
	char loop[32], vd[300];
	unsigned int pages = nbd_bench_pages();
	double t_nbd, t_loop, t_vd, mib = pages * (double)PG / (1 << 20);
	int ctl, nr, ffd;
	char path[128];

	t_nbd = nbd_bench_one(self, self->dev, pages, _metadata);
	ASSERT_LT(0, t_nbd);

	/* Built in, or absent: /dev/loop-control says. */
	nbd_run("modprobe loop");
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		ksft_print_msg("writeback to nbd: %.1f MiB/s (%u pages in %.3f s); no loop device to compare\n",
			       mib / t_nbd, pages, t_nbd);
		return;
	}
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	ASSERT_LE(0, nr);
	snprintf(loop, sizeof(loop), "/dev/loop%d", nr);
	snprintf(path, sizeof(path), "%s/loopfile", self->dir);
	ffd = nbd_make_file(path, FILE_BYTES);
	ASSERT_LE(0, ffd);
	self->loopfd = open(loop, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->loopfd);
	ASSERT_EQ(0, ioctl(self->loopfd, LOOP_SET_FD, ffd));
	close(ffd);
	t_loop = nbd_bench_one(self, loop, pages, _metadata);
	ASSERT_LT(0, t_loop);
	ksft_print_msg("writeback of %u pages (%.0f MiB): nbd over 127.0.0.1 %.1f MiB/s (%.3f s), loop on ramfs %.1f MiB/s (%.3f s), nbd/loop %.2f\n",
		       pages, mib, mib / t_nbd, t_nbd, mib / t_loop,
		       t_loop, t_loop / t_nbd);
	if (nbd_scratch_disk(vd, sizeof(vd))) {
		ksft_print_msg("no virtio scratch disk (virtio_blk) in this box\n");
		return;
	}
	t_vd = nbd_bench_one(self, vd, pages, _metadata);
	ASSERT_LT(0, t_vd);
	ksft_print_msg("writeback of %u pages to the virtio disk %s: %.1f MiB/s (%.3f s), nbd/virtio %.2f\n",
		       pages, vd, mib / t_vd, t_vd, t_vd / t_nbd);
}

TEST_HARNESS_MAIN
