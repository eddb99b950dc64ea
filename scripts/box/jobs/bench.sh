# SPDX-License-Identifier: GPL-2.0
# Job "bench", sourced by /init: the in-kernel benchmarks, pool against
# the kernel's own allocator in the same boot. scripts/bench.sh keeps what
# is between the markers.

echo "=== AETHER BENCH BEGIN ==="
aetherctl mm bench --all 2>&1 || echo "box: aetherctl mm bench exited with $?"
echo "=== AETHER BENCH END ==="
