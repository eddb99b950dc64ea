// SPDX-License-Identifier: GPL-2.0
/*
 * numa.c - region pages follow the CPUs that use them
 *
 * DOC: Overview
 *
 * A region whose policy is LOCAL (normal tier) puts a page on the node of
 * the CPU that first writes it.  When the page is later used mostly from
 * the other node, NUMA balancing moves it there, in the manner of Linux's
 * task_numa_work() and its hinting faults:
 *
 *  - every region records, per data page, the node of the CPU behind the
 *    page's last fault or prefetch (@fault_nid, node + 1; 0 for none);
 *  - aether_kaccessd, at each pass, unmaps a window of numa_scan_pages
 *    data pages of each such region (the window moves on at each pass),
 *    so the next access to each of them faults again: a hinting fault;
 *  - a fault on a page whose frame is on another node than the faulting
 *    CPU counts as a NUMA fault; when the previous fault came from that
 *    same node too (the two-fault filter of should_numa_migrate_memory()),
 *    the frame moves to the CPU's node before it is mapped, if that node
 *    has a free page (never growing the pool).  A shared (merged) frame
 *    moves a little later, for every region and process that maps it
 *    (share.c's worker: the move takes every user's slot lock), unless
 *    another of its users' regions is bound to the node it is on and not
 *    to the new one (aem_numa_bound_away()): one user's faults never
 *    take a page from the nodes another was given.
 *
 * REGION_MIGRATE with node AETHER_MM_MIGRATE_AUTO moves each page of a
 * range to the node its last fault came from, on request.
 *
 * numa_scan_pages is 0 (off) by default: unmapping costs a fault per page
 * and window, worth it only where threads of one process run on both
 * nodes.  Counters: per region in debugfs aether/mm/regions, totals in
 * aether/mm/numa.
 *
 * Locking: the fault side runs under the page's slot lock (fault.c), the
 * scan side under aem_access_lock (access.c) and takes no other lock of
 * ours; unmap_mapping_range() takes i_mmap_rwsem and the page table locks.
 */
#include <linux/debugfs.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/topology.h>
#include "region.h"

unsigned int aem_numa_scan_pages;
static atomic_long_t aem_numa_unmapped, aem_numa_faults, aem_numa_migrated;

/**
 * aem_numa_fault - account a fault (or a prefetch) at @idx from this node
 * @v: the faulting view
 * @idx: data page index
 *
 * The caller holds the slot lock of @idx and maps the page after: when
 * the frame moves here, it maps the new one.  With balancing off (the
 * default) only the node is recorded: no lookup in the fault path.
 */
void aem_numa_fault(struct aem_view *v, pgoff_t idx)
{
	struct aem_region *r = v->region;
	int nid = numa_node_id();
	struct aem_layer *where;
	struct aem_frame *f;
	u8 last;

	lockdep_assert_held(aem_slot_lock(r, idx));
	last = READ_ONCE(r->fault_nid[idx]);
	WRITE_ONCE(r->fault_nid[idx], nid + 1);
	if (!aem_numa_hinting(r))
		return;
	/* A stored page has no frame: it comes back on this node. */
	f = aem_slot_frame(aem_lookup_entry(v->top, idx, &where));
	if (!f || aem_frame_nid(f) == nid)
		return;
	aem_region_stat_inc(r, AEM_RS_NUMA_FAULTS);
	atomic_long_inc(&aem_numa_faults);
	if (last != nid + 1 || !aem_pool_has_node(nid))
		return;
	/* Its users' slots move with it: a worker does it, not under ours. */
	if (aem_frame_is_shared(f)) {
		aem_share_numa_request(f, nid);
		return;
	}
	if (aem_region_move_locked(r, where, idx, f, nid, AEM_ALLOC_NOGROW))
		return;
	aem_region_stat_inc(r, AEM_RS_NUMA_MIGRATED);
	atomic_long_inc(&aem_numa_migrated);
}

/**
 * aem_numa_last_node - the node of the last fault at @idx, or NUMA_NO_NODE
 * @r: the region
 * @idx: data page index
 *
 * Return: a node id of the pool, or NUMA_NO_NODE.
 */
int aem_numa_last_node(const struct aem_region *r, pgoff_t idx)
{
	int nid = (int)READ_ONCE(r->fault_nid[idx]) - 1;

	return nid >= 0 && aem_pool_has_node(nid) ? nid : NUMA_NO_NODE;
}

/**
 * aem_numa_bound_away - would moving a page of @r from @from to @to break
 * its policy?
 * @r: a region mapping the page (referenced by the caller)
 * @from: the node the page's frame is on
 * @to: the node NUMA balancing wants it on
 *
 * A shared (merged) frame serves regions of several policies, but only
 * the faulting one's is LOCAL: a region bound to a set of nodes (BIND,
 * PREFERRED, INTERLEAVE) whose set holds @from and not @to would see its
 * page leave the nodes it was given for one other user's faults.  Such a
 * frame stays (the share worker asks this of every user before a move).
 *
 * Return: true when @r's policy keeps the page on @from.
 */
bool aem_numa_bound_away(const struct aem_region *r, int from, int to)
{
	u32 mask = READ_ONCE(r->pol.nodemask);

	if (aem_numa_eligible(r) || from < 0 || from >= 32 || to < 0 ||
	    to >= 32)
		return false;
	return (mask & BIT(from)) && !(mask & BIT(to));
}

/**
 * aem_numa_scan_region - unmap the next window of @r for hinting faults
 * @r: the region; the caller holds a reference
 */
void aem_numa_scan_region(struct aem_region *r)
{
	unsigned long n = READ_ONCE(aem_numa_scan_pages);
	pgoff_t start;

	/* Frames of its own, or shared frames it maps (share.c). */
	if (!n || !aem_numa_hinting(r) ||
	    (!aem_region_stat(r, AEM_RS_RESIDENT) &&
	     !atomic_long_read(&r->merged)))
		return;
	start = r->numa_cursor;
	if (start >= r->nr_pages)
		start = 0;
	n = min_t(unsigned long, n, r->nr_pages - start);
	unmap_mapping_range(r->inode->i_mapping,
			    (loff_t)(start + r->guard) << PAGE_SHIFT,
			    (loff_t)n << PAGE_SHIFT, 1);
	r->numa_cursor = start + n;
	atomic_long_add(n, &aem_numa_unmapped);
}

static int aem_numa_scan_pages_set(const char *val,
				   const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 65536);
}

static const struct kernel_param_ops aem_numa_scan_pages_ops = {
	.set = aem_numa_scan_pages_set,
	.get = param_get_uint,
};

module_param_cb(numa_scan_pages, &aem_numa_scan_pages_ops,
		&aem_numa_scan_pages, 0644);
MODULE_PARM_DESC(numa_scan_pages,
		 "NUMA balancing of LOCAL regions: pages unmapped per region and aether_kaccessd pass for hinting faults (0..65536; 0 = off, the default)");

static int aem_dbg_numa_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "scan_pages %u\n", READ_ONCE(aem_numa_scan_pages));
	seq_printf(m, "unmapped %ld\n", atomic_long_read(&aem_numa_unmapped));
	seq_printf(m, "numa_faults %ld\n", atomic_long_read(&aem_numa_faults));
	seq_printf(m, "migrated %ld\n", atomic_long_read(&aem_numa_migrated));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aem_dbg_numa);

/**
 * aem_numa_debugfs() - create debugfs aether/mm/numa
 * @dir: aether/mm/
 */
void aem_numa_debugfs(struct dentry *dir)
{
	debugfs_create_file("numa", 0400, dir, NULL, &aem_dbg_numa_fops);
}
