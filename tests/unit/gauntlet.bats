#!/usr/bin/env bats
# ktstr gauntlet without a VM: which jobs it makes (--list), the budget's pick, bad usage.
# Running a gauntlet is in tests/vm/gauntlet.bats.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_ACCEL=tcg	# job costs are estimated for the accelerator
}

@test "gauntlet --list: every flag profile the definition allows, in declaration order" {
	run ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-2llc --list
	[ "$status" -eq 0 ]
	[ "$output" = "steady-tiny-2llc-default	~6.5 s
steady-tiny-2llc-short-slice	~6.5 s
steady-tiny-2llc-scatter	~6.5 s
steady-tiny-2llc-slow	~6.5 s
steady-tiny-2llc-short-slice+scatter	~6.5 s
steady-tiny-2llc-short-slice+slow	~6.5 s
steady-tiny-2llc-scatter+slow	~6.5 s
steady-tiny-2llc-short-slice+scatter+slow	~6.5 s" ]
}

@test "gauntlet --list: a flag's requires drops the profiles without it" {
	mkdir -p "$BATS_TEST_TMPDIR/share/schedulers"
	cp -r "$KTSTR_SHARE_DIR"/scenarios "$KTSTR_SHARE_DIR"/presets.json "$KTSTR_SHARE_DIR"/checks.json \
		"$KTSTR_SHARE_DIR"/profiles.jq "$BATS_TEST_TMPDIR/share/"
	jq '.flags = [{name: "llc", args: []}, {name: "steal", args: [], requires: ["llc"]}, {name: "x", args: []}]' \
		"$KTSTR_SHARE_DIR/schedulers/scx-ktstr.json" > "$BATS_TEST_TMPDIR/share/schedulers/s.json"
	KTSTR_SHARE_DIR="$BATS_TEST_TMPDIR/share" run ktstr gauntlet steady --scheduler s --presets tiny-1llc --list
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-default steady-tiny-1llc-llc steady-tiny-1llc-x steady-tiny-1llc-llc+steal steady-tiny-1llc-llc+x steady-tiny-1llc-llc+steal+x " ]
}

@test "gauntlet --list: scenarios x presets x named profiles; EEVDF has only default" {
	run ktstr gauntlet steady cgroup_add --presets tiny-1llc,numa2-4llc --list
	[ "$status" -eq 0 ]
	[ "$output" = "steady-tiny-1llc-default	~6.5 s
steady-numa2-4llc-default	~9.5 s
cgroup_add-tiny-1llc-default	~6.5 s
cgroup_add-numa2-4llc-default	~9.5 s" ]
	run ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-1llc --profiles default,slow+scatter --list
	[ "$(printf '%s\n' "$output" | cut -f1)" = "steady-tiny-1llc-default
steady-tiny-1llc-slow+scatter" ]
}

@test "gauntlet --budget: greedily the most uncovered configurations per second" {
	run --separate-stderr ktstr gauntlet steady cgroup_add --presets tiny-1llc,tiny-2llc,smt-2llc \
		--scheduler scx-ktstr --budget 40 --list
	[ "$status" -eq 0 ]
	# first the job with every flag (9 features), then the SMT preset, the other scenario, ...
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "cgroup_add-tiny-1llc-short-slice+scatter+slow steady-smt-2llc-default cgroup_add-tiny-2llc-default cgroup_add-smt-2llc-default cgroup_add-smt-2llc-scatter " ]
	[ "$stderr" = "ktstr gauntlet: budget: 5 jobs, about 35 s of VM time, 15 configurations covered" ]
	# two VMs at once: twice the jobs fit
	run --separate-stderr ktstr gauntlet steady cgroup_add --presets tiny-1llc,tiny-2llc,smt-2llc \
		--scheduler scx-ktstr --budget 40 -j 2 --list
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 11 ]
}

@test "gauntlet: bad usage exits 2 with one line, before any VM" {
	for args in "steady --presets nope" "nope --presets tiny-1llc" "-j 0" "--budget 1 --presets tiny-1llc" \
		"--scheduler scx-ktstr --profiles bogus --presets tiny-1llc" "--scheduler nosuch --presets tiny-1llc" \
		"--duration x" "--oversub x" "--frobnicate" "--check nosuch=1 --presets tiny-1llc" "--check a --presets tiny-1llc"; do
		# shellcheck disable=SC2086
		run --separate-stderr ktstr gauntlet $args --list
		echo "$args: $status $stderr"
		[ "$status" -eq 2 ]
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
		[ -z "$output" ]
	done
	run --separate-stderr ktstr gauntlet steady --presets nope,tiny-1llc --list
	[ "$stderr" = "ktstr gauntlet: --presets: unknown preset nope (see ktstr topo --presets)" ]
	run --separate-stderr ktstr gauntlet steady --scheduler scx-ktstr --profiles default,bogus --list
	[ "$stderr" = "ktstr gauntlet: --profiles: unknown flag bogus for scx-ktstr" ]
}
