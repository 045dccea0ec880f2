"""The state machines really execute on moto (decorator mode, execution on)."""
from __future__ import annotations

import json

import boto3
import pytest

from tests.support import provisioned_aws, wait_until


@pytest.fixture
def aws():
    with provisioned_aws() as env:
        yield env


def test_health_machine_runs_to_completion(aws):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.start_execution(stateMachineArn=aws["MP_SFN_ARN_HEALTH"], name="probe-1",
                              input=json.dumps({"probe": "abc"}))["executionArn"]
    done = wait_until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                      what="the health execution to finish")
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"probe": "abc", "ok": True}


def test_every_definition_is_valid_asl_with_no_unresolved_placeholder(aws):
    from chalicelib import resources
    from ops.provision import render_asl

    urls = {q.logical: aws[q.env_var] for q in resources.QUEUES}
    for sm in resources.STATE_MACHINES:
        text = render_asl(sm, "medprocure-test", urls)
        assert "${" not in text, f"{sm.asl_file} has an unresolved placeholder"
        definition = json.loads(text)
        assert definition["StartAt"] in definition["States"], sm.asl_file
