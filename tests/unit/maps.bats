#!/usr/bin/env bats
# The scheduler's BPF maps without a VM: values decoded with the BTF blob scx-ktstr's loader gave a
# 7.2 guest kernel (recorded from guest memory with the values of its .bss, .rodata and per-CPU
# stats maps at the end of a steady run on 4 CPUs), fields found by path for writes, bad
# map_writes and --map-write syntax, and the stored run's map records in `ktstr runs show`.
# Reading and writing a live guest's maps is in tests/vm/maps.bats.
load ../helpers

bats_require_minimum_version 1.5.0

F="$BATS_TEST_DIRNAME/../fixtures/maps"
BSS=704	# the DATASEC types of the recorded blob
RODATA=702
STATS=12	# struct ktstr_stats

@test "maps: per-CPU counters decode by name, summed over CPUs" {
	run mapval_check decode "$F/scx_ktstr.btf" $STATS "$F/stats-4cpus.bin" 4
	[ "$status" -eq 0 ]
	[ "$output" = '{"enqueues":344,"dispatches":295,"idle_hits":48,"steals":39,"kicks":10,"degraded":0,"scattered":0,"slow_spins":0,"stalled_enqueues":0,"balanced":0,"penalised":0}' ]
	# one CPU's share alone
	head -c 88 "$F/stats-4cpus.bin" > "$BATS_TEST_TMPDIR/cpu0"
	run mapval_check decode "$F/scx_ktstr.btf" $STATS "$BATS_TEST_TMPDIR/cpu0"
	[ "$(printf '%s' "$output" | jq .enqueues)" -lt 344 ]
}

@test "maps: .bss globals by name: structs, char arrays as strings, long arrays cut at 64" {
	run mapval_check decode "$F/scx_ktstr.btf" $BSS "$F/bss.bin"
	[ "$status" -eq 0 ]
	[ "$output" = '{"state":{"stall":0,"crash":0,"error_fired":0,"stalling":0,"start_ns":9091628341,"vtime_now":987465470,"degrade_vtime_now":0,"degrade_turn":0,"degrade_seen":0,"penalty_served_ns":0,"starved_pid":0,"starved_cpu":0,"pad2":0,"starved_comm":"","starved_at_ns":0,"steal_turn":[147,128,129,116,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"+960 more"],"uei":{"exit_code":0,"reason":"unregistered from user space","msg":"","kind":64,"pad":0}}}' ]
	run mapval_check decode "$F/scx_ktstr.btf" $RODATA "$F/rodata.bin"
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '.cfg | [.nr_cpus, .nr_llcs, .slice_ns, .degrade_name, .llc_of_cpu[:5]]')" = '[4,2,20000000,"cg_1",[0,0,1,1,0]]' ]
	# a value shorter than its type does not decode
	head -c 100 "$F/bss.bin" > "$BATS_TEST_TMPDIR/short"
	run mapval_check decode "$F/scx_ktstr.btf" $BSS "$BATS_TEST_TMPDIR/short"
	[ "$output" = '{}' ]
}

@test "maps: fields for writes by their path: offset, size, sign; what cannot be written says why" {
	check() {
		run mapval_check field "$F/scx_ktstr.btf" $BSS "$1"
		[ "$output" = "$2" ]
	}
	check state.stall "0 4 unsigned"
	check state.crash "4 4 unsigned"
	check state.steal_turn[3] "107 1 unsigned"
	check state.uei.kind "2288 4 signed"
	check state.uei "not an integer of 1, 2, 4 or 8 bytes"
	check state.nope "no field 'nope'"
	check nope "no field 'nope'"
	check state.steal_turn[1024] "index 1024 past the array's 1024 elements"
	check state.stall.x "'x': not in a struct"
	[ "$status" -eq 1 ]
}

@test "probe: a malformed map_writes entry exits 2 with one line naming it" {
	bad() {
		run --separate-stderr ktstr-probe <<< "{\"type\":\"job\",\"id\":\"j1\",\"map_writes\":$1}"
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		[ "$stderr" = "ktstr-probe: job j1: $2" ]
	}
	bad '{}' 'map_writes must be an array'
	bad '[{"map":"bss","field":"state.stall","value":1,"at_ms":5},{"field":"x","value":1,"at_ms":1}]' \
		'map_writes[1]: needs "map" (a map name or its suffix, e.g. "bss")'
	bad '[{"map":"bss","field":"a","value":"1","at_ms":1}]' 'map_writes[0]: "value" must be an integer'
	bad '[{"map":"bss","field":"a","offset":0,"size":4,"value":1,"at_ms":1}]' \
		'map_writes[0]: needs "field" or "offset" with "size", not both'
	bad '[{"map":"bss","offset":0,"size":3,"value":1,"at_ms":1}]' \
		'map_writes[0]: "offset" must be a byte offset and "size" 1, 2, 4 or 8'
	bad '[{"map":"bss","field":"a","value":1}]' 'map_writes[0]: needs "at_ms" or "at_step", not both'
	bad '[{"map":"bss","field":"a","value":1,"at_ms":-1}]' \
		'map_writes[0]: "at_ms" must be milliseconds after the first step (0 to 86400000)'
	bad '[{"map":"bss","field":"a","value":1,"at_step":0,"key":-1}]' 'map_writes[0]: "key" must be an array index'
	# well formed: copied through
	run ktstr-probe <<< '{"type":"job","id":"j1","map_writes":[{"map":"bss","offset":8,"size":8,"value":-1,"at_step":2}]}'
	[ "$status" -eq 0 ]
}

@test "ktstr run --map-write: into the job's map_writes; bad syntax exits 2 with one line" {
	mkdir -p "$BATS_TEST_TMPDIR/k" && touch "$BATS_TEST_TMPDIR/k/vmlinuz"
	run ktstr run steady --kernel "$BATS_TEST_TMPDIR/k" --job-only --map-write bss:state.stall=1@1000ms \
		--map-write 'stats:8/4=-3@2s' --map-write 'ktstr.bss:state.steal_turn[2]=7@step1'
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c .map_writes)" = '[{"map":"bss","value":1,"field":"state.stall","at_ms":1000},{"map":"stats","value":-3,"offset":8,"size":4,"at_ms":2000},{"map":"ktstr.bss","value":7,"field":"state.steal_turn[2]","at_step":1}]' ]
	run ktstr run steady --kernel "$BATS_TEST_TMPDIR/k" --job-only
	[ "$(printf '%s' "$output" | jq -c 'has("map_writes")')" = false ]
	for spec in bss:state.stall=1 bss:state.stall=1@1000 state.stall=1@1s 'bss:state.stall=x@1s' 'bss:1/3=1@1s'; do
		run ktstr run steady --kernel "$BATS_TEST_TMPDIR/k" --job-only --map-write "$spec"
		[ "$status" -eq 2 ]
		[ "$output" = "ktstr: --map-write $spec: expected MAP:FIELD=VALUE@TIME (TIME 1000ms, 2s or step1), e.g. bss:state.stall=1@1000ms" ]
	done
}

@test "sidecar: a run keeps its map records; show prints the scheduler's non-zero globals and the writes" {
	export KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	{
		echo '{"type":"job","id":"j1","test":"steady","topo":{"name":"1n2l2c1t"},"scheduler":{"name":"scx-ktstr"},"kernel":{"id":"7.2.0"}}'
		cat "$F/records.ndjson"
		echo '{"type":"verdict","job":"j1","test":"steady","topo":"1n2l2c1t","scheduler":"scx-ktstr","result":"pass","details":[],"accel":"tcg"}'
	} | ktstr-sidecar write --run-id r1 > /dev/null
	[ "$(jq -c '.maps | [keys, .end.detached, (.end.maps | length), .writes[0].new]' "$KTSTR_RUNS_DIR/r1/j1.json")" = '[["end","writes"],true,7,1]' ]
	run ktstr-sidecar show r1
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | sed -n '/^  globals/,/^  map write/p' > "$BATS_TEST_TMPDIR/shown"
	[ "$(cat "$BATS_TEST_TMPDIR/shown")" = '  globals    ktstr at the end, read as it detached (non-zero values)
    scx_ktst.rodata: cfg.nr_cpus=4 cfg.nr_llcs=2 cfg.slice_ns=20000000 cfg.degrade_cpu=3 cfg.degrade_name="cg_1"
    scx_ktst.bss: state.start_ns=9091628341 state.vtime_now=987465470 state.uei.reason="unregistered from user space" state.uei.kind=64
    stats: enqueues=344 dispatches=295 idle_hits=48 steals=39 kicks=10
    degrade_rank: (task_storage, not read)
    scx_ktst.data: raise_injected_errors.___fmt="ktstr: host-triggered crash" raise_injected_errors.___fmt.1="ktstr: injected error after %llu ms"
    overcharge_rank: (task_storage, not read)
    overcharge_seen: 0 entries
  map write  scx_ktst.bss state.stall 0 -> 1 at 1021 ms' ]
}

@test "the map and map_write schemas describe what the probe writes" {
	while read -r rec; do
		s="$KTSTR_SHARE_DIR/schema/$(printf '%s' "$rec" | jq -r .type).json"
		for k in $(jq -r '.required[]' "$s"); do printf '%s' "$rec" | jq -e --arg k "$k" 'has($k)' > /dev/null; done
		printf '%s' "$rec" | jq -e --slurpfile s "$s" '[keys[] | in($s[0].properties)] | all' > /dev/null
		printf '%s' "$rec" | jq -e --slurpfile s "$s" \
			'.type != "map" or ([.maps[] | keys[] | in($s[0].properties.maps.items.properties)] | all)' > /dev/null
	done < "$F/records.ndjson"
}
