"""argon2id password hashing (argon2-cffi).

dev/prod: time_cost=3, memory_cost=64 MiB, parallelism=1 (OWASP's argon2id
baseline is m=19 MiB,t=2; we spend more since logins are rare). The ``test``
stage uses light parameters so the suite stays fast, and so does the local
stage when asked (``MP_PASSWORD_HASHING=light``, ``ops.local --password-hashing
light``: the suite's local stacks); hashes made with other parameters are
upgraded at the next successful login (``needs_rehash``).
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chalicelib.config import get_settings

PRODUCTION = {"time_cost": 3, "memory_cost": 65536, "parallelism": 1, "hash_len": 32, "salt_len": 16}
LIGHT = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1, "hash_len": 32, "salt_len": 16}


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # "light" names a set of parameters, not a password (bandit B105, justified)
    return PasswordHasher(**(LIGHT if get_settings().password_hashing == "light" else PRODUCTION))  # nosec B105


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Constant work whether or not an account exists: pass ``None`` for a missing one."""
    target = hashed or _dummy_hash()
    try:
        ok = _hasher().verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    return ok and hashed is not None


def needs_rehash(hashed: str) -> bool:
    return _hasher().check_needs_rehash(hashed)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("dummy-password-for-timing")
