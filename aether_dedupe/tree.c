// SPDX-License-Identifier: GPL-2.0
/*
 * tree.c - the content-ordered trees of aether_dedupe
 *
 * DOC: Overview
 *
 * KSM keeps two red-black trees of pages ordered by their bytes: the
 * stable tree of pages already merged (write-protected, so their order
 * never changes) and the unstable tree of candidates seen unchanged for
 * one pass (their order may rot as they are written; the tree is thrown
 * away at the end of every full pass, which bounds the damage to missed
 * matches).  aether_dedupe keeps the same two trees with two changes:
 *
 *  - the key comes before the bytes: struct adp_tkey (hash, then trust
 *    domain, then node).  Bytes are compared only between a page and a
 *    node of its own key, so no page is ever compared with another
 *    tenant's (the side channel KSM opens), nor merged with one; with
 *    merge_across_nodes = 0 the node does the same for nodes, as KSM's
 *    per-node trees.  The 64-bit hash settles nearly every step of a
 *    descent in one compare without touching the bytes, and equal bytes
 *    still meet because equal bytes have equal hashes;
 *  - a stable entry is one content, not one frame: its shared frames
 *    (struct adp_dup) are a list, a "chain" once the first is full at
 *    max_page_sharing users (KSM's stable_node_chain and its dups).
 *
 * A tree is a forest of rbtrees, one per value of the hash's top
 * ADP_TREE_BITS bits (struct adp_tree): the first field of the order
 * picks the rbtree, the descent in it is ADP_TREE_BITS steps shorter
 * than in one rbtree, and the rbtrees in turn hold the same order.
 *
 * The trees hold no locks and know nothing of regions; the caller
 * (engine.c, under adp_engine_lock) owns them and gives each lookup the
 * comparison of a node's bytes with a page (@cmp), which is how the
 * self-tests run them on pages of their own.
 */
#include <linux/numa.h>

#include "tree.h"

/**
 * adp_tkey_cmp() - order of two keys
 * @a: one key
 * @b: the other
 *
 * The hash decides first: two pages of a tree nearly always differ in
 * it, so a step of a descent costs one u64 compare, not three.  The
 * domain and the node only order keys of one hash.
 *
 * Return: < 0, 0 or > 0 as @a sorts before, with or after @b.
 */
int adp_tkey_cmp(const struct adp_tkey *a, const struct adp_tkey *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->nid != b->nid)
		return a->nid < b->nid ? -1 : 1;
	return 0;
}

/* The index of the rbtree of @key: its hash's top ADP_TREE_BITS bits. */
static unsigned long adp_tree_index(const struct adp_tkey *key)
{
	return key->hash >> (64 - ADP_TREE_BITS);
}

static struct rb_root *adp_tree_root(struct adp_tree *t,
				     const struct adp_tkey *key)
{
	return &t->roots[adp_tree_index(key)];
}

/*
 * Does another node share @n's key?  @n is the first node of its key on
 * a descent from the root, so the others are all below it: a node of
 * that key outside @n's subtree would part from @n at an ancestor that
 * sorts between the two, of the same key, and so met first.  Keys being
 * contiguous in the order, @n's neighbours tell, and both are below it
 * when they share its key: the last node of its left subtree and the
 * first of its right one, found without climbing back up.
 */
static bool adp_tnode_key_shared(struct adp_tnode *n)
{
	struct rb_node *prev = n->rb.rb_left, *next = n->rb.rb_right;

	while (prev && prev->rb_right)
		prev = prev->rb_right;
	while (next && next->rb_left)
		next = next->rb_left;
	return (prev && !adp_tkey_cmp(&n->key, &rb_entry(prev, struct adp_tnode,
							 rb)->key)) ||
	       (next && !adp_tkey_cmp(&n->key, &rb_entry(next, struct adp_tnode,
							 rb)->key));
}

/*
 * The descent of both lookups: by key, then by bytes among equal keys;
 * with @lone, a node whose key no other node shares is taken on its key
 * (only the first node of the key met can be: see above).  The path to
 * the first node of an equal key depends on keys only, so both lookups
 * agree on it.
 */
static struct adp_tnode *adp_tree_descend(struct adp_tree *t,
					  const struct adp_tkey *key,
					  const void *kaddr, adp_cmp_fn cmp,
					  bool lone, struct rb_node ***linkp,
					  struct rb_node **parentp)
{
	struct rb_node **link = &adp_tree_root(t, key)->rb_node;
	struct rb_node *parent = NULL;
	struct adp_tnode *n;
	int c;

	while (*link) {
		parent = *link;
		n = rb_entry(parent, struct adp_tnode, rb);
		c = adp_tkey_cmp(key, &n->key);
		if (!c) {
			if (lone && !adp_tnode_key_shared(n))
				return n;
			/* Shared: the others of the key are told by bytes. */
			lone = false;
			c = cmp(kaddr, n);
		}
		if (!c)
			return n;
		link = c < 0 ? &parent->rb_left : &parent->rb_right;
	}
	if (linkp) {
		*linkp = link;
		*parentp = parent;
	}
	return NULL;
}

/**
 * adp_tree_find() - the node equal to a page, or where the page goes
 * @t: the tree
 * @key: the page's key
 * @kaddr: the page's bytes, mapped
 * @cmp: compares @kaddr with a node's bytes
 * @linkp: if not NULL, receives the link to insert at when nothing is
 *	   equal (for adp_tree_link())
 * @parentp: with @linkp, receives the parent of that link
 *
 * Return: the equal node (same key, same bytes), or NULL.
 */
struct adp_tnode *adp_tree_find(struct adp_tree *t,
				const struct adp_tkey *key, const void *kaddr,
				adp_cmp_fn cmp, struct rb_node ***linkp,
				struct rb_node **parentp)
{
	return adp_tree_descend(t, key, kaddr, cmp, false, linkp, parentp);
}

/**
 * adp_tree_find_key() - the node a page may equal, trusting a lone key
 * @t: the tree
 * @key: the page's key
 * @kaddr: the page's bytes, mapped
 * @cmp: compares @kaddr with a node's bytes
 * @linkp: as adp_tree_find()
 * @parentp: as adp_tree_find()
 *
 * adp_tree_find() for a caller that compares the bytes in full itself
 * before it merges anything (aem_share_merge() does, after unmapping the
 * page): a node whose key no other node shares is returned without a
 * look at its bytes, since equal bytes have equal keys and the key is
 * its only candidate.  Only a 64-bit hash collision between two live
 * contents makes such a node differ from the page, and then the caller's
 * comparison fails (a merge missed, never a wrong one).  When several
 * nodes share the key, their bytes tell them apart as in adp_tree_find().
 * The descent of a match thus costs no 4 KiB comparison, the merge's own
 * being the one that counts.
 *
 * Return: a node of the same key (the equal one when several share it),
 * or NULL, with *@linkp and *@parentp set as adp_tree_find() sets them.
 */
struct adp_tnode *adp_tree_find_key(struct adp_tree *t,
				    const struct adp_tkey *key,
				    const void *kaddr, adp_cmp_fn cmp,
				    struct rb_node ***linkp,
				    struct rb_node **parentp)
{
	return adp_tree_descend(t, key, kaddr, cmp, true, linkp, parentp);
}

/**
 * adp_tree_link() - insert a node where adp_tree_find() said
 * @t: the tree
 * @n: the node, its key set (the key the lookup was given)
 * @link: from adp_tree_find(), with nothing changed in the tree since
 * @parent: likewise
 */
void adp_tree_link(struct adp_tree *t, struct adp_tnode *n,
		   struct rb_node **link, struct rb_node *parent)
{
	rb_link_node(&n->rb, parent, link);
	rb_insert_color(&n->rb, adp_tree_root(t, &n->key));
}

/**
 * adp_tree_erase() - take a node out of its tree
 * @t: the tree
 * @n: the node, its key as when it was linked
 */
void adp_tree_erase(struct adp_tree *t, struct adp_tnode *n)
{
	rb_erase(&n->rb, adp_tree_root(t, &n->key));
	RB_CLEAR_NODE(&n->rb);
}

/* The first node of the rbtrees from @i on, in order; or NULL. */
static struct adp_tnode *adp_tree_first_from(struct adp_tree *t,
					     unsigned long i)
{
	struct rb_node *rb;

	for (; i < ADP_TREE_ROOTS; i++) {
		rb = rb_first(&t->roots[i]);
		if (rb)
			return rb_entry(rb, struct adp_tnode, rb);
	}
	return NULL;
}

/**
 * adp_tree_first() - the first node of a tree in its order
 * @t: the tree
 *
 * Return: the node, or NULL for an empty tree.
 */
struct adp_tnode *adp_tree_first(struct adp_tree *t)
{
	return adp_tree_first_from(t, 0);
}

/**
 * adp_tree_next() - the node after @n in its tree's order
 * @t: the tree
 * @n: a node of @t
 *
 * Take it before erasing @n to walk on past it.
 *
 * Return: the node, or NULL after the last.
 */
struct adp_tnode *adp_tree_next(struct adp_tree *t, struct adp_tnode *n)
{
	struct rb_node *rb = rb_next(&n->rb);

	if (rb)
		return rb_entry(rb, struct adp_tnode, rb);
	return adp_tree_first_from(t, adp_tree_index(&n->key) + 1);
}

/**
 * adp_stable_init() - a stable entry with no shared frame yet
 * @st: the entry
 * @key: its key
 */
void adp_stable_init(struct adp_stable *st, const struct adp_tkey *key)
{
	RB_CLEAR_NODE(&st->t.rb);
	st->t.key = *key;
	INIT_LIST_HEAD(&st->dups);
	st->nr_dups = 0;
}

/**
 * adp_stable_add_dup() - a shared frame joins a stable entry
 * @st: the entry
 * @d: the shared frame's record
 * @cs: the counts to keep (entries, chains, their frames)
 */
void adp_stable_add_dup(struct adp_stable *st, struct adp_dup *d,
			struct adp_chain_stats *cs)
{
	d->stable = st;
	list_add_tail(&d->link, &st->dups);
	st->nr_dups++;
	cs->dups++;
	if (st->nr_dups == 1) {
		cs->entries++;
	} else if (st->nr_dups == 2) {
		cs->chains++;
		cs->chain_dups += 2;
	} else {
		cs->chain_dups++;
	}
}

/**
 * adp_stable_del_dup() - a shared frame leaves its stable entry
 * @st: the entry
 * @d: the shared frame's record, on @st
 * @cs: the counts to keep
 *
 * An entry left with no frame is the caller's to take out of the tree.
 */
void adp_stable_del_dup(struct adp_stable *st, struct adp_dup *d,
			struct adp_chain_stats *cs)
{
	list_del(&d->link);
	st->nr_dups--;
	cs->dups--;
	if (!st->nr_dups) {
		cs->entries--;
	} else if (st->nr_dups == 1) {
		cs->chains--;
		cs->chain_dups -= 2;
	} else {
		cs->chain_dups--;
	}
}

/**
 * adp_stable_pick() - the shared frame of an entry a page should join
 * @st: the entry
 * @max: max_page_sharing: a frame with that many users is full
 * @nid: the page's node, or NUMA_NO_NODE when any node will do
 * @nid_of: the node of a shared frame now (they move), or NULL
 *
 * The oldest frame with room and users (a frame nobody maps is left for
 * the prune: joining it would revive a frame about to go).  KSM fills
 * the chain's dups in the same order.
 *
 * Return: the frame's record, or NULL when every frame is full, empty
 * or on another node: the page then waits in the unstable tree, and a
 * pair of such pages makes the entry's next frame.
 */
struct adp_dup *adp_stable_pick(struct adp_stable *st, unsigned int max,
				int nid, int (*nid_of)(struct adp_dup *d))
{
	struct adp_dup *d;
	unsigned int users;

	list_for_each_entry(d, &st->dups, link) {
		users = atomic_read(&d->users);
		if (!users || users >= max)
			continue;
		if (nid != NUMA_NO_NODE && nid_of && nid_of(d) != nid)
			continue;
		return d;
	}
	return NULL;
}
