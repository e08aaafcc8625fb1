#!/usr/bin/env bats
# ktstr-eval on guest records it cannot trust: wrong types and out-of-range values are bad input
# (exit 2 naming the line and field), sums of huge counts saturate, step numbers do not wrap.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/eval"

# worker0 JQ-EXPR: steady-eevdf with the first worker (line 6) changed by JQ-EXPR.
worker0() {
	jq -c "if .type == \"worker\" and .tid == 124 then $1 else . end" "$F/steady-eevdf.ndjson"
}

@test "eval input: a worker field of the wrong type or range exits 2 naming it, no verdict" {
	while IFS='|' read -r expr want; do
		worker0 "$expr" > "$BATS_TEST_TMPDIR/in"
		run --separate-stderr ktstr-eval < "$BATS_TEST_TMPDIR/in"
		[ "$status" -eq 2 ] || { echo "$expr: status $status" >&2; return 1; }
		[ "$stderr" = "ktstr-eval: stdin:6: worker record: $want" ] || { echo "$expr: $stderr" >&2; return 1; }
		! grep -q '"type":"verdict"' <<< "$output"
	done <<-'EOF'
	.work_units = "349331456"|"work_units" must be a whole number >= 0
	.work_units = 1e300|"work_units" must be a whole number >= 0
	.wall_time_ns = -1|"wall_time_ns" must be a whole number >= 0
	.tid = true|"tid" must be a whole number >= 0
	.max_gap_ms = "25"|"max_gap_ms" must be a number >= 0
	.cpus_used = "0-4096"|"cpus_used": "0-4096": column 3: CPU number too large
	.cpus_used = "3-0"|"cpus_used": "3-0": column 3: range goes backwards
	.cpus_used = 2|"cpus_used" must be a CPU list
	.cpuset = "x"|"cpuset": "x": column 1: expected a CPU number
	.steps[0].cpus_used = "3-0"|steps[0]: "cpus_used": "3-0": column 3: range goes backwards
	.steps[0].index = 2147483648|steps[0]: "index" must be a step number from 0 to 2147483647
	.steps = [1]|steps[0] must be an object
	.wake_latency.cv = "x"|wake_latency: "cv" must be a number >= 0
	.cgroup = 1|"cgroup" must be a string or null
	.nice = 20|"nice" must be a whole number from -20 to 19
	.policy = 3|"policy" must be a string
	EOF
}

@test "eval input: a step, scenario_end or sample time that is not a time exits 2 naming it, no verdict" {
	while IFS='|' read -r fixture type expr want; do
		jq -c "if .type == \"$type\" then $expr else . end" "$F/$fixture" > "$BATS_TEST_TMPDIR/in"
		line=$(grep -n -m 1 "\"type\":\"$type\"" "$BATS_TEST_TMPDIR/in" | cut -d: -f1)
		run --separate-stderr ktstr-eval < "$BATS_TEST_TMPDIR/in"
		[ "$status" -eq 2 ] || { echo "$type $expr: status $status" >&2; return 1; }
		[ "$stderr" = "ktstr-eval: stdin:$line: $type record: $want" ] || { echo "$type $expr: $stderr" >&2; return 1; }
		! grep -q '"type":"verdict"' <<< "$output"
	done <<-'EOF'
	steady-eevdf.ndjson|step|.t_ms = 1e300|"t_ms" must be a time in ms within +-9007199254740992
	steady-eevdf.ndjson|step|.t_ms = -1e300|"t_ms" must be a time in ms within +-9007199254740992
	steady-eevdf.ndjson|scenario_end|.t_ms = 1e300|"t_ms" must be a time in ms within +-9007199254740992
	steady-eevdf.ndjson|scenario_end|.t_ms = "5350"|"t_ms" must be a time in ms within +-9007199254740992
	add-step-scx.ndjson|sample|.t_ms = 1e300|"t_ms" must be a time in ms within +-9007199254740992
	EOF
}

@test "eval input: a worker outside the scenario's cgroups (cgroup null, as spawn_host writes) is judged" {
	worker0 '.cgroup = null' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-eval < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(tail -n 1 <<< "$output" | jq -r .result)" = pass ]
}

@test "eval input: counts summing past the largest integer saturate, never wrap negative" {
	sed 's/"work_units":[0-9]*/"work_units":9223372036854775807/g; s/"iterations":[0-9]*/"iterations":9223372036854775807/g' \
		"$F/steady-eevdf.ndjson" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-eval < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	v=$(grep '"type":"verdict"' <<< "$output")
	[ "$(grep -o '"total_work_units":[-0-9]*' <<< "$v" | sort -u)" = '"total_work_units":9223372036854775807' ]
	[ "$(grep -o '"total_iterations":[-0-9]*' <<< "$v" | sort -u)" = '"total_iterations":9223372036854775807' ]
}

@test "eval input: the largest step index is named as itself plus one, without overflow" {
	sed 's/{"index":1,"cpus_used":"1,3"/{"index":2147483647,"cpus_used":"1,3"/' \
		"$F/isolation-outside.ndjson" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-eval --check isolation=true < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(grep '"type":"verdict"' <<< "$output" | jq -r '.details[].message')" = "cg_1: tid 124 ran on CPUs 3 outside its cpuset 1-2 in step 2147483648 of 2" ]
}

@test "eval input: a console flood keeps the first 500 and the last 500 lines, and says so" {
	{
		grep -v '"phase":"exited"' "$F/steady-eevdf.ndjson" | grep -v scenario_end
		seq 1 3000 | jq -c '{type: "console", job: "steady-1n2l2c1t", line: "flood \(.)"}'
		grep '"phase":"exited"' "$F/steady-eevdf.ndjson" | sed 's/"reason":"[a-z]*"/"reason":"panic"/'
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-eval < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	v=$(grep '"type":"verdict"' <<< "$output")
	[ "$(jq -r '.details[0].kind, (.details | length), .details[500].message, .details[501].message, .details[502].message, .details[-1].message' <<< "$v")" = "KernelPanic
1002
flood 500
[ktstr-eval: 2000 console lines left out here]
flood 2501
flood 3000" ]
}

@test "eval input: 30,000 jobs interleaved in one stream are found by id, not by a walk" {
	seq 0 89999 | awk '{ printf "{\"type\":\"guest\",\"job\":\"j%d\",\"t_ms\":%d}\n", $1 % 30000, $1 }' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr timeout 30 ktstr-eval < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 90000 ]
}

@test "eval: max_gap_cpu -1 (a worker that took no checkpoint, as ForkExit does) is valid input" {
	jq -c 'if .type == "worker" then .max_gap_cpu = -1 else . end' "$BATS_TEST_DIRNAME/../fixtures/eval/steady-eevdf.ndjson" |
		ktstr-eval > /dev/null
	run sh -c "jq -c 'if .type == \"worker\" then .max_gap_cpu = -2 else . end' '$BATS_TEST_DIRNAME/../fixtures/eval/steady-eevdf.ndjson' | ktstr-eval 2>&1 >/dev/null"
	[ "$output" = 'ktstr-eval: stdin:6: worker record: "max_gap_cpu" must be a CPU number, or -1' ] || { echo "$output"; false; }
}
