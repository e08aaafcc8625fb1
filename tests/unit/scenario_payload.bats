#!/usr/bin/env bats
# Payload ops in the scenario language: the plan they resolve to and the errors that name them.
load ../helpers

init() { "$KTSTR_BUILD_DIR/guest/ktstr-init" "$@"; }

check_inline() {
	printf '%s\n' "$2" > "$BATS_TEST_TMPDIR/s.json"
	run init --check-scenario "$BATS_TEST_TMPDIR/s.json" --topo "$1"
}

@test "payload ops: run, wait and kill resolve with their defaults" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0"}],"steps":[{"ops":[{"op":"run_payload","payload":"hackbench","cgroup":"cg_0","timeout_ms":5000,"checks":[{"metric":"time","max":9},{"exit_code":0}]},{"op":"run_payload","payload":"stress-ng","id":"s2","args":["--cpu","1"]}]},{"ops":[{"op":"wait_payload","id":"hackbench","timeout_ms":100},{"op":"kill_payload","id":"s2","signal":"INT"}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.steps[].ops]' <<<"$output")" = '[[{"op":"run_payload","id":"hackbench","payload":"hackbench","cgroup":"cg_0","timeout_ms":5000},{"op":"run_payload","id":"s2","payload":"stress-ng","cgroup":null,"args":["--cpu","1"]}],[{"op":"wait_payload","id":"hackbench","timeout_ms":100},{"op":"kill_payload","id":"s2","signal":"INT"}]]' ]
}

@test "payload ops: a handle runs once at a time; wait and kill need a running one" {
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio"},{"op":"run_payload","payload":"fio"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[1]: payload \"fio\" is already running (wait_payload or kill_payload it first, or give another \"id\")" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio"},{"op":"wait_payload","id":"fio"}]},{"ops":[{"op":"kill_payload","id":"fio"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[1].ops[0]: no running payload \"fio\" at this point" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio"},{"op":"wait_payload","id":"fio"},{"op":"run_payload","payload":"fio"}]}]}'
	[ "$status" -eq 0 ]
}

@test "payload ops: errors name the field" {
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"../bin/sh"}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].payload: expected a name of 1-64 letters, digits, '_', '.' or '-'" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","cgroup":"cg_9"}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0]: no cgroup \"cg_9\" at this point" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","args":["a",1]}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].args[1]: expected a string" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","timeout_ms":0}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].timeout_ms: expected milliseconds from 1 to 86400000" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","checks":[{"metric":"iops","range":[5,1]}]}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].checks[0].range: expected [low, high] with low <= high" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","checks":[{"metric":"iops"}]}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].checks[0]: expected min, max, range or exists" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","checks":[{"exit_code":300}]}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].checks[0]: expected {\"exit_code\": 0-255} alone" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio"},{"op":"kill_payload","id":"fio","signal":"HUP"}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[1].signal: expected \"TERM\", \"INT\" or \"KILL\"" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio","nice":1}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0]: unknown key \"nice\"" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"run_payload","payload":"fio"}],"hold":{"loop_ms":100}}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0]: payload ops cannot repeat in a loop_ms step" ]
}

@test "the bench scenarios parse" {
	for f in "$KTSTR_SHARE_DIR"/bench/*.json; do
		run init --check-scenario "$f" --topo 1n1l2c1t
		[ "$status" -eq 0 ]
	done
}
