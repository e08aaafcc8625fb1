# Shared by scenarios_*.bats: run one canned scenario for 1 s on 1n2l2c1t
# under $CANNED_SCHED and demand a pass with work from every worker.
setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

canned() {
	run ktstr run "$1" --topo 1n2l2c1t --duration 1 --scheduler "$CANNED_SCHED"
	if [ "$status" -ne 0 ]; then printf '%s\n' "$output" >&2; return 1; fi
	[ "${lines[0]}" = "$1 on 1n2l2c1t under $CANNED_SCHED: PASS" ]
	stream=$(cat "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker")] | length')" -gt 0 ]
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker" and .work_units <= 0)] | length')" -eq 0 ]
}
