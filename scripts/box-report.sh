#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a box's serial log: print the TAP results, the reasons for failure
# and one closing line "N passed, N failed[, N skipped]".
#
#   scripts/box-report.sh LOG JOB QEMU_STATUS
#
# Writes "passed failed skipped" to LOG.result for scripts/check.sh, the
# number of kernel log lines that failed the run to LOG.reports, and why
# each failure failed to LOG.why (check.sh repeats it in its tail).
# Exits 1 on a failed test, a hung box (QEMU_STATUS 124), a missing END
# marker, or any kernel log line matching BAD_PATTERNS.
set -euo pipefail

LOG=${1:?usage: box-report.sh LOG JOB QEMU_STATUS}
JOB=${2:?}
QEMU_RC=${3:-0}

# Kernel log lines that fail a run whatever the tests said.
BAD_PATTERNS=(
	'BUG:'
	'BUG [^ ]+ \((Not tainted|Tainted)'	# slub_debug reports
	'WARNING:'
	'Oops'
	'general protection'
	'list_add corruption'
	'list_del corruption'
	'kernel BUG'
	'Kernel panic'
	'Call Trace'
	'KASAN'
	'UBSAN'
	'kmemleak: [0-9]+ new suspected'
	'unreferenced object 0x'
	'sleeping function called from invalid context'
	'possible recursive locking'
	'circular locking'
	'INFO: task .* blocked'
	'still in use at unload'		# aether_mm: leaked blocks
)

# tap_counts: echo the TAP lines of the box and count test cases. Lines
# are "ok N name", "not ok N name", "ok N name # SKIP why"; a program that
# exits non-zero (not 4, kselftest's skip) without a "not ok" line crashed
# or timed out, and counts as one failure of its own.
tap_counts() {
	awk '
	/^=== AETHER BEGIN / { box = 1; next }
	/^=== AETHER END / { box = 0; next }
	/^=== AETHER DMESG BEGIN/ { dm = 1; next }
	/^=== AETHER DMESG END/ { dm = 0; next }
	!box || dm { next }
	/^# AETHER-TEST .* BEGIN$/ { prog = $3; bad = 0; progs++; next }
	/^# AETHER-TEST .* END rc=/ {
		rc = substr($NF, 4) + 0
		if (rc != 0 && rc != 4 && !bad) {
			print "not ok - " prog " exited with status " rc
			fail++
		}
		next
	}
	/^not ok [0-9]+/ { print; fail++; bad = 1; next }
	/^ok [0-9]+.*# *[Ss][Kk][Ii][Pp]/ { print; skip++; next }
	/^ok [0-9]+/ { print; pass++; next }
	END { printf "COUNTS %d %d %d %d\n", pass, fail, skip, progs }
	'
}

# why_failed: for each failed test case, the harness's lines of that case
# (its assertion's file:line and what it expected, its TH_LOGs), the last
# 16 of them, so that a run's tail says why and not only what (a box
# phase, such as the injection pass, prints its verdict's cause last).
why_failed() {
	awk '
	/^=== AETHER BEGIN / { box = 1; next }
	/^=== AETHER END / { box = 0; next }
	!box { next }
	/^# AETHER-TEST .* BEGIN$/ { prog = $3; next }
	/^#  RUN / { n = 0; next }
	/^# / { buf[n % 16] = $0; n++; next }
	/^ok [0-9]+/ { n = 0; next }
	/^not ok [0-9]+/ {
		print prog ": " $0
		for (i = (n > 16 ? n - 16 : 0); i < n; i++)
			print "  " buf[i % 16]
		n = 0
	}
	'
}

# Under fault injection (a log with "=== AETHER INJECT"), the kernel's own
# report of a failed allocation (warn_alloc: "page allocation failure",
# "vmalloc error"; kmem_cache_create's "failed with error"), with a stack
# dump up to </TASK>, is the injection working, not a bug: such blocks are
# left out, and counted.
WARN_ALLOC='page allocation failure: order:|vmalloc error: size|vmalloc: allocation failure|kmem_cache_create(_usercopy)?\(.*\) failed with error'

# drop_injected_warnings: the log without those blocks when injection ran.
drop_injected_warnings() {
	awk -v re="$WARN_ALLOC" -v inj="$1" '
	inj && $0 ~ re { skip = 1; n++; next }
	skip { if ($0 ~ /<\/TASK>/) skip = 0; next }
	{ print }
	END { if (n) print "AETHER-RESULT expected_alloc_warnings " n > "/dev/stderr" }
	'
}

# bad_lines: kernel log lines matching BAD_PATTERNS, each once.
bad_lines() {
	local re inj=0
	re=$(printf '%s|' "${BAD_PATTERNS[@]}")
	grep -q '^=== AETHER INJECT BEGIN' "$LOG.clean" && inj=1
	drop_injected_warnings "$inj" 2>/dev/null |
		grep -aE "${re%|}" | grep -av '^=== AETHER' | awk '!seen[$0]++' || true
}

# box_failures LOG_TEXT: what went wrong beyond the tests, one line each.
box_failures() {
	local progs=$1 clean=$2
	if [[ $QEMU_RC -eq 124 || $QEMU_RC -eq 137 ]]; then
		echo "box.timeout: killed by the host timeout"
	fi
	if ! grep -q '^=== AETHER END ' <<<"$clean"; then
		echo "box.end_marker: the box died or hung"
	elif [[ $JOB == check && $progs -eq 0 ]]; then
		echo "box.selftests: no selftest programs ran"
	fi
	if [[ -n $(bad_lines <<<"$clean") ]]; then
		echo "box.kernel_log: the kernel reported a problem"
	fi
}

main() {
	local clean out pass fail skip progs bad broken
	clean=$(tr -d '\r' <"$LOG")
	printf '%s\n' "$clean" >"$LOG.clean"
	out=$(tap_counts <<<"$clean")
	read -r _ pass fail skip progs <<<"$(tail -n1 <<<"$out")"
	sed '$d' <<<"$out"

	bad=$(bad_lines <<<"$clean")
	if [[ -n $bad ]]; then
		echo "--- kernel log lines that fail the run ($LOG):"
		head -n 40 <<<"$bad"
	fi
	# A box that died, hung or logged a kernel problem is a failed test
	# of its own, so that the closing line never looks clean.
	broken=$(box_failures "$progs" "$clean")
	if [[ -n $broken ]]; then
		# shellcheck disable=SC2001 # prefix every line
		sed 's/^/not ok - /' <<<"$broken"
		fail=$((fail + $(wc -l <<<"$broken")))
	fi

	{
		why_failed <<<"$clean"
		[[ -z $bad ]] || head -n 10 <<<"$bad"
		[[ -z $broken ]] || printf '%s\n' "$broken"
	} >"$LOG.why"
	echo "$pass $fail $skip" >"$LOG.result"
	if [[ -n $bad ]]; then wc -l <<<"$bad"; else echo 0; fi >"$LOG.reports"
	slowest <"$LOG.clean"
	rm -f "$LOG.clean"
	summary "$pass" "$fail" "$skip"
	[[ $fail -eq 0 ]]
}

# slowest: the programs that took longest (check.sh's AETHER-TIME lines),
# what a box's run time is made of.
slowest() {
	awk '/^# AETHER-TIME / { print $4, $3 }' | sort -rn | head -n 8 |
		awk '{ s = s sep $2 " " $1 "s"; sep = ", " }
		     END { if (s != "") print "# slowest programs: " s }'
}

# summary PASS FAIL SKIP: the closing line.
summary() {
	local s="$1 passed, $2 failed"
	[[ $3 -gt 0 ]] && s+=", $3 skipped"
	echo "$s"
}

main
