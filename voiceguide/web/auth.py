"""Sign-in pages: register, sign in, sign out, delete the account; the API's 401."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..accounts import passwords, signin_limits
from ..accounts.people import (
    account_id,
    authenticate,
    change_password,
    create_account,
    remove_account,
)
from ..accounts.sessions import end_other_sessions, end_session, session_key, start_session
from ..errors import Conflict
from ..extensions import limiter, login_manager
from ..security_log import record as security_event
from .errors import error_response, wants_json
from .forms import ChangePasswordForm, DeleteAccountForm, LoginForm, RegisterForm
from .limits import PASSWORD_CHECKS, failed, per_account, setting, sign_in_attempts
from .urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Every /api/ path but these needs a session: without one it is answered 401 before
# anything else, the CSRF check included.
PUBLIC_API_PATHS = frozenset({"/api/program"})


def init_app(app: Flask) -> None:
    """Answer the private API 401 before any other check (CSRF included)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _private_api_needs_session)


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """401 JSON for the API; a redirect to sign-in, coming back afterwards, for pages."""
    if wants_json():
        return error_response("sign_in_required")
    flash("Please sign in first.", "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def _private_api_needs_session() -> ResponseReturnValue | None:
    if (
        request.path.startswith("/api/")
        and request.path not in PUBLIC_API_PATHS
        and not current_user.is_authenticated
    ):
        return error_response("sign_in_required")
    return None


# A wrong password where a signed-in person confirms theirs: one count for both pages.
_password_check = per_account(
    "PASSWORD_CHECK_RATE_LIMIT",
    PASSWORD_CHECKS,
    scope="password-check",
    methods=["POST"],
    deduct_when=failed,
)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(setting("REGISTER_RATE_LIMIT"), methods=["POST"], key_func=get_remote_address)
def register() -> ResponseReturnValue:
    """Create an account and sign in."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            unlocked = create_account(form.username.data, form.password.data)
        except Conflict as e:
            form.username.errors.append(e.message)
        else:
            start_session(unlocked.user, unlocked.data_key, unlocked.recovery_key)
            security_event("register", unlocked.user.id)
            flash("Welcome. Your account is ready and you are signed in.", "success")
            # The recovery key, shown once, before anything else.
            next_page = safe_next(url_for("pages.home"))
            return redirect(url_for("recovery.show", next=next_page), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@sign_in_attempts
def login() -> ResponseReturnValue:
    """Sign in. Failures count per (account, address), so nobody elsewhere can refuse the
    owner; many failures from everywhere only slow the account down."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        name = form.username.data
        signin_limits.slow_down_if_attacked(name)
        unlocked = authenticate(name, form.password.data)
        if unlocked is not None:
            start_session(unlocked.user, unlocked.data_key, unlocked.recovery_key)
            security_event("sign_in", unlocked.user.id)
            flash("You are signed in.", "success")
            next_page = safe_next(url_for("journal.page"))
            if unlocked.recovery_key is not None:  # a journal encrypted just now
                return redirect(url_for("recovery.show", next=next_page), 303)
            return redirect(next_page, 303)
        signin_limits.count_failure(name)
        # The id, never the name: a password is sometimes typed into the name box.
        security_event("sign_in_failed", account_id(name))
        error = "That name and password do not match an account."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: this session's cookie stops working."""
    if current_user.is_authenticated:
        security_event("sign_out", current_user.id)
    end_session()
    flash("You are signed out.", "success")
    response = redirect(url_for("pages.home"), 303)
    # The browser drops what it cached of the private pages; its storage is cleared, per
    # person, by the page's script (js/signout.js) so others' waiting answers stay.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@_password_check
def delete_account() -> ResponseReturnValue:
    """Delete the account, every entry and every recording, once the password is confirmed."""
    form = DeleteAccountForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if passwords.verify_password(user, form.password.data):
            account = user.id
            remove_account(user)
            end_session()
            security_event("account_deleted", account)
            flash("Your account and your whole journal have been deleted.", "success")
            return redirect(url_for("pages.home"), 303)
        security_event("password_check_failed", user.id)
        error = "That password is not right. Nothing was deleted."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/delete_account.html", form=form, error=error), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_password_check
def password() -> ResponseReturnValue:
    """Change the password (the current one first); every other session is signed out."""
    form = ChangePasswordForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if passwords.verify_password(user, form.current.data):
            change_password(user, session_key(user), form.password.data)
            end_other_sessions(user)
            security_event("password_changed", user.id)
            flash("Your password is changed. Everywhere else you were signed in is signed out.",
                  "success")  # fmt: skip
            return redirect(url_for("journal.page"), 303)
        security_event("password_check_failed", user.id)
        error = "Your current password is not right. Nothing was changed."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form, error=error), status
