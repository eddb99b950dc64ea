/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dedupe.h - what the aetherctl dedupe commands share
 *
 * dedupe.c reads and sets aether_dedupe's tunables and counters through
 * /dev/aether_dedupe, as KSM's files under /sys/kernel/mm/ksm/ are read
 * and written, merges a named region's range now (REGION_DEDUPE on a
 * region fd of /dev/aether_mm), puts regions into trust domains, and has
 * a demonstration that makes its own regions.
 */
#ifndef AETHERCTL_DEDUPE_H
#define AETHERCTL_DEDUPE_H

#include <linux/aether_dedupe.h>
#include <linux/aether_mm.h>
#include "aetherctl.h"

#define DEDUPE_DEVICE	"/dev/aether_dedupe"

#endif /* AETHERCTL_DEDUPE_H */
