"""Prints one operation of a botocore service model as JSON, for the conformance tests:
  python3 botocore_operation.py SERVICE OPERATION
{protocol, method, requestUri, target, contentType, uriMembers, bodyMembers, required,
 outputMembers: {name: [nested member names]}, errors: {name: httpStatusCode}}"""
import json
import sys

import botocore.session

service, operation = sys.argv[1], sys.argv[2]
model = botocore.session.get_session().get_service_model(service)
op = model.operation_model(operation)
meta = model.metadata
protocol = meta["protocol"]
members = op.input_shape.members if op.input_shape else {}
out = {
    "protocol": protocol,
    "method": op.http["method"],
    "requestUri": op.http["requestUri"],
    "target": f'{meta["targetPrefix"]}.{operation}' if protocol == "json" else None,
    "contentType": f'application/x-amz-json-{meta["jsonVersion"]}' if protocol == "json" else "application/json",
    "uriMembers": {n: s.serialization.get("name", n) for n, s in members.items() if s.serialization.get("location") == "uri"},
    "bodyMembers": [n for n, s in members.items() if "location" not in s.serialization],
    "required": list(op.input_shape.required_members) if op.input_shape else [],
    "outputMembers": {
        n: list(getattr(s, "members", {}).keys()) for n, s in (op.output_shape.members.items() if op.output_shape else [])
    },
    "errors": {e.name: e.metadata.get("error", {}).get("httpStatusCode", 400) for e in op.error_shapes},
}
print(json.dumps(out))
