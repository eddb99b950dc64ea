// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the definitions of aether_mm's tracepoints (trace.h)
 *
 * The one file that includes trace.h with CREATE_TRACE_POINTS: the
 * events, their formats and the hooks of perf and BPF are made here.
 * What each event records, and why the callers pass only what they
 * hold, is said at the top of trace.h.
 */
#include <linux/numa.h>
#include <aether/mm.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
