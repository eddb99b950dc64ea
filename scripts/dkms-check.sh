#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make dkms-check": install the suite on this machine as a user would,
# for each release given (Debian's header trees of 6.1 and 6.12 are
# installed; neither kernel needs to run), and take it out again:
#
#  1. make install KVER=REL: the modules under
#     /lib/modules/REL/updates/aether, depmod run, so that modprobe finds
#     aether_zram and, with it, aether_mm and the kernel's lz4 and zstd
#     modules (modprobe --show-depends answers without loading anything);
#     aetherctl, its man page and its bash completion land where the
#     shell, man and bash look for them;
#  2. make uninstall KVER=REL: nothing of ours left, depmod run again;
#  3. DKMS: dkms add, build, install (modules under updates/dkms, the same
#     dependencies resolved), uninstall, remove; nothing left.
#
# Every step leaves the machine as it found it, also on a failure (trap).
# TAP on stdout, then "N passed, N failed".
#
#   scripts/dkms-check.sh RELEASE...
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
TAP_PREFIX=dkms
# shellcheck source=scripts/tests/tap.sh
. "$HERE/tests/tap.sh"

[[ $# -gt 0 ]] || { echo "usage: dkms-check.sh RELEASE..." >&2; exit 2; }
MODULES=(aether_mm aether_slub aether_zram aether_dedupe aether_qos)
NAME=aether
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
SRC=/usr/src/$NAME-$VERSION

cleanup() {
	local r
	dkms remove "$NAME/$VERSION" --all >/dev/null 2>&1
	rm -rf "$SRC"
	for r in "${RELS[@]}"; do
		make -s -C "$TOP" KVER="$r" uninstall >/dev/null 2>&1
	done
	rm -rf "$WORK"
}
RELS=("$@")
trap cleanup EXIT

# ours_in REL DIR: how many of our modules lie under /lib/modules/REL/DIR.
ours_in() {
	local n=0 m
	for m in "${MODULES[@]}"; do
		[[ -n $(find "/lib/modules/$1/$2" -name "$m.ko*" 2>/dev/null) ]] &&
			n=$((n + 1))
	done
	echo "$n"
}

# resolves REL DIR: modprobe finds aether_zram under DIR and loads
# aether_mm and lz4_compress before it; every module resolves.
resolves() {
	local rel=$1 dir=$2 deps m
	deps=$(modprobe -S "$rel" --show-depends aether_zram 2>&1) || {
		echo "# $deps"; return 1; }
	grep -q "/$dir/\(.*/\)\?aether_mm\.ko" <<<"$deps" &&
		grep -q "lz4_compress\.ko" <<<"$deps" &&
		grep -q "/$dir/\(.*/\)\?aether_zram\.ko" <<<"$deps" || {
		echo "# modprobe --show-depends aether_zram on $rel:"
		sed 's/^/#   /' <<<"$deps"
		return 1
	}
	for m in "${MODULES[@]}"; do
		modprobe -S "$rel" --show-depends "$m" >/dev/null 2>&1 || {
			echo "# $m does not resolve on $rel"; return 1; }
	done
}

CONF=$TOP/packaging/modprobe.d/aether.conf

# What make install puts beside the modules for aetherctl.
AETHERCTL=/usr/sbin/aetherctl
MAN_PAGE=/usr/share/man/man8/aetherctl.8
BASH_COMPLETION=/usr/share/bash-completion/completions/aetherctl

# aetherctl_files_installed: aetherctl runs, the man page and the bash
# completion are there, the same as in the tree, and man formats the page.
aetherctl_files_installed() {
	"$AETHERCTL" --help >/dev/null 2>&1 || {
		echo "# $AETHERCTL --help failed"; return 1; }
	cmp -s "$TOP/packaging/man/aetherctl.8" "$MAN_PAGE" || {
		echo "# no $MAN_PAGE, or not the tree's"; return 1; }
	cmp -s "$TOP/packaging/bash-completion/aetherctl" "$BASH_COMPLETION" || {
		echo "# no $BASH_COMPLETION, or not the tree's"; return 1; }
	local page
	if command -v man >/dev/null; then
		page=$(MANWIDTH=80 man -l "$MAN_PAGE" 2>/dev/null)
		grep -q "aetherctl status" <<<"$page" || {
			echo "# man -l $MAN_PAGE does not show the page"; return 1; }
	fi
}

# conf_names_every_parameter REL: the modprobe.d example has a line for
# every parameter of every installed module of REL.
conf_names_every_parameter() {
	local m p parms rc=0
	for m in "${MODULES[@]}"; do
		parms=$(modinfo -k "$1" -F parm "$m" 2>&1) || {
			echo "# modinfo $m: $parms"; rc=1; continue; }
		for p in $(cut -d: -f1 <<<"$parms"); do
			grep -q "^#options $m $p=" "$CONF" && continue
			echo "# $CONF: no line for $m $p"
			rc=1
		done
	done
	return $rc
}

# conf_options_reach_insmod REL: the example, uncommented, is a modprobe
# configuration: modprobe puts each module's options on its insmod line.
conf_options_reach_insmod() {
	local m line want rc=0
	sed 's/^#options /options /' "$CONF" >"$WORK/aether.conf"
	for m in "${MODULES[@]}"; do
		line=$(modprobe -C "$WORK/aether.conf" -S "$1" \
			--show-depends "$m" 2>&1 | grep "/$m\.ko")
		want=$(sed -n "s/^options $m //p" "$WORK/aether.conf" | head -n1)
		grep -qF -- "$want" <<<"$line" || {
			echo "# $m: '$want' not on '$line'"; rc=1; }
	done
	return $rc
}

# Its own copy of the sources: the checkout's objects must not leak in.
stage_source() {
	rm -rf "$SRC" && mkdir -p "$SRC" &&
		"$TOP/scripts/sync-tree.sh" "$SRC" &&
		cp "$TOP/Makefile" "$TOP/dkms.conf" "$SRC/" &&
		mkdir -p "$SRC/scripts" &&
		cp "$TOP/scripts/paths.sh" "$TOP/scripts/lib.sh" "$SRC/scripts/"
}

for rel in "${RELS[@]}"; do
	log=$WORK/install-$rel.log
	# AETHER_WERROR=y as "make matrix": its objects in build/REL serve.
	make -C "$TOP" -j"$(nproc)" KVER="$rel" AETHER_WERROR=y install \
		>"$log" 2>&1
	rc=$?
	[[ $rc -eq 0 ]] || tail -n 20 "$log" | sed 's/^/# /'
	ok $rc "$rel.make_install"
	[[ $(ours_in "$rel" updates/aether) -eq ${#MODULES[@]} ]]
	ok $? "$rel.installed_under_updates_aether"
	resolves "$rel" updates/aether
	ok $? "$rel.modprobe_resolves_aether_zram_with_aether_mm_and_lz4"
	conf_names_every_parameter "$rel"
	ok $? "$rel.modprobe_conf_names_every_parameter"
	conf_options_reach_insmod "$rel"
	ok $? "$rel.modprobe_conf_options_reach_insmod"
	aetherctl_files_installed
	ok $? "$rel.aetherctl_its_man_page_and_bash_completion_installed"
	make -s -C "$TOP" KVER="$rel" uninstall >"$log" 2>&1
	ok $? "$rel.make_uninstall"
	[[ ! -e /lib/modules/$rel/updates/aether ]] &&
		! modprobe -S "$rel" --show-depends aether_mm >/dev/null 2>&1
	ok $? "$rel.uninstall_leaves_nothing"
	[[ ! -e $AETHERCTL && ! -e $MAN_PAGE && ! -e $BASH_COMPLETION ]]
	ok $? "$rel.uninstall_removes_aetherctl_its_man_page_and_bash_completion"
done

if ! command -v dkms >/dev/null; then
	ok 1 "dkms_installed" "no dkms (scripts/deps.sh installs it)"
	finish
fi
stage_source
ok $? "stage_source_$VERSION"
dkms add "$NAME/$VERSION" >"$WORK/dkms.log" 2>&1
rc=$?
[[ $rc -eq 0 ]] || sed 's/^/# /' "$WORK/dkms.log"
ok $rc "add"
for rel in "${RELS[@]}"; do
	log=$WORK/dkms-$rel.log
	dkms build "$NAME/$VERSION" -k "$rel" >"$log" 2>&1
	rc=$?
	if [[ $rc -ne 0 ]]; then
		tail -n 20 "$log" | sed 's/^/# /'
		f=/var/lib/dkms/$NAME/$VERSION/build/make.log
		[[ -f $f ]] && tail -n 20 "$f" | sed 's/^/# /'
	fi
	ok $rc "$rel.build"
	dkms install "$NAME/$VERSION" -k "$rel" >"$log" 2>&1
	rc=$?
	[[ $rc -eq 0 ]] || tail -n 20 "$log" | sed 's/^/# /'
	ok $rc "$rel.install"
	[[ $(ours_in "$rel" updates/dkms) -eq ${#MODULES[@]} ]]
	ok $? "$rel.installed_under_updates_dkms"
	resolves "$rel" updates/dkms
	ok $? "$rel.modprobe_resolves_the_dkms_modules"
	dkms uninstall "$NAME/$VERSION" -k "$rel" >"$log" 2>&1
	ok $? "$rel.uninstall"
	[[ $(ours_in "$rel" updates/dkms) -eq 0 ]]
	ok $? "$rel.uninstall_leaves_nothing"
done
dkms remove "$NAME/$VERSION" --all >"$WORK/dkms.log" 2>&1
ok $? "remove"
[[ ! -d /var/lib/dkms/$NAME ]]
ok $? "remove_leaves_nothing"
finish
