#!/usr/bin/env bats
# libcommon/systopo: the topology sysfs shows, through systopo_check, on fake sysfs trees;
# and what a VM of a topology model shows (systopo_from_topo).
load ../helpers

bats_require_minimum_version 1.5.0

FIX=$BATS_TEST_DIRNAME/../fixtures

@test "4 CPUs, 2 SMT cores, one L3, a node without node files" {
	run --separate-stderr systopo_check --sysfs "$FIX/sysfs-4cpu-smt"
	[ "$status" -eq 0 ]
	[ "$output" = "online 0-3 (4 CPUs)
llc 0: 0-3
core 0: 0-1
core 1: 2-3
threads_per_core 2
node 0: 0-3
nodes_online 1
cpu 0: llc 0, core 0, node 0
cpu 1: llc 0, core 0, node 0
cpu 2: llc 0, core 1, node 0
cpu 3: llc 0, core 1, node 0" ]
}

@test "no cache information: one LLC; no siblings files: one thread per core; no node dir: one node" {
	run --separate-stderr systopo_check --sysfs "$FIX/sysfs-nocache"
	[ "$status" -eq 0 ]
	[ "$output" = "online 0-2 (3 CPUs)
llc 0: 0-2
core 0: 0
core 1: 1
core 2: 2
threads_per_core 1
node 0: 0-2
nodes_online 1
cpu 0: llc 0, core 0, node 0
cpu 1: llc 0, core 1, node 0
cpu 2: llc 0, core 2, node 0" ]
}

@test "L2 below L3, an offline CPU, two nodes and a memory-only one" {
	run --separate-stderr systopo_check --sysfs "$FIX/sysfs-2node-offline"
	[ "$status" -eq 0 ]
	[ "$output" = "online 0-6 (7 CPUs)
llc 0: 0-3
llc 1: 4-6
core 0: 0-1
core 1: 2-3
core 2: 4-5
core 3: 6
threads_per_core 2
node 0: 0-3
node 1: 4-6
node 2: none
nodes_online 3
cpu 0: llc 0, core 0, node 0
cpu 1: llc 0, core 0, node 0
cpu 2: llc 0, core 1, node 0
cpu 3: llc 0, core 1, node 0
cpu 4: llc 1, core 2, node 1
cpu 5: llc 1, core 2, node 1
cpu 6: llc 1, core 3, node 1" ]
}

@test "a CPU without cache information makes the machine one LLC" {
	"$FIX/mksysfs" "$BATS_TEST_TMPDIR/s" 8 4 2 1
	rm -r "$BATS_TEST_TMPDIR/s/devices/system/cpu/cpu5/cache"
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 0 ]
	[ "$(grep '^llc' <<<"$output")" = "llc 0: 0-7" ]
	[ "$(grep -c ', core' <<<"$output")" -eq 8 ]
}

@test "a shared_cpu_list that leaves its CPU out does not count; the next level down does" {
	"$FIX/mksysfs" "$BATS_TEST_TMPDIR/s" 4 2 1 1
	echo 2-3 > "$BATS_TEST_TMPDIR/s/devices/system/cpu/cpu0/cache/index2/shared_cpu_list"
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 0 ]
	[ "$(grep '^llc' <<<"$output")" = "llc 0: 0
llc 1: 0-1
llc 2: 2-3" ]
}

@test "a generated 256-CPU, 8-LLC host reads exactly as the 1n8l16c2t model" {
	"$FIX/mksysfs" "$BATS_TEST_TMPDIR/big" 256 32 2 1
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/big"
	[ "$status" -eq 0 ]
	sysfs=$output
	run --separate-stderr systopo_check --topo 1n8l16c2t
	[ "$status" -eq 0 ]
	[ "$sysfs" = "$output" ]
	[ "$(grep -c '^core' <<<"$output")" -eq 128 ]
}

@test "the 2n4l2c2t model: LLC-major CPUs, nodes of two LLCs" {
	run --separate-stderr systopo_check --topo 2n4l2c2t
	[ "$status" -eq 0 ]
	[ "$(grep -v '^cpu' <<<"$output")" = "online 0-15 (16 CPUs)
llc 0: 0-3
llc 1: 4-7
llc 2: 8-11
llc 3: 12-15
core 0: 0-1
core 1: 2-3
core 2: 4-5
core 3: 6-7
core 4: 8-9
core 5: 10-11
core 6: 12-13
core 7: 14-15
threads_per_core 2
node 0: 0-7
node 1: 8-15
nodes_online 2" ]
	[ "$(grep '^cpu 1[01]:' <<<"$output")" = "cpu 10: llc 2, core 5, node 1
cpu 11: llc 2, core 5, node 1" ]
}

@test "unreadable or malformed sysfs: the path and what is wrong, exit 3" {
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 3 ]
	[ "$stderr" = "systopo_check: $BATS_TEST_TMPDIR/none/devices/system/cpu/online: No such file or directory" ]
	"$FIX/mksysfs" "$BATS_TEST_TMPDIR/s" 4 2 2 1
	: > "$BATS_TEST_TMPDIR/s/devices/system/cpu/online"
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 3 ]
	[ "$stderr" = "systopo_check: $BATS_TEST_TMPDIR/s/devices/system/cpu/online: no CPUs" ]
	echo 0-3 > "$BATS_TEST_TMPDIR/s/devices/system/cpu/online"
	echo 3-1 > "$BATS_TEST_TMPDIR/s/devices/system/cpu/cpu2/topology/thread_siblings_list"
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 3 ]
	[ "$stderr" = "systopo_check: $BATS_TEST_TMPDIR/s/devices/system/cpu/cpu2/topology/thread_siblings_list: column 3: range goes backwards" ]
	echo 2-3 > "$BATS_TEST_TMPDIR/s/devices/system/cpu/cpu2/topology/thread_siblings_list"
	echo 0-x > "$BATS_TEST_TMPDIR/s/devices/system/cpu/cpu1/cache/index2/shared_cpu_list"
	run --separate-stderr systopo_check --sysfs "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 3 ]
	[ "$stderr" = "systopo_check: $BATS_TEST_TMPDIR/s/devices/system/cpu/cpu1/cache/index2/shared_cpu_list: column 3: expected a CPU number" ]
}
