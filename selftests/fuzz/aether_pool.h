/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pool accounting for the reliability programs: every page a module of
 * the suite holds comes from the pool of aether_mm, so "nothing leaked"
 * is "the pool is where it was" once every fd is closed.
 */
#ifndef AETHER_POOL_H
#define AETHER_POOL_H

#include <linux/aether_mm.h>

struct aether_pool_snap {
	__u64 in_use;		/* pages_total - pages_free */
	__u64 reserved;
	__u64 chunks;
	__u64 total;
};

int aether_pool_snapshot(struct aether_pool_snap *snap);
int aether_pool_compare(const struct aether_pool_snap *before);

#endif /* AETHER_POOL_H */
