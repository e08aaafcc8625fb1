#!/usr/bin/env bats
# Killing only the front end's pid (kill, kill -9, as CI runners do) ends its pipeline and the
# VM at once, not at the VM's timeout. QEMU is a stand-in that records its pid and sleeps; the
# kernel image is any file (nothing boots).
load ../helpers

setup() {
	export KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache" KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_ACCEL=tcg KTSTR_BOOT=bzimage KTSTR_QEMU="$BATS_TEST_TMPDIR/qemu"
	head -c 4096 /dev/zero > "$BATS_TEST_TMPDIR/vmlinuz"
	cat > "$KTSTR_QEMU" <<-EOF2
	#!/bin/sh
	case "\$*" in *--version*) echo "QEMU emulator version 10.0.0"; exit 0 ;; esac
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

# killed SIGNAL ARGS...: start ktstr ARGS in the background, wait for its VM, kill the front
# end alone with SIGNAL; succeeds when no VM is left within 5 s, nor starts in the 2 s after.
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
