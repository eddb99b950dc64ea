#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make soak": the reliability phases at length on the debug kernel, then
# one table: calls fuzzed, failures injected, load/unload cycles, stress
# minutes, kernel reports found (must be 0). Fails on any failed phase or
# kernel report.
#
#   scripts/soak.sh RELEASE
#
# Sizes (defaults in scripts/box.sh): AETHER_SOAK_CALLS (1000000),
# AETHER_SOAK_CYCLES (1000), AETHER_SOAK_STRESS_SECONDS (300),
# AETHER_SOAK_RACE_SECONDS (300), AETHER_SOAK_INJECT_CALLS (20000),
# AETHER_SOAK_INJECT_SECONDS (120).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

REL=${1:?usage: soak.sh RELEASE (the debug kernel: make debug-kernel)}
kernel_is_debug "$REL" || note "warning: $REL is not a debug kernel"
LOG=$AETHER_TOP/build/logs/soak-$REL.log
mkdir -p "${LOG%/*}"

start=$SECONDS
rc=0
"$AETHER_TOP/scripts/box.sh" "$REL" soak "$LOG" || rc=$?
minutes=$(((SECONDS - start + 30) / 60))

# sum KEY: the AETHER-RESULT values for KEY in the log.
sum() {
	tr -d '\r' <"$LOG" | sed -n "s/^\(# \)*AETHER-RESULT $1 \([0-9]*\)\$/\2/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

reports=$(cat "$LOG.reports" 2>/dev/null || echo "?")
stress_s=$(sum stress_seconds)
race_s=$(sum race_seconds)
printf '\n%-34s %s\n' "soak on $REL" "($minutes min, log $LOG)"
printf '%-34s %12s\n' \
	"ioctl calls fuzzed" "$(sum fuzz_calls)" \
	"failures injected (pool knobs)" "$(sum injected_pool)" \
	"failures injected (slab+page)" "$(sum injected_kernel)" \
	"load/unload cycles" "$(sum cycles)" \
	"stress minutes" "$(awk -v s="$stress_s" 'BEGIN { printf "%.1f", s / 60 }')" \
	"data corruptions" "$(sum stress_corrupt)" \
	"lifetime race minutes" "$(awk -v s="$race_s" 'BEGIN { printf "%.1f", s / 60 }')" \
	"kernel reports found" "$reports"
[[ $rc -eq 0 && $reports == 0 ]]
