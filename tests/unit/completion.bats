#!/usr/bin/env bats
# The bash completion (share/ktstr/completion/ktstr.bash): commands, scenarios, schedulers,
# presets and run ids, each from the tools themselves.
load ../helpers

# comp WORD...: what completing the last word offers, sorted, on one line.
comp() {
	bash -c '. "$KTSTR_ROOT/share/ktstr/completion/ktstr.bash"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ktstr
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' comp "$@"
}

@test "completion: commands, scenarios, options, schedulers, presets, run ids" {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs" KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
	[ "$(comp ktstr r)" = "run runs " ]
	[ "$(comp ktstr run stea)" = "steady steady_llc " ]
	[ "$(comp ktstr run steady --sch)" = "--sched-args --scheduler " ]
	[ "$(comp ktstr run steady --scheduler '')" = "eevdf scx-ktstr " ]
	[ "$(comp ktstr gauntlet --presets tiny)" = "tiny-1llc tiny-2llc " ]
	[ "$(comp ktstr runs sh)" = "show " ]
	ktstr-sidecar write --run-id r1 < "$KTSTR_ROOT/tests/fixtures/sidecar/pass.ndjson" > /dev/null
	[ "$(comp ktstr runs show '')" = "latest r1 " ]
	[ "$(comp ktstr kernel l)" = "list " ]
}

@test "completion: every option of run and gauntlet that --help lists" {
	for c in run gauntlet; do
		want=$(ktstr "$c" --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u | tr '\n' ' ')
		[ -n "$want" ]
		# shellcheck disable=SC2086
		got=$(for o in $want; do comp ktstr "$c" "$o"; done | tr ' ' '\n' | grep -xF -f <(printf '%s\n' $want) | sort -u | tr '\n' ' ')
		echo "$c: want $want; got $got"
		[ "$got" = "$want" ]
	done
}
