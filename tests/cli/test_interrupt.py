#!/usr/bin/env python3
"""test_interrupt.py -- `weft crawl` stopped by SIGINT/SIGTERM, and its status line.

Usage: test_interrupt.py PATH-TO-weft   (env WEFT_TESTSERVER: the test server; skip 77 without)

Against the test server on loopback -- a big site with 200 ms latency per page, plus a URL that
never answers (/_test/slow-headers?ms=3600000) -- for every engine:
  - SIGINT once the first record is out: exit 130 within 3 s, every line whole JSON, the
    summary on stderr, no record for the URL that never answered;
  - SIGTERM the same way: 143;
  - two SIGINTs: 130 at once, still no torn line.
No sleeps: readiness is the server's PORT line and weft's first output line; the deadline is
measured. The status line: shown on a terminal (a pty), absent when stderr is a file or with
--quiet.
"""
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

weft = sys.argv[1]
server = os.environ.get("WEFT_TESTSERVER")
if not server or not os.access(server, os.X_OK):
    print("SKIP: no WEFT_TESTSERVER")
    sys.exit(77)

ENGINES = os.environ.get("ENGINES", "event pool serial mutex channel").split()
DEADLINE = 3.0  # generous: the design target is well under a second
fails = 0


def check(ok, name, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        fails += 1


def start_server(*args):
    p = subprocess.Popen([server, *args], stdout=subprocess.PIPE,
                         stderr=open(os.environ.get("TS_ERR", os.devnull), "ab"))
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1])


def read_until_line(fd, deadline):
    """Read fd until a newline arrives (or the deadline); returns the bytes read."""
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
    return buf


def drain(fd, p, t0):
    """Read fd to its end (weft exited); past 3 deadlines, kill weft (the check then fails)."""
    out = b""
    while True:
        left = t0 + 3 * DEADLINE - time.monotonic()
        r, _, _ = select.select([fd], [], [], max(left, 0))
        if not r:
            p.kill()
            return out
        chunk = os.read(fd, 65536)
        if not chunk:
            return out
        out += chunk


def interrupted_run(name, args, signals, want_rc, want_summary=True, never=None,
                    abandoned=True):
    errf = open(f"/tmp/weft-int-{os.getpid()}.err", "w+b")
    p = subprocess.Popen([weft, *args], stdout=subprocess.PIPE, stderr=errf)
    fd = p.stdout.fileno()
    out = read_until_line(fd, time.monotonic() + 60)
    if b"\n" not in out:
        p.kill()
        p.wait()
        check(False, name, "no record within 60 s")
        return
    t0 = time.monotonic()
    for sig in signals:
        p.send_signal(sig)
    out += drain(fd, p, t0)  # until weft closes stdout: it exited
    rc = p.wait()
    took = time.monotonic() - t0
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    errf.close()
    os.unlink(errf.name)
    check(rc == want_rc, f"{name}: exit {want_rc}", f"exit {rc}; stderr: {err[-400:]}")
    check(took < DEADLINE, f"{name}: exits within {DEADLINE:.0f} s", f"took {took:.2f} s")
    text = out.decode(errors="replace")
    whole = text.endswith("\n")
    recs = []
    try:
        recs = [json.loads(l) for l in text.splitlines()]
    except ValueError as e:
        whole = False
        text = f"{e}: {text[-300:]}"
    check(whole and len(recs) > 0, f"{name}: {len(recs)} records, every line whole JSON",
          text[-300:])
    if never:
        check(all(r["url"] != never for r in recs), f"{name}: no record for the URL in flight")
    if want_summary:
        check("weft: interrupted:" in err, f"{name}: summary on stderr", err[-400:])
    if want_summary and abandoned:
        check("abandoned in flight" in err, f"{name}: summary counts abandoned fetches",
              err[-400:])


def silent_only(name, args):
    master, slave = pty.openpty()
    p = subprocess.Popen([weft, *args], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    tty = b""
    deadline = time.monotonic() + 60
    while b" 1 in flight" not in tty and time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], deadline - time.monotonic())
        if r:
            tty += os.read(master, 65536)
    if b" 1 in flight" not in tty:
        p.kill()
        p.wait()
        os.close(master)
        check(False, name, "no '1 in flight' status within 60 s: " + repr(tty[-200:]))
        return
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out = drain(p.stdout.fileno(), p, t0)
    rc = p.wait()
    took = time.monotonic() - t0
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    err = tty.decode(errors="replace")
    check(rc == 130, f"{name}: exit 130", f"exit {rc}: {err[-300:]}")
    check(took < DEADLINE, f"{name}: exits within {DEADLINE:.0f} s", f"took {took:.2f} s")
    check(out == b"", f"{name}: no record for the abandoned URL", repr(out[-200:]))
    check("weft: 1 abandoned in flight" in err and "interrupted: 0 fetched" in err,
          f"{name}: summary says 1 abandoned", repr(err[-300:]))


ts, port = start_server("--site", "20000", "--latency", "200", "--threads", "2")
try:
    base = f"http://127.0.0.1:{port}"
    never = f"{base}/_test/slow-headers?ms=3600000"
    for e in ENGINES:
        # the site first: serial goes depth-first from the first seed; the others reach the
        # silent URL at once
        args = ["crawl", "-e", e, "-c", "8", "-f", "jsonl", base + "/", never]
        # serial never reaches the silent URL: the signal may fall between two fetches
        silent = e != "serial"
        interrupted_run(f"{e}: SIGINT", args, [signal.SIGINT], 130, never=never,
                        abandoned=silent)
        interrupted_run(f"{e}: SIGTERM", args, [signal.SIGTERM], 143, never=never,
                        abandoned=silent)
        interrupted_run(f"{e}: two SIGINTs", args, [signal.SIGINT, signal.SIGINT], 130,
                        want_summary=False)
    check(ts.poll() is None, "the test server is still up", str(ts.poll()))
    # Only the silent URL: no record ever comes, so readiness is the status line (stderr on a
    # pty) saying "1 in flight"; then nothing else is left for any thread to wait for.
    for e in ENGINES:
        silent_only(f"{e}: SIGINT, silent URL only",
                    ["crawl", "-e", e, "-f", "jsonl", "--no-robots", never])
finally:
    ts.send_signal(signal.SIGTERM)
    ts.wait()

# The fake web's timers end too: a page that takes 10 minutes, every engine (the event engine
# uses the async face, the others the blocking one).
slow_web = f"/tmp/weft-int-{os.getpid()}.jsonl"
with open(slow_web, "w") as f:
    f.write('{"url": "http://slow.test/", "status": 200, "delay_ms": 600000}\n')
try:
    for e in ENGINES:
        silent_only(f"{e}: SIGINT, fake web page in flight",
                    ["crawl", "-e", e, "-f", "jsonl", "--web", slow_web, "http://slow.test/"])
finally:
    os.unlink(slow_web)

# A fast site, many records per second, two SIGINTs: the output must not end mid-line.
ts, port = start_server("--site", "20000")
try:
    for i in range(3):
        interrupted_run(f"fast site, two SIGINTs #{i + 1}",
                        ["crawl", "-c", "64", "-f", "jsonl", f"http://127.0.0.1:{port}/"],
                        [signal.SIGINT, signal.SIGINT], 130, want_summary=False)
finally:
    ts.send_signal(signal.SIGTERM)
    ts.wait()


# --- the status line ---
def on_pty(args):
    """Run weft with stderr on a pseudo-terminal; returns (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([weft, *args], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    got = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    return p.wait(), got.decode(errors="replace")


web = ["crawl", "--web", "builtin", "http://golang.org/"]
rc, tty = on_pty(web)
check(rc == 0 and "in flight" in tty and "queued" in tty and "pages/s" in tty,
      "status line on a terminal", repr(tty[-300:]))
check("\r\x1b[K" in tty and "weft: 5 fetched" in tty, "status line erased before the summary",
      repr(tty[-300:]))
rc, tty = on_pty(["crawl", "--quiet", "--web", "builtin", "http://golang.org/"])
check(rc == 0 and "in flight" not in tty and "fetched" not in tty,
      "--quiet: no status line, no summary", repr(tty[-300:]))
r = subprocess.run([weft, *web], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = r.stderr.decode()
check(r.returncode == 0 and "in flight" not in err and "\r" not in err and "fetched" in err,
      "stderr not a terminal: summary only", repr(err))
check("errors: 1 missing" in err and "peak memory" in err and "CPU" in err,
      "summary: errors by kind, CPU time, peak memory", repr(err))

print(f"{fails} failed")
sys.exit(1 if fails else 0)
