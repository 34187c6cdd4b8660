"""Drives the sandbox's HealthImaging and Step Functions emulators with boto3 through every
operation the pipeline uses, and prints what boto3 parsed as JSON. A response boto3 cannot
parse, or an error it maps to another class, surfaces here. Configuration comes from the
sandbox's client environment (endpoints, dummy credentials, DATASTORE_ID, STATE_MACHINE_ARN):
  python3 boto3_drive_emulators.py INPUT_PREFIX_URI OUTPUT_PREFIX_URI ROLE_ARN EXECUTION_NAME"""
import datetime
import json
import os
import sys
import time

import boto3
import botocore

input_uri, output_uri, role_arn, execution_name = sys.argv[1:5]
mi = boto3.client("medical-imaging", endpoint_url=os.environ["HEALTHIMAGING_ENDPOINT"])
sfn = boto3.client("stepfunctions", endpoint_url=os.environ["STEPFUNCTIONS_ENDPOINT"])
datastore = os.environ["DATASTORE_ID"]
result = {}


def error_of(call):
    try:
        call()
        return None
    except botocore.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}


started = mi.start_dicom_import_job(
    jobName="boto3-fidelity", dataAccessRoleArn=role_arn, clientToken=execution_name,
    datastoreId=datastore, inputS3Uri=input_uri, outputS3Uri=output_uri)
result["start"] = {"jobId": started["jobId"], "jobStatus": started["jobStatus"],
                   "submittedAtIsDatetime": isinstance(started["submittedAt"], datetime.datetime)}
for _ in range(120):
    job = mi.get_dicom_import_job(datastoreId=datastore, jobId=started["jobId"])["jobProperties"]
    if job["jobStatus"] in ("COMPLETED", "FAILED"):
        break
    time.sleep(0.5)
result["get"] = {"jobStatus": job["jobStatus"], "outputS3Uri": job.get("outputS3Uri"),
                 "endedAtIsDatetime": isinstance(job.get("endedAt"), datetime.datetime)}
listed = mi.list_dicom_import_jobs(datastoreId=datastore)["jobSummaries"]
result["listed"] = any(j["jobId"] == started["jobId"] for j in listed)
result["getUnknownJob"] = error_of(lambda: mi.get_dicom_import_job(datastoreId=datastore, jobId="0" * 32))
result["startInvalid"] = error_of(lambda: mi.start_dicom_import_job(
    dataAccessRoleArn=role_arn, clientToken="bad token!", datastoreId=datastore, inputS3Uri=input_uri, outputS3Uri=output_uri))

machine = os.environ["STATE_MACHINE_ARN"]
study = {"study_id": "STUDY-000000b0703f", "attempt": 0}
execution = sfn.start_execution(stateMachineArn=machine, name=execution_name, input=json.dumps(study))
result["startExecution"] = {"executionArn": execution["executionArn"],
                            "startDateIsDatetime": isinstance(execution["startDate"], datetime.datetime)}
described = sfn.describe_execution(executionArn=execution["executionArn"])
result["describe"] = {"name": described["name"], "status": described["status"], "input": described["input"],
                      "startDateIsDatetime": isinstance(described["startDate"], datetime.datetime)}
result["alreadyExists"] = error_of(lambda: sfn.start_execution(
    stateMachineArn=machine, name=execution_name, input=json.dumps({"other": True})))
result["describeUnknown"] = error_of(lambda: sfn.describe_execution(executionArn=execution["executionArn"] + "-missing"))
# Leave nothing running in a shared sandbox: the study does not exist.
stopped = error_of(lambda: sfn.stop_execution(executionArn=execution["executionArn"], error="Boto3Fidelity"))
result["afterStop"] = {"stopError": stopped, "status": sfn.describe_execution(executionArn=execution["executionArn"])["status"]}
result["sendTaskSuccessBadToken"] = error_of(lambda: sfn.send_task_success(taskToken="not-a-token", output="{}"))
print(json.dumps(result))
