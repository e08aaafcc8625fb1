#!/usr/bin/env bats
# ktstr-sidecar merge: the runs of a gauntlet's shards, copied back from several machines,
# joined into one new run.
# Fixtures: tests/fixtures/merge/shard-a.ndjson (steady passes, mixed fails with a sched_ext
# dump) and shard-b.ndjson (steady on 2n4l2c1t passes, cpuset_llc is skipped) are what
# ktstr-eval hands ktstr-sidecar for each shard; their console logs were at /runs/shard-*/.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/merge"

setup() {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_COMMIT=abc1234
}

# Pin a run's start time so list/show output is exact.
set_started() {
	for f in "$2/$1"/*.json; do
		jq --arg t "$3" '.started_at = $t' "$f" > "$f.new" && mv "$f.new" "$f"
	done
}

# A shard's run as the gauntlet stores it: NAME FIXTURE STARTED [RUNS].
shard() {
	local runs=${4:-$KTSTR_RUNS_DIR} j
	mkdir -p "$runs/$1"
	jq -c 'select(.type == "job")' "$2" > "$runs/$1/jobs.ndjson"
	for j in $(jq -r 'select(.type == "vm" and .phase == "started") | .job' "$2"); do
		echo "console of $j on $1" > "$runs/$1/$j.console.log"
	done
	ktstr-sidecar write --pass --runs-dir "$runs" --run-id "$1" < "$2" > "$runs/$1/stream.ndjson" || true
	set_started "$1" "$runs" "$3"
}

two_shards() {
	shard shard-a "$F/shard-a.ndjson" 2026-01-01T10:00:00Z
	shard shard-b "$F/shard-b.ndjson" 2026-01-01T10:05:00Z
}

# Every file under the runs dir with its bytes and modification time.
snapshot() {
	(cd "$KTSTR_RUNS_DIR" && find . -type f | sort | while read -r f; do
		printf '%s %s %s\n' "$f" "$(md5sum < "$f" | cut -c1-32)" "$(stat -c %Y "$f")"
	done)
}

@test "sidecar merge: --help, in ktstr-sidecar --help too" {
	run ktstr-sidecar merge --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-sidecar merge [--runs-dir DIR] [--run-id ID] [--json] RUN..." ]
	printf '%s\n' "$output" | grep -q 'A job in two RUNs is an error, even with identical records'
	run ktstr-sidecar --help
	[ "$(printf '%s\n' "$output" | grep -A1 '^  merge')" = "  merge [--runs-dir DIR] [--run-id ID] [--json] RUN...
        join stored runs (a gauntlet's shards) into one new run" ]
	run ktstr-sidecar merge
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: which runs? (see 'ktstr-sidecar merge --help')" ]
}

@test "sidecar merge: two shards make one run that list counts whole" {
	two_shards
	mkdir "$BATS_TEST_TMPDIR/copied"
	cp -a "$KTSTR_RUNS_DIR/shard-b" "$BATS_TEST_TMPDIR/copied/"
	# a run id in RUNS and a run directory copied back from elsewhere
	run ktstr-sidecar merge --run-id all shard-a "$BATS_TEST_TMPDIR/copied/shard-b"
	[ "$status" -eq 1 ]
	[ "$output" = "all" ]
	[ "$(ls "$KTSTR_RUNS_DIR/all")" = "cpuset_llc-1n1l2c1t.json
jobs.ndjson
mixed-1n2l2c1t.console.log
mixed-1n2l2c1t.dump-1.txt
mixed-1n2l2c1t.json
steady-1n2l2c1t.console.log
steady-1n2l2c1t.json
steady-2n4l2c1t.console.log
steady-2n4l2c1t.json
stream.ndjson" ]
	run ktstr-sidecar list
	[ "$status" -eq 0 ]
	[ "$output" = "RUN      STARTED               JOBS  PASS  FAIL  SKIP  INC  KERNEL               SCHEDULER
shard-b  2026-01-01T10:05:00Z     2     1     0     1    0  7.2.0-1-cloud-amd64  scx-ktstr
shard-a  2026-01-01T10:00:00Z     2     1     1     0    0  7.2.0-1-cloud-amd64  scx-ktstr
all      2026-01-01T10:00:00Z     4     2     1     1    0  7.2.0-1-cloud-amd64  scx-ktstr" ]
	# the streams and the job lists one after the other, in the order given
	[ "$(cat "$KTSTR_RUNS_DIR/all/stream.ndjson")" = "$(cat "$KTSTR_RUNS_DIR/shard-a/stream.ndjson" "$KTSTR_RUNS_DIR/shard-b/stream.ndjson")" ]
	[ "$(jq -r .id "$KTSTR_RUNS_DIR/all/jobs.ndjson")" = "steady-1n2l2c1t
mixed-1n2l2c1t
steady-2n4l2c1t
cpuset_llc-1n1l2c1t" ]
	[ "$(cat "$KTSTR_RUNS_DIR/all/steady-2n4l2c1t.console.log")" = "console of steady-2n4l2c1t on shard-b" ]
	[ ! -e "$KTSTR_RUNS_DIR/.merge-"* ]
}

@test "sidecar merge: show of the merged run lists every job, with its logs and dumps there" {
	two_shards
	ktstr-sidecar merge --run-id all shard-a shard-b > /dev/null || true
	R=$KTSTR_RUNS_DIR/all
	run ktstr-sidecar show all
	[ "$status" -eq 0 ]
	[ "$output" = "run all (started 2026-01-01T10:00:00Z, commit abc1234)

cpuset_llc on 1n1l2c1t under scx-ktstr: SKIP
  reason     needs >= 2 LLCs
  job        cpuset_llc-1n1l2c1t
  scheduler  scx-ktstr
  kernel     7.2.0-1-cloud-amd64
  accel      tcg
  console    (none)
  record     $R/cpuset_llc-1n1l2c1t.json

mixed on 1n2l2c1t under scx-ktstr: FAIL
  job        mixed-1n2l2c1t
  scheduler  scx-ktstr
  kernel     7.2.0-1-cloud-amd64
  accel      tcg, VM 4.0 s, exit poweroff
  failed checks:
    SchedulerDied: scx_bpf_error: ktstr: injected error
  stats: 4 workers, 1000 work units
  sched_ext dump 1 (error: scx_bpf_error: ktstr: injected error), first 3 of 3 lines:
    | ktstr: root
    | busybox[132] triggered exit kind 1025 on CPU 3:
    |   scx_bpf_error (ktstr: injected error)
    whole dump: $R/mixed-1n2l2c1t.dump-1.txt
  console    $R/mixed-1n2l2c1t.console.log
  record     $R/mixed-1n2l2c1t.json

steady on 1n2l2c1t under scx-ktstr: PASS
  job        steady-1n2l2c1t
  scheduler  scx-ktstr
  kernel     7.2.0-1-cloud-amd64
  accel      tcg, VM 5.0 s, exit poweroff
  stats: 4 workers, 4000 work units
    cg_0: 4 workers, 4000 work units, off-CPU 5.0-9.0% (spread 4.0%), max gap 30 ms
  console    $R/steady-1n2l2c1t.console.log
  record     $R/steady-1n2l2c1t.json

steady on 2n4l2c1t under scx-ktstr: PASS
  job        steady-2n4l2c1t
  scheduler  scx-ktstr
  kernel     7.2.0-1-cloud-amd64
  accel      tcg, VM 6.0 s, exit poweroff
  stats: 8 workers, 8000 work units
  console    $R/steady-2n4l2c1t.console.log
  record     $R/steady-2n4l2c1t.json" ]
	[ "$(cat "$R/mixed-1n2l2c1t.dump-1.txt")" = "$(cat "$KTSTR_RUNS_DIR/shard-a/mixed-1n2l2c1t.dump-1.txt")" ]
}

@test "sidecar merge: records name the new run and their origin, the rest as stored" {
	two_shards
	ktstr-sidecar merge --run-id all shard-a shard-b > /dev/null || true
	for j in steady-1n2l2c1t mixed-1n2l2c1t; do
		[ "$(jq -S 'del(.run_id, .merged_from, .logs)' "$KTSTR_RUNS_DIR/all/$j.json")" = \
			"$(jq -S 'del(.run_id, .logs)' "$KTSTR_RUNS_DIR/shard-a/$j.json")" ]
	done
	[ "$(jq -c '[.run_id, .merged_from, .logs.console_log]' "$KTSTR_RUNS_DIR/all"/*.json)" = "[\"all\",\"shard-b\",null]
[\"all\",\"shard-a\",\"$KTSTR_RUNS_DIR/all/mixed-1n2l2c1t.console.log\"]
[\"all\",\"shard-a\",\"$KTSTR_RUNS_DIR/all/steady-1n2l2c1t.console.log\"]
[\"all\",\"shard-b\",\"$KTSTR_RUNS_DIR/all/steady-2n4l2c1t.console.log\"]" ]
	# pretty JSON as write stores it
	[ "$(sed -n 2p "$KTSTR_RUNS_DIR/all/steady-1n2l2c1t.json")" = '  "type": "run",' ]
	# a merged run merged again keeps the first origin
	run ktstr-sidecar merge --run-id more --runs-dir "$BATS_TEST_TMPDIR/other" "$KTSTR_RUNS_DIR/all"
	[ "$status" -eq 1 ]
	[ "$(jq -r .merged_from "$BATS_TEST_TMPDIR/other/more/steady-1n2l2c1t.json")" = shard-a ]
}

@test "sidecar merge: --json summary, a default run id, inputs left as they were" {
	two_shards
	before=$(snapshot)
	run ktstr-sidecar merge --json shard-b shard-a
	[ "$status" -eq 1 ]
	id=$(printf '%s\n' "$output" | jq -r .run)
	printf '%s\n' "$id" | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9]+'
	[ "$output" = "{\"type\":\"merge\",\"run\":\"$id\",\"path\":\"$KTSTR_RUNS_DIR/$id\",\"jobs\":4,\"inputs\":[\"$KTSTR_RUNS_DIR/shard-b\",\"$KTSTR_RUNS_DIR/shard-a\"]}" ]
	[ "$(jq -r .id "$KTSTR_RUNS_DIR/$id/jobs.ndjson" | head -n 1)" = steady-2n4l2c1t ]
	[ "$(snapshot | grep -v "^./$id/")" = "$before" ]
	# copies keep their files' times
	[ "$(stat -c %Y "$KTSTR_RUNS_DIR/$id/mixed-1n2l2c1t.dump-1.txt")" = "$(stat -c %Y "$KTSTR_RUNS_DIR/shard-a/mixed-1n2l2c1t.dump-1.txt")" ]
	[ "$(ls -A "$KTSTR_RUNS_DIR")" = "$id
shard-a
shard-b" ]
}

@test "sidecar merge: exit status from the merged jobs: 0 pass and skip, 1 a fail, 77 all skipped" {
	jq -c 'select(.id == "steady-2n4l2c1t" or .job == "steady-2n4l2c1t")' "$F/shard-b.ndjson" > "$BATS_TEST_TMPDIR/pass"
	jq -c 'select(.id == "cpuset_llc-1n1l2c1t" or .job == "cpuset_llc-1n1l2c1t")' "$F/shard-b.ndjson" > "$BATS_TEST_TMPDIR/skip"
	shard p "$BATS_TEST_TMPDIR/pass" 2026-01-01T10:00:00Z
	shard s "$BATS_TEST_TMPDIR/skip" 2026-01-01T10:00:00Z
	shard a "$F/shard-a.ndjson" 2026-01-01T10:00:00Z
	run ktstr-sidecar merge --run-id ps p s
	[ "$status" -eq 0 ]
	run ktstr-sidecar merge --run-id ss s
	[ "$status" -eq 77 ]
	[ "$output" = ss ]
	run ktstr-sidecar merge --run-id psa p s a
	[ "$status" -eq 1 ]
}

@test "sidecar merge: a job in two runs is an error, even a run copied twice; nothing stored" {
	two_shards
	shard shard-b-again "$F/shard-b.ndjson" 2026-01-01T12:00:00Z
	before=$(snapshot)
	run ktstr-sidecar merge shard-a shard-b shard-b-again
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: job cpuset_llc-1n1l2c1t is in both shard-b and shard-b-again" ]
	mkdir "$BATS_TEST_TMPDIR/copy"
	cp -a "$KTSTR_RUNS_DIR/shard-a" "$BATS_TEST_TMPDIR/copy/"
	run ktstr-sidecar merge shard-a "$BATS_TEST_TMPDIR/copy/shard-a"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: job mixed-1n2l2c1t is in both shard-a and $BATS_TEST_TMPDIR/copy/shard-a" ]
	run ktstr-sidecar merge shard-a "$KTSTR_RUNS_DIR/shard-a"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: shard-a and $KTSTR_RUNS_DIR/shard-a are the same run" ]
	# another file in two runs
	echo x > "$KTSTR_RUNS_DIR/shard-a/notes.txt"
	echo y > "$KTSTR_RUNS_DIR/shard-b/notes.txt"
	run ktstr-sidecar merge shard-a shard-b
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: file notes.txt is in both shard-a and shard-b" ]
	rm "$KTSTR_RUNS_DIR/shard-a/notes.txt" "$KTSTR_RUNS_DIR/shard-b/notes.txt"
	[ "$(snapshot)" = "$before" ]
}

@test "sidecar merge: runs on other kernels and accels merge with a warning line each" {
	shard shard-a "$F/shard-a.ndjson" 2026-01-01T10:00:00Z
	sed 's/"accel":"tcg"/"accel":"kvm"/g; s/7\.2\.0-1/7.1.0-2/g' "$F/shard-b.ndjson" > "$BATS_TEST_TMPDIR/kvm"
	shard shard-kvm "$BATS_TEST_TMPDIR/kvm" 2026-01-01T10:00:00Z
	ktstr-sidecar merge --run-id m shard-a shard-kvm > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" || true
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = m ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "ktstr-sidecar: merge: the runs differ in kernel: 7.2.0-1-cloud-amd64 (shard-a), 7.1.0-2-cloud-amd64 (shard-kvm)
ktstr-sidecar: merge: the runs differ in accel: tcg (shard-a), kvm (shard-kvm)" ]
	[ "$(ktstr-sidecar list | grep '^m ')" = "m          2026-01-01T10:00:00Z     4     2     1     1    0  7.1.0-2-cloud-amd64,7.2.0-1-cloud-amd64  scx-ktstr" ]
}

@test "sidecar merge: bad input is one line naming it, exit 2, nothing stored" {
	two_shards
	before=$(snapshot)
	run ktstr-sidecar merge shard-a nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: nope: no such run in $KTSTR_RUNS_DIR, nor a directory" ]
	run ktstr-sidecar merge shard-a "$KTSTR_RUNS_DIR/shard-b/jobs.ndjson"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: $KTSTR_RUNS_DIR/shard-b/jobs.ndjson: not a run directory" ]
	run ktstr-sidecar merge shard-a "$KTSTR_RUNS_DIR"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: $KTSTR_RUNS_DIR: not a run directory (no run records)" ]
	run ktstr-sidecar merge --run-id 'a/b' shard-a
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: --run-id 'a/b': the run id may hold only letters, digits, '.', '_', '+' and '-'" ]
	run ktstr-sidecar merge --run-id shard-b shard-a
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: run shard-b already exists in $KTSTR_RUNS_DIR" ]
	[ "$(snapshot)" = "$before" ]
	# a run record cut short in the copy
	head -c 100 "$KTSTR_RUNS_DIR/shard-b/steady-2n4l2c1t.json" > "$BATS_TEST_TMPDIR/cut"
	cp "$BATS_TEST_TMPDIR/cut" "$KTSTR_RUNS_DIR/shard-b/steady-2n4l2c1t.json"
	run ktstr-sidecar merge shard-a shard-b
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: shard-b/steady-2n4l2c1t.json:6: premature end of input near '\"test'" ]
	echo '{"type":"run","job":"other","result":"pass"}' > "$KTSTR_RUNS_DIR/shard-b/steady-2n4l2c1t.json"
	run ktstr-sidecar merge shard-a shard-b
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: merge: shard-b/steady-2n4l2c1t.json: a run record whose \"job\" is not 'steady-2n4l2c1t'" ]
	[ "$(ls -A "$KTSTR_RUNS_DIR")" = "shard-a
shard-b" ]
}

@test "sidecar merge: a merge that cannot write leaves no directory, exit 3" {
	two_shards
	before=$(snapshot)
	# ulimit -f 1 (1 KiB) stands in for a full filesystem: jobs.ndjson, first, is ~1.3 KiB.
	run sh -c "ulimit -f 1; ktstr-sidecar merge --run-id all shard-a shard-b"
	[ "$status" -eq 3 ]
	[ "$output" = "ktstr-sidecar: merge: run all: cannot write jobs.ndjson: File too large" ]
	[ "$(ls -A "$KTSTR_RUNS_DIR")" = "shard-a
shard-b" ]
	[ "$(snapshot)" = "$before" ]
}

# Run a command with SIG pending but blocked: it arrives when the merge unblocks it, which
# it does once it catches it, just before it builds the run.
with_pending() {
	perl -MPOSIX -e '$s = shift; $SIG{$s} = "DEFAULT";
		sigprocmask(SIG_BLOCK, POSIX::SigSet->new(eval "POSIX::SIG$s"));
		kill $s, $$; exec @ARGV or exit 126' "$@"
}

@test "sidecar merge: SIGTERM or SIGINT midway leaves no directory and ends the merge by it" {
	two_shards
	before=$(snapshot)
	run with_pending TERM ktstr-sidecar merge --run-id all shard-a shard-b
	[ "$status" -eq 143 ]
	[ -z "$output" ]
	run with_pending INT ktstr-sidecar merge --run-id all shard-a shard-b
	[ "$status" -eq 130 ]
	[ "$(ls -A "$KTSTR_RUNS_DIR")" = "shard-a
shard-b" ]
	[ "$(snapshot)" = "$before" ]
	# the same command without the signal stores the run
	run ktstr-sidecar merge --run-id all shard-a shard-b
	[ "$status" -eq 1 ]
	[ "$output" = all ]
}

@test "sidecar merge: a stream cut mid-line still joins line by line" {
	two_shards
	printf '{"type":"vm","job":"x","pha' >> "$KTSTR_RUNS_DIR/shard-a/stream.ndjson"
	ktstr-sidecar merge --run-id all shard-a shard-b > /dev/null || true
	n_a=$(wc -l < "$KTSTR_RUNS_DIR/shard-a/stream.ndjson")
	[ "$(sed -n "$((n_a + 1))p" "$KTSTR_RUNS_DIR/all/stream.ndjson")" = '{"type":"vm","job":"x","pha' ]
	[ "$(sed -n "$((n_a + 2))p" "$KTSTR_RUNS_DIR/all/stream.ndjson")" = "$(head -n 1 "$KTSTR_RUNS_DIR/shard-b/stream.ndjson")" ]
}
