#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make lint": checkpatch --strict over the module sources, then sparse
# (C=2) against each release given. Fails on any checkpatch ERROR, WARNING
# or CHECK, and on any sparse or compiler diagnostic that names our files;
# what sparse says about the kernel's own headers is not ours to fix.
# The udev rules' syntax too (scripts/udev-check.sh), and the packaging
# of aetherctl: its man page through groff's warnings, its bash completion
# through bash -n (and shellcheck where it is installed).
#
#   scripts/lint.sh RELEASE...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# Module code only: tools and selftests are userspace.
module_files() {
	cd "$AETHER_TOP"
	find aether_* compat include -type f \( -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' 2>/dev/null | sort
}

# run_checkpatch: the compat header is the one place allowed to test
# LINUX_VERSION_CODE (DESIGN.md §4), so only there is that check off.
run_checkpatch() {
	local cp files=() compat=() f out
	cp=$(checkpatch_pl)
	[[ -f $cp ]] || die "no $cp (run scripts/deps.sh)"
	while read -r f; do
		case $f in
		compat/*)	compat+=("$f") ;;
		*)		files+=("$f") ;;
		esac
	done < <(module_files)
	[[ ${#files[@]} -gt 0 ]] || die "no module sources found"
	cd "$AETHER_TOP"
	out=$(perl "$cp" --strict --no-tree --terse --no-summary \
		-f "${files[@]}" 2>&1 || true)
	if [[ ${#compat[@]} -gt 0 ]]; then
		out+=$'\n'$(perl "$cp" --strict --no-tree --terse --no-summary \
			--ignore LINUX_VERSION_CODE -f "${compat[@]}" 2>&1 || true)
	fi
	if grep -E ': (ERROR|WARNING|CHECK):' <<<"$out"; then
		echo "checkpatch: FAILED"
		return 1
	fi
	echo "checkpatch: ${#files[@]} + ${#compat[@]} files clean"
}

# run_sparse REL: C=2 checks every file, built or not, in the same
# per-release tree as "make matrix" so nothing is rebuilt for nothing.
run_sparse() {
	local rel=$1 dir=$AETHER_TOP/build/$1 log ours
	log=$AETHER_TOP/build/logs/sparse-$rel.log
	mkdir -p "${log%/*}"
	"$AETHER_TOP/scripts/sync-tree.sh" "$dir"
	if ! make -C "/lib/modules/$rel/build" M="$dir" C=2 AETHER_WERROR=y \
		modules >"$log" 2>&1; then
		cat "$log"
		echo "sparse: build failed on $rel"
		return 1
	fi
	# Release names hold regex characters ('+', '.'): match the prefix
	# as a string.
	ours=$(awk -v d="$dir/" 'index($0, d) == 1 &&
		/:[0-9]+(:[0-9]+)?: (warning|error)/' "$log")
	if [[ -n $ours ]]; then
		echo "${ours//"$dir"\//}"
		echo "sparse: FAILED on $rel"
		return 1
	fi
	echo "sparse: clean on $rel"
}

# run_packaging: packaging/man/aetherctl.8 must format without one
# warning (groff -man -ww; "man -l" reads it the same way), and
# packaging/bash-completion/aetherctl must parse.
run_packaging() {
	local man=$AETHER_TOP/packaging/man/aetherctl.8 out rc=0
	local comp=$AETHER_TOP/packaging/bash-completion/aetherctl
	if command -v groff >/dev/null; then
		out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1) || rc=1
		[[ -z $out ]] || { echo "$out"; rc=1; }
	else
		echo "groff: not installed, ${man##*/} not checked"
	fi
	bash -n "$comp" || rc=1
	if command -v shellcheck >/dev/null; then
		shellcheck -s bash "$comp" || rc=1
	fi
	if [[ $rc != 0 ]]; then
		echo "packaging: FAILED"
		return 1
	fi
	echo "packaging: aetherctl.8 and its bash completion clean"
}

main() {
	local rc=0 rel
	[[ $# -gt 0 ]] || die "usage: lint.sh RELEASE..."
	run_checkpatch || rc=1
	"$AETHER_TOP/scripts/udev-check.sh" || rc=1
	run_packaging || rc=1
	for rel in "$@"; do
		run_sparse "$rel" || rc=1
	done
	return "$rc"
}

main "$@"
