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
 *
 * Room for the kinds page merging will add: a pointer entry with bit 2
 * set and bits 1..0 clear is neither of the above and is not an xarray
 * internal entry, so a merged (shared) frame can be its frame pointer
 * with bit 2 set, and a page known to be zero bit 2 alone; both go into
 * aem_slot_kind() and the constructors here, and nowhere else.
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

#include <linux/build_bug.h>
#include <linux/xarray.h>
#include "../frame.h"

enum aem_slot_kind {
	AEM_SLOT_NONE,
	AEM_SLOT_FRAME,
	AEM_SLOT_STORED,
};

/* Bits of a pointer entry that a frame pointer leaves clear. */
#define AEM_SLOT_PTR_TAGS	7UL
static_assert(__alignof__(struct aem_frame) > AEM_SLOT_PTR_TAGS);

static inline enum aem_slot_kind aem_slot_kind(const void *e)
{
	if (!e)
		return AEM_SLOT_NONE;
	if (xa_is_value(e))
		return AEM_SLOT_STORED;
	return AEM_SLOT_FRAME;
}

static inline bool aem_slot_is_stored(const void *e)
{
	return aem_slot_kind(e) == AEM_SLOT_STORED;
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

/* The handle of an AEM_SLOT_STORED entry. */
static inline unsigned long aem_slot_stored_handle(const void *e)
{
	return (unsigned long)((long)(xa_to_value(e) << 1) >> 1);
}

#endif /* _AETHER_MM_REGION_SLOT_H */
