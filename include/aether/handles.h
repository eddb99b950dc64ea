/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether/handles.h - the handle tables of an open Aether device
 *
 * Nothing the kernel knows by address leaves a device: what an open file
 * holds (a block, an object, a cache, a reservation) is named by a
 * number that means something on that file only.  A table files objects
 * of one kind under cyclic ids 1..U32_MAX and gives out
 *
 *	handle = (cookie << 32) | id
 *
 * where the cookie is drawn once per table from a counter of aether_mm
 * and is never 0, so that a handle of another file, or of an object freed
 * a moment ago, misses with -ENOENT instead of naming somebody else's
 * memory.  A table made without a cookie gives out plain ids (cookie 0):
 * a number with any of its upper 32 bits set, or 0, names nothing.
 *
 * An object moves through three states as far as the table is concerned:
 *
 *	added:     aem_handle_add(), or ALLOC's many at once with
 *		   aem_handles_alloc_user()
 *	removed:   aem_handle_remove() hands it back to the caller; FREE's
 *		   all-or-nothing aem_handles_free_user() puts it
 *	destroyed: aem_handles_destroy() at release puts whatever is left
 *
 * Every function but aem_handles_init() and aem_handles_free_user() runs
 * with the table's lock held (the open file's mutex, named at init).  A
 * table owns its objects: on every path that drops one (a failed add, a
 * give-out whose copy to userspace failed, FREE, destroy) it calls the
 * @put named at init, with the lock held.
 */
#ifndef _AETHER_HANDLES_H
#define _AETHER_HANDLES_H

#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* Marks an object already named once by the FREE call being checked. */
#define AEM_HANDLE_FREEING	XA_MARK_1

/**
 * struct aem_handles - one handle table of one open file
 * @xa:		id -> object
 * @lock:	the file's mutex, which protects everything here
 * @put:	gives an object back (process context, may sleep)
 * @gfp:	flags for the table's own memory
 * @next:	cursor for cyclic ids
 * @cookie:	upper half of every handle, 0 for a table of plain ids
 */
struct aem_handles {
	struct xarray xa;
	struct mutex *lock;	/* the open file's, not the table's */
	void (*put)(void *obj);
	gfp_t gfp;
	u32 next;
	u32 cookie;
};

void aem_handles_init(struct aem_handles *h, struct mutex *lock,
		      void (*put)(void *obj), gfp_t gfp, bool cookie);
void aem_handles_destroy(struct aem_handles *h);

int aem_handle_add(struct aem_handles *h, void *obj, u64 *handle);
void *aem_handle_lookup(struct aem_handles *h, u64 handle);
void *aem_handle_remove(struct aem_handles *h, u64 handle);
int aem_handle_give(struct aem_handles *h, u64 handle, void __user *uarg,
		    const void *src, size_t ksize);

int aem_handles_alloc_user(struct aem_handles *h, void *(*new)(void *arg),
			   void *arg, u32 *count, u64 uhandles,
			   void __user *uarg, const void *src, size_t ksize);
int aem_handles_free(struct aem_handles *h, const u64 *handles,
		     unsigned int nr);
int aem_handles_free_user(struct aem_handles *h, u64 uhandles, u32 count,
			  u32 max);

#endif /* _AETHER_HANDLES_H */
