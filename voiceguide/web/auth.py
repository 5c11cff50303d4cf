"""Sign-in pages: register, sign in, sign out, delete the account; the API's 401."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..accounts import passwords
from ..accounts.people import authenticate, create_account, remove_account
from ..accounts.sessions import end_session, start_session
from ..errors import Conflict
from ..extensions import limiter, login_manager
from .errors import error_response, wants_json
from .forms import DeleteAccountForm, LoginForm, RegisterForm

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


def _safe_next(default: str) -> str:
    """The `next` page when it is a path on this site, else the default."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return default


def _account_key() -> str:
    return "account:" + (request.form.get("username") or "").strip().lower()


def _limit(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"], key_func=get_remote_address)
def register() -> ResponseReturnValue:
    """Create an account and sign in."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_account(form.username.data, form.password.data)
        except Conflict as e:
            form.username.errors.append(e.message)
        else:
            start_session(user)
            flash("Welcome. Your account is ready and you are signed in.", "success")
            return redirect(_safe_next(url_for("pages.home")), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT_ADDRESS"), methods=["POST"], key_func=get_remote_address)
@limiter.limit(
    _limit("LOGIN_RATE_LIMIT_ACCOUNT"),
    methods=["POST"],
    key_func=_account_key,
    deduct_when=lambda response: response.status_code != 303,
)
def login() -> ResponseReturnValue:
    """Sign in; only failed attempts count against the account's limit."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            start_session(user)
            flash("You are signed in.", "success")
            return redirect(_safe_next(url_for("journal.page")), 303)
        error = "That name and password do not match an account."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: every session cookie issued so far stops working."""
    end_session()
    flash("You are signed out.", "success")
    return redirect(url_for("pages.home"), 303)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the account, every entry and every recording, once the password is confirmed."""
    form = DeleteAccountForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if passwords.verify_password(user, form.password.data):
            remove_account(user)
            end_session()
            flash("Your account and your whole journal have been deleted.", "success")
            return redirect(url_for("pages.home"), 303)
        error = "That password is not right. Nothing was deleted."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/delete_account.html", form=form, error=error), status
