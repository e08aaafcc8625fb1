#!/usr/bin/env bats
# scx-ktstr, the fixture sched_ext scheduler: its command line on the host, then attach, detach
# and each injected failure in a real VM (ktstr shell --include).
load ../helpers

SCX=$KTSTR_BUILD_DIR/guest/scx-ktstr
BAD=$KTSTR_BUILD_DIR/guest/scx-ktstr-badverify

setup() {
	[ -x "$SCX" ] && [ -x "$BAD" ] || {
		echo "scx-ktstr is not built (it needs a cached kernel: run 'make kernel')" >&2
		return 1
	}
}

# Guest shell helpers: wait until sched_ext's state reads $1 (5 s at most), print state and ops.
WAIT='wait_state() { i=0; while [ "$(cat /sys/kernel/sched_ext/state)" != "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; echo "$(cat /sys/kernel/sched_ext/state) $(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"; }'

@test "scx-ktstr --help: usage on stdout, exit 0" {
	run "$SCX" --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: scx-ktstr [OPTIONS]" ]
}

@test "scx-ktstr: bad usage exits 2 with one line naming the option" {
	run "$SCX" --slow abc
	[ "$status" -eq 2 ]
	[ "$output" = "scx-ktstr: --slow: 'abc' is not a whole number in 0-1000000" ]
	run "$SCX" --timeout-ms 0
	[ "$status" -eq 2 ]
	[ "$output" = "scx-ktstr: --timeout-ms and --slice-us must be at least 1" ]
	run "$SCX" extra
	[ "$status" -eq 2 ]
	[ "$output" = "scx-ktstr: unexpected argument 'extra' (see 'scx-ktstr --help')" ]
}

@test "scx-ktstr: attaches as 'ktstr', detaches on SIGINT with exit 0 and an UNREG exit record" {
	run ktstr shell --include "$SCX" --exec "$WAIT
		/include-files/scx-ktstr > /tmp/out 2>/dev/null & L=\$!
		wait_state enabled
		kill -INT \$L; wait \$L; echo rc=\$?
		wait_state disabled
		grep '\"event\":\"exit\"' /tmp/out"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "enabled ktstr" ]
	[ "${lines[1]}" = "rc=0" ]
	[ "${lines[2]}" = "disabled " ]
	[ "${lines[3]}" = '{"type":"scx_ktstr","event":"exit","kind":"UNREG","kind_code":64,"exit_code":0,"reason":"unregistered from user space","msg":""}' ]
}

@test "scx-ktstr --stall-after: the kernel watchdog ejects it, exit 1, kind ERROR_STALL" {
	run ktstr shell --include "$SCX" --exec "$WAIT
		/include-files/scx-ktstr --stall-after 500 --timeout-ms 2000 > /tmp/out 2>/dev/null & L=\$!
		wait_state enabled
		sh -c 'while :; do :; done' & S=\$!
		wait \$L; echo rc=\$?; kill \$S; wait \$S 2>/dev/null
		wait_state disabled
		grep '\"event\":\"exit\"' /tmp/out"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "enabled ktstr" ]
	[ "${lines[1]}" = "rc=1" ]
	[ "${lines[2]}" = "disabled " ]
	[[ "${lines[3]}" == '{"type":"scx_ktstr","event":"exit","kind":"ERROR_STALL","kind_code":1026,"exit_code":0,"reason":"runnable task stall","msg":'* ]]
}

@test "scx-ktstr --starve-kthread-after: one per-CPU kthread stays runnable and never runs" {
	# the guest script: the parked kthread must read R with an unchanged timeslice count for 1 s
	cat > "$BATS_TEST_TMPDIR/starve.sh" <<-'EOS'
		/include-files/scx-ktstr --starve-kthread-after 200 --timeout-ms 20000 > /tmp/out 2>/dev/null & L=$!
		sh -c 'while :; do :; done' & S=$!
		i=0; while ! grep -q starved_kthread /tmp/out && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
		P=$(sed -n 's/.*"event":"starved_kthread","pid":\([0-9]*\).*/\1/p' /tmp/out)
		a=$(cut -d' ' -f3 /proc/$P/schedstat); sleep 1; b=$(cut -d' ' -f3 /proc/$P/schedstat)
		echo "comm=$(cat /proc/$P/comm | sed 's/[0-9]*:.*//;s/[0-9]*$//') state=$(cut -d' ' -f3 /proc/$P/stat) ran=$((b - a)) cpus=$(grep Cpus_allowed_list /proc/$P/status | cut -f2 | grep -c '^[0-9]*$')"
		kill -INT $L; wait $L; echo rc=$?; kill $S
		grep -c '"event":"starved_kthread"' /tmp/out
	EOS
	run ktstr shell --include "$SCX" --include "$BATS_TEST_TMPDIR/starve.sh" --exec "sh /include-files/starve.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^comm=(kworker/|ksoftirqd/)\ state=R\ ran=0\ cpus=1$ ]]
	[ "${lines[1]}" = "rc=0" ]
	[ "${lines[2]}" = "1" ]
}

@test "scx-ktstr --error-after: scx_bpf_error with the injected message, exit 1" {
	run ktstr shell --include "$SCX" --exec "$WAIT
		/include-files/scx-ktstr --error-after 500 > /tmp/out 2>/tmp/err & L=\$!
		wait_state enabled
		wait \$L; echo rc=\$?
		wait_state disabled
		tail -1 /tmp/err"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "enabled ktstr" ]
	[ "${lines[1]}" = "rc=1" ]
	[ "${lines[2]}" = "disabled " ]
	[ "${lines[3]}" = "scx-ktstr: scheduler exited: ERROR_BPF (1025): scx_bpf_error: ktstr: injected error after 500 ms" ]
}

@test "scx-ktstr-badverify: the verifier rejects it, the log tail names the bad access, exit 1" {
	run ktstr shell --include "$BAD" --exec '/include-files/scx-ktstr-badverify 2>&1; echo rc=$?; cat /sys/kernel/sched_ext/state'
	[ "$status" -eq 0 ]
	[[ "$output" == *"scx-ktstr-badverify: verifier: invalid access to map value, value_size=88 off=512 size=8"* ]]
	[ "${lines[${#lines[@]}-2]}" = "rc=1" ]
	[ "${lines[${#lines[@]}-1]}" = "disabled" ]
}

@test "scx-ktstr: SIGKILL of the loader detaches the scheduler (struct_ops link)" {
	run ktstr shell --include "$SCX" --exec "$WAIT
		/include-files/scx-ktstr > /dev/null 2>&1 & L=\$!
		wait_state enabled
		kill -KILL \$L; wait \$L; echo rc=\$?
		wait_state disabled"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "enabled ktstr" ]
	[ "${lines[1]}" = "rc=137" ]
	[ "${lines[2]}" = "disabled " ]
}
