"""Compile-error rules for rego_fuzz_gen (session 8): programs with several deliberate errors
from different stages of OPA's compiler, so the fuzzer sees which stage wins and whether the
errors of one stage come out in OPA's order. Each template is v1 text; `{n}` is a fresh rule
name, `{f}` a fresh function name. Grouped by the stage OPA reports them in (`CheckStage` in
Sources/Engine/Compiler/Checks/CheckStage.swift).
"""

STAGES = {
    "local_vars": [
        "{n} := x if {{ x := 1; x := 2 }}",
        "{n} if {{ some x; true }}",
        "{n} if {{ 1 := 2 }}",
        "{n} := x if {{ x := 1; some x; x = 2 }}",
    ],
    "void_calls": [
        "{n} := print(1)",
        "{n} if {{ x := [print(\"a\")]; x }}",
        "{n} if {{ count(print(1)) > 0 }}",
    ],
    "with_targets": [
        "{n} := 1 if {{ true with nope as 1 }}",
        "{n} := 1 if {{ true with nope.x as 1 }}",
    ],
    "conflicts": [
        "{n} := 1\n{n} contains 2",
        "{f}(x) := 1\n{f} := 2",
        "{f}(x) := 1\n{f}(x, y) := 2",
    ],
    "undefined_functions": [
        "{n} := nope(1)",
        "{n} := data.fz.nope(1)",
        "{n} := data.other.g(1)",
        "{n} := count(1, 2)",
        "{n} := upper()",
        "{f}(x) := x\n{n} := {f}(1, 2, 3)",
    ],
    "safety_heads": [
        "{n} := q",
        "{n} contains q if {{ true }}",
    ],
    "safety_bodies": [
        "{n} := y if {{ y := z }}",
        "{n} if {{ x > 1 }}",
        "{n} if {{ not q[1] }}",
        "{f}(input.n) := 1",
    ],
    "recursion": [
        "{n} if {{ data.fz.{n} }}",
        "{n} := x if {{ x := count([y | y := data.fz.{n}[_]]) }}",
    ],
    "types": [
        "{n} := count(1)",
        "{n} := x if {{ x := \"a\" + 1 }}",
        "{n} := x if {{ x := [1][\"a\"] }}",
        "{n} := x if {{ x := {{\"a\": 1}}.b }}",
        "{n} := x if {{ y := {{\"a\": 1}}; x := y.c }}",
        "{n} if {{ 1 == \"a\" }}",
        "{n} := x if {{ [x, 1] = [2, 3] }}",
        "{n} := x if {{ {{\"a\": x}} = [1] }}",
        "{n} := x if {{ [x] = [1, 2] }}",
        "{n} := x if {{ x := \"s\"; y := x.a }}",
        "{f}(x) := y if {{ y := x + 1 }}\n{n} := {f}(\"a\")",
        "{f}(x) := upper(x)\n{n} := {f}(1)",
        "{f}(x) if {{ x == 1 }}\n{n} if {{ {f}(\"a\") }}",
        "{f}(x, y) := z if {{ z := concat(x, y) }}\n{n} := {f}(\",\", [1])",
        "{f}(x) := count(x)\n{n} := {f}(true)",
        "{f}(x) := y if {{ y := x + 1 }}\n{n} if {{ z := \"a\"; {f}(z) }}",
        "{f}(x) := y if {{ y := x * 2 }}\n{f}(x) := upper(x)\n{n} := {f}(null)",
        "{f}(x) := [x, 1] if {{ x > 1; is_number(x) }}\n{n} := {f}({{\"a\": 1}})",
        "{f}(x) := y if {{ y := x + 1 }}\n{n} := [{f}(1), {f}(\"b\")]",
    ],
    "deprecated": [
        "{n} := any([true])",
        "{n} := re_match(\"a\", \"a\")",
    ],
}

ORDER = list(STAGES)


def error_rules(r, base):
    """1–3 error rules from distinct stages, in random source order; `base` numbers the names."""
    stages = r.sample(ORDER, r.choice([1, 2, 2, 3]))
    # Sometimes two errors of one stage (their order within the stage matters too).
    if r.random() < 0.3:
        stages.append(r.choice(stages))
    r.shuffle(stages)
    out = []
    for i, st in enumerate(stages):
        t = r.choice(STAGES[st])
        out.append(t.format(n="e%d_%d" % (base, i), f="fe%d_%d" % (base, i)))
    return out
