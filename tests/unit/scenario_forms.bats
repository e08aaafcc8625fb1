#!/usr/bin/env bats
# Scenario forms the catalog needs: holdback, misaligned and cpu_at cpusets, first:N affinity,
# per_cpu cgroup generators, mem_policy, and the planner's keys (category, flags).
load ../helpers

init() { "$KTSTR_BUILD_DIR/guest/ktstr-init" "$@"; }

check_inline() {
	printf '%s\n' "$2" > "$BATS_TEST_TMPDIR/s.json"
	run init --check-scenario "$BATS_TEST_TMPDIR/s.json" --topo "$1"
}
err_is() { [ "$output" = "ktstr-init: $BATS_TEST_TMPDIR/s.json: $1" ]; }

@test "holdback keeps len - floor(len * frac) usable CPUs and splits them" {
	s='{"name":"x","cgroups":[{"name":"a","cpuset":{"holdback":{"frac":0.33,"index":0,"of":2}}},
		{"name":"b","cpuset":{"holdback":{"frac":0.33,"index":1,"of":2}}}]}'
	check_inline 2n2l4c2t "$s"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.usable_cpus, [.cgroups[].cpuset]]' <<<"$output")" = '["0-14",["0-4","5-10"]]' ]
	check_inline 1n2l2c1t "$s"
	[ "$(jq -c '[.usable_cpus, [.cgroups[].cpuset]]' <<<"$output")" = '["0-2",["0","1-2"]]' ]
}

@test "holdback with too few CPUs left skips, saying how many were held back" {
	check_inline 1n1l2c1t '{"name":"x","cgroups":[{"name":"a","cpuset":{"holdback":{"frac":0.5,"index":0,"of":3}}}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "cpuset of a: not enough CPUs: 3 parts of the 1 left when 1 of 2 usable CPUs are held back" ]
}

@test "misaligned splits half way through LLC 0 (or the usable CPUs on one LLC)" {
	s='{"name":"x","cgroups":[{"name":"a","cpuset":{"misaligned":0}},{"name":"b","cpuset":{"misaligned":1}}]}'
	check_inline 2n2l4c2t "$s"
	[ "$(jq -c '[.cgroups[].cpuset]' <<<"$output")" = '["0-3","4-14"]' ]
	check_inline 1n2l2c1t "$s"
	[ "$(jq -c '[.cgroups[].cpuset]' <<<"$output")" = '["0","1-2"]' ]
	check_inline 1n1l4c1t "$s"
	[ "$(jq -c '[.cgroups[].cpuset]' <<<"$output")" = '["0","1-2"]' ]
}

@test "misaligned skips when LLC 0 has one usable CPU; only 0 and 1 are parts" {
	check_inline 1n2l1c1t '{"name":"x","cgroups":[{"name":"a","cpuset":{"misaligned":0}}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "cpuset of a: not enough CPUs: LLC 0 has 1 usable CPUs, too few to split" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"a","cpuset":{"misaligned":2}}]}'
	[ "$status" -eq 2 ]
	err_is "scenario.cgroups[0].cpuset.misaligned: expected 0 (the CPUs before the split) or 1 (from it on)"
}

@test "cpu_at is the one usable CPU at that fraction of the list" {
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","cpuset":{"cpu_at":0}},{"name":"b","cpuset":{"cpu_at":0.5}},
		{"name":"c","cpuset":{"cpu_at":1}}],"steps":[{"ops":[{"op":"set_cpuset","cgroup":"a","cpuset":{"cpu_at":0.25}}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[[.cgroups[].cpuset], .steps[0].ops[0].cpuset]' <<<"$output")" = '[["0","7","14"],"3"]' ]
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","cpuset":{"cpu_at":1.5}}]}'
	[ "$status" -eq 2 ]
	err_is "scenario.cgroups[0].cpuset.cpu_at: expected a fraction from 0 to 1"
}

@test "holdback takes exactly frac, index and of" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"a","cpuset":{"holdback":{"frac":0.5,"index":0,"of":2,"x":1}}}]}'
	[ "$status" -eq 2 ]
	err_is 'scenario.cgroups[0].cpuset.holdback: unknown key "x"'
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"a","cpuset":{"holdback":{"index":0,"of":2}}}]}'
	err_is "scenario.cgroups[0].cpuset.holdback.frac: expected a fraction from 0 to 1"
}

@test "first:N pins to the pool's first N CPUs; N from 1" {
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","cpuset":{"disjoint":{"index":1,"of":2}},"workers":[{"affinity":"first:2"}]}],
		"steps":[{"ops":[{"op":"set_affinity","cgroup":"a","affinity":"first:3"}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.cgroups[0].workers[0].affinity, .steps[0].ops[0].affinity]' <<<"$output")" = '["first:2","first:3"]' ]
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","workers":[{"affinity":"first:0"}]}]}'
	[ "$status" -eq 2 ]
	err_is 'scenario.cgroups[0].workers[0].affinity: "first:0": expected first:N with N from 1 to 4096'
}

@test "a per_cpu generator makes NAME_0.. on one usable CPU each, up to its cap" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"many","per_cpu":64,"workers":[{"count":1}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '.cgroups' <<<"$output")" = '[{"name":"many_0","cpuset":"0","workers":[{"count":1,"work":{"type":"CpuSpin"},"policy":"normal","nice":0,"affinity":"inherit"}]},{"name":"many_1","cpuset":"1","workers":[{"count":1,"work":{"type":"CpuSpin"},"policy":"normal","nice":0,"affinity":"inherit"}]},{"name":"many_2","cpuset":"2","workers":[{"count":1,"work":{"type":"CpuSpin"},"policy":"normal","nice":0,"affinity":"inherit"}]}]' ]
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"many","per_cpu":2,"workers":[]}]}'
	[ "$(jq -c '[.cgroups[] | [.name, .cpuset, .workers]]' <<<"$output")" = '[["many_0","0",[]],["many_1","1",[]]]' ]
}

@test "a generator's cpuset is its pool; step-local generators expand in their step" {
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"hi","cpuset":{"range":[0.8,1]},"per_cpu":15,"workers":[]}],
		"steps":[{"cgroups":[{"name":"lo","cpuset":{"llc":1},"per_cpu":3}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[[.cgroups[] | .name + "=" + .cpuset], [.steps[0].cgroups[] | .name + "=" + .cpuset]]' <<<"$output")" = '[["hi_0=12","hi_1=13","hi_2=14"],["lo_0=8","lo_1=9","lo_2=10"]]' ]
}

@test "a generator whose pool does not resolve skips; ops cannot name generated cgroups; bad cap" {
	check_inline 1n1l2c1t '{"name":"x","cgroups":[{"name":"g","cpuset":{"disjoint":{"index":0,"of":4}},"per_cpu":4}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "cpuset of g: not enough CPUs: 4 parts of 2 usable CPUs" ]
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"g","per_cpu":4}],"steps":[{"ops":[{"op":"stop_cgroup","cgroup":"g"}]}]}'
	[ "$status" -eq 2 ]
	err_is 'scenario.steps[0].ops[0]: no cgroup "g" at this point'
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"g","per_cpu":0}]}'
	[ "$status" -eq 2 ]
	err_is "scenario.cgroups[0].per_cpu: expected the most cgroups to make, 1 to 1024"
}

@test "mem_policy: shown in the plan when set, absent when default" {
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","workers":[{"mem_policy":"bind:0-1"},{"mem_policy":"preferred:1"},
		{"mem_policy":"interleave:0,1"},{"mem_policy":"local"},{"mem_policy":"default"}]}],
		"steps":[{"ops":[{"op":"spawn_host","workers":{"count":1,"mem_policy":"bind:1"}}]}]}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[[.cgroups[0].workers[].mem_policy], .steps[0].ops[0].workers.mem_policy]' <<<"$output")" = '[["bind:0-1","preferred:1","interleave:0-1","local",null],"bind:1"]' ]
}

@test "mem_policy naming a node the topology lacks skips; malformed ones are errors" {
	check_inline 1n2l2c1t '{"name":"x","cgroups":[{"name":"a","workers":[{"mem_policy":"bind:0-1"}]}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "workers of a: mem_policy names NUMA nodes 0-1, topology has 1" ]
	check_inline 2n2l4c2t '{"name":"x","steps":[{"ops":[{"op":"spawn_host","workers":{"mem_policy":"interleave:2"}}]}]}'
	[ "$status" -eq 77 ]
	[ "$(jq -r .reason <<<"$output")" = "step 0: spawn in host: mem_policy names NUMA nodes 2, topology has 2" ]
	msg="expected default, local, bind:NODES, preferred:NODE or interleave:NODES"
	for bad in '"preferred:0-1"' '"bind"' '"local:0"' '"bind:"' '"weighted:0"' '3'; do
		check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","workers":[{"mem_policy":'"$bad"'}]}]}'
		[ "$status" -eq 2 ]
		[[ "$output" == *"scenario.cgroups[0].workers[0].mem_policy: "* ]] || { echo "$bad: $output"; return 1; }
	done
	check_inline 2n2l4c2t '{"name":"x","cgroups":[{"name":"a","workers":[{"mem_policy":"preferred:0-1"}]}]}'
	err_is "scenario.cgroups[0].workers[0].mem_policy: $msg"
}

@test "category and flags are the planner's: accepted and left out of the plan" {
	check_inline 1n2l2c1t '{"name":"x","category":"advanced","flags":{"requires":["borrow"],"excludes":["reject-pin"]}}'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[has("category"), has("flags"), .result]' <<<"$output")" = '[false,false,"ok"]' ]
}
