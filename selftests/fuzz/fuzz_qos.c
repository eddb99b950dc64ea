// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_qos.c - aether_qos's groups, kept apart from the fuzzer's and
 * taken away after the run
 *
 * Of the commands of /dev/aether_qos, CREATE, SET, DESTROY, ATTACH_PID and
 * ATTACH_REGION change what outlives the fd: the tree of groups, their
 * limits, which process (or region) is charged where.  The tests run after the fuzzer expect the
 * groups that were there before it as they were (a user's default group
 * with a tiny max would fail every later region of that user), and no
 * process but the fuzzer's own in a group it made.  So:
 *
 *   - before the run, fz_qos_init() keeps the groups there are (LIST,
 *     GET): their ids, limits and class;
 *   - fz_qos_steer() points a SET, DESTROY or ATTACH_REGION (its region
 *     fd is one of the fuzzer's, or none) that names one of those at an
 *     id that names nothing (most of the time; the rest of the
 *     command stays as the table built it), and an ATTACH_PID at the
 *     fuzzing process itself or at a pid that is nobody's;
 *   - after the run, fz_qos_cleanup() destroys every group the run made,
 *     children first (a group a region of someone else still holds gets
 *     its limits put back instead), and fails the run if a group that
 *     was there before reads differently.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/aether_qos.h>

#include "aether_fuzz.h"

#define FZ_QOS_DEVICE	"/dev/aether_qos"
#define FZ_QOS_MAX	1024	/* groups kept before the run */
#define FZ_QOS_NOBODY	0x7fff0000U	/* ids above: never handed out */

static struct aether_qos_group_info fz_qos_saved[FZ_QOS_MAX];
static unsigned int fz_qos_nr;
static bool fz_qos_have;

static int fz_qos_get(int fd, __u32 id, struct aether_qos_group_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	gi->size = sizeof(*gi);
	gi->id = id;
	return ioctl(fd, AETHER_QOS_IOC_GET, gi) ? -errno : 0;
}

/*
 * The ids of every group now, into @ids (room @room): how many, or
 * -errno.  LIST allocates: under fault injection it is tried again.
 */
static int fz_qos_list(int fd, __u32 *ids, __u32 room)
{
	struct aether_qos_list l;
	int tries = 0, ret;

	do {
		l = (struct aether_qos_list){
			.size = sizeof(l), .count = room,
			.ids_ptr = (uintptr_t)ids,
		};
		ret = ioctl(fd, AETHER_QOS_IOC_LIST, &l) ? -errno : 0;
	} while (ret == -ENOMEM && ++tries < 1000);
	if (ret)
		return ret;
	return l.count < room ? l.count : room;
}

static bool fz_qos_kept(__u32 id)
{
	unsigned int i;

	for (i = 0; i < fz_qos_nr; i++)
		if (fz_qos_saved[i].id == id)
			return true;
	return false;
}

void fz_qos_init(void)
{
	__u32 ids[FZ_QOS_MAX];
	int fd = open(FZ_QOS_DEVICE, O_RDWR | O_CLOEXEC), n, i;

	if (fd < 0)
		return;
	n = fz_qos_list(fd, ids, FZ_QOS_MAX);
	for (i = 0; i < n; i++)
		if (!fz_qos_get(fd, ids[i], &fz_qos_saved[fz_qos_nr]))
			fz_qos_nr++;
	close(fd);
	fz_qos_have = n > 0;
	if (fz_qos_have)
		printf("# aether_qos: %u groups kept out of the run's reach\n",
		       fz_qos_nr);
}

/*
 * fz_qos_steer: a command of aether_qos about to be sent with its argument
 * in @area (@room bytes from the start).
 */
void fz_qos_steer(uint64_t *s, const struct fz_ioctl *to,
		  unsigned char *area, unsigned long room, unsigned long arg)
{
	unsigned long lo = (uintptr_t)area;
	struct aether_qos_attach *a;
	unsigned int nr;
	__u32 *id;

	if (!fz_qos_have || !to ||
	    _IOC_TYPE(to->cmd) != AETHER_QOS_IOC_MAGIC ||
	    arg < lo || arg + sizeof(*a) > lo + room)
		return;
	nr = _IOC_NR(to->cmd);
	/* SET, DESTROY, ATTACH_PID and ATTACH_REGION: @id after @size */
	if (nr != _IOC_NR(AETHER_QOS_IOC_SET) &&
	    nr != _IOC_NR(AETHER_QOS_IOC_DESTROY) &&
	    nr != _IOC_NR(AETHER_QOS_IOC_ATTACH_PID) &&
	    nr != _IOC_NR(AETHER_QOS_IOC_ATTACH_REGION))
		return;
	id = (__u32 *)(arg + 4);
	if (nr != _IOC_NR(AETHER_QOS_IOC_ATTACH_PID)) {
		if (*id != AETHER_QOS_ROOT_ID && fz_qos_kept(*id))
			*id = FZ_QOS_NOBODY + fz_below(s, 1000);
		return;
	}
	/* Only into the run's own groups (or the root: detach), and only us. */
	if (fz_qos_kept(*id) && *id != AETHER_QOS_ROOT_ID)
		*id = FZ_QOS_NOBODY + fz_below(s, 1000);
	a = (struct aether_qos_attach *)arg;
	switch (fz_below(s, 8)) {
	case 0:
		a->pid = 0;
		break;
	case 1:
		a->pid = -(int)fz_below(s, 3);
		break;
	case 2:
		a->pid = 0x3fffff00 + fz_below(s, 255);	/* above pid_max */
		break;
	default:
		a->pid = getpid();
	}
}

/* Destroy the groups under @parent that the run made, children first. */
static int fz_qos_clear(int fd, __u32 parent, const __u32 *ids, int n,
			int depth)
{
	struct aether_qos_group_info gi;
	struct aether_qos_set reset = {
		.size = sizeof(reset), .mask = AETHER_QOS_SET_ALL,
		.high = AETHER_QOS_UNLIMITED, .max = AETHER_QOS_UNLIMITED,
	};
	struct aether_qos_destroy d = { .size = sizeof(d) };
	int i, left = 0;

	if (depth > 20)
		return 0;
	for (i = 0; i < n; i++) {
		if (!ids[i] || fz_qos_get(fd, ids[i], &gi) ||
		    gi.parent_id != parent)
			continue;
		left += fz_qos_clear(fd, ids[i], ids, n, depth + 1);
		if (fz_qos_kept(ids[i]))
			continue;
		d.id = ids[i];
		if (!ioctl(fd, AETHER_QOS_IOC_DESTROY, &d))
			continue;
		/* still charged by someone: back to no limits */
		reset.id = ids[i];
		if (ioctl(fd, AETHER_QOS_IOC_SET, &reset))
			left++;
	}
	return left;
}

int fz_qos_cleanup(void)
{
	static __u32 ids[65536];
	struct aether_qos_group_info now;
	unsigned int i;
	int fd, n, left;

	if (!fz_qos_have)
		return 0;
	fd = open(FZ_QOS_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# aether_qos: %s went away during the run\n",
		       FZ_QOS_DEVICE);
		return -1;
	}
	n = fz_qos_list(fd, ids, FZ_ARRAY_SIZE(ids));
	left = n < 0 ? 1 : fz_qos_clear(fd, AETHER_QOS_ROOT_ID, ids, n, 0);
	for (i = 0; i < fz_qos_nr; i++) {
		const struct aether_qos_group_info *was = &fz_qos_saved[i];

		if (fz_qos_get(fd, was->id, &now)) {
			/* a user's default group the run emptied may go */
			if (was->flags & AETHER_QOS_GROUP_USER)
				continue;
			printf("# aether_qos: group %u (%s) is gone\n",
			       was->id, was->name);
			left++;
			continue;
		}
		if (now.min != was->min || now.low != was->low ||
		    now.high != was->high || now.max != was->max ||
		    now.class != was->class || strcmp(now.name, was->name)) {
			printf("# aether_qos: group %u (%s) changed in the run\n",
			       was->id, was->name);
			left++;
		}
	}
	close(fd);
	if (left)
		printf("# aether_qos: %d groups could not be put back\n", left);
	return left ? -1 : 0;
}
