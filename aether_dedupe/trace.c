// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the definitions of aether_dedupe's tracepoints (trace.h)
 *
 * The one file that includes trace.h with CREATE_TRACE_POINTS; the
 * events ask aether_mm for a region's id (<aether/mm.h>).
 */
#include <aether/mm.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
