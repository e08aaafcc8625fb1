#!/usr/bin/env bats
# ktstr gauntlet without a VM: the plan it would run (--list), bad usage. The planning itself is
# tested in plan.bats; running a gauntlet in tests/vm/gauntlet.bats.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_ACCEL=tcg	# job costs are estimated for the accelerator
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"	# no stored runs: the model's estimates
}

@test "gauntlet --list: every flag profile on the named presets, with estimates and why" {
	run ktstr gauntlet steady --scheduler scx-ktstr --presets tiny-2llc --list
	[ "$status" -eq 0 ]
	[ "$output" = "steady-tiny-2llc-default	~6.4 s	no budget: every combination
steady-tiny-2llc-short-slice	~6.4 s	no budget: every combination
steady-tiny-2llc-scatter	~6.4 s	no budget: every combination
steady-tiny-2llc-slow	~6.4 s	no budget: every combination
steady-tiny-2llc-short-slice+scatter	~6.4 s	no budget: every combination
steady-tiny-2llc-short-slice+slow	~6.4 s	no budget: every combination
steady-tiny-2llc-scatter+slow	~6.4 s	no budget: every combination
steady-tiny-2llc-short-slice+scatter+slow	~6.4 s	no budget: every combination" ]
}

@test "gauntlet --list: by default the presets that fit; --json gives the job records" {
	run ktstr gauntlet steady --list
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-topo plan steady --fit --profiles all --list)" ]
	run --separate-stderr ktstr gauntlet steady cgroup_add --presets tiny-1llc,numa2-4llc --list --json --budget 100 -j 2
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.id, .plan.preset, .plan.profile, .plan.estimate_s]')" = '["steady-tiny-1llc-default","tiny-1llc","default",8.6]
["cgroup_add-tiny-1llc-default","tiny-1llc","default",8.6]
["steady-numa2-4llc-default","numa2-4llc","default",11.3]
["cgroup_add-numa2-4llc-default","numa2-4llc","default",11.3]' ]
	[ "$(printf '%s\n' "$output" | jq -c '.plan.vms_at_once' | sort -u)" = 2 ]
	[ "$stderr" = "ktstr gauntlet: 4 of 4 jobs, about 40 s of VM time (20 s at -j 2), 0 estimated from stored runs" ]
}

@test "gauntlet: bad usage exits 2 with one line, before any VM" {
	for args in "steady --presets nope" "nope --presets tiny-1llc" "-j 0" "--budget 1 --presets tiny-1llc" \
		"--scheduler scx-ktstr --profiles bogus --presets tiny-1llc" "--scheduler nosuch --presets tiny-1llc" \
		"--duration x" "--oversub x" "--frobnicate" "--check nosuch=1 --presets tiny-1llc" "--check a --presets tiny-1llc" \
		"--shard 3/2" "--seed -1"; do
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
	# a gauntlet that could only skip boots nothing
	run --separate-stderr ktstr gauntlet steady_llc --presets tiny-1llc
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr gauntlet: nothing can run: steady_llc on tiny-1llc: needs >= 2 LLCs, topology has 1" ]
}

@test "gauntlet: a failed job: the run's HTML report, its matrix linking to the job, named on stderr" {
	F="$KTSTR_ROOT/tests/fixtures/eval"
	# each planned job replays a recorded run that fails (cg_2 squeezed in step 2)
	standin_boot <<-EOF2
	#!/bin/sh
	jq -r .id | while read -r id; do
		jq -c --arg id "\$id" 'if .type == "job" then .id = \$id else . end | if has("job") then .job = \$id else . end' "$F/degrade-step-scx.ndjson"
	done
	EOF2
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --presets tiny-1llc,tiny-2llc \
		--profiles default --no-monitor --run-dir "$BATS_TEST_TMPDIR/runs/g"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "ktstr gauntlet: report: $BATS_TEST_TMPDIR/runs/g/report.html" ]
	[ "$(grep -o '<tr><th>steady</th>.*</tr>' "$BATS_TEST_TMPDIR/runs/g/report.html")" = \
		'<tr><th>steady</th><td class="cell r-fail"><a href="#job-steady-tiny-1llc-default">fail</a></td><td class="cell r-fail"><a href="#job-steady-tiny-2llc-default">fail</a></td></tr>' ]
}

@test "gauntlet: a job hit by TCG's patching race runs once more; its new record counts" {
	# a build dir whose ktstr-boot replays recorded runs under the planned job's id: the race
	# the first time, a pass the second
	F="$KTSTR_ROOT/tests/fixtures/eval"
	standin_boot <<-EOF2
	#!/bin/sh
	id=\$(jq -r .id | head -n 1)
	f=tcg-int3-race; [ -e "$BATS_TEST_TMPDIR/raced" ] && f=steady-eevdf; touch "$BATS_TEST_TMPDIR/raced"
	jq -c --arg id "\$id" 'if .type == "job" then .id = \$id else . end | if has("job") then .job = \$id else . end' "$F/\$f.ndjson"
	EOF2
	KTSTR_BUILD_DIR="$b" run --separate-stderr ktstr gauntlet steady --presets tiny-1llc --profiles default \
		--no-monitor --run-dir "$BATS_TEST_TMPDIR/runs/g"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | grep -c "1 job(s) the emulator failed (\"retry\" in the verdict): running them again")" -eq 1 ]
	# both attempts in the stream, the second in the stored record
	[ "$(jq -r 'select(.type == "verdict") | .result' "$BATS_TEST_TMPDIR/runs/g/stream.ndjson" | paste -sd' ')" = "inconclusive pass" ]
	[ "$(jq -r .result "$BATS_TEST_TMPDIR/runs/g/steady-tiny-1llc-default.json")" = pass ]
}
