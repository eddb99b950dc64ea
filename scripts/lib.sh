# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts under scripts/. Source it; do not run it.
#
# Nothing here installs anything: scripts/deps.sh does that. These only
# answer "where is X" so that every script and the Makefile agree.

# set -e also inside $(...): a failing helper must stop the script.
shopt -s inherit_errexit

# shellcheck disable=SC2034 # used by the scripts that source this
AETHER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AETHER_CACHE=${AETHER_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/aether}

# The two supported kernels, as the Debian meta-packages that pull them in.
declare -A AETHER_META=(
	[6.1]=linux-image-amd64
	[6.12]=linux-image-6.12-amd64
)

die() { echo "${0##*/}: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*" >&2; }

# pkg_version PKG: installed version of PKG, empty when not installed.
pkg_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "ii" { print $2 }' || true
}

# rel_from_meta PKG: the release a linux-image meta-package depends on,
# e.g. linux-image-amd64 -> 6.1.0-56-amd64. Asking dpkg rather than
# hard-coding keeps us right across Debian point releases.
rel_from_meta() {
	dpkg-query -W -f='${Depends}\n' "$1" 2>/dev/null |
		sed 's/[,|]/\n/g' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' |
		sed 's/-unsigned$//' | head -n1 || true
}

# rel_fallback SERIES: newest /lib/modules/<rel> of a series (6.1, 6.12)
# that has headers, for machines where the meta-package is absent.
rel_fallback() {
	local d
	for d in /lib/modules/"$1".*; do
		if [[ -d $d/build ]]; then basename "$d"; fi
	done | sort -V | tail -n1
}

# kernel_rel SERIES: the installed release for a supported series.
kernel_rel() {
	local rel
	[[ -n ${AETHER_META[$1]:-} ]] || die "unknown kernel series '$1'"
	rel=$(rel_from_meta "${AETHER_META[$1]}")
	[[ -n $rel && -d /lib/modules/$rel ]] || rel=$(rel_fallback "$1")
	echo "$rel"
}

# kernel_rels: every supported release, oldest first.
kernel_rels() {
	local s
	for s in 6.1 6.12; do
		kernel_rel "$s"
	done
}

# Where deps.sh puts the files it takes from linux-source-6.1. Keyed by the
# package version so that a new upload is extracted afresh.
src_version() { pkg_version linux-source-6.1; }
ksft_dir() { echo "$AETHER_CACHE/ksft-$(src_version)"; }
checkpatch_dir() { echo "$AETHER_CACHE/checkpatch-$(src_version)"; }
checkpatch_pl() { echo "$(checkpatch_dir)/scripts/checkpatch.pl"; }

# kernel_root REL: the root a kernel is installed under: / for a Debian
# kernel (/boot/vmlinuz-REL, /lib/modules/REL), the cache for a kernel we
# built (scripts/debug-kernel.sh links $AETHER_CACHE/kernels/REL there).
kernel_root() {
	if [[ -e /boot/vmlinuz-$1 ]]; then
		echo /
	elif [[ -d $AETHER_CACHE/kernels/$1 ]]; then
		readlink -f "$AETHER_CACHE/kernels/$1"
	else
		die "no kernel $1 (neither /boot/vmlinuz-$1 nor $AETHER_CACHE/kernels/$1)"
	fi
}

# kernel_kdir REL: the tree to build REL's out-of-tree modules against.
kernel_kdir() {
	local root
	root=$(kernel_root "$1")
	echo "${root%/}/lib/modules/$1/build"
}

# kernel_is_debug REL: true for a kernel with the checks of the debug
# kernel (kmemleak, fault injection): the reliability phases run there.
kernel_is_debug() {
	local root
	root=$(kernel_root "$1")
	grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "${root%/}/boot/config-$1" 2>/dev/null
}
