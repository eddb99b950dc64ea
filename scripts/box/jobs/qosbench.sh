# SPDX-License-Identifier: GPL-2.0
# Job "qosbench", sourced by /init, and by the bench job at its end:
# aether_qos's benchmarks 1 and 2 (issue 14), same boot for every side.
#
# --latency: a RealTime group's first-touch faults (512 pages a round, 8
# rounds a phase: 4096 faults, so that a repeat's p99 is its 41st slowest
# fault, not the 11th of 2 rounds; the group's min 512 pages, its working
# set, which sizes the pool's RealTime reserve) alone, then while a
# BestEffort hog writes compressible regions a quarter larger than the
# pool can grow (pool_max_mb=128 per node in the box, 2 nodes: 65536
# pages; the hog's 81920) pass after pass, so that the pool reclaims
# through aether_zram's store (STORED: pages the pool's reclaim stored
# while the RealTime process measured); then the same with both in Normal
# groups (no QoS). The pool's reclaim takes only cold pages:
# aether_kaccessd scans every 100 ms for the run. The three phases are
# repeated 7 times in the boot: the figure is the median of the 7
# repeats' ratios (each repeat's p99 under the hog over its own alone
# p99), with the lowest and highest beside it.
# --cost: region fault-in charged to the root group against a group two
# levels down with max and high set, 15 rounds alternating.
if [ -e /dev/aether_qos ]; then
	ams=/sys/module/aether_mm/parameters/access_interval_ms
	zs=/sys/module/aether_zram/parameters/region_store
	old_ms=$(cat $ams)
	old_zs=
	if [ -e $zs ]; then
		old_zs=$(cat $zs)
		echo 1 >$zs || echo "box: aether_zram's region store did not register"
	else
		echo "box: no aether_zram: no store, the hog dies when the pool is full"
	fi
	echo 100 >$ams
	echo "=== AETHER QOS BENCH BEGIN ==="
	aetherctl qos bench --latency --pages 512 --rounds 8 --repeat 7 2>&1
	echo "box: qos bench --latency exited with $?"
	aetherctl qos bench --cost --pages 4096 --rounds 15 2>&1
	echo "box: qos bench --cost exited with $?"
	echo "=== AETHER QOS BENCH END ==="
	echo "$old_ms" >$ams
	[ -z "$old_zs" ] || echo "$old_zs" >$zs
else
	echo "=== AETHER NO QOS BENCH: aether_qos is not loaded ==="
fi
