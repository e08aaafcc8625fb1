# Shared by tests/unit/bad_input_*.bats: their setup and the table runner.
# Each case must exit 2 (77 where the right answer is "nothing can run here", said in the
# table), print exactly one line on stderr that starts with the tool's name and names the
# offending input or option, print nothing on stdout, leave every file under the test's folder
# (temp dir, runs dir, kernel cache, home, working dir) and /dev/shm as it was, and start no VM
# (QEMU is a stand-in that notes a boot; a kernel is in the cache, so a bad input that slipped
# through would reach it).

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
