#!/usr/bin/env bats
# --dry-run: the QEMU command line of each VM, shell-quoted; nothing boots, nothing is left.
load ../helpers

bats_require_minimum_version 1.5.0

setup() {
	export KTSTR_CACHE_DIR="$BATS_TEST_TMPDIR/cache" KTSTR_RUNS_DIR="$BATS_TEST_TMPDIR/runs"
	export KTSTR_ACCEL=tcg KTSTR_BOOT=bzimage KTSTR_QEMU_BIOS=default
	export TMPDIR="$BATS_TEST_TMPDIR/tmp" KTSTR_QEMU="$BATS_TEST_TMPDIR/qemu"
	unset XDG_RUNTIME_DIR
	mkdir -p "$TMPDIR" "$BATS_TEST_TMPDIR/k"
	# a stand-in QEMU that answers --version and notes anything else (a boot)
	cat > "$KTSTR_QEMU" <<-EOF2
	#!/bin/sh
	case "\$1" in --version) echo "QEMU emulator version 10.0.2"; exit 0 ;; -L) exit 0 ;; esac
	echo "\$*" >> "$BATS_TEST_TMPDIR/booted"
	EOF2
	chmod +x "$KTSTR_QEMU"
	head -c 4096 /dev/zero > "$BATS_TEST_TMPDIR/k/vmlinuz"
	echo CONFIG_HZ=250 > "$BATS_TEST_TMPDIR/k/config"
	: > "$BATS_TEST_TMPDIR/k/kallsyms"
}

# The fixed job: 2 NUMA nodes, a scheduler, a kernel argument the shell must quote.
job() {
	jq -nc --argjson topo "$(ktstr-topo 2n2l1c1t)" --arg k "$BATS_TEST_TMPDIR/k" \
		'{type: "job", id: "steady-2n2l1c1t", mode: "scenario", topo: $topo,
		  scenario: {name: "steady", cgroups: [{name: "cg_0"}]}, duration_ms: 2000,
		  kernel: {image: "\($k)/vmlinuz", dir: $k, config: "\($k)/config"},
		  cmdline: ["ktstr.note=it'"'"'s"], timeout_s: 60}'
}

# Machine-dependent words made fixed: this test's folder, the host's TSC rate.
fixed() { sed -e "s|$BATS_TEST_TMPDIR|T|g" -e 's/lpj=[0-9]*/lpj=N/'; }

@test "ktstr-boot --dry-run: the exact command line, and nothing booted or made" {
	job > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --dry-run < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | fixed)" = "# steady-2n2l1c1t
T/qemu -nodefaults -name ktstr,debug-threads=on -nographic -no-reboot -nic none -M pc -accel tcg,thread=multi -smp 2,sockets=2,cores=1,threads=1 -m 512 -object memory-backend-file,id=m0,size=256M,mem-path=/proc/self/fd/4,share=on -numa node,nodeid=0,memdev=m0 -object memory-backend-file,id=m1,size=256M,mem-path=/proc/self/fd/5,share=on -numa node,nodeid=1,memdev=m1 -numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=1,socket-id=1 -numa dist,src=0,dst=1,val=20 -numa dist,src=1,dst=0,val=20 -kernel T/k/vmlinuz -initrd /proc/self/fd/3 -append 'console=ttyS0 quiet loglevel=4 panic=-1 nokaslr rdinit=/init mitigations=off tsc=reliable no_timer_check i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd sysrq_always_enabled cryptomgr.notests init_on_alloc=0 initcall_blacklist=load_system_certificate_list,init_encrypted lpj=N ktstr.note=it'\\''s' -chardev socket,id=con,fd=6 -serial chardev:con -device virtio-serial-pci,id=vs0 -chardev socket,id=ev,fd=7 -device virtserialport,bus=vs0.0,chardev=ev,name=ktstr.events -device isa-debug-exit,iobase=0xf4,iosize=4 -qmp 'unix:T/tmp/ktstr-boot.<pid>.XXXXXX/vm1.qmp,server=on,wait=off'" ]
	# the shell reads the words back as QEMU would get them
	eval "set -- $(printf '%s\n' "$output" | sed -n 2p)"
	[ "$#" -eq 52 ]
	[ "${37}" = "-append" ]
	[[ "${38}" == *" ktstr.note=it's" ]]
	# nothing booted, nothing made: no run dir, no cache, no temp files
	[ ! -e "$BATS_TEST_TMPDIR/booted" ]
	[ ! -e "$KTSTR_RUNS_DIR" ] && [ ! -e "$KTSTR_CACHE_DIR" ]
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "ktstr-boot --dry-run: a kernel's first run shows its calibrate boot first; a missing kernel exits 3" {
	rm "$BATS_TEST_TMPDIR/k/kallsyms"
	{ job; job | jq -c '.id = "second"'; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --dry-run < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep '^#')" = "# steady-2n2l1c1t.calibrate: boots once per kernel, to capture its kallsyms
# steady-2n2l1c1t
# second" ]
	# the calibrate VM has one CPU and a kallsyms port; QMP sockets are numbered per VM
	printf '%s\n' "$output" | sed -n 2p | grep -q -- ' -smp 1,sockets=1,cores=1,threads=1 .*name=ktstr.kallsyms .*/vm1.qmp,'
	printf '%s\n' "$output" | sed -n 6p | grep -q -- '/vm3.qmp,'
	job | jq -c '.kernel.image = "/nonexistent/vmlinuz"' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr ktstr-boot --dry-run < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr-boot: job steady-2n2l1c1t: kernel image /nonexistent/vmlinuz not found: run 'ktstr kernel fetch'" ]
	run --separate-stderr ktstr-boot --dry-run --write-initramfs "$BATS_TEST_TMPDIR/x" < /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-boot: --dry-run and --write-initramfs: one or the other" ]
	[ ! -e "$BATS_TEST_TMPDIR/booted" ]
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "ktstr run --dry-run: the job's command line, no run folder; gauntlet --dry-run: one per job" {
	run --separate-stderr ktstr run steady --topo 1n2l2c1t --kernel "$BATS_TEST_TMPDIR/k/vmlinuz" --dry-run
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "# steady-1n2l2c1t" ]
	[[ "${lines[1]}" == "$KTSTR_QEMU -nodefaults "*" -smp 4,sockets=2,cores=2,threads=1 "*" -kernel $BATS_TEST_TMPDIR/k/vmlinuz "* ]]
	run --separate-stderr ktstr gauntlet steady --presets tiny-1llc,tiny-2llc --profiles default \
		--kernel "$BATS_TEST_TMPDIR/k/vmlinuz" --dry-run
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep '^#')" = "# steady-tiny-1llc-default
# steady-tiny-2llc-default" ]
	[ ! -e "$BATS_TEST_TMPDIR/booted" ]
	[ ! -e "$KTSTR_RUNS_DIR" ]
	[ -z "$(ls -A "$TMPDIR")" ]
}
