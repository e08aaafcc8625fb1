#!/usr/bin/env bats
# The kernel's sched_ext dump: trace text into `dump` records (ktstr-init --parse-dump, the
# parser the guest runs), and ktstr-sidecar joining their parts, storing and showing them.
# Fixtures: tests/fixtures/dump/sysrq-then-error.trace is the sched_ext_dump trace of a 7.2
# kernel (a SysRq-D dump, then scx-ktstr --error-after); old-kernel.trace has the older heading.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/dump"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
}

parse() { "$KTSTR_BUILD_DIR/guest/ktstr-init" --parse-dump "$@"; }

# Every record without its lines, and the lines' count, first and last.
brief() {
	jq -c '{dump, part, trigger, exit_kind, reason, message, first_line, last, lost_events,
		n: (.lines | length), first: .lines[0], final: .lines[-1]} | del(..|nulls)'
}

@test "dump: a SysRq-D dump and an error dump on 7.2, each whole, told apart" {
	run parse "$F/sysrq-then-error.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | brief)" = '{"dump":1,"part":0,"trigger":"sysrq","reason":"SysRq-D","first_line":0,"last":true,"n":68,"first":"ktstr: root","final":"              SCX_EV_SUB_BYPASS_DISPATCH:                0"}
{"dump":2,"part":0,"trigger":"error","exit_kind":1025,"reason":"scx_bpf_error","message":"ktstr: injected error after 2500 ms","first_line":0,"last":true,"n":94,"first":"ktstr: root","final":"              SCX_EV_SUB_BYPASS_DISPATCH:                0"}' ]
	# every sched_ext_dump line, in order, and nothing else
	[ "$(printf '%s\n' "$output" | jq -r '.lines[]')" = "$(sed 's/^.*: sched_ext_dump: //' "$F/sysrq-then-error.trace")" ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.dump == 2) | .lines[1]')" = "busybox[132] triggered exit kind 1025 on CPU 3:" ]
}

@test "dump: two dumps from the same task and CPU split at the heading, the name line with it" {
	sed -E 's/^ *busybox-1[0-9]+ +\[00[0-9]\]/          busybox-125     [002]/' "$F/sysrq-then-error.trace" > "$BATS_TEST_TMPDIR/same.trace"
	run parse "$BATS_TEST_TMPDIR/same.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.dump, .trigger, (.lines | length), .lines[0], .lines[-1]]')" = '[1,"sysrq",68,"ktstr: root","              SCX_EV_SUB_BYPASS_DISPATCH:                0"]
[2,"error",94,"ktstr: root","              SCX_EV_SUB_BYPASS_DISPATCH:                0"]' ]
}

# The fixture's error dump (its last 94 lines), written with a pause of 1.5 s before line N (from 1).
paused_error_dump() {
	tail -n 94 "$F/sysrq-then-error.trace" | awk -v from="$1" 'NR >= from {
		match($0, /[0-9]+\.[0-9]+: sched_ext_dump: /)
		ts = substr($0, RSTART, index(substr($0, RSTART), ":") - 1)
		$0 = substr($0, 1, RSTART - 1) sprintf("%.6f", ts + 1.5) substr($0, RSTART + length(ts))
	} 1'
}

@test "dump: a pause between the name line and the heading, as a host can stall a vCPU, splits nothing" {
	paused_error_dump 2 > "$BATS_TEST_TMPDIR/paused.trace"
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/paused.trace" | grep -o '[0-9.]*: sched_ext_dump')" = "8.459422: sched_ext_dump" ]
	run parse "$BATS_TEST_TMPDIR/paused.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | brief)" = '{"dump":1,"part":0,"trigger":"error","exit_kind":1025,"reason":"scx_bpf_error","message":"ktstr: injected error after 2500 ms","first_line":0,"last":true,"n":94,"first":"ktstr: root","final":"              SCX_EV_SUB_BYPASS_DISPATCH:                0"}' ]
}

@test "dump: a pause after the heading ends a part; the dump goes on in the next, and the sidecar joins it whole" {
	paused_error_dump 3 > "$BATS_TEST_TMPDIR/paused.trace"
	run parse "$BATS_TEST_TMPDIR/paused.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | brief)" = '{"dump":1,"part":0,"trigger":"error","exit_kind":1025,"first_line":0,"last":true,"n":2,"first":"ktstr: root","final":"busybox[132] triggered exit kind 1025 on CPU 3:"}
{"dump":1,"part":1,"trigger":"error","exit_kind":1025,"reason":"scx_bpf_error","message":"ktstr: injected error after 2500 ms","first_line":2,"last":true,"n":92,"first":"  scx_bpf_error (ktstr: injected error after 2500 ms)","final":"              SCX_EV_SUB_BYPASS_DISPATCH:                0"}' ]
	stream_with_dumps "$BATS_TEST_TMPDIR/paused.trace" > "$BATS_TEST_TMPDIR/in"
	ktstr-sidecar write --run-id r1 < "$BATS_TEST_TMPDIR/in" > /dev/null || true
	[ "$(jq -c '.dumps[] | del(.head)' "$KTSTR_RUNS_DIR/r1/j1.json")" = '{"dump":1,"trigger":"error","exit_kind":1025,"reason":"scx_bpf_error","message":"ktstr: injected error after 2500 ms","lines":94,"complete":true,"lost_events":0,"file":"j1.dump-1.txt"}' ]
	[ "$(cat "$KTSTR_RUNS_DIR/r1/j1.dump-1.txt")" = "$(sed 's/^.*: sched_ext_dump: //' "$BATS_TEST_TMPDIR/paused.trace")" ]
}

@test "dump: a task renamed while its dump is read (tracefs prints the comm it has then) stays one dump" {
	tail -n 94 "$F/sysrq-then-error.trace" | sed -E '1,10s/busybox-132/<...>-132/; 11,40s/busybox-132/cg_0:1-132/' > "$BATS_TEST_TMPDIR/renamed.trace"
	run parse "$BATS_TEST_TMPDIR/renamed.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.dump, .part, .trigger, (.lines | length), .last]')" = '[1,0,"error",94,true]' ]
	# another pid on the same CPU is another dump's writer
	sed '41,$s/busybox-132/busybox-133/' "$BATS_TEST_TMPDIR/renamed.trace" > "$BATS_TEST_TMPDIR/other.trace"
	[ "$(parse "$BATS_TEST_TMPDIR/other.trace" | jq -c '[.dump, .trigger, (.lines | length)]')" = '[1,"error",40]
[2,"unknown",54]' ]
}

@test "dump: the older heading (exit kind 0 for SysRq-D, a stall), lost events, other events ignored" {
	run parse "$F/old-kernel.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | brief)" = '{"dump":1,"part":0,"trigger":"sysrq","exit_kind":0,"reason":"SysRq-D","message":"","first_line":0,"last":true,"n":5,"first":"bash[1] triggered exit kind 0:","final":"----------"}
{"dump":2,"part":0,"trigger":"error","exit_kind":1026,"reason":"runnable task stall","message":"kworker/0:1[9] failed to run for 5.104s","first_line":0,"last":true,"lost_events":7,"n":4,"first":"kworker/u8:2[50] triggered exit kind 1026:","final":"CPU 0   : nr_run=2 flags=0x1 cpu_rel=0 ops_qseq=1 pnt_seq=2"}' ]
}

@test "dump: a long dump comes in parts of 400 lines that join to the whole" {
	{
		echo "  x-7 [001] d..1. 1.0: sched_ext_dump: x[7] triggered exit kind 1025 on CPU 1:"
		for i in $(seq 2 1000); do echo "  x-7 [001] d..1. 1.0: sched_ext_dump:   line $i"; done
	} > "$BATS_TEST_TMPDIR/long.trace"
	run parse "$BATS_TEST_TMPDIR/long.trace"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.part, .first_line, (.lines | length), .last, .trigger]')" = '[0,0,400,false,"error"]
[1,400,400,false,"error"]
[2,800,200,true,"error"]' ]
	[ "$(printf '%s\n' "$output" | jq -r '.lines[]' | tail -n 1)" = "  line 1000" ]
	[ "$(printf '%s\n' "$output" | jq -r '.lines[]' | wc -l)" -eq 1000 ]
}

@test "dump: no dump lines, bytes that are not UTF-8, a missing file" {
	run parse /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '  t-1 [000] d..1. 1.0: sched_ext_dump: comm \xff\xfe[1]\n' | parse - > "$BATS_TEST_TMPDIR/out"
	[ "$(jq -r '.lines[0]' "$BATS_TEST_TMPDIR/out")" = "comm ��[1]" ]
	[ "$(jq -r '.trigger' "$BATS_TEST_TMPDIR/out")" = unknown ]
	run parse "$BATS_TEST_TMPDIR/none.trace"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-init: --parse-dump $BATS_TEST_TMPDIR/none.trace: No such file or directory" ]
}

# A job, its dump records (from trace text, as the guest sends them), a failing verdict.
stream_with_dumps() {
	printf '{"type":"job","id":"j1","test":"steady","topo":{"name":"1n2l2c1t"},"scheduler":{"name":"scx-ktstr"},"kernel":{"id":"7.2.0"}}\n'
	parse "$1" | jq -c '. + {job: "j1"}'
	printf '{"type":"verdict","job":"j1","test":"steady","topo":"1n2l2c1t","scheduler":"scx-ktstr","result":"fail","details":[{"kind":"SchedulerDied","message":"died"}],"accel":"tcg"}\n'
}

@test "sidecar: each dump stored whole beside the run record, named in it with its head" {
	stream_with_dumps "$F/sysrq-then-error.trace" > "$BATS_TEST_TMPDIR/in"
	run ktstr-sidecar write --run-id r1 < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -c '.dumps')" = "[{\"dump\":1,\"trigger\":\"sysrq\",\"lines\":68,\"path\":\"$KTSTR_RUNS_DIR/r1/j1.dump-1.txt\"},{\"dump\":2,\"trigger\":\"error\",\"lines\":94,\"path\":\"$KTSTR_RUNS_DIR/r1/j1.dump-2.txt\"}]" ]
	[ "$(ls "$KTSTR_RUNS_DIR/r1")" = "j1.dump-1.txt
j1.dump-2.txt
j1.json" ]
	[ "$(cat "$KTSTR_RUNS_DIR/r1/j1.dump-2.txt")" = "$(parse "$F/sysrq-then-error.trace" | jq -r 'select(.dump == 2) | .lines[]')" ]
	[ "$(jq -c '.dumps[1] | del(.head)' "$KTSTR_RUNS_DIR/r1/j1.json")" = '{"dump":2,"trigger":"error","exit_kind":1025,"reason":"scx_bpf_error","message":"ktstr: injected error after 2500 ms","lines":94,"complete":true,"lost_events":0,"file":"j1.dump-2.txt"}' ]
	[ "$(jq -r '.dumps[1].head[]' "$KTSTR_RUNS_DIR/r1/j1.json")" = "$(head -n 20 "$KTSTR_RUNS_DIR/r1/j1.dump-2.txt")" ]
}

@test "sidecar: parts joined in order; a part that is missing leaves the dump incomplete" {
	{
		echo "  x-7 [001] d..1. 1.0: sched_ext_dump: x[7] triggered exit kind 1026 on CPU 1:"
		for i in $(seq 2 900); do echo "  x-7 [001] d..1. 1.0: sched_ext_dump:   line $i"; done
	} > "$BATS_TEST_TMPDIR/long.trace"
	stream_with_dumps "$BATS_TEST_TMPDIR/long.trace" > "$BATS_TEST_TMPDIR/in"
	ktstr-sidecar write --run-id whole < "$BATS_TEST_TMPDIR/in" > /dev/null || true
	[ "$(wc -l < "$KTSTR_RUNS_DIR/whole/j1.dump-1.txt")" -eq 900 ]
	[ "$(jq -c '.dumps[0] | [.lines, .complete]' "$KTSTR_RUNS_DIR/whole/j1.json")" = '[900,true]' ]
	grep -v '"part":1' "$BATS_TEST_TMPDIR/in" | ktstr-sidecar write --run-id gap > /dev/null || true
	[ "$(jq -c '.dumps[0] | [.lines, .complete]' "$KTSTR_RUNS_DIR/gap/j1.json")" = '[500,false]' ]
}

@test "runs show: the dump's first 20 lines and where the whole dump is" {
	stream_with_dumps "$F/sysrq-then-error.trace" | grep -v '"dump":1' > "$BATS_TEST_TMPDIR/in"
	ktstr-sidecar write --run-id r1 < "$BATS_TEST_TMPDIR/in" > /dev/null || true
	run ktstr-sidecar show r1
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '/sched_ext dump/,/whole dump/p' | sed -n '1,4p;21,22p')" = "  sched_ext dump 2 (error: scx_bpf_error: ktstr: injected error after 2500 ms), first 20 of 94 lines:
    | ktstr: root
    | busybox[132] triggered exit kind 1025 on CPU 3:
    |   scx_bpf_error (ktstr: injected error after 2500 ms)
    | CPU states
    whole dump: $KTSTR_RUNS_DIR/r1/j1.dump-2.txt" ]
}

@test "sidecar: a dump record that is not one exits 2 naming the line" {
	printf '{"type":"dump","job":"j1","dump":0,"part":0,"trigger":"error","lines":[]}\n' > "$BATS_TEST_TMPDIR/in"
	run ktstr-sidecar write --run-id bad < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *'stdin:1: dump record: "dump" must be a dump number from 1'* ]]
	printf '{"type":"dump","job":"j1","dump":1,"part":0,"trigger":"error","lines":[1]}\n' > "$BATS_TEST_TMPDIR/in"
	run ktstr-sidecar write --run-id bad < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *'"lines" must be an array of strings'* ]]
	[ ! -e "$KTSTR_RUNS_DIR/bad" ]
}

@test "the dump schema describes what the parser writes" {
	s="$KTSTR_SHARE_DIR/schema/dump.json"
	req=$(jq -r '.required[]' "$s" | grep -v '^job$' | sort)
	parse "$F/old-kernel.trace" | jq -c . | while read -r rec; do
		for k in $req; do printf '%s' "$rec" | jq -e --arg k "$k" 'has($k)' > /dev/null; done
		printf '%s' "$rec" | jq -e --slurpfile s "$s" '[keys[] | in($s[0].properties)] | all' > /dev/null
		printf '%s' "$rec" | jq -e --slurpfile s "$s" '.trigger | IN($s[0].properties.trigger.enum[])' > /dev/null
	done
}
