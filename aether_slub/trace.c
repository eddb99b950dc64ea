// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the definitions of aether_slub's tracepoints (trace.h)
 *
 * The one file that includes trace.h with CREATE_TRACE_POINTS; the
 * events read the cache (internal.h), so it comes first.
 */
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
