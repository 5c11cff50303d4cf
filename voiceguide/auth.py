"""Accounts: register, sign in, sign out, delete; sessions that stop working at sign-out."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import passwords, recordings
from .errors import error_response, wants_json
from .extensions import db, limiter, login_manager
from .forms import DeleteAccountForm, LoginForm, RegisterForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Every /api/ path but these needs a session: without one it is answered 401 before
# anything else, the CSRF check included.
PUBLIC_API_PATHS = frozenset({"/api/program"})


class _HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS.

    Behind a TLS-terminating proxy, wrap the app in werkzeug's ProxyFix (or set
    SESSION_COOKIE_SECURE) so that `request.is_secure` sees the original scheme.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure


def init_app(app: Flask) -> None:
    """Set up Flask-Login, password hashing, cookie flags and the sign-in limits."""
    app.session_interface = _HttpsAwareSessionInterface()
    passwords.init_app(app)
    login_manager.init_app(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _private_api_needs_session)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The user named by a session's "id:version", if that version is still current."""
    user_id, _, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """401 JSON for the API; a redirect to sign-in, coming back afterwards, for pages."""
    if wants_json():
        return error_response(401)
    flash("Please sign in first.", "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def _private_api_needs_session():
    if (
        request.path.startswith("/api/")
        and request.path not in PUBLIC_API_PATHS
        and not current_user.is_authenticated
    ):
        return error_response(401)
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


def _sign_in(user: User) -> None:
    # A fresh session at sign-in: nothing set before it (fixation) survives.
    session.clear()
    login_user(user)


def _account_key() -> str:
    return "account:" + (request.form.get("username") or "").strip().lower()


def _limit(name: str):
    return lambda: current_app.config[name]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"], key_func=get_remote_address)
def register():
    """Create an account and sign in."""
    form = RegisterForm()
    if form.validate_on_submit():
        taken = db.session.scalar(select(User.id).where(User.username == form.username.data))
        if taken is None:
            user = User(
                username=form.username.data,
                password_hash=passwords.hash_password(form.password.data),
            )
            db.session.add(user)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
            else:
                _sign_in(user)
                flash("Welcome. Your account is ready and you are signed in.", "success")
                return redirect(_safe_next(url_for("pages.home")), 303)
        form.username.errors.append("That name is taken. Please choose another.")
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
def login():
    """Sign in; only failed attempts count against the account's limit."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if passwords.verify_password(user, form.password.data):
            db.session.commit()  # keeps a re-hash, if verification made one
            _sign_in(user)
            flash("You are signed in.", "success")
            return redirect(_safe_next(url_for("journal.page")), 303)
        error = "That name and password do not match an account."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    """Sign out: every session cookie issued so far stops working."""
    if current_user.is_authenticated:
        current_user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("pages.home"), 303)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account, every entry and every recording, once the password is confirmed."""
    form = DeleteAccountForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if passwords.verify_password(user, form.password.data):
            remove_account(user)
            logout_user()
            session.clear()
            flash("Your account and your whole journal have been deleted.", "success")
            return redirect(url_for("pages.home"), 303)
        error = "That password is not right. Nothing was deleted."
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/delete_account.html", form=form, error=error), status


def remove_account(user: User) -> None:
    """Delete a user's recordings, entries and account row, then their recordings folder."""
    for entry in list(user.entries):
        recordings.delete_recording(entry)
    user_id = user.id
    db.session.delete(user)
    db.session.commit()
    folder = Path(current_app.config["RECORDINGS_DIR"]) / str(user_id)
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError as e:  # the rows are gone; say loudly that files were left behind
        current_app.logger.error("recordings of deleted user %s left behind: %s", user_id, e)
