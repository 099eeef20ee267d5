#!/usr/bin/env python3
"""Regenerates scripts/symbol-order/policyd.order, the linker's symbol ordering file for the
release policyd (Package.swift, PolicydReleaseLink).

Why: the kernel maps file-backed code in 64 KiB fault-around windows (and whole page-cache folios),
so an idle daemon's resident code follows how SCATTERED the code it ran is, not how much of it
ran. Listing the functions that start-up and request serving run lets lld place them together at
the front of .text (every Swift and C++ function has its own section), so they share a few
windows instead of touching hundreds. docs/performance.md, "Idle daemon RSS".

How: runs a release binary (default .build/release/policyd) under pagetrace.c (LD_PRELOAD; an
exact record of every function entered, no sampling) through two daemon scenarios with the
example bundle: the bench/compare idle configuration (stderr logging, no decision log) and a
production-like one (journal logging, decision log file on), each started, sent decisions of
every outcome, health and status requests over several connections, and sent SIGHUP. Shutdown
is not recorded. The entered addresses are mapped to function symbols (`nm`) and written in
first-entry order.

  scripts/symbol-order/generate.py [--binary PATH] [--out PATH] [--check]

Names from the existing list whose code ran (on a page the trace saw) are kept, so regenerating
from a binary linked with the list does not lose functions the tracer cannot see there (a callee
on its caller's page); --fresh starts from the trace alone.
--check traces the binary in page mode instead and reports how many code pages ran outside the
ordered region (the functions the ordering missed), without writing anything.
After regenerating, relink: `rm .build/release/policyd && swift build -c release --product policyd`
(SwiftPM does not track the ordering file as an input).
"""

import argparse
import bisect
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(REPO, "config", "bundles")


def request(sock_path, body, timeout=600):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(sock_path)
    try:
        return exchange(s, body)
    finally:
        s.close()


def exchange(s, body):
    s.sendall(len(body).to_bytes(4, "big") + body)
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            raise OSError("connection closed")
        head += chunk
    n = int.from_bytes(head, "big")
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return json.loads(data)


# Decisions of every outcome the example policy gives, with and without id/path, a few twice
# (the second use of a path takes the route cache).
DECISIONS = [
    {"op": "decide", "input": {"tool": "fs.read", "args": {"path": "/tmp/a"}}},
    {"op": "decide", "id": 1, "path": "behavry/authz", "input": {"tool": "fs.read", "args": {"path": "/etc/x"}}},
    {"op": "decide", "id": "r2", "path": "behavry/authz", "input": {"tool": "shell.exec", "args": {"cmd": "ls"}}},
    {"op": "decide", "id": 3, "input": {"tool": "fs.write", "args": {"path": "/home/u/f"}}},
    {"op": "decide", "id": 4, "input": {"tool": "fs.write", "args": {"path": "/tmp/f"}}},
    {"op": "decide", "id": 5, "input": {"tool": "unknown.tool", "args": {}, "agent": {"id": "a1", "roles": ["dev"]}}},
    {"op": "decide", "id": 6, "input": {"tool": "http.fetch", "args": {"url": "https://pypi.org/simple"}, "n": 1.5}},
]


def workload(sock_path, rounds):
    for r in range(rounds):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(600)
        s.connect(sock_path)
        for d in DECISIONS:
            exchange(s, json.dumps(d).encode())
        exchange(s, b'{"op":"health","id":7}')
        if r == 0:
            exchange(s, b'{"op":"status","id":8}')
        s.close()


def config_text(tmp, production):
    sock = os.path.join(tmp, "s.sock")
    state = os.path.join(tmp, "state")
    os.makedirs(state, exist_ok=True)
    if production:
        return sock, ("socket:\n  path: %s\nstate_dir: %s\nbundles:\n  dir: %s\n  allow_unsigned: true\n"
                      "log:\n  target: journal\n  level: info\n"
                      "decision_log:\n  enabled: true\n  path: decisions.jsonl\n" % (sock, state, EXAMPLE))
    # bench/compare's idle daemon
    return sock, ("socket:\n  path: %s\nstate_dir: %s\nbundles:\n  dir: %s\n  allow_unsigned: true\n"
                  "log:\n  target: stderr\n  level: warning\n  decisions: false\n"
                  "decision_log:\n  enabled: false\n  path: decisions.jsonl\n" % (sock, state, EXAMPLE))


def trace_scenario(binary, preload, production, ring, rounds):
    """Runs one daemon under the tracer; returns the recorded file offsets (first-entry order)."""
    tmp = tempfile.mkdtemp(prefix="policyd-order-")
    try:
        sock, text = config_text(tmp, production)
        cfg = os.path.join(tmp, "policyd.yaml")
        with open(cfg, "w") as f:
            f.write(text)
        out = os.path.join(tmp, "trace.txt")
        env = dict(os.environ, LD_PRELOAD=preload, PAGETRACE_OUT=out, PAGETRACE_RING=str(ring),
                   SWIFT_BACKTRACE="enable=no")
        errf = open(os.path.join(tmp, "stderr"), "w")
        p = subprocess.Popen([binary, "serve", "--config", cfg], stdout=errf, stderr=errf, env=env)
        try:
            deadline = time.time() + 900
            while True:
                if p.poll() is not None:
                    raise SystemExit("daemon exited: " + open(errf.name).read()[-2000:])
                if os.path.exists(sock):
                    try:
                        if request(sock, b'{"op":"health"}').get("status") == "ok":
                            break
                    except (OSError, ValueError):
                        pass
                if time.time() > deadline:
                    raise SystemExit("daemon did not become healthy under the tracer")
                time.sleep(0.5)
            workload(sock, rounds)
            p.send_signal(signal.SIGHUP)  # a reload of the unchanged bundle directory
            time.sleep(3)
            workload(sock, 1)
            time.sleep(2.5)  # one periodic status tick
            with open(out) as f:  # before shutdown: its code is not wanted at the front
                offsets = [int(line, 16) for line in f if line.strip()]
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        return offsets
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def text_segment(binary):
    """(file offset, vaddr, size) of the executable PT_LOAD."""
    out = subprocess.run(["readelf", "-lW", binary], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        p = line.split()
        if p and p[0] == "LOAD" and "E" in p[6:-1]:
            return int(p[1], 16), int(p[2], 16), int(p[5], 16)
    raise SystemExit("no executable segment in " + binary)


def function_symbols(binary):
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", binary], check=True, capture_output=True,
                         text=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            syms.append((int(p[0], 16), int(p[1], 16), p[3]))
    syms.sort()
    return syms


def build_tracer(tmp):
    so = os.path.join(tmp, "pagetrace.so")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-o", so,
                    os.path.join(HERE, "pagetrace.c")], check=True)
    return so


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "policyd"))
    ap.add_argument("--out", default=os.path.join(HERE, "policyd.order"))
    ap.add_argument("--rounds", type=int, default=3, help="workload rounds (connections) per scenario")
    ap.add_argument("--ring", type=int, default=2, help="pages left executable at once (tracer; 2 is the most precise)")
    ap.add_argument("--fresh", action="store_true", help="ignore the existing ordering file (see below)")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="policyd-tracer-")
    try:
        preload = build_tracer(tmp)
        seg_off, seg_va, seg_size = text_segment(args.binary)
        syms = function_symbols(args.binary)
        addrs = [s[0] for s in syms]
        ring = 0 if args.check else args.ring
        offsets = []
        for production in (False, True):
            t0 = time.time()
            got = trace_scenario(args.binary, preload, production, ring, args.rounds)
            print("traced %s scenario: %d addresses in %.0f s" % ("production" if production else "idle", len(got),
                                                                 time.time() - t0), file=sys.stderr)
            offsets += got
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def symbol_at(off):
        a = off - seg_off + seg_va
        i = bisect.bisect_right(addrs, a) - 1
        if i >= 0 and a < syms[i][0] + max(syms[i][1], 1):
            return syms[i]
        # Code past the end of the symbol before it (a function part the compiler emits without
        # a symbol, in the same section) or assembly without symbol sizes (BoringSSL's .S
        # files): naming the closest symbol before it moves its section, and with it this code.
        if i >= 0 and (a - syms[i][0] - syms[i][1] < 4096 or (syms[i][1] == 0 and a - syms[i][0] < 65536)):
            return syms[i]
        return None

    if args.check:
        ordered = set()
        if os.path.exists(args.out):
            with open(args.out) as f:
                ordered = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        pages = sorted({o >> 12 for o in offsets})
        inside = [s for s in syms if s[2] in ordered]
        end = max((s[0] + s[1] for s in inside), default=seg_va)
        outside = {}
        for o in offsets:
            s = symbol_at(o)
            if (o - seg_off + seg_va) >= end:
                outside[o >> 12] = s[2] if s else "? %x" % (o - seg_off + seg_va)
        print("code pages run: %d (%.2f MiB); ordered region ends %.2f MiB into .text; pages beyond it: %d"
              % (len(pages), len(pages) / 256, (end - seg_va) / 1048576, len(outside)))
        for page, name in sorted(outside.items())[:40]:
            print("  %x %s" % (page << 12, name))
        return

    names, seen, size, unmapped = [], set(), 0, 0
    for o in offsets:
        s = symbol_at(o)
        if s is None:
            unmapped += 1  # .plt, .init: not orderable
            continue
        if s[2] not in seen:
            seen.add(s[2])
            names.append(s[2])
            size += s[1]
    # The tracer sees a function when execution enters its page, so a function called only from
    # its neighbour on the same page is missed. When the binary was linked with the previous
    # list, such pairs sit together in the ordered region: keep the previous names whose code
    # lies on a page that ran (stale names, on pages that did not, drop out).
    kept = 0
    if not args.fresh and os.path.exists(args.out):
        ran = {o >> 12 for o in offsets}
        by_name = {}
        for a, sz, n in syms:
            by_name.setdefault(n, []).append((a, sz))
        with open(args.out) as f:
            for line in f:
                n = line.strip()
                if not n or n.startswith("#") or n in seen:
                    continue
                for a, sz in by_name.get(n, []):
                    first = (a - seg_va + seg_off) >> 12
                    last = (a + max(sz, 1) - 1 - seg_va + seg_off) >> 12
                    if any(pg in ran for pg in range(first, last + 1)):
                        seen.add(n)
                        names.append(n)
                        size += sz
                        kept += 1
                        break
    with open(args.out, "w") as f:
        f.write("# lld --symbol-ordering-file for the release policyd: the functions an idle daemon's start-up\n"
                "# and request serving run, in first-entry order. Generated by scripts/symbol-order/generate.py;\n"
                "# do not edit by hand. %d functions, %d bytes of code.\n" % (len(names), size))
        for n in names:
            f.write(n + "\n")
    print("wrote %s: %d functions (%d kept from the previous list), %.2f MiB of code (%d addresses outside "
          "functions)" % (args.out, len(names), kept, size / 1048576, unmapped), file=sys.stderr)


if __name__ == "__main__":
    main()
