"""What a supplier organisation shows: its profile, solutions and certifications."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import JSON_DATA, Base, TimestampMixin, str_enum


class Deployment(enum.StrEnum):
    SAAS = "saas"
    ON_PREMISE = "on_premise"
    HYBRID = "hybrid"
    SERVICE = "service"  # consulting, integration, audit


class CertificationKind(enum.StrEnum):
    SECNUMCLOUD = "secnumcloud"  # ANSSI qualification for cloud hosting
    HDS = "hds"  # health data hosting (Hébergeur de données de santé)
    ISO27001 = "iso27001"
    ISO9001 = "iso9001"
    PASSI = "passi"  # ANSSI-qualified security audit provider
    PDIS = "pdis"  # ANSSI-qualified incident detection provider
    CSPN = "cspn"  # ANSSI first-level security certification of a product
    EUCS = "eucs"
    SOC2 = "soc2"
    RGS = "rgs"


class SupplierProfile(TimestampMixin, Base):
    __tablename__ = "supplier_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    headline: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # Category codes of app.needs.taxonomy the supplier works in
    categories: Mapped[list[str]] = mapped_column(JSON_DATA, default=list)
    # Region codes served (app.needs.regions)
    regions_served: Mapped[list[str]] = mapped_column(JSON_DATA, default=list)
    # Public references: [{"client": "...", "summary": "...", "year": 2025}]
    references: Mapped[list[dict]] = mapped_column(JSON_DATA, default=list)
    # Sovereignty facts (the doctrine's three questions)
    eu_controlled: Mapped[bool] = mapped_column(default=True)  # capital and control in the EU
    extraterritorial_exposure: Mapped[bool] = mapped_column(default=False)  # e.g. US Cloud Act reach
    exit_plan: Mapped[bool] = mapped_column(default=False)  # documented reversibility
    owns_technology: Mapped[bool] = mapped_column(default=True)
    completed_at: Mapped[datetime | None]

    organisation = relationship("Organisation", backref="supplier_profile", uselist=False)


class Solution(TimestampMixin, Base):
    __tablename__ = "solutions"
    __table_args__ = (
        CheckConstraint("hosting_country IS NULL OR length(hosting_country) = 2", name="hosting_country_code"),
        CheckConstraint("NOT open_source OR license IS NOT NULL", name="open_source_has_license"),
        UniqueConstraint("organisation_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    open_source: Mapped[bool] = mapped_column(default=False)
    license: Mapped[str | None] = mapped_column(String(60))
    hosting_country: Mapped[str | None] = mapped_column(String(2))
    hosting_provider: Mapped[str | None] = mapped_column(String(120))
    secnumcloud: Mapped[bool] = mapped_column(default=False)
    deployment: Mapped[Deployment] = mapped_column(str_enum(Deployment, "solution_deployment"), default=Deployment.SAAS)
    # A shared solution already run by the public sector, offered for reuse
    shared: Mapped[bool] = mapped_column(default=False)
    website: Mapped[str | None] = mapped_column(String(300))

    organisation = relationship("Organisation", backref="solutions")
    adoptions: Mapped[list[SolutionAdoption]] = relationship(back_populates="solution", cascade="all, delete-orphan")


class SolutionAdoption(TimestampMixin, Base):
    """A buyer already uses a solution: the doctrine shows these first (reuse)."""

    __tablename__ = "solution_adoptions"
    __table_args__ = (UniqueConstraint("solution_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    since: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)

    solution: Mapped[Solution] = relationship(back_populates="adoptions")
    organisation = relationship("Organisation")


class Certification(TimestampMixin, Base):
    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR issued_on IS NULL OR issued_on <= expires_on", name="dates_ordered"),
        UniqueConstraint("organisation_id", "kind", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("solutions.id", ondelete="SET NULL"))
    kind: Mapped[CertificationKind] = mapped_column(str_enum(CertificationKind, "certification_kind"))
    reference: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None]

    organisation = relationship("Organisation", backref="certifications")

    def valid_on(self, day: date) -> bool:
        return (self.issued_on is None or self.issued_on <= day) and (self.expires_on is None or day <= self.expires_on)
