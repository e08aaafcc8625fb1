#!/usr/bin/env bats
# libcommon/spawn: own process group, exec errors, waits with a timeout, group kill.
load ../helpers

@test "a child that exits in time: its status" {
	run spawn_check 5000 sh -c 'exit 7'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'pgid own\nexited 7')" ]
}

@test "a child that does not: timeout, then the whole group is killed" {
	pidfile="$BATS_TEST_TMPDIR/grandchild"
	run spawn_check 300 sh -c "sleep 30 & echo \$! > '$pidfile'; wait"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'pgid own\ntimeout\nsignaled 9')" ]
	# the grandchild was in the group too
	gc=$(cat "$pidfile")
	for _ in $(seq 50); do
		st=$(ps -o stat= -p "$gc" 2>/dev/null || true)
		case $st in "" | Z*) break ;; esac
		sleep 0.1
	done
	case $st in "" | Z*) ;; *) echo "grandchild $gc still running"; false ;; esac
}

@test "exec failure is reported as an error, not as a child status" {
	run spawn_check 1000 /nonexistent/program
	[ "$status" -eq 0 ]
	[ "$output" = "spawn failed: No such file or directory" ]
}
