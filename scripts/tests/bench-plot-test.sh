#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/bench-png.py offline, on what "make bench" really printed: the
# files scripts/bench.sh kept from one bench run of 6.1 in the box
# (scripts/tests/bench-samples/, the pool, slab, region, zram, dedupe and
# QoS benchmarks).  Every benchmark gives a PNG (a real PNG, not empty)
# and an entry in the index (bench/README.md) with its headline ratio as
# the sample printed it, the method and the date measured; then, with one
# benchmark's file gone, one holding only comments (a module not loaded)
# and one holding garbage, those three give no plot, an "absent" line
# each, and no stale PNG, while the others are still drawn.  Run by make
# check with the other script tests; needs Debian's python3-matplotlib
# (scripts/deps.sh).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
TAP_PREFIX=bench-plot
# shellcheck source=scripts/tests/tap.sh
. "$HERE/tap.sh"

REL=6.1.0-57-amd64
PLOT=$TOP/scripts/bench-png.py
DIR=$WORK/bench
KEYS=(pool slab regions zram dedupe qos-latency)

PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import matplotlib' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [[ -z $PY ]]; then
	ok 1 "matplotlib_installed" "no python3 with matplotlib (scripts/deps.sh installs python3-matplotlib)"
	finish
fi

mkdir -p "$DIR"
cp "$HERE"/bench-samples/*-"$REL".txt "$DIR/"
"$PY" "$PLOT" --dir "$DIR" "$REL" >"$WORK/out" 2>&1
ok $? "plots_all" "$(tail -3 "$WORK/out")"

# is_png FILE: PNG by file(1) and by its signature, and more than a header.
is_png() {
	[[ -s $1 && $(stat -c %s "$1") -gt 5000 ]] || return 1
	[[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || return 1
	! command -v file >/dev/null || file -b "$1" | grep -q '^PNG image data'
}
for k in "${KEYS[@]}"; do
	is_png "$DIR/$k-$REL.png"
	ok $? "png_$k" "$DIR/$k-$REL.png: $(file -b "$DIR/$k-$REL.png" 2>&1)"
done

idx=$DIR/README.md
# entry KEY: the index's lines of KEY's entry (its line and sub-lines).
entry() {
	awk -v k="- **$1**:" 'index($0, k) == 1 { on = 1; print; next }
		on && /^  - / { print; next } { on = 0 }' "$idx"
}
bad=
for k in "${KEYS[@]}"; do
	e=$(entry "$k")
	grep -q "($k-$REL.png)" <<<"$e" && grep -q "headline: .*ratio [0-9]" <<<"$e" &&
		grep -q "method: " <<<"$e" &&
		grep -q "measured 20[0-9-]* [0-9:]* UTC on $REL" <<<"$e" ||
		bad+=" $k"
done
[[ -z $bad ]]
ok $? "index_entries" "incomplete entries:$bad"

# The headline ratios are the samples' own: the pool's first row (order0,
# 1 CPU), the dedupe's converge ms, QoS's p99 (qos_hog P99 / noqos_hog P99).
pool=$("$PY" -c 'import json, sys
t = "".join(l for l in open(sys.argv[1]) if not l.startswith("#"))
print("%.3f" % json.loads(t)["bench"][0]["ratio"])' "$DIR/results-$REL.txt")
entry pool | grep -q "headline: order0, 1 CPU: .* ratio $pool "
ok $? "headline_pool_is_measured" "pool ratio $pool: $(entry pool | grep headline)"
# (the first table with those phases: the latency one, P99 its 4th column)
qos=$(awk '$1 == "qos_hog" && !q { q = $4 } $1 == "noqos_hog" && !n { n = $4 }
	END { if (n) printf "%.3f", q / n }' "$DIR/qos-$REL.txt")
[[ -n $qos ]] && entry qos-latency | grep -q "headline: first-touch fault p99: .* ratio $qos "
ok $? "headline_qos_is_measured" "qos p99 ratio '$qos': $(entry qos-latency | grep headline)"

# Absent: dedupe's file gone, zram's only comments, qos's garbage.
rm "$DIR/dedupe-$REL.txt"
grep '^#' "$HERE/bench-samples/zram-$REL.txt" | head -3 >"$DIR/zram-$REL.txt"
printf '# measured 2026-01-01 00:00 UTC\n{"bench": [{"ratio": "x"}\nPHASE P99\n' \
	>"$DIR/qos-$REL.txt"
"$PY" "$PLOT" --dir "$DIR" "$REL" >"$WORK/out2" 2>&1
ok $? "plots_with_absent" "$(tail -3 "$WORK/out2")"
for k in dedupe zram qos-latency; do
	[[ $(entry "$k" | grep -c "absent, no plot") -eq 1 &&
	   $(entry "$k" | wc -l) -eq 1 && ! -e $DIR/$k-$REL.png ]]
	ok $? "absent_$k" "$(entry "$k"); $(ls "$DIR")"
done
for k in pool slab regions; do
	is_png "$DIR/$k-$REL.png" && entry "$k" | grep -q "headline: "
	ok $? "still_drawn_$k"
done

# No release file at all: every benchmark absent, still an index.
"$PY" "$PLOT" --dir "$DIR" 6.12.0-none >"$WORK/out3" 2>&1 &&
	[[ $(grep -c "^- \*\*.*absent, no plot: .* does not exist" "$idx") -eq ${#KEYS[@]} ]] &&
	! ls "$DIR"/*-6.12.0-none.png 2>/dev/null
ok $? "release_absent" "$(cat "$WORK/out3")"

finish
