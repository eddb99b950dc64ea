#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What aether_mm's tracepoints cost when off (issue 17): the region
# fault-in benchmark with this tree's aether_mm (tracepoints compiled in,
# off; and on) against aether_mm built from BASE, a commit without them,
# in one boot of the box (job "tracebench", scripts/box/jobs/tracebench.sh).
#
#   scripts/trace-bench.sh RELEASE BASE [ROUNDS] [LOG]
#
# BASE's aether_mm is built in $AETHER_CACHE/trace-bench/BASE/ (a git
# archive of BASE, only aether_mm); this tree's modules must be built in
# build/RELEASE (make matrix) and aetherctl in build/bin/tools.  Prints
# one line per side: the median, lowest and highest of the rounds' ratio
# region/anonymous (ns per first-touch write fault), base/off/on as
# ratios of medians, and each side's fastest 64 region faults in a row
# (ns per fault: what the host's preemption cannot raise) with their
# ratios.  Nothing is
# asserted: under software emulation only ratios compare, and a shared
# host moves them by several per cent.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

REL=${1:?usage: trace-bench.sh RELEASE BASE [ROUNDS] [LOG]}
BASE=${2:?usage: trace-bench.sh RELEASE BASE [ROUNDS] [LOG]}
ROUNDS=${3:-6}
LOG=${4:-$AETHER_TOP/build/logs/tracebench-$REL.log}

base=$(git -C "$AETHER_TOP" rev-parse --short "$BASE")
src=$AETHER_CACHE/trace-bench/$base
if [[ ! -f $src/build/$REL/aether_mm/aether_mm.ko ]]; then
	note "building aether_mm of $base for $REL in $src"
	mkdir -p "$src"
	git -C "$AETHER_TOP" archive "$base" | tar -x -C "$src"
	echo 'obj-m += aether_mm/' >"$src/Kbuild"
	"$src/scripts/sync-tree.sh" "$src/build/$REL"
	make -s -C "$("$AETHER_TOP/scripts/paths.sh" kdir "$REL")" \
		M="$src/build/$REL" modules
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
mkdir -p "$bin/selftests/tracebench-base"
cp -r "$AETHER_TOP/build/bin/tools" "$bin/"
# The box copies executables of selftests/*/: the .ko rides along so.
install -m 755 "$src/build/$REL/aether_mm/aether_mm.ko" \
	"$bin/selftests/tracebench-base/"

mkdir -p "$(dirname "$LOG")"
AETHER_BIN=$bin AETHER_KO_DIR=$AETHER_TOP/build/$REL \
	AETHER_CMDLINE="aether.tb_rounds=$ROUNDS ${AETHER_CMDLINE:-}" \
	AETHER_TIMEOUT=${AETHER_TIMEOUT:-2400} \
	"$AETHER_TOP/scripts/box.sh" "$REL" tracebench "$LOG" >/dev/null || true

tr -d '\r' <"$LOG" | awk -v base="$base" -v rel="$REL" '
/^tracebench round=/ { split($3, a, "="); side = a[2]; next }
side != "" && /"mode": "4k"/ {
	match($0, /"ratio": [0-9.]+/)
	v = substr($0, RSTART + 9, RLENGTH - 9) + 0
	r[side, ++n[side]] = v
	# the fastest 64 faults in a row of the run, ns per fault
	if (match($0, /"region_best_ns": [0-9]+/)) {
		v = substr($0, RSTART + 18, RLENGTH - 18) + 0
		if (!(side in best) || v < best[side])
			best[side] = v
	}
	side = ""
}
function median(s,	i, j, t, m, x) {
	m = n[s]
	for (i = 1; i <= m; i++) x[i] = r[s, i]
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && x[j - 1] > x[j]; j--) {
			t = x[j]; x[j] = x[j - 1]; x[j - 1] = t
		}
	lo[s] = x[1]; hi[s] = x[m]
	return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
}
END {
	printf "%s, region/anonymous ns per first-touch fault, %d rounds a side\n", rel, n["off"]
	split("base off on", s, " ")
	for (k = 1; k <= 3; k++) {
		if (!n[s[k]]) { printf "%-5s no figures\n", s[k]; continue }
		med[s[k]] = median(s[k])
		printf "%-5s median %.3f (%.3f-%.3f)%s\n", s[k], med[s[k]],
			lo[s[k]], hi[s[k]], s[k] == "base" ? " (" base ")" : ""
	}
	if (med["base"] && med["off"])
		printf "off/base %.3f\n", med["off"] / med["base"]
	if (med["base"] && med["on"])
		printf "on/base  %.3f\n", med["on"] / med["base"]
	# Each side at its fastest: preemption by the host only adds time.
	if (best["base"] && best["off"])
		printf "best ns per region fault: base %d, off %d, on %d; off/base %.3f, on/base %.3f\n",
			best["base"], best["off"], best["on"],
			best["off"] / best["base"], best["on"] / best["base"]
}'
