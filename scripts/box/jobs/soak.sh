# SPDX-License-Identifier: GPL-2.0
# Job "soak", sourced by /init on the debug kernel: the reliability phases
# at length. Counts come from the kernel command line (scripts/box.sh sets
# them from AETHER_SOAK_*): aether.fuzz_calls, aether.stress_seconds,
# aether.race_seconds, aether.inject_calls, aether.inject_seconds,
# aether.cycles.
# scripts/soak.sh turns the AETHER-RESULT lines into the table.

# shellcheck source=scripts/box/reliability.sh
. /etc/aether/reliability.sh

calls=$(rel_param fuzz_calls 1000000)
rel_run fuzz $FUZZ -n "$calls" -d 100000 -t 2
tap_result $? fuzz

rel_run stress $STRESS -d "$(rel_param stress_seconds 300)" -t 2
tap_result $? stress

rel_run race $RACE -d "$(rel_param race_seconds 300)"
tap_result $? race

rel_inject "$(rel_param inject_calls 20000)" "$(rel_param inject_seconds 120)"

unload_ours
rel_loadloop "$(rel_param cycles 1000)"
unload_all_ours
rel_kmemleak

echo "=== AETHER DMESG BEGIN ==="
dmesg
echo "=== AETHER DMESG END ==="
