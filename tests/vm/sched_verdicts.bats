#!/usr/bin/env bats
# The scheduler under test, judged through the whole pipeline (ktstr run):
# healthy scx-ktstr passes, and every way it can misbehave fails with its cause.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/sched"

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	[ -x "$KTSTR_BUILD_DIR/guest/scx-ktstr" ] || {
		echo "no $KTSTR_BUILD_DIR/guest/scx-ktstr (run 'make kernel')" >&2
		return 1
	}
}

bats_require_minimum_version 1.5.0	# run --separate-stderr: ktstr's notes stay out of lines

stream() { judged_stream; }
verdict() { stream | jq -r "select(.type == \"verdict\") | $1"; }
# The verdict's details as "Kind: first line of the message".
details() { verdict '.details[] | .kind + ": " + (.message | split("\n")[0])'; }

@test "healthy scx-ktstr passes steady; attached as ktstr, detached cleanly" {
	run --separate-stderr ktstr run steady --scheduler scx-ktstr
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" "$stderr" >&2; false; }
	[ "${lines[0]}" = "steady on 1n2l2c1t under scx-ktstr: PASS" ]
	[ "$(stream | jq -c 'select(.type == "sched" and .event == "attached") | .ops')" = '"ktstr"' ]
	[ "$(stream | jq -c 'select(.type == "sched" and .event == "detached") | [.clean, .state]')" = '[true,"disabled"]' ]
}

@test "--stall-after: fails with the kernel watchdog's runnable task stall" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--stall-after 500"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^SchedulerDied: sched_ext disabled the scheduler during step 1 of 1 \([0-9.]+ s into the test\): runnable task stall: .* \(ERROR_STALL\)$'
	# the kernel's watchdog names a starved task ("comm[tid] failed to run for S.MMMs"):
	# scx-ktstr parks user tasks only, so the watchdog's own kworker keeps checking in,
	# and the first parked task it finds is a worker or the scheduler's own loader
	tid=$(details | sed -En 's/^SchedulerDied: .*: runnable task stall: [^ ]+\[([0-9]+)\] failed to run for [0-9]+\.[0-9]{3}s \(ERROR_STALL\)$/\1/p')
	[ -n "$tid" ]
	stream | jq -r '(select(.type == "worker") | .tid), (select(.type == "sched" and .event == "attached") | .pid)' |
		grep -qx "$tid"
	# the harness names the starved task and where it waited
	details | grep -Eq '^(Stuck|WorkerStuck): cg_[01]: tid [0-9]+ .* on cpu [0-9]+'
}

@test "--error-after: fails with the scheduler's scx_bpf_error text" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--error-after 1000"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^SchedulerDied: sched_ext disabled the scheduler during step 1 of 1 \([0-9.]+ s into the test\): scx_bpf_error: ktstr: injected error after 1000 ms \(ERROR_BPF\)$'
}

@test "--degrade: fails on unfairness in the degraded cgroup, nothing stalls" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--degrade"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^Unfair: cg_1: '
	[ -z "$(details | grep 'cg_0')" ]	# the other cgroup is unaffected
	[ "$(stream | jq -r 'select(.type == "scenario_end") | .sched_died')" = false ]
	# the report shows what the host saw of the runqueues
	printf '%s\n' "$output" | grep -Eq '^  monitor: [0-9]+ samples, imbalance max [0-9.]+ \(held 5: [0-9.]+\), local DSQ max [0-9]+, rq-clock stalls 0, fallback [0-9.]+/s, keep-last [0-9.]+/s per CPU$'
}

@test "--one-cpu: fails Underused (3 CPUs idle), nothing stalls" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--one-cpu"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^Underused: cg_0, cg_1: 4 CPU-bound workers on 4 allowed CPUs used [0-9.]+ CPU of 4 \([0-9]+%, limit [0-9.]+%\)$'
	[ "$(stream | jq -r 'select(.type == "scenario_end") | .sched_died')" = false ]
}

@test "--overcharge 8: fails Unfair, equal workers got several times less CPU" {
	run ktstr run oversubscribed --scheduler scx-ktstr --sched-args "--overcharge 8"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^Unfair: cg_[01]: tid [0-9]+ got [0-9.]+ times less CPU than tid [0-9]+ among 32 equal Mixed workers \(by (work rate|CPU time) .*; limit [0-9.]+\)$'
	[ "$(stream | jq -r 'select(.type == "scenario_end") | .sched_died')" = false ]
}

@test "a build the verifier rejects fails at load with the verifier's log tail" {
	run ktstr run steady --scheduler "$KTSTR_BUILD_DIR/guest/scx-ktstr-badverify"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	[ "$(details | head -n 1)" = "SchedulerDied: scheduler scx-ktstr-badverify died at start (exit status 1): the verifier rejected ktstr_enqueue: invalid access to map value, value_size=88 off=512 size=8" ]
	printf '%s\n' "$output" | grep -q 'invalid access to map value, value_size=88 off=512 size=8'
}

@test "loader SIGKILLed mid-run: scheduler died, kernel back on EEVDF" {
	run ktstr run steady --scheduler "$F/kill9-midrun" --include "$KTSTR_BUILD_DIR/guest/scx-ktstr"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	details | grep -Eq '^SchedulerDied: scheduler died during step 1 of 1 \([0-9.]+ s into the test\): signal 9$'
	[ "$(stream | jq -c 'select(.type == "sched" and .event == "detached") | [.state, .signal]')" = '["disabled",9]' ]
	stream | jq -r 'select(.type == "sched" and .event == "kmsg") | .line' |
		grep -qx 'sched_ext: BPF scheduler "ktstr" disabled (unregistered from user space)'
}

@test "a loader that exits at once with an error: a clear verdict with its output" {
	run ktstr run steady --scheduler "$F/exit-at-once"
	details >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	[ "$(details | head -n 1)" = "SchedulerDied: scheduler exit-at-once died at start (exit status 3)" ]
	printf '%s\n' "$output" | grep -qx '    exit-at-once: cannot open BPF object: No such file or directory'
}

@test "a loader that is not executable: exit 2 before any VM" {
	run ktstr run steady --scheduler "$F/not-executable"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --scheduler $F/not-executable: not executable" ]
}

@test "a loader that does not exist: exit 2 before any VM" {
	run ktstr run steady --scheduler "$F/no-such-loader"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --scheduler $F/no-such-loader: no such file" ]
}
