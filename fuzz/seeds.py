#!/usr/bin/env python3
"""seeds.py TARGET OUTDIR [--max N] -- write seed inputs for a fuzz target, derived from the
shared test data ($WEFT_TESTDATA, default ../shared/testdata next to the checkout).

fuzz/run.sh calls it to add seeds to the work copy of the corpus (nothing is written into the
repository); the committed fuzz/corpus/<target>/ files were made with --max (a small, spread
selection). Targets it knows nothing about, or missing test data: writes nothing, exits 0."""
import hashlib
import json
import os
import sys

LABELS = ["utf-8", "windows-1252", "utf-16le", "utf-16be", "x-user-defined", "replacement",
          "iso-2022-jp", "shift_jis", "euc-jp", "euc-kr", "big5", "gbk", "gb18030", "koi8-r",
          "windows-1258", "iso-8859-2", "macintosh", "windows-874", "ibm866", "x-mac-cyrillic",
          "iso-8859-8-i", "windows-1251", "koi8-u", "iso-8859-6"]  # fuzz_decode.c's table


def testdata():
    d = os.environ.get("WEFT_TESTDATA")
    if not d:
        here = os.path.dirname(os.path.abspath(__file__))
        d = os.path.join(here, "..", "..", "shared", "testdata")
    return d if os.path.isdir(d) else None


def url_cases(td):
    try:
        with open(os.path.join(td, "url", "urltestdata.json"), encoding="utf-8") as f:
            return [c for c in json.load(f) if isinstance(c, dict) and "input" in c]
    except OSError:
        return []


def html_cases(td):
    d = os.path.join(td, "html", "cases")
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".html"):
            with open(os.path.join(d, name), "rb") as f:
                out.append((name, f.read()))
    return out


def seeds(target, td):
    """Yield (name, bytes)."""
    if target == "url":
        for c in url_cases(td):
            yield "wpt", c["input"].encode("utf-8", "surrogatepass")
    elif target == "resolve":
        for c in url_cases(td):
            if c.get("base") and "\n" not in c["base"]:
                yield "wpt", (c["base"] + "\n" + c["input"]).encode("utf-8", "surrogatepass")
    elif target == "html":
        # fuzz_html.c: byte 0 picks the HTTP charset (0: none), byte 1 the split point.
        for i, (name, doc) in enumerate(html_cases(td)):
            yield name, bytes([0, (37 * i) % 256]) + doc
    elif target == "decode":
        # fuzz_decode.c: byte 0 picks the encoding, byte 1 the chunk size.
        for i, (name, doc) in enumerate(html_cases(td)):
            yield name, bytes([i % len(LABELS), i % 17]) + doc[:4096]
            # the same text re-encoded, so multi-byte decoders see real sequences
            text = doc[:2048].decode("utf-8", "replace")
            for k in ((5 * i) % len(LABELS), (5 * i + 3) % len(LABELS)):
                label = LABELS[k]
                codec = {"x-user-defined": None, "replacement": None,
                         "iso-8859-8-i": "iso-8859-8", "x-mac-cyrillic": "mac-cyrillic",
                         "windows-874": "cp874", "ibm866": "cp866"}.get(label, label)
                if codec:
                    try:
                        enc = text.encode(codec, "xmlcharrefreplace")
                    except (LookupError, UnicodeError):
                        continue
                    yield name + "." + label, bytes([k, (i + k) % 17]) + enc


def main():
    args = sys.argv[1:]
    limit = None
    if "--max" in args:
        i = args.index("--max")
        limit = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    target, outdir = args
    td = testdata()
    if not td:
        return
    all_seeds = list(seeds(target, td))
    if limit:  # committed seeds stay small: at most 6 KB each
        all_seeds = [(n, d[:6144]) for n, d in all_seeds]
    if limit and len(all_seeds) > limit:  # spread over the list, not its head
        step = len(all_seeds) / limit
        all_seeds = [all_seeds[int(k * step)] for k in range(limit)]
    os.makedirs(outdir, exist_ok=True)
    for name, data in all_seeds:
        h = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(outdir, "td-%s-%s" % (name.replace("/", "_")[:40], h)), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
