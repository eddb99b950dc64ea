// SPDX-License-Identifier: GPL-2.0
/*
 * qos_ctl_test - aetherctl qos against the device
 *
 * create, set, attach, show (--json) and destroy, each checked through
 * the ioctls; the JSON of show names the values GET gives.  The box puts
 * aetherctl on PATH; without it the test is skipped.
 */
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

/* Run @cmd; its stdout into @out; its exit status, or -1. */
static int qt_run(const char *cmd, char *out, size_t len)
{
	size_t got = 0, n;
	FILE *f;
	int st;

	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (got + 1 < len && (n = fread(out + got, 1, len - 1 - got, f)) > 0)
		got += n;
	out[got] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(ctl) {
	int fd;
};

FIXTURE_SETUP(ctl)
{
	char out[64];

	self->fd = aqt_open();
	if (self->fd == -ENOENT)
		AEMT_SETUP_SKIP("%s absent: aether_qos not loaded", AQT_DEV);
	ASSERT_LE(0, self->fd);
	if (qt_run("aetherctl --help >/dev/null 2>&1; echo $?", out,
		   sizeof(out)) != 0 || atoi(out) == 127)
		AEMT_SETUP_SKIP("no aetherctl on PATH");
	aqt_destroy_prefixed(self->fd, AETHER_QOS_ROOT_ID, QT_NAME);
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

	ASSERT_EQ(0, qt_run("aetherctl qos create --class besteffort root " QT_NAME
			    " >/dev/null", out, sizeof(out)));
	ASSERT_EQ(0, aqt_find(self->fd, AETHER_QOS_ROOT_ID, QT_NAME, &id));
	ASSERT_EQ(0, qt_run("aetherctl qos set " QT_NAME " max=7 high=5 min=1",
			    out, sizeof(out)));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(7, gi.max);
	ASSERT_EQ(5, gi.high);
	ASSERT_EQ(1, gi.min);
	ASSERT_EQ(AETHER_QOS_CLASS_BESTEFFORT, gi.class);
	ASSERT_NE(0, qt_run("aetherctl qos set " QT_NAME " nosuch=1 2>/dev/null",
			    out, sizeof(out)));

	snprintf(cmd, sizeof(cmd), "aetherctl qos attach %u %d", id, getpid());
	ASSERT_EQ(0, qt_run(cmd, out, sizeof(out)));
	ASSERT_EQ(0, aqt_get(self->fd, id, &gi));
	ASSERT_EQ(1, gi.nr_members);

	ASSERT_EQ(0, qt_run("aetherctl --json qos show " QT_NAME, out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "\"max\": 7")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"class\": \"besteffort\"")) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "\"pressure\": \"some avg10=")) TH_LOG("%s", out);
	ASSERT_EQ(0, qt_run("aetherctl --json qos show", out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "\"path\": \"" QT_NAME "\"")) TH_LOG("%s", out);

	ASSERT_NE(0, qt_run("aetherctl qos destroy " QT_NAME " 2>/dev/null", out,
			    sizeof(out))) TH_LOG("a running member keeps it");
	ASSERT_EQ(0, qt_run("aetherctl qos attach root $PPID", out, sizeof(out)))
		TH_LOG("detach");
	ASSERT_EQ(0, qt_run("aetherctl qos destroy " QT_NAME, out, sizeof(out)));
	ASSERT_EQ(-ENOENT, aqt_get(self->fd, id, &gi));
}

TEST_HARNESS_MAIN
