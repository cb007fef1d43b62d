#!/usr/bin/env bash
# The whole test suite: installs the system packages, builds, runs every test.
# The tests call the real openssl binary and build their own throw-away PKIs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
swift test
