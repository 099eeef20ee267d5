#!/usr/bin/env python3
"""Collects the modules of the OPA conformance cases (v1) and asks the OPA oracle for their JSON
AST (rego.parse_module), writing {"sources": [...], "asts": {index: ast}} to OUT. The Swift test
ParserASTGoldenTests compares our parser's JSON with it (REGO_AST_GOLDEN=OUT).
Usage: scripts/opa-ast-golden.py OUT [--limit N]"""
import json, os, subprocess, sys, tempfile, glob
import yaml

out = sys.argv[1]
limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
root = "/work/shared/conformance/opa-cases/v1"
sources = []
for f in sorted(glob.glob(root + "/**/*.yaml", recursive=True)):
    doc = yaml.safe_load(open(f))
    for c in doc.get("cases", []):
        for m in c.get("modules", []) or []:
            if m not in sources:
                sources.append(m)
if limit:
    sources = sources[:limit]
d = tempfile.mkdtemp()
json.dump({"mods": sources}, open(os.path.join(d, "data.json"), "w"))
q = '{i: m | some i; m := rego.parse_module("x.rego", data.mods[i])}'
r = subprocess.run(["python3", "/work/shared/oracles/opa_eval.py", "eval", "-d", d, "-f", "json", "x := " + q],
                   capture_output=True, text=True)
res = json.loads(r.stdout)
asts = res["result"][0]["bindings"]["x"]
json.dump({"sources": sources, "asts": asts}, open(out, "w"))
print(f"{len(sources)} modules, {len(asts)} parsed by OPA")
