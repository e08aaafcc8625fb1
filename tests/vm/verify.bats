#!/usr/bin/env bats
# What the verifier makes of a scheduler's BPF programs, on real VMs: the instructions it
# processed per program (read by ktstr-probe from guest memory) in the stored run and in
# 'ktstr sched verify', and a rejected program's verifier log with its loops collapsed.
load ../helpers

bats_require_minimum_version 1.5.0

# scx-ktstr's struct_ops programs as the kernel names them (15 characters)
PROGS="ktstr_dispatch ktstr_enable ktstr_enqueue ktstr_exit ktstr_init ktstr_running ktstr_select_cp ktstr_stopping ktstr_tick ktstr_update_id"

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

stream() { cat "$KTSTR_RUNS_DIR"/*/stream.ndjson; }

@test "verified instructions per program of scx-ktstr: in the stored run, shown, comparable" {
	run ktstr run steady --scheduler scx-ktstr --topo 1n1l1c1t --duration 1
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; false; }
	rec=$(ls "$KTSTR_RUNS_DIR"/*/steady-1n1l1c1t.json)
	jq -c '.monitor.progs | map_values([.verified_insns, .jited_bytes])' "$rec" >&2
	[ "$(jq -r '.monitor.progs | keys | join(" ")' "$rec")" = "$PROGS" ]
	jq -e '.monitor.progs | all(.[]; .verified_insns > 0 and .verified_insns < 1000000 and .jited_bytes > 0)' "$rec"
	# the samples carried them, the same in every sample
	[ "$(stream | jq -c 'select(.type == "sample" and .progs) | .progs | map_values(.verified_insns)' | sort -u | wc -l)" -eq 1 ]
	# 'runs show' lists them with their total
	want=$(jq -r '.monitor.progs | "  verified   \([.[].verified_insns] | add) insns: " +
		(to_entries | map("\(.key) \(.value.verified_insns)") | join(", "))' "$rec")
	[ "$(ktstr runs show latest | grep '^  verified ')" = "$want" ]
	# and 'runs compare' gates them program by program: a run against itself changes nothing
	run ktstr runs compare --metric verified_insns --metric total_verified_insns latest latest
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "1 pair compared (0 not passing on both sides, 0 only in A, 0 only in B): 0 regressions, 0 improvements" ]
}

@test "ktstr sched verify: programs x profiles with totals; a profile that cannot load fails it" {
	run --separate-stderr ktstr sched verify scx-ktstr --profiles default,scatter
	printf '%s\n' "$output" "$stderr" >&2
	[ "$status" -eq 0 ]
	[ "$stderr" = "ktstr sched: verifying scx-ktstr under 2 flag profile(s)" ]
	[ "${lines[0]}" = "PROGRAM          default  scatter" ]
	[ "$(printf '%s\n' "$output" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "$PROGS total " ]
	# each column adds up to its total; --scatter's extra paths cost the verifier more
	printf '%s\n' "$output" | awk 'NR > 1 && $1 != "total" { d += $2; s += $3 }
		$1 == "total" { exit !(d == $2 && s == $3 && d > 0) }'
	printf '%s\n' "$output" | awk '$1 == "ktstr_enqueue" { exit !($3 > $2) }'
	# a definition whose flag breaks the loader: that profile did not load, and says why
	cp -r "$KTSTR_SHARE_DIR" "$BATS_TEST_TMPDIR/share"
	jq '.name = "broken" | .flags = [{name: "bogus", args: ["--no-such-option"]}]' \
		"$KTSTR_SHARE_DIR/schedulers/scx-ktstr.json" > "$BATS_TEST_TMPDIR/share/schedulers/broken.json"
	KTSTR_SHARE_DIR="$BATS_TEST_TMPDIR/share" run --separate-stderr ktstr sched verify broken --json
	printf '%s\n' "$output" "$stderr" >&2
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r '[.profile, .status, (.progs | length), .reason // ""] | @tsv')" = "default	loaded	10	
bogus	failed	0	scheduler broken died at start (exit status 2)" ]
	[ "$(printf '%s\n' "$stderr" | sed -n 2p)" = "broken [bogus] failed to load: scheduler broken died at start (exit status 2)" ]
	printf '%s\n' "$stderr" | grep -q -- '--no-such-option'
}

@test "a rejected scheduler's report shows the verifier log with its loop iterations collapsed" {
	# scx-ktstr-badverify: the loader's whole verifier output reaches the host
	run ktstr run steady --scheduler "$KTSTR_BUILD_DIR/guest/scx-ktstr-badverify" --topo 1n1l1c1t
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >&2
	[ "$(printf '%s\n' "$output" | grep -c '^  verifier log (repeated loop iterations collapsed):$')" -eq 1 ]
	[ "$(stream | jq -r 'select(.type == "sched" and .event == "died_at_start") | .log_tail[-1]')" = \
		"$(printf '%s\n' "$output" | grep 'verifier: processed' | sed 's/^    //')" ]
	printf '%s\n' "$output" | grep -Eq '^    scx-ktstr-badverify: verifier: invalid access to map value, value_size=[0-9]+ off=512 size=8$'
	# its twelve-times loop before the bad store shows once, then the last round
	[ "$(printf '%s\n' "$output" | grep -- '^    ---')" = "    --- 10 identical iterations omitted ---" ]
	# a bounded loop the verifier walks twelve times (bpftool as the "scheduler")
	rm -rf "$KTSTR_RUNS_DIR"
	clang-19 -g -O2 -target bpf -I/usr/include/x86_64-linux-gnu \
		-c "$BATS_TEST_DIRNAME/../fixtures/verifier/loop.bpf.c" -o "$BATS_TEST_TMPDIR/loop.o"
	run ktstr run steady --topo 1n1l1c1t --duration 1 --scheduler "$(command -v bpftool)" \
		--sched-args "prog load /include-files/loop.o /sys/fs/bpf/loop" --include "$BATS_TEST_TMPDIR/loop.o"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >&2
	[ "$(stream | jq -r 'select(.type == "sched" and .event == "died_at_start") | .log_tail | length')" -gt 200 ]
	[ "$(printf '%s\n' "$output" | grep -- '^    ---')" = "    --- 9 identical iterations omitted ---" ]
	[ "$(printf '%s\n' "$output" | grep -c '^    ; if (skb->len > i) @ loop.bpf.c:24$')" -eq 3 ]
	printf '%s\n' "$output" | grep -q '^    invalid access to map value, value_size=8 off=48 size=8$'
}
