// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - load and unload of aether_qos
 *
 * Load is a ladder: the pressure's workqueue and the pool's pressure
 * (pressure.c), the self-tests if asked, then the groups (the root), the
 * fork and exit probes that keep the members (group.c), debugfs
 * (aether/qos/, the root group's files), the policy table registered
 * with aether_mm (after which every new region is charged to a group),
 * and /dev/aether_qos last, when everything it answers for
 * exists.  Unload goes down the same ladder: the device first (an open
 * file pins the module, so none is open), then the policy table, whose
 * unregistration makes aether_mm forget every cookie we gave (the regions
 * stay, charged to nobody: include/aether/mm.h, @drain), then debugfs, the
 * probes, the groups when nothing can reach them (their pressure first, the
 * deepest first), and the pressure's workqueue last.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

bool aqos_selftest;
unsigned long aqos_user_max_pages = 65536;	/* 256 MiB of 4 KiB pages */
unsigned int aqos_groups_per_user = 64;
unsigned int aqos_groups_max = 4096;
unsigned int aqos_user_groups_max = 4096;
unsigned int aqos_members_max = 1024;

/*
 * user_max_pages: limits are at most AQOS_UNLIMITED (internal.h), so a
 * larger value is taken as "no limit", never read back as negative.
 */
static int aqos_param_set_pages(const char *val, const struct kernel_param *kp)
{
	unsigned long v;
	int err = kstrtoul(val, 0, &v);

	if (err)
		return err;
	*(unsigned long *)kp->arg = min(v, AQOS_UNLIMITED);
	return 0;
}

static const struct kernel_param_ops aqos_param_pages_ops = {
	.set	= aqos_param_set_pages,
	.get	= param_get_ulong,
};

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
	err = aqos_member_hooks_init();
	if (err)
		goto out_group;
	err = aqos_debugfs_init();
	if (err)
		goto out_hooks;
	err = aqos_fw_init();
	if (err)
		goto out_debugfs;
	err = aqos_policy_init();
	if (err)
		goto out_fw;
	err = aqos_dev_init();
	if (err)
		goto out_policy;
	return 0;

out_policy:
	aqos_policy_exit();
out_fw:
	aqos_fw_exit();
out_debugfs:
	aqos_debugfs_exit();
out_hooks:
	aqos_member_hooks_exit();
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
	aqos_fw_exit();
	aqos_debugfs_exit();
	aqos_member_hooks_exit();
	aqos_group_exit();
	aqos_pressure_exit();
}

module_init(aqos_init);
module_exit(aqos_exit);

module_param_named(selftest, aqos_selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load and refuse to load if one fails");
module_param_cb(user_max_pages, &aqos_param_pages_ops, &aqos_user_max_pages, 0644);
MODULE_PARM_DESC(user_max_pages, "max, in pages, of a user's default group when it is made (default 65536; 0, or LONG_MAX bytes in pages and above: no limit; root's has none; CAP_SYS_ADMIN may SET it later)");
module_param_named(groups_per_user, aqos_groups_per_user, uint, 0644);
MODULE_PARM_DESC(groups_per_user, "Groups one uid may own at once when it creates them without CAP_SYS_ADMIN");
module_param_named(groups_max, aqos_groups_max, uint, 0644);
MODULE_PARM_DESC(groups_max, "Groups that CREATE may make at once, all users together (users' default groups aside)");
module_param_named(user_groups_max, aqos_user_groups_max, uint, 0644);
MODULE_PARM_DESC(user_groups_max, "Users' default groups at once; a region of a user beyond it is refused");
module_param_named(members_max, aqos_members_max, uint, 0644);
MODULE_PARM_DESC(members_max, "Processes ATTACH_PID may put in one group without CAP_SYS_ADMIN (exited ones are forgotten first)");

MODULE_DESCRIPTION("Aether memory QoS groups on the aether_mm page pool (a memory cgroup for regions)");
MODULE_AUTHOR("Aether developers");
MODULE_LICENSE("GPL");
