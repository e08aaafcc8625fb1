#!/usr/bin/env bats
# scx-ktstr's stall and error knobs on $KTSTR_KERNEL, caught through the whole pipeline, and what
# the kernel lacks said in the records (make kernels-test).
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

stream() { cat "$KTSTR_RUNS_DIR"/*/stream.ndjson; }
verdict() { stream | jq -r "select(.type == \"verdict\") | $1"; }
details() { verdict '.details[] | .kind + ": " + (.message | split("\n")[0])'; }

@test "kernels: the kernel under test is a cached one ktstr kernel list shows" {
	run ktstr kernel list
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q "^$KTSTR_KERNEL "
}

@test "kernels: healthy scx-ktstr attaches and detaches; what the monitor cannot read is skipped with its reason" {
	run ktstr run steady --scheduler scx-ktstr
	details >&2
	[ "$status" -eq 0 ]
	[ "$(stream | jq -c 'select(.type == "sched" and .event == "attached") | .ops')" = '"ktstr"' ]
	[ "$(stream | jq -c 'select(.type == "sched" and .event == "detached") | [.clean, .state]')" = '[true,"disabled"]' ]
	[ "$(stream | jq -r 'select(.type == "job") | .scheduler.path')" = "$KTSTR_BUILD_DIR/guest/kernels/$KTSTR_KERNEL/scx-ktstr" ]
	# the monitor saw the scheduler by name, and shortened the watchdog
	[ "$(stream | jq -r 'select(.type == "monitor") | .scheduler')" = ktstr ]
	stream | jq -s -e 'any(.[]; .type == "sample" and .watchdog_ms != null)' > /dev/null
	why=$(stream | jq -r 'select(.type == "monitor") | .kernel_lacks.events // empty')
	if [ -n "$why" ]; then
		details | grep -qxF "Skipped: max_fallback_rate, max_keep_last_rate not checked: $why"
	else
		! details | grep -q '^Skipped: '
	fi
}

@test "kernels: --stall-after fails with the kernel watchdog's runnable task stall" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--stall-after 500"
	details >&2
	[ "$status" -eq 1 ]
	details | grep -Eq '^SchedulerDied: sched_ext disabled the scheduler during step 1 of 1 \([0-9.]+ s into the test\): runnable task stall: .* \(ERROR_STALL\)$'
	details | grep -Eq '^(Stuck|WorkerStuck): cg_[01]: tid [0-9]+ .* on cpu [0-9]+'
}

@test "kernels: --error-after fails with the scheduler's scx_bpf_error text" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--error-after 1000"
	details >&2
	[ "$status" -eq 1 ]
	details | grep -Eq '^SchedulerDied: sched_ext disabled the scheduler during step 1 of 1 \([0-9.]+ s into the test\): scx_bpf_error: ktstr: injected error after 1000 ms \(ERROR_BPF\)$'
}
