#!/bin/sh
# test_cli.sh -- the weft command as a user sees it: the demo's exact lines, formats, help,
# and exit codes for bad input. Usage: test_cli.sh PATH-TO-weft
set -u
weft=$1
src=$WEFT_SOURCE_ROOT
tmp=$(mktemp -d /tmp/weft-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# expect_exit CODE NAME CMD...: run, check the exit code
expect_exit() {
	want=$1 name=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; got=$?
	if [ "$got" = "$want" ]; then pass "$name (exit $got)"; else
		fail "$name: exit $got, want $want"; sed 's/^/  | /' "$tmp/err" | head -5; fi
}

# --- the demo prints the lecture's lines ---
cat >"$tmp/serial.want" <<'X'
=== Serial===
found:   http://golang.org/
found:   http://golang.org/pkg/
missing: http://golang.org/cmd/
found:   http://golang.org/pkg/fmt/
found:   http://golang.org/pkg/os/
X
sort "$tmp/serial.want" | grep -v === >"$tmp/set.want"
"$weft" demo >"$tmp/demo" 2>"$tmp/err" || fail "demo exits non-zero"
head -6 "$tmp/demo" | cmp -s - "$tmp/serial.want" && pass "demo: Serial section, byte for byte, in order" ||
	fail "demo: Serial section differs"
[ "$(grep -c '^===' "$tmp/demo")" = 3 ] && sed -n 7p "$tmp/demo" | grep -qx '=== ConcurrentMutex ===' &&
	sed -n 13p "$tmp/demo" | grep -qx '=== ConcurrentChannel ===' && [ "$(wc -l <"$tmp/demo")" = 18 ] &&
	pass "demo: three sections, six lines each" || fail "demo: sections wrong"
for range in 8,12p 14,18p; do
	sed -n "$range" "$tmp/demo" | sort | cmp -s - "$tmp/set.want" &&
		pass "demo: lines $range are the lecture's set" || fail "demo: lines $range differ"
done

# --- help everywhere ---
for cmd in "" crawl check demo; do
	"$weft" $cmd --help >"$tmp/out" 2>&1 && grep -q "usage: weft" "$tmp/out" &&
		pass "weft $cmd --help" || fail "weft $cmd --help"
done

# --- bad input: clear errors, exit 2 ---
expect_exit 2 "no command" "$weft"
expect_exit 2 "unknown command" "$weft" frobnicate
expect_exit 2 "crawl without URL" "$weft" crawl --web builtin
expect_exit 2 "unknown engine" "$weft" crawl --engine nope --web builtin http://golang.org/
grep -q "unknown engine 'nope'" "$tmp/err" && pass "unknown engine is named" || fail "engine not named"
expect_exit 2 "-c 0" "$weft" crawl -c 0 --web builtin http://golang.org/
expect_exit 2 "bad format" "$weft" crawl --format xml --web builtin http://golang.org/
expect_exit 2 "bad regex" "$weft" crawl --include '(' --web builtin http://golang.org/
printf '{"url": "http://a.test/"}\n{"url": "http://b.test/", "links": [1]}\n' >"$tmp/bad.jsonl"
expect_exit 2 "malformed web" "$weft" crawl --web "$tmp/bad.jsonl" http://a.test/
grep -q "bad.jsonl:2: \"links\"\[0\] must be a string" "$tmp/err" && pass "malformed web: line named" ||
	fail "malformed web: message was: $(cat "$tmp/err")"
expect_exit 2 "missing web file" "$weft" crawl --web "$tmp/none.jsonl" http://a.test/

expect_exit 2 "bad header" "$weft" crawl -H 'no colon' http://127.0.0.1:9/
grep -q "expected 'Name: value'" "$tmp/err" && pass "bad header is named" || fail "bad header message"
expect_exit 2 "bad timeout" "$weft" crawl --timeout soon http://127.0.0.1:9/
expect_exit 2 "-c auto needs event" "$weft" crawl -e pool -c auto --web builtin http://golang.org/
grep -q "needs the event engine" "$tmp/err" && pass "-c auto message" || fail "-c auto message"
expect_exit 2 "non-http start URL" "$weft" crawl ftp://example.com/
grep -q "not a valid http(s) URL" "$tmp/err" && pass "start URL named" || fail "start URL message"

# --- a server that is not there: a record with the error, exit 0 ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$weft" crawl -q --retries 0 -f jsonl "http://127.0.0.1:$port/" >"$tmp/dead" 2>"$tmp/err"; rc=$?
[ "$rc" = 0 ] && python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1 and r[0]["status"] == 0 and r[0]["error"] == "connect", r' "$tmp/dead" &&
	pass "refused connection is a record (error connect)" || fail "refused connection: exit $rc $(cat "$tmp/dead")"

# --- output failures are errors, not silence ---
if [ -w /dev/full ]; then
	expect_exit 3 "output to a full disk" "$weft" crawl -q --web builtin -o /dev/full http://golang.org/
	grep -q "could not write output" "$tmp/err" && pass "full disk is reported" || fail "full disk silent"
fi

# --- every engine, text and jsonl, same set ---
"$weft" crawl -q -e serial --web "$src/tests/data/webs/small.jsonl" http://site.test/ | sort >"$tmp/ref"
[ "$(wc -l <"$tmp/ref")" = 7 ] && pass "small web: 7 records" || fail "small web: $(wc -l <"$tmp/ref") records"
for e in serial mutex channel pool; do
	"$weft" crawl -q -e "$e" -c 3 --web "$src/tests/data/webs/small.jsonl" http://site.test/ | sort |
		cmp -s - "$tmp/ref" && pass "engine $e: same lines" || fail "engine $e differs"
	"$weft" crawl -q -e "$e" -f jsonl --web "$src/tests/data/webs/small.jsonl" http://site.test/ >"$tmp/j"
	python3 - "$tmp/j" <<'PY' && pass "engine $e: jsonl valid" || fail "engine $e: jsonl invalid"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = {r["url"]: r for r in recs}
assert len(recs) == 7 == len(by), recs
for r in recs:
    for k in ("url", "status", "depth", "from", "final_url", "bytes", "ms", "links"):
        assert k in r, (k, r)
assert by["http://site.test/"]["from"] is None and by["http://site.test/"]["depth"] == 0
assert by["http://site.test/a"]["from"] == "http://site.test/"
assert by["http://site.test/c"]["status"] == 0 and by["http://site.test/c"]["error"] == "fake"
assert by["http://site.test/gone"]["status"] == 404 and by["http://site.test/gone"]["error"] == "missing"
assert by["http://site.test/old"]["redirect"] == "http://site.test/new"
assert by["http://site.test/new"]["hops"] == 1 and by["http://site.test/new"]["depth"] == 2
PY
done

# --- weft check over a fake web: broken targets, referrers, exit codes ---
web="$src/tests/data/webs/small.jsonl"
expect_exit 1 "check small web: broken links exit 1" "$weft" check -q -f jsonl -w "$web" http://site.test/
python3 - "$tmp/out" <<'PY' && pass "check small web: the three broken targets" || fail "check small web: $(cat "$tmp/out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = {r["url"]: r for r in recs}
assert sorted(by) == ["http://site.test/c", "http://site.test/gone", "http://site.test/old"], by
assert by["http://site.test/c"]["error"] == "fake" and by["http://site.test/c"]["status"] == 0
assert by["http://site.test/gone"]["error"] == "missing"
old = by["http://site.test/old"]
assert old["status"] == 404 and old["final_url"] == "http://site.test/new" and old["hops"] == 1, old
assert [r["page"] for r in old["referrers"]] == ["http://site.test/b"], old
for r in recs:
    for k in ("url", "status", "error", "error_msg", "referrers"):
        assert k in r, (k, r)
PY
expect_exit 1 "check small web, text" "$weft" check -q -e serial -w "$web" http://site.test/
grep -qx "3 pages, 8 links checked, 3 broken (3 links)" "$tmp/out" && grep -qx "http://site.test/b" "$tmp/out" &&
	pass "check text: grouped by page, summary line" || fail "check text: $(cat "$tmp/out")"
expect_exit 0 "check excluding the broken ones exits 0" "$weft" check -q -w "$web" --exclude 'gone|/c$|old' http://site.test/
expect_exit 1 "check the lecture's web" "$weft" check -q -w builtin http://golang.org/
grep -q "http://golang.org/cmd/  missing" "$tmp/out" && pass "check lecture web: /cmd/ is missing" ||
	fail "check lecture web: $(cat "$tmp/out")"
expect_exit 2 "check without URL" "$weft" check -w builtin
expect_exit 2 "check with a missing web file" "$weft" check -w "$tmp/none.jsonl" http://a.test/
expect_exit 2 "check with a bad option" "$weft" check --frobnicate http://a.test/
expect_exit 2 "check with a bad format" "$weft" check -f xml -w builtin http://golang.org/
if [ -w /dev/full ]; then
	expect_exit 3 "check output to a full disk" "$weft" check -q -w builtin -o /dev/full http://golang.org/
fi

echo "$fails failed"
[ "$fails" = 0 ]
