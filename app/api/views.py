"""Account settings: the user's API tokens for the current organisation.

The secret of a new token is shown once, on the page answering the creation, and never
again: only its hash is kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.api import tokens
from app.api.forms import CreateTokenForm
from app.api.models import ApiToken
from app.events import commit
from app.extensions import db
from app.main.paging import paginate, requested_page

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


def _page(form: CreateTokenForm, *, secret: str | None = None, status: int = 200):
    organisation = current_organisation()
    # Live tokens first, newest first: the same order as tokens.tokens_of, paged in SQL.
    mine = (select(ApiToken).where(ApiToken.user_id == current_user.id, ApiToken.organisation_id == organisation.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()))
    return render_template(
        "api/tokens.html", form=form, secret=secret, organisation=organisation,
        page=paginate(mine, page=requested_page()), empty_form=EmptyForm(),
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    if current_organisation() is None:
        abort(403)
    form = CreateTokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_token(current_user, current_organisation(),
                                                 name=form.name.data, scopes=form.scopes.data)
        except tokens.TokenError:
            db.session.rollback()
            form.scopes.errors = [*form.scopes.errors, _("Choose at least one permission.")]
            return _page(form, status=400)
        commit()
        return _page(CreateTokenForm(formdata=None), secret=secret)
    return _page(form, status=400 if form.errors else 200)


def _own_token(token_id: int) -> ApiToken:
    """The user's token for the current organisation; 404 for anyone else's."""
    token = db.session.get(ApiToken, token_id)
    organisation = current_organisation()
    if token is None or organisation is None or token.user_id != current_user.id \
            or token.organisation_id != organisation.id:
        abort(404)
    return token


@bp.get("/<int:token_id>/revoke")
@login_required
def confirm_revoke(token_id: int):
    """What revoking does, and the button that does it."""
    token = _own_token(token_id)
    if token.revoked_at is not None:
        flash(_("The token “%(name)s” is already revoked.", name=token.name), "info")
        return redirect(url_for("api_tokens.index"))
    return render_template("api/token_revoke.html", token=token, action_form=EmptyForm())


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = _own_token(token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(token)
    commit()
    flash(_("The token “%(name)s” is revoked: it no longer opens the API.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
