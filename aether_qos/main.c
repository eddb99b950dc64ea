// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_qos
 *
 * Load is a ladder: the pressure's workqueue and the pool's pressure
 * (pressure.c), the self-tests if asked, then the groups (the root),
 * debugfs (aether/qos/, the root group's files), the policy table
 * registered with aether_mm (after which every new region is charged to
 * a group), and /dev/aether_qos last, when everything it answers for
 * exists.  Unload goes down the same ladder: the device first (an open
 * file pins the module, so none is open), then the policy table, whose
 * unregistration makes aether_mm forget every cookie we gave (the regions
 * stay, charged to nobody: include/aether/mm.h, @drain), then debugfs,
 * the groups when nothing can reach them (their pressure first, the
 * deepest first), and the pressure's workqueue last.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

bool aqos_selftest;
unsigned long aqos_user_max_pages;
unsigned int aqos_groups_per_user = 64;
unsigned int aqos_groups_max = 4096;

static int __init aqos_init(void)
{
	int err;

	err = aqos_pressure_init();
	if (err)
		return err;
	if (aqos_selftest) {
		err = aqos_selftest_run();
		if (err)
			goto out_pressure;
	}
	err = aqos_group_init();
	if (err)
		goto out_pressure;
	err = aqos_debugfs_init();
	if (err)
		goto out_group;
	err = aqos_policy_init();
	if (err)
		goto out_debugfs;
	err = aqos_dev_init();
	if (err)
		goto out_policy;
	return 0;

out_policy:
	aqos_policy_exit();
out_debugfs:
	aqos_debugfs_exit();
out_group:
	aqos_group_exit();
out_pressure:
	aqos_pressure_exit();
	return err;
}

static void __exit aqos_exit(void)
{
	aqos_dev_exit();
	aqos_policy_exit();
	aqos_debugfs_exit();
	aqos_group_exit();
	aqos_pressure_exit();
}

module_init(aqos_init);
module_exit(aqos_exit);

module_param_named(selftest, aqos_selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");
module_param_named(user_max_pages, aqos_user_max_pages, ulong, 0644);
MODULE_PARM_DESC(user_max_pages, "max, in pages, of a user's default group when it is made (0: no limit; CAP_SYS_ADMIN may SET it later)");
module_param_named(groups_per_user, aqos_groups_per_user, uint, 0644);
MODULE_PARM_DESC(groups_per_user, "Groups one uid may own at once when it creates them without CAP_SYS_ADMIN");
module_param_named(groups_max, aqos_groups_max, uint, 0644);
MODULE_PARM_DESC(groups_max, "Groups that CREATE may make at once, all users together (users' default groups aside)");

MODULE_DESCRIPTION("Aether memory QoS groups on the aether_mm page pool (a memory cgroup for regions)");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
