# tests/kill.bash: kill one stage of a `ktstr run` or a gauntlet at a chosen moment, then check
# what it left behind. Sourced by tests/killtest (random moments) and tests/vm/kill.bats (a
# fixed sample). Needs bash, jq and this tree's tools on PATH.
#
#   kill_one MODE STAGE SIGNAL POINT
#     MODE    run (ktstr run steady under scx-ktstr) or gauntlet (2 jobs, -j 1)
#     STAGE   ktstr (the front end: bin/ktstr or bin/ktstr-gauntlet), ktstr-boot, ktstr-probe,
#             ktstr-eval or ktstr-sidecar; none: no kill (the run must reach a verdict, store
#             it and leave nothing)
#     SIGNAL  KILL or TERM
#     POINT   EVENT+MS: MS milliseconds after EVENT: start (the front end started), boot (a
#             QEMU started), step (a scenario step in the stream) or exit (a QEMU ended)
#   Prints one line: what was killed, at which stage of the run, the exit status, and the
#   leftovers: QEMU or other processes of the run still alive, files in /dev/shm or $TMPDIR,
#   hidden files in the run folder, stored files that do not parse. Returns 0 when nothing was
#   left, 1 when something was, 2 when the stage was not running at that moment (a miss).
#   KILL_LOG (a folder) keeps each kill's stderr and stream; KILL_SCHED the scheduler.

KILL_SCHED=${KILL_SCHED:-scx-ktstr}
KILL_WORK=""

# A process's and its descendants' pids.
kill_tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = 1; q[1] = root
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], k, " ")
				for (j = 1; j <= m; j++) q[++n] = k[j]
			}
		}'
}

# The first process named STAGE under ROOT (ROOT itself for the front end).
kill_target() { # ROOT STAGE
	local p
	if [ "$2" = ktstr ]; then
		echo "$1"
		return
	fi
	for p in $(kill_tree "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && { echo "$p"; return; }
	done
	return 1
}

# Processes whose environment carries this kill's tag: whatever the run started, wherever it
# was reparented to.
kill_tagged() {
	local e p
	for e in $(grep -lsxzF "KTSTR_KILL_TAG=$KILL_TAG" /proc/[0-9]*/environ); do
		p=${e#/proc/}
		p=${p%/environ}
		case $(ps -o stat= -p "$p" 2>/dev/null) in "" | Z*) continue ;; esac
		echo "$p:$(cat "/proc/$p/comm" 2>/dev/null)"
	done
}

# alive, or gone (a zombie too)
kill_proc_state() {
	local st
	{ read -r st < "/proc/$1/stat"; } 2>/dev/null || { echo gone; return; }
	st=${st##*) }
	case ${st%% *} in Z | X) echo gone ;; *) echo alive ;; esac
}

# Is a QEMU the run started still there?
kill_qemu_alive() {
	local q
	for q in $(cat "$KILL_WORK/qemu.pids" 2>/dev/null); do
		[ "$(kill_proc_state "$q")" = gone ] || return 0
	done
	return 1
}

# Note the QEMUs under FRONT (in $KILL_WORK/qemu.pids): the checks follow them after the kill.
kill_note_qemu() { # FRONT
	local p
	for p in $(kill_tree "$1"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		qemu-system*) grep -qx "$p" "$KILL_WORK/qemu.pids" 2>/dev/null || echo "$p" >> "$KILL_WORK/qemu.pids" ;;
		esac
	done
}

# Wait until EVENT of POINT has happened (or the front end is gone), then MS more.
kill_wait_point() { # FRONT POINT
	local ev=${2%+*} ms=${2#*+} i q
	for i in $(seq 3000); do
		kill -0 "$1" 2>/dev/null || return 1
		kill_note_qemu "$1"
		case $ev in
		start) break ;;
		boot) [ -s "$KILL_WORK/qemu.pids" ] && break ;;
		step) grep -qs '"type":"step"' "$KILL_WORK"/runs/*/stream.ndjson && break ;;
		exit)	# the first QEMU's end, watched closely: what follows it is short
			q=$(head -n 1 "$KILL_WORK/qemu.pids" 2>/dev/null)
			if [ -n "$q" ]; then
				while [ "$(kill_proc_state "$q")" = alive ]; do sleep 0.005; done
				break
			fi ;;
		*) echo "kill_one: bad point '$2'" >&2; return 2 ;;
		esac
		sleep 0.02
	done
	local end=$(($(date +%s%N) / 1000000 + ms))
	while [ "$(($(date +%s%N) / 1000000))" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 1
		kill_note_qemu "$1"
		sleep 0.02
	done
}

# What the stream says the run was doing when the kill came.
kill_stage_seen() {
	local s
	s=$(cat "$KILL_WORK"/runs/*/stream.ndjson 2>/dev/null | grep -v '"type":"sample"' |
		jq -r 'if .type == "vm" then "vm " + .phase elif .type == "step" then "step \(.index + 1)"
			elif .type == "sched" then "sched " + .event else .type end' 2>/dev/null | tail -n 1)
	echo "${s:-before any record}"
}

kill_one() { # MODE STAGE SIGNAL POINT
	local mode=$1 stage=$2 sig=$3 point=$4 sub front target rc at left="" f p i n shm_before
	KILL_TAG="$mode.$stage.$sig.$$.$RANDOM"
	KILL_WORK=$(mktemp -d "${KILL_TMP:-/tmp}/ktstr-kill.XXXXXX") || return 2
	mkdir -p "$KILL_WORK/tmp" "$KILL_WORK/runs"
	shm_before=$(ls -A /dev/shm | sort)
	(
		export KTSTR_KILL_TAG=$KILL_TAG TMPDIR="$KILL_WORK/tmp" KTSTR_RUNS_DIR="$KILL_WORK/runs"
		unset XDG_RUNTIME_DIR
		# the front end runs under this subshell, which says how it ended: a signal's
		# end is noted in the run's stderr, not in this script's
		case $mode in
		run) ktstr run steady --scheduler "$KILL_SCHED" < /dev/null & ;;
		gauntlet) ktstr gauntlet steady --scheduler "$KILL_SCHED" --presets tiny-1llc,tiny-2llc \
			--profiles default -j 1 < /dev/null & ;;
		esac
		echo $! > "$KILL_WORK/front.pid"
		wait $!
		exit $?
	) > "$KILL_WORK/out" 2> "$KILL_WORK/err" &
	sub=$!
	for i in $(seq 100); do [ -s "$KILL_WORK/front.pid" ] && break; sleep 0.01; done
	front=$(cat "$KILL_WORK/front.pid")
	if [ "$stage" = none ]; then	# a run left alone, checked the same way
		target=none at=none
	elif ! kill_wait_point "$front" "$point" || ! target=$(kill_target "$front" "$stage"); then
		wait "$sub"
		echo "$mode $stage $sig $point: missed ($stage not running then; exit $?)"
		[ -z "${KILL_LOG:-}" ] || { mkdir -p "$KILL_LOG"; cp "$KILL_WORK/err" "$KILL_LOG/missed.$mode.$stage.$sig.$point.$$.$RANDOM.err"; }
		kill_cleanup
		return 2
	else
		at=$(kill_stage_seen)
		kill "-$sig" "$target" 2>/dev/null
	fi
	# the front end ends on its own, at once: a hang is a leak too
	n=600
	[ "$stage" != none ] || n=3000
	for i in $(seq "$n"); do kill -0 "$front" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$front" 2>/dev/null; then
		left="$left front end still running after $((n / 10)) s;"
		kill -KILL "$front"
	fi
	wait "$sub"
	rc=$?
	# the cleaners (ktstr-boot-gc) end right after what they watch; a killed QEMU may take a
	# moment to end (its memory goes first: it is then no longer found by its environment)
	for i in $(seq 50); do [ -z "$(kill_tagged)" ] && ! kill_qemu_alive && break; sleep 0.1; done
	p=$(kill_tagged | tr '\n' ' ')
	[ -z "$p" ] || left="$left processes: $p;"
	for p in $(cat "$KILL_WORK/qemu.pids" 2>/dev/null); do
		[ "$(kill_proc_state "$p")" = alive ] || continue
		left="$left qemu $p alive ($(ps -o stat=,wchan=,comm= -p "$p" 2>/dev/null)"
		left="$left$(grep -qsxzF "KTSTR_KILL_TAG=$KILL_TAG" "/proc/$p/environ" || echo ", not ours?"));"
	done
	f=$(comm -13 <(printf '%s\n' "$shm_before") <(ls -A /dev/shm | sort) | tr '\n' ' ')
	[ -z "$f" ] || left="$left /dev/shm: $f;"
	f=$(ls -A "$KILL_WORK/tmp" | tr '\n' ' ')
	[ -z "$f" ] || left="$left TMPDIR: $f;"
	for f in "$KILL_WORK"/runs/*/.* "$KILL_WORK"/runs/*/*; do
		[ -e "$f" ] || continue
		case ${f##*/} in
		. | ..) ;;
		.*) left="$left hidden ${f#"$KILL_WORK"/runs/};" ;;
		*.json) jq empty "$f" 2>/dev/null || left="$left torn ${f#"$KILL_WORK"/runs/};" ;;
		*.ndjson) jq -c . "$f" > /dev/null 2>&1 || left="$left torn ${f#"$KILL_WORK"/runs/};" ;;
		esac
	done
	KTSTR_RUNS_DIR="$KILL_WORK/runs" ktstr runs list > /dev/null 2>&1 || left="$left 'ktstr runs list' fails;"
	# a killed stage is not bad input; a run left alone gets its verdict (on a busy host a
	# monitored scheduler may rightly fail) and stores it
	[ "$rc" != 2 ] || left="$left exit 2;"
	if [ "$stage" = none ]; then
		case $rc in 0 | 1) ;; *) left="$left exit $rc unkilled;" ;; esac
		ls "$KILL_WORK"/runs/*/*-*.json > /dev/null 2>&1 || left="$left no run record stored;"
	fi
	echo "$mode $stage $sig $point: killed pid $target at '$at', exit $rc; left:${left:- nothing}"
	if [ -n "${KILL_LOG:-}" ]; then
		mkdir -p "$KILL_LOG"
		f="$KILL_LOG/$mode.$stage.$sig.$point.$$.$RANDOM"
		cp "$KILL_WORK/err" "$f.err"
		cp "$KILL_WORK/out" "$f.out"
		cat "$KILL_WORK"/runs/*/stream.ndjson > "$f.stream" 2>/dev/null || :
	fi
	kill_cleanup
	[ -z "$left" ]
}

# The kill's own folder goes; processes it left are killed here (after being reported).
kill_cleanup() {
	local p
	for p in $(kill_tagged); do kill -KILL "${p%%:*}" 2>/dev/null; done
	rm -rf "$KILL_WORK"
}
