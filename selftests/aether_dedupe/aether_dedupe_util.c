// SPDX-License-Identifier: GPL-2.0
/*
 * aether_dedupe_util.c - helpers shared by the aether_dedupe selftests
 *
 * See aether_dedupe_util.h.  Every helper returns 0 or -errno (or a value
 * the header names) and leaves the verdict to the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "aether_dedupe_util.h"

int adt_open(void)
{
	return aet_open(ADT_DEV);
}

int adt_status(int dfd, struct aether_dedupe_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return aet_ioctl(dfd, AETHER_DEDUPE_IOC_STATUS, st);
}

int adt_counters(int dfd, struct aether_dedupe_counters *c)
{
	struct aether_dedupe_status st;
	int ret = adt_status(dfd, &st);

	if (!ret)
		*c = st.counters;
	return ret;
}

int adt_knobs(int dfd, struct aether_dedupe_knobs *k)
{
	struct aether_dedupe_status st;
	int ret = adt_status(dfd, &st);

	if (!ret)
		*k = st.knobs;
	return ret;
}

int adt_set(int dfd, __u32 mask, const struct aether_dedupe_knobs *k)
{
	struct aether_dedupe_set s = {
		.size = sizeof(s),
		.mask = mask,
		.knobs = *k,
	};

	return aet_ioctl(dfd, AETHER_DEDUPE_IOC_SET, &s);
}

static const struct {
	__u32 bit;
	size_t off;
	const char *name;
} adt_knob_table[] = {
#define ADT_KNOB(bit, field) \
	{ AETHER_DEDUPE_SET_##bit, \
	  offsetof(struct aether_dedupe_knobs, field), #field }
	ADT_KNOB(RUN, run),
	ADT_KNOB(PAGES_TO_SCAN, pages_to_scan),
	ADT_KNOB(SLEEP_MILLISECS, sleep_millisecs),
	ADT_KNOB(MAX_PAGE_SHARING, max_page_sharing),
	ADT_KNOB(USE_ZERO_PAGES, use_zero_pages),
	ADT_KNOB(MERGE_ACROSS_NODES, merge_across_nodes),
	ADT_KNOB(SMART_SCAN, smart_scan),
	ADT_KNOB(ADVISOR_MODE, advisor_mode),
	ADT_KNOB(ADVISOR_TARGET, advisor_target_scan_time),
	ADT_KNOB(ADVISOR_MAX_CPU, advisor_max_cpu),
	ADT_KNOB(ADVISOR_MIN_PAGES, advisor_min_pages_to_scan),
	ADT_KNOB(ADVISOR_MAX_PAGES, advisor_max_pages_to_scan),
	ADT_KNOB(PRUNE_MILLISECS, stable_node_chains_prune_millisecs),
#undef ADT_KNOB
};

__u32 *adt_knob(struct aether_dedupe_knobs *k, __u32 bit)
{
	size_t i;

	for (i = 0; i < AEMT_ARRAY_SIZE(adt_knob_table); i++)
		if (adt_knob_table[i].bit == bit)
			return (__u32 *)((char *)k + adt_knob_table[i].off);
	return NULL;
}

const char *adt_knob_name(__u32 bit)
{
	size_t i;

	for (i = 0; i < AEMT_ARRAY_SIZE(adt_knob_table); i++)
		if (adt_knob_table[i].bit == bit)
			return adt_knob_table[i].name;
	return "?";
}

int adt_set1(int dfd, __u32 bit, __u32 val)
{
	struct aether_dedupe_knobs k;
	__u32 *f;

	memset(&k, 0, sizeof(k));
	f = adt_knob(&k, bit);
	if (!f)
		return -EINVAL;
	*f = val;
	return adt_set(dfd, bit, &k);
}

int adt_run(int dfd, __u32 run)
{
	return adt_set1(dfd, AETHER_DEDUPE_SET_RUN, run);
}

int adt_test_knobs(int dfd)
{
	struct aether_dedupe_knobs k = {
		.run = AETHER_DEDUPE_RUN_STOP,
		.pages_to_scan = ADT_TEST_PAGES_TO_SCAN,
		.sleep_millisecs = ADT_TEST_SLEEP_MS,
		.max_page_sharing = 256,
		.use_zero_pages = 0,
		.merge_across_nodes = 1,
		.smart_scan = 0,
		.advisor_mode = AETHER_DEDUPE_ADVISOR_NONE,
	};
	int ret = adt_run(dfd, AETHER_DEDUPE_RUN_UNMERGE);

	if (ret)
		return ret;
	return adt_set(dfd, AETHER_DEDUPE_SET_RUN |
		       AETHER_DEDUPE_SET_PAGES_TO_SCAN |
		       AETHER_DEDUPE_SET_SLEEP_MILLISECS |
		       AETHER_DEDUPE_SET_MAX_PAGE_SHARING |
		       AETHER_DEDUPE_SET_USE_ZERO_PAGES |
		       AETHER_DEDUPE_SET_MERGE_ACROSS_NODES |
		       AETHER_DEDUPE_SET_SMART_SCAN |
		       AETHER_DEDUPE_SET_ADVISOR_MODE, &k);
}

int adt_restore_knobs(int dfd, const struct aether_dedupe_knobs *k)
{
	struct aether_dedupe_knobs now = *k;
	int ret = adt_run(dfd, AETHER_DEDUPE_RUN_UNMERGE);

	if (ret)
		return ret;
	/* The advisor's pages_to_scan may not be settable: it sets it. */
	if (now.advisor_mode != AETHER_DEDUPE_ADVISOR_NONE) {
		ret = adt_set(dfd, AETHER_DEDUPE_SET_ALL &
			      ~AETHER_DEDUPE_SET_PAGES_TO_SCAN, &now);
		return ret;
	}
	/* Advisor off first, so that pages_to_scan is ours to set. */
	ret = adt_set(dfd, AETHER_DEDUPE_SET_ADVISOR_MODE, &now);
	return ret ? ret : adt_set(dfd, AETHER_DEDUPE_SET_ALL, &now);
}

int adt_set_domain(int dfd, int rfd, const char *name)
{
	struct aether_dedupe_domain d = {
		.size = sizeof(d),
		.region_fd = rfd,
	};

	/* A name of 32 bytes or more goes in unterminated: the test's. */
	memcpy(d.name, name, strnlen(name, sizeof(d.name)));
	return aet_ioctl(dfd, AETHER_DEDUPE_IOC_SET_DOMAIN, &d);
}

int adt_region_stats(int dfd, int rfd, struct aether_dedupe_region_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->region_fd = rfd;
	return aet_ioctl(dfd, AETHER_DEDUPE_IOC_REGION_STATS, st);
}

int adt_region_dedupe(int rfd, __u64 offset, __u64 length,
		      struct aether_mm_region_dedupe *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->offset = offset;
	d->length = length;
	return aet_ioctl(rfd, AETHER_MM_IOC_REGION_DEDUPE, d);
}

static double adt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int adt_wait(int dfd, bool (*cond)(void *arg), void *arg, unsigned int scans)
{
	struct aether_dedupe_counters c;
	__u64 start, last;
	double progress;
	int ret;

	ret = adt_counters(dfd, &c);
	if (ret)
		return ret;
	/* The pass under way may have seen the pages before they changed. */
	start = last = c.full_scans;
	progress = adt_now();
	for (;;) {
		if (cond && cond(arg))
			return 0;
		ret = adt_counters(dfd, &c);
		if (ret)
			return ret;
		if (c.full_scans >= start + scans + 1)
			return cond && !cond(arg) ? -ETIME : 0;
		if (c.full_scans != last) {
			last = c.full_scans;
			progress = adt_now();
		} else if (adt_now() - progress > ADT_STUCK_SECS) {
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
}

#define ADT_STR2(x)	#x
#define ADT_STR(x)	ADT_STR2(x)

const char *adt_wait_error(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ETIME:
		return "not so after the full scans allowed";
	case -ETIMEDOUT:
		return "the scanner finished no full scan in " ADT_STR(ADT_STUCK_SECS) " s";
	default:
		return strerror(-err);
	}
}

void adt_fill(void *page, size_t len, __u64 seed)
{
	if (seed == ADT_ZERO)
		memset(page, 0, len);
	else
		aemt_pattern(page, len, seed);
}

bool adt_holds(const void *page, size_t len, __u64 seed)
{
	unsigned char *want = malloc(len);
	bool same;

	if (!want)
		return false;
	adt_fill(want, len, seed);
	same = !memcmp(page, want, len);
	free(want);
	return same;
}

__u32 adt_crc(size_t len, __u64 seed)
{
	unsigned char *buf = malloc(len);
	__u32 crc;

	if (!buf)
		return 0;
	adt_fill(buf, len, seed);
	crc = aemt_crc32(buf, len);
	free(buf);
	return crc;
}

int adt_region_make_args(int mm, struct aether_mm_region_create *c,
			 struct adt_region *r)
{
	struct aether_mm_region_info ri;
	int ret;

	r->map = NULL;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->pages = c->length / r->page;
	r->fd = -1;
	ret = aemt_region_create(mm, c);
	if (ret)
		return ret;
	r->fd = c->fd;
	r->id = c->id;
	ret = aemt_region_info(r->fd, &ri);
	if (ret)
		return ret;
	r->map = aemt_region_map(r->fd, r->pages * r->page, PROT_READ | PROT_WRITE);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	return 0;
}

int adt_region_make(int mm, __u32 flags, size_t pages, struct adt_region *r)
{
	struct aether_mm_region_create c;

	aemt_region_args(&c, flags, pages * (size_t)sysconf(_SC_PAGESIZE));
	return adt_region_make_args(mm, &c, r);
}

void adt_region_drop(struct adt_region *r)
{
	if (r->map)
		munmap(r->map, r->pages * r->page);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

void adt_region_fill(struct adt_region *r, size_t i, __u64 seed)
{
	adt_fill(r->map + i * r->page, r->page, seed);
}

bool adt_region_holds(struct adt_region *r, size_t i, __u64 seed)
{
	return adt_holds(r->map + i * r->page, r->page, seed);
}

bool adt_region_crc_ok(struct adt_region *r, size_t i, __u64 seed)
{
	__u32 crc;

	if (aemt_region_checksum(r->fd, i * r->page, r->page, &crc))
		return false;
	return crc == adt_crc(r->page, seed);
}

int adt_region_query(struct adt_region *r, size_t i,
		     struct aether_mm_region_query *q)
{
	return aemt_region_query(r->fd, r->map + i * r->page, q);
}

__u64 adt_frame(struct adt_region *r, size_t i)
{
	struct aether_mm_region_query q;

	return adt_region_query(r, i, &q) ? 0 : q.frame_id;
}

__u32 adt_state(struct adt_region *r, size_t i)
{
	struct aether_mm_region_query q;

	return adt_region_query(r, i, &q) ? ~0U : q.state;
}

__u64 adt_resident(struct adt_region *r)
{
	struct aether_mm_region_info ri;

	return aemt_region_info(r->fd, &ri) ? ~0ULL : ri.resident;
}

/* ---- peers ------------------------------------------------------------- */

enum adt_peer_cmd {
	ADT_PEER_FRAMES = 1,
	ADT_PEER_STATES,
	ADT_PEER_FILL,
	ADT_PEER_VERIFY,
	ADT_PEER_DEDUPE,
	ADT_PEER_STATS,
};

/* What travels in each direction: a command and two values. */
struct adt_msg {
	__u64 cmd;
	__u64 a;
	__u64 b;
};

static int adt_put(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static int adt_get(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

struct adt_peer_child {
	struct adt_peer *p;
	int up, down;	/* the child's ends */
};

static int adt_peer_answer(struct adt_peer *p, struct adt_region *r, int up,
			   const struct adt_msg *m)
{
	struct aether_dedupe_region_stats st;
	struct aether_mm_region_dedupe d;
	__u64 v[ADT_PEER_MAX_PAGES];
	int ret = 0, dfd;
	size_t i;

	switch (m->cmd) {
	case ADT_PEER_FRAMES:
	case ADT_PEER_STATES:
		for (i = 0; i < p->pages; i++)
			v[i] = m->cmd == ADT_PEER_FRAMES ? adt_frame(r, i) :
							   adt_state(r, i);
		return adt_put(up, v, p->pages * sizeof(v[0]));
	case ADT_PEER_FILL:
		if (m->a >= p->pages)
			return -EINVAL;
		p->seeds[m->a] = m->b;
		adt_region_fill(r, m->a, m->b);
		v[0] = 0;
		return adt_put(up, v, sizeof(v[0]));
	case ADT_PEER_VERIFY:
		v[0] = 0;
		for (i = 0; i < p->pages; i++)
			v[0] += !adt_region_holds(r, i, p->seeds[i]) ||
				!adt_region_crc_ok(r, i, p->seeds[i]);
		return adt_put(up, v, sizeof(v[0]));
	case ADT_PEER_DEDUPE:
		ret = adt_region_dedupe(r->fd, 0, p->pages * r->page, &d);
		v[0] = (__u64)(__s64)ret;
		if (adt_put(up, v, sizeof(v[0])))
			return -EPIPE;
		return adt_put(up, &d, sizeof(d));
	case ADT_PEER_STATS:
		dfd = adt_open();
		ret = dfd < 0 ? dfd : adt_region_stats(dfd, r->fd, &st);
		if (dfd >= 0)
			close(dfd);
		v[0] = (__u64)(__s64)ret;
		if (adt_put(up, v, sizeof(v[0])))
			return -EPIPE;
		return adt_put(up, &st, sizeof(st));
	}
	return -EINVAL;
}

static int adt_peer_main(void *arg)
{
	struct adt_peer_child *pc = arg;
	struct adt_peer *p = pc->p;
	struct aether_mm_region_create c;
	struct adt_region r = { .fd = -1 };
	struct adt_msg m;
	int mm, ret, fd;
	size_t i;

	/* Another peer's pipe ends must not outlive it here: EOF ends it. */
	for (fd = 3; fd < 1024; fd++)
		if (fd != pc->up && fd != pc->down)
			close(fd);
	mm = aemt_open();
	if (mm < 0)
		return mm;
	aemt_region_args(&c, p->flags, p->pages * (size_t)sysconf(_SC_PAGESIZE));
	if (p->name[0])
		c.name = (__u64)(unsigned long)p->name;
	c.pol_mode = p->pol_mode;
	c.nodemask = p->nodemask;
	ret = adt_region_make_args(mm, &c, &r);
	if (ret)
		return ret;
	for (i = 0; i < p->pages; i++)
		adt_region_fill(&r, i, p->seeds[i]);
	ret = adt_put(pc->up, &r.id, sizeof(r.id));
	while (!ret) {
		if (adt_get(pc->down, &m, sizeof(m)))
			break;	/* the parent closed: the end */
		ret = adt_peer_answer(p, &r, pc->up, &m);
	}
	adt_region_drop(&r);
	close(mm);
	return ret;
}

static int adt_peer_fn(int fd, void *arg)
{
	(void)fd;
	return adt_peer_main(arg);
}

int adt_peer_start(struct adt_peer *p)
{
	struct adt_peer_child pc = { .p = p };
	int up[2], down[2], ret;

	p->pid = -1;
	p->up = p->down = -1;
	if (p->pages > ADT_PEER_MAX_PAGES)
		return -EINVAL;
	if (pipe2(up, O_CLOEXEC))
		return -errno;
	if (pipe2(down, O_CLOEXEC)) {
		ret = -errno;
		close(up[0]);
		close(up[1]);
		return ret;
	}
	pc.up = up[1];
	pc.down = down[0];
	if (p->user)
		p->pid = aet_start_as(p->user, adt_peer_main, &pc);
	else
		p->pid = aet_start(NULL, NULL, adt_peer_fn, -1, &pc);
	close(up[1]);
	close(down[0]);
	p->up = up[0];
	p->down = down[1];
	if (p->pid < 0)
		return -ECHILD;
	ret = adt_get(p->up, &p->id, sizeof(p->id));
	return ret ? -ECHILD : 0;
}

static int adt_peer_cmd(struct adt_peer *p, __u64 cmd, __u64 a, __u64 b)
{
	struct adt_msg m = { cmd, a, b };

	return adt_put(p->down, &m, sizeof(m));
}

static int adt_peer_values(struct adt_peer *p, __u64 cmd, __u64 *v)
{
	int ret = adt_peer_cmd(p, cmd, 0, 0);

	return ret ? ret : adt_get(p->up, v, p->pages * sizeof(*v));
}

int adt_peer_frames(struct adt_peer *p, __u64 *frames)
{
	return adt_peer_values(p, ADT_PEER_FRAMES, frames);
}

int adt_peer_states(struct adt_peer *p, __u32 *states)
{
	__u64 v[ADT_PEER_MAX_PAGES];
	size_t i;
	int ret;

	ret = adt_peer_values(p, ADT_PEER_STATES, v);
	for (i = 0; !ret && i < p->pages; i++)
		states[i] = (__u32)v[i];
	return ret;
}

int adt_peer_fill(struct adt_peer *p, size_t i, __u64 seed)
{
	__u64 ack;
	int ret = adt_peer_cmd(p, ADT_PEER_FILL, i, seed);

	if (!ret)
		ret = adt_get(p->up, &ack, sizeof(ack));
	if (!ret && i < p->pages)
		p->seeds[i] = seed;
	return ret;
}

int adt_peer_verify(struct adt_peer *p, __u64 *bad)
{
	int ret = adt_peer_cmd(p, ADT_PEER_VERIFY, 0, 0);

	return ret ? ret : adt_get(p->up, bad, sizeof(*bad));
}

/* A command answered by an errno, then a struct. */
static int adt_peer_call(struct adt_peer *p, __u64 cmd, void *out, size_t len)
{
	__u64 err;
	int ret = adt_peer_cmd(p, cmd, 0, 0);

	if (!ret)
		ret = adt_get(p->up, &err, sizeof(err));
	if (!ret)
		ret = adt_get(p->up, out, len);
	return ret ? ret : (int)(__s64)err;
}

int adt_peer_dedupe(struct adt_peer *p, struct aether_mm_region_dedupe *d)
{
	return adt_peer_call(p, ADT_PEER_DEDUPE, d, sizeof(*d));
}

int adt_peer_stats(struct adt_peer *p, struct aether_dedupe_region_stats *st)
{
	return adt_peer_call(p, ADT_PEER_STATS, st, sizeof(*st));
}

int adt_peer_stop(struct adt_peer *p)
{
	int ret;

	if (p->down >= 0)
		close(p->down);
	if (p->up >= 0)
		close(p->up);
	p->up = p->down = -1;
	if (p->pid <= 0)
		return -ECHILD;
	ret = aet_wait(p->pid);
	p->pid = -1;
	return ret;
}

/* ---- module and nodes ----------------------------------------------------- */

int adt_param_read(const char *name, char *buf, size_t len)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), ADT_PARAMS "/%s", name);
	ret = aet_read_file(path, buf, len);
	if (ret < 0)
		return ret;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int adt_param_write(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), ADT_PARAMS "/%s", name);
	return aet_write_file(path, val);
}

int adt_nr_nodes(int mm)
{
	struct aether_mm_pool_info pi;
	int ret = aemt_pool_info(mm, &pi);

	return ret ? ret : (int)pi.nr_nodes;
}

/* ---- debugfs ------------------------------------------------------------- */

int adt_debugfs_stat(const char *name, long long *val)
{
	char line[128], key[64];
	long long v;
	int ret = -ENOENT;
	FILE *f = fopen(ADT_DEBUGFS "/stats", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld", key, &v) == 2 &&
		    !strcmp(key, name)) {
			*val = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int adt_stable_each(int (*fn)(const struct adt_stable_line *l, void *arg),
		    void *arg)
{
	struct adt_stable_line l;
	unsigned long long domain, hash;
	unsigned int dup;
	int ours, ret = 0;
	char line[256];
	FILE *f = fopen(ADT_DEBUGFS "/stable", "r");

	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "domain %llx nid %d hash %llx dup %u node %d users %d %u",
			   &domain, &l.key_nid, &hash, &dup, &l.node, &ours,
			   &l.users) != 7) {
			ret = -EPROTO;
			break;
		}
		ret = fn(&l, arg);
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}
