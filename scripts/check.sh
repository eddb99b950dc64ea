#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The box part of "make check": run the "check" job on each release given
# (6.1 then 6.12, the debug kernel's beside them: see below), each judged
# by scripts/box-report.sh, then print one
# closing line summed over all of them, with the tests of the scripts
# themselves (scripts/tests/*-test.sh, run first on this machine) and of
# installing the suite (scripts/dkms-check.sh). Every
# kernel runs even when an earlier one failed, so one CI run shows
# everything.
#
#   scripts/check.sh RELEASE...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $# -gt 0 ]] || die "usage: check.sh RELEASE..."

pass=0 fail=0 skip=0 broken=()

# A box's QEMU keeps about three quarters of a core busy (its vCPUs wait
# on timers, sleeps and I/O the rest of the time), so on a machine with
# two cores and room for two boxes (2 GiB each) the last release given,
# the debug kernel's and by far the longest, runs beside everything else
# from the start: "make check" takes the debug box's time, not the sum.
# AETHER_CHECK_SERIAL=1 runs one box at a time.  Each box has its own
# build/box/RELEASE and log; its output is printed after the others.
mem_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
beside=
if [[ $# -gt 1 && ${AETHER_CHECK_SERIAL:-0} != 1 && $(nproc) -ge 2 &&
      ${mem_kb:-0} -ge $((6 * 1024 * 1024)) ]]; then
	beside=${!#}
fi

# One release's box: its log's result and why are its own.
box_check() {
	local log=$AETHER_TOP/build/logs/check-$1.log

	rm -f "$log.result" "$log.why"
	"$AETHER_TOP/scripts/box.sh" "$1" check "$log"
}

# Count one release's box in: the TAP counts of its report.
box_tally() {
	local rel=$1 box_rc=$2 log=$AETHER_TOP/build/logs/check-$1.log p f s

	if [[ -f $log.result ]]; then
		read -r p f s <"$log.result"
	else
		p=0 f=1 s=0	# the box never got as far as a report
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [[ $box_rc -ne 0 || $f -ne 0 ]]; then
		broken+=("$rel")
	fi
}

if [[ -n $beside ]]; then
	beside_out=$AETHER_TOP/build/logs/check-$beside.out
	mkdir -p "$AETHER_TOP/build/logs"
	echo "=== check on $beside started beside the others (output below)"
	(
		rc=0
		box_check "$beside" >"$beside_out" 2>&1 || rc=$?
		echo "$rc" >"$beside_out.rc"
	) &
	beside_pid=$!
	# Killed with the rest when this script is.
	trap 'kill "$beside_pid" 2>/dev/null' EXIT
fi

# Tests of the scripts themselves, on this machine, before any box.
for t in "$AETHER_TOP"/scripts/tests/*-test.sh; do
	echo "=== ${t##*/}"
	out=$("$t") || broken+=("${t##*/}")
	echo "$out"
	read -r p _ f _ < <(tail -n1 <<<"$out")
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
done

# Installing as a user would (make install, DKMS) on the releases that
# have a header tree under /lib/modules (not the debug kernel).
installable=()
for rel in "$@"; do
	[[ -d /lib/modules/$rel/build ]] && installable+=("$rel")
done
if [[ ${#installable[@]} -gt 0 ]]; then
	echo "=== dkms-check.sh ${installable[*]}"
	out=$("$AETHER_TOP/scripts/dkms-check.sh" "${installable[@]}") ||
		broken+=(dkms-check)
	echo "$out"
	read -r p _ f _ < <(tail -n1 <<<"$out")
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
fi

for rel in "$@"; do
	[[ $rel == "$beside" ]] && continue
	echo "=== check on $rel"
	box_rc=0
	box_check "$rel" || box_rc=$?
	box_tally "$rel" "$box_rc"
done
if [[ -n $beside ]]; then
	wait "$beside_pid" || true
	trap - EXIT
	echo "=== check on $beside (ran beside the others)"
	cat "$beside_out"
	box_tally "$beside" "$(cat "$beside_out.rc" 2>/dev/null || echo 1)"
fi

# Why, repeated at the end where a CI log's tail shows it.
for rel in "$@"; do
	why=$AETHER_TOP/build/logs/check-$rel.log.why
	[[ -s $why ]] || continue
	echo "--- why $rel failed:"
	head -n 40 "$why"
done
[[ ${#broken[@]} -eq 0 ]] || echo "FAILED on: ${broken[*]} (logs in build/logs/)"
line="$pass passed, $fail failed"
[[ $skip -gt 0 ]] && line+=", $skip skipped"
echo "$line"
[[ ${#broken[@]} -eq 0 && $fail -eq 0 ]]
