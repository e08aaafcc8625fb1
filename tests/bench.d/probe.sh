#!/bin/sh
# What ktstr-probe costs the host while it watches a VM: its CPU time against the CPU time of
# the VM's own vCPU threads (both measured on the same runs: steady under scx-ktstr, 8 vCPUs,
# sampling every 100 ms), its CPU time per sample after its start (it measures itself: the
# monitor record's "probe"; the first sample and the one that finds the scheduler attached,
# which walk its programs and maps, count as start), and its peak RSS. Median of N runs.
# Output: `NAME VALUE UNIT` lines and `probe.cpu.ratio X (target <= Y)`; progress on stderr.
# Exit 0 measured, 3 could not measure (no kernel, no scx-ktstr, a run failed), 2 bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH="${KTSTR_BUILD_DIR:+$KTSTR_BUILD_DIR/bin:}$root/build/bin:$root/bin:$PATH"
export PATH

N=${KTSTR_BENCH_N:-3}
TARGET=0.02	# the probe's CPU over the vCPUs': 2%

die() {
	echo "bench probe: $*" >&2
	exit 3
}
case $N in
'' | *[!0-9]* | 0) echo "bench probe: KTSTR_BENCH_N='$N': not a positive number" >&2; exit 2 ;;
esac
[ -x /usr/bin/time ] && /usr/bin/time -f %U true > /dev/null 2>&1 || die "GNU time (/usr/bin/time) is needed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench-probe.XXXXXX") || die "cannot create a temp dir"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

ktstr run steady --scheduler scx-ktstr --topo 1n2l4c1t --duration 3 --job-only > "$tmp/job" 2> "$tmp/err" ||
	die "no job: $(cat "$tmp/err")"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	rm -rf "$tmp/rd"
	ktstr-boot --run-dir "$tmp/rd" < "$tmp/job" 2> "$tmp/err" |
		/usr/bin/time -o "$tmp/time" -f '%U %S %M' ktstr-probe > "$tmp/stream" ||
		die "run $i: $(tail -n 2 "$tmp/err")"
	samples=$(jq -s '[.[] | select(.type == "sample")] | length' "$tmp/stream")
	# the last sample that has every vCPU's time (as QEMU shuts down, its vCPU threads go first)
	vcpu_ns=$(jq -s '[.[] | select(.type == "sample" and (.cpus | length > 0) and all(.cpus[]; .vcpu_ns != null))] |
		last | [.cpus[]?.vcpu_ns] | add // 0' "$tmp/stream")
	[ "$samples" -gt 0 ] && [ "$vcpu_ns" -gt 0 ] || die "run $i: no samples with vCPU times"
	per=$(jq -s '[.[] | select(.type == "monitor")][0].probe.cpu_us_per_sample // empty' "$tmp/stream")
	[ -n "$per" ] || die "run $i: the monitor record has no probe cost"
	read -r u s m < "$tmp/time"
	cpu_ms=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.0f", (u + s) * 1000 }')
	echo "bench probe: run $i/$N: $samples samples, probe ${cpu_ms} ms CPU, vCPUs $((vcpu_ns / 1000000)) ms, ${m} KiB" >&2
	echo "$cpu_ms $((vcpu_ns / 1000000)) $samples $m $per" >> "$tmp/runs"
done

cpu=$(cut -d' ' -f1 "$tmp/runs" | median)
vcpu=$(cut -d' ' -f2 "$tmp/runs" | median)
samples=$(cut -d' ' -f3 "$tmp/runs" | median)
rss=$(cut -d' ' -f4 "$tmp/runs" | median)
per=$(cut -d' ' -f5 "$tmp/runs" | median)
echo "probe.samples $samples samples"
echo "probe.cpu_ms $cpu ms"
echo "probe.vcpu_cpu_ms $vcpu ms"
echo "probe.cpu_per_sample_all_us $(awk -v c="$cpu" -v n="$samples" 'BEGIN { printf "%.0f", n ? c * 1000 / n : 0 }') us (its start, BTF and kallsyms, and unmapping the guest's RAM included)"
echo "probe.cpu_per_sample_us $per us (target <= 50)"
echo "probe.peak_rss_kb $rss KiB (target <= 16384)"
echo "probe.cpu.ratio $(awk -v c="$cpu" -v v="$vcpu" 'BEGIN { printf "%.4f", v ? c / v : 0 }') (target <= $TARGET)"
