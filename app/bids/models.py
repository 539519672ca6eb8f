"""Bids on needs, their evaluation against the doctrine's grid, and awards."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, Cents, TimestampMixin, str_enum
from app.needs.doctrine import CRITERIA, MAX_SCORE, Approach


class BidStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    AWARDED = "awarded"


class Bid(TimestampMixin, Base):
    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("need_id", "supplier_id"),  # one bid per supplier per need
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_date"),
        CheckConstraint("hosting_country IS NULL OR length(hosting_country) = 2", name="hosting_country_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("solutions.id", ondelete="SET NULL"))
    status: Mapped[BidStatus] = mapped_column(str_enum(BidStatus, "bid_status"), default=BidStatus.DRAFT, index=True)
    price_cents: Mapped[int] = mapped_column(Cents)
    summary: Mapped[str] = mapped_column(String(500))
    proposal: Mapped[str] = mapped_column(Text)
    approach: Mapped[Approach] = mapped_column(str_enum(Approach, "bid_approach"), default=Approach.OFF_THE_SHELF)
    # Sovereignty facts of this offer
    hosting_country: Mapped[str | None] = mapped_column(String(2))
    hosting_provider: Mapped[str | None] = mapped_column(String(120))
    secnumcloud_hosting: Mapped[bool] = mapped_column(default=False)
    data_in_eu: Mapped[bool] = mapped_column(default=True)
    open_source: Mapped[bool] = mapped_column(default=False)
    # Certifications held that matter for this offer (CertificationKind values)
    certifications: Mapped[list[str]] = mapped_column(JSON_DATA, default=list, server_default="[]")
    timeline: Mapped[str | None] = mapped_column(Text)  # delivery plan and duration
    # The doctrine's three sovereignty questions, answered by the bidder
    extraterritorial_answer: Mapped[str | None] = mapped_column(Text)  # reach of foreign law (e.g. Cloud Act)
    reversibility_answer: Mapped[str | None] = mapped_column(Text)  # exit plan, open formats
    mastery_answer: Mapped[str | None] = mapped_column(Text)  # mastery of the technology
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    feedback: Mapped[str | None] = mapped_column(Text)  # told to the supplier on rejection
    version: Mapped[int] = mapped_column(default=1)

    need = relationship("Need", backref="bids")
    supplier = relationship("Organisation", foreign_keys=[supplier_id])
    evaluations: Mapped[list[Evaluation]] = relationship(back_populates="bid", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Evaluation(TimestampMixin, Base):
    """One evaluator's scores of one bid, 0..5 on each of the nine criteria."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("bid_id", "evaluator_id"),
        *(CheckConstraint(f"score_{c} BETWEEN 0 AND {MAX_SCORE}", name=f"score_{c}_range") for c in CRITERIA),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    score_sovereignty: Mapped[int]
    score_performance: Mapped[int]
    score_security: Mapped[int]
    score_maintenance: Mapped[int]
    score_availability: Mapped[int]
    score_reversibility: Mapped[int]
    score_interoperability: Mapped[int]
    score_durability: Mapped[int]
    score_cost: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    bid: Mapped[Bid] = relationship(back_populates="evaluations")

    __mapper_args__ = {"version_id_col": version}

    @property
    def scores(self) -> dict[str, int]:
        return {c: getattr(self, f"score_{c}") for c in CRITERIA}

    def weighted_total(self, weights: dict[str, int]) -> int:
        """Score out of 500 (weights in %, scores out of 5): integer arithmetic only."""
        return sum(self.scores[c] * weights[c] for c in CRITERIA)


class Award(TimestampMixin, Base):
    __tablename__ = "awards"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="RESTRICT"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="RESTRICT"), unique=True)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount_cents: Mapped[int] = mapped_column(Cents)
    awarded_at: Mapped[datetime]
    contract_start_on: Mapped[date | None]
    contract_end_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)

    need = relationship("Need", backref="awards")
    bid: Mapped[Bid] = relationship()
