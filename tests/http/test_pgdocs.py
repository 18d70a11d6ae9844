#!/usr/bin/env python3
"""test_pgdocs.py -- reachable.py's answer for the PostgreSQL 15 HTML docs equals an
actual crawl over HTTP of the same directory served by `weft-testserver --dir`.

It checks the server's directory semantics (paths, decoding, statuses, content types,
redirects) against the oracle's model of them on a real 1,000-page corpus. The HTTP crawl
below decides what to parse from the *response* (status and Content-Type) and follows
Location headers, so it does not share the oracle's file-system logic; it reuses only the
oracle's HTML link parser. Exits 77 (skip) when the docs or the server are missing.
Usage: test_pgdocs.py PATH/TO/reachable.py [DOCS_DIR]
"""
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import deque
from urllib.parse import urldefrag, urljoin

DOCS = "/usr/share/doc/postgresql-doc-15/html"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(opener, url):
    """(status, content type, body, location) of one GET, redirects not followed."""
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read(), None
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), b"", e.headers.get("Location")


def http_crawl(base, start, link_parser):
    opener = urllib.request.build_opener(NoRedirect)
    seen = {start}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        status, ctype, body, location = fetch(opener, url)
        targets = []
        if location:
            targets = [urljoin(url, location)]
        elif status == 200 and ctype == "text/html":
            p = link_parser()
            p.feed(body.decode("utf-8", errors="replace"))
            doc_base = urljoin(url, p.base) if p.base else url
            targets = [urldefrag(urljoin(doc_base, v.strip()))[0] for v in p.links]
        for t in targets:
            if t.startswith(base) and t not in seen:
                seen.add(t)
                queue.append(t)
    return sorted(seen)


def main():
    script = sys.argv[1]
    docs = sys.argv[2] if len(sys.argv) > 2 else DOCS
    server = os.environ.get("WEFT_TESTSERVER")
    if not server or not os.path.isfile(os.path.join(docs, "index.html")):
        print("skip: no server or no docs at %s" % docs)
        return 77
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    import reachable  # noqa: E402 (the oracle, as a module)

    proc = subprocess.Popen([server, "--dir", docs], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(line.split()[1])
        base = "http://127.0.0.1:%d/" % port
        oracle = subprocess.run([sys.executable, script, docs, base], capture_output=True,
                                text=True, check=True)
        expected = oracle.stdout.splitlines()
        got = http_crawl(base, base + "index.html", reachable.LinkParser)
    finally:
        proc.terminate()
        rc = proc.wait(timeout=30)
    failures = 0
    if got != expected:
        failures += 1
        print("FAIL: crawl %d URLs, oracle %d; missing %s; extra %s" % (
            len(got), len(expected), sorted(set(expected) - set(got))[:5],
            sorted(set(got) - set(expected))[:5]))
    if rc != 0:
        failures += 1
        print("FAIL: server exit status %d" % rc)
    print("pgdocs: %d URLs; %s" % (len(got), oracle.stderr.strip()))
    print("%d passed, %d failed" % (2 - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
