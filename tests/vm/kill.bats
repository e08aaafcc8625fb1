#!/usr/bin/env bats
# SIGKILL and SIGTERM to each stage of `ktstr run` (and of a gauntlet) at fixed moments in
# boot, scenario and judging: nothing may be left (no QEMU or other process of the run, no
# /dev/shm or $TMPDIR file, no hidden or unparsable file in the run folder) and the next run
# works. A fixed sample of tests/killtest (`make killtest`: random moments, many more kills);
# tests/kill.bash does the killing and the checks.
load ../helpers

setup() {
	require_kernel
	. "$KTSTR_ROOT/tests/kill.bash"
	export KILL_TMP="$BATS_TEST_TMPDIR"
}

# killed MODE STAGE SIGNAL POINT: once more when the stage was not running at that moment (a
# busy host moves the moments); what was left fails the test.
killed() {
	local rc=0
	kill_one "$@" || rc=$?	# (called in a list: bats' errexit stays out of kill_one)
	[ "$rc" != 2 ] || { rc=0; kill_one "$@" || rc=$?; }
	return "$rc"
}

@test "kill: the front end (KILL while booting, TERM while judging)" {
	killed run ktstr KILL boot+1000
	killed run ktstr TERM exit+0
}

@test "kill: ktstr-boot (KILL in the scenario, TERM while booting)" {
	killed run ktstr-boot KILL step+500
	killed run ktstr-boot TERM boot+1000
}

@test "kill: ktstr-probe (KILL in the scenario, TERM while booting)" {
	killed run ktstr-probe KILL step+500
	killed run ktstr-probe TERM boot+1000
}

@test "kill: ktstr-eval (KILL while booting, TERM in the scenario)" {
	killed run ktstr-eval KILL boot+1000
	killed run ktstr-eval TERM step+500
}

@test "kill: ktstr-sidecar (KILL in the scenario, TERM as the scenario ends)" {
	killed run ktstr-sidecar KILL step+500
	# late in the scenario, not at the VM's exit: where QEMU's memory is slow to tear down (a
	# PVM host), the run is judged and stored before QEMU is gone, within about 10 ms of the
	# last records, too short a moment to hit
	killed run ktstr-sidecar TERM step+1200
}

@test "kill: a gauntlet's front end in its first job, its sidecar between jobs" {
	killed gauntlet ktstr KILL step+500
	killed gauntlet ktstr-sidecar TERM exit+0
}

@test "kill: after the kills, a run and a gauntlet get their verdicts and leave nothing" {
	killed run none - -
	killed gauntlet none - -
}
