#!/usr/bin/env bats
# --repro without a VM: ktstr-sidecar repro plan (which failed jobs run again with BPF tracing,
# and their job records), repro store (the rerun's trace joined to the run), how show, show
# --brief and report print it, and the front end's wiring (a stand-in ktstr-boot replays).
# Fixtures (tests/fixtures/repro, paths rewritten to /cache, /runs, /build): first.ndjson is
# ktstr-boot's records of a real `ktstr run steady --scheduler scx-ktstr --sched-args
# "--error-after 1000" --no-monitor` (scx_bpf_error in a tick); rerun.ndjson its real rerun
# with ktstr-repro (the error came in ops.dispatch as init[1] went to sleep); show.txt and
# report.html are the repro sections show and report print for them. Also: eval/sched-stall-task
# (a stall the kernel names in its message), report/error-after-2jobs (two presets fail).
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures"

setup() {
	R="$BATS_TEST_TMPDIR/runs"
	export KTSTR_RUNS_DIR="$R" KTSTR_COMMIT=abc1234
}

# Store ktstr-boot's records on stdin as run $1, as `ktstr run --no-monitor` does.
store() {
	mkdir -p "$R/$1"
	ktstr-eval --check require_monitor=false | ktstr-sidecar write --pass --runs-dir "$R" --run-id "$1" \
		> "$R/$1/stream.ndjson" 2> /dev/null || true
}

# Run r1: the first run stored, its rerun's trace joined as `ktstr run --repro` does.
stored_with_trace() {
	store r1 < "$F/repro/first.ndjson"
	ktstr-sidecar repro store --runs-dir "$R" --run-id r1 < "$F/repro/rerun.ndjson" >> "$R/r1/stream.ndjson"
}

@test "repro plan: a scheduler that died with scx_bpf_error runs again as JOB.repro, with its crash path and task" {
	store r1 < "$F/repro/first.ndjson"
	run --separate-stderr ktstr-sidecar repro plan --runs-dir "$R" r1
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(printf '%s' "$output" | jq -c '{type, id, test, repro, timeout_s, attach: .scheduler.attach_timeout_ms, args: .scheduler.args}')" = \
		'{"type":"job","id":"steady-1n2l2c1t.repro","test":"steady","repro":{"pid":1,"comm":"init","of":"steady-1n2l2c1t","functions":["task_tick_scx","sched_tick","update_process_times"],"events":40},"timeout_s":120,"attach":40000,"args":["--timeout-ms","4000","--error-after","1000"]}' ]
	# the rest of the job is the first run's
	[ "$(printf '%s' "$output" | jq -c 'del(.id, .repro, .timeout_s, .scheduler.attach_timeout_ms)')" = \
		"$(jq -c 'select(.type == "job") | del(.id, .timeout_s, .scheduler.attach_timeout_ms, .repeat)' "$F/repro/first.ndjson")" ]
}

@test "repro plan: a stall named in the kernel's message; one job per failure cluster; none for a pass or EEVDF" {
	store stall < "$F/eval/sched-stall-task.ndjson"
	run ktstr-sidecar repro plan --runs-dir "$R" stall
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '.repro')" = '{"pid":131,"comm":"ktstr-init","of":"steady-1n2l2c1t","functions":[],"events":40}' ]
	# two presets, both failed: each preset is a cluster, its first failure runs again
	store two < "$F/report/error-after-2jobs.ndjson"
	run ktstr-sidecar repro plan --runs-dir "$R" two
	[ "$(printf '%s\n' "$output" | jq -r '[.id, .repro.pid, .repro.comm, (.repro.functions | join(","))] | join(" ")')" = \
		"cpuset_apply-tiny-1llc-default.repro 124 init task_tick_scx,sched_tick,update_process_times
cpuset_apply-tiny-2llc-default.repro 132 init task_tick_scx,sched_tick,update_process_times" ]
	# JOB picks one
	run ktstr-sidecar repro plan --runs-dir "$R" two cpuset_apply-tiny-2llc-default
	[ "$(printf '%s\n' "$output" | jq -r .id)" = cpuset_apply-tiny-2llc-default.repro ]
	run --separate-stderr ktstr-sidecar repro plan --runs-dir "$R" two nosuch
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-sidecar: run two has no job or test 'nosuch'" ]
	store pass < "$F/sidecar/pass.ndjson"
	store eevdf < "$F/sidecar/starved.ndjson"
	for r in pass eevdf; do
		run ktstr-sidecar repro plan --runs-dir "$R" "$r"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "repro store: the trace joins the job's run record and goes to the stream as the job's; the rerun is kept whole" {
	store r1 < "$F/repro/first.ndjson"
	run --separate-stderr ktstr-sidecar repro store --runs-dir "$R" --run-id r1 < "$F/repro/rerun.ndjson"
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c 'del(.events, .traced)')" = \
		'{"type":"repro","job":"steady-1n2l2c1t","rerun":"steady-1n2l2c1t.repro","exit":{"source":"scx_vexit","kind":"ERROR_BPF","kind_code":1025,"message":"ktstr: injected error after 1000 ms","cpu":3,"exit_cpu":3,"pid":1,"comm":"init"},"task":{"pid":1,"comm":"init","source":"exit"},"events_recorded":3694,"events_kept":3694,"events_matched":335,"max_callbacks":40,"events_missed":0,"first_run":{"pid":1,"comm":"init"},"rerun_exit":{"kind":"UNKNOWN","reason":"sched_ext state is disabling","message":""},"vm_exit":"poweroff"}' ]
	[ "$(printf '%s' "$output" | jq -c '.traced')" = \
		'{"callbacks":[{"callback":"select_cpu","prog":"ktstr_select_cpu"},{"callback":"enqueue","prog":"ktstr_enqueue"},{"callback":"dispatch","prog":"ktstr_dispatch"},{"callback":"tick","prog":"ktstr_tick"},{"callback":"running","prog":"ktstr_running"},{"callback":"stopping","prog":"ktstr_stopping"},{"callback":"update_idle","prog":"ktstr_update_idle"},{"callback":"enable","prog":"ktstr_enable"}],"kprobes":["task_tick_scx","sched_tick","update_process_times"],"failed":[],"exit_trigger":true}' ]
	# the last event is the dispatch that raised the error, as init went to sleep on CPU 3
	[ "$(printf '%s' "$output" | jq -c '.events[-1]')" = \
		'{"t_ns":-81398959,"cpu":3,"callback":"dispatch","probe":"fentry","pid":1,"comm":"init","fields":{"prev_cpu":3,"scx_flags":"RESET_RUNNABLE_AT|DEQD_FOR_SLEEP|ENABLED","cpus":"0-3","cpus_weight":4,"task_cpu":3,"weight":100,"slice_ns":18789589,"vtime":217642929}}' ]
	[ "$(printf '%s' "$output" | jq -c '[.events[] | select(.callback == "enqueue") | .fields.enq_flags] | unique')" = \
		'["0","WAKEUP|CPU_SELECTED|0x8"]' ]
	[ "$(jq -c .repro "$R/r1/steady-1n2l2c1t.json")" = "$(printf '%s' "$output" | jq -c 'del(.type, .job)')" ]
	cmp "$R/r1/steady-1n2l2c1t.repro.ndjson" "$F/repro/rerun.ndjson"
	# a rerun whose VM ended before its tracer reported
	store r2 < "$F/repro/first.ndjson"
	run ktstr-sidecar repro store --runs-dir "$R" --run-id r2 < <(jq -c 'select(.type != "repro") |
		if .type == "vm" and .phase == "exited" then .reason = "panic" else . end' "$F/repro/rerun.ndjson")
	[ "$(printf '%s' "$output" | jq -c '{job, error, vm_exit}')" = \
		'{"job":"steady-1n2l2c1t","error":"the rerun'"'"'s VM ended (panic) before its tracer reported","vm_exit":"panic"}' ]
	run ktstr-sidecar show --runs-dir "$R" r2
	printf '%s\n' "$output" | grep -qx "  repro (rerun steady-1n2l2c1t.repro, traced with BPF): the rerun's VM ended (panic) before its tracer reported"
}

@test "show: the repro section: the exit, the task, what was traced, its last callbacks with the kernel's path to each" {
	stored_with_trace
	run ktstr-sidecar show --runs-dir "$R" r1
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '/^  repro (/,/^  console /p' | sed '$d')" = "$(cat "$F/repro/show.txt")" ]
	# the same under the brief `ktstr run` prints
	run ktstr-sidecar show --runs-dir "$R" --brief r1
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '/^  repro (/,/^  records and logs: /p' | sed '$d')" = "$(cat "$F/repro/show.txt")" ]
}

@test "report: the repro section, escaped, every event with all its fields" {
	stored_with_trace
	run ktstr-sidecar report --runs-dir "$R" r1 -o -
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '/^<h3>Repro/,/^<\/table>/p')" = "$(cat "$F/repro/report.html")" ]
	# it sits in the job's section, before the console
	printf '%s\n' "$output" | tr -d '\n' | grep -q '<h3>Repro: the rerun traced with BPF</h3>.*<h3>Console</h3></*'
}

@test "the repro schema describes the records the tracer and repro store write" {
	stored_with_trace
	s="$KTSTR_SHARE_DIR/schema/repro.json"
	for rec in "$(jq -c 'select(.type == "repro")' "$F/repro/rerun.ndjson")" \
		"$(jq -c 'select(.type == "repro")' "$R/r1/stream.ndjson")"; do
		for k in $(jq -r '.required[]' "$s"); do printf '%s' "$rec" | jq -e --arg k "$k" 'has($k)' > /dev/null; done
		printf '%s' "$rec" | jq -e --slurpfile s "$s" '[keys[] | in($s[0].properties)] | all' > /dev/null
		printf '%s' "$rec" | jq -e --slurpfile s "$s" '[.events[] | keys[] | in($s[0].properties.events.items.properties)] | all' > /dev/null
		printf '%s' "$rec" | jq -e '[.events[] | .probe] - ["fentry", "kprobe"] == []' > /dev/null
	done
}

@test "ktstr run --repro: a failure the trace can show runs again through ktstr-boot only, and the brief shows the trace" {
	standin_boot <<-EOF
	#!/bin/sh
	if grep -q '"repro"' ; then cat "$F/repro/rerun.ndjson"; else cat "$F/repro/first.ndjson"; fi
	EOF
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --scheduler scx-ktstr \
		--sched-args "--error-after 1000" --no-monitor --repro
	[ "$status" -eq 1 ]
	[ "$stderr" = "ktstr: --repro: running 1 job(s) again with BPF tracing" ]
	[ "${lines[0]}" = "steady on 1n2l2c1t under scx-ktstr: FAIL (sched_ext disabled the scheduler during step 1 of 1 (1.8 s into the test): scx_bpf_error: ktstr: injected error after 1000 ms (ERROR_BPF))" ]
	[ "$(printf '%s\n' "$output" | sed -n '/^  repro (/,/^  records and logs: /p' | sed '$d')" = "$(cat "$F/repro/show.txt")" ]
	rd=$(ls -d "$R"/*)
	[ "$(jq -c .repro.rerun "$rd/steady-1n2l2c1t.json")" = '"steady-1n2l2c1t.repro"' ]
	[ "$(jq -r 'select(.type == "repro") | .job' "$rd/stream.ndjson")" = steady-1n2l2c1t ]
	grep -q '<h3>Repro: the rerun traced with BPF</h3>' "$rd/report.html"
	# a failure a trace cannot show (EEVDF starving a worker) runs nothing again
	standin_boot <<-EOF
	#!/bin/sh
	grep -q '"repro"' && touch "$BATS_TEST_TMPDIR/rerun"
	cat "$F/eval/starved.ndjson"
	EOF
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr run steady --no-monitor --repro
	[ "$status" -eq 1 ]
	[ "$stderr" = "ktstr: --repro: no job failed the way a traced rerun shows (a scheduler's error exit or a kernel backtrace)" ]
	[ ! -e "$BATS_TEST_TMPDIR/rerun" ]
}

@test "ktstr run and gauntlet --help say what --repro does" {
	run ktstr run --help
	printf '%s\n' "$output" | grep -q '^  --repro            when the scheduler died with an error (scx_bpf_error, a$'
	run ktstr gauntlet --help
	printf '%s\n' "$output" | grep -q '^  --repro            run the first failure of each failure cluster (by scenario,$'
}

@test "ktstr gauntlet --repro: the first failure of each cluster (here: each preset) runs again traced" {
	standin_boot <<-EOF2
	#!/bin/sh
	jq -c . | while read -r job; do
		id=\$(printf '%s' "\$job" | jq -r .id)
		if printf '%s' "\$job" | jq -e .repro > /dev/null; then
			jq -c --arg id "\$id" --argjson r "\$(printf '%s' "\$job" | jq -c .repro)" \
				'if .type == "job" then .id = \$id | .repro = \$r else . end | if has("job") then .job = \$id else . end' \
				"$F/repro/rerun.ndjson"
		else
			jq -c --argjson j "\$job" \
				'if .type == "job" then .id = \$j.id | .plan = \$j.plan else . end | if has("job") then .job = \$j.id else . end' \
				"$F/repro/first.ndjson"
		fi
	done
	EOF2
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-1llc,tiny-2llc \
		--profiles default --no-monitor --repro --run-dir "$R/g"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -e '--repro')" = "ktstr gauntlet: --repro: running 2 job(s) again with BPF tracing
ktstr gauntlet: --repro: steady-tiny-1llc-default: traced rerun steady-tiny-1llc-default.repro (ktstr runs show g steady-tiny-1llc-default)
ktstr gauntlet: --repro: steady-tiny-2llc-default: traced rerun steady-tiny-2llc-default.repro (ktstr runs show g steady-tiny-2llc-default)" ]
	for j in steady-tiny-1llc-default steady-tiny-2llc-default; do
		[ "$(jq -r .repro.rerun "$R/g/$j.json")" = "$j.repro" ]
		[ -s "$R/g/$j.repro.ndjson" ]
	done
	[ "$(grep -c '<h3>Repro: the rerun traced with BPF</h3>' "$R/g/report.html")" -eq 2 ]
	# the reruns are no jobs of the run: the totals count the two planned ones
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "0 passed, 2 failed, 0 skipped, 0 inconclusive" ]
}
