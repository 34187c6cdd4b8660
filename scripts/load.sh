#!/usr/bin/env bash
# The load proof (issue 11) on loopback, under the quotas the sandbox models (HealthImaging's
# 1 TPS start rate, 100 running jobs, the API's stage throttle, Lambda concurrency). It first
# times 3 urgent uploads sent one after another on the idle sandbox (the baseline), then sends N
# uploads (default 500) arriving evenly over --over seconds of stack time (default 60), 10% of
# them "priority":"urgent", from clients that give up after 3 attempts and wait what
# Retry-After says between them. Every study is followed to its end. Prints accepted / refused /
# lost, time to answer p50/p99, time to import start and to READY_FOR_ANALYSIS p50/p99 per
# priority (real seconds), jobs created, StartDICOMImportJob calls per job and copies per file.
# Exits 1 when a valid upload is refused, an accepted study is lost or doubled, a study is not
# terminal by the deadline, or urgent time to import start p99 exceeds the idle p99 + 5 s.
# Runs at --time-scale 0.5 by default (see README, "Proof under faults and load").
#   scripts/load.sh                                               500 over 60 s
#   scripts/load.sh --uploads 500 --over 60
#   scripts/load.sh --uploads 5000 --over 600 --deadline 3000      the 10-minute proof
#   scripts/load.sh --help                                        every option
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prerequisites.sh
source scripts/synth-if-needed.sh
exec dotnet run --project src/StrokeIngestion.Sandbox -c Release -- load "$@"
