"""Small helpers that build accounts for tests through the real services."""

from __future__ import annotations

import itertools

from stdnum import luhn

from app.accounts.models import OrganisationKind, Role
from app.accounts.services import (
    add_member,
    create_user,
    register_organisation,
    verify_organisation,
)
from app.extensions import db

PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


def valid_siren(seed: int) -> str:
    """A SIREN with a correct Luhn checksum, made from a seed."""
    body = f"{(123456 + seed * 7919) % 10**8:08d}"
    return body + luhn.calc_check_digit(body)


def make_org(kind: str | OrganisationKind = "startup", *, name: str | None = None, verified: bool = False,
             email: str | None = None, role: Role = Role.OWNER):
    n = next(_counter)
    reg = register_organisation(
        name=name or f"Organisation {n}",
        kind=kind,
        country="FR",
        siren=valid_siren(n),
        email=email or f"user{n}@example.fr",
        password=PASSWORD,
        full_name=f"User {n}",
    )
    if role != Role.OWNER:
        reg.user.memberships[0].role = role
    if verified:
        verify_organisation(reg.organisation, by=make_operator())
    db.session.commit()
    return reg.organisation, reg.user


def make_operator(email: str | None = None):
    n = next(_counter)
    user = create_user(email=email or f"operator{n}@tremplin.example", password=PASSWORD,
                       full_name=f"Operator {n}", is_operator=True)
    db.session.flush()
    return user


def make_member(organisation, *, role: Role = Role.MEMBER, email: str | None = None):
    n = next(_counter)
    user = create_user(email=email or f"member{n}@example.fr", password=PASSWORD, full_name=f"Member {n}")
    add_member(organisation, user, role=role)
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD, *, follow: bool = False):
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)
