#!/usr/bin/env bash
# Installs the Debian packages policyd needs to build and test. Safe to run repeatedly.
set -euo pipefail
need=()
for pkg in libsystemd-dev libre2-dev zlib1g-dev libssl-dev openssl tzdata pkg-config systemd python3-yaml; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c 'import yaml' 2>/dev/null || pip install -q pyyaml
# End-to-end tests (tests/e2e) run under pytest.
python3 -c 'import pytest' 2>/dev/null || pip install -q pytest
