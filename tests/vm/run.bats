#!/usr/bin/env bats
# ktstr run: real scenarios in real VMs under EEVDF, judged by ktstr-eval.
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

bats_require_minimum_version 1.5.0	# run --separate-stderr: ktstr's notes stay out of lines

stream() { judged_stream; }

@test "run steady on 1n2l2c1t passes; workers did work inside their cpusets" {
	run --separate-stderr ktstr run steady --topo 1n2l2c1t
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "steady on 1n2l2c1t under eevdf: PASS" ]
	[ "$(stream | jq -s '[.[] | select(.type == "worker")] | length')" -ge 4 ]
	[ "$(stream | jq -s '[.[] | select(.type == "worker" and .work_units <= 0)] | length')" -eq 0 ]
	# every worker's CPUs lie inside its cpuset (all CPUs when it has none)
	stream | jq -c 'select(.type == "worker") | [.cpus_used, (.cpuset // "0-3")]' |
	while read -r pair; do
		used=$(printf '%s' "$pair" | jq -r '.[0]') allowed=$(printf '%s' "$pair" | jq -r '.[1]')
		cpulist_check --subset "$used" "$allowed"
	done
}

@test "run cpuset_apply: workers move onto their cpusets after the step" {
	run ktstr run cpuset_apply --topo 1n2l2c1t --json
	[ "$status" -eq 0 ]
	# in the last step every worker ran only inside its cpuset
	printf '%s\n' "$output" | jq -c 'select(.type == "worker") | .steps[-1] | [.cpus_used, .cpuset]' |
	while read -r pair; do
		used=$(printf '%s' "$pair" | jq -r '.[0]') allowed=$(printf '%s' "$pair" | jq -r '.[1]')
		[ "$allowed" != null ]
		cpulist_check --subset "$used" "$allowed"
	done
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "verdict") | .result')" = pass ]
}

@test "run: no kernel gives exit 3 and says how to get one" {
	KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/empty" run ktstr run steady
	[ "$status" -eq 3 ]
	[[ "$output" == *"run 'ktstr kernel fetch'"* ]]
}

@test "run --job-only: the job record, to run by hand through the stages" {
	run ktstr run steady --topo 1n2l2c1t --scheduler scx-ktstr --flags scatter --job-only
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '"\(.type) \(.id) \(.topo.name) \(.scheduler.name) \(.scheduler.flags)"')" = 'job steady-1n2l2c1t 1n2l2c1t scx-ktstr ["scatter"]' ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
	# the stages by hand give the same verdict as ktstr run
	run sh -c "printf '%s\n' '$output' | ktstr-boot --run-dir '$BATS_TEST_TMPDIR/rd' | ktstr-probe | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = pass ]
}
