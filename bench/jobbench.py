"""What the job benchmarks share: the in-process moto environment (set before anything imports boto3 or
the app) and a stand-in for the job context the queue consumer passes to a job function."""
from __future__ import annotations

import os
import sys

os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update({
    "MP_STAGE": "test", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "MP_LOG_LEVEL": "WARNING",
})
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Ctx:
    """A job context that only counts progress reports (``services.jobs.JobContext`` writes them)."""

    def __init__(self, params):
        self.params = params
        self.reports = 0

    def progress(self, done, total=None, *, force=False):
        self.reports += 1
