#!/usr/bin/env bash
# Every test policyd has: Swift unit tests, end-to-end tests against the real daemon, OPA's
# conformance cases with the ratchet, and a smoke run of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
# End to end: the debug binary under systemd-socket-activate, Python + Swift clients,
# sd_notify, a standalone journald, hostile clients (tests/e2e, about a minute).
python3 -m pytest -q -p no:cacheprovider tests/e2e
# Conformance against OPA's own cases, with the ratchet (tests/conformance-passing.txt). The
# debug binary is used so CI needs no second (release) build of every dependency.
POLICYD=.build/debug/policyd scripts/conformance.sh
# Benchmarks smoke run (debug build, a few seconds each, no timing assertions) so they never rot.
./bench/compare --smoke --config debug --no-build
echo "test-all: every stage passed (swift test, e2e, conformance ratchet, benchmark smoke)"
