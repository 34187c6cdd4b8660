#!/usr/bin/env bash
# Installs what the sandbox and the tests need on a fresh Debian machine, once:
# Debian packages (dcmtk for dcmdump, python3-pydicom for real DICOM files, awscli for the
# operators' commands, only when no working `aws` is on PATH) and the pinned Node tools (CDK CLI, emulators, checkers).
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dcmdump >/dev/null 2>&1 || need_apt+=(dcmtk)
[ -d /usr/lib/python3/dist-packages/pydicom/data/test_files ] || need_apt+=(python3-pydicom)
# Any working AWS CLI will do (v2 on GitHub's runners, where apt has no awscli package).
. scripts/aws-cli.sh
find_aws >/dev/null || need_apt+=(awscli)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "prerequisites: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install (a stamp of its hash, not
# file times: a fresh checkout makes every file look new).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/cdk ] || [ "$(cat node_modules/.stroke-lock-sha256 2>/dev/null)" != "$lock_hash" ]; then
  echo "prerequisites: installing Node tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.stroke-lock-sha256
fi

# The SQS emulator is moto's server under python3 (the machine image ships moto 5.2; PyPI is
# not reachable from here, so there is nothing to install). Only the import-queue tests use it:
# they skip with a message when it is missing, and fail under STROKE_REQUIRE_TOOLS=1 (CI).
if ! python3 -c "import moto.server" >/dev/null 2>&1; then
  echo "prerequisites: note: python3 cannot import moto.server; the import-queue tests need moto 5.2 (this machine image ships it; elsewhere: pip install 'moto[server]==5.2.1')" >&2
fi
