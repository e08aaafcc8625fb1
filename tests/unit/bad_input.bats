#!/usr/bin/env bats
# Bad input to every tool and front-end command, as a table. Each case must exit 2 (77 where the
# right answer is "nothing can run here", said in the table), print exactly one line on stderr
# that starts with the tool's name and names the offending input or option, print nothing on
# stdout, leave every file under the test's folder (temp dir, runs dir, kernel cache, home,
# working dir) and /dev/shm as it was, and start no VM (QEMU is a stand-in that notes a boot; a
# kernel is in the cache, so a bad input that slipped through would reach it).
load ../helpers

bats_require_minimum_version 1.5.0

# The big inputs once for every test (read only): a line past 16 MiB, 100000 open brackets.
setup_file() {
	head -c $((17 << 20)) /dev/zero | tr '\0' a | sed 's/^/{"type":"x","a":"/' > "$BATS_FILE_TMPDIR/long.ndjson"
	echo '"}' >> "$BATS_FILE_TMPDIR/long.ndjson"
	awk 'BEGIN { s = ""; for (i = 0; i < 100000; i++) s = s "["; print "{\"type\":\"x\",\"a\":" s }' \
		> "$BATS_FILE_TMPDIR/deep.ndjson"
}

setup() {
	B=$BATS_TEST_TMPDIR
	W=$B/w	# what the cases may not change: everything here is listed before and after each
	F=$W/f	# input files
	C=$B/case	# each case's stdout and stderr, outside W
	export KTSTR_RUNS_DIR=$W/runs KTSTR_CACHE_DIR=$W/cache HOME=$W/home TMPDIR=$W/tmp
	export KTSTR_ACCEL=tcg KTSTR_QEMU=$B/qbin/qemu-system-x86_64 F W
	export FX=$BATS_TEST_DIRNAME/../fixtures/sidecar
	unset XDG_RUNTIME_DIR XDG_CACHE_HOME XDG_DATA_HOME KTSTR_KERNEL
	mkdir -p "$W/tmp" "$W/runs" "$W/home" "$W/cwd" "$F" "$C" "$B/qbin" "$W/cache/kernels/fake"
	printf '#!/bin/sh\n' > "$F/noexec"	# a loader without the execute bit
	# a stand-in QEMU (also first on PATH) that answers --version and notes anything else
	cat > "$KTSTR_QEMU" <<-EOF
	#!/bin/sh
	case "\$1" in --version) echo "QEMU emulator version 10.0.2"; exit 0 ;; -L) exit 0 ;; esac
	echo "\$*" >> "$B/booted"
	exit 1
	EOF
	chmod +x "$KTSTR_QEMU"
	export PATH="$B/qbin:$PATH"
	# a cached kernel: a bad input must be caught before anything would boot it
	k=$W/cache/kernels/fake
	printf 'CONFIG_SCHED_CLASS_EXT=y\nCONFIG_HZ=250\n' > "$k/config"
	head -c 4096 /dev/zero > "$k/vmlinuz"
	echo x > "$k/vmlinux"
	echo "ffffffff81000000 T _text" > "$k/kallsyms"
	jq -n '{id: "fake", release: "6.12.0", version: "6.12.0", source: "local", arch: "x86_64",
		image: "vmlinuz", config: "config", btf: "vmlinux", created_at: "2025-01-01T00:00:00Z",
		sched_ext: true}' > "$k/meta.json"
	# a stored run, r1, for the runs commands
	mkdir "$W/runs/r1"
	ktstr-sidecar write --pass --run-id r1 < "$FX/pass.ndjson" > "$W/runs/r1/stream.ndjson"
	# input files
	echo x > "$F/afile"
	: > "$F/empty.json"
	echo 'not json' > "$F/notjson.json"
	echo '[]' > "$F/array.json"
	printf '{"name": "s\xff"}\n' > "$F/utf8.json"
	scen() { jq -n "{name: \"mine\", cgroups: [{name: \"cg_0\"}]} | $2" > "$F/$1.json"; }
	scen badfield '.cgroups[0].workers = [{count: "many"}]'
	scen unknownkey '.cgroup = []'
	scen noname 'del(.name)'
	scen hugecount '.cgroups[0].workers = [{count: 99999999999}]'
	scen negcount '.cgroups[0].workers = [{count: -1}]'
	scen badwork '.cgroups[0].workers = [{work: "CpuSpn"}]'
	scen badcpuset '.cgroups[0].cpuset = {range: [0.5, 0.2]}'
	scen nansteps '.steps = "NaN"'
	scen emptysteps '.steps = []'
	scen manysteps '.steps = [range(65) | {hold: {frac: 0.01}}]'
	scen badop '.steps = [{ops: [{op: "frobnicate", cgroup: "cg_0"}]}]'
	scen opcg '.steps = [{ops: [{op: "set_cpuset", cgroup: "cg_9", cpuset: {llc: 0}}]}]'
	scen dupcg '.cgroups += [{name: "cg_0"}]'
	scen cgslash '.cgroups[0].name = "../x"'
	scen nice '.cgroups[0].workers = [{nice: 40}]'
	scen name_empty '.name = ""'
	scen name_num '.name = 5'
	# a file's name makes its job ids (a scenario's "name" is only shown)
	for n in a@b a:b a=b a,b .hidden 'a b' "$(printf 'n%.0s' $(seq 130))"; do
		cp "$F/badfield.json" "$F/$n.json"
		jq '.cgroups[0].workers = []' "$F/$n.json" > "$F/x" && mv "$F/x" "$F/$n.json"
	done
	# job records for ktstr-boot: the plan's, then one field made wrong
	ktstr-topo plan steady --topo 1n1l1c1t --kernel-json "$(ktstr-kernel path --json fake)" > "$F/job.ndjson"
	job() { jq -c "$2" "$F/job.ndjson" > "$F/$1.ndjson"; }
	job noid 'del(.id)'
	job id_num '.id = 5'
	job id_slash '.id = "a/b"'
	job id_dotdot '.id = ".."'
	job id_at '.id = "a@b"'
	job id_colon '.id = "a:b"'
	job id_eq '.id = "a=b"'
	job id_comma '.id = "a,b"'
	job id_empty '.id = ""'
	job id_long ".id = \"$(printf 'i%.0s' $(seq 200))\""
	job notopo 'del(.topo)'
	job topo_str '.topo = "1n1l1c1t"'
	job topo_cpus '.topo.cpus = 0'
	job mem_huge '.topo.memory_mb = 99999999999'
	job timeout_neg '.timeout_s = -1'
	job timeout_str '.timeout_s = "60"'
	job timeout_big '.timeout_s = 1e300'
	job dur_nan '.duration_ms = "NaN"'
	job dur_neg '.duration_ms = -5'
	job mode_bad '.mode = "frobnicate"'
	job noscen 'del(.scenario)'
	job scen_bad '.scenario.cgroups[0].workers = [{count: "many"}]'
	job nokernel 'del(.kernel)'
	job kernel_str '.kernel = "fake"'
	job sched_path '.scheduler = {name: "x", path: "/no/such/loader"}'
	job cmdline_str '.cmdline = "quiet"'
	job include_missing '.include = [{src: "/no/such/file", dst: "/x"}]'
	job timeout_zero '.timeout_s = 0'
	job cmdline_console '.cmdline = ["console=tty0"]'
	job cmdline_space '.cmdline = ["a b"]'
	job include_init '.include = [{src: "'"$F"'/afile", dst: "/init"}]'
	job sched_args '.scheduler = {name: "x", args: [1]}'
	job exec_num '.mode = "shell" | .exec = 5'
	job payloads_str '.payloads = "x"'
	job mem_small '.topo.memory_mb = 100'
	cat "$F/job.ndjson" "$F/job.ndjson" > "$F/dupid.ndjson"
	# a job, then its vm record made wrong (ktstr-probe)
	vm() { { cat "$F/job.ndjson"; jq -nc "{type: \"vm\", job: \"steady-1n1l1c1t\", phase: \"started\"} + $2"; } > "$F/$1.ndjson"; }
	vm vm_pidstr '{pid: "x", memory: [{node: 0, fd: 3, size_mb: 512}]}'
	vm vm_pidneg '{pid: -1, memory: [{node: 0, fd: 3, size_mb: 512}]}'
	vm vm_nomem '{pid: 1}'
	# streams
	printf '{"type":"job","id":"a\xff"}\n' > "$F/badutf8.ndjson"
	printf '{"type":"x"}\0\n' > "$F/nul.ndjson"
	ln -s "$BATS_FILE_TMPDIR/long.ndjson" "$BATS_FILE_TMPDIR/deep.ndjson" "$F/"
	# a checks file for --checks
	echo '{"defaults": {"nosuch_check": 1}}' > "$F/checks-badkey.json"
	echo '{"thresholds": {}}' > "$F/checks-nodefaults.json"
}

# Everything under W (files with size and time) and in /dev/shm, one a line.
snapshot() {
	find "$W" \( -type f -printf 'f %p %s %T@\n' \) -o -printf '%y %p\n' | LC_ALL=C sort
	ls -A /dev/shm | sed 's/^/shm /'
}

# Runs the cases on stdin, one a line: EXIT|WORD|COMMAND (blank lines and # comments skipped).
# COMMAND runs under bash in $W/cwd and must exit EXIT, write one line on stderr that starts
# with "$1: " and holds WORD, nothing on stdout (EXIT 2p: exit 2, and stdout may hold the input
# records a stream tool copied before the bad one, but none it made), change nothing under W or
# in /dev/shm and boot nothing. Every case that does not is named, with what went wrong; then
# the test fails.
check_table() {
	local prefix=$1 want word cmd status line why before after n=0 bad=0
	# what a stream tool makes (2p: it may copy the input's records, never make these)
	local made='"type":"(monitor|sample|map|map_write|dump_request|verdict|run|summary|initramfs)"'
	while IFS='|' read -r want word cmd; do
		case $want in '' | '#'*) continue ;; esac
		n=$((n + 1))
		before=$(snapshot)
		status=0
		(cd "$W/cwd" && exec timeout 60 bash -c "$cmd") > "$C/out" 2> "$C/err" < /dev/null || status=$?
		after=$(snapshot)
		why=""
		line=$(head -n 1 "$C/err")
		[ "$status" = "${want%p}" ] || why="$why; exit $status, not ${want%p}"
		if [ "$(tr -cd '\n' < "$C/err" | wc -c)" -ne 1 ] || [ -n "$(tail -c 1 "$C/err")" ]; then
			why="$why; stderr is $(wc -l < "$C/err") lines: $(head -c 300 "$C/err" | tr '\n' '~')"
		else
			[[ $line == "$prefix: "* ]] || why="$why; stderr does not start with '$prefix: '"
			[[ $line == *"$word"* ]] || why="$why; stderr does not name '$word'"
			[[ ! $line =~ (jq: error|Traceback|Sanitizer|Segmentation|Aborted|core dumped) ]] ||
				why="$why; stderr has a crash or a helper's error"
		fi
		if [ "$want" != "${want%p}" ]; then
			! grep -Eq "$made" "$C/out" || why="$why; stdout: $(grep -E "$made" "$C/out" | head -c 200)"
		elif [ -s "$C/out" ]; then
			why="$why; stdout: $(head -c 200 "$C/out" | tr '\n' '~')"
		fi
		if [ -e "$B/booted" ]; then
			why="$why; QEMU started"
			rm -f "$B/booted"
		fi
		[ "$before" = "$after" ] ||
			why="$why; left: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			printf '%s\n  %s\n  stderr: %s\n' "$cmd" "${why#; }" "$line"
		fi
	done
	echo "$prefix: $n cases, $bad wrong"
	[ "$bad" -eq 0 ]
}

@test "ktstr-topo: bad topologies and options" {
	check_table ktstr-topo <<'EOF'
2|2n3l1c1t|ktstr-topo 2n3l1c1t
2|0n1l1c1t|ktstr-topo 0n1l1c1t
2|1n0l1c1t|ktstr-topo 1n0l1c1t
2|1n1l0c1t|ktstr-topo 1n1l0c1t
2|1n1l1c0t|ktstr-topo 1n1l1c0t
2|1n1l1c|ktstr-topo 1n1l1c
2|1n1l1c1t1x|ktstr-topo 1n1l1c1t1x
2|n1l1c1t|ktstr-topo n1l1c1t
2|1n1l1c1tt|ktstr-topo 1n1l1c1tt
2|1x1l1c1t|ktstr-topo 1x1l1c1t
2|99999999999n1l1c1t|ktstr-topo 99999999999n1l1c1t
2|1n1l1c99999999999t|ktstr-topo 1n1l1c99999999999t
2|18446744073709551617n|ktstr-topo 18446744073709551617n1l1c1t
2|1n1l128c4t|ktstr-topo --qemu 1n1l128c4t
# (getopt takes it for options: the one it trips on is named with the word)
2|-1n1l1c1t|ktstr-topo -1n1l1c1t
2|1,1,1|ktstr-topo 1,1,1
2|1,1,1,1,1|ktstr-topo 1,1,1,1,1
2|1,,1,1|ktstr-topo 1,,1,1
2|,1,1,1|ktstr-topo ,1,1,1
2|a,b,c,d|ktstr-topo a,b,c,d
2|2,3,1,1|ktstr-topo 2,3,1,1
2|1.5,1,1,1|ktstr-topo 1.5,1,1,1
2|''|ktstr-topo ''
2|' '|ktstr-topo ' '
2|1n1l1c1t |ktstr-topo '1n1l1c1t '
2|１n1l1c1t|ktstr-topo １n1l1c1t
2|--presets|ktstr-topo 1n1l1c1t 2n3l1c1t --presets
2|--memory|ktstr-topo 1n1l1c1t --memory 0
2|--memory|ktstr-topo 1n1l1c1t --memory -1
2|--memory|ktstr-topo 1n1l1c1t --memory abc
2|--memory|ktstr-topo 1n1l1c1t --memory 99999999999
2|--memory|ktstr-topo 1n1l1c1t --memory ''
2|--memory|ktstr-topo 1n1l1c1t --memory 1.5
2|--memory|ktstr-topo 1n1l1c1t --memory
2|--memory 513|ktstr-topo 2n2l1c1t --memory 513
2|--oversub|ktstr-topo --fit --oversub 0
2|--oversub|ktstr-topo --fit --oversub -1
2|--oversub|ktstr-topo --fit --oversub abc
2|--oversub|ktstr-topo --fit --oversub nan
2|--oversub|ktstr-topo --fit --oversub inf
2|--oversub|ktstr-topo --fit --oversub 1e999
2|--oversub|ktstr-topo --fit --oversub ''
2|--min-cpus|ktstr-topo --presets --min-cpus abc
2|--min-cpus|ktstr-topo --presets --min-cpus -1
2|--max-cpus|ktstr-topo --presets --max-cpus 99999999999
2|--min-cpus|ktstr-topo --presets --min-cpus 5 --max-cpus 2
2|--max-llcs|ktstr-topo --presets --max-llcs 1.5
2|--host|ktstr-topo --host 1n1l1c1t
2|--bogus|ktstr-topo --bogus
2|--qemu|ktstr-topo --qemu=1 1n1l1c1t
2|-x|ktstr-topo -x 1n1l1c1t
2|--mi|ktstr-topo --mi 1 --presets
2|--presetz|ktstr-topo --presetz
2|topolog|ktstr-topo
2|topolog|ktstr-topo --qemu
# no preset has 64 NUMA nodes: nothing can run here
77|no topology|ktstr-topo --presets --min-numa 64
77|1n1l1c1t|ktstr-topo 1n1l1c1t --min-cpus 4
EOF
}

@test "ktstr-topo plan and scenarios: bad scenarios, files and plan options" {
	check_table ktstr-topo <<'EOF'
2|nosuch|ktstr-topo plan nosuch
2|stedy|ktstr-topo plan stedy
2|did you mean|ktstr-topo plan stedy
2|./missing.json|ktstr-topo plan ./missing.json
2|empty.json|ktstr-topo plan $F/empty.json
2|notjson.json|ktstr-topo plan $F/notjson.json
2|array.json|ktstr-topo plan $F/array.json
2|utf8.json|ktstr-topo plan $F/utf8.json
2|count|ktstr-topo plan $F/badfield.json
2|cgroup|ktstr-topo plan $F/unknownkey.json
2|name|ktstr-topo plan $F/noname.json
2|count|ktstr-topo plan $F/hugecount.json
2|count|ktstr-topo plan $F/negcount.json
2|CpuSpn|ktstr-topo plan $F/badwork.json
2|range|ktstr-topo plan $F/badcpuset.json
2|steps|ktstr-topo plan $F/nansteps.json
2|steps|ktstr-topo plan $F/emptysteps.json
2|steps|ktstr-topo plan $F/manysteps.json
2|frobnicate|ktstr-topo plan $F/badop.json
2|cg_9|ktstr-topo plan $F/opcg.json
2|cg_0|ktstr-topo plan $F/dupcg.json
# (a scenario file's field is named by its JSON path)
2|cgroups[0].name|ktstr-topo plan $F/cgslash.json
2|nice|ktstr-topo plan $F/nice.json
# a scenario file's name makes its job ids, which hold no @ : = , or blank and start with no
# dot (the "name" inside the file is only shown)
2|a@b|ktstr-topo plan $F/a@b.json
2|a:b|ktstr-topo plan $F/a:b.json
2|a=b|ktstr-topo plan $F/a=b.json
2|a,b|ktstr-topo plan $F/a,b.json
2|.hidden|ktstr-topo plan $F/.hidden.json
2|a b|ktstr-topo plan "$F/a b.json"
2|nnnnnnnn|ktstr-topo plan $F/$(printf 'n%.0s' $(seq 130)).json
2|name|ktstr-topo plan $F/name_empty.json
2|name|ktstr-topo plan $F/name_num.json
2|2n3l1c1t|ktstr-topo plan steady --topo 2n3l1c1t
2|--topo|ktstr-topo plan steady --topo ''
2|--duration|ktstr-topo plan steady --duration 1.2.3
2|--duration|ktstr-topo plan steady --duration ''
2|--duration|ktstr-topo plan steady --duration 99999999999
2|--duration|ktstr-topo plan steady --duration -1
2|--duration|ktstr-topo plan steady --duration nan
2|--duration|ktstr-topo plan steady --duration inf
2|--duration|ktstr-topo plan steady --duration 0x10
2|--duration|ktstr-topo plan steady --duration 0
2|--timeout|ktstr-topo plan steady --timeout 0
2|--timeout|ktstr-topo plan steady --timeout -5
2|--timeout|ktstr-topo plan steady --timeout 1.5
2|--timeout|ktstr-topo plan steady --timeout 99999999999
2|--memory|ktstr-topo plan steady --memory 0
2|--budget|ktstr-topo plan steady --budget 0
2|--budget|ktstr-topo plan steady --budget -1
2|--budget|ktstr-topo plan steady --budget abc
2|--budget|ktstr-topo plan steady --budget ''
2|--budget|ktstr-topo plan steady --budget nan
2|budget of 1 s|ktstr-topo plan steady --budget 1
2|-j|ktstr-topo plan steady -j 0
2|-j|ktstr-topo plan steady -j -1
2|-j|ktstr-topo plan steady -j 257
2|-j|ktstr-topo plan steady -j abc
2|-j|ktstr-topo plan steady --jobs ''
2|--seed|ktstr-topo plan steady --seed -1
2|--seed|ktstr-topo plan steady --seed abc
2|--seed|ktstr-topo plan steady --seed 99999999999
2|3/2|ktstr-topo plan steady --presets tiny-1llc --shard 3/2
2|0/2|ktstr-topo plan steady --presets tiny-1llc --shard 0/2
2|1/0|ktstr-topo plan steady --presets tiny-1llc --shard 1/0
2|1/2/3|ktstr-topo plan steady --presets tiny-1llc --shard 1/2/3
2|a/b|ktstr-topo plan steady --presets tiny-1llc --shard a/b
2|1/1001|ktstr-topo plan steady --presets tiny-1llc --shard 1/1001
2|-1/2|ktstr-topo plan steady --presets tiny-1llc --shard -1/2
2|--shard|ktstr-topo plan steady --presets tiny-1llc --shard ''
2|--shard|ktstr-topo plan steady --fit --shard 1/2
2|xen|ktstr-topo plan steady --accel xen
2|bogus|ktstr-topo plan --scenarios bogus
2|--scenarios|ktstr-topo plan --scenarios catalog steady
2|bogus|ktstr-topo plan --category bogus
2|--repeat|ktstr-topo plan steady --repeat 0
2|--repeat|ktstr-topo plan steady --repeat 1001
2|--repeat|ktstr-topo plan steady --repeat x
2|nosuch|ktstr-topo plan steady --payload nosuch
2|--payload|ktstr-topo plan steady --payload stress-ng@
2|--payload|ktstr-topo plan steady --payload @cg_0
2|cg_9|ktstr-topo plan steady --payload stress-ng@cg_9
2|--map-write|ktstr-topo plan steady --map-write bad
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=1
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=x@1s
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=1@-1s
2|nosuch|ktstr-topo plan steady --include $F/nosuch
2|nosuch|ktstr-topo plan steady --scheduler nosuch
2|scheduler ''|ktstr-topo plan steady --scheduler ''
2|nosuch|ktstr-topo plan steady --scheduler scx-ktstr --flags nosuch
2|--flags|ktstr-topo plan steady --flags x
2|bogus|ktstr-topo plan steady --scheduler scx-ktstr --profiles bogus
2|--flags|ktstr-topo plan steady --scheduler scx-ktstr --flags llc --profiles default
2|--kernel-json|ktstr-topo plan steady --kernel-json '{'
2|--kernel-json|ktstr-topo plan steady --kernel-json '[]'
2|a b|ktstr-topo plan steady --kernel-tag 'a b'
2|a@b|ktstr-topo plan steady --kernel-tag a@b
2|--kernel-tag|ktstr-topo plan steady --kernel-tag ''
2|--exec|ktstr-topo plan steady --exec ls
2|--topo|ktstr-topo plan steady --topo 1n1l1c1t --presets tiny-1llc
2|nosuch|ktstr-topo plan steady --presets nosuch
2|--presets|ktstr-topo plan steady --presets ''
2|--presets|ktstr-topo plan steady --presets tiny-1llc,,tiny-2llc
2|--fit|ktstr-topo plan steady --fit --presets all
2|--oversub|ktstr-topo plan steady --fit --oversub 0
2|--bogus|ktstr-topo plan --bogus
2|--sched|ktstr-topo plan steady --sched eevdf
2|--topo|ktstr-topo plan steady --topo
2|--shell|ktstr-topo plan --shell steady
2|1n1l128c4t|ktstr-topo plan --shell --topo 1n1l128c4t
2|--include|ktstr-topo plan steady --include ''
2|--payload|ktstr-topo plan steady --payload ''
2|category ''|ktstr-topo plan --category ''
2|--profiles ''|ktstr-topo plan steady --scheduler scx-ktstr --profiles ''
2|--sched-args|ktstr-topo plan steady --sched-args x
2|--memory|ktstr-topo plan steady --memory 99999999999
2|--memory 1|ktstr-topo plan steady --memory 1
2|--timeout|ktstr-topo plan steady --timeout ''
2|--repeat|ktstr-topo plan steady --repeat ''
2|--seed|ktstr-topo plan steady --seed ''
2|--accel|ktstr-topo plan steady --accel ''
2|--kernel-tag|ktstr-topo plan steady --kernel-tag $(printf 'k%.0s' $(seq 64))
2|2n3l1c1t|ktstr-topo plan steady --topo 1n1l1c1t --topo 2n3l1c1t
2|--topo|ktstr-topo plan --shell --topo ''
2|--timeout|ktstr-topo plan --shell --timeout 99999999999
# steady_llc needs 2 LLCs: on one, nothing can run here
77|steady_llc|ktstr-topo plan steady_llc --topo 1n1l2c1t
2|nosuch|ktstr-topo scenarios nosuch
2|stedy|ktstr-topo scenarios stedy
2|bogus|ktstr-topo scenarios --scenarios bogus
2|bogus|ktstr-topo scenarios --category bogus
2|--bogus|ktstr-topo scenarios --bogus
2|--category|ktstr-topo scenarios --category
2|--json|ktstr-topo scenarios --json --names
EOF
}

@test "ktstr-boot: bad options and job records, before any VM" {
	check_table ktstr-boot <<'EOF'
2|-j|ktstr-boot -j 0 < $F/job.ndjson
2|-j|ktstr-boot -j 257 < $F/job.ndjson
2|-j|ktstr-boot -j x < $F/job.ndjson
2|-j|ktstr-boot --jobs '' < $F/job.ndjson
2|-j|ktstr-boot -j < $F/job.ndjson
2|bogus|ktstr-boot --boot bogus < $F/job.ndjson
2|KTSTR_BOOT|KTSTR_BOOT=bogus ktstr-boot < $F/job.ndjson
2|--bogus|ktstr-boot --bogus < $F/job.ndjson
2|--dry-ru|ktstr-boot --dry-ru=1 < $F/job.ndjson
2|--dry-run|ktstr-boot --dry-run --write-initramfs $W/tmp < $F/job.ndjson
2|extra|ktstr-boot extra < $F/job.ndjson
2|--run-dir|ktstr-boot --run-dir < $F/job.ndjson
2|--run-dir|ktstr-boot --run-dir $F/afile/x < $F/job.ndjson
2|--write-initramfs|ktstr-boot --write-initramfs $F/afile/x < $F/job.ndjson
2|stdin:1|echo 'not json' | ktstr-boot
2|stdin:1|echo '[1]' | ktstr-boot
2|stdin:1|echo '{}' | ktstr-boot
2|stdin:1|ktstr-boot < $F/badutf8.ndjson
2|stdin:1|ktstr-boot < $F/nul.ndjson
2|stdin:1|ktstr-boot < $F/long.ndjson
2|stdin:1|ktstr-boot < $F/deep.ndjson
2|id|ktstr-boot < $F/noid.ndjson
2|id|ktstr-boot < $F/id_num.ndjson
2|a/b|ktstr-boot < $F/id_slash.ndjson
2|..|ktstr-boot < $F/id_dotdot.ndjson
2|a@b|ktstr-boot < $F/id_at.ndjson
2|a:b|ktstr-boot < $F/id_colon.ndjson
2|a=b|ktstr-boot < $F/id_eq.ndjson
2|a,b|ktstr-boot < $F/id_comma.ndjson
2|id|ktstr-boot < $F/id_empty.ndjson
2|iiiiiiii|ktstr-boot < $F/id_long.ndjson
2|topo|ktstr-boot < $F/notopo.ndjson
2|topo|ktstr-boot < $F/topo_str.ndjson
2|cpus|ktstr-boot < $F/topo_cpus.ndjson
2|memory_mb|ktstr-boot < $F/mem_huge.ndjson
2|timeout_s|ktstr-boot < $F/timeout_neg.ndjson
2|timeout_s|ktstr-boot < $F/timeout_str.ndjson
2|timeout_s|ktstr-boot < $F/timeout_big.ndjson
2|duration_ms|ktstr-boot < $F/dur_nan.ndjson
2|duration_ms|ktstr-boot < $F/dur_neg.ndjson
2|frobnicate|ktstr-boot < $F/mode_bad.ndjson
2|scenario|ktstr-boot < $F/noscen.ndjson
2|count|ktstr-boot < $F/scen_bad.ndjson
2|kernel|ktstr-boot < $F/nokernel.ndjson
2|kernel|ktstr-boot < $F/kernel_str.ndjson
2|/no/such/loader|ktstr-boot < $F/sched_path.ndjson
2|cmdline|ktstr-boot < $F/cmdline_str.ndjson
2|/no/such/file|ktstr-boot < $F/include_missing.ndjson
2|timeout_s|ktstr-boot < $F/timeout_zero.ndjson
2|console=tty0|ktstr-boot < $F/cmdline_console.ndjson
2|cmdline[0]|ktstr-boot < $F/cmdline_space.ndjson
2|include[0].dst|ktstr-boot < $F/include_init.ndjson
2|scheduler.args[0]|ktstr-boot < $F/sched_args.ndjson
2|exec|ktstr-boot < $F/exec_num.ndjson
2|payloads|ktstr-boot < $F/payloads_str.ndjson
2|memory_mb|ktstr-boot < $F/mem_small.ndjson
2|steady-1n1l1c1t|ktstr-boot --dry-run < $F/dupid.ndjson
2|a/b|ktstr-boot --dry-run < $F/id_slash.ndjson
2|memory_mb|ktstr-boot --dry-run < $F/mem_huge.ndjson
EOF
}

@test "ktstr-probe: bad options and streams" {
	check_table ktstr-probe <<'EOF'
2|--interval-ms|ktstr-probe --interval-ms 0 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 9 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 60001 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms abc < /dev/null
2|--interval-ms|ktstr-probe --interval-ms '' < /dev/null
2|--interval-ms|ktstr-probe --interval-ms -5 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 99999999999999999999 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms < /dev/null
2|--settle-ms|ktstr-probe --settle-ms -1 < /dev/null
2|--settle-ms|ktstr-probe --settle-ms 1.5 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms 500 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms 30001 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms -1 < /dev/null
2|--dump-after-ms|ktstr-probe --dump-after-ms 600001 < /dev/null
2|--settle-ms|ktstr-probe --settle-ms '' < /dev/null
2|--dump-after-ms|ktstr-probe --dump-after-ms x < /dev/null
2|--bogus|ktstr-probe --bogus < /dev/null
2|--replay|ktstr-probe --replay=1 < /dev/null
2|extra|ktstr-probe extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-probe
2|stdin:1|echo '[1]' | ktstr-probe
2|stdin:1|echo '{"type":5}' | ktstr-probe
2|stdin:1|ktstr-probe < $F/badutf8.ndjson
2|stdin:1|ktstr-probe < $F/nul.ndjson
2|stdin:1|ktstr-probe < $F/long.ndjson
2|stdin:1|ktstr-probe < $F/deep.ndjson
# (2p: the records before the bad one pass through, as the stream goes)
2p|is not a QEMU|{ cat $F/job.ndjson; echo "{\"type\":\"vm\",\"job\":\"steady-1n1l1c1t\",\"phase\":\"started\",\"pid\":$$,\"memory\":[{\"node\":0,\"fd\":3,\"size_mb\":512}]}"; } | ktstr-probe
2p|pid|ktstr-probe < $F/vm_pidstr.ndjson
2p|pid|ktstr-probe < $F/vm_pidneg.ndjson
2p|memory|ktstr-probe < $F/vm_nomem.ndjson
# (--replay takes a sample's keys of the wrong type for missing, as sampleparse.h says:
# ktstr-eval, next in the pipeline, refuses such a record)
2|stdin:1|echo '{"type":"sample","job":"j","t_ms":1e999}' | ktstr-probe --replay
EOF
}

@test "ktstr-eval: bad options, malformed records, wrong types, huge numbers" {
	check_table ktstr-eval <<'EOF'
2|bogus|ktstr-eval --check bogus=1 < /dev/null
2|isolation|ktstr-eval --check isolation < /dev/null
2|=1|ktstr-eval --check =1 < /dev/null
2|maybe|ktstr-eval --check isolation=maybe < /dev/null
2|nan|ktstr-eval --check max_imbalance_ratio=nan < /dev/null
2|1e999|ktstr-eval --check max_imbalance_ratio=1e999 < /dev/null
2|NaN|ktstr-eval --check max_imbalance_ratio=NaN < /dev/null
2|--check|ktstr-eval --check < /dev/null
2|/no/such|ktstr-eval --checks /no/such < /dev/null
2|notjson.json|ktstr-eval --checks $F/notjson.json < /dev/null
2|nosuch_check|ktstr-eval --checks $F/checks-badkey.json < /dev/null
2|defaults|ktstr-eval --checks $F/checks-nodefaults.json < /dev/null
2|checks file ''|ktstr-eval --checks '' < /dev/null
2|not a file|ktstr-eval --checks $F < /dev/null
2|--bogus|ktstr-eval --bogus < /dev/null
2|--chek|ktstr-eval --chek isolation=true < /dev/null
2|-x|ktstr-eval -x < /dev/null
2|extra|ktstr-eval extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-eval
2|stdin:1|echo '[]' | ktstr-eval
2|stdin:1|echo '"str"' | ktstr-eval
2|stdin:1|echo '1' | ktstr-eval
2|stdin:1|echo 'null' | ktstr-eval
2|stdin:1|echo '{}' | ktstr-eval
2|stdin:1|echo '{"type":5}' | ktstr-eval
2|stdin:1|echo '{"type":null}' | ktstr-eval
2|stdin:1|echo '{"type":"x"} x' | ktstr-eval
2|stdin:1|echo '{"type":"x"}{"type":"y"}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":1,"a":2}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":NaN}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":Infinity}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":1e999}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":"\ud800"}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":"\x"}' | ktstr-eval
2|stdin:1|echo "{'type':'x'}" | ktstr-eval
2|stdin:1|echo '{"type":"x",}' | ktstr-eval
2|stdin:1|ktstr-eval < $F/badutf8.ndjson
2|stdin:1|ktstr-eval < $F/nul.ndjson
2|stdin:1|ktstr-eval < $F/long.ndjson
2|stdin:1|ktstr-eval < $F/deep.ndjson
2|stdin:1|printf '{"type":"x","\xc0\xaf":1}\n' | ktstr-eval
2|id|echo '{"type":"job","id":1}' | ktstr-eval
2|id|echo '{"type":"job"}' | ktstr-eval
2|job|echo '{"type":"worker","job":5,"tid":1}' | ktstr-eval
2|job|echo '{"type":"vm","job":["j"],"phase":"exited"}' | ktstr-eval
2|tid|echo '{"type":"worker","job":"j","tid":"x"}' | ktstr-eval
2|tid|echo '{"type":"worker","job":"j","tid":-1}' | ktstr-eval
2|stdin:1:45|echo '{"type":"worker","job":"j","work_units":1e999}' | ktstr-eval
2|work_units|echo '{"type":"worker","job":"j","work_units":1.5}' | ktstr-eval
2|stdin:1:63|echo '{"type":"worker","job":"j","work_units":99999999999999999999999}' | ktstr-eval
2|work_units|echo '{"type":"worker","job":"j","work_units":"NaN"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"0-"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"99999999"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"3-1"}' | ktstr-eval
2|cpuset|echo '{"type":"worker","job":"j","cpuset":5}' | ktstr-eval
2|nice|echo '{"type":"worker","job":"j","nice":100}' | ktstr-eval
2|steps|echo '{"type":"worker","job":"j","steps":"x"}' | ktstr-eval
2|steps[0]|echo '{"type":"worker","job":"j","steps":[1]}' | ktstr-eval
2|max_gap_ms|echo '{"type":"worker","job":"j","max_gap_ms":-1}' | ktstr-eval
2|max_gap_ms|echo '{"type":"worker","job":"j","max_gap_ms":"NaN"}' | ktstr-eval
2|wake_latency|echo '{"type":"worker","job":"j","wake_latency":[]}' | ktstr-eval
2|cgroup|echo '{"type":"worker","job":"j","cgroup":5}' | ktstr-eval
2|index|echo '{"type":"step","job":"j","index":-1}' | ktstr-eval
2|t_ms|echo '{"type":"step","job":"j","index":0,"t_ms":1e300}' | ktstr-eval
2|t_ms|echo '{"type":"step","job":"j","index":0,"t_ms":"0"}' | ktstr-eval
2|steps|echo '{"type":"scenario_end","job":"j","steps":"2"}' | ktstr-eval
2|t_ms|echo '{"type":"sample","job":"j","t_ms":"soon"}' | ktstr-eval
2|index|echo '{"type":"step","job":"j","index":1.5}' | ktstr-eval
2|steps|echo '{"type":"scenario_end","job":"j","steps":-1}' | ktstr-eval
2|bogus_check|echo '{"type":"job","id":"j","checks":{"bogus_check":1}}' | ktstr-eval
2|max_imbalance_ratio|echo '{"type":"job","id":"j","checks":{"max_imbalance_ratio":"high"}}' | ktstr-eval
EOF
}

@test "ktstr-sidecar: bad commands, run ids, run dirs, filters" {
	check_table ktstr-sidecar <<'EOF'
2|command|ktstr-sidecar
2|bogus|ktstr-sidecar bogus
2|did you mean 'show'|ktstr-sidecar shwo r1
2|--bogus|ktstr-sidecar --bogus
# (writing into a run that exists is no mistake: a gauntlet's retried jobs go there)
2|--run-id|ktstr-sidecar write --run-id '' < /dev/null
2|a/b|ktstr-sidecar write --run-id a/b < /dev/null
2|..|ktstr-sidecar write --run-id .. < /dev/null
2|.x|ktstr-sidecar write --run-id .x < /dev/null
2|a b|ktstr-sidecar write --run-id 'a b' < /dev/null
2|a@b|ktstr-sidecar write --run-id a@b < /dev/null
2|a:b|ktstr-sidecar write --run-id a:b < /dev/null
2|a=b|ktstr-sidecar write --run-id a=b < /dev/null
2|a,b|ktstr-sidecar write --run-id a,b < /dev/null
2|--stages|ktstr-sidecar write --stages < /dev/null
2|rrrrrrrr|ktstr-sidecar write --run-id $(printf 'r%.0s' $(seq 64)) < /dev/null
2|latest|ktstr-sidecar write --run-id latest < /dev/null
2|afile|ktstr-sidecar write --runs-dir $F/afile --run-id r2 < $FX/pass.ndjson
2|--junit|ktstr-sidecar write --run-id r2 --junit $F/afile/x.xml < /dev/null
2|--junit|ktstr-sidecar write --run-id r2 --junit $W/tmp < /dev/null
2|bogus|ktstr-sidecar write --stages bogus < /dev/null
2|--bogus|ktstr-sidecar write --bogus < /dev/null
2|extra|ktstr-sidecar write extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-sidecar write --run-id r2
2|stdin:1|ktstr-sidecar write --run-id r2 < $F/badutf8.ndjson
2|stdin:1|ktstr-sidecar write --run-id r2 < $F/long.ndjson
2|job|echo '{"type":"verdict","result":"pass"}' | ktstr-sidecar write --run-id r2
2|../x|echo '{"type":"verdict","job":"../x","result":"pass"}' | ktstr-sidecar write --run-id r2
2|a/b|echo '{"type":"verdict","job":"a/b","result":"pass"}' | ktstr-sidecar write --run-id r2
2|result|echo '{"type":"verdict","job":"j","result":"bogus"}' | ktstr-sidecar write --run-id r2
2|result|echo '{"type":"verdict","job":"j","result":5}' | ktstr-sidecar write --run-id r2
2|--bogus|ktstr-sidecar list --bogus
2|extra|ktstr-sidecar list extra
2|afile|ktstr-sidecar list --runs-dir $F/afile
2|runs dir ''|ktstr-sidecar list --runs-dir ''
2|runs dir ''|ktstr-sidecar trace --runs-dir '' r1
2|runs dir ''|ktstr-sidecar show --brief --runs-dir '' r1
2|RUN|ktstr-sidecar show
2|nosuch|ktstr-sidecar show nosuch
2|../r1|ktstr-sidecar show ../r1
2|a/b|ktstr-sidecar show a/b
2|''|ktstr-sidecar show ''
2|nosuchjob|ktstr-sidecar show r1 nosuchjob
2|--junit|ktstr-sidecar show --junit $F/afile/x.xml r1
2|extra|ktstr-sidecar show r1 steady extra
2|latest|ktstr-sidecar show --runs-dir $W/cwd latest
2|--bogus|ktstr-sidecar show --bogus r1
2|B|ktstr-sidecar compare r1
2|nosuch|ktstr-sidecar compare nosuch r1
2|bogus|ktstr-sidecar compare bogus=1 r1
2|kernel=|ktstr-sidecar compare kernel= r1
2|--filter|ktstr-sidecar compare --filter bogus r1 r1
2|kernel=|ktstr-sidecar compare --filter kernel= r1 r1
2|nosuch|ktstr-sidecar compare --metric nosuch r1 r1
2|extra|ktstr-sidecar compare r1 r1 extra
2|--bogus|ktstr-sidecar metrics --bogus
2|extra|ktstr-sidecar metrics extra
2|which runs|ktstr-sidecar merge
2|nosuch|ktstr-sidecar merge nosuch
2|r1|ktstr-sidecar merge r1 r1
2|a/b|ktstr-sidecar merge --run-id a/b r1
2|latest|ktstr-sidecar merge --run-id latest r1
2|r1|ktstr-sidecar merge --run-id r1 r1
2|afile|ktstr-sidecar merge $F/afile
2|RUN|ktstr-sidecar trace
2|nosuch|ktstr-sidecar trace nosuch
2|nosuchjob|ktstr-sidecar trace r1 nosuchjob
2|extra|ktstr-sidecar trace r1 steady extra
2|RUN|ktstr-sidecar report
2|nosuch|ktstr-sidecar report nosuch
2|-o|ktstr-sidecar report -o $F/afile/x.html r1
2|nosuchjob|ktstr-sidecar report r1 nosuchjob
2|-o|ktstr-sidecar report r1 -o
2|repro|ktstr-sidecar repro
2|bogus|ktstr-sidecar repro bogus
2|which run|ktstr-sidecar repro plan
2|nosuch|ktstr-sidecar repro plan nosuch
2|nosuchjob|ktstr-sidecar repro plan r1 nosuchjob
2|--run-id|ktstr-sidecar repro store < /dev/null
2|nosuch|ktstr-sidecar repro store --run-id nosuch < /dev/null
2|a/b|ktstr-sidecar repro store --run-id a/b < /dev/null
EOF
}

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

@test "ktstr runs: ktstr-sidecar's own errors through the front end" {
	check_table ktstr-sidecar <<'EOF'
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

@test "ktstr topo: ktstr-topo's own errors through the front end" {
	check_table ktstr-topo <<'EOF'
2|2n3l1c1t|ktstr topo 2n3l1c1t
2|--bogus|ktstr topo --bogus
2|topolog|ktstr topo
EOF
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
