// SPDX-License-Identifier: GPL-2.0
/*
 * region/debugfs.c - debugfs aether/mm/regions and aether/mm/tiers
 *
 * Lock order: aem_regions_lock, around the walk of the list.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "region.h"

static int aem_dbg_regions_show(struct seq_file *m, void *unused)
{
	struct aem_region *r;

	seq_puts(m, "id       name             kind    flags  prot  tier   pages resident views files   faults  zero   cow  steal  fail numa_flt numa_mig huge_map huge_fb huge_col  stored\n");
	mutex_lock(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link) {
		seq_printf(m, "%-8llu %-16s %-7s 0x%04x %c%c%c   %-6s %6lu %8ld %5u %5d %8ld %5ld %5ld %6ld %5ld %8ld %8ld %8ld %7ld %8ld %7ld\n",
			   r->id, r->name[0] ? r->name : "-",
			   r->flags & AETHER_MM_REGION_SHARED ? "shared" :
			   "private", r->flags,
			   r->max_prot & AETHER_MM_PROT_READ ? 'r' : '-',
			   r->max_prot & AETHER_MM_PROT_WRITE ? 'w' : '-',
			   r->max_prot & AETHER_MM_PROT_EXEC ? 'x' : '-',
			   r->tier == AETHER_MM_TIER_FAST ? "fast" :
			   r->tier == AETHER_MM_TIER_SLOW ? "slow" : "normal",
			   r->nr_pages, atomic_long_read(&r->resident),
			   READ_ONCE(r->nr_views), atomic_read(&r->nr_files),
			   atomic_long_read(&r->faults),
			   atomic_long_read(&r->zero_maps),
			   atomic_long_read(&r->cow_copies),
			   atomic_long_read(&r->cow_steals),
			   atomic_long_read(&r->alloc_fail),
			   atomic_long_read(&r->numa_faults),
			   atomic_long_read(&r->numa_migrated),
			   atomic_long_read(&r->huge_maps),
			   atomic_long_read(&r->huge_fallbacks),
			   atomic_long_read(&r->huge_collapses),
			   atomic_long_read(&r->stored));
	}
	mutex_unlock(&aem_regions_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_regions);

/* The tier -> node mapping, as the policies of new regions apply it. */
static int aem_dbg_tiers_show(struct seq_file *m, void *unused)
{
	int first, last;

	aem_tier_nodes(&first, &last);
	seq_puts(m, "tier    policy (for regions created with POL_LOCAL)\n");
	seq_puts(m, "normal  local: the faulting CPU's node, then by distance\n");
	seq_printf(m, "fast    preferred node %d, then by distance\n", first);
	seq_printf(m, "slow    preferred node %d, then by distance\n", last);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_tiers);

/**
 * aem_region_debugfs() - add regions and tiers to aether/mm/
 * @dir: the module's debugfs directory
 */
void aem_region_debugfs(struct dentry *dir)
{
	debugfs_create_file("regions", 0400, dir, NULL, &aem_dbg_regions_fops);
	debugfs_create_file("tiers", 0400, dir, NULL, &aem_dbg_tiers_fops);
}
