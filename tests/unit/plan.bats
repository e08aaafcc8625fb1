#!/usr/bin/env bats
# ktstr-topo plan: job records from scenarios x topologies x flag profiles, the budget's choice,
# shards, estimates from stored runs, and bad input. No VM.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_ACCEL=tcg	# estimates are per accelerator
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
	mkdir -p "$KTSTR_RUNS_DIR"
	unset KTSTR_PROG
}

# A share dir whose scx-ktstr-like definition "s" has the flags given as JSON.
share_with_flags() {
	mkdir -p "$BATS_TEST_TMPDIR/share/schedulers"
	cp -r "$KTSTR_SHARE_DIR"/scenarios "$KTSTR_SHARE_DIR"/presets.json "$BATS_TEST_TMPDIR/share/"
	jq --argjson f "$1" '.flags = $f | .name = "s"' "$KTSTR_SHARE_DIR/schedulers/scx-ktstr.json" \
		> "$BATS_TEST_TMPDIR/share/schedulers/s.json"
	export KTSTR_SHARE_DIR="$BATS_TEST_TMPDIR/share"
}

@test "plan: the job record of a run (eevdf, the default topology)" {
	run ktstr-topo plan steady
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c 'del(.topo, .scenario)')" = '{"type":"job","id":"steady-1n2l2c1t","test":"steady","mode":"scenario","scheduler":{"name":"eevdf"},"duration_ms":2000,"timeout_s":60,"cmdline":["schedstats=enable"],"include":[],"plan":{"order":1,"profile":"default","estimate_s":6.4,"estimate_from":"model","why":"no budget: every combination"}}' ]
	[ "$(printf '%s' "$output" | jq -c '[.topo.name, .topo.memory_mb, .scenario == input]' - "$KTSTR_SHARE_DIR/scenarios/steady.json")" = '["1n2l2c1t",512,true]' ]
}

@test "plan: --topo takes a preset's name for its topology; a name that is neither exits 2 with one line" {
	run ktstr-topo plan steady --topo smt-2llc
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '[.id, .topo.name, .topo.cpus]')" = '["steady-1n2l2c2t","1n2l2c2t",8]' ]
	run --separate-stderr ktstr-topo plan steady --topo smt-2lc
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr-topo: --topo smt-2lc: column 1: expected a number (NUMA nodes), found 's'; not a preset either (see ktstr topo --presets)" ]
}

@test "plan: a definition's flags, args, sysctls and kernel args; a loader by path; the kernel object" {
	run ktstr-topo plan steady --scheduler scx-ktstr --flags slow,scatter --sched-args " -v  --x " \
		--topo 2n4l2c1t --duration 3.5 --timeout 90 --memory 1024 --kernel-json '{"type":"kernel","id":"k1","image":"/k"}'
	[ "$status" -eq 0 ]
	g="$KTSTR_BUILD_DIR/guest/scx-ktstr"	# a sanitizer build has no scx-ktstr: the tree's build/ has
	[ -e "$g" ] || g="$KTSTR_ROOT/build/guest/scx-ktstr"
	[ "$(printf '%s' "$output" | jq -c '[.id, .scheduler, .cmdline, .kernel, .duration_ms, .timeout_s, .topo.memory_mb]')" = \
		'["steady-2n4l2c1t",{"name":"scx-ktstr","ops":"ktstr","attach_timeout_ms":20000,"checks":{},"flags":["scatter","slow"],"args":["--timeout-ms","30000","--scatter","--slow","20","-v","--x"],"path":"'"$g"'"},["sysctl.kernel.bpf_stats_enabled=1","schedstats=enable"],{"id":"k1","image":"/k"},3500,90,1024]' ]
	share_with_flags '[]'
	jq '.sysctls = [{key: "kernel.foo", value: "1"}] | .kernel_args = ["nohz=off"]' \
		"$KTSTR_SHARE_DIR/schedulers/s.json" > "$BATS_TEST_TMPDIR/t" && mv "$BATS_TEST_TMPDIR/t" "$KTSTR_SHARE_DIR/schedulers/s.json"
	run ktstr-topo plan steady --scheduler s
	[ "$(printf '%s' "$output" | jq -c .cmdline)" = '["sysctl.kernel.bpf_stats_enabled=1","schedstats=enable","nohz=off","sysctl.kernel.foo=1"]' ]
	cd "$BATS_TEST_TMPDIR" && touch loader && chmod +x loader
	run ktstr-topo plan steady --scheduler ./loader --sched-args "a b"
	[ "$(printf '%s' "$output" | jq -c '[.scheduler, .cmdline]')" = '[{"name":"loader","path":"'"$BATS_TEST_TMPDIR"'/loader","args":["a","b"]},["sysctl.kernel.bpf_stats_enabled=1","schedstats=enable"]]' ]
}

@test "plan: definitions 'ktstr sched build' made are found in the cache" {
	mkdir -p "$KTSTR_CACHE_DIR/schedulers/k1"
	touch "$KTSTR_CACHE_DIR/schedulers/k1/scx_foo"
	printf '{"name":"scx_foo","binary":"%s","ops":"foo","attach_timeout_ms":20000,"topology":"1n1l2c1t"}\n' \
		"$KTSTR_CACHE_DIR/schedulers/k1/scx_foo" > "$KTSTR_CACHE_DIR/schedulers/k1/scx_foo.json"
	run ktstr-topo plan steady --scheduler scx_foo
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '[.id, .scheduler]')" = '["steady-1n1l2c1t",{"name":"scx_foo","ops":"foo","attach_timeout_ms":20000,"flags":[],"args":[],"path":"'"$KTSTR_CACHE_DIR"'/schedulers/k1/scx_foo"}]' ]
	rm "$KTSTR_CACHE_DIR/schedulers/k1/scx_foo"
	run ktstr-topo plan steady --scheduler scx_foo
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: scheduler scx_foo: binary $KTSTR_CACHE_DIR/schedulers/k1/scx_foo not built (run 'make')" ]
}

@test "plan: profiles: every subset the requires allow, fewest flags first in declaration order" {
	share_with_flags '[{"name":"llc","args":[]},{"name":"steal","args":[],"requires":["llc"]},{"name":"x","args":[]}]'
	run ktstr-topo plan steady --scheduler s --presets tiny-1llc --profiles all --list
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-default steady-tiny-1llc-llc steady-tiny-1llc-x steady-tiny-1llc-llc+steal steady-tiny-1llc-llc+x steady-tiny-1llc-llc+steal+x " ]
	run ktstr-topo plan steady --scheduler s --presets tiny-1llc --profiles default,x+llc,default --list
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-default steady-tiny-1llc-llc+x " ]
	run ktstr-topo plan steady --scheduler s --flags steal
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: --flags: steal requires llc" ]
	run ktstr-topo plan steady --scheduler s --presets tiny-1llc --profiles steal+x
	[ "$output" = "ktstr-topo: --profiles: steal requires llc" ]
	run ktstr-topo plan steady --scheduler s --presets tiny-1llc --profiles default,bogus
	[ "$output" = "ktstr-topo: --profiles: unknown flag bogus for s" ]
	# eevdf has one profile
	run ktstr-topo plan steady --presets tiny-1llc --profiles all --list
	[ "$(printf '%s\n' "$output" | cut -f1)" = "steady-tiny-1llc-default" ]
}

@test "plan: a job that could only skip is left out; only such jobs: exit 77 with the reason" {
	run ktstr-topo plan steady steady_llc --presets tiny-1llc,tiny-2llc --profiles default --list
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-default steady-tiny-2llc-default steady_llc-tiny-2llc-default " ]
	run --separate-stderr ktstr-topo plan steady_llc --topo 1n1l4c1t
	[ "$status" -eq 77 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr-topo: nothing can run: steady_llc on 1n1l4c1t: needs >= 2 LLCs, topology has 1" ]
	printf '{"name":"x","requires":{"min_cpus":8,"smt":true}}\n' > "$BATS_TEST_TMPDIR/x.json"
	run --separate-stderr ktstr-topo plan "$BATS_TEST_TMPDIR/x.json" --topo 1n1l8c1t --topo 1n2l2c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr-topo: nothing can run: x on 1n1l8c1t: needs SMT, topology has 1 thread per core" ]
}

@test "plan --budget: every scenario on every preset and with every flag and none, before the rest" {
	run --separate-stderr ktstr-topo plan --scheduler scx-ktstr --presets tiny-1llc,tiny-2llc,smt-2llc \
		--profiles all --budget 700 -j 2 --list
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | cut -f1 > "$BATS_TEST_TMPDIR/ids"
	# 14 scenarios x 3 presets, less steady_llc on one LLC: each pair at least once
	pairs=$(sed -E 's/-(default|short-slice|scatter|slow)(\+.*)?$//' "$BATS_TEST_TMPDIR/ids" | sort -u | wc -l)
	[ "$pairs" -eq 41 ]
	# every scenario with no flags and with each flag
	for f in short-slice scatter slow; do
		[ "$(grep -E -- "-([a-z+-]*\+)?$f(\+[a-z+-]*)?$" "$BATS_TEST_TMPDIR/ids" | sed -E 's/-(tiny|smt).*//' | sort -u | wc -l)" -eq 14 ]
	done
	[ "$(grep -c -- '-default$' "$BATS_TEST_TMPDIR/ids")" -ge 14 ]
	[ "$stderr" = "ktstr-topo: $(wc -l < "$BATS_TEST_TMPDIR/ids") of 328 jobs, about $(printf '%s\n' "$output" | awk -F'\t' '{ sub(/^~/, "", $2); s += $2 } END { printf "%.0f", s }') s of VM time ($(printf '%s\n' "$output" | awk -F'\t' '{ sub(/^~/, "", $2); s += $2 } END { printf "%.0f", s / 2 }') s at -j 2), 0 estimated from stored runs" ]
	# the first choice covers the most per second: a scenario with every flag
	[ "$(printf '%s\n' "$output" | head -n 1 | cut -f3)" = "covers affinity_change on tiny-1llc, affinity_change with short-slice, affinity_change with scatter, affinity_change with slow" ]
}

@test "plan --budget: deterministic; --seed picks another among equals; too small a budget exits 2" {
	args="steady cgroup_add --scheduler scx-ktstr --presets tiny-1llc,tiny-2llc,smt-2llc --profiles all --budget 60 --list"
	# shellcheck disable=SC2086
	a=$(ktstr-topo plan $args 2>/dev/null); b=$(ktstr-topo plan $args 2>/dev/null)
	[ "$a" = "$b" ]
	[ "$(printf '%s\n' "$a" | cut -f1 | tr '\n' ' ')" = "steady-tiny-1llc-short-slice+scatter+slow cgroup_add-tiny-1llc-short-slice+scatter+slow steady-tiny-2llc-default cgroup_add-tiny-2llc-default steady-smt-2llc-short-slice+slow cgroup_add-smt-2llc-short-slice+slow cgroup_add-tiny-1llc-short-slice+scatter steady-tiny-2llc-short-slice+scatter steady-tiny-1llc-slow " ]
	# shellcheck disable=SC2086
	c=$(ktstr-topo plan $args --seed 7 2>/dev/null)
	[ "$(printf '%s\n' "$c" | cut -f1 | tr '\n' ' ')" = "steady-tiny-2llc-short-slice+scatter+slow cgroup_add-tiny-1llc-short-slice+scatter+slow steady-tiny-1llc-default cgroup_add-tiny-2llc-default cgroup_add-smt-2llc-scatter+slow steady-smt-2llc-default steady-tiny-1llc-short-slice+slow steady-tiny-2llc-slow cgroup_add-tiny-1llc-scatter " ]
	run --separate-stderr ktstr-topo plan steady --presets smt-2llc --profiles all --budget 5 --list
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-topo: no job fits the budget of 5 s" ]
}

@test "plan --shard: the parts are disjoint and together the whole plan" {
	args="--scheduler scx-ktstr --presets tiny-1llc,tiny-2llc,smt-2llc --profiles all --budget 180 -j 2 --list"
	# shellcheck disable=SC2086
	whole=$(ktstr-topo plan $args 2>/dev/null | cut -f1 | sort)
	# shellcheck disable=SC2086
	parts=$(for i in 1 2 3; do ktstr-topo plan $args --shard $i/3 2>/dev/null; done | cut -f1 | sort)
	[ -n "$whole" ]
	[ "$parts" = "$whole" ]
	[ -z "$(printf '%s\n' "$parts" | uniq -d)" ]
	# balanced by estimate: no part has more than a job's worth over another
	# shellcheck disable=SC2086
	for i in 1 2 3; do ktstr-topo plan $args --shard $i/3 2>/dev/null | awk -F'\t' '{ sub(/^~/, "", $2); s += $2 } END { print s }'; done |
		sort -n | awk 'NR == 1 { lo = $1 } END { exit !($1 - lo <= 12) }'
	# stored runs change the plan a machine makes for itself, not the shards': --no-history
	# plans the whole as they do
	mkdir -p "$KTSTR_RUNS_DIR/20260101T000000Z-1"
	for t in steady cgroup_add mixed_workloads; do
		printf '{"type":"run","test":"%s","topo":"1n1l4c1t","duration_ms":2000,"accel":"tcg","kernel":{"id":"k1"},"scheduler":{"name":"scx-ktstr"},"vm":{"wall_ms":3000,"vms_at_once":2}}\n' \
			"$t" > "$KTSTR_RUNS_DIR/20260101T000000Z-1/$t.json"
	done
	# shellcheck disable=SC2086
	[ "$(ktstr-topo plan $args --kernel-json '{"id":"k1"}' 2>/dev/null | cut -f1 | sort)" != "$whole" ]
	# shellcheck disable=SC2086
	[ "$(ktstr-topo plan $args --kernel-json '{"id":"k1"}' --no-history 2>/dev/null | cut -f1 | sort)" = "$parts" ]
	# shellcheck disable=SC2086
	[ "$(for i in 1 2 3; do ktstr-topo plan $args --kernel-json '{"id":"k1"}' --shard $i/3 2>/dev/null; done | cut -f1 | sort)" = "$parts" ]
	run ktstr-topo plan steady --shard 2/1
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: --shard '2/1': expected I/N with 1 <= I <= N <= 1000" ]
	# every machine must plan the same: not by its own capacity
	run ktstr-topo plan steady --fit --shard 1/2
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-topo: --shard needs --presets or --topo: machines may fit different presets" ]
	# a job record says which shard it is in; stderr, what of the plan it is
	run --separate-stderr ktstr-topo plan steady --presets tiny-1llc,tiny-2llc --profiles default --shard 1/2
	[ "$(printf '%s' "$output" | jq -r .plan.shard)" = "1/2" ]
	[ "$stderr" = "ktstr-topo: shard 1/2: 1 of the plan's 2 jobs (of 2), about 6 s of VM time (6 s at -j 1); estimates from the model only, the same on every machine (--no-history: the whole plan so)" ]
}

@test "plan: estimates are the median of stored runs of this kernel and accelerator, else the model" {
	rec() {	# run job kernel accel sched wall_ms
		mkdir -p "$KTSTR_RUNS_DIR/$1"
		printf '{"type":"run","test":"steady","topo":"1n2l2c1t","duration_ms":2000,"accel":"%s","kernel":{"id":"%s"},"scheduler":{"name":"%s"},"vm":{"wall_ms":%s}}\n' \
			"$4" "$3" "$5" "$6" > "$KTSTR_RUNS_DIR/$1/$2.json"
	}
	rec 20260101T000000Z-1 a k1 tcg scx-ktstr 9000
	rec 20260101T000000Z-1 b k1 tcg scx-ktstr 13000
	rec 20260102T000000Z-2 a k1 tcg scx-ktstr 30000
	rec 20260102T000000Z-2 b k2 tcg scx-ktstr 99000	# another kernel
	rec 20260102T000000Z-2 c k1 kvm scx-ktstr 1000	# another accelerator
	rec 20260102T000000Z-2 d k1 tcg eevdf 5000	# another scheduler
	K='{"id":"k1"}'
	run ktstr-topo plan steady --scheduler scx-ktstr --kernel-json "$K" --duration 4
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[15,"history"]' ]
	run ktstr-topo plan steady --kernel-json "$K"
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[5,"history"]' ]
	# no run of this scheduler: any scheduler's
	run ktstr-topo plan steady --scheduler /bin/true --kernel-json "$K"
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[11,"history"]' ]
	run ktstr-topo plan steady --kernel-json '{"id":"k3"}'
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[6.4,"model"]' ]
}

@test "plan: estimates learn from runs with as many VMs at once, else scale others, else take uncounted ones" {
	rec() {	# run job wall_ms vms_at_once
		mkdir -p "$KTSTR_RUNS_DIR/$1"
		printf '{"type":"run","test":"steady","topo":"1n2l2c1t","duration_ms":2000,"accel":"%s","kernel":{"id":"k1"},"scheduler":{"name":"eevdf"},"vm":{"wall_ms":%s,"vms_at_once":%s}}\n' \
			"${A:-tcg}" "$3" "$4" > "$KTSTR_RUNS_DIR/$1/$2.json"
	}
	K='{"id":"k1"}'
	rec 20260101T000000Z-1 a 6000 null	# stored before VMs at once were counted
	run ktstr-topo plan steady --kernel-json "$K" -j 2 --accel tcg
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[6,"history"]' ]
	rec 20260102T000000Z-2 a 8000 1.1	# alone, mostly: -j 2 scales its 6 s past the scenario by 1.5
	run ktstr-topo plan steady --kernel-json "$K" -j 2 --accel tcg
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[11,"history"]' ]
	rec 20260103T000000Z-3 a 9000 1.8
	rec 20260103T000000Z-3 b 9400 2
	run ktstr-topo plan steady --kernel-json "$K" -j 2 --accel tcg
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[9.2,"history"]' ]
	run ktstr-topo plan steady --kernel-json "$K" --accel tcg
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[8,"history"]' ]
	# KVM's guests mostly wait: no scaling
	A=kvm rec 20260104T000000Z-4 a 5000 3
	run ktstr-topo plan steady --kernel-json "$K" --accel kvm
	[ "$(printf '%s' "$output" | jq -c '.plan | [.estimate_s, .estimate_from]')" = '[5,"history"]' ]
}

@test "plan --shell: the job of ktstr shell" {
	run ktstr-topo plan --shell --exec 'echo hi' --topo 1n1l1c1t --include "$KTSTR_ROOT/README.md" --timeout 30
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c 'del(.topo)')" = '{"type":"job","id":"shell-1n1l1c1t","test":"shell","mode":"shell","scheduler":{"name":"eevdf"},"include":[{"src":"'"$KTSTR_ROOT"'/README.md","dst":"/include-files/README.md"}],"timeout_s":30,"exec":"echo hi"}' ]
	run ktstr-topo plan --shell
	[ "$(printf '%s' "$output" | jq -r .id)" = shell-1n1l2c1t ]
	run ktstr-topo plan --shell steady
	[ "$status" -eq 2 ]
}

@test "plan: bad input exits 2 with one line and writes nothing" {
	printf '[]\n' > "$BATS_TEST_TMPDIR/bad.json"
	printf '{"name":"r","requires":{"min_llcs":"2"}}\n' > "$BATS_TEST_TMPDIR/r.json"
	printf '{"name":"f","flags":{"requires":["llc"],"excludes":["llc"]}}\n' > "$BATS_TEST_TMPDIR/f.json"
	mkdir -p "$BATS_TEST_TMPDIR/d" && printf '{"name":"steady"}\n' > "$BATS_TEST_TMPDIR/d/steady.json"
	while IFS='|' read -r args want; do
		eval "set -- $args"
		run --separate-stderr ktstr-topo plan "$@"
		echo "$args: $status $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "ktstr-topo: $want" ]
	done <<-EOF
	--budget 0|--budget 0: no job fits in no time
	--seed x|--seed 'x': not a number from 0 to 4294967295
	-j 0|-j '0': not a number from 1 to 256
	--accel foo|--accel 'foo': expected kvm or tcg
	--kernel-json '[1'|--kernel-json: expected a JSON object
	--map-write x|--map-write x: expected MAP:FIELD=VALUE@TIME (TIME 1000ms, 2s or step1), e.g. bss:state.stall=1@1000ms
	--flags a --profiles all|give --flags or --profiles, not both
	--scheduler /bin/true --flags x|--flags needs a scheduler definition, not a binary path
	--sched-args x|eevdf is the kernel's own scheduler: it takes no --flags or --sched-args
	--scheduler nosuch|unknown scheduler 'nosuch' (see $KTSTR_SHARE_DIR/schedulers/ or give a path)
	$BATS_TEST_TMPDIR/bad.json|scenario file $BATS_TEST_TMPDIR/bad.json: scenario: expected an object
	$BATS_TEST_TMPDIR/r.json|scenario file $BATS_TEST_TMPDIR/r.json: scenario.requires.min_llcs: expected an integer from 0 to 4096
	$BATS_TEST_TMPDIR/f.json|scenario file $BATS_TEST_TMPDIR/f.json: scenario.flags: "llc" is both required and excluded
	steady $BATS_TEST_TMPDIR/d/steady.json|two scenarios named steady ($KTSTR_SHARE_DIR/scenarios/steady.json, $BATS_TEST_TMPDIR/d/steady.json): job ids would clash
	stedy|unknown scenario 'stedy' (did you mean steady? 'ktstr scenarios' lists them)
	--duration 1.2.3|--duration '1.2.3': not a number of seconds (at most 86400)
	--duration 99999999999|--duration '99999999999': not a number of seconds (at most 86400)
	--topo ''|--topo '': column 1: missing axis 'n' (NUMA nodes)
	--presets nope,tiny-1llc|--presets: unknown preset nope (see ktstr topo --presets)
	--profiles ''|--profiles '': no profile named
	--topo 1n1l1c1t --fit|give --topo or --presets/--fit, not both
	EOF
}
