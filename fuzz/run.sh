#!/bin/sh
# fuzz/run.sh TARGET|all SECONDS -- run libFuzzer on a fuzz target (or on every one, one after
# the other) for SECONDS each; fuzz/run.sh --list prints the targets.
#
# Builds build-fuzz/ first if needed (clang, -Dfuzzing=libfuzzer, ASan+UBSan, UBSan errors
# fatal). The corpus is a work copy in build-fuzz/fuzz-work/TARGET/corpus: the seeds of
# fuzz/corpus/TARGET, the crash inputs of fuzz/regress/TARGET and seeds derived from the shared
# test data (fuzz/seeds.py, when $WEFT_TESTDATA or ../shared/testdata exists), so nothing is
# written into the repository. One fuzzer process at a time, one job, one worker.
#
# Prints one line per target; on a crash, the path of the input that crashed and the command
# that reproduces it. Exit status: 0 if no target crashed, 1 if one did, 2 on a usage or build
# error. Env: WEFT_FUZZ_BUILD (default build-fuzz), WEFT_FUZZ_ARGS (extra libFuzzer flags).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
build=${WEFT_FUZZ_BUILD:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac

usage() {
	echo "usage: fuzz/run.sh TARGET|all SECONDS   (fuzz/run.sh --list: the targets)" >&2
	exit 2
}

setup() {
	if [ ! -f "$build/build.ninja" ]; then
		mkdir -p "$build"
		CC=${FUZZ_CC:-clang} meson setup "$build" -Dfuzzing=libfuzzer \
			-Db_sanitize=address,undefined -Db_lundef=false \
			-Dc_args=-fno-sanitize-recover=undefined -Dwerror=true \
			-Dtestserver=disabled >"$build.setup.log" 2>&1 ||
			{ cat "$build.setup.log" >&2; echo "fuzz/run.sh: meson setup failed" >&2; exit 2; }
	fi
	[ -f "$build/fuzz/targets.txt" ] ||
		{ echo "fuzz/run.sh: $build/fuzz/targets.txt missing" >&2; exit 2; }
}

# The longest input libFuzzer makes, per target (default 4096).
max_len() {
	case $1 in
	url | resolve) echo 2048 ;;
	html) echo 8192 ;;
	decode | fakeload) echo 4096 ;;
	*) echo 4096 ;;
	esac
}

# Run one target for $2 seconds; prints its result line, returns 1 on a crash.
run_one() {
	t=$1 secs=$2
	work=$build/fuzz-work/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	for d in "fuzz/corpus/$t" "fuzz/regress/$t"; do
		[ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$work/corpus/" \;
	done
	python3 fuzz/seeds.py "$t" "$work/corpus" 2>/dev/null || true
	seeds=$(find "$work/corpus" -type f | wc -l)
	log=$work/fuzz.log
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$build/fuzz/fuzz_$t" "$work/corpus" -max_total_time="$secs" -max_len="$(max_len "$t")" \
		-timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" ${WEFT_FUZZ_ARGS:-} >"$log" 2>&1
	rc=$?
	stats=$(awk '
		/^stat::number_of_executed_units:/ { runs = $2 }
		/^stat::average_exec_per_sec:/ { eps = $2 }
		/^stat::new_units_added:/ { added = $2 }
		/ cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") cov = $(i + 1) }
		END { printf "%s runs, %s exec/s, cov %s, %s new inputs", runs, eps, cov, added }' "$log")
	crash=$(find "$work/artifacts" -type f | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$crash" ]; then
		echo "fuzz $t: ok: ${secs}s, $stats (from $seeds seeds)"
		return 0
	fi
	echo "fuzz $t: FAILED (exit $rc) after $stats; log: $log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error)' "$log" | head -n 5 | sed 's/^/  /'
	if [ -n "$crash" ]; then
		echo "  crashing input: $crash"
		echo "  reproduce: $build/fuzz/fuzz_$t $crash"
		echo "  regression test: cp $crash fuzz/regress/$t/"
	fi
	return 1
}

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then
	setup
	cat "$build/fuzz/targets.txt"
	exit 0
fi
[ $# -eq 2 ] || usage
what=$1 secs=$2
case $secs in '' | *[!0-9]*) usage ;; esac
setup
targets=$(cat "$build/fuzz/targets.txt")
if [ "$what" != all ]; then
	echo "$targets" | grep -qx "$what" ||
		{ echo "fuzz/run.sh: no target '$what' (targets: $(echo "$targets" | tr '\n' ' '))" >&2; exit 2; }
	targets=$what
fi
bins=""
for t in $targets; do bins="$bins fuzz/fuzz_$t"; done
# shellcheck disable=SC2086
ninja -C "$build" $bins >"$build.ninja.log" 2>&1 ||
	{ tail -n 40 "$build.ninja.log" >&2; echo "fuzz/run.sh: build failed" >&2; exit 2; }

failed=""
for t in $targets; do
	run_one "$t" "$secs" || failed="$failed $t"
done
if [ -n "$failed" ]; then
	echo "fuzz: crashed:$failed"
	exit 1
fi
exit 0
