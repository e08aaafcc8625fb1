#!/bin/sh
# ktstr-eval against jq on the same 200,000-record streams. jq does the equivalent work:
# copy every record through and add a per-job verdict (fail when a worker did no work or a gap
# exceeds the TCG limit) when the job's VM exits; ktstr-eval also judges everything else.
# - samples (the target): 2,000 jobs x 100 records as the full pipeline (ktstr-probe included)
#   carries them: the records of a real scx-ktstr TCG run (tests/fixtures/eval/monitor-pass.ndjson:
#   job, vm, guest, topo_check, sched, step, 4 workers, scenario_end, monitor) plus 84 `sample`
#   records (100 ms cadence, 4 CPUs) per job as the bulk; every 7th job has a worker at zero work.
# - workers: the older stream, 2,000 jobs x (job, vm, guest, step, 94 workers, scenario_end, vm)
#   built from tests/fixtures/eval/steady-eevdf.ndjson, every 7th job with one worker at zero work.
# Each is timed best of N (KTSTR_BENCH_N, default 3), ktstr-eval and jq alternating.
# Output: `eval.NAME VALUE UNIT` lines (eval.workers.* for the second stream) and
# `eval.ratio X (target <= 0.10)`: ktstr-eval's time over jq's on the samples stream.
# Exit 0 measured, 3 could not measure, 2 bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH="${KTSTR_BUILD_DIR:+$KTSTR_BUILD_DIR/bin:}$root/build/bin:$PATH"
export PATH KTSTR_SHARE_DIR="${KTSTR_SHARE_DIR:-$root/share/ktstr}"

N=${KTSTR_BENCH_N:-3}
JOBS=2000
TARGET=0.10
fixtures=$root/tests/fixtures/eval

die() {
	echo "bench eval: $*" >&2
	exit 3
}
case $N in
'' | *[!0-9]* | 0) echo "bench eval: KTSTR_BENCH_N='$N': not a positive number" >&2; exit 2 ;;
esac
command -v ktstr-eval > /dev/null || die "ktstr-eval not built (run make)"
command -v jq > /dev/null || die "jq not found"
for f in steady-eevdf monitor-pass; do [ -r "$fixtures/$f.ndjson" ] || die "no fixture $fixtures/$f.ndjson"; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench-eval.XXXXXX") || die "cannot create a temp dir"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
case $(now_ms) in *[!0-9]*) die "date +%s%3N does not give milliseconds here" ;; esac

# ---- samples stream: per job the 16 records of monitor-pass with 84 samples after its step
awk -v jobs="$JOBS" '
	/"type":"job"/ { job = $0; next }
	/"type":"vm"/ && /"phase":"started"/ { vms = $0; next }
	/"type":"vm"/ { vme = $0; next }
	/"type":"step"/ { step = $0; next }
	/"type":"worker"/ { w[nw++] = $0; next }
	/"type":"monitor"/ { sub(/"samples":[0-9]+/, "\"samples\":64"); after[na++] = $0; next }
	/"type":"scenario_end"/ || /"event":"detached"/ || (/"event":"kmsg"/ && /disabled/) { after[na++] = $0; next }
	{ before[nb++] = $0 }
	function put(line, id) { gsub(/steady-1n2l2c1t/, id, line); print line }
	function sample(id, j, s,   line, c, nr) {
		line = "{\"type\":\"sample\",\"job\":\"" id "\",\"t_ms\":" (100 * s + 40) ",\"cpus\":["
		for (c = 0; c < 4; c++) {
			nr = (j + s + c) % 3
			line = line (c ? "," : "") "{\"cpu\":" c ",\"nr_running\":" nr ",\"scx_nr_running\":" nr \
				",\"local_dsq_depth\":" ((s + c) % 2) ",\"rq_clock\":" (1000000000 + 100000000 * s + 13 * c) \
				",\"curr_pid\":" (nr ? 126 + c : 0) "}"
		}
		print line "],\"events\":{\"select_cpu_fallback\":" s ",\"dispatch_local_dsq_offline\":0,\"dispatch_keep_last\":" int(s / 4) ",\"enq_skip_exiting\":0}}"
	}
	END {
		for (j = 0; j < jobs; j++) {
			id = sprintf("bench-%04d", j)
			put(job, id); put(vms, id)
			for (k = 0; k < nb; k++) put(before[k], id)
			put(step, id)
			for (s = 0; s < 84; s++) sample(id, j, s)
			for (k = 0; k < nw; k++) {
				line = w[k]
				if (j % 7 == 0 && k == 1) sub(/"work_units":[0-9]+/, "\"work_units\":0", line)
				put(line, id)
			}
			for (k = 0; k < na; k++) put(after[k], id)
			put(vme, id)
		}
	}' "$fixtures/monitor-pass.ndjson" > "$tmp/samples.ndjson" || die "cannot build the samples stream"

# ---- workers stream: per job 1 job + 1 vm started + 1 guest + 1 step + 94 workers + 1 scenario_end + 1 vm exited
awk -v jobs="$JOBS" '
	/"type":"job"/ { job = $0; next }
	/"type":"vm"/ && /"phase":"started"/ { vms = $0; next }
	/"type":"vm"/ { vme = $0; next }
	/"type":"guest"/ { guest = $0; next }
	/"type":"step"/ { step = $0; next }
	/"type":"scenario_end"/ { send = $0; next }
	/"type":"worker"/ { w[nw++] = $0; next }
	function put(line, id) { gsub(/steady-1n2l2c1t/, id, line); print line }
	END {
		for (j = 0; j < jobs; j++) {
			id = sprintf("bench-%04d", j)
			put(job, id); put(vms, id); put(guest, id); put(step, id)
			for (k = 0; k < 94; k++) {
				line = w[k % nw]
				sub(/"tid":[0-9]+/, "\"tid\":" (1000 + k), line)
				if (j % 7 == 0 && k == 5)
					sub(/"work_units":[0-9]+/, "\"work_units\":0", line)
				put(line, id)
			}
			put(send, id); put(vme, id)
		}
	}' "$fixtures/steady-eevdf.ndjson" > "$tmp/workers.ndjson" || die "cannot build the workers stream"
for s in samples workers; do
	records=$(wc -l < "$tmp/$s.ndjson")
	[ "$records" -eq $((JOBS * 100)) ] || die "$s stream has $records records, expected $((JOBS * 100))"
done
[ "$(grep -c '"type":"sample"' "$tmp/samples.ndjson")" -eq $((JOBS * 84)) ] || die "samples stream: wrong sample count"

# The same in jq: every record through, a job's verdict after its VM's exit, then
# inconclusive for jobs whose VM never exited (null marks the end of the input).
cat > "$tmp/verdict.jq" <<'JQ'
def verdict($id; $s; $exited):
	{type: "verdict", job: $id,
	 result: (if ($exited | not) then "inconclusive"
		  elif ($s.starved // 0) > 0 or ($s.gap // 0) > $gap then "fail" else "pass" end)};
foreach (inputs, null) as $r ({jobs: {}, out: []};
	if $r == null then .out = [.jobs | to_entries[] | verdict(.key; .value; false)]
	elif $r.type == "worker" then
		.out = []
		| .jobs[$r.job] |= ((.starved //= 0) | (.gap //= 0)
			| .starved += (if $r.work_units <= 0 then 1 else 0 end)
			| .gap = ([.gap, $r.max_gap_ms] | max))
	elif $r.type == "vm" and $r.phase == "exited" then
		.out = [verdict($r.job; .jobs[$r.job]; true)] | del(.jobs[$r.job])
	else .out = [] end;
	($r // empty), .out[])
JQ

# Both must agree on every verdict, and copy every record, before their times mean anything.
# ktstr-eval's copy is byte for byte; jq's is re-serialised, so only its lines are counted.
check_agree() { # STREAM
	ktstr-eval < "$tmp/$1.ndjson" > "$tmp/eval.out" 2> "$tmp/eval.err"
	jq -nc --argjson gap 3000 -f "$tmp/verdict.jq" < "$tmp/$1.ndjson" > "$tmp/jq.out" || die "$1: jq failed"
	grep -v '^{"type":"verdict"' "$tmp/eval.out" | cmp -s - "$tmp/$1.ndjson" ||
		die "$1: ktstr-eval did not copy the stream byte for byte: $(head -c 300 "$tmp/eval.err")"
	[ "$(grep -vc '^{"type":"verdict"' "$tmp/jq.out")" -eq $((JOBS * 100)) ] || die "$1: jq did not copy the stream"
	jq -r 'select(.type == "verdict") | .job + " " + .result' "$tmp/eval.out" | sort > "$tmp/eval.verdicts"
	jq -r 'select(.type == "verdict") | .job + " " + .result' "$tmp/jq.out" | sort > "$tmp/jq.verdicts"
	[ "$(wc -l < "$tmp/eval.verdicts")" -eq "$JOBS" ] || die "$1: ktstr-eval gave $(wc -l < "$tmp/eval.verdicts") verdicts: $(head -c 300 "$tmp/eval.err")"
	cmp -s "$tmp/eval.verdicts" "$tmp/jq.verdicts" || die "$1: ktstr-eval and jq disagree: $(diff "$tmp/eval.verdicts" "$tmp/jq.verdicts" | head -n 3)"
	fails=$(grep -c ' fail$' "$tmp/eval.verdicts")
	rm -f "$tmp/eval.out" "$tmp/jq.out"
}

# Best of N for ktstr-eval and jq on STREAM, alternating: sets best_eval and best_jq (ms).
time_both() { # STREAM
	best_eval="" best_jq=""
	i=0
	while [ "$i" -lt "$N" ]; do
		t0=$(now_ms); ktstr-eval < "$tmp/$1.ndjson" > /dev/null; t1=$(now_ms)
		jq -nc --argjson gap 3000 -f "$tmp/verdict.jq" < "$tmp/$1.ndjson" > /dev/null; t2=$(now_ms)
		e=$((t1 - t0)) q=$((t2 - t1))
		echo "bench eval: $1 run $((i + 1))/$N: ktstr-eval $e ms, jq $q ms" >&2
		[ -z "$best_eval" ] || [ "$e" -lt "$best_eval" ] && best_eval=$e
		[ -z "$best_jq" ] || [ "$q" -lt "$best_jq" ] && best_jq=$q
		i=$((i + 1))
	done
}

check_agree workers
workers_fails=$fails
time_both workers
workers_eval=$best_eval workers_jq=$best_jq
check_agree samples
time_both samples
records=$((JOBS * 100))

# Peak RSS: GNU time when it is there, else the kernel's VmHWM read by a wrapper.
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
	/usr/bin/time -o "$tmp/rss" -f %M ktstr-eval < "$tmp/samples.ndjson" > /dev/null
	rss=$(tail -n 1 "$tmp/rss")
else
	rss=$(sh -c 'ktstr-eval < "$1" > /dev/null & p=$!; m=0
		while kill -0 $p 2>/dev/null; do
			v=$(awk "/^VmHWM/ {print \$2}" /proc/$p/status 2>/dev/null); [ -n "$v" ] && m=$v
			sleep 0.01
		done; echo $m' sh "$tmp/samples.ndjson")
fi

speedup() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? a / b : 0 }'; }
echo "eval.workers.records $records records (94 workers per job)"
echo "eval.workers.jobs $JOBS jobs ($workers_fails fail)"
echo "eval.workers.time_ms $workers_eval ms"
echo "eval.workers.jq_time_ms $workers_jq ms"
echo "eval.workers.speedup $(speedup "$workers_jq" "$workers_eval") x"
echo "eval.records $records records ($((JOBS * 84)) samples)"
echo "eval.jobs $JOBS jobs ($fails fail)"
echo "eval.time_ms $best_eval ms"
echo "eval.jq_time_ms $best_jq ms"
echo "eval.records_per_s $(awk -v n="$records" -v t="$best_eval" 'BEGIN { printf "%.0f", t ? n * 1000 / t : 0 }') records/s"
echo "eval.speedup $(speedup "$best_jq" "$best_eval") x"
echo "eval.peak_rss_kb $rss KiB"
echo "eval.ratio $(awk -v a="$best_eval" -v b="$best_jq" 'BEGIN { printf "%.3f", b ? a / b : 0 }') (target <= $TARGET)"
