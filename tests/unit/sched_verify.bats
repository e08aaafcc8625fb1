#!/usr/bin/env bats
# 'ktstr sched verify' without a VM: its usage errors, and share/ktstr/sched-verify.jq turning
# a record stream into the table, the warnings near the verifier's limit and the failures.
# (tests/vm/verify.bats runs it on real VMs.)
load ../helpers

# Three profiles: default and x loaded (a_prog near the limit in default), y died at start.
stream() {
	cat <<'REC'
{"type":"monitor","job":"verify-default","samples":5,"progs":{"a_prog":{"runs":3,"verified_insns":800000,"jited_bytes":9000},"b_prog":{"runs":1,"verified_insns":100}}}
{"type":"verdict","job":"verify-default","result":"pass","details":[]}
{"type":"monitor","job":"verify-x","samples":5,"progs":{"a_prog":{"verified_insns":749999},"b_prog":{"verified_insns":120},"c_prog":{"verified_insns":7}}}
{"type":"verdict","job":"verify-x","result":"pass","details":[]}
{"type":"scenario_end","job":"verify-y","result":"error","sched_start":"died_at_start"}
{"type":"monitor","job":"verify-y","samples":0}
{"type":"verdict","job":"verify-y","result":"fail","reason":"scheduler s died at start (exit status 1)","details":[{"kind":"SchedulerDied","message":"scheduler s died at start (exit status 1)\nscheduler log (last 2 lines):\n0: (b7) r1 = 0\ninvalid","verifier_log":["0: (b7) r1 = 0","invalid"]}]}
REC
}

verify_jq() {
	stream | jq -r -s --arg mode "$1" --argjson order '["default","x","y"]' --arg sched s \
		--argjson limit 1000000 --argjson warn_pct 75 -f "$KTSTR_SHARE_DIR/sched-verify.jq"
}

@test "sched verify: bad usage exits 2 with one line, before any VM" {
	run ktstr sched verify
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: verify: which scheduler? (see 'ktstr sched --help')" ]
	run ktstr sched verify nosuch
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: verify: unknown scheduler 'nosuch' (see 'ktstr sched list')" ]
	run ktstr sched verify scx-ktstr --profiles default,bogus+scatter
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: verify: --profiles: unknown flag bogus for scx-ktstr" ]
	run ktstr sched verify scx-ktstr --frob
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: verify: unknown option '--frob' (see 'ktstr sched --help')" ]
	run ktstr sched verify --help
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q '^  verify SCHED \[--kernel ID\] \[--profiles a,b+c | --all-profiles\] \[--json\]$'
	run ktstr sched verify scx-ktstr eevdf
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: verify: one scheduler at a time ('scx-ktstr', 'eevdf') (see 'ktstr sched --help')" ]
}

@test "sched verify: programs x profiles, a total row, '!' at 75% of the limit, FAILED" {
	run verify_jq table
	[ "$status" -eq 0 ]
	[ "$output" = "PROGRAM  default       x       y
a_prog   800000!  749999       -
b_prog       100     120       -
c_prog         -       7       -
total     800100  750126  FAILED
! at or above 75% of the kernel's limit of 1000000 instructions" ]
}

@test "sched verify: warnings, failures with the verifier log, one JSON record per profile" {
	run verify_jq warnings
	[ "$output" = "warning: s [default]: a_prog verified 800000 instructions, 80% of the kernel's limit of 1000000" ]
	run verify_jq failures
	[ "$output" = "s [y] failed to load: scheduler s died at start (exit status 1)
  0: (b7) r1 = 0
  invalid" ]
	run sh -c "$(declare -f stream verify_jq); verify_jq json | jq -c '[.profile, .status, .total_verified_insns, .near_limit]'"
	[ "$output" = '["default","loaded",800100,["a_prog"]]
["x","loaded",750126,[]]
["y","failed",0,[]]' ]
}
