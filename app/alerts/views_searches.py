"""Saved searches pages: the list, saving from the needs search page, pause, frequency, delete.

Suppliers' people only (app.accounts.policy.supplier_required). A search is reached only
by its owner: any other id answers 404. Each change checks the CSRF token, calls a
service (app.alerts.saved_searches) and commits once; refused input re-renders the list
with the message, status 400, and saves nothing. Instant alerts are a paid plan's: on a
plan without them the choice is marked as such and refused with a link to upgrade, and an
instant search kept from before is shown as delivered in the daily digest.

Pause, resume and the frequency also answer htmx requests (HX-Request): the search's card
alone, refused input included (htmx swaps only successful answers), with the message the
page would have flashed sent out of band to the list's live region.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.accounts.policy import supplier_required
from app.alerts import saved_searches as services
from app.alerts.models import Frequency
from app.alerts.saved_search_words import FREQUENCY_LABELS, filters_in_words, frequency_choices
from app.alerts.saved_searches import SavedSearchError, SavedSearchNotFound, search_args
from app.alerts.views import bp
from app.events import commit
from app.extensions import db
from app.matching.pages import is_htmx_request
from app.matching.search import NeedSearch

FORM_FIELDS = ("name", "frequency", "csrf_token")


def instant_alerts_offered() -> bool:
    """Whether the current organisation's plan includes instant alerts (app.billing.entitlements)."""
    from app.billing import entitlements

    organisation = current_organisation()
    return organisation is None or entitlements.instant_alerts_allowed(organisation)


def plan_frequency_choices() -> list[tuple[str, str]]:
    """The frequencies, instant alerts marked as the paid plan's when the current plan lacks them."""
    from app.billing import entitlements

    choices = frequency_choices()
    if instant_alerts_offered():
        return choices
    upgrade = entitlements.upgrade_plan_name("instant_alerts")
    return [(value, _("%(label)s (%(plan)s plan)", label=text, plan=upgrade) if value == Frequency.INSTANT.value
             else text) for value, text in choices]


@bp.record_once
def _template_helpers(state) -> None:
    state.app.jinja_env.globals.update(instant_alerts_offered=instant_alerts_offered,
                                       plan_frequency_choices=plan_frequency_choices)


class SaveSearchForm(FlaskForm):
    name = StringField(_l("Name of the search"), description=_l("e.g. « Cybersecurity in Brittany »"))
    frequency = SelectField(_l("Alert me"), default=Frequency.DAILY.value, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = plan_frequency_choices()


class FrequencyForm(FlaskForm):
    frequency = SelectField(_l("Alert me"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = plan_frequency_choices()


def _search_args_of_form() -> MultiDict:
    """The needs search parameters carried by the « save this search » form."""
    args = MultiDict()
    for key, values in request.form.lists():
        if key not in FORM_FIELDS:
            for value in values:
                args.add(key, value)
    return args


def _row(search, error: str | None = None) -> dict:
    """What a saved search's card shows (alerts/_saved_search.html)."""
    return {
        "search": search,
        "filters": filters_in_words(search),
        "results_url": url_for("needs.search", **search_args(search.query, search.filters).to_dict(flat=False)),
        "frequency_label": str(FREQUENCY_LABELS[search.frequency]),
        "error": error,
        "held": services.instant_held(search),
    }


def _render_card(search_id: int, *, message: str | None = None, error: str | None = None,
                 plan_refused: bool = False):
    """An htmx answer: the search's card again and the message for the page's live region."""
    from app.billing.entitlements import upgrade_url

    response = make_response(render_template(
        "alerts/_saved_search_update.html", row=_row(services.search_of(current_user, search_id), error),
        message=message, frequency_form=FrequencyForm(), action_form=EmptyForm(),
        frequencies=plan_frequency_choices(), upgrade_url=upgrade_url(), plan_refused=plan_refused))
    response.vary.add("HX-Request")
    return response


def _done(search_id: int, message: str):
    """After a change: the card for htmx, else the list again with the message flashed."""
    if is_htmx_request():
        return _render_card(search_id, message=message)
    flash(message, "success")
    return redirect(url_for("alerts.saved_searches"))


def _render_list(*, new_form: SaveSearchForm | None = None, new_args: MultiDict | None = None,
                 row_errors: dict[int, str] | None = None, status: int = 200, plan_refused: bool = False):
    from app.billing.entitlements import upgrade_url

    searches = services.searches_of(current_user)
    rows = [_row(s, (row_errors or {}).get(s.id)) for s in searches]
    new_search = None
    if new_args is not None:
        params = NeedSearch.from_args(new_args)
        new_search = {"query": params.q, "args": list(new_args.items(multi=True))}
    return render_template(
        "alerts/searches.html", rows=rows, new_form=new_form, new_search=new_search,
        frequency_form=FrequencyForm(), action_form=EmptyForm(), frequencies=plan_frequency_choices(),
        limit=services.MAX_SEARCHES_PER_USER, upgrade_url=upgrade_url(), plan_refused=plan_refused,
    ), status


def _own(search_id: int):
    try:
        return services.search_of(current_user, search_id)
    except SavedSearchNotFound:
        abort(404)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.get("/searches")
@supplier_required
def saved_searches():
    return _render_list()


@bp.post("/searches")
@supplier_required
def create_saved_search():
    form = SaveSearchForm()
    args = _search_args_of_form()
    if not form.validate_on_submit():
        abort(400)  # only the CSRF token can fail here: the service checks the rest
    try:
        saved = services.save_search(current_user, current_organisation(), name=form.name.data or "",
                                     args=args, frequency=form.frequency.data)
    except SavedSearchError as exc:
        db.session.rollback()
        target = getattr(form, exc.field, None) if exc.field else None
        if target is not None:
            target.errors = [exc.message]
        else:
            flash(exc.message, "error")
        return _render_list(new_form=form, new_args=args, status=400,
                            plan_refused=exc.code == "instant_requires_plan")
    name = saved.name
    commit()
    flash(_("Search « %(name)s » saved: you will be alerted of new needs matching it.", name=name), "success")
    return redirect(url_for("alerts.saved_searches"))


@bp.post("/searches/<int:search_id>/pause")
@supplier_required
def pause_saved_search(search_id: int):
    saved = _own(search_id)
    _check_csrf()
    services.pause_search(current_user, saved.id)
    name = saved.name
    commit()
    return _done(search_id, _("Alerts of « %(name)s » are paused.", name=name))


@bp.post("/searches/<int:search_id>/resume")
@supplier_required
def resume_saved_search(search_id: int):
    saved = _own(search_id)
    _check_csrf()
    services.resume_search(current_user, saved.id)
    name = saved.name
    commit()
    return _done(search_id, _("Alerts of « %(name)s » are back on, for needs published from now on.", name=name))


@bp.post("/searches/<int:search_id>/frequency")
@supplier_required
def saved_search_frequency(search_id: int):
    saved = _own(search_id)
    form = FrequencyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_frequency(current_user, saved.id, form.frequency.data)
    except SavedSearchError as exc:
        db.session.rollback()
        if is_htmx_request():
            return _render_card(search_id, error=exc.message, plan_refused=exc.code == "instant_requires_plan")
        return _render_list(row_errors={search_id: exc.message}, status=400,
                            plan_refused=exc.code == "instant_requires_plan")
    name, label = saved.name, str(FREQUENCY_LABELS[saved.frequency])
    commit()
    return _done(search_id, _("Alerts of « %(name)s »: %(frequency)s.", name=name, frequency=label.lower()))


@bp.get("/searches/<int:search_id>/delete")
@supplier_required
def confirm_delete_saved_search(search_id: int):
    saved = _own(search_id)
    return render_template("alerts/search_delete.html", search=saved, filters=filters_in_words(saved),
                           action_form=EmptyForm())


@bp.post("/searches/<int:search_id>/delete")
@supplier_required
def delete_saved_search(search_id: int):
    saved = _own(search_id)
    _check_csrf()
    name = services.delete_search(current_user, saved.id)
    commit()
    flash(_("Search « %(name)s » deleted: it sends no more alerts.", name=name), "success")
    return redirect(url_for("alerts.saved_searches"))
