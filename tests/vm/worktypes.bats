#!/usr/bin/env bats
# The work types beyond the first eleven, each in a real VM under EEVDF, judged by the
# telemetry of its own worker events (tests/fixtures/worktypes/: one scenario per type).
load ../helpers

bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/worktypes"

teardown() {
	[ -z "${LENT:-}" ] || rm -rf "$LENT"
}

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

# Run a scenario file (for 2 s unless more options say otherwise) on two CPUs; it must pass.
run_scenario() {
	run ktstr run "$@" --topo 1n1l2c1t --scheduler eevdf
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
}

# jq -s over the worker events of the run.
workers() {
	cat "$KTSTR_RUNS_DIR"/*/stream.ndjson | jq -s "${@:1:$#-1}" "[.[] | select(.type == \"worker\")] | ${!#}"
}

@test "worktypes: CachePipe measures a pipe wake-up every round, partners in step" {
	run_scenario "$FIX/cache_pipe.json"
	[ "$(workers 'length')" -eq 4 ]
	# every round is one wake-up, and the two sides of a pair take turns
	workers -e 'all(.wake_latency.count == .iterations and .iterations >= 100)'
	workers -e 'all(.wake_latency | .p50_ns > 0 and .p50_ns <= .p99_ns and .p99_ns <= .max_ns and .max_ns < 2e9)'
	workers -e '[.[1].iterations - .[0].iterations, .[3].iterations - .[2].iterations] | all(. >= -1 and . <= 1)'
	workers -e 'all(.work_units == .iterations * 1024)'
}

@test "worktypes: FutexFanOut receivers measure each wake-up; the messenger measures none" {
	run_scenario "$FIX/fan_out.json"
	[ "$(workers -c 'map(.is_messenger)')" = '[true,false,false,false,false]' ]
	rounds=$(workers '.[0].fan_out_rounds')
	echo "messenger rounds: $rounds"
	[ "$rounds" -ge 20 ]
	workers -e '.[0].wake_latency.count == 0'
	# a receiver is woken once a round (the round it was stopped in may be missing)
	workers -e --argjson r "$rounds" '.[1:] | all(.fan_out_rounds >= $r - 1 and .fan_out_rounds <= $r)'
	workers -e '.[1:] | all(.wake_latency.count == .fan_out_rounds)'
	workers -e '.[1:] | all(.wake_latency | .p50_ns > 0 and .p50_ns <= .p99_ns and .p99_ns <= .max_ns and .max_ns < 2e9)'
}

@test "worktypes: FanOutCompute receivers measure wake latency against the messenger's stamp, then multiply" {
	# (3 s: a round of 5 multiplies takes a receiver 100-150 ms of CPU under TCG)
	run_scenario "$FIX/fan_out_compute.json" --duration 3
	[ "$(workers -c 'map(.is_messenger)')" = '[true,false,false,false,false]' ]
	rounds=$(workers '.[0].fan_out_rounds')
	echo "messenger rounds: $rounds"
	[ "$rounds" -ge 3 ]
	workers -e '.[0].wake_latency.count == 0'
	workers -e --argjson r "$rounds" '.[1:] | all(.fan_out_rounds >= $r - 1 and .fan_out_rounds <= $r)'
	workers -e '.[1:] | all(.wake_latency.count == .fan_out_rounds and .wake_latency.p50_ns > 0 and .wake_latency.max_ns < 2e9)'
	# 256 KiB of three u64 matrices is 104 x 104: 5 multiplies of 10816 elements a round
	# (the round a receiver was stopped in may be cut short, even to none)
	workers -e '.[1:] | all(.work_units <= .fan_out_rounds * 54080 and .work_units >= (.fan_out_rounds - 1) * 54080)'
}

@test "worktypes: Sequence loops its phases in order and counts each one's units" {
	run_scenario "$FIX/sequence.json"
	[ "$(workers -c 'map([.phases[] | "\(.kind) \(.ms)"])')" = '[["spin 20","sleep 10","yield 5","io 5"],["spin 20","sleep 10","yield 5","io 5"]]' ]
	workers -c 'map(.phases | map(.runs))'
	# a loop is 40 ms of phases: at most 51 in 2 s, and a phase runs at most once more than the next
	workers -e 'all(.phases | map(.runs) | .[0] >= 10 and .[0] <= 51 and .[0] - .[3] <= 1 and . == (sort | reverse))'
	workers -e 'all(.phases[1].units == .phases[1].runs and .phases[2].units >= .phases[2].runs and .phases[3].units >= .phases[3].runs)'
	workers -e 'all(.phases[0].units > 0 and .phases[0].units % 1024 == 0)'
	workers -e 'all(.work_units == ([.phases[].units] | add))'
	# the sleeps, yields and io sleeps are wake-ups
	workers -e 'all(.wake_latency.count == .phases[1].units + .phases[2].units + .phases[3].units)'
}

@test "worktypes: NiceSweep visits every nice level and ends at nice 0" {
	run_scenario "$FIX/nice_sweep.json"
	[ "$(workers -c 'map(.nice_sweep | [.min, .max, .errors, .nice_at_end])')" = '[[-20,19,0,0],[-20,19,0,0]]' ]
	workers -e 'all(.nice_sweep.changes == .iterations and .iterations >= 40)'
	workers -e 'all(.work_units == .iterations * 512 and .wake_latency.count == .iterations)'
}

@test "worktypes: workers at nice -5, 0 and 5 on one CPU get CPU in the kernel's weight ratios" {
	run_scenario "$FIX/nice_shares.json"
	[ "$(workers -c 'map(.cgroup)')" = '["nice_m5","nice_0","nice_p5"]' ]
	workers -c 'map(.cpu_time_ns)'
	# weights 3121 : 1024 : 335, about 3.05 per 5 nice levels
	workers -e '.[0].cpu_time_ns > .[1].cpu_time_ns and .[1].cpu_time_ns > .[2].cpu_time_ns'
	workers -e '(.[0].cpu_time_ns / .[1].cpu_time_ns) as $a | (.[1].cpu_time_ns / .[2].cpu_time_ns) as $b |
		$a >= 2 and $a <= 4.5 and $b >= 2 and $b <= 4.5'
	workers -e 'all(.cpus_used == "1")'
}

@test "worktypes: AffinityChurn re-pins itself every round and migrates" {
	run_scenario "$FIX/affinity_churn.json"
	workers -c 'map({iterations, migration_count, affinity_churn, cpus_used})'
	workers -e '.[0] | .affinity_churn.changes == .iterations and .affinity_churn.errors == 0'
	# a random CPU of two: about every other round moves it
	workers -e '.[0] | .migration_count >= 10 and .migration_count >= .iterations / 5'
	workers -e '.[0].cpus_used == "0-1"'
}

@test "worktypes: PolicyChurn spends rounds in each of normal, batch, idle, fifo and rr" {
	run_scenario "$FIX/policy_churn.json"
	workers -c 'map(.policy_churn)'
	workers -e '.[0].policy_churn | .errors == 0 and ([.iterations[]] | min >= 10)'
	# in turn: no policy is more than one round ahead of another
	workers -e '.[0] | .iterations as $n | [.policy_churn.iterations[]] | max - min <= 1 and add == $n'
	[ "$(workers -c '.[0].policy_churn.iterations | keys_unsorted')" = '["normal","batch","idle","fifo","rr"]' ]
}

@test "worktypes: MutexContention counts its contended acquisitions; workers are named after cgroup and index" {
	run_scenario "$FIX/mutex.json"
	workers -c 'map(.mutex)'
	workers -e 'all(.mutex.acquisitions == .iterations and .iterations >= 100)'
	# four contenders on two CPUs: each waited for the lock at times, and each wait is a wake-up
	workers -e 'all(.mutex.contended >= 1 and .mutex.contended < .mutex.acquisitions and .mutex.wait_ns > 0)'
	workers -e 'all(.wake_latency.count == .mutex.contended)'
	[ "$(workers -c 'map(.comm)')" = '["cg_0:0","cg_0:1","cg_0:2","cg_0:3"]' ]
}

@test "worktypes: Custom runs the user's binary in its slot and reports its exit, CPU and schedstat" {
	# (at its place in the tree: the guest's /tmp is its own, so $BATS_TEST_TMPDIR would not do;
	# a checkout below /tmp lends it a directory under $HOME)
	p=$(cd "$FIX" && pwd)/custom_work.sh
	case $p in /tmp/*)
		LENT=$(mktemp -d "$HOME/ktstr-custom.XXXXXX") && cp -p "$p" "$LENT/" && p=$LENT/custom_work.sh ;;
	esac
	jq -n --arg p "$p" '{name: "wt_custom", cgroups: [
		{name: "cg_0", workers: [{work: {type: "Custom", path: $p, args: ["7"]}, count: 1},
		                         {work: {type: "Custom", path: $p, args: ["forever"]}, count: 1}]},
		{name: "custom_binaries/long_cgroup_name", workers: [
			{work: {type: "Custom", path: "/nonexistent/bin"}, count: 1}]}]}' > "$BATS_TEST_TMPDIR/custom.json"
	run_scenario "$BATS_TEST_TMPDIR/custom.json"
	workers -c 'map(.custom)'
	# the one that exits on its own: its argument is its exit code
	workers -e '.[0] | .custom.exit == "exited 7" and .custom.stopped == false and .custom.exec_error == null'
	workers -e '.[0] | .cpu_time_ns > 0 and .schedstat_run_count >= 1 and .custom.ran_ms < 2000 and .work_units == (.cpu_time_ns / 1000 | floor)'
	# the one that runs until told to stop: SIGTERM at the end, and it had a CPU to itself
	workers -e '.[1] | .custom.exit == "signaled 15" and .custom.stopped == true and .custom.ran_ms >= 1500'
	workers -e '.[1] | .cpu_time_ns / .wall_time_ns > 0.5 and .schedstat_cpu_time_ns > 0'
	# a path that is nowhere: the exec error is named
	workers -e '.[2].custom | .exit == "exited 127" and .exec_error == "No such file or directory"'
	# a long cgroup path gives way to its last component's tail in the worker's name
	[ "$(workers -c 'map(.comm)')" = '["cg_0:0","cg_0:1.0","g_cgroup_name:0"]' ]
}

@test "worktypes: PipeIo and FutexPingPong still pair up (the group set-up they now share)" {
	run_scenario "$FIX/pairs.json"
	[ "$(workers -c 'map(.comm)')" = '["pipe:0","pipe:1","futex:0","futex:1"]' ]
	workers -e 'all(.iterations >= 100 and .work_units == .iterations * 1024)'
	# a hand-off each round, and the partners take turns
	workers -e 'all(.wake_latency.count >= .iterations - 1 and .wake_latency.count <= .iterations)'
	workers -e '[.[1].iterations - .[0].iterations, .[3].iterations - .[2].iterations] | all(. >= -1 and . <= 1)'
}
