#!/usr/bin/env bats
# libcommon/ndjson: records pass through ndjson_check unchanged; bad lines exit 2.
load ../helpers

bats_require_minimum_version 1.5.0

# printf FMT | ndjson_check must exit 2 with exactly MSG on stderr.
rejects() {
	run --separate-stderr sh -c 'printf "$1" | ndjson_check' sh "$1"
	[ "$status" -eq 2 ] || { echo "status $status"; return 1; }
	[ "$stderr" = "ndjson_check: $2" ] || { echo "stderr: $stderr"; return 1; }
}

@test "good records pass through unchanged, blank lines dropped" {
	in='{"type":"topo","name":"1n1l1c1t","cpus":1,"nested":{"a":[1,2.5,null,true]},"s":"x\u00e9\n"}
{"type":"job"}'
	run --separate-stderr sh -c 'printf "%s\n\n  \n" "$1" | ndjson_check' sh "$in"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = '{"type":"topo","name":"1n1l1c1t","cpus":1,"nested":{"a":[1,2.5,null,true]},"s":"xé\n"}
{"type":"job"}' ]
}

@test "empty input is fine" {
	run ndjson_check </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "a cut last line" {
	rejects '{"type":"a"}\n{"type":"b"' 'stdin:2:11: '"'"'}'"'"' expected near end of file'
	[ "$output" = '{"type":"a"}' ]
}

@test "a line that is not an object" {
	rejects '{"type":"a"}\n[1]\n' "stdin:2: record is not a JSON object"
	rejects '{"type":"a"}\n{"type":"b"}\n7\n' "stdin:3:1: '[' or '{' expected near '7'"
}

@test "a record without a string type" {
	rejects '{"x":1}\n' 'stdin:1: record has no string "type"'
	rejects '\n{"type":1}\n' 'stdin:2: record has no string "type"'
}

@test "a NUL byte" {
	rejects '{"type":"a"}\n{"type":"a\0"}\n' "stdin:2: NUL byte in input"
}

@test "not JSON, duplicate keys" {
	rejects 'nul\n' "stdin:1:3: '[' or '{' expected near 'nul'"
	rejects '{"type":"b","type":"c"}\n' "stdin:1:18: duplicate object key near '\"type\"'"
}

@test "peek: vouches for plain records with their type and job, leaves the rest to jansson" {
	run sh -c 'ndjson_peek_check' <<'IN'
{"type":"sample","job":"j1","cpus":[{"cpu":0,"rq_clock":123456789012345678},{}],"e":[],"x":-0.5E+12}
 { "job" : "a b" , "type" : "x y" , "n" : null , "t" : true , "f" : false } 
{"type":"job","id":"j1","job":{"nested":1}}
{"type":"s","nested":{"type":7,"job":8,"a":{"a":{"a":1}}},"a":1}

{"type":"s","t":1234567890123456789}
{"type":"s","t":1e100}
{"type":"s","s":"\u00e9"}
{"type":"s","s":"é"}
{"type":"s","k\"":1}
{"type":"s\n"}
{"type":"s","job":"a\/b"}
{"type":"s","a":{"b":1,"b":2}}
{"type":"s","a":01}
{"type":"s"}x
{"type":"s",}
[{"type":"s"}]
{"job":"j"}
{"type":["s"]}
IN
	[ "$status" -eq 0 ]
	[ "$output" = 'sure sample j1
sure x y a b
sure job -
sure s -
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure
unsure' ]
}

@test "peek: never vouches for a line jansson refuses, over 300,000 edited records" {
	run sh -c "cat '$BATS_TEST_DIRNAME'/../fixtures/eval/*.ndjson | ndjson_peek_check --mutate 1500"
	[ "$status" -eq 0 ]
	# every fixture line edited 1,500 times; both answers must occur or the edits test nothing
	case $output in
	*' lines, '*' mutants: '*' sure, '*' unsure') ;;
	*) false ;;
	esac
	sure=$(echo "$output" | sed 's/.*: \([0-9]*\) sure.*/\1/')
	unsure=$(echo "$output" | sed 's/.*, \([0-9]*\) unsure/\1/')
	[ "$sure" -gt 10000 ] && [ "$unsure" -gt 10000 ]
}

@test "ndjson: a line past 16 MiB exits 2 naming it in every stage, after the lines before it" {
	big="$BATS_TEST_TMPDIR/big.ndjson"
	{
		echo '{"type":"note","job":"a"}'
		printf '{"type":"note","s":"'
		head -c $((16 << 20)) /dev/zero | tr '\0' a
		echo '"}'
	} > "$big"
	for t in ktstr-eval ktstr-probe ktstr-boot "ktstr-sidecar write --runs-dir $BATS_TEST_TMPDIR/runs"; do
		run --separate-stderr $t < "$big"
		[ "$status" -eq 2 ] || { echo "$t: status $status" >&2; return 1; }
		[ "$stderr" = "${t%% *}: stdin:2: line longer than 16 MiB (a record is one line)" ]
		[ "$output" = '{"type":"note","job":"a"}' ] || [ "${t%% *}" = ktstr-sidecar ]
	done
	# a line that never ends is refused as soon as it is too long, not held in memory
	run --separate-stderr sh -c 'head -c 100000000 /dev/zero | tr "\0" a | ktstr-eval'
	[ "$status" -eq 2 ]
	[ "$stderr" = "ktstr-eval: stdin:1: line longer than 16 MiB (a record is one line)" ]
}
