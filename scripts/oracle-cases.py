#!/usr/bin/env python3
"""Records OPA's answers for builtin calls, for the Swift unit tests.

Reads Tests/EngineTests/Builtins/Fixtures/cases/*.txt: one call per line,
`name <TAB> JSON array of arguments` (a set is written {"$set": [...]}; `#` starts a comment).
Evaluates each call with the real OPA (oracles/opa_eval.py, strict builtin errors) and writes
Tests/EngineTests/Builtins/Fixtures/oracle-cases.json: a list of
{name, args, result | undefined | error: {code, message}}.

Arguments that hold no set are passed through `input`, so OPA's type checker cannot reject
them at compile time and runtime type errors are recorded as OPA raises them.
"""
import json, os, subprocess, sys, tempfile, glob

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from builtin_calls import call_expression  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests/EngineTests/Builtins/Fixtures")
ORACLE = "/work/shared/oracles/opa_eval.py"


def run(name, args):
    expr, inp = call_expression(name, args)
    query = "x := " + expr
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(inp, f)
        path = f.name
    try:
        p = subprocess.run([sys.executable, ORACLE, "eval", "--strict-builtin-errors", "-i", path,
                            "--format", "json", query], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    try:
        d = json.loads(p.stdout)
    except Exception:
        return {"oracle_failure": (p.stdout + p.stderr)[:300]}
    if "errors" in d:
        e = d["errors"][0]
        msg = e.get("message", "")
        if msg.startswith(name + ": "):
            msg = msg[len(name) + 2:]
        return {"error": {"code": e.get("code"), "message": msg}}
    res = d.get("result")
    if not res:
        return {"undefined": True}
    return {"result": res[0]["bindings"]["x"]}


def main():
    out = []
    only = sys.argv[1:]
    old = {}
    path = os.path.join(FIX, "oracle-cases.json")
    if only and os.path.exists(path):
        for c in json.load(open(path)):
            old.setdefault(c["file"], []).append(c)
    for fn in sorted(glob.glob(os.path.join(FIX, "cases", "*.txt"))):
        base = os.path.basename(fn)
        if only and base not in only:
            out.extend(old.get(base, []))
            continue
        for line in open(fn, encoding="utf-8"):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, _, argtext = line.partition("\t")
            args = json.loads(argtext)
            rec = {"file": base, "name": name.strip(), "args": args}
            rec.update(run(name.strip(), args))
            if "oracle_failure" in rec:
                print("oracle failure:", line, rec["oracle_failure"], file=sys.stderr)
                continue
            out.append(rec)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases written" % len(out))


if __name__ == "__main__":
    main()
