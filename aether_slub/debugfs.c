// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/aether/slub/, the caches laid open
 *
 * DOC: Overview
 *
 * Read-only state for a person at a shell:
 *
 *	slabinfo		one line per cache, like /proc/slabinfo: name,
 *				object and slot size, objects, active, slabs
 *				(partial, full, empty), pages, the CPU hits
 *				and slow paths, errors
 *	stats			module-wide: large allocations, invalid
 *				kfree() calls, pages given back by shrinking
 *	caches/<name>/info	one cache in detail: layout, per-node lists,
 *				per-CPU counters, error counters by kind,
 *				damaged free pointers, objects given back
 *				by CPUs that went offline
 *	caches/<name>/objects	every object in use (debug caches) or every
 *				slab with its counts (walk.c)
 *
 * A cache of a user (made through /dev/aether_slub) is caches/<name>@<uid>/,
 * since users' names are their own and two may choose the same one; the
 * kernel's caches, whose names hold no '@', keep their bare name.
 *
 * The "aether" directory belongs to aether_mm (aem_debugfs_root()), which
 * is loaded first and unloaded last (we depend on it); "slub" is ours.
 *
 * Locking: slabinfo walks the cache list under aslub_mutex.  A cache's
 * info file takes no mutex: destroying the cache removes the file under
 * aslub_mutex, and debugfs waits for a reader that is still in it.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "internal.h"

static struct dentry *aslub_debugfs_dir;
static struct dentry *aslub_debugfs_caches;

static const char * const aslub_err_keys[ASLUB_NR_ERR] = {
	"double_free", "invalid_free", "redzone", "write_after_free",
	"corrupt",
};

static u64 aslub_errors_total(const struct aether_slub_cache_stats *st)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < ASLUB_NR_ERR; i++)
		sum += st->errors[i];
	return sum;
}

static int aslub_dbg_slabinfo_show(struct seq_file *m, void *v)
{
	struct aether_slub_cache_stats st;
	struct aslub_cache *s;

	seq_printf(m, "%-22s %7s %6s %8s %8s %6s %6s %5s %5s %6s %10s %9s %10s %9s %6s\n",
		   "name", "objsize", "slot", "objects", "active", "slabs",
		   "partl", "full", "empty", "pages", "cpu_hits", "alloc_slw",
		   "free_fast", "free_slw", "errors");
	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list) {
		aslub_cache_counts(s, &st);
		seq_printf(m, "%-22s %7u %6u %8llu %8llu %6llu %6llu %5llu %5llu %6llu %10llu %9llu %10llu %9llu %6llu\n",
			   s->name, st.object_size, st.slot_size, st.objects,
			   st.active, st.slabs, st.slabs_partial,
			   st.slabs_full, st.slabs_empty, st.pages,
			   st.alloc_fast, st.alloc_slow, st.free_fast,
			   st.free_slow + st.free_remote,
			   aslub_errors_total(&st));
	}
	mutex_unlock(&aslub_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aslub_dbg_slabinfo);

static int aslub_dbg_stats_show(struct seq_file *m, void *v)
{
	u64 allocs, pages, invalid;
	unsigned int nr = 0;
	struct aslub_cache *s;

	mutex_lock(&aslub_mutex);
	list_for_each_entry(s, &aslub_caches, list)
		nr++;
	mutex_unlock(&aslub_mutex);
	aslub_large_counts(&allocs, &pages, &invalid);
	seq_printf(m, "caches %u\n", nr);
	seq_printf(m, "empty_max %u\n", READ_ONCE(aslub_empty_max));
	seq_printf(m, "debug_flags 0x%x\n", aslub_debug_flags);
	seq_printf(m, "large_allocs %llu\n", allocs);
	seq_printf(m, "large_pages %llu\n", pages);
	seq_printf(m, "invalid_kfree %llu\n", invalid);
	seq_printf(m, "shrunk_pages %ld\n", atomic_long_read(&aslub_shrunk_pages));
	seq_printf(m, "pressure_pages %ld\n",
		   atomic_long_read(&aslub_pressure_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aslub_dbg_stats);

static void aslub_dbg_layout(struct seq_file *m, struct aslub_cache *s)
{
	seq_printf(m, "name %s\n", s->name);
	if (uid_valid(s->owner))
		seq_printf(m, "owner %u\n", from_kuid(&init_user_ns, s->owner));
	else
		seq_puts(m, "owner kernel\n");
	seq_printf(m, "kmalloc %d\n", s->kmalloc);
	seq_printf(m, "flags 0x%x\n", s->flags);
	seq_printf(m, "object_size %u\n", s->object_size);
	seq_printf(m, "slot_size %u\n", s->size);
	seq_printf(m, "align %u\n", s->align);
	seq_printf(m, "free_pointer_offset %u\n", s->fp_off);
	seq_printf(m, "red_zone %u+%u\n", s->rz_off, s->rz_len);
	seq_printf(m, "red_zone_left %u\n", s->red_left);
	seq_printf(m, "meta_offset %u\n", s->meta_off);
	seq_printf(m, "slab_order %u\n", s->order);
	seq_printf(m, "objects_per_slab %u\n", s->objects);
	seq_printf(m, "colours %u x %u bytes\n", s->colours, s->colour_unit);
	seq_printf(m, "cpu_limit %u\n", aslub_debug(s) ? 0 : s->limit);
	seq_printf(m, "cpu_batch %u\n", s->batch);
}

static void aslub_dbg_cpus(struct seq_file *m, struct aslub_cache *s)
{
	struct aslub_cpu *c;
	unsigned int cpu;

	seq_printf(m, "%4s %6s %10s %10s %10s %10s %10s %8s %8s\n", "cpu",
		   "avail", "alloc_fast", "alloc_slow", "free_fast",
		   "free_slow", "free_remot", "refills", "flushes");
	for_each_online_cpu(cpu) {
		c = per_cpu_ptr(s->cpu, cpu);
		seq_printf(m, "%4u %6u %10lu %10lu %10lu %10lu %10lu %8lu %8lu\n",
			   cpu, READ_ONCE(c->avail),
			   READ_ONCE(c->stat[ASLUB_ALLOC_FAST]),
			   READ_ONCE(c->stat[ASLUB_ALLOC_SLOW]),
			   READ_ONCE(c->stat[ASLUB_FREE_FAST]),
			   READ_ONCE(c->stat[ASLUB_FREE_SLOW]),
			   READ_ONCE(c->stat[ASLUB_FREE_REMOTE]),
			   READ_ONCE(c->stat[ASLUB_REFILL]),
			   READ_ONCE(c->stat[ASLUB_FLUSH]));
	}
}

static int aslub_dbg_info_show(struct seq_file *m, void *v)
{
	struct aslub_cache *s = m->private;
	struct aether_slub_cache_stats st;
	unsigned int i;
	int nid;

	aslub_dbg_layout(m, s);
	aslub_cache_counts(s, &st);
	seq_printf(m, "slabs %llu partial %llu full %llu empty %llu\n",
		   st.slabs, st.slabs_partial, st.slabs_full, st.slabs_empty);
	seq_printf(m, "objects %llu active %llu cpu_cached %llu pages %llu\n",
		   st.objects, st.active, st.cpu_cached, st.pages);
	seq_printf(m, "slabs_allocated %llu slabs_freed %llu\n",
		   st.slabs_allocated, st.slabs_freed);
	for (nid = 0; nid < ASLUB_MAX_NODES; nid++)
		if (s->node[nid])
			seq_printf(m, "node %d slabs %llu partial %llu\n", nid,
				   st.node_slabs[nid], st.node_partial[nid]);
	for (i = 0; i < ASLUB_NR_ERR; i++)
		seq_printf(m, "errors_%s %llu\n", aslub_err_keys[i],
			   st.errors[i]);
	seq_printf(m, "freelist_corrupt %ld\n",
		   atomic_long_read(&s->fp_corrupt));
	seq_printf(m, "lost_objects %ld\n", atomic_long_read(&s->lost));
	seq_printf(m, "dead_cpu_objects %ld\n",
		   atomic_long_read(&s->dead_drained));
	seq_printf(m, "validate_slabs %lu\n", READ_ONCE(s->validate_slabs));
	seq_printf(m, "validate_lock_holds %lu\n",
		   READ_ONCE(s->validate_holds));
	aslub_dbg_cpus(m, s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(aslub_dbg_info);

/* caches/<name>/objects: aslub_walk_show() in walk.c. */
DEFINE_SHOW_ATTRIBUTE(aslub_walk);

/**
 * aslub_debugfs_add_cache() - caches/<name>/ (<name>@<uid>/) for a new cache
 * @s: the cache, under aslub_mutex
 */
void aslub_debugfs_add_cache(struct aslub_cache *s)
{
	char dir[ASLUB_NAME_LEN + 12];

	lockdep_assert_held(&aslub_mutex);

	if (uid_valid(s->owner))
		snprintf(dir, sizeof(dir), "%s@%u", s->name,
			 from_kuid(&init_user_ns, s->owner));
	else
		strscpy(dir, s->name, sizeof(dir));
	s->dbg = debugfs_create_dir(dir, aslub_debugfs_caches);
	debugfs_create_file("info", 0400, s->dbg, s, &aslub_dbg_info_fops);
	debugfs_create_file("objects", 0400, s->dbg, s,
			    &aslub_walk_fops);
}

/**
 * aslub_debugfs_del_cache() - remove caches/<name>/
 * @s: the cache, under aslub_mutex
 */
void aslub_debugfs_del_cache(struct aslub_cache *s)
{
	lockdep_assert_held(&aslub_mutex);

	debugfs_remove(s->dbg);
	s->dbg = NULL;
}

/**
 * aslub_debugfs_init() - create /sys/kernel/debug/aether/slub/
 *
 * In aether_mm's "aether" directory.  Failures are not reported: debugfs
 * is optional.
 */
void aslub_debugfs_init(void)
{
	aslub_debugfs_dir = debugfs_create_dir("slub", aem_debugfs_root());
	debugfs_create_file("slabinfo", 0400, aslub_debugfs_dir, NULL,
			    &aslub_dbg_slabinfo_fops);
	debugfs_create_file("stats", 0400, aslub_debugfs_dir, NULL,
			    &aslub_dbg_stats_fops);
	aslub_debugfs_caches = debugfs_create_dir("caches", aslub_debugfs_dir);
}

/**
 * aslub_debugfs_exit() - remove /sys/kernel/debug/aether/slub/
 */
void aslub_debugfs_exit(void)
{
	debugfs_remove(aslub_debugfs_dir);
	aslub_debugfs_dir = NULL;
	aslub_debugfs_caches = NULL;
}
