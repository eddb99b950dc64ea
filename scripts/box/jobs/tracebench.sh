# SPDX-License-Identifier: GPL-2.0
# Job "tracebench", sourced by /init: what aether_mm's tracepoints cost
# (issue 17: "tracepoints cost nothing when off").  The region fault-in
# benchmark (aetherctl region bench: first-touch write faults of a fresh
# region against fresh anonymous memory, alternating) with three builds
# of aether_mm loaded in turn in the same boot, round by round, the order
# rotated each round:
#
#   base   aether_mm without tracepoints: the .ko the caller put in
#          /selftests/tracebench-base/ (AETHER_BIN; scripts/trace-bench.sh
#          builds it from a commit before them)
#   off    the box's aether_mm, tracepoints compiled in, none enabled
#   on     the same with aem_region_fault, aem_block_alloc and
#          aem_block_free enabled (tracefs, the ring buffer cleared first)
#
# Only aether_mm is loaded for each run (the other modules are unloaded
# first), with the same parameters and no self-tests.  Each run prints
# "tracebench round=R side=S" and the benchmark's JSON; the host reads the
# ratio region/anonymous of each (scripts/trace-bench.sh): the kernel's
# own fault is the yardstick, so the figures of the three builds compare.

tb_rounds=$(sed -n 's/.*aether\.tb_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
tb_rounds=${tb_rounds:-5}
tb_base=/selftests/tracebench-base/aether_mm.ko
tb_new=$(awk '$2 == "ours" && $1 ~ /\/aether_mm\.ko(\.xz)?$/ { print $1 }' /etc/aether/modules)
# modules_install compresses where the kernel does (6.12: .ko.xz), and
# busybox's insmod takes a plain .ko only
case $tb_new in
*.xz) xzcat "$tb_new" >/tmp/tracebench-aether_mm.ko &&
	tb_new=/tmp/tracebench-aether_mm.ko ;;
esac
tb_params="pool_init_mb=64 pool_max_mb=128"
tb_t=/sys/kernel/tracing

# tb_events 0|1: the three events of the "on" side off or on.
tb_events() {
	for e in aem_region_fault aem_block_alloc aem_block_free; do
		echo "$1" >"$tb_t/events/aether_mm/$e/enable"
	done
}

tb_run() {
	side=$1
	ko=$tb_new
	[ "$side" != base ] || ko=$tb_base
	# shellcheck disable=SC2086 # the parameters are separate words
	if ! insmod "$ko" $tb_params; then
		echo "box: insmod $ko failed"
		return 1
	fi
	share_devices
	if [ "$side" = on ]; then
		echo >"$tb_t/trace"
		tb_events 1
	fi
	echo "tracebench round=$r side=$side"
	aetherctl --json region bench --pages 4096 --rounds 4 2>&1
	[ "$side" != on ] || tb_events 0
	rmmod aether_mm || echo "box: rmmod aether_mm failed"
}

[ -d "$tb_t/events" ] || mount -t tracefs nodev "$tb_t"
unload_ours
echo "=== AETHER TRACE BENCH BEGIN ==="
if [ ! -f "$tb_base" ] || [ -z "$tb_new" ]; then
	echo "box: no $tb_base or no aether_mm of the box"
else
	r=1
	while [ "$r" -le "$tb_rounds" ]; do
		case $((r % 3)) in
		1) order="base off on" ;;
		2) order="off on base" ;;
		0) order="on base off" ;;
		esac
		for s in $order; do
			tb_run "$s"
		done
		r=$((r + 1))
	done
fi
echo "=== AETHER TRACE BENCH END ==="
