// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - in-kernel self-tests of the buddy, the per-CPU lists and
 * the hooks
 *
 * Run at load with selftest=1, before /dev/aether_mm exists, so nothing
 * else allocates from the pool meanwhile.  They check what userspace
 * cannot see directly: that a split leaves exactly one free block at each
 * order on the way down, that freeing merges back to the same free lists,
 * that the per-CPU lists are LIFO and drain to nothing, that a foreign
 * migrate type claims a pageblock, that a reserved page is never handed
 * out, that the leak report names a live block and its stack, the
 * fragmentation indices of known layouts, that scattered frames read
 * back in order through one aem_vmap_frames() view, that the policy
 * table's may_open decides REGION_OPEN only when it has an opinion and
 * that its admit is asked about every frame a region fault takes,
 * that aem_split_block() turns a block into order-0 allocations the buddy
 * lists merge back, and that a store backend registering while another
 * one unregisters neither gets in nor reopens the leaving one to stores,
 * that a layer slot keeps any handle a real store returns (kernel
 * pointers included), the edges of the devices' handle tables, and that
 * a new shared frame's one-pass copy and checksum match copy_page() and
 * the kernel's xxh64().  Every allocation uses AEM_ALLOC_NOGROW so the pool does not move under
 * the test.
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <aether/handles.h>
#include "internal.h"
#include "region/region.h"

#define AEM_ST_FLAGS	(AEM_ALLOC_NOGROW | AEM_ALLOC_THISNODE | \
			 AEM_ALLOC_HIGH | AEM_OWNER(AEM_OWNER_SELFTEST))

#define aem_st_check(cond)						\
({									\
	bool __ok = (cond);						\
									\
	if (!__ok)							\
		pr_err("selftest %s: check failed: %s (line %d)\n",	\
		       __func__, #cond, __LINE__);			\
	__ok;								\
})

struct aem_st_snap {
	unsigned long nr_free[AEM_NR_ORDERS];
	unsigned long free;
};

/* The first zone of the pool with at least one whole free chunk. */
static struct aem_zone *aem_st_zone(void)
{
	struct aem_node *node;
	int z;

	for_each_aem_node(node)
		for (z = AEM_NR_ZONES - 1; z >= 0; z--)
			if (node->zones[z].free_area[AEM_MAX_ORDER].nr_free)
				return &node->zones[z];
	return NULL;
}

static void aem_st_snapshot(struct aem_zone *zone, struct aem_st_snap *s)
{
	unsigned long flags;
	unsigned int o;

	aem_pcp_drain_zone(zone);
	spin_lock_irqsave(&zone->lock, flags);
	for (o = 0; o < AEM_NR_ORDERS; o++)
		s->nr_free[o] = zone->free_area[o].nr_free;
	s->free = zone->free;
	spin_unlock_irqrestore(&zone->lock, flags);
}

static bool aem_st_same(const struct aem_st_snap *a,
			const struct aem_st_snap *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static unsigned int aem_st_zone_flags(struct aem_zone *zone, unsigned int mt)
{
	return AEM_ST_FLAGS | AEM_ZONE(zone->idx) | AEM_MT(mt);
}

/* A handle table's object in the self-tests: counts its puts. */
struct aem_st_obj {
	unsigned int *puts;
};

static void aem_st_obj_put(void *p)
{
	struct aem_st_obj *o = p;

	(*o->puts)++;
	kfree(o);
}

static void *aem_st_obj_new(void *arg)
{
	struct aem_st_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (o)
		o->puts = arg;
	return o;
}

/* File @nr fresh objects in @h, their handles in @handles; 0 or -errno. */
static int aem_st_handles_fill(struct aem_handles *h, unsigned int *puts,
			       u64 *handles, unsigned int nr)
{
	unsigned int i;
	void *o;
	int err;

	for (i = 0; i < nr; i++) {
		o = aem_st_obj_new(puts);
		if (!o)
			return -ENOMEM;
		err = aem_handle_add(h, o, &handles[i]);
		if (err)
			return err;
	}
	return 0;
}

/* True when no object named in @handles carries FREE's mark. */
static bool aem_st_handles_unmarked(struct aem_handles *h,
				    const u64 *handles, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (xa_get_mark(&h->xa, lower_32_bits(handles[i]),
				AEM_HANDLE_FREEING))
			return false;
	return true;
}

/*
 * The handle tables (handles.c) where userspace cannot see them: a
 * cookie is never 0, even when the counter wraps; ids wrap past U32_MAX
 * to 1, never 0; a plain-id table refuses upper bits and a cookie table
 * refuses another cookie; a FREE that fails leaves no object marked (a
 * later FREE of the same handles succeeds) and puts nothing; a FREE
 * that names one object twice fails; a give-out whose copy faults puts
 * the object, ALLOC's bulk path undoes every object when the handles
 * cannot be copied out; destroy puts everything left.
 */
static int aem_st_handles(struct aem_zone *zone)
{
	struct aem_handles h, ids;
	unsigned int puts = 0;
	struct mutex lock;	/* stands for an open file's */
	u64 hd[4], bad[3];
	int saved, err;
	bool ok = true;
	u32 count = 3;

	mutex_init(&lock);
	saved = atomic_xchg(&aem_handles_cookie, -1);
	mutex_lock(&lock);
	aem_handles_init(&h, &lock, aem_st_obj_put, GFP_KERNEL, true);
	ok &= aem_st_check(h.cookie == 1);
	aem_handles_init(&ids, &lock, aem_st_obj_put, GFP_KERNEL, false);
	atomic_set(&aem_handles_cookie, saved);

	h.next = U32_MAX;
	err = aem_st_handles_fill(&h, &puts, hd, 3);
	if (!aem_st_check(!err))
		goto out;
	ok &= aem_st_check(lower_32_bits(hd[0]) == U32_MAX &&
			   lower_32_bits(hd[1]) == 1 &&
			   upper_32_bits(hd[2]) == 1);
	ok &= aem_st_check(!aem_handle_lookup(&h, lower_32_bits(hd[1])) &&
			   !aem_handle_lookup(&h, hd[1] + (1ULL << 32)) &&
			   !aem_handle_lookup(&h, 0) &&
			   aem_handle_lookup(&h, hd[1]));

	err = aem_st_handles_fill(&ids, &puts, &hd[3], 1);
	if (!aem_st_check(!err))
		goto out;
	ok &= aem_st_check(hd[3] == 1 && aem_handle_lookup(&ids, 1) &&
			   !aem_handle_lookup(&ids, hd[3] | (1ULL << 32)) &&
			   !aem_handle_lookup(&ids, 0));

	bad[0] = hd[0];
	bad[1] = hd[1];
	bad[2] = hd[1] ^ (1ULL << 40);
	ok &= aem_st_check(aem_handles_free(&h, bad, 3) == -ENOENT);
	bad[2] = hd[0];
	ok &= aem_st_check(aem_handles_free(&h, bad, 3) == -ENOENT);
	ok &= aem_st_check(!puts && aem_st_handles_unmarked(&h, hd, 3));
	ok &= aem_st_check(!aem_handles_free(&h, hd, 2) && puts == 2 &&
			   !aem_handle_lookup(&h, hd[0]));

	ok &= aem_st_check(aem_handle_give(&h, hd[2], NULL, &count,
					   sizeof(count)) == -EFAULT);
	ok &= aem_st_check(puts == 3 && !aem_handle_lookup(&h, hd[2]));

	ok &= aem_st_check(aem_handles_alloc_user(&h, aem_st_obj_new, &puts,
						  &count, 0, NULL, &count,
						  sizeof(count)) == -EFAULT);
	ok &= aem_st_check(puts == 6 && xa_empty(&h.xa));
out:
	aem_handles_destroy(&h);
	aem_handles_destroy(&ids);
	mutex_unlock(&lock);
	mutex_destroy(&lock);
	ok &= aem_st_check(puts == 7);
	return ok && !err ? 0 : -EINVAL;
}

/*
 * An order-4 block out of a zone whose smallest free blocks are max-order
 * splits one of them: one more free block at each order 4..max-1, one fewer
 * at max; freeing it merges everything back.
 */
static int aem_st_split_merge(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	struct aem_st_snap before, during, after;
	struct aem_frame *f;
	unsigned int o;
	bool ok = true;

	aem_st_snapshot(zone, &before);
	for (o = 0; o < AEM_MAX_ORDER; o++)
		if (before.nr_free[o])
			return 0;	/* not a clean zone: nothing to learn */
	f = aem_alloc_pages(zone->node->nid, 4, flags);
	if (!aem_st_check(f))
		return -EINVAL;
	aem_st_snapshot(zone, &during);
	for (o = 4; o < AEM_MAX_ORDER; o++)
		ok &= aem_st_check(during.nr_free[o] == 1);
	ok &= aem_st_check(during.nr_free[AEM_MAX_ORDER] ==
			   before.nr_free[AEM_MAX_ORDER] - 1);
	ok &= aem_st_check(during.free == before.free - 16);
	ok &= aem_st_check(f->chunk->zone == zone && aem_frame_order(f) == 4);
	ok &= aem_st_check((aem_frame_pfn(f) & 15) == 0);
	aem_free_pages(f, 4);
	aem_st_snapshot(zone, &after);
	ok &= aem_st_check(aem_st_same(&before, &after));
	return ok ? 0 : -EINVAL;
}

/*
 * Take every page of the zone as order 0, free them out of order.  Once
 * the zone is under its low watermark the first pass falls back to the
 * zones below it on the node, when the pool holds pages there (a pool
 * grown after Linux's own memory was fragmented has DMA32 chunks): those
 * pages are kept aside until the zone is empty, then given back.
 */
static int aem_st_fill_and_merge(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	unsigned long n = 0, nr_other = 0, max_other = 0, i, max;
	struct aem_frame **frames, **other = NULL;
	struct aem_st_snap before, after;
	unsigned int z;
	bool ok = true;

	max = zone->managed;
	for (z = 0; z < zone->idx; z++)
		max_other += READ_ONCE(zone->node->zones[z].managed);
	frames = kvmalloc_array(max, sizeof(*frames), GFP_KERNEL);
	if (max_other)
		other = kvmalloc_array(max_other, sizeof(*other), GFP_KERNEL);
	if (!frames || (max_other && !other)) {
		kvfree(frames);
		kvfree(other);
		return -ENOMEM;
	}
	/*
	 * On one CPU: moved to another half-way, the fill left the first
	 * CPU's list holding pages of the zone while the zone's buddy lists
	 * were empty, the pass fell back to a lower zone before any drain,
	 * and the fill stopped short (once, at a load on the debug kernel).
	 */
	migrate_disable();
	aem_st_snapshot(zone, &before);
	while (n < max) {
		struct aem_frame *f = aem_alloc_pages(zone->node->nid, 0, flags);

		if (!f)
			break;
		if (f->chunk->zone == zone) {
			frames[n++] = f;
			continue;
		}
		if (f->chunk->zone->node != zone->node ||
		    f->chunk->zone->idx >= zone->idx || nr_other == max_other) {
			aem_free_pages(f, 0);
			ok &= aem_st_check(false);
			break;
		}
		other[nr_other++] = f;
	}
	ok &= aem_st_check(n == before.free);
	ok &= aem_st_check(READ_ONCE(zone->free) == 0);
	for (i = 0; i < nr_other; i++)
		aem_free_pages(other[i], 0);
	/* Odd indices first, then even: maximal fragmentation on the way. */
	for (i = 1; i < n; i += 2)
		aem_free_pages(frames[i], 0);
	for (i = 0; i < n; i += 2)
		aem_free_pages(frames[i], 0);
	aem_st_snapshot(zone, &after);
	migrate_enable();
	ok &= aem_st_check(aem_st_same(&before, &after));
	kvfree(other);
	kvfree(frames);
	return ok ? 0 : -EINVAL;
}

/* The per-CPU lists hand back the block freed last and drain to nothing. */
static int aem_st_pcp(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	int nid = zone->node->nid;
	struct aem_frame *a, *b, *c = NULL;
	bool ok = true;

	migrate_disable();
	a = aem_alloc_pages(nid, 0, flags);
	b = aem_alloc_pages(nid, 0, flags);
	ok &= aem_st_check(a && b);
	ok &= aem_st_check(aem_pcp_count(zone) > 0);
	if (a) {
		aem_free_pages(a, 0);
		c = aem_alloc_pages(nid, 0, flags);
		ok &= aem_st_check(c == a);
	}
	if (b)
		aem_free_pages(b, 0);
	if (c)
		aem_free_pages(c, 0);
	migrate_enable();
	aem_pcp_drain_zone(zone);
	ok &= aem_st_check(aem_pcp_count(zone) == 0);
	return ok ? 0 : -EINVAL;
}

/* An unmovable order-5 block from a movable zone claims its pageblock. */
static int aem_st_fallback(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_UNMOVABLE);
	struct aem_frame *f;
	bool ok = true;

	if (zone->free_area[AEM_PB_ORDER].nr_free_mt[AETHER_MM_MT_UNMOVABLE])
		return 0;
	f = aem_alloc_pages(zone->node->nid, 5, flags);
	if (!aem_st_check(f))
		return -EINVAL;
	ok &= aem_st_check(aem_frame_migratetype(f) ==
			   AETHER_MM_MT_UNMOVABLE);
	aem_free_pages(f, 5);
	return ok ? 0 : -EINVAL;
}

/* A reserved page is held back, and comes back when released. */
static int aem_st_reserve(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	struct aem_st_snap before, during, after;
	struct aem_frame *f;
	unsigned long pfn;
	bool ok = true;
	int err;

	f = aem_alloc_pages(zone->node->nid, 6, flags);
	if (!aem_st_check(f))
		return -EINVAL;
	pfn = aem_frame_pfn(f) + 3;
	aem_free_pages(f, 6);
	aem_st_snapshot(zone, &before);
	err = aem_reserve_range(pfn, 5);
	if (!aem_st_check(!err))
		return err;
	ok &= aem_st_check(aem_reserve_range(pfn + 4, 2) == -EBUSY);
	aem_st_snapshot(zone, &during);
	ok &= aem_st_check(during.free == before.free - 5);
	ok &= aem_st_check(zone->held == 5);
	aem_unreserve_range(pfn, 5);
	aem_st_snapshot(zone, &after);
	ok &= aem_st_check(aem_st_same(&before, &after) && !zone->held);
	return ok ? 0 : -EINVAL;
}

/*
 * The leak report that unload prints names a live block with its stack:
 * record one by hand (tracking may be off) and have it reported.
 */
static int aem_st_track_report(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE) |
			     AEM_ALLOC_NOTRACK;
	struct aem_frame *f;
	unsigned long n;
	bool ok = true;

	if (stack_depot_init())
		return 0;	/* no depot on this kernel: nothing to show */
	f = aem_alloc_pages(zone->node->nid, 1, flags);
	if (!aem_st_check(f))
		return -EINVAL;
	aem_track_alloc(f);
	ok &= aem_st_check(f->stack != 0);
	pr_info("selftest: the unload leak report looks like this:\n");
	n = aem_track_report(NULL);
	ok &= aem_st_check(n == 1);
	aem_free_pages(f, 1);
	ok &= aem_st_check(f->stack == 0);
	return ok ? 0 : -EINVAL;
}

/* All free memory in max-order blocks: nothing unusable, nothing to gain. */
static int aem_st_frag(struct aem_zone *zone)
{
	struct aem_frag_info info;
	unsigned int o;
	bool ok = true;

	aem_pcp_drain_zone(zone);
	aem_zone_frag(zone, &info);
	if (info.free_pages !=
	    info.free_blocks[AEM_MAX_ORDER] << AEM_MAX_ORDER)
		return 0;
	for (o = 0; o < AEM_NR_ORDERS; o++) {
		ok &= aem_st_check(info.unusable[o] == 0);
		ok &= aem_st_check(info.extfrag[o] == -1000);
	}
	return ok ? 0 : -EINVAL;
}

/*
 * aem_vmap_frames(): scattered frames (every other one of a run, so no
 * two are adjacent) read back through one contiguous kernel view in the
 * order given, zero-page holes included.
 */
static int aem_st_vmap(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	struct aem_frame *all[2 * 8], *view[8 + 1];
	unsigned int i, n = 0;
	u32 *addr, *word;
	int err = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		all[i] = aem_alloc_pages(zone->node->nid, 0, flags);
		if (!all[i])
			goto out;
		n++;
	}
	/* Backwards, so the view's order is not the physical one. */
	for (i = 0; i < 8; i++) {
		view[i] = all[2 * (7 - i)];
		word = kmap_local_page(aem_frame_page(view[i]));
		word[0] = 0xae000000 | i;
		word[PAGE_SIZE / sizeof(u32) - 1] = ~i;
		kunmap_local(word);
	}
	view[8] = NULL;
	err = -ENOMEM;
	addr = aem_vmap_frames(view, 9);
	if (!aem_st_check(addr))
		goto out;
	err = 0;
	for (i = 0; i < 8; i++) {
		word = addr + i * (PAGE_SIZE / sizeof(u32));
		if (!aem_st_check(word[0] == (0xae000000 | i)) ||
		    !aem_st_check(word[PAGE_SIZE / sizeof(u32) - 1] == ~i))
			err = -EINVAL;
	}
	word = addr + 8 * (PAGE_SIZE / sizeof(u32));
	if (!aem_st_check(!word[0] && !word[PAGE_SIZE / sizeof(u32) - 1]))
		err = -EINVAL;
	aem_vunmap_frames(addr, 9);
	if (!aem_st_check(!aem_vmap_frames(view, 0)) ||
	    !aem_st_check(!aem_vmap_frames(view, AEM_VMAP_MAX + 1)))
		err = -EINVAL;
out:
	for (i = 0; i < n; i++)
		aem_free_pages(all[i], 0);
	return err;
}

/* A policy table that answers what @aem_st_policy_answer says. */
static int aem_st_policy_answer;

static int aem_st_may_open(const char *name, kuid_t owner, u32 flags)
{
	return aem_st_policy_answer;
}

static int aem_st_admit(void *cookie, int nid, unsigned int order,
			unsigned int flags)
{
	return aem_st_policy_answer;
}

static const struct aem_policy_ops aem_st_policy = {
	.owner = THIS_MODULE,
	.admit = aem_st_admit,
	.may_open = aem_st_may_open,
};

/*
 * The policy hook decides REGION_OPEN when it has an opinion: no table
 * or "no opinion" (1) is the default (1), its errno or 0 is the answer.
 */
static int aem_st_policy_may_open(struct aem_zone *zone)
{
	int err = 0;

	if (!aem_st_check(aem_policy_may_open("x", GLOBAL_ROOT_UID, 0) == 1))
		return -EINVAL;
	if (aem_register_policy(&aem_st_policy))
		return -EBUSY;	/* a real backend is there: leave it */
	aem_st_policy_answer = -EACCES;
	if (!aem_st_check(aem_policy_may_open("x", GLOBAL_ROOT_UID, 0) ==
			  -EACCES))
		err = -EINVAL;
	aem_st_policy_answer = 0;
	if (!aem_st_check(!aem_policy_may_open("x", GLOBAL_ROOT_UID, 0)))
		err = -EINVAL;
	aem_st_policy_answer = 7;
	if (!aem_st_check(aem_policy_may_open("x", GLOBAL_ROOT_UID, 0) == 1))
		err = -EINVAL;
	aem_unregister_policy(&aem_st_policy);
	if (!aem_st_check(aem_policy_may_open("x", GLOBAL_ROOT_UID, 0) == 1))
		err = -EINVAL;
	return err;
}

/*
 * A region fault's frame is a user's allocation: the policy backend's
 * admit() refuses it; an allocation the backend is not asked about (a
 * kernel caller's) goes ahead.
 */
static int aem_st_policy_admit(struct aem_zone *zone)
{
	unsigned int fault = AEM_MT(AETHER_MM_MT_MOVABLE) |
			     AEM_OWNER(AEM_OWNER_REGION) | AEM_ALLOC_ACCOUNT |
			     AEM_ALLOC_NOGROW |
			     AEM_ZONE(zone->idx);
	int nid = zone->node->nid, err = 0;
	struct aem_frame *f;

	if (aem_register_policy(&aem_st_policy))
		return -EBUSY;	/* a real backend is there: leave it */
	aem_st_policy_answer = -EDQUOT;
	f = aem_alloc_pages(nid, 0, fault);
	if (!aem_st_check(!f)) {
		aem_free_pages(f, 0);
		err = -EINVAL;
	}
	f = aem_alloc_pages(nid, 0, aem_st_zone_flags(zone,
						      AETHER_MM_MT_MOVABLE));
	if (!aem_st_check(f))
		err = -EINVAL;
	else
		aem_free_pages(f, 0);
	aem_st_policy_answer = 0;
	f = aem_alloc_pages(nid, 0, fault);
	if (!aem_st_check(f))
		err = -EINVAL;
	else
		aem_free_pages(f, 0);
	aem_unregister_policy(&aem_st_policy);
	return err;
}

/*
 * A layer slot holds any handle a real store returns: small ids and
 * kernel pointers (a zsmalloc handle is one), which are above LONG_MAX;
 * it refuses what it cannot give back unchanged.  Its kinds never mix: a
 * stored handle is never taken for a frame, nor a frame for a handle, nor
 * a stored shared frame's tagged pointer for either.
 */
static int aem_st_slot_handles(struct aem_zone *zone)
{
	void *obj = kmalloc(64, GFP_KERNEL);
	const unsigned long fit[] = {
		0, 1, 4095, BIT(31), BIT(62) - 1, (unsigned long)obj,
		(unsigned long)&aem_st_policy, (unsigned long)zone,
		(unsigned long)ERR_PTR(-ENOMEM), ULONG_MAX,
		ULONG_MAX - BIT(62) + 1,
	};
	const unsigned long unfit[] = {
		BIT(62), LONG_MAX, BIT(63), ULONG_MAX - BIT(62),
	};
	unsigned int i;
	int err = 0;
	void *e;

	if (!obj)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(fit); i++) {
		e = aem_slot_mk_stored(fit[i]);
		if (!aem_st_check(aem_slot_handle_fits(fit[i])) ||
		    !aem_st_check(aem_slot_is_stored(e)) ||
		    !aem_st_check(aem_slot_kind(e) == AEM_SLOT_STORED) ||
		    !aem_st_check(!aem_slot_frame(e)) ||
		    !aem_st_check(aem_slot_stored_handle(e) == fit[i]))
			err = -EINVAL;
	}
	/* A frame pointer (only its value is used: any aligned address). */
	e = aem_slot_mk_frame(obj);
	if (!aem_st_check(aem_slot_kind(NULL) == AEM_SLOT_NONE) ||
	    !aem_st_check(!aem_slot_frame(NULL)) ||
	    !aem_st_check(aem_slot_kind(e) == AEM_SLOT_FRAME) ||
	    !aem_st_check(!aem_slot_is_stored(e)) ||
	    !aem_st_check(aem_slot_frame(e) == obj) ||
	    !aem_st_check(!aem_slot_shared(e)))
		err = -EINVAL;
	/* A stored shared frame: its object back, no frame, stored. */
	e = aem_slot_mk_shared(obj);
	if (!aem_st_check(aem_slot_kind(e) == AEM_SLOT_SHARED_STORED) ||
	    !aem_st_check(aem_slot_is_stored(e)) ||
	    !aem_st_check(!aem_slot_frame(e)) ||
	    !aem_st_check((void *)aem_slot_shared(e) == obj) ||
	    !aem_st_check(!xa_is_internal(e)))
		err = -EINVAL;
	for (i = 0; i < ARRAY_SIZE(unfit); i++)
		if (!aem_st_check(!aem_slot_handle_fits(unfit[i])))
			err = -EINVAL;
	kfree(obj);
	return err;
}

/* Two store backends that never hold a page: only their identity counts. */
static int aem_st_store(struct aem_frame *frame, unsigned long *handle)
{
	return -ENOSPC;
}

static int aem_st_load(unsigned long handle, struct aem_frame *frame)
{
	return -EIO;
}

static void aem_st_release(unsigned long handle)
{
}

static const struct aem_store_ops aem_st_store_a = {
	.store = aem_st_store, .load = aem_st_load, .release = aem_st_release,
};

static const struct aem_store_ops aem_st_store_b = {
	.store = aem_st_store, .load = aem_st_load, .release = aem_st_release,
};

/* Registers backend B over and over until it is in (or told to stop). */
static int aem_st_store_racer(void *arg)
{
	atomic_t *tries = arg;

	while (!kthread_should_stop()) {
		atomic_inc(tries);
		if (!aem_register_store(&aem_st_store_b))
			break;
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* The table a new store would go to now (NULL: none may start). */
static const struct aem_store_ops *aem_st_storing(void)
{
	const struct aem_store_ops *ops;
	int idx;

	ops = aem_store_get(&idx, true);
	aem_store_put(idx);
	return ops;
}

/*
 * Two store backends race: A unregisters while B registers.  Once A is
 * closing, B's attempts fail with -EBUSY and change nothing: no store
 * starts into A (the bug: B's attempt cleared "closing" and then failed,
 * reopening A to new pages on its way out).  B gets in once A is gone.
 * First the exact interleaving, then a thread hammering registration
 * while A closes and goes.
 */
static int aem_st_store_race(struct aem_zone *zone)
{
	struct task_struct *racer;
	atomic_t tries = ATOMIC_INIT(0);
	int i, err = 0;

	if (aem_register_store(&aem_st_store_a))
		return -EBUSY;	/* a real backend is there: leave it */
	if (!aem_st_check(aem_register_store(&aem_st_store_b) == -EBUSY) ||
	    !aem_st_check(aem_st_storing() == &aem_st_store_a))
		err = -EINVAL;
	aem_store_close(&aem_st_store_a);
	if (!aem_st_check(aem_register_store(&aem_st_store_b) == -EBUSY) ||
	    !aem_st_check(!aem_st_storing()))
		err = -EINVAL;
	if (!aem_st_check(!aem_unregister_store(&aem_st_store_a)))
		err = -EINVAL;
	if (!aem_st_check(!aem_register_store(&aem_st_store_b)) ||
	    !aem_st_check(aem_st_storing() == &aem_st_store_b))
		err = -EINVAL;
	aem_unregister_store(&aem_st_store_b);
	if (err)
		return err;

	/* The same, with B registering from another thread throughout. */
	if (aem_register_store(&aem_st_store_a))
		return -EBUSY;
	racer = kthread_run(aem_st_store_racer, &tries, "aem_st_race");
	if (IS_ERR(racer)) {
		aem_unregister_store(&aem_st_store_a);
		return PTR_ERR(racer);
	}
	while (atomic_read(&tries) < 100)
		cond_resched();
	aem_store_close(&aem_st_store_a);
	for (i = 0; i < 10000 && !err; i++) {
		if (!aem_st_check(!aem_st_storing()))
			err = -EINVAL;
		cond_resched();
	}
	if (!aem_st_check(!aem_unregister_store(&aem_st_store_a)))
		err = -EINVAL;
	/* B gets in now. */
	for (i = 0; i < 100 && aem_st_storing() != &aem_st_store_b; i++)
		msleep(20);
	if (!aem_st_check(aem_st_storing() == &aem_st_store_b))
		err = -EINVAL;
	kthread_stop(racer);
	if (aem_st_storing() == &aem_st_store_b)
		aem_unregister_store(&aem_st_store_b);
	return err;
}

/*
 * aem_split_block(): an order-3 block becomes eight order-0 allocations,
 * freed one by one in any order; the buddy lists merge them back.
 */
static int aem_st_split(struct aem_zone *zone)
{
	unsigned int flags = aem_st_zone_flags(zone, AETHER_MM_MT_MOVABLE);
	static const unsigned int order[8] = { 5, 0, 7, 2, 4, 1, 6, 3 };
	struct aem_frame *f, *found;
	unsigned long irqflags;
	unsigned int i;
	int err = 0;

	f = aem_alloc_pages(zone->node->nid, 3, flags);
	if (!f)
		return -ENOMEM;
	aem_split_block(f, 3);
	for (i = 0; i < 8; i++)
		if (!aem_st_check(aem_frame_order(f + i) == 0 &&
				  atomic_read(&f[i].refcount) == 1 &&
				  READ_ONCE(f[i].state) == AEM_FS_ALLOC))
			err = -EINVAL;
	for (i = 0; i < 8; i++)
		aem_free_pages(f + order[i], 0);
	aem_drain_all_pcp();
	spin_lock_irqsave(&zone->lock, irqflags);
	found = aem_find_free_block(f->chunk, aem_frame_idx(f));
	if (!aem_st_check(found && found->order >= 3))
		err = -EINVAL;
	spin_unlock_irqrestore(&zone->lock, irqflags);
	return err;
}

/*
 * A block of a SECURE region is wiped as it goes back to the pool
 * (aem_free_prep()), and the hibernation veto answers as it should
 * (region/secure.c).
 */
static int aem_st_secure(struct aem_zone *zone)
{
	unsigned int flags = AEM_ZONE(zone->idx) | AEM_ALLOC_NOGROW |
			     AEM_MT(AETHER_MM_MT_UNMOVABLE) |
			     AEM_OWNER(AEM_OWNER_SECURE);
	struct aem_frame *f;
	unsigned int i;
	int err = 0;
	void *p;

	f = aem_alloc_pages(zone->node->nid, 1, flags);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		p = kmap_local_page(aem_frame_page(f) + i);
		memset(p, 0xa5, PAGE_SIZE);
		kunmap_local(p);
	}
	aem_free_pages(f, 1);
	/* Free now, on a list: nobody else writes it. */
	for (i = 0; i < 2; i++) {
		p = kmap_local_page(aem_frame_page(f) + i);
		if (!aem_st_check(!memchr_inv(p, 0, PAGE_SIZE)))
			err = -EINVAL;
		kunmap_local(p);
	}
	if (!aem_st_check(!aem_secure_selftest()))
		err = -EINVAL;
	return err;
}

/**
 * aem_selftest_run - run every self-test on the first clean zone
 *
 * Return: 0 when all pass, else the first error.
 */
/* The per-user bound's table and arithmetic (user.c). */
static int aem_st_user(struct aem_zone *zone)
{
	return aem_user_selftest();
}

/* A new shared frame's copy and checksum in one pass (share.c). */
static int aem_st_share_copy(struct aem_zone *zone)
{
	return aem_share_selftest();
}

/*
 * Growth in reclaim, as kswapd does it when aether_zram stores a page
 * into a span of the pool and the pool must grow: fs_reclaim held, the
 * task marked PF_MEMALLOC.  A growth that allocated from Linux holding
 * resize_lock (as the node's first chunks are, at load, with GFP_KERNEL)
 * would close resize_lock -> fs_reclaim -> resize_lock, which lockdep
 * reports on a debug kernel (the box fails on the report).  Run last: a
 * chunk it adds stays until the shrinker gives it back.
 */
static int aem_st_grow_in_reclaim(struct aem_zone *zone)
{
	unsigned int noreclaim;
	int err;

	fs_reclaim_acquire(GFP_KERNEL);
	noreclaim = memalloc_noreclaim_save();
	err = aem_node_grow(zone->node, GFP_KERNEL);
	memalloc_noreclaim_restore(noreclaim);
	fs_reclaim_release(GFP_KERNEL);
	if (!aem_st_check(!err || err == -ENOSPC || err == -ENOMEM))
		return -EINVAL;
	return 0;
}

int aem_selftest_run(void)
{
	static int (* const tests[])(struct aem_zone *) = {
		aem_st_frag, aem_st_split_merge, aem_st_pcp, aem_st_fallback,
		aem_st_reserve, aem_st_track_report, aem_st_fill_and_merge,
		aem_st_vmap, aem_st_policy_may_open, aem_st_policy_admit,
		aem_st_split, aem_st_store_race, aem_st_slot_handles,
		aem_st_handles, aem_st_user, aem_st_share_copy, aem_st_secure,
		aem_st_grow_in_reclaim,
	};
	struct aem_zone *zone = aem_st_zone();
	unsigned int i;
	int err;

	if (!zone) {
		pr_err("selftest: no zone with a free chunk\n");
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		err = tests[i](zone);
		if (err) {
			pr_err("selftest %u of %zu failed (%d)\n", i + 1,
			       ARRAY_SIZE(tests), err);
			return err;
		}
	}
	pr_info("selftest: %zu tests passed on node %d zone %s\n",
		ARRAY_SIZE(tests), zone->node->nid, aem_zone_name(zone->idx));
	return 0;
}
