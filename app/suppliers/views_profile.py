"""The supplier's own profile page: the organisation's website and size, headline,
description, categories, regions, references and the sovereignty facts.

A supplier's owners and members only (app.suppliers.policy.can_edit_supplier); anyone else
403. The services (update_identity, update_profile) flush, the view commits once;
refused input re-renders the form with each message next to its field and saves nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.auth import current_organisation
from app.events import commit
from app.extensions import db
from app.i18n import current_locale
from app.main.labels import PROFILE_STEPS
from app.main.services import profile_completeness
from app.needs.forms import category_groups
from app.needs.policy import current_viewer
from app.needs.regions import REGIONS
from app.suppliers import services
from app.suppliers.forms import ProfileForm
from app.suppliers.policy import can_edit_supplier
from app.suppliers.views import bp


def editable_organisation():
    """The current organisation if the user may change its supplier pages; 403 otherwise."""
    organisation = current_organisation()
    if organisation is None or not can_edit_supplier(current_viewer(), organisation):
        abort(403)
    return organisation


@bp.route("/supplier/profile", methods=["GET", "POST"])
@login_required
def my_profile():
    organisation = editable_organisation()
    profile = services.profile_of(organisation)
    form = ProfileForm(profile=profile, organisation=organisation)
    if form.validate_on_submit():
        refused = []
        for update, values in ((services.update_identity, form.identity_values()),
                               (services.update_profile, form.values())):
            try:
                update(organisation, by=current_user, values=values)
            except services.SupplierError as exc:
                refused.append(exc)
        if refused:
            db.session.rollback()
            for exc in refused:
                form.attach(exc)
        else:
            commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("suppliers.my_profile"))
    for message in form.other_errors:
        flash(message, "error")
    completeness = profile_completeness(organisation)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "suppliers/profile_edit.html", form=form, org=organisation, profile=services.profile_of(organisation),
        completeness=completeness, profile_steps=PROFILE_STEPS, category_groups=category_groups,
        regions=list(REGIONS.items()), locale=current_locale(),
    ), status
