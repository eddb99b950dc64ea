/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zspool.h - what zspool.c shows its self-tests (zspool_test.c) only
 *
 * The rest of aether_zram sees the allocator through internal.h.  These
 * are the two callbacks it gives aether_mm, so that the self-tests can
 * drive them directly, and a way to find one of a pool's pages.
 */
#ifndef _AETHER_ZRAM_ZSPOOL_H
#define _AETHER_ZRAM_ZSPOOL_H

#include <linux/types.h>

struct aem_frame;
struct azs_pool;

int azs_move_page(struct aem_frame *src, struct aem_frame *dst);
unsigned long azs_reclaim(int nid, unsigned long nr_pages);
struct aem_frame *azs_test_span_frame(struct azs_pool *pool, size_t size,
				      unsigned int nth);
unsigned int azs_test_span_pages(struct azs_pool *pool, size_t size);

#endif /* _AETHER_ZRAM_ZSPOOL_H */
