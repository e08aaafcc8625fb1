# Shared by scenarios_*.bats: run one canned scenario for 1 s on 1n2l2c1t
# under $CANNED_SCHED and demand a pass with work from every worker.
setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

bats_require_minimum_version 1.5.0	# run --separate-stderr

# A run the emulator spoiled (multi-threaded TCG's int3 race) is run again by ktstr itself: its
# note goes to stderr (so lines[0] is the verdict), and judged_stream reads the run judged.
canned() {
	local stream

	run --separate-stderr ktstr run "$1" --topo 1n2l2c1t --duration 1 --scheduler "$CANNED_SCHED"
	if [ "$status" -ne 0 ]; then printf '%s\n' "$output" "$stderr" >&2; return 1; fi
	[ "${lines[0]}" = "$1 on 1n2l2c1t under $CANNED_SCHED: PASS" ]
	stream=$(judged_stream)
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker")] | length')" -gt 0 ]
	[ "$(printf '%s\n' "$stream" | jq -s '[.[] | select(.type == "worker" and .work_units <= 0)] | length')" -eq 0 ]
}
