#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Which accelerator the test box may use: KVM with the host's CPU model
# when a probe boot shows that KVM really runs a guest here, software
# emulation (TCG) with "-cpu max" otherwise.
#
#   scripts/accel.sh KERNEL     print "<accel> <cpu> <how>", e.g.
#                               "kvm host probed" or "tcg max no-kvm-device"
#
# A writable /dev/kvm is not enough: on some hosts QEMU aborts setting an
# MSR, on others the guest hangs with the host CPU spinning in KVM. So the
# probe boots KERNEL once under KVM with "-cpu host" and a tiny initramfs
# whose /init prints a marker carrying a nonce from the command line, then
# powers off. KVM counts as usable only if the marker arrives within
# AETHER_ACCEL_PROBE_SECONDS (default 30; a KVM boot takes a few). The
# verdict is cached in $AETHER_CACHE/accel/, keyed by what decides it: the
# host CPU's flags, the host kernel release and the QEMU version.
#
# Environment:
#   AETHER_ACCEL=kvm|tcg        force one; forcing kvm where the probe fails
#                               exits 1 at once with the reason
#   AETHER_ACCEL_PROBE_SECONDS  bound on the probe boot
#   AETHER_KVM_DEVICE           the KVM device (default /dev/kvm)
#   AETHER_QEMU                 the QEMU binary (default qemu-system-x86_64)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

KERNEL=${1:?usage: accel.sh KERNEL}
QEMU=${AETHER_QEMU:-qemu-system-x86_64}
KVM_DEV=${AETHER_KVM_DEVICE:-/dev/kvm}
BOUND=${AETHER_ACCEL_PROBE_SECONDS:-30}
MARKER=AETHER-ACCEL-PROBE-OK

[[ $BOUND =~ ^[1-9][0-9]*$ ]] ||
	die "AETHER_ACCEL_PROBE_SECONDS must be a positive number of seconds"

# verdict_key: what decides whether KVM works, hashed.
verdict_key() {
	{
		grep -m1 '^flags' /proc/cpuinfo || true
		uname -r
		"$QEMU" --version 2>/dev/null | head -n1 || true
	} | sha256sum | cut -c1-16
}

# probe_initramfs OUT: busybox and an /init that prints the marker with
# the nonce it finds on the command line, then powers off.
probe_initramfs() {
	local out=$1 root
	root=$(mktemp -d "${out%/*}/probe-root.XXXXXX")
	mkdir -p "$root/bin" "$root/proc"
	cp /bin/busybox "$root/bin/busybox"
	cat >"$root/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox mount -t proc proc /proc
	for w in $(/bin/busybox cat /proc/cmdline); do
		case $w in aether.nonce=*) echo "AETHER-ACCEL-PROBE-OK ${w#*=}" ;; esac
	done
	/bin/busybox poweroff -f
	EOF
	chmod 755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out"
	rm -rf "$root"
}

# probe: boot KERNEL under KVM; print "kvm" or "tcg <why>". QEMU runs in
# the background and is killed at the bound, so a guest that hangs (even
# one QEMU cannot leave) never holds the caller past it.
probe() {
	local dir nonce pid t=0 rc=0 hung=0
	[[ -f /bin/busybox ]] || die "no /bin/busybox (scripts/deps.sh)"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/aether-accel.XXXXXX")
	nonce=$RANDOM$RANDOM
	probe_initramfs "$dir/initrd"
	"$QEMU" -machine q35 -accel kvm -cpu host -smp 1 -m 256M \
		-nodefaults -no-user-config -no-reboot -display none \
		-kernel "$KERNEL" -initrd "$dir/initrd" -serial stdio \
		-append "console=ttyS0 quiet panic=-1 rdinit=/init aether.nonce=$nonce" \
		</dev/null >"$dir/out" 2>&1 &
	pid=$!
	# Poll in tenths of a second up to the bound.
	while ((t < BOUND * 10)); do
		grep -q "$MARKER $nonce" "$dir/out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		sleep 0.5	# a guest that printed the marker is powering off
		kill -KILL "$pid" 2>/dev/null && hung=1
		# A QEMU stuck in the host kernel may outlive SIGKILL for a
		# while: never wait on it past a few seconds.
		for t in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	kill -0 "$pid" 2>/dev/null || wait "$pid" 2>/dev/null || rc=$?
	if grep -q "$MARKER $nonce" "$dir/out"; then
		echo kvm
	elif [[ $hung == 1 ]]; then
		echo "tcg no marker within ${BOUND}s (guest hung)"
	else
		echo "tcg QEMU exited with $rc:" \
			"$(grep -v '^ *$' "$dir/out" | tail -n1 | cut -c1-160)"
	fi
	rm -rf "$dir"
}

# verdict: the cached probe result, probing first when there is none.
verdict() {
	local file v
	file=$AETHER_CACHE/accel/$(verdict_key)
	if [[ ! -s $file ]]; then
		note "probing KVM with $KERNEL (at most ${BOUND}s)"
		mkdir -p "${file%/*}"
		# Two boxes may start at once (scripts/check.sh): each its own.
		probe >"$file.tmp.$$"
		mv -f "$file.tmp.$$" "$file"
	fi
	v=$(cat "$file")
	echo "$v"
}

main() {
	local forced=${AETHER_ACCEL:-} v
	case $forced in
	""|kvm|tcg) ;;
	*) die "AETHER_ACCEL must be kvm or tcg, not '$forced'" ;;
	esac
	if [[ $forced == tcg ]]; then
		echo "tcg max forced"
		return
	fi
	if [[ ! -c $KVM_DEV && ! -f $KVM_DEV ]] || [[ ! -w $KVM_DEV ]]; then
		[[ $forced != kvm ]] || die "AETHER_ACCEL=kvm, but $KVM_DEV is missing or not writable"
		echo "tcg max no-kvm-device"
		return
	fi
	v=$(verdict)
	if [[ $v == kvm ]]; then
		echo "kvm host probed"
		return
	fi
	[[ $forced != kvm ]] ||
		die "AETHER_ACCEL=kvm, but KVM cannot run a guest here: ${v#tcg }"
	echo "tcg max kvm-unusable"
}

main
