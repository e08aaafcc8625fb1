#!/bin/sh
# Boot overhead of ktstr against a floor: bare QEMU with the same kernel, machine, accelerator,
# firmware, topology, memory and command line as ktstr-boot, booting the kernel's bzImage with a
# one-file initramfs whose static init powers off at once. ktstr-boot boots the uncompressed
# vmlinux through PVH when it can (no decompression under TCG), so `ktstr shell --exec true`
# can beat the floor. Floor, `ktstr run` and `ktstr shell --exec true` alternate, so load drifts
# on a shared machine hit all three alike; the results are medians and ratios of medians.
# Also: cached initramfs build time and ktstr-boot's peak RSS.
# Output: `NAME VALUE UNIT` and `NAME.ratio X (target <= Y)` lines; progress on stderr.
# Exit 0 measured (whatever the ratios), 3 could not measure (no kernel, a boot failed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH="${KTSTR_BUILD_DIR:+$KTSTR_BUILD_DIR/bin:}$root/build/bin:$root/bin:$PATH"
export PATH

N=${KTSTR_BENCH_N:-5}
TOPO=1n2l2c1t
RUN_S=1			# the scenario's --duration
RUN_TARGET=1.15		# (run - RUN_S) / floor
SHELL_TARGET=0.85	# shell / floor (virtme-ng: 1.63; ktstr-boot booting the bzImage: about 1.1)
INITRAMFS_TARGET_MS=50

die() {
	echo "bench boot: $*" >&2
	exit 3
}
case $N in
'' | *[!0-9]* | 0) echo "bench boot: KTSTR_BENCH_N='$N': not a positive number" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench-boot.XXXXXX") || die "cannot create a temp dir"
bgpid=""
cleanup() {
	[ -z "$bgpid" ] || kill "$bgpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
case $(now_ms) in *[!0-9]*) die "date +%s%3N does not give milliseconds here" ;; esac
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- the kernel, and ktstr-boot's exact QEMU options (from its -v line) ----------------------
kjson=$(ktstr-kernel path --json 2>"$tmp/kernel.err") ||
	die "NO KERNEL: $(cat "$tmp/kernel.err") -- run 'make kernel' first"
kid=$(printf '%s\n' "$kjson" | jq -r .id)
kimage=$(printf '%s\n' "$kjson" | jq -r .image)
[ -r "$kimage" ] || die "NO KERNEL: image $kimage is not readable"
qemu=${KTSTR_QEMU:-qemu-system-x86_64}
command -v "$qemu" > /dev/null || die "$qemu not found"

# The warm-up: one ktstr-boot shell job with -v (fills the initramfs and accel caches and the
# page cache); its QEMU line gives the machine options and kernel command line to copy.
topo=$(ktstr-topo -- "$TOPO") || die "ktstr-topo $TOPO failed"
jq -nc --argjson topo "$topo" --argjson k "$kjson" '{type: "job", id: "bench-warmup",
	test: "shell", mode: "shell", topo: $topo, kernel: ($k | del(.type)),
	scheduler: {name: "eevdf"}, timeout_s: 60, exec: "true"}' > "$tmp/warmup.job"
echo "bench boot: warm-up boot (kernel $kid, $TOPO)" >&2
ktstr-boot -v --run-dir "$tmp/warmup" < "$tmp/warmup.job" > "$tmp/warmup.out" 2> "$tmp/warmup.err" ||
	die "the warm-up boot failed: $(tail -n 3 "$tmp/warmup.err")"
qline=$(grep -m 1 '^ktstr-boot: job bench-warmup: ' "$tmp/warmup.err" | sed 's/^ktstr-boot: job bench-warmup: //')
kboot=$(jq -r 'select(.type == "vm" and .phase == "started") | .boot' "$tmp/warmup.out")
# Everything between the qemu binary and -smp (no spaces inside), and the -append '...' value.
machine=$(printf '%s\n' "$qline" | sed -n 's/^[^ ]* \(-nodefaults .*\) -smp .*/\1/p')
cmdline=$(printf '%s\n' "$qline" | sed -n "s/.* -append '\([^']*\)'.*/\1/p")
[ -n "$machine" ] && [ -n "$cmdline" ] || die "cannot read ktstr-boot's QEMU line from: $qline"
qtopo=$(ktstr-topo --qemu -- "$TOPO") || die "ktstr-topo --qemu $TOPO failed"
echo "bench boot: floor: $qemu $machine $qtopo -kernel $kimage -append '$cmdline'" >&2
echo "bench boot: ktstr-boot boots the kernel by ${kboot:-?} (KTSTR_BOOT=bzimage to compare)" >&2

# ---- the floor's initramfs: one static binary that powers off at once ------------------------
mkdir -p "$tmp/floor-root"
cat > "$tmp/floor-init.c" << 'EOF'
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>
int main(void) { ioperm(0xf4, 4, 1); outb(0, 0xf4); reboot(RB_POWER_OFF); return 1; }
EOF
${CC:-cc} -O2 -static -o "$tmp/floor-root/init" "$tmp/floor-init.c" 2> "$tmp/cc.err" ||
	die "cannot compile the floor's init: $(cat "$tmp/cc.err")"
(cd "$tmp/floor-root" && echo init | cpio -o -H newc --quiet > "$tmp/floor.cpio") ||
	die "cpio failed"

# A boot that failed: say so with the console's first trouble (panic, oops...) and go on;
# the bench still ends with exit 3 after printing what it measured.
failed() {
	echo "bench boot: BOOT FAILED: $1" >&2
	[ -f "${2:-}" ] && awk '/Kernel panic|BUG:|Oops|WARNING:|Call Trace|error/ && !n { n = 1 }
		n && n++ <= 40 { print "    " $0 }' "$2" >&2
	return 3
}

# One floor boot; prints its wall ms. QEMU exits 1 on debug-exit code 0.
floor_once() {
	t0=$(now_ms)
	# shellcheck disable=SC2086 # word splitting of the option lists is intended
	"$qemu" $machine $qtopo -kernel "$kimage" -initrd "$tmp/floor.cpio" -append "$cmdline" \
		-serial "file:$tmp/floor.console" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		> "$tmp/floor.qemu" 2>&1
	st=$?
	t1=$(now_ms)
	[ "$st" = 1 ] || failed "floor: qemu exit $st (expected 1): $(tail -n 3 "$tmp/floor.qemu")" \
		"$tmp/floor.console" || return
	echo $((t1 - t0))
}

# One `ktstr run`; prints "total_ms vm_wall_ms guest_setup_ms overrun_ms" (setup: ktstr-init's
# start to the first step; overrun: the scenario's elapsed_ms beyond --duration).
# A verdict (pass or fail) means it ran.
run_once() {
	rd="$tmp/run.$1"
	t0=$(now_ms)
	ktstr run steady --topo "$TOPO" --kernel "$kid" --duration "$RUN_S" --run-dir "$rd" \
		> "$tmp/run.out" 2>&1
	st=$?
	t1=$(now_ms)
	[ "$st" = 0 ] || [ "$st" = 1 ] || failed "ktstr run: exit $st: $(grep -m 1 'on 1n' "$tmp/run.out")" \
		"$(ls "$rd"/*.console.log 2>/dev/null | head -n 1)" || return
	g=$(jq -rs --argjson d "$RUN_S" '[(.[] | select(.type == "vm" and .phase == "exited")
		| .wall_ms), ([.[] | select(.type == "step")][0].t_ms // -1),
		((.[] | select(.type == "scenario_end") | .elapsed_ms - $d * 1000) // -1)]
		| map(tostring) | join(" ")' "$rd/stream.ndjson")
	echo "$((t1 - t0)) $g"
}

shell_once() {
	t0=$(now_ms)
	ktstr shell --topo "$TOPO" --kernel "$kid" --exec true > "$tmp/shell.out" 2>&1
	st=$?
	t1=$(now_ms)
	[ "$st" = 0 ] || failed "ktstr shell --exec true: exit $st" "$tmp/shell.out" || return
	echo $((t1 - t0))
}

for m in floor run runvm runhost setup overrun shell; do : > "$tmp/$m.ms"; done
i=1 fails=0
while [ "$i" -le "$N" ]; do
	f=$(floor_once) && echo "$f" >> "$tmp/floor.ms" || { f=FAILED; fails=$((fails + 1)); }
	if r=$(run_once "$i"); then
		set -- $r
		[ $# = 4 ] || die "ktstr run: no vm/step/scenario_end records in its stream ($r)"
		echo "$1" >> "$tmp/run.ms"
		echo "$2" >> "$tmp/runvm.ms"
		echo $(($1 - $2)) >> "$tmp/runhost.ms"
		echo "$3" >> "$tmp/setup.ms"
		echo "$4" >> "$tmp/overrun.ms"
		r="$1 ms (VM $2 ms, guest setup $3 ms, scenario overrun $4 ms)"
	else
		r=FAILED fails=$((fails + 1))
	fi
	s=$(shell_once) && echo "$s" >> "$tmp/shell.ms" || { s=FAILED; fails=$((fails + 1)); }
	echo "bench boot: round $i/$N: floor $f ms, run $r, shell $s ms" >&2
	i=$((i + 1))
done
for m in floor run shell; do
	[ -s "$tmp/$m.ms" ] || die "no $m boot succeeded in $N rounds ($fails boots failed)"
done
floor=$(median < "$tmp/floor.ms")
run=$(median < "$tmp/run.ms")
shell=$(median < "$tmp/shell.ms")
echo "boot.floor $floor ms"
echo "boot.run $run ms"
echo "boot.run_vm $(median < "$tmp/runvm.ms") ms"
echo "boot.run_host $(median < "$tmp/runhost.ms") ms"
echo "boot.run_guest_setup $(median < "$tmp/setup.ms") ms"
echo "boot.run_scenario_overrun $(median < "$tmp/overrun.ms") ms"
echo "boot.shell $shell ms"
echo "boot.run.ratio $(ratio $((run - RUN_S * 1000)) "$floor") (target <= $RUN_TARGET)"
echo "boot.shell.ratio $(ratio "$shell" "$floor") (target <= $SHELL_TARGET)"

# ---- initramfs build, cached base: one warm-up, then N ---------------------------------------
jq -c 'select(.type == "job")' "$tmp/run.1/stream.ndjson" | head -n 1 > "$tmp/run.job"
[ -s "$tmp/run.job" ] || die "no job record in the first run's stream"
: > "$tmp/initramfs.ms"
i=0
while [ "$i" -le "$N" ]; do
	ktstr-boot --write-initramfs "$tmp/initramfs" < "$tmp/run.job" > "$tmp/initramfs.out" \
		2> "$tmp/initramfs.err" || die "ktstr-boot --write-initramfs: $(cat "$tmp/initramfs.err")"
	ms=$(jq -r 'select(.type == "initramfs") | .build_ms' "$tmp/initramfs.out")
	[ -n "$ms" ] || die "ktstr-boot --write-initramfs wrote no initramfs record"
	[ "$i" = 0 ] || echo "$ms" >> "$tmp/initramfs.ms"
	i=$((i + 1))
done
echo "boot.initramfs_build $(median < "$tmp/initramfs.ms") ms (target <= $INITRAMFS_TARGET_MS)"
echo "boot.initramfs_size $(jq -r 'select(.type == "initramfs") | .bytes' "$tmp/initramfs.out") bytes"

# ---- ktstr-boot's peak RSS during the same scenario job (VmHWM, sampled) ---------------------
ktstr-boot --run-dir "$tmp/rss" < "$tmp/run.job" > "$tmp/rss.out" 2> "$tmp/rss.err" &
bgpid=$!
hwm=0
# A zombie has no VmHWM line: the loop ends when ktstr-boot has exited.
while v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$bgpid/status" 2>/dev/null) && [ -n "$v" ]; do
	[ "$v" -gt "$hwm" ] && hwm=$v
	sleep 0.05
done
wait "$bgpid"
st=$?
bgpid=""
[ "$st" = 0 ] || die "ktstr-boot for the RSS sample: exit $st: $(tail -n 3 "$tmp/rss.err")"
[ "$hwm" -gt 0 ] || die "could not read VmHWM of ktstr-boot"
echo "boot.ktstr_boot_peak_rss $hwm kB"
echo "boot.failed_boots $fails"
[ "$fails" = 0 ] || die "$fails of $((3 * N)) boots FAILED (see above): the medians use the rest"
