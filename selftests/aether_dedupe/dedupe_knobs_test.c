// SPDX-License-Identifier: GPL-2.0
/*
 * dedupe_knobs_test.c - /dev/aether_dedupe: STATUS, SET, module parameters
 *
 * STATUS reads the knobs (KSM's names and defaults) and the counters; SET
 * takes a mask and is all or nothing: one value out of range (-EINVAL)
 * sets none, max_page_sharing and merge_across_nodes while pages are
 * merged are -EBUSY.  Reserved fields, sizes and unknown commands are
 * refused; SET and SET_DOMAIN need CAP_SYS_ADMIN, STATUS does not.  The
 * module parameters are the same knobs and refuse what SET refuses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aether_dedupe_util.h"
#include "kselftest_harness.h"

ADT_FIXTURE(knobs);

/* One knob's range, as aether_dedupe.h gives it. */
struct range {
	__u32 bit;
	__u32 min;
	__u32 max;
};

static const struct range ranges[] = {
	{ AETHER_DEDUPE_SET_RUN, 0, 2 },
	{ AETHER_DEDUPE_SET_PAGES_TO_SCAN, 1, 100000 },
	{ AETHER_DEDUPE_SET_SLEEP_MILLISECS, 0, 60000 },
	{ AETHER_DEDUPE_SET_MAX_PAGE_SHARING, 2, 32768 },
	{ AETHER_DEDUPE_SET_USE_ZERO_PAGES, 0, 1 },
	{ AETHER_DEDUPE_SET_MERGE_ACROSS_NODES, 0, 1 },
	{ AETHER_DEDUPE_SET_SMART_SCAN, 0, 1 },
	{ AETHER_DEDUPE_SET_ADVISOR_MODE, 0, 1 },
	{ AETHER_DEDUPE_SET_ADVISOR_TARGET, 1, 3600 },
	{ AETHER_DEDUPE_SET_ADVISOR_MAX_CPU, 1, 100 },
	{ AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES, 1, 100000 },
	{ AETHER_DEDUPE_SET_PRUNE_MILLISECS, 0, 60000 },
};

TEST_F(knobs, status_reads_every_knob_within_its_range)
{
	struct aether_dedupe_status st;
	size_t i;
	__u32 v;

	ASSERT_EQ(0, adt_status(self->dfd, &st));
	EXPECT_EQ(0, st.knobs.__reserved);
	for (i = 0; i < AEMT_ARRAY_SIZE(ranges); i++) {
		v = *adt_knob(&st.knobs, ranges[i].bit);
		EXPECT_LE(ranges[i].min, v) TH_LOG("%s", adt_knob_name(ranges[i].bit));
		EXPECT_GE(ranges[i].max, v) TH_LOG("%s", adt_knob_name(ranges[i].bit));
	}
	EXPECT_LE(st.knobs.advisor_min_pages_to_scan,
		  st.knobs.advisor_max_pages_to_scan);
	EXPECT_GE(100000, st.knobs.advisor_max_pages_to_scan);
	/* The setup's knobs read back. */
	EXPECT_EQ(AETHER_DEDUPE_RUN_STOP, st.knobs.run);
	EXPECT_EQ(ADT_TEST_PAGES_TO_SCAN, st.knobs.pages_to_scan);
	EXPECT_EQ(ADT_TEST_SLEEP_MS, st.knobs.sleep_millisecs);
	/* Unmerged at setup: nothing shared. */
	EXPECT_EQ(0, st.counters.pages_shared);
	EXPECT_EQ(0, st.counters.pages_sharing);
	EXPECT_EQ(0, st.counters.stable_node_chains);
	EXPECT_EQ(0, st.counters.stable_node_dups);
}

/*
 * The defaults are KSM's (Documentation/admin-guide/mm/ksm.rst), as the
 * box loads the module (no knob among its parameters): the fixture's
 * saved knobs are what the module had before this test.
 */
TEST_F(knobs, defaults_are_ksms)
{
	const struct aether_dedupe_knobs *k = &self->saved;

	EXPECT_EQ(AETHER_DEDUPE_RUN_STOP, k->run);
	EXPECT_EQ(20, k->sleep_millisecs);
	EXPECT_EQ(256, k->max_page_sharing);
	EXPECT_EQ(0, k->use_zero_pages);
	EXPECT_EQ(1, k->merge_across_nodes);
	EXPECT_EQ(1, k->smart_scan);
	EXPECT_EQ(AETHER_DEDUPE_ADVISOR_NONE, k->advisor_mode);
	EXPECT_EQ(100, k->pages_to_scan);
	EXPECT_EQ(200, k->advisor_target_scan_time);
	EXPECT_EQ(70, k->advisor_max_cpu);
	EXPECT_EQ(500, k->advisor_min_pages_to_scan);
	EXPECT_EQ(30000, k->advisor_max_pages_to_scan);
	EXPECT_EQ(2000, k->stable_node_chains_prune_millisecs);
}

TEST_F(knobs, set_reads_back_each_knob_at_both_ends_of_its_range)
{
	struct aether_dedupe_knobs k;
	__u32 vals[2];
	size_t i, j;

	for (i = 0; i < AEMT_ARRAY_SIZE(ranges); i++) {
		if (ranges[i].bit == AETHER_DEDUPE_SET_RUN)
			continue;	/* the scanner stays stopped here */
		vals[0] = ranges[i].min;
		vals[1] = ranges[i].max;
		for (j = 0; j < 2; j++) {
			/* The ceiling is at least the floor: set it first. */
			if (ranges[i].bit == AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES)
				ASSERT_EQ(0, adt_set1(self->dfd,
					AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES,
					100000));
			ASSERT_EQ(0, adt_set1(self->dfd, ranges[i].bit, vals[j]))
				TH_LOG("%s = %u", adt_knob_name(ranges[i].bit),
				       vals[j]);
			ASSERT_EQ(0, adt_knobs(self->dfd, &k));
			EXPECT_EQ(vals[j], *adt_knob(&k, ranges[i].bit))
				TH_LOG("%s", adt_knob_name(ranges[i].bit));
		}
		/* Back to the test knobs for the next one. */
		ASSERT_EQ(0, adt_test_knobs(self->dfd));
	}
}

TEST_F(knobs, each_value_out_of_range_is_einval_and_sets_nothing)
{
	struct aether_dedupe_knobs before, after, k;
	__u32 bad[2];
	size_t i, j;

	ASSERT_EQ(0, adt_knobs(self->dfd, &before));
	for (i = 0; i < AEMT_ARRAY_SIZE(ranges); i++) {
		bad[0] = ranges[i].min ? ranges[i].min - 1 : ~0U;
		bad[1] = ranges[i].max + 1;
		for (j = 0; j < 2; j++) {
			/* A good sleep_millisecs in the same call: not set. */
			memset(&k, 0, sizeof(k));
			k.sleep_millisecs = 777;
			*adt_knob(&k, ranges[i].bit) = bad[j];
			if (ranges[i].bit == AETHER_DEDUPE_SET_SLEEP_MILLISECS)
				k.sleep_millisecs = bad[j];
			EXPECT_EQ(-EINVAL, adt_set(self->dfd, ranges[i].bit |
					AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k))
				TH_LOG("%s = %u", adt_knob_name(ranges[i].bit),
				       bad[j]);
			ASSERT_EQ(0, adt_knobs(self->dfd, &after));
			EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
				TH_LOG("%s = %u changed a knob",
				       adt_knob_name(ranges[i].bit), bad[j]);
		}
	}
}

TEST_F(knobs, advisor_ceiling_below_its_floor_is_einval)
{
	struct aether_dedupe_knobs k = {
		.advisor_min_pages_to_scan = 1000,
		.advisor_max_pages_to_scan = 999,
	};

	EXPECT_EQ(-EINVAL, adt_set(self->dfd,
				   AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES |
				   AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES, &k));
	k.advisor_max_pages_to_scan = 100001;
	k.advisor_min_pages_to_scan = 1;
	EXPECT_EQ(-EINVAL, adt_set(self->dfd,
				   AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES, &k));
	k.advisor_max_pages_to_scan = 1000;
	EXPECT_EQ(0, adt_set(self->dfd, AETHER_DEDUPE_SET_ADVISOR_MIN_PAGES |
			     AETHER_DEDUPE_SET_ADVISOR_MAX_PAGES, &k));
}

TEST_F(knobs, set_with_no_mask_or_an_unknown_bit_is_einval)
{
	struct aether_dedupe_knobs k = { .pages_to_scan = 5 };

	EXPECT_EQ(-EINVAL, adt_set(self->dfd, 0, &k));
	EXPECT_EQ(-EINVAL, adt_set(self->dfd, AETHER_DEDUPE_SET_ALL + 1, &k));
	EXPECT_EQ(-EINVAL, adt_set(self->dfd, 1U << 31 |
				   AETHER_DEDUPE_SET_PAGES_TO_SCAN, &k));
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(ADT_TEST_PAGES_TO_SCAN, k.pages_to_scan);
}

TEST_F(knobs, reserved_fields_must_be_zero)
{
	struct aether_dedupe_status st = { .size = sizeof(st) };
	struct aether_dedupe_set s = {
		.size = sizeof(s),
		.mask = AETHER_DEDUPE_SET_PAGES_TO_SCAN,
		.knobs = { .pages_to_scan = 7, .__reserved = 1 },
	};

	st.__reserved0 = 1;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &st));
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET, &s));
	s.knobs.__reserved = 0;
	EXPECT_EQ(0, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET, &s));
}

/* A size below the struct, or a larger one with non-zero bytes beyond. */
struct big_status {
	struct aether_dedupe_status st;
	__u64 more[4];
};

TEST_F(knobs, sizes_follow_the_copy_struct_from_user_rule)
{
	struct big_status big;
	struct aether_dedupe_set s;
	struct aether_dedupe_region_stats rs;
	struct aether_dedupe_domain d;

	memset(&big, 0, sizeof(big));
	big.st.size = 0;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &big));
	big.st.size = sizeof(big.st) - 8;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &big));
	/* Larger, zeroes beyond: fine, and the known part is answered. */
	big.st.size = sizeof(big);
	EXPECT_EQ(0, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &big));
	EXPECT_EQ(ADT_TEST_PAGES_TO_SCAN, big.st.knobs.pages_to_scan);
	memset(&big, 0, sizeof(big));
	big.st.size = sizeof(big);
	big.more[3] = 1;
	EXPECT_EQ(-E2BIG, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &big));
	big.more[3] = 0;
	big.st.size = 2 * (__u32)sysconf(_SC_PAGESIZE);
	EXPECT_EQ(-E2BIG, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS, &big));

	memset(&s, 0, sizeof(s));
	s.size = 4;
	s.mask = AETHER_DEDUPE_SET_SLEEP_MILLISECS;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET, &s));
	memset(&rs, 0, sizeof(rs));
	rs.size = 8;
	rs.region_fd = -1;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_REGION_STATS,
				     &rs));
	memset(&d, 0, sizeof(d));
	d.size = 0;
	d.region_fd = -1;
	EXPECT_EQ(-EINVAL, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET_DOMAIN,
				     &d));
}

TEST_F(knobs, unknown_commands_are_enotty)
{
	struct aether_dedupe_status st = { .size = sizeof(st) };

	EXPECT_EQ(-ENOTTY, aet_ioctl(self->dfd,
		_IOWR(AETHER_DEDUPE_IOC_MAGIC, 0x7f,
		      struct aether_dedupe_status), &st));
	EXPECT_EQ(-ENOTTY, aet_ioctl(self->dfd,
		_IOWR(AETHER_MM_IOC_MAGIC, 0x00,
		      struct aether_dedupe_status), &st));
	EXPECT_EQ(-ENOTTY, aet_ioctl(self->dfd, _IO(AETHER_DEDUPE_IOC_MAGIC,
						   0x04), NULL));
}

TEST_F(knobs, a_bad_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_STATUS,
				     (void *)16));
	EXPECT_EQ(-EFAULT, aet_ioctl(self->dfd, AETHER_DEDUPE_IOC_SET,
				     (void *)16));
}

/* ---- who may ------------------------------------------------------------- */

struct who {
	int rfd;	/* a region fd of the parent's */
};

/* As alice: STATUS yes; SET and SET_DOMAIN no. */
static int alice_tries(void *arg)
{
	struct who *w = arg;
	struct aether_dedupe_status st;
	struct aether_dedupe_knobs k = { .sleep_millisecs = 1 };
	int dfd = adt_open(), ret;

	if (dfd < 0)
		return dfd == -EACCES ? -EIO : dfd;
	ret = adt_status(dfd, &st);
	if (ret)
		goto out;
	ret = adt_set(dfd, AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k);
	if (ret != -EPERM) {
		ret = ret ? ret : -EIO;
		goto out;
	}
	ret = adt_run(dfd, AETHER_DEDUPE_RUN_UNMERGE);
	if (ret != -EPERM) {
		ret = ret ? ret : -EIO;
		goto out;
	}
	ret = adt_set_domain(dfd, w->rfd, "alices");
	ret = ret == -EPERM ? 0 : (ret ? ret : -EIO);
out:
	close(dfd);
	return ret;
}

TEST_F(knobs, set_and_set_domain_need_cap_sys_admin)
{
	struct adt_region r = { .fd = -1 };
	struct who w;
	struct aether_dedupe_knobs k;

	if (!aemt_can_run_as(&aemt_alice))
		SKIP(return, "needs root and the box's user alice");
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 2, &r));
	w.rfd = r.fd;
	EXPECT_EQ(0, aemt_run_as(&aemt_alice, alice_tries, &w));
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(ADT_TEST_SLEEP_MS, k.sleep_millisecs);
	adt_region_drop(&r);
}

static int capless_set(int fd, void *arg)
{
	struct aether_dedupe_knobs k = { .sleep_millisecs = 1 };

	(void)arg;
	return adt_set(fd, AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k);
}

/* The check is at ioctl time: root's fd in a process without the cap. */
TEST_F(knobs, set_on_an_admins_fd_without_the_capability_is_eperm)
{
	EXPECT_EQ(-EPERM, aemt_run_unprivileged(capless_set, self->dfd, NULL));
}

/* ---- while merged ---------------------------------------------------------- */

/* Two equal pages merged now (REGION_DEDUPE): 0 or -errno. */
static int merge_two(int mm, struct adt_region *r)
{
	struct aether_mm_region_dedupe d;
	int ret;

	ret = adt_region_make(mm, ADT_MERGEABLE, 2, r);
	if (ret)
		return ret;
	adt_region_fill(r, 0, 42);
	adt_region_fill(r, 1, 42);
	ret = adt_region_dedupe(r->fd, 0, 2 * r->page, &d);
	if (ret)
		return ret;
	return d.merged == 2 ? 0 : -EAGAIN;
}

TEST_F(knobs, sharing_limit_and_node_trees_are_ebusy_while_merged)
{
	struct aether_dedupe_knobs k = {
		.max_page_sharing = 4,
		.merge_across_nodes = 0,
		.sleep_millisecs = 55,
	};
	struct aether_dedupe_knobs after;
	struct adt_region r = { .fd = -1 };

	ASSERT_EQ(0, merge_two(self->mm, &r));
	ASSERT_EQ(adt_frame(&r, 0), adt_frame(&r, 1));
	EXPECT_EQ(-EBUSY, adt_set1(self->dfd, AETHER_DEDUPE_SET_MAX_PAGE_SHARING,
				   4));
	EXPECT_EQ(-EBUSY, adt_set1(self->dfd,
				   AETHER_DEDUPE_SET_MERGE_ACROSS_NODES, 0));
	/* All or nothing: the good sleep_millisecs is not set either. */
	EXPECT_EQ(-EBUSY, adt_set(self->dfd, AETHER_DEDUPE_SET_MAX_PAGE_SHARING |
				  AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k));
	ASSERT_EQ(0, adt_knobs(self->dfd, &after));
	EXPECT_EQ(256, after.max_page_sharing);
	EXPECT_EQ(1, after.merge_across_nodes);
	EXPECT_EQ(ADT_TEST_SLEEP_MS, after.sleep_millisecs);
	/* Unmerged: both can be set. */
	ASSERT_EQ(0, adt_run(self->dfd, AETHER_DEDUPE_RUN_UNMERGE));
	EXPECT_NE(adt_frame(&r, 0), adt_frame(&r, 1));
	EXPECT_TRUE(adt_region_holds(&r, 0, 42));
	EXPECT_TRUE(adt_region_holds(&r, 1, 42));
	EXPECT_EQ(0, adt_set(self->dfd, AETHER_DEDUPE_SET_MAX_PAGE_SHARING |
			     AETHER_DEDUPE_SET_MERGE_ACROSS_NODES |
			     AETHER_DEDUPE_SET_SLEEP_MILLISECS, &k));
	ASSERT_EQ(0, adt_knobs(self->dfd, &after));
	EXPECT_EQ(4, after.max_page_sharing);
	EXPECT_EQ(0, after.merge_across_nodes);
	EXPECT_EQ(55, after.sleep_millisecs);
	adt_region_drop(&r);
}

/* ---- module parameters ----------------------------------------------------- */

/* Each knob's parameter, a good and a bad value. */
static const struct {
	const char *name;
	__u32 bit;
	const char *good;
	const char *bad[3];
} params[] = {
	{ "pages_to_scan", AETHER_DEDUPE_SET_PAGES_TO_SCAN, "321",
	  { "0", "100001", "x" } },
	{ "sleep_millisecs", AETHER_DEDUPE_SET_SLEEP_MILLISECS, "33",
	  { "60001", "-1", "1x" } },
	{ "max_page_sharing", AETHER_DEDUPE_SET_MAX_PAGE_SHARING, "3",
	  { "1", "32769", "2x" } },
	{ "use_zero_pages", AETHER_DEDUPE_SET_USE_ZERO_PAGES, "1",
	  { "2", "-1", "x" } },
	{ "merge_across_nodes", AETHER_DEDUPE_SET_MERGE_ACROSS_NODES, "0",
	  { "2", "-1", "x" } },
	{ "smart_scan", AETHER_DEDUPE_SET_SMART_SCAN, "1",
	  { "2", "-1", "x" } },
	{ "advisor_max_cpu", AETHER_DEDUPE_SET_ADVISOR_MAX_CPU, "9",
	  { "0", "101", "x" } },
	{ "advisor_target_scan_time", AETHER_DEDUPE_SET_ADVISOR_TARGET, "17",
	  { "0", "3601", "x" } },
	{ "stable_node_chains_prune_millisecs",
	  AETHER_DEDUPE_SET_PRUNE_MILLISECS, "1234", { "60001", "-5", "x" } },
};

TEST_F(knobs, parameters_are_the_knobs_and_refuse_bad_values)
{
	struct aether_dedupe_knobs k;
	char before[64], now[64];
	size_t i, j;
	int ret;

	if (access(ADT_PARAMS, F_OK))
		ASSERT_EQ(0, -errno) TH_LOG("%s", ADT_PARAMS);
	for (i = 0; i < AEMT_ARRAY_SIZE(params); i++) {
		ret = adt_param_read(params[i].name, before, sizeof(before));
		ASSERT_EQ(0, ret) TH_LOG("parameter %s", params[i].name);
		ASSERT_EQ(0, adt_knobs(self->dfd, &k));
		EXPECT_EQ(strtoul(before, NULL, 10),
			  *adt_knob(&k, params[i].bit))
			TH_LOG("parameter %s reads %s", params[i].name, before);
		for (j = 0; j < 3; j++) {
			EXPECT_EQ(-EINVAL, adt_param_write(params[i].name,
							   params[i].bad[j]))
				TH_LOG("%s = \"%s\"", params[i].name,
				       params[i].bad[j]);
			ASSERT_EQ(0, adt_param_read(params[i].name, now,
						    sizeof(now)));
			EXPECT_STREQ(before, now);
		}
		ASSERT_EQ(0, adt_param_write(params[i].name, params[i].good))
			TH_LOG("%s = %s", params[i].name, params[i].good);
		ASSERT_EQ(0, adt_knobs(self->dfd, &k));
		EXPECT_EQ(strtoul(params[i].good, NULL, 10),
			  *adt_knob(&k, params[i].bit))
			TH_LOG("%s", params[i].name);
		ASSERT_EQ(0, adt_test_knobs(self->dfd));
	}
}

TEST_F(knobs, parameter_max_page_sharing_is_ebusy_while_merged)
{
	struct adt_region r = { .fd = -1 };
	char now[64];

	ASSERT_EQ(0, merge_two(self->mm, &r));
	EXPECT_EQ(-EBUSY, adt_param_write("max_page_sharing", "3"));
	EXPECT_EQ(-EBUSY, adt_param_write("merge_across_nodes", "0"));
	ASSERT_EQ(0, adt_param_read("max_page_sharing", now, sizeof(now)));
	EXPECT_STREQ("256", now);
	adt_region_drop(&r);
}

TEST_F_TIMEOUT(knobs, run_parameter_starts_and_stops_the_scanner, 120)
{
	struct aether_dedupe_knobs k;
	struct adt_region r = { .fd = -1 };

	/* Something to scan: a pass over nothing may count no full scan. */
	ASSERT_EQ(0, adt_region_make(self->mm, ADT_MERGEABLE, 4, &r));
	adt_region_fill(&r, 0, 1);
	ASSERT_EQ(0, adt_param_write("run", "1"));
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(AETHER_DEDUPE_RUN_MERGE, k.run);
	EXPECT_EQ(0, adt_wait(self->dfd, NULL, NULL, 1));
	EXPECT_EQ(-EINVAL, adt_param_write("run", "3"));
	ASSERT_EQ(0, adt_param_write("run", "0"));
	ASSERT_EQ(0, adt_knobs(self->dfd, &k));
	EXPECT_EQ(AETHER_DEDUPE_RUN_STOP, k.run);
	adt_region_drop(&r);
}

TEST_HARNESS_MAIN
