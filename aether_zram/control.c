// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - /dev/aether_zram-control, the devices' commands for programs
 *
 * DOC: Overview
 *
 * The ioctls of include/uapi/linux/aether_zram.h: INFO and DEV_STATS
 * read; ADD, REMOVE, RESET and COMPACT change the devices and need
 * CAP_SYS_ADMIN (-EPERM), as zram's sysfs files are root's; BENCH is
 * bench.c's.  Each copies its struct in with aem_copy_in() (the struct's
 * @size says which version the caller speaks; the size bits of the
 * command number are ignored for that reason), refuses a non-zero
 * reserved field (-EINVAL), and copies the struct back.  An unknown
 * command is -ENOTTY.
 *
 * A command naming a device finds it under azr_devices_lock and holds the
 * lock while it works on it, so that the device cannot be removed under
 * it (lock order: internal.h); but REMOVE and RESET, which may wait for
 * a backing device (a writeback pass, a read back), claim the device
 * under the lock and work on it after the lock is dropped: the claim
 * keeps it, and refuses a removal.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <aether/ioctl.h>

#include "dev.h"

static long azr_ioc_info(void __user *uarg)
{
	struct aether_zram_info a;
	unsigned int algo;
	int ret;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	mutex_lock(&azr_devices_lock);
	a.nr_devices = azr_dev_count();
	mutex_unlock(&azr_devices_lock);
	for (algo = 1; algo < AETHER_ZRAM_NR_ALGOS; algo++)
		if (azr_algo_available(algo))
			a.algos |= 1U << algo;
	if (azr_dict_supported())
		a.features |= AETHER_ZRAM_FEAT_ZSTD_DICT;
	azr_store_backend_info(&a);
	return aem_copy_out(uarg, &a, sizeof(a));
}

static long azr_ioc_add(void __user *uarg)
{
	struct aether_zram_add a;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.reserved[0] || a.reserved[1])
		return -EINVAL;
	ret = azr_dev_add(&a);
	if (ret < 0)
		return ret;
	a.id = ret;
	ret = aem_copy_out(uarg, &a, sizeof(a));
	if (ret)
		azr_dev_remove(a.id);	/* nobody learnt its id */
	return ret;
}

/* REMOVE, RESET, COMPACT on the device @a->id. */
static long azr_ioc_dev(unsigned int base, void __user *uarg)
{
	struct aether_zram_dev a;
	struct azr_dev *d;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.reserved)
		return -EINVAL;
	if (a.id >= AETHER_ZRAM_MAX_DEVICES)
		return -ENODEV;

	/* REMOVE and RESET claim the device and drop the table's lock. */
	if (base == AEM_IOC_BASE(AETHER_ZRAM_IOC_REMOVE)) {
		ret = azr_dev_remove(a.id);
	} else if (base == AEM_IOC_BASE(AETHER_ZRAM_IOC_RESET)) {
		ret = azr_dev_reset_id(a.id);
	} else {
		mutex_lock(&azr_devices_lock);
		d = azr_dev_find(a.id);
		ret = d ? azr_dev_compact(d) : -ENODEV;
		mutex_unlock(&azr_devices_lock);
	}
	if (ret < 0)
		return ret;
	a.result = ret;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static long azr_ioc_dev_stats(void __user *uarg)
{
	struct aether_zram_dev_stats a;
	struct azr_dev *d;
	int ret;
	u32 id;

	ret = aem_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	if (memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	id = a.id;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.id = id;

	mutex_lock(&azr_devices_lock);
	d = id < AETHER_ZRAM_MAX_DEVICES ? azr_dev_find(id) : NULL;
	if (d)
		azr_dev_stats(d, &a);
	mutex_unlock(&azr_devices_lock);
	if (!d)
		return -ENODEV;
	return aem_copy_out(uarg, &a, sizeof(a));
}

static long azr_ioc_bench(void __user *uarg)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return azr_bench_ioctl(uarg);
}

static long azr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int base = AEM_IOC_BASE(cmd);

	switch (base) {
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_INFO):
		return azr_ioc_info(uarg);
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_ADD):
		return azr_ioc_add(uarg);
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_REMOVE):
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_RESET):
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_COMPACT):
		return azr_ioc_dev(base, uarg);
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_DEV_STATS):
		return azr_ioc_dev_stats(uarg);
	case AEM_IOC_BASE(AETHER_ZRAM_IOC_BENCH):
		return azr_ioc_bench(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations azr_control_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= azr_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice azr_control_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aether_zram-control",
	.fops	= &azr_control_fops,
	.mode	= 0600,
};

/**
 * azr_control_init() - register /dev/aether_zram-control
 *
 * Return: 0, or the error of misc_register().
 */
int azr_control_init(void)
{
	return misc_register(&azr_control_misc);
}

/**
 * azr_control_exit() - remove it; no file is open (each pins the module)
 */
void azr_control_exit(void)
{
	misc_deregister(&azr_control_misc);
}
