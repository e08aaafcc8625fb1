#!/usr/bin/env bats
# bin/ktstr: argument handling that needs no VM.
load ../helpers

bats_require_minimum_version 1.5.0

# A build dir (in $b) whose ktstr-boot is the script on stdin; the real tools otherwise.
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
	run ktstr shell --topo 1n1l128c4t
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --topo 1n1l128c4t: 512 CPUs; QEMU's pc machine takes at most 255" ]
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
	[ "$output" = "ktstr: runs: unknown command 'frob' (list, show, compare, metrics, merge, trace, report, write, repro)" ]
	run ktstr runs shwo
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: runs: unknown command 'shwo': did you mean 'show'? (list, show, compare, metrics, merge, trace, report, write, repro)" ]
	# every command 'ktstr help runs' lists is one 'ktstr runs' takes
	for c in $(ktstr help runs | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
		run ktstr runs "$c" --help
		[ "$status" -eq 0 ] || { echo "runs $c --help: $status" >&2; return 1; }
	done
}

@test "ktstr run: a scenario that could only skip on the topology exits 77 with the reason, before any VM" {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	run --separate-stderr ktstr run steady_llc --topo 1n1l4c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr: nothing can run: steady_llc on 1n1l4c1t: needs >= 2 LLCs, topology has 1" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
}

@test "ktstr run: a failed run ends with the path of its HTML report" {
	# a build dir whose ktstr-boot replays a recorded run that fails (cg_2 squeezed in step 2)
	b="$BATS_TEST_TMPDIR/build"
	mkdir -p "$b/bin"
	for t in "$KTSTR_BUILD_DIR"/bin/*; do ln -s "$t" "$b/bin/"; done
	rm "$b/bin/ktstr-boot"
	printf '#!/bin/sh\ncat > /dev/null\ncat "%s"\n' "$KTSTR_ROOT/tests/fixtures/eval/degrade-step-scx.ndjson" > "$b/bin/ktstr-boot"
	chmod +x "$b/bin/ktstr-boot"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run cgroup_add --no-monitor --run-dir "$BATS_TEST_TMPDIR/r"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "cgroup_add on 1n1l4c1t under scx-ktstr: FAIL" ]
	[ "${lines[${#lines[@]} - 1]}" = "  report: $BATS_TEST_TMPDIR/r/report.html" ]
	grep -q '<span class="result r-fail">fail</span>' "$BATS_TEST_TMPDIR/r/report.html"
	# a pass prints none
	printf '#!/bin/sh\ncat > /dev/null\ncat "%s"\n' "$KTSTR_ROOT/tests/fixtures/eval/steady-eevdf.ndjson" > "$b/bin/ktstr-boot"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor --run-dir "$BATS_TEST_TMPDIR/p"
	[ "$status" -eq 0 ]
	! printf '%s\n' "$output" | grep -q report:
	[ ! -e "$BATS_TEST_TMPDIR/p/report.html" ]
}

@test "ktstr run: a VM hit by TCG's patching race is run once more, the first run kept" {
	# a build dir whose ktstr-boot replays recorded runs: the race first, then a pass
	F="$KTSTR_ROOT/tests/fixtures/eval"
	standin_boot <<-EOF2
	#!/bin/sh
	cat > /dev/null
	if [ -e "$BATS_TEST_TMPDIR/raced" ]; then cat "$F/steady-eevdf.ndjson"; else touch "$BATS_TEST_TMPDIR/raced"; cat "$F/tcg-int3-race.ndjson"; fi
	EOF2
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "steady on 1n2l2c1t under eevdf: PASS" ]
	first=$(ls "$KTSTR_RUNS_DIR" | head -n 1)
	[ "$stderr" = "ktstr: the guest kernel trapped on code it was patching (an int3 already patched back): multi-threaded TCG's race, not the scheduler's fault; run again (run $first); running the job again" ]
	[ "$(ls "$KTSTR_RUNS_DIR" | tr '\n' ' ')" = "$first $first-again " ]
	[ "$(jq -r 'select(.type == "verdict") | .result' "$KTSTR_RUNS_DIR/$first/stream.ndjson")" = inconclusive ]
	# a run folder the user named is not run again
	rm "$BATS_TEST_TMPDIR/raced"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor --run-dir "$BATS_TEST_TMPDIR/mine"
	[ "$status" -eq 3 ]
	[ -z "$stderr" ]
}

@test "ktstr run: bad --check values, durations, topologies and scenarios exit 2 before any VM" {
	standin_boot <<-EOF
	#!/bin/sh
	touch "$BATS_TEST_TMPDIR/booted"
	EOF
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	printf '{"name": "x",\n' > "$BATS_TEST_TMPDIR/broken.json"
	while IFS='|' read -r args want; do
		eval "set -- $args"
		KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run "$@"
		[ "$status" -eq 2 ] || { echo "$args: status $status" >&2; return 1; }
		[ "$stderr" = "$want" ] || { echo "$args: $stderr" >&2; return 1; }
	done <<-EOF
	steady --check bogus=1|ktstr: --check bogus=1: unknown check 'bogus'
	steady --check max_gap_ms=-5|ktstr: --check max_gap_ms=-5: check 'max_gap_ms': expected a number >= 0 or null
	steady --check isolation=yes|ktstr: --check isolation=yes: value must be a number, true, false or null
	steady --duration 1.2.3|ktstr: --duration '1.2.3': not a number of seconds (at most 86400)
	steady --duration 99999999999|ktstr: --duration '99999999999': not a number of seconds (at most 86400)
	steady --topo ''|ktstr: --topo '': column 1: missing axis 'n' (NUMA nodes)
	steady --topo 2n4l64c2t|ktstr: --topo 2n4l64c2t: 512 CPUs; QEMU's pc machine takes at most 255
	$BATS_TEST_TMPDIR/broken.json|ktstr: scenario file $BATS_TEST_TMPDIR/broken.json: line 2: string or '}' expected near end of file
	EOF
	[ ! -e "$BATS_TEST_TMPDIR/booted" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
}

@test "ktstr run: a scenario or --run-dir whose name cannot be an id exits 2 before any VM" {
	standin_boot <<-EOF
	#!/bin/sh
	touch "$BATS_TEST_TMPDIR/booted"
	EOF
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	cp "$KTSTR_SHARE_DIR/scenarios/steady.json" "$BATS_TEST_TMPDIR/my@scen.json"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run "$BATS_TEST_TMPDIR/my@scen.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: scenario $BATS_TEST_TMPDIR/my@scen.json: its job id 'my@scen-1n2l2c1t' may hold only letters, digits, '.', '_', '+' and '-'" ]
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --run-dir "$BATS_TEST_TMPDIR/x/bad@name"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: --run-dir $BATS_TEST_TMPDIR/x/bad@name: its last part may hold only letters, digits, '.', '_', '+' and '-'" ]
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --run-dir "$BATS_TEST_TMPDIR/x/.hidden"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: --run-dir $BATS_TEST_TMPDIR/x/.hidden: its last part must not start with '.' or '-'" ]
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --run-dir "$BATS_TEST_TMPDIR/x/a@b"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr gauntlet: --run-dir $BATS_TEST_TMPDIR/x/a@b: its last part may hold only letters, digits, '.', '_', '+' and '-'" ]
	[ ! -e "$BATS_TEST_TMPDIR/booted" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
}

@test "ktstr run: records that cannot be stored (a file size limit) exit 3, not 0" {
	standin_boot <<-EOF
	#!/bin/sh
	cat > /dev/null
	cat "$KTSTR_ROOT/tests/fixtures/eval/steady-eevdf.ndjson"
	EOF
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	KTSTR_BUILD_DIR="$b" run --separate-stderr sh -c 'ulimit -f 4; exec ktstr run steady --no-monitor'
	[ "$status" -eq 3 ]
	[ "${stderr%%$'\n'*}" = "ktstr-sidecar: write error: File too large" ]
}

@test "ktstr run: ktstr-boot failing before any verdict is not a pass" {
	standin_boot <<-EOF
	#!/bin/sh
	cat > /dev/null
	exit 3
	EOF
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor
	[ "$status" -eq 3 ]
}

@test "ktstr: a mistyped command gets the nearest one; --version everywhere says one version" {
	run ktstr rnu
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: unknown command 'rnu': did you mean 'run'? (see 'ktstr help')" ]
	run ktstr gauntlt
	[ "$output" = "ktstr: unknown command 'gauntlt': did you mean 'gauntlet'? (see 'ktstr help')" ]
	run ktstr help shel
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: no help for 'shel': not a command: did you mean 'shell'?" ]
	v=$(sed -n 's/^VERSION = //p' "$KTSTR_ROOT/Makefile")
	[ -n "$v" ]
	for t in ktstr-topo ktstr-boot ktstr-probe ktstr-eval ktstr-sidecar; do
		run "$t" --version
		[ "$status" -eq 0 ]
		[ "$output" = "$t $v" ]
	done
	run ktstr --version
	[ "$output" = "ktstr $v" ]
	run ktstr version
	[ "$output" = "ktstr $v" ]
	for c in gauntlet kernel sched; do
		run ktstr "$c" --version
		[ "$status" -eq 0 ]
		[ "$output" = "ktstr $c $v" ]
	done
}

@test "ktstr: --help after any subcommand prints the help and exits 0" {
	run ktstr kernel fetch --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr kernel COMMAND [ARGS]" ]
	run ktstr kernel build --source /nowhere -h
	[ "$status" -eq 0 ]
	run ktstr sched build --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr sched COMMAND [ARGS]" ]
	run ktstr sched verify scx-ktstr --help
	[ "$status" -eq 0 ]
}
