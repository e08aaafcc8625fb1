#!/usr/bin/env bats
# ktstr-probe's QMP client (qmp_sysrq) against a scripted QEMU (qmp_check serve).
load ../helpers

# Start the scripted QEMU on $sock in MODE; its transcript goes to $BATS_TEST_TMPDIR/server.
start_server() {
	sock="$BATS_TEST_TMPDIR/q.sock"
	qmp_check serve "$sock" "$1" > "$BATS_TEST_TMPDIR/server" &
	server=$!
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	echo "the scripted QEMU did not listen" >&2
	return 1
}

@test "alt+sysrq+D: capabilities first, then shift for the upper-case key" {
	start_server ok
	run qmp_check sysrq "$sock" D
	wait "$server"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ "$(cat "$BATS_TEST_TMPDIR/server")" = '{"execute":"qmp_capabilities"}
{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"alt"},{"type":"qcode","data":"sysrq"},{"type":"qcode","data":"shift"},{"type":"qcode","data":"d"}]}}' ]
	[ ! -e "$sock" ]
}

@test "a lower-case key or a digit goes without shift" {
	start_server ok
	run qmp_check sysrq "$sock" 7
	wait "$server"
	[ "$status" -eq 0 ]
	tail -n 1 "$BATS_TEST_TMPDIR/server" | jq -e '[.arguments.keys[].data] == ["alt", "sysrq", "7"]'
}

@test "QEMU refusing send-key: its error class and description" {
	start_server refuse
	run qmp_check sysrq "$sock" D
	wait "$server"
	[ "$status" -eq 1 ]
	[ "$output" = "QMP: send-key failed: GenericError: Invalid parameter 'sysrq'" ]
}

@test "a peer that is not QEMU, or says nothing: an error, not a hang" {
	start_server garbage
	run qmp_check sysrq "$sock" D
	wait "$server"
	[ "$status" -eq 1 ]
	[ "$output" = "QMP: answer to the connection is not a JSON object" ]
	start_server mute
	SECONDS=0
	run qmp_check sysrq "$sock" D
	wait "$server"
	[ "$status" -eq 1 ]
	[ "$output" = "QMP: no answer to the connection within 5000 ms" ]
	[ "$SECONDS" -lt 9 ]
}

@test "no socket, a long path, a key SysRq has no use for" {
	run qmp_check sysrq "$BATS_TEST_TMPDIR/none.sock" D
	[ "$status" -eq 1 ]
	[ "$output" = "QMP socket $BATS_TEST_TMPDIR/none.sock: No such file or directory" ]
	long=/tmp/$(printf 'x%.0s' $(seq 120))
	run qmp_check sysrq "$long" D
	[ "$status" -eq 1 ]
	[ "$output" = "QMP socket path $long: longer than 107 bytes" ]
	run qmp_check sysrq "$BATS_TEST_TMPDIR/none.sock" '!'
	[ "$status" -eq 1 ]
	[ "$output" = "SysRq key '!': expected a letter or a digit" ]
}
