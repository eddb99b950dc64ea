// SPDX-License-Identifier: GPL-2.0
/*
 * inject.c - failure injection into the pool allocator
 *
 * Every caller of the pool must survive an allocation that fails, and the
 * distribution kernels cannot make ours fail on demand (failslab and
 * fail_page_alloc only reach Linux's own allocators).  Two debugfs knobs
 * under aether/mm/ make the pool refuse allocations as if it were empty:
 *
 *	fail_every	N > 0: every Nth allocation fails (0: off)
 *	fail_percent	0..100: each allocation fails with that probability
 *	fail_injected	(read) allocations failed on purpose since load
 *
 * A refused allocation fails exactly where an empty pool would: before any
 * list is touched, counted in alloc_fail like any other failure.
 */
#include <linux/debugfs.h>
#include <linux/random.h>
#include "internal.h"

static u32 aem_fail_every;
static u32 aem_fail_percent;
static atomic_long_t aem_fail_seen = ATOMIC_LONG_INIT(0);
static atomic_long_t aem_fail_injected = ATOMIC_LONG_INIT(0);

/**
 * aem_should_fail - is this allocation to be refused on purpose
 *
 * Return: true when a knob says so.
 */
bool aem_should_fail(void)
{
	u32 every = READ_ONCE(aem_fail_every);
	u32 percent = READ_ONCE(aem_fail_percent);

	if (likely(!every && !percent))
		return false;
	if (every && !(atomic_long_inc_return(&aem_fail_seen) % every))
		goto fail;
	if (percent && get_random_u32() % 100 < percent)
		goto fail;
	return false;
fail:
	atomic_long_inc(&aem_fail_injected);
	return true;
}

static int aem_fail_every_get(void *data, u64 *val)
{
	*val = READ_ONCE(aem_fail_every);
	return 0;
}

static int aem_fail_every_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	atomic_long_set(&aem_fail_seen, 0);
	WRITE_ONCE(aem_fail_every, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(aem_fail_every_fops, aem_fail_every_get,
			 aem_fail_every_set, "%llu\n");

static int aem_fail_percent_get(void *data, u64 *val)
{
	*val = READ_ONCE(aem_fail_percent);
	return 0;
}

static int aem_fail_percent_set(void *data, u64 val)
{
	if (val > 100)
		return -EINVAL;
	WRITE_ONCE(aem_fail_percent, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(aem_fail_percent_fops, aem_fail_percent_get,
			 aem_fail_percent_set, "%llu\n");

static int aem_fail_injected_get(void *data, u64 *val)
{
	*val = atomic_long_read(&aem_fail_injected);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(aem_fail_injected_fops, aem_fail_injected_get,
			 NULL, "%llu\n");

/**
 * aem_inject_debugfs - create the knobs
 * @dir: aether/mm/
 */
void aem_inject_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("fail_every", 0600, dir, NULL,
				   &aem_fail_every_fops);
	debugfs_create_file_unsafe("fail_percent", 0600, dir, NULL,
				   &aem_fail_percent_fops);
	debugfs_create_file_unsafe("fail_injected", 0400, dir, NULL,
				   &aem_fail_injected_fops);
}
