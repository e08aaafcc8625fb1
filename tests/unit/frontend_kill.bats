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
	echo \$\$ > "$BATS_TEST_TMPDIR/qemu.pid"
	exec sleep 300
	EOF2
	chmod +x "$KTSTR_QEMU"
}

# killed SIGNAL ARGS...: start ktstr ARGS in the background, wait for its VM, kill the front
# end alone with SIGNAL; succeeds when the VM is gone within 5 s.
killed() {
	local sig=$1 f q
	shift
	ktstr "$@" --kernel "$BATS_TEST_TMPDIR/vmlinuz" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	f=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/qemu.pid" ] && break; sleep 0.1; done
	q=$(cat "$BATS_TEST_TMPDIR/qemu.pid")
	[ -n "$q" ]
	kill "-$sig" "$f"
	for _ in $(seq 50); do kill -0 "$q" 2> /dev/null || return 0; sleep 0.1; done
	kill "$q"
	echo "the VM outlived the front end:" >&2
	cat "$BATS_TEST_TMPDIR/out" >&2
	return 1
}

@test "kill -9 of 'ktstr run' stops its VM (with and without the monitor)" {
	killed KILL run steady --no-monitor
	rm "$BATS_TEST_TMPDIR/qemu.pid"
	killed KILL run steady
}

@test "kill (TERM) of 'ktstr run' and kill -9 of 'ktstr gauntlet' stop their VMs" {
	killed TERM run steady --no-monitor
	rm "$BATS_TEST_TMPDIR/qemu.pid"
	killed KILL gauntlet steady --presets tiny-2llc --profiles default --no-monitor
}
