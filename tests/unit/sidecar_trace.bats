#!/usr/bin/env bats
# ktstr-sidecar trace: a stored run as Chrome trace-event JSON.
# Runs are stored as `ktstr run` stores them (ktstr-eval | ktstr-sidecar write --pass >
# RUN/stream.ndjson) from real streams with samples: tests/fixtures/eval/degrade-step-scx
# (cgroup_add, scx-ktstr --degrade-cgroup cg_2) and tests/fixtures/report/error-after-2jobs
# (a gauntlet of cpuset_apply on two presets, scx-ktstr --error-after 500, both fail).
load ../helpers

store() {	# FIXTURE RUN-ID
	mkdir -p "$BATS_TEST_TMPDIR/runs/$2"
	ktstr-eval < "$1" | ktstr-sidecar write --pass --runs-dir "$BATS_TEST_TMPDIR/runs" \
		--run-id "$2" > "$BATS_TEST_TMPDIR/runs/$2/stream.ndjson" || true
}

trace() {
	ktstr-sidecar trace --runs-dir "$BATS_TEST_TMPDIR/runs" "$@"
}

@test "trace: the events of a stored run, exactly, on one clock" {
	store "$BATS_TEST_DIRNAME/../fixtures/eval/degrade-step-scx.ndjson" r1
	trace r1 > "$BATS_TEST_TMPDIR/t.json"
	jq -r '.traceEvents[] | select(.ph != "C") | "\(.ts) \(.ph) \(.tid) \(.name)"' \
		"$BATS_TEST_TMPDIR/t.json" > "$BATS_TEST_TMPDIR/events"
	diff - "$BATS_TEST_TMPDIR/events" <<'EOT'
0 M 0 process_name
0 M 1 thread_name
0 M 2 thread_name
0 M 127 thread_name
0 M 128 thread_name
0 M 129 thread_name
0 M 130 thread_name
0 M 123 thread_name
0 M 124 thread_name
0 M 125 thread_name
0 M 126 thread_name
54000 X 2 vm
7484000 i 1 attach scx-ktstr
7564000 i 1 step 1
7564000 X 123 CpuSpin
7564000 X 124 CpuSpin
7564000 X 125 CpuSpin
7564000 X 126 CpuSpin
9586000 i 1 step 2
9586000 X 127 CpuSpin
9586000 X 128 CpuSpin
9586000 X 129 CpuSpin
9586000 X 130 CpuSpin
12782000 i 1 detach scx-ktstr
12785000 i 1 scenario end
12822000 i 2 fail: Unfair
EOT
	[ "$(jq -c '.otherData.jobs' "$BATS_TEST_TMPDIR/t.json")" = '[{"job":"cgroup_add-1n1l4c1t","pid":1,"aligned":true,"vm_start_ms":54,"guest_start_ms":6081}]' ]
	# a counter track per CPU and field: one value per sample (run delay: per interval)
	[ "$(jq -r '[.traceEvents[] | select(.ph == "C") | .name] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' "$BATS_TEST_TMPDIR/t.json")" = \
		"cpu0 local_dsq_depth=64 cpu0 nr_running=64 cpu0 run_delay_us=63 cpu0 scx_nr_running=64 cpu1 local_dsq_depth=64 cpu1 nr_running=64 cpu1 run_delay_us=63 cpu1 scx_nr_running=64 cpu2 local_dsq_depth=64 cpu2 nr_running=64 cpu2 run_delay_us=63 cpu2 scx_nr_running=64 cpu3 local_dsq_depth=64 cpu3 nr_running=64 cpu3 run_delay_us=63 cpu3 scx_nr_running=64" ]
	# a step carries the verdict's timeline entry: step 2 flagged
	[ "$(jq -c '.traceEvents[] | select(.name == "step 2") | .args.timeline.changes[-1]' "$BATS_TEST_TMPDIR/t.json")" = \
		'{"metric":"slowest_worker_pct","from":92.68,"to":4.44,"change":"degradation"}' ]
	# the worker the degraded cgroup starved, with what it did
	[ "$(jq -c '.traceEvents[] | select(.ph == "X" and .tid == 128) | [.dur, .args.work_units]' "$BATS_TEST_TMPDIR/t.json")" = '[2154747,3168256]' ]
}

@test "trace: timestamps are monotonic per track, each step before its first sample" {
	store "$BATS_TEST_DIRNAME/../fixtures/eval/degrade-step-scx.ndjson" r1
	trace r1 > "$BATS_TEST_TMPDIR/t.json"
	run jq -e '[.traceEvents[] | {k: "\(.pid)/\(.tid)/\(if .ph == "C" then .name else "" end)", ts}]
		| group_by(.k) | all(.[]; [.[].ts] as $t | $t == ($t | sort))' "$BATS_TEST_TMPDIR/t.json"
	[ "$status" -eq 0 ]
	# guest steps on the samples' clock: step 2 falls between the last sample of step 1 and the first of step 2
	s=$(jq '[.traceEvents[] | select(.name == "step 2")][0].ts' "$BATS_TEST_TMPDIR/t.json")
	first=$(jq -c 'select(.type == "sample" and .step == 1) | .t_ms' "$BATS_TEST_TMPDIR/runs/r1/stream.ndjson" | head -n 1)
	last=$(jq -c 'select(.type == "sample" and .step == 0) | .t_ms' "$BATS_TEST_TMPDIR/runs/r1/stream.ndjson" | tail -n 1)
	[ "$s" -ge $(( (last + 54) * 1000 )) ]
	[ "$s" -le $(( (first + 54) * 1000 )) ]
}

@test "trace: the scheduler's exit, its death, the dump and the failure, per job of a gauntlet" {
	store "$BATS_TEST_DIRNAME/../fixtures/report/error-after-2jobs.ndjson" g1
	run trace g1 cpuset_apply-tiny-2llc-default
	[ "$status" -eq 0 ]
	echo "$output" | jq -r '.traceEvents[] | select(.ph == "i") | "\(.ts) \(.tid) \(.name)"' > "$BATS_TEST_TMPDIR/events"
	diff - "$BATS_TEST_TMPDIR/events" <<'EOT'
26540000 1 attach scx-ktstr
26693000 1 step 1
27693000 1 step 2
27955000 1 sched_ext dump 1 (error)
27958000 1 exit ERROR_BPF: scx_bpf_error
27958000 2 fail: sched_ext disabled the scheduler during step 2 of 2 (1.3 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)
28238000 1 scheduler died
28522000 1 detach scx-ktstr
28523000 1 scenario end
EOT
	# both jobs without a JOB, each its own process
	[ "$(trace g1 | jq -c '[.traceEvents[] | select(.name == "process_name") | [.pid, .args.name]]')" = \
		'[[1,"cpuset_apply-tiny-1llc-default"],[2,"cpuset_apply-tiny-2llc-default"]]' ]
}

@test "trace: no such run or job is a usage error" {
	store "$BATS_TEST_DIRNAME/../fixtures/eval/degrade-step-scx.ndjson" r1
	run trace nope
	[ "$status" -eq 2 ]
	run trace r1 nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: run r1 has no job or test 'nope'" ]
}

@test "trace: a stall: the monitor's long waits, the stuck workers, both dumps, the failure at the kernel's exit" {
	# tests/fixtures/brief/stall-dumps: samples left out, so the guest's clock comes from the
	# monitor's first sample of the scenario
	mkdir -p "$BATS_TEST_TMPDIR/runs/s"
	ktstr-sidecar write --pass --runs-dir "$BATS_TEST_TMPDIR/runs" --run-id s \
		< "$BATS_TEST_DIRNAME/../fixtures/brief/stall-dumps.ndjson" > "$BATS_TEST_TMPDIR/runs/s/stream.ndjson" || true
	trace s > "$BATS_TEST_TMPDIR/t.json"
	[ "$(jq -c '.otherData.jobs[0] | [.aligned, .guest_start_ms]' "$BATS_TEST_TMPDIR/t.json")" = '[true,21391]' ]
	jq -r '.traceEvents[] | select(.ph == "i") | "\(.ts) \(.tid) \(.name)"' "$BATS_TEST_TMPDIR/t.json" > "$BATS_TEST_TMPDIR/events"
	diff - "$BATS_TEST_TMPDIR/events" <<'EOT'
23031000 1 attach scx-ktstr
23119000 1 step 1
28877000 2 wait 4256 ms: init[132] cpu2
28977000 2 wait 4732 ms: init[131] cpu0
28977000 2 wait 4719 ms: scx-ktstr[126] cpu0
28977000 2 wait 4442 ms: init[1] cpu0
28977000 2 wait 4182 ms: init[130] cpu3
28977000 2 wait 4145 ms: init[129] cpu1
29424000 1 sched_ext dump 1 (sysrq)
29584000 1 worker stuck
29584000 1 worker stuck
29584000 1 worker stuck
29584000 1 worker stuck
29806000 1 sched_ext dump 2 (error)
29812000 1 exit ERROR_STALL: runnable task stall
29812000 2 fail: sched_ext disabled the scheduler during step 1 of 1 (6.7 s into the test): runnable task stall: init[131] failed to run for 4.864s (ERROR_STALL)
29838000 1 detach scx-ktstr
29850000 1 scenario end
EOT
}

@test "trace: a run whose stream holds no job is a trace without events (no sort of nothing)" {
	mkdir -p "$BATS_TEST_TMPDIR/runs/empty"
	: > "$BATS_TEST_TMPDIR/runs/empty/stream.ndjson"
	run trace empty
	[ "$status" -eq 0 ]
	[ "$output" = '{"traceEvents":[],"displayTimeUnit":"ms","otherData":{"clock":"us since ktstr-boot started","run":"empty","jobs":[]}}' ]
}

# sidecar/absurd-numbers.ndjson: a stored stream whose numbers are past any integer (1e300,
# 2^63 - 1, -1) where the trace makes integers of them: times, durations, tids, CPUs, indexes.
@test "trace: numbers past any integer in a stored stream are clamped, not cast (undefined)" {
	mkdir -p "$BATS_TEST_TMPDIR/runs/absurd"
	cp "$BATS_TEST_DIRNAME/../fixtures/sidecar/absurd-numbers.ndjson" "$BATS_TEST_TMPDIR/runs/absurd/stream.ndjson"
	run trace absurd
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -o '"\(ts\|dur\|tid\)":[-0-9]*' | sort | uniq -c | tr -s ' ')" = " 1 \"dur\":-9223372036854775808
 1 \"dur\":9223372036854775807
 2 \"tid\":0
 2 \"tid\":1
 4 \"tid\":2
 2 \"tid\":2147483647
 1 \"ts\":-9223372036854775808
 4 \"ts\":0
 5 \"ts\":9223372036854775807" ]
	[ "$(printf '%s\n' "$output" | jq -r '.traceEvents[] | select(.ph != "M") | .name')" = "fail
cpu2147483647 nr_running
step 9223372036854775807
CpuSpin
wait 9223372036854775807 ms: x[-9223372036854775808] cpu9223372036854775807
vm" ]
}
