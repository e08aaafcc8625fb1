#!/usr/bin/env bats
# One run on two kernels ($KTSTR_KERNEL and $KTSTR_OTHER_KERNEL, make kernels-test), its jobs
# paired across them by 'ktstr runs compare kernel=A kernel=B'.
load ../helpers

setup() {
	require_kernel
	[ -n "${KTSTR_OTHER_KERNEL:-}" ] || { echo "KTSTR_OTHER_KERNEL is not set" >&2; return 1; }
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# major.minor of a cached kernel's release
mm() { ktstr kernel path --json "$1" | jq -r '.release | capture("^(?<v>[0-9]+[.][0-9]+)").v'; }

@test "kernels: run --kernel A,B runs the job on both; compare kernel=A kernel=B pairs them" {
	a=$(mm "$KTSTR_KERNEL") b=$(mm "$KTSTR_OTHER_KERNEL")
	[ "$a" != "$b" ]
	run ktstr run steady --scheduler scx-ktstr --kernel "$KTSTR_KERNEL,$KTSTR_OTHER_KERNEL" --json
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | jq -r 'select(.type == "verdict") | .job + " " + .result + " " + (.details | tostring)' >&2; false; }
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "verdict") | .job + " " + .result' | sort | tr '\n' ' ')" = \
		"$(printf 'steady-1n2l2c1t-k%s pass\nsteady-1n2l2c1t-k%s pass\n' "$a" "$b" | sort | tr '\n' ' ')" ]
	run ktstr runs compare "kernel=$a" "kernel=$b" --all
	printf '%s\n' "$output" >&2
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	printf '%s\n' "$output" | grep -q 'steady 1n2l2c1t scx-ktstr'
	run ktstr runs compare "kernel=$a" "kernel=$b" --json
	[ "$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "compare_summary")][0].pairs')" -eq 1 ]
}
