# SPDX-License-Identifier: GPL-2.0
# Job "bench", sourced by /init: the in-kernel benchmarks, pool against
# the kernel's own allocator in the same boot. The table is for a person;
# scripts/bench.sh keeps the JSON between the markers and draws it.

aetherctl --json mm bench --all >/tmp/bench.json 2>/tmp/bench.err
rc=$?
echo "=== AETHER BENCH BEGIN ==="
cat /tmp/bench.json
echo "=== AETHER BENCH END ==="
cat /tmp/bench.err
[ $rc -eq 0 ] || echo "box: aetherctl mm bench exited with $rc"

# aether_slub against Linux's kmem_cache: pairs, bulk 16 and 64, sizes 64,
# 256 and 1024, one CPU and both, and the cross-CPU free. Linux zeroes
# every object when init_on_alloc is on (its boot line says "heap
# alloc:on"); then so do we, or the figures compare unequal work. Three
# runs of each, the median shown with the lowest and highest ratio.
zero=
if dmesg | grep -q 'mem auto-init:.*heap alloc:on'; then
	zero=--zero
fi
echo "box: slub bench ${zero:-without --zero}; $(grep -o 'slub_debug=[^ ]*' /proc/cmdline | tr '\n' ' ')"
aetherctl --json slub bench --all --repeat 3 $zero >/tmp/slub-bench.json 2>/tmp/slub-bench.err
rc=$?
echo "=== AETHER SLUB BENCH BEGIN ==="
cat /tmp/slub-bench.json
echo "=== AETHER SLUB BENCH END ==="
cat /tmp/slub-bench.err
[ $rc -eq 0 ] || echo "box: aetherctl slub bench exited with $rc"

# Page faults can only be timed from userspace: the region fault-in
# benchmark, region against anonymous memory, in the same boot.
echo "=== AETHER REGION BENCH BEGIN ==="
aetherctl region bench --pages 4096 --rounds 6 2>&1
aetherctl region bench --huge --pages 4096 --rounds 6 2>&1
aetherctl region bench --refault --pages 4096 --rounds 6 2>&1
echo "=== AETHER REGION BENCH END ==="

# aether_qos, bench 3: memory.high's accuracy. A task writes as fast as
# it can for 10 s in a group of high 8192 pages and no max, into a region
# with nothing to reclaim: throttling alone holds it. Its peak above high,
# in per cent (goal: 5 % or less), with the throttles memory.stat counted.
if [ -e /dev/aether_qos ]; then
	echo "=== AETHER QOS BENCH BEGIN ==="
	aetherctl qos bench --high --pages 8192 --seconds 10 2>&1
	echo "=== AETHER QOS BENCH END ==="
else
	echo "box: no aether_qos loaded, no qos bench"
fi

# aether_zram against the kernel's zram (the distro module, loaded by the
# benchmark with modprobe), same algorithm and level (6.12's zram set
# through its algorithm_params; each side's level and compressed bytes
# are printed), same data, 5 rounds interleaved (the order alternating):
# a corpus of the box's own modules, libraries, programs and text, 8 MiB
# on tmpfs, and a swap working set of 8 MiB: about 6 minutes per kernel
# under software emulation. JSON on stdout, a table on stderr.
if [ -e /sys/class/aether_zram-control/hot_add ]; then
	find /lib/modules /etc /lib /sbin /usr/bin /selftests /bin -type f \
		-exec cat {} + 2>/dev/null | head -c 8388608 >/tmp/zram-corpus
	echo "box: zram bench corpus of $(wc -c </tmp/zram-corpus) bytes"
	aetherctl zram bench --json --corpus /tmp/zram-corpus --rounds 5 \
		--swap-mib 8 >/tmp/zram-bench.json 2>/tmp/zram-bench.err
	rc=$?
	echo "=== AETHER ZRAM BENCH BEGIN ==="
	cat /tmp/zram-bench.json
	echo "=== AETHER ZRAM BENCH END ==="
	cat /tmp/zram-bench.err
	[ $rc -eq 0 ] || echo "box: aetherctl zram bench exited with $rc"
	rm -f /tmp/zram-corpus
else
	echo "box: no aether_zram loaded, no zram bench"
fi

# aether_dedupe against KSM (scripts/box/jobs/dedupebench.sh), 5 rounds.
. /etc/aether/jobs/dedupebench.sh

# aether_qos: RealTime fault latency under a BestEffort hog, and the cost
# of a group's accounting (scripts/box/jobs/qosbench.sh).
. /etc/aether/jobs/qosbench.sh
