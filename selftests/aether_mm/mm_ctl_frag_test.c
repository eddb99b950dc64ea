// SPDX-License-Identifier: GPL-2.0
/*
 * mm_ctl_frag_test - "aetherctl mm frag --plot" against "aetherctl mm frag"
 *
 * The plot is a person's view of the free-block histogram, so what it must
 * keep is its shape and its figures: a heading for each present zone and
 * under it one line per order, 0 .. nr_orders - 1 (FRAG's nr_orders for
 * that zone) and no other; on each line the count of free blocks that the
 * table of "mm frag" prints for that node, zone and order, and the pages
 * (blocks << order); a bar of '#' followed by spaces, exactly 60 columns
 * since aetherctl's stdout is a pipe here, non-empty exactly when the
 * count is, full for the zone's largest count and never longer than a
 * larger count's, and the heading's scale naming that largest count.
 * The pool's free lists move under us (kreclaimd, the
 * per-CPU lists), so the test takes the table, the plot and the table
 * again and compares only when both tables agree, retrying a few times.
 * Also: --plot with --node and --zone draws that zone alone, and --plot
 * with --json is a usage error (exit 2).  The box puts aetherctl on PATH;
 * without it the test is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define CF_OUT		(64 * 1024)
#define CF_BAR		60	/* mm_plot_width() when stdout is no tty */
#define CF_TRIES	8
/* A zone's heading; its scale is the zone's largest count. */
#define CF_HEADING	\
	"node %u zone %15[^:]: %llu free pages, bars: %llu blocks = %u columns"

static const char * const cf_zone_names[AETHER_MM_NR_ZONES] = {
	"DMA", "DMA32", "Normal",
};

static int cf_zone(const char *name)
{
	int z;

	for (z = 0; z < AETHER_MM_NR_ZONES; z++)
		if (!strcmp(name, cf_zone_names[z]))
			return z;
	return -1;
}

/* Free blocks per node, zone and order, and which were seen (-1: not). */
struct cf_hist {
	long long blocks[AETHER_MM_MAX_NODES][AETHER_MM_NR_ZONES]
			[AETHER_MM_NR_ORDERS];
};

static void cf_hist_init(struct cf_hist *h)
{
	memset(h->blocks, 0xff, sizeof(h->blocks));	/* all -1 */
}

/*
 * The table of "mm frag": a title, a header, then rows "node zone order
 * free_blocks ...".  0 when every row parsed, -1 otherwise.
 */
static int cf_parse_table(const char *out, struct cf_hist *h)
{
	const char *line = out;
	int rows = 0;

	cf_hist_init(h);
	for (; *line; line = strchrnul(line, '\n'), line += !!*line) {
		unsigned int node, order;
		unsigned long long blocks;
		char zone[16];
		int z;

		if (sscanf(line, " %u %15s %u %llu", &node, zone, &order,
			   &blocks) != 4)
			continue;	/* the title and the header */
		z = cf_zone(zone);
		if (z < 0 || node >= AETHER_MM_MAX_NODES ||
		    order >= AETHER_MM_NR_ORDERS ||
		    h->blocks[node][z][order] != -1)
			return -1;
		h->blocks[node][z][order] = blocks;
		rows++;
	}
	return rows ? 0 : -1;
}

/* One zone of the plot as parsed: its counts and their bars. */
struct cf_zone_plot {
	unsigned int nr, seen;
	unsigned long long scale;	/* the heading's "N blocks = 60 columns" */
	unsigned long long blocks[AETHER_MM_NR_ORDERS];
	unsigned int bar[AETHER_MM_NR_ORDERS];
};

/*
 * A zone's end: as many order lines as FRAG's nr_orders; the largest
 * count's bar full; a larger count never with a shorter bar.
 */
static void cf_zone_end(const struct cf_zone_plot *zp, char *why, size_t len)
{
	unsigned long long max = 0;
	unsigned int i, j, full = 0;

	if (zp->seen != zp->nr) {
		snprintf(why, len, "%u order lines of %u", zp->seen, zp->nr);
		return;
	}
	for (i = 0; i < zp->seen; i++) {
		if (zp->blocks[i] >= max) {
			max = zp->blocks[i];
			full = zp->bar[i];
		}
		for (j = 0; j < zp->seen; j++)
			if (zp->blocks[i] > zp->blocks[j] &&
			    zp->bar[i] < zp->bar[j])
				snprintf(why, len,
					 "order %u: %llu blocks, bar %u; order %u: %llu, bar %u",
					 i, zp->blocks[i], zp->bar[i], j,
					 zp->blocks[j], zp->bar[j]);
	}
	if (max && full != CF_BAR)
		snprintf(why, len, "largest count %llu with a bar of %u", max,
			 full);
	if (zp->scale != max)
		snprintf(why, len, "heading's scale %llu blocks, largest count %llu",
			 zp->scale, max);
}

/*
 * The plot, checked line by line against FRAG's nr_orders (@fd) as it is
 * parsed; the counts into @h.  An empty string on success, else what is
 * wrong, into @why.
 */
static void cf_parse_plot(int fd, const char *out, struct cf_hist *h,
			  char *why, size_t len)
{
	struct cf_zone_plot zp = { 0 };
	const char *line = out;
	unsigned int node = 0;
	int zone = -1;

	cf_hist_init(h);
	why[0] = '\0';
	for (; *line && !why[0]; line = strchrnul(line, '\n'), line += !!*line) {
		unsigned long long blocks, pages, free_pages, scale;
		unsigned int order, bar, i, cols;
		struct aether_mm_frag fr;
		char zname[16];
		const char *p;

		if (sscanf(line, CF_HEADING, &node, zname, &free_pages,
			   &scale, &cols) == 5) {
			if (zone >= 0)
				cf_zone_end(&zp, why, len);
			zone = cf_zone(zname);
			if (zone < 0 || node >= AETHER_MM_MAX_NODES ||
			    aemt_frag(fd, node, zone, &fr) || cols != CF_BAR) {
				snprintf(why, len, "bad heading: %.80s", line);
				return;
			}
			memset(&zp, 0, sizeof(zp));
			zp.nr = fr.nr_orders;
			zp.scale = scale;
			continue;
		}
		if (strncmp(line, "  order ", 8) || zone < 0 ||
		    sscanf(line + 8, "%u", &order) != 1 || order != zp.seen ||
		    order >= AETHER_MM_NR_ORDERS) {
			snprintf(why, len, "line out of place: %.60s", line);
			return;
		}
		/* "  order NN " then exactly CF_BAR columns of bar. */
		p = line + 11;
		for (bar = 0; bar < CF_BAR && p[bar] == '#'; bar++)
			;
		for (i = bar; i < CF_BAR; i++) {
			if (p[i] != ' ') {
				snprintf(why, len, "bar not %d columns: %.80s",
					 CF_BAR, line);
				return;
			}
		}
		if (sscanf(p + CF_BAR, " %llu (%llu pages)", &blocks,
			   &pages) != 2 || pages != blocks << order) {
			snprintf(why, len, "bad count: %.100s", line);
			return;
		}
		if (!bar != !blocks) {
			snprintf(why, len, "bar of %u for %llu blocks", bar,
				 blocks);
			return;
		}
		h->blocks[node][zone][order] = blocks;
		zp.blocks[order] = blocks;
		zp.bar[order] = bar;
		zp.seen++;
	}
	if (zone >= 0 && !why[0])
		cf_zone_end(&zp, why, len);
	else if (zone < 0 && !why[0])
		snprintf(why, len, "no zone in the plot");
}

FIXTURE(frag) {
	int fd;
	struct aether_mm_pool_info pi;
	char *t1, *plot, *t2;
};

FIXTURE_SETUP(frag)
{
	char out[64];

	self->t1 = NULL;
	self->plot = NULL;
	self->t2 = NULL;
	self->fd = aemt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_mm not loaded", AEMT_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
	if (aet_shell("aetherctl --help >/dev/null 2>&1; echo $?", out,
		      sizeof(out)) != 0 || atoi(out) == 127)
		AEMT_SETUP_SKIP("no aetherctl on PATH");
	self->t1 = malloc(CF_OUT);
	self->plot = malloc(CF_OUT);
	self->t2 = malloc(CF_OUT);
	ASSERT_NE(NULL, self->t1);
	ASSERT_NE(NULL, self->plot);
	ASSERT_NE(NULL, self->t2);
}

FIXTURE_TEARDOWN(frag)
{
	free(self->t1);
	free(self->plot);
	free(self->t2);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The whole pool: the plot's zones and orders are the table's, with the
 * same counts, taken between two equal tables.
 */
TEST_F_TIMEOUT(frag, plot_matches_table, 300)
{
	struct cf_hist a, b, p;
	const char *line, *next;
	char why[256];
	int tries, zones = 0;
	unsigned int n, z, o;

	for (tries = 0; tries < CF_TRIES; tries++) {
		ASSERT_EQ(0, aet_shell("aetherctl mm frag", self->t1, CF_OUT));
		ASSERT_EQ(0, aet_shell("aetherctl mm frag --plot", self->plot,
				       CF_OUT));
		ASSERT_EQ(0, aet_shell("aetherctl mm frag", self->t2, CF_OUT));
		ASSERT_EQ(0, cf_parse_table(self->t1, &a)) {
			TH_LOG("table: %.300s", self->t1);
		}
		ASSERT_EQ(0, cf_parse_table(self->t2, &b));
		cf_parse_plot(self->fd, self->plot, &p, why, sizeof(why));
		ASSERT_STREQ("", why) {
			TH_LOG("plot: %.600s", self->plot);
		}
		if (!memcmp(&a, &b, sizeof(a)))
			break;
		usleep(200 * 1000);
	}
	ASSERT_LT(tries, CF_TRIES) {
		TH_LOG("the free lists moved between every pair of tables");
	}
	/* The plot into the log, as a person sees it. */
	for (line = self->plot; *line; line = next) {
		next = strchrnul(line, '\n');
		ksft_print_msg("%.*s\n", (int)(next - line), line);
		next += !!*next;
	}
	for (n = 0; n < AETHER_MM_MAX_NODES; n++) {
		for (z = 0; z < AETHER_MM_NR_ZONES; z++) {
			if (a.blocks[n][z][0] >= 0)
				zones++;
			for (o = 0; o < AETHER_MM_NR_ORDERS; o++)
				EXPECT_EQ(a.blocks[n][z][o],
					  p.blocks[n][z][o]) {
					TH_LOG("node %u zone %s order %u", n,
					       cf_zone_names[z], o);
				}
		}
	}
	ASSERT_LT(0, zones);
}

/* --node and --zone: one heading, that zone's. */
TEST_F_TIMEOUT(frag, plot_one_zone, 120)
{
	char cmd[128], want[64];
	int z = aemt_largest_zone(self->fd, 0), headings = 0;
	const char *line;

	ASSERT_LE(0, z);
	snprintf(cmd, sizeof(cmd), "aetherctl mm frag --plot --node 0 --zone %s",
		 cf_zone_names[z]);
	ASSERT_EQ(0, aet_shell(cmd, self->plot, CF_OUT));
	snprintf(want, sizeof(want), "node 0 zone %s: ", cf_zone_names[z]);
	for (line = self->plot; *line;
	     line = strchrnul(line, '\n'), line += !!*line) {
		if (!strncmp(line, "node ", 5)) {
			EXPECT_EQ(0, strncmp(line, want, strlen(want)));
			headings++;
		}
	}
	ASSERT_EQ(1, headings);
}

/* --plot draws for a person; with --json it is a usage error. */
TEST_F(frag, plot_json_usage)
{
	ASSERT_EQ(2, aet_shell("aetherctl --json mm frag --plot 2>/dev/null",
			       self->plot, CF_OUT));
	ASSERT_EQ(2, aet_shell("aetherctl mm frag --plot extra 2>/dev/null",
			       self->plot, CF_OUT));
}

TEST_HARNESS_MAIN
