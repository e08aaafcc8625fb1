#!/usr/bin/env bats
# The guest sees the topology that ktstr-topo's record promises when qemu
# runs with ktstr-topo --qemu (busybox initramfs; no ktstr-boot involved).
load ../helpers

# Print what the guest's sysfs says, one line per node and per CPU, sorted.
guest_topology() {
	local topo=$1 w=$BATS_TEST_TMPDIR/guest
	mkdir -p "$w/root/bin" "$w/root/dev" "$w/root/proc" "$w/root/sys"
	cp "$(command -v busybox)" "$w/root/bin/busybox"
	cat > "$w/root/init" <<'INIT'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
cd /sys/devices/system
for n in node/node*; do echo "GUEST node=${n#node/node} cpus=$($B cat $n/cpulist) dist=$($B cat $n/distance)"; done
for c in cpu/cpu[0-9]*; do
	l=$($B ls -d $c/cache/index* | $B tail -1)
	echo "GUEST cpu=${c#cpu/cpu} llc=$($B cat $l/shared_cpu_list) siblings=$($B cat $c/topology/thread_siblings_list)"
done
$B poweroff -f
INIT
	chmod +x "$w/root/init"
	(cd "$w/root" && find . | cpio -o -H newc 2>/dev/null) > "$w/init.cpio"
	# -cpu max with an Intel vendor: QEMU's default AMD model warns about SMT.
	timeout 180 qemu-system-x86_64 -accel tcg,thread=multi -M q35 \
		-cpu max,vendor=GenuineIntel -nographic -nodefaults -serial stdio -no-reboot \
		-kernel "$KTSTR_TEST_KERNEL_IMAGE" -initrd "$w/init.cpio" \
		-append "console=ttyS0 panic=-1 quiet" $(ktstr-topo --qemu "$topo") 2>&1 |
		tr -d '\r' | grep -oE 'GUEST .*|warning.*' | sort
}

# The same lines, computed from the topo record.
record_topology() {
	ktstr-topo "$1" | jq -r '
		(.distances) as $d |
		(.llc_list | map({(.id|tostring): .cpus}) | add) as $llc |
		(.nodes[] | "GUEST node=\(.id) cpus=\(.cpus) dist=\($d[.id] | map(tostring) | join(" "))"),
		(.cpu_list[] | "GUEST cpu=\(.cpu) llc=\($llc[.llc|tostring]) siblings=\(.siblings)")' | sort
}

@test "guest sysfs matches the record: 2n4l2c2t" {
	require_kernel
	want=$(record_topology 2n4l2c2t)
	run guest_topology 2n4l2c2t
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output"); return 1; }
}

@test "guest sysfs matches the record: 1n3l2c1t" {
	require_kernel
	want=$(record_topology 1n3l2c1t)
	run guest_topology 1n3l2c1t
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output"); return 1; }
}
