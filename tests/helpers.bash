# Loaded by every bats file: put this tree's tools first on PATH.
KTSTR_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
KTSTR_BUILD_DIR="${KTSTR_BUILD_DIR:-$KTSTR_ROOT/build}"
export KTSTR_ROOT KTSTR_BUILD_DIR
export KTSTR_SHARE_DIR="$KTSTR_ROOT/share/ktstr"
export PATH="$KTSTR_BUILD_DIR/bin:$KTSTR_BUILD_DIR/tests:$KTSTR_ROOT/bin:$PATH"

# A test that needs a kernel fails loudly when there is none.
require_kernel() {
	KTSTR_TEST_KERNEL_IMAGE=$(ktstr kernel path 2>&1) || {
		echo "no kernel for VM tests: $KTSTR_TEST_KERNEL_IMAGE (run 'make kernel')" >&2
		return 1
	}
}

# A build dir $b of this tree's tools whose ktstr-boot is the script on stdin (a stand-in that
# replays recorded runs); run the front end with KTSTR_BUILD_DIR="$b".
standin_boot() {
	b="$BATS_TEST_TMPDIR/build"
	mkdir -p "$b/bin"
	for t in "$KTSTR_BUILD_DIR"/bin/*; do ln -sf "$t" "$b/bin/"; done
	rm "$b/bin/ktstr-boot"
	cat > "$b/bin/ktstr-boot"
	chmod +x "$b/bin/ktstr-boot"
}

# The stream of the run a `ktstr run` summary in $output names ("  records and logs: DIR"): a
# run the emulator spoiled (multi-threaded TCG's int3 race) stays beside the one ktstr ran again.
judged_stream() {
	local dir
	dir=$(printf '%s\n' "$output" | sed -n 's/^  records and logs: //p')
	[ -f "$dir/stream.ndjson" ] || { echo "no run named in the output: '$dir'" >&2; return 1; }
	cat "$dir/stream.ndjson"
}
