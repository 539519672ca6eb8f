"""Saved searches, notifications and per-user notification preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, TimestampMixin, str_enum


class Frequency(enum.StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class SavedSearch(TimestampMixin, Base):
    __tablename__ = "saved_searches"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(300), default="")
    # {"categories": [...], "region": [...], "route": [...], "core_band": true, ...}
    filters: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "alert_frequency"), default=Frequency.DAILY)
    paused_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]

    user = relationship("User")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per (recipient, subject, reason), however often a job runs.
        UniqueConstraint("dedup_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    # The text is rendered at read time in the reader's language from kind + params
    params: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
