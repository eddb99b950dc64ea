/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether/ioctl.h - the size-first ioctl convention of every Aether device
 *
 * Every command of every device takes one struct whose first field is a
 * __u32 @size: the size of the struct the caller was built with
 * (DESIGN.md section 5).  The kernel copies it in with
 * copy_struct_from_user(), so that a struct can grow: a caller built
 * against an older, smaller version is refused (-EINVAL: no smaller
 * version was ever published), a newer, larger one is accepted when the
 * tail the kernel does not know is zero (-E2BIG otherwise), and a size
 * beyond AEM_IOC_MAX_SIZE is refused outright.  The size bits of the
 * command number are ignored for the same reason: a device switches on
 * AEM_IOC_BASE(cmd).
 *
 * Copy-out writes the kernel's struct, which aem_copy_in() has checked is
 * no larger than the caller's @size: nothing is written past what the
 * caller said it holds.
 *
 * aether_mm exports these; a module of the suite uses them for every
 * command rather than a copy of its own.
 */
#ifndef _AETHER_IOCTL_H
#define _AETHER_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* A larger struct than any future version will be is rejected outright. */
#define AEM_IOC_MAX_SIZE	PAGE_SIZE

/* Command numbers with the size bits masked: the struct's @size rules. */
#define AEM_IOC_BASE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

int aem_copy_in(void *dst, size_t ksize, void __user *uarg);
int aem_copy_out(void __user *uarg, const void *src, size_t ksize);

#endif /* _AETHER_IOCTL_H */
