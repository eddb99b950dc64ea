// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dedupe.c - aether_dedupe's tunables, put back after the run
 *
 * Of the commands of /dev/aether_dedupe, SET changes what outlives the
 * fd: the tunables of the engine (run, pages_to_scan, merge_across_nodes,
 * ...), which the tests run after the fuzzer expect at what they were.
 * The generated table fuzzes SET like any command (as root it may stop
 * the scanner, unmerge everything, turn the advisor on); this file reads
 * the tunables once before the run (STATUS) and, once every fuzzing
 * process is gone, sets them back in two calls: everything with run = 2
 * (unmerge, so that max_page_sharing and merge_across_nodes may change),
 * then run as it was.  pages_to_scan is left to the advisor when it was
 * on (setting it then is refused, as KSM refuses it).  STATUS must then
 * read what was saved, or the run fails: a SET that was refused must not
 * have half-applied, and one that succeeded must be undone by SET.
 *
 * The table's field roles stop at the struct inside SET (its @knobs stay
 * zero but for the fully random builds), so fz_dedupe_steer() fills them:
 * each field at a bound of its range, one past it, KSM's default, a
 * value inside or anything, and a mask of one field, several or any.
 *
 * SET_DOMAIN puts the run's regions into named domains; the regions go
 * with the run, and the module forgets names no region uses when it
 * needs room, so nothing is left to undo there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/aether_dedupe.h>

#include "aether_fuzz.h"

#define FZ_DEDUPE_DEVICE	"/dev/aether_dedupe"

/* Each field's range (aether_dedupe.h) and KSM's default, in order. */
static const struct {
	__u32 min, max, dflt;
} fz_dedupe_ranges[] = {
	{ 0, 2, 0 },		/* run */
	{ 1, 100000, 100 },	/* pages_to_scan */
	{ 0, 60000, 20 },	/* sleep_millisecs */
	{ 2, 32768, 256 },	/* max_page_sharing */
	{ 0, 1, 0 },		/* use_zero_pages */
	{ 0, 1, 1 },		/* merge_across_nodes */
	{ 0, 1, 1 },		/* smart_scan */
	{ 0, 1, 0 },		/* advisor_mode */
	{ 1, 3600, 200 },	/* advisor_target_scan_time */
	{ 1, 100, 70 },		/* advisor_max_cpu */
	{ 1, 100000, 500 },	/* advisor_min_pages_to_scan */
	{ 1, 100000, 30000 },	/* advisor_max_pages_to_scan */
	{ 0, 60000, 2000 },	/* stable_node_chains_prune_millisecs */
};

_Static_assert(sizeof(struct aether_dedupe_knobs) ==
	       (FZ_ARRAY_SIZE(fz_dedupe_ranges) + 1) * sizeof(__u32),
	       "fz_dedupe_ranges: one line per tunable");

static struct aether_dedupe_knobs fz_dedupe_saved;
static bool fz_dedupe_have;

static int fz_dedupe_status(int fd, struct aether_dedupe_knobs *k)
{
	struct aether_dedupe_status st = { .size = sizeof(st) };

	if (ioctl(fd, AETHER_DEDUPE_IOC_STATUS, &st))
		return -errno;
	*k = st.knobs;
	return 0;
}

void fz_dedupe_init(void)
{
	int fd = open(FZ_DEDUPE_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	fz_dedupe_have = !fz_dedupe_status(fd, &fz_dedupe_saved);
	close(fd);
	if (fz_dedupe_have)
		printf("# aether_dedupe's tunables saved (run %u); set back after the run\n",
		       fz_dedupe_saved.run);
}

static __u32 fz_dedupe_value(uint64_t *s, unsigned int i)
{
	__u32 lo = fz_dedupe_ranges[i].min, hi = fz_dedupe_ranges[i].max;

	switch (fz_below(s, 8)) {
	case 0:
		return lo;
	case 1:
		return hi;
	case 2:
		return lo - 1;
	case 3:
		return hi + 1;
	case 4:
	case 5:
		return fz_dedupe_ranges[i].dflt;
	case 6:
		return lo + fz_below(s, hi - lo + 1);
	default:
		return fz_rand(s);
	}
}

/*
 * fz_dedupe_steer: a SET about to be sent with its argument in @area
 * (@room bytes from the start): fill its tunables and, mostly, its mask.
 */
void fz_dedupe_steer(uint64_t *s, const struct fz_ioctl *to,
		     unsigned char *area, unsigned long room, unsigned long arg)
{
	unsigned long lo = (uintptr_t)area;
	struct aether_dedupe_set *set;
	__u32 *k;
	unsigned int i, r;

	if (!to || _IOC_TYPE(to->cmd) != _IOC_TYPE(AETHER_DEDUPE_IOC_SET) ||
	    _IOC_NR(to->cmd) != _IOC_NR(AETHER_DEDUPE_IOC_SET) ||
	    arg < lo || arg + sizeof(*set) > lo + room || fz_below(s, 10) < 2)
		return;
	set = (struct aether_dedupe_set *)arg;
	k = (__u32 *)&set->knobs;
	for (i = 0; i < FZ_ARRAY_SIZE(fz_dedupe_ranges); i++)
		k[i] = fz_dedupe_value(s, i);
	set->knobs.__reserved = fz_below(s, 20) ? 0 : fz_rand(s);
	r = fz_below(s, 10);
	if (r < 5)
		set->mask = 1U << fz_below(s, FZ_ARRAY_SIZE(fz_dedupe_ranges));
	else if (r < 8)
		set->mask = fz_rand(s) & AETHER_DEDUPE_SET_ALL;
	else if (r < 9)
		set->mask = fz_rand(s);
}

/* SET @mask of @k; 0 or -errno. */
static int fz_dedupe_set(int fd, const struct aether_dedupe_knobs *k,
			 __u32 mask)
{
	struct aether_dedupe_set s = { .size = sizeof(s), .mask = mask };

	s.knobs = *k;
	s.knobs.__reserved = 0;
	return ioctl(fd, AETHER_DEDUPE_IOC_SET, &s) ? -errno : 0;
}

int fz_dedupe_cleanup(void)
{
	struct aether_dedupe_knobs k = fz_dedupe_saved, now;
	__u32 mask = AETHER_DEDUPE_SET_ALL;
	int fd, err;

	if (!fz_dedupe_have)
		return 0;
	fd = open(FZ_DEDUPE_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# aether_dedupe: %s went away during the run\n",
		       FZ_DEDUPE_DEVICE);
		return -1;
	}
	if (k.advisor_mode != AETHER_DEDUPE_ADVISOR_NONE)
		mask &= ~AETHER_DEDUPE_SET_PAGES_TO_SCAN;
	k.run = AETHER_DEDUPE_RUN_UNMERGE;
	err = fz_dedupe_set(fd, &k, mask);
	if (!err)
		err = fz_dedupe_set(fd, &fz_dedupe_saved, AETHER_DEDUPE_SET_RUN);
	if (!err)
		err = fz_dedupe_status(fd, &now);
	close(fd);
	if (err) {
		printf("# aether_dedupe: setting the tunables back: %s\n",
		       strerror(-err));
		return -1;
	}
	/* The advisor moves pages_to_scan by itself. */
	if (k.advisor_mode != AETHER_DEDUPE_ADVISOR_NONE)
		now.pages_to_scan = fz_dedupe_saved.pages_to_scan;
	if (memcmp(&now, &fz_dedupe_saved, sizeof(now))) {
		printf("# aether_dedupe: the tunables read back differently after SET\n");
		return -1;
	}
	return 0;
}
