// SPDX-License-Identifier: GPL-2.0
/*
 * region/debugfs.c - debugfs aether/mm/regions and aether/mm/tiers
 *
 * Lock order: aem_regions_lock, around the walk of the list.
 */
#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include "region.h"

/* The names of the counters: the UAPI's fields, then the module's own. */
const char * const aem_region_stat_names[AEM_NR_REGION_STATS] = {
#define AETHER_MM_REGION_COUNTER(id, field, label)			\
	[AEM_RS_##id] = #field,
#include <uapi/linux/aether_mm_region_counters.h>
#undef AETHER_MM_REGION_COUNTER
	[AEM_RS_ACCESS_SCANS]	= "access_scans",
	[AEM_RS_NUMA_FAULTS]	= "numa_faults",
	[AEM_RS_NUMA_MIGRATED]	= "numa_migrated",
	[AEM_RS_HUGE_MAPS]	= "huge_maps",
	[AEM_RS_HUGE_FALLBACKS]	= "huge_fallbacks",
	[AEM_RS_HUGE_COLLAPSES]	= "huge_collapses",
	[AEM_RS_STORED]		= "stored",
	[AEM_RS_STORE_OUTS]	= "store_outs",
	[AEM_RS_STORE_INS]	= "store_ins",
};

/* A counter's column: as wide as its name, 8 at least. */
static int aem_dbg_stat_width(unsigned int i)
{
	return max_t(int, strlen(aem_region_stat_names[i]), 8);
}

/*
 * A header line of column names, then a row per region: what it is, then
 * every counter, named by aem_region_stat_names[] (aetherctl takes the
 * columns from the header).  A region with no file left has no name
 * (lifecycle.c): a walker's passing reference keeps it on the list, and
 * its row shows "-" as CREATE and OPEN no longer see the name.
 */
static int aem_dbg_regions_show(struct seq_file *m, void *unused)
{
	struct aem_region *r;
	unsigned int i;

	seq_puts(m, "id       name             kind    flags  prot  tier   pages views files");
	for (i = 0; i < AEM_NR_REGION_STATS; i++)
		seq_printf(m, " %*s", aem_dbg_stat_width(i),
			   aem_region_stat_names[i]);
	seq_putc(m, '\n');
	mutex_lock(&aem_regions_lock);
	list_for_each_entry(r, &aem_regions, link) {
		/* @nr_files reaches 0 only under aem_regions_lock. */
		seq_printf(m, "%-8llu %-16s %-7s 0x%04x %c%c%c   %-6s %6lu %5u %5d",
			   r->id, r->name[0] && atomic_read(&r->nr_files) ?
			   r->name : "-",
			   r->flags & AETHER_MM_REGION_SHARED ? "shared" :
			   "private", r->flags,
			   r->max_prot & AETHER_MM_PROT_READ ? 'r' : '-',
			   r->max_prot & AETHER_MM_PROT_WRITE ? 'w' : '-',
			   r->max_prot & AETHER_MM_PROT_EXEC ? 'x' : '-',
			   r->tier == AETHER_MM_TIER_FAST ? "fast" :
			   r->tier == AETHER_MM_TIER_SLOW ? "slow" : "normal",
			   r->nr_pages, READ_ONCE(r->nr_views),
			   atomic_read(&r->nr_files));
		for (i = 0; i < AEM_NR_REGION_STATS; i++)
			seq_printf(m, " %*ld", aem_dbg_stat_width(i),
				   aem_region_stat(r, i));
		seq_putc(m, '\n');
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
	aem_secure_debugfs(dir);
}
