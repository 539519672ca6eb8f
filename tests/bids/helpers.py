"""Shared builders for the bid tests: viewers, complete bids, snapshots of what changes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import SizeCategory
from app.audit.models import AuditEntry
from app.bids.models import Award, Bid, Evaluation
from app.bids.services import BidInput
from app.commitments.models import Purchase
from app.events import OutboxEvent
from app.extensions import db
from app.needs.models import Attachment
from app.needs.policy import Viewer

ANSWERS = {
    "extraterritorial_answer": "French company, French capital, no exposure to the US Cloud Act.",
    "reversibility_answer": "Exports in open formats (CSV, JSON); a documented exit plan in 30 days.",
    "mastery_answer": "We develop the whole product in Rennes; no critical foreign dependency.",
}


def viewer(user) -> Viewer:
    """The viewer a signed-in user is, acting through their first organisation."""
    db.session.refresh(user)
    membership = user.memberships[0] if user.memberships else None
    return Viewer.of(user, membership)


def complete(**overrides) -> BidInput:
    """A bid input that any plain need accepts."""
    values = {
        "summary": "Sovereign LLM platform hosted in France",
        "proposal": "We deploy our platform in three phases.",
        "price": "185 000",
        "timeline": "Kick-off in 2 weeks, pilot in 3 months.",
        "approach": "off_the_shelf",
        "hosting_country": "FR",
        "hosting_provider": "Nimbus Hexagone",
        "secnumcloud_hosting": False,
        "data_in_eu": True,
        "open_source": True,
        "certifications": ["iso27001"],
        **ANSWERS,
    }
    values.update(overrides)
    return BidInput(**values)


def form(**overrides) -> dict:
    """The bid form as a browser posts it (unchecked boxes are simply absent)."""
    data = {
        "summary": "Sovereign LLM platform hosted in France",
        "proposal": "We deploy our platform in three phases.",
        "price": "185 000,50 €",
        "timeline": "Kick-off in 2 weeks, pilot in 3 months.",
        "solution_id": "",
        "approach": "off_the_shelf",
        "hosting_country": "FR",
        "hosting_provider": "Nimbus Hexagone",
        "data_in_eu": "y",
        "open_source": "y",
        "certifications": ["iso27001", "hds"],
        "action": "submit",
        **ANSWERS,
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_large(org) -> None:
    org.size = SizeCategory.LARGE
    org.employees = 1200
    db.session.commit()


def make_foreign(org, country: str = "CH", vat: str = "CHE123456789") -> None:
    org.vat_number = vat
    org.country = country
    db.session.commit()


def counts() -> dict[str, int]:
    """How many rows each table the bid side writes holds."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Bid, Evaluation, Award, Purchase, Attachment, OutboxEvent, AuditEntry)}


def events(kind: str) -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id)))


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
