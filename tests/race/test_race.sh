#!/bin/sh
# test_race.sh -- proof that the race detector works here: the lecture's racy programs, built
# with -fsanitize=thread, must be reported by ThreadSanitizer; their fixed versions must not.
# (The Go lecture's `go run -race`; ours is TSan.) Compiled here, independent of the build's
# own sanitizer, so it runs in every configuration.
set -u
src="$WEFT_SOURCE_ROOT/examples/race"
tmp=$(mktemp -d /tmp/weft-race.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
fail=0

check() { # name, -D flag (or empty), expect: race|clean
	name=$1 flag=$2 expect=$3
	if ! $cc -fsanitize=thread -g -O1 -pthread $flag "$src/$name.c" -o "$tmp/$name"; then
		echo "FAIL $name $flag: does not compile with -fsanitize=thread"; fail=1; return
	fi
	# a few runs: a race that TSan must see in every one of them
	for i in 1 2 3; do
		TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$tmp/$name" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if grep -q "WARNING: ThreadSanitizer: data race" "$tmp/err"; then got=race; else got=clean; fi
		if [ "$got" != "$expect" ]; then
			echo "FAIL $name $flag run $i: expected $expect, TSan says $got (exit $rc)"
			sed 's/^/  | /' "$tmp/err" | head -20
			fail=1; return
		fi
	done
	echo "ok   $name $flag: TSan says $expect"
	[ "$expect" = race ] && grep -m1 -A3 "WARNING: ThreadSanitizer" "$tmp/err" | sed 's/^/  | /'
	return 0
}

check racy_counter "" race
check racy_counter -DFIXED clean
check racy_crawler "" race
check racy_crawler -DFIXED clean
exit $fail
