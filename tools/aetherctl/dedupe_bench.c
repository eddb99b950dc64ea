// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_bench.c - aetherctl dedupe bench: aether_dedupe against KSM
 *
 *   aetherctl dedupe bench --corpus FILE [--procs N] [--dup-pages N]
 *			    [--unique-pages N] [--pages-to-scan N]
 *			    [--sleep-ms N] [--timeout S] [--rounds N] [--json]
 *
 * Same boot, same pages.  KSM cannot see PFN-mapped regions, so each side
 * gets its own copies of exactly the same contents: aether_dedupe on
 * SHARED MERGEABLE regions, KSM on private anonymous memory with
 * MADV_MERGEABLE (and MADV_NOHUGEPAGE: a THP is never merged, so KSM
 * would first have to split it).
 *
 * The data: the distinct pages of a corpus of real files (the job,
 * scripts/box/jobs/bench.sh, puts the box's own modules, programs and
 * text into a file on tmpfs), zero-filled pages and repeats left out, so
 * that the duplicate fraction is exact.  --procs processes each map
 * --dup-pages pages that every one of them holds (the same corpus pages,
 * in the same order) and --unique-pages pages no other holds.  A full
 * merge then leaves dup-pages shared frames (more when --procs exceeds
 * max_page_sharing: a chain) and
 *
 *	pages_sharing = dup-pages * (procs - frames per content)
 *
 * which is what each side must reach ("expected").
 *
 * Each round runs both sides, in alternating order (aether_dedupe first
 * in even rounds, KSM first in odd ones).  A side: unmerge everything
 * (run = 2), set the same knobs on both (pages_to_scan, sleep_millisecs,
 * max_page_sharing, smart_scan as KSM has it, 0 on a KSM without it;
 * use_zero_pages 0; aether's advisor off), start the processes, note the
 * scanner thread's CPU time (/proc/<pid>/schedstat of ksmd or
 * aether_ksmd, found by comm), set run = 1 and sample every --sample-ms:
 *
 *  converge	wall time from run = 1 to the first sample that shows the
 *		expected pages_sharing (or to --timeout, or to the scanner
 *		settling: three full scans without a new merge)
 *  CPU/page	the scanner thread's CPU time over that span, per page
 *		merged (pages_sharing)
 *  scans	full_scans and pages_scanned over that span (KSM counts
 *		pages_scanned since 6.5; on 6.1 only aether's is shown),
 *		which tell whether both really scanned at the same rate;
 *		and aether's 4 KiB hashes over that span (debugfs
 *		pages_hashed, root's; none shown where it is not there)
 *  COW		with the scanner stopped (run = 0, merges kept), each
 *		process in turn reads every page (mapping the merged frame
 *		read-only, as KSM's pages are already mapped) and then
 *		writes one byte of each of its duplicate pages: the
 *		process's CPU time (CLOCK_THREAD_CPUTIME_ID) per write, each
 *		a copy-on-write fault.  Every page is checked before (merged
 *		content intact) and after (the write landed, nothing else
 *		changed)
 *
 * Then, with the scanner stopped, DEDUPE_RANGE (AETHER_MM_IOC_REGION_DEDUPE)
 * on one region that holds every process's pages back to back: pages per
 * second and MiB per second over the range, the pages it merged and the
 * bytes it saved; KSM has no such call.
 *
 * The report: each side's median over the rounds and the median of the
 * per-round ratios aether_dedupe / KSM (below 1: aether cheaper or
 * faster; pages merged: 1 is right), with the lowest and highest of the
 * rounds' ratios (a loaded host spreads them), and the ratio of each
 * side's best round (the host's preemption only adds time, so the lowest
 * round of a side is the one the host left alone: the figure a shared
 * host cannot move).  Nothing here is
 * asserted: a side that merges less than expected is reported, and so
 * marked.  Under software emulation only the ratios mean anything.
 * Needs root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/aether_dedupe.h>
#include <linux/aether_mm.h>
#include "aetherctl.h"

#define DB_PAGE		4096UL
#define DB_MAX_ROUNDS	15
#define DB_MAX_PROCS	64
#define DB_DEDUPE_DEV	"/dev/aether_dedupe"
#define DB_MM_DEV	"/dev/aether_mm"
#define DB_KSM		"/sys/kernel/mm/ksm/"

/* The two sides, in the order of their columns. */
enum { DB_AETHER, DB_KSM_SIDE, DB_SIDES };

static const char *const db_side_names[DB_SIDES] = { "aether_dedupe", "KSM" };
static const char *const db_scanners[DB_SIDES] = { "aether_ksmd", "ksmd" };

struct db_opts {
	const char *corpus;
	unsigned int procs;
	unsigned int dup;		/* pages every process holds */
	unsigned int uniq;		/* pages only one process holds */
	unsigned int pages_to_scan;
	unsigned int sleep_ms;
	unsigned int timeout_s;
	unsigned int sample_ms;
	unsigned int rounds;
	bool json;
};

/* The pages: dup[] for everyone, then procs * uniq of one owner each. */
struct db_data {
	char *pages;		/* (dup + procs * uniq) distinct pages */
	size_t distinct;	/* distinct non-zero pages in the corpus */
	size_t corpus_pages;
};

/* What one side measured in one round. */
struct db_side_result {
	bool done;
	bool converged;
	__u64 merged;		/* pages_sharing when sampling stopped */
	__u64 shared;		/* pages_shared then */
	__u64 converge_ns;
	__u64 cpu_ns;		/* the scanner's CPU time over converge_ns */
	__u64 full_scans;
	__u64 scanned;		/* pages_scanned over converge_ns */
	__u64 hashed;		/* aether's pages_hashed over converge_ns */
	__u64 cow_ns;
	__u64 cow_pages;
	__u64 bad_pages;	/* pages whose content was wrong */
};

/* DEDUPE_RANGE on one region of everything. */
struct db_range_result {
	bool done;
	int err;
	__u64 pages;
	__u64 scanned;
	__u64 merged;
	__s64 saved;
	__u64 ns;
	__u64 bad_pages;
};

/* What a child sends back: after setting up, and after the COW step. */
struct db_msg {
	__s64 status;		/* 0 or -errno */
	__u64 ns;
	__u64 pages;
	__u64 bad;
};

struct db_child {
	pid_t pid;
	int cmd;		/* parent -> child */
	int res;		/* child -> parent */
};

/* How to run the scanner of one side, and read what it did. */
struct db_counts {
	__u64 sharing;
	__u64 shared;
	__u64 full_scans;
	__u64 scanned;		/* pages_scanned; 0 on a KSM without it */
	__u64 scan_ns;		/* aether's own figure; 0 for KSM */
	__u64 hashed;		/* aether's debugfs pages_hashed; 0 if none */
};

static __u64 db_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* This thread's CPU time: what a fault costs the process that takes it. */
static __u64 db_thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __s64 db_x1000(double v)
{
	return (__s64)(v * 1000 + (v < 0 ? -0.5 : 0.5));
}

/* ---- files ------------------------------------------------------------- */

static int db_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static int db_read_u64(const char *path, __u64 *v)
{
	unsigned long long x;
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu", &x) != 1)
		return -EIO;
	*v = x;
	return 0;
}

/* The pid of the kernel thread called @comm, or -1. */
static pid_t db_find_thread(const char *comm)
{
	char path[64], buf[32];
	struct dirent *d;
	pid_t pid = -1;
	DIR *dir;
	int fd;
	ssize_t n;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while (pid < 0 && (d = readdir(dir))) {
		int id = atoi(d->d_name);

		if (id <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", id);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, comm))
			pid = id;
	}
	closedir(dir);
	return pid;
}

/* CPU time of @pid in ns: schedstat's first field (sum_exec_runtime). */
static __u64 db_cpu_ns(pid_t pid)
{
	char path[64];
	__u64 v = 0;

	if (pid < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if (db_read_u64(path, &v))
		return 0;
	return v;
}

/* ---- KSM's sysfs ------------------------------------------------------- */

static int db_ksm_set(const char *name, unsigned long v)
{
	char path[96], text[32];
	__u64 now;
	int ret;

	snprintf(path, sizeof(path), DB_KSM "%s", name);
	/* max_page_sharing and merge_across_nodes refuse while merged. */
	if (!db_read_u64(path, &now) && now == v)
		return 0;
	snprintf(text, sizeof(text), "%lu", v);
	ret = db_write_file(path, text);
	if (ret)
		actl_errno(-ret, "writing %lu to %s", v, path);
	return ret;
}

static __u64 db_ksm_get(const char *name)
{
	char path[96];
	__u64 v = 0;

	snprintf(path, sizeof(path), DB_KSM "%s", name);
	db_read_u64(path, &v);
	return v;
}

static bool db_ksm_has(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), DB_KSM "%s", name);
	return !access(path, F_OK);
}

/* ---- aether_dedupe's device -------------------------------------------- */

static int db_aether_status(int dfd, struct aether_dedupe_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return actl_ioctl(dfd, AETHER_DEDUPE_IOC_STATUS, st,
			  "AETHER_DEDUPE_IOC_STATUS");
}

static int db_aether_set(int dfd, __u32 mask,
			 const struct aether_dedupe_knobs *k)
{
	struct aether_dedupe_set s = { .size = sizeof(s), .mask = mask };

	s.knobs = *k;
	return actl_ioctl(dfd, AETHER_DEDUPE_IOC_SET, &s,
			  "AETHER_DEDUPE_IOC_SET");
}

static int db_aether_run(int dfd, __u32 run)
{
	struct aether_dedupe_knobs k = { .run = run };

	return db_aether_set(dfd, AETHER_DEDUPE_SET_RUN, &k);
}

/* ---- the scanners, one interface --------------------------------------- */

static int db_run(int side, int dfd, unsigned int run)
{
	if (side == DB_AETHER)
		return db_aether_run(dfd, run);
	return db_ksm_set("run", run);
}

/* debugfs aether/dedupe/stats' pages_hashed, 0 when not there. */
static __u64 db_aether_hashed(void)
{
	FILE *f = fopen("/sys/kernel/debug/aether/dedupe/stats", "r");
	unsigned long long v = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "pages_hashed %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int db_counts(int side, int dfd, struct db_counts *c)
{
	struct aether_dedupe_status st;
	int ret;

	memset(c, 0, sizeof(*c));
	if (side == DB_KSM_SIDE) {
		c->sharing = db_ksm_get("pages_sharing");
		c->shared = db_ksm_get("pages_shared");
		c->full_scans = db_ksm_get("full_scans");
		c->scanned = db_ksm_get("pages_scanned");
		return 0;
	}
	ret = db_aether_status(dfd, &st);
	if (ret)
		return ret;
	c->sharing = st.counters.pages_sharing;
	c->shared = st.counters.pages_shared;
	c->full_scans = st.counters.full_scans;
	c->scanned = st.counters.pages_scanned;
	c->scan_ns = st.counters.scan_ns;
	c->hashed = db_aether_hashed();
	return 0;
}

/*
 * Unmerge everything and set the same knobs on both sides: KSM's
 * max_page_sharing and smart scan (off where KSM has none) on aether too.
 */
static int db_setup_scanner(int side, int dfd, const struct db_opts *o)
{
	struct aether_dedupe_knobs k = { 0 };
	struct aether_dedupe_status st;
	__u32 mask;
	int ret;

	ret = db_run(side, dfd, AETHER_DEDUPE_RUN_UNMERGE);
	if (ret)
		return ret;
	if (side == DB_KSM_SIDE) {
		ret = db_ksm_set("pages_to_scan", o->pages_to_scan);
		if (!ret)
			ret = db_ksm_set("sleep_millisecs", o->sleep_ms);
		if (!ret && db_ksm_has("use_zero_pages"))
			ret = db_ksm_set("use_zero_pages", 0);
		if (!ret && db_ksm_has("merge_across_nodes"))
			ret = db_ksm_set("merge_across_nodes", 1);
		return ret;
	}
	ret = db_aether_status(dfd, &st);
	if (ret)
		return ret;
	mask = AETHER_DEDUPE_SET_PAGES_TO_SCAN |
	       AETHER_DEDUPE_SET_SLEEP_MILLISECS |
	       AETHER_DEDUPE_SET_USE_ZERO_PAGES | AETHER_DEDUPE_SET_SMART_SCAN |
	       AETHER_DEDUPE_SET_ADVISOR_MODE;
	k.pages_to_scan = o->pages_to_scan;
	k.sleep_millisecs = o->sleep_ms;
	k.use_zero_pages = 0;
	k.smart_scan = db_ksm_has("smart_scan") ? db_ksm_get("smart_scan") : 0;
	k.advisor_mode = AETHER_DEDUPE_ADVISOR_NONE;
	/* These two refuse (-EBUSY) while anything is merged: only if new. */
	k.max_page_sharing = db_ksm_get("max_page_sharing");
	if (k.max_page_sharing &&
	    k.max_page_sharing != st.knobs.max_page_sharing)
		mask |= AETHER_DEDUPE_SET_MAX_PAGE_SHARING;
	k.merge_across_nodes = 1;
	if (st.knobs.merge_across_nodes != 1)
		mask |= AETHER_DEDUPE_SET_MERGE_ACROSS_NODES;
	return db_aether_set(dfd, mask, &k);
}

/* ---- the data ---------------------------------------------------------- */

/* FNV-1a over 8-byte words. */
static __u64 db_hash(const char *p)
{
	__u64 h = 0xcbf29ce484222325ULL, w;
	size_t i;

	for (i = 0; i < DB_PAGE; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h;
}

static bool db_zero(const char *p)
{
	size_t i;

	for (i = 0; i < DB_PAGE; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Keep the distinct non-zero pages of the corpus, in order, until @want;
 * an open-addressing table of page indexes by hash finds the repeats.
 */
static int db_load(const char *path, size_t want, struct db_data *z)
{
	size_t n = 0, pages, slots, i, s, kept = 0;
	__u64 *hashes;
	char *corpus;
	struct stat st;
	long *table;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		actl_errno(errno, "corpus %s", path);
		return -1;
	}
	pages = (size_t)st.st_size / DB_PAGE;
	corpus = malloc(pages * DB_PAGE + 1);
	z->pages = malloc(want * DB_PAGE);
	slots = 2 * pages + 1;
	table = malloc(slots * sizeof(*table));
	hashes = malloc(slots * sizeof(*hashes));
	if (!corpus || !z->pages || !table || !hashes) {
		actl_err("out of memory for a corpus of %zu pages", pages);
		close(fd);
		free(corpus);
		free(table);
		free(hashes);
		return -1;
	}
	while (n < pages * DB_PAGE &&
	       (r = read(fd, corpus + n, pages * DB_PAGE - n)) > 0)
		n += r;
	close(fd);
	pages = n / DB_PAGE;
	for (s = 0; s < slots; s++)
		table[s] = -1;
	for (i = 0; i < pages; i++) {
		const char *p = corpus + i * DB_PAGE;
		__u64 h;

		if (db_zero(p))
			continue;
		h = db_hash(p);
		for (s = h % slots; table[s] >= 0; s = (s + 1) % slots)
			if (hashes[s] == h &&
			    !memcmp(corpus + table[s] * DB_PAGE, p, DB_PAGE))
				break;
		if (table[s] >= 0)
			continue;	/* a repeat */
		table[s] = i;
		hashes[s] = h;
		if (kept < want)
			memcpy(z->pages + kept * DB_PAGE, p, DB_PAGE);
		kept++;
	}
	z->distinct = kept;
	z->corpus_pages = pages;
	free(corpus);
	free(table);
	free(hashes);
	if (kept < want) {
		actl_err("corpus %s: %zu distinct non-zero pages of %zu, %zu needed (a bigger corpus, or fewer pages)",
			 path, kept, pages, want);
		return -1;
	}
	return 0;
}

/* Page @j of process @idx's copy. */
static const char *db_page(const struct db_data *z, const struct db_opts *o,
			   unsigned int idx, size_t j)
{
	if (j < o->dup)
		return z->pages + j * DB_PAGE;
	return z->pages + (o->dup + (size_t)idx * o->uniq + (j - o->dup)) *
			  DB_PAGE;
}

/* pages_sharing of a full merge (see the top). */
static __u64 db_expected(const struct db_opts *o, __u64 max_sharing)
{
	__u64 frames = 1;

	if (max_sharing >= 2)
		frames = (o->procs + max_sharing - 1) / max_sharing;
	return (__u64)o->dup * (o->procs - frames);
}

/* ---- the processes ----------------------------------------------------- */

/* A MERGEABLE SHARED region of @len bytes, mapped; its fd in @rfd. */
static char *db_region(size_t len, int *rfd)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_SHARED | AETHER_MM_REGION_MERGEABLE |
			 AETHER_MM_REGION_CLOEXEC,
		.length = len,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};
	int mfd, err;
	char *p;

	mfd = open(DB_MM_DEV, O_RDWR | O_CLOEXEC);
	if (mfd < 0)
		return NULL;
	if (ioctl(mfd, AETHER_MM_IOC_REGION_CREATE, &c)) {
		err = errno;
		close(mfd);
		errno = err;
		return NULL;
	}
	close(mfd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	if (p == MAP_FAILED) {
		err = errno;
		close(c.fd);
		errno = err;
		return NULL;
	}
	*rfd = c.fd;
	return p;
}

/* Private anonymous memory for KSM: no THP, MADV_MERGEABLE. */
static char *db_anon(size_t len)
{
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_NOHUGEPAGE))
		return NULL;
	return p;
}

/* Pages of @p (@n of them, process @idx's) that differ from the data. */
static __u64 db_check(const char *p, size_t n, const struct db_data *z,
		      const struct db_opts *o, unsigned int idx, size_t written)
{
	char want[DB_PAGE];
	__u64 bad = 0;
	size_t j;

	for (j = 0; j < n; j++) {
		memcpy(want, db_page(z, o, idx, j), DB_PAGE);
		if (j < written)
			want[0] ^= 0x5a;
		if (memcmp(p + j * DB_PAGE, want, DB_PAGE))
			bad++;
	}
	return bad;
}

static void db_send(int fd, const struct db_msg *m)
{
	if (write(fd, m, sizeof(*m)) != sizeof(*m))
		_exit(3);
}

/*
 * A child: map its copy on @side, report ready, then on 'w' time the
 * writes to its duplicate pages (the COW step), on 'q' (or EOF) exit.
 */
static void __attribute__((__noreturn__))
db_child_main(int side, unsigned int idx, const struct db_data *z,
	      const struct db_opts *o, int cmd, int res)
{
	size_t n = o->dup + o->uniq, j;
	volatile char *v;
	struct db_msg m = { 0 };
	int rfd = -1;
	char *p, c;
	__u64 t0;

	p = side == DB_AETHER ? db_region(n * DB_PAGE, &rfd) :
				db_anon(n * DB_PAGE);
	if (!p) {
		m.status = -errno;
		db_send(res, &m);
		_exit(2);
	}
	for (j = 0; j < n; j++)
		memcpy(p + j * DB_PAGE, db_page(z, o, idx, j), DB_PAGE);
	if (side == DB_KSM_SIDE && madvise(p, n * DB_PAGE, MADV_MERGEABLE))
		m.status = -errno;
	db_send(res, &m);
	while (read(cmd, &c, 1) == 1 && c == 'w') {
		m.bad = db_check(p, n, z, o, idx, 0);
		v = p;
		for (j = 0; j < n; j++)
			(void)v[j * DB_PAGE];
		t0 = db_thread_ns();
		for (j = 0; j < o->dup; j++)
			v[j * DB_PAGE] ^= 0x5a;
		m.ns = db_thread_ns() - t0;
		m.pages = o->dup;
		m.bad += db_check(p, n, z, o, idx, o->dup);
		db_send(res, &m);
	}
	_exit(0);
}

static void db_children_end(struct db_child *ch, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (ch[i].cmd >= 0) {
			if (write(ch[i].cmd, "q", 1) != 1)
				actl_err("process %u is gone", i);
			close(ch[i].cmd);	/* and EOF: the child exits */
		}
		if (ch[i].res >= 0)
			close(ch[i].res);
	}
	for (i = 0; i < n; i++)
		if (ch[i].pid > 0)
			waitpid(ch[i].pid, NULL, 0);
}

static int db_recv(const struct db_child *ch, struct db_msg *m)
{
	if (read(ch->res, m, sizeof(*m)) != sizeof(*m))
		return -EIO;
	return (int)m->status;
}

/* Start the processes of @side; each has its copy when this returns. */
static int db_children_start(int side, const struct db_data *z,
			     const struct db_opts *o, struct db_child *ch)
{
	struct db_msg m;
	unsigned int i;
	int cp[2], rp[2], ret = 0;

	for (i = 0; i < o->procs; i++)
		ch[i] = (struct db_child){ .pid = -1, .cmd = -1, .res = -1 };
	fflush(NULL);
	for (i = 0; i < o->procs && !ret; i++) {
		if (pipe2(cp, O_CLOEXEC))
			return -errno;
		if (pipe2(rp, O_CLOEXEC)) {
			close(cp[0]);
			close(cp[1]);
			return -errno;
		}
		ch[i].pid = fork();
		if (!ch[i].pid) {
			unsigned int k;

			/* The others' ends: their EOF must not wait for us. */
			for (k = 0; k < i; k++) {
				close(ch[k].cmd);
				close(ch[k].res);
			}
			close(cp[1]);
			close(rp[0]);
			db_child_main(side, i, z, o, cp[0], rp[1]);
		}
		close(cp[0]);
		close(rp[1]);
		ch[i].cmd = cp[1];
		ch[i].res = rp[0];
		if (ch[i].pid < 0)
			ret = -errno;
	}
	for (i = 0; i < o->procs && !ret; i++) {
		ret = db_recv(&ch[i], &m);
		if (ret)
			actl_errno(-ret, "%s: process %u could not map its copy",
				   db_side_names[side], i);
	}
	return ret;
}

/* The COW step: each process in turn, scanner stopped. */
static int db_cow(const struct db_child *ch, const struct db_opts *o,
		  struct db_side_result *r)
{
	struct db_msg m;
	unsigned int i;
	int ret;

	for (i = 0; i < o->procs; i++) {
		if (write(ch[i].cmd, "w", 1) != 1)
			return -EIO;
		ret = db_recv(&ch[i], &m);
		if (ret)
			return ret;
		r->cow_ns += m.ns;
		r->cow_pages += m.pages;
		r->bad_pages += m.bad;
	}
	return 0;
}

/* ---- one side ---------------------------------------------------------- */

/*
 * Run the scanner until the expected merges, --timeout, or three full
 * scans without a new merge; sample as it goes.
 */
static int db_converge(int side, int dfd, const struct db_opts *o,
		       __u64 expected, pid_t scanner, struct db_side_result *r)
{
	struct timespec nap = {
		.tv_sec = o->sample_ms / 1000,
		.tv_nsec = (long)(o->sample_ms % 1000) * 1000000L,
	};
	__u64 t0, cpu0, now, scans_at_last = 0, last = 0;
	struct db_counts base, c;
	int ret;

	ret = db_counts(side, dfd, &base);
	if (ret)
		return ret;
	cpu0 = scanner > 0 ? db_cpu_ns(scanner) : base.scan_ns;
	t0 = db_now();
	ret = db_run(side, dfd, AETHER_DEDUPE_RUN_MERGE);
	if (ret)
		return ret;
	for (;;) {
		nanosleep(&nap, NULL);
		ret = db_counts(side, dfd, &c);
		now = db_now();
		if (ret)
			break;
		r->merged = c.sharing - base.sharing;
		r->shared = c.shared - base.shared;
		r->full_scans = c.full_scans - base.full_scans;
		r->scanned = c.scanned - base.scanned;
		r->hashed = c.hashed - base.hashed;
		r->converge_ns = now - t0;
		r->cpu_ns = (scanner > 0 ? db_cpu_ns(scanner) : c.scan_ns) - cpu0;
		if (r->merged >= expected) {
			r->converged = true;
			break;
		}
		if (now - t0 >= (__u64)o->timeout_s * 1000000000ULL)
			break;
		if (r->merged != last) {
			last = r->merged;
			scans_at_last = r->full_scans;
		} else if (r->full_scans >= scans_at_last + 3 &&
			   r->full_scans >= 5) {
			break;	/* settled below the expected figure */
		}
	}
	return db_run(side, dfd, AETHER_DEDUPE_RUN_STOP) ?: ret;
}

static int db_side(int side, int dfd, const struct db_data *z,
		   const struct db_opts *o, __u64 expected,
		   struct db_side_result *r)
{
	struct db_child ch[DB_MAX_PROCS];
	pid_t scanner;
	int ret;

	memset(r, 0, sizeof(*r));
	scanner = db_find_thread(db_scanners[side]);
	if (scanner < 0 && side == DB_KSM_SIDE) {
		actl_err("no ksmd thread: is the kernel built without KSM?");
		return -ENOENT;
	}
	if (scanner < 0)
		actl_err("no %s thread: its CPU time is the engine's scan_ns",
			 db_scanners[side]);
	ret = db_setup_scanner(side, dfd, o);
	if (ret)
		return ret;
	ret = db_children_start(side, z, o, ch);
	if (!ret)
		ret = db_converge(side, dfd, o, expected, scanner, r);
	if (!ret)
		ret = db_cow(ch, o, r);
	/* Unmerge before the processes go: "echo 2 > run" between runs. */
	if (db_run(side, dfd, AETHER_DEDUPE_RUN_UNMERGE) && !ret)
		ret = -EIO;
	db_children_end(ch, o->procs);
	r->done = !ret;
	return ret;
}

/* ---- DEDUPE_RANGE ------------------------------------------------------ */

static void db_range(const struct db_data *z, const struct db_opts *o,
		     struct db_range_result *rr)
{
	size_t per = o->dup + o->uniq, len = o->procs * per * DB_PAGE, j;
	struct aether_mm_region_dedupe d = { .size = sizeof(d) };
	unsigned int i;
	int rfd = -1;
	__u64 t0;
	char *p;

	memset(rr, 0, sizeof(*rr));
	p = db_region(len, &rfd);
	if (!p) {
		rr->err = -errno;
		return;
	}
	for (i = 0; i < o->procs; i++)
		for (j = 0; j < per; j++)
			memcpy(p + (i * per + j) * DB_PAGE,
			       db_page(z, o, i, j), DB_PAGE);
	d.offset = 0;
	d.length = len;
	t0 = db_now();
	if (ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, &d))
		rr->err = -errno;
	rr->ns = db_now() - t0;
	rr->pages = len / DB_PAGE;
	rr->scanned = d.scanned;
	rr->merged = d.merged;
	rr->saved = d.saved;
	for (i = 0; i < o->procs; i++)
		rr->bad_pages += db_check(p + i * per * DB_PAGE, per, z, o, i, 0);
	munmap(p, len);
	close(rfd);
	rr->done = !rr->err;
}

/* ---- the report -------------------------------------------------------- */

static int db_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double db_median(const double *v, unsigned int n)
{
	double s[DB_MAX_ROUNDS];

	if (!n)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), db_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* " (lowest-highest of N rounds)" after a median ratio. */
static const char *db_spread(double lo, double hi, unsigned int n)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), " (%.3f-%.3f of %u rounds)", lo, hi, n);
	return buf;
}

/* The figures of the report's rows, from one side's result. */
enum { DB_ROW_MERGED, DB_ROW_CONVERGE, DB_ROW_CPU, DB_ROW_COW, DB_ROW_SCANS,
	DB_ROW_SCANNED, DB_ROWS };

static const char *const db_row_names[DB_ROWS] = {
	"pages merged", "converge ms", "scanner CPU ns/merged page",
	"COW CPU ns/page", "full scans", "pages scanned",
};

static double db_figure(const struct db_side_result *r, int row)
{
	switch (row) {
	case DB_ROW_MERGED:
		return r->merged;
	case DB_ROW_CONVERGE:
		return r->converge_ns / 1e6;
	case DB_ROW_CPU:
		return r->merged ? (double)r->cpu_ns / r->merged : 0;
	case DB_ROW_COW:
		return r->cow_pages ? (double)r->cow_ns / r->cow_pages : 0;
	case DB_ROW_SCANS:
		return r->full_scans;
	default:
		return r->scanned;
	}
}

static void db_report_range(const struct db_range_result *rr,
			    unsigned int rounds, bool json)
{
	double pps[DB_MAX_ROUNDS], mibs[DB_MAX_ROUNDS], p, m;
	const struct db_range_result *last = NULL;
	struct actl_out *t;
	unsigned int i, n = 0;

	for (i = 0; i < rounds; i++) {
		if (!rr[i].done)
			continue;
		last = &rr[i];
		pps[n] = rr[i].ns ? rr[i].scanned * 1e9 / rr[i].ns : 0;
		mibs[n++] = rr[i].ns ? rr[i].scanned * (double)DB_PAGE /
				       (1 << 20) / (rr[i].ns / 1e9) : 0;
	}
	if (!last)
		return;
	p = db_median(pps, n);
	m = db_median(mibs, n);
	t = out_kv("dedupe_range",
		   "DEDUPE_RANGE on one region of every process's pages, scanner stopped (medians)");
	out_key(t, "pages", "pages in the range");
	out_u64(t, last->pages);
	out_key(t, "scanned", "pages scanned");
	out_u64(t, last->scanned);
	out_key(t, "merged", "pages merged");
	out_u64(t, last->merged);
	out_key(t, "saved_bytes", "bytes saved");
	out_s64(t, last->saved);
	out_key(t, "pages_per_s", "pages/s");
	out_x1000(t, db_x1000(p));
	out_key(t, "mib_per_s", "MiB/s");
	out_x1000(t, db_x1000(m));
	out_key(t, "bad_pages", "pages with wrong content");
	out_u64(t, last->bad_pages);
	out_flush(t);
	if (json)
		fprintf(stderr, "%-28s %llu pages, merged %llu, saved %lld bytes, %.0f pages/s, %.3f MiB/s\n",
			"DEDUPE_RANGE", (unsigned long long)last->scanned,
			(unsigned long long)last->merged,
			(long long)last->saved, p, m);
}

/* Every round of every side, for a look at the spread. */
static void db_report_rounds(const struct db_opts *o,
			     struct db_side_result res[][DB_SIDES])
{
	struct actl_out *t;
	unsigned int i, s;

	t = out_table("dedupe_rounds", "each round (wall and CPU in ms)");
	out_col(t, "round", "round");
	out_col(t, "side", "side");
	out_col(t, "converged", "converged");
	out_col(t, "merged", "merged");
	out_col(t, "shared", "shared");
	out_col(t, "converge_ms", "converge");
	out_col(t, "cpu_ms", "CPU");
	out_col(t, "full_scans", "full scans");
	out_col(t, "scanned", "scanned");
	out_col(t, "hashed", "hashed");
	out_col(t, "cow_ns", "COW ns/page");
	out_col(t, "bad_pages", "bad pages");
	for (i = 0; i < o->rounds; i++) {
		for (s = 0; s < DB_SIDES; s++) {
			const struct db_side_result *r = &res[i][s];

			if (!r->done)
				continue;
			out_row(t);
			out_u64(t, i);
			out_str(t, db_side_names[s]);
			out_str(t, r->converged ? "yes" : "no");
			out_u64(t, r->merged);
			out_u64(t, r->shared);
			out_x1000(t, db_x1000(r->converge_ns / 1e6));
			out_x1000(t, db_x1000(r->cpu_ns / 1e6));
			out_u64(t, r->full_scans);
			out_u64(t, r->scanned);
			out_u64(t, r->hashed);
			out_u64(t, r->cow_pages ? r->cow_ns / r->cow_pages : 0);
			out_u64(t, r->bad_pages);
		}
	}
	out_flush(t);
}

static void db_report(const struct db_opts *o, const struct db_data *z,
		      struct db_side_result res[][DB_SIDES],
		      const struct db_range_result *rr, __u64 expected,
		      bool have_aether)
{
	struct actl_ctx ctx = { .json = o->json };
	double v[DB_SIDES][DB_MAX_ROUNDS], ratio[DB_MAX_ROUNDS], med[DB_SIDES];
	double best[DB_SIDES], lo, hi, best_ratio;
	unsigned int row, s, i, n;
	__u64 bad[DB_SIDES] = { 0 };
	bool conv[DB_SIDES] = { true, true };
	struct actl_out *t;

	out_begin(&ctx);
	t = out_table("dedupe_bench",
		      "aether_dedupe against KSM, same pages, same scan rate (medians; ratio aether/KSM: below 1 is cheaper or faster, pages merged: 1)");
	out_col(t, "name", "figure");
	out_col(t, "expected", "expected");
	out_col(t, "aether", "aether_dedupe");
	out_col(t, "ksm", "KSM");
	out_col(t, "ratio", "ratio");
	out_col(t, "ratio_min", "lowest");
	out_col(t, "ratio_max", "highest");
	out_col(t, "ratio_best", "best/best");
	for (row = 0; row < DB_ROWS; row++) {
		/* 6.1's KSM has no pages_scanned (6.5 added it). */
		if (row == DB_ROW_SCANNED && !db_ksm_has("pages_scanned"))
			continue;
		n = 0;
		for (i = 0; i < o->rounds; i++) {
			if (!res[i][DB_KSM_SIDE].done ||
			    (have_aether && !res[i][DB_AETHER].done))
				continue;
			for (s = 0; s < DB_SIDES; s++)
				v[s][n] = db_figure(&res[i][s], row);
			ratio[n] = v[DB_KSM_SIDE][n] ?
				   v[DB_AETHER][n] / v[DB_KSM_SIDE][n] : 0;
			n++;
		}
		if (!n)
			break;
		for (s = 0; s < DB_SIDES; s++)
			med[s] = db_median(v[s], n);
		out_row(t);
		out_str(t, db_row_names[row]);
		if (row == DB_ROW_MERGED)
			out_u64(t, expected);
		else
			out_str(t, "-");
		if (have_aether)
			out_x1000(t, db_x1000(med[DB_AETHER]));
		else
			out_str(t, "-");
		out_x1000(t, db_x1000(med[DB_KSM_SIDE]));
		/* The spread: the lowest and highest of the rounds' ratios. */
		lo = ratio[0];
		hi = ratio[0];
		for (i = 1; i < n; i++) {
			lo = ratio[i] < lo ? ratio[i] : lo;
			hi = ratio[i] > hi ? ratio[i] : hi;
		}
		/*
		 * Each side's best round: a vCPU the host preempts only adds
		 * to a time, so the lowest is the one the host left alone.
		 */
		for (s = 0; s < DB_SIDES; s++) {
			best[s] = v[s][0];
			for (i = 1; i < n; i++)
				best[s] = v[s][i] < best[s] ? v[s][i] : best[s];
		}
		best_ratio = best[DB_KSM_SIDE] ?
			     best[DB_AETHER] / best[DB_KSM_SIDE] : 0;
		if (have_aether) {
			out_x1000(t, db_x1000(db_median(ratio, n)));
			out_x1000(t, db_x1000(lo));
			out_x1000(t, db_x1000(hi));
			out_x1000(t, db_x1000(best_ratio));
		} else {
			out_str(t, "-");
			out_str(t, "-");
			out_str(t, "-");
			out_str(t, "-");
		}
		if (o->json && have_aether)
			fprintf(stderr, "%-28s aether %12.1f  KSM %12.1f  ratio %.3f%s; best/best %.3f\n",
				db_row_names[row], med[DB_AETHER],
				med[DB_KSM_SIDE], db_median(ratio, n),
				db_spread(lo, hi, n), best_ratio);
		else if (o->json)
			fprintf(stderr, "%-28s KSM %12.1f\n", db_row_names[row],
				med[DB_KSM_SIDE]);
	}
	out_flush(t);
	if (have_aether)
		db_report_range(rr, o->rounds, o->json);
	db_report_rounds(o, res);
	for (i = 0; i < o->rounds; i++) {
		for (s = 0; s < DB_SIDES; s++) {
			if (!res[i][s].done)
				continue;
			bad[s] += res[i][s].bad_pages;
			conv[s] &= res[i][s].converged;
		}
	}
	for (s = 0; s < DB_SIDES; s++) {
		if (s == DB_AETHER && !have_aether)
			continue;
		if (!conv[s])
			out_note("%s did not reach the expected %llu pages_sharing in every round (timeout %u s, or three full scans without a merge)",
				 db_side_names[s], (unsigned long long)expected,
				 o->timeout_s);
		if (bad[s])
			out_note("%s: %llu pages read back wrong (merged content or a COW write)",
				 db_side_names[s], (unsigned long long)bad[s]);
	}
	if (have_aether && !db_ksm_has("pages_scanned")) {
		double sc[DB_MAX_ROUNDS];

		for (i = 0, n = 0; i < o->rounds; i++)
			if (res[i][DB_AETHER].done)
				sc[n++] = res[i][DB_AETHER].scanned;
		out_note("aether_dedupe scanned %.0f pages to converge (median); this KSM does not count them (pages_scanned came in 6.5)",
			 db_median(sc, n));
	}
	if (have_aether) {
		double hs[DB_MAX_ROUNDS];

		for (i = 0, n = 0; i < o->rounds; i++)
			if (res[i][DB_AETHER].done)
				hs[n++] = res[i][DB_AETHER].hashed;
		if (n && db_median(hs, n) > 0)
			out_note("aether_dedupe hashed %.0f pages to converge (median; debugfs pages_hashed)",
				 db_median(hs, n));
	}
	if (!have_aether)
		out_note("aether_dedupe is not loaded (no %s): KSM's side only, no ratios",
			 DB_DEDUPE_DEV);
	out_note("%u processes x (%u shared + %u unique) pages = %llu KiB; duplicate fraction %.3f; corpus %zu pages, %zu distinct non-zero",
		 o->procs, o->dup, o->uniq,
		 (unsigned long long)o->procs * (o->dup + o->uniq) * DB_PAGE >> 10,
		 (double)expected / ((double)o->procs * (o->dup + o->uniq)),
		 z->corpus_pages, z->distinct);
	out_note("pages_to_scan %u, sleep_millisecs %u, max_page_sharing %llu, smart_scan %llu (both sides), %u rounds",
		 o->pages_to_scan, o->sleep_ms,
		 (unsigned long long)db_ksm_get("max_page_sharing"),
		 (unsigned long long)(db_ksm_has("smart_scan") ?
				      db_ksm_get("smart_scan") : 0),
		 o->rounds);
	out_end();
}

/* ---- the command ------------------------------------------------------- */

static int db_parse(int argc, char **argv, struct db_opts *o)
{
	static const struct option longopts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "procs", required_argument, NULL, 'p' },
		{ "dup-pages", required_argument, NULL, 'd' },
		{ "unique-pages", required_argument, NULL, 'u' },
		{ "pages-to-scan", required_argument, NULL, 'n' },
		{ "sleep-ms", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "sample-ms", required_argument, NULL, 'S' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long v;
	int c;

	*o = (struct db_opts){
		.procs = 4, .dup = 512, .uniq = 128, .pages_to_scan = 100,
		.sleep_ms = 20, .timeout_s = 120, .sample_ms = 25, .rounds = 1,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:d:u:n:s:t:S:r:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			o->corpus = optarg;
			break;
		case 'p':
			if (actl_parse_int("--procs", optarg, 2, DB_MAX_PROCS, &v))
				return ACTL_EXIT_USAGE;
			o->procs = v;
			break;
		case 'd':
			if (actl_parse_int("--dup-pages", optarg, 1, 1 << 18, &v))
				return ACTL_EXIT_USAGE;
			o->dup = v;
			break;
		case 'u':
			if (actl_parse_int("--unique-pages", optarg, 0, 1 << 18, &v))
				return ACTL_EXIT_USAGE;
			o->uniq = v;
			break;
		case 'n':
			if (actl_parse_int("--pages-to-scan", optarg, 1, 100000, &v))
				return ACTL_EXIT_USAGE;
			o->pages_to_scan = v;
			break;
		case 's':
			if (actl_parse_int("--sleep-ms", optarg, 0, 60000, &v))
				return ACTL_EXIT_USAGE;
			o->sleep_ms = v;
			break;
		case 't':
			if (actl_parse_int("--timeout", optarg, 1, 3600, &v))
				return ACTL_EXIT_USAGE;
			o->timeout_s = v;
			break;
		case 'S':
			if (actl_parse_int("--sample-ms", optarg, 1, 10000, &v))
				return ACTL_EXIT_USAGE;
			o->sample_ms = v;
			break;
		case 'r':
			if (actl_parse_int("--rounds", optarg, 1, DB_MAX_ROUNDS, &v))
				return ACTL_EXIT_USAGE;
			o->rounds = v;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			printf("usage: aetherctl dedupe bench --corpus FILE [--procs N] [--dup-pages N] [--unique-pages N]\n"
			       "\t[--pages-to-scan N] [--sleep-ms N] [--timeout S] [--sample-ms N] [--rounds N] [--json]\n");
			return ACTL_EXIT_OK;
		default:
			return ACTL_EXIT_USAGE;
		}
	}
	if (!o->corpus || optind != argc) {
		actl_err("dedupe bench: --corpus FILE is needed, and nothing else");
		return ACTL_EXIT_USAGE;
	}
	return -1;
}

int actl_dedupe_bench(int argc, char **argv)
{
	struct db_side_result res[DB_MAX_ROUNDS][DB_SIDES] = { 0 };
	struct db_range_result rr[DB_MAX_ROUNDS] = { 0 };
	struct db_data z = { 0 };
	bool have_aether;
	unsigned int i, s, side;
	__u64 expected;
	struct db_opts o;
	int ret, err = 0, dfd;

	ret = db_parse(argc, argv, &o);
	if (ret >= 0)
		return ret;
	signal(SIGPIPE, SIG_IGN);	/* a child gone is an error, not death */
	if (!db_ksm_has("run")) {
		actl_err("no %s: the kernel has no KSM to compare with",
			 DB_KSM);
		return ACTL_EXIT_ERR;
	}
	if (db_load(o.corpus, o.dup + (size_t)o.procs * o.uniq, &z))
		return ACTL_EXIT_ERR;
	expected = db_expected(&o, db_ksm_get("max_page_sharing"));
	dfd = open(DB_DEDUPE_DEV, O_RDWR | O_CLOEXEC);
	have_aether = dfd >= 0;
	if (!have_aether && errno != ENOENT)
		actl_errno(errno, "cannot open %s", DB_DEDUPE_DEV);
	/* Neither scanner runs while the other side is measured. */
	err = db_run(DB_KSM_SIDE, dfd, AETHER_DEDUPE_RUN_UNMERGE);
	if (!err && have_aether)
		err = db_run(DB_AETHER, dfd, AETHER_DEDUPE_RUN_UNMERGE);
	for (i = 0; i < o.rounds && !err; i++) {
		for (s = 0; s < DB_SIDES && !err; s++) {
			side = (s + i) % DB_SIDES;
			if (side == DB_AETHER && !have_aether)
				continue;
			err = db_side(side, dfd, &z, &o, expected, &res[i][side]);
			if (err)
				actl_errno(-err, "%s side, round %u",
					   db_side_names[side], i);
		}
		if (!err && have_aether)
			db_range(&z, &o, &rr[i]);
		if (rr[i].err)
			actl_errno(-rr[i].err, "DEDUPE_RANGE, round %u", i);
	}
	db_ksm_set("run", 0);
	if (have_aether)
		close(dfd);
	db_report(&o, &z, res, rr, expected, have_aether);
	free(z.pages);
	return err ? ACTL_EXIT_ERR : ACTL_EXIT_OK;
}

const struct actl_alone_cmd actl_dedupe_bench_cmd = {
	.name = "bench",
	.run = actl_dedupe_bench,
	.args = "[options]  (see 'aetherctl dedupe bench --help')",
	.help = "aether_dedupe against KSM on the same pages (root)",
};
