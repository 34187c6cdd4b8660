#!/usr/bin/env bash
# Proof under faults: N distinct studies (default 200) uploaded through the local sandbox while
# S3, DynamoDB, HealthImaging, Step Functions, the import monitor and the HTTP API throttle,
# fail and slow down (default 25% of calls each); clients retry with the same Idempotency-Key.
# Prints the report; exits 1 when any accepted study is lost, doubled, half-done or
# inconsistent (0 when the proof holds). Loopback only; stops by itself (--deadline).
#   scripts/prove-faults.sh                          the default run
#   scripts/prove-faults.sh --uploads 500 --fault-rate 0.3
#   scripts/prove-faults.sh --kill-monitor 0.6       only the monitor fails (Retry and Catch paths)
#   scripts/prove-faults.sh --monitor-timeouts 0.3   the monitor hangs until its timeout
#   scripts/prove-faults.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prerequisites.sh
source scripts/synth-if-needed.sh
exec dotnet run --project src/StrokeIngestion.Sandbox -c Release -- prove-faults "$@"
