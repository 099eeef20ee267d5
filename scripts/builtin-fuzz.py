#!/usr/bin/env python3
"""Random builtin calls through policyd and the real OPA; reports every disagreement.

    scripts/builtin-fuzz.py [--seed S] [--count N] [--only PREFIX ...] [--engine .build/debug/policyd]
                            [--out FILE] [--chunk 400] [--print-only]

For each builtin of OPA's capabilities (minus the nondeterministic ones, see
builtin_fuzz_gen.SKIP) N calls are generated from its declared argument types
(scripts/builtin_fuzz_gen.py; seeded, call i of seed S is the same on every run). Each call is
evaluated as `x := <call>` with strict builtin errors, arguments passed through `input` unless
they hold a set or a non-string key (then as Rego literals), exactly as scripts/builtin-diff.py
does, and compared the same way (result by value, undefined, error code and message).

OPA runs in-process through the oracle's Go bridge (shared/oracles/opa_eval.py), one engine
for all calls; policyd runs `eval --batch` (one process per chunk of calls; a crash or a hang
is charged to the call being evaluated and the chunk resumes after it).
Disagreements are written to --out (default /tmp/builtin-fuzz-S.txt) in the fixture format
(`name <TAB> JSON args`) with both answers as comments, ready to minimise into
Tests/EngineTests/Builtins/Fixtures/cases/*.txt. Exit 1 when any call disagrees.
"""
import argparse, collections, importlib.util, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import builtin_fuzz_gen as gen  # noqa: E402
from builtin_calls import call_expression  # noqa: E402

sys.path.insert(0, os.path.join(gen.SHARED, "oracles"))
import opa_eval  # noqa: E402

_spec = importlib.util.spec_from_file_location("builtin_diff", os.path.join(HERE, "builtin-diff.py"))
builtin_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builtin_diff)


class OPA:
    def __init__(self):
        self.bridge = opa_eval.Bridge(opa_eval.ensure_bindings())

    def answer(self, query, inp):
        b = self.bridge
        env, err = b.call(b.lib.OpaEvalQuery, query.encode("utf-8"), json.dumps(inp).encode(), 0, 0)
        if err:
            out = {"errors": opa_eval.split_errors(*err)}
        else:
            res = env.get("result") or []
            out = {"result": res} if res else {}
        return opa_eval.dumps(out)


def limit_memory():
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def batch_answers(cmd, items, chunk_timeout=120):
    """[(query, input)] -> answers from `cmd FILE` (one answer line per query line; policyd
    `eval --batch` or this script's --opa-worker), resuming after a crash or hang, which is
    charged to the query being evaluated. Memory is capped (huge arguments can make an
    engine allocate without bound)."""
    answers = []
    while len(answers) < len(items):
        rest = items[len(answers):]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            for q, inp in rest:
                f.write(json.dumps({"query": q, "input": inp}, ensure_ascii=False) + "\n")
            path = f.name
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            try:
                p = subprocess.run(cmd + [path], stdout=out, stderr=subprocess.PIPE, timeout=chunk_timeout,
                                   preexec_fn=limit_memory)
                failure = None if p.returncode == 0 else ("crash", p.stderr.decode("utf-8", "replace")[-300:])
            except subprocess.TimeoutExpired:
                failure = ("timeout",)
            out.seek(0)
            lines = out.read().splitlines()
        os.unlink(path)
        got = [builtin_diff.normalise(l, "") for l in lines[:len(rest)]]
        if not answers and not got and failure and "Usage:" in failure[-1]:
            sys.exit("cannot run %s: %s" % (cmd[0], failure[-1]))
        answers.extend(got)
        if len(got) < len(rest):
            answers.append(failure or ("crash", "no answer"))
    return answers


def opa_worker(path):
    opa = OPA()
    for line in open(path, encoding="utf-8"):
        req = json.loads(line)
        print(opa.answer(req["query"], req["input"]), flush=True)


def known(ours, theirs):
    """A label for disagreements already understood and owned elsewhere, else None."""
    if theirs[0] == "error" and theirs[1] == "internal" and "invalid number literal" in theirs[2]:
        # OPA keeps to_number's Go-float text ("00012", ".5") as the number; it computes by value
        # but cannot be printed as JSON. policyd gives the value.
        return "opa_unprintable_number"
    if (ours[0] == "error" and ours[1] == "rego_parse_error") or (theirs[0] == "error" and theirs[1] == "rego_parse_error"):
        # Arguments holding sets or non-string keys are written as Rego literals: OPA's parser
        # refuses some of them (a byte-order mark inside a string, some number keys) — the
        # Rego parser's business (Parser/), not the builtins'.
        return "literal_parse"
    if theirs[0] == "error" and theirs[1] == "panic":
        # OPA crashed (the oracle's bridge recovers the Go panic; OPA itself would not answer):
        # e.g. net.cidr_merge of merged IPv6 ranges starting with a zero byte.
        return "opa_panic"
    probe_kty_d = 'struct { Kty string "json:\\"kty\\""; D json.RawMessage "json:\\"d,omitempty\\"" }'
    probe_d_kty = 'struct { D json.RawMessage "json:\\"d,omitempty\\""; Kty string "json:\\"kty\\"" }'
    if ours[0] == theirs[0] == "error" and len(ours) > 2 and len(theirs) > 2 and \
            ours[2].replace(probe_kty_d, probe_d_kty) == theirs[2].replace(probe_kty_d, probe_d_kty):
        # OPA's JWK probe struct is built once per process with its fields in Go map order.
        return "opa_jwk_probe_order"
    if (ours[0] == "error" and ours[1] == "rego_type_error") or (theirs[0] == "error" and theirs[1] == "rego_type_error"):
        # The compile-time type check of literal arguments (Compiler/, not builtins).
        return "compile_type_check"
    return None


# regex.template_match: OPA caches a template's regex by the template only, not the delimiters.
FRESH_PROCESS_RECHECK = {"regex.template_match"}


def family(name):
    return name.split(".")[0] if "." in name else name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=100, help="calls per builtin")
    ap.add_argument("--only", nargs="*", help="builtin names or prefixes")
    ap.add_argument("--engine", default=os.path.join(ROOT, ".build/debug/policyd"))
    ap.add_argument("--out")
    ap.add_argument("--chunk", type=int, default=400)
    ap.add_argument("--print-only", action="store_true")
    ap.add_argument("--opa-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.opa_worker:
        return opa_worker(args.opa_worker)

    calls, seen = [], set()
    for name, a in gen.all_calls(args.seed, args.count, args.only):
        key = name + "\t" + json.dumps(a, sort_keys=True)
        if key not in seen:
            seen.add(key)
            calls.append((name, a))
    if args.print_only:
        for name, a in calls:
            print("%s\t%s" % (name, json.dumps(a, ensure_ascii=False)))
        return
    items = []
    for name, a in calls:
        expr, inp = call_expression(name, a)
        items.append(("x := " + expr, inp))

    ours, theirs = [], []
    worker = [sys.executable, os.path.abspath(__file__), "--opa-worker"]
    for i in range(0, len(items), args.chunk):
        theirs.extend(batch_answers(worker, items[i:i + args.chunk]))
        ours.extend(batch_answers([args.engine, "eval", "--strict-builtin-errors", "--batch"], items[i:i + args.chunk]))

    per_family = collections.Counter()
    bad_family = collections.Counter()
    bad_names = collections.Counter()
    known_count = collections.Counter()
    out_path = args.out or "/tmp/builtin-fuzz-%s.txt" % args.seed
    with open(out_path, "w", encoding="utf-8") as f:
        for (name, a), item, o, t in zip(calls, items, ours, theirs):
            per_family[family(name)] += 1
            if builtin_diff.same(o, t):
                continue
            label = known(o, t)
            if not label and name in FRESH_PROCESS_RECHECK:
                # OPA caches some compiled patterns by part of their arguments only, so in one
                # engine an earlier call can decide a later one: ask a fresh OPA process.
                fresh = batch_answers(worker, [item])[0]
                if builtin_diff.same(o, fresh):
                    label = "opa_cache_artifact"
            if label:
                known_count[label] += 1
                continue
            bad_family[family(name)] += 1
            bad_names[name] += 1
            f.write("# policyd: %s\n# opa:     %s\n%s\t%s\n" % (json.dumps(o, ensure_ascii=False), json.dumps(t, ensure_ascii=False),
                                                              name, json.dumps(a, ensure_ascii=False)))
    for fam in sorted(per_family):
        print("%-28s %6d calls %5d disagreements" % (fam, per_family[fam], bad_family[fam]))
    print("by builtin:", ", ".join("%s %d" % kv for kv in bad_names.most_common()))
    if known_count:
        print("known, not counted:", ", ".join("%s %d" % kv for kv in known_count.most_common()))
    total = sum(bad_family.values())
    print("%d calls, %d disagreements (written to %s)" % (len(calls), total, out_path))
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
