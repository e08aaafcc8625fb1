#!/usr/bin/env bats
# The scenario catalog (share/ktstr/catalog): every entry checked on the host against a few topologies.
load ../helpers

init() { "$KTSTR_BUILD_DIR/guest/ktstr-init" "$@"; }
catalog() { echo "$KTSTR_SHARE_DIR/catalog"; }


@test "the catalog has the 81 entries, each file named after its entry" {
	[ "$(ls "$(catalog)"/*.json | wc -l)" -eq 81 ]
	for f in "$(catalog)"/*.json; do
		[ "$(jq -r .name "$f")" = "$(basename "$f" .json)" ] || { echo "$f"; return 1; }
	done
}

@test "every entry plans (0) or skips with a reason (77) on 1n1l2c1t, 1n2l2c1t and 2n2l4c2t" {
	for topo in 1n1l2c1t 1n2l2c1t 2n2l4c2t; do
		for f in "$(catalog)"/*.json; do
			name=$(basename "$f" .json)
			run init --check-scenario "$f" --topo "$topo"
			[ "$status" -eq 0 ] || [ "$status" -eq 77 ] || { echo "$topo $name ($status): $output"; return 1; }
			[ "$(jq -r .result <<<"$output")" = "$([ "$status" -eq 0 ] && echo ok || echo skip)" ]
			[ "$status" -eq 0 ] || [ -n "$(jq -r '.reason // empty' <<<"$output")" ]
		done
	done
}

@test "the entries with the later work types: NiceSweep, AffinityChurn, PolicyChurn, MutexContention, CachePipe, FutexFanOut, FanOutCompute" {
	have=$(for f in "$(catalog)"/*.json; do
		jq -r --arg n "$(basename "$f" .json)" '[.. | objects | select(has("work")) | .work
			| if type == "object" then .type else . end]
			| select(any(. == "NiceSweep" or . == "AffinityChurn" or . == "PolicyChurn" or . == "MutexContention"
				or . == "CachePipe" or . == "FutexFanOut" or . == "FanOutCompute")) | $n' "$f"
	done | paste -sd' ')
	[ "$have" = "affinity_churn cache_pipe_io_compute_imbalance fan_out_compute fan_out_wake mutex_contention_heavy mutex_contention_light nice_sweep policy_churn" ]
}

@test "categories, descriptions and flags are well formed" {
	cats=" basic cpuset stress affinity sched_class dynamic nested stall advanced interaction performance "
	for f in "$(catalog)"/*.json; do
		c=$(jq -r .category "$f")
		[[ "$cats" == *" $c "* ]] || { echo "$f: category $c"; return 1; }
		jq -e '(.description | type == "string" and length > 0 and (contains("\n") | not))' "$f" >/dev/null
		jq -e '(.flags // {}) | keys - ["requires", "excludes"] | length == 0' "$f" >/dev/null
		jq -e '[(.flags.requires // [])[], (.flags.excludes // [])[]]
			| all(. as $x | ["llc", "borrow", "steal", "rebal", "reject-pin", "no-ctrl"] | index($x))' "$f" >/dev/null ||
			{ echo "$f: unknown flag"; return 1; }
		# steal is stealing across LLCs: it needs llc; nothing both required and excluded
		jq -e '(.flags.requires // []) as $r | (.flags.excludes // []) as $e
			| (($r | index("steal")) == null or ($r | index("llc")) != null)
			and ([$r[] | select(. as $x | $e | index($x))] | length == 0)' "$f" >/dev/null ||
			{ echo "$f: contradictory flags"; return 1; }
	done
}

@test "every category has entries; counts per category" {
	counts=$(jq -rs 'group_by(.category) | map("\(.[0].category)=\(length)") | join(" ")' "$(catalog)"/*.json)
	[ "$counts" = "advanced=20 affinity=6 basic=3 cpuset=6 dynamic=3 interaction=9 nested=4 performance=5 sched_class=6 stall=2 stress=17" ]
}

@test "flags as the catalog declares them" {
	flags=$(jq -rs 'map(select(.flags)) | map("\(.name):\((.flags.requires // []) | join("+"))/\((.flags.excludes // []) | join("+"))")
		| join(" ")' "$(catalog)"/*.json)
	echo "$flags"
	[[ "$flags" == *"cgroup_llc_overflow:llc+steal/ "* ]]
	[[ "$flags" == *"cgroup_affinity_change:/reject-pin "* ]]
	[[ "$flags" == *"cgroup_no_ctrl_imbalance:no-ctrl+borrow/ "* ]]
	[ "$(jq -s 'map(select(.flags)) | length' "$(catalog)"/*.json)" -eq 35 ]
}

@test "the canned scenarios are category canned and still plan" {
	for f in "$KTSTR_SHARE_DIR"/scenarios/*.json; do
		[ "$(jq -r .category "$f")" = canned ]
		run init --check-scenario "$f" --topo 2n2l4c2t
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
	done
}
