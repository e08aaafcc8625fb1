#!/usr/bin/env bats
# ktstr-sidecar write --progress and show --totals, on the recorded streams of two real gauntlets
# (5 jobs passed under EEVDF; 2 failed under scx-ktstr --error-after 500) and their plans, with one
# planned job more that never ran.
load ../helpers

bats_require_minimum_version 1.5.0

F="$KTSTR_ROOT/tests/fixtures/gauntlet"

setup() {
	R="$BATS_TEST_TMPDIR/runs"
	ktstr-sidecar write --runs-dir "$R" --run-id g1 < "$F/stream.ndjson" > /dev/null 2>&1 || true
	cp "$F/jobs.ndjson" "$R/g1/"
}

@test "write --progress: a line per stored job with its VM time, the ETA while jobs are left, the failure" {
	run --separate-stderr ktstr-sidecar write --progress --runs-dir "$BATS_TEST_TMPDIR/r2" --run-id g2 < "$F/stream.ndjson"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | sed 's/ETA [0-9hms]*/ETA x/')" = "[1/5] PASS steady-tiny-1llc-default 24.8 s, ETA x
[2/5] PASS steady-tiny-2llc-default 25.3 s, ETA x
[3/5] PASS cgroup_add-tiny-1llc-default 10.5 s, ETA x
[4/5] PASS cgroup_add-tiny-2llc-default 12.2 s, ETA x
[5/5] PASS steady_llc-tiny-2llc-default 9.5 s
[6/7] FAIL cpuset_apply-tiny-1llc-default 26.5 s, ETA x: SchedulerDied: sched_ext disabled the scheduler during step 2 of 2 (0.9 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)
[7/7] FAIL cpuset_apply-tiny-2llc-default 28.8 s: SchedulerDied: sched_ext disabled the scheduler during step 2 of 2 (1.3 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)" ]
	# a gauntlet's run holds its plan before the first verdict: every job is counted at once
	mkdir -p "$BATS_TEST_TMPDIR/r4/g4" && cp "$F/jobs.ndjson" "$BATS_TEST_TMPDIR/r4/g4/"
	run --separate-stderr ktstr-sidecar write --progress --runs-dir "$BATS_TEST_TMPDIR/r4" --run-id g4 < "$F/stream.ndjson"
	[ "$(printf '%s\n' "$stderr" | cut -d' ' -f1 | tr '\n' ' ')" = "[1/8] [2/8] [3/8] [4/8] [5/8] [6/8] [7/8] " ]
	printf '%s\n' "$stderr" | sed -n 7p | grep -q ', ETA [0-9hms]*: SchedulerDied: '
	# the ETA: the estimates left, times the stored VM times over their estimates (first:
	# 71.5 s left times 24.8/9), shared among the VMs at once the plan counted on
	[ "$(printf '%s\n' "$stderr" | grep -o 'ETA [0-9hms]*' | tr '\n' ' ')" = "ETA 3m17s ETA 1m42s ETA 1m17s ETA 59s ETA 42s ETA 31s ETA 17s " ]
	mkdir -p "$BATS_TEST_TMPDIR/r5/g5" && jq -c '.plan.vms_at_once = 2' "$F/jobs.ndjson" > "$BATS_TEST_TMPDIR/r5/g5/jobs.ndjson"
	run --separate-stderr ktstr-sidecar write --progress --runs-dir "$BATS_TEST_TMPDIR/r5" --run-id g5 < "$F/stream.ndjson"
	[ "$(printf '%s\n' "$stderr" | grep -o 'ETA [0-9hms]*' | tr '\n' ' ')" = "ETA 1m38s ETA 51s ETA 38s ETA 29s ETA 21s ETA 16s ETA 17s " ]
	# a failure's line names the first detail that failed a check, not one that only informs
	jq -c 'if .type == "verdict" and .result == "fail" then .details = [{kind: "KernelCompat", message: "a note", fails: false}] + .details else . end' \
		"$F/stream.ndjson" > "$BATS_TEST_TMPDIR/compat.ndjson"
	run --separate-stderr ktstr-sidecar write --progress --runs-dir "$BATS_TEST_TMPDIR/r6" --run-id g6 < "$BATS_TEST_TMPDIR/compat.ndjson"
	printf '%s\n' "$stderr" | sed -n 6p | grep -q ', ETA [0-9hms]*: SchedulerDied: '
	# without --progress, nothing on stderr
	run --separate-stderr ktstr-sidecar write --runs-dir "$BATS_TEST_TMPDIR/r3" --run-id g3 < "$F/stream.ndjson"
	[ -z "$stderr" ]
}

@test "show --totals: failures, where they gather, the counts; a planned job never stored is inconclusive" {
	run ktstr-sidecar show --runs-dir "$R" --totals g1
	[ "$status" -eq 1 ]
	[ "$output" = "FAIL cpuset_apply-tiny-1llc-default: SchedulerDied: sched_ext disabled the scheduler during step 2 of 2 (0.9 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)
FAIL cpuset_apply-tiny-2llc-default: SchedulerDied: sched_ext disabled the scheduler during step 2 of 2 (1.3 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)
INCONCLUSIVE mixed_workloads-tiny-1llc-default: no verdict stored (the job did not finish)
failed by scenario: cpuset_apply 2/2
failed by preset: tiny-1llc 1/4, tiny-2llc 1/4
5 passed, 2 failed, 0 skipped, 1 inconclusive" ]
	run ktstr-sidecar show --runs-dir "$R" --totals --json latest
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | jq -c '[.type, .run, .jobs, .passed, .failed, .skipped, .inconclusive, [.failures[] | [.job, .result, .kind]], .clusters]')" = '["summary","g1",8,5,2,0,1,[["cpuset_apply-tiny-1llc-default","fail","SchedulerDied"],["cpuset_apply-tiny-2llc-default","fail","SchedulerDied"],["mixed_workloads-tiny-1llc-default","inconclusive",null]],[{"by":"scenario","value":"cpuset_apply","failed":2,"jobs":2},{"by":"preset","value":"tiny-1llc","failed":1,"jobs":4},{"by":"preset","value":"tiny-2llc","failed":1,"jobs":4}]]' ]
}

@test "show --totals: exit 0 when all passed, 3 when one is inconclusive, 77 when every job skipped" {
	jq -c 'select(.type != "verdict" or .result == "pass")' "$F/stream.ndjson" |
		ktstr-sidecar write --runs-dir "$R" --run-id ok > /dev/null 2>&1 || true
	run ktstr-sidecar show --runs-dir "$R" --totals ok
	[ "$status" -eq 0 ]
	[ "$output" = "5 passed, 0 failed, 0 skipped, 0 inconclusive" ]
	cp "$F/jobs.ndjson" "$R/ok/"
	run ktstr-sidecar show --runs-dir "$R" --totals ok
	[ "$status" -eq 3 ]
	[ "${lines[3]}" = "5 passed, 0 failed, 0 skipped, 3 inconclusive" ]
	jq -c 'if .type == "verdict" then .result = "skip" | .details = [] | .reason = "needs >= 2 LLCs, topology has 1" else . end' "$F/stream.ndjson" |
		ktstr-sidecar write --runs-dir "$R" --run-id sk > /dev/null 2>&1 || true
	run ktstr-sidecar show --runs-dir "$R" --totals sk
	[ "$status" -eq 77 ]
	[ "$output" = "0 passed, 0 failed, 7 skipped, 0 inconclusive" ]
	run ktstr-sidecar show --runs-dir "$R" --totals nosuch
	[ "$status" -eq 2 ]
}

@test "show --totals: where failures gather by kernel, when the run had several" {
	jq -c 'if .type == "job" or .type == "run" then .kernel.id = (if (.id // .job) | test("tiny-2llc") then "k-b" else "k-a" end) else . end' "$F/stream.ndjson" |
		ktstr-sidecar write --runs-dir "$R" --run-id kk > /dev/null 2>&1 || true
	run ktstr-sidecar show --runs-dir "$R" --totals kk
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" | grep -qx 'failed by kernel: k-a 1/3, k-b 1/4'
}
