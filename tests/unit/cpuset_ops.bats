#!/usr/bin/env bats
# libcommon/cpulist: the set operations (and, or, equal, empty, last, nth), through cpulist_check --ops.
load ../helpers

bats_require_minimum_version 1.5.0

@test "two overlapping sets" {
	run --separate-stderr cpulist_check --ops 0-3,64,4095 2-70
	[ "$status" -eq 0 ]
	[ "$output" = "and 2-3,64
or 0-70,4095
equal 0, empty 0 0, last 4095 70
nth of A: 0 1 2 3 64 4095 -1" ]
}

@test "empty and equal sets" {
	run --separate-stderr cpulist_check --ops "" ""
	[ "$status" -eq 0 ]
	[ "$output" = "and 
or 
equal 1, empty 1 1, last -1 -1
nth of A: -1" ]
	run --separate-stderr cpulist_check --ops 5,63 63,5
	[ "$output" = "and 5,63
or 5,63
equal 1, empty 0 0, last 63 63
nth of A: 5 63 -1" ]
}
