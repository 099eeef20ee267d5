#!/usr/bin/env python3
"""A/B of bench/compare's swap row: 8 x 8 p99 with a bundle swap every 50 ms vs without.

For each round and each daemon binary (order alternating per round), a daemon is started on
bench/compare's swap bundle (a_rbac.rego + data.json as a directory bundle, unsigned allowed)
and measured as bench/compare does: 8 x 8 for D s without swaps, D s while the module AND the
data are rewritten and SIGHUP sent every 50 ms (every swap a full parse, check, compile, test
and activation), D s without again. ratio = p99 with swaps / the lower of the two without.

Also per daemon: swaps done, the reload thread's CPU per swap (utime+stime of the thread named
policyd-reload, from /proc) and the event loops' run-queue wait per second of the swap phase
and of the base phases (from /proc/<pid>/task/*/schedstat), to see whether the loops wait
behind the reload.

  scripts/ab_swaps.py --bin A=/tmp/old --bin B=.build/release/policyd --rounds 3
The load generator is `--generator` (default: the first binary) for every daemon, so only the
daemon differs.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.normpath(os.path.join(REPO, "..", "shared", "bench", "anchor_policies"))
if not os.path.isdir(CASES):
    CASES = "/work/shared/bench/anchor_policies"
TICK = os.sysconf("SC_CLK_TCK")


def request(sock, body):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(struct.pack(">I", len(body)) + body)
    n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
    data = s.recv(n, socket.MSG_WAITALL)
    s.close()
    return json.loads(data)


def threads(pid):
    """tid -> (name, cpu ticks, run-queue wait ns, run ns)."""
    out = {}
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            name = open("%s/%s/comm" % (base, tid)).read().strip()
            f = open("%s/%s/stat" % (base, tid)).read().rsplit(")", 1)[1].split()
            ticks = int(f[11]) + int(f[12])
            run, wait, _ = (int(x) for x in open("%s/%s/schedstat" % (base, tid)).read().split())
            out[int(tid)] = (name, ticks, wait, run)
        except OSError:
            pass
    return out


def loop_wait(before, after):
    """Run-queue wait and run time (ns) summed over the socket loop threads (policyd-loop-N; NIO-ELT before session 8)."""
    w = r = 0
    for tid, (name, _, wait, run) in after.items():
        if (name.startswith("NIO-ELT") or name.startswith("policyd-loop")) and tid in before:
            w += wait - before[tid][2]
            r += run - before[tid][3]
    return w, r


def reload_ticks(snap):
    return sum(t for (name, t, _, _) in snap.values() if name.startswith("policyd-reload"))


class Run:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="ab-swaps-")

    def bench(self, sock):
        out = subprocess.run([self.args.generator, "bench", "socket", "--socket", sock, "--connections", "8", "--depth", "8",
                              "--duration", str(self.args.duration), "--case", "a_rbac", "--cases", CASES, "--json"],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    def one(self, label, binary, extra_cfg):
        d = os.path.join(self.tmp, "%s-%d" % (label, int(time.time() * 1000)))
        sroot = os.path.join(d, "bundles")
        sb = os.path.join(sroot, "anchors")
        os.makedirs(sb)
        module = open(os.path.join(CASES, "a_rbac.rego")).read()
        open(os.path.join(sb, "a_rbac.rego"), "w").write(module)
        open(os.path.join(sb, "data.json"), "w").write('{"swap":{"n":0}}')
        sock = os.path.join(d, "s.sock")
        cfg = os.path.join(d, "c.yaml")
        os.makedirs(os.path.join(d, "state"))
        open(cfg, "w").write("socket:\n  path: %s\nstate_dir: %s/state\nbundles:\n  dir: %s\n  allow_unsigned: true\n%s"
                             "log:\n  target: stderr\n  level: warning\n  decisions: false\n"
                             "decision_log:\n  enabled: false\n  path: decisions.jsonl\n" % (sock, d, sroot, extra_cfg))
        err = open(os.path.join(d, "stderr"), "w")
        p = subprocess.Popen([binary, "serve", "--config", cfg], stdout=err, stderr=err)
        try:
            deadline = time.time() + 60
            while not (os.path.exists(sock) and self.healthy(sock)):
                if p.poll() is not None or time.time() > deadline:
                    raise SystemExit("daemon %s failed: %s" % (label, open(err.name).read()[-2000:]))
                time.sleep(0.1)
            s0 = threads(p.pid)
            base1 = self.bench(sock)
            s1 = threads(p.pid)
            g0 = request(sock, b'{"op":"status"}')["generation"]
            stop = threading.Event()

            def churn():
                n = 0
                tmpf = os.path.join(d, "swap.tmp")
                while not stop.wait(0.05):
                    n += 1
                    with open(tmpf, "w") as f:
                        f.write('{"swap":{"n":%d}}' % n)
                    os.replace(tmpf, os.path.join(sb, "data.json"))
                    if not self.args.data_only:
                        with open(tmpf, "w") as f:
                            f.write(module + "# revision %d\n" % n)
                        os.replace(tmpf, os.path.join(sb, "a_rbac.rego"))
                    p.send_signal(signal.SIGHUP)
            t = threading.Thread(target=churn)
            t.start()
            try:
                swaps = self.bench(sock)
            finally:
                stop.set()
                t.join()
            s2 = threads(p.pid)
            time.sleep(0.5)
            nswaps = request(sock, b'{"op":"status"}')["generation"] - g0
            s3 = threads(p.pid)
            base2 = self.bench(sock)
            s4 = threads(p.pid)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        wb1, rb1 = loop_wait(s0, s1)
        ws, rs = loop_wait(s1, s2)
        wb2, rb2 = loop_wait(s3, s4)
        base = min(base1["p99_us"], base2["p99_us"])
        reload_ms = (reload_ticks(s3) - reload_ticks(s1)) * 1000.0 / TICK / max(1, nswaps)
        return {"label": label, "p99_base1": base1["p99_us"], "p99_swaps": swaps["p99_us"], "p99_base2": base2["p99_us"],
                "p999_swaps": swaps.get("p999_us"), "p999_base": min(base1.get("p999_us", 0), base2.get("p999_us", 0)),
                "ratio": swaps["p99_us"] / base, "swaps": nswaps, "reload_cpu_ms": reload_ms,
                "rate_ratio": swaps["per_sec"] / max(base1["per_sec"], base2["per_sec"]),
                # event loops: run-queue wait per ms of run time, swap phase vs the bases
                "wait_per_run_swaps": ws / max(1, rs), "wait_per_run_base": (wb1 + wb2) / max(1, rb1 + rb2)}

    @staticmethod
    def healthy(sock):
        try:
            request(sock, b'{"op":"health"}')
            return True
        except OSError:
            return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", required=True, help="LABEL=path (repeat)")
    ap.add_argument("--cfg", action="append", default=[], help="LABEL=yaml lines under bundles: (e.g. '  reload_priority: idle\\n')")
    ap.add_argument("--generator", help="binary running the load (default: the first --bin)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--data-only", action="store_true", help="change only data.json (session-5/6 swaps)")
    ap.add_argument("--autogroup-nice", type=int, help="run in a session of its own with this autogroup nice "
                    "(e.g. -19: other users' builds then take little of the CPU; needs root)")
    args = ap.parse_args()
    if args.autogroup_nice is not None:
        if os.getsid(0) != os.getpid():
            os.execvp("setsid", ["setsid", "-w", sys.executable] + sys.argv)
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(args.autogroup_nice))
    bins = [b.split("=", 1) for b in args.bin]
    cfgs = dict(c.split("=", 1) for c in args.cfg)
    args.generator = args.generator or bins[0][1]
    r = Run(args)
    results = {label: [] for label, _ in bins}
    for i in range(args.rounds):
        order = bins if i % 2 == 0 else list(reversed(bins))
        for label, path in order:
            x = r.one(label, path, cfgs.get(label, "").replace("\\n", "\n"))
            results[label].append(x)
            print("round %d %-8s p99 base %7.1f / %7.1f  swaps %7.1f  ratio %.2f  (%d swaps, reload %.2f ms CPU, "
                  "rate %.2f, loop wait/run base %.3f swaps %.3f, p99.9 %s/%s)"
                  % (i + 1, label, x["p99_base1"], x["p99_base2"], x["p99_swaps"], x["ratio"], x["swaps"], x["reload_cpu_ms"],
                     x["rate_ratio"], x["wait_per_run_base"], x["wait_per_run_swaps"], x["p999_base"], x["p999_swaps"]),
                  flush=True)
    for label, xs in results.items():
        rs = [x["ratio"] for x in xs]
        print("%-8s ratios %s  median %.2f  reload CPU/swap median %.2f ms" %
              (label, " ".join("%.2f" % v for v in rs), statistics.median(rs), statistics.median(x["reload_cpu_ms"] for x in xs)))
    shutil.rmtree(r.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
