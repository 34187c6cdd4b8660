#!/usr/bin/env bash
# First response of a fresh process: the closest local stand-in for a Lambda cold start.
#
# Publishes the UploadHandler bundle as cdk.json does (framework-dependent, ReadyToRun; for
# this machine's architecture, where the deployed bundle is linux-arm64) and once more
# without ReadyToRun, then starts each bundle RUNS times under bench/StrokeIngestion.ColdStart,
# which loads it the way the managed runtime does (`dotnet exec` with the bundle's deps.json
# and runtimeconfig.json, assembly/type/method from the handler string, parameterless
# constructor) and invokes Handle once with EVENT. Alternates with a bare hello-world start
# measured in the same run, and prints medians and ratios.
#
# Usage: scripts/measure-cold-start.sh [-n RUNS] [-e EVENT.json | --real-upload] [--skip-publish]
#   RUNS   starts per variant (default 10)
#   --real-upload  the issue's measure in one command: starts the local sandbox's emulators
#          (s3rver, dynalite, HealthImaging, Step Functions; loopback only), uploads pydicom's
#          CT_small.dcm as uploads/bench/ct-slice-0001.dcm, measures with
#          bench/events/upload-ct-slice.json, and stops the sandbox on exit.
#   EVENT  default bench/events/upload-unsupported-media-type.json: answered 415 without
#          any remote call, yet it runs the whole composition root (settings, SDK clients)
#          and the JSON decode/encode path. bench/events/upload-ct-slice.json is a real
#          upload: it needs the object uploads/bench/ct-slice-0001.dcm (patient 1CT1, e.g.
#          pydicom's CT_small.dcm) and emulators named by AWS_ENDPOINT_URL_S3,
#          AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_MEDICAL_IMAGING, AWS_ENDPOINT_URL_SFN
#          with matching STUDY_TABLE_NAME, UPLOAD_BUCKET_NAME, ... and credentials. Variables
#          already set win over the placeholders below. Each start sends a fresh Idempotency-Key.
#
# Goal (issue "Performance"): first response of the ReadyToRun bundle <= 3x the bare start.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10
event=bench/events/upload-unsupported-media-type.json
publish=1
real_upload=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -e) event="$2"; shift 2 ;;
    --real-upload) real_upload=1; event=bench/events/upload-ct-slice.json; shift ;;
    --skip-publish) publish=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -f "$event" ]] || { echo "no event file '$event'" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 2 ;;
esac
out=artifacts/cold-start
handler=StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle

publish_to() { # project, ReadyToRun true|false, output folder
  rm -rf "$3"
  dotnet publish "$1" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun="$2" -o "$3" -v quiet -nologo >/dev/null
}
if [[ $publish == 1 ]]; then
  echo "Publishing ($rid) ..."
  publish_to src/StrokeIngestion.UploadHandler true "$out/upload-r2r"
  publish_to src/StrokeIngestion.UploadHandler false "$out/upload-jit"
  publish_to bench/StrokeIngestion.ColdStart true "$out/host"
  publish_to bench/HelloWorld true "$out/hello"
fi

if [[ $real_upload == 1 ]]; then
  ./scripts/prerequisites.sh
  source scripts/synth-if-needed.sh
  sandbox_dir="$out/sandbox"
  rm -rf "$sandbox_dir"
  echo "Starting the sandbox's emulators (log: $sandbox_dir.log) ..."
  dotnet run --project src/StrokeIngestion.Sandbox -c Release -- --state-dir "$sandbox_dir" >"$sandbox_dir.log" 2>&1 &
  sandbox_pid=$!
  trap 'kill "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 240); do
    [[ -f "$sandbox_dir/env" ]] && break
    kill -0 "$sandbox_pid" 2>/dev/null || { echo "The sandbox stopped; its log:" >&2; tail -20 "$sandbox_dir.log" >&2; exit 1; }
    sleep 0.5
  done
  [[ -f "$sandbox_dir/env" ]] || { echo "The sandbox did not start within 120 s" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$sandbox_dir/env"
  export AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" AWS_ENDPOINT_URL_DYNAMODB="$DYNAMODB_ENDPOINT"
  export AWS_ENDPOINT_URL_MEDICAL_IMAGING="$HEALTHIMAGING_ENDPOINT" AWS_ENDPOINT_URL_SFN="$STEPFUNCTIONS_ENDPOINT"
  export UPLOAD_BUCKET_NAME="$BUCKET" STUDY_TABLE_NAME="$TABLE" STATE_MACHINE_ARN DATASTORE_ID AWS_REGION
  ct=/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm
  # shellcheck source=scripts/aws-cli.sh
  . scripts/aws-cli.sh
  aws=$(find_aws) || { echo "No working AWS CLI on PATH (install AWS CLI v2, or apt-get install awscli)" >&2; exit 1; }
  "$aws" --endpoint-url "$S3_ENDPOINT" s3 cp "$ct" "s3://$BUCKET/uploads/bench/ct-slice-0001.dcm" >/dev/null
fi

# What Lambda gives the function: its configuration, and credentials in the environment
# (placeholders here: no call leaves the machine unless endpoints point at emulators).
export AWS_REGION="${AWS_REGION:-eu-west-1}"
export STUDY_TABLE_NAME="${STUDY_TABLE_NAME:-stroke-detection-ai-study-metadata}"
export UPLOAD_BUCKET_NAME="${UPLOAD_BUCKET_NAME:-stroke-detection-ai-dicom-uploads-111122223333}"
export DATASTORE_ID="${DATASTORE_ID:-0123456789abcdef0123456789abcdef}"
export IMPORT_ROLE_ARN="${IMPORT_ROLE_ARN:-arn:aws:iam::111122223333:role/stroke-detection-ai-import}"
export STATE_MACHINE_ARN="${STATE_MACHINE_ARN:-arn:aws:states:eu-west-1:111122223333:stateMachine:stroke-detection-ai-processing}"
export UPLOAD_PREFIX="${UPLOAD_PREFIX:-uploads/}" IMPORT_INPUT_PREFIX="${IMPORT_INPUT_PREFIX:-imports/}"
export IMPORT_OUTPUT_PREFIX="${IMPORT_OUTPUT_PREFIX:-import-output/}" ALLOWED_MODALITIES="${ALLOWED_MODALITIES:-CT,MR}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-AKIAIOSFODNN7EXAMPLE}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}"
export AWS_SESSION_TOKEN="${AWS_SESSION_TOKEN:-placeholder-session-token}"
export AWS_CONFIG_FILE="${AWS_CONFIG_FILE:-/dev/null}" AWS_SHARED_CREDENTIALS_FILE="${AWS_SHARED_CREDENTIALS_FILE:-/dev/null}"
export AWS_EC2_METADATA_DISABLED=true

results="$out/results"
rm -rf "$results"; mkdir -p "$results"

now_ns() { date +%s%N; }

run_hello() {
  local start line end
  start=$(now_ns)
  line=$(COLDSTART_LAUNCH_NS=$start dotnet "$out/hello/HelloWorld.dll")
  end=$(now_ns)
  printf '%s wall_ms=%s\n' "$line" "$(( (end - start) / 1000000 ))"
}

run_function() { # bundle folder
  local bundle=$1 start output end
  start=$(now_ns)
  if ! output=$(COLDSTART_LAUNCH_NS=$start dotnet exec \
    --depsfile "$bundle/StrokeIngestion.UploadHandler.deps.json" \
    --runtimeconfig "$bundle/StrokeIngestion.UploadHandler.runtimeconfig.json" \
    "$out/host/StrokeIngestion.ColdStart.dll" "$bundle" "$handler" "$event" 2>"$results/stderr.txt"); then
    # A stale obj/ from a ReadyToRun composite publish, for one, leaves component stubs without their image.
    echo "The host failed on $bundle; its output and stderr:" >&2
    printf '%s\n' "$output" >&2; cat "$results/stderr.txt" >&2
    exit 1
  fi
  end=$(now_ns)
  printf '%s wall_ms=%s\n' "$(grep '^first_response_ms=' <<<"$output" || echo 'first_response_ms=nan')" "$(( (end - start) / 1000000 ))"
}

# One untimed start of each first, so every measured start finds the files in the page cache.
run_hello >/dev/null; run_function "$out/upload-r2r" >/dev/null; run_function "$out/upload-jit" >/dev/null

echo "Measuring $runs starts per variant, alternating (event: $event) ..."
for ((i = 1; i <= runs; i++)); do
  run_hello >>"$results/hello.txt"
  run_function "$out/upload-r2r" >>"$results/r2r.txt"
  run_function "$out/upload-jit" >>"$results/jit.txt"
done

field() { # file, key -> the values, one per line
  grep -o "\b$2=[^ ]*" "$1" | cut -d= -f2
}
median() { # values on stdin -> median
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan" } else if (NR % 2) { print v[(NR + 1) / 2] } else { printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

hello_main=$(field "$results/hello.txt" launch_to_main_ms | median)
hello_wall=$(field "$results/hello.txt" wall_ms | median)
echo
echo "Medians of $runs starts ($(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-26s %16s %12s %9s %10s %12s %8s %16s %12s\n' variant "first response" "wall->exit" "init" "invoke" "JIT methods" status "ratio vs bare" "warm invoke"
printf '%-26s %13s ms %9s ms %9s %10s %12s %8s %16s %12s\n' "hello world (bare start)" "$hello_main" "$hello_wall" - - - - 1.0 -
verdict=FAIL
for variant in r2r jit; do
  file="$results/$variant.txt"
  first=$(field "$file" first_response_ms | median)
  wall=$(field "$file" wall_ms | median)
  init=$(field "$file" init_ms | median)
  invoke=$(field "$file" invoke_ms | median)
  jit=$(field "$file" jit_methods | median)
  statuses=$(field "$file" status | sort | uniq -c | awk '{ printf "%s%sx%s", sep, $2, $1; sep = "," }')
  label=$([[ $variant == r2r ]] && echo "UploadHandler ReadyToRun" || echo "UploadHandler JIT only")
  warm=$(field "$file" warm_invoke_ms | median)
  printf '%-26s %13s ms %9s ms %6s ms %7s ms %12s %8s %16s %9s ms\n' "$label" "$first" "$wall" "$init" "$invoke" "$jit" "$statuses" "$(ratio "$first" "$hello_main")x" "$warm"
  if [[ $variant == r2r ]] && awk -v a="$first" -v b="$hello_main" 'BEGIN { exit !(a <= 3 * b) }'; then
    verdict=PASS
  fi
done
echo
echo "first response = launch -> Handle's response; bare start = launch -> hello world's Main;"
echo "warm invoke = a second request in the same process (what is left once nothing loads or compiles:"
echo "for a real upload, mostly the emulators' answers)."
r2r_first=$(field "$results/r2r.txt" first_response_ms | median)
r2r_warm=$(field "$results/r2r.txt" warm_invoke_ms | median)
echo "Cold overhead (ReadyToRun first response - warm invoke): $(awk -v a="$r2r_first" -v b="$r2r_warm" 'BEGIN { printf "%.1f", a - b }') ms; bare start + warm invoke = $(ratio "$(awk -v a="$hello_main" -v b="$r2r_warm" 'BEGIN { print a + b }')" "$hello_main")x the bare start (the floor of the ratio with these remote calls)."
echo "Wall->exit ratio (ReadyToRun vs bare): $(ratio "$(field "$results/r2r.txt" wall_ms | median)" "$hello_wall")x"
echo "ReadyToRun speed-up of the first response: $(ratio "$(field "$results/jit.txt" first_response_ms | median)" "$(field "$results/r2r.txt" first_response_ms | median)")x"
echo "Goal: ReadyToRun first response <= 3x bare start: $verdict"
echo "Raw lines: $results/"
