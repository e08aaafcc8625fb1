#!/usr/bin/env bats
# Payloads in real VMs: benchmark metrics stored with the run, compare's statistics on
# --repeat pools, payloads beside the workers of a canned scenario, a failing payload.
load ../helpers

SCX=$KTSTR_BUILD_DIR/guest/scx-ktstr

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# The stored records of run folder $1, one compact line each.
records() { jq -c . "$KTSTR_RUNS_DIR/$1"/*.json; }

@test "payload: cyclictest, stress-ng and fio metrics are stored with units and polarity" {
	for s in bench_cyclictest bench_stress_ng bench_fio; do
		run ktstr run "$s" --topo 1n1l2c1t --run-dir "$KTSTR_RUNS_DIR/$s"
		[ "$status" -eq 0 ]
	done
	[ "$(records bench_cyclictest | jq -c '.payload_metrics | map_values([.unit, .polarity, (.value > 0)])')" = '{"cyclictest.max_latency_us":["us","lower",true],"cyclictest.avg_latency_us":["us","lower",true],"cyclictest.p99_latency_us":["us","lower",true]}' ]
	[ "$(records bench_stress_ng | jq -c '.payload_metrics | map_values([.unit, .polarity, (.value > 0)])')" = '{"stress-ng.bogo_ops_per_s":["ops/s","higher",true],"stress-ng.bogo_ops":["ops","higher",true]}' ]
	[ "$(records bench_fio | jq -c '.payload_metrics | map_values([.unit, .polarity, (.value > 0)])')" = '{"fio.read_iops":["IOPS","higher",true],"fio.write_iops":["IOPS","higher",true],"fio.read_p99_clat_ns":["ns","lower",true]}' ]
	[ "$(records bench_fio | jq -c '.payloads[0] | [.cgroup, .status, .exit_code]')" = '["cg_0","exited",0]' ]
}

@test "payload: stress-ng beside steady's workers in cg_0; the worker checks still judge the workers" {
	[ -x "$SCX" ] || skip "scx-ktstr is not built (make kernel)"
	run ktstr run steady --payload stress-ng@cg_0 --scheduler scx-ktstr --topo 1n2l2c1t --duration 4 \
		--run-dir "$KTSTR_RUNS_DIR/steady"
	[ "$status" -eq 0 ]
	[ "$(records steady | jq -c '[.result, .stats.workers, (.stats.cgroups | keys), .payloads[0].cgroup, (.payload_metrics["stress-ng.bogo_ops_per_s"].value > 0)]')" = '["pass",4,["cg_0","cg_1"],"cg_0",true]' ]
	# the same run with a starving scheduler fails on the workers, the payload notwithstanding
	run ktstr run steady --payload stress-ng@cg_0 --scheduler scx-ktstr --sched-args "--one-cpu" \
		--topo 1n2l2c1t --duration 4 --run-dir "$KTSTR_RUNS_DIR/onecpu"
	[ "$status" -eq 1 ]
	# stress-ng's own 3 s timeout and the end of the 4 s scenario race on one CPU: stopped by
	# the scenario, or exited just before; the failure is the workers' either way
	[[ "$(records onecpu | jq -r '.payloads[0].status')" =~ ^(stopped|exited)$ ]]
	records onecpu | jq -e '[.details[] | select(.fails) | .kind] | index("Underused") != null'
}

@test "payload: a payload that exits non-zero fails the job with its status and last output" {
	export KTSTR_PAYLOADS_DIR="$BATS_TEST_TMPDIR/payloads"
	mkdir -p "$KTSTR_PAYLOADS_DIR"
	echo '{"name":"boom","binary":"sh","default_args":["-c","echo half way; echo cannot go on >&2; exit 3"],"output":"lines","metrics":[{"name":"way","polarity":"lower"}]}' \
		> "$KTSTR_PAYLOADS_DIR/boom.json"
	run ktstr run steady --payload boom@cg_1 --topo 1n2l2c1t --run-dir "$KTSTR_RUNS_DIR/boom"
	[ "$status" -eq 1 ]
	[ "$(records boom | jq -r '.details[] | select(.kind == "PayloadExit") | .message')" = "payload boom in cg_1 exited with status 3 (expected 0)
its last output:
stderr: cannot go on
stdout: half way" ]
}

@test "payload: hackbench under scx-ktstr --slow 200 is a significant regression; the same twice is none" {
	[ -x "$SCX" ] || skip "scx-ktstr is not built (make kernel)"
	# one VM of each in turn, five rounds: a host whose speed drifts over the minutes this
	# takes slows both sides alike (pools run one after the other differed by 30% on CI)
	for i in 1 2 3 4 5; do
		for r in base slow base2; do
			args=""
			[ "$r" = slow ] && args="--slow 200"
			# --no-monitor: on a loaded host the monitor rightly sees the slowed scheduler
			# leave tasks waiting past its limit; the point here is the benchmark's time
			run ktstr run bench_hackbench --scheduler scx-ktstr ${args:+--sched-args "$args"} \
				--topo 1n1l2c1t --no-monitor --run-dir "$KTSTR_RUNS_DIR/$r-$i"
			[ "$status" -eq 0 ]
		done
	done
	[ "$(records base-3 | jq -r .job)" = "bench_hackbench-1n1l2c1t" ]
	run ktstr runs compare --json 'run=base-*' 'run=slow-*'
	printf '%s\n' "$output"	# shown when it fails: the medians and the interval
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "compare_change" and .change == "regression") | [.metric, .a_n, .b_n, (.ci_low > 0)] | @tsv')" = "$(printf 'hackbench.time\t5\t5\ttrue')" ]
	run ktstr runs compare 'run=base-*' 'run=base2-*'
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == *": 0 regressions, "* ]]
}

@test "payload: kill_payload stops one (no failure, metrics kept); a timeout kills one and fails the job" {
	cat > "$BATS_TEST_TMPDIR/kill.json" <<'JSON'
{"name": "kill", "cgroups": [{"name": "cg_0", "workers": []}],
 "steps": [
   {"ops": [{"op": "run_payload", "payload": "stress-ng", "cgroup": "cg_0",
             "args": ["--cpu", "1", "--timeout", "60", "--metrics-brief", "-Y", "/dev/stdout"]}],
    "hold": {"ms": 3000}},
   {"ops": [{"op": "kill_payload", "id": "stress-ng", "signal": "INT"}], "hold": {"ms": 1}}]}
JSON
	run ktstr run "$BATS_TEST_TMPDIR/kill.json" --topo 1n1l2c1t --run-dir "$KTSTR_RUNS_DIR/kill"
	[ "$status" -eq 0 ]
	[ "$(records kill | jq -c '[.result, .payloads[0].status, .payloads[0].step, (.payload_metrics["stress-ng.bogo_ops"].value > 0)]')" = '["pass","stopped",0,true]' ]
	jq '.name = "late" | .steps = [{"ops": [.steps[0].ops[0] + {"timeout_ms": 1500}, {"op": "wait_payload", "id": "stress-ng"}]}]' \
		"$BATS_TEST_TMPDIR/kill.json" > "$BATS_TEST_TMPDIR/late.json"
	run ktstr run "$BATS_TEST_TMPDIR/late.json" --topo 1n1l2c1t --run-dir "$KTSTR_RUNS_DIR/late"
	[ "$status" -eq 1 ]
	[ "$(records late | jq -r '.payloads[0].status, (.details[0].message | split(" after ")[0])')" = "timed_out
payload stress-ng in cg_0 ran past its timeout and was killed" ]
}
