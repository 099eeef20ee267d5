#!/usr/bin/env bash
# Runs the OPA conformance cases against the release policyd and checks the ratchet: every case
# listed in tests/conformance-passing.txt must still pass. Prints the newly passing cases; with
# --update, rewrites the list.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="${POLICYD:-.build/release/policyd}"
# shared/ sits beside the repository (in CI too).
CASES="${CONFORMANCE_CASES:-$(cd .. && pwd)/shared/conformance}"
LIST=tests/conformance-passing.txt
REPORT="$(mktemp -t conformance.XXXXXX.json)"
trap 'rm -f "$REPORT"' EXIT

if [ ! -x "$ENGINE" ]; then
    swift build -c release --product policyd
fi

python3 "$CASES/run_cases.py" --engine "$ENGINE" --jobs 2 --exit-zero --json-report "$REPORT" \
    | grep -E '^(OPA|engine|  v[01]:|total|pass rate|failed by)'

python3 - "$REPORT" "$LIST" "${1:-}" <<'PY'
import json, sys
report, listfile, mode = sys.argv[1], sys.argv[2], sys.argv[3]
passing = sorted(c["id"] for c in json.load(open(report))["cases"] if c["status"] == "pass")
try:
    before = [l.strip() for l in open(listfile) if l.strip()]
except FileNotFoundError:
    before = []
now = set(passing)
lost = [c for c in before if c not in now]
new = [c for c in passing if c not in set(before)]
for c in new:
    print(f"newly passing: {c}")
print(f"ratchet: {len(before)} listed, {len(passing)} passing now, {len(new)} new, {len(lost)} lost")
if mode == "--update":
    with open(listfile, "w") as f:
        f.write("\n".join(passing) + "\n")
    print(f"wrote {listfile}")
if lost:
    for c in lost:
        print(f"REGRESSION: {c} passed before and fails now")
    sys.exit(1)
PY
