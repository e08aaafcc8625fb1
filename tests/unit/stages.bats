#!/usr/bin/env bats
# Where a run is, on stderr: `ktstr-sidecar write --stages`, and `ktstr run` / `ktstr gauntlet`
# showing it on a terminal or with -v, and not otherwise.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/eval"

# The times made fixed: "(12.3 s)" or "(1m20s)" -> "(T)".
untimed() { sed -E 's/\(([0-9]+\.[0-9] s|[0-9]+m[0-9]+s|[0-9]+h[0-9]+m)\)/(T)/'; }

# A tty line's successive texts, each once (the clock's ticks redraw the same text).
tty_texts() { tr '\r' '\n' | sed 's/\x1b\[K//g' | grep . | untimed | uniq; }

@test "write --stages lines: a line per stage of each job, with the time so far" {
	export KTSTR_PROG=ktstr
	run --separate-stderr sh -c 'ktstr-eval < "$1" | ktstr-sidecar write --runs-dir "$2" --stages lines' \
		sh "$F/degrade-step-scx.ndjson" "$BATS_TEST_TMPDIR/runs"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | untimed)" = "ktstr: cgroup_add-1n1l4c1t: booting (T)
ktstr: cgroup_add-1n1l4c1t: starting scheduler scx-ktstr (T)
ktstr: cgroup_add-1n1l4c1t: scheduler scx-ktstr attached (T)
ktstr: cgroup_add-1n1l4c1t: step 1/2 (T)
ktstr: cgroup_add-1n1l4c1t: step 2/2 (T)
ktstr: cgroup_add-1n1l4c1t: scenario done (T)
ktstr: cgroup_add-1n1l4c1t: judging (T)" ]
	# stdout as without it
	[ "$(printf '%s\n' "$output" | jq -r .result)" = fail ]
}

@test "write --stages tty: one line, overwritten, cleared at the end; a bad mode exits 2" {
	export KTSTR_PROG=ktstr
	ktstr-eval < "$F/steady-eevdf.ndjson" |
		ktstr-sidecar write --runs-dir "$BATS_TEST_TMPDIR/runs" --stages tty > /dev/null 2> "$BATS_TEST_TMPDIR/err"
	[ "$(tty_texts < "$BATS_TEST_TMPDIR/err")" = "ktstr: steady-1n2l2c1t: booting (T)
ktstr: steady-1n2l2c1t: booted (T)
ktstr: steady-1n2l2c1t: step 1/1 (T)
ktstr: steady-1n2l2c1t: scenario done (T)
ktstr: steady-1n2l2c1t: judging (T)" ]
	# no newline anywhere; the last thing is the line cleared
	[ "$(tr -cd '\n' < "$BATS_TEST_TMPDIR/err" | wc -c)" -eq 0 ]
	[ "$(tail -c 4 "$BATS_TEST_TMPDIR/err" | od -An -c | tr -d ' ')" = '\r033[K' ]
	run --separate-stderr ktstr-sidecar write --runs-dir "$BATS_TEST_TMPDIR/runs" --stages color < /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-sidecar: --stages color: use tty or lines" ]
}

@test "ktstr run: stages on a terminal's stderr or with -v; otherwise stderr and stdout as before" {
	standin_boot <<-EOF
	#!/bin/sh
	cat > /dev/null
	cat "$F/steady-eevdf.ndjson"
	EOF
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	plain=$output
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor -v
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -v 'records and logs')" = "$(printf '%s\n' "$plain" | grep -v 'records and logs')" ]
	[ "$(printf '%s\n' "$stderr" | untimed)" = "ktstr: steady-1n2l2c1t: booting (T)
ktstr: steady-1n2l2c1t: booted (T)
ktstr: steady-1n2l2c1t: step 1/1 (T)
ktstr: steady-1n2l2c1t: scenario done (T)
ktstr: steady-1n2l2c1t: judging (T)" ]
	# stderr a terminal (stdout not): the overwritten line
	KTSTR_BUILD_DIR="$b" script -qec "ktstr run steady --no-monitor 2>&1 > /dev/null" /dev/null > "$BATS_TEST_TMPDIR/tty"
	[ "$(tty_texts < "$BATS_TEST_TMPDIR/tty" | head -n 1)" = "ktstr: steady-1n2l2c1t: booting (T)" ]
	[ "$(tty_texts < "$BATS_TEST_TMPDIR/tty" | tail -n 1)" = "ktstr: steady-1n2l2c1t: judging (T)" ]
}

@test "ktstr gauntlet: on a terminal the job counter leads the line; -v a line per stage" {
	standin_boot <<-EOF2
	#!/bin/sh
	jq -r .id | while read -r id; do
		jq -c --arg id "\$id" 'if .type == "job" then .id = \$id else . end | if has("job") then .job = \$id else . end' "$F/steady-eevdf.ndjson"
	done
	EOF2
	KTSTR_BUILD_DIR="$b" script -qec "ktstr gauntlet steady --presets tiny-1llc,tiny-2llc --profiles default \
		--no-monitor --run-dir '$BATS_TEST_TMPDIR/runs/g' 2>&1 > /dev/null" /dev/null > "$BATS_TEST_TMPDIR/tty"
	tty_texts < "$BATS_TEST_TMPDIR/tty" > "$BATS_TEST_TMPDIR/texts"
	cat "$BATS_TEST_TMPDIR/texts"
	grep -qx 'ktstr gauntlet: \[0/2\] steady-tiny-1llc-default: step 1/1 (T)' "$BATS_TEST_TMPDIR/texts"
	grep -qx 'ktstr gauntlet: \[1/2\] steady-tiny-2llc-default: judging (T)' "$BATS_TEST_TMPDIR/texts"
	# the progress lines stay whole, each on a line of its own
	grep -Eq '^\[1/2\] PASS steady-tiny-1llc-default [0-9.]+ s' "$BATS_TEST_TMPDIR/texts"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --presets tiny-1llc --profiles default \
		--no-monitor --run-dir "$BATS_TEST_TMPDIR/runs/v" -v
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | sed 1d | untimed | sed -E 's/ [0-9.]+ s$//')" = "ktstr gauntlet: steady-tiny-1llc-default: booting (T)
ktstr gauntlet: steady-tiny-1llc-default: booted (T)
ktstr gauntlet: steady-tiny-1llc-default: step 1/1 (T)
ktstr gauntlet: steady-tiny-1llc-default: scenario done (T)
ktstr gauntlet: steady-tiny-1llc-default: judging (T)
[1/1] PASS steady-tiny-1llc-default" ]
}
