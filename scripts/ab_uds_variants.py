#!/usr/bin/env python3
"""scripts/ab_uds_variants.py [--rounds N] [--cpu C] "VARIANT FLAGS" ...

Builds scripts/ab_uds_variants.c and runs each variant (its flags, e.g. "-m 1 -e -u 3000") pinned
to one CPU, interleaved over N rounds (order rotating), then prints medians: p50, p99, the
client's and the server's CPU per request and the client's context switches per request, and
each p50's difference to the first variant's. What the variants are: the comment at the top of
the C file; what they showed: docs/performance.md, "Socket path, session 9".
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("variants", nargs="+")
    args = ap.parse_args()
    exe = os.path.join(tempfile.mkdtemp(prefix="ab-uds-"), "ab_uds_variants")
    subprocess.run(["gcc", "-O2", "-pthread", "-o", exe, os.path.join(HERE, "ab_uds_variants.c")], check=True)
    res = {v: [] for v in args.variants}
    for r in range(args.rounds):
        k = r % len(args.variants)
        for v in args.variants[k:] + args.variants[:k]:
            p = subprocess.run(["taskset", "-c", str(args.cpu), exe] + v.split(), capture_output=True, text=True)
            m = re.search(r"p50 ([\d.]+) .* p99 ([\d.]+) us  client cpu/req ([\d.]+) us vcsw/req ([\d.]+) ivcsw/req ([\d.]+)", p.stdout)
            s = re.search(r"server: cpu/req ([\d.]+)", p.stderr)
            if not m or not s:
                raise SystemExit("variant %r failed: %s %s" % (v, p.stdout, p.stderr))
            res[v].append((float(m.group(1)), float(m.group(2)), float(m.group(3)), float(s.group(1)),
                           float(m.group(4)) + float(m.group(5))))
        print("round %d: " % r + " | ".join("%s: %.2f" % (v, res[v][-1][0]) for v in args.variants), flush=True)
    base = statistics.median(x[0] for x in res[args.variants[0]])
    for v in args.variants:
        med = lambda i: statistics.median(x[i] for x in res[v])
        print("%-28s p50 %.2f (%+.2f)  p99 %.2f  client cpu %.2f  server cpu %.2f  client switches/req %.2f" % (
            v, med(0), med(0) - base, med(1), med(2), med(3), med(4)))


if __name__ == "__main__":
    main()
