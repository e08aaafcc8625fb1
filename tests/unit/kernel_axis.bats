#!/usr/bin/env bats
# --kernel A,B on run and gauntlet: one job per kernel, ids tagged with the kernel, the budget
# shared; a scheduler built per kernel (scx-ktstr) taken for each job's kernel. No VM.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_CACHE_DIR=$BATS_TEST_TMPDIR/cache KTSTR_RUNS_DIR=$BATS_TEST_TMPDIR/runs
	unset KTSTR_KERNEL
	KDIR=$KTSTR_CACHE_DIR/kernels
	entry 6.12.9-x 6.12.9-ktstr 2026-01-01T00:00:00Z
	entry 7.2.1-y 7.2.1-cloud 2026-01-02T00:00:00Z
	entry 7.2.5-z 7.2.5-cloud 2026-01-03T00:00:00Z
}

# A cache entry with dummy files: entry ID RELEASE CREATED_AT
entry() {
	mkdir -p "$KDIR/$1"
	echo image >"$KDIR/$1/vmlinuz"
	echo CONFIG_SCHED_CLASS_EXT=y >"$KDIR/$1/config"
	echo elf >"$KDIR/$1/vmlinux"
	jq -n --arg id "$1" --arg r "$2" --arg t "$3" '{id: $id, release: $r, version: $r,
		source: "local", arch: "x86_64", image: "vmlinuz", config: "config", btf: "vmlinux",
		created_at: $t, sched_ext: true}' >"$KDIR/$1/meta.json"
}

@test "kernel axis: run --kernel A,B plans the job on each, ids ending in -k<major.minor>" {
	run --separate-stderr ktstr run steady --kernel 6.12.9-x,7.2.1-y --job-only
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '[.id, .kernel.id] | @tsv')" = "$(printf 'steady-1n2l2c1t-k6.12\t6.12.9-x\nsteady-1n2l2c1t-k7.2\t7.2.1-y')" ]
	# one kernel: ids as ever
	run --separate-stderr ktstr run steady --kernel 7.2.1-y --job-only
	[ "$(printf '%s\n' "$output" | jq -r .id)" = steady-1n2l2c1t ]
	# two of one major.minor: their ids tell them apart
	run --separate-stderr ktstr run steady --kernel 7.2.1-y,7.2.5-z,6.12.9-x --repeat 2 --job-only
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .id | sort | tr '\n' ' ')" = "steady-1n2l2c1t-7.2.1-y.r1 steady-1n2l2c1t-7.2.1-y.r2 steady-1n2l2c1t-7.2.5-z.r1 steady-1n2l2c1t-7.2.5-z.r2 steady-1n2l2c1t-k6.12.r1 steady-1n2l2c1t-k6.12.r2 " ]
}

@test "kernel axis: a bad --kernel list exits 2 with one line, an unknown kernel 3 naming it" {
	for l in ,7.2.1-y 7.2.1-y, 7.2.1-y,,6.12.9-x; do
		run --separate-stderr ktstr run steady --kernel "$l" --job-only
		[ "$status" -eq 2 ]
		[ "$stderr" = "ktstr: --kernel $l: an empty kernel name" ]
	done
	run --separate-stderr ktstr gauntlet --kernel 7.2.1-y,6.12.9-x,7.2.1-y --list
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr gauntlet: --kernel: 7.2.1-y named twice" ]
	run --separate-stderr ktstr run steady --kernel "7.2.1-y,$KDIR/7.2.1-y" --job-only
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: --kernel 7.2.1-y,$KDIR/7.2.1-y: names the kernel $KDIR/7.2.1-y/vmlinuz twice" ]
	run --separate-stderr ktstr run steady --kernel 7.2.1-y,nope --job-only
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr kernel: no kernel 'nope' in $KDIR; see 'ktstr kernel list'" ]
	# bad input is said before a missing kernel
	run --separate-stderr ktstr run nosuch --kernel nope
	[ "$status" -eq 2 ]
	run --separate-stderr ktstr-topo plan --kernel-tag 'k/1' steady
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-topo: --kernel-tag k/1: may hold only letters, digits, '.', '_', '+' and '-'" ]
}

@test "kernel axis: gauntlet --kernel A,B lists each kernel's plan, the budget shared" {
	run --separate-stderr ktstr gauntlet steady --kernel 6.12.9-x,7.2.1-y --presets tiny-2llc,tiny-1llc --list
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-default-k6.12 steady-tiny-2llc-default-k6.12 steady-tiny-1llc-default-k7.2 steady-tiny-2llc-default-k7.2 " ]
	# 40 s for two kernels: 20 s each, one job of about 14 s (the KVM model's) per kernel;
	# the accelerator is pinned: without it the model is the host's (TCG where /dev/kvm is absent)
	KTSTR_ACCEL=kvm run --separate-stderr ktstr gauntlet steady --kernel 6.12.9-x,7.2.1-y --presets tiny-2llc,tiny-1llc --budget 40 --list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == steady-tiny-*-default-k6.12* ]]
	[[ "${lines[1]}" == steady-tiny-*-default-k7.2* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c '1 of 2 jobs, about 14 s of VM time')" -eq 2 ]
	run --separate-stderr ktstr gauntlet steady --kernel 6.12.9-x,7.2.1-y --presets tiny-2llc --list --json
	[ "$(printf '%s\n' "$output" | jq -r .kernel.id | tr '\n' ' ')" = "6.12.9-x 7.2.1-y " ]
}

@test "kernel axis: a scheduler built per kernel is taken for each job's kernel, refused for others" {
	g=$BATS_TEST_TMPDIR/guest
	mkdir -p "$g/kernels/6.12.9-x" "$g/kernels/7.2.1-y"
	for f in "$g/scx-ktstr" "$g/kernels/6.12.9-x/scx-ktstr" "$g/kernels/7.2.1-y/scx-ktstr"; do
		printf '#!/bin/sh\n' >"$f"
		chmod +x "$f"
	done
	export KTSTR_GUEST_DIR=$g
	run --separate-stderr ktstr run steady --scheduler scx-ktstr --kernel 6.12.9-x,7.2.1-y --job-only
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .scheduler.path | tr '\n' ' ')" = "$g/kernels/6.12.9-x/scx-ktstr $g/kernels/7.2.1-y/scx-ktstr " ]
	run --separate-stderr ktstr run steady --scheduler scx-ktstr --kernel 7.2.5-z --job-only
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: scx-ktstr is built in $g/kernels/ for other kernels, not for 7.2.5-z (make scx-ktstr KERNEL=7.2.5-z)" ]
	# a guest folder without per-kernel builds serves every kernel
	rm -r "$g/kernels"
	run --separate-stderr ktstr run steady --scheduler scx-ktstr --kernel 7.2.5-z --job-only
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .scheduler.path)" = "$g/scx-ktstr" ]
}
