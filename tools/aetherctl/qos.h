/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qos.h - what the aetherctl qos commands share
 *
 * qos.c makes, sets, attaches and shows aether_qos's groups through
 * /dev/aether_qos, as a cgroup v2 memory controller's files are written
 * and read.
 */
#ifndef AETHERCTL_QOS_H
#define AETHERCTL_QOS_H

#include <linux/aether_qos.h>
#include "aetherctl.h"

#define QOS_DEVICE	"/dev/aether_qos"

/* Every group's id, root first (qos.c); NULL with a message on failure. */
__u32 *qos_list(int fd, __u32 *n);

#endif /* AETHERCTL_QOS_H */
