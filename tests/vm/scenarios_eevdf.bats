#!/usr/bin/env bats
# All 14 canned scenarios on 1n2l2c1t under EEVDF: each must pass.
load ../helpers
load canned
CANNED_SCHED=eevdf

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
