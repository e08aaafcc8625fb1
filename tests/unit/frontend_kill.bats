#!/usr/bin/env bats
# Killing only the front end's pid (kill, kill -9, as CI runners do) ends its pipeline and the
# VM at once, not at the VM's timeout. QEMU is a stand-in that records its pid and sleeps; the
# kernel image is any file (nothing boots).
load ../helpers

setup() {
	export KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache" KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_ACCEL=tcg KTSTR_BOOT=bzimage KTSTR_QEMU="$BATS_TEST_TMPDIR/qemu"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	unset XDG_RUNTIME_DIR
	mkdir -p "$TMPDIR"
	head -c 4096 /dev/zero > "$BATS_TEST_TMPDIR/vmlinuz"
	cat > "$KTSTR_QEMU" <<-EOF2
	#!/bin/sh
	case "\$*" in *--version*) echo "QEMU emulator version 10.0.0"; exit 0 ;; -L*) exit 0 ;; esac
	echo \$\$ >> "$BATS_TEST_TMPDIR/qemu.pids"
	exec sleep 300
	EOF2
	chmod +x "$KTSTR_QEMU"
}

# Any stand-in QEMU still running (ktstr-boot may start another: a first boot of a kernel is
# a calibration boot, then the job's).
qemu_left() {
	local p
	for p in $(cat "$BATS_TEST_TMPDIR/qemu.pids" 2> /dev/null); do
		kill -0 "$p" 2> /dev/null && return 0
	done
	return 1
}

# Nothing left in $TMPDIR, and no hidden file (a half-done write, a status file) in a run.
nothing_left() {
	[ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR: $(ls -A "$TMPDIR")" >&2; return 1; }
	[ -z "$(ls -d "$KTSTR_RUNS_DIR"/*/.[!.]* 2> /dev/null)" ] ||
		{ echo "left in the run: $(ls -d "$KTSTR_RUNS_DIR"/*/.[!.]*)" >&2; return 1; }
}

# killed SIGNAL ARGS...: start ktstr ARGS in the background, wait for its VM, kill the front
# end alone with SIGNAL; succeeds when no VM is left within 5 s, nor starts in the 2 s after,
# and nothing else is left.
killed() {
	local sig=$1 f
	shift
	rm -f "$BATS_TEST_TMPDIR/qemu.pids"
	ktstr "$@" --kernel "$BATS_TEST_TMPDIR/vmlinuz" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	f=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/qemu.pids" ] && break; sleep 0.1; done
	[ -s "$BATS_TEST_TMPDIR/qemu.pids" ]
	kill "-$sig" "$f"
	for _ in $(seq 50); do qemu_left || break; sleep 0.1; done
	sleep 2
	if qemu_left; then
		echo "a VM outlived the front end:" >&2
		cat "$BATS_TEST_TMPDIR/out" >&2
		for p in $(cat "$BATS_TEST_TMPDIR/qemu.pids"); do kill "$p" 2> /dev/null || :; done
		return 1
	fi
	nothing_left
}

@test "kill -9 of 'ktstr run' stops its VM (with and without the monitor)" {
	killed KILL run steady --no-monitor
	killed KILL run steady
}

@test "kill -9 of 'ktstr shell --exec' stops its VM (ktstr-boot is not the script's child there)" {
	killed KILL shell --exec true
}

@test "kill (TERM) of 'ktstr run' and kill -9 of 'ktstr gauntlet' stop their VMs" {
	killed TERM run steady --no-monitor
	killed KILL gauntlet steady --presets tiny-2llc --profiles default --no-monitor
}

@test "a killed stage makes 'ktstr run' inconclusive (exit 3), not the stage's 137 or 143" {
	local f s p st
	for s in ktstr-sidecar ktstr-boot; do
		rm -f "$BATS_TEST_TMPDIR/qemu.pids"
		ktstr run steady --kernel "$BATS_TEST_TMPDIR/vmlinuz" > "$BATS_TEST_TMPDIR/out" 2>&1 &
		f=$!
		for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/qemu.pids" ] && break; sleep 0.1; done
		[ -s "$BATS_TEST_TMPDIR/qemu.pids" ]
		p=$(pgrep -x -P "$(pgrep -d, -P "$f"),$f" "$s")
		kill -KILL "$p"
		wait "$f" && st=0 || st=$?
		[ "$st" -eq 3 ] || { echo "$s killed: exit $st" >&2; cat "$BATS_TEST_TMPDIR/out" >&2; return 1; }
		nothing_left
	done
}

@test "kill -9 of a gauntlet running a job again leaves no temp file" {
	F="$KTSTR_ROOT/tests/fixtures/eval"
	# the job's first run is TCG's race (run again), the second never ends
	standin_boot <<-EOF2
	#!/bin/sh
	id=\$(jq -r .id | head -n 1)
	if [ -e "$BATS_TEST_TMPDIR/raced" ]; then echo \$\$ > "$BATS_TEST_TMPDIR/again"; exec sleep 300; fi
	touch "$BATS_TEST_TMPDIR/raced"
	jq -c --arg id "\$id" 'if .type == "job" then .id = \$id else . end | if has("job") then .job = \$id else . end' "$F/tcg-int3-race.ndjson"
	EOF2
	KTSTR_BUILD_DIR="$b" ktstr gauntlet steady --presets tiny-1llc --profiles default --no-monitor \
		--kernel "$BATS_TEST_TMPDIR/vmlinuz" > /dev/null 2>&1 &
	f=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/again" ] && break; sleep 0.1; done
	[ -s "$BATS_TEST_TMPDIR/again" ]
	kill -KILL "$f"
	wait "$f" || :
	kill "$(cat "$BATS_TEST_TMPDIR/again")" 2> /dev/null || :
	nothing_left
}

@test "a front end killed while ktstr-boot gets ready (QEMU's facts, the initramfs) starts no VM" {
	# the stand-in takes 3 s to say where its firmware is; the front end goes meanwhile
	cat > "$KTSTR_QEMU" <<-EOF2
	#!/bin/sh
	case "\$*" in *--version*) echo "QEMU emulator version 10.0.0"; exit 0 ;; esac
	case "\$*" in -L*) touch "$BATS_TEST_TMPDIR/asked"; sleep 3; exit 0 ;; esac
	echo \$\$ >> "$BATS_TEST_TMPDIR/qemu.pids"
	exec sleep 300
	EOF2
	ktstr run steady --no-monitor --kernel "$BATS_TEST_TMPDIR/vmlinuz" > /dev/null 2>&1 &
	f=$!
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/asked" ] && break; sleep 0.1; done
	[ -e "$BATS_TEST_TMPDIR/asked" ]
	kill -KILL "$f"
	wait "$f" || :
	sleep 5
	! qemu_left
	[ ! -e "$BATS_TEST_TMPDIR/qemu.pids" ]
	nothing_left
}

@test "ktstr-probe and ktstr-eval end when their reader is gone, even while no input comes (a killed sidecar)" {
	local t
	for t in ktstr-probe ktstr-eval; do
		rm -f "$BATS_TEST_TMPDIR/err"
		{ sleep 60 | "$t" 2> "$BATS_TEST_TMPDIR/err" | true; } &
		for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/err" ] && break; sleep 0.1; done
		pkill -P $! sleep || :
		wait
		[ "$(cat "$BATS_TEST_TMPDIR/err")" = "$t: write error: stdout's reader is gone" ]
	done
}
