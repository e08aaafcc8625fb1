#!/usr/bin/env bats
# The scheduler's BPF maps read and written from the host (ktstr-probe): the end-of-run globals
# of scx-ktstr against what its own loader prints, and its .bss knobs set from the host.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	require_kernel
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
}

stream() { cat "$KTSTR_RUNS_DIR"/*/stream.ndjson; }

@test "maps: scx-ktstr's end-of-run globals name its counters with the values its own stats line prints" {
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t
	[ "$status" -eq 0 ]
	stream > "$BATS_TEST_TMPDIR/s"
	S="$BATS_TEST_TMPDIR/s"
	# one end record, read as the scheduler detached (its loader still held the maps)
	jq -c 'select(.type == "map") | del(.maps)' "$S"
	[ "$(jq -s -c '[.[] | select(.type == "map")] | map([.when, .scheduler, .detached])' "$S")" = '[["end","ktstr",true]]' ]
	# the loader prints its counters after detaching: the same numbers, by the same names
	line=$(jq -r 'select(.type == "sched" and .event == "detached") | .log_tail[]' "$S" |
		jq -R -c 'fromjson? | select(.event == "stats") | del(.type, .event, .t_ms)' | tail -n 1)
	echo "loader: $line"
	mine=$(jq -c 'select(.type == "map") | .maps[] | select(.name == "stats") | .value' "$S")
	echo "probe:  $mine"
	[ -n "$line" ]
	[ "$mine" = "$line" ]
	[ "$(printf '%s' "$mine" | jq '.enqueues > 0 and .dispatches > 0')" = true ]
	# and each CPU's share, which add up to it
	jq -e -s '[.[] | select(.type == "map")][0].maps[] | select(.name == "stats") |
		(.per_cpu | length) == 4 and ([.per_cpu[].enqueues] | add) == .value.enqueues' "$S"
	# its globals by name: the configuration the loader wrote, and the exit it recorded
	jq -e -s '[.[] | select(.type == "map")][0].maps | (map(select(.name | endswith(".rodata")))[0].value.cfg |
		.nr_cpus == 4 and .nr_llcs == 2 and .degrade_name == "cg_1") and
		(map(select(.name | endswith(".bss")))[0].value.state.uei.reason == "unregistered from user space")' "$S"
	# the stored run keeps it; show prints the counters
	ktstr runs show latest | grep -E '^    stats: enqueues=[0-9]+ dispatches=[0-9]+'
	# the map record comes just before the monitor record
	[ "$(jq -r '.type' "$S" | grep -A1 '^map$' | tail -n 1)" = monitor ]
}

@test "maps: scx-ktstr's .bss stall knob set from the host 1000 ms into the scenario stalls it: Starved" {
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t --duration 8 --map-write bss:state.stall=1@1000ms
	echo "$output" | head -n 3
	[ "$status" -eq 1 ]
	S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	w=$(jq -c 'select(.type == "map_write")' "$S")
	echo "$w"
	# written once, about 1000 ms after the first step (checked at each 100 ms sample, on a busy host)
	[ "$(printf '%s' "$w" | jq -c '[.map, .field, .offset, .size, .old, .new, (.scenario_ms >= 1000 and .scenario_ms < 1500)]')" = \
		'["scx_ktst.bss","state.stall",0,4,0,1,true]' ]
	# the scheduler saw it: it parked user tasks until it was ejected
	jq -e -s '[.[] | select(.type == "map" and .when == "end")][0].maps[] | select(.name | endswith(".bss")) |
		.value.state | .stall == 1 and .stalling == 1' "$S"
	jq -e -s '[.[] | select(.type == "map" and .when == "end")][0].maps[] | select(.name == "stats") |
		.value.stalled_enqueues > 0' "$S"
	# and the host caught the parked tasks: Starved, before the kernel's watchdog had its say
	jq -e -s '[.[] | select(.type == "verdict")][0] | .result == "fail" and
		([.details[] | select(.kind == "Starved")] | length) >= 1' "$S"
}

@test "maps: the .bss crash knob set from the host at step 0 ends scx-ktstr with its error; a failure record" {
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t --map-write bss:state.crash=1@step0
	[ "$status" -eq 1 ]
	S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	[ "$(jq -c 'select(.type == "map_write") | [.at_step, .old, .new]' "$S")" = '[0,0,1]' ]
	jq -r 'select(.type == "verdict") | .details[].message' "$S" | grep -q 'scx_bpf_error: ktstr: host-triggered crash'
	# the maps at the failure (sched_ext's exit kind read as an error, or the guest's kernel_exit):
	# the knob and the scheduler's note that it raised the error
	jq -c 'select(.type == "map") | [.when, .detached, .exit_kind]' "$S"
	jq -e -s '[.[] | select(.type == "map" and .when == "failure")] | length == 1 and
		(.[0].exit_kind | IN(1025, "ERROR_BPF")) and
		(.[0].maps[] | select(.name | endswith(".bss")) | .value.state | .crash == 1 and .error_fired == 1)' "$S"
	# at the end, read as it detached: the exit its ops.exit recorded
	jq -e -s '[.[] | select(.type == "map" and .when == "end")][0] | .detached and
		(.maps[] | select(.name | endswith(".bss")) | .value.state.uei |
		 .msg == "ktstr: host-triggered crash" and .kind == 1025)' "$S"
}

@test "maps: a hash map's entries by key; raw and refused writes are reported as such" {
	# --overcharge counts each cgroup's tasks in the hash overcharge_seen (key: cgroup id)
	run ktstr run steady --scheduler scx-ktstr --topo 1n2l2c1t --sched-args "--overcharge 3" \
		--map-write 'bss:12/4=0@step0' --map-write 'stats:enqueues=1@step0' \
		--map-write 'nosuch:x=1@step0' --map-write 'bss:state.stall=1@step5'
	[ "$status" -eq 0 ]
	S=$(ls "$KTSTR_RUNS_DIR"/*/stream.ndjson)
	jq -c 'select(.type == "map") | .maps[] | select(.type == "hash")' "$S"
	jq -e -s '[.[] | select(.type == "map")][0].maps[] | select(.name == "overcharge_seen") |
		(.entries | length) >= 2 and all(.entries[]; (.key | type) == "number" and .value >= 1)' "$S"
	jq -c 'select(.type == "map_write") | [.map, .offset, .size, .old, .new, .error]' "$S"
	[ "$(jq -c 'select(.type == "map_write") | [.map, .offset, .size, .old, .new, .error]' "$S")" = \
		'["scx_ktst.bss",12,4,0,0,null]
["stats",null,null,null,null,"map stats is a percpu_array map: writes go to array maps"]
["nosuch",null,null,null,null,"the scheduler has no map named nosuch"]
["bss",null,null,null,null,"never applied: the run had no such step"]' ]
}
