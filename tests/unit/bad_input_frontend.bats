#!/usr/bin/env bats
# Bad input to every command of the front end (ktstr run, shell, runs, topo, gauntlet, kernel,
# sched, help), as tables that tests/bad_input.bash runs (what each case must and must not do is
# said there).
load ../helpers
load ../bad_input

@test "ktstr run, shell, scenarios, help: bad arguments, before any VM" {
	check_table ktstr <<'EOF'
2|bogus|ktstr bogus
2|did you mean 'run'|ktstr rnu steady
2|--bogus|ktstr --bogus
2|-x|ktstr -x
2|''|ktstr ''
2|bogus|ktstr help bogus
2|did you mean 'shell'|ktstr help shel
2|version|ktstr version extra
2|scenario|ktstr run
2|nosuch|ktstr run nosuch
2|did you mean steady|ktstr run stedy
2|steady2|ktstr run steady steady2
2|./missing.json|ktstr run ./missing.json
2|count|ktstr run $F/badfield.json
2|empty.json|ktstr run $F/empty.json
2|cgroup|ktstr run $F/unknownkey.json
2|a@b|ktstr run $F/a@b.json
2|a:b|ktstr run $F/a:b.json
2|a=b|ktstr run $F/a=b.json
2|a,b|ktstr run $F/a,b.json
2|.hidden|ktstr run $F/.hidden.json
2|name|ktstr run $F/name_empty.json
2|--bogus|ktstr run steady --bogus
2|did you mean '--topo'|ktstr run steady --topp 1n1l1c1t
2|2n3l1c1t|ktstr run steady --topo 2n3l1c1t
2|--topo|ktstr run steady --topo ''
2|--topo|ktstr run steady --topo
2|--duration|ktstr run steady --duration 1.2.3
2|--duration|ktstr run steady --duration ''
2|--duration|ktstr run steady --duration 99999999999
2|--duration|ktstr run steady --duration -1
2|--duration|ktstr run steady --duration nan
2|--duration|ktstr run steady --duration 1e999
2|--timeout|ktstr run steady --timeout 0
2|--memory|ktstr run steady --memory 0
2|--memory|ktstr run steady --memory x
2|bogus|ktstr run steady --check bogus=1
2|isolation|ktstr run steady --check isolation
2|a b=1|ktstr run steady --check 'a b=1'
2|maybe|ktstr run steady --check isolation=maybe
2|=1|ktstr run steady --check =1
2|nosuch|ktstr run steady --scheduler nosuch
2|not executable|ktstr run steady --scheduler $F/noexec
2|scheduler ''|ktstr run steady --scheduler ''
2|nosuch|ktstr run steady --scheduler scx-ktstr --flags nosuch
2|--flags ''|ktstr run steady --scheduler scx-ktstr --flags ''
2|--repeat|ktstr run steady --repeat 0
2|--repeat|ktstr run steady --repeat 1001
2|--timeout|ktstr run steady --timeout 86401
2|--memory|ktstr run steady --memory 99999999999
2|cg_9|ktstr run steady --payload stress-ng@cg_9
2|--sched-args|ktstr run steady --sched-args x
2|nosuch|ktstr run steady --payload nosuch
2|--map-write|ktstr run steady --map-write bad
2|nosuch|ktstr run steady --include $F/nosuch
2|--kernel|ktstr run steady --kernel ,
2|--kernel|ktstr run steady --kernel ''
2|--kernel|ktstr run steady --kernel fake,,fake
2|fake|ktstr run steady --kernel fake,fake
2|--run-dir|ktstr run steady --run-dir ''
2|a@b|ktstr run steady --run-dir $W/runs/a@b
2|a:b|ktstr run steady --run-dir $W/runs/a:b
2|a=b|ktstr run steady --run-dir $W/runs/a=b
2|a,b|ktstr run steady --run-dir $W/runs/a,b
2|.hidden|ktstr run steady --run-dir $W/runs/.hidden
2|--run-dir|ktstr run steady --run-dir $F/afile/x
2|r1|ktstr run steady --run-dir $W/runs/r1
2|--junit|ktstr run steady --junit $F/afile/x.xml
2|--junit|ktstr run steady --junit ''
2|--junit|ktstr run steady --junit $W/tmp
2|-j|ktstr run steady -j 2
2|--bogus|ktstr run steady --dry-run --bogus
2|2n3l1c1t|ktstr run steady --job-only --topo 2n3l1c1t
2|--bogus|ktstr shell --bogus
2|x|ktstr shell x
2|2n3l1c1t|ktstr shell --topo 2n3l1c1t
2|--topo|ktstr shell --topo ''
2|--kernel|ktstr shell --kernel ''
2|--exec ''|ktstr shell --exec ''
2|--exec|ktstr shell --exec
2|--timeout|ktstr shell --timeout 0
2|--memory|ktstr shell --memory x
2|nosuch|ktstr shell --include $F/nosuch
2|did you mean '--exec'|ktstr shell --exce true
2|nosuch|ktstr scenarios nosuch
2|--bogus|ktstr scenarios --bogus
2|bogus|ktstr scenarios --scenarios bogus
2|bogus|ktstr scenarios --category bogus
2|bogus|ktstr runs bogus
2|did you mean 'show'|ktstr runs shwo
# steady_llc needs 2 LLCs: on one, nothing can run here
77|steady_llc|ktstr run steady_llc --topo 1n1l2c1t
# with no kernel cached, bad input is still bad input (not 3, "no kernel")
2|2n3l1c1t|KTSTR_CACHE_DIR=$W/nocache ktstr run steady --topo 2n3l1c1t
2|stedy|KTSTR_CACHE_DIR=$W/nocache ktstr run stedy
2|bogus|KTSTR_CACHE_DIR=$W/nocache ktstr run steady --check bogus=1
2|--duration|KTSTR_CACHE_DIR=$W/nocache ktstr run steady --duration ''
2|x|KTSTR_CACHE_DIR=$W/nocache ktstr shell --topo x
77|steady_llc|KTSTR_CACHE_DIR=$W/nocache ktstr run steady_llc --topo 1n1l2c1t
EOF
}

@test "ktstr runs: ktstr-sidecar's own errors through the front end, in its name" {
	check_table "ktstr runs" <<'EOF'
2|nosuch|ktstr runs show nosuch
2|--bogus|ktstr runs list --bogus
2|B|ktstr runs compare r1
2|bogus|ktstr runs compare bogus=1 r1
2|nosuch|ktstr runs merge nosuch
2|nosuch|ktstr runs trace nosuch
2|nosuch|ktstr runs report nosuch
2|nosuch|ktstr runs repro plan nosuch
EOF
}

@test "ktstr topo: ktstr-topo's own errors through the front end, in its name" {
	check_table "ktstr topo" <<'EOF'
2|2n3l1c1t|ktstr topo 2n3l1c1t
2|--bogus|ktstr topo --bogus
2|topolog|ktstr topo
EOF
}

@test "ktstr runs, topo and scenarios: --help and the pointers to it name the command typed" {
	[ "$(ktstr runs --help | head -n 1)" = "usage: ktstr runs COMMAND [ARGS]" ]
	[ "$(ktstr help runs | head -n 1)" = "usage: ktstr runs COMMAND [ARGS]" ]
	[ "$(ktstr runs compare --help | head -n 1)" = "usage: ktstr runs compare [--runs-dir DIR] [--metric M]... [--filter K=V]..." ]
	[ "$(ktstr help topo | sed -n '1p;5p')" = "usage: ktstr topo [options] TOPO...     a topo record per topology
       ktstr topo plan [options] [SCENARIO...]" ]
	[ "$(ktstr topo plan --help | head -n 1)" = "usage: ktstr topo plan [options] [SCENARIO...]" ]
	[ "$(ktstr help scenarios | head -n 1)" = "$(ktstr scenarios --help | head -n 1)" ]
	[ "$(ktstr scenarios --help | head -n 1)" = "usage: ktstr scenarios [--scenarios SET] [--category C] [--json|--names] [NAME...]" ]
	run ktstr runs merge
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr runs: merge: which runs? (see 'ktstr runs merge --help')" ]
	# ktstr runs --help names no tool the user did not type
	[[ "$(ktstr runs --help)" != *ktstr-sidecar* ]]
	[[ "$(ktstr topo --help)" != *ktstr-topo* ]]
	# the tools themselves keep their own names
	[ "$(ktstr-sidecar --help | head -n 1)" = "usage: ktstr-sidecar COMMAND [ARGS]" ]
	[ "$(ktstr-sidecar merge 2>&1)" = "ktstr-sidecar: merge: which runs? (see 'ktstr-sidecar merge --help')" ]
}

@test "ktstr gauntlet: bad arguments, before any VM" {
	check_table "ktstr gauntlet" <<'EOF'
2|--bogus|ktstr gauntlet --bogus
2|did you mean '--budget'|ktstr gauntlet --budgte 60
2|--budget|ktstr gauntlet --budget ''
2|--budget|ktstr gauntlet --budget 0
2|--budget|ktstr gauntlet --budget -1
2|--budget|ktstr gauntlet --budget abc
2|--budget|ktstr gauntlet --budget 1.2.3
2|budget of 1 s|ktstr gauntlet --budget 1
2|--budget|ktstr gauntlet --budget
2|3/2|ktstr gauntlet --presets tiny-1llc --shard 3/2
2|--shard|ktstr gauntlet --shard 1/2
2|-j|ktstr gauntlet -j 0
2|-j|ktstr gauntlet -j x
2|-j|ktstr gauntlet -j ''
2|bogus|ktstr gauntlet --profiles bogus
2|nosuch|ktstr gauntlet --presets nosuch
2|bogus|ktstr gauntlet --scenarios bogus
2|bogus|ktstr gauntlet --category bogus
2|--oversub|ktstr gauntlet --oversub 0
2|--seed|ktstr gauntlet --seed x
2|--repeat|ktstr gauntlet --repeat 0
2|--repeat|ktstr gauntlet --repeat 1001
2|--presets ''|ktstr gauntlet --presets ''
2|--profiles ''|ktstr gauntlet --profiles ''
2|--scenarios ''|ktstr gauntlet --scenarios ''
2|--seed|ktstr gauntlet --seed -1
2|--shard|ktstr gauntlet --shard ''
2|--oversub|ktstr gauntlet --oversub nan
2|category ''|ktstr gauntlet --category ''
2|--payload|ktstr gauntlet --payload ''
2|--kernel|ktstr gauntlet --kernel ''
2|--duration|ktstr gauntlet --duration 1.2.3
2|--duration|ktstr gauntlet --duration ''
2|--duration|ktstr gauntlet --duration 99999999999
2|--duration|ktstr gauntlet --duration -1
2|--timeout|ktstr gauntlet --timeout 0
2|bogus|ktstr gauntlet --check bogus=1
2|isolation|ktstr gauntlet --check isolation
2|--kernel|ktstr gauntlet --kernel ,
2|--kernel|ktstr gauntlet --kernel fake,
2|a@b|ktstr gauntlet --run-dir $W/runs/a@b
2|.hidden|ktstr gauntlet --run-dir $W/runs/.hidden
2|--run-dir|ktstr gauntlet --run-dir ''
2|r1|ktstr gauntlet --run-dir $W/runs/r1
2|--junit|ktstr gauntlet --junit $F/afile/x.xml
2|nosuch|ktstr gauntlet nosuch
2|stedy|ktstr gauntlet stedy
2|count|ktstr gauntlet $F/badfield.json
2|a,b|ktstr gauntlet $F/a,b.json
2|a@b|ktstr gauntlet --list $F/a@b.json
2|nosuch|ktstr gauntlet --scheduler nosuch
2|nosuch|ktstr gauntlet --payload nosuch
2|nosuch|ktstr gauntlet --list nosuch
2|--bogus|ktstr gauntlet --dry-run --bogus
2|3/2|ktstr gauntlet --list --presets tiny-1llc --shard 3/2
# steady_llc needs 2 LLCs: on tiny-1llc nothing can run here
77|steady_llc|ktstr gauntlet steady_llc --presets tiny-1llc
2|3/2|KTSTR_CACHE_DIR=$W/nocache ktstr gauntlet --shard 3/2 --presets tiny-1llc
2|--budget 0|KTSTR_CACHE_DIR=$W/nocache ktstr gauntlet --budget 0
EOF
}

@test "ktstr kernel: bad commands and arguments" {
	check_table "ktstr kernel" <<'EOF'
2|command|ktstr kernel
2|bogus|ktstr kernel bogus
2|did you mean 'list'|ktstr kernel lsit
2|--bogus|ktstr kernel fetch --bogus
2|extra|ktstr kernel fetch extra
2|--source|ktstr kernel build
2|/no/such|ktstr kernel build --source /no/such
2|--jobs|ktstr kernel build --source /no/such --jobs 0
2|--jobs|ktstr kernel build --source /no/such --jobs x
2|--source|ktstr kernel build --source a --debian 6.12
2|--debian|ktstr kernel build --debian ''
2|bogus|ktstr kernel build --debian bogus
2|afile|ktstr kernel build --debian $F/afile.deb
2|--bogus|ktstr kernel build --bogus
2|--source|ktstr kernel build --source
2|add|ktstr kernel add
2|/no/such|ktstr kernel add /no/such
2|y|ktstr kernel add $F/afile y
2|a b|ktstr kernel add --id 'a b' $W/cache/kernels/fake/vmlinuz
2|/no/such|ktstr kernel add --config /no/such $W/cache/kernels/fake/vmlinuz
2|--bogus|ktstr kernel add --bogus
2|--bogus|ktstr kernel list --bogus
2|extra|ktstr kernel list extra
2|b|ktstr kernel path a b
2|--bogus|ktstr kernel path --bogus
2|b|ktstr kernel dir a b
2|--keep|ktstr kernel clean --keep x
2|--keep|ktstr kernel clean --keep -1
2|--keep|ktstr kernel clean --keep
2|--keep|ktstr kernel clean --keep 99999999999999999999
2|--keep|ktstr kernel clean --keep 007
2|a b|ktstr kernel clean 'a b'
2|.x|ktstr kernel clean .x
2|nosuch|ktstr kernel clean nosuch
2|--all|ktstr kernel clean --all fake
2|--bogus|ktstr kernel clean --bogus
EOF
}

@test "ktstr sched: bad commands and arguments" {
	check_table "ktstr sched" <<'EOF'
2|command|ktstr sched
2|bogus|ktstr sched bogus
2|did you mean 'verify'|ktstr sched verfy scx-ktstr
2|--bogus|ktstr sched source --bogus
2|--kernel|ktstr sched source --kernel
2|--source|ktstr sched build
2|/no/such|ktstr sched build --source /no/such
2|--jobs|ktstr sched build --source /no/such --jobs 0
2|a b|ktstr sched build --source /no/such 'a b'
2|--bogus|ktstr sched build --bogus
2|--bogus|ktstr sched list --bogus
2|extra|ktstr sched list extra
2|scheduler|ktstr sched verify
2|nosuch|ktstr sched verify nosuch
2|b|ktstr sched verify scx-ktstr b
2|bogus|ktstr sched verify scx-ktstr --profiles bogus
2|--bogus|ktstr sched verify scx-ktstr --bogus
2|--profiles|ktstr sched verify scx-ktstr --profiles
EOF
}

@test "ktstr help runs names only commands that ktstr runs takes" {
	cmds=$(ktstr help runs | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
	[ -n "$cmds" ]
	for c in $cmds; do
		run ktstr runs "$c" --help
		[ "$status" -eq 0 ] || { echo "ktstr runs $c --help: $status: $output" >&2; return 1; }
	done
}
