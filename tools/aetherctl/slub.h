/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slub.h - what the aetherctl slub commands share
 */
#ifndef AETHERCTL_SLUB_H
#define AETHERCTL_SLUB_H

#include <linux/aether_slub.h>
#include "aetherctl.h"

#define SLUB_DEVICE	"/dev/aether_slub"
#define SLUB_USAGE	(-1000)

struct slub_cmd {
	const char *name;
	int (*fn)(const struct actl_ctx *ctx, int fd, int argc, char **argv);
	const char *args;
	const char *help;
};

int slub_ioctl(int fd, unsigned long cmd, void *arg, const char *what);
void slub_hold(unsigned long seconds);
int slub_cmd_bench(const struct actl_ctx *ctx, int fd, int argc, char **argv);

#endif /* AETHERCTL_SLUB_H */
