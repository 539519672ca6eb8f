"""Shared builders for the commitment tracker tests: an alliance member, evidence files, snapshots."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import SizeCategory
from app.audit.models import AuditEntry
from app.commitments import services
from app.commitments.models import Commitment, CommitmentRevision, Purchase
from app.events import OutboxEvent, commit
from app.extensions import db
from tests.factories import make_operator, make_org, valid_siren

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 This program cannot be run in DOS mode."
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the service tests' clock, inside the programme
OFF_PLATFORM_SIREN = valid_siren(9001)


def evidence(data: bytes = PDF, name: str = "bon-de-commande.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def alliance_member(name: str = "Banque Fontenoy", *, pledge: str | None = "50 000 000"):
    """A verified corporate group with (by default) a pledge: (organisation, owner)."""
    org, owner = make_org("corporate", name=name, verified=True)
    if pledge:
        services.record_pledge(org, amount_euros=pledge, period_start="2025-01-01", period_end="2027-12-31",
                               by=owner, now=NOW)
        commit()
    return org, owner


def supplier(name: str = "Orbinova IA", *, kind: str = "startup", labels=(), size=None, verified: bool = True):
    org, user = make_org(kind, name=name, verified=verified)
    org.labels = list(labels)
    if size:
        org.size = SizeCategory(size)
    db.session.commit()
    return org


def declaration(**overrides) -> dict:
    """A declaration of a purchase from a French startup not on Tremplin that any member may make."""
    values = {
        "supplier_name": "Quantix Labs", "supplier_country": "FR", "supplier_siren": OFF_PLATFORM_SIREN,
        "declared_class": "startup", "amount_euros": "185 000", "purchased_on": "2025-06-30",
        "category_code": "ai.llm", "description": "Licences of the document assistant for two departments.",
        "evidence": evidence(),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def declare(buyer, by, **overrides) -> Purchase:
    purchase = services.declare_purchase(buyer, by=by, now=NOW, **declaration(**overrides))
    commit()
    return purchase


def operator():
    user = make_operator()
    db.session.commit()
    return user


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Commitment, CommitmentRevision, Purchase, OutboxEvent, AuditEntry)}


def events(kind: str) -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id)))


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def programme_day(year: int = 2025, month: int = 6, day: int = 30) -> date:
    return date(year, month, day)
