#!/usr/bin/env bash
# The test command: installs prerequisites, then runs every test project.
# Tests that need an external tool skip with a message when it is missing; with
# STROKE_REQUIRE_TOOLS=1 (CI) a missing tool fails the run instead.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/prerequisites.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test StrokeIngestion.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test projects: "N passed, N failed, N skipped".
sum() { grep -E "^\s+$1: +[0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }'; }
echo
echo "tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$status"
