"""Reading the audit log: filters from the query string, the filtered statement, rows for a page.

Dates are entered as Paris calendar days; a day runs from Paris midnight to the next Paris
midnight, compared in UTC with the stored times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User
from app.audit.labels import action_label, subject_label
from app.audit.models import AuditEntry
from app.extensions import db
from app.main.filters import PARIS

MAX_TEXT = 200
MAX_DETAIL = 160


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paris_day_start(day: date) -> datetime:
    """The UTC moment a Paris calendar day begins."""
    return datetime.combine(day, time(0, 0), PARIS).astimezone(UTC)


@dataclass
class AuditFilters:
    organisation: str = ""
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None
    raw_from: str = ""
    raw_to: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, *, with_organisation: bool) -> AuditFilters:
        found = cls(
            organisation=args.get("organisation", "").strip()[:MAX_TEXT] if with_organisation else "",
            action=args.get("action", "").strip()[:60],
            actor=args.get("actor", "").strip()[:MAX_TEXT],
            raw_from=args.get("from", "").strip()[:10],
            raw_to=args.get("to", "").strip()[:10],
        )
        found.date_from = found._day("from", found.raw_from)
        found.date_to = found._day("to", found.raw_to)
        if found.date_from and found.date_to and found.date_to < found.date_from:
            found.errors["to"] = _("The end date is before the start date.")
            found.date_to = None
        return found

    def _day(self, name: str, raw: str) -> date | None:
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None

    @property
    def active(self) -> bool:
        return bool(self.organisation or self.action or self.actor or self.date_from or self.date_to)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the pager's links."""
        args = {"organisation": self.organisation, "action": self.action, "actor": self.actor,
                "from": self.raw_from, "to": self.raw_to}
        return {k: v for k, v in args.items() if v}

    def conditions(self) -> list:
        where = []
        if self.organisation:
            if self.organisation.isdigit():
                where.append(AuditEntry.organisation_id == int(self.organisation))
            else:
                names = select(Organisation.id).where(
                    Organisation.name.ilike(_like(self.organisation), escape="\\"))
                where.append(AuditEntry.organisation_id.in_(names))
        if self.action:
            where.append(AuditEntry.action == self.action)
        if self.actor:
            people = select(User.id).where(User.email.ilike(_like(self.actor), escape="\\"))
            where.append(AuditEntry.actor_id.in_(people))
        if self.date_from:
            where.append(AuditEntry.occurred_at >= paris_day_start(self.date_from))
        if self.date_to:
            where.append(AuditEntry.occurred_at < paris_day_start(self.date_to + timedelta(days=1)))
        return where


def audit_statements(filters: AuditFilters, *, organisation_id: int | None = None):
    """(rows, count) statements: entries newest first with their actor and organisation;
    only one organisation's when ``organisation_id`` is given."""
    where = filters.conditions()
    if organisation_id is not None:
        where.append(AuditEntry.organisation_id == organisation_id)
    rows = (select(AuditEntry, User, Organisation)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .outerjoin(Organisation, Organisation.id == AuditEntry.organisation_id)
            .where(*where)
            .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()))
    count = select(func.count(AuditEntry.id)).where(*where)
    return rows, count


# --- rows for a page ----------------------------------------------------------------------------


@dataclass
class AuditRow:
    entry: AuditEntry
    when: datetime
    who: str
    organisation: str
    sentence: str
    raw: bool
    subject_text: str
    subject_url: str | None
    details: list[tuple[str, str]]
    ip_address: str | None


def _compact(value) -> str:
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    elif value is None:
        text = "—"
    else:
        text = str(value)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _subjects(entries: list[AuditEntry]) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(text, url) of the subjects with a page or a name, loaded in one query per type."""
    from app.bids.models import Bid
    from app.needs.models import Need, Question

    ids: dict[str, set[int]] = {}
    for e in entries:
        if e.subject_type and e.subject_id is not None:
            ids.setdefault(e.subject_type, set()).add(e.subject_id)
    found: dict[tuple[str, int], tuple[str, str | None]] = {}

    def need_link(reference: str) -> str:
        return url_for("needs.detail", reference=reference)

    if ids.get("Need"):
        for nid, ref in db.session.execute(select(Need.id, Need.reference).where(Need.id.in_(ids["Need"]))):
            found[("Need", nid)] = (_("Need %(reference)s", reference=ref), need_link(ref))
    if ids.get("Bid"):
        for bid_id, ref in db.session.execute(select(Bid.id, Need.reference).join(Need, Need.id == Bid.need_id)
                                              .where(Bid.id.in_(ids["Bid"]))):
            found[("Bid", bid_id)] = (_("Bid on need %(reference)s", reference=ref), need_link(ref))
    if ids.get("Question"):
        for qid, ref in db.session.execute(select(Question.id, Need.reference)
                                           .join(Need, Need.id == Question.need_id)
                                           .where(Question.id.in_(ids["Question"]))):
            found[("Question", qid)] = (_("Question on need %(reference)s", reference=ref), need_link(ref))
    if ids.get("Purchase"):
        for pid in ids["Purchase"]:
            found[("Purchase", pid)] = (_("Purchase #%(id)d", id=pid),
                                        url_for("commitments.purchase", purchase_id=pid))
    if ids.get("Organisation"):
        for oid, name in db.session.execute(select(Organisation.id, Organisation.name)
                                            .where(Organisation.id.in_(ids["Organisation"]))):
            found[("Organisation", oid)] = (name, None)
    return found


def audit_rows(page_rows, *, show_ip: bool, organisation_id: int | None = None) -> list[AuditRow]:
    """The page's (entry, actor, organisation) rows ready to show.

    In one organisation's log (``organisation_id``) an operator who is not a member of it
    appears as « the operator », not by name."""
    entries = [row[0] for row in page_rows]
    subjects = _subjects(entries)
    members: set[int] = set()
    if organisation_id is not None:
        members = set(db.session.scalars(select(Membership.user_id)
                                         .where(Membership.organisation_id == organisation_id)))
    rows = []
    for entry, actor, organisation in page_rows:
        if actor is None:
            who = _("system")
        elif organisation_id is not None and actor.is_operator and actor.id not in members:
            who = _("the operator")
        else:
            who = f"{actor.full_name} ({actor.email})"
        subject_text, subject_url = "", None
        if entry.subject_type:
            subject_text, subject_url = subjects.get(
                (entry.subject_type, entry.subject_id),
                (f"{subject_label(entry.subject_type)} #{entry.subject_id}" if entry.subject_id is not None
                 else subject_label(entry.subject_type), None))
        sentence = action_label(entry.action)
        rows.append(AuditRow(
            entry=entry,
            when=entry.occurred_at,
            who=who,
            organisation=organisation.name if organisation is not None else "—",
            sentence=sentence,
            raw=sentence == entry.action,
            subject_text=subject_text,
            subject_url=subject_url,
            details=[(str(k), _compact(v)) for k, v in sorted((entry.details or {}).items())],
            ip_address=entry.ip_address if show_ip else None,
        ))
    return rows
