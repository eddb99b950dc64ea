// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - copy-in and copy-out of every Aether device's commands
 *
 * DOC: Overview
 *
 * The size-first convention of include/aether/ioctl.h, once for every
 * device of the suite: a command's struct starts with the __u32 size the
 * caller was built with, and copy_struct_from_user() reconciles it with
 * the kernel's.  No lock is taken here; a copy may fault and sleep, so
 * it is never done under a spinlock.
 */

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <aether/ioctl.h>

/**
 * aem_copy_in() - copy in a command's struct
 * @dst:	the kernel's struct
 * @ksize:	sizeof(*@dst)
 * @uarg:	the caller's struct, whose first u32 is the size it knows
 *
 * Smaller than @ksize is a version that was never published; larger is
 * fine when the tail the kernel does not know is zero.
 *
 * Return: 0; -EFAULT; -EINVAL when the caller's size is below @ksize;
 * -E2BIG when it is above AEM_IOC_MAX_SIZE or its tail is not zero.
 */
int aem_copy_in(void *dst, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > AEM_IOC_MAX_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}
EXPORT_SYMBOL_GPL(aem_copy_in);

/**
 * aem_copy_out() - copy a command's struct back
 * @uarg:	the caller's struct
 * @src:	the kernel's struct
 * @ksize:	sizeof(*@src), which aem_copy_in() found within the caller's
 *		size
 *
 * Return: 0, or -EFAULT.
 */
int aem_copy_out(void __user *uarg, const void *src, size_t ksize)
{
	return copy_to_user(uarg, src, ksize) ? -EFAULT : 0;
}
EXPORT_SYMBOL_GPL(aem_copy_out);
