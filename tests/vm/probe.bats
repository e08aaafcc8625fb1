#!/usr/bin/env bats
# ktstr-probe on real VMs: what it reads from guest memory must match what the guest itself
# reports (its workers' pids running on its CPUs, the attached scheduler's name), and a killed
# probe must take the VM down with it.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

stream() { cat "$KTSTR_RUNS_DIR"/*/stream.ndjson; }

@test "probe under scx-ktstr: samples agree with the guest; the monitor sums up the scenario" {
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t
	[ "$status" -eq 0 ]
	stream > "$BATS_TEST_TMPDIR/s"
	S="$BATS_TEST_TMPDIR/s"
	# phases in order: boot, settle, scenario (then maybe after)
	[ "$(jq -r 'select(.type == "sample") | .phase' "$S" | uniq | head -n 3 | tr '\n' ' ')" = "boot settle scenario " ]
	# during the scenario every CPU reads back as itself, with the scheduler attached (the last
	# samples may already see it going: the guest detaches it as soon as the workers are done,
	# and the probe learns of the scenario's end only when that record has come down the pipe)
	jq -c 'select(.type == "sample" and .phase == "scenario") | [[.cpus[].cpu], .scheduler, (.events // {} | keys)]' "$S"
	jq -e -s '[.[] | select(.type == "sample" and .phase == "scenario")] | length >= 8 and
		all(.[]; [.cpus[].cpu] == [0,1,2,3]) and
		all(.[:-3][]; .scheduler == "ktstr" and (.events | has("select_cpu_fallback")))' "$S"
	# the pids running on the CPUs are the guest's workers (it reports their tids itself)
	n=$(jq -s '([.[] | select(.type == "worker") | .tid]) as $w |
		[.[] | select(.type == "sample" and .phase == "scenario") | .cpus[].curr_pid] | unique |
		map(select(. as $p | $w | index($p))) | length' "$S")
	echo "worker pids seen running: $n of 4"
	[ "$n" -ge 3 ]
	# four CPU-bound workers on four CPUs: four or more runnable in most samples
	jq -e -s '[.[] | select(.type == "sample" and .phase == "scenario") | ([.cpus[].nr_running] | add >= 4)] |
		(map(select(.)) | length) * 10 >= length * 8' "$S"
	# each busy CPU's rq clock and its vCPU thread's host CPU time move forward
	jq -e -s '[.[] | select(.type == "sample" and .phase == "scenario")] as $s |
		all(range(0; 4); . as $c | [$s[] | .cpus[$c] | .rq_clock] as $k | [$s[] | .cpus[$c] | .vcpu_ns | values] as $v |
			($k == ($k | sort)) and ($k | unique | length) == ($k | length) and $v == ($v | sort))' "$S"
	# a CPU with tasks always has its vCPU's host times (an idle one's are read now and then)
	jq -e -s '[.[] | select(.type == "sample" and .phase == "scenario") | .cpus[] | select(.nr_running > 0)] |
		all(has("vcpu_ns") and has("vcpu_wait_ns"))' "$S"
	# the summary: scenario samples only, nothing wrong, the scheduler it saw, copied into the verdict
	jq -e -s --argjson n "$(jq -s '[.[] | select(.type == "sample" and .phase == "scenario")] | length' "$S")" '
		[.[] | select(.type == "monitor")] as $m | ($m | length) == 1 and $m[0].samples == $n and
		$m[0].initialized and $m[0].stall_count == 0 and $m[0].scheduler == "ktstr" and
		$m[0].fallback_rate == 0 and ($m[0].imbalance_windows | length) == 10 and
		$m[0].avg_run_delay_us >= 0 and ($m[0].max_run_delay_cpu | . >= 0 and . <= 3)' "$S"
	jq -e -s '[.[] | select(.type == "verdict")][0] | .result == "pass" and .monitor.scheduler == "ktstr"' "$S"
	# the scheduler's own BPF callbacks, with their runs and time (kernel.bpf_stats_enabled)
	jq -e -s '[.[] | select(.type == "monitor")][0].progs as $p |
		($p.ktstr_enqueue.runs > 0) and ($p.ktstr_dispatch.runs > 0) and ($p.ktstr_enqueue.ns_per_run > 0)' "$S"
	# the summary comes just before the VM's exit record
	[ "$(jq -r '.type + (.phase // "")' "$S" | grep -A1 '^monitor$' | tail -n 1)" = vmexited ]
}

@test "probe under EEVDF: runqueues without a sched_ext scheduler; --no-monitor leaves it out" {
	run ktstr run steady --topo 1n2l2c1t
	[ "$status" -eq 0 ]
	jq -e -s '[.[] | select(.type == "sample")] | length >= 8 and
		all((has("scheduler") or has("events")) | not) and all(.[].cpus[]; .scx_nr_running == 0)' "$KTSTR_RUNS_DIR"/*/stream.ndjson
	jq -e -s '[.[] | select(.type == "monitor")] | length == 1 and (.[0] | has("events") | not) and .[0].samples > 0' \
		"$KTSTR_RUNS_DIR"/*/stream.ndjson
	# each CPU's sched domains, read once: an MC level per LLC of 1n2l2c1t, a PKG over all
	[ "$(jq -c 'select(.type == "monitor") | [.sched_domains[] | [.cpu, [.domains[] | "\(.name):\(.span)"]]]' "$KTSTR_RUNS_DIR"/*/stream.ndjson)" = \
		'[[0,["MC:0-1","PKG:0-3"]],[1,["MC:0-1","PKG:0-3"]],[2,["MC:2-3","PKG:0-3"]],[3,["MC:2-3","PKG:0-3"]]]' ]
	# schedstats are on: the runqueues count schedule() calls and wakeups
	jq -e -s '[.[] | select(.type == "monitor")][0].schedstat_per_s | .sched_count > 0 and .ttwu_count > 0 and has("sched_goidle") and has("yld_count") and has("ttwu_local")' \
		"$KTSTR_RUNS_DIR"/*/stream.ndjson
	rm -rf "$KTSTR_RUNS_DIR"
	run ktstr run steady --topo 1n2l2c1t --no-monitor
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[] | select(.type == "sample" or .type == "monitor")] | length' "$KTSTR_RUNS_DIR"/*/stream.ndjson)" -eq 0 ]
}

@test "probe reads guest memory alike whether the kernel was booted by PVH or from the bzImage" {
	kjson=$(ktstr kernel path --json)
	grep -q '^CONFIG_PVH=y' "$(jq -r .config <<< "$kjson")" || skip "the cached kernel has no PVH entry (CONFIG_PVH)"
	for b in pvh bzimage; do
		rm -rf "$KTSTR_RUNS_DIR"
		KTSTR_BOOT=$b run ktstr run steady --topo 1n2l2c1t --duration 1
		[ "$status" -eq 0 ]
		S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
		[ "$(jq -r 'select(.type == "vm" and .phase == "started") | .boot' "$S")" = "$b" ]
		# every CPU's runqueue found and read back as itself, through the whole scenario
		jq -e -s '[.[] | select(.type == "sample" and .phase == "scenario")] | length >= 3 and
			all(.[]; [.cpus[].cpu] == [0,1,2,3] and ([.cpus[].nr_running] | add) >= 1)' "$S"
		jq -e -s '[.[] | select(.type == "monitor")] | length == 1 and (.[0] | has("error") | not) and
			.[0].samples > 0 and ([.[0].sched_domains[].cpu] == [0,1,2,3])' "$S"
	done
}

@test "a killed ktstr-probe stops the VM: no qemu, no /dev/shm file left" {
	shm_before=$(ls -A /dev/shm | sort)
	ktstr run steady --duration 30 > "$BATS_TEST_TMPDIR/out" 2>&1 &
	front=$!
	probe=""
	for _ in $(seq 200); do
		probe=$(pgrep -x -P "$(pgrep -d, -P "$front"),$front" ktstr-probe || true)
		qemu=$(pgrep -f 'qemu-system.*ktstr,debug-threads' || true)
		[ -n "$probe" ] && [ -n "$qemu" ] && break
		sleep 0.1
	done
	[ -n "$probe" ] && [ -n "$qemu" ]
	sleep 2
	kill -9 $probe
	wait $front || true
	for _ in $(seq 50); do
		kill -0 $qemu 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 $qemu 2>/dev/null
	[ "$(ls -A /dev/shm | sort)" = "$shm_before" ]
	cat "$BATS_TEST_TMPDIR/out"
	grep -q 'INCONCLUSIVE' "$BATS_TEST_TMPDIR/out"
}

@test "probe: a kernel's first run, before its kallsyms are cached, is sampled too" {
	src=$(dirname "$KTSTR_TEST_KERNEL_IMAGE")
	kdir="$BATS_TEST_TMPDIR/kernel"
	mkdir -p "$kdir"
	ln -s "$src/vmlinuz" "$kdir/vmlinuz"
	ln -s "$src/vmlinux" "$kdir/vmlinux"
	cp "$src/config" "$kdir/config"
	[ "$(ktstr kernel path --json "$kdir" | jq -r .ksyms)" = null ]
	run --separate-stderr ktstr run steady --kernel "$kdir" --json
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ -s "$kdir/kallsyms" ]	# ktstr-boot's calibrate boot wrote them before the job's VM
	[ "$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "monitor")][0] | [.samples > 0, has("error")]' | jq -c .)" = "[true,false]" ]
}

@test "probe shortens a scheduler's 30 s stall watchdog to 4 s from the host" {
	# scx-ktstr asking for the kernel's longest timeout, then parking user tasks after 500 ms.
	# The kernel's first check is queued at the old pace (15 s after attaching); from then on it
	# checks every 2 s against 4 s. With its own 30 s the kernel could not eject the scheduler
	# for a wait under 30 s (without the probe this run is ejected 45 s in).
	run ktstr run steady --scheduler scx-ktstr --sched-args "--timeout-ms 30000 --stall-after 500" --duration 20
	[ "$status" -eq 1 ]
	S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(jq -r 'select(.type == "sample" and .watchdog_ms) | .watchdog_ms' "$S" | sort -u)" = 4000 ]
	msg=$(jq -r 'select(.type == "verdict") | .details[] | select(.kind == "SchedulerDied") | .message | split("\n")[0]' "$S")
	echo "$msg"
	waited=$(printf '%s\n' "$msg" | sed -En 's/.*runnable task stall: .*failed to run for ([0-9]+)\.[0-9]{3}s \(ERROR_STALL\)$/\1/p')
	[ -n "$waited" ] && [ "$waited" -ge 4 ] && [ "$waited" -lt 20 ]
}
