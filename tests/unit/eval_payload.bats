#!/usr/bin/env bats
# ktstr-eval on payload records: metrics from their output as the definitions say, the exit
# status, checks, and output that yields nothing. Synthetic streams of one EEVDF job whose
# scenario ran payloads only; the definitions are share/ktstr/payloads' own.
load ../helpers

# stream PAYLOAD_RECORD...: job (carrying the definitions), VM, one step, the records, the end.
stream() {
	jq -nc --slurpfile hb "$KTSTR_SHARE_DIR/payloads/hackbench.json" \
		--slurpfile ct "$KTSTR_SHARE_DIR/payloads/cyclictest.json" \
		--slurpfile sn "$KTSTR_SHARE_DIR/payloads/stress-ng.json" \
		--slurpfile fio "$KTSTR_SHARE_DIR/payloads/fio.json" \
		'{type: "job", id: "j", test: "bench", mode: "scenario", topo: {name: "1n1l2c1t"},
		  scheduler: {name: "eevdf"}, scenario: {name: "bench"},
		  payloads: {hackbench: {path: "/usr/bin/hackbench", args: [], definition: $hb[0]},
			     cyclictest: {path: "/usr/bin/cyclictest", args: [], definition: $ct[0]},
			     "stress-ng": {path: "/usr/bin/stress-ng", args: [], definition: $sn[0]},
			     fio: {path: "/usr/bin/fio", args: [], definition: $fio[0]}}}'
	echo '{"type":"vm","job":"j","phase":"started","accel":"tcg"}'
	echo '{"type":"step","job":"j","index":0,"ops":[],"cgroups":[],"t_ms":1000}'
	for r in "$@"; do printf '%s\n' "$r"; done
	echo '{"type":"scenario_end","job":"j","result":"ok","steps":1,"workers":0}'
	echo '{"type":"vm","job":"j","phase":"exited","reason":"poweroff","wall_ms":4000}'
}

# payload ID NAME STATUS EXIT_CODE STDOUT [STDERR] [CHECKS]
payload() {
	jq -nc --arg id "$1" --arg p "$2" --arg st "$3" --argjson code "$4" --arg out "$5" \
		--arg err "${6:-}" --argjson checks "${7:-null}" \
		'{type: "payload", job: "j", id: $id, payload: $p, cgroup: "cg_0", step: 0, pid: 90,
		  args: [], status: $st, exit_code: $code, signal: null, elapsed_ms: 700, stdout: $out,
		  stderr: $err, stdout_bytes: ($out | length), stderr_bytes: ($err | length)}
		 + (if $checks then {checks: $checks} else {} end)'
}

verdict_of() {
	stream "$@" | ktstr-eval | jq -c 'select(.type == "verdict")'
}

@test "eval payload: hackbench's Time line is hackbench.time, with unit, polarity and gate; pass" {
	run verdict_of "$(payload hackbench hackbench exited 0 $'Running in process mode with 2 groups\nTime: 1.25\n')"
	[ "$(jq -c '[.result, .payload_metrics, [.payloads[] | .id, .status, .exit_code]]' <<<"$output")" = '["pass",{"hackbench.time":{"value":1.25,"unit":"s","polarity":"lower","rel_gate":0.05,"rel_gate_tcg":0.2}},["hackbench","exited",0]]' ]
}

@test "eval payload: cyclictest's max and mean from their lines, p99 from the histogram" {
	out=$'# /dev/cpu_dma_latency set to 0us\n# Histogram\n000000 000000\t000000\n000010 000050\t000040\n000020 000007\t000001\n000150 000001\t000000\n# Total: 000000058 000000041\n# Min Latencies: 00010 00010\n# Avg Latencies: 00012 00011\n# Max Latencies: 00150 00020\n# Histogram Overflows: 00001 00000\n'
	run verdict_of "$(payload cyclictest cyclictest exited 0 "$out")"
	# 100 samples: 90 at 10 us, 8 at 20, 1 at 150, 1 past the histogram: the 99th is 150
	[ "$(jq -c '[.result, (.payload_metrics | map_values(.value))]' <<<"$output")" = '["pass",{"cyclictest.max_latency_us":150,"cyclictest.avg_latency_us":11.5,"cyclictest.p99_latency_us":150}]' ]
}

@test "eval payload: stress-ng's YAML lines and fio's JSON leaves, summed over jobs" {
	sn=$'---\nmetrics:\n    - stressor: cpu\n      bogo-ops: 1740\n      bogo-ops-per-second-real-time: 869.83\n...\n'
	fio='{"fio version":"fio-3.33","jobs":[{"jobname":"a","read":{"iops":100.5,"clat_ns":{"percentile":{"99.000000":8000}}},"write":{"iops":50}},{"jobname":"b","read":{"iops":99.5,"clat_ns":{"percentile":{"99.000000":9000}}},"write":{"iops":51}}]}'
	run verdict_of "$(payload stress-ng stress-ng exited 0 "$sn")" "$(payload fio fio exited 0 "$fio")"
	[ "$(jq -c '[.result, (.payload_metrics | map_values([.value, .unit, .polarity]))]' <<<"$output")" = '["pass",{"stress-ng.bogo_ops_per_s":[869.83,"ops/s","higher"],"stress-ng.bogo_ops":[1740,"ops","higher"],"fio.read_iops":[200,"IOPS","higher"],"fio.write_iops":[101,"IOPS","higher"],"fio.read_p99_clat_ns":[9000,"ns","lower"]}]' ]
}

@test "eval payload: a non-zero exit fails the job with its status and last output" {
	run verdict_of "$(payload hackbench hackbench exited 2 "" $'hackbench: bad option -x\nUsage: hackbench [-p]\n')"
	[ "$(jq -r '.result, (.details[] | .kind + ": " + .message)' <<<"$output")" = "fail
PayloadExit: payload hackbench in cg_0 exited with status 2 (expected 0)
its last output:
stderr: hackbench: bad option -x
stderr: Usage: hackbench [-p]
PayloadNoMetrics: payload hackbench in cg_0: none of its metrics found in its stdout (0 bytes)
PayloadMetric: payload hackbench in cg_0: metric time is missing from its output" ]
}

@test "eval payload: output without metrics is said; a stopped payload is no failure by itself" {
	run verdict_of "$(payload hb hackbench stopped null "garbage" "" '[{"exit_code":0}]')"
	[ "$(jq -r '.result, (.details[] | .kind + ": " + .message)' <<<"$output")" = "fail
PayloadNoMetrics: payload hb in cg_0: none of its metrics found in its stdout (7 bytes)
PayloadMetric: payload hb in cg_0: metric time is missing from its output" ]
	run verdict_of "$(payload hb hackbench timed_out null "")"
	[ "$(jq -r '.details[0].kind + ": " + .details[0].message' <<<"$output")" = "PayloadTimeout: payload hb in cg_0 ran past its timeout and was killed after 700 ms" ]
}

@test "eval payload: the op's checks: min, max, range on defined and raw metrics; exit_code" {
	checks='[{"metric":"time","max":1},{"metric":"time","range":[2,3]},{"metric":"Time","min":2},{"exit_code":3}]'
	run verdict_of "$(payload hackbench hackbench exited 3 $'Time: 1.25\n' "" "$checks")"
	[ "$(jq -r '.result, (.details[] | .kind + ": " + .message)' <<<"$output")" = "fail
PayloadMetric: payload hackbench in cg_0: time = 1.25, above the maximum 1
PayloadMetric: payload hackbench in cg_0: time = 1.25, below the minimum 2
PayloadMetric: payload hackbench in cg_0: Time = 1.25, below the minimum 2" ]
}

@test "eval payload: a payload the job has no definition for fails, naming it" {
	run verdict_of "$(payload x nope exited 0 "")"
	[ "$(jq -r '.result, .details[0].message' <<<"$output")" = "fail
payload x in cg_0: the job carries no definition for it (job.payloads)" ]
}
