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

if ! command -v aetherctl >/dev/null; then
	echo "box: aetherctl is not in the box (make tools)"
fi

ctl mm info
ctl mm stats
# Allocate on each node, with each policy, and keep the blocks while
# showing the pool: aetherctl holds them until "free" or its exit.
ctl mm alloc --node 0 --order 0 --count 256 --show
ctl mm alloc --node 1 --order 3 --count 32 --show
ctl mm policy interleave
ctl mm alloc --order 0 --count 512 --show
ctl mm policy local
ctl mm frag
ctl mm stats --json
ctl mm drain

for f in pool free_lists frag; do
	show /sys/kernel/debug/aether/mm/$f
done
