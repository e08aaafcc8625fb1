#!/usr/bin/env bats
# ktstr-sidecar reading run folders it cannot trust: only regular files are opened (a FIFO
# named *.json would block forever), and what comes from the guest cannot send escape
# sequences to the terminal.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/sidecar"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
}

@test "sidecar list/show: a FIFO named *.json in a run folder is skipped, not waited on" {
	ktstr-sidecar write --run-id r1 < "$F/pass.ndjson" > /dev/null
	mkfifo "$KTSTR_RUNS_DIR/r1/trap.json" "$KTSTR_RUNS_DIR/r1/stream.ndjson"
	run --separate-stderr timeout 10 ktstr-sidecar list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "ktstr-sidecar: skipping $KTSTR_RUNS_DIR/r1/trap.json: not a regular file" ]
	run --separate-stderr timeout 10 ktstr-sidecar show --brief r1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"ktstr-sidecar: run r1: $KTSTR_RUNS_DIR/r1/stream.ndjson: not a regular file"* ]]
}

@test "sidecar show: control characters from the guest are shown, not sent to the terminal" {
	jq -c 'if .type == "verdict" then .details = [{"kind": "Starved", "message": "tid 12 \u001b[31mred\u001b[0m\r\u0007 \u009b2J end"}] | .result = "fail" else . end' \
		"$F/pass.ndjson" | ktstr-sidecar write --run-id r1 > /dev/null || true
	run ktstr-sidecar show r1
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qF '    Starved: tid 12 ^[[31mred^[[0m^M^G \u009b2J end'
	! printf '%s' "$output" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'
	# JSON output stays JSON (jansson escapes them itself)
	run ktstr-sidecar show --json r1
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | jq -e . > /dev/null
}
