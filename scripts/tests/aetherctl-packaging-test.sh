#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aetherctl's man page and bash completion against aetherctl itself: every
# command that "aetherctl --help" lists, and every --option it names for
# that command, is in packaging/man/aetherctl.8 (its section of the
# formatted page) and in packaging/bash-completion/aetherctl (what the
# completion offers after "aetherctl MODULE COMMAND"); the suite commands
# status and top too.  Run by make check with the other script tests,
# after "make tools" (AETHERCTL= names another binary).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
TAP_PREFIX=aetherctl
# shellcheck source=scripts/tests/tap.sh
. "$HERE/tap.sh"

CTL=${AETHERCTL:-$TOP/build/bin/tools/aetherctl}
MAN=$TOP/packaging/man/aetherctl.8
COMP=$TOP/packaging/bash-completion/aetherctl

if [[ ! -x $CTL ]]; then
	ok 1 "aetherctl_built" "no $CTL (make tools)"
	finish
fi
"$CTL" --help >"$WORK/help" 2>&1
ok $? "help_runs"

# The formatted page, one section per module ("MM COMMANDS", ...).
if ! command -v groff >/dev/null; then
	ok 1 "groff_installed" "no groff (scripts/deps.sh installs groff-base)"
	finish
fi
LC_ALL=C groff -man -Tascii -P-cbou "$MAN" 2>/dev/null >"$WORK/man"

# man_section MODULE: the page's section of MODULE's commands.
man_section() {
	local head
	head=$(tr '[:lower:]' '[:upper:]' <<<"$1")
	awk -v h="$head COMMANDS" '$0 == h { on = 1; next }
		on && /^[A-Z]/ { exit } on' "$WORK/man"
}

# completion WORDS...: what the completion offers after WORDS.
completion() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@" ""); COMP_CWORD=$#
		_aetherctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" aetherctl "$@"
}

# The help's blocks: "aetherctl MOD <command>" then "  cmd  args" lines
# and their continuation lines; one line "MOD CMD --opt..." each.
awk '
	/^aetherctl [a-z]+ <command>/ { mod = $2; next }
	/^$/ { if (cmd != "") print mod, cmd, opts; mod = ""; cmd = ""; next }
	mod != "" && /^  [a-z]+( |$)/ && $1 != "(no" {
		if (cmd != "") print mod, cmd, opts
		cmd = $1; opts = ""
	}
	mod != "" && cmd != "" {
		line = $0
		while (match(line, /--[a-z][a-z-]*/)) {
			opts = opts " " substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
		}
	}
	END { if (cmd != "") print mod, cmd, opts }
' "$WORK/help" | sort -u >"$WORK/cmds"
[[ $(wc -l <"$WORK/cmds") -ge 40 ]]
ok $? "help_lists_the_commands" "$(wc -l <"$WORK/cmds") commands found"

GLOBALS="--json --device --help"
miss_man=() miss_comp=()
while read -r mod cmd opts; do
	sect=$(man_section "$mod")
	grep -qE "^ {7}$cmd( |$)" <<<"$sect" || miss_man+=("$mod $cmd")
	offered=$(completion "$mod")
	grep -qx -- "$cmd" <<<"$offered" || miss_comp+=("$mod $cmd")
	offered=$(completion "$mod" "$cmd")
	for o in $opts; do
		[[ " $GLOBALS " == *" $o "* ]] && continue
		grep -q -- "$o" <<<"$sect" || miss_man+=("$mod $cmd $o")
		grep -qx -- "$o" <<<"$offered" || miss_comp+=("$mod $cmd $o")
	done
done <"$WORK/cmds"
for w in status top --rows --interval --iterations; do
	grep -q -- "$w" "$WORK/man" || miss_man+=("$w")
done
grep -qx status <<<"$(completion)" && grep -qx top <<<"$(completion)" ||
	miss_comp+=("status/top")
grep -qx -- --iterations <<<"$(completion top)" || miss_comp+=("top --iterations")

[[ ${#miss_man[@]} -eq 0 ]]
ok $? "man_page_has_every_command_and_option" "missing: ${miss_man[*]}"
[[ ${#miss_comp[@]} -eq 0 ]]
ok $? "completion_offers_every_command_and_option" "missing: ${miss_comp[*]}"
finish
