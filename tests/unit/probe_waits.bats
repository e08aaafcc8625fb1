#!/usr/bin/env bats
# How long runnable sched_ext tasks waited (bin/ktstr-probe/waits.c), through
# `ktstr-probe --replay`: samples with the CPUs' waiting lists in, counted waits and
# the monitor's starvation and idle-while-waiting fields out. Streams are synthetic:
# HZ 250 and the default preempt rule (a vCPU that ran < 40 ms between samples,
# while it waited at least that long for a host CPU, was held back by the host).
load ../helpers

S="$BATS_TEST_TMPDIR/stream.ndjson"

# sample T PHASE STEP CPU_ENTRY...: one sample of job j under scheduler "s".
sample() {
	local t=$1 phase=$2 step=$3 IFS=,
	shift 3
	printf '{"type":"sample","job":"j","t_ms":%s,"phase":"%s"%s,"scheduler":"s","cpus":[%s]}\n' \
		"$t" "$phase" "${step:+,\"step\":$step}" "$*"
}
# cpu ID CURR_PID RUN_NS WAIT_NS [WAITER_JSON]: one cpus[] entry with its vCPU's host times.
cpu() {
	printf '{"cpu":%s,"nr_running":1,"rq_clock":%s,"curr_pid":%s,"vcpu_ns":%s,"vcpu_wait_ns":%s,"waiting":[%s]}' \
		"$1" "$3" "$2" "$3" "$4" "${5:-}"
}
# waiter PID COMM WAIT_MS [ALLOWED] [KTHREAD] [WEIGHT]
waiter() {
	printf '{"pid":%s,"comm":"%s","kthread":%s,"weight":%s,"allowed":"%s","runnable_at":1,"wait_ms":%s}' \
		"$1" "$2" "${5:-false}" "${6:-100}" "${4:-0-1}" "$3"
}
replay() { ktstr-probe --replay < "$S"; }

@test "probe waits: a task left runnable counts its guest wait, less the intervals the host held its vCPU back" {
	{
		echo '{"type":"vm","job":"j","phase":"started"}'
		# cpu1 runs all along (its vCPU gets 50 ms per 100 ms); pid 40 waits on cpu0, whose
		# vCPU is idle (sleeping on the host) except from 400 to 600 ms, when the host holds it
		# back (5 ms run, 90 ms waiting for a host CPU per interval)
		run=0 wait=0 w=0
		for t in 100 200 300 400 500 600 700 800; do
			case $t in 500 | 600) run=$((run + 5000000)) wait=$((wait + 90000000)) ;; *) run=$((run + 1000000)) ;; esac
			w=$((w + 100))
			sample $t scenario 0 "$(cpu 0 0 $run $wait "$(waiter 40 kworker/0:1 $w 0 true)")" \
				"$(cpu 1 77 $((t * 500000)) 0)"
		done
		echo '{"type":"vm","job":"j","phase":"exited"}'
	} > "$S"
	# every wait counts in full but the 200 ms held back (400-600 ms)
	[ "$(replay | jq -c 'select(.type == "sample") | .cpus[0].waiting[0] | [.wait_ms, .counted_ms]' | tr '\n' ' ')" = \
		"[100,100] [200,200] [300,300] [400,400] [500,400] [600,400] [700,500] [800,600] " ]
	[ "$(replay | jq -c 'select(.type == "monitor") | [.max_runnable_wait_ms, .longest_wait.pid, .longest_wait.comm, .longest_wait.kthread, .longest_wait.guest_wait_ms, .longest_wait.onset_t_ms, .longest_wait.step, .long_wait_tasks]')" = \
		'[600,40,"kworker/0:1",true,800,0,0,1]' ]
	# its vCPU waited for a host CPU 90 of each 100 ms from 400 to 600 ms: 180 of its 800 ms
	[ "$(replay | jq -c 'select(.type == "monitor") | [.longest_wait.host_wait_pct, .long_waits[0].host_wait_pct]')" = '[23,23]' ]
	# cpu0 itself sat idle beside its own waiter, but for the two samples the host held it back
	[ "$(replay | jq -c 'select(.type == "monitor") | [.idle_while_waiting_pct, [.idle_while_waiting_windows[].cpus]]')" = '[75,[1,1,1,1,0,0,0,0]]' ]
}

@test "probe waits: CPUs idle beside a task that may run there, held for K samples; affinity and a held-back vCPU excuse" {
	{
		echo '{"type":"vm","job":"j","phase":"started"}'
		# cpu0 runs pid 10 while pid 11 waits on cpu0's list; cpus 1-2 sit idle. pid 11 may run
		# on 0-2 (samples 1-6), then on cpu0 only (samples 7-9): no longer a loss.
		for i in $(seq 1 9); do
			allowed=0-2
			[ "$i" -ge 7 ] && allowed=0
			t=$((i * 100))
			sample $t scenario 0 "$(cpu 0 10 $((t * 900000)) 0 "$(waiter 11 spin 30 $allowed)")" \
				"$(cpu 1 0 $((t * 10000)) 0)" "$(cpu 2 0 $((t * 10000)) 0)"
		done
		echo '{"type":"vm","job":"j","phase":"exited"}'
	} > "$S"
	[ "$(replay | jq -c 'select(.type == "monitor") | [.idle_while_waiting_windows[] | [.samples, .cpus]] | map(map(tostring) | join(":")) | join(" ")')" = \
		'"1:2 2:2 3:2 4:2 5:2 6:2 7:0 8:0 9:0"' ]
	[ "$(replay | jq -c 'select(.type == "monitor") | .idle_while_waiting_windows[4] | [.idle_cpus, .waiting, .longest.pid, .longest.cpu]')" = '["1-2",1,11,0]' ]
	[ "$(replay | jq -c 'select(.type == "monitor") | .idle_while_waiting_pct')" = 66.7 ]
	# the same with cpu2's vCPU held back by the host (2 ms run, 60 ms waiting per sample):
	# only cpu1 counts as idle by the guest's choice
	sed -E 's/\{"cpu":2,"nr_running":1,"rq_clock":([0-9]+),"curr_pid":0,"vcpu_ns":[0-9]+,"vcpu_wait_ns":0/{"cpu":2,"nr_running":1,"rq_clock":\1,"curr_pid":0,"vcpu_ns":\1,"vcpu_wait_ns":\1/' "$S" |
		jq -c 'if .type == "sample" then .cpus[2].vcpu_ns = .t_ms * 20000 | .cpus[2].vcpu_wait_ns = .t_ms * 600000 else . end' > "$S.2"
	mv "$S.2" "$S"
	[ "$(replay | jq -c 'select(.type == "monitor") | .idle_while_waiting_windows[4] | [.cpus, .idle_cpus]')" = '[1,"1"]' ]
}

@test "probe waits: the longest wait of each task, 16 listed, from every phase; a wait read once is not counted" {
	{
		echo '{"type":"vm","job":"j","phase":"started"}'
		# 20 tasks wait at two boot-phase samples (before any step): 300..2200 ms, then 400..2300
		for t in 2900 3000; do
			ws=""
			for p in $(seq 1 20); do ws="$ws${ws:+,}$(waiter $((100 + p)) t$p $((t - 2700 + p * 100)))"; done
			# pid 99 shows once with 9 s: a list read while it changed, not a wait
			[ "$t" = 2900 ] && ws="$ws,$(waiter 99 torn 9000)"
			sample $t boot "" "$(cpu 0 5 $((t * 1000)) 0 "$ws")"
		done
		sample 3100 scenario 0 "$(cpu 0 5 3100000 0)"
		echo '{"type":"vm","job":"j","phase":"exited"}'
	} > "$S"
	[ "$(replay | jq -c 'select(.type == "monitor") | [.samples, .max_runnable_wait_ms, .long_wait_tasks, (.long_waits | length), .long_waits[0].pid, .long_waits[15].pid, .long_waits[0].phase, .scenario_t_ms, .long_waits[0].onset_scenario_ms]')" = \
		'[1,2300,20,16,120,105,"boot",3100,-2400]' ]
}
