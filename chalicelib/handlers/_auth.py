"""The one built-in authorizer every protected route uses (defined once:
chalice #1759). At the gateway it refuses what we did not sign: a missing
token is a 401, a token with a wrong signature, algorithm, issuer or audience
a 403. Expiry and revocation are decided by the endpoint wrapper, which reads
the caller's current state on every request and answers 401 with a precise
code (``token_expired``, ``session_revoked``) so the portal knows to log in
again. Result caching is off (``ttl_seconds=0``)."""
from __future__ import annotations

from chalice import AuthResponse, Blueprint

bp = Blueprint(__name__)


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.authorizer(ttl_seconds=0)
def token_authorizer(auth_request):
    from chalicelib import clock
    from chalicelib.domain.errors import Unauthenticated
    from chalicelib.security import tokens

    token = bearer(auth_request.token)
    if token is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    try:
        claims = tokens.verify(token, clock.now(), check_expiry=False)
    except Unauthenticated:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=claims.account_id,
                        context={"scope": claims.scope, "org": claims.org_id or ""})
