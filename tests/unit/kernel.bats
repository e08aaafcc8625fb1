#!/usr/bin/env bats
# ktstr-kernel: the kernel cache. Error cases run against a temporary KTSTR_CACHE_DIR; the
# "real" tests fetch Debian sid's kernel into the default cache, so VM tests reuse it.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
	REAL_CACHE_DIR=${KTSTR_CACHE_DIR:-}
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/ktstr-kernel.XXXXXX")
	export KTSTR_CACHE_DIR=$TMP/cache
	unset KTSTR_KERNEL
	KDIR=$KTSTR_CACHE_DIR/kernels
}

teardown() {
	rm -rf "$TMP"
}

# The caller's cache (the default one unless the environment says otherwise).
use_real_cache() {
	if [ -n "$REAL_CACHE_DIR" ]; then
		export KTSTR_CACHE_DIR=$REAL_CACHE_DIR
	else
		unset KTSTR_CACHE_DIR
	fi
}

# A cache entry with dummy files: fake_entry ID CREATED_AT
fake_entry() {
	mkdir -p "$KDIR/$1"
	echo image >"$KDIR/$1/vmlinuz"
	echo CONFIG_SCHED_CLASS_EXT=y >"$KDIR/$1/config"
	echo elf >"$KDIR/$1/vmlinux"
	jq -n --arg id "$1" --arg t "$2" '{id: $id, release: $id, version: $id, source: "local",
		package: null, arch: "x86_64", image: "vmlinuz", config: "config", btf: "vmlinux",
		created_at: $t, sched_ext: true}' >"$KDIR/$1/meta.json"
}

# An ELF with a .BTF section, enough for the cache's checks.
fake_btf_elf() {
	printf 'btf' >"$TMP/btf.bin"
	objcopy --add-section .BTF="$TMP/btf.bin" "$(type -P true)" "$1"
}

# A directory that looks like a kernel tree to `build`; its make targets only pretend.
fake_kernel_tree() {
	mkdir -p "$1/arch/x86" "$1/scripts/kconfig"
	touch "$1/Kconfig" "$1/arch/x86/Kconfig"
	fake_btf_elf "$1/fake-vmlinux"
	cat >"$1/Makefile" <<'EOF'
defconfig:
	printf 'CONFIG_X86_64=y\nCONFIG_SCHED_CLASS_EXT=n\n' >.config
olddefconfig:
	if [ -f drop-scx ]; then sed -i '/SCHED_CLASS_EXT/d' .config; fi
kernelrelease:
	@echo 6.99.0-fake
bzImage:
	mkdir -p arch/x86/boot && echo "image $$(date +%s%N)" >arch/x86/boot/bzImage
	cp fake-vmlinux vmlinux
EOF
}

no_entries_left() {
	[ -z "$(ls -A "$KDIR" 2>/dev/null)" ]
}

@test "kernel: no command is a usage error, in one line" {
	run --separate-stderr ktstr-kernel
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr kernel: which command? (fetch, build, add, list, path, dir, clean; see 'ktstr kernel help')" ]
}

@test "kernel: --help and help print usage on stdout" {
	run --separate-stderr ktstr-kernel --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr kernel COMMAND [ARGS]" ]
	run --separate-stderr ktstr-kernel help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: ktstr kernel COMMAND [ARGS]" ]
}

@test "kernel: unknown command exits 2" {
	run --separate-stderr ktstr-kernel frobnicate
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr kernel: unknown command 'frobnicate' (see 'ktstr kernel help')" ]
	run --separate-stderr ktstr-kernel lsit
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: unknown command 'lsit': did you mean 'list'? (see 'ktstr kernel help')" ]
}

@test "kernel: unknown options exit 2" {
	run --separate-stderr ktstr-kernel fetch --frob
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: fetch: unexpected argument '--frob' (see 'ktstr kernel --help')" ]
	run --separate-stderr ktstr-kernel clean --keep x
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: clean: bad --keep 'x' (see 'ktstr kernel --help')" ]
}

@test "kernel: path and dir with an empty cache exit 3 and say how to get a kernel" {
	run --separate-stderr ktstr-kernel path
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr kernel: no kernel in $KDIR; run 'ktstr kernel fetch' (or 'make kernel')" ]
	run --separate-stderr ktstr-kernel dir
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr kernel: no kernel in $KDIR; run 'ktstr kernel fetch' (or 'make kernel')" ]
}

@test "kernel: an unknown id or a missing path exits 3" {
	run --separate-stderr ktstr-kernel path nosuch
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr kernel: no kernel 'nosuch' in $KDIR; see 'ktstr kernel list'" ]
	KTSTR_KERNEL=$TMP/nowhere/vmlinuz run --separate-stderr ktstr-kernel path
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr kernel: KTSTR_KERNEL=$TMP/nowhere/vmlinuz: no such file or directory" ]
}

@test "kernel: path resolves the argument, then KTSTR_KERNEL, then the newest entry" {
	fake_entry old 2020-01-01T00:00:00Z
	fake_entry new 2021-01-01T00:00:00Z
	run --separate-stderr ktstr-kernel path
	[ "$status" -eq 0 ]
	[ "$output" = "$KDIR/new/vmlinuz" ]
	KTSTR_KERNEL=old run --separate-stderr ktstr-kernel path
	[ "$output" = "$KDIR/old/vmlinuz" ]
	KTSTR_KERNEL=old run --separate-stderr ktstr-kernel dir new
	[ "$output" = "$KDIR/new" ]
	KTSTR_KERNEL=$KDIR/old run --separate-stderr ktstr-kernel path
	[ "$output" = "$KDIR/old/vmlinuz" ]
	echo img >"$TMP/bzImage"
	cd "$TMP"
	KTSTR_KERNEL=./bzImage run --separate-stderr ktstr-kernel path
	[ "$output" = "$(pwd -P)/bzImage" ]
}

@test "kernel: path --json gives the entry record with absolute paths" {
	fake_entry k1 2021-01-01T00:00:00Z
	run --separate-stderr ktstr-kernel path --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.type, .id, .image, .config, .btf, .ksyms, .complete] | @tsv')" = \
		"$(printf 'kernel\tk1\t%s\t%s\t%s\t\ttrue' "$KDIR/k1/vmlinuz" "$KDIR/k1/config" "$KDIR/k1/vmlinux")" ]
}

@test "kernel: list shows entries newest first and flags incomplete ones" {
	fake_entry old 2020-01-01T00:00:00Z
	fake_entry new 2021-01-01T00:00:00Z
	mkdir -p "$KDIR/broken"
	fake_entry nobtf 2022-01-01T00:00:00Z
	rm "$KDIR/nobtf/vmlinux"
	run --separate-stderr ktstr-kernel list --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.id, .complete, .error // "-"] | @tsv')" = "$(printf '%s\n' \
		"nobtf	false	missing vmlinux" "new	true	-" "old	true	-" "broken	false	missing meta.json")" ]
	run --separate-stderr ktstr-kernel list
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[1]}" == "nobtf "*"INCOMPLETE: missing vmlinux" ]]
	[[ "${lines[2]}" == "new "*"2021-01-01T00:00:00Z" ]]
	# an incomplete entry is never picked
	run --separate-stderr ktstr-kernel path
	[ "$output" = "$KDIR/new/vmlinuz" ]
	run --separate-stderr ktstr-kernel path nobtf
	[ "$status" -eq 3 ]
	[ "$stderr" = "ktstr kernel: kernel entry $KDIR/nobtf is incomplete (missing vmlinux); run 'ktstr kernel clean'" ]
}

@test "kernel: list of an empty cache prints nothing on stdout" {
	run --separate-stderr ktstr-kernel list --json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "kernel: clean removes incomplete entries, named ones, all but N, or all" {
	fake_entry a 2020-01-01T00:00:00Z
	fake_entry b 2021-01-01T00:00:00Z
	fake_entry c 2022-01-01T00:00:00Z
	mkdir -p "$KDIR/broken" "$KDIR/.tmp-x-999999999"
	run --separate-stderr ktstr-kernel clean
	[ "$status" -eq 0 ]
	[ "$(ls -A "$KDIR" | tr '\n' ' ')" = "a b c " ]
	run --separate-stderr ktstr-kernel clean nosuch
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: no kernel 'nosuch' in $KDIR" ]
	run --separate-stderr ktstr-kernel clean --keep 2
	[ "$(ls "$KDIR" | tr '\n' ' ')" = "b c " ]
	run --separate-stderr ktstr-kernel clean b
	[ "$(ls "$KDIR" | tr '\n' ' ')" = "c " ]
	run --separate-stderr ktstr-kernel clean --all
	[ "$status" -eq 0 ]
	no_entries_left
}

@test "kernel: add of a kernel without sched_ext is rejected and leaves nothing" {
	mkdir -p "$TMP/k"
	echo image >"$TMP/k/vmlinuz"
	printf 'CONFIG_BPF=y\n# CONFIG_SCHED_CLASS_EXT is not set\n' >"$TMP/k/config"
	run --separate-stderr ktstr-kernel add "$TMP/k"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "ktstr kernel: CONFIG_SCHED_CLASS_EXT is not set in $TMP/k/config: sched_ext schedulers cannot run on it" ]
	no_entries_left
	mkdir -p "$TMP/deb/usr/lib/modules/6.1.0-x"
	mv "$TMP/k/vmlinuz" "$TMP/k/config" "$TMP/deb/usr/lib/modules/6.1.0-x/"
	run --separate-stderr ktstr-kernel add "$TMP/deb"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: CONFIG_SCHED_CLASS_EXT is not set in $TMP/deb/usr/lib/modules/6.1.0-x/config: sched_ext schedulers cannot run on it" ]
	no_entries_left
}

@test "kernel: add of an image without BTF is rejected and leaves nothing" {
	mkdir -p "$TMP/k"
	head -c 4096 /dev/urandom >"$TMP/k/vmlinuz"
	echo CONFIG_SCHED_CLASS_EXT=y >"$TMP/k/config"
	run --separate-stderr ktstr-kernel add "$TMP/k/vmlinuz"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[-1]}" = "ktstr kernel: $TMP/k/vmlinuz: no compressed ELF with a .BTF section in it (not a bzImage built with CONFIG_DEBUG_INFO_BTF?)" ]
	no_entries_left
}

@test "kernel: add of something that is not a kernel exits 2" {
	run --separate-stderr ktstr-kernel add "$TMP/none"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: $TMP/none: no such file or directory" ]
	mkdir "$TMP/empty"
	run --separate-stderr ktstr-kernel add "$TMP/empty"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: $TMP/empty: no kernel image in it (vmlinuz, bzImage, usr/lib/modules/<release>/vmlinuz or a built kernel tree)" ]
	no_entries_left
}

@test "kernel: build rejects a directory that is not a kernel tree" {
	mkdir -p "$TMP/src"
	run --separate-stderr ktstr-kernel build --source "$TMP/src"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: $(cd "$TMP/src" && pwd -P) is not a kernel source tree (no Makefile, Kconfig and arch/x86/Kconfig)" ]
	run --separate-stderr ktstr-kernel build
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr kernel: build: --source DIR or --debian VERSION is required (see 'ktstr kernel --help')" ]
	no_entries_left
}

@test "kernel: build configures with ktstr.kconfig, makes bzImage and caches the tree's vmlinux" {
	fake_kernel_tree "$TMP/src"
	run --separate-stderr ktstr-kernel build --source "$TMP/src" --jobs 1
	[ "$status" -eq 0 ]
	id=$output
	[[ "$id" =~ ^local-6\.99\.0-fake-[0-9a-f]{8}$ ]]
	# the fragment was merged after defconfig's lines, so it wins
	[ "$(grep -c '^CONFIG_SCHED_CLASS_EXT=y$' "$TMP/src/.config")" -eq 1 ]
	grep -q '^# CONFIG_DEBUG_INFO_BTF_MODULES is not set$' "$TMP/src/.config"
	[ "$(jq -r '[.id, .source, .release, .sched_ext] | @tsv' "$KDIR/$id/meta.json")" = \
		"$(printf '%s\tbuild\t6.99.0-fake\ttrue' "$id")" ]
	cmp "$TMP/src/arch/x86/boot/bzImage" "$KDIR/$id/vmlinuz"
	readelf -S -W "$KDIR/$id/vmlinux" | grep -q '\] \.BTF '
	[ "$(ls -A "$KDIR")" = "$id" ]
}

@test "kernel: build fails with exit 2 when sched_ext does not survive olddefconfig" {
	fake_kernel_tree "$TMP/src"
	touch "$TMP/src/drop-scx"
	run --separate-stderr ktstr-kernel build --source "$TMP/src"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[-1]}" = "ktstr kernel: CONFIG_SCHED_CLASS_EXT did not survive make olddefconfig in $(cd "$TMP/src" && pwd -P)/.config (sched_ext needs Linux >= 6.12; BTF needs pahole >= 1.16)" ]
	[ ! -e "$TMP/src/vmlinux" ]
	no_entries_left
}

# ---- real kernel (network on first use; the default cache, shared with the VM tests) ----------

@test "kernel: fetch gets Debian's sched_ext kernel into the default cache" {
	use_real_cache
	run --separate-stderr ktstr-kernel fetch
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	id=$output
	[[ "$id" =~ ^[0-9]+\.[0-9]+[^/]*-cloud-amd64$ ]]
	run --separate-stderr ktstr-kernel path "$id"
	[ "$status" -eq 0 ]
	[ -f "$output" ]
	dir=${output%/vmlinuz}
	grep -q '^CONFIG_SCHED_CLASS_EXT=y$' "$dir/config"
	[ "$(jq -r '[.id, .source, .sched_ext] | @tsv' "$dir/meta.json")" = "$(printf '%s\tdebian\ttrue' "$id")" ]
}

@test "kernel: a second fetch is quick and changes nothing" {
	use_real_cache
	id=$(ktstr-kernel fetch 2>/dev/null)
	dir=$(ktstr-kernel dir "$id")
	before=$(ls -la --full-time "$dir")
	start=$(date +%s%N)
	run --separate-stderr ktstr-kernel fetch
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	[ "$(ls -la --full-time "$dir")" = "$before" ]
	# the package lists are fresh: no apt-get update
	[[ "$stderr" != *"updating package lists"* ]]
	echo "second fetch: ${ms} ms" >&2
	[ "$ms" -lt 2000 ]
}

@test "kernel: libbpf reads the cached BTF and finds struct sched_ext_ops" {
	use_real_cache
	run --separate-stderr ktstr-kernel path --json
	[ "$status" -eq 0 ]
	btf=$(echo "$output" | jq -r .btf)
	bpftool btf dump file "$btf" | grep -q "STRUCT 'sched_ext_ops'"
}

@test "kernel: add registers a real image (BTF unpacked) and a cache-like dir" {
	use_real_cache
	src=$(ktstr-kernel dir)
	export KTSTR_CACHE_DIR=$TMP/cache
	run --separate-stderr ktstr-kernel add "$src/vmlinuz" --config "$src/config"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^local-.*-cloud-amd64-[0-9a-f]{8}$ ]]
	[ "$(jq -r .source "$KDIR/$output/meta.json")" = local ]
	bpftool btf dump file "$KDIR/$output/vmlinux" | grep -q "STRUCT 'sched_ext_ops'"
	run --separate-stderr ktstr-kernel add "$src" --id mine
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
	run --separate-stderr ktstr-kernel path mine
	[ "$output" = "$KDIR/mine/vmlinuz" ]
	cmp "$src/vmlinuz" "$KDIR/mine/vmlinuz"
	[ -z "$(find "$KDIR" -maxdepth 1 -name '.tmp-*')" ]
}
