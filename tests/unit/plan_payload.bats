#!/usr/bin/env bats
# ktstr-topo plan: --repeat, --payload, and payload definitions checked before any VM.
load ../helpers

setup() {
	export KTSTR_ACCEL=tcg
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
	export KTSTR_PAYLOADS_DIR="$BATS_TEST_TMPDIR/payloads"
	mkdir -p "$KTSTR_RUNS_DIR" "$KTSTR_PAYLOADS_DIR"
	# a payload whose binary every host has
	echo '{"name":"t","binary":"sh","default_args":["-c","echo v: 1"],"output":"lines","metrics":[{"name":"v","unit":"s","polarity":"lower"}]}' \
		> "$KTSTR_PAYLOADS_DIR/t.json"
}

@test "plan --repeat: every job N times, round-robin, ids .rK and a repeat object" {
	run ktstr-topo plan steady cgroup_remove --topo 1n2l2c1t --repeat 3
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '[.id, .repeat.index, .repeat.of, .test] | @tsv')" = "$(printf '%s\t%s\t3\t%s\n' \
		steady-1n2l2c1t.r1 1 steady cgroup_remove-1n2l2c1t.r1 1 cgroup_remove \
		steady-1n2l2c1t.r2 2 steady cgroup_remove-1n2l2c1t.r2 2 cgroup_remove \
		steady-1n2l2c1t.r3 3 steady cgroup_remove-1n2l2c1t.r3 3 cgroup_remove)" ]
	run ktstr-topo plan steady --repeat 0
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: --repeat '0': not a number from 1 to 1000" ]
}

@test "plan --payload: a run_payload op first in the first step, the definition and the host's binary in the job" {
	run ktstr-topo plan steady --topo 1n2l2c1t --payload t@cg_1
	[ "$status" -eq 0 ]
	[ "$(jq -c '.scenario.steps' <<<"$output")" = '[{"ops":[{"op":"run_payload","payload":"t","cgroup":"cg_1"}]}]' ]
	[ "$(jq -c '.payloads.t | [.args, .definition.name]' <<<"$output")" = '[["-c","echo v: 1"],"t"]' ]
	[ "$(jq -r '.payloads.t.path' <<<"$output")" = "$(realpath "$(command -v sh)")" ]
}

@test "plan: bad payloads exit 2 naming the file and the field, before any VM" {
	run ktstr-topo plan steady --payload nope@cg_0
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: scenario file $KTSTR_SHARE_DIR/scenarios/steady.json: payload \"nope\": $KTSTR_PAYLOADS_DIR/nope.json: no such definition" ]
	run ktstr-topo plan steady --payload t@cg_7
	[ "$output" = "ktstr-topo: --payload t@cg_7 in steady: scenario.steps[0].ops[0]: no cgroup \"cg_7\" at this point" ]
	echo '{"name":"t","binary":"sh","metrics":[{"name":"v","unit":"s"}]}' > "$KTSTR_PAYLOADS_DIR/t.json"
	run ktstr-topo plan steady --payload t
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: payload definition $KTSTR_PAYLOADS_DIR/t.json: payload.metrics[0].polarity: missing (\"higher\" or \"lower\" is better)" ]
	echo '{"name":"t","binary":"sh","metrics":[{"name":"v","polarity":"lower","regex":"(["}]}' > "$KTSTR_PAYLOADS_DIR/t.json"
	run ktstr-topo plan steady --payload t
	[ "$output" = "ktstr-topo: payload definition $KTSTR_PAYLOADS_DIR/t.json: payload.metrics[0].regex: not an extended regular expression" ]
	echo '{"name":"t","binary":"sh","output":"xml"}' > "$KTSTR_PAYLOADS_DIR/t.json"
	run ktstr-topo plan steady --payload t
	[ "$output" = "ktstr-topo: payload definition $KTSTR_PAYLOADS_DIR/t.json: payload.output: expected one of \"text\", \"lines\", \"json\"" ]
	echo '{"name":"t","binary":"no-such-benchmark-here","package":"bench-pkg"}' > "$KTSTR_PAYLOADS_DIR/t.json"
	run ktstr-topo plan steady --payload t
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: payload \"t\": binary no-such-benchmark-here not found on this host (install the package bench-pkg)" ]
	echo '{"name":"u","binary":"sh"}' > "$KTSTR_PAYLOADS_DIR/t.json"
	run ktstr-topo plan steady --payload t
	[ "$output" = "ktstr-topo: payload definition $KTSTR_PAYLOADS_DIR/t.json: payload.name \"u\" is not the file's name" ]
}

@test "the shipped payload definitions are valid" {
	unset KTSTR_PAYLOADS_DIR
	for f in "$KTSTR_SHARE_DIR"/payloads/*.json; do
		n=$(basename "$f" .json)
		jq -e --arg n "$n" '.name == $n and (.metrics | length > 0) and all(.metrics[]; .polarity and .unit)' "$f" > /dev/null
	done
}
