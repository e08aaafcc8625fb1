#!/usr/bin/env bats
# The README's recipe for a gauntlet on many machines, for real: an sshd on the loopback address,
# two accounts as two hosts, GNU parallel running one shard on each over ssh and bringing its run
# folder back, `ktstr runs merge` joining them. Needs root (accounts, sshd), openssh-server, GNU
# parallel and rsync ('make deps' installs them) and a kernel.
load ../helpers

bats_require_minimum_version 1.5.0

USERS="ktstr-shard-a ktstr-shard-b"

setup_file() {
	[ "$(id -u)" = 0 ] || { echo "shards.bats needs root (accounts, sshd)" >&2; return 1; }
	for t in /usr/sbin/sshd parallel rsync ssh-keygen useradd; do
		command -v "$t" > /dev/null || { echo "shards.bats needs $t: run 'make deps'" >&2; return 1; }
	done
	require_kernel
}

setup() {
	# Everything the accounts read lives in one world-readable folder: an installed ktstr, a kernel.
	T=$(mktemp -d /tmp/ktstr-shards.XXXXXX)
	chmod 755 "$T"
	make -C "$KTSTR_ROOT" -s install PREFIX="$T/inst" > /dev/null
	kdir=$(ktstr kernel dir)
	mkdir -p "$T/cache/kernels"
	cp -r "$kdir" "$T/cache/kernels/"
	chmod -R a+rX "$T/cache" "$T/inst"
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$T/id"
	cp "$T/id.pub" "$T/authorized_keys"
	chmod 644 "$T/authorized_keys"
	for u in $USERS; do
		userdel -r "$u" > /dev/null 2>&1 || true
		useradd -m -d "$T/home-$u" -s /bin/sh "$u"
		usermod -p "*" "$u"	# not locked: sshd refuses a locked account even a key
		# its own cache (ktstr-boot keeps initramfs parts there), the kernel shared
		mkdir -p "$T/home-$u/cache"
		ln -s "$T/cache/kernels" "$T/home-$u/cache/kernels"
		chown -R "$u" "$T/home-$u"
	done
	port=$(( 20000 + $$ % 20000 ))
	cat > "$T/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $T/hostkey
	PidFile $T/sshd.pid
	AuthorizedKeysFile $T/authorized_keys
	StrictModes no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	EOF
	/usr/sbin/sshd -f "$T/sshd_config"
	ssh_cmd="ssh -i $T/id -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"
	: > "$T/hosts"
	for u in $USERS; do printf '1/%s %s@127.0.0.1\n' "$ssh_cmd" "$u" >> "$T/hosts"; done
}

teardown() {
	[ -f "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2> /dev/null
	for u in $USERS; do
		pkill -KILL -u "$u" 2> /dev/null || true
		userdel -r "$u" > /dev/null 2>&1 || true
	done
	rm -rf "$T"
}

@test "shards: two hosts over ssh with GNU parallel, merged into one run of the whole plan" {
	plan="steady cgroup_add cpuset_apply --presets tiny-2llc --profiles default --duration 1"
	# the recipe of README.md, with the environment the accounts need in the command
	cd "$T" && mkdir local && cd local
	env_remote="env PATH=$T/inst/bin:/usr/bin:/bin KTSTR_CACHE_DIR=\$HOME/cache KTSTR_ACCEL=tcg"
	# shellcheck disable=SC2086
	run --separate-stderr parallel --will-cite --sshloginfile "$T/hosts" --jobs 1 --return 'shards/{}' \
		--cleanup "$env_remote ktstr gauntlet $plan --shard {}/2 --run-dir shards/{}" ::: 1 2
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	# each host ran its own shard as its own account
	[ "$(jq -r 'select(.type == "verdict") | .job' shards/1/stream.ndjson shards/2/stream.ndjson | sort)" = \
		"$(KTSTR_RUNS_DIR=$T/none ktstr gauntlet $plan --list | cut -f1 | sort)" ]
	[ "$(stat -c %U shards/1/jobs.ndjson shards/2/jobs.ndjson | sort -u | wc -l)" -eq 1 ]	# rsync made them ours
	export KTSTR_RUNS_DIR="$T/runs"
	run --separate-stderr ktstr runs merge shards/1 shards/2
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	merged=$(ls "$KTSTR_RUNS_DIR")
	# the merged run holds the same jobs as the whole plan, each passed
	[ "$(ktstr runs show --json "$merged" | jq -r '[.job, .result] | @tsv' | sort)" = \
		"$(KTSTR_RUNS_DIR=$T/none ktstr gauntlet $plan --list | cut -f1 | sort | sed 's/$/\tpass/')" ]
	run ktstr runs list --json
	[ "$(printf '%s\n' "$output" | jq -c '[.run_id, .jobs, .pass, .fail]')" = "[\"$merged\",3,3,0]" ]
}
