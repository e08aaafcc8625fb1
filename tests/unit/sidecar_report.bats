#!/usr/bin/env bats
# ktstr-sidecar report: a stored run as one self-contained HTML page, loaded from
# disk in headless Chromium (Debian's chromium, installed by `make deps`); each test
# saves a screenshot under $KTSTR_TEST_ARTIFACTS (default: the test's tmpdir) and
# prints its path. Fixtures: report/error-after-2jobs (a real 2-job gauntlet of
# cpuset_apply, scx-ktstr --error-after 500, both fail, samples kept), gauntlet/stream
# (seven real jobs, verdicts in it), report/synth-60s.sh (60 s on 16 CPUs, synthetic).
load ../helpers

F="$BATS_TEST_DIRNAME/../fixtures"

setup() {
	command -v chromium > /dev/null || {
		echo "no chromium: run 'make deps'" >&2
		return 1
	}
	R="$BATS_TEST_TMPDIR/runs"
	mkdir -p "$R"
}

store() {	# RUN-ID < stream: as `ktstr run` stores it
	mkdir -p "$R/$1"
	ktstr-eval | ktstr-sidecar write --pass --runs-dir "$R" --run-id "$1" > "$R/$1/stream.ndjson" || true
}

# Chromium as root in a container: no sandbox, no GPU, a profile of its own.
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$BATS_TEST_TMPDIR/chrome" "$@" 2> "$BATS_TEST_TMPDIR/chrome.log"
}

# PAGE NAME: the screenshot, kept where the run's artifacts go.
screenshot() {
	local dir="${KTSTR_TEST_ARTIFACTS:-$BATS_TEST_TMPDIR}"
	mkdir -p "$dir"
	chrome --window-size=1280,2400 --screenshot="$dir/$2.png" "file://$1" > /dev/null
	[ -s "$dir/$2.png" ]
	echo "# screenshot: $dir/$2.png" >&3
}

@test "report: a failed job in Chromium: a heatmap row per CPU, the steps, the failure marker, the details" {
	store r1 < "$F/report/error-after-2jobs.ndjson"
	run ktstr-sidecar report --runs-dir "$R" r1 cpuset_apply-tiny-2llc-default
	[ "$status" -eq 0 ]
	[ "$output" = "$R/r1/report.html" ]
	chrome --dump-dom "file://$R/r1/report.html" > "$BATS_TEST_TMPDIR/dom.html"
	dom="$BATS_TEST_TMPDIR/dom.html"
	# the topology: 1 node, 2 LLCs, 4 CPUs; per heatmap one row per CPU
	[ "$(grep -o 'class="node"' "$dom" | wc -l)" -eq 1 ]
	[ "$(grep -o 'class="llc"' "$dom" | wc -l)" -eq 2 ]
	[ "$(grep -o 'class="cpu"' "$dom" | wc -l)" -eq 4 ]
	[ "$(grep -o '<svg class="heatmap [a-z]*"' "$dom" | tr '\n' ' ')" = '<svg class="heatmap rq" <svg class="heatmap dsq" ' ]
	[ "$(grep -o '<g class="hm-row" data-cpu="[0-9]*"' "$dom" | sed 's/.*data-cpu=//' | tr '\n' ' ')" = '"0" "1" "2" "3" "0" "1" "2" "3" ' ]
	[ "$(grep -o 'class="step-marker"' "$dom" | wc -l)" -eq 4 ]
	grep -q '<g class="failure-marker" id="failure">' "$dom"
	grep -q '<span class="result r-fail">fail</span>' "$dom"
	grep -q '<b>SchedulerDied</b>: <pre>sched_ext disabled the scheduler during step 2 of 2 (1.3 s into the test): scx_bpf_error: ktstr: injected error after 500 ms (ERROR_BPF)</pre>' "$dom"
	# workers, the scheduler's log, the kernel's dump, the console, the timeline
	[ "$(grep -o '<tr><td>cg_[01]</td><td class="n">13[1-4]</td>' "$dom" | wc -l)" -eq 4 ]
	grep -q '<pre class="sched-log">' "$dom"
	grep -q '<h3>sched_ext dump 1 (error: scx_bpf_error)</h3>' "$dom"
	grep -q 'sched_ext: ktstr: ktstr: injected error after 500 ms' "$dom"
	grep -q '<td>set_cpuset cg_0, set_cpuset cg_1</td>' "$dom"
	screenshot "$R/r1/report.html" report-job
}

@test "report: a gauntlet's matrix of scenario x preset x profile in Chromium, each cell linking to its job" {
	mkdir -p "$R/g1"
	cp "$F/gauntlet/stream.ndjson" "$R/g1/stream.ndjson"
	# the planned jobs make the axes: the one that never ran (mixed_workloads) shows as such
	cp "$F/gauntlet/jobs.ndjson" "$R/g1/jobs.ndjson"
	run ktstr-sidecar report --runs-dir "$R" -o "$BATS_TEST_TMPDIR/g.html" g1
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/g.html" ]
	chrome --dump-dom "file://$BATS_TEST_TMPDIR/g.html" > "$BATS_TEST_TMPDIR/dom.html"
	dom="$BATS_TEST_TMPDIR/dom.html"
	grep -o '<tr><th>scenario</th>.*</tr>' "$dom" > "$BATS_TEST_TMPDIR/head"
	[ "$(cat "$BATS_TEST_TMPDIR/head")" = '<tr><th>scenario</th><th>tiny-1llc / default</th><th>tiny-2llc / default</th></tr>' ]
	grep -o '<tr><th>[a-z_]*</th><td.*</tr>' "$dom" > "$BATS_TEST_TMPDIR/rows"
	diff - "$BATS_TEST_TMPDIR/rows" <<'EOT'
<tr><th>steady</th><td class="cell r-pass"><a href="#job-steady-tiny-1llc-default">pass</a></td><td class="cell r-pass"><a href="#job-steady-tiny-2llc-default">pass</a></td></tr>
<tr><th>cgroup_add</th><td class="cell r-pass"><a href="#job-cgroup_add-tiny-1llc-default">pass</a></td><td class="cell r-pass"><a href="#job-cgroup_add-tiny-2llc-default">pass</a></td></tr>
<tr><th>steady_llc</th><td></td><td class="cell r-pass"><a href="#job-steady_llc-tiny-2llc-default">pass</a></td></tr>
<tr><th>cpuset_apply</th><td class="cell r-fail"><a href="#job-cpuset_apply-tiny-1llc-default">fail</a></td><td class="cell r-fail"><a href="#job-cpuset_apply-tiny-2llc-default">fail</a></td></tr>
<tr><th>mixed_workloads</th><td class="cell r-none">not run</td><td></td></tr>
EOT
	# every link has its job's section
	for id in $(grep -o 'href="#job-[^"]*"' "$dom" | sed 's/href="#//; s/"//'); do
		grep -q "<section class=\"job\" id=\"$id\">" "$dom"
	done
	[ "$(grep -o '<section class="job"' "$dom" | wc -l)" -eq 7 ]
	grep -q '<p>7 jobs of 8 planned</p>' "$dom"
	# no samples in this stream: the page says so instead of drawing
	grep -q 'no samples: the run was not watched from the host' "$dom"
	screenshot "$BATS_TEST_TMPDIR/g.html" report-matrix
}

@test "report: 60 s on 16 CPUs, every value changing each sample, is under 2 MB and needs nothing outside it" {
	ktstr-topo 2n4l2c2t > "$BATS_TEST_TMPDIR/topo.json"
	"$F/report/synth-60s.sh" "$(cat "$BATS_TEST_TMPDIR/topo.json")" | store big
	run ktstr-sidecar report --runs-dir "$R" big
	[ "$status" -eq 0 ]
	page="$R/big/report.html"
	[ "$(stat -c %s "$page")" -lt 2000000 ]
	# no scripts, nothing fetched: the only URL is SVG's namespace
	! grep -qi '<script' "$page"
	! grep -Eq '(src|href)="(https?:)?//' "$page"
	[ "$(grep -o 'https\?://[^"]*' "$page" | sort -u)" = "http://www.w3.org/2000/svg" ]
	chrome --dump-dom "file://$page" > "$BATS_TEST_TMPDIR/dom.html"
	[ "$(grep -o '<g class="hm-row"' "$BATS_TEST_TMPDIR/dom.html" | wc -l)" -eq 32 ]
	[ "$(grep -o 'class="cpu"' "$BATS_TEST_TMPDIR/dom.html" | wc -l)" -eq 16 ]
	grep -q 'id="failure"' "$BATS_TEST_TMPDIR/dom.html"
	screenshot "$page" report-60s-16cpus
}

@test "report: -o - writes the page to stdout; no such job is a usage error" {
	store r1 < "$F/report/error-after-2jobs.ndjson"
	run ktstr-sidecar report --runs-dir "$R" -o - r1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "<!DOCTYPE html>" ]
	[ ! -e "$R/r1/report.html" ]
	run ktstr-sidecar report --runs-dir "$R" r1 nope
	[ "$status" -eq 2 ]
	[ "$output" = "ktstr-sidecar: run r1 has no job or test 'nope'" ]
}

@test "report and trace: a job run again (a gauntlet's retry) shows only its last attempt" {
	mkdir -p "$R/again"
	ktstr-eval < "$F/eval/degrade-step-scx.ndjson" > "$BATS_TEST_TMPDIR/once" || true
	jq -c 'if .type == "verdict" then .result = "inconclusive" | .retry = true else . end' \
		"$BATS_TEST_TMPDIR/once" > "$R/again/stream.ndjson"
	cat "$BATS_TEST_TMPDIR/once" >> "$R/again/stream.ndjson"
	run ktstr-sidecar report --runs-dir "$R" -o - again
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '<section class="job"')" -eq 1 ]
	echo "$output" | grep -q '<span class="result r-fail">fail</span>'
	! echo "$output" | grep -q 'r-inconclusive'
	[ "$(echo "$output" | grep -o '<g class="hm-row"' | wc -l)" -eq 8 ]
	run ktstr-sidecar trace --runs-dir "$R" again
	[ "$(echo "$output" | jq '[.traceEvents[] | select(.name == "cpu0 nr_running")] | length')" -eq 64 ]
}

# sidecar/absurd-numbers.ndjson: numbers past any integer where the page draws or counts.
@test "report: numbers past any integer in a stored stream are clamped, not cast (undefined)" {
	mkdir -p "$R/absurd"
	cp "$F/sidecar/absurd-numbers.ndjson" "$R/absurd/stream.ndjson"
	run ktstr-sidecar report --runs-dir "$R" -o "$BATS_TEST_TMPDIR/p.html" absurd
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/p.html" ]
	[ "$(grep -o 'data-\(cpu\|node\|llc\)="[-0-9]*"' "$BATS_TEST_TMPDIR/p.html" | sort -u | tr '\n' ' ')" = \
		'data-cpu="1048576" data-cpu="2147483647" data-llc="-1048576" data-node="1048576" ' ]
	[ "$(grep -c '<td>9223372036854775807</td>' "$BATS_TEST_TMPDIR/p.html")" -eq 1 ]
}
