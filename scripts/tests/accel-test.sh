#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of scripts/accel.sh outside the box, with fake QEMUs: one that
# aborts as QEMU does on a host whose KVM cannot set an MSR, one whose
# guest hangs, one whose guest boots and prints the marker. TAP on stdout,
# then "N passed, N failed". "make check" runs it before the box.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ACCEL=$HERE/../accel.sh
BOUND=3
TAP_PREFIX=accel
# shellcheck source=scripts/tests/tap.sh
. "$HERE/tap.sh"

# fake KIND: a qemu-system-x86_64 that logs each start, answers
# --version, and otherwise behaves as KIND (abort | hang | works).
fake() {
	local bin=$WORK/$1
	mkdir -p "$bin"
	cat >"$bin/qemu" <<-EOF
	#!/bin/bash
	[[ \${1:-} == --version ]] && { echo "QEMU emulator version 0.0-$1"; exit 0; }
	echo start >>"$bin/starts"
	case $1 in
	abort)	echo "kvm_buf_set_msrs: Assertion failed." >&2; kill -ABRT \$\$ ;;
	hang)	echo \$\$ >"$bin/pid"; exec sleep 600 ;;
	works)	nonce=\$(printf '%s\\n' "\$@" | sed -n 's/.*aether\\.nonce=\\([0-9]*\\).*/\\1/p')
		echo "Linux version 6.1 ... aether.nonce=\$nonce"
		echo "AETHER-ACCEL-PROBE-OK \$nonce" ;;
	lies)	echo "Command line: console=ttyS0 aether.nonce=1234" ;;
	esac
	EOF
	chmod +x "$bin/qemu"
	echo "$bin"
}

# run KIND [VAR=VALUE...]: accel.sh with fake KIND, a writable fake KVM
# device and a cache of its own; sets OUT, RC, SECS and STARTS.
run() {
	local kind=$1 bin t0
	shift
	bin=$(fake "$kind")
	rm -f "$bin/starts"
	: >"$WORK/kvm"
	t0=$(date +%s.%N)
	OUT=$(env AETHER_QEMU="$bin/qemu" AETHER_KVM_DEVICE="$WORK/kvm" \
		AETHER_CACHE="$WORK/cache-$kind" AETHER_ACCEL_PROBE_SECONDS=$BOUND \
		"$@" "$ACCEL" /boot/none 2>"$WORK/err")
	RC=$?
	SECS=$(echo "$(date +%s.%N) - $t0" | bc)
	STARTS=0
	[[ ! -f $bin/starts ]] || STARTS=$(wc -l <"$bin/starts")
}

within() { [[ $(echo "$SECS < $1" | bc) == 1 ]]; }

run abort
ok "$([[ $RC == 0 && $OUT == "tcg max kvm-unusable" ]] && within $BOUND; echo $?)" \
	aborting_qemu_picks_tcg "rc=$RC out='$OUT' ${SECS}s"
ok "$(grep -q 'exited with 134' "$WORK"/cache-abort/accel/*; echo $?)" \
	abort_reason_cached "$(cat "$WORK"/cache-abort/accel/* 2>/dev/null)"

run hang
ok "$([[ $RC == 0 && $OUT == "tcg max kvm-unusable" ]] && within $((BOUND + 8)); echo $?)" \
	hanging_guest_picks_tcg_within_bound "rc=$RC out='$OUT' ${SECS}s"
ok "$(! kill -0 "$(cat "$WORK/hang/pid")" 2>/dev/null; echo $?)" \
	hanging_qemu_killed

run lies
ok "$([[ $RC == 0 && $OUT == "tcg max kvm-unusable" ]]; echo $?)" \
	cmdline_echo_is_not_the_marker "rc=$RC out='$OUT'"

run works
ok "$([[ $RC == 0 && $OUT == "kvm host probed" ]] && within $BOUND; echo $?)" \
	working_kvm_picks_kvm "rc=$RC out='$OUT' ${SECS}s"
run works
ok "$([[ $OUT == "kvm host probed" && $STARTS == 0 ]]; echo $?)" \
	verdict_cached_no_second_boot "out='$OUT' starts=$STARTS"

rm -rf "$WORK/cache-hang"
run hang AETHER_ACCEL=kvm
ok "$([[ $RC != 0 && -z $OUT ]] && within $((BOUND + 8)); echo $?)" \
	forced_kvm_probe_fails_within_bound "rc=$RC out='$OUT' ${SECS}s"
run hang AETHER_ACCEL=kvm
ok "$([[ $RC != 0 && -z $OUT ]] && within 2 && grep -q 'KVM cannot run a guest' "$WORK/err"; echo $?)" \
	forced_kvm_fails_fast_with_reason "rc=$RC out='$OUT' ${SECS}s: $(cat "$WORK/err")"

run abort AETHER_ACCEL=tcg
ok "$([[ $RC == 0 && $OUT == "tcg max forced" && $STARTS == 0 ]]; echo $?)" \
	forced_tcg_never_probes "rc=$RC out='$OUT' starts=$STARTS"

run works AETHER_ACCEL=bogus
ok "$([[ $RC != 0 ]] && grep -q 'must be kvm or tcg' "$WORK/err"; echo $?)" \
	bad_accel_value_refused

run works AETHER_KVM_DEVICE=/nonexistent/kvm
ok "$([[ $OUT == "tcg max no-kvm-device" && $STARTS == 0 ]]; echo $?)" \
	no_kvm_device_picks_tcg_without_boot "out='$OUT' starts=$STARTS"

run works AETHER_KVM_DEVICE=/nonexistent/kvm AETHER_ACCEL=kvm
ok "$([[ $RC != 0 ]] && grep -q 'missing or not writable' "$WORK/err"; echo $?)" \
	forced_kvm_without_device_fails

finish
