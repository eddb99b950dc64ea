# SPDX-License-Identifier: GPL-2.0
# Helpers for the box's /init and its jobs (busybox sh).
#
# /etc/aether/modules lists, in load order (dependencies first), one module
# a line: "<path> <ours|dep|ondemand> [params...]". scripts/box.sh writes
# it; "ondemand" modules are there for modprobe, not loaded at boot.  The
# path is where the module lies in the box's installed tree (ours under
# updates/aether, .ko.xz on 6.12); load_module loads it by name with
# modprobe, the parameters as modprobe options.

# show_topology: one line per NUMA node, so a log shows what the box had.
show_topology() {
	for n in /sys/devices/system/node/node[0-9]*; do
		echo "box: ${n##*/} cpus=$(cat "$n/cpulist")" \
			"$(grep MemTotal "$n/meminfo" | sed 's/.*MemTotal: *//')"
	done
}

# tap_result OK NAME: one TAP line for a check the box itself makes.
box_tap_n=0
tap_result() {
	box_tap_n=$((box_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $box_tap_n box.$2"
	else
		echo "not ok $box_tap_n box.$2"
	fi
}

# mod_name PATH: the module's name, from its file (.ko, .ko.xz, ...).
mod_name() {
	m=${1##*/}
	echo "${m%%.ko*}"
}

# load_module PATH [PARAMS...]: modprobe the module by name, with PARAMS
# as its options, from the tree scripts/box.sh installed (modules_install,
# depmod): what it needs comes first by itself.  insmod of PATH only in a
# box without modprobe.
load_module() {
	p=$1
	shift
	if command -v modprobe >/dev/null; then
		modprobe "$(mod_name "$p")" "$@"
	else
		insmod "$p" "$@"
	fi
}

# load_modules: load every listed module; a failure is a failed test.
load_modules() {
	rc=0
	while read -r path kind params; do
		[ "$kind" != ondemand ] || continue
		# shellcheck disable=SC2086 # params are separate words
		if ! load_module "$path" $params; then
			echo "box: loading $path $params failed"
			rc=1
		fi
	done < /etc/aether/modules
	share_devices
	tap_result $rc load_modules
	return $rc
}

# The udev rules the tree ships (udev/60-aether.rules), installed by
# scripts/box.sh: the one place that says who may open which device.
AETHER_RULES=/etc/udev/rules.d/60-aether.rules

# rules: one line per rule of AETHER_RULES, "device owner group mode",
# "-" for a key the rule does not have (scripts/udev-check.sh checks the
# file's syntax; this reads only the keys it allows).
rules() {
	awk '/^[ \t]*(#|$)/ { next }
	{
		v["KERNEL"] = v["OWNER"] = v["GROUP"] = v["MODE"] = "-"
		n = split($0, f, /,[ \t]*/)
		for (i = 1; i <= n; i++) {
			key = f[i]; sub(/[=!+:].*/, "", key)
			val = f[i]; sub(/^[^"]*"/, "", val); sub(/".*/, "", val)
			v[key] = val
		}
		print v["KERNEL"], v["OWNER"], v["GROUP"], v["MODE"]
	}' "$AETHER_RULES"
}

# share_devices: what udev does on a real system with udev/60-aether.rules
# (the box has no udev): each device a rule names gets its owner, group
# and mode; a device no rule names stays root's, 0600, as the kernel
# made it.
share_devices() {
	rules | while read -r dev owner group mode; do
		[ -c "/dev/$dev" ] || continue
		[ "$owner" != - ] || owner=root
		[ "$group" != - ] || group=root
		chown "$owner:$group" "/dev/$dev" &&
			chmod "$mode" "/dev/$dev" ||
			echo "box: cannot apply the rule of $dev"
	done
}

# check_users: the box is an ordinary system: / is 0755; a member of
# "aether" opens as itself every device the rules give the group, a user
# outside it opens none; a device the rules keep root's opens for nobody
# else, members of "aether" included.
check_users() {
	rc=0
	[ "$(stat -c %a /)" = 755 ] || { echo "box: / is $(stat -c %a /)"; rc=1; }
	if [ ! -r "$AETHER_RULES" ]; then
		echo "box: no $AETHER_RULES"
		rc=1
	fi
	for d in /dev/aether_*; do
		[ -c "$d" ] || continue
		want=$(rules | awk -v d="${d#/dev/}" '$1 == d { print $3 " " $4 }')
		[ -n "$want" ] || want="root 600"
		# shellcheck disable=SC2086 # two words: group mode
		set -- $want
		have="$(stat -c '%G %a' "$d")"
		[ "$have" = "$1 ${2#0}" ] ||
			{ echo "box: $d is $have, the rules say $1 $2"; rc=1; }
		if [ "$1" = aether ]; then
			su -s /bin/sh alice -c "exec 3<>$d" ||
				{ echo "box: alice cannot open $d"; rc=1; }
		elif su -s /bin/sh alice -c "exec 3<>$d" 2>/dev/null; then
			echo "box: alice opened $d, which is root's"
			rc=1
		fi
		if su -s /bin/sh mallory -c "exec 3<>$d" 2>/dev/null; then
			echo "box: mallory opened $d"
			rc=1
		fi
	done
	tap_result $rc unprivileged_users
	return $rc
}

# remove_zram_devices: hot_remove every aether_zram device (each holds a
# reference on its module, as it must); a device still open stays, and
# the rmmod that follows fails, as it should.
remove_zram_devices() {
	for d in /sys/block/aether_zram*; do
		[ -e "$d" ] || continue
		echo "${d##*aether_zram}" >/sys/class/aether_zram-control/hot_remove ||
			echo "# box: cannot remove ${d##*/}"
	done
}

# The check job's selftests, one "program seconds" line each: how long
# each may run under fault injection (reliability.sh, fi_cap).
SELFTEST_TIMES=/tmp/aether-selftest.times

# uptime_s: whole seconds since the box booted (a program's time).
uptime_s() {
	read -r up _ </proc/uptime
	echo "${up%%.*}"
}

# procs_named NAME: the pids of the processes whose comm is NAME, cut at
# 15 characters as the kernel keeps it (the box's busybox has no pgrep or
# pkill).  Each comm is read by the shell itself: a $(cat) per process
# forked, ~0.1 s each on the debug kernel under emulation, 5 s for the
# box's 45 processes (kernel threads included), twice per program in the
# check job (after it, and again after it ran under fault injection).
procs_named() {
	comm=$(printf '%.15s' "$1")
	for p in /proc/[0-9]*; do
		IFS= read -r c 2>/dev/null <"$p/comm" || continue
		[ "$c" = "$comm" ] && echo "${p#/proc/}"
	done
}

# why_held NAME: '#' lines saying what holds module NAME (its count, the
# modules using it, our devices swapped on or mounted, and each process
# with one of our devices open or mapped: state, wait channel, stack), so
# that a failed unload in a CI log says why.
why_held() {
	users=''
	for h in "/sys/module/$1/holders"/*; do
		[ -e "$h" ] && users="$users ${h##*/}"
	done
	echo "# $1: refcnt $(cat "/sys/module/$1/refcnt" 2>/dev/null), used by:${users:- none}"
	grep aether /proc/swaps /proc/mounts 2>/dev/null | sed 's/^/# held: /'
	for p in /proc/[0-9]*; do
		held=0
		for f in "$p"/fd/*; do
			case "$(readlink "$f" 2>/dev/null)" in
			/dev/aether*|*aether_*) held=1 ;;
			esac
		done
		grep -qE '/dev/aether|aether_' "$p/maps" 2>/dev/null && held=1
		[ $held = 1 ] || continue
		echo "# held by pid ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)):" \
			"$(sed -n 's/^State:\t//p' "$p/status" 2>/dev/null)," \
			"wchan $(cat "$p/wchan" 2>/dev/null)"
		sed 's/^/#   /' "$p/stack" 2>/dev/null | head -n 12
	done
}

# unload_ours: rmmod our modules, last loaded first; each must succeed,
# which proves that nothing still holds them.
unload_ours() {
	rc=0
	remove_zram_devices
	# shellcheck disable=SC2013 # one word a line: module paths
	for m in $(awk '$2 == "ours" { print $1 }' /etc/aether/modules | sed -n '1!G;h;$p'); do
		name=$(mod_name "$m")
		if ! rmmod "$name" 2>/tmp/rmmod.err; then
			echo "# box: rmmod $name failed: $(cat /tmp/rmmod.err)"
			why_held "$name"
			rc=1
		fi
	done
	tap_result $rc unload_modules
	return $rc
}
