#!/usr/bin/env bats
# ktstr-probe without a VM: options, bad input, records passed through, and a VM that cannot be
# read (its monitor record says why). Reading real guest memory is in tests/vm/probe.bats.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/eval"

@test "probe: --help, bad options and arguments exit 2 with one line" {
	run ktstr-probe --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-probe [--interval-ms N] [--settle-ms N] [--watchdog-ms N] [--no-samples]" ]
	run --separate-stderr ktstr-probe --interval-ms 5
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: --interval-ms 5: expected milliseconds from 10 to 60000" ]
	run --separate-stderr ktstr-probe --settle-ms -1
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: --settle-ms -1: expected milliseconds from 0 to 600000" ]
	run --separate-stderr ktstr-probe --watchdog-ms 500
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: --watchdog-ms 500: expected 0, or 1000 to 30000" ]
	run --separate-stderr ktstr-probe stream.ndjson
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: unexpected argument 'stream.ndjson' (the stream comes on stdin)" ]
}

@test "probe: a bad line exits 2 naming it, after copying every line before it" {
	run --separate-stderr sh -c "{ grep -v '\"type\":\"vm\"' '$F/steady-eevdf.ndjson' | head -n 3; echo '{\"type\":\"step\",'; } | ktstr-probe"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: stdin:4:15: string or '}' expected near end of file" ]
	[ "$output" = "$(grep -v '"type":"vm"' "$F/steady-eevdf.ndjson" | head -n 3)" ]
}

@test "probe: a VM it cannot read gets a monitor record saying why, just before the VM's exit" {
	# the recorded job's kernel files and QEMU are long gone (a pid above any pid_max)
	grep -v '"type":"monitor"' "$F/steady-scx.ndjson" |
		jq -c 'if .type == "vm" then .pid = 99999999 else . end' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-probe < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	ksyms=$(head -n 1 "$F/steady-scx.ndjson" | jq -r .kernel.ksyms)
	[ "$stderr" = "ktstr-probe: job steady-1n2l2c1t: no monitor: vm record: pid 99999999: No such file or directory" ]
	# everything else byte for byte, the monitor record second to last
	[ "$(printf '%s\n' "$output" | grep -v '"type":"monitor"')" = "$(cat "$BATS_TEST_TMPDIR/in")" ]
	[ "$(printf '%s\n' "$output" | tail -n 2 | head -n 1 | jq -c 'del(.t_ms)')" = \
		"{\"type\":\"monitor\",\"job\":\"steady-1n2l2c1t\",\"samples\":0,\"interval_ms\":100,\"error\":\"vm record: pid 99999999: No such file or directory\"}" ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | jq -r '.type + " " + .phase')" = "vm exited" ]
	# ktstr-eval will not call a sched_ext run that nobody watched a pass
	run sh -c "printf '%s\\n' \"\$1\" | ktstr-eval | tail -n 1 | jq -r '.result, .reason'" sh "$output"
	[ "$output" = "inconclusive
the host-side monitor could not watch the scheduler: vm record: pid 99999999: No such file or directory (ktstr run --no-monitor, or --check require_monitor=false, accepts that)" ]
}

@test "probe: a vm record naming a process that is not QEMU, or memory smaller than it claims, exits 2 and maps nothing" {
	vm() { head -n 1 "$F/steady-scx.ndjson"; jq -c --argjson pid "$1" --argjson mb "$2" '.pid = $pid | .memory = [{node: 0, fd: 5, size_mb: $mb}]' <<< "$(grep -m1 '"type":"vm"' "$F/steady-scx.ndjson")"; }
	vm $$ 16 > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-probe < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: job steady-1n2l2c1t: vm record: pid $$ is not a QEMU (it runs $(readlink /proc/$$/exe))" ]
	# a process that calls itself QEMU, with a 1 MiB memory file where the record says 16 MiB
	cp "$(command -v sleep)" "$BATS_TEST_TMPDIR/qemu-system-x86_64"
	truncate -s 1M "$BATS_TEST_TMPDIR/ram"
	"$BATS_TEST_TMPDIR/qemu-system-x86_64" 30 5< "$BATS_TEST_TMPDIR/ram" &
	fake=$!
	vm $fake 16 > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-probe < "$BATS_TEST_TMPDIR/in"
	kill $fake
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-probe: job steady-1n2l2c1t: vm record: memory[0] (/proc/$fake/fd/5) is a file of 1048576 bytes, not the 16 MiB it claims" ]
	# --replay reads no memory at all: the same stream goes through
	run --separate-stderr ktstr-probe --replay < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
}

@test "probe: --replay replaces a stream's monitor records with its own summary" {
	run sh -c "ktstr-probe --replay < '$F/monitor-pass.ndjson' | jq -c 'select(.type == \"monitor\") | del(.t_ms)'"
	[ "$status" -eq 0 ]
	# that stream has no sample records: nothing judged
	[ "$output" = '{"type":"monitor","job":"steady-1n2l2c1t","samples":0,"interval_ms":100}' ]
}
