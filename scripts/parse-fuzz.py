#!/usr/bin/env python3
"""Malformed Rego modules through policyd's parser and OPA's; reports every disagreement.

    scripts/parse-fuzz.py [--seed S] [--count N] [--engine .build/debug/policyd] [--out FILE]
                          [--print-only]
    scripts/parse-fuzz.py --record Tests/EngineTests/Fixtures/parse-error-cases.jsonl

Module i of seed S is a valid program of scripts/rego_fuzz_gen.py (its v1 text) with one to
three token-level mutations (delete, duplicate, swap with the next, replace by or insert a
token users misplace: brackets, keywords, operators, an unterminated string; truncation;
joining two lines), the same on every run. Each module is given to `rego.parse_module
("test.rego", input.src)` in both engines (OPA in-process through the oracle's Go bridge,
policyd through `eval --batch`), and the error answers are compared exactly: message text,
row, the source-line snippet OPA appends, the number and order of errors. Modules both engines
accept are not compared further (the AST is rego-fuzz's business).

Disagreements go to --out (default /tmp/parse-fuzz-S.txt) with both answers, and are grouped
by the shape of OPA's first message (tokens and names replaced by placeholders).
Exit 1 when any module disagrees.

--record CASES reads minimised modules (JSON lines {"note", "module"}) and writes OPA's answer
for each (`"ok"` or every error as `file:row: code: message` with the source-line detail, one
per line, the text `ParseErrorOracleTests` compares) next to it as parse-error-opa.json.
"""
import argparse, collections, importlib.util, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import rego_fuzz_gen  # noqa: E402

_spec = importlib.util.spec_from_file_location("builtin_fuzz", os.path.join(HERE, "builtin-fuzz.py"))
builtin_fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builtin_fuzz)
_spec = importlib.util.spec_from_file_location("builtin_diff", os.path.join(HERE, "builtin-diff.py"))
builtin_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builtin_diff)

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|[0-9]+(?:\.[0-9]+)?|[A-Za-z_][A-Za-z0-9_]*|:=|==|!=|<=|>=|\n|[ \t]+|.',
                   re.S)
MISPLACED = ["{", "}", "[", "]", "(", ")", ",", ";", ":", ":=", "=", "==", "|", ".", "if", "contains",
             "else", "some", "every", "in", "not", "with", "as", "default", "import", "package", "\"abc",
             "`raw", "!", "?", "*", "x", "1", "true", "null", "\n", "&", "-", "+", "/", "%", "<", ">="]


def mutate(text, r):
    toks = TOKEN.findall(text)
    # Keep the package line intact most of the time: most real mistakes are in rules.
    first = toks.index("\n") + 1 if "\n" in toks and r.random() < 0.9 else 0
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        solid = [i for i in range(first, len(toks)) if toks[i].strip()]
        if not solid:
            break
        i = r.choice(solid)
        op = r.random()
        if op < 0.3:
            del toks[i]
        elif op < 0.4:
            toks.insert(i, toks[i])
        elif op < 0.5 and i + 1 < len(toks):
            j = next((k for k in range(i + 1, len(toks)) if toks[k].strip()), None)
            if j is not None:
                toks[i], toks[j] = toks[j], toks[i]
        elif op < 0.7:
            toks[i] = r.choice(MISPLACED)
        elif op < 0.85:
            toks.insert(i, r.choice(MISPLACED) + r.choice(["", " "]))
        elif op < 0.93:
            del toks[i:]
        else:
            nl = [k for k in range(first, len(toks)) if toks[k] == "\n"]
            if nl:
                toks[r.choice(nl)] = r.choice([" ", "; "])
    return "".join(toks)


def modules(seed, count):
    for i in range(count):
        prog = rego_fuzz_gen.generate(seed, i, 0.0)
        r = random.Random("parse/%s/%d" % (seed, i))
        yield i, mutate(prog.v1, r)


sys.path.insert(0, os.path.join(ROOT, "..", "shared", "oracles"))
import opa_eval  # noqa: E402


def normalise(stdout, stderr):
    """One answer line as ("error", code, every error's `row: code: message` joined) or
    ("ok",): the bridge splits OPA's multi-error text into several errors, policyd keeps it in
    one message, so both are split the same way and joined again."""
    try:
        d = json.loads(stdout)
    except Exception:
        return ("crash", (stdout + stderr)[-300:])
    if not d.get("errors"):
        return ("ok",)
    parts = []
    for e in d["errors"]:
        loc = e.get("location") or {}
        prefix = "%s:%s: " % (loc.get("file", ""), loc.get("row")) if loc.get("row") and loc.get("file") else ""
        parts.append("%s%s: %s" % (prefix, e.get("code"), e.get("message", "")))
    text = "\n".join(parts)
    text = re.sub(r"^eval_builtin_error: rego.parse_module: (\d+ errors? occurred:\s*)?", "", text)
    return ("error", d["errors"][0].get("code"), text)


builtin_fuzz.builtin_diff.normalise = normalise


def shape(answer):
    if answer[0] != "error":
        return answer[0]
    msg = answer[2]
    msg = re.sub(r"^test\.rego:\d+: ", "", msg.split("\ntest.rego:")[0])
    msg = re.sub(r"\n\t.*", "", msg, flags=re.S)
    msg = re.sub(r'"[^"]*"', '"S"', msg)
    return msg[:90]


def record(cases_path):
    cases = [json.loads(l) for l in open(cases_path, encoding="utf-8") if l.strip()]
    items = [('x := rego.parse_module("test.rego", input.src)', {"src": c["module"]}) for c in cases]
    worker = [sys.executable, os.path.join(HERE, "builtin-fuzz.py"), "--opa-worker"]
    answers = builtin_fuzz.batch_answers(worker, items)
    out = []
    for c, a in zip(cases, answers):
        if a[0] not in ("ok", "error"):
            sys.exit("oracle failure for %r: %s" % (c["note"], a))
        out.append({"note": c["note"], "module": c["module"], "opa": "ok" if a[0] == "ok" else a[2]})
    path = os.path.join(os.path.dirname(cases_path), "parse-error-opa.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases written to %s" % (len(out), path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--engine", default=os.path.join(ROOT, ".build/debug/policyd"))
    ap.add_argument("--out")
    ap.add_argument("--chunk", type=int, default=400)
    ap.add_argument("--print-only", action="store_true")
    ap.add_argument("--record", metavar="CASES")
    args = ap.parse_args()
    if args.record:
        return record(args.record)

    mods = list(modules(args.seed, args.count))
    if args.print_only:
        for i, m in mods:
            print("# module %d\n%s" % (i, m))
        return
    items = [('x := rego.parse_module("test.rego", input.src)', {"src": m}) for _, m in mods]
    worker = [sys.executable, os.path.join(HERE, "builtin-fuzz.py"), "--opa-worker"]
    ours, theirs = [], []
    for k in range(0, len(items), args.chunk):
        theirs.extend(builtin_fuzz.batch_answers(worker, items[k:k + args.chunk]))
        ours.extend(builtin_fuzz.batch_answers([args.engine, "eval", "--strict-builtin-errors", "--batch"],
                                               items[k:k + args.chunk]))
    shapes = collections.Counter()
    accepted = rejected = 0
    out_path = args.out or "/tmp/parse-fuzz-%s.txt" % args.seed
    with open(out_path, "w", encoding="utf-8") as f:
        for (i, m), o, t in zip(mods, ours, theirs):
            if t[0] == "error":
                rejected += 1
            else:
                accepted += 1
            if o[0] != "error" and t[0] != "error":
                continue
            if o == t:
                continue
            shapes[shape(t)] += 1
            f.write("# module %d\n# policyd: %s\n# opa:     %s\n%s\n" % (
                i, json.dumps(o, ensure_ascii=False), json.dumps(t, ensure_ascii=False), json.dumps(m, ensure_ascii=False)))
    for s, n in shapes.most_common():
        print("%5d  %s" % (n, s))
    total = sum(shapes.values())
    print("%d modules (%d rejected by OPA, %d accepted), %d disagreements (written to %s)"
          % (len(mods), rejected, accepted, total, out_path))
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
