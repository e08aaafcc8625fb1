#!/usr/bin/env bats
# ktstr-topo: topology parsing, topo records, QEMU arguments, presets, host fit.
load ../helpers

# "ktstr-topo ARGS" must exit 2 with exactly MSG on stderr and nothing on stdout.
topo_rejects() {
	local msg=$1; shift
	run --separate-stderr ktstr-topo "$@"
	[ "$status" -eq 2 ] || { echo "status $status for: $*"; return 1; }
	[ "$output" = "" ] || { echo "stdout: $output"; return 1; }
	[ "$stderr" = "$msg" ] || { echo "stderr: $stderr"; echo "wanted: $msg"; return 1; }
}

bats_require_minimum_version 1.5.0

@test "2n4l4c2t axes and CPU count" {
	run ktstr-topo 2n4l4c2t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.cpus, .numa_nodes, .llcs, .cores_per_llc, .threads_per_core]')" = "[32,2,4,4,2]" ]
}

@test "full topo record for 1n1l2c2t" {
	run ktstr-topo 1n1l2c2t
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"topo","name":"1n1l2c2t","numa_nodes":1,"llcs":1,"cores_per_llc":2,"threads_per_core":2,"cpus":4,"memory_mb":512,"nodes":[{"id":0,"cpus":"0-3","memory_mb":512,"llcs":[0]}],"llc_list":[{"id":0,"cpus":"0-3","node":0}],"cpu_list":[{"cpu":0,"llc":0,"node":0,"core":0,"thread":0,"siblings":"0-1"},{"cpu":1,"llc":0,"node":0,"core":0,"thread":1,"siblings":"0-1"},{"cpu":2,"llc":0,"node":0,"core":1,"thread":0,"siblings":"2-3"},{"cpu":3,"llc":0,"node":0,"core":1,"thread":1,"siblings":"2-3"}],"distances":[[10]]}' ]
}

@test "2n4l2c2t nodes, LLCs and distances" {
	run ktstr-topo 2n4l2c2t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.nodes')" = '[{"id":0,"cpus":"0-7","memory_mb":512,"llcs":[0,1]},{"id":1,"cpus":"8-15","memory_mb":512,"llcs":[2,3]}]' ]
	[ "$(echo "$output" | jq -c '.llc_list')" = '[{"id":0,"cpus":"0-3","node":0},{"id":1,"cpus":"4-7","node":0},{"id":2,"cpus":"8-11","node":1},{"id":3,"cpus":"12-15","node":1}]' ]
	[ "$(echo "$output" | jq -c '.distances')" = '[[10,20],[20,10]]' ]
	[ "$(echo "$output" | jq -c '.cpu_list[13]')" = '{"cpu":13,"llc":3,"node":1,"core":6,"thread":1,"siblings":"12-13"}' ]
}

@test "4 nodes: distance matrix" {
	run ktstr-topo 4n4l1c1t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.distances')" = '[[10,20,20,20],[20,10,20,20],[20,20,10,20],[20,20,20,10]]' ]
}

@test "N,L,C,T form equals NnNlNcNt" {
	run ktstr-topo 2,4,4,2
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-topo 2n4l4c2t)" ]
}

@test "one record per argument" {
	run ktstr-topo 1n1l1c1t 1,2,3,1 4n8l4c1t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name | tr '\n' ' ')" = "1n1l1c1t 1n2l3c1t 4n8l4c1t " ]
}

@test "default memory: max(cpus*64, 512) rounded to split over nodes in 2 MB" {
	run ktstr-topo 1n1l1c1t 1n4l4c2t 4n4l1c1t 3n3l9c2t 1n64l64c1t
	[ "$status" -eq 0 ]
	# 512 floor; 32*64=2048; 512 over 4 nodes; 54*64=3456 -> 3456 (multiple of 6); 4096*64
	[ "$(echo "$output" | jq -c .memory_mb | tr '\n' ' ')" = "512 2048 512 3456 262144 " ]
	run ktstr-topo 3n3l1c1t 3n3l7c2t
	# 512 -> 516 (multiple of 6); 42*64=2688 (multiple of 6)
	[ "$(echo "$output" | jq -c '[.memory_mb, .nodes[0].memory_mb]' | tr '\n' ' ')" = "[516,172] [2688,896] " ]
}

@test "--memory overrides and must split over nodes" {
	run ktstr-topo --memory 1000 2n2l1c1t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.memory_mb, .nodes[].memory_mb]')" = "[1000,500,500]" ]
	topo_rejects "ktstr-topo: --memory 1001: 2n2l1c1t: 1001 MB does not split over 2 NUMA nodes in 2 MB units (use a multiple of 4)" --memory 1001 2n2l1c1t
	topo_rejects "ktstr-topo: --memory 0: must be at least 1" --memory 0 1n1l1c1t
	topo_rejects "ktstr-topo: --memory 'abc': expected a positive integer" --memory abc 1n1l1c1t
	topo_rejects "ktstr-topo: --memory 20000000: 1n1l1c1t: 20000000 MB is more than the 16777216 MB supported" --memory 20000000 1n1l1c1t
}

@test "LLCs that do not split evenly over nodes" {
	topo_rejects "ktstr-topo: 2n3l1c1t: 3 LLCs cannot be split evenly over 2 NUMA nodes" 2n3l1c1t
	topo_rejects "ktstr-topo: 4n2l1c1t: 2 LLCs cannot be split evenly over 4 NUMA nodes" 4n2l1c1t
	topo_rejects "ktstr-topo: 2,3,1,1: 3 LLCs cannot be split evenly over 2 NUMA nodes" 2,3,1,1
}

@test "letter form: missing numbers and axes" {
	topo_rejects "ktstr-topo: '': column 1: missing axis 'n' (NUMA nodes)" ""
	topo_rejects "ktstr-topo: 2nxl: column 3: expected a number after 'n'" 2nxl
	topo_rejects "ktstr-topo: 1n1l1cXt: column 7: expected a number after 'c'" 1n1l1cXt
	topo_rejects "ktstr-topo: 2n: column 3: missing axis 'l' (LLCs)" 2n
	topo_rejects "ktstr-topo: 1n1l1c: column 7: missing axis 't' (threads per core)" 1n1l1c
	topo_rejects "ktstr-topo: 2: column 2: expected 'n' (NUMA nodes) after the number" 2
	topo_rejects "ktstr-topo: 1n1l1c1: column 8: expected 't' (threads per core) after the number" 1n1l1c1
	topo_rejects "ktstr-topo: N1l: column 1: expected a number (NUMA nodes), found 'N'; not a preset either (see ktstr topo --presets)" N1l
	topo_rejects "ktstr-topo:  1n1l1c1t: column 1: expected a number (NUMA nodes), found ' '" " 1n1l1c1t"
}

@test "letter form: wrong letters, order, trailing characters" {
	topo_rejects "ktstr-topo: 1n1l1c1T: column 8: expected 't' (threads per core) after the number, found 'T'" 1n1l1c1T
	topo_rejects "ktstr-topo: 4l: column 2: found 'l' where 'n' (NUMA nodes) belongs; axes go in order n, l, c, t" 4l
	topo_rejects "ktstr-topo: 1n2c: column 4: found 'c' where 'l' (LLCs) belongs; axes go in order n, l, c, t" 1n2c
	topo_rejects "ktstr-topo: 1n1l1c1tx: column 9: unexpected 'x' after the last axis" 1n1l1c1tx
	topo_rejects "ktstr-topo: 1n1l1c1t1n: column 9: unexpected '1' after the last axis" 1n1l1c1t1n
}

@test "legacy socket forms are rejected" {
	topo_rejects "ktstr-topo: 1s2c1t: column 2: 's' (sockets) is the legacy NsNcNt/NsNlNcNt form; use NnNlNcNt, e.g. 1n2l4c2t" 1s2c1t
	topo_rejects "ktstr-topo: 2s2l2c1t: column 2: 's' (sockets) is the legacy NsNcNt/NsNlNcNt form; use NnNlNcNt, e.g. 1n2l4c2t" 2s2l2c1t
}

@test "zero axes" {
	topo_rejects "ktstr-topo: 0n1l1c1t: column 1: NUMA nodes must be at least 1" 0n1l1c1t
	topo_rejects "ktstr-topo: 1n0l1c1t: column 3: LLCs must be at least 1" 1n0l1c1t
	topo_rejects "ktstr-topo: 1n1l00c1t: column 5: cores per LLC must be at least 1" 1n1l00c1t
	topo_rejects "ktstr-topo: 1n1l1c0t: column 7: threads per core must be at least 1" 1n1l1c0t
	topo_rejects "ktstr-topo: 1,0,1,1: column 3: LLCs must be at least 1" 1,0,1,1
}

@test "overflow and the 4096 CPU limit" {
	topo_rejects "ktstr-topo: 99999999999n1l1c1t: column 1: number too large (NUMA nodes)" 99999999999n1l1c1t
	topo_rejects "ktstr-topo: 1n1l4294967296c1t: column 5: number too large (cores per LLC)" 1n1l4294967296c1t
	topo_rejects "ktstr-topo: 1n4294967295l4294967295c4294967295t: the CPU count 4294967295*4294967295*4294967295 overflows" 1n4294967295l4294967295c4294967295t
	topo_rejects "ktstr-topo: 1n64l64c2t: 8192 CPUs is more than the 4096 supported" 1n64l64c2t
	run ktstr-topo 1n64l64c1t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq .cpus)" = 4096 ]
}

@test "N,L,C,T form errors" {
	topo_rejects "ktstr-topo: 1,2,3: column 6: missing value 4 (threads per core) of N,L,C,T" 1,2,3
	topo_rejects "ktstr-topo: 1,1,1,: column 7: missing value 4 (threads per core) of N,L,C,T" 1,1,1,
	topo_rejects "ktstr-topo: 1,2,3,4,5: column 8: unexpected ',' after the last value" 1,2,3,4,5
	topo_rejects "ktstr-topo: 1,,1,1: column 3: expected a number (LLCs), found ','" 1,,1,1
	topo_rejects "ktstr-topo: a,b: column 1: expected a number (NUMA nodes), found 'a'; not a preset either (see ktstr topo --presets)" a,b
	topo_rejects "ktstr-topo: 1,1x,1,1: column 4: expected ',' after the number, found 'x'" 1,1x,1,1
	topo_rejects "ktstr-topo: 1,1,1,1 : column 8: unexpected ' ' after the last value" "1,1,1,1 "
}

@test "a bad topology anywhere means no output at all" {
	topo_rejects "ktstr-topo: 2n3l1c1t: 3 LLCs cannot be split evenly over 2 NUMA nodes" 1n1l1c1t 2n3l1c1t
}

@test "--qemu for 1n3l2c1t" {
	run ktstr-topo --qemu 1n3l2c1t
	[ "$status" -eq 0 ]
	[ "$output" = "-smp 6,sockets=3,cores=2,threads=1 -m 512 -object memory-backend-file,id=m0,size=512M,mem-path=/dev/shm,share=on -numa node,nodeid=0,memdev=m0 -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=0,socket-id=1 -numa cpu,node-id=0,socket-id=2" ]
}

@test "--qemu for 2n4l2c1t" {
	run ktstr-topo 2n4l2c1t --qemu
	[ "$status" -eq 0 ]
	[ "$output" = "-smp 8,sockets=4,cores=2,threads=1 -m 512 -object memory-backend-file,id=m0,size=256M,mem-path=/dev/shm,share=on -numa node,nodeid=0,memdev=m0 -object memory-backend-file,id=m1,size=256M,mem-path=/dev/shm,share=on -numa node,nodeid=1,memdev=m1 -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=0,socket-id=1 -numa cpu,node-id=1,socket-id=2 -numa cpu,node-id=1,socket-id=3 -numa dist,src=0,dst=1,val=20 -numa dist,src=1,dst=0,val=20" ]
}

@test "--qemu: one line per topology, honours --memory" {
	run ktstr-topo --qemu --memory 1024 1n1l1c1t 1n1l1c2t
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "-smp 2,sockets=1,cores=1,threads=2 -m 1024 -object memory-backend-file,id=m0,size=1024M,mem-path=/dev/shm,share=on -numa node,nodeid=0,memdev=m0 -numa cpu,node-id=0,socket-id=0" ]
}

@test "presets: 24, in upstream's order, with their memory" {
	run ktstr-topo --presets
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 24 ]
	[ "$(echo "$output" | jq -r '"\(.preset)=\(.name)/\(.memory_mb)"' | tr '\n' ' ')" = "tiny-1llc=1n1l4c1t/2048 tiny-2llc=1n2l2c1t/2048 odd-3llc=1n3l3c1t/2048 odd-5llc=1n5l3c1t/2048 odd-7llc=1n7l2c1t/2048 smt-2llc=1n2l2c2t/2048 smt-3llc=1n3l2c2t/2048 medium-4llc=1n4l4c2t/2048 medium-8llc=1n8l4c2t/2048 large-4llc=1n4l16c2t/2048 large-8llc=1n8l8c2t/2048 near-max-llc=1n15l8c2t/2048 max-cpu=1n14l9c2t/4096 medium-4llc-nosmt=1n4l8c1t/2048 medium-8llc-nosmt=1n8l8c1t/2048 large-4llc-nosmt=1n4l32c1t/2048 large-8llc-nosmt=1n8l16c1t/2048 near-max-llc-nosmt=1n15l16c1t/2048 max-cpu-nosmt=1n14l18c1t/4096 numa2-4llc=2n4l4c1t/2048 numa2-8llc=2n8l8c2t/2048 numa2-8llc-nosmt=2n8l16c1t/2048 numa4-8llc=4n8l4c1t/2048 numa4-12llc=4n12l8c2t/4096 " ]
	[ "$(echo "$output" | jq -c 'select(.preset=="max-cpu") | [.cpus, .llcs, .numa_nodes]')" = "[252,14,1]" ]
}

@test "presets: constraint filters" {
	run ktstr-topo --presets --min-numa 2
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "numa2-4llc numa2-8llc numa2-8llc-nosmt numa4-8llc numa4-12llc " ]
	run ktstr-topo --presets --max-cpus 8
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "tiny-1llc tiny-2llc smt-2llc " ]
	run ktstr-topo --presets --min-cpus 200 --max-llcs 14
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "max-cpu max-cpu-nosmt " ]
	run ktstr-topo --presets --smt --min-llcs 8 --max-numa 1
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "medium-8llc large-8llc near-max-llc max-cpu " ]
	run ktstr-topo --presets --min-numa 4 --max-cpus 100
	[ "$(echo "$output" | jq -r .preset)" = "numa4-8llc" ]
}

@test "presets: --memory overrides every preset" {
	run ktstr-topo --presets --memory 4096 --min-numa 4
	[ "$(echo "$output" | jq -c '[.preset, .memory_mb]' | tr '\n' ' ')" = '["numa4-8llc",4096] ["numa4-12llc",4096] ' ]
}

@test "constraints with nothing left exit 77" {
	run --separate-stderr ktstr-topo --presets --min-cpus 300
	[ "$status" -eq 77 ]
	[ "$output" = "" ]
	[ "$stderr" = "ktstr-topo: no topology passed the filters" ]
}

@test "constraints on explicit topologies name what was dropped" {
	run --separate-stderr ktstr-topo --smt 1n1l1c1t 1n1l1c2t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name)" = "1n1l1c2t" ]
	[ "$stderr" = "ktstr-topo: 1n1l1c1t: skipped: no SMT, --smt requires it" ]
	run --separate-stderr ktstr-topo --max-cpus 2 1n2l2c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr-topo: no topology passed the filters: 1n2l2c1t: 4 CPUs, more than --max-cpus 2" ]
}

@test "--host on a fake 4-CPU SMT host" {
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-4cpu-smt run ktstr-topo --host
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"host","cpus":4,"allowed_cpus":4,"online":"0-3","llcs":1,"max_cpus_per_llc":4,"llc_cpus":["0-3"],"numa_nodes":1,"smt":true,"threads_per_core":2}' ]
}

@test "--host without cache information counts one LLC" {
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-nocache run ktstr-topo --host
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"host","cpus":3,"allowed_cpus":3,"online":"0-2","llcs":1,"max_cpus_per_llc":3,"llc_cpus":["0-2"],"numa_nodes":1,"smt":false,"threads_per_core":1}' ]
}

@test "--host on a generated 256-CPU, 8-LLC, 2-node host" {
	"$KTSTR_ROOT/tests/fixtures/mksysfs" "$BATS_TEST_TMPDIR/big" 256 32 2 2
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/big run ktstr-topo --host
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.cpus, .llcs, .max_cpus_per_llc, .numa_nodes, .smt, .llc_cpus[7]]')" = '[256,8,32,2,true,"224-255"]' ]
}

@test "--host with an unreadable sysfs exits 3" {
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/none run --separate-stderr ktstr-topo --host
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr-topo: $BATS_TEST_TMPDIR/none/devices/system/cpu/online: No such file or directory" ]
}

@test "--fit: upstream's worked example, min_llcs=2 + smt keeps 6 presets" {
	"$KTSTR_ROOT/tests/fixtures/mksysfs" "$BATS_TEST_TMPDIR/big" 256 32 2 2
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/big run ktstr-topo --fit --min-llcs 2 --smt
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "smt-2llc smt-3llc medium-4llc medium-8llc large-4llc large-8llc " ]
}

@test "--fit: defaults on a big host drop multi-NUMA and >12-LLC presets" {
	"$KTSTR_ROOT/tests/fixtures/mksysfs" "$BATS_TEST_TMPDIR/big" 256 32 2 2
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/big run ktstr-topo --fit
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "tiny-1llc tiny-2llc odd-3llc odd-5llc odd-7llc smt-2llc smt-3llc medium-4llc medium-8llc large-4llc large-8llc medium-4llc-nosmt medium-8llc-nosmt large-4llc-nosmt large-8llc-nosmt " ]
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/big run ktstr-topo --fit --min-numa 2 --max-numa 4
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "numa2-4llc numa2-8llc numa2-8llc-nosmt numa4-8llc " ]
}

@test "--fit: the host's CPUs, LLCs and CPUs per LLC all bound" {
	# 4 CPUs in one LLC: only tiny-1llc (4 CPUs, 1 LLC) fits
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-4cpu-smt run ktstr-topo --fit
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-topo --presets | jq -c 'select(.preset=="tiny-1llc")')" ]
	# 64 CPUs in 8 LLCs of 8: large-* need 16 or 32 CPUs per LLC and 128 CPUs
	"$KTSTR_ROOT/tests/fixtures/mksysfs" "$BATS_TEST_TMPDIR/h64" 64 8 2 1
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/h64 run ktstr-topo --fit --min-cpus 32
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "medium-4llc medium-8llc medium-4llc-nosmt medium-8llc-nosmt " ]
	# 64 CPUs in 2 LLCs of 32: 4 and 8 LLC presets no longer fit
	"$KTSTR_ROOT/tests/fixtures/mksysfs" "$BATS_TEST_TMPDIR/h2llc" 64 32 2 1
	KTSTR_SYSFS_ROOT=$BATS_TEST_TMPDIR/h2llc run ktstr-topo --fit --min-cpus 8
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "smt-2llc " ]
}

@test "--fit --oversub scales the host" {
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-4cpu-smt run ktstr-topo --fit --oversub 3
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .preset | tr '\n' ' ')" = "tiny-1llc tiny-2llc odd-3llc smt-2llc smt-3llc " ]
}

@test "--fit on explicit topologies: 77 when none fits" {
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-4cpu-smt run --separate-stderr ktstr-topo --fit 1n1l2c2t 1n2l2c1t
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name)" = "1n1l2c2t" ]
	[ "$stderr" = "ktstr-topo: 1n2l2c1t: skipped: needs 2 LLCs, the host holds 1 (oversub 1)" ]
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-4cpu-smt run --separate-stderr ktstr-topo --fit 1n1l8c1t
	[ "$status" -eq 77 ]
	[ "$stderr" = "ktstr-topo: no topology passed the filters: 1n1l8c1t: needs 8 CPUs, the host holds 4 (oversub 1)" ]
}

@test "--fit of the presets: none fits a small host: the smallest says why, and what TCG takes" {
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-nocache run --separate-stderr ktstr-topo --presets --fit
	[ "$status" -eq 77 ]
	[ "$output" = "" ]
	[ "$stderr" = "ktstr-topo: no topology passed the filters: tiny-1llc: needs 4 CPUs, the host holds 3 (oversub 1); under TCG, where vCPUs are host threads, --oversub 4 fits as ktstr gauntlet does" ]
	KTSTR_SYSFS_ROOT=$KTSTR_ROOT/tests/fixtures/sysfs-nocache run --separate-stderr ktstr-topo --presets --fit --oversub 4
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .preset | head -n 1)" = tiny-1llc ]
}

@test "option errors name the argument" {
	topo_rejects "ktstr-topo: unknown option '--bogus' (try --help)" --bogus 1n1l1c1t
	topo_rejects "ktstr-topo: unknown option '-x' (try --help)" -x
	topo_rejects "ktstr-topo: option '--memory' needs a value (try --help)" 1n1l1c1t --memory
	topo_rejects "ktstr-topo: --oversub 'x': expected a number above 0 (at most 1024)" --fit --oversub x
	topo_rejects "ktstr-topo: --oversub '0': expected a number above 0 (at most 1024)" --fit --oversub 0
	topo_rejects "ktstr-topo: --min-llcs '2x': expected a positive integer" --presets --min-llcs 2x
	topo_rejects "ktstr-topo: --max-cpus 5000: more than 4096" --presets --max-cpus 5000
	topo_rejects "ktstr-topo: --min-cpus 5 is above --max-cpus 4" --presets --min-cpus 5 --max-cpus 4
	topo_rejects "ktstr-topo: --min-numa 2 is above --max-numa 1 (the --fit default)" --fit --min-numa 2
	topo_rejects "ktstr-topo: --host takes no topologies or other options" --host 1n1l1c1t
	topo_rejects "ktstr-topo: give topologies or --presets, not both" --presets 1n1l1c1t
	topo_rejects "ktstr-topo: no topology given (try --help)"
}

@test "--help" {
	run ktstr-topo --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr-topo [options] TOPO...     a topo record per topology" ]
	[[ "$output" == *"--oversub F"* ]]
}

@test "a broken presets file is named with the entry and field" {
	mkdir -p "$BATS_TEST_TMPDIR/share"
	printf '[{"name":"a","topo":"1n1l1c1t","memory_mb":512},{"name":"b","topo":"2n3l1c1t"}]\n' > "$BATS_TEST_TMPDIR/share/presets.json"
	KTSTR_SHARE_DIR=$BATS_TEST_TMPDIR/share run --separate-stderr ktstr-topo --presets
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "ktstr-topo: $BATS_TEST_TMPDIR/share/presets.json: .[1].topo (b): 3 LLCs cannot be split evenly over 2 NUMA nodes" ]
	printf '[{"name":"a","topo":"2n2l1c1t","memory_mb":511}]\n' > "$BATS_TEST_TMPDIR/share/presets.json"
	KTSTR_SHARE_DIR=$BATS_TEST_TMPDIR/share run --separate-stderr ktstr-topo --presets
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-topo: $BATS_TEST_TMPDIR/share/presets.json: .[0].memory_mb (a): 511 MB does not split over 2 NUMA nodes in 2 MB units (use a multiple of 4)" ]
}

@test "qemu accepts the arguments without warnings and places CPUs on nodes" {
	command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed" >&2; return 1; }
	run sh -c 'printf "info numa\nquit\n" | qemu-system-x86_64 -accel tcg -M pc -nographic -nodefaults -S $(ktstr-topo --qemu 2n4l2c1t) -monitor stdio 2>&1 | tr -d "\\r" | grep -E "^(node|qemu-system|[0-9]+ nodes)"'
	[ "$output" = "2 nodes
node 0 cpus: 0 1 2 3
node 0 size: 256 MB
node 0 plugged: 0 MB
node 1 cpus: 4 5 6 7
node 1 size: 256 MB
node 1 plugged: 0 MB" ]
}

# topo_from_json through tests/unit/topo_json_check.c
topo_json_rejects() {
	run --separate-stderr topo_json_check <<<"$1"
	[ "$status" -eq 2 ] || { echo "status $status for $1"; return 1; }
	[ "$stderr" = "topo_json_check: stdin:1: $2" ] || { echo "stderr: $stderr"; return 1; }
}

@test "topo records read back unchanged" {
	run topo_json_check < <(ktstr-topo 2n4l4c2t 1n1l1c1t; ktstr-topo --memory 1000 2n2l1c1t; ktstr-topo --presets)
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-topo 2n4l4c2t 1n1l1c1t; ktstr-topo --memory 1000 2n2l1c1t; ktstr-topo --presets | jq -c 'del(.preset)')" ]
}

@test "axes alone read back with default memory" {
	run topo_json_check <<<'{"type":"topo","numa_nodes":2,"llcs":2,"cores_per_llc":1,"threads_per_core":1}'
	[ "$status" -eq 0 ]
	[ "$output" = "$(ktstr-topo 2n2l1c1t)" ]
}

@test "bad topo records name the field" {
	topo_json_rejects '{"type":"topo","llcs":2,"cores_per_llc":1,"threads_per_core":1}' "topo record: numa_nodes: missing"
	topo_json_rejects '{"type":"topo","numa_nodes":"2","llcs":2,"cores_per_llc":1,"threads_per_core":1}' "topo record: numa_nodes: expected an integer"
	topo_json_rejects '{"type":"topo","numa_nodes":1,"llcs":0,"cores_per_llc":1,"threads_per_core":1}' "topo record: llcs: 0 is out of range 1..4096"
	topo_json_rejects '{"type":"topo","numa_nodes":2,"llcs":3,"cores_per_llc":1,"threads_per_core":1}' "topo record: llcs: 3 LLCs cannot be split evenly over 2 NUMA nodes"
	topo_json_rejects '{"type":"topo","numa_nodes":1,"llcs":64,"cores_per_llc":64,"threads_per_core":2}' "topo record: cpus: 8192 CPUs is more than the 4096 supported"
	topo_json_rejects '{"type":"topo","numa_nodes":2,"llcs":2,"cores_per_llc":1,"threads_per_core":1,"memory_mb":1002}' "topo record: memory_mb: 1002 MB does not split over 2 NUMA nodes in 2 MB units (use a multiple of 4)"
	topo_json_rejects '{"type":"topo","numa_nodes":1,"llcs":1,"cores_per_llc":1,"threads_per_core":1,"memory_mb":-5}' "topo record: memory_mb: -5 is out of range 1..16777216"
	topo_json_rejects '{"type":"topo","name":"1n1l2c1t","numa_nodes":1,"llcs":1,"cores_per_llc":1,"threads_per_core":1}' 'topo record: name: does not match the axes (expected "1n1l1c1t")'
	topo_json_rejects '{"type":"topo","cpus":2,"numa_nodes":1,"llcs":1,"cores_per_llc":1,"threads_per_core":1}' "topo record: cpus: does not match the axes (expected 1)"
}

@test "a preset's name is its topology, with the preset named" {
	run ktstr-topo smt-2llc
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '[.name, .preset, .cpus]')" = '["1n2l2c2t","smt-2llc",8]' ]
}
