# SPDX-License-Identifier: GPL-2.0
# The reliability phases of the box (busybox sh), sourced by the check and
# soak jobs: fault injection, the ioctl fuzzer, concurrent stress and the
# kmemleak scan on the debug kernel (aether.rel= on the command line), the
# load/unload loop on every kernel (a short one in the check job).
# Each phase is one TAP line (box.<phase>); figures go out as
# "AETHER-RESULT <key> <value>" lines that scripts/soak.sh sums.
#
# Everything is generic over the suite: "our modules" are the "ours" lines
# of /etc/aether/modules, the devices are /dev/aether_*, the fuzzer's
# ioctl table comes from the UAPI headers.

FUZZ=/selftests/fuzz/aether_fuzz
STRESS=/selftests/stress/aether_stress
RACE=/selftests/stress/aether_race
DBG=/sys/kernel/debug
POOL_SNAP=/tmp/aether-pool.snap

# rel_param NAME DEFAULT: aether.NAME=value from the kernel command line.
rel_param() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^aether\.$1=//p" | tail -n1)
	echo "${v:-$2}"
}

rel_result() {
	echo "AETHER-RESULT $1 $2"
}

# our_modules: our module names in load order.
our_modules() {
	awk '$2 == "ours" { print $1 }' /etc/aether/modules |
		sed 's|.*/||; s|\.ko.*$||'
}

# rel_run NAME CMD...: run a program, its output prefixed so that its own
# TAP lines do not count twice; returns its status.
rel_run() {
	name=$1
	shift
	echo "# --- $name: $*"
	{ "$@"; echo "AETHER-RC $?"; } 2>&1 | sed 's/^/# /' >/tmp/rel.out
	cat /tmp/rel.out
	rc=$(sed -n 's/^# AETHER-RC //p' /tmp/rel.out)
	[ "${rc:-1}" -eq 0 ] || [ "$rc" -eq 4 ]
}

# ---- fault injection -------------------------------------------------

# fi_ranges: "start end" of our modules' core (text and data) in the
# kernel, from /proc/modules; the stack trace filter of failslab and
# fail_page_alloc fails only allocations with a return address inside.
fi_range() {
	lo='' hi=''
	for m in $(our_modules); do
		# shellcheck disable=SC2046 # two words: size and address
		set -- $(awk -v m="$m" '$1 == m { print $2, $6 }' /proc/modules)
		[ -n "${2:-}" ] || continue
		s=$(($2)) e=$(($2 + $1))
		if [ -z "$lo" ] || [ "$s" -lt "$lo" ]; then lo=$s; fi
		if [ -z "$hi" ] || [ "$e" -gt "$hi" ]; then hi=$e; fi
	done
	[ -n "$lo" ] || return 1
	printf '0x%x 0x%x\n' "$lo" "$hi"
}

FI_TIMES=1000000000

# A kernel function whose own error path is broken on 6.1, left out of
# injection (the filter takes one reject range): sysfs_slab_add() does not
# kobject_put() when kobject_init_and_add() fails, so a failed name
# allocation under kmem_cache_create() leaks the kobject's name (kmemleak:
# kstrdup_const <- kobject_set_name_vargs <- sysfs_slab_add). Not ours.
FI_REJECT=sysfs_slab_add

# fi_symbol_range NAME: "start end" of a kernel function, from kallsyms
# (addresses are 16 hex digits: string order is address order).
fi_symbol_range() {
	awk -v f="$1" '
	NR == FNR { if ($3 == f) a = $1; next }
	a != "" && $1 > a && (b == "" || $1 < b) { b = $1 }
	END { if (a != "" && b != "") print "0x" a, "0x" b }
	' /proc/kallsyms /proc/kallsyms
}

# fi_kernel_on PERCENT: failslab and fail_page_alloc, our text only.
fi_kernel_on() {
	range=$(fi_range) || return 1
	reject=$(fi_symbol_range "$FI_REJECT")
	# shellcheck disable=SC2086 # two words: start and end
	set -- "$1" $range
	for a in failslab fail_page_alloc; do
		d=$DBG/$a
		echo 0 >"$d/probability"
		echo "$2" >"$d/require-start"
		echo "$3" >"$d/require-end"
		echo 32 >"$d/stacktrace-depth"
		echo N >"$d/ignore-gfp-wait"
		echo 0 >"$d/verbose"
		echo 1 >"$d/interval"
		echo 0 >"$d/space"
		echo "$FI_TIMES" >"$d/times"
		if [ -n "$reject" ]; then
			echo "${reject% *}" >"$d/reject-start"
			echo "${reject#* }" >"$d/reject-end"
		fi
	done
	echo 0 >"$DBG/fail_page_alloc/min-order"
	echo "$1" >"$DBG/failslab/probability"
	echo "$1" >"$DBG/fail_page_alloc/probability"
	echo "# fault injection: ${1}% of slab and page allocations from [$2, $3), not under $FI_REJECT [${reject:-not found}]"
}

# fi_kernel_off: stop, and echo how many failures each one injected.
fi_kernel_off() {
	n=0
	for a in failslab fail_page_alloc; do
		echo 0 >"$DBG/$a/probability"
		left=$(cat "$DBG/$a/times")
		echo "# $a injected $((FI_TIMES - left))"
		n=$((n + FI_TIMES - left))
		echo -1 >"$DBG/$a/times"
	done
	FI_KERNEL_INJECTED=$((FI_KERNEL_INJECTED + n))
}

fi_pool_injected() {
	cat "$DBG/aether/mm/fail_injected" 2>/dev/null || echo 0
}

# fi_cap NAME: the seconds program NAME may run under injection: twice
# its own run in this boot (SELFTEST_TIMES) and 20 s more, 60 at most, or
# 60 when it did not run.  The error paths injection reaches are in a
# program's setup and first calls: one that ran for seconds without
# injection and outlives that cap is stuck (slub_smp_test and
# slub_user_test, 2 s each without injection, sat out the whole minute
# under it, their test children outliving the harness).
fi_cap() {
	cap=60
	while read -r name secs; do
		[ "$name" = "$1" ] && cap=$((2 * secs + 20))
	done 2>/dev/null <"$SELFTEST_TIMES"
	echo $((cap < 60 ? cap : 60))
}

# fi_selftests: every selftest under injection, verdicts ignored (they
# assert success); what counts is that the kernel stays quiet.  Each for
# fi_cap seconds, 60 at most: the debug kernel's run is CI's longest.  The
# output goes to a file, not a pipe: the harness runs each test in a
# process group of its own, which timeout does not signal, so a test
# that outlives its killed harness would hold a pipe open for as long
# as it ran (qos_fw_test's 10,000 rules did, for minutes).  fi_reap
# ends it.
fi_selftests() {
	out=/tmp/fi-selftest.out
	bad=0
	for prog in /selftests/*/*; do
		case "$prog" in *.o|*/settings|*/config|*/aether_fuzz|*/aether_stress) continue ;; esac
		if [ ! -f "$prog" ] || [ ! -x "$prog" ]; then continue; fi
		t0=$(uptime_s)
		cap=$(fi_cap "${prog##*/}")
		(cd "${prog%/*}" && timeout "$cap" "./${prog##*/}" </dev/null >"$out" 2>&1)
		fi_reap "${prog##*/}" || bad=1
		echo "# inject| ${prog#/selftests/}: $(grep -c '^not ok' "$out") cases failed under injection (expected), $(($(uptime_s) - t0)) s (cap $cap s)"
	done
	return $bad
}

# fi_reap NAME: kill every process still named NAME (its comm, cut at 15
# characters as the kernel keeps it) and wait up to 60 s for them to go.
# A test that failed under injection between a fork and its handshake
# can leave a child waiting on a pipe it holds both ends of, holding our
# devices open, so that no module could be unloaded.
fi_reap() {
	pids=$(procs_named "$1")
	[ -n "$pids" ] || return 0
	echo "# $1 outlived its timeout: $(echo "$pids" | tr "\n" " ")killed"
	# shellcheck disable=SC2086 # one pid a word
	kill -KILL $pids 2>/dev/null
	for _ in $(seq 60); do
		[ -n "$(procs_named "$1")" ] || return 0
		sleep 1
	done
	echo "# $1 would not die in 60 s"
	return 1
}

# fi_zram_unused: a zram test under injection can fail its own clean-up
# (swapoff reads every page back, and a read that fails leaves the device
# swapped on), leaving an aether_zram device busy, which no one could
# remove or unload: swapped off, loop devices on files of it detached,
# unmounted, each said.
fi_zram_unused() {
	awk '$1 ~ /aether_zram/ { print $1 }' /proc/swaps | while read -r dev; do
		echo "# $dev left swapped on under injection: swapoff"
		swapoff "$dev" || echo "# swapoff $dev failed"
	done
	awk '$1 ~ /aether_zram/ { print $2 }' /proc/mounts | while read -r mnt; do
		for l in /sys/block/loop*; do
			f=$(cat "$l/loop/backing_file" 2>/dev/null) || continue
			case "$f" in "$mnt"/*)
				echo "# /dev/${l##*/} on $f left under injection: detached"
				losetup -d "/dev/${l##*/}" ;;
			esac
		done
		echo "# $mnt left mounted under injection: unmounted"
		umount "$mnt" || echo "# umount $mnt failed"
	done
}

# fi_suite_whole: with injection off, put back what a selftest under
# injection could not: its own clean-up fails too (a debugfs write, a
# module load), so the naive share engine may still be registered with
# its shared frames, and a module a test unloads to load again (the
# share tests set aether_dedupe aside) may be missing.
fi_suite_whole() {
	fi_zram_unused
	naive=$DBG/aether/mm/share_naive
	if [ -w "$naive" ] && ! echo off >"$naive"; then
		echo "# share_naive would not turn off"
		return 1
	fi
	awk '$2 == "ours"' /etc/aether/modules | while read -r path _k params; do
		m=$(mod_name "$path")
		grep -q "^$m " /proc/modules && continue
		echo "# $m was left unloaded by a test under injection: loaded again"
		params=$(echo "$params" | sed 's/selftest=[0-9]*//')
		# shellcheck disable=SC2086 # params are separate words
		load_module "$path" $params || { echo "# loading $path failed"; load_failed_log; exit 1; }
	done && share_devices
}

# fi_workload CALLS SECONDS: the fuzzer and the stress in tolerant mode:
# no call may answer an unclean errno, no data may change.
fi_workload() {
	bad=0
	rel_run fuzz "$FUZZ" -A -n "$1" -d "$2" -t 2 || bad=1
	rel_run stress "$STRESS" -A -i -d "$(($2 / 2 + 1))" || bad=1
	return $bad
}

# rel_inject CALLS SECONDS: both injections over the same workload, then
# the pool must be back where it was. Modules loaded.
rel_inject() {
	rc=0
	FI_KERNEL_INJECTED=0
	echo "=== AETHER INJECT BEGIN ==="
	$FUZZ -S "$POOL_SNAP" || rc=1
	p0=$(fi_pool_injected)
	if [ -w "$DBG/aether/mm/fail_every" ]; then
		echo 7 >"$DBG/aether/mm/fail_every"
		echo "# pool injection: every 7th allocation fails"
		fi_workload "$1" "$2" || rc=1
		echo 0 >"$DBG/aether/mm/fail_every"
		echo 20 >"$DBG/aether/mm/fail_percent"
		echo "# pool injection: 20% of allocations fail"
		fi_workload "$1" "$2" || rc=1
		echo 0 >"$DBG/aether/mm/fail_percent"
	else
		echo "# no $DBG/aether/mm/fail_every: pool injection skipped"
	fi
	pool=$(($(fi_pool_injected) - p0))
	if [ -d "$DBG/failslab" ] && fi_kernel_on 10; then
		fi_selftests || rc=1
		fi_kernel_off
		fi_suite_whole || rc=1
		fi_kernel_on 10 || rc=1
		fi_workload "$1" "$2" || rc=1
		fi_kernel_off
		if fi_kernel_on 50; then
			fi_workload "$(($1 / 2))" "$(($2 / 2))" || rc=1
			fi_kernel_off
		fi
	else
		echo "# no failslab stack trace filter: kernel injection skipped"
	fi
	echo "=== AETHER INJECT END ==="
	$FUZZ -C "$POOL_SNAP" || rc=1
	echo "# injected: pool $pool, failslab+fail_page_alloc $FI_KERNEL_INJECTED"
	rel_result injected_pool "$pool"
	rel_result injected_kernel "$FI_KERNEL_INJECTED"
	[ $((pool + FI_KERNEL_INJECTED)) -gt 0 ] || {
		echo "# nothing was injected"
		rc=1
	}
	tap_result "$rc" inject
}

# ---- load/unload loop ------------------------------------------------

# held_kb: memory not held by anyone, once the page cache and slab caches
# are dropped: MemFree, plus the pages on Linux's per-CPU free lists (not
# in MemFree, and they swing by tens of MiB between samples), plus Slab:
# KASAN's quarantine keeps freed objects (up to 1/32 of RAM) in slab
# pages for a while. A page that left the buddy allocator for anything
# else (a pool chunk, a page table, vmalloc) still counts.
held_kb() {
	echo 3 >/proc/sys/vm/drop_caches
	# Pages move between the per-CPU lists and the buddy lists between
	# the two reads, counted twice or not at all: the median of 5.
	for _ in 1 2 3 4 5; do
		pcp=$(awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo)
		awk -v pcp="$pcp" '/^(MemFree|Slab):/ { kb += $2 } END { print kb + pcp }' /proc/meminfo
	done | sort -n | sed -n 3p
}

# meminfo_brief: where kernel memory other than free pages sits.
meminfo_brief() {
	awk '/^(MemFree|Slab|SUnreclaim|VmallocUsed|Percpu|KernelStack|PageTables):/ {
		printf "%s%s %s kB", sep, $1, $2; sep = ", " }' /proc/meminfo
}

# load_failed_log: the kernel's last words, for a load that failed (the
# why of a failed run shows them; the whole log is at the job's end).
load_failed_log() {
	dmesg | tail -n 12 | sed 's/^/#   /'
}

# load_ours FIRST: load our modules (load_module: modprobe); the in-kernel
# self-tests only the first time (they are slow on the debug kernel and
# not what we test).
load_ours() {
	awk '$2 == "ours"' /etc/aether/modules | while read -r path _k params; do
		[ "$1" = 1 ] || params=$(echo "$params" | sed 's/selftest=[0-9]*//')
		# shellcheck disable=SC2086 # params are separate words
		load_module "$path" $params || { echo "# loading $path failed"; load_failed_log; exit 1; }
	done && share_devices
}

unload_all_ours() {
	remove_zram_devices
	for m in $(our_modules | sed -n '1!G;h;$p'); do
		grep -q "^$m " /proc/modules || continue
		rmmod "$m" 2>/tmp/rmmod.err || {
			echo "# rmmod $m: $(cat /tmp/rmmod.err)"
			why_held "$m"
			return 1
		}
	done
}

# one_cycle N: load, hold blocks on an open fd, try to unload (the core
# must refuse), release, unload (must work).
one_cycle() {
	load_ours "$1" || return 1
	rm -f /tmp/hold.out
	$STRESS -H 600 >/tmp/hold.out 2>&1 &
	hold=$!
	i=0
	while ! grep -q holding /tmp/hold.out 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "# holder never got ready"; cat /tmp/hold.out; return 1; }
		sleep 0.1
	done
	for m in $(our_modules | sed -n '1!G;h;$p'); do
		rmmod "$m" 2>/tmp/rmmod.err || true
	done
	core=$(our_modules | head -n1)
	if ! grep -q "^$core " /proc/modules; then
		echo "# cycle $1: $core unloaded while an fd was open"
		return 1
	fi
	[ "$1" != 1 ] || echo "# refused while held: $(cat /tmp/rmmod.err)"
	kill -TERM "$hold"
	wait "$hold" || { echo "# cycle $1: holder failed"; cat /tmp/hold.out; return 1; }
	unload_all_ours || { echo "# cycle $1: unload failed after release"; return 1; }
}

# rel_loadloop CYCLES: modules unloaded on entry and on return.
# Every frame back, two ways:
# - exactly, by the pool itself: at each unload aether_mm gives every chunk
#   back to Linux or names the blocks still allocated ("still in use at
#   unload", which fails the run through box-report.sh);
# - by what Linux sees: held_kb after the last cycle is within 4 MiB (one
#   pool chunk) of held_kb after the second (the first cycles fill the
#   kernel's own caches). Measured flat to 10 kB a cycle over 30-60 cycles
#   on 6.1, 6.12 and the debug kernel.
rel_loadloop() {
	rc=0 n=0 warm=''
	before=$(held_kb)
	while [ $n -lt "$1" ]; do
		n=$((n + 1))
		one_cycle $n || { rc=1; break; }
		if [ $n -le 2 ]; then warm=$(held_kb); cp /proc/meminfo /tmp/meminfo.warm; fi
		if [ "$1" -le 10 ] || [ $((n % 50)) -eq 0 ]; then
			echo "# cycle $n, free+pcp+slab $(held_kb) kB, $(meminfo_brief)"
		fi
	done
	after=$(held_kb)
	warm=${warm:-$before}
	echo "# $n cycles; free+pcp+slab before loading $before kB, after warm-up $warm kB, after cycle $n $after kB"
	if [ $n -gt 2 ]; then
		echo "# drift after warm-up: $(((warm - after) / (n - 2))) kB a cycle"
	fi
	if [ $((warm - after)) -ge 4096 ]; then
		echo "# frames not given back to Linux: $((warm - after)) kB since warm-up"
		rc=1
	fi
	if [ $rc != 0 ] && [ -f /tmp/meminfo.warm ]; then
		echo "# /proc/meminfo lines that moved by 1 MiB or more since warm-up:"
		awk 'NR == FNR { w[$1] = $2; next }
		     ($1 in w) && ($2 - w[$1] >= 1024 || w[$1] - $2 >= 1024) {
			printf "#   %-16s %10d -> %10d kB\n", $1, w[$1], $2 }' \
			/tmp/meminfo.warm /proc/meminfo
	fi
	rel_result cycles $n
	tap_result $rc load_unload
	# Leave the suite loaded for what follows.
	load_ours 0 || rc=1
	return $rc
}

# ---- kmemleak ---------------------------------------------------------

# rel_kmemleak: two scans (an object must stay unreferenced across them),
# then the list; any entry fails the run through box-report.sh.
rel_kmemleak() {
	k=$DBG/kmemleak
	[ -w $k ] || { echo "# no kmemleak"; return 0; }
	start=$(date +%s)
	echo scan >$k
	sleep 6
	echo scan >$k
	n=$(grep -c '^unreferenced object' $k)
	echo "# kmemleak: $n suspected leaks ($(($(date +%s) - start)) s)"
	cat $k
	tap_result "$n" kmemleak
}
