// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the definitions of aether_zram's tracepoints (trace.h)
 *
 * The one file that includes trace.h with CREATE_TRACE_POINTS; the
 * events ask the compressor for its algorithm and level (internal.h).
 */
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
