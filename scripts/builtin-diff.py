#!/usr/bin/env python3
"""Differential check of builtin calls: policyd vs the real OPA (oracles/opa_eval.py).

Each input file holds one call per line, either
  - a Rego expression, e.g.  sprintf("%5.2f", [3.14159])
  - or `name <TAB> JSON array of arguments` (the format of
    Tests/EngineTests/Builtins/Fixtures/cases/*.txt; a set is {"$set": [...]}); arguments without
    sets are passed through `input` so neither engine can reject them at compile time.
Both engines evaluate `x := <call>` with strict builtin errors; results, undefined and errors
(code and message, file positions stripped) are compared.

Usage: scripts/builtin-diff.py [--engine .build/debug/policyd] [--jobs 2] [FILE ...]
       (default FILEs: the fixture case files)
Exit status 1 if any call disagrees.
"""
import argparse, concurrent.futures, glob, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = "/work/shared/oracles/opa_eval.py"
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from builtin_calls import call_expression  # noqa: E402


def calls_from(path):
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\t" in line:
            name, _, argtext = line.partition("\t")
            yield call_expression(name.strip(), json.loads(argtext))
        else:
            yield line.strip(), {}


def normalise(stdout, stderr):
    try:
        d = json.loads(stdout)
    except Exception:
        return ("crash", (stdout + stderr)[-300:])
    if d.get("errors"):
        e = d["errors"][0]
        msg = re.sub(r"^\S*:\d+: ", "", e.get("message", ""))
        return ("error", e.get("code"), msg)
    res = d.get("result") or []
    if not res:
        return ("undefined",)
    return ("result", json.dumps(res[0].get("bindings", {}).get("x"), sort_keys=True))


def run(cmd, expr, inp):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(inp, f)
        path = f.name
    try:
        p = subprocess.run(cmd + ["eval", "--strict-builtin-errors", "-i", path, "--format", "json",
                                  "x := " + expr], capture_output=True, text=True, timeout=60)
        return normalise(p.stdout, p.stderr)
    except subprocess.TimeoutExpired:
        return ("timeout",)
    finally:
        os.unlink(path)


def same(a, b):
    if a[0] == "result" and b[0] == "result":
        # Compare numbers by value (OPA may print 1000.0 where we print 1000).
        return json.loads(a[1], parse_float=float, parse_int=float) == json.loads(b[1], parse_float=float, parse_int=float)
    return a == b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default=os.path.join(ROOT, ".build/debug/policyd"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "Tests/EngineTests/Builtins/Fixtures/cases/*.txt")))
    calls = [c for f in files for c in calls_from(f)]

    def check(call):
        expr, inp = call
        ours = run([args.engine], expr, inp)
        theirs = run([sys.executable, ORACLE], expr, inp)
        return expr, inp, ours, theirs

    bad = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for expr, inp, ours, theirs in ex.map(check, calls):
            if not same(ours, theirs):
                bad += 1
                print("DIFF %s  input=%s\n  policyd: %s\n  opa:     %s" % (expr, json.dumps(inp), ours, theirs))
    print("%d calls, %d disagreements" % (len(calls), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
