#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# trace_test.sh - the tracepoints of the suite, seen from tracefs
#
# For each system (aether_mm, aether_slub, aether_zram, aether_dedupe,
# aether_qos): enable it in tracefs (mounted at /sys/kernel/tracing when
# it is not there yet), run a small workload through aetherctl and the
# devices, disable it, and read the trace text back: the events must be
# there, from the workload's task, with fields that make sense (the order
# asked for, a node of the box, a known zone, the algorithm chosen, the
# bytes of a page, ...).  TAP output, one test a behaviour; a module that
# is not loaded is a SKIP of its tests.  Run as root (the box's check job).
#
# Parsing: a line of the trace is "comm-pid [cpu] flags time: event: k=v
# k=v ...", so field() finds "k=" among the words of a line.

T=/sys/kernel/tracing
OUT=${TMPDIR:-/tmp}/aether-trace.$$
n=0
failed=0

ok()	{ n=$((n + 1)); echo "ok $n $1"; }
nok()	{ n=$((n + 1)); echo "not ok $n $1"; failed=$((failed + 1)); }
skip()	{ n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
note()	{ echo "# $*"; }

# check NAME CMD...: one test, passed when CMD succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

# events EVENT [FILE]: the lines of EVENT in the saved trace.
events() {
	grep " $1: " "${2:-$OUT}" || true
}

# f("key") in an awk program: the value of key= on the line, or "".
# shellcheck disable=SC2016 # awk's $i, not the shell's
AWK_F='function f(k,	i) {
	for (i = 1; i <= NF; i++)
		if (index($i, k "=") == 1)
			return substr($i, length(k) + 2)
	return ""
}'

# count EVENT [AWK-CONDITION]: how many lines of EVENT satisfy it; the
# condition reads fields with f("key").
count() {
	events "$1" | awk "$AWK_F (${2:-1}) { n++ } END { print n + 0 }"
}

# at_least N EVENT [CONDITION]: N or more such events, said if not.
at_least() {
	got=$(count "$2" "${3:-1}")
	[ "$got" -ge "$1" ] && return 0
	note "$2: $got events with ${3:-any fields}, wanted at least $1"
	events "$2" | head -n 5 | sed 's/^/#   /'
	return 1
}

# none EVENT CONDITION: no such event (a field out of range).
none() {
	got=$(count "$1" "$2")
	[ "$got" -eq 0 ] && return 0
	note "$1: $got events with $2"
	events "$1" | awk "$AWK_F ($2)" | head -n 5 | sed 's/^/#   /'
	return 1
}

mount_tracefs() {
	[ -d "$T/events" ] && return 0
	mount -t tracefs nodev "$T" 2>/dev/null && [ -d "$T/events" ]
}

# ours_off: every event of ours off, and no other: events/enable would
# patch every tracepoint the kernel has (text_poke_bp), and under TCG a
# vCPU in __schedule once hit the int3 of such a patch and oopsed.
ours_off() {
	for f in "$T"/events/aether_*/enable; do
		[ -e "$f" ] && echo 0 >"$f"
	done
	return 0
}

# keep_on/keep_off: the probes that record comms held for the whole run.
# The first event on registers the sched_switch and sched_wakeup probes
# that record comms and the last one off unregisters them, which patches
# those tracepoints inside __schedule (text_poke_bp, an IPI to every CPU);
# under TCG such a patch has oopsed a vCPU in __schedule and hung one (the
# patching CPU waiting for the other's answer for good).  The box boots
# with module/module_load on in the top buffer (scripts/box.sh), so the
# probes were patched in before the second vCPU was up and are never
# patched out; elsewhere an instance of ours holds them (patched twice a
# run instead of at every begin and end).
KEEP=$T/instances/aether-trace-keep
keep_on() {
	if [ "$(cat "$T/events/module/module_load/enable" 2>/dev/null)" = 1 ]; then
		note "the comm probes are held since boot (module_load on)"
		KEEP=
		return 0
	fi
	mkdir "$KEEP" 2>/dev/null || [ -d "$KEEP" ] || return 0
	echo 1 >"$KEEP/events/module/module_load/enable" 2>/dev/null ||
		note "no module_load event: the comm probes come and go"
}

keep_off() {
	[ -n "$KEEP" ] && [ -d "$KEEP" ] || return 0
	echo 0 >"$KEEP/events/module/module_load/enable" 2>/dev/null
	rmdir "$KEEP" 2>/dev/null || note "could not remove $KEEP"
}

# begin SYSTEM|SYSTEM/EVENT...: an empty buffer, those events on.
begin() {
	echo 0 >"$T/tracing_on"
	ours_off
	echo >"$T/trace"
	for e in "$@"; do
		echo 1 >"$T/events/$e/enable" || return 1
	done
	echo 1 >"$T/tracing_on"
}

# end: events off, the buffer saved to $OUT.
end() {
	echo 0 >"$T/tracing_on"
	ours_off
	cat "$T/trace" >"$OUT"
	note "$(grep -vc '^#' "$OUT") lines traced"
}

loaded() {
	[ -d "/sys/module/$1" ]
}

# ---- the systems and their events ------------------------------------------

events_of() {
	case $1 in
	aether_mm)	echo aem_block_alloc aem_block_free aem_region_fault \
			     aem_reclaim aem_compact ;;
	aether_slub)	echo aslub_alloc aslub_free ;;
	aether_zram)	echo azram_compress azram_decompress ;;
	aether_dedupe)	echo adedup_merge adedup_unmerge ;;
	aether_qos)	echo aqos_limit aqos_throttle aqos_fw_deny ;;
	esac
}

every_event_has_a_format() {
	rc=0
	for s in aether_mm aether_slub aether_zram aether_dedupe aether_qos; do
		loaded "$s" || continue
		for e in $(events_of "$s"); do
			if ! grep -q '^print fmt:' "$T/events/$s/$e/format"; then
				note "no format for $s:$e"
				rc=1
			fi
		done
	done
	# Symbolic names resolve to numbers (TRACE_DEFINE_ENUM) for perf/BPF.
	if grep -q 'AETHER_MM_ZONE\|AEM_OWNER' "$T/events/aether_mm/aem_block_alloc/format"; then
		note "aem_block_alloc's format still names enums"
		rc=1
	fi
	return $rc
}

# The events carry kernel addresses and other users' region names into
# the buffer (review s28, finding 7, as the kernel's own kmem events do):
# tracefs keeps them root's.  Alice can neither read the buffer nor turn
# an event on.
trace_is_roots() {
	rc=0
	if su -s /bin/sh alice -c "cat $T/trace" >/dev/null 2>&1; then
		note "alice read $T/trace"
		rc=1
	fi
	if su -s /bin/sh alice -c \
		"echo 1 >$T/events/aether_mm/enable" 2>/dev/null; then
		note "alice enabled aether_mm's events"
		rc=1
	fi
	[ "$(cat "$T/events/aether_mm/enable")" = 0 ] || {
		note "aether_mm's events are on"
		rc=1
	}
	return $rc
}

# ---- aether_mm ---------------------------------------------------------------

mm_blocks() {
	begin aether_mm/aem_block_alloc aether_mm/aem_block_free || return 1
	aetherctl mm alloc --order 2 --count 4 --zone normal >/dev/null || return 1
	end
	cond='$1 ~ /^aetherctl-/ && f("order") == 2 && f("owner") == "user"'
	at_least 4 aem_block_alloc "$cond" && at_least 4 aem_block_free "$cond" &&
		none aem_block_alloc "!(f(\"nid\") ~ /^[01]\$/)" &&
		none aem_block_alloc "!(f(\"zone\") ~ /^(DMA|DMA32|Normal)\$/)" &&
		none aem_block_alloc "!(f(\"mt\") ~ /^(Unmovable|Movable|Reclaimable)\$/)" &&
		none aem_block_alloc "!(f(\"pfn\") ~ /^0x[0-9a-f]+\$/) || f(\"pfn\") == \"0x0\"" &&
		blocks_freed_are_the_blocks_allocated
}

# Every order-2 block aetherctl took came back (by pfn).
blocks_freed_are_the_blocks_allocated() {
	pick='/^ *aetherctl-/ && / order=2 / && / owner=user/ { for (i = 1; i <= NF; i++) if ($i ~ /^pfn=/) print $i }'
	events aem_block_alloc | awk "$pick" | sort >"$OUT.a"
	events aem_block_free | awk "$pick" | sort >"$OUT.f"
	# shellcheck disable=SC2016 # awk's $0, not the shell's
	missing=$(awk 'FILENAME == ARGV[1] { freed[$0]++; next }
		       freed[$0] > 0 { freed[$0]--; next }
		       { n++ } END { print n + 0 }' "$OUT.f" "$OUT.a")
	[ "$missing" -eq 0 ] && return 0
	note "$missing blocks allocated and never traced free"
	return 1
}

mm_region_faults() {
	begin aether_mm || return 1
	aetherctl region create --shared --size 256K --write 64 >/dev/null || return 1
	aetherctl region bench --refault --pages 64 --rounds 1 >/dev/null 2>&1 ||
		return 1
	end
	mine='$1 ~ /^aetherctl-/'
	at_least 64 aem_region_fault "$mine && f(\"kind\") == \"new\"" &&
		at_least 1 aem_region_fault "$mine && f(\"kind\") == \"map\"" &&
		none aem_region_fault "f(\"kind\") == \"new\" && !(f(\"nid\") ~ /^[01]\$/)" &&
		none aem_region_fault "f(\"kind\") == \"zero\" && f(\"nid\") != -1" &&
		none aem_region_fault "!(f(\"region\") ~ /^[1-9][0-9]*\$/)" &&
		new_faults_cover_the_pages_written
}

# The 64 pages the create wrote: indices 0..63 of one region, each once.
new_faults_cover_the_pages_written() {
	bad=$(events aem_region_fault | awk "$AWK_F"'
	$1 ~ /^aetherctl-/ && f("kind") == "new" {
		if (!first) first = f("region")
		if (f("region") == first) idx[f("index")]++
	}
	END {
		for (i = 0; i < 64; i++)
			if (idx[i] != 1) print "index " i ": " idx[i] + 0
	}')
	[ -z "$bad" ] && return 0
	note "new faults of the region written: $bad"
	return 1
}

mm_compact() {
	begin aether_mm/aem_compact || return 1
	aetherctl region compact >/dev/null || return 1
	end
	at_least 1 aem_compact 'f("by") == "request"' &&
		none aem_compact '!(f("nid") ~ /^[01]$/) || !(f("zone") ~ /^(DMA|DMA32|Normal)$/)' &&
		none aem_compact 'f("isolated") + 0 > f("scanned") + 0'
}

LOOP=/sys/kernel/debug/aether/mm/store_loopback
mm_reclaim() {
	set_loop=0
	if [ -w "$LOOP" ] && [ "$(cat "$LOOP")" = 0 ] && echo 1 >"$LOOP" 2>/dev/null; then
		set_loop=1
	fi
	begin aether_mm/aem_reclaim || return 1
	echo 64 >/sys/kernel/debug/aether/mm/reclaim
	end
	[ $set_loop = 0 ] || echo 0 >"$LOOP"
	at_least 1 aem_reclaim 'f("wanted") == 64 && f("for") == "pool"' &&
		none aem_reclaim 'f("reclaimed") + 0 > f("wanted") + 0 || f("dropped") + 0 > f("reclaimed") + 0'
}

# ---- aether_slub ---------------------------------------------------------------

slub_debug_cache() {
	begin aether_slub || return 1
	aetherctl slub create trace_t 96 --flags FZPU --alloc 8 >/dev/null || return 1
	end
	cond='f("cache") == "trace_t" && f("object_size") == 96'
	at_least 8 aslub_alloc "$cond" && at_least 8 aslub_free "$cond" &&
		none aslub_alloc "$cond && f(\"size\") + 0 < 96" &&
		none aslub_alloc "!(f(\"nid\") ~ /^[01]\$/)"
}

slub_plain_cache_is_not_traced() {
	begin aether_slub || return 1
	aetherctl slub create trace_p 96 --alloc 8 >/dev/null || return 1
	end
	none aslub_alloc 'f("cache") == "trace_p"'
}

# ---- aether_zram ---------------------------------------------------------------

zram_devices() {
	ls -d /sys/block/aether_zram* 2>/dev/null | sed 's/.*aether_zram//' | sort
}

zram_io() {
	algo=$1
	before=$(zram_devices)
	aetherctl zram create --size 8M --algo "$algo" >/dev/null || return 1
	dev=$(zram_devices | grep -vxF "$before" | head -n 1)
	[ -n "$dev" ] || { note "no new aether_zram device"; return 1; }
	begin aether_zram || return 1
	# Bytes that are neither zero nor one repeated word: a program.
	dd if=/bin/busybox of="/dev/aether_zram$dev" bs=4096 count=32 \
		conv=fsync 2>/dev/null
	sync
	echo 3 >/proc/sys/vm/drop_caches
	dd if="/dev/aether_zram$dev" of=/dev/null bs=4096 count=32 2>/dev/null
	end
	aetherctl zram remove "$dev" >/dev/null
	at_least 32 azram_compress "f(\"algo\") == \"$algo\" && f(\"src_len\") == 4096 && f(\"err\") == 0" &&
		at_least 1 azram_decompress "f(\"algo\") == \"$algo\" && f(\"dst_len\") == 4096 && f(\"err\") == 0" &&
		none azram_compress 'f("dst_len") + 0 < 1 || f("dst_len") + 0 > 8192' &&
		none azram_compress 'f("ns") + 0 <= 0' &&
		none azram_decompress 'f("src_len") + 0 < 1 || f("src_len") + 0 > 4096 || f("ns") + 0 <= 0'
}

# A device with brd's /dev/ram0 behind it: 16 pages written, marked idle
# and written back (azram_writeback), then read again from the backing
# device (azram_read_back), each event of this device, answered 0.
zram_writeback() {
	ctl=/sys/class/aether_zram-control
	id=$(cat "$ctl/hot_add") || { note "no hot_add"; return 1; }
	d=/sys/block/aether_zram$id
	rc=0
	if echo /dev/ram0 >"$d/backing_dev" && echo 8M >"$d/disksize"; then
		dd if=/bin/busybox of="/dev/aether_zram$id" bs=4096 count=16 \
			conv=fsync 2>/dev/null
		begin aether_zram/azram_writeback aether_zram/azram_read_back ||
			rc=1
		echo all >"$d/idle"
		echo idle >"$d/writeback" || note "writeback refused"
		echo 3 >/proc/sys/vm/drop_caches
		dd if="/dev/aether_zram$id" of=/dev/null bs=4096 count=16 \
			2>/dev/null
		end
	else
		note "aether_zram$id took no backing device"
		rc=1
	fi
	echo 1 >"$d/reset"
	echo "$id" >"$ctl/hot_remove"
	[ $rc -eq 0 ] &&
		at_least 8 azram_writeback "f(\"dev\") == $id && f(\"err\") == 0" &&
		at_least 8 azram_read_back "f(\"dev\") == $id && f(\"err\") == 0" &&
		none azram_writeback 'f("err") != 0' &&
		none azram_read_back 'f("err") != 0'
}

# ---- aether_dedupe -------------------------------------------------------------

dedupe_merge_unmerge() {
	begin aether_dedupe || return 1
	# As alice: not root, so the demo merges with REGION_DEDUPE, now.
	su -s /bin/sh alice -c \
		'aetherctl dedupe demo --procs 2 --pages 16 --unique 4' >/dev/null ||
		return 1
	end
	at_least 12 adedup_merge 'f("by") == "range" && f("into") == "frame"' &&
		none adedup_merge '!(f("region") ~ /^[1-9][0-9]*$/) || f("index") + 0 >= 16' &&
		at_least 1 adedup_unmerge '1' &&
		none adedup_unmerge '!(f("users") ~ /^[0-9]+$/)'
}

# ---- aether_qos ----------------------------------------------------------------

QG=trace_t
qos_cleanup() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		aetherctl qos destroy "$QG" >/dev/null 2>&1 && return 0
		sleep 1
	done
	note "cannot destroy group $QG"
}

qos_limits() {
	aetherctl qos create root "$QG" >/dev/null || return 1
	aetherctl qos set "$QG" high=56 max=64 >/dev/null || { qos_cleanup; return 1; }
	begin aether_qos || { qos_cleanup; return 1; }
	# Over high at the 57th page (throttled), refused at the 65th (SIGBUS).
	sh -c "aetherctl qos attach $QG \$\$ >/dev/null &&
		exec aetherctl region create --size 1M --write 80" >/dev/null 2>&1
	end
	qos_cleanup
	at_least 1 aqos_limit 'f("event") == "high" && f("usage") + 0 > f("limit") + 0' &&
		at_least 1 aqos_limit 'f("event") == "max" && f("limit") == 64' &&
		at_least 1 aqos_throttle 'f("delay_us") + 0 > 0 && f("usage") + 0 > f("high") + 0 && f("high") == 56' &&
		none aqos_limit '!(f("event") ~ /^(low|high|max|oom)$/)'
}

fw_deny() {
	aetherctl qos fw add deny uid:1000 any open >/dev/null || return 1
	su -s /bin/sh alice -c \
		'exec aetherctl region create --shared --name trace_fw --hold' \
		>/dev/null 2>&1 &
	holder=$!
	# Until the name is there (alice's create), 10 s at most.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q trace_fw /sys/kernel/debug/aether/mm/regions 2>/dev/null &&
			break
		sleep 1
	done
	begin aether_qos/aqos_fw_deny || return 1
	su -s /bin/sh alice -c 'aetherctl region show --name trace_fw' \
		>/dev/null 2>&1 && note "alice opened trace_fw through a deny"
	end
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	aetherctl qos fw del all >/dev/null
	at_least 1 aqos_fw_deny 'f("uid") == 1000 && f("op") == "open" && f("name") == "trace_fw" && f("enforcing") == 1'
}

# ---- main ----------------------------------------------------------------------

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (tracefs)"
	exit 4
fi
if ! mount_tracefs; then
	echo "1..0 # SKIP no tracefs on this kernel"
	exit 4
fi
echo "1..13"
echo 4096 >"$T/buffer_size_kb"
keep_on

check every_event_has_a_format every_event_has_a_format
if loaded aether_mm; then
	check trace_buffer_and_events_are_roots trace_is_roots
else
	skip trace_buffer_and_events_are_roots "aether_mm not loaded"
fi
if loaded aether_mm; then
	check mm_block_alloc_and_free mm_blocks
	check mm_region_faults_new_and_map mm_region_faults
	check mm_compaction_pass mm_compact
	check mm_reclaim_pass mm_reclaim
else
	for t in block region compact reclaim; do skip "mm_$t" "aether_mm not loaded"; done
fi
if loaded aether_slub; then
	check slub_debug_cache_alloc_and_free slub_debug_cache
	check slub_plain_cache_not_traced slub_plain_cache_is_not_traced
else
	skip slub_debug "aether_slub not loaded"
	skip slub_plain "aether_slub not loaded"
fi
if loaded aether_zram; then
	check zram_lz4_compress_and_decompress zram_io lz4
	check zram_zstd_compress_and_decompress zram_io zstd
	if [ -b /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=16384 2>/dev/null; then
		check zram_writeback_and_read_back zram_writeback
	else
		skip zram_writeback "no brd"
	fi
else
	skip zram_lz4 "aether_zram not loaded"
	skip zram_zstd "aether_zram not loaded"
	skip zram_writeback "aether_zram not loaded"
fi
if loaded aether_dedupe; then
	check dedupe_merge_and_unmerge dedupe_merge_unmerge
else
	skip dedupe "aether_dedupe not loaded"
fi
if loaded aether_qos; then
	check qos_high_max_and_throttle qos_limits
	check qos_firewall_denial fw_deny
else
	skip qos_limits "aether_qos not loaded"
	skip qos_fw "aether_qos not loaded"
fi
ours_off
keep_off
echo 1 >"$T/tracing_on"
echo >"$T/trace"
rm -f "$OUT" "$OUT.a" "$OUT.f"
echo "# trace_test: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
