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
