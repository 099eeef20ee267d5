#!/usr/bin/env python3
"""Records OPA's answers for the arithmetic cases (Tests/EngineTests/Fixtures/arithmetic-cases.txt).

Each case is evaluated by the real OPA (oracles/opa_eval.py, strict builtin errors) as
`r := json.marshal(EXPR)`, so the recorded answer is OPA's exact number text, and written to
Tests/EngineTests/Fixtures/arithmetic-opa.json as a list of
{case, rego, marshal | undefined | error}.

    python3 scripts/arithmetic-cases.py [--engine PATH]   # --engine: compare a policyd instead
    python3 scripts/arithmetic-cases.py --set spelling     # spelling-cases.txt → spelling-opa.json
    python3 scripts/arithmetic-cases.py --set fidelity     # fidelity-cases.txt → fidelity-opa.json
"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests/EngineTests/Fixtures")
ORACLE = os.path.join(ROOT, "..", "shared", "oracles", "opa_eval.py")
if not os.path.exists(ORACLE):
    ORACLE = "/work/shared/oracles/opa_eval.py"


def cases(name):
    with open(os.path.join(FIX, name + "-cases.txt")) as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def rego_for(case):
    if " => " in case:
        body, expr = case.split(" => ", 1)
        stmts = "\n  ".join(body.split("; "))
        return "package t\n\nr := json.marshal(%s) if {\n  %s\n}\n" % (expr, stmts)
    return "package t\n\nr := json.marshal(%s)\n" % case


def answer(cmd, rego):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.rego")
        with open(path, "w") as f:
            f.write(rego)
        p = subprocess.run(cmd + ["eval", "--strict-builtin-errors", "-d", path, "--format", "json", "data.t.r"],
                           capture_output=True, text=True, timeout=120)
    try:
        d = json.loads(p.stdout)
    except ValueError:
        return {"oracle_failure": (p.stdout + p.stderr)[:300]}
    if d.get("errors"):
        # Parse errors carry a source excerpt after a newline: keep the message only.
        return {"error": d["errors"][0].get("message", "").split("\n")[0]}
    res = d.get("result") or []
    if not res:
        return {"undefined": True}
    return {"marshal": res[0]["expressions"][0]["value"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", help="policyd binary to compare against the recorded answers")
    ap.add_argument("--set", default="arithmetic", help="fixture set: arithmetic (default), spelling or fidelity")
    args = ap.parse_args()
    if args.engine:
        with open(os.path.join(FIX, args.set + "-opa.json")) as f:
            recorded = json.load(f)
        bad = 0
        for rec in recorded:
            got = answer([args.engine], rec["rego"])
            want = {k: v for k, v in rec.items() if k not in ("case", "rego")}
            if got != want:
                bad += 1
                print("MISMATCH", rec["case"], "want", want, "got", got)
        print(f"{len(recorded) - bad} passed, {bad} failed")
        sys.exit(1 if bad else 0)
    out = []
    for c in cases(args.set):
        rego = rego_for(c)
        rec = {"case": c, "rego": rego}
        rec.update(answer([sys.executable, ORACLE], rego))
        out.append(rec)
    with open(os.path.join(FIX, args.set + "-opa.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"recorded {len(out)} cases")


if __name__ == "__main__":
    main()
