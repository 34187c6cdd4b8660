#!/usr/bin/env bash
# Synthesizes the stack into cdk.out unless a cloud assembly newer than the CDK app's sources is
# already there (the sandbox runs the template's resources with the functions' code in-process,
# so only the template matters). Sourced by the proof scripts from the repository root.
set -euo pipefail
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
stale_source() {
  find cdk.json src/StrokeIngestion.Infrastructure \
    \( -name bin -o -name obj \) -prune -o \
    -newer cdk.out/manifest.json \( -name '*.cs' -o -name '*.csproj' -o -name 'cdk.json' \) -print -quit
}
if [ ! -f cdk.out/manifest.json ] || [ -n "$(stale_source)" ]; then
  echo "synthesizing the stack (cdk synth) …"
  node_modules/.bin/cdk synth --quiet
fi
