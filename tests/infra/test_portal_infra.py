"""The portal on AWS (infra/portal.py): a private bucket read only by the distribution (origin access
control), the API under /api/* on the same distribution uncached with every method, client routes
rewritten to index.html on the portal behaviour only, and the security headers on both."""
from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalog import DEPLOY_STAGES
from tests.infra.conftest import Synth
from tests.infra.test_infra import resources_of

STAGES = pytest.mark.parametrize("stage", DEPLOY_STAGES)
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _only(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = {lid: r for lid, r in resources_of(template, type_).items() if lid.startswith("Portal")}
    assert len(found) == 1, f"expected one portal {type_}, found {sorted(found)}"
    return next(iter(found.items()))


def _distribution(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    lid, d = _only(template, "AWS::CloudFront::Distribution")
    return lid, d["Properties"]["DistributionConfig"]


@STAGES
def test_portal_bucket_is_private_and_read_only_by_the_distribution(synth: Synth, stage: str) -> None:
    t = synth.templates[stage]
    bucket_id, bucket = _only(t, "AWS::S3::Bucket")
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), block
    assert "WebsiteConfiguration" not in bucket["Properties"], "the portal bucket must not be a public website"
    _, policy = _only(t, "AWS::S3::BucketPolicy")
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1, f"only CloudFront may read the portal bucket: {allows}"
    (allow,) = allows
    dist_id, _ = _distribution(t)
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject", allow
    assert dist_id in json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"]), \
        f"the read must be limited to this distribution: {allow['Condition']}"


@STAGES
def test_distribution_serves_the_bucket_through_origin_access_control(synth: Synth, stage: str) -> None:
    t = synth.templates[stage]
    oac_id, oac = _only(t, "AWS::CloudFront::OriginAccessControl")
    cfg = oac["Properties"]["OriginAccessControlConfig"]
    assert (cfg["OriginAccessControlOriginType"], cfg["SigningBehavior"], cfg["SigningProtocol"]) == \
        ("s3", "always", "sigv4"), cfg
    _, d = _distribution(t)
    default = d["DefaultCacheBehavior"]
    s3_origin = next(o for o in d["Origins"] if o["Id"] == default["TargetOriginId"])
    assert oac_id in json.dumps(s3_origin["OriginAccessControlId"]), s3_origin
    assert s3_origin["S3OriginConfig"].get("OriginAccessIdentity", "") == "", "OAC, not a legacy OAI"
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert d["DefaultRootObject"] == "index.html"
    assert "CustomErrorResponses" not in d, "error pages would turn the API's JSON errors into index.html"
    (assoc,) = default["FunctionAssociations"]
    assert assoc["EventType"] == "viewer-request"
    _, fn = _only(t, "AWS::CloudFront::Function")
    assert "/index.html" in fn["Properties"]["FunctionCode"], fn["Properties"]["FunctionCode"]


@STAGES
def test_api_is_under_api_on_the_same_distribution_uncached(synth: Synth, stage: str) -> None:
    _, d = _distribution(synth.templates[stage])
    (api,) = [b for b in d["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = next(o for o in d["Origins"] if o["Id"] == api["TargetOriginId"])
    assert "execute-api" in json.dumps(origin["DomainName"]) and "RestAPI" in json.dumps(origin["DomainName"]), origin
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert "OriginPath" not in origin or origin["OriginPath"] == "", "API Gateway's stage is /api itself"
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == CACHING_DISABLED, "nothing of the API may be cached"
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, "headers (Authorization) reach the API"
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert "FunctionAssociations" not in api, "the SPA rewrite must not touch API paths"


@STAGES
def test_security_headers_on_portal_and_api(synth: Synth, stage: str) -> None:
    t = synth.templates[stage]
    policy_id, policy = _only(t, "AWS::CloudFront::ResponseHeadersPolicy")
    sec = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(sec["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp, f"{stage}: CSP lacks {directive}: {csp}"
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp, csp
    assert "FilesBucket" in csp, f"{stage}: uploads to the files bucket must be allowed by connect-src: {csp}"
    hsts = sec["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"], hsts
    assert sec["FrameOptions"]["FrameOption"] == "DENY"
    assert sec["ContentTypeOptions"]["Override"] is True
    _, d = _distribution(t)
    for behavior in [d["DefaultCacheBehavior"], *d["CacheBehaviors"]]:
        assert policy_id in json.dumps(behavior["ResponseHeadersPolicyId"]), behavior.get("PathPattern", "default")


@STAGES
def test_outputs_give_the_portal_url_and_bucket(synth: Synth, stage: str) -> None:
    outputs = synth.templates[stage]["Outputs"]
    assert {"PortalUrl", "PortalBucketName", "PortalDistributionId"} <= set(outputs), sorted(outputs)
    assert "DomainName" in json.dumps(outputs["PortalUrl"]["Value"]), outputs["PortalUrl"]
