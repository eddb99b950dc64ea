// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_dedupe
 *
 * Load is a ladder: the self-tests if asked, then the engine (its caches,
 * aether_ksmd, and the share table registered with aether_mm, after
 * which merges may happen), debugfs, and /dev/aether_dedupe last, when
 * everything it answers for exists.  Unload goes down the same ladder:
 * the device first (an open file pins the module, so none is open), then
 * debugfs, then the engine, whose unregistration of the share table has
 * aether_mm give every user of every shared frame a private copy again
 * before the engine drops its trees: nothing stays merged by a module
 * that is gone.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

bool adp_selftest;

static int __init adp_init(void)
{
	int err;

	if (adp_selftest) {
		err = adp_selftest_run();
		if (err)
			return err;
	}
	err = adp_engine_init();
	if (err)
		return err;
	err = adp_debugfs_init();
	if (err)
		goto out_engine;
	err = adp_dev_init();
	if (err)
		goto out_debugfs;
	return 0;

out_debugfs:
	adp_debugfs_exit();
out_engine:
	adp_engine_exit();
	return err;
}

static void __exit adp_exit(void)
{
	adp_dev_exit();
	adp_debugfs_exit();
	adp_engine_exit();
}

module_init(adp_init);
module_exit(adp_exit);

module_param_named(selftest, adp_selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");

MODULE_DESCRIPTION("Aether page merging on the aether_mm page pool (a KSM for regions)");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
