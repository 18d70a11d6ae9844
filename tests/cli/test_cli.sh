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
for cmd in "" crawl check demo compare; do
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
	grep -qx "weft: writing /dev/full: No space left on device" "$tmp/err" &&
		pass "full disk is reported, file and reason named" || fail "full disk: $(cat "$tmp/err")"
	for f in jsonl csv dot sitemap; do
		expect_exit 3 "-f $f to a full disk" "$weft" crawl -q -f $f --web builtin -o /dev/full http://golang.org/
		grep -q "writing /dev/full: No space left on device" "$tmp/err" ||
			fail "-f $f full disk message: $(cat "$tmp/err")"
	done
fi
for f in text jsonl csv dot sitemap; do
	expect_exit 3 "-f $f -o into a missing directory" "$weft" crawl -q -f $f --web builtin \
		-o /nonexistent/dir/x http://golang.org/
	grep -qx "weft: writing /nonexistent/dir/x: No such file or directory" "$tmp/err" ||
		fail "-f $f unopenable -o: message was: $(cat "$tmp/err")"
done

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

# --- weft compare: every engine on one target, and whether they agree ---
"$weft" compare -w builtin >"$tmp/cmp" 2>"$tmp/err"; rc=$?
[ "$rc" = 0 ] && [ "$(grep -cE '^(serial|mutex|channel|pool|event) +5 +yes ' "$tmp/cmp")" = 5 ] &&
	grep -q '^all engines found the same pages' "$tmp/cmp" &&
	pass "compare: five engines, 5 pages each, all agree" || { fail "compare builtin (exit $rc)"; cat "$tmp/cmp"; }
# With --max-pages 3 the serial crawl (depth first) takes /, /a, /gone and the event engine
# (breadth first) /, /a, /b: the same count, different pages, which compare must catch.
"$weft" compare --engines serial,event -w "$src/tests/data/webs/small.jsonl" -m 3 --no-skipped \
	http://site.test/ >"$tmp/cmp" 2>"$tmp/err"; rc=$?
[ "$rc" = 1 ] && grep -qE '^event +3 +NO ' "$tmp/cmp" && grep -qE '^serial +3 +yes ' "$tmp/cmp" &&
	pass "compare: different pages, same count: disagreement found (exit 1)" ||
	{ fail "compare disagreement (exit $rc)"; cat "$tmp/cmp"; }
expect_exit 2 "compare: unknown engine" "$weft" compare --engines serial,nope -w builtin
expect_exit 2 "compare: -e is its own" "$weft" compare -e event -w builtin
expect_exit 2 "compare: no start URL" "$weft" compare

# --- outputs: csv, dot, sitemap, --links; a closed pipe; streaming (docs/OUTPUTS.md) ---
# A web whose URLs hold commas, quotes and XML specials, non-HTML and error pages, a redirect.
cat >"$tmp/q.jsonl" <<'X'
{"url": "http://q.test/", "links": ["http://q.test/a,b", "http://q.test/x\"y", "http://q.test/t?q=1&r=<2>'", "http://q.test/doc.pdf", "http://q.test/x.xhtml", "http://other.test/", "mailto:a@b", "/old"]}
{"url": "http://q.test/a,b", "links": ["/", "/a,b", "/gone", "/a,b"]}
{"url": "http://q.test/x\"y", "links": []}
{"url": "http://q.test/t?q=1&r=<2>'", "links": ["/x.xhtml"]}
{"url": "http://q.test/doc.pdf", "content_type": "application/pdf"}
{"url": "http://q.test/x.xhtml", "content_type": "application/xhtml+xml", "links": ["/a,b"]}
{"url": "http://q.test/old", "redirect": "/a,b"}
X
q="$tmp/q.jsonl"
"$weft" crawl -q -f jsonl --links --web "$q" http://q.test/ >"$tmp/q.jl" || fail "jsonl --links exit"
"$weft" crawl -q -f csv --web "$q" http://q.test/ >"$tmp/q.csv" || fail "csv exit"
"$weft" crawl -q -f csv --links --web "$q" http://q.test/ >"$tmp/ql.csv" || fail "csv --links exit"
python3 - "$tmp/q.jl" "$tmp/q.csv" "$tmp/ql.csv" "$q" <<'PY' && pass "csv parses back to the jsonl's URLs and statuses; --links rebuilds every page's links (jsonl and csv)" || fail "csv / --links"
import csv, json, sys
from urllib.parse import urljoin
recs = [json.loads(l) for l in open(sys.argv[1])]
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
want = {r["url"]: (str(r.get("status", "")), r.get("skipped") or "") for r in recs}
got = {r["url"]: (r["status"], r["skipped"]) for r in rows}
assert len(rows) == len(recs) == len(got), (len(rows), len(recs))
assert got == want, (got, want)
assert "http://q.test/a,b" in got
assert open(sys.argv[2], "rb").read().count(b'"http://q.test/a,b"') >= 1   # quoted
# the graph from the fake web itself: page -> its links, resolved
web = {}
for line in open(sys.argv[4]):
    if line.strip():
        p = json.loads(line)
        web[p["url"].replace('"', "%22").replace("<", "%3C").replace(">", "%3E").replace("'", "%27")] = [
            urljoin(p["url"], l).replace('"', "%22").replace("<", "%3C").replace(">", "%3E").replace("'", "%27")
            for l in p.get("links", [])]
fetched = [r for r in recs if "skipped" not in r]
for r in fetched:
    assert "outlinks" in r, r
    assert len(r["outlinks"]) == r["links"], r
    if r["url"] in web and "redirect" not in r:
        assert [l["url"] for l in r["outlinks"]] == web[r["url"]], (r["url"], r["outlinks"], web[r["url"]])
for r in recs:
    assert "skipped" not in r or "outlinks" not in r
lrows = list(csv.DictReader(open(sys.argv[3], newline="")))
bypage = {}
for row in lrows:
    bypage.setdefault(row["url"], [])
    if row["link_index"] != "":
        assert int(row["link_index"]) == len(bypage[row["url"]]), row
        bypage[row["url"]].append(row["link_url"])
assert bypage == {r["url"]: [l["url"] for l in r.get("outlinks", [])] for r in recs}, bypage
PY

"$weft" crawl -q -f dot --web "$q" http://q.test/ >"$tmp/q.dot" || fail "dot exit"
python3 - "$tmp/q.dot" "$tmp/q.jl" <<'PY' && pass "dot: a node per fetched URL, an edge per distinct link between fetched URLs, balanced" || fail "dot graph"
import json, re, sys
dot = open(sys.argv[1]).read()
recs = [json.loads(l) for l in open(sys.argv[2])]
assert dot.startswith("digraph weft {") and dot.rstrip().endswith("}")
body = re.sub(r'"(\\.|[^"\\])*"', '""', dot)          # strings out, then brackets balance
assert body.count("{") == body.count("}") == 1 and body.count("[") == body.count("]")
nodes = dict((n, u.replace("&amp;", "&")) for n, u in
             re.findall(r'^  (n\d+) \[label=.*URL="((?:\\.|[^"\\])*)"', dot, re.M))
edges = set(re.findall(r"^  (n\d+) -> (n\d+)", dot, re.M))
fetched = {r["url"] for r in recs if "skipped" not in r}
assert {u.replace('\\"', '"') for u in nodes.values()} == fetched, (nodes, fetched)
for a, b in edges:
    assert a in nodes and b in nodes, (a, b)
byurl = {u.replace('\\"', '"'): n for n, u in nodes.items()}
want = set()
for r in recs:
    for l in r.get("outlinks", []):
        if l["url"] in fetched:
            want.add((byurl[r["url"]], byurl[l["url"]]))
    if r.get("redirect") in fetched:
        want.add((byurl[r["url"]], byurl[r["redirect"]]))
assert edges == want, (edges, want)
assert re.search(r'label="/gone\\n404".*fillcolor=salmon', dot), "error node not coloured"
PY
if command -v dot >/dev/null; then
	dot -Tsvg "$tmp/q.dot" >"$tmp/q.svg" 2>"$tmp/dot.err" && [ ! -s "$tmp/dot.err" ] &&
		python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$tmp/q.svg" &&
		pass "dot -Tsvg renders it" || fail "dot -Tsvg: $(cat "$tmp/dot.err")"
	"$weft" crawl -q -f dot --web builtin http://golang.org/ | dot -Tsvg >/dev/null 2>"$tmp/dot.err" &&
		[ ! -s "$tmp/dot.err" ] && pass "dot -Tsvg: the lecture's web" || fail "dot builtin"
else
	echo "skip dot -Tsvg (graphviz not installed)"
fi

"$weft" crawl -q -f sitemap --web "$q" http://q.test/ >"$tmp/q.xml" || fail "sitemap exit"
python3 - "$tmp/q.xml" "$tmp/q.jl" <<'PY' && pass "sitemap: valid XML, exactly the 200 HTML pages" || fail "sitemap"
import json, sys, xml.etree.ElementTree as E
ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
root = E.parse(sys.argv[1]).getroot()
assert root.tag == ns + "urlset"
locs = [u.find(ns + "loc").text for u in root]
recs = [json.loads(l) for l in open(sys.argv[2])]
want = [r["url"] for r in recs if r.get("status") == 200 and "error" not in r and
        r.get("content_type") in ("text/html", "application/xhtml+xml")]
assert sorted(locs) == sorted(want) and len(locs) == len(set(locs)) == 5, (locs, want)
assert "http://q.test/t?q=1&r=%3C2%3E%27" in locs and "http://q.test/doc.pdf" not in locs
PY
mkdir "$tmp/sm"
"$weft" crawl -q -f sitemap --sitemap-max 2 -o "$tmp/sm/sitemap.xml" --web "$q" http://q.test/ ||
	fail "sitemap split exit"
python3 - "$tmp/sm" "$tmp/q.xml" <<'PY' && pass "sitemap over --sitemap-max: an index and parts -1..-3, together the pages" || fail "sitemap split"
import os, sys, xml.etree.ElementTree as E
ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
d = sys.argv[1]
assert sorted(os.listdir(d)) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"], os.listdir(d)
idx = E.parse(os.path.join(d, "sitemap.xml")).getroot()
assert idx.tag == ns + "sitemapindex"
assert [s.find(ns + "loc").text for s in idx] == ["http://q.test/sitemap-%d.xml" % i for i in (1, 2, 3)]
locs = []
for i in (1, 2, 3):
    part = E.parse(os.path.join(d, "sitemap-%d.xml" % i)).getroot()
    assert part.tag == ns + "urlset" and 1 <= len(part) <= 2
    locs += [u.find(ns + "loc").text for u in part]
one = [u.find(ns + "loc").text for u in E.parse(sys.argv[2]).getroot()]
assert sorted(locs) == sorted(one), (locs, one)
PY
expect_exit 3 "sitemap over --sitemap-max to standard output" "$weft" crawl -q -f sitemap --sitemap-max 2 --web "$q" http://q.test/
grep -q "more than 2 URLs.*use -o FILE" "$tmp/err" && pass "sitemap limit: the message names it and -o" ||
	fail "sitemap limit message: $(cat "$tmp/err")"

# A web bigger than a pipe's buffer, for | head and for streaming.
python3 - "$tmp/big.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write('{"url": "http://big.test/%d", "links": ["/%d", "/%d"]}\n' % (i, i + 1, (i * 7) % 3000))
PY
for f in text jsonl csv dot; do
	( "$weft" crawl -f $f --web "$tmp/big.jsonl" http://big.test/0 2>"$tmp/err"; echo $? >"$tmp/rc" ) |
		head -1 >"$tmp/first"
	[ "$(cat "$tmp/rc")" = 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/first" ] &&
		pass "-f $f | head -1: exit 0, nothing on stderr" ||
		fail "-f $f | head -1: exit $(cat "$tmp/rc"), stderr: $(head -3 "$tmp/err")"
done

# Streaming: the first record reaches a pipe while the crawl still waits for a slow page
# (6 s). Block-buffered output would deliver it only at the end, with the slow page's.
cat >"$tmp/slow.jsonl" <<'X'
{"url": "http://s.test/", "links": ["/slow"]}
{"url": "http://s.test/slow", "delay_ms": 6000}
X
for f in jsonl csv; do
	"$weft" crawl -q -f $f --web "$tmp/slow.jsonl" http://s.test/ | python3 -c '
import os, select, sys, time
t0 = time.monotonic()
fd = sys.stdin.fileno()
buf = b""
while b"http://s.test/" not in buf or not buf.endswith(b"\n"):
    r, _, _ = select.select([fd], [], [], 3.0)
    assert r, "no record within 3 s: output is not streamed"
    chunk = os.read(fd, 65536)
    assert chunk, "EOF before the first record"
    buf += chunk
first = time.monotonic() - t0
assert b"/slow" not in buf, "the slow page came first?"
while os.read(fd, 65536):
    pass
total = time.monotonic() - t0
# the slow record comes 6 s after the first: the first must not have waited for it
assert total - first >= 2.0, (first, total)
' && pass "-f $f streams: first record before the crawl ends" || fail "-f $f does not stream"
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
