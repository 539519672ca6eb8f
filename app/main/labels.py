"""Words shown for the domain's enumerations, in the reader's language, and their tone.

Templates use them through filters (see app.main.filters): ``{{ need.status|label }}``
gives "Publié", ``{{ bid.status|badge }}`` a coloured badge with that text.
Keys are (enum class, value): a need and a bid may share a status value but not a word
(in French a need is masculine, a bid feminine).
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.accounts.labels import KIND_LABELS, ROLE_LABELS
from app.accounts.models import OrganisationKind, Role
from app.bids.models import BidStatus
from app.commitments.models import PurchaseStatus
from app.needs.models import NeedStatus, Route, Visibility

LABELS: dict[tuple[type, str], object] = {
    (NeedStatus, NeedStatus.DRAFT): lazy_pgettext("need status", "Draft"),
    (NeedStatus, NeedStatus.PUBLISHED): lazy_pgettext("need status", "Published"),
    (NeedStatus, NeedStatus.CLOSED): lazy_pgettext("need status", "Closed"),
    (NeedStatus, NeedStatus.AWARDED): lazy_pgettext("need status", "Awarded"),
    (NeedStatus, NeedStatus.CANCELLED): lazy_pgettext("need status", "Cancelled"),
    (NeedStatus, NeedStatus.UNSUCCESSFUL): lazy_pgettext("need status", "Unsuccessful"),
    (BidStatus, BidStatus.DRAFT): lazy_pgettext("bid status", "Draft"),
    (BidStatus, BidStatus.SUBMITTED): lazy_pgettext("bid status", "Submitted"),
    (BidStatus, BidStatus.WITHDRAWN): lazy_pgettext("bid status", "Withdrawn"),
    (BidStatus, BidStatus.SHORTLISTED): lazy_pgettext("bid status", "Shortlisted"),
    (BidStatus, BidStatus.REJECTED): lazy_pgettext("bid status", "Not retained"),
    (BidStatus, BidStatus.AWARDED): lazy_pgettext("bid status", "Awarded"),
    (PurchaseStatus, PurchaseStatus.DECLARED): lazy_pgettext("purchase status", "Awaiting verification"),
    (PurchaseStatus, PurchaseStatus.VERIFIED): lazy_pgettext("purchase status", "Verified"),
    (PurchaseStatus, PurchaseStatus.REJECTED): lazy_pgettext("purchase status", "Rejected"),
    (Visibility, Visibility.PUBLIC): _l("Public"),
    (Visibility, Visibility.RESTRICTED): _l("Verified suppliers only"),
    (Visibility, Visibility.INVITATION): _l("By invitation"),
    (Route, Route.PUBLIC): _l("Public procurement"),
    (Route, Route.PRIVATE): _l("Private purchase"),
    # Organisation kinds and roles: the accounts domain's words.
    **{(OrganisationKind, kind): text for kind, text in KIND_LABELS.items()},
    **{(Role, role): text for role, text in ROLE_LABELS.items()},
}

# Badge tones; app.css gives each one colours that pass WCAG AA.
TONES: dict[tuple[type, str], str] = {
    (NeedStatus, NeedStatus.DRAFT): "neutral",
    (NeedStatus, NeedStatus.PUBLISHED): "info",
    (NeedStatus, NeedStatus.CLOSED): "neutral",
    (NeedStatus, NeedStatus.AWARDED): "success",
    (NeedStatus, NeedStatus.CANCELLED): "danger",
    (NeedStatus, NeedStatus.UNSUCCESSFUL): "warning",
    (BidStatus, BidStatus.DRAFT): "neutral",
    (BidStatus, BidStatus.SUBMITTED): "info",
    (BidStatus, BidStatus.WITHDRAWN): "neutral",
    (BidStatus, BidStatus.SHORTLISTED): "info",
    (BidStatus, BidStatus.REJECTED): "danger",
    (BidStatus, BidStatus.AWARDED): "success",
    (PurchaseStatus, PurchaseStatus.DECLARED): "warning",
    (PurchaseStatus, PurchaseStatus.VERIFIED): "success",
    (PurchaseStatus, PurchaseStatus.REJECTED): "danger",
    (Visibility, Visibility.PUBLIC): "info",
    (Visibility, Visibility.RESTRICTED): "warning",
    (Visibility, Visibility.INVITATION): "neutral",
}

# Steps of a supplier profile (app.main.services.profile_completeness).
PROFILE_STEPS: dict[str, object] = {
    "identity": _l("Website and company size"),
    "description": _l("A short description of what you do"),
    "categories": _l("The categories you work in"),
    "regions": _l("The regions you serve"),
    "solutions": _l("At least one solution"),
    "references": _l("Public references"),
}


def label(value: object) -> str:
    """The word for an enum value in the reader's language (its raw value if unknown)."""
    if isinstance(value, enum.Enum):
        word = LABELS.get((type(value), value.value))
        if word is not None:
            return str(word)
        return str(value.value)
    return "" if value is None else str(value)


def tone(value: object) -> str:
    if isinstance(value, enum.Enum):
        return TONES.get((type(value), value.value), "neutral")
    return "neutral"
