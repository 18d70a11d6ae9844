#!/usr/bin/env python3
"""test_reachable.py -- checks reachable.py (the directory-crawl oracle) on a small tree
whose reachable set is known by construction: which tags count as links, <base href>,
fragments, 404s, non-HTML files that must not be parsed, directory redirects, and links
that leave BASE_URL. Usage: test_reachable.py PATH/TO/reachable.py
"""
import os
import subprocess
import sys
import tempfile

BASE = "http://127.0.0.1:1/docs/"

FILES = {
    "index.html": """<!DOCTYPE html><html><head><title>i</title>
        <link rel="stylesheet" href="style.css"></head><body>
        <a href="page1.html#top">one</a> <A HREF=' page1.html '>again</A>
        <map><area href="map.html" alt="m"></map>
        <iframe src="frame.html"></iframe>
        <img src="img.png"> <a href="missing.html">404</a>
        <a href="doc.pdf">pdf</a> <a href="notes.txt">txt</a>
        <a href="sub">dir without slash</a> <a href="with%20space.html">space</a>
        <a href="http://other.example/x.html">off</a> <a href="../outside.html">up</a>
        <a href="mailto:a@b.c">mail</a> <a href="javascript:void(0)">js</a>
        <a href="#local">frag</a> <a>no href</a> <a href="q.html?x=1&amp;y=2">q</a>
        </body></html>""",
    "page1.html": """<html><head><base href="sub/"></head><body>
        <a href="deep.html">deep</a></body></html>""",
    "map.html": "<html><body>map</body></html>",
    "frame.html": '<html><frameset><frame src="framed.html"></frameset></html>',
    "framed.html": "<html><body>framed</body></html>",
    "doc.pdf": '%PDF-1.4 <a href="pdf-trap.html">',
    "notes.txt": '<a href="txt-trap.html">not html</a>',
    "style.css": "a{}", "img.png": "PNG", "q.html": "<p>q</p>",
    "with space.html": '<a href="index.html">home</a>',
    "sub/index.html": '<a href="../map.html">map</a>',
    "sub/deep.html": "<p>deep</p>",
    "txt-trap.html": "<p>must not be reached</p>",
}

EXPECTED = sorted(BASE + p for p in [
    "index.html", "page1.html", "map.html", "frame.html", "framed.html", "missing.html",
    "doc.pdf", "notes.txt", "sub", "sub/", "with%20space.html", "sub/deep.html",
    "q.html?x=1&y=2",
])


def run(script, root, *extra):
    p = subprocess.run([sys.executable, script, root, BASE, *extra], capture_output=True,
                       text=True, check=False)
    if p.returncode != 0:
        raise AssertionError("reachable.py failed: %s" % p.stderr)
    return p.stdout.splitlines(), p.stderr


def main():
    script = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as root:
        for name, text in FILES.items():
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                f.write(text)
        got, err = run(script, root)
        if got != EXPECTED:
            failures += 1
            print("FAIL reachable set:\n  missing %s\n  extra   %s" % (
                sorted(set(EXPECTED) - set(got)), sorted(set(got) - set(EXPECTED))))
        if "13 URLs (9 HTML, 2 non-HTML, 1 404, 1 redirects)" not in err:
            failures += 1
            print("FAIL summary: %r" % err)
        got_root, _ = run(script, root, "")
        if sorted(set(got_root) - set(got)) != [BASE]:
            failures += 1
            print("FAIL seeding at the directory URL: %s" % sorted(set(got_root) - set(got)))
    print("%d passed, %d failed" % (3 - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
