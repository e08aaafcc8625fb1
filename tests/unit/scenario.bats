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

# The work of group 0 of cg_0 in the plan of a one-group scenario on 1n2l2c1t.
plan_work() {
	check_inline 1n2l2c1t "{\"name\":\"x\",\"cgroups\":[{\"name\":\"cg_0\",\"workers\":[{\"count\":$1,\"work\":$2}]}]}"
	[ "$status" -eq 0 ]
	output=$(printf '%s\n' "$output" | jq -c '.cgroups[0].workers[0] | [.count, .work]')
}

@test "new work types: a bare name gets the defaults in the plan" {
	plan_work 2 '"CachePipe"'
	[ "$output" = '[2,{"type":"CachePipe","size_kb":32,"burst_iters":1024}]' ]
	plan_work 5 '"FutexFanOut"'
	[ "$output" = '[5,{"type":"FutexFanOut","fan_out":4,"spin_iters":1024}]' ]
	plan_work 5 '"FanOutCompute"'
	[ "$output" = '[5,{"type":"FanOutCompute","fan_out":4,"cache_footprint_kb":256,"operations":5,"sleep_usec":100}]' ]
	plan_work 1 '"NiceSweep"'
	[ "$output" = '[1,{"type":"NiceSweep"}]' ]
	plan_work 1 '"AffinityChurn"'
	[ "$output" = '[1,{"type":"AffinityChurn","spin_iters":1024}]' ]
	plan_work 1 '"PolicyChurn"'
	[ "$output" = '[1,{"type":"PolicyChurn","spin_iters":1024}]' ]
	plan_work 4 '"MutexContention"'
	[ "$output" = '[4,{"type":"MutexContention","contenders":4,"hold_iters":256,"work_iters":1024}]' ]
}

@test "new work types: parameters, Sequence phases and a Custom command come back in the plan" {
	plan_work 6 '{"type":"FutexFanOut","fan_out":2,"spin_iters":64}'
	[ "$output" = '[6,{"type":"FutexFanOut","fan_out":2,"spin_iters":64}]' ]
	plan_work 3 '{"type":"MutexContention","contenders":3,"hold_iters":10}'
	[ "$output" = '[3,{"type":"MutexContention","contenders":3,"hold_iters":10,"work_iters":1024}]' ]
	plan_work 1 '{"type":"Sequence","phases":[{"spin_ms":10},{"sleep_ms":5},{"yield_ms":2},{"io_ms":1},{"spin_ms":3}]}'
	[ "$output" = '[1,{"type":"Sequence","phases":[{"spin_ms":10},{"sleep_ms":5},{"yield_ms":2},{"io_ms":1},{"spin_ms":3}]}]' ]
	plan_work 1 '{"type":"Custom","path":"/usr/bin/stress","args":["--cpu","1"]}'
	[ "$output" = '[1,{"type":"Custom","path":"/usr/bin/stress","args":["--cpu","1"]}]' ]
	plan_work 1 '{"type":"Custom","path":"/bin/true"}'
	[ "$output" = '[1,{"type":"Custom","path":"/bin/true","args":[]}]' ]
	# per_cpu rounds down to whole groups, and to one group when the CPUs are fewer
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":"per_cpu","work":{"type":"FanOutCompute","fan_out":1}}]}]}'
	[ "$(printf '%s\n' "$output" | jq '.cgroups[0].workers[0].count')" -eq 4 ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":"per_cpu","work":"MutexContention"}]}]}'
	[ "$(printf '%s\n' "$output" | jq '.cgroups[0].workers[0].count')" -eq 4 ]
}

@test "new work types: group sizes are enforced with the JSON path" {
	local p="ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0]"
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":3,"work":"FutexFanOut"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: FutexFanOut requires count divisible by 5, got 3" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":4,"work":{"type":"FanOutCompute","fan_out":2}}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: FanOutCompute requires count divisible by 3, got 4" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":6,"work":"MutexContention"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: MutexContention requires count divisible by 4, got 6" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":1,"work":"CachePipe"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: CachePipe requires count divisible by 2, got 1" ]
	check_inline 1n2l2c1t '{"name":"x","steps":[{"ops":[{"op":"spawn_host","workers":{"count":2,"work":"FutexFanOut"}}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.steps[0].ops[0].workers: FutexFanOut requires count divisible by 5, got 2" ]
}

@test "new work types: bad parameters are named" {
	local p="ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0].work"
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":5,"work":{"type":"FutexFanOut","fanout":4}}]}]}'
	[ "$output" = "$p: FutexFanOut has no parameter \"fanout\"" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":2,"work":{"type":"FutexFanOut","fan_out":1024}}]}]}'
	[ "$output" = "$p.fan_out: expected an integer from 1 to 1023" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":2,"work":{"type":"MutexContention","contenders":0}}]}]}'
	[ "$output" = "$p.contenders: expected an integer from 1 to 1024" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"CachePipe","size_kb":-1}}]}]}'
	[ "$output" = "$p.size_kb: expected a positive integer" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"NiceSweep","spin_iters":3}}]}]}'
	[ "$output" = "$p: NiceSweep has no parameter \"spin_iters\"" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"AffinityChurn","spin_iters":"many"}}]}]}'
	[ "$output" = "$p.spin_iters: expected a positive integer" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"PolicyChurn","policy":"fifo"}}]}]}'
	[ "$output" = "$p: PolicyChurn has no parameter \"policy\"" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"count":5,"work":{"type":"FanOutCompute","sleep_usec":0}}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p.sleep_usec: expected a positive integer" ]
}

@test "new work types: Sequence and Custom need their lists, checked phase by phase" {
	local p="ktstr-init: $BATS_TEST_TMPDIR/s.json: scenario.cgroups[0].workers[0].work"
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":"Sequence"}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: Sequence needs {\"type\": \"Sequence\", \"phases\": [...]}" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Sequence","phases":[]}}]}]}'
	[ "$output" = "$p.phases: expected an array of 1 to 16 phases" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Sequence","phases":[{"spin_ms":1},{"nap_ms":1}]}}]}]}'
	[ "$output" = "$p.phases[1]: expected one of {\"spin_ms\": N}, {\"sleep_ms\": N}, {\"yield_ms\": N}, {\"io_ms\": N}" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Sequence","phases":[{"spin_ms":1,"sleep_ms":1}]}}]}]}'
	[ "$output" = "$p.phases[0]: expected one of {\"spin_ms\": N}, {\"sleep_ms\": N}, {\"yield_ms\": N}, {\"io_ms\": N}" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Sequence","phases":[{"io_ms":0}]}}]}]}'
	[ "$output" = "$p.phases[0].io_ms: expected an integer from 1 to 3600000" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":"Custom"}]}]}'
	[ "$output" = "$p: Custom needs {\"type\": \"Custom\", \"path\": \"/...\", \"args\": [...]}" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Custom","path":"bin/x"}}]}]}'
	[ "$output" = "$p.path: expected the binary's absolute path" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Custom","path":"/bin/x","args":["-v",2]}}]}]}'
	[ "$output" = "$p.args[1]: expected a string" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"cg_0","workers":[{"work":{"type":"Custom","path":"/bin/x","phases":[]}}]}]}'
	[ "$status" -eq 2 ]
	[ "$output" = "$p: Custom has no parameter \"phases\"" ]
}
