/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - aether_qos's tracepoints: the system "aether_qos"
 *
 * DOC: Overview
 *
 *   aqos_limit      a group's memory.events counter moved (group.c,
 *	aqos_event()): group id, event (low, high, max, oom), its usage
 *	and the limit of that event, in pages; an event counts in the
 *	group and its ancestors (memory.events), and is traced once, for
 *	the group it happened to
 *   aqos_throttle   a task about to sleep for a group over its high
 *	(throttle.c): group id, pages the task charged over high, the
 *	penalty in us, the group's usage and high
 *   aqos_fw_deny    the memory firewall refused an access, or would
 *	have in permissive mode, or quarantined a user (firewall.c, the
 *	audit record's fields): uid, op, access asked and allowed, region
 *	id and name, rule (0: the default), enforcing, quarantined
 *
 * aqos_fw_deny is a TRACE_EVENT_CONDITION on the record's decision, so
 * that the record's one call site needs no test of its own; unlike the
 * audit ring it is never rate-limited.  trace.c defines the events.
 * TRACE_INCLUDE_PATH "." with -I$(src) for trace.o (Kbuild).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aether_qos

#if !defined(_AETHER_QOS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AETHER_QOS_TRACE_H

#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <uapi/linux/aether_qos.h>

struct aqos_group;

/* aqos_limit's @event is an enum aqos_event (internal.h): 0..3 in order. */
TRACE_EVENT(aqos_limit,
	    TP_PROTO(const struct aqos_group *g, unsigned int event),
	    TP_ARGS(g, event),
	    TP_STRUCT__entry(__field(u32, group)
			     __field(unsigned int, event)
			     __field(long, usage)
			     __field(unsigned long, limit)),
	    TP_fast_assign(__entry->group = g->id;
			   __entry->event = event;
			   __entry->usage = atomic_long_read(&g->usage);
			   __entry->limit = event == AQOS_EV_LOW ?
					    READ_ONCE(g->low) :
					    event == AQOS_EV_HIGH ?
					    READ_ONCE(g->high) :
					    READ_ONCE(g->max);),
	    TP_printk("group=%u event=%s usage=%ld limit=%lu",
		      __entry->group,
		      __print_symbolic(__entry->event,
				       { 0, "low" }, { 1, "high" },
				       { 2, "max" }, { 3, "oom" }),
		      __entry->usage, __entry->limit));

TRACE_EVENT(aqos_throttle,
	    TP_PROTO(const struct aqos_group *g, unsigned long nr_pages,
		     unsigned long penalty),
	    TP_ARGS(g, nr_pages, penalty),
	    TP_STRUCT__entry(__field(u32, group)
			     __field(unsigned long, nr_pages)
			     __field(unsigned int, delay_us)
			     __field(long, usage)
			     __field(unsigned long, high)),
	    TP_fast_assign(__entry->group = g->id;
			   __entry->nr_pages = nr_pages;
			   __entry->delay_us = jiffies_to_usecs(penalty);
			   __entry->usage = atomic_long_read(&g->usage);
			   __entry->high = READ_ONCE(g->high);),
	    TP_printk("group=%u nr_pages=%lu delay_us=%u usage=%ld high=%lu",
		      __entry->group, __entry->nr_pages, __entry->delay_us,
		      __entry->usage, __entry->high));

TRACE_EVENT_CONDITION(aqos_fw_deny,
		      TP_PROTO(const struct aether_qos_fw_record *rec),
		      TP_ARGS(rec),
		      TP_CONDITION(rec->decision == AETHER_QOS_FW_DENY),
		      TP_STRUCT__entry(__field(u32, uid)
				       __field(u32, op)
				       __field(u32, requested)
				       __field(u32, allowed)
				       __field(u64, region)
				       __array(char, name, AETHER_QOS_FW_NAME_MAX)
				       __field(u32, rule)
				       __field(u32, flags)),
		      TP_fast_assign(__entry->uid = rec->uid;
				     __entry->op = rec->op;
				     __entry->requested = rec->requested;
				     __entry->allowed = rec->allowed;
				     __entry->region = rec->region_id;
				     strscpy(__entry->name, rec->name,
					     sizeof(__entry->name));
				     __entry->rule = rec->rule_id;
				     __entry->flags = rec->flags;),
		      TP_printk("uid=%u op=%s requested=%#x allowed=%#x region=%llu name=%s rule=%u enforcing=%d quarantined=%d",
				__entry->uid,
				__print_symbolic(__entry->op,
						 { AETHER_QOS_FW_OP_OPEN, "open" },
						 { AETHER_QOS_FW_OP_MMAP, "mmap" },
						 { AETHER_QOS_FW_OP_MPROTECT, "mprotect" },
						 { AETHER_QOS_FW_OP_FAULT, "fault" },
						 { AETHER_QOS_FW_OP_IOCTL, "ioctl" },
						 { AETHER_QOS_FW_OP_QUARANTINE, "quarantine" },
						 { AETHER_QOS_FW_OP_INTEGRITY, "integrity" }),
				__entry->requested, __entry->allowed,
				__entry->region, __entry->name, __entry->rule,
				!!(__entry->flags & AETHER_QOS_FW_REC_ENFORCING),
				!!(__entry->flags & AETHER_QOS_FW_REC_QUARANTINED)));

#endif /* _AETHER_QOS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
