#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing Aether needs, from Debian bookworm, and
# take the few files we need from linux-source-6.1 into the cache:
# kselftest.h + kselftest_harness.h, checkpatch.pl + its data files.
# Never copy them into the repo. Idempotent; a fast no-op when all is there.
#
#   scripts/deps.sh                     install + extract
#   scripts/deps.sh --print-ksft-dir    also print the dir of kselftest_harness.h
#   scripts/deps.sh --print-checkpatch  also print the path of checkpatch.pl
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	qemu-system-x86 busybox-static cpio xz-utils zstd
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.1 sparse libc6-dev python3 kmod
	bc bison flex libelf-dev patch
	gcc-multilib pahole
	e2fsprogs dkms
	groff-base
	python3-matplotlib
	nbd-server nbd-client
)
# "bc ... patch" builds the debug kernel (scripts/debug-kernel.sh);
# "gcc-multilib pahole" lays out the UAPI structs for i386 and x86-64 (-m32,
# pahole: scripts/tests/uapi-layout-test.sh); e2fsprogs puts mkfs.ext4 and
# fsck.ext4, with the libraries they link, into the box (scripts/box.sh).
# dkms: "make dkms-check" installs the suite through DKMS for both kernels.
# groff-base: "make lint" formats aetherctl.8 with groff -ww, and
# scripts/tests/aetherctl-packaging-test.sh reads its sections.  kmod's
# modprobe also goes into the box (scripts/box.sh install_modprobe).
# python3-matplotlib: "make bench" draws its PNG plots with it
# (scripts/bench-png.py, run by Debian's /usr/bin/python3).
# nbd-server nbd-client: scripts/box.sh copies both, with what they link,
# into the box, where zram_nbd_test serves a file over 127.0.0.1 and
# connects the kernel's nbd client to it as a writeback backing device.
# checkpatch.pl needs only modules of perl-base, which every Debian has.

# Paths inside linux-source-6.1.tar.xz that we take.
KSFT_FILES=(
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
)
CHECKPATCH_FILES=(
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	Documentation/dev-tools/checkpatch.rst
)

# missing_packages: one dpkg-query for all, so the no-op case stays fast.
missing_packages() {
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
		"${PACKAGES[@]}" 2>/dev/null | awk '$1 == "ii" { print $2 }' || true)
	printf '%s\n' "${PACKAGES[@]}" | grep -vxF -e "$installed" || true
}

# as_root CMD...: run as root, through sudo when we are not root.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	[[ ${#missing[@]} -eq 0 ]] && return 0
	note "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# extract_source: one pass over the (large) tarball for both file sets,
# into a temporary dir that is renamed into place only when complete.
extract_source() {
	local tarball=/usr/src/linux-source-6.1.tar.xz top=linux-source-6.1
	local ksft cp tmp f
	ksft=$(ksft_dir)
	cp=$(checkpatch_dir)
	[[ -f $ksft/kselftest_harness.h && -f $(checkpatch_pl) ]] && return 0
	[[ -f $tarball ]] || die "$tarball missing"
	note "extracting kselftest headers and checkpatch from $tarball"
	mkdir -p "$AETHER_CACHE"
	tmp=$(mktemp -d "$AETHER_CACHE/.extract.XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	tar -C "$tmp" -xJf "$tarball" \
		"${KSFT_FILES[@]/#/$top/}" "${CHECKPATCH_FILES[@]/#/$top/}"
	# kselftest_harness.h includes "kselftest.h": keep them side by side.
	mkdir -p "$tmp/ksft" "$tmp/checkpatch"
	for f in "${KSFT_FILES[@]}"; do
		mv "$tmp/$top/$f" "$tmp/ksft/"
	done
	# checkpatch finds its data files relative to itself: keep the layout.
	mv "$tmp/$top/scripts" "$tmp/$top/Documentation" "$tmp/checkpatch/"
	rm -rf "$ksft" "$cp"
	mv "$tmp/ksft" "$ksft"
	mv "$tmp/checkpatch" "$cp"
	rm -rf "$tmp"
	trap - EXIT
}

main() {
	install_packages
	extract_source
	case "${1:-}" in
	"") ;;
	--print-ksft-dir)	ksft_dir ;;
	--print-checkpatch)	checkpatch_pl ;;
	*)			die "unknown option '$1'" ;;
	esac
}

main "$@"
