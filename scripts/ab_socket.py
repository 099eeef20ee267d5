#!/usr/bin/env python3
"""scripts/ab_socket.py [--rounds N] [--duration S] [--cpu C] [--skip-8x8] BIN [BIN...]

bench/compare's socket rows for several binaries in one run, interleaved: per round, the C
floor pinned to one CPU (`uds_floor`, 1 in flight), then every binary's daemon (started once,
pinned to the same CPU) under 1 in flight from a pinned generator, in an order that rotates
each round; then (unless --skip-8x8) the unpinned C floor at 64 in flight and every daemon
under 8 connections x 8 in flight, rotating too. The generator is always the first binary's
`bench socket`. Prints per round and as medians: p50/p99 and their ratio to that round's floor,
the daemon's CPU per request (utime + stime from /proc over the run / requests answered, from
the daemon's own `status` counter), and the 8x8 throughput over the floor's. One CPU also
reports context switches per request: the generator's voluntary ones ("gen", 1 when it sleeps
once per answer; more when something wakes it before its answer is there) and the daemon's
voluntary / involuntary ones (all its threads): robust to other load where p99 is not.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import types

from ab_common import compare, cpu


def requests(b, sock):
    st = b.request(sock, b'{"op":"status"}')
    def find(o):
        if isinstance(o, dict):
            if isinstance(o.get("requests"), int):
                return o["requests"]
            for v in o.values():
                x = find(v)
                if x is not None:
                    return x
        return None
    return find(st) or 0


def switches(pid):
    """Voluntary and involuntary context switches of every thread of `pid` so far."""
    v = nv = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            for ln in open("/proc/%d/task/%s/status" % (pid, t)):
                if ln.startswith("voluntary_ctxt_switches"):
                    v += int(ln.split()[1])
                elif ln.startswith("nonvoluntary_ctxt_switches"):
                    nv += int(ln.split()[1])
        except OSError:
            pass
    return v, nv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--skip-8x8", action="store_true")
    ap.add_argument("bins", nargs="+")
    args = ap.parse_args()
    bins = [os.path.abspath(x) for x in args.bins]
    b = compare.Bench(types.SimpleNamespace(bin=bins[0], config="release"))
    pin = ("taskset", "-c", str(args.cpu))
    floor_bin = os.path.join(b.tmp, "uds_floor")
    compare.run(["gcc", "-O2", "-pthread", "-o", floor_bin, os.path.join(compare.SHARED, "uds_floor.c")])
    res = {i: {"p50": [], "p99": [], "r50": [], "r99": [], "cpu_us": [], "gen_vcs": [], "d_vcs": [], "d_ivcs": [], "r64": [], "tp": [], "cpu64_us": []}
           for i in range(len(bins))}
    try:
        bundles = b.anchor_bundles()
        pinned, free = [], []
        for i, x in enumerate(bins):
            b.bin = x
            pinned.append(b.start_daemon("pin%d" % i, bundles, pin=pin))
            if not args.skip_8x8:
                free.append(b.start_daemon("free%d" % i, bundles))
        b.bin = bins[0]
        for r in range(args.rounds):
            fl = compare.parse_floor(compare.run(list(pin) + [floor_bin, "-n", "50000", "-w", "64", "-W", "5000"]))["single"]
            order = list(range(len(bins)))
            order = order[r % len(order):] + order[:r % len(order)]
            line = ["round %d: floor p50 %.2f p99 %.2f" % (r, fl["p50_us"], fl["p99_us"])]
            for i in order:
                p, sock = pinned[i]
                c0, q0 = cpu(p.pid), requests(b, sock)
                g0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), switches(p.pid)
                s = b.socket_bench(sock, 1, 1, args.duration, pin=pin)
                g1, w1 = resource.getrusage(resource.RUSAGE_CHILDREN), switches(p.pid)
                c1, q1 = cpu(p.pid), requests(b, sock)
                d = res[i]
                nq = max(1, q1 - q0)
                d["gen_vcs"].append((g1.ru_nvcsw - g0.ru_nvcsw) / nq)
                d["d_vcs"].append((w1[0] - w0[0]) / nq); d["d_ivcs"].append((w1[1] - w0[1]) / nq)
                d["p50"].append(s["p50_us"]); d["p99"].append(s["p99_us"])
                d["r50"].append(s["p50_us"] / fl["p50_us"]); d["r99"].append(s["p99_us"] / fl["p99_us"])
                d["cpu_us"].append((c1 - c0) / max(1, q1 - q0) * 1e6)
                line.append("bin%d p50 %.2f (%.2fx) p99 %.2f (%.2fx) cpu/req %.2f us switches/req gen %.2f daemon %.2f/%.2f" % (
                    i, s["p50_us"], d["r50"][-1], s["p99_us"], d["r99"][-1], d["cpu_us"][-1],
                    d["gen_vcs"][-1], d["d_vcs"][-1], d["d_ivcs"][-1]))
            if not args.skip_8x8:
                f64 = compare.parse_floor(compare.run([floor_bin, "-n", "200000", "-w", "64", "-W", "20000"])).get("w64")
                line.append("| floor w64 %.0f/s" % f64["per_sec"])
                for i in order:
                    p, sock = free[i]
                    c0, q0 = cpu(p.pid), requests(b, sock)
                    s = b.socket_bench(sock, 8, 8, args.duration)
                    c1, q1 = cpu(p.pid), requests(b, sock)
                    d = res[i]
                    d["tp"].append(s["per_sec"]); d["r64"].append(s["per_sec"] / f64["per_sec"])
                    d["cpu64_us"].append((c1 - c0) / max(1, q1 - q0) * 1e6)
                    line.append("bin%d 8x8 %.0f/s (%.2fx) cpu/req %.2f us" % (i, s["per_sec"], d["r64"][-1], d["cpu64_us"][-1]))
            print("; ".join(line), flush=True)
        med = statistics.median
        for i, x in enumerate(bins):
            d = res[i]
            out = "bin%d %s: one CPU p50 %.2f us (%.2fx floor), p99 %.2f (%.2fx), cpu/req %.2f us, switches/req gen %.3f daemon %.3f/%.3f" % (
                i, x, med(d["p50"]), med(d["r50"]), med(d["p99"]), med(d["r99"]), med(d["cpu_us"]),
                med(d["gen_vcs"]), med(d["d_vcs"]), med(d["d_ivcs"]))
            if d["tp"]:
                out += "; 8x8 %.0f/s (%.2fx floor), cpu/req %.2f us" % (med(d["tp"]), med(d["r64"]), med(d["cpu64_us"]))
            print(out)
    finally:
        b.cleanup()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
