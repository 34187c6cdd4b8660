"""Sends boto3 (one attempt per call, no retries) into the HealthImaging emulator's quotas and
prints, as JSON, the error class and HTTP status botocore parsed for each refusal:
  python3 boto3_healthimaging_quotas.py ENDPOINT DATASTORE_ID BUCKET ROLE_ARN
The emulator is expected to allow 2 StartDICOMImportJob calls (burst 2, no refill), 1 running
job and 2 GetDICOMImportJob calls."""
import json
import sys

import boto3
import botocore
from botocore.config import Config

endpoint, datastore, bucket, role_arn = sys.argv[1:5]
mi = boto3.client("medical-imaging", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                  config=Config(retries={"total_max_attempts": 1}))


def outcome(call):
    try:
        return {"ok": call()}
    except botocore.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                "message": error.response["Error"].get("Message")}


def start(token):
    return mi.start_dicom_import_job(
        jobName="boto3-quotas", dataAccessRoleArn=role_arn, clientToken=token, datastoreId=datastore,
        inputS3Uri=f"s3://{bucket}/imports/{token}/", outputS3Uri=f"s3://{bucket}/import-output/{token}/")["jobId"]


first = outcome(lambda: start("boto3-quota-1"))
result = {
    "first": first,
    "overQuota": outcome(lambda: start("boto3-quota-2")),
    "throttled": outcome(lambda: start("boto3-quota-3")),
}
job_id = first.get("ok")
for name in ("get1", "get2", "getThrottled"):
    result[name] = outcome(lambda: mi.get_dicom_import_job(datastoreId=datastore, jobId=job_id)["jobProperties"]["jobStatus"])
print(json.dumps(result))
