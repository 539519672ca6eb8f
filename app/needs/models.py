"""Needs posted by buyers, and everything that hangs on a need."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, Cents, TimestampMixin, str_enum, utcnow
from app.needs.doctrine import CRITERIA, DEFAULT_WEIGHTS, Approach

MAX_BUDGET_CENTS = 100_000_000 * 100  # budgets stay below €100M
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class Route(enum.StrEnum):
    PUBLIC = "public"  # the buyer is an administration: public procurement rules
    PRIVATE = "private"  # the buyer is a corporate group


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"  # verified supplier organisations only
    INVITATION = "invitation"  # invited suppliers only


class NeedStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    AWARDED = "awarded"
    CANCELLED = "cancelled"
    UNSUCCESSFUL = "unsuccessful"


class CategoryRow(Base):
    """The taxonomy of app.needs.taxonomy, kept in the database for integrity."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    label_fr: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120))


need_categories = Table(
    "need_categories",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("category_code", ForeignKey("categories.code"), primary_key=True),
)

_weight_columns = " + ".join(f"weight_{c}" for c in CRITERIA)


class Need(TimestampMixin, Base):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("budget_min_cents > 0", name="budget_positive"),
        CheckConstraint("open_data IN ('exclude', 'anonymise')", name="open_data_known"),
        CheckConstraint("budget_min_cents <= budget_max_cents", name="budget_min_le_max"),
        CheckConstraint(f"budget_max_cents < {MAX_BUDGET_CENTS}", name="budget_below_cap"),
        CheckConstraint(f"{_weight_columns} = 100", name="weights_sum_100"),
        *(CheckConstraint(f"weight_{c} BETWEEN 0 AND 100", name=f"weight_{c}_range") for c in CRITERIA),
        CheckConstraint("NOT sensitive_data OR requires_secnumcloud", name="sensitive_needs_secnumcloud"),
        CheckConstraint(
            "approach <> 'custom' OR (custom_justification IS NOT NULL AND custom_justification <> '')",
            name="custom_is_justified",
        ),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_date"),
        CheckConstraint(
            "NOT anonymised OR (anonymous_label IS NOT NULL AND anonymous_label <> '')",
            name="anonymised_has_label",
        ),
        CheckConstraint("visibility <> 'public' OR NOT anonymised", name="public_not_anonymised"),
        CheckConstraint("route <> 'public' OR sealed_bids", name="public_route_sealed"),
        Index("ix_needs_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    cpv_code: Mapped[str | None] = mapped_column(String(10))
    budget_min_cents: Mapped[int] = mapped_column(Cents)
    budget_max_cents: Mapped[int] = mapped_column(Cents)
    route: Mapped[Route] = mapped_column(str_enum(Route, "procurement_route"))
    region: Mapped[str | None] = mapped_column(String(3))
    deadline_at: Mapped[datetime]
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "need_visibility"), default=Visibility.PUBLIC)
    anonymised: Mapped[bool] = mapped_column(default=False)
    anonymous_label: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus, "need_status"), default=NeedStatus.DRAFT, index=True)
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)

    # Sovereignty requirements
    sensitive_data: Mapped[bool] = mapped_column(default=False)
    requires_secnumcloud: Mapped[bool] = mapped_column(default=False)
    eu_data_residency: Mapped[bool] = mapped_column(default=False)
    open_source_preferred: Mapped[bool] = mapped_column(default=False)
    # Small Business Act: only EU SMEs and startups may bid
    sme_set_aside: Mapped[bool] = mapped_column(default=False)
    # Sealed bids: the buyer sees only their number until the deadline (always on public route)
    sealed_bids: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Whether per-deal amounts may appear in public figures and exports
    disclose_amounts: Mapped[bool] = mapped_column(default=True)
    # Open data (OCDS) for a restricted or invitation-only need: left out, or published
    # with the buyer and the texts withheld (public needs are always published)
    open_data: Mapped[str] = mapped_column(String(9), default="exclude", server_default="exclude")

    # Doctrine checklist: reuse first, off-the-shelf second, custom last
    reuse_checked: Mapped[bool] = mapped_column(default=False)
    reuse_note: Mapped[str | None] = mapped_column(Text)
    off_the_shelf_sought: Mapped[bool] = mapped_column(default=False)
    off_the_shelf_note: Mapped[str | None] = mapped_column(Text)
    approach: Mapped[Approach] = mapped_column(str_enum(Approach, "need_approach"), default=Approach.OFF_THE_SHELF)
    custom_justification: Mapped[str | None] = mapped_column(Text)

    # Evaluation grid: whole-percent weights of the nine doctrine criteria
    weight_sovereignty: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["sovereignty"])
    weight_performance: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["performance"])
    weight_security: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["security"])
    weight_maintenance: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["maintenance"])
    weight_availability: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["availability"])
    weight_reversibility: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["reversibility"])
    weight_interoperability: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["interoperability"])
    weight_durability: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["durability"])
    weight_cost: Mapped[int] = mapped_column(default=DEFAULT_WEIGHTS["cost"])

    version: Mapped[int] = mapped_column(default=1)

    buyer = relationship("Organisation", foreign_keys=[buyer_id])
    categories: Mapped[list[CategoryRow]] = relationship(secondary=need_categories, order_by="CategoryRow.code")
    questions: Mapped[list[Question]] = relationship(back_populates="need", cascade="all, delete-orphan")
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="Amendment.created_at"
    )
    invitations: Mapped[list[Invitation]] = relationship(back_populates="need", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def weights(self) -> dict[str, int]:
        return {c: getattr(self, f"weight_{c}") for c in CRITERIA}

    @property
    def in_core_band(self) -> bool:
        """The €100k–€10M deals that usually go unpublished."""
        return self.budget_max_cents >= 100_000_00 and self.budget_min_cents <= 10_000_000_00

    def __repr__(self) -> str:
        return f"<Need {self.reference} {self.status}>"


class Question(TimestampMixin, Base):
    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    # Kept for moderation and notification; never shown to other suppliers.
    asked_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    asked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    need: Mapped[Need] = relationship(back_populates="questions")
    answer: Mapped[Answer | None] = relationship(back_populates="question", cascade="all, delete-orphan")


class Answer(TimestampMixin, Base):
    __tablename__ = "answers"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    question: Mapped[Question] = relationship(back_populates="answer")


class Amendment(Base):
    """A change to a published need: recorded, shown in the change log, bidders told."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text)
    # {"field": {"old": ..., "new": ...}, ...}
    changes: Mapped[dict] = mapped_column(JSON_DATA, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    need: Mapped[Need] = relationship(back_populates="amendments")


class Attachment(TimestampMixin, Base):
    """A file on a need or on a bid (exactly one of the two)."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("(need_id IS NULL) <> (bid_id IS NULL)", name="one_owner"),
        CheckConstraint(f"size_bytes > 0 AND size_bytes <= {MAX_ATTACHMENT_BYTES}", name="size_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Content-addressed: the same file uploaded twice is stored once
    storage_key: Mapped[str] = mapped_column(String(255))


class Invitation(TimestampMixin, Base):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("need_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(Text)

    need: Mapped[Need] = relationship(back_populates="invitations")
    supplier = relationship("Organisation")


class NeedFollow(TimestampMixin, Base):
    """A user interested in a need: told of answers and amendments, reminded of the deadline."""

    __tablename__ = "need_follows"
    __table_args__ = (UniqueConstraint("user_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    muted_at: Mapped[datetime | None]
