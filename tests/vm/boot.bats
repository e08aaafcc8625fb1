#!/usr/bin/env bats
# ktstr-boot on real VMs: records, exit reasons, timeouts, panics, cleanup.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	KJSON=$(ktstr kernel path --json)
	ELF=$(jq -r '.btf // empty' <<< "$KJSON")
	# what ktstr-boot boots by default: the uncompressed ELF when the kernel has PVH
	BOOT=bzimage
	grep -q '^CONFIG_PVH=y' "$(jq -r .config <<< "$KJSON")" && [ -n "$ELF" ] && BOOT=pvh
	RD="$BATS_TEST_TMPDIR/run"
}

# job ID EXEC [JQ-EXPR]: a shell-mode job record on the cached kernel (bzImage, ELF, config).
job() {
	jq -nc --argjson topo "$(ktstr-topo 1n1l2c1t)" --arg img "$KTSTR_TEST_KERNEL_IMAGE" \
		--arg elf "$ELF" --arg cfg "$(jq -r .config <<< "$KJSON")" --arg id "$1" --arg exec "$2" \
		'{type: "job", id: $id, mode: "shell", exec: $exec, topo: $topo,
		  kernel: {image: $img, btf: (if $elf == "" then null else $elf end), config: $cfg},
		  timeout_s: 60}' | jq -c "${3:-.}"
}

# booted [ARGS...]: run ktstr-boot on $BATS_TEST_TMPDIR/in with a stand-in qemu that only
# notes its -kernel file; prints "<started record's boot> <basename of -kernel>" per job.
booted() {
	cat > "$BATS_TEST_TMPDIR/qemu" <<-'EOF'
	#!/bin/sh
	case $1 in --version) echo "QEMU emulator version 10.0.2"; exit 0 ;; -L) exit 0 ;; esac
	while [ $# -gt 1 ]; do
		case $1 in -kernel) echo "$2" >> "$QEMU_KERNELS" ;; -append) echo "$2" >> "$QEMU_KERNELS.append" ;; esac
		shift
	done
	EOF
	chmod +x "$BATS_TEST_TMPDIR/qemu"
	: > "$BATS_TEST_TMPDIR/kernels"
	: > "$BATS_TEST_TMPDIR/kernels.append"
	KTSTR_QEMU="$BATS_TEST_TMPDIR/qemu" QEMU_KERNELS="$BATS_TEST_TMPDIR/kernels" KTSTR_ACCEL=tcg \
		KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache" ktstr-boot --run-dir "$RD" "$@" \
		< "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" || true
	paste -d ' ' <(jq -r 'select(.phase == "started") | .boot' "$BATS_TEST_TMPDIR/out") \
		<(xargs -r -n 1 basename < "$BATS_TEST_TMPDIR/kernels")
}

@test "a job boots, its events carry the job id, and it ends in poweroff" {
	job j1 'echo hello from the guest' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/out"
	run jq -sc '[.[] | select(.type == "vm") |
		{job, phase, pid: (.pid | type), accel: (.accel | IN("kvm", "tcg")),
		 mem: (.memory | length), reason, exit_code, log: .console_log}]' "$BATS_TEST_TMPDIR/out"
	[ "$output" = '[{"job":"j1","phase":"started","pid":"number","accel":true,"mem":1,"reason":null,"exit_code":null,"log":"'"$RD"'/j1.console.log"},{"job":"j1","phase":"exited","pid":"null","accel":false,"mem":0,"reason":"poweroff","exit_code":0,"log":"'"$RD"'/j1.console.log"}]' ]
	[ "$(jq -r 'select(.phase == "started") | .boot' "$BATS_TEST_TMPDIR/out")" = "$BOOT" ]
	run jq -r 'select(.type == "output") | "\(.job) \(.data)"' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(printf 'j1 hello from the guest\n')" ]
	run jq -r 'select(.type == "guest") | .job' "$BATS_TEST_TMPDIR/out"
	[ "$output" = j1 ]
	[ -f "$RD/j1.console.log" ]
}

@test "other records pass through unchanged, around the job's records" {
	{ echo '{"type":"note","n":1,"nested":{"a":[1,2]}}'; job j2 true; echo '{"type":"note","n":2}'; } |
		ktstr-boot --run-dir "$RD" > "$BATS_TEST_TMPDIR/out"
	run jq -c 'select(.type == "note")' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(printf '%s\n%s' '{"type":"note","n":1,"nested":{"a":[1,2]}}' '{"type":"note","n":2}')" ]
	run jq -r 'select(.type == "vm" and .phase == "exited") | .reason' "$BATS_TEST_TMPDIR/out"
	[ "$output" = poweroff ]
}

@test "a missing kernel: exit 3, an error record, and how to get one" {
	job nokernel true '.kernel.image = "/nonexistent/vmlinuz"' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-boot: job nokernel: kernel image /nonexistent/vmlinuz not found: run 'ktstr kernel fetch'" ]
	[ "$(printf '%s' "$output" | jq -c 'select(.type == "vm") | del(.t_ms)')" = '{"type":"vm","job":"nokernel","phase":"exited","reason":"error","exit_code":null,"qemu_status":null,"wall_ms":0,"console_log":null,"message":"kernel image /nonexistent/vmlinuz not found: run '"'ktstr kernel fetch'"'"}' ]
}

@test "bad JSON: exit 2 naming the line, before any VM starts" {
	{ echo '{"type":"note"}'; echo '{"type":"job", "id":'; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: stdin:2:20: unexpected token near end of file" ]
	[ "$output" = '{"type":"note"}' ]
}

@test "a job without kernel.image, or with a bad mode: exit 2 naming line and field" {
	{ job ok1 true; job bad true 'del(.kernel.image)'; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:2: job record: field "kernel.image": missing' ]
	# line 1's VM had not started (input is read ahead): only its job record went on
	[ "$(printf '%s\n' "$output" | jq -r '"\(.type) \(.id)"')" = "job ok1" ]
	job bad true '.mode = 7' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "mode": not a string' ]
	job bad true 'del(.topo)' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "topo": missing' ]
	{ job same true; job same true; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:2: job record: field "id": "same" is used by an earlier job' ]
}

@test "ktstr-boot SIGKILLed mid-run leaves no qemu, no /dev/shm file, no temp file" {
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	unset XDG_RUNTIME_DIR	# the QMP socket's folder goes in TMPDIR
	mkdir -p "$TMPDIR"
	shm_before=$(ls -A /dev/shm | sort)
	job hang 'sleep 1000' > "$BATS_TEST_TMPDIR/in"
	ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" 2>/dev/null &
	boot=$!
	for _ in $(seq 100); do
		grep -q '"phase":"started"' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	qpid=$(jq -r 'select(.phase == "started") | .pid' "$BATS_TEST_TMPDIR/out")
	memfd=$(jq -r 'select(.phase == "started") | .memory[0].fd' "$BATS_TEST_TMPDIR/out")
	[ -n "$qpid" ]
	# guest RAM is reachable from outside while the VM runs, and so is QMP
	[ "$(stat -L -c %s "/proc/$qpid/fd/$memfd")" -eq $((512 << 20)) ]
	qmp=$(jq -r 'select(.phase == "started") | .qmp' "$BATS_TEST_TMPDIR/out")
	[ "${qmp#"$TMPDIR"/ktstr-boot.}" != "$qmp" ]
	[ -S "$qmp" ]
	sleep 1
	kill -9 "$boot"
	wait "$boot" || true
	# qemu dies at once (PDEATHSIG); a zombie waiting for its new parent counts as dead
	for _ in $(seq 50); do
		st=$(ps -o stat= -p "$qpid" 2>/dev/null || true)
		case $st in "" | Z*) break ;; esac
		sleep 0.1
	done
	case $st in "" | Z*) ;; *) echo "qemu $qpid still running ($st)"; false ;; esac
	[ "$(ls -A /dev/shm | sort)" = "$shm_before" ]
	[ -z "$(ls -A "$TMPDIR")" ]
	[ "$(ls -A "$RD")" = hang.console.log ]
}

@test "a guest that hangs is stopped with reason timeout" {
	job hang 'sleep 1000' '.timeout_s = 2' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/out"
	accel=$(jq -r 'select(.phase == "started") | .accel' "$BATS_TEST_TMPDIR/out")
	want=2000
	[ "$accel" = kvm ] || want=6000	# timeout_s x3 under TCG
	[ "$(jq -r 'select(.phase == "started") | .timeout_ms' "$BATS_TEST_TMPDIR/out")" -eq "$want" ]
	[ "$(jq -r 'select(.phase == "exited") | .reason' "$BATS_TEST_TMPDIR/out")" = timeout ]
	wall=$(jq -r 'select(.phase == "exited") | .wall_ms' "$BATS_TEST_TMPDIR/out")
	[ "$wall" -ge $((want - 3000)) ]
	[ "$wall" -lt $((want + 2000)) ]
}

@test "a kernel panic ends the VM with reason panic and the panic as console records" {
	job crash 'echo c > /proc/sysrq-trigger' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/out"
	run jq -c 'select(.phase == "exited") | [.reason, .exit_code]' "$BATS_TEST_TMPDIR/out"
	[ "$output" = '["panic",null]' ]
	run jq -r 'select(.type == "console" and .job == "crash") | .line | sub("^\\[ *[0-9.]+\\] "; "")' \
		"$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = "Kernel panic - not syncing: sysrq triggered crash" ]
	grep -q "Kernel panic - not syncing: sysrq triggered crash" "$RD/crash.console.log"
}

@test "-j 2: two VMs at once, each event with its own job" {
	{ job a 'echo from-a'; job b 'echo from-b'; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot -j 2 --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	echo "$output" > "$BATS_TEST_TMPDIR/out"
	run jq -r 'select(.type == "output") | "\(.job) \(.data | rtrimstr("\n"))"' "$BATS_TEST_TMPDIR/out"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf 'a from-a\nb from-b')" ]
	run jq -r 'select(.phase == "exited") | "\(.job) \(.reason)"' "$BATS_TEST_TMPDIR/out"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf 'a poweroff\nb poweroff')" ]
	# both were running at the same time
	[ "$(jq -s '[.[] | select(.type == "vm")] | .[0].phase + .[1].phase' "$BATS_TEST_TMPDIR/out")" = '"startedstarted"' ]
}

@test "a dynamic scheduler binary comes with its DT_NEEDED libraries" {
	jqbin=$(command -v jq)
	job dyn "/sched/jq -n -c '{ok: 1}'" ".scheduler = {name: \"jq\", path: \"$jqbin\"}" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run jq -r 'select(.type == "output") | .data' <<< "$output"
	[ "$output" = '{"ok":1}' ]
}

@test "a kernel without kallsyms gets a calibrate boot that stores them" {
	kdir="$BATS_TEST_TMPDIR/kernel"
	mkdir -p "$kdir"
	cp "$KTSTR_TEST_KERNEL_IMAGE" "$kdir/vmlinuz"
	job cal true ".kernel.image = \"$kdir/vmlinuz\" | .kernel.dir = \"$kdir\"" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot -v --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# the calibrate boot writes no records; the job's own VM follows it, both booted alike
	[ "$(jq -r 'select(.type == "vm") | "\(.job) \(.phase)"' <<< "$output" | tr '\n' ' ')" = "cal started cal exited " ]
	[ "$(grep -c -- "-kernel $ELF " <<< "$stderr")" -eq "$([ "$BOOT" = pvh ] && echo 2 || echo 0)" ]
	grep -Eq '^ffffffff[0-9a-f]{8} T _text$' "$kdir/kallsyms"
	[ "$(ls -A "$kdir" | sort | tr '\n' ' ')" = "kallsyms vmlinuz " ]
	# the cached kernel's own kallsyms, however it was booted then, are the same
	ks=$(jq -r '.ksyms // empty' <<< "$KJSON")
	[ -z "$ks" ] || cmp "$ks" "$kdir/kallsyms"
}

@test "--boot picks the kernel file: PVH for an ELF with the PVH note, else the bzImage" {
	[ "$BOOT" = pvh ] || skip "the cached kernel has no PVH entry (CONFIG_PVH)"
	cp /bin/true "$BATS_TEST_TMPDIR/nonote"
	head -c 32M "$ELF" > "$BATS_TEST_TMPDIR/cut"	# its PVH note, not all its code
	{
		job real true
		job nonote true ".kernel.btf = \"$BATS_TEST_TMPDIR/nonote\""
		job cut true ".kernel.btf = \"$BATS_TEST_TMPDIR/cut\""
		job nobtf true 'del(.kernel.btf)'
		job real2 true
	} > "$BATS_TEST_TMPDIR/in"
	img=$(basename "$KTSTR_TEST_KERNEL_IMAGE") elf=$(basename "$ELF")
	[ "$(booted)" = "$(printf 'pvh %s\nbzimage %s\nbzimage %s\nbzimage %s\npvh %s' "$elf" "$img" "$img" "$img" "$elf")" ]
	[ "$(booted --boot auto)" = "$(booted)" ]
	# under TCG every command line has lpj= (from the host's TSC and the config's HZ)
	[ "$(grep -Ec ' initcall_blacklist=[^ ]* lpj=[0-9]{5,}( |$)' "$BATS_TEST_TMPDIR/kernels.append")" -eq 5 ]
	job noconfig true 'del(.kernel.config)' > "$BATS_TEST_TMPDIR/in"
	[ "$(booted)" = "pvh $(basename "$ELF")" ]
	! grep -q lpj= "$BATS_TEST_TMPDIR/kernels.append"
	# opting out: the option, or KTSTR_BOOT; the option wins
	job real true > "$BATS_TEST_TMPDIR/in"
	[ "$(booted --boot bzimage)" = "bzimage $img" ]
	[ "$(KTSTR_BOOT=bzimage booted)" = "bzimage $img" ]
	[ "$(KTSTR_BOOT=bzimage booted --boot pvh)" = "pvh $elf" ]
	# --boot pvh on a kernel without it: that job is an error, exit 3
	{ job nonote true ".kernel.btf = \"$BATS_TEST_TMPDIR/nonote\""; job nobtf true 'del(.kernel.btf)'; } > "$BATS_TEST_TMPDIR/in"
	[ -z "$(booted --boot pvh)" ]
	[ "$(jq -r 'select(.phase == "exited") | "\(.job) \(.reason) \(.message)"' "$BATS_TEST_TMPDIR/out")" = \
		"nonote error boot pvh: kernel.btf $BATS_TEST_TMPDIR/nonote is not an x86-64 kernel ELF with the PVH entry note (CONFIG_PVH)
nobtf error boot pvh: the job's kernel has no \"btf\" (its uncompressed ELF)" ]
	# bad values: exit 2, one line
	job bad true '.kernel.btf = 1' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ] && [ "$stderr" = 'ktstr-boot: stdin:1: job record: field "kernel.btf": not a string' ]
	run --separate-stderr ktstr-boot --boot zimage < /dev/null
	[ "$status" -eq 2 ] && [ "$stderr" = "ktstr-boot: --boot zimage: use auto, bzimage or pvh" ]
	KTSTR_BOOT=elf run --separate-stderr ktstr-boot < /dev/null
	[ "$status" -eq 2 ] && [ "$stderr" = "ktstr-boot: KTSTR_BOOT=elf: use auto, bzimage or pvh" ]
}

@test "PVH and bzImage boots run the same kernel alike: kallsyms, physical layout, exit paths" {
	[ "$BOOT" = pvh ] || skip "the cached kernel has no PVH entry (CONFIG_PVH)"
	look='echo 0 > /proc/sys/kernel/kptr_restrict; sha256sum < /proc/kallsyms; grep -m 3 " T " /proc/kallsyms; grep Kernel /proc/iomem; cat /sys/devices/system/cpu/online; dmesg | grep -c "Calibrating delay loop (skipped) preset value"; exit 7'
	for b in pvh bzimage; do
		job "$b" "$look" > "$BATS_TEST_TMPDIR/in"
		ktstr-boot --boot "$b" --run-dir "$RD" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/$b.out"
		jq -j 'select(.type == "output") | .data' "$BATS_TEST_TMPDIR/$b.out" > "$BATS_TEST_TMPDIR/$b.txt"
		cat "$BATS_TEST_TMPDIR/$b.txt"
		[ "$(jq -r 'select(.type == "vm") | .boot // .reason' "$BATS_TEST_TMPDIR/$b.out" | tr '\n' ' ')" = "$b poweroff " ]
		[ "$(jq -r 'select(.type == "exec") | .status' "$BATS_TEST_TMPDIR/$b.out")" = 7 ]
	done
	grep -q ' T _text$' "$BATS_TEST_TMPDIR/pvh.txt"
	grep -q ' : Kernel code$' "$BATS_TEST_TMPDIR/pvh.txt"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/pvh.txt")" = 1 ] || [ "$(jq -r 'select(.phase == "started") | .accel' "$BATS_TEST_TMPDIR/pvh.out")" = kvm ]
	cmp "$BATS_TEST_TMPDIR/pvh.txt" "$BATS_TEST_TMPDIR/bzimage.txt"
}
