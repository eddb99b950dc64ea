/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the files of aether_dedupe share
 *
 * aether_dedupe is the merge engine of aether_mm's share table
 * (include/aether/mm.h, "Content sharing"): it finds equal pages of
 * MERGEABLE regions and has the core map each set of them from one
 * shared frame, as the kernel's KSM does for MADV_MERGEABLE memory.  The
 * core keeps the frames, their users and every slot; this module keeps
 * the trees and decides what to merge.
 *
 *   main.c	load and unload: the ladder
 *   knobs.c	the tunables (KSM's names), module parameters and SET
 *   engine.c	aether_ksmd, a pass over the mergeable pages, merging,
 *		unmerging, smart scan, the advisor, the counters, the
 *		share table's callbacks (@unshared, @drain, @range);
 *		engine_test.c, included by it, the self-test of its
 *		candidates on a real region (debugfs pair_selftest)
 *   tree.c	the stable and unstable trees: content-ordered rbtrees
 *		per (trust domain, node), chains beyond max_page_sharing
 *   dev.c	/dev/aether_dedupe: STATUS, SET, SET_DOMAIN, REGION_STATS;
 *		the named trust domains
 *   debugfs.c	aether/dedupe/: stats, knobs, stable, regions
 *   selftest.c	in-kernel self-tests of the trees and the hash
 *
 * Lock order (a lock may be taken while holding those above it):
 *
 *   1 adp_knobs_lock (mutex)	SET and parameter writes, all or nothing
 *   2 adp_engine_lock (mutex)	one pass, a range merge or an unmerge at
 *				a time: the trees, the rmap items
 *   3 aether_mm's locks	(aem_share_sem, slot locks: inside the
 *				aem_share_*() calls, never held by us)
 *   4 adp_domains_lock (mutex)	the named domains (dev.c)
 *   5 adp_stats_lock (spin)	counters updated from @unshared
 *
 * @unshared runs under rcu_read_lock(), maybe under a slot lock: it takes
 * only adp_stats_lock (or atomics) and defers the rest to the next pass.
 */
#ifndef _AETHER_DEDUPE_INTERNAL_H
#define _AETHER_DEDUPE_INTERNAL_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <aether/mm.h>
#include <uapi/linux/aether_dedupe.h>

struct seq_file;
struct dentry;

/* knobs.c: the tunables; writers hold adp_knobs_lock, readers READ_ONCE */
extern struct aether_dedupe_knobs adp_knobs;
extern struct mutex adp_knobs_lock;
extern bool adp_selftest;

int adp_knobs_check(const struct aether_dedupe_knobs *k, u32 mask);
int adp_knobs_set(const struct aether_dedupe_knobs *k, u32 mask);
void adp_knobs_show(struct seq_file *m);
void adp_knobs_get(struct aether_dedupe_knobs *k);

/* engine.c */
int adp_engine_init(void);
void adp_engine_exit(void);
void adp_engine_wake(void);
int adp_engine_unmerge_all(void);
bool adp_engine_has_merged(void);
int adp_engine_quiesce(void);
void adp_engine_resume(bool reshaped);
void adp_engine_counters(struct aether_dedupe_counters *c);
int adp_engine_region_stats(struct aem_region *r,
			    struct aether_dedupe_region_stats *st);
void adp_engine_show_stats(struct seq_file *m);
int adp_engine_show_stable(struct seq_file *m);
int adp_engine_show_regions(struct seq_file *m);
int adp_engine_pair_selftest(int fd);
extern const struct aem_share_ops adp_share_ops;

/* dev.c */
int adp_dev_init(void);
void adp_dev_exit(void);
int adp_domain_name(u32 id, char *buf, size_t len);

/* debugfs.c */
int adp_debugfs_init(void);
void adp_debugfs_exit(void);

/* selftest.c */
int adp_selftest_run(void);

#endif /* _AETHER_DEDUPE_INTERNAL_H */
