"""Notification and digest emails, written in their recipient's language.

Each message has a subject, a plain-text part and an HTML part rendered from
``templates/email/``; links are absolute, built on ``PUBLIC_URL`` (jobs have no request
of their own); times read in Europe/Paris and amounts in euros, through the same filters
as the pages. Every message carries a one-click unsubscribe (RFC 8058) and its footer
leads to the preferences page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app.alerts import kinds
from app.alerts.models import Notification
from app.alerts.tokens import ALL_EMAILS, mute_token, unsubscribe_token
from app.needs.models import Need
from notifications.email import Mail

SUBJECT_MAX = 150


@contextmanager
def rendering_for(user) -> Iterator[None]:
    """Render in the user's language with links on the public address of the site."""
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    with ExitStack() as stack:
        if not has_request_context() or request.url_root.rstrip("/") != public_url:
            stack.enter_context(current_app.test_request_context(base_url=public_url))
        stack.enter_context(force_locale(user.locale if user.locale in ("fr", "en") else "fr"))
        yield


def _render(template: str, **context) -> str:
    # The environment is used directly: the pages' context processors (current user,
    # membership) have no meaning in an email and must not be computed for a job.
    return current_app.jinja_env.get_template(template).render(**context)


def _shorten(text: str, limit: int = SUBJECT_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """One-click unsubscribe headers (RFC 2369 and RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _footer_links(user, kind: str) -> dict[str, str]:
    return {
        "preferences_url": url_for("alerts.preferences", _external=True),
        "unsubscribe_url": url_for("alerts.unsubscribe", token=unsubscribe_token(user.id, kind), _external=True),
    }


def need_url(need: Need) -> str:
    return url_for("needs.detail", reference=need.reference, _external=True)


def build_notification_email(notification: Notification) -> Mail | None:
    """The email of one notification; None when there is nobody to send it to."""
    user = notification.user
    if user is None or not user.active or not user.email:
        return None
    kind = kinds.KINDS.get(notification.kind)
    with rendering_for(user):
        said = kinds.sentence(notification)
        context = {
            "locale": user.locale,
            "user": user,
            "subject": _shorten(said),
            "sentence": said,
            "url": kinds.link(notification, external=True),
            "need": notification.need,
            "kind_label": str(kind.label) if kind else notification.kind,
            **_footer_links(user, notification.kind if kind else ALL_EMAILS),
            "service": bool(kind and kind.service),
        }
        text = _render("email/notification.txt", **context)
        html = _render("email/notification.html", **context)
    headers = {} if context["service"] else unsubscribe_headers(context["unsubscribe_url"])
    return Mail(to=user.email, subject=context["subject"], text=text, html=html, headers=headers)


# --- digests ---------------------------------------------------------------------------


@dataclass
class DigestEntry:
    sentence: str
    url: str | None
    created_at: datetime


@dataclass
class DigestSection:
    """What happened on one need (or, with no need, on the account) since the last digest."""

    need: Need | None
    title: str
    url: str | None = None
    mute_url: str | None = None
    entries: list[DigestEntry] = field(default_factory=list)


def _need_title(need: Need, notifications: Sequence[Notification]) -> str:
    for notification in notifications:
        title = (notification.params or {}).get("need_title")
        if title:
            return title
    return need.title


def digest_sections(user, notifications: Sequence[Notification]) -> list[DigestSection]:
    """One section per need, the most recently active first; each lists what happened, in order.

    Notifications about no need (e.g. a verified purchase) come last, in one section.
    Call inside ``rendering_for(user)``.
    """
    by_need: dict[int | None, list[Notification]] = {}
    for notification in sorted(notifications, key=lambda n: (n.created_at, n.id)):
        by_need.setdefault(notification.need_id, []).append(notification)
    sections = []
    for need_id, group in by_need.items():
        entries = [DigestEntry(kinds.sentence(n), kinds.link(n, external=True), n.created_at) for n in group]
        need = group[0].need if need_id is not None else None
        if need is None:
            sections.append(DigestSection(None, _("Your account"), entries=entries))
            continue
        sections.append(DigestSection(
            need, _need_title(need, group), need_url(need),
            url_for("alerts.mute", token=mute_token(user.id, need.id), _external=True), entries))
    sections.sort(key=lambda s: max(e.created_at for e in s.entries), reverse=True)
    sections.sort(key=lambda s: s.need is None)  # stable: the account's section last
    return sections


def closing_sections(user, needs: Sequence[Need]) -> list[DigestSection]:
    """The needs closing soon, the earliest deadline first (inside ``rendering_for``)."""
    return [
        DigestSection(need, need.title, need_url(need),
                      url_for("alerts.mute", token=mute_token(user.id, need.id), _external=True))
        for need in sorted(needs, key=lambda n: n.deadline_at)
    ]


def digest_subject(frequency: str, count: int) -> str:
    if frequency == "weekly":
        return ngettext("Your weekly Tremplin digest: %(num)d update", "Your weekly Tremplin digest: %(num)d updates",
                        count)
    return ngettext("Your daily Tremplin digest: %(num)d update", "Your daily Tremplin digest: %(num)d updates",
                    count)


def build_digest_email(user, frequency: str, items: Sequence[Notification], closing_soon: Sequence[Need]) -> Mail:
    """One digest: the needs closing this week first, then what happened, grouped by need.

    ``items`` are the notifications to report (already filtered: not muted, kind not
    turned off); ``closing_soon`` the needs whose deadline is within a week.
    """
    with rendering_for(user):
        context = {
            "locale": user.locale,
            "user": user,
            "frequency": frequency,
            "subject": digest_subject(frequency, len(items)),
            "closing": closing_sections(user, closing_soon),
            "sections": digest_sections(user, items),
            **_footer_links(user, ALL_EMAILS),
        }
        text = _render("email/digest.txt", **context)
        html = _render("email/digest.html", **context)
    return Mail(to=user.email, subject=context["subject"], text=text, html=html,
                headers=unsubscribe_headers(context["unsubscribe_url"]))
