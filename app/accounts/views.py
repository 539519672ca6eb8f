"""Accounts pages: register, sign in and out, the organisation's members, verification."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts import reset, services, throttling
from app.accounts.auth import current_organisation
from app.accounts.forms import (
    AddMemberForm,
    ChangeRoleForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    message_for,
)
from app.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from app.accounts.policy import can_manage_organisation, operator_required
from app.accounts.sessions import end_session, start_session
from app.events import commit
from app.extensions import db
from app.i18n import current_locale
from app.main.paging import paginate, requested_page

bp = Blueprint("accounts", __name__)

FORM_FIELD_FOR = {"name": "organisation_name"}


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


def _start_session(user, *, remember: bool = False) -> None:
    """Sign in on a fresh session (no fixation), keeping the chosen language."""
    start_session(user, remember=remember)


def _attach_error(form, exc: services.AccountError) -> None:
    field = getattr(form, FORM_FIELD_FOR.get(exc.field, exc.field), None)
    message = message_for(exc.code)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        flash(message, "error")


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration = services.register_organisation(
                name=form.organisation_name.data,
                kind=form.kind.data,
                country=form.country.data,
                siren=form.siren.data or "",
                siret=form.siret.data or "",
                vat_number=form.vat_number.data or "",
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                locale=current_locale(),
            )
        except services.AccountError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            commit()
            _start_session(registration.user)
            flash(_("Welcome to Tremplin! Your organisation will be verified by our team shortly."), "success")
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


def _too_many_attempts(template: str, form, retry_after: int, **context):
    """The form again, refused with 429, a message saying how long to wait, and Retry-After."""
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Too many attempts. For your security, wait %(num)s minute before trying again.",
        "Too many attempts. For your security, wait %(num)s minutes before trying again.",
        minutes,
    )
    response = make_response(render_template(template, form=form, throttled=message, **context), 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _account_retry_after() -> int:
    # One figure for every refusal tied to an account (throttled email or locked account),
    # so the answer does not tell whether an account uses the email typed.
    return current_app.config["LOGIN_LOCKOUT_MINUTES"] * 60


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            throttling.check_sign_in(form.email.data)
        except throttling.Throttled as exc:
            retry_after = _account_retry_after() if exc.account else exc.retry_after
            return _too_many_attempts("accounts/login.html", form, retry_after)
        config = current_app.config
        attempt = services.attempt_sign_in(form.email.data, form.password.data,
                                           threshold=config["LOGIN_LOCKOUT_THRESHOLD"],
                                           lock_minutes=config["LOGIN_LOCKOUT_MINUTES"])
        commit()  # failures too: the count and the lockout must outlive the request
        if attempt.locked:
            return _too_many_attempts("accounts/login.html", form, _account_retry_after())
        if attempt.user is None:
            throttling.count_failure(form.email.data)
            form.password.errors = [_("Incorrect email or password.")]
        else:
            user = attempt.user
            _start_session(user, remember=form.remember.data)
            if user.locale in ("fr", "en") and "lang" not in session:
                session["lang"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "POST":
        try:
            throttling.hit_address("password-reset")
        except throttling.Throttled as exc:
            return _too_many_attempts("accounts/forgot_password.html", form, exc.retry_after)
    if form.validate_on_submit():
        try:
            throttling.hit_account("password-reset", form.email.data)
        except throttling.Throttled as exc:
            return _too_many_attempts("accounts/forgot_password.html", form, exc.retry_after)
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            reset.queue_reset_email(user)
        commit()
        # The same answer whether or not an account uses the address.
        flash(_("If an account uses this address, we have sent it an email with a link to choose a new "
                "password. Check your inbox (and your spam folder)."), "info")
        return redirect(url_for("accounts.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


def _private(response):
    """A page whose address holds a secret: never cached, never sent on as a referrer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = reset.read_reset_token(token)
    except reset.InvalidResetToken as exc:
        return _private(make_response(render_template("accounts/reset_invalid.html", reason=exc.reason), 400))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, reason="account.password_reset")
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, message_for(exc.code)]
        else:
            commit()
            _start_session(user)
            flash(_("Your password has been changed. You are signed in."), "success")
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return _private(make_response(render_template("accounts/reset_password.html", form=form, token=token), status))


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.post("/organisation/switch/<int:organisation_id>")
@login_required
def switch_organisation(organisation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not any(m.organisation_id == organisation_id for m in current_user.memberships):
        abort(403)
    session["org_id"] = organisation_id
    return redirect(url_for("main.home"))


@bp.get("/organisation")
@login_required
def organisation():
    org = current_organisation()
    if org is None:
        abort(404)
    manage = can_manage_organisation(current_user, org)
    members = (select(Membership).join(User, User.id == Membership.user_id)
               .where(Membership.organisation_id == org.id).options(selectinload(Membership.user))
               .order_by(User.full_name, Membership.id))
    return render_template(
        "accounts/organisation.html",
        org=org,
        manage=manage,
        members=paginate(members, page=requested_page()),
        add_form=AddMemberForm(),
        role_form=ChangeRoleForm(),
        empty_form=EmptyForm(),
    )


def _managed_membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404)
    if not can_manage_organisation(current_user, membership.organisation):
        abort(403)
    return membership


@bp.post("/organisation/members")
@login_required
def add_member():
    org = current_organisation()
    if org is None or not can_manage_organisation(current_user, org):
        abort(403)
    form = AddMemberForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        try:
            if user is None:
                raise services.AccountError("email", "user_unknown")
            services.add_member(org, user, role=Role(form.role.data), by=current_user)
        except services.AccountError as exc:
            db.session.rollback()
            flash(message_for(exc.code), "error")
        else:
            commit()
            flash(_("%(name)s is now a member of %(org)s.", name=user.full_name, org=org.name), "success")
    else:
        flash(_("Enter the email address of the person to add."), "error")
    return redirect(url_for("accounts.organisation"))


@bp.post("/organisation/members/<int:membership_id>/role")
@login_required
def change_role(membership_id: int):
    membership = _managed_membership(membership_id)
    form = ChangeRoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(membership, Role(form.role.data), by=current_user)
        except services.AccountError as exc:
            db.session.rollback()
            flash(message_for(exc.code), "error")
        else:
            commit()
            flash(_("Role updated."), "success")
    return redirect(url_for("accounts.organisation"))


@bp.get("/organisation/members/<int:membership_id>/remove")
@login_required
def confirm_remove_member(membership_id: int):
    """Who loses access, and the button that removes them."""
    membership = _managed_membership(membership_id)
    return render_template("accounts/member_remove.html", membership=membership, action_form=EmptyForm())


@bp.post("/organisation/members/<int:membership_id>/remove")
@login_required
def remove_member(membership_id: int):
    membership = _managed_membership(membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.remove_member(membership, by=current_user)
    except services.AccountError as exc:
        db.session.rollback()
        flash(message_for(exc.code), "error")
    else:
        commit()
        flash(_("Member removed."), "success")
    return redirect(url_for("accounts.organisation"))


@bp.get("/operator/organisations")
@operator_required
def verify_queue():
    # The same queue as services.organisations_awaiting_verification, the longest waiting first, paged in SQL.
    waiting = (select(Organisation)
               .where(Organisation.verified_at.is_(None), Organisation.kind != OrganisationKind.OPERATOR)
               .order_by(Organisation.created_at, Organisation.id))
    return render_template(
        "accounts/verify_queue.html",
        page=paginate(waiting, page=requested_page(), per_page=50),
        form=EmptyForm(),
    )


@bp.post("/operator/organisations/<int:organisation_id>/verify")
@operator_required
def verify(organisation_id: int):
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.verify_organisation(org, by=current_user)
    commit()
    flash(_("%(org)s is verified.", org=org.name), "success")
    return redirect(url_for("accounts.verify_queue"))


from app.accounts import security_views  # noqa: E402,F401  (the account pages, on this blueprint)
