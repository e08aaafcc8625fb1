#!/usr/bin/env bats
# bin/ktstr: argument handling that needs no VM.
load ../helpers

bats_require_minimum_version 1.5.0

@test "ktstr help lists the commands" {
	run ktstr help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr COMMAND [ARGS]" ]
	printf '%s\n' "$output" | grep -q '^  run SCENARIO|FILE '
	printf '%s\n' "$output" | grep -q '^  shell '
	printf '%s\n' "$output" | grep -q '^  kernel CMD '
}

@test "ktstr --help and help run and run --help" {
	run ktstr --help
	[ "$status" -eq 0 ]
	run ktstr help run
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr run SCENARIO|FILE [options]" ]
	run ktstr run --help
	[ "${lines[0]}" = "usage: ktstr run SCENARIO|FILE [options]" ]
	run ktstr shell --help
	[ "${lines[0]}" = "usage: ktstr shell [options]" ]
}

@test "ktstr: unknown command exits 2" {
	run ktstr frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: unknown command 'frobnicate' (see 'ktstr help')" ]
	run ktstr help frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: no help for 'frobnicate': not a command" ]
}

@test "ktstr run: bad arguments exit 2 with one line" {
	run ktstr run
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: run: which scenario? (see 'ktstr help run')" ]
	run ktstr run no_such_scenario
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: unknown scenario 'no_such_scenario' ('ktstr scenarios' lists them)" ]
	run ktstr run ./missing.json
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: scenario file ./missing.json: no such file" ]
	run ktstr run steady --frob
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: run: unknown option '--frob'" ]
	run ktstr run steady --duration abc
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --duration 'abc': not a number of seconds (at most 86400)" ]
	run ktstr run steady --topo
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --topo needs a value" ]
}

@test "ktstr run: a bad topology exits 2 before any VM" {
	run ktstr run steady --topo 2n3l1c1t
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "ktstr: --topo 2n3l1c1t: "* ]]
}

@test "ktstr shell: bad arguments exit 2" {
	run ktstr shell --include /no/such/file
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --include /no/such/file: no such file" ]
	run ktstr shell --timeout 0
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --timeout '0': not a number from 1 to 86400" ]
}

@test "ktstr run: bad --scheduler and --flags exit 2 before any VM" {
	run ktstr run steady --scheduler nosuch
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: unknown scheduler 'nosuch' (see $KTSTR_SHARE_DIR/schedulers/ or give a path)" ]
	run ktstr run steady --scheduler /no/such/loader
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --scheduler /no/such/loader: no such file" ]
	run ktstr run steady --scheduler scx-ktstr --flags scatter,bogus
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --flags: unknown flag bogus for scx-ktstr (known: short-slice,scatter,slow)" ]
	run ktstr run steady --check 'max_gap_ms'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --check max_gap_ms: expected KEY=VALUE" ]
}

@test "ktstr runs: unknown subcommand exits 2" {
	run ktstr runs frob
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: runs: unknown command 'frob' (list, show, compare, metrics, merge)" ]
}

@test "ktstr run: a scenario that could only skip on the topology exits 77 with the reason, before any VM" {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	run --separate-stderr ktstr run steady_llc --topo 1n1l4c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr: nothing can run: steady_llc on 1n1l4c1t: needs >= 2 LLCs, topology has 1" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
}

@test "ktstr run: a VM hit by TCG's patching race is run once more, the first run kept" {
	# a build dir whose ktstr-boot replays recorded runs: the race first, then a pass
	b="$BATS_TEST_TMPDIR/build"
	mkdir -p "$b/bin"
	for t in "$KTSTR_BUILD_DIR"/bin/*; do ln -s "$t" "$b/bin/"; done
	rm "$b/bin/ktstr-boot"
	F="$KTSTR_ROOT/tests/fixtures/eval"
	cat > "$b/bin/ktstr-boot" <<-EOF2
	#!/bin/sh
	cat > /dev/null
	if [ -e "$BATS_TEST_TMPDIR/raced" ]; then cat "$F/steady-eevdf.ndjson"; else touch "$BATS_TEST_TMPDIR/raced"; cat "$F/tcg-int3-race.ndjson"; fi
	EOF2
	chmod +x "$b/bin/ktstr-boot"
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "steady on 1n2l2c1t under eevdf: PASS" ]
	first=$(ls "$KTSTR_RUNS_DIR" | head -n 1)
	[ "$stderr" = "ktstr: TCG's patching race hit the VM (run $first); running the job again" ]
	[ "$(ls "$KTSTR_RUNS_DIR" | tr '\n' ' ')" = "$first $first-again " ]
	[ "$(jq -r 'select(.type == "verdict") | .result' "$KTSTR_RUNS_DIR/$first/stream.ndjson")" = inconclusive ]
	# a run folder the user named is not run again
	rm "$BATS_TEST_TMPDIR/raced"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor --run-dir "$BATS_TEST_TMPDIR/mine"
	[ "$status" -eq 3 ]
	[ -z "$stderr" ]
}
