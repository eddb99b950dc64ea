#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Aether test box: build an initramfs (busybox, kmod's modprobe, our
# modules installed as "make install" installs them: modules_install under
# /lib/modules/RELEASE/updates/aether and depmod; the distro modules they
# need, selftests, tools, job scripts) and boot a Debian
# kernel in QEMU on two NUMA nodes, then judge the serial log. KVM with
# "-cpu host" where a probe boot shows that KVM works (scripts/accel.sh),
# software emulation with "-cpu max" otherwise.
#
#   scripts/box.sh RELEASE JOB LOG      JOB: check | soak | demo | bench | shell
#
# RELEASE is a Debian kernel (/boot, /lib/modules) or the debug kernel that
# scripts/debug-kernel.sh built into the cache (scripts/lib.sh kernel_root).
# On a debug kernel the check job also runs the reliability phases
# (aether.rel=short) and every job gets a longer timeout.
#
# Environment:
#   AETHER_KO_DIR    our .ko files for RELEASE (default build/RELEASE)
#   AETHER_BIN       userspace binaries (default build/bin: selftests/*/,
#                    tools/)
#   AETHER_TIMEOUT   seconds before the run counts as hung (per job default)
#   AETHER_KMODS     extra distro modules to load first (e.g. "zram lz4")
#   AETHER_KMODS_ONDEMAND  distro modules put in the box (with what they
#                    need) but not loaded, for modprobe and request_module();
#                    default "ext4 zram lz4 lz4hc zstd brd dm-mod dm-delay loop
#                    nbd virtio_pci virtio_blk": mount -t ext4
#                    asks for fs-ext4, the benchmark loads the kernel's zram,
#                    6.1's zram asks the crypto API for crypto-<algo> when an
#                    algorithm is chosen, and zram_writeback_test loads brd
#                    (a ramdisk as the backing device) and dm-mod (a device
#                    stacked on ours, refused; dm-delay a slow backing
#                    device); zram_nbd_test loads nbd (the kernel's network
#                    block device client, over 127.0.0.1 to nbd-server in
#                    the box), and virtio_pci and virtio_blk the box's
#                    scratch disk (below). A module the kernel lacks or
#                    has built in is left out.
#   AETHER_PARAMS_<module>  module parameters, replacing the defaults below
#   AETHER_VERBOSE=1 show the serial console live
#   AETHER_CMDLINE   appended to the kernel command line
#   AETHER_ACCEL     kvm or tcg: force an accelerator (scripts/accel.sh)
#   AETHER_SOAK_CALLS, AETHER_SOAK_CYCLES, AETHER_SOAK_STRESS_SECONDS,
#   AETHER_SOAK_RACE_SECONDS, AETHER_SOAK_INJECT_CALLS,
#   AETHER_SOAK_INJECT_SECONDS: soak job sizes
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

REL=${1:?usage: box.sh RELEASE JOB LOG}
JOB=${2:?usage: box.sh RELEASE JOB LOG}
LOG=${3:?usage: box.sh RELEASE JOB LOG}
KO_DIR=${AETHER_KO_DIR:-$AETHER_TOP/build/$REL}
BIN=${AETHER_BIN:-$AETHER_TOP/build/bin}
ROOT=$(kernel_root "$REL")
ROOT=${ROOT%/}
MODDIR=/lib/modules/$REL		# inside the box
HOST_MODDIR=$ROOT/lib/modules/$REL	# where it is on this machine
DEBUG=0
if kernel_is_debug "$REL"; then DEBUG=1; fi

# Default module parameters: a small pool that can grow, so the tests see
# growth within the box's 2 GiB, and the in-kernel self-tests at load.
declare -A PARAMS=(
	[aether_mm]="pool_init_mb=16 pool_max_mb=128 selftest=1"
	[aether_slub]="selftest=1"
	# The region store waits for zram_store_test (aether_mm's loopback
	# store is tested first): it writes region_store=1 itself.
	[aether_zram]="selftest=1 region_store=0"
	# The knobs stay KSM's defaults (dedupe_knobs_test checks them); each
	# selftest sets what it needs and puts them back.
	[aether_dedupe]="selftest=1"
	# The self-tests of the counters; user_max_pages keeps its default
	# (65536 pages, more than aether_mm's pool may grow to here, so only
	# the qos tests that set it meet a user's default bound).
	[aether_qos]="selftest=1"
)

# Seconds before a job counts as hung. Software emulation is slow; the
# selftests' own per-program timeout is in their "settings" file. The bench
# job's zram part alone takes ~10 minutes (lz4hc compresses slowly);
# qosbench's seven repeats of --latency 2 on a quiet host, 15 or so on a
# loaded one.
declare -A TIMEOUTS=([check]=1800 [demo]=300 [bench]=3000 [shell]=0
	[soak]=21600 [qosbench]=1800)
# KASAN, lockdep and kmemleak under software emulation: several times slower.
if [[ $DEBUG == 1 ]]; then
	TIMEOUTS[check]=4800
	TIMEOUTS[demo]=1200
fi

# Warnings become panics, so a WARN_ON ends the run and shows in the log;
# loglevel=5 keeps the console quiet but still prints KERN_WARNING and up
# (the WARNING: line itself is KERN_WARNING, hidden at loglevel=4).
# no_timer_check: under emulation on a loaded host the IO-APIC timer
# check can miss its ticks and panic the boot ("IO-APIC + timer doesn't
# work"), as virtual machines' kernels are told not to check.
CMDLINE="console=ttyS0 loglevel=5 panic_on_warn=1 oops=panic panic=-1 no_timer_check"
# The tests run with slub_debug=FZP; the benches time Linux's caches as
# they ship, so the bench, dedupebench and dedupeab jobs boot with
# slub_debug=- (as scripts/bench.sh asks; AETHER_CMDLINE comes later and
# may override it).
SLUB_DEBUG=FZP
[[ $JOB != bench && $JOB != dedupebench && $JOB != dedupeab ]] ||
	SLUB_DEBUG=-
CMDLINE+=" slub_debug=$SLUB_DEBUG rdinit=/init aether.job=$JOB"
# The jobs that turn trace events on and off (trace_test.sh in check, the
# tracebench job) boot with one event of the kernel's own on in the top
# buffer: the probes that record comms (sched_switch and sched_wakeup,
# registered with the first event on and unregistered with the last one
# off) are then patched into __schedule once, before the second vCPU is
# up, and never out. Under TCG, text_poke_bp of __schedule while the other
# vCPU runs it has hung the box for good (the patching CPU waiting in
# smp_call_function_many_cond() for a vCPU that never answers: stop 38's
# rehearsal, stop 39's CI, both at a test's last event off) and oopsed it
# (stop 28).
[[ $JOB != check && $JOB != tracebench ]] ||
	CMDLINE+=" trace_event=module:module_load"
if [[ $DEBUG == 1 ]]; then
	CMDLINE+=" kmemleak=on"
	[[ $JOB != check ]] || CMDLINE+=" aether.rel=short"
fi
if [[ $JOB == soak ]]; then
	CMDLINE+=" aether.fuzz_calls=${AETHER_SOAK_CALLS:-1000000}"
	CMDLINE+=" aether.cycles=${AETHER_SOAK_CYCLES:-1000}"
	CMDLINE+=" aether.stress_seconds=${AETHER_SOAK_STRESS_SECONDS:-300}"
	CMDLINE+=" aether.race_seconds=${AETHER_SOAK_RACE_SECONDS:-300}"
	CMDLINE+=" aether.inject_calls=${AETHER_SOAK_INJECT_CALLS:-20000}"
	CMDLINE+=" aether.inject_seconds=${AETHER_SOAK_INJECT_SECONDS:-120}"
fi

# The group "aether" of the box (scripts/box/lib.sh gives it the devices).
AETHER_BOX_GID=990

declare -A SEEN=()
LOAD_ORDER=()	# "path kind params", dependencies first

# distro_ko NAME: path of a distro module's file for REL, decompressed into
# the cache (6.12 ships .ko.xz); empty for a built-in module.
distro_ko() {
	local f out
	f=$(modinfo -b "$ROOT/" -k "$REL" -F filename "$1" 2>/dev/null | head -n1) ||
		die "no module '$1' for $REL"
	[[ $f == /* ]] || return 0	# "(builtin)"
	out=$AETHER_CACHE/kmod/$REL/${f#"$HOST_MODDIR"/}
	out=${out%.xz}
	out=${out%.zst}
	if [[ ! -f $out || $out -ot $f ]]; then
		mkdir -p "${out%/*}"
		case $f in
		*.xz)	xz -dc "$f" >"$out.tmp" ;;
		*.zst)	zstd -qdc "$f" >"$out.tmp" ;;
		*)	cp "$f" "$out.tmp" ;;
		esac
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# module_deps KO: hard dependencies and "pre:" soft dependencies.
module_deps() {
	modinfo -F depends "$1" | tr ',' '\n'
	modinfo -F softdep "$1" | sed -n 's/.*pre: *\([^:]*\)\( post:.*\)\{0,1\}$/\1/p' |
		tr ' ' '\n'
}

# visit NAME [PATH]: depth-first, so that every module comes after what it
# needs. One of ours when PATH is given, else a distro module, of the kind
# DISTRO_KIND: "dep" (loaded at boot) or "ondemand" (only installed).
visit() {
	local name=${1//-/_} path=${2:-} kind=ours dep
	[[ -z ${SEEN[$name]:-} ]] || return 0
	SEEN[$name]=1
	if [[ -z $path ]]; then
		path=$(distro_ko "$name")
		kind=${DISTRO_KIND:-dep}
		[[ -n $path ]] || return 0
	fi
	for dep in $(module_deps "$path"); do
		visit "$dep" "$(our_ko "$dep")"
	done
	local var=AETHER_PARAMS_$name
	LOAD_ORDER+=("$path $kind ${!var-${PARAMS[$name]:-}}")
}

# our_ko NAME: path of our module NAME, if we built it.
our_ko() {
	find "$KO_DIR" -name "${1//-/_}.ko" -print -quit 2>/dev/null
}

resolve_modules() {
	local m ko
	for m in ${AETHER_KMODS:-}; do
		visit "$m"
	done
	while read -r ko; do
		visit "$(basename "$ko" .ko)" "$ko"
	done < <(find "$KO_DIR" -name '*.ko' | sort)
	# Last, so that a module that one of the above needs is loaded.
	for m in ${AETHER_KMODS_ONDEMAND-ext4 zram lz4 lz4hc zstd brd dm-mod dm-delay loop nbd virtio_pci virtio_blk}; do
		modinfo -b "$ROOT/" -k "$REL" -F filename "$m" >/dev/null 2>&1 || continue
		DISTRO_KIND=ondemand visit "$m"
	done
	[[ ${#LOAD_ORDER[@]} -gt 0 ]] || die "no .ko files in $KO_DIR"
}

# install_ours ROOT: our modules as "make install" puts them on a
# machine: the kernel's modules_install with INSTALL_MOD_DIR=updates/aether
# (compressed where the kernel's config says so: 6.12 gives .ko.xz), into
# ROOT as INSTALL_MOD_PATH.  A KO_DIR that is no Kbuild output (no
# modules.order) has its .ko files copied there instead.
install_ours() {
	local root=$1 kdir
	kdir=$(kernel_kdir "$REL")
	if [[ -f $KO_DIR/modules.order && -d $kdir ]]; then
		make -s -C "$kdir" M="$(cd "$KO_DIR" && pwd)" \
			INSTALL_MOD_PATH="$root" INSTALL_MOD_DIR=updates/aether \
			modules_install >/dev/null 2>"$root/.modinst.err" || {
			cat "$root/.modinst.err" >&2
			die "modules_install of $KO_DIR for $REL failed"
		}
		rm -f "$root/.modinst.err"
	else
		note "$KO_DIR has no modules.order: its .ko files copied"
		mkdir -p "$root$MODDIR/updates/aether"
		find "$KO_DIR" -name '*.ko' -exec cp {} "$root$MODDIR/updates/aether/" \;
	fi
}

# installed_ko ROOT NAME: where install_ours put our module NAME, in the box.
installed_ko() {
	local f
	f=$(find "$1$MODDIR/updates/aether" -name "$2.ko*" -print -quit)
	[[ -n $f ]] || die "modules_install left no $2.ko under updates/aether"
	echo "${f#"$1"}"
}

# install_modules ROOT: ours under updates/aether, the distro's at their
# own paths, then depmod -b ROOT: the box loads the suite with modprobe
# (scripts/box/lib.sh), and a request_module() from the kernel works.
# /etc/aether/modules keeps the load order and parameters for /init.
install_modules() {
	local root=$1 entry path kind params dst
	mkdir -p "$root$MODDIR" "$root/etc/aether"
	install_ours "$root"
	for entry in "${LOAD_ORDER[@]}"; do
		read -r path kind params <<<"$entry"
		if [[ $kind == ours ]]; then
			dst=$(installed_ko "$root" "$(basename "$path" .ko)")
		else
			dst=$MODDIR/${path#"$AETHER_CACHE/kmod/$REL/"}
			mkdir -p "$root${dst%/*}"
			cp "$path" "$root$dst"
		fi
		echo "$dst $kind $params" >>"$root/etc/aether/modules"
	done
	cp "$HOST_MODDIR"/modules.builtin* "$HOST_MODDIR/modules.order" "$root$MODDIR/" 2>/dev/null || true
	depmod -b "$root" "$REL"
	install_modprobe "$root"
}

# install_modprobe ROOT: kmod's modprobe, as Debian ships it (busybox's
# stays where there is no kmod: /init then uses whichever is there, and
# insmod only when there is no modprobe at all).
install_modprobe() {
	local root=$1 kmod
	kmod=$(command -v kmod) || { note "no kmod here: busybox's modprobe in the box"; return 0; }
	install_elf "$root" "$kmod"
	rm -f "$root/sbin/modprobe"
	ln -s "$kmod" "$root/sbin/modprobe"
}

# install_elf ROOT FILE...: programs of this machine, each with the shared
# libraries it links and its ELF interpreter, at the same paths (ldd's
# list; symlinks followed), so that the box runs them as Debian built them.
install_elf() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		for lib in "$f" $(ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
			[[ -e $root$lib ]] && continue
			mkdir -p "$root${lib%/*}"
			rm -f "$root$lib"
			cp -L "$lib" "$root$lib"
		done
	done
}

# install_e2fsprogs ROOT: mkfs.ext4 and fsck.ext4 from Debian's e2fsprogs
# (busybox has neither), replacing busybox's mke2fs, and its mke2fs.conf,
# so that an ext4 made in the box has the features it has on Debian.
install_e2fsprogs() {
	local root=$1 mke2fs e2fsck
	mke2fs=$(dpkg -L e2fsprogs | grep -m1 '/sbin/mke2fs$') ||
		die "no mke2fs in e2fsprogs (scripts/deps.sh)"
	e2fsck=$(dpkg -L e2fsprogs | grep -m1 '/sbin/e2fsck$') ||
		die "no e2fsck in e2fsprogs (scripts/deps.sh)"
	rm -f "$root/sbin/mke2fs" "$root/sbin/e2fsck"
	install_elf "$root" "$mke2fs" "$e2fsck"
	[[ $mke2fs == /sbin/mke2fs ]] || ln -sf "$mke2fs" "$root/sbin/mke2fs"
	[[ $e2fsck == /sbin/e2fsck ]] || ln -sf "$e2fsck" "$root/sbin/e2fsck"
	ln -sf mke2fs "$root/sbin/mkfs.ext4"
	ln -sf e2fsck "$root/sbin/fsck.ext4"
	cp /etc/mke2fs.conf "$root/etc/"
}

# install_nbd ROOT: Debian's nbd-server and nbd-client (scripts/deps.sh),
# with what they link, for zram_nbd_test's remote backing device; left
# out, with a note, on a machine without them (the test then skips).
install_nbd() {
	local root=$1 f
	for f in /usr/bin/nbd-server /usr/sbin/nbd-client; do
		if [[ -x $f ]]; then
			install_elf "$root" "$f"
		else
			note "no $f here (scripts/deps.sh): the box has none"
		fi
	done
}

install_busybox() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list-full); do
		[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
	done
}

# install_userspace ROOT: selftest programs keep their directory and its
# "settings"; tools go on PATH. All are static: the box has no libc.
install_userspace() {
	local root=$1 d f
	for d in "$BIN"/selftests/*/; do
		[[ -d $d ]] || continue
		mkdir -p "$root/selftests/$(basename "$d")"
		for f in "$d"*; do
			if [[ -f $f && ( -x $f || ${f##*/} == settings ) && $f != *.o ]]; then
				cp "$f" "$root/selftests/$(basename "$d")/"
			fi
		done
	done
	if [[ -d $BIN/tools ]]; then
		find "$BIN/tools" -maxdepth 1 -type f -perm -u+x \
			-exec cp {} "$root/usr/bin/" \;
	fi
}

install_scripts() {
	local root=$1 here=$AETHER_TOP/scripts/box
	install -m 755 "$here/init" "$root/init"
	cp "$here/lib.sh" "$root/etc/aether/lib.sh"
	cp "$here/reliability.sh" "$root/etc/aether/reliability.sh"
	cp -r "$here/jobs" "$root/etc/aether/jobs"
	mkdir -p "$root/etc/udev/rules.d"
	cp "$AETHER_TOP/udev/60-aether.rules" "$root/etc/udev/rules.d/"
}

# install_users ROOT: an ordinary system, so that tests can run as real
# unprivileged users who open the devices themselves: / is 0755; alice and
# bob are in the group "aether" (which /init gives the devices, as the
# udev rule would), mallory is not.
install_users() {
	local root=$1
	chmod 755 "$root"
	cat >"$root/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	alice:x:1000:1000:aether user:/tmp:/bin/sh
	bob:x:1001:1001:aether user:/tmp:/bin/sh
	mallory:x:1002:1002:not in group aether:/tmp:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$root/etc/group" <<-EOF
	root:x:0:
	aether:x:$AETHER_BOX_GID:alice,bob
	alice:x:1000:
	bob:x:1001:
	mallory:x:1002:
	nogroup:x:65534:
	EOF
}

# build_initramfs OUT: an uncompressed newc cpio; cheap to rebuild, the
# slow part (decompressing distro modules) is cached.
build_initramfs() {
	local out=$1 root
	root=$(mktemp -d "${out%/*}/root.XXXXXX")
	install_busybox "$root"
	install_e2fsprogs "$root"
	install_nbd "$root"
	install_users "$root"
	install_modules "$root"
	install_userspace "$root"
	install_scripts "$root"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out"
	rm -rf "$root"
}

# qemu_args: 2 vCPUs, 2 GiB as two 1 GiB NUMA nodes with one CPU each.
# One socket per node: CPUs of one socket share an LLC, and an LLC that
# spans nodes makes the scheduler WARN in topology_sane() at boot.
# max-ram-below-4g=512M moves RAM above 4 GiB so that the box has every
# zone: node 0 DMA, DMA32 and Normal; node 1 Normal (as on real machines).
# ACCEL and CPU come from scripts/accel.sh.
qemu_args() {
	if [[ -n $SCRATCH ]]; then
		printf '%s\n' -drive \
			"file=$SCRATCH,if=none,id=scratch,format=raw,cache=unsafe" \
			-device virtio-blk-pci,drive=scratch,serial=aether-scratch
	fi
	printf '%s\n' -machine q35,max-ram-below-4g=512M -cpu "$CPU" \
		-smp 2,sockets=2,cores=1,threads=1 -m 2G -accel "$ACCEL" \
		-object memory-backend-ram,id=m0,size=1G \
		-numa node,nodeid=0,cpus=0,memdev=m0 \
		-object memory-backend-ram,id=m1,size=1G \
		-numa node,nodeid=1,cpus=1,memdev=m1 \
		-nodefaults -no-user-config -no-reboot -display none \
		-kernel "$ROOT/boot/vmlinuz-$REL" -initrd "$INITRD" \
		-append "$CMDLINE aether.accel=$ACCEL:$CPU ${AETHER_CMDLINE:-}"
}

# scratch_disk: the box's scratch disk, a sparse file of 64 MiB on this
# machine made for each boot and removed after it, seen in the box as a
# virtio disk whose serial is aether-scratch (the kernel finds it once
# virtio_pci and virtio_blk are loaded): zram_nbd_test's writeback to a
# local disk.  Its contents are nobody's and do not outlive the boot.
SCRATCH=
scratch_disk() {
	SCRATCH=$(mktemp "$AETHER_TOP/build/box/$REL/scratch-XXXXXX.img")
	trap 'rm -f "$SCRATCH"' EXIT
	truncate -s 64M "$SCRATCH"
}

# choose_accel: KVM only where a probe boot showed that it works (cached,
# scripts/accel.sh); said on the console and as the log's first line, so
# that every figure can be read against it.
choose_accel() {
	local how
	read -r ACCEL CPU how < <("$AETHER_TOP/scripts/accel.sh" \
		"$ROOT/boot/vmlinuz-$REL" || echo "fail")
	[[ $ACCEL != fail ]] || die "no usable accelerator (see above)"
	ACCEL_LINE="accelerator $ACCEL, cpu $CPU ($how), $(qemu-system-x86_64 --version | head -n1)"
	note "$REL: $ACCEL_LINE"
}

# boot_batch: no stdin, serial to the log, killed after the timeout.
# Returns QEMU's status (124 on timeout).
boot_batch() {
	local t=${AETHER_TIMEOUT:-${TIMEOUTS[$JOB]:-900}} rc=0 args
	mapfile -t args < <(qemu_args)
	note "booting $REL, job $JOB (timeout ${t}s), log $LOG"
	echo "=== AETHER HOST $ACCEL_LINE" >"$LOG"
	if [[ ${AETHER_VERBOSE:-0} == 1 ]]; then
		timeout -k 10 "$t" qemu-system-x86_64 "${args[@]}" \
			-serial stdio </dev/null 2>&1 | tee -a "$LOG" || rc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$t" qemu-system-x86_64 "${args[@]}" \
			-serial stdio </dev/null >>"$LOG" 2>&1 || rc=$?
	fi
	return "$rc"
}

boot_shell() {
	local args
	mapfile -t args < <(qemu_args)
	qemu-system-x86_64 "${args[@]}" -serial mon:stdio
}

main() {
	local start rc=0
	[[ -f $ROOT/boot/vmlinuz-$REL ]] || die "no kernel $ROOT/boot/vmlinuz-$REL"
	[[ -d $KO_DIR ]] || die "no modules for $REL in $KO_DIR (make matrix)"
	mkdir -p "$AETHER_TOP/build/box/$REL" "$(dirname "$LOG")"
	INITRD=$AETHER_TOP/build/box/$REL/initramfs-$JOB.cpio
	choose_accel
	resolve_modules
	build_initramfs "$INITRD"
	scratch_disk
	if [[ $JOB == shell ]]; then
		boot_shell
		return
	fi
	start=$SECONDS
	boot_batch || rc=$?
	note "$REL: QEMU exited with $rc after $((SECONDS - start))s"
	# The check job's TAP is printed by the report; other jobs are for a
	# person, who wants to see what the job printed.
	if [[ $JOB != check && $JOB != soak && ${AETHER_VERBOSE:-0} != 1 ]]; then
		tr -d '\r' <"$LOG" | sed -n '/^=== AETHER BEGIN/,/^=== AETHER END/p'
	fi
	"$AETHER_TOP/scripts/box-report.sh" "$LOG" "$JOB" "$rc"
}

main
