"""The recovery key: shown once after sign-up (or after an old journal is encrypted), kept
as a text file, confirmed; and signing in with it to choose a new password."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..accounts.people import account_id, recover
from ..accounts.sessions import forget_recovery_key, pending_recovery_key, start_session
from ..security_log import record as security_event
from .forms import KeptRecoveryKeyForm, RecoverForm
from .limits import sign_in_attempts
from .urls import safe_next

bp = Blueprint("recovery", __name__, url_prefix="/auth")


def _spelled(key: str) -> str:
    """The key as a screen reader should say it: one character at a time, groups apart."""
    return ", ".join(" ".join(group) for group in key.split("-"))


@bp.route("/recovery-key", methods=["GET", "POST"])
@login_required
def show() -> ResponseReturnValue:
    """The new recovery key, until the person confirms they kept it."""
    user = current_user._get_current_object()
    next_page = safe_next(url_for("journal.page"))
    key = pending_recovery_key(user)
    if key is None:
        return redirect(next_page, 303)
    form = KeptRecoveryKeyForm()
    if form.validate_on_submit():
        forget_recovery_key(user)
        flash("Your recovery key is kept. It is not shown again.", "success")
        return redirect(next_page, 303)
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "auth/recovery_key.html",
        key=key,
        groups=key.split("-"),
        spelled=_spelled(key),
        form=form,
        next_page=next_page,
    )
    return page, status  # never cached, like every private page (web/security.py)


@bp.get("/recovery-key.txt")
@login_required
def download() -> ResponseReturnValue:
    """The recovery key as a text file, while it is still shown."""
    user = current_user._get_current_object()
    key = pending_recovery_key(user)
    if key is None:
        return redirect(url_for("journal.page"), 303)
    body = (
        f"VoiceGuide recovery key for the account {user.username}\n\n{key}\n\n"
        "With this key you can open your journal and choose a new password if you forget\n"
        "yours. If you lose both your password and this key, nobody can open your journal.\n"
        "Keep it somewhere safe and private.\n"
    )
    response = Response(body, mimetype="text/plain")
    name = f"voiceguide-recovery-key-{user.username}.txt"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/recover", methods=["GET", "POST"])
@sign_in_attempts  # counted with password sign-ins: one budget for guessing either
def recover_account() -> ResponseReturnValue:
    """Sign in with the recovery key and set a new password; every session is signed out."""
    form = RecoverForm()
    error = None
    status = 200
    if form.validate_on_submit():
        name = form.username.data
        unlocked = recover(name, form.recovery_key.data, form.password.data)
        if unlocked is not None:
            start_session(unlocked.user, unlocked.data_key)
            security_event("recovered", unlocked.user.id)
            flash("Your new password is set and you are signed in. "
                  "Your old password no longer works.", "success")  # fmt: skip
            return redirect(url_for("journal.page"), 303)
        security_event("recovery_failed", account_id(name))
        error = "That name and recovery key do not match an account."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/recover.html", form=form, error=error), status
