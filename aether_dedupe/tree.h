/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree.h - the stable and unstable trees of aether_dedupe (tree.c)
 *
 * Both trees are rbtrees of pages ordered by struct adp_tkey (content
 * hash, trust domain, node) and then by content: two pages are in the
 * same place of a tree only when they may merge (same domain, same node
 * unless merge_across_nodes) and hold the same bytes.  The hash comes
 * before the bytes so that most comparisons of a descent cost one u64
 * compare instead of a 4 KiB memcmp(); the order stays total because
 * equal bytes have equal hashes.
 *
 * Each tree is a forest of ADP_TREE_ROOTS rbtrees, a key going to the
 * one its hash's top ADP_TREE_BITS bits name (struct adp_tree): as the
 * hash is the first field of the order, the rbtrees one after the other
 * hold the single tree's order, and every node of a key is in one
 * rbtree; a descent is ADP_TREE_BITS steps shorter.
 *
 * The trees know nothing of regions: a node compares its content with a
 * page through the @cmp callback given to each call, so the self-tests
 * (selftest.c) drive them with kernel pages of their own.
 *
 * Locking: the caller's (adp_engine_lock for the engine's trees).
 */
#ifndef _AETHER_DEDUPE_TREE_H
#define _AETHER_DEDUPE_TREE_H

#include <asm/page.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <aether/mm.h>

struct aem_shared;

/**
 * struct adp_tkey - where a page goes in a tree, before its bytes
 * @domain:	trust domain key (aem_share_region_domain())
 * @nid:	node of the page, or NUMA_NO_NODE with merge_across_nodes
 * @hash:	xxhash64 of the content
 */
struct adp_tkey {
	u64 domain;
	int nid;
	u64 hash;
};

/**
 * struct adp_tnode - a node of either tree
 * @rb:		in the tree
 * @key:	its key
 */
struct adp_tnode {
	struct rb_node rb;
	struct adp_tkey key;
};

/*
 * A descent of the one rbtree of 2 048 stable entries took 11 steps,
 * timed at about a microsecond under emulation, for every page a pass
 * looks up (stable, then unstable).  2^10 roots left a step or two at
 * that size; but most lookups of a pass find nothing, and each node a
 * descent reads is a cache line (under emulation a TLB fill) of its own,
 * where the roots are one array.  2^12 roots (32 KiB a tree) leave most
 * rbtrees empty or of one node up to a few thousand entries, so that a
 * lookup that finds nothing mostly reads its root alone.
 */
#define ADP_TREE_BITS	12
#define ADP_TREE_ROOTS	BIT(ADP_TREE_BITS)

/**
 * struct adp_tree - a stable or unstable tree: rbtrees by hash prefix
 * @roots:	the rbtree of each value of the hash's top ADP_TREE_BITS
 *		bits, in that order; all empty when zeroed (RB_ROOT)
 */
struct adp_tree {
	struct rb_root roots[ADP_TREE_ROOTS];
};

/*
 * Compare the page at @kaddr with @n's content: < 0, 0 or > 0 as
 * memcmp(kaddr, n's bytes).  May sleep.
 */
typedef int (*adp_cmp_fn)(const void *kaddr, struct adp_tnode *n);

/**
 * struct adp_dup - one shared frame of a stable entry
 * @link:	on its entry's @dups
 * @hnode:	in the engine's hash of shared frames (RCU readers:
 *		@unshared)
 * @s:		the shared frame (the engine's reference)
 * @stable:	its entry
 * @users:	slots merged into it less those that left (@unshared)
 * @rcu:	for call_rcu(): back to its cache after a grace period
 */
struct adp_dup {
	struct list_head link;
	struct hlist_node hnode;
	struct aem_shared *s;
	struct adp_stable *stable;
	atomic_t users;
	struct rcu_head rcu;
};

/**
 * struct adp_stable - a stable tree entry: one content, its shared frames
 * @t:		in the stable tree
 * @dups:	struct adp_dup, oldest first; more than one is a chain (each
 *		full at max_page_sharing when the next was made)
 * @nr_dups:	entries on @dups
 */
struct adp_stable {
	struct adp_tnode t;
	struct list_head dups;
	unsigned int nr_dups;
};

/**
 * struct adp_chain_stats - what the stable tree holds
 * @entries:	stable entries (contents)
 * @dups:	shared frames, all entries
 * @chains:	entries with more than one shared frame
 * @chain_dups:	shared frames of those entries
 */
struct adp_chain_stats {
	unsigned long entries;
	unsigned long dups;
	unsigned long chains;
	unsigned long chain_dups;
};

/*
 * The content hash of a page: the core's (xxhash64 of its bytes, seed 0),
 * the one a new shared frame's aem_share_hash() is taken with.
 */
static inline u64 adp_hash(const void *kaddr)
{
	return aem_share_page_hash(kaddr);
}

int adp_tkey_cmp(const struct adp_tkey *a, const struct adp_tkey *b);
struct adp_tnode *adp_tree_find(struct adp_tree *t,
				const struct adp_tkey *key, const void *kaddr,
				adp_cmp_fn cmp, struct rb_node ***linkp,
				struct rb_node **parentp);
struct adp_tnode *adp_tree_find_key(struct adp_tree *t,
				    const struct adp_tkey *key,
				    const void *kaddr, adp_cmp_fn cmp,
				    struct rb_node ***linkp,
				    struct rb_node **parentp);
void adp_tree_link(struct adp_tree *t, struct adp_tnode *n,
		   struct rb_node **link, struct rb_node *parent);
void adp_tree_erase(struct adp_tree *t, struct adp_tnode *n);
struct adp_tnode *adp_tree_first(struct adp_tree *t);
struct adp_tnode *adp_tree_next(struct adp_tree *t, struct adp_tnode *n);

void adp_stable_init(struct adp_stable *st, const struct adp_tkey *key);
void adp_stable_add_dup(struct adp_stable *st, struct adp_dup *d,
			struct adp_chain_stats *cs);
void adp_stable_del_dup(struct adp_stable *st, struct adp_dup *d,
			struct adp_chain_stats *cs);
struct adp_dup *adp_stable_pick(struct adp_stable *st, unsigned int max,
				int nid, int (*nid_of)(struct adp_dup *d));

#endif /* _AETHER_DEDUPE_TREE_H */
