/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm.h - what the aetherctl mm commands share
 */
#ifndef AETHERCTL_MM_H
#define AETHERCTL_MM_H

#include <linux/aether_mm.h>
#include "aetherctl.h"

#define MM_DEVICE	"/dev/aether_mm"
/* A command's answer for a usage error (exit 2). */
#define MM_USAGE	ACTL_USAGE

int mm_pool_info(int fd, struct aether_mm_pool_info *pi);
int mm_zone_stats(int fd, __u32 node, __u32 zone,
		  struct aether_mm_zone_stats *zs);

int region_cmd_bench(const struct actl_ctx *ctx, int fd, int argc,
		     char **argv);

const char *mm_zone_name(__u32 zone);
const char *mm_mt_name(__u32 mt);
const char *mm_policy_name(__u32 mode);
int mm_parse_zone(const char *s, __u32 *zone);
int mm_parse_mt(const char *s, __u32 *mt);
int mm_parse_policy(const char *mode, const char *nodes, int fd,
		    __u32 *pmode, __u64 *mask);
__u64 mm_all_nodes(int fd);
void mm_format_nodes(__u64 mask, char *buf, size_t len);
void mm_hold(const struct actl_ctx *ctx, unsigned long seconds);

int mm_cmd_alloc(const struct actl_ctx *ctx, int fd, int argc, char **argv);
int mm_cmd_free(const struct actl_ctx *ctx, int fd, int argc, char **argv);
int mm_cmd_bench(const struct actl_ctx *ctx, int fd, int argc, char **argv);

#endif /* AETHERCTL_MM_H */
