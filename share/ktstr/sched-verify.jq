# 'ktstr sched verify': the record stream of one VM per flag profile (slurped; job ids
# "verify-PROFILE") as what the verifier processed to load each BPF program of the scheduler.
# $order: the profile names in order; $sched: the scheduler; $limit: the kernel's instruction
# limit; $warn_pct: the share of it that earns a warning; $mode: json (a sched_verify record per
# profile), table (programs x profiles, a total row), warnings (stderr lines) or failures (why
# profiles did not load, with the scheduler's log).

def near($n): $n * 100 >= $limit * $warn_pct;

def profile_results:
	. as $recs |
	[$order[] as $p | "verify-\($p)" as $id |
	 ([$recs[] | select(.job == $id)]) as $mine |
	 ([$mine[] | select(.type == "verdict")][0]) as $v |
	 ([$mine[] | select(.type == "scenario_end")][0].sched_start) as $start |
	 ([$mine[] | select(.type == "monitor")][0].progs // {} | map_values(.verified_insns // empty)) as $progs |
	 {type: "sched_verify", scheduler: $sched, profile: $p,
	  status: (if $start or ($v.details // [] | any(.kind == "SchedulerStart")) then "failed"
		   elif ($progs | length) > 0 then "loaded" else "unknown" end),
	  progs: $progs, total_verified_insns: ([$progs[]] | add // 0), limit: $limit,
	  near_limit: [$progs | to_entries[] | select(near(.value)) | .key],
	  reason: ($v.reason // (if $v then null else "no verdict (the VM did not finish)" end)),
	  log: ([$v.details[]? | select(.kind == "SchedulerStart" or .kind == "SchedulerDied") |
		 .verifier_log // (.message | split("\n")[1:])][0] // [])}];

# Rows padded to their column's width: the first column left-aligned, the others right.
def columns:
	. as $rows | [range(0; $rows[0] | length) as $c | [$rows[][$c] | length] | max] as $w |
	$rows[] | [range(0; length) as $c | .[$c] as $cell | (" " * ($w[$c] - ($cell | length))) as $pad |
		   if $c == 0 then $cell + $pad else $pad + $cell end] | join("  ") | sub(" +$"; "");

def table:
	profile_results as $r |
	([$r[] | .progs | keys[]] | unique) as $names |
	([["PROGRAM"] + [$r[].profile]] +
	 [$names[] as $n | [$n] + [$r[] | if .status == "failed" then "-"
		elif .progs[$n] == null then "-" else "\(.progs[$n])\(if near(.progs[$n]) then "!" else "" end)" end]] +
	 [["total"] + [$r[] | if .status == "failed" then "FAILED" elif .status == "unknown" then "?"
		else "\(.total_verified_insns)" end]]) | columns,
	(if [$r[].near_limit[]] | length > 0
	 then "! at or above \($warn_pct)% of the kernel's limit of \($limit) instructions" else empty end);

def warnings:
	profile_results[] | .profile as $p | .progs as $progs | .near_limit[] |
	"warning: \($sched) [\($p)]: \(.) verified \($progs[.]) instructions, \($progs[.] * 100 / $limit | floor)% of the kernel's limit of \($limit)";

def failures:
	profile_results[] | select(.status != "loaded") |
	"\($sched) [\(.profile)] \(if .status == "failed" then "failed to load" else "gave no verifier counts" end): \(.reason // "no BPF programs seen by ktstr-probe")",
	(.log[] | "  " + .);

profile_results as $r |
if $mode == "json" then $r[]
elif $mode == "table" then table
elif $mode == "warnings" then warnings
else failures end
