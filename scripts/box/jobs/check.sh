# SPDX-License-Identifier: GPL-2.0
# Job "check", sourced by /init: run every selftest binary, then unload our
# modules, then dump the kernel log. scripts/box-report.sh parses this.
# On the debug kernel (aether.rel=short on the command line) the
# reliability phases run too: fault injection while the suite is loaded
# and a kmemleak scan at the end. A short load/unload loop runs on every
# kernel.

# run_selftest DIR PROG: one kselftest_harness program, printing TAP, under
# the timeout from its directory's kselftest "settings" file.
run_selftest() {
	t=$(sed -n 's/^timeout=//p' "$1/settings" 2>/dev/null)
	t0=$(uptime_s)
	echo "# AETHER-TEST $2 BEGIN"
	(cd "$1" && timeout "${t:-300}" "./$2" </dev/null 2>&1)
	echo "# AETHER-TEST $2 END rc=$?"
	secs=$(($(uptime_s) - t0))
	echo "# AETHER-TIME $2 $secs"
	echo "$2 $secs" >>"$SELFTEST_TIMES"
	# A child the program left behind (its harness killed by the
	# timeout, or a test that failed between a fork and its handshake)
	# would hold our devices open through the unload checks.
	left=$(procs_named "$2")
	if [ -n "$left" ]; then
		echo "# $2 left processes behind: $(echo "$left" | tr '\n' ' ')killed"
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL $left 2>/dev/null
	fi
}

check_users || status=1

for prog in /selftests/*/*; do
	case "$prog" in *.o|*/settings|*/config) continue ;; esac
	if [ ! -f "$prog" ] || [ ! -x "$prog" ]; then
		continue
	fi
	run_selftest "${prog%/*}" "${prog##*/}"
done

rel=$(sed -n 's/.*aether\.rel=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ -n "$rel" ]; then
	# shellcheck source=scripts/box/reliability.sh
	. /etc/aether/reliability.sh
	rel_inject "$(rel_param inject_calls 3000)" "$(rel_param inject_seconds 30)"
fi

unload_ours

# The load/unload loop runs on every kernel (see reliability.sh).
if [ -z "$rel" ]; then
	# shellcheck source=scripts/box/reliability.sh
	. /etc/aether/reliability.sh
fi
rel_loadloop "$(rel_param cycles 5)"
unload_all_ours
# aether_mm owns /sys/kernel/debug/aether: with the suite gone, so is it.
[ ! -e /sys/kernel/debug/aether ]
tap_result $? debugfs_root_removed_with_the_suite
if [ -n "$rel" ]; then
	rel_kmemleak
fi

echo "=== AETHER DMESG BEGIN ==="
dmesg
echo "=== AETHER DMESG END ==="
