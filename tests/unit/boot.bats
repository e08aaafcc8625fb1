#!/usr/bin/env bats
# ktstr-boot without a VM: options, job validation, pass-through, initramfs.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
}

# job ID [JQ-EXPR]: a valid shell job (its kernel need not exist).
job() {
	jq -nc --argjson topo "$(ktstr-topo 1n1l2c1t)" --arg id "$1" \
		'{type: "job", id: $id, mode: "shell", exec: "true", topo: $topo,
		  kernel: {image: "/nonexistent/vmlinuz"}}' | jq -c "${2:-.}"
}

# bad JQ-EXPR: run ktstr-boot on one job changed by JQ-EXPR.
bad() {
	job j "$1" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
}

@test "--help says what it reads and writes" {
	run ktstr-boot --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-boot [-j N] [--run-dir DIR] [--dry-run] [-v] < jobs.ndjson" ]
}

@test "bad options exit 2" {
	run --separate-stderr ktstr-boot -j 0
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: -j 0: expected a number from 1 to 256" ]
	run --separate-stderr ktstr-boot extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: unexpected argument 'extra' (jobs come on stdin)" ]
}

@test "records that are not jobs pass through unchanged; no job, no VM" {
	printf '%s\n' '{"type":"topo","name":"x","z":[1,{"a":null}]}' '' '{"type":"verdict","result":"pass"}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n%s' '{"type":"topo","name":"x","z":[1,{"a":null}]}' '{"type":"verdict","result":"pass"}')" ]
	[ -z "$stderr" ]
}

@test "not JSON, or no type: exit 2 naming the line" {
	printf '{"type":"a"}\nnot json\n' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: stdin:2:3: '[' or '{' expected near 'not'" ]
	printf '{"id":"x"}\n' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: record has no string "type"' ]
}

@test "job fields: each missing or ill-typed one is named" {
	bad 'del(.id)'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "id": missing' ]
	bad '.id = "../x"'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "id": "../x" must not start with '"'.'"' or '"'-'"'' ]
	# the rule every tool shares: what ktstr-sidecar could not store is refused before a VM
	for id in 'a@b' 'a:b' 'a=b' 'a,b' "$(printf 'x%.0s' $(seq 129))"; do
		bad ".id = \"$id\""
		[ "$status" -eq 2 ]
	done
	[ "$stderr" = "ktstr-boot: stdin:1: job record: field \"id\": \"$id\" is longer than 128 characters" ]
	bad ".topo = $(ktstr-topo 2n4l64c2t)"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: stdin:1: job record: field \"topo\": 512 CPUs; QEMU's pc machine takes at most 255" ]
	bad '.id = "a@b"'
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "id": "a@b" may hold only letters, digits, '"'.', '_', '+' and '-'"'' ]
	bad 'del(.mode)'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "mode": missing' ]
	bad '.mode = "scenario"'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "scenario": missing (mode scenario needs an object)' ]
	bad '.kernel = "vmlinuz"'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "kernel": not an object' ]
	bad '.kernel.image = 1'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "kernel.image": not a string' ]
	bad '.topo = []'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "topo": not an object' ]
	bad '.timeout_s = "10"'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "timeout_s": not an integer' ]
	bad '.timeout_s = 0'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "timeout_s": 0 is not in 1..86400' ]
	bad '.cmdline = ["console=tty0"]'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "cmdline[0]": "console=tty0" is set by ktstr-boot' ]
	bad '.scheduler = {name: "x", path: "rel/x"}'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "scheduler.path": not an absolute path' ]
	bad '.include = [{src: "/etc/hostname", dst: "/init"}]'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'ktstr-boot: stdin:1: job record: field "include[0].dst": not an absolute guest path (not /init or /job.json, no "..")' ]
}

@test "a missing kernel: exit 3 and an error record saying how to get one" {
	job nok > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --run-dir "$BATS_TEST_TMPDIR/run" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-boot: job nok: kernel image /nonexistent/vmlinuz not found: run 'ktstr kernel fetch'" ]
	[ "$(printf '%s' "$output" | jq -r 'select(.type == "vm") | "\(.phase) \(.reason)"')" = "exited error" ]
}

@test "--write-initramfs: cached base + the job's part (job.json, scheduler and libraries, includes)" {
	# `make sanitize` builds no guest programs into its own tree
	[ -x "$KTSTR_BUILD_DIR/guest/ktstr-init" ] || export KTSTR_GUEST_DIR="$KTSTR_ROOT/build/guest"
	jqbin=$(command -v jq)
	mkdir -p "$BATS_TEST_TMPDIR/inc/sub"
	echo deep > "$BATS_TEST_TMPDIR/inc/sub/f"
	job w ".scheduler = {name: \"jq\", path: \"$jqbin\"} |
	       .include = [{src: \"$BATS_TEST_TMPDIR/inc\", dst: \"/include-files/inc\"}]" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --write-initramfs "$BATS_TEST_TMPDIR/out" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -r 'select(.type == "initramfs") | "\(.type) \(.job) \(.path)"')" = "initramfs w $BATS_TEST_TMPDIR/out/w.cpio" ]
	base=$(ls "$KTSTR_CACHE_DIR"/initramfs/*.cpio)
	[ "$(ls "$KTSTR_CACHE_DIR"/initramfs | wc -l)" -eq 1 ]
	# the base comes first, unchanged
	cmp -n "$(stat -c %s "$base")" "$base" "$BATS_TEST_TMPDIR/out/w.cpio"
	run sh -c "cpio -it --quiet < '$base'"
	[ "$(printf '%s\n' "$output" | grep -cxE 'init|bin/busybox|dev/console|proc|sys|tmp')" -eq 6 ]
	# busybox's applets are links in the base, so the guest installs nothing
	run sh -c "cpio -itv --quiet < '$base'"
	printf '%s\n' "$output" | grep -qE ' bin/ls -> /bin/busybox$'
	[ "$(printf '%s\n' "$output" | grep -c -- '-> /bin/busybox$')" -gt 200 ]
	# then the job's own archive
	cd "$BATS_TEST_TMPDIR" && mkdir x && cd x
	tail -c +"$(($(stat -c %s "$base") + 1))" ../out/w.cpio | cpio -id --quiet
	cmp job.json ../in
	cmp sched/jq "$jqbin"
	[ "$(cat include-files/inc/sub/f)" = deep ]
	for lib in $(ldd "$jqbin" | awk '$2 == "=>" {print $3} $1 ~ /^\// {print $1}'); do
		ls -d ".$lib" || ls -d ".$(readlink -f "$lib")"
	done
}

@test "--write-initramfs: Custom work binaries go in at their own paths, once; guest-only paths are left to the guest" {
	[ -x "$KTSTR_BUILD_DIR/guest/ktstr-init" ] || export KTSTR_GUEST_DIR="$KTSTR_ROOT/build/guest"
	cd "$BATS_TEST_TMPDIR"
	# not below /tmp, which the guest mounts over (a checkout there uses $HOME)
	case $KTSTR_BUILD_DIR/ in /tmp/* | /proc/* | /sys/* | /dev/*) d=$HOME ;; *) d=$KTSTR_BUILD_DIR ;; esac
	bin2=$(mktemp -d "$d/custom-work.XXXXXX")
	printf '#!/bin/sh\nexit "$1"\n' > "$bin2/work.sh"
	chmod 755 "$bin2/work.sh"
	job w ".mode = \"scenario\" | .scenario = {name: \"c\", cgroups: [{name: \"cg_0\", workers: [
		{work: {type: \"Custom\", path: \"$bin2/work.sh\", args: [\"3\"]}},
		{work: {type: \"Custom\", path: \"/include-files/not-here\"}}]}],
		steps: [{ops: [{op: \"spawn_host\", workers: {work: {type: \"Custom\", path: \"$bin2/work.sh\"}}}]}]}" > in
	run --separate-stderr ktstr-boot --write-initramfs out < in
	rm -r "$bin2"
	[ "$status" -eq 0 ]
	base=$(ls "$KTSTR_CACHE_DIR"/initramfs/*.cpio)
	run sh -c "tail -c +$(($(stat -c %s "$base") + 1)) out/w.cpio | cpio -itv --quiet | awk '\$1 !~ /^d/ {print \$1, \$NF}'"
	[ "$output" = "-rw-r--r-- job.json
-rwxr-xr-x ${bin2#/}/work.sh" ]
	# one the guest's /tmp would hide is refused
	tmpf=$(mktemp /tmp/ktstr-custom.XXXXXX)
	job w2 ".mode = \"scenario\" | .scenario = {name: \"c\", cgroups: [{name: \"cg_0\", workers: [
		{work: {type: \"Custom\", path: \"$tmpf\"}}]}]}" > in2
	run --separate-stderr ktstr-boot --write-initramfs out3 < in2
	rm -f "$tmpf"
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-boot: job w2: Custom work path $tmpf: the guest mounts its own /tmp over it; put the binary elsewhere" ]
	[ ! -e out3/w2.cpio ]
}

@test "--write-initramfs: payloads at /payload/NAME with their libraries, each library once" {
	[ -x "$KTSTR_BUILD_DIR/guest/ktstr-init" ] || export KTSTR_GUEST_DIR="$KTSTR_ROOT/build/guest"
	jqbin=$(command -v jq)
	shbin=$(readlink -f "$(command -v sh)")
	job w ".payloads = {jq: {path: \"$jqbin\"}, sh: {path: \"$shbin\"}}" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --write-initramfs "$BATS_TEST_TMPDIR/out" < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	base=$(ls "$KTSTR_CACHE_DIR"/initramfs/*.cpio)
	cd "$BATS_TEST_TMPDIR" && mkdir x && cd x
	tail -c +"$(($(stat -c %s "$base") + 1))" ../out/w.cpio | cpio -id --quiet
	cmp payload/jq "$jqbin"
	cmp payload/sh "$shbin"
	[ -x payload/jq ]
	for lib in $({ ldd "$jqbin"; ldd "$shbin"; } | awk '$2 == "=>" {print $3} $1 ~ /^\// {print $1}'); do
		ls -d ".$lib" || ls -d ".$(readlink -f "$lib")"
	done
	# libc, which both need, is written once
	libc=$(ldd "$jqbin" | awk '$1 ~ /^libc\.so/ {print $3}')
	[ "$(tail -c +"$(($(stat -c %s "$base") + 1))" ../out/w.cpio | cpio -it --quiet | grep -cx "${libc#/}")" -eq 1 ]
	# a payload path that is no file: no VM, exit 3, the field named
	job w2 '.payloads = {t: {path: "/nonexistent/bench"}}' > ../in2
	run --separate-stderr ktstr-boot --write-initramfs ../out2 < ../in2
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-boot: job w2: payload t: /nonexistent/bench is not a file on this host" ]
}

@test "--write-initramfs: a script scheduler goes in alone, mode kept; a missing library is refused" {
	[ -x "$KTSTR_BUILD_DIR/guest/ktstr-init" ] || export KTSTR_GUEST_DIR="$KTSTR_ROOT/build/guest"
	cd "$BATS_TEST_TMPDIR"
	printf '#!/bin/sh\nexec /sched/real "$@"\n' > loader
	chmod 755 loader
	job w ".scheduler = {name: \"loader\", path: \"$PWD/loader\"}" > in
	run --separate-stderr ktstr-boot --write-initramfs out < in
	[ "$status" -eq 0 ]
	base=$(ls "$KTSTR_CACHE_DIR"/initramfs/*.cpio)
	run sh -c "tail -c +$(($(stat -c %s "$base") + 1)) out/w.cpio | cpio -itv --quiet | awk '{print \$1, \$NF}'"
	[ "$output" = "-rw-r--r-- job.json
drwxr-xr-x sched
-rwxr-xr-x sched/loader" ]
	# an ELF loader whose library is gone: no VM (inconclusive, exit 3), nothing written
	echo 'int f(void) { return 0; }' > f.c
	echo 'int f(void); int main(void) { return f(); }' > m.c
	cc -shared -fPIC -o libktstrgone.so f.c
	cc -o loader m.c -L. -lktstrgone
	rm libktstrgone.so
	run --separate-stderr ktstr-boot --write-initramfs out2 < in
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-boot: job w: $PWD/loader needs libktstrgone.so, which is not found" ]
	[ ! -e out2/w.cpio ]
}

@test "console records: a kernel report with the lines after it (an RCU stall and its CPUs), no ordinary line" {
	export KTSTR_ACCEL=tcg KTSTR_BOOT=bzimage KTSTR_QEMU="$BATS_TEST_TMPDIR/qemu"
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" TMPDIR="$BATS_TEST_TMPDIR/tmp"
	unset XDG_RUNTIME_DIR
	mkdir -p "$TMPDIR"
	head -c 4096 /dev/zero > "$BATS_TEST_TMPDIR/vmlinuz"
	# a stand-in QEMU that prints to the console chardev it is given and exits (bash: the fd
	# may have two digits)
	cat > "$KTSTR_QEMU" <<-'EOF2'
	#!/bin/bash
	case "$*" in *--version*) echo "QEMU emulator version 10.0.0"; exit 0 ;; -L*) exit 0 ;; esac
	for a; do case $a in socket,id=con,fd=*) con=${a##*fd=} ;; esac; done
	printf '%s\n' '[    1.000000] an ordinary line' \
		'[   23.265037] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:' \
		'[   23.269269] rcu: 	0-...!: (15 GPs behind) idle=a918/0/0x0 softirq=85/87 fqs=1' \
		'[   23.302947] rcu: 	Possible timer handling issue on cpu=0 timer-softirq=15' >&"$con"
	EOF2
	chmod +x "$KTSTR_QEMU"
	job j ".kernel.image = \"$BATS_TEST_TMPDIR/vmlinuz\"" > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot < "$BATS_TEST_TMPDIR/in"
	# (a tab becomes a blank)
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "console") | .line')" = "$(printf '%s\n' \
		'[   23.265037] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:' \
		'[   23.269269] rcu:  0-...!: (15 GPs behind) idle=a918/0/0x0 softirq=85/87 fqs=1' \
		'[   23.302947] rcu:  Possible timer handling issue on cpu=0 timer-softirq=15')" ]
}
