#!/usr/bin/env python3
"""Differential test: policyd eval vs the real OPA engine (opa_eval.py oracle).

For each anchor policy (and the two policies that must work unchanged) it generates random
inputs by mutating the recorded anchor inputs, evaluates all of them in ONE query per engine
(`{i: d | ... with input as inp}`), and compares the answers. Exit 1 on any mismatch.

    scripts/differential.py [--count N] [--seed S] [--engine .build/release/policyd] [--projected]

--projected also replays every v1 policy's inputs through `policyd bench engine` (one decision
each), which parses each input for its entrypoint (input projection, PreparedQuery.parseInput),
and checks those answers against OPA's too.
"""
import argparse, copy, json, os, random, subprocess, sys, tempfile

# shared/ sits beside the repository (POLICYD_SHARED overrides).
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("POLICYD_SHARED") or os.path.join(os.path.dirname(_REPO), "shared")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared"
ANCHORS = os.path.join(SHARED, "bench/anchor_policies")
ORACLE = os.path.join(SHARED, "oracles/opa_eval.py")

BEHAVRY = """package behavry.authz
import future.keywords.if
allow if { input.agent.role == "developer"; input.action.type in {"read","list"} }
deny if { input.action.type == "write"; startswith(input.resource.path, "/prod/") }
escalate if { input.action.type == "delete" }
"""
AGENTCY_V0 = """package agentcy.connectors
deny[msg] { input.action == "chat.tool.execute"; input.resource.tool_effect in {"write","destructive"}; not input.context.approval_granted; not admin_or_owner(input.subject.role); msg := sprintf("%s requires approval", [input.resource.tool]) }
admin_or_owner(role) { role == "admin" }
admin_or_owner(role) { role == "owner" }
"""
# The oracle has no v0 mode: it gets the same policy in v1 syntax.
AGENTCY_V1 = """package agentcy.connectors
deny contains msg if { input.action == "chat.tool.execute"; input.resource.tool_effect in {"write","destructive"}; not input.context.approval_granted; not admin_or_owner(input.subject.role); msg := sprintf("%s requires approval", [input.resource.tool]) }
admin_or_owner(role) if { role == "admin" }
admin_or_owner(role) if { role == "owner" }
"""


def seeds_behavry(rng, n):
    out = []
    for _ in range(n):
        out.append({
            "agent": {"role": rng.choice(["developer", "admin", "viewer", ""])},
            "action": {"type": rng.choice(["read", "list", "write", "delete", "exec", None])},
            "resource": {"path": rng.choice(["/prod/db", "/prod/", "/dev/x", "prod/x", ""])},
        })
    return out


def seeds_agentcy(rng, n):
    out = []
    for _ in range(n):
        inp = {
            "action": rng.choice(["chat.tool.execute", "chat.read", "x"]),
            "resource": {"tool_effect": rng.choice(["write", "destructive", "read", None]),
                         "tool": rng.choice(["rm", "shell", "http"])},
            "subject": {"role": rng.choice(["admin", "owner", "dev", "guest"])},
            "context": {},
        }
        if rng.random() < 0.3:
            inp["context"]["approval_granted"] = rng.choice([True, False, "yes"])
        out.append(inp)
    return out


# Arithmetic: numbers arrive as text (to_number keeps the spelling, as a policy literal or JSON
# input would) plus one raw JSON number; results are compared as json.marshal text, which is
# exact (a JSON float in the answer would lose OPA's 20-digit results in Python).
ARITH = """package arith
import rego.v1
a := to_number(input.a)
b := to_number(input.b)
c := input.c
r_add := json.marshal(a + b)
r_sub := json.marshal(a - b)
r_mul := json.marshal(a * b)
r_div := json.marshal(a / b) if b != 0
r_rem := json.marshal(a % b) if { b != 0; round(a) == a; round(b) == b }
r_order := [a < b, a == b, a > c, b == c]
r_round := json.marshal([round(a), ceil(a), floor(a), abs(a)])
r_agg := json.marshal([sum([a, b, c]), product([a, c]), max([a + 0, b * 1]), min([b - 0, c + 0])])
r_chain := json.marshal(((a + c) * 3 - b) / 7)
r_text := sprintf("%v %v %d %v", [a / 3, [a * b], round(c), c * 1])
"""


def random_number_text(rng):
    kind = rng.randrange(8)
    sign = rng.choice(["", "", "-"])
    if kind == 0:
        return sign + str(rng.randrange(0, 1000))
    if kind == 1:
        return sign + str(rng.randrange(2**62, 2**63))
    if kind == 2:
        return sign + str(rng.randrange(10**25, 10**31))
    if kind == 3:
        return sign + "%d.%d" % (rng.randrange(0, 100), rng.randrange(1, 1000))
    if kind == 4:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(16, 26)))
        return sign + "0." + digits + "7"
    if kind == 5:
        return sign + "%de%d" % (rng.randrange(1, 10), rng.randrange(-12, 40))
    if kind == 6:
        return sign + "%d.%de%d" % (rng.randrange(1, 10), rng.randrange(1, 100), rng.choice([-300, -7, 6, 21, 300]))
    return sign + rng.choice(["0.1", "0.2", "0.3", "1.1", "3", "7", "0.5", "2.5", "1e21", "12345678.5"])


def seeds_arith(rng, n):
    out = []
    for _ in range(n):
        c = rng.choice([0, 1, -3, 7, 2**53 + 1, 10**20, 0.5, 0.1, -2.25, 1234567.5, 1e-7])
        out.append({"a": random_number_text(rng), "b": random_number_text(rng), "c": c})
    return out


def leaves(v, path=()):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, path + (k,))
    elif isinstance(v, list) and v:
        for i, x in enumerate(v):
            yield from leaves(x, path + (i,))
    yield path


def get(v, path):
    for p in path:
        v = v[p]
    return v


def put(v, path, x):
    for p in path[:-1]:
        v = v[p]
    v[path[-1]] = x


def mutate(rng, base, pool):
    inp = copy.deepcopy(base)
    paths = [p for p in leaves(inp) if p]
    for _ in range(rng.randint(1, 3)):
        if not paths:
            break
        p = rng.choice(paths)
        donor = rng.choice(pool)
        try:
            x = copy.deepcopy(get(donor, p))
        except (KeyError, IndexError, TypeError):
            continue
        try:
            put(inp, p, x)
        except (KeyError, IndexError, TypeError):
            pass
    return inp


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError:
        return {"errors": [{"message": r.stdout + r.stderr}]}


def value_of(out):
    res = out.get("result") or []
    if not res:
        return out.get("errors", "undefined")
    return res[0]["bindings"]["x"]


def compare(name, engine, ours_src, oracle_src, query_path, data, inputs, v0=False, replay=None):
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        doc = dict(data)
        doc["__diff_inputs"] = inputs
        for d, src in ((d1, ours_src), (d2, oracle_src)):
            open(os.path.join(d, "policy.rego"), "w").write(src)
            json.dump(doc, open(os.path.join(d, "data.json"), "w"))
        q = "x := {i: d | some i; inp := data.__diff_inputs[i]; d := %s with input as inp}" % query_path
        # The oracle always runs with strict builtin errors; so do we, for a like-for-like answer.
        ours = run([engine, "eval", "--strict-builtin-errors"] + (["--v0-compatible"] if v0 else []) + ["-d", d1, "--format", "json", q])
        theirs = run([sys.executable, ORACLE, "eval", "-d", d2, "--format", "json", q])
    a, b = value_of(ours), value_of(theirs)
    if isinstance(a, dict) and isinstance(b, dict):
        bad = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
    else:
        bad = ["whole"] if a != b else []
    defined = len(a) if isinstance(a, dict) else 0
    if not isinstance(a, dict) or not isinstance(b, dict):
        bad = bad or ["whole"]
    print(f"{name}: {len(inputs)} inputs, {defined} defined answers, {len(bad)} mismatches")
    if replay is not None and isinstance(b, dict):
        replay.append((name, oracle_src, query_path, data, inputs, b))
    for k in sorted(bad, key=str)[:5]:
        i = int(k) if k != "whole" else None
        print(f"  input {json.dumps(inputs[i]) if i is not None else ''}\n    policyd: {json.dumps(a.get(k) if isinstance(a, dict) else a)}\n    opa:     {json.dumps(b.get(k) if isinstance(b, dict) else b)}")
    return len(bad)


def replay_projected(engine, replay):
    """Runs the same inputs through `policyd bench engine` (projected input parse) against OPA's answers."""
    with tempfile.TemporaryDirectory() as d:
        manifest = []
        for n, (name, src, query, data, inputs, answers) in enumerate(replay):
            base = f"p{n}"
            open(os.path.join(d, base + ".rego"), "w").write(src)
            entry = {"name": name, "policy": base + ".rego", "query": query, "cases": base + ".cases.jsonl"}
            if data:
                json.dump(data, open(os.path.join(d, base + ".data.json"), "w"))
                entry["data"] = base + ".data.json"
            with open(os.path.join(d, base + ".cases.jsonl"), "w") as f:
                for i, inp in enumerate(inputs):
                    f.write(json.dumps({"input": inp, "expected": answers.get(str(i), "<undefined>")}) + "\n")
            manifest.append(entry)
        json.dump({"cases": manifest}, open(os.path.join(d, "manifest.json"), "w"))
        r = subprocess.run([engine, "bench", "engine", "--cases", d, "--iterations", "1", "--json"],
                           capture_output=True, text=True, timeout=600)
        try:
            rows = json.loads(r.stdout)["cases"]
        except (json.JSONDecodeError, KeyError):
            print("projected replay failed:", r.stdout + r.stderr)
            return 1
        bad = 0
        for row in rows:
            print(f"{row['name']} (projected input): {row['mismatches']} mismatches")
            bad += row["mismatches"]
        if r.stderr.strip():
            print(r.stderr.strip()[:2000])
        return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=500, help="random inputs per policy")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engine", default=".build/release/policyd")
    ap.add_argument("--projected", action="store_true", help="also check projected-input decisions (bench engine)")
    args = ap.parse_args()
    replay = [] if args.projected else None
    rng = random.Random(args.seed)
    manifest = json.load(open(os.path.join(ANCHORS, "manifest.json")))
    failures = 0
    for c in manifest["cases"]:
        if "cases" not in c:
            continue
        recorded = [json.loads(l)["input"] for l in open(os.path.join(ANCHORS, c["cases"])) if l.strip()]
        inputs = [mutate(rng, rng.choice(recorded), recorded) for _ in range(args.count)]
        src = open(os.path.join(ANCHORS, c["policy"])).read()
        data = json.load(open(os.path.join(ANCHORS, c["data"]))) if "data" in c else {}
        failures += compare(c["name"], args.engine, src, src, c["query"], data, inputs, replay=replay)
    failures += compare("behavry.authz", args.engine, BEHAVRY, BEHAVRY, "data.behavry.authz", {},
                        seeds_behavry(rng, args.count), replay=replay)
    failures += compare("arithmetic", args.engine, ARITH, ARITH, "data.arith", {}, seeds_arith(rng, args.count))
    failures += compare("agentcy.connectors (v0)", args.engine, AGENTCY_V0, AGENTCY_V1, "data.agentcy.connectors", {},
                        seeds_agentcy(rng, args.count), v0=True)
    if replay:
        failures += replay_projected(args.engine, replay)
    print("differential:", "OK" if failures == 0 else f"{failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
