#!/usr/bin/env python3
"""scripts/ab_log_concurrent.py A_BIN B_BIN ROUNDS SECONDS

Four daemons at once (A/B x log off/on), each under its own 8x8 generator for D seconds:
all see the same machine load at every instant. Prints decisions/s and daemon CPU us/decision."""
import types, os, sys, json, subprocess, time
from ab_common import compare, cpu
A, B, rounds, dur = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
b = compare.Bench(types.SimpleNamespace(bin=A, config="release"))
res = {}
try:
    bundles = b.anchor_bundles()
    for r in range(rounds):
        ds = {}
        for tag, path in (("A", A), ("B", B)):
            for log in (False, True):
                b.bin = path
                ds[(tag, log)] = b.start_daemon("%s%s%d" % (tag, "on" if log else "off", r), bundles, decision_log=log)
        c0 = {k: cpu(p.pid) for k, (p, s) in ds.items()}
        gens = {k: subprocess.Popen([A, "bench", "socket", "--socket", s, "--connections", "8", "--depth", "8",
                                     "--duration", str(dur), "--case", "a_rbac", "--cases", compare.CASES, "--json"],
                                    stdout=subprocess.PIPE, text=True) for k, (p, s) in ds.items()}
        outs = {k: json.loads(g.communicate()[0].strip().splitlines()[-1]) for k, g in gens.items()}
        for k, (p, s) in ds.items():
            c = cpu(p.pid) - c0[k]
            res.setdefault(k, []).append((outs[k]["per_sec"], c / outs[k]["completed"] * 1e6))
            b.stop(p)
        line = []
        for tag in ("A", "B"):
            off, on = res[(tag, False)][-1], res[(tag, True)][-1]
            line.append("%s off %.0f/s %.2fus on %.0f/s %.2fus tput on/off %.3f cpu off/on %.3f" % (tag, off[0], off[1], on[0], on[1], on[0] / off[0], off[1] / on[1]))
        print("round %d: " % r + " | ".join(line), flush=True)
finally:
    b.cleanup()
for tag in ("A", "B"):
    t = [on[0] / off[0] for off, on in zip(res[(tag, False)], res[(tag, True)])]
    c = [off[1] / on[1] for off, on in zip(res[(tag, False)], res[(tag, True)])]
    print("%s: throughput on/off %s mean %.3f; CPU/decision off/on %s mean %.3f" % (tag, " ".join("%.3f" % x for x in t), sum(t) / len(t), " ".join("%.3f" % x for x in c), sum(c) / len(c)))
