// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - poison, red zones, owner tracking and the reports they make
 *
 * DOC: Overview
 *
 * A cache created with any of ASLUB_CONSISTENCY, ASLUB_RED_ZONE,
 * ASLUB_POISON, ASLUB_STORE_USER (or loaded with debug=FZPU, like
 * slub_debug) is a debug cache.  Its objects never enter a magazine: each
 * allocation and free is done on the slab under the node's list_lock,
 * where the slot's struct aslub_meta says whether the object is free or
 * in use.  Each object moves through
 *
 *	FREE (poisoned 0x6b..0xa5, red zones 0xbb)
 *	  --alloc: poison and red zones checked, red zones set to 0xcc-->
 *	INUSE (owner stack recorded)
 *	  --free: state and red zones checked, poisoned again-->  FREE
 *
 * With ASLUB_RED_ZONE an object has two red zones, as SLUB's with
 * SLAB_RED_ZONE: one after it (up to the next word, and a word more) for
 * overflows, and one before it (slab.c, @red_left: a word, or the
 * alignment) for underflows, such as a write at index -1.
 *
 * and what can go wrong is caught as follows, each reported in the kernel
 * log with the cache, the object and the stacks that matter, and counted:
 *
 *	double free		free of an object whose state is FREE
 *	invalid free		a pointer that is not the start of an object
 *				of this cache (slab.c asks)
 *	red zone overwrite	bytes of either red zone changed, seen at
 *				free, allocation or validation (of free and
 *				used objects alike); they are restored
 *	write after free	poison changed, seen at allocation or
 *				validation; the poison is restored
 *	corrupt			state word or freelist damaged: the object is
 *				left alone rather than handed out twice
 *
 * A check never stops the kernel: reports are pr_err() lines with the
 * module's prefix and stacks printed with stack_depot_snprint() into the
 * same lines, never WARN() or dump_stack(), so a test box that runs with
 * panic_on_warn stays up and its log judge sees no "BUG:" or "WARNING:".
 *
 * The report of a refused destroy (live objects) is different: anyone who
 * can open the device can ask for it in a loop, so it is rate-limited, and
 * its stacks are printed after the list_lock is let go, from a copy of
 * the few owners it names.
 *
 * Locking: the checks run under the slab's node list_lock; the report
 * buffer has its own lock, aslub_report_lock, taken last.
 */

#include <linux/ctype.h>
#include <linux/jiffies.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "internal.h"
#include "trace.h"

#define ASLUB_STACK_DEPTH	16
#define ASLUB_REPORT_BUF	2048
#define ASLUB_LEAKS_SHOWN	4	/* live objects a destroy report names */

static DEFINE_SPINLOCK(aslub_report_lock);
static char aslub_report_buf[ASLUB_REPORT_BUF];
/* Reports of refused destroys: 10 per 5 s, as printk_ratelimited(). */
static DEFINE_RATELIMIT_STATE(aslub_leak_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

static const char * const aslub_err_names[ASLUB_NR_ERR] = {
	[AETHER_SLUB_ERR_DOUBLE_FREE] = "double free",
	[AETHER_SLUB_ERR_INVALID_FREE] = "invalid free",
	[AETHER_SLUB_ERR_REDZONE] = "red zone overwritten",
	[AETHER_SLUB_ERR_WRITE_AFTER_FREE] = "write after free",
	[AETHER_SLUB_ERR_CORRUPT] = "metadata corrupt",
};

/**
 * aslub_parse_debug() - cache flags from a slub_debug-like string
 * @str: letters F (consistency), Z (red zone), P (poison), U (user
 *	 tracking), any case; "-" or "" for none
 *
 * Return: the ASLUB_* flags, or UINT_MAX for an unknown letter.
 */
unsigned int aslub_parse_debug(const char *str)
{
	unsigned int flags = 0;

	for (; str && *str && *str != '\n'; str++) {
		switch (tolower(*str)) {
		case 'f':
			flags |= ASLUB_CONSISTENCY;
			break;
		case 'z':
			flags |= ASLUB_RED_ZONE;
			break;
		case 'p':
			flags |= ASLUB_POISON;
			break;
		case 'u':
			flags |= ASLUB_STORE_USER;
			break;
		case '-':
			break;
		default:
			return UINT_MAX;
		}
	}
	return flags;
}

/**
 * aslub_debug_init() - get the stack depot ready when tracking is asked for
 *
 * Return: 0, or the error of stack_depot_init().
 */
int aslub_debug_init(void)
{
	if (aslub_debug_flags & ASLUB_STORE_USER)
		return stack_depot_init();
	return 0;
}

/**
 * aslub_save_stack() - record the caller's stack for a tracking cache
 * @s: the cache
 * @gfp: how the stack depot may get memory
 *
 * Return: a stack depot handle, 0 when none could be saved.
 */
depot_stack_handle_t aslub_save_stack(struct aslub_cache *s, gfp_t gfp)
{
	unsigned long entries[ASLUB_STACK_DEPTH];
	unsigned int nr;

	if (!(s->flags & ASLUB_STORE_USER))
		return 0;
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	return stack_depot_save(entries, nr, gfp & ~__GFP_DIRECT_RECLAIM);
}

static void aslub_track_set(struct aslub_track *t, depot_stack_handle_t stack)
{
	t->stack = stack;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
	t->when = jiffies;
}

/* One stack, line by line, in pr_err() lines of our own; @buf to print in. */
static void __aslub_print_stack(const char *what, const struct aslub_track *t,
				char *buf)
{
	char *line, *next;
	int len;

	if (!t->stack) {
		pr_err("  %s: no stack recorded\n", what);
		return;
	}
	pr_err("  %s by cpu %d pid %d, %u ms ago:\n", what, t->cpu, t->pid,
	       jiffies_to_msecs(jiffies - t->when));
	if (!buf)
		return;
	len = stack_depot_snprint(t->stack, buf, ASLUB_REPORT_BUF, 0);
	buf[min_t(int, len, ASLUB_REPORT_BUF - 1)] = '\0';
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		pr_err("    %s\n", line);
	}
}

/* The same in the shared buffer, under aslub_report_lock. */
static void aslub_print_stack(const char *what, const struct aslub_track *t)
{
	lockdep_assert_held(&aslub_report_lock);

	__aslub_print_stack(what, t, aslub_report_buf);
}

/*
 * The report of one error: what, where, and the stacks the slot knows
 * (and @now, the stack of the call that found it, when there is one).
 */
static void aslub_report(struct aslub_cache *s, unsigned int err,
			 struct aslub_slab *slab, const void *obj,
			 const char *detail, depot_stack_handle_t now)
{
	struct aslub_track cur = { .stack = now };
	struct aslub_meta *meta = NULL;
	unsigned long flags;

	atomic_long_inc(&s->errors[err]);
	if (slab && s->meta_off)
		meta = aslub_meta(s, (void *)obj);
	aslub_track_set(&cur, now);

	spin_lock_irqsave(&aslub_report_lock, flags);
	pr_err("%s in cache %s: object %p (index %d of slab %p, %u bytes)%s%s\n",
	       aslub_err_names[err], s->name, obj,
	       slab ? (int)aslub_obj_index(s, slab, obj) : -1,
	       slab ? slab->addr : NULL, s->object_size,
	       detail ? ": " : "", detail ? detail : "");
	if (meta && (s->flags & ASLUB_STORE_USER)) {
		aslub_print_stack("allocated", &meta->alloc);
		aslub_print_stack("freed", &meta->free);
	}
	if (s->flags & ASLUB_STORE_USER)
		aslub_print_stack("found", &cur);
	pr_err("  %s: report %ld of this kind; the cache carries on\n",
	       s->name, atomic_long_read(&s->errors[err]));
	spin_unlock_irqrestore(&aslub_report_lock, flags);
}

/* First byte of [@p, @p + @len) that is not @c, or NULL. */
static u8 *aslub_first_diff(u8 *p, u8 c, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return p + i;
	return NULL;
}

static void aslub_poison(struct aslub_cache *s, void *obj)
{
	memset(obj, ASLUB_POISON_FREE, s->object_size - 1);
	((u8 *)obj)[s->object_size - 1] = ASLUB_POISON_END;
}

/* NULL when the poison of a free object is intact, else the first change. */
static u8 *aslub_poison_diff(struct aslub_cache *s, void *obj)
{
	u8 *last = (u8 *)obj + s->object_size - 1, *bad;

	bad = aslub_first_diff(obj, ASLUB_POISON_FREE, s->object_size - 1);
	if (bad)
		return bad;
	return *last == ASLUB_POISON_END ? NULL : last;
}

/* Last byte of [@p, @p + @len) that is not @c (nearest the object), or NULL. */
static u8 *aslub_last_diff(u8 *p, u8 c, unsigned int len)
{
	while (len--)
		if (p[len] != c)
			return p + len;
	return NULL;
}

/* Both red zones of @obj set to @val. */
static void aslub_set_redzones(struct aslub_cache *s, void *obj, u8 val)
{
	memset(obj - s->red_left, val, s->red_left);
	memset(obj + s->rz_off, val, s->rz_len);
}

/* Check the red zones are @val; report, count and restore each if not. */
static int aslub_check_redzone(struct aslub_cache *s, struct aslub_slab *slab,
			       void *obj, u8 val, depot_stack_handle_t now)
{
	u8 *left = obj - s->red_left, *right = obj + s->rz_off, *bad;
	char detail[64];
	int errors = 0;

	if (!(s->flags & ASLUB_RED_ZONE))
		return 0;
	bad = aslub_last_diff(left, val, s->red_left);
	if (bad) {
		snprintf(detail, sizeof(detail),
			 "byte %u before the start is 0x%02x, not 0x%02x",
			 (unsigned int)((u8 *)obj - bad), *bad, val);
		aslub_report(s, AETHER_SLUB_ERR_REDZONE, slab, obj, detail, now);
		memset(left, val, s->red_left);
		errors++;
	}
	bad = aslub_first_diff(right, val, s->rz_len);
	if (bad) {
		snprintf(detail, sizeof(detail),
			 "byte %u past the end is 0x%02x, not 0x%02x",
			 (unsigned int)(bad - right), *bad, val);
		aslub_report(s, AETHER_SLUB_ERR_REDZONE, slab, obj, detail, now);
		memset(right, val, s->rz_len);
		errors++;
	}
	return errors;
}

/* Check the poison of a free object; report, count and restore it if not. */
static int aslub_check_poison(struct aslub_cache *s, struct aslub_slab *slab,
			      void *obj, depot_stack_handle_t now)
{
	char detail[64];
	u8 *bad;

	if (!(s->flags & ASLUB_POISON))
		return 0;
	bad = aslub_poison_diff(s, obj);
	if (!bad)
		return 0;
	snprintf(detail, sizeof(detail), "byte %u is 0x%02x after the free",
		 (unsigned int)(bad - (u8 *)obj), *bad);
	aslub_report(s, AETHER_SLUB_ERR_WRITE_AFTER_FREE, slab, obj, detail,
		     now);
	aslub_poison(s, obj);
	return 1;
}

/**
 * aslub_debug_slab_init() - set every slot of a new debug slab free
 * @s: the cache
 * @slab: the new slab, on no list yet
 */
void aslub_debug_slab_init(struct aslub_cache *s, struct aslub_slab *slab)
{
	struct aslub_meta *meta;
	unsigned int i;
	void *obj;

	for (i = 0; i < s->objects; i++) {
		obj = slab->base + i * s->size;
		if (s->flags & ASLUB_POISON)
			aslub_poison(s, obj);
		if (s->flags & ASLUB_RED_ZONE)
			aslub_set_redzones(s, obj, ASLUB_RED_INACTIVE);
		meta = aslub_meta(s, obj);
		memset(meta, 0, sizeof(*meta));
		meta->state = ASLUB_OBJ_FREE;
	}
}

/**
 * aslub_debug_alloc() - checks and tracking for an object being handed out
 * @s: the cache
 * @slab: its slab, whose node's list_lock is held
 * @obj: the object, just taken off the freelist
 * @stack: the allocating stack, or 0
 */
void aslub_debug_alloc(struct aslub_cache *s, struct aslub_slab *slab,
		       void *obj, depot_stack_handle_t stack)
{
	struct aslub_meta *meta = aslub_meta(s, obj);

	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	if (meta->state != ASLUB_OBJ_FREE)
		aslub_report(s, AETHER_SLUB_ERR_CORRUPT, slab, obj,
			     "object on the freelist is not marked free",
			     stack);
	aslub_check_poison(s, slab, obj, stack);
	aslub_check_redzone(s, slab, obj, ASLUB_RED_INACTIVE, stack);
	if (s->flags & ASLUB_RED_ZONE)
		aslub_set_redzones(s, obj, ASLUB_RED_ACTIVE);
	meta->state = ASLUB_OBJ_INUSE;
	aslub_track_set(&meta->alloc, stack);
	trace_aslub_alloc(s, obj, slab->nid);
}

/**
 * aslub_debug_free() - checks and tracking for an object being freed
 * @s: the cache
 * @slab: its slab, whose node's list_lock is held
 * @obj: the start of one of its objects
 * @stack: the freeing stack, or 0
 *
 * Return: true when the object may go back on the freelist; false for a
 * double free or a damaged state word, both reported and counted.
 */
bool aslub_debug_free(struct aslub_cache *s, struct aslub_slab *slab,
		      void *obj, depot_stack_handle_t stack)
{
	struct aslub_meta *meta = aslub_meta(s, obj);

	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	if (meta->state == ASLUB_OBJ_FREE) {
		aslub_report(s, AETHER_SLUB_ERR_DOUBLE_FREE, slab, obj,
			     "already free", stack);
		return false;
	}
	if (meta->state != ASLUB_OBJ_INUSE) {
		aslub_report(s, AETHER_SLUB_ERR_CORRUPT, slab, obj,
			     "state word damaged, object left alone", stack);
		return false;
	}
	aslub_check_redzone(s, slab, obj, ASLUB_RED_ACTIVE, stack);
	meta->state = ASLUB_OBJ_FREE;
	aslub_track_set(&meta->free, stack);
	if (s->flags & ASLUB_POISON)
		aslub_poison(s, obj);
	if (s->flags & ASLUB_RED_ZONE)
		aslub_set_redzones(s, obj, ASLUB_RED_INACTIVE);
	trace_aslub_free(s, obj, slab->nid);
	return true;
}

/**
 * aslub_debug_invalid_free() - report a free of something not an object
 * @s: the cache the caller named
 * @obj: the pointer
 * @why: what is wrong with it
 */
void aslub_debug_invalid_free(struct aslub_cache *s, const void *obj,
			      const char *why)
{
	struct aslub_slab *slab = aslub_obj_slab(obj);
	const void *first = slab ? slab->base - s->red_left : NULL;

	/* Inside a slot of this cache: name the object it points into. */
	if (slab && slab->cache == s && obj >= first &&
	    obj < first + s->objects * s->size)
		obj = slab->base + aslub_obj_index(s, slab, obj) * s->size;
	else
		slab = NULL;
	aslub_report(s, AETHER_SLUB_ERR_INVALID_FREE, slab, obj, why,
		     aslub_save_stack(s, GFP_NOWAIT));
}

/**
 * aslub_debug_check_free_obj() - validate one free object of a debug cache
 * @s: the cache
 * @slab: its slab, whose node's list_lock is held
 * @obj: an object on the slab's freelist
 *
 * Return: problems found (reported, counted and repaired).
 */
int aslub_debug_check_free_obj(struct aslub_cache *s,
			       struct aslub_slab *slab, void *obj)
{
	struct aslub_meta *meta = aslub_meta(s, obj);
	int errors;

	if (meta->state != ASLUB_OBJ_FREE) {
		aslub_report(s, AETHER_SLUB_ERR_CORRUPT, slab, obj,
			     "object on the freelist is not marked free", 0);
		return 1;
	}
	errors = aslub_check_poison(s, slab, obj, 0);
	return errors + aslub_check_redzone(s, slab, obj, ASLUB_RED_INACTIVE, 0);
}

/**
 * aslub_debug_check_used_objs() - check the red zones of a slab's used objects
 * @s: the cache, with ASLUB_RED_ZONE (else nothing to check)
 * @slab: its slab, whose node's list_lock is held
 *
 * Return: problems found (reported, counted and repaired).
 */
int aslub_debug_check_used_objs(struct aslub_cache *s, struct aslub_slab *slab)
{
	unsigned int i;
	int errors = 0;
	void *obj;

	lockdep_assert_held(&s->node[slab->nid]->list_lock);

	if (!(s->flags & ASLUB_RED_ZONE))
		return 0;
	for (i = 0; i < s->objects; i++) {
		obj = slab->base + i * s->size;
		if (aslub_meta(s, obj)->state == ASLUB_OBJ_INUSE)
			errors += aslub_check_redzone(s, slab, obj,
						      ASLUB_RED_ACTIVE, 0);
	}
	return errors;
}

/**
 * struct aslub_leak - a live object a destroy report names
 * @obj:	the object (printed hashed)
 * @alloc:	who allocated it
 */
struct aslub_leak {
	const void *obj;
	struct aslub_track alloc;
};

/* Copy up to @left live objects of one list, with their owners, to @out. */
static unsigned int aslub_leaks_of_list(struct aslub_cache *s,
					struct list_head *head,
					struct aslub_leak *out,
					unsigned int left)
{
	struct aslub_slab *slab;
	struct aslub_meta *meta;
	unsigned int shown = 0, i;
	void *obj;

	list_for_each_entry(slab, head, list) {
		for (i = 0; i < s->objects && shown < left; i++) {
			obj = slab->base + i * s->size;
			meta = aslub_meta(s, obj);
			if (meta->state != ASLUB_OBJ_INUSE)
				continue;
			out[shown].obj = obj;
			out[shown].alloc = meta->alloc;
			shown++;
		}
	}
	return shown;
}

/* Up to @left live objects of a tracking cache into @out; how many. */
static unsigned int aslub_leaks_collect(struct aslub_cache *s,
					struct aslub_leak *out,
					unsigned int left)
{
	unsigned int got = 0;
	struct aslub_node *n;
	unsigned long flags;
	int nid;

	for (nid = 0; nid < ASLUB_MAX_NODES && got < left; nid++) {
		n = s->node[nid];
		if (!n)
			continue;
		spin_lock_irqsave(&n->list_lock, flags);
		got += aslub_leaks_of_list(s, &n->partial, out + got,
					   left - got);
		got += aslub_leaks_of_list(s, &n->full, out + got, left - got);
		spin_unlock_irqrestore(&n->list_lock, flags);
	}
	return got;
}

/**
 * aslub_report_leaks() - say why a cache cannot be destroyed
 * @s: the cache
 * @live: objects still allocated
 *
 * Rate-limited (aslub_leak_rs); the stacks of a tracking cache are copied
 * under the list_lock and printed without any lock held.
 *
 * Context: process context, may sleep.
 */
void aslub_report_leaks(struct aslub_cache *s, unsigned long live)
{
	struct aslub_leak leaks[ASLUB_LEAKS_SHOWN];
	unsigned int nr, i;
	char *buf;

	if (!__ratelimit(&aslub_leak_rs))
		return;
	pr_err("cache %s: destroy refused, %lu objects still allocated\n",
	       s->name, live);
	if (!(s->flags & ASLUB_STORE_USER))
		return;
	nr = aslub_leaks_collect(s, leaks, ARRAY_SIZE(leaks));
	buf = kmalloc(ASLUB_REPORT_BUF, GFP_KERNEL | __GFP_NOWARN);
	for (i = 0; i < nr; i++) {
		pr_err("  live object %p\n", leaks[i].obj);
		__aslub_print_stack("allocated", &leaks[i].alloc, buf);
	}
	kfree(buf);
}

/*
 * Write into the free object @obj, on purpose, but only while its slab is
 * still on one of the cache's lists (under the list_lock), so that the
 * write can never land on a page the pool has taken back.
 */
static bool aslub_scribble_free(struct aslub_cache *s, void *obj)
{
	struct aslub_slab *slab = aslub_obj_slab(obj);
	struct aslub_node *n;
	unsigned long flags;
	bool done = false;

	if (!slab || slab->cache != s)
		return false;
	n = s->node[slab->nid];
	spin_lock_irqsave(&n->list_lock, flags);
	if (slab->magic == ASLUB_SLAB_MAGIC && !list_empty(&slab->list) &&
	    aslub_meta(s, obj)->state == ASLUB_OBJ_FREE) {
		((u8 *)obj)[s->object_size / 2] ^= 0x5a;
		done = true;
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	return done;
}

static long aslub_errors(struct aslub_cache *s, unsigned int err)
{
	return atomic_long_read(&s->errors[err]);
}

/**
 * aslub_debug_trigger() - commit one error on purpose and let it be caught
 * @s: a debug cache with the flags the scenario needs
 * @scenario: AETHER_SLUB_TRIGGER_*
 *
 * Uses objects of its own and gives them all back, so the cache ends as
 * it began, save for its error counters.
 *
 * Return: how many reports the error caused (1 when caught), or -errno:
 * -EOPNOTSUPP when the cache lacks the flags, -ENOMEM.
 */
int aslub_debug_trigger(struct aslub_cache *s, u32 scenario)
{
	static const unsigned int need[AETHER_SLUB_NR_TRIGGERS] = {
		[AETHER_SLUB_TRIGGER_DOUBLE_FREE] = ASLUB_DEBUG_FLAGS,
		[AETHER_SLUB_TRIGGER_INVALID_FREE] = ASLUB_DEBUG_FLAGS,
		[AETHER_SLUB_TRIGGER_REDZONE] = ASLUB_RED_ZONE,
		[AETHER_SLUB_TRIGGER_WRITE_AFTER_FREE] = ASLUB_POISON,
		[AETHER_SLUB_TRIGGER_REDZONE_LEFT] = ASLUB_RED_ZONE,
	};
	unsigned int err;
	u8 *a, *b;
	long before;

	if (scenario >= AETHER_SLUB_NR_TRIGGERS)
		return -EINVAL;
	if (!(s->flags & need[scenario]))
		return -EOPNOTSUPP;
	a = aslub_cache_alloc(s, GFP_KERNEL);
	b = aslub_cache_alloc(s, GFP_KERNEL);
	if (!a || !b) {
		aslub_cache_free(s, a);
		aslub_cache_free(s, b);
		return -ENOMEM;
	}
	switch (scenario) {
	case AETHER_SLUB_TRIGGER_DOUBLE_FREE:
		err = AETHER_SLUB_ERR_DOUBLE_FREE;
		before = aslub_errors(s, err);
		aslub_cache_free(s, a);
		aslub_cache_free(s, a);
		break;
	case AETHER_SLUB_TRIGGER_INVALID_FREE:
		err = AETHER_SLUB_ERR_INVALID_FREE;
		before = aslub_errors(s, err);
		aslub_cache_free(s, a + 1);
		aslub_cache_free(s, a);
		break;
	case AETHER_SLUB_TRIGGER_REDZONE:
		err = AETHER_SLUB_ERR_REDZONE;
		before = aslub_errors(s, err);
		a[s->object_size] = 0x42;
		aslub_cache_free(s, a);
		break;
	case AETHER_SLUB_TRIGGER_REDZONE_LEFT:
		err = AETHER_SLUB_ERR_REDZONE;
		before = aslub_errors(s, err);
		a[-1] = 0x42;
		aslub_cache_free(s, a);
		break;
	default:
		err = AETHER_SLUB_ERR_WRITE_AFTER_FREE;
		before = aslub_errors(s, err);
		aslub_cache_free(s, a);
		if (aslub_scribble_free(s, a))
			aslub_validate(s);
		break;
	}
	aslub_cache_free(s, b);
	return aslub_errors(s, err) - before;
}
