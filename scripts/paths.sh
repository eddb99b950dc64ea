#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Answer "where is X" for the Makefile, e.g. $(shell scripts/paths.sh rel 6.1).
#
#   rel SERIES       installed release of 6.1 or 6.12 (e.g. 6.1.0-56-amd64)
#   rels             both releases, oldest first
#   kdir REL         header tree of a release (distro or debug kernel)
#   debug-rel        release of the cached debug kernel, empty if not built
#                    (scripts/debug-kernel.sh build makes it)
#   ksft-dir         directory holding kselftest_harness.h (after deps.sh)
#   checkpatch       path of checkpatch.pl (after deps.sh)
#   cache            the cache directory
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
rel)		kernel_rel "${2:?series}" ;;
rels)		kernel_rels ;;
kdir)		kernel_kdir "${2:?release}" ;;
debug-rel)	"$AETHER_TOP/scripts/debug-kernel.sh" rel ;;
ksft-dir)	ksft_dir ;;
checkpatch)	checkpatch_pl ;;
cache)		echo "$AETHER_CACHE" ;;
*)		sed -n 's/^#   //p' "$0" >&2; exit 2 ;;
esac
