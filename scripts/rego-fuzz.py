#!/usr/bin/env python3
"""Random Rego programs through policyd eval and the real OPA; reports every disagreement.

    scripts/rego-fuzz.py [--seed S] [--count N] [--engine .build/debug/policyd] [--out DIR]
                         [--jobs J] [--v0-share F] [--show N] [--print-only] [--second-opinion]
                         [--compile-errors] [--error-share F] [--non-strict-too] [--repeat]
    scripts/rego-fuzz.py --record Tests/EngineTests/Eval/Fixtures/fuzz-regressions.json

Programs come from scripts/rego_fuzz_gen.py (a small grammar: complete/partial/default rules,
else chains, multi-clause functions, some/every, comprehensions, with, not, data refs,
destructuring, set/object operators, string/array/object builtins, deliberate conflicts, type
and builtin errors; language-feature rules from scripts/rego_fuzz_features.py: nested every,
with on rules/data/functions, else chains on functions, deep ref heads, imports, print, v0
modules with future.keywords or rego.v1, non-object input). With --error-share F, that share of
programs gets 1–4 extra compile errors from several stages of OPA's compiler
(scripts/rego_fuzz_errors.py); --compile-errors then compares the error texts. Program i of seed S is the same on
every run (random.Random("S/i")).

OPA runs in-process through the oracle's Go bridge (shared/oracles/opa_eval.py; one engine
handle per program), always with strict builtin errors and only in Rego v1; so policyd runs
with --strict-builtin-errors, and a program marked v0 is given to policyd in v0 syntax and to
OPA in v1 syntax (same rules).

Compared as the conformance harness does (shared/conformance/run_cases.py): results as sets of
binding rows with numbers by value; errors by code and by the text `file:row: code: message`
of OPA's first error, which must be among policyd's. Each disagreement is written to
OUT/<seed>-<i>/ (policy.rego, policy.v1.rego, data.json, input.json, query.txt, both answers).
Exit 1 when any program disagrees. Needs the oracle (not part of the default test run).

--record FILE: the minimised repros of fixed disagreements (a JSON list of {name, source,
query, input?, v0?, v1_source?}) get OPA's answer written into each entry's `want` (rows of
bindings, or the first error's code, message and row); FuzzRegressionTests replays them.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rego_fuzz_gen  # noqa: E402

_REPO = os.path.dirname(HERE)
SHARED = os.environ.get("POLICYD_SHARED") or os.path.join(os.path.dirname(_REPO), "shared")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared"
sys.path.insert(0, os.path.join(SHARED, "oracles"))
import opa_eval  # noqa: E402


class OPA:
    """OPA's Go engine in this process, a fresh handle per program."""

    def __init__(self):
        self.bridge = opa_eval.Bridge(opa_eval.ensure_bindings())
        self.lib = self.bridge.lib
        self.lib.OpaDestroy(self.bridge.handle)

    def eval(self, module, data, inp, query, extra=()):
        b = self.bridge
        b.handle = self.lib.OpaNew()
        try:
            for name, text in [("test-0.rego", module)] + list(extra):
                _, err = b.call(self.lib.OpaAddPolicy, name.encode(), text.encode())
                if err:
                    return {"errors": opa_eval.split_errors(*err)}
            _, err = b.call(self.lib.OpaAddData, b"", json.dumps(data).encode())
            if err:
                return {"errors": opa_eval.split_errors(*err)}
            raw = b"" if inp is None else json.dumps(inp).encode()
            env, err = b.call(self.lib.OpaEvalQuery, query.encode(), raw, 0, 0)
            if err:
                return {"errors": opa_eval.split_errors(*err)}
            return {"result": env.get("result") or []}
        finally:
            self.lib.OpaDestroy(b.handle)


def run_policyd(engine, prog, workdir, strict=True):
    d = os.path.join(workdir, "mod")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "test-0.rego"), "w") as f:
        f.write(prog.v0 if prog.v0mode else prog.v1)
    for name, v1, v0 in prog.extra:
        with open(os.path.join(d, name), "w") as f:
            f.write(v0 if prog.v0mode else v1)
    with open(os.path.join(d, "data.json"), "w") as f:
        json.dump(prog.data, f)
    cmd = [engine, "eval"] + (["--strict-builtin-errors"] if strict else []) + (["--v0-compatible"] if prog.v0mode else [])
    # Loaded by bare file name from the module folder, as the oracle names modules (messages
    # that cite another rule's location, `… at test-0.rego:9`, then compare equal).
    cmd += ["-d", "test-0.rego"]
    for name, _, _ in prog.extra:
        cmd += ["-d", name]
    cmd += ["-d", "data.json"]
    if prog.input is not None:
        ip = os.path.join(workdir, "input.json")
        with open(ip, "w") as f:
            json.dump(prog.input, f)
        cmd += ["-i", ip]
    cmd += ["--format", "json", prog.query]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=d)
    except subprocess.TimeoutExpired:
        return {"crash": "timeout"}
    try:
        out = json.loads(p.stdout, parse_float=Decimal)
    except json.JSONDecodeError:
        return {"crash": "rc=%d %s" % (p.returncode, (p.stdout + p.stderr)[:400])}
    if p.returncode != 0 and not out.get("errors"):
        return {"crash": "rc=%d %s" % (p.returncode, p.stdout[:400])}
    if out.get("errors"):
        for e in out["errors"]:
            d = e.pop("details", None)
            if d:  # the bridge folds a parse error's source line into its message, as Go's Error()
                line = d["line"].lstrip("\t")
                e["message"] += "\n\t%s\n\t%s^" % (line, " " * max(0, d["idx"] - (len(d["line"]) - len(line))))
        return {"errors": out["errors"]}
    return {"result": out.get("result") or []}


def canon(v):
    """Rego value as a hashable key: numbers by value."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float, Decimal)):
        return ("n", Decimal(str(v)).normalize() if not isinstance(v, Decimal) else v.normalize())
    if isinstance(v, list):
        return ("a",) + tuple(canon(x) for x in v)
    if isinstance(v, dict):
        return ("o",) + tuple(sorted((k, canon(x)) for k, x in v.items()))
    raise TypeError(type(v))


def rows(out):
    return frozenset(canon(r.get("bindings") or {}) for r in out.get("result") or [])


def error_text(e):
    loc = e.get("location") or {}
    # policyd names the module by its path, OPA by the name it was added under: compare basenames.
    prefix = "%s:%s: " % (os.path.basename(loc["file"]), loc.get("row", 0)) if loc.get("file") else ""
    return prefix + "%s: %s" % (e.get("code", ""), e.get("message", ""))


def compare(ours, theirs):
    """None when they agree, else a short category."""
    if "crash" in ours:
        return "crash"
    if "errors" in theirs:
        if "errors" not in ours:
            return "missing_error"
        want = theirs["errors"][0]
        if want.get("code") not in [e.get("code") for e in ours["errors"]]:
            return "wrong_error_code"
        if error_text(want) not in [error_text(e) for e in ours["errors"]]:
            return "wrong_error_message"
        return None
    if "errors" in ours:
        return "unexpected_error"
    return None if rows(ours) == rows(theirs) else "wrong_result"


def regorus(prog, workdir):
    """regorus's answer for the v1 text (a second opinion where OPA's bridge is suspect)."""
    d = os.path.join(workdir, "rg")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "test-0.rego"), "w") as f:
        f.write(prog.v1)
    for name, v1, _ in prog.extra:
        with open(os.path.join(d, name), "w") as f:
            f.write(v1)
    with open(os.path.join(d, "data.json"), "w") as f:
        json.dump(prog.data, f)
    cmd = [sys.executable, os.path.join(SHARED, "oracles/regorus_eval.py"), "eval", "--strict-builtin-errors", "-d", d]
    if prog.input is not None:
        ip = os.path.join(workdir, "rg-input.json")
        with open(ip, "w") as f:
            json.dump(prog.input, f)
        cmd += ["-i", ip]
    p = subprocess.run(cmd + ["--format", "json", prog.query], capture_output=True, text=True, timeout=60)
    try:
        out = json.loads(p.stdout, parse_float=Decimal)
    except json.JSONDecodeError:
        return {"crash": p.stdout + p.stderr}
    return {"errors": out["errors"]} if out.get("errors") else {"result": out.get("result") or []}


def agrees_with_policyd(ours, rg):
    """regorus and policyd give the same rows, or both fail with an error."""
    if "crash" in rg or "crash" in ours:
        return False
    if "errors" in rg or "errors" in ours:
        return "errors" in rg and "errors" in ours
    return rows(rg) == rows(ours)


def short(out):
    if "errors" in out:
        return " | ".join(error_text(e) for e in out["errors"])[:600]
    if "crash" in out:
        return "CRASH " + out["crash"]
    return json.dumps([r.get("bindings") for r in out.get("result") or []], default=str)[:600]


def record(path):
    cases = json.load(open(path))
    opa = OPA()
    for c in cases:
        extra = [(m["name"], m.get("v1_source") or m["source"]) for m in c.get("modules") or []]
        out = opa.eval(c.get("v1_source") or c["source"], c.get("data") or {}, c.get("input"), c["query"], extra)
        if "errors" in out:
            e = out["errors"][0]
            want = {"error": {"code": e["code"], "message": e.get("message", "")}}
            if (e.get("location") or {}).get("row"):
                want["error"]["row"] = e["location"]["row"]
            if c.get("all_errors"):  # every error, in order (compile stages, OPA's sorting and limit)
                want["errors"] = [{"code": x["code"], "message": x.get("message", ""),
                                   "row": (x.get("location") or {}).get("row", 0)} for x in out["errors"]]
        else:
            want = {"rows": [r.get("bindings") or {} for r in out["result"]]}
        c["want"] = want
    def plain(v):  # the bridge's Decimals back to JSON numbers
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() and "e" not in str(v).lower() and "." not in str(v) else float(v)
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(plain(c)) for c in cases) + "\n]\n")
    print("recorded %d cases into %s" % (len(cases), path))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--start", type=int, default=0, help="first program index")
    ap.add_argument("--engine", default=".build/debug/policyd")
    ap.add_argument("--out", default="/tmp/rego-fuzz")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--v0-share", type=float, default=0.3)
    ap.add_argument("--show", type=int, default=10, help="disagreements printed in full")
    ap.add_argument("--print-only", action="store_true", help="print the programs, evaluate nothing")
    ap.add_argument("--compile-errors", action="store_true",
                    help="also report programs both reject at compile time with different errors")
    ap.add_argument("--error-share", type=float, default=0.0,
                    help="share of programs with extra compile errors from several compiler stages "
                         "(scripts/rego_fuzz_errors.py); use with --compile-errors")
    ap.add_argument("--repeat", action="store_true", help="run policyd twice per program; differing answers are reported")
    ap.add_argument("--non-strict-too", action="store_true",
                    help="also run policyd without --strict-builtin-errors where OPA raised no error")
    ap.add_argument("--second-opinion", action="store_true",
                    help="run regorus on each disagreement; when it sides with policyd the category gets opa_only_")
    ap.add_argument("--record", metavar="FILE", help="write OPA's answers into a regression fixture")
    args = ap.parse_args()
    args.engine = os.path.abspath(args.engine)  # policyd runs in the module folder
    if args.record:
        return record(args.record)

    rego_fuzz_gen.MULTI_ERROR_SHARE = args.error_share
    progs = [(i, rego_fuzz_gen.generate(args.seed, i, args.v0_share))
             for i in range(args.start, args.start + args.count)]
    if args.print_only:
        for i, p in progs:
            print("# program %d/%d%s  query: %s\n%s" % (args.seed, i, " (v0)" if p.v0mode else "", p.query,
                                                         p.v0 if p.v0mode else p.v1))
            for name, v1, v0 in p.extra:
                print("# %s\n%s" % (name, v0 if p.v0mode else v1))
        return
    shutil.rmtree(args.out, ignore_errors=True)
    opa = OPA()
    theirs = {i: opa.eval(p.v1, p.data, p.input, p.query, [(n, v1) for n, v1, _ in p.extra]) for i, p in progs}
    tmp = tempfile.mkdtemp(prefix="rego-fuzz-")

    def ours_of(ip):
        i, p = ip
        w = os.path.join(tmp, str(i))
        os.makedirs(w)
        out = run_policyd(args.engine, p, w)
        if args.repeat and short(run_policyd(args.engine, p, w)) != short(out):
            out["nondeterministic"] = True  # a second run answered differently
        if args.non_strict_too:
            # Without strict mode builtin errors are undefined; where OPA (strict) raised none,
            # the answer must not change.
            out["lenient"] = run_policyd(args.engine, p, w, strict=False)
        return i, out

    with ThreadPoolExecutor(args.jobs) as ex:
        ours = dict(ex.map(ours_of, progs))
    shutil.rmtree(tmp, ignore_errors=True)

    cats, bad, stats = {}, [], {"result": 0, "undefined": 0, "eval error": 0, "compile error": 0}
    skipped = 0
    for i, p in progs:
        t = theirs[i]
        compile_error = "errors" in t and not t["errors"][0].get("code", "").startswith("eval_")
        stats["compile error" if compile_error else "eval error" if "errors" in t else
              ("result" if t["result"] else "undefined")] += 1
        c = "nondeterministic" if ours[i].get("nondeterministic") else compare(ours[i], t)
        if not c and "lenient" in ours[i] and "errors" not in t and compare(ours[i]["lenient"], t):
            c = "non_strict_" + compare(ours[i]["lenient"], t)
        if c and compile_error and not args.compile_errors:
            # OPA's test cases expect results or eval_* errors only: a program OPA rejects at
            # compile time matters when policyd runs it anyway (counted) or with --compile-errors.
            if "errors" in ours[i]:
                skipped += 1
                continue
            c = "compile_" + c
        # regorus's error texts are not OPA's: it can only judge results against errors.
        if c in ("wrong_result", "unexpected_error", "missing_error") and args.second_opinion:
            w = tempfile.mkdtemp(prefix="rego-fuzz-rg-")
            if agrees_with_policyd(ours[i], regorus(p, w)):
                c = "opa_only_" + c  # regorus sides with policyd: look at OPA's answer first
            shutil.rmtree(w, ignore_errors=True)
        if c:
            cats[c] = cats.get(c, 0) + 1
            bad.append((i, p, c))
            d = os.path.join(args.out, "%d-%d" % (args.seed, i))
            os.makedirs(d, exist_ok=True)
            open(os.path.join(d, "policy.rego"), "w").write(p.v0 if p.v0mode else p.v1)
            open(os.path.join(d, "policy.v1.rego"), "w").write(p.v1)
            for name, v1, v0 in p.extra:
                open(os.path.join(d, name), "w").write(v0 if p.v0mode else v1)
            json.dump(p.data, open(os.path.join(d, "data.json"), "w"))
            json.dump(p.input, open(os.path.join(d, "input.json"), "w"))
            open(os.path.join(d, "query.txt"), "w").write(p.query + "\n")
            open(os.path.join(d, "answers.txt"), "w").write(
                "category: %s\nv0: %s\npolicyd: %s\nopa:     %s\n" % (c, p.v0mode, short(ours[i]), short(t)))
    for i, p, c in bad[:args.show]:
        print("--- %d-%d %s%s  query: %s\n%s%s  policyd: %s\n  opa:     %s" % (
            args.seed, i, c, " (v0)" if p.v0mode else "", p.query, p.v0 if p.v0mode else p.v1,
            "".join("# %s\n%s" % (n, v0 if p.v0mode else v1) for n, v1, v0 in p.extra),
            short(ours[i]), short(theirs[i])))
    print("OPA answers: " + ", ".join("%d %s" % (n, k) for k, n in stats.items()))
    if skipped:
        print("%d programs OPA rejects at compile time get another compile error from policyd (--compile-errors shows them)" % skipped)
    print("disagreements by category:", json.dumps(cats, sort_keys=True))
    print("rego-fuzz seed %d: %d programs, %d disagreements (repros in %s)" % (args.seed, len(progs), len(bad), args.out))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
