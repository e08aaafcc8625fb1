#!/usr/bin/env bats
# ktstr-sidecar show --brief: a run's result as `ktstr run` prints it, from RUNS/RUN/stream.ndjson.
# Each stream is stored as `ktstr run` stores it (what `write --pass` printed). The expected texts
# are what the jq program it replaced (print_summary in bin/ktstr) printed for the same runs.
# Fixtures (tests/fixtures/brief, real `ktstr run` streams, samples left out, paths rewritten to
# /cache, /runs, /build): stall-dumps is scx-ktstr stalling init under TCG, with a SysRq-D dump
# and the kernel's error dump; skip is steady on 1n2l2c1t with a scenario that asks for 3 LLCs.
# Also: sidecar/pass, eval/sched-badverify and eval/tcg-int3-race through ktstr-eval,
# eval/no-vm-exit (never judged), gauntlet/stream (seven jobs).
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures"

setup() {
	R="$BATS_TEST_TMPDIR/runs"
	export KTSTR_RUNS_DIR="$R" KTSTR_COMMIT=abc1234
}

# Store the stream on stdin as run $1, as `ktstr run` does.
store() {
	mkdir -p "$R/$1"
	ktstr-sidecar write --pass --runs-dir "$R" --run-id "$1" > "$R/$1/stream.ndjson" 2> /dev/null || true
}

# The expected text on stdin, @R@ standing for the runs dir.
expected() { sed "s|@R@|$R|g"; }

@test "show --brief: a pass is its verdict, stats and where the records are" {
	store pass < "$F/sidecar/pass.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief pass
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOF'
steady on 1n2l2c1t under scx-ktstr: PASS
  3 workers, 3000 work units, VM 2.5 s (kvm)
  records and logs: @R@/pass
EOF
)" ]
}

@test "show --brief: a failure: details' first lines, cgroups, monitor, scheduler output, console, dumps" {
	store stall < "$F/brief/stall-dumps.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief stall
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOF'
steady on 1n2l2c1t under scx-ktstr: FAIL (sched_ext disabled the scheduler during step 1 of 1 (6.7 s into the test): runnable task stall: init[131] failed to run for 4.864s (ERROR_STALL))
  SchedulerDied: sched_ext disabled the scheduler during step 1 of 1 (6.7 s into the test): runnable task stall: init[131] failed to run for 4.864s (ERROR_STALL)
  Stuck: cg_0: tid 129 stuck 4179 ms on cpu 1 at +5917 ms in step 1 of 1 (limit 3000 ms)
  Stuck: cg_0: tid 130 stuck 4212 ms on cpu 3 at +5929 ms in step 1 of 1 (limit 3000 ms)
  Stuck: cg_1: tid 131 stuck 4887 ms on cpu 0 at +5925 ms in step 1 of 1 (limit 3000 ms)
  Stuck: cg_1: tid 132 stuck 5448 ms on cpu 2 at +5953 ms in step 1 of 1 (limit 3000 ms)
  Starved: worker 131 (cg_1) was runnable on cpu 0 for 4.73 s without running (limit 1.00 s) during step 1 of 1 (from 1.0 s into the scenario)
  Starved: task scx-ktstr (pid 126) was runnable on cpu 0 for 4.72 s without running (limit 1.00 s) during step 1 of 1 (from 1.0 s into the scenario)
  Starved: task init (pid 1) was runnable on cpu 0 for 4.44 s without running (limit 1.00 s) during step 1 of 1 (from 1.3 s into the scenario)
  Starved: 3 more tasks waited past their limit
  WorkConservation: cpus 0-3 sat idle for 5 samples in a row while 6 runnable tasks that may run there waited; the longest, worker 131 (cg_1), waited 1047 ms on cpu 0 during step 1 of 1 (from 1.1 s into the scenario)
  WorkerStuck: cg_0: tid 129 went 4179 ms without running on cpu 1 during step 1 of 1 (6.5 s into the test)
  WorkerStuck: cg_1: tid 131 went 4887 ms without running on cpu 0 during step 1 of 1 (6.5 s into the test)
  WorkerStuck: cg_0: tid 130 went 4212 ms without running on cpu 3 during step 1 of 1 (6.5 s into the test)
  WorkerStuck: cg_1: tid 132 went 5448 ms without running on cpu 2 during step 1 of 1 (6.5 s into the test)
  4 workers, 238741504 work units, VM 29.791 s (tcg)
  cgroup cg_0: 2 workers, 185847808 units, off-CPU 65-65%, max gap 4212 ms
  cgroup cg_1: 2 workers, 52893696 units, off-CPU 75-81%, max gap 5448 ms
  monitor: 60 samples, imbalance max 5 (held 5: 1), local DSQ max 0, rq-clock stalls 0, fallback 0/s, keep-last 14.943/s per CPU
  scheduler output (last lines):
    scx-ktstr: 4 CPUs, 2 LLC(s): 0-1 2-3
    scx-ktstr: attached (ops "ktstr", watchdog timeout 4000 ms)
    {"type":"scx_ktstr","event":"attached","ops":"ktstr","pid":126,"timeout_ms":4000,"slice_us":20000,"stall_after_ms":0,"error_after_ms":0,"slow_us":0,"scatter":false,"degrade_cgroup":null,"verbose":false,"starve_kthread_after_ms":0,"one_cpu":false,"overcharge":0}
    {"type":"scx_ktstr","event":"stats","t_ms":6708,"enqueues":237,"dispatches":148,"idle_hits":82,"steals":18,"kicks":28,"degraded":0,"scattered":0,"slow_spins":0,"stalled_enqueues":6,"balanced":0,"penalised":0}
    scx-ktstr: scheduler exited: ERROR_STALL (1026): runnable task stall: init[131] failed to run for 4.864s
    {"type":"scx_ktstr","event":"exit","kind":"ERROR_STALL","kind_code":1026,"exit_code":0,"reason":"runnable task stall","msg":"init[131] failed to run for 4.864s"}
  console:
    [   15.315420] sysrq: Trigger sched_ext debug dump
    [   19.622074] sched_ext: BPF scheduler "ktstr" disabled (runnable task stall)
    [   19.622911] sched_ext: ktstr: init[131] failed to run for 4.864s
  sched_ext dump 1 (sysrq: SysRq-D), first 20 of 87 lines:
    | ktstr: root
    | Debug dump triggered by SysRq-D
    | 
    | CPU states
    | ----------
    | 
    | CPU 0   : nr_run=3 flags=0x1 cpu_rel=0 ksync=146
    |           curr=swapper/0[0] class=idle_sched_class
    | 
    |   R init[131] *root -1220ms
    |       scx_state/flags=4/0x3 dsq_flags=0x0 ops_state/qseq=0/0
    |       sticky/holding_cpu=-1/-1 dsq_id=0x10002
    |       dsq_vtime=469001331 slice=20000000 weight=100
    |       cpus=f no_mig=0
    | 
    |     asm_sysvec_apic_timer_interrupt+0x1a/0x20
    | 
    |   R scx-ktstr[126] *root -1200ms
    |       scx_state/flags=4/0xb dsq_flags=0x0 ops_state/qseq=0/0
    |       sticky/holding_cpu=-1/-1 dsq_id=0x10002
    whole dump: @R@/stall/steady-1n2l2c1t.dump-1.txt
  sched_ext dump 2 (error: runnable task stall: init[131] failed to run for 4.864s), first 20 of 118 lines:
    | ktstr: root
    | kworker/u17:0[40] triggered exit kind 1026 on CPU 0:
    |   runnable task stall (init[131] failed to run for 4.864s)
    | 
    | Backtrace:
    |   __scx_exit+0x4f/0x70
    |   scx_watchdog_workfn+0x18e/0x240
    |   process_one_work+0x19e/0x370
    |   worker_thread+0x1a6/0x310
    |   kthread+0xe4/0x120
    |   ret_from_fork+0x2b1/0x340
    |   ret_from_fork_asm+0x1a/0x30
    | 
    | CPU states
    | ----------
    | 
    | CPU 0   : nr_run=3 flags=0x1 cpu_rel=0 ksync=270
    |           curr=swapper/0[0] class=idle_sched_class
    | 
    |   R init[131] *root -4864ms
    whole dump: @R@/stall/steady-1n2l2c1t.dump-2.txt
  records and logs: @R@/stall
EOF
)" ]
	# the heads are the stored dumps' first lines
	[ "$(printf '%s\n' "$output" | sed -n '/^  sched_ext dump 2/,/whole dump/p' | sed -n 's/^    | //p')" = \
		"$(head -n 20 "$R/stall/steady-1n2l2c1t.dump-2.txt")" ]
}

@test "show --brief: a dump sent in parts reads as one; a dump no run record names is not stored" {
	store whole < "$F/brief/stall-dumps.ndjson"
	# dump 1 in three parts (its head spans them), dump 2 arriving between the second and third
	jq -c -s '(map(select(.type == "dump" and .dump == 1))[0]) as $d | .[] |
		if .type == "dump" and .dump == 1 then
			($d | .lines = $d.lines[:5] | .last = false),
			($d | .part = 1 | .first_line = 5 | .lines = $d.lines[5:10] | .last = false)
		elif .type == "dump" and .dump == 2 then
			., ($d | .part = 2 | .first_line = 10 | .lines = $d.lines[10:])
		else . end' "$F/brief/stall-dumps.ndjson" | store parts
	[ "$(grep -c '"type":"dump"' "$R/parts/stream.ndjson")" -eq 4 ]
	cmp "$R/parts/steady-1n2l2c1t.dump-1.txt" "$R/whole/steady-1n2l2c1t.dump-1.txt"
	run ktstr-sidecar show --runs-dir "$R" --brief parts
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-sidecar show --runs-dir "$R" --brief whole | sed 's|/whole|/parts|')" ]
	# a stream whose run record does not name the dumps (as before they were stored)
	mkdir "$R/old"
	jq -c 'if .type == "run" then del(.dumps) else . end' "$R/whole/stream.ndjson" > "$R/old/stream.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief old
	[ "$(printf '%s\n' "$output" | grep 'whole dump')" = "    whole dump: not stored
    whole dump: not stored" ]
}

@test "show --brief: a scheduler the verifier refused: its log, loop iterations collapsed" {
	ktstr-eval < "$F/eval/sched-badverify.ndjson" | store badverify
	run ktstr-sidecar show --runs-dir "$R" --brief badverify
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOF'
steady on 1n2l2c1t under scx-ktstr: FAIL (scheduler scx-ktstr died at start (exit status 1): the verifier rejected a program: invalid access to map value, value_size=8 off=512 size=8)
  SchedulerDied: scheduler scx-ktstr died at start (exit status 1): the verifier rejected a program: invalid access to map value, value_size=8 off=512 size=8
  verifier log (repeated loop iterations collapsed):
    scx-ktstr-badverify: verifier: 9: (15) if r0 == 0x0 goto pc+3        ; R0=map_value(map=stats,ks=4,vs=8)
    scx-ktstr-badverify: verifier: ; (*cnt)++; @ scx_ktstr.bpf.c:56
    scx-ktstr-badverify: verifier: 10: (79) r1 = *(u64 *)(r0 +0)         ; R0=map_value(map=stats,ks=4,vs=8) R1=scalar()
    scx-ktstr-badverify: verifier: 11: (07) r1 += 1                      ; R1=scalar()
    scx-ktstr-badverify: verifier: 12: (7b) *(u64 *)(r0 +0) = r1         ;
    scx-ktstr-badverify: verifier: ; u32 key = 0; @ scx_ktstr.bpf.c:186
    scx-ktstr-badverify: verifier: 13: (63) *(u32 *)(r10 -16) = r8       ; R8=0 R10=fp0 fp-16=pppp0
    scx-ktstr-badverify: verifier: 14: (bf) r2 = r10                     ; R2=fp0 R10=fp0
    scx-ktstr-badverify: verifier: 15: (07) r2 += -16                    ; R2=fp-16
    scx-ktstr-badverify: verifier: ; u64 *cnt = bpf_map_lookup_elem(&stats, &key); @ scx_ktstr.bpf.c:187
    scx-ktstr-badverify: verifier: 16: (18) r1 = 0xffff888005b99000      ; R1=map_ptr(map=stats,ks=4,vs=8)
    scx-ktstr-badverify: verifier: 18: (85) call bpf_map_lookup_elem#1   ; R0=map_value(map=stats,ks=4,vs=8)
    scx-ktstr-badverify: verifier: ; if (cnt) @ scx_ktstr.bpf.c:189
    scx-ktstr-badverify: verifier: 19: (15) if r0 == 0x0 goto pc+2       ; R0=map_value(map=stats,ks=4,vs=8)
    scx-ktstr-badverify: verifier: 20: (b7) r1 = 1                       ; R1=1
    scx-ktstr-badverify: verifier: ; cnt[64] = 1; @ scx_ktstr.bpf.c:190
    scx-ktstr-badverify: verifier: 21: (7b) *(u64 *)(r0 +512) = r1
    scx-ktstr-badverify: verifier: invalid access to map value, value_size=8 off=512 size=8
    scx-ktstr-badverify: verifier: R0 min value is outside of the allowed memory range
    scx-ktstr-badverify: verifier: processed 20 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
  records and logs: @R@/badverify
EOF
)" ]
}

@test "show --brief: the scheduler's last 10 output lines, the console's last 10 lines" {
	jq -c 'if .type == "sched" and .log_tail then .log_tail = [range(14) | "line \(.)"] else . end' \
		"$F/brief/stall-dumps.ndjson" | store tail
	run ktstr-sidecar show --runs-dir "$R" --brief tail
	[ "$(printf '%s\n' "$output" | sed -n '/^  scheduler output/,/^  console/p')" = "  scheduler output (last lines):
    line 4
    line 5
    line 6
    line 7
    line 8
    line 9
    line 10
    line 11
    line 12
    line 13
  console:" ]
	# an inconclusive run: 65 console lines (each a detail too), the last 10 shown
	ktstr-eval < "$F/eval/tcg-int3-race.ndjson" | store int3
	run ktstr-sidecar show --runs-dir "$R" --brief int3
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^  Console: ')" -eq 65 ]
	[ "$(printf '%s\n' "$output" | sed -n '1p;/^  monitor/,$p')" = "$(expected <<'EOF'
cpuset_apply on 1n1l4c1t under scx-ktstr: INCONCLUSIVE (the guest kernel trapped on code it was patching (an int3 already patched back): multi-threaded TCG's race, not the scheduler's fault; run again)
  monitor: 21 samples, imbalance max 2 (held 5: 1), local DSQ max 1, rq-clock stalls 0, fallback 0/s, keep-last 13.504/s per CPU
  console:
    [   17.964668]  sysvec_apic_timer_interrupt+0x6c/0x90
    [   17.964690]  </IRQ>
    [   17.964696]  <TASK>
    [   17.964702]  asm_sysvec_apic_timer_interrupt+0x1a/0x20
    [   17.964722] RIP: 0010:pv_native_safe_halt+0xf/0x20
    [   17.964737] Code: 20 d0 c3 cc cc cc cc 0f 1f 40 00 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90 f3 0f 1e fa eb 07 0f 00 2d 65 9a 1c 00 fb f4 <c3> cc cc cc cc 90 66 66 2e 0f 1f 84 00 00 00 00 00 90 90 90 90 90
    [   17.964746] RSP: 0018:ffffc900000c3eb0 EFLAGS: 00010292
    [   17.968691] Kernel panic - not syncing: Fatal exception in interrupt
    [   18.354161] Shutting down cpus with NMI
    [   18.355907] Kernel Offset: disabled
  records and logs: @R@/int3
EOF
)" ]
}

@test "show --brief: a skip is its verdict and reason only" {
	store skip < "$F/brief/skip.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief skip
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOF'
steady on 1n2l2c1t under eevdf: SKIP (needs >= 3 LLCs, topology has 2)
  records and logs: @R@/skip
EOF
)" ]
}

@test "show --brief: a run without a verdict says where to look" {
	store nov < "$F/eval/no-vm-exit.ndjson"
	[ ! -e "$R/nov/steady-1n2l2c1t.json" ]
	run ktstr-sidecar show --runs-dir "$R" --brief nov
	[ "$status" -eq 0 ]
	[ "$output" = "no verdict: see $R/nov" ]
}

@test "show --brief: RUN JOB and RUN TEST pick a job; without, the first verdict; latest" {
	store g1 < "$F/gauntlet/stream.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief g1
	[ "$status" -eq 0 ]
	[ "$output" = "steady on 1n1l4c1t under eevdf: PASS
  4 workers, 193262592 work units, VM 24.752 s (tcg)
  records and logs: $R/g1" ]
	run ktstr-sidecar show --brief g1 steady_llc
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOF'
steady_llc on 1n2l2c1t under eevdf: PASS
  4 workers, 255777792 work units, VM 9.538 s (tcg)
  records and logs: @R@/g1
EOF
)" ]
	run ktstr-sidecar show --brief latest cpuset_apply-tiny-2llc-default
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '1p;/whole dump/p;$p')" = "$(expected <<'EOF'
cpuset_apply on 1n2l2c1t under scx-ktstr: FAIL (sched_ext disabled the scheduler during step 2 of 2 (1.3 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF))
    whole dump: @R@/g1/cpuset_apply-tiny-2llc-default.dump-1.txt
  records and logs: @R@/g1
EOF
)" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 37 ]
}

@test "show --brief: no such run, job or stream; --brief goes alone" {
	run ktstr-sidecar show --brief nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: no run 'nope' in $R" ]
	store g1 < "$F/gauntlet/stream.ndjson"
	run ktstr-sidecar show --brief g1 nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: run g1 has no job or test 'nope'" ]
	ktstr-sidecar write --run-id bare < "$F/sidecar/pass.ndjson" > /dev/null
	run ktstr-sidecar show --brief bare
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: run bare: $R/bare/stream.ndjson: No such file or directory (only a run of \`ktstr run\` or \`ktstr gauntlet\` has one)" ]
	run ktstr-sidecar show --brief --json g1
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: show: --brief goes without --json and --totals" ]
}

@test "show --brief: the largest step index of a degradation is itself, not +1 past it (undefined)" {
	mkdir -p "$R/absurd"
	cp "$BATS_TEST_DIRNAME/../fixtures/sidecar/absurd-numbers.ndjson" "$R/absurd/stream.ndjson"
	run ktstr-sidecar show --runs-dir "$R" --brief absurd
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected <<'EOT'
steady on null under null: FAIL
  step 9223372036854775807 (add cg_0): degradation: work_rate 1 -> 0
  records and logs: @R@/absurd
EOT
)" ]
}
