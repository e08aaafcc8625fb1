#!/usr/bin/env bats
# ktstr-eval: the verdict's timeline (the run cut at the scenario's steps).
# Fixtures (tests/fixtures/eval), real streams of `ktstr run cgroup_add --topo 1n1l4c1t
# --duration 4 --scheduler scx-ktstr` under TCG, samples kept (paths rewritten to /cache,
# /runs, /tmp/ktstr-boot): degrade-step-scx with --sched-args "--degrade-cgroup cg_2" (cg_2
# joins in step 2 and is squeezed onto CPU 3, every second task of it held back), and
# add-step-scx, the same scenario healthy; degrade-late-scx: scx-ktstr plain --degrade (it
# squeezes cg_1) on a scenario file (late_cg1, inline in the job) where cg_0 and cg_2 run
# throughout and cg_1 joins in step 2.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/eval"

# Per step: index, op, samples, slowest worker's cgroup, then each change.
timeline() {
	ktstr-eval "$@" | jq -r 'select(.type == "verdict") | .timeline[] |
		"\(.step) \(.op) \(.samples) \(.slowest_worker.cgroup) " +
		([.changes[] | "\(.change):\(.metric):\(.from)->\(.to)"] | join(" "))'
}

@test "eval timeline: a later step that degrades a cgroup is flagged at that step, its op named" {
	run timeline < "$F/degrade-step-scx.ndjson"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 start 15 cg_0 " ]
	[ "${lines[1]}" = "1 add cg_2, cg_3 32 cg_2 degradation:avg_run_delay_us:2890.28->16172.73 improvement:keep_last_rate:19.08->0.4 degradation:slowest_worker_pct:92.68->4.44" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "eval timeline: scx-ktstr --degrade on a cgroup that joins in step 2 is flagged at step 2" {
	run timeline < "$F/degrade-late-scx.ndjson"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 start 15 cg_0 " ]
	[ "${lines[1]}" = "1 add cg_1 30 cg_1 degradation:avg_run_delay_us:1675.63->11110.9 improvement:work_rate:114603891.14->185519503.37 degradation:slowest_worker_pct:86.84->6" ]
}

@test "eval timeline: the same step without the fault flags no slowest worker" {
	run timeline < "$F/add-step-scx.ndjson"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 start 13 cg_0 " ]
	[ "${lines[1]}" = "1 add cg_2, cg_3 35 cg_2 degradation:avg_run_delay_us:765.38->23310.16" ]
}

@test "eval timeline: every field of a step, from samples and workers" {
	run sh -c "ktstr-eval < '$F/degrade-step-scx.ndjson' | jq -c 'select(.type == \"verdict\") | .timeline[1] | del(.changes)'"
	[ "$output" = '{"step":1,"op":"add cg_2, cg_3","t_ms":3505,"duration_ms":3199,"samples":32,"avg_imbalance_ratio":0.97,"max_imbalance_ratio":1,"avg_local_dsq_depth":0,"max_local_dsq_depth":0,"avg_run_delay_us":16172.73,"fallback_rate":0,"keep_last_rate":0.4,"work_rate":178309481.71,"slowest_worker_pct":4.44,"slowest_worker":{"cgroup":"cg_2","tid":128}}' ]
}

@test "eval timeline: thresholds come from the checks; null turns one off" {
	run timeline --check timeline_slowest_worker_rel=null --check timeline_run_delay_rel=10 \
		--check timeline_event_rate_delta=100 < "$F/degrade-step-scx.ndjson"
	[ "${lines[1]}" = "1 add cg_2, cg_3 32 cg_2 " ]
}

@test "eval timeline: steps without samples have counts of 0 and work from the workers" {
	run sh -c "ktstr-eval < '$F/cpuset-eevdf.ndjson' | jq -c 'select(.type == \"verdict\") | .timeline[] | [.step, .op, .samples, .avg_imbalance_ratio, .slowest_worker_pct != null]'"
	[ "${lines[0]}" = '[0,"start",0,null,true]' ]
	[ "${lines[1]}" = '[1,"set_cpuset cg_0, set_cpuset cg_1",0,null,true]' ]
}

@test "eval timeline: no steps, no timeline" {
	run sh -c "ktstr-eval < '$F/sched-badverify.ndjson' | jq -c 'select(.type == \"verdict\") | has(\"timeline\")'"
	[ "$output" = false ]
}

@test "sidecar show: the timeline, each change under its step" {
	ktstr-eval < "$F/degrade-step-scx.ndjson" |
		ktstr-sidecar write --runs-dir "$BATS_TEST_TMPDIR/runs" --run-id r1 > /dev/null || true
	run ktstr-sidecar show --runs-dir "$BATS_TEST_TMPDIR/runs" r1
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | grep -A5 '^  timeline:$' > "$BATS_TEST_TMPDIR/tl"
	diff - "$BATS_TEST_TMPDIR/tl" <<'EOT'
  timeline:
    step 1 (start): 15 samples, imbalance 1, local DSQ 0, run delay 2890.28 us, fallback 0/s, keep-last 19.08/s, work 1.81541e+08/s, slowest worker 92.68%
    step 2 (add cg_2, cg_3): 32 samples, imbalance 0.97, local DSQ 0, run delay 16172.7 us, fallback 0/s, keep-last 0.4/s, work 1.78309e+08/s, slowest worker 4.44%
      DEGRADATION: avg_run_delay_us 2890.28 -> 16172.7
      IMPROVEMENT: keep_last_rate 19.08 -> 0.4
      DEGRADATION: slowest_worker_pct 92.68 -> 4.44
EOT
}

@test "show --brief (what ktstr run prints): a failed run names the steps that degraded" {
	mkdir -p "$BATS_TEST_TMPDIR/runs/r1"
	ktstr-eval < "$F/degrade-step-scx.ndjson" | ktstr-sidecar write --pass \
		--runs-dir "$BATS_TEST_TMPDIR/runs" --run-id r1 > "$BATS_TEST_TMPDIR/runs/r1/stream.ndjson" || true
	run ktstr-sidecar show --runs-dir "$BATS_TEST_TMPDIR/runs" --brief r1
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}" | grep '^  step ' > "$BATS_TEST_TMPDIR/steps"
	diff - "$BATS_TEST_TMPDIR/steps" <<'EOT'
  step 2 (add cg_2, cg_3): degradation: avg_run_delay_us 2890.28 -> 16172.7
  step 2 (add cg_2, cg_3): degradation: slowest_worker_pct 92.68 -> 4.44
EOT
}

@test "eval timeline: a step's op names every op and added cgroup, cut at 511 characters" {
	ops=$(jq -nc '[range(100) | {op: "set_cpuset", cgroup: "cg_\(.)"}]')
	{
		echo '{"type":"job","id":"j","test":"t","topo":{"name":"1n1l1c1t"}}'
		echo '{"type":"vm","job":"j","phase":"started","accel":"kvm","t_ms":0}'
		echo '{"type":"step","job":"j","index":0,"ops":[{"op":"swap_cpuset","cgroup":"cg_0"}],"cgroups":["cg_9"],"t_ms":10}'
		echo "{\"type\":\"step\",\"job\":\"j\",\"index\":1,\"ops\":$ops,\"cgroups\":[],\"t_ms\":20}"
		echo '{"type":"step","job":"j","index":2,"ops":[],"cgroups":[],"t_ms":30}'
		echo '{"type":"vm","job":"j","phase":"exited","reason":"poweroff","t_ms":40}'
	} > "$BATS_TEST_TMPDIR/s.ndjson"
	run sh -c "ktstr-eval < '$BATS_TEST_TMPDIR/s.ndjson' | jq -r 'select(.type == \"verdict\") | .timeline[] | .op | \"\(length) \(.[0:40]) \(.[-12:])\"'"
	[ "${lines[0]}" = "26 swap_cpuset cg_0, add cg_9 _0, add cg_9" ]
	[ "${lines[1]}" = "511 set_cpuset cg_0, set_cpuset cg_1, set_cp puset cg_..." ]
	[ "${lines[2]}" = "4 hold hold" ]
}
