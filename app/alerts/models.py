"""Saved searches, notifications, their emails and the preferences that shape them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, TimestampMixin, str_enum, utcnow


class Frequency(enum.StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class EmailMode(enum.StrEnum):
    """When a notification is emailed: at once, in a digest, or not at all."""

    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class SavedSearch(TimestampMixin, Base):
    __tablename__ = "saved_searches"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(300), default="")
    # The search page's parameters, cleaned: {"axis": [...], "region": [...], "flag": [...], ...}
    filters: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "alert_frequency"), default=Frequency.DAILY)
    paused_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]

    user = relationship("User")

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per (recipient, subject, reason), however often a job runs.
        UniqueConstraint("dedup_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest", "email_mode", "digested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    # The text is rendered at read time in the reader's language from kind + params
    params: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # How this notification is emailed, decided when it is created (preferences, saved search)
    email_mode: Mapped[EmailMode] = mapped_column(str_enum(EmailMode, "email_mode"), default=EmailMode.OFF)
    emailed_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]

    user = relationship("User")
    need = relationship("Need")


class NotificationPreference(Base):
    """A user's choice for one kind of notification (absent: the kind's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[EmailMode] = mapped_column(str_enum(EmailMode, "preference_email_mode"), default=EmailMode.INSTANT)
    in_app: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class MutedNeed(Base):
    """A need a user no longer wants to hear about (from a digest's « mute » link)."""

    __tablename__ = "muted_needs"
    __table_args__ = (UniqueConstraint("user_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # retries exhausted: in the dead-letter list until replayed


class OutgoingEmail(Base):
    """A message rendered in its recipient's language, kept until the mail server takes it.

    Emails are rows first, so an SMTP outage delays them and never loses them; the
    unique key makes a message from a given notification or digest exist only once.
    """

    __tablename__ = "outgoing_emails"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_outgoing_emails_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, "email_status"), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class PeriodicRun(Base):
    """When each periodic job last ran: the scheduler claims a run by updating this row."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
