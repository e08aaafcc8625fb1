# The flag profiles of a scheduler definition (the input; null for a scheduler without one):
# $want "all" is every subset of its flags that their "requires" allow, fewest flags first and in
# declaration order; "default" is no flags; "a,b+c" names profiles ("default" for none).
# Output: an array of profiles (arrays of flag names), or {error} naming an unknown flag of $sched.
def subsets: if length == 0 then [[]] else .[0] as $h | (.[1:] | subsets) as $r | $r + [$r[] | [$h] + .] end;

(.flags // []) as $decl |
[$decl[].name] as $names |
(if $want == "all" then
	[$names | subsets[] |
	 select(. as $s | all($decl[] | select(.name as $n | $s | index($n)); (.requires // []) - $s | length == 0))]
	| sort_by(length, map(. as $n | $names | index($n)))
 elif $want == "default" then [[]]
 else [$want | split(",")[] | if . == "default" then [] else split("+") end] end) as $profiles |
([$profiles[][]] - $names | unique) as $unknown |
if ($unknown | length) > 0 then {error: "--profiles: unknown flag \($unknown | join(",")) for \($sched)"}
else $profiles end
