// SPDX-License-Identifier: GPL-2.0
/*
 * handles.c - the handle tables of every open Aether device
 *
 * DOC: Overview
 *
 * An open file of /dev/aether_mm, /dev/aether_slub and the devices still
 * to come holds its objects in handle tables (include/aether/handles.h):
 * an xarray of cyclic ids 1..U32_MAX behind a per-table cookie, so that a
 * handle given to userspace names one object of one file and nothing
 * else.  What the devices share is here, once:
 *
 *  - the handle itself, (cookie << 32) | id, and its lookup, which checks
 *    the cookie before the id;
 *  - giving a new handle out: the object is filed, the struct that names
 *    it is copied to the caller, and if that copy fails the object is put
 *    again, so a handle the caller never learnt of does not pin memory
 *    until close;
 *  - ALLOC's bulk path: up to @count objects, stopping at the first
 *    failure or fatal signal, the handles copied out, and everything
 *    undone if they cannot be;
 *  - FREE, all or nothing: every handle is first looked up and marked
 *    (a handle named twice finds its mark and fails the call), and only
 *    when the whole array checks out is anything erased and put; a bad
 *    handle halfway through clears the marks and leaves the table exactly
 *    as it was (-ENOENT);
 *  - release: whatever is still filed is put.
 *
 * The objects are the module's: the table calls the @put it was given for
 * every object it drops.
 *
 * Lock order: the table takes no lock of its own.  Everything but
 * aem_handles_init() and aem_handles_free_user() runs under the open
 * file's mutex (@lock, asserted), which aem_handles_free_user() takes
 * itself; the module's @put and @new run under it and may sleep.
 */

#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <aether/handles.h>
#include <aether/ioctl.h>

#include "internal.h"

/* The last cookie drawn (the self-tests wrap it). */
atomic_t aem_handles_cookie = ATOMIC_INIT(0);

/* The cookie of the next table: any u32 but 0. */
static u32 aem_handles_next_cookie(void)
{
	u32 cookie;

	do {
		cookie = atomic_inc_return(&aem_handles_cookie);
	} while (!cookie);
	return cookie;
}

/**
 * aem_handles_init() - make an empty handle table
 * @h:		the table
 * @lock:	the open file's mutex, held around every later call
 * @put:	gives one object back; called with @lock held, may sleep
 * @gfp:	flags for the table's own memory (GFP_KERNEL_ACCOUNT when
 *		userspace decides how much there is)
 * @cookie:	true for handles behind a fresh cookie, false for plain ids
 */
void aem_handles_init(struct aem_handles *h, struct mutex *lock,
		      void (*put)(void *obj), gfp_t gfp, bool cookie)
{
	xa_init_flags(&h->xa, XA_FLAGS_ALLOC1);
	h->lock = lock;
	h->put = put;
	h->gfp = gfp;
	h->next = 0;
	h->cookie = cookie ? aem_handles_next_cookie() : 0;
}
EXPORT_SYMBOL_GPL(aem_handles_init);

/**
 * aem_handles_destroy() - put every object still filed, free the table
 * @h:	the table; its lock held
 *
 * For release(): the file is going, nobody else can reach @h.
 */
void aem_handles_destroy(struct aem_handles *h)
{
	unsigned long id;
	void *obj;

	lockdep_assert_held(h->lock);

	xa_for_each(&h->xa, id, obj) {
		h->put(obj);
		cond_resched();
	}
	xa_destroy(&h->xa);
}
EXPORT_SYMBOL_GPL(aem_handles_destroy);

static u64 aem_handle_of(const struct aem_handles *h, u32 id)
{
	return ((u64)h->cookie << 32) | id;
}

/**
 * aem_handle_add() - file an object under a fresh id
 * @h:		the table; its lock held
 * @obj:	the object, not NULL
 * @handle:	(out) its handle
 *
 * Return: 0, or -ENOMEM or -EBUSY (all ids in use); @obj is put then.
 */
int aem_handle_add(struct aem_handles *h, void *obj, u64 *handle)
{
	u32 id;
	int ret;

	lockdep_assert_held(h->lock);

	ret = xa_alloc_cyclic(&h->xa, &id, obj, XA_LIMIT(1, U32_MAX),
			      &h->next, h->gfp);
	if (ret < 0) {
		h->put(obj);
		return ret;
	}
	*handle = aem_handle_of(h, id);
	return 0;
}
EXPORT_SYMBOL_GPL(aem_handle_add);

/**
 * aem_handle_lookup() - the object a handle names
 * @h:		the table; its lock held
 * @handle:	as userspace gave it
 *
 * Return: the object, or NULL when @handle names nothing in @h (another
 * table's cookie, an id not in use, 0).
 */
void *aem_handle_lookup(struct aem_handles *h, u64 handle)
{
	lockdep_assert_held(h->lock);

	if (upper_32_bits(handle) != h->cookie)
		return NULL;
	return xa_load(&h->xa, lower_32_bits(handle));
}
EXPORT_SYMBOL_GPL(aem_handle_lookup);

/**
 * aem_handle_remove() - take an object out of the table, without putting it
 * @h:		the table; its lock held
 * @handle:	as userspace gave it
 *
 * Return: the object, now the caller's, or NULL when @handle names nothing.
 */
void *aem_handle_remove(struct aem_handles *h, u64 handle)
{
	void *obj = aem_handle_lookup(h, handle);

	if (obj)
		xa_erase(&h->xa, lower_32_bits(handle));
	return obj;
}
EXPORT_SYMBOL_GPL(aem_handle_remove);

/**
 * aem_handle_give() - tell the caller of a new handle
 * @h:		the table; its lock held
 * @handle:	just added
 * @uarg:	the command's struct in userspace
 * @src:	the command's struct, naming @handle
 * @ksize:	sizeof(*@src), already checked by aem_copy_in()
 *
 * Return: 0, or -EFAULT; the object is removed and put then.
 */
int aem_handle_give(struct aem_handles *h, u64 handle, void __user *uarg,
		    const void *src, size_t ksize)
{
	int ret;

	lockdep_assert_held(h->lock);

	ret = aem_copy_out(uarg, src, ksize);
	if (ret)
		h->put(aem_handle_remove(h, handle));
	return ret;
}
EXPORT_SYMBOL_GPL(aem_handle_give);

/* Remove and put the objects of the first @nr of @handles. */
static void aem_handles_undo(struct aem_handles *h, const u64 *handles,
			     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		h->put(aem_handle_remove(h, handles[i]));
}

/**
 * aem_handles_alloc_user() - ALLOC's bulk path
 * @h:		the table; its lock held
 * @new:	makes one object, NULL when it cannot; may sleep
 * @arg:	for @new
 * @count:	(in) how many to make, already checked against the command's
 *		limit; (out) how many were made, a field of @src so that the
 *		copy-out reports it
 * @uhandles:	the caller's array of at least *@count handles
 * @uarg:	the command's struct in userspace
 * @src:	the command's struct
 * @ksize:	sizeof(*@src), already checked by aem_copy_in()
 *
 * Makes objects until *@count are filed, @new or the table fails, or a
 * fatal signal is pending, then copies their handles and the struct out.
 *
 * Return: 0 when at least one was made and the caller learnt of all that
 * were; -ENOMEM when none was; -EFAULT when a copy failed (all undone).
 */
int aem_handles_alloc_user(struct aem_handles *h, void *(*new)(void *arg),
			   void *arg, u32 *count, u64 uhandles,
			   void __user *uarg, const void *src, size_t ksize)
{
	unsigned int n;
	u64 *handles;
	void *obj;
	int ret;

	lockdep_assert_held(h->lock);

	handles = kvmalloc_array(*count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	for (n = 0; n < *count; n++) {
		if (fatal_signal_pending(current))
			break;
		obj = new(arg);
		if (!obj || aem_handle_add(h, obj, &handles[n]))
			break;
		cond_resched();
	}
	ret = n ? 0 : -ENOMEM;
	*count = n;
	if (n && (copy_to_user(u64_to_user_ptr(uhandles), handles,
			       array_size(n, sizeof(*handles))) ||
		  aem_copy_out(uarg, src, ksize))) {
		aem_handles_undo(h, handles, n);
		ret = -EFAULT;
	}
	kvfree(handles);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_handles_alloc_user);

/*
 * Check every handle of a FREE call and mark its object; a handle that
 * names nothing, or whose object is already marked (named twice), stops
 * the check.  Returns how many were marked, @nr when all were.
 */
static unsigned int aem_handles_mark(struct aem_handles *h,
				     const u64 *handles, unsigned int nr)
{
	unsigned int i;
	u32 id;

	for (i = 0; i < nr; i++) {
		id = lower_32_bits(handles[i]);
		if (!aem_handle_lookup(h, handles[i]) ||
		    xa_get_mark(&h->xa, id, AEM_HANDLE_FREEING))
			break;
		xa_set_mark(&h->xa, id, AEM_HANDLE_FREEING);
	}
	return i;
}

/**
 * aem_handles_free() - FREE, all or nothing
 * @h:		the table; its lock held
 * @handles:	the handles to free
 * @nr:		how many
 *
 * Return: 0 when every handle named a distinct object, which is now
 * removed and put; -ENOENT otherwise, with the table as it was.
 */
int aem_handles_free(struct aem_handles *h, const u64 *handles,
		     unsigned int nr)
{
	unsigned int i, marked;
	u32 id;

	lockdep_assert_held(h->lock);

	marked = aem_handles_mark(h, handles, nr);
	for (i = 0; i < marked; i++) {
		id = lower_32_bits(handles[i]);
		if (marked < nr)
			xa_clear_mark(&h->xa, id, AEM_HANDLE_FREEING);
		else
			h->put(xa_erase(&h->xa, id));
	}
	return marked < nr ? -ENOENT : 0;
}
EXPORT_SYMBOL_GPL(aem_handles_free);

/**
 * aem_handles_free_user() - FREE of an array in userspace
 * @h:		the table; its lock NOT held (taken here)
 * @uhandles:	the caller's array
 * @count:	how many handles it holds
 * @max:	the command's limit on @count
 *
 * Return: 0, -EINVAL for a @count of 0 or above @max, -ENOMEM, -EFAULT,
 * or -ENOENT as aem_handles_free().
 */
int aem_handles_free_user(struct aem_handles *h, u64 uhandles, u32 count,
			  u32 max)
{
	u64 *handles;
	int ret;

	if (!count || count > max)
		return -EINVAL;
	handles = vmemdup_user(u64_to_user_ptr(uhandles),
			       array_size(count, sizeof(*handles)));
	if (IS_ERR(handles))
		return PTR_ERR(handles);

	mutex_lock(h->lock);
	ret = aem_handles_free(h, handles, count);
	mutex_unlock(h->lock);
	kvfree(handles);
	return ret;
}
EXPORT_SYMBOL_GPL(aem_handles_free_user);
