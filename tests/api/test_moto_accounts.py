"""The per-test moto account (``tests.support.provisioned_aws``) is a copy of the pristine one the
process provisioned: every resource is there, and nothing one test wrote reaches the next."""
from __future__ import annotations

from tests.support import provisioned_aws


def _state(env: dict[str, str]) -> dict[str, object]:
    """What an account holds: its resources and whatever was written into them."""
    import boto3

    from chalicelib import resources

    dynamodb, s3 = boto3.client("dynamodb", region_name="us-east-1"), boto3.client("s3", region_name="us-east-1")
    sqs, sfn = boto3.client("sqs", region_name="us-east-1"), boto3.client("stepfunctions", region_name="us-east-1")
    tables = sorted(dynamodb.list_tables()["TableNames"])
    queues = [env[q.env_var] for q in resources.QUEUES]
    return {
        "tables": tables,
        "items": {t: dynamodb.scan(TableName=t)["Count"] for t in tables},
        "objects": s3.list_objects_v2(Bucket=env[resources.BUCKET.env_var]).get("KeyCount", 0),
        "messages": {q: sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["ApproximateNumberOfMessages"])
                     ["Attributes"]["ApproximateNumberOfMessages"] for q in queues},
        "machines": sorted(m["name"] for m in sfn.list_state_machines()["stateMachines"]),
        "executions": sum(len(sfn.list_executions(stateMachineArn=m["stateMachineArn"])["executions"])
                          for m in sfn.list_state_machines()["stateMachines"]),
    }


def _write_everywhere(env: dict[str, str]) -> None:
    import boto3

    from chalicelib import resources

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for table in dynamodb.list_tables()["TableNames"]:
        keys = {k["AttributeName"]: {"S": "leftover"} for k in dynamodb.describe_table(TableName=table)["Table"]
                ["KeySchema"]}
        dynamodb.put_item(TableName=table, Item=keys)
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=env[resources.BUCKET.env_var], Key="leftover",
                                                           Body=b"x")
    sqs = boto3.client("sqs", region_name="us-east-1")
    for q in resources.QUEUES:
        sqs.send_message(QueueUrl=env[q.env_var], MessageBody="leftover")
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine, name="leftover", input="{}")


def test_each_account_starts_as_the_pristine_one_whatever_the_previous_test_wrote():
    """Three accounts in a row, each written everywhere: the process's first may be the one that
    provisions, so a later pair shows whether the copies share anything."""
    pristine = None
    for n in range(3):
        with provisioned_aws() as env:
            state = _state(env)
            if pristine is None:
                pristine = state
                assert state["tables"] and state["machines"], f"an account without its resources: {state}"
                assert not any(state["items"].values()) and state["objects"] == 0 and state["executions"] == 0, \
                    f"a new account holds data: {state}"
            assert state == pristine, f"account {n + 1} is not the pristine one:\n{state}\nexpected\n{pristine}"
            _write_everywhere(env)
            assert _state(env) != pristine, "the writes did not land, so the next check proves nothing"
