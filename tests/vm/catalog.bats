#!/usr/bin/env bats
# A fixed sample of the scenario catalog, chosen to cover every category and every work type the
# catalog uses, under EEVDF and scx-ktstr, each entry on the smallest preset that holds it
# (`make catalog` runs the whole catalog).
load ../helpers

bats_require_minimum_version 1.5.0

SAMPLE="cgroup_steady cgroup_cpuset_swap_disjoint cgroup_affinity_inherit cgroup_pipe_io
cgroup_rapid_churn nested_cgroup_task_move stall_recovery cgroup_imbalance_mixed_workload
cgroup_cpuset_overlap_imbalance_combined cache_pipe_io_compute_imbalance cache_yield_wake_affine
cache_pressure_imbalance fan_out_wake fan_out_compute fork_exit_churn page_fault_churn nice_sweep
affinity_churn policy_churn mutex_contention_light sched_mixed"

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# Every sampled entry passes (or skips with a reason) under scheduler $1.
sample_passes() {
	# shellcheck disable=SC2086
	run --separate-stderr ktstr gauntlet $SAMPLE --smallest --presets all --scheduler "$1" \
		--profiles default -j 2 --run-dir "$BATS_TEST_TMPDIR/runs/$1"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	# one stored job per entry: none was left out
	[ "$(ls "$BATS_TEST_TMPDIR/runs/$1"/*.json | grep -vc '/jobs\.ndjson$')" -eq 21 ]
}

@test "catalog sample: every category and work type under EEVDF" {
	sample_passes eevdf
}

@test "catalog sample: every category and work type under scx-ktstr" {
	sample_passes scx-ktstr
}

# sched_mixed's SCHED_IDLE workers weigh 1 to sched_ext (nice 0: 100), so a scheduler may leave
# one waiting 100 times as long: the kernel watchdog the probe shortens to 4 s gets 30 s there
# (the sched_ext default), and the run above passed with it. Other entries keep 4 s.
@test "catalog sample: sched_mixed's idle-policy workers lengthen the shortened watchdog to 30 s" {
	run ktstr run sched_mixed --scheduler scx-ktstr --topo 1n1l4c1t --json
	printf '%s\n' "$output" | grep -v '"type":"sample"' | tail -n 3
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "sample") | .watchdog_ms // empty] | max')" = 30000 ]
	run ktstr run cgroup_steady --scheduler scx-ktstr --topo 1n1l4c1t --json
	[ "$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "sample") | .watchdog_ms // empty] | max')" = 4000 ]
}
