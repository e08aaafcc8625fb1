#!/usr/bin/env bats
# Bad input to every stage (ktstr-topo, ktstr-boot, ktstr-probe, ktstr-eval, ktstr-sidecar),
# as tables that tests/bad_input.bash runs (what each case must and must not do is said there).
load ../helpers
load ../bad_input

@test "ktstr-topo: bad topologies and options" {
	check_table ktstr-topo <<'EOF'
2|2n3l1c1t|ktstr-topo 2n3l1c1t
2|0n1l1c1t|ktstr-topo 0n1l1c1t
2|1n0l1c1t|ktstr-topo 1n0l1c1t
2|1n1l0c1t|ktstr-topo 1n1l0c1t
2|1n1l1c0t|ktstr-topo 1n1l1c0t
2|1n1l1c|ktstr-topo 1n1l1c
2|1n1l1c1t1x|ktstr-topo 1n1l1c1t1x
2|n1l1c1t|ktstr-topo n1l1c1t
2|1n1l1c1tt|ktstr-topo 1n1l1c1tt
2|1x1l1c1t|ktstr-topo 1x1l1c1t
2|99999999999n1l1c1t|ktstr-topo 99999999999n1l1c1t
2|1n1l1c99999999999t|ktstr-topo 1n1l1c99999999999t
2|18446744073709551617n|ktstr-topo 18446744073709551617n1l1c1t
2|1n1l128c4t|ktstr-topo --qemu 1n1l128c4t
# (getopt takes it for options: the one it trips on is named with the word)
2|-1n1l1c1t|ktstr-topo -1n1l1c1t
2|1,1,1|ktstr-topo 1,1,1
2|1,1,1,1,1|ktstr-topo 1,1,1,1,1
2|1,,1,1|ktstr-topo 1,,1,1
2|,1,1,1|ktstr-topo ,1,1,1
2|a,b,c,d|ktstr-topo a,b,c,d
2|2,3,1,1|ktstr-topo 2,3,1,1
2|1.5,1,1,1|ktstr-topo 1.5,1,1,1
2|''|ktstr-topo ''
2|' '|ktstr-topo ' '
2|1n1l1c1t |ktstr-topo '1n1l1c1t '
2|１n1l1c1t|ktstr-topo １n1l1c1t
2|--presets|ktstr-topo 1n1l1c1t 2n3l1c1t --presets
2|--memory|ktstr-topo 1n1l1c1t --memory 0
2|--memory|ktstr-topo 1n1l1c1t --memory -1
2|--memory|ktstr-topo 1n1l1c1t --memory abc
2|--memory|ktstr-topo 1n1l1c1t --memory 99999999999
2|--memory|ktstr-topo 1n1l1c1t --memory ''
2|--memory|ktstr-topo 1n1l1c1t --memory 1.5
2|--memory|ktstr-topo 1n1l1c1t --memory
2|--memory 513|ktstr-topo 2n2l1c1t --memory 513
2|--oversub|ktstr-topo --fit --oversub 0
2|--oversub|ktstr-topo --fit --oversub -1
2|--oversub|ktstr-topo --fit --oversub abc
2|--oversub|ktstr-topo --fit --oversub nan
2|--oversub|ktstr-topo --fit --oversub inf
2|--oversub|ktstr-topo --fit --oversub 1e999
2|--oversub|ktstr-topo --fit --oversub ''
2|--min-cpus|ktstr-topo --presets --min-cpus abc
2|--min-cpus|ktstr-topo --presets --min-cpus -1
2|--max-cpus|ktstr-topo --presets --max-cpus 99999999999
2|--min-cpus|ktstr-topo --presets --min-cpus 5 --max-cpus 2
2|--max-llcs|ktstr-topo --presets --max-llcs 1.5
2|--host|ktstr-topo --host 1n1l1c1t
2|--bogus|ktstr-topo --bogus
2|--qemu|ktstr-topo --qemu=1 1n1l1c1t
2|-x|ktstr-topo -x 1n1l1c1t
2|--mi|ktstr-topo --mi 1 --presets
2|--presetz|ktstr-topo --presetz
2|topolog|ktstr-topo
2|topolog|ktstr-topo --qemu
# no preset has 64 NUMA nodes: nothing can run here
77|no topology|ktstr-topo --presets --min-numa 64
77|1n1l1c1t|ktstr-topo 1n1l1c1t --min-cpus 4
EOF
}

@test "ktstr-topo plan and scenarios: bad scenarios, files and plan options" {
	check_table ktstr-topo <<'EOF'
2|nosuch|ktstr-topo plan nosuch
2|stedy|ktstr-topo plan stedy
2|did you mean|ktstr-topo plan stedy
2|./missing.json|ktstr-topo plan ./missing.json
2|empty.json|ktstr-topo plan $F/empty.json
2|notjson.json|ktstr-topo plan $F/notjson.json
2|array.json|ktstr-topo plan $F/array.json
2|utf8.json|ktstr-topo plan $F/utf8.json
2|count|ktstr-topo plan $F/badfield.json
2|cgroup|ktstr-topo plan $F/unknownkey.json
2|name|ktstr-topo plan $F/noname.json
2|count|ktstr-topo plan $F/hugecount.json
2|count|ktstr-topo plan $F/negcount.json
2|CpuSpn|ktstr-topo plan $F/badwork.json
2|range|ktstr-topo plan $F/badcpuset.json
2|steps|ktstr-topo plan $F/nansteps.json
2|steps|ktstr-topo plan $F/emptysteps.json
2|steps|ktstr-topo plan $F/manysteps.json
2|frobnicate|ktstr-topo plan $F/badop.json
2|cg_9|ktstr-topo plan $F/opcg.json
2|cg_0|ktstr-topo plan $F/dupcg.json
# (a scenario file's field is named by its JSON path)
2|cgroups[0].name|ktstr-topo plan $F/cgslash.json
2|nice|ktstr-topo plan $F/nice.json
# a scenario file's name makes its job ids, which hold no @ : = , or blank and start with no
# dot (the "name" inside the file is only shown)
2|a@b|ktstr-topo plan $F/a@b.json
2|a:b|ktstr-topo plan $F/a:b.json
2|a=b|ktstr-topo plan $F/a=b.json
2|a,b|ktstr-topo plan $F/a,b.json
2|.hidden|ktstr-topo plan $F/.hidden.json
2|a b|ktstr-topo plan "$F/a b.json"
2|nnnnnnnn|ktstr-topo plan $F/$(printf 'n%.0s' $(seq 130)).json
2|name|ktstr-topo plan $F/name_empty.json
2|name|ktstr-topo plan $F/name_num.json
2|2n3l1c1t|ktstr-topo plan steady --topo 2n3l1c1t
2|--topo|ktstr-topo plan steady --topo ''
2|--duration|ktstr-topo plan steady --duration 1.2.3
2|--duration|ktstr-topo plan steady --duration ''
2|--duration|ktstr-topo plan steady --duration 99999999999
2|--duration|ktstr-topo plan steady --duration -1
2|--duration|ktstr-topo plan steady --duration nan
2|--duration|ktstr-topo plan steady --duration inf
2|--duration|ktstr-topo plan steady --duration 0x10
2|--duration|ktstr-topo plan steady --duration 0
2|--timeout|ktstr-topo plan steady --timeout 0
2|--timeout|ktstr-topo plan steady --timeout -5
2|--timeout|ktstr-topo plan steady --timeout 1.5
2|--timeout|ktstr-topo plan steady --timeout 99999999999
2|--memory|ktstr-topo plan steady --memory 0
2|--budget|ktstr-topo plan steady --budget 0
2|--budget|ktstr-topo plan steady --budget -1
2|--budget|ktstr-topo plan steady --budget abc
2|--budget|ktstr-topo plan steady --budget ''
2|--budget|ktstr-topo plan steady --budget nan
2|budget of 1 s|ktstr-topo plan steady --budget 1
2|-j|ktstr-topo plan steady -j 0
2|-j|ktstr-topo plan steady -j -1
2|-j|ktstr-topo plan steady -j 257
2|-j|ktstr-topo plan steady -j abc
2|-j|ktstr-topo plan steady --jobs ''
2|--seed|ktstr-topo plan steady --seed -1
2|--seed|ktstr-topo plan steady --seed abc
2|--seed|ktstr-topo plan steady --seed 99999999999
2|3/2|ktstr-topo plan steady --presets tiny-1llc --shard 3/2
2|0/2|ktstr-topo plan steady --presets tiny-1llc --shard 0/2
2|1/0|ktstr-topo plan steady --presets tiny-1llc --shard 1/0
2|1/2/3|ktstr-topo plan steady --presets tiny-1llc --shard 1/2/3
2|a/b|ktstr-topo plan steady --presets tiny-1llc --shard a/b
2|1/1001|ktstr-topo plan steady --presets tiny-1llc --shard 1/1001
2|-1/2|ktstr-topo plan steady --presets tiny-1llc --shard -1/2
2|--shard|ktstr-topo plan steady --presets tiny-1llc --shard ''
2|--shard|ktstr-topo plan steady --fit --shard 1/2
2|xen|ktstr-topo plan steady --accel xen
2|bogus|ktstr-topo plan --scenarios bogus
2|--scenarios|ktstr-topo plan --scenarios catalog steady
2|bogus|ktstr-topo plan --category bogus
2|--repeat|ktstr-topo plan steady --repeat 0
2|--repeat|ktstr-topo plan steady --repeat 1001
2|--repeat|ktstr-topo plan steady --repeat x
2|nosuch|ktstr-topo plan steady --payload nosuch
2|--payload|ktstr-topo plan steady --payload stress-ng@
2|--payload|ktstr-topo plan steady --payload @cg_0
2|cg_9|ktstr-topo plan steady --payload stress-ng@cg_9
2|--map-write|ktstr-topo plan steady --map-write bad
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=1
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=x@1s
2|--map-write|ktstr-topo plan steady --map-write bss:state.stall=1@-1s
2|nosuch|ktstr-topo plan steady --include $F/nosuch
2|nosuch|ktstr-topo plan steady --scheduler nosuch
2|scheduler ''|ktstr-topo plan steady --scheduler ''
2|nosuch|ktstr-topo plan steady --scheduler scx-ktstr --flags nosuch
2|--flags|ktstr-topo plan steady --flags x
2|--flags ''|ktstr-topo plan steady --scheduler scx-ktstr --flags ''
2|bogus|ktstr-topo plan steady --scheduler scx-ktstr --profiles bogus
2|--flags|ktstr-topo plan steady --scheduler scx-ktstr --flags llc --profiles default
2|--kernel-json|ktstr-topo plan steady --kernel-json '{'
2|--kernel-json|ktstr-topo plan steady --kernel-json '[]'
2|a b|ktstr-topo plan steady --kernel-tag 'a b'
2|a@b|ktstr-topo plan steady --kernel-tag a@b
2|--kernel-tag|ktstr-topo plan steady --kernel-tag ''
2|--exec|ktstr-topo plan steady --exec ls
2|--exec ''|ktstr-topo plan --shell --exec ''
2|--topo|ktstr-topo plan steady --topo 1n1l1c1t --presets tiny-1llc
2|nosuch|ktstr-topo plan steady --presets nosuch
2|--presets|ktstr-topo plan steady --presets ''
2|--presets|ktstr-topo plan steady --presets tiny-1llc,,tiny-2llc
2|--fit|ktstr-topo plan steady --fit --presets all
2|--oversub|ktstr-topo plan steady --fit --oversub 0
2|--bogus|ktstr-topo plan --bogus
2|--sched|ktstr-topo plan steady --sched eevdf
2|--topo|ktstr-topo plan steady --topo
2|--shell|ktstr-topo plan --shell steady
2|1n1l128c4t|ktstr-topo plan --shell --topo 1n1l128c4t
2|--include|ktstr-topo plan steady --include ''
2|--payload|ktstr-topo plan steady --payload ''
2|category ''|ktstr-topo plan --category ''
2|--profiles ''|ktstr-topo plan steady --scheduler scx-ktstr --profiles ''
2|--sched-args|ktstr-topo plan steady --sched-args x
2|--memory|ktstr-topo plan steady --memory 99999999999
2|--memory 1|ktstr-topo plan steady --memory 1
2|--timeout|ktstr-topo plan steady --timeout ''
2|--repeat|ktstr-topo plan steady --repeat ''
2|--seed|ktstr-topo plan steady --seed ''
2|--accel|ktstr-topo plan steady --accel ''
2|--kernel-tag|ktstr-topo plan steady --kernel-tag $(printf 'k%.0s' $(seq 64))
2|2n3l1c1t|ktstr-topo plan steady --topo 1n1l1c1t --topo 2n3l1c1t
2|--topo|ktstr-topo plan --shell --topo ''
2|--timeout|ktstr-topo plan --shell --timeout 99999999999
# steady_llc needs 2 LLCs: on one, nothing can run here
77|steady_llc|ktstr-topo plan steady_llc --topo 1n1l2c1t
2|nosuch|ktstr-topo scenarios nosuch
2|stedy|ktstr-topo scenarios stedy
2|bogus|ktstr-topo scenarios --scenarios bogus
2|bogus|ktstr-topo scenarios --category bogus
2|--bogus|ktstr-topo scenarios --bogus
2|--category|ktstr-topo scenarios --category
2|--json|ktstr-topo scenarios --json --names
EOF
}

@test "ktstr-boot: bad options and job records, before any VM" {
	check_table ktstr-boot <<'EOF'
2|-j|ktstr-boot -j 0 < $F/job.ndjson
2|-j|ktstr-boot -j 257 < $F/job.ndjson
2|-j|ktstr-boot -j x < $F/job.ndjson
2|-j|ktstr-boot --jobs '' < $F/job.ndjson
2|-j|ktstr-boot -j < $F/job.ndjson
2|bogus|ktstr-boot --boot bogus < $F/job.ndjson
2|KTSTR_BOOT|KTSTR_BOOT=bogus ktstr-boot < $F/job.ndjson
2|--bogus|ktstr-boot --bogus < $F/job.ndjson
2|--dry-ru|ktstr-boot --dry-ru=1 < $F/job.ndjson
2|--dry-run|ktstr-boot --dry-run --write-initramfs $W/tmp < $F/job.ndjson
2|extra|ktstr-boot extra < $F/job.ndjson
2|--run-dir|ktstr-boot --run-dir < $F/job.ndjson
2|--run-dir|ktstr-boot --run-dir $F/afile/x < $F/job.ndjson
2|--write-initramfs|ktstr-boot --write-initramfs $F/afile/x < $F/job.ndjson
2|stdin:1|echo 'not json' | ktstr-boot
2|stdin:1|echo '[1]' | ktstr-boot
2|stdin:1|echo '{}' | ktstr-boot
2|stdin:1|ktstr-boot < $F/badutf8.ndjson
2|stdin:1|ktstr-boot < $F/nul.ndjson
2|stdin:1|ktstr-boot < $F/long.ndjson
2|stdin:1|ktstr-boot < $F/deep.ndjson
2|id|ktstr-boot < $F/noid.ndjson
2|id|ktstr-boot < $F/id_num.ndjson
2|a/b|ktstr-boot < $F/id_slash.ndjson
2|..|ktstr-boot < $F/id_dotdot.ndjson
2|a@b|ktstr-boot < $F/id_at.ndjson
2|a:b|ktstr-boot < $F/id_colon.ndjson
2|a=b|ktstr-boot < $F/id_eq.ndjson
2|a,b|ktstr-boot < $F/id_comma.ndjson
2|id|ktstr-boot < $F/id_empty.ndjson
2|iiiiiiii|ktstr-boot < $F/id_long.ndjson
2|topo|ktstr-boot < $F/notopo.ndjson
2|topo|ktstr-boot < $F/topo_str.ndjson
2|cpus|ktstr-boot < $F/topo_cpus.ndjson
2|memory_mb|ktstr-boot < $F/mem_huge.ndjson
2|timeout_s|ktstr-boot < $F/timeout_neg.ndjson
2|timeout_s|ktstr-boot < $F/timeout_str.ndjson
2|timeout_s|ktstr-boot < $F/timeout_big.ndjson
2|duration_ms|ktstr-boot < $F/dur_nan.ndjson
2|duration_ms|ktstr-boot < $F/dur_neg.ndjson
2|frobnicate|ktstr-boot < $F/mode_bad.ndjson
2|scenario|ktstr-boot < $F/noscen.ndjson
2|count|ktstr-boot < $F/scen_bad.ndjson
2|kernel|ktstr-boot < $F/nokernel.ndjson
2|kernel|ktstr-boot < $F/kernel_str.ndjson
2|/no/such/loader|ktstr-boot < $F/sched_path.ndjson
2|cmdline|ktstr-boot < $F/cmdline_str.ndjson
2|/no/such/file|ktstr-boot < $F/include_missing.ndjson
2|timeout_s|ktstr-boot < $F/timeout_zero.ndjson
2|console=tty0|ktstr-boot < $F/cmdline_console.ndjson
2|cmdline[0]|ktstr-boot < $F/cmdline_space.ndjson
2|include[0].dst|ktstr-boot < $F/include_init.ndjson
2|scheduler.args[0]|ktstr-boot < $F/sched_args.ndjson
2|exec|ktstr-boot < $F/exec_num.ndjson
2|payloads|ktstr-boot < $F/payloads_str.ndjson
2|memory_mb|ktstr-boot < $F/mem_small.ndjson
2|steady-1n1l1c1t|ktstr-boot --dry-run < $F/dupid.ndjson
2|a/b|ktstr-boot --dry-run < $F/id_slash.ndjson
2|memory_mb|ktstr-boot --dry-run < $F/mem_huge.ndjson
EOF
}

@test "ktstr-probe: bad options and streams" {
	check_table ktstr-probe <<'EOF'
2|--interval-ms|ktstr-probe --interval-ms 0 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 9 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 60001 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms abc < /dev/null
2|--interval-ms|ktstr-probe --interval-ms '' < /dev/null
2|--interval-ms|ktstr-probe --interval-ms -5 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms 99999999999999999999 < /dev/null
2|--interval-ms|ktstr-probe --interval-ms < /dev/null
2|--settle-ms|ktstr-probe --settle-ms -1 < /dev/null
2|--settle-ms|ktstr-probe --settle-ms 1.5 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms 500 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms 30001 < /dev/null
2|--watchdog-ms|ktstr-probe --watchdog-ms -1 < /dev/null
2|--dump-after-ms|ktstr-probe --dump-after-ms 600001 < /dev/null
2|--settle-ms|ktstr-probe --settle-ms '' < /dev/null
2|--dump-after-ms|ktstr-probe --dump-after-ms x < /dev/null
2|--bogus|ktstr-probe --bogus < /dev/null
2|--replay|ktstr-probe --replay=1 < /dev/null
2|extra|ktstr-probe extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-probe
2|stdin:1|echo '[1]' | ktstr-probe
2|stdin:1|echo '{"type":5}' | ktstr-probe
2|stdin:1|ktstr-probe < $F/badutf8.ndjson
2|stdin:1|ktstr-probe < $F/nul.ndjson
2|stdin:1|ktstr-probe < $F/long.ndjson
2|stdin:1|ktstr-probe < $F/deep.ndjson
# (2p: the records before the bad one pass through, as the stream goes)
2p|is not a QEMU|{ cat $F/job.ndjson; echo "{\"type\":\"vm\",\"job\":\"steady-1n1l1c1t\",\"phase\":\"started\",\"pid\":$$,\"memory\":[{\"node\":0,\"fd\":3,\"size_mb\":512}]}"; } | ktstr-probe
2p|pid|ktstr-probe < $F/vm_pidstr.ndjson
2p|pid|ktstr-probe < $F/vm_pidneg.ndjson
2p|memory|ktstr-probe < $F/vm_nomem.ndjson
# (--replay takes a sample's keys of the wrong type for missing, as sampleparse.h says:
# ktstr-eval, next in the pipeline, refuses such a record)
2|stdin:1|echo '{"type":"sample","job":"j","t_ms":1e999}' | ktstr-probe --replay
EOF
}

@test "ktstr-eval: bad options, malformed records, wrong types, huge numbers" {
	check_table ktstr-eval <<'EOF'
2|bogus|ktstr-eval --check bogus=1 < /dev/null
2|isolation|ktstr-eval --check isolation < /dev/null
2|=1|ktstr-eval --check =1 < /dev/null
2|maybe|ktstr-eval --check isolation=maybe < /dev/null
2|nan|ktstr-eval --check max_imbalance_ratio=nan < /dev/null
2|1e999|ktstr-eval --check max_imbalance_ratio=1e999 < /dev/null
2|NaN|ktstr-eval --check max_imbalance_ratio=NaN < /dev/null
2|--check|ktstr-eval --check < /dev/null
2|/no/such|ktstr-eval --checks /no/such < /dev/null
2|notjson.json|ktstr-eval --checks $F/notjson.json < /dev/null
2|nosuch_check|ktstr-eval --checks $F/checks-badkey.json < /dev/null
2|defaults|ktstr-eval --checks $F/checks-nodefaults.json < /dev/null
2|checks file ''|ktstr-eval --checks '' < /dev/null
2|not a file|ktstr-eval --checks $F < /dev/null
2|--bogus|ktstr-eval --bogus < /dev/null
2|--chek|ktstr-eval --chek isolation=true < /dev/null
2|-x|ktstr-eval -x < /dev/null
2|extra|ktstr-eval extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-eval
2|stdin:1|echo '[]' | ktstr-eval
2|stdin:1|echo '"str"' | ktstr-eval
2|stdin:1|echo '1' | ktstr-eval
2|stdin:1|echo 'null' | ktstr-eval
2|stdin:1|echo '{}' | ktstr-eval
2|stdin:1|echo '{"type":5}' | ktstr-eval
2|stdin:1|echo '{"type":null}' | ktstr-eval
2|stdin:1|echo '{"type":"x"} x' | ktstr-eval
2|stdin:1|echo '{"type":"x"}{"type":"y"}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":1,"a":2}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":NaN}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":Infinity}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":1e999}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":"\ud800"}' | ktstr-eval
2|stdin:1|echo '{"type":"x","a":"\x"}' | ktstr-eval
2|stdin:1|echo "{'type':'x'}" | ktstr-eval
2|stdin:1|echo '{"type":"x",}' | ktstr-eval
2|stdin:1|ktstr-eval < $F/badutf8.ndjson
2|stdin:1|ktstr-eval < $F/nul.ndjson
2|stdin:1|ktstr-eval < $F/long.ndjson
2|stdin:1|ktstr-eval < $F/deep.ndjson
2|stdin:1|printf '{"type":"x","\xc0\xaf":1}\n' | ktstr-eval
2|id|echo '{"type":"job","id":1}' | ktstr-eval
2|id|echo '{"type":"job"}' | ktstr-eval
2|job|echo '{"type":"worker","job":5,"tid":1}' | ktstr-eval
2|job|echo '{"type":"vm","job":["j"],"phase":"exited"}' | ktstr-eval
2|tid|echo '{"type":"worker","job":"j","tid":"x"}' | ktstr-eval
2|tid|echo '{"type":"worker","job":"j","tid":-1}' | ktstr-eval
2|stdin:1:45|echo '{"type":"worker","job":"j","work_units":1e999}' | ktstr-eval
2|work_units|echo '{"type":"worker","job":"j","work_units":1.5}' | ktstr-eval
2|stdin:1:63|echo '{"type":"worker","job":"j","work_units":99999999999999999999999}' | ktstr-eval
2|work_units|echo '{"type":"worker","job":"j","work_units":"NaN"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"0-"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"99999999"}' | ktstr-eval
2|cpus_used|echo '{"type":"worker","job":"j","cpus_used":"3-1"}' | ktstr-eval
2|cpuset|echo '{"type":"worker","job":"j","cpuset":5}' | ktstr-eval
2|nice|echo '{"type":"worker","job":"j","nice":100}' | ktstr-eval
2|steps|echo '{"type":"worker","job":"j","steps":"x"}' | ktstr-eval
2|steps[0]|echo '{"type":"worker","job":"j","steps":[1]}' | ktstr-eval
2|max_gap_ms|echo '{"type":"worker","job":"j","max_gap_ms":-1}' | ktstr-eval
2|max_gap_ms|echo '{"type":"worker","job":"j","max_gap_ms":"NaN"}' | ktstr-eval
2|wake_latency|echo '{"type":"worker","job":"j","wake_latency":[]}' | ktstr-eval
2|cgroup|echo '{"type":"worker","job":"j","cgroup":5}' | ktstr-eval
2|index|echo '{"type":"step","job":"j","index":-1}' | ktstr-eval
2|t_ms|echo '{"type":"step","job":"j","index":0,"t_ms":1e300}' | ktstr-eval
2|t_ms|echo '{"type":"step","job":"j","index":0,"t_ms":"0"}' | ktstr-eval
2|steps|echo '{"type":"scenario_end","job":"j","steps":"2"}' | ktstr-eval
2|t_ms|echo '{"type":"sample","job":"j","t_ms":"soon"}' | ktstr-eval
2|index|echo '{"type":"step","job":"j","index":1.5}' | ktstr-eval
2|steps|echo '{"type":"scenario_end","job":"j","steps":-1}' | ktstr-eval
2|bogus_check|echo '{"type":"job","id":"j","checks":{"bogus_check":1}}' | ktstr-eval
2|max_imbalance_ratio|echo '{"type":"job","id":"j","checks":{"max_imbalance_ratio":"high"}}' | ktstr-eval
EOF
}

@test "ktstr-sidecar: bad commands, run ids, run dirs, filters" {
	check_table ktstr-sidecar <<'EOF'
2|command|ktstr-sidecar
2|bogus|ktstr-sidecar bogus
2|did you mean 'show'|ktstr-sidecar shwo r1
2|--bogus|ktstr-sidecar --bogus
# (writing into a run that exists is no mistake: a gauntlet's retried jobs go there)
2|--run-id|ktstr-sidecar write --run-id '' < /dev/null
2|a/b|ktstr-sidecar write --run-id a/b < /dev/null
2|..|ktstr-sidecar write --run-id .. < /dev/null
2|.x|ktstr-sidecar write --run-id .x < /dev/null
2|a b|ktstr-sidecar write --run-id 'a b' < /dev/null
2|a@b|ktstr-sidecar write --run-id a@b < /dev/null
2|a:b|ktstr-sidecar write --run-id a:b < /dev/null
2|a=b|ktstr-sidecar write --run-id a=b < /dev/null
2|a,b|ktstr-sidecar write --run-id a,b < /dev/null
2|--stages|ktstr-sidecar write --stages < /dev/null
2|rrrrrrrr|ktstr-sidecar write --run-id $(printf 'r%.0s' $(seq 64)) < /dev/null
2|latest|ktstr-sidecar write --run-id latest < /dev/null
2|afile|ktstr-sidecar write --runs-dir $F/afile --run-id r2 < $FX/pass.ndjson
2|--junit|ktstr-sidecar write --run-id r2 --junit $F/afile/x.xml < /dev/null
2|--junit|ktstr-sidecar write --run-id r2 --junit $W/tmp < /dev/null
2|bogus|ktstr-sidecar write --stages bogus < /dev/null
2|--bogus|ktstr-sidecar write --bogus < /dev/null
2|extra|ktstr-sidecar write extra < /dev/null
2|stdin:1|echo 'not json' | ktstr-sidecar write --run-id r2
2|stdin:1|ktstr-sidecar write --run-id r2 < $F/badutf8.ndjson
2|stdin:1|ktstr-sidecar write --run-id r2 < $F/long.ndjson
2|job|echo '{"type":"verdict","result":"pass"}' | ktstr-sidecar write --run-id r2
2|../x|echo '{"type":"verdict","job":"../x","result":"pass"}' | ktstr-sidecar write --run-id r2
2|a/b|echo '{"type":"verdict","job":"a/b","result":"pass"}' | ktstr-sidecar write --run-id r2
2|result|echo '{"type":"verdict","job":"j","result":"bogus"}' | ktstr-sidecar write --run-id r2
2|result|echo '{"type":"verdict","job":"j","result":5}' | ktstr-sidecar write --run-id r2
2|--bogus|ktstr-sidecar list --bogus
2|extra|ktstr-sidecar list extra
2|afile|ktstr-sidecar list --runs-dir $F/afile
2|runs dir ''|ktstr-sidecar list --runs-dir ''
2|runs dir ''|ktstr-sidecar trace --runs-dir '' r1
2|runs dir ''|ktstr-sidecar show --brief --runs-dir '' r1
2|RUN|ktstr-sidecar show
2|nosuch|ktstr-sidecar show nosuch
2|../r1|ktstr-sidecar show ../r1
2|a/b|ktstr-sidecar show a/b
2|''|ktstr-sidecar show ''
2|nosuchjob|ktstr-sidecar show r1 nosuchjob
2|--junit|ktstr-sidecar show --junit $F/afile/x.xml r1
2|extra|ktstr-sidecar show r1 steady extra
2|latest|ktstr-sidecar show --runs-dir $W/cwd latest
2|--bogus|ktstr-sidecar show --bogus r1
2|B|ktstr-sidecar compare r1
2|nosuch|ktstr-sidecar compare nosuch r1
2|bogus|ktstr-sidecar compare bogus=1 r1
2|kernel=|ktstr-sidecar compare kernel= r1
2|--filter|ktstr-sidecar compare --filter bogus r1 r1
2|kernel=|ktstr-sidecar compare --filter kernel= r1 r1
2|nosuch|ktstr-sidecar compare --metric nosuch r1 r1
2|extra|ktstr-sidecar compare r1 r1 extra
2|--bogus|ktstr-sidecar metrics --bogus
2|extra|ktstr-sidecar metrics extra
2|which runs|ktstr-sidecar merge
2|nosuch|ktstr-sidecar merge nosuch
2|r1|ktstr-sidecar merge r1 r1
2|a/b|ktstr-sidecar merge --run-id a/b r1
2|latest|ktstr-sidecar merge --run-id latest r1
2|r1|ktstr-sidecar merge --run-id r1 r1
2|afile|ktstr-sidecar merge $F/afile
2|RUN|ktstr-sidecar trace
2|nosuch|ktstr-sidecar trace nosuch
2|nosuchjob|ktstr-sidecar trace r1 nosuchjob
2|extra|ktstr-sidecar trace r1 steady extra
2|RUN|ktstr-sidecar report
2|nosuch|ktstr-sidecar report nosuch
2|-o|ktstr-sidecar report -o $F/afile/x.html r1
2|nosuchjob|ktstr-sidecar report r1 nosuchjob
2|-o|ktstr-sidecar report r1 -o
2|repro|ktstr-sidecar repro
2|bogus|ktstr-sidecar repro bogus
2|which run|ktstr-sidecar repro plan
2|nosuch|ktstr-sidecar repro plan nosuch
2|nosuchjob|ktstr-sidecar repro plan r1 nosuchjob
2|--run-id|ktstr-sidecar repro store < /dev/null
2|nosuch|ktstr-sidecar repro store --run-id nosuch < /dev/null
2|a/b|ktstr-sidecar repro store --run-id a/b < /dev/null
EOF
}
