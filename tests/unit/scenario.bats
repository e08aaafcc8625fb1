#!/usr/bin/env bats
# The scenario language, checked on the host: ktstr-init --check-scenario prints the plan.
load ../helpers

init() { "$KTSTR_BUILD_DIR/guest/ktstr-init" "$@"; }
scen() { echo "$KTSTR_SHARE_DIR/scenarios/$1.json"; }

# Write a scenario to a file and check it on topology $1.
check_inline() {
	printf '%s\n' "$2" > "$BATS_TEST_TMPDIR/s.json"
	run init --check-scenario "$BATS_TEST_TMPDIR/s.json" --topo "$1"
}

@test "steady resolves to two cgroups of 2 CpuSpin workers holding the whole duration" {
	run init --check-scenario "$(scen steady)" --topo 1n2l2c1t --duration-ms 3000
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"plan","scenario":"steady","topo":"1n2l2c1t","result":"ok","usable_cpus":"0-2","duration_ms":3000,"cgroups":[{"name":"cg_0","cpuset":null,"workers":[{"count":2,"work":{"type":"CpuSpin"},"policy":"normal","nice":0,"affinity":"inherit"}]},{"name":"cg_1","cpuset":null,"workers":[{"count":2,"work":{"type":"CpuSpin"},"policy":"normal","nice":0,"affinity":"inherit"}]}],"steps":[{"index":0,"ops":[],"cgroups":[],"hold":{"ms":3000}}]}' ]
}

@test "cpuset_apply splits the usable CPUs in the second half" {
	run init --check-scenario "$(scen cpuset_apply)" --topo 1n2l2c1t
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.steps[] | [.hold.ms, [.ops[] | .cgroup + "=" + .cpuset]]]' <<<"$output")" = '[[1000,[]],[1000,["cg_0=0","cg_1=1-2"]]]' ]
}

@test "steady_llc puts each cgroup on its LLC's usable CPUs" {
	printf '{"type":"topo","numa_nodes":2,"llcs":4,"cores_per_llc":2,"threads_per_core":2}\n' > "$BATS_TEST_TMPDIR/topo.json"
	run init --check-scenario "$(scen steady_llc)" --topo-json "$BATS_TEST_TMPDIR/topo.json"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.topo, .usable_cpus, [.cgroups[].cpuset]]' <<<"$output")" = '["2n4l2c2t","0-14",["0-3","4-7"]]' ]
}

@test "steady_llc skips itself on one LLC (exit 77, reason)" {
	run init --check-scenario "$(scen steady_llc)" --topo 1n1l2c1t
	[ "$status" -eq 77 ]
	[ "$(jq -r '.result + ": " + .reason' <<<"$output")" = "skip: needs >= 2 LLCs, topology has 1" ]
}

@test "cgroup_add and cpuset_resize skip below 4 CPUs" {
	run init --check-scenario "$(scen cgroup_add)" --topo 1n1l2c1t
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "needs >= 4 CPUs, topology has 2" ]
	run init --check-scenario "$(scen cpuset_resize)" --topo 1n1l2c1t
	[ "$status" -eq 77 ]
}

@test "a partition with more parts than usable CPUs skips with the cgroup named" {
	check_inline 1n1l2c1t '{"name":"x","cgroups":[{"name":"cg_0","cpuset":{"disjoint":{"index":3,"of":4}}}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "cpuset of cg_0: not enough CPUs: 4 parts of 2 usable CPUs" ]
}

@test "overlap, range, numa and exact specs resolve" {
	check_inline 2n2l4c1t '{"name":"x","cgroups":[
		{"name":"a","cpuset":{"overlap":{"index":1,"of":3,"frac":0.5}}},
		{"name":"b","cpuset":{"range":[0.5,1]}},
		{"name":"c","cpuset":{"numa":1}},
		{"name":"d","cpuset":{"exact":"1,3-4"}}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.usable_cpus, [.cgroups[].cpuset]]' <<<"$output")" = '["0-6",["1-4","3-6","4-6","1,3-4"]]' ]
}

@test "per_cpu counts and step holds resolve" {
	check_inline 1n2l2c2t '{"name":"x","steps":[{"ops":[{"op":"spawn_host","workers":{"count":"per_cpu","work":"PipeIo"}}],"hold":{"frac":0.25}},{"hold":{"loop_ms":100}}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.steps[0].ops[0].workers.count, .steps[0].hold, .steps[1].hold]' <<<"$output")" = '[8,{"ms":500},{"loop_ms":100}]' ]
}

@test "every canned scenario parses" {
	for f in "$KTSTR_SHARE_DIR"/scenarios/*.json; do
		run init --check-scenario "$f" --topo 2n4l2c2t
		echo "$f: $output"
		[ "$status" -eq 0 ]
	done
	[ "$(ls "$KTSTR_SHARE_DIR"/scenarios/*.json | wc -l)" -eq 14 ]
}

@test "errors name the JSON path: partition index" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","cpuset":{"disjoint":{"index":2,"of":2}}}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].cpuset.disjoint: index 2 must be below of 2" ]
}

@test "errors name the JSON path: an op on a cgroup that does not exist then" {
	check_inline 1n2l2c1t '{"name":"x","steps":[{"cgroups":[{"name":"cg_0"}]},{"ops":[{"op":"stop_cgroup","cgroup":"cg_0"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[1].ops[0]: no cgroup \"cg_0\" at this point" ]
}

@test "errors name the JSON path: paired work type with an odd count" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":3,"work":"PipeIo"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0]: PipeIo requires count divisible by 2, got 3" ]
}

@test "errors: unknown work type, unknown key, bad policy, bad name, bad hold" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Bursty","burst":5}}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0].work: Bursty has no parameter \"burst\"" ]
	check_inline 1n2l2c1t '{"name":"x","cgroup":[]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario: unknown key \"cgroup\"" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"a","workers":[{"policy":"fifo:100"}]}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0].policy: expected normal, batch, idle, fifo:PRIO or rr:PRIO (1-99)" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"../etc"}]}'
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].name: expected a cgroup name like \"cg_0\" or \"cg_0/sub\"" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"hold":{"frac":0}}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].hold.frac: expected a fraction > 0" ]
}

@test "bad JSON and bad topology are usage errors" {
	check_inline 1n2l2c1t '{"name":'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: scenario $BATS_TEST_TMPDIR/s.json:2:0: unexpected token near end of file" ]
	run init --check-scenario "$(scen steady)" --topo 1n2x
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: --topo 1n2x: expected NnNlNcNt, e.g. 1n2l4c2t" ]
	run init --check-scenario "$(scen steady)"
	[ "$status" -eq 2 ]
}
