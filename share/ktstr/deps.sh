#!/bin/sh
# Install what ktstr needs from Debian bookworm and bookworm-backports.
# Quick no-op when everything is present; needs root otherwise.
set -eu

# chromium: the unit tests load the HTML report (ktstr runs report) in it, headless.
# libclang-rt-19-dev: clang-19's sanitizer and libFuzzer runtimes (make fuzz).
BASE="make gcc clang-19 libclang-rt-19-dev pkg-config libelf-dev zlib1g-dev libzstd-dev libjansson-dev
jq bats busybox-static zstd xz-utils cpio ca-certificates libxml2-utils help2man
openssh-server openssh-client parallel rsync
stress-ng rt-tests sysbench fio
chromium"
BACKPORTS="qemu-system-x86 libbpf-dev bpftool"
# Versions that must come from backports.
need_bpo() {
	v=$(dpkg-query -W -f '${Version}' "$1" 2>/dev/null) || return 0
	case $1 in
	qemu-system-x86) dpkg --compare-versions "$v" ge 1:8.1 ;;
	libbpf-dev) dpkg --compare-versions "$v" ge 1:1.4 ;;
	bpftool) dpkg --compare-versions "$v" ge 7.4 ;;
	esac && return 1 || return 0
}

missing=""
for p in $BASE; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
missing_bpo=""
for p in $BACKPORTS; do
	need_bpo "$p" && missing_bpo="$missing_bpo $p"
done
if [ -z "$missing$missing_bpo" ]; then
	echo "deps: all present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing$missing_bpo; run 'make deps' as root" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing_bpo" ] &&
	! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
	echo "deb $mirror bookworm-backports main" > /etc/apt/sources.list.d/ktstr-backports.list
fi
apt-get update -q
[ -z "$missing" ] || apt-get install -y -q --no-install-recommends $missing
[ -z "$missing_bpo" ] || apt-get install -y -q --no-install-recommends -t bookworm-backports $missing_bpo
