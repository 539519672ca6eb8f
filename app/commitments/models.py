"""Pledges of alliance members and the purchases that count towards them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Cents, TimestampMixin, str_enum


class Commitment(TimestampMixin, Base):
    """An organisation's current pledge; every revision is kept in commitment_revisions."""

    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
    period_start: Mapped[date]
    period_end: Mapped[date]

    organisation = relationship("Organisation", backref="commitment", uselist=False)
    revisions: Mapped[list[CommitmentRevision]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="CommitmentRevision.revised_at"
    )


class CommitmentRevision(Base):
    __tablename__ = "commitment_revisions"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
    period_start: Mapped[date]
    period_end: Mapped[date]
    revised_at: Mapped[datetime]
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    commitment: Mapped[Commitment] = relationship(back_populates="revisions")


class PurchaseSource(enum.StrEnum):
    AWARD = "award"  # awarded on Tremplin
    DECLARED = "declared"  # made elsewhere, declared by the member


class PurchaseStatus(enum.StrEnum):
    DECLARED = "declared"  # awaiting the operator's verification
    VERIFIED = "verified"
    REJECTED = "rejected"


class Purchase(TimestampMixin, Base):
    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("(source = 'award') = (award_id IS NOT NULL)", name="award_source_has_award"),
        CheckConstraint("status <> 'rejected' OR (rejection_reason IS NOT NULL AND rejection_reason <> '')",
                        name="rejection_has_reason"),
        CheckConstraint("status <> 'verified' OR verified_at IS NOT NULL", name="verified_has_date"),
        CheckConstraint("supplier_id IS NOT NULL OR supplier_name IS NOT NULL", name="supplier_named"),
        CheckConstraint("supplier_country IS NULL OR length(supplier_country) = 2", name="supplier_country_code"),
        CheckConstraint("supplier_class IN ('startup', 'sme', 'mid', 'large', 'unknown')", name="supplier_class_known"),
        CheckConstraint("supplier_geo IN ('fr', 'eu', 'non_eu')", name="supplier_geo_known"),
        CheckConstraint("route IS NULL OR route IN ('public', 'private')", name="route_known"),
        Index("ix_purchases_status_purchased_on", "status", "purchased_on"),
        Index("ix_purchases_buyer_status_purchased_on", "buyer_id", "status", "purchased_on"),
        # Small Business Act indicators by buyer (app.commitments.stats_breakdowns): verified
        # purchases in buyer and supplier order, read from the index alone (migration 0005).
        Index("ix_purchases_verified_buyer_supplier_key", "buyer_id", "supplier_key", "purchased_on",
              postgresql_include=["amount_cents", "supplier_class", "supplier_geo"],
              postgresql_where=text("status = 'verified'"), sqlite_where=text("status = 'verified'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    source: Mapped[PurchaseSource] = mapped_column(str_enum(PurchaseSource, "purchase_source"))
    status: Mapped[PurchaseStatus] = mapped_column(str_enum(PurchaseStatus, "purchase_status"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), unique=True)
    # The supplier, on Tremplin or not (then named, identified and located here)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_siren: Mapped[str | None] = mapped_column(String(9))
    supplier_country: Mapped[str | None] = mapped_column(String(2))
    amount_cents: Mapped[int] = mapped_column(Cents)
    purchased_on: Mapped[date]
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str | None] = mapped_column(Text)
    evidence_key: Mapped[str | None] = mapped_column(String(255))
    evidence_filename: Mapped[str | None] = mapped_column(String(255))
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Snapshot of the supplier and the deal when recorded (app.commitments.eligibility.stamp),
    # so that dashboards sum in SQL and history is not rewritten when a supplier grows.
    supplier_class: Mapped[str] = mapped_column(String(10), default="unknown", server_default="unknown")
    supplier_geo: Mapped[str] = mapped_column(String(6), default="non_eu", server_default="non_eu")
    supplier_innovative: Mapped[bool] = mapped_column(default=False, server_default=false())
    supplier_key: Mapped[str | None] = mapped_column(String(60), index=True)
    region: Mapped[str | None] = mapped_column(String(3))
    route: Mapped[str | None] = mapped_column(String(7))
    secnumcloud: Mapped[bool | None]  # hosted on SecNumCloud-qualified hosting (None: not known)
    # Whether this deal's amount may appear outside the buyer's organisation
    disclose_amount: Mapped[bool] = mapped_column(default=False, server_default=false())

    buyer = relationship("Organisation", foreign_keys=[buyer_id])
    supplier = relationship("Organisation", foreign_keys=[supplier_id])
    award = relationship("Award", backref="purchase", uselist=False)
