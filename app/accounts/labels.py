"""Display labels of account enumerations, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import OrganisationKind, Role

KIND_LABELS = {
    OrganisationKind.ADMINISTRATION: _l("Administration"),
    OrganisationKind.CORPORATE: _l("Corporate group"),
    OrganisationKind.STARTUP: _l("Startup"),
    OrganisationKind.SME: _l("SME"),
    OrganisationKind.OPERATOR: _l("Operator"),
}

ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.MEMBER: _l("Member"),
    Role.AMBASSADOR: _l("Ambassador"),
}


def org_kind_label(kind) -> str:
    return str(KIND_LABELS.get(OrganisationKind(kind), kind))


def role_label(role) -> str:
    return str(ROLE_LABELS.get(Role(role), role))
