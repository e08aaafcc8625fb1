#!/usr/bin/env bats
# ktstr run --repro in real VMs: scx-ktstr's injected scx_bpf_error fails the run, the job runs
# again with ktstr-repro tracing it, and the trace (the task that raised the exit, its last
# callbacks with the enqueue flags decoded) is kept with the job and printed.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	[ -x "$KTSTR_BUILD_DIR/guest/ktstr-repro" ] || {
		echo "ktstr-repro is not built (it needs a cached kernel: run 'make kernel')" >&2
		return 1
	}
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

@test "ktstr run --repro: scx_bpf_error's rerun shows the callback chain of the task that raised it" {
	run --separate-stderr ktstr run steady --scheduler scx-ktstr --sched-args "--error-after 1000" --repro
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	printf '%s\n' "$stderr" | grep -qx 'ktstr: --repro: running 1 job(s) again with BPF tracing'
	rec=$(ls "$KTSTR_RUNS_DIR"/*/steady-1n2l2c1t.json | tail -n 1)	# a run again (-again) is the last
	r=$(jq -c .repro "$rec")
	printf '%s\n' "$r" | jq -c 'del(.events)'
	# the kernel raised the error in the rerun, and the tracer saw it
	[ "$(printf '%s' "$r" | jq -c '.exit | [.source, .kind, .kind_code, .message]')" = \
		'["scx_vexit","ERROR_BPF",1025,"ktstr: injected error after 1000 ms"]' ]
	# fentry on each of the scheduler's callbacks but init and exit, kprobes on the crash path
	[ "$(printf '%s' "$r" | jq -c '.traced | [[.callbacks[] | .callback + "=" + .prog], .kprobes, .failed, .exit_trigger]')" = \
		'[["select_cpu=ktstr_select_cpu","enqueue=ktstr_enqueue","dispatch=ktstr_dispatch","tick=ktstr_tick","running=ktstr_running","stopping=ktstr_stopping","update_idle=ktstr_update_idle","enable=ktstr_enable"],["task_tick_scx","sched_tick","update_process_times"],[],true]' ]
	# the task: the one running where the exit was raised, else the first run's; all events are its
	pid=$(printf '%s' "$r" | jq .task.pid)
	comm=$(printf '%s' "$r" | jq -r .task.comm)
	src=$(printf '%s' "$r" | jq -r .task.source)
	[ "$pid" -ge 1 ]
	[ -n "$comm" ]
	case $src in
	exit) [ "$(printf '%s' "$r" | jq -c '.exit | [.pid, .comm]')" = "[$pid,\"$comm\"]" ] ;;
	"first run") [ "$(printf '%s' "$r" | jq -c '.first_run | [.pid, .comm]')" = "[$pid,\"$comm\"]" ] ;;
	*) false ;;
	esac
	printf '%s' "$r" | jq -e --argjson p "$pid" --arg c "$comm" \
		'(.events | length > 0) and ([.events[] | .pid == $p and .comm == $c] | all)' > /dev/null
	# its callbacks in time order before the exit; the last one is where scx-ktstr raises the
	# error (ops.tick or ops.dispatch); enqueues carry their flags as the kernel names them
	printf '%s' "$r" | jq -e '[.events[] | .t_ns] | (. == sort) and all(. <= 0)' > /dev/null
	printf '%s' "$r" | jq -e '[.events[] | select(.probe == "fentry")] | (length >= 10) and
		(length <= 40) and (.[-1].callback | IN("tick", "dispatch"))' > /dev/null
	printf '%s' "$r" | jq -e '[.events[] | select(.callback == "enqueue") | .fields.enq_flags] |
		(length > 0) and all(test("^(0|[A-Z_]+(\\|[A-Z_]+)*(\\|0x[0-9a-f]+)?)$"))' > /dev/null
	# what ktstr run printed: the exit, the task, what was traced, then one line per callback
	cpu=$(printf '%s' "$r" | jq .exit.cpu)
	first=$(printf '%s' "$r" | jq -r '.first_run | "\(.comm)[\(.pid)]"')
	case $src in exit) how="raised the exit (the first run: $first)" ;; *) how="the first run's" ;; esac
	section=$(printf '%s\n' "$output" | sed -n '/^  repro (/,/^  records and logs: /p' | sed '$d')
	printf '%s\n' "$section" | sed -n 1,3p > "$BATS_TEST_TMPDIR/head"
	[ "$(cat "$BATS_TEST_TMPDIR/head")" = "  repro (rerun steady-1n2l2c1t.repro, traced with BPF): ERROR_BPF on CPU $cpu: ktstr: injected error after 1000 ms
    task       $comm[$pid], $how
    traced     8 callbacks (fentry): select_cpu enqueue dispatch tick running stopping update_idle enable; 3 kernel functions (kprobe): task_tick_scx sched_tick update_process_times" ]
	[ "$(printf '%s\n' "$section" | sed -n 4p)" = "    events     its last $(printf '%s' "$r" | jq '[.events[] | select(.probe == "fentry")] | length') callbacks before the exit, ms from it ($(printf '%s' "$r" | jq .events_matched) of the $(printf '%s' "$r" | jq .events_recorded) events recorded were its):" ]
	# one line per callback, in the record's order, each "ms cpu ops.NAME [via ...] fields" (a
	# kernel function's event leads to the callback on its line, or stands alone as NAME())
	[ "$(printf '%s\n' "$section" | sed -n '5,$p' | awk '$5 ~ /^ops\./ {print $5}' | paste -sd' ')" = \
		"$(printf '%s' "$r" | jq -r '[.events[] | select(.probe == "fentry") | "ops." + .callback] | join(" ")')" ]
	[ -z "$(printf '%s\n' "$section" | sed -n '5,$p' |
		grep -Ev '^ +-[0-9]+\.[0-9]{3} ms  cpu [0-9]+ +(ops\.[a-z_]+|[a-z_0-9]+\(\)) ')" ]
	printf '%s\n' "$section" | grep -Eq '^ +-[0-9]+\.[0-9]{3} ms  cpu [0-9]+ +ops\.enqueue +enq_flags=(0|[A-Z_|]+)'
	# the stored run shows the same section, and the report has it
	run ktstr runs show latest
	[ "$(printf '%s\n' "$output" | sed -n '/^  repro (/,/^  console /p' | sed '$d')" = "$section" ]
	grep -q "<h3>Repro: the rerun traced with BPF</h3>" "$(dirname "$rec")/report.html"
	grep -q "<td>ops.enqueue</td><td>$comm\[$pid\]</td><td>enq_flags=" "$(dirname "$rec")/report.html"
}
