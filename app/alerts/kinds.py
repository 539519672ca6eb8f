"""The kinds of notification: who gets them, how they read, where they lead.

A notification stores its kind and a few parameters; its text is written when it is
read, in the reader's language, so the notification centre, emails and digests all
read the same. Each kind has a default email mode the user may change per kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.alerts.models import EmailMode, Notification


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # lazy string: the preference page's line for this kind
    audience: str  # "supplier" or "buyer": whose preference page shows it
    default_email: EmailMode
    # (params) -> sentence; params always carry need_title and need_reference when a need is concerned
    sentence: object
    # endpoint and the params naming its values; None: the need page
    endpoint: str = "needs.detail"
    endpoint_args: tuple[tuple[str, str], ...] = (("reference", "need_reference"),)
    # A service message (billing): always emailed at once, on no preference page, no unsubscribe link
    service: bool = False


def _date(value: str | None) -> str:
    """A stored ISO time as a date in the reader's language and time zone."""
    from datetime import datetime

    from flask_babel import format_date

    try:
        return format_date(datetime.fromisoformat(value), format="long")
    except (TypeError, ValueError):
        return "—"


def _title(params: dict) -> str:
    return params.get("need_title") or _("a need")


KINDS: dict[str, Kind] = {}


def _kind(code, label, audience, default_email, sentence, **link) -> None:
    KINDS[code] = Kind(code, label, audience, default_email, sentence, **link)


_kind("need_matched_search", _l("New needs matching a saved search"), "supplier", EmailMode.DAILY,
      lambda p: _("New need matching your saved search « %(search)s »: %(title)s",
                  search=", ".join(p.get("searches") or []) or "—", title=_title(p)))
_kind("need_matched_profile", _l("New needs matching our profile"), "supplier", EmailMode.DAILY,
      lambda p: _("New need matching your profile (score %(score)s/100): %(title)s",
                  score=p.get("score", "—"), title=_title(p)))
_kind("need_invitation", _l("Invitations to bid"), "supplier", EmailMode.INSTANT,
      lambda p: _("%(buyer)s invites you to bid on %(title)s", buyer=p.get("buyer") or _("A buyer"),
                  title=_title(p)))
_kind("need_answered", _l("Answers on needs we follow"), "supplier", EmailMode.INSTANT,
      lambda p: _("The buyer answered a question on %(title)s", title=_title(p)))
_kind("need_amended", _l("Amendments to needs we follow"), "supplier", EmailMode.INSTANT,
      lambda p: _("%(title)s was amended", title=_title(p)))
_kind("need_deadline_soon", _l("Deadline reminders"), "supplier", EmailMode.INSTANT,
      lambda p: ngettext("%(title)s closes in %(num)d day and you have not bid yet",
                         "%(title)s closes in %(num)d days and you have not bid yet",
                         int(p.get("days", 3)), title=_title(p)))
_kind("need_closed", _l("Needs closing"), "supplier", EmailMode.INSTANT,
      lambda p: _("%(title)s is closed for bids", title=_title(p)))
_kind("need_cancelled", _l("Needs cancelled"), "supplier", EmailMode.INSTANT,
      lambda p: _("%(title)s was cancelled by the buyer", title=_title(p)))
_kind("bid_shortlisted", _l("Our bid shortlisted"), "supplier", EmailMode.INSTANT,
      lambda p: _("Your bid on %(title)s is shortlisted", title=_title(p)),
      endpoint="bids.detail", endpoint_args=(("bid_id", "bid_id"),))
_kind("bid_rejected", _l("Our bid not retained"), "supplier", EmailMode.INSTANT,
      lambda p: (_("Your bid on %(title)s was not retained. Feedback: %(feedback)s", title=_title(p),
                   feedback=p["feedback"]) if p.get("feedback")
                 else _("Your bid on %(title)s was not retained", title=_title(p))),
      endpoint="bids.detail", endpoint_args=(("bid_id", "bid_id"),))
_kind("bid_awarded", _l("Our bid awarded"), "supplier", EmailMode.INSTANT,
      lambda p: _("Your bid on %(title)s is awarded", title=_title(p)),
      endpoint="bids.detail", endpoint_args=(("bid_id", "bid_id"),))
_kind("bid_received", _l("Bids received on our needs"), "buyer", EmailMode.INSTANT,
      lambda p: _("A bid was received on %(title)s", title=_title(p)),
      endpoint="bids.received", endpoint_args=(("reference", "need_reference"),))
_kind("purchase_verified", _l("Declared purchases verified"), "buyer", EmailMode.INSTANT,
      lambda p: _("Your declared purchase from %(supplier)s is verified", supplier=p.get("supplier") or "—"),
      endpoint="commitments.purchase", endpoint_args=(("purchase_id", "purchase_id"),))
_kind("purchase_rejected", _l("Declared purchases rejected"), "buyer", EmailMode.INSTANT,
      lambda p: _("Your declared purchase from %(supplier)s was rejected: %(reason)s",
                  supplier=p.get("supplier") or "—", reason=p.get("reason") or "—"),
      endpoint="commitments.purchase", endpoint_args=(("purchase_id", "purchase_id"),))

# Billing: the organisation's owners hear when a payment fails and when the grace runs out.
_kind("billing.payment_failed", _l("Failed subscription payments"), "supplier", EmailMode.INSTANT,
      lambda p: (_("The payment of your subscription failed. Update your payment method before %(date)s "
                   "to keep your plan.", date=_date(p.get("grace_until")))
                 if p.get("grace_until") else
                 _("The payment of your subscription failed. Update your payment method to keep your plan.")),
      endpoint="billing.page", endpoint_args=(), service=True)
_kind("billing.downgraded", _l("Subscription moved to the free plan"), "supplier", EmailMode.INSTANT,
      lambda p: _("Your subscription was not paid: your organisation is now on the free plan. "
                  "Subscribe again to get your plan back."),
      endpoint="billing.page", endpoint_args=(), service=True)


def kinds_for(audience: str) -> list[Kind]:
    """The kinds a preference page offers: service messages are not optional."""
    return [k for k in KINDS.values() if k.audience == audience and not k.service]


def sentence(notification: Notification) -> str:
    """What the notification says, in the current language."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    return kind.sentence(notification.params or {})


def link(notification: Notification, *, external: bool = False) -> str | None:
    """Where the notification leads (None when the page does not exist)."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return None
    params = notification.params or {}
    values = {}
    for arg, key in kind.endpoint_args:
        if params.get(key) in (None, ""):
            return None
        values[arg] = params[key]
    try:
        return url_for(kind.endpoint, _external=external, **values)
    except Exception:  # noqa: BLE001 - an endpoint of a later issue (e.g. commitments) may not exist yet
        return None
