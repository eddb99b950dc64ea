#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every struct of the UAPI headers (include/uapi/linux/aether_*.h) has no
# implicit padding, inside or at its end, and the same layout on i386 and
# x86-64, so that one compat_ioctl serves 32-bit callers: both headers are
# compiled with -m32 and -m64 with every type in the debug info, and
# pahole lays each struct out from each object; every struct a header
# declares is among them, and every ioctl command has the same number
# (direction, size, magic, number) on both; the sizes of aether_dedupe's
# structs and of struct aether_mm_region_dedupe are pinned (ABI: a struct
# may grow, never shrink). A first test proves that the
# check catches a hole. TAP on stdout, then "N passed, N failed".
# "make check" runs it before the box; scripts/deps.sh installs gcc-multilib
# (for -m32) and dwarves (pahole).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
UAPI=$TOP/include/uapi
TAP_PREFIX=uapi
# shellcheck source=scripts/tests/tap.sh
. "$HERE/tap.sh"

# build NAME BITS SOURCE: an object with every type's debug info.
build() {
	gcc "-m$2" -g -O0 -fno-eliminate-unused-debug-types -I"$UAPI" \
		-c -x c -o "$WORK/$1-$2.o" - <<<"$3" 2>"$WORK/$1-$2.err"
}

# structs OBJ: the names of the aether_* structs in OBJ.
structs() {
	pahole --sizes "$1" 2>/dev/null | awk '$1 ~ /^aether_/ { print $1 }' | sort -u
}

# layout OBJ STRUCT: members with offsets and sizes, the size, and any
# hole or padding pahole finds; cache line remarks and the packed
# attribute pahole infers for i386's 4-byte alignment of __u64 left out.
layout() {
	pahole -C "$2" "$1" 2>/dev/null |
		grep -v -e 'cacheline' -e 'last cacheline' |
		sed -e 's/ __attribute__((__packed__))//'
}

# problems OBJ STRUCT: the hole and padding remarks of pahole, if any.
problems() {
	layout "$1" "$2" | grep -E 'XXX|padding:|holes:' | tr -s ' \t' ' '
}

for tool in gcc pahole; do
	command -v "$tool" >/dev/null ||
		{ ok 1 "tools" "$tool missing (scripts/deps.sh installs it)"; finish; }
done

# The checker itself: a struct with a hole on x86-64 only must be caught.
probe='#include <linux/types.h>
struct aether_probe { __u32 a; __u64 b; };
struct aether_probe aether_probe_var;'
if ! build probe 32 "$probe" || ! build probe 64 "$probe"; then
	ok 1 "builds_for_i386_and_x86_64" \
		"$(head -n3 "$WORK"/probe-*.err | tr '\n' ' ') (gcc-multilib?)"
	finish
fi
if [[ -n $(problems "$WORK/probe-64.o" aether_probe) &&
	$(layout "$WORK/probe-32.o" aether_probe) != "$(layout "$WORK/probe-64.o" aether_probe)" ]]; then
	ok 0 "check_catches_a_hole"
else
	ok 1 "check_catches_a_hole" "pahole did not report the probe's hole"
fi

src=''
for h in "$UAPI"/linux/aether_*.h; do
	src+="#include <linux/${h##*/}>"$'\n'
done
build uapi 32 "$src" && build uapi 64 "$src"
ok $? "headers_build_for_i386_and_x86_64" "$(cat "$WORK"/uapi-*.err 2>/dev/null)"

mapfile -t names < <(structs "$WORK/uapi-64.o")
[[ ${#names[@]} -ge 10 ]]
ok $? "structs_found" "only ${#names[@]} aether_* structs in the debug info"
[[ "$(structs "$WORK/uapi-32.o")" == "$(printf '%s\n' "${names[@]}")" ]]
ok $? "same_structs_on_i386_and_x86_64"

# Every struct a header declares is in the debug info, so each is laid out
# below (a header that failed to build in would show here by name).
declared=$(sed -n 's/^struct \(aether_[a-z0-9_]*\) {.*/\1/p' "$UAPI"/linux/aether_*.h | sort -u)
missing=$(comm -23 <(echo "$declared") <(printf '%s\n' "${names[@]}") | tr '\n' ' ')
[[ -n $declared && -z $missing ]]
ok $? "every_declared_struct_checked" "not in the debug info: ${missing:-no struct declared}"

# ioctl_numbers: every command's number (_IOC: direction, size of the
# struct, magic, number) from one object for each word size, in the order
# of $cmds, as hex words.
# A definition continued on the next line (a backslash) counts too.
mapfile -t cmds < <(cat "$UAPI"/linux/aether_*.h |
	sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' |
	sed -n 's/^#define[ \t]\{1,\}\(AETHER_[A-Z0-9_]*_IOC_[A-Z0-9_]*\)[ \t]\{1,\}_IO.*/\1/p')
ioctl_numbers() {
	local csrc=$src
	csrc+="const unsigned int aether_cmds[] = {"
	csrc+=$(printf '%s,' "${cmds[@]}")
	csrc+="};"
	build cmds "$1" "$csrc" &&
		objcopy -O binary --only-section=.rodata "$WORK/cmds-$1.o" "$WORK/cmds-$1.bin" &&
		od -An -v -tx4 "$WORK/cmds-$1.bin" | tr -s ' \n' '\n' | sed '/^$/d'
}
if [[ ${#cmds[@]} -ge 10 ]] && n32=$(ioctl_numbers 32) && n64=$(ioctl_numbers 64); then
	why=$(paste -d ' ' <(printf '%s\n' "${cmds[@]}") <(echo "$n32") <(echo "$n64") |
		awk '$2 != $3 { printf "%s %s(i386) %s(x86-64); ", $1, $2, $3 }')
	[[ $(wc -l <<<"$n64") -eq ${#cmds[@]} && -z $why ]]
	ok $? "ioctl_numbers_same_on_i386_and_x86_64" "$why"
else
	ok 1 "ioctl_numbers_same_on_i386_and_x86_64" \
		"${#cmds[@]} commands found; $(cat "$WORK"/cmds-*.err 2>/dev/null | head -n3)"
fi

# Sizes that are ABI: programs built against these structs exist (the
# size-first convention lets a struct grow, never shrink or move). Each is
# pinned on both word sizes; a change must be a new, larger version.
declare -A pinned=(
	[aether_dedupe_knobs]=56
	[aether_dedupe_counters]=128
	[aether_dedupe_status]=192
	[aether_dedupe_set]=64
	[aether_dedupe_domain]=40
	[aether_dedupe_region_stats]=88
	[aether_mm_region_dedupe]=48
)
why=''
for s in "${!pinned[@]}"; do
	for bits in 64 32; do
		got=$(pahole --sizes "$WORK/uapi-$bits.o" 2>/dev/null | awk -v s="$s" '$1 == s { print $2 }')
		[[ $got == "${pinned[$s]}" ]] ||
			why+="$s is ${got:-missing} bytes on x86-${bits}, not ${pinned[$s]}; "
	done
done
[[ -z $why ]]
ok $? "dedupe_struct_sizes_pinned" "$why"

for s in "${names[@]}"; do
	why=''
	for bits in 64 32; do
		p=$(problems "$WORK/uapi-$bits.o" "$s")
		[[ -z $p ]] || why+="x86-${bits}: ${p//$'\n'/; } "
	done
	if [[ $(layout "$WORK/uapi-32.o" "$s") != "$(layout "$WORK/uapi-64.o" "$s")" ]]; then
		why+="layout differs: $(diff <(layout "$WORK/uapi-32.o" "$s") \
			<(layout "$WORK/uapi-64.o" "$s") | grep '^[<>]' | tr -s ' \t' ' ' | head -n4 | tr '\n' ' ')"
	fi
	[[ -z $why ]]
	ok $? "$s" "$why"
done
finish
