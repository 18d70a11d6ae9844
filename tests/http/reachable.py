#!/usr/bin/env python3
"""reachable.py -- the independent oracle for crawling a directory served over HTTP.

Usage: reachable.py DIR BASE_URL [START]

Prints, one per line and sorted, every URL (fragment removed) that a correct crawler
requests when it starts at BASE_URL + START (default "index.html") and follows
a[href], area[href], iframe[src] and frame[src] (resolved against <base href> when the
page has one), staying under BASE_URL. The files come from disk, the way
`weft-testserver --dir DIR` serves them (python http.server rules):
  - a URL path maps to DIR + the percent-decoded path below BASE_URL (query ignored);
  - a path ending in "/" serves that directory's index.html (404 when absent);
  - a directory without the trailing slash answers 301 to the slash form, which is
    requested too;
  - a missing file is requested but 404; a file that is not .html/.htm is requested but
    not parsed (not text/html).
A summary goes to stderr: the total and how many URLs are HTML, non-HTML, 404 and
redirects. Standard library only; no network: this is what the crawl must find.
"""
import os
import sys
from collections import deque
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

LINK_ATTRS = {"a": "href", "area": "href", "iframe": "src", "frame": "src"}
HTML_EXTS = (".html", ".htm")


class LinkParser(HTMLParser):
    """Collects link attribute values and the first <base href> of a document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.base = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "base" and self.base is None and attrs.get("href") is not None:
            self.base = attrs["href"].strip()
        name = LINK_ATTRS.get(tag)
        if name and attrs.get(name) is not None:
            self.links.append(attrs[name])

    handle_startendtag = handle_starttag


def parse_links(path, url):
    """Absolute, fragment-free URLs linked from the HTML file at path (served as url)."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    parser = LinkParser()
    parser.feed(text)
    parser.close()
    base = urljoin(url, parser.base) if parser.base else url
    out = []
    for value in parser.links:
        target = urldefrag(urljoin(base, value.strip()))[0]
        if urlsplit(target).scheme in ("http", "https"):
            out.append(target)
    return out


def classify(root, base_url, url):
    """What the server answers for url: ('html'|'other'|'404', path) or ('301', target)."""
    rel = unquote(urlsplit(url).path[len(urlsplit(base_url).path):])
    if ".." in rel.split("/"):
        return "404", None
    path = os.path.join(root, rel)
    if os.path.isdir(path):
        if not rel.endswith("/") and rel != "":
            return "301", urldefrag(url)[0].split("?")[0] + "/"
        path = os.path.join(path, "index.html")
    if not os.path.isfile(path):
        return "404", None
    return ("html" if path.lower().endswith(HTML_EXTS) else "other"), path


def crawl(root, base_url, start):
    """BFS over the served tree; returns {url: kind}."""
    seen = {}
    queue = deque([urldefrag(urljoin(base_url, start))[0]])
    seen[queue[0]] = None
    while queue:
        url = queue.popleft()
        kind, info = classify(root, base_url, url)
        seen[url] = kind
        if kind == "301":
            targets = [info]
        elif kind == "html":
            targets = parse_links(info, url)
        else:
            targets = []
        for t in targets:
            if t.startswith(base_url) and t not in seen:
                seen[t] = None
                queue.append(t)
    return seen


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: reachable.py DIR BASE_URL [START]\n")
        return 2
    root, base_url = argv[1], argv[2]
    if not base_url.endswith("/"):
        base_url += "/"
    if not os.path.isdir(root):
        sys.stderr.write("reachable.py: %s: not a directory\n" % root)
        return 2
    seen = crawl(root, base_url, argv[3] if len(argv) == 4 else "index.html")
    for url in sorted(seen):
        sys.stdout.write(url + "\n")
    kinds = list(seen.values())
    sys.stderr.write(
        "reachable: %d URLs (%d HTML, %d non-HTML, %d 404, %d redirects)\n"
        % (len(seen), kinds.count("html"), kinds.count("other"), kinds.count("404"),
           kinds.count("301")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
