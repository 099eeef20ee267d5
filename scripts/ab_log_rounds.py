#!/usr/bin/env python3
"""scripts/ab_log_rounds.py [--rounds N] [--duration S] [--phase P] [--gen BIN] BIN [BIN...]

bench/compare's decision-log row for several binaries in one run: per binary, one daemon with
no decision logging and one with the production sinks (the file, and the journal at level
info; a standalone journald is started when none runs), all long-lived, started once as
bench/compare starts them. Each round has, per binary (order rotating), one alternating
generator run (`bench socket --alternate-with`, as bench/compare): 8 x 8 a_rbac moved between
its plain and its logged daemon in blocks of one P-second phase each (A B, B A, ...), S seconds
per daemon per round. A binary's ratio in a block is its logged daemon's throughput over its
plain daemon's in that block. Prints per-block ratios and their median per binary, the logged
daemons' CPU per decision (all threads, /proc), the whole machine's busy CPU per decision
(/proc/stat, per run: the generator, journald and kernel threads too), the writer thread's
CPU per decision, and at the end what each logged daemon said about its file (lines written / dropped) and the journal.
The load generator is --gen (default: the last binary; it must have --alternate-with).
Under load from other processes the throughput ratios measure CPU share more than cost (CFS
shares per thread, and a logged daemon has one busy thread more): read CPU per decision then.
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
    ap.add_argument("--phase", type=float, default=1)
    ap.add_argument("--gen")
    ap.add_argument("bins", nargs="+")
    args = ap.parse_args()
    bins = [os.path.abspath(x) for x in args.bins]
    gen = os.path.abspath(args.gen or bins[-1])
    b = compare.Bench(types.SimpleNamespace(bin=bins[0], config="release"))
    names = [x % i for i in range(len(bins)) for x in ("plain%d", "log%d")]
    res = {n: [] for n in names}        # per round: (per_sec, daemon us/decision, writer us/decision)
    blocks = {n: [] for n in names}     # per block: per_sec
    machine = []
    phase, nblocks = compare.phases(types.SimpleNamespace(phase=args.phase), args.duration)
    try:
        bundles = b.anchor_bundles()
        b.ensure_journal()
        daemons = {}
        for i, path in enumerate(bins):
            b.bin = path
            daemons["plain%d" % i] = b.start_daemon("plain%d" % i, bundles)
            daemons["log%d" % i] = b.start_daemon("log%d" % i, bundles, decision_log=True)
        b.bin = gen
        print("sinks: %s; %d blocks of %g s phases per round" % (b.log_sinks(), nblocks, phase), flush=True)
        for rnd in range(args.rounds):
            # Per binary one alternating run of its plain and logged daemons; the binaries'
            # runs in an order that rotates and reverses per round.
            k = rnd % len(bins)
            order = list(range(k, len(bins))) + list(range(k))
            if (rnd // len(bins)) % 2:
                order.reverse()
            row = {}
            for i in order:
                pair = ["plain%d" % i, "log%d" % i]
                before = {n: (cpu(daemons[n][0].pid), writer_cpu(daemons[n][0].pid)) for n in pair}
                m0 = busy()
                ph = b.phased_bench([daemons[n][1] for n in pair], 8, 8, phase, nblocks)["phases"]
                machine.append((busy() - m0) / sum(x["completed"] for x in ph) * 1e6)
                for t, n in enumerate(pair):
                    s = compare.phase_summary(ph, t)
                    pid = daemons[n][0].pid
                    c, w = cpu(pid) - before[n][0], writer_cpu(pid) - before[n][1]
                    row[n] = (s["per_sec"], c / s["completed"] * 1e6, w / s["completed"] * 1e6)
                    res[n].append(row[n])
                    blocks[n] += [x["per_sec"] for x in sorted((x for x in ph if x["target"] == t),
                                                               key=lambda x: x["block"])]
            print("round %d:" % rnd + "".join(
                " | %s %.0f/s %.2f us (writer %.3f)" % ((n,) + row[n]) for n in names)
                + " | machine %.2f us/decision" % statistics.median(machine[-len(bins):]), flush=True)
        outcome = {}
        for n in names:
            p, _ = daemons[n]
            b.stop(p)
            if n.startswith("log"):
                outcome[n] = b.log_outcome(p, n)
    finally:
        b.cleanup()
    for i, path in enumerate(bins):
        n, plain = "log%d" % i, res["plain%d" % i]
        ratios = [x / y for x, y in zip(blocks[n], blocks["plain%d" % i])]
        rounds = [r[0] / q[0] for r, q in zip(res[n], plain)]
        extra = [r[1] - q[1] for r, q in zip(res[n], plain)]
        wr = [r[2] for r in res[n]]
        print("%s %s: on/off per block %s; median %.3f; per round (ratio of sums) %s; daemon CPU +%.2f us/decision"
              " (median of rounds), writer thread %.3f us/decision (median); %s" % (
                  n, path, " ".join("%.3f" % x for x in ratios), statistics.median(ratios),
                  " ".join("%.3f" % x for x in rounds), statistics.median(extra), statistics.median(wr), outcome[n]),
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
