// SPDX-License-Identifier: GPL-2.0
/*
 * zram_sysfs_test.c - the zram-compatible sysfs files
 *
 * The control class (hot_add, hot_remove) and every attribute of
 * /sys/block/aether_zram<N>/: what it reads (zram's formats) and which
 * writes it refuses with which errno (zram's).  Each test starts from a
 * device hot_add made, unconfigured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_zram_util.h"

#define MIB		(1024ULL * 1024)

FIXTURE(attrs) {
	int id;
	int ctl;
};

FIXTURE_SETUP(attrs)
{
	self->id = -1;
	self->ctl = azt_open();
	if (self->ctl == -ENOENT)
		AZT_SETUP_SKIP("no %s (aether_zram not loaded)", AZT_CONTROL);
	ASSERT_LE(0, self->ctl);
	self->id = azt_hot_add();
	ASSERT_LE(0, self->id);
}

FIXTURE_TEARDOWN(attrs)
{
	if (self->id >= 0)
		azt_hot_remove(self->id);
	if (self->ctl >= 0)
		close(self->ctl);
}

static int write_page(int id, __u64 seed)
{
	char *buf = azt_alloc_aligned(4096);
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = azt_dev_open(id, O_RDWR | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	azt_fill(buf, 4096, 0, seed);
	if (pwrite(fd, buf, 4096, 0) != 4096)
		ret = -errno;
	close(fd);
	free(buf);
	return ret;
}

/* 0 if page 0 reads back as write_page(@seed) wrote it. */
static int read_page(int id, __u64 seed)
{
	char *buf = azt_alloc_aligned(4096);
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = azt_dev_open(id, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	if (pread(fd, buf, 4096, 0) != 4096)
		ret = -errno;
	else if (azt_check(buf, 4096, 0, seed) >= 0)
		ret = -EIO;
	close(fd);
	free(buf);
	return ret;
}

TEST_F(attrs, hot_add_makes_a_device_with_every_attribute)
{
	static const char * const names[] = {
		"disksize", "initstate", "reset", "comp_algorithm",
		"comp_level", "algorithm_params", "max_comp_streams",
		"mem_limit", "mem_used_max", "compact", "mm_stat", "io_stat",
		"debug_stat", "checksum", "checksum_errors",
	};
	char path[128];
	struct stat sb;
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		azt_attr_path(path, sizeof(path), self->id, names[i]);
		EXPECT_EQ(0, stat(path, &sb)) TH_LOG("%s", names[i]);
	}
	azt_dev_path(path, sizeof(path), self->id);
	ASSERT_EQ(0, stat(path, &sb));
	ASSERT_TRUE(S_ISBLK(sb.st_mode));
}

TEST_F(attrs, attribute_modes_are_zrams)
{
	static const struct { const char *name; unsigned int mode; } m[] = {
		{ "disksize", 0644 }, { "initstate", 0444 },
		{ "reset", 0200 }, { "comp_algorithm", 0644 },
		{ "max_comp_streams", 0644 }, { "mem_limit", 0200 },
		{ "mem_used_max", 0200 }, { "compact", 0200 },
		{ "mm_stat", 0444 }, { "io_stat", 0444 },
		{ "debug_stat", 0444 },
		/* zram's is 0200; ours also reads (dict= unsupported on 6.1). */
		{ "algorithm_params", 0644 },
		/* Ours (csum.c). */
		{ "checksum", 0644 }, { "checksum_errors", 0444 },
	};
	char path[128];
	struct stat sb;
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		azt_attr_path(path, sizeof(path), self->id, m[i].name);
		ASSERT_EQ(0, stat(path, &sb));
		EXPECT_EQ(m[i].mode, sb.st_mode & 0777) TH_LOG("%s", m[i].name);
	}
	ASSERT_EQ(0, stat(AZT_CLASS "/hot_add", &sb));
	ASSERT_EQ(0400, sb.st_mode & 0777);
	ASSERT_EQ(0, stat(AZT_CLASS "/hot_remove", &sb));
	ASSERT_EQ(0200, sb.st_mode & 0777);
}

TEST_F(attrs, hot_remove_refuses_unknown_negative_and_junk_ids)
{
	char buf[16];

	ASSERT_EQ(-ENODEV, azt_hot_remove(AETHER_ZRAM_MAX_DEVICES + 1));
	ASSERT_EQ(-EINVAL, azt_hot_remove(-1));
	ASSERT_EQ(-EINVAL, aet_write_file(AZT_CLASS "/hot_remove", "x1"));
	snprintf(buf, sizeof(buf), "%d", self->id);
	ASSERT_EQ(0, aet_write_file(AZT_CLASS "/hot_remove", buf));
	ASSERT_EQ(-ENODEV, aet_write_file(AZT_CLASS "/hot_remove", buf));
	self->id = -1;
}

TEST_F(attrs, hot_remove_refuses_an_open_device)
{
	int fd = azt_dev_open(self->id, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBUSY, azt_hot_remove(self->id));
	close(fd);
	ASSERT_EQ(0, azt_hot_remove(self->id));
	self->id = -1;
}

TEST_F(attrs, disksize_takes_suffixes_and_sets_initstate)
{
	__u64 v;

	ASSERT_EQ(0, azt_attr_u64(self->id, "disksize", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, azt_attr_u64(self->id, "initstate", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "3M"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "disksize", &v));
	ASSERT_EQ(3 * MIB, v);
	ASSERT_EQ(0, azt_attr_u64(self->id, "initstate", &v));
	ASSERT_EQ(1, v);
}

TEST_F(attrs, disksize_refuses_zero_junk_and_a_second_write)
{
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "disksize", "0"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "disksize", "junk"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1048576"));
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "disksize", "2M"));
}

TEST_F(attrs, comp_algorithm_brackets_the_current_one)
{
	struct aether_zram_info info;
	char buf[256];

	ASSERT_EQ(0, azt_attr_read(self->id, "comp_algorithm", buf,
				   sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "[lz4] "));
	ASSERT_EQ('\n', buf[strlen(buf) - 1]);
	ASSERT_EQ(0, azt_info(self->ctl, &info));
	if (!(info.algos & (1U << AETHER_ZRAM_ALGO_ZSTD)))
		return;
	ASSERT_EQ(0, azt_attr_write(self->id, "comp_algorithm", "zstd\n"));
	ASSERT_EQ(0, azt_attr_read(self->id, "comp_algorithm", buf,
				   sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "[zstd] "));
	ASSERT_NE(NULL, strstr(buf, "lz4 "));
	ASSERT_EQ(NULL, strstr(buf, "[lz4]"));
}

TEST_F(attrs, comp_algorithm_refuses_unknown_names_and_an_initialised_device)
{
	char longname[200];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "comp_algorithm", "lzo"));
	ASSERT_EQ(-E2BIG, azt_attr_write(self->id, "comp_algorithm",
					 longname));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "comp_algorithm", "lz4"));
}

TEST_F(attrs, comp_level_is_set_checked_and_frozen_by_disksize)
{
	struct aether_zram_info info;
	__u64 v;

	ASSERT_EQ(0, azt_info(self->ctl, &info));
	if (info.algos & (1U << AETHER_ZRAM_ALGO_ZSTD)) {
		ASSERT_EQ(0, azt_attr_write(self->id, "comp_algorithm", "zstd"));
		ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "comp_level", "23"));
	}
	ASSERT_EQ(0, azt_attr_write(self->id, "comp_level", "2"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "comp_level", &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "comp_level", "-3"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "comp_level", "two"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "comp_level", &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "comp_level", "1"));
}

TEST_F(attrs, algorithm_params_sets_the_level_of_the_current_algorithm)
{
	__u64 v;

	ASSERT_EQ(0, azt_attr_write(self->id, "algorithm_params",
				    "algo=lz4 level=4"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "comp_level", &v));
	ASSERT_EQ(4, v);
	ASSERT_EQ(0, azt_attr_write(self->id, "algorithm_params",
				    "priority=0 level=5"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "comp_level", &v));
	ASSERT_EQ(5, v);
}

TEST_F(attrs, algorithm_params_reads_the_algorithm_level_and_dictionary)
{
	struct aether_zram_info info;
	char buf[128], want[128];

	ASSERT_EQ(0, azt_info(self->ctl, &info));
	ASSERT_EQ(0, azt_attr_write(self->id, "algorithm_params",
				    "algo=lz4 level=7"));
	ASSERT_EQ(0, azt_attr_read(self->id, "algorithm_params", buf,
				   sizeof(buf)));
	snprintf(want, sizeof(want), "algo=lz4 level=7 dict=%s\n",
		 info.features & AETHER_ZRAM_FEAT_ZSTD_DICT ? "none" :
		 "unsupported");
	ASSERT_STREQ(want, buf);
}

TEST_F(attrs, algorithm_params_refuses_what_it_cannot_do)
{
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "algorithm_params",
					  "algo=zstd level=3"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "algorithm_params",
					  "priority=1 level=3"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "algorithm_params",
					  "colour=blue"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "algorithm_params",
					  "level="));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "algorithm_params",
					  "level=-9"));
	/* A dictionary is zstd's only. */
	ASSERT_EQ(-EOPNOTSUPP, azt_attr_write(self->id, "algorithm_params",
					      "algo=lz4 dict=/proc/version"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "algorithm_params",
					 "level=2"));
}

#define DICT	"/tmp/azt_zstd_dict"

/* A raw-content dictionary: 64 KiB of the tests' data. */
static int make_dict(const char *path)
{
	static char buf[65536];
	int fd, ret = 0;

	azt_fill(buf, sizeof(buf), 0, 99);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		ret = -EIO;
	close(fd);
	return ret;
}

TEST_F(attrs, algorithm_params_dict_is_taken_where_the_kernel_has_it)
{
	struct aether_zram_info info;
	char buf[128];
	int ret;

	ASSERT_EQ(0, azt_info(self->ctl, &info));
	if (!(info.algos & (1U << AETHER_ZRAM_ALGO_ZSTD)))
		SKIP(return, "no zstd");
	ASSERT_EQ(0, make_dict(DICT));
	ASSERT_EQ(0, azt_attr_write(self->id, "comp_algorithm", "zstd"));
	ret = azt_attr_write(self->id, "algorithm_params",
			     "algo=zstd level=3 dict=" DICT);
	unlink(DICT);
	if (!(info.features & AETHER_ZRAM_FEAT_ZSTD_DICT)) {
		ASSERT_EQ(-EOPNOTSUPP, ret);
		return;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, azt_attr_read(self->id, "algorithm_params", buf,
				   sizeof(buf)));
	ASSERT_STREQ("algo=zstd level=3 dict=65536\n", buf);
	ASSERT_EQ(-ENOENT, azt_attr_write(self->id, "algorithm_params",
					  "algo=zstd dict=/nonexistent"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(0, write_page(self->id, 1));
	ASSERT_EQ(0, read_page(self->id, 1));
}

TEST_F(attrs, mm_stat_has_nine_columns_of_zrams_widths)
{
	char buf[256];
	__u64 mm[AZT_MM_COLS];

	ASSERT_EQ(0, azt_attr_read(self->id, "mm_stat", buf, sizeof(buf)));
	/* "%8llu " eight times and "%8llu\n": values below 10^8. */
	ASSERT_EQ(9 * 9, strlen(buf));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(0, write_page(self->id, 2));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(4096, mm[AZT_ORIG_DATA_SIZE]);
	ASSERT_LT(0, mm[AZT_COMPR_DATA_SIZE]);
	ASSERT_LT(0, mm[AZT_MEM_USED_TOTAL]);
	ASSERT_LE(mm[AZT_MEM_USED_TOTAL], mm[AZT_MEM_USED_MAX]);
	ASSERT_EQ(0, mm[AZT_SAME_PAGES]);
}

TEST_F(attrs, io_stat_and_debug_stat_read_as_zrams)
{
	char buf[256];
	__u64 io[4];

	ASSERT_EQ(0, azt_attr_read(self->id, "io_stat", buf, sizeof(buf)));
	ASSERT_EQ(4 * 9, strlen(buf));
	ASSERT_EQ(4, azt_stat_cols(self->id, "io_stat", io, 4));
	ASSERT_EQ(0, azt_attr_read(self->id, "debug_stat", buf, sizeof(buf)));
	ASSERT_EQ(0, strncmp(buf, "version: 1\n", 11));
	ASSERT_EQ(11 + 2 * 9, strlen(buf));
}

TEST_F(attrs, mem_limit_takes_suffixes_and_shows_in_mm_stat)
{
	__u64 mm[AZT_MM_COLS];

	ASSERT_EQ(0, azt_attr_write(self->id, "mem_limit", "2M"));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(2 * MIB, mm[AZT_MEM_LIMIT]);
	ASSERT_EQ(0, azt_attr_write(self->id, "mem_limit", "5000"));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(8192, mm[AZT_MEM_LIMIT]);
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "mem_limit", "lots"));
}

TEST_F(attrs, mem_used_max_takes_only_zero)
{
	__u64 mm[AZT_MM_COLS];

	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "mem_used_max", "1"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "mem_used_max", "x"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(0, write_page(self->id, 3));
	ASSERT_EQ(0, azt_attr_write(self->id, "mem_used_max", "0"));
	ASSERT_EQ(0, azt_mm_stat(self->id, mm));
	ASSERT_EQ(mm[AZT_MEM_USED_TOTAL], mm[AZT_MEM_USED_MAX]);
}

TEST_F(attrs, reset_refuses_zero_junk_and_an_open_device)
{
	__u64 v;
	int fd;

	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "reset", "0"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "reset", "yes"));
	fd = azt_dev_open(self->id, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBUSY, azt_attr_write(self->id, "reset", "1"));
	close(fd);
	ASSERT_EQ(0, azt_attr_write(self->id, "reset", "1"));
	ASSERT_EQ(0, azt_attr_u64(self->id, "initstate", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, azt_attr_u64(self->id, "disksize", &v));
	ASSERT_EQ(0, v);
}

TEST_F(attrs, compact_needs_disksize)
{
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "compact", "1"));
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	ASSERT_EQ(0, azt_attr_write(self->id, "compact", "1"));
}

TEST_F(attrs, max_comp_streams_reads_a_count_and_takes_a_number)
{
	__u64 v;

	ASSERT_EQ(0, azt_attr_u64(self->id, "max_comp_streams", &v));
	ASSERT_LE(1, v);
	ASSERT_EQ(0, azt_attr_write(self->id, "max_comp_streams", "4"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "max_comp_streams", "0"));
	ASSERT_EQ(-EINVAL, azt_attr_write(self->id, "max_comp_streams", "x"));
}

TEST_F(attrs, debugfs_has_classes_and_stats)
{
	char path[128], buf[4096];

	if (access(AZT_DEBUGFS, F_OK))
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, azt_attr_write(self->id, "disksize", "1M"));
	snprintf(path, sizeof(path), AZT_DEBUGFS "/aether_zram%d/stats",
		 self->id);
	ASSERT_EQ(0, aet_read_file(path, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "disksize 1048576\n"));
	snprintf(path, sizeof(path), AZT_DEBUGFS "/aether_zram%d/classes",
		 self->id);
	ASSERT_EQ(0, aet_read_file(path, buf, sizeof(buf)));
	ASSERT_LT(0, strlen(buf));
}

TEST_HARNESS_MAIN
