# SPDX-License-Identifier: GPL-2.0
# Helpers for the box's /init and its jobs (busybox sh).
#
# /etc/aether/modules lists, in load order (dependencies first), one module
# a line: "<path> <ours|dep|ondemand> [params...]". scripts/box.sh writes
# it; "ondemand" modules are there for modprobe, not loaded at boot.

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

# load_modules: insmod every listed module; a failure is a failed test.
load_modules() {
	rc=0
	while read -r path kind params; do
		[ "$kind" != ondemand ] || continue
		# shellcheck disable=SC2086 # params are separate words
		if ! insmod "$path" $params; then
			echo "box: insmod $path $params failed"
			rc=1
		fi
	done < /etc/aether/modules
	share_devices
	tap_result $rc load_modules
	return $rc
}

# share_devices: what the udev rule does on a real system: the devices
# belong to the group "aether" (alice and bob, see /etc/group), mode 0660.
share_devices() {
	for d in /dev/aether_*; do
		[ -c "$d" ] || continue
		chgrp aether "$d" && chmod 0660 "$d"
	done
}

# check_users: the box is an ordinary system: / is 0755, a member of
# "aether" opens every device as itself, a user outside the group cannot.
check_users() {
	rc=0
	[ "$(stat -c %a /)" = 755 ] || { echo "box: / is $(stat -c %a /)"; rc=1; }
	for d in /dev/aether_*; do
		[ -c "$d" ] || continue
		su -s /bin/sh alice -c "exec 3<>$d" ||
			{ echo "box: alice cannot open $d"; rc=1; }
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
			echo "box: cannot remove ${d##*/}"
	done
}

# unload_ours: rmmod our modules, last loaded first; each must succeed,
# which proves that nothing still holds them.
unload_ours() {
	rc=0
	remove_zram_devices
	# shellcheck disable=SC2013 # one word a line: module paths
	for m in $(awk '$2 == "ours" { print $1 }' /etc/aether/modules | sed -n '1!G;h;$p'); do
		name=$(basename "$m" .ko)
		if ! rmmod "$name"; then
			echo "box: rmmod $name failed"
			rc=1
		fi
	done
	tap_result $rc unload_modules
	return $rc
}
