// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/aether/mm/, the pool laid open
 *
 * DOC: Overview
 *
 * Read-only state dumps for a person at a shell:
 *
 *	pool		key value lines for the whole pool, then one per node
 *	free_lists	free blocks per node, zone, order and migrate type
 *			(the layout of /proc/pagetypeinfo, turned on its side)
 *	pcp		per-CPU list occupancy of each zone
 *	watermarks	managed, free, held pages and min/low/high of each zone
 *	frag		free blocks, unusable free space index and external
 *			fragmentation index per zone and order, printed as
 *			/sys/kernel/debug/extfrag/ prints them
 *	stats		event counters since load
 *	tracking	live allocations with their stacks (module param track)
 *	fail_*		failure injection knobs (inject.c)
 *	users		pages each user holds, and charges refused at its
 *			bound (user.c)
 *
 * The "aether" directory is the suite's: this module creates it at load
 * and removes it at unload, and the others put their own directory in it
 * (aem_debugfs_root()); they depend on this module, so theirs are gone
 * by then.
 *
 * Locking: a zone is read under its zone->lock, irqs off, only for as long
 * as it takes to copy what is wanted into a local snapshot; printing
 * happens after the lock is dropped.  A per-CPU list is read the same way
 * under its pcp->lock.  The two are never held together.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "internal.h"

static struct dentry *aem_debugfs_top;
static struct dentry *aem_debugfs_dir;

/* A zone's free lists, copied out under zone->lock. */
struct aem_free_snap {
	unsigned long nr_free_mt[AEM_NR_ORDERS][AEM_NR_MT];
	unsigned long nr_free[AEM_NR_ORDERS];
};

/* A zone's size and watermarks, copied out under zone->lock. */
struct aem_wmark_snap {
	unsigned long managed;
	unsigned long free;
	unsigned long held;
	unsigned long wmark[AEM_NR_WMARK];
};

static bool aem_zone_present(const struct aem_zone *zone)
{
	return READ_ONCE(zone->managed) > 0;
}

/*
 * Call @print for every zone of the pool that holds pages, as mm/vmstat.c
 * walk_zones_in_node() does for Linux's zones.
 */
static void aem_walk_zones(struct seq_file *m,
			   void (*print)(struct seq_file *m, int nid,
					 struct aem_zone *zone))
{
	struct aem_node *node;
	struct aem_zone *zone;
	unsigned int z;

	for_each_aem_node(node) {
		for (z = 0; z < AEM_NR_ZONES; z++) {
			zone = &node->zones[z];
			if (aem_zone_present(zone))
				print(m, node->nid, zone);
		}
	}
}

static void aem_free_snapshot(struct aem_zone *zone, struct aem_free_snap *s)
{
	unsigned long flags;
	unsigned int o, mt;

	spin_lock_irqsave(&zone->lock, flags);
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		s->nr_free[o] = zone->free_area[o].nr_free;
		for (mt = 0; mt < AEM_NR_MT; mt++)
			s->nr_free_mt[o][mt] = zone->free_area[o].nr_free_mt[mt];
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static void aem_wmark_snapshot(struct aem_zone *zone, struct aem_wmark_snap *s)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	s->managed = zone->managed;
	s->free = zone->free;
	s->held = zone->held;
	memcpy(s->wmark, zone->wmark, sizeof(s->wmark));
	spin_unlock_irqrestore(&zone->lock, flags);
}

static int aem_dbg_pool_show(struct seq_file *m, void *v)
{
	struct aether_mm_pool_info info = { .size = sizeof(info) };
	struct aem_node *node;
	int nid, i;

	aem_get_pool_info(&info);
	seq_printf(m, "nodes %u\n", info.nr_nodes);
	seq_printf(m, "max_order %u\n", info.max_order);
	seq_printf(m, "pcp_max_order %u\n", info.pcp_max_order);
	seq_printf(m, "chunk_order %u\n", info.chunk_order);
	seq_printf(m, "tracking %u\n", info.tracking);
	seq_printf(m, "pages_total %llu\n", info.pages_total);
	seq_printf(m, "pages_free %llu\n", info.pages_free);
	seq_printf(m, "pages_reserved %llu\n", info.pages_reserved);
	seq_printf(m, "chunks %llu\n", info.chunks);
	seq_printf(m, "chunks_grown %llu\n", info.chunks_grown);
	seq_printf(m, "chunks_shrunk %llu\n", info.chunks_shrunk);

	for_each_aem_node(node) {
		nid = node->nid;
		seq_printf(m, "node %d pages %llu free %llu chunks %u chunks_min %u chunks_max %llu distance",
			   nid, info.node_pages[nid], info.node_free[nid],
			   READ_ONCE(node->nr_chunks), node->min_chunks,
			   info.node_chunks_max[nid]);
		for (i = 0; i < aem_pool.nr_nodes; i++)
			seq_printf(m, " %u", info.node_distance[nid][i]);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_pool);

static void aem_free_lists_print(struct seq_file *m, int nid,
				 struct aem_zone *zone)
{
	struct aem_free_snap s;
	unsigned int o, mt;

	aem_free_snapshot(zone, &s);
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		seq_printf(m, "%4d %-6s %5u", nid, aem_zone_name(zone->idx), o);
		for (mt = 0; mt < AEM_NR_MT; mt++)
			seq_printf(m, " %11lu", s.nr_free_mt[o][mt]);
		seq_printf(m, " %11lu\n", s.nr_free[o]);
	}
}

static int aem_dbg_free_lists_show(struct seq_file *m, void *v)
{
	unsigned int mt;

	seq_printf(m, "%4s %-6s %5s", "node", "zone", "order");
	for (mt = 0; mt < AEM_NR_MT; mt++)
		seq_printf(m, " %11s", aem_mt_name(mt));
	seq_printf(m, " %11s\n", "total");

	aem_walk_zones(m, aem_free_lists_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_free_lists);

static void aem_pcp_print(struct seq_file *m, int nid, struct aem_zone *zone)
{
	struct aem_pcp *pcp;
	unsigned long flags;
	int count, high, batch;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		pcp = per_cpu_ptr(zone->pcp, cpu);
		spin_lock_irqsave(&pcp->lock, flags);
		count = pcp->count;
		high = pcp->high;
		batch = pcp->batch;
		spin_unlock_irqrestore(&pcp->lock, flags);

		seq_printf(m, "%4d %-6s %4u %8d %8d %8d\n", nid,
			   aem_zone_name(zone->idx), cpu, count, high, batch);
	}
}

static int aem_dbg_pcp_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%4s %-6s %4s %8s %8s %8s\n",
		   "node", "zone", "cpu", "count", "high", "batch");
	aem_walk_zones(m, aem_pcp_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_pcp);

static void aem_watermarks_print(struct seq_file *m, int nid,
				 struct aem_zone *zone)
{
	struct aem_wmark_snap s;

	aem_wmark_snapshot(zone, &s);
	seq_printf(m, "%4d %-6s %10lu %10lu %10lu %10lu %10lu %10lu\n",
		   nid, aem_zone_name(zone->idx), s.managed, s.free, s.held,
		   s.wmark[AEM_WMARK_MIN], s.wmark[AEM_WMARK_LOW],
		   s.wmark[AEM_WMARK_HIGH]);
}

static int aem_dbg_watermarks_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%4s %-6s %10s %10s %10s %10s %10s %10s\n", "node",
		   "zone", "managed", "free", "held", "min", "low", "high");
	aem_walk_zones(m, aem_watermarks_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_watermarks);

/* An index x1000 as mm/vmstat.c prints it: 0.123, -1.000. */
static void aem_seq_index(struct seq_file *m, int idx)
{
	seq_printf(m, " %s%d.%03d", idx < 0 ? "-" : " ",
		   abs(idx) / 1000, abs(idx) % 1000);
}

static void aem_frag_print(struct seq_file *m, int nid,
			   struct aem_zone *zone)
{
	struct aem_frag_info info;
	unsigned int o;

	aem_zone_frag(zone, &info);
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		seq_printf(m, "%4d %-6s %5u %11lu", nid,
			   aem_zone_name(zone->idx), o, info.free_blocks[o]);
		aem_seq_index(m, info.unusable[o]);
		aem_seq_index(m, info.extfrag[o]);
		seq_putc(m, '\n');
	}
}

static int aem_dbg_frag_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%4s %-6s %5s %11s %7s %7s\n", "node", "zone", "order",
		   "free_blocks", "unusable", "extfrag");
	aem_walk_zones(m, aem_frag_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_frag);

static const char *const aem_rstat_names[AEM_NR_RSTATS] = {
	[AEM_R_KRECLAIMD_WAKEUPS] = "kreclaimd_wakeups",
	[AEM_R_KRECLAIMD_PAGES] = "kreclaimd_reclaimed",
	[AEM_R_KRECLAIMD_BALANCED] = "kreclaimd_balanced",
	[AEM_R_KRECLAIMD_GAVE_UP] = "kreclaimd_gave_up",
	[AEM_R_DIRECT] = "direct_reclaims",
	[AEM_R_DIRECT_PAGES] = "direct_reclaimed",
	[AEM_R_DIRECT_DRAINS] = "direct_drains",
	[AEM_R_RESERVE_ALLOCS] = "reserve_allocs",
	[AEM_R_RESERVE_EMPTY] = "reserve_empty",
	[AEM_R_RESERVE_WAITS] = "reserve_waits",
	[AEM_R_RESERVE_REFUSED] = "reserve_refused",
	[AEM_R_FAULT_WAITS] = "fault_waits",
	[AEM_R_FAULT_WAITED] = "fault_waited",
	[AEM_R_RESERVE_RESIZES] = "reserve_resizes",
};

static int aem_dbg_stats_show(struct seq_file *m, void *v)
{
	struct aether_mm_stats st = { .size = sizeof(st) };
	unsigned int i;

	aem_get_stats(&st);
	seq_printf(m, "alloc %llu\n", st.alloc);
	seq_printf(m, "free %llu\n", st.free);
	seq_printf(m, "alloc_fail %llu\n", st.alloc_fail);
	seq_printf(m, "pcp_hit %llu\n", st.pcp_hit);
	seq_printf(m, "pcp_refill %llu\n", st.pcp_refill);
	seq_printf(m, "pcp_drain %llu\n", st.pcp_drain);
	seq_printf(m, "split %llu\n", st.split);
	seq_printf(m, "merge %llu\n", st.merge);
	seq_printf(m, "mt_fallback %llu\n", st.mt_fallback);
	seq_printf(m, "mt_steal %llu\n", st.mt_steal);
	seq_printf(m, "node_fallback %llu\n", st.node_fallback);
	seq_printf(m, "zone_fallback %llu\n", st.zone_fallback);
	seq_printf(m, "grow %llu\n", st.grow);
	seq_printf(m, "shrink %llu\n", st.shrink);
	seq_printf(m, "grow_fail %llu\n", st.grow_fail);
	seq_printf(m, "wmark_low_hit %llu\n", st.wmark_low_hit);
	seq_printf(m, "reclaim_runs %ld\n", atomic_long_read(&aem_reclaim_runs));
	seq_printf(m, "reclaimed %ld\n", atomic_long_read(&aem_reclaimed));
	for (i = 0; i < AEM_NR_RSTATS; i++)
		seq_printf(m, "%s %ld\n", aem_rstat_names[i],
			   atomic_long_read(&aem_pool.rstat[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_stats);

static int aem_dbg_tracking_show(struct seq_file *m, void *v)
{
	unsigned long live;

	seq_printf(m, "tracking %s\n", READ_ONCE(aem_track) ? "on" : "off");
	live = aem_track_report(m);
	seq_printf(m, "live %lu\n", live);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_tracking);

/**
 * aem_debugfs_root() - the suite's debugfs directory, /sys/kernel/debug/aether
 *
 * For the other modules of the suite, which create their own directory in
 * it at load and remove that at unload.
 *
 * Return: the directory, or an error pointer when debugfs is missing (the
 * debugfs helpers accept one as a parent and do nothing).
 */
struct dentry *aem_debugfs_root(void)
{
	return aem_debugfs_top;
}
EXPORT_SYMBOL_GPL(aem_debugfs_root);

/**
 * aem_debugfs_init() - create /sys/kernel/debug/aether/ and its mm/
 *
 * Failures are not reported: debugfs is optional and its helpers take
 * error pointers as parents.
 */
void aem_debugfs_init(void)
{
	aem_debugfs_top = debugfs_create_dir("aether", NULL);
	aem_debugfs_dir = debugfs_create_dir("mm", aem_debugfs_top);

	debugfs_create_file("pool", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_pool_fops);
	debugfs_create_file("free_lists", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_free_lists_fops);
	debugfs_create_file("pcp", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_pcp_fops);
	debugfs_create_file("watermarks", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_watermarks_fops);
	debugfs_create_file("frag", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_frag_fops);
	debugfs_create_file("stats", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_stats_fops);
	debugfs_create_file("tracking", 0400, aem_debugfs_dir, NULL,
			    &aem_dbg_tracking_fops);
	aem_inject_debugfs(aem_debugfs_dir);
	aem_region_debugfs(aem_debugfs_dir);
	aem_compact_debugfs(aem_debugfs_dir);
	aem_access_debugfs(aem_debugfs_dir);
	aem_numa_debugfs(aem_debugfs_dir);
	aem_reclaim_debugfs(aem_debugfs_dir);
	aem_policy_count_debugfs(aem_debugfs_dir);
	aem_share_debugfs(aem_debugfs_dir);
	aem_share_naive_debugfs(aem_debugfs_dir);
	aem_user_debugfs(aem_debugfs_dir);
	aem_integ_debugfs(aem_debugfs_dir);
}

/**
 * aem_debugfs_exit() - remove /sys/kernel/debug/aether/ with mm/ in it
 *
 * The modules that put their directory in it depend on this one, so they
 * are unloaded already.
 */
void aem_debugfs_exit(void)
{
	debugfs_remove(aem_debugfs_top);
	aem_debugfs_top = NULL;
	aem_debugfs_dir = NULL;
}
