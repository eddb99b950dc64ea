// SPDX-License-Identifier: GPL-2.0
/*
 * qos.c - aetherctl qos: aether_qos's groups
 *
 *   aetherctl qos show [GROUP]		every group as a table, or one
 *   aetherctl qos create PARENT NAME [--class C]
 *   aetherctl qos set GROUP KEY=VALUE...	min, low, high, max, class
 *   aetherctl qos attach GROUP PID	(GROUP root: detach)
 *   aetherctl qos attach GROUP --region NAME|fd:N
 *					move a region, with its pages
 *   aetherctl qos destroy GROUP
 *   aetherctl qos watch GROUP [--threshold US] [--window US] [--count N]
 *					pressure events as they come
 *   aetherctl qos bench --high [--pages N] [--seconds S]
 *					memory.high's accuracy (bench 3)
 *   aetherctl qos top [--once] [--interval S]
 *					groups by usage, redrawn
 *   aetherctl qos bench --latency|--cost [--pages N] [--rounds R]
 *		[--hog-pages H] [--repeat K]	benchmarks 1 and 2 of issue 14
 *
 * A GROUP is its id, or its path from the root ("web/frontend"; "root"
 * or "/" is the root).  Limits are pages; "max" is no limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
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
#include <sys/prctl.h>
#include <sys/resource.h>
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
__u32 *qos_list(int fd, __u32 *n)
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
	out_key(t, "resident", "resident pages");
	out_u64(t, gi->resident);
	out_key(t, "zswap", "bytes in the store");
	out_u64(t, gi->zswap);
	out_key(t, "zswapped", "pages in the store");
	out_u64(t, gi->zswapped);
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

/*
 * The region of --region: "fd:N", an fd this process has (inherited), or
 * a region's name (REGION_OPEN, writable: the attach needs it).  Its fd
 * (*@own: ours to close), or -1 (said why).
 */
static int qos_region_arg(const char *arg, bool *own)
{
	struct aether_mm_region_open o = {
		.size = sizeof(o),
		.flags = AETHER_MM_REGION_OPEN_CLOEXEC |
			 AETHER_MM_REGION_OPEN_FOREIGN,
		.name = (uintptr_t)arg,
	};
	long n;
	int mfd, ret;

	*own = false;
	if (!strncmp(arg, "fd:", 3)) {
		if (actl_parse_int("fd", arg + 3, 0, 0x7fffffff, &n))
			return -1;
		return (int)n;
	}
	mfd = open("/dev/aether_mm", O_RDWR | O_CLOEXEC);
	if (mfd < 0) {
		actl_errno(errno, "cannot open /dev/aether_mm");
		return -1;
	}
	ret = actl_ioctl(mfd, AETHER_MM_IOC_REGION_OPEN, &o, "REGION_OPEN");
	close(mfd);
	if (ret) {
		actl_err("(no live region called '%s', or not yours)", arg);
		return -1;
	}
	*own = true;
	return o.fd;
}

/* qos attach GROUP --region NAME|fd:N: ATTACH_REGION. */
static int qos_attach_region(int fd, const char *group, const char *region)
{
	struct aether_qos_attach_region a = { .size = sizeof(a) };
	bool own;
	int ret;

	if (qos_resolve(fd, group, &a.id))
		return -EIO;
	a.region_fd = qos_region_arg(region, &own);
	if (a.region_fd < 0)
		return -EIO;
	ret = actl_ioctl(fd, AETHER_QOS_IOC_ATTACH_REGION, &a,
			 "ATTACH_REGION");
	if (own)
		close(a.region_fd);
	return ret ? -EIO : 0;
}

static int qos_cmd_attach(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	struct aether_qos_attach a = { .size = sizeof(a) };
	long pid;

	(void)ctx;
	if (argc == 4 && !strcmp(argv[2], "--region"))
		return qos_attach_region(fd, argv[1], argv[3]);
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


/* ---- top ------------------------------------------------------------- */

/* One group as top shows it. */
struct qos_top_row {
	struct aether_qos_group_info gi;
	char avg10[16];
};

static int qos_top_cmp(const void *a, const void *b)
{
	const struct qos_top_row *x = a, *y = b;

	if (x->gi.usage != y->gi.usage)
		return x->gi.usage < y->gi.usage ? 1 : -1;
	return x->gi.id < y->gi.id ? -1 : x->gi.id > y->gi.id;
}

/* The avg10 of a group's pressure line, "-" when it cannot be read. */
static void qos_top_avg10(int fd, __u32 id, char *buf, size_t len)
{
	char line[160], *p;
	int gfd = qos_open_group(fd, id);

	snprintf(buf, len, "-");
	if (gfd < 0)
		return;
	if (!qos_read_pressure(gfd, line, sizeof(line))) {
		p = strstr(line, "avg10=");
		if (p)
			snprintf(buf, len, "%.*s", (int)strcspn(p + 6, " "),
				 p + 6);
	}
	close(gfd);
}

/* One screen: every group, the largest usage first. */
static int qos_top_once(int fd)
{
	struct qos_top_row *rows;
	struct actl_out *t;
	char path[512];
	__u32 *ids, n, i, k = 0;

	ids = qos_list(fd, &n);
	if (!ids)
		return -EIO;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(ids);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		rows[k].gi.size = sizeof(rows[k].gi);
		rows[k].gi.id = ids[i];
		if (ioctl(fd, AETHER_QOS_IOC_GET, &rows[k].gi))
			continue;	/* destroyed meanwhile */
		qos_top_avg10(fd, ids[i], rows[k].avg10,
			      sizeof(rows[k].avg10));
		k++;
	}
	qsort(rows, k, sizeof(*rows), qos_top_cmp);
	t = out_table("top", "QoS groups by usage (pages)");
	out_col(t, "id", "ID");
	out_col(t, "path", "PATH");
	out_col(t, "class", "CLASS");
	out_col(t, "current", "USAGE");
	out_col(t, "max", "MAX");
	out_col(t, "high", "HIGH");
	out_col(t, "events_low", "LOW_EV");
	out_col(t, "events_high", "HIGH_EV");
	out_col(t, "events_max", "MAX_EV");
	out_col(t, "events_oom", "OOM_EV");
	out_col(t, "avg10", "SOME_AVG10");
	for (i = 0; i < k; i++) {
		const struct aether_qos_group_info *gi = &rows[i].gi;

		qos_path(fd, gi->id, path, sizeof(path));
		out_row(t);
		out_u64(t, gi->id);
		out_str(t, path[0] ? path : "/");
		out_str(t, qos_class_name(gi->class));
		out_u64(t, gi->usage);
		qos_out_limit(t, gi->max);
		qos_out_limit(t, gi->high);
		out_u64(t, gi->events[AETHER_QOS_EVENT_LOW]);
		out_u64(t, gi->events[AETHER_QOS_EVENT_HIGH]);
		out_u64(t, gi->events[AETHER_QOS_EVENT_MAX]);
		out_u64(t, gi->events[AETHER_QOS_EVENT_OOM]);
		out_str(t, rows[i].avg10);
	}
	out_flush(t);
	free(rows);
	free(ids);
	return 0;
}

/*
 * top: the groups as a table sorted by usage, redrawn every --interval
 * seconds until SIGINT or SIGTERM; --once prints it once (with --json,
 * one document; refreshing, one document per screen).
 */
static int qos_cmd_top(const struct actl_ctx *ctx, int fd, int argc,
		       char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	long interval = 2;
	bool once = false;
	int o, ret;

	while ((o = getopt_long(argc, argv, "1i:", opts, NULL)) != -1) {
		if (o == '1')
			once = true;
		else if (o != 'i' ||
			 actl_parse_int("interval", optarg, 1, 3600, &interval))
			return QOS_USAGE;
	}
	if (optind != argc)
		return QOS_USAGE;
	/* The first screen is main()'s document; each next one its own. */
	for (;;) {
		if (!once && !ctx->json)
			printf("\033[H\033[2J");
		ret = qos_top_once(fd);
		if (ret || once)
			return ret;
		out_end();
		if (actl_hold(interval))
			return 0;
		out_begin(ctx);
	}
}

/* ---- bench --latency, bench --cost ----------------------------------- */

#define QB_PREFIX	"bench-"
#define QB_MM_DEVICE	"/dev/aether_mm"

static __u64 qb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static long qb_page(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Destroy group @name under the root, if it exists (a bench left it). */
static void qb_destroy(int fd, const char *name)
{
	struct aether_qos_destroy d = { .size = sizeof(d) };
	struct aether_qos_group_info gi;
	__u32 *ids, n, i;

	ids = qos_list(fd, &n);
	for (i = 0; ids && i < n; i++) {
		if (qos_get(fd, ids[i], &gi) || strcmp(gi.name, name) ||
		    gi.parent_id != AETHER_QOS_ROOT_ID || !ids[i])
			continue;
		d.id = ids[i];
		ioctl(fd, AETHER_QOS_IOC_DESTROY, &d);
	}
	free(ids);
}

/* Destroy group @id (a child of @parent made by a bench). */
static void qb_destroy_child(int fd, __u32 parent, __u32 id)
{
	struct aether_qos_destroy d = { .size = sizeof(d), .id = id };

	(void)parent;
	ioctl(fd, AETHER_QOS_IOC_DESTROY, &d);
}

/* A group @name under @parent, of @class, max @max: its id, or 0. */
static __u32 qb_group(int fd, __u32 parent, const char *name, __u32 class,
		      __u64 max)
{
	struct aether_qos_create c = { .size = sizeof(c), .parent_id = parent,
				       .class = class };
	struct aether_qos_set st = { .size = sizeof(st),
				     .mask = AETHER_QOS_SET_MAX |
					     AETHER_QOS_SET_HIGH,
				     .max = max, .high = max };

	snprintf(c.name, sizeof(c.name), "%s", name);
	if (actl_ioctl(fd, AETHER_QOS_IOC_CREATE, &c, "CREATE"))
		return 0;
	st.id = c.id;
	if (max != AETHER_QOS_UNLIMITED &&
	    actl_ioctl(fd, AETHER_QOS_IOC_SET, &st, "SET"))
		return 0;
	return c.id;
}

/*
 * A region of @pages named into the group of @gfd, mapped read-write:
 * the mapping, its fd in *@rfd; NULL (said) on failure.
 */
static unsigned char *qb_region(int mfd, int gfd, __u32 flags, long pages,
				int *rfd)
{
	struct aether_mm_region_create c = {
		.size = sizeof(c),
		.flags = AETHER_MM_REGION_SHARED | AETHER_MM_REGION_QOS_GROUP |
			 flags,
		.length = (__u64)pages * qb_page(),
		.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE,
		.qos_fd = gfd,
	};
	void *p;

	if (actl_ioctl(mfd, AETHER_MM_IOC_REGION_CREATE, &c, "REGION_CREATE"))
		return NULL;
	p = mmap(NULL, c.length, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	if (p == MAP_FAILED) {
		actl_errno(errno, "mmap of a region");
		close(c.fd);
		return NULL;
	}
	*rfd = c.fd;
	return p;
}

/* What the hog and the measuring process share. */
struct qb_shared {
	volatile long written;	/* pages the hog wrote, all passes */
	volatile long refused;	/* its faults that got SIGBUS (pool full) */
	volatile int stop;
};

/* Repeats of bench --latency in one run, at most. */
#define QB_MAX_REPEATS	32

static sigjmp_buf qb_hog_jmp;

/* A hog's fault found the pool full (no cold page to store yet). */
static void qb_hog_sigbus(int sig)
{
	(void)sig;
	siglongjmp(qb_hog_jmp, 1);
}

/* Pages of one hog region: a region may not be larger than the pool. */
#define QB_HOG_CHUNK	8192L

/*
 * The hog: COMPRESSIBLE regions of @pages in all, in its group, written
 * one byte a page, pass after pass, until told to stop.  The pool cannot
 * hold them: their cold pages go to the store, and every pass faults them
 * back.
 */
static int qb_hog(int mfd, int gfd, long pages, struct qb_shared *sh)
{
	long i, k, nr = (pages + QB_HOG_CHUNK - 1) / QB_HOG_CHUNK, pass = 0;
	long page = qb_page(), len;
	unsigned char **p = calloc(nr, sizeof(*p));
	int rfd;

	if (!p)
		return 1;
	for (k = 0; k < nr; k++) {
		len = k == nr - 1 ? pages - k * QB_HOG_CHUNK : QB_HOG_CHUNK;
		p[k] = qb_region(mfd, gfd, AETHER_MM_REGION_COMPRESSIBLE, len,
				 &rfd);
		if (!p[k])
			return 1;
	}
	/*
	 * A fault the pool cannot serve now is SIGBUS: the hog waits 1 ms
	 * (the store takes pages as they cool) and writes the page again.
	 */
	signal(SIGBUS, qb_hog_sigbus);
	i = 0;
	if (sigsetjmp(qb_hog_jmp, 1)) {
		__atomic_add_fetch(&sh->refused, 1, __ATOMIC_RELAXED);
		usleep(1000);
	}
	while (!sh->stop) {
		for (; i < pages && !sh->stop; i++) {
			p[i / QB_HOG_CHUNK][(i % QB_HOG_CHUNK) * page] =
				(unsigned char)(pass + i + 1);
			__atomic_add_fetch(&sh->written, 1, __ATOMIC_RELAXED);
		}
		i = 0;
		pass++;
	}
	return 0;
}

/* debugfs aether/mm/reclaim's "stored": pages the pool's reclaim stored. */
static long qb_stored(void)
{
	FILE *f = fopen("/sys/kernel/debug/aether/mm/reclaim", "r");
	char line[128];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "stored %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The pool's reclaim counters of debugfs aether/mm/stats a phase shows. */
static const char *const qb_rstat_keys[] = {
	"kreclaimd_wakeups", "kreclaimd_reclaimed", "direct_reclaims",
	"direct_reclaimed", "reserve_allocs", "reserve_empty",
	"reserve_waits", "reserve_refused",
};

#define QB_NR_RSTATS	ARRAY_SIZE(qb_rstat_keys)

/* Read them into @v (-1 each when the file or the key is missing). */
static void qb_rstats(long *v)
{
	FILE *f = fopen("/sys/kernel/debug/aether/mm/stats", "r");
	char line[128], key[64];
	unsigned int i;
	long x;

	for (i = 0; i < QB_NR_RSTATS; i++)
		v[i] = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", key, &x) != 2)
			continue;
		for (i = 0; i < QB_NR_RSTATS; i++)
			if (!strcmp(key, qb_rstat_keys[i]))
				v[i] = x;
	}
	fclose(f);
}

/* The pool's largest size in pages (pool_max_mb per node), or 0. */
static long qb_pool_max_pages(int mfd)
{
	struct aether_mm_pool_info pi = { .size = sizeof(pi) };
	FILE *f = fopen("/sys/module/aether_mm/parameters/pool_max_mb", "r");
	long mb = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &mb) != 1)
		mb = 0;
	fclose(f);
	if (ioctl(mfd, AETHER_MM_IOC_POOL_INFO, &pi))
		return 0;
	return mb * pi.nr_nodes * (1048576 / qb_page());
}

static int qb_cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* One latency phase's figures, over every repeat of the run. */
struct qb_phase {
	const char *name;
	__u64 samples, p50, p99, p999;
	long hog_pages;		/* written while the RT task measured */
	long stored;		/* pages the pool's reclaim stored meanwhile */
	long hog_refused;	/* hog faults refused (SIGBUS) meanwhile */
	long refused;		/* measured faults refused (SIGBUS), retried */
	long preempted;		/* the measured task's involuntary switches */
	__u64 ns;		/* how long it measured */
	bool hog;		/* a hog ran beside */
	int hog_status;		/* its end before it was stopped, or -1 */
	long rstat[QB_NR_RSTATS];	/* qb_rstat_keys, while it measured */
	__u64 *lat;		/* every sample of every repeat */
	long nlat;
	__u64 round_p99;	/* the last repeat's p99 */
	long round_hog_pages;	/* and the hog's pages then */
};

static sigjmp_buf qb_measure_jmp;

static void qb_measure_sigbus(int sig)
{
	(void)sig;
	siglongjmp(qb_measure_jmp, 1);
}

/* The @pct-th percentile of the @n samples at @lat, sorted in place. */
static __u64 qb_pct(__u64 *lat, long n, unsigned int pct)
{
	qsort(lat, n, sizeof(*lat), qb_cmp_u64);
	return n ? lat[n * pct / 1000] : 0;
}

/* The measured task's involuntary context switches so far. */
static long qb_nivcsw(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? 0 : ru.ru_nivcsw;
}

/*
 * The measured task: @rounds regions of @pages in the group of @gfd, each
 * page's first write timed alone, appended to @ph's samples; this
 * repeat's p99 into @ph->round_p99.  A fault the pool cannot serve
 * (SIGBUS) is tried again 1 ms later: its latency runs from its first
 * try to the write that went through, and it is counted.
 */
static int qb_measure(int mfd, int gfd, long pages, long rounds,
		      struct qb_phase *ph)
{
	long page = qb_page();
	static __u64 *lat, t0, start;
	static unsigned char *p;
	static long r, i, n, csw;
	static int rfd;
	static volatile long refused;

	lat = ph->lat + ph->nlat;
	n = 0;
	refused = 0;
	csw = qb_nivcsw();
	start = qb_now();
	signal(SIGBUS, qb_measure_sigbus);
	for (r = 0; r < rounds; r++) {
		p = qb_region(mfd, gfd, 0, pages, &rfd);
		if (!p) {
			signal(SIGBUS, SIG_DFL);
			return -EIO;
		}
		for (i = 0; i < pages; i++) {
			t0 = qb_now();
			if (sigsetjmp(qb_measure_jmp, 1)) {
				refused++;
				usleep(1000);
			}
			p[i * page] = 1;
			lat[n++] = qb_now() - t0;
		}
		munmap(p, pages * page);
		close(rfd);
	}
	signal(SIGBUS, SIG_DFL);
	ph->ns += qb_now() - start;
	ph->preempted += qb_nivcsw() - csw;
	ph->refused += refused;
	ph->round_p99 = qb_pct(lat, n, 990);
	ph->nlat += n;
	return 0;
}

/* The percentiles of every sample of @ph. */
static void qb_phase_finish(struct qb_phase *ph)
{
	ph->samples = ph->nlat;
	ph->p50 = qb_pct(ph->lat, ph->nlat, 500);
	ph->p99 = qb_pct(ph->lat, ph->nlat, 990);
	ph->p999 = qb_pct(ph->lat, ph->nlat, 999);
}

/*
 * The hog's regions go back to the pool after it exits, not at once:
 * wait (60 s at most) until group @id holds nothing, so that the next
 * phase, "alone" above all, does not run beside what is left of it.
 */
static void qb_hog_gone(int fd, __u32 id)
{
	struct aether_qos_group_info gi;
	int i;

	for (i = 0; i < 600; i++) {
		if (qos_get(fd, id, &gi) || !gi.usage)
			return;
		usleep(100 * 1000);
	}
	actl_err("the hog's group still holds %llu pages",
		 (unsigned long long)gi.usage);
}

/*
 * A phase: the hog (if @hog_id) started in its group (@hog_gfd) and given
 * time to fill the pool (one pass, or 300 s), then the measured task;
 * the hog's progress while it measured, added to @ph's; then the hog
 * stopped and its pages gone.
 */
static int qb_phase_run(int fd, int mfd, int rt_gfd, int hog_gfd,
			__u32 hog_id, long pages, long rounds, long hog_pages,
			struct qb_phase *ph)
{
	long before, refused, stored, rs[QB_NR_RSTATS], re[QB_NR_RSTATS];
	struct qb_shared *sh;
	pid_t pid = -1;
	int ret, status, i;

	ph->hog = hog_id != 0;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -ENOMEM;
	memset(sh, 0, sizeof(*sh));
	if (hog_id) {
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			munmap(sh, sizeof(*sh));
			return -errno;
		}
		if (!pid) {
			/* Never outlive the bench. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			_exit(qb_hog(mfd, hog_gfd, hog_pages, sh));
		}
		for (i = 0; i < 3000 && sh->written < hog_pages; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				ph->hog_status = status;
				pid = -1;
				break;
			}
			usleep(100 * 1000);
		}
	}
	before = sh->written;
	refused = sh->refused;
	stored = qb_stored();
	qb_rstats(rs);
	ret = qb_measure(mfd, rt_gfd, pages, rounds, ph);
	qb_rstats(re);
	for (i = 0; i < (int)QB_NR_RSTATS; i++)
		ph->rstat[i] = rs[i] < 0 || re[i] < 0 || ph->rstat[i] < 0 ? -1 :
			       ph->rstat[i] + re[i] - rs[i];
	ph->round_hog_pages = sh->written - before;
	ph->hog_pages += ph->round_hog_pages;
	ph->hog_refused += sh->refused - refused;
	ph->stored = stored < 0 || ph->stored < 0 ? -1 :
		     ph->stored + qb_stored() - stored;
	if (pid > 0) {
		/* Ended before it was told to stop: its status says how. */
		if (waitpid(pid, &status, WNOHANG) == pid)
			ph->hog_status = status;
		else
			sh->stop = 1;
		waitpid(pid, &status, 0);
	}
	if (hog_id)
		qb_hog_gone(fd, hog_id);
	munmap(sh, sizeof(*sh));
	return ret;
}

static void qb_phase_row(struct actl_out *t, const struct qb_phase *ph)
{
	out_row(t);
	out_str(t, ph->name);
	out_u64(t, ph->samples);
	out_u64(t, ph->p50);
	out_u64(t, ph->p99);
	out_u64(t, ph->p999);
	out_s64(t, ph->stored);
	out_u64(t, ph->refused);
	out_s64(t, ph->preempted);
	if (!ph->hog) {
		out_str(t, "-");
		out_str(t, "-");
		out_str(t, "-");
		out_str(t, "-");
		return;
	}
	out_u64(t, ph->hog_pages);
	out_u64(t, ph->hog_refused);
	out_u64(t, ph->ns ? ph->hog_pages * 1000000000ULL / ph->ns : 0);
	out_str(t, ph->hog_status == -1 ? "ran" :
		WIFSIGNALED(ph->hog_status) ? "killed" : "failed");
}

/* Each repeat's figures: the p99 of each phase, the ratios. */
struct qb_round {
	__u64 p99[3];
	long hog_pages[2];
	__s64 ratio[2];		/* qos_hog, noqos_hog p99 / alone, x1000 */
};

static int qb_cmp_s64(const void *a, const void *b)
{
	__s64 x = *(const __s64 *)a, y = *(const __s64 *)b;

	return x < y ? -1 : x > y;
}

/* The median, lowest and highest of the @k-th ratio of @n repeats. */
static void qb_ratio_stats(const struct qb_round *rd, long n, int k,
			   __s64 out[3])
{
	__s64 v[QB_MAX_REPEATS];
	long i;

	for (i = 0; i < n; i++)
		v[i] = rd[i].ratio[k];
	qsort(v, n, sizeof(*v), qb_cmp_s64);
	out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out[1] = v[0];
	out[2] = v[n - 1];
}

static void qb_latency_tables(const struct qb_phase *ph,
			      const struct qb_round *rd, long repeats)
{
	struct actl_out *t;
	int i;

	t = out_table("latency", "first-touch fault latency (ns)");
	out_col(t, "phase", "PHASE");
	out_col(t, "samples", "SAMPLES");
	out_col(t, "p50_ns", "P50");
	out_col(t, "p99_ns", "P99");
	out_col(t, "p999_ns", "P99.9");
	out_col(t, "stored", "STORED");
	out_col(t, "refused", "SIGBUS");
	out_col(t, "preempted", "PREEMPTED");
	out_col(t, "hog_pages", "HOG_PAGES");
	out_col(t, "hog_refused", "HOG_SIGBUS");
	out_col(t, "hog_pages_per_s", "HOG_PAGES/S");
	out_col(t, "hog", "HOG");
	for (i = 0; i < 3; i++)
		qb_phase_row(t, &ph[i]);
	out_flush(t);
	/* Where the pool's pages came from while each phase measured. */
	t = out_table("latency_reclaim",
		      "pool reclaim while measuring (debugfs aether/mm/stats)");
	out_col(t, "phase", "PHASE");
	for (i = 0; i < (int)QB_NR_RSTATS; i++)
		out_col(t, qb_rstat_keys[i], qb_rstat_keys[i]);
	for (i = 0; i < 3; i++) {
		unsigned int k;

		out_row(t);
		out_str(t, ph[i].name);
		for (k = 0; k < QB_NR_RSTATS; k++)
			out_s64(t, ph[i].rstat[k]);
	}
	out_flush(t);
	t = out_table("latency_rounds",
		      "each repeat, same boot: p99 (ns) and p99 / alone");
	out_col(t, "repeat", "REPEAT");
	out_col(t, "alone_p99_ns", "ALONE_P99");
	out_col(t, "qos_p99_ns", "QOS_P99");
	out_col(t, "noqos_p99_ns", "NOQOS_P99");
	out_col(t, "qos_ratio_x1000", "QOS_RATIO");
	out_col(t, "noqos_ratio_x1000", "NOQOS_RATIO");
	out_col(t, "qos_hog_pages", "QOS_HOG_PAGES");
	out_col(t, "noqos_hog_pages", "NOQOS_HOG_PAGES");
	for (i = 0; i < repeats; i++) {
		out_row(t);
		out_u64(t, i + 1);
		out_u64(t, rd[i].p99[0]);
		out_u64(t, rd[i].p99[1]);
		out_u64(t, rd[i].p99[2]);
		out_x1000(t, rd[i].ratio[0]);
		out_x1000(t, rd[i].ratio[1]);
		out_s64(t, rd[i].hog_pages[0]);
		out_s64(t, rd[i].hog_pages[1]);
	}
	out_flush(t);
}

static void qb_latency_summary(const struct qb_phase *ph,
			       const struct qb_round *rd, long pages,
			       long rounds, long repeats, long hog_pages)
{
	__s64 q[3], nq[3];
	struct actl_out *t;
	long met = 0, i;
	bool progress = ph[1].hog_status == -1;

	for (i = 0; i < repeats; i++) {
		met += rd[i].ratio[0] <= 2000;
		progress = progress && rd[i].hog_pages[0] > 0;
	}
	qb_ratio_stats(rd, repeats, 0, q);
	qb_ratio_stats(rd, repeats, 1, nq);
	t = out_kv("latency_summary",
		   "RealTime p99 under the hog / alone, median of the repeats");
	out_key(t, "pages_per_round", "pages per round");
	out_u64(t, pages);
	out_key(t, "rounds", "rounds per phase");
	out_u64(t, rounds);
	out_key(t, "repeats", "repeats (alone, qos, noqos each)");
	out_u64(t, repeats);
	out_key(t, "hog_region_pages", "hog region pages");
	out_u64(t, hog_pages);
	out_key(t, "qos_p99_ratio_x1000", "RealTime p99 under hog / alone");
	out_x1000(t, q[0]);
	out_key(t, "qos_p99_ratio_low_x1000", "  lowest repeat");
	out_x1000(t, q[1]);
	out_key(t, "qos_p99_ratio_high_x1000", "  highest repeat");
	out_x1000(t, q[2]);
	out_key(t, "qos_repeats_met", "repeats within 2.0");
	out_u64(t, met);
	out_key(t, "noqos_p99_ratio_x1000", "no QoS p99 under hog / alone");
	out_x1000(t, nq[0]);
	out_key(t, "noqos_p99_ratio_low_x1000", "  lowest repeat");
	out_x1000(t, nq[1]);
	out_key(t, "noqos_p99_ratio_high_x1000", "  highest repeat");
	out_x1000(t, nq[2]);
	out_key(t, "goal", "goal: median <= 2.0, hog progressing");
	out_str(t, q[0] <= 2000 && progress ? "met" : "not met");
	out_flush(t);
}

/* p99 of phase @k over the alone phase's of the same repeat, x1000. */
static __s64 qb_ratio(const struct qb_round *rd, int k)
{
	return rd->p99[0] ? (__s64)(rd->p99[k] * 1000 / rd->p99[0]) : 0;
}

/*
 * --latency: a RealTime group's first-touch faults, alone, then under a
 * BestEffort hog that drives the pool into reclaim (QoS), then with both
 * the measured task and the hog in Normal groups (no QoS: every group
 * alike), @repeats times in the same boot.  Each repeat's ratios are its
 * own phases' p99 over its own alone p99: the summary is their median,
 * lowest and highest, and the tables pool every sample.  The RealTime
 * group's min is @pages (a round's region: its working set, as its
 * user would protect it), which sizes the pool's RealTime reserve.
 */
static int qos_bench_latency(int fd, int mfd, long pages, long rounds,
			     long repeats, long hog_pages)
{
	struct qb_phase ph[3] = {
		{ .name = "alone" }, { .name = "qos_hog" },
		{ .name = "noqos_hog" },
	};
	static const char *const names[] = {
		QB_PREFIX "rt", QB_PREFIX "hog", QB_PREFIX "n1", QB_PREFIX "n2",
	};
	static const __u32 classes[] = {
		AETHER_QOS_CLASS_REALTIME, AETHER_QOS_CLASS_BESTEFFORT,
		AETHER_QOS_CLASS_NORMAL, AETHER_QOS_CLASS_NORMAL,
	};
	struct aether_qos_set st = { .size = sizeof(st),
				     .mask = AETHER_QOS_SET_MIN, .min = pages };
	struct qb_round rd[QB_MAX_REPEATS] = { };
	int gfd[4] = { -1, -1, -1, -1 }, ret = -EIO, i;
	__u32 ids[4] = { };
	long r;

	for (i = 0; i < 3; i++) {
		ph[i].hog_status = -1;
		ph[i].lat = calloc(pages * rounds * repeats, sizeof(__u64));
		if (!ph[i].lat)
			goto out;
	}
	for (i = 0; i < 4; i++) {
		qb_destroy(fd, names[i]);
		ids[i] = qb_group(fd, AETHER_QOS_ROOT_ID, names[i],
				  classes[i], AETHER_QOS_UNLIMITED);
		if (!ids[i])
			goto out;
		gfd[i] = qos_open_group(fd, ids[i]);
		if (gfd[i] < 0)
			goto out;
		st.id = ids[i];
		if (!i && actl_ioctl(fd, AETHER_QOS_IOC_SET, &st, "SET"))
			goto out;
	}
	for (r = 0; r < repeats; r++) {
		ret = qb_phase_run(fd, mfd, gfd[0], -1, 0, pages, rounds,
				   hog_pages, &ph[0]);
		if (!ret)
			ret = qb_phase_run(fd, mfd, gfd[0], gfd[1], ids[1],
					   pages, rounds, hog_pages, &ph[1]);
		if (!ret)
			ret = qb_phase_run(fd, mfd, gfd[2], gfd[3], ids[3],
					   pages, rounds, hog_pages, &ph[2]);
		if (ret)
			goto out;
		for (i = 0; i < 3; i++)
			rd[r].p99[i] = ph[i].round_p99;
		rd[r].hog_pages[0] = ph[1].round_hog_pages;
		rd[r].hog_pages[1] = ph[2].round_hog_pages;
		rd[r].ratio[0] = qb_ratio(&rd[r], 1);
		rd[r].ratio[1] = qb_ratio(&rd[r], 2);
	}
	for (i = 0; i < 3; i++)
		qb_phase_finish(&ph[i]);
	qb_latency_tables(ph, rd, repeats);
	qb_latency_summary(ph, rd, pages, rounds, repeats, hog_pages);
out:
	for (i = 0; i < 4; i++) {
		if (gfd[i] >= 0)
			close(gfd[i]);
		qb_destroy(fd, names[i]);
	}
	for (i = 0; i < 3; i++)
		free(ph[i].lat);
	return ret;
}

/* Fault in @pages of a fresh region of the group of @gfd: the ns. */
static __u64 qb_fault_in(int mfd, int gfd, long pages)
{
	long page = qb_page(), i;
	unsigned char *p;
	__u64 t0, t1;
	int rfd;

	p = qb_region(mfd, gfd, 0, pages, &rfd);
	if (!p)
		return 0;
	t0 = qb_now();
	for (i = 0; i < pages; i++)
		p[i * page] = 1;
	t1 = qb_now();
	munmap(p, pages * page);
	close(rfd);
	return t1 - t0;
}

/*
 * --cost: region fault-in charged to the root group (one counter, no
 * limit: the least accounting aether_qos does; a region charged to no
 * group cannot be had while it is loaded) against a group two levels down
 * whose max and high are set at both levels (three counters, each checked
 * against its limits), alternating, @rounds each; the ratio's median,
 * lowest and highest.
 */
static int qos_bench_cost(int fd, int mfd, long pages, long rounds)
{
	__u64 base, limited, *ratio = calloc(rounds, sizeof(*ratio));
	int rootfd = -1, leaffd = -1, ret = -EIO;
	struct actl_out *t;
	__u32 top, leaf;
	long r;

	if (!ratio)
		return -ENOMEM;
	qb_destroy(fd, QB_PREFIX "cost");
	top = qb_group(fd, AETHER_QOS_ROOT_ID, QB_PREFIX "cost",
		       AETHER_QOS_CLASS_NORMAL, 4 * (__u64)pages);
	leaf = top ? qb_group(fd, top, "leaf", AETHER_QOS_CLASS_NORMAL,
			      2 * (__u64)pages) : 0;
	if (!leaf)
		goto out;
	rootfd = qos_open_group(fd, AETHER_QOS_ROOT_ID);
	leaffd = qos_open_group(fd, leaf);
	if (rootfd < 0 || leaffd < 0)
		goto out;
	qb_fault_in(mfd, rootfd, pages);	/* warm the pool */
	for (r = 0; r < rounds; r++) {
		if (r & 1) {
			limited = qb_fault_in(mfd, leaffd, pages);
			base = qb_fault_in(mfd, rootfd, pages);
		} else {
			base = qb_fault_in(mfd, rootfd, pages);
			limited = qb_fault_in(mfd, leaffd, pages);
		}
		if (!base || !limited)
			goto out;
		ratio[r] = limited * 1000 / base;
	}
	qsort(ratio, rounds, sizeof(*ratio), qb_cmp_u64);
	t = out_kv("cost", "fault-in, limited group / root group");
	out_key(t, "pages", "pages per round");
	out_u64(t, pages);
	out_key(t, "rounds", "rounds");
	out_u64(t, rounds);
	out_key(t, "ratio_median_x1000", "ratio, median");
	out_x1000(t, ratio[rounds / 2]);
	out_key(t, "ratio_min_x1000", "ratio, lowest");
	out_x1000(t, ratio[0]);
	out_key(t, "ratio_max_x1000", "ratio, highest");
	out_x1000(t, ratio[rounds - 1]);
	out_key(t, "goal", "goal: median <= 1.05");
	out_str(t, ratio[rounds / 2] <= 1050 ? "met" : "not met");
	out_flush(t);
	ret = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	if (leaffd >= 0)
		close(leaffd);
	if (leaf)
		qb_destroy_child(fd, top, leaf);
	qb_destroy(fd, QB_PREFIX "cost");
	free(ratio);
	return ret;
}

/*
 * bench --fw: the firewall's cost on the hot paths, the same operations
 * with 0, 1, 100 and 10000 rules in one run, the counts interleaved
 * round by round.  Every table holds one rule that matches the caller
 * (allow its uid to open the region by name) and others for other uids
 * on the same region (by id, name and glob), so a lookup probes the
 * region's buckets with rules in them.  Refuses to run over an admin's
 * rules (-EBUSY); leaves the table empty.
 */
#define QB_FW_OPS	1000
#define QB_FW_NAME	"qb-fw"

static const unsigned int qb_fw_counts[] = { 0, 1, 100, 10000 };

static int qb_fw_table(int fd, unsigned int n, __u64 rid)
{
	struct aether_qos_fw_del d = { .size = sizeof(d),
				       .flags = AETHER_QOS_FW_DEL_ALL };
	struct aether_qos_fw_add a = { .size = sizeof(a),
				       .position = AETHER_QOS_FW_APPEND };
	struct aether_qos_fw_rule *r;
	unsigned int i;
	int ret;

	if (ioctl(fd, AETHER_QOS_IOC_FW_DEL, &d))
		return -errno;
	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[0].action = AETHER_QOS_FW_ALLOW;
	r[0].subject = AETHER_QOS_FW_SUBJ_UID;
	r[0].subject_id = geteuid();
	r[0].object = AETHER_QOS_FW_OBJ_NAME;
	snprintf(r[0].name, sizeof(r[0].name), QB_FW_NAME);
	r[0].access = AETHER_QOS_FW_OPEN;
	for (i = 1; i < n; i++) {
		r[i].action = AETHER_QOS_FW_DENY;
		r[i].subject = AETHER_QOS_FW_SUBJ_UID;
		r[i].subject_id = 100000 + i;
		r[i].access = AETHER_QOS_FW_ACCESS_ALL;
		r[i].object = i % 3 == 0 ? AETHER_QOS_FW_OBJ_ID :
			      i % 3 == 1 ? AETHER_QOS_FW_OBJ_NAME :
			      AETHER_QOS_FW_OBJ_GLOB;
		if (r[i].object == AETHER_QOS_FW_OBJ_ID)
			r[i].object_id = rid;
		else
			snprintf(r[i].name, sizeof(r[i].name), "%s",
				 i % 3 == 1 ? QB_FW_NAME : "qb-*");
	}
	a.count = n;
	a.rules = (uintptr_t)r;
	ret = ioctl(fd, AETHER_QOS_IOC_FW_ADD, &a) ? -errno : 0;
	free(r);
	return ret;
}

/*
 * ns per op of open, mmap and (per page) fault-in: @ns[3]; 0 or -errno.
 * Each is the fastest of its batches (QB_FW_BATCH ops, or pages), per
 * op: a vCPU the host preempts only ever adds time, so the fastest batch
 * is the one the host left alone, and the tables compare on it.
 */
#define QB_FW_BATCH	25

static double qb_fw_best(double best, double t0, long n)
{
	double ns = (qos_bench_now() - t0) * 1e9 / n;

	return best && best < ns ? best : ns;
}

static int qb_fw_measure(int mfd, int rfd, long pages, double ns[3])
{
	struct aether_mm_region_open o;
	long page = sysconf(_SC_PAGESIZE), i;
	unsigned char *p;
	double t0 = 0;

	ns[0] = ns[1] = ns[2] = 0;
	for (i = 0; i < QB_FW_OPS; i++) {
		if (!(i % QB_FW_BATCH))
			t0 = qos_bench_now();
		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.name = (uintptr_t)QB_FW_NAME;
		o.flags = AETHER_MM_REGION_OPEN_CLOEXEC;
		if (ioctl(mfd, AETHER_MM_IOC_REGION_OPEN, &o))
			return -errno;
		close(o.fd);
		if (i % QB_FW_BATCH == QB_FW_BATCH - 1)
			ns[0] = qb_fw_best(ns[0], t0, QB_FW_BATCH);
	}
	for (i = 0; i < QB_FW_OPS; i++) {
		if (!(i % QB_FW_BATCH))
			t0 = qos_bench_now();
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, rfd,
			 0);
		if (p == MAP_FAILED)
			return -errno;
		munmap(p, page);
		if (i % QB_FW_BATCH == QB_FW_BATCH - 1)
			ns[1] = qb_fw_best(ns[1], t0, QB_FW_BATCH);
	}
	p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED, rfd,
		 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < pages; i++) {
		if (!(i % QB_FW_BATCH))
			t0 = qos_bench_now();
		p[i * page] = (unsigned char)i;
		if (i % QB_FW_BATCH == QB_FW_BATCH - 1)
			ns[2] = qb_fw_best(ns[2], t0, QB_FW_BATCH);
	}
	munmap(p, pages * page);
	return 0;
}

static int qb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int qos_bench_fw(int fd, int mfd, long pages, long rounds)
{
	enum { NC = ARRAY_SIZE(qb_fw_counts) };
	static const char *const what[3] = { "open", "mmap", "fault" };
	struct aether_qos_fw_list l = { .size = sizeof(l) };
	struct aether_mm_region_create c;
	double *v = calloc(rounds * NC * 3, sizeof(*v)), *ratio, med[NC][3];
	double col[1000];
	struct actl_out *t;
	int ret = -EIO, rfd = -1;
	long r, k, j, m;

	ratio = calloc(rounds, sizeof(*ratio));
	if (!v || !ratio)
		goto out;
	if (pages < QB_FW_BATCH) {
		actl_err("bench --fw needs --pages %d or more", QB_FW_BATCH);
		ret = -EINVAL;
		goto out;
	}
	if (actl_ioctl(fd, AETHER_QOS_IOC_FW_LIST, &l, "FW_LIST"))
		goto out;
	if (l.count) {
		actl_err("the firewall has %u rules: bench --fw needs it empty",
			 l.count);
		ret = -EBUSY;
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = AETHER_MM_REGION_SHARED;
	c.length = pages * sysconf(_SC_PAGESIZE);
	c.max_prot = AETHER_MM_PROT_READ | AETHER_MM_PROT_WRITE;
	c.tier = AETHER_MM_TIER_NORMAL;
	c.pol_mode = AETHER_MM_POL_LOCAL;
	c.name = (uintptr_t)QB_FW_NAME;
	c.fd = -1;
	if (actl_ioctl(mfd, AETHER_MM_IOC_REGION_CREATE, &c, "REGION_CREATE"))
		goto out;
	rfd = c.fd;
	for (r = 0; r < rounds; r++) {
		for (j = 0; j < NC; j++) {
			k = (j + r) % NC;	/* interleaved, rotating */
			ret = qb_fw_table(fd, qb_fw_counts[k], c.id);
			if (!ret)
				ret = qb_fw_measure(mfd, rfd, pages,
						    &v[(r * NC + k) * 3]);
			if (ret) {
				actl_errno(-ret, "bench --fw, %u rules",
					   qb_fw_counts[k]);
				goto out;
			}
		}
	}
	for (k = 0; k < NC; k++)
		for (m = 0; m < 3; m++) {
			for (r = 0; r < rounds; r++)
				col[r] = v[(r * NC + k) * 3 + m];
			qsort(col, rounds, sizeof(col[0]), qb_cmp_double);
			med[k][m] = col[rounds / 2];
		}
	t = out_table("fw", "firewall cost: ns per op (fault: per page), the median over rounds of each round's fastest batch, and ratio to no rules");
	out_col(t, "rules", "RULES");
	for (m = 0; m < 3; m++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ns", what[m]);
		out_col(t, strdup(key), strdup(key));
		snprintf(key, sizeof(key), "%s_ratio_x1000", what[m]);
		out_col(t, strdup(key), strdup(key));
	}
	for (k = 0; k < NC; k++) {
		out_row(t);
		out_u64(t, qb_fw_counts[k]);
		for (m = 0; m < 3; m++) {
			/* the median of the per-round ratios */
			for (r = 0; r < rounds; r++)
				ratio[r] = v[(r * NC + k) * 3 + m] /
					   v[(r * NC) * 3 + m];
			qsort(ratio, rounds, sizeof(*ratio), qb_cmp_double);
			out_u64(t, (__u64)med[k][m]);
			out_x1000(t, (__s64)(ratio[rounds / 2] * 1000));
		}
	}
	out_flush(t);
	ret = 0;
out:
	qb_fw_table(fd, 0, 0);
	if (rfd >= 0)
		close(rfd);
	free(ratio);
	free(v);
	return ret;
}

static int qos_cmd_bench(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{ "high", no_argument, NULL, 'h' },
		{ "latency", no_argument, NULL, 'l' },
		{ "cost", no_argument, NULL, 'c' },
		{ "fw", no_argument, NULL, 'f' },
		{ "pages", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "hog-pages", required_argument, NULL, 'H' },
		{ "repeat", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	long pages = 0, rounds = 0, seconds = 10, hog_pages = 0, repeats = 1;
	bool high = false, latency = false, cost = false, fw = false;
	int o, mfd, ret;

	(void)ctx;
	while ((o = getopt_long(argc, argv, "hlcfp:r:s:H:R:", opts, NULL)) != -1) {
		if (o == 'f')
			fw = true;
		else if (o == 'h')
			high = true;
		else if (o == 'l')
			latency = true;
		else if (o == 'c')
			cost = true;
		else if ((o == 'p' && !actl_parse_int("pages", optarg, 16, 1L << 24, &pages)) ||
			 (o == 'r' && !actl_parse_int("rounds", optarg, 1, 1000, &rounds)) ||
			 (o == 's' && !actl_parse_int("seconds", optarg, 1, 3600, &seconds)) ||
			 (o == 'H' && !actl_parse_int("hog-pages", optarg, 16, 1 << 24, &hog_pages)) ||
			 (o == 'R' && !actl_parse_int("repeat", optarg, 1, QB_MAX_REPEATS, &repeats)))
			continue;
		else
			return QOS_USAGE;
	}
	if (optind != argc || high + latency + cost + fw != 1)
		return QOS_USAGE;
	if (high)
		return qos_bench_high(fd, pages ? pages : 8192, seconds);
	mfd = open(QB_MM_DEVICE, O_RDWR | O_CLOEXEC);
	if (mfd < 0) {
		actl_errno(errno, "%s", QB_MM_DEVICE);
		return -EIO;
	}
	/* By default the hog is a quarter larger than the pool can grow. */
	if (latency && !hog_pages)
		hog_pages = qb_pool_max_pages(mfd) * 5 / 4;
	if (latency && !hog_pages) {
		actl_err("cannot read the pool's size: give --hog-pages");
		close(mfd);
		return -EIO;
	}
	if (fw)
		ret = qos_bench_fw(fd, mfd, pages ? pages : 256,
				   rounds ? rounds : 5);
	else if (latency)
		ret = qos_bench_latency(fd, mfd, pages ? pages : 1024,
					rounds ? rounds : 8, repeats,
					hog_pages);
	else
		ret = qos_bench_cost(fd, mfd, pages ? pages : 4096,
				     rounds ? rounds : 7);
	close(mfd);
	return ret;
}

/* ---- fw: the memory firewall ---- */

static const char *const fw_actions[] = { "allow", "deny", "audit" };
static const char *const fw_subjects[] = { "any", "uid", "gid", "group",
					   "pid" };
static const char *const fw_objects[] = { "any", "id", "name", "glob",
					  "kind", "tag" };
static const char *const fw_access[] = { "open", "read", "write", "exec",
					 "mprotect", "info", "query",
					 "checksum", "migrate", "dedupe",
					 "qos", "attach" };
static const char *const fw_ops[] = { "open", "mmap", "mprotect", "fault",
				      "ioctl", "quarantine", "integrity" };

static int fw_word(const char *s, const char *const *words, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, words[i]))
			return i;
	return -1;
}

/* "read,write" or "map" (read,write,exec) or "all": the access bits. */
static int fw_parse_access(const char *arg, __u32 *out)
{
	char buf[256], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", arg);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*out |= AETHER_QOS_FW_ACCESS_ALL;
			continue;
		}
		if (!strcmp(tok, "map")) {
			*out |= AETHER_QOS_FW_READ | AETHER_QOS_FW_WRITE |
				AETHER_QOS_FW_EXEC;
			continue;
		}
		i = fw_word(tok, fw_access, ARRAY_SIZE(fw_access));
		if (i < 0) {
			actl_err("unknown access '%s'", tok);
			return -1;
		}
		*out |= 1U << i;
	}
	return *out ? 0 : -1;
}

/* "uid:1000", "pid:123+" (and its descendants), "any"... */
static int fw_parse_subject(const char *arg, struct aether_qos_fw_rule *r)
{
	char kind[16];
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	char num[32];
	__u64 v;
	int i;

	if (len >= sizeof(kind))
		return -1;
	memcpy(kind, arg, len);
	kind[len] = 0;
	i = fw_word(kind, fw_subjects, ARRAY_SIZE(fw_subjects));
	if (i < 0)
		return -1;
	r->subject = i;
	if (i == AETHER_QOS_FW_SUBJ_ANY)
		return colon ? -1 : 0;
	if (!colon)
		return -1;
	snprintf(num, sizeof(num), "%s", colon + 1);
	len = strlen(num);
	if (i == AETHER_QOS_FW_SUBJ_PID && len && num[len - 1] == '+') {
		num[len - 1] = 0;
		r->flags |= AETHER_QOS_FW_RULE_DESCENDANTS;
	}
	if (actl_parse_u64("subject", num, &v))
		return -1;
	r->subject_id = v;
	return 0;
}

/* "id:5", "name:db", "glob:db-*", "kind:secure" or a flags number, "tag:7". */
static int fw_parse_object(const char *arg, struct aether_qos_fw_rule *r)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	char kind[16];
	int i;

	if (len >= sizeof(kind))
		return -1;
	memcpy(kind, arg, len);
	kind[len] = 0;
	i = fw_word(kind, fw_objects, ARRAY_SIZE(fw_objects));
	if (i < 0)
		return -1;
	r->object = i;
	switch (i) {
	case AETHER_QOS_FW_OBJ_ANY:
		return colon ? -1 : 0;
	case AETHER_QOS_FW_OBJ_ID:
		return colon ? actl_parse_u64("id", colon + 1, &r->object_id) :
			       -1;
	case AETHER_QOS_FW_OBJ_KIND:
		if (!colon)
			return -1;
		if (!strcmp(colon + 1, "secure")) {
			r->object_id = AETHER_MM_REGION_SECURE;
			return 0;
		}
		return actl_parse_u64("kind", colon + 1, &r->object_id);
	case AETHER_QOS_FW_OBJ_TAG:
		return colon ? actl_parse_u64("tag", colon + 1,
					      &r->object_id) : -1;
	default:
		if (!colon || !colon[1] ||
		    strlen(colon + 1) >= sizeof(r->name))
			return -1;
		snprintf(r->name, sizeof(r->name), "%s", colon + 1);
		return 0;
	}
}

static int fw_add(int fd, int argc, char **argv)
{
	struct aether_qos_fw_add a = { .size = sizeof(a),
				       .position = AETHER_QOS_FW_APPEND };
	struct aether_qos_fw_rule *r;
	int i, n, ret;
	long at;

	if (argc >= 2 && !strcmp(argv[0], "--at")) {
		if (actl_parse_int("--at", argv[1], 0, 0x7fffffff, &at))
			return QOS_USAGE;
		a.position = at;
		argc -= 2;
		argv += 2;
	}
	if (!argc || argc % 4)
		return QOS_USAGE;
	n = argc / 4;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char **w = argv + 4 * i;
		int act = fw_word(w[0], fw_actions, ARRAY_SIZE(fw_actions));

		if (act < 0 || fw_parse_subject(w[1], &r[i]) ||
		    fw_parse_object(w[2], &r[i]) ||
		    fw_parse_access(w[3], &r[i].access)) {
			actl_err("bad rule: %s %s %s %s", w[0], w[1], w[2],
				 w[3]);
			free(r);
			return QOS_USAGE;
		}
		r[i].action = act;
	}
	a.count = n;
	a.rules = (uintptr_t)r;
	ret = actl_ioctl(fd, AETHER_QOS_IOC_FW_ADD, &a, "FW_ADD");
	free(r);
	if (ret)
		return -EIO;
	out_note("added %d rule(s), ids %u..%u", n, a.first_id,
		 a.first_id + n - 1);
	return 0;
}

static void fw_out_access(struct actl_out *t, __u32 access)
{
	char buf[128] = "";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fw_access); i++)
		if (access & (1U << i)) {
			if (buf[0])
				strcat(buf, ",");
			strcat(buf, fw_access[i]);
		}
	out_str(t, buf);
}

static int fw_list_cmd(int fd)
{
	struct aether_qos_fw_list l = { .size = sizeof(l) };
	struct aether_qos_fw_rule *r = NULL;
	struct actl_out *t, *kv;
	char subj[48];
	__u32 i;

	if (actl_ioctl(fd, AETHER_QOS_IOC_FW_LIST, &l, "FW_LIST"))
		return -EIO;
	if (l.count) {
		r = calloc(l.count, sizeof(*r));
		if (!r)
			return -ENOMEM;
		l.rules = (uintptr_t)r;
		if (actl_ioctl(fd, AETHER_QOS_IOC_FW_LIST, &l, "FW_LIST")) {
			free(r);
			return -EIO;
		}
	}
	kv = out_kv("firewall", "memory firewall");
	out_key(kv, "default", "default");
	out_str(kv, fw_actions[l.default_action % 3]);
	out_key(kv, "permissive", "permissive");
	out_u64(kv, !!(l.mode & AETHER_QOS_FW_DEFAULT_PERMISSIVE));
	out_key(kv, "generation", "generation");
	out_u64(kv, l.generation);
	out_key(kv, "quarantined", "uids quarantined");
	out_u64(kv, l.quarantined);
	out_flush(kv);
	t = out_table("rules", "rules, in order");
	out_col(t, "index", "#");
	out_col(t, "id", "ID");
	out_col(t, "action", "ACTION");
	out_col(t, "subject", "SUBJECT");
	out_col(t, "object", "OBJECT");
	out_col(t, "access", "ACCESS");
	out_col(t, "hits", "HITS");
	for (i = 0; r && i < l.count; i++) {
		char obj[96];

		out_row(t);
		out_u64(t, i);
		out_u64(t, r[i].id);
		out_str(t, fw_actions[r[i].action % 3]);
		if (r[i].subject == AETHER_QOS_FW_SUBJ_ANY)
			snprintf(subj, sizeof(subj), "any");
		else
			snprintf(subj, sizeof(subj), "%s:%llu%s",
				 fw_subjects[r[i].subject % 5],
				 (unsigned long long)r[i].subject_id,
				 r[i].flags & AETHER_QOS_FW_RULE_DESCENDANTS ?
				 "+" : "");
		out_str(t, subj);
		if (r[i].object == AETHER_QOS_FW_OBJ_NAME ||
		    r[i].object == AETHER_QOS_FW_OBJ_GLOB)
			snprintf(obj, sizeof(obj), "%s:%s",
				 fw_objects[r[i].object], r[i].name);
		else if (r[i].object == AETHER_QOS_FW_OBJ_ANY)
			snprintf(obj, sizeof(obj), "any");
		else
			snprintf(obj, sizeof(obj), "%s:%llu",
				 fw_objects[r[i].object % 6],
				 (unsigned long long)r[i].object_id);
		out_str(t, obj);
		fw_out_access(t, r[i].access);
		out_u64(t, r[i].hits);
	}
	out_flush(t);
	free(r);
	return 0;
}

/* The records the ring holds (and, with --follow, those to come). */
static int fw_audit_cmd(int fd, bool follow)
{
	struct aether_qos_fw_audit_open o = { .size = sizeof(o),
		.flags = AETHER_QOS_FW_AUDIT_CLOEXEC |
			 (follow ? 0 : AETHER_QOS_FW_AUDIT_NONBLOCK) };
	struct aether_qos_fw_record rec;
	struct actl_out *t;

	if (actl_ioctl(fd, AETHER_QOS_IOC_FW_AUDIT_OPEN, &o, "FW_AUDIT_OPEN"))
		return -EIO;
	t = out_table("audit", "firewall audit records");
	out_col(t, "seq", "SEQ");
	out_col(t, "time_ns", "TIME_NS");
	out_col(t, "decision", "DECISION");
	out_col(t, "enforcing", "ENF");
	out_col(t, "op", "OP");
	out_col(t, "requested", "REQUESTED");
	out_col(t, "allowed", "ALLOWED");
	out_col(t, "uid", "UID");
	out_col(t, "pid", "PID");
	out_col(t, "comm", "COMM");
	out_col(t, "group", "GROUP");
	out_col(t, "region", "REGION");
	out_col(t, "name", "NAME");
	out_col(t, "index", "PAGE");
	out_col(t, "rule", "RULE");
	out_col(t, "err", "ERR");
	out_col(t, "suppressed", "SUPPR");
	while (read(o.fd, &rec, sizeof(rec)) == sizeof(rec)) {
		out_row(t);
		out_u64(t, rec.seq);
		out_u64(t, rec.time_ns);
		out_str(t, fw_actions[rec.decision % 3]);
		out_u64(t, !!(rec.flags & AETHER_QOS_FW_REC_ENFORCING));
		out_str(t, rec.op < ARRAY_SIZE(fw_ops) ? fw_ops[rec.op] : "?");
		fw_out_access(t, rec.requested);
		fw_out_access(t, rec.allowed);
		out_u64(t, rec.uid);
		out_u64(t, rec.pid);
		rec.comm[sizeof(rec.comm) - 1] = 0;
		out_str(t, rec.comm);
		out_u64(t, rec.group);
		out_u64(t, rec.region_id);
		rec.name[sizeof(rec.name) - 1] = 0;
		out_str(t, rec.name[0] ? rec.name : "-");
		out_u64(t, rec.index);
		out_u64(t, rec.rule_id);
		out_s64(t, rec.err);
		out_u64(t, rec.suppressed);
		if (follow)
			out_flush(t);
	}
	out_flush(t);
	close(o.fd);
	return 0;
}

/*
 * fw add [--at N] ACTION SUBJECT OBJECT ACCESS [...] | del ID|all | list |
 * default ACTION [--permissive] | audit [--follow] | unquarantine UID|all
 */
static int qos_cmd_fw(const struct actl_ctx *ctx, int fd, int argc,
		      char **argv)
{
	__u64 v;

	(void)ctx;
	if (argc < 2)
		return QOS_USAGE;
	if (!strcmp(argv[1], "add"))
		return fw_add(fd, argc - 2, argv + 2);
	if (!strcmp(argv[1], "list") && argc == 2)
		return fw_list_cmd(fd);
	if (!strcmp(argv[1], "audit") && argc <= 3) {
		if (argc == 3 && strcmp(argv[2], "--follow"))
			return QOS_USAGE;
		return fw_audit_cmd(fd, argc == 3);
	}
	if (!strcmp(argv[1], "del") && argc == 3) {
		struct aether_qos_fw_del d = { .size = sizeof(d) };

		if (!strcmp(argv[2], "all"))
			d.flags = AETHER_QOS_FW_DEL_ALL;
		else if (actl_parse_u64("ID", argv[2], &v) || !v ||
			 v > 0xffffffffULL)
			return QOS_USAGE;
		else
			d.id = v;
		return actl_ioctl(fd, AETHER_QOS_IOC_FW_DEL, &d, "FW_DEL") ?
		       -EIO : 0;
	}
	if (!strcmp(argv[1], "default") && (argc == 3 || argc == 4)) {
		struct aether_qos_fw_default d = { .size = sizeof(d) };
		int act = fw_word(argv[2], fw_actions, ARRAY_SIZE(fw_actions));

		if (act < 0)
			return QOS_USAGE;
		if (argc == 4) {
			if (strcmp(argv[3], "--permissive"))
				return QOS_USAGE;
			d.flags = AETHER_QOS_FW_DEFAULT_PERMISSIVE;
		}
		d.action = act;
		return actl_ioctl(fd, AETHER_QOS_IOC_FW_DEFAULT, &d,
				  "FW_DEFAULT") ? -EIO : 0;
	}
	if (!strcmp(argv[1], "unquarantine") && argc == 3) {
		struct aether_qos_fw_unquarantine q = { .size = sizeof(q) };

		if (!strcmp(argv[2], "all"))
			q.flags = AETHER_QOS_FW_UNQ_ALL;
		else if (actl_parse_u64("UID", argv[2], &v) ||
			 v > 0xffffffffULL)
			return QOS_USAGE;
		else
			q.uid = v;
		return actl_ioctl(fd, AETHER_QOS_IOC_FW_UNQUARANTINE, &q,
				  "FW_UNQUARANTINE") ? -EIO : 0;
	}
	return QOS_USAGE;
}

static const struct actl_cmd qos_cmds[] = {
	{ "show", qos_cmd_show, "[GROUP]",
	  "every group (a table), or one group's figures" },
	{ "create", qos_cmd_create, "PARENT NAME [--class C]",
	  "make a group (root, or the owner of PARENT)" },
	{ "set", qos_cmd_set, "GROUP KEY=VALUE...",
	  "min, low, high, max (pages, or max), class (root, or\n\t\t the owner of its parent)" },
	{ "attach", qos_cmd_attach, "GROUP PID | GROUP --region NAME|fd:N",
	  "charge PID's and its children's new regions to GROUP;\n\t\t GROUP root detaches; or move a region (by name, or an\n\t\t fd aetherctl inherited), its pages with it" },
	{ "destroy", qos_cmd_destroy, "GROUP",
	  "remove an empty group (no children, processes, regions)" },
	{ "top", qos_cmd_top, "[--once] [--interval S]",
	  "groups by usage: max, high, class, events, pressure avg10,\n\t\t redrawn every S seconds (2)" },
	{ "bench", qos_cmd_bench,
	  "--high [--pages N] [--seconds S] | --latency|--cost|--fw\n\t\t [--pages N] [--rounds R] [--hog-pages H]\n\t\t [--repeat K]",
	  "memory.high's accuracy (a task writing as fast as it can\n\t\t for S s, 10, in a group of high N pages, 8192: the\n\t\t peak's overshoot); RealTime fault latency under a\n\t\t BestEffort hog (H: 5/4 of the pool's largest size; and\n\t\t with no QoS); the cost of a limited group's accounting;\n\t\t or the firewall's (--fw: open, mmap, fault-in with 0, 1,\n\t\t 100, 10000 rules; an empty table needed)" },
	{ "fw", qos_cmd_fw,
	  "add [--at N] ACTION SUBJECT OBJECT ACCESS... | del ID|all |\n\t\t list | default ACTION [--permissive] | audit [--follow] |\n\t\t unquarantine UID|all",
	  "the memory firewall (root): ACTION allow|deny|audit,\n\t\t SUBJECT any|uid:N|gid:N|group:ID|pid:N[+ descendants],\n\t\t OBJECT any|id:N|name:S|glob:S|kind:secure|kind:FLAGS|tag:N,\n\t\t ACCESS open,read,write,exec,map,mprotect,info,query,\n\t\t checksum,migrate,dedupe,qos,attach,all" },
	{ "watch", qos_cmd_watch,
	  "GROUP [--threshold US] [--window US] [--count N]",
	  "print pressure events as they come (a PSI trigger on the\n\t\t group's fd; default some 100000 2000000)" },
};

static const char qos_notes[] =
	"A GROUP is an id or a path from the root (web/frontend).  Limits\n"
	"are in pages, as cgroup v2's memory.min/low/high/max are in bytes;\n"
	"'max' is no limit.  A process nobody attached is charged to its\n"
	"user's default group, user.<uid>.  Over high, a task reclaims and\n"
	"is throttled on its way back to user mode (memcg's penalty, at\n"
	"most 2 s a time).\n";

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
