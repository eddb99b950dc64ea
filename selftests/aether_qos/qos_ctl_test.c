// SPDX-License-Identifier: GPL-2.0
/*
 * qos_ctl_test - aetherctl qos against the device, and aetherctl over the
 * whole suite
 *
 * create, set, attach, show (--json) and destroy, each checked through
 * the ioctls; the JSON of show names the values GET gives.  Then
 * "aetherctl status" and "aetherctl top" (fixture suite): a section for
 * each loaded module and none for one that is not, the figures of a group
 * and a cache this test made, an unprivileged user's screen, top's -n and
 * its q; and --json of every command that reads, each parsed by a small
 * JSON checker (the box has no python).  The box puts aetherctl on PATH;
 * without it the test is skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_test.h"
#include "../aether_mm/aether_mm_util.h"
#include "aether_qos_util.h"

#define QT_NAME		"qt-ctl"

FIXTURE(ctl) {
	int fd;
};

/*
 * Both fixtures' setup: /dev/aether_qos into *@fd and the groups named
 * @prefix* left by an earlier run destroyed.  NULL, or why the test is
 * skipped (*@fd negative: the open's errno).
 */
static const char *qt_fixture_open(int *fd, const char *prefix)
{
	char out[64];

	*fd = aqt_open();
	if (*fd == -ENOENT)
		return AQT_DEV " absent: aether_qos not loaded";
	if (*fd < 0)
		return NULL;
	if (aet_shell("aetherctl --help >/dev/null 2>&1; echo $?", out,
		      sizeof(out)) != 0 || atoi(out) == 127)
		return "no aetherctl on PATH";
	aqt_destroy_prefixed(*fd, AETHER_QOS_ROOT_ID, prefix);
	return NULL;
}

FIXTURE_SETUP(ctl)
{
	const char *why = qt_fixture_open(&self->fd, QT_NAME);

	if (why)
		AEMT_SETUP_SKIP("%s", why);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->fd < 0)
		return;
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QT_NAME);
	close(self->fd);
}

TEST_F(ctl, create_set_attach_show_destroy)
{
	struct aether_qos_group_info gi;
	char out[8192], cmd[256];
	__u32 id;

	ASSERT_EQ(0, aet_shell("aetherctl qos create --class besteffort root " QT_NAME
			       " >/dev/null", out, sizeof(out)));
	ASSERT_EQ(0, aqt_find(self->fd, AETHER_QOS_ROOT_ID, QT_NAME, &id));
	ASSERT_EQ(0, aet_shell("aetherctl qos set " QT_NAME " max=7 high=5 min=1",
			       out, sizeof(out)));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(7, gi.max);
	ASSERT_EQ(5, gi.high);
	ASSERT_EQ(1, gi.min);
	ASSERT_EQ(AETHER_QOS_CLASS_BESTEFFORT, gi.class);
	ASSERT_NE(0, aet_shell("aetherctl qos set " QT_NAME " nosuch=1 2>/dev/null",
			       out, sizeof(out)));

	snprintf(cmd, sizeof(cmd), "aetherctl qos attach %u %d", id, getpid());
	ASSERT_EQ(0, aet_shell(cmd, out, sizeof(out)));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(1, gi.nr_members);

	ASSERT_EQ(0, aet_shell("aetherctl --json qos show " QT_NAME, out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "\"max\": 7")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"class\": \"besteffort\"")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"pressure\": \"some avg10=")) TH_LOG("%s", out);
	ASSERT_EQ(0, aet_shell("aetherctl --json qos show", out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "\"path\": \"" QT_NAME "\"")) TH_LOG("%s", out);

	ASSERT_NE(0, aet_shell("aetherctl qos destroy " QT_NAME " 2>/dev/null", out,
			       sizeof(out))) TH_LOG("a running member keeps it");
	ASSERT_EQ(0, aet_shell("aetherctl qos attach root $PPID", out, sizeof(out)))
		TH_LOG("detach");
	ASSERT_EQ(0, aet_shell("aetherctl qos destroy " QT_NAME, out, sizeof(out)));
	ASSERT_EQ(-ENOENT, aqt_get(self->fd, id, &gi));
}

/* ---- a JSON checker ------------------------------------------------------ */

/*
 * RFC 8259's grammar, enough to tell valid from not: each qj_* takes one
 * value at *@p, moves past it and answers 0, or -1 at the first error.
 */
static int qj_value(const char **p, int depth);

static void qj_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static int qj_string(const char **p)
{
	const char *s = *p;
	int i;

	if (*s++ != '"')
		return -1;
	while (*s != '"') {
		if ((unsigned char)*s < 0x20)
			return -1;	/* also the end of the text */
		if (*s++ != '\\')
			continue;
		if (*s == 'u') {
			for (i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)s[i]))
					return -1;
			s += 5;
		} else if (*s && strchr("\"\\/bfnrt", *s)) {
			s++;
		} else {
			return -1;
		}
	}
	*p = s + 1;
	return 0;
}

static int qj_digits(const char **p)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p))
		(*p)++;
	return 0;
}

static int qj_number(const char **p)
{
	if (**p == '-')
		(*p)++;
	if (**p == '0')
		(*p)++;
	else if (qj_digits(p))
		return -1;
	if (**p == '.') {
		(*p)++;
		if (qj_digits(p))
			return -1;
	}
	if (**p == 'e' || **p == 'E') {
		(*p)++;
		if (**p == '+' || **p == '-')
			(*p)++;
		if (qj_digits(p))
			return -1;
	}
	return 0;
}

/* An object (@close '}') or an array (']'), its opening bracket taken. */
static int qj_members(const char **p, char close, int depth)
{
	qj_ws(p);
	if (**p == close) {
		(*p)++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			qj_ws(p);
			if (qj_string(p))
				return -1;
			qj_ws(p);
			if (*(*p)++ != ':')
				return -1;
		}
		if (qj_value(p, depth + 1))
			return -1;
		qj_ws(p);
		if (**p == close) {
			(*p)++;
			return 0;
		}
		if (*(*p)++ != ',')
			return -1;
	}
}

static int qj_value(const char **p, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	unsigned int i;

	if (depth > 64)
		return -1;
	qj_ws(p);
	switch (**p) {
	case '{':
	case '[':
		(*p)++;
		return qj_members(p, (*p)[-1] == '{' ? '}' : ']', depth);
	case '"':
		return qj_string(p);
	}
	for (i = 0; i < 3; i++) {
		if (!strncmp(*p, words[i], strlen(words[i]))) {
			*p += strlen(words[i]);
			return 0;
		}
	}
	return qj_number(p);
}

/*
 * How many JSON documents @text is, one after another (top's screens),
 * each an object; -1 when any is not valid JSON or there is none.
 */
static int qj_documents(const char *text)
{
	const char *p = text;
	int n = 0;

	for (;;) {
		qj_ws(&p);
		if (!*p)
			return n ? n : -1;
		if (*p != '{' || qj_value(&p, 0))
			return -1;
		n++;
	}
}

/* The checker itself: what it must refuse and take. */
TEST(json_checker_refuses_what_is_not_json)
{
	ASSERT_EQ(1, qj_documents("{\"a\": [1, -2.5e3, \"x\\n\\u00e9\", true, null, {}], \"b\": {\"c\": []}}"));
	ASSERT_EQ(2, qj_documents("{}\n{\"a\": 0}\n"));
	ASSERT_EQ(-1, qj_documents(""));
	ASSERT_EQ(-1, qj_documents("{"));
	ASSERT_EQ(-1, qj_documents("{\"a\": 1,}"));
	ASSERT_EQ(-1, qj_documents("{\"a\": 01}"));
	ASSERT_EQ(-1, qj_documents("{\"a\": max}"));
	ASSERT_EQ(-1, qj_documents("{\"a\": \"x\ny\"}"));
	ASSERT_EQ(-1, qj_documents("{\"a\" 1}"));
	ASSERT_EQ(-1, qj_documents("{} x"));
	ASSERT_EQ(-1, qj_documents("[1]"));
}

/* ---- aetherctl status, top, --json ---------------------------------------- */

#define QT_SUITE	QT_NAME "-suite"

FIXTURE(suite) {
	int fd;
	char out[1 << 17];
};

FIXTURE_SETUP(suite)
{
	const char *why = qt_fixture_open(&self->fd, QT_SUITE);

	if (why)
		AEMT_SETUP_SKIP("%s", why);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(suite)
{
	if (self->fd < 0)
		return;
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QT_SUITE);
	close(self->fd);
	/* A test that failed with aether_dedupe set aside loads it again. */
	aemt_dedupe_back();
}

/* Whether module @name is loaded, as status decides it. */
static bool qt_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* The sections of status and the module each needs. */
static const struct {
	const char *section, *module;
} qt_sections[] = {
	{ "pool", "aether_mm" },
	{ "nodes", "aether_mm" },
	{ "slab", "aether_slub" },
	{ "caches", "aether_slub" },
	{ "zram", "aether_zram" },
	{ "dedupe", "aether_dedupe" },
	{ "qos", "aether_qos" },
	{ "firewall", "aether_qos" },
};

static bool qt_has_section(const char *out, const char *section)
{
	char key[64];

	snprintf(key, sizeof(key), "\n  \"%s\": ", section);
	return strstr(out, key) != NULL;
}

/*
 * As root: one valid document with a section for each loaded module (the
 * firewall's too: root reads debugfs), and the group this test made with
 * the pages it charged.
 */
TEST_F_TIMEOUT(suite, status_json_has_a_section_per_loaded_module, 300)
{
	char want[128];
	unsigned int i;

	ASSERT_EQ(0, aet_shell("aetherctl qos create root " QT_SUITE
			       " >/dev/null", self->out, sizeof(self->out)));
	ASSERT_EQ(0, aet_shell("aetherctl --json status --rows 0", self->out,
			       sizeof(self->out)));
	ASSERT_EQ(1, qj_documents(self->out)) TH_LOG("%s", self->out);
	for (i = 0; i < ARRAY_SIZE(qt_sections); i++) {
		EXPECT_EQ(qt_loaded(qt_sections[i].module),
			  qt_has_section(self->out, qt_sections[i].section))
			TH_LOG("section %s, module %s", qt_sections[i].section,
			       qt_sections[i].module);
		snprintf(want, sizeof(want), "\"%s\": \"%s\"",
			 qt_sections[i].module,
			 qt_loaded(qt_sections[i].module) ? "loaded" : "-");
		EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("%s", want);
	}
	ASSERT_NE(NULL, strstr(self->out, "\"name\": \"" QT_SUITE "\""))
		TH_LOG("%s", self->out);
	ASSERT_NE(NULL, strstr(self->out, "\"denied\": ")) TH_LOG("%s", self->out);
	/* The same screen for people: the titles, no JSON. */
	ASSERT_EQ(0, aet_shell("aetherctl status", self->out, sizeof(self->out)));
	ASSERT_NE(NULL, strstr(self->out, "QoS groups by usage"));
	ASSERT_NE(NULL, strstr(self->out, "Memory firewall"));
	ASSERT_EQ(NULL, strchr(self->out, '{'));
	ASSERT_EQ(2, aet_shell("aetherctl status --rows x 2>/dev/null", self->out,
			       sizeof(self->out)));
	ASSERT_EQ(2, aet_shell("aetherctl status extra 2>/dev/null", self->out,
			       sizeof(self->out)));
}

/* A module that is not loaded has no section, and status says so. */
TEST_F_TIMEOUT(suite, status_leaves_out_a_module_that_is_not_loaded, 300)
{
	int ret;

	if (!qt_loaded("aether_dedupe"))
		SKIP(return, "aether_dedupe not loaded");
	ret = aemt_dedupe_away();
	if (ret)
		SKIP(return, "aether_dedupe cannot be unloaded now: %s",
		     strerror(-ret));
	ret = aet_shell("aetherctl --json status", self->out, sizeof(self->out));
	ASSERT_EQ(0, aemt_dedupe_back());
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, qj_documents(self->out)) TH_LOG("%s", self->out);
	ASSERT_FALSE(qt_has_section(self->out, "dedupe")) TH_LOG("%s", self->out);
	ASSERT_NE(NULL, strstr(self->out, "\"aether_dedupe\": \"-\""));
	ASSERT_TRUE(qt_has_section(self->out, "pool"));
	/* Loaded again: back on the screen. */
	ASSERT_EQ(0, aet_shell("aetherctl --json status", self->out,
			       sizeof(self->out)));
	ASSERT_TRUE(qt_has_section(self->out, "dedupe")) TH_LOG("%s", self->out);
}

/*
 * A member of "aether" sees the suite through the devices the group may
 * open; debugfs is root's, so no firewall section, and still exit 0 and
 * valid JSON.
 */
TEST_F_TIMEOUT(suite, status_as_a_user_is_valid_json_without_the_firewall, 300)
{
	if (getuid())
		SKIP(return, "needs root to become alice");
	if (aet_shell("su -s /bin/sh alice -c true 2>/dev/null", self->out,
		      sizeof(self->out)))
		SKIP(return, "no user alice");
	ASSERT_EQ(0, aet_shell("su -s /bin/sh alice -c 'aetherctl --json status' 2>/dev/null",
			       self->out, sizeof(self->out)));
	ASSERT_EQ(1, qj_documents(self->out)) TH_LOG("%s", self->out);
	ASSERT_FALSE(qt_has_section(self->out, "firewall"));
	if (qt_loaded("aether_mm"))
		ASSERT_TRUE(qt_has_section(self->out, "pool"));
}

/* top -n N: N screens, N documents with --json, then exit 0. */
TEST_F_TIMEOUT(suite, top_prints_n_screens, 300)
{
	const char *p = self->out;
	int n = 0;

	ASSERT_EQ(0, aet_shell("aetherctl --json top -n 3 -i 1", self->out,
			       sizeof(self->out)));
	ASSERT_EQ(3, qj_documents(self->out)) TH_LOG("%s", self->out);
	ASSERT_EQ(0, aet_shell("aetherctl top -n 2 --interval 1 </dev/null",
			       self->out, sizeof(self->out)));
	while ((p = strstr(p, "Modules\n"))) {
		n++;
		p++;
	}
	ASSERT_EQ(2, n) TH_LOG("%s", self->out);
	ASSERT_EQ(2, aet_shell("aetherctl top -n 0 2>/dev/null", self->out,
			       sizeof(self->out)));
	ASSERT_EQ(2, aet_shell("aetherctl top -i 0 2>/dev/null", self->out,
			       sizeof(self->out)));
}

/*
 * q on top's input ends it: with an interval of an hour and no -n, only
 * the q can (the harness's timeout fails the test otherwise).
 */
TEST_F_TIMEOUT(suite, top_ends_on_q, 600)
{
	ASSERT_EQ(0, aet_shell("printf q | aetherctl top -i 3600", self->out,
			       sizeof(self->out)));
	ASSERT_NE(NULL, strstr(self->out, "Modules\n"));
}

/*
 * --json on every command that reads (and a few that make something that
 * ends with aetherctl): exit 0 and exactly one valid document each.
 */
TEST_F_TIMEOUT(suite, every_reading_command_prints_valid_json, 600)
{
	static const char *const cmds[] = {
		"mm info", "mm stats", "mm zones", "mm frag", "mm policy",
		"mm alloc --count 4", "region list",
		"region create --size 64K --write 2",
		"slub list", "slub info",
		"slub create " QT_SUITE "-c 64 --alloc 3",
		"zram list", "zram info", "dedupe status", "qos show",
		"qos top --once", "qos fw list", "status", "status --rows 0",
	};
	static const char *const module[] = {
		"aether_mm", "aether_mm", "aether_mm", "aether_mm", "aether_mm",
		"aether_mm", "aether_mm", "aether_mm",
		"aether_slub", "aether_slub", "aether_slub",
		"aether_zram", "aether_zram", "aether_dedupe", "aether_qos",
		"aether_qos", "aether_qos", "aether_mm", "aether_mm",
	};
	char cmd[256];
	unsigned int i;

	ASSERT_EQ(ARRAY_SIZE(cmds), ARRAY_SIZE(module));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!qt_loaded(module[i]))
			continue;
		snprintf(cmd, sizeof(cmd), "aetherctl %s --json", cmds[i]);
		EXPECT_EQ(0, aet_shell(cmd, self->out, sizeof(self->out)))
			TH_LOG("%s", cmd);
		EXPECT_EQ(1, qj_documents(self->out))
			TH_LOG("%s:\n%s", cmd, self->out);
	}
}

TEST_HARNESS_MAIN
