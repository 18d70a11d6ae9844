#!/usr/bin/env python3
"""bigweb.py N > web.jsonl -- a big fake web for memory measurements (docs/CHECK.md): N pages
http://big.test/p/<i>, each linking 8 random pages, the next page, an external URL on one of 50
hosts (not in the web: "missing"), and on one page in ten a missing in-site page."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
random.seed(1)
out = sys.stdout
for i in range(n):
    links = [f"http://big.test/p/{random.randrange(n)}" for _ in range(8)]
    if i % 10 == 0:
        links.append(f"http://big.test/missing/{random.randrange(1000)}")
    links.append(f"http://ext{i % 50}.test/x/{random.randrange(5000)}")
    links.append(f"http://big.test/p/{(i + 1) % n}")
    out.write('{"url": "http://big.test/p/%d", "links": [%s]}\n'
              % (i, ", ".join('"%s"' % l for l in links)))
