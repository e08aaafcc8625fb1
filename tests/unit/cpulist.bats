#!/usr/bin/env bats
# libcommon/cpulist: strict parse and compact format, through cpulist_check.
load ../helpers

bats_require_minimum_version 1.5.0

# cpulist_check IN must print OUT and exit 0.
formats_as() {
	run --separate-stderr cpulist_check "$1"
	[ "$status" -eq 0 ] || { echo "status $status for '$1': $stderr"; return 1; }
	[ "$output" = "$2" ] || { echo "'$1' gave '$output', wanted '$2'"; return 1; }
}

# cpulist_check IN must exit 2 with exactly MSG.
rejects() {
	run --separate-stderr cpulist_check "$1"
	[ "$status" -eq 2 ] || { echo "status $status for '$1'"; return 1; }
	[ "$output" = "" ] || { echo "stdout: $output"; return 1; }
	[ "$stderr" = "cpulist_check: $1: $2" ] || { echo "stderr: $stderr"; return 1; }
}

@test "valid lists keep or gain their compact form" {
	formats_as "0-3,8,10-11" "0-3,8,10-11"
	formats_as "" ""
	formats_as "5" "5"
	formats_as "3-3" "3"
	formats_as "1,2,3" "1-3"
	formats_as "8,0-3,2" "0-3,8"
	formats_as "0,2,4" "0,2,4"
	formats_as "4095" "4095"
	formats_as "0-4095" "0-4095"
}

@test "invalid lists name the column" {
	rejects "1-" "column 3: list ends early"
	rejects "3-1" "column 3: range goes backwards"
	rejects "a" "column 1: expected a CPU number"
	rejects "1,,2" "column 3: expected a CPU number"
	rejects "1 2" "column 2: expected ',' or '-'"
	rejects "99999" "column 1: CPU number too large"
	rejects "4096" "column 1: CPU number too large"
	rejects "0-4096" "column 3: CPU number too large"
	rejects "1," "column 3: list ends early"
	rejects ",1" "column 1: expected a CPU number"
	rejects "1-2-3" "column 4: expected ','"
	rejects "-1" "column 1: expected a CPU number"
}

@test "cpulist: subset check" {
	run cpulist_check --subset 0-1 0-3
	[ "$status" -eq 0 ]
	run cpulist_check --subset 0-4 0-3
	[ "$status" -eq 1 ]
	[ "$output" = "0-4 is not inside 0-3" ]
	run cpulist_check --subset "" 0
	[ "$status" -eq 0 ]
}
