"""Notification preferences, one-click unsubscribe and muting a need from an email.

- ``/alerts/preferences``: for each kind of notification that concerns the user's
  organisation, how it is emailed (at once, daily or weekly digest, not at all) and
  whether it shows in the notification centre; the needs the user muted, to unmute.
- ``/alerts/unsubscribe/<token>``: GET asks for confirmation, POST turns the emails off.
  Mail clients POST ``List-Unsubscribe=One-Click`` (RFC 8058) with no cookie and no
  CSRF token, so this route is exempt from CSRF: the signed token is the authority.
- ``/alerts/mute/<token>``: GET asks, POST mutes the need (a digest's link).

A token that does not read answers 400 with a clear message and changes nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from app.accounts.auth import current_organisation
from app.accounts.models import User
from app.alerts import services
from app.alerts.kinds import KINDS, Kind, kinds_for
from app.alerts.models import EmailMode, MutedNeed, NotificationPreference
from app.alerts.tokens import ALL_EMAILS, read_mute_token, read_unsubscribe_token
from app.alerts.views import bp
from app.events import commit
from app.extensions import csrf, db
from app.main.paging import Page, paginate, requested_page
from app.needs import policy
from app.needs.models import Need

EMAIL_CHOICES = [
    SelectChoice(EmailMode.INSTANT.value, _l("As they happen")),
    SelectChoice(EmailMode.DAILY.value, _l("In the daily digest")),
    SelectChoice(EmailMode.WEEKLY.value, _l("In the weekly digest")),
    SelectChoice(EmailMode.OFF.value, _l("No email")),
]


def audience_of(organisation) -> str | None:
    if organisation is None:
        return None
    if organisation.is_supplier:
        return "supplier"
    if organisation.is_buyer:
        return "buyer"
    return None


def preferences_form(kinds: list[Kind], user_id: int) -> FlaskForm:
    """A form with, per kind, its email mode and its notification-centre switch."""

    class PreferencesForm(FlaskForm):
        pass

    saved = {p.kind: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    data = {}
    for kind in kinds:
        setattr(PreferencesForm, f"email_{kind.code}", SelectField(kind.label, choices=EMAIL_CHOICES))
        setattr(PreferencesForm, f"in_app_{kind.code}", BooleanField(_l("In the notification centre")))
        pref = saved.get(kind.code)
        data[f"email_{kind.code}"] = (pref.email if pref else kind.default_email).value
        data[f"in_app_{kind.code}"] = pref.in_app if pref else True
    return PreferencesForm(data=data)


def muted_needs(user_id: int, *, page: int = 1) -> Page:
    """A page of the user's muted needs, newest first, each with whether the user may still see it."""
    viewer = policy.current_viewer()
    found = paginate(
        select(MutedNeed, Need).join(Need, Need.id == MutedNeed.need_id)
        .where(MutedNeed.user_id == user_id).order_by(MutedNeed.created_at.desc(), MutedNeed.id.desc()),
        page=page, scalars=False,
    )
    found.items = [(muted, need, policy.can_view_need(viewer, need)) for muted, need in found.items]
    return found


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = kinds_for(audience) if (audience := audience_of(current_organisation())) else []
    form = preferences_form(kinds, current_user.id)
    if form.validate_on_submit():
        for kind in kinds:
            services.set_preference(current_user.id, kind.code, email=EmailMode(form[f"email_{kind.code}"].data),
                                    in_app=bool(form[f"in_app_{kind.code}"].data))
        commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("alerts.preferences"))
    status = 400 if form.errors else 200
    return render_template("alerts/preferences.html", form=form, kinds=kinds,
                           muted=muted_needs(current_user.id, page=requested_page())), status


@bp.route("/muted/<int:need_id>/unmute", methods=["POST"])
@login_required
def unmute(need_id: int):
    if services.unmute_need(current_user.id, need_id):
        commit()
        flash(_("You will hear about this need again."), "success")
    return redirect(url_for("alerts.preferences") + "#muted")


def masked_email(address: str) -> str:
    """« l…@quantix.fr »: enough to recognise one's address, not to read it from a forwarded link."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else address


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        return render_template("alerts/unsubscribe.html", state="invalid"), 400
    kind = found[1]
    label = None if kind == ALL_EMAILS else KINDS[kind].label
    if request.method == "POST":
        for code in (KINDS if kind == ALL_EMAILS else [kind]):
            services.set_preference(user.id, code, email=EmailMode.OFF)
        commit()
        state = "done"
    else:
        state = "confirm"
    return render_template("alerts/unsubscribe.html", state=state, kind_label=label, token=token,
                           address=masked_email(user.email))


@bp.route("/mute/<token>", methods=["GET", "POST"])
def mute(token: str):
    found = read_mute_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        return render_template("alerts/mute.html", state="invalid"), 400
    need = db.session.get(Need, found[1])
    if need is None:
        abort(404)
    if request.method == "POST":
        services.mute_need(user.id, need.id)
        commit()
        state = "done"
    else:
        state = "confirm"
    return render_template("alerts/mute.html", state=state, need=need, token=token,
                           address=masked_email(user.email))
