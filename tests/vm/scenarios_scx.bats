#!/usr/bin/env bats
# All 14 canned scenarios on 1n2l2c1t under scx-ktstr: each must pass.
load ../helpers
load canned
CANNED_SCHED=scx-ktstr

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
