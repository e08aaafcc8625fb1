#!/usr/bin/env bats
# Healthy schedulers must not fail: 10 runs of steady each under EEVDF and scx-ktstr.
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# ten SCHED: 10 runs of steady; every one must pass. Failures are printed whole.
ten() {
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run ktstr run steady --topo 1n2l2c1t --scheduler "$1"
		if [ "$status" -ne 0 ]; then
			echo "run $i of 10 under $1 did not pass:" >&2
			printf '%s\n' "$output" >&2
			return 1
		fi
	done
	[ "$(ktstr runs list --json | jq -s '[.[] | .pass] | add')" -eq 10 ]
}

@test "EEVDF passes steady 10 times out of 10" { ten eevdf; }

@test "scx-ktstr passes steady 10 times out of 10" { ten scx-ktstr; }
