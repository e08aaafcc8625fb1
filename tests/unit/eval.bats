#!/usr/bin/env bats
# ktstr-eval: verdicts from record streams, exact details.
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures/eval"

verdict() { ktstr-eval "$@" | jq -c 'select(.type == "verdict")'; }

@test "eval: records pass through unchanged, verdict appended" {
	run ktstr-eval < "$F/starved.ndjson"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | head -n 7)" = "$(jq -c . "$F/starved.ndjson")" ]
	[ "$(printf '%s\n' "$output" | sed -n 8p | jq -r .type)" = verdict ]
}

@test "eval: starved worker fails naming its tid" {
	run sh -c "ktstr-eval < '$F/starved.ndjson' | jq -r 'select(.type==\"verdict\") | .result, (.details[] | select(.kind==\"Starved\") | .message)'"
	[ "${lines[0]}" = fail ]
	[ "${lines[1]}" = "cg_0: tid 12 starved (0 work units in 2.0 s)" ]
}

@test "eval: gap over the TCG limit fails Stuck with where and how much" {
	run sh -c "ktstr-eval < '$F/starved.ndjson' | jq -r 'select(.type==\"verdict\") | .details[] | select(.kind==\"Stuck\") | .message'"
	[ "$output" = "cg_0: tid 12 stuck 4500 ms on cpu 1 at +300 ms (limit 4000 ms)" ]
}

@test "eval: isolation is off by default and on with --check isolation=true" {
	run sh -c "ktstr-eval < '$F/starved.ndjson' | jq -r 'select(.type==\"verdict\") | [.details[].kind] | join(\",\")'"
	[ "$output" = "Starved,Stuck,Unfair" ]
	run sh -c "ktstr-eval --check isolation=true < '$F/starved.ndjson' | jq -r 'select(.type==\"verdict\") | .details[] | select(.kind==\"Isolation\") | .message'"
	[ "$output" = "cg_0: tid 12 ran on CPUs 2 outside its cpuset 0-1" ]
}

@test "eval: --check overrides a threshold" {
	run sh -c "ktstr-eval --check max_gap_ms=5000 < '$F/starved.ndjson' | jq -r 'select(.type==\"verdict\") | [.details[].kind] | join(\",\")'"
	[ "$output" = "Starved,Unfair" ]
}

@test "eval: no vm exit record ends inconclusive" {
	run sh -c "head -n 6 '$F/starved.ndjson' | ktstr-eval"
	[ "$status" -eq 3 ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | jq -r '.result + ": " + .reason')" = "inconclusive: the stream ended without the VM's exit record" ]
}

@test "eval: skip from the guest becomes a skip verdict" {
	run sh -c "printf '%s\n' '{\"type\":\"job\",\"id\":\"a\",\"test\":\"steady_llc\"}' \
		'{\"type\":\"scenario_end\",\"job\":\"a\",\"result\":\"skip\",\"reason\":\"needs >= 2 LLCs, topology has 1\"}' \
		'{\"type\":\"vm\",\"job\":\"a\",\"phase\":\"exited\",\"reason\":\"poweroff\"}' | ktstr-eval | tail -n 1 | jq -r '.result + \": \" + .reason'"
	[ "$output" = "skip: needs >= 2 LLCs, topology has 1" ]
}

@test "eval: a panic during the scenario fails with the console lines" {
	run sh -c "printf '%s\n' '{\"type\":\"job\",\"id\":\"a\",\"test\":\"steady\"}' \
		'{\"type\":\"step\",\"job\":\"a\",\"index\":0}' \
		'{\"type\":\"console\",\"job\":\"a\",\"line\":\"Kernel panic - not syncing: sysrq triggered crash\"}' \
		'{\"type\":\"vm\",\"job\":\"a\",\"phase\":\"exited\",\"reason\":\"panic\"}' | ktstr-eval | tail -n 1 | jq -r '.result, (.details[] | .kind + \": \" + .message)'"
	[ "${lines[0]}" = fail ]
	[ "${lines[1]}" = "KernelPanic: the guest kernel panicked during the scenario" ]
	[ "${lines[2]}" = "Console: Kernel panic - not syncing: sysrq triggered crash" ]
}

@test "eval: a VM that dies before the scenario is inconclusive" {
	run sh -c "printf '%s\n' '{\"type\":\"job\",\"id\":\"a\",\"test\":\"steady\"}' \
		'{\"type\":\"vm\",\"job\":\"a\",\"phase\":\"exited\",\"reason\":\"timeout\"}' | ktstr-eval"
	[ "$status" -eq 3 ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | jq -r .reason)" = "VM ended (timeout) before the scenario started" ]
}

@test "eval: garbage input exits 2 naming line and column" {
	run sh -c "printf '%s\n' '{\"type\":\"job\",\"id\":\"a\"}' '{\"type\": tru' | ktstr-eval"
	[ "$status" -eq 2 ]
	[ "${lines[1]}" = "ktstr-eval: stdin:2:12: invalid token near 'tru'" ]
}

@test "eval: bad --check exits 2" {
	run ktstr-eval --check max_gap_ms=lots < /dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-eval: --check max_gap_ms=lots: value must be a number or true/false" ]
}
