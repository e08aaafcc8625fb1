#!/usr/bin/env bats
# ktstr-boot on real VMs: records, exit reasons, timeouts, panics, cleanup.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	RD="$BATS_TEST_TMPDIR/run"
}

# job ID EXEC [JQ-EXPR]: a shell-mode job record on the cached kernel.
job() {
	jq -nc --argjson topo "$(ktstr-topo 1n1l2c1t)" --arg img "$KTSTR_TEST_KERNEL_IMAGE" \
		--arg id "$1" --arg exec "$2" \
		'{type: "job", id: $id, mode: "shell", exec: $exec, topo: $topo,
		  kernel: {image: $img}, timeout_s: 60}' | jq -c "${3:-.}"
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
	job cal true ".kernel = {image: \"$kdir/vmlinuz\", dir: \"$kdir\"}" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$RD" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# the calibrate boot writes no records; the job's own VM follows it
	[ "$(jq -r 'select(.type == "vm") | "\(.job) \(.phase)"' <<< "$output" | tr '\n' ' ')" = "cal started cal exited " ]
	grep -Eq '^ffffffff[0-9a-f]{8} T _text$' "$kdir/kallsyms"
	[ "$(ls -A "$kdir" | sort | tr '\n' ' ')" = "kallsyms vmlinuz " ]
}
