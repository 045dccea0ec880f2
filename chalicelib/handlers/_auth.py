"""The one built-in authorizer every protected route uses (defined once:
chalice #1759). It checks the JWT's signature, algorithm, issuer, audience
and expiry at the gateway; the endpoint wrapper then loads the caller's
current state for every request. Result caching is off (``ttl_seconds=0``)
so a revoked session is refused at once."""
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
        claims = tokens.verify(token, clock.now())
    except Unauthenticated:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=claims.account_id,
                        context={"scope": claims.scope, "org": claims.org_id or ""})
