#!/usr/bin/env bats
# ktstr kernel build --debian: a kernel from a linux-source-M.N package. These tests give it a
# package file holding a fake tree (no apt, no compiler); VM tests boot a real one.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/ktstr-ksrc.XXXXXX")
	export KTSTR_CACHE_DIR=$TMP/cache
	unset KTSTR_KERNEL
	KDIR=$KTSTR_CACHE_DIR/kernels
}

teardown() {
	rm -rf "$TMP"
}

# linux-source-6.99 at version $1: a tree whose allnoconfig keeps the fragment's "=y" lines
# (all but those named in drop-opts) and whose bzImage target only pretends.
fake_source_deb() {
	local tree=$TMP/root/linux-source-6.99 pkg=$TMP/pkg
	mkdir -p "$tree/arch/x86" "$pkg/DEBIAN" "$pkg/usr/src"
	touch "$tree/Kconfig" "$tree/arch/x86/Kconfig" "$tree/drop-opts"
	printf 'btf' >"$TMP/btf.bin"
	objcopy --add-section .BTF="$TMP/btf.bin" "$(type -P true)" "$tree/fake-vmlinux"
	cat >"$tree/Makefile" <<'EOF'
allnoconfig:
	grep '^CONFIG_.*=y$$' "$(KCONFIG_ALLCONFIG)" | grep -v -F -f drop-opts >"$(O)/.config" || :
bzImage:
	mkdir -p "$(O)/arch/x86/boot" "$(O)/include/config"
	echo "image $$(date +%s%N)" >"$(O)/arch/x86/boot/bzImage"
	cp fake-vmlinux "$(O)/vmlinux"
	echo 6.99.1-ktstr >"$(O)/include/config/kernel.release"
	touch "$(O)/built"
EOF
	tar -cJf "$pkg/usr/src/linux-source-6.99.tar.xz" -C "$TMP/root" linux-source-6.99
	printf 'Package: linux-source-6.99\nVersion: %s\nArchitecture: all\nMaintainer: t <t@t>\nDescription: fake\n' \
		"$1" >"$pkg/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$pkg" "$TMP/linux-source-6.99.deb" >/dev/null
}

@test "kernel source: build --debian FILE.deb unpacks, configures from both fragments, builds and caches" {
	fake_source_deb '6.99.1-1~t1'
	run --separate-stderr ktstr-kernel build --debian "$TMP/linux-source-6.99.deb" --jobs 1
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	id=$output
	[[ "$id" =~ ^src-6\.99\.1-1_t1-[0-9a-f]{8}$ ]]
	[ -f "$KTSTR_CACHE_DIR/sources/6.99.1-1~t1/linux-source-6.99/Makefile" ]
	# the base's options and ktstr.kconfig's, in the kernel's config
	grep -q '^CONFIG_X86_IOPL_IOPERM=y$' "$KDIR/$id/config"
	grep -q '^CONFIG_SCHED_CLASS_EXT=y$' "$KDIR/$id/config"
	grep -q '^CONFIG_PVH=y$' "$KDIR/$id/config"
	[ "$(jq -r '[.source, .version, .package, .release, .dist, (.build_seconds | type), .build_jobs] | @tsv' \
		"$KDIR/$id/meta.json")" = "$(printf 'deb-src\t6.99.1-1~t1\tlinux-source-6.99\t6.99.1-ktstr\tlocal\tnumber\t1')" ]
	run ktstr-kernel list
	[[ "${lines[1]}" =~ ^$id\ +6\.99\.1-ktstr\ +deb-src\  ]]
}

@test "kernel source: the same version and config again is the cached entry, not a build" {
	fake_source_deb '6.99.1-1'
	id=$(ktstr-kernel build --debian "$TMP/linux-source-6.99.deb" 2>/dev/null)
	rm "$KTSTR_CACHE_DIR/kbuild/6.99.1-1/built"
	run --separate-stderr ktstr-kernel build --debian "$TMP/linux-source-6.99.deb"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	[[ "$stderr" == *"$id is cached (this version and config)"* ]]
	[ ! -e "$KTSTR_CACHE_DIR/kbuild/6.99.1-1/built" ]
	run --separate-stderr ktstr-kernel build --debian "$TMP/linux-source-6.99.deb" --force
	[ "$status" -eq 0 ]
	[ -e "$KTSTR_CACHE_DIR/kbuild/6.99.1-1/built" ]
}

@test "kernel source: without sched_ext after allnoconfig it exits 2 and caches nothing" {
	fake_source_deb '6.99.1-1'
	echo CONFIG_SCHED_CLASS_EXT >"$TMP/root/linux-source-6.99/drop-opts"
	echo CONFIG_PVH >>"$TMP/root/linux-source-6.99/drop-opts"
	tar -cJf "$TMP/pkg/usr/src/linux-source-6.99.tar.xz" -C "$TMP/root" linux-source-6.99
	dpkg-deb --root-owner-group -b "$TMP/pkg" "$TMP/linux-source-6.99.deb" >/dev/null
	run --separate-stderr ktstr-kernel build --debian "$TMP/linux-source-6.99.deb"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not in this kernel's config (unknown to it or its dependencies are off): CONFIG_PVH"* ]]
	[ "${stderr_lines[-1]}" = "ktstr kernel: CONFIG_SCHED_CLASS_EXT did not survive make allnoconfig in $KTSTR_CACHE_DIR/kbuild/6.99.1-1/.config (sched_ext needs Linux >= 6.12; BTF needs pahole >= 1.16)" ]
	[ -z "$(ls -A "$KDIR" 2>/dev/null)" ]
}

@test "kernel source: a bad version or package exits 2 with one line naming it" {
	for v in 6 foo 6.12/x '6.12 1'; do
		run --separate-stderr ktstr-kernel build --debian "$v"
		[ "$status" -eq 2 ]
		[ "$stderr" = "ktstr kernel: build --debian $v: expected a series (6.12), a package version (6.12.118-1~deb12u1) or a linux-source-M.N .deb" ]
	done
	run --separate-stderr ktstr-kernel build --debian "$TMP/none.deb"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: build --debian $TMP/none.deb: no such file" ]
	echo junk >"$TMP/junk.deb"
	run --separate-stderr ktstr-kernel build --debian "$TMP/junk.deb"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: build --debian $TMP/junk.deb: not a Debian package" ]
	run --separate-stderr ktstr-kernel build --debian 6.12 --source "$TMP"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: build: --source or --debian, not both (see 'ktstr kernel --help')" ]
	[ ! -e "$KTSTR_CACHE_DIR/sources" ]
}
