"""What the needs tests share: valid inputs to vary, and looks into the outbox and audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEntry
from app.db import utcnow
from app.events import OutboxEvent
from app.extensions import db
from app.needs.doctrine import DEFAULT_WEIGHTS
from app.needs.models import Need

PARIS = ZoneInfo("Europe/Paris")


def local(when: datetime) -> str:
    """A moment as a datetime-local input shows it, in Paris time."""
    return when.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def in_days(days: float) -> datetime:
    return (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)


def need_post(**overrides) -> dict:
    """A complete, valid need form as an administration would post it."""
    data = {
        "title": "Assistant conversationnel souverain",
        "summary": "Un assistant pour répondre aux agents.",
        "description": "Contexte, périmètre et résultats attendus.",
        "categories": ["ai.llm", "ai.agents"],
        "cpv_code": "72000000-5",
        "budget_min": "150 000",
        "budget_max": "400 000 €",
        "route": "public",
        "region": "11",
        "deadline": local(in_days(30)),
        "visibility": "public",
        "eu_data_residency": "y",
        "reuse_checked": "y",
        "reuse_note": "Aucune solution mutualisée ne couvre le besoin.",
        "off_the_shelf_sought": "y",
        "off_the_shelf_note": "Trois offres du marché étudiées.",
        "approach": "off_the_shelf",
        **{f"weight_{c}": str(w) for c, w in DEFAULT_WEIGHTS.items()},
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def need_values(**overrides) -> dict:
    """Valid values for the services (what the form hands over)."""
    values = {
        "title": "Plateforme de données",
        "summary": "Une plateforme de données partagée.",
        "description": "Description détaillée.",
        "categories": ["data.platform"],
        "budget_min_cents": 150_000_00,
        "budget_max_cents": 400_000_00,
        "route": "public",
        "region": "11",
        "deadline_at": in_days(30),
        "visibility": "public",
        "reuse_checked": True,
        "reuse_note": "Rien de mutualisé.",
        "off_the_shelf_sought": True,
        "approach": "off_the_shelf",
        **{f"weight_{c}": w for c, w in DEFAULT_WEIGHTS.items()},
    }
    values.update(overrides)
    return values


def count_needs() -> int:
    return db.session.scalar(select(func.count()).select_from(Need))


def events(kind: str) -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id)))


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def need_by_ref(reference: str) -> Need:
    db.session.expire_all()
    return db.session.scalar(select(Need).where(Need.reference == reference))


def past(need_id: int, *, hours: float = 1) -> None:
    """Let time pass: the need's deadline is now behind us (status left as it was)."""
    need = db.session.get(Need, need_id)
    need.deadline_at = datetime.now(UTC) - timedelta(hours=hours)
    db.session.commit()


def english(client) -> None:
    client.get("/lang/en")


class _FormReader(HTMLParser):
    """The values a browser would send for the form posting to ``action``."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.values = action, False, []
        self._select = self._textarea = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "y")))
            elif kind not in ("submit", "file"):
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            text = text[1:] if text.startswith("\n") else text  # as browsers read it
            self.values.append((self._textarea, text.replace("\n", "\r\n")))  # as browsers send it
            self._textarea = None


def form_fields(html: str, action: str) -> MultiDict:
    reader = _FormReader(action)
    reader.feed(html)
    return MultiDict(reader.values)
