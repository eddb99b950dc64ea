// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_mm, and its module parameters
 *
 * Load is a ladder: check the parameters, ready the stack depot if
 * tracking is on, build the pool, run the self-tests if asked, then the
 * regions (their pseudo filesystem), background compaction, access
 * tracking (aether_kaccessd: accessed bits, NUMA hinting, huge collapse),
 * the reclaim client that sends cold region pages to a store backend,
 * and last the interfaces (debugfs, /dev/aether_mm).  Unload goes down
 * the same ladder: the interfaces close first, so no new user comes; the
 * background work stops before the regions go; the hook tables are
 * emptied; the pool goes last, and reports any block still allocated as
 * a leak.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include "internal.h"

static unsigned int pool_init_mb = 64;
static unsigned int pool_max_mb = 1024;
unsigned int aem_pcp_batch = 32;
unsigned int aem_pcp_high = 192;
bool aem_track;
static bool selftest;

#define AEM_POOL_MB_LIMIT	SZ_1M		/* 1 TiB per node */

static int aem_check_params(void)
{
	if (pool_max_mb > AEM_POOL_MB_LIMIT || pool_init_mb > pool_max_mb) {
		pr_err("need pool_init_mb <= pool_max_mb <= %u\n",
		       AEM_POOL_MB_LIMIT);
		return -EINVAL;
	}
	if (!aem_pcp_batch || aem_pcp_batch > 1024 ||
	    aem_pcp_high < 2 * aem_pcp_batch || aem_pcp_high > 16384) {
		pr_err("need 1 <= pcp_batch <= 1024, 2 * pcp_batch <= pcp_high <= 16384\n");
		return -EINVAL;
	}
	return 0;
}

static int __init aem_init(void)
{
	int err;

	err = aem_check_params();
	if (err)
		return err;
	err = aem_track_init();
	if (err)
		return err;
	err = aem_pool_init(pool_init_mb, pool_max_mb);
	if (err)
		return err;
	aem_user_init();
	if (selftest) {
		err = aem_selftest_run();
		if (err)
			goto out_pool;
	}
	err = aem_share_init();
	if (err)
		goto out_pool;
	err = aem_region_init();
	if (err)
		goto out_share;
	err = aem_secure_init();
	if (err)
		goto out_region;
	aem_compact_init();
	err = aem_access_init();
	if (err)
		goto out_compact;
	err = aem_region_reclaim_init();
	if (err)
		goto out_access;
	err = aem_integ_init();
	if (err)
		goto out_reclaim;
	aem_debugfs_init();
	err = aem_chardev_init();
	if (err)
		goto out_debugfs;
	pr_info("pool of %u-%u MiB per node ready\n", pool_init_mb,
		pool_max_mb);
	return 0;

out_debugfs:
	aem_debugfs_exit();
	aem_integ_exit();
out_reclaim:
	aem_share_naive_exit();
	aem_region_reclaim_exit();
	aem_policy_count_exit();
out_access:
	aem_access_exit();
out_compact:
	aem_compact_exit();
	aem_secure_exit();
out_region:
	aem_region_exit();
out_share:
	aem_share_exit();
out_pool:
	aem_pool_exit();
	return err;
}

static void __exit aem_exit(void)
{
	aem_chardev_exit();
	aem_debugfs_exit();
	aem_integ_exit();
	aem_share_naive_exit();
	aem_region_reclaim_exit();
	aem_policy_count_exit();
	aem_access_exit();
	aem_share_exit();
	aem_compact_exit();
	/* After kaccessd and the reclaim client: no thread reaches a frame. */
	aem_secure_exit();
	aem_region_exit();
	aem_hooks_exit();
	aem_policy_exit();
	aem_user_exit();
	aem_pool_exit();
}

module_init(aem_init);
module_exit(aem_exit);

/**
 * aem_parse_interval_ms - a background period from a module parameter
 * @val: the text written
 * @ms: receives it: 0 (off) or 10 ms..1 hour
 *
 * Return: 0 or -EINVAL.
 */
int aem_parse_interval_ms(const char *val, unsigned int *ms)
{
	int err = kstrtouint(val, 0, ms);

	if (err)
		return err;
	if (*ms && (*ms < 10 || *ms > 3600 * MSEC_PER_SEC))
		return -EINVAL;
	return 0;
}

/* Turning tracking on at run time first makes the stack depot ready. */
static int aem_track_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	if (on) {
		err = stack_depot_init();
		if (err)
			return err;
	}
	WRITE_ONCE(aem_track, on);
	return 0;
}

static const struct kernel_param_ops aem_track_ops = {
	.set = aem_track_set,
	.get = param_get_bool,
};

module_param(pool_init_mb, uint, 0444);
MODULE_PARM_DESC(pool_init_mb, "Pool size per NUMA node at load, MiB (default 64); the shrinker never goes below it");
module_param(pool_max_mb, uint, 0444);
MODULE_PARM_DESC(pool_max_mb, "Largest pool size per NUMA node, MiB (default 1024)");
module_param_named(pcp_batch, aem_pcp_batch, uint, 0444);
MODULE_PARM_DESC(pcp_batch, "Pages moved per per-CPU list refill or drain (default 32)");
module_param_named(pcp_high, aem_pcp_high, uint, 0444);
MODULE_PARM_DESC(pcp_high, "Pages on a CPU's lists of a zone before a batch is drained (default 192)");
module_param_cb(track, &aem_track_ops, &aem_track, 0644);
MODULE_PARM_DESC(track, "Record the allocating stack of every block (default off; writable)");
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");

MODULE_DESCRIPTION("Aether page pool: NUMA buddy allocator with per-CPU lists");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
