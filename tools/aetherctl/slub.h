/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slub.h - what the aetherctl slub commands share
 */
#ifndef AETHERCTL_SLUB_H
#define AETHERCTL_SLUB_H

#include <linux/aether_slub.h>
#include "aetherctl.h"

#define SLUB_DEVICE	"/dev/aether_slub"
#define SLUB_USAGE	ACTL_USAGE

void slub_hold(unsigned long seconds);
int slub_cmd_bench(const struct actl_ctx *ctx, int fd, int argc, char **argv);

#endif /* AETHERCTL_SLUB_H */
