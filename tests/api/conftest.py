from __future__ import annotations

import json

import pytest

from tests.support import provisioned_aws


@pytest.fixture
def aws():
    with provisioned_aws() as env:
        yield env


@pytest.fixture
def seeded(aws):
    from ops.seed import seed_all

    return seed_all()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    import app

    with Client(app.app) as c:
        yield c


class Api:
    """Thin JSON helpers over the Chalice test client."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **headers):
        return self.client.http.get(path, headers=headers)

    def post(self, path, body=None, *, raw=None, **headers):
        payload = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.http.post(path, body=payload, headers={"Content-Type": "application/json", **headers})


@pytest.fixture
def api(client):
    return Api(client)


def body(response):
    return json.loads(response.body)
