#!/usr/bin/env python3
"""Randomized differential of numeric expressions: our engine against the real OPA.

Generates expressions over mixed integers, floats, spelled (`5.0`, `1e2`), huge and tiny
numbers (arithmetic, comparisons, rounding, numbers.range, format_int, to_number, units.parse*,
sum/product/max/min/sort, sprintf, yaml.marshal), evaluates each as `r_N := json.marshal(EXPR)`
in batches with both engines (a batch that errors is split until each error stands alone) and
prints every case whose answer differs. Found cases belong in
Tests/EngineTests/Fixtures/fidelity-cases.txt (scripts/arithmetic-cases.py --set fidelity).

    python3 scripts/number-differential.py --engine .build/debug/policyd [--count 300] [--seed 1]
"""
import argparse, json, os, random, subprocess, sys, tempfile

ORACLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "oracles", "opa_eval.py")
if not os.path.exists(ORACLE):
    ORACLE = "/work/shared/oracles/opa_eval.py"

NUMBERS = ["0", "1", "-1", "2", "3", "7", "10", "-7", "255", "1000", "9007199254740993",
           "9223372036854775807", "-9223372036854775808", "9223372036854775808", "123456789012345678901234567890",
           "0.5", "1.5", "-2.5", "0.1", "0.2", "3.14159", "1e-7", "123.456", "1e21", "1e+21", "2.5e-3",
           "1.7976931348623157e308", "5e-324", "5.0", "1e2", "-0", "1.50", "1E+21", "0.00001", "100e-2",
           "1e400", "1e-400", "-1e400", "1e5000", "1.0", "-3.0", "0.30000000000000004", "12345678.9",
           "0.1234567890123456789", "99999999999999999999.5", "(1 / 3)", "(2 / 3)", "(0.1 + 0.2)", "(1e20 + 1)"]
SMALL = ["0", "1", "2", "3", "-2", "5", "1.0", "1e0", "2.0", "10"]
STRINGS = ["1", "1.5", "-3", "1e3", "1e400", "1e-400", "5.0", "0x10", " 1", "1_000", "abc", "1.5K", "2Mi",
           "1e3k", "0.5G", "10KiB", "100", "-1.5m", "3e2M", "1E2", "12345678901234567890123"]


def num():
    return random.choice(NUMBERS)


def arr(k=None):
    return "[" + ", ".join(num() for _ in range(k or random.randint(0, 4))) + "]"


def nested(depth=2):
    if depth == 0 or random.random() < 0.3:
        return num()
    return "(%s %s %s)" % (nested(depth - 1), random.choice(["+", "-", "*", "/"]), nested(depth - 1))


def extra():
    """Second family: nesting, sets/objects of equal numbers, bits, json round trips."""
    r = random.random()
    a, b = num(), num()
    if r < 0.25:
        return nested(3)
    if r < 0.35:
        return "{%s, %s, %s}" % (a, b, a)
    if r < 0.45:
        return "{%s: 1, %s: 2}" % (a, b)
    if r < 0.55:
        return "%s(%s, %s)" % (random.choice(["bits.and", "bits.or", "bits.xor", "bits.lsh", "bits.rsh"]),
                               random.choice(SMALL + ["255", "-7", "9223372036854775807", "1e2"]), random.choice(SMALL))
    if r < 0.65:
        return "json.unmarshal(%s)" % json.dumps("[%s, %s]" % (a, b) if "(" not in a + b else "[1.0, 1e2]")
    if r < 0.72:
        return "numbers.range_step(%s, %s, %s)" % (random.choice(SMALL), random.choice(SMALL), random.choice(["1", "2", "3", "0", "-1", "1.0", "0.5"]))
    if r < 0.80:
        return "[x | some x in %s; x > %s]" % (arr(4), a)
    if r < 0.88:
        return "%s(%s)" % (random.choice(["round", "ceil", "floor", "abs"]), nested(2))
    if r < 0.94:
        return "to_number(%s)" % random.choice([a, "true", "false", "null", json.dumps(random.choice(STRINGS))])
    return "strings.render_template(\"{{.a}} {{.b}}\", {\"a\": %s, \"b\": %s})" % (a, b)


def expr():
    if random.random() < 0.4:
        return extra()
    r = random.random()
    a, b = num(), num()
    if r < 0.30:
        return "%s %s %s" % (a, random.choice(["+", "-", "*", "/", "%"]), b)
    if r < 0.40:
        return "[%s < %s, %s == %s, %s > %s]" % (a, b, a, b, a, b)
    if r < 0.50:
        return "%s(%s)" % (random.choice(["round", "ceil", "floor", "abs"]), a)
    if r < 0.55:
        return "numbers.range(%s, %s)" % (random.choice(SMALL), random.choice(SMALL))
    if r < 0.62:
        return "format_int(%s, %s)" % (a, random.choice(["2", "8", "10", "16", "16.0"]))
    if r < 0.68:
        return "to_number(%s)" % json.dumps(random.choice(STRINGS))
    if r < 0.74:
        return "%s(%s)" % (random.choice(["units.parse", "units.parse_bytes"]), json.dumps(random.choice(STRINGS)))
    if r < 0.86:
        return "%s(%s)" % (random.choice(["sum", "product", "max", "min", "sort"]), arr())
    if r < 0.94:
        return "sprintf(%s, [%s])" % (json.dumps(random.choice(["%v", "%d", "%f", "%e", "%g", "%.3f", "%x", "%5.1f"])), a)
    return "yaml.marshal(%s)" % arr(random.randint(1, 3))


def run(cmd, exprs):
    rego = "package t\n\n" + "".join("r_%d := json.marshal(%s)\n" % (i, e) for i, e in exprs)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.rego")
        with open(p, "w") as f:
            f.write(rego)
        env = dict(os.environ, PYTHONINTMAXSTRDIGITS="0")
        out = subprocess.run(cmd + ["eval", "--strict-builtin-errors", "-d", p, "--format", "json", "data.t"],
                             capture_output=True, text=True, timeout=300, env=env).stdout
    try:
        j = json.loads(out)
    except ValueError:
        return ("error", "bad output: " + out[:200])
    if j.get("errors"):
        e = j["errors"][0]
        return ("error", e.get("code", "") + ": " + e.get("message", "").split("\n")[0])
    res = j.get("result") or []
    return ("ok", res[0]["expressions"][0]["value"] if res else {})


def compare(engine, exprs, out):
    a, b = run([sys.executable, ORACLE], exprs), run([engine], exprs)
    if a[0] == "ok" and b[0] == "ok":
        for i, e in exprs:
            k = "r_%d" % i
            if a[1].get(k) != b[1].get(k):
                out.append((e, a[1].get(k, "<undefined>"), b[1].get(k, "<undefined>")))
        return
    if len(exprs) == 1:
        if a != b:
            out.append((exprs[0][1], a, b))
        return
    half = len(exprs) // 2
    compare(engine, exprs[:half], out)
    compare(engine, exprs[half:], out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=60)
    args = ap.parse_args()
    random.seed(args.seed)
    exprs = list(enumerate(expr() for _ in range(args.count)))
    diffs = []
    for s in range(0, len(exprs), args.batch):
        compare(args.engine, exprs[s:s + args.batch], diffs)
    for e, want, got in diffs:
        print("MISMATCH %s\n  opa:  %s\n  ours: %s" % (e, str(want)[:300], str(got)[:300]))
    print("%d cases, %d mismatches" % (len(exprs), len(diffs)))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
