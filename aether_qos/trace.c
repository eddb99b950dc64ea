// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the definitions of aether_qos's tracepoints (trace.h)
 *
 * The one file that includes trace.h with CREATE_TRACE_POINTS; the
 * events read a group's id, usage and limits (internal.h).
 */
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* aqos_limit prints enum aqos_event by these numbers. */
static_assert(AQOS_EV_LOW == 0 && AQOS_EV_HIGH == 1 && AQOS_EV_MAX == 2 &&
	      AQOS_EV_OOM == 3 && AQOS_NR_EVENTS == 4);
