# SPDX-License-Identifier: GPL-2.0
# Job "dedupeab" (a helper's tool, not part of make check): builds of
# aether_dedupe swapped in one boot, on the same aether_mm.  The .ko files
# come in /selftests/zvariants/NAME.ko (AETHER_BIN, made executable so
# that scripts/box.sh copies them); a NAME-mm.ko beside one is the
# aether_mm that build runs on (every module of ours is unloaded and the
# two loaded, with the parameters the box loads them with); the kernel
# command line says what runs:
#   aether.ab_mutants=A,B,...  each build in turn runs dedupe_merge_test
#                              (the tests that must fail without a fix)
#   aether.ab_check=1          then the installed build again and the
#                              check job over /selftests (TAP, unload
#                              checks, dmesg)
#   aether.ab_bench=A,B        dedupebench's data and knobs, ab_rounds
#                              rounds per run (5), ab_reps runs per build
#                              (3), the builds interleaved A B A B ...;
#                              ab_dup, ab_uniq, ab_corpus_mb: the sizes
#                              (2048, 512, 40, as dedupebench's)
# It boots with slub_debug=-, as dedupebench (scripts/box.sh): with the
# tests' FZP, the slab's debug checks weigh on aether_dedupe's objects,
# which are more than KSM's.
V=/selftests/zvariants
# ab_arg NAME [DEFAULT]: aether.NAME of the command line, or DEFAULT.
ab_arg() {
	v=$(sed -n "s/.*aether\.$1=\([A-Za-z0-9_,]*\).*/\1/p" /proc/cmdline)
	echo "${v:-$2}"
}

# ab_params NAME: the parameters the box loads module NAME with.
ab_params() {
	while read -r path kind params; do
		[ "$kind" = ours ] && [ "$(mod_name "$path")" = "$1" ] &&
			echo "$params"
	done </etc/aether/modules
}

# ab_core NAME: our modules unloaded, NAME-mm.ko loaded as aether_mm.
ab_core() {
	awk '$2 == "ours" { m[n++] = $1 } END { while (n) print m[--n] }' \
		/etc/aether/modules | while read -r m; do
		rmmod "$(mod_name "$m")" 2>/dev/null
	done
	# shellcheck disable=SC2046 # the parameters are separate words
	insmod "$V/$1-mm.ko" $(ab_params aether_mm) ||
		{ echo "box: insmod $1-mm failed"; return 1; }
}

# ab_swap NAME [PARAMS]: aether_dedupe unloaded, NAME's build loaded
# (on NAME-mm.ko when there is one, else on the aether_mm loaded).
ab_swap() {
	rmmod aether_dedupe 2>/dev/null
	n=$1
	shift
	if [ -e "$V/$n-mm.ko" ]; then
		ab_core "$n" || return 1
	fi
	insmod "$V/$n.ko" "$@" || { echo "box: insmod $n failed"; return 1; }
	share_devices
	echo "box: aether_dedupe is $n"
}

ab_mutants=$(ab_arg ab_mutants)
for n in $(echo "$ab_mutants" | tr ',' ' '); do
	ab_swap "$n" || { status=1; continue; }
	echo "=== AB MUTANT $n BEGIN"
	(cd /selftests/aether_dedupe && timeout 300 ./dedupe_merge_test </dev/null 2>&1)
	echo "=== AB MUTANT $n END rc=$?"
	dmesg | grep "pair selftest" | tail -n 8
done

ab_bench=$(ab_arg ab_bench)
if [ -n "$ab_bench" ]; then
	rounds=$(ab_arg ab_rounds 5)
	reps=$(ab_arg ab_reps 3)
	mb=$(ab_arg ab_corpus_mb 40)
	dup=$(ab_arg ab_dup 2048)
	uniq=$(ab_arg ab_uniq 512)
	find /lib/modules /sbin /usr/bin /bin /lib /etc /selftests -type f \
		-exec cat {} + 2>/dev/null | head -c $((mb << 20)) \
		>/tmp/dedupe-corpus
	i=0
	while [ "$i" -lt "$reps" ]; do
		i=$((i + 1))
		for n in $(echo "$ab_bench" | tr ',' ' '); do
			ab_swap "$n" || { status=1; continue; }
			echo "=== AB BENCH $n $i BEGIN"
			aetherctl dedupe bench --json --corpus /tmp/dedupe-corpus \
				--procs 4 --dup-pages "$dup" \
				--unique-pages "$uniq" \
				--pages-to-scan 100 --sleep-ms 20 --timeout 120 \
				--rounds "$rounds" 2>/tmp/ab.err
			echo "=== AB BENCH $n $i END rc=$?"
			cat /tmp/ab.err
			grep pages_hashed /sys/kernel/debug/aether/dedupe/stats
		done
	done
	rm -f /tmp/dedupe-corpus
fi

if [ "$(ab_arg ab_check)" = 1 ]; then
	if [ -n "$ab_mutants$ab_bench" ]; then
		rmmod aether_dedupe
		# shellcheck disable=SC2034 # /init reads status
		modprobe aether_dedupe selftest=1 || status=1
		share_devices
	fi
	mv "$V" /tmp/zvariants
	# shellcheck source=scripts/box/jobs/check.sh
	. /etc/aether/jobs/check.sh
fi
