#!/usr/bin/env bats
# ktstr gauntlet on real VMs: many jobs through one pipeline, two at once, one stored run.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

@test "gauntlet: 2 presets x 2 profiles, 2 VMs at once: a line per job, the totals, one run" {
	run --separate-stderr ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-1llc,tiny-2llc \
		--profiles default,scatter -j 2
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort)" = "PASS	steady-tiny-1llc-default
PASS	steady-tiny-1llc-scatter
PASS	steady-tiny-2llc-default
PASS	steady-tiny-2llc-scatter" ]
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "4 passed, 0 failed, 0 skipped, 0 inconclusive" ]
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
	[ "$(printf '%s\n' "$output" | cut -f1,2 | sort)" = "FAIL	steady-tiny-1llc-default
FAIL	steady-tiny-2llc-default" ]
	printf '%s\n' "$output" | cut -f3 | grep -q '^SchedulerDied: '
	[ "$(printf '%s\n' "$stderr" | tail -n 2)" = "failed by preset: tiny-1llc 1/1, tiny-2llc 1/1
0 passed, 2 failed, 0 skipped, 0 inconclusive" ]
}

@test "gauntlet: killed mid-run, it leaves no qemu and no /dev/shm file" {
	shm_before=$(ls -A /dev/shm | sort)
	ktstr gauntlet steady --presets tiny-2llc --duration 30 > "$BATS_TEST_TMPDIR/out" 2>&1 &
	g=$!
	qemu=""
	for _ in $(seq 200); do
		qemu=$(pgrep -f 'qemu-system.*ktstr,debug-threads' || true)
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
		[ -z "$(pgrep -x 'ktstr-boot|ktstr-boot-gc' || true)" ] && break
		sleep 0.1
	done
	[ -z "$(pgrep -x 'ktstr-boot|ktstr-boot-gc' || true)" ]
	[ "$(ls -A /dev/shm | sort)" = "$shm_before" ]
}

@test "gauntlet: a job that cannot be built stops it before any VM, leaving no run behind" {
	run --separate-stderr ktstr gauntlet steady --sched-args "-v" --presets tiny-1llc
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: eevdf is the kernel's own scheduler: it takes no --flags or --sched-args" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
	[ -z "$(ls "${TMPDIR:-/tmp}" | grep '^ktstr-gauntlet\.' || true)" ]
}
