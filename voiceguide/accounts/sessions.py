"""Sign-in sessions: a random token per session, kept server-side by its hash.

The cookie carries only the token (256 random bits). The database keeps its SHA-256, the
account it belongs to, when it began and when it was last used. A session ends at sign-out,
at a password change (every other one), with the account, after `SESSION_IDLE_MINUTES`
unused, and `SESSION_LIFETIME_HOURS` after sign-in whatever happens. Nothing in the cookie
names an account, so a cookie can never open an account made after it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select

from ..extensions import db, login_manager
from ..models import User, UserSession, utcnow
from . import passwords

HOST_COOKIE = "__Host-voiceguide"
"""The session cookie's name over HTTPS: the browser keeps it to this exact origin."""


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Over HTTPS the session cookie is Secure and `__Host-` prefixed.

    Behind a TLS-terminating proxy, set VOICEGUIDE_TRUSTED_PROXIES so that
    `request.is_secure` sees the original scheme.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure

    def get_cookie_name(self, app: Flask) -> str:
        # __Host- needs Secure, Path=/ and no Domain: all true over HTTPS here.
        if has_request_context() and request.is_secure and not app.config["SESSION_COOKIE_DOMAIN"]:
            return HOST_COOKIE
        return super().get_cookie_name(app)


def init_app(app: Flask) -> None:
    """Set up Flask-Login, password hashing and the cookie."""
    app.session_interface = HttpsAwareSessionInterface()
    passwords.init_app(app)
    login_manager.init_app(app)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The account of a live session with this token; an expired one is ended here."""
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None:
        return None
    config = current_app.config
    now = utcnow()
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(hours=config["SESSION_LIFETIME_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        db.session.delete(row)
        db.session.commit()
        return None
    # Written at most once a minute or so: a write per request would slow every page.
    if (now - row.last_seen_at).total_seconds() > config["SESSION_TOUCH_SECONDS"]:
        row.last_seen_at = now
        db.session.commit()
    g.voiceguide_session_id = row.id
    return row.user


def start_session(user: User) -> None:
    """Sign in with a fresh session: nothing set before it (fixation) survives."""
    session.clear()
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_hash(token))
    db.session.add(row)
    db.session.commit()
    login_user(user)
    # Flask-Login keeps user.get_id() in the cookie; the opaque token goes there instead.
    session["_user_id"] = token
    g.voiceguide_session_id = row.id


def end_session() -> None:
    """Sign out: this session's token stops working, and the cookie is emptied."""
    _ = current_user.is_authenticated  # loads the session row, if the request has not yet
    session_id = g.pop("voiceguide_session_id", None)
    if session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == session_id))
        db.session.commit()
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> None:
    """Every session of this person but the current one stops working."""
    _ = current_user.is_authenticated
    keep = g.get("voiceguide_session_id")
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.id != keep)
    )
    db.session.commit()
