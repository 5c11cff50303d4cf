"""Passwords: argon2id hashes, and refusing the ones that are easy to guess."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from zxcvbn import zxcvbn

from ..models import User

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3
"""zxcvbn's 0-4 scale: 3 means 'safely unguessable' against an online attack and more."""

# zxcvbn keeps the user inputs in a module-level dictionary: one check at a time.
_zxcvbn_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Build the hasher once; `ARGON2_PARAMS` may tune its cost (tests make it cheap)."""
    params = dict(app.config.get("ARGON2_PARAMS") or {})
    app.extensions["voiceguide.password_hasher"] = PasswordHasher(type=Type.ID, **params)


def _hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions["voiceguide.password_hasher"]
    return hasher


def _dummy_hash() -> str:
    # A real hash to verify against when the name is unknown, so both cases take as long.
    # Made on first use: every app start (each `flask` command too) would pay for it otherwise.
    extensions = current_app.extensions
    if "voiceguide.dummy_hash" not in extensions:
        extensions["voiceguide.dummy_hash"] = _hasher().hash("not anyone's password")
    dummy: str = extensions["voiceguide.dummy_hash"]
    return dummy


def hash_password(password: str) -> str:
    """An argon2id hash of the password, salted."""
    return _hasher().hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True when the password is the user's; re-hash it when the cost settings changed.

    A missing user still costs one verification, so timing does not reveal which names exist.
    """
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if _hasher().check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return True


def weakness(password: str, username: str | None = None) -> str | None:
    """Why a password is too easy to guess, or None when it is fine (zxcvbn, offline)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Use between {MIN_LENGTH} and {MAX_LENGTH} characters."
    inputs = [username, "voiceguide", "journal"] if username else ["voiceguide", "journal"]
    with _zxcvbn_lock:
        result = zxcvbn(password, user_inputs=inputs, max_length=MAX_LENGTH)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    reasons = ["This password is too easy to guess.", feedback.get("warning")]
    reasons += feedback.get("suggestions") or []
    return " ".join(r for r in reasons if r)
