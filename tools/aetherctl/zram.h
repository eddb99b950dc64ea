/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zram.h - what the aetherctl zram commands share
 *
 * zram.c lists, makes, resets, removes and compacts the devices of
 * aether_zram through /dev/aether_zram-control, as util-linux zramctl
 * does for the kernel's zram; zram_bench.c measures them against the
 * kernel's zram.
 */
#ifndef AETHERCTL_ZRAM_H
#define AETHERCTL_ZRAM_H

#include <linux/aether_zram.h>
#include "aetherctl.h"

#define ZRAM_CONTROL	"/dev/aether_zram-control"
#define ZRAM_NAME	"aether_zram"	/* a device is ZRAM_NAME<N> */

/**
 * actl_zram_bench() - "aetherctl zram bench ...": aether_zram against the
 *		       kernel's zram, on the same data (zram_bench.c)
 * @argc:	arguments in @argv
 * @argv:	"bench", then its own options; a global --json, given
 *		anywhere on the command line, is passed on as a last "--json"
 *
 * Runs by itself: aetherctl opens no device for it and prints nothing
 * around what it prints (its --json output is its own document).
 *
 * Return: the exit status, ACTL_EXIT_OK, ACTL_EXIT_ERR or ACTL_EXIT_USAGE.
 */
int actl_zram_bench(int argc, char **argv);

#endif /* AETHERCTL_ZRAM_H */
