#!/usr/bin/env bats
# ktstr shell: one command in a real VM, its output and its exit status.
load ../helpers

setup() { require_kernel; }

@test "shell --exec: the guest sees the topology it was given" {
	run ktstr shell --topo 1n2l2c1t --exec 'cat /sys/devices/system/cpu/online; cat /sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0-3\n0-1')" ]
}

@test "shell --exec: the command's status is ktstr's" {
	run ktstr shell --exec 'exit 7'
	[ "$status" -eq 7 ]
	run ktstr shell --exec 'true'
	[ "$status" -eq 0 ]
}

@test "shell --exec: stderr goes to stderr, stdout to stdout" {
	run sh -c "ktstr shell --exec 'echo out; echo err >&2' 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	run sh -c "ktstr shell --exec 'echo out; echo err >&2' 2>&1 >/dev/null"
	[ "$output" = err ]
}

@test "shell --include: the file is in the guest" {
	f="$BATS_TEST_TMPDIR/hello.txt"
	echo "hello from the host" > "$f"
	run ktstr shell --include "$f" --exec 'cat /include-files/hello.txt'
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the host" ]
}

@test "shell: 3 LLCs from ktstr-topo 1n3l2c1t" {
	run ktstr shell --topo 1n3l2c1t --exec 'for c in 0 2 4; do cat /sys/devices/system/cpu/cpu$c/cache/index3/shared_cpu_list; done'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0-1\n2-3\n4-5')" ]
}

@test "shell: NUMA and SMT from 2n2l2c2t" {
	run ktstr shell --topo 2n2l2c2t --exec 'cat /sys/devices/system/node/node0/cpulist /sys/devices/system/node/node1/cpulist /sys/devices/system/cpu/cpu0/topology/thread_siblings_list'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0-3\n4-7\n0-1')" ]
}
