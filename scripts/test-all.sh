#!/usr/bin/env bash
# Every test policyd has: Swift unit tests, end-to-end tests against the real daemon, then
# conformance (with the ratchet).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
# End to end: the debug binary under systemd-socket-activate, Python + Swift clients,
# sd_notify, a standalone journald, hostile clients (tests/e2e, about a minute).
python3 -m pytest -q -p no:cacheprovider tests/e2e
# Conformance against OPA's own cases, with the ratchet (tests/conformance-passing.txt):
# the release binary, 2 jobs, a few minutes.
swift build -c release --product policyd
POLICYD=.build/release/policyd scripts/conformance.sh
# Benchmarks smoke run (the release build above, a few seconds each, no timing assertions) so they never rot.
./bench/compare --smoke --no-build
