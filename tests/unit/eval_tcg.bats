#!/usr/bin/env bats
# ktstr-eval on a kernel panic that multi-threaded TCG caused: tcg-int3-race.ndjson is a real
# scx-ktstr cpuset_apply run whose guest trapped on an int3 the kernel had already patched
# back (a jump label flipped while another vCPU ran it), which QEMU 10's MTTCG allows rarely.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/eval"

verdict() { ktstr-eval | jq -r 'select(.type == "verdict") | .result, .reason, .retry'; }

@test "eval: an int3 trap on code already patched back, under TCG, is inconclusive, not the scheduler's fault" {
	run sh -c "verdict() { $(declare -f verdict | tail -n +2); }; verdict < '$F/tcg-int3-race.ndjson'"
	[ "$output" = "inconclusive
the guest kernel trapped on code it was patching (an int3 already patched back): multi-threaded TCG's race, not the scheduler's fault; run again
true" ]
	# the console lines stay in the verdict
	[ "$(ktstr-eval < "$F/tcg-int3-race.ndjson" | jq -r 'select(.type == "verdict") | [.details[] | select(.kind == "Console")][0].message')" = \
		"$(jq -r 'select(.type == "console") | .line' "$F/tcg-int3-race.ndjson" | head -n 1)" ]
}

@test "eval: the same panic under KVM, or with the int3 still in place, fails KernelPanic" {
	run sh -c "jq -c 'if .type == \"vm\" then .accel = \"kvm\" else . end' '$F/tcg-int3-race.ndjson' | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result, .details[0].kind'"
	[ "$output" = "fail
KernelPanic" ]
	# nothing to run again: the verdict has no retry
	[ "$(jq -c 'if .type == "vm" then .accel = "kvm" else . end' "$F/tcg-int3-race.ndjson" | ktstr-eval | jq -c 'select(.type == "verdict") | .retry')" = null ]
	run sh -c "jq -c 'if .type == \"console\" then .line |= sub(\"<90>\"; \"<cc>\") else . end' '$F/tcg-int3-race.ndjson' | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result, .details[0].kind'"
	[ "$output" = "fail
KernelPanic" ]
}

# never-attached-*.ndjson: real TCG runs whose "scheduler" never attached within 5 s: /bin/sleep
# (idle: 30 ms on a CPU) and a shell loop (busy: on a CPU the whole wait).
@test "eval: a loader busy past the attach timeout under TCG is inconclusive; an idle one fails" {
	run sh -c "ktstr-eval < '$F/never-attached-busy.ndjson' | jq -r 'select(.type == \"verdict\") | .result, .reason, .details[0].kind'"
	[ "$output" = "inconclusive
scheduler busy.sh had not attached after 5031 ms under TCG, its loader busy (5040 ms on a CPU) and sched_ext not yet enabling (state disabled): too slow a host to tell; raise the definition's attach_timeout_ms or use KVM
SchedulerStart" ]
	run sh -c "ktstr-eval < '$F/never-attached-idle.ndjson' | jq -r 'select(.type == \"verdict\") | .result, .reason'"
	[ "$output" = "fail
scheduler sleep never attached within 5000 ms (sched_ext state disabled)" ]
	# the same busy loader under KVM fails: nothing excuses it there
	run sh -c "jq -c 'if .type == \"vm\" then .accel = \"kvm\" else . end' '$F/never-attached-busy.ndjson' | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = fail ]
}

@test "eval: a loader's CPU time past any integer times 4 is weighed without overflow" {
	run sh -c "sed 's/\"cpu_ms\":5040/\"cpu_ms\":9223372036854775807/' '$F/never-attached-busy.ndjson' | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = inconclusive ]
	run sh -c "sed 's/\"cpu_ms\":5040/\"cpu_ms\":-9223372036854775808/' '$F/never-attached-busy.ndjson' | ktstr-eval | jq -r 'select(.type == \"verdict\") | .result'"
	[ "$output" = fail ]
}

# rcu_stall FIXTURE TID: a real steady stream with worker TID at 0 work units and the RCU stall
# line seen beside such a worker in CI (a vCPU that TCG did not run for 21 s).
rcu_stall() {
	jq -c 'if .type == "worker" and .tid == '"$2"' then .work_units = 0 else . end' "$F/$1" |
		sed '/"type":"vm",.*"phase":"exited"/i {"type":"console","job":"steady-1n2l2c1t","line":"[   22.597808] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:","t_ms":9000}'
}

@test "eval: a starved worker beside an RCU stall under TCG and EEVDF is inconclusive, to run again" {
	rcu_stall steady-eevdf.ndjson 124 > "$BATS_TEST_TMPDIR/in"
	grep -q 'rcu_preempt detected stalls' "$BATS_TEST_TMPDIR/in"
	run sh -c "ktstr-eval < '$BATS_TEST_TMPDIR/in' | jq -r 'select(.type == \"verdict\") | .result, .reason, .retry, .details[0].kind'"
	[ "$output" = "inconclusive
the guest kernel reported an RCU stall: a vCPU stood still under TCG, so the kernel's own scheduler is not to blame; run again
true
Starved" ]
}

@test "eval: the same under KVM, or under a sched_ext scheduler, fails Starved" {
	rcu_stall steady-eevdf.ndjson 124 | jq -c 'if .type == "vm" then .accel = "kvm" else . end' > "$BATS_TEST_TMPDIR/kvm"
	run sh -c "ktstr-eval < '$BATS_TEST_TMPDIR/kvm' | jq -r 'select(.type == \"verdict\") | .result, .retry'"
	[ "$output" = "fail
null" ]
	rcu_stall monitor-pass.ndjson 126 > "$BATS_TEST_TMPDIR/scx"
	grep -q 'rcu_preempt detected stalls' "$BATS_TEST_TMPDIR/scx"
	run sh -c "ktstr-eval < '$BATS_TEST_TMPDIR/scx' | jq -r 'select(.type == \"verdict\") | .result, .retry, .details[0].kind'"
	[ "$output" = "fail
null
Starved" ]
}

# timeout-rcu-stall-scx.ndjson: a real gauntlet job (mixed_workloads, scx-ktstr, tiny-2llc, -j 2;
# samples left out) whose guest's CPU 0 stopped taking timer interrupts 2 s in (the kernel's RCU
# stall report says so) until the VM's timeout, 180 s later.
@test "eval: a VM that timed out says what the kernel reported: the RCU stall lines join the details" {
	run sh -c "ktstr-eval < '$F/timeout-rcu-stall-scx.ndjson' | jq -r 'select(.type == \"verdict\") | .result, .reason, (.details[] | .kind + \": \" + .message)'"
	[ "$output" = "fail
timeout during the scenario
Monitor: rq_clock stall on cpu 0 for 14 consecutive samples (limit 5; ending at sample 14, clock=30658780977); the VM's most held vCPU waited for a host CPU 56% of that time
Timeout: the scenario did not end before the VM timeout
Console: [   23.265037] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
Console: [   51.600871] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" ]
	# which details failed a check, and which only inform
	[ "$(ktstr-eval < "$F/timeout-rcu-stall-scx.ndjson" | jq -c 'select(.type == "verdict") | [.details[] | [.kind, .fails]]')" = \
		'[["Monitor",true],["Timeout",true],["Console",false],["Console",false]]' ]
}
