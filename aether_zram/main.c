// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_zram, and its module parameters
 *
 * Load is a ladder: ready the object allocator (its handle cache, its
 * place among aether_mm's movable owners and reclaim clients), run the
 * self-tests if asked, open debugfs, register the region store backend
 * with aether_mm, then bring up the block devices and
 * /dev/aether_zram-control.  Unload goes down the same ladder.  The
 * devices go first: a device in use pins the module (its open count),
 * so at unload every device is closed and can be freed; then the store
 * backend is unregistered, which has aether_mm bring every stored region
 * page back before the store is freed.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

bool azr_selftest;

static int __init azr_init(void)
{
	int err;

	err = azs_init();
	if (err)
		return err;
	if (azr_selftest) {
		err = azs_selftest();
		if (!err)
			err = azr_comp_selftest();
		if (!err)
			err = azr_wb_selftest();
		if (!err)
			err = azr_csum_selftest();
		if (err)
			goto out_azs;
	}
	err = azr_debugfs_init();
	if (err)
		goto out_azs;
	err = azr_store_backend_init();
	if (err)
		goto out_debugfs;
	err = azr_devices_init();
	if (err)
		goto out_store;
	return 0;

out_store:
	azr_store_backend_exit();
out_debugfs:
	azr_debugfs_exit();
out_azs:
	azs_exit();
	return err;
}

static void __exit azr_exit(void)
{
	azr_devices_exit();
	azr_store_backend_exit();
	azr_debugfs_exit();
	azs_exit();
}

module_init(azr_init);
module_exit(azr_exit);

module_param_named(selftest, azr_selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");

MODULE_DESCRIPTION("Aether compressed store and block devices on the aether_mm page pool");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
