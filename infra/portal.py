"""The browser portal on AWS: a private S3 bucket served by CloudFront through origin access control,
the API under ``/api/*`` on the same distribution (one origin for the browser, so no CORS), and
security headers (CSP, HSTS, frame-ancestors 'none', nosniff, referrer policy) on every response.

API Gateway's stage is named ``api`` (``.chalice/config.json``), so ``/api/<route>`` on the
distribution is ``/api/<route>`` on the API: no rewriting. Portal paths without a file extension
are rewritten to ``/index.html`` by a CloudFront Function on the portal behaviour only, so client
routes (``/app/records``) load the app while the API's own 404s stay JSON.

The build (``portal/dist``) is uploaded after deploy: ``aws s3 sync portal/dist
s3://<PortalBucketName> --delete`` (docs/deploy.md).
"""
from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront, aws_cloudfront_origins as origins, aws_s3 as s3
from constructs import Construct

HSTS_MAX_AGE = cdk.Duration.days(730)
API_PATH = "/api/*"
# Client-side routes have no file extension: serve the app's index for them.
SPA_REWRITE = """function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}"""


def content_security_policy(files_bucket: s3.IBucket) -> str:
    """Scripts and styles from the portal only (Element Plus sets inline style attributes); API calls
    to the same origin; PDF uploads straight to the files bucket (presigned POST)."""
    upload_hosts = f"https://{files_bucket.bucket_regional_domain_name} https://{files_bucket.bucket_domain_name}"
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
        "font-src 'self' data:", f"connect-src 'self' {upload_hosts}", "object-src 'none'", "base-uri 'self'",
        "form-action 'self'", "frame-ancestors 'none'",
    ])


class Portal(Construct):
    """The portal's bucket and distribution, with the API behind the same distribution."""

    def __init__(self, scope: Construct, id_: str, *, api_url: str, files_bucket: s3.IBucket,
                 removal: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.bucket = s3.Bucket(
            self, "Bucket", block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True, removal_policy=removal)
        headers = cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders",
            comment="MedProcure portal and API: CSP, HSTS, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(files_bucket), override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True),
            ))
        rewrite = cloudfront.Function(self, "SpaRewrite", code=cloudfront.FunctionCode.from_inline(SPA_REWRITE),
                                      runtime=cloudfront.FunctionRuntime.JS_2_0,
                                      comment="client routes -> /index.html")
        api_host = cdk.Fn.select(2, cdk.Fn.split("/", api_url))  # https://<id>.execute-api.<region>.<suffix>/api/
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment="MedProcure portal (S3) and API (/api/*)",
            default_root_object="index.html",
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[cloudfront.FunctionAssociation(
                    function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            ),
            additional_behaviors={API_PATH: cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(api_host, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                # Nothing of the API is cached; with caching off, this policy forwards Authorization too.
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
            )},
        )


def add_portal(stack: cdk.Stack, api: Any, files_bucket: s3.IBucket, removal: cdk.RemovalPolicy) -> Portal:
    """The portal section of the stack, with its outputs."""
    api_url = api.sam_template.get_output("EndpointURL").value
    portal = Portal(stack, "Portal", api_url=api_url, files_bucket=files_bucket, removal=removal)
    cdk.CfnOutput(stack, "PortalUrl", value=f"https://{portal.distribution.distribution_domain_name}",
                  description="The portal; the API is under /api on the same origin")
    cdk.CfnOutput(stack, "PortalBucketName", value=portal.bucket.bucket_name,
                  description="Upload portal/dist here (aws s3 sync ... --delete)")
    cdk.CfnOutput(stack, "PortalDistributionId", value=portal.distribution.distribution_id)
    return portal
