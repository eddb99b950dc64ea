# SPDX-License-Identifier: GPL-2.0
# Job "demo", sourced by /init: a short allocation workload over both NUMA
# nodes through aetherctl, and the pool state a person wants to see; then
# an aether_zram device with ext4 on it and what its files cost in memory;
# pages merged by aether_dedupe; a QoS group held at its max; a refusal of
# the memory firewall in its audit log.
# Robust by design: a command that fails is shown, not fatal.

ctl() {
	echo
	echo "\$ aetherctl $*"
	aetherctl "$@" || echo "(aetherctl exited with $?)"
}

show() {
	echo
	echo "\$ cat $1"
	cat "$1" 2>&1 || true
}

debugfs=/sys/kernel/debug/aether/mm

if ! command -v aetherctl >/dev/null; then
	echo "box: aetherctl is not in the box (make tools)"
fi

ctl mm info
ctl mm zones

# Blocks live as long as the aetherctl that took them: hold them in the
# background on each node, look at the pool meanwhile, then let them go.
echo
echo "\$ aetherctl mm alloc --node 0 --order 0 --count 3000 --summary --hold 4 &"
echo "\$ aetherctl mm alloc --node 1 --order 3 --count 400 --summary --hold 4 &"
aetherctl mm alloc --node 0 --order 0 --count 3000 --summary --hold 4 >/tmp/a0 2>&1 &
aetherctl mm alloc --node 1 --order 3 --count 400 --summary --hold 4 >/tmp/a1 2>&1 &
sleep 2
ctl mm frag --node 0
ctl mm frag --node 1
show $debugfs/pool
wait
cat /tmp/a0 /tmp/a1

# Interleave across both nodes, freeing every other block: holes.
ctl mm alloc --policy interleave:0-1 --order 0 --count 1024 --free-every 3 --summary
ctl mm stats
ctl mm drain

for f in pool free_lists frag; do
	show $debugfs/$f
done

# Regions: pool memory a process maps. A shared region written in part and
# held in the background, looked at, its frames moved to the other node;
# then first-touch faults against anonymous memory.
echo
echo "\$ aetherctl region create --shared --name demo --size 4M --policy bind:0 --write 512 --hold &"
aetherctl region create --shared --name demo --size 4M --policy bind:0 \
	--write 512 --hold >/tmp/r0 2>&1 &
sleep 3
cat /tmp/r0
ctl region list
ctl region migrate --name demo --node 1
ctl region show --name demo
show $debugfs/regions
show $debugfs/tiers
kill %1 2>/dev/null
wait
ctl region compact
show $debugfs/compact
ctl region bench --pages 1024 --rounds 2
ctl region bench --huge --pages 2048 --rounds 2
show $debugfs/access

# aether_zram: a compressed block device with ext4 on it (mounted with
# discard, so that deleted files free their slots), a tree of real files
# written into it (the box's own programs and modules, the kernel's symbol
# table and log as text), and what it costs in memory, read from mm_stat
# as any zram script reads it; then most of it deleted and the store
# compacted. zstd first, then lz4 on the same tree.

# mib X: bytes as MiB, one decimal, rounded.
mib() {
	t=$((($1 * 10 + 524288) / 1048576))
	echo "$((t / 10)).$((t % 10)) MiB"
}

# ratio A B: A/B with two decimals, rounded.
ratio() {
	[ "$2" -gt 0 ] || { echo "-"; return; }
	r=$((($1 * 100 + $2 / 2) / $2))
	printf '%d.%02dx' $((r / 100)) $((r % 100))
}

# zram_story DEV: mm_stat's nine columns, said in words.
zram_story() {
	# shellcheck disable=SC2046 # nine numbers
	set -- $(cat "/sys/block/${1#/dev/}/mm_stat")
	echo "  $(mib "$1") of data held in $(mib "$3") of memory: $(ratio "$1" "$3")"
	echo "  compressed to $(mib "$2") ($(ratio "$1" "$2")); the rest is the" \
		"store's own pages and their slack"
	echo "  $6 same-filled pages kept as one word, no memory;" \
		"$8 incompressible pages kept whole; $7 pages given back by compaction"
}

# zram_mounted DIR: is a filesystem mounted on DIR (busybox has no
# mountpoint)?
zram_mounted() {
	grep -q " $1 " /proc/mounts
}

# zram_tree DIR: some tens of MiB of the box's own files: programs,
# kernel modules, the kernel's symbol table and log as text.
zram_tree() {
	mkdir -p "$1/bin" "$1/text"
	cp -a /lib/modules "$1/" 2>/dev/null
	for f in /usr/bin/aetherctl /bin/busybox /sbin/mke2fs /sbin/e2fsck; do
		[ -f "$f" ] && cp "$f" "$1/bin/"
	done
	cat /proc/kallsyms >"$1/text/kallsyms"
	dmesg >"$1/text/dmesg"
	cp -a /etc "$1/text/"
}

# zram_demo ALGO: one device through its life.
zram_demo() {
	echo
	echo "\$ dev=\$(aetherctl zram create --size 128M --algo $1)"
	dev=$(aetherctl zram create --size 128M --algo "$1") ||
		{ echo "(aetherctl exited with $?)"; return; }
	echo "$dev"
	mkdir -p /mnt/zram
	if command -v mkfs.ext4 >/dev/null; then
		echo "\$ mkfs.ext4 -q \$dev && mount -t ext4 -o discard \$dev /mnt/zram"
		mkfs.ext4 -q "$dev" && mount -t ext4 -o discard "$dev" /mnt/zram ||
			echo "(mkfs.ext4 or mount failed)"
	else
		echo "box: no mkfs.ext4 in the box: the tree goes on the device as a tar"
	fi
	zram_tree /tmp/tree
	echo "\$ cp -a tree /mnt/zram/ && sync    # $(du -sh /tmp/tree | cut -f1) of files"
	if zram_mounted /mnt/zram; then
		cp -a /tmp/tree /mnt/zram/ && sync
	else
		tar -cf "$dev" -C /tmp tree
	fi
	rm -rf /tmp/tree
	ctl zram
	[ "$1" = zstd ] && ctl zram show "$dev"
	show "/sys/block/${dev#/dev/}/mm_stat"
	echo
	echo "$dev ($1), the tree written:"
	zram_story "$dev"
	if zram_mounted /mnt/zram; then
		echo
		echo "\$ rm -r /mnt/zram/tree/modules /mnt/zram/tree/text/kallsyms && sync"
		rm -r /mnt/zram/tree/modules /mnt/zram/tree/text/kallsyms && sync
		# ext4 sends the discards after its journal commit: let it.
		sleep 2
		sync
		ctl zram compact "$dev"
		echo
		echo "$dev ($1), most of it deleted (discard freed its slots), compacted:"
		zram_story "$dev"
		ctl zram remove "$dev"	# refused: mounted
		umount /mnt/zram
	fi
	ctl zram remove "$dev"
}

echo
echo "=== aether_zram"
if [ ! -c /dev/aether_zram-control ]; then
	echo "box: aether_zram is not loaded"
else
	ctl zram info
	zram_demo zstd
	zram_demo lz4
	echo
	echo "\$ ls /sys/kernel/debug/aether/zram"
	ls /sys/kernel/debug/aether/zram
fi

# aether_dedupe: four processes write the same pages (and a few of their
# own) into mergeable regions; aether_ksmd merges them, and what it saved
# is said in pages and bytes; each process then reads every page back and
# writes one merged page, which stays its own. Then the same merged again
# on demand by REGION_DEDUPE, as an unprivileged program would.
echo
echo "=== aether_dedupe"
if [ ! -c /dev/aether_dedupe ]; then
	echo "box: aether_dedupe is not loaded"
else
	ddbg=/sys/kernel/debug/aether/dedupe
	ctl dedupe status
	ctl dedupe set pages_to_scan=1000 sleep_millisecs=10
	ctl dedupe demo --procs 4 --pages 256 --unique 32 --seconds 120
	show $ddbg/stats
	show $ddbg/stable
	ctl dedupe unmerge
	echo
	# As alice (group aether, no CAP_SYS_ADMIN) the demo merges with
	# REGION_DEDUPE; root stops the scanner first so that the on-demand
	# path does it all.
	ctl dedupe stop
	echo
	echo "\$ su alice -c 'aetherctl dedupe demo --procs 3 --pages 128 --unique 16'"
	su -s /bin/sh alice -c "aetherctl dedupe demo --procs 3 --pages 128 --unique 16" ||
		echo "(aetherctl exited with $?)"
	ctl dedupe set pages_to_scan=100 sleep_millisecs=20
	echo
	echo "\$ ls $ddbg"
	ls $ddbg
fi

# aether_qos: a group of 1 MiB (256 pages), a process placed in it that
# writes 2 MiB of a region: past high (240) it is throttled on each return
# to user mode (memory.stat's throttles), and the fault past the group's
# max gets SIGBUS, never a page more; the group's peak, events and
# pressure say so. Then
# alice, unprivileged, makes a group of her own inside her default one.
echo
echo "=== aether_qos"
if [ ! -c /dev/aether_qos ]; then
	echo "box: aether_qos is not loaded"
else
	ctl qos create root demo
	ctl qos set demo high=240 max=256
	echo
	echo "\$ sh -c 'aetherctl qos attach demo \$\$ && exec aetherctl region create --private --size 2M --write 512'"
	sh -c 'aetherctl qos attach demo $$ && exec aetherctl region create --private --size 2M --write 512'
	rc=$?
	if [ $rc -gt 128 ]; then
		echo "(killed by SIG$(kill -l $((rc - 128))) at the fault past the group's max)"
	else
		echo "(exit status $rc: the writes were NOT stopped at the group's max)"
	fi
	ctl qos show demo
	qdbg=/sys/kernel/debug/aether/qos/demo
	for f in memory.peak memory.max memory.events memory.stat memory.pressure; do
		show $qdbg/$f
	done
	ctl qos destroy demo
	echo
	echo "\$ su alice -c 'aetherctl qos create user.1000 mine && aetherctl qos set user.1000/mine max=64'"
	su -s /bin/sh alice -c 'aetherctl region create --private --size 4K --write 1 >/dev/null; aetherctl qos create user.1000 mine && aetherctl qos set user.1000/mine max=64 && aetherctl qos show user.1000/mine && aetherctl qos destroy user.1000/mine' ||
		echo "(aetherctl exited with $?)"
	ctl qos show
fi

# The memory firewall: alice makes a named region; bob may open it by
# name only when a rule allows him, and a deny placed before that rule
# wins; the refusal is a record of the audit log (who, what, which rule).
echo
echo "=== the memory firewall"
if [ ! -c /dev/aether_qos ]; then
	echo "box: aether_qos is not loaded"
else
	bob_opens() {
		echo
		echo "\$ su bob -c 'aetherctl region show --name alice-notes'"
		su -s /bin/sh bob -c 'aetherctl region show --name alice-notes' ||
			echo "(bob was refused: exit status $?)"
	}
	echo "\$ su alice -c 'aetherctl region create --shared --size 64K --name alice-notes --write 4 --hold' &"
	su -s /bin/sh alice -c 'exec aetherctl region create --shared --size 64K --name alice-notes --write 4 --hold' >/tmp/fw0 2>&1 &
	hold=$!
	sleep 2
	bob_opens
	ctl qos fw add allow uid:1001 name:alice-notes open
	bob_opens
	ctl qos fw add --at 0 deny uid:1001 name:alice-notes open
	bob_opens
	ctl qos fw list
	ctl qos fw audit
	ctl qos fw del all
	kill "$hold" 2>/dev/null
	wait "$hold" 2>/dev/null
fi
