#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the syntax of the udev rules the tree ships (udev/*.rules), run by
# "make lint".  With an udevadm that has "verify" (systemd 254 and later)
# it has the last word; before that, or besides it, a strict parser of
# the few keys the rules use: a rule is one line of comma-separated
# KEY=="value" matches and KEY="value" assignments, SUBSYSTEM and KERNEL
# matched, MODE an octal mode, GROUP and OWNER a name; anything else (an
# unknown key, a match where an assignment belongs, an unquoted value, a
# line continued with '\') is an error, as is a device named twice or a
# rule that sets no MODE.
#
#   scripts/udev-check.sh [FILE...]	(default: udev/*.rules)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# check_file FILE: 0 when every line parses, else 1 with each error said.
check_file() {
	awk -v file="$1" '
	function err(msg) { printf "%s:%d: %s\n", file, NR, msg; bad = 1 }
	/^[ \t]*(#|$)/ { next }
	/\\$/ { err("line continuation is not used here"); next }
	{
		line = $0; kernel = ""; mode = ""; n = 0
		while (line != "") {
			if (!match(line, /^[A-Z]+(==|!=|=)"[^"]*"/)) {
				err("cannot parse at: " line); next
			}
			item = substr(line, 1, RLENGTH)
			line = substr(line, RLENGTH + 1)
			if (line != "" && !sub(/^, /, "", line)) {
				err("keys are separated by \", \": " line); next
			}
			key = item; sub(/[!=].*/, "", key)
			op = item; sub(/^[A-Z]+/, "", op); sub(/".*/, "", op)
			val = item; sub(/^[^"]*"/, "", val); sub(/"$/, "", val)
			n++
			if (key == "SUBSYSTEM" || key == "KERNEL") {
				if (op != "==")
					err(key " is a match (==), not " op)
				if (key == "SUBSYSTEM" && val != "misc")
					err("SUBSYSTEM \"" val "\": the devices are misc")
				if (key == "KERNEL") {
					if (val !~ /^aether_[a-z_-]+$/)
						err("KERNEL \"" val "\" is no Aether device")
					kernel = val
				}
			} else if (key == "MODE" || key == "GROUP" || key == "OWNER") {
				if (op != "=")
					err(key " is an assignment (=), not " op)
				if (key == "MODE") {
					if (val !~ /^0[0-7][0-7][0-7]$/)
						err("MODE \"" val "\" is not 0 and three octal digits")
					if (val ~ /[2367]$/)
						err("MODE \"" val "\" lets others write")
					mode = val
				} else if (val !~ /^[a-z_][a-z0-9_-]*$/) {
					err(key " \"" val "\" is not a user or group name")
				}
			} else {
				err("key " key " is not one these rules use")
			}
		}
		if (kernel == "")
			err("a rule without KERNEL==")
		else if (kernel in seen)
			err("device " kernel " already has a rule (line " seen[kernel] ")")
		else
			seen[kernel] = NR
		if (mode == "")
			err("a rule without MODE=")
	}
	END { exit bad }' "$1"
}

main() {
	local rc=0 f files=("$@")
	if [[ ${#files[@]} -eq 0 ]]; then
		files=("$AETHER_TOP"/udev/*.rules)
	fi
	for f in "${files[@]}"; do
		[[ -f $f ]] || die "no $f"
		check_file "$f" || rc=1
		if command -v udevadm >/dev/null &&
		   udevadm verify --help >/dev/null 2>&1; then
			udevadm verify --no-style "$f" || rc=1
		fi
	done
	[[ $rc -eq 0 ]] && echo "udev rules: ${#files[@]} file(s) clean" ||
		echo "udev rules: FAILED"
	return "$rc"
}

main "$@"
