#!/usr/bin/env python3
"""Checks the example packs against real OPA (the shared oracle), independently of our engine.

For each pack: evaluates every test_* rule (all must be true) and runs every case file through
the decision mapping (deny > escalate > allow > default deny; reasons sorted). Packs whose
.manifest says "rego_version": 0 are first rewritten to v1 syntax (the OPA bridge has no v0
mode) with the mechanical rules below, into a temporary directory.

    python3 config/examples/check-with-oracle.py [PACK_DIR…]
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.environ.get("OPA_ORACLE", "/work/shared/oracles/opa_eval.py")

V0_TO_V1 = [
    (r"^default (\w+) = ", r"default \1 := "),
    (r"^(\w+)\[(\w+)\] \{", r"\1 contains \2 if {"),
    (r"^(\w+)\(([^)]*)\) = (\w+) \{", r"\1(\2) := \3 if {"),
    (r"^(\w+)\(([^)]*)\) \{", r"\1(\2) if {"),
    (r"^(\w+) = (.+) \{$", r"\1 := \2 if {"),
    (r"^\} else = (.+) \{$", r"} else := \1 if {"),
    (r"^\} else = (.+)$", r"} else := \1"),
    (r"^(\w+) \{$", r"\1 if {"),
]


def rewrite_v0(src):
    out = []
    for line in src.splitlines():
        for pat, rep in V0_TO_V1:
            new = re.sub(pat, rep, line)
            if new != line:
                line = new
                break
        out.append(line)
        if line.startswith("package "):
            out.append("import rego.v1")
    return "\n".join(out) + "\n"


def oracle(pack, query, inp=None):
    args = [sys.executable, ORACLE, "eval", "-d", pack, "--format", "json", query]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        if inp is not None:
            json.dump(inp, f)
            f.flush()
            args[3:3] = ["-i", f.name]
        out = subprocess.run(args, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    if "errors" in doc:
        raise SystemExit(f"{pack}: {query}: {doc['errors']}")
    res = doc.get("result") or []
    return res[0]["expressions"][0]["value"] if res else None


def gather(doc, key):
    """`key` (deny/escalate/allow) from the package and every package below it."""
    found = []
    if not isinstance(doc, dict):
        return found
    if key in doc:
        found.append(doc[key])
    for k, v in doc.items():
        if k not in ("deny", "escalate", "allow") and isinstance(v, dict):
            found += gather(v, key)
    return found


def mapped(doc, path, default="deny"):
    """The daemon's decision mapping (Sources/policyd/Decisions/DecisionMapper.swift) for the
    package documents the packs produce: deny > escalate > allow > the entrypoint's default,
    each gathered from the entrypoint's package and every package below it."""
    dotted = path.replace("/", ".")
    if doc is None:
        return "deny", [f"policy decision undefined: data.{dotted}"]
    if not isinstance(doc, dict):
        raise SystemExit(f"{path}: not a package document: {doc!r}")
    for key in ("deny", "escalate"):
        hits = [v for v in gather(doc, key) if v]
        if hits:
            reasons = set()
            for v in hits:
                reasons |= {f"denied by {dotted}.{key}"} if v is True else set(v)
            return key, sorted(reasons)
    if any(v is True for v in gather(doc, "allow")):
        return "allow", []
    if default == "allow":
        return "allow", []
    return "deny", ["no rule allowed this request"]


def check(pack):
    manifest = json.load(open(os.path.join(pack, ".manifest")))
    work = pack
    tmp = None
    if manifest.get("rego_version") == 0:
        tmp = tempfile.mkdtemp()
        work = os.path.join(tmp, os.path.basename(pack))
        shutil.copytree(pack, work)
        for f in glob.glob(os.path.join(work, "**/*.rego"), recursive=True):
            src = open(f).read()
            open(f, "w").write(rewrite_v0(src))
    failures = 0
    tests = 0
    for f in sorted(glob.glob(os.path.join(work, "**/*_test.rego"), recursive=True)):
        src = open(f).read()
        pkg = re.search(r"^package ([\w.]+)", src, re.M).group(1)
        names = re.findall(r"^(test_\w+)", src, re.M)
        got = oracle(work, "data." + pkg) or {}
        for n in names:
            tests += 1
            if got.get(n) is not True:
                failures += 1
                print(f"FAIL {pack}: data.{pkg}.{n} = {got.get(n)!r}")
    cases = 0
    for f in sorted(glob.glob(os.path.join(pack, "cases.*"))):
        spec = yaml.safe_load(open(f))
        for c in spec["cases"]:
            cases += 1
            path = c.get("path", spec.get("path"))
            doc = oracle(work, "data." + path.replace("/", "."), c.get("input"))
            declared = (manifest.get("metadata") or {}).get("policyd", {}).get("entrypoints", {})
            decision, reasons = mapped(doc, path, declared.get(path, {}).get("default", "deny"))
            want = c["expect"]
            ok = decision == want["decision"] and ("reasons" not in want or reasons == sorted(want["reasons"]))
            if not ok:
                failures += 1
                print(f"FAIL {pack}: case {c.get('name')!r}: got {decision} {reasons}, want {want}")
    if tmp:
        shutil.rmtree(tmp)
    print(f"{'PASS' if failures == 0 else 'FAIL'} {os.path.basename(pack)}: {tests} tests, {cases} cases, {failures} failures")
    return failures


def main():
    packs = sys.argv[1:] or sorted(p for p in glob.glob(os.path.join(HERE, "*")) if os.path.isfile(os.path.join(p, ".manifest")))
    sys.exit(1 if sum(check(p) for p in packs) else 0)


if __name__ == "__main__":
    main()
