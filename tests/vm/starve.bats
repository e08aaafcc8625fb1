#!/usr/bin/env bats
# The host-side starvation detector on real VMs: ktstr-probe walks every CPU's sched_ext
# runnable list and fails a task that waited longer than max_runnable_wait_ms (1 s) within
# about a second, without waiting for the kernel's own watchdog.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

stream() { cat "$KTSTR_RUNS_DIR"/*/stream.ndjson; }

# From the samples: how long pid had been runnable (its guest wait, so ms since the onset) at
# the first sample whose counted wait passed 1000 ms; "never" when none did.
detect_ms() {
	stream | jq -s --argjson pid "$1" '[.[] | select(.type == "sample") | .cpus[].waiting[]? |
		select(.pid == $pid and .counted_ms > 1000) | .wait_ms] | first // "never"'
}

@test "starve: one kernel thread left runnable from 500 ms into steady fails Starved, naming it, within 1.5 s" {
	# (the knob parks the first per-CPU kthread that wakes after 500 ms, which can take another
	# second: a 3 s scenario leaves it time to wait past the limit before the scheduler detaches)
	run ktstr run steady --scheduler scx-ktstr --sched-args "--starve-kthread-after 500" --topo 1n2l2c1t --duration 3
	printf '%s\n' "$output"
	[ "$status" -eq 1 ]
	# the kthread scx-ktstr parked, as its loader says
	ev=$(stream | jq -r 'select(.type == "sched" and .log_tail) | .log_tail[]' |
		grep '"event":"starved_kthread"' | tail -n 1)
	pid=$(printf '%s\n' "$ev" | jq .pid)
	comm=$(printf '%s\n' "$ev" | jq -r .comm)
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	# the verdict names that thread, its CPU and its wait; the kernel's watchdog had no part in it
	msg=$(stream | jq -r 'select(.type == "verdict") | .details[] | select(.kind == "Starved") | .message' | head -n 1)
	echo "$msg"
	case $msg in
	"kthread $comm (pid $pid) was runnable on cpu "*" without running (limit 1.00 s) during step 1 of 1 (from "*" into the scenario); its vCPU waited for a host CPU "*"% of that time") ;;
	*) false ;;
	esac
	[ "$(stream | jq -s '[.[] | select(.type == "verdict") | .details[] | select(.kind == "SchedulerDied")] | length')" -eq 0 ]
	# detected from the samples at most 1.5 s after it became runnable
	waited=$(detect_ms "$pid")
	echo "first sample past the limit: $waited ms after the onset"
	[ "$waited" != never ] && [ "$waited" -le 1500 ]
	# and the probe asked the still-attached scheduler's kernel for its dump
	[ "$(stream | jq -c 'select(.type == "dump_request") | [.pid, .sent]')" = "[$pid,true]" ]
}

@test "starve: --stall-after 800 is caught by the host within 1.5 s of the onset" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--stall-after 800" --topo 1n2l2c1t
	printf '%s\n' "$output"
	[ "$status" -eq 1 ]
	pid=$(stream | jq -s '[.[] | select(.type == "verdict") | .details[] | select(.kind == "Starved")][0].pid')
	[ "$pid" != null ]
	waited=$(detect_ms "$pid")
	echo "first sample past the limit: $waited ms after the onset"
	[ "$waited" != never ] && [ "$waited" -le 1500 ]
	# the same parked tasks leave every CPU idle beside them
	stream | jq -e -s '[.[] | select(.type == "verdict") | .details[] | select(.kind == "WorkConservation")] | length == 1'
}

@test "starve: healthy scx-ktstr waits stay far below the limit; --no-monitor says nobody watched" {
	run ktstr run oversubscribed --scheduler scx-ktstr --topo 1n2l2c1t
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	stream | jq -e -s '[.[] | select(.type == "monitor")][0] | .max_runnable_wait_ms < 1000 and .long_wait_tasks >= 0'
	[ "$(stream | jq -s '[.[] | select(.type == "dump_request")] | length')" -eq 0 ]
	rm -rf "$KTSTR_RUNS_DIR"
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t --no-monitor
	[ "$status" -eq 0 ]
	stream | jq -e -s '[.[] | select(.type == "verdict")][0].details | map(select(.kind == "Unwatched")) | length == 1'
}
