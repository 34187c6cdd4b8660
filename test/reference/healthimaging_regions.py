"""Prints, one a line, the regions of the commercial partition ("aws" in botocore's endpoint
data) whose cfn-lint resource schemas define AWS::HealthImaging::Datastore. Written for the
tests: a reference no one here wrote, compared with the app's own list."""
import importlib
import json
import pathlib

import botocore
import cfnlint

endpoints = json.loads((pathlib.Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
commercial = next(p for p in endpoints["partitions"] if p["partition"] == "aws")
for region in sorted(commercial["regions"]):
    module = importlib.import_module("cfnlint.data.schemas.providers." + region.replace("-", "_"))
    if "AWS::HealthImaging::Datastore" in module.types:
        print(region)
