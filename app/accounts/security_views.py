"""The signed-in user's own account: its page, changing the password, signing out everywhere.

Routes of the accounts blueprint (imported at the end of app.accounts.views).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import services, throttling
from app.accounts.emails import queue_password_changed_email
from app.accounts.forms import ChangePasswordForm, EmptyForm, message_for
from app.accounts.sessions import end_session, start_session
from app.accounts.views import _account_retry_after, _too_many_attempts, bp
from app.events import commit
from app.extensions import db


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The current password, then the new one twice; every other session ends with the change."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # A wrong current password is a failed sign-in: same budgets, same lockout.
        try:
            throttling.check_sign_in(user.email)
        except throttling.Throttled as exc:
            retry_after = _account_retry_after() if exc.account else exc.retry_after
            return _too_many_attempts("accounts/change_password.html", form, retry_after)
        config = current_app.config
        check = services.check_current_password(user, form.current_password.data,
                                                 threshold=config["LOGIN_LOCKOUT_THRESHOLD"],
                                                 lock_minutes=config["LOGIN_LOCKOUT_MINUTES"])
        commit()  # a failure's count must outlive the request
        if check.locked:
            return _too_many_attempts("accounts/change_password.html", form, _account_retry_after())
        if check.user is None:
            throttling.count_failure(user.email)
            form.current_password.errors = [message_for("current_password_wrong")]
        else:
            try:
                services.change_password(user, form.password.data)
            except services.AccountError as exc:
                db.session.rollback()
                form.password.errors = [*form.password.errors, message_for(exc.code)]
            else:
                queue_password_changed_email(user)
                commit()
                start_session(user)  # this browser stays signed in, on the new version
                flash(_("Your password has been changed. Your other sessions have been signed out."), "success")
                return redirect(url_for("accounts.account"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.get("/account/sign-out-everywhere")
@login_required
def confirm_sign_out_everywhere():
    """What signing out everywhere does, and the button that does it."""
    return render_template("accounts/sign_out_everywhere.html", action_form=EmptyForm())


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.sign_out_everywhere(current_user._get_current_object())
    commit()
    end_session()  # this browser too: "everywhere" includes here
    flash(_("You are signed out on every device, this one included."), "info")
    return redirect(url_for("accounts.login"))


