"""Account operations: plain functions with keyword-only options that never commit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.accounts.identifiers import IdentifierError, check_company_ids
from app.accounts.models import Membership, Organisation, OrganisationKind, Role, SizeCategory, User
from app.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
    verify_unknown,
)
from app.audit.services import record_audit
from app.db import utcnow
from app.events import record_event
from app.extensions import db

SELF_SERVICE_KINDS = (
    OrganisationKind.ADMINISTRATION,
    OrganisationKind.CORPORATE,
    OrganisationKind.STARTUP,
    OrganisationKind.SME,
)


class AccountError(ValueError):
    """A refused account operation; ``field`` names the input, ``code`` the reason."""

    def __init__(self, field: str, code: str):
        self.field = field
        self.code = code
        super().__init__(f"{field}: {code}")


def normalise_email(raw: str) -> str:
    """Trim, check the syntax and lower-case an address (without any DNS look-up)."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError("email", "email_invalid") from exc
    return result.normalized.lower()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "organisation"


# Slugs that name something else in URLs (/suppliers/me is the API token's own organisation).
RESERVED_SLUGS = frozenset({"me", "new", "mine", "import", "search"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200]
    slug, n = base, 1
    if slug in RESERVED_SLUGS:
        n += 1
        slug = f"{base}-{n}"
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def find_user_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_LENGTH:
        raise AccountError("password", "password_too_short")
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 3:
        raise AccountError("password", "password_too_simple")


def create_user(*, email: str, password: str, full_name: str, locale: str = "fr", is_operator: bool = False) -> User:
    email = normalise_email(email)
    if not (full_name or "").strip():
        raise AccountError("full_name", "name_required")
    check_password_rules(password)
    if find_user_by_email(email) is not None:
        raise AccountError("email", "email_taken")
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=full_name.strip(),
        locale=locale if locale in ("fr", "en") else "fr",
        is_operator=is_operator,
    )
    db.session.add(user)
    return user


@dataclass
class Registration:
    organisation: Organisation
    user: User


def register_organisation(
    *,
    name: str,
    kind: OrganisationKind | str,
    country: str,
    email: str,
    password: str,
    full_name: str,
    siren: str = "",
    siret: str = "",
    vat_number: str = "",
    size: SizeCategory | str | None = None,
    employees: int | None = None,
    locale: str = "fr",
) -> Registration:
    """Create an organisation with its first user as owner. Unverified until the operator checks it."""
    try:
        kind = OrganisationKind(kind)
    except ValueError as exc:
        raise AccountError("kind", "kind_invalid") from exc
    if kind not in SELF_SERVICE_KINDS:
        raise AccountError("kind", "kind_invalid")
    name = (name or "").strip()
    if len(name) < 2:
        raise AccountError("name", "name_required")
    try:
        ids = check_company_ids(country, siren=siren, siret=siret, vat_number=vat_number)
    except IdentifierError as exc:
        raise AccountError(exc.field, exc.code) from exc
    for column, value in (("siren", ids.siren), ("siret", ids.siret), ("vat_number", ids.vat_number)):
        if value and db.session.scalar(select(Organisation.id).where(getattr(Organisation, column) == value)):
            # A SIREN may carry several establishments only through the same organisation.
            raise AccountError(column, "identifier_taken")
    user = create_user(email=email, password=password, full_name=full_name, locale=locale)
    organisation = Organisation(
        name=name,
        slug=_unique_slug(name),
        kind=kind,
        country=ids.country,
        siren=ids.siren,
        siret=ids.siret,
        vat_number=ids.vat_number,
        size=SizeCategory(size) if size else None,
        employees=employees,
        labels=[],
    )
    db.session.add(organisation)
    db.session.add(Membership(user=user, organisation=organisation, role=Role.OWNER))
    db.session.flush()
    record_audit("organisation.registered", actor=user, organisation=organisation, subject=organisation)
    record_event("organisation.registered", organisation_id=organisation.id, user_id=user.id)
    return Registration(organisation, user)


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None (same work either way)."""
    user = find_user_by_email(email)
    if user is None:
        verify_unknown(password or "")
        return None
    if not verify_password(user.password_hash, password or "") or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def verify_organisation(organisation: Organisation, *, by: User) -> None:
    if not by.is_operator:
        raise PermissionError("only the operator verifies organisations")
    if organisation.verified_at is None:
        organisation.verified_at = utcnow()
        organisation.verified_by_id = by.id
        record_audit("organisation.verified", actor=by, organisation=organisation, subject=organisation)
        record_event("organisation.verified", organisation_id=organisation.id)


def add_member(organisation: Organisation, user: User, *, role: Role = Role.MEMBER, by: User | None = None) -> Membership:
    if any(m.organisation_id == organisation.id for m in user.memberships):
        raise AccountError("email", "already_member")
    if role == Role.AMBASSADOR and not organisation.is_buyer:
        raise AccountError("role", "ambassador_for_buyers")
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    record_audit("membership.added", actor=by, organisation=organisation, subject=membership,
                 details={"user": user.email, "role": role.value})
    return membership


def _owners(organisation: Organisation) -> list[Membership]:
    return [m for m in organisation.memberships if m.role == Role.OWNER]


def change_role(membership: Membership, role: Role, *, by: User) -> None:
    role = Role(role)
    if role == Role.AMBASSADOR and not membership.organisation.is_buyer:
        raise AccountError("role", "ambassador_for_buyers")
    if membership.role == Role.OWNER and role != Role.OWNER and len(_owners(membership.organisation)) == 1:
        raise AccountError("role", "last_owner")
    old = membership.role
    membership.role = role
    record_audit("membership.role_changed", actor=by, organisation=membership.organisation, subject=membership,
                 details={"user": membership.user.email, "from": old.value, "to": role.value})


def remove_member(membership: Membership, *, by: User) -> None:
    if membership.role == Role.OWNER and len(_owners(membership.organisation)) == 1:
        raise AccountError("role", "last_owner")
    record_audit("membership.removed", actor=by, organisation=membership.organisation, subject=membership,
                 details={"user": membership.user.email})
    db.session.delete(membership)


def organisations_awaiting_verification() -> list[Organisation]:
    stmt = (
        select(Organisation)
        .where(Organisation.verified_at.is_(None), Organisation.kind != OrganisationKind.OPERATOR)
        .order_by(Organisation.created_at, Organisation.id)
    )
    return list(db.session.scalars(stmt))
