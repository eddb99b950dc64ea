#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copy the module sources (Kbuild files, .c, .h) into OUTDIR, so that each
# kernel gets its own out-of-tree build directory: Kbuild writes objects
# next to the sources, and 6.1 and 6.12 objects must not clobber each other.
#
#   scripts/sync-tree.sh OUTDIR
#
# tar keeps the mtimes, so an unchanged file is not rebuilt; files that no
# longer exist in the tree are removed from OUTDIR.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:?usage: sync-tree.sh OUTDIR}

# module_sources: the files Kbuild reads, relative to the top. Module code
# lives in aether_*/, compat/ and include/; generated *.mod.c is not ours.
module_sources() {
	cd "$AETHER_TOP"
	echo Kbuild
	find aether_* compat include -type f \
		\( -name Kbuild -o -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' 2>/dev/null | sort
}

# prune_stale: drop sources in OUTDIR that are gone from the tree, with
# their objects, so a renamed file cannot linger in the build.
prune_stale() {
	local f
	(cd "$out" && find aether_* compat include -type f \
		\( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' \
		2>/dev/null) | while read -r f; do
		if [[ ! -e $AETHER_TOP/$f ]]; then
			rm -f "$out/$f" "$out/${f%.c}.o"
		fi
	done
}

mkdir -p "$out"
module_sources | tar -C "$AETHER_TOP" -cf - -T - | tar -C "$out" -xf -
prune_stale
