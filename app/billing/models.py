"""An organisation's billing account, and the Stripe events already processed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, str_enum, utcnow


class SubscriptionStatus(enum.StrEnum):
    """Stripe's subscription statuses, and NONE before any subscription."""

    NONE = "none"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class BillingAccount(TimestampMixin, Base):
    """One per organisation that ever opened billing: its Stripe customer and subscription.

    ``state_at`` is the creation time of the Stripe event whose state is recorded here: an
    event created before it arrives late and changes nothing (events come out of order).
    """

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    plan: Mapped[str] = mapped_column(String(40))  # a code of BILLING_PLANS
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus, "subscription_status"), default=SubscriptionStatus.NONE)
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    payment_failed_at: Mapped[datetime | None]
    grace_until: Mapped[datetime | None]  # after a failed payment, the paid plan is kept until then
    downgraded_at: Mapped[datetime | None]  # the grace ran out: the free plan applies, the owners were told
    state_at: Mapped[datetime | None]  # the Stripe time of the state recorded here


class StripeEvent(Base):
    """A Stripe event received at the webhook: processed once, whatever Stripe resends."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # evt_…
    type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]  # when Stripe created it
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(40))  # applied, stale (older than the state), ignored
