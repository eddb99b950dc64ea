# SPDX-License-Identifier: GPL-2.0
# Job "check", sourced by /init: run every selftest binary, then unload our
# modules, then dump the kernel log. scripts/box-report.sh parses this.

# run_selftest DIR PROG: one kselftest_harness program, printing TAP, under
# the timeout from its directory's kselftest "settings" file.
run_selftest() {
	t=$(sed -n 's/^timeout=//p' "$1/settings" 2>/dev/null)
	echo "# AETHER-TEST $2 BEGIN"
	(cd "$1" && timeout "${t:-300}" "./$2" </dev/null 2>&1)
	echo "# AETHER-TEST $2 END rc=$?"
}

for prog in /selftests/*/*; do
	case "$prog" in *.o|*/settings|*/config) continue ;; esac
	if [ ! -f "$prog" ] || [ ! -x "$prog" ]; then
		continue
	fi
	run_selftest "${prog%/*}" "${prog##*/}"
done

unload_ours

echo "=== AETHER DMESG BEGIN ==="
dmesg
echo "=== AETHER DMESG END ==="
