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
