#!/usr/bin/env bash
# The main job: the whole Phase 1 pipeline on this machine, on 127.0.0.1.
# Installs prerequisites, synthesizes the stack (cdk synth also publishes both functions),
# then starts the sandbox from the synthesized template. Options go to the sandbox:
#   ./sandbox.sh --demo      ingest a generated brain CT and follow it to READY_FOR_ANALYSIS
#   ./sandbox.sh --help      every option
set -euo pipefail
cd "$(dirname "$0")"
./scripts/prerequisites.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "sandbox: synthesizing the stack (cdk synth) …"
node_modules/.bin/cdk synth --quiet
exec dotnet run --project src/StrokeIngestion.Sandbox -c Release -- "$@"
