"""Sign-in sessions: the cookie, who a session belongs to, starting and ending one."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from . import passwords


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS.

    Behind a TLS-terminating proxy, wrap the app in werkzeug's ProxyFix (or set
    SESSION_COOKIE_SECURE) so that `request.is_secure` sees the original scheme.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure


def init_app(app: Flask) -> None:
    """Set up Flask-Login, password hashing and the cookie."""
    app.session_interface = HttpsAwareSessionInterface()
    passwords.init_app(app)
    login_manager.init_app(app)


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


def start_session(user: User) -> None:
    """Sign in with a fresh session: nothing set before it (fixation) survives."""
    session.clear()
    login_user(user)


def end_session(user: User | None) -> None:
    """Sign out: every session cookie issued to this person so far stops working."""
    if user is not None:
        user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()
