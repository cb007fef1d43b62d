#!/usr/bin/env bash
# Installs the system packages signtool builds and tests with (Debian 12).
# Always asks apt: a machine that happens to have a package must not hide a missing step.
set -euo pipefail
packages=(libssl-dev libsqlite3-dev libarchive-dev openssl pkg-config python3 curl ca-certificates file faketime sqlite3 gcc util-linux strace valgrind wrk)
if [ "$(id -u)" -eq 0 ]; then
    run=()
elif command -v sudo >/dev/null 2>&1; then
    run=(sudo)
else
    echo "install-deps: run as root (or install sudo) to install: ${packages[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
echo "install-deps: ${packages[*]} installed"
# pyHanko: the tests' second CAdES validator (asn1crypto + pyhanko-certvalidator, no OpenSSL).
# bagit: the Library of Congress BagIt validator, which checks DocStore's archive packages.
python_packages=(pyhanko==0.38.0 bagit==1.8.1)
if ! python3 -m pip --version >/dev/null 2>&1; then "${run[@]}" apt-get install -y -qq python3-pip >/dev/null; fi
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${python_packages[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_packages[@]}"
python3 -c 'import pyhanko.sign.validation, bagit' && echo "install-deps: ${python_packages[*]} available to $(command -v python3)"
