#!/usr/bin/env bats
# All 14 canned scenarios on 1n2l2c1t under scx-ktstr on $KTSTR_KERNEL (make kernels-test: a
# kernel built from Debian's linux-source-6.12, scx-ktstr built against its BTF): each must pass.
load ../helpers
load ../vm/canned
CANNED_SCHED=scx-ktstr

@test "scx-ktstr on $KTSTR_KERNEL: steady" { canned steady; }

@test "scx-ktstr on $KTSTR_KERNEL: steady_llc" { canned steady_llc; }

@test "scx-ktstr on $KTSTR_KERNEL: oversubscribed" { canned oversubscribed; }

@test "scx-ktstr on $KTSTR_KERNEL: cpuset_apply" { canned cpuset_apply; }

@test "scx-ktstr on $KTSTR_KERNEL: cpuset_clear" { canned cpuset_clear; }

@test "scx-ktstr on $KTSTR_KERNEL: cpuset_resize" { canned cpuset_resize; }

@test "scx-ktstr on $KTSTR_KERNEL: cgroup_add" { canned cgroup_add; }

@test "scx-ktstr on $KTSTR_KERNEL: cgroup_remove" { canned cgroup_remove; }

@test "scx-ktstr on $KTSTR_KERNEL: affinity_change" { canned affinity_change; }

@test "scx-ktstr on $KTSTR_KERNEL: affinity_pinned" { canned affinity_pinned; }

@test "scx-ktstr on $KTSTR_KERNEL: host_contention" { canned host_contention; }

@test "scx-ktstr on $KTSTR_KERNEL: mixed_workloads" { canned mixed_workloads; }

@test "scx-ktstr on $KTSTR_KERNEL: nested_steady" { canned nested_steady; }

@test "scx-ktstr on $KTSTR_KERNEL: nested_task_move" { canned nested_task_move; }
