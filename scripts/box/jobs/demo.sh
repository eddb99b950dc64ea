# SPDX-License-Identifier: GPL-2.0
# Job "demo", sourced by /init: a short allocation workload over both NUMA
# nodes through aetherctl, and the pool state a person wants to see.
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
