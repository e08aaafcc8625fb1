#!/bin/sh
# ktstr-eval against jq on the same 200,000-record stream: 2,000 jobs x 100 records, built from
# the real TCG run in tests/fixtures/eval/steady-eevdf.ndjson (its job, vm, guest, step, worker,
# scenario_end records; 94 workers per job, every 7th job with one worker at zero work). jq
# computes the same per-job starvation/gap verdict; ktstr-eval also copies every record through
# and judges everything else. Each is timed best of N (KTSTR_BENCH_N, default 3), alternating.
# Output: `eval.NAME VALUE UNIT` lines and `eval.ratio X (target <= 0.10)` (ktstr-eval's time
# over jq's: 10x faster or better). Exit 0 measured, 3 could not measure, 2 bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH="${KTSTR_BUILD_DIR:+$KTSTR_BUILD_DIR/bin:}$root/build/bin:$PATH"
export PATH KTSTR_SHARE_DIR="${KTSTR_SHARE_DIR:-$root/share/ktstr}"

N=${KTSTR_BENCH_N:-3}
JOBS=2000
TARGET=0.10
fixture=$root/tests/fixtures/eval/steady-eevdf.ndjson

die() {
	echo "bench eval: $*" >&2
	exit 3
}
case $N in
'' | *[!0-9]* | 0) echo "bench eval: KTSTR_BENCH_N='$N': not a positive number" >&2; exit 2 ;;
esac
command -v ktstr-eval > /dev/null || die "ktstr-eval not built (run make)"
command -v jq > /dev/null || die "jq not found"
[ -r "$fixture" ] || die "no fixture $fixture"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench-eval.XXXXXX") || die "cannot create a temp dir"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
case $(now_ms) in *[!0-9]*) die "date +%s%3N does not give milliseconds here" ;; esac

# ---- the stream: per job 1 job + 1 vm started + 1 guest + 1 step + 94 workers + 1 scenario_end + 1 vm exited
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
	}' "$fixture" > "$tmp/stream.ndjson" || die "cannot build the stream"
records=$(wc -l < "$tmp/stream.ndjson")
[ "$records" -eq $((JOBS * 100)) ] || die "stream has $records records, expected $((JOBS * 100))"

# The same verdict in jq: a job fails when a worker did no work or a gap exceeds the TCG limit.
cat > "$tmp/verdict.jq" <<'JQ'
reduce inputs as $r ({};
	if $r.type == "worker" then
		.[$r.job] |= ((.starved //= 0) | (.gap //= 0)
			| .starved += (if $r.work_units <= 0 then 1 else 0 end)
			| .gap = ([.gap, $r.max_gap_ms] | max))
	elif $r.type == "vm" and $r.phase == "exited" then .[$r.job].exited = true
	else . end)
| to_entries[]
| {type: "verdict", job: .key,
   result: (if (.value.exited | not) then "inconclusive"
            elif .value.starved > 0 or .value.gap > $gap then "fail" else "pass" end)}
JQ

# Both must agree on every job before their times mean anything.
ktstr-eval < "$tmp/stream.ndjson" 2> "$tmp/eval.err" | jq -r 'select(.type == "verdict") | .job + " " + .result' | sort > "$tmp/eval.verdicts"
jq -nr --argjson gap 3000 -f "$tmp/verdict.jq" < "$tmp/stream.ndjson" | jq -r '.job + " " + .result' | sort > "$tmp/jq.verdicts"
[ "$(wc -l < "$tmp/eval.verdicts")" -eq "$JOBS" ] || die "ktstr-eval gave $(wc -l < "$tmp/eval.verdicts") verdicts: $(head -c 300 "$tmp/eval.err")"
cmp -s "$tmp/eval.verdicts" "$tmp/jq.verdicts" || die "ktstr-eval and jq disagree: $(diff "$tmp/eval.verdicts" "$tmp/jq.verdicts" | head -n 3)"
fails=$(grep -c ' fail$' "$tmp/eval.verdicts")

best_eval="" best_jq=""
i=0
while [ "$i" -lt "$N" ]; do
	t0=$(now_ms); ktstr-eval < "$tmp/stream.ndjson" > /dev/null; t1=$(now_ms)
	jq -nc --argjson gap 3000 -f "$tmp/verdict.jq" < "$tmp/stream.ndjson" > /dev/null; t2=$(now_ms)
	e=$((t1 - t0)) q=$((t2 - t1))
	echo "bench eval: run $((i + 1))/$N: ktstr-eval $e ms, jq $q ms" >&2
	[ -z "$best_eval" ] || [ "$e" -lt "$best_eval" ] && best_eval=$e
	[ -z "$best_jq" ] || [ "$q" -lt "$best_jq" ] && best_jq=$q
	i=$((i + 1))
done

# Peak RSS: GNU time when it is there, else the kernel's VmHWM read by a wrapper.
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
	/usr/bin/time -o "$tmp/rss" -f %M ktstr-eval < "$tmp/stream.ndjson" > /dev/null
	rss=$(tail -n 1 "$tmp/rss")
else
	rss=$(sh -c 'ktstr-eval < "$1" > /dev/null & p=$!; m=0
		while kill -0 $p 2>/dev/null; do
			v=$(awk "/^VmHWM/ {print \$2}" /proc/$p/status 2>/dev/null); [ -n "$v" ] && m=$v
			sleep 0.01
		done; echo $m' sh "$tmp/stream.ndjson")
fi

echo "eval.records $records records"
echo "eval.jobs $JOBS jobs ($fails fail)"
echo "eval.time_ms $best_eval ms"
echo "eval.jq_time_ms $best_jq ms"
echo "eval.records_per_s $(awk -v n="$records" -v t="$best_eval" 'BEGIN { printf "%.0f", t ? n * 1000 / t : 0 }') records/s"
echo "eval.speedup $(awk -v a="$best_jq" -v b="$best_eval" 'BEGIN { printf "%.1f", b ? a / b : 0 }') x"
echo "eval.peak_rss_kb $rss KiB"
echo "eval.ratio $(awk -v a="$best_eval" -v b="$best_jq" 'BEGIN { printf "%.3f", b ? a / b : 0 }') (target <= $TARGET)"
