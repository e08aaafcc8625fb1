#!/usr/bin/env bats
# Scheduler supervision in the guest (ktstr-init): attach, death at start, never attached, exec
# failure, kernel ejection (stall, scx_bpf_error), death mid-run, detach. One batch of VMs.
load ../helpers

bats_require_minimum_version 1.5.0

# sjob ID SCHEDULER-JSON DURATION_MS: a scenario job (two steps, two cgroups) on 1n2l2c1t.
sjob() {
	jq -nc --argjson topo "$(ktstr-topo 1n2l2c1t)" --arg img "$KTSTR_TEST_KERNEL_IMAGE" \
		--arg id "$1" --argjson s "$2" --argjson d "$3" \
		'{type: "job", id: $id, mode: "scenario", topo: $topo, kernel: {image: $img},
		  scheduler: $s, duration_ms: $d, timeout_s: 60,
		  scenario: {name: "two_steps", cgroups: [{name: "cg_0"}, {name: "cg_1"}],
			     steps: [{hold: {frac: 0.5}}, {hold: {frac: 0.5}}]}}'
}

setup_file() {
	require_kernel
	export KTSTR_TEST_KERNEL_IMAGE
	SCX="$KTSTR_BUILD_DIR/guest/scx-ktstr"
	[ -x "$SCX" ] || { echo "no $SCX (run 'make kernel')" >&2; return 1; }
	{
		sjob healthy '{"name":"scx-ktstr","ops":"ktstr","path":"'"$SCX"'","args":["--timeout-ms","4000"]}' 1500
		sjob error '{"name":"scx-ktstr","path":"'"$SCX"'","args":["--error-after","500"]}' 3000
		sjob stall '{"name":"scx-ktstr","path":"'"$SCX"'","args":["--timeout-ms","2000","--stall-after","300"]}' 4000
		sjob kill9 '{"name":"scx-ktstr","path":"'"$SCX"'","guest_path":"/bin/busybox","args":["sh","-c","(until grep -q enabled /sys/kernel/sched_ext/state; do sleep 0.1; done; sleep 0.5; kill -9 $$) & exec /sched/scx-ktstr"]}' 8000
		sjob badverify '{"name":"bad","path":"'"$SCX"'-badverify"}' 1000
		sjob exit3 '{"name":"fake","guest_path":"/bin/busybox","args":["sh","-c","echo boom >&2; exit 3"]}' 1000
		sjob sleeper '{"name":"fake","guest_path":"/bin/busybox","args":["sleep","100"],"attach_timeout_ms":1000}' 1000
		sjob missing '{"name":"fake","guest_path":"/nonexistent"}' 1000
	} > "$BATS_FILE_TMPDIR/in"
	ktstr-boot -j 3 --run-dir "$BATS_FILE_TMPDIR/run" < "$BATS_FILE_TMPDIR/in" > "$BATS_FILE_TMPDIR/out"
}

# events JOB JQ-FILTER: the job's sched events and scenario_end, projected, one per line.
events() {
	jq -c --arg j "$1" "select(.job == \$j and (.type == \"sched\" and .event != \"kmsg\" or .type == \"scenario_end\")) | $2" \
		"$BATS_FILE_TMPDIR/out"
}

@test "a healthy scheduler attaches, runs the scenario and detaches cleanly" {
	run events healthy '[.event // .type, .ops, .pid > 0, .clean, .exit_status, .state, .result, .sched_died, .workers]'
	[ "$output" = "$(printf '%s\n' '["attached","ktstr",true,null,null,null,null,null,null]' \
		'["detached",null,false,true,0,"disabled",null,null,null]' \
		'["scenario_end",null,false,null,null,null,"ok",false,4]')" ]
}

@test "scx_bpf_error: kernel_exit with the message from kmsg, then died; the workers still report" {
	run events error '[.event // .type, .kind, .reason, .message, .source, .exit_status, .clean, .result, .sched_died, .sched_exit_kind, .workers]'
	[ "$output" = "$(printf '%s\n' '["attached",null,null,null,null,null,null,null,null,null,null]' \
		'["kernel_exit","ERROR_BPF","scx_bpf_error","ktstr: injected error after 500 ms","kmsg",null,null,null,null,null,null]' \
		'["died",null,null,null,null,1,null,null,null,null,null]' \
		'["detached",null,null,null,null,1,false,null,null,null,null]' \
		'["scenario_end",null,null,null,null,null,null,"ok",true,"ERROR_BPF",4]')" ]
}

@test "a stall: the sched_ext watchdog ejects the scheduler (ERROR_STALL)" {
	run events stall 'select(.event == "kernel_exit") | [.kind, .reason, (.message | test("for [0-9]+[.][0-9]+s$"))]'
	[ "$output" = '["ERROR_STALL","runnable task stall",true]' ]
	run events stall 'select(.type == "scenario_end") | [.result, .sched_died, .sched_exit_kind]'
	[ "$output" = '["ok",true,"ERROR_STALL"]' ]
}

@test "a scheduler killed mid-run: died with the signal and the step, no kernel_exit" {
	run events kill9 '[.event // .type, .signal, .step, .sched_died, .sched_died_step]'
	echo "$output"	# shown when the test fails
	[ "$output" = "$(printf '%s\n' '["attached",null,null,null,null]' '["died",9,0,null,null]' \
		'["detached",9,null,null,null]' '["scenario_end",null,null,true,0]')" ]
}

@test "start failures: the scenario does not run and ends in error with the reason" {
	run events exit3 '[.event // .type, .exit_status, .log_tail, .result, .reason, .sched_start]'
	[ "$output" = "$(printf '%s\n' '["died_at_start",3,["boom"],null,null,null]' \
		'["scenario_end",null,null,"error","scheduler fake died at start (exit status 3)","died_at_start"]')" ]
	run events badverify '[.event // .type, .exit_status, (.log_tail | length > 0), .sched_died]'
	[ "$output" = "$(printf '%s\n' '["died_at_start",1,true,null]' '["scenario_end",null,false,true]')" ]
	run events sleeper '[.event // .type, .state, .killed, .reason]'
	[ "$output" = "$(printf '%s\n' '["never_attached","disabled",false,null]' \
		'["scenario_end",null,null,"scheduler fake never attached within 1000 ms (sched_ext state disabled)"]')" ]
	run events missing '[.event // .type, .message, .reason]'
	[ "$output" = "$(printf '%s\n' '["exec_failed","cannot execute /nonexistent: No such file or directory",null]' \
		'["scenario_end",null,"scheduler fake: cannot execute /nonexistent: No such file or directory"]')" ]
	run jq -sc '[.[] | select(.type == "step" and (.job | IN("exit3", "badverify", "sleeper", "missing")))] | length' \
		"$BATS_FILE_TMPDIR/out"
	[ "$output" = 0 ]
}
