#!/usr/bin/env bats
# ktstr-eval's failure detail for a scheduler the verifier rejected: the verifier log with its
# loop iterations collapsed. Fixtures in tests/fixtures/verifier/ are the guest's log tails of
# real rejections on the cached 7.2 kernel: badverify.log from scx-ktstr-badverify, loop.log and
# nested.log from bpftool loading loop.bpf.c and nested.bpf.c (built with clang-19 -g -O2
# -target bpf) as the scheduler: 'ktstr run steady --scheduler /usr/sbin/bpftool --sched-args
# "prog load /include-files/loop.o /sys/fs/bpf/loop" --include loop.o'. X.collapsed is the
# detail's exact message.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures"

# The died_at_start stream of sched-badverify with the lines of file $1 as its log tail.
stream_with_log() {
	jq -c --rawfile l "$1" 'if .type == "sched" and .event == "died_at_start"
		then .log_tail = ($l | rtrimstr("\n") | split("\n")) else . end' "$F/eval/sched-badverify.ndjson"
}

detail() {
	stream_with_log "$1" | ktstr-eval | tail -n 1 | jq -r ".details[0]$2"
}

@test "verifier log: a bounded loop's 11 iterations become the first, a note and the last" {
	run detail "$F/verifier/loop.log" .message
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$F/verifier/loop.collapsed")" ]
	[ "$(printf '%s\n' "$output" | grep -- '^---')" = "--- 9 identical iterations omitted ---" ]
	# the detail carries the collapsed lines on their own too
	[ "$(detail "$F/verifier/loop.log" '.verifier_log[]')" = "$(tail -n +3 "$F/verifier/loop.collapsed")" ]
}

@test "verifier log: nested loops collapse inside each outer iteration, then the outer loop" {
	run detail "$F/verifier/nested.log" .message
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$F/verifier/nested.collapsed")" ]
	[ "$(printf '%s\n' "$output" | grep -- '^---' | tr '\n' '|')" = "--- 4 identical iterations omitted ---|--- 2 identical iterations omitted ---|--- 4 identical iterations omitted ---|" ]
}

@test "verifier log: scx-ktstr-badverify's log has no loop: it stays whole" {
	run detail "$F/verifier/badverify.log" .message
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$F/verifier/badverify.collapsed")" ]
	[ "$(tail -n +3 "$F/verifier/badverify.collapsed")" = "$(cat "$F/verifier/badverify.log")" ]
}

@test "verifier log: blocks under 5 lines or under 3 repeats stay; other logs are left alone" {
	block() { for i in $(seq "$2"); do printf '%s: (07) r1 += 1   ; R1=%s\n' "$i" "$1"; done; }
	# 4-line blocks, 6 times: too short a period
	for r in 1 2 3 4 5 6; do block $r 4; done > "$BATS_TEST_TMPDIR/short.log"
	run detail "$BATS_TEST_TMPDIR/short.log" .message
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 26 ]
	# 5-line blocks twice: too few repeats; three times: collapsed
	{ block 1 5; block 2 5; } > "$BATS_TEST_TMPDIR/twice.log"
	run detail "$BATS_TEST_TMPDIR/twice.log" .message
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 12 ]
	{ echo start; block 1 5; block 2 5; block 3 5; echo end; } > "$BATS_TEST_TMPDIR/thrice.log"
	run detail "$BATS_TEST_TMPDIR/thrice.log" .message
	[ "$(printf '%s\n' "$output" | tail -n +2)" = "scheduler log (last 17 lines; 4 lines of repeated loop iterations omitted):
start
1: (07) r1 += 1   ; R1=1
2: (07) r1 += 1   ; R1=1
3: (07) r1 += 1   ; R1=1
4: (07) r1 += 1   ; R1=1
5: (07) r1 += 1   ; R1=1
--- 1 identical iterations omitted ---
1: (07) r1 += 1   ; R1=3
2: (07) r1 += 1   ; R1=3
3: (07) r1 += 1   ; R1=3
4: (07) r1 += 1   ; R1=3
5: (07) r1 += 1   ; R1=3
end" ]
	# a log with no verifier instruction in it is not touched, however repetitive
	for r in 1 2 3 4; do printf 'tick\ntock\nwaiting\nfor\nwork\n'; done > "$BATS_TEST_TMPDIR/plain.log"
	run detail "$BATS_TEST_TMPDIR/plain.log" '.message | split("\n") | length'
	[ "$output" -eq 22 ]
	run detail "$BATS_TEST_TMPDIR/plain.log" '| has("verifier_log")'
	[ "$output" = false ]
}

@test "verifier log: states of subprogram frames and branch targets do not tell iterations apart" {
	for r in 1 2 3 4; do
		printf '; for (i = 0; i < n; i++) { @ sub.bpf.c:9\n'
		printf '12: (bf) r1 = r6                      ; frame1: R1_w=%s R6=%s\n' "$r" "$r"
		printf '13: (07) r6 += 1                      ; frame1: R6_w=%s\n' "$((r + 1))"
		printf '14: (a5) if r6 < 0x4 goto pc-3 12: frame1: R6_w=%s\n' "$((r + 1))"
		printf 'from 14 to 12: frame1: R1=%s R6=%s R10=fp0\n' "$r" "$((r + 1))"
	done > "$BATS_TEST_TMPDIR/frames.log"
	echo "15: (95) exit" >> "$BATS_TEST_TMPDIR/frames.log"
	run detail "$BATS_TEST_TMPDIR/frames.log" '.verifier_log[]'
	[ "$output" = "; for (i = 0; i < n; i++) { @ sub.bpf.c:9
12: (bf) r1 = r6                      ; frame1: R1_w=1 R6=1
13: (07) r6 += 1                      ; frame1: R6_w=2
14: (a5) if r6 < 0x4 goto pc-3 12: frame1: R6_w=2
from 14 to 12: frame1: R1=1 R6=2 R10=fp0
--- 2 identical iterations omitted ---
; for (i = 0; i < n; i++) { @ sub.bpf.c:9
12: (bf) r1 = r6                      ; frame1: R1_w=4 R6=4
13: (07) r6 += 1                      ; frame1: R6_w=5
14: (a5) if r6 < 0x4 goto pc-3 12: frame1: R6_w=5
from 14 to 12: frame1: R1=4 R6=5 R10=fp0
15: (95) exit" ]
}
