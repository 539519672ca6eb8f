"""Signed tokens carried by email links: unsubscribe and mute a need, without signing in.

A token names the user it was written for and what it allows; it is signed with the
app's ``SECRET_KEY`` under a salt of its own, so an unsubscribe token can never be read
as a mute token and a tampered or truncated token reads as ``None``. The tokens do not
expire: an unsubscribe link must keep working as long as the emails it came with.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from app.alerts.kinds import KINDS

UNSUBSCRIBE_SALT = "tremplin.alerts.unsubscribe"
MUTE_SALT = "tremplin.alerts.mute-need"
ALL_EMAILS = "*"  # an unsubscribe token for every kind of email


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def unsubscribe_token(user_id: int, kind: str = ALL_EMAILS) -> str:
    """A token turning off the emails of one kind (or of every kind) for a user."""
    if kind != ALL_EMAILS and kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return _serializer(UNSUBSCRIBE_SALT).dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind or ALL_EMAILS), or None when the token is not one of ours."""
    try:
        data = _serializer(UNSUBSCRIBE_SALT).loads(token)
    except BadData:
        return None
    if not (isinstance(data, list) and len(data) == 2):
        return None
    user_id, kind = data
    if not _is_id(user_id) or not isinstance(kind, str) or (kind != ALL_EMAILS and kind not in KINDS):
        return None
    return user_id, kind


def mute_token(user_id: int, need_id: int) -> str:
    """A token muting one need for a user (the « mute this need » link of digests)."""
    return _serializer(MUTE_SALT).dumps([user_id, need_id])


def read_mute_token(token: str) -> tuple[int, int] | None:
    """(user id, need id), or None when the token is not one of ours."""
    try:
        data = _serializer(MUTE_SALT).loads(token)
    except BadData:
        return None
    if not (isinstance(data, list) and len(data) == 2) or not all(_is_id(v) for v in data):
        return None
    return data[0], data[1]
