// SPDX-License-Identifier: GPL-2.0
/*
 * track.c - who allocated each live block
 *
 * With tracking on (module parameter `track`, writable at run time), every
 * allocation records its stack in the stack depot (the deduplicating store
 * page_owner and KASAN use) and keeps the 32-bit handle in its head frame;
 * freeing the block drops it.  The report walks every chunk and prints each
 * allocated block with its owner and, when recorded, its stack: on demand
 * through debugfs `tracking`, and at unload for the blocks still allocated,
 * which are leaks.
 *
 * The walk reads frame state without the list locks: a report taken while
 * the pool is busy is a snapshot that may miss a block changing hands, which
 * is fine for a diagnostic; at unload nothing moves any more.
 */
#include <linux/seq_file.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include "internal.h"

#define AEM_TRACK_DEPTH	16

static const char * const aem_owner_names[AEM_NR_OWNERS] = {
	[AEM_OWNER_NONE] = "none",
	[AEM_OWNER_KERNEL] = "kernel",
	[AEM_OWNER_USER] = "user",
	[AEM_OWNER_SELFTEST] = "selftest",
	[AEM_OWNER_BENCH] = "bench",
	[AEM_OWNER_SLUB] = "slub",
	[AEM_OWNER_ZRAM] = "zram",
	[AEM_OWNER_DEDUPE] = "dedupe",
	[AEM_OWNER_QOS] = "qos",
	[AEM_OWNER_REGION] = "region",
	[AEM_OWNER_LOOPBACK] = "loopback",
	[AEM_OWNER_SECURE] = "secure",
};

/**
 * aem_track_init - make the stack depot ready when tracking is on
 *
 * Return: 0 or a negative errno.
 */
int aem_track_init(void)
{
	return READ_ONCE(aem_track) ? stack_depot_init() : 0;
}

/**
 * aem_track_alloc - record the allocating stack of a block
 * @f: head frame of the block just allocated
 */
void aem_track_alloc(struct aem_frame *f)
{
	unsigned long entries[AEM_TRACK_DEPTH];
	unsigned int nr;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 2);
	f->stack = stack_depot_save(entries, nr, GFP_NOWAIT | __GFP_NOWARN);
}

/**
 * aem_track_free - forget the stack of a block being freed
 * @f: its head frame
 */
void aem_track_free(struct aem_frame *f)
{
	f->stack = 0;
}

static const char *aem_owner_name(unsigned int owner)
{
	return owner < AEM_NR_OWNERS ? aem_owner_names[owner] : "?";
}

static void aem_track_show(struct seq_file *m, const struct aem_frame *f,
			   char *buf, size_t len)
{
	unsigned long pfn = aem_frame_pfn(f);
	depot_stack_handle_t stack = READ_ONCE(f->stack);
	unsigned int owner = READ_ONCE(f->owner);
	unsigned int order = READ_ONCE(f->order);

	if (!m) {
		pr_err("  block pfn %#lx order %u node %d zone %s owner %s\n",
		       pfn, order, aem_frame_nid(f),
		       aem_zone_name(aem_frame_zone(f)), aem_owner_name(owner));
		if (stack)
			stack_depot_print(stack);
		return;
	}
	seq_printf(m, "pfn %#lx order %u node %d zone %s owner %s\n", pfn,
		   order, aem_frame_nid(f), aem_zone_name(aem_frame_zone(f)),
		   aem_owner_name(owner));
	if (stack && stack_depot_snprint(stack, buf, len, 4))
		seq_puts(m, buf);
}

/**
 * aem_track_report - list the allocated blocks of the pool
 * @m: seq_file to print to, or NULL for the kernel log
 *
 * Return: the number of allocated blocks found.
 */
unsigned long aem_track_report(struct seq_file *m)
{
	const size_t len = 2048;
	struct aem_chunk *chunk;
	unsigned long index, n = 0;
	unsigned int i;
	char *buf;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return 0;
	rcu_read_lock();
	xa_for_each(&aem_pool.chunks, index, chunk) {
		for (i = 0; i < AEM_CHUNK_PAGES; i++) {
			const struct aem_frame *f = &chunk->frames[i];

			if (READ_ONCE(f->state) != AEM_FS_ALLOC)
				continue;
			aem_track_show(m, f, buf, len);
			n++;
		}
	}
	rcu_read_unlock();
	kfree(buf);
	return n;
}
