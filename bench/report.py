#!/usr/bin/env python3
"""bench/report.py -- the analysis half of bench/run.sh (Python 3 standard library only).

Two uses:

  report.py --out DIR --overhead --threshold F --verify auto|inline|separate
      Reads the --log overhead runs (S2, event, c=64, kinds ovh-nolog / ovh-log) from
      DIR/runs.tsv, writes DIR/overhead.txt and prints the verification mode to use:
      the one asked for, or for "auto" inline when the overhead is at most F, else separate.

  report.py --out DIR --results FILE.md --png FILE.png --command CMD ...
      Verifies every logged run at the server (the test server's --log against the expected
      set), takes medians, prints a table per scenario and the bars, writes FILE.md and draws
      FILE.png with gnuplot.

DIR/runs.tsv has one line per crawl, written by run.sh:
  scenario crawler c run kind wall_s user_s sys_s maxrss_kb exit logfile server_cpu_s
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from urllib.parse import unquote, urlsplit

# "auto" is the event engine with -c auto (c is recorded as 0); "floor" is not a crawler but
# bench/micro/curl_floor: libcurl alone fetching the expected URL list -- what any crawler on
# libcurl cannot beat on this machine.
CRAWLERS = ["event", "auto", "pool", "channel", "mutex", "serial", "wget2", "go", "floor"]
LABEL = {"event": "weft event", "auto": "weft event -c auto", "pool": "weft pool",
         "channel": "weft channel", "mutex": "weft mutex", "serial": "weft serial",
         "wget2": "wget2", "go": "Go (lecture)", "floor": "libcurl floor (URL list)"}
COLOR = {"event": "#9400d3", "pool": "#009e73", "channel": "#56b4e9", "mutex": "#e69f00",
         "serial": "#666666", "wget2": "#0072b2", "go": "#d62728", "floor": "#000000"}
EVENT = ("event", "auto")
SCEN_TITLE = {
    "S1": "S1 latency-bound: --site 10000 --fanout 10 --latency 50",
    "S2": "S2 CPU-bound: --site 20000 --fanout 10, no latency",
    "S3": "S3 a real site: postgresql-doc-15 HTML, --dir",
}
# Exit codes that mean "crawl completed" (weft: 1 = broken links found; wget2: 8 = server
# error responses, i.e. the 404s the generated site has on purpose).
OK_EXIT = {"wget2": {0, 8}, "go": {0}, "floor": {0}}
OK_EXIT_WEFT = {0, 1}
MIB = 1024.0


def die(msg):
    print("report: error: " + msg, file=sys.stderr)
    sys.exit(1)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def load_runs(out):
    path = os.path.join(out, "runs.tsv")
    runs = []
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                p = line.rstrip("\n").split("\t")
                if len(p) != 12:
                    die(f"{path}:{n}: expected 12 fields, got {len(p)}")
                runs.append({
                    "scen": p[0], "crawler": p[1], "c": int(p[2]), "run": int(p[3]),
                    "kind": p[4], "wall": float(p[5]), "cpu": float(p[6]) + float(p[7]),
                    "rss": int(p[8]) / MIB, "exit": int(p[9]), "log": p[10],
                    "scpu": float(p[11])})
    except OSError as e:
        die(f"cannot read {path}: {e}")
    return runs


def norm_path(url_or_uri):
    """The comparable form of a URL or a request target: path[?query], percent-decoded."""
    s = urlsplit(url_or_uri)
    p = s.path or "/"
    if s.query:
        p += "?" + s.query
    return unquote(p)


def load_expected(out, scen):
    """(set of paths, max depth or None) for a scenario."""
    path = os.path.join(out, scen + ".expect")
    paths, depth = set(), None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                o = json.loads(line)
                paths.add(norm_path(o["url"]))
                depth = max(depth or 0, o.get("depth", 0))
            else:
                paths.add(norm_path(line))
    return paths, depth


CLAIM_RE = re.compile(r"^(?:weft: (\d+) fetched|fetched (\d+))", re.M)


def claimed(out, r):
    """The number of URLs the crawler says it fetched in run r, or None."""
    path = os.path.join(out, "raw", r["scen"], f"{r['crawler']}-c{r['c']}-{r['kind']}-r{r['run']}.out")
    try:
        with open(path, errors="replace") as f:
            m = CLAIM_RE.search(f.read())
    except OSError:
        return None
    return int(m.group(1) or m.group(2)) if m else None


LOG_RE = re.compile(r"^([A-Z]+) (\S+) (\d+) ")


def read_log(path):
    """(total requests, set of distinct paths) from a test server --log file."""
    total, seen = 0, set()
    with open(path, errors="replace") as f:
        for line in f:
            m = LOG_RE.match(line)
            if not m:
                continue  # the server's own messages
            total += 1
            seen.add(norm_path(m.group(2)))
    return total, seen


# ---------------------------------------------------------------------------------------------
def overhead(args):
    runs = load_runs(args.out)
    nolog = [r["wall"] for r in runs if r["kind"] == "ovh-nolog"]
    logged = [r["wall"] for r in runs if r["kind"] == "ovh-log"]
    if not nolog or not logged:
        die("no --log overhead runs in runs.tsv")
    a, b = median(nolog), median(logged)
    sa = median([r["scpu"] for r in runs if r["kind"] == "ovh-nolog"])
    sb = median([r["scpu"] for r in runs if r["kind"] == "ovh-log"])
    ov = b / a - 1.0
    # The decision uses the server's extra CPU time over the crawl's wall time: logging can
    # slow the crawl by at most the CPU it costs the server (writes go to the page cache), and
    # that figure does not move with the load other users put on the machine -- the wall-time
    # difference, printed too, mostly does.
    est = max(0.0, sb - sa) / a
    mode = args.verify
    if mode == "auto":
        mode = "inline" if est <= args.threshold else "separate"
    with open(os.path.join(args.out, "overhead.txt"), "w") as f:
        f.write(f"{a:.3f} {b:.3f} {ov:.4f} {mode} {sa:.2f} {sb:.2f} {len(nolog)} {est:.4f}\n")
    print(f"bench: --log overhead (S2, event, c=64, medians of {len(nolog)} pairs): crawl wall "
          f"{a:.2f} s without, {b:.2f} s with ({ov * 100:+.1f} %); server CPU {sa:.2f} s "
          f"without, {sb:.2f} s with: +{est * 100:.1f} % of the crawl's wall time (threshold "
          f"{args.threshold * 100:.0f} %)", file=sys.stderr)
    print(mode)


# ---------------------------------------------------------------------------------------------
class Row:
    """One (scenario, crawler, c) setting: medians of its timing runs, worst of its checks."""

    def __init__(self, scen, crawler, c, runs, expected, out):
        self.scen, self.crawler, self.c = scen, crawler, c
        ok = OK_EXIT.get(crawler, OK_EXIT_WEFT)
        # Timing medians over the runs that completed (a crashed run's time means nothing).
        timing = [r for r in runs if r["kind"] in ("timed", "nolog") and r["exit"] in ok]
        checks = [r for r in runs if r["kind"] in ("timed", "verify") and r["log"] != "-"]
        self.n = len(timing)
        self.wall = median([r["wall"] for r in timing])
        self.cpu = median([r["cpu"] for r in timing])
        self.rss = median([r["rss"] for r in timing])
        self.scpu = median([r["scpu"] for r in timing])
        self.walls = [r["wall"] for r in timing]
        self.bad_runs = [r for r in runs if r["exit"] not in ok]
        self.bad_exit = sorted({r["exit"] for r in self.bad_runs})
        self.nruns = len(runs)
        # The crawler's own count (weft's summary line, the Go crawler's "fetched N"): for
        # timing runs without the server log, the only sign that such a run was complete.
        self.short_claims = 0
        for r in timing:
            n = claimed(out, r)
            if n is not None and n < len(expected) and not (crawler == "serial" and scen == "S1"):
                self.short_claims += 1
        self.expected = len(expected)
        self.found = self.extra = self.dups = self.requests = None
        self.checked = len(checks)
        founds, extras, dups, totals = [], [], [], []
        for r in checks:
            total, seen = read_log(r["log"])
            founds.append(len(seen & expected))
            extras.append(len(seen - expected))
            dups.append(total - len(seen))
            totals.append(total)
        if checks:
            self.found, self.extra = min(founds), max(extras)
            self.dups, self.requests = max(dups), median(totals)
        # pages/s of the runs that exited normally (their least found over the median wall).
        okf = [f for f, r in zip(founds, checks) if r["exit"] in ok]
        self.pps = (min(okf) / self.wall) if okf and self.wall == self.wall else None

    @property
    def exact(self):
        return (self.found == self.expected and self.extra == 0 and self.dups == 0
                and not self.bad_runs and not self.short_claims)


def fmt(x, nd=2):
    if x is None or x != x:
        return "–"
    return f"{x:.{nd}f}"


def s1_bound(depth, requests, latency_s, c):
    return max((depth + 1) * latency_s, requests * latency_s / c)


def build_rows(runs, out):
    scens = [s for s in ("S1", "S2", "S3") if any(r["scen"] == s and r["kind"] in
                                                   ("timed", "nolog", "verify") for r in runs)]
    data = {}
    for s in scens:
        expected, depth = load_expected(out, s)
        rows = []
        for cr in CRAWLERS:
            cs = sorted({r["c"] for r in runs if r["scen"] == s and r["crawler"] == cr
                         and r["kind"] in ("timed", "nolog", "verify")})
            for c in cs:
                sel = [r for r in runs if r["scen"] == s and r["crawler"] == cr and r["c"] == c
                       and r["kind"] in ("timed", "nolog", "verify")]
                rows.append(Row(s, cr, c, sel, expected, out))
        data[s] = {"rows": rows, "expected": expected, "depth": depth}
    return data


def best(rows, crawler):
    """The crawler's fastest complete setting (least median wall time among the settings
    whose every run found exactly the expected set), else its fastest at all, or None."""
    cand = [r for r in rows if r.crawler == crawler and r.wall == r.wall]
    exact = [r for r in cand if r.exact]
    cand = exact or cand
    return min(cand, key=lambda r: r.wall) if cand else None


def table(scen, d, args):
    rows = d["rows"]
    hdr = ["crawler", "c", "wall s", "CPU s", "peak RSS MiB", "found/expected", "dups",
           "extra", "pages/s", "server CPU s"]
    if scen == "S1":
        hdr.append("× bound")
    lines = []
    for r in rows:
        c = "1" if r.crawler == "serial" else "auto" if r.crawler == "auto" else str(r.c)
        found = "–" if r.found is None else f"{r.found}/{r.expected}"
        note = []
        if r.crawler == "serial" and scen == "S1":
            note.append(f"capped: --max-pages {args.s1_serial_cap}")
        if r.bad_runs:
            sig = [e - 128 for e in r.bad_exit if e > 128]
            what = (f"CRASHED (signal {','.join(map(str, sig))})" if sig else
                    "exit " + ",".join(map(str, r.bad_exit)))
            note.append(f"{what} in {len(r.bad_runs)}/{r.nruns} runs")
        if r.short_claims:
            note.append(f"{r.short_claims} timed run(s) fetched fewer than expected")
        if r.found is not None and r.found < r.expected and not note:
            note.append("MISSED PAGES")
        if r.dups:
            note.append("DUPLICATES")
        cells = [LABEL[r.crawler], c, fmt(r.wall), fmt(r.cpu), fmt(r.rss, 1), found,
                 "–" if r.dups is None else str(r.dups), "–" if r.extra is None else str(r.extra),
                 "–" if r.pps is None else f"{r.pps:.0f}", fmt(r.scpu)]
        if scen == "S1":
            if r.crawler in ("serial", "auto"):
                cells.append("–")
            else:
                b = s1_bound(d["depth"], len(d["expected"]), args.s1_latency / 1000.0, r.c)
                cells.append(fmt(r.wall / b))
        if note:
            cells[0] += " (" + "; ".join(note) + ")"
        lines.append(cells)
    return hdr, lines


def render_text(hdr, lines):
    w = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(hdr)]
    out = ["  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(hdr))]
    for l in lines:
        out.append("  ".join(x.ljust(w[i]) if i == 0 else x.rjust(w[i]) for i, x in enumerate(l)))
    return "\n".join(out)


def render_md(hdr, lines):
    out = ["| " + " | ".join(hdr) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|"]
    for l in lines:
        out.append("| " + " | ".join(l) + " |")
    return "\n".join(out)


def bars(data, wrk_rps, args):
    """[(name, status, detail)]; status PASS, MISS or 'not run'."""
    res = []

    def add(name, ok, detail):
        res.append((name, "PASS" if ok else "MISS", detail))

    def add_rss(scen, d, e, limit):
        worst = max(r.rss for r in d["rows"] if r.crawler == "event")
        add(f"{scen}: event peak RSS ≤ {limit} MiB", e.rss <= limit,
            f"{e.rss:.1f} MiB at c={e.c} (max over its settings {worst:.1f} MiB)")

    # Correctness: every event run in every scenario, exactly the expected set.
    ev = [r for s in data for r in data[s]["rows"] if r.crawler in EVENT]
    if ev:
        bad = [f"{r.scen} c={'auto' if r.crawler == 'auto' else r.c}: found {r.found}/{r.expected}, {r.dups} dups, {r.extra} extra"
               + (f", bad exit {r.bad_exit}" if r.bad_runs else "")
               + (f", {r.short_claims} short timed run(s)" if r.short_claims else "")
               for r in ev if not r.exact]
        checked = sum(r.checked for r in ev)
        add("event finds every page, no duplicate request (all scenarios, all settings)",
            not bad, f"{checked} verified runs" + ("; " + "; ".join(bad) if bad else
                                                   ", all exact (found = expected, 0 duplicates, 0 extra)"))
    lat = args.s1_latency / 1000.0
    if "S1" in data:
        d = data["S1"]
        e, g = best(d["rows"], "event"), best(d["rows"], "go")
        if e:
            b = s1_bound(d["depth"], len(d["expected"]), lat, e.c)
            cmax = max(r.c for r in d["rows"] if r.crawler == "event")
            bmax = s1_bound(d["depth"], len(d["expected"]), lat, cmax)
            evs = [r for r in d["rows"] if r.crawler == "event" and r.wall == r.wall]
            rb = min(evs, key=lambda r: r.wall / s1_bound(d["depth"], len(d["expected"]), lat, r.c))
            brb = s1_bound(d["depth"], len(d["expected"]), lat, rb.c)
            add("S1: event ≤ 1.5 × physical bound at its best c", e.wall <= 1.5 * b,
                f"best c={e.c}: {e.wall:.2f} s vs bound max(({d['depth']}+1)×{args.s1_latency} ms, "
                f"{len(d['expected'])}×{args.s1_latency} ms/{e.c}) = {b:.3f} s → {e.wall / b:.2f}× (bar 1.5×); "
                f"bound at the largest c tried ({cmax}): {bmax:.3f} s → {e.wall / bmax:.2f}×; "
                f"closest to its bound: c={rb.c}, {rb.wall:.2f} s → {rb.wall / brb:.2f}×")
            if g:
                add("S1: event ≥ 2.5 × faster than the Go design", g.wall >= 2.5 * e.wall,
                    f"Go best c={g.c} {g.wall:.2f} s / event {e.wall:.2f} s = {g.wall / e.wall:.2f}× (bar 2.5×)")
            a = best(d["rows"], "auto")
            if a:
                add("S1: -c auto ≥ 80 % of the best fixed setting's throughput",
                    e.wall <= a.wall * 1.25 and a.exact,
                    f"auto {a.wall:.2f} s vs event c={e.c} {e.wall:.2f} s: "
                    f"{100 * e.wall / a.wall:.0f} % (runs: {', '.join(f'{w:.2f}' for w in sorted(a.walls))} s)")
            add_rss("S1", d, e, 40)
    if "S2" in data:
        d = data["S2"]
        e, g = best(d["rows"], "event"), best(d["rows"], "go")
        if e:
            if wrk_rps:
                rps = median(wrk_rps)
                ceil = len(d["expected"]) / rps
                add("S2: event ≤ 1.25 × the server's ceiling", e.wall <= 1.25 * ceil,
                    f"best c={e.c}: {e.wall:.2f} s vs {len(d['expected'])} requests / {rps:.0f} req/s (wrk) "
                    f"= {ceil:.3f} s → {e.wall / ceil:.2f}× (bar 1.25×)")
            if g:
                add("S2: event CPU ≤ 1/3 of the Go design's", e.cpu <= g.cpu / 3,
                    f"event c={e.c} {e.cpu:.2f} CPU s / Go c={g.c} {g.cpu:.2f} CPU s = "
                    f"{e.cpu / g.cpu:.2f} (bar ≤ 0.33)")
            add_rss("S2", d, e, 20)
    if "S3" in data:
        d = data["S3"]
        e, w, g = best(d["rows"], "event"), best(d["rows"], "wget2"), best(d["rows"], "go")
        if e:
            peers = [p for p in (w, g) if p]
            if peers:
                f = min(peers, key=lambda p: p.wall)
                add("S3: event ≥ 1.5 × faster than the faster of wget2 and Go", f.wall >= 1.5 * e.wall,
                    f"{LABEL[f.crawler]} best c={f.c} {f.wall:.3f} s / event c={e.c} {e.wall:.3f} s = "
                    f"{f.wall / e.wall:.2f}× (bar 1.5×)")
            add_rss("S3", d, e, 20)
    return res


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=20).stdout.strip()
    except Exception:  # noqa: BLE001 -- a missing tool only blanks its line
        return ""


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"uname": " ".join(platform.uname()), "uname_a": sh("uname -a"), "cpu": cpu,
            "cores": str(os.cpu_count()), "mem": mem}


def versions(root):
    commit = sh(f"git -C '{root}' rev-parse --short HEAD")
    src = sh(f"git -C '{root}' log -1 --format=%h -- src include cli testserver meson.build")
    if src and src != commit:
        commit += f" (weft's sources last changed in {src})"
    dirty = sh(f"git -C '{root}' status --porcelain --untracked-files=no -- src include cli testserver meson.build")
    return {
        "weft": commit + (" (with uncommitted changes)" if dirty else ""),
        "wget2": sh("wget2 --version 2>&1 | head -n 1"),
        "go": sh("go version"),
        "libcurl": sh("pkg-config --modversion libcurl"),
        "libmicrohttpd": sh("pkg-config --modversion libmicrohttpd"),
        "gcc": sh("cc --version | head -n 1"),
        "wrk": sh("wrk --version 2>&1 | head -n 1"),
        "gnuplot": sh("gnuplot --version"),
    }


def plot(data, wrk_rps, args, png):
    """pages/s against concurrency per crawler, log-log, one panel per scenario."""
    ddir = os.path.join(args.out, "plot")
    os.makedirs(ddir, exist_ok=True)
    scens = list(data)
    panels = []
    for s in scens:
        rows = data[s]["rows"]
        series = []
        for cr in CRAWLERS:
            pts = [(1 if r.crawler == "serial" else r.c, r.pps) for r in rows
                   if r.crawler == cr and r.pps and r.crawler != "auto"]
            if not pts:
                continue
            fn = os.path.join(ddir, f"{s}-{cr}.dat")
            with open(fn, "w") as f:
                for c, p in sorted(pts):
                    f.write(f"{c} {p:.1f}\n")
            if cr == "serial":
                style = "points pt 7 ps 1.5"
            elif cr == "floor":
                style = "linespoints pt 6 lw 1 dt 2"  # not a crawler: hollow, dashed
            elif cr in ("wget2", "go"):
                style = "linespoints pt 5 lw 2 dt 3"  # the peers: squares, dotted
            else:
                style = "linespoints pt 7 lw 2"
            title = LABEL[cr] + (" (capped)" if cr == "serial" and s == "S1" else "")
            series.append(f"'{fn}' using 1:2 with {style} lc rgb '{COLOR[cr]}' title '{title}'")
        extra = []
        if s == "S1":
            d = data[s]
            R, L, dep = len(d["expected"]), args.s1_latency / 1000.0, d["depth"]
            extra.append(f"{R}/max(({dep}+1)*{L},{R}*{L}/x) with lines dt 2 lw 2 lc rgb 'black' "
                         f"title 'physical bound'")
        if s == "S2" and wrk_rps:
            extra.append(f"{median(wrk_rps):.1f} with lines dt 2 lw 2 lc rgb 'black' "
                         f"title 'server ceiling (wrk)'")
        panels.append((s, series + extra))
    if not panels:
        return False
    n = len(panels)
    gp = [f"set terminal pngcairo size {560 * n},520 font 'sans,10'",
          f"set output '{png}'",
          f"set multiplot layout 1,{n} title 'weft benchmark: pages/s against concurrency "
          f"(medians; {time.strftime('%Y-%m-%d')})'",
          "set logscale x 2", "set logscale y", "set grid",
          "set xlabel 'concurrency (weft -c, wget2 --max-threads, Go -c)'",
          "set ylabel 'pages/s'", "set key bottom right font ',9'", "set xrange [0.8:4096]",
          "set samples 400", "max(a, b) = a > b ? a : b"]
    for s, series in panels:
        gp.append(f"set title '{SCEN_TITLE[s].split(':')[0]}: {SCEN_TITLE[s].split(':', 1)[1].strip()}' font ',10'")
        gp.append("plot " + ", \\\n     ".join(series))
    gp.append("unset multiplot")
    script = os.path.join(ddir, "throughput.gp")
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode != 0:
        die(f"gnuplot failed: {r.stderr.strip()}")
    return True


def report(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = load_runs(args.out)
    data = build_rows(runs, args.out)
    wrk_rps = []
    wp = os.path.join(args.out, "wrk.tsv")
    if os.path.exists(wp):
        with open(wp) as f:
            wrk_rps = [float(l.split("\t")[2]) for l in f if l.strip()]
    ovh = None
    op = os.path.join(args.out, "overhead.txt")
    if os.path.exists(op):
        with open(op) as f:
            a, b, o, m, sa, sb, n, est = f.read().split()
            ovh = (float(a), float(b), float(o), m, float(sa), float(sb), int(n), float(est))
    loads = []
    lp = os.path.join(args.out, "load.txt")
    if os.path.exists(lp):
        with open(lp) as f:
            loads = [l.split(None, 1) for l in f if l.strip()]

    text, md = [], []
    for s, d in data.items():
        hdr, lines = table(s, d, args)
        extra = ""
        if d["depth"] is not None:
            extra = f"; max BFS depth {d['depth']}"
        head = f"{SCEN_TITLE[s]} — {len(d['expected'])} requests expected{extra}"
        text += ["", head, render_text(hdr, lines)]
        md += ["", f"### {head}", "", render_md(hdr, lines)]
        if s == "S1":
            e = best(d["rows"], "event")
            if e:
                b = s1_bound(d["depth"], len(d["expected"]), args.s1_latency / 1000.0, e.c)
                line = (f"S1 physical bound at event's best c={e.c}: max(({d['depth']}+1) × "
                        f"{args.s1_latency} ms, {len(d['expected'])} × {args.s1_latency} ms / {e.c}) = "
                        f"{b:.3f} s; weft event: {e.wall:.2f} s ({e.wall / b:.2f}×)")
                text.append(line)
                md += ["", line + ". The `× bound` column is each row's wall time over the "
                       "bound at its own c."]
        if s == "S2" and wrk_rps:
            rps = median(wrk_rps)
            ceil = len(d["expected"]) / rps
            line = (f"S2 server ceiling: wrk -t2 -c64 -s testserver/wrk-pages.lua: "
                    f"{' '.join(f'{x:.0f}' for x in wrk_rps)} req/s (median {rps:.0f}) → "
                    f"{len(d['expected'])} requests in {ceil:.3f} s; bar 1.25× = {1.25 * ceil:.3f} s")
            text.append(line)
            md += ["", line]
    bl = bars(data, wrk_rps, args)
    text += ["", "Bars (weft event engine, this run):"]
    md += ["", "## Bars (weft's event engine, measured in this run)", "",
           "A crawler's *best c* is its setting with the least median wall time among the "
           "settings whose every run crawled exactly the expected set; the CPU and RSS bars are "
           "read at that setting.", "",
           "| bar | result | measured |", "|---|---|---|"]
    for name, st, det in bl:
        text.append(f"  {st:4}  {name}: {det}")
        md.append(f"| {name} | **{st}** | {det} |")
    # Every setting that did not crawl exactly the expected set, whoever the crawler.
    fails = []
    for sc, d in data.items():
        for r in d["rows"]:
            if r.exact or (r.crawler == "serial" and sc == "S1" and not r.bad_runs
                           and not r.dups and not r.extra):
                continue
            why = []
            if r.bad_runs:
                why.append("exit status " + ", ".join(
                    f"{x} (signal {x - 128})" if x > 128 else str(x) for x in r.bad_exit)
                    + f" in {len(r.bad_runs)}/{r.nruns} runs")
            if r.found is not None and r.found < r.expected:
                why.append(f"found {r.found}/{r.expected} in its worst checked run")
            if r.dups:
                why.append(f"{r.dups} duplicate requests")
            if r.extra:
                why.append(f"{r.extra} requests outside the expected set")
            if r.short_claims:
                why.append(f"{r.short_claims} timed run(s) reported fewer pages than expected")
            fails.append(f"{sc} {LABEL[r.crawler]} c={r.c}: " + "; ".join(why))
    if fails:
        text += ["", "Settings that did not crawl exactly the expected set:"]
        text += ["  " + f for f in fails]
        md += ["", "### Settings that did not crawl exactly the expected set", "",
               "Their timing medians and pages/s use only the runs that exited normally (`–` when "
               "none did); found/expected shows the worst run.",
               ""]
        md += ["- " + f for f in fails]
    print("\n".join(text))

    png_ok = plot(data, wrk_rps, args, args.png)

    m, v = machine(), versions(root)
    now = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    # When the run started: the oldest raw file (the report may be rewritten later).
    raw = os.path.join(args.out, "raw")
    stamps = [os.path.getmtime(os.path.join(dp, f)) for dp, _, fs in os.walk(raw) for f in fs]
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(min(stamps))) if stamps else "?"
    ovh_line = "not measured"
    if ovh:
        ovh_line = (f"S2, weft event c=64, medians of {ovh[6]} interleaved pairs: server CPU "
                    f"{ovh[4]:.2f} s without `--log`, {ovh[5]:.2f} s with, i.e. at most "
                    f"**{ovh[7] * 100:.1f} %** of the crawl's {ovh[0]:.2f} s (the decision "
                    f"figure, threshold {args.threshold * 100:.0f} %); crawl wall {ovh[0]:.2f} s "
                    f"without, {ovh[1]:.2f} s with ({ovh[2] * 100:+.1f} %; wall time on a shared machine "
                    "is noisy)")
    mode_text = {
        "inline": "**inline**: every timed run had the server's `--log` on, and every timed "
                  "run was verified from that log.",
        "separate": "**separate**: timed runs without `--log`; one extra verification run with "
                    "`--log` per setting supplies found/dups/extra.",
    }[args.mode]
    doc = [
        "# weft benchmark results",
        "",
        f"Generated by `{args.command}` (bench/run.sh); run started {started}, report "
        f"written {now}."
        + (" **Quick smoke run (`BENCH_QUICK=1`): one run per setting, fewer settings — "
           "not the real results.**" if args.quick == "1" else ""),
        "",
        "## Machine and versions",
        "",
        f"- `uname -a`: `{m['uname_a']}`",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['mem']}",
        "- load average (1/5/15 min) during the run — other engineers share this machine, so "
        "absolute numbers are noisy: " + "; ".join(f"{k} `{v.strip()}`" for k, v in loads),
        f"- weft commit {v['weft']}; build: `meson setup build-release --buildtype=release "
        f"-Db_ndebug=true` ({v['gcc']})",
        f"- {v['wget2']}; {v['go']}; libcurl {v['libcurl']}; libmicrohttpd {v['libmicrohttpd']}; "
        f"{v['wrk']}; {v['gnuplot']}",
        "",
        "## Method",
        "",
        f"- Each setting ran {args.runs} time(s); tables show **medians** (wall time, CPU, peak "
        "RSS) and the **worst** correctness check (least pages found, most duplicates/extra). "
        "weft serial runs once.",
        "- Wall time, CPU seconds (user + sys) and peak RSS of the crawler process alone, by GNU "
        "`/usr/bin/time -f '%e %U %S %M'`; the server is not counted in them. `server CPU s` "
        "is the test server's own user + sys time during the run (from /proc/PID/stat), for "
        "context: the crawler and the server share the 2 cores.",
        "- A fresh `weft-testserver` (loopback, ephemeral port read from its `PORT` line, default "
        "2 worker threads) per run. Correctness is measured **at the server**: its `--log` lines "
        "(one per request) give total requests and the distinct request paths, compared with "
        "the expected set: `found` = expected paths requested, `dups` = total − distinct, "
        "`extra` = distinct paths outside the expected set. pages/s = found / wall.",
        f"- `--log` overhead: {ovh_line}. Verification mode {mode_text}",
        "- Expected sets: S1/S2 from the server's `--expect` (its own graph); S3 from "
        f"`tests/http/reachable.py {args.s3_dir} BASE` (Python, independent of weft), all "
        "crawlers seeded at `BASE/index.html`.",
        "- Physical bound (S1): max((BFS depth + 1) × latency, requests × latency / c). "
        "Server ceiling (S2): expected requests / wrk requests per second against the server "
        f"alone (`wrk -t2 -c64`, {args.runs} run(s), median).",
        "",
        "## Results",
    ] + md + [
        "",
        "## Throughput curve",
        "",
        ("![pages/s against concurrency](throughput.png)" if png_ok else "(no plot)"),
        "",
        "pages/s (log) against concurrency (log₂) per engine and peer; S1 with the physical "
        "bound (dashed: linear in c until the BFS depth × latency floor), S2 with the server's "
        "wrk ceiling.",
        "",
        "## Crawlers and flags",
        "",
        "- **weft** (`build-release/cli/weft`): `weft crawl -e ENGINE -c C -o /dev/null URL` "
        "(text report discarded, the one-line summary kept on stderr as the crawler's own count; "
        "defaults otherwise: host scope, 2 retries, HTTP/2 when offered "
        "— the test server speaks HTTP/1.1). `serial` has no -c"
        + (f"; in S1 it is capped with `--max-pages {args.s1_serial_cap}` (uncapped it would "
           "take ~10 min), so its row is not a full crawl." if "S1" in data else "."),
        f"- **wget2** (Debian): `wget2 {args.wget2_flags} --max-threads=C URL`. `-O /dev/null` "
        "keeps bodies off the disk (wget2 still parses the HTML); `--ignore-tags` limits it to "
        "the links the others follow (a, area, iframe, frame) — without it, it also fetches "
        "stylesheets, SVGs and a `<link rev=made>` mail address on S3; `--max-redirect=10` is "
        "the expected set's redirect policy; `--spider` is not used because it sends HEAD and "
        "then GET for every HTML page.",
        "- **Go** (`bench/go/crawler.go`, the lecture's ConcurrentChannel: the coordinator owns "
        "`fetched` and counts outstanding `n`, a goroutine per URL sends its links back on one "
        "channel) with a real fetcher: `net/http` (keep-alive, MaxIdleConnsPerHost = c, "
        "redirects not followed by the client — `Location` is a link, ≤ 10 hops), "
        "`golang.org/x/net/html` tokenizer (a/area/iframe/frame, `<base href>`), concurrency "
        "bounded by a c-slot semaphore around the fetch. Built offline with "
        f"`GO111MODULE=off GOPATH=/usr/share/gocode go build` ({v['go']}). Run as `go-crawler -c C URL`.",
        "- **weft event -c auto**: `weft crawl -e event -c auto -o /dev/null URL`; the level it "
        "settled on is in each run's output (`bench/out/raw/<scenario>/auto-c0-*.out`). Its bar "
        "compares it with the fastest fixed `-c` of the event engine in the same run.",
        "- **libcurl floor** (`build-release/bench/curl_floor URLFILE C`, bench/micro/curl_floor.c): "
        "not a crawler. libcurl's multi interface on the same socket_action + epoll loop and "
        "transfer options as weft's event engine, fetching the expected URL list (every URL known "
        "up front, so no BFS levels to wait for) and doing nothing with the bodies — no parsing, "
        "no URL resolution, no visited set. What any crawler built on libcurl cannot beat here; "
        "the gap between it and weft is what weft itself costs.",
        "",
        "Raw data of the run: `bench/out/` (runs.tsv, per-run GNU time output, server logs, "
        "crawler output) — not committed.",
        "",
    ]
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "w") as f:
        f.write("\n".join(doc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--overhead", action="store_true")
    ap.add_argument("--threshold", type=float, default=0.10)
    ap.add_argument("--verify", default="auto")
    ap.add_argument("--results")
    ap.add_argument("--png")
    ap.add_argument("--command", default="sh bench/run.sh")
    ap.add_argument("--runs", default="3")
    ap.add_argument("--mode", default="inline")
    ap.add_argument("--s1-latency", type=int, default=50)
    ap.add_argument("--s1-serial-cap", type=int, default=500)
    ap.add_argument("--wget2-flags", default="")
    ap.add_argument("--s3-dir", default="")
    ap.add_argument("--quick", default="0")
    args = ap.parse_args()
    if args.overhead:
        overhead(args)
    else:
        if not args.results or not args.png:
            die("--results and --png are required")
        report(args)


if __name__ == "__main__":
    main()
