#!/usr/bin/env bash
# The test command: installs prerequisites, then runs every test project.
# Tests that need an external tool skip with a message when it is missing; with
# STROKE_REQUIRE_TOOLS=1 (CI) a missing tool fails the run instead.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/prerequisites.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test StrokeIngestion.sln -c Release --logger "console;verbosity=normal" "$@"
