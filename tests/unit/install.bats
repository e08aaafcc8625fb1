#!/usr/bin/env bats
# make install: the installed front end finds its tools, data and guest programs.
load ../helpers

@test "make install DESTDIR=... PREFIX=/opt/k gives a working ktstr" {
	d="$BATS_TEST_TMPDIR/root"
	run make -C "$KTSTR_ROOT" -s install PREFIX=/opt/k DESTDIR="$d"
	[ "$status" -eq 0 ]
	for f in ktstr ktstr-topo ktstr-boot ktstr-probe ktstr-eval ktstr-sidecar ktstr-kernel ktstr-sched ktstr-gauntlet; do
		[ -x "$d/opt/k/bin/$f" ]
	done
	[ -x "$d/opt/k/libexec/ktstr/ktstr-init" ]
	[ -f "$d/opt/k/share/ktstr/scenarios/steady.json" ]
	[ -f "$d/opt/k/share/ktstr/checks.json" ]
	[ -f "$d/opt/k/share/bash-completion/completions/ktstr" ]
	# man pages from each command's --help, when help2man is there (make deps installs it)
	if command -v help2man > /dev/null; then
		for f in ktstr ktstr-gauntlet ktstr-kernel ktstr-sched ktstr-topo ktstr-boot ktstr-probe ktstr-eval ktstr-sidecar; do
			[ -f "$d/opt/k/share/man/man1/$f.1" ]
		done
		grep -q '^ktstr-eval \\- judge a record stream' "$d/opt/k/share/man/man1/ktstr-eval.1"
	fi
	# run from elsewhere, with nothing of this tree on PATH or in the environment
	run env -i HOME="$HOME" PATH=/usr/bin:/bin "$d/opt/k/bin/ktstr" topo 2n4l4c2t
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '[.cpus, .numa_nodes, .llcs]')" = "[32,2,4]" ]
	run env -i HOME="$HOME" PATH=/usr/bin:/bin "$d/opt/k/bin/ktstr" run no_such_scenario
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr: unknown scenario 'no_such_scenario' ('ktstr scenarios' lists them)" ]
	# the gauntlet finds its tools and presets there too
	run env -i HOME="$HOME" PATH=/usr/bin:/bin KTSTR_ACCEL=tcg KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" "$d/opt/k/bin/ktstr" gauntlet steady --presets tiny-2llc --list
	[ "$status" -eq 0 ]
	[ "$output" = "steady-tiny-2llc-default	~6.4 s	no budget: every combination" ]
	# a stray share/ktstr one level further up (/usr/share/ktstr for a /usr/local install)
	# does not override the installation's own
	mkdir -p "$d/opt/share/ktstr/scenarios"
	run env -i HOME="$HOME" PATH=/usr/bin:/bin "$d/opt/k/bin/ktstr-topo" scenarios steady
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = "steady" ]
	run env -i HOME="$HOME" PATH=/usr/bin:/bin "$d/opt/k/bin/ktstr" --version
	[ "$output" = "ktstr $(sed -n 's/^VERSION = //p' "$KTSTR_ROOT/Makefile")" ]
	# make uninstall takes back what install put there, and only that
	touch "$d/opt/k/bin/mine"
	run make -C "$KTSTR_ROOT" -s uninstall PREFIX=/opt/k DESTDIR="$d"
	[ "$status" -eq 0 ]
	[ "$(cd "$d/opt/k" && find . ! -type d)" = "./bin/mine" ]
}
