#!/usr/bin/env bash
# Bounded load test on loopback: N uploads (default 500) sent at once to the local sandbox,
# each followed to its end. Prints accepted / rejected / lost and p50/p99 of the POST latency
# and of the time to READY_FOR_ANALYSIS; exits 1 when a (valid) upload is refused, an accepted
# study is lost or doubled, or a study has not finished by the deadline.
# Stops by itself at --deadline (default 300 s).
#   scripts/load.sh                    500 concurrent uploads
#   scripts/load.sh --uploads 100 --deadline 120
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prerequisites.sh
source scripts/synth-if-needed.sh
exec dotnet run --project src/StrokeIngestion.Sandbox -c Release -- load "$@"
