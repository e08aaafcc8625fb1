#!/usr/bin/env bats
# ktstr-probe writes its sample records by hand (bin/ktstr-probe/samplefmt.c): the same text
# jansson writes for the same record, strings escaped alike; and it leaves out a guest string
# (a comm, a scheduler or program name) exactly when jansson would not take it as a string.
load ../helpers

# sample COMM SCHED PROG JOB: one sample record with every key a live one has, in its order
# (the largest and smallest integers put in after jq, which keeps numbers as doubles).
sample() {
	jq -cn --arg comm "$1" --arg sched "$2" --arg prog "$3" --arg job "$4" '{
		type: "sample", job: $job, t_ms: 12224, phase: "scenario", step: 0, jiffies: 4294894460,
		scheduler: $sched, watchdog_ms: 4000,
		progs: {($prog): {cnt: 137, nsecs: 27260829, verified_insns: 120, jited_bytes: 475},
			ktstr_tick: {cnt: 0, nsecs: 0}},
		events: {select_cpu_fallback: 0, dispatch_keep_last: -236, bypass_duration: 1234567},
		cpus: [
			{cpu: 0, nr_running: 0, rq_clock: 8609354422, scx_nr_running: 0, local_dsq_depth: 0,
			 run_delay_ns: 260367394, pcount: 659, curr_pid: 0, runnable: 1,
			 waiting: [{pid: 41, comm: $comm, tgid: 41, kthread: true, weight: 100, allowed: "0-3,5",
				    runnable_at: -7654321, wait_ms: 12, counted_ms: 8}],
			 schedstat: {yld_count: 0, sched_count: 1002}, vcpu_ns: 4852848414, vcpu_wait_ns: 1493287639},
			{cpu: 7, nr_running: 1, rq_clock: 0, waiting: [], vcpu_ns: 0, vcpu_wait_ns: 0},
			{cpu: 3, nr_running: 2, rq_clock: 5, curr_pid: -1, runnable: 0,
			 waiting: [{pid: 7, comm: "", runnable_at: 1, wait_ms: 0, counted_ms: 0}]}],
		sched_domains: [{cpu: 0, domains: [{level: 1, span: "0-3", name: "MC", flags: 4631}]}]}' |
		sed 's/1234567/9223372036854775807/; s/-7654321/-9223372036854775808/'
}

@test "probe format: sample records come out as jansson writes them, strings escaped alike" {
	{
		sample kworker/0:1 ktstr ktstr_dispatch steady-1n2l4c1t
		sample 'a"b\c' 'tab	nl
end' $'\x01\x1f\x7f/' 'j"ob'
		sample 'ünïcödé 日本' $'\U0001F600' 'é' 'x/y'
		# the fewest keys a sample has: no scheduler yet, no step, CPUs without sched_ext
		echo '{"type":"sample","job":"j","t_ms":0,"phase":"boot","cpus":[{"cpu":0,"nr_running":0,"rq_clock":0}]}'
		echo '{"type":"sample","job":"j","t_ms":5,"phase":"boot","cpus":[]}'
	} > "$BATS_TEST_TMPDIR/in"
	run probe_format_check records < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$output" = "ok 5" ]
}

@test "probe format: a guest string is taken exactly when jansson takes it" {
	# ASCII, 2-4 byte forms, and what strict UTF-8 refuses: stray continuation bytes, overlong
	# forms, UTF-16 surrogates, past U+10FFFF, a form cut short, 0xF5 and up
	printf '%s\n' 41 c3a9 e282ac f09f9880 f48fbfbf 80 bf c0af c1bf e080af f08fbfbf \
		eda080 edbfbf f4908080 c3 e282 f09f98 f5808080 ff 41c328 > "$BATS_TEST_TMPDIR/in"
	run probe_format_check utf8 < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$output" = "ok 20" ]
}
