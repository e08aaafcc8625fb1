#!/usr/bin/env bats
# ktstr-probe's monitor summary (bin/ktstr-probe/monitor.c), through
# `ktstr-probe --replay`: sample records in, one monitor record at the VM's
# exit. Streams are synthetic; every sample is 100 ms after the previous one
# unless said otherwise, HZ 250 (a vCPU that ran < 40 ms, or 8 ms under TCG, was preempted).
load ../helpers

S="$BATS_TEST_TMPDIR/stream.ndjson"

vm_started() { echo '{"type":"vm","job":"j","phase":"started"}'; }
vm_exited() { echo '{"type":"vm","job":"j","phase":"exited","reason":"poweroff"}'; }

# cpu ID NR_RUNNING LOCAL_DSQ_DEPTH RQ_CLOCK [VCPU_NS]: one cpus[] entry.
cpu() {
	printf '{"cpu":%s,"nr_running":%s,"scx_nr_running":%s,"local_dsq_depth":%s,"rq_clock":%s,"curr_pid":0%s}' \
		"$1" "$2" "$2" "$3" "$4" "${5:+,\"vcpu_ns\":$5}"
}

# sample T_MS PHASE EXTRA CPU_ENTRY...: one sample of job j; EXTRA is
# ',"scheduler":...' etc. or ''.
sample() {
	local t=$1 phase=$2 extra=$3 IFS=,
	shift 3
	printf '{"type":"sample","job":"j","t_ms":%s,"phase":"%s"%s,"cpus":[%s]}\n' \
		"$t" "$phase" "$extra" "$*"
}

# The monitor record(s) of the replayed stream, without t_ms (the caller's).
summary() {
	set -o pipefail
	ktstr-probe --replay < "$1" | jq -c 'select(.type == "monitor") | del(.t_ms)'
}

@test "probe summary: a transient imbalance spike counts for 1 sample, a sustained one for 5" {
	# cpu0 runs 1 task; cpu1 8 in sample 2 only, 5 in samples 6-10.
	{
		vm_started
		for i in $(seq 0 11); do
			n=1
			[ "$i" -eq 2 ] && n=8
			[ "$i" -ge 6 ] && [ "$i" -le 10 ] && n=5
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 0 $((1000000 * (i + 1))))" \
				"$(cpu 1 $n 0 $((1000000 * (i + 1) + 7)))"
		done
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"monitor","job":"j","samples":12,"interval_ms":100,"initialized":true,"max_imbalance_ratio":8,"avg_imbalance_ratio":3.25,"imbalance_windows":[{"samples":1,"ratio":8,"end_sample":2},{"samples":2,"ratio":5,"end_sample":7},{"samples":3,"ratio":5,"end_sample":8},{"samples":4,"ratio":5,"end_sample":9},{"samples":5,"ratio":5,"end_sample":10},{"samples":6,"ratio":1,"end_sample":5},{"samples":7,"ratio":1,"end_sample":6},{"samples":8,"ratio":1,"end_sample":7},{"samples":9,"ratio":1,"end_sample":8},{"samples":10,"ratio":1,"end_sample":9}],"max_local_dsq_depth":0,"max_local_dsq_depth_cpu":0,"avg_local_dsq_depth":0,"dsq_depth_windows":[{"samples":1,"depth":0,"cpu":0,"end_sample":0},{"samples":2,"depth":0,"cpu":0,"end_sample":1},{"samples":3,"depth":0,"cpu":0,"end_sample":2},{"samples":4,"depth":0,"cpu":0,"end_sample":3},{"samples":5,"depth":0,"cpu":0,"end_sample":4},{"samples":6,"depth":0,"cpu":0,"end_sample":5},{"samples":7,"depth":0,"cpu":0,"end_sample":6},{"samples":8,"depth":0,"cpu":0,"end_sample":7},{"samples":9,"depth":0,"cpu":0,"end_sample":8},{"samples":10,"depth":0,"cpu":0,"end_sample":9}],"avg_nr_running":2.125,"stall_detected":false,"stall_count":0,"stalls":[]}' ]
}

@test "probe summary: DSQ depth windows name the CPU that held the queue; K > samples left out" {
	# depths per sample: cpu0 0 1 0 0 0 0, cpu1 3 3 3 4 3 3, cpu2 0 20 0 9 9 0
	{
		vm_started
		d0=(0 1 0 0 0 0) d1=(3 3 3 4 3 3) d2=(0 20 0 9 9 0)
		for i in $(seq 0 5); do
			c=$((1000000 * (i + 1)))
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 ${d0[i]} $c)" \
				"$(cpu 1 1 ${d1[i]} $((c + 1)))" "$(cpu 2 1 ${d2[i]} $((c + 2)))"
		done
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"monitor","job":"j","samples":6,"interval_ms":100,"initialized":true,"max_imbalance_ratio":1,"avg_imbalance_ratio":1,"imbalance_windows":[{"samples":1,"ratio":1,"end_sample":0},{"samples":2,"ratio":1,"end_sample":1},{"samples":3,"ratio":1,"end_sample":2},{"samples":4,"ratio":1,"end_sample":3},{"samples":5,"ratio":1,"end_sample":4},{"samples":6,"ratio":1,"end_sample":5}],"max_local_dsq_depth":20,"max_local_dsq_depth_cpu":2,"avg_local_dsq_depth":3.222,"dsq_depth_windows":[{"samples":1,"depth":20,"cpu":2,"end_sample":1},{"samples":2,"depth":9,"cpu":2,"end_sample":4},{"samples":3,"depth":3,"cpu":1,"end_sample":2},{"samples":4,"depth":3,"cpu":1,"end_sample":3},{"samples":5,"depth":3,"cpu":1,"end_sample":4},{"samples":6,"depth":3,"cpu":1,"end_sample":5}],"avg_nr_running":1,"stall_detected":false,"stall_count":0,"stalls":[]}' ]
}

@test "probe summary: a CPU missing from a sample breaks its DSQ window" {
	# cpu1 (depth 3) unreadable in sample 3: its longest run is 3 samples.
	{
		vm_started
		for i in $(seq 0 5); do
			c=$((1000000 * (i + 1)))
			if [ "$i" -eq 3 ]; then
				sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 1 $c)"
			else
				sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 1 $c)" "$(cpu 1 1 3 $((c + 1)))"
			fi
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | .dsq_depth_windows[] | [.samples, .depth, .cpu, .end_sample]' | tr '\n' ' '"
	[ "$status" -eq 0 ]
	[ "$output" = '[1,3,1,0] [2,3,1,1] [3,3,1,2] [4,1,0,3] [5,1,0,4] [6,1,0,5] ' ]
}

@test "probe summary: rq_clock stalls per CPU, longest run with where and the clock" {
	# cpu1's clock stands at 8000000001 in samples 3-6 (3 stalled pairs),
	# cpu0's at 6000000000 in samples 1-2 (1 pair); both busy, vCPUs running.
	{
		vm_started
		for i in $(seq 0 7); do
			c0=$((1000000000 * (i + 5))) c1=$((1000000000 * (i + 5) + 1))
			[ "$i" -eq 2 ] && c0=6000000000
			[ "$i" -ge 3 ] && [ "$i" -le 6 ] && c1=8000000001
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 0 $c0 $((100000000 * i)))" \
				"$(cpu 1 2 0 $c1 $((100000000 * i)))"
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.samples, .initialized, .stall_detected, .stall_count, .stalls]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[8,true,true,4,[{"cpu":0,"samples":1,"end_sample":2,"rq_clock":6000000000},{"cpu":1,"samples":3,"end_sample":6,"rq_clock":8000000001}]]' ]
	# with the vCPUs' host waits: cpu0's thread waits 80 of every 100 ms from sample 4 on,
	# cpu1's 10; a stall's host_wait_pct is the most held vCPU's share over the stall
	jq -c 'if .type == "sample" then ((.t_ms - 5000) / 100) as $i |
		.cpus[0].vcpu_wait_ns = (if $i > 3 then ($i - 3) * 80000000 else 0 end) |
		.cpus[1].vcpu_wait_ns = $i * 10000000 else . end' "$S" > "$S.held"
	run sh -c "ktstr-probe --replay < '$S.held' | jq -c 'select(.type == \"monitor\") | [.stalls[] | [.cpu, .host_wait_pct]]'"
	[ "$output" = '[[0,10],[1,80]]' ]
}

@test "probe summary: a still clock is excused when the vCPU ran < 10 ticks (2 under TCG)" {
	# cpu1's clock stands still in samples 1-5; its vCPU ran 39 ms (excused),
	# then 40 ms (a stall: not < 40 ms), then sample 4 has no vcpu_ns
	# (not preempted: a stall for pairs 3-4 and 4-5).
	{
		vm_started
		v=(0 100000000 139000000 179000000 '' 300000000)
		for i in $(seq 0 5); do
			c1=$((1000000000 * (i + 5) + 1))
			[ "$i" -ge 1 ] && c1=4000000001
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 0 $((1000000000 * (i + 5))) $((100000000 * i)))" \
				"$(cpu 1 1 0 $c1 ${v[i]})"
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.stall_detected, .stall_count, .stalls]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[true,3,[{"cpu":1,"samples":3,"end_sample":5,"rq_clock":4000000001}]]' ]
	# The same with the vCPU never running 40 ms between samples: no stall.
	jq -c 'if .type == "sample" then .cpus[1].vcpu_ns = 1000 * .t_ms else . end' "$S" > "$S.preempted"
	run sh -c "ktstr-probe --replay < '$S.preempted' | jq -c 'select(.type == \"monitor\") | [.stall_detected, .stall_count, .stalls]'"
	[ "$output" = '[false,0,[]]' ]	# Under TCG (the vm record says so) 2 ticks are enough: 8 ms is a stall, 7.9 ms excused.
	for ran in 8000000 7900000; do
		jq -c --argjson ran $ran 'if .type == "sample" then .cpus[1].vcpu_ns = $ran * (.t_ms - 5000) / 100
			elif .phase == "started" then .accel = "tcg" else . end' "$S" > "$S.tcg"
		run sh -c "ktstr-probe --replay < '$S.tcg' | jq -c 'select(.type == \"monitor\") | [.stall_detected, .stall_count]'"
		echo "$ran: $output"
		case $ran in
		8000000) [ "$output" = '[true,4]' ] ;;
		*) [ "$output" = '[false,0]' ] ;;
		esac
	done
}

@test "probe summary: an idle CPU (nr_running 0 on both sides) is not stalled" {
	# cpu1's clock stands still in samples 0-3 with 0 0 0 1 tasks: only the
	# pair 2-3 (0 then 1 task) is a stall. cpu2's clock reads 0 (not a clock).
	{
		vm_started
		n=(0 0 0 1)
		for i in 0 1 2 3; do
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 0 $((1000000000 * (i + 5))))" \
				"$(cpu 1 ${n[i]} 0 3000000001)" "$(cpu 2 1 0 0)"
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.stall_detected, .stall_count, .stalls, .max_imbalance_ratio, .avg_imbalance_ratio, .avg_nr_running]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[true,1,[{"cpu":1,"samples":1,"end_sample":3,"rq_clock":3000000001}],1,1,0.75]' ]
}

@test "probe summary: uninitialised memory (all clocks equal, or DSQ > 10000) judges nothing" {
	{
		vm_started
		for i in 0 1 2 3; do
			sample $((5000 + 100 * i)) scenario ',"scheduler":"ktstr"' "$(cpu 0 1 0 0)" "$(cpu 1 9 0 0)"
		done
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"monitor","job":"j","samples":4,"interval_ms":100,"initialized":false,"scheduler":"ktstr"}' ]
	# Clocks moving but one local DSQ at 10001 tasks: implausible.
	{
		vm_started
		for i in 0 1 2; do
			d=0
			[ "$i" -eq 1 ] && d=10001
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 $d $((1000000 * (i + 1))))"
		done
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$output" = '{"type":"monitor","job":"j","samples":3,"interval_ms":100,"initialized":false}' ]
	# 10000 is still plausible.
	sed -i 's/10001/10000/' "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.initialized, .max_local_dsq_depth, .avg_local_dsq_depth]'"
	[ "$output" = '[true,10000,3333.333]' ]
}

@test "probe summary: boot, settle and after samples are not judged" {
	# Outside the scenario: a 9:1 imbalance, a deep DSQ and a frozen busy clock.
	{
		vm_started
		for i in 0 1 2 3 4 5 6 7 8 9; do
			case $i in 0 | 1) ph=boot ;; 2 | 3) ph=settle ;; 4 | 5 | 6) ph=scenario ;; *) ph=after ;; esac
			if [ "$ph" = scenario ]; then
				sample $((1000 + 100 * i)) $ph '' "$(cpu 0 2 1 $((1000000 * i)))" "$(cpu 1 2 1 $((1000000 * i + 1)))"
			else
				sample $((1000 + 100 * i)) $ph ',"scheduler":"other"' "$(cpu 0 9 500 5000)" "$(cpu 1 1 0 5000)"
			fi
		done
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"monitor","job":"j","samples":3,"interval_ms":100,"initialized":true,"max_imbalance_ratio":1,"avg_imbalance_ratio":1,"imbalance_windows":[{"samples":1,"ratio":1,"end_sample":0},{"samples":2,"ratio":1,"end_sample":1},{"samples":3,"ratio":1,"end_sample":2}],"max_local_dsq_depth":1,"max_local_dsq_depth_cpu":0,"avg_local_dsq_depth":1,"dsq_depth_windows":[{"samples":1,"depth":1,"cpu":0,"end_sample":0},{"samples":2,"depth":1,"cpu":0,"end_sample":1},{"samples":3,"depth":1,"cpu":0,"end_sample":2}],"avg_nr_running":2,"stall_detected":false,"stall_count":0,"stalls":[]}' ]
}

@test "probe summary: event deltas over the scenario and their rates per second" {
	# Samples 500 ms apart; scenario from t=2000 to t=4000 (2 s). Names only in
	# the first or the last scenario sample are left out; settle/after ignored.
	# The scheduler is the last non-empty name.
	ev() { printf ',"scheduler":"%s","events":{"select_cpu_fallback":%s,"dispatch_keep_last":%s,"enq_skip_exiting":%s,"%s":5}' "$@"; }
	{
		vm_started
		sample 1500 settle "$(ev other 1 1 1 x)" "$(cpu 0 1 0 1000)" "$(cpu 1 1 0 1001)"
		sample 2000 scenario "$(ev ktstr 100 10 0 only_first)" "$(cpu 0 1 0 2000)" "$(cpu 1 1 0 2001)"
		sample 2500 scenario "$(ev ktstr 150 11 0 x)" "$(cpu 0 1 0 3000)" "$(cpu 1 1 0 3001)"
		sample 3000 scenario '' "$(cpu 0 1 0 4000)" "$(cpu 1 1 0 4001)"
		sample 3500 scenario ',"scheduler":"ktstr"' "$(cpu 0 1 0 5000)" "$(cpu 1 1 0 5001)"
		sample 4000 scenario "$(ev '' 351 13 2 only_last)" "$(cpu 0 1 0 6000)" "$(cpu 1 1 0 6001)"
		sample 4500 after "$(ev ktstr 9999 9999 9999 x)" "$(cpu 0 1 0 7000)" "$(cpu 1 1 0 7001)"
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.samples, .fallback_rate, .keep_last_rate, .events, .scheduler]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[5,125.5,0.75,{"select_cpu_fallback":251,"dispatch_keep_last":3,"enq_skip_exiting":2},"ktstr"]' ]
}

@test "probe summary: EEVDF (no scheduler, no events) has no event fields" {
	{
		vm_started
		for i in 0 1 2; do
			sample $((5000 + 100 * i)) scenario '' "$(cpu 0 1 0 $((1000000 * (i + 1))))"
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [has(\"events\"), has(\"fallback_rate\"), has(\"keep_last_rate\"), has(\"scheduler\")]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[false,false,false,false]' ]
}

@test "probe summary: no scenario samples gives samples 0 and nothing else" {
	{
		vm_started
		sample 1000 boot '' "$(cpu 0 1 0 1000)"
		sample 1100 settle '' "$(cpu 0 5 0 2000)"
		vm_exited
	} > "$S"
	run summary "$S"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"monitor","job":"j","samples":0,"interval_ms":100}' ]
	{ vm_started; vm_exited; } > "$S"
	run summary "$S"
	[ "$output" = '{"type":"monitor","job":"j","samples":0,"interval_ms":100}' ]
}

@test "probe summary: records pass through, old monitor records dropped, summary before the exit" {
	{
		vm_started
		echo '{"type":"monitor","job":"j","samples":99}'
		sample 5000 scenario '' "$(cpu 0 1 0 1000)"
		echo '{"type":"worker","job":"j","tid":12}'
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c '[.type, .phase // .samples // .tid, (.t_ms | type)]' | tr '\n' ' '"
	[ "$status" -eq 0 ]
	[ "$output" = '["vm","started","null"] ["sample","scenario","number"] ["worker",12,"null"] ["monitor",1,"number"] ["vm","exited","null"] ' ]
}

@test "probe summary: under sched_ext a shared queue is no imbalance; a deep local DSQ is" {
	# cpu0 holds 30 tasks of an LLC-wide queue and runs one, cpu1 runs one: both busy, ratio 1.
	# Then cpu0's own local DSQ holds 7 behind its running task: 8 vs 1 is real. An RT task
	# (nr_running above scx_nr_running) counts in full.
	scx() { printf '{"cpu":%s,"nr_running":%s,"scx_nr_running":%s,"local_dsq_depth":%s,"rq_clock":%s,"curr_pid":5}' "$@"; }
	{
		vm_started
		for i in 0 1 2 3 4 5 6 7; do
			t=$((5000 + 100 * i)) c=$((1000000 * (i + 1)))
			if [ "$i" -lt 3 ]; then a="$(scx 0 31 31 0 $c)"
			elif [ "$i" -lt 6 ]; then a="$(scx 0 30 30 7 $c)"
			else a="$(scx 0 3 1 0 $c)"; fi
			sample $t scenario ',"scheduler":"ktstr"' "$a" "$(scx 1 1 1 0 $c)"
		done
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.max_imbalance_ratio, .imbalance_windows[2], .avg_nr_running]'"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$output" = '[8,{"samples":3,"ratio":8,"end_sample":5},12.313]' ]
	# the same samples without a scheduler (EEVDF's runqueues): nr_running as it is
	jq -c 'del(.scheduler)' "$S" > "$S.eevdf"
	run sh -c "ktstr-probe --replay < '$S.eevdf' | jq -c 'select(.type == \"monitor\") | .max_imbalance_ratio'"
	[ "$output" = 31 ]
}

@test "probe summary: the scheduler's BPF programs: runs, runs per second, ns per run" {
	# 2 s of scenario; ktstr_enqueue ran 400 times for 1,200,000 ns; a program loaded again
	# (its count went back) counts 0; one seen only at the end is left out
	p() { printf ',"scheduler":"ktstr","progs":{%s}' "$1"; }
	{
		vm_started
		sample 4800 settle "$(p '"ktstr_enqueue":{"cnt":1,"nsecs":5}')" "$(cpu 0 1 0 1000)"
		sample 5000 scenario "$(p '"ktstr_enqueue":{"cnt":100,"nsecs":300000},"ktstr_init":{"cnt":9,"nsecs":9}')" "$(cpu 0 1 0 2000)"
		sample 6000 scenario "$(p '"ktstr_enqueue":{"cnt":300,"nsecs":900000}')" "$(cpu 0 1 0 3000)"
		sample 7000 scenario "$(p '"ktstr_enqueue":{"cnt":500,"nsecs":1500000},"ktstr_init":{"cnt":1,"nsecs":1},"ktstr_tick":{"cnt":7,"nsecs":7}')" "$(cpu 0 1 0 4000)"
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | .progs'"
	[ "$status" -eq 0 ]
	[ "$output" = '{"ktstr_enqueue":{"runs":400,"runs_per_s":200,"ns_per_run":3000},"ktstr_init":{"runs":0,"runs_per_s":0,"ns_per_run":0}}' ]
}

@test "probe summary: each program's verified instructions and JITed bytes, as last seen" {
	p() { printf ',"scheduler":"ktstr","progs":{%s}' "$1"; }
	{
		vm_started
		sample 5000 scenario "$(p '"ktstr_enqueue":{"cnt":100,"nsecs":300000,"verified_insns":1234,"jited_bytes":800},"ktstr_tick":{"cnt":1,"nsecs":10}')" "$(cpu 0 1 0 2000)"
		sample 6000 scenario "$(p '"ktstr_enqueue":{"cnt":300,"nsecs":900000,"verified_insns":1234,"jited_bytes":800},"ktstr_tick":{"cnt":2,"nsecs":20,"verified_insns":77}')" "$(cpu 0 1 0 3000)"
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | .progs'"
	[ "$status" -eq 0 ]
	[ "$output" = '{"ktstr_enqueue":{"runs":200,"runs_per_s":200,"ns_per_run":3000,"verified_insns":1234,"jited_bytes":800},"ktstr_tick":{"runs":1,"runs_per_s":1,"ns_per_run":10,"verified_insns":77}}' ]
}

@test "probe summary: runqueue wait per run, over all CPUs and the worst CPU's" {
	# cpu0 waited 3 ms over 10 runs (300 us each), cpu1 1 ms over 20 (50 us); cpu2 has no
	# sched_info; the settle sample before is not judged
	sc() { printf '{"cpu":%s,"nr_running":1,"local_dsq_depth":0,"rq_clock":%s,"run_delay_ns":%s,"pcount":%s}' "$@"; }
	{
		vm_started
		sample 4900 settle '' "$(sc 0 100 0 0)" "$(sc 1 100 0 0)" "$(cpu 2 1 0 100)"
		sample 5000 scenario '' "$(sc 0 1000 1000000 10)" "$(sc 1 1000 0 10)" "$(cpu 2 1 0 1000)"
		sample 5100 scenario '' "$(sc 0 2000 2500000 15)" "$(sc 1 2000 500000 20)" "$(cpu 2 1 0 2000)"
		sample 5200 scenario '' "$(sc 0 3000 4000000 20)" "$(sc 1 3000 1000000 30)" "$(cpu 2 1 0 3000)"
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.avg_run_delay_us, .max_cpu_run_delay_us, .max_run_delay_cpu]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[133.333,300,0]' ]
	# counters read from guest memory at the edges of their range: no overflow, a wrap skipped
	# (reals are written with 15 significant digits)
	{
		vm_started
		sample 5000 scenario '' "$(sc 0 1000 -9223372036854775808 0)" "$(sc 1 1000 0 0)" "$(sc 2 1000 0 -9223372036854775808)"
		sample 5100 scenario '' "$(sc 0 2000 9223372036854775807 1)" "$(sc 1 2000 9223372036854775807 1)" "$(sc 2 2000 0 9223372036854775807)"
		sample 5200 scenario '' "$(sc 0 3000 9223372036854775807 2)" "$(sc 1 3000 9223372036854775807 2)" "$(sc 2 3000 0 9223372036854775807)"
		vm_exited
	} > "$S"
	run sh -c "ktstr-probe --replay < '$S' | jq -c 'select(.type == \"monitor\") | [.avg_run_delay_us, .max_cpu_run_delay_us, .max_run_delay_cpu]'"
	[ "$status" -eq 0 ]
	[ "$output" = '[4611686018427390,4611686018427390,1]' ]
}
