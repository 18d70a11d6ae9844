#!/bin/sh
# shellcheck disable=SC2046,SC2086  # server arguments and wget2 flags are split on purpose
# bench/run.sh -- weft's benchmark, one command:  sh bench/run.sh
#
# Builds weft (release) and weft-testserver in build-release/, builds the lecture's Go crawler
# (bench/go/crawler.go), then runs three scenarios against the project's own test server on
# loopback, each crawler 3 times per setting (medians reported):
#
#   S1 latency-bound  weft-testserver --site 10000 --fanout 10 --latency 50
#   S2 CPU-bound      weft-testserver --site 20000 --fanout 10
#   S3 a real site    weft-testserver --dir /usr/share/doc/postgresql-doc-15/html
#
# Crawlers: every weft engine (event, pool, channel, mutex at several -c; event with -c auto;
# serial once), wget2 (--max-threads at several values) and the Go crawler (-c at several
# values); and, as a reference that is not a crawler, the libcurl floor (bench/micro/
# curl_floor.c: libcurl alone fetching the expected URL list). Every run is
# checked at the server, not by trusting the crawler: the server's --log (one line per
# request) is compared with the expected set (--expect for S1/S2, tests/http/reachable.py for
# S3). S2 also measures the server's own ceiling with wrk.
#
# Results: tables and bars on stdout, bench/RESULTS.md and bench/throughput.png (a quick run
# writes them to bench/out/ instead, leaving the committed full results alone); raw per-run
# data in bench/out/ (runs.tsv, raw/<scenario>/*.{time,log,out}).
#
# Environment:
#   BENCH_QUICK=1        smoke test: one run per setting, fewer settings (< 5 min)
#   BENCH_RUNS=N         runs per setting (default 3; 1 when quick)
#   BENCH_SCENARIOS="S1 S2 S3"   which scenarios to run
#   BENCH_VERIFY=auto|inline|separate
#                        inline: every timed run has the server's --log on and is verified;
#                        separate: timed runs without --log plus one verification run with
#                        --log per setting; auto (default): inline unless the --log overhead
#                        measured on S2 first is above 5 % (the server's extra CPU seconds
#                        over the crawl's wall time)
#   BENCH_S3_DIR=DIR     the real site's HTML (default the postgresql-doc-15 package's)
#   BENCH_OUT=DIR        raw data directory (default bench/out)
#
# Installs nothing: missing tools are named, with the command that installs them.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] || [ "$QUICK" = 1 ] || { echo "bench: BENCH_QUICK must be 0 or 1" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then RUNS=${BENCH_RUNS:-1}; else RUNS=${BENCH_RUNS:-3}; fi
SCENARIOS=${BENCH_SCENARIOS:-S1 S2 S3}
VERIFY=${BENCH_VERIFY:-auto}
S3_DIR=${BENCH_S3_DIR:-/usr/share/doc/postgresql-doc-15/html}
OUT=${BENCH_OUT:-$ROOT/bench/out}
BUILD=$ROOT/build-release
WEFT=$BUILD/cli/weft
TS=$BUILD/testserver/weft-testserver
FLOOR=$BUILD/bench/curl_floor
GOCRAWLER=$OUT/bin/go-crawler
RUNS_TSV=$OUT/runs.tsv
FIFO=$OUT/port.fifo
LOG_THRESHOLD=0.05          # --log overhead above which auto switches to separate verification

# The scenarios' server arguments and the S1 latency (the physical bound needs it).
S1_LATENCY=50
S1_ARGS="--site 10000 --fanout 10 --latency $S1_LATENCY"
S2_ARGS="--site 20000 --fanout 10"

# wget2: recursive, infinite depth, no parent, no host spanning (its default), robots.txt and
# cookies off, no Accept-Encoding (the server only compresses /_test/gzip anyway), at most 10
# redirects per link (the expected set's policy), bodies to /dev/null (wget2 still parses
# the HTML it downloads; nothing touches the disk), no config file. --ignore-tags keeps it to
# the links the other crawlers follow (a, area, iframe, frame): without it wget2 also fetches
# <link href> (stylesheet, and a "made" mail address it takes for a relative URL), <img> and
# <object data> (SVGs) on S3. Never --spider: it sends HEAD and then GET for every HTML page.
WGET2_FLAGS="--recursive --level=inf --no-parent --robots=off --no-cookies --compression=identity
  --max-redirect=10 --ignore-tags=link,img,object,script,embed --no-config --quiet
  --output-document=/dev/null"

# Settings per scenario: "crawler:c c c ..." (serial: c is ignored, run once).
if [ "$QUICK" = 1 ]; then
	S1_SETTINGS="event:256,1024 auto:0 pool:256 channel:1024 mutex:1024 wget2:256 go:1024 serial:1
	             floor:1024"
	S2_SETTINGS="event:16,64 auto:0 pool:16 channel:64 mutex:64 wget2:16 go:64 serial:1 floor:64"
	S3_SETTINGS="event:16,64 auto:0 pool:16 channel:64 mutex:64 wget2:16 go:64 serial:1 floor:16"
	S1_SERIAL_CAP=100
	WRK_SECS=3
else
	S1_SETTINGS="event:16,64,256,1024,2048 auto:0 pool:16,64,256,1024 channel:64,1024
	             mutex:64,1024 wget2:16,64,256,1024 go:16,64,256,1024,2048 serial:1
	             floor:256,1024,2048"
	S2_SETTINGS="event:4,16,64,256 auto:0 pool:4,16,64,256 channel:16,256 mutex:16,256
	             wget2:4,16,64 go:4,16,64,256 serial:1 floor:16,64"
	S3_SETTINGS="event:4,16,64,256 auto:0 pool:4,16,64,256 channel:16,256 mutex:16,256
	             wget2:4,16,64 go:4,16,64,256 serial:1 floor:16"
	S1_SERIAL_CAP=500
	WRK_SECS=5
fi

die() { echo "bench: error: $*" >&2; exit 1; }
say() { echo "bench: $*"; }

# ---- prerequisites ------------------------------------------------------------------------
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need meson meson
need ninja ninja-build
need cc gcc
need pkg-config pkg-config
need python3 python3
need git git
need wget2 wget2
need wrk wrk
need gnuplot gnuplot-nox
need go golang-go
[ -x /usr/bin/time ] || missing="$missing time"
[ -d /usr/share/gocode/src/golang.org/x/net/html ] || missing="$missing golang-golang-x-net-dev"
pkg-config --exists libmicrohttpd 2>/dev/null || missing="$missing libmicrohttpd-dev"
case " $SCENARIOS " in *" S3 "*)
	[ -f "$S3_DIR/index.html" ] || missing="$missing postgresql-doc-15" ;;
esac
if [ -n "$missing" ]; then
	echo "bench: missing:$missing" >&2
	echo "bench: install them (as root) with:  sh scripts/install-deps.sh --bench" >&2
	exit 1
fi
case $VERIFY in auto|inline|separate) ;; *) die "BENCH_VERIFY must be auto, inline or separate";; esac
for s in $SCENARIOS; do
	case $s in S1|S2|S3) ;; *) die "unknown scenario '$s' in BENCH_SCENARIOS (S1 S2 S3)";; esac
done

# ---- build --------------------------------------------------------------------------------
say "building weft (release) in $BUILD"
if [ -f "$BUILD/build.ninja" ]; then
	meson configure "$BUILD" -Dbuildtype=release -Db_ndebug=true -Dtestserver=enabled >/dev/null ||
		die "meson configure $BUILD failed"
else
	meson setup "$BUILD" --buildtype=release -Db_ndebug=true -Dtestserver=enabled >"$ROOT/.bench-setup.log" 2>&1 ||
		{ cat "$ROOT/.bench-setup.log" >&2; rm -f "$ROOT/.bench-setup.log"; die "meson setup $BUILD failed"; }
	rm -f "$ROOT/.bench-setup.log"
fi
ninja -C "$BUILD" cli/weft testserver/weft-testserver bench/curl_floor >/dev/null || die "ninja -C $BUILD failed (run it to see why)"
[ -x "$WEFT" ] || die "$WEFT was not built"
[ -x "$TS" ] || die "$TS was not built"

# A fresh set of raw data (the Go build cache is kept).
mkdir -p "$OUT"
rm -rf "${OUT:?}/raw" "${OUT:?}/bin"
rm -f "$RUNS_TSV" "$OUT/wrk.tsv" "$OUT/load.txt" "$OUT"/*.expect "$OUT/overhead.txt"
mkdir -p "$OUT/bin" "$OUT/raw" "$OUT/gocache"
: >"$RUNS_TSV"

say "building the Go crawler (offline, Debian's Go and golang.org/x/net)"
(cd bench/go && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS='' \
	GOCACHE="$OUT/gocache" CGO_ENABLED=0 go build -o "$GOCRAWLER" crawler.go) ||
	die "go build of bench/go/crawler.go failed"

# ---- the test server ----------------------------------------------------------------------
SPID=""
cleanup() {
	if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
	rm -f "$FIFO"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server ERRFILE ARGS...: start weft-testserver, set SPID and PORT. Its stdout goes
# through a fifo; reading the one line "PORT n" waits exactly until it listens (no sleeps).
start_server() {
	errf=$1; shift
	rm -f "$FIFO"; mkfifo "$FIFO"
	"$TS" "$@" >"$FIFO" 2>"$errf" &
	SPID=$!
	line=""
	read -r line <"$FIFO" || true
	rm -f "$FIFO"
	case $line in
	"PORT "*) PORT=${line#PORT } ;;
	*) die "weft-testserver $* did not start: $(tail -n 3 "$errf")" ;;
	esac
}

# stop_server: SIGTERM the server and wait for it; sets SCPU to the CPU seconds (user + sys,
# all threads) it used until then, from /proc/PID/stat (fields 14 and 15, in clock ticks).
stop_server() {
	SCPU=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$SPID/stat" 2>/dev/null || echo 0)
	kill -TERM "$SPID" 2>/dev/null || true
	rc=0; wait "$SPID" || rc=$?
	SPID=""
	[ "$rc" = 0 ] || die "weft-testserver exited with status $rc"
}

server_args() {   # the scenario's server arguments
	case $1 in
	S1) echo "$S1_ARGS" ;;
	S2) echo "$S2_ARGS" ;;
	S3) echo "--dir $S3_DIR" ;;
	esac
}

seed_url() {      # the scenario's start URL
	case $1 in
	S3) echo "http://127.0.0.1:$PORT/index.html" ;;
	*) echo "http://127.0.0.1:$PORT/" ;;
	esac
}

# ---- one measured crawl -------------------------------------------------------------------
# crawl SCEN CRAWLER C RUN KIND: restart the server (with --log unless KIND is nolog), run the
# crawler under GNU time, stop the server, append a line to runs.tsv:
#   scenario crawler c run kind wall_s user_s sys_s maxrss_kb exit logfile server_cpu_s
# KIND: timed (timing and verification, with --log), verify (verification only, with --log),
# nolog (timing only, without --log); ovh-log / ovh-nolog: the --log overhead measurement.
crawl() {
	scen=$1 name=$2 c=$3 run=$4 kind=$5
	base=$OUT/raw/$scen/$name-c$c-$kind-r$run
	logf=$base.log
	case $kind in
	nolog|ovh-nolog) start_server "$base.err" $(server_args "$scen"); logf=- ;;
	*) start_server "$logf" $(server_args "$scen") --log ;;
	esac
	url=$(seed_url "$scen")
	case $name in
	event|pool|channel|mutex) set -- "$WEFT" crawl -e "$name" -c "$c" -o /dev/null "$url" ;;
	auto) set -- "$WEFT" crawl -e event -c auto -o /dev/null "$url" ;;
	floor)
		# the expected set's URLs, on this run's port (S1/S2: JSON lines; S3: bare URLs)
		sed -E 's/^.*"url": *"([^"]*)".*$/\1/; s#^http://127\.0\.0\.1:[0-9]+/#http://127.0.0.1:'"$PORT"'/#' \
			"$OUT/$scen.expect" >"$base.urls"
		set -- "$FLOOR" "$base.urls" "$c" ;;
	serial)
		if [ "$scen" = S1 ]; then
			set -- "$WEFT" crawl -e serial --max-pages "$S1_SERIAL_CAP" -o /dev/null "$url"
		else
			set -- "$WEFT" crawl -e serial -o /dev/null "$url"
		fi ;;
	wget2) set -- wget2 $WGET2_FLAGS --max-threads="$c" "$url" ;;
	go) set -- "$GOCRAWLER" -c "$c" "$url" ;;
	*) die "unknown crawler $name" ;;
	esac
	echo "$*" >"$base.cmd"
	/usr/bin/time -o "$base.time" -f '%e %U %S %M %x' "$@" >"$base.out" 2>&1 || true
	stop_server
	# GNU time puts "Command exited with non-zero status N" or "Command terminated by
	# signal N" first (%x is then 0: a signal is recorded as 128 + N); the numbers are last.
	set -- $(tail -n 1 "$base.time")
	[ $# = 5 ] || die "cannot read GNU time's output $base.time"
	sig=$(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' "$base.time")
	[ -z "$sig" ] || set -- "$1" "$2" "$3" "$4" $((128 + sig))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$name" "$c" "$run" "$kind" \
		"$1" "$2" "$3" "$4" "$5" "$logf" "$SCPU" >>"$RUNS_TSV"
	reqs=""
	[ "$logf" = - ] || reqs=", $(grep -c '^[A-Z]* /' "$logf" || true) requests"
	printf 'bench:   %s %-7s c=%-5s %-9s run %s: %6ss wall, %ss CPU, %s MiB%s, exit %s (server %ss CPU)\n' \
		"$scen" "$name" "$c" "$kind" "$run" "$1" \
		"$(echo "$2 $3" | awk '{printf "%.2f", $1 + $2}')" \
		"$(echo "$4" | awk '{printf "%.1f", $1 / 1024}')" "$reqs" "$5" "$SCPU"
}

# setting SCEN CRAWLER C: all runs of one setting, as the verification mode says.
setting() {
	nruns=$RUNS
	[ "$2" = serial ] && nruns=1
	r=1
	while [ "$r" -le "$nruns" ]; do
		if [ "$MODE" = inline ]; then crawl "$1" "$2" "$3" "$r" timed
		else crawl "$1" "$2" "$3" "$r" nolog; fi
		r=$((r + 1))
	done
	[ "$MODE" = inline ] || crawl "$1" "$2" "$3" 1 verify
}

loadavg() { echo "$1 $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.txt"; }

# ---- expected sets --------------------------------------------------------------------------
expect_for() {
	scen=$1
	mkdir -p "$OUT/raw/$scen"
	case $scen in
	S1|S2)
			start_server "$OUT/raw/$scen/expect.err" $(server_args "$scen") --expect "$OUT/$scen.expect"
		stop_server
		say "$scen: $(grep 'expect:' "$OUT/raw/$scen/expect.err" | sed 's/^weft-testserver: //')" ;;
	S3)
		# Independent of weft: python over the files on disk. The port is irrelevant (the
		# report compares paths), so a fixed placeholder base is used.
		python3 tests/http/reachable.py "$S3_DIR" http://127.0.0.1:1/ \
			>"$OUT/S3.expect" 2>"$OUT/raw/S3/expect.err" || die "tests/http/reachable.py failed: $(cat "$OUT/raw/S3/expect.err")"
		say "S3: $(cat "$OUT/raw/S3/expect.err")" ;;
	esac
}

# ---- run --------------------------------------------------------------------------------------
say "output in $OUT; $RUNS run(s) per setting$( [ "$QUICK" = 1 ] && echo ' (BENCH_QUICK=1)')"
loadavg start

# --log overhead: S2, event engine, c=64, with and without --log, interleaved pairs; the
# medians decide the verification mode (auto), the server's CPU seconds show the cost too.
mkdir -p "$OUT/raw/S2"
say "measuring the test server's --log overhead (S2, event, c=64)"
OVH_PAIRS=$RUNS
[ "$QUICK" = 1 ] || OVH_PAIRS=5
i=1
while [ "$i" -le "$OVH_PAIRS" ]; do
	crawl S2 event 64 "$i" ovh-nolog
	crawl S2 event 64 "$i" ovh-log
	i=$((i + 1))
done
MODE=$(python3 bench/report.py --out "$OUT" --overhead --threshold "$LOG_THRESHOLD" --verify "$VERIFY")
say "verification mode: $MODE"

for scen in $SCENARIOS; do
	say "=== $scen ==="
	loadavg "$scen-start"
	expect_for "$scen"
	if [ "$scen" = S2 ]; then
		# The server's own ceiling: wrk alone against the test server, same run.
		i=1
		while [ "$i" -le "$RUNS" ]; do
					start_server "$OUT/raw/S2/wrk-r$i.err" $(server_args S2)
			wrk -t2 -c64 -d"${WRK_SECS}s" -s testserver/wrk-pages.lua "http://127.0.0.1:$PORT/" \
				>"$OUT/raw/S2/wrk-r$i.txt" 2>&1 || die "wrk failed: $(cat "$OUT/raw/S2/wrk-r$i.txt")"
			stop_server
			rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/raw/S2/wrk-r$i.txt")
			[ -n "$rps" ] || die "no Requests/sec in $OUT/raw/S2/wrk-r$i.txt"
			printf '%s\t%s\t%s\n' "$i" "$WRK_SECS" "$rps" >>"$OUT/wrk.tsv"
			say "  S2 wrk -t2 -c64 -d${WRK_SECS}s run $i/$RUNS: $rps requests/s"
			i=$((i + 1))
		done
	fi
	case $scen in S1) settings=$S1_SETTINGS ;; S2) settings=$S2_SETTINGS ;; S3) settings=$S3_SETTINGS ;; esac
	for s in $settings; do
		name=${s%%:*}
		for c in $(echo "${s#*:}" | tr ',' ' '); do
			setting "$scen" "$name" "$c"
		done
	done
	loadavg "$scen-end"
done

if [ "$QUICK" = 1 ]; then RES=$OUT/RESULTS.md PNG=$OUT/throughput.png
else RES=$ROOT/bench/RESULTS.md PNG=$ROOT/bench/throughput.png; fi
cmd="sh bench/run.sh"
[ "$QUICK" = 1 ] && cmd="BENCH_QUICK=1 $cmd"
# (echo: WGET2_FLAGS on one line, single spaces)
# shellcheck disable=SC2116
python3 bench/report.py --out "$OUT" --results "$RES" --png "$PNG" --command "$cmd" \
	--runs "$RUNS" --mode "$MODE" --threshold "$LOG_THRESHOLD" --s1-latency "$S1_LATENCY" \
	--s1-serial-cap "$S1_SERIAL_CAP" --wget2-flags "$(echo $WGET2_FLAGS)" --s3-dir "$S3_DIR" \
	--quick "$QUICK" || die "report failed"
say "wrote $RES and $PNG"
