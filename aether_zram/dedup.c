// SPDX-License-Identifier: GPL-2.0
/*
 * dedup.c - identical pages of a device stored once
 *
 * DOC: Overview
 *
 * With "dedupe" set to 1 before disksize, a device's store keeps one
 * object for every page content it holds, however many slots hold that
 * content; the kernel's zram has no such thing (its dedup patches were
 * never merged), aether_zram has it per device, opt-in.  Each store has
 * its own table, nothing is shared between devices, nor with the region
 * store backend (store.c), whose store never has one.
 *
 * Trust domains.  A device is not one user's: a swap device holds every
 * user's pages, a filesystem on it every writer's files.  Sharing one
 * object between two users would tell one, by a counter or by timing,
 * that the other holds a page he guessed.  So each entry belongs to the
 * trust domain of the page that made it, and only a page of the same
 * domain shares it (dev.c, azr_page_domain()).  An anonymous page or
 * one of the swap cache is the memory cgroup's it is charged to (its
 * css serial number, never reused; what zswap charges a swapped page
 * to, and systemd gives each user a slice of his own), 0 for a page
 * charged to none.  A page of a file's page cache is not: it is charged
 * to whoever first read it, so an attacker's own file that his victim
 * read first would carry bytes of the attacker's choosing into the
 * victim's cgroup (review s31b finding 7).  It is its file owner's uid
 * instead (AZR_DOMAIN_UID, a space of its own), and nobody's when the
 * file's mode lets others write it.  A page a
 * partial write made (the writer's part and the slot's old bytes, maybe
 * another domain's) is nobody's: AZR_DOMAIN_NONE, never shared nor
 * entered.  dedup_stat is root's (0400).  A cgroup is not a uid: users
 * whose processes share one (a cron service's jobs, su shells, a tree
 * without the memory controller) share one domain.
 *
 * The table (struct azr_dedup) is an rbtree of refcounted entries keyed
 * by the xxh64 of the uncompressed page, seeded per table with a random
 * value so that nobody can aim many pages at one hash.  An entry
 * (struct azr_dedup_ent) holds the hash and the object: its handle,
 * compressed length and kind (struct azr_entry, as zpage.c made it).  A
 * slot that shares names the entry instead of an object of its own: its
 * entry's @handle is the azr_dedup_ent, its @size and kind copied from
 * the object, and AZR_E_DEDUP set (zpage.c resolves it on load).
 *
 * The states of an entry:
 *
 *	found		azr_dedup_find() took a reference on it as a
 *			candidate (@refs), under the table's lock, and
 *			compares it without the lock
 *	shared		the candidate was equal: its reference became a
 *			slot's (@slots counts those)
 *	dropped		the last reference went (a write, discard, reset,
 *			writeback of the last slot naming it, or a
 *			candidate compare that lost the race with them):
 *			it leaves the tree under the lock and its object is
 *			freed after it
 *
 * Storing a page (azr_store_page(), zpage.c): a page that is not
 * same-filled is hashed; up to AZR_DEDUP_CANDIDATES entries of that hash
 * are taken as candidates and each is loaded and compared byte for byte
 * with the page (a hash match alone never shares).  The first equal one
 * is shared; the others are dropped.  With none, the page is compressed
 * into a new object and a new entry is inserted for it.  Two writers of
 * the same content at once may both miss and each insert an entry of
 * their own: both are right, the two copies are simply not shared, and
 * later writers share the one they compare first.  An entry whose
 * allocation fails leaves the object unshared, as without dedupe.
 * Same-filled pages keep their own path (a value, no object) and never
 * enter the table.
 *
 * Counted, per device (dedup_stat): pages sharing an object beyond its
 * first slot (dup_pages), the compressed bytes they did not store
 * (bytes_saved), the table's own memory (meta_bytes: its entries and
 * itself), entries, and collisions (equal hash, different bytes).  The
 * object counts once in mm_stat's compr_data_size; every slot counts in
 * orig_data_size.  The table's memory is the device's as its pool is
 * (review s31 finding 8): azr_dedup_meta_bytes(), rounded up to pages,
 * counts in mm_stat's mem_used_total and mem_used_max and against
 * mem_limit (dev.c), so a device at its limit refuses a write that
 * would add an entry as it refuses one that would add an object, and
 * takes a copy that shares, which costs nothing.
 *
 * What the others see.  A load (a read, writeback's load, a corruption
 * on purpose) loads the shared object, which nothing writes while it is
 * shared.  A free (azr_free_entry(): a write over the slot, a discard,
 * swap's notification, reset, writeback, the corruption's replacement)
 * drops the slot's reference; the object goes with the last.  So
 * writeback of a shared slot moves that slot alone to the backing
 * device and the others keep the entry; a checksum stays with its slot
 * (the same value for every slot of one content).  An entry's object
 * keeps the mark of the compressor that wrote it (adaptive compression
 * stores with several), and the compare decompresses with that one.
 * Recompression (recomp.c) leaves objects that several slots share
 * alone (azr_dedup_has_copies()): an object of their own would cost more
 * than the shared one saves.  A slot alone on its entry is recompressed
 * into an object of its own and leaves the table: later copies of it are
 * stored anew once, then shared again.
 *
 * Lock order (internal.h): the table's @lock is 3a, a spinlock taken
 * under a slot's lock (3), and from swap's atomic notification; nothing
 * is taken inside it.  Candidates are loaded and compared, and objects
 * freed, after it is dropped.
 */
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "internal.h"

/* Entries of one hash compared before a page is stored on its own. */
#define AZR_DEDUP_CANDIDATES	4

/**
 * struct azr_dedup_ent - one stored content, shared by the slots naming it
 * @node:	in the table's tree, by @hash (equal hashes to the right)
 * @hash:	xxh64 of the page, with the table's seed
 * @domain:	the trust domain of the page that made it
 * @e:		the object: handle, compressed length, kind
 * @refs:	references: each slot naming it, each candidate compare
 * @slots:	slots naming it
 */
struct azr_dedup_ent {
	struct rb_node node;
	u64 hash;
	u64 domain;
	struct azr_entry e;
	u32 refs;
	u32 slots;
};

/**
 * struct azr_dedup - the dedupe table of one store
 * @lock:	the tree, every entry's @refs and @slots, and the counts
 *		(lock 3a of internal.h)
 * @root:	entries by hash
 * @seed:	of the hash, random per table
 * @entries:	entries in the tree
 * @dup_pages:	slot references beyond each entry's first
 * @saved_bytes: compressed bytes those did not store
 * @collisions:	candidates of the right hash and other bytes, ever
 */
struct azr_dedup {
	spinlock_t lock;		/* lock 3a */
	struct rb_root root;
	u64 seed;
	u64 entries;
	u64 dup_pages;
	u64 saved_bytes;
	u64 collisions;
};

static struct azr_dedup_ent *azr_dedup_ent_of(const struct azr_entry *e)
{
	return (struct azr_dedup_ent *)e->handle;
}

/**
 * azr_dedup_create() - give @st a dedupe table
 * @st:		a store just initialised, holding nothing
 *
 * Context: process context; GFP_KERNEL.
 *
 * Return: 0, or -ENOMEM.
 */
int azr_dedup_create(struct azr_store *st)
{
	struct azr_dedup *dd = kzalloc(sizeof(*dd), GFP_KERNEL);

	if (!dd)
		return -ENOMEM;
	spin_lock_init(&dd->lock);
	dd->root = RB_ROOT;
	dd->seed = get_random_u64();
	st->dedup = dd;
	return 0;
}

/**
 * azr_dedup_destroy() - free @st's dedupe table, if it has one
 * @st:		a store whose every entry was freed
 */
void azr_dedup_destroy(struct azr_store *st)
{
	struct azr_dedup *dd = st->dedup;

	if (!dd)
		return;
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&dd->root) || dd->entries);
	kfree(dd);
	st->dedup = NULL;
}

/*
 * Drop a reference of @ent; true if it was the last, @ent out of the
 * tree then (its object and itself for the caller to free).
 */
static bool azr_dedup_unref(struct azr_dedup *dd, struct azr_dedup_ent *ent)
{
	lockdep_assert_held(&dd->lock);
	if (--ent->refs)
		return false;
	rb_erase(&ent->node, &dd->root);
	WRITE_ONCE(dd->entries, dd->entries - 1);
	return true;
}

/* Free @ent and its object, out of the tree; no lock held. */
static void azr_dedup_free(struct azr_store *st, struct azr_dedup_ent *ent)
{
	azr_free_object(st, &ent->e);
	kfree(ent);
}

/*
 * Take a reference on up to AZR_DEDUP_CANDIDATES entries of @hash, into
 * @cand.  Return: how many.
 */
static int azr_dedup_get(struct azr_dedup *dd, u64 hash,
			 struct azr_dedup_ent **cand)
{
	struct rb_node *n, *first = NULL;
	int nr = 0;

	spin_lock(&dd->lock);
	n = dd->root.rb_node;
	while (n) {
		struct azr_dedup_ent *ent = rb_entry(n, typeof(*ent), node);

		if (hash < ent->hash) {
			n = n->rb_left;
		} else if (hash > ent->hash) {
			n = n->rb_right;
		} else {
			first = n;	/* the leftmost of the hash is left */
			n = n->rb_left;
		}
	}
	for (n = first; n && nr < AZR_DEDUP_CANDIDATES; n = rb_next(n)) {
		struct azr_dedup_ent *ent = rb_entry(n, typeof(*ent), node);

		if (ent->hash != hash)
			break;
		ent->refs++;
		cand[nr++] = ent;
	}
	spin_unlock(&dd->lock);
	return nr;
}

/*
 * Is the object of @ent the page @src?  Loaded and compared in full;
 * @buf a page for the decompressed bytes.
 */
static bool azr_dedup_same(struct azr_store *st, struct azr_dedup_ent *ent,
			   const void *src, void *buf)
{
	const struct azr_entry *obj = &ent->e;
	struct azr_comp *comp = azr_store_comp(st, azr_entry_comp(obj));
	struct azr_strm *strm;
	const void *p;
	bool same;

	if (WARN_ON_ONCE(!comp))
		return false;
	strm = azr_strm_get(comp);
	p = azs_read_begin(st->pool, obj->handle, strm->buffer);
	if (obj->flags & AZR_E_HUGE)
		same = !memcmp(p, src, PAGE_SIZE);
	else
		same = !azr_decompress(comp, strm, p, obj->size, buf) &&
		       !memcmp(buf, src, PAGE_SIZE);
	azs_read_end(st->pool, obj->handle, p);
	azr_strm_put(comp, strm);
	return same;
}

/* Drop the candidate reference on @ent; no lock held. */
static void azr_dedup_drop(struct azr_store *st, struct azr_dedup_ent *ent)
{
	struct azr_dedup *dd = st->dedup;
	bool last;

	spin_lock(&dd->lock);
	last = azr_dedup_unref(dd, ent);
	spin_unlock(&dd->lock);
	if (last)
		azr_dedup_free(st, ent);
}

/* The candidate reference on @ent becomes a slot's: fill @e with it. */
static void azr_dedup_share(struct azr_dedup *dd, struct azr_dedup_ent *ent,
			    struct azr_entry *e)
{
	spin_lock(&dd->lock);
	WRITE_ONCE(ent->slots, ent->slots + 1);
	if (ent->slots > 1) {
		dd->dup_pages++;
		dd->saved_bytes += ent->e.size;
	}
	spin_unlock(&dd->lock);
	e->handle = (unsigned long)ent;
	e->size = ent->e.size;
	e->flags = ent->e.flags | AZR_E_DEDUP;
}

/**
 * azr_dedup_find() - share a stored object equal to a page, if there is one
 * @st:		a store with a dedupe table
 * @src:	the page's bytes (not same-filled: those are never shared)
 * @domain:	the page's trust domain: only its entries are shared
 * @hash:	(out) the page's hash, for azr_dedup_add()
 * @e:		(out) on success, a shared entry for the page
 * @gfp:	for the page the compare decompresses into
 *
 * Context: may sleep (a stream's mutex), holding no lock above 3.
 *
 * Return: true if @e now names a shared object of @domain equal to @src
 * (the object
 * counted once already: the caller counts the page alone); false if
 * none is, or the compare could not get its page.
 */
bool azr_dedup_find(struct azr_store *st, const void *src, u64 domain,
		    u64 *hash, struct azr_entry *e, gfp_t gfp)
{
	struct azr_dedup_ent *cand[AZR_DEDUP_CANDIDATES], *hit = NULL;
	struct azr_dedup *dd = st->dedup;
	void *buf = NULL;
	int i, nr;

	/* Domains apart in the hash too: their pages seldom meet. */
	*hash = xxh64(src, PAGE_SIZE, dd->seed ^ domain);
	nr = azr_dedup_get(dd, *hash, cand);
	if (nr)
		buf = (void *)__get_free_page(gfp);
	for (i = 0; i < nr; i++) {
		if (!hit && buf && cand[i]->domain == domain) {
			if (azr_dedup_same(st, cand[i], src, buf)) {
				hit = cand[i];
				continue;
			}
			spin_lock(&dd->lock);
			dd->collisions++;
			spin_unlock(&dd->lock);
		}
		azr_dedup_drop(st, cand[i]);
	}
	free_page((unsigned long)buf);
	if (!hit)
		return false;
	azr_dedup_share(dd, hit, e);
	return true;
}

/**
 * azr_dedup_add() - make a newly stored object shareable
 * @st:		a store with a dedupe table
 * @hash:	the page's hash, from azr_dedup_find()
 * @domain:	the page's trust domain, as given to azr_dedup_find()
 * @e:		a new object of @st (not same-filled); becomes a shared
 *		entry naming it, or stays as it is when no entry could be
 *		allocated
 *
 * Context: any context that may allocate with @gfp; takes lock 3a.
 */
void azr_dedup_add(struct azr_store *st, u64 hash, u64 domain,
		   struct azr_entry *e, gfp_t gfp)
{
	struct azr_dedup *dd = st->dedup;
	struct rb_node **link = &dd->root.rb_node, *parent = NULL;
	struct azr_dedup_ent *ent;

	ent = kmalloc(sizeof(*ent), gfp);
	if (!ent)
		return;
	ent->hash = hash;
	ent->domain = domain;
	ent->e = *e;
	ent->refs = 1;
	ent->slots = 1;

	spin_lock(&dd->lock);
	while (*link) {
		struct azr_dedup_ent *cur = rb_entry(*link, typeof(*cur), node);

		parent = *link;
		link = hash < cur->hash ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&ent->node, parent, link);
	rb_insert_color(&ent->node, &dd->root);
	WRITE_ONCE(dd->entries, dd->entries + 1);
	spin_unlock(&dd->lock);

	e->handle = (unsigned long)ent;
	e->flags |= AZR_E_DEDUP;
}

/**
 * azr_dedup_object() - the object a shared entry names
 * @e:		an entry with AZR_E_DEDUP, held by its caller's slot
 *
 * Return: the object's entry, valid while @e holds its reference.
 */
const struct azr_entry *azr_dedup_object(const struct azr_entry *e)
{
	return &azr_dedup_ent_of(e)->e;
}

/**
 * azr_dedup_has_copies() - does another slot share @e's object?
 * @e:		an entry with AZR_E_DEDUP, held by its caller's slot
 *
 * A hint, read without the table's lock: a writer may share the object
 * right after.  Recompression (recomp.c) asks it to leave shared objects
 * alone; one it recompresses anyway leaves the table with its slot
 * (azr_free_entry() drops the slot's reference), which is correct
 * whoever shares the old object meanwhile.
 */
bool azr_dedup_has_copies(const struct azr_entry *e)
{
	return READ_ONCE(azr_dedup_ent_of(e)->slots) > 1;
}

/**
 * azr_dedup_put() - a slot lets go of a shared entry
 * @st:		the store
 * @e:		an entry with AZR_E_DEDUP; the object is freed with the
 *		last reference
 *
 * Context: any context; never sleeps (swap's notification calls it).
 */
void azr_dedup_put(struct azr_store *st, const struct azr_entry *e)
{
	struct azr_dedup_ent *ent = azr_dedup_ent_of(e);
	struct azr_dedup *dd = st->dedup;
	bool last;

	spin_lock(&dd->lock);
	WRITE_ONCE(ent->slots, ent->slots - 1);
	if (ent->slots) {
		dd->dup_pages--;
		dd->saved_bytes -= ent->e.size;
	}
	last = azr_dedup_unref(dd, ent);
	spin_unlock(&dd->lock);
	if (last)
		azr_dedup_free(st, ent);
}

/**
 * azr_dedup_meta_bytes() - the memory of @st's dedupe table
 * @st:		a store
 *
 * Its entries and itself, read without the table's lock: what the write
 * path charges against the device's memory limit, and mm_stat shows.
 *
 * Context: any context.
 *
 * Return: bytes; 0 without a table.
 */
u64 azr_dedup_meta_bytes(struct azr_store *st)
{
	struct azr_dedup *dd = st->dedup;

	if (!dd)
		return 0;
	return sizeof(*dd) +
	       READ_ONCE(dd->entries) * sizeof(struct azr_dedup_ent);
}

/**
 * azr_dedup_stats() - what @st's dedupe table counts
 * @st:		a store
 * @out:	filled; all 0 without a table
 */
void azr_dedup_stats(struct azr_store *st, struct azr_dedup_stats *out)
{
	struct azr_dedup *dd = st->dedup;

	memset(out, 0, sizeof(*out));
	if (!dd)
		return;
	spin_lock(&dd->lock);
	out->dup_pages = dd->dup_pages;
	out->saved_bytes = dd->saved_bytes;
	out->entries = dd->entries;
	out->collisions = dd->collisions;
	spin_unlock(&dd->lock);
	out->meta_bytes = azr_dedup_meta_bytes(st);
}
