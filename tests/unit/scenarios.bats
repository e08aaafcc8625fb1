#!/usr/bin/env bats
# ktstr scenarios (the canned ones and the catalog) and what the planner does with a scenario's
# category, its scheduler flags and its cpusets before any VM starts. No VM.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_ACCEL=tcg KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	unset KTSTR_PROG
	# a share dir with the canned scenarios, a small catalog and a scheduler with capabilities
	s="$BATS_TEST_TMPDIR/share"
	mkdir -p "$s/catalog" "$s/schedulers"
	cp -r "$KTSTR_SHARE_DIR"/scenarios "$KTSTR_SHARE_DIR"/*.json "$s/"
	printf '%s\n' '{"name": "llc_only", "category": "advanced", "description": "needs an LLC-aware scheduler",
	  "flags": {"requires": ["llc"]}, "requires": {"min_llcs": 2}}' > "$s/catalog/llc_only.json"
	printf '%s\n' '{"name": "no_pin", "category": "affinity", "description": "not for pin-rejecting schedulers",
	  "flags": {"excludes": ["reject-pin"]}}' > "$s/catalog/no_pin.json"
	printf '%s\n' '{"name": "eight_parts", "category": "cpuset", "description": "eight disjoint cpusets",
	  "cgroups": [{"name": "cg_0", "cpuset": {"disjoint": {"index": 7, "of": 8}}}]}' > "$s/catalog/eight_parts.json"
	jq '.capabilities = ["llc", "reject-pin"] | .name = "capable" | .binary = "/bin/true"' \
		"$KTSTR_SHARE_DIR/schedulers/scx-ktstr.json" > "$s/schedulers/capable.json"
	printf '%s\n' '{"name": "eevdf", "binary": null, "capabilities": ["llc"]}' > "$s/schedulers/eevdf.json"
	export KTSTR_SHARE_DIR="$s"
}

@test "scenarios: a line each with name, category, needs and description" {
	run ktstr scenarios --scenarios catalog
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%-42s %-12s %-24s %s\n' \
		eight_parts cpuset - 'eight disjoint cpusets' \
		llc_only advanced 'llcs>=2 +llc' 'needs an LLC-aware scheduler' \
		no_pin affinity -reject-pin 'not for pin-rejecting schedulers')" ]
	run ktstr scenarios --names
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 17 ]	# 14 canned, 3 catalog
	run ktstr scenarios --names --category affinity
	[ "$output" = no_pin ]
}

@test "scenarios --json: a record each" {
	run ktstr scenarios --json llc_only
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"scenario","name":"llc_only","category":"advanced","description":"needs an LLC-aware scheduler","requires":{"min_llcs":2},"flags":{"requires":["llc"],"excludes":[]},"file":"'"$KTSTR_SHARE_DIR"'/catalog/llc_only.json"}' ]
}

@test "scenarios: an unknown name or category exits 2 with the closest names" {
	run --separate-stderr ktstr scenarios llc_onyl
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "ktstr: unknown scenario 'llc_onyl' (did you mean llc_only? 'ktstr scenarios' lists them)" ]
	run --separate-stderr ktstr scenarios --category nope
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr: no scenario of category 'nope' ('ktstr scenarios' lists them)" ]
}

@test "plan: a scenario runs only where the scheduler has the flags it needs and none it excludes" {
	run --separate-stderr ktstr-topo plan llc_only --scheduler capable --list --topo 1n2l1c1t
	[ "$status" -eq 0 ]
	[ "$(printf "%s" "$output" | cut -f1)" = llc_only-1n2l1c1t ]
	run --separate-stderr ktstr-topo plan no_pin --scheduler capable --topo 1n2l1c1t
	[ "$status" -eq 77 ] && [ -z "$output" ]
	[ "$stderr" = "ktstr-topo: nothing can run: no_pin under capable default: cannot run under the scheduler flag reject-pin" ]
	# eevdf's definition gives it llc; a plain loader path has no capabilities
	run ktstr-topo plan llc_only --topo 1n2l1c1t
	[ "$status" -eq 0 ]
	run --separate-stderr ktstr-topo plan llc_only --scheduler /bin/true --topo 1n2l1c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr-topo: nothing can run: llc_only under true default: needs the scheduler flag llc" ]
}

@test "plan: the catalog, a category, and cpusets that cannot be split are decided before any VM" {
	run ktstr-topo plan --scenarios catalog --scheduler capable --list --topo 1n2l8c1t
	[ "$(printf '%s\n' "$output" | cut -f1 | paste -sd' ')" = "eight_parts-1n2l8c1t llc_only-1n2l8c1t" ]
	run ktstr-topo plan --scenarios all --category cpuset --list --topo 1n2l8c1t
	[ "$(printf "%s" "$output" | cut -f1)" = eight_parts-1n2l8c1t ]
	# 4 CPUs: 3 usable, not 8 parts
	run --separate-stderr ktstr-topo plan eight_parts --topo 1n1l4c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr-topo: nothing can run: eight_parts on 1n1l4c1t: cpuset of cg_0: not enough CPUs: 8 parts of 3 usable CPUs" ]
	run --separate-stderr ktstr-topo plan steady --scenarios catalog
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-topo: give SCENARIO names or --scenarios, not both" ]
}

@test "run: a malformed scenario exits 2 at once, naming the file and the field, and boots nothing" {
	printf '%s\n' '{"name": "bad", "cgroups": [{"name": "cg_0", "workers": [{"count": 3, "work": "PipeIo"}]}]}' \
		> "$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr ktstr run "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "ktstr: scenario file $BATS_TEST_TMPDIR/bad.json: scenario.cgroups[0].workers[0]: PipeIo requires count divisible by 2, got 3" ]
	[ ! -e "$KTSTR_RUNS_DIR" ] || [ -z "$(ls -A "$KTSTR_RUNS_DIR")" ]
}

@test "plan --smallest: each scenario only on the smallest preset that holds it" {
	run ktstr-topo plan steady steady_llc eight_parts --presets all --smallest --list
	[ "$status" -eq 0 ]
	# eight parts need 8 usable CPUs: odd-3llc's 9 CPUs, before smt-2llc's 8 (7 usable)
	[ "$(printf '%s\n' "$output" | cut -f1 | paste -sd' ')" = "steady-tiny-1llc steady_llc-tiny-2llc eight_parts-odd-3llc" ]
}

@test "run: a Custom work binary the guest's own /tmp would hide exits 2 before any VM" {
	d=$(mktemp -d /tmp/ktstr-custom.XXXXXX)	# below /tmp whatever TMPDIR says
	printf '#!/bin/sh\ntrue\n' > "$d/w.sh" && chmod +x "$d/w.sh"
	printf '{"name": "cw", "cgroups": [{"name": "cg_0", "workers": [{"count": 1, "work": {"type": "Custom", "path": "%s"}}]}]}\n' \
		"$d/w.sh" > "$BATS_TEST_TMPDIR/cw.json"
	run --separate-stderr ktstr run "$BATS_TEST_TMPDIR/cw.json"
	rm -rf "$d"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "ktstr: scenario file $BATS_TEST_TMPDIR/cw.json: Custom work path $d/w.sh: the guest mounts its own /tmp over it; put the binary elsewhere" ]
}
