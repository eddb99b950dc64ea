# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# TAP for the tests of the scripts (scripts/tests/*-test.sh). Source it
# after setting TAP_PREFIX (the name before each case, e.g. "accel").
# It makes $WORK, a scratch directory removed at exit.
#
#   ok STATUS NAME [WHY]   one case: STATUS 0 passes
#   finish                 "1..N", "P passed, F failed", exit 1 on a failure

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aether-$TAP_PREFIX-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
n=0 pass=0 fail=0

ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		pass=$((pass + 1))
		echo "ok $n $TAP_PREFIX.$2"
	else
		fail=$((fail + 1))
		echo "not ok $n $TAP_PREFIX.$2${3:+: $3}"
	fi
}

finish() {
	echo "1..$n"
	echo "$pass passed, $fail failed"
	exit $((fail > 0))
}
