"""Account operations: plain functions with keyword-only options that never commit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.accounts.identifiers import IdentifierError, check_company_ids
from app.accounts.models import Membership, Organisation, OrganisationKind, Role, SizeCategory, User
from app.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
    verify_unknown,
)
from app.accounts.sessions import end_all_sessions
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


def check_password_rules(password: str, *, email: str | None = None, full_name: str | None = None) -> None:
    """Raise AccountError("password", code) when the password breaks a rule (passwords.py)."""
    problem = password_problem(password, email=email, full_name=full_name)
    if problem is not None:
        raise AccountError("password", problem)


def create_user(*, email: str, password: str, full_name: str, locale: str = "fr", is_operator: bool = False) -> User:
    email = normalise_email(email)
    if not (full_name or "").strip():
        raise AccountError("full_name", "name_required")
    check_password_rules(password, email=email, full_name=full_name)
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


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user on success; ``locked`` when refused by a lockout."""

    user: User | None
    locked: bool = False
    retry_after: int = 0


def _audit_organisation(user: User):
    return user.memberships[0].organisation if user.memberships else None


def attempt_sign_in(email: str, password: str, *, threshold: int = 5, lock_minutes: int = 15,
                    now: datetime | None = None) -> SignIn:
    """Check an email and password, counting consecutive failures on the account.

    The same work is done whether or not the account exists (no timing oracle). After
    ``threshold`` consecutive failures the account is locked for ``lock_minutes``: while
    locked, even the right password is refused. Success clears the count. The caller
    commits, failures included (the count must outlive the request).
    """
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None:
        verify_unknown(password or "")
        return SignIn(None)
    correct = verify_password(user.password_hash, password or "")
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(None, locked=True, retry_after=max(1, int((user.locked_until - now).total_seconds())))
    if not correct or not user.active:
        _count_failed_password(user, now=now, threshold=threshold, lock_minutes=lock_minutes)
        return SignIn(None)
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return SignIn(user)


def _count_failed_password(user: User, *, now: datetime, threshold: int, lock_minutes: int) -> None:
    """One more consecutive wrong password; at the threshold the account locks (audited)."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= threshold:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_logins = 0
        record_audit("account.locked", subject=user, organisation=_audit_organisation(user),
                     details={"failed_logins": threshold, "locked_until": user.locked_until.isoformat()})


def check_current_password(user: User, password: str, *, threshold: int = 5, lock_minutes: int = 15,
                           now: datetime | None = None) -> SignIn:
    """Check a signed-in user's current password before a sensitive change.

    A wrong password counts as a failed sign-in (the same count and lockout as the sign-in
    page), so a stolen session gives no extra guesses. The caller commits, failures included.
    """
    now = now or utcnow()
    correct = verify_password(user.password_hash, password or "")
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(None, locked=True, retry_after=max(1, int((user.locked_until - now).total_seconds())))
    if not correct:
        _count_failed_password(user, now=now, threshold=threshold, lock_minutes=lock_minutes)
        return SignIn(None)
    user.failed_logins = 0
    return SignIn(user)


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None (same work either way)."""
    return attempt_sign_in(email, password).user


def set_password(user: User, password: str, *, reason: str = "account.password_changed") -> None:
    """Give the user a new password (rules checked), clearing any lockout and ending every
    session signed in with the old one (the caller signs the current one in again); audited."""
    check_password_rules(password, email=user.email, full_name=user.full_name)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(user)
    record_audit(reason, actor=user, subject=user, organisation=_audit_organisation(user),
                 details={"sessions_ended": True})


def change_password(user: User, new_password: str) -> None:
    """The signed-in user's own change of password (the current one checked by the caller)."""
    check_password_rules(new_password, email=user.email, full_name=user.full_name)
    if verify_password(user.password_hash, new_password):
        raise AccountError("password", "password_unchanged")
    set_password(user, new_password, reason="account.password_changed")


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, on every device, remember-me cookies included; audited.

    API tokens are not sessions: they stay valid (they are revoked on their own page)."""
    end_all_sessions(user)
    record_audit("account.signed_out_everywhere", actor=user, subject=user,
                 organisation=_audit_organisation(user), details={"session_version": user.session_version})


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
