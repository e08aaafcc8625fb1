#!/usr/bin/env bats
# ktstr gauntlet on real VMs: many jobs through one pipeline, two at once, one stored run.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

@test "gauntlet: 2 presets x 2 profiles, 2 VMs at once: progress per job, the totals, one run" {
	run --separate-stderr ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-1llc,tiny-2llc \
		--profiles default,scatter -j 2
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "4 passed, 0 failed, 0 skipped, 0 inconclusive" ]
	# stderr: where the run is, then [k/4] PASS JOB T s, ETA while jobs are left
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "ktstr gauntlet: 4 jobs (-j 2), records in $(ls -d "$KTSTR_RUNS_DIR"/*)" ]
	printf '%s\n' "$stderr" | sed -n 2,4p | grep -Eq '^\[[1-3]/4\] PASS steady-tiny-[12]llc-(default|scatter) [0-9]+\.[0-9] s, ETA [0-9hms]+$'
	printf '%s\n' "$stderr" | sed -n 5p | grep -Eq '^\[4/4\] PASS steady-tiny-[12]llc-(default|scatter) [0-9]+\.[0-9] s$'
	[ "$(printf '%s\n' "$stderr" | sed -n '2,5p' | cut -d' ' -f3 | sort | tr '\n' ' ')" = "steady-tiny-1llc-default steady-tiny-1llc-scatter steady-tiny-2llc-default steady-tiny-2llc-scatter " ]
	[ "$(ktstr runs list --json | jq -c '[.pass, .fail]')" = "[4,0]" ]
	# each job ran its preset's topology with its profile's flags, and was monitored
	S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(jq -r 'select(.type == "job") | "\(.id) \(.topo.name) \(.scheduler.flags | join(","))"' "$S" | sort)" = "steady-tiny-1llc-default 1n1l4c1t 
steady-tiny-1llc-scatter 1n1l4c1t scatter
steady-tiny-2llc-default 1n2l2c1t 
steady-tiny-2llc-scatter 1n2l2c1t scatter" ]
	[ "$(jq -s '[.[] | select(.type == "monitor" and .samples > 0)] | length' "$S")" -eq 4 ]
}

@test "gauntlet: failing jobs fail the gauntlet (exit 1); lines say why, and where failures gather" {
	run --separate-stderr ktstr gauntlet steady --scheduler scx-ktstr --sched-args "--error-after 500" \
		--presets tiny-1llc,tiny-2llc --profiles default -j 2
	echo "$output"; echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | head -n 2 | cut -d: -f1,2)" = "FAIL steady-tiny-1llc-default: SchedulerDied
FAIL steady-tiny-2llc-default: SchedulerDied" ]
	[ "$(printf '%s\n' "$output" | tail -n 2)" = "failed by preset: tiny-1llc 1/1, tiny-2llc 1/1
0 passed, 2 failed, 0 skipped, 0 inconclusive" ]
	[ "$(printf '%s\n' "$stderr" | grep -c '^\[[12]/2\] FAIL steady-tiny-[12]llc-default .* s.*: SchedulerDied: ')" -eq 2 ]
}

@test "gauntlet: killed mid-run, it leaves no qemu and no /dev/shm file" {
	shm_before=$(ls -A /dev/shm | sort)
	# (its own run dir: ktstr-boot and its cleaner carry it in their command line, so other
	# tools' processes on this host are not mistaken for them)
	rd="$BATS_TEST_TMPDIR/run"
	ktstr gauntlet steady --presets tiny-2llc --duration 30 --run-dir "$rd" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	g=$!
	qemu=""
	for _ in $(seq 200); do
		boot=$(pgrep -d, -f -- "--run-dir $rd" || true)
		[ -n "$boot" ] && qemu=$(pgrep -P "$boot" -f 'qemu-system.*ktstr,debug-threads' || true)
		[ -n "$qemu" ] && break
		sleep 0.1
	done
	[ -n "$qemu" ]
	sleep 1
	kill -TERM $g
	wait $g || true
	for _ in $(seq 50); do
		kill -0 $qemu 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 $qemu 2>/dev/null
	for _ in $(seq 50); do	# ktstr-boot and its cleaner end right after their VM
		[ -z "$(pgrep -f -- "--run-dir $rd" || true)" ] && break
		sleep 0.1
	done
	[ -z "$(pgrep -f -- "--run-dir $rd" || true)" ]
	[ "$(ls -A /dev/shm | sort)" = "$shm_before" ]
}

@test "gauntlet: a job that cannot be built stops it before any VM, leaving no run behind" {
	run --separate-stderr ktstr gauntlet steady --sched-args "-v" --presets tiny-1llc
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr gauntlet: eevdf is the kernel's own scheduler: it takes no --flags or --sched-args" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
	[ -z "$(ls "${TMPDIR:-/tmp}" | grep '^ktstr-gauntlet\.' || true)" ]
}
