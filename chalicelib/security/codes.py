"""One-time secrets: HMAC'd at rest, compared in constant time, generated from ``secrets``."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from chalicelib.secrets import app_secret

CAPTCHA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
TEMP_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def digest(purpose: str, value: str) -> str:
    key = app_secret("code_key").encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def matches(purpose: str, value: str, stored: str | None) -> bool:
    return stored is not None and hmac.compare_digest(digest(purpose, value), stored)


def sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def captcha_text(length: int = 5) -> str:
    return "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(length))


def temporary_password() -> str:
    """An issued password that meets the policy: upper, lower, digit and symbol, 12 chars."""
    while True:
        core = "".join(secrets.choice(TEMP_PASSWORD_ALPHABET) for _ in range(10))
        candidate = core + "@" + str(secrets.randbelow(10))
        if any(c.isupper() for c in candidate) and any(c.islower() for c in candidate):
            return candidate
