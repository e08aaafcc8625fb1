#!/usr/bin/env bats
# ktstr-sidecar compare on pools of samples: medians, spreads, the bootstrap interval,
# gates, and the note when there are too few samples. Synthetic runs, exact output.
load ../helpers

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
	# the host's load goes into each record; pinned, so compare's notes are exact
	echo "1.00 1.00 1.00 1/100 1" > "$BATS_TEST_TMPDIR/loadavg"
	export KTSTR_LOADAVG="$BATS_TEST_TMPDIR/loadavg"
}

# A run of one job per value: run_id value... (hackbench.time, lower is better, 5% gate;
# ACCEL and GATES change the accelerator and the metric's gates)
pool() {
	run_id=$1
	shift
	i=0
	for v in "$@"; do
		i=$((i + 1))
		printf '{"type":"job","id":"hb.r%s","test":"bench_hackbench","topo":{"name":"1n1l2c1t"},"scheduler":{"name":"scx-ktstr"},"kernel":{"id":"7.2.0"},"repeat":{"index":%s,"of":%s}}\n' "$i" "$i" "$#"
		printf '{"type":"verdict","job":"hb.r%s","test":"bench_hackbench","topo":"1n1l2c1t","scheduler":"scx-ktstr","result":"pass","details":[],"stats":{"workers":0,"total_work_units":0,"cgroups":{}},"accel":"%s","payload_metrics":{"hackbench.time":{"value":%s,"unit":"s","polarity":"lower",%s}}}\n' "$i" "${ACCEL:-tcg}" "$v" "${GATES:-\"rel_gate\":0.05}"
	done | ktstr-sidecar write --run-id "$run_id" > /dev/null
}

@test "compare stats: a shift past the gate with an interval clear of 0 is a regression, exit 1" {
	pool base 1.00 1.10 0.90 1.05 0.95
	pool slow 2.00 2.10 1.90 2.05 1.95
	run ktstr-sidecar compare base slow
	[ "$status" -eq 1 ]
	[ "$output" = "A: base (5 jobs), B: slow (5 jobs)
CHANGE      JOB                                     METRIC                  A          B  DELTA      REL    N          95% CI
regression  bench_hackbench 1n1l2c1t scx-ktstr tcg  hackbench.time  1 s ±0.1  2 s ±0.1   +1 s  +100.0%  5/5  [+0.85, +1.15]
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 1 regression, 0 improvements" ]
	run ktstr-sidecar compare --json slow base
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":"compare_change","change":"improvement","key":"bench_hackbench 1n1l2c1t scx-ktstr tcg","metric":"hackbench.time","unit":"s","polarity":"lower","a":2.0,"b":1.0,"delta":-1.0,"rel":-0.5,"a_n":5,"b_n":5,"a_spread":0.0999999999999999,"b_spread":0.1,"ci_low":-1.15,"ci_high":-0.85,"ci":"bootstrap 95% of the median'"'"'s change"}' ]
	[ "$(printf '%s\n' "${lines[1]}" | jq -c '[.regressions, .improvements, .not_significant, .gate_only]')" = '[0,1,0,0]' ]
}

@test "compare stats: the same pool twice and overlapping pools call nothing, exit 0" {
	pool a 1.00 1.10 0.90 1.05 0.95
	pool b 0.98 1.12 0.91 1.04 0.97
	run ktstr-sidecar compare a b
	[ "$status" -eq 0 ]
	[ "$output" = "A: a (5 jobs), B: b (5 jobs)
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements" ]
	run ktstr-sidecar compare --all a b
	[ "$status" -eq 0 ]
	# every metric both sides have, the zero ones too
	[ "${lines[2]}" = "-       bench_hackbench 1n1l2c1t scx-ktstr tcg  total_work_units      0 ±0          0 ±0       +0  +0.0%  5/5        [+0, +0]" ]
	[ "${lines[3]}" = "-       bench_hackbench 1n1l2c1t scx-ktstr tcg  hackbench.time    1 s ±0.1  0.98 s ±0.07  -0.02 s  -2.0%  5/5  [-0.13, +0.14]" ]
}

@test "compare stats: past the gate but the interval holds 0: not significant, exit 0" {
	# medians 1.0 and 1.1 (+10%, past the 5% gate), but the samples overlap widely
	pool a 0.6 1.0 1.4 0.7 1.3
	pool b 0.7 1.1 1.5 0.6 1.4
	run ktstr-sidecar compare a b
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "not significant  bench_hackbench 1n1l2c1t scx-ktstr tcg  hackbench.time  1 s ±0.6  1.1 s ±0.7  +0.1 s  +10.0%  5/5  [-0.7, +0.8]" ]
	[ "${lines[3]}" = "1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements, 1 not significant" ]
}

@test "compare stats: fewer than 3 samples a side: the gates alone, and a note" {
	pool a 1.0 1.2
	pool b 2.0 2.2
	run ktstr-sidecar compare a b
	[ "$status" -eq 1 ]
	[ "$output" = "A: a (2 jobs), B: b (2 jobs)
CHANGE      JOB                                     METRIC                    A            B  DELTA     REL    N  95% CI
regression  bench_hackbench 1n1l2c1t scx-ktstr tcg  hackbench.time  1.1 s ±0.1  2.1 s ±0.1   +1 s  +90.9%  2/2       -
note: 1 change judged by the gates alone: too few samples for a confidence interval (it needs 3 on each side: ktstr run --repeat)
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 1 regression, 0 improvements" ]
}

@test "compare stats: --metric picks a payload metric; an even pool's median is the mean of the middle two" {
	pool a 1 2 3 4
	pool b 1 2 3 4
	run ktstr-sidecar compare --all --metric hackbench.time a b
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "-       bench_hackbench 1n1l2c1t scx-ktstr tcg  hackbench.time  2.5 s ±1.5  2.5 s ±1.5   +0 s  +0.0%  4/4  [-2, +2]" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "compare stats: pools from hosts busy apart get a note; the summary carries both loads" {
	pool a 1.00 1.10 0.90 1.05 0.95
	echo "9.50 9.00 8.00 5/300 9" > "$KTSTR_LOADAVG"
	pool b 0.98 1.12 0.91 1.04 0.97
	run ktstr-sidecar compare a b
	[ "$status" -eq 0 ]
	[ "$output" = "A: a (5 jobs), B: b (5 jobs)
note: the host was busier for B (load 9.5) than for A (1.0): under emulation that alone slows the guest
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements" ]
	run ktstr-sidecar compare --json b a
	[ "$(printf '%s\n' "$output" | jq -c '[.a_host_load, .b_host_load]')" = '[9.5,1]' ]
	[ "$(jq -c .host_load "$KTSTR_RUNS_DIR/a/hb.r1.json")" = 1 ]
}

@test "compare stats: under TCG a metric's rel_gate_tcg stands for its rel_gate; not when a side ran under KVM" {
	# +12%, the interval clear of 0: past the 5% gate, inside the 20% TCG gate
	GATES='"rel_gate":0.05,"rel_gate_tcg":0.2' pool a 1.00 1.01 0.99 1.02 0.98
	GATES='"rel_gate":0.05,"rel_gate_tcg":0.2' pool b 1.12 1.13 1.11 1.14 1.10
	run ktstr-sidecar compare a b
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements" ]
	ACCEL=kvm GATES='"rel_gate":0.05,"rel_gate_tcg":0.2' pool k 1.12 1.13 1.11 1.14 1.10
	run ktstr-sidecar compare run=a,accel=tcg run=k,accel=kvm
	[ "$status" -eq 1 ]
	[ "${lines[2]}" = "regression  bench_hackbench 1n1l2c1t scx-ktstr  hackbench.time  1 s ±0.02  1.12 s ±0.02  +0.12 s  +12.0%  5/5  [+0.09, +0.15]" ]
}
