#!/usr/bin/env bash
# Every test policyd has: Swift unit and end-to-end tests, then conformance (with the ratchet).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
