"""CloudFormation custom resource: give the app secret every key it needs.

CloudFormation can generate only one random key per secret
(``GenerateSecretString.GenerateStringKey``), and the app's secret holds
several (``chalicelib.resources.SECRET_KEYS``). The stack creates the secret
with one generated key; this handler, run on stack create and update, adds a
fresh random value for every key that is missing and never changes a key that
exists (rotation is an explicit operation: see docs/deploy.md). Nothing secret
is returned to CloudFormation or logged.

Deployed as inline Lambda code (the source of this file, standard library and
boto3 only), so it must stay under 4 KiB and self-contained.
"""
import json
import secrets
import urllib.request


def complete(current, keys):
    """The secret value with every key present, or None if nothing is missing."""
    try:
        value = json.loads(current) if current else {}
    except ValueError:
        value = {}
    if not isinstance(value, dict):
        value = {}
    missing = [k for k in keys if not value.get(k)]
    if not missing:
        return None
    value.update({k: secrets.token_urlsafe(48) for k in missing})
    return value


def _respond(event, status, reason):
    body = json.dumps({
        "Status": status, "Reason": reason, "NoEcho": True,
        "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    urllib.request.urlopen(request, timeout=30).read()


def handler(event, context):
    import boto3

    status, reason = "SUCCESS", "secret keys complete"
    try:
        if event["RequestType"] in ("Create", "Update"):
            props = event["ResourceProperties"]
            client = boto3.client("secretsmanager")
            current = client.get_secret_value(SecretId=props["SecretId"]).get("SecretString")
            value = complete(current, props["Keys"])
            if value is not None:
                client.put_secret_value(SecretId=props["SecretId"], SecretString=json.dumps(value))
    except Exception as error:  # report every failure to CloudFormation, or the stack hangs
        status, reason = "FAILED", f"{type(error).__name__}: {error}"[:400]
        print(reason)
    _respond(event, status, reason)
