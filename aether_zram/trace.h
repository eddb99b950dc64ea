/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - aether_zram's tracepoints: the system "aether_zram"
 *
 * DOC: Overview
 *
 *   azram_compress, azram_decompress   one page through a compressor
 *	(comp.c), for a device and the region store alike: algorithm,
 *	level, bytes in and out, the library's answer, and the time it
 *	took in ns
 *
 * The time is taken only while the event is on: the caller reads the
 * clock when trace_*_enabled() says so and passes the start, and
 * TP_fast_assign() reads it again (the span so includes nothing but the
 * library call).  Off, the cost is a patched-out jump and a test of the
 * same static key.  A same-filled page that the store finds before
 * compressing, and a page kept raw, are no compression and no event;
 * their loads are a memset or a memcpy and not events either.
 *
 *   azram_writeback, azram_read_back   one page written back to the
 *	backing device (writeback.c, a pass of the writeback file or of the
 *	background writeback) or read back from it: the device's id (N of
 *	aether_zramN), the page's index, the block of the backing device
 *	and the answer (0, or the errno of the load, the checksum or the
 *	bio; a page whose write failed stays stored)
 *
 * trace.c defines the events; comp.c and writeback.c call them.  TRACE_INCLUDE_PATH
 * "." with -I$(src) for trace.o (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aether_zram

#if !defined(_AETHER_ZRAM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AETHER_ZRAM_TRACE_H

#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <uapi/linux/aether_zram.h>

struct azr_comp;

TRACE_DEFINE_ENUM(AETHER_ZRAM_ALGO_DEFAULT);
TRACE_DEFINE_ENUM(AETHER_ZRAM_ALGO_LZ4);
TRACE_DEFINE_ENUM(AETHER_ZRAM_ALGO_LZ4HC);
TRACE_DEFINE_ENUM(AETHER_ZRAM_ALGO_ZSTD);

DECLARE_EVENT_CLASS(azram_comp,
		    TP_PROTO(const struct azr_comp *comp, unsigned int src_len,
			     unsigned int dst_len, int err, u64 start_ns),
		    TP_ARGS(comp, src_len, dst_len, err, start_ns),
		    TP_STRUCT__entry(__field(unsigned int, algo)
				     __field(int, level)
				     __field(unsigned int, src_len)
				     __field(unsigned int, dst_len)
				     __field(int, err)
				     __field(u64, ns)),
		    TP_fast_assign(__entry->ns = ktime_get_ns() - start_ns;
				   __entry->algo = azr_comp_algo(comp);
				   __entry->level = azr_comp_level(comp);
				   __entry->src_len = src_len;
				   __entry->dst_len = dst_len;
				   __entry->err = err;),
		    TP_printk("algo=%s level=%d src_len=%u dst_len=%u err=%d ns=%llu",
			      __print_symbolic(__entry->algo,
					       { AETHER_ZRAM_ALGO_DEFAULT, "lz4" },
					       { AETHER_ZRAM_ALGO_LZ4, "lz4" },
					       { AETHER_ZRAM_ALGO_LZ4HC, "lz4hc" },
					       { AETHER_ZRAM_ALGO_ZSTD, "zstd" }),
			      __entry->level, __entry->src_len,
			      __entry->dst_len, __entry->err, __entry->ns));

DEFINE_EVENT(azram_comp, azram_compress,
	     TP_PROTO(const struct azr_comp *comp, unsigned int src_len,
		      unsigned int dst_len, int err, u64 start_ns),
	     TP_ARGS(comp, src_len, dst_len, err, start_ns));

DEFINE_EVENT(azram_comp, azram_decompress,
	     TP_PROTO(const struct azr_comp *comp, unsigned int src_len,
		      unsigned int dst_len, int err, u64 start_ns),
	     TP_ARGS(comp, src_len, dst_len, err, start_ns));

DECLARE_EVENT_CLASS(azram_wb,
		    TP_PROTO(int dev, u32 index, unsigned long block, int err),
		    TP_ARGS(dev, index, block, err),
		    TP_STRUCT__entry(__field(int, dev)
				     __field(u32, index)
				     __field(unsigned long, block)
				     __field(int, err)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->index = index;
				   __entry->block = block;
				   __entry->err = err;),
		    TP_printk("dev=%d index=%u block=%lu err=%d",
			      __entry->dev, __entry->index, __entry->block,
			      __entry->err));

DEFINE_EVENT(azram_wb, azram_writeback,
	     TP_PROTO(int dev, u32 index, unsigned long block, int err),
	     TP_ARGS(dev, index, block, err));

DEFINE_EVENT(azram_wb, azram_read_back,
	     TP_PROTO(int dev, u32 index, unsigned long block, int err),
	     TP_ARGS(dev, index, block, err));

#endif /* _AETHER_ZRAM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
