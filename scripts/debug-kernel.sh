#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Aether debug kernel: Debian's linux-source-6.1 with a small config
# (allnoconfig + scripts/debug-kernel/aether-debug.config: what the box
# needs, KASAN, kmemleak, lockdep, UBSAN, fault injection), built once and
# cached under $AETHER_CACHE/debug-kernel/<key>/, where the key is the
# source package version and a hash of everything that shapes the build
# (fragment, patches, this script's recipe, the compiler).
#
#   scripts/debug-kernel.sh build   build unless cached; print the release
#   scripts/debug-kernel.sh rel     the release, empty when not built yet
#   scripts/debug-kernel.sh key     the cache key
#   scripts/debug-kernel.sh verify  check the cached .config again
#
# A built kernel looks like an installed one under a root of its own:
#   <key>/root/boot/vmlinuz-REL
#   <key>/root/lib/modules/REL/build -> <key>/obj   (O= tree, Module.symvers)
#   <key>/root/lib/modules/REL/kernel/...           (its few modules: nbd,
#                                                   dm-mod, dm-delay)
#   <key>/root/lib/modules/REL/modules.builtin*, modules.dep (modinfo)
# and $AETHER_CACHE/kernels/REL points at that root, which is how
# scripts/lib.sh (kernel_root) finds it for the matrix and the box.
# REL ends in the key's hash (6.1.192-aether-debug-0123abcd): kernels of
# two keys are two releases, each with its own link, so a kernel built
# from a new fragment never takes the place of an older one that modules
# of another tree were built against (a config that adds a field to a
# struct, as the device mapper's does to struct gendisk, would make
# those modules read the wrong bytes); the older one stays in the cache
# until removed by hand.
#
# Environment: AETHER_JOBS (default nproc) for make -j.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

HERE=$AETHER_TOP/scripts/debug-kernel
FRAGMENT=$HERE/aether-debug.config
TARBALL=/usr/src/linux-source-6.1.tar.xz
TOPDIR=linux-source-6.1
# Bump when the steps below change in a way that changes the kernel.
# 2: the release carries the key's hash; modules are installed.
RECIPE=2

# key: source version + hash of the inputs, e.g. 6.1.192-2-0123abcd4567
key() {
	local ver
	ver=$(src_version)
	[[ -n $ver ]] || die "linux-source-6.1 is not installed (scripts/deps.sh)"
	echo "$ver-$( {
		echo "recipe $RECIPE"
		cat "$FRAGMENT" "$HERE"/*.patch
		gcc --version | head -n1
	} | sha256sum | cut -c1-12)"
}

BASE=$AETHER_CACHE/debug-kernel
KEY=$(key)
DIR=$BASE/$KEY
OBJ=$DIR/obj
ROOT=$DIR/root
# Every make of the kernel appends this to CONFIG_LOCALVERSION: REL's
# key hash (its first 8 digits).
HASH=${KEY##*-}
KMAKE=(make LOCALVERSION="-${HASH:0:8}")

# src_tree: the extracted, patched source, shared by every config that
# uses the same source and patches.
src_tree() {
	local phash src tmp p
	phash=$(cat "$HERE"/*.patch | sha256sum | cut -c1-8)
	src=$BASE/src-$(src_version)-$phash
	if [[ ! -f $src/.aether-ready ]]; then
		note "extracting $TARBALL"
		tmp=$(mktemp -d "$BASE/.src.XXXXXX")
		tar -C "$tmp" -xJf "$TARBALL" "$TOPDIR"
		for p in "$HERE"/*.patch; do
			patch -d "$tmp/$TOPDIR" -p1 -s --no-backup-if-mismatch <"$p" ||
				die "patch $p does not apply"
		done
		rm -rf "$src"
		mv "$tmp/$TOPDIR" "$src"
		rmdir "$tmp"
		touch "$src/.aether-ready"
	fi
	echo "$src"
}

# verify_config CONFIG: every line of the fragment must hold in CONFIG.
verify_config() {
	local cfg=$1 line sym bad=0
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || {
				echo "  missing: $line (have: $(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset))"
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$cfg"; then
				echo "  should be unset: $(grep "^$sym=" "$cfg")"
				bad=1
			fi
			;;
		esac
	done <"$FRAGMENT"
	return "$bad"
}

# install_root SRC REL: the "installed kernel" view of the build, its
# modules installed as modules_install puts them (with modules.builtin*,
# modules.order and depmod's files).
install_root() {
	local src=$1 rel=$2 md=$ROOT/lib/modules/$2
	rm -rf "$ROOT"
	mkdir -p "$ROOT/boot"
	cp "$OBJ/arch/x86/boot/bzImage" "$ROOT/boot/vmlinuz-$rel"
	cp "$OBJ/System.map" "$ROOT/boot/System.map-$rel"
	cp "$OBJ/.config" "$ROOT/boot/config-$rel"
	"${KMAKE[@]}" -C "$src" O="$OBJ" INSTALL_MOD_PATH="$ROOT" \
		modules_install >>"$DIR/build.log" 2>&1 ||
		die "modules_install failed (log $DIR/build.log)"
	[[ -d $md ]] || die "modules_install made no $md"
	ln -sfn "$OBJ" "$md/build"
	depmod -b "$ROOT" "$rel"
}

build() {
	local src jobs=${AETHER_JOBS:-$(nproc)} start=$SECONDS rel log
	mkdir -p "$BASE"
	# A kernel already built needs no lock: a build of another key may
	# hold it for a long while.
	if [[ ! -f $DIR/done ]]; then
		exec 9>"$BASE/.lock"
		flock 9
	fi
	if [[ ! -f $DIR/done ]]; then
		src=$(src_tree)
		rm -rf "$DIR"
		mkdir -p "$OBJ"
		log=$DIR/build.log
		note "building the debug kernel in $DIR (-j$jobs, log $log)"
		{
			"${KMAKE[@]}" -C "$src" O="$OBJ" \
				KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig &&
			"${KMAKE[@]}" -C "$src" O="$OBJ" olddefconfig
		} >"$log" 2>&1 || { tail -n 30 "$log"; die "configuring failed"; }
		if ! verify_config "$OBJ/.config"; then
			die "options of $FRAGMENT did not survive olddefconfig (see above)"
		fi
		"${KMAKE[@]}" -C "$src" O="$OBJ" -j"$jobs" bzImage modules \
			>>"$log" 2>&1 ||
			{ tail -n 40 "$log"; die "kernel build failed (log $log)"; }
		[[ -f $OBJ/Module.symvers ]] || die "no Module.symvers in $OBJ"
		rel=$(cat "$OBJ/include/config/kernel.release")
		[[ $rel == *-${HASH:0:8} ]] ||
			die "release $rel does not end in the key's hash"
		install_root "$src" "$rel"
		echo "$((SECONDS - start))" >"$DIR/build-seconds"
		echo "$rel" >"$DIR/done"
		note "debug kernel $rel built in $((SECONDS - start))s"
	fi
	rel=$(cat "$DIR/done")
	mkdir -p "$AETHER_CACHE/kernels"
	ln -sfn "$ROOT" "$AETHER_CACHE/kernels/$rel"
	echo "$rel"
}

case "${1:-}" in
build)	build ;;
rel)	if [[ -f $DIR/done ]]; then cat "$DIR/done"; fi ;;
key)	key ;;
verify)	verify_config "$OBJ/.config" && echo "all options of ${FRAGMENT##*/} set" ;;
*)	sed -n 's/^#   //p' "$0" >&2; exit 2 ;;
esac
