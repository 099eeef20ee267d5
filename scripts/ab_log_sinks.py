#!/usr/bin/env python3
"""scripts/ab_log_sinks.py [--rounds N] [--duration S] BIN[+unlimited] [BIN[+unlimited]...]

The decision-log row of issue 5 with the production sinks (file + journal), for one or more
policyd binaries, interleaved in one run: per round and binary, a daemon with no decision
logging and one with the file and the journal (in alternating order) (bench/compare's daemons; a standalone
journald is started when none runs), each under an 8 x 8 a_rbac load for S seconds.
Prints throughput on/off, the daemon's CPU per decision, and journald's CPU per decision
(the journal's cost lands partly in journald, which shares the machine's cores).
The load generator is always the first binary's `bench socket`. `BIN+unlimited` runs BIN
with `journal_rate_limit_burst: 0` (every deny and escalate journaled, no rate limit).
"""
import argparse
import os
import subprocess
import sys
import types

from ab_common import compare, cpu


def journald_pid():
    out = subprocess.run(["pgrep", "-x", "systemd-journal"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("bins", nargs="+")
    args = ap.parse_args()
    bins = args.bins
    binary = lambda x: os.path.abspath(x.split("+")[0])
    extra = lambda x: "  journal_rate_limit_burst: 0\n" if x.endswith("+unlimited") else ""
    b = compare.Bench(types.SimpleNamespace(bin=binary(bins[0]), config="release"))
    res = {x: [] for x in bins}
    try:
        bundles = b.anchor_bundles()
        b.ensure_journal()
        jpid = journald_pid()
        print("sinks: %s; journald pid %s" % (b.log_sinks(), jpid), flush=True)
        for rnd in range(args.rounds):
            order = bins if rnd % 2 == 0 else list(reversed(bins))
            for path in order:
                row = {}
                for on in (False, True) if rnd % 2 == 0 else (True, False):
                    b.bin = binary(path)
                    p, sock = b.start_daemon("%s%d%d" % ("on" if on else "off", rnd, bins.index(path)), bundles,
                                             decision_log=on, decision_log_extra=extra(path) if on else "")
                    b.bin = binary(bins[0])
                    c0, j0 = cpu(p.pid), cpu(jpid)
                    s = b.socket_bench(sock, 8, 8, args.duration)
                    c, j = cpu(p.pid) - c0, cpu(jpid) - j0
                    b.stop(p)
                    row[on] = (s["per_sec"], c / s["completed"] * 1e6, j / s["completed"] * 1e6)
                    if on:
                        o = b.log_outcome(p, "%s%d%d" % ("on", rnd, bins.index(path)))
                        row["lost"] = o
                        done = o["file_written"] + o["file_dropped"]
                        row["file_dropped"] = o["file_dropped"] / done if done else 0.0
                res[path].append(row)
                off, on = row[False], row[True]
                print("round %d %s: off %.0f/s %.2f us | on %.0f/s %.2f us + journald %.2f us | tput on/off %.3f"
                      " | file dropped %.1f%%, journal over limit %d, busy %d"
                      % (rnd, path, off[0], off[1], on[0], on[1], on[2], on[0] / off[0], 100 * row["file_dropped"],
                         row["lost"]["journal_rate_limited"], row["lost"]["journal_busy"]), flush=True)
    finally:
        b.cleanup()
    for path in bins:
        rows = res[path]
        t = sorted(r[True][0] / r[False][0] for r in rows)
        d = [r[True][1] - r[False][1] for r in rows]
        j = [r[True][2] for r in rows]
        f = [r["file_dropped"] for r in rows]
        print("%s: throughput on/off median %.3f (%s); daemon CPU +%.2f us/decision, journald %.2f us/decision;"
              " file dropped %.1f%% (mean)" % (path, t[len(t) // 2], " ".join("%.3f" % x for x in t), sum(d) / len(d),
                                             sum(j) / len(j), 100 * sum(f) / len(f)))


if __name__ == "__main__":
    sys.exit(main())
