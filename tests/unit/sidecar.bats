#!/usr/bin/env bats
# ktstr-sidecar: run records written, listed, shown, compared.
# Fixtures: tests/fixtures/sidecar/starved.ndjson is tests/fixtures/eval/starved.ndjson
# (plus a kernel, a guest record and console logs) through ktstr-eval; pass.ndjson is a
# passing scx-ktstr job with a monitor record, also through ktstr-eval.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/sidecar"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
	# the host's load goes into each record; pinned, so compare's notes are exact
	echo "1.00 1.00 1.00 1/100 1" > "$BATS_TEST_TMPDIR/loadavg"
	export KTSTR_LOADAVG="$BATS_TEST_TMPDIR/loadavg"
}

# A verdict-only stream line: job test result work_units spread_pct [kernel]
verdict() {
	printf '{"type":"job","id":"%s","test":"%s","topo":{"name":"1n2l2c1t"},"scheduler":{"name":"eevdf"},"kernel":{"id":"%s"}}\n' \
		"$1" "$2" "${6:-7.2.0}"
	printf '{"type":"verdict","job":"%s","test":"%s","topo":"1n2l2c1t","scheduler":"eevdf","result":"%s","details":[],"stats":{"workers":2,"total_work_units":%s,"cgroups":{"cg_0":{"spread_pct":%s,"max_gap_ms":100}}},"accel":"tcg"}\n' \
		"$1" "$2" "$3" "$4" "$5"
}

# A passing scx-ktstr job whose monitor saw its programs: job enqueue_insns dispatch_insns
verified() {
	printf '{"type":"job","id":"%s","test":"steady","topo":{"name":"1n1l1c1t"},"scheduler":{"name":"scx-ktstr"},"kernel":{"id":"7.2.0"}}\n' "$1"
	printf '{"type":"verdict","job":"%s","test":"steady","topo":"1n1l1c1t","scheduler":"scx-ktstr","result":"pass","details":[],"stats":{"workers":1,"total_work_units":1000,"cgroups":{}},"accel":"tcg","monitor":{"samples":5,"progs":{"ktstr_enqueue":{"runs":9,"verified_insns":%s,"jited_bytes":700},"ktstr_dispatch":{"runs":9,"verified_insns":%s}}}}\n' \
		"$1" "$2" "$3"
}

# Pin a run's start time so list/show output is exact.
set_started() {
	for f in "$KTSTR_RUNS_DIR/$1"/*.json; do
		jq --arg t "$2" '.started_at = $t' "$f" > "$f.new" && mv "$f.new" "$f"
	done
}

@test "sidecar: --help and unknown command" {
	run ktstr-sidecar --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-sidecar COMMAND [ARGS]" ]
	run ktstr-sidecar frob
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: unknown command 'frob' (see 'ktstr-sidecar --help')" ]
	run ktstr-sidecar write --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-sidecar write [--runs-dir DIR] [--run-id ID] [--junit FILE]" ]
}

@test "sidecar write: one summary record per job, exit from the verdict" {
	run ktstr-sidecar write --run-id r1 < "$F/starved.ndjson"
	[ "$status" -eq 1 ]
	[ "$output" = "{\"type\":\"run\",\"run_id\":\"r1\",\"job\":\"j1\",\"test\":\"steady\",\"result\":\"fail\",\"path\":\"$KTSTR_RUNS_DIR/r1/j1.json\"}" ]
	run ktstr-sidecar write --run-id r2 < "$F/pass.ndjson"
	[ "$status" -eq 0 ]
	[ "$(ls "$KTSTR_RUNS_DIR/r2")" = "steady-1n2l2c1t-scx.json" ]
}

@test "sidecar write: the stored record of a failed job, field by field" {
	ktstr-sidecar write --run-id r1 < "$F/starved.ndjson" > /dev/null || true
	f="$KTSTR_RUNS_DIR/r1/j1.json"
	[ "$(jq -c 'keys_unsorted' "$f")" = '["type","schema_version","run_id","job","test","topo","scheduler","flags","result","reason","details","stats","thresholds","monitor","mode","duration_ms","timeout_s","topology","scenario","kernel","accel","vm","logs","host","project_commit","started_at","ended_at","maps","repeat","payloads","payload_metrics","host_load","repro","dumps"]' ]
	[ "$(jq -c '[.type, .schema_version, .run_id, .job, .test, .topo, .result, .reason, .accel, .project_commit, .monitor, .mode, .duration_ms]' "$f")" = \
		'["run",1,"r1","j1","steady","1n2l2c1t","fail",null,"tcg","abc1234",null,"scenario",2000]' ]
	[ "$(jq -c '.scheduler, .flags, .kernel, .vm, .logs, .topology' "$f")" = '{"name":"eevdf","path":null,"args":[]}
[]
{"id":"7.2.0-1-cloud-amd64","image":"/cache/kernels/7.2.0-1-cloud-amd64/vmlinuz","release":"7.2.0-1-cloud-amd64"}
{"exit_reason":"poweroff","exit_code":null,"wall_ms":5000,"vms_at_once":null,"qemu_pid":null}
{"console_log":"/runs/r1/j1.console.log"}
{"name":"1n2l2c1t"}' ]
	[ "$(jq -r '.details[] | .kind + ": " + .message' "$f")" = "Starved: cg_0: tid 12 starved (0 work units in 2.0 s)
Stuck: cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)
Unfair: cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)" ]
	[ "$(jq -c '.stats, .thresholds' "$f")" = "$(jq -c 'select(.type=="verdict") | .stats, .thresholds' "$F/starved.ndjson")" ]
	# pretty JSON, one key per line
	[ "$(sed -n 2p "$f")" = '  "type": "run",' ]
}

@test "sidecar write: scheduler args, flags, monitor summary and host context" {
	ktstr-sidecar write --run-id r2 < "$F/pass.ndjson" > /dev/null
	f="$KTSTR_RUNS_DIR/r2/steady-1n2l2c1t-scx.json"
	jq -e '.monitor == {"samples":18,"max_imbalance_ratio":2.0,"max_local_dsq_depth":3,"stall_count":0}' "$f"
	[ "$(jq -c '.scheduler, .flags, .accel, .vm.qemu_pid, .topology.cpus' "$f")" = '{"name":"scx-ktstr","path":"/build/guest/scx-ktstr","args":["--slow"]}
["llc","borrow"]
"kvm"
4242
4' ]
	[ "$(jq -c '.host | keys_unsorted' "$f")" = '["cpu_model","cpu_vendor","online_cpus","total_memory_kb","kernel_name","kernel_release","arch","kernel_cmdline","thp_enabled","sched_tunables"]' ]
	[ "$(jq -r '.host.kernel_release' "$f")" = "$(uname -r)" ]
	[ "$(jq -r '.host.total_memory_kb' "$f")" = "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" ]
	[ "$(jq -r '.host.sched_tunables | keys | join(",")' "$f")" = "$(cd /proc/sys/kernel && ls -d sched_* 2>/dev/null | sort | paste -sd, -)" ]
	jq -r '.started_at, .ended_at' "$f" | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
}

@test "sidecar write: default run id is UTC time and pid; no temp files left" {
	run ktstr-sidecar write < "$F/pass.ndjson"
	[ "$status" -eq 0 ]
	id=$(printf '%s\n' "$output" | jq -r .run_id)
	printf '%s\n' "$id" | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9]+'
	[ "$(ls -A "$KTSTR_RUNS_DIR/$id")" = "steady-1n2l2c1t-scx.json" ]
}

@test "sidecar write: project commit from git when KTSTR_COMMIT is unset" {
	unset KTSTR_COMMIT
	ktstr-sidecar write --run-id r < "$F/pass.ndjson" > /dev/null
	c=$(jq -r .project_commit "$KTSTR_RUNS_DIR/r/steady-1n2l2c1t-scx.json")
	if git -C "$KTSTR_ROOT" rev-parse HEAD > /dev/null 2>&1; then
		printf '%s\n' "$c" | grep -Eqx '[0-9a-f]{7,}(-dirty)?'
	else
		[ "$c" = null ]
	fi
}

@test "sidecar write: --pass copies every record before the run records" {
	run ktstr-sidecar write --pass --run-id r < "$F/pass.ndjson"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | head -n 11)" = "$(cat "$F/pass.ndjson")" ]
	[ "$(printf '%s\n' "$output" | sed -n 12p | jq -r '.type + " " + .result')" = "run pass" ]
	[ "${#lines[@]}" -eq 12 ]
}

@test "sidecar write: a job without a verdict stores nothing and exits 3" {
	run sh -c "head -n 8 '$F/pass.ndjson' | ktstr-sidecar write --run-id r"
	[ "$status" -eq 3 ]
	[ "$output" = "ktstr-sidecar: job steady-1n2l2c1t-scx: no verdict in the stream (is ktstr-eval in the pipeline?); nothing stored" ]
	[ ! -e "$KTSTR_RUNS_DIR/r" ]
}

@test "sidecar write: malformed input exits 2 naming the line, nothing stored" {
	run sh -c "printf '%s\n' '{\"type\":\"job\",\"id\":\"a\"}' '{\"type\": tru' | ktstr-sidecar write --run-id r"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: stdin:2:12: invalid token near 'tru'" ]
	run sh -c "printf '%s\n' '{\"type\":\"verdict\",\"job\":\"../x\",\"result\":\"pass\"}' | ktstr-sidecar write --run-id r"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: stdin:1: verdict record: job id '../x' must not start with '.' or '-'" ]
	run sh -c "printf '%s\n' '{\"type\":\"verdict\",\"job\":\"a\",\"result\":\"meh\"}' | ktstr-sidecar write --run-id r"
	[ "$status" -eq 2 ]
	[ "$output" = 'ktstr-sidecar: stdin:1: verdict record: "result" must be pass, fail, skip or inconclusive' ]
	run ktstr-sidecar write --run-id ../up < /dev/null
	[ "$status" -eq 2 ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
}

@test "sidecar write: a runs dir that cannot be a folder is one clear error, exit 2, before any record" {
	touch "$BATS_TEST_TMPDIR/file"
	run ktstr-sidecar write --runs-dir "$BATS_TEST_TMPDIR/file/runs" --run-id r < "$F/pass.ndjson"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: runs dir $BATS_TEST_TMPDIR/file/runs: not a directory" ]
}

@test "sidecar write: a full disk leaves no file, not even a temp file" {
	mkdir -p "$KTSTR_RUNS_DIR"
	# ulimit -f 1 (1 KiB) stands in for a full filesystem: the record is ~3 KiB.
	run sh -c "ulimit -f 1; ktstr-sidecar write --run-id r < '$F/pass.ndjson'"
	[ "$status" -eq 3 ]
	[ "$output" = "ktstr-sidecar: job steady-1n2l2c1t-scx: cannot write $KTSTR_RUNS_DIR/r/steady-1n2l2c1t-scx.json: File too large" ]
	[ -z "$(ls -A "$KTSTR_RUNS_DIR/r")" ]
}

@test "sidecar write --tap: TAP lines with details, plan at the end" {
	run sh -c "cat '$F/pass.ndjson' '$F/starved.ndjson' | ktstr-sidecar write --tap --run-id r"
	[ "$status" -eq 1 ]
	[ "$output" = 'TAP version 13
ok 1 - steady 1n2l2c1t scx-ktstr (steady-1n2l2c1t-scx)
not ok 2 - steady 1n2l2c1t eevdf (j1)
  ---
  result: "fail"
  details:
    - kind: "Starved"
      message: "cg_0: tid 12 starved (0 work units in 2.0 s)"
    - kind: "Stuck"
      message: "cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)"
    - kind: "Unfair"
      message: "cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)"
  ...
1..2' ]
}

@test "sidecar write --junit: one testcase per job; failure, skipped, error, system-out" {
	{
		cat "$F/pass.ndjson" "$F/starved.ndjson"
		echo '{"type":"verdict","job":"s","test":"steady_llc","topo":"1n1l2c1t","scheduler":"eevdf","result":"skip","reason":"needs >= 2 LLCs","details":[]}'
		echo '{"type":"verdict","job":"i","test":"steady","topo":"1n1l2c1t","scheduler":"eevdf","result":"inconclusive","reason":"VM ended (timeout) before the scenario started","details":[]}'
	} | ktstr-sidecar write --run-id r --junit "$BATS_TEST_TMPDIR/out.xml" > /dev/null || true
	[ "$(cat "$BATS_TEST_TMPDIR/out.xml")" = '<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" failures="1" errors="1" skipped="1" time="7.500">
  <testsuite name="ktstr" tests="4" failures="1" errors="1" skipped="1" time="7.500">
    <testcase classname="ktstr.scx-ktstr.1n2l2c1t" name="steady (steady-1n2l2c1t-scx)" time="2.500">
      <system-out>result pass
run r, job steady-1n2l2c1t-scx, kernel 7.2.0-1-cloud-amd64, accel kvm, VM 2.5 s, exit poweroff
console_log /runs/r2/steady-1n2l2c1t-scx.console.log
</system-out>
    </testcase>
    <testcase classname="ktstr.eevdf.1n2l2c1t" name="steady (j1)" time="5.000">
      <failure message="cg_0: tid 12 starved (0 work units in 2.0 s)" type="Starved">Starved: cg_0: tid 12 starved (0 work units in 2.0 s)
Stuck: cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)
Unfair: cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)
</failure>
      <system-out>result fail
run r, job j1, kernel 7.2.0-1-cloud-amd64, accel tcg, VM 5.0 s, exit poweroff
console_log /runs/r1/j1.console.log
Starved: cg_0: tid 12 starved (0 work units in 2.0 s)
Stuck: cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)
Unfair: cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)
</system-out>
    </testcase>
    <testcase classname="ktstr.eevdf.1n1l2c1t" name="steady_llc (s)" time="0.000">
      <skipped message="needs &gt;= 2 LLCs"/>
      <system-out>result skip: needs &gt;= 2 LLCs
run r, job s, kernel ?, accel ?, VM 0.0 s, exit ?
</system-out>
    </testcase>
    <testcase classname="ktstr.eevdf.1n1l2c1t" name="steady (i)" time="0.000">
      <error message="inconclusive: VM ended (timeout) before the scenario started" type="inconclusive"/>
      <system-out>result inconclusive: VM ended (timeout) before the scenario started
run r, job i, kernel ?, accel ?, VM 0.0 s, exit ?
</system-out>
    </testcase>
  </testsuite>
</testsuites>' ]
}

@test "sidecar list: newest first with counts, kernel and scheduler" {
	ktstr-sidecar write --run-id aaa-new < "$F/pass.ndjson" > /dev/null
	cat "$F/pass.ndjson" "$F/starved.ndjson" | ktstr-sidecar write --run-id zzz-old > /dev/null || true
	set_started aaa-new 2026-02-01T10:00:00Z
	set_started zzz-old 2026-01-01T10:00:00Z
	mkdir "$KTSTR_RUNS_DIR/not-a-run"
	run ktstr-sidecar list
	[ "$status" -eq 0 ]
	[ "$output" = "RUN      STARTED               JOBS  PASS  FAIL  SKIP  INC  KERNEL               SCHEDULER
aaa-new  2026-02-01T10:00:00Z     1     1     0     0    0  7.2.0-1-cloud-amd64  scx-ktstr
zzz-old  2026-01-01T10:00:00Z     2     1     1     0    0  7.2.0-1-cloud-amd64  eevdf,scx-ktstr" ]
	run ktstr-sidecar list --json
	[ "$(printf '%s\n' "$output" | jq -c '[.run_id, .jobs, .pass, .fail, .schedulers, .project_commit]')" = '["aaa-new",1,1,0,["scx-ktstr"],"abc1234"]
["zzz-old",2,1,1,["eevdf","scx-ktstr"],"abc1234"]' ]
}

@test "sidecar list: no runs is a note on stderr and exit 0" {
	run ktstr-sidecar list
	[ "$status" -eq 0 ]
	[ "$output" = "ktstr-sidecar: no runs in $KTSTR_RUNS_DIR" ]
}

@test "sidecar show: a readable report of a failed job" {
	ktstr-sidecar write --run-id r1 < "$F/starved.ndjson" > /dev/null || true
	set_started r1 2026-01-01T10:00:00Z
	run ktstr-sidecar show r1
	[ "$status" -eq 0 ]
	[ "$output" = "run r1 (started 2026-01-01T10:00:00Z, commit abc1234)

steady on 1n2l2c1t under eevdf: FAIL
  job        j1
  scheduler  eevdf
  kernel     7.2.0-1-cloud-amd64
  accel      tcg, VM 5.0 s, exit poweroff
  failed checks:
    Starved: cg_0: tid 12 starved (0 work units in 2.0 s)
    Stuck: cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 3000 ms)
    Unfair: cg_0: unfair: off-CPU spread 90.0% (5.0-95.0%) over 2 workers on 3 CPUs (limit 35%)
  stats: 2 workers, 100 work units
    cg_0: 2 workers, 100 work units, off-CPU 5.0-95.0% (spread 90.0%), max gap 4500 ms
  console    /runs/r1/j1.console.log
  record     $KTSTR_RUNS_DIR/r1/j1.json" ]
}

@test "sidecar show: one job of a run, latest, --json, unknown names" {
	cat "$F/pass.ndjson" "$F/starved.ndjson" | ktstr-sidecar write --run-id r2 > /dev/null || true
	run ktstr-sidecar show latest steady-1n2l2c1t-scx
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '3,8p')" = "steady on 1n2l2c1t under scx-ktstr: PASS
  job        steady-1n2l2c1t-scx
  scheduler  scx-ktstr --slow (flags llc+borrow)
  kernel     7.2.0-1-cloud-amd64
  accel      kvm, VM 2.5 s, exit poweroff
  stats: 3 workers, 3000 work units" ]
	[ "$(printf '%s\n' "$output" | sed -n '11p')" = "  monitor: samples=18, max_imbalance_ratio=2, max_local_dsq_depth=3, stall_count=0" ]
	run ktstr-sidecar show --json r2 steady
	[ "$(printf '%s\n' "$output" | jq -r .job)" = "j1
steady-1n2l2c1t-scx" ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | jq -S .)" = "$(jq -S . "$KTSTR_RUNS_DIR/r2/steady-1n2l2c1t-scx.json")" ]
	run ktstr-sidecar show nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: no run 'nope' in $KTSTR_RUNS_DIR" ]
	run ktstr-sidecar show r2 nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: run r2 has no job or test 'nope'" ]
}

@test "sidecar compare: a move past both gates is a regression, exit 1" {
	verdict a steady pass 1000 10 | ktstr-sidecar write --run-id base > /dev/null
	verdict a steady pass 1000 20 | ktstr-sidecar write --run-id new > /dev/null
	run ktstr-sidecar compare base new
	[ "$status" -eq 1 ]
	[ "$output" = "A: base (1 job), B: new (1 job)
CHANGE      JOB                        METRIC          A    B  DELTA      REL    N  95% CI
regression  steady 1n2l2c1t eevdf tcg  worst_spread  10%  20%   +10%  +100.0%  1/1       -
note: 1 change judged by the gates alone: too few samples for a confidence interval (it needs 3 on each side: ktstr run --repeat)
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 1 regression, 0 improvements" ]
	run ktstr-sidecar compare --json base new
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = '{"type":"compare_change","change":"regression","key":"steady 1n2l2c1t eevdf tcg","metric":"worst_spread","unit":"%","polarity":"lower","a":10.0,"b":20.0,"delta":10.0,"rel":1.0,"a_n":1,"b_n":1,"a_spread":0.0,"b_spread":0.0,"ci_low":null,"ci_high":null,"ci":"too few samples"}' ]
	[ "$(printf '%s\n' "${lines[1]}" | jq -c '[.type, .pairs, .regressions, .improvements]')" = '["compare_summary",1,1,0]' ]
}

@test "sidecar compare: a move under either gate is not reported, exit 0" {
	# spread 10 -> 14: +4 is under the 5% absolute gate (though +40% relative)
	# spread 40 -> 48: +8 passes the absolute gate, +20% is under the 25% relative gate
	# work 1000 -> 1090: +90 under 100 absolute; work 5000 -> 5400: +8% under 10% relative
	{ verdict a steady pass 1000 10; verdict b mixed pass 5000 40; } |
		ktstr-sidecar write --run-id base > /dev/null
	{ verdict a steady pass 1090 14; verdict b mixed pass 5400 48; } |
		ktstr-sidecar write --run-id new > /dev/null
	run ktstr-sidecar compare base new
	[ "$status" -eq 0 ]
	[ "$output" = "A: base (2 jobs), B: new (2 jobs)
2 pairs compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements" ]
}

@test "sidecar compare: improvements are reported as such, exit 0; polarity of higher-better" {
	verdict a steady pass 1000 20 | ktstr-sidecar write --run-id base > /dev/null
	verdict a steady pass 1200 10 | ktstr-sidecar write --run-id new > /dev/null
	run ktstr-sidecar compare base new
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sed -n '3,6p')" = "improvement  steady 1n2l2c1t eevdf tcg  worst_spread       20%   10%   -10%  -50.0%  1/1       -
improvement  steady 1n2l2c1t eevdf tcg  total_work_units  1000  1200   +200  +20.0%  1/1       -
note: 2 changes judged by the gates alone: too few samples for a confidence interval (it needs 3 on each side: ktstr run --repeat)
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 2 improvements" ]
	# the other way round both are regressions; --metric narrows to one
	run ktstr-sidecar compare --metric total_work_units new base
	[ "$status" -eq 1 ]
	[ "${lines[2]}" = "regression  steady 1n2l2c1t eevdf tcg  total_work_units  1200  1000   -200  -16.7%  1/1       -" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "sidecar compare: pools by kernel, pairs by test; failing jobs left out" {
	{ verdict a steady pass 1000 10 7.1.3; verdict b mixed fail 1000 10 7.1.3; } |
		ktstr-sidecar write --run-id old > /dev/null || true
	{ verdict a steady pass 1000 30 7.2.0; verdict b mixed pass 1000 30 7.2.0;
	  verdict c other pass 1000 30 7.2.0; } | ktstr-sidecar write --run-id new > /dev/null
	run ktstr-sidecar compare --filter topo=1n2l2c1t kernel=7.1 kernel=7.2
	[ "$status" -eq 1 ]
	[ "$output" = "A: kernel=7.1 (2 jobs), B: kernel=7.2 (3 jobs)
CHANGE      JOB                        METRIC          A    B  DELTA      REL    N  95% CI
regression  steady 1n2l2c1t eevdf tcg  worst_spread  10%  30%   +20%  +200.0%  1/1       -
note: 1 change judged by the gates alone: too few samples for a confidence interval (it needs 3 on each side: ktstr run --repeat)
1 pair compared (1 not passing on both sides, 0 only in A, 1 only in B): 1 regression, 0 improvements" ]
	run ktstr-sidecar compare kernel=7.1 kernel=7.3
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: B: no jobs match 'kernel=7.3' in $KTSTR_RUNS_DIR" ]
	run ktstr-sidecar compare color=red kernel=7.2
	[ "$status" -eq 2 ]
	run ktstr-sidecar compare --metric nope old new
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: --metric nope: unknown (see 'ktstr-sidecar metrics'; payload metrics are ID.METRIC)" ]
}

@test "sidecar compare: run=GLOB pools runs made one at a time (A, B, A, B)" {
	for i in 1 2 3; do
		verdict a steady pass 1000 "$((9 + i))" | ktstr-sidecar write --run-id "old-$i" > /dev/null
		verdict a steady pass 1000 "$((29 + i))" | ktstr-sidecar write --run-id "new-$i" > /dev/null
	done
	run ktstr-sidecar compare --json --metric worst_spread 'run=old-*' 'run=new-*'
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "${lines[0]}" | jq -c '[.change, .a, .b, .a_n, .b_n]')" = '["regression",11,31,3,3]' ]
	# a glob matching one run is that run; one matching none is said
	run ktstr-sidecar compare --metric worst_spread 'run=old-[12]' 'run=new-3'
	[ "${lines[0]}" = "A: run=old-[12] (2 jobs), B: run=new-3 (1 job)" ]
	run ktstr-sidecar compare 'run=old-*' 'run=gone-*'
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: B: no jobs match 'run=gone-*' in $KTSTR_RUNS_DIR" ]
}

@test "sidecar: verified instructions per program: stored, shown, gated one by one" {
	verified a 1000 80 | ktstr-sidecar write --run-id base > /dev/null
	verified a 1500 85 | ktstr-sidecar write --run-id new > /dev/null
	[ "$(jq -c '.monitor.progs | map_values(.verified_insns)' "$KTSTR_RUNS_DIR/new/a.json")" = '{"ktstr_enqueue":1500,"ktstr_dispatch":85}' ]
	run ktstr-sidecar show new
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep verified)" = "  verified   1585 insns: ktstr_enqueue 1500, ktstr_dispatch 85" ]
	# enqueue +500 (+50%) passes both gates; dispatch +5 passes neither; the total +505 too
	run ktstr-sidecar compare base new
	[ "$status" -eq 1 ]
	[ "$output" = "A: base (1 job), B: new (1 job)
CHANGE      JOB                            METRIC                                  A           B       DELTA     REL    N  95% CI
regression  steady 1n1l1c1t scx-ktstr tcg  verified_insns[ktstr_enqueue]  1000 insns  1500 insns  +500 insns  +50.0%  1/1       -
regression  steady 1n1l1c1t scx-ktstr tcg  total_verified_insns           1080 insns  1585 insns  +505 insns  +46.8%  1/1       -
note: 2 changes judged by the gates alone: too few samples for a confidence interval (it needs 3 on each side: ktstr run --repeat)
1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 2 regressions, 0 improvements" ]
	run ktstr-sidecar compare --metric verified_insns new base
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "improvement  steady 1n1l1c1t scx-ktstr tcg  verified_insns[ktstr_enqueue]  1500 insns  1000 insns  -500 insns  -33.3%  1/1       -" ]
}

@test "sidecar show: counts past any integer and the largest step index print as they are" {
	verdict a steady pass 1000 5 |
		sed 's/"workers":2/"workers":1e19/; s/"max_gap_ms":100/"max_gap_ms":100,"num_workers":-1e19/; s/"accel":"tcg"/"accel":"tcg","timeline":[{"step":9223372036854775807,"op":"add cg_0","samples":3}]/' |
		ktstr-sidecar write --run-id big > /dev/null
	run ktstr-sidecar show big
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -E 'workers|step ')" = "  stats: 10000000000000000000 workers, 1000 work units
    cg_0: -10000000000000000000 workers, 0 work units, off-CPU 0.0-0.0% (spread 5.0%), max gap 100 ms
    step 9223372036854775807 (add cg_0): 3 samples" ]
}

@test "sidecar show: counts too big to add up saturate their total instead of overflowing" {
	verified a 9223372036854775807 9223372036854775807 | ktstr-sidecar write --run-id huge > /dev/null
	run ktstr-sidecar show huge
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep verified)" = "  verified   9223372036854775807 insns: ktstr_enqueue 9223372036854775807, ktstr_dispatch 9223372036854775807" ]
}

@test "sidecar metrics: the 19 regression metrics plus total_work_units, verified instructions and CPU shares, gates and polarity" {
	run ktstr-sidecar metrics --json
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .name | paste -sd, -)" = "worst_spread,worst_gap_ms,total_migrations,worst_migration_ratio,max_imbalance_ratio,max_dsq_depth,stall_count,total_fallback,total_keep_last,worst_p99_wake_latency_us,worst_median_wake_latency_us,worst_wake_latency_cv,total_iterations,worst_mean_run_delay_us,worst_run_delay_us,worst_wake_latency_tail_ratio,worst_iterations_per_worker,worst_page_locality,worst_cross_node_migration_ratio,verified_insns,total_verified_insns,total_work_units,worst_share_ratio,worst_cpu_use_pct" ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.name == "worst_gap_ms") | [.polarity, .abs_gate, .rel_gate, .path]')" = '["lower",500,0.5,"stats.cgroups.*.max_gap_ms"]' ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.polarity == "higher") | .name' | paste -sd, -)" = "total_iterations,worst_iterations_per_worker,worst_page_locality,total_work_units,worst_cpu_use_pct" ]
}
