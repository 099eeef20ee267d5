#!/usr/bin/env python3
"""A/B of the two socket rows of issue 5 that depend on the decision log and on swaps, for
two policyd binaries, interleaved in one run (the machine's speed drifts between runs).

  scripts/ab_decisions.py --a /tmp/before --b .build/release/policyd [--rounds 3] [--duration 5] [log|swap]...

log:  daemon with all anchor policies, 8 conn x 8 in flight, decision log off then on;
      prints throughput(on) / throughput(off) per binary and round, and the daemon's CPU time
      per decision off / on (the load-independent form of the same ratio).
swap: a_rbac + a small data file, 8x8; baseline, then a data change + SIGHUP every 50 ms,
      then baseline again; prints p99(swaps) / min(p99 baselines) and the swap count.
The load generator is always binary A's `bench socket`, so both daemons see the same load.
Uses bench/compare's daemon helpers.
"""
import argparse
import os
import shutil
import signal
import sys
import threading
import time
import types

from ab_common import compare, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("what", nargs="*", default=["log", "swap"])
    args = ap.parse_args()
    ns = types.SimpleNamespace(bin=os.path.abspath(args.a), config="release")
    b = compare.Bench(ns)
    gen = b.bin
    out = {"log": {"A": [], "B": []}, "logcpu": {"A": [], "B": []}, "swap": {"A": [], "B": []}}
    try:
        bundles = b.anchor_bundles()
        for rnd in range(args.rounds):
            for tag, path in (("A", args.a), ("B", args.b)) if rnd % 2 == 0 else (("B", args.b), ("A", args.a)):
                b.bin = os.path.abspath(path)
                if "log" in args.what:
                    p, sock = b.start_daemon("plain%s%d" % (tag, rnd), bundles)
                    b.bin = gen
                    c0 = cpu(p.pid)
                    off = b.socket_bench(sock, 8, 8, args.duration)
                    off_cpu = (cpu(p.pid) - c0) / off["completed"] * 1e6
                    b.stop(p)
                    b.bin = os.path.abspath(path)
                    p, sock = b.start_daemon("log%s%d" % (tag, rnd), bundles, decision_log=True)
                    b.bin = gen
                    c0 = cpu(p.pid)
                    on = b.socket_bench(sock, 8, 8, args.duration)
                    on_cpu = (cpu(p.pid) - c0) / on["completed"] * 1e6
                    b.stop(p)
                    r = on["per_sec"] / off["per_sec"]
                    out["log"][tag].append(r)
                    out["logcpu"][tag].append(off_cpu / on_cpu)
                    print("round %d %s log: off %.0f/s on %.0f/s ratio %.3f (p99 off %.0f on %.0f us); daemon CPU/decision"
                          " off %.2f on %.2f us, off/on %.3f"
                          % (rnd, tag, off["per_sec"], on["per_sec"], r, off["p99_us"], on["p99_us"], off_cpu, on_cpu,
                             off_cpu / on_cpu), flush=True)
                if "swap" in args.what:
                    b.bin = os.path.abspath(path)
                    r = swap_run(b, gen, "%s%d" % (tag, rnd), args.duration)
                    out["swap"][tag].append(r)
    finally:
        b.cleanup()
    for k, v in out.items():
        for tag in ("A", "B"):
            if v[tag]:
                print("%s %s: %s  mean %.3f" % (k, tag, " ".join("%.3f" % x for x in v[tag]), sum(v[tag]) / len(v[tag])))


def swap_run(b, gen, name, secs):
    sroot = os.path.join(b.tmp, "bundles-swap-" + name)
    sb = os.path.join(sroot, "anchors")
    os.makedirs(sb, exist_ok=True)
    shutil.copy(os.path.join(compare.CASES, "a_rbac.rego"), sb)
    with open(os.path.join(sb, "data.json"), "w") as f:
        f.write('{"swap":{"n":0}}')
    daemon_bin = b.bin
    p, sock = b.start_daemon("swap" + name, sroot)
    b.bin = gen
    base1 = b.socket_bench(sock, 8, 8, secs)
    stop = threading.Event()
    g0 = b.generation(sock)

    def churn():
        n = 0
        while not stop.wait(0.05):
            n += 1
            tmpf = os.path.join(b.tmp, "swap-data-%s.json.tmp" % name)
            with open(tmpf, "w") as f:
                f.write('{"swap":{"n":%d}}' % n)
            os.replace(tmpf, os.path.join(sb, "data.json"))
            p.send_signal(signal.SIGHUP)
    t = threading.Thread(target=churn)
    t.start()
    try:
        sw = b.socket_bench(sock, 8, 8, secs)
    finally:
        stop.set()
        t.join()
    time.sleep(0.5)
    swaps = b.generation(sock) - g0
    base2 = b.socket_bench(sock, 8, 8, secs)
    b.stop(p)
    b.bin = daemon_bin
    base = min(base1["p99_us"], base2["p99_us"])
    r = sw["p99_us"] / base
    print("%s swap: base p99 %.0f/%.0f us, swaps p99 %.0f us (%d swaps), ratio %.3f; tput base %.0f swaps %.0f"
          % (name, base1["p99_us"], base2["p99_us"], sw["p99_us"], swaps, r, base1["per_sec"], sw["per_sec"]), flush=True)
    return r


if __name__ == "__main__":
    main()
