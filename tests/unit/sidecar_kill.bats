#!/usr/bin/env bats
# ktstr-sidecar write when it or the stage before it is killed: the stored stream and run
# records stay whole (a record is one write, a run record is linked in whole, SIGTERM waits for
# the next read), and a stream cut inside its last record is inconclusive, not bad input.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/sidecar"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
}

# LeakSanitizer (make sanitize) cannot run under ptrace: under strace, leaks are not looked for.
NOLEAKS="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

@test "write: input cut inside its last record (a killed stage): exit 3, the whole records kept" {
	{ cat "$F/pass.ndjson"; printf '{"type":"sample","job":"x","cpus":[{"cpu":0,'; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-sidecar write --run-id r1 --pass < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 3 ]
	n=$(wc -l < "$F/pass.ndjson")
	[ "$stderr" = "ktstr-sidecar: stdin:$((n + 1)): the input ends inside a record (its writer stopped in the middle): that record is left out" ]
	# what it passed on is the whole records and the stored job's line
	[ "$(printf '%s\n' "$output" | head -n "$n")" = "$(cat "$F/pass.ndjson")" ]
	[ "$(printf '%s\n' "$output" | sed -n "$((n + 1))p" | jq -r .type)" = run ]
	jq empty "$KTSTR_RUNS_DIR"/r1/*.json
	# a cut line that is not the last one is still bad input
	{ printf '{"type":"x",\n'; cat "$F/pass.ndjson"; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-sidecar write --run-id r2 < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
}

@test "write --pass: each record is one write(2), however long (stdio would split it)" {
	jq -c --arg pad "$(head -c 20000 /dev/zero | tr '\0' x)" 'if .type == "job" then .pad = $pad else . end' \
		"$F/pass.ndjson" > "$BATS_TEST_TMPDIR/in"
	env "$NOLEAKS" strace -o "$BATS_TEST_TMPDIR/trace" -e trace=write -e signal=none \
		ktstr-sidecar write --run-id r1 --pass < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" <(head -n "$(wc -l < "$BATS_TEST_TMPDIR/in")" "$BATS_TEST_TMPDIR/out")
	# the records and the stored job's summary line
	[ "$(grep -c '^write(1,' "$BATS_TEST_TMPDIR/trace")" -eq "$(($(wc -l < "$BATS_TEST_TMPDIR/in") + 1))" ]
}

@test "write: SIGTERM while it stores a run record (fsync held 2 s) waits: the record whole, no temp file" {
	# the input stays open after the verdict: the writer would read on
	{ cat "$F/pass.ndjson"; sleep 8; } |
		env "$NOLEAKS" strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=fsync -e inject=fsync:delay_exit=2000000 \
			ktstr-sidecar write --run-id r1 > /dev/null 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	tracer=$!
	for _ in $(seq 100); do grep -q 'fsync(' "$BATS_TEST_TMPDIR/trace" 2> /dev/null && break; sleep 0.05; done
	grep -q 'fsync(' "$BATS_TEST_TMPDIR/trace"
	kill -TERM "$(pgrep -x ktstr-sidecar -P "$tracer")"
	for _ in $(seq 100); do pgrep -x ktstr-sidecar -P "$tracer" > /dev/null || break; sleep 0.1; done
	# it ended on the signal, at its next read, with the record stored whole and nothing else
	grep -q 'killed by SIGTERM' "$BATS_TEST_TMPDIR/trace"
	[ "$(ls -A "$KTSTR_RUNS_DIR/r1")" = "$(jq -r 'select(.type == "job") | .id' "$F/pass.ndjson").json" ]
	jq empty "$KTSTR_RUNS_DIR"/r1/*.json
}
