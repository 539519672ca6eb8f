"""Organisations, users and the memberships that tie them together."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, Cents, TimestampMixin, str_enum


class OrganisationKind(enum.StrEnum):
    ADMINISTRATION = "administration"
    CORPORATE = "corporate"
    STARTUP = "startup"
    SME = "sme"
    OPERATOR = "operator"

    @property
    def is_buyer(self) -> bool:
        return self in (OrganisationKind.ADMINISTRATION, OrganisationKind.CORPORATE)

    @property
    def is_supplier(self) -> bool:
        return self in (OrganisationKind.STARTUP, OrganisationKind.SME)


class SizeCategory(enum.StrEnum):
    """Company size in the sense of the EU SME definition (recommendation 2003/361)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    MID = "mid"  # ETI: mid-size company
    LARGE = "large"


class Role(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"
    AMBASSADOR = "ambassador"


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "(country = 'FR' AND siren IS NOT NULL) OR (country <> 'FR' AND vat_number IS NOT NULL)"
            " OR kind = 'operator'",
            name="identifier_for_country",
        ),
        CheckConstraint("siren IS NULL OR length(siren) = 9", name="siren_length"),
        CheckConstraint("siret IS NULL OR length(siret) = 14", name="siret_length"),
        CheckConstraint("siret IS NULL OR substr(siret, 1, 9) = siren", name="siret_in_siren"),
        CheckConstraint("length(country) = 2", name="country_code"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees_positive"),
        CheckConstraint("annual_turnover_cents IS NULL OR annual_turnover_cents >= 0", name="turnover_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    vat_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="FR", index=True)
    region: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    size: Mapped[SizeCategory | None] = mapped_column(str_enum(SizeCategory, "size_category"))
    employees: Mapped[int | None]
    annual_turnover_cents: Mapped[int | None] = mapped_column(Cents)
    founded_on: Mapped[date | None]
    # e.g. "french_tech_120", "next40", "jei" (jeune entreprise innovante), "greentech"
    labels: Mapped[list[str]] = mapped_column(JSON_DATA, default=list)
    alliance_member: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_buyer(self) -> bool:
        return self.kind.is_buyer

    @property
    def is_supplier(self) -> bool:
        return self.kind.is_supplier

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.kind}>"


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased (the check refuses any other form), so the
        # unique constraint on the column is a case-insensitive uniqueness.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("locale IN ('fr', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    is_operator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Consecutive failed sign-ins since the last success or lockout; at the threshold the
    # account is locked until locked_until (UTC), whatever the password (app.accounts.lockout).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    # Stored in each session at sign-in (in the Flask-Login id, "<id>:<version>"); bumping it
    # ends every session and remember-me cookie signed in before (app.accounts.sessions).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the id kept in the session and the remember-me cookie
        from app.accounts.sessions import session_id

        return session_id(self)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(TimestampMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "membership_role"), default=Role.MEMBER)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
