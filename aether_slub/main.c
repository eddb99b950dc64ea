// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_slub, and its module parameters
 *
 * Load is a ladder: check the parameters, ready the stack depot if every
 * cache is to track its users, open debugfs (the caches add their
 * directories as they are made), register the CPU hotplug callback that
 * empties a departing CPU's arrays, make the kmalloc size classes, run the
 * self-tests if asked, register the shrinker, then open /dev/aether_slub.
 * Unload goes down the same ladder.  Every caller of ours pins the module
 * (a module using the kernel API depends on it, an open file holds a
 * reference), so at unload only our own caches are left, and they are
 * empty unless this module leaked.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

#define ASLUB_EMPTY_LIMIT	1024

unsigned int aslub_empty_max = 2;
unsigned int aslub_debug_flags;
static char *debug = "";
static bool selftest;

static int aslub_check_params(void)
{
	if (aslub_empty_max > ASLUB_EMPTY_LIMIT) {
		pr_err("need empty_max <= %u\n", ASLUB_EMPTY_LIMIT);
		return -EINVAL;
	}
	aslub_debug_flags = aslub_parse_debug(debug);
	if (aslub_debug_flags == UINT_MAX) {
		pr_err("debug=%s: letters F, Z, P, U only\n", debug);
		return -EINVAL;
	}
	return 0;
}

static int __init aslub_init(void)
{
	int err;

	err = aslub_check_params();
	if (err)
		return err;
	err = aslub_debug_init();
	if (err)
		return err;
	aslub_debugfs_init();
	err = aslub_cpuhp_init();
	if (err)
		goto out_debugfs;
	err = aslub_kmalloc_init();
	if (err)
		goto out_cpuhp;
	if (selftest) {
		err = aslub_selftest_run();
		if (err)
			goto out_kmalloc;
	}
	err = aslub_shrinker_init();
	if (err)
		goto out_kmalloc;
	err = aslub_chardev_init();
	if (err)
		goto out_shrinker;
	pr_info("ready: %u size classes up to %u bytes, empty_max %u%s%s\n",
		aslub_nr_kmalloc(), ASLUB_KMALLOC_MAX, aslub_empty_max,
		aslub_debug_flags ? ", debug " : "",
		aslub_debug_flags ? debug : "");
	return 0;

out_shrinker:
	aslub_shrinker_exit();
out_kmalloc:
	aslub_kmalloc_exit();
out_cpuhp:
	aslub_cpuhp_exit();
out_debugfs:
	aslub_debugfs_exit();
	return err;
}

static void __exit aslub_exit(void)
{
	aslub_chardev_exit();
	aslub_shrinker_exit();
	aslub_kmalloc_exit();
	aslub_cpuhp_exit();
	aslub_debugfs_exit();
}

module_init(aslub_init);
module_exit(aslub_exit);

module_param_named(empty_max, aslub_empty_max, uint, 0644);
MODULE_PARM_DESC(empty_max, "Empty slabs a cache keeps per node before giving them back to the pool (default 2)");
static int aslub_max_caches_per_uid_set(const char *val,
					const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, ASLUB_MAX_CACHES_PER_UID_LIMIT);
}

static const struct kernel_param_ops aslub_max_caches_per_uid_ops = {
	.set = aslub_max_caches_per_uid_set,
	.get = param_get_uint,
};

module_param_cb(max_caches_per_uid, &aslub_max_caches_per_uid_ops,
		&aslub_max_caches_per_uid, 0644);
MODULE_PARM_DESC(max_caches_per_uid, "Caches one uid may hold through /dev/aether_slub at once, 1..1048576; CREATE beyond it fails with -EDQUOT (default 1024; writable)");
module_param(debug, charp, 0444);
MODULE_PARM_DESC(debug, "Debug flags for every cache, as slub_debug: F consistency, Z red zone, P poison, U owner tracking (default none)");
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");

MODULE_DESCRIPTION("Aether object allocator: SLUB-style caches on the aether_mm page pool");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
