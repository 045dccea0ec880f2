"""Deployment of MedProcure to AWS with the CDK (see docs/deploy.md).

- ``policy.py``: the Lambda functions' least-privilege IAM policy, generated
  from the resource catalog into ``.chalice/policy-<stage>.json``;
- ``stack.py``: one CDK stack per stage (tables, bucket, queues, state
  machines, secret and the Chalice app);
- ``app.py``: the CDK app (``cdk deploy --app "python infra/app.py"``).
"""
