# SPDX-License-Identifier: GPL-2.0
# Job "fwbench", sourced by /init: the memory firewall's cost (issue 15)
# on region open, mmap and fault-in with 0, 1, 100 and 10000 rules, the
# counts interleaved round by round in one boot.
if [ -e /dev/aether_qos ]; then
	echo "=== AETHER FW BENCH BEGIN ==="
	aetherctl qos bench --fw --pages 1024 --rounds 21 2>&1
	echo "box: qos bench --fw exited with $?"
	echo "=== AETHER FW BENCH END ==="
else
	echo "=== AETHER NO FW BENCH: aether_qos is not loaded ==="
fi
