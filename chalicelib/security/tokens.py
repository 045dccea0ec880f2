"""JWT access tokens: HS256 with the key from Secrets Manager, algorithm pinned."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.config import get_settings
from chalicelib.domain.errors import Unauthenticated
from chalicelib.secrets import app_secret

ALGORITHM = "HS256"
AUDIENCE = "medprocure-api"
LIFETIME = {"org": timedelta(minutes=30), "select_org": timedelta(minutes=5),
            "password_change": timedelta(minutes=5)}


@dataclass(frozen=True)
class Claims:
    account_id: str
    org_id: str | None
    scope: str
    token_version: int
    expires_at: datetime


def _issuer() -> str:
    return f"medprocure-{get_settings().stage}"


def issue(account_id: str, org_id: str | None, scope: str, token_version: int, now: datetime) -> tuple[str, datetime]:
    import jwt

    expires = now + LIFETIME[scope]
    payload = {"sub": account_id, "scp": scope, "tv": token_version, "iat": int(now.timestamp()),
               "exp": int(expires.timestamp()), "iss": _issuer(), "aud": AUDIENCE, "jti": uuid.uuid4().hex}
    if org_id:
        payload["org"] = org_id
    return jwt.encode(payload, app_secret("jwt_key"), algorithm=ALGORITHM), expires


def verify(token: str, now: datetime, *, check_expiry: bool = True) -> Claims:
    """Signature, algorithm, issuer, audience and (unless told not to) expiry."""
    import jwt

    try:
        payload = jwt.decode(token, app_secret("jwt_key"), algorithms=[ALGORITHM], audience=AUDIENCE,
                             issuer=_issuer(), options={"require": ["exp", "iat", "sub", "scp", "tv"],
                                                        "verify_exp": False})
    except jwt.PyJWTError:
        raise Unauthenticated("登录凭证无效", code="invalid_token") from None
    # Expiry against the injectable clock, so tests can move time.
    if check_expiry and payload["exp"] <= now.timestamp():
        raise Unauthenticated("登录已过期，请重新登录", code="token_expired")
    if payload["scp"] not in LIFETIME:
        raise Unauthenticated("登录凭证无效", code="invalid_token")
    return Claims(payload["sub"], payload.get("org"), payload["scp"], int(payload["tv"]),
                  datetime.fromtimestamp(payload["exp"], tz=timezone.utc))
