// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - in-kernel self-tests of aether_dedupe's trees and hash
 *
 * DOC: Overview
 *
 * Run at load with the module parameter selftest=1, before anything is
 * registered; a failure refuses the load (main.c).  They need no region:
 * the trees of tree.c compare a node's bytes through a callback, so the
 * tests give them kernel pages of their own.
 *
 *  hash	xxhash64 of equal pages is equal, one flipped bit changes it,
 *		and it is the same over a page mapped twice (no hidden state)
 *  order	pages of several contents, domains and nodes, some with a
 *		forced equal hash (a collision, settled by the bytes), go
 *		into one tree: every page finds the node of its own bytes,
 *		key and domain only, never another domain's or node's, and
 *		an in-order walk (adp_tree_first(), adp_tree_next(): across
 *		the tree's rbtrees, the xxhashes spreading the pages over
 *		them) meets every node once, strictly increasing in (key,
 *		bytes); erasing every node leaves every rbtree empty
 *  lone	a tree of 256 nodes (a number for bytes), some keys shared
 *		by three, some hashes by a node of another domain, the other
 *		keys alone: adp_tree_find_key() finds each node, with no
 *		byte comparison exactly when no other node has its key, and
 *		bytes of a shared key that no node holds nowhere; again
 *		after a third of the nodes is erased (some keys left alone).
 *		Its hashes are small numbers, so all 256 nodes share the
 *		first rbtree of the forest: the test is of one rbtree's
 *		shape, which the order test's few nodes do not give
 *  chain	a stable entry's frames: the first with room and users is
 *		picked, full and empty ones are passed over, a page of
 *		another node skips a frame there, a full chain picks none;
 *		the entry, chain and chain-frame counts follow adds and
 *		removals as KSM's stable_node_chains and stable_node_dups
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "tree.h"

#define ADP_ST_PAGES	12

struct adp_st_node {
	struct adp_tnode t;
	struct page *page;
};

static unsigned int adp_st_cmps;	/* adp_st_cmp() calls */

static int adp_st_cmp(const void *kaddr, struct adp_tnode *n)
{
	struct adp_st_node *sn = container_of(n, struct adp_st_node, t);
	void *b = kmap_local_page(sn->page);
	int c = memcmp(kaddr, b, PAGE_SIZE);

	kunmap_local(b);
	adp_st_cmps++;
	return c;
}

static int adp_st_err(const char *what)
{
	pr_err("selftest: %s\n", what);
	return -EINVAL;
}

static void adp_st_fill(struct page *p, u32 seed)
{
	u32 *w = kmap_local_page(p);
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(u32); i++)
		w[i] = seed * 2654435761u + i;
	kunmap_local(w);
}

static int adp_st_hash(struct page **pages)
{
	u64 h0, h1, h2;
	u8 *a, *b;

	adp_st_fill(pages[0], 7);
	adp_st_fill(pages[1], 7);
	a = kmap_local_page(pages[0]);
	b = kmap_local_page(pages[1]);
	h0 = adp_hash(a);
	h1 = adp_hash(b);
	b[PAGE_SIZE - 1] ^= 1;
	h2 = adp_hash(b);
	b[PAGE_SIZE - 1] ^= 1;
	kunmap_local(b);
	kunmap_local(a);
	if (h0 != h1)
		return adp_st_err("hash: equal pages hash apart");
	if (h0 == h2)
		return adp_st_err("hash: a flipped bit kept the hash");
	a = kmap_local_page(pages[0]);
	h2 = adp_hash(a);
	kunmap_local(a);
	if (h0 != h2)
		return adp_st_err("hash: the same page hashed twice differs");
	return 0;
}

/* Node @i: content seed, domain, node, and a forced hash for some. */
static void adp_st_key(struct adp_st_node *n, unsigned int i)
{
	void *kaddr;

	/* Contents 0..5 twice: in domain 1 and 2, or on node 0 and 1. */
	adp_st_fill(n->page, i % 6);
	kaddr = kmap_local_page(n->page);
	n->t.key.hash = adp_hash(kaddr);
	kunmap_local(kaddr);
	n->t.key.domain = i < 6 ? 1 : i < 9 ? 2 : 1;
	n->t.key.nid = i < 9 ? NUMA_NO_NODE : 1;
	/* A collision: contents 0 and 1 share a hash in every domain. */
	if (i % 6 == 1)
		n->t.key.hash = 0x5eed;
	if (i % 6 == 0)
		n->t.key.hash = 0x5eed;
}

static int adp_st_order(struct page **pages)
{
	struct adp_st_node *nodes, *prev, *cur;
	struct adp_tnode *found, *tn;
	struct rb_node **link, *parent;
	unsigned int i, n = 0, walked;
	struct adp_tree *root;
	void *kaddr;
	int ret = 0, c;

	root = kzalloc(sizeof(*root), GFP_KERNEL);
	nodes = kcalloc(ADP_ST_PAGES, sizeof(*nodes), GFP_KERNEL);
	if (!nodes || !root) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ADP_ST_PAGES; i++) {
		nodes[i].page = pages[i];
		adp_st_key(&nodes[i], i);
		kaddr = kmap_local_page(pages[i]);
		found = adp_tree_find(root, &nodes[i].t.key, kaddr, adp_st_cmp,
				      &link, &parent);
		kunmap_local(kaddr);
		if (found) {
			pr_err("selftest: order: page %u found a twin in an empty place\n",
			       i);
			ret = -EINVAL;
			goto out;
		}
		adp_tree_link(root, &nodes[i].t, link, parent);
		n++;
	}
	/* Each page finds itself: same key and bytes, nothing else. */
	for (i = 0; i < ADP_ST_PAGES && !ret; i++) {
		kaddr = kmap_local_page(pages[i]);
		found = adp_tree_find(root, &nodes[i].t.key, kaddr, adp_st_cmp,
				      NULL, NULL);
		kunmap_local(kaddr);
		if (found != &nodes[i].t) {
			pr_err("selftest: order: page %u found %s\n", i,
			       found ? "another node" : "nothing");
			ret = -EINVAL;
		}
	}
	/*
	 * adp_tree_find_key(): each page finds itself too; a lone key with
	 * no look at the bytes, the collision's keys (contents 0 and 1 share
	 * one) by their bytes.
	 */
	for (i = 0; i < ADP_ST_PAGES && !ret; i++) {
		bool lone = i % 6 > 1;

		adp_st_cmps = 0;
		kaddr = kmap_local_page(pages[i]);
		found = adp_tree_find_key(root, &nodes[i].t.key, kaddr,
					  adp_st_cmp, NULL, NULL);
		kunmap_local(kaddr);
		if (found != &nodes[i].t || (lone && adp_st_cmps) ||
		    (!lone && !adp_st_cmps)) {
			pr_err("selftest: order: page %u by key found %s after %u byte comparisons\n",
			       i, found == &nodes[i].t ? "itself" :
			       found ? "another node" : "nothing", adp_st_cmps);
			ret = -EINVAL;
		}
	}
	/*
	 * Content 2 of domain 1 looked up in domain 3: no match, and not a
	 * byte of domains 1 and 2's copies (same hash) compared with it.
	 */
	if (!ret) {
		struct adp_tkey k = nodes[2].t.key;

		k.domain = 3;
		adp_st_cmps = 0;
		kaddr = kmap_local_page(pages[2]);
		found = adp_tree_find(root, &k, kaddr, adp_st_cmp, NULL, NULL);
		kunmap_local(kaddr);
		if (found || adp_st_cmps) {
			pr_err("selftest: order: a page met another domain's\n");
			ret = -EINVAL;
		}
	}
	/* In order, every node once: strictly increasing (key, bytes). */
	prev = NULL;
	walked = 0;
	for (tn = adp_tree_first(root); tn && !ret;
	     tn = adp_tree_next(root, tn)) {
		cur = container_of(tn, struct adp_st_node, t);
		walked++;
		if (prev) {
			c = adp_tkey_cmp(&prev->t.key, &cur->t.key);
			if (!c) {
				kaddr = kmap_local_page(prev->page);
				c = adp_st_cmp(kaddr, &cur->t);
				kunmap_local(kaddr);
			}
			if (c >= 0) {
				pr_err("selftest: order: the walk is not increasing\n");
				ret = -EINVAL;
			}
		}
		prev = cur;
	}
	if (!ret && walked != n) {
		pr_err("selftest: order: the walk met %u nodes of %u\n",
		       walked, n);
		ret = -EINVAL;
	}
	/* The walk crossed rbtrees: contents 2..5 have hashes of their own. */
	for (i = 0, c = 0; i < ADP_TREE_ROOTS; i++)
		c += !RB_EMPTY_ROOT(&root->roots[i]);
	if (!ret && c < 2) {
		pr_err("selftest: order: the pages filled %d rbtree(s), not several\n",
		       c);
		ret = -EINVAL;
	}
	for (i = 0; i < n; i++)
		adp_tree_erase(root, &nodes[i].t);
	for (i = 0; i < ADP_TREE_ROOTS && !ret; i++) {
		if (!RB_EMPTY_ROOT(&root->roots[i])) {
			pr_err("selftest: order: the tree is not empty after erasing all\n");
			ret = -EINVAL;
		}
	}
	if (!ret && adp_tree_first(root)) {
		pr_err("selftest: order: an empty tree has a first node\n");
		ret = -EINVAL;
	}
out:
	kfree(nodes);
	kfree(root);
	return ret;
}

#define ADP_ST_IDS	256

/*
 * A node of the lone test: 2 * id + 1 stands for its bytes, so that a
 * page of 2 * id or 2 * id + 2 falls just before or after it.
 */
struct adp_st_inode {
	struct adp_tnode t;
	u32 bytes;
};

static int adp_st_id_cmp(const void *kaddr, struct adp_tnode *n)
{
	u32 a = *(const u32 *)kaddr;
	u32 b = container_of(n, struct adp_st_inode, t)->bytes;

	adp_st_cmps++;
	return a < b ? -1 : a > b;
}

/*
 * The key of id @id: ids below 96 share a key by three; 96..127 and
 * 128..159 pair up by hash in domains 1 and 2 (neighbours in the order
 * that do not share a key); the rest are alone.
 */
static void adp_st_id_key(struct adp_tkey *k, u32 id)
{
	k->nid = NUMA_NO_NODE;
	k->domain = id >= 128 && id < 160 ? 2 : 1;
	if (id < 96)
		k->hash = id / 3;
	else if (id < 160)
		k->hash = 500 + (id - 96) % 32;
	else
		k->hash = 2000 + id;
}

/*
 * Each live node found by key, comparing bytes only when @shared says;
 * and for a shared key, bytes just before and just after a node's, which
 * no node holds, found nowhere.
 */
static int adp_st_lone_check(struct adp_tree *root, struct adp_st_inode *nodes,
			     const bool *live, const bool *shared)
{
	struct adp_tnode *found;
	struct adp_tkey key;
	u32 id, bytes, d;

	for (id = 0; id < ADP_ST_IDS; id++) {
		if (!live[id])
			continue;
		adp_st_id_key(&key, id);
		for (d = 0; d < (shared[id] ? 3 : 1); d++) {
			bytes = 2 * id + (d + 1) % 3;
			adp_st_cmps = 0;
			found = adp_tree_find_key(root, &key, &bytes,
						  adp_st_id_cmp, NULL, NULL);
			if (found == (d ? NULL : &nodes[id].t) &&
			    !adp_st_cmps == !shared[id])
				continue;
			pr_err("selftest: lone: %s of id %u (%s key) found %s after %u byte comparisons\n",
			       d == 0 ? "itself" : d == 1 ? "bytes after" :
			       "bytes before", id,
			       shared[id] ? "a shared" : "a lone",
			       found == &nodes[id].t ? "itself" :
			       found ? "another node" : "nothing", adp_st_cmps);
			return -EINVAL;
		}
	}
	return 0;
}

static int adp_st_lone(void)
{
	bool live[ADP_ST_IDS], shared[ADP_ST_IDS];
	struct rb_node **link, *parent;
	struct adp_st_inode *nodes;
	struct adp_tree *root;
	u32 i, id;
	int ret;

	root = kzalloc(sizeof(*root), GFP_KERNEL);
	nodes = kcalloc(ADP_ST_IDS, sizeof(*nodes), GFP_KERNEL);
	if (!nodes || !root) {
		ret = -ENOMEM;
		goto out;
	}
	/* In a scrambled order (97 is prime to 256), so the tree turns. */
	for (i = 0; i < ADP_ST_IDS; i++) {
		id = (i * 97) % ADP_ST_IDS;
		nodes[id].bytes = 2 * id + 1;
		adp_st_id_key(&nodes[id].t.key, id);
		if (adp_tree_find(root, &nodes[id].t.key, &nodes[id].bytes,
				  adp_st_id_cmp, &link, &parent)) {
			ret = adp_st_err("lone: a new id found a twin");
			goto out;
		}
		adp_tree_link(root, &nodes[id].t, link, parent);
		live[id] = true;
		shared[id] = id < 96;
	}
	ret = adp_st_lone_check(root, nodes, live, shared);
	if (ret)
		goto out;
	/* Keys 0..15 keep one node of three, 16..31 two; 96.. lose some. */
	for (id = 0; id < ADP_ST_IDS; id++) {
		if (id < 48 ? id % 3 : !(id % 3)) {
			adp_tree_erase(root, &nodes[id].t);
			live[id] = false;
		}
	}
	for (id = 0; id < ADP_ST_IDS; id++)
		shared[id] = id >= 48 && id < 96;
	ret = adp_st_lone_check(root, nodes, live, shared);
out:
	kfree(nodes);
	kfree(root);
	return ret;
}

static int adp_st_dup_nid(struct adp_dup *d)
{
	/* The test's frames: the first is on node 0, the others on 1. */
	return list_is_first(&d->link, &d->stable->dups) ? 0 : 1;
}

static int adp_st_chain(void)
{
	struct adp_chain_stats cs = {};
	struct adp_tkey key = { .domain = 1, .nid = NUMA_NO_NODE };
	struct adp_stable st;
	struct adp_dup d[3] = {};
	unsigned int i;

	adp_stable_init(&st, &key);
	for (i = 0; i < 3; i++)
		atomic_set(&d[i].users, 0);
	adp_stable_add_dup(&st, &d[0], &cs);
	if (cs.entries != 1 || cs.dups != 1 || cs.chains || cs.chain_dups)
		return adp_st_err("chain: counts after the first frame");
	/* A frame nobody maps is not joined (it is about to be pruned). */
	if (adp_stable_pick(&st, 4, NUMA_NO_NODE, NULL))
		return adp_st_err("chain: an empty frame was picked");
	atomic_set(&d[0].users, 2);
	if (adp_stable_pick(&st, 4, NUMA_NO_NODE, NULL) != &d[0])
		return adp_st_err("chain: the frame with room was not picked");
	atomic_set(&d[0].users, 4);
	if (adp_stable_pick(&st, 4, NUMA_NO_NODE, NULL))
		return adp_st_err("chain: a full frame was picked");
	adp_stable_add_dup(&st, &d[1], &cs);
	adp_stable_add_dup(&st, &d[2], &cs);
	if (cs.entries != 1 || cs.dups != 3 || cs.chains != 1 ||
	    cs.chain_dups != 3)
		return adp_st_err("chain: counts of a chain of three");
	atomic_set(&d[1].users, 4);
	atomic_set(&d[2].users, 1);
	if (adp_stable_pick(&st, 4, NUMA_NO_NODE, NULL) != &d[2])
		return adp_st_err("chain: the third frame was not picked");
	atomic_set(&d[1].users, 3);
	if (adp_stable_pick(&st, 4, NUMA_NO_NODE, NULL) != &d[1])
		return adp_st_err("chain: the oldest frame with room was not picked");
	/* Per node: a node-0 page passes over the frames on node 1. */
	atomic_set(&d[0].users, 1);
	if (adp_stable_pick(&st, 4, 1, adp_st_dup_nid) != &d[1])
		return adp_st_err("chain: a node-1 page picked a node-0 frame");
	atomic_set(&d[0].users, 4);
	if (adp_stable_pick(&st, 4, 0, adp_st_dup_nid))
		return adp_st_err("chain: a node-0 page picked a frame on node 1");
	adp_stable_del_dup(&st, &d[1], &cs);
	if (cs.chains != 1 || cs.chain_dups != 2 || cs.dups != 2)
		return adp_st_err("chain: counts after a removal");
	adp_stable_del_dup(&st, &d[0], &cs);
	if (cs.chains || cs.chain_dups || cs.entries != 1)
		return adp_st_err("chain: a single frame still counted as a chain");
	adp_stable_del_dup(&st, &d[2], &cs);
	if (cs.entries || cs.dups || !list_empty(&st.dups))
		return adp_st_err("chain: counts after the last removal");
	return 0;
}

/**
 * adp_selftest_run() - the self-tests (see the top of the file)
 *
 * Return: 0 when all pass; -EINVAL (the kernel log says which) or
 * -ENOMEM.
 */
int adp_selftest_run(void)
{
	struct page *pages[ADP_ST_PAGES] = {};
	unsigned int i;
	int ret = -ENOMEM;

	for (i = 0; i < ADP_ST_PAGES; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out;
	}
	ret = adp_st_hash(pages);
	if (!ret)
		ret = adp_st_order(pages);
	if (!ret)
		ret = adp_st_lone();
	if (!ret)
		ret = adp_st_chain();
	if (!ret)
		pr_info("selftest: hash, tree order, lone keys and chains passed\n");
out:
	for (i = 0; i < ADP_ST_PAGES; i++)
		if (pages[i])
			__free_page(pages[i]);
	return ret;
}
