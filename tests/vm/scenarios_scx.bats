#!/usr/bin/env bats
# All 14 canned scenarios on 1n2l2c1t under scx-ktstr: each passes, or skips with its reason.
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# canned NAME: run it for 1 s and demand pass (exit 0) with work from every worker.
canned() {
	run ktstr run "$1" --topo 1n2l2c1t --duration 1 --scheduler scx-ktstr
	if [ "$status" -ne 0 ]; then printf '%s\n' "$output" >&2; return 1; fi
	[ "${lines[0]}" = "$1 on 1n2l2c1t under scx-ktstr: PASS" ]
	stream=$(cat "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker")] | length')" -gt 0 ]
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker" and .work_units <= 0)] | length')" -eq 0 ]
}

@test "scx-ktstr: steady" { canned steady; }

@test "scx-ktstr: steady_llc" { canned steady_llc; }

@test "scx-ktstr: oversubscribed" { canned oversubscribed; }

@test "scx-ktstr: cpuset_apply" { canned cpuset_apply; }

@test "scx-ktstr: cpuset_clear" { canned cpuset_clear; }

@test "scx-ktstr: cpuset_resize" { canned cpuset_resize; }

@test "scx-ktstr: cgroup_add" { canned cgroup_add; }

@test "scx-ktstr: cgroup_remove" { canned cgroup_remove; }

@test "scx-ktstr: affinity_change" { canned affinity_change; }

@test "scx-ktstr: affinity_pinned" { canned affinity_pinned; }

@test "scx-ktstr: host_contention" { canned host_contention; }

@test "scx-ktstr: mixed_workloads" { canned mixed_workloads; }

@test "scx-ktstr: nested_steady" { canned nested_steady; }

@test "scx-ktstr: nested_task_move" { canned nested_task_move; }
