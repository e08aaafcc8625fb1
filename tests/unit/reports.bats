#!/usr/bin/env bats
# TAP and JUnit of runs, from ktstr-sidecar write, a stored run (show), ktstr run and the
# gauntlet. Details come from the guest and may hold anything: a scheduler log with "ok 1" and
# "Bail out!" lines must stay data for prove, newlines in XML attributes must survive, and the
# JUnit must fit the schema CI tools read (tests/fixtures/junit/junit.xsd).
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/sidecar"
XSD="$BATS_TEST_DIRNAME/../fixtures/junit/junit.xsd"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" KTSTR_COMMIT=abc1234
	# the failed job's first detail is a scheduler log that looks like TAP
	jq -c 'if .type == "verdict" then .details = [{"kind": "SchedulerDied", "message": "scx_mine exited:\nok 1 - looks like a test\nBail out! looks like the end\n# and a comment\n\u001b[31mred"}] + .details else . end' \
		"$F/starved.ndjson" > "$BATS_TEST_TMPDIR/bail.ndjson"
	cat "$F/pass.ndjson" "$BATS_TEST_TMPDIR/bail.ndjson" > "$BATS_TEST_TMPDIR/two.ndjson"
}

# prove_ok FILE: prove reads the TAP in FILE without a parse error or a bail out, and finds
# exactly test 2 failed of 2.
prove_ok() {
	printf '#!/bin/sh\ncat "%s"\n' "$1" > "$BATS_TEST_TMPDIR/t.t"
	run prove --exec sh "$BATS_TEST_TMPDIR/t.t"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(Wstat: 0 Tests: 2 Failed: 1)"* ]]
	[[ "$output" == *"Failed test:  2"* ]]
	[[ "$output" != *"Parse errors"* ]]
	[[ "$output" != *"Bailout"* ]]
}

@test "reports: write --tap is TAP 13 with YAML details that prove reads as data" {
	run ktstr-sidecar write --run-id r --tap < "$BATS_TEST_TMPDIR/two.ndjson"
	[ "$status" -eq 1 ]
	[ "$output" = 'TAP version 13
ok 1 - steady 1n2l2c1t scx-ktstr (steady-1n2l2c1t-scx)
not ok 2 - steady 1n2l2c1t eevdf (j1)
  ---
  result: "fail"
  details:
    - kind: "SchedulerDied"
      message: "scx_mine exited:\nok 1 - looks like a test\nBail out! looks like the end\n# and a comment\n\x1b[31mred"
    - kind: "Starved"
      message: "cg_0: tid 12 starved (0 work units in 2.0 s)"
    - kind: "Stuck"
      message: "cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)"
    - kind: "Unfair"
      message: "cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)"
  ...
1..2' ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/out.tap"
	prove_ok "$BATS_TEST_TMPDIR/out.tap"
}

@test "reports: JUnit fits the schema, has system-out, keeps newlines in attributes" {
	ktstr-sidecar write --run-id r --junit "$BATS_TEST_TMPDIR/out.xml" < "$BATS_TEST_TMPDIR/two.ndjson" > /dev/null || true
	run xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/out.xml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(xmllint --xpath 'string(//testcase[2]/failure/@message)' "$BATS_TEST_TMPDIR/out.xml")" = "scx_mine exited:
ok 1 - looks like a test
Bail out! looks like the end
# and a comment
?[31mred" ]
	[ "$(xmllint --xpath 'count(//testcase/system-out)' "$BATS_TEST_TMPDIR/out.xml")" = 2 ]
	[ "$(xmllint --xpath 'string(//testcase[1]/system-out)' "$BATS_TEST_TMPDIR/out.xml")" = "result pass
run r, job steady-1n2l2c1t-scx, kernel 7.2.0-1-cloud-amd64, accel kvm, VM 2.5 s, exit poweroff
console_log /runs/r2/steady-1n2l2c1t-scx.console.log" ]
}

@test "reports: runs show RUN --tap / --junit give the same of a stored run" {
	ktstr-sidecar write --run-id r --tap < "$BATS_TEST_TMPDIR/two.ndjson" > "$BATS_TEST_TMPDIR/written.tap" || true
	run ktstr runs show r --tap --junit "$BATS_TEST_TMPDIR/shown.xml"
	[ "$status" -eq 0 ]
	# stored records come in file name order: the failed job j1 first
	[ "$(printf '%s\n' "$output" | sed -n 2p)" = "not ok 1 - steady 1n2l2c1t eevdf (j1)" ]
	[ "$(printf '%s\n' "$output" | grep -v '^[no]' | sort)" = "$(grep -v '^[no]' "$BATS_TEST_TMPDIR/written.tap" | sort)" ]
	xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/shown.xml"
	run ktstr runs show r --tap --json
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr runs: show: --tap and --junit go without --json, --totals and --brief" ]
}

# A build dir whose ktstr-boot replays the failed stream (any jobs in, the same records out).
replay_boot() {
	standin_boot <<-EOF2
	#!/bin/sh
	cat > /dev/null
	cat "$BATS_TEST_TMPDIR/stream.ndjson"
	EOF2
}

@test "reports: ktstr run and ktstr gauntlet --tap / --junit FILE; exit as the run went" {
	# the recorded steady run with its first worker starved, ids as the planner makes them
	jq -c 'if .type == "worker" and .tid == 124 then .work_units = 0 | .steps[0].work_units = 0 else . end' \
		"$BATS_TEST_DIRNAME/../fixtures/eval/steady-eevdf.ndjson" > "$BATS_TEST_TMPDIR/stream.ndjson"
	replay_boot
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor --tap --junit "$BATS_TEST_TMPDIR/run.xml"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "TAP version 13" ]
	[ "${lines[1]}" = "not ok 1 - steady 1n2l2c1t eevdf (steady-1n2l2c1t)" ]
	[ "${lines[-1]}" = "1..1" ]
	xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/run.xml"
	[ "$(xmllint --xpath 'string(//failure/@type)' "$BATS_TEST_TMPDIR/run.xml")" = Starved ]
	sed 's/"steady-1n2l2c1t"/"steady-tiny-2llc-default"/g' "$BATS_TEST_TMPDIR/stream.ndjson" > "$BATS_TEST_TMPDIR/s2"
	mv "$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/stream.ndjson"
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --presets tiny-2llc --profiles default \
		--no-monitor --tap --junit "$BATS_TEST_TMPDIR/g.xml"
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "not ok 1 - steady 1n2l2c1t eevdf (steady-tiny-2llc-default)" ]
	xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/g.xml"
	# a --junit that cannot be written is bad usage, before any VM
	run ktstr run steady --junit /no/such/dir/x.xml
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: --junit /no/such/dir/x.xml: not a file in an existing folder" ]
}
