/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region/slot.h - what a layer slot holds, behind accessors
 *
 * A layer's xarray maps a data page index to one packed entry.  Nothing
 * but the accessors below looks at how it is packed (as zram keeps its
 * table behind zram_get_handle() and zram_test_flag()); the rest of
 * region/ asks aem_slot_kind(), aem_slot_frame(), aem_slot_is_stored()
 * and aem_slot_stored_handle(), and builds entries with aem_slot_mk_frame()
 * and aem_slot_mk_stored().
 *
 *   kind		entry				meaning
 *   AEM_SLOT_NONE	NULL				nothing in this layer:
 *							the index resolves
 *							further down the chain
 *   AEM_SLOT_FRAME	struct aem_frame *, bits 2..0	the layer's own frame
 *			clear (frames are 8-byte
 *			aligned)
 *   AEM_SLOT_STORED	xarray value entry (bit 0 set)	a page the store
 *							backend holds: its
 *							handle
 *   AEM_SLOT_SHARED_STORED struct aem_shared *, bit 2	a shared frame
 *			set, bits 1..0 clear (not an	(share.c) whose
 *			xarray internal entry)		content reclaim put
 *							in the store, once
 *							for all its users:
 *							the slot resolves
 *							through the struct
 *							aem_shared, which
 *							keeps the handle
 *
 * A slot holding a shared frame holds the frame pointer itself
 * (AEM_SLOT_FRAME) while the frame is resident; reclaim repoints every
 * user's slot to AEM_SLOT_SHARED_STORED before the frame goes, and a
 * fault on one repoints that slot (only) to the frame loaded back
 * (share.c, "Stored shared frames").  A slot of either stored kind has no
 * frame: aem_slot_is_stored() is true for both, aem_slot_frame() NULL;
 * only a plain stored page has a handle (aem_slot_stored_handle()).
 *
 * A stored handle is kept in a value entry, which has one bit fewer than
 * a handle: the handle is kept as its low BITS_PER_LONG - 1 bits and
 * sign-extended back.  So a handle fits when its top two bits agree:
 * small ids (below 2^62 on 64-bit) and kernel pointers (above 2^64 -
 * 2^62, i.e. 0xc000... and up: every kernel address of x86-64 and arm64),
 * which is what a zsmalloc-style store returns.  Other handles are
 * refused (-ERANGE).
 *
 * Entries change under the slot lock of their index (region.h).
 */
#ifndef _AETHER_MM_REGION_SLOT_H
#define _AETHER_MM_REGION_SLOT_H

#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/xarray.h>
#include "../frame.h"

enum aem_slot_kind {
	AEM_SLOT_NONE,
	AEM_SLOT_FRAME,
	AEM_SLOT_STORED,
	AEM_SLOT_SHARED_STORED,
};

struct aem_shared;

/* Bits of a pointer entry that a frame pointer leaves clear. */
#define AEM_SLOT_PTR_TAGS	7UL
/* The tag of a stored shared frame's entry (struct aem_shared is kmalloc()ed). */
#define AEM_SLOT_SHARED_TAG	4UL
static_assert(__alignof__(struct aem_frame) > AEM_SLOT_PTR_TAGS);

static inline enum aem_slot_kind aem_slot_kind(const void *e)
{
	if (!e)
		return AEM_SLOT_NONE;
	if (xa_is_value(e))
		return AEM_SLOT_STORED;
	if (((unsigned long)e & AEM_SLOT_PTR_TAGS) == AEM_SLOT_SHARED_TAG)
		return AEM_SLOT_SHARED_STORED;
	return AEM_SLOT_FRAME;
}

/* Is the page of @e in the store (either kind): no frame, a handle. */
static inline bool aem_slot_is_stored(const void *e)
{
	enum aem_slot_kind k = aem_slot_kind(e);

	return k == AEM_SLOT_STORED || k == AEM_SLOT_SHARED_STORED;
}

/* The stored shared frame an entry holds, or NULL when it holds none. */
static inline struct aem_shared *aem_slot_shared(const void *e)
{
	return aem_slot_kind(e) == AEM_SLOT_SHARED_STORED ?
	       (struct aem_shared *)((unsigned long)e & ~AEM_SLOT_PTR_TAGS) :
	       NULL;
}

static inline void *aem_slot_mk_shared(struct aem_shared *s)
{
	return (void *)((unsigned long)s | AEM_SLOT_SHARED_TAG);
}

/* The frame an entry holds, or NULL when it holds none. */
static inline struct aem_frame *aem_slot_frame(const void *e)
{
	return aem_slot_kind(e) == AEM_SLOT_FRAME ? (struct aem_frame *)e :
						     NULL;
}

static inline void *aem_slot_mk_frame(struct aem_frame *f)
{
	return f;
}

static inline bool aem_slot_handle_fits(unsigned long handle)
{
	return (long)(handle << 1) >> 1 == (long)handle;
}

static inline void *aem_slot_mk_stored(unsigned long handle)
{
	return xa_mk_value(handle & LONG_MAX);
}

/* The handle of an AEM_SLOT_STORED entry (not of AEM_SLOT_SHARED_STORED). */
static inline unsigned long aem_slot_stored_handle(const void *e)
{
	WARN_ON_ONCE(aem_slot_kind(e) != AEM_SLOT_STORED);
	return (unsigned long)((long)(xa_to_value(e) << 1) >> 1);
}

#endif /* _AETHER_MM_REGION_SLOT_H */
