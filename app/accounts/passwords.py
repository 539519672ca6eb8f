"""Password hashing with argon2id.

The cost parameters are the library's defaults (RFC 9106 low-memory profile); the test
configuration lowers them through ``PASSWORD_HASH_PARAMS`` so that the suite stays fast.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12

_hasher = PasswordHasher()


def configure(params: dict | None) -> None:
    """Use other argon2 cost parameters (time_cost, memory_cost, parallelism)."""
    global _hasher
    _hasher = PasswordHasher(**params) if params else PasswordHasher()
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-tremplin")


def verify_unknown(password: str) -> None:
    """Spend the time of a real check when the account does not exist (no timing oracle)."""
    verify_password(_dummy_hash(), password)
