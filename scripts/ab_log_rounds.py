#!/usr/bin/env python3
"""scripts/ab_log_rounds.py [--rounds N] [--duration S] [--profile] BIN [BIN...]

bench/compare's decision-log row for several binaries in one run: one daemon with no decision
logging (the first binary) and, per binary, one long-lived daemon with the production sinks
(the file, and the journal at level info; a standalone journald is started when none runs),
all started once as bench/compare starts them. Each round runs an 8 x 8 a_rbac load for S
seconds against every daemon, in an order that rotates each round; a binary's ratio in a round
is its logged daemon's throughput over the plain daemon's in that round. Prints per-round
ratios and their median per binary, the logged daemons' CPU per decision (all threads, /proc),
the whole machine's busy CPU per decision (/proc/stat: user, system, irq, softirq: the
generator, journald and kernel threads too), and at the end what each logged daemon said
about its file (lines written / dropped) and the journal.
The load generator is always the first binary's `bench socket`.
"""
import argparse
import os
import statistics
import sys
import types

from ab_common import compare, cpu


def writer_cpu(pid):
    """CPU seconds of the daemon's decision-log writer thread (policyd-declog), 0 without one."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0.0
    for tid in tids:
        try:  # threads come and go (dispatch workers)
            if open("/proc/%d/task/%s/comm" % (pid, tid)).read().strip() == "policyd-declog":
                f = open("/proc/%d/task/%s/stat" % (pid, tid)).read().rsplit(")", 1)[1].split()
                return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return 0.0


def busy():
    """Seconds of busy CPU on the whole machine (every core) so far."""
    f = open("/proc/stat").readline().split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("bins", nargs="+")
    args = ap.parse_args()
    bins = [os.path.abspath(x) for x in args.bins]
    b = compare.Bench(types.SimpleNamespace(bin=bins[0], config="release"))
    names = ["plain"] + ["log%d" % i for i in range(len(bins))]
    res = {n: [] for n in names}
    try:
        bundles = b.anchor_bundles()
        b.ensure_journal()
        daemons = {}
        daemons["plain"] = b.start_daemon("plain", bundles)
        for i, path in enumerate(bins):
            b.bin = path
            daemons["log%d" % i] = b.start_daemon("log%d" % i, bundles, decision_log=True)
        b.bin = bins[0]
        print("sinks: %s" % b.log_sinks(), flush=True)
        for rnd in range(args.rounds):
            k = rnd % len(names)
            order = names[k:] + names[:k]
            if (rnd // len(names)) % 2:
                order.reverse()
            row = {}
            for n in order:
                p, sock = daemons[n]
                c0, m0, w0 = cpu(p.pid), busy(), writer_cpu(p.pid)
                s = b.socket_bench(sock, 8, 8, args.duration)
                c, m, w = cpu(p.pid) - c0, busy() - m0, writer_cpu(p.pid) - w0
                row[n] = (s["per_sec"], c / s["completed"] * 1e6, m / s["completed"] * 1e6, w / s["completed"] * 1e6)
                res[n].append(row[n])
            print("round %d (%s): plain %.0f/s %.2f us (machine %.2f)" % ((rnd, " ".join(order)) + row["plain"][:3])
                  + "".join(" | %s %.0f/s %.2f us (machine %.2f, writer %.3f) ratio %.3f" % ((n,) + row[n] + (row[n][0] / row["plain"][0],))
                            for n in names[1:]), flush=True)
        outcome = {}
        for n in names[1:]:
            p, _ = daemons[n]
            b.stop(p)
            outcome[n] = b.log_outcome(p, n)
        b.stop(daemons["plain"][0])
    finally:
        b.cleanup()
    plain = res["plain"]
    for i, path in enumerate(bins):
        n = "log%d" % i
        ratios = [r[0] / q[0] for r, q in zip(res[n], plain)]
        extra = [r[1] - q[1] for r, q in zip(res[n], plain)]
        mextra = [r[2] - q[2] for r, q in zip(res[n], plain)]
        wr = [r[3] for r in res[n]]
        print("%s %s: on/off per round %s; median %.3f; daemon CPU +%.2f us/decision, machine +%.2f us/decision,"
              " writer thread %.3f us/decision (median); %s" % (n, path, " ".join("%.3f" % x for x in ratios),
                                                                 statistics.median(ratios), statistics.mean(extra),
                                                                 statistics.mean(mextra), statistics.median(wr), outcome[n]),
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
