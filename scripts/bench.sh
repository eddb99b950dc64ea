#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make bench": boot each release with the "bench" job, keep what the
# benchmarks printed in bench/results-<release>.txt and draw them all in
# bench/bench.svg. Under software emulation only the ratios mean much.
#
#   scripts/bench.sh RELEASE...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# -gt 0 ]] || die "usage: bench.sh RELEASE..."

out=$AETHER_TOP/bench
mkdir -p "$out"
results=()
for rel in "$@"; do
	log=$AETHER_TOP/build/logs/bench-$rel.log
	"$AETHER_TOP/scripts/box.sh" "$rel" bench "$log" ||
		die "bench on $rel failed, see $log"
	tr -d '\r' <"$log" |
		sed -n '/^=== AETHER BENCH BEGIN/,/^=== AETHER BENCH END/{//!p}' \
		>"$out/results-$rel.txt"
	tr -d '\r' <"$log" |
		sed -n '/^=== AETHER REGION BENCH BEGIN/,/^=== AETHER REGION BENCH END/{//!p}' \
		>"$out/regions-$rel.txt"
	echo "=== $rel ($out/results-$rel.txt)"
	cat "$out/results-$rel.txt"
	cat "$out/regions-$rel.txt"
	results+=("$out/results-$rel.txt")
done
python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/bench.svg" "${results[@]}"
