"""Sign-in sessions: a random token per session, kept server-side by its hash.

The cookie carries only the token (256 random bits). The database keeps its SHA-256, the
account it belongs to, when it began and when it was last used. A session ends at sign-out,
at a password change (every other one), with the account, after `SESSION_IDLE_MINUTES`
unused, and `SESSION_LIFETIME_HOURS` after sign-in whatever happens. Nothing in the cookie
names an account, so a cookie can never open an account made after it.

The row also holds the person's data key wrapped under a key derived from the token
(accounts/keys.py): the database has only the token's hash, the cookie only the token,
so neither alone opens the journal; ending the session (deleting the row) destroys it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select

from ..errors import JournalLocked
from ..extensions import db, login_manager
from ..models import User, UserSession, utcnow
from . import keys, passwords

SESSION_PURPOSE = "session"
RECOVERY_PURPOSE = "pending-recovery"

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
    """Set up Flask-Login, password hashing, the job key and the cookie."""
    app.session_interface = HttpsAwareSessionInterface()
    passwords.init_app(app)
    keys.init_app(app)
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
    expired = now - row.last_seen_at > idle or now - row.created_at > lifetime
    if expired or row.wrapped_key is None:  # a session from before encryption: sign in again
        db.session.delete(row)
        db.session.commit()
        return None
    # Written at most once a minute or so: a write per request would slow every page.
    if (now - row.last_seen_at).total_seconds() > config["SESSION_TOUCH_SECONDS"]:
        row.last_seen_at = now
        db.session.commit()
    g.voiceguide_session_id = row.id
    g.voiceguide_session_token = token
    return row.user


def _token_kek(token: str) -> bytes:
    # HKDF of the token, independent of the SHA-256 kept in token_hash.
    return keys.secret_kek(token.encode(), "session")


def start_session(user: User, data_key: bytes, recovery_key: str | None = None) -> None:
    """Sign in with a fresh session holding the data key (wrapped under its token).

    Nothing set before it (fixation) survives. A new `recovery_key` waits, sealed the same
    way, for the page that shows it once (`pending_recovery_key`).
    """
    session.clear()
    token = secrets.token_urlsafe(32)
    kek = _token_kek(token)
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        wrapped_key=keys.wrap(kek, data_key, SESSION_PURPOSE, user.id),
    )
    if recovery_key is not None:
        row.pending_recovery = keys.wrap(kek, recovery_key.encode(), RECOVERY_PURPOSE, user.id)
    db.session.add(row)
    db.session.commit()
    login_user(user)
    # Flask-Login keeps user.get_id() in the cookie; the opaque token goes there instead.
    session["_user_id"] = token
    g.voiceguide_session_id = row.id
    g.voiceguide_session_token = token


def _current_row(user: User) -> tuple[UserSession, bytes]:
    """This request's session row, when it is `user`'s, and its token's key."""
    _ = current_user.is_authenticated  # loads the session row, if the request has not yet
    session_id = g.get("voiceguide_session_id")
    token = g.get("voiceguide_session_token")
    row = db.session.get(UserSession, session_id) if session_id is not None else None
    if row is None or token is None or row.user_id != user.id:
        raise JournalLocked()
    return row, _token_kek(token)


def session_key(user: User) -> bytes:
    """The data key of `user`, from this request's session; JournalLocked otherwise.

    Only the owner's own session opens it: another account's session has another key.
    """
    cached = g.get("voiceguide_data_key")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    row, kek = _current_row(user)
    try:
        data_key = keys.unwrap(kek, row.wrapped_key, SESSION_PURPOSE, user.id)
    except keys.WrongKey:
        raise JournalLocked() from None
    g.voiceguide_data_key = (user.id, data_key)  # this request only
    return data_key


def pending_recovery_key(user: User) -> str | None:
    """The recovery key this session is still to show, if any."""
    row, kek = _current_row(user)
    if row.pending_recovery is None:
        return None
    try:
        return keys.unwrap(kek, row.pending_recovery, RECOVERY_PURPOSE, user.id).decode()
    except keys.WrongKey:
        return None


def forget_recovery_key(user: User) -> None:
    """The person kept their recovery key: the session stops holding it."""
    row, _ = _current_row(user)
    row.pending_recovery = None
    db.session.commit()


def end_session() -> None:
    """Sign out: this session's token stops working, and the cookie is emptied."""
    _ = current_user.is_authenticated  # loads the session row, if the request has not yet
    session_id = g.pop("voiceguide_session_id", None)
    if session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == session_id))
        db.session.commit()
    logout_user()
    session.clear()
    g.pop("voiceguide_data_key", None)


def end_other_sessions(user: User) -> None:
    """Every session of this person but the current one stops working."""
    _ = current_user.is_authenticated
    keep = g.get("voiceguide_session_id")
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.id != keep)
    )
    db.session.commit()
