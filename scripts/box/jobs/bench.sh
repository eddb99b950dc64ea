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

# Page faults can only be timed from userspace: the region fault-in
# benchmark, region against anonymous memory, in the same boot.
echo "=== AETHER REGION BENCH BEGIN ==="
aetherctl region bench --pages 4096 --rounds 6 2>&1
echo "=== AETHER REGION BENCH END ==="
