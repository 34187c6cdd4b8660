#!/usr/bin/env bash
# The first study through a deployed stack, end to end, with a verdict per step:
#   scripts/smoke.sh [--stack NAME] [--region REGION] [--timeout SECONDS]
#       after `cdk deploy`: reads the stack's outputs, uploads a generated brain CT, POSTs it
#       with SigV4, follows the study to READY_FOR_ANALYSIS, checks the execution and that the
#       Phase 2 event was put on EventBridge.
#   scripts/smoke.sh --sandbox .sandbox/env
#       the same steps against a running ./sandbox.sh (its env file names the endpoints).
# Needs: an AWS CLI (any version), curl >= 7.75 (--aws-sigv4), python3 with pydicom
# (Debian: python3-pydicom). Exit status 0 only when every step passed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/aws-cli.sh
. scripts/aws-cli.sh

stack=stroke-detection-phase1
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
sandbox_env=""
timeout_seconds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --sandbox) sandbox_env="$2"; shift 2 ;;
    --timeout) timeout_seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "smoke: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
pass() { printf '  PASS  %s\n' "$1"; }
fail() { printf '  FAIL  %s\n        likely fix: %s\n' "$1" "$2"; failed=1; }
finish() {
  if [ "$failed" -eq 0 ]; then echo "smoke: every step passed"; else echo "smoke: FAILED (see the likely fixes above)"; fi
  exit "$failed"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}) or '')" "$1"; }

echo "smoke: 1/7 tools"
aws=$(find_aws) || { fail "AWS CLI" "install AWS CLI v2 (or apt-get install awscli on Debian)"; finish; }
pydicom_python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import pydicom' 2>/dev/null; then pydicom_python=$candidate; break; fi
done
[ -n "$pydicom_python" ] || { fail "python3 with pydicom" "apt-get install python3-pydicom"; finish; }
pass "aws: $aws; pydicom: $pydicom_python"

echo "smoke: 2/7 stack outputs"
if [ -n "$sandbox_env" ]; then
  # shellcheck disable=SC1090
  . "$sandbox_env"
  region=$AWS_REGION
  api_url="$API_URL/upload"
  bucket=$BUCKET table=$TABLE
  events_log="$(dirname "$sandbox_env")/logs/events.jsonl"
  endpoint() { printf -- '--endpoint-url\n%s\n' "$1"; }
  timeout_seconds=${timeout_seconds:-180}
  pass "sandbox at $API_URL"
else
  [ -n "$region" ] || { fail "region" "set AWS_REGION or pass --region"; finish; }
  export AWS_REGION="$region"
  if ! "$aws" cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output json >"$work/outputs.json" 2>"$work/err"; then
    fail "describe-stacks $stack: $(head -c 300 "$work/err")" "deploy first (npx cdk deploy), pass --stack/--region, and allow cloudformation:DescribeStacks"
    finish
  fi
  output() { json "next(o['OutputValue'] for o in d if o['OutputKey']=='$1')" <"$work/outputs.json"; }
  api_url=$(output ApiUrl) bucket=$(output UploadBucketName) table=$(output StudyTableName)
  timeout_seconds=${timeout_seconds:-900}
  if [ -z "${AWS_ACCESS_KEY_ID:-}" ]; then
    # Profiles, SSO and roles: curl signs with plain keys, so ask the CLI for them.
    eval "$("$aws" configure export-credentials --format env 2>/dev/null)" || true
  fi
  pass "stack $stack in $region: $api_url"
fi
mapfile -t s3_endpoint < <([ -n "$sandbox_env" ] && endpoint "$S3_ENDPOINT")
mapfile -t ddb_endpoint < <([ -n "$sandbox_env" ] && endpoint "$DYNAMODB_ENDPOINT")
mapfile -t sfn_endpoint < <([ -n "$sandbox_env" ] && endpoint "$STEPFUNCTIONS_ENDPOINT")

echo "smoke: 3/7 a generated brain CT"
run_id=$(date -u +%Y%m%d%H%M%S)-$RANDOM
patient="SMOKE-$run_id"
key="uploads/smoke/$run_id/brain-ct.dcm"
if "$pydicom_python" - "$work/brain-ct.dcm" "$patient" <<'PY' 2>"$work/err"
import sys, pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
ds.PatientID, ds.PatientName = sys.argv[2], "SMOKE^TEST"
ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.Modality, ds.BodyPartExamined, ds.StudyDescription = "CT", "HEAD", "Brain CT - smoke test"
ds.save_as(sys.argv[1])
PY
then pass "CT slice with fresh UIDs, patient $patient (synthetic, no PHI)"
else fail "generating the CT: $(tail -n 1 "$work/err")" "apt-get install python3-pydicom"; finish
fi

echo "smoke: 4/7 upload to s3://$bucket/$key"
if "$aws" "${s3_endpoint[@]}" s3 cp "$work/brain-ct.dcm" "s3://$bucket/$key" >/dev/null 2>"$work/err"; then
  pass "uploaded"
else
  case "$(cat "$work/err")" in
    *NoSuchBucket*) hint="no such bucket: check --stack/--region (the UploadBucketName output)" ;;
    *) hint="the caller needs s3:PutObject on arn:aws:s3:::$bucket/uploads/* (and network access to S3)" ;;
  esac
  fail "s3 cp: $(head -c 300 "$work/err")" "$hint"
  finish
fi

echo "smoke: 5/7 POST $api_url (SigV4)"
body=$(printf '{"patient_id":"%s","study_description":"Brain CT - smoke test","file_key":"%s"}' "$patient" "$key")
status=$(curl -sS -o "$work/post.json" -w '%{http_code}' -X POST "$api_url" \
  --aws-sigv4 "aws:amz:$region:execute-api" --user "${AWS_ACCESS_KEY_ID:-}:${AWS_SECRET_ACCESS_KEY:-}" \
  ${AWS_SESSION_TOKEN:+-H "x-amz-security-token: $AWS_SESSION_TOKEN"} \
  -H 'Content-Type: application/json' -H "Idempotency-Key: smoke-$run_id" -d "$body" 2>"$work/err") || status=000
case "$status" in
  202|200)
    study=$(json "d.get('study_id')" <"$work/post.json")
    execution=$(json "d.get('execution_arn')" <"$work/post.json")
    pass "HTTP $status, $study" ;;
  403) fail "HTTP 403 $(head -c 300 "$work/post.json")" "grant the caller execute-api:Invoke on the UploadRouteArn output; check the credentials and region"; finish ;;
  502) fail "HTTP 502 $(head -c 300 "$work/post.json")" "a dependency refused the upload handler (look for error_code in /aws/lambda/<project>-upload-handler): missing permission, or HealthImaging not enabled in the region"; finish ;;
  503) fail "HTTP 503 $(head -c 300 "$work/post.json")" "throttled or quota: check Lambda concurrency (account quota >= reservations + 100) and HealthImaging's import quotas in Service Quotas"; finish ;;
  *) fail "HTTP $status $(head -c 300 "$work/post.json") $(head -c 200 "$work/err")" "see README 'Responses' for the error code; 000 means no connection to the API"; finish ;;
esac

echo "smoke: 6/7 study $study → READY_FOR_ANALYSIS (up to ${timeout_seconds}s)"
deadline=$((SECONDS + timeout_seconds))
study_status=""
while [ $SECONDS -lt $deadline ]; do
  if "$aws" "${ddb_endpoint[@]}" dynamodb get-item --table-name "$table" --consistent-read \
       --key "{\"study_id\":{\"S\":\"$study\"}}" --output json >"$work/item.json" 2>"$work/err"; then
    study_status=$(json "d.get('Item',{}).get('status',{}).get('S')" <"$work/item.json")
    case "$study_status" in READY_FOR_ANALYSIS|IMPORT_FAILED|IMPORT_TIMED_OUT|UPLOAD_FAILED|FAILED) break ;; esac
  else
    study_status="unreadable: $(head -c 200 "$work/err")"
  fi
  sleep 5
done
reason=$(json "d.get('Item',{}).get('failure_reason',{}).get('S')" <"$work/item.json" 2>/dev/null || true)
case "$study_status" in
  READY_FOR_ANALYSIS) pass "READY_FOR_ANALYSIS, image set $(json "d['Item'].get('image_set_id',{}).get('S')" <"$work/item.json")" ;;
  IMPORT_FAILED) fail "IMPORT_FAILED ($reason)" "monitor_error: the import monitor lacks a permission (its log names the error_code); otherwise read the job's FAILURE/failure.ndjson under import-output/$study/" ;;
  IMPORT_TIMED_OUT) fail "IMPORT_TIMED_OUT" "no import event and the poll gave up: check HealthImaging's job (aws medical-imaging list-dicom-import-jobs) and the <project>-import-job-ended rule" ;;
  *) fail "still '$study_status' after ${timeout_seconds}s" "no import-end event and no poll result: check the <project>-import-job-ended rule, the import-events-missing alarm and the execution's history; raise --timeout for large studies" ;;
esac

echo "smoke: 7/7 execution and the Phase 2 event"
if [ -z "$execution" ]; then
  fail "no execution_arn in the POST answer" "the upload handler could not start the workflow: states:StartExecution"
  finish
fi
if "$aws" "${sfn_endpoint[@]}" stepfunctions describe-execution --execution-arn "$execution" --output json >"$work/execution.json" 2>"$work/err"; then
  execution_status=$(json "d.get('status')" <"$work/execution.json")
  if [ "$execution_status" = SUCCEEDED ]; then pass "execution SUCCEEDED"
  else fail "execution $execution_status $(json "d.get('error')" <"$work/execution.json")" "open the execution in the Step Functions console: a failed Task names the missing permission or the quota"
  fi
else
  fail "describe-execution: $(head -c 300 "$work/err")" "allow states:DescribeExecution on the execution"
fi
if [ -n "$sandbox_env" ]; then
  # The sandbox logs every PutEvents entry it accepts.
  if grep -F "$study" "$events_log" 2>/dev/null | grep -q 'Study Ready For Analysis'; then pass "Phase 2 event 'Study Ready For Analysis' put"
  else fail "no 'Study Ready For Analysis' event for $study in $events_log" "the state machine's PublishStudyReady step did not run: see the execution"
  fi
else
  # Not intrusive: no temporary rule or queue. The execution's history shows whether
  # PublishStudyReady's PutEvents task succeeded (EventBridge accepted the event on the
  # default bus); whether a Phase 2 consumer's rule matched it is that consumer's check.
  if "$aws" stepfunctions get-execution-history --execution-arn "$execution" --output json >"$work/history.json" 2>"$work/err"; then
    published=$(json "any(e.get('stateExitedEventDetails',{}).get('name')=='PublishStudyReady' for e in d['events'])" <"$work/history.json")
    if [ "$published" = True ]; then pass "PublishStudyReady (events:PutEvents) succeeded"
    else fail "PublishStudyReady did not complete" "the state machine's role needs events:PutEvents on the default bus; see the execution history"
    fi
  else
    fail "get-execution-history: $(head -c 300 "$work/err")" "allow states:GetExecutionHistory on the execution"
  fi
fi
finish
