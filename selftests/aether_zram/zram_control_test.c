// SPDX-License-Identifier: GPL-2.0
/*
 * zram_control_test.c - the ioctls of /dev/aether_zram-control
 *
 * Every command, what it does and what it refuses: ADD (with and without
 * a disksize, bad algorithm, level, reserved field), REMOVE and RESET
 * (unknown id, device open), COMPACT (before and after disksize),
 * DEV_STATS (against mm_stat), INFO, CAP_SYS_ADMIN for the commands that
 * change devices, an unknown command and a short struct.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define MIB		(1024ULL * 1024)
#define MAX_IDS		8

FIXTURE(control) {
	int fd;
	int ids[MAX_IDS];
	int nr;
};

FIXTURE_SETUP(control)
{
	self->nr = 0;
	self->fd = azt_open();
	if (self->fd == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(control)
{
	int i;

	for (i = 0; i < self->nr; i++)
		azt_remove(self->fd, self->ids[i]);
	if (self->fd >= 0)
		close(self->fd);
}

/* ADD, the id remembered for the teardown. */
static int add(FIXTURE_DATA(control) *self, __u32 algo, __s32 level,
	       __u64 disksize, __u64 limit)
{
	int id = azt_add(self->fd, algo, level, disksize, limit);

	if (id >= 0 && self->nr < MAX_IDS)
		self->ids[self->nr++] = id;
	return id;
}

static int write_pages(int id, int pages, __u64 seed)
{
	char *buf = azt_alloc_aligned(4096);
	int fd, i, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = azt_dev_open(id, O_RDWR | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	for (i = 0; i < pages && !ret; i++) {
		azt_fill(buf, 4096, i * 4096ULL, seed);
		if (pwrite(fd, buf, 4096, i * 4096LL) != 4096)
			ret = -errno;
	}
	close(fd);
	free(buf);
	return ret;
}

TEST_F(control, info_lists_lz4_and_counts_devices)
{
	struct aether_zram_info before, after;

	ASSERT_EQ(0, azt_info(self->fd, &before));
	ASSERT_EQ(sizeof(before), before.size);
	ASSERT_NE(0, before.algos & (1U << AETHER_ZRAM_ALGO_LZ4));
	ASSERT_EQ(0, before.algos & 1U);	/* "default" is no algorithm */
	ASSERT_LE(0, add(self, 0, 0, 0, 0));
	ASSERT_EQ(0, azt_info(self->fd, &after));
	ASSERT_EQ(before.nr_devices + 1, after.nr_devices);
}

TEST_F(control, add_with_disksize_initialises_the_device)
{
	struct aether_zram_dev_stats st;
	struct stat sb;
	char path[64];
	__u64 size;
	int id;

	id = add(self, AETHER_ZRAM_ALGO_LZ4, 0, 16 * MIB, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(1, st.initstate);
	ASSERT_EQ(16 * MIB, st.disksize);
	ASSERT_EQ(AETHER_ZRAM_ALGO_LZ4, st.algo);
	ASSERT_LT(0, st.level);
	ASSERT_LT(0, st.streams);
	ASSERT_EQ(0, azt_attr_u64(id, "disksize", &size));
	ASSERT_EQ(16 * MIB, size);
	azt_dev_path(path, sizeof(path), id);
	ASSERT_EQ(0, stat(path, &sb));
	ASSERT_TRUE(S_ISBLK(sb.st_mode));
}

TEST_F(control, add_without_disksize_leaves_it_unconfigured)
{
	struct aether_zram_dev_stats st;
	__u64 v;
	int id;

	id = add(self, 0, 0, 0, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(0, st.initstate);
	ASSERT_EQ(0, st.disksize);
	ASSERT_EQ(AETHER_ZRAM_ALGO_LZ4, st.algo);
	ASSERT_EQ(0, azt_attr_u64(id, "initstate", &v));
	ASSERT_EQ(0, v);
}

TEST_F(control, add_rounds_the_disksize_up_to_a_page)
{
	struct aether_zram_dev_stats st;
	int id;

	id = add(self, 0, 0, 5000, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(8192, st.disksize);
}

TEST_F(control, add_sets_algorithm_level_and_limit)
{
	struct aether_zram_dev_stats st;
	struct aether_zram_info info;
	__u64 mm[AZT_MM_COLS];
	__u32 algo = AETHER_ZRAM_ALGO_LZ4HC;
	int id;

	ASSERT_EQ(0, azt_info(self->fd, &info));
	if (!(info.algos & (1U << algo)))
		algo = AETHER_ZRAM_ALGO_LZ4;
	id = add(self, algo, 3, 4 * MIB, 2 * MIB);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(algo, st.algo);
	ASSERT_EQ(3, st.level);
	ASSERT_EQ(2 * MIB, st.mem_limit);
	ASSERT_EQ(0, azt_mm_stat(id, mm));
	ASSERT_EQ(2 * MIB, mm[AZT_MEM_LIMIT]);
}

TEST_F(control, add_refuses_a_bad_algorithm_level_or_reserved_field)
{
	struct aether_zram_add a = { .size = sizeof(a) };

	ASSERT_EQ(-EINVAL, add(self, AETHER_ZRAM_NR_ALGOS, 0, 0, 0));
	ASSERT_EQ(-EINVAL, add(self, 1000, 0, 0, 0));
	ASSERT_EQ(-EINVAL, add(self, AETHER_ZRAM_ALGO_LZ4, -5, 0, 0));
	ASSERT_EQ(-EINVAL, add(self, AETHER_ZRAM_ALGO_ZSTD, 1000, 0, 0));
	a.reserved[1] = 1;
	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_ADD, &a));
}

TEST_F(control, add_refuses_a_disksize_beyond_four_billion_pages)
{
	ASSERT_EQ(-EINVAL, add(self, 0, 0, ~0ULL, 0));
	ASSERT_EQ(-EINVAL, add(self, 0, 0, (1ULL << 32) * 4096 + 4096, 0));
}

static int try_add(int fd, void *arg)
{
	return azt_add(fd, 0, 0, 0, 0);
}

static int try_remove(int fd, void *arg)
{
	return azt_remove(fd, *(int *)arg);
}

static int try_reset(int fd, void *arg)
{
	return azt_reset(fd, *(int *)arg);
}

static int try_compact(int fd, void *arg)
{
	return azt_compact(fd, *(int *)arg, NULL);
}

static int try_bench(int fd, void *arg)
{
	struct aether_zram_bench b = { .size = sizeof(b) };

	return azt_ioctl(fd, AETHER_ZRAM_IOC_BENCH, &b);
}

static int try_stats(int fd, void *arg)
{
	struct aether_zram_dev_stats st;
	struct aether_zram_info info;
	int ret = azt_info(fd, &info);

	return ret ? ret : azt_dev_stats(fd, *(int *)arg, &st);
}

TEST_F(control, changing_commands_need_cap_sys_admin)
{
	int id = add(self, 0, 0, MIB, 0);

	ASSERT_LE(0, id);
	ASSERT_EQ(-EPERM, azt_run_unprivileged(try_add, self->fd, NULL));
	ASSERT_EQ(-EPERM, azt_run_unprivileged(try_remove, self->fd, &id));
	ASSERT_EQ(-EPERM, azt_run_unprivileged(try_reset, self->fd, &id));
	ASSERT_EQ(-EPERM, azt_run_unprivileged(try_compact, self->fd, &id));
	ASSERT_EQ(-EPERM, azt_run_unprivileged(try_bench, self->fd, NULL));
	/* Reading is open to whoever holds the file. */
	ASSERT_EQ(0, azt_run_unprivileged(try_stats, self->fd, &id));
}

TEST_F(control, commands_on_an_unknown_id_are_enodev)
{
	struct aether_zram_dev_stats st;
	int id = add(self, 0, 0, 0, 0);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_remove(self->fd, id));
	self->nr--;
	ASSERT_EQ(-ENODEV, azt_remove(self->fd, id));
	ASSERT_EQ(-ENODEV, azt_reset(self->fd, id));
	ASSERT_EQ(-ENODEV, azt_compact(self->fd, id, NULL));
	ASSERT_EQ(-ENODEV, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(-ENODEV, azt_remove(self->fd, AETHER_ZRAM_MAX_DEVICES));
	ASSERT_EQ(-ENODEV, azt_dev_stats(self->fd, ~0U, &st));
}

TEST_F(control, remove_takes_the_device_away)
{
	char path[64];
	struct stat sb;
	int id = add(self, 0, 0, MIB, 0);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, azt_remove(self->fd, id));
	self->nr--;
	azt_dev_path(path, sizeof(path), id);
	ASSERT_EQ(-1, stat(path, &sb));
	azt_attr_path(path, sizeof(path), id, "disksize");
	ASSERT_EQ(-1, stat(path, &sb));
}

TEST_F(control, remove_and_reset_refuse_an_open_device)
{
	int id = add(self, 0, 0, MIB, 0);
	int bfd;

	ASSERT_LE(0, id);
	bfd = azt_dev_open(id, O_RDONLY);
	ASSERT_LE(0, bfd);
	ASSERT_EQ(-EBUSY, azt_remove(self->fd, id));
	ASSERT_EQ(-EBUSY, azt_reset(self->fd, id));
	close(bfd);
	ASSERT_EQ(0, azt_reset(self->fd, id));
	ASSERT_EQ(0, azt_remove(self->fd, id));
	self->nr--;
}

TEST_F(control, reset_frees_everything_and_restores_the_defaults)
{
	struct aether_zram_dev_stats st;
	struct aether_zram_info info;
	__u32 algo = AETHER_ZRAM_ALGO_ZSTD;
	int id;

	ASSERT_EQ(0, azt_info(self->fd, &info));
	if (!(info.algos & (1U << algo)))
		algo = AETHER_ZRAM_ALGO_LZ4;
	id = add(self, algo, 0, 4 * MIB, MIB);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, write_pages(id, 64, 1));
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(64 * 4096, st.orig_data_size);
	ASSERT_LT(0, st.mem_used_total);

	ASSERT_EQ(0, azt_reset(self->fd, id));
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(0, st.initstate);
	ASSERT_EQ(0, st.disksize);
	ASSERT_EQ(0, st.orig_data_size);
	ASSERT_EQ(0, st.mem_used_total);
	ASSERT_EQ(0, st.mem_limit);
	ASSERT_EQ(AETHER_ZRAM_ALGO_LZ4, st.algo);
	/* And it can be initialised again. */
	ASSERT_EQ(0, azt_attr_write(id, "disksize", "1M"));
	ASSERT_EQ(0, write_pages(id, 4, 2));
}

TEST_F(control, compact_needs_an_initialised_device)
{
	__u64 pages = ~0ULL;
	int id = add(self, 0, 0, 0, 0);

	ASSERT_LE(0, id);
	ASSERT_EQ(-EINVAL, azt_compact(self->fd, id, &pages));
	ASSERT_EQ(0, azt_attr_write(id, "disksize", "4M"));
	ASSERT_EQ(0, write_pages(id, 256, 3));
	ASSERT_EQ(0, azt_compact(self->fd, id, &pages));
	ASSERT_GT(256, pages);	/* it gave back no more than it had */
}

TEST_F(control, dev_stats_agree_with_mm_stat_and_io_stat)
{
	struct aether_zram_dev_stats st;
	__u64 mm[AZT_MM_COLS], io[4];
	int id = add(self, 0, 0, 4 * MIB, 0);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, write_pages(id, 100, 4));
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(0, azt_mm_stat(id, mm));
	ASSERT_EQ(100 * 4096, st.orig_data_size);
	ASSERT_EQ(mm[AZT_ORIG_DATA_SIZE], st.orig_data_size);
	ASSERT_EQ(mm[AZT_COMPR_DATA_SIZE], st.compr_data_size);
	ASSERT_EQ(mm[AZT_MEM_USED_TOTAL], st.mem_used_total);
	ASSERT_EQ(mm[AZT_MEM_USED_MAX], st.mem_used_max);
	ASSERT_EQ(mm[AZT_SAME_PAGES], st.same_pages);
	ASSERT_EQ(mm[AZT_HUGE_PAGES], st.huge_pages);
	ASSERT_LE(st.mem_used_total, st.mem_used_max);
	ASSERT_EQ(4, azt_stat_cols(id, "io_stat", io, 4));
	ASSERT_EQ(io[0], st.failed_reads);
	ASSERT_EQ(io[1], st.failed_writes);
	ASSERT_EQ(io[2], st.invalid_io);
	ASSERT_EQ(io[3], st.notify_free);
}

TEST_F(control, dev_stats_refuses_a_non_zero_reserved_field)
{
	struct aether_zram_dev_stats st = { .size = sizeof(st) };
	int id = add(self, 0, 0, 0, 0);

	ASSERT_LE(0, id);
	st.id = id;
	st.reserved[3] = 1;
	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_DEV_STATS, &st));
}

TEST_F(control, device_commands_refuse_a_non_zero_reserved_field)
{
	struct aether_zram_dev a = { .size = sizeof(a), .reserved = 1 };
	int id = add(self, 0, 0, MIB, 0);

	ASSERT_LE(0, id);
	a.id = id;
	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_RESET, &a));
	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_COMPACT, &a));
	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_REMOVE, &a));
}

TEST_F(control, an_unknown_command_is_enotty)
{
	struct aether_zram_info info = { .size = sizeof(info) };

	ASSERT_EQ(-ENOTTY, azt_ioctl(self->fd,
				     _IOWR(AETHER_ZRAM_IOC_MAGIC, 0x3f,
					   struct aether_zram_info), &info));
}

TEST_F(control, a_struct_smaller_than_any_version_is_einval)
{
	struct aether_zram_info info = { .size = 4 };

	ASSERT_EQ(-EINVAL, azt_ioctl(self->fd, AETHER_ZRAM_IOC_INFO, &info));
}

/*
 * The store's pages are pool pages: they show in the pool's use while
 * the device holds data, and every one is given back by remove.
 */
TEST_F_TIMEOUT(control, remove_gives_every_pool_page_back, 300)
{
	struct aether_zram_dev_stats st;
	__u64 before, during, after;
	int id;

	ASSERT_EQ(0, azt_pool_used(&before));
	id = add(self, 0, 0, 8 * MIB, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, write_pages(id, 1024, 5));
	ASSERT_EQ(0, azt_dev_stats(self->fd, id, &st));
	ASSERT_EQ(0, azt_pool_used(&during));
	ASSERT_LT(0, st.mem_used_total);
	ASSERT_LE(before + st.mem_used_total / 4096, during);
	ASSERT_EQ(0, azt_remove(self->fd, id));
	self->nr--;
	ASSERT_EQ(0, azt_pool_used(&after));
	ASSERT_EQ(before, after);
}

TEST_F(control, ids_are_reused_after_remove)
{
	int a = add(self, 0, 0, 0, 0), b;

	ASSERT_LE(0, a);
	ASSERT_EQ(0, azt_remove(self->fd, a));
	self->nr--;
	b = add(self, 0, 0, 0, 0);
	ASSERT_EQ(a, b);
}

struct churn {
	int fd;
	int cpu;
	int errors;
	int last_error;
};

static void *churn(void *arg)
{
	struct churn *c = arg;
	int i, id, err;

	aet_pin_cpu(c->cpu);
	for (i = 0; i < 40; i++) {
		id = azt_add(c->fd, 0, 0, 1024 * 1024, 0);
		err = id < 0 ? id : azt_remove(c->fd, id);
		if (err) {
			c->errors++;
			c->last_error = err;
		}
	}
	return NULL;
}

/*
 * A device being removed keeps its id until its disk is gone: an ADD
 * racing with the REMOVE gets another id, never the name of a disk
 * still going away.
 */
TEST_F_TIMEOUT(control, adds_and_removes_racing_on_two_cpus_never_collide, 300)
{
	struct churn c[2];
	pthread_t threads[2];
	int i;

	if (aet_nr_cpus() < 2)
		SKIP(return, "one CPU");
	for (i = 0; i < 2; i++) {
		c[i] = (struct churn){ .fd = self->fd, .cpu = i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, churn, &c[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	EXPECT_EQ(0, c[0].last_error);
	EXPECT_EQ(0, c[1].last_error);
	ASSERT_EQ(0, c[0].errors + c[1].errors);
}

TEST_HARNESS_MAIN
