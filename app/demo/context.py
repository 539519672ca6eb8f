"""What every demo generator step shares: the seeded random source, the reference time,
the one password hash, and the registries of what has been made so far.

Determinism: everything random goes through ``ctx.rng`` (seeded), everything timed is
relative to ``ctx.now`` (midnight UTC of the reference date), and nothing iterates over
a ``set`` (string hashing differs between processes).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from app.accounts.models import Membership, Organisation, Role, User
from app.extensions import db
from app.suppliers.models import Certification, Solution

DEMO_PASSWORD = "Tremplin-Demo-2026!"
DEMO_DOMAIN = "demo.tremplin.fr"


def ascii_slug(text: str, sep: str = "-") -> str:
    text = text.replace("\u2019", "'")  # « l’Intérieur » separates words as « l'Intérieur » does
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)


@dataclass
class DemoAccount:
    email: str
    role: str
    organisation: str


@dataclass
class DemoContext:
    seed: int
    today: date
    password_hash: str
    rng: Random = field(init=False)
    now: datetime = field(init=False)
    operator: User | None = None
    suppliers: list[Organisation] = field(default_factory=list)
    buyers: list[Organisation] = field(default_factory=list)
    # Python object id of an organisation -> its users (owner first), its solutions
    users_of: dict[int, list[User]] = field(default_factory=dict)
    solutions_of: dict[int, list[Solution]] = field(default_factory=dict)
    codes_of: dict[int, list[str]] = field(default_factory=dict)  # a supplier's category codes
    # Python object id of a buyer organisation -> its BuyerSpec (sector, anonymous label...)
    buyer_specs: dict[int, Any] = field(default_factory=dict)
    # Python object id of a need -> key of the special supplier that must win it (or None)
    need_winners: dict[int, str | None] = field(default_factory=dict)
    # (certification, solution) pairs to link once ids exist
    pending_links: list[tuple[Certification, Solution]] = field(default_factory=list)
    # the demo accounts' organisations: "startup", "sme", "ministry", "corporate", "alliance"
    special_orgs: dict[str, Organisation] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    _slugs: set[str] = field(default_factory=set)
    _emails: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = Random(self.seed)
        self.now = datetime.combine(self.today, time(0, 0), tzinfo=UTC)

    # -- time ------------------------------------------------------------------------
    def days_ago(self, low: float, high: float | None = None) -> datetime:
        """A time between ``low`` and ``high`` days before the reference midnight (>= 1 day)."""
        days = low if high is None else self.rng.uniform(low, high)
        return self.now - timedelta(days=max(days, 1.0), minutes=self.rng.randint(0, 600))

    def days_ahead(self, low: int, high: int) -> datetime:
        """A deadline-like time (15:00 UTC) ``low``..``high`` days after the reference date."""
        return self.now + timedelta(days=self.rng.randint(low, high), hours=15)

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        span = (end - start).total_seconds()
        return start + timedelta(seconds=int(self.rng.uniform(0.1, 0.9) * span))

    # -- identities ------------------------------------------------------------------
    def unique_slug(self, name: str) -> str:
        base = ascii_slug(name)[:200] or "organisation"
        slug, n = base, 1
        while slug in self._slugs:
            n += 1
            slug = f"{base}-{n}"
        self._slugs.add(slug)
        return slug

    def unique_email(self, local: str, domain: str) -> str:
        local = ascii_slug(local, ".") or "contact"
        email, n = f"{local}@{domain}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self._emails.add(email)
        return email

    def new_user(self, *, email: str, full_name: str, created_at: datetime, is_operator: bool = False) -> User:
        self._emails.add(email)
        user = User(
            email=email,
            password_hash=self.password_hash,
            full_name=full_name,
            locale="fr",
            is_operator=is_operator,
            active=True,
            email_verified_at=created_at + timedelta(minutes=7),
            created_at=created_at,
            updated_at=created_at,
        )
        db.session.add(user)
        return user

    def add_member(self, organisation: Organisation, user: User, role: Role) -> Membership:
        membership = Membership(user=user, organisation=organisation, role=role,
                                created_at=user.created_at, updated_at=user.created_at)
        db.session.add(membership)
        self.users_of.setdefault(id(organisation), []).append(user)
        return membership

    def members(self, organisation: Organisation) -> list[User]:
        return self.users_of.get(id(organisation), [])

    def owner(self, organisation: Organisation) -> User:
        return self.members(organisation)[0]

    def account(self, email: str, role: str, organisation: Organisation | str) -> None:
        name = organisation if isinstance(organisation, str) else organisation.name
        self.accounts.append(DemoAccount(email, role, name))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p
