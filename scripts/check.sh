#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The box part of "make check": run the "check" job on each release given
# (6.1 then 6.12), each judged by scripts/box-report.sh, then print one
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
	log=$AETHER_TOP/build/logs/check-$rel.log
	echo "=== check on $rel"
	rm -f "$log.result" "$log.why"
	box_rc=0
	"$AETHER_TOP/scripts/box.sh" "$rel" check "$log" || box_rc=$?
	if [[ -f $log.result ]]; then
		read -r p f s <"$log.result"
	else
		p=0 f=1 s=0	# the box never got as far as a report
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [[ $box_rc -ne 0 || $f -ne 0 ]]; then
		broken+=("$rel")
	fi
done

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
