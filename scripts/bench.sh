#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make bench": boot each release with the "bench" job, keep what the
# benchmarks printed in bench/results-<release>.txt (pool against
# alloc_pages), bench/slub-<release>.txt (aether_slub against kmem_cache)
# and bench/regions-<release>.txt (region faults against anonymous
# memory), bench/zram-<release>.txt (aether_zram against zram) and
# bench/dedupe-<release>.txt (aether_dedupe against KSM; its table in
# comments above the JSON), and draw the ratios in bench/bench.svg,
# bench/slub.svg, bench/zram.svg and bench/dedupe.svg. A module that was
# not built or not loaded has no figures: that is said, and the rest goes on.
# Under software emulation only the ratios mean much.
#
# The box boots with slub_debug=FZP for the tests, which sends every
# Linux cache down SLUB's debug path; the bench boots with slub_debug=-
# ahead of AETHER_CMDLINE (the last slub_debug= counts, so the caller can
# still ask for another), so that kmem_cache is timed as it ships.
#
#   scripts/bench.sh RELEASE...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# -gt 0 ]] || die "usage: bench.sh RELEASE..."

out=$AETHER_TOP/bench
mkdir -p "$out"
export AETHER_CMDLINE="slub_debug=- ${AETHER_CMDLINE:-}"
results=()
slub=()
zram=()
dedupe=()
# between LOG NAME: the lines between "=== AETHER NAME BEGIN" and its END.
between() {
	tr -d '\r' <"$1" | sed -n "/^=== AETHER $2 BEGIN/,/^=== AETHER $2 END/{//!p}"
}
# trailer LOG NAME: what the job printed after "=== AETHER NAME END" (the
# table for people, on stderr in the box) up to the next marker, as
# comments, without the kernel's log lines.
trailer() {
	tr -d '\r' <"$1" | sed -n "/^=== AETHER $2 END/,/^=== AETHER /{//!p}" |
		grep -v '^\[ *[0-9.]*\]' | sed 's/^/# /'
}
for rel in "$@"; do
	log=$AETHER_TOP/build/logs/bench-$rel.log
	"$AETHER_TOP/scripts/box.sh" "$rel" bench "$log" ||
		die "bench on $rel failed, see $log"
	# The first line of every file says how the figures were made.
	host=$(sed -n '1s/^=== AETHER HOST /# /p' "$log")
	{ echo "$host"; between "$log" BENCH; } >"$out/results-$rel.txt"
	{ echo "$host"; between "$log" "SLUB BENCH"; } >"$out/slub-$rel.txt"
	{ echo "$host"; between "$log" "REGION BENCH"; } >"$out/regions-$rel.txt"
	# The zram table, as the job printed it, in comments above the JSON.
	{
		echo "$host"
		trailer "$log" "ZRAM BENCH"
		between "$log" "ZRAM BENCH"
	} >"$out/zram-$rel.txt"
	{
		echo "$host"
		trailer "$log" "DEDUPE BENCH"
		between "$log" "DEDUPE BENCH"
	} >"$out/dedupe-$rel.txt"
	[[ $(wc -l <"$out/slub-$rel.txt") -gt 1 ]] || die "no slub bench figures in $log"
	echo "=== $rel ($out/results-$rel.txt, $out/slub-$rel.txt)"
	cat "$out/results-$rel.txt"
	cat "$out/slub-$rel.txt"
	cat "$out/regions-$rel.txt"
	cat "$out/zram-$rel.txt"
	cat "$out/dedupe-$rel.txt"
	results+=("$out/results-$rel.txt")
	slub+=("$out/slub-$rel.txt")
	if [[ $(grep -vc '^#' "$out/zram-$rel.txt") -gt 0 ]]; then
		zram+=("$out/zram-$rel.txt")
	else
		note "no zram bench figures in $log (aether_zram not built?)"
	fi
	if [[ $(grep -vc '^#' "$out/dedupe-$rel.txt") -gt 0 ]]; then
		dedupe+=("$out/dedupe-$rel.txt")
	else
		note "no dedupe bench figures in $log (aether_dedupe not built or not loaded?)"
	fi
done
python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/bench.svg" "${results[@]}"
python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/slub.svg" \
	--title "aether_slub / kmem_cache, time per object (lower is better)" \
	"${slub[@]}"
if [[ ${#zram[@]} -gt 0 ]]; then
	python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/zram.svg" \
		--title "aether_zram / zram, throughput (higher is better)" \
		"${zram[@]}"
fi
if [[ ${#dedupe[@]} -gt 0 ]]; then
	python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/dedupe.svg" \
		--title "aether_dedupe / KSM, same pages (cost and time: lower is better; pages merged: 1)" \
		"${dedupe[@]}"
fi
