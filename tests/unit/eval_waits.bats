#!/usr/bin/env bats
# ktstr-eval on the host's runnable waits (the monitor record's max_runnable_wait_ms,
# long_waits and idle_while_waiting_windows): Starved, WorkConservation, and symptoms
# that fail only with a cost. The stream is the real scx-ktstr run of
# tests/fixtures/eval/monitor-pass.ndjson (workers 126-129) with its monitor record edited.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/eval"

# judge JQ_EDIT [ARGS...]: the verdict's result and details after editing the monitor record.
judge() {
	local edit=$1
	shift
	jq -c "if .type == \"monitor\" then $edit else . end" "$F/monitor-pass.ndjson" |
		ktstr-eval "$@" | jq -r 'select(.type == "verdict") | .result, (.details[] | .kind + ": " + .message)'
}

W='{"pid":127,"tgid":127,"comm":"init","kthread":false,"cpu":1,"wait_ms":1900,"guest_wait_ms":1950,"t_ms":6000,"onset_t_ms":4050,"onset_scenario_ms":600,"phase":"scenario","step":0,"weight":100}'
K='{"pid":18,"tgid":18,"comm":"ksoftirqd/1","kthread":true,"cpu":1,"wait_ms":1200,"guest_wait_ms":1200,"t_ms":5000,"onset_t_ms":3800,"onset_scenario_ms":-200,"phase":"boot","weight":100}'
L='{"pid":130,"tgid":130,"comm":"nice19","kthread":false,"cpu":0,"wait_ms":5000,"guest_wait_ms":5000,"t_ms":9000,"onset_t_ms":4000,"onset_scenario_ms":600,"phase":"after","step":0,"weight":2}'

@test "eval waits: Starved names each task past max_runnable_wait_ms, its CPU, its wait and when" {
	run judge ".max_runnable_wait_ms = 1900 | .longest_wait = $W | .long_waits = [$W, $K, $L] | .long_wait_tasks = 3"
	[ "$output" = "fail
Starved: worker 127 (cg_0) was runnable on cpu 1 for 1.90 s without running (limit 1.00 s) during step 1 of 1 (from 0.6 s into the scenario)
Starved: kthread ksoftirqd/1 (pid 18) was runnable on cpu 1 for 1.20 s without running (limit 1.00 s) before the scenario's first step (as the scheduler came up and the scenario was set up)" ]
	# past three tasks, the rest are counted
	W2=$(jq -c '.pid = 128 | .tgid = 128' <<< "$W")
	W3=$(jq -c '.pid = 129 | .tgid = 129' <<< "$W")
	run judge ".max_runnable_wait_ms = 1900 | .longest_wait = $W | .long_waits = [$W, $K, $W2, $W3] | .long_wait_tasks = 4"
	[ "$(sed -n '$p' <<< "$output")" = "Starved: 1 more task waited past its limit" ]
	# a task of weight 2 (nice 19) may wait 50 times as long: 5 s is within its 50 s
	run judge ".max_runnable_wait_ms = 5000 | .longest_wait = $L | .long_waits = [$L]"
	[ "$output" = pass ]
	run judge ".max_runnable_wait_ms = 5000 | .longest_wait = $L | .long_waits = [$L]" --check max_runnable_wait_ms=50
	[ "$output" = "fail
Starved: task nice19 (pid 130) was runnable on cpu 0 for 5.00 s without running (limit 2.50 s) and was still waiting after the scenario's end (from 0.6 s into the scenario)" ]
	# off, or a run whose waits stayed short
	run judge ".max_runnable_wait_ms = 1900 | .longest_wait = $W | .long_waits = [$W]" --check max_runnable_wait_ms=null
	[ "$output" = pass ]
	run judge ".max_runnable_wait_ms = 40 | .long_waits = []"
	[ "$output" = pass ]
}

@test "eval waits: WorkConservation when CPUs idled for sustained_samples while tasks that may run there waited" {
	win='[{"samples":4,"cpus":3,"end_sample":9,"t_ms":5000,"idle_cpus":"1-3","waiting":3,"longest":'"$W"'},{"samples":5,"cpus":3,"end_sample":10,"t_ms":5100,"idle_cpus":"1-3","waiting":3,"longest":'"$W"'},{"samples":6,"cpus":0,"end_sample":10,"t_ms":5100}]'
	run judge ".idle_while_waiting_windows = $win | .max_runnable_wait_ms = 60"
	[ "$output" = "fail
WorkConservation: 3 cpus idle at each of 5 samples in a row (cpus 1-3 at the last) while 3 runnable tasks that may run there waited; the longest, worker 127 (cg_0), waited 1900 ms on cpu 1 during step 1 of 1 (from 0.6 s into the scenario)" ]
	# one CPU, one task: said in the singular; cpus counts the CPUs idle at every sample of the
	# window, idle_cpus lists those of its last: here one at each, two at the end
	two='[{"samples":5,"cpus":1,"end_sample":10,"t_ms":5100,"idle_cpus":"1,3","waiting":2,"longest":'"$W"'}]'
	run judge ".idle_while_waiting_windows = $two | .max_runnable_wait_ms = 60"
	[ "$(sed -n 2p <<< "$output")" = "WorkConservation: 1 cpu idle at each of 5 samples in a row (cpus 1,3 at the last) while 2 runnable tasks that may run there waited; the longest, worker 127 (cg_0), waited 1900 ms on cpu 1 during step 1 of 1 (from 0.6 s into the scenario)" ]
	one='[{"samples":5,"cpus":1,"end_sample":10,"t_ms":5100,"idle_cpus":"2","waiting":1,"longest":'"$W"'}]'
	run judge ".idle_while_waiting_windows = $one | .max_runnable_wait_ms = 60"
	[ "$output" = "fail
WorkConservation: 1 cpu idle at each of 5 samples in a row (cpu 2 at the last) while 1 runnable task that may run there waited; the longest, worker 127 (cg_0), waited 1900 ms on cpu 1 during step 1 of 1 (from 0.6 s into the scenario)" ]
	run judge ".idle_while_waiting_windows = $win" --check sustained_samples=6
	[ "$output" = pass ]
	run judge ".idle_while_waiting_windows = $win" --check max_idle_cpus_while_waiting=3
	[ "$output" = pass ]
}

@test "eval waits: a symptom fails with the cost it came with, and is a warning without one" {
	# select_cpu fallbacks 250/s (limit 200): nobody waited long, so a warning
	run judge ".fallback_rate = 250 | .max_runnable_wait_ms = 30 | .longest_wait = ($W | .wait_ms = 30)"
	[ "$output" = "pass
Monitor: warning: select_cpu fallback rate 250.0/s exceeded limit 200.0/s (not a failure: no task waited long; the longest wait: worker 127 (cg_0), 30 ms on cpu 1, nothing unfair, no stall)" ]
	# a task waited 600 ms, more than half the 1 s limit: the rate is a failure and says who paid
	run judge ".fallback_rate = 250 | .max_runnable_wait_ms = 600 | .longest_wait = ($W | .wait_ms = 600)"
	[ "$output" = "fail
Monitor: select_cpu fallback rate 250.0/s exceeded limit 200.0/s; the longest wait: worker 127 (cg_0), 600 ms on cpu 1" ]
}

@test "eval waits: a keep_last rate keeps CPUs busy: a warning even beside a long wait, a failure only beside a harm" {
	run judge ".keep_last_rate = 150 | .max_runnable_wait_ms = 600 | .longest_wait = ($W | .wait_ms = 600)"
	[ "$output" = "pass
Monitor: warning: dispatch keep_last rate 150.0/s exceeded limit 100.0/s (not a failure: the CPUs kept running their tasks rather than idle; nobody starved, nothing unfair, no stall)" ]
	run judge ".keep_last_rate = 150 | .max_runnable_wait_ms = 1900 | .longest_wait = $W"
	[ "$(sed -n 1p <<< "$output")" = fail ]
	grep -qx "Monitor: dispatch keep_last rate 150.0/s exceeded limit 100.0/s, beside the failures above" <<< "$output"
}

@test "eval waits: what the kernel lacks skips its checks with the reason, never silently" {
	why='the kernel'"'"'s BTF has no struct scx_event_stats: this kernel keeps no sched_ext event counters'
	run judge ".keep_last_rate = 150 | .max_runnable_wait_ms = 600 | .longest_wait = ($W | .wait_ms = 600) | .kernel_lacks = {events: \"$why\"}"
	[ "$output" = "pass
Skipped: max_fallback_rate, max_keep_last_rate not checked: $why" ]
	# a check turned off is not named
	run judge ".kernel_lacks = {events: \"$why\"}" --check max_fallback_rate=null
	[ "$output" = "pass
Skipped: max_keep_last_rate not checked: $why" ]
	run judge ".max_runnable_wait_ms = 1900 | .longest_wait = $W | .long_waits = [$W] | .kernel_lacks = {runnable_waits: \"no list\"}"
	[ "$output" = "pass
Skipped: max_runnable_wait_ms, max_idle_cpus_while_waiting not checked: no list" ]
}

@test "eval waits: a harm while a vCPU waited for a host CPU past max_host_wait_pct is noted, not judged: inconclusive, run again" {
	H=$(jq -c '.host_wait_pct = 85' <<< "$W")
	K40=$(jq -c '.host_wait_pct = 40' <<< "$K")
	run judge ".max_runnable_wait_ms = 1900 | .longest_wait = $H | .long_waits = [$H, $K40]" --check max_host_wait_pct=75
	[ "$output" = "fail
Starved: worker 127 (cg_0) was runnable on cpu 1 for 1.90 s without running (limit 1.00 s) during step 1 of 1 (from 0.6 s into the scenario); its vCPU waited for a host CPU 85% of that time: the host's doing, not judged
Starved: kthread ksoftirqd/1 (pid 18) was runnable on cpu 1 for 1.20 s without running (limit 1.00 s) before the scenario's first step (as the scheduler came up and the scenario was set up); its vCPU waited for a host CPU 40% of that time" ]
	jq -c "if .type == \"monitor\" then .max_runnable_wait_ms = 1900 | .longest_wait = $H | .long_waits = [$H] else . end" "$F/monitor-pass.ndjson" > "$BATS_TEST_TMPDIR/held.ndjson"
	run sh -c "ktstr-eval --check max_host_wait_pct=75 < '$BATS_TEST_TMPDIR/held.ndjson' | jq -c 'select(.type == \"verdict\") | [.result, .reason, .retry, [.details[] | select(.kind == \"Starved\") | has(\"pid\")]]'"
	[ "$output" = '["inconclusive","1 harm seen while a vCPU waited for a host CPU up to 85% of the time: the host ran the VM too little to judge; run again",true,[true]]' ]
	# not excused at or under the limit, or with the limit off
	run sh -c "ktstr-eval --check max_host_wait_pct=85 < '$BATS_TEST_TMPDIR/held.ndjson' | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = fail ]
	run sh -c "ktstr-eval --check max_host_wait_pct=null < '$BATS_TEST_TMPDIR/held.ndjson' | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = fail ]
}

@test "eval waits: an rq_clock stall while the VM's most held vCPU waited for the host is not judged; the symptoms it backed become warnings" {
	jq -c 'if .type == "monitor" then .stalls[0].host_wait_pct = 90 else . end' "$F/monitor-fail.ndjson" |
		ktstr-eval --check max_host_wait_pct=75 > "$BATS_TEST_TMPDIR/v.ndjson" || [ $? -eq 3 ]
	run jq -r 'select(.type == "verdict") | .result, .reason, (.details[] | select(.message | test("rq_clock")) | .message)' "$BATS_TEST_TMPDIR/v.ndjson"
	[ "$output" = "inconclusive
1 harm seen while a vCPU waited for a host CPU up to 90% of the time: the host ran the VM too little to judge; run again
rq_clock stall on cpu 1 for 7 consecutive samples (limit 5; ending at sample 18, clock=5123456789); the VM's most held vCPU waited for a host CPU 90% of that time: the host's doing, not judged" ]
	[ "$(jq -c 'select(.type == "verdict") | [.details[] | select(.kind == "Monitor") | .warning // false]' "$BATS_TEST_TMPDIR/v.ndjson")" = '[false,true,true,true]' ]
}
