// SPDX-License-Identifier: GPL-2.0
/*
 * qos.c - aetherctl qos: aether_qos's groups
 *
 *   aetherctl qos show [GROUP]		every group as a table, or one
 *   aetherctl qos create PARENT NAME [--class C]
 *   aetherctl qos set GROUP KEY=VALUE...	min, low, high, max, class
 *   aetherctl qos attach GROUP PID	(GROUP root: detach)
 *   aetherctl qos destroy GROUP
 *   aetherctl qos watch GROUP [--threshold US] [--window US] [--count N]
 *					pressure events as they come
 *   aetherctl qos bench --high [--pages N] [--seconds S]
 *					memory.high's accuracy (bench 3)
 *
 * A GROUP is its id, or its path from the root ("web/frontend"; "root"
 * or "/" is the root).  Limits are pages; "max" is no limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <linux/aether_mm.h>

#include "qos.h"

#define QOS_USAGE	ACTL_USAGE
#define QOS_MAX_GROUPS	65536

static const char *const qos_classes[AETHER_QOS_NR_CLASSES] = {
	[AETHER_QOS_CLASS_NORMAL] = "normal",
	[AETHER_QOS_CLASS_BESTEFFORT] = "besteffort",
	[AETHER_QOS_CLASS_REALTIME] = "realtime",
};

/*
 * The keys of the events, hierarchical and local: out_key() keeps the
 * pointer until the table is printed, so each key is a string of its own.
 */
static const char *const qos_events[AETHER_QOS_NR_EVENTS] = {
	[AETHER_QOS_EVENT_LOW] = "events_low",
	[AETHER_QOS_EVENT_HIGH] = "events_high",
	[AETHER_QOS_EVENT_MAX] = "events_max",
	[AETHER_QOS_EVENT_OOM] = "events_oom",
};

static const char *const qos_events_local[AETHER_QOS_NR_EVENTS] = {
	[AETHER_QOS_EVENT_LOW] = "events_local_low",
	[AETHER_QOS_EVENT_HIGH] = "events_local_high",
	[AETHER_QOS_EVENT_MAX] = "events_local_max",
	[AETHER_QOS_EVENT_OOM] = "events_local_oom",
};

static int qos_get(int fd, __u32 id, struct aether_qos_group_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	gi->size = sizeof(*gi);
	gi->id = id;
	return actl_ioctl(fd, AETHER_QOS_IOC_GET, gi, "GET");
}

/* Every group's id, root first: a malloc'ed array, its length in *@n. */
static __u32 *qos_list(int fd, __u32 *n)
{
	struct aether_qos_list l = { .size = sizeof(l) };
	__u32 *ids;

	if (actl_ioctl(fd, AETHER_QOS_IOC_LIST, &l, "LIST"))
		return NULL;
	l.count += 16;	/* room for groups made meanwhile */
	if (l.count > QOS_MAX_GROUPS)
		l.count = QOS_MAX_GROUPS;
	ids = calloc(l.count, sizeof(*ids));
	if (!ids)
		return NULL;
	l.ids_ptr = (uintptr_t)ids;
	*n = l.count;
	if (actl_ioctl(fd, AETHER_QOS_IOC_LIST, &l, "LIST")) {
		free(ids);
		return NULL;
	}
	if (l.count < *n)
		*n = l.count;
	return ids;
}

/* @id's path from the root into @buf ("" for the root). */
static void qos_path(int fd, __u32 id, char *buf, size_t len)
{
	struct aether_qos_group_info gi;
	char tmp[512];

	buf[0] = '\0';
	while (id != AETHER_QOS_ROOT_ID) {
		memset(&gi, 0, sizeof(gi));
		gi.size = sizeof(gi);
		gi.id = id;
		if (ioctl(fd, AETHER_QOS_IOC_GET, &gi))
			return;
		snprintf(tmp, sizeof(tmp), "%s%s%s", gi.name, buf[0] ? "/" : "",
			 buf);
		snprintf(buf, len, "%s", tmp);
		id = gi.parent_id;
	}
}

/* A GROUP argument: an id, or a path from the root. */
static int qos_resolve(int fd, const char *arg, __u32 *out)
{
	char *end, path[512];
	__u32 *ids, n, i;
	unsigned long v;

	if (!strcmp(arg, "root") || !strcmp(arg, "/")) {
		*out = AETHER_QOS_ROOT_ID;
		return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!errno && *arg && !*end && v <= 0xffffffffUL) {
		*out = v;
		return 0;
	}
	ids = qos_list(fd, &n);
	if (!ids)
		return -EIO;
	for (i = 0; i < n; i++) {
		if (!ids[i])
			continue;
		qos_path(fd, ids[i], path, sizeof(path));
		if (!strcmp(path, arg[0] == '/' ? arg + 1 : arg)) {
			*out = ids[i];
			free(ids);
			return 0;
		}
	}
	free(ids);
	actl_err("no group '%s' (aetherctl qos show lists them)", arg);
	return -ENOENT;
}

/* A group fd of @id: the fd, or -errno (said). */
static int qos_open_group(int fd, __u32 id)
{
	struct aether_qos_open o = { .size = sizeof(o), .id = id };

	if (actl_ioctl(fd, AETHER_QOS_IOC_OPEN, &o, "OPEN"))
		return -errno;
	return o.fd;
}

/* The group fd's pressure line, read anew, without its newline. */
static int qos_read_pressure(int gfd, char *buf, size_t len)
{
	ssize_t n;

	if (lseek(gfd, 0, SEEK_SET) < 0)
		return -errno;
	n = read(gfd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static void qos_out_limit(struct actl_out *t, __u64 v)
{
	if (v == AETHER_QOS_UNLIMITED)
		out_str(t, "max");
	else
		out_u64(t, v);
}

static const char *qos_class_name(__u32 c)
{
	return c < AETHER_QOS_NR_CLASSES ? qos_classes[c] : "?";
}

static void qos_show_one(int fd, const struct aether_qos_group_info *gi)
{
	struct actl_out *t = out_kv("group", "QoS group (pages)");
	char path[512], line[160];
	unsigned int i;
	int gfd;

	qos_path(fd, gi->id, path, sizeof(path));
	out_key(t, "id", "id");
	out_u64(t, gi->id);
	out_key(t, "path", "path");
	out_str(t, path[0] ? path : "/");
	out_key(t, "parent_id", "parent");
	out_u64(t, gi->parent_id);
	out_key(t, "class", "class");
	out_str(t, qos_class_name(gi->class));
	out_key(t, "owner_uid", "owner uid (manages its children)");
	if (gi->owner_uid == AETHER_QOS_NO_OWNER)
		out_str(t, "none");
	else
		out_u64(t, gi->owner_uid);
	out_key(t, "user_default", "a user's default group");
	out_str(t, gi->flags & AETHER_QOS_GROUP_USER ? "yes" : "no");
	out_key(t, "current", "memory.current");
	out_u64(t, gi->usage);
	out_key(t, "peak", "memory.peak");
	out_u64(t, gi->peak);
	out_key(t, "min", "memory.min");
	out_u64(t, gi->min);
	out_key(t, "low", "memory.low");
	out_u64(t, gi->low);
	out_key(t, "high", "memory.high");
	qos_out_limit(t, gi->high);
	out_key(t, "max", "memory.max");
	qos_out_limit(t, gi->max);
	out_key(t, "effective_min", "effective min");
	out_u64(t, gi->emin);
	out_key(t, "effective_low", "effective low");
	out_u64(t, gi->elow);
	for (i = 0; i < AETHER_QOS_NR_EVENTS; i++) {
		out_key(t, qos_events[i], qos_events[i]);
		out_u64(t, gi->events[i]);
	}
	for (i = 0; i < AETHER_QOS_NR_EVENTS; i++) {
		out_key(t, qos_events_local[i], qos_events_local[i]);
		out_u64(t, gi->events_local[i]);
	}
	out_key(t, "children", "children");
	out_u64(t, gi->nr_children);
	out_key(t, "members", "attached processes");
	out_u64(t, gi->nr_members);
	out_key(t, "regions", "regions charged to it");
	out_u64(t, gi->nr_regions);
	out_key(t, "charged", "pages charged, ever");
	out_u64(t, gi->charged);
	out_key(t, "uncharged", "pages given back, ever");
	out_u64(t, gi->uncharged);
	out_key(t, "refused", "charges refused");
	out_u64(t, gi->refused);
	gfd = qos_open_group(fd, gi->id);
	if (gfd >= 0 && !qos_read_pressure(gfd, line, sizeof(line))) {
		out_key(t, "pressure", "memory.pressure");
		out_str(t, line);
	}
	if (gfd >= 0)
		close(gfd);
	out_flush(t);
}

static int qos_show_all(int fd)
{
	struct aether_qos_group_info gi;
	struct actl_out *t;
	char path[512];
	__u32 *ids, n, i;

	ids = qos_list(fd, &n);
	if (!ids)
		return -EIO;
	t = out_table("groups", "QoS groups (pages)");
	out_col(t, "id", "ID");
	out_col(t, "path", "PATH");
	out_col(t, "class", "CLASS");
	out_col(t, "current", "CURRENT");
	out_col(t, "peak", "PEAK");
	out_col(t, "min", "MIN");
	out_col(t, "low", "LOW");
	out_col(t, "high", "HIGH");
	out_col(t, "max", "MAX");
	out_col(t, "events_max", "MAX_EV");
	out_col(t, "events_oom", "OOM_EV");
	for (i = 0; i < n; i++) {
		memset(&gi, 0, sizeof(gi));
		gi.size = sizeof(gi);
		gi.id = ids[i];
		if (ioctl(fd, AETHER_QOS_IOC_GET, &gi))
			continue;	/* destroyed meanwhile */
		qos_path(fd, gi.id, path, sizeof(path));
		out_row(t);
		out_u64(t, gi.id);
		out_str(t, path[0] ? path : "/");
		out_str(t, qos_class_name(gi.class));
		out_u64(t, gi.usage);
		out_u64(t, gi.peak);
		out_u64(t, gi.min);
		out_u64(t, gi.low);
		qos_out_limit(t, gi.high);
		qos_out_limit(t, gi.max);
		out_u64(t, gi.events[AETHER_QOS_EVENT_MAX]);
		out_u64(t, gi.events[AETHER_QOS_EVENT_OOM]);
	}
	out_flush(t);
	free(ids);
	return 0;
}

static int qos_cmd_show(const struct actl_ctx *ctx, int fd, int argc,
			char **argv)
{
	struct aether_qos_group_info gi;
	__u32 id;

	(void)ctx;
	if (argc > 2)
		return QOS_USAGE;
	if (argc == 1)
		return qos_show_all(fd);
	if (qos_resolve(fd, argv[1], &id) || qos_get(fd, id, &gi))
		return -EIO;
	qos_show_one(fd, &gi);
	return 0;
}

static int qos_parse_class(const char *s, __u32 *out)
{
	__u32 i;

	for (i = 0; i < AETHER_QOS_NR_CLASSES; i++)
		if (!strcmp(s, qos_classes[i])) {
			*out = i;
			return 0;
		}
	actl_err("'%s' is not a class (normal, besteffort, realtime)", s);
	return -EINVAL;
}

static int qos_cmd_create(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct aether_qos_create c = { .size = sizeof(c) };
	struct aether_qos_group_info gi;
	int o;

	while ((o = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (o != 'c' || qos_parse_class(optarg, &c.class))
			return QOS_USAGE;
	}
	if (argc - optind != 2)
		return QOS_USAGE;
	if (strlen(argv[optind + 1]) >= sizeof(c.name)) {
		actl_err("a name is at most %zu bytes", sizeof(c.name) - 1);
		return QOS_USAGE;
	}
	if (qos_resolve(fd, argv[optind], &c.parent_id))
		return -EIO;
	strcpy(c.name, argv[optind + 1]);
	if (actl_ioctl(fd, AETHER_QOS_IOC_CREATE, &c, "CREATE") ||
	    qos_get(fd, c.id, &gi))
		return -EIO;
	(void)ctx;
	qos_show_one(fd, &gi);
	return 0;
}

/* KEY=VALUE into @s. */
static int qos_parse_assign(const char *arg, struct aether_qos_set *s)
{
	static const struct {
		const char *key;
		__u32 bit;
		size_t off;
	} keys[] = {
		{ "min", AETHER_QOS_SET_MIN, offsetof(struct aether_qos_set, min) },
		{ "low", AETHER_QOS_SET_LOW, offsetof(struct aether_qos_set, low) },
		{ "high", AETHER_QOS_SET_HIGH, offsetof(struct aether_qos_set, high) },
		{ "max", AETHER_QOS_SET_MAX, offsetof(struct aether_qos_set, max) },
	};
	const char *eq = strchr(arg, '=');
	unsigned int i;
	__u64 v;

	if (!eq) {
		actl_err("'%s' is not KEY=VALUE", arg);
		return -EINVAL;
	}
	if (!strncmp(arg, "class=", 6)) {
		s->mask |= AETHER_QOS_SET_CLASS;
		return qos_parse_class(eq + 1, &s->class);
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i].key) != (size_t)(eq - arg) ||
		    strncmp(keys[i].key, arg, eq - arg))
			continue;
		if (!strcmp(eq + 1, "max"))
			v = AETHER_QOS_UNLIMITED;
		else if (actl_parse_u64(keys[i].key, eq + 1, &v))
			return -EINVAL;
		memcpy((char *)s + keys[i].off, &v, sizeof(v));
		s->mask |= keys[i].bit;
		return 0;
	}
	actl_err("'%.*s' is not one of min, low, high, max, class",
		 (int)(eq - arg), arg);
	return -EINVAL;
}

static int qos_cmd_set(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	struct aether_qos_set s = { .size = sizeof(s) };
	int i;

	(void)ctx;
	if (argc < 3)
		return QOS_USAGE;
	for (i = 2; i < argc; i++)
		if (qos_parse_assign(argv[i], &s))
			return QOS_USAGE;
	if (qos_resolve(fd, argv[1], &s.id))
		return -EIO;
	return actl_ioctl(fd, AETHER_QOS_IOC_SET, &s, "SET") ? -EIO : 0;
}

static int qos_cmd_attach(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	struct aether_qos_attach a = { .size = sizeof(a) };
	long pid;

	(void)ctx;
	if (argc != 3)
		return QOS_USAGE;
	if (actl_parse_int("PID", argv[2], 1, 0x7fffffff, &pid))
		return QOS_USAGE;
	if (qos_resolve(fd, argv[1], &a.id))
		return -EIO;
	a.pid = pid;
	return actl_ioctl(fd, AETHER_QOS_IOC_ATTACH_PID, &a, "ATTACH_PID") ?
	       -EIO : 0;
}

static int qos_cmd_destroy(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	struct aether_qos_destroy d = { .size = sizeof(d) };

	(void)ctx;
	if (argc != 2)
		return QOS_USAGE;
	if (qos_resolve(fd, argv[1], &d.id))
		return -EIO;
	return actl_ioctl(fd, AETHER_QOS_IOC_DESTROY, &d, "DESTROY") ?
	       -EIO : 0;
}

/*
 * watch: a trigger on the group's fd, then one line per event (one JSON
 * object per line with --json) until SIGINT or SIGTERM, @count events, or
 * the group's destruction.
 */
static int qos_cmd_watch(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "window", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	long threshold = 100000, window = 2000000, count = 0;
	struct pollfd pfd[2];
	char trig[64], line[160];
	sigset_t stop;
	int gfd, sfd, o, ret = 0;
	__u32 id;

	while ((o = getopt_long(argc, argv, "t:w:n:", opts, NULL)) != -1) {
		if ((o == 't' && actl_parse_int("threshold", optarg, 1, 10000000, &threshold)) ||
		    (o == 'w' && actl_parse_int("window", optarg, 500000, 10000000, &window)) ||
		    (o == 'n' && actl_parse_int("count", optarg, 0, 1000000000, &count)) ||
		    o == '?')
			return QOS_USAGE;
	}
	if (argc - optind != 1)
		return QOS_USAGE;
	if (qos_resolve(fd, argv[optind], &id))
		return -EIO;
	gfd = qos_open_group(fd, id);
	if (gfd < 0)
		return -EIO;
	snprintf(trig, sizeof(trig), "some %ld %ld", threshold, window);
	if (write(gfd, trig, strlen(trig)) < 0) {
		actl_errno(errno, "trigger '%s' (a window a multiple of 2 s without CAP_SYS_RESOURCE)",
			   trig);
		close(gfd);
		return -EIO;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	out_end();	/* events stream, one line each */
	if (!ctx->json)
		printf("# watching %s: %s\n", argv[optind], trig);
	fflush(stdout);
	pfd[0] = (struct pollfd){ .fd = gfd, .events = POLLPRI };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, sfd >= 0 ? 2 : 1, -1) < 0) {
			ret = errno == EINTR ? 0 : -errno;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & POLLERR) {
			if (ctx->json)
				printf("{\"time\": %lld, \"event\": \"gone\"}\n",
				       (long long)time(NULL));
			else
				printf("%lld group gone\n", (long long)time(NULL));
			break;
		}
		if (!(pfd[0].revents & POLLPRI))
			continue;
		if (qos_read_pressure(gfd, line, sizeof(line)))
			line[0] = '\0';
		if (ctx->json)
			printf("{\"time\": %lld, \"event\": \"pressure\", \"line\": \"%s\"}\n",
			       (long long)time(NULL), line);
		else
			printf("%lld %s\n", (long long)time(NULL), line);
		fflush(stdout);
		if (count && !--count)
			break;
	}
	if (sfd >= 0)
		close(sfd);
	close(gfd);
	return ret;
}


/* ---- bench --high: memory.high's accuracy (issue 14, bench 3) ---- */

#define QOS_BENCH_HIGH_GROUP	"bench-high"
#define QOS_BENCH_DEBUGFS	"/sys/kernel/debug/aether/qos/" QOS_BENCH_HIGH_GROUP

/* memory.stat's @key of the bench's group, or -1. */
static long qos_bench_stat(const char *key)
{
	size_t klen = strlen(key);
	char line[128];
	long v = -1;
	FILE *f;

	f = fopen(QOS_BENCH_DEBUGFS "/memory.stat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static double qos_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A region of @pages charged to group @id: the caller is attached to it
 * while the region is made, then detached.  Its mapping, or NULL (said).
 */
static void *qos_bench_region(int fd, __u32 id, long pages, long page,
			      int *rfd)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_SHARED | AETHER_MM_REGION_CLOEXEC,
		.length = (__u64)pages * page,
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
	};
	struct aether_qos_attach a = { .size = sizeof(a), .id = id,
				       .pid = getpid() };
	int mfd, err;
	void *p;

	mfd = open("/dev/aether_mm", O_RDWR | O_CLOEXEC);
	if (mfd < 0) {
		actl_errno(errno, "/dev/aether_mm");
		return NULL;
	}
	if (actl_ioctl(fd, AETHER_QOS_IOC_ATTACH_PID, &a, "ATTACH_PID")) {
		close(mfd);
		return NULL;
	}
	err = ioctl(mfd, AETHER_MM_IOC_REGION_CREATE, &c) ? errno : 0;
	a.id = AETHER_QOS_ROOT_ID;
	actl_ioctl(fd, AETHER_QOS_IOC_ATTACH_PID, &a, "ATTACH_PID");
	close(mfd);
	if (err) {
		actl_errno(err, "REGION_CREATE");
		return NULL;
	}
	*rfd = c.fd;
	p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c.fd, 0);
	if (p == MAP_FAILED) {
		actl_errno(errno, "mmap of a region");
		close(c.fd);
		return NULL;
	}
	return p;
}

/*
 * A child writes one byte in each page of @p, as fast as it can, into a
 * region of 2 * @high pages with nothing to reclaim; after @seconds (or
 * when it is done) it is killed.  The group's peak against its high.
 */
static int qos_bench_high_run(int fd, __u32 id, long high, long seconds)
{
	struct aether_qos_group_info gi;
	long page = sysconf(_SC_PAGESIZE), pages = 2 * high, i;
	volatile long *done;
	struct actl_out *t;
	double start, took;
	int rfd, status;
	char *p;
	pid_t w;

	done = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (done == MAP_FAILED)
		return -errno;
	p = qos_bench_region(fd, id, pages, page, &rfd);
	if (!p)
		return -EIO;
	fflush(stdout);
	start = qos_bench_now();
	w = fork();
	if (w < 0)
		return -errno;
	if (w == 0) {
		for (i = 0; i < pages; i++) {
			p[i * page] = 1;
			*done = i + 1;
		}
		_exit(0);
	}
	while (waitpid(w, &status, WNOHANG) == 0) {
		if (qos_bench_now() - start >= seconds) {
			kill(w, SIGKILL);
			waitpid(w, &status, 0);
			break;
		}
		usleep(20000);
	}
	took = qos_bench_now() - start;
	if (qos_get(fd, id, &gi))
		return -EIO;
	t = out_kv("bench_high", "memory.high accuracy (pages; goal: overshoot <= 5 %)");
	out_key(t, "high", "high");
	out_u64(t, high);
	out_key(t, "peak", "peak");
	out_u64(t, gi.peak);
	out_key(t, "overshoot_pct", "overshoot above high, %");
	out_pct(t, gi.peak > (__u64)high ? gi.peak - high : 0, high);
	out_key(t, "seconds", "time, s");
	out_x1000(t, (__s64)(took * 1000));
	out_key(t, "written", "pages written");
	out_u64(t, *done);
	out_key(t, "throttles", "throttles (memory.stat)");
	out_s64(t, qos_bench_stat("throttles"));
	out_key(t, "throttled_ms", "throttled, ms");
	out_s64(t, qos_bench_stat("throttled_usec") / 1000);
	out_key(t, "longest_ms", "longest throttle, ms");
	out_s64(t, qos_bench_stat("throttle_max_usec") / 1000);
	out_key(t, "events_high", "high events");
	out_u64(t, gi.events_local[AETHER_QOS_EVENT_HIGH]);
	out_flush(t);
	munmap(p, pages * page);
	close(rfd);
	munmap((void *)done, page);
	return 0;
}

/* bench --high: a group "bench-high" made for the run, then destroyed. */
static int qos_bench_high(int fd, long high, long seconds)
{
	struct aether_qos_create c = { .size = sizeof(c),
				       .parent_id = AETHER_QOS_ROOT_ID };
	struct aether_qos_set s = { .size = sizeof(s),
				    .mask = AETHER_QOS_SET_HIGH, .high = high };
	struct aether_qos_destroy d = { .size = sizeof(d) };
	int ret;

	snprintf(c.name, sizeof(c.name), "%s", QOS_BENCH_HIGH_GROUP);
	if (actl_ioctl(fd, AETHER_QOS_IOC_CREATE, &c, "CREATE " QOS_BENCH_HIGH_GROUP))
		return -EIO;
	s.id = c.id;
	d.id = c.id;
	ret = actl_ioctl(fd, AETHER_QOS_IOC_SET, &s, "SET") ? -EIO :
	      qos_bench_high_run(fd, c.id, high, seconds);
	actl_ioctl(fd, AETHER_QOS_IOC_DESTROY, &d, "DESTROY");
	return ret;
}

/*
 * bench --high [--pages N] [--seconds S]: a task writes as fast as it can
 * for S seconds in a group of high N pages with no max; the peak above
 * high, in per cent.
 */
static int qos_cmd_bench(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{ "high", no_argument, NULL, 'H' },
		{ "pages", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	long pages = 8192, seconds = 10;
	bool high = false;
	int o;

	(void)ctx;
	while ((o = getopt_long(argc, argv, "Hp:s:", opts, NULL)) != -1) {
		if (o == 'H')
			high = true;
		else if ((o == 'p' && actl_parse_int("pages", optarg, 16, 1L << 24, &pages)) ||
			 (o == 's' && actl_parse_int("seconds", optarg, 1, 3600, &seconds)) ||
			 o == '?')
			return QOS_USAGE;
	}
	if (!high || optind != argc)
		return QOS_USAGE;
	return qos_bench_high(fd, pages, seconds);
}

static const struct actl_cmd qos_cmds[] = {
	{ "show", qos_cmd_show, "[GROUP]",
	  "every group (a table), or one group's figures" },
	{ "create", qos_cmd_create, "PARENT NAME [--class C]",
	  "make a group (root, or the owner of PARENT)" },
	{ "set", qos_cmd_set, "GROUP KEY=VALUE...",
	  "min, low, high, max (pages, or max), class (root, or\n\t\t the owner of its parent)" },
	{ "attach", qos_cmd_attach, "GROUP PID",
	  "charge PID's and its children's new regions to GROUP;\n\t\t GROUP root detaches" },
	{ "destroy", qos_cmd_destroy, "GROUP",
	  "remove an empty group (no children, processes, regions)" },
	{ "watch", qos_cmd_watch,
	  "GROUP [--threshold US] [--window US] [--count N]",
	  "print pressure events as they come (a PSI trigger on the\n\t\t group's fd; default some 100000 2000000)" },
	{ "bench", qos_cmd_bench, "--high [--pages N] [--seconds S]",
	  "memory.high's accuracy: a task writing as fast as it can\n\t\t for S s (10) in a group of high N pages (8192): the\n\t\t peak's overshoot above high" },
};

static const char qos_notes[] =
	"A GROUP is an id or a path from the root (web/frontend).  Limits\n"
	"are in pages, as cgroup v2's memory.min/low/high/max are in bytes;\n"
	"'max' is no limit.  A process nobody attached is charged to its\n"
	"user's default group, user.<uid>.  Over high, a task reclaims and\n"
	"is throttled on its way back to user mode (memcg's penalty, at\n"
	"most 2 s a time).  Not yet built: top.\n";

const struct actl_module actl_qos_module = {
	.name = "qos",
	.summary = "memory QoS groups, as cgroup v2's memory\n"
		   "                  controller (/dev/aether_qos)",
	.device = QOS_DEVICE,
	.module = "aether_qos",
	.cmds = qos_cmds,
	.nr_cmds = ARRAY_SIZE(qos_cmds),
	.notes = qos_notes,
	.default_cmd = "show",
};
