#!/bin/sh
# bench/hosts.sh -- the many-host politeness scenario (S4), one command:  sh bench/hosts.sh
#
# weft-testserver --hosts N --site M --latency L serves N hosts on loopback addresses
# (127.1.X.Y, one port), each with robots.txt (Disallow: /private/, every page links there),
# M linked pages and a sitemap. weft starts from every host's "/" with --max-per-host P, so the
# physical bound is N * P / L pages/s until the CPU binds. Each run is checked at the server:
# its /_test/polite-stats must show no host above P in flight, no /private/ request, no URL
# served twice, one robots.txt per host; and weft's records must hold every page of the
# --expect list. Prints, per run: pages/s, CPU seconds per 1,000 pages, peak RSS.
#
# Environment: BENCH_HOSTS (1000), BENCH_PAGES (20), BENCH_LATENCY (50 ms), BENCH_PER_HOST (2),
# BENCH_C (in flight, default 2 * hosts), BENCH_RUNS (3), BENCH_BUILD (build-release).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOSTS=${BENCH_HOSTS:-1000}
PAGES=${BENCH_PAGES:-20}
LATENCY=${BENCH_LATENCY:-50}
PER_HOST=${BENCH_PER_HOST:-2}
C=${BENCH_C:-$((HOSTS * PER_HOST))}
RUNS=${BENCH_RUNS:-3}
BUILD=${BENCH_BUILD:-$ROOT/build-release}
OUT=$(mktemp -d /tmp/weft-hosts-bench.XXXXXX)
trap 'kill "$SRV" 2>/dev/null; rm -rf "$OUT"' EXIT

if [ ! -x "$BUILD/cli/weft" ] || [ ! -x "$BUILD/testserver/weft-testserver" ]; then
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
	ninja -C "$BUILD" >/dev/null
fi
ulimit -n "$(ulimit -H -n)" 2>/dev/null || true

"$BUILD/testserver/weft-testserver" --hosts "$HOSTS" --site "$PAGES" --latency "$LATENCY" \
	--threads 2 --expect "$OUT/expect" >"$OUT/port" 2>"$OUT/server.err" &
SRV=$!
PORT=
while [ -z "$PORT" ] && kill -0 "$SRV" 2>/dev/null; do # the server prints "PORT n" once listening
	sleep 0.1
	PORT=$(awk '/^PORT/{print $2; exit}' "$OUT/port")
done
[ -n "$PORT" ] || { cat "$OUT/server.err"; exit 1; }

# Every host's "/": host i is 127.1.X.Y with X = (i-1)/250, Y = (i-1)%250 + 1.
i=1
while [ "$i" -le "$HOSTS" ]; do
	echo "http://127.1.$(((i - 1) / 250)).$(((i - 1) % 250 + 1)):$PORT/"
	i=$((i + 1))
done >"$OUT/seeds"
want=$(grep -cv '/s/' "$OUT/expect") # pages reachable by links (sitemap-only ones need --sitemap)
bound=$((HOSTS * PER_HOST * 1000 / LATENCY))

echo "S4: $HOSTS hosts x $PAGES pages, ${LATENCY} ms, --max-per-host $PER_HOST, -c $C:" \
	"$want pages by links; bound $bound pages/s"
run=1
while [ "$run" -le "$RUNS" ]; do
	curl -s "http://127.0.0.1:$PORT/_test/polite-reset" >/dev/null
	# shellcheck disable=SC2046
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/time" "$BUILD/cli/weft" crawl -q -c "$C" \
		-P "$PER_HOST" -f jsonl -o "$OUT/out.jsonl" $(cat "$OUT/seeds")
	curl -s "http://127.0.0.1:$PORT/_test/polite-stats" >"$OUT/stats.json"
	python3 - "$OUT" "$want" "$PER_HOST" <<'EOF'
import json, sys
out, want, per_host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
wall, user, sys_s, rss = open(out + "/time").read().split()
recs = [json.loads(l) for l in open(out + "/out.jsonl")]
pages = {r["url"] for r in recs if "skipped" not in r and r.get("status") == 200}
expect = {l.strip() for l in open(out + "/expect") if "/s/" not in l}
st = json.load(open(out + "/stats.json"))["hosts"]
bad = [k for k, h in st.items() if h["host"] and (h["max_in_flight"] > per_host or h["private"]
       or h["duplicate_requests"] or h["robots_txt"] != 1)]
cpu = float(user) + float(sys_s)
print(f"  {len(pages)} pages in {float(wall):.2f} s: {len(pages) / float(wall):,.0f} pages/s, "
      f"{cpu:.2f} CPU s ({cpu * 1000 / max(len(pages), 1):.3f} per 1,000 pages), "
      f"peak {int(rss) / 1024:.1f} MiB; missing {len(expect - pages)}; hosts over limits {len(bad)}")
sys.exit(1 if expect - pages or bad else 0)
EOF
	run=$((run + 1))
done
