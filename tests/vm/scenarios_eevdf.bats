#!/usr/bin/env bats
# All 14 canned scenarios on 1n2l2c1t under EEVDF: each passes, or skips with its reason.
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# canned NAME: run it for 1 s and demand pass (exit 0) with work from every worker.
canned() {
	run ktstr run "$1" --topo 1n2l2c1t --duration 1 --scheduler eevdf
	if [ "$status" -ne 0 ]; then printf '%s\n' "$output" >&2; return 1; fi
	[ "${lines[0]}" = "$1 on 1n2l2c1t under eevdf: PASS" ]
	stream=$(cat "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker")] | length')" -gt 0 ]
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker" and .work_units <= 0)] | length')" -eq 0 ]
}

@test "EEVDF: steady" { canned steady; }

@test "EEVDF: steady_llc" { canned steady_llc; }

@test "EEVDF: oversubscribed" { canned oversubscribed; }

@test "EEVDF: cpuset_apply" { canned cpuset_apply; }

@test "EEVDF: cpuset_clear" { canned cpuset_clear; }

@test "EEVDF: cpuset_resize" { canned cpuset_resize; }

@test "EEVDF: cgroup_add" { canned cgroup_add; }

@test "EEVDF: cgroup_remove" { canned cgroup_remove; }

@test "EEVDF: affinity_change" { canned affinity_change; }

@test "EEVDF: affinity_pinned" { canned affinity_pinned; }

@test "EEVDF: host_contention" { canned host_contention; }

@test "EEVDF: mixed_workloads" { canned mixed_workloads; }

@test "EEVDF: nested_steady" { canned nested_steady; }

@test "EEVDF: nested_task_move" { canned nested_task_move; }
