// SPDX-License-Identifier: GPL-2.0
/*
 * zram_fs_test.c - an ext4 filesystem on a fresh device keeps every byte
 *
 * Each test hot_adds its own device (aether_zram, or the kernel's zram
 * with AETHER_ZRAM_KIND=zram: zram_blk.h), sets one algorithm and a
 * disksize, and makes ext4 on it with Debian's mkfs.ext4.  Then:
 *
 *  - a tree of real files (the box's own modules, libraries, programs and
 *    text, as they are on its root: tens of files, up to 12 MiB)
 *    is copied onto it with a checksum of each; the filesystem is
 *    unmounted, the caches dropped, e2fsck -f -n must find it clean, and
 *    after mounting it again every file must read back with its size and
 *    checksum; mm_stat must show the data stored, compressed;
 *  - reset and hot_remove are refused with EBUSY while it is mounted, and
 *    the filesystem is unharmed by the attempts; both succeed once it is
 *    unmounted;
 *  - deleting the tree and trimming the filesystem (FITRIM, as fstrim
 *    does; synchronous, where -o discard leaves the discards to a worker)
 *    gives its memory back: mm_stat's orig_data_size falls by most of
 *    what the tree took.
 *
 * The tree takes what the box has up to its cap, 12 MiB: thousands of
 * ext4's 1 KiB blocks on a 64 MiB device (twice both proved nothing more
 * and made this the debug kernel's slowest test); on the debug kernel
 * half that, still thousands of blocks and tens of files (its nine cases
 * took 170 s there with 12 MiB).  One variant per
 * algorithm; an algorithm the device does not offer is skipped, saying
 * so.  Needs root, mkfs.ext4 and e2fsck (the box has them,
 * scripts/box.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "zram_blk.h"

#define DISKSIZE	"64M"
#define DISKSIZE_BYTES	(64UL << 20)
#define TREE_MAX_BYTES	(12UL << 20)	/* what the tree may take */
#define TREE_MAX_FILES	4096
#define FILE_MAX_BYTES	(4UL << 20)	/* larger files are left out */

/* Where the tree comes from: modules, libraries, programs, text. */
static const char *const tree_roots[] = {
	"/etc", "/lib/modules", "/lib", "/sbin", "/selftests", "/usr/bin",
	"/bin",
};

struct tree_file {
	char path[200];		/* relative to the tree's root */
	size_t size;
	uint64_t sum;
};

/* The tree written by tree_write(); nftw() callbacks take no argument. */
static struct {
	struct tree_file *files;
	unsigned int nr;
	size_t bytes;
	size_t max;		/* what it may take: TREE_MAX_BYTES, or half */
	const char *dst;	/* the tree's root on the device */
	int err;		/* first error, -errno */
} tree;

FIXTURE(zfs)
{
	struct zblk z;
	char dev[64];
	char mnt[64];
	bool mounted;
};

FIXTURE_VARIANT(zfs)
{
	const char *algo;
};

FIXTURE_VARIANT_ADD(zfs, lz4)
{
	.algo = "lz4",
};

FIXTURE_VARIANT_ADD(zfs, lz4hc)
{
	.algo = "lz4hc",
};

FIXTURE_VARIANT_ADD(zfs, zstd)
{
	.algo = "zstd",
};

/* Whether @algo is one of the words of the device's comp_algorithm. */
static bool algo_offered(const struct zblk *z, const char *algo)
{
	char buf[256], *w, *save;

	if (zblk_attr_read(z, "comp_algorithm", buf, sizeof(buf)))
		return false;
	for (w = strtok_r(buf, " []\n", &save); w;
	     w = strtok_r(NULL, " []\n", &save))
		if (!strcmp(w, algo))
			return true;
	return false;
}

FIXTURE_SETUP(zfs)
{
	const char *kind = zblk_kind();
	char *mkfs[] = { "mkfs.ext4", "-q", "-F", self->dev, NULL };

	self->z.id = -1;
	self->mounted = false;
	if (geteuid())
		SKIP(return, "needs root");
	if (!zblk_kind_present(kind))
		SKIP(return, "no %s devices (module not loaded)", kind);
	if (!zblk_have_program("mkfs.ext4") || !zblk_have_program("e2fsck"))
		SKIP(return, "no mkfs.ext4 or e2fsck (e2fsprogs)");
	ASSERT_EQ(0, zblk_add(kind, &self->z));
	if (!algo_offered(&self->z, variant->algo))
		SKIP(return, "%s does not offer %s", kind, variant->algo);
	ASSERT_EQ(0, zblk_setup(&self->z, variant->algo, DISKSIZE));
	zblk_dev_path(&self->z, self->dev, sizeof(self->dev));
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/zfs-%d", getpid());
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	ASSERT_EQ(0, zblk_run(NULL, mkfs));
}

FIXTURE_TEARDOWN(zfs)
{
	if (self->mounted && umount(self->mnt))
		TH_LOG("umount %s: %s", self->mnt, strerror(errno));
	if (*self->mnt)
		rmdir(self->mnt);
	if (self->z.id >= 0 && (zblk_reset(&self->z) || zblk_remove(&self->z)))
		TH_LOG("could not reset and remove %s%d", self->z.kind,
		       self->z.id);
}

static int do_mount(FIXTURE_DATA(zfs) *self, const char *opts)
{
	if (mount(self->dev, self->mnt, "ext4", 0, opts))
		return -errno;
	self->mounted = true;
	return 0;
}

static int do_umount(FIXTURE_DATA(zfs) *self)
{
	if (umount(self->mnt))
		return -errno;
	self->mounted = false;
	return 0;
}

/*
 * Unmounted: drop the page cache and the device's buffers, so that what
 * is read next comes from the device, not from memory.
 */
static int drop_caches(const char *dev)
{
	int fd, ret = 0;

	sync();
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKFLSBUF, 0))
		ret = -errno;
	close(fd);
	return ret ? ret : zblk_write("/proc/sys/vm/drop_caches", "3");
}

/* Read all of @path into a new buffer: its size, or -errno. */
static ssize_t read_all(const char *path, void **out)
{
	struct stat st;
	ssize_t n = 0, r;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < st.st_size && (r = read(fd, buf + n, st.st_size - n)) > 0)
		n += r;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	return n;
}

/* mkdir -p of @path's directory. */
static int make_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int write_all(const char *path, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len && (w = write(fd, p, len)) > 0) {
		p += w;
		len -= w;
	}
	close(fd);
	return len ? -EIO : 0;
}

/* nftw() callback: copy one regular file of the box into the tree. */
static int tree_copy_one(const char *src, const struct stat *st, int type,
			 struct FTW *ftw)
{
	struct tree_file *f;
	char dst[512];
	void *buf;
	ssize_t n;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !st->st_size ||
	    st->st_size > (off_t)FILE_MAX_BYTES)
		return 0;
	if (tree.nr == TREE_MAX_FILES ||
	    tree.bytes + st->st_size > tree.max)
		return 1;	/* the tree is full: stop the walk */
	f = &tree.files[tree.nr];
	if (strlen(src) >= sizeof(f->path))
		return 0;
	/* A file under two roots (/lib/modules in /lib) is copied once. */
	snprintf(dst, sizeof(dst), "%s%s", tree.dst, src);
	if (!access(dst, F_OK))
		return 0;
	n = read_all(src, &buf);
	if (n < 0)
		return 0;	/* unreadable (e.g. in /proc): not ours */
	tree.err = make_parents(dst);
	if (!tree.err)
		tree.err = write_all(dst, buf, n);
	if (!tree.err) {
		snprintf(f->path, sizeof(f->path), "%s", src);
		f->size = n;
		f->sum = zblk_sum(0, buf, n);
		tree.nr++;
		tree.bytes += n;
	}
	free(buf);
	return tree.err ? 1 : 0;
}

/* Copy the box's files under @dst: 0 or -errno; tree.* says what. */
static int tree_write(const char *dst)
{
	unsigned int i;

	tree.files = calloc(TREE_MAX_FILES, sizeof(*tree.files));
	if (!tree.files)
		return -ENOMEM;
	tree.nr = 0;
	tree.bytes = 0;
	tree.max = aet_debug_kernel() ? TREE_MAX_BYTES / 2 : TREE_MAX_BYTES;
	tree.err = 0;
	tree.dst = dst;
	for (i = 0; i < sizeof(tree_roots) / sizeof(tree_roots[0]); i++) {
		if (nftw(tree_roots[i], tree_copy_one, 16, FTW_PHYS) < 0)
			continue;	/* a root the box lacks */
		if (tree.err)
			return tree.err;
	}
	return 0;
}

/*
 * Check every file of the tree under @dst: the number that read back with
 * their size and checksum; the first that does not is logged.
 */
static unsigned int tree_verify(struct __test_metadata *_metadata,
				const char *dst)
{
	unsigned int i, good = 0;
	char path[512];
	void *buf;
	ssize_t n;

	for (i = 0; i < tree.nr; i++) {
		const struct tree_file *f = &tree.files[i];

		snprintf(path, sizeof(path), "%s%s", dst, f->path);
		n = read_all(path, &buf);
		if (n < 0) {
			TH_LOG("%s: %s", path, strerror(-n));
			continue;
		}
		if ((size_t)n == f->size && zblk_sum(0, buf, n) == f->sum)
			good++;
		else if (good == i)
			TH_LOG("%s: %zd bytes, checksum differs or size (%zu)",
			       path, n, f->size);
		free(buf);
	}
	return good;
}

static int tree_remove_one(const char *path, const struct stat *st, int type,
			   struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

TEST_F_TIMEOUT(zfs, tree_survives_unmount_fsck_and_remount, 400)
{
	char *fsck[] = { "e2fsck", "-f", "-n", self->dev, NULL };
	struct zblk_mm_stat ms;
	char dst[96];

	snprintf(dst, sizeof(dst), "%s/tree", self->mnt);
	ASSERT_EQ(0, do_mount(self, NULL));
	ASSERT_EQ(0, tree_write(dst));
	TH_LOG("%s%d (%s): %u files, %zu KiB", self->z.kind, self->z.id,
	       variant->algo, tree.nr, tree.bytes >> 10);
	ASSERT_LT(30, tree.nr);
	ASSERT_LT(tree.max / 2, tree.bytes);

	ASSERT_EQ(0, do_umount(self));
	ASSERT_EQ(0, drop_caches(self->dev));
	/* -n: check only; 0 is "no errors". */
	ASSERT_EQ(0, zblk_run(NULL, fsck));

	ASSERT_EQ(0, do_mount(self, NULL));
	ASSERT_EQ(tree.nr, tree_verify(_metadata, dst));

	/* The data is on the device, compressed (real files, not zeros). */
	ASSERT_EQ(0, zblk_mm_stat(&self->z, &ms));
	TH_LOG("mm_stat: orig %lu KiB, compr %lu KiB, used %lu KiB",
	       ms.orig_data_size >> 10, ms.compr_data_size >> 10,
	       ms.mem_used_total >> 10);
	ASSERT_LE(tree.bytes, ms.orig_data_size);
	ASSERT_LT(ms.compr_data_size, ms.orig_data_size);
	ASSERT_LT(0, ms.mem_used_total);
}

TEST_F_TIMEOUT(zfs, reset_and_remove_are_ebusy_while_mounted, 400)
{
	char *fsck[] = { "e2fsck", "-f", "-n", self->dev, NULL };
	char disksize[32], dst[96];

	snprintf(dst, sizeof(dst), "%s/tree", self->mnt);
	ASSERT_EQ(0, do_mount(self, NULL));
	ASSERT_EQ(0, tree_write(dst));
	ASSERT_EQ(-EBUSY, zblk_reset(&self->z));
	ASSERT_EQ(-EBUSY, zblk_remove(&self->z));

	/* Nothing was taken from under the filesystem. */
	ASSERT_EQ(0, zblk_attr_read(&self->z, "disksize", disksize,
				    sizeof(disksize)));
	ASSERT_EQ(DISKSIZE_BYTES, strtoul(disksize, NULL, 10));
	ASSERT_EQ(0, do_umount(self));
	ASSERT_EQ(0, zblk_run(NULL, fsck));
	ASSERT_EQ(0, do_mount(self, NULL));
	ASSERT_EQ(tree.nr, tree_verify(_metadata, dst));
	ASSERT_EQ(0, do_umount(self));

	/* Unmounted, both are allowed. */
	ASSERT_EQ(0, zblk_reset(&self->z));
	ASSERT_EQ(0, zblk_remove(&self->z));
	self->z.id = -1;
}

TEST_F_TIMEOUT(zfs, deleted_files_are_trimmed_from_memory, 400)
{
	struct fstrim_range range = { .len = UINT64_MAX };
	struct zblk_mm_stat full, empty;
	char dst[96];
	int fd;

	snprintf(dst, sizeof(dst), "%s/tree", self->mnt);
	ASSERT_EQ(0, do_mount(self, NULL));
	ASSERT_EQ(0, tree_write(dst));
	sync();
	ASSERT_EQ(0, zblk_mm_stat(&self->z, &full));
	ASSERT_LE(tree.bytes, full.orig_data_size);

	ASSERT_EQ(0, nftw(dst, tree_remove_one, 16, FTW_DEPTH | FTW_PHYS));
	/* The blocks are free once the deletion is committed. */
	sync();
	fd = open(self->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, FITRIM, &range));
	close(fd);
	TH_LOG("FITRIM discarded %llu KiB", (unsigned long long)range.len >> 10);
	ASSERT_EQ(0, zblk_mm_stat(&self->z, &empty));
	TH_LOG("orig_data_size %lu KiB with the tree, %lu KiB without",
	       full.orig_data_size >> 10, empty.orig_data_size >> 10);
	ASSERT_GT(full.orig_data_size - tree.bytes * 3 / 4,
		  empty.orig_data_size);
	ASSERT_GT(full.compr_data_size, empty.compr_data_size);
}

TEST_HARNESS_MAIN
