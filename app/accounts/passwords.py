"""Password hashing with argon2id.

The cost parameters are the library's defaults (RFC 9106 low-memory profile); the test
configuration lowers them through ``PASSWORD_HASH_PARAMS`` so that the suite stays fast.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12

# Passwords (and their obvious variations) that come first in every guessing list. Compared
# after folding case and accents and removing everything but letters and digits.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "azertyuiop", "azertyuiop123",
    "azertyuiopqs", "qwertyuiop", "qwertyuiop123", "qwertyuiopas", "motdepasse", "motdepasse123",
    "motdepasse1234", "password", "password123", "password1234", "passwordpassword",
    "iloveyou", "iloveyou1234", "jetaime", "jetaime123456", "soleil", "soleil123456",
    "bonjour", "bonjour123456", "welcome", "welcome12345", "welcome123456", "letmein", "letmein12345",
    "administrator", "administrateur", "admin", "admin12345678", "changeme", "changeme1234",
    "tremplin", "tremplin2026", "tremplin12345", "frenchtech", "frenchtech2026",
    "football", "football1234", "dragon", "monkey", "sunshine", "princess", "abc123",
    "abcdefghijkl", "aaaaaaaaaaaa", "000000000000", "111111111111", "qwerty", "azerty",
    "p4ssw0rd", "p4ssw0rd1234", "passw0rd", "passw0rd1234", "m0tdepasse", "m0td3pass3",
})

# Each rule's code, in the order they are checked (forms turn codes into messages).
PASSWORD_TOO_SHORT = "password_too_short"
PASSWORD_TOO_SIMPLE = "password_too_simple"
PASSWORD_TOO_COMMON = "password_too_common"
PASSWORD_PERSONAL = "password_personal"


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def _is_common(folded: str) -> bool:
    if folded in COMMON_PASSWORDS:
        return True
    # A common word padded with digits (« Motdepasse2026! ») is as weak as the word itself.
    core = re.sub(r"[0-9]+$", "", re.sub(r"^[0-9]+", "", folded))
    return core in COMMON_PASSWORDS or len(set(folded)) <= 2


def password_problem(password: str, *, email: str | None = None, full_name: str | None = None) -> str | None:
    """The code of the first rule this password breaks, or None when it is acceptable.

    The one place password rules live: registration, reset and any password change call it.
    At least MIN_LENGTH characters mixing three kinds (lower case, upper case, digits,
    symbols); not a common password; not built on the account's email or name.
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        return PASSWORD_TOO_SHORT
    kinds = sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])
    if kinds < 3:
        return PASSWORD_TOO_SIMPLE
    folded = _fold(password)
    if _is_common(folded):
        return PASSWORD_TOO_COMMON
    personal = set()
    if email:
        local, _, domain = email.partition("@")
        personal.update({_fold(email), _fold(local), _fold(domain.split(".")[0])})
    if full_name:
        personal.add(_fold(full_name))
        personal.update(_fold(part) for part in full_name.split())
    # The password may not be, or contain, the email, its local part, its domain's name or
    # the person's name (parts of fewer than four letters are too short to matter).
    if any(len(item) >= 4 and item in folded for item in personal):
        return PASSWORD_PERSONAL
    return None

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
