#!/usr/bin/env bats
# The kernel's sched_ext dump, captured whole in the guest: on an error exit it is in the
# stored run and its head in the report; SysRq-D through QEMU's QMP socket asks for one while
# the scheduler lives, and the scheduler goes on.
load ../helpers

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	[ -x "$KTSTR_BUILD_DIR/guest/scx-ktstr" ] || {
		echo "no $KTSTR_BUILD_DIR/guest/scx-ktstr (run 'make kernel')" >&2
		return 1
	}
}

@test "--error-after: the whole dump in the stored run, its head in the report" {
	run ktstr run steady --scheduler scx-ktstr --sched-args "--error-after 1000" --topo 1n2l2c1t
	printf '%s\n' "$output" >&2	# shown when the test fails
	[ "$status" -eq 1 ]
	rd=$(ls -d "$KTSTR_RUNS_DIR"/*/)
	rd=${rd%/}
	f="$rd/steady-1n2l2c1t.dump-1.txt"
	[ -s "$f" ]
	# the heading, the BPF backtrace, every CPU's state and the event counters
	grep -Eq '^[^ ]+\[[0-9]+\] triggered exit kind 1025 on CPU [0-9]+:$' "$f"
	grep -qx '  scx_bpf_error (ktstr: injected error after 1000 ms)' "$f"
	grep -Eq '^  bpf_prog_[0-9a-f]+_ktstr_' "$f"
	grep -qx 'CPU states' "$f"
	grep -Eq '^CPU +[0-9]+ +: nr_run=' "$f"
	grep -qx 'Event counters' "$f"
	[ "$(jq -c '.dumps[0] | [.dump, .trigger, .exit_kind, .reason, .complete, .file]' "$rd/steady-1n2l2c1t.json")" = \
		'[1,"error",1025,"scx_bpf_error",true,"steady-1n2l2c1t.dump-1.txt"]' ]
	[ "$(jq '.dumps[0].lines' "$rd/steady-1n2l2c1t.json")" -eq "$(wc -l < "$f")" ]
	# the guest sent it before its scenario_end
	[ "$(jq -r 'select(.type == "dump" or .type == "scenario_end") | .type' "$rd/stream.ndjson" | tail -n 1)" = scenario_end ]
	# the report: the first 20 lines, then where the rest is
	printf '%s\n' "$output" | grep -Eq '^  sched_ext dump 1 \(error: scx_bpf_error: ktstr: injected error after 1000 ms\), first 20 of [0-9]+ lines:$'
	[ "$(printf '%s\n' "$output" | grep -c '^    | ')" -eq 20 ]
	[ "$(printf '%s\n' "$output" | grep '^    | ' | sed 's/^    | //')" = "$(head -n 20 "$f")" ]
	printf '%s\n' "$output" | grep -qx "    whole dump: $f"
	# and ktstr runs show says the same
	run ktstr runs show latest
	printf '%s\n' "$output" | grep -qx "    whole dump: $f"
}

@test "SysRq-D through QMP: the dump while the scheduler lives, sent as requested" {
	rd="$BATS_TEST_TMPDIR/rd"
	mkdir -p "$rd"
	ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t --duration 5 --job-only > "$BATS_TEST_TMPDIR/job"
	# press alt+sysrq+D once the scheduler is attached
	ktstr-boot --run-dir "$rd" < "$BATS_TEST_TMPDIR/job" | while IFS= read -r line; do
		printf '%s\n' "$line" >> "$rd/stream"
		case $line in
		*'"phase":"started"'*) printf '%s' "$line" | jq -r .qmp > "$rd/qmp" ;;
		*'"event":"attached"'*) qmp_check sysrq "$(cat "$rd/qmp")" D > "$rd/sysrq" 2>&1 ;;
		esac
	done
	cat "$rd/sysrq" >&2
	[ "$(cat "$rd/sysrq")" = ok ]
	qmp=$(cat "$rd/qmp")
	[ -n "$qmp" ] && [ ! -e "$qmp" ] && [ ! -e "$(dirname "$qmp")" ]	# removed with ktstr-boot
	jq -c 'select(.type == "dump") | del(.lines)' "$rd/stream" >&2
	# one dump (in more than one part only if its writer paused), ended
	[ "$(jq -c 'select(.type == "dump") | [.dump, .trigger, .reason]' "$rd/stream" | sort -u)" = '[1,"sysrq","SysRq-D"]' ]
	[ "$(jq -c 'select(.type == "dump") | .last' "$rd/stream" | tail -n 1)" = true ]
	[ "$(jq -r 'select(.type == "dump") | .lines[]' "$rd/stream" | sed -n 2p)" = "Debug dump triggered by SysRq-D" ]
	jq -r 'select(.type == "dump") | .lines[]' "$rd/stream" | grep -Eq '^CPU +[0-9]+ +: nr_run='
	jq -r 'select(.type == "dump") | .lines[]' "$rd/stream" | grep -qx 'Event counters'
	# the scheduler lived on: no kernel exit, a clean detach, the scenario ran to its end
	[ -z "$(jq -c 'select(.type == "sched" and .event == "kernel_exit")' "$rd/stream")" ]
	[ "$(jq -c 'select(.type == "sched" and .event == "detached") | .clean' "$rd/stream")" = true ]
	[ "$(jq -r 'select(.type == "scenario_end") | .result' "$rd/stream")" = ok ]
}
