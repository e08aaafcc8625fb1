#!/usr/bin/env bats
# Third-party sched_ext schedulers (ktstr-sched): the Debian linux-source tree matching the cached
# kernel, its tools/sched_ext/scx_simple built static against the kernel's BTF, then the steady
# scenario under scx_simple in a VM. The source download (about 160 MB) is cached after the first
# run; without network on a first run the tests fail (they never skip).
load ../helpers

bats_require_minimum_version 1.5.0

CACHE=${KTSTR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

setup_file() {
	require_kernel
	D=$BATS_FILE_TMPDIR
	ktstr-sched source > "$D/tree" 2> "$D/source.err" || {
		cat "$D/source.err" >&2
		echo "ktstr-sched source failed: no kernel source, no third-party scheduler" >&2
		return 1
	}
	ktstr-sched build --source "$(cat "$D/tree")" scx_simple > "$D/built" 2> "$D/build.err" || {
		cat "$D/build.err" >&2
		return 1
	}
	# the job's scheduler as the front end makes it from the definition
	jq -nc --argjson topo "$(ktstr-topo 1n2l2c1t)" \
		--argjson kernel "$(ktstr-kernel path --json | jq -c 'del(.type)')" \
		--slurpfile sc "$KTSTR_SHARE_DIR/scenarios/steady.json" \
		--slurpfile sdef "$(cut -f4 "$D/built").json" '
		{type: "job", id: "steady-scx_simple", test: "steady", mode: "scenario",
		 topo: $topo, kernel: $kernel,
		 scheduler: ($sdef[0] | {name, path: .binary, args, ops, attach_timeout_ms}),
		 scenario: $sc[0], duration_ms: 2000, timeout_s: 60}' > "$D/job"
	ktstr-boot --run-dir "$D/run" < "$D/job" | ktstr-probe | ktstr-eval > "$D/out" || :
}

@test "ktstr-sched source: the unpacked linux-source tree of the kernel's major.minor" {
	version=$(ktstr-kernel path --json | jq -r .version)
	mm=$(printf '%s\n' "$version" | cut -d. -f1-2)
	tree=$(cat "$BATS_FILE_TMPDIR/tree")
	case $tree in
	"$CACHE/sources/"*"/linux-source-$mm") ;;
	*) echo "unexpected tree path: $tree" >&2; false ;;
	esac
	[ -f "$tree/tools/sched_ext/Makefile" ]
	[ -f "$tree/tools/sched_ext/scx_simple.bpf.c" ]
	# cached: a second call prints the same path without downloading
	run --separate-stderr ktstr-sched source
	[ "$status" -eq 0 ]
	[ "$output" = "$tree" ]
}

@test "ktstr-sched build: scx_simple, static, with a definition naming ops 'simple'" {
	id=$(ktstr-kernel path --json | jq -r .id)
	[ "$(cat "$BATS_FILE_TMPDIR/built")" = "$(printf 'scx_simple\tsimple\tstatic\t%s' "$CACHE/schedulers/$id/scx_simple")" ]
	run jq -c '[.name, .binary, .ops, .args, .attach_timeout_ms, .kernel, .static]' "$CACHE/schedulers/$id/scx_simple.json"
	[ "$output" = "[\"scx_simple\",\"$CACHE/schedulers/$id/scx_simple\",\"simple\",[],20000,\"$id\",true]" ]
	run readelf -l "$CACHE/schedulers/$id/scx_simple"
	[ "$status" -eq 0 ]
	! printf '%s\n' "$output" | grep -q INTERP
}

@test "ktstr-sched list: the share definitions and the built scx_simple" {
	id=$(ktstr-kernel path --json | jq -r .id)
	run ktstr-sched list --json
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name == "eevdf" or .name == "scx_simple") | "\(.name) \(.ops)"' | sort -u)" = "$(printf 'eevdf null\nscx_simple simple')" ]
	run ktstr-sched list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '%-20s %-12s %-32s %s' NAME OPS KERNEL DEFINITION)" ]
	printf '%s\n' "$output" | grep -qx "$(printf '%-20s %-12s %-32s %s' scx_simple simple "$id" "$CACHE/schedulers/$id/scx_simple.json")"
}

@test "steady under scx_simple: attached as 'simple', detached cleanly, verdict pass" {
	out=$BATS_FILE_TMPDIR/out
	run jq -c 'select(.type == "sched" and .event != "kmsg") | [.event, .ops, .clean, .exit_status, .state]' "$out"
	[ "$output" = "$(printf '%s\n' '["attached","simple",null,null,null]' '["detached",null,true,0,"disabled"]')" ]
	run jq -c 'select(.type == "scenario_end") | [.result, .workers, .sched_died]' "$out"
	[ "$output" = '["ok",4,false]' ]
	run jq -c 'select(.type == "verdict") | [.scheduler, .result]' "$out"
	[ "$output" = '["scx_simple","pass"]' ]
}

@test "ktstr-sched: usage errors exit 2 with one line" {
	run ktstr-sched --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr sched COMMAND [ARGS]" ]
	run ktstr-sched frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: unknown command 'frobnicate' (see 'ktstr sched help')" ]
	run ktstr-sched build
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: build: --source TREE is required ('ktstr sched source' prints one)" ]
	run ktstr-sched build --source "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr sched: $(cd "$BATS_TEST_TMPDIR" && pwd -P) has no tools/sched_ext/Makefile (sched_ext needs Linux >= 6.12)" ]
	run ktstr-sched build --source "$(cat "$BATS_FILE_TMPDIR/tree")" scx_nosuch
	[ "$status" -eq 2 ]
	[[ "$output" == "ktstr sched: no scheduler 'scx_nosuch' in "*"/tools/sched_ext/Makefile (it has: scx_simple "* ]]
	run ktstr-sched source --kernel no-such-kernel
	[ "$status" -eq 3 ]
	[[ "$output" == *"no kernel 'no-such-kernel' in "* ]]
}

@test "ktstr-sched source: a kernel version no longer in sid gets the nearest of its major.minor" {
	# a fake cache whose only kernel claims patch level +1000; apt state and sources are shared
	fake=$BATS_TEST_TMPDIR/cache
	real_dir=$(ktstr-kernel dir)
	version=$(ktstr-kernel path --json | jq -r .version)
	fakever=$(printf '%s\n' "$version" | awk -F. '{ printf "%s.%s.%d-1", $1, $2, $3 + 1000 }')
	mkdir -p "$fake/kernels/fake"
	ln -s "$CACHE/apt" "$fake/apt"
	ln -s "$CACHE/sources" "$fake/sources"
	for f in vmlinuz config vmlinux; do ln -s "$real_dir/$f" "$fake/kernels/fake/$f"; done
	jq '.id = "fake" | .version = $v' --arg v "$fakever" "$real_dir/meta.json" > "$fake/kernels/fake/meta.json"
	run --separate-stderr env KTSTR_CACHE_DIR="$fake" ktstr-sched source
	[ "$status" -eq 0 ]
	mm=$(printf '%s\n' "$version" | cut -d. -f1-2)
	[[ "$stderr" == *"linux-source-$mm $fakever is no longer in sid; using the nearest, "* ]]
	nearest=${stderr##*using the nearest, }
	nearest=${nearest%%[!A-Za-z0-9.+~-]*}
	[ "$output" = "$fake/sources/$nearest/linux-source-$mm" ]
	[ -f "$output/tools/sched_ext/Makefile" ]
}
