#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make bench": boot each release with the "bench" job, keep what the
# benchmarks printed in bench/results-<release>.txt (pool against
# alloc_pages), bench/slub-<release>.txt (aether_slub against kmem_cache)
# and bench/regions-<release>.txt (region faults against anonymous
# memory), bench/zram-<release>.txt (aether_zram against zram),
# bench/dedupe-<release>.txt (aether_dedupe against KSM; its table in
# comments above the JSON) and bench/qos-<release>.txt (aether_qos: a
# RealTime group's fault latency under a hog, the cost of accounting,
# memory.high's accuracy). Then draw every benchmark of every release as
# a PNG, the suite's figures beside the kernel's (bench/<bench>-<release>.png,
# scripts/bench-png.py), with an index, bench/README.md: what each shows,
# how and when it was measured, its headline ratio, and which benchmark
# gave no figures (a module not built or not loaded: no plot, and the
# index says so). The ratios of the first three also go into
# bench/bench.svg, bench/slub.svg, bench/zram.svg and bench/dedupe.svg,
# every release on one chart. Under software emulation only the ratios
# mean much.
#
# Each file's first lines say how the figures were made ("# accelerator
# ...") and when ("# measured ...": when the box's log was written).
#
# The box boots with slub_debug=FZP for the tests, which sends every
# Linux cache down SLUB's debug path; the bench boots with slub_debug=-
# ahead of AETHER_CMDLINE (the last slub_debug= counts, so the caller can
# still ask for another), so that kmem_cache is timed as it ships.
#
#   scripts/bench.sh RELEASE...
#   scripts/bench.sh --replot RELEASE...   no boot: the files and plots
#                                          again from build/logs/bench-*.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

replot=false
if [[ ${1:-} == --replot ]]; then
	replot=true
	shift
fi
[[ $# -gt 0 ]] || die "usage: bench.sh [--replot] RELEASE..."

out=$AETHER_TOP/bench
mkdir -p "$out"
export AETHER_CMDLINE="slub_debug=- ${AETHER_CMDLINE:-}"
results=()
slub=()
zram=()
dedupe=()
# bench_python: a python3 that imports matplotlib, Debian's first.
bench_python() {
	local py
	for py in /usr/bin/python3 python3; do
		if "$py" -c 'import matplotlib' 2>/dev/null; then
			echo "$py"
			return
		fi
	done
	die "no python3 with matplotlib (scripts/deps.sh installs python3-matplotlib)"
}
# between LOG NAME: the lines between "=== AETHER NAME BEGIN" and its END.
between() {
	tr -d '\r' <"$1" | sed -n "/^=== AETHER $2 BEGIN/,/^=== AETHER $2 END/{//!p}"
}
# trailer LOG NAME: what the job printed after "=== AETHER NAME END" (the
# table for people, on stderr in the box) up to the next marker, as
# comments, without the kernel's log lines; nothing when it printed
# nothing (a log cut short).
trailer() {
	tr -d '\r' <"$1" | sed -n "/^=== AETHER $2 END/,/^=== AETHER /{//!p}" |
		{ grep -v '^\[ *[0-9.]*\]' || true; } | sed 's/^/# /'
}
for rel in "$@"; do
	log=$AETHER_TOP/build/logs/bench-$rel.log
	if $replot; then
		[[ -f $log ]] || die "no $log to replot (run make bench)"
	else
		"$AETHER_TOP/scripts/box.sh" "$rel" bench "$log" ||
			die "bench on $rel failed, see $log"
	fi
	# The first lines of every file say how and when the figures were made.
	host=$(sed -n '1s/^=== AETHER HOST /# /p' "$log")
	host+=$'\n'"# measured $(date -u -r "$log" '+%Y-%m-%d %H:%M UTC')"
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
	{ echo "$host"; between "$log" "QOS BENCH"; } >"$out/qos-$rel.txt"
	echo "=== $rel ($out/results-$rel.txt, $out/slub-$rel.txt)"
	cat "$out/results-$rel.txt"
	cat "$out/slub-$rel.txt"
	cat "$out/regions-$rel.txt"
	cat "$out/zram-$rel.txt"
	cat "$out/dedupe-$rel.txt"
	cat "$out/qos-$rel.txt"
	# A file of comments only: that benchmark gave nothing.
	if [[ $(grep -vc '^#' "$out/results-$rel.txt") -gt 0 ]]; then
		results+=("$out/results-$rel.txt")
	else
		note "no pool bench figures in $log"
	fi
	if [[ $(grep -vc '^#' "$out/slub-$rel.txt") -gt 0 ]]; then
		slub+=("$out/slub-$rel.txt")
	else
		note "no slub bench figures in $log (aether_slub not built?)"
	fi
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
if [[ ${#results[@]} -gt 0 ]]; then
	python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/bench.svg" \
		"${results[@]}"
fi
if [[ ${#slub[@]} -gt 0 ]]; then
	python3 "$AETHER_TOP/scripts/bench-plot.py" -o "$out/slub.svg" \
		--title "aether_slub / kmem_cache, time per object (lower is better)" \
		"${slub[@]}"
fi
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

# The PNGs and their index: Debian's python3 and python3-matplotlib
# (scripts/deps.sh), whatever python3 comes first on PATH.
py=$(bench_python)
"$py" "$AETHER_TOP/scripts/bench-png.py" --dir "$out" "$@"
