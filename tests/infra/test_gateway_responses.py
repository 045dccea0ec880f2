"""API Gateway's own answers (authorizer refusals, unknown paths, throttling…)
carry our error body: Gateway Responses in the API definition of every stage."""
from __future__ import annotations

import json

import pytest

from infra.catalog import DEPLOY_STAGES
from tests.infra.conftest import Synth

REQUIRED = {"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "AUTHORIZER_FAILURE",
            "AUTHORIZER_CONFIGURATION_ERROR", "THROTTLED", "REQUEST_TOO_LARGE", "INTEGRATION_TIMEOUT",
            "DEFAULT_4XX", "DEFAULT_5XX"}


def _api_definition(template: dict) -> dict:
    apis = {lid: r for lid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Api"}
    assert len(apis) == 1, f"expected Chalice's one REST API, found {sorted(apis)}"
    definition = next(iter(apis.values()))["Properties"].get("DefinitionBody")
    assert isinstance(definition, dict), f"the API's DefinitionBody is not an inline document: {definition!r:.200}"
    return definition


@pytest.mark.parametrize("stage", DEPLOY_STAGES)
def test_gateway_responses_give_our_error_body(synth: Synth, stage: str) -> None:
    from chalicelib.api.gateway import BY_TYPE, KEEP_STATUS

    responses = _api_definition(synth.templates[stage]).get("x-amazon-apigateway-gateway-responses")
    assert responses, f"{stage}: no x-amazon-apigateway-gateway-responses in the API definition"
    missing = REQUIRED - set(responses)
    assert not missing, f"{stage}: gateway responses missing for {sorted(missing)}"
    for kind, response in responses.items():
        refusal = BY_TYPE[kind]
        body = json.loads(response["responseTemplates"]["application/json"])
        error = body.get("error", {})
        assert set(error) >= {"code", "message", "details", "request_id"}, f"{stage} {kind}: not our shape: {body}"
        assert error["code"] == refusal.code and error["request_id"] == "$context.requestId", f"{stage} {kind}: {error}"
        assert error["details"] == [], f"{stage} {kind}: {error}"
        assert response["responseParameters"].get("gatewayresponse.header.X-Request-Id") == "context.requestId", \
            f"{stage} {kind}: no X-Request-Id header"
        if kind in KEEP_STATUS:
            assert "statusCode" not in response, f"{stage} {kind}: must keep API Gateway's status"
        else:
            assert response["statusCode"] == str(refusal.status), f"{stage} {kind}: status {response.get('statusCode')}"
    assert responses["UNAUTHORIZED"]["statusCode"] == "401" and responses["ACCESS_DENIED"]["statusCode"] == "403"
